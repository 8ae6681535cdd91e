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
 *
 * The server runs a single prefork child, so that what a response costs in
 * memory can be read from that child's peak RSS (harness_mem.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_mem.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30

#define BUCKETEER_SPLIT     0x02
#define BUCKETEER_FLUSH     0x06
#define BUCKETEER_PASS      0x10
#define SAFE_BYTE           0x01


/* Offsets in the default pebuild image (e_lfanew 0x80, PE32). */
#define OFF_E_LFANEW        0x3Cu
#define OFF_PE_SIG          0x80u
#define OFF_MAGIC           0x98u
#define OFF_DIR14           0x168u

/* A PE header far into the file, decided only after many pieces.  0x1000
 * would put 0x10 into e_lfanew; 0x1100 has no delimiter byte. */
#define FAR_LFANEW          0x1100u
#define SMALL_LIMIT         "512"
#define SHORT_LEN           200u        /* stops inside the optional header */

/* A PE header near the default sniff limit: 60,240 one-byte calls before
 * the decision.  60000 is 0xEA60: no delimiter byte. */
#define FAR60K_LFANEW       60000u
#define DEFAULT_LIMIT_KIB   64L         /* NetExeSniffLimit's default */
#define RSS_SLACK_KIB       (4L * 1024L)
/* What the filter may keep besides the sniff buffer: its context, set
 * aside metadata. */
#define HELD_SLACK          (16L * 1024L)
#define LOG_WAIT_MS         5000L

static harness_httpd *srv;

static const char split_config[] =
    "<Directory \"@DOCROOT@/split\">\n"
    "    ForceType text/plain\n"
    "    SetOutputFilter BUCKETEER;NETEXE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/split-small\">\n"
    "    ForceType text/plain\n"
    "    NetExeSniffLimit " SMALL_LIMIT "\n"
    "    SetOutputFilter BUCKETEER;NETEXE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/whole\">\n"
    "    NetExe On\n"
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

/* An image without delimiter bytes, and how far its decision reaches. */
typedef struct {
    unsigned char *img;
    size_t len;
    size_t decision_end;
} clean_image;

static clean_image clean, far_clean, far60k_clean;

/* A CLR image (e_lfanew as given) with every bucketeer delimiter replaced
 * by SAFE_BYTE; none of them is in a field the rule reads.  That includes
 * NumberOfRvaAndSizes, 16 = 0x10, which becomes 1: the rule does not
 * consult it (DESIGN.md section 2), while SizeOfOptionalHeader must still
 * cover all sixteen directories. */
static void build_clean_image(clean_image *c, uint32_t e_lfanew)
{
    pebuild_spec s;
    size_t i;

    pebuild_spec_init(&s);
    s.e_lfanew = e_lfanew;
    c->img = pebuild(&s, &c->len);
    ck_assert_ptr_nonnull(c->img);
    c->decision_end = pebuild_decision_end(&s);
    for (i = 0; i < c->len; i++) {
        if (c->img[i] == BUCKETEER_SPLIT || c->img[i] == BUCKETEER_FLUSH
            || c->img[i] == BUCKETEER_PASS)
            c->img[i] = SAFE_BYTE;
    }
}

/* Writes the first len bytes of the clean image with the n delimiters of
 * cuts inserted. */
static void write_cut(const char *rel, const clean_image *c, size_t len,
                      const split_point *cuts, size_t n)
{
    unsigned char *buf = malloc(len + n);
    size_t i, k = 0, o = 0;

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_le(len, c->len);
    for (i = 0; i <= len; i++) {
        while (k < n && cuts[k].at == i)
            buf[o++] = cuts[k++].delim;
        if (i < len)
            buf[o++] = c->img[i];
    }
    ck_assert_uint_eq(k, n);
    ck_assert_int_eq(harness_write_file(srv, rel, buf, o), 0);
    free(buf);
}

/* The first len bytes of the clean image with delim before each of its
 * first `count` bytes. */
static void write_every_byte(const char *rel, const clean_image *c,
                             size_t len, unsigned char delim, size_t count)
{
    split_point *cuts = malloc(count * sizeof *cuts);
    size_t i;

    ck_assert_ptr_nonnull(cuts);
    for (i = 0; i < count; i++) {
        cuts[i].at = i;
        cuts[i].delim = delim;
    }
    write_cut(rel, c, len, cuts, count);
    free(cuts);
}

static void setup(void)
{
    static const char *const mods[] = { "bucketeer", "filter", NULL };
    static char config[sizeof split_config + sizeof HARNESS_MEM_ONE_CHILD];
    harness_options o;
    pebuild_spec native;
    size_t n = sizeof field_cuts / sizeof field_cuts[0];

    snprintf(config, sizeof config, "%s%s", HARNESS_MEM_ONE_CHILD,
             split_config);
    harness_options_init(&o);
    o.mpm = HARNESS_MPM_PREFORK;
    o.modules = mods;
    o.config = config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    build_clean_image(&clean, 0x80u);
    ck_assert_uint_eq(clean.decision_end, OFF_DIR14 + 8);
    build_clean_image(&far_clean, FAR_LFANEW);
    build_clean_image(&far60k_clean, FAR60K_LFANEW);
    write_cut("split/fields.exe", &clean, clean.len, field_cuts, n);
    write_every_byte("split/passes.exe", &clean, clean.len, BUCKETEER_PASS,
                     clean.decision_end + 1);
    write_every_byte("split/flushes.exe", &clean, clean.len, BUCKETEER_FLUSH,
                     clean.decision_end + 1);
    write_cut("split-on/fields.exe", &clean, clean.len, field_cuts, n);
    write_every_byte("split/far.exe", &far_clean, far_clean.len,
                     BUCKETEER_PASS, far_clean.decision_end + 1);
    write_every_byte("split-small/far.exe", &far_clean, far_clean.len,
                     BUCKETEER_PASS, far_clean.decision_end + 1);
    write_every_byte("split/far60k.exe", &far60k_clean, far60k_clean.len,
                     BUCKETEER_PASS, far60k_clean.decision_end + 1);
    write_every_byte("split/short.exe", &clean, SHORT_LEN, BUCKETEER_PASS,
                     SHORT_LEN);
    ck_assert_int_eq(harness_write_file(srv, "whole/short.exe", clean.img,
                                        SHORT_LEN), 0);

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
    free(clean.img);
    free(far_clean.img);
    free(far60k_clean.img);
    memset(&clean, 0, sizeof clean);
    memset(&far_clean, 0, sizeof far_clean);
    memset(&far60k_clean, 0, sizeof far60k_clean);
}

/* GET of a bucketeer fixture: 200, want (NULL: none), note, and the
 * first len bytes of the clean image c as body (bucketeer drops
 * Content-Length; one computed later must match). */
static void check_split_of(const char *path, const char *want,
                           const char *note, const clean_image *c, size_t len)
{
    harness_response r;

    harness_get(srv, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, NULL, note);
    HARNESS_ASSERT_BODY(srv, &r, c->img, len);
    HARNESS_ASSERT(srv, r.content_length < 0
                   || r.content_length == (long long)len,
                   "Content-Length %lld, body %zu", r.content_length, len);
    harness_response_free(&r);
}

static void check_split(const char *path, const char *want)
{
    check_split_of(path, want, "clr", &clean, clean.len);
}

/* GET of a plain fixture: 200, want (NULL: none), the note, the file. */
static void check_file(const char *path, const char *want, const char *note)
{
    HARNESS_ASSERT_GET(srv, 0, path, 200, want, path, note);
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

START_TEST(test_far_header_passed_one_byte_per_call_gets_attachment)
{
    check_split_of("/split/far.exe", "attachment; filename=\"far.exe\"",
                   "clr", &far_clean, far_clean.len);
}
END_TEST

/* Sixty thousand one-byte calls before the decision: what the request
 * costs the server is bounded by the sniff limit, not by the number of
 * pieces -- measured as the child's peak RSS growth (below 2 x
 * NetExeSniffLimit + 4 MiB), and as the filter reports it: the bytes it
 * held, which are real memory (the sniff buffer and anything set aside),
 * at least the bytes it examined (they live in that buffer) and at most
 * the limit plus a small constant. */
START_TEST(test_far_header_in_pieces_holds_a_bounded_amount)
{
    const long limit = DEFAULT_LIMIT_KIB * 1024L;
    const long bound_kib = 2 * DEFAULT_LIMIT_KIB + RSS_SLACK_KIB;
    pid_t pid = harness_mem_server_pid(srv);
    long growth, examined = -1, held = -1;
    harness_mem_mark m;
    char verdict[32] = "";

    HARNESS_FAIL_IF(srv, pid == 0, "no single serving process");
    HARNESS_FAIL_IF(srv, harness_mem_start(pid, &m) != 0,
                    "cannot reset the peak RSS of %ld", (long)pid);
    check_split_of("/split/far60k.exe", "attachment; filename=\"far60k.exe\"",
                   "clr", &far60k_clean, far60k_clean.len);
    growth = harness_mem_growth_kib(&m);
    HARNESS_FAIL_IF(srv, harness_mem_logged(srv, "/split/far60k.exe",
                                            LOG_WAIT_MS, verdict,
                                            sizeof verdict, &examined,
                                            &held) != 0,
                    "no debug line for /split/far60k.exe");
    printf("check_split: /split/far60k.exe in %zu pieces: RSS growth %ld KiB "
           "(bound %ld KiB)%s; filter: %s, %ld bytes examined, %ld bytes "
           "held\n", far60k_clean.decision_end + 1, growth, bound_kib,
           harness_mem_meaningful() ? "" : " under a tool", verdict,
           examined, held);
    fflush(stdout);
    HARNESS_FAIL_IF(srv, growth < 0, "the serving process %ld is gone",
                    (long)pid);
    HARNESS_FAIL_IF(srv, harness_mem_meaningful() && growth >= bound_kib,
                    "the child grew by %ld KiB (bound 2 x %ld + 4 MiB = %ld "
                    "KiB)", growth, limit, bound_kib);
    HARNESS_FAIL_IF(srv, strcmp(verdict, "clr") != 0, "logged verdict %s",
                    verdict);
    HARNESS_FAIL_IF(srv, examined < (long)far60k_clean.decision_end
                    || held < examined || held > limit + HELD_SLACK,
                    "%ld bytes examined, %ld held for a decision at byte %zu "
                    "(held must cover the examined bytes and stay within "
                    "%ld + %ld)", examined, held, far60k_clean.decision_end,
                    limit, HELD_SLACK);
}
END_TEST

START_TEST(test_far_header_in_pieces_beyond_sniff_limit_is_unknown)
{
    /* The start of an image, its header beyond the limit: the header. */
    check_split_of("/split-small/far.exe", "attachment; filename=\"far.exe\"",
                   "unknown", &far_clean, far_clean.len);
}
END_TEST

/* A body that ends before the decision point, one byte per call, gets the
 * verdict the same bytes get when served whole. */
START_TEST(test_short_body_in_pieces_gets_the_verdict_of_the_whole_file)
{
    harness_response r;
    char whole_note[32];

    harness_get(srv, "/whole/short.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    HARNESS_ASSERT(srv, harness_note_of(srv, &r, whole_note,
                                        sizeof whole_note) == 0,
                   "no log line");
    harness_response_free(&r);
    HARNESS_ASSERT(srv, strcmp(whole_note, "clr") != 0
                   && strcmp(whole_note, "-") != 0
                   && strcmp(whole_note, "skipped") != 0,
                   "note of the whole short file: %s", whole_note);

    check_split_of("/split/short.exe", NULL, whole_note, &clean, SHORT_LEN);
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
    tcase_add_test(tc, test_far_header_passed_one_byte_per_call_gets_attachment);
    tcase_add_test(tc, test_far_header_in_pieces_beyond_sniff_limit_is_unknown);
    tcase_add_test(tc, test_far_header_in_pieces_holds_a_bounded_amount);
    tcase_add_test(tc, test_short_body_in_pieces_gets_the_verdict_of_the_whole_file);
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
