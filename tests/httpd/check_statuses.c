/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_statuses.c -- which statuses are examined (DESIGN.md section 5):
 * a browser saves or runs the body of every 2xx but 204 (no body) and 206
 * (not the resource from byte 0), so 200, 201, 202, 203 and 299 sent by a
 * CGI script with a CLR image get the header; Content-Range matters only
 * on a 206 (a 200 carrying one is examined, with NetExeOverride Off and
 * On).  204, 206 (from a script, even one covering the whole image, and
 * from a proxied backend answering a Range), 302, 304, 404 and 500 are
 * skipped.
 *
 * Every answer: the status, exactly one Content-Disposition or none, the
 * body byte for byte (empty where httpd sends none), the note.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define IMAGE_REL           "img/clr.exe"
#define PADDED_SIZE         10000u
#define RANGE_FROM          100u
#define RANGE_LEN           1000u
#define HEADERS_MAX         256

static harness_httpd *srv;

static const char statuses_config[] =
    HARNESS_CONFIG_CGI_BIN
    "ScriptAlias /cgi-ovr/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-ovr/\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</Location>\n"
    "<Location \"/px/\">\n"
    "    ProxyPass \"http://127.0.0.1:@PORT1@/\"\n"
    "    NetExe On\n"
    "</Location>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName backend.test\n"
    "    DocumentRoot \"@DOCROOT@/backend\"\n"
    "    CustomLog \"@ROOT@/logs/backend.log\" harness\n"
    "    NetExe Off\n"
    "</VirtualHost>\n";

/* Which Content-Range a script sends: none, one for the first 100 bytes,
 * one covering the whole image. */
typedef enum { RANGE_NONE = 0, RANGE_FIRST_100, RANGE_WHOLE } range_kind;

/* A script: its Status and other header lines, its Content-Range, the
 * status the client gets, whether the filter examines it, and whether
 * httpd sends the body. */
typedef struct {
    const char *name;
    const char *headers;
    range_kind range;
    long status;
    int examined;
    int has_body;
} status_case;

static const status_case cases[] = {
    { "s200", "Status: 200 OK\r\n", RANGE_NONE, 200, 1, 1 },
    { "s201", "Status: 201 Created\r\n", RANGE_NONE, 201, 1, 1 },
    { "s202", "Status: 202 Accepted\r\n", RANGE_NONE, 202, 1, 1 },
    { "s203", "Status: 203 Non-Authoritative Information\r\n", RANGE_NONE,
      203, 1, 1 },
    { "s299", "Status: 299 Unassigned\r\n", RANGE_NONE, 299, 1, 1 },
    { "cr200", "", RANGE_FIRST_100, 200, 1, 1 },
    { "s204", "Status: 204 No Content\r\n", RANGE_NONE, 204, 0, 0 },
    { "s206", "Status: 206 Partial Content\r\n", RANGE_WHOLE, 206, 0, 1 },
    { "s302", "Status: 302 Found\r\nLocation: http://127.0.0.1/elsewhere\r\n",
      RANGE_NONE, 302, 0, 1 },
    { "s304", "Status: 304 Not Modified\r\n", RANGE_NONE, 304, 0, 0 },
    { "s404", "Status: 404 Not Found\r\n", RANGE_NONE, 404, 0, 1 },
    { "s500", "Status: 500 Internal Server Error\r\n", RANGE_NONE, 500, 0, 1 },
};

enum { NCASES = sizeof cases / sizeof cases[0] };

static void setup(void)
{
    static const char *const mods[] = {
        "alias", "cgid", "proxy", "proxy_http", NULL
    };
    harness_options o;
    pebuild_spec s;
    size_t i, len = 0;

    harness_options_init(&o);
    o.modules = mods;
    o.config = statuses_config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&s);
    s.total_size = PADDED_SIZE;
    ck_assert_int_eq(harness_write_pe(srv, IMAGE_REL, &s, &len), 0);
    ck_assert_int_eq(harness_write_pe(srv, "backend/tool.exe", &s, NULL), 0);
    for (i = 0; i < NCASES; i++) {
        harness_cgi_opts c;
        char hdrs[HEADERS_MAX], rel[64];
        int n;

        harness_cgi_opts_init(&c);
        if (cases[i].range == RANGE_FIRST_100)
            n = snprintf(hdrs, sizeof hdrs, "%sContent-Range: bytes 0-99/%zu\r\n",
                         cases[i].headers, len);
        else if (cases[i].range == RANGE_WHOLE)
            n = snprintf(hdrs, sizeof hdrs, "%sContent-Range: bytes 0-%zu/%zu\r\n",
                         cases[i].headers, len - 1, len);
        else
            n = snprintf(hdrs, sizeof hdrs, "%s", cases[i].headers);
        ck_assert(n > 0 && (size_t)n < sizeof hdrs);
        c.headers = hdrs;
        snprintf(rel, sizeof rel, "cgi/%s", cases[i].name);
        ck_assert_int_eq(harness_write_cgi_image(srv, rel, IMAGE_REL, &c), 0);
    }
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

static void check_case(const char *prefix, const status_case *c)
{
    harness_response r;
    char path[64], want[128];

    snprintf(path, sizeof path, "/%s/%s", prefix, c->name);
    snprintf(want, sizeof want, "attachment; filename=\"%s.exe\"", c->name);
    harness_get(srv, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, c->status, c->examined ? want : NULL,
                            c->has_body ? IMAGE_REL : NULL,
                            c->examined ? "clr" : "skipped");
    if (!c->has_body)
        HARNESS_ASSERT(srv, r.body_len == 0, "%s: body of %zu bytes", path,
                       r.body_len);
    harness_response_free(&r);
}

START_TEST(test_cgi_status_examined_unless_204_or_206_or_not_2xx)
{
    check_case("cgi-bin", &cases[_i]);
}
END_TEST

/* NetExeOverride On changes nothing about which statuses count. */
START_TEST(test_cgi_status_rule_is_the_same_with_override_on)
{
    check_case("cgi-ovr", &cases[_i]);
}
END_TEST

/* A backend's 206 (a Range forwarded to it) goes through untouched. */
START_TEST(test_backend_206_is_skipped)
{
    harness_response r;

    harness_get_range(srv, "/px/tool.exe", RANGE_FROM, RANGE_LEN, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 206, NULL, NULL, "skipped");
    HARNESS_ASSERT_RANGE(srv, &r, "backend/tool.exe", RANGE_FROM, RANGE_LEN);
    harness_response_free(&r);
    harness_get_range(srv, "/px/tool.exe", 0, RANGE_LEN, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 206, NULL, NULL, "skipped");
    HARNESS_ASSERT_RANGE(srv, &r, "backend/tool.exe", 0, RANGE_LEN);
    harness_response_free(&r);
}
END_TEST

/* The same backend's whole answer is a 200 and gets the header. */
START_TEST(test_backend_200_gets_attachment)
{
    HARNESS_ASSERT_GET(srv, 0, "/px/tool.exe", 200,
                       "attachment; filename=\"tool.exe\"", "backend/tool.exe",
                       "clr");
}
END_TEST

static Suite *statuses_suite(void)
{
    Suite *s = suite_create("httpd_statuses");
    TCase *tc = tcase_create("statuses");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_cgi_status_examined_unless_204_or_206_or_not_2xx,
                        0, NCASES);
    tcase_add_loop_test(tc, test_cgi_status_rule_is_the_same_with_override_on,
                        0, NCASES);
    tcase_add_test(tc, test_backend_206_is_skipped);
    tcase_add_test(tc, test_backend_200_gets_attachment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(statuses_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
