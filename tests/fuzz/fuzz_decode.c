/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_decode.c -- libFuzzer target for the content-coding decoder
 * (mod_netexe/decode.h).
 *
 * The first byte picks one to three codings (bits 0-1: how many, 3 meaning
 * one; then two bits per coding: gzip, deflate, br, zstd, in the order
 * Content-Encoding lists them); the rest is the coded body.  It is decoded
 * twice, into at most FUZZ_OUT_MAX bytes: in one call, and in pieces of
 * input and room whose sizes are drawn from a hash of the input.  Besides
 * memory safety (ASan, UBSan; every output room is a heap block of exactly
 * its size) it checks the promises of decode.h on every call:
 *   - in_used <= in_len and out_made <= out_cap, and neither is above
 *     NETEXE_DECODE_CALL_WORK; MORE has read all input, FULL has filled
 *     all room; AGAIN is answered by calling again with the unread input,
 *     and a decoder says AGAIN at most NETEXE_DECODE_WORK_MAX /
 *     NETEXE_DECODE_CALL_WORK times (the work bound then fails it); an
 *     error reason is given exactly with ERROR, a bound only with ERROR;
 *   - netexe_decoder_memory() stays below NETEXE_DECODE_WINDOW_MAX +
 *     1 MiB, and is back to its value before the first call after END or
 *     ERROR, whose status every later call repeats without reading or
 *     writing;
 *   - after MORE a call without input gives nothing more: MORE means all
 *     that the input allows was written;
 *   - both ways agree: the same bytes, the same outcome (more wanted, the
 *     end, or the bound reached).  An error may show up at different
 *     points (brotli writes its ring buffer out early when it runs out of
 *     input), so with ERROR on both sides only the common bytes must
 *     agree, and ERROR on one side only is allowed when the other stopped
 *     at the bound before it read that far, or ended having made at least
 *     as much (its last stage read the end of the body before the stage
 *     that failed in the other run, holding back what it had decoded,
 *     failed there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* The output bound: the filter's default sniff limit. */
#define FUZZ_OUT_MAX        (64u * 1024u)
#define FUZZ_MEMORY_MAX     (NETEXE_DECODE_WINDOW_MAX + 1024u * 1024u)
#define FUZZ_MAX_CODINGS    3
#define FUZZ_REPEATS        2
/* Calls that stop at the call's work bound, over a decoder's life. */
#define FUZZ_AGAIN_MAX      (NETEXE_DECODE_WORK_MAX / NETEXE_DECODE_CALL_WORK + 1)

#define FUZZ_ASSERT(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_decode: promise broken: %s (%s:%d)\n",     \
                    #cond, __FILE__, __LINE__);                              \
            abort();                                                         \
        }                                                                    \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Piece and room sizes: small ones to cut through every boundary, large
 * ones to get far in few calls. */
static const size_t fuzz_sizes[] = {
    0, 1, 1, 2, 3, 5, 17, 64, 255, 1024, 4095, 4096, 4097, 16384, 65536
};
#define FUZZ_N_SIZES (sizeof fuzz_sizes / sizeof fuzz_sizes[0])

typedef enum {
    OUTCOME_MORE,       /* all input read, more wanted */
    OUTCOME_END,
    OUTCOME_BOUND,      /* FUZZ_OUT_MAX bytes made */
    OUTCOME_ERROR
} outcome;

typedef struct {
    outcome how;
    unsigned char *out;     /* FUZZ_OUT_MAX bytes */
    size_t made;
} run_result;

static int pick_codings(uint8_t b, netexe_coding c[FUZZ_MAX_CODINGS])
{
    int n = (b & 3u) == 3u ? 1 : (int)(b & 3u) + 1, i;

    for (i = 0; i < n; i++) {
        c[i] = (netexe_coding)(NETEXE_CODING_GZIP + ((b >> (2 + 2 * i)) & 3u));
    }
    return n;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001B3ull;
    }
    return h ? h : 1;
}

static size_t next_size(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return fuzz_sizes[(x >> 32) % FUZZ_N_SIZES];
}

/* One call, its promises checked; the status. */
static netexe_decode_status call(netexe_decoder *d, const uint8_t *in,
                                 size_t in_len, size_t *used,
                                 unsigned char *out, size_t cap, size_t *made)
{
    netexe_decode_status st;

    *used = *made = (size_t)-1;
    st = netexe_decode(d, in, in_len, used, out, cap, made);
    FUZZ_ASSERT(st == NETEXE_DECODE_MORE || st == NETEXE_DECODE_FULL
                || st == NETEXE_DECODE_END || st == NETEXE_DECODE_ERROR
                || st == NETEXE_DECODE_AGAIN);
    FUZZ_ASSERT(*used <= in_len);
    FUZZ_ASSERT(*made <= cap);
    FUZZ_ASSERT(*used <= NETEXE_DECODE_CALL_WORK);
    FUZZ_ASSERT(*made <= NETEXE_DECODE_CALL_WORK);
    if (st == NETEXE_DECODE_MORE) {
        FUZZ_ASSERT(*used == in_len);
    }
    if (st == NETEXE_DECODE_FULL) {
        FUZZ_ASSERT(*made == cap);
    }
    FUZZ_ASSERT((st == NETEXE_DECODE_ERROR)
                == (netexe_decoder_error(d)[0] != '\0'));
    FUZZ_ASSERT(st == NETEXE_DECODE_ERROR || !netexe_decoder_bound_reached(d));
    FUZZ_ASSERT(netexe_decoder_memory(d) < FUZZ_MEMORY_MAX);
    return st;
}

/* After END or ERROR: the memory is given back and the status stays. */
static void check_final(netexe_decoder *d, netexe_decode_status st,
                        size_t baseline, const uint8_t *in, size_t in_len)
{
    unsigned char spare[16];
    size_t used, made;
    int k;

    FUZZ_ASSERT(netexe_decoder_memory(d) == baseline);
    for (k = 0; k < FUZZ_REPEATS; k++) {
        FUZZ_ASSERT(call(d, in, in_len, &used, spare, sizeof spare, &made)
                    == st);
        FUZZ_ASSERT(used == 0 && made == 0);
    }
}

/* After MORE: nothing more comes without input, whatever the room. */
static void check_drained(netexe_decoder *d, const uint8_t *in)
{
    unsigned char *room = malloc(FUZZ_OUT_MAX);
    size_t used, made;

    FUZZ_ASSERT(room != NULL);
    FUZZ_ASSERT(call(d, in, 0, &used, room, FUZZ_OUT_MAX, &made)
                == NETEXE_DECODE_MORE);
    FUZZ_ASSERT(made == 0);
    free(room);
}

static outcome outcome_of(netexe_decode_status st)
{
    switch (st) {
    case NETEXE_DECODE_END:
        return OUTCOME_END;
    case NETEXE_DECODE_ERROR:
        return OUTCOME_ERROR;
    case NETEXE_DECODE_FULL:
        return OUTCOME_BOUND;
    case NETEXE_DECODE_MORE:
    case NETEXE_DECODE_AGAIN:
        break;
    }
    return OUTCOME_MORE;
}

static run_result decode_whole(const netexe_coding *c, int n,
                               const uint8_t *in, size_t len)
{
    netexe_decoder *d = netexe_decoder_new(c, n);
    run_result r;
    netexe_decode_status st;
    size_t used, baseline, pos = 0, agains = 0;

    FUZZ_ASSERT(d != NULL);
    r.out = malloc(FUZZ_OUT_MAX);
    FUZZ_ASSERT(r.out != NULL);
    baseline = netexe_decoder_memory(d);
    /* One call, and after AGAIN the next with what it left. */
    r.made = 0;
    for (;;) {
        size_t made;

        st = call(d, in + pos, len - pos, &used, r.out + r.made,
                  FUZZ_OUT_MAX - r.made, &made);
        pos += used;
        r.made += made;
        if (st != NETEXE_DECODE_AGAIN) {
            break;
        }
        FUZZ_ASSERT(++agains <= FUZZ_AGAIN_MAX);
        if (r.made == FUZZ_OUT_MAX) {
            st = NETEXE_DECODE_FULL;
            break;
        }
    }
    r.how = outcome_of(st);
    if (st == NETEXE_DECODE_END || st == NETEXE_DECODE_ERROR) {
        check_final(d, st, baseline, in, len);
    }
    else if (st == NETEXE_DECODE_MORE) {
        check_drained(d, in + len);
    }
    netexe_decoder_free(d);
    return r;
}

static run_result decode_pieces(const netexe_coding *c, int n,
                                const uint8_t *in, size_t len, uint64_t seed)
{
    netexe_decoder *d = netexe_decoder_new(c, n);
    uint64_t state = seed;
    size_t pos = 0, baseline, calls = 0;
    /* Each call reads or writes a byte, or is one of the empty calls that
     * fall between two that do, or stops at the call's work bound. */
    size_t max_calls = 4 * (len + FUZZ_OUT_MAX) + 64 + 2 * FUZZ_AGAIN_MAX;
    netexe_decode_status st;
    run_result r;

    FUZZ_ASSERT(d != NULL);
    r.out = malloc(FUZZ_OUT_MAX);
    r.made = 0;
    FUZZ_ASSERT(r.out != NULL);
    baseline = netexe_decoder_memory(d);
    for (;;) {
        size_t give = next_size(&state), room = next_size(&state);
        size_t used, made;
        unsigned char *block;

        if (give > len - pos) {
            give = len - pos;
        }
        if (room == 0) {
            room = 1;
        }
        if (room > FUZZ_OUT_MAX - r.made) {
            room = FUZZ_OUT_MAX - r.made;
        }
        block = malloc(room);
        FUZZ_ASSERT(block != NULL);
        st = call(d, in + pos, give, &used, block, room, &made);
        memcpy(r.out + r.made, block, made);
        free(block);
        pos += used;
        r.made += made;
        FUZZ_ASSERT(++calls <= max_calls);
        if (st == NETEXE_DECODE_END || st == NETEXE_DECODE_ERROR) {
            r.how = outcome_of(st);
            check_final(d, st, baseline, in, len);
            break;
        }
        if (r.made == FUZZ_OUT_MAX) {
            r.how = OUTCOME_BOUND;
            break;
        }
        if (st == NETEXE_DECODE_MORE && pos == len) {
            r.how = OUTCOME_MORE;
            check_drained(d, in + len);
            break;
        }
    }
    netexe_decoder_free(d);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    netexe_coding c[FUZZ_MAX_CODINGS];
    run_result whole, pieces;
    uint8_t *in;
    size_t len, common;
    int n;

    if (size < 1) {
        return 0;
    }
    n = pick_codings(data[0], c);
    len = size - 1;
    /* A heap copy of exactly the body: a read past it is an ASan report. */
    in = malloc(len ? len : 1);
    FUZZ_ASSERT(in != NULL);
    memcpy(in, data + 1, len);

    whole = decode_whole(c, n, in, len);
    pieces = decode_pieces(c, n, in, len, hash_bytes(data, size));

    common = whole.made < pieces.made ? whole.made : pieces.made;
    FUZZ_ASSERT(memcmp(whole.out, pieces.out, common) == 0);
    if (whole.how != OUTCOME_ERROR && pieces.how != OUTCOME_ERROR) {
        FUZZ_ASSERT(whole.made == pieces.made);
        /* The end read with the last byte the bound allowed, or in the
         * call after it. */
        if (whole.made == FUZZ_OUT_MAX) {
            FUZZ_ASSERT(whole.how != OUTCOME_MORE && pieces.how != OUTCOME_MORE);
        }
        else {
            FUZZ_ASSERT(whole.how == pieces.how);
        }
    }
    else if (whole.how != pieces.how) {
        const run_result *failed = whole.how == OUTCOME_ERROR ? &whole : &pieces;
        const run_result *other = failed == &whole ? &pieces : &whole;

        FUZZ_ASSERT(other->how == OUTCOME_BOUND
                    || (other->how == OUTCOME_END
                        && failed->made <= other->made));
    }

    free(pieces.out);
    free(whole.out);
    free(in);
    return 0;
}
