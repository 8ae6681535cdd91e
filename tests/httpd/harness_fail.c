/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_fail.c -- encoded fixtures, process memory and debug-line
 * figures for the "fail closed" suites (see harness_fail.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "harness_fail.h"

#define HFAIL_CMD_MAX           4096
#define HFAIL_POLL_MS           20
#define HFAIL_STATUS_LINE_MAX   256

/* RFC 1952: ID1 ID2 CM FLG MTIME(4) XFL OS, then (FLG 0) the deflate
 * stream, then CRC32 and ISIZE. */
#define GZIP_HEADER_LEN         10u
#define GZIP_TRAILER_LEN        8u
#define GZIP_ID1                0x1Fu
#define GZIP_ID2                0x8Bu
#define GZIP_CM_DEFLATE         8u
#define GZIP_FLG_OFFSET         3u

/* RFC 1950: CMF 0x78 (deflate, 32 KiB window), FLG 0x9C (default level,
 * no dictionary, (CMF * 256 + FLG) % 31 == 0); Adler-32 after the
 * stream, most significant byte first. */
#define ZLIB_CMF                0x78u
#define ZLIB_FLG                0x9Cu
#define ADLER_MOD               65521u

static void hfail_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long hfail_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int hfail_sh(const char *cmd)
{
    pid_t pid;
    int rc;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "harness_fail: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    rc = harness_wait_child(pid, "sh -c", harness_scaled_ms(HFAIL_RUN_MS));
    if (rc != 0) {
        fprintf(stderr, "harness_fail: [%s] exited with %d\n", cmd, rc);
        return -1;
    }
    return 0;
}

static int hfail_shf(const char *fmt, const char *a, const char *b)
{
    char cmd[HFAIL_CMD_MAX];
    int n = snprintf(cmd, sizeof cmd, fmt, a, b);

    if (n < 0 || (size_t)n >= sizeof cmd) {
        fprintf(stderr, "harness_fail: command too long\n");
        return -1;
    }
    return hfail_sh(cmd);
}

static uint32_t hfail_adler32(const unsigned char *p, size_t len)
{
    uint32_t a = 1, b = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        a = (a + p[i]) % ADLER_MOD;
        b = (b + a) % ADLER_MOD;
    }
    return (b << 16) | a;
}

static int hfail_write_path(const char *path, const unsigned char *p,
                            size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL) {
        fprintf(stderr, "harness_fail: %s: %s\n", path, strerror(errno));
        return -1;
    }
    ok = fwrite(p, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || chmod(path, 0644) != 0) {
        fprintf(stderr, "harness_fail: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

/* dst = the deflate stream inside the gzip file gz, raw or zlib-wrapped
 * around the Adler-32 of src. */
static int hfail_cut_deflate(const char *gz, const char *src, const char *dst,
                             int zlib)
{
    size_t gzlen = 0, srclen = 0, rawlen, outlen;
    unsigned char *g = harness_read_file(gz, &gzlen);
    unsigned char *s = harness_read_file(src, &srclen);
    unsigned char *out = NULL;
    int rc = -1;

    if (g == NULL || s == NULL
        || gzlen < GZIP_HEADER_LEN + GZIP_TRAILER_LEN
        || g[0] != GZIP_ID1 || g[1] != GZIP_ID2 || g[2] != GZIP_CM_DEFLATE
        || g[GZIP_FLG_OFFSET] != 0) {
        fprintf(stderr, "harness_fail: %s is not a plain gzip stream\n", gz);
        goto done;
    }
    rawlen = gzlen - GZIP_HEADER_LEN - GZIP_TRAILER_LEN;
    outlen = rawlen + (zlib ? 6u : 0u);
    out = malloc(outlen ? outlen : 1);
    if (out == NULL)
        goto done;
    if (zlib) {
        uint32_t ad = hfail_adler32(s, srclen);

        out[0] = ZLIB_CMF;
        out[1] = ZLIB_FLG;
        memcpy(out + 2, g + GZIP_HEADER_LEN, rawlen);
        out[2 + rawlen] = (unsigned char)(ad >> 24);
        out[3 + rawlen] = (unsigned char)(ad >> 16);
        out[4 + rawlen] = (unsigned char)(ad >> 8);
        out[5 + rawlen] = (unsigned char)ad;
    } else {
        memcpy(out, g + GZIP_HEADER_LEN, rawlen);
    }
    rc = hfail_write_path(dst, out, outlen);
done:
    free(g);
    free(s);
    free(out);
    return rc;
}

int hfail_mkdir_parent(harness_httpd *h, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    char *dir;
    int rc;

    if (slash == NULL || slash == rel)
        return 0;
    dir = malloc((size_t)(slash - rel) + 1);
    if (dir == NULL)
        return -1;
    memcpy(dir, rel, (size_t)(slash - rel));
    dir[slash - rel] = '\0';
    rc = harness_mkdir(h, dir);
    free(dir);
    return rc;
}

int hfail_encode(harness_httpd *h, const char *from_rel, const char *to_rel,
                 hfail_coding c)
{
    char *src, *dst, *tmp = NULL;
    int rc = -1;

    if (hfail_mkdir_parent(h, to_rel) != 0)
        return -1;
    src = harness_path(h, from_rel);
    dst = harness_path(h, to_rel);
    switch (c) {
    case HFAIL_GZIP:
        rc = hfail_shf("gzip -n -9 -c '%s' > '%s'", src, dst);
        if (rc == 0)
            rc = hfail_shf("gzip -d -c '%s' | cmp -s - '%s'", dst, src);
        break;
    case HFAIL_ZLIB:
    case HFAIL_RAW_DEFLATE:
        tmp = malloc(strlen(dst) + sizeof ".gzip");
        if (tmp == NULL)
            break;
        strcpy(tmp, dst);
        strcat(tmp, ".gzip");
        rc = hfail_shf("gzip -n -9 -c '%s' > '%s'", src, tmp);
        if (rc == 0)
            rc = hfail_shf("gzip -d -c '%s' | cmp -s - '%s'", tmp, src);
        if (rc == 0)
            rc = hfail_cut_deflate(tmp, src, dst, c == HFAIL_ZLIB);
        unlink(tmp);
        break;
    case HFAIL_BR:
        rc = hfail_shf("brotli -q 11 -c '%s' > '%s'", src, dst);
        if (rc == 0)
            rc = hfail_shf("brotli -d -c '%s' | cmp -s - '%s'", dst, src);
        break;
    case HFAIL_ZSTD:
        rc = hfail_shf("zstd -q -19 -c '%s' > '%s'", src, dst);
        if (rc == 0)
            rc = hfail_shf("zstd -q -d -c '%s' | cmp -s - '%s'", dst, src);
        break;
    default:
        fprintf(stderr, "harness_fail: unknown coding %d\n", (int)c);
        break;
    }
    if (rc == 0 && chmod(dst, 0644) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "harness_fail: encoding %s as %s failed\n", from_rel,
                to_rel);
    free(tmp);
    free(src);
    free(dst);
    return rc;
}

/* --- memory ----------------------------------------------------------------- */

int hfail_wrapped(void)
{
    const char *w = getenv("HARNESS_WRAPPER");
    return w != NULL && *w != '\0';
}

/* The value in KiB of the line "name:   N kB" of /proc/pid/status, or -1. */
static long hfail_status_kib(pid_t pid, const char *name)
{
    char path[64], line[HFAIL_STATUS_LINE_MAX];
    size_t nl = strlen(name);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, name, nl) == 0 && line[nl] == ':') {
            v = strtol(line + nl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* The parent pid field of /proc/pid/stat (after the command's ')'). */
static pid_t hfail_ppid(pid_t pid)
{
    char path[64], buf[512], *rp;
    FILE *f;
    size_t n;
    long ppid = 0;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    rp = strrchr(buf, ')');
    if (rp != NULL && rp[1] == ' ' && rp[2] != '\0' && rp[3] == ' ')
        ppid = strtol(rp + 4, NULL, 10);
    return (pid_t)ppid;
}

static int hfail_reset_peak(pid_t pid)
{
    char path[64];
    int fd, ok;

    snprintf(path, sizeof path, "/proc/%ld/clear_refs", (long)pid);
    fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok ? 0 : -1;
}

int hfail_mem_mark_take(const harness_httpd *h, hfail_mem_mark *m)
{
    char path[4096];
    unsigned char *s;
    long parent = 0;
    DIR *d;
    struct dirent *de;
    size_t i;

    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/run/httpd.pid", harness_root(h));
    s = harness_read_file(path, NULL);
    if (s != NULL) {
        parent = strtol((char *)s, NULL, 10);
        free(s);
    }
    if (parent <= 0) {
        fprintf(stderr, "harness_fail: no pid in %s\n", path);
        return -1;
    }
    /* The parent too: under HARNESS_SINGLE it serves the requests. */
    m->pid[m->n++] = (pid_t)parent;
    d = opendir("/proc");
    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL && m->n < HFAIL_PROCS_MAX) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);

        if (pid <= 0 || *end != '\0')
            continue;
        if (hfail_ppid((pid_t)pid) == (pid_t)parent)
            m->pid[m->n++] = (pid_t)pid;
    }
    closedir(d);
    for (i = 0; i < m->n; i++) {
        if (hfail_reset_peak(m->pid[i]) != 0) {
            fprintf(stderr, "harness_fail: cannot reset the peak RSS of %ld\n",
                    (long)m->pid[i]);
            return -1;
        }
        m->rss_kib[i] = hfail_status_kib(m->pid[i], "VmRSS");
    }
    return 0;
}

long hfail_mem_growth_kib(const hfail_mem_mark *m)
{
    long most = -1;
    size_t i;

    for (i = 0; i < m->n; i++) {
        long hwm = hfail_status_kib(m->pid[i], "VmHWM");
        long g;

        if (hwm < 0 || m->rss_kib[i] < 0)
            continue;
        g = hwm - m->rss_kib[i];
        if (g < 0)
            g = 0;
        if (g > most)
            most = g;
    }
    return most;
}

/* --- the debug line ------------------------------------------------------------ */

/* The number that ends just before p (digits back from p - 1), or -1. */
static long hfail_number_before(const char *line, const char *p)
{
    const char *q = p;

    while (q > line && isdigit((unsigned char)q[-1]))
        q--;
    return q == p ? -1 : strtol(q, NULL, 10);
}

/* Fills the figures from the last line of log about uri; 0 when found. */
static int hfail_scan_debug(const char *log, const char *uri, long *examined,
                            long *held, char *verdict, size_t verdict_size)
{
    size_t ul = strlen(uri);
    const char *line = log;
    int found = 0;

    while (*line != '\0') {
        const char *eol = strchr(line, '\n');
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        char *copy = malloc(ll + 1), *at, *ex, *hd;

        if (copy == NULL)
            return -1;
        memcpy(copy, line, ll);
        copy[ll] = '\0';
        at = strstr(copy, uri);
        /* " <uri>: " exactly: the URI as a whole word, then ": ". */
        while (at != NULL && !(at > copy && at[-1] == ' '
                               && at[ul] == ':' && at[ul + 1] == ' '))
            at = strstr(at + 1, uri);
        ex = at ? strstr(at, " bytes examined") : NULL;
        hd = at ? strstr(at, " bytes held") : NULL;
        if (ex != NULL && hd != NULL) {
            const char *v = at + ul + 2;
            size_t vl = strcspn(v, " ,(");

            *examined = hfail_number_before(copy, ex);
            *held = hfail_number_before(copy, hd);
            if (verdict != NULL && verdict_size > 0) {
                if (vl >= verdict_size)
                    vl = verdict_size - 1;
                memcpy(verdict, v, vl);
                verdict[vl] = '\0';
            }
            found = 1;
        }
        free(copy);
        if (eol == NULL)
            break;
        line = eol + 1;
    }
    return found ? 0 : -1;
}

int hfail_debug_figures(const harness_httpd *h, const char *uri,
                        long *examined, long *held, char *verdict,
                        size_t verdict_size)
{
    long deadline = hfail_now_ms() + harness_scaled_ms(HARNESS_LOG_WAIT_MS);

    *examined = *held = -1;
    if (verdict != NULL && verdict_size > 0)
        verdict[0] = '\0';
    for (;;) {
        char *log = harness_error_log(h);
        int rc = hfail_scan_debug(log, uri, examined, held, verdict,
                                  verdict_size);

        free(log);
        if (rc == 0)
            return 0;
        if (hfail_now_ms() > deadline) {
            fprintf(stderr, "harness_fail: no debug line for %s\n", uri);
            return -1;
        }
        hfail_sleep_ms(HFAIL_POLL_MS);
    }
}
