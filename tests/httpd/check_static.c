/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_static.c -- static files served by a real apache2 with mod_netexe:
 * which responses get Content-Disposition, its exact value, and that the
 * body, Content-Length, HEAD, Range and 304 answers are what plain httpd
 * would send (DESIGN.md sections 4 and 5).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      60
#define LARGE_SIZE          (5u * 1024u * 1024u)
#define PADDED_SIZE         10000u
#define RANGE_HEAD_LEN      100u
#define RANGE_MID_FROM      5000u
#define RANGE_MID_LEN       1000u
#define RANGE_FAR_FROM      5000000u    /* inside LARGE_SIZE, far past the sniff window */

static harness_httpd *srv;

static const char static_config[] =
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/pe\">\n"
    "    NetExe On\n"
    "    NetExeMatch pe\n"
    "</Directory>\n"
    "<Location \"/locpe\">\n"
    "    NetExe On\n"
    "    NetExeMatch pe\n"
    "</Location>\n"
    "<Directory \"@DOCROOT@/nofn\">\n"
    "    NetExe On\n"
    "    NetExeFilename Off\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/nosendfile\">\n"
    "    NetExe On\n"
    "    EnableSendfile Off\n"
    "    EnableMMAP Off\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/mmap\">\n"
    "    NetExe On\n"
    "    EnableSendfile Off\n"
    "    EnableMMAP On\n"
    "</Directory>\n";

static void write_pe(const char *rel, int pe32plus, int dll, int clr,
                     size_t total)
{
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.pe32plus = pe32plus;
    s.dll = dll;
    s.clr = clr;
    if (pe32plus)
        s.machine = PEBUILD_MACHINE_AMD64;
    s.total_size = total;
    ck_assert_msg(harness_write_pe(srv, rel, &s, NULL) == 0, "writing %s", rel);
}

static void setup(void)
{
    static const char html[] = "<!DOCTYPE html>\n<html><body>hello</body></html>\n";
    static const char zip[] = "PK\003\004\024\000\000\000\010\000 not really deflated";
    static const char mztext[] = "MZ is how every DOS executable begins; this is text.\n";
    harness_options o;

    harness_options_init(&o);
    o.config = static_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    write_pe("dl/tool.exe", 0, 0, 1, 0);
    write_pe("dl/lib.dll", 1, 1, 1, 0);
    write_pe("dl/native.exe", 0, 0, 0, 0);
    write_pe("dl/tool", 0, 0, 1, 0);
    write_pe("dl/tool.txt", 0, 0, 1, 0);
    write_pe("dl/tool.bin", 0, 0, 1, 0);
    write_pe("dl/TOOL.EXE", 0, 0, 1, 0);
    write_pe("dl/lib.bin", 1, 1, 1, 0);
    write_pe("dl/lib", 0, 1, 1, 0);
    write_pe("dl/padded.exe", 0, 0, 1, PADDED_SIZE);
    write_pe("dl/large.exe", 1, 0, 1, LARGE_SIZE);
    write_pe("pe/native.exe", 0, 0, 0, 0);
    write_pe("pe/tool.exe", 0, 0, 1, 0);
    write_pe("locpe/native.dll", 1, 1, 0, 0);
    write_pe("nofn/tool.exe", 0, 0, 1, 0);
    write_pe("nosendfile/large.exe", 1, 0, 1, LARGE_SIZE);
    write_pe("mmap/large.exe", 1, 0, 1, LARGE_SIZE);
    ck_assert_int_eq(harness_write_text(srv, "dl/page.html", html), 0);
    ck_assert_int_eq(harness_write_file(srv, "dl/archive.zip", zip, sizeof zip - 1), 0);
    ck_assert_int_eq(harness_write_text(srv, "dl/mz.txt", mztext), 0);
    ck_assert_int_eq(harness_write_file(srv, "dl/empty.exe", "", 0), 0);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path: 200, exactly one Content-Disposition equal to want (NULL: none),
 * and the body and Content-Length of the fixture. */
static void check_get(const char *path, const char *want)
{
    harness_response r;

    harness_get(srv, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, path, NULL);
    HARNESS_ASSERT(srv, r.content_length >= 0, "no Content-Length for %s", path);
    harness_response_free(&r);
}

START_TEST(test_clr_exe_gets_attachment_with_its_name)
{
    check_get("/dl/tool.exe", "attachment; filename=\"tool.exe\"");
}
END_TEST

START_TEST(test_clr_dll_pe32plus_gets_attachment_with_its_name)
{
    check_get("/dl/lib.dll", "attachment; filename=\"lib.dll\"");
}
END_TEST

START_TEST(test_native_exe_gets_nothing_with_match_clr)
{
    check_get("/dl/native.exe", NULL);
}
END_TEST

START_TEST(test_native_exe_gets_attachment_with_match_pe_in_directory)
{
    check_get("/pe/native.exe", "attachment; filename=\"native.exe\"");
    check_get("/pe/tool.exe", "attachment; filename=\"tool.exe\"");
}
END_TEST

START_TEST(test_native_dll_gets_attachment_with_match_pe_in_location)
{
    check_get("/locpe/native.dll", "attachment; filename=\"native.dll\"");
}
END_TEST

static const char *const not_pe_paths[] = {
    "/dl/page.html", "/dl/archive.zip", "/dl/mz.txt", "/dl/empty.exe",
};

START_TEST(test_not_pe_bodies_pass_untouched)
{
    check_get(not_pe_paths[_i], NULL);
}
END_TEST

static const struct {
    const char *path;
    const char *want;
} renamed[] = {
    { "/dl/tool",     "attachment; filename=\"tool.exe\"" },
    { "/dl/tool.txt", "attachment; filename=\"tool.txt.exe\"" },
    { "/dl/tool.bin", "attachment; filename=\"tool.bin.exe\"" },
    { "/dl/TOOL.EXE", "attachment; filename=\"TOOL.EXE\"" },
    { "/dl/lib.bin",  "attachment; filename=\"lib.bin.dll\"" },
    { "/dl/lib",      "attachment; filename=\"lib.dll\"" },
};

START_TEST(test_renamed_clr_image_gets_its_own_extension_appended)
{
    check_get(renamed[_i].path, renamed[_i].want);
}
END_TEST

START_TEST(test_query_string_is_not_part_of_the_name)
{
    harness_response r;

    harness_get(srv, "/dl/tool.txt?name=evil.bat", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"tool.txt.exe\"");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_filename_off_gives_bare_attachment)
{
    check_get("/nofn/tool.exe", "attachment");
}
END_TEST

START_TEST(test_head_has_the_headers_of_get_and_no_body)
{
    static const char *const same[] = {
        "Content-Disposition", "Content-Length", "Content-Type",
        "Last-Modified", "ETag",
    };
    harness_response g, h;
    size_t i;

    harness_get(srv, "/dl/tool.exe", &g);
    harness_head(srv, "/dl/tool.exe", &h);
    HARNESS_ASSERT_STATUS(srv, &g, 200);
    HARNESS_ASSERT_STATUS(srv, &h, 200);
    HARNESS_ASSERT_HEADER(srv, &h, "Content-Disposition",
                          "attachment; filename=\"tool.exe\"");
    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        const char *gv = harness_header_get(&g, same[i]);
        const char *hv = harness_header_get(&h, same[i]);
        HARNESS_ASSERT(srv, gv != NULL && hv != NULL && strcmp(gv, hv) == 0,
                       "%s: GET [%s] HEAD [%s]", same[i], gv ? gv : "(none)",
                       hv ? hv : "(none)");
    }
    HARNESS_ASSERT(srv, h.body_len == 0, "HEAD returned %zu body bytes",
                   h.body_len);
    harness_response_free(&g);
    harness_response_free(&h);
}
END_TEST

/* A Range request: 206, the header, and exactly the bytes asked for. */
static void check_range(const char *path, size_t from, size_t len,
                        const char *want)
{
    harness_response r;

    harness_get_range(srv, path, from, len, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 206, want, NULL, NULL);
    HARNESS_ASSERT_RANGE(srv, &r, path, from, len);
    harness_response_free(&r);
}

START_TEST(test_range_from_zero_is_206_with_attachment_and_exact_bytes)
{
    check_range("/dl/padded.exe", 0, RANGE_HEAD_LEN,
                "attachment; filename=\"padded.exe\"");
}
END_TEST

START_TEST(test_range_in_the_middle_is_206_with_attachment_and_exact_bytes)
{
    check_range("/dl/padded.exe", RANGE_MID_FROM, RANGE_MID_LEN,
                "attachment; filename=\"padded.exe\"");
}
END_TEST

START_TEST(test_range_far_into_a_large_file_is_206_with_attachment)
{
    check_range("/dl/large.exe", RANGE_FAR_FROM, RANGE_MID_LEN,
                "attachment; filename=\"large.exe\"");
}
END_TEST

/* Two ranges: httpd answers multipart/byteranges; the header is there. */
START_TEST(test_multiple_ranges_are_206_multipart_with_attachment)
{
    static const char *const hdrs[] = { "Range: bytes=0-9,100-109", NULL };
    harness_request q;
    harness_response r;
    const char *ct;

    memset(&q, 0, sizeof q);
    q.path = "/dl/padded.exe";
    q.headers = hdrs;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 206);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"padded.exe\"");
    ct = harness_header_get(&r, "Content-Type");
    HARNESS_ASSERT(srv, ct != NULL && strncmp(ct, "multipart/byteranges", 20) == 0,
                   "Content-Type [%s]", ct ? ct : "(none)");
    HARNESS_ASSERT(srv, harness_body_contains(&r, "bytes 0-9/10000")
                   && harness_body_contains(&r, "bytes 100-109/10000"),
                   "multipart body lacks its parts");
    harness_response_free(&r);
}
END_TEST

/* A conditional GET on the validator of a first 200: 304, with neither
 * a body nor Content-Disposition. */
static void check_not_modified(const char *path, const char *validator)
{
    harness_response g, r;

    HARNESS_REVALIDATE(srv, path, validator, &g, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 304);
    HARNESS_ASSERT(srv, r.body_len == 0, "304 with %zu body bytes", r.body_len);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&g);
    harness_response_free(&r);
}

START_TEST(test_not_modified_is_304_without_body_or_disposition)
{
    check_not_modified("/dl/tool.exe", "Last-Modified");
}
END_TEST

START_TEST(test_not_modified_by_etag_is_304_without_disposition)
{
    check_not_modified("/dl/lib.dll", "ETag");
}
END_TEST

START_TEST(test_large_clr_file_gets_attachment_and_identical_body)
{
    check_get("/dl/large.exe", "attachment; filename=\"large.exe\"");
}
END_TEST

/* The same file read through the bucket API (no sendfile), as heap or
 * MMAP buckets. */
START_TEST(test_large_clr_file_without_sendfile_is_identical)
{
    check_get("/nosendfile/large.exe", "attachment; filename=\"large.exe\"");
    check_get("/mmap/large.exe", "attachment; filename=\"large.exe\"");
}
END_TEST

START_TEST(test_head_of_large_file_has_length_and_attachment)
{
    harness_response r;

    harness_head(srv, "/dl/large.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"large.exe\"");
    HARNESS_ASSERT(srv, r.content_length == (long long)LARGE_SIZE,
                   "Content-Length %lld", r.content_length);
    HARNESS_ASSERT(srv, r.body_len == 0, "HEAD returned %zu bytes", r.body_len);
    harness_response_free(&r);
}
END_TEST

/* Several responses on one kept-alive connection: each is decided on its
 * own bytes, nothing carries over from the previous one. */
START_TEST(test_kept_alive_connection_decides_each_response_afresh)
{
    static const struct {
        const char *path;
        const char *method;
        const char *want;
    } seq[] = {
        { "/dl/tool.exe",   NULL,   "attachment; filename=\"tool.exe\"" },
        { "/dl/native.exe", NULL,   NULL },
        { "/dl/page.html",  NULL,   NULL },
        { "/dl/lib.dll",    "HEAD", "attachment; filename=\"lib.dll\"" },
        { "/dl/empty.exe",  NULL,   NULL },
        { "/dl/tool.bin",   NULL,   "attachment; filename=\"tool.bin.exe\"" },
    };
    enum { N = sizeof seq / sizeof seq[0] };
    harness_request q[N];
    harness_response r[N];
    size_t i;

    memset(q, 0, sizeof q);
    for (i = 0; i < N; i++) {
        q[i].path = seq[i].path;
        q[i].method = seq[i].method;
    }
    HARNESS_ASSERT(srv, harness_send_sequence(srv, q, r, N) == 0,
                   "a request of the sequence failed");
    for (i = 0; i < N; i++) {
        HARNESS_ASSERT_DOWNLOAD(srv, &r[i], 200, seq[i].want,
                                seq[i].method == NULL ? seq[i].path : NULL,
                                NULL);
        HARNESS_ASSERT(srv, i == 0 || r[i].new_connections == 0,
                       "request %zu opened a new connection", i);
    }
    for (i = 0; i < N; i++)
        harness_response_free(&r[i]);
}
END_TEST

static Suite *static_suite(void)
{
    Suite *s = suite_create("httpd_static");
    TCase *tc = tcase_create("static");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_clr_exe_gets_attachment_with_its_name);
    tcase_add_test(tc, test_clr_dll_pe32plus_gets_attachment_with_its_name);
    tcase_add_test(tc, test_native_exe_gets_nothing_with_match_clr);
    tcase_add_test(tc, test_native_exe_gets_attachment_with_match_pe_in_directory);
    tcase_add_test(tc, test_native_dll_gets_attachment_with_match_pe_in_location);
    tcase_add_loop_test(tc, test_not_pe_bodies_pass_untouched, 0,
                        (int)(sizeof not_pe_paths / sizeof not_pe_paths[0]));
    tcase_add_loop_test(tc, test_renamed_clr_image_gets_its_own_extension_appended,
                        0, (int)(sizeof renamed / sizeof renamed[0]));
    tcase_add_test(tc, test_query_string_is_not_part_of_the_name);
    tcase_add_test(tc, test_filename_off_gives_bare_attachment);
    tcase_add_test(tc, test_head_has_the_headers_of_get_and_no_body);
    tcase_add_test(tc, test_range_from_zero_is_206_with_attachment_and_exact_bytes);
    tcase_add_test(tc, test_range_in_the_middle_is_206_with_attachment_and_exact_bytes);
    tcase_add_test(tc, test_range_far_into_a_large_file_is_206_with_attachment);
    tcase_add_test(tc, test_multiple_ranges_are_206_multipart_with_attachment);
    tcase_add_test(tc, test_not_modified_is_304_without_body_or_disposition);
    tcase_add_test(tc, test_not_modified_by_etag_is_304_without_disposition);
    tcase_add_test(tc, test_large_clr_file_gets_attachment_and_identical_body);
    tcase_add_test(tc, test_large_clr_file_without_sendfile_is_identical);
    tcase_add_test(tc, test_head_of_large_file_has_length_and_attachment);
    tcase_add_test(tc, test_kept_alive_connection_decides_each_response_afresh);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(static_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
