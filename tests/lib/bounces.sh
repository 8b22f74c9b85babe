# tests/lib/bounces.sh -- bounces real MTAs wrote, read by abusedesk and by
# Sisimai (Debian's libsisimai-perl). Source it from bash after tap.sh.
#
#   sisimai_read OUT FILE...        Sisimai->make over each FILE (delivered
#                                   reports too): a JSON line a recipient
#                                   {file, rcpt, status, reason, action} in OUT;
#                                   returns 1 when Sisimai is not installed
#   bounce_check NAME TRUTH SENT BIN FILE...
#                                   `BIN parse --json` and Sisimai over the
#                                   FILEs, against SENT (lines "rcpt<TAB>status":
#                                   what the failure was, TRUTH says where that
#                                   comes from); prints the FIGURE lines and
#                                   checks that abusedesk reads each as a DSN
#                                   with that recipient and status, and that
#                                   Sisimai agrees. Sets BOUNCE_TOTAL (the
#                                   recipients of SENT). Work files in $T.

sisimai_read() {
	local out="$1"; shift
	perl -MSisimai -e1 2>/dev/null || return 1
	perl -MSisimai -MJSON::PP -e '
		my $j = JSON::PP->new->canonical;
		for my $f (@ARGV) {
			my $v = Sisimai->make($f, delivered => 1) || [];
			for my $d (@$v) {
				print $j->encode({file => $f, rcpt => $d->recipient->address,
					status => $d->deliverystatus, reason => $d->reason,
					action => $d->action}), "\n";
			}
		}' "$@" >"$out" 2>/dev/null
	return 0
}

bounce_check() {
	local name="$1" truth="$2" sent="$3" bin="$4" have_peer=0 right total agree
	shift 4
	"$bin" parse --json "$@" >"$T/ours.jsonl" 2>"$T/ours.err"
	is "$?" 0 "abusedesk parse reads them" || diag "$(head -3 "$T/ours.err")"
	sisimai_read "$T/peer.jsonl" "$@" && have_peer=1
	python3 - "$sent" "$T/ours.jsonl" "$T/peer.jsonl" "$have_peer" "$name" "$truth" <<'PY' >"$T/cmp.out"
import json, sys
sent = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if "\t" in l)
ours = {}
for l in open(sys.argv[2]):
    d = json.loads(l)
    for r in d.get("recipients") or []:
        ours[r["address"].lower()] = (d["format"], r.get("status"))
peer = {}
if sys.argv[4] == "1":
    for l in open(sys.argv[3]):
        d = json.loads(l)
        peer[d["rcpt"].lower()] = (d["status"], d["reason"])
name, truth = sys.argv[5], sys.argv[6]
right = agree = 0
for rcpt, status in sorted(sent.items()):
    o = ours.get(rcpt.lower())
    p = peer.get(rcpt.lower())
    if o and o[0] == "dsn" and o[1] == status:
        right += 1
    else:
        print("WRONG ours %s: want dsn %s, got %s" % (rcpt, status, o))
    if p is not None:
        if o and p[0] == o[1]:
            agree += 1
        else:
            print("DIFFER %s: abusedesk %s, Sisimai %s (%s)" % (rcpt, o and o[1], p[0], p[1]))
    elif sys.argv[4] == "1":
        print("DIFFER %s: Sisimai did not read it" % rcpt)
print("FIGURE %s bounces: %d/%d read as bounces with the recipient and the status %s"
      % (name, right, len(sent), truth))
if sys.argv[4] == "1":
    print("FIGURE %s bounces vs Sisimai: %d/%d agree on recipient and status (Sisimai read %d)"
          % (name, agree, len(sent), len(peer)))
print("RIGHT %d %d AGREE %d" % (right, len(sent), agree))
PY
	grep '^FIGURE' "$T/cmp.out"
	read -r _ right total _ agree < <(grep '^RIGHT' "$T/cmp.out")
	BOUNCE_TOTAL=${total:-0}
	is "$right" "$total" "every bounce: a DSN with the recipient and the status $truth" ||
		diag "$(grep WRONG "$T/cmp.out" | head -6)"
	if [ "$have_peer" = 1 ]; then
		is "$agree" "$total" "Sisimai reads the same recipients and statuses" ||
			diag "$(grep DIFFER "$T/cmp.out" | head -6)"
	else
		skip "Sisimai (libsisimai-perl) is not installed"
	fi
}
