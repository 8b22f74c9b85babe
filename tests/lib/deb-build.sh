#!/bin/sh
# deb-build.sh - `make deb`: build the Debian package from a copy of the tree
# (so debian/rules clean does not touch build/ or ./abusedesk here) with
# dpkg-buildpackage -us -uc -b, leave the .deb, .buildinfo and .changes in
# build/deb/ and run lintian on them when it is installed.
# DEB_BUILD_OPTIONS passes through (nocheck skips the unit tests).
set -eu
cd "$(dirname "$0")/../.."
OUT=build/deb
rm -rf "$OUT"
mkdir -p "$OUT/src"
# the tracked and new (not ignored) files, or everything but build/ and .git
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -c -o --exclude-standard | grep -v -e '^build/' -e '^abusedesk$' |
		while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
		tar -cf - -T - | tar -C "$OUT/src" -xf -
else
	tar --exclude=./build --exclude=./.git --exclude=./abusedesk -cf - . | tar -C "$OUT/src" -xf -
fi
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2}"
(cd "$OUT/src" && dpkg-buildpackage -us -uc -b)
rm -rf "$OUT/src"
if command -v lintian >/dev/null 2>&1; then
	lintian --info --fail-on error,warning "$OUT"/abusedesk_*.changes
	echo "deb: lintian clean"
fi
ls -l "$OUT"
