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
 * no progress anywhere ends a call, and every byte a stage writes counts
 * against the call's and the decoder's work bounds, so that a call is
 * linear in the bytes it reads and writes and those are bounded.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <brotli/decode.h>
#include <zstd.h>

#include "decode.h"

/* Bytes a stage holds between itself and the next one. */
#define NETEXE_DECODE_STAGE_BUF     4096

/* Most bytes a decoder holds, the block and every stage's library state
 * together: one stage at the largest window and room for the rest.  An
 * allocation that would pass it is refused, and a zstd stage, which
 * allocates by itself, fails once its frame took the total past it. */
#define NETEXE_DECODE_MEMORY_MAX    (NETEXE_DECODE_WINDOW_MAX + 1024u * 1024u)

/* zlib window bits: 15 with a zlib header, -15 raw. */
#define NETEXE_ZLIB_WBITS           15

/* A zlib header: CM 8 (deflate), CINFO <= 7, (CMF * 256 + FLG) % 31 == 0
 * (RFC 1950 section 2.2). */
#define NETEXE_ZLIB_CM_DEFLATE      8
#define NETEXE_ZLIB_CINFO_MAX       7
#define NETEXE_ZLIB_FCHECK_MOD      31
#define NETEXE_ZLIB_HEADER_LEN      2

/* Read as raw deflate, a zlib header's CMF is the first byte of a stored
 * block (BFINAL 0, BTYPE 00), and its FLG the low byte of LEN; the next
 * byte is LEN's high byte, then NLEN, LEN's complement (RFC 1951
 * section 3.2.4). */
#define NETEXE_STORED_HEAD_LEN      5
#define NETEXE_STORED_LEN_AT        1
#define NETEXE_STORED_NLEN_AT       3

/* A gzip member (RFC 1952 section 2.3): ID1 ID2 CM FLG, then MTIME (4),
 * XFL and OS; the optional fields FLG announces; the deflate data; CRC-32
 * and ISIZE. */
#define NETEXE_GZIP_ID1             0x1Fu
#define NETEXE_GZIP_ID2             0x8Bu
#define NETEXE_GZIP_CM_DEFLATE      8u
#define NETEXE_GZIP_FHCRC           0x02u
#define NETEXE_GZIP_FEXTRA          0x04u
#define NETEXE_GZIP_FNAME           0x08u
#define NETEXE_GZIP_FCOMMENT        0x10u
#define NETEXE_GZIP_FIXED_LEN       6u      /* MTIME, XFL, OS */
#define NETEXE_GZIP_XLEN_LEN        2u
#define NETEXE_GZIP_HCRC_LEN        2u
#define NETEXE_GZIP_TRAILER_LEN     8u

/* A zstd frame starts with its magic number, 0xFD2FB528, or a skippable
 * frame's, 0x184D2A50 to 0x184D2A5F, little-endian (RFC 8878 3.1.1,
 * 3.1.2).  Older formats' magic numbers, which libzstd may still read,
 * are 0xFD2FB51E to 0xFD2FB527. */
#define NETEXE_ZSTD_MAGIC_LEN       4u
#define NETEXE_ZSTD_SKIP_FIRST_MIN  0x50u
#define NETEXE_ZSTD_SKIP_FIRST_MAX  0x5Fu
static const unsigned char netexe_zstd_magic[NETEXE_ZSTD_MAGIC_LEN] = {
    0x28, 0xB5, 0x2F, 0xFD
};
static const unsigned char netexe_zstd_skip_magic[NETEXE_ZSTD_MAGIC_LEN] = {
    0x50, 0x2A, 0x4D, 0x18
};

/* Where a zstd stage is. */
typedef enum {
    ZS_FRAME_START = 0,
    ZS_IN_FRAME
} zstd_state;

/* Where a gzip stage is in its member. */
typedef enum {
    GZ_ID1 = 0,
    GZ_ID2,
    GZ_CM,
    GZ_FLG,
    GZ_FIXED,
    GZ_XLEN,
    GZ_EXTRA,
    GZ_NAME,
    GZ_COMMENT,
    GZ_HCRC,
    GZ_BODY,
    GZ_TRAILER
} gzip_state;

/* Which reading a deflate stage has chosen. */
typedef enum {
    DF_HEAD = 0,        /* not yet: the first bytes are being gathered */
    DF_PROBE,           /* both are possible: zlib is tried, its output
                         * thrown away, every byte kept for a replay */
    DF_ZLIB,
    DF_RAW
} deflate_state;

typedef enum {
    STAGE_OK = 0,       /* progress as far as input, room and work allowed */
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
    unsigned int ended:1;
    unsigned int failed:1;
    unsigned int member_done:1; /* gzip: a whole member was read */
    unsigned int out_filled:1;  /* zstd: the last call filled its room, so
                                 * decoded bytes may still wait inside */
    unsigned int state;         /* gzip_state, deflate_state, zstd_state */
    unsigned int flags;         /* gzip: FLG's fields not yet read;
                                 * zstd: the first byte of the frame */
    size_t count;               /* gzip: bytes left in a field of known
                                 * length; zstd: bytes of the frame's
                                 * magic number read */
    size_t xlen;                /* gzip: XLEN as its bytes arrive */
    size_t header_bytes;        /* gzip: FEXTRA, FNAME, FCOMMENT so far */
    /* deflate: the bytes read before the reading was chosen, fed to zlib
     * before the input: head, or replay while and after probing. */
    unsigned char head[NETEXE_STORED_HEAD_LEN];
    unsigned char *replay;
    size_t early_len, early_fed;
    /* Output waiting for the next stage (NULL in the last stage). */
    unsigned char *buf;
    size_t pos, len;
} netexe_stage;

/* One block: the struct, its n stages, then the n - 1 stage buffers. */
struct netexe_decoder {
    int n;
    size_t size;                /* bytes of the block */
    size_t lib_bytes;           /* zlib's, brotli's and replay allocations */
    size_t written;             /* work: bytes the stages wrote so far */
    size_t call_left;           /* bytes they may still write in this call */
    const char *error;
    unsigned int bound:1;       /* the error is one of the decoder's bounds */
    int failed_at;              /* the last stage that failed, or -1: the
                                 * stages after it still pass on what it
                                 * made before */
    netexe_decode_status final; /* END or ERROR once reached */
    netexe_stage st[];
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

/* ---- counted allocations: zlib, brotli, deflate replays ---------------- */

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
    size_t held = netexe_decoder_memory(d);

    if (size > NETEXE_DECODE_WINDOW_MAX + NETEXE_DECODE_STAGE_BUF * 64u
        || held > NETEXE_DECODE_MEMORY_MAX
        || size > NETEXE_DECODE_MEMORY_MAX - held) {
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

/* ---- bounds ----------------------------------------------------------- */

/* The first failure is the one reported. */
static stage_status over_bound(netexe_decoder *d, const char *why)
{
    if (d->error[0] == '\0') {
        d->error = why;
        d->bound = 1;
    }
    return STAGE_ERROR;
}

static stage_status corrupt(netexe_decoder *d, const char *why)
{
    if (d->error[0] == '\0') {
        d->error = why;
    }
    return STAGE_ERROR;
}

/* n bytes written by a stage: work done in this call and in all. */
static void work_done(netexe_decoder *d, size_t n)
{
    d->written += n;
    d->call_left -= n;
}

/* ---- zlib ------------------------------------------------------------- */

static int zlib_start(netexe_decoder *d, netexe_stage *s, int wbits)
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

/* One inflate() over src into dst; *used and *made get what it read and
 * wrote.  zlib counts in uInt: a longer src or dst is taken in part. */
static int inflate_some(z_stream *z, const unsigned char *src,
                        size_t src_len, size_t *used, unsigned char *dst,
                        size_t dst_cap, size_t *made)
{
    uInt avail_in = src_len > UINT_MAX ? UINT_MAX : (uInt)src_len;
    uInt avail_out = dst_cap > UINT_MAX ? UINT_MAX : (uInt)dst_cap;
    int rc;

    z->next_in = (Bytef *)(uintptr_t)src;
    z->avail_in = avail_in;
    z->next_out = dst;
    z->avail_out = avail_out;
    rc = inflate(z, Z_NO_FLUSH);
    *used = avail_in - z->avail_in;
    *made = avail_out - z->avail_out;
    return rc;
}

/* ---- gzip ------------------------------------------------------------- */

/* The field after the one just read, as FLG announced them. */
static void gzip_next_field(netexe_stage *s)
{
    if (s->flags & NETEXE_GZIP_FEXTRA) {
        s->state = GZ_XLEN;
        s->count = NETEXE_GZIP_XLEN_LEN;
        s->xlen = 0;
    }
    else if (s->flags & NETEXE_GZIP_FNAME) {
        s->state = GZ_NAME;
    }
    else if (s->flags & NETEXE_GZIP_FCOMMENT) {
        s->state = GZ_COMMENT;
    }
    else if (s->flags & NETEXE_GZIP_FHCRC) {
        s->state = GZ_HCRC;
        s->count = NETEXE_GZIP_HCRC_LEN;
    }
    else {
        s->state = GZ_BODY;
    }
}

/* Bytes that are not a member's start: after a whole member they end the
 * body (browsers ignore them), before it they are no gzip stream. */
static stage_status gzip_no_member(netexe_decoder *d, netexe_stage *s)
{
    if (s->member_done) {
        return STAGE_END;
    }
    return corrupt(d, "corrupt gzip header");
}

/* Counts n more bytes of FEXTRA, FNAME or FCOMMENT against the bound. */
static stage_status gzip_header_bytes(netexe_decoder *d, netexe_stage *s,
                                      size_t n)
{
    if (n > NETEXE_DECODE_GZIP_HEADER_MAX - s->header_bytes) {
        return over_bound(d, "gzip header over its bound");
    }
    s->header_bytes += n;
    return STAGE_OK;
}

/* Reads a member's header, or its trailer and the next member's header,
 * from in[0 .. len-1] until the deflate data starts or the bytes run out;
 * *used gets what was read. */
static stage_status gzip_frame(netexe_decoder *d, netexe_stage *s,
                               const unsigned char *in, size_t len,
                               size_t *used)
{
    size_t i = 0;

    while (i < len && s->state != GZ_BODY) {
        unsigned int c = in[i];
        size_t k = len - i;
        const unsigned char *nul;

        switch ((gzip_state)s->state) {
        case GZ_ID1:
        case GZ_ID2:
        case GZ_CM:
            if (c != (s->state == GZ_ID1 ? NETEXE_GZIP_ID1
                      : s->state == GZ_ID2 ? NETEXE_GZIP_ID2
                      : NETEXE_GZIP_CM_DEFLATE)) {
                *used = i;
                return gzip_no_member(d, s);
            }
            i++;
            s->state++;
            break;
        case GZ_FLG:
            /* The reserved bits are ignored, as Chromium masks them off. */
            s->flags = c & (NETEXE_GZIP_FHCRC | NETEXE_GZIP_FEXTRA
                            | NETEXE_GZIP_FNAME | NETEXE_GZIP_FCOMMENT);
            s->header_bytes = 0;
            s->count = NETEXE_GZIP_FIXED_LEN;
            s->state = GZ_FIXED;
            i++;
            break;
        case GZ_FIXED:
        case GZ_HCRC:
            /* MTIME, XFL, OS; the header CRC, skipped unchecked as
             * Chromium skips it. */
            if (k > s->count) {
                k = s->count;
            }
            i += k;
            s->count -= k;
            if (s->count == 0) {
                s->flags &= s->state == GZ_HCRC ? ~NETEXE_GZIP_FHCRC : ~0u;
                gzip_next_field(s);
            }
            break;
        case GZ_XLEN:
            if (gzip_header_bytes(d, s, 1) != STAGE_OK) {
                *used = i;
                return STAGE_ERROR;
            }
            s->xlen |= (size_t)c << (8u * (NETEXE_GZIP_XLEN_LEN - s->count));
            i++;
            if (--s->count == 0) {
                s->count = s->xlen;
                s->state = GZ_EXTRA;
                if (s->count == 0) {
                    s->flags &= ~NETEXE_GZIP_FEXTRA;
                    gzip_next_field(s);
                }
            }
            break;
        case GZ_EXTRA:
            if (k > s->count) {
                k = s->count;
            }
            if (gzip_header_bytes(d, s, k) != STAGE_OK) {
                *used = i;
                return STAGE_ERROR;
            }
            i += k;
            s->count -= k;
            if (s->count == 0) {
                s->flags &= ~NETEXE_GZIP_FEXTRA;
                gzip_next_field(s);
            }
            break;
        case GZ_NAME:
        case GZ_COMMENT:
            nul = memchr(in + i, 0, k);
            if (nul) {
                k = (size_t)(nul - (in + i)) + 1;
            }
            if (gzip_header_bytes(d, s, k) != STAGE_OK) {
                *used = i;
                return STAGE_ERROR;
            }
            i += k;
            if (nul) {
                s->flags &= s->state == GZ_NAME ? ~NETEXE_GZIP_FNAME
                                                : ~NETEXE_GZIP_FCOMMENT;
                gzip_next_field(s);
            }
            break;
        case GZ_TRAILER:
            /* CRC-32 and ISIZE, unchecked: browsers do not fail a body on
             * them (Chromium skips the eight bytes). */
            if (k > s->count) {
                k = s->count;
            }
            i += k;
            s->count -= k;
            if (s->count == 0) {
                s->member_done = 1;
                s->state = GZ_ID1;
            }
            break;
        case GZ_BODY:
            break;
        }
    }
    *used = i;
    return STAGE_OK;
}

static stage_status step_gzip(netexe_decoder *d, netexe_stage *s,
                              const unsigned char *in, size_t in_len,
                              size_t *used, unsigned char *out,
                              size_t out_cap, size_t *made)
{
    *used = *made = 0;
    for (;;) {
        size_t k, m;
        int rc;

        if (s->state != GZ_BODY) {
            stage_status st;

            if (*used == in_len) {
                return STAGE_OK;
            }
            st = gzip_frame(d, s, in + *used, in_len - *used, &k);
            *used += k;
            if (st != STAGE_OK || s->state != GZ_BODY) {
                return st;
            }
            /* A member's deflate data starts: raw deflate, the header
             * having been read here. */
            if (!s->started) {
                if (zlib_start(d, s, -NETEXE_ZLIB_WBITS) != 0) {
                    return over_bound(d, "zlib state over the memory budget");
                }
            }
            else if (inflateReset(&s->u.z) != Z_OK) {
                return corrupt(d, "cannot restart zlib");
            }
        }
        /* Without input, inflate may still owe output (the rest of a match
         * cut short by a full buffer). */
        if (*made == out_cap) {
            return STAGE_OK;
        }
        rc = inflate_some(&s->u.z, in + *used, in_len - *used, &k,
                          out + *made, out_cap - *made, &m);
        *used += k;
        *made += m;
        if (rc == Z_STREAM_END) {
            s->state = GZ_TRAILER;
            s->count = NETEXE_GZIP_TRAILER_LEN;
            continue;
        }
        if (rc == Z_BUF_ERROR) {
            return STAGE_OK;    /* no progress possible: input or room */
        }
        if (rc == Z_MEM_ERROR) {
            return over_bound(d, "zlib window over the memory budget");
        }
        if (rc != Z_OK) {
            return corrupt(d, "corrupt gzip stream");
        }
        if (k == 0 && m == 0) {
            return STAGE_OK;
        }
    }
}

/* ---- deflate ---------------------------------------------------------- */

static int is_zlib_header(const unsigned char *h)
{
    unsigned int cmf = h[0], flg = h[1];

    return (cmf & 0x0Fu) == NETEXE_ZLIB_CM_DEFLATE
           && (cmf >> 4) <= NETEXE_ZLIB_CINFO_MAX
           && ((cmf << 8) | flg) % NETEXE_ZLIB_FCHECK_MOD == 0;
}

/* A zlib header's bytes read as the start of a stored block: whether its
 * NLEN is LEN's complement, so that raw deflate can read on. */
static int stored_lengths_agree(const unsigned char *h)
{
    unsigned int len = h[NETEXE_STORED_LEN_AT]
                       | (unsigned int)h[NETEXE_STORED_LEN_AT + 1] << 8;
    unsigned int nlen = h[NETEXE_STORED_NLEN_AT]
                        | (unsigned int)h[NETEXE_STORED_NLEN_AT + 1] << 8;

    return (len ^ 0xFFFFu) == nlen;
}

/* Gathers the first bytes into head and chooses the reading: raw unless
 * they are a zlib header, zlib unless they also read as a stored block,
 * else a probe of the zlib reading. */
static stage_status deflate_choose(netexe_decoder *d, netexe_stage *s,
                                   const unsigned char *in, size_t in_len,
                                   size_t *used)
{
    size_t need = NETEXE_ZLIB_HEADER_LEN;

    for (;;) {
        while (s->early_len < need && *used < in_len) {
            s->head[s->early_len++] = in[(*used)++];
        }
        if (s->early_len < need) {
            return STAGE_OK;
        }
        if (!is_zlib_header(s->head)) {
            s->state = DF_RAW;
            break;
        }
        if (need == NETEXE_ZLIB_HEADER_LEN) {
            need = NETEXE_STORED_HEAD_LEN;
            continue;
        }
        s->state = stored_lengths_agree(s->head) ? DF_PROBE : DF_ZLIB;
        break;
    }
    if (zlib_start(d, s, s->state == DF_RAW ? -NETEXE_ZLIB_WBITS
                                            : NETEXE_ZLIB_WBITS) != 0) {
        return over_bound(d, "zlib state over the memory budget");
    }
    if (s->state == DF_PROBE) {
        s->replay = counted_alloc(d, NETEXE_DECODE_DEFLATE_PROBE_MAX);
        if (!s->replay) {
            return over_bound(d, "deflate replay over the memory budget");
        }
        memcpy(s->replay, s->head, s->early_len);
    }
    return STAGE_OK;
}

/* The bytes read before the reading was chosen and not yet fed. */
static const unsigned char *early_bytes(const netexe_stage *s, size_t *n)
{
    *n = s->early_len - s->early_fed;
    return (s->replay ? s->replay : s->head) + s->early_fed;
}

/* The probe stops for this call, having read take bytes at p (this
 * call's input from base on): they join the replay. */
static stage_status probe_pause(netexe_stage *s, const unsigned char *p,
                                size_t take, size_t *used, size_t base)
{
    if (take) {
        memcpy(s->replay + s->early_len, p, take);
    }
    s->early_len += take;
    s->early_fed = s->early_len;
    *used = base + take;
    return STAGE_OK;
}

/* Tries the zlib reading on what it has not read yet, into a scratch
 * buffer.  It ends the probe when that reading fails (raw, as Chromium
 * then reads the body) or has ended or read the probe bound (zlib); either
 * way the reading starts again from the first byte.  While the probe goes
 * on, the input it read is kept in replay. */
static stage_status deflate_probe(netexe_decoder *d, netexe_stage *s,
                                  const unsigned char *in, size_t in_len,
                                  size_t *used)
{
    unsigned char scratch[NETEXE_DECODE_STAGE_BUF];
    size_t base = *used, take = 0;
    int rc = Z_OK;

    for (;;) {
        const unsigned char *src;
        size_t avail, room = sizeof(scratch), k, m;
        int early = s->early_fed < s->early_len;

        if (early) {
            src = early_bytes(s, &avail);
        }
        else {
            src = in + base + take;
            avail = in_len - base - take;
            if (avail > NETEXE_DECODE_DEFLATE_PROBE_MAX - s->early_len - take) {
                avail = NETEXE_DECODE_DEFLATE_PROBE_MAX - s->early_len - take;
            }
            if (avail == 0) {
                if (s->early_len + take == NETEXE_DECODE_DEFLATE_PROBE_MAX) {
                    break;      /* the zlib reading held: it is chosen */
                }
                return probe_pause(s, in + base, take, used, base);
            }
        }
        if (room > d->call_left) {
            room = d->call_left;
        }
        /* With the call's work done, the probe goes on in the next. */
        if (room != 0) {
            rc = inflate_some(&s->u.z, src, avail, &k, scratch, room, &m);
            work_done(d, m);
        }
        else {
            rc = Z_OK;
            k = m = 0;
        }
        if (early) {
            s->early_fed += k;
        }
        else {
            take += k;
        }
        if (rc == Z_STREAM_END) {
            break;
        }
        if (rc == Z_MEM_ERROR) {
            return over_bound(d, "zlib window over the memory budget");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            /* Also Z_NEED_DICT: Chromium reads on as raw deflate. */
            s->state = DF_RAW;
            break;
        }
        if (k == 0 && m == 0) {
            return probe_pause(s, in + base, take, used, base);
        }
    }
    if (s->state == DF_PROBE) {
        s->state = DF_ZLIB;
        rc = inflateReset(&s->u.z);
    }
    else {
        rc = inflateReset2(&s->u.z, -NETEXE_ZLIB_WBITS);
    }
    if (rc != Z_OK) {
        return corrupt(d, "cannot restart zlib");
    }
    /* The bytes before base are in replay already; this call's bytes after
     * it are read again from in. */
    s->early_fed = 0;
    *used = base;
    return STAGE_OK;
}

static stage_status step_deflate(netexe_decoder *d, netexe_stage *s,
                                 const unsigned char *in, size_t in_len,
                                 size_t *used, unsigned char *out,
                                 size_t out_cap, size_t *made)
{
    stage_status st;

    *used = *made = 0;
    if (s->state == DF_HEAD) {
        st = deflate_choose(d, s, in, in_len, used);
        if (st != STAGE_OK || s->state == DF_HEAD) {
            return st;
        }
    }
    if (s->state == DF_PROBE) {
        st = deflate_probe(d, s, in, in_len, used);
        if (st != STAGE_OK || s->state == DF_PROBE) {
            return st;
        }
        /* The probe's scratch output counted against this call's work. */
        if (out_cap > d->call_left) {
            out_cap = d->call_left;
        }
    }
    for (;;) {
        const unsigned char *src;
        size_t avail, k, m;
        int early = s->early_fed < s->early_len, rc;

        if (early) {
            src = early_bytes(s, &avail);
        }
        else {
            src = in + *used;
            avail = in_len - *used;
        }
        if (*made == out_cap) {
            return STAGE_OK;
        }
        rc = inflate_some(&s->u.z, src, avail, &k, out + *made,
                          out_cap - *made, &m);
        if (early) {
            s->early_fed += k;
            if (s->early_fed == s->early_len && s->replay) {
                counted_free(d, s->replay);
                s->replay = NULL;
            }
        }
        else {
            *used += k;
        }
        *made += m;
        if (rc == Z_STREAM_END) {
            return STAGE_END;
        }
        if (rc == Z_BUF_ERROR) {
            return STAGE_OK;    /* no progress possible: input or room */
        }
        if (rc == Z_MEM_ERROR) {
            return over_bound(d, "zlib window over the memory budget");
        }
        if (rc != Z_OK) {
            return corrupt(d, "corrupt deflate stream");
        }
        if (k == 0 && m == 0) {
            return STAGE_OK;
        }
    }
}

/* ---- brotli and zstd -------------------------------------------------- */

static stage_status step_br(netexe_decoder *d, netexe_stage *s,
                            const unsigned char *in, size_t in_len,
                            size_t *used, unsigned char *out, size_t out_cap,
                            size_t *made)
{
    size_t avail_in = in_len, avail_out = out_cap;
    const uint8_t *next_in = in;
    uint8_t *next_out = out;
    BrotliDecoderResult rc;
    BrotliDecoderErrorCode why;

    *used = *made = 0;
    if (!s->started) {
        s->u.br = BrotliDecoderCreateInstance(brotli_alloc, brotli_free, d);
        if (!s->u.br) {
            return over_bound(d, "brotli state over the memory budget");
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
        break;
    }
    why = BrotliDecoderGetErrorCode(s->u.br);
    if (why <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES
        && why >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES) {
        return over_bound(d, "brotli window over the memory budget");
    }
    return corrupt(d, "corrupt brotli stream");
}

/* Whether the next n bytes at p, as far as they are the magic number of
 * the frame that starts, agree with a zstd or skippable frame's. */
static int zstd_magic_so_far(const netexe_stage *s, const unsigned char *p,
                             size_t n)
{
    unsigned int first = s->count ? s->flags : (n ? p[0] : 0);
    int skippable = first >= NETEXE_ZSTD_SKIP_FIRST_MIN
                    && first <= NETEXE_ZSTD_SKIP_FIRST_MAX;
    const unsigned char *want = skippable ? netexe_zstd_skip_magic
                                          : netexe_zstd_magic;
    size_t i;

    for (i = s->count; i < NETEXE_ZSTD_MAGIC_LEN && i - s->count < n; i++) {
        /* A skippable frame's first byte is any of sixteen. */
        if (!(i == 0 && skippable) && p[i - s->count] != want[i]) {
            return 0;
        }
    }
    return 1;
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
            return corrupt(d, "cannot start zstd");
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
     * decoded bytes wait inside only when the last call filled its room
     * (zstd.h: with room left it has flushed all it could).  libzstd
     * is called only then: it counts calls that neither read nor wrote,
     * and fails the stream at the sixteenth, however the stream goes on. */
    while (zout.pos < zout.size
           && (zin.pos < zin.size || s->out_filled)) {
        size_t in_before = zin.pos, out_before = zout.pos;

        /* Only the frames browsers read: libzstd takes an older format's
         * frame when a call's input starts with its whole magic number,
         * even after a byte of another, and refuses it otherwise, so the
         * answer would depend on the pieces. */
        if (s->state == ZS_FRAME_START
            && !zstd_magic_so_far(s, in + zin.pos, zin.size - zin.pos)) {
            *used = zin.pos;
            *made = zout.pos;
            return corrupt(d, "corrupt or unsupported zstd stream");
        }
        rc = ZSTD_decompressStream(s->u.zstd, &zout, &zin);
        if (ZSTD_isError(rc)) {
            *used = zin.pos;
            *made = zout.pos;
            return corrupt(d, "corrupt or unsupported zstd stream");
        }
        /* 0: a frame was read and flushed whole; the next byte starts
         * another. */
        if (rc == 0) {
            s->state = ZS_FRAME_START;
            s->count = 0;
        }
        else if (s->state == ZS_FRAME_START && zin.pos != in_before) {
            if (s->count == 0) {
                s->flags = in[in_before];
            }
            s->count += zin.pos - in_before;
            if (s->count >= NETEXE_ZSTD_MAGIC_LEN) {
                s->state = ZS_IN_FRAME;
            }
        }
        if (netexe_decoder_memory(d) > NETEXE_DECODE_MEMORY_MAX) {
            *used = zin.pos;
            *made = zout.pos;
            return over_bound(d, "zstd window over the memory budget");
        }
        s->out_filled = zout.pos == zout.size;
        if (zin.pos == in_before && zout.pos == out_before) {
            break;
        }
    }
    *used = zin.pos;
    *made = zout.pos;
    return STAGE_OK;
}

/* ---- one stage -------------------------------------------------------- */

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
        return step_gzip(d, s, in, in_len, used, out, out_cap, made);
    case NETEXE_CODING_DEFLATE:
        return step_deflate(d, s, in, in_len, used, out, out_cap, made);
    case NETEXE_CODING_BR:
        return step_br(d, s, in, in_len, used, out, out_cap, made);
    case NETEXE_CODING_ZSTD:
        return step_zstd(d, s, in, in_len, used, out, out_cap, made);
    }
    *used = *made = 0;
    return corrupt(d, "unknown coding");
}

static void stage_free(netexe_decoder *d, netexe_stage *s)
{
    if (s->replay) {
        counted_free(d, s->replay);
        s->replay = NULL;
    }
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
    size_t head, size;
    int i;

    if (n < 1 || n > NETEXE_DECODE_MAX_CODINGS) {
        return NULL;
    }
    head = offsetof(netexe_decoder, st) + (size_t)n * sizeof(netexe_stage);
    size = head + (size_t)(n - 1) * NETEXE_DECODE_STAGE_BUF;
    d = malloc(size);
    if (!d) {
        return NULL;
    }
    /* The stage buffers are written before they are read: not zeroed. */
    memset(d, 0, head);
    d->n = n;
    d->size = size;
    d->error = "";
    d->failed_at = -1;
    for (i = 0; i < n; i++) {
        /* Stage 0 undoes the last coding listed. */
        d->st[i].coding = codings[n - 1 - i];
        if (i < n - 1) {
            d->st[i].buf = (unsigned char *)d + head
                           + (size_t)i * NETEXE_DECODE_STAGE_BUF;
        }
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
    bytes = d->size + d->lib_bytes;
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

int netexe_decoder_bound_reached(const netexe_decoder *d)
{
    return d && d->final == NETEXE_DECODE_ERROR && d->bound;
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
    size_t got_in = 0, got_out = 0, read_left = NETEXE_DECODE_CALL_WORK;
    int last = d->n - 1;

    *in_used = *out_made = 0;
    if (d->final != NETEXE_DECODE_MORE) {
        return d->final;
    }
    d->call_left = NETEXE_DECODE_WORK_MAX - d->written;
    if (d->call_left > NETEXE_DECODE_CALL_WORK) {
        d->call_left = NETEXE_DECODE_CALL_WORK;
    }
    for (;;) {
        int progress = 0, i;

        /* After a failure only the stages after it run: what they hold
         * is part of the body a client decodes. */
        for (i = d->failed_at + 1; i <= last; i++) {
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
                if (src_len > read_left) {
                    src_len = read_left;
                }
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
                dst_cap = NETEXE_DECODE_STAGE_BUF - s->len;
            }
            if (dst_cap > d->call_left) {
                dst_cap = d->call_left;
            }
            /* A started stage is stepped without input too: it may hold
             * decoded bytes that did not fit before. */
            if (src_len == 0 && !(prev && (prev->ended || prev->failed))
                && !s->started) {
                continue;
            }
            rc = stage_step(d, s, src, src_len, &used, dst, dst_cap, &made);
            if (prev) {
                prev->pos += used;
            }
            else {
                got_in += used;
                read_left -= used;
            }
            if (i == last) {
                got_out += made;
            }
            else {
                s->len += made;
            }
            work_done(d, made);
            progress |= used != 0 || made != 0;
            if (rc == STAGE_ERROR) {
                s->failed = 1;
                d->failed_at = i;
                progress = 1;
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
        *in_used = got_in;
        *out_made = got_out;
        if (got_out == out_cap) {
            return NETEXE_DECODE_FULL;
        }
        if (d->failed_at == last) {
            return decoder_finish(d, NETEXE_DECODE_ERROR);
        }
        if (d->written >= NETEXE_DECODE_WORK_MAX) {
            over_bound(d, "decoding work bound reached");
            return decoder_finish(d, NETEXE_DECODE_ERROR);
        }
        if (!progress) {
            break;
        }
    }
    if (d->failed_at >= 0) {
        /* The stages after the failed one have passed on all they can. */
        return decoder_finish(d, NETEXE_DECODE_ERROR);
    }
    if (d->call_left == 0 || (read_left == 0 && got_in < in_len)) {
        return NETEXE_DECODE_AGAIN;
    }
    return NETEXE_DECODE_MORE;
}
