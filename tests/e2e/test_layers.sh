#!/bin/bash
# test_layers.sh - `make checksrc` holds the direction of the stack: the
# tree passes it, and a scratch copy with one upward include, one SQLite
# call outside db/ or one banned function fails it and names the line.
. "$(dirname "$0")/../lib/tap.sh"
ROOT=${ABUSEDESK_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

ok "sh '$ROOT/tests/lib/checksrc.sh' '$ROOT' >'$T/tree.out'" "the tree passes checksrc"
diag "$(cat "$T/tree.out")"

# scratch SUBDIR - a copy of the sources and the layer table
scratch() {
	rm -rf "$T/$1"; mkdir -p "$T/$1/tests/lib"
	(cd "$ROOT" && cp -r util parse correlate db ingest notify app cli bench fuzz "$T/$1/" &&
		mkdir -p "$T/$1/tests/unit" && cp tests/lib/layers.txt "$T/$1/tests/lib/")
}

scratch up
printf '#include "../app/process.h"\n' >>"$T/up/db/db.c"
sh "$ROOT/tests/lib/checksrc.sh" "$T/up" >"$T/up.out" 2>&1
ok "[ $? -ne 0 ]" "db/ including an app/ header fails checksrc"
ok "grep -qF 'db/db.c: includes ../app/process.h (app), which db may not use' '$T/up.out'" "the upward include is named"

scratch side
printf '#include "../notify/digest.h"\n' >>"$T/side/ingest/spool.c"
sh "$ROOT/tests/lib/checksrc.sh" "$T/side" >"$T/side.out" 2>&1
ok "[ $? -ne 0 ]" "ingest/ including a notify/ header (sideways) fails checksrc"

scratch deep
printf '#include "../../db/db.h"\n' >>"$T/deep/correlate/trace/trace.c"
sh "$ROOT/tests/lib/checksrc.sh" "$T/deep" >"$T/deep.out" 2>&1
ok "[ $? -ne 0 ]" "correlate/trace including db/ fails checksrc"
ok "grep -qF 'correlate/trace/trace.c: includes ../../db/db.h (db)' '$T/deep.out'" "named with its module"

scratch down
printf '#include "../db/db.h"\n' >>"$T/down/app/new_service.c"
sh "$ROOT/tests/lib/checksrc.sh" "$T/down" >"$T/down.out" 2>&1
ok "[ $? -eq 0 ]" "app/ including db/ (down the stack) passes"

scratch sql
printf '#include <sqlite3.h>\nint f(void) { return sqlite3_libversion_number(); }\n' >"$T/sql/cli/cmd_x.c"
sh "$ROOT/tests/lib/checksrc.sh" "$T/sql" >"$T/sql.out" 2>&1
ok "[ $? -ne 0 ]" "sqlite3 in cli/ fails checksrc"
ok "grep -qx 'cli/cmd_x.c' '$T/sql.out'" "the file is named"

scratch banned
printf 'void g(char *d) { strcpy(d, "x"); }\n' >>"$T/banned/util/str.c"
sh "$ROOT/tests/lib/checksrc.sh" "$T/banned" >"$T/banned.out" 2>&1
ok "[ $? -ne 0 ]" "strcpy fails checksrc"
done_testing
