/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_mem.h -- what one request costs a running apache2 in memory,
 * measured by the kernel, not by the module's own account; and the
 * module's own account, read from its debug line, to compare.
 *
 * The server runs one process that serves requests: one prefork child
 * (HARNESS_MEM_ONE_CHILD in the suite's configuration), or apache2 -X
 * under HARNESS_SINGLE.  Around a request:
 *
 *     pid_t pid = harness_mem_server_pid(srv);   the serving process
 *     harness_mem_mark m;
 *
 *     harness_mem_start(pid, &m);       peak RSS := RSS (clear_refs 5)
 *     harness_get(srv, "/dl/app.exe", &r);
 *     long kib = harness_mem_growth_kib(&m);   VmHWM now - VmRSS before
 *
 * Writing "5" to /proc/PID/clear_refs resets the process's peak resident
 * set size (VmHWM) to its current one (Linux >= 4.0), so the growth is
 * the most the request made resident at any moment, also when it was
 * freed again before the response ended.  Memory the process already had
 * resident from earlier requests (allocator free lists) is reused without
 * growing: measure on a server whose process has not served a large
 * request of the same kind yet.
 *
 * A server with several children whose requests may land in any of them
 * is measured the same way over all its processes (harness_mem_start_all:
 * the most one of them grew), or by the sum of its children's peaks
 * before and after (harness_mem_children_hwm_kib).
 *
 * Under a memory tool (HARNESS_WRAPPER: valgrind, ASan's runtime) the
 * process's RSS is mostly the tool's own (shadow memory, quarantine):
 * harness_mem_meaningful() says so, and suites report the figure there
 * without bounding it.
 */
#ifndef NETEXE_HARNESS_MEM_H
#define NETEXE_HARNESS_MEM_H

#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A configuration snippet for o.config: one prefork child that lives for
 * the whole run (use with o.mpm = HARNESS_MPM_PREFORK), so that every
 * request is served by the process harness_mem_server_pid() finds. */
#define HARNESS_MEM_ONE_CHILD                                               \
    "<IfModule mpm_prefork_module>\n"                                       \
    "    StartServers 1\n"                                                  \
    "    MinSpareServers 1\n"                                               \
    "    MaxSpareServers 1\n"                                               \
    "    ServerLimit 1\n"                                                   \
    "    MaxRequestWorkers 1\n"                                             \
    "    MaxConnectionsPerChild 0\n"                                        \
    "</IfModule>\n"

/* How long harness_mem_server_pid() waits for the process to appear. */
#define HARNESS_MEM_PID_WAIT_MS 5000

/* The process that serves the requests of h: the only child of the
 * server's parent (the PidFile's process), or the parent itself when it
 * has no child (apache2 -X).  Waits up to HARNESS_MEM_PID_WAIT_MS while
 * there is not exactly one child yet.  0 when there is none (the server
 * is not running) or still more than one (reason on stderr). */
pid_t harness_mem_server_pid(const harness_httpd *h);

/* A field of /proc/PID/status in kB ("VmRSS", "VmHWM"); -1 when the
 * process or the field is missing. */
long harness_mem_status_kib(pid_t pid, const char *field);

/* The most processes one mark follows. */
#define HARNESS_MEM_PROCS_MAX 16

/* Processes whose peak RSS was reset, and their RSS right after it. */
typedef struct {
    size_t n;
    pid_t pid[HARNESS_MEM_PROCS_MAX];
    long rss_kib[HARNESS_MEM_PROCS_MAX];
} harness_mem_mark;

/* Resets pid's peak RSS to its current RSS and records that RSS in *m.
 * 0 on success, -1 when clear_refs cannot be written (reason on stderr). */
int harness_mem_start(pid_t pid, harness_mem_mark *m);

/* The same for every process of h that may serve a request: the parent
 * (it serves under HARNESS_SINGLE) and its living children, for a server
 * whose requests may land in any of several children.  0 on success, -1
 * when the parent is unknown or a reset fails (reason on stderr). */
int harness_mem_start_all(const harness_httpd *h, harness_mem_mark *m);

/* The most one marked process grew since the mark, in KiB: its VmHWM now
 * minus its VmRSS then.  -1 when no marked process is left. */
long harness_mem_growth_kib(const harness_mem_mark *m);

/* The VmHWM of h's living children summed, in KiB, without any reset:
 * their peaks since they started.  *n (may be NULL) gets their count.
 * -1 when the server's parent is unknown (reason on stderr). */
long harness_mem_children_hwm_kib(const harness_httpd *h, int *n);

/* 1 when RSS is the server's own (no HARNESS_WRAPPER), 0 under a tool. */
int harness_mem_meaningful(void);

/* The module's debug line for uri ("<uri>: <verdict>..., N bytes
 * examined, M bytes held, ..."; LogLevel netexe:debug, the harness's
 * default), the last one in the error log, waiting up to timeout_ms for
 * it.  *verdict (may be NULL) gets the verdict word (at most vlen - 1
 * characters), *examined and *held the figures.  0 when found. */
int harness_mem_logged(const harness_httpd *h, const char *uri,
                       long timeout_ms, char *verdict, size_t vlen,
                       long *examined, long *held);

#ifdef __cplusplus
}
#endif
#endif
