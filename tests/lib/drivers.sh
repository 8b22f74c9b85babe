# drivers.sh - build the C test drivers against the library under test.
#   build_driver SRC OUT [LIB...]
#                          compile tests/lib/SRC into OUT, linked with
#                          $BUILD/libabusedesk.a the way the build under test was
#                          (a sanitizer build needs clang and its runtime,
#                          a coverage build --coverage); 1 when it fails
build_driver() {
	local dcc=cc dsan=
	case "$BUILD" in
	*asan*) dcc=clang; dsan="-fsanitize=address,undefined" ;;
	*coverage*) dsan=--coverage ;;
	esac
	# shellcheck disable=SC2046,SC2086
	$dcc $dsan -I"$ROOT" -o "$2" "$ROOT/tests/lib/$1" "$BUILD/libabusedesk.a" \
		$(pkg-config --libs gmime-3.0 libpcre2-8 sqlite3) -lm -ldl "${@:3}"
}
