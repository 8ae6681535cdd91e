/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_fail.c -- encoded fixtures for the "fail closed" suites (see
 * harness_fail.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "harness_fail.h"

#define HFAIL_CMD_MAX           4096

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

/* Runs cmd (sh -c) with a bound of HFAIL_RUN_MS; 0 when it exited 0. */
static int hfail_run(const char *cmd)
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

int hfail_sh(const char *fmt, ...)
{
    char cmd[HFAIL_CMD_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd) {
        fprintf(stderr, "harness_fail: command too long: %s...\n", cmd);
        return -1;
    }
    return hfail_run(cmd);
}

int hfail_filter(harness_httpd *h, const char *prog, const char *from_rel,
                 const char *to_rel)
{
    char *src, *dst;
    int rc;

    if (hfail_mkdir_parent(h, to_rel) != 0)
        return -1;
    src = harness_path(h, from_rel);
    dst = harness_path(h, to_rel);
    rc = hfail_sh("%s '%s' > '%s' && chmod 0644 '%s'", prog, src, dst, dst);
    free(src);
    free(dst);
    return rc;
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
        rc = hfail_sh("gzip -n -9 -c '%s' > '%s'", src, dst);
        if (rc == 0)
            rc = hfail_sh("gzip -d -c '%s' | cmp -s - '%s'", dst, src);
        break;
    case HFAIL_ZLIB:
    case HFAIL_RAW_DEFLATE:
        tmp = malloc(strlen(dst) + sizeof ".gzip");
        if (tmp == NULL)
            break;
        strcpy(tmp, dst);
        strcat(tmp, ".gzip");
        rc = hfail_sh("gzip -n -9 -c '%s' > '%s'", src, tmp);
        if (rc == 0)
            rc = hfail_sh("gzip -d -c '%s' | cmp -s - '%s'", tmp, src);
        if (rc == 0)
            rc = hfail_cut_deflate(tmp, src, dst, c == HFAIL_ZLIB);
        unlink(tmp);
        break;
    case HFAIL_BR:
        rc = hfail_sh("brotli -q 11 -c '%s' > '%s'", src, dst);
        if (rc == 0)
            rc = hfail_sh("brotli -d -c '%s' | cmp -s - '%s'", dst, src);
        break;
    case HFAIL_ZSTD:
        rc = hfail_sh("zstd -q -19 -c '%s' > '%s'", src, dst);
        if (rc == 0)
            rc = hfail_sh("zstd -q -d -c '%s' | cmp -s - '%s'", dst, src);
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
