/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_deflate_h2.c -- the filter's place in the chain (DESIGN.md
 * section 5): mod_deflate compressing the same response, inserted by
 * AddOutputFilterByType (mod_filter) or by SetOutputFilter, must run after
 * NETEXE, so the image is judged uncompressed and still gets its header;
 * and HTTP/2 in cleartext (mod_http2, h2c with prior knowledge), where
 * the response headers are sent as HPACK frames by another path: static
 * files, a Range from byte 0, HEAD, and a CGI script whose body streams
 * in one byte at a time.
 *
 * Debian's /etc/mime.types maps .exe to application/x-msdos-program; the
 * compressing directories use Apache's own type, application/x-msdownload,
 * through AddType.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define PADDED_SIZE         50000u      /* zeros: compresses well */
#define GZIP_MAGIC0         0x1Fu
#define GZIP_MAGIC1         0x8Bu
#define HTTP_VERSION_2      20L
#define HTTP_VERSION_1_1    11L
#define RANGE_LEN           100u
#define CGI_IMAGE_REL       "img/clr.exe"

static harness_httpd *srv;

static const char deflate_h2_config[] =
    "<Directory \"@DOCROOT@/bytype\">\n"
    "    NetExe On\n"
    "    AddType application/x-msdownload .exe .dll\n"
    "    AddOutputFilterByType DEFLATE application/x-msdownload "
    "application/octet-stream\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/setfilter\">\n"
    "    NetExe On\n"
    "    SetOutputFilter DEFLATE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN;

static void write_image(const char *rel, int clr, int dll)
{
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.clr = clr;
    s.dll = dll;
    s.total_size = PADDED_SIZE;
    ck_assert_msg(harness_write_pe(srv, rel, &s, NULL) == 0, "writing %s", rel);
}

static void setup(void)
{
    static const char *const mods[] = {
        "filter", "deflate", "http2", "alias", "cgid", NULL
    };
    harness_options o;
    harness_cgi_opts trickle;

    harness_options_init(&o);
    o.modules = mods;
    o.config = deflate_h2_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    write_image("bytype/tool.exe", 1, 0);
    write_image("bytype/lib.dll", 1, 1);
    write_image("bytype/native.exe", 0, 0);
    write_image("bytype/data.bin", 1, 0);
    write_image("setfilter/tool.exe", 1, 0);
    write_image("dl/tool.exe", 1, 0);
    write_image("dl/native.exe", 0, 0);
    ck_assert_int_eq(harness_write_pe(srv, CGI_IMAGE_REL, NULL, NULL), 0);

    harness_cgi_opts_init(&trickle);
    trickle.writer = HARNESS_CGI_TRICKLE;
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/trickle", CGI_IMAGE_REL,
                                             &trickle), 0);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* Sends q over HTTP/2 when http2 (HTTP/1.1 otherwise) into *r, and
 * asserts the status and that version. */
static void send_as(harness_request *q, int http2, long status,
                    harness_response *r)
{
    q->http2 = http2;
    harness_send(srv, q, r);
    HARNESS_ASSERT_STATUS(srv, r, status);
    HARNESS_ASSERT(srv, r->http_version == (http2 ? HTTP_VERSION_2
                                                  : HTTP_VERSION_1_1),
                   "HTTP version %ld", r->http_version);
}

/* GET path, with Accept-Encoding: gzip decoded by libcurl when gzip (then
 * Content-Encoding: gzip), without (then no Content-Encoding): 200,
 * Content-Disposition exactly want (NULL: none), and the (decoded) body
 * is the fixture; Content-Length, when the body is not encoded, its
 * size. */
static void check_get(const char *path, int http2, int gzip, const char *want,
                      const char *fixture)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = path;
    if (gzip) {
        q.accept_encoding = "gzip";
        q.decode = 1;
    }
    send_as(&q, http2, 200, &r);
    if (gzip)
        HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    else
        HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Encoding");
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, fixture, NULL);
    harness_response_free(&r);
}

static void check_gzip(const char *path, int http2, const char *want,
                       const char *fixture)
{
    check_get(path, http2, 1, want, fixture);
}

static void check_plain(const char *path, int http2, const char *want,
                        const char *fixture)
{
    check_get(path, http2, 0, want, fixture);
}

START_TEST(test_deflate_by_type_compresses_after_the_header_is_set)
{
    check_gzip("/bytype/tool.exe", 0, "attachment; filename=\"tool.exe\"",
               "bytype/tool.exe");
    check_gzip("/bytype/lib.dll", 0, "attachment; filename=\"lib.dll\"",
               "bytype/lib.dll");
}
END_TEST

START_TEST(test_deflate_octet_stream_compresses_after_the_header_is_set)
{
    check_gzip("/bytype/data.bin", 0, "attachment; filename=\"data.bin.exe\"",
               "bytype/data.bin");
}
END_TEST

START_TEST(test_deflate_by_setoutputfilter_compresses_after_the_header_is_set)
{
    check_gzip("/setfilter/tool.exe", 0, "attachment; filename=\"tool.exe\"",
               "setfilter/tool.exe");
}
END_TEST

/* The wire really carries gzip: the first bytes are its magic, and the
 * compressed body is smaller than the padded image. */
START_TEST(test_deflated_body_on_the_wire_is_gzip)
{
    harness_request q;
    harness_response r;
    char d[65];
    size_t img_len = 0;

    ck_assert_int_eq(harness_file_sha256(srv, "bytype/tool.exe", d, &img_len), 0);
    memset(&q, 0, sizeof q);
    q.path = "/bytype/tool.exe";
    q.accept_encoding = "gzip";
    q.decode = 0;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"tool.exe\"");
    HARNESS_ASSERT(srv, r.body_len >= 2 && r.body[0] == GZIP_MAGIC0
                   && r.body[1] == GZIP_MAGIC1, "body is not gzip");
    HARNESS_ASSERT(srv, r.body_len < img_len, "gzip body %zu bytes, image %zu",
                   r.body_len, img_len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_deflate_native_image_is_compressed_without_header)
{
    check_gzip("/bytype/native.exe", 0, NULL, "bytype/native.exe");
}
END_TEST

START_TEST(test_deflate_directory_without_accept_encoding_is_plain)
{
    check_plain("/bytype/tool.exe", 0, "attachment; filename=\"tool.exe\"",
                "bytype/tool.exe");
}
END_TEST

START_TEST(test_h2c_clr_exe_gets_attachment)
{
    check_plain("/dl/tool.exe", 1, "attachment; filename=\"tool.exe\"",
                "dl/tool.exe");
}
END_TEST

START_TEST(test_h2c_native_exe_gets_nothing)
{
    check_plain("/dl/native.exe", 1, NULL, "dl/native.exe");
}
END_TEST

START_TEST(test_h2c_with_deflate_gets_attachment_and_gzip)
{
    check_gzip("/bytype/tool.exe", 1, "attachment; filename=\"tool.exe\"",
               "bytype/tool.exe");
}
END_TEST

START_TEST(test_h2c_head_has_the_header_and_no_body)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/dl/tool.exe";
    q.method = "HEAD";
    send_as(&q, 1, 200, &r);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"tool.exe\"");
    HARNESS_ASSERT(srv, r.body_len == 0, "HEAD body of %zu bytes", r.body_len);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_h2c_cgi_streamed_byte_by_byte_gets_attachment)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/cgi-bin/trickle?id=1";
    send_as(&q, 1, 200, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, "attachment; filename=\"trickle.exe\"",
                            CGI_IMAGE_REL, "clr");
    harness_response_free(&r);
}
END_TEST

/* As over HTTP/1.1: the byterange filter runs after NETEXE, which saw the
 * file from byte 0. */
START_TEST(test_h2c_range_from_zero_is_206_with_attachment)
{
    static const char *const hdrs[] = { "Range: bytes=0-99", NULL };
    size_t len = 0;
    unsigned char *img = harness_read_fixture(srv, "dl/tool.exe", &len);
    harness_request q;
    harness_response r;

    ck_assert_ptr_nonnull(img);
    memset(&q, 0, sizeof q);
    q.path = "/dl/tool.exe";
    q.headers = hdrs;
    send_as(&q, 1, 206, &r);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"tool.exe\"");
    HARNESS_ASSERT_BODY(srv, &r, img, RANGE_LEN);
    harness_response_free(&r);
    free(img);
}
END_TEST

static Suite *deflate_h2_suite(void)
{
    Suite *s = suite_create("httpd_deflate_h2");
    TCase *tc = tcase_create("deflate_h2");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_deflate_by_type_compresses_after_the_header_is_set);
    tcase_add_test(tc, test_deflate_octet_stream_compresses_after_the_header_is_set);
    tcase_add_test(tc, test_deflate_by_setoutputfilter_compresses_after_the_header_is_set);
    tcase_add_test(tc, test_deflated_body_on_the_wire_is_gzip);
    tcase_add_test(tc, test_deflate_native_image_is_compressed_without_header);
    tcase_add_test(tc, test_deflate_directory_without_accept_encoding_is_plain);
    tcase_add_test(tc, test_h2c_clr_exe_gets_attachment);
    tcase_add_test(tc, test_h2c_native_exe_gets_nothing);
    tcase_add_test(tc, test_h2c_with_deflate_gets_attachment_and_gzip);
    tcase_add_test(tc, test_h2c_head_has_the_header_and_no_body);
    tcase_add_test(tc, test_h2c_cgi_streamed_byte_by_byte_gets_attachment);
    tcase_add_test(tc, test_h2c_range_from_zero_is_206_with_attachment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(deflate_h2_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
