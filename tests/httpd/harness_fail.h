/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_fail.h -- encoded fixtures of the "fail closed" suites
 * (check_codings, check_attack), on top of harness.h: made at test time by
 * the programs a Debian system has (gzip, brotli, zstd; build-aux/deps.sh
 * installs them): gzip, zlib-wrapped and raw deflate (both cut out of
 * gzip's own output, so that every deflate stream comes from zlib), br and
 * zstd.  The memory of the server's processes and the filter's debug line
 * are harness_mem.h's.
 *
 * Every function returns 0 on success and -1 on failure with the reason
 * on stderr, so that a suite asserts on it.  No global state.
 */
#ifndef NETEXE_HARNESS_FAIL_H
#define NETEXE_HARNESS_FAIL_H

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The content codings a fixture is encoded with. */
typedef enum {
    HFAIL_GZIP = 0,         /* gzip -n -9 */
    HFAIL_ZLIB,             /* "deflate" as RFC 9110 means it: RFC 1950 */
    HFAIL_RAW_DEFLATE,      /* "deflate" as some servers send it: RFC 1951 */
    HFAIL_BR,               /* brotli */
    HFAIL_ZSTD              /* zstd */
} hfail_coding;

/* The bound of every program run here (compressors, decompressors). */
#define HFAIL_RUN_MS            60000

/* Writes docroot/to_rel = docroot/from_rel encoded with c (mode 0644),
 * then decodes it again with the matching program (gzip -d, brotli -d,
 * zstd -d; zlib and raw deflate are checked through the gzip stream they
 * are cut from) and compares with the input: a fixture that would not
 * decode to its source is never used. */
int hfail_encode(harness_httpd *h, const char *from_rel, const char *to_rel,
                 hfail_coding c);

/* Makes the directory that holds docroot/rel (and its parents), 0755. */
int hfail_mkdir_parent(harness_httpd *h, const char *rel);

/* Runs the shell command made from fmt (sh -c) with a bound of
 * HFAIL_RUN_MS; 0 when it exited with status 0.  The suites only pass
 * paths made by the harness (no quotes in them), quoted with single
 * quotes. */
int hfail_sh(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Writes docroot/to_rel (mode 0644, parents made) = the output of prog, a
 * command line that reads the file named last and writes to stdout
 * ("gzip -n -c", "zstd -q -c", "brotli -c"), on docroot/from_rel.  The
 * output is not checked: for streams browsers read in their own way. */
int hfail_filter(harness_httpd *h, const char *prog, const char *from_rel,
                 const char *to_rel);

#ifdef __cplusplus
}
#endif
#endif
