/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_far.c -- PE headers far into the file (DESIGN.md sections 2 and
 * 5).  Windows accepts e_lfanew up to 256 MiB, so a CLR image may put its
 * header anywhere below that.
 *
 * A static file is peeked (a pread at offset 0, then one at e_lfanew):
 * e_lfanew 65,664 and 1,048,704 are clr at the default NetExeSniffLimit,
 * and the debug line says only a few hundred bytes were examined.  With
 * NetExeSniffLimit 16777216 an image whose header lies 4 KiB short of
 * 16 MiB is decided without reading 16 MiB: the serving process's peak
 * RSS grows by far less (under 8 MiB), also for "Range: bytes=0-1" (206
 * with the header: the filter runs before the byterange filter and sees
 * the whole 200).
 *
 * A streamed body (CGI) is held up to the limit: the same images are
 * unknown at the default limit and clr with NetExeSniffLimit 2097152; a
 * decision that needs exactly the limit is made, one byte more is
 * unknown.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_mem.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      60
#define LFANEW_64K          65664u      /* 0x10080: just past 64 KiB */
#define LFANEW_1M           1048704u    /* 0x100080: just past 1 MiB */
#define LFANEW_NEAR_16M     (16u * 1024u * 1024u - 4096u)
#define SIZE_NEAR_16M       (16u * 1024u * 1024u + 100u * 1024u)
#define SMALL_LIMIT         512u
/* What a peek may examine: a first read and a window at e_lfanew
 * (a decision needs e_lfanew + 0x100 at most). */
#define EXAMINED_MAX        (2L * 512L + 0x100L)
#define RSS_BOUND_KIB       (8L * 1024L)

static harness_httpd *srv;

static const char far_config[] =
    "<Directory \"@DOCROOT@/far\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/big\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 16777216\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN
    "ScriptAlias /cgi-2m/ \"@DOCROOT@/cgi/\"\n"
    "ScriptAlias /cgi-small/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-2m/\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 2097152\n"
    "</Location>\n"
    "<Location \"/cgi-small/\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    "</Location>\n";

typedef struct {
    const char *name;           /* far/NAME and cgi/NAME-less-extension */
    const char *script;
    uint32_t e_lfanew;
    int pe32plus;
} far_image;

static const far_image images[] = {
    { "f65664.exe",      "f65664",      LFANEW_64K, 0 },
    { "f1048704.exe",    "f1048704",    LFANEW_1M,  0 },
    { "f1048704-64.dll", "f1048704-64", LFANEW_1M,  1 },
};

enum { NIMAGES = sizeof images / sizeof images[0] };

static void spec_of(const far_image *f, pebuild_spec *s)
{
    pebuild_spec_init(s);
    s->e_lfanew = f->e_lfanew;
    if (f->pe32plus) {
        s->pe32plus = 1;
        s->dll = 1;
        s->machine = PEBUILD_MACHINE_AMD64;
    }
}

/* An image whose decision needs exactly limit + extra bytes. */
static void write_at_limit(const char *rel, size_t limit, size_t extra)
{
    pebuild_spec s;
    size_t span;

    pebuild_spec_init(&s);
    span = pebuild_decision_end(&s) - s.e_lfanew;
    s.e_lfanew = (uint32_t)(limit - span + extra);
    ck_assert_uint_eq(pebuild_decision_end(&s), limit + extra);
    ck_assert_int_eq(harness_write_pe(srv, rel, &s, NULL), 0);
}

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    harness_options o;
    pebuild_spec s;
    size_t i;
    char rel[64], cgi[64];

    harness_options_init(&o);
    o.modules = mods;
    o.config = far_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    for (i = 0; i < NIMAGES; i++) {
        spec_of(&images[i], &s);
        snprintf(rel, sizeof rel, "far/%s", images[i].name);
        snprintf(cgi, sizeof cgi, "cgi/%s", images[i].script);
        ck_assert_int_eq(harness_write_pe(srv, rel, &s, NULL), 0);
        ck_assert_int_eq(harness_write_cgi_image(srv, cgi, rel, NULL), 0);
    }
    pebuild_spec_init(&s);
    s.e_lfanew = LFANEW_NEAR_16M;
    s.total_size = SIZE_NEAR_16M;
    ck_assert_int_eq(harness_write_pe(srv, "big/near16m.exe", &s, NULL), 0);
    write_at_limit("img/edge.exe", SMALL_LIMIT, 0);
    write_at_limit("img/over.exe", SMALL_LIMIT, 1);
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/edge", "img/edge.exe",
                                             NULL), 0);
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/over", "img/over.exe",
                                             NULL), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* The debug line of uri says verdict, and examined no more than max. */
static void check_examined(const char *uri, const char *verdict, long max)
{
    long examined = -1, held = -1;
    char v[32];

    HARNESS_ASSERT(srv, harness_mem_logged(srv, uri, HARNESS_LOG_WAIT_MS, v,
                                           sizeof v, &examined, &held) == 0,
                   "no debug line for %s", uri);
    fprintf(stderr, "check_far: %s: %s, %ld bytes examined, %ld held\n", uri,
            v, examined, held);
    HARNESS_ASSERT(srv, strcmp(v, verdict) == 0, "%s: debug verdict [%s], "
                   "expected [%s]", uri, v, verdict);
    HARNESS_ASSERT(srv, examined >= 0 && examined <= max,
                   "%s: %ld bytes examined, expected at most %ld", uri,
                   examined, max);
}

START_TEST(test_static_far_header_is_clr_at_the_default_limit)
{
    const far_image *f = &images[_i];
    char path[64], rel[64], want[128];

    snprintf(path, sizeof path, "/far/%s", f->name);
    snprintf(rel, sizeof rel, "far/%s", f->name);
    snprintf(want, sizeof want, "attachment; filename=\"%s\"", f->name);
    HARNESS_ASSERT_GET(srv, 0, path, 200, want, rel, "clr");
    check_examined(path, "clr", EXAMINED_MAX);
}
END_TEST

/* Streamed, the header lies beyond what the filter holds: unknown, and,
 * as the start of an image that could be one, the header. */
START_TEST(test_streamed_far_header_is_unknown_at_the_default_limit)
{
    const far_image *f = &images[_i];
    char path[64], rel[64], want[128];

    snprintf(path, sizeof path, "/cgi-bin/%s", f->script);
    snprintf(rel, sizeof rel, "far/%s", f->name);
    snprintf(want, sizeof want, "attachment; filename=\"%s.exe\"",
             f->script);
    HARNESS_ASSERT_GET(srv, 0, path, 200, want, rel, "unknown");
}
END_TEST

START_TEST(test_streamed_far_header_is_clr_with_a_2_mib_limit)
{
    const far_image *f = &images[_i];
    char path[64], rel[64], want[128];

    snprintf(path, sizeof path, "/cgi-2m/%s", f->script);
    snprintf(rel, sizeof rel, "far/%s", f->name);
    snprintf(want, sizeof want, "attachment; filename=\"%s.%s\"", f->script,
             f->pe32plus ? "dll" : "exe");
    HARNESS_ASSERT_GET(srv, 0, path, 200, want, rel, "clr");
}
END_TEST

/* GET (or a Range of bytes 0-1) of the image whose header lies near
 * 16 MiB under a 16 MiB limit: clr, and the process's memory did not grow
 * by anything like 16 MiB. */
static void check_near_16m(int range)
{
    harness_response r;
    harness_mem_mark m;
    const char *want = "attachment; filename=\"near16m.exe\"";
    long grew = 0;
    int measure = harness_mem_meaningful();

    if (measure)
        ck_assert_int_eq(harness_mem_start_all(srv, &m), 0);
    if (range)
        harness_get_range(srv, "/big/near16m.exe", 0, 2, &r);
    else
        harness_get(srv, "/big/near16m.exe", &r);
    if (measure)
        grew = harness_mem_growth_kib(&m);
    fprintf(stderr, "check_far: /big/near16m.exe%s: peak RSS growth %ld KiB\n",
            range ? " (bytes 0-1)" : "", grew);
    if (range) {
        HARNESS_ASSERT_DOWNLOAD(srv, &r, 206, want, NULL, "clr");
        HARNESS_ASSERT_RANGE(srv, &r, "big/near16m.exe", 0, 2);
    } else {
        HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "big/near16m.exe", "clr");
    }
    HARNESS_ASSERT(srv, grew >= 0 && grew < RSS_BOUND_KIB,
                   "peak RSS grew by %ld KiB, bound %ld KiB", grew,
                   RSS_BOUND_KIB);
    check_examined("/big/near16m.exe", "clr", EXAMINED_MAX);
    harness_response_free(&r);
}

START_TEST(test_static_header_near_16_mib_is_peeked_not_read)
{
    check_near_16m(0);
}
END_TEST

START_TEST(test_two_byte_range_of_the_16_mib_image_gets_the_header)
{
    check_near_16m(1);
}
END_TEST

/* The limit bounds what a stream may hold: a decision needing exactly
 * the limit is made, one byte more is unknown. */
START_TEST(test_streamed_decision_needing_exactly_the_limit_is_made)
{
    HARNESS_ASSERT_GET(srv, 0, "/cgi-small/edge", 200,
                       "attachment; filename=\"edge.exe\"", "img/edge.exe",
                       "clr");
}
END_TEST

START_TEST(test_streamed_decision_needing_one_byte_over_the_limit_is_unknown)
{
    HARNESS_ASSERT_GET(srv, 0, "/cgi-small/over", 200,
                       "attachment; filename=\"over.exe\"", "img/over.exe",
                       "unknown");
}
END_TEST

static Suite *far_suite(void)
{
    Suite *s = suite_create("httpd_far");
    TCase *tc = tcase_create("far");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_static_far_header_is_clr_at_the_default_limit,
                        0, NIMAGES);
    tcase_add_loop_test(tc, test_streamed_far_header_is_unknown_at_the_default_limit,
                        0, NIMAGES);
    tcase_add_loop_test(tc, test_streamed_far_header_is_clr_with_a_2_mib_limit,
                        0, NIMAGES);
    tcase_add_test(tc, test_static_header_near_16_mib_is_peeked_not_read);
    tcase_add_test(tc, test_two_byte_range_of_the_16_mib_image_gets_the_header);
    tcase_add_test(tc, test_streamed_decision_needing_exactly_the_limit_is_made);
    tcase_add_test(tc, test_streamed_decision_needing_one_byte_over_the_limit_is_unknown);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(far_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
