#!/bin/sh
# received_generated.sh - 100 generated values a MTA shape (20 shapes, about a
# second) of tests/differential/generated.sh for `make check`; the full run
# (1,000 a shape) is `make differential`.
GEN_N=${GEN_N:-100} exec sh "$(dirname "$0")/../differential/generated.sh"
