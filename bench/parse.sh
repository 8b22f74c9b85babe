# parse.sh - bench/run.sh part 1: parse, Received, trace, peak RSS, and the
# Sisimai and SpamAssassin peers. Sourced by bench/run.sh (bash).

# files_of DIR - the regular files of DIR, sorted, one a line
files_of() { find "$1" -maxdepth 1 -type f | sort; }

# bytes_of LIST - total size of the files named in LIST
bytes_of() { xargs -r stat -c %s <"$1" | awk '{ s += $1 } END { print s + 0 }'; }

# parse_rate ID NAME LIST - abusedesk parse --json over the files in LIST, one
# process a pass; small sets run several passes (each its own process, start-up
# included) so that time(1)'s 10 ms ticks do not decide the figure. The timed
# passes write their JSON to /dev/null (writing 3 bytes of JSON a byte of mail
# to a file is the file system's time, not the parser's); one more pass writes
# the JSON whose lines are counted.
parse_rate() {
	local id=$1 name=$2 list=$3 n bytes wall cpu out reps
	n=$(wc -l <"$list")
	bytes=$(bytes_of "$list")
	reps=$(( (5000 + n - 1) / (n > 0 ? n : 1) ))
	[ "$SMOKE" = 1 ] && reps=1
	mapfile -t _files <"$list"
	tm "$W/$id.tm" bash -c 'bin=$1 reps=$2; shift 2
		for ((i = 0; i < reps; i++)); do "$bin" parse --json "$@" >/dev/null || exit; done' \
		parse-pass "$BIN" "$reps" "${_files[@]}" 2>"$W/$id.err"
	"$BIN" parse --json "${_files[@]}" >"$W/$id.json" 2>>"$W/$id.err"
	out=$(wc -l <"$W/$id.json")
	wall=$(field "$W/$id.tm" 1)
	cpu=$(awk '{ print $2 + $3 }' "$W/$id.tm")
	P_RATE=$(calc "$n * $reps / ($cpu > 0 ? $cpu : 0.001)")
	P_WALL=$(calc "$n * $reps / ($wall > 0 ? $wall : 0.001)")
	P_MBS=$(calc "$bytes * $reps / 1048576 / ($cpu > 0 ? $cpu : 0.001)")
	row "$id" "$name: $n msgs, $(calc "$bytes / 1048576") MB ($out JSON lines)$([ "$reps" -gt 1 ] && echo ", $reps passes")" \
		"$(num "$P_RATE") msg/s, $P_MBS MB/s per core (wall: $(num "$P_WALL") msg/s)" \
		">= 20,000 msg/s" "$(status "$P_RATE" '>=' 20000)" \
		"abusedesk parse --json FILE... >/dev/null ($n files, one process a pass; rate = msgs / (user+sys CPU))"
}

# sisimai_rate ID NAME DIR ADRATE - Sisimai->make(DIR) in one perl process, vs ours
sisimai_rate() {
	local id=$1 name=$2 dir=$3 ours=$4 n cpu rate got
	if [ "$HAVE_SISIMAI" = 0 ]; then
		skip_row "$id" "Sisimai, $name" "$([ "$SMOKE" = 1 ] && echo smoke || echo 'libsisimai-perl not installable')" \
			"perl -MSisimai -e 'Sisimai->make(DIR)'"
		return
	fi
	n=$(files_of "$dir" | wc -l)
	tm "$W/$id.tm" perl -MSisimai -e 'my $r = Sisimai->make($ARGV[0]) || []; print scalar(@$r), "\n"' \
		"$dir" >"$W/$id.out" 2>/dev/null
	got=$(cat "$W/$id.out")
	cpu=$(awk '{ print $2 + $3 }' "$W/$id.tm")
	rate=$(calc "$n / ($cpu > 0 ? $cpu : 0.001)")
	row "$id" "Sisimai $(perl -MSisimai -e 'print Sisimai->version' 2>/dev/null), $name: $n msgs ($got results)" \
		"$(num "$rate") msg/s per core; abusedesk $(calc "$ours / $rate")x" ">= 10x" \
		"$(status "$(calc "$ours / $rate")" '>=' 10)" \
		"perl -MSisimai -e 'Sisimai->make(DIR)' (whole process, user+sys CPU)"
}

# received_lines LIST OUT - unfolded Received values of every message in LIST, one a line
received_lines() {
	xargs -r cat <"$1" | awk '
		function flush() { if (cur != "") { gsub(/[ \t]+/, " ", cur); sub(/^ /, "", cur); print cur }; cur = "" }
		/^[Rr]eceived:/ { flush(); cur = substr($0, 10); inr = 1; next }
		/^[ \t]/ && inr { cur = cur " " $0; next }
		{ flush(); inr = 0 }
		END { flush() }' >"$2"
}

section "parse"
LOAD0=${LOAD0:-$(cut -d' ' -f1-3 /proc/loadavg)}
files_of "$W/mix" >"$W/mix.list"
parse_rate parse.mix "parse, generated mix" "$W/mix.list"
files_of "$W/arf" >"$W/arf.files"
parse_rate parse.arf "parse, generated ARF only" "$W/arf.files"
ARF_RATE=$P_RATE
if [ -d "$BOUNCES" ]; then
	files_of "$BOUNCES" >"$W/bounces.list"
	parse_rate parse.bounces "parse, corpus bounces (sisimai bsd)" "$W/bounces.list"
	BOUNCE_RATE=$P_RATE
	# the same files ten times in one process: the parser without most of the
	# start-up (loading 21 shared objects, about 6 ms a process)
	for _i in 1 2 3 4 5 6 7 8 9 10; do cat "$W/bounces.list"; done >"$W/bounces10.list"
	parse_rate parse.bounces.x10 "parse, corpus bounces, each file 10 times in one process" "$W/bounces10.list"
else
	skip_row parse.bounces "parse, corpus bounces" "../shared/corpus absent" \
		"abusedesk parse --json ../shared/corpus/bounces/maildir/bsd/*"
	skip_row parse.bounces.x10 "parse, corpus bounces x10" "../shared/corpus absent" \
		"abusedesk parse --json (each bounce file 10 times)"
	BOUNCE_RATE=
fi
if [ -n "$BOUNCE_RATE" ]; then
	sisimai_rate peer.sisimai.bounce "corpus bounces" "$BOUNCES" "$BOUNCE_RATE"
else
	skip_row peer.sisimai.bounce "Sisimai, corpus bounces" "../shared/corpus absent" "-"
fi
sisimai_rate peer.sisimai.arf "generated ARF" "$W/arf" "$ARF_RATE"

section "Received"
received_lines "$W/mix.list" "$W/rcvd1.txt"
RC=$ROOT/../shared/corpus/received/rcvd_cases.jsonl
[ -f "$RC" ] && python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["received"])' "$RC" >>"$W/rcvd1.txt" 2>/dev/null
: >"$W/rcvd.txt"
for _ in $(seq "$N_RCVD_REP"); do cat "$W/rcvd1.txt" >>"$W/rcvd.txt"; done
NL=$(wc -l <"$W/rcvd.txt")
tm "$W/rcvd.tm" "$BIN" received --json <"$W/rcvd.txt" >"$W/rcvd.out"
RELAYS=$(grep -vc '^null$' "$W/rcvd.out")
cpu=$(awk '{ print $2 + $3 }' "$W/rcvd.tm")
RCVD_RATE=$(calc "$RELAYS / ($cpu > 0 ? $cpu : 0.001)")
# the speed target that tests/unit/test_received.c used to assert by wall clock
row received "abusedesk received: $NL unfolded values, $RELAYS relays" "$(num "$RCVD_RATE") relays/s per core" \
	">= 20,000 relays/s" "$(status "$RCVD_RATE" '>=' 20000)" \
	"abusedesk received --json < values (whole process, user+sys CPU)"
if [ "$HAVE_SA" = 1 ]; then
	perl -MMail::SpamAssassin::Message::Metadata -MMail::SpamAssassin::Message::Metadata::Received \
		-MTime::HiRes=time -e '
		my @l = <STDIN>; chomp @l;
		my $md = bless { allow_mailfetch_markers => 1 }, "Mail::SpamAssassin::Message::Metadata";
		my ($n, $t0, @c0) = (0, time, times);
		for (@l) { my $r = $md->parse_received_line($_); $n++ if ref $r && $r->{ip}; }
		my @c1 = times;
		printf "relays=%d cpu=%.4f\n", $n, $c1[0] + $c1[1] - $c0[0] - $c0[1];' \
		<"$W/rcvd1.txt" >"$W/sa.out" 2>/dev/null
	l=$(cat "$W/sa.out")
	SA_RATE=$(calc "$(kv "$l" relays) / ($(kv "$l" cpu) > 0 ? $(kv "$l" cpu) : 0.001)")
	row peer.sa.received "SpamAssassin $(perl -MMail::SpamAssassin -e 'print Mail::SpamAssassin::Version()' 2>/dev/null) parse_received_line: $(wc -l <"$W/rcvd1.txt") values, $(kv "$l" relays) relays" \
		"$(num "$SA_RATE") relays/s per core; abusedesk $(calc "$RCVD_RATE / $SA_RATE")x" ">= 50x" \
		"$(status "$(calc "$RCVD_RATE / $SA_RATE")" '>=' 50)" \
		"perl: Metadata->parse_received_line(value) per value (loop CPU only, no start-up)"
else
	skip_row peer.sa.received "SpamAssassin Received parser" \
		"$([ "$SMOKE" = 1 ] && echo smoke || echo 'spamassassin not installable')" "-"
fi

section "trace"
cat >"$W/trace.csv" <<'CSV'
kind,name_or_cidr,ips,role,owner
host,mx2.example.net,192.0.2.25,mta,mail-team
host,smtp.example.net,192.0.2.30,mta,mail-team
host,proxy.example.net,192.0.2.80,proxy,net-team
host,www.example.net,2001:db8::80,web,web-team
network,192.0.2.0/24,,server,ops
network,198.51.100.0/24,,customer,access-team
network,2001:db8::/32,,server,ops
CSV
cat >"$W/trace.conf" <<CONF
our_networks = 192.0.2.0/24 198.51.100.0/24 2001:db8::/32
our_domains = example.net
inventory_csv = $W/trace.csv
syslog = no
CONF
head -n "$N_TRACE" "$W/mix.list" >"$W/trace.list"
mapfile -t _files <"$W/trace.list"
tm "$W/trace.tm" "$BIN" -c "$W/trace.conf" trace --json "${_files[@]}" >"$W/trace.out" 2>"$W/trace.err"
NV=$(grep -c '"verdict"' "$W/trace.out")
cpu=$(awk '{ print $2 + $3 }' "$W/trace.tm")
row trace "trace: $N_TRACE msgs, $NV verdicts ($(grep -o '"verdict":"[a-z_]*"' "$W/trace.out" | sort | uniq -c | sort -rn | awk '{ sub(/"verdict":/, "", $2); gsub(/"/, "", $2); printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }'))" \
	"$(num "$(calc "$NV / ($cpu > 0 ? $cpu : 0.001)")") verdicts/s per core" "-" "-" \
	"abusedesk -c W/trace.conf trace --json FILE... (inventory_csv, one process)"

section "peak RSS"
# big.eml: an ARF report whose reported message carries a BIG_MB body
{
	printf 'From: fbl@example.org\nTo: abuse@example.net\nSubject: big report\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/report; report-type=feedback-report; boundary="bb"\n\n'
	printf -- '--bb\nContent-Type: text/plain\n\nA big one.\n\n--bb\nContent-Type: message/feedback-report\n\n'
	printf 'Feedback-Type: abuse\nUser-Agent: bench/1\nVersion: 1\nSource-IP: 192.0.2.25\n\n'
	printf -- '--bb\nContent-Type: message/rfc822\n\n'
	printf 'Received: from x.example (x.example [203.0.113.9])\n\tby mx2.example.net with ESMTP id 1; Wed, 1 May 2024 10:00:00 +0000\n'
	printf 'From: a@example.net\nTo: b@example.org\nSubject: big\nMessage-ID: <big@example.net>\n\n'
	awk -v mb="$BIG_MB" 'BEGIN { l = "spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam"
		for (i = 0; i < mb * 1048576 / 76; i++) print l }'
	printf -- '\n--bb--\n'
} >"$W/big.eml"
BIGSZ=$(stat -c %s "$W/big.eml")
tm "$W/big.tm" "$BIN" parse --json "$W/big.eml" >/dev/null 2>&1
RSS=$(field "$W/big.tm" 4)
LIM=$(( 3 * BIGSZ / 1024 + 16384 ))
row rss.big "peak RSS, parse of one $(calc "$BIGSZ / 1048576") MB ARF (50 MB when full)" \
	"$(calc "$RSS / 1024") MB ($(calc "$RSS * 1024 / $BIGSZ")x the message)" "< $(calc "$LIM / 1024") MB" \
	"$(status "$RSS" '<=' "$LIM")" "/usr/bin/time -v abusedesk parse --json W/big.eml"
head -n "$N_BATCH" "$W/mix.list" >"$W/batch.list"
MAXSZ=$(xargs -r stat -c %s <"$W/batch.list" | sort -n | tail -n 1)
mapfile -t _files <"$W/batch.list"
tm "$W/batch.tm" "$BIN" parse --json "${_files[@]}" >/dev/null 2>&1
RSS=$(field "$W/batch.tm" 4)
LIM=$(( 3 * MAXSZ / 1024 + 16384 ))
row rss.batch "peak RSS, parse of a $N_BATCH-message batch (largest $MAXSZ bytes)" "$(calc "$RSS / 1024") MB" \
	"< $(calc "$LIM / 1024") MB" "$(status "$RSS" '<=' "$LIM")" \
	"/usr/bin/time -v abusedesk parse --json FILE... ($N_BATCH files)"
