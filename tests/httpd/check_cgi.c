/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_cgi.c -- images written by CGI scripts (mod_cgid), whose bodies
 * reach the filter as a pipe of unknown length (DESIGN.md section 5):
 * written one byte per write(2) with pauses, with a long pause after "MZ",
 * a native image, a Content-Disposition set by the script itself (kept or
 * replaced by NetExeOverride), and a script URL with a query string, whose
 * name comes from the path alone.
 *
 * The scripts are Perl (perl-base is always there on Debian): syswrite()
 * is one write(2) each, so the bytes leave the script exactly in the
 * pieces the test asks for.  As root, mod_cgid runs them as www-data: the
 * scripts are 0755 and the images 0644 under 0755 directories.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define SCRIPT_MAX          2048
#define CLR_REL             "img/clr.exe"
#define NATIVE_REL          "img/native.exe"
/* The 1-byte writer pauses after each of the first bytes, past the
 * sniffer's decision point (e_lfanew 0x80 + 0xF0), so that they really
 * arrive one by one; the rest still goes one byte per write. */
#define TRICKLE_PAUSED      512
#define TRICKLE_PAUSE_S     "0.001"
#define MZ_PAUSE_S          "1"

static harness_httpd *srv;

static const char cgi_config[] =
    "ScriptAlias /cgi-bin/ \"@DOCROOT@/cgi/\"\n"
    "ScriptAlias /cgi-override/ \"@DOCROOT@/cgi/\"\n"
    "ScriptAlias /cgi-off/ \"@DOCROOT@/cgi/\"\n"
    "<Directory \"@DOCROOT@/cgi\">\n"
    "    Options +ExecCGI\n"
    "</Directory>\n"
    "<Location \"/cgi-bin/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    "<Location \"/cgi-override/\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</Location>\n";

/* Each script reads the image at the path given as the first %s and
 * writes headers (second %s, each line ending in \r\n) then the body. */
static const char script_head[] =
    "#!/usr/bin/perl\n"
    "use strict;\n"
    "open(my $fh, '<', '%s') or die \"cannot open image: $!\";\n"
    "binmode $fh;\n"
    "my $img = do { local $/; <$fh> };\n"
    "close $fh;\n"
    "binmode STDOUT;\n"
    "syswrite(STDOUT, \"Content-Type: application/x-msdownload\\r\\n"
    "%s\\r\\n\");\n";

static const char body_whole[] =
    "syswrite(STDOUT, $img);\n";

static const char body_trickle[] =
    "for my $i (0 .. length($img) - 1) {\n"
    "    syswrite(STDOUT, substr($img, $i, 1));\n"
    "    select(undef, undef, undef, " TRICKLE_PAUSE_S ") if $i < %d;\n"
    "}\n";

static const char body_mz_pause[] =
    "syswrite(STDOUT, substr($img, 0, 2));\n"
    "select(undef, undef, undef, " MZ_PAUSE_S ");\n"
    "syswrite(STDOUT, substr($img, 2));\n";

static void write_script(const char *name, const char *image_rel,
                         const char *headers, const char *body)
{
    char script[SCRIPT_MAX], rel[64];
    char *image = harness_path(srv, image_rel);
    int n;

    ck_assert_ptr_nonnull(image);
    n = snprintf(script, sizeof script, script_head, image, headers);
    ck_assert(n > 0 && (size_t)n < sizeof script);
    ck_assert((size_t)n + strlen(body) < sizeof script);
    strcat(script, body);
    snprintf(rel, sizeof rel, "cgi/%s", name);
    ck_assert_int_eq(harness_write_file_mode(srv, rel, script, strlen(script),
                                             0755), 0);
    free(image);
}

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    char trickle[256];
    harness_options o;
    pebuild_spec native;

    harness_options_init(&o);
    o.modules = mods;
    o.config = cgi_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&native);
    native.clr = 0;
    ck_assert_int_eq(harness_write_pe(srv, CLR_REL, NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, NATIVE_REL, &native, NULL), 0);
    ck_assert_int_eq(harness_mkdir(srv, "cgi"), 0);

    snprintf(trickle, sizeof trickle, body_trickle, TRICKLE_PAUSED);
    write_script("get", CLR_REL, "", body_whole);
    write_script("trickle", CLR_REL, "", trickle);
    write_script("mzpause", CLR_REL, "", body_mz_pause);
    write_script("native", NATIVE_REL, "", body_whole);
    write_script("inline", CLR_REL, "Content-Disposition: inline\\r\\n",
                 body_whole);

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
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    if (want != NULL)
        HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition", want);
    else
        HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Type", "application/x-msdownload");
    HARNESS_ASSERT_BODY_FILE(srv, &r, image_rel);
    HARNESS_ASSERT_NOTE(srv, &r, note);
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
