/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_clrrule.c -- the CLR's own rule in a real apache2 (DESIGN.md
 * section 2, rule 3): NumberOfRvaAndSizes is not consulted.  Images whose
 * count says 14 or 0 while data directory 14 (the CLR runtime header) is
 * filled are loaded as managed code by Mono and CoreCLR, so they are CLR:
 * PE32 and PE32+, served as static files and by a CGI script.  An image
 * with 16 directories and directory 14 empty stays native.
 *
 * The images are pebuild's with 16 directories, the count patched
 * afterwards (pebuild_opt_offset + 92 for PE32, + 108 for PE32+), so that
 * SizeOfOptionalHeader still covers entry 14.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          30
#define OPT_NRVA_PE32           92u     /* NumberOfRvaAndSizes, PE32 */
#define OPT_NRVA_PE32PLUS       108u    /* NumberOfRvaAndSizes, PE32+ */
#define ALL_DIRECTORIES         16u

static harness_httpd *srv;

static const char rule_config[] =
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN;

typedef struct {
    const char *name;       /* dl/NAME.exe and cgi/NAME */
    int pe32plus;
    uint32_t count;         /* NumberOfRvaAndSizes written over 16 */
    int clr;                /* directory 14 filled */
    const char *note;
} rule_case;

static const rule_case cases[] = {
    { "pe32-n14",     0, 14, 1, "clr" },
    { "pe32-n0",      0,  0, 1, "clr" },
    { "pe32plus-n14", 1, 14, 1, "clr" },
    { "pe32plus-n0",  1,  0, 1, "clr" },
    /* The control: a full table with entry 14 empty. */
    { "pe32-native",  0, 16, 0, "native" },
    { "pe32plus-native", 1, 16, 0, "native" },
};

enum { NCASES = sizeof cases / sizeof cases[0] };

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
    p[2] = (unsigned char)((v >> 16) & 0xFFu);
    p[3] = (unsigned char)((v >> 24) & 0xFFu);
}

static void write_case(const rule_case *c)
{
    pebuild_spec s;
    unsigned char *img;
    size_t len = 0, at;
    char rel[64], cgi[64];

    pebuild_spec_init(&s);
    s.pe32plus = c->pe32plus;
    if (c->pe32plus)
        s.machine = PEBUILD_MACHINE_AMD64;
    s.number_of_rva_and_sizes = ALL_DIRECTORIES;
    s.clr = c->clr;
    img = pebuild(&s, &len);
    ck_assert_ptr_nonnull(img);
    at = pebuild_opt_offset(&s) + (c->pe32plus ? OPT_NRVA_PE32PLUS
                                               : OPT_NRVA_PE32);
    ck_assert_uint_le(at + 4, len);
    /* The builder wrote 16 there: the patch lands on the right field. */
    ck_assert_uint_eq(img[at], ALL_DIRECTORIES);
    put_u32(img + at, c->count);
    snprintf(rel, sizeof rel, "dl/%s.exe", c->name);
    ck_assert_int_eq(harness_write_file(srv, rel, img, len), 0);
    free(img);
    snprintf(cgi, sizeof cgi, "cgi/%s", c->name);
    ck_assert_int_eq(harness_write_cgi_image(srv, cgi, rel, NULL), 0);
}

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    harness_options o;
    size_t i;

    harness_options_init(&o);
    o.modules = mods;
    o.config = rule_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    for (i = 0; i < NCASES; i++)
        write_case(&cases[i]);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET path: 200, for a CLR image exactly one attachment named name.exe,
 * none for a native one, the note, and the body the image byte for
 * byte. */
static void check_case(const rule_case *c, const char *path)
{
    char want[128], rel[64];

    snprintf(want, sizeof want, "attachment; filename=\"%s.exe\"", c->name);
    snprintf(rel, sizeof rel, "dl/%s.exe", c->name);
    HARNESS_ASSERT_GET(srv, 0, path, 200, c->clr ? want : NULL, rel, c->note);
}

START_TEST(test_static_image_decided_on_directory_14_not_on_the_count)
{
    char path[64];

    snprintf(path, sizeof path, "/dl/%s.exe", cases[_i].name);
    check_case(&cases[_i], path);
}
END_TEST

START_TEST(test_cgi_image_decided_on_directory_14_not_on_the_count)
{
    char path[64];

    snprintf(path, sizeof path, "/cgi-bin/%s", cases[_i].name);
    check_case(&cases[_i], path);
}
END_TEST

static Suite *clrrule_suite(void)
{
    Suite *s = suite_create("httpd_clrrule");
    TCase *tc = tcase_create("clrrule");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_static_image_decided_on_directory_14_not_on_the_count,
                        0, NCASES);
    tcase_add_loop_test(tc, test_cgi_image_decided_on_directory_14_not_on_the_count,
                        0, NCASES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(clrrule_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
