#!/bin/sh
# checksrc.sh [ROOT] - refuse what the sources must not contain:
#   - banned functions (as curl's checksrc does): strcpy, sprintf, atoi, ...
#   - an include that points up (or sideways) the stack: each module may
#     include only the modules tests/lib/layers.txt lists for it
#   - sqlite3 outside db/, and db/db_int.h (db/'s private header) outside db/
#   - inside db/, a backend's library outside its driver file: sqlite3 only in
#     db/driver_sqlite.c, libpq only in db/driver_pgsql.c (the other files of
#     db/ write their SQL once, through db_int.h)
# ROOT defaults to the checkout; tests run it on a scratch copy.
ROOT=${1:-$(dirname "$0")/../..}
cd "$ROOT" || exit 2
rc=0
MODS=$(sed -n 's/^\([a-z/]*\):.*/\1/p' tests/lib/layers.txt)
srcs() { for m in $MODS; do ls "$m"/*.[ch] 2>/dev/null; done; }

bad=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll)[[:space:]]*\(' \
	$(srcs) bench/*.c fuzz/*.c tests/unit/*.c 2>/dev/null)
if [ -n "$bad" ]; then
	echo "checksrc: banned functions (use snprintf, str_copy, str_to_long, buf_*):"
	echo "$bad"
	rc=1
fi

# every quoted include, its path made relative to the root (dir/../x -> x),
# against the module it lies in (the longest module path that holds it):
# one awk over all files (a realpath per include took seconds)
layer_bad=$(for m in $MODS; do ls "$m"/*.[ch] 2>/dev/null; done | awk -v mods="$MODS" '
	BEGIN {
		nm = split(mods, M, /[ \n]+/)
		while ((getline line < "tests/lib/layers.txt") > 0) {
			if (line !~ /^[a-z\/]+:/) continue
			k = line; sub(/:.*/, "", k); v = line; sub(/^[^:]*:/, "", v)
			allowed[k] = " " k " " v " "
		}
	}
	function norm(p,   n, i, out, o, P) {
		n = split(p, P, "/"); o = 0
		for (i = 1; i <= n; i++) {
			if (P[i] == "" || P[i] == ".") continue
			if (P[i] == "..") { if (o > 0) o--; continue }
			out[++o] = P[i]
		}
		p = ""
		for (i = 1; i <= o; i++) p = p (i > 1 ? "/" : "") out[i]
		return p
	}
	function module_of(p,   i, best) {
		best = ""
		for (i = 1; i <= nm; i++)
			if (M[i] != "" && index(p, M[i] "/") == 1 && length(M[i]) > length(best)) best = M[i]
		return best
	}
	{
		f = $0; m = module_of(f); dir = f; sub(/\/[^\/]*$/, "", dir)
		while ((getline line < f) > 0) {
			if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/) continue
			inc = line; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
			t = module_of(norm(dir "/" inc))
			if (t != "" && index(allowed[m], " " t " ") == 0)
				printf "\n%s: includes %s (%s), which %s may not use (tests/lib/layers.txt)", f, inc, t, m
		}
		close(f)
	}')
if [ -n "$layer_bad" ]; then
	echo "checksrc: includes that point up the stack:$layer_bad"
	rc=1
fi

sql=$(for f in $(srcs); do case $f in db/*) ;; *) grep -lE 'sqlite3|db_int\.h' "$f" ;; esac; done)
if [ -n "$sql" ]; then
	echo "checksrc: SQLite outside db/ (the store is reached through db/'s public headers):"
	echo "$sql"
	rc=1
fi
drv=$(for f in db/*.[ch]; do case $f in db/driver_sqlite.c) ;; *) grep -lE 'sqlite3_|SQLITE_|sqlite3\.h' "$f" ;; esac
	case $f in db/driver_pgsql.c) ;; *) grep -lE 'libpq-fe\.h|\bPQ[a-z]+\(' "$f" ;; esac; done)
if [ -n "$drv" ]; then
	echo "checksrc: a backend's API outside its driver (use db_int.h's db_prepare, db_step, db_col_*):"
	echo "$drv"
	rc=1
fi
[ "$rc" = 0 ] && echo "checksrc: no banned functions, includes follow the layers, SQL only in db/"
exit $rc
