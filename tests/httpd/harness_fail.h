/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_fail.h -- helpers of the "fail closed" suites (check_clrrule,
 * check_codings, check_statuses, check_far, check_cache, check_oneheader,
 * check_noenv), on top of harness.h:
 *
 *   - encoded fixtures made at test time by the programs a Debian system
 *     has (gzip, brotli, zstd; build-aux/deps.sh installs them): gzip,
 *     zlib-wrapped and raw deflate (both cut out of gzip's own output, so
 *     that every deflate stream comes from zlib), br and zstd;
 *   - the peak memory of the server's processes over one request
 *     (/proc/PID/clear_refs "5" resets VmHWM; the growth is VmHWM after
 *     minus VmRSS before);
 *   - the figures of the filter's debug line for a URI ("N bytes
 *     examined, M bytes held").
 *
 * Every function returns 0 on success and -1 on failure with the reason
 * on stderr, so that a suite asserts on it.  No global state.
 */
#ifndef NETEXE_HARNESS_FAIL_H
#define NETEXE_HARNESS_FAIL_H

#include <stddef.h>
#include <sys/types.h>

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

/* Runs the shell command cmd (sh -c) with a bound of HFAIL_RUN_MS; 0 when
 * it exited with status 0.  The suites only pass paths made by the
 * harness (no quotes in them), quoted with single quotes. */
int hfail_sh(const char *cmd);

/* --- memory of the server's processes ------------------------------------ */

#define HFAIL_PROCS_MAX         16

/* The processes that may serve a request: the children of the parent
 * apache2 (its PidFile), or the parent itself under HARNESS_SINGLE. */
typedef struct {
    size_t n;
    pid_t pid[HFAIL_PROCS_MAX];
    long rss_kib[HFAIL_PROCS_MAX];      /* VmRSS when the mark was taken */
} hfail_mem_mark;

/* Resets the peak RSS of every such process (clear_refs "5") and records
 * its RSS. */
int hfail_mem_mark_take(const harness_httpd *h, hfail_mem_mark *m);

/* The largest peak RSS growth of one of the marked processes since the
 * mark, in KiB (VmHWM now minus VmRSS then); -1 when none could be read. */
long hfail_mem_growth_kib(const hfail_mem_mark *m);

/* 1 when apache2 runs under a wrapper (HARNESS_WRAPPER: valgrind, ASan's
 * runtime), whose own memory makes RSS figures meaningless. */
int hfail_wrapped(void);

/* --- the filter's debug line ---------------------------------------------- */

/* The figures of the last debug line of the filter for uri (r->uri, e.g.
 * "/far/f65664.exe"): "<uri>: <verdict>..., N bytes examined, M bytes
 * held, ...".  Waits up to HARNESS_LOG_WAIT_MS for one.  verdict (may be
 * NULL) gets the verdict word (up to size-1 bytes).  0 when found. */
int hfail_debug_figures(const harness_httpd *h, const char *uri,
                        long *examined, long *held, char *verdict,
                        size_t verdict_size);

#ifdef __cplusplus
}
#endif
#endif
