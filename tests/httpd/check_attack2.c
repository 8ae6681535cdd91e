/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack2.c -- attacks on the filter's position after every filter
 * of the content-set stage (DESIGN.md section 5): a response that a
 * browser receives as a CLR image must carry Content-Disposition:
 * attachment whatever filter, coding or range lies between the handler
 * and the client.
 *
 *   bypass     what the browser receives is a CLR image: the header is
 *              expected, and the body as the handler made it;
 *   withstood  attacks of the same kind that the module gets right, kept
 *              so that a fix of the others does not undo them.
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_fail.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          90
#define IMG_SIZE                8192u
#define IMG_REL                 "dl/clr.exe"
#define DOS_LFANEW_OFFSET       0x3Cu
#define BUILD_LFANEW            0x80u       /* pebuild's default e_lfanew */
#define FAR_LFANEW              0x100000u   /* 1 MiB: far past the limit */
#define NOISE_LFANEW            0x60000u    /* 384 KiB of random bytes */
#define CD_CLR                  "attachment; filename=\"clr.exe\""
#define CD_CLR_NOISE            "attachment; filename=\"noise.exe\""

static harness_httpd *srv;

static const char config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/pre\">\n"
    "    NetExe On\n"
    "    AddEncoding gzip .gz\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/defl\">\n"
    "    NetExe On\n"
    "    SetOutputFilter DEFLATE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/named\">\n"
    "    SetOutputFilter NETEXE;DEFLATE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/idx\">\n"
    "    NetExe On\n"
    "    DirectoryIndex clr.exe\n"
    "    Options +MultiViews\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName 127.0.0.1:@PORT1@\n"
    "    CacheRoot \"@ROOT@/cache\"\n"
    "    CacheEnable disk /\n"
    "    CacheIgnoreNoLastMod On\n"
    "</VirtualHost>\n"
    HARNESS_CONFIG_CGI_BIN;

static const char *const modules[] = {
    "alias", "cgid", "headers", "filter", "deflate", "http2", "dir",
    "negotiation", "cache", "cache_disk", NULL
};

static void wr_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The default CLR image with its PE header moved to e_lfanew lf; the
 * bytes between the DOS header and lf are zeros (noise 0) or a fixed
 * pseudo-random sequence that no coding compresses (noise 1). */
static unsigned char *far_image(uint32_t lf, int noise, size_t *out_len)
{
    size_t len, total, i;
    unsigned char *img, *far;
    uint32_t x = 0x9E3779B9u;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    total = lf + (len - BUILD_LFANEW);
    far = calloc(1, total);
    ck_assert_ptr_nonnull(far);
    memcpy(far, img, BUILD_LFANEW);
    wr_u32le(far + DOS_LFANEW_OFFSET, lf);
    if (noise) {
        for (i = BUILD_LFANEW; i < lf; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            far[i] = (unsigned char)x;
        }
    }
    memcpy(far + lf, img + BUILD_LFANEW, len - BUILD_LFANEW);
    free(img);
    *out_len = total;
    return far;
}

static void write_far(const char *rel, uint32_t lf, int noise)
{
    size_t len;
    unsigned char *img = far_image(lf, noise, &len);

    HARNESS_PUT(srv, rel, img, len);
    free(img);
}

/* A CGI script at cgi/name sending the default image raw under the
 * Content-Encoding list enc, written as how says. */
static void write_cgi(const char *name, const char *enc,
                      harness_cgi_writer how)
{
    char headers[256];

    snprintf(headers, sizeof headers, "Content-Encoding: %s\r\n", enc);
    HARNESS_WRITE_CGI_BIN(srv, name, IMG_REL, headers, how);
}

static void setup(void)
{
    harness_options o;
    size_t len;
    unsigned char *img;

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    HARNESS_PUT(srv, IMG_REL, img, len);
    HARNESS_PUT(srv, "defl/clr.exe", img, len);
    HARNESS_PUT(srv, "named/clr.exe", img, len);
    HARNESS_PUT(srv, "idx/clr.exe", img, len);
    free(img);
    write_far("dl/far.exe", FAR_LFANEW, 0);
    write_far("defl/far.exe", FAR_LFANEW, 0);
    write_far("defl/noise.exe", NOISE_LFANEW, 1);
    write_far("dl/noise.exe", NOISE_LFANEW, 1);
    write_cgi("mixed-mz", "gzip, identity", HARNESS_CGI_MZ_PAUSE);
    write_cgi("mixed-trickle", "gzip, identity", HARNESS_CGI_TRICKLE);
    write_cgi("mixed-once", "gzip, identity", HARNESS_CGI_AT_ONCE);
    write_cgi("empty-mz", "gzip,", HARNESS_CGI_MZ_PAUSE);
    ck_assert_int_eq(harness_mkdir(srv, "pre"), 0);
    ck_assert_int_eq(hfail_filter(srv, "gzip -n -c", IMG_REL,
                                  "pre/clr.exe.gz"), 0);
    ck_assert_int_eq(hfail_filter(srv, "gzip -n -c", "dl/noise.exe",
                                  "pre/noise.exe.gz"), 0);
    ck_assert_int_eq(harness_mkdir_for_children(srv, "cache"), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path with Accept-Encoding ae (NULL: none), decoded by the client
 * when decode is 1, over h2c when http2 is 1. */
static void send_get(const char *path, const char *ae, int decode, int http2,
                     harness_response *r)
{
    harness_request q;

    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = ae;
    q.decode = decode;
    q.http2 = http2;
    harness_send(srv, &q, r);
}

static void assert_no_crash(void)
{
    HARNESS_ASSERT_NO_CRASH(srv);
}

/* ---- bypass ------------------------------------------------------------- */

/* A static image whose PE header lies 384 KiB in, behind random bytes,
 * served where the administrator compresses everything (SetOutputFilter
 * DEFLATE) to a client that accepts gzip.  NETEXE now runs after DEFLATE,
 * so it no longer peeks the file (section 2: a static verdict is exact
 * whatever the limit) but holds DEFLATE's output, which outgrows
 * NetExeSniffLimit before the header is decoded.  The browser gunzips a
 * CLR image.  The filter has seen "MZ" and an e_lfanew it could not reach
 * within the limit: it fails closed, the header with the note unknown. */
START_TEST(test_deflated_static_image_with_noisy_far_header_gets_attachment)
{
    harness_response r;
    size_t len;
    unsigned char *img = far_image(NOISE_LFANEW, 1, &len);

    send_get("/defl/noise.exe", "gzip", 1, 0, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, CD_CLR_NOISE);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    HARNESS_ASSERT_NOTE(srv, &r, "unknown");
    harness_response_free(&r);
    free(img);
    assert_no_crash();
}
END_TEST

/* The same over h2c. */
START_TEST(test_deflated_noisy_far_header_over_h2c_gets_attachment)
{
    harness_response r;
    size_t len;
    unsigned char *img = far_image(NOISE_LFANEW, 1, &len);

    send_get("/defl/noise.exe", "gzip", 1, 1, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_FAIL_IF(srv, r.http_version != 20, "HTTP version %ld",
                    r.http_version);
    HARNESS_ASSERT_DISPOSITION(srv, &r, CD_CLR_NOISE);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    harness_response_free(&r);
    free(img);
    assert_no_crash();
}
END_TEST

/* "gzip, identity": Chromium (URLRequestHttpJob::SetUpSourceStream) reads
 * the body raw as soon as one listed coding is identity, empty or
 * unknown, and the raw body is the image.  The script writes "MZ", pauses,
 * then the rest: the gzip reading fails on the first byte and decides, and
 * the raw reading (netexe_raw_reading) is judged on that first bucket
 * alone, two bytes, which cannot show an image. */
START_TEST(test_gzip_identity_list_with_mz_written_first_gets_attachment)
{
    HARNESS_ASSERT_GET(srv, 0, "/cgi-bin/mixed-mz", 200,
                       "attachment; filename=\"mixed-mz.exe\"", IMG_REL,
                       "clr");
    assert_no_crash();
}
END_TEST

/* The same, one byte per write. */
START_TEST(test_gzip_identity_list_written_byte_by_byte_gets_attachment)
{
    HARNESS_ASSERT_GET(srv, 0, "/cgi-bin/mixed-trickle", 200,
                       "attachment; filename=\"mixed-trickle.exe\"",
                       IMG_REL, "clr");
    assert_no_crash();
}
END_TEST

/* "gzip," (an empty token: raw for Chromium), "MZ" written first. */
START_TEST(test_gzip_empty_list_with_mz_written_first_gets_attachment)
{
    HARNESS_ASSERT_GET(srv, 0, "/cgi-bin/empty-mz", 200,
                       "attachment; filename=\"empty-mz.exe\"", IMG_REL,
                       "clr");
    assert_no_crash();
}
END_TEST

/* ---- withstood ---------------------------------------------------------- */

/* The same file without Accept-Encoding: DEFLATE steps aside, the file is
 * peeked where its header lies. */
START_TEST(test_noisy_far_header_without_gzip_gets_attachment)
{
    harness_response r;
    size_t len;
    unsigned char *img = far_image(NOISE_LFANEW, 1, &len);

    send_get("/defl/noise.exe", NULL, 0, 0, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Encoding");
    HARNESS_ASSERT_DISPOSITION(srv, &r, CD_CLR_NOISE);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    free(img);
}
END_TEST

/* "gzip, identity" with the image in one write: judged raw. */
START_TEST(test_gzip_identity_list_in_one_write_gets_attachment)
{
    HARNESS_ASSERT_GET(srv, 0, "/cgi-bin/mixed-once", 200,
                       "attachment; filename=\"mixed-once.exe\"", IMG_REL,
                       "clr");
}
END_TEST

/* DirectoryIndex and MultiViews reach the image through a subrequest that
 * mod_dir or mod_negotiation makes the request itself (fast redirect). */
START_TEST(test_image_as_directory_index_or_multiviews_gets_attachment)
{
    HARNESS_ASSERT_GET(srv, 0, "/idx/", 200, CD_CLR, "idx/clr.exe", "clr");
    HARNESS_ASSERT_GET(srv, 0, "/idx/clr", 200, CD_CLR, "idx/clr.exe",
                       "clr");
    assert_no_crash();
}
END_TEST

/* mod_cache's quick handler serves the second and third GET of a
 * compressed image, without NETEXE: the stored headers hold the one
 * Content-Disposition; the variant without gzip is stored apart. */
START_TEST(test_cached_deflated_image_keeps_the_header)
{
    harness_request q;
    harness_response r;
    size_t len;
    unsigned char *img;
    int i;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    memset(&q, 0, sizeof q);
    q.path = "/defl/clr.exe";
    q.port = harness_extra_port(srv, 0);
    for (i = 0; i < 4; i++) {
        q.accept_encoding = i % 2 ? NULL : "gzip";
        q.decode = i % 2 ? 0 : 1;
        harness_send(srv, &q, &r);
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_DISPOSITION(srv, &r, CD_CLR);
        HARNESS_ASSERT_BODY(srv, &r, img, len);
        harness_response_free(&r);
    }
    free(img);
    assert_no_crash();
}
END_TEST

/* HEAD of a script that sends the image, then GET of the same script
 * under DEFLATE's coding of the response. */
START_TEST(test_head_then_get_of_a_script_image_get_attachment)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/cgi-bin/mixed-once";
    q.method = "HEAD";
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r,
                               "attachment; filename=\"mixed-once.exe\"");
    harness_response_free(&r);
    q.method = NULL;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r,
                               "attachment; filename=\"mixed-once.exe\"");
    HARNESS_ASSERT_BODY_FILE(srv, &r, IMG_REL);
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

/* DEFLATE compressing a CLR image: NETEXE decodes DEFLATE's output. */
START_TEST(test_deflate_compressing_clr_image_gets_attachment)
{
    harness_response r;
    size_t len;
    unsigned char *img;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    send_get("/defl/clr.exe", "gzip", 1, 0, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, CD_CLR);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    free(img);
}
END_TEST

/* A far header (zeros before it) under DEFLATE: skip mode catches it. */
START_TEST(test_deflated_far_header_of_zeros_gets_attachment)
{
    harness_response r;
    size_t len;
    unsigned char *img = far_image(FAR_LFANEW, 0, &len);

    send_get("/defl/far.exe", "gzip", 1, 0, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"far.exe\"");
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    free(img);
}
END_TEST

/* SetOutputFilter NETEXE;DEFLATE without NetExe On: the named NETEXE is
 * moved after DEFLATE and decodes its output. */
START_TEST(test_named_netexe_before_deflate_gets_attachment)
{
    harness_response r;
    size_t len;
    unsigned char *img;

    HARNESS_PE_IMAGE(img, 1, BUILD_LFANEW, IMG_SIZE, &len);
    send_get("/named/clr.exe", "gzip", 1, 0, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    HARNESS_ASSERT_DISPOSITION(srv, &r, CD_CLR);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    free(img);
}
END_TEST

/* Range over a far-header file: the bytes the decision rested on go out
 * as copies (netexe_pin_far), the byterange filter cuts after. */
START_TEST(test_range_across_far_header_gets_attachment)
{
    harness_response r;

    harness_get_range(srv, "/dl/far.exe", FAR_LFANEW - 16, 64, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"far.exe\"");
    HARNESS_ASSERT_RANGE(srv, &r, "dl/far.exe", FAR_LFANEW - 16, 64);
    harness_response_free(&r);

    harness_get_range(srv, "/dl/far.exe", 0, 100, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"far.exe\"");
    HARNESS_ASSERT_RANGE(srv, &r, "dl/far.exe", 0, 100);
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

/* Range over a precompressed image: the range is of the gzip bytes. */
START_TEST(test_range_of_precompressed_image_gets_attachment)
{
    harness_response r;

    harness_get_range(srv, "/pre/clr.exe.gz", 0, 10, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_DISPOSITION(srv, &r,
                               "attachment; filename=\"clr.exe.gz.exe\"");
    HARNESS_ASSERT_RANGE(srv, &r, "pre/clr.exe.gz", 0, 10);
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

/* A precompressed file with 384 KiB of noise before the header: a FILE
 * is decoded as far as the header, whatever the limit. */
START_TEST(test_precompressed_noisy_far_header_gets_attachment)
{
    harness_response r;

    send_get("/pre/noise.exe.gz", NULL, 0, 0, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r,
                               "attachment; filename=\"noise.exe.gz.exe\"");
    HARNESS_ASSERT_BODY_FILE(srv, &r, "pre/noise.exe.gz");
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
}
END_TEST

/* HEAD then GET of the far-header file over h2c. */
START_TEST(test_h2c_head_and_get_of_far_header_get_attachment)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/dl/far.exe";
    q.http2 = 1;
    q.method = "HEAD";
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"far.exe\"");
    harness_response_free(&r);
    q.method = NULL;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, "attachment; filename=\"far.exe\"");
    HARNESS_ASSERT_BODY_FILE(srv, &r, "dl/far.exe");
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

static Suite *attack2_suite(void)
{
    Suite *s = suite_create("httpd_attack2");
    TCase *tc = tcase_create("bypass");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_deflated_static_image_with_noisy_far_header_gets_attachment);
    tcase_add_test(tc, test_deflated_noisy_far_header_over_h2c_gets_attachment);
    tcase_add_test(tc, test_gzip_identity_list_with_mz_written_first_gets_attachment);
    tcase_add_test(tc, test_gzip_identity_list_written_byte_by_byte_gets_attachment);
    tcase_add_test(tc, test_gzip_empty_list_with_mz_written_first_gets_attachment);
    suite_add_tcase(s, tc);

    tc = tcase_create("withstood");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_noisy_far_header_without_gzip_gets_attachment);
    tcase_add_test(tc, test_gzip_identity_list_in_one_write_gets_attachment);
    tcase_add_test(tc, test_image_as_directory_index_or_multiviews_gets_attachment);
    tcase_add_test(tc, test_cached_deflated_image_keeps_the_header);
    tcase_add_test(tc, test_head_then_get_of_a_script_image_get_attachment);
    tcase_add_test(tc, test_deflate_compressing_clr_image_gets_attachment);
    tcase_add_test(tc, test_deflated_far_header_of_zeros_gets_attachment);
    tcase_add_test(tc, test_named_netexe_before_deflate_gets_attachment);
    tcase_add_test(tc, test_range_across_far_header_gets_attachment);
    tcase_add_test(tc, test_range_of_precompressed_image_gets_attachment);
    tcase_add_test(tc, test_precompressed_noisy_far_header_gets_attachment);
    tcase_add_test(tc, test_h2c_head_and_get_of_far_header_get_attachment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack2_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
