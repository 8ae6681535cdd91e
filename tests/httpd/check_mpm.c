/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_mpm.c -- a smoke subset under each MPM: worker and prefork (the
 * other suites run under event), plus event for the parallel case.  The
 * module keeps no state between requests, so every MPM must give the same
 * answers, also when requests run at the same time.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      60
#define BIG_SIZE            (256u * 1024u)
#define PARALLEL            24

static harness_httpd *srv;

static const char mpm_config[] =
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n";

static void start(harness_mpm mpm)
{
    harness_options o;
    pebuild_spec native, big;

    harness_options_init(&o);
    o.mpm = mpm;
    o.config = mpm_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    pebuild_spec_init(&native);
    native.clr = 0;
    pebuild_spec_init(&big);
    big.pe32plus = 1;
    big.machine = PEBUILD_MACHINE_AMD64;
    big.total_size = BIG_SIZE;
    ck_assert_int_eq(harness_write_pe(srv, "dl/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/native.exe", &native, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/big.dll", &big, NULL), 0);
    ck_assert_int_eq(harness_write_text(srv, "dl/page.html",
                                        "<html><body>page</body></html>\n"), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void setup_event(void)   { start(HARNESS_MPM_EVENT); }
static void setup_worker(void)  { start(HARNESS_MPM_WORKER); }
static void setup_prefork(void) { start(HARNESS_MPM_PREFORK); }

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

static const struct {
    const char *path;
    const char *want;       /* NULL: no Content-Disposition */
    const char *note;
} files[] = {
    { "/dl/tool.exe",   "attachment; filename=\"tool.exe\"", "clr" },
    { "/dl/native.exe", NULL,                                "native" },
    { "/dl/big.dll",    "attachment; filename=\"big.dll\"",  "clr" },
    { "/dl/page.html",  NULL,                                "not-pe" },
};
#define NFILES (sizeof files / sizeof files[0])

/* 200, the header, the file's bytes and the note of files[k]. */
static void check_response(const harness_response *r, size_t k)
{
    HARNESS_ASSERT_DOWNLOAD(srv, r, 200, files[k].want, files[k].path,
                            files[k].note);
}

START_TEST(test_each_file_gets_the_right_header_and_body)
{
    harness_response r;

    harness_get(srv, files[_i].path, &r);
    check_response(&r, (size_t)_i);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_parallel_requests_each_get_their_own_answer)
{
    harness_request reqs[PARALLEL];
    harness_response resps[PARALLEL];
    size_t i, failed;

    memset(reqs, 0, sizeof reqs);
    for (i = 0; i < PARALLEL; i++)
        reqs[i].path = files[i % NFILES].path;
    failed = harness_request_parallel(srv, reqs, resps, PARALLEL);
    HARNESS_ASSERT(srv, failed == 0, "%zu of %d requests got no response",
                   failed, PARALLEL);
    for (i = 0; i < PARALLEL; i++)
        check_response(&resps[i], i % NFILES);
    for (i = 0; i < PARALLEL; i++)
        harness_response_free(&resps[i]);
}
END_TEST

static TCase *mpm_tcase(const char *name, SFun setup)
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_each_file_gets_the_right_header_and_body, 0,
                        (int)NFILES);
    tcase_add_test(tc, test_parallel_requests_each_get_their_own_answer);
    return tc;
}

static Suite *mpm_suite(void)
{
    Suite *s = suite_create("httpd_mpm");

    suite_add_tcase(s, mpm_tcase("worker", setup_worker));
    suite_add_tcase(s, mpm_tcase("prefork", setup_prefork));
    suite_add_tcase(s, mpm_tcase("event", setup_event));
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mpm_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
