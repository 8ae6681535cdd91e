/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack.c -- attacks on the promise of DESIGN.md section 5: a
 * hostile uploader or script crafts a body, or an administrator combines
 * directives, so that a response whose body a browser receives as a CLR
 * image (the rule of section 2) leaves without Content-Disposition:
 * attachment, or so that a child process spends memory or time out of
 * proportion to the body.
 *
 * Four groups, each with its own apache2:
 *
 *   bypass     what a browser receives is a CLR image, so the header is
 *              expected; each case names the browser behaviour it rests on
 *              (Chromium's net/filter, Firefox's nsHttpChannel) where the
 *              reading of the bytes is a browser's;
 *   withstood  attacks of the same kind that the module gets right, kept
 *              so that a fix of the others does not undo them;
 *   memory     the children's peak RSS (VmHWM, summed over the children)
 *              after requests for small bodies, against the budget of
 *              2 x NetExeSniffLimit + 4 MiB per request in flight, plus
 *              16 MiB for one decoder window;
 *   time       a body of a few kilobytes must not keep a thread decoding:
 *              the response has to come back within the request bound.
 *
 * Fixtures are built here: PE images by pebuild, codings by the gzip,
 * brotli and zstd programs (build-aux/deps.sh installs them for the
 * suites), crafted streams byte by byte.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "harness.h"
#include "harness_backend.h"
#include "harness_fail.h"
#include "harness_lua.h"
#include "harness_mem.h"
#include "pe.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          90
#define IMG_SIZE                8192u       /* the CLR image of most cases */
#define IMG_REL                 "img/clr.exe"
#define GZ_REL                  "img/clr.exe.gz"
#define SNIFF_LIMIT             65536u      /* the default NetExeSniffLimit */
#define MIB                     (1024u * 1024u)

/* PE layout used to patch single fields of a built image. */
#define OPT_RVA_COUNT_PE32      92u
#define DIR_ENTRY_SIZE          8u
#define DIR_COM_DESCRIPTOR      14u
#define DOS_LFANEW_OFFSET       0x3Cu
#define BUILD_LFANEW            0x80u       /* pebuild's default e_lfanew */

/* gzip (RFC 1952) header fields. */
#define GZIP_HEADER_LEN         10u
#define GZIP_TRAILER_LEN        8u
#define GZIP_FLG                3u
#define GZIP_FHCRC              0x02u
#define GZIP_FNAME              0x08u
#define GZIP_FLG_RESERVED       0x20u

/* zstd skippable frame (RFC 8878 section 3.1.2). */
#define ZSTD_SKIPPABLE_MAGIC    0x184D2A50u
#define ZSTD_SKIP_HEADER_LEN    8u

/* Read and write bounds of the raw client. */
#define RAW_IO_MS               20000
#define RAW_HEADER_MAX          16384u

static harness_httpd *srv;

/* ---- small helpers ------------------------------------------------------ */

static unsigned char *get(const char *rel, size_t *len)
{
    unsigned char *d = harness_read_fixture(srv, rel, len);

    ck_assert_msg(d != NULL, "reading %s", rel);
    return d;
}

/* docroot/to = prog of docroot/from; prog reads the file named last and
 * writes to stdout ("gzip -n -c", "brotli -c -w 24", "zstd -q -c"). */
static void code_file(const char *prog, const char *from, const char *to)
{
    ck_assert_int_eq(hfail_filter(srv, prog, from, to), 0);
}

static void wr_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* A sparse file: the default CLR image with its PE header moved to
 * e_lfanew lf (the DOS header first, a hole, the rest of the image at lf). */
static void write_far_image(const char *rel, uint32_t lf)
{
    size_t len;
    unsigned char *img;
    char *path = harness_path(srv, rel);
    int fd;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    wr_u32le(img + DOS_LFANEW_OFFSET, lf);
    ck_assert_int_eq(harness_mkdir(srv, "dl"), 0);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, img, BUILD_LFANEW, 0), (ssize_t)BUILD_LFANEW);
    ck_assert_int_eq(pwrite(fd, img + BUILD_LFANEW, len - BUILD_LFANEW,
                            (off_t)lf), (ssize_t)(len - BUILD_LFANEW));
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(chmod(path, 0644), 0);
    free(path);
    free(img);
}

/* The size of docroot/rel. */
static size_t fixture_size(const char *rel)
{
    char *path = harness_path(srv, rel);
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    free(path);
    return (size_t)st.st_size;
}

/* CRC-32 of RFC 1952, bit by bit: for the few kilobytes of an image. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    size_t i;
    int k;

    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

/* GET path (port 0: the main one) into *r. */
static void get_path(int port, const char *path, harness_response *r)
{
    harness_get_port(srv, port, path, r);
}

/* The download most cases expect: 200, one Content-Disposition equal to
 * want, the body exactly the fixture body_rel, judged clr. */
static void expect_attachment(const char *path, const char *want,
                              const char *body_rel)
{
    HARNESS_ASSERT_GET_200(srv, path, want, body_rel, "clr");
}

/* ---- deflate of long runs: the decompression bomb ----------------------
 *
 * A stream is a list of segments: literal bytes, or a pattern of a few
 * bytes repeated to a length of up to terabytes.  One fixed-Huffman block
 * (RFC 1951 section 3.2.6) encodes a run as its pattern in literals and
 * then copies of 258 bytes at the pattern's distance; eight such copies
 * are a whole number of bytes when a copy takes an odd number of bits, so
 * from a byte boundary on they are again a repeated pattern.  Each level
 * is therefore built from the one inside it without ever being written
 * out whole. */

#define SEG_PAT_MAX     16u
#define DEFLATE_MAX_LEN 258u
#define COPIES_PER_UNIT 8u

typedef struct {
    int run;                        /* 1: pat repeated to len bytes */
    unsigned char pat[SEG_PAT_MAX];
    size_t pat_len;
    uint64_t len;
    unsigned char *lit;             /* run 0: len literal bytes */
} seg;

typedef struct {
    seg *v;
    size_t n, cap;
} segs;

typedef struct {
    segs *out;
    uint64_t acc;
    unsigned nbits;
} bitw;

static seg *segs_push(segs *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        ck_assert_ptr_nonnull(s->v);
    }
    memset(&s->v[s->n], 0, sizeof *s->v);
    return &s->v[s->n++];
}

static void segs_free(segs *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i].lit);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static void segs_lit(segs *s, const void *p, size_t n)
{
    seg *g;

    if (n == 0)
        return;
    if (s->n == 0 || s->v[s->n - 1].run)
        segs_push(s);
    g = &s->v[s->n - 1];
    g->lit = realloc(g->lit, (size_t)g->len + n);
    ck_assert_ptr_nonnull(g->lit);
    memcpy(g->lit + g->len, p, n);
    g->len += n;
}

static void segs_run(segs *s, const unsigned char *pat, size_t pat_len,
                     uint64_t len)
{
    seg *g;

    ck_assert(pat_len > 0 && pat_len <= SEG_PAT_MAX && len >= pat_len);
    g = segs_push(s);
    g->run = 1;
    memcpy(g->pat, pat, pat_len);
    g->pat_len = pat_len;
    g->len = len;
}

static uint64_t segs_size(const segs *s)
{
    uint64_t n = 0;
    size_t i;

    for (i = 0; i < s->n; i++)
        n += s->v[i].len;
    return n;
}

/* The bytes of s, which must be small. */
static unsigned char *segs_flat(const segs *s, size_t *len)
{
    uint64_t total = segs_size(s), at = 0, j;
    unsigned char *p;
    size_t i;

    ck_assert(total < 64u * MIB);
    p = malloc((size_t)total + 1);
    ck_assert_ptr_nonnull(p);
    for (i = 0; i < s->n; i++) {
        const seg *g = &s->v[i];

        if (!g->run) {
            memcpy(p + at, g->lit, (size_t)g->len);
        }
        else {
            for (j = 0; j < g->len; j++)
                p[at + j] = g->pat[j % g->pat_len];
        }
        at += g->len;
    }
    *len = (size_t)total;
    return p;
}

static void bw_bits(bitw *w, uint32_t v, unsigned n)
{
    w->acc |= (uint64_t)v << w->nbits;
    w->nbits += n;
    while (w->nbits >= 8) {
        unsigned char b = (unsigned char)(w->acc & 0xFFu);

        segs_lit(w->out, &b, 1);
        w->acc >>= 8;
        w->nbits -= 8;
    }
}

/* A Huffman code goes most significant bit first. */
static void bw_huff(bitw *w, uint32_t code, unsigned len)
{
    uint32_t r = 0;
    unsigned i;

    for (i = 0; i < len; i++)
        r |= ((code >> i) & 1u) << (len - 1 - i);
    bw_bits(w, r, len);
}

/* Symbol sym of the fixed literal/length code. */
static void bw_sym(bitw *w, unsigned sym)
{
    if (sym < 144)
        bw_huff(w, 0x30u + sym, 8);
    else if (sym < 256)
        bw_huff(w, 0x190u + (sym - 144), 9);
    else if (sym < 280)
        bw_huff(w, sym - 256, 7);
    else
        bw_huff(w, 0xC0u + (sym - 280), 8);
}

static const unsigned short len_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
    67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const unsigned char len_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
    5, 5, 5, 5, 0
};
static const unsigned short dist_base[16] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193
};
static const unsigned char dist_extra[16] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6
};

/* A copy of len (3 .. 258) bytes at distance dist (1 .. 256). */
static void bw_copy(bitw *w, unsigned len, unsigned dist)
{
    unsigned i = 28, j = 15;

    if (len < DEFLATE_MAX_LEN) {
        for (i = 0; i + 1 < 28 && len_base[i + 1] <= len; i++)
            ;
    }
    while (dist_base[j] > dist)
        j--;
    bw_sym(w, 257 + i);
    bw_bits(w, len - len_base[i], len_extra[i]);
    bw_huff(w, j, 5);
    bw_bits(w, dist - dist_base[j], dist_extra[j]);
}

/* The run pat (q bytes) repeated to len bytes. */
static void bw_run(bitw *w, const unsigned char *pat, size_t q, uint64_t len)
{
    uint64_t m = len < q ? len : q, copies, rest, units;
    size_t i;

    for (i = 0; i < m; i++)
        bw_sym(w, pat[i]);
    if (len == m)
        return;
    copies = (len - m) / DEFLATE_MAX_LEN;
    rest = (len - m) % DEFLATE_MAX_LEN;
    for (i = 0; copies > 0 && w->nbits != 0; i++, copies--) {
        ck_assert_msg(i < COPIES_PER_UNIT, "a copy of an even bit count");
        bw_copy(w, DEFLATE_MAX_LEN, (unsigned)q);
    }
    units = copies / COPIES_PER_UNIT;
    if (units > 0 && w->nbits == 0) {
        segs unit = { NULL, 0, 0 };
        bitw u = { &unit, 0, 0 };

        for (i = 0; i < COPIES_PER_UNIT; i++)
            bw_copy(&u, DEFLATE_MAX_LEN, (unsigned)q);
        ck_assert(u.nbits == 0 && unit.n == 1 && unit.v[0].len <= SEG_PAT_MAX);
        segs_run(w->out, unit.v[0].lit, (size_t)unit.v[0].len,
                 units * unit.v[0].len);
        segs_free(&unit);
        copies -= units * COPIES_PER_UNIT;
    }
    for (; copies > 0; copies--)
        bw_copy(w, DEFLATE_MAX_LEN, (unsigned)q);
    if (rest >= 3) {
        bw_copy(w, (unsigned)rest, (unsigned)q);
    }
    else {
        for (i = 0; i < rest; i++)
            bw_sym(w, pat[(len - rest + i) % q]);
    }
}

/* out += one final fixed-Huffman deflate block of in. */
static void deflate_segs(const segs *in, segs *out)
{
    bitw w = { out, 0, 0 };
    size_t i, k;

    bw_bits(&w, 1, 1);          /* BFINAL */
    bw_bits(&w, 1, 2);          /* BTYPE 01: fixed Huffman codes */
    for (i = 0; i < in->n; i++) {
        const seg *g = &in->v[i];

        if (g->run) {
            bw_run(&w, g->pat, g->pat_len, g->len);
        }
        else {
            for (k = 0; k < g->len; k++)
                bw_sym(&w, g->lit[k]);
        }
    }
    bw_sym(&w, 256);            /* end of block */
    if (w.nbits)
        bw_bits(&w, 0, 8 - w.nbits);
}

static const unsigned char gzip_head[GZIP_HEADER_LEN] = {
    0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF
};

/* out = one gzip member of in, with the given CRC-32 in its trailer. */
static void gzip_segs(const segs *in, uint32_t crc, segs *out)
{
    unsigned char trailer[GZIP_TRAILER_LEN];

    segs_lit(out, gzip_head, sizeof gzip_head);
    deflate_segs(in, out);
    wr_u32le(trailer, crc);
    wr_u32le(trailer + 4, (uint32_t)segs_size(in));
    segs_lit(out, trailer, sizeof trailer);
}

/* A gzip member whose header carries a file name of name_len bytes
 * ("AAA...") before the CLR image, wrapped in wraps more gzip members, one
 * inside the other (wraps + 1 codings).  The wrappers' trailers carry a
 * CRC-32 of zero: no decoder reaches them before it has seen the image.
 * Returns the outermost bytes. */
static unsigned char *bomb_build(uint64_t name_len, int wraps, size_t *len)
{
    static const unsigned char a = 'A', nul = 0;
    unsigned char head[GZIP_HEADER_LEN], trailer[GZIP_TRAILER_LEN];
    segs cur = { NULL, 0, 0 }, img_in = { NULL, 0, 0 };
    size_t img_len;
    unsigned char *img, *flat;
    int i;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &img_len);
    memcpy(head, gzip_head, sizeof head);
    head[GZIP_FLG] = GZIP_FNAME;
    segs_lit(&cur, head, sizeof head);
    segs_run(&cur, &a, 1, name_len);
    segs_lit(&cur, &nul, 1);
    segs_lit(&img_in, img, img_len);
    deflate_segs(&img_in, &cur);
    wr_u32le(trailer, crc32_of(img, img_len));
    wr_u32le(trailer + 4, (uint32_t)img_len);
    segs_lit(&cur, trailer, sizeof trailer);
    for (i = 0; i < wraps; i++) {
        segs next = { NULL, 0, 0 };

        gzip_segs(&cur, 0, &next);
        segs_free(&cur);
        cur = next;
    }
    flat = segs_flat(&cur, len);
    segs_free(&cur);
    segs_free(&img_in);
    free(img);
    return flat;
}

/* ---- the children's memory ---------------------------------------------- */

/* Sum of VmHWM (kB) over the server's child processes; *n gets their
 * count. */
static long children_hwm_kb(int *n)
{
    long kb = harness_mem_children_hwm_kib(srv, n);

    ck_assert_msg(kb >= 0, "no children's peak RSS (see stderr)");
    return kb;
}

/* Fails when the error log shows a child that died by a signal. */
static void assert_no_crash(void)
{
    char *log = harness_error_log(srv);

    HARNESS_ASSERT(srv, strstr(log, "exit signal") == NULL,
                   "a child died by a signal");
    free(log);
}

/* ========================================================================
 * bypass: a CLR image reaches the browser without the header
 * ======================================================================== */

static const char bypass_config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/enc\">\n"
    "    NetExe On\n"
    "    AddEncoding x-gzip .gz\n"
    "    AddEncoding deflate .zz\n"
    "    AddEncoding br .br\n"
    "    AddEncoding zstd .zst\n"
    "</Directory>\n"
    "ScriptAlias /cgi-bin/ \"@DOCROOT@/cgi/\"\n"
    "<Directory \"@DOCROOT@/cgi\">\n"
    "    Options +ExecCGI\n"
    "    AddEncoding x-gzip .gz\n"
    "</Directory>\n"
    "<Location \"/cgi-bin/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    "<Directory \"@DOCROOT@/pre\">\n"
    "    NetExe On\n"
    "    <FilesMatch \"\\.gz$\">\n"
    "        Header set Content-Encoding gzip\n"
    "    </FilesMatch>\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/prealways\">\n"
    "    NetExe On\n"
    "    <FilesMatch \"\\.gz$\">\n"
    "        Header always set Content-Encoding gzip\n"
    "    </FilesMatch>\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/lua\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    "FilterDeclare attack_ssi\n"
    "FilterProvider attack_ssi INCLUDES \"%{REQUEST_URI} =~ /shtml/\"\n"
    "FilterDeclare attack_netexe\n"
    "FilterProvider attack_netexe NETEXE \"%{REQUEST_URI} =~ /./\"\n"
    "<Directory \"@DOCROOT@/chain\">\n"
    "    Options +Includes\n"
    "    NetExe On\n"
    "    FilterChain attack_netexe attack_ssi\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/cachessi\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/cachedl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName 127.0.0.1:@PORT1@\n"
    "    UseCanonicalName On\n"
    "    CacheQuickHandler Off\n"
    "    CacheRoot \"@ROOT@/cache\"\n"
    "    CacheEnable disk /\n"
    "</VirtualHost>\n"
    "ScriptAlias /be/ \"@DOCROOT@/cgi/\"\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    ServerName 127.0.0.1:@PORT2@\n"
    "</VirtualHost>\n"
    "<Location \"/missing/\">\n"
    "    ErrorDocument 404 /cgi-bin/ok200\n"
    "</Location>\n"
    "ProxyPass /px/ http://127.0.0.1:@PORT2@/be/\n"
    "<Location \"/px/\">\n"
    "    NetExe On\n"
    "</Location>\n";

static const char *const bypass_modules[] = {
    "alias", "cgid", "headers", "lua", "filter", "include", "proxy",
    "proxy_http", "http2", "cache", "cache_disk", NULL
};

/* docroot/rel: the default CLR image whose NumberOfRvaAndSizes is count
 * while directory 14 stays filled. */
static void write_rva_count(const char *rel, uint32_t count)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    img = pebuild(&s, &len);
    ck_assert_ptr_nonnull(img);
    wr_u32le(img + pebuild_opt_offset(&s) + OPT_RVA_COUNT_PE32, count);
    ck_assert(pe_rd_u32le(img + pebuild_dir_offset(&s, DIR_COM_DESCRIPTOR))
              != 0);
    HARNESS_PUT(srv, rel, img, len);
    free(img);
}

/* docroot/to: the gzip member of docroot/from with reserved flag bits set
 * in its header (Chromium's GZipHeader masks them off; zlib refuses). */
static void write_gzip_reserved_flag(const char *from, const char *to)
{
    size_t len;
    unsigned char *gz = get(from, &len);

    ck_assert(len > GZIP_HEADER_LEN);
    gz[GZIP_FLG] |= GZIP_FLG_RESERVED;
    HARNESS_PUT(srv, to, gz, len);
    free(gz);
}

/* docroot/to: the gzip member of docroot/from with FHCRC set and a header
 * CRC that does not match (Chromium skips the two bytes; zlib checks). */
static void write_gzip_bad_header_crc(const char *from, const char *to)
{
    size_t len;
    unsigned char *gz = get(from, &len), *out = malloc(len + 2);

    ck_assert_ptr_nonnull(out);
    ck_assert(len > GZIP_HEADER_LEN && gz[GZIP_FLG] == 0);
    memcpy(out, gz, GZIP_HEADER_LEN);
    out[GZIP_FLG] = GZIP_FHCRC;
    out[GZIP_HEADER_LEN] = 0x00;
    out[GZIP_HEADER_LEN + 1] = 0x00;
    memcpy(out + GZIP_HEADER_LEN + 2, gz + GZIP_HEADER_LEN,
           len - GZIP_HEADER_LEN);
    HARNESS_PUT(srv, to, out, len + 2);
    free(out);
    free(gz);
}

/* A raw deflate stream (stored blocks) of the image whose first two bytes
 * also read as a zlib header: 0x78 is a stored, non-final block with
 * padding bits 01111, and the low byte of its LEN, 0x01, makes 0x7801 a
 * multiple of 31.  As zlib data the next byte, 0x06, starts a block of the
 * invalid type 3: zlib fails before any output, and browsers then read the
 * body as raw deflate (Chromium's GzipSourceStream inserts a zlib header
 * and replays, Firefox's nsHTTPCompressConv does the same on
 * Z_DATA_ERROR). */
#define RAWLIKE_FIRST_LEN   0x0601u
static void write_raw_deflate_like_zlib(const char *rel)
{
    size_t len, rest, at = 0;
    unsigned char *img, *out;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    out = malloc(len + 16);
    ck_assert_ptr_nonnull(out);
    ck_assert(len > RAWLIKE_FIRST_LEN && len - RAWLIKE_FIRST_LEN <= 0xFFFFu);
    out[at++] = 0x78;
    out[at++] = (unsigned char)(RAWLIKE_FIRST_LEN & 0xFFu);
    out[at++] = (unsigned char)(RAWLIKE_FIRST_LEN >> 8);
    out[at++] = (unsigned char)(~RAWLIKE_FIRST_LEN & 0xFFu);
    out[at++] = (unsigned char)((~RAWLIKE_FIRST_LEN >> 8) & 0xFFu);
    memcpy(out + at, img, RAWLIKE_FIRST_LEN);
    at += RAWLIKE_FIRST_LEN;
    rest = len - RAWLIKE_FIRST_LEN;
    out[at++] = 0x01;                       /* final stored block */
    out[at++] = (unsigned char)(rest & 0xFFu);
    out[at++] = (unsigned char)(rest >> 8);
    out[at++] = (unsigned char)(~rest & 0xFFu);
    out[at++] = (unsigned char)((~rest >> 8) & 0xFFu);
    memcpy(out + at, img + RAWLIKE_FIRST_LEN, rest);
    at += rest;
    ck_assert_int_eq(((out[0] << 8) | out[1]) % 31, 0);
    HARNESS_PUT(srv, rel, out, at);
    free(out);
    free(img);
}

/* docroot/to: docroot/from gzipped times times over. */
static void write_gzip_times(const char *from, const char *to, int times)
{
    char *src = harness_path(srv, from), *dst = harness_path(srv, to);
    char cmd[2048];
    size_t n = 0;
    int i;

    n += (size_t)snprintf(cmd + n, sizeof cmd - n, "cat '%s'", src);
    for (i = 0; i < times; i++)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, " | gzip -n -c");
    ck_assert(n < sizeof cmd - 64);
    ck_assert_int_eq(hfail_sh("%s > '%s' && chmod 644 '%s'", cmd, dst, dst),
                     0);
    free(src);
    free(dst);
}

/* docroot/rel: a zstd skippable frame of skip zero bytes (a hole in a
 * sparse file), then the zstd frame of docroot/zst_rel. */
static void write_zstd_skip_first(const char *rel, const char *zst_rel,
                                  uint32_t skip)
{
    size_t zlen;
    unsigned char *z = get(zst_rel, &zlen), head[ZSTD_SKIP_HEADER_LEN];
    char *path = harness_path(srv, rel);
    int fd;

    wr_u32le(head, ZSTD_SKIPPABLE_MAGIC);
    wr_u32le(head + 4, skip);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, head, sizeof head, 0), (ssize_t)sizeof head);
    ck_assert_int_eq(pwrite(fd, z, zlen, (off_t)(sizeof head + skip)),
                     (ssize_t)zlen);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(chmod(path, 0644), 0);
    free(path);
    free(z);
}

/* docroot/rel: one gzip member whose deflate stream is stored blocks:
 * the first head bytes of docroot/in_rel, then stalls empty stored blocks
 * (5 bytes each, nothing decoded), then the rest.  A client decodes the
 * same bytes as from any other deflate stream of in_rel. */
#define STORED_EMPTY_LEN    5u
#define STORED_MAX          65535u

static void stored_block(FILE *f, int final, const unsigned char *p,
                         size_t n)
{
    unsigned char h[STORED_EMPTY_LEN];

    h[0] = final ? 0x01 : 0x00;
    h[1] = (unsigned char)n;
    h[2] = (unsigned char)(n >> 8);
    h[3] = (unsigned char)~h[1];
    h[4] = (unsigned char)~h[2];
    ck_assert_uint_eq(fwrite(h, 1, sizeof h, f), sizeof h);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
}

static void write_gzip_stalled(const char *rel, const char *in_rel,
                               size_t head, size_t stalls)
{
    size_t len, i;
    unsigned char *in = get(in_rel, &len), trailer[GZIP_TRAILER_LEN];
    char *path = harness_path(srv, rel);
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_lt(head, len);
    ck_assert_uint_le(len - head, STORED_MAX);
    ck_assert_uint_eq(fwrite(gzip_head, 1, sizeof gzip_head, f),
                      sizeof gzip_head);
    stored_block(f, 0, in, head);
    for (i = 0; i < stalls; i++) {
        stored_block(f, 0, in, 0);
    }
    stored_block(f, 1, in + head, len - head);
    wr_u32le(trailer, crc32_of(in, len));
    wr_u32le(trailer + 4, (uint32_t)len);
    ck_assert_uint_eq(fwrite(trailer, 1, sizeof trailer, f), sizeof trailer);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0644), 0);
    free(path);
    free(in);
}

#define FAR_LFANEW_17M      0x01100000u     /* past 16 MiB */
#define FAR_LFANEW_255M     0x0FFFFF00u     /* just below 256 MiB */
#define ENC_FAR_LFANEW      0x00020000u     /* 128 KiB: twice the limit */
#define ZSTD_SKIP_17M       (17u * MIB)     /* past the 16 MiB read */
#define SWAP_LFANEW         0x00F00000u     /* 15 MiB */
#define NINE_CODINGS        9

static void write_withstood_fixtures(void);

/* The server of the bypass and withstood cases. */
static void attack_setup(void)
{
    harness_options o;
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    harness_options_init(&o);
    o.modules = bypass_modules;
    o.config = bypass_config;
    o.extra_ports = 2;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    HARNESS_PUT(srv, IMG_REL, img, len);
    free(img);
    code_file("gzip -n -c", IMG_REL, GZ_REL);

    /* The PE rule itself. */
    write_rva_count("dl/rva14.exe", DIR_COM_DESCRIPTOR);
    write_rva_count("dl/rva0.exe", 0);
    write_far_image("dl/far17m.exe", FAR_LFANEW_17M);
    write_far_image("dl/far255m.exe", FAR_LFANEW_255M);

    /* Codings as browsers read them. */
    ck_assert_int_eq(harness_mkdir(srv, "enc"), 0);
    write_gzip_reserved_flag(GZ_REL, "enc/reserved.exe.gz");
    write_gzip_bad_header_crc(GZ_REL, "enc/hcrc.exe.gz");
    write_raw_deflate_like_zlib("enc/rawlike.exe.zz");
    write_gzip_times(IMG_REL, "enc/nine.exe.gz.gz.gz.gz.gz.gz.gz.gz.gz",
                     NINE_CODINGS);
    HARNESS_WRITE_CGI_BIN(srv, "identity-first", IMG_REL,
                          "Content-Encoding: identity, gzip\r\n",
                          HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "empty-last", IMG_REL,
                          "Content-Encoding: gzip,\r\n", HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "unknown-last", GZ_REL,
                          "Content-Encoding: gzip, x-foo\r\n",
                          HARNESS_CGI_AT_ONCE);

    /* Precompressed static files decided by the limit. */
    pebuild_spec_init(&s);
    s.e_lfanew = ENC_FAR_LFANEW;
    ck_assert_int_eq(harness_write_pe(srv, "img/far.exe", &s, NULL), 0);
    code_file("gzip -n -c", "img/far.exe", "enc/far.exe.gz");
    code_file("zstd -q -c", IMG_REL, "img/clr.exe.zst");
    write_zstd_skip_first("enc/skip.exe.zst", "img/clr.exe.zst",
                          ZSTD_SKIP_17M);

    /* Content-Encoding set after the filter's first call. */
    ck_assert_int_eq(harness_mkdir(srv, "pre"), 0);
    ck_assert_int_eq(harness_mkdir(srv, "prealways"), 0);
    code_file("cat", GZ_REL, "pre/setup.exe.gz");
    code_file("cat", GZ_REL, "prealways/setup.exe.gz");
    ck_assert_int_eq(harness_mkdir(srv, "lua"), 0);
    /* The first byte alone and flushed, then the coding, then the rest. */
    HARNESS_WRITE_LUA(srv, "lua/late.lua", GZ_REL,
        "    local d = slice(0)\n"
        "    r:write(d:sub(1, 1))\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:write(d:sub(2))\n");

    /* Content-Encoding from two places, read in another order than
     * ap_http_header_filter() sends it. */
    code_file("brotli -c", IMG_REL, "img/clr.exe.br");
    code_file("gzip -n -c", "img/clr.exe.br", "img/clr.exe.br.gz");
    HARNESS_WRITE_LUA(srv, "lua/order.lua", "img/clr.exe.br.gz",
        "    local d = slice(0)\n"
        "    r.err_headers_out['Content-Encoding'] = 'br'\n"
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:write(d)\n");
    HARNESS_WRITE_CGI_BIN(srv, "tool.gz", GZ_REL, "Content-Encoding: br\r\n",
                          HARNESS_CGI_AT_ONCE);

    /* Filter order, cache. */
    ck_assert_int_eq(harness_mkdir(srv, "chain"), 0);
    ck_assert_int_eq(harness_write_text(srv, "chain/page.shtml",
        "<!--#include virtual=\"/" IMG_REL "\" -->"), 0);
    ck_assert_int_eq(harness_mkdir(srv, "cachessi"), 0);
    ck_assert_int_eq(harness_write_text(srv, "cachessi/page.shtml",
        "<!--#include virtual=\"/cachedl/tool.exe\" -->"), 0);
    code_file("cat", IMG_REL, "cachedl/tool.exe");
    /* The cache directory of the virtual host: written by the children. */
    ck_assert_int_eq(harness_mkdir_for_children(srv, "cache"), 0);

    /* Withstood. */
    write_withstood_fixtures();

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void attack_teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* ---- the PE rule --------------------------------------------------------- */

/* DESIGN.md section 2, rule 3: NumberOfRvaAndSizes is not consulted; the
 * CLR reads DataDirectory[14] whatever the count says. */
START_TEST(test_clr_image_with_14_directories_gets_attachment)
{
    expect_attachment("/dl/rva14.exe", "attachment; filename=\"rva14.exe\"",
                      "dl/rva14.exe");
}
END_TEST

START_TEST(test_clr_image_with_directory_count_zero_gets_attachment)
{
    expect_attachment("/dl/rva0.exe", "attachment; filename=\"rva0.exe\"",
                      "dl/rva0.exe");
}
END_TEST

/* A Range for the first 100 bytes of the fixture rel at path: 206, the
 * header want, those bytes, note clr. */
static void expect_range_attachment(const char *path, const char *rel,
                                    const char *want)
{
    enum { LEN = 100 };
    harness_response r;
    char *file = harness_path(srv, rel), cr[96];
    unsigned char head[LEN];
    int fd = open(file, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, head, LEN, 0), LEN);
    close(fd);
    snprintf(cr, sizeof cr, "bytes 0-%d/%zu", LEN - 1, fixture_size(rel));
    harness_get_range(srv, path, 0, LEN, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_DISPOSITION(srv, &r, want);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Range", cr);
    HARNESS_ASSERT_BODY(srv, &r, head, LEN);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    free(file);
}

/* Rule 1: e_lfanew below 0x10000000 (256 MiB), the bound of Windows'
 * RtlImageNtHeaderEx; pe.c stops at 16 MiB (PE_LFANEW_MAX). */
START_TEST(test_pe_header_past_16_mib_gets_attachment)
{
    expect_range_attachment("/dl/far17m.exe", "dl/far17m.exe",
                            "attachment; filename=\"far17m.exe\"");
}
END_TEST

START_TEST(test_pe_header_just_below_256_mib_gets_attachment)
{
    expect_range_attachment("/dl/far255m.exe", "dl/far255m.exe",
                            "attachment; filename=\"far255m.exe\"");
}
END_TEST

/* ---- codings as browsers decode them ------------------------------------ */

START_TEST(test_gzip_with_reserved_flag_bits_gets_attachment)
{
    expect_attachment("/enc/reserved.exe.gz",
                      "attachment; filename=\"reserved.exe.gz.exe\"",
                      "enc/reserved.exe.gz");
}
END_TEST

START_TEST(test_gzip_with_wrong_header_crc_gets_attachment)
{
    expect_attachment("/enc/hcrc.exe.gz",
                      "attachment; filename=\"hcrc.exe.gz.exe\"",
                      "enc/hcrc.exe.gz");
}
END_TEST

START_TEST(test_raw_deflate_that_looks_like_zlib_gets_attachment)
{
    expect_attachment("/enc/rawlike.exe.zz",
                      "attachment; filename=\"rawlike.exe.zz.exe\"",
                      "enc/rawlike.exe.zz");
}
END_TEST

/* Nine codings: Firefox undoes up to 16, Chromium any number.  No note:
 * decoding them or adding the header undecided both keep the promise. */
START_TEST(test_nine_gzip_codings_get_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/enc/nine.exe.gz.gz.gz.gz.gz.gz.gz.gz.gz",
        "attachment; filename=\"nine.exe.gz.gz.gz.gz.gz.gz.gz." "gz.gz.exe\"",
        "enc/nine.exe.gz.gz.gz.gz.gz.gz.gz.gz.gz", NULL);
}
END_TEST

/* Chromium (URLRequestHttpJob::SetUpSourceStream) passes the whole body
 * through raw as soon as one listed coding is "identity" or unknown; the
 * raw body here is the image. */
START_TEST(test_identity_listed_with_gzip_on_a_raw_image_gets_attachment)
{
    expect_attachment("/cgi-bin/identity-first",
                      "attachment; filename=\"identity-first.exe\"", IMG_REL);
}
END_TEST

/* Chromium splits "gzip," into "gzip" and "" (empty values are kept), and
 * "" means no coding: the raw body again. */
START_TEST(test_empty_coding_after_gzip_on_a_raw_image_gets_attachment)
{
    expect_attachment("/cgi-bin/empty-last",
                      "attachment; filename=\"empty-last.exe\"", IMG_REL);
}
END_TEST

/* Firefox (nsHttpChannel::DoApplyContentConversions) skips a coding it
 * does not know and undoes the others: gzip of the image. */
START_TEST(test_unknown_coding_after_gzip_on_a_gzip_image_gets_attachment)
{
    expect_attachment("/cgi-bin/unknown-last",
                      "attachment; filename=\"unknown-last.exe\"", GZ_REL);
}
END_TEST

/* ---- precompressed static files ------------------------------------------
 * A static verdict is exact whatever the limit (DESIGN.md section 2); a
 * precompressed file is "peeked and decoded the same way".  No note: the
 * header is what the client needs, however the filter gets there. */

START_TEST(test_precompressed_image_with_header_past_the_limit_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/enc/far.exe.gz",
                           "attachment; filename=\"far.exe.gz.exe\"",
                           "enc/far.exe.gz", NULL);
}
END_TEST

START_TEST(test_precompressed_image_after_a_large_skippable_frame_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/enc/skip.exe.zst",
                           "attachment; filename=\"skip.exe.zst.exe\"",
                           "enc/skip.exe.zst", NULL);
}
END_TEST

/* ---- Content-Encoding that arrives after the filter's first call -------- */

/* A common rule for precompressed files without AddEncoding: mod_headers'
 * output fixups run after NETEXE, so the filter judged the gzip bytes. */
START_TEST(test_header_set_content_encoding_gets_attachment)
{
    harness_response r;

    get_path(0, "/pre/setup.exe.gz", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"setup.exe.gz.exe\"",
                            "pre/setup.exe.gz", "clr");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_header_always_set_content_encoding_gets_attachment)
{
    harness_response r;

    get_path(0, "/prealways/setup.exe.gz", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"setup.exe.gz.exe\"",
                            "prealways/setup.exe.gz", "clr");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    harness_response_free(&r);
}
END_TEST

/* A handler writes one byte (the filter holds it, undecided), flushes,
 * and only then says Content-Encoding: gzip. */
START_TEST(test_handler_setting_content_encoding_after_first_byte_gets_attachment)
{
    harness_response r;

    get_path(0, "/lua/late.lua", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"late.lua.exe\"", GZ_REL,
                            "clr");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    harness_response_free(&r);
}
END_TEST

/* ap_http_header_filter() sends err_headers_out's fields before
 * headers_out's: the client reads "br, gzip" and undoes gzip, then br.
 * The filter lists headers_out first ("gzip, br"). */
START_TEST(test_content_encoding_in_both_tables_is_read_in_sent_order)
{
    harness_response r;

    get_path(0, "/lua/order.lua", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"order.lua.exe\"",
                            "img/clr.exe.br.gz", "clr");
    HARNESS_ASSERT(srv, harness_header_count(&r, "Content-Encoding") == 2
                        && strcmp(harness_header_get(&r, "Content-Encoding"),
                                  "br") == 0,
                   "Content-Encoding fields not br, gzip");
    harness_response_free(&r);
}
END_TEST

/* mod_mime gives a script named tool.gz r->content_encoding "x-gzip"
 * (AddEncoding), and the header filter sends that value in place of the
 * script's own Content-Encoding: the client undoes gzip only.  The filter
 * adds the script's "br" to the list. */
START_TEST(test_content_encoding_replaced_by_mod_mime_is_read_as_sent)
{
    harness_response r;

    get_path(0, "/cgi-bin/tool.gz", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"tool.gz.exe\"", GZ_REL,
                            "clr");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "x-gzip");
    harness_response_free(&r);
}
END_TEST

/* ---- filter order and cache ---------------------------------------------- */

/* NetExe On, and a FilterChain that puts a provided NETEXE before INCLUDES:
 * the instance that runs first judges the SSI source and the one that
 * NetExe On put after INCLUDES steps aside. */
START_TEST(test_netexe_on_with_filter_chain_before_includes_gets_attachment)
{
    expect_attachment("/chain/page.shtml",
                      "attachment; filename=\"page.shtml.exe\"", IMG_REL);
}
END_TEST

/* CacheQuickHandler Off: the SSI page's subrequest for the image is stored
 * by CACHE_SAVE_SUBREQ without the header (the filter steps aside in
 * subrequests), and a direct GET is then answered from that copy. */
START_TEST(test_image_cached_by_a_subrequest_keeps_the_header)
{
    harness_response page, r;
    int port = harness_extra_port(srv, 0);

    get_path(port, "/cachessi/page.shtml", &page);
    HARNESS_ASSERT_DOWNLOAD(srv, &page, 200,
                            "attachment; filename=\"page.shtml.exe\"",
                            "cachedl/tool.exe", "clr");
    get_path(port, "/cachedl/tool.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"tool.exe\"");
    HARNESS_ASSERT_BODY_FILE(srv, &r, "cachedl/tool.exe");
    harness_response_free(&page);
    harness_response_free(&r);
}
END_TEST

/* ---- a file rewritten while it is served ---------------------------------- */

/* Case-insensitive search for needle in the NUL-terminated hay. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* Reads what is there within RAW_IO_MS into buf[0 .. cap-1]: the count,
 * 0 at the end of the stream, -1 on error or timeout. */
static ssize_t raw_read(int fd, unsigned char *buf, size_t cap)
{
    struct pollfd p = { fd, POLLIN, 0 };
    ssize_t k;

    if (poll(&p, 1, (int)harness_scaled_ms(RAW_IO_MS)) != 1)
        return -1;
    do {
        k = read(fd, buf, cap);
    } while (k < 0 && errno == EINTR);
    return k;
}

/* The filter peeks at the PE header when the response starts; the core
 * sends those bytes from the file later.  A client that reads slowly (a
 * 4 KiB receive buffer: the server has sent a few MiB when the headers
 * arrive) gets the response headers of a native image, then the uploader
 * rewrites directory 14 in place, 15 MiB into the file, and the client
 * receives a CLR image without the header. */
START_TEST(test_image_rewritten_in_place_while_served_gets_attachment)
{
    pebuild_spec s;
    size_t len, dir14, hlen = 0, blen = 0;
    unsigned char *img, *body, entry[DIR_ENTRY_SIZE];
    char headers[RAW_HEADER_MAX + 1], *path;
    const char *end;
    struct sockaddr_in sa;
    int sock, fd, rcvbuf = 4096, clr, cd;
    pe_info info;
    ssize_t k;
    static const char req[] = "GET /dl/swap.exe HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";

    pebuild_spec_init(&s);
    s.total_size = IMG_SIZE;
    img = pebuild(&s, &len);
    ck_assert_ptr_nonnull(img);
    dir14 = pebuild_dir_offset(&s, DIR_COM_DESCRIPTOR);
    memcpy(entry, img + dir14, sizeof entry);
    memset(img + dir14, 0, sizeof entry);   /* native */
    wr_u32le(img + DOS_LFANEW_OFFSET, SWAP_LFANEW);
    path = harness_path(srv, "dl/swap.exe");
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, img, BUILD_LFANEW, 0), (ssize_t)BUILD_LFANEW);
    ck_assert_int_eq(pwrite(fd, img + BUILD_LFANEW, len - BUILD_LFANEW,
                            (off_t)SWAP_LFANEW), (ssize_t)(len - BUILD_LFANEW));
    ck_assert_int_eq(fchmod(fd, 0644), 0);

    sock = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(sock, 0);
    ck_assert_int_eq(setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                                sizeof rcvbuf), 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)harness_port(srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(sock, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(write(sock, req, sizeof req - 1), (ssize_t)sizeof req - 1);

    body = malloc(SWAP_LFANEW + len + RAW_HEADER_MAX);
    ck_assert_ptr_nonnull(body);
    headers[0] = '\0';
    while ((end = strstr(headers, "\r\n\r\n")) == NULL) {
        ck_assert_msg(hlen < RAW_HEADER_MAX, "no end of the headers");
        k = raw_read(sock, (unsigned char *)headers + hlen,
                     RAW_HEADER_MAX - hlen);
        ck_assert_msg(k > 0, "the connection ended before the headers");
        hlen += (size_t)k;
        headers[hlen] = '\0';
    }
    blen = hlen - (size_t)(end + 4 - headers);
    memcpy(body, end + 4, blen);

    /* The rewrite, after the response headers have gone out. */
    ck_assert_int_eq(pwrite(fd, entry, sizeof entry,
                            (off_t)(SWAP_LFANEW + (dir14 - BUILD_LFANEW))),
                     (ssize_t)sizeof entry);
    ck_assert_int_eq(close(fd), 0);

    while ((k = raw_read(sock, body + blen,
                         SWAP_LFANEW + len + RAW_HEADER_MAX - blen)) > 0)
        blen += (size_t)k;
    ck_assert_msg(k == 0, "reading the body failed or timed out");
    close(sock);

    /* Either the bytes the decision rested on are the ones sent (a
     * native image, no header), or the client got the header with the
     * CLR image. */
    HARNESS_ASSERT(srv, blen == SWAP_LFANEW - BUILD_LFANEW + len,
                   "body of %zu bytes", blen);
    clr = pe_sniff(body, blen, &info) == PE_CLR;
    cd = find_ci(headers, "\r\nContent-Disposition: attachment") != NULL;
    HARNESS_ASSERT(srv, clr == cd, "the body received is %s, and the "
                   "headers have %s:\n%s", clr ? "a CLR image" : "no CLR image",
                   cd ? "the attachment header" : "no attachment header",
                   headers);
    free(body);
    free(img);
    free(path);
}
END_TEST

/* ========================================================================
 * withstood: attacks of the same kind that get the header
 * ======================================================================== */

static void write_withstood_fixtures(void)
{
    size_t len;
    unsigned char *gz;

    /* An empty gzip member first, the image in the second. */
    ck_assert_int_eq(harness_write_file(srv, "img/empty", "", 0), 0);
    code_file("gzip -n -c", "img/empty", "img/empty.gz");
    {
        char *a = harness_path(srv, "img/empty.gz");
        char *b = harness_path(srv, GZ_REL);
        char *c = harness_path(srv, "enc/members.exe.gz");

        ck_assert_int_eq(hfail_sh("cat '%s' '%s' > '%s' && chmod 644 '%s'",
                                  a, b, c, c), 0);
        free(a);
        free(b);
        free(c);
    }
    /* Raw deflate: the gzip member without its header and trailer; its
     * first two bytes are no zlib header. */
    gz = get(GZ_REL, &len);
    ck_assert(len > GZIP_HEADER_LEN + GZIP_TRAILER_LEN);
    ck_assert(((gz[GZIP_HEADER_LEN] << 8) | gz[GZIP_HEADER_LEN + 1]) % 31 != 0
              || (gz[GZIP_HEADER_LEN] & 0x0F) != 8);
    HARNESS_PUT(srv, "enc/raw.exe.zz", gz + GZIP_HEADER_LEN,
        len - GZIP_HEADER_LEN - GZIP_TRAILER_LEN);
    free(gz);
    code_file("brotli -c -w 24", IMG_REL, "enc/wide.exe.br");
    code_file("gzip -n -c", IMG_REL, "enc/tool.exe.gz");

    code_file("brotli -c", GZ_REL, "img/clr.exe.gz.br");
    HARNESS_WRITE_CGI_BIN(srv, "two-lines", "img/clr.exe.gz.br",
                          "Content-Encoding: gzip\r\nContent-Encoding: br\r\n",
                          HARNESS_CGI_AT_ONCE);
    write_zstd_skip_first("img/skip.zst", "img/clr.exe.zst", 100);
    HARNESS_WRITE_CGI_BIN(srv, "zstd-skip", "img/skip.zst",
                          "Content-Encoding: zstd\r\n", HARNESS_CGI_AT_ONCE);
    /* 60 empty blocks, written a byte at a time: the zstd stage, started,
     * gets nothing over 300 reads of the script's output. */
    write_gzip_stalled("img/stall.zst.gz", "img/clr.exe.zst", 64, 60);
    HARNESS_WRITE_CGI_BIN(srv, "zstd-stall", "img/stall.zst.gz",
                          "Content-Encoding: zstd, gzip\r\n",
                          HARNESS_CGI_TRICKLE);
    /* 128 KiB of them: more encoded bytes than may be held before the
     * image decodes. */
    write_gzip_stalled("img/stall-long.zst.gz", "img/clr.exe.zst", 64,
                       128u * 1024u / STORED_EMPTY_LEN);
    HARNESS_WRITE_CGI_BIN(srv, "zstd-stall-long", "img/stall-long.zst.gz",
                          "Content-Encoding: zstd, gzip\r\n",
                          HARNESS_CGI_AT_ONCE);
    write_gzip_times(IMG_REL, "img/clr.exe.gz.gz", 2);
    HARNESS_WRITE_CGI_BIN(srv, "odd-case", "img/clr.exe.gz.gz",
                          "Content-Encoding: GZip ,\t x-GZIP\r\n",
                          HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "gz-trickle", GZ_REL,
                          "Content-Encoding: gzip\r\n", HARNESS_CGI_TRICKLE);
    HARNESS_WRITE_CGI_BIN(srv, "gz", GZ_REL, "Content-Encoding: gzip\r\n",
                          HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "status203", GZ_REL,
                          "Status: 203 Non-Authoritative Information\r\n"
                          "Content-Encoding: gzip\r\n", HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "identity-only", IMG_REL,
                          "Content-Encoding: identity\r\n",
                          HARNESS_CGI_AT_ONCE);
    /* Every byte written and flushed alone. */
    HARNESS_WRITE_LUA(srv, "lua/trickle.lua", IMG_REL,
        "    local d = slice(0)\n"
        "    for i = 1, #d do\n"
        "        r:write(d:sub(i, i))\n"
        "        r:flush()\n"
        "    end\n");
    HARNESS_WRITE_CGI_BIN(srv, "ok200", IMG_REL, "Status: 200 OK\r\n",
                          HARNESS_CGI_AT_ONCE);
}

START_TEST(test_image_in_second_gzip_member_gets_attachment)
{
    expect_attachment("/enc/members.exe.gz",
                      "attachment; filename=\"members.exe.gz.exe\"",
                      "enc/members.exe.gz");
}
END_TEST

START_TEST(test_true_raw_deflate_gets_attachment)
{
    expect_attachment("/enc/raw.exe.zz",
                      "attachment; filename=\"raw.exe.zz.exe\"",
                      "enc/raw.exe.zz");
}
END_TEST

START_TEST(test_brotli_with_16_mib_window_gets_attachment)
{
    expect_attachment("/enc/wide.exe.br",
                      "attachment; filename=\"wide.exe.br.exe\"",
                      "enc/wide.exe.br");
}
END_TEST

START_TEST(test_two_content_encoding_lines_are_one_list)
{
    expect_attachment("/cgi-bin/two-lines",
                      "attachment; filename=\"two-lines.exe\"",
                      "img/clr.exe.gz.br");
}
END_TEST

START_TEST(test_zstd_skippable_frame_first_gets_attachment)
{
    expect_attachment("/cgi-bin/zstd-skip",
                      "attachment; filename=\"zstd-skip.exe\"", "img/skip.zst");
}
END_TEST

/* libzstd fails a stream after sixteen calls that neither read nor write;
 * a zstd coding inside a gzip one that decodes nothing for a while (empty
 * stored blocks) must not be taken for a corrupt stream. */
START_TEST(test_zstd_inside_stalling_gzip_gets_attachment)
{
    expect_attachment("/cgi-bin/zstd-stall",
                      "attachment; filename=\"zstd-stall.exe\"",
                      "img/stall.zst.gz");
}
END_TEST

/* The same with 128 KiB of empty blocks before the image: the encoded
 * bytes that may be held (64 KiB) run out before a byte is decoded.  A
 * browser decodes on to the image: unknown, with the header. */
START_TEST(test_image_past_the_limit_of_encoded_bytes_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/cgi-bin/zstd-stall-long",
                           "attachment; filename=\"zstd-stall-long.exe\"",
                           "img/stall-long.zst.gz", "unknown");
}
END_TEST

START_TEST(test_codings_in_odd_case_and_blanks_get_attachment)
{
    expect_attachment("/cgi-bin/odd-case",
                      "attachment; filename=\"odd-case.exe\"",
                      "img/clr.exe.gz.gz");
}
END_TEST

START_TEST(test_gzip_written_one_byte_per_write_gets_attachment)
{
    expect_attachment("/cgi-bin/gz-trickle",
                      "attachment; filename=\"gz-trickle.exe\"", GZ_REL);
}
END_TEST

START_TEST(test_identity_alone_is_no_coding)
{
    expect_attachment("/cgi-bin/identity-only",
                      "attachment; filename=\"identity-only.exe\"", IMG_REL);
}
END_TEST

START_TEST(test_backend_203_with_gzip_gets_attachment)
{
    harness_response r;

    /* No note: the backend logs the same request id, with its own note. */
    get_path(0, "/px/status203", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 203,
                            "attachment; filename=\"status203.exe\"", GZ_REL,
                            NULL);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_head_then_get_of_precompressed_image_both_get_attachment)
{
    harness_response h, r;

    harness_head(srv, "/enc/tool.exe.gz", &h);
    HARNESS_ASSERT_STATUS(srv, &h, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &h,
                               "attachment; filename=\"tool.exe.gz.exe\"");
    HARNESS_ASSERT(srv, h.body_len == 0, "HEAD with a body");
    get_path(0, "/enc/tool.exe.gz", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"tool.exe.gz.exe\"",
                            "enc/tool.exe.gz", "clr");
    harness_response_free(&h);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_h2c_gzip_from_a_script_gets_attachment)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/cgi-bin/gz";
    q.http2 = 1;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, "attachment; filename=\"gz.exe\"",
                            GZ_REL, "clr");
    HARNESS_ASSERT(srv, r.http_version == 20, "HTTP version %ld",
                   r.http_version);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_lua_handler_flushing_every_byte_gets_attachment)
{
    expect_attachment("/lua/trickle.lua",
                      "attachment; filename=\"trickle.lua.exe\"", IMG_REL);
}
END_TEST

/* An ErrorDocument script that answers 200: the internal redirect's
 * response is examined like any other. */
START_TEST(test_error_document_script_answering_200_gets_attachment)
{
    expect_attachment("/missing/setup.exe", "attachment; filename=\"ok200.exe\"",
                      IMG_REL);
}
END_TEST

/* ========================================================================
 * memory: peak RSS of the children
 * ======================================================================== */

/* The budget of one request in flight (README, NetExeSniffLimit): the
 * held bytes, twice the limit, and 4 MiB of slack; a decoder's window
 * (16 MiB for br) on top; 8 MiB for each child process the MPM starts
 * meanwhile. */
#define REQUEST_BUDGET_KB   ((long)(2 * SNIFF_LIMIT + 4 * MIB) / 1024)
#define WINDOW_BUDGET_KB    ((long)(16 * MIB) / 1024)
#define NEW_CHILD_KB        ((long)(8 * MIB) / 1024)
#define PARALLEL            16
#define ROUNDS              3
#define MEM_LFANEW          0x00F00000u     /* 15 MiB: below PE_LFANEW_MAX */
#define ZSTD_STAGES         8
#define ZSTD_STAGE_SKIP     (8u * MIB)

static const char memory_config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/enc\">\n"
    "    NetExe On\n"
    "    AddEncoding zstd .zst\n"
    "</Directory>\n";

/* enc/stack.exe.zst x 8: eight zstd frames, each inside the next; each
 * frame but the innermost decodes to an 8 MiB skippable frame (which the
 * next stage reads and drops) and the next frame, so that every stage
 * fills its 8 MiB window while the body stays under a kilobyte. */
static void write_zstd_stack(void)
{
    char *dir = harness_path(srv, "img"), *dst;
    int i;

    code_file("zstd -q -19 -c", IMG_REL, "img/stage0.zst");
    for (i = 1; i < ZSTD_STAGES; i++) {
        char prev[64], in[64], out[64];

        snprintf(prev, sizeof prev, "img/stage%d.zst", i - 1);
        snprintf(in, sizeof in, "img/in%d", i);
        snprintf(out, sizeof out, "img/stage%d.zst", i);
        write_zstd_skip_first(in, prev, ZSTD_STAGE_SKIP);
        code_file("zstd -q -19 --zstd=wlog=23 -c", in, out);
    }
    dst = harness_path(srv, "enc/stack.exe.zst.zst.zst.zst.zst.zst.zst.zst");
    ck_assert_int_eq(hfail_sh("cp '%s/stage%d.zst' '%s' && chmod 644 '%s'",
                              dir, ZSTD_STAGES - 1, dst, dst), 0);
    free(dst);
    free(dir);
}

static void memory_setup(void)
{
    harness_options o;
    size_t len;
    unsigned char *img;

    harness_options_init(&o);
    o.config = memory_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    HARNESS_PUT(srv, IMG_REL, img, len);
    free(img);
    write_far_image("dl/far15m.exe", MEM_LFANEW);
    ck_assert_int_eq(harness_mkdir(srv, "enc"), 0);
    write_zstd_stack();
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void memory_teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* A static file whose PE header lies 15 MiB in is "peeked with at most
 * two small reads", yet pe_sniff_window() copies head and window into a
 * calloc'd buffer as large as e_lfanew: 15 MiB per request, which
 * glibc's arenas keep once the mmap threshold has moved. */
START_TEST(test_static_image_with_far_header_costs_no_more_than_the_budget)
{
    static const char *const range[] = { "Range: bytes=0-99", NULL };
    harness_request q[PARALLEL];
    harness_response r[PARALLEL];
    long before, after, budget;
    int n0, n1, i, round;

    before = children_hwm_kb(&n0);
    memset(q, 0, sizeof q);
    for (i = 0; i < PARALLEL; i++) {
        q[i].path = "/dl/far15m.exe";
        q[i].headers = range;
    }
    for (round = 0; round < ROUNDS; round++) {
        HARNESS_ASSERT(srv, harness_request_parallel(srv, q, r, PARALLEL) == 0,
                       "some requests got no answer");
        for (i = 0; i < PARALLEL; i++) {
            HARNESS_ASSERT_STATUS(srv, &r[i], 206);
            HARNESS_ASSERT_DISPOSITION(srv, &r[i],
                                       "attachment; filename=\"far15m.exe\"");
            harness_response_free(&r[i]);
        }
    }
    after = children_hwm_kb(&n1);
    budget = PARALLEL * REQUEST_BUDGET_KB
             + (n1 > n0 ? n1 - n0 : 0) * NEW_CHILD_KB;
    /* Under a memory tool the RSS is the tool's as much as httpd's. */
    HARNESS_ASSERT(srv, !harness_mem_meaningful() || after - before <= budget,
                   "children's peak RSS grew by %ld kB (%d -> %d children) "
                   "for %d rounds of %d requests; budget %ld kB",
                   after - before, n0, n1, ROUNDS, PARALLEL, budget);
    assert_no_crash();
}
END_TEST

/* Eight stacked zstd codings: each stage would keep its own 8 MiB window,
 * 64 MiB for one request of a few hundred bytes.  The decoder stops at its
 * memory budget; a browser would decode on, so the body could be an image:
 * the header all the same (note unknown), in bounded memory. */
START_TEST(test_stacked_zstd_codings_cost_no_more_than_one_window)
{
    harness_response r;
    long before, after, budget;
    int n0, n1;

    before = children_hwm_kb(&n0);
    get_path(0, "/enc/stack.exe.zst.zst.zst.zst.zst.zst.zst.zst", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"stack.exe.zst.zst.zst.zst."
                            "zst.zst.zst.zst.exe\"",
                            "enc/stack.exe.zst.zst.zst.zst.zst.zst.zst.zst",
                            "unknown");
    harness_response_free(&r);
    after = children_hwm_kb(&n1);
    budget = REQUEST_BUDGET_KB + WINDOW_BUDGET_KB
             + (n1 > n0 ? n1 - n0 : 0) * NEW_CHILD_KB;
    /* Under a memory tool the RSS is the tool's as much as httpd's. */
    HARNESS_ASSERT(srv, !harness_mem_meaningful() || after - before <= budget,
                   "children's peak RSS grew by %ld kB for one request of "
                   "%zu bytes; budget %ld kB", after - before,
                   fixture_size("enc/stack.exe.zst.zst.zst.zst.zst.zst.zst."
                                "zst"), budget);
    assert_no_crash();
}
END_TEST

/* ---- many Content-Encoding fields from a backend ------------------------ */

#define CE_FIELDS           96
#define CE_FIELD_LEN        8000u   /* below mod_proxy's 8190-byte field */

static int backend_fd = -1;
static char headers_config[1024];

static void memory_headers_setup(void)
{
    static const char *const mods[] = { "proxy", "proxy_http", NULL };
    harness_options o;
    size_t len;
    unsigned char *img;
    int port = 0;

    backend_fd = harness_listen_local(&port);
    ck_assert_int_ge(backend_fd, 0);
    snprintf(headers_config, sizeof headers_config,
             "ProxyPass /raw/ http://127.0.0.1:%d/\n"
             "<Location \"/raw/\">\n"
             "    NetExe On\n"
             "</Location>\n", port);

    harness_options_init(&o);
    o.modules = mods;
    o.config = headers_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    HARNESS_PUT(srv, IMG_REL, img, len);
    free(img);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void memory_headers_teardown(void)
{
    harness_free(srv);
    srv = NULL;
    if (backend_fd >= 0)
        close(backend_fd);
    backend_fd = -1;
}

/* The backend, in a child process: one connection, answered with the
 * image under CE_FIELDS Content-Encoding fields of CE_FIELD_LEN bytes. */
static void backend_many_encodings(void)
{
    struct pollfd p = { backend_fd, POLLIN, 0 };
    char req[8192], *value, head[256];
    size_t len, i;
    unsigned char *img;
    int c;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    if (poll(&p, 1, (int)harness_scaled_ms(RAW_IO_MS)) != 1)
        _exit(2);
    c = accept(backend_fd, NULL, NULL);
    if (c < 0)
        _exit(3);
    if (harness_read_head(c, req, sizeof req,
                          harness_scaled_ms(RAW_IO_MS)) < 0)
        _exit(4);
    value = malloc(CE_FIELD_LEN + 1);
    for (i = 0; i < CE_FIELD_LEN; i++)
        value[i] = "gzip,"[i % 5];
    value[CE_FIELD_LEN] = '\0';
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
             "Content-Type: application/x-msdownload\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n", len);
    if (write(c, head, strlen(head)) < 0)
        _exit(6);
    for (i = 0; i < CE_FIELDS; i++) {
        if (write(c, "Content-Encoding: ", 18) < 0
            || write(c, value, CE_FIELD_LEN) < 0 || write(c, "\r\n", 2) < 0)
            _exit(7);
    }
    if (write(c, "\r\n", 2) < 0 || write(c, img, len) < 0)
        _exit(8);
    close(c);
    _exit(0);
}

/* Ninety-six Content-Encoding fields of 8000 bytes (a backend's, within
 * httpd's limits): netexe_scan_headers() joins them with apr_pstrcat one
 * at a time, copying the growing list each time, 38 MB for 770 KB of
 * headers. */
START_TEST(test_many_content_encoding_fields_cost_no_more_than_the_budget)
{
    static const char req[] = "GET /raw/x HTTP/1.0\r\n\r\n";
    long before, after, budget;
    int n0, n1;
    pid_t pid;
    size_t len;
    unsigned char *resp;

    before = children_hwm_kb(&n0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        backend_many_encodings();
    resp = harness_raw_exchange(srv, 0, req, sizeof req - 1,
                                harness_scaled_ms(RAW_IO_MS), &len);
    ck_assert_int_eq(harness_wait_child(pid, "backend",
                                        harness_scaled_ms(RAW_IO_MS)), 0);
    HARNESS_ASSERT(srv, resp != NULL && strncmp((char *)resp,
                                                "HTTP/1.1 200 ", 13) == 0,
                   "no 200 from the proxy");
    free(resp);
    after = children_hwm_kb(&n1);
    budget = REQUEST_BUDGET_KB + (n1 > n0 ? n1 - n0 : 0) * NEW_CHILD_KB;
    /* Under a memory tool the RSS is the tool's as much as httpd's. */
    HARNESS_ASSERT(srv, !harness_mem_meaningful() || after - before <= budget,
                   "children's peak RSS grew by %ld kB for one response with "
                   "%d Content-Encoding fields; budget %ld kB",
                   after - before, CE_FIELDS, budget);
    assert_no_crash();
}
END_TEST

/* ========================================================================
 * time: a small body must not keep a thread decoding
 * ======================================================================== */

/* A gzip member whose header carries 150 GB of file name before the
 * image, wrapped in three more gzip members: four codings, 60 KB on disk.
 * Each stage decodes everything the stage after it skips, and nothing
 * bounds the decoded bytes. */
#define BOMB_NAME_LEN       150000000000ull
#define BOMB_WRAPS          3
#define BOMB_REL            "enc/bomb.exe.gz.gz.gz.gz"
#define BOMB_REQUEST_MS     20000L

static const char time_config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/enc\">\n"
    "    NetExe On\n"
    "    AddEncoding x-gzip .gz\n"
    "</Directory>\n";

static void time_setup(void)
{
    harness_options o;
    size_t len;
    unsigned char *bomb;

    harness_options_init(&o);
    o.config = time_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    bomb = bomb_build(BOMB_NAME_LEN, BOMB_WRAPS, &len);
    ck_assert(len < SNIFF_LIMIT);
    HARNESS_PUT(srv, BOMB_REL, bomb, len);
    free(bomb);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void time_teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

START_TEST(test_nested_gzip_bomb_is_answered_within_the_request_bound)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/" BOMB_REL;
    q.timeout_ms = BOMB_REQUEST_MS;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &r, BOMB_REL);
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

/* ======================================================================== */

static Suite *attack_suite(void)
{
    Suite *s = suite_create("httpd_attack");
    TCase *tc;

    tc = tcase_create("bypass");
    tcase_add_unchecked_fixture(tc, attack_setup, attack_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_clr_image_with_14_directories_gets_attachment);
    tcase_add_test(tc, test_clr_image_with_directory_count_zero_gets_attachment);
    tcase_add_test(tc, test_pe_header_past_16_mib_gets_attachment);
    tcase_add_test(tc, test_pe_header_just_below_256_mib_gets_attachment);
    tcase_add_test(tc, test_gzip_with_reserved_flag_bits_gets_attachment);
    tcase_add_test(tc, test_gzip_with_wrong_header_crc_gets_attachment);
    tcase_add_test(tc, test_raw_deflate_that_looks_like_zlib_gets_attachment);
    tcase_add_test(tc, test_nine_gzip_codings_get_attachment);
    tcase_add_test(tc, test_identity_listed_with_gzip_on_a_raw_image_gets_attachment);
    tcase_add_test(tc, test_empty_coding_after_gzip_on_a_raw_image_gets_attachment);
    tcase_add_test(tc, test_unknown_coding_after_gzip_on_a_gzip_image_gets_attachment);
    tcase_add_test(tc, test_precompressed_image_with_header_past_the_limit_gets_attachment);
    tcase_add_test(tc, test_precompressed_image_after_a_large_skippable_frame_gets_attachment);
    tcase_add_test(tc, test_header_set_content_encoding_gets_attachment);
    tcase_add_test(tc, test_header_always_set_content_encoding_gets_attachment);
    tcase_add_test(tc, test_handler_setting_content_encoding_after_first_byte_gets_attachment);
    tcase_add_test(tc, test_content_encoding_in_both_tables_is_read_in_sent_order);
    tcase_add_test(tc, test_content_encoding_replaced_by_mod_mime_is_read_as_sent);
    tcase_add_test(tc, test_netexe_on_with_filter_chain_before_includes_gets_attachment);
    tcase_add_test(tc, test_image_cached_by_a_subrequest_keeps_the_header);
    tcase_add_test(tc, test_image_rewritten_in_place_while_served_gets_attachment);
    tcase_add_test(tc, test_zstd_inside_stalling_gzip_gets_attachment);
    tcase_add_test(tc, test_image_past_the_limit_of_encoded_bytes_gets_attachment);
    suite_add_tcase(s, tc);

    tc = tcase_create("withstood");
    tcase_add_unchecked_fixture(tc, attack_setup, attack_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_image_in_second_gzip_member_gets_attachment);
    tcase_add_test(tc, test_true_raw_deflate_gets_attachment);
    tcase_add_test(tc, test_brotli_with_16_mib_window_gets_attachment);
    tcase_add_test(tc, test_two_content_encoding_lines_are_one_list);
    tcase_add_test(tc, test_zstd_skippable_frame_first_gets_attachment);
    tcase_add_test(tc, test_codings_in_odd_case_and_blanks_get_attachment);
    tcase_add_test(tc, test_gzip_written_one_byte_per_write_gets_attachment);
    tcase_add_test(tc, test_identity_alone_is_no_coding);
    tcase_add_test(tc, test_backend_203_with_gzip_gets_attachment);
    tcase_add_test(tc, test_head_then_get_of_precompressed_image_both_get_attachment);
    tcase_add_test(tc, test_h2c_gzip_from_a_script_gets_attachment);
    tcase_add_test(tc, test_lua_handler_flushing_every_byte_gets_attachment);
    tcase_add_test(tc, test_error_document_script_answering_200_gets_attachment);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory");
    tcase_add_unchecked_fixture(tc, memory_setup, memory_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_static_image_with_far_header_costs_no_more_than_the_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory_codings");
    tcase_add_unchecked_fixture(tc, memory_setup, memory_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_stacked_zstd_codings_cost_no_more_than_one_window);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory_headers");
    tcase_add_unchecked_fixture(tc, memory_headers_setup,
                                memory_headers_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_many_content_encoding_fields_cost_no_more_than_the_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_unchecked_fixture(tc, time_setup, time_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_nested_gzip_bomb_is_answered_within_the_request_bound);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
