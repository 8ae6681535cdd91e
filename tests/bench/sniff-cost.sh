#!/bin/sh
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# Instructions per classification of the first 4 KiB of FILE, by pe_sniff
# and by libmagic's magic_buffer, counted by callgrind (only inside the
# function, --toggle-collect), and their ratio.  Instruction counts do not
# depend on the machine's load, so the budget is checked: at most
# MAX_PE_INSTR per pe_sniff call and at least MIN_RATIO times fewer than
# magic_buffer; the exit status is 1 when it is not met.
#
# Usage: tests/bench/sniff-cost.sh BIN FILE OUTDIR [PE_CALLS MAGIC_CALLS]
set -eu
bin=$1 file=$2 out=$3
pe_calls=${4:-100000}
magic_calls=${5:-200}
MAX_PE_INSTR=${MAX_PE_INSTR:-300}
MIN_RATIO=${MIN_RATIO:-1000}

if [ ! -r "$file" ]; then
    echo "bench-sniff: SKIPPED: $file is missing (build-aux/fetch-debs.sh could not fetch it)"
    exit 0
fi
mkdir -p "$out"

# Prints the instructions callgrind collected inside function $1.
collected() {
    fn=$1 mode=$2 calls=$3
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$fn" \
        --callgrind-out-file="$out/callgrind.$fn" "$bin" "$mode" "$file" "$calls" \
        >"$out/$fn.stdout" 2>"$out/$fn.log"
    sed -n 's/^totals: *//p' "$out/callgrind.$fn" | awk '{print $1}'
}

pe_total=$(collected pe_sniff pe "$pe_calls")
magic_total=$(collected magic_buffer magic "$magic_calls")

awk -v pt="$pe_total" -v pc="$pe_calls" -v mt="$magic_total" -v mc="$magic_calls" \
    -v max="$MAX_PE_INSTR" -v minr="$MIN_RATIO" \
    -v pdesc="$(cat "$out/pe_sniff.stdout")" -v mdesc="$(cat "$out/magic_buffer.stdout")" 'BEGIN {
    pe = pt / pc; mg = mt / mc; ratio = mg / pe;
    printf "%s\n%s\n", pdesc, mdesc;
    printf "pe_sniff:     %12.1f instructions per classification (%d calls)\n", pe, pc;
    printf "magic_buffer: %12.1f instructions per classification (%d calls)\n", mg, mc;
    printf "ratio:        %12.0fx fewer instructions for pe_sniff\n", ratio;
    ok = (pe <= max && ratio >= minr);
    printf "budget (<= %d per call, >= %dx fewer): %s\n", max, minr, ok ? "met" : "NOT MET";
    exit ok ? 0 : 1;
}'
