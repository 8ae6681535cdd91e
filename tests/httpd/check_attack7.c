/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack7.c -- unencoded bodies whose FILE buckets are used up while
 * the filter is undecided (their bytes go on from memory), through the
 * transports that carry them:
 *
 *   ssi       pages that include a CLR image or its pieces among text,
 *             plain, with mod_deflate after, and stored by mod_cache_disk
 *             (CacheQuickHandler On and Off), over HTTP/1.1 and h2c, and
 *             through mod_proxy_http from a second port;
 *   small     files of 0 to 1023 bytes (shorter than the first read),
 *             sent by the core (EOS in the same brigade) and by mod_lua
 *             (FILE, FLUSH, then EOS in a later call);
 *   lua       several images and pieces in one response;
 *   redirect  mod_rewrite [PT] to an image; Range; HEAD then GET.
 *
 * Every case checks the body's SHA-256, exactly one Content-Disposition
 * (or none), the note, and that no child died.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_lua.h"
#include "pe.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          240

/* A small CLR image and its pieces: DOS header, the PE header's first
 * part, the rest. */
#define SMALL_LFANEW            0x80u
#define SMALL_IMG_SIZE          8192u
#define HEAD_LEN                64u
#define MID_END                 200u

/* An image of at least SMALL_MAX bytes whose prefixes of 0 .. SMALL_MAX - 1 bytes
 * are the short files. */
#define SMALL_MAX               1024u
#define TINY_LFANEW             0x40u

/* A CLR image whose PE header lies at 128 KiB, beyond the default limit,
 * as one file and as its DOS header and the rest. */
#define FAR_LFANEW              0x20000u
#define FAR_SIZE                0x21000u

#define FAR_STRADDLE            (FAR_LFANEW + 16u)

#define PAGE_TEXT_A             "<html>text before\n"
#define PAGE_TEXT_B             "\ntext after</html>\n"

static harness_httpd *srv;

static const char config[] =
    "AddType application/x-msdownload .exe\n"
    "CacheRoot \"@ROOT@/cache\"\n"
    "CacheQuickHandler On\n"
    "CacheEnable disk /ssic/\n"
    "RewriteEngine On\n"
    "RewriteRule \"^/rw/(.*)$\" \"/img/$1\" [PT]\n"
    "<Directory \"@DOCROOT@/img\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/small\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/lua\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssi\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssiz\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES;DEFLATE .shtml\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssic\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    Header set Cache-Control \"max-age=3600\"\n"
    "</Directory>\n"
    "RewriteRule \"^/rwssi/(.*)$\" \"/ssi/$1\" [PT]\n"
    "CacheEnable disk /luac/\n"
    "<Directory \"@DOCROOT@/luac\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "    Header set Cache-Control \"max-age=3600\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/luaz\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "    SetOutputFilter DEFLATE\n"
    "</Directory>\n"
    "ProxyPass /px/ http://127.0.0.1:@PORT2@/\n"
    "<Location \"/px/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    CacheQuickHandler Off\n"
    "    CacheEnable disk /ssic/\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    <Location \"/\">\n"
    "        NetExe Off\n"
    "    </Location>\n"
    "</VirtualHost>\n";

static const char *const modules[] = {
    "alias", "lua", "headers", "include", "deflate", "cache", "cache_disk",
    "rewrite", "proxy", "proxy_http", "http2", NULL
};

static const char three_page[] =
    "<!--#include virtual=\"/img/clr.head\" -->"
    "<!--#include virtual=\"/img/clr.mid\" -->"
    "<!--#include virtual=\"/img/clr.rest\" -->";

static const char text_page[] =
    PAGE_TEXT_A
    "<!--#include virtual=\"/img/clr.exe\" -->"
    PAGE_TEXT_B;

/* The image pieces, then text, then the whole image: the first image
 * decides. */
static const char twice_page[] =
    "<!--#include virtual=\"/img/clr.head\" -->"
    "<!--#include virtual=\"/img/clr.mid\" -->"
    "<!--#include virtual=\"/img/clr.rest\" -->"
    PAGE_TEXT_B
    "<!--#include virtual=\"/img/clr.exe\" -->";

static void put_pages(const char *dir)
{
    char rel[64];

    snprintf(rel, sizeof rel, "%s/three.shtml", dir);
    ck_assert_int_eq(harness_write_text(srv, rel, three_page), 0);
    snprintf(rel, sizeof rel, "%s/text.shtml", dir);
    ck_assert_int_eq(harness_write_text(srv, rel, text_page), 0);
    snprintf(rel, sizeof rel, "%s/twice.shtml", dir);
    ck_assert_int_eq(harness_write_text(srv, rel, twice_page), 0);
}

static void setup(void)
{
    harness_options o;
    unsigned char *img;
    size_t len, n;
    char rel[64], page[96];

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    o.extra_ports = 2;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_mkdir_for_children(srv, "cache"), 0);

    HARNESS_PE_IMAGE(img, 1, SMALL_LFANEW, SMALL_IMG_SIZE, &len);
    HARNESS_PUT(srv, "img/clr.exe", img, len);
    HARNESS_PUT(srv, "img/clr.head", img, HEAD_LEN);
    HARNESS_PUT(srv, "img/clr.mid", img + HEAD_LEN, MID_END - HEAD_LEN);
    HARNESS_PUT(srv, "img/clr.rest", img + MID_END, len - MID_END);
    HARNESS_PUT(srv, "img/clr.empty", img, 0);
    free(img);
    put_pages("ssi");
    ck_assert_int_eq(harness_write_text(srv, "ssi/far.shtml",
        "<!--#include virtual=\"/img/far.head\" -->"
        "<!--#include virtual=\"/img/far.rest\" -->"), 0);
    HARNESS_PE_IMAGE(img, 1, FAR_LFANEW, FAR_SIZE, &len);
    HARNESS_PUT(srv, "img/far.exe", img, len);
    HARNESS_PUT(srv, "img/far.head", img, HEAD_LEN);
    HARNESS_PUT(srv, "img/far.rest", img + HEAD_LEN, len - HEAD_LEN);
    HARNESS_PUT(srv, "img/far.a", img, FAR_STRADDLE);
    HARNESS_PUT(srv, "img/far.b", img + FAR_STRADDLE, len - FAR_STRADDLE);
    free(img);
    HARNESS_WRITE_LUA(srv, "lua/far", "img/far.exe",
        "    r:sendfile(IMG)\n");
    HARNESS_WRITE_LUA(srv, "lua/far-pieces", "img/far.exe",
        "    r:sendfile(DIR .. 'img/far.head')\n"
        "    r:sendfile(DIR .. 'img/far.rest')\n");
    /* The DOS header as heap bytes, the rest as a file. */
    HARNESS_WRITE_LUA(srv, "lua/far-write-then-file", "img/far.exe",
        "    r:write(slice(0, %u))\n"
        "    r:sendfile(DIR .. 'img/far.rest')\n", HEAD_LEN);
    /* The PE header across the end of the first file. */
    HARNESS_WRITE_LUA(srv, "lua/far-straddle", "img/far.exe",
        "    r:sendfile(DIR .. 'img/far.a')\n"
        "    r:sendfile(DIR .. 'img/far.b')\n");
    put_pages("ssiz");
    put_pages("ssic");

    HARNESS_PE_IMAGE(img, 1, TINY_LFANEW, SMALL_MAX, &len);
    ck_assert_uint_ge(len, SMALL_MAX);
    for (n = 0; n < SMALL_MAX; n++) {
        snprintf(rel, sizeof rel, "small/%04zu.exe", n);
        HARNESS_PUT(srv, rel, img, n);
        snprintf(rel, sizeof rel, "ssi/s%04zu.shtml", n);
        snprintf(page, sizeof page,
                 "<!--#include virtual=\"/small/%04zu.exe\" -->", n);
        ck_assert_int_eq(harness_write_text(srv, rel, page), 0);
    }
    HARNESS_PUT(srv, "img/tiny.exe", img, len);
    free(img);

    /* r:sendfile, then a FLUSH: EOS comes in a later call. */
    HARNESS_WRITE_LUA(srv, "lua/small", "img/tiny.exe",
        "    r:sendfile(DIR .. 'small/' .. r.args .. '.exe')\n"
        "    r:flush()\n");
    /* The pieces, an empty file between them, each with a FLUSH. */
    HARNESS_WRITE_LUA(srv, "lua/pieces", "img/clr.exe",
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/clr.empty')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/clr.rest')\n"
        "    r:flush()\n");
    /* Two whole images and pieces of a third, with heap bytes between. */
    HARNESS_WRITE_LUA(srv, "lua/several", "img/clr.exe",
        "    r:sendfile(IMG)\n"
        "    r:flush()\n"
        "    r:sendfile(IMG)\n"
        "    r:write('between')\n"
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n");
    /* The DOS header as heap bytes, the rest as files. */
    HARNESS_WRITE_LUA(srv, "lua/write-then-files", "img/clr.exe",
        "    r:write(slice(0, 10))\n"
        "    r:sendfile(DIR .. 'img/clr.empty')\n"
        "    r:write(slice(10, 54))\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n"
        "    r:write(slice(200, 1))\n"
        "    r:flush()\n"
        "    r:write(slice(201))\n");
    {
        static const char *const names[] = { "pieces", "several" };
        size_t k;

        for (k = 0; k < 2; k++) {
            char from[64], to[64];

            snprintf(from, sizeof from, "lua/%s", names[k]);
            snprintf(to, sizeof to, "luac/%s", names[k]);
            ck_assert_int_eq(harness_copy_fixture(srv, from, to), 0);
        }
    }
    ck_assert_int_eq(harness_copy_fixture(srv, "lua/pieces", "luaz/pieces"),
                     0);
    /* A Content-Disposition set by the handler after the first piece went
     * into the filter, in headers_out and in err_headers_out. */
    HARNESS_WRITE_LUA(srv, "lua/late-cd", "img/clr.exe",
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Disposition'] = 'inline'\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n"
        "    r:sendfile(DIR .. 'img/clr.rest')\n");
    HARNESS_WRITE_LUA(srv, "lua/late-err-cd", "img/clr.exe",
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r:flush()\n"
        "    r.err_headers_out['Content-Disposition'] = 'inline'\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n"
        "    r:sendfile(DIR .. 'img/clr.rest')\n");
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* The bytes of a page of text_page or twice_page, malloc'd. */
static unsigned char *page_body(const char *before, const char *after,
                                int pieces_first, size_t *out_len)
{
    size_t ilen, blen = strlen(before), alen = strlen(after), o = 0;
    unsigned char *img = harness_read_fixture(srv, "img/clr.exe", &ilen);
    unsigned char *out;

    ck_assert_ptr_nonnull(img);
    out = malloc(2 * ilen + blen + alen);
    ck_assert_ptr_nonnull(out);
    if (pieces_first) {
        memcpy(out, img, ilen);
        o = ilen;
    }
    memcpy(out + o, before, blen);
    o += blen;
    memcpy(out + o, img, ilen);
    o += ilen;
    memcpy(out + o, after, alen);
    o += alen;
    free(img);
    *out_len = o;
    return out;
}

static void assert_text_page(harness_response *r)
{
    size_t len;
    unsigned char *want = page_body(PAGE_TEXT_A, PAGE_TEXT_B, 0, &len);

    HARNESS_ASSERT_STATUS(srv, r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, r, NULL);
    HARNESS_ASSERT_BODY(srv, r, want, len);
    HARNESS_ASSERT_NOTE(srv, r, "not-pe");
    HARNESS_ASSERT_NO_CRASH(srv);
    free(want);
}

static void assert_twice_page(harness_response *r, const char *note)
{
    size_t len;
    unsigned char *want = page_body(PAGE_TEXT_B, "", 1, &len);

    HARNESS_ASSERT_STATUS(srv, r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, r,
                               "attachment; filename=\"twice.shtml.exe\"");
    HARNESS_ASSERT_BODY(srv, r, want, len);
    if (note) {
        HARNESS_ASSERT_NOTE(srv, r, note);
    }
    HARNESS_ASSERT_NO_CRASH(srv);
    free(want);
}

static void assert_three_page(harness_response *r, const char *note)
{
    HARNESS_ASSERT_DOWNLOAD(srv, r, 200,
                            "attachment; filename=\"three.shtml.exe\"",
                            "img/clr.exe", note);
    HARNESS_ASSERT_NO_CRASH(srv);
}

/* ---- SSI ------------------------------------------------------------- */

static const char *const ssi_dirs[] = { "ssi", "ssiz" };

/* _i: 0 plain, 1 with DEFLATE after (the client asks for gzip and
 * decodes). */
static void ssi_get(int i, const char *page, int h2, harness_response *r)
{
    harness_request q;
    char path[96];

    memset(&q, 0, sizeof q);
    snprintf(path, sizeof path, "/%s/%s", ssi_dirs[i], page);
    q.path = path;
    q.http2 = h2;
    if (i == 1) {
        q.accept_encoding = "gzip";
        q.decode = 1;
    }
    harness_send(srv, &q, r);
}

START_TEST(test_ssi_image_pieces_get_attachment)
{
    harness_response r;

    ssi_get(_i, "three.shtml", 0, &r);
    assert_three_page(&r, "clr");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_ssi_image_pieces_over_h2c_get_attachment)
{
    harness_response r;

    ssi_get(_i, "three.shtml", 1, &r);
    HARNESS_ASSERT(srv, r.http_version == 20, "HTTP version %ld",
                   r.http_version);
    assert_three_page(&r, "clr");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_ssi_image_among_text_is_sent_whole)
{
    harness_response r;

    ssi_get(_i, "text.shtml", _i, &r);
    assert_text_page(&r);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_ssi_two_images_in_one_page_are_sent_whole)
{
    harness_response r;

    ssi_get(_i, "twice.shtml", 0, &r);
    assert_twice_page(&r, "clr");
    harness_response_free(&r);
}
END_TEST

/* Stored by mod_cache_disk, then served again: QuickHandler On (main
 * port) and Off (extra port 0); each page is fetched three times. */
START_TEST(test_cached_ssi_pages_keep_header_and_body)
{
    int port = harness_extra_port(srv, 0), k;
    int ports[2] = { 0, 0 };
    static const char *const pages[] = {
        "three.shtml", "twice.shtml", "text.shtml"
    };
    char path[96];

    ports[1] = port;
    for (k = 0; k < 3; k++) {
        int round;

        for (round = 0; round < 3; round++) {
            harness_response r;

            snprintf(path, sizeof path, "/ssic/%s?p%d", pages[k], _i);
            harness_get_port(srv, ports[_i], path, &r);
            if (k == 0) {
                assert_three_page(&r, NULL);
            }
            else if (k == 1) {
                assert_twice_page(&r, NULL);
            }
            else {
                size_t len;
                unsigned char *want = page_body(PAGE_TEXT_A, PAGE_TEXT_B, 0,
                                                &len);

                HARNESS_ASSERT_STATUS(srv, &r, 200);
                HARNESS_ASSERT_DISPOSITION(srv, &r, NULL);
                HARNESS_ASSERT_BODY(srv, &r, want, len);
                free(want);
            }
            harness_response_free(&r);
        }
    }
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* The proxy's own access log line carries the note clr: the backend's
 * line has the same X-Harness-Id, so the line is found by its request
 * line. */
static void assert_front_note(const char *request_line)
{
    harness_log_entry e;
    int ok;

    HARNESS_FAIL_IF(srv, harness_log_find_request(srv, request_line, &e) != 0,
                    "no access log line [%s]", request_line);
    ok = strcmp(e.note, "clr") == 0;
    harness_log_entry_free(&e);
    HARNESS_ASSERT(srv, ok, "note of [%s] is not clr", request_line);
}

/* The pages through mod_proxy_http from the second port (NetExe Off
 * there), NetExe On at the proxy. */
START_TEST(test_proxied_ssi_pages_keep_header_and_body)
{
    harness_response r;

    harness_get(srv, "/px/ssi/three.shtml", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"three.shtml.exe\"",
                            "img/clr.exe", NULL);
    assert_front_note("GET /px/ssi/three.shtml HTTP/1.1");
    harness_response_free(&r);
    harness_get(srv, "/px/ssi/twice.shtml", &r);
    {
        size_t len;
        unsigned char *want = page_body(PAGE_TEXT_B, "", 1, &len);

        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_DISPOSITION(srv, &r,
                                   "attachment; filename=\"twice.shtml.exe\"");
        HARNESS_ASSERT_BODY(srv, &r, want, len);
        free(want);
    }
    harness_response_free(&r);
    harness_get_h2c(srv, "/px/ssiz/three.shtml", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"three.shtml.exe\"",
                            "img/clr.exe", NULL);
    assert_front_note("GET /px/ssiz/three.shtml HTTP/2.0");
    harness_response_free(&r);
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* Range on an SSI page made of image pieces: the byterange filter comes
 * after; the header is on the 206 and the bytes are the image's. */
START_TEST(test_range_on_ssi_image_pieces)
{
    harness_response r;

    harness_get_range(srv, "/ssi/three.shtml", 100, 300, &r);
    HARNESS_ASSERT_OK(srv, &r);
    if (r.status == 206) {
        HARNESS_ASSERT_RANGE(srv, &r, "img/clr.exe", 100, 300);
    }
    else {
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_BODY_FILE(srv, &r, "img/clr.exe");
    }
    HARNESS_ASSERT_DISPOSITION(srv, &r,
                               "attachment; filename=\"three.shtml.exe\"");
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&r);
}
END_TEST

/* HEAD, then GET, of an SSI page and of mod_lua pieces. */
START_TEST(test_head_then_get_of_pieces)
{
    static const char *const paths[] = { "/ssi/three.shtml", "/lua/pieces" };
    static const char *const cds[] = {
        "attachment; filename=\"three.shtml.exe\"",
        "attachment; filename=\"pieces.exe\""
    };
    harness_response h, g;

    /* mod_lua runs no handler for a HEAD: no body, nothing to judge. */
    static const char *const head_cds[] = {
        "attachment; filename=\"three.shtml.exe\"", NULL
    };
    static const char *const head_notes[] = { "clr", "unknown" };

    harness_head(srv, paths[_i], &h);
    HARNESS_ASSERT_STATUS(srv, &h, 200);
    HARNESS_ASSERT(srv, h.body_len == 0, "HEAD body %zu bytes", h.body_len);
    HARNESS_ASSERT_DISPOSITION(srv, &h, head_cds[_i]);
    HARNESS_ASSERT_NOTE(srv, &h, head_notes[_i]);
    harness_get(srv, paths[_i], &g);
    HARNESS_ASSERT_DOWNLOAD(srv, &g, 200, cds[_i], "img/clr.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&h);
    harness_response_free(&g);
}
END_TEST

/* ---- short files ------------------------------------------------------ */

/* What the promise asks of the prefix of n bytes of img/tiny.exe. */
static pe_verdict tiny_verdict(const unsigned char *img, size_t n)
{
    pe_info info;

    return pe_sniff_final(img, n, &info);
}

/* _i: 0 the core (FILE and EOS together), 1 mod_lua (FILE, FLUSH, EOS in
 * a later call), 2 an SSI page including the file (EOS in a later call),
 * 3 mod_lua over h2c. */
START_TEST(test_files_of_0_to_1023_bytes)
{
    size_t ilen, n;
    unsigned char *img = harness_read_fixture(srv, "img/tiny.exe", &ilen);
    char path[64], cd[96], rel[64];

    ck_assert_ptr_nonnull(img);
    for (n = 0; n < SMALL_MAX; n++) {
        harness_response r;
        pe_verdict v = tiny_verdict(img, n);

        harness_request q;

        memset(&q, 0, sizeof q);
        q.path = path;
        if (_i == 0) {
            snprintf(path, sizeof path, "/small/%04zu.exe", n);
            snprintf(cd, sizeof cd, "attachment; filename=\"%04zu.exe\"", n);
        }
        else if (_i == 2) {
            snprintf(path, sizeof path, "/ssi/s%04zu.shtml", n);
            snprintf(cd, sizeof cd,
                     "attachment; filename=\"s%04zu.shtml.exe\"", n);
        }
        else {
            snprintf(path, sizeof path, "/lua/small?%04zu", n);
            snprintf(cd, sizeof cd, "attachment; filename=\"small.exe\"");
            q.http2 = _i == 3;
        }
        snprintf(rel, sizeof rel, "small/%04zu.exe", n);
        harness_send(srv, &q, &r);
        HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, v == PE_CLR ? cd : NULL, rel,
                                pe_verdict_name(v));
        harness_response_free(&r);
    }
    HARNESS_ASSERT_NO_CRASH(srv);
    free(img);
}
END_TEST

/* ---- mod_lua ---------------------------------------------------------- */

START_TEST(test_lua_pieces_with_empty_file_and_flushes)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/pieces",
                           "attachment; filename=\"pieces.exe\"",
                           "img/clr.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

START_TEST(test_lua_heap_and_files_mixed)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/write-then-files",
                           "attachment; filename=\"write-then-files.exe\"",
                           "img/clr.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

START_TEST(test_lua_several_images_in_one_response)
{
    harness_response r;
    size_t ilen;
    unsigned char *img = harness_read_fixture(srv, "img/clr.exe", &ilen);
    unsigned char *want;
    size_t o = 0;

    ck_assert_ptr_nonnull(img);
    want = malloc(2 * ilen + 7 + MID_END);
    ck_assert_ptr_nonnull(want);
    memcpy(want, img, ilen);
    o = ilen;
    memcpy(want + o, img, ilen);
    o += ilen;
    memcpy(want + o, "between", 7);
    o += 7;
    memcpy(want + o, img, MID_END);
    o += MID_END;
    harness_get(srv, "/lua/several", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"several.exe\"");
    HARNESS_ASSERT_BODY(srv, &r, want, o);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&r);
    free(img);
    free(want);
}
END_TEST

/* ---- a PE header in a later file ----------------------------------- */

/* The whole image as one file, static or from r:sendfile: its PE header
 * is peeked where it lies, beyond the limit. */
START_TEST(test_far_header_in_one_file_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/img/far.exe",
                           "attachment; filename=\"far.exe\"",
                           "img/far.exe", "clr");
    HARNESS_ASSERT_GET_200(srv, "/lua/far",
                           "attachment; filename=\"far.exe\"",
                           "img/far.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* The same bytes as two files, the DOS header first: the second file
 * holds the PE header at 128 KiB and is a FILE bucket like the first,
 * yet it is read in order up to the limit instead of peeked there. */
START_TEST(test_far_header_in_a_later_file_gets_attachment)
{
    static const char *const paths[] = { "/ssi/far.shtml", "/lua/far-pieces" };
    static const char *const cds[] = {
        "attachment; filename=\"far.shtml.exe\"",
        "attachment; filename=\"far-pieces.exe\""
    };

    HARNESS_ASSERT_GET_200(srv, paths[_i], cds[_i], "img/far.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* Withstood: the DOS header as heap bytes, the rest as one file, whose
 * PE header is peeked where it lies. */
START_TEST(test_far_header_in_a_file_after_heap_bytes_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/far-write-then-file",
                           "attachment; filename=\"far-write-then-file.exe\"",
                           "img/far.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* The PE header across two files, the first of them larger than the
 * limit: it cannot be kept, nor held to the call that brings the rest of
 * the header (mod_lua closes it), so the header is not read; the start
 * of an image, beyond the limit: unknown, with the header. */
START_TEST(test_far_header_across_two_files_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/far-straddle",
                           "attachment; filename=\"far-straddle.exe\"",
                           "img/far.exe", "unknown");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* ---- Range and mod_cache_disk on kept bytes ------------------------- */

/* Range on a body that comes in several calls: a 206 of the bytes asked
 * for, or the whole body, each with the header. */
START_TEST(test_range_on_lua_pieces)
{
    static const size_t from[] = { 0, 60, 150, 8000 };
    static const size_t len[] = { 64, 10, 300, 192 };
    harness_response r;

    harness_get_range(srv, "/lua/pieces", from[_i], len[_i], &r);
    HARNESS_ASSERT_OK(srv, &r);
    if (r.status == 206) {
        HARNESS_ASSERT_RANGE(srv, &r, "img/clr.exe", from[_i], len[_i]);
    }
    else {
        /* The byterange filter answers a body that ends in a later call
         * whole. */
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_BODY_FILE(srv, &r, "img/clr.exe");
    }
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"pieces.exe\"");
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_cached_lua_pieces_keep_header_and_body)
{
    int round;

    for (round = 0; round < 3; round++) {
        harness_response r;

        harness_get(srv, "/luac/pieces", &r);
        HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                                "attachment; filename=\"pieces.exe\"",
                                "img/clr.exe", NULL);
        HARNESS_ASSERT(srv, round == 0 || harness_header_get(&r, "Age"),
                       "round %d not served from the cache", round);
        harness_response_free(&r);
    }
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* ---- internal redirect --------------------------------------------- */

START_TEST(test_rewrite_pt_to_image)
{
    HARNESS_ASSERT_GET_200(srv, "/rw/clr.exe",
                           "attachment; filename=\"clr.exe\"",
                           "img/clr.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

START_TEST(test_rewrite_pt_to_ssi_pieces)
{
    HARNESS_ASSERT_GET_200(srv, "/rwssi/three.shtml",
                           "attachment; filename=\"three.shtml.exe\"",
                           "img/clr.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* mod_lua pieces over h2c, and with DEFLATE after (the client decodes). */
START_TEST(test_lua_pieces_over_h2c_and_deflate)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = _i == 0 ? "/lua/pieces" : "/luaz/pieces";
    q.http2 = 1;
    if (_i == 1) {
        q.accept_encoding = "gzip";
        q.decode = 1;
    }
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, "attachment; filename=\"pieces.exe\"",
                            "img/clr.exe", "clr");
    if (_i == 1) {
        HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    }
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&r);
}
END_TEST

/* A handler's own Content-Disposition set after the first piece: one
 * Content-Disposition on the wire, whatever its value. */
START_TEST(test_late_handler_disposition_is_sent_once)
{
    static const char *const paths[] = { "/lua/late-cd", "/lua/late-err-cd" };
    harness_response r;

    harness_get(srv, paths[_i], &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "img/clr.exe");
    HARNESS_ASSERT(srv, harness_header_count(&r, "Content-Disposition") == 1,
                   "%zu Content-Disposition headers (first: %s)",
                   harness_header_count(&r, "Content-Disposition"),
                   harness_header_get(&r, "Content-Disposition")
                   ? harness_header_get(&r, "Content-Disposition") : "none");
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&r);
}
END_TEST

static Suite *attack7_suite(void)
{
    Suite *s = suite_create("attack7");
    TCase *tc = tcase_create("attack7");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_ssi_image_pieces_get_attachment, 0, 2);
    tcase_add_loop_test(tc, test_ssi_image_pieces_over_h2c_get_attachment,
                        0, 2);
    tcase_add_loop_test(tc, test_ssi_image_among_text_is_sent_whole, 0, 2);
    tcase_add_loop_test(tc, test_ssi_two_images_in_one_page_are_sent_whole,
                        0, 2);
    tcase_add_loop_test(tc, test_cached_ssi_pages_keep_header_and_body, 0, 2);
    tcase_add_test(tc, test_proxied_ssi_pages_keep_header_and_body);
    tcase_add_test(tc, test_range_on_ssi_image_pieces);
    tcase_add_loop_test(tc, test_head_then_get_of_pieces, 0, 2);
    tcase_add_loop_test(tc, test_files_of_0_to_1023_bytes, 0, 4);
    tcase_add_test(tc, test_lua_pieces_with_empty_file_and_flushes);
    tcase_add_test(tc, test_lua_heap_and_files_mixed);
    tcase_add_test(tc, test_lua_several_images_in_one_response);
    tcase_add_test(tc, test_rewrite_pt_to_image);
    tcase_add_test(tc, test_rewrite_pt_to_ssi_pieces);
    tcase_add_loop_test(tc, test_lua_pieces_over_h2c_and_deflate, 0, 2);
    tcase_add_loop_test(tc, test_late_handler_disposition_is_sent_once, 0, 2);
    tcase_add_test(tc, test_far_header_across_two_files_gets_attachment);
    tcase_add_test(tc,
                   test_far_header_in_a_file_after_heap_bytes_gets_attachment);
    tcase_add_loop_test(tc, test_range_on_lua_pieces, 0, 4);
    tcase_add_test(tc, test_cached_lua_pieces_keep_header_and_body);
    tcase_add_test(tc, test_far_header_in_one_file_gets_attachment);
    tcase_add_loop_test(tc, test_far_header_in_a_later_file_gets_attachment,
                        0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack7_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
