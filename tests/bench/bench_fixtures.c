/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * bench_fixtures.c -- writes the documents `make bench` serves.
 *
 * Usage: bench_fixtures DIR
 *
 *     DIR/page.html   a 4 KiB HTML page
 *     DIR/app.exe     a 64 KiB CLR EXE (pebuild's default image, padded)
 *     DIR/big.exe     a 1 GiB CLR EXE: the same header, then the file is
 *                     extended with ftruncate, so it is sparse and costs
 *                     no disk space
 *     DIR/far.exe     a 64 KiB CLR EXE whose PE header sits at e_lfanew
 *                     60000: a filter that sees it in pieces must hold
 *                     the first 60,240 bytes before it can decide (the
 *                     "pieces" phase sends it from a handler)
 *
 * Files are written mode 0644 so that httpd's User can read them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pebuild.h"

#define BENCH_PAGE_SIZE     4096u
#define BENCH_EXE_SIZE      (64u * 1024u)
#define BENCH_BIG_SIZE      ((off_t)1024 * 1024 * 1024)
#define BENCH_FAR_LFANEW    60000u
#define BENCH_FILE_MODE     0644

static char *bench_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);

    if (p != NULL) {
        snprintf(p, n, "%s/%s", dir, name);
    }
    return p;
}

/* An HTML page of exactly BENCH_PAGE_SIZE bytes: a head, then paragraphs
 * of filler text, then the closing tags. */
static int bench_write_page(const char *path)
{
    static const char head[] = "<!DOCTYPE html>\n<html><head><title>bench"
                               "</title></head><body>\n";
    static const char tail[] = "</body></html>\n";
    static const char para[] = "<p>mod_netexe benchmark page.</p>\n";
    char buf[BENCH_PAGE_SIZE];
    size_t len = 0;
    int fd;
    ssize_t k;

    memcpy(buf, head, sizeof head - 1);
    len = sizeof head - 1;
    while (len + sizeof para - 1 + sizeof tail - 1 <= sizeof buf) {
        memcpy(buf + len, para, sizeof para - 1);
        len += sizeof para - 1;
    }
    /* Pad the last line with spaces so the size is exact. */
    memset(buf + len, ' ', sizeof buf - len - (sizeof tail - 1));
    memcpy(buf + sizeof buf - (sizeof tail - 1), tail, sizeof tail - 1);

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, BENCH_FILE_MODE);
    if (fd < 0) {
        return -1;
    }
    k = write(fd, buf, sizeof buf);
    if (k != (ssize_t)sizeof buf) {
        if (k >= 0) {
            errno = EIO;
        }
        close(fd);
        return -1;
    }
    return close(fd);
}

/* A CLR EXE padded to size; e_lfanew 0: pebuild's default (0x80). */
static int bench_write_exe(const char *path, size_t size, uint32_t e_lfanew)
{
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.total_size = size;
    if (e_lfanew != 0) {
        s.e_lfanew = e_lfanew;
    }
    return pebuild_write_file(path, &s);
}

/* The header image, then a hole up to BENCH_BIG_SIZE. */
static int bench_write_big(const char *path)
{
    if (bench_write_exe(path, 0, 0) != 0) {
        return -1;
    }
    return truncate(path, BENCH_BIG_SIZE);
}

int main(int argc, char **argv)
{
    char *page, *exe, *big, *far;
    int rc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    page = bench_path(argv[1], "page.html");
    exe = bench_path(argv[1], "app.exe");
    big = bench_path(argv[1], "big.exe");
    far = bench_path(argv[1], "far.exe");
    if (page == NULL || exe == NULL || big == NULL || far == NULL) {
        fprintf(stderr, "bench_fixtures: out of memory\n");
        return 2;
    }
    if (bench_write_page(page) != 0) {
        fprintf(stderr, "bench_fixtures: %s: %s\n", page, strerror(errno));
        rc = 1;
    }
    else if (bench_write_exe(exe, BENCH_EXE_SIZE, 0) != 0) {
        fprintf(stderr, "bench_fixtures: %s: %s\n", exe, strerror(errno));
        rc = 1;
    }
    else if (bench_write_big(big) != 0) {
        fprintf(stderr, "bench_fixtures: %s: %s\n", big, strerror(errno));
        rc = 1;
    }
    else if (bench_write_exe(far, BENCH_EXE_SIZE, BENCH_FAR_LFANEW) != 0) {
        fprintf(stderr, "bench_fixtures: %s: %s\n", far, strerror(errno));
        rc = 1;
    }
    free(far);
    free(page);
    free(exe);
    free(big);
    return rc;
}
