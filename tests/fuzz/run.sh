#!/bin/sh
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# Runs one libFuzzer target: first every reproducer kept in
# tests/fuzz/regress/NAME/, then fuzzing for SECONDS from the corpus in
# WORK/corpus/NAME, the seed directories given and tests/fuzz/seeds/NAME/
# when it exists.  A new crash is written to tests/fuzz/regress/NAME/ (add
# it to git with the fix, so that every later run replays it).
#
# With FUZZ_RUNS set, the run is the same on every machine: FUZZ_RUNS
# inputs from the seeds alone (given in a sorted list, into a fresh
# WORK/check/NAME corpus), mutated from the fixed FUZZ_SEED (default 1),
# with SECONDS only as a bound for a machine far slower than expected.  Without it, libFuzzer draws its own
# seed and the kept corpus grows from run to run: that is exploration.
#
# Usage: tests/fuzz/run.sh BIN SECONDS WORK [SEEDDIR...]
# Prints "fuzz_NAME: N executions in S s"; exit status 1 on any crash.
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 BIN SECONDS WORK [SEEDDIR...]" >&2
    exit 2
fi
bin=$1 secs=$2 work=$3
shift 3
name=$(basename "$bin")
name=${name#fuzz_}
regress=tests/fuzz/regress/$name
corpus=$work/corpus/$name
log=$work/$name.log
max_len=${FUZZ_MAX_LEN:-8192}
mkdir -p "$regress" "$corpus" || exit 2

reproducers=$(find "$regress" -type f ! -name '.*' | sort)
if [ -n "$reproducers" ]; then
    # shellcheck disable=SC2086  # reproducer names are libFuzzer's hex names
    if ! "$bin" $reproducers >"$log.regress" 2>&1; then
        tail -n 40 "$log.regress"
        echo "fuzz_$name: a reproducer in $regress/ still crashes"
        exit 1
    fi
    echo "fuzz_$name: $(echo "$reproducers" | wc -l) reproducers replayed"
fi

[ -d "tests/fuzz/seeds/$name" ] && set -- "$@" "tests/fuzz/seeds/$name"
if [ -n "${FUZZ_RUNS:-}" ]; then
    # The seeds go in as one list in a fixed order: read from directories,
    # their order would be the file system's, and the run another one.
    corpus=$work/check/$name
    seeds=$work/check/$name.seeds
    rm -rf "$corpus" && mkdir -p "$corpus" || exit 2
    find "$@" -type f ! -name '.*' | LC_ALL=C sort | paste -sd, - >"$seeds" || exit 2
    set -- -runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}" -reload=0 \
        -seed_inputs=@"$seeds" "$corpus"
else
    set -- "$corpus" "$@"
fi
"$bin" -max_total_time="$secs" -max_len="$max_len" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$regress/" \
    "$@" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "fuzz_$name: ${runs:-?} executions${FUZZ_RUNS:+ from seed ${FUZZ_SEED:-1}} (bound $secs s), corpus $(find "$corpus" -type f | wc -l) inputs"
if [ "$rc" != 0 ]; then
    tail -n 40 "$log"
    echo "fuzz_$name: failed (exit $rc); reproducer in $regress/, log $log"
    exit 1
fi
exit 0
