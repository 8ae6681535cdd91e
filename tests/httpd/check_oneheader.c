/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_oneheader.c -- exactly one Content-Disposition leaves (DESIGN.md
 * section 5), whoever else sets one: mod_headers' "Header set", "Header
 * always set" (err_headers_out, after the filter), "Header add", "Header
 * early set" (before the handler), and a CGI script's own header.
 * Chromium refuses a response with two differing Content-Disposition
 * headers, so two are as bad as none.
 *
 * NetExeOverride Off: the other value ("inline") wins, once (the filter,
 * after mod_headers' output fixups, sees it and steps aside).
 * NetExeOverride On: the module's attachment wins, once.
 * A native image under "Header always set" keeps that one header.
 *
 * The headers are counted as the lines libcurl's header callback
 * delivered from the wire (harness_header_count), over HTTP/1.1 and, for
 * "always set", HTTP/2 as well.  An early header is allowed only in the
 * server or a virtual host, so it has a virtual host of its own for each
 * NetExeOverride value.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define OTHER_VALUE         "inline"
#define HTTP_VERSION_2      20L

static harness_httpd *srv;

static const char oneheader_config[] =
    "<Directory \"@DOCROOT@/set\">\n"
    "    NetExe On\n"
    "    Header set Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/always\">\n"
    "    NetExe On\n"
    "    Header always set Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/add\">\n"
    "    NetExe On\n"
    "    Header add Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/always-add\">\n"
    "    NetExe On\n"
    "    Header always add Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/set-o\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "    Header set Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/always-o\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "    Header always set Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/add-o\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "    Header add Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/always-add-o\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "    Header always add Content-Disposition \"" OTHER_VALUE "\"\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN
    "ScriptAlias /cgi-ovr/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-ovr/\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</Location>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    Header set Content-Disposition \"" OTHER_VALUE "\" early\n"
    "    <Directory \"@DOCROOT@/early\">\n"
    "        NetExe On\n"
    "    </Directory>\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    Header set Content-Disposition \"" OTHER_VALUE "\" early\n"
    "    <Directory \"@DOCROOT@/early\">\n"
    "        NetExe On\n"
    "        NetExeOverride On\n"
    "    </Directory>\n"
    "</VirtualHost>\n";

static void setup(void)
{
    static const char *const mods[] = {
        "alias", "cgid", "headers", "http2", NULL
    };
    static const char *const dirs[] = {
        "set", "always", "add", "always-add", "set-o", "always-o", "add-o",
        "always-add-o", "early", NULL
    };
    const char *const *d;
    harness_options o;
    harness_cgi_opts c;
    pebuild_spec native;
    char rel[64];

    harness_options_init(&o);
    o.modules = mods;
    o.config = oneheader_config;
    o.extra_ports = 2;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&native);
    native.clr = 0;
    for (d = dirs; *d != NULL; d++) {
        snprintf(rel, sizeof rel, "%s/tool.exe", *d);
        ck_assert_int_eq(harness_write_pe(srv, rel, NULL, NULL), 0);
        snprintf(rel, sizeof rel, "%s/native.exe", *d);
        ck_assert_int_eq(harness_write_pe(srv, rel, &native, NULL), 0);
    }
    harness_cgi_opts_init(&c);
    c.headers = "Content-Disposition: " OTHER_VALUE "\r\n";
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/tool", "set/tool.exe",
                                             &c), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path on port (0: main), over HTTP/2 when h2: 200, exactly one
 * Content-Disposition equal to want, the body the fixture rel, the note. */
static void check_one(int port, int h2, const char *path, const char *want,
                      const char *rel, const char *note)
{
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = path;
    q.port = port;
    q.http2 = h2;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, rel, note);
    if (h2)
        HARNESS_ASSERT(srv, r.http_version == HTTP_VERSION_2,
                       "HTTP version %ld, expected 2", r.http_version);
    harness_response_free(&r);
}

typedef struct {
    const char *dir;            /* Off; dir-o is the same with Override On */
    const char *note_off;       /* the note with NetExeOverride Off */
} header_case;

/* Off: the filter runs after mod_headers' output fixups, so a header set
 * there (set, always, add), like an early one or the script's, is present
 * at its first call and makes it step aside. */
static const header_case cases[] = {
    { "set",        "skipped" },
    { "always",     "skipped" },
    { "add",        "skipped" },
    { "always-add", "skipped" },
};

enum { NCASES = sizeof cases / sizeof cases[0] };

START_TEST(test_mod_headers_value_wins_once_with_override_off)
{
    char path[64], rel[64];

    snprintf(path, sizeof path, "/%s/tool.exe", cases[_i].dir);
    snprintf(rel, sizeof rel, "%s/tool.exe", cases[_i].dir);
    check_one(0, 0, path, OTHER_VALUE, rel, cases[_i].note_off);
}
END_TEST

START_TEST(test_module_value_wins_once_with_override_on)
{
    char path[64], rel[64];

    snprintf(path, sizeof path, "/%s-o/tool.exe", cases[_i].dir);
    snprintf(rel, sizeof rel, "%s-o/tool.exe", cases[_i].dir);
    check_one(0, 0, path, "attachment; filename=\"tool.exe\"", rel, "clr");
}
END_TEST

START_TEST(test_always_set_gives_one_header_over_http2)
{
    check_one(0, 1, "/always/tool.exe", OTHER_VALUE, "always/tool.exe",
              "skipped");
    check_one(0, 1, "/always-o/tool.exe", "attachment; filename=\"tool.exe\"",
              "always-o/tool.exe", "clr");
}
END_TEST

START_TEST(test_header_early_set_wins_once_with_override_off)
{
    check_one(harness_extra_port(srv, 0), 0, "/early/tool.exe", OTHER_VALUE,
              "early/tool.exe", "skipped");
}
END_TEST

START_TEST(test_header_early_set_is_replaced_once_with_override_on)
{
    check_one(harness_extra_port(srv, 1), 0, "/early/tool.exe",
              "attachment; filename=\"tool.exe\"", "early/tool.exe", "clr");
}
END_TEST

START_TEST(test_script_disposition_wins_once_with_override_off)
{
    check_one(0, 0, "/cgi-bin/tool", OTHER_VALUE, "set/tool.exe", "skipped");
}
END_TEST

START_TEST(test_script_disposition_is_replaced_once_with_override_on)
{
    check_one(0, 0, "/cgi-ovr/tool", "attachment; filename=\"tool.exe\"",
              "set/tool.exe", "clr");
}
END_TEST

/* A native image gets no header of the module's: the other one stays,
 * once, whatever NetExeOverride says. */
START_TEST(test_native_image_keeps_the_other_header_once)
{
    char path[64], rel[64];

    snprintf(path, sizeof path, "/%s/native.exe", cases[_i].dir);
    snprintf(rel, sizeof rel, "%s/native.exe", cases[_i].dir);
    check_one(0, 0, path, OTHER_VALUE, rel, cases[_i].note_off);
    snprintf(path, sizeof path, "/%s-o/native.exe", cases[_i].dir);
    snprintf(rel, sizeof rel, "%s-o/native.exe", cases[_i].dir);
    check_one(0, 0, path, OTHER_VALUE, rel, "native");
}
END_TEST

static Suite *oneheader_suite(void)
{
    Suite *s = suite_create("httpd_oneheader");
    TCase *tc = tcase_create("oneheader");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_mod_headers_value_wins_once_with_override_off,
                        0, NCASES);
    tcase_add_loop_test(tc, test_module_value_wins_once_with_override_on,
                        0, NCASES);
    tcase_add_test(tc, test_always_set_gives_one_header_over_http2);
    tcase_add_test(tc, test_header_early_set_wins_once_with_override_off);
    tcase_add_test(tc, test_header_early_set_is_replaced_once_with_override_on);
    tcase_add_test(tc, test_script_disposition_wins_once_with_override_off);
    tcase_add_test(tc, test_script_disposition_is_replaced_once_with_override_on);
    tcase_add_loop_test(tc, test_native_image_keeps_the_other_header_once,
                        0, NCASES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(oneheader_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
