/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_decode.c -- Content-Encoding tokens and the streaming decoder
 * (mod_netexe/decode.h).
 *
 * The coded inputs are made at test time by the libraries themselves
 * (zlib, brotli's encoder, zstd) from a payload that looks like what the
 * filter sees: a 64 KiB CLR image from the fixture builder followed by
 * 64 KiB of pseudo-random bytes.  Every round trip compares the decoded
 * bytes with the payload, byte for byte, and checks the promises of each
 * call (input read and output written within what was given and within
 * the call's work bound; MORE means all input read, FULL means all room
 * used).  Streams a library would not write (gzip headers with every
 * field, deflate that reads as zlib and as raw) are put together here
 * byte by byte.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <brotli/encode.h>
#include <zstd.h>

#include "decode.h"
#include "pebuild.h"

#define N_CASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define KIB                 1024u
#define MIB                 (1024u * 1024u)
#define PAYLOAD_IMAGE_SIZE  (64u * KIB)
#define PAYLOAD_RANDOM_SIZE (64u * KIB)
#define PAYLOAD_SEED        0x6E65746578650001ull

/* zlib's windowBits for the three wrappers deflateInit2 makes. */
#define ZLIB_WBITS_GZIP     31
#define ZLIB_WBITS_ZLIB     15
#define ZLIB_WBITS_RAW      (-15)
#define ZLIB_MEM_LEVEL      8
#define GZIP_HEADER_LEN     10

#define BROTLI_TEST_QUALITY 5
#define BROTLI_TEST_LGWIN   22
#define BROTLI_BIG_LGWIN    24
#define ZSTD_TEST_LEVEL     3

/* A zstd frame starts with its magic number, then the frame header
 * descriptor whose bit 3 is reserved and must be zero (RFC 8878 3.1.1). */
#define ZSTD_MAGIC_LEN      4
#define ZSTD_FHD_RESERVED   0x08u
#define ZSTD_FHD_SINGLE_SEGMENT 0x20u
#define ZSTD_WINDOW_LOG_ABS_MIN 10

#define ZSTD_TOO_BIG_WINDOW_LOG 27

/* The gzip bomb: this many zero bytes, decoded into a sniff-sized buffer. */
#define BOMB_SIZE           (200u * 1000u * 1000u)
#define BOMB_CHUNK          (1u * MIB)
#define BOMB_OUT            (64u * KIB)
#define BOMB_MEMORY_MAX     (1u * MIB)
/* Room for the coded bomb: deflate packs zeros about 1000 to 1. */
#define BOMB_CODED_MAX      (1u * MIB)

/* Any call, any stage mix: what the fuzzer also holds the decoder to. */
#define DECODER_MEMORY_MAX  (NETEXE_DECODE_WINDOW_MAX + MIB)

/* A read size that makes no call fall on a boundary of the stage buffers. */
#define ODD_STEP            4093u
#define UNLIMITED           ((size_t)-1)

/* ---- test data -------------------------------------------------------- */

typedef enum {
    ENC_GZIP,
    ENC_ZLIB,           /* deflate coding, zlib-wrapped (RFC 9110) */
    ENC_RAW,            /* deflate coding, raw deflate as some servers send */
    ENC_BR,
    ENC_ZSTD
} encoder;

static uint64_t prng_next(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static void fill_random(unsigned char *p, size_t n, uint64_t seed)
{
    uint64_t state = seed;
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = (unsigned char)(prng_next(&state) >> 56);
    }
}

/* The 64 KiB CLR image and 64 KiB of random bytes after it. */
static unsigned char *make_payload(size_t *len)
{
    pebuild_spec spec;
    unsigned char *img, *p;
    size_t img_len;

    pebuild_spec_init(&spec);
    spec.total_size = PAYLOAD_IMAGE_SIZE;
    img = pebuild(&spec, &img_len);
    ck_assert_ptr_nonnull(img);
    ck_assert_uint_eq(img_len, PAYLOAD_IMAGE_SIZE);
    p = malloc(img_len + PAYLOAD_RANDOM_SIZE);
    ck_assert_ptr_nonnull(p);
    memcpy(p, img, img_len);
    fill_random(p + img_len, PAYLOAD_RANDOM_SIZE, PAYLOAD_SEED);
    free(img);
    *len = img_len + PAYLOAD_RANDOM_SIZE;
    return p;
}

static unsigned char *zlib_encode(int wbits, const unsigned char *in,
                                  size_t len, size_t *out_len)
{
    z_stream z;
    unsigned char *out;
    uLong bound;

    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, wbits,
                                  ZLIB_MEM_LEVEL, Z_DEFAULT_STRATEGY), Z_OK);
    bound = deflateBound(&z, (uLong)len);
    out = malloc(bound);
    ck_assert_ptr_nonnull(out);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static unsigned char *br_encode_lgwin(int lgwin, const unsigned char *in,
                                      size_t len, size_t *out_len)
{
    size_t cap = BrotliEncoderMaxCompressedSize(len);
    unsigned char *out = malloc(cap);

    ck_assert_ptr_nonnull(out);
    *out_len = cap;
    ck_assert(BrotliEncoderCompress(BROTLI_TEST_QUALITY, lgwin,
                                    BROTLI_MODE_GENERIC, len, in, out_len,
                                    out));
    return out;
}

static unsigned char *zstd_encode(const unsigned char *in, size_t len,
                                  size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len);
    unsigned char *out = malloc(cap);
    size_t rc;

    ck_assert_ptr_nonnull(out);
    rc = ZSTD_compress(out, cap, in, len, ZSTD_TEST_LEVEL);
    ck_assert(!ZSTD_isError(rc));
    *out_len = rc;
    return out;
}

static unsigned char *encode(encoder e, const unsigned char *in, size_t len,
                             size_t *out_len)
{
    switch (e) {
    case ENC_GZIP:
        return zlib_encode(ZLIB_WBITS_GZIP, in, len, out_len);
    case ENC_ZLIB:
        return zlib_encode(ZLIB_WBITS_ZLIB, in, len, out_len);
    case ENC_RAW:
        return zlib_encode(ZLIB_WBITS_RAW, in, len, out_len);
    case ENC_BR:
        return br_encode_lgwin(BROTLI_TEST_LGWIN, in, len, out_len);
    case ENC_ZSTD:
        return zstd_encode(in, len, out_len);
    }
    ck_abort_msg("unknown encoder %d", (int)e);
    return NULL;
}

/* Applies the encoders in the order given, as Content-Encoding lists them. */
static unsigned char *encode_chain(const encoder *chain, int n,
                                   const unsigned char *in, size_t len,
                                   size_t *out_len)
{
    unsigned char *cur = malloc(len ? len : 1);
    size_t cur_len = len;
    int i;

    ck_assert_ptr_nonnull(cur);
    memcpy(cur, in, len);
    for (i = 0; i < n; i++) {
        size_t next_len;
        unsigned char *next = encode(chain[i], cur, cur_len, &next_len);

        free(cur);
        cur = next;
        cur_len = next_len;
    }
    *out_len = cur_len;
    return cur;
}

static unsigned char *concat(const unsigned char *a, size_t a_len,
                             const unsigned char *b, size_t b_len)
{
    unsigned char *p = malloc(a_len + b_len);

    ck_assert_ptr_nonnull(p);
    memcpy(p, a, a_len);
    memcpy(p + a_len, b, b_len);
    return p;
}

static netexe_decoder *decoder_for(const char *content_encoding)
{
    netexe_coding codings[NETEXE_DECODE_MAX_CODINGS];
    netexe_decoder *d;
    int n = -1;

    ck_assert_int_eq(netexe_coding_parse(content_encoding, codings, &n),
                     NETEXE_CODINGS_DECODE);
    d = netexe_decoder_new(codings, n);
    ck_assert_ptr_nonnull(d);
    return d;
}

/* ---- the caller ------------------------------------------------------- */

typedef struct {
    netexe_decode_status status;    /* of the last call */
    size_t in_read;                 /* input read over all calls */
    size_t made;                    /* bytes written to out */
    size_t calls;
} drive_result;

/* Checked on every call of a run of up to a million calls: a passing
 * ck_assert records its place through the forked runner's channel, which
 * would cost more than the decoding. */
#define PER_CALL_ASSERT(cond)                                                \
    do {                                                                     \
        if (!(cond)) {                                                       \
            ck_abort_msg("call %zu (status %d): %s", r.calls,                \
                         (int)r.status, #cond);                              \
        }                                                                    \
    } while (0)

/* Feeds in[0 .. len-1] in pieces of at most in_step bytes with at most
 * out_step bytes of room per call, as a filter does: the unread rest
 * again after FULL or AGAIN, the next piece after MORE.  Stops at END or ERROR, at
 * MORE once every byte has been given, or when out (out_cap bytes) is
 * full.  Every call is checked against the promises of decode.h. */
static drive_result drive(netexe_decoder *d, const unsigned char *in,
                          size_t len, size_t in_step, size_t out_step,
                          unsigned char *out, size_t out_cap)
{
    drive_result r;

    memset(&r, 0, sizeof r);
    for (;;) {
        size_t give = len - r.in_read, room = out_cap - r.made;
        size_t used = UNLIMITED, got = UNLIMITED;

        if (give > in_step) {
            give = in_step;
        }
        if (room > out_step) {
            room = out_step;
        }
        r.status = netexe_decode(d, in + r.in_read, give, &used,
                                 out + r.made, room, &got);
        r.calls++;
        PER_CALL_ASSERT(used <= give);
        PER_CALL_ASSERT(got <= room);
        PER_CALL_ASSERT(used <= NETEXE_DECODE_CALL_WORK);
        PER_CALL_ASSERT(got <= NETEXE_DECODE_CALL_WORK);
        PER_CALL_ASSERT(r.status != NETEXE_DECODE_MORE || used == give);
        PER_CALL_ASSERT(r.status != NETEXE_DECODE_FULL || got == room);
        PER_CALL_ASSERT(r.status == NETEXE_DECODE_ERROR
                        || netexe_decoder_error(d)[0] == '\0');
        PER_CALL_ASSERT(netexe_decoder_memory(d) < DECODER_MEMORY_MAX);
        r.in_read += used;
        r.made += got;
        if (r.status == NETEXE_DECODE_END || r.status == NETEXE_DECODE_ERROR) {
            return r;
        }
        if (r.made == out_cap) {
            return r;
        }
        if (r.status == NETEXE_DECODE_MORE && r.in_read == len) {
            return r;
        }
    }
}

/* The decoded bytes are exactly expected (one byte of spare room shows a
 * decoder that makes too much). */
static void assert_decodes_to(netexe_decoder *d, const unsigned char *in,
                              size_t len, size_t in_step, size_t out_step,
                              const unsigned char *expected, size_t exp_len,
                              netexe_decode_status want)
{
    unsigned char *out = malloc(exp_len + 1);
    drive_result r;

    ck_assert_ptr_nonnull(out);
    r = drive(d, in, len, in_step, out_step, out, exp_len + 1);
    ck_assert_int_eq(r.status, want);
    ck_assert_uint_eq(r.made, exp_len);
    ck_assert_int_eq(memcmp(out, expected, exp_len), 0);
    if (want == NETEXE_DECODE_MORE) {
        ck_assert_uint_eq(r.in_read, len);
    }
    free(out);
}

/* ---- netexe_coding_parse ---------------------------------------------- */

typedef struct {
    const char *value;
    int n;
    netexe_coding codings[3];
} decode_list_case;

static const decode_list_case decode_list_cases[] = {
    { "gzip",           1, { NETEXE_CODING_GZIP } },
    { "x-gzip",         1, { NETEXE_CODING_GZIP } },
    { "GZip",           1, { NETEXE_CODING_GZIP } },
    { "X-GZIP",         1, { NETEXE_CODING_GZIP } },
    { " gzip , br ",    2, { NETEXE_CODING_GZIP, NETEXE_CODING_BR } },
    { "deflate",        1, { NETEXE_CODING_DEFLATE } },
    { "br",             1, { NETEXE_CODING_BR } },
    { "zstd",           1, { NETEXE_CODING_ZSTD } },
    { "\tzstd,deflate", 2, { NETEXE_CODING_ZSTD, NETEXE_CODING_DEFLATE } },
    { "identity, gzip", 1, { NETEXE_CODING_GZIP } },
    { "br,,identity,zstd,", 2, { NETEXE_CODING_BR, NETEXE_CODING_ZSTD } },
    { "deflate, br, gzip", 3,
      { NETEXE_CODING_DEFLATE, NETEXE_CODING_BR, NETEXE_CODING_GZIP } },
};

START_TEST(test_decodable_list_gives_codings_in_order)
{
    const decode_list_case *c = &decode_list_cases[_i];
    netexe_coding out[NETEXE_DECODE_MAX_CODINGS];
    int n = -1, i;

    ck_assert_int_eq(netexe_coding_parse(c->value, out, &n),
                     NETEXE_CODINGS_DECODE);
    ck_assert_int_eq(n, c->n);
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(out[i], c->codings[i]);
    }
}
END_TEST

typedef struct {
    const char *value;
    netexe_codings_kind kind;
} kind_case;

static const kind_case kind_cases[] = {
    { "identity",                   NETEXE_CODINGS_NONE },
    { "identity, identity",         NETEXE_CODINGS_NONE },
    { "IDENTITY",                   NETEXE_CODINGS_NONE },
    { "7bit",                       NETEXE_CODINGS_NONE },
    { "8bit",                       NETEXE_CODINGS_NONE },
    { "binary",                     NETEXE_CODINGS_NONE },
    { "",                           NETEXE_CODINGS_NONE },
    { NULL,                         NETEXE_CODINGS_NONE },
    { ",,,",                        NETEXE_CODINGS_NONE },
    { " \t, ",                      NETEXE_CODINGS_NONE },
    { "x-foo",                      NETEXE_CODINGS_UNKNOWN },
    { "gzip, x-foo",                NETEXE_CODINGS_UNKNOWN },
    { "x-foo, gzip",                NETEXE_CODINGS_UNKNOWN },
    { "compress",                   NETEXE_CODINGS_UNKNOWN },
    { "x-compress",                 NETEXE_CODINGS_UNKNOWN },
    { "gzipbr",                     NETEXE_CODINGS_UNKNOWN },
    { "gzip br",                    NETEXE_CODINGS_UNKNOWN },
    { "gzip;q=1",                   NETEXE_CODINGS_UNKNOWN },
    { "gzi",                        NETEXE_CODINGS_UNKNOWN },
    { "identityx",                  NETEXE_CODINGS_UNKNOWN },
    { "gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,"
      "gzip,gzip,gzip,gzip", NETEXE_CODINGS_TOO_MANY },
    { "br, br, br, br, br, br, br, br, br, br, br, br, br, br, br, br, br, "
      "identity", NETEXE_CODINGS_TOO_MANY },
    /* An unknown token wins: the body is judged raw either way. */
    { "gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,gzip,"
      "gzip,gzip,gzip,gzip,x-foo", NETEXE_CODINGS_UNKNOWN },
};

START_TEST(test_list_without_decodable_codings_is_classified)
{
    const kind_case *c = &kind_cases[_i];
    netexe_coding out[NETEXE_DECODE_MAX_CODINGS];
    int n = -1;

    ck_assert_int_eq(netexe_coding_parse(c->value, out, &n), c->kind);
    ck_assert_int_eq(n, 0);
}
END_TEST

/* Firefox undoes up to 16 codings: so many are decoded, one more is not. */
START_TEST(test_sixteen_codings_are_the_most_decoded)
{
    netexe_coding out[NETEXE_DECODE_MAX_CODINGS];
    int n = -1, i;

    ck_assert_int_eq(NETEXE_DECODE_MAX_CODINGS, 16);
    ck_assert_int_eq(netexe_coding_parse("gzip, gzip, gzip, gzip, zstd, br, "
                                         "deflate, x-gzip, gzip, gzip, gzip, "
                                         "gzip, gzip, gzip, gzip, br", out,
                                         &n),
                     NETEXE_CODINGS_DECODE);
    ck_assert_int_eq(n, NETEXE_DECODE_MAX_CODINGS);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(out[i], NETEXE_CODING_GZIP);
    }
    ck_assert_int_eq(out[4], NETEXE_CODING_ZSTD);
    ck_assert_int_eq(out[5], NETEXE_CODING_BR);
    ck_assert_int_eq(out[6], NETEXE_CODING_DEFLATE);
    for (i = 7; i < 15; i++) {
        ck_assert_int_eq(out[i], NETEXE_CODING_GZIP);
    }
    ck_assert_int_eq(out[15], NETEXE_CODING_BR);
    n = -1;
    ck_assert_int_eq(netexe_coding_parse("gzip, gzip, gzip, gzip, zstd, br, "
                                         "deflate, x-gzip, gzip, gzip, gzip, "
                                         "gzip, gzip, gzip, gzip, br, gzip",
                                         out, &n),
                     NETEXE_CODINGS_TOO_MANY);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_decoder_needs_one_to_sixteen_codings)
{
    netexe_coding c[NETEXE_DECODE_MAX_CODINGS + 1];
    int i;

    for (i = 0; i <= NETEXE_DECODE_MAX_CODINGS; i++) {
        c[i] = NETEXE_CODING_GZIP;
    }
    ck_assert_ptr_null(netexe_decoder_new(c, 0));
    ck_assert_ptr_null(netexe_decoder_new(c, -1));
    ck_assert_ptr_null(netexe_decoder_new(c, NETEXE_DECODE_MAX_CODINGS + 1));
    netexe_decoder_free(netexe_decoder_new(c, NETEXE_DECODE_MAX_CODINGS));
    netexe_decoder_free(NULL);
}
END_TEST

/* ---- round trips ------------------------------------------------------ */

/* A Content-Encoding value, the encoders that make such a body (in the
 * order listed), and how a body that was decoded to its end finishes:
 * END when the coding undone last (listed first) has an end marker after
 * which nothing may follow (deflate, br); MORE for gzip and zstd, after
 * whose last member or frame another may still come. */
typedef struct {
    const char *content_encoding;
    int n;
    encoder chain[3];
    netexe_decode_status final;
} roundtrip_case;

static const roundtrip_case roundtrip_cases[] = {
    { "gzip",           1, { ENC_GZIP },            NETEXE_DECODE_MORE },
    { "x-gzip",         1, { ENC_GZIP },            NETEXE_DECODE_MORE },
    { "deflate",        1, { ENC_ZLIB },            NETEXE_DECODE_END },
    { "deflate",        1, { ENC_RAW },             NETEXE_DECODE_END },
    { "br",             1, { ENC_BR },              NETEXE_DECODE_END },
    { "zstd",           1, { ENC_ZSTD },            NETEXE_DECODE_MORE },
    { "gzip, br",       2, { ENC_GZIP, ENC_BR },    NETEXE_DECODE_MORE },
    { "br, gzip",       2, { ENC_BR, ENC_GZIP },    NETEXE_DECODE_END },
    { "deflate, zstd",  2, { ENC_ZLIB, ENC_ZSTD },  NETEXE_DECODE_END },
    { "zstd, deflate",  2, { ENC_ZSTD, ENC_RAW },   NETEXE_DECODE_MORE },
    { "br, zstd, gzip", 3, { ENC_BR, ENC_ZSTD, ENC_GZIP }, NETEXE_DECODE_END },
};

static void roundtrip(int i, size_t in_step, size_t out_step)
{
    const roundtrip_case *c = &roundtrip_cases[i];
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode_chain(c->chain, c->n, payload, plen, &elen);
    netexe_decoder *d = decoder_for(c->content_encoding);

    assert_decodes_to(d, coded, elen, in_step, out_step, payload, plen,
                      c->final);
    netexe_decoder_free(d);
    free(coded);
    free(payload);
}

START_TEST(test_whole_body_in_one_call_decodes_exactly)
{
    roundtrip(_i, UNLIMITED, UNLIMITED);
}
END_TEST

START_TEST(test_body_fed_one_byte_per_call_decodes_exactly)
{
    roundtrip(_i, 1, UNLIMITED);
}
END_TEST

START_TEST(test_one_byte_of_room_per_call_decodes_exactly)
{
    roundtrip(_i, UNLIMITED, 1);
}
END_TEST

START_TEST(test_odd_pieces_and_odd_room_decode_exactly)
{
    roundtrip(_i, ODD_STEP, ODD_STEP - 2);
}
END_TEST

/* The payload split in two: each half coded on its own, the two coded
 * streams sent back to back. */
static void two_part_roundtrip(encoder e, const char *content_encoding,
                               size_t in_step)
{
    size_t plen, alen, blen;
    unsigned char *payload = make_payload(&plen);
    size_t half = plen / 2 + 1;
    unsigned char *a = encode(e, payload, half, &alen);
    unsigned char *b = encode(e, payload + half, plen - half, &blen);
    unsigned char *both = concat(a, alen, b, blen);
    netexe_decoder *d = decoder_for(content_encoding);

    assert_decodes_to(d, both, alen + blen, in_step, UNLIMITED, payload, plen,
                      NETEXE_DECODE_MORE);
    netexe_decoder_free(d);
    free(both);
    free(b);
    free(a);
    free(payload);
}

START_TEST(test_two_gzip_members_decode_as_one_body)
{
    two_part_roundtrip(ENC_GZIP, "gzip", UNLIMITED);
}
END_TEST

START_TEST(test_two_gzip_members_fed_bytewise_decode_as_one_body)
{
    two_part_roundtrip(ENC_GZIP, "gzip", 1);
}
END_TEST

START_TEST(test_two_zstd_frames_decode_as_one_body)
{
    two_part_roundtrip(ENC_ZSTD, "zstd", UNLIMITED);
}
END_TEST

START_TEST(test_two_zstd_frames_fed_bytewise_decode_as_one_body)
{
    two_part_roundtrip(ENC_ZSTD, "zstd", 1);
}
END_TEST

/* A started decoder called again and again without input, as a filter
 * does while another coding, or the body, gives it nothing for a while,
 * loses nothing: libzstd fails a stream after sixteen calls that neither
 * read nor write, and such calls must not reach it. */
#define IDLE_CALLS      1000
#define IDLE_HEAD       64u

START_TEST(test_calls_without_input_lose_nothing)
{
    static const encoder codings[] = { ENC_GZIP, ENC_ZLIB, ENC_BR, ENC_ZSTD };
    static const char *const names[] = { "gzip", "deflate", "br", "zstd" };
    size_t plen, elen, used, got, made = 0, k;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(codings[_i], payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for(names[_i]);
    netexe_decode_status st;

    ck_assert_ptr_nonnull(out);
    ck_assert_uint_gt(elen, IDLE_HEAD);
    st = netexe_decode(d, coded, IDLE_HEAD, &used, out, plen + 1, &got);
    ck_assert_int_eq(st, NETEXE_DECODE_MORE);
    ck_assert_uint_eq(used, IDLE_HEAD);
    made += got;
    for (k = 0; k < IDLE_CALLS; k++) {
        st = netexe_decode(d, coded + IDLE_HEAD, 0, &used, out + made,
                           plen + 1 - made, &got);
        if (st != NETEXE_DECODE_MORE || got != 0) {
            ck_abort_msg("call %zu without input: status %d, %zu bytes (%s)",
                         k, (int)st, got, netexe_decoder_error(d));
        }
    }
    /* A gzip or zstd body may go on with another member or frame: it
     * never ends. */
    assert_decodes_to(d, coded + IDLE_HEAD, elen - IDLE_HEAD, UNLIMITED,
                      UNLIMITED, payload + made, plen - made,
                      codings[_i] == ENC_GZIP || codings[_i] == ENC_ZSTD
                          ? NETEXE_DECODE_MORE : NETEXE_DECODE_END);
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* Bytes after the end of a deflate or brotli stream are not part of the
 * body a client decodes: the decoder ends and reads them all. */
START_TEST(test_bytes_after_stream_end_are_ignored)
{
    static const encoder ends[] = { ENC_ZLIB, ENC_RAW, ENC_BR };
    static const char *const names[] = { "deflate", "deflate", "br" };
    static const unsigned char tail[] = "trailing bytes after the stream";
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ends[_i], payload, plen, &elen);
    unsigned char *with_tail = concat(coded, elen, tail, sizeof tail);
    netexe_decoder *d = decoder_for(names[_i]);

    assert_decodes_to(d, with_tail, elen + sizeof tail, UNLIMITED, UNLIMITED,
                      payload, plen, NETEXE_DECODE_END);
    netexe_decoder_free(d);
    free(with_tail);
    free(coded);
    free(payload);
}
END_TEST

/* A brotli stream with the largest standard window (16 MiB) decodes: the
 * window bits are the stream's first bits (RFC 7932 9.1), 1 then 111 for
 * 24. */
START_TEST(test_brotli_with_16_mib_window_decodes)
{
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = br_encode_lgwin(BROTLI_BIG_LGWIN, payload, plen,
                                           &elen);
    netexe_decoder *d = decoder_for("br");

    ck_assert_uint_eq(coded[0] & 0x0Fu, 0x0Fu);
    assert_decodes_to(d, coded, elen, UNLIMITED, UNLIMITED, payload, plen,
                      NETEXE_DECODE_END);
    netexe_decoder_free(d);
    free(coded);
    free(payload);
}
END_TEST

/* A zstd frame whose header names window_log as its window, the content
 * size left out (streamed), so that the encoder keeps the window asked
 * for whatever the input's size. */
static unsigned char *zstd_encode_window(int window_log, int long_distance,
                                         const unsigned char *in, size_t len,
                                         size_t *out_len)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(len) + ZSTD_CStreamOutSize();
    unsigned char *out = malloc(cap);
    ZSTD_inBuffer zin = { in, len, 0 };
    ZSTD_outBuffer zout = { out, cap, 0 };
    size_t rc;

    ck_assert_ptr_nonnull(cctx);
    ck_assert_ptr_nonnull(out);
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog,
                                                   window_log)));
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(
        cctx, ZSTD_c_enableLongDistanceMatching, long_distance)));
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag,
                                                   1)));
    rc = ZSTD_compressStream2(cctx, &zout, &zin, ZSTD_e_continue);
    ck_assert(!ZSTD_isError(rc));
    ck_assert_uint_eq(zin.pos, len);
    do {
        rc = ZSTD_compressStream2(cctx, &zout, &zin, ZSTD_e_end);
        ck_assert(!ZSTD_isError(rc));
    } while (rc != 0);
    ZSTD_freeCCtx(cctx);
    /* Not single-segment: a Window_Descriptor follows, its exponent
     * window_log - 10 and its mantissa 0 (RFC 8878 3.1.1.1.2). */
    ck_assert_uint_gt(zout.pos, ZSTD_MAGIC_LEN + 1);
    ck_assert_uint_eq(out[ZSTD_MAGIC_LEN] & ZSTD_FHD_SINGLE_SEGMENT, 0);
    ck_assert_uint_eq(out[ZSTD_MAGIC_LEN + 1],
                      (unsigned)(window_log - ZSTD_WINDOW_LOG_ABS_MIN) << 3);
    *out_len = zout.pos;
    return out;
}

/* Browsers take zstd windows up to 8 MiB; the decoder as well. */
START_TEST(test_zstd_with_8_mib_window_decodes)
{
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = zstd_encode_window(NETEXE_DECODE_ZSTD_WINDOW_LOG_MAX,
                                              0, payload, plen, &elen);
    netexe_decoder *d = decoder_for("zstd");

    assert_decodes_to(d, coded, elen, UNLIMITED, UNLIMITED, payload, plen,
                      NETEXE_DECODE_MORE);
    netexe_decoder_free(d);
    free(coded);
    free(payload);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

/* A stream cut short is not an error: the rest may come in a later
 * call.  What was decoded is the payload's start. */
START_TEST(test_truncated_stream_wants_more_and_never_fails)
{
    const roundtrip_case *c = &roundtrip_cases[_i];
    size_t plen, elen, cuts[3], k;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode_chain(c->chain, c->n, payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);

    ck_assert_ptr_nonnull(out);
    /* A single stream misses its last byte; in a stacked body the last
     * bytes may be only the outer coding's trailer, after the inner stream
     * has ended, so the cut is made well inside. */
    cuts[0] = 1;
    cuts[1] = elen / 2;
    cuts[2] = c->n == 1 ? elen - 1 : elen / 4 * 3;
    for (k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        netexe_decoder *d = decoder_for(c->content_encoding);
        drive_result first, rest;
        size_t used = 1, made = 1;
        int again;

        first = drive(d, coded, cuts[k], UNLIMITED, UNLIMITED, out, plen + 1);
        ck_assert_int_eq(first.status, NETEXE_DECODE_MORE);
        ck_assert_uint_eq(first.in_read, cuts[k]);
        ck_assert_uint_le(first.made, plen);
        ck_assert_int_eq(memcmp(out, payload, first.made), 0);
        ck_assert_str_eq(netexe_decoder_error(d), "");
        /* Asked again without input, it still waits. */
        for (again = 0; again < 3; again++) {
            ck_assert_int_eq(netexe_decode(d, coded, 0, &used,
                                           out + first.made,
                                           plen + 1 - first.made, &made),
                             NETEXE_DECODE_MORE);
            ck_assert_uint_eq(used, 0);
            ck_assert_uint_eq(made, 0);
        }
        /* The rest of the stream completes the body. */
        rest = drive(d, coded + cuts[k], elen - cuts[k], UNLIMITED, UNLIMITED,
                     out + first.made, plen + 1 - first.made);
        ck_assert_int_eq(rest.status, c->final);
        ck_assert_uint_eq(first.made + rest.made, plen);
        ck_assert_int_eq(memcmp(out, payload, plen), 0);
        netexe_decoder_free(d);
    }
    free(out);
    free(coded);
    free(payload);
}
END_TEST

typedef enum {
    DAMAGE_FLIP_LAST,       /* flip every bit of the last byte */
    DAMAGE_FLIP_AT,         /* flip every bit of the byte at `at` */
    DAMAGE_SET_AT           /* the byte at `at` becomes `value` */
} damage_kind;

typedef struct {
    const char *what;
    const char *content_encoding;
    encoder enc;
    damage_kind damage;
    size_t at;
    unsigned char value;
    int outer_br;           /* the damaged stream is then brotli-coded */
} corrupt_case;

/* Damage each format detects for certain, whatever the payload.  The
 * gzip trailer is not among them: browsers do not check it (see the gzip
 * cases below). */
static const corrupt_case corrupt_cases[] = {
    { "gzip ID2",          "gzip",    ENC_GZIP, DAMAGE_FLIP_AT,   1, 0, 0 },
    { "gzip CM",           "gzip",    ENC_GZIP, DAMAGE_FLIP_AT,   2, 0, 0 },
    /* BFINAL 1, BTYPE 11 (reserved) in the first block after the header. */
    { "gzip BTYPE",        "gzip",    ENC_GZIP, DAMAGE_SET_AT,
      GZIP_HEADER_LEN, 0x07, 0 },
    { "zlib Adler-32",     "deflate", ENC_ZLIB, DAMAGE_FLIP_LAST, 0, 0, 0 },
    /* BFINAL 1, BTYPE 11: the reserved block type. */
    { "raw deflate BTYPE", "deflate", ENC_RAW,  DAMAGE_SET_AT,    0, 0x07, 0 },
    /* WBITS 1 000 001: the large-window escape, not HTTP's brotli. */
    { "brotli WBITS",      "br",      ENC_BR,   DAMAGE_SET_AT,    0, 0x11, 0 },
    { "zstd magic",        "zstd",    ENC_ZSTD, DAMAGE_FLIP_AT,   0, 0, 0 },
    { "zstd reserved bit", "zstd",    ENC_ZSTD, DAMAGE_FLIP_AT,
      ZSTD_MAGIC_LEN, 0, 0 },
    { "gzip BTYPE under br", "gzip, br", ENC_GZIP, DAMAGE_SET_AT,
      GZIP_HEADER_LEN, 0x07, 1 },
};

static void damage(const corrupt_case *c, unsigned char *p, size_t len)
{
    switch (c->damage) {
    case DAMAGE_FLIP_LAST:
        p[len - 1] ^= 0xFFu;
        break;
    case DAMAGE_FLIP_AT:
        if (c->enc == ENC_ZSTD && c->at == ZSTD_MAGIC_LEN) {
            p[c->at] |= ZSTD_FHD_RESERVED;
        }
        else {
            p[c->at] ^= 0xFFu;
        }
        break;
    case DAMAGE_SET_AT:
        p[c->at] = c->value;
        break;
    }
}

START_TEST(test_corrupt_stream_fails_with_reason)
{
    const corrupt_case *c = &corrupt_cases[_i];
    size_t plen, elen, k;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(c->enc, payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for(c->content_encoding);
    drive_result r;

    ck_assert_ptr_nonnull(out);
    damage(c, coded, elen);
    if (c->outer_br) {
        unsigned char *outer = encode(ENC_BR, coded, elen, &elen);

        free(coded);
        coded = outer;
    }
    r = drive(d, coded, elen, UNLIMITED, UNLIMITED, out, plen + 1);
    ck_assert_msg(r.status == NETEXE_DECODE_ERROR, "%s: status %d", c->what,
                  (int)r.status);
    ck_assert_str_ne(netexe_decoder_error(d), "");
    ck_assert(!netexe_decoder_bound_reached(d));
    ck_assert_int_eq(memcmp(out, payload, r.made < plen ? r.made : plen), 0);
    /* Fed again, in pieces too, it stays failed. */
    for (k = 0; k < 3; k++) {
        size_t used = 1, made = 1;

        ck_assert_int_eq(netexe_decode(d, coded, elen >> k, &used, out,
                                       plen, &made), NETEXE_DECODE_ERROR);
        ck_assert_uint_eq(used, 0);
        ck_assert_uint_eq(made, 0);
        ck_assert_str_ne(netexe_decoder_error(d), "");
    }
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* A valid gzip header, then bytes that are no deflate data. */
START_TEST(test_garbage_after_gzip_header_fails)
{
    static const unsigned char body[] = {
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
        /* BTYPE 11 in the first block header, then noise */
        0xFF, 0xFE, 0xFD, 0xFC, 'n', 'o', 't', ' ', 'd', 'e', 'f', 'l',
        'a', 't', 'e', 0x00, 0x01, 0x02, 0x03, 0x04
    };
    unsigned char out[64];
    size_t used = 0, made = 1;
    netexe_decoder *d = decoder_for("gzip");

    /* The header alone is fine. */
    ck_assert_int_eq(netexe_decode(d, body, GZIP_HEADER_LEN, &used, out,
                                   sizeof out, &made), NETEXE_DECODE_MORE);
    ck_assert_uint_eq(used, GZIP_HEADER_LEN);
    ck_assert_uint_eq(made, 0);
    ck_assert_int_eq(netexe_decode(d, body + GZIP_HEADER_LEN,
                                   sizeof body - GZIP_HEADER_LEN, &used, out,
                                   sizeof out, &made), NETEXE_DECODE_ERROR);
    ck_assert_uint_eq(made, 0);
    ck_assert_str_eq(netexe_decoder_error(d), "corrupt gzip stream");
    netexe_decoder_free(d);
}
END_TEST

/* Bytes after a gzip member that do not start another member end the
 * body: browsers ignore them (Chromium reads one member, Firefox stops at
 * the end of the deflate data). */
START_TEST(test_bytes_after_gzip_member_end_the_body)
{
    static const unsigned char tail[] = "no second gzip member here";
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ENC_GZIP, payload, plen, &elen);
    unsigned char *with_tail = concat(coded, elen, tail, sizeof tail);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for("gzip");
    drive_result r;

    ck_assert_ptr_nonnull(out);
    r = drive(d, with_tail, elen + sizeof tail, _i ? 1 : UNLIMITED, UNLIMITED,
              out, plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_END);
    ck_assert_uint_eq(r.made, plen);
    ck_assert_int_eq(memcmp(out, payload, plen), 0);
    ck_assert_str_eq(netexe_decoder_error(d), "");
    netexe_decoder_free(d);
    free(out);
    free(with_tail);
    free(coded);
    free(payload);
}
END_TEST

/* A zstd window of 128 MiB is refused from the frame header on, with
 * long-distance matching (whose window it is) or without. */
START_TEST(test_zstd_window_above_8_mib_fails)
{
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = zstd_encode_window(ZSTD_TOO_BIG_WINDOW_LOG, _i,
                                              payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for("zstd");
    size_t before = netexe_decoder_memory(d);
    drive_result r;

    ck_assert_ptr_nonnull(out);
    r = drive(d, coded, elen, UNLIMITED, UNLIMITED, out, plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_ERROR);
    ck_assert_uint_eq(r.made, 0);
    ck_assert_str_eq(netexe_decoder_error(d),
                     "corrupt or unsupported zstd stream");
    ck_assert_uint_eq(netexe_decoder_memory(d), before);
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* A frame of zstd's older format 0.7 (magic 0xFD2FB527), which libzstd
 * reads when given its whole magic number and refuses when given one
 * byte: browsers read only RFC 8878 frames, and so does the decoder,
 * however the bytes come; also after a frame that was read. */
static const unsigned char zstd_v07_frame_start[] = {
    0x27, 0xB5, 0x2F, 0xFD, 0x60, 0x07, 0xFC, 0x00, 0x20, 0xF1, 0x00, 0x00
};

START_TEST(test_zstd_older_format_is_refused)
{
    size_t plen, elen, lead = _i / 2 ? 0 : 1, len;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ENC_ZSTD, payload, plen, &elen);
    unsigned char *body, *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for("zstd");
    drive_result r;

    ck_assert_ptr_nonnull(out);
    /* Cases 0, 1: the old frame alone; 2, 3: after a frame. */
    if (lead) {
        body = malloc(sizeof zstd_v07_frame_start);
        ck_assert_ptr_nonnull(body);
        memcpy(body, zstd_v07_frame_start, sizeof zstd_v07_frame_start);
        len = sizeof zstd_v07_frame_start;
    }
    else {
        body = concat(coded, elen, zstd_v07_frame_start,
                      sizeof zstd_v07_frame_start);
        len = elen + sizeof zstd_v07_frame_start;
    }
    r = drive(d, body, len, _i % 2 ? 1 : UNLIMITED, UNLIMITED, out, plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_ERROR);
    ck_assert_uint_eq(r.made, lead ? 0 : plen);
    ck_assert_str_eq(netexe_decoder_error(d),
                     "corrupt or unsupported zstd stream");
    netexe_decoder_free(d);
    free(body);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* A first byte of the magic number, then, in the next call, an older
 * format's whole magic number: libzstd would forget the first byte and
 * read the older frame.  Refused as when it comes in one piece. */
START_TEST(test_zstd_older_magic_after_a_first_byte_is_refused)
{
    unsigned char body[1 + sizeof zstd_v07_frame_start], out[64];
    netexe_decoder *d = decoder_for("zstd");
    size_t used, made;

    body[0] = 0x28;
    memcpy(body + 1, zstd_v07_frame_start, sizeof zstd_v07_frame_start);
    ck_assert_int_eq(netexe_decode(d, body, 1, &used, out, sizeof out, &made),
                     NETEXE_DECODE_MORE);
    ck_assert_uint_eq(used, 1);
    ck_assert_int_eq(netexe_decode(d, body + 1, sizeof body - 1, &used, out,
                                   sizeof out, &made),
                     NETEXE_DECODE_ERROR);
    ck_assert_uint_eq(made, 0);
    ck_assert_str_eq(netexe_decoder_error(d),
                     "corrupt or unsupported zstd stream");
    netexe_decoder_free(d);
}
END_TEST

START_TEST(test_end_is_final)
{
    static const unsigned char more[] = "more bytes";
    size_t plen, elen, k;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ENC_BR, payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for("br");
    drive_result r;

    ck_assert_ptr_nonnull(out);
    r = drive(d, coded, elen, UNLIMITED, UNLIMITED, out, plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_END);
    for (k = 0; k < 3; k++) {
        size_t used = 1, made = 1;

        ck_assert_int_eq(netexe_decode(d, more, sizeof more, &used, out,
                                       plen, &made), NETEXE_DECODE_END);
        ck_assert_uint_eq(used, 0);
        ck_assert_uint_eq(made, 0);
        ck_assert_str_eq(netexe_decoder_error(d), "");
    }
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* ---- gzip as browsers read it ----------------------------------------- */

/* gzip member fields (RFC 1952 section 2.3). */
#define GZIP_FTEXT          0x01u
#define GZIP_FHCRC          0x02u
#define GZIP_FEXTRA         0x04u
#define GZIP_FNAME          0x08u
#define GZIP_FCOMMENT       0x10u
#define GZIP_RESERVED       0xE0u
#define GZIP_XLEN_LEN       2u
#define GZIP_TRAILER_LEN    8u
#define GZIP_XLEN_MAX       0xFFFFu

/* A member as a server may send it: which fields FLG announces (reserved
 * bits too), their sizes, and whether the header CRC and the trailer are
 * right. */
typedef struct {
    const char *what;
    unsigned int flg;
    size_t extra_len;       /* XLEN, with FEXTRA */
    size_t name_len;        /* FNAME bytes before its NUL */
    size_t comment_len;     /* FCOMMENT bytes before its NUL */
    int bad_hcrc;           /* FHCRC: a header CRC that does not match */
    int bad_trailer;        /* CRC-32 and ISIZE that do not match */
} gzip_member_spec;

static void put_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
    p[2] = (unsigned char)((v >> 16) & 0xFFu);
    p[3] = (unsigned char)(v >> 24);
}

/* One member of data[0 .. len-1] built field by field, the data deflated
 * raw by zlib. */
static unsigned char *gzip_member(const gzip_member_spec *m,
                                  const unsigned char *data, size_t len,
                                  size_t *out_len)
{
    size_t raw_len, cap, n = 0;
    unsigned char *raw = zlib_encode(ZLIB_WBITS_RAW, data, len, &raw_len);
    unsigned char *p;

    cap = GZIP_HEADER_LEN + GZIP_XLEN_LEN + m->extra_len + m->name_len + 1
          + m->comment_len + 1 + 2 + raw_len + GZIP_TRAILER_LEN;
    p = malloc(cap);
    ck_assert_ptr_nonnull(p);
    p[n++] = 0x1F;
    p[n++] = 0x8B;
    p[n++] = 0x08;
    p[n++] = (unsigned char)m->flg;
    put_u32le(p + n, 0x5F5E0F00u);      /* MTIME */
    n += 4;
    p[n++] = 0x00;                      /* XFL */
    p[n++] = 0x03;                      /* OS: Unix */
    if (m->flg & GZIP_FEXTRA) {
        ck_assert_uint_le(m->extra_len, GZIP_XLEN_MAX);
        p[n++] = (unsigned char)(m->extra_len & 0xFFu);
        p[n++] = (unsigned char)(m->extra_len >> 8);
        /* Subfield-like bytes, NULs among them: FEXTRA is counted, not
         * ended by a NUL. */
        fill_random(p + n, m->extra_len, PAYLOAD_SEED + 1);
        n += m->extra_len;
    }
    if (m->flg & GZIP_FNAME) {
        memset(p + n, 'n', m->name_len);
        n += m->name_len;
        p[n++] = 0x00;
    }
    if (m->flg & GZIP_FCOMMENT) {
        memset(p + n, 'c', m->comment_len);
        n += m->comment_len;
        p[n++] = 0x00;
    }
    if (m->flg & GZIP_FHCRC) {
        uint32_t crc = (uint32_t)crc32(0L, p, (uInt)n);

        if (m->bad_hcrc) {
            crc = ~crc;
        }
        p[n++] = (unsigned char)(crc & 0xFFu);
        p[n++] = (unsigned char)((crc >> 8) & 0xFFu);
    }
    memcpy(p + n, raw, raw_len);
    n += raw_len;
    put_u32le(p + n, (uint32_t)crc32(0L, data, (uInt)len)
                     ^ (m->bad_trailer ? 0xFFFFFFFFu : 0u));
    put_u32le(p + n + 4, (uint32_t)len ^ (m->bad_trailer ? 0xFFFFFFFFu : 0u));
    n += GZIP_TRAILER_LEN;
    free(raw);
    *out_len = n;
    return p;
}

/* zlib refuses the reserved FLG bits and a wrong header CRC; Chromium
 * masks the bits off and skips the CRC, so the decoder does too.  The
 * optional fields are skipped whole, FEXTRA by its length (NULs in it),
 * FNAME and FCOMMENT up to their NUL. */
static const gzip_member_spec header_cases[] = {
    { "no optional field", 0, 0, 0, 0, 0, 0 },
    { "FTEXT", GZIP_FTEXT, 0, 0, 0, 0, 0 },
    { "reserved bit 5", 0x20u, 0, 0, 0, 0, 0 },
    { "reserved bit 6", 0x40u, 0, 0, 0, 0, 0 },
    { "reserved bit 7", 0x80u, 0, 0, 0, 0, 0 },
    { "every reserved bit", GZIP_RESERVED, 0, 0, 0, 0, 0 },
    { "FHCRC right", GZIP_FHCRC, 0, 0, 0, 0, 0 },
    { "FHCRC wrong", GZIP_FHCRC, 0, 0, 0, 1, 0 },
    { "FEXTRA empty", GZIP_FEXTRA, 0, 0, 0, 0, 0 },
    { "FEXTRA", GZIP_FEXTRA, 300, 0, 0, 0, 0 },
    { "FNAME", GZIP_FNAME, 0, 12, 0, 0, 0 },
    { "FNAME empty", GZIP_FNAME, 0, 0, 0, 0, 0 },
    { "FCOMMENT", GZIP_FCOMMENT, 0, 0, 40, 0, 0 },
    { "every field, FHCRC wrong, reserved bits",
      GZIP_FTEXT | GZIP_FHCRC | GZIP_FEXTRA | GZIP_FNAME | GZIP_FCOMMENT
      | GZIP_RESERVED, 77, 300, 5000, 1, 0 },
    { "FNAME and FHCRC right", GZIP_FNAME | GZIP_FHCRC, 0, 9, 0, 0, 0 },
};

/* Each case in one call and one byte per call (_i / 2, _i % 2). */
START_TEST(test_gzip_header_is_read_as_browsers_read_it)
{
    const gzip_member_spec *m = &header_cases[_i / 2];
    size_t plen, glen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *gz = gzip_member(m, payload, plen, &glen);
    netexe_decoder *d = decoder_for("gzip");

    assert_decodes_to(d, gz, glen, _i % 2 ? 1 : UNLIMITED, UNLIMITED, payload,
                      plen, NETEXE_DECODE_MORE);
    ck_assert_str_eq(netexe_decoder_error(d), "");
    netexe_decoder_free(d);
    free(gz);
    free(payload);
}
END_TEST

/* FEXTRA (with XLEN), FNAME and FCOMMENT (with their NULs) together may
 * hold NETEXE_DECODE_GZIP_HEADER_MAX bytes; one more is an error of the
 * decoder's bound, before any output. */
#define GZIP_FIELDS_MAX     ((size_t)NETEXE_DECODE_GZIP_HEADER_MAX)
#define GZIP_EXTRA_FULL     (GZIP_XLEN_LEN + GZIP_XLEN_MAX)

typedef struct {
    gzip_member_spec m;
    int over;
} bound_case;

static const bound_case bound_cases[] = {
    { { "FNAME at the bound", GZIP_FNAME, 0, GZIP_FIELDS_MAX - 1, 0, 0, 0 },
      0 },
    { { "FNAME over", GZIP_FNAME, 0, GZIP_FIELDS_MAX, 0, 0, 0 }, 1 },
    { { "FCOMMENT at the bound", GZIP_FCOMMENT, 0, 0, GZIP_FIELDS_MAX - 1, 0,
        0 }, 0 },
    { { "FCOMMENT over", GZIP_FCOMMENT, 0, 0, GZIP_FIELDS_MAX, 0, 0 }, 1 },
    { { "largest FEXTRA, FNAME at the bound", GZIP_FEXTRA | GZIP_FNAME,
        GZIP_XLEN_MAX, GZIP_FIELDS_MAX - GZIP_EXTRA_FULL - 1, 0, 0, 0 }, 0 },
    { { "largest FEXTRA, FNAME over", GZIP_FEXTRA | GZIP_FNAME,
        GZIP_XLEN_MAX, GZIP_FIELDS_MAX - GZIP_EXTRA_FULL, 0, 0, 0 }, 1 },
    { { "FEXTRA, FNAME and FCOMMENT over",
        GZIP_FEXTRA | GZIP_FNAME | GZIP_FCOMMENT, 1000, GZIP_FIELDS_MAX / 2,
        GZIP_FIELDS_MAX / 2, 0, 0 }, 1 },
};

/* Each case in one call and one byte per call (_i / 2, _i % 2). */
START_TEST(test_gzip_header_fields_are_bounded)
{
    const bound_case *c = &bound_cases[_i / 2];
    size_t plen, glen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *gz = gzip_member(&c->m, payload, plen, &glen);
    netexe_decoder *d = decoder_for("gzip");

    if (!c->over) {
        assert_decodes_to(d, gz, glen, _i % 2 ? 1 : UNLIMITED, UNLIMITED,
                          payload, plen, NETEXE_DECODE_MORE);
    }
    else {
        unsigned char out[64];
        drive_result r = drive(d, gz, glen, _i % 2 ? 1 : UNLIMITED, UNLIMITED,
                               out, sizeof out);

        ck_assert_msg(r.status == NETEXE_DECODE_ERROR, "%s: status %d",
                      c->m.what, (int)r.status);
        ck_assert_uint_eq(r.made, 0);
        ck_assert_uint_le(r.in_read, GZIP_HEADER_LEN + GZIP_FIELDS_MAX);
        ck_assert_str_eq(netexe_decoder_error(d), "gzip header over its bound");
        ck_assert(netexe_decoder_bound_reached(d));
    }
    netexe_decoder_free(d);
    free(gz);
    free(payload);
}
END_TEST

/* Browsers check neither CRC-32 nor ISIZE: a wrong trailer is no error,
 * in the last member or between two. */
START_TEST(test_gzip_trailer_is_not_checked)
{
    static const gzip_member_spec bad = { "bad trailer", 0, 0, 0, 0, 0, 1 };
    size_t plen, alen, blen;
    unsigned char *payload = make_payload(&plen);
    size_t half = plen / 3;
    unsigned char *a = gzip_member(&bad, payload, half, &alen);
    unsigned char *b = gzip_member(&bad, payload + half, plen - half, &blen);
    unsigned char *both = concat(a, alen, b, blen);
    netexe_decoder *d = decoder_for("gzip");

    assert_decodes_to(d, both, alen + blen, _i ? 1 : UNLIMITED, UNLIMITED,
                      payload, plen, NETEXE_DECODE_MORE);
    ck_assert_str_eq(netexe_decoder_error(d), "");
    netexe_decoder_free(d);
    free(both);
    free(b);
    free(a);
    free(payload);
}
END_TEST

/* Members of every kind back to back, an empty one among them, are one
 * body. */
START_TEST(test_gzip_members_with_header_fields_decode_as_one_body)
{
    static const gzip_member_spec kinds[] = {
        { "name, comment, reserved bits",
          GZIP_FNAME | GZIP_FCOMMENT | GZIP_RESERVED, 0, 20, 30, 0, 0 },
        { "empty, extra", GZIP_FEXTRA, 10, 0, 0, 0, 0 },
        { "wrong header CRC, bad trailer", GZIP_FHCRC, 0, 0, 0, 1, 1 },
        { "plain", 0, 0, 0, 0, 0, 0 },
    };
    size_t plen, len = 0, at = 0, i;
    unsigned char *payload = make_payload(&plen);
    unsigned char *body = NULL;
    netexe_decoder *d = decoder_for("x-gzip");

    for (i = 0; i < N_CASES(kinds); i++) {
        size_t part = i == 1 ? 0 : i + 1 == N_CASES(kinds) ? plen - at
                                                           : plen / 4;
        size_t mlen;
        unsigned char *m = gzip_member(&kinds[i], payload + at, part, &mlen);
        unsigned char *more = concat(body ? body : m, body ? len : 0, m, mlen);

        free(body);
        free(m);
        body = more;
        len += mlen;
        at += part;
    }
    assert_decodes_to(d, body, len, _i ? 1 : UNLIMITED, UNLIMITED, payload,
                      plen, NETEXE_DECODE_MORE);
    netexe_decoder_free(d);
    free(body);
    free(payload);
}
END_TEST

/* After a member, bytes that start like one but are not (a CM other than
 * 8, a second byte other than 8B) end the body; one that has only begun
 * is waited for. */
START_TEST(test_gzip_bytes_like_a_member_after_one)
{
    static const unsigned char not_cm[] = { 0x1F, 0x8B, 0x07, 0x00 };
    static const unsigned char not_id2[] = { 0x1F, 0x8C };
    static const unsigned char begun[] = { 0x1F, 0x8B };
    static const struct {
        const unsigned char *tail;
        size_t len;
        netexe_decode_status want;
    } tails[] = {
        { not_cm, sizeof not_cm, NETEXE_DECODE_END },
        { not_id2, sizeof not_id2, NETEXE_DECODE_END },
        { begun, sizeof begun, NETEXE_DECODE_MORE },
    };
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ENC_GZIP, payload, plen, &elen);
    unsigned char *body = concat(coded, elen, tails[_i].tail, tails[_i].len);
    netexe_decoder *d = decoder_for("gzip");

    assert_decodes_to(d, body, elen + tails[_i].len, UNLIMITED, UNLIMITED,
                      payload, plen, tails[_i].want);
    ck_assert_str_eq(netexe_decoder_error(d), "");
    netexe_decoder_free(d);
    free(body);
    free(coded);
    free(payload);
}
END_TEST

/* ---- deflate: zlib or raw --------------------------------------------- */

#define STORED_LEN_MAX      0xFFFFu
#define STORED_HEAD_LEN     5u          /* header byte, LEN, NLEN */
#define ZLIB_CMF            0x78u       /* CM 8, CINFO 7 */
#define ZLIB_ADLER_LEN      4u

/* data[0 .. len-1] as stored deflate blocks (RFC 1951 3.2.4) at p: the
 * first of first_len bytes, with first_head as its header byte (its low
 * three bits 0: not final, stored; the rest padding, which a reader
 * skips), the others as long as they may be; the last one final.
 * Returns the bytes written; p == NULL only counts them. */
/* One stored block of k bytes at p (NULL: only counted); its size. */
static size_t stored_block(unsigned char *p, unsigned int head,
                           const unsigned char *data, size_t k)
{
    if (p) {
        p[0] = (unsigned char)head;
        p[1] = (unsigned char)(k & 0xFFu);
        p[2] = (unsigned char)(k >> 8);
        p[3] = (unsigned char)(~k & 0xFFu);
        p[4] = (unsigned char)((~k >> 8) & 0xFFu);
        memcpy(p + STORED_HEAD_LEN, data, k);
    }
    return STORED_HEAD_LEN + k;
}

static size_t stored_blocks(unsigned char *p, unsigned int first_head,
                            const unsigned char *data, size_t len,
                            size_t first_len)
{
    size_t n = 0, at = 0;
    int first = 1;

    ck_assert_uint_le(first_len, STORED_LEN_MAX);
    ck_assert_uint_lt(first_len, len);
    while (at < len || first) {
        size_t k = first ? first_len
                         : (len - at > STORED_LEN_MAX ? STORED_LEN_MAX
                                                      : len - at);
        int final = !first && at + k == len;

        n += stored_block(p ? p + n : NULL,
                          first ? first_head : (final ? 0x01u : 0x00u),
                          data + at, k);
        at += k;
        first = 0;
    }
    return n;
}

/* The same inside a stacked coding: the outer gzip stream's empty stored
 * blocks decode to nothing, call after call, while the inner zstd stage
 * has started. */
START_TEST(test_inner_coding_waiting_on_empty_blocks_loses_nothing)
{
    size_t plen, zlen, glen = 0, i;
    unsigned char *payload = make_payload(&plen);
    unsigned char *z = zstd_encode(payload, plen, &zlen);
    unsigned char *g;
    netexe_decoder *d = decoder_for("zstd, gzip");
    static const unsigned char head[10] = { 0x1F, 0x8B, 0x08 };

    ck_assert_uint_gt(zlen, IDLE_HEAD);
    g = malloc(sizeof head + STORED_HEAD_LEN * (IDLE_CALLS + 1) + IDLE_HEAD
               + stored_blocks(NULL, 0, z + IDLE_HEAD, zlen - IDLE_HEAD, 0)
               + 8);
    ck_assert_ptr_nonnull(g);
    memcpy(g, head, sizeof head);
    glen = sizeof head;
    glen += stored_block(g + glen, 0, z, IDLE_HEAD);
    for (i = 0; i < IDLE_CALLS; i++) {
        glen += stored_block(g + glen, 0, z, 0);
    }
    glen += stored_blocks(g + glen, 0, z + IDLE_HEAD, zlen - IDLE_HEAD, 0);
    memset(g + glen, 0, 8);     /* the trailer is not checked */
    glen += 8;
    assert_decodes_to(d, g, glen, 1, UNLIMITED, payload, plen,
                      NETEXE_DECODE_MORE);
    netexe_decoder_free(d);
    free(g);
    free(z);
    free(payload);
}
END_TEST


/* Raw deflate whose first two bytes also make a zlib header: 0x78, then
 * the low byte of the first block's LEN as FLG. */
static unsigned char *raw_like_zlib(const unsigned char *data, size_t len,
                                    size_t first_len, size_t *out_len)
{
    size_t n = stored_blocks(NULL, ZLIB_CMF, data, len, first_len);
    unsigned char *p = malloc(n);

    ck_assert_ptr_nonnull(p);
    stored_blocks(p, ZLIB_CMF, data, len, first_len);
    ck_assert_int_eq(((p[0] << 8) | p[1]) % 31, 0);
    *out_len = n;
    return p;
}

/* How the zlib reading of body goes, as zlib itself reads it. */
static int zlib_reading(const unsigned char *body, size_t len, size_t *read,
                        size_t *made)
{
    z_stream z;
    unsigned char *out = malloc(4 * MIB);
    int rc;

    ck_assert_ptr_nonnull(out);
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(inflateInit(&z), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)body;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = 4 * MIB;
    rc = inflate(&z, Z_NO_FLUSH);
    *read = z.total_in;
    *made = z.total_out;
    inflateEnd(&z);
    free(out);
    return rc;
}

/* The first block's LEN (FLG 0x01) for which the zlib reading writes
 * bytes before it fails: its high byte starts a fixed or dynamic Huffman
 * block (BTYPE 01 or 10) in the zlib reading. */
static size_t len_for_output_then_failure(const unsigned char *data,
                                          size_t len)
{
    unsigned int high;

    for (high = 0; high < 256; high++) {
        size_t first_len = 0x01u | (size_t)high << 8, blen, read, made;
        unsigned char *body;
        int rc;

        if ((high & 0x06u) != 0x02u && (high & 0x06u) != 0x04u) {
            continue;
        }
        body = raw_like_zlib(data, len, first_len, &blen);
        rc = zlib_reading(body, blen, &read, &made);
        free(body);
        if (rc == Z_DATA_ERROR && made > 0
            && read < NETEXE_DECODE_DEFLATE_PROBE_MAX) {
            return first_len;
        }
    }
    ck_abort_msg("no LEN makes the zlib reading write before it fails");
    return 0;
}

typedef struct {
    const char *what;
    size_t first_len;       /* 0: found by len_for_output_then_failure */
} raw_like_case;

/* As zlib data, 0x78 0x01 then a block of the reserved type (0x06: BTYPE
 * 11), which fails before any output; 0x78 0xBB is a header with FDICT,
 * which zlib cannot read without the dictionary (Z_NEED_DICT); and a
 * Huffman block that writes bytes and then fails.  Chromium reads each
 * body on as raw deflate, so does the decoder. */
static const raw_like_case raw_like_cases[] = {
    { "zlib reading fails at once", 0x0601u },
    { "zlib reading needs a dictionary", 0x02BBu },
    { "zlib reading writes, then fails", 0 },
};

/* Each case in one call, one byte per call and odd pieces (_i / 3). */
START_TEST(test_raw_deflate_that_reads_as_zlib_decodes_raw)
{
    const raw_like_case *c = &raw_like_cases[_i / 3];
    static const size_t steps[] = { UNLIMITED, 1, ODD_STEP };
    size_t plen, blen, first_len, read, made;
    unsigned char *payload = make_payload(&plen);
    unsigned char *body;
    netexe_decoder *d = decoder_for("deflate");

    first_len = c->first_len ? c->first_len
                             : len_for_output_then_failure(payload, plen);
    body = raw_like_zlib(payload, plen, first_len, &blen);
    ck_assert_int_ne(zlib_reading(body, blen, &read, &made), Z_STREAM_END);
    assert_decodes_to(d, body, blen, steps[_i % 3], UNLIMITED, payload, plen,
                      NETEXE_DECODE_END);
    netexe_decoder_free(d);
    free(body);
    free(payload);
}
END_TEST

/* zlib data that also reads as the start of a raw stored block: after
 * "78 01", a stored block (0x00) of LEN 0xFFFE, NLEN 0x0001, which read
 * raw is a block of LEN 0x0001 whose NLEN 0xFFFE agrees.  The zlib
 * reading holds, so it is chosen, once the probe bound is read: nothing
 * comes out before. */
START_TEST(test_zlib_that_also_reads_as_raw_is_zlib)
{
    size_t plen, n, blen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *body, *out = malloc(plen + 1);
    size_t used = 0, made = 1;
    uLong adler = adler32(adler32(0L, Z_NULL, 0), payload, (uInt)plen);
    netexe_decoder *d = decoder_for("deflate");
    drive_result r;

    ck_assert_ptr_nonnull(out);
    n = stored_blocks(NULL, 0x00, payload, plen, STORED_LEN_MAX - 1);
    blen = 2 + n + ZLIB_ADLER_LEN;
    body = malloc(blen);
    ck_assert_ptr_nonnull(body);
    body[0] = ZLIB_CMF;
    body[1] = 0x01;
    stored_blocks(body + 2, 0x00, payload, plen, STORED_LEN_MAX - 1);
    body[blen - 4] = (unsigned char)(adler >> 24);
    body[blen - 3] = (unsigned char)((adler >> 16) & 0xFFu);
    body[blen - 2] = (unsigned char)((adler >> 8) & 0xFFu);
    body[blen - 1] = (unsigned char)(adler & 0xFFu);
    ck_assert_uint_eq((body[1] | body[2] << 8) ^ 0xFFFFu,
                      (unsigned)(body[3] | body[4] << 8));
    ck_assert_int_eq(zlib_reading(body, blen, &used, &made), Z_STREAM_END);

    ck_assert_int_eq(netexe_decode(d, body, NETEXE_DECODE_DEFLATE_PROBE_MAX - 1,
                                   &used, out, plen + 1, &made),
                     NETEXE_DECODE_MORE);
    ck_assert_uint_eq(used, NETEXE_DECODE_DEFLATE_PROBE_MAX - 1);
    ck_assert_uint_eq(made, 0);
    r = drive(d, body + used, blen - used, _i ? 1 : UNLIMITED, UNLIMITED, out,
              plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_END);
    ck_assert_uint_eq(r.made, plen);
    ck_assert_int_eq(memcmp(out, payload, plen), 0);
    netexe_decoder_free(d);
    free(body);
    free(out);
    free(payload);
}
END_TEST

/* A short zlib body that also reads as raw: after "78 DA", a final stored
 * block (0xF9) of LEN 0x0625, which read raw is a block of LEN 0xF9DA with
 * an agreeing NLEN, longer than the body.  The zlib reading ends within
 * the probe bound: it is chosen then, and its bytes come out. */
#define SHORT_ZLIB_FLG      0xDAu
#define SHORT_ZLIB_BLOCK    0xF9u       /* BFINAL 1, BTYPE 00, padding */
#define SHORT_ZLIB_LEN      0x0625u     /* ~0xF9DA */

START_TEST(test_short_zlib_that_also_reads_as_raw_is_zlib_at_its_end)
{
    size_t plen, blen = 2 + STORED_HEAD_LEN + SHORT_ZLIB_LEN + ZLIB_ADLER_LEN;
    unsigned char *payload = make_payload(&plen);
    unsigned char *body = malloc(blen), out[SHORT_ZLIB_LEN + 1];
    size_t used = 0, made = 1, k;
    uLong adler = adler32(adler32(0L, Z_NULL, 0), payload, SHORT_ZLIB_LEN);
    netexe_decoder *d = decoder_for("deflate");

    ck_assert_ptr_nonnull(body);
    body[0] = ZLIB_CMF;
    body[1] = SHORT_ZLIB_FLG;
    body[2] = SHORT_ZLIB_BLOCK;
    body[3] = (unsigned char)(SHORT_ZLIB_LEN & 0xFFu);
    body[4] = (unsigned char)(SHORT_ZLIB_LEN >> 8);
    body[5] = (unsigned char)(~SHORT_ZLIB_LEN & 0xFFu);
    body[6] = (unsigned char)((~SHORT_ZLIB_LEN >> 8) & 0xFFu);
    memcpy(body + 7, payload, SHORT_ZLIB_LEN);
    for (k = 0; k < ZLIB_ADLER_LEN; k++) {
        body[blen - 1 - k] = (unsigned char)((adler >> (8 * k)) & 0xFFu);
    }
    ck_assert_uint_eq((body[1] | body[2] << 8) ^ 0xFFFFu,
                      (unsigned)(body[3] | body[4] << 8));
    ck_assert_int_eq(zlib_reading(body, blen, &used, &made), Z_STREAM_END);
    ck_assert_uint_eq(made, SHORT_ZLIB_LEN);

    /* All but the Adler-32: nothing comes out yet. */
    ck_assert_int_eq(netexe_decode(d, body, blen - ZLIB_ADLER_LEN, &used, out,
                                   sizeof out, &made), NETEXE_DECODE_MORE);
    ck_assert_uint_eq(made, 0);
    ck_assert_int_eq(netexe_decode(d, body + used, blen - used, &used, out,
                                   sizeof out, &made), NETEXE_DECODE_END);
    ck_assert_uint_eq(made, SHORT_ZLIB_LEN);
    ck_assert_int_eq(memcmp(out, payload, SHORT_ZLIB_LEN), 0);
    netexe_decoder_free(d);
    free(body);
    free(payload);
}
END_TEST

/* zlib as servers send it cannot be read raw (its NLEN does not agree),
 * so it is read at once: the first bytes already decode. */
START_TEST(test_zlib_is_read_at_once)
{
    size_t plen, elen, used, made;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ENC_ZLIB, payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for("deflate");

    ck_assert_ptr_nonnull(out);
    ck_assert_uint_ne((coded[1] | coded[2] << 8) ^ 0xFFFFu,
                      (unsigned)(coded[3] | coded[4] << 8));
    ck_assert_int_eq(netexe_decode(d, coded, 512, &used, out, plen + 1, &made),
                     NETEXE_DECODE_MORE);
    ck_assert_uint_gt(made, 0);
    ck_assert_int_eq(memcmp(out, payload, made), 0);
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* ---- stacked codings and the work bound ------------------------------- */

#define STACK_MAX           NETEXE_DECODE_MAX_CODINGS

/* Firefox undoes 16 codings: gzip sixteen times over decodes. */
START_TEST(test_sixteen_stacked_gzip_codings_decode)
{
    static const encoder gz16[STACK_MAX] = {
        ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP,
        ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP, ENC_GZIP,
        ENC_GZIP, ENC_GZIP
    };
    size_t plen, elen;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode_chain(gz16, STACK_MAX, payload, plen, &elen);
    netexe_decoder *d = decoder_for("gzip, gzip, gzip, gzip, gzip, gzip, "
                                    "gzip, gzip, gzip, gzip, gzip, gzip, "
                                    "gzip, gzip, gzip, gzip");

    assert_decodes_to(d, coded, elen, _i ? ODD_STEP : UNLIMITED, UNLIMITED,
                      payload, plen, NETEXE_DECODE_MORE);
    netexe_decoder_free(d);
    free(coded);
    free(payload);
}
END_TEST

/* A gzip member of unit repeated times times, deflated by zlib. */
static unsigned char *gzip_repeated(const unsigned char *unit, size_t unit_len,
                                    size_t times, size_t *out_len)
{
    z_stream z;
    size_t total = unit_len * times, cap, i;
    unsigned char *out;

    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED,
                                  ZLIB_WBITS_GZIP, ZLIB_MEM_LEVEL,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    /* Room for anything up to 16 MiB; above, for runs (deflate packs
     * them some 1000 to 1). */
    cap = total <= 16 * MIB ? deflateBound(&z, (uLong)total)
                            : total / 256 + 64 * KIB;
    out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    for (i = 0; i < times; i++) {
        z.next_in = (Bytef *)(uintptr_t)unit;
        z.avail_in = (uInt)unit_len;
        ck_assert_int_eq(deflate(&z, i + 1 == times ? Z_FINISH : Z_NO_FLUSH),
                         i + 1 == times ? Z_STREAM_END : Z_OK);
        ck_assert_uint_eq(z.avail_in, 0);
    }
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

/* The shape of a nested gzip bomb: the innermost coding is gzip members
 * that carry nothing but a file name (under the header bound), which the
 * innermost stage skips; the three codings around them make these names
 * out of a few kilobytes.  The stages stop when they have written
 * NETEXE_DECODE_WORK_MAX bytes, each call after NETEXE_DECODE_CALL_WORK. */
#define BOMB_NAME_LEN       (60u * KIB)
#define BOMB_MEMBERS        (NETEXE_DECODE_WORK_MAX / BOMB_NAME_LEN + 64u)

START_TEST(test_nested_gzip_bomb_stops_at_the_work_bound)
{
    static const gzip_member_spec named = {
        "name only", GZIP_FNAME, 0, BOMB_NAME_LEN, 0, 0, 0
    };
    size_t mlen, l1, l2, l3, calls = 0, pos = 0;
    unsigned char *member = gzip_member(&named, NULL, 0, &mlen);
    unsigned char *c1 = gzip_repeated(member, mlen, BOMB_MEMBERS, &l1);
    unsigned char *c2 = gzip_repeated(c1, l1, 1, &l2);
    unsigned char *c3 = gzip_repeated(c2, l2, 1, &l3);
    unsigned char out[64];
    netexe_decoder *d = decoder_for("gzip, gzip, gzip, gzip");
    netexe_decode_status st;

    ck_assert_uint_gt((uint64_t)mlen * BOMB_MEMBERS, NETEXE_DECODE_WORK_MAX);
    ck_assert_uint_lt(l3, 64 * KIB);
    do {
        size_t used, made;

        st = netexe_decode(d, c3 + pos, l3 - pos, &used, out, sizeof out,
                           &made);
        pos += used;
        ck_assert_uint_eq(made, 0);
        calls++;
    } while (st == NETEXE_DECODE_AGAIN);
    ck_assert_int_eq(st, NETEXE_DECODE_ERROR);
    ck_assert_str_eq(netexe_decoder_error(d), "decoding work bound reached");
    ck_assert(netexe_decoder_bound_reached(d));
    ck_assert_uint_le(calls, NETEXE_DECODE_WORK_MAX / NETEXE_DECODE_CALL_WORK
                             + 1);
    ck_assert_uint_ge(calls, NETEXE_DECODE_WORK_MAX / NETEXE_DECODE_CALL_WORK);
    netexe_decoder_free(d);
    free(c3);
    free(c2);
    free(c1);
    free(member);
}
END_TEST

/* One call writes at most NETEXE_DECODE_CALL_WORK bytes: 200 MB of zeros
 * come out into a 4 MiB buffer a call's work at a time. */
#define CALL_OUT            (4u * MIB)

START_TEST(test_one_call_writes_a_bounded_amount)
{
    unsigned char *zeros = calloc(1, BOMB_CHUNK);
    unsigned char *out = malloc(CALL_OUT);
    size_t coded_len, used, made, pos = 0, got = 0, calls = 0;
    unsigned char *coded;
    netexe_decoder *d = decoder_for("gzip");
    netexe_decode_status st;

    ck_assert_ptr_nonnull(zeros);
    ck_assert_ptr_nonnull(out);
    coded = gzip_repeated(zeros, BOMB_CHUNK, BOMB_SIZE / BOMB_CHUNK,
                          &coded_len);
    do {
        st = netexe_decode(d, coded + pos, coded_len - pos, &used, out + got,
                           CALL_OUT - got, &made);
        ck_assert_uint_eq(made, NETEXE_DECODE_CALL_WORK);
        ck_assert_uint_lt(pos + used, coded_len);
        pos += used;
        got += made;
        calls++;
    } while (st == NETEXE_DECODE_AGAIN);
    ck_assert_int_eq(st, NETEXE_DECODE_FULL);
    ck_assert_uint_eq(calls, CALL_OUT / NETEXE_DECODE_CALL_WORK);
    ck_assert_str_eq(netexe_decoder_error(d), "");
    netexe_decoder_free(d);
    free(coded);
    free(out);
    free(zeros);
}
END_TEST

/* One call reads at most NETEXE_DECODE_CALL_WORK bytes: 3 MiB of empty
 * gzip members, which write nothing, are read a call's work at a time. */
#define EMPTY_MEMBERS_LEN   (3u * MIB)

START_TEST(test_one_call_reads_a_bounded_amount)
{
    static const gzip_member_spec plain = { "empty", 0, 0, 0, 0, 0, 0 };
    size_t mlen, n, used, made, pos = 0, calls = 0;
    unsigned char *member = gzip_member(&plain, NULL, 0, &mlen);
    unsigned char *body = malloc(EMPTY_MEMBERS_LEN), out[64];
    netexe_decoder *d = decoder_for("gzip");
    netexe_decode_status st;

    ck_assert_ptr_nonnull(body);
    n = EMPTY_MEMBERS_LEN / mlen * mlen;
    for (pos = 0; pos < n; pos += mlen) {
        memcpy(body + pos, member, mlen);
    }
    pos = 0;
    do {
        st = netexe_decode(d, body + pos, n - pos, &used, out, sizeof out,
                           &made);
        ck_assert_uint_eq(made, 0);
        ck_assert_uint_eq(used, n - pos < NETEXE_DECODE_CALL_WORK
                                ? n - pos : NETEXE_DECODE_CALL_WORK);
        pos += used;
        calls++;
    } while (st == NETEXE_DECODE_AGAIN);
    ck_assert_int_eq(st, NETEXE_DECODE_MORE);
    ck_assert_uint_eq(pos, n);
    ck_assert_uint_eq(calls, (n + NETEXE_DECODE_CALL_WORK - 1)
                             / NETEXE_DECODE_CALL_WORK);
    netexe_decoder_free(d);
    free(body);
    free(member);
}
END_TEST

/* ---- memory ----------------------------------------------------------- */

/* A member that is not: a gzip header, then a first block of the
 * reserved type (BFINAL 1, BTYPE 11). */
static const unsigned char bad_gzip_member[] = {
    0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x07
};
static const unsigned char not_a_member[] = "no gzip member";

typedef struct {
    const char *content_encoding;
    encoder enc;
    int corrupt_last;               /* flip the last byte: ERROR, not END */
    const unsigned char *tail;      /* bytes after the stream */
    size_t tail_len;
    netexe_decode_status final;
} memory_case;

static const memory_case memory_cases[] = {
    { "deflate", ENC_ZLIB, 0, NULL, 0, NETEXE_DECODE_END },
    { "deflate", ENC_RAW,  0, NULL, 0, NETEXE_DECODE_END },
    { "br",      ENC_BR,   0, NULL, 0, NETEXE_DECODE_END },
    { "gzip",    ENC_GZIP, 0, not_a_member, sizeof not_a_member,
      NETEXE_DECODE_END },
    { "gzip",    ENC_GZIP, 0, bad_gzip_member, sizeof bad_gzip_member,
      NETEXE_DECODE_ERROR },
    { "deflate", ENC_ZLIB, 1, NULL, 0, NETEXE_DECODE_ERROR },
};

/* Starting a stage takes memory; reaching the end or an error gives all
 * of it back at once, before the decoder is freed. */
START_TEST(test_memory_returns_after_end_or_error)
{
    const memory_case *c = &memory_cases[_i];
    size_t plen, elen, used, made, before, started;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(c->enc, payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for(c->content_encoding);
    drive_result r;

    ck_assert_ptr_nonnull(out);
    if (c->corrupt_last) {
        coded[elen - 1] ^= 0xFFu;
    }
    if (c->tail) {
        unsigned char *with_tail = concat(coded, elen, c->tail, c->tail_len);

        free(coded);
        coded = with_tail;
        elen += c->tail_len;
    }
    before = netexe_decoder_memory(d);
    ck_assert_uint_gt(before, 0);
    ck_assert_int_eq(netexe_decode(d, coded, 64, &used, out, plen + 1, &made),
                     NETEXE_DECODE_MORE);
    started = netexe_decoder_memory(d);
    ck_assert_uint_gt(started, before);
    r = drive(d, coded + 64, elen - 64, UNLIMITED, UNLIMITED, out + made,
              plen + 1 - made);
    ck_assert_int_eq(r.status, c->final);
    ck_assert_uint_eq(made + r.made, plen);
    ck_assert_uint_eq(netexe_decoder_memory(d), before);
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* zstd never ends by itself (another frame may follow); a second frame
 * that is not one ends it with an error and gives the memory back. */
START_TEST(test_zstd_memory_returns_after_error)
{
    static const unsigned char bad_frame[] = {
        0x28, 0xB5, 0x2F, 0xFD, ZSTD_FHD_RESERVED, 0x00, 0x01, 0x00
    };
    size_t plen, elen, before;
    unsigned char *payload = make_payload(&plen);
    unsigned char *coded = encode(ENC_ZSTD, payload, plen, &elen);
    unsigned char *out = malloc(plen + 1);
    netexe_decoder *d = decoder_for("zstd");
    drive_result r;

    ck_assert_ptr_nonnull(out);
    before = netexe_decoder_memory(d);
    r = drive(d, coded, elen, UNLIMITED, UNLIMITED, out, plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_MORE);
    ck_assert_uint_eq(r.made, plen);
    ck_assert_uint_gt(netexe_decoder_memory(d), before);
    r = drive(d, bad_frame, sizeof bad_frame, UNLIMITED, UNLIMITED, out,
              plen + 1);
    ck_assert_int_eq(r.status, NETEXE_DECODE_ERROR);
    ck_assert_uint_eq(r.made, 0);
    ck_assert_uint_eq(netexe_decoder_memory(d), before);
    netexe_decoder_free(d);
    free(out);
    free(coded);
    free(payload);
}
END_TEST

/* Hand-made stream headers that make a stage take its whole window at
 * once, so that a few bytes show what stacked codings may cost. */

/* Brotli: WBITS 24 (1, then 111), then a meta-block that is not the last
 * (ISLAST 0), six nibbles (MNIBBLES 2) of MLEN - 1 = 0xFFFFFF, uncompressed
 * (ISUNCOMPRESSED 1): the decoder sizes its ring buffer for 16 MiB of
 * data, and passes the raw bytes that follow through as they come
 * (RFC 7932 9.1, 9.2). */
static const unsigned char br_16_mib_header[] = { 0xCF, 0xFF, 0xFF, 0xFF };

/* zstd: magic, a frame header descriptor with no flags, a window
 * descriptor of exponent 13 (2^23 bytes), then a raw block that is not
 * the last, of 8 bytes (RFC 8878 3.1.1). */
static const unsigned char zstd_8_mib_frame_start[] = {
    0x28, 0xB5, 0x2F, 0xFD, 0x00, (23 - ZSTD_WINDOW_LOG_ABS_MIN) << 3,
};
static const unsigned char zstd_raw_block_of_8[] = { 8u << 3, 0x00, 0x00 };

typedef struct {
    const char *content_encoding;
    netexe_decode_status status;
} budget_case;

static size_t budget_body(int i, unsigned char *body)
{
    size_t n = 0;

    /* The outer brotli stage passes what follows its header through. */
    memcpy(body + n, br_16_mib_header, sizeof br_16_mib_header);
    n += sizeof br_16_mib_header;
    if (i == 1) {
        memcpy(body + n, br_16_mib_header, sizeof br_16_mib_header);
        n += sizeof br_16_mib_header;
    }
    if (i == 2) {
        memcpy(body + n, zstd_8_mib_frame_start, sizeof zstd_8_mib_frame_start);
        n += sizeof zstd_8_mib_frame_start;
        memcpy(body + n, zstd_raw_block_of_8, sizeof zstd_raw_block_of_8);
        n += sizeof zstd_raw_block_of_8;
    }
    return n;
}

/* One brotli stage at the largest window fits the budget (one window and
 * 1 MiB); a second window on top does not, brotli's or zstd's: the decoder
 * then fails, says a bound stopped it, and holds nothing. */
static const budget_case budget_cases[] = {
    { "br",             NETEXE_DECODE_MORE },
    { "br, br",         NETEXE_DECODE_ERROR },
    { "zstd, br",       NETEXE_DECODE_ERROR },
};

START_TEST(test_stacked_windows_stay_within_budget)
{
    const budget_case *c = &budget_cases[_i];
    unsigned char body[64], out[64];
    size_t len = budget_body(_i, body), used, made, before, after;
    netexe_decoder *d = decoder_for(c->content_encoding);

    before = netexe_decoder_memory(d);
    ck_assert_int_eq(netexe_decode(d, body, len, &used, out, sizeof out,
                                   &made), c->status);
    ck_assert_uint_eq(made, 0);
    after = netexe_decoder_memory(d);
    ck_assert_uint_lt(after, DECODER_MEMORY_MAX);
    if (c->status == NETEXE_DECODE_MORE) {
        ck_assert_uint_eq(used, len);
        ck_assert_uint_gt(after, NETEXE_DECODE_WINDOW_MAX);
    }
    else {
        ck_assert_str_ne(netexe_decoder_error(d), "");
        ck_assert_int_eq(netexe_decoder_bound_reached(d), 1);
        ck_assert_uint_eq(after, before);
    }
    netexe_decoder_free(d);
}
END_TEST

/* 200 MB of zeros in a gzip body of some 200 KB, decoded into 64 KiB. */
START_TEST(test_gzip_bomb_fills_buffer_in_bounded_memory)
{
    unsigned char *zeros = calloc(1, BOMB_CHUNK);
    unsigned char *coded, *out = malloc(BOMB_OUT);
    size_t cap, used = 0, made = 0, i;
    netexe_decoder *d = decoder_for("gzip");
    z_stream z;
    uLong total = 0;

    ck_assert_ptr_nonnull(zeros);
    ck_assert_ptr_nonnull(out);
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED,
                                  ZLIB_WBITS_GZIP, ZLIB_MEM_LEVEL,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    cap = BOMB_CODED_MAX;
    coded = malloc(cap);
    ck_assert_ptr_nonnull(coded);
    z.next_out = coded;
    z.avail_out = (uInt)cap;
    while (total < BOMB_SIZE) {
        uLong n = BOMB_SIZE - total < BOMB_CHUNK ? BOMB_SIZE - total
                                                 : BOMB_CHUNK;

        z.next_in = zeros;
        z.avail_in = (uInt)n;
        total += n;
        ck_assert_int_eq(deflate(&z, total == BOMB_SIZE ? Z_FINISH
                                                        : Z_NO_FLUSH),
                         total == BOMB_SIZE ? Z_STREAM_END : Z_OK);
    }
    memset(out, 0xAA, BOMB_OUT);
    ck_assert_int_eq(netexe_decode(d, coded, z.total_out, &used, out, BOMB_OUT,
                                   &made), NETEXE_DECODE_FULL);
    ck_assert_uint_eq(made, BOMB_OUT);
    ck_assert_uint_lt(used, z.total_out);
    for (i = 0; i < BOMB_OUT; i++) {
        ck_assert_uint_eq(out[i], 0);
    }
    ck_assert_uint_lt(netexe_decoder_memory(d), BOMB_MEMORY_MAX);
    deflateEnd(&z);
    netexe_decoder_free(d);
    free(coded);
    free(out);
    free(zeros);
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_decodable_list_gives_codings_in_order, 0,
                        N_CASES(decode_list_cases));
    tcase_add_loop_test(tc, test_list_without_decodable_codings_is_classified,
                        0, N_CASES(kind_cases));
    tcase_add_test(tc, test_sixteen_codings_are_the_most_decoded);
    tcase_add_test(tc, test_decoder_needs_one_to_sixteen_codings);
    suite_add_tcase(s, tc);

    tc = tcase_create("roundtrip");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_whole_body_in_one_call_decodes_exactly, 0,
                        N_CASES(roundtrip_cases));
    tcase_add_loop_test(tc, test_body_fed_one_byte_per_call_decodes_exactly,
                        0, N_CASES(roundtrip_cases));
    tcase_add_loop_test(tc, test_one_byte_of_room_per_call_decodes_exactly,
                        0, N_CASES(roundtrip_cases));
    tcase_add_loop_test(tc, test_odd_pieces_and_odd_room_decode_exactly, 0,
                        N_CASES(roundtrip_cases));
    tcase_add_test(tc, test_two_gzip_members_decode_as_one_body);
    tcase_add_test(tc, test_two_gzip_members_fed_bytewise_decode_as_one_body);
    tcase_add_test(tc, test_two_zstd_frames_decode_as_one_body);
    tcase_add_test(tc, test_two_zstd_frames_fed_bytewise_decode_as_one_body);
    tcase_add_loop_test(tc, test_calls_without_input_lose_nothing, 0, 4);
    tcase_add_test(tc, test_inner_coding_waiting_on_empty_blocks_loses_nothing);
    tcase_add_loop_test(tc, test_bytes_after_stream_end_are_ignored, 0, 3);
    tcase_add_test(tc, test_brotli_with_16_mib_window_decodes);
    tcase_add_test(tc, test_zstd_with_8_mib_window_decodes);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_truncated_stream_wants_more_and_never_fails,
                        0, N_CASES(roundtrip_cases));
    tcase_add_loop_test(tc, test_corrupt_stream_fails_with_reason, 0,
                        N_CASES(corrupt_cases));
    tcase_add_test(tc, test_garbage_after_gzip_header_fails);
    tcase_add_loop_test(tc, test_bytes_after_gzip_member_end_the_body, 0, 2);
    tcase_add_loop_test(tc, test_zstd_window_above_8_mib_fails, 0, 2);
    tcase_add_test(tc, test_zstd_older_magic_after_a_first_byte_is_refused);
    tcase_add_loop_test(tc, test_zstd_older_format_is_refused, 0, 4);
    tcase_add_test(tc, test_end_is_final);
    suite_add_tcase(s, tc);

    tc = tcase_create("gzip");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_gzip_header_is_read_as_browsers_read_it, 0,
                        2 * N_CASES(header_cases));
    tcase_add_loop_test(tc, test_gzip_header_fields_are_bounded, 0,
                        2 * N_CASES(bound_cases));
    tcase_add_loop_test(tc, test_gzip_trailer_is_not_checked, 0, 2);
    tcase_add_loop_test(tc, test_gzip_members_with_header_fields_decode_as_one_body,
                        0, 2);
    tcase_add_loop_test(tc, test_gzip_bytes_like_a_member_after_one, 0, 3);
    suite_add_tcase(s, tc);

    tc = tcase_create("deflate");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_raw_deflate_that_reads_as_zlib_decodes_raw, 0,
                        3 * N_CASES(raw_like_cases));
    tcase_add_loop_test(tc, test_zlib_that_also_reads_as_raw_is_zlib, 0, 2);
    tcase_add_test(tc, test_short_zlib_that_also_reads_as_raw_is_zlib_at_its_end);
    tcase_add_test(tc, test_zlib_is_read_at_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("work");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_sixteen_stacked_gzip_codings_decode, 0, 2);
    tcase_add_test(tc, test_nested_gzip_bomb_stops_at_the_work_bound);
    tcase_add_test(tc, test_one_call_writes_a_bounded_amount);
    tcase_add_test(tc, test_one_call_reads_a_bounded_amount);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_memory_returns_after_end_or_error, 0,
                        N_CASES(memory_cases));
    tcase_add_test(tc, test_zstd_memory_returns_after_error);
    tcase_add_test(tc, test_gzip_bomb_fills_buffer_in_bounded_memory);
    tcase_add_loop_test(tc, test_stacked_windows_stay_within_budget, 0,
                        N_CASES(budget_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(decode_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
