#!/bin/sh
# bounces_generated.sh - 40 generated bounces a MTA shape (13 shapes, about
# two seconds) of tests/differential/generated_bounces.sh for `make check`;
# the full run (1,000 a shape) is `make differential`.
GEN_N=${GEN_N:-40} exec sh "$(dirname "$0")/../differential/generated_bounces.sh"
