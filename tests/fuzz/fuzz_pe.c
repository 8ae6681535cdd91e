/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_pe.c -- libFuzzer target for the PE sniffer (mod_netexe/pe.h).
 *
 * Besides memory safety (ASan, UBSan) it checks the promises of pe.h on
 * every prefix of the input:
 *   - PE_NEED_MORE comes with need > len, and need is exact: every prefix
 *     shorter than need gets the same answer, so no byte before need can
 *     decide;
 *   - once a verdict is given, every longer prefix gets the same verdict,
 *     reason and need (the length that decided);
 *   - a PE verdict never needs more than e_lfanew + 0xF0 (PE32) or
 *     e_lfanew + 0x100 (PE32+) bytes, and e_lfanew is 4 .. PE_LFANEW_MAX;
 *   - pe_sniff_final() agrees with the decision, or says truncated/empty.
 * The thresholds are also replayed the way the filter feeds the sniffer,
 * each from a heap copy of exactly that many bytes, so that a read past
 * the bytes given is an ASan report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe.h"

/* A threshold replay never takes more rounds than there are checks. */
#define FUZZ_MAX_ROUNDS 8

#define FUZZ_ASSERT(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_pe: promise broken: %s (%s:%d)\n", #cond,  \
                    __FILE__, __LINE__);                                     \
            abort();                                                         \
        }                                                                    \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info_names(const pe_info *info)
{
    FUZZ_ASSERT(strcmp(pe_verdict_name(info->verdict), "invalid") != 0);
    FUZZ_ASSERT(strcmp(pe_reason_name(info->reason), "invalid") != 0);
    FUZZ_ASSERT(pe_machine_name(info->machine) != NULL);
    FUZZ_ASSERT(pe_is_dll(info) == ((info->characteristics & PE_FILE_DLL) != 0));
}

/* The filter's way: exactly the bytes asked for, each time in a buffer of
 * that size. */
static void replay_thresholds(const unsigned char *buf, size_t size,
                              const pe_info *decided, int have_decision)
{
    size_t have = 0;
    int rounds;

    for (rounds = 0; rounds < FUZZ_MAX_ROUNDS; rounds++) {
        unsigned char *copy = malloc(have ? have : 1);
        pe_info info;
        pe_verdict v;

        FUZZ_ASSERT(copy != NULL);
        memcpy(copy, buf, have);
        v = pe_sniff(have ? copy : NULL, have, &info);
        free(copy);
        if (v != PE_NEED_MORE) {
            FUZZ_ASSERT(have_decision);
            FUZZ_ASSERT(v == decided->verdict && info.reason == decided->reason);
            FUZZ_ASSERT(info.need == decided->need && have == decided->need);
            return;
        }
        FUZZ_ASSERT(info.need > have);
        if (info.need > size) {
            FUZZ_ASSERT(!have_decision);
            return;
        }
        have = info.need;
    }
    FUZZ_ASSERT(!"more rounds than checks");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    pe_info info, decided, final;
    size_t n, pending_need = 0;
    int have_decision = 0;

    FUZZ_ASSERT(buf != NULL);
    memcpy(buf, data, size);
    memset(&decided, 0, sizeof decided);

    for (n = 0; n <= size; n++) {
        pe_verdict v = pe_sniff(n ? buf : NULL, n, &info);

        FUZZ_ASSERT(v == info.verdict);
        check_info_names(&info);
        if (have_decision) {
            FUZZ_ASSERT(v == decided.verdict);
            FUZZ_ASSERT(info.reason == decided.reason);
            FUZZ_ASSERT(info.need == decided.need);
            continue;
        }
        if (v == PE_NEED_MORE) {
            FUZZ_ASSERT(info.reason == PE_REASON_NONE);
            FUZZ_ASSERT(info.need > n);
            /* exact: the need does not move before it is reached */
            if (pending_need > n)
                FUZZ_ASSERT(info.need == pending_need);
            pending_need = info.need;
            continue;
        }
        /* the first verdict: exactly where the last need pointed */
        FUZZ_ASSERT(info.need == n);
        FUZZ_ASSERT(n == pending_need);
        FUZZ_ASSERT(v == PE_NOT_PE || v == PE_NATIVE || v == PE_CLR);
        if (v == PE_CLR)
            FUZZ_ASSERT(info.reason == PE_REASON_NONE);
        else
            FUZZ_ASSERT(info.reason != PE_REASON_NONE &&
                        info.reason != PE_REASON_EMPTY &&
                        info.reason != PE_REASON_TRUNCATED);
        if (v == PE_NATIVE || v == PE_CLR) {
            size_t span = info.magic == PE_OPTIONAL_MAGIC_PE32PLUS
                              ? PE_DECISION_SPAN_PE32PLUS : PE_DECISION_SPAN_PE32;

            FUZZ_ASSERT(info.magic == PE_OPTIONAL_MAGIC_PE32 ||
                        info.magic == PE_OPTIONAL_MAGIC_PE32PLUS);
            FUZZ_ASSERT(info.e_lfanew >= PE_LFANEW_MIN && info.e_lfanew <= PE_LFANEW_MAX);
            FUZZ_ASSERT(n <= (size_t)info.e_lfanew + span);
            if (v == PE_CLR)
                FUZZ_ASSERT(n == (size_t)info.e_lfanew + span && info.clr_rva != 0);
        }
        decided = info;
        have_decision = 1;
    }

    pe_sniff_final(size ? buf : NULL, size, &final);
    if (have_decision) {
        FUZZ_ASSERT(final.verdict == decided.verdict && final.reason == decided.reason);
    }
    else {
        FUZZ_ASSERT(final.verdict == PE_NOT_PE);
        FUZZ_ASSERT(final.reason == (size ? PE_REASON_TRUNCATED : PE_REASON_EMPTY));
    }

    replay_thresholds(buf, size, &decided, have_decision);
    free(buf);
    return 0;
}
