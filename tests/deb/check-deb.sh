#!/bin/bash
# check-deb.sh - `make check-deb`: the package installed the way a Debian
# postmaster installs it. Builds the .deb (`make deb`, lintian included),
# unpacks a fresh Debian 12 root (debootstrap --variant=minbase, cached as a
# tarball), and inside it, entered with chroot: installs Postfix (local only,
# no listening socket), `apt-get install ./abusedesk_*.deb`, adds the alias
# line README.Debian gives, delivers samples/arf-abuse.eml with sendmail
# through Postfix's local(8) and the abusedesk user's .forward pipe, sees the
# incident with `abusedesk incidents`; then `apt-get remove` keeps the data
# and `apt-get purge` leaves nothing but the system user and group.
#
# Runs as root in a private mount and PID namespace (unshare), so every mount
# and every process it starts (Postfix inside the root) goes away with it; the
# EXIT trap stops Postfix, unmounts and deletes the root first. The host's
# services are never touched; nothing listens on the network.
#
# Environment:
#   DEB=FILE            use this .deb instead of building one
#   DEB_CACHE=DIR       where the root tarball is kept (/var/cache/abusedesk-test)
#   DEB_MIRROR=URL      Debian mirror for debootstrap and apt (http://deb.debian.org/debian)
#   KEEP=1              keep the root (its path is printed) for a look afterwards
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (chroot, mounts)"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
# into a private mount and PID namespace, with a /proc of its own
if [ -z "${CHECK_DEB_NS:-}" ]; then
	CHECK_DEB_NS=1 exec unshare --mount --propagation private --pid --fork --mount-proc \
		bash "$0" "$@"
fi

CACHE=${DEB_CACHE:-/var/cache/abusedesk-test}
TARBALL=$CACHE/bookworm-minbase.tar.gz
MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}
START=$SECONDS
if ! W=$(mktemp -d /var/tmp/abusedesk-deb.XXXXXX) || [ ! -d "$W" ]; then echo "Bail out! mktemp"; exit 1; fi
R=$W/root
MASTER_PID=

# C CMD... - run CMD inside the root with a clean environment
C() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
		DEBIAN_FRONTEND=noninteractive chroot "$R" "$@"
}
# mounts under the root, deepest first
mounts_under() { awk -v r="$R" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

cleanup() {
	if [ -n "$MASTER_PID" ] && proc_alive "$MASTER_PID"; then
		C postfix stop >/dev/null 2>&1
		for _ in $(seq 1 50); do proc_alive "$MASTER_PID" || break; sleep 0.1; done
		proc_alive "$MASTER_PID" && kill -KILL "$MASTER_PID" 2>/dev/null
	fi
	for m in $(mounts_under); do umount "$m" 2>/dev/null || umount -l "$m"; done
	if [ -n "$(mounts_under)" ]; then
		echo "# check-deb: mounts left under $R, not deleting it" >&2
	elif [ -n "${KEEP:-}" ]; then
		echo "# check-deb: root kept in $R" >&2
	else
		rm -rf --one-file-system "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bail() { echo "Bail out! $*"; exit 1; }

# ---- tools on the host -----------------------------------------------------
sh "$ROOT/tests/lib/deps.sh" deb </dev/null >/dev/null || bail "deps (tests/lib/deps.sh deb)"

# ---- 1. the package ---------------------------------------------------------
t=$SECONDS
if [ -n "${DEB:-}" ]; then
	[ -f "$DEB" ] || bail "DEB=$DEB: no such file"
	pass "using the package $DEB"
else
	LOG=$W/make-deb.log
	if (cd "$ROOT" && sh tests/lib/deb-build.sh) >"$LOG" 2>&1; then
		pass "make deb builds the package"
	else
		fail "make deb builds the package"; tail -n 20 "$LOG" | sed 's/^/#   /' >&2
	fi
	like "$(cat "$LOG")" "deb: lintian clean" "lintian finds no error or warning"
	DEB=$(ls "$ROOT"/build/deb/abusedesk_*_*.deb 2>/dev/null | head -1)
	[ -n "$DEB" ] || bail "no build/deb/abusedesk_*.deb"
fi
echo "FIGURE check-deb: package in $((SECONDS - t)) s"

# ---- 2. a fresh Debian 12 root ----------------------------------------------
t=$SECONDS
mkdir -p "$R"
if [ ! -s "$TARBALL" ]; then
	mkdir -p "$CACHE" "$W/boot"
	debootstrap --variant=minbase bookworm "$W/boot" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$W/debootstrap.log" | sed 's/^/#   /' >&2; bail "debootstrap"; }
	rm -f "$W/boot"/var/cache/apt/archives/*.deb   # apt-get clean: the tarball keeps the root only
	if ! tar -C "$W/boot" -czf "$TARBALL.tmp.$$" . || ! mv "$TARBALL.tmp.$$" "$TARBALL"; then
		rm -f "$TARBALL.tmp.$$"; bail "writing $TARBALL"
	fi
	rm -rf --one-file-system "${W:?}/boot"
fi
tar -C "$R" -xzf "$TARBALL" || bail "unpacking $TARBALL"
is "$(cat "$R/etc/debian_version" 2>/dev/null | cut -d. -f1)" 12 "a fresh Debian 12 root from $(basename "$TARBALL")"
echo "FIGURE check-deb: root in $((SECONDS - t)) s"

# /proc of this PID namespace, a minimal /dev of our own (no host /dev bound)
mount -t proc proc "$R/proc" || bail "mount proc"
mount -t tmpfs -o mode=0755,nosuid,size=64k tmpfs "$R/dev" || bail "mount /dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r n ma mi <<<"$d"
	mknod -m 0666 "$R/dev/$n" c "$ma" "$mi"
done
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
mkdir "$R/dev/pts" "$R/dev/shm"

# apt from the same mirror as the host; no service starts inside the root
cp /etc/resolv.conf "$R/etc/resolv.conf"
rm -f "$R/etc/apt/sources.list"
cat >"$R/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"; chmod 0755 "$R/usr/sbin/policy-rc.d"
echo deb-test.example.net >"$R/etc/mailname"

# ---- 3. Postfix, local only ---------------------------------------------------
t=$SECONDS
ok "C apt-get update -q" "apt-get update inside the root"
printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
	"postfix postfix/mailname string deb-test.example.net" | C debconf-set-selections
ok "C apt-get install -y -q --no-install-recommends postfix" "Postfix installs (Local only)"
echo "FIGURE check-deb: apt-get update and Postfix in $((SECONDS - t)) s"
# no smtpd at all: the root shares the host's network; sendmail uses postdrop
C postconf -e myhostname=deb-test.example.net 'mydestination=$myhostname, localhost' \
	inet_interfaces=loopback-only inet_protocols=ipv4 maillog_file=/var/log/postfix.log
C postconf -M# smtp/inet
ok "C postfix check" "postfix check: the configuration is sound"
is "$(C postconf -h inet_interfaces)" loopback-only "inet_interfaces = loopback-only"

# what the root holds before abusedesk: compared with what purge leaves
files() { find "$R" -xdev | sed "s|^$R||" | sort; }
pkgs() { C dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }
files >"$W/before"
pkgs >"$W/before.pkgs"

# ---- 4. apt-get install ./abusedesk_*.deb ---------------------------------
t=$SECONDS
cp "$DEB" "$R/tmp/"; chmod 0644 "$R/tmp/$(basename "$DEB")"
ok "C sh -c 'cd /tmp && apt-get install -y -q ./$(basename "$DEB")'" "apt-get install ./$(basename "$DEB")"
rm -f "$R/tmp/$(basename "$DEB")"
echo "FIGURE check-deb: install in $((SECONDS - t)) s"
is "$(C dpkg-query -W -f='${db:Status-Abbrev}' abusedesk)" "ii " "dpkg: abusedesk installed"
is "$(C sh -c 'ldd /usr/bin/abusedesk | grep -c "not found"')" 0 "every library the binary links is there"
like "$(C abusedesk --version 2>&1)" "abusedesk 0\\." "abusedesk --version runs"
IFS=: read -r _ _ uid gid _ home shell <<<"$(C getent passwd abusedesk)"
ok "[ -n '$uid' ] && [ '$uid' -lt 1000 ]" "system user abusedesk (uid $uid)"
is "$home:$shell" "/var/lib/abusedesk:/usr/sbin/nologin" "its home and no login shell"
is "$(C getent group abusedesk | cut -d: -f3)" "$gid" "group abusedesk is its primary group"
is "$(C stat -c '%U:%G %a' /var/lib/abusedesk)" "abusedesk:abusedesk 750" "/var/lib/abusedesk abusedesk:abusedesk 0750"
is "$(C stat -c '%U:%G %a' /var/spool/abusedesk)" "abusedesk:abusedesk 750" "/var/spool/abusedesk abusedesk:abusedesk 0750"
is "$(C stat -c '%U:%G %a' /etc/abusedesk/abusedesk.conf)" "root:abusedesk 640" "abusedesk.conf root:abusedesk 0640"
ok "grep -qx /etc/abusedesk/abusedesk.conf '$R/var/lib/dpkg/info/abusedesk.conffiles'" "abusedesk.conf is a conffile"
is "$(C stat -c '%U:%G' /var/lib/abusedesk/abusedesk.db 2>&1)" "abusedesk:abusedesk" "postinst created the database, owned by abusedesk"
is "$(cat "$R/var/lib/abusedesk/.forward" 2>&1)" '"|/usr/bin/abusedesk ingest"' ".forward pipes into abusedesk ingest"
is "$(C stat -c '%U %a' /var/lib/abusedesk/.forward)" "abusedesk 644" ".forward belongs to abusedesk, not writable by others"
units=$(ls "$ROOT"/contrib/*.service "$ROOT"/contrib/*.timer | wc -l)
is "$(ls "$R"/lib/systemd/system/abusedesk-* 2>/dev/null | wc -l)" "$units" "every unit of contrib/ installed ($units services and timers)"
is "$(find "$R/etc/systemd" -name 'abusedesk*' 2>/dev/null | wc -l)" 0 "no timer enabled"
ok "[ -f '$R/usr/share/man/man1/abusedesk.1.gz' ] && [ -f '$R/usr/share/man/man5/abusedesk.conf.5.gz' ]" "man pages installed"
ok "[ -f '$R/usr/share/doc/abusedesk/README.Debian' ] || [ -f '$R/usr/share/doc/abusedesk/README.Debian.gz' ]" "README.Debian installed"
# this PID namespace's /proc: what runs inside the root
comms() { cat /proc/[0-9]*/comm 2>/dev/null; }
is "$(comms | grep -c abusedesk)" 0 "nothing of abusedesk runs after the install"

# ---- 5. the alias line and a complaint through Postfix ------------------------
# the line README.Debian documents, and our networks and domains
alias=$(zcat -f "$R"/usr/share/doc/abusedesk/README.Debian* | sed -n 's/^ *\(abuse: abusedesk\)$/\1/p' | head -1)
is "$alias" "abuse: abusedesk" "README.Debian gives the alias line"
echo "${alias:-abuse: abusedesk}" >>"$R/etc/aliases"
ok "C newaliases" "newaliases"
printf 'our_networks = 192.0.2.0/24\nour_domains = example.com\n' >>"$R/etc/abusedesk/abusedesk.conf"

ok "C postfix start" "postfix start inside the root"
MASTER_PID=$(tr -dc 0-9 <"$R/var/spool/postfix/pid/master.pid" 2>/dev/null)
ok "[ -n '$MASTER_PID' ] && proc_alive '$MASTER_PID'" "Postfix master runs (pid $MASTER_PID)"
is "$(ss -Hltnp 2>/dev/null | grep -c "pid=$MASTER_PID,")" 0 "Postfix listens on no TCP port"

cp "$ROOT/samples/arf-abuse.eml" "$R/tmp/complaint.eml"
ok "C sh -c '/usr/sbin/sendmail -i -f fbl@fbl.example.net abuse@deb-test.example.net </tmp/complaint.eml'" \
	"sendmail takes samples/arf-abuse.eml for abuse@"
rm -f "$R/tmp/complaint.eml"
delivered() { grep -q 'to=<abusedesk@deb-test.example.net>, orig_to=<abuse@deb-test.example.net>.*relay=local.*status=sent' "$R/var/log/postfix.log" 2>/dev/null; }
for _ in $(seq 1 300); do delivered && break; sleep 0.1; done
ok delivered "Postfix delivers it through the alias to abusedesk's .forward pipe (local(8), status=sent)"
is "$(C postqueue -p 2>&1 | tail -1)" "Mail queue is empty" "Postfix's queue is empty"
is "$(C find /var/spool/abusedesk -type f -uid "$uid" | wc -l)" 1 "the raw message is in the spool, written as abusedesk"
ok "[ ! -e '$R/var/mail/abusedesk' ]" "no mailbox: the pipe took the message"
INC=$(C abusedesk incidents 2>&1)
like "$INC" $'\n1 +open +[a-z]+ +webhost7\\.example\\.com +192\\.0\\.2\\.80 ' "abusedesk incidents shows the incident for 192.0.2.80"
[ "$TAP_FAIL" -eq 0 ] || { diag "maillog:"; sed 's/^/#   /' "$R/var/log/postfix.log" >&2; diag "incidents:"; printf '%s\n' "$INC" | sed 's/^/#   /' >&2; }

C postfix stop >/dev/null 2>&1
for _ in $(seq 1 50); do proc_alive "$MASTER_PID" || break; sleep 0.1; done
ok "! proc_alive '$MASTER_PID'" "postfix stop: the master has gone"
MASTER_PID=

# ---- 6. remove keeps the data, purge leaves nothing behind ---------------
t=$SECONDS
ok "C apt-get remove -y -q abusedesk" "apt-get remove abusedesk"
is "$(C dpkg-query -W -f='${db:Status-Abbrev}' abusedesk)" "rc " "dpkg: removed, configuration kept"
ok "[ -f '$R/etc/abusedesk/abusedesk.conf' ] && [ -f '$R/var/lib/abusedesk/abusedesk.db' ] && [ -d '$R/var/spool/abusedesk/new' ]" \
	"remove keeps the configuration, the database and the spool"
ok "[ ! -e '$R/usr/bin/abusedesk' ]" "remove takes the binary"
ok "C apt-get purge -y -q abusedesk" "apt-get purge abusedesk"
# the libraries apt pulled in for it go with autoremove, as for any package
ok "C apt-get autoremove --purge -y -q" "apt-get autoremove --purge"
# apt keeps what a base package recommends or suggests (apt itself: gnupg,
# ca-certificates); purge what came with abusedesk's install all the same,
# so what is left below is abusedesk's alone
pkgs >"$W/after.pkgs"
extra=$(comm -13 "$W/before.pkgs" "$W/after.pkgs" | tr '\n' ' ')
[ -z "$extra" ] || { diag "kept by apt's autoremove, purged here: $extra"; C apt-get purge -y -q $extra >/dev/null 2>&1; }
pkgs >"$W/after.pkgs"
is "$(comm -3 "$W/before.pkgs" "$W/after.pkgs" | tr -d '\t' | tr '\n' ' ')" "" "the installed packages are those from before abusedesk"
echo "FIGURE check-deb: remove and purge in $((SECONDS - t)) s"
is "$(C dpkg-query -W -f='${db:Status-Abbrev}' abusedesk 2>/dev/null)" "" "dpkg: no trace of the package"
for d in /etc/abusedesk /var/lib/abusedesk /var/spool/abusedesk; do
	ok "[ ! -e '$R$d' ]" "purge removes $d"
done
# the system user stays (README.Debian): a reused uid would inherit its files
ok "C getent passwd abusedesk" "the system user abusedesk stays, as README.Debian says"
is "$(find "$R" -xdev \( -uid "$uid" -o -gid "$gid" \) | sed "s|^$R||")" "" "no file belongs to abusedesk's uid or gid any more"
# every path that came with abusedesk (and its dependencies) is gone again;
# what may differ: logs, apt/dpkg/debconf state and caches, Postfix's queue,
# lock and aliases.db, the user database's backups (passwd-, group-, ...)
files >"$W/after"
left=$(comm -13 "$W/before" "$W/after" | grep -vE '^/(var/log|var/cache|var/lib/apt|var/lib/dpkg|var/spool/postfix|var/lib/postfix|tmp)(/|$)' |
	grep -vxE '/etc/(passwd|group|shadow|gshadow|subuid|subgid)-|/etc/aliases\.db')
is "$left" "" "purge leaves no new file or directory behind"
[ -z "$left" ] || printf '%s\n' "$left" | sed 's/^/#   left: /' >&2
is "$(comm -13 "$W/before" "$W/after" | grep -i abusedesk)" "" "no path with abusedesk in its name is left"

echo "FIGURE check-deb: total $((SECONDS - START)) s"
done_testing
