#!/bin/sh
# fuzz/build.sh fuzz|fuzz-smoke - build and run the libFuzzer targets.
#
#   fuzz        build every fuzz/fuzz_*.c with clang -fsanitize=fuzzer,address,
#               undefined into build/fuzz/ (the library objects too, through the
#               top-level Makefile with BUILD=fuzz), and gather the seed corpora
#               into build/fuzz/seeds/TARGET from samples/ and ../shared/corpus.
#   fuzz-smoke  build, then run each target (but mime, unless FUZZ_TARGETS
#               names it) for FUZZ_SECONDS (default 30);
#               print "FIGURE fuzz TARGET: N execs, cov N"; exit 1 on a crash,
#               naming the reproducer.
#
# Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (space-separated
# subset, e.g. "parse received"), FUZZ_JOBS (targets run at once, default 1),
# FUZZ_TIMEOUT (seconds one input may take, default 25), FUZZ_RSS_MB (default
# 2048). Runs are niced. The growing corpus is kept in build/fuzz/corpus/TARGET
# between runs; crashes go to build/fuzz/crashes/TARGET/.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
OUT=$ROOT/build/fuzz
MODE=${1:-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-30}
JOBS=${FUZZ_JOBS:-1}
SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer'
PKGS='gmime-3.0 libpcre2-8 libcurl sqlite3'

targets() {
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		for t in $FUZZ_TARGETS; do echo "${t#fuzz_}"; done
	else
		for f in fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done
	fi
}

# build - the library with fuzzer coverage, then one binary per target
build() {
	if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
		sh tests/lib/deps.sh test || { echo "fuzz: needs clang and libclang-rt-14-dev" >&2; exit 2; }
	fi
	mkdir -p "$OUT"
	make --no-print-directory -j2 BUILD=fuzz CC=clang \
		CFLAGS="-g -O1 $SAN -fsanitize=fuzzer-no-link" LDFLAGS="$SAN" \
		build/fuzz/libabusedesk.a >"$OUT/make.log" 2>&1 ||
		{ tail -n 30 "$OUT/make.log"; echo "fuzz: library build failed" >&2; exit 2; }
	cflags=$(pkg-config --cflags $PKGS) || exit 2
	libs="$(pkg-config --libs $PKGS) -lm"
	for t in $(targets); do
		src=fuzz/fuzz_$t.c bin=$OUT/fuzz_$t
		[ -f "$src" ] || { echo "fuzz: no $src" >&2; exit 2; }
		if [ ! -x "$bin" ] || [ -n "$(find "$src" fuzz/*.h "$OUT/libabusedesk.a" -newer "$bin" 2>/dev/null)" ]; then
			echo "  CC $bin"
			# shellcheck disable=SC2086
			clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter $SAN \
				-fsanitize=fuzzer $cflags -o "$bin" "$src" "$OUT/libabusedesk.a" $libs || exit 2
		fi
	done
	seeds
}

# copy_seeds DIR FILES... - copy files (not symlinks or huge ones) into DIR
copy_seeds() {
	d=$1; shift
	mkdir -p "$d"
	for f in "$@"; do
		[ -f "$f" ] && [ "$(wc -c <"$f")" -le 262144 ] && cp "$f" "$d/" 2>/dev/null
	done
	return 0
}

# seeds - build/fuzz/seeds/TARGET from samples/, tests/regress/ and ../shared/corpus
seeds() {
	S=$OUT/seeds
	SH=$ROOT/../shared/corpus
	rm -rf "$S"; mkdir -p "$S"
	copy_seeds "$S/parse" samples/*.eml
	copy_seeds "$S/trace" samples/trace-*.eml samples/arf-*.eml
	if [ -d "$SH" ]; then
		find "$SH/complaints" -type f ! -name '*.tsv' ! -name '*.jsonl' 2>/dev/null | head -400 |
			while read -r f; do copy_seeds "$S/parse" "$f"; done
		find "$SH/bounces/maildir/bsd" -type f 2>/dev/null | head -200 |
			while read -r f; do copy_seeds "$S/parse" "$f"; done
		find "$SH/complaints" -type f ! -name '*.tsv' ! -name '*.jsonl' 2>/dev/null | head -150 |
			while read -r f; do copy_seeds "$S/trace" "$f"; done
		if [ -f "$SH/received/rcvd_cases.jsonl" ]; then
			mkdir -p "$S/received"
			python3 - "$SH/received/rcvd_cases.jsonl" "$S/received" <<'PY'
import json, sys
for i, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace")):
    try:
        v = json.loads(line)["received"]
    except (ValueError, KeyError):
        continue
    open("%s/case%04d" % (sys.argv[2], i), "w", encoding="utf-8").write(v)
PY
		fi
	else
		echo "fuzz: ../shared/corpus absent; seeding from samples/ only"
	fi
	# Received values from the samples, one file each
	mkdir -p "$S/received"
	n=0
	for f in samples/*.eml; do
		awk 'BEGIN{v=""} /^Received:/{if(v!="")print v; v=substr($0,11); next}
		     /^[ \t]/{if(v!=""){sub(/^[ \t]+/," ");v=v $0}; next} {if(v!="")print v; v=""}
		     END{if(v!="")print v}' "$f"
	done | sort -u | while IFS= read -r line; do
		n=$((n + 1)); printf '%s' "$line" >"$S/received/sample$n"
	done
	cp -R "$S/parse" "$S/mime"   # the MIME scanner is fuzzed on the same messages
	mkdir -p "$S/ipaddr" "$S/config" "$S/inventory" "$S/inventory_import" "$S/notify"
	i=0
	for a in 192.0.2.1 10.0.0.0/8 2001:db8::/32 ::ffff:192.0.2.1 "[2001:db8::1]" IPv6:2001:db8::25 \
		"192.0.2.0/24, 2001:db8:25::/48 10.0.0.0/8" 0.0.0.0/0 ::/0 1:2:3:4:5:6:7:8 ::1 fe80::1%eth0; do
		i=$((i + 1)); printf '%s' "$a" >"$S/ipaddr/seed$i"
	done
	copy_seeds "$S/config" contrib/abusedesk.conf.example tests/golden/trace.conf
	copy_seeds "$S/inventory" tests/golden/inventory.csv
	printf '\000key,name,email,webhook_url,policy,digest\nops,Ops,ops@example.net,,immediate,1\nnet,"Net, Team",net@example.net,https://hook.example.net/x,digest,0\n' >"$S/inventory_import/owners"
	printf '\001cidr,owner,role,note\n192.0.2.0/24,ops,mta,"main"\n2001:db8::/32,ops,customer,\n' >"$S/inventory_import/networks"
	printf '\002name,ips,role,owner,note\nmx2.example.net,192.0.2.25;2001:db8:25::25,mta,ops,\n' >"$S/inventory_import/hosts"
	printf 'abuse@example.net\000owner@example.net\000Example Net\000Open relay on mx2.example.net [192.0.2.25]\000<a1@example.net>\000<r1@example.org>\000auto-replied\000Dear owner,\nwe received a complaint.\n\000From: x@example.org\nSubject: spam\n\nbuy now\n' >"$S/notify/seed1"
	printf 'abuse@example.net\000owner@example.net\000\000=?UTF-8?B?w6k=?= \303\251t\303\251 \r\nBcc: x@example.org\000\000\000\000text\n' >"$S/notify/seed2"
	for d in samples/inventory/*; do [ -f "$d" ] && copy_seeds "$S/inventory" "$d"; done
	mkdir -p "$S/rdap"
	copy_seeds "$S/rdap" data/rdap-bootstrap.json
	printf '{"handle":"NET-1","name":"N","startAddress":"203.0.113.0","endAddress":"203.0.113.255","entities":[{"roles":["registrant"],"entities":[{"handle":"AB","roles":["abuse"],"vcardArray":["vcard",[["version",{},"text","4.0"],["email",{},"text","abuse@x.example"]]]}]}]}' >"$S/rdap/nested"
	return 0
}

# run_one TARGET - fuzz one target for SECONDS_EACH; prints the FIGURE line; 0 or 1
run_one() {
	t=$1
	bin=$OUT/fuzz_$t log=$OUT/logs/$t.log corpus=$OUT/corpus/$t crashes=$OUT/crashes/$t
	mkdir -p "$corpus" "$crashes" "$OUT/logs" "$OUT/seeds/$t"
	dict=""
	[ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$ROOT/tests/lib/lsan.supp \
	nice -n 10 "$bin" -max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-25}" \
		-rss_limit_mb="${FUZZ_RSS_MB:-2048}" -print_final_stats=1 \
		-artifact_prefix="$crashes/" $dict "$corpus" "$OUT/seeds/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
	echo "FIGURE fuzz $t: ${execs:-0} execs, cov ${cov:-0}"
	if [ "$rc" -ne 0 ]; then
		repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "FAIL fuzz $t: exit $rc; reproducer: ${repro:-none written} (log: $log)"
		grep -m1 -E 'ERROR: (Address|Undefined|Leak)Sanitizer|runtime error|ERROR: libFuzzer|fuzz_notify:|deadly signal' "$log" | sed 's/^/  /'
		echo "  replay: $bin ${repro:-CRASH_FILE}"
		return 1
	fi
	return 0
}

# smoke_targets - what fuzz-smoke runs: every target but the differential
# "mime" unless FUZZ_TARGETS names it (its oracle, GMime's parser, has rules
# for junk header lines that the scanner does not follow in every case; see
# fuzz/README.md)
smoke_targets() {
	if [ -n "${FUZZ_TARGETS:-}" ]; then targets; else targets | grep -vx mime; fi
}

# smoke - every smoke target, FUZZ_JOBS at a time
smoke() {
	fail=0 running=0 pids="" failfile=$OUT/logs/failed
	mkdir -p "$OUT/logs"; : >"$failfile"
	for t in $(smoke_targets); do
		( run_one "$t" || echo "$t" >>"$failfile" ) &
		running=$((running + 1))
		if [ "$running" -ge "$JOBS" ]; then wait; running=0; fi
	done
	wait
	if [ -s "$failfile" ]; then
		echo "fuzz-smoke: crashes in: $(tr '\n' ' ' <"$failfile")"
		fail=1
	else
		echo "fuzz-smoke: $(smoke_targets | wc -l) targets ran ${SECONDS_EACH}s each without a crash"
	fi
	return $fail
}

case $MODE in
fuzz) build ;;
fuzz-smoke) build && smoke ;;
*) echo "usage: fuzz/build.sh fuzz|fuzz-smoke" >&2; exit 64 ;;
esac
