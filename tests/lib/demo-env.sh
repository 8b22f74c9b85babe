# demo-env.sh - the demo's configuration and inventory, shared by
# tests/lib/demo.sh (`make demo`) and tests/golden/trace.sh (which traces
# every sample against this inventory too). Source it; it defines:
#
#   demo_conf DIR RUN_USER  write DIR/abusedesk.conf (database and spool in DIR)
#   demo_load BIN CONF      init the database, import samples/inventory,
#                           samples/maillog/*.log and samples/natlog/*.csv
#
# The documentation networks play "our" network; the hosts are those of
# tests/golden/inventory.csv, so a sample traces to its declared truth
# (X-Sample "truth:") with either inventory. Run from the project root.

demo_conf() {
	cat > "$1/abusedesk.conf" <<CONF
# demo configuration: the documentation networks play "our" network
database = $1/db/abusedesk.db
spool_dir = $1/spool
run_user = $2
syslog = no
# 127.0.0.0/28: where tools/capture-postfix-samples.sh captured real Postfix headers
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8:25::/48, 2001:db8:10::/48, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/28
our_domains = example.net
team_address = abuse-team@example.net
from_address = abusedesk@example.net
organization = Example Network
CONF
}

demo_load() {
	"$1" -c "$2" init || return 1
	for k in owners networks hosts; do
		"$1" -c "$2" inventory import "$k" "samples/inventory/$k.csv" || return 1
	done
	for f in samples/maillog/*.log; do
		[ -f "$f" ] && { "$1" -c "$2" maillog import "$f" || return 1; }
	done
	for f in samples/natlog/*.csv; do
		[ -f "$f" ] && { "$1" -c "$2" natlog import "$f" || return 1; }
	done
	return 0
}
