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
 * At every threshold the filter reaches, and for the whole input,
 * pe_sniff_window() without a window is pe_sniff(), field by field (and
 * the _final variants agree).
 * Two reads, as the filter makes them (the first 512 or 64 bytes, or just
 * "MZ", then the decision span from e_lfanew), give the whole input's
 * answer field by field; a head and window cut at places derived from a
 * hash of the input give the whole input's decision or ask for a field
 * that neither holds.  The thresholds are also replayed the way the filter
 * feeds the sniffer.  Every head and window is a heap copy of exactly its
 * size, so that a read past the bytes given is an ASan report.
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

/* The filter's first reads, and the span it reads at e_lfanew. */
#define FUZZ_FILTER_HEAD    512u
#define FUZZ_DOS_HEADER     64u
#define FUZZ_MZ             2u
#define FUZZ_LFANEW_FIELD   0x3Cu

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_info(const pe_info *a, const pe_info *b)
{
    return a->verdict == b->verdict && a->reason == b->reason && a->need == b->need &&
           a->e_lfanew == b->e_lfanew && a->machine == b->machine &&
           a->size_of_optional_header == b->size_of_optional_header &&
           a->characteristics == b->characteristics && a->magic == b->magic &&
           a->number_of_rva_and_sizes == b->number_of_rva_and_sizes &&
           a->clr_rva == b->clr_rva &&
           a->cert_offset == b->cert_offset && a->cert_size == b->cert_size &&
           a->checksum_offset == b->checksum_offset &&
           a->cert_dir_offset == b->cert_dir_offset;
}

/* The fields a decision rests on (the rest may lie in a gap). */
static int same_decision(const pe_info *a, const pe_info *b)
{
    return a->verdict == b->verdict && a->reason == b->reason && a->need == b->need &&
           a->e_lfanew == b->e_lfanew && a->machine == b->machine &&
           a->size_of_optional_header == b->size_of_optional_header &&
           a->characteristics == b->characteristics && a->magic == b->magic &&
           a->clr_rva == b->clr_rva;
}

/* pe_sniff_window (or _final) on exact-size heap copies of buf[0 .. h-1]
 * and buf[o .. o+w-1]. */
static pe_verdict sniff_copies(const unsigned char *buf, size_t h, size_t o, size_t w,
                               int final, pe_info *info)
{
    unsigned char *head = malloc(h ? h : 1), *win = malloc(w ? w : 1);
    pe_verdict v;

    FUZZ_ASSERT(head != NULL && win != NULL);
    memcpy(head, buf, h);
    memcpy(win, buf + o, w);
    if (final) {
        v = pe_sniff_window_final(h ? head : NULL, h, w ? win : NULL, o, w, info);
    }
    else {
        pe_info d;

        v = pe_sniff_window(h ? head : NULL, h, w ? win : NULL, o, w, info);
        /* The filter's decision-only entry point: the same answer, and the
         * fields the checks read. */
        FUZZ_ASSERT(pe_decide_window(h ? head : NULL, h, w ? win : NULL, o, w, &d) == v);
        FUZZ_ASSERT(d.reason == info->reason && d.need == info->need &&
                    d.e_lfanew == info->e_lfanew &&
                    d.characteristics == info->characteristics &&
                    d.magic == info->magic && d.clr_rva == info->clr_rva);
    }
    free(head);
    free(win);
    FUZZ_ASSERT(v == info->verdict);
    return v;
}

/* The filter's two reads: a head of head_max bytes, then the decision
 * span from win_from (e_lfanew, or the e_lfanew field itself), clipped to
 * the input.  The answer is the whole input's, field by field. */
static void check_two_reads(const unsigned char *buf, size_t size, size_t head_max,
                            size_t win_from, const pe_info *whole, const pe_info *whole_final)
{
    size_t h = size < head_max ? size : head_max;
    size_t lf = whole->e_lfanew;
    size_t end = lf + PE_DECISION_SPAN_PE32PLUS;
    size_t o = win_from < size ? win_from : size;
    size_t w;
    pe_info info;

    if (end > size)
        end = size;
    w = end > o ? end - o : 0;
    sniff_copies(buf, h, o, w, 0, &info);
    FUZZ_ASSERT(same_info(&info, whole));
    sniff_copies(buf, h, o, w, 1, &info);
    FUZZ_ASSERT(info.verdict == whole_final->verdict && info.reason == whole_final->reason);
}

/* FNV-1a of the input: cut points that vary with it. */
static uint64_t input_hash(const unsigned char *buf, size_t size)
{
    uint64_t h = 14695981039346656037ull;
    size_t i;

    for (i = 0; i < size; i++) {
        h ^= buf[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* A head [0, h) and a window [o, o + w) cut anywhere: a decision is the
 * whole input's decision; a need lies past the head and, when the whole
 * input decides, no further than its decision. */
static void check_any_split(const unsigned char *buf, size_t size, const pe_info *whole)
{
    uint64_t x = input_hash(buf, size);
    size_t h = size ? (size_t)(x % (size + 1)) : 0;
    size_t o = size ? (size_t)((x >> 21) % (size + 1)) : 0;
    size_t w = size - o ? (size_t)((x >> 42) % (size - o + 1)) : 0;
    pe_info info;

    if (sniff_copies(buf, h, o, w, 0, &info) != PE_NEED_MORE) {
        FUZZ_ASSERT(same_decision(&info, whole));
        return;
    }
    FUZZ_ASSERT(info.reason == PE_REASON_NONE);
    FUZZ_ASSERT(info.need > h);
    if (whole->verdict != PE_NEED_MORE)
        FUZZ_ASSERT(info.need <= whole->need);
    sniff_copies(buf, h, o, w, 1, &info);
    FUZZ_ASSERT(info.verdict == PE_NOT_PE &&
                (info.reason == PE_REASON_TRUNCATED || info.reason == PE_REASON_EMPTY));
}

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
        pe_info info, win;
        pe_verdict v;

        FUZZ_ASSERT(copy != NULL);
        memcpy(copy, buf, have);
        v = pe_sniff(have ? copy : NULL, have, &info);
        /* at each threshold, the window API without a window is pe_sniff */
        pe_sniff_window(have ? copy : NULL, have, NULL, 0, 0, &win);
        FUZZ_ASSERT(same_info(&win, &info));
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
    {
        pe_info win, win_final;

        pe_sniff_window(size ? buf : NULL, size, NULL, 0, 0, &win);
        FUZZ_ASSERT(same_info(&win, &info));
        pe_sniff_window_final(size ? buf : NULL, size, NULL, 0, 0, &win_final);
        FUZZ_ASSERT(same_info(&win_final, &final));
    }
    if (have_decision) {
        FUZZ_ASSERT(final.verdict == decided.verdict && final.reason == decided.reason);
    }
    else {
        FUZZ_ASSERT(final.verdict == PE_NOT_PE);
        FUZZ_ASSERT(final.reason == (size ? PE_REASON_TRUNCATED : PE_REASON_EMPTY));
    }

    /* info is now the answer for the whole input */
    check_two_reads(buf, size, FUZZ_FILTER_HEAD, info.e_lfanew, &info, &final);
    check_two_reads(buf, size, FUZZ_DOS_HEADER, info.e_lfanew, &info, &final);
    if (info.e_lfanew >= FUZZ_LFANEW_FIELD)
        check_two_reads(buf, size, FUZZ_MZ, FUZZ_LFANEW_FIELD, &info, &final);
    check_any_split(buf, size, &info);

    replay_thresholds(buf, size, &decided, have_decision);
    free(buf);
    return 0;
}
