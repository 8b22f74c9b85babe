# tests/lib/exim.sh - a private Exim for tests, sourced by bash scripts.
#
# Debian's MTAs conflict through mail-transport-agent (Postfix is installed
# for the other tests), so Exim is not installed: `apt-get download` fetches
# exim4-daemon-light and exim4-base (and libidn12, which Postfix does not
# pull in), `dpkg-deb -x` unpacks them into a cache directory, and the binary
# runs from there as an unprivileged user with its own configuration (-C).
# Exim then writes its Received header exactly as for a network client:
# -bs speaks SMTP on stdin, -oMa ADDR.PORT / -oMs NAME / -oMt IDENT / -oMr
# PROTO set what a connection would have set (allowed to a trusted user).
#
#   exim_lab_root           -> sets EXIM_ROOT, EXIM_BIN, EXIM_LIBS; 1 when unavailable
#   exim_lab_conf DIR HOST [EXTRA [ROUTERS [TRANSPORTS]]]  -> writes DIR/exim.conf for
#                           primary_hostname HOST; ROUTERS go before the catch-all
#                           router that appends everything to DIR/out/mbox
#   exim_lab_smtp DIR [exim options] < SMTP dialogue  -> delivers into DIR/out/mbox

EXIM_CACHE=${EXIM_CACHE:-/var/cache/abusedesk-test/exim}
EXIM_RUN_USER=nobody
EXIM_RUN_GROUP=$(id -gn nobody 2>/dev/null || echo nogroup)

exim_lab_root() {
	local d=$EXIM_CACHE f
	EXIM_ROOT=$d/root
	EXIM_BIN=$EXIM_ROOT/usr/sbin/exim4
	EXIM_LIBS=$EXIM_ROOT/usr/lib/x86_64-linux-gnu:$EXIM_ROOT/lib/x86_64-linux-gnu
	if [ ! -x "$EXIM_BIN" ]; then
		mkdir -p "$d/debs" || return 1
		chmod 755 "$d" "$d/debs"
		(cd "$d/debs" && apt-get download exim4-daemon-light exim4-base libidn12 >"$d/download.log" 2>&1) || {
			# stale package lists: update once
			apt-get update -q >>"$d/download.log" 2>&1
			(cd "$d/debs" && apt-get download exim4-daemon-light exim4-base libidn12 >>"$d/download.log" 2>&1)
		} || return 1
		for f in "$d"/debs/*.deb; do dpkg-deb -x "$f" "$EXIM_ROOT" || return 1; done
		chmod u-s "$EXIM_BIN"   # not setuid: it runs as the lab user, with LD_LIBRARY_PATH
	fi
	# Exim looks its compiled-in user up before it reads the configuration
	id Debian-exim >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin Debian-exim 2>/dev/null
	[ -x "$EXIM_BIN" ] && env LD_LIBRARY_PATH="$EXIM_LIBS" "$EXIM_BIN" -C /dev/null -bV >/dev/null 2>&1
}

exim_lab_conf() { # DIR HOST [EXTRA MAIN-SECTION LINES [ROUTERS [TRANSPORTS]]]
	local dir=$1 host=$2
	mkdir -p "$dir/spool" "$dir/out"
	cat >"$dir/exim.conf" <<CONF
primary_hostname = $host
exim_user = $EXIM_RUN_USER
exim_group = $EXIM_RUN_GROUP
trusted_users = $EXIM_RUN_USER
spool_directory = $dir/spool
log_file_path = $dir/%slog
# bounces: Exim runs itself again (-t) from here, with its libraries
exim_path = $EXIM_BIN
keep_environment = LD_LIBRARY_PATH
domainlist local_domains = *
acl_smtp_rcpt = accept
acl_smtp_data = accept
host_lookup =
rfc1413_hosts =
${3:-}
begin routers
${4:-}
all:
  driver = accept
  transport = tofile
begin transports
tofile:
  driver = appendfile
  file = $dir/out/mbox
  user = $EXIM_RUN_USER
  group = $EXIM_RUN_GROUP
  mode = 0600
${5:-}
CONF
	chown -R "$EXIM_RUN_USER:$EXIM_RUN_GROUP" "$dir"
}

exim_lab_smtp() { # DIR [exim options...] < dialogue
	local dir=$1
	shift
	runuser -u "$EXIM_RUN_USER" -- env LD_LIBRARY_PATH="$EXIM_LIBS" \
		"$EXIM_BIN" -C "$dir/exim.conf" -odi -bs "$@"
}
