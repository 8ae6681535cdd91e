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
 * never changed.  Memory: each stage keeps a fixed buffer and its library's
 * state; zlib's and brotli's allocations are counted (netexe_decoder_memory)
 * and brotli's are refused beyond NETEXE_DECODE_WINDOW_MAX, zstd frames are
 * refused beyond the same window (browsers accept no larger ones).  Pure C
 * on zlib, libbrotlidec and libzstd; no APR, no global state.
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

/* Most codings decoded in one body.  A longer list is not decoded. */
#define NETEXE_DECODE_MAX_CODINGS   8

/* The largest window a stage may allocate (brotli's largest standard
 * window is 16 MiB; browsers refuse zstd windows above 8 MiB). */
#define NETEXE_DECODE_WINDOW_MAX    (16u * 1024u * 1024u)
#define NETEXE_DECODE_ZSTD_WINDOW_LOG_MAX 23

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
    NETEXE_DECODE_ERROR         /* corrupt, unsupported or over budget */
} netexe_decode_status;

/* A decoder for codings[0 .. n-1] as listed in Content-Encoding.  NULL
 * when memory is short or n is out of range. */
netexe_decoder *netexe_decoder_new(const netexe_coding *codings, int n);
void netexe_decoder_free(netexe_decoder *d);

/* Reads from in[0 .. in_len-1] and writes decoded bytes to out[0 ..
 * out_cap-1].  *in_used and *out_made get what was read and written.
 * Call again with the unread input and more room after FULL, or with more
 * input after MORE.  After END or ERROR, further calls return the same. */
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

#ifdef __cplusplus
}
#endif
#endif
