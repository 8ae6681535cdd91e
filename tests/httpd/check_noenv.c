/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_noenv.c -- the README's no-netexe examples hold against a client
 * that does not normalise dot segments (libcurl with CURLOPT_PATH_AS_IS,
 * as the harness sends every path): "GET /raw/../x.exe" is /x.exe, outside
 * /raw/, and must get the header, while /raw/x.exe is left alone.
 *
 * The documented examples, each in a virtual host of its own (NetExe On
 * everywhere):
 *   @PORT1@  <Location "/raw/"> SetEnv no-netexe 1 </Location>
 *   @PORT2@  <Directory "@DOCROOT@/raw"> SetEnvIf Request_URI "." no-netexe
 *            </Directory>
 * Both match the path httpd serves, after it resolved the dot segments.
 *
 * The trap the README warns against, on @PORT3@: SetEnvIf Request_URI
 * "^/raw/" no-netexe at server level runs before httpd resolves the dot
 * segments, on the path as sent: /raw/../x.exe is tripped (no header for
 * a file outside /raw/) and /elsewhere/../raw/x.exe is not.  The tests
 * assert that, so the warning stays true.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define WANT_X              "attachment; filename=\"x.exe\""

static harness_httpd *srv;

static const char noenv_config[] =
    "NetExe On\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    <Location \"/raw/\">\n"
    "        SetEnv no-netexe 1\n"
    "    </Location>\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    <Directory \"@DOCROOT@/raw\">\n"
    "        SetEnvIf Request_URI \".\" no-netexe\n"
    "    </Directory>\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT3@>\n"
    "    SetEnvIf Request_URI ^/raw/ no-netexe\n"
    "</VirtualHost>\n";

enum { EXAMPLE_LOCATION = 0, EXAMPLE_DIRECTORY = 1, NEXAMPLES = 2 };
#define TRAP_PORT_INDEX     2u

static void setup(void)
{
    static const char *const mods[] = { "env", "setenvif", NULL };
    harness_options o;

    harness_options_init(&o);
    o.modules = mods;
    o.config = noenv_config;
    o.extra_ports = 3;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_write_pe(srv, "x.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "raw/x.exe", NULL, NULL), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path as is on extra port i: 200, Content-Disposition want (NULL:
 * none), the body the fixture rel, the note. */
static void check_at(unsigned i, const char *path, const char *want,
                     const char *rel, const char *note)
{
    HARNESS_ASSERT_GET(srv, harness_extra_port(srv, i), path, 200, want, rel,
                       note);
}

START_TEST(test_documented_example_skips_the_raw_directory)
{
    check_at((unsigned)_i, "/raw/x.exe", NULL, "raw/x.exe", "skipped");
    check_at((unsigned)_i, "/raw/./x.exe", NULL, "raw/x.exe", "skipped");
    check_at((unsigned)_i, "/raw//x.exe", NULL, "raw/x.exe", "skipped");
    check_at((unsigned)_i, "/elsewhere/../raw/x.exe", NULL, "raw/x.exe",
             "skipped");
}
END_TEST

START_TEST(test_documented_example_is_not_tripped_by_dot_segments)
{
    check_at((unsigned)_i, "/raw/../x.exe", WANT_X, "x.exe", "clr");
    check_at((unsigned)_i, "/raw/%2e%2e/x.exe", WANT_X, "x.exe", "clr");
    check_at((unsigned)_i, "/x.exe", WANT_X, "x.exe", "clr");
}
END_TEST

/* The same requests on the main port, where nothing is excluded. */
START_TEST(test_without_exclusion_every_path_gets_the_header)
{
    HARNESS_ASSERT_GET(srv, 0, "/raw/x.exe", 200, WANT_X, "raw/x.exe", "clr");
    HARNESS_ASSERT_GET(srv, 0, "/raw/../x.exe", 200, WANT_X, "x.exe", "clr");
}
END_TEST

START_TEST(test_server_level_setenvif_on_request_uri_is_tripped_by_dot_segments)
{
    check_at(TRAP_PORT_INDEX, "/raw/x.exe", NULL, "raw/x.exe", "skipped");
    /* /x.exe, outside /raw/, loses its header. */
    check_at(TRAP_PORT_INDEX, "/raw/../x.exe", NULL, "x.exe", "skipped");
    /* /raw/x.exe reached another way keeps it. */
    check_at(TRAP_PORT_INDEX, "/elsewhere/../raw/x.exe", WANT_X, "raw/x.exe",
             "clr");
}
END_TEST

static Suite *noenv_suite(void)
{
    Suite *s = suite_create("httpd_noenv");
    TCase *tc = tcase_create("noenv");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_documented_example_skips_the_raw_directory,
                        0, NEXAMPLES);
    tcase_add_loop_test(tc, test_documented_example_is_not_tripped_by_dot_segments,
                        0, NEXAMPLES);
    tcase_add_test(tc, test_without_exclusion_every_path_gets_the_header);
    tcase_add_test(tc, test_server_level_setenvif_on_request_uri_is_tripped_by_dot_segments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(noenv_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
