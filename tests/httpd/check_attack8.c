/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack8.c -- unencoded bodies made of several files whose PE
 * header lies beyond NetExeSniffLimit, in the 2nd, 3rd or 10th file:
 *
 *   ssi       pages that include the pieces of an image, under
 *             NetExeSniffLimit 512 and 16 MiB, with NetExeMatch clr and
 *             pe, and stored by mod_cache_disk;
 *   lua       r:sendfile of the pieces with heap writes and flushes
 *             between them, 64 files of one byte;
 *   asis      mod_asis, whose FILE bucket starts after the header block
 *             (not at file offset 0), NetExeOverride Off and On, and an
 *             .asis body included after the DOS header file;
 *   h2c       some of the pages and scripts over HTTP/2.
 *
 * The pieces: after small first files (under the limit), the file that
 * holds e_lfanew, then several more; the header window across two files;
 * e_lfanew on a file's first and last byte.  A window that cannot be read
 * whole beyond the limit fails closed: unknown, with the header.
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

#define TEST_TIMEOUT_S          240

/* The PE header at 128 KiB: beyond 512, within 16 MiB. */
#define FAR_LFANEW              0x20000u
#define FAR_SIZE                0x21000u
#define L                       FAR_LFANEW
#define S                       FAR_SIZE

/* The PE header beyond 16 MiB. */
#define HUGE_LFANEW             0x1000400u
#define HUGE_SIZE               0x1001400u

#define MAX_CUTS                80u
#define ONE_BYTE_FILES          64u

static harness_httpd *srv;

static const char config[] =
    "AddType application/x-msdownload .exe\n"
    "CacheRoot \"@ROOT@/cache\"\n"
    "CacheQuickHandler On\n"
    "CacheEnable disk /ssic/\n"
    "<Directory \"@DOCROOT@/ssi\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssib\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 16777216\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssip\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    NetExeMatch pe\n"
    "    NetExeSniffLimit 512\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssic\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    "    Header set Cache-Control \"max-age=3600\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/lua\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/luab\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 16777216\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/asis\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    "    NetExeOverride Off\n"
    "    AddHandler send-as-is .asis\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/asisbody\">\n"
    "    AddHandler send-as-is .asis\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/asisr\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    "    NetExeOverride On\n"
    "    AddHandler send-as-is .asis\n"
    "</Directory>\n";

static const char *const modules[] = {
    "alias", "lua", "headers", "include", "cache", "cache_disk", "asis",
    "http2", NULL
};

/* A body cut into files: the cut points, 0 first, the size last. */
typedef struct {
    const char *name;
    size_t ncuts;
    size_t cuts[MAX_CUTS];
} cut_list;

/* The 2nd file holds the header. */
static const cut_list second = { "second", 3, { 0, 64, S } };
/* The 3rd; e_lfanew itself is not in the first file. */
static const cut_list third = { "third", 4, { 0, 10, 64, S } };
/* The 10th (the whole header window in it), then four more (one of them
 * a single byte, the last too). */
static const cut_list tenth = {
    "tenth", 15,
    { 0, 1, 2, 10, 60, 61, 64, 100, 200, 300, L + 1024, L + 1025, S - 8,
      S - 1, S }
};
/* The header window across the end of a file that starts under the
 * limit. */
static const cut_list straddle = { "straddle", 5, { 0, 64, 300, L + 8, S } };
/* e_lfanew on a file's first byte, the file before it beyond the limit. */
static const cut_list first_byte = { "firstbyte", 4, { 0, 64, L, S } };
/* e_lfanew on a file's last byte. */
static const cut_list last_byte = { "lastbyte", 5, { 0, 64, 300, L + 1, S } };

/* Beyond 16 MiB: the 2nd file, and the window across two files. */
static const cut_list huge2 = { "huge2", 3, { 0, 64, HUGE_SIZE } };
static const cut_list huge_straddle = {
    "hugestr", 5, { 0, 64, 300, HUGE_LFANEW + 8, HUGE_SIZE }
};

static const cut_list *const lists[] = {
    &second, &third, &tenth, &straddle, &first_byte, &last_byte
};
#define NLISTS (sizeof lists / sizeof lists[0])

/* Notes under the limit 512; under 16 MiB every one is clr. */
static const char *const notes512[] = {
    "clr", "clr", "clr", "unknown", "unknown", "unknown"
};

static void put_cut(const char *prefix, const unsigned char *img, size_t a,
                    size_t b)
{
    char rel[96];

    snprintf(rel, sizeof rel, "img/%s%zu-%zu", prefix, a, b);
    HARNESS_PUT(srv, rel, img + a, b - a);
}

/* The SSI page of a cut list, with the image prefix, into dir. */
static void put_page(const char *dir, const char *prefix,
                     const cut_list *c, const char *page_name)
{
    char *page = malloc(MAX_CUTS * 96 + 1), rel[96];
    size_t k, o = 0;

    ck_assert_ptr_nonnull(page);
    for (k = 0; k + 1 < c->ncuts; k++) {
        o += (size_t)snprintf(page + o, 96,
                              "<!--#include virtual=\"/img/%s%zu-%zu\" -->",
                              prefix, c->cuts[k], c->cuts[k + 1]);
    }
    page[o] = '\0';
    snprintf(rel, sizeof rel, "%s/%s.shtml", dir, page_name);
    ck_assert_int_eq(harness_write_text(srv, rel, page), 0);
    free(page);
}

static void put_lists(const char *prefix, const unsigned char *img)
{
    size_t i, k;

    for (i = 0; i < NLISTS; i++) {
        for (k = 0; k + 1 < lists[i]->ncuts; k++) {
            put_cut(prefix, img, lists[i]->cuts[k], lists[i]->cuts[k + 1]);
        }
    }
}

static void put_asis(const char *rel, const char *headers,
                     const unsigned char *img, size_t len)
{
    size_t hl = strlen(headers);
    unsigned char *buf = malloc(hl + len);

    ck_assert_ptr_nonnull(buf);
    memcpy(buf, headers, hl);
    memcpy(buf + hl, img, len);
    HARNESS_PUT(srv, rel, buf, hl + len);
    free(buf);
}

static void setup(void)
{
    harness_options o;
    unsigned char *img;
    size_t len, i;
    char *one, *pg;
    size_t oo = 0, po = 0;

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_mkdir_for_children(srv, "cache"), 0);

    HARNESS_PE_IMAGE(img, 1, FAR_LFANEW, FAR_SIZE, &len);
    ck_assert_uint_eq(len, FAR_SIZE);
    HARNESS_PUT(srv, "img/far.exe", img, len);
    put_lists("c", img);
    for (i = 0; i < NLISTS; i++) {
        put_page("ssi", "c", lists[i], lists[i]->name);
        put_page("ssib", "c", lists[i], lists[i]->name);
        put_page("ssip", "c", lists[i], lists[i]->name);
        put_page("ssic", "c", lists[i], lists[i]->name);
    }
    /* Page text (a byte that is no file's) between the DOS header and the
     * rest: the image's bytes shifted by one. */
    for (i = 0; i < 2; i++) {
        char sep_page[160];

        snprintf(sep_page, sizeof sep_page,
                 "<!--#include virtual=\"/img/c0-64\" -->\n"
                 "<!--#include virtual=\"/img/c64-%u\" -->", S);
        ck_assert_int_eq(harness_write_text(srv,
            i == 0 ? "ssi/sep.shtml" : "ssib/sep.shtml", sep_page), 0);
    }
    {
        unsigned char *sep = malloc(S + 1);

        ck_assert_ptr_nonnull(sep);
        memcpy(sep, img, 64);
        sep[64] = '\n';
        memcpy(sep + 65, img + 64, S - 64);
        HARNESS_PUT(srv, "img/sep.body", sep, S + 1);
        free(sep);
    }
    /* 64 files of one byte, then the rest. */
    one = malloc(ONE_BYTE_FILES * 96 + 96);
    pg = malloc(ONE_BYTE_FILES * 96 + 96);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(pg);
    for (i = 0; i < ONE_BYTE_FILES; i++) {
        put_cut("c", img, i, i + 1);
        oo += (size_t)snprintf(one + oo, 96,
                               "    r:sendfile(DIR .. 'img/c%zu-%zu')\n"
                               "    r:flush()\n", i, i + 1);
        po += (size_t)snprintf(pg + po, 96,
                               "<!--#include virtual=\"/img/c%zu-%zu\" -->",
                               i, i + 1);
    }
    put_cut("c", img, ONE_BYTE_FILES, S);
    snprintf(one + oo, 96, "    r:sendfile(DIR .. 'img/c%u-%u')\n",
             ONE_BYTE_FILES, S);
    snprintf(pg + po, 96, "<!--#include virtual=\"/img/c%u-%u\" -->",
             ONE_BYTE_FILES, S);
    HARNESS_WRITE_LUA(srv, "lua/onebyte", "img/far.exe", "%s", one);
    HARNESS_WRITE_LUA(srv, "luab/onebyte", "img/far.exe", "%s", one);
    ck_assert_int_eq(harness_write_text(srv, "ssi/onebyte.shtml", pg), 0);
    free(one);
    free(pg);

    /* Heap bytes first, then only files and flushes up to the file with
     * the header; heap bytes and files after it. */
    HARNESS_WRITE_LUA(srv, "lua/files", "img/far.exe",
        "    r:write(slice(0, 10))\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c10-64')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c64-100')\n"
        "    r:sendfile(DIR .. 'img/c100-200')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c200-300')\n"
        "    r:sendfile(DIR .. 'img/c300-%u')\n"
        "    r:write(slice(%u, 1))\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n",
        L + 1024, L + 1024, L + 1025, S - 8, S - 8, S - 1, S - 1, S);
    ck_assert_int_eq(harness_copy_fixture(srv, "lua/files", "luab/files"),
                     0);
    /* Heap bytes and flushes between the files after the DOS header too. */
    HARNESS_WRITE_LUA(srv, "lua/mix", "img/far.exe",
        "    r:write(slice(0, 10))\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c10-64')\n"
        "    r:write(slice(64, 36))\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c100-200')\n"
        "    r:sendfile(DIR .. 'img/c200-300')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c300-%u')\n"
        "    r:write(slice(%u, 1))\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n",
        L + 1024, L + 1024, L + 1025, S - 8, S - 8, S - 1, S - 1, S);
    HARNESS_WRITE_LUA(srv, "lua/straddle", "img/far.exe",
        "    r:sendfile(DIR .. 'img/c0-64')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c64-300')\n"
        "    r:sendfile(DIR .. 'img/c300-%u')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/c%u-%u')\n", L + 8, L + 8, S);
    ck_assert_int_eq(harness_copy_fixture(srv, "lua/mix", "luab/mix"), 0);
    ck_assert_int_eq(harness_copy_fixture(srv, "lua/straddle",
                                          "luab/straddle"), 0);

    put_asis("asis/far.asis",
             "Content-Type: application/x-msdownload\n\n", img, len);
    put_asis("asis/inline.asis",
             "Content-Type: application/x-msdownload\n"
             "Content-Disposition: inline\n\n", img, len);
    /* The rest of the image after its DOS header as the body of an
     * .asis file, included after the DOS header file. */
    put_asis("asisbody/rest.asis",
             "Content-Type: application/x-msdownload\n"
             "X-Pad: 0123456789\n\n", img + 64, len - 64);
    ck_assert_int_eq(harness_write_text(srv, "ssi/asis.shtml",
        "<!--#include virtual=\"/img/c0-64\" -->"
        "<!--#include virtual=\"/asisbody/rest.asis\" -->"), 0);
    put_asis("asisr/inline.asis",
             "Content-Type: application/x-msdownload\n"
             "Content-Disposition: inline\n\n", img, len);
    free(img);

    /* The same pieces of a native (non-CLR) image. */
    HARNESS_PE_IMAGE(img, 0, FAR_LFANEW, FAR_SIZE, &len);
    ck_assert_uint_eq(len, FAR_SIZE);
    HARNESS_PUT(srv, "img/nat.exe", img, len);
    put_lists("n", img);
    for (i = 0; i < NLISTS; i++) {
        char nm[64];

        snprintf(nm, sizeof nm, "n%s", lists[i]->name);
        put_page("ssi", "n", lists[i], nm);
        put_page("ssip", "n", lists[i], nm);
    }
    free(img);

    /* Beyond 16 MiB: the DOS header, then the rest; and the header
     * window across two files. */
    HARNESS_PE_IMAGE(img, 1, HUGE_LFANEW, HUGE_SIZE, &len);
    ck_assert_uint_eq(len, HUGE_SIZE);
    HARNESS_PUT(srv, "img/huge.exe", img, len);
    for (i = 0; i + 1 < huge2.ncuts; i++) {
        put_cut("h", img, huge2.cuts[i], huge2.cuts[i + 1]);
    }
    for (i = 0; i + 1 < huge_straddle.ncuts; i++) {
        put_cut("h", img, huge_straddle.cuts[i], huge_straddle.cuts[i + 1]);
    }
    free(img);
    put_page("ssib", "h", &huge2, huge2.name);
    put_page("ssib", "h", &huge_straddle, huge_straddle.name);
    HARNESS_WRITE_LUA(srv, "luab/huge2", "img/huge.exe",
        "    r:sendfile(DIR .. 'img/h0-64')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/h64-%u')\n", HUGE_SIZE);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

static void assert_page(const char *dir, const char *name, const char *cd,
                        const char *body_rel, const char *note)
{
    char path[128];
    harness_response r;

    snprintf(path, sizeof path, "/%s/%s", dir, name);
    harness_get(srv, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, cd, body_rel, note);
    HARNESS_ASSERT(srv, harness_header_count(&r, "Content-Disposition")
                   == (cd ? 1u : 0u), "%s: %zu Content-Disposition headers",
                   path, harness_header_count(&r, "Content-Disposition"));
    harness_response_free(&r);
}

static void page_cd(char *cd, size_t n, const char *name)
{
    snprintf(cd, n, "attachment; filename=\"%s.shtml.exe\"", name);
}

/* _i: the cut list; limit 512. */
START_TEST(test_ssi_pieces_under_limit_512)
{
    char name[64], cd[128];

    snprintf(name, sizeof name, "%s.shtml", lists[_i]->name);
    page_cd(cd, sizeof cd, lists[_i]->name);
    assert_page("ssi", name, cd, "img/far.exe", notes512[_i]);
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

START_TEST(test_ssi_pieces_under_limit_16m)
{
    char name[64], cd[128];

    snprintf(name, sizeof name, "%s.shtml", lists[_i]->name);
    page_cd(cd, sizeof cd, lists[_i]->name);
    assert_page("ssib", name, cd, "img/far.exe", "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* A native image's pieces: no header under NetExeMatch clr unless the
 * verdict is unknown; the header under NetExeMatch pe. */
START_TEST(test_ssi_native_pieces_match_clr_and_pe)
{
    char name[64], cd[128];
    const char *note = strcmp(notes512[_i], "clr") == 0 ? "native"
                                                        : notes512[_i];

    snprintf(name, sizeof name, "n%s.shtml", lists[_i]->name);
    snprintf(cd, sizeof cd, "attachment; filename=\"n%s.shtml.exe\"",
             lists[_i]->name);
    assert_page("ssi", name, strcmp(note, "native") == 0 ? NULL : cd,
                "img/nat.exe", note);
    assert_page("ssip", name, cd, "img/nat.exe", note);
    /* A CLR image under NetExeMatch pe. */
    snprintf(name, sizeof name, "%s.shtml", lists[_i]->name);
    page_cd(cd, sizeof cd, lists[_i]->name);
    assert_page("ssip", name, cd, "img/far.exe", notes512[_i]);
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

START_TEST(test_ssi_64_one_byte_files_then_the_rest)
{
    assert_page("ssi", "onebyte.shtml",
                "attachment; filename=\"onebyte.shtml.exe\"", "img/far.exe",
                "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* Stored by mod_cache_disk, served three times: the header every time. */
START_TEST(test_cached_ssi_pieces_keep_header_and_body)
{
    char path[96], cd[128];
    int round;

    page_cd(cd, sizeof cd, lists[_i]->name);
    for (round = 0; round < 3; round++) {
        harness_response r;

        snprintf(path, sizeof path, "/ssic/%s.shtml", lists[_i]->name);
        harness_get(srv, path, &r);
        HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, cd, "img/far.exe", NULL);
        HARNESS_ASSERT(srv, harness_header_count(&r, "Content-Disposition")
                       == 1u, "round %d: %zu Content-Disposition headers",
                       round, harness_header_count(&r, "Content-Disposition"));
        harness_response_free(&r);
    }
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* _i: 0 limit 512, 1 limit 16 MiB. */
START_TEST(test_lua_files_heap_and_flushes)
{
    const char *dir = _i == 0 ? "lua" : "luab";

    assert_page(dir, "files", "attachment; filename=\"files.exe\"",
                "img/far.exe", "clr");
    /* Heap bytes after the DOS header, with the PE header beyond the
     * limit: held up to the limit, then unknown, with the header. */
    assert_page(dir, "mix", "attachment; filename=\"mix.exe\"",
                "img/far.exe", _i == 0 ? "unknown" : "clr");
    assert_page(dir, "onebyte", "attachment; filename=\"onebyte.exe\"",
                "img/far.exe", "clr");
    assert_page(dir, "straddle", "attachment; filename=\"straddle.exe\"",
                "img/far.exe", _i == 0 ? "unknown" : "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* mod_asis: the body's FILE bucket starts after the header block. */
START_TEST(test_asis_far_header_at_a_file_offset)
{
    assert_page("asis", "far.asis", "attachment; filename=\"far.asis.exe\"",
                "img/far.exe", "clr");
    assert_page("asis", "inline.asis", "inline", "img/far.exe", NULL);
    assert_page("asisr", "inline.asis",
                "attachment; filename=\"inline.asis.exe\"", "img/far.exe",
                "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* A byte of page text after the DOS header: under 512 the text is held
 * and the limit reached (unknown, with the header); under 16 MiB the
 * shifted bytes at e_lfanew are no PE header (not-pe, none). */
START_TEST(test_ssi_text_between_dos_header_and_rest)
{
    assert_page("ssi", "sep.shtml", "attachment; filename=\"sep.shtml.exe\"",
                "img/sep.body", "unknown");
    assert_page("ssib", "sep.shtml", NULL, "img/sep.body", "not-pe");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* An .asis body (a FILE bucket that starts after the header block)
 * included after the DOS header file: the PE header is peeked at the
 * bucket's own offset. */
START_TEST(test_ssi_asis_rest_after_dos_header)
{
    assert_page("ssi", "asis.shtml",
                "attachment; filename=\"asis.shtml.exe\"", "img/far.exe",
                "clr");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* The PE header beyond NetExeSniffLimit 16 MiB, in the 2nd file: peeked;
 * across two files: unknown, with the header. */
START_TEST(test_header_beyond_16m_in_a_later_file)
{
    assert_page("ssib", "huge2.shtml",
                "attachment; filename=\"huge2.shtml.exe\"", "img/huge.exe",
                "clr");
    assert_page("luab", "huge2", "attachment; filename=\"huge2.exe\"",
                "img/huge.exe", "clr");
    assert_page("ssib", "hugestr.shtml",
                "attachment; filename=\"hugestr.shtml.exe\"",
                "img/huge.exe", "unknown");
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

/* The same pieces over h2c. */
START_TEST(test_pieces_over_h2c)
{
    static const char *const paths[] = {
        "/ssi/tenth.shtml", "/lua/files", "/ssi/onebyte.shtml",
        "/ssi/straddle.shtml"
    };
    static const char *const cds[] = {
        "attachment; filename=\"tenth.shtml.exe\"",
        "attachment; filename=\"files.exe\"",
        "attachment; filename=\"onebyte.shtml.exe\"",
        "attachment; filename=\"straddle.shtml.exe\""
    };
    static const char *const notes[] = { "clr", "clr", "clr", "unknown" };
    harness_response r;

    harness_get_h2c(srv, paths[_i], &r);
    HARNESS_ASSERT(srv, r.http_version == 20, "HTTP version %ld",
                   r.http_version);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, cds[_i], "img/far.exe", notes[_i]);
    HARNESS_ASSERT(srv, harness_header_count(&r, "Content-Disposition") == 1u,
                   "%zu Content-Disposition headers",
                   harness_header_count(&r, "Content-Disposition"));
    HARNESS_ASSERT_NO_CRASH(srv);
    harness_response_free(&r);
}
END_TEST

static Suite *attack8_suite(void)
{
    Suite *s = suite_create("attack8");
    TCase *tc = tcase_create("attack8");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_ssi_pieces_under_limit_512, 0, (int)NLISTS);
    tcase_add_loop_test(tc, test_ssi_pieces_under_limit_16m, 0, (int)NLISTS);
    tcase_add_loop_test(tc, test_ssi_native_pieces_match_clr_and_pe, 0,
                        (int)NLISTS);
    tcase_add_test(tc, test_ssi_64_one_byte_files_then_the_rest);
    tcase_add_loop_test(tc, test_cached_ssi_pieces_keep_header_and_body, 0,
                        (int)NLISTS);
    tcase_add_loop_test(tc, test_lua_files_heap_and_flushes, 0, 2);
    tcase_add_test(tc, test_asis_far_header_at_a_file_offset);
    tcase_add_test(tc, test_ssi_asis_rest_after_dos_header);
    tcase_add_test(tc, test_ssi_text_between_dos_header_and_rest);
    tcase_add_test(tc, test_header_beyond_16m_in_a_later_file);
    tcase_add_loop_test(tc, test_pieces_over_h2c, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack8_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
