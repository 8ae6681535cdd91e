#!/bin/sh
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# Reads the reports a tool wrote while the httpd suites ran apache2 under
# it (tests/httpd/memcheck.mk), counts the errors, and names the ones whose
# stack passes through mod_netexe (a frame in mod_netexe.so or in one of
# the library's sources).  Those fail: exit status 1.  Errors only in
# httpd, APR or libc are counted and shown, but belong in the tool's
# suppression file, not in a failure.
#
# Usage: tests/httpd/memcheck-report.sh valgrind|asan DIR
#   valgrind: DIR/vg.<pid>.log, valgrind's text output, one per process
#   asan:     DIR/asan.<pid> (ASan) and DIR/ubsan.<pid> (UBSan) reports
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 valgrind|asan DIR" >&2
    exit 2
fi
tool=$1 dir=$2
# mod_netexe.so, the module's source directory, or the library's files as
# valgrind ("(pe.c:12)") and ASan (".../pe.c:12") name them.
ours='mod_netexe|[(/]pe\.c:|[(/]disposition\.c:|[(/]authenticode\.c:'

case $tool in
valgrind)
    set -- "$dir"/vg.*.log
    [ -e "$1" ] || { echo "memcheck-report: no valgrind logs in $dir" >&2; exit 2; }
    processes=$#
    # One error (or leak record) is the block of lines between two empty
    # "==PID== " lines that holds at least one stack frame.
    OURS=$ours awk '
        function flush() {
            if (frames) {
                total++
                if (block ~ ENVIRON["OURS"]) { mine++; print "---- " FILENAME ":\n" block > "/dev/stderr" }
                else if (shown < 3) { shown++; print "---- (not ours) " FILENAME ":\n" block }
            }
            block = ""; frames = 0
        }
        FNR == 1 { flush() }
        /^==[0-9]+== *$/ { flush(); next }
        /^==[0-9]+==/ {
            block = block $0 "\n"
            if ($0 ~ /^==[0-9]+== +(at|by) 0x/) frames++
        }
        END {
            flush()
            printf "valgrind: %d error or leak records, %d in mod_netexe\n", total, mine
            exit mine > 0
        }' "$@"
    rc=$?
    summary=$(grep -h "ERROR SUMMARY" "$@" | awk '{ n += $4 } END { print n + 0 }')
    echo "valgrind: $processes processes, ERROR SUMMARY total $summary (after suppressions)"
    exit $rc
    ;;
asan)
    reports=$(find "$dir" -type f \( -name 'asan.*' -o -name 'ubsan.*' \) | sort)
    total=0 mine=0
    for f in $reports; do
        n=$(grep -c -E 'ERROR: AddressSanitizer|runtime error:' "$f")
        total=$((total + n))
        if grep -q -E "$ours" "$f"; then
            mine=$((mine + n))
            echo "---- $f" >&2
            cat "$f" >&2
        elif [ "$n" -gt 0 ]; then
            echo "---- (not ours) $f"
            head -n 30 "$f"
        fi
    done
    echo "asan: $(echo "$reports" | grep -c .) report files, $total errors, $mine in mod_netexe"
    [ "$mine" -eq 0 ]
    exit $?
    ;;
*)
    echo "usage: $0 valgrind|asan DIR" >&2
    exit 2
    ;;
esac
