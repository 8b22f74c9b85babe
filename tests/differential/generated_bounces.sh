#!/bin/sh
# generated_bounces.sh - bounces generated from the MTAs' own formats with
# known answers (tests/differential/gen_bounces.py): abusedesk must read every
# one as a bounce, find every recipient and give every status the bounce
# carries; Sisimai, when installed, is scored on the same answers.
# N messages a shape (GEN_N, default 1000; `make check` runs 40), seed GEN_SEED.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=${ABUSEDESK:-./abusedesk}
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin missing: run make first"
	echo "0 passed, 1 failed"
	exit 1
fi
exec python3 tests/differential/gen_bounces.py --n "${GEN_N:-1000}" --seed "${GEN_SEED:-1}" \
	--show "${SHOW:-5}" "$bin"
