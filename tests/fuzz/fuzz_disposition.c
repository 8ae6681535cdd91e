/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_disposition.c -- libFuzzer target for the Content-Disposition
 * builder (mod_netexe/disposition.h), whose input is the last segment of
 * a request path: bytes from a stranger.
 *
 * The first input byte picks is_dll, with_filename and a small output
 * size; the rest is the path.  Besides memory safety (ASan, UBSan; the
 * segment is a heap copy of exactly its bytes) it checks the promises of
 * disposition.h on every input:
 *   - netexe_last_segment() points into the path, after its last '/';
 *   - the value fits NETEXE_DISPOSITION_MAX, is printable ASCII only, is
 *     "attachment" alone without the filename, otherwise
 *     attachment; filename="Q" with no '"' or '\' in Q, Q ending in .exe
 *     or .dll (any case), then at most one ; filename*=UTF-8''E with E of
 *     RFC 8187 attr-chars and upper-case %XX; decoded E is valid UTF-8 of
 *     at most NETEXE_NAME_MAX bytes, without a C1 control, a bidi or line
 *     separator control, or a character shown as nothing or as blank
 *     (this file's own list of them, written from disposition.h);
 *   - a too small output buffer gives 0 and "", never a partial value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "disposition.h"

#define FUZZ_FLAG_DLL       0x01u
#define FUZZ_FLAG_NO_NAME   0x02u
#define FUZZ_SMALL_SHIFT    2       /* bits 2-7: a small output size */
#define FUZZ_EXT_LEN        4       /* ".exe" / ".dll" */

#define FUZZ_ASSERT(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_disposition: promise broken: %s (%s:%d)\n",\
                    #cond, __FILE__, __LINE__);                              \
            abort();                                                         \
        }                                                                    \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_attr_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z') || strchr("!#$&+-.^_`|~", c) != NULL;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;                      /* lower case is not what we promise */
}

/* 1 when s[0 .. n-1] is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t k, len;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (len > n - i)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800u) || (len == 4 && cp < 0x10000u)
            || (cp >= 0xD800u && cp <= 0xDFFFu) || cp > 0x10FFFFu)
            return 0;
        i += len;
    }
    return 1;
}

/* The code points disposition.h promises never to pass on. */
static const struct {
    uint32_t lo, hi;
} hidden_ranges[] = {
    { 0x80, 0x9F },       { 0xAD, 0xAD },       { 0x34F, 0x34F },
    { 0x61C, 0x61C },     { 0x115F, 0x1160 },   { 0x17B4, 0x17B5 },
    { 0x180E, 0x180E },   { 0x200B, 0x200B },   { 0x200E, 0x200F },
    { 0x2028, 0x202E },   { 0x2060, 0x206F },   { 0x3164, 0x3164 },
    { 0xFEFF, 0xFEFF },   { 0xFFA0, 0xFFA0 },   { 0xFFF0, 0xFFFB },
    { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A }, { 0xE0000, 0xE00FF },
    { 0xE01F0, 0xE0FFF },
};

/* 1 when the well-formed UTF-8 s[0 .. n-1] holds none of hidden_ranges. */
static int nothing_hidden(const unsigned char *s, size_t n)
{
    size_t i = 0, k, r;

    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu)
                      : len == 3 ? (c & 0x0Fu) : (c & 0x07u);

        for (k = 1; k < len; k++)
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        for (r = 0; r < sizeof hidden_ranges / sizeof hidden_ranges[0]; r++)
            if (cp >= hidden_ranges[r].lo && cp <= hidden_ranges[r].hi)
                return 0;
        i += len;
    }
    return 1;
}

static void check_value(const char *v, size_t n, int with_filename)
{
    static const char pre[] = "attachment; filename=\"";
    static const char ext[] = "; filename*=UTF-8''";
    unsigned char name[NETEXE_DISPOSITION_MAX];
    const char *p, *q;
    size_t i, nl = 0;

    FUZZ_ASSERT(n > 0 && n < NETEXE_DISPOSITION_MAX && strlen(v) == n);
    for (i = 0; i < n; i++)
        FUZZ_ASSERT(v[i] >= 0x20 && v[i] <= 0x7E);
    if (!with_filename) {
        FUZZ_ASSERT(strcmp(v, "attachment") == 0);
        return;
    }
    FUZZ_ASSERT(strncmp(v, pre, sizeof pre - 1) == 0);
    q = v + sizeof pre - 1;
    p = strchr(q, '"');
    FUZZ_ASSERT(p != NULL && p - q >= FUZZ_EXT_LEN);
    FUZZ_ASSERT(memchr(q, '\\', (size_t)(p - q)) == NULL);
    FUZZ_ASSERT(strncasecmp(p - FUZZ_EXT_LEN, ".exe", FUZZ_EXT_LEN) == 0
                || strncasecmp(p - FUZZ_EXT_LEN, ".dll", FUZZ_EXT_LEN) == 0);
    p++;
    if (*p == '\0')
        return;
    FUZZ_ASSERT(strncmp(p, ext, sizeof ext - 1) == 0);
    for (p += sizeof ext - 1; *p != '\0'; p++) {
        if (*p == '%') {
            int hi = hex_value((unsigned char)p[1]);
            int lo = hi < 0 ? -1 : hex_value((unsigned char)p[2]);
            FUZZ_ASSERT(hi >= 0 && lo >= 0);
            name[nl++] = (unsigned char)(hi * 16 + lo);
            p += 2;
        } else {
            FUZZ_ASSERT(is_attr_char((unsigned char)*p));
            name[nl++] = (unsigned char)*p;
        }
    }
    FUZZ_ASSERT(nl > 0 && nl <= NETEXE_NAME_MAX);
    FUZZ_ASSERT(valid_utf8(name, nl));
    FUZZ_ASSERT(nothing_hidden(name, nl));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[NETEXE_DISPOSITION_MAX];
    char small[NETEXE_DISPOSITION_MAX];
    char *path;
    const char *seg;
    size_t pathlen, seglen = 0, n, smallsz;
    unsigned flags;

    if (size == 0)
        return 0;
    flags = data[0];
    pathlen = size - 1;
    path = malloc(pathlen ? pathlen : 1);
    FUZZ_ASSERT(path != NULL);
    memcpy(path, data + 1, pathlen);

    seg = netexe_last_segment(path, pathlen, &seglen);
    FUZZ_ASSERT(seg >= path && seglen <= pathlen
                && (size_t)(seg - path) == pathlen - seglen);
    FUZZ_ASSERT(memchr(seg, '/', seglen) == NULL);
    FUZZ_ASSERT(seg == path || seg[-1] == '/');

    n = netexe_disposition(out, sizeof out, seg, seglen,
                           (flags & FUZZ_FLAG_DLL) != 0,
                           (flags & FUZZ_FLAG_NO_NAME) == 0);
    check_value(out, n, (flags & FUZZ_FLAG_NO_NAME) == 0);

    /* Too small a buffer: 0 and "", or (when it fits) the same value. */
    smallsz = flags >> FUZZ_SMALL_SHIFT;
    if (smallsz > 0) {
        size_t m = netexe_disposition(small, smallsz, seg, seglen,
                                      (flags & FUZZ_FLAG_DLL) != 0,
                                      (flags & FUZZ_FLAG_NO_NAME) == 0);
        if (n < smallsz)
            FUZZ_ASSERT(m == n && strcmp(small, out) == 0);
        else
            FUZZ_ASSERT(m == 0 && small[0] == '\0');
    }
    free(path);
    return 0;
}
