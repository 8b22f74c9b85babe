# pipeuser.sh - a binary the pipe user can execute, for the demo and the
# tests that run `abusedesk` as the mail user (runuser, a Postfix pipe).
# Source it; it defines:
#
#   pipe_user_bin BIN USER   print a path of BIN that USER can execute:
#                            BIN itself when USER reaches it, otherwise a
#                            copy in $PIPE_BIN_DIR/KEY/abusedesk (KEY from
#                            the build's path, so builds do not share it),
#                            the directories root's and mode 0755. Prints
#                            the reason on stderr and returns 1 when no
#                            such path can be made.
#
# A checkout under /root (mode 0700) is the usual case: root builds there,
# and the mail user cannot even look up the path. The copy is refreshed when
# the build changes and replaced by a rename, so tests running side by side
# never execute a half-written file.

PIPE_BIN_DIR=${PIPE_BIN_DIR:-/usr/local/lib/abusedesk-test}

pipe_user_bin() {
	_pb_bin=$(readlink -f "$1") || { echo "pipe_user_bin: $1: not found" >&2; return 1; }
	_pb_user=$2
	if runuser -u "$_pb_user" -- test -x "$_pb_bin" 2>/dev/null; then
		echo "$_pb_bin"
		return 0
	fi
	_pb_key=$(printf '%s' "$_pb_bin" | sha256sum | cut -c1-12)
	_pb_dir=$PIPE_BIN_DIR/$_pb_key
	if ! mkdir -p "$_pb_dir" || ! chmod 0755 "$PIPE_BIN_DIR" "$_pb_dir"; then
		echo "pipe_user_bin: cannot make $_pb_dir for a copy of $_pb_bin that $_pb_user can run" >&2
		return 1
	fi
	# only a directory root owns and nobody else can write is trusted with a binary root runs too
	if [ "$(stat -c %u:%a "$PIPE_BIN_DIR")" != 0:755 ] || [ "$(stat -c %u:%a "$_pb_dir")" != 0:755 ]; then
		echo "pipe_user_bin: $_pb_dir is not root's with mode 0755: not used" >&2
		return 1
	fi
	if ! cmp -s "$_pb_bin" "$_pb_dir/abusedesk"; then
		_pb_tmp=$(mktemp "$_pb_dir/.abusedesk.XXXXXX") &&
			cp "$_pb_bin" "$_pb_tmp" && chmod 0755 "$_pb_tmp" && mv -f "$_pb_tmp" "$_pb_dir/abusedesk" || {
			rm -f "${_pb_tmp:-}"
			echo "pipe_user_bin: cannot copy $_pb_bin to $_pb_dir" >&2
			return 1
		}
	fi
	if ! runuser -u "$_pb_user" -- test -x "$_pb_dir/abusedesk"; then
		echo "pipe_user_bin: $_pb_user cannot execute $_pb_dir/abusedesk either" >&2
		return 1
	fi
	echo "$_pb_dir/abusedesk"
}
