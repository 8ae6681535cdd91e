/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack6.c -- attacks on FILE buckets that the filter holds or
 * copies while it is undecided (mod_lua's r:sendfile, whose file mod_lua
 * closes once the brigade has been passed):
 *
 *   changed_file  a file rewritten by the handler after the filter judged
 *                 it: the client must get the bytes judged, or a body
 *                 with the verdict of what it gets;
 *   descriptors   thousands of large encoded files held in one response,
 *                 each on its own duplicate descriptor, under the usual
 *                 soft limit of 1024 descriptors;
 *   memory_*      thousands of small files in one response, measured in
 *                 one prefork child;
 *   withstood     attacks of the same kind that the module gets right.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "harness.h"
#include "harness_fail.h"
#include "harness_lua.h"
#include "harness_mem.h"
#include "pe.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          240

/* The rewritten file: an image judged with its PE header at 64 KiB (not
 * CLR), and a CLR PE header at 66 KiB that the rewritten DOS header
 * points to.  The first REWRITE_HEAD bytes are the file. */
#define RW_JUDGED_LFANEW        0x10000u
#define RW_CLR_LFANEW           0x10800u
#define RW_SIZE                 0x12000u
#define RW_HEAD_LARGE           2048u   /* more than a 1 KiB limit holds */
#define RW_HEAD_SMALL           512u    /* less: copied */

/* Held files: a raw deflate stream of stored blocks, the same block of
 * FD_BLOCK_DATA zeros FD_BLOCKS times between a DOS header and a CLR PE
 * header; under a 1 KiB limit each block's file (5 + FD_BLOCK_DATA bytes)
 * is larger than the room left, so it is held. */
#define FD_BLOCK_DATA           1020u
#define FD_BLOCKS               1500u
#define FD_LFANEW               (64u + FD_BLOCKS * FD_BLOCK_DATA)
#define FD_SIZE                 (FD_LFANEW + 0x1000u)
#define FD_SOFT_LIMIT           1024u

/* A PE header 60.25 KiB in, after 60 KiB of heap bytes; the rest of the
 * image (1 MiB in all) as one file. */
#define HEAP_LFANEW             0xF100u
#define HEAP_LEN                61440u
#define HEAP_IMG_SIZE           0x100000u

/* An image with noise before its PE header at 64 KiB, compressed; its
 * first NOISE_HEAD encoded bytes as a file of their own. */
#define NOISE_LFANEW            0x10000u
#define NOISE_SIZE              0x11000u
#define NOISE_HEAD              8192u
#define SMALL_LFANEW            0x80u
#define SMALL_IMG_SIZE          8192u

/* br pieces under a 1 KiB limit. */
#define BR_PIECE_LEN            200u

/* Many small files: an image with its PE header just under 64 KiB. */
#define PIECES_LFANEW           0xF000u
#define PIECES_SIZE             0xF800u
#define PIECE_LEN               16u
#define NPIECES                 (PIECES_SIZE / PIECE_LEN)

/* 2 x NetExeSniffLimit + 4 MiB (DESIGN.md section 5), in KiB; + 16 MiB
 * with br. */
#define RSS_BUDGET_KIB          (2L * 64L + 4096L)
#define RSS_BUDGET_BR_KIB       (RSS_BUDGET_KIB + 16384L)

static harness_httpd *srv;

static const char config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/lua\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/luasmall\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 1024\n"
    "    SetHandler lua-script\n"
    "</Directory>\n";

static const char *const modules[] = { "lua", "http2", NULL };

/* Fills [from, to) of img with bytes no compressor shrinks. */
static void noise(unsigned char *img, size_t from, size_t to)
{
    uint32_t x = 0x9E3779B9u;
    size_t i;

    for (i = from; i < to; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        img[i] = (unsigned char)(x >> 24);
    }
}

/* data[0 .. len-1] as raw deflate stored blocks (RFC 1951 section
 * 3.2.4), the last one final when final is set: malloc'd, *out_len its
 * size.  Each block starts on a byte boundary, so such pieces can be
 * concatenated into one stream. */
static unsigned char *stored(const unsigned char *data, size_t len,
                             int final, size_t *out_len)
{
    size_t nblocks = len == 0 ? 1 : (len + 65534u) / 65535u;
    unsigned char *out = malloc(len + nblocks * 5u);
    size_t o = 0, pos = 0;

    ck_assert_ptr_nonnull(out);
    do {
        size_t k = len - pos > 65535u ? 65535u : len - pos;
        int last = pos + k == len;

        out[o++] = (unsigned char)(final && last ? 1 : 0);
        out[o++] = (unsigned char)(k & 0xFF);
        out[o++] = (unsigned char)(k >> 8);
        out[o++] = (unsigned char)(~k & 0xFF);
        out[o++] = (unsigned char)((~k >> 8) & 0xFF);
        memcpy(out + o, data + pos, k);
        o += k;
        pos += k;
    } while (pos < len);
    *out_len = o;
    return out;
}

/* Writes docroot/rel as the stored blocks of data[0 .. len-1]. */
static void put_stored(const char *rel, const unsigned char *data, size_t len,
                       int final)
{
    size_t n;
    unsigned char *s = stored(data, len, final, &n);

    HARNESS_PUT(srv, rel, s, n);
    free(s);
}

/* Writes docroot/to_rel as docroot/a_rel followed by docroot/b_rel. */
static void put_concat(const char *to_rel, const char *a_rel,
                       const char *b_rel)
{
    size_t alen, blen;
    unsigned char *a = harness_read_fixture(srv, a_rel, &alen);
    unsigned char *b = harness_read_fixture(srv, b_rel, &blen);
    unsigned char *c;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    c = malloc(alen + blen);
    ck_assert_ptr_nonnull(c);
    memcpy(c, a, alen);
    memcpy(c + alen, b, blen);
    HARNESS_PUT(srv, to_rel, c, alen + blen);
    free(a);
    free(b);
    free(c);
}

/* Writes docroot/dir/pNNNNN, pieces of piece bytes of docroot/from_rel;
 * their count. */
static unsigned put_pieces(const char *from_rel, const char *dir,
                           size_t piece)
{
    size_t len, i;
    unsigned n = 0;
    unsigned char *data = harness_read_fixture(srv, from_rel, &len);
    char rel[96];

    ck_assert_ptr_nonnull(data);
    for (i = 0; i < len; i += piece, n++) {
        snprintf(rel, sizeof rel, "%s/p%05u", dir, n);
        HARNESS_PUT(srv, rel, data + i, len - i < piece ? len - i : piece);
    }
    free(data);
    return n;
}

/* ---- the server of the attacks ---------------------------------------- */

static void setup_changed_file(void)
{
    unsigned char *judged, *clr;
    size_t len;
    char *live;

    /* The body judged: a PE header that is not CLR at 64 KiB, a CLR one
     * at 66 KiB; the DOS header of clr points to the second. */
    HARNESS_PE_IMAGE(judged, 0, RW_JUDGED_LFANEW, RW_SIZE, &len);
    HARNESS_PE_IMAGE(clr, 1, RW_CLR_LFANEW, RW_SIZE, &len);
    memcpy(judged + RW_CLR_LFANEW, clr + RW_CLR_LFANEW,
           RW_SIZE - RW_CLR_LFANEW);
    memcpy(clr, judged, RW_SIZE);
    clr[0x3C] = (unsigned char)(RW_CLR_LFANEW & 0xFF);
    clr[0x3D] = (unsigned char)((RW_CLR_LFANEW >> 8) & 0xFF);
    clr[0x3E] = (unsigned char)((RW_CLR_LFANEW >> 16) & 0xFF);
    clr[0x3F] = (unsigned char)((RW_CLR_LFANEW >> 24) & 0xFF);
    HARNESS_PUT(srv, "img/rw-judged.exe", judged, RW_SIZE);
    HARNESS_PUT(srv, "img/rw-clr.exe", clr, RW_SIZE);

    put_stored("rw/large.a", judged, RW_HEAD_LARGE, 0);
    put_stored("rw/large.b", clr, RW_HEAD_LARGE, 0);
    put_stored("rw/large.rest", judged + RW_HEAD_LARGE,
               RW_SIZE - RW_HEAD_LARGE, 1);
    put_concat("img/rw-large-judged.deflate", "rw/large.a", "rw/large.rest");
    put_concat("img/rw-large-changed.deflate", "rw/large.b",
               "rw/large.rest");
    put_stored("rw/small.a", judged, RW_HEAD_SMALL, 0);
    put_stored("rw/small.b", clr, RW_HEAD_SMALL, 0);
    put_stored("rw/small.rest", judged + RW_HEAD_SMALL,
               RW_SIZE - RW_HEAD_SMALL, 1);
    put_concat("img/rw-small-judged.deflate", "rw/small.a", "rw/small.rest");
    put_concat("img/rw-small-changed.deflate", "rw/small.b",
               "rw/small.rest");
    /* gzip: the file is a whole member of its own (stored: noise does not
     * shrink), rewritten with a member of the same size and a valid CRC;
     * the rest is a second member. */
    noise(judged, 0x40u, RW_HEAD_LARGE);
    memcpy(clr + 0x40u, judged + 0x40u, RW_HEAD_LARGE - 0x40u);
    HARNESS_PUT(srv, "rw/gzip.a.raw", judged, RW_HEAD_LARGE);
    HARNESS_PUT(srv, "rw/gzip.b.raw", clr, RW_HEAD_LARGE);
    HARNESS_PUT(srv, "rw/gzip.rest.raw", judged + RW_HEAD_LARGE,
                RW_SIZE - RW_HEAD_LARGE);
    HARNESS_PUT(srv, "img/rw-gzip-judged.exe", judged, RW_SIZE);
    HARNESS_PUT(srv, "img/rw-gzip-clr.exe", clr, RW_SIZE);
    ck_assert_int_eq(hfail_encode(srv, "rw/gzip.a.raw", "rw/gzip.a",
                                  HFAIL_GZIP), 0);
    ck_assert_int_eq(hfail_encode(srv, "rw/gzip.b.raw", "rw/gzip.b",
                                  HFAIL_GZIP), 0);
    ck_assert_int_eq(hfail_encode(srv, "rw/gzip.rest.raw", "rw/gzip.rest",
                                  HFAIL_GZIP), 0);
    {
        size_t al, bl;
        unsigned char *a = harness_read_fixture(srv, "rw/gzip.a", &al);
        unsigned char *b = harness_read_fixture(srv, "rw/gzip.b", &bl);

        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(al, bl);
        ck_assert_uint_gt(al, 1024u);
        free(a);
        free(b);
    }
    put_concat("img/rw-gzip-judged.gz", "rw/gzip.a", "rw/gzip.rest");
    put_concat("img/rw-gzip-changed.gz", "rw/gzip.b", "rw/gzip.rest");
    free(judged);
    free(clr);

    ck_assert_int_eq(harness_mkdir_for_children(srv, "live"), 0);
    live = malloc(strlen(harness_root(srv)) + 16);
    ck_assert_ptr_nonnull(live);
    sprintf(live, "%s/live", harness_root(srv));
    /* The handler writes a fresh copy of a (same inode, rewritten in
     * place), sends it, rewrites it with b, then writes the rest. */
#define RW_SCRIPT(which, coding)                                            \
        "    local function read(p)\n"                                      \
        "        local f = io.open(p, 'rb')\n"                              \
        "        local d = f:read('*a')\n"                                  \
        "        f:close()\n"                                               \
        "        return d\n"                                                \
        "    end\n"                                                         \
        "    local live = '%s/" which "'\n"                                 \
        "    local f = io.open(live, 'wb')\n"                               \
        "    f:write(read(DIR .. 'rw/" which ".a'))\n"                      \
        "    f:close()\n"                                                   \
        "    r.headers_out['Content-Encoding'] = '" coding "'\n"            \
        "    r:sendfile(live)\n"                                            \
        "    f = io.open(live, 'r+b')\n"                                    \
        "    f:write(read(DIR .. 'rw/" which ".b'))\n"                      \
        "    f:close()\n"                                                   \
        "    r:write(read(DIR .. 'rw/" which ".rest'))\n"
    HARNESS_WRITE_LUA(srv, "luasmall/rw-large", "img/rw-judged.exe",
                      RW_SCRIPT("large", "deflate"), live);
    HARNESS_WRITE_LUA(srv, "luasmall/rw-small", "img/rw-judged.exe",
                      RW_SCRIPT("small", "deflate"), live);
    HARNESS_WRITE_LUA(srv, "luasmall/rw-gzip", "img/rw-gzip-judged.exe",
                      RW_SCRIPT("gzip", "gzip"), live);
#undef RW_SCRIPT
    /* The held file cut to nothing, or grown, after it was judged. */
#define RW_CHANGE(change)                                                   \
        "    local function read(p)\n"                                      \
        "        local f = io.open(p, 'rb')\n"                              \
        "        local d = f:read('*a')\n"                                  \
        "        f:close()\n"                                               \
        "        return d\n"                                                \
        "    end\n"                                                         \
        "    local live = '%s/" change "'\n"                                \
        "    local f = io.open(live, 'wb')\n"                               \
        "    f:write(read(DIR .. 'rw/large.a'))\n"                          \
        "    f:close()\n"                                                   \
        "    r.headers_out['Content-Encoding'] = 'deflate'\n"               \
        "    r:sendfile(live)\n"
    HARNESS_WRITE_LUA(srv, "luasmall/rw-shrink", "img/rw-judged.exe",
                      RW_CHANGE("shrink")
                      "    io.open(live, 'wb'):close()\n"
                      "    r:write(read(DIR .. 'rw/large.rest'))\n", live);
    HARNESS_WRITE_LUA(srv, "luasmall/rw-grow", "img/rw-judged.exe",
                      RW_CHANGE("grow")
                      "    f = io.open(live, 'ab')\n"
                      "    f:write(read(DIR .. 'rw/large.b'))\n"
                      "    f:close()\n"
                      "    r:write(read(DIR .. 'rw/large.rest'))\n", live);
#undef RW_CHANGE
    free(live);
}

static void setup_files(void)
{
    unsigned char *img, *gz;
    size_t len, gzlen;
    unsigned n;
    char *fifo;

    /* A small CLR image, plain and gzip; empty and special files. */
    HARNESS_PE_IMAGE(img, 1, SMALL_LFANEW, SMALL_IMG_SIZE, &len);
    HARNESS_PUT(srv, "img/clr.exe", img, len);
    free(img);
    ck_assert_int_eq(hfail_encode(srv, "img/clr.exe", "img/clr.gz",
                                  HFAIL_GZIP), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/clr.exe", "img/clr.br",
                                  HFAIL_BR), 0);
    HARNESS_PUT(srv, "img/empty", "", 0);
    fifo = harness_path(srv, "img/fifo");
    ck_assert_ptr_nonnull(fifo);
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    ck_assert_int_eq(chmod(fifo, 0666), 0);
#define SPECIAL_SCRIPT(coding)                                              \
        "    r.headers_out['Content-Encoding'] = " coding "\n"              \
        "    r:write(slice(0, 16))\n"                                       \
        "    r:sendfile(DIR .. 'img/empty')\n"                              \
        "    r:sendfile('/dev/zero')\n"                                     \
        "    r:sendfile('/proc/self/status')\n"                             \
        "    local w = io.open(DIR .. 'img/fifo', 'r+')\n"                  \
        "    w:write('MZ')\n"                                               \
        "    w:flush()\n"                                                   \
        "    r:sendfile(DIR .. 'img/fifo')\n"                               \
        "    w:close()\n"                                                   \
        "    r:flush()\n"                                                   \
        "    r:sendfile(DIR .. 'img/empty')\n"                              \
        "    r:write(slice(16))\n"
    HARNESS_WRITE_LUA(srv, "lua/special", "img/clr.exe",
                      SPECIAL_SCRIPT("nil"));
    HARNESS_WRITE_LUA(srv, "lua/special-gzip", "img/clr.gz",
                      SPECIAL_SCRIPT("'gzip'"));
    HARNESS_WRITE_LUA(srv, "lua/special-twoway", "img/clr.exe",
                      SPECIAL_SCRIPT("'gzip, identity'"));
    HARNESS_WRITE_LUA(srv, "luasmall/special-br", "img/clr.br",
                      SPECIAL_SCRIPT("'br'"));
#undef SPECIAL_SCRIPT
    free(fifo);

    /* 60 KiB of heap bytes, then the rest of the image as one file. */
    HARNESS_PE_IMAGE(img, 1, HEAP_LFANEW, HEAP_IMG_SIZE, &len);
    noise(img, 0x40u, HEAP_LFANEW);
    noise(img, HEAP_LFANEW + 0x400u, HEAP_IMG_SIZE);
    HARNESS_PUT(srv, "img/heap.exe", img, len);
    HARNESS_PUT(srv, "img/heap.exe.rest", img + HEAP_LEN, len - HEAP_LEN);
    free(img);
    ck_assert_int_eq(hfail_encode(srv, "img/heap.exe", "img/heap.gz",
                                  HFAIL_GZIP), 0);
    gz = harness_read_fixture(srv, "img/heap.gz", &gzlen);
    ck_assert_ptr_nonnull(gz);
    ck_assert_uint_gt(gzlen, HEAP_LEN + 65536u);
    HARNESS_PUT(srv, "img/heap.gz.rest", gz + HEAP_LEN, gzlen - HEAP_LEN);
    free(gz);
#define HEAP_SCRIPT(coding)                                                 \
        "    r.headers_out['Content-Encoding'] = " coding "\n"              \
        "    r:write(slice(0, 61440))\n"                                    \
        "    r:sendfile(IMG .. '.rest')\n"
    HARNESS_WRITE_LUA(srv, "lua/heap-then-file", "img/heap.exe",
                      HEAP_SCRIPT("nil"));
    HARNESS_WRITE_LUA(srv, "lua/heap-then-file-gzip", "img/heap.gz",
                      HEAP_SCRIPT("'gzip'"));
    HARNESS_WRITE_LUA(srv, "lua/heap-then-file-twoway", "img/heap.exe",
                      HEAP_SCRIPT("'gzip, identity'"));
#undef HEAP_SCRIPT

    /* Noise before a PE header at 64 KiB, gzip and br; the gzip stream's
     * first 8 KiB as a file of their own, larger than a 1 KiB limit. */
    HARNESS_PE_IMAGE(img, 1, NOISE_LFANEW, NOISE_SIZE, &len);
    noise(img, 0x40u, NOISE_LFANEW);
    HARNESS_PUT(srv, "img/noise.exe", img, len);
    free(img);
    ck_assert_int_eq(hfail_encode(srv, "img/noise.exe", "img/noise.gz",
                                  HFAIL_GZIP), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/noise.exe", "img/noise.br",
                                  HFAIL_BR), 0);
    gz = harness_read_fixture(srv, "img/noise.gz", &gzlen);
    ck_assert_ptr_nonnull(gz);
    HARNESS_PUT(srv, "img/noise.gz.head", gz, NOISE_HEAD);
    free(gz);
    /* The coding changed after the held file: the client reads the body
     * with the coding sent last. */
    HARNESS_WRITE_LUA(srv, "luasmall/held-then-plain", "img/noise.gz",
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:sendfile(IMG .. '.head')\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = nil\n"
        "    r:write(slice(8192))\n");
    HARNESS_WRITE_LUA(srv, "luasmall/held-then-br", "img/noise.gz",
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:sendfile(IMG .. '.head')\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = 'br'\n"
        "    r:write(slice(8192))\n");
    HARNESS_WRITE_LUA(srv, "luasmall/held-then-twoway", "img/noise.gz",
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:sendfile(IMG .. '.head')\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(8192))\n");

    /* br under a 1 KiB limit, in files of 200 bytes. */
    n = put_pieces("img/noise.br", "brnoise", BR_PIECE_LEN);
    HARNESS_WRITE_LUA(srv, "luasmall/br-noise-pieces", "img/noise.br",
        "    r.headers_out['Content-Encoding'] = 'br'\n"
        "    for i = 0, %u do\n"
        "        r:sendfile(string.format(DIR .. 'brnoise/p%%05d', i))\n"
        "    end\n", n - 1u);
    n = put_pieces("img/clr.br", "brclr", 7u);
    HARNESS_WRITE_LUA(srv, "luasmall/br-clr-pieces", "img/clr.br",
        "    r.headers_out['Content-Encoding'] = 'br'\n"
        "    for i = 0, %u do\n"
        "        r:sendfile(string.format(DIR .. 'brclr/p%%05d', i))\n"
        "        r:flush()\n"
        "    end\n", n - 1u);
}

static void setup(void)
{
    harness_options o;

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    setup_changed_file();
    setup_files();
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* ---- descriptors: a server under a soft limit of 1024 ------------------ */

static void setup_descriptors(void)
{
    harness_options o;
    unsigned char *img;
    size_t len;
    struct rlimit old, low;

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    HARNESS_PE_IMAGE(img, 1, FD_LFANEW, FD_SIZE, &len);
    memset(img + 64, 0, FD_LFANEW - 64);
    HARNESS_PUT(srv, "img/fd.exe", img, len);
    put_stored("fd/head", img, 64, 0);
    put_stored("fd/block", img + 64, FD_BLOCK_DATA, 0);
    put_stored("fd/tail", img + FD_LFANEW, FD_SIZE - FD_LFANEW, 1);
    free(img);
    {
        /* The whole stream as the client gets it. */
        size_t hl, bl, tl, i;
        unsigned char *h = harness_read_fixture(srv, "fd/head", &hl);
        unsigned char *b = harness_read_fixture(srv, "fd/block", &bl);
        unsigned char *t = harness_read_fixture(srv, "fd/tail", &tl);
        unsigned char *all;

        ck_assert_ptr_nonnull(h);
        ck_assert_ptr_nonnull(b);
        ck_assert_ptr_nonnull(t);
        all = malloc(hl + FD_BLOCKS * bl + tl);
        ck_assert_ptr_nonnull(all);
        memcpy(all, h, hl);
        for (i = 0; i < FD_BLOCKS; i++) {
            memcpy(all + hl + i * bl, b, bl);
        }
        memcpy(all + hl + FD_BLOCKS * bl, t, tl);
        HARNESS_PUT(srv, "img/fd.deflate", all, hl + FD_BLOCKS * bl + tl);
        free(all);
        free(h);
        free(b);
        free(t);
    }
    HARNESS_WRITE_LUA(srv, "luasmall/held-blocks", "img/fd.deflate",
        "    r.headers_out['Content-Encoding'] = 'deflate'\n"
        "    r:sendfile(DIR .. 'fd/head')\n"
        "    for i = 1, %u do\n"
        "        r:sendfile(DIR .. 'fd/block')\n"
        "    end\n"
        "    r:sendfile(DIR .. 'fd/tail')\n", FD_BLOCKS);
    HARNESS_WRITE_LUA(srv, "lua/held-blocks", "img/fd.deflate",
        "    r.headers_out['Content-Encoding'] = 'deflate'\n"
        "    r:sendfile(DIR .. 'fd/head')\n"
        "    for i = 1, %u do\n"
        "        r:sendfile(DIR .. 'fd/block')\n"
        "    end\n"
        "    r:sendfile(DIR .. 'fd/tail')\n", FD_BLOCKS);

    /* apache2 inherits the soft limit that Debian's service manager
     * gives it by default; this process gets its own back. */
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    if (low.rlim_cur == RLIM_INFINITY || low.rlim_cur > FD_SOFT_LIMIT) {
        low.rlim_cur = FD_SOFT_LIMIT;
    }
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
}

/* ---- memory: one prefork child ------------------------------------------ */

static const char mem_config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/lua\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    HARNESS_MEM_ONE_CHILD;

static void setup_memory(void)
{
    harness_options o;
    unsigned char *img;
    size_t len;
    unsigned n;

    harness_options_init(&o);
    o.mpm = HARNESS_MPM_PREFORK;
    o.modules = modules;
    o.config = mem_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    HARNESS_PE_IMAGE(img, 1, PIECES_LFANEW, PIECES_SIZE, &len);
    HARNESS_PUT(srv, "img/pieces.exe", img, len);
    free(img);
    n = put_pieces("img/pieces.exe", "pieces", PIECE_LEN);
    ck_assert_uint_eq(n, NPIECES);
#define PIECES_SCRIPT(coding)                                               \
        "    r.headers_out['Content-Encoding'] = " coding "\n"              \
        "    for i = 0, %u do\n"                                            \
        "        r:sendfile(string.format(DIR .. 'pieces/p%%05d', i))\n"    \
        "    end\n"
    HARNESS_WRITE_LUA(srv, "lua/pieces", "img/pieces.exe",
                      PIECES_SCRIPT("nil"), n - 1u);
    HARNESS_WRITE_LUA(srv, "lua/pieces-twoway", "img/pieces.exe",
                      PIECES_SCRIPT("'gzip, identity'"), n - 1u);
#undef PIECES_SCRIPT
    ck_assert_int_eq(hfail_encode(srv, "img/pieces.exe", "img/pieces.br",
                                  HFAIL_BR), 0);
    n = put_pieces("img/pieces.br", "brpieces", PIECE_LEN);
    HARNESS_WRITE_LUA(srv, "lua/pieces-br", "img/pieces.br",
        "    r.headers_out['Content-Encoding'] = 'br'\n"
        "    for i = 0, %u do\n"
        "        r:sendfile(string.format(DIR .. 'brpieces/p%%05d', i))\n"
        "    end\n", n - 1u);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

/* GET uri on the one child; what it grew by, within budget_kib. */
static void assert_within_memory(const char *uri, const char *want,
                                 const char *body_rel, long budget_kib)
{
    harness_mem_mark m;
    harness_response r;
    pid_t pid = harness_mem_server_pid(srv);
    long kib;

    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(harness_mem_start(pid, &m), 0);
    harness_get(srv, uri, &r);
    kib = harness_mem_growth_kib(&m);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, body_rel, "clr");
    harness_response_free(&r);
    fprintf(stderr, "%s: child grew %ld KiB (budget %ld)\n", uri, kib,
            budget_kib);
    HARNESS_ASSERT(srv, !harness_mem_meaningful() || kib <= budget_kib,
                   "%s: child grew %ld KiB, budget %ld KiB", uri, kib,
                   budget_kib);
}

/* ---- changed_file ------------------------------------------------------- */

/* 2 KiB of a raw deflate stream, more than the 1 KiB limit holds, sent
 * by r:sendfile: the filter decodes it (DOS header: e_lfanew 64 KiB,
 * undecided) and holds the bucket on a duplicate of the descriptor.  The
 * handler then rewrites the file in place (e_lfanew 66 KiB) and writes
 * the rest: the verdict is taken on the PE header at 64 KiB (not CLR),
 * the client gets the rewritten bytes, whose DOS header points to a CLR
 * PE header. */
/* GET uri, whose handler sends the stream judged_rel but rewrites its
 * first file after the filter judged it, so that the client may get
 * changed_rel (a CLR image decoded) instead: the body must be one of the
 * two, and the rewritten one only with the header. */
static void assert_judged_or_attachment(const char *uri, const char *coding,
                                        const char *judged_rel,
                                        const char *changed_rel,
                                        const char *want)
{
    harness_response r;
    char jd[65], cd[65];
    size_t jl, cl;
    const char *disp;

    ck_assert_int_eq(harness_file_sha256(srv, judged_rel, jd, &jl), 0);
    ck_assert_int_eq(harness_file_sha256(srv, changed_rel, cd, &cl), 0);
    harness_get(srv, uri, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", coding);
    disp = harness_header_get(&r, "Content-Disposition");
    HARNESS_ASSERT(srv, strcmp(r.body_sha256, jd) == 0
                   || strcmp(r.body_sha256, cd) == 0,
                   "body %zu bytes %s is neither the judged nor the "
                   "rewritten stream", r.body_len, r.body_sha256);
    HARNESS_ASSERT(srv, strcmp(r.body_sha256, cd) != 0 || disp != NULL,
                   "the rewritten stream (a CLR image decoded) was sent "
                   "without Content-Disposition");
    if (strcmp(r.body_sha256, cd) == 0) {
        HARNESS_ASSERT_DISPOSITION(srv, &r, want);
    }
    harness_response_free(&r);
}

START_TEST(test_held_file_rewritten_after_judging_is_sent_as_judged_or_with_attachment)
{
    assert_judged_or_attachment("/luasmall/rw-large", "deflate",
                                "img/rw-large-judged.deflate",
                                "img/rw-large-changed.deflate",
                                "attachment; filename=\"rw-large.exe\"");
}
END_TEST

/* The same under gzip: the file is a whole gzip member, rewritten with
 * another of the same size whose CRC is right; the rest is a second
 * member. */
START_TEST(test_held_gzip_member_rewritten_after_judging_is_sent_as_judged_or_with_attachment)
{
    assert_judged_or_attachment("/luasmall/rw-gzip", "gzip",
                                "img/rw-gzip-judged.gz",
                                "img/rw-gzip-changed.gz",
                                "attachment; filename=\"rw-gzip.exe\"");
}
END_TEST

/* The same with 512 bytes, which the limit has room for: copied when
 * judged, so the client gets the bytes judged (not CLR: no header). */
START_TEST(test_kept_file_rewritten_after_judging_is_sent_as_judged)
{
    harness_response r;

    harness_get(srv, "/luasmall/rw-small", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, "img/rw-small-judged.deflate",
                            NULL);
    harness_response_free(&r);
}
END_TEST

/* The held file emptied after it was judged: the core cannot send it,
 * and the response ends short (never another complete body). */
START_TEST(test_held_file_emptied_after_judging_is_cut_short)
{
    harness_response r;
    char jd[65];
    size_t jl;

    ck_assert_int_eq(harness_file_sha256(srv, "img/rw-large-judged.deflate",
                                         jd, &jl), 0);
    harness_get(srv, "/luasmall/rw-shrink", &r);
    HARNESS_ASSERT(srv, !r.ok || (r.body_len == jl
                                  && strcmp(r.body_sha256, jd) == 0),
                   "a complete response of %zu bytes %s from an emptied file",
                   r.body_len, r.body_sha256);
    harness_response_free(&r);
}
END_TEST

/* The file grown after it was judged: the file piece is more encoded
 * bytes than a 1 KiB limit keeps, so the filter decides at once (unknown,
 * with the header) and the piece goes on in the call that brought it;
 * the client gets the bytes judged. */
START_TEST(test_held_file_grown_after_judging_is_sent_as_judged)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/rw-grow",
                           "attachment; filename=\"rw-grow.exe\"",
                           "img/rw-large-judged.deflate", "unknown");
}
END_TEST

/* ---- descriptors -------------------------------------------------------- */

/* 1500 files of 1025 bytes (one stored block of zeros each) between a DOS
 * header and a CLR PE header 1.5 MB in, under "deflate" and a 1 KiB
 * limit, with a soft limit of 1024 descriptors: no file may be held to a
 * later call, and more encoded bytes come than the limit keeps, so the
 * filter decides unknown, with the header.  The client must get the whole
 * stream with the header, never a 200 with another body. */
START_TEST(test_thousands_of_held_files_under_a_descriptor_limit_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/held-blocks",
                           "attachment; filename=\"held-blocks.exe\"",
                           "img/fd.deflate", "unknown");
}
END_TEST

/* The same under the default limit (64 KiB): the files are copied while
 * the limit has room; past it, unknown with the header. */
START_TEST(test_thousands_of_files_under_the_default_limit_and_a_descriptor_limit_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/held-blocks",
                           "attachment; filename=\"held-blocks.exe\"",
                           "img/fd.deflate", "unknown");
}
END_TEST

START_TEST(test_descriptors_no_child_crashed)
{
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* ---- memory -------------------------------------------------------------- */

START_TEST(test_thousands_of_small_sendfiles_plain_stay_within_memory)
{
    assert_within_memory("/lua/pieces", "attachment; filename=\"pieces.exe\"",
                         "img/pieces.exe", RSS_BUDGET_KIB);
}
END_TEST

START_TEST(test_thousands_of_small_sendfiles_under_gzip_identity_stay_within_memory)
{
    assert_within_memory("/lua/pieces-twoway",
                         "attachment; filename=\"pieces-twoway.exe\"",
                         "img/pieces.exe", RSS_BUDGET_KIB);
}
END_TEST

START_TEST(test_thousands_of_small_sendfiles_under_br_stay_within_memory)
{
    assert_within_memory("/lua/pieces-br",
                         "attachment; filename=\"pieces-br.exe\"",
                         "img/pieces.br", RSS_BUDGET_BR_KIB);
}
END_TEST

/* ---- withstood ------------------------------------------------------------ */

/* r:sendfile of an empty file, /dev/zero and /proc/self/status (size 0
 * to stat), and a FIFO with bytes waiting in it (size 0: nothing sent)
 * between the image's bytes. */
START_TEST(test_empty_and_special_files_between_writes_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/special",
                           "attachment; filename=\"special.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

START_TEST(test_empty_and_special_files_under_gzip_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/special-gzip",
                           "attachment; filename=\"special-gzip.exe\"",
                           "img/clr.gz", "clr");
}
END_TEST

START_TEST(test_empty_and_special_files_under_gzip_identity_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/special-twoway",
                           "attachment; filename=\"special-twoway.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

START_TEST(test_empty_and_special_files_under_br_and_a_small_limit_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/special-br",
                           "attachment; filename=\"special-br.exe\"",
                           "img/clr.br", "clr");
}
END_TEST

START_TEST(test_file_after_60k_of_heap_bytes_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/heap-then-file",
                           "attachment; filename=\"heap-then-file.exe\"",
                           "img/heap.exe", "clr");
}
END_TEST

START_TEST(test_file_after_60k_of_heap_bytes_under_gzip_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/heap-then-file-gzip",
                           "attachment; filename=\"heap-then-file-gzip.exe\"",
                           "img/heap.gz", "clr");
}
END_TEST

START_TEST(test_file_after_60k_of_heap_bytes_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/heap-then-file-twoway",
        "attachment; filename=\"heap-then-file-twoway.exe\"", "img/heap.exe",
        "clr");
}
END_TEST

/* A gzip file larger than the room held, then the coding changed: the
 * filter gives up with the header, sent once, and the body intact. */
START_TEST(test_coding_dropped_after_a_held_file_sends_one_header_and_the_body)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/held-then-plain",
                           "attachment; filename=\"held-then-plain.exe\"",
                           "img/noise.gz", NULL);
}
END_TEST

START_TEST(test_coding_changed_to_br_after_a_held_file_sends_one_header_and_the_body)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/held-then-br",
                           "attachment; filename=\"held-then-br.exe\"",
                           "img/noise.gz", NULL);
}
END_TEST

START_TEST(test_coding_made_two_way_after_a_held_file_sends_one_header_and_the_body)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/held-then-twoway",
                           "attachment; filename=\"held-then-twoway.exe\"",
                           "img/noise.gz", NULL);
}
END_TEST

/* 64 KiB of noise before the PE header, in br: more encoded bytes than a
 * 1 KiB limit keeps before the header decodes, so unknown, with the
 * header. */
START_TEST(test_br_in_200_byte_files_under_a_small_limit_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/br-noise-pieces",
                           "attachment; filename=\"br-noise-pieces.exe\"",
                           "img/noise.br", "unknown");
}
END_TEST

START_TEST(test_br_in_7_byte_files_with_flushes_under_a_small_limit_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/br-clr-pieces",
                           "attachment; filename=\"br-clr-pieces.exe\"",
                           "img/clr.br", "clr");
}
END_TEST

/* Last in its case: no child died on any request of the suite. */
START_TEST(test_no_child_crashed)
{
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

static TCase *tcase(const char *name, void (*set)(void))
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, set, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    return tc;
}

static Suite *attack6_suite(void)
{
    Suite *s = suite_create("attack6");
    TCase *tc = tcase("changed_file", setup);

    tcase_add_test(tc, test_held_file_rewritten_after_judging_is_sent_as_judged_or_with_attachment);
    tcase_add_test(tc, test_held_gzip_member_rewritten_after_judging_is_sent_as_judged_or_with_attachment);
    suite_add_tcase(s, tc);

    tc = tcase("descriptors", setup_descriptors);
    tcase_add_test(tc, test_thousands_of_held_files_under_a_descriptor_limit_are_sent_whole);
    tcase_add_test(tc, test_thousands_of_files_under_the_default_limit_and_a_descriptor_limit_are_sent_whole);
    tcase_add_test(tc, test_descriptors_no_child_crashed);
    suite_add_tcase(s, tc);

    tc = tcase("memory_plain", setup_memory);
    tcase_add_test(tc, test_thousands_of_small_sendfiles_plain_stay_within_memory);
    suite_add_tcase(s, tc);
    tc = tcase("memory_twoway", setup_memory);
    tcase_add_test(tc, test_thousands_of_small_sendfiles_under_gzip_identity_stay_within_memory);
    suite_add_tcase(s, tc);
    tc = tcase("memory_br", setup_memory);
    tcase_add_test(tc, test_thousands_of_small_sendfiles_under_br_stay_within_memory);
    suite_add_tcase(s, tc);

    tc = tcase("withstood", setup);
    tcase_add_test(tc, test_kept_file_rewritten_after_judging_is_sent_as_judged);
    tcase_add_test(tc, test_held_file_emptied_after_judging_is_cut_short);
    tcase_add_test(tc, test_held_file_grown_after_judging_is_sent_as_judged);
    tcase_add_test(tc, test_empty_and_special_files_between_writes_are_sent_whole);
    tcase_add_test(tc, test_empty_and_special_files_under_gzip_are_sent_whole);
    tcase_add_test(tc, test_empty_and_special_files_under_gzip_identity_are_sent_whole);
    tcase_add_test(tc, test_empty_and_special_files_under_br_and_a_small_limit_are_sent_whole);
    tcase_add_test(tc, test_file_after_60k_of_heap_bytes_gets_attachment);
    tcase_add_test(tc, test_file_after_60k_of_heap_bytes_under_gzip_gets_attachment);
    tcase_add_test(tc, test_file_after_60k_of_heap_bytes_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_coding_dropped_after_a_held_file_sends_one_header_and_the_body);
    tcase_add_test(tc, test_coding_changed_to_br_after_a_held_file_sends_one_header_and_the_body);
    tcase_add_test(tc, test_coding_made_two_way_after_a_held_file_sends_one_header_and_the_body);
    tcase_add_test(tc, test_br_in_200_byte_files_under_a_small_limit_gets_attachment);
    tcase_add_test(tc, test_br_in_7_byte_files_with_flushes_under_a_small_limit_gets_attachment);
    tcase_add_test(tc, test_no_child_crashed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack6_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
