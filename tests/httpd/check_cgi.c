/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_cgi.c -- images written by CGI scripts (mod_cgid), whose bodies
 * reach the filter as a pipe of unknown length (DESIGN.md section 5):
 * written one byte per write(2) with pauses, with a long pause after "MZ",
 * a native image, a 64-bit DLL, a body shorter than the decision, a status
 * other than 200, a Content-Encoding or a Content-Disposition set by the
 * script itself (the last kept or replaced by NetExeOverride), HEAD, and
 * a script URL with a query string, whose name comes from the path alone.
 *
 * The scripts are harness_write_cgi_image()'s (Perl, one write(2) per
 * piece), so the bytes leave the script exactly in the pieces the test asks
 * for.  As root, mod_cgid runs them as www-data: the scripts are 0755 and
 * the images 0644 under 0755 directories.
 *
 * mod_cgid hands the filter one brigade holding the pipe, which the
 * filter reads piece by piece within that one call (blocking through the
 * pause after "MZ").  Holding data across several filter calls is what
 * check_split (mod_bucketeer) and check_proxy (a trickling backend) show.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define CLR_REL             "img/clr.exe"
#define NATIVE_REL          "img/native.exe"
#define DLL_REL             "img/lib.dll"
#define LARGE_REL           "img/large.exe"
#define FAR_REL             "img/far.exe"
#define GZIP_REL            "img/clr.exe.gz"
#define LARGE_SIZE          (1024u * 1024u)
#define FAR_LFANEW          0x1000u     /* decision needs > SMALL_LIMIT */
#define SMALL_LIMIT         "512"
#define SHORT_LEN           100         /* bytes of the image a script cuts to */
#define MZ_PAUSE_MS         1000u

static harness_httpd *srv;

static const char cgi_config[] =
    HARNESS_CONFIG_CGI_BIN
    "ScriptAlias /cgi-override/ \"@DOCROOT@/cgi/\"\n"
    "ScriptAlias /cgi-off/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-override/\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</Location>\n"
    "ScriptAlias /cgi-small/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-small/\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit " SMALL_LIMIT "\n"
    "</Location>\n"
    "ScriptAlias /cgi-pe/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-pe/\">\n"
    "    NetExe On\n"
    "    NetExeMatch pe\n"
    "</Location>\n";

/* cgi/name: a script sending the image image_rel after the extra header
 * lines headers (NULL: none), written as how says. */
static void write_script(const char *name, const char *image_rel,
                         const char *headers, const harness_cgi_opts *how)
{
    harness_cgi_opts c = *how;
    char rel[64];
    int n;

    c.headers = headers;
    n = snprintf(rel, sizeof rel, "cgi/%s", name);
    ck_assert(n > 0 && (size_t)n < sizeof rel);
    ck_assert_int_eq(harness_write_cgi_image(srv, rel, image_rel, &c), 0);
}

/* docroot/to = gzip of docroot/from, by the gzip program (-n: no name or
 * time in the header, so the bytes are the same every run). */
static void write_gzip(const char *from, const char *to)
{
    char *src = harness_path(srv, from), *dst = harness_path(srv, to);
    char cmd[1024];
    int n;

    ck_assert_ptr_nonnull(src);
    ck_assert_ptr_nonnull(dst);
    n = snprintf(cmd, sizeof cmd, "gzip -n -c '%s' > '%s'", src, dst);
    ck_assert(n > 0 && (size_t)n < sizeof cmd);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(chmod(dst, 0644), 0);
    free(src);
    free(dst);
}

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    harness_options o;
    harness_cgi_opts whole, trickle, mzpause, cut, empty;
    pebuild_spec native, dll, large, far;

    harness_options_init(&o);
    o.modules = mods;
    o.config = cgi_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&native);
    native.clr = 0;
    pebuild_spec_init(&dll);
    dll.pe32plus = 1;
    dll.dll = 1;
    dll.machine = PEBUILD_MACHINE_AMD64;
    pebuild_spec_init(&large);
    large.total_size = LARGE_SIZE;
    pebuild_spec_init(&far);
    far.e_lfanew = FAR_LFANEW;
    ck_assert_int_eq(harness_write_pe(srv, CLR_REL, NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, NATIVE_REL, &native, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, DLL_REL, &dll, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, LARGE_REL, &large, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, FAR_REL, &far, NULL), 0);
    write_gzip(CLR_REL, GZIP_REL);
    ck_assert_int_eq(harness_mkdir(srv, "cgi"), 0);

    harness_cgi_opts_init(&whole);
    trickle = whole;
    trickle.writer = HARNESS_CGI_TRICKLE;
    mzpause = whole;
    mzpause.writer = HARNESS_CGI_MZ_PAUSE;
    mzpause.pause_ms = MZ_PAUSE_MS;
    cut = whole;
    cut.writer = HARNESS_CGI_PREFIX;
    cut.prefix_len = SHORT_LEN;
    empty = cut;
    empty.prefix_len = 0;
    write_script("get", CLR_REL, NULL, &whole);
    write_script("trickle", CLR_REL, NULL, &trickle);
    write_script("mzpause", CLR_REL, NULL, &mzpause);
    write_script("native", NATIVE_REL, NULL, &whole);
    write_script("inline", CLR_REL, "Content-Disposition: inline\r\n", &whole);
    write_script("lib", DLL_REL, NULL, &trickle);
    write_script("large", LARGE_REL, NULL, &whole);
    write_script("far", FAR_REL, NULL, &whole);
    write_script("missing", CLR_REL, "Status: 404 Not Found\r\n", &whole);
    write_script("encoded", GZIP_REL, "Content-Encoding: gzip\r\n", &whole);
    write_script("short", CLR_REL, NULL, &cut);
    write_script("empty", CLR_REL, NULL, &empty);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path: 200, Content-Disposition exactly want (NULL: none), the note,
 * and the body byte for byte the image the script read; Content-Length,
 * when httpd could compute one, is the image's size. */
static void check_cgi(const char *path, const char *want, const char *note,
                      const char *image_rel)
{
    harness_response r;

    harness_get(srv, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, image_rel, note);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Type", "application/x-msdownload");
    harness_response_free(&r);
}

START_TEST(test_clr_written_one_byte_per_write_gets_attachment)
{
    check_cgi("/cgi-bin/trickle", "attachment; filename=\"trickle.exe\"",
              "clr", CLR_REL);
}
END_TEST

START_TEST(test_clr_with_pause_after_mz_gets_attachment)
{
    check_cgi("/cgi-bin/mzpause", "attachment; filename=\"mzpause.exe\"",
              "clr", CLR_REL);
}
END_TEST

START_TEST(test_clr_written_at_once_gets_attachment)
{
    check_cgi("/cgi-bin/get", "attachment; filename=\"get.exe\"", "clr",
              CLR_REL);
}
END_TEST

START_TEST(test_native_image_from_cgi_gets_nothing)
{
    check_cgi("/cgi-bin/native", NULL, "native", NATIVE_REL);
}
END_TEST

START_TEST(test_script_disposition_kept_with_override_off)
{
    check_cgi("/cgi-bin/inline", "inline", "skipped", CLR_REL);
}
END_TEST

START_TEST(test_script_disposition_replaced_with_override_on)
{
    check_cgi("/cgi-override/inline", "attachment; filename=\"inline.exe\"",
              "clr", CLR_REL);
}
END_TEST

START_TEST(test_query_string_never_names_the_file)
{
    check_cgi("/cgi-bin/get?id=1", "attachment; filename=\"get.exe\"", "clr",
              CLR_REL);
    check_cgi("/cgi-bin/get?name=evil.dll&x=%22%0d%0a",
              "attachment; filename=\"get.exe\"", "clr", CLR_REL);
}
END_TEST

START_TEST(test_cgi_outside_netexe_scope_is_untouched)
{
    check_cgi("/cgi-off/get?id=1", NULL, "-", CLR_REL);
}
END_TEST

START_TEST(test_dll_written_one_byte_per_write_gets_dll_extension)
{
    check_cgi("/cgi-bin/lib", "attachment; filename=\"lib.dll\"", "clr",
              DLL_REL);
}
END_TEST

START_TEST(test_native_image_from_cgi_gets_attachment_with_match_pe)
{
    check_cgi("/cgi-pe/native", "attachment; filename=\"native.exe\"",
              "native", NATIVE_REL);
}
END_TEST

START_TEST(test_large_clr_from_cgi_gets_attachment_and_identical_body)
{
    check_cgi("/cgi-bin/large", "attachment; filename=\"large.exe\"", "clr",
              LARGE_REL);
}
END_TEST

START_TEST(test_cgi_header_beyond_sniff_limit_is_unknown)
{
    /* The start of an image whose header lies beyond the limit: it could
     * be one, so the header. */
    check_cgi("/cgi-small/far", "attachment; filename=\"far.exe\"",
              "unknown", FAR_REL);
    check_cgi("/cgi-bin/far", "attachment; filename=\"far.exe\"", "clr",
              FAR_REL);
}
END_TEST

/* The script ends before the decision point: whatever came is sent. */
START_TEST(test_cgi_body_shorter_than_the_decision_is_sent_untouched)
{
    size_t len = 0;
    unsigned char *img = harness_read_fixture(srv, CLR_REL, &len);
    harness_response r;

    ck_assert_ptr_nonnull(img);
    ck_assert_uint_ge(len, SHORT_LEN);
    harness_get(srv, "/cgi-bin/short", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, NULL, "not-pe");
    HARNESS_ASSERT_BODY(srv, &r, img, SHORT_LEN);
    harness_response_free(&r);
    free(img);
}
END_TEST

START_TEST(test_cgi_with_empty_body_is_not_pe)
{
    harness_response r;

    harness_get(srv, "/cgi-bin/empty", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, NULL, "not-pe");
    HARNESS_ASSERT(srv, r.body_len == 0, "body of %zu bytes", r.body_len);
    harness_response_free(&r);
}
END_TEST

/* A script's own status other than 200 is left alone. */
START_TEST(test_cgi_status_404_with_clr_body_gets_nothing)
{
    harness_response r;

    harness_get(srv, "/cgi-bin/missing", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 404, NULL, CLR_REL, "skipped");
    harness_response_free(&r);
}
END_TEST

/* A script sending a gzip'd image says so with Content-Encoding: the
 * body is not the image as such, and the filter steps aside. */
/* The browser decodes the body and receives the image: decoded as far as
 * the decision needs, the gzip bytes passed on unchanged. */
START_TEST(test_cgi_content_encoding_is_decoded_to_decide)
{
    harness_response r;

    harness_get(srv, "/cgi-bin/encoded", &r);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "gzip");
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, "attachment; filename=\"encoded.exe\"",
                            GZIP_REL, "clr");
    harness_response_free(&r);
}
END_TEST

/* HEAD runs the script too; the answer has the headers GET has. */
START_TEST(test_head_on_cgi_has_the_header_of_get)
{
    harness_response r;

    harness_head(srv, "/cgi-bin/get?id=1", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"get.exe\"");
    HARNESS_ASSERT(srv, r.body_len == 0, "HEAD body of %zu bytes", r.body_len);
    harness_response_free(&r);
}
END_TEST

/* Streams of several scripts at once, interleaved in the same server
 * process: each response gets its own verdict. */
START_TEST(test_parallel_cgi_streams_each_get_their_own_verdict)
{
    static const struct {
        const char *path;
        const char *want;
        const char *image;
    } mix[] = {
        { "/cgi-bin/trickle", "attachment; filename=\"trickle.exe\"", CLR_REL },
        { "/cgi-bin/native", NULL, NATIVE_REL },
        { "/cgi-bin/lib", "attachment; filename=\"lib.dll\"", DLL_REL },
        { "/cgi-bin/mzpause", "attachment; filename=\"mzpause.exe\"", CLR_REL },
        { "/cgi-bin/inline", "inline", CLR_REL },
        { "/cgi-bin/get?id=2", "attachment; filename=\"get.exe\"", CLR_REL },
        { "/cgi-off/trickle", NULL, CLR_REL },
        { "/cgi-override/inline", "attachment; filename=\"inline.exe\"",
          CLR_REL },
    };
    enum { N = sizeof mix / sizeof mix[0] };
    harness_request q[N];
    harness_response r[N];
    size_t i;

    memset(q, 0, sizeof q);
    for (i = 0; i < N; i++)
        q[i].path = mix[i].path;
    HARNESS_ASSERT(srv, harness_request_parallel(srv, q, r, N) == 0,
                   "some parallel requests got no answer");
    for (i = 0; i < N; i++)
        HARNESS_ASSERT_DOWNLOAD(srv, &r[i], 200, mix[i].want, mix[i].image,
                                NULL);
    for (i = 0; i < N; i++)
        harness_response_free(&r[i]);
}
END_TEST

static Suite *cgi_suite(void)
{
    Suite *s = suite_create("httpd_cgi");
    TCase *tc = tcase_create("cgi");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_clr_written_one_byte_per_write_gets_attachment);
    tcase_add_test(tc, test_clr_with_pause_after_mz_gets_attachment);
    tcase_add_test(tc, test_clr_written_at_once_gets_attachment);
    tcase_add_test(tc, test_native_image_from_cgi_gets_nothing);
    tcase_add_test(tc, test_script_disposition_kept_with_override_off);
    tcase_add_test(tc, test_script_disposition_replaced_with_override_on);
    tcase_add_test(tc, test_query_string_never_names_the_file);
    tcase_add_test(tc, test_cgi_outside_netexe_scope_is_untouched);
    tcase_add_test(tc, test_dll_written_one_byte_per_write_gets_dll_extension);
    tcase_add_test(tc, test_native_image_from_cgi_gets_attachment_with_match_pe);
    tcase_add_test(tc, test_large_clr_from_cgi_gets_attachment_and_identical_body);
    tcase_add_test(tc, test_cgi_header_beyond_sniff_limit_is_unknown);
    tcase_add_test(tc, test_cgi_body_shorter_than_the_decision_is_sent_untouched);
    tcase_add_test(tc, test_cgi_with_empty_body_is_not_pe);
    tcase_add_test(tc, test_cgi_status_404_with_clr_body_gets_nothing);
    tcase_add_test(tc, test_cgi_content_encoding_is_decoded_to_decide);
    tcase_add_test(tc, test_head_on_cgi_has_the_header_of_get);
    tcase_add_test(tc, test_parallel_cgi_streams_each_get_their_own_verdict);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cgi_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
