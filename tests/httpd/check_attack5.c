/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack5.c -- attacks on bodies that arrive in pieces (mod_lua's
 * r:write, r:sendfile and r:flush, SSI includes, CGI pipes) and on the
 * codings read again when a handler changes them:
 *
 *   note       the verdict noted for a body read two ways must be the
 *              one noted for the same body read plain;
 *   held_file  a FILE bucket held past the call that passed it: the body
 *              must still arrive whole;
 *   withstood  attacks of the same kind that the module gets right.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_fail.h"
#include "harness_lua.h"
#include "harness_mem.h"
#include "pe.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          180
/* A PE header beyond the default limit (64 KiB): a streamed body with it
 * is "unknown" (no header: DESIGN.md section 2). */
#define FAR_LFANEW              0x20000u
#define FAR_SIZE                0x21000u
/* A PE header 64 KiB in, after incompressible bytes: gzip keeps its size,
 * so the first part of the gzip stream is larger than a 1 KiB limit. */
#define NOISE_LFANEW            0x10000u
#define NOISE_SIZE              0x11000u
/* The part of the gzip stream that r:sendfile passes. */
#define NOISE_GZ_HEAD           8192u
#define SMALL_IMG_SIZE          8192u
#define SMALL_LFANEW            0x80u
/* A PE header just under the default limit, sent as many small files. */
#define PIECES_LFANEW           0xF000u
#define PIECES_SIZE             0xF800u
#define PIECE_LEN               16u
#define NPIECES                 (PIECES_SIZE / PIECE_LEN)
/* A zstd image whose PE header lies 2 MiB in, after zeros: each input
 * byte decodes to much output, so the decoder is called on without new
 * input. */
#define ZERO_LFANEW             0x200000u
#define ZERO_SIZE               0x201000u
/* Leading bytes of the zstd stream written one per call. */
#define BYTEWISE                16
/* 2 x NetExeSniffLimit + 4 MiB (DESIGN.md section 5), in KiB. */
#define RSS_BUDGET_KIB          (2L * 64L + 4096L)

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
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssi\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssismall\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 1024\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN;

static const char *const modules[] = { "alias", "cgid", "lua", "headers",
                                       "include", "http2", NULL };

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

static void setup(void)
{
    harness_options o;
    unsigned char *img, *gz;
    size_t len, gzlen, i;
    char rel[64];

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    /* A CLR image whose PE header lies at 128 KiB. */
    HARNESS_PE_IMAGE(img, 1, FAR_LFANEW, FAR_SIZE, &len);
    HARNESS_PUT(srv, "img/far.exe", img, len);
    free(img);
    HARNESS_WRITE_CGI_BIN(srv, "far-gzip-identity", "img/far.exe",
                          "Content-Encoding: gzip, identity\r\n",
                          HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "far-plain", "img/far.exe", NULL,
                          HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_LUA(srv, "lua/far-gzip-identity", "img/far.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 4096))\n"
        "    r:flush()\n"
        "    r:write(slice(4096))\n");

    /* A CLR image with noise before its PE header at 64 KiB, gzipped;
     * the first 8 KiB of the gzip stream as a file of their own. */
    HARNESS_PE_IMAGE(img, 1, NOISE_LFANEW, NOISE_SIZE, &len);
    noise(img, 0x40u, NOISE_LFANEW);
    HARNESS_PUT(srv, "img/noise.exe", img, len);
    free(img);
    ck_assert_int_eq(hfail_encode(srv, "img/noise.exe", "img/noise.gz",
                                  HFAIL_GZIP), 0);
    gz = harness_read_fixture(srv, "img/noise.gz", &gzlen);
    ck_assert_ptr_nonnull(gz);
    ck_assert_uint_gt(gzlen, NOISE_GZ_HEAD * 2u);
    HARNESS_PUT(srv, "img/noise.gz.head", gz, NOISE_GZ_HEAD);
    free(gz);
    HARNESS_WRITE_LUA(srv, "luasmall/gz-file-over-limit-then-write",
                      "img/noise.gz",
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:sendfile(IMG .. '.head')\n"
        "    r:write(slice(8192))\n");
    HARNESS_WRITE_LUA(srv, "luasmall/gz-file-over-limit-then-write-twoway",
                      "img/noise.gz",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:sendfile(IMG .. '.head')\n"
        "    r:write(slice(8192))\n");

    /* A small CLR image as a DOS header file and the rest. */
    HARNESS_PE_IMAGE(img, 1, SMALL_LFANEW, SMALL_IMG_SIZE, &len);
    HARNESS_PUT(srv, "img/clr.exe", img, len);
    HARNESS_PUT(srv, "img/clr.head", img, 64);
    HARNESS_PUT(srv, "img/clr.half", img + 32, 32);
    HARNESS_PUT(srv, "img/clr.mid", img + 64, 64);
    HARNESS_PUT(srv, "img/clr.rest", img + 128, len - 128);
    free(img);
    ck_assert_int_eq(hfail_encode(srv, "img/clr.exe", "img/clr.gz",
                                  HFAIL_GZIP), 0);

    /* The coding changed twice: "gzip, identity", a plain one, back. */
    HARNESS_WRITE_LUA(srv, "lua/coding-twice", "img/clr.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 32))\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = nil\n"
        "    r:sendfile(DIR .. 'img/clr.half')\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(64))\n");
    /* Plain, then gzip after the DOS header went out as a kept file:
     * the client undoes gzip on a body that is not gzip (not an image). */
    HARNESS_WRITE_LUA(srv, "lua/plain-file-then-gzip", "img/clr.gz",
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:write(slice(0))\n");
    /* Three files and heap bytes between them, mixed with flushes. */
    HARNESS_WRITE_LUA(srv, "lua/mix", "img/clr.exe",
        "    r:write(slice(0, 16))\n"
        "    r:flush()\n"
        "    r:write(slice(16, 48))\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/clr.rest')\n");
    HARNESS_WRITE_LUA(srv, "lua/mix-twoway", "img/clr.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 16))\n"
        "    r:flush()\n"
        "    r:write(slice(16, 48))\n"
        "    r:sendfile(DIR .. 'img/clr.mid')\n"
        "    r:flush()\n"
        "    r:sendfile(DIR .. 'img/clr.rest')\n");
    /* The gzip stream in two files: EOS right after the second. */
    gz = harness_read_fixture(srv, "img/clr.gz", &gzlen);
    ck_assert_ptr_nonnull(gz);
    HARNESS_PUT(srv, "img/clr.gz.a", gz, 20);
    HARNESS_PUT(srv, "img/clr.gz.b", gz + 20, gzlen - 20);
    free(gz);
    HARNESS_WRITE_LUA(srv, "lua/gz-two-files", "img/clr.gz",
        "    r.headers_out['Content-Encoding'] = 'gzip'\n"
        "    r:sendfile(IMG .. '.a')\n"
        "    r:sendfile(IMG .. '.b')\n");

    /* SSI: the DOS header and the rest as includes, text between. */
    ck_assert_int_eq(harness_write_text(srv, "ssi/three.shtml",
        "<!--#include virtual=\"/img/clr.head\" -->"
        "<!--#include virtual=\"/img/clr.mid\" -->"
        "<!--#include virtual=\"/img/clr.rest\" -->"), 0);
    ck_assert_int_eq(harness_write_text(srv, "ssismall/three.shtml",
        "<!--#include virtual=\"/img/clr.head\" -->"
        "<!--#include virtual=\"/img/clr.mid\" -->"
        "<!--#include virtual=\"/img/clr.rest\" -->"), 0);

    /* An image with its PE header 60 KiB in, in 16-byte files. */
    HARNESS_PE_IMAGE(img, 1, PIECES_LFANEW, PIECES_SIZE, &len);
    ck_assert_uint_eq(len, PIECES_SIZE);
    HARNESS_PUT(srv, "img/pieces.exe", img, len);
    for (i = 0; i < NPIECES; i++) {
        snprintf(rel, sizeof rel, "pieces/p%05zu", i);
        HARNESS_PUT(srv, rel, img + i * PIECE_LEN, PIECE_LEN);
    }
    free(img);
    HARNESS_WRITE_LUA(srv, "lua/many-sendfiles", "img/pieces.exe",
        "    for i = 0, %u do\n"
        "        r:sendfile(string.format(DIR .. 'pieces/p%%05d', i))\n"
        "    end\n", NPIECES - 1u);
    HARNESS_WRITE_LUA(srv, "lua/many-sendfiles-twoway", "img/pieces.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    for i = 0, %u do\n"
        "        r:sendfile(string.format(DIR .. 'pieces/p%%05d', i))\n"
        "    end\n", NPIECES - 1u);

    /* zstd: the DOS header's first bytes one per call, with a FLUSH after
     * each; and an image whose header lies 2 MiB in, after zeros. */
    ck_assert_int_eq(hfail_encode(srv, "img/clr.exe", "img/clr.zst",
                                  HFAIL_ZSTD), 0);
    {
        char body[512];

        snprintf(body, sizeof body,
            "    r.headers_out['Content-Encoding'] = 'zstd'\n"
            "    for i = 0, %d do\n"
            "        r:write(slice(i, 1))\n"
            "        r:flush()\n"
            "    end\n"
            "    r:write(slice(%d))\n", BYTEWISE - 1, BYTEWISE);
        HARNESS_WRITE_LUA(srv, "lua/zstd-bytewise", "img/clr.zst", "%s",
                          body);
        HARNESS_WRITE_LUA(srv, "lua/zstd-zeros-bytewise", "img/zeros.zst",
                          "%s", body);
    }
    HARNESS_PE_IMAGE(img, 1, ZERO_LFANEW, ZERO_SIZE, &len);
    HARNESS_PUT(srv, "img/zeros.exe", img, len);
    free(img);
    ck_assert_int_eq(hfail_encode(srv, "img/zeros.exe", "img/zeros.zst",
                                  HFAIL_ZSTD), 0);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* ---- the verdict noted ------------------------------------------------ */

/* "gzip, identity" from a script: gzip fails on "MZ", and the raw reading,
 * a CLR image read raw, needs the PE header at 128 KiB, beyond the limit.
 * Plain, the same body is noted "unknown" (sniff limit, with the header:
 * the withstood case below); read raw it is the same body, and was noted
 * "not-pe" (the failed gzip reading's verdict stood). */
START_TEST(test_cgi_image_with_pe_header_beyond_the_limit_under_gzip_identity_is_unknown)
{
    HARNESS_ASSERT_GET_200(srv, "/cgi-bin/far-gzip-identity",
                           "attachment; filename=\"far-gzip-identity.exe\"",
                           "img/far.exe", "unknown");
}
END_TEST

START_TEST(test_lua_image_with_pe_header_beyond_the_limit_under_gzip_identity_is_unknown)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/far-gzip-identity",
                           "attachment; filename=\"far-gzip-identity.exe\"",
                           "img/far.exe", "unknown");
}
END_TEST

/* ---- a file held past the call that passed it ----------------------- */

/* Under NetExeSniffLimit 1024, 8 KiB of a gzip stream from r:sendfile
 * decode to noise short of the PE header: the FILE bucket is larger
 * than the room left, and mod_lua closes its file once the call returns,
 * so it cannot be held to the next call.  More encoded bytes than may be
 * kept, as from a script: unknown, with the header, and the body whole. */
START_TEST(test_gzip_file_larger_than_the_limit_then_written_rest_is_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/luasmall/gz-file-over-limit-then-write",
        "attachment; filename=\"gz-file-over-limit-then-write.exe\"",
        "img/noise.gz", "unknown");
}
END_TEST

START_TEST(test_gzip_file_larger_than_the_limit_under_gzip_identity_is_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv,
        "/luasmall/gz-file-over-limit-then-write-twoway",
        "attachment; filename=\"gz-file-over-limit-then-write-twoway.exe\"",
        "img/noise.gz", "unknown");
}
END_TEST

/* ---- withstood --------------------------------------------------------- */

START_TEST(test_cgi_image_with_pe_header_beyond_the_limit_is_unknown)
{
    HARNESS_ASSERT_GET_200(srv, "/cgi-bin/far-plain",
                           "attachment; filename=\"far-plain.exe\"",
                           "img/far.exe", "unknown");
}
END_TEST

START_TEST(test_coding_changed_twice_with_a_kept_file_between_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/coding-twice",
                           "attachment; filename=\"coding-twice.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

START_TEST(test_gzip_set_after_a_kept_file_is_judged_decoded)
{
    harness_response r;

    harness_get(srv, "/lua/plain-file-then-gzip", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_writes_flushes_and_files_mixed_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/mix", "attachment; filename=\"mix.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

START_TEST(test_writes_flushes_and_files_mixed_under_gzip_identity_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/mix-twoway",
                           "attachment; filename=\"mix-twoway.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

START_TEST(test_gzip_stream_in_two_files_is_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/gz-two-files",
                           "attachment; filename=\"gz-two-files.exe\"",
                           "img/clr.gz", "clr");
}
END_TEST

START_TEST(test_ssi_of_three_files_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/ssi/three.shtml",
                           "attachment; filename=\"three.shtml.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

START_TEST(test_ssi_of_three_files_under_a_small_limit_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/ssismall/three.shtml",
                           "attachment; filename=\"three.shtml.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

START_TEST(test_ssi_of_three_files_over_h2c_gets_attachment)
{
    harness_response r;

    harness_get_h2c(srv, "/ssi/three.shtml", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"three.shtml.exe\"",
                            "img/clr.exe", "clr");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_thousands_of_small_sendfiles_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/many-sendfiles",
                           "attachment; filename=\"many-sendfiles.exe\"",
                           "img/pieces.exe", "clr");
}
END_TEST

START_TEST(test_thousands_of_small_sendfiles_under_gzip_identity_are_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/many-sendfiles-twoway",
        "attachment; filename=\"many-sendfiles-twoway.exe\"", "img/pieces.exe",
        "clr");
}
END_TEST

START_TEST(test_zstd_magic_one_byte_per_call_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/zstd-bytewise",
                           "attachment; filename=\"zstd-bytewise.exe\"",
                           "img/clr.zst", "clr");
}
END_TEST

START_TEST(test_zstd_of_zeros_before_a_far_header_one_byte_per_call_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/zstd-zeros-bytewise",
                           "attachment; filename=\"zstd-zeros-bytewise.exe\"",
                           "img/zeros.zst", NULL);
}
END_TEST

/* 3968 r:sendfile calls of 16 bytes each, read two ways: what the child
 * grows by stays within 2 x the limit + 4 MiB (mod_lua's own per-call
 * allocations included). */
START_TEST(test_thousands_of_small_sendfiles_under_gzip_identity_stay_within_memory)
{
    harness_mem_mark m;
    harness_response r;
    long kib;

    ck_assert_int_eq(harness_mem_start_all(srv, &m), 0);
    harness_get(srv, "/lua/many-sendfiles-twoway", &r);
    kib = harness_mem_growth_kib(&m);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"many-sendfiles-twoway.exe\"",
                            "img/pieces.exe", "clr");
    harness_response_free(&r);
    fprintf(stderr, "many-sendfiles-twoway: child grew %ld KiB\n", kib);
    HARNESS_ASSERT(srv, !harness_mem_meaningful() || kib <= RSS_BUDGET_KIB,
                   "child grew %ld KiB, budget %ld KiB", kib, RSS_BUDGET_KIB);
}
END_TEST

/* A Range on an SSI page: the byte-range filter runs after NETEXE, which
 * judged the whole page; whatever part is sent carries the header. */
START_TEST(test_range_of_an_ssi_page_gets_attachment)
{
    harness_response r;
    unsigned char *img;
    size_t len;

    harness_get_range(srv, "/ssi/three.shtml", 0, 1024, &r);
    HARNESS_ASSERT_OK(srv, &r);
    HARNESS_ASSERT_DISPOSITION(srv, &r,
                               "attachment; filename=\"three.shtml.exe\"");
    img = harness_read_fixture(srv, "img/clr.exe", &len);
    ck_assert_ptr_nonnull(img);
    if (r.status == 206) {
        HARNESS_ASSERT_BODY(srv, &r, img, 1024);
    }
    else {
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_BODY(srv, &r, img, len);
    }
    free(img);
    harness_response_free(&r);
}
END_TEST

/* mod_lua's writes, flushes and files mixed, over h2c. */
START_TEST(test_writes_flushes_and_files_mixed_under_gzip_identity_over_h2c_are_sent_whole)
{
    harness_response r;

    harness_get_h2c(srv, "/lua/mix-twoway", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"mix-twoway.exe\"",
                            "img/clr.exe", "clr");
    harness_response_free(&r);
}
END_TEST

/* Last in its case: no child died on any request of the suite. */
START_TEST(test_no_child_crashed)
{
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

static Suite *attack5_suite(void)
{
    Suite *s = suite_create("attack5");
    TCase *tc = tcase_create("note");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_cgi_image_with_pe_header_beyond_the_limit_under_gzip_identity_is_unknown);
    tcase_add_test(tc, test_lua_image_with_pe_header_beyond_the_limit_under_gzip_identity_is_unknown);
    suite_add_tcase(s, tc);

    tc = tcase_create("held_file");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_gzip_file_larger_than_the_limit_then_written_rest_is_sent_whole);
    tcase_add_test(tc, test_gzip_file_larger_than_the_limit_under_gzip_identity_is_sent_whole);
    suite_add_tcase(s, tc);

    tc = tcase_create("withstood");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_thousands_of_small_sendfiles_under_gzip_identity_stay_within_memory);
    tcase_add_test(tc, test_cgi_image_with_pe_header_beyond_the_limit_is_unknown);
    tcase_add_test(tc, test_zstd_magic_one_byte_per_call_gets_attachment);
    tcase_add_test(tc, test_range_of_an_ssi_page_gets_attachment);
    tcase_add_test(tc, test_writes_flushes_and_files_mixed_under_gzip_identity_over_h2c_are_sent_whole);
    tcase_add_test(tc, test_zstd_of_zeros_before_a_far_header_one_byte_per_call_gets_attachment);
    tcase_add_test(tc, test_coding_changed_twice_with_a_kept_file_between_gets_attachment);
    tcase_add_test(tc, test_gzip_set_after_a_kept_file_is_judged_decoded);
    tcase_add_test(tc, test_writes_flushes_and_files_mixed_are_sent_whole);
    tcase_add_test(tc, test_writes_flushes_and_files_mixed_under_gzip_identity_are_sent_whole);
    tcase_add_test(tc, test_gzip_stream_in_two_files_is_sent_whole);
    tcase_add_test(tc, test_ssi_of_three_files_gets_attachment);
    tcase_add_test(tc, test_ssi_of_three_files_under_a_small_limit_gets_attachment);
    tcase_add_test(tc, test_ssi_of_three_files_over_h2c_gets_attachment);
    tcase_add_test(tc, test_thousands_of_small_sendfiles_are_sent_whole);
    tcase_add_test(tc, test_thousands_of_small_sendfiles_under_gzip_identity_are_sent_whole);
    tcase_add_test(tc, test_no_child_crashed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack5_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
