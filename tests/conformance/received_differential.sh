#!/bin/sh
# received_differential.sh - a bounded sample (400 distinct values, well under a
# second) of tests/differential/received.sh for `make check`; the full run is
# `make differential`.
SAMPLE=${SAMPLE:-400} exec sh "$(dirname "$0")/../differential/received.sh"
