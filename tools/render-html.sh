#!/bin/sh
# render-html.sh IN.html OUT.png [WIDTHxHEIGHT] - screenshot an HTML file in headless chromium.
#
# Used to look at the HTML digest as a person would:
#   abusedesk digest --format html > /tmp/d.html && tools/render-html.sh /tmp/d.html /tmp/d.png
# Installs Debian's chromium with apt-get when it is missing and we are root.
# The page is loaded from a file: URL with networking features off, so a page
# that needed an external resource would show it as missing.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 IN.html OUT.png [WIDTHxHEIGHT]" >&2
	exit 64
fi
in=$1 out=$2 size=${3:-900x1400}
case "$in" in /*) ;; *) in="$(pwd)/$in" ;; esac
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
if ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: chromium is missing: apt-get install chromium" >&2
		exit 69
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends chromium >/dev/null; }
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --screenshot="$out" --window-size="$(echo "$size" | tr x ,)" \
	"file://$in" >/dev/null 2>&1
[ -s "$out" ] || { echo "$0: no screenshot written" >&2; exit 70; }
echo "$out"
