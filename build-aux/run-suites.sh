#!/bin/sh
# Runs every suite given, even after one fails, then names the failed ones.
# Usage: run-suites.sh LABEL SUITE...   (the environment is passed through)
label=$1; shift
failed=""
for t in "$@"; do
    echo "== $t${label:+ ($label)}"
    "$t" || failed="$failed $t"
done
if [ -n "$failed" ]; then
    echo "run-suites: failed:$failed" >&2
    exit 1
fi
exit 0
