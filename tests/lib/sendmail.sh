# tests/lib/sendmail.sh - a private Sendmail for tests, sourced by bash scripts.
#
# Debian's MTAs conflict through mail-transport-agent (Postfix is installed
# for the other tests), so Sendmail is not installed: `apt-get download`
# fetches sendmail-bin, sendmail-base and sendmail-cf (and liblockfile1, which
# Postfix does not pull in, and sasl2-bin for saslpasswd2), `dpkg-deb -x`
# unpacks them into a cache directory. The sendmail.cf of each instance is
# generated from a .mc with m4 and the extracted cf/ files. Sendmail wants
# root to start its daemon; it runs inside a private mount and network
# namespace (unshare: loopback only, its own /etc/hosts and nsswitch.conf, so
# the rDNS of each client address is what the test wrote) and switches to
# nobody (RunAsUser) once it listens.
#
#   sendmail_lab_root         -> sets SM_ROOT, SM_BIN, SM_LIBS, SM_CF; 1 when unavailable
#   sendmail_lab_conf DIR HOST PORT [M4 LINES]  -> DIR/sendmail.cf for $j = HOST,
#                             its queue, pid and alias files under DIR; every SMTP
#                             mailer connects to PORT; M4 LINES go before the mailers
#   sendmail_lab_msp DIR HOST MTA-ADDR PORT -> DIR/submit.cf, the submission
#                             program of HOST, handing mail to the MTA at MTA-ADDR
#   sendmail_lab_start DIR    -> builds the alias database of DIR and starts its daemon
#                             (inside the namespace); its pid in DIR/sendmail.pid once
#                             it listens
#   sendmail_lab_stop DIR     -> stops that daemon by its pid
#   sendmail_lab_alive DIR    -> 0 while it still runs (pids are the namespace's)
#   sendmail_lab_run DIR ARGS -> runs that Sendmail with ARGS (a queue run: -q)

SM_CACHE=${SENDMAIL_CACHE:-/var/cache/abusedesk-test/sendmail}
SM_RUN_USER=nobody
SM_PACKAGES="sendmail-bin sendmail-base sendmail-cf liblockfile1 sasl2-bin"

sendmail_lab_root() {
	local d=$SM_CACHE f
	SM_ROOT=$d/root
	SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
	SM_LIBS=$SM_ROOT/usr/lib/x86_64-linux-gnu
	SM_CF=$SM_ROOT/usr/share/sendmail/cf
	if [ ! -x "$SM_BIN" ] || [ ! -x "$SM_ROOT/usr/sbin/saslpasswd2" ]; then
		mkdir -p "$d/debs" || return 1
		chmod 755 "$d" "$d/debs"
		# shellcheck disable=SC2086
		(cd "$d/debs" && apt-get download $SM_PACKAGES >"$d/download.log" 2>&1) || {
			apt-get update -q >>"$d/download.log" 2>&1   # stale package lists: update once
			(cd "$d/debs" && apt-get download $SM_PACKAGES >>"$d/download.log" 2>&1)
		} || return 1
		for f in "$d"/debs/*.deb; do dpkg-deb -x "$f" "$SM_ROOT" || return 1; done
	fi
	# (not "sendmail -d0.1": outside the lab it would wait for DNS to name this host)
	[ -x "$SM_BIN" ] && [ -f "$SM_CF/m4/cf.m4" ] && command -v m4 >/dev/null &&
		! env LD_LIBRARY_PATH="$SM_LIBS" ldd "$SM_BIN" 2>&1 | grep -q 'not found'
}

sendmail_lab_conf() { # DIR HOST PORT [M4 LINES]
	local dir=$1 host=$2 port=$3
	mkdir -p "$dir/mqueue"
	: >"$dir/aliases"
	# names and addresses from the (private) hosts file only: no DNS
	printf 'hosts\tfiles\naliases\tfiles\n' >"$dir/service.switch"
	cat >"$dir/sendmail.mc" <<MC
divert(-1)
divert(0)dnl
VERSIONID(\`abusedesk test lab')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$host')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`ALIAS_FILE', \`$dir/aliases')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confRUN_AS_USER', \`$SM_RUN_USER')dnl
define(\`confDEF_USER_ID', \`$SM_RUN_USER')dnl
define(\`confTRUSTED_USER', \`$SM_RUN_USER')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confTO_IDENT', \`2s')dnl
define(\`confDONT_BLAME_SENDMAIL', \`GroupWritableDirPathSafe,MapInUnsafeDirPath')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $port')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $port')dnl
define(\`SMTP8_MAILER_ARGS', \`TCP \$h $port')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $port')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
${4:-}
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
	m4 -D_CF_DIR_="$SM_CF/" "$SM_CF/m4/cf.m4" "$dir/sendmail.mc" >"$dir/sendmail.cf" 2>"$dir/m4.err" || return 1
	chown -R "$SM_RUN_USER" "$dir"
	chmod 700 "$dir/mqueue"
}

sendmail_lab_msp() { # DIR HOST MTA-ADDR PORT - DIR/submit.cf: the mail submission
	# program a local user's `sendmail` runs (Debian's default path), which
	# hands each message to the MTA at MTA-ADDR:PORT
	local dir=$1 host=$2 mta=$3 port=$4
	mkdir -p "$dir/clientmqueue"
	cat >"$dir/submit.mc" <<MC
divert(-1)
divert(0)dnl
VERSIONID(\`abusedesk test lab submission')dnl
define(\`confCF_VERSION', \`Submit')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$host')dnl
define(\`MSP_QUEUE_DIR', \`$dir/clientmqueue')dnl
define(\`confRUN_AS_USER', \`$SM_RUN_USER')dnl
define(\`confTRUSTED_USER', \`$SM_RUN_USER')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`confDONT_BLAME_SENDMAIL', \`GroupWritableDirPathSafe')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $port')dnl
FEATURE(\`msp', \`[$mta]')dnl
MC
	m4 -D_CF_DIR_="$SM_CF/" "$SM_CF/m4/cf.m4" "$dir/submit.mc" >"$dir/submit.cf" 2>>"$dir/m4.err" || return 1
	chown -R "$SM_RUN_USER" "$dir/clientmqueue"
	chmod 700 "$dir/clientmqueue"
}

sendmail_lab_start() { # DIR - the daemon of DIR; waits until it wrote its pid
	local dir=$1
	rm -f "$dir/sendmail.pid"
	sendmail_lab_run "$dir" -bi >"$dir/newaliases.log" 2>&1   # the (empty) alias database
	env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$SM_LIBS" "$SM_BIN" -C "$dir/sendmail.cf" -bd \
		>"$dir/daemon.log" 2>&1
	for _ in $(seq 100); do
		[ -s "$dir/sendmail.pid" ] && return 0
		sleep 0.05
	done
	return 1
}

sendmail_lab_run() { # DIR ARGS...
	local dir=$1
	shift
	env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$SM_LIBS" "$SM_BIN" -C "$dir/sendmail.cf" "$@"
}

sendmail_lab_alive() { # DIR - 0 when the daemon of DIR still runs
	local pid
	pid=$(head -1 "$1/sendmail.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

sendmail_lab_stop() { # DIR - stops the daemon of DIR by the pid it wrote
	local dir=$1 pid
	pid=$(head -1 "$dir/sendmail.pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
}
