# lib.sh - helpers for bench/run.sh: timing, figures, the table.
# Sourced by bench/run.sh (bash); expects W, TAB and SMOKE to be set.

# apt_get PKG... - install Debian packages when root; fails quietly otherwise
apt_get() {
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
}

# tm OUT CMD... - run CMD, write "wall user sys maxrss_kb" to OUT; CMD's status
tm() {
	local out=$1 rc s e
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$out.t" "$@"
		rc=$?
		tail -n 1 "$out.t" >"$out"
		return $rc
	fi
	s=$(date +%s%N)
	"$@"
	rc=$?
	e=$(date +%s%N)
	echo "$(( (e - s) / 1000000 ))" | awk '{ printf "%.3f 0 0 0\n", $1 / 1000 }' >"$out"
	return $rc
}

# field FILE N - the Nth number of a tm output
field() { awk -v n="$2" '{ print $n }' "$1"; }

# ms_once CMD... - wall microseconds of one run (output discarded); "failed" if it failed
ms_once() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { echo failed; return; }
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
}

# median5 CMD... - median wall milliseconds of 5 runs after one warm-up run; "failed" if any failed
median5() {
	"$@" >/dev/null 2>&1
	for _ in 1 2 3 4 5; do ms_once "$@"; done | sort -n |
		awk '/failed/ { bad = 1 } { v[NR] = $1 } END { if (bad) print "failed"; else printf "%.1f", v[3] / 1000 }'
}

# kv LINE KEY - value of KEY=VALUE in a line of lat/FIGURE output
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# calc EXPR - floating point arithmetic (awk)
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }

# num N - thousands separators, no decimals for large values
num() { awk -v x="$1" 'BEGIN {
	if (x == "" || x == "-") { print "-"; exit }
	if (x >= 100) { s = sprintf("%.0f", x); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o } else printf "%.2f\n", x }'; }

# status GOT OP WANT - "met" or "MISSED (...)" for a numeric target
status() {
	awk -v g="$1" -v op="$2" -v w="$3" 'BEGIN {
		if (g == "failed") { print "BROKEN: the command failed"; exit }
		if (g == "" || g == "-") { print "-"; exit }
		ok = (op == ">=") ? (g >= w) : (g <= w)
		if (ok) { print "met"; exit }
		if (op == ">=") printf "MISSED (%.2fx short)\n", (g > 0 ? w / g : 0)
		else printf "MISSED (%.2fx over)\n", (w > 0 ? g / w : 0) }'
}

# row ID NAME RESULT TARGET STATUS COMMAND - one line of the table
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$TAB"
	printf '  %-18s %s  [%s] %s\n' "$1" "$3" "$4" "$5" >&2
}

# skip_row ID NAME WHY COMMAND
skip_row() { row "$1" "$2" "skipped: $3" "-" "-" "$4"; }

# machine - one line: nproc, CPU model, RAM, kernel
machine() {
	local cpu mem
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
	[ -n "$cpu" ] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
	printf 'nproc %s; CPU %s; RAM %s; kernel %s %s; load at start %s' "$(nproc)" "${cpu:-unknown}" \
		"${mem:-unknown}" "$(uname -s)" "$(uname -r)" "${LOAD0:-?}"
}

# print_table - the markdown table of every row, then the commands
print_table() {
	echo
	echo "abusedesk benchmarks$([ "$SMOKE" = 1 ] && echo ' (smoke: tiny sizes, no peers)')"
	echo "machine: $(machine)"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); binary: $BIN_SRC ($("$BIN" --version 2>/dev/null | head -n 1), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
	echo
	echo "| id | benchmark | result | target | status |"
	echo "|----|-----------|--------|--------|--------|"
	awk -F '\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$TAB"
	echo
	echo "commands (W = the work folder; \$AD = abusedesk -c W/<conf>):"
	awk -F '\t' '{ printf "  %-18s %s\n", $1, $6 }' "$TAB"
}
