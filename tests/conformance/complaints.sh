#!/bin/sh
# complaints.sh - conformance of the report parser against ../shared/corpus
# (complaints and the ARF samples of bounces); see complaints.py.
# Usage: tests/conformance/complaints.sh [PROJECT_ROOT]   (ABUSEDESK=binary to override)
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$(cd "$here/../.." && pwd)}
exec python3 "$here/complaints.py" "$root"
