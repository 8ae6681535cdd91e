/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_codings.c -- content codings (DESIGN.md section 5, "Content
 * codings"): a browser decodes gzip, x-gzip, deflate, br and zstd and
 * receives the bare image, so an encoded CLR image gets the header like a
 * plain one, while the encoded bytes go on untouched.
 *
 * The encoded fixtures are made at test time by gzip, brotli and zstd
 * (harness_fail.h; zlib-wrapped and raw deflate are cut out of gzip's
 * output) and served
 *   - as precompressed static files (AddEncoding x-gzip .gz and the
 *     others, AddType for the .exe);
 *   - by CGI scripts that send them with their Content-Encoding;
 *   - through a reverse proxy, from a backend virtual host on an extra
 *     port serving the same files, compressing with mod_deflate, and with
 *     mod_brotli (NetExe Off there: every header comes from the front);
 *   - stacked: "gzip, br" (gzip applied first), static, CGI and proxied.
 * Each answer is checked twice: as received (no decoding: status, exactly
 * one Content-Disposition, the Content-Encoding, the body's SHA-256 equal
 * to the encoded bytes the handler produced, the note) and decoded by
 * libcurl as a browser would (the body is the image).
 *
 * Codings the module does not decode (x-foo) or that mean none (binary,
 * 8bit, 7bit, "identity, identity") on a plain CLR image: judged on the
 * raw bytes, so clr.  A gzip'd native image is native.  Corrupt streams
 * (cut after 20 bytes; garbage after a gzip header) are not CLR and pass
 * intact.  Bombs (200 MB of zeros in gzip, br and zstd, with and without
 * an "MZ" header in front) are decided without the serving process's peak
 * RSS growing beyond 2 x NetExeSniffLimit + 4 MiB.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_fail.h"
#include "harness_mem.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      60
#define PADDED_SIZE         20000u      /* the plain CLR image */
#define OVERLAY_SIZE        (1024u * 1024u)   /* incompressible tail of big.exe */
#define CORRUPT_CUT         20u         /* bytes of gzip kept */
#define GZIP_HEADER_LEN     10u
#define GARBAGE_LEN         4096u
#define BOMB_SIZE           "209715200" /* 200 MB of zeros, decoded */
#define MZ_HEADER_LEN       64u
#define E_LFANEW_OFFSET     0x3Cu
#define DEFAULT_LIMIT       65536L
#define BIG_LIMIT           16777216L
#define BIG_LIMIT_STR       "16777216"
#define FAR_LFANEW          0x01000000u /* 16 MiB: beyond the default limit */
#define DEEP_LFANEW         (16u * 1024u * 1024u - 4096u)  /* inside 16 MiB */
#define SLACK_KIB           (4L * 1024L)
/* The windows a decoder may allocate on top of the limit: the largest that
 * browsers decode (decode.h, NETEXE_DECODE_WINDOW_MAX and
 * NETEXE_DECODE_ZSTD_WINDOW_LOG_MAX). */
#define BR_WINDOW_KIB       (16L * 1024L)
#define ZSTD_WINDOW_KIB     (8L * 1024L)
#define LCG_MUL             1103515245u
#define LCG_ADD             12345u

/* What a browser offers; libcurl's own list when decoding. */
#define ACCEPT_ALL          "gzip, deflate, br, zstd"

static harness_httpd *srv;

/* The front: /pre/ precompressed with x-gzip, /pre-gzip/ with gzip,
 * /big/ with a 16 MiB sniff limit, CGI scripts under /cgi-bin/, the proxy
 * under /px/.  The backend on @PORT1@ serves the same kinds of files
 * without NetExe. */
static const char codings_config[] =
    "<Directory \"@DOCROOT@/pre\">\n"
    "    NetExe On\n"
    "    RemoveType .gz .zst\n"
    "    AddType application/x-msdownload .exe\n"
    "    AddEncoding x-gzip .gz\n"
    "    AddEncoding deflate .zz .dfl\n"
    "    AddEncoding br .br\n"
    "    AddEncoding zstd .zst\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/pre-gzip\">\n"
    "    NetExe On\n"
    "    RemoveType .gz\n"
    "    AddType application/x-msdownload .exe\n"
    "    AddEncoding gzip .gz\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/big\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit " BIG_LIMIT_STR "\n"
    "    RemoveType .gz\n"
    "    AddEncoding gzip .gz\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN
    "<Location \"/px/\">\n"
    "    ProxyPass \"http://127.0.0.1:@PORT1@/\"\n"
    "    NetExe On\n"
    "</Location>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName backend.test\n"
    "    DocumentRoot \"@DOCROOT@/backend\"\n"
    "    CustomLog \"@ROOT@/logs/backend.log\" harness\n"
    "    NetExe Off\n"
    "    <Directory \"@DOCROOT@/backend/static\">\n"
    "        RemoveType .gz .zst\n"
    "        AddType application/x-msdownload .exe\n"
    "        AddEncoding x-gzip .gz\n"
    "        AddEncoding deflate .zz .dfl\n"
    "        AddEncoding br .br\n"
    "        AddEncoding zstd .zst\n"
    "    </Directory>\n"
    "    <Directory \"@DOCROOT@/backend/deflate\">\n"
    "        AddType application/x-msdownload .exe\n"
    "        SetOutputFilter DEFLATE\n"
    "    </Directory>\n"
    "    <Directory \"@DOCROOT@/backend/brotli\">\n"
    "        AddType application/x-msdownload .exe\n"
    "        SetOutputFilter BROTLI_COMPRESS\n"
    "    </Directory>\n"
    "</VirtualHost>\n";

/* The encoded fixtures under pre/ (and copied to backend/static/). */
typedef struct {
    const char *suffix;         /* setup.exe + suffix */
    const char *encoding;       /* its Content-Encoding from mod_mime */
    const char *cgi;            /* the CGI script sending it */
    const char *cgi_encoding;   /* the script's Content-Encoding */
} coding;

/* mod_mime joins the codings of several extensions with ", " in the
 * order of the extensions: .gz.br is "x-gzip, br", gzip applied first. */
static const coding codings[] = {
    { ".gz",    "x-gzip",     "xgz",        "x-gzip" },
    { ".zz",    "deflate",    "zlib",       "deflate" },
    { ".dfl",   "deflate",    "rawdeflate", "deflate" },
    { ".br",    "br",         "br",         "br" },
    { ".zst",   "zstd",       "zstd",       "zstd" },
    { ".gz.br", "x-gzip, br", "gzbr",       "gzip, br" },
};

enum { NCODINGS = sizeof codings / sizeof codings[0] };

/* --- fixtures ------------------------------------------------------------- */

static void write_cgi(const char *name, const char *file_rel,
                      const char *encoding)
{
    harness_cgi_opts o;
    char rel[64], hdr[128];

    harness_cgi_opts_init(&o);
    if (encoding != NULL) {
        snprintf(hdr, sizeof hdr, "Content-Encoding: %s\r\n", encoding);
        o.headers = hdr;
    }
    snprintf(rel, sizeof rel, "cgi/%s", name);
    ck_assert_int_eq(harness_write_cgi_image(srv, rel, file_rel, &o), 0);
}

static void copy_fixture(const char *from, const char *to)
{
    ck_assert_int_eq(harness_copy_fixture(srv, from, to), 0);
}

/* The default CLR image followed by an incompressible tail, so that its
 * encoded form is about a megabyte in many buckets. */
static void write_big_image(void)
{
    pebuild_spec s;
    size_t len = 0, i;
    unsigned char *img, *all;
    uint32_t x = 1;

    pebuild_spec_init(&s);
    img = pebuild(&s, &len);
    ck_assert_ptr_nonnull(img);
    all = malloc(len + OVERLAY_SIZE);
    ck_assert_ptr_nonnull(all);
    memcpy(all, img, len);
    for (i = 0; i < OVERLAY_SIZE; i++) {
        x = x * LCG_MUL + LCG_ADD;
        all[len + i] = (unsigned char)(x >> 16);
    }
    ck_assert_int_eq(harness_write_file(srv, "img/big.exe", all,
                                        len + OVERLAY_SIZE), 0);
    free(all);
    free(img);
}

/* A gzip header followed by bytes that are no deflate stream. */
static void write_garbage_gzip(void)
{
    unsigned char *b = malloc(GARBAGE_LEN);
    size_t len = 0, i;
    unsigned char *gz = harness_read_fixture(srv, "pre/setup.exe.gz", &len);

    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(gz);
    ck_assert_uint_ge(len, GZIP_HEADER_LEN);
    memcpy(b, gz, GZIP_HEADER_LEN);
    for (i = GZIP_HEADER_LEN; i < GARBAGE_LEN; i++)
        b[i] = 0xFF;
    ck_assert_int_eq(harness_write_file(srv, "pre/garbage.exe.gz", b,
                                        GARBAGE_LEN), 0);
    ck_assert_int_eq(harness_write_file(srv, "pre/trunc.exe.gz", gz,
                                        CORRUPT_CUT), 0);
    free(gz);
    free(b);
}

/* docroot/rel = BOMB_SIZE bytes (an "MZ" header with e_lfanew lfanew
 * first when lfanew is not 0, zeros otherwise) compressed by cmd. */
static void write_bomb(const char *rel, const char *cmd, uint32_t lfanew)
{
    unsigned char hdr[MZ_HEADER_LEN];
    char *out = harness_path(srv, rel), *hpath = NULL;

    memset(hdr, 0, sizeof hdr);
    if (lfanew != 0) {
        hdr[0] = 'M';
        hdr[1] = 'Z';
        hdr[E_LFANEW_OFFSET] = (unsigned char)(lfanew & 0xFFu);
        hdr[E_LFANEW_OFFSET + 1] = (unsigned char)((lfanew >> 8) & 0xFFu);
        hdr[E_LFANEW_OFFSET + 2] = (unsigned char)((lfanew >> 16) & 0xFFu);
        hdr[E_LFANEW_OFFSET + 3] = (unsigned char)((lfanew >> 24) & 0xFFu);
    }
    ck_assert_int_eq(harness_write_file(srv, "tmp/bomb-head", hdr, sizeof hdr), 0);
    ck_assert_int_eq(hfail_mkdir_parent(srv, rel), 0);
    hpath = harness_path(srv, "tmp/bomb-head");
    ck_assert_int_eq(hfail_sh("cat '%s' /dev/zero | head -c " BOMB_SIZE
                              " | %s > '%s' && chmod 0644 '%s'", hpath, cmd,
                              out, out), 0);
    free(hpath);
    free(out);
}

static void setup(void)
{
    static const char *const mods[] = {
        "alias", "cgid", "proxy", "proxy_http", "filter", "deflate", "brotli",
        NULL
    };
    harness_options o;
    pebuild_spec s, native;
    size_t i;
    char rel[64], to[96];

    harness_options_init(&o);
    o.modules = mods;
    o.config = codings_config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&s);
    s.total_size = PADDED_SIZE;
    pebuild_spec_init(&native);
    native.clr = 0;
    native.total_size = PADDED_SIZE;
    ck_assert_int_eq(harness_write_pe(srv, "img/setup.exe", &s, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "img/native.exe", &native, NULL), 0);
    write_big_image();

    ck_assert_int_eq(hfail_encode(srv, "img/setup.exe", "pre/setup.exe.gz",
                                  HFAIL_GZIP), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/setup.exe", "pre/setup.exe.zz",
                                  HFAIL_ZLIB), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/setup.exe", "pre/setup.exe.dfl",
                                  HFAIL_RAW_DEFLATE), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/setup.exe", "pre/setup.exe.br",
                                  HFAIL_BR), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/setup.exe", "pre/setup.exe.zst",
                                  HFAIL_ZSTD), 0);
    ck_assert_int_eq(hfail_encode(srv, "pre/setup.exe.gz", "pre/setup.exe.gz.br",
                                  HFAIL_BR), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/big.exe", "pre/big.exe.gz",
                                  HFAIL_GZIP), 0);
    ck_assert_int_eq(hfail_encode(srv, "img/native.exe", "pre/native.exe.gz",
                                  HFAIL_GZIP), 0);
    copy_fixture("pre/setup.exe.gz", "pre-gzip/setup.exe.gz");
    write_garbage_gzip();
    write_bomb("pre/zeros.exe.gz", "gzip -n -9", 0);
    write_bomb("pre/zeros.exe.br", "brotli -q 5 -c", 0);
    write_bomb("pre/zeros.exe.zst", "zstd -q -19 -c", 0);
    write_bomb("pre/zeros-long.exe.zst", "zstd -q -19 --long=27 -c", 0);
    write_bomb("pre/far.exe.gz", "gzip -n -9", FAR_LFANEW);
    write_bomb("big/deep.exe.gz", "gzip -n -9", DEEP_LFANEW);

    for (i = 0; i < NCODINGS; i++) {
        snprintf(rel, sizeof rel, "pre/setup.exe%s", codings[i].suffix);
        snprintf(to, sizeof to, "backend/static/setup.exe%s", codings[i].suffix);
        copy_fixture(rel, to);
        write_cgi(codings[i].cgi, rel, codings[i].cgi_encoding);
    }
    write_cgi("gz", "pre/setup.exe.gz", "gzip");
    write_cgi("big", "pre/big.exe.gz", "gzip");
    write_cgi("native", "pre/native.exe.gz", "gzip");
    write_cgi("trunc", "pre/trunc.exe.gz", "gzip");
    write_cgi("garbage", "pre/garbage.exe.gz", "gzip");
    write_cgi("zeros", "pre/zeros.exe.gz", "gzip");
    write_cgi("xfoo", "img/setup.exe", "x-foo");
    write_cgi("binary", "img/setup.exe", "binary");
    write_cgi("8bit", "img/setup.exe", "8bit");
    write_cgi("7bit", "img/setup.exe", "7bit");
    write_cgi("identity2", "img/setup.exe", "identity, identity");
    write_cgi("identity-upper", "img/setup.exe", "Identity");
    copy_fixture("img/setup.exe", "backend/deflate/tool.exe");
    copy_fixture("img/setup.exe", "backend/brotli/tool.exe");
    copy_fixture("pre/big.exe.gz", "backend/static/big.exe.gz");

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* --- checks ----------------------------------------------------------------- */

/* GET path as received (Accept-Encoding accept, nothing decoded): the
 * status, Content-Disposition exactly want (NULL: none), Content-Encoding
 * exactly encoding, the body's SHA-256 that of the fixture body_rel, the
 * note (NULL: not checked). */
static void check_raw(const char *path, const char *accept,
                      const char *encoding, const char *want,
                      const char *body_rel, const char *note)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = accept;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, body_rel, note);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", encoding);
    harness_response_free(&r);
}

/* GET path decoded by libcurl, as a browser decodes it: the image
 * image_rel, and the header want once more. */
static void check_decoded(const char *path, const char *want,
                          const char *image_rel)
{
    harness_request q;
    harness_response r;
    size_t len = 0;
    unsigned char *img = harness_read_fixture(srv, image_rel, &len);

    ck_assert_ptr_nonnull(img);
    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = "";
    q.decode = 1;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, want);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    harness_response_free(&r);
    free(img);
}

/* A corrupt stream: no header, not clr (nor skipped: it was examined),
 * the bytes as they were. */
static void check_corrupt(const char *path, const char *body_rel)
{
    harness_request q;
    harness_response r;
    char note[32];

    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = ACCEPT_ALL;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, body_rel, NULL);
    HARNESS_ASSERT(srv, harness_note_of(srv, &r, note, sizeof note) == 0,
                   "no log line");
    HARNESS_ASSERT(srv, strcmp(note, "not-pe") == 0
                   || strcmp(note, "unknown") == 0,
                   "%s: note [%s], expected not-pe or unknown", path, note);
    harness_response_free(&r);
}

/* A bomb: decided with note, no header, the encoded bytes intact; the
 * serving process's peak RSS grew by less than 2 x limit + 4 MiB plus the
 * decoder's window (window_kib: what the stream declares and a browser
 * accepts, 16 MiB for br and 8 MiB for zstd, nothing for gzip, whose 32 KiB
 * is in the slack), and the filter's own debug line says it held no more
 * than that either (memory a decoder allocated counts, touched or not). */
static void check_bomb(const char *path, const char *body_rel,
                       const char *encoding, const char *note, long limit,
                       long window_kib)
{
    harness_request q;
    harness_response r;
    harness_mem_mark m;
    long grew, examined = -1, held = -1;
    long bound = 2 * limit / 1024 + SLACK_KIB + window_kib;
    int measure = harness_mem_meaningful();
    char verdict[32];

    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = ACCEPT_ALL;
    if (measure)
        ck_assert_int_eq(harness_mem_start_all(srv, &m), 0);
    harness_send(srv, &q, &r);
    grew = measure ? harness_mem_growth_kib(&m) : 0;
    HARNESS_ASSERT(srv, harness_mem_logged(srv, path, HARNESS_LOG_WAIT_MS,
                                           verdict, sizeof verdict, &examined,
                                           &held) == 0,
                   "no debug line for %s", path);
    fprintf(stderr, "check_codings: %s: %s, %ld bytes examined, %ld bytes "
            "held, peak RSS growth %ld KiB (bound %ld KiB)\n", path, verdict,
            examined, held, grew, bound);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, body_rel, note);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", encoding);
    HARNESS_ASSERT(srv, grew >= 0 && grew < bound,
                   "%s: peak RSS grew by %ld KiB, bound %ld KiB", path, grew,
                   bound);
    HARNESS_ASSERT(srv, held >= 0 && held / 1024 < bound,
                   "%s: %ld bytes held, bound %ld KiB", path, held, bound);
    harness_response_free(&r);
}

/* A CLR image sent with Content-Encoding encoding: check_raw of the bytes
 * as sent (raw_rel), check_decoded of them as a client decodes them
 * (decoded_rel), both with the header want. */
static void check_clr_both(const char *path, const char *encoding,
                           const char *want, const char *raw_rel,
                           const char *decoded_rel)
{
    check_raw(path, ACCEPT_ALL, encoding, want, raw_rel, "clr");
    check_decoded(path, want, decoded_rel);
}

/* --- 2 (a): precompressed static files ---------------------------------------- */

START_TEST(test_precompressed_static_clr_gets_attachment_and_untouched_bytes)
{
    const coding *c = &codings[_i];
    char path[64], rel[64], want[128];

    snprintf(path, sizeof path, "/pre/setup.exe%s", c->suffix);
    snprintf(rel, sizeof rel, "pre/setup.exe%s", c->suffix);
    snprintf(want, sizeof want, "attachment; filename=\"setup.exe%s.exe\"",
             c->suffix);
    check_clr_both(path, c->encoding, want, rel, "img/setup.exe");
}
END_TEST

START_TEST(test_precompressed_with_gzip_token_gets_attachment)
{
    const char *want = "attachment; filename=\"setup.exe.gz.exe\"";

    check_clr_both("/pre-gzip/setup.exe.gz", "gzip", want,
                   "pre-gzip/setup.exe.gz", "img/setup.exe");
}
END_TEST

/* A megabyte of encoded bytes after the decision goes on unchanged. */
START_TEST(test_large_precompressed_clr_keeps_every_encoded_byte)
{
    const char *want = "attachment; filename=\"big.exe.gz.exe\"";

    check_clr_both("/pre/big.exe.gz", "x-gzip", want, "pre/big.exe.gz",
                   "img/big.exe");
}
END_TEST

/* --- 2 (b): CGI scripts sending encoded images ----------------------------------- */

START_TEST(test_cgi_encoded_clr_gets_attachment_and_untouched_bytes)
{
    const coding *c = &codings[_i];
    char path[64], rel[64], want[128];

    snprintf(path, sizeof path, "/cgi-bin/%s", c->cgi);
    snprintf(rel, sizeof rel, "pre/setup.exe%s", c->suffix);
    snprintf(want, sizeof want, "attachment; filename=\"%s.exe\"", c->cgi);
    check_clr_both(path, c->cgi_encoding, want, rel, "img/setup.exe");
}
END_TEST

START_TEST(test_cgi_gzip_token_gets_attachment)
{
    const char *want = "attachment; filename=\"gz.exe\"";

    check_clr_both("/cgi-bin/gz", "gzip", want, "pre/setup.exe.gz",
                   "img/setup.exe");
}
END_TEST

START_TEST(test_cgi_large_encoded_clr_keeps_every_encoded_byte)
{
    const char *want = "attachment; filename=\"big.exe\"";

    check_clr_both("/cgi-bin/big", "gzip", want, "pre/big.exe.gz",
                   "img/big.exe");
}
END_TEST

/* --- 2 (c): a proxied backend that compresses ------------------------------------ */

START_TEST(test_proxied_precompressed_clr_gets_attachment)
{
    const coding *c = &codings[_i];
    char path[64], rel[64], want[128];

    snprintf(path, sizeof path, "/px/static/setup.exe%s", c->suffix);
    snprintf(rel, sizeof rel, "backend/static/setup.exe%s", c->suffix);
    snprintf(want, sizeof want, "attachment; filename=\"setup.exe%s.exe\"",
             c->suffix);
    check_clr_both(path, c->encoding, want, rel, "img/setup.exe");
}
END_TEST

START_TEST(test_proxied_large_precompressed_clr_keeps_every_encoded_byte)
{
    const char *want = "attachment; filename=\"big.exe.gz.exe\"";

    check_clr_both("/px/static/big.exe.gz", "x-gzip", want,
                   "backend/static/big.exe.gz", "img/big.exe");
}
END_TEST

/* The backend compresses on the fly (mod_deflate, mod_brotli): the front
 * passes exactly the bytes the backend sends (its direct answer to the
 * same request is the reference). */
static void check_backend_compressor(const char *path, const char *accept,
                                     const char *encoding)
{
    harness_request q;
    harness_response direct, r;
    const char *want = "attachment; filename=\"tool.exe\"";
    char front[64];

    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = accept;
    q.port = harness_extra_port(srv, 0);
    harness_send(srv, &q, &direct);
    HARNESS_ASSERT_STATUS(srv, &direct, 200);
    HARNESS_ASSERT_HEADER(srv, &direct, "Content-Encoding", encoding);
    HARNESS_ASSERT_NO_HEADER(srv, &direct, "Content-Disposition");

    snprintf(front, sizeof front, "/px%s", path);
    q.path = front;
    q.port = 0;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, want);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", encoding);
    HARNESS_ASSERT_BODY(srv, &r, direct.body, direct.body_len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    harness_response_free(&direct);
    check_decoded(front, want, "img/setup.exe");
}

START_TEST(test_backend_mod_deflate_gzip_gets_attachment)
{
    check_backend_compressor("/deflate/tool.exe", "gzip", "gzip");
}
END_TEST

START_TEST(test_backend_mod_brotli_gets_attachment)
{
    check_backend_compressor("/brotli/tool.exe", "br", "br");
}
END_TEST

/* --- 3: codings that are none, or unknown ------------------------------------------ */

static const struct {
    const char *cgi;
    const char *encoding;
} raw_codings[] = {
    { "xfoo", "x-foo" },
    { "binary", "binary" },
    { "8bit", "8bit" },
    { "7bit", "7bit" },
    { "identity2", "identity, identity" },
    { "identity-upper", "Identity" },
};

START_TEST(test_unknown_or_no_coding_on_a_plain_image_is_judged_raw)
{
    char path[64], want[128];

    snprintf(path, sizeof path, "/cgi-bin/%s", raw_codings[_i].cgi);
    snprintf(want, sizeof want, "attachment; filename=\"%s.exe\"",
             raw_codings[_i].cgi);
    check_raw(path, ACCEPT_ALL, raw_codings[_i].encoding, want,
              "img/setup.exe", "clr");
}
END_TEST

/* --- native, corrupt, bombs ------------------------------------------------------- */

START_TEST(test_gzipped_native_image_is_native_without_header)
{
    check_raw("/pre/native.exe.gz", ACCEPT_ALL, "x-gzip", NULL,
              "pre/native.exe.gz", "native");
    check_raw("/cgi-bin/native", ACCEPT_ALL, "gzip", NULL, "pre/native.exe.gz",
              "native");
}
END_TEST

START_TEST(test_gzip_cut_after_20_bytes_is_not_clr_and_passes_intact)
{
    check_corrupt("/pre/trunc.exe.gz", "pre/trunc.exe.gz");
    check_corrupt("/cgi-bin/trunc", "pre/trunc.exe.gz");
}
END_TEST

START_TEST(test_garbage_after_gzip_header_is_not_clr_and_passes_intact)
{
    check_corrupt("/pre/garbage.exe.gz", "pre/garbage.exe.gz");
    check_corrupt("/cgi-bin/garbage", "pre/garbage.exe.gz");
}
END_TEST

START_TEST(test_gzip_bomb_of_zeros_is_not_pe_in_bounded_memory)
{
    check_bomb("/pre/zeros.exe.gz", "pre/zeros.exe.gz", "x-gzip", "not-pe",
               DEFAULT_LIMIT, 0);
    check_bomb("/cgi-bin/zeros", "pre/zeros.exe.gz", "gzip", "not-pe",
               DEFAULT_LIMIT, 0);
}
END_TEST

START_TEST(test_brotli_bomb_is_not_pe_in_bounded_memory)
{
    check_bomb("/pre/zeros.exe.br", "pre/zeros.exe.br", "br", "not-pe",
               DEFAULT_LIMIT, BR_WINDOW_KIB);
}
END_TEST

START_TEST(test_zstd_bomb_is_not_pe_in_bounded_memory)
{
    check_bomb("/pre/zeros.exe.zst", "pre/zeros.exe.zst", "zstd", "not-pe",
               DEFAULT_LIMIT, ZSTD_WINDOW_KIB);
}
END_TEST

/* A frame that declares a 128 MiB window (zstd --long=27): the decoder
 * must not be allowed to allocate it for a 64 KiB decision. */
START_TEST(test_zstd_bomb_with_a_128_mib_window_is_decided_in_bounded_memory)
{
    harness_response r;
    char note[32];
    long examined = -1, held = -1;
    long bound = 2 * DEFAULT_LIMIT / 1024 + SLACK_KIB;
    char verdict[32];

    harness_get(srv, "/pre/zeros-long.exe.zst", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, "pre/zeros-long.exe.zst", NULL);
    HARNESS_ASSERT(srv, harness_note_of(srv, &r, note, sizeof note) == 0,
                   "no log line");
    HARNESS_ASSERT(srv, strcmp(note, "not-pe") == 0
                   || strcmp(note, "unknown") == 0,
                   "note [%s], expected not-pe or unknown", note);
    HARNESS_ASSERT(srv, harness_mem_logged(srv, "/pre/zeros-long.exe.zst",
                                           HARNESS_LOG_WAIT_MS, verdict,
                                           sizeof verdict, &examined,
                                           &held) == 0,
                   "no debug line");
    fprintf(stderr, "check_codings: /pre/zeros-long.exe.zst: %s, %ld bytes "
            "examined, %ld bytes held\n", verdict, examined, held);
    HARNESS_ASSERT(srv, held >= 0 && held / 1024 < bound,
                   "%ld bytes held, bound %ld KiB", held, bound);
    harness_response_free(&r);
}
END_TEST

/* "MZ" with its PE header 16 MiB in: beyond the default limit. */
/* The decoded bytes up to e_lfanew are counted and dropped, not held:
 * the window there is zeros, so the verdict is exact, whatever the limit. */
START_TEST(test_bomb_with_pe_header_beyond_the_limit_is_decided_in_bounded_memory)
{
    check_bomb("/pre/far.exe.gz", "pre/far.exe.gz", "x-gzip", "not-pe",
               DEFAULT_LIMIT, 0);
}
END_TEST

/* "MZ" with e_lfanew just inside a 16 MiB limit and zeros there: the
 * decision needs almost 16 MiB decoded, and memory stays within the
 * bound. */
START_TEST(test_bomb_decoded_up_to_a_16_mib_limit_stays_bounded)
{
    check_bomb("/big/deep.exe.gz", "big/deep.exe.gz", "gzip", "not-pe",
               BIG_LIMIT, 0);
}
END_TEST

static Suite *codings_suite(void)
{
    Suite *s = suite_create("httpd_codings");
    TCase *tc = tcase_create("codings");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_precompressed_static_clr_gets_attachment_and_untouched_bytes,
                        0, NCODINGS);
    tcase_add_test(tc, test_precompressed_with_gzip_token_gets_attachment);
    tcase_add_test(tc, test_large_precompressed_clr_keeps_every_encoded_byte);
    tcase_add_loop_test(tc, test_cgi_encoded_clr_gets_attachment_and_untouched_bytes,
                        0, NCODINGS);
    tcase_add_test(tc, test_cgi_gzip_token_gets_attachment);
    tcase_add_test(tc, test_cgi_large_encoded_clr_keeps_every_encoded_byte);
    tcase_add_loop_test(tc, test_proxied_precompressed_clr_gets_attachment,
                        0, NCODINGS);
    tcase_add_test(tc, test_proxied_large_precompressed_clr_keeps_every_encoded_byte);
    tcase_add_test(tc, test_backend_mod_deflate_gzip_gets_attachment);
    tcase_add_test(tc, test_backend_mod_brotli_gets_attachment);
    tcase_add_loop_test(tc, test_unknown_or_no_coding_on_a_plain_image_is_judged_raw,
                        0, (int)(sizeof raw_codings / sizeof raw_codings[0]));
    tcase_add_test(tc, test_gzipped_native_image_is_native_without_header);
    tcase_add_test(tc, test_gzip_cut_after_20_bytes_is_not_clr_and_passes_intact);
    tcase_add_test(tc, test_garbage_after_gzip_header_is_not_clr_and_passes_intact);
    tcase_add_test(tc, test_gzip_bomb_of_zeros_is_not_pe_in_bounded_memory);
    tcase_add_test(tc, test_brotli_bomb_is_not_pe_in_bounded_memory);
    tcase_add_test(tc, test_zstd_bomb_is_not_pe_in_bounded_memory);
    tcase_add_test(tc, test_zstd_bomb_with_a_128_mib_window_is_decided_in_bounded_memory);
    tcase_add_test(tc, test_bomb_with_pe_header_beyond_the_limit_is_decided_in_bounded_memory);
    tcase_add_test(tc, test_bomb_decoded_up_to_a_16_mib_limit_stays_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codings_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
