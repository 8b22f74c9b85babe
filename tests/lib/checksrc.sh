#!/bin/sh
# checksrc.sh - refuse banned functions in the sources (as curl's checksrc does).
cd "$(dirname "$0")/../.." || exit 2
bad=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll)[[:space:]]*\(' \
	util/*.[ch] db/*.[ch] parse/*.[ch] correlate/*/*.[ch] notify/*.[ch] ingest/*.[ch] app/*.[ch] cli/*.[ch] \
	bench/*.c fuzz/*.c tests/unit/*.c 2>/dev/null)
if [ -n "$bad" ]; then
	echo "checksrc: banned functions (use snprintf, str_copy, str_to_long, buf_*):"
	echo "$bad"
	exit 1
fi
echo "checksrc: no banned functions"
