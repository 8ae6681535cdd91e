/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * decode.c -- content codings for the sniffer (the interface is in
 * decode.h).
 *
 * Stage 0 undoes the coding listed last (applied last) and reads the
 * caller's input; each later stage reads the buffer of the stage before
 * it; the last stage writes into the caller's output.  A step that makes
 * no progress anywhere ends a call, so every call is linear in the bytes
 * it reads and writes.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <brotli/decode.h>
#include <zstd.h>

#include "decode.h"

/* Bytes a stage holds between itself and the next one. */
#define NETEXE_DECODE_STAGE_BUF     4096

/* zlib window bits: 15 with a zlib header, -15 raw, +16 gzip. */
#define NETEXE_ZLIB_WBITS           15
#define NETEXE_ZLIB_GZIP            16

/* A zlib header: CM 8 (deflate), CINFO <= 7, (CMF * 256 + FLG) % 31 == 0
 * (RFC 1950 section 2.2). */
#define NETEXE_ZLIB_CM_DEFLATE      8
#define NETEXE_ZLIB_CINFO_MAX       7
#define NETEXE_ZLIB_FCHECK_MOD      31
#define NETEXE_ZLIB_HEADER_LEN      2

typedef enum {
    STAGE_OK = 0,       /* progress as far as input and room allowed */
    STAGE_END,          /* the stream ended; nothing more comes out */
    STAGE_ERROR
} stage_status;

typedef struct {
    netexe_coding coding;
    union {
        z_stream z;
        BrotliDecoderState *br;
        ZSTD_DCtx *zstd;
    } u;
    unsigned int started:1;     /* the library state exists */
    unsigned int between:1;     /* gzip: a member ended */
    unsigned int ended:1;
    unsigned int failed:1;
    unsigned char head[NETEXE_ZLIB_HEADER_LEN];  /* deflate: first bytes */
    unsigned int head_len;
    unsigned int head_fed;
    /* Output waiting for the next stage (unused in the last stage). */
    unsigned char buf[NETEXE_DECODE_STAGE_BUF];
    size_t pos, len;
} netexe_stage;

struct netexe_decoder {
    int n;
    size_t lib_bytes;           /* zlib's and brotli's allocations */
    const char *error;
    netexe_decode_status final; /* END or ERROR once reached */
    netexe_stage st[NETEXE_DECODE_MAX_CODINGS];
};

/* ---- Content-Encoding tokens ------------------------------------------ */

static int token_is(const char *p, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = p[i];

        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (word[i] == '\0' || c != word[i]) {
            return 0;
        }
    }
    return word[n] == '\0';
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

netexe_codings_kind netexe_coding_parse(const char *value,
                                        netexe_coding out[NETEXE_DECODE_MAX_CODINGS],
                                        int *n)
{
    const char *p = value;
    int count = 0, unknown = 0, too_many = 0;

    *n = 0;
    if (!p) {
        return NETEXE_CODINGS_NONE;
    }
    while (*p) {
        const char *start, *end;
        netexe_coding c;

        while (is_ows(*p) || *p == ',') {
            p++;
        }
        start = p;
        while (*p && *p != ',') {
            p++;
        }
        end = p;
        while (end > start && is_ows(end[-1])) {
            end--;
        }
        if (end == start) {
            continue;
        }
        if (token_is(start, (size_t)(end - start), "identity")
            || token_is(start, (size_t)(end - start), "7bit")
            || token_is(start, (size_t)(end - start), "8bit")
            || token_is(start, (size_t)(end - start), "binary")) {
            continue;
        }
        if (token_is(start, (size_t)(end - start), "gzip")
            || token_is(start, (size_t)(end - start), "x-gzip")) {
            c = NETEXE_CODING_GZIP;
        }
        else if (token_is(start, (size_t)(end - start), "deflate")) {
            c = NETEXE_CODING_DEFLATE;
        }
        else if (token_is(start, (size_t)(end - start), "br")) {
            c = NETEXE_CODING_BR;
        }
        else if (token_is(start, (size_t)(end - start), "zstd")) {
            c = NETEXE_CODING_ZSTD;
        }
        else {
            unknown = 1;
            continue;
        }
        if (count == NETEXE_DECODE_MAX_CODINGS) {
            too_many = 1;
            continue;
        }
        out[count++] = c;
    }
    if (unknown) {
        return NETEXE_CODINGS_UNKNOWN;
    }
    if (too_many) {
        return NETEXE_CODINGS_TOO_MANY;
    }
    *n = count;
    return count ? NETEXE_CODINGS_DECODE : NETEXE_CODINGS_NONE;
}

/* ---- counted allocations for zlib and brotli -------------------------- */

/* Each block starts with its size, so that free can count it back. */
typedef union {
    size_t size;
    long double ld;
    void *ptr;
    long long ll;
} netexe_alloc_head;

static void *counted_alloc(netexe_decoder *d, size_t size)
{
    netexe_alloc_head *h;

    if (size > NETEXE_DECODE_WINDOW_MAX + NETEXE_DECODE_STAGE_BUF * 64u
        || d->lib_bytes > NETEXE_DECODE_WINDOW_MAX * 2u) {
        return NULL;
    }
    h = malloc(sizeof(*h) + size);
    if (!h) {
        return NULL;
    }
    h->size = size;
    d->lib_bytes += size;
    return h + 1;
}

static void counted_free(netexe_decoder *d, void *p)
{
    netexe_alloc_head *h;

    if (!p) {
        return;
    }
    h = (netexe_alloc_head *)p - 1;
    d->lib_bytes -= h->size;
    free(h);
}

static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size)
{
    if (size != 0 && items > SIZE_MAX / size) {
        return Z_NULL;
    }
    return counted_alloc(opaque, (size_t)items * size);
}

static void zlib_free(voidpf opaque, voidpf p)
{
    counted_free(opaque, p);
}

static void *brotli_alloc(void *opaque, size_t size)
{
    return counted_alloc(opaque, size);
}

static void brotli_free(void *opaque, void *p)
{
    counted_free(opaque, p);
}

/* ---- one stage -------------------------------------------------------- */

static int stage_start(netexe_decoder *d, netexe_stage *s, int wbits)
{
    memset(&s->u.z, 0, sizeof(s->u.z));
    s->u.z.zalloc = zlib_alloc;
    s->u.z.zfree = zlib_free;
    s->u.z.opaque = d;
    if (inflateInit2(&s->u.z, wbits) != Z_OK) {
        return -1;
    }
    s->started = 1;
    return 0;
}

/* The deflate coding is zlib-wrapped by the letter of RFC 9110, raw as
 * some servers send it; browsers take both, told apart by the header. */
static int deflate_wbits(const unsigned char *h)
{
    unsigned int cmf = h[0], flg = h[1];

    if ((cmf & 0x0Fu) == NETEXE_ZLIB_CM_DEFLATE
        && (cmf >> 4) <= NETEXE_ZLIB_CINFO_MAX
        && ((cmf << 8) | flg) % NETEXE_ZLIB_FCHECK_MOD == 0) {
        return NETEXE_ZLIB_WBITS;
    }
    return -NETEXE_ZLIB_WBITS;
}

static stage_status step_zlib(netexe_decoder *d, netexe_stage *s,
                              const unsigned char *in, size_t in_len,
                              size_t *used, unsigned char *out,
                              size_t out_cap, size_t *made)
{
    *used = *made = 0;

    if (!s->started) {
        int wbits = NETEXE_ZLIB_WBITS + NETEXE_ZLIB_GZIP;

        if (s->coding == NETEXE_CODING_DEFLATE) {
            while (s->head_len < NETEXE_ZLIB_HEADER_LEN && *used < in_len) {
                s->head[s->head_len++] = in[(*used)++];
            }
            if (s->head_len < NETEXE_ZLIB_HEADER_LEN) {
                return STAGE_OK;
            }
            wbits = deflate_wbits(s->head);
        }
        if (stage_start(d, s, wbits) != 0) {
            d->error = "cannot start zlib";
            return STAGE_ERROR;
        }
    }

    for (;;) {
        const unsigned char *src;
        size_t avail, before_in, before_out;
        int rc;

        if (s->head_fed < s->head_len) {
            src = s->head + s->head_fed;
            avail = s->head_len - s->head_fed;
        }
        else {
            src = in + *used;
            avail = in_len - *used;
        }
        /* Without input, inflate may still owe output (the rest of a match
         * cut short by a full buffer). */
        if (*made == out_cap || (avail == 0 && s->between)) {
            return STAGE_OK;
        }
        if (s->between) {
            /* Another gzip member follows the one that ended. */
            if (inflateReset(&s->u.z) != Z_OK) {
                d->error = "cannot restart zlib";
                return STAGE_ERROR;
            }
            s->between = 0;
        }
        if (avail > UINT_MAX) {
            avail = UINT_MAX;
        }
        s->u.z.next_in = (Bytef *)(uintptr_t)src;
        s->u.z.avail_in = (uInt)avail;
        s->u.z.next_out = out + *made;
        s->u.z.avail_out = (uInt)((out_cap - *made) > UINT_MAX
                                  ? UINT_MAX : out_cap - *made);
        before_in = s->u.z.avail_in;
        before_out = s->u.z.avail_out;
        rc = inflate(&s->u.z, Z_NO_FLUSH);
        if (s->head_fed < s->head_len) {
            s->head_fed += (unsigned int)(before_in - s->u.z.avail_in);
        }
        else {
            *used += before_in - s->u.z.avail_in;
        }
        *made += before_out - s->u.z.avail_out;
        if (rc == Z_STREAM_END) {
            if (s->coding == NETEXE_CODING_DEFLATE) {
                return STAGE_END;
            }
            s->between = 1;
            continue;
        }
        if (rc == Z_BUF_ERROR) {
            return STAGE_OK;    /* no progress possible: input or room */
        }
        if (rc != Z_OK) {
            d->error = s->coding == NETEXE_CODING_GZIP ? "corrupt gzip stream"
                                                      : "corrupt deflate stream";
            return STAGE_ERROR;
        }
        if (before_in == s->u.z.avail_in && before_out == s->u.z.avail_out) {
            return STAGE_OK;
        }
    }
}

static stage_status step_br(netexe_decoder *d, netexe_stage *s,
                            const unsigned char *in, size_t in_len,
                            size_t *used, unsigned char *out, size_t out_cap,
                            size_t *made)
{
    size_t avail_in = in_len, avail_out = out_cap;
    const uint8_t *next_in = in;
    uint8_t *next_out = out;
    BrotliDecoderResult rc;

    *used = *made = 0;
    if (!s->started) {
        s->u.br = BrotliDecoderCreateInstance(brotli_alloc, brotli_free, d);
        if (!s->u.br) {
            d->error = "cannot start brotli";
            return STAGE_ERROR;
        }
        s->started = 1;
    }
    rc = BrotliDecoderDecompressStream(s->u.br, &avail_in, &next_in,
                                       &avail_out, &next_out, NULL);
    *used = in_len - avail_in;
    *made = out_cap - avail_out;
    switch (rc) {
    case BROTLI_DECODER_RESULT_SUCCESS:
        return STAGE_END;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
    case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        return STAGE_OK;
    default:
        d->error = "corrupt brotli stream";
        return STAGE_ERROR;
    }
}

static stage_status step_zstd(netexe_decoder *d, netexe_stage *s,
                              const unsigned char *in, size_t in_len,
                              size_t *used, unsigned char *out,
                              size_t out_cap, size_t *made)
{
    ZSTD_inBuffer zin;
    ZSTD_outBuffer zout;
    size_t rc;

    *used = *made = 0;
    if (!s->started) {
        s->u.zstd = ZSTD_createDCtx();
        if (!s->u.zstd
            || ZSTD_isError(ZSTD_DCtx_setParameter(s->u.zstd,
                                                   ZSTD_d_windowLogMax,
                                                   NETEXE_DECODE_ZSTD_WINDOW_LOG_MAX))) {
            ZSTD_freeDCtx(s->u.zstd);
            d->error = "cannot start zstd";
            return STAGE_ERROR;
        }
        s->started = 1;
    }
    zin.src = in;
    zin.size = in_len;
    zin.pos = 0;
    zout.dst = out;
    zout.size = out_cap;
    zout.pos = 0;
    /* Consecutive frames are decoded one after the other.  Without input,
     * a block decoded earlier may still be waiting to be flushed. */
    while (zout.pos < zout.size) {
        size_t in_before = zin.pos, out_before = zout.pos;

        rc = ZSTD_decompressStream(s->u.zstd, &zout, &zin);
        if (ZSTD_isError(rc)) {
            *used = zin.pos;
            *made = zout.pos;
            d->error = "corrupt or unsupported zstd stream";
            return STAGE_ERROR;
        }
        if (zin.pos == in_before && zout.pos == out_before) {
            break;
        }
    }
    *used = zin.pos;
    *made = zout.pos;
    return STAGE_OK;
}

static stage_status stage_step(netexe_decoder *d, netexe_stage *s,
                               const unsigned char *in, size_t in_len,
                               size_t *used, unsigned char *out,
                               size_t out_cap, size_t *made)
{
    if (s->failed) {
        *used = *made = 0;
        return STAGE_ERROR;
    }
    if (s->ended) {
        /* Bytes after the end of a stream are not part of the body a
         * client decodes. */
        *used = in_len;
        *made = 0;
        return STAGE_END;
    }
    switch (s->coding) {
    case NETEXE_CODING_GZIP:
    case NETEXE_CODING_DEFLATE:
        return step_zlib(d, s, in, in_len, used, out, out_cap, made);
    case NETEXE_CODING_BR:
        return step_br(d, s, in, in_len, used, out, out_cap, made);
    case NETEXE_CODING_ZSTD:
        return step_zstd(d, s, in, in_len, used, out, out_cap, made);
    }
    *used = *made = 0;
    return STAGE_ERROR;
}

static void stage_free(netexe_decoder *d, netexe_stage *s)
{
    (void)d;
    if (!s->started) {
        return;
    }
    switch (s->coding) {
    case NETEXE_CODING_GZIP:
    case NETEXE_CODING_DEFLATE:
        inflateEnd(&s->u.z);
        break;
    case NETEXE_CODING_BR:
        BrotliDecoderDestroyInstance(s->u.br);
        break;
    case NETEXE_CODING_ZSTD:
        ZSTD_freeDCtx(s->u.zstd);
        break;
    }
    s->started = 0;
}

/* ---- the pipeline ----------------------------------------------------- */

netexe_decoder *netexe_decoder_new(const netexe_coding *codings, int n)
{
    netexe_decoder *d;
    int i;

    if (n < 1 || n > NETEXE_DECODE_MAX_CODINGS) {
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        return NULL;
    }
    d->n = n;
    d->error = "";
    for (i = 0; i < n; i++) {
        /* Stage 0 undoes the last coding listed. */
        d->st[i].coding = codings[n - 1 - i];
    }
    return d;
}

void netexe_decoder_free(netexe_decoder *d)
{
    int i;

    if (!d) {
        return;
    }
    for (i = 0; i < d->n; i++) {
        stage_free(d, &d->st[i]);
    }
    free(d);
}

size_t netexe_decoder_memory(const netexe_decoder *d)
{
    size_t bytes;
    int i;

    if (!d) {
        return 0;
    }
    bytes = sizeof(*d) + d->lib_bytes;
    for (i = 0; i < d->n; i++) {
        if (d->st[i].coding == NETEXE_CODING_ZSTD && d->st[i].started) {
            bytes += ZSTD_sizeof_DCtx(d->st[i].u.zstd);
        }
    }
    return bytes;
}

const char *netexe_decoder_error(const netexe_decoder *d)
{
    return d && d->final == NETEXE_DECODE_ERROR ? d->error : "";
}

/* Ends every stage's library state once the stream can give no more: the
 * memory goes back at once, not when the request ends. */
static netexe_decode_status decoder_finish(netexe_decoder *d,
                                           netexe_decode_status st)
{
    int i;

    d->final = st;
    for (i = 0; i < d->n; i++) {
        stage_free(d, &d->st[i]);
    }
    return st;
}

netexe_decode_status netexe_decode(netexe_decoder *d,
                                   const unsigned char *in, size_t in_len,
                                   size_t *in_used,
                                   unsigned char *out, size_t out_cap,
                                   size_t *out_made)
{
    size_t got_in = 0, got_out = 0;
    int last = d->n - 1;

    *in_used = *out_made = 0;
    if (d->final != NETEXE_DECODE_MORE) {
        return d->final;
    }
    for (;;) {
        int progress = 0, i;

        for (i = 0; i <= last; i++) {
            netexe_stage *s = &d->st[i];
            netexe_stage *prev = i ? &d->st[i - 1] : NULL;
            const unsigned char *src;
            unsigned char *dst;
            size_t src_len, dst_cap, used, made;
            stage_status rc;

            if (prev) {
                src = prev->buf + prev->pos;
                src_len = prev->len - prev->pos;
            }
            else {
                src = in + got_in;
                src_len = in_len - got_in;
            }
            if (i == last) {
                dst = out + got_out;
                dst_cap = out_cap - got_out;
            }
            else {
                if (s->pos == s->len) {
                    s->pos = s->len = 0;
                }
                dst = s->buf + s->len;
                dst_cap = sizeof(s->buf) - s->len;
            }
            /* A started stage is stepped without input too: it may hold
             * decoded bytes that did not fit before. */
            if (src_len == 0 && !(prev && prev->ended) && !s->started) {
                continue;
            }
            rc = stage_step(d, s, src, src_len, &used, dst, dst_cap, &made);
            if (prev) {
                prev->pos += used;
            }
            else {
                got_in += used;
            }
            if (i == last) {
                got_out += made;
            }
            else {
                s->len += made;
            }
            progress |= used != 0 || made != 0;
            if (rc == STAGE_ERROR) {
                s->failed = 1;
                *in_used = got_in;
                *out_made = got_out;
                return decoder_finish(d, NETEXE_DECODE_ERROR);
            }
            if (rc == STAGE_END && !s->ended) {
                s->ended = 1;
                progress = 1;
            }
        }
        if (d->st[last].ended) {
            *in_used = in_len;
            *out_made = got_out;
            return decoder_finish(d, NETEXE_DECODE_END);
        }
        if (got_out == out_cap) {
            *in_used = got_in;
            *out_made = got_out;
            return NETEXE_DECODE_FULL;
        }
        if (!progress) {
            break;
        }
    }
    *in_used = got_in;
    *out_made = got_out;
    return NETEXE_DECODE_MORE;
}
