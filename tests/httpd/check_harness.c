/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_harness.c -- the test harness itself (harness.h), with mod_netexe
 * loaded but not enabled anywhere: extra modules (http2, deflate, cgid,
 * proxy, alias, dir, headers), HTTP/2 prior knowledge, raw and decoded
 * gzip bodies, CGI, a reverse proxy to a second port, kept-alive
 * sequences, raw requests, log lookup and apache2 -t.  The suites on CGI,
 * proxy, deflate and HTTP/2 build on these, and on the helpers shared by
 * several suites: CGI scripts sending an image, conditional and range
 * requests, waiting for a child process.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define TEST_TIMEOUT_S      30
#define TEXT_REPEAT         200
#define SEQUENCE_LEN        3
#define IMAGE_REL           "img/clr.exe"
#define CUT_LEN             10u
#define RANGE_FROM          10u
#define RANGE_LEN           20u
#define CHILD_EXIT          3
#define CHILD_SLEEP_S       10          /* far beyond CHILD_WAIT_MS */
#define CHILD_WAIT_MS       200L

static harness_httpd *srv;

static const char harness_config[] =
    "<Directory \"@DOCROOT@/gz\">\n"
    "    SetOutputFilter DEFLATE\n"
    "</Directory>\n"
    "ScriptAlias \"/cgi-bin/\" \"@DOCROOT@/cgi/\"\n"
    "<Directory \"@DOCROOT@/cgi\">\n"
    "    Options +ExecCGI\n"
    "</Directory>\n"
    "ProxyPass \"/proxied/\" \"http://127.0.0.1:@PORT1@/\"\n"
    "<Directory \"@DOCROOT@/hdr\">\n"
    "    Header set X-Harness-Test yes\n"
    "    DirectoryIndex index.html\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName backend.test\n"
    "    DocumentRoot \"@DOCROOT@/backend\"\n"
    "</VirtualHost>\n";

static const char cgi_hello[] =
    "#!/bin/sh\n"
    "echo 'harness-stderr-marker' >&2\n"
    "printf 'Content-Type: text/plain\\r\\n\\r\\nhello from cgi\\n'\n";

static void setup(void)
{
    static const char *const mods[] = {
        "http2", "deflate", "filter", "cgid", "alias", "proxy", "proxy_http",
        "headers", "dir", NULL
    };
    static const char line[] = "The quick brown fox jumps over the lazy dog.\n";
    harness_options o;
    harness_cgi_opts cgi;
    char *text;
    size_t i, n = sizeof line - 1;

    harness_options_init(&o);
    o.modules = mods;
    o.config = harness_config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    text = malloc(n * TEXT_REPEAT + 1);
    ck_assert_ptr_nonnull(text);
    for (i = 0; i < TEXT_REPEAT; i++)
        memcpy(text + i * n, line, n);
    text[n * TEXT_REPEAT] = '\0';
    ck_assert_int_eq(harness_write_text(srv, "plain.txt", text), 0);
    ck_assert_int_eq(harness_write_text(srv, "gz/text.txt", text), 0);
    ck_assert_int_eq(harness_write_text(srv, "backend/file.txt", text), 0);
    free(text);
    ck_assert_int_eq(harness_write_text(srv, "hdr/index.html", "<p>index</p>\n"), 0);
    ck_assert_int_eq(harness_write_file_mode(srv, "cgi/hello.sh", cgi_hello,
                                             sizeof cgi_hello - 1, 0755), 0);

    ck_assert_int_eq(harness_write_pe(srv, IMAGE_REL, NULL, NULL), 0);
    harness_cgi_opts_init(&cgi);
    cgi.writer = HARNESS_CGI_TRICKLE;
    cgi.headers = "X-Harness-Script: trickle\r\n";
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/trickle", IMAGE_REL,
                                             &cgi), 0);
    harness_cgi_opts_init(&cgi);
    cgi.writer = HARNESS_CGI_PREFIX;
    cgi.prefix_len = CUT_LEN;
    cgi.headers = "Status: 404 Not Found\r\n";
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/cut", IMAGE_REL, &cgi),
                     0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

START_TEST(test_plain_get_returns_the_file_and_its_length)
{
    harness_response r;

    harness_get(srv, "/plain.txt", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT(srv, r.http_version == 11, "HTTP version %ld", r.http_version);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "plain.txt");
    HARNESS_ASSERT(srv, r.content_length == (long long)r.body_len,
                   "Content-Length %lld", r.content_length);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_http2_prior_knowledge_speaks_h2c)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/plain.txt";
    q.http2 = 1;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT(srv, r.http_version == 20, "HTTP version %ld, expected 20",
                   r.http_version);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "plain.txt");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_gzip_body_raw_and_decoded)
{
    harness_request q;
    harness_response raw, dec;

    memset(&q, 0, sizeof q);
    q.path = "/gz/text.txt";
    q.accept_encoding = "gzip";
    harness_send(srv, &q, &raw);
    HARNESS_ASSERT_STATUS(srv, &raw, 200);
    HARNESS_ASSERT_HEADER(srv, &raw, "Content-Encoding", "gzip");
    HARNESS_ASSERT(srv, raw.body_len > 2 && raw.body[0] == 0x1f && raw.body[1] == 0x8b,
                   "raw body is not gzip (%zu bytes)", raw.body_len);
    q.decode = 1;
    harness_send(srv, &q, &dec);
    HARNESS_ASSERT_STATUS(srv, &dec, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &dec, "gz/text.txt");
    harness_response_free(&raw);
    harness_response_free(&dec);
}
END_TEST

START_TEST(test_cgi_runs_and_its_stderr_reaches_the_error_log)
{
    harness_response r;

    harness_get(srv, "/cgi-bin/hello.sh", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY(srv, &r, "hello from cgi\n", strlen("hello from cgi\n"));
    HARNESS_ASSERT(srv, harness_error_log_wait(srv, "harness-stderr-marker",
                                               HARNESS_LOG_WAIT_MS),
                   "CGI stderr not in the error log");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_reverse_proxy_to_the_extra_port)
{
    harness_response r;

    harness_get(srv, "/proxied/file.txt", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "backend/file.txt");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_get_on_the_extra_port_reaches_its_virtual_host)
{
    harness_response r;

    harness_get_port(srv, harness_extra_port(srv, 0), "/file.txt", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "backend/file.txt");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_extra_module_headers_and_dir_apply)
{
    harness_response r;

    harness_get(srv, "/hdr/", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "X-Harness-Test", "yes");
    HARNESS_ASSERT_BODY_FILE(srv, &r, "hdr/index.html");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_sequence_reuses_one_connection)
{
    harness_request q[SEQUENCE_LEN];
    harness_response r[SEQUENCE_LEN];
    size_t i;

    memset(q, 0, sizeof q);
    for (i = 0; i < SEQUENCE_LEN; i++)
        q[i].path = "/plain.txt";
    q[1].method = "HEAD";
    HARNESS_ASSERT(srv, harness_send_sequence(srv, q, r, SEQUENCE_LEN) == 0,
                   "a request of the sequence failed");
    HARNESS_ASSERT(srv, r[0].new_connections == 1, "first: %ld connections",
                   r[0].new_connections);
    for (i = 0; i < SEQUENCE_LEN; i++) {
        HARNESS_ASSERT_STATUS(srv, &r[i], 200);
        if (i > 0)
            HARNESS_ASSERT(srv, r[i].new_connections == 0,
                           "request %zu opened a new connection", i);
    }
    HARNESS_ASSERT(srv, r[1].body_len == 0, "HEAD got %zu bytes", r[1].body_len);
    HARNESS_ASSERT_BODY_FILE(srv, &r[2], "plain.txt");
    for (i = 0; i < SEQUENCE_LEN; i++)
        harness_response_free(&r[i]);
}
END_TEST

START_TEST(test_raw_http10_request_and_its_log_line)
{
    static const char req[] = "GET /plain.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    harness_log_entry e;
    unsigned char *out;
    size_t len;

    out = harness_raw_exchange(srv, 0, req, sizeof req - 1, 0, &len);
    HARNESS_ASSERT(srv, out != NULL, "raw exchange failed");
    HARNESS_ASSERT(srv, len > 12 && memcmp(out, "HTTP/1.1 200 ", 13) == 0,
                   "raw answer starts [%.40s]", (const char *)out);
    HARNESS_ASSERT(srv, strstr((const char *)out, "\r\n\r\nThe quick brown fox") != NULL,
                   "raw answer has no body");
    HARNESS_ASSERT(srv, harness_log_find_request(srv, "GET /plain.txt HTTP/1.0", &e) == 0,
                   "no access log line for the raw request");
    HARNESS_ASSERT(srv, e.status == 200 && strcmp(e.note, "-") == 0,
                   "logged status %d note %s", e.status, e.note);
    harness_log_entry_free(&e);
    free(out);
}
END_TEST

START_TEST(test_log_line_is_found_by_request_id)
{
    harness_response r;
    harness_log_entry e;

    harness_head(srv, "/plain.txt?id-test", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT(srv, harness_log_find(srv, &r, &e) == 0, "no log line for %s", r.id);
    HARNESS_ASSERT(srv, strcmp(e.request_line, "HEAD /plain.txt?id-test HTTP/1.1") == 0,
                   "request line [%s]", e.request_line);
    HARNESS_ASSERT(srv, strcmp(e.id, r.id) == 0, "id [%s]", e.id);
    harness_log_entry_free(&e);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_cgi_image_script_sends_the_image_after_its_headers)
{
    harness_response r;
    size_t len = 0;
    unsigned char *img = harness_read_fixture(srv, IMAGE_REL, &len);

    ck_assert_ptr_nonnull(img);
    ck_assert_uint_gt(len, CUT_LEN);
    harness_get(srv, "/cgi-bin/trickle", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Type", "application/x-msdownload");
    HARNESS_ASSERT_HEADER(srv, &r, "X-Harness-Script", "trickle");
    HARNESS_ASSERT_BODY_FILE(srv, &r, IMAGE_REL);
    harness_response_free(&r);

    harness_get(srv, "/cgi-bin/cut", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 404);
    HARNESS_ASSERT_BODY(srv, &r, img, CUT_LEN);
    harness_response_free(&r);
    free(img);
}
END_TEST

START_TEST(test_revalidation_on_either_validator_is_304)
{
    static const char *const validators[] = { "ETag", "Last-Modified" };
    harness_response g, r;
    size_t i;

    for (i = 0; i < sizeof validators / sizeof validators[0]; i++) {
        HARNESS_REVALIDATE(srv, "/plain.txt", validators[i], &g, &r);
        HARNESS_ASSERT_STATUS(srv, &r, 304);
        harness_response_free(&g);
        harness_response_free(&r);
    }
    HARNESS_ASSERT(srv, harness_revalidate(srv, "/plain.txt", "X-Unknown", &g,
                                           &r) == -1 && !r.ok,
                   "a revalidation on an unknown validator was sent");
    harness_response_free(&g);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_range_request_gets_the_bytes_asked_for)
{
    harness_response r;

    harness_get_range(srv, "/plain.txt", RANGE_FROM, RANGE_LEN, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_RANGE(srv, &r, "plain.txt", RANGE_FROM, RANGE_LEN);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_wait_child_gives_the_status_or_kills_past_the_time)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(CHILD_EXIT);
    ck_assert_int_eq(harness_wait_child(pid, "exiting child", CHILD_WAIT_MS * 10),
                     CHILD_EXIT);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sleep(CHILD_SLEEP_S);
        _exit(0);
    }
    ck_assert_int_eq(harness_wait_child(pid, "sleeping child", CHILD_WAIT_MS),
                     -1);
    /* Killed and reaped: no such process any more. */
    ck_assert_int_ne(kill(pid, 0), 0);
}
END_TEST

START_TEST(test_configtest_reports_an_unknown_directive)
{
    harness_options o;
    char *out = NULL;
    int rc;

    harness_options_init(&o);
    o.config = "NoSuchDirective here\n";
    rc = harness_config_test(&o, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc == 1, "apache2 -t exited %d:\n%s", rc, out);
    ck_assert_msg(strstr(out, "NoSuchDirective") != NULL, "%s", out);
    free(out);
}
END_TEST

static Suite *harness_suite(void)
{
    Suite *s = suite_create("httpd_harness");
    TCase *tc = tcase_create("harness");
    TCase *t2 = tcase_create("configtest");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_plain_get_returns_the_file_and_its_length);
    tcase_add_test(tc, test_http2_prior_knowledge_speaks_h2c);
    tcase_add_test(tc, test_gzip_body_raw_and_decoded);
    tcase_add_test(tc, test_cgi_runs_and_its_stderr_reaches_the_error_log);
    tcase_add_test(tc, test_reverse_proxy_to_the_extra_port);
    tcase_add_test(tc, test_get_on_the_extra_port_reaches_its_virtual_host);
    tcase_add_test(tc, test_extra_module_headers_and_dir_apply);
    tcase_add_test(tc, test_sequence_reuses_one_connection);
    tcase_add_test(tc, test_raw_http10_request_and_its_log_line);
    tcase_add_test(tc, test_log_line_is_found_by_request_id);
    tcase_add_test(tc, test_cgi_image_script_sends_the_image_after_its_headers);
    tcase_add_test(tc, test_revalidation_on_either_validator_is_304);
    tcase_add_test(tc, test_range_request_gets_the_bytes_asked_for);
    tcase_add_test(tc, test_wait_child_gives_the_status_or_kills_past_the_time);
    suite_add_tcase(s, tc);
    tcase_set_timeout(t2, TEST_TIMEOUT_S);
    tcase_add_test(t2, test_configtest_reports_an_unknown_directive);
    suite_add_tcase(s, t2);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(harness_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
