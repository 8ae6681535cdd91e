/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_proxy.c -- a reverse proxy in front of the files (DESIGN.md
 * section 5): mod_proxy_http on the main port forwards /px/ to a backend
 * virtual host on an extra port of the same apache2.  NetExe is On in the
 * front end's <Location> only and Off in the backend, so every header seen
 * comes from the front end sniffing a proxied socket.  The backend also
 * runs a CGI script that writes the image one byte at a time (mod_proxy
 * then passes FLUSH buckets between the pieces), sets its own
 * Content-Disposition (mod_headers), answers a Range request with 206 and
 * a conditional one with 304, and compresses with mod_deflate: the front
 * end keeps or replaces the existing header by NetExeOverride and steps
 * aside for the others.  A front end that compresses itself still sends
 * the header.
 *
 * Debian's /etc/mime.types (the harness's TypesConfig) maps .exe to
 * application/x-msdos-program, not Apache's application/x-msdownload:
 * the compressing directory sets the latter with AddType.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define PADDED_SIZE         20000u
#define RANGE_FROM          100u
#define RANGE_LEN           1000u
#define RANGE_ZERO_LEN      1024u
#define HTTP_VERSION_2      20L

static harness_httpd *srv;

static const char proxy_config[] =
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName backend.test\n"
    "    DocumentRoot \"@DOCROOT@/backend\"\n"
    "    CustomLog \"@ROOT@/logs/backend.log\" harness\n"
    "    NetExe Off\n"
    "    <Directory \"@DOCROOT@/backend/inline\">\n"
    "        Header set Content-Disposition inline\n"
    "    </Directory>\n"
    "    <Directory \"@DOCROOT@/backend/named\">\n"
    "        Header set Content-Disposition \"attachment; filename=\\\"other.exe\\\"\"\n"
    "    </Directory>\n"
    "    ScriptAlias /cgi/ \"@DOCROOT@/backend-cgi/\"\n"
    "    <Directory \"@DOCROOT@/backend-cgi\">\n"
    "        Options +ExecCGI\n"
    "    </Directory>\n"
    "    <Directory \"@DOCROOT@/backend/gz\">\n"
    "        AddType application/x-msdownload .exe .dll\n"
    "        AddOutputFilterByType DEFLATE application/x-msdownload "
    "application/octet-stream\n"
    "    </Directory>\n"
    "</VirtualHost>\n"
    "<Location \"/px/\">\n"
    "    ProxyPass \"http://127.0.0.1:@PORT1@/\"\n"
    "    NetExe On\n"
    "</Location>\n"
    "<Location \"/pxo/\">\n"
    "    ProxyPass \"http://127.0.0.1:@PORT1@/\"\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</Location>\n"
    "<Location \"/pxoff/\">\n"
    "    ProxyPass \"http://127.0.0.1:@PORT1@/\"\n"
    "</Location>\n"
    "<Location \"/pxgz/\">\n"
    "    ProxyPass \"http://127.0.0.1:@PORT1@/\"\n"
    "    NetExe On\n"
    "    SetOutputFilter DEFLATE\n"
    "</Location>\n";

static void write_image(const char *rel, int clr, size_t total)
{
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.clr = clr;
    s.total_size = total;
    ck_assert_msg(harness_write_pe(srv, rel, &s, NULL) == 0, "writing %s", rel);
}

static void setup(void)
{
    static const char *const mods[] = {
        "proxy", "proxy_http", "headers", "filter", "deflate", "alias", "cgid",
        "http2", NULL
    };
    harness_options o;
    harness_cgi_opts trickle;

    harness_options_init(&o);
    o.modules = mods;
    o.config = proxy_config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    write_image("backend/tool.exe", 1, 0);
    write_image("backend/native.exe", 0, 0);
    write_image("backend/big.exe", 1, PADDED_SIZE);
    write_image("backend/inline/tool.exe", 1, 0);
    write_image("backend/gz/tool.exe", 1, PADDED_SIZE);
    write_image("backend/named/tool.exe", 1, 0);
    write_image("backend/img/clr.exe", 1, 0);

    /* Paused byte by byte past the decision, so that the first bytes
     * cross the proxy one by one. */
    harness_cgi_opts_init(&trickle);
    trickle.writer = HARNESS_CGI_TRICKLE;
    ck_assert_int_eq(harness_write_cgi_image(srv, "backend-cgi/trickle",
                                             "backend/img/clr.exe", &trickle),
                     0);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path (on port, 0: the front end): status 200, Content-Disposition
 * exactly want (NULL: none), and the fixture's bytes and size. */
static void check_get(int port, const char *path, const char *want,
                      const char *fixture)
{
    harness_response r;

    harness_get_port(srv, port, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, fixture, NULL);
    harness_response_free(&r);
}

START_TEST(test_backend_alone_sends_no_disposition)
{
    check_get(harness_extra_port(srv, 0), "/tool.exe", NULL,
              "backend/tool.exe");
}
END_TEST

START_TEST(test_clr_exe_behind_proxy_gets_attachment)
{
    check_get(0, "/px/tool.exe", "attachment; filename=\"tool.exe\"",
              "backend/tool.exe");
    check_get(0, "/px/big.exe", "attachment; filename=\"big.exe\"",
              "backend/big.exe");
}
END_TEST

START_TEST(test_native_exe_behind_proxy_gets_nothing)
{
    check_get(0, "/px/native.exe", NULL, "backend/native.exe");
}
END_TEST

START_TEST(test_proxy_location_without_netexe_is_untouched)
{
    check_get(0, "/pxoff/tool.exe", NULL, "backend/tool.exe");
}
END_TEST

START_TEST(test_backend_disposition_kept_with_override_off)
{
    check_get(0, "/px/inline/tool.exe", "inline",
              "backend/inline/tool.exe");
}
END_TEST

START_TEST(test_backend_disposition_replaced_with_override_on)
{
    check_get(0, "/pxo/inline/tool.exe",
              "attachment; filename=\"tool.exe\"", "backend/inline/tool.exe");
}
END_TEST

/* The backend's 206 goes through untouched: the body does not start at
 * byte 0 of the image, so the front end cannot and must not judge it. */
static void check_range(size_t from, size_t len)
{
    harness_response r;

    harness_get_range(srv, "/px/big.exe", from, len, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 206, NULL, NULL, "skipped");
    HARNESS_ASSERT_RANGE(srv, &r, "backend/big.exe", from, len);
    harness_response_free(&r);
}

START_TEST(test_backend_206_passes_untouched)
{
    check_range(RANGE_FROM, RANGE_LEN);
}
END_TEST

START_TEST(test_backend_206_from_byte_zero_passes_untouched)
{
    check_range(0, RANGE_ZERO_LEN);
}
END_TEST

/* GET path with Accept-Encoding: gzip: 200, Content-Encoding: gzip,
 * Content-Disposition exactly want (NULL: none), the note, and the body
 * libcurl decoded is the fixture, whole. */
static void check_gzip(const char *path, const char *want, const char *fixture,
                       const char *note)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = path;
    q.accept_encoding = "gzip";
    q.decode = 1;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, fixture, note);
    harness_response_free(&r);
}

START_TEST(test_gzip_from_backend_is_decoded_to_decide)
{
    check_gzip("/px/gz/tool.exe", "attachment; filename=\"tool.exe\"",
               "backend/gz/tool.exe", "clr");
}
END_TEST

START_TEST(test_uncompressed_answer_of_a_deflate_backend_gets_attachment)
{
    check_get(0, "/px/gz/tool.exe", "attachment; filename=\"tool.exe\"",
              "backend/gz/tool.exe");
}
END_TEST

START_TEST(test_backend_cgi_trickling_through_the_proxy_gets_attachment)
{
    check_get(0, "/px/cgi/trickle?id=1",
              "attachment; filename=\"trickle.exe\"", "backend/img/clr.exe");
}
END_TEST

START_TEST(test_backend_attachment_replaced_by_exactly_one_with_override_on)
{
    check_get(0, "/pxo/named/tool.exe",
              "attachment; filename=\"tool.exe\"", "backend/named/tool.exe");
    check_get(0, "/px/named/tool.exe",
              "attachment; filename=\"other.exe\"", "backend/named/tool.exe");
}
END_TEST

/* A 304 from the backend (If-None-Match with the ETag the first answer
 * carried) has no body to judge and no header to get. */
START_TEST(test_backend_304_passes_untouched)
{
    harness_response g, r;

    HARNESS_REVALIDATE(srv, "/px/tool.exe", "ETag", &g, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 304, NULL, NULL, "skipped");
    HARNESS_ASSERT(srv, r.body_len == 0, "304 body of %zu bytes", r.body_len);
    harness_response_free(&g);
    harness_response_free(&r);
}
END_TEST

/* The front end compresses what it proxied: the header is set on the
 * image as it came, then DEFLATE compresses it. */
START_TEST(test_front_end_deflate_compresses_after_the_header_is_set)
{
    check_gzip("/pxgz/big.exe", "attachment; filename=\"big.exe\"",
               "backend/big.exe", "clr");
}
END_TEST

/* HEAD is forwarded as HEAD: no body comes back, so there is nothing to
 * judge; the front end must not invent a header, and the backend's
 * Content-Length goes through. */
START_TEST(test_proxied_head_gets_no_header_note_unknown_and_keeps_content_length)
{
    harness_response r;
    char d[65];
    size_t len = 0;

    ck_assert_int_eq(harness_file_sha256(srv, "backend/tool.exe", d, &len), 0);
    harness_head(srv, "/px/tool.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    HARNESS_ASSERT(srv, r.content_length == (long long)len,
                   "Content-Length %lld, expected %zu", r.content_length, len);
    HARNESS_ASSERT(srv, r.body_len == 0, "HEAD body of %zu bytes", r.body_len);
    /* Nothing was judged: unknown, not the not-pe of an empty file. */
    HARNESS_ASSERT_NOTE(srv, &r, "unknown");
    harness_response_free(&r);
}
END_TEST

/* An HTTP/2 client in front (h2c), HTTP/1.1 to the backend. */
START_TEST(test_h2c_client_through_the_proxy_gets_attachment)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/px/cgi/trickle";
    q.http2 = 1;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT(srv, r.http_version == HTTP_VERSION_2, "HTTP version %ld",
                   r.http_version);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, "attachment; filename=\"trickle.exe\"",
                            "backend/img/clr.exe", "clr");
    harness_response_free(&r);
}
END_TEST

static Suite *proxy_suite(void)
{
    Suite *s = suite_create("httpd_proxy");
    TCase *tc = tcase_create("proxy");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_backend_alone_sends_no_disposition);
    tcase_add_test(tc, test_clr_exe_behind_proxy_gets_attachment);
    tcase_add_test(tc, test_native_exe_behind_proxy_gets_nothing);
    tcase_add_test(tc, test_proxy_location_without_netexe_is_untouched);
    tcase_add_test(tc, test_backend_disposition_kept_with_override_off);
    tcase_add_test(tc, test_backend_disposition_replaced_with_override_on);
    tcase_add_test(tc, test_backend_206_passes_untouched);
    tcase_add_test(tc, test_backend_206_from_byte_zero_passes_untouched);
    tcase_add_test(tc, test_gzip_from_backend_is_decoded_to_decide);
    tcase_add_test(tc, test_uncompressed_answer_of_a_deflate_backend_gets_attachment);
    tcase_add_test(tc, test_backend_cgi_trickling_through_the_proxy_gets_attachment);
    tcase_add_test(tc, test_backend_attachment_replaced_by_exactly_one_with_override_on);
    tcase_add_test(tc, test_backend_304_passes_untouched);
    tcase_add_test(tc, test_front_end_deflate_compresses_after_the_header_is_set);
    tcase_add_test(tc, test_proxied_head_gets_no_header_note_unknown_and_keeps_content_length);
    tcase_add_test(tc, test_h2c_client_through_the_proxy_gets_attachment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(proxy_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
