/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_lognote.c -- the request note "netexe" as an administrator sees it
 * in the access log through %{netexe}n (DESIGN.md section 5): clr, native,
 * not-pe, unknown and skipped, and "-" where the filter never ran.  The
 * log lines are found by request line and by the harness's request id.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define FAR_LFANEW          0x400u      /* decision needs > 512 bytes */
#define TRUNCATED_LEN       100u        /* "MZ" and e_lfanew, no PE header */

static harness_httpd *srv;

static const char lognote_config[] =
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/small\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    /* Streamed through mod_include, so that the limit applies. */
    "    Options +Includes\n"
    "    SetOutputFilter INCLUDES\n"
    "</Directory>\n"
    "SetEnvIf Request_URI \"^/dl/nosniff/\" no-netexe\n";

static void setup(void)
{
    static const char *const mods[] = { "setenvif", "include", NULL };
    harness_options o;
    pebuild_spec native, far, dll;
    unsigned char *img;
    size_t len;

    harness_options_init(&o);
    o.modules = mods;
    o.config = lognote_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&native);
    native.clr = 0;
    pebuild_spec_init(&far);
    far.e_lfanew = FAR_LFANEW;
    pebuild_spec_init(&dll);
    dll.pe32plus = 1;
    dll.dll = 1;
    ck_assert_int_eq(harness_write_pe(srv, "dl/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/lib64.dll", &dll, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/native.exe", &native, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/nosniff/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "small/far.exe", &far, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "off/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_text(srv, "dl/page.html",
                                        "<html><body>hi</body></html>\n"), 0);
    ck_assert_int_eq(harness_write_file(srv, "dl/empty.exe", "", 0), 0);
    img = pebuild(&native, &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_uint_gt(len, TRUNCATED_LEN);
    ck_assert_int_eq(harness_write_file(srv, "dl/truncated.exe", img,
                                        TRUNCATED_LEN), 0);
    free(img);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

static const struct {
    const char *path;
    const char *note;
    const char *logged_disposition;     /* as httpd writes it in the log */
} verdicts[] = {
    { "/dl/tool.exe",         "clr",     "attachment; filename=\\\"tool.exe\\\"" },
    { "/dl/lib64.dll",        "clr",     "attachment; filename=\\\"lib64.dll\\\"" },
    { "/dl/native.exe",       "native",  "-" },
    { "/dl/page.html",        "not-pe",  "-" },
    { "/dl/empty.exe",        "not-pe",  "-" },
    { "/dl/truncated.exe",    "not-pe",  "-" },
    { "/small/far.exe",       "unknown", "attachment; filename=\\\"far.exe\\\"" },
    { "/dl/nosniff/tool.exe", "skipped", "-" },
    { "/off/tool.exe",        "-",       "-" },
};

/* Found by the request's id: note, status, request line and the header
 * recorded with it. */
START_TEST(test_each_verdict_is_logged_with_its_request)
{
    harness_response r;
    harness_log_entry e;
    char line[256];

    harness_get(srv, verdicts[_i].path, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT(srv, harness_log_find(srv, &r, &e) == 0,
                   "no access log line for %s", verdicts[_i].path);
    snprintf(line, sizeof line, "GET %s HTTP/1.1", verdicts[_i].path);
    HARNESS_ASSERT(srv, strcmp(e.request_line, line) == 0,
                   "request line [%s], expected [%s]", e.request_line, line);
    HARNESS_ASSERT(srv, e.status == 200, "logged status %d", e.status);
    HARNESS_ASSERT(srv, strcmp(e.note, verdicts[_i].note) == 0,
                   "%s: note [%s], expected [%s]", verdicts[_i].path, e.note,
                   verdicts[_i].note);
    HARNESS_ASSERT(srv, strcmp(e.disposition, verdicts[_i].logged_disposition) == 0,
                   "%s: logged Content-Disposition [%s], expected [%s]",
                   verdicts[_i].path, e.disposition,
                   verdicts[_i].logged_disposition);
    harness_log_entry_free(&e);
    harness_response_free(&r);
}
END_TEST

/* What an administrator does: grep the access log for the paths. */
START_TEST(test_access_log_shows_every_verdict_by_path)
{
    size_t i, n = sizeof verdicts / sizeof verdicts[0];
    const char *seen[5] = { NULL, NULL, NULL, NULL, NULL };
    static const char *const all[5] = { "clr", "native", "not-pe", "unknown",
                                        "skipped" };

    for (i = 0; i < n; i++) {
        harness_response r;
        harness_get(srv, verdicts[i].path, &r);
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        harness_response_free(&r);
    }
    for (i = 0; i < n; i++) {
        harness_log_entry e;
        char line[256];
        size_t k;

        snprintf(line, sizeof line, "GET %s HTTP/1.1", verdicts[i].path);
        HARNESS_ASSERT(srv, harness_log_find_request(srv, line, &e) == 0,
                       "no access log line [%s]", line);
        HARNESS_ASSERT(srv, strcmp(e.note, verdicts[i].note) == 0,
                       "[%s]: note [%s], expected [%s]", line, e.note,
                       verdicts[i].note);
        for (k = 0; k < 5; k++)
            if (strcmp(e.note, all[k]) == 0)
                seen[k] = all[k];
        harness_log_entry_free(&e);
    }
    for (i = 0; i < 5; i++)
        HARNESS_ASSERT(srv, seen[i] != NULL, "note %s never logged", all[i]);
}
END_TEST

START_TEST(test_not_modified_is_logged_as_skipped)
{
    harness_response g, r;

    HARNESS_REVALIDATE(srv, "/dl/tool.exe", "Last-Modified", &g, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 304);
    HARNESS_ASSERT_NOTE(srv, &r, "skipped");
    harness_response_free(&g);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_head_and_range_are_logged_as_clr)
{
    static const char *const range[] = { "Range: bytes=0-99", NULL };
    harness_request q;
    harness_response r;

    harness_head(srv, "/dl/tool.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);

    memset(&q, 0, sizeof q);
    q.path = "/dl/tool.exe";
    q.headers = range;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
}
END_TEST

/* httpd sends an error page through the protocol filters only (it drops
 * the content filters for it), so the filter never runs: no note at all.
 * A 304, by contrast, passes the content filters and is "skipped". */
START_TEST(test_not_found_never_reaches_the_filter)
{
    harness_response r;
    harness_log_entry e;

    harness_get(srv, "/dl/missing.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 404);
    HARNESS_ASSERT(srv, harness_log_find(srv, &r, &e) == 0, "no log line");
    HARNESS_ASSERT(srv, strcmp(e.note, "-") == 0,
                   "404 logged with note [%s], expected [-]", e.note);
    HARNESS_ASSERT(srv, strcmp(e.disposition, "-") == 0,
                   "404 sent Content-Disposition [%s]", e.disposition);
    harness_log_entry_free(&e);
    harness_response_free(&r);
}
END_TEST

static Suite *lognote_suite(void)
{
    Suite *s = suite_create("httpd_lognote");
    TCase *tc = tcase_create("lognote");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_each_verdict_is_logged_with_its_request, 0,
                        (int)(sizeof verdicts / sizeof verdicts[0]));
    tcase_add_test(tc, test_access_log_shows_every_verdict_by_path);
    tcase_add_test(tc, test_not_modified_is_logged_as_skipped);
    tcase_add_test(tc, test_head_and_range_are_logged_as_clr);
    tcase_add_test(tc, test_not_found_never_reaches_the_filter);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lognote_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
