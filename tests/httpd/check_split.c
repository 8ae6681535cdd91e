/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_split.c -- bodies that reach the filter in pieces, and the ways an
 * administrator inserts it by hand (DESIGN.md sections 4 and 5).
 *
 * mod_bucketeer (a filter of httpd's test modules) cuts text bodies at
 * control bytes and drops the bytes: 0x02 starts a new bucket, 0x06 adds
 * a FLUSH and passes what it has down the chain, 0x10 passes without a
 * FLUSH.  The fixture is a CLR image with no such byte in it (each one is
 * replaced by 0x01, outside every field the sniffer reads), served as
 * text/plain with delimiters inserted inside the fields the decision
 * rests on.  What bucketeer passes on is then exactly that image, in as
 * many pieces and filter calls as there are delimiters.
 *
 * The explicit insertions: SetOutputFilter, AddOutputFilter by extension
 * and a FilterProvider, each without "NetExe On", and each together with
 * it (one header, never two).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30

#define BUCKETEER_SPLIT     0x02
#define BUCKETEER_FLUSH     0x06
#define BUCKETEER_PASS      0x10
#define SAFE_BYTE           0x01

/* Fifteen directories, not sixteen: NumberOfRvaAndSizes 16 is 0x10. */
#define CLR_DIRECTORIES     15u

/* Offsets in the default pebuild image (e_lfanew 0x80, PE32). */
#define OFF_E_LFANEW        0x3Cu
#define OFF_PE_SIG          0x80u
#define OFF_MAGIC           0x98u
#define OFF_DIR14           0x168u

static harness_httpd *srv;

static const char split_config[] =
    "<Directory \"@DOCROOT@/split\">\n"
    "    ForceType text/plain\n"
    "    SetOutputFilter BUCKETEER;NETEXE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/split-on\">\n"
    "    ForceType text/plain\n"
    "    NetExe On\n"
    "    SetOutputFilter BUCKETEER\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/addfilter\">\n"
    "    AddOutputFilter NETEXE .bin\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/addfilter-on\">\n"
    "    NetExe On\n"
    "    AddOutputFilter NETEXE .bin\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/setfilter-on\">\n"
    "    NetExe On\n"
    "    SetOutputFilter NETEXE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/provider\">\n"
    "    FilterDeclare netexe_apps\n"
    "    FilterProvider netexe_apps NETEXE \"%{CONTENT_TYPE} =~ m#^application/#\"\n"
    "    FilterChain netexe_apps\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/provider-on\">\n"
    "    NetExe On\n"
    "    FilterDeclare netexe_apps_on\n"
    "    FilterProvider netexe_apps_on NETEXE \"%{CONTENT_TYPE} =~ m#^application/#\"\n"
    "    FilterChain netexe_apps_on\n"
    "</Directory>\n";

/* A delimiter inserted before byte `at` of the image. */
typedef struct {
    size_t at;
    unsigned char delim;
} split_point;

/* Cuts inside every field the sniffer reads, and once after the decision
 * point; sorted by offset. */
static const split_point field_cuts[] = {
    { 1, BUCKETEER_PASS },                  /* "M" alone in the first call */
    { 2, BUCKETEER_FLUSH },                 /* "Z", then a FLUSH */
    { OFF_E_LFANEW + 1, BUCKETEER_SPLIT },
    { OFF_E_LFANEW + 3, BUCKETEER_PASS },
    { OFF_PE_SIG + 2, BUCKETEER_FLUSH },
    { OFF_MAGIC + 1, BUCKETEER_PASS },
    { OFF_DIR14 + 2, BUCKETEER_FLUSH },
    { OFF_DIR14 + 8, BUCKETEER_PASS },
    { 0x400, BUCKETEER_FLUSH },
};

static unsigned char *clean_img;
static size_t clean_len;
static size_t decision_end;

/* The CLR image with every bucketeer delimiter replaced by SAFE_BYTE. */
static void build_clean_image(void)
{
    pebuild_spec s;
    size_t i;

    pebuild_spec_init(&s);
    s.number_of_rva_and_sizes = CLR_DIRECTORIES;
    clean_img = pebuild(&s, &clean_len);
    ck_assert_ptr_nonnull(clean_img);
    decision_end = pebuild_decision_end(&s);
    ck_assert_uint_eq(decision_end, OFF_DIR14 + 8);
    for (i = 0; i < clean_len; i++) {
        if (clean_img[i] == BUCKETEER_SPLIT || clean_img[i] == BUCKETEER_FLUSH
            || clean_img[i] == BUCKETEER_PASS)
            clean_img[i] = SAFE_BYTE;
    }
}

/* Writes the clean image with the n delimiters of cuts inserted. */
static void write_cut(const char *rel, const split_point *cuts, size_t n)
{
    unsigned char *buf = malloc(clean_len + n);
    size_t i, k = 0, o = 0;

    ck_assert_ptr_nonnull(buf);
    for (i = 0; i <= clean_len; i++) {
        while (k < n && cuts[k].at == i)
            buf[o++] = cuts[k++].delim;
        if (i < clean_len)
            buf[o++] = clean_img[i];
    }
    ck_assert_uint_eq(k, n);
    ck_assert_int_eq(harness_write_file(srv, rel, buf, o), 0);
    free(buf);
}

/* The clean image with delim before each of its first `count` bytes. */
static void write_every_byte(const char *rel, unsigned char delim,
                             size_t count)
{
    split_point *cuts = malloc(count * sizeof *cuts);
    size_t i;

    ck_assert_ptr_nonnull(cuts);
    for (i = 0; i < count; i++) {
        cuts[i].at = i;
        cuts[i].delim = delim;
    }
    write_cut(rel, cuts, count);
    free(cuts);
}

static void setup(void)
{
    static const char *const mods[] = { "bucketeer", "filter", NULL };
    harness_options o;
    pebuild_spec native;
    size_t n = sizeof field_cuts / sizeof field_cuts[0];

    harness_options_init(&o);
    o.modules = mods;
    o.config = split_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    build_clean_image();
    write_cut("split/fields.exe", field_cuts, n);
    write_every_byte("split/passes.exe", BUCKETEER_PASS, decision_end + 1);
    write_every_byte("split/flushes.exe", BUCKETEER_FLUSH, decision_end + 1);
    write_cut("split-on/fields.exe", field_cuts, n);

    pebuild_spec_init(&native);
    native.clr = 0;
    ck_assert_int_eq(harness_write_pe(srv, "addfilter/tool.bin", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "addfilter/native.bin", &native, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "addfilter/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "addfilter-on/tool.bin", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "setfilter-on/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "provider/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "provider/tool.txt", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "provider-on/tool.exe", NULL, NULL), 0);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
    free(clean_img);
    clean_img = NULL;
}

/* GET of a bucketeer fixture: 200, want, and the clean image as body
 * (bucketeer drops Content-Length; one computed later must match). */
static void check_split(const char *path, const char *want)
{
    harness_response r;

    harness_get(srv, path, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition", want);
    HARNESS_ASSERT_BODY(srv, &r, clean_img, clean_len);
    HARNESS_ASSERT(srv, r.content_length < 0
                   || r.content_length == (long long)clean_len,
                   "Content-Length %lld, body %zu", r.content_length,
                   clean_len);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
}

/* GET of a plain fixture: 200, want (NULL: none), the note, the file. */
static void check_file(const char *path, const char *want, const char *note)
{
    harness_response r;

    harness_get(srv, path, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    if (want != NULL)
        HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition", want);
    else
        HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    HARNESS_ASSERT_BODY_FILE(srv, &r, path);
    HARNESS_ASSERT_NOTE(srv, &r, note);
    harness_response_free(&r);
}

START_TEST(test_image_cut_inside_each_sniffed_field_gets_attachment)
{
    check_split("/split/fields.exe", "attachment; filename=\"fields.exe\"");
}
END_TEST

START_TEST(test_image_passed_one_byte_per_call_gets_attachment)
{
    check_split("/split/passes.exe", "attachment; filename=\"passes.exe\"");
}
END_TEST

START_TEST(test_image_with_flush_after_every_byte_gets_attachment)
{
    check_split("/split/flushes.exe", "attachment; filename=\"flushes.exe\"");
}
END_TEST

START_TEST(test_split_body_with_netexe_on_gets_attachment)
{
    check_split("/split-on/fields.exe", "attachment; filename=\"fields.exe\"");
}
END_TEST

START_TEST(test_addoutputfilter_by_extension_works_without_netexe_on)
{
    check_file("/addfilter/tool.bin", "attachment; filename=\"tool.bin.exe\"",
               "clr");
    check_file("/addfilter/native.bin", NULL, "native");
}
END_TEST

START_TEST(test_addoutputfilter_leaves_other_extensions_alone)
{
    check_file("/addfilter/tool.exe", NULL, "-");
}
END_TEST

START_TEST(test_addoutputfilter_with_netexe_on_sends_one_header)
{
    check_file("/addfilter-on/tool.bin", "attachment; filename=\"tool.bin.exe\"",
               "clr");
}
END_TEST

START_TEST(test_setoutputfilter_with_netexe_on_sends_one_header)
{
    check_file("/setfilter-on/tool.exe", "attachment; filename=\"tool.exe\"",
               "clr");
}
END_TEST

START_TEST(test_filterprovider_works_for_matching_type)
{
    check_file("/provider/tool.exe", "attachment; filename=\"tool.exe\"", "clr");
}
END_TEST

START_TEST(test_filterprovider_not_matching_type_leaves_it_alone)
{
    check_file("/provider/tool.txt", NULL, "-");
}
END_TEST

START_TEST(test_filterprovider_with_netexe_on_sends_one_header)
{
    check_file("/provider-on/tool.exe", "attachment; filename=\"tool.exe\"",
               "clr");
}
END_TEST

static Suite *split_suite(void)
{
    Suite *s = suite_create("httpd_split");
    TCase *tc = tcase_create("split");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_image_cut_inside_each_sniffed_field_gets_attachment);
    tcase_add_test(tc, test_image_passed_one_byte_per_call_gets_attachment);
    tcase_add_test(tc, test_image_with_flush_after_every_byte_gets_attachment);
    tcase_add_test(tc, test_split_body_with_netexe_on_gets_attachment);
    tcase_add_test(tc, test_addoutputfilter_by_extension_works_without_netexe_on);
    tcase_add_test(tc, test_addoutputfilter_leaves_other_extensions_alone);
    tcase_add_test(tc, test_addoutputfilter_with_netexe_on_sends_one_header);
    tcase_add_test(tc, test_setoutputfilter_with_netexe_on_sends_one_header);
    tcase_add_test(tc, test_filterprovider_works_for_matching_type);
    tcase_add_test(tc, test_filterprovider_not_matching_type_leaves_it_alone);
    tcase_add_test(tc, test_filterprovider_with_netexe_on_sends_one_header);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(split_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
