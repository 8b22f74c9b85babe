# tests/lib/postfix.sh -- private, loopback-only Postfix instances for tests.
# Source it from bash (needs root: Postfix's master must start as root).
#
#   pf_start DIR PORT [main.cf lines...]  create+start an instance under DIR,
#                                         smtpd on $PF_ADDR:PORT (default 127.0.0.1)
#   pf_alias DIR NAME COMMAND             add alias  NAME: "|COMMAND"  (runs postalias)
#   pf_user NAME [HOME]                   create (or re-home) a local user
#   pf_send DIR PORT FROM TO FILE         submit FILE over SMTP with swaks (TO may be a,b)
#   pf_queue_count DIR                    number of messages in the queue (all queues)
#   pf_wait_queue_empty DIR TIMEOUT       wait until the queue is empty (rc 1 on timeout)
#   pf_wait_log DIR REGEX TIMEOUT         wait until DIR/maillog matches REGEX (grep -E)
#   pf_queue DIR                          postqueue -p listing
#   pf_flush DIR                          postqueue -f (retry deferred mail now)
#   pf_stop DIR                           stop; kill the recorded master PID if needed
#
# Layout: DIR/etc (main.cf, master.cf), DIR/queue, DIR/data, DIR/aliases(.db),
# DIR/mail (mail_spool_directory), DIR/maillog (postlogd), DIR/master.pid.
#
# WHO RUNS AN ALIAS PIPE: Postfix local(8) runs a "|command" alias with the
# privileges of the owner of the alias *database* (DIR/aliases.db), or of
# default_privs (nobody) when that file is owned by root.  pf_start/pf_alias
# chown DIR/aliases and DIR/aliases.db to $PF_PIPE_USER (default: abusedesk,
# created as a system user if missing), so alias pipes run as that user
# (HOME=/nonexistent, cwd /).  Set PF_PIPE_USER=root before pf_start to get
# default_privs (nobody) instead.  A .forward pipe runs as the .forward owner.
#
# No mail leaves the box: default_transport and relay_transport are
# error:..., mydestination = example.net localhost (+ myhostname), and
# smtpd listens only on PF_ADDR.  Extra main.cf lines given to pf_start are
# applied with `postconf -e` afterwards, so they override these defaults.
# Requires Postfix >= 3.4 (postlogd) for DIR/maillog.

_PF_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/tap.sh disable=SC1091
declare -F wait_port >/dev/null || . "$_PF_LIBDIR/tap.sh"

: "${PF_ADDR:=127.0.0.1}"
: "${PF_PIPE_USER:=abusedesk}"
: "${PF_DOMAIN:=example.net}"

_pf_err() { printf 'postfix.sh: %s\n' "$*" >&2; }

# pf_user NAME [HOME]: make sure a local user exists (system user, own group).
pf_user() {
    local name="$1" home="${2:-/nonexistent}"
    if ! getent passwd "$name" >/dev/null; then
        useradd --system --user-group --home-dir "$home" --no-create-home \
            --shell /bin/sh "$name" || { _pf_err "useradd $name failed"; return 1; }
    elif [ "$(getent passwd "$name" | cut -d: -f6)" != "$home" ] && [ "$home" != /nonexistent ]; then
        usermod --home "$home" "$name" || return 1
    fi
    if [ "$home" != /nonexistent ]; then
        mkdir -p "$home" && chown "$name:" "$home" && chmod 755 "$home"
    fi
}

_pf_postalias() {
    local dir="$1" user
    user=$(cat "$dir/pipe_user" 2>/dev/null || echo "$PF_PIPE_USER")
    postalias -c "$dir/etc" "hash:$dir/aliases" || { _pf_err "postalias failed"; return 1; }
    if [ "$user" != root ]; then
        chown "$user:" "$dir/aliases" "$dir/aliases.db"
    else
        chown root:root "$dir/aliases" "$dir/aliases.db"
    fi
    chmod 644 "$dir/aliases" "$dir/aliases.db"
}

pf_start() {
    if [ $# -lt 2 ]; then _pf_err "usage: pf_start DIR PORT [main.cf lines...]"; return 64; fi
    local dir="$1" port="$2"; shift 2
    case "$PF_ADDR" in
        127.*|::1) ;;
        *) _pf_err "refusing non-loopback PF_ADDR=$PF_ADDR"; return 64 ;;
    esac
    if [ "$(id -u)" -ne 0 ]; then _pf_err "pf_start needs root"; return 1; fi
    command -v postfix >/dev/null || { _pf_err "postfix not installed (tests/lib/deps.sh test)"; return 1; }
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail" || return 1
    chmod 755 "$dir" "$dir/etc" "$dir/queue"
    chown postfix: "$dir/data"
    chmod 1777 "$dir/mail"
    [ "$PF_PIPE_USER" = root ] || pf_user "$PF_PIPE_USER" || return 1

    # master.cf: Debian's, with chroot off everywhere (private queue dirs have
    # no chroot jail) and the smtp inet service bound to PF_ADDR:PORT.
    local src=/etc/postfix/master.cf listen
    [ -f "$src" ] || src=/usr/share/postfix/master.cf.dist
    case "$PF_ADDR" in *:*) listen="[$PF_ADDR]:$port" ;; *) listen="$PF_ADDR:$port" ;; esac
    awk -v listen="$listen" '
        /^[#[:space:]]/ || NF < 8 { print; next }
        $1 == "smtp" && $2 == "inet" { print listen "  inet  n  -  n  -  -  smtpd"; next }
        $2 == "inet" { $0 = "#" $0; print; next }        # no other listeners
        { $5 = "n"; print }' "$src" >"$dir/etc/master.cf" || return 1

    # inet_interfaces must name a configured interface address (127.0.0.2 is
    # routed to lo but is not one), so it stays loopback-only; the listener
    # itself is the explicit PF_ADDR:PORT in master.cf.
    local protos=ipv4
    case "$PF_ADDR" in *:*) protos=all ;; esac
    cat >"$dir/etc/main.cf" <<CF
# private test instance generated by tests/lib/postfix.sh
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
default_privs = nobody
syslog_name = postfix-test-$port
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
inet_interfaces = loopback-only
inet_protocols = $protos
myhostname = mx.$PF_DOMAIN
mydomain = $PF_DOMAIN
myorigin = $PF_DOMAIN
mydestination = $PF_DOMAIN, localhost, \$myhostname
mynetworks = 127.0.0.0/8 [::1]/128
relayhost =
default_transport = error:outside delivery disabled in tests
relay_transport = error:outside delivery disabled in tests
alias_maps = hash:$dir/aliases
alias_database = hash:$dir/aliases
mail_spool_directory = $dir/mail
biff = no
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP test
in_flow_delay = 0
delay_warning_time = 0
smtp_dns_support_level = disabled
smtpd_tls_security_level = none
smtp_tls_security_level = none
CF
    local line
    for line in "$@"; do
        postconf -c "$dir/etc" -e "$line" || { _pf_err "bad main.cf line: $line"; return 1; }
    done

    if [ ! -f "$dir/aliases" ]; then
        printf 'postmaster: root\nMAILER-DAEMON: root\n' >"$dir/aliases"
    fi
    printf '%s\n' "$PF_PIPE_USER" >"$dir/pipe_user"
    _pf_postalias "$dir" || return 1
    printf '%s\n' "$port" >"$dir/port"
    printf '%s\n' "$PF_ADDR" >"$dir/addr"

    if ! postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1; then
        _pf_err "postfix start failed: $(tail -n 5 "$dir/start.log")"
        return 1
    fi
    local pid
    pid=$(tr -d ' \n' 2>/dev/null <"$dir/queue/pid/master.pid")
    if [ -z "$pid" ]; then _pf_err "no master.pid"; return 1; fi
    printf '%s\n' "$pid" >"$dir/master.pid"
    if ! wait_port "$PF_ADDR" "$port" 15; then
        _pf_err "smtpd did not accept on $listen within 15 s"
        return 1
    fi
}

# pf_alias DIR NAME COMMAND -- NAME: "|COMMAND"; " and \ in COMMAND are escaped.
pf_alias() {
    local dir="$1" name="$2" pipecmd="$3" tmp
    pipecmd=${pipecmd//\\/\\\\}; pipecmd=${pipecmd//\"/\\\"}
    tmp=$(grep -v -i "^$name:" "$dir/aliases" 2>/dev/null)
    { [ -n "$tmp" ] && printf '%s\n' "$tmp"; printf '%s: "|%s"\n' "$name" "$pipecmd"; } >"$dir/aliases.new" &&
        mv "$dir/aliases.new" "$dir/aliases" && _pf_postalias "$dir"
}

# pf_alias_raw DIR "NAME: value" -- append an arbitrary alias line.
pf_alias_raw() {
    printf '%s\n' "$2" >>"$1/aliases" && _pf_postalias "$1"
}

pf_send() {
    local dir="$1" port="$2" from="$3" to="$4" file="$5" addr
    addr=$(cat "$dir/addr" 2>/dev/null || echo "$PF_ADDR")
    swaks --server "$addr" --port "$port" --from "$from" --to "$to" \
        --data "$file" --helo client.test --timeout 30 \
        >>"$dir/swaks.log" 2>&1 </dev/null
}

pf_queue_count() {
    local q
    q=$(postconf -c "$1/etc" -h queue_directory 2>/dev/null) || q="$1/queue"
    find "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" "$q/hold" \
        -type f 2>/dev/null | wc -l | tr -d ' '
}

pf_wait_queue_empty() {
    local dir="$1" timeout="${2:-30}" end
    end=$((SECONDS + timeout))
    while [ "$(pf_queue_count "$dir")" -ne 0 ]; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.2
    done
}

pf_wait_log() {
    local dir="$1" re="$2" timeout="${3:-30}" end
    end=$((SECONDS + timeout))
    until grep -Eq -- "$re" "$dir/maillog" 2>/dev/null; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.2
    done
}

pf_queue() { postqueue -c "$1/etc" -p; }
pf_flush() { postqueue -c "$1/etc" -f; }

pf_stop() {
    local dir="$1" pid=""
    [ -f "$dir/master.pid" ] && pid=$(tr -d ' \n' <"$dir/master.pid")
    [ -n "$pid" ] || pid=$(tr -d ' \n' 2>/dev/null <"$dir/queue/pid/master.pid")
    if [ -f "$dir/etc/main.cf" ]; then
        timeout 15 postfix -c "$dir/etc" stop >>"$dir/start.log" 2>&1 || true
    fi
    if [ -n "$pid" ]; then
        for _ in $(seq 50); do
            proc_alive "$pid" || break
            sleep 0.1
        done
        if proc_alive "$pid"; then
            kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null
        fi
    fi
    rm -f "$dir/master.pid"
    return 0
}
