/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * decode.h -- content codings, decoded only as far as a decision needs
 * (DESIGN.md section 5, "Content codings").
 *
 * netexe_coding_parse() reads a Content-Encoding value as a list of tokens,
 * the way httpd's mod_deflate does: "identity", "7bit", "8bit" and
 * "binary" are no coding; "gzip"/"x-gzip", "deflate", "br" and "zstd" are
 * decoded; anything else is a coding the module cannot decode, and the
 * body is then judged on its raw bytes, as browsers pass such a body
 * through raw.
 *
 * A netexe_decoder undoes the codings in the reverse of the order they are
 * listed in (the last one listed was applied last), writing the decoded
 * bytes into a buffer the caller bounds.  The encoded input is only read,
 * never changed.  It reads the codings as browsers do, not as strictly as
 * the RFCs allow:
 *
 *   gzip     the member header is read as Chromium reads it: the reserved
 *            FLG bits are ignored and the header CRC (FHCRC) is skipped
 *            unchecked; CM must be 8.  FEXTRA, FNAME and FCOMMENT together
 *            may hold NETEXE_DECODE_GZIP_HEADER_MAX bytes.  The trailer's
 *            CRC-32 and ISIZE are skipped unchecked, as browsers do not
 *            check them either.  Members that follow one another are
 *            decoded as one body; bytes after a member that do not start
 *            another one (1f 8b 08) end the body, as browsers ignore them.
 *   deflate  zlib-wrapped (RFC 9110) or raw.  Like Chromium, the decoder
 *            tries zlib when the first two bytes are a zlib header (raw
 *            deflate otherwise), and reads the body as raw deflate when
 *            that attempt fails early.
 *            "Early" is where Chromium still replays: within the first
 *            NETEXE_DECODE_DEFLATE_PROBE_MAX bytes, whether or not the
 *            zlib reading made output first.  The retry can only succeed
 *            when the raw reading is possible: every zlib header, read as
 *            raw deflate, starts a stored block (RFC 1951 3.2.4), so a
 *            body whose NLEN (bytes 3-4, counting from 0) is not the
 *            complement of its LEN (bytes 1-2) is read as zlib at once.
 *            Only a body that reads both ways is probed: nothing comes out
 *            of it until the zlib reading failed (raw), ended, or passed
 *            the probe bound (zlib).
 *   br, zstd as the libraries read them; zstd windows above 8 MiB are
 *            refused (browsers accept no larger ones).
 *
 * Memory: each stage keeps its library's state and, but for the last, a
 * small buffer to the next one, all of it counted by
 * netexe_decoder_memory and held to one budget for the decoder
 * (NETEXE_DECODE_WINDOW_MAX + 1 MiB: the largest window a browser decodes,
 * once): zlib's and brotli's allocations beyond it are refused, a zstd
 * stage that takes the total past it fails.
 *
 * Work: the bytes the stages write, to one another and to the caller, are
 * the decoder's work.  Over the decoder's life they are bounded by
 * NETEXE_DECODE_WORK_MAX, so that a small body cannot keep a thread
 * decoding (stacked codings whose inner streams skip what the outer ones
 * make: gzip file names, empty members).  One call writes at most
 * NETEXE_DECODE_CALL_WORK bytes in all and reads at most as many bytes of
 * its input, then returns NETEXE_DECODE_AGAIN.
 *
 * A refusal, like a corrupt stream, is NETEXE_DECODE_ERROR;
 * netexe_decoder_bound_reached() tells the two apart.  Pure C on zlib,
 * libbrotlidec and libzstd; no APR, no global state.
 */
#ifndef NETEXE_DECODE_H
#define NETEXE_DECODE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NETEXE_CODING_GZIP = 1,     /* gzip, x-gzip; concatenated members too */
    NETEXE_CODING_DEFLATE,      /* deflate: zlib-wrapped, or raw as sent */
    NETEXE_CODING_BR,
    NETEXE_CODING_ZSTD
} netexe_coding;

/* Most codings decoded in one body, as many as Firefox undoes.  A longer
 * list is not decoded. */
#define NETEXE_DECODE_MAX_CODINGS   16

/* The largest window a stage may allocate (brotli's largest standard
 * window is 16 MiB; browsers refuse zstd windows above 8 MiB). */
#define NETEXE_DECODE_WINDOW_MAX    (16u * 1024u * 1024u)
#define NETEXE_DECODE_ZSTD_WINDOW_LOG_MAX 23

/* The most bytes the stages of one decoder write over its life, and in
 * one call of netexe_decode (which also reads at most as many bytes of
 * its input). */
#define NETEXE_DECODE_WORK_MAX      (512u * 1024u * 1024u)
#define NETEXE_DECODE_CALL_WORK     (1024u * 1024u)

/* The most bytes of FEXTRA (with XLEN), FNAME and FCOMMENT (with their
 * NULs) in one gzip member header: room for the largest FEXTRA and 64 KiB
 * of names. */
#define NETEXE_DECODE_GZIP_HEADER_MAX (128u * 1024u)

/* The deflate coding's zlib attempt is given up for raw deflate when it
 * fails within this many bytes: Chromium replays the bytes of the reads
 * before the first that made output, until 1000 bytes have passed, and
 * reads at most 32 KiB at a time. */
#define NETEXE_DECODE_DEFLATE_PROBE_MAX (1000u + 32u * 1024u)

typedef enum {
    NETEXE_CODINGS_NONE = 0,    /* no coding, or only identity tokens */
    NETEXE_CODINGS_DECODE,      /* every token is one this file decodes */
    NETEXE_CODINGS_UNKNOWN,     /* some token is not: judge the raw bytes */
    NETEXE_CODINGS_TOO_MANY     /* more than NETEXE_DECODE_MAX_CODINGS */
} netexe_codings_kind;

/* Parses value (NUL-terminated, may be NULL).  With NETEXE_CODINGS_DECODE,
 * out[0 .. *n-1] get the codings in the order listed. */
netexe_codings_kind netexe_coding_parse(const char *value,
                                        netexe_coding out[NETEXE_DECODE_MAX_CODINGS],
                                        int *n);

typedef struct netexe_decoder netexe_decoder;

typedef enum {
    NETEXE_DECODE_MORE = 0,     /* all input used; more input may give more */
    NETEXE_DECODE_FULL,         /* out is full; the rest of in is unread */
    NETEXE_DECODE_END,          /* the coded stream ended */
    NETEXE_DECODE_ERROR,        /* corrupt, unsupported or over a bound */
    NETEXE_DECODE_AGAIN         /* the call did NETEXE_DECODE_CALL_WORK:
                                 * call again with the unread input; out
                                 * may have room left */
} netexe_decode_status;

/* A decoder for codings[0 .. n-1] as listed in Content-Encoding.  NULL
 * when memory is short or n is out of range. */
netexe_decoder *netexe_decoder_new(const netexe_coding *codings, int n);
void netexe_decoder_free(netexe_decoder *d);

/* Reads from in[0 .. in_len-1] and writes decoded bytes to out[0 ..
 * out_cap-1].  *in_used and *out_made get what was read and written.
 * Call again with the unread input and more room after FULL, with the
 * unread input after AGAIN, or with more input after MORE.  After END or
 * ERROR, further calls return the same.  When a stage fails, the stages
 * after it still pass on what it made before: ERROR comes once they are
 * drained, END if the last one ends first.  A call reads at most
 * NETEXE_DECODE_CALL_WORK bytes of in, its stages write at most as many
 * in all, and its time is linear in those bytes: once either bound is
 * reached with work left, it returns AGAIN (unless out is full: FULL). */
netexe_decode_status netexe_decode(netexe_decoder *d,
                                   const unsigned char *in, size_t in_len,
                                   size_t *in_used,
                                   unsigned char *out, size_t out_cap,
                                   size_t *out_made);

/* Bytes the decoder holds now: its stages' buffers and the libraries'
 * state. */
size_t netexe_decoder_memory(const netexe_decoder *d);

/* A short reason after NETEXE_DECODE_ERROR, for logs ("corrupt gzip
 * stream", ...); "" otherwise. */
const char *netexe_decoder_error(const netexe_decoder *d);

/* Non-zero after NETEXE_DECODE_ERROR when the decoder stopped at one of
 * its own bounds (memory budget, work bound, gzip header bound) rather
 * than at a corrupt or unsupported stream: a client without those bounds
 * may decode further than the decoder did. */
int netexe_decoder_bound_reached(const netexe_decoder *d);

#ifdef __cplusplus
}
#endif
#endif
