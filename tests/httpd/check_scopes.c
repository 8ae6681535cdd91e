/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_scopes.c -- where the module acts (DESIGN.md sections 4 and 5):
 * directory and subdirectory scopes, a virtual host's own setting
 * inherited by its directories, .htaccess under AllowOverride, the
 * no-netexe environment variable, SetOutputFilter NETEXE, the sniff limit,
 * and a Content-Disposition already set by the handler (mod_asis) kept or
 * replaced according to NetExeOverride.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define SMALL_LIMIT         512
#define FAR_LFANEW          0x400u      /* decision needs > SMALL_LIMIT */
#define DEFAULT_LIMIT       65536u      /* NetExeSniffLimit's default */
#define TRUNCATED_LEN       0x200u      /* the file ends before FAR_LFANEW */

static harness_httpd *srv;

static const char scopes_config[] =
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/dl/native\">\n"
    "    NetExe Off\n"
    "</Directory>\n"
    "SetEnvIf Request_URI \"^/dl/nosniff/\" no-netexe\n"
    "<Directory \"@DOCROOT@/ht-fileinfo\">\n"
    "    AllowOverride FileInfo\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ht-none\">\n"
    "    AllowOverride None\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ht-indexes\">\n"
    "    AllowOverride Indexes\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/explicit\">\n"
    "    SetOutputFilter NETEXE\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/small\">\n"
    "    NetExe On\n"
    "    NetExeSniffLimit 512\n"
    /* mod_include passes the files on as heap buckets: a streamed body,
     * which the limit applies to (a static file is peeked exactly). */
    "    Options +Includes\n"
    "    SetOutputFilter INCLUDES\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/asis-keep\">\n"
    "    NetExe On\n"
    "    NetExeOverride Off\n"
    "    AddHandler send-as-is .asis\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/asis-replace\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "    AddHandler send-as-is .asis\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    ServerName default.test\n"
    "    DocumentRoot \"@DOCROOT@/early\"\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    ServerName out-keep.test\n"
    "    DocumentRoot \"@DOCROOT@/early\"\n"
    "    Header set Content-Disposition inline early\n"
    "    NetExe On\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    ServerName out-replace.test\n"
    "    DocumentRoot \"@DOCROOT@/early\"\n"
    "    Header set Content-Disposition inline early\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    ServerName err-keep.test\n"
    "    DocumentRoot \"@DOCROOT@/early\"\n"
    "    Header always set Content-Disposition inline early\n"
    "    NetExe On\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    ServerName err-replace.test\n"
    "    DocumentRoot \"@DOCROOT@/early\"\n"
    "    Header always set Content-Disposition inline early\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName vhost.test\n"
    "    DocumentRoot \"@DOCROOT@/vhost\"\n"
    "    NetExe On\n"
    "    <Directory \"@DOCROOT@/vhost/sub\">\n"
    "        Options None\n"
    "    </Directory>\n"
    "</VirtualHost>\n";

static const char htaccess_on[] = "NetExe On\n";

/* An .asis file: headers, an empty line, then the body as is. */
static void write_asis(const char *rel, const char *headers,
                       const unsigned char *img, size_t len)
{
    size_t hl = strlen(headers);
    unsigned char *buf = malloc(hl + len);

    ck_assert_ptr_nonnull(buf);
    memcpy(buf, headers, hl);
    memcpy(buf + hl, img, len);
    ck_assert_int_eq(harness_write_file(srv, rel, buf, hl + len), 0);
    free(buf);
}

static unsigned char *clr_image(size_t *len)
{
    pebuild_spec s;
    unsigned char *img;

    pebuild_spec_init(&s);
    img = pebuild(&s, len);
    ck_assert_ptr_nonnull(img);
    return img;
}

/* A CLR image whose decision needs exactly limit + extra bytes (PE32+ for
 * a name ending in .dll, PE32 otherwise). */
static void write_at_limit(const char *rel, size_t limit, size_t extra)
{
    pebuild_spec s;
    size_t span;

    pebuild_spec_init(&s);
    s.pe32plus = strstr(rel, ".dll") != NULL;
    s.dll = s.pe32plus;
    s.e_lfanew = 0x80;
    span = pebuild_decision_end(&s) - s.e_lfanew;
    s.e_lfanew = (uint32_t)(limit - span + extra);
    ck_assert_uint_eq(pebuild_decision_end(&s), limit + extra);
    ck_assert_int_eq(harness_write_pe(srv, rel, &s, NULL), 0);
}

static void setup(void)
{
    static const char *const mods[] = { "setenvif", "asis", "headers", "include",
                                        NULL };
    harness_options o;
    pebuild_spec far, native;
    unsigned char *img;
    size_t len;

    harness_options_init(&o);
    o.modules = mods;
    o.config = scopes_config;
    o.extra_ports = 2;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    pebuild_spec_init(&native);
    native.clr = 0;
    pebuild_spec_init(&far);
    far.e_lfanew = FAR_LFANEW;

    ck_assert_int_eq(harness_write_pe(srv, "dl/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/sub/deeper/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/native/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/nosniff/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "off/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "vhost/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "early/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "vhost/sub/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "explicit/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "explicit/native.exe", &native, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "small/near.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "small/far.exe", &far, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "dl/far.exe", &far, NULL), 0);
    write_at_limit("small/edge.exe", SMALL_LIMIT, 0);
    write_at_limit("small/over.exe", SMALL_LIMIT, 1);
    write_at_limit("small/edge64.dll", SMALL_LIMIT, 0);
    write_at_limit("dl/edge.exe", DEFAULT_LIMIT, 0);
    write_at_limit("dl/over.exe", DEFAULT_LIMIT, 1);
    img = pebuild(&far, &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(harness_write_file(srv, "dl/cut.exe", img, TRUNCATED_LEN), 0);
    free(img);
    ck_assert_int_eq(harness_write_pe(srv, "ht-fileinfo/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_text(srv, "ht-fileinfo/.htaccess", htaccess_on), 0);
    ck_assert_int_eq(harness_write_pe(srv, "ht-none/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_text(srv, "ht-none/.htaccess", htaccess_on), 0);
    ck_assert_int_eq(harness_write_pe(srv, "ht-indexes/tool.exe", NULL, NULL), 0);
    ck_assert_int_eq(harness_write_text(srv, "ht-indexes/.htaccess", htaccess_on), 0);

    img = clr_image(&len);
    write_asis("asis-keep/tool.asis",
               "Content-Type: application/x-msdownload\n"
               "Content-Disposition: inline\n\n", img, len);
    write_asis("asis-keep/plain.asis",
               "Content-Type: application/x-msdownload\n\n", img, len);
    write_asis("asis-replace/tool.asis",
               "Content-Type: application/x-msdownload\n"
               "Content-Disposition: inline\n\n", img, len);
    free(img);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* GET on port (0: main): 200, Content-Disposition as want (NULL: none),
 * and the note as note (NULL: not checked). */
static void check_get(int port, const char *path, const char *want,
                      const char *note)
{
    harness_response r;

    harness_get_port(srv, port, path, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, NULL, note);
    harness_response_free(&r);
}

START_TEST(test_directory_on_applies_to_its_subdirectories)
{
    check_get(0, "/dl/tool.exe", "attachment; filename=\"tool.exe\"", "clr");
    check_get(0, "/dl/sub/deeper/tool.exe", "attachment; filename=\"tool.exe\"",
              "clr");
}
END_TEST

START_TEST(test_subdirectory_off_overrides_parent_on)
{
    check_get(0, "/dl/native/tool.exe", NULL, NULL);
}
END_TEST

START_TEST(test_outside_any_scope_nothing_happens)
{
    check_get(0, "/off/tool.exe", NULL, "-");
}
END_TEST

START_TEST(test_vhost_level_on_is_inherited_by_its_directories)
{
    int port = harness_extra_port(srv, 0);

    check_get(port, "/tool.exe", "attachment; filename=\"tool.exe\"", "clr");
    check_get(port, "/sub/tool.exe", "attachment; filename=\"tool.exe\"", "clr");
}
END_TEST

START_TEST(test_htaccess_with_allowoverride_fileinfo_turns_it_on)
{
    check_get(0, "/ht-fileinfo/tool.exe", "attachment; filename=\"tool.exe\"",
              "clr");
}
END_TEST

START_TEST(test_htaccess_with_allowoverride_none_is_ignored)
{
    check_get(0, "/ht-none/tool.exe", NULL, "-");
}
END_TEST

/* NetExe needs FileInfo: under another override class httpd refuses the
 * .htaccess file with a 500, as for any directive not allowed there. */
START_TEST(test_htaccess_without_fileinfo_is_refused)
{
    harness_response r;

    harness_get(srv, "/ht-indexes/tool.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 500);
    HARNESS_ASSERT(srv, harness_error_log_wait(srv, "NetExe not allowed here",
                                               HARNESS_LOG_WAIT_MS),
                   "no \"NetExe not allowed here\" in the error log");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_no_netexe_env_skips_the_response)
{
    check_get(0, "/dl/nosniff/tool.exe", NULL, "skipped");
}
END_TEST

START_TEST(test_setoutputfilter_netexe_works_without_netexe_on)
{
    check_get(0, "/explicit/tool.exe", "attachment; filename=\"tool.exe\"", "clr");
    check_get(0, "/explicit/native.exe", NULL, "native");
}
END_TEST

START_TEST(test_image_within_small_sniff_limit_is_decided)
{
    check_get(0, "/small/near.exe", "attachment; filename=\"near.exe\"", "clr");
}
END_TEST

START_TEST(test_header_beyond_small_sniff_limit_is_unknown)
{
    /* The start of an image, its header beyond the limit: the header. */
    check_get(0, "/small/far.exe", "attachment; filename=\"far.exe\"",
              "unknown");
    /* The same file served statically is peeked where its header lies. */
    check_get(0, "/dl/far.exe", "attachment; filename=\"far.exe\"", "clr");
}
END_TEST

/* The limit is the most bytes held: a decision needing exactly that many
 * is made, one byte more is "unknown". */
START_TEST(test_decision_needing_exactly_the_limit_is_made)
{
    check_get(0, "/small/edge.exe", "attachment; filename=\"edge.exe\"", "clr");
    check_get(0, "/small/edge64.dll", "attachment; filename=\"edge64.dll\"", "clr");
    check_get(0, "/dl/edge.exe", "attachment; filename=\"edge.exe\"", "clr");
}
END_TEST

START_TEST(test_decision_needing_one_byte_over_the_limit_is_unknown)
{
    check_get(0, "/small/over.exe", "attachment; filename=\"over.exe\"",
              "unknown");
    /* Static: the limit does not apply to a peek, the verdict is exact. */
    check_get(0, "/dl/over.exe", "attachment; filename=\"over.exe\"", "clr");
}
END_TEST

/* The file ends before its PE header: decided at EOS as not PE. */
START_TEST(test_file_ending_before_its_pe_header_is_not_pe)
{
    check_get(0, "/dl/cut.exe", NULL, "not-pe");
}
END_TEST

/* The body mod_asis sends is the CLR image after the header block. */
static void check_asis(const char *path, const char *want)
{
    harness_response r;
    unsigned char *img;
    size_t len;

    img = clr_image(&len);
    harness_get(srv, path, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition", want);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    harness_response_free(&r);
    free(img);
}

START_TEST(test_asis_body_without_disposition_gets_attachment)
{
    check_asis("/asis-keep/plain.asis", "attachment; filename=\"plain.asis.exe\"");
}
END_TEST

START_TEST(test_existing_disposition_kept_with_override_off)
{
    check_asis("/asis-keep/tool.asis", "inline");
}
END_TEST

START_TEST(test_existing_disposition_replaced_with_override_on)
{
    check_asis("/asis-replace/tool.asis", "attachment; filename=\"tool.asis.exe\"");
}
END_TEST

/* Content-Disposition set before the handler by mod_headers' "early" mode,
 * in headers_out ("Header set") or err_headers_out ("Header always set"):
 * kept with NetExeOverride Off, replaced with On, and never sent twice. */
static const struct {
    const char *host;
    const char *want;
} early[] = {
    { "Host: out-keep.test",    "inline" },
    { "Host: out-replace.test", "attachment; filename=\"tool.exe\"" },
    { "Host: err-keep.test",    "inline" },
    { "Host: err-replace.test", "attachment; filename=\"tool.exe\"" },
};

START_TEST(test_early_header_is_kept_or_replaced_and_sent_once)
{
    const char *hdrs[] = { early[_i].host, NULL };
    harness_request q;
    harness_response r;

    memset(&q, 0, sizeof q);
    q.path = "/tool.exe";
    q.port = harness_extra_port(srv, 1);
    q.headers = hdrs;
    harness_send(srv, &q, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition", early[_i].want);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "early/tool.exe");
    harness_response_free(&r);
}
END_TEST

static Suite *scopes_suite(void)
{
    Suite *s = suite_create("httpd_scopes");
    TCase *tc = tcase_create("scopes");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_directory_on_applies_to_its_subdirectories);
    tcase_add_test(tc, test_subdirectory_off_overrides_parent_on);
    tcase_add_test(tc, test_outside_any_scope_nothing_happens);
    tcase_add_test(tc, test_vhost_level_on_is_inherited_by_its_directories);
    tcase_add_test(tc, test_htaccess_with_allowoverride_fileinfo_turns_it_on);
    tcase_add_test(tc, test_htaccess_with_allowoverride_none_is_ignored);
    tcase_add_test(tc, test_htaccess_without_fileinfo_is_refused);
    tcase_add_test(tc, test_no_netexe_env_skips_the_response);
    tcase_add_test(tc, test_setoutputfilter_netexe_works_without_netexe_on);
    tcase_add_test(tc, test_image_within_small_sniff_limit_is_decided);
    tcase_add_test(tc, test_header_beyond_small_sniff_limit_is_unknown);
    tcase_add_test(tc, test_decision_needing_exactly_the_limit_is_made);
    tcase_add_test(tc, test_decision_needing_one_byte_over_the_limit_is_unknown);
    tcase_add_test(tc, test_file_ending_before_its_pe_header_is_not_pe);
    tcase_add_test(tc, test_asis_body_without_disposition_gets_attachment);
    tcase_add_test(tc, test_existing_disposition_kept_with_override_off);
    tcase_add_test(tc, test_existing_disposition_replaced_with_override_on);
    tcase_add_loop_test(tc, test_early_header_is_kept_or_replaced_and_sent_once, 0,
                        (int)(sizeof early / sizeof early[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scopes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
