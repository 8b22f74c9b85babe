#!/bin/sh
# tests/lib/deps.sh MODE  -- install missing Debian packages for abusedesk.
#   MODE=build : compiler + libraries needed to build abusedesk
#   MODE=test  : build + servers/tools used by the unit and e2e tests
#   MODE=deb   : build + what `make deb` and `make check-deb` use (debhelper,
#                dpkg-dev, lintian, debootstrap and the archive keyring)
# Installs only what is missing (dpkg-query), non-interactively, via apt-get
# when root, `sudo -n` otherwise.  Without either it prints what to install
# and exits 1.  Verbose apt output goes to $DEPS_LOG (default /tmp/abusedesk-deps.log).
# After installing postfix, a system postfix the package may have started is
# stopped (tests run private instances on loopback, see tests/lib/postfix.sh).
set -u

MODE=${1:-}
BUILD_PKGS="build-essential pkg-config libgmime-3.0-dev libpcre2-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libcmocka-dev libjson-glib-dev libyaml-dev libxml2-dev libmicrohttpd-dev libcrypt-dev libpq-dev"
TEST_PKGS="python3 python3-aiosmtpd swaks m4 iproute2 procmail libxml2-utils postfix clang libclang-rt-14-dev valgrind jq openssl tinyproxy strace bc dovecot-core dovecot-imapd spamassassin libsisimai-perl chromium chromium-driver python3-selenium postgresql"
DEB_PKGS="debhelper dpkg-dev lintian debootstrap debian-archive-keyring"
LOG=${DEPS_LOG:-/tmp/abusedesk-deps.log}

case "$MODE" in
    build) PKGS=$BUILD_PKGS ;;
    test)  PKGS="$BUILD_PKGS $TEST_PKGS" ;;
    deb)   PKGS="$BUILD_PKGS $DEB_PKGS" ;;
    *) echo "usage: $0 build|test|deb" >&2; exit 64 ;;
esac

say() { printf 'deps: %s\n' "$*"; }

missing=
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *" installed") ;;
        *) missing="$missing $p" ;;
    esac
done
missing=${missing# }

if [ -z "$missing" ]; then
    say "all $MODE dependencies present"
    exit 0
fi
say "missing: $missing"

if [ "$(id -u)" -eq 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    SUDO="sudo -n"
else
    echo "deps: cannot install packages (not root, no passwordless sudo)." >&2
    echo "deps: please run as root:  apt-get install -y $missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
: >>"$LOG" 2>/dev/null || LOG=/dev/null

case " $missing " in
    *" postfix "*)
        say "preseeding postfix (No configuration)"
        printf '%s\n' \
            "postfix postfix/main_mailer_type select No configuration" \
            "postfix postfix/mailname string localhost" |
            $SUDO env DEBIAN_FRONTEND=noninteractive debconf-set-selections >>"$LOG" 2>&1 ||
            say "warning: debconf-set-selections failed (see $LOG)"
        ;;
esac

apt_install() {
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        --no-install-recommends $missing </dev/null >>"$LOG" 2>&1
}

apt_update() {
    say "apt-get update"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >>"$LOG" 2>&1 ||
        say "warning: apt-get update failed (see $LOG)"
}

# Update first only when there are no package lists at all; otherwise try the
# install and, if it fails (stale lists), update once and retry once.
updated=no
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    apt_update; updated=yes
fi
say "installing: $missing"
if ! apt_install; then
    if [ "$updated" = no ]; then
        say "install failed, retrying once after apt-get update"
        apt_update
        apt_install || {
            echo "deps: apt-get install failed; see $LOG" >&2
            echo "deps: packages needed: $missing" >&2
            exit 1
        }
    else
        echo "deps: apt-get install failed; see $LOG" >&2
        echo "deps: packages needed: $missing" >&2
        exit 1
    fi
fi

case " $missing " in
    *" postfix "*)
        # The package may have started the system instance on port 25: stop it.
        if $SUDO postfix status >/dev/null 2>&1; then
            say "stopping system postfix started by the package"
            if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
                $SUDO systemctl stop postfix >>"$LOG" 2>&1 || true
                $SUDO systemctl disable postfix >>"$LOG" 2>&1 || true
            fi
            $SUDO postfix stop >>"$LOG" 2>&1 || true
        fi
        ;;
esac

still=
for p in $missing; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *" installed") ;; *) still="$still $p" ;; esac
done
if [ -n "$still" ]; then
    echo "deps: still missing after install:$still (see $LOG)" >&2
    exit 1
fi
say "installed: $missing"
