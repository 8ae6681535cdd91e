/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_config.c -- configuration errors are caught by "apache2 -t", with
 * a message naming the directive and what it accepts (DESIGN.md section
 * 4); valid configurations in every context pass.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TEST_TIMEOUT_S      30
#define CONFIG_MAX          1024

/* Runs apache2 -t on the harness configuration plus snippet. */
static int config_test(const char *snippet, char **output)
{
    harness_options o;

    harness_options_init(&o);
    o.config = snippet;
    return harness_config_test(&o, output);
}

/* snippet inside a <Directory> section. */
static int config_test_in_directory(const char *snippet, char **output)
{
    char conf[CONFIG_MAX];

    snprintf(conf, sizeof conf,
             "<Directory \"@DOCROOT@/dl\">\n"
             "    NetExe On\n"
             "    %s\n"
             "</Directory>\n", snippet);
    return config_test(conf, output);
}

static const struct {
    const char *line;
    const char *names[3];       /* each must appear in the message */
} bad_values[] = {
    { "NetExeMatch foo",             { "NetExeMatch", "clr", "pe" } },
    { "NetExeMatch",                 { "NetExeMatch", NULL, NULL } },
    { "NetExeSniffLimit 10",         { "NetExeSniffLimit", "512", "16777216" } },
    { "NetExeSniffLimit 511",        { "NetExeSniffLimit", "512", "16777216" } },
    { "NetExeSniffLimit 16777217",   { "NetExeSniffLimit", "512", "16777216" } },
    { "NetExeSniffLimit 999999999",  { "NetExeSniffLimit", "512", "16777216" } },
    { "NetExeSniffLimit 99999999999999999999999", { "NetExeSniffLimit", "512", NULL } },
    { "NetExeSniffLimit -1024",      { "NetExeSniffLimit", "512", NULL } },
    { "NetExeSniffLimit 64k",        { "NetExeSniffLimit", "512", NULL } },
    { "NetExeSniffLimit 0x1000",     { "NetExeSniffLimit", "512", NULL } },
    { "NetExeSniffLimit lots",       { "NetExeSniffLimit", "512", NULL } },
    { "NetExe maybe",                { "NetExe", "On", "Off" } },
    { "NetExeOverride sometimes",    { "NetExeOverride", "On", "Off" } },
    { "NetExeFilename yes",          { "NetExeFilename", "On", "Off" } },
};

START_TEST(test_bad_value_fails_configtest_naming_the_directive)
{
    char *out = NULL;
    int rc, k;

    rc = config_test_in_directory(bad_values[_i].line, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc > 0, "[%s]: apache2 -t exited %d, expected a failure; "
                  "output:\n%s", bad_values[_i].line, rc, out);
    ck_assert_msg(strstr(out, "Syntax error") != NULL,
                  "[%s]: no syntax error reported:\n%s", bad_values[_i].line, out);
    for (k = 0; k < 3 && bad_values[_i].names[k] != NULL; k++)
        ck_assert_msg(strstr(out, bad_values[_i].names[k]) != NULL,
                      "[%s]: message does not mention %s:\n%s",
                      bad_values[_i].line, bad_values[_i].names[k], out);
    free(out);
}
END_TEST

/* The same errors at server level. */
START_TEST(test_bad_value_at_server_level_fails_configtest)
{
    char *out = NULL;
    int rc;

    rc = config_test(bad_values[_i].line, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc > 0, "[%s]: apache2 -t exited %d:\n%s",
                  bad_values[_i].line, rc, out);
    ck_assert_msg(strstr(out, bad_values[_i].names[0]) != NULL,
                  "[%s]: message does not mention %s:\n%s",
                  bad_values[_i].line, bad_values[_i].names[0], out);
    free(out);
}
END_TEST

static const char *const good_values[] = {
    "NetExeMatch clr",
    "NetExeMatch pe",
    "NetExeMatch PE",
    "NetExeSniffLimit 512",
    "NetExeSniffLimit 65536",
    "NetExeSniffLimit 16777216",
    "NetExe off",
    "NetExeOverride On",
    "NetExeFilename Off",
};

START_TEST(test_valid_value_passes_configtest)
{
    char *out = NULL;
    int rc;

    rc = config_test_in_directory(good_values[_i], &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc == 0, "[%s]: apache2 -t exited %d:\n%s", good_values[_i],
                  rc, out);
    ck_assert_msg(strstr(out, "Syntax OK") != NULL, "[%s]: %s",
                  good_values[_i], out);
    free(out);
}
END_TEST

/* Every directive in every context DESIGN.md section 4 allows. */
START_TEST(test_full_configuration_in_all_contexts_passes_configtest)
{
    static const char conf[] =
        "NetExe On\n"
        "NetExeMatch clr\n"
        "NetExeOverride Off\n"
        "NetExeFilename On\n"
        "NetExeSniffLimit 65536\n"
        "<VirtualHost 127.0.0.1:@PORT@>\n"
        "    ServerName vhost.test\n"
        "    NetExe Off\n"
        "    NetExeMatch pe\n"
        "    NetExeSniffLimit 4096\n"
        "</VirtualHost>\n"
        "<Directory \"@DOCROOT@/dl\">\n"
        "    NetExe On\n"
        "    NetExeOverride On\n"
        "    NetExeFilename Off\n"
        "    AllowOverride FileInfo\n"
        "</Directory>\n"
        "<Location \"/dl\">\n"
        "    NetExeMatch pe\n"
        "</Location>\n"
        "<Files \"*.bin\">\n"
        "    NetExeSniffLimit 1024\n"
        "</Files>\n"
        "<Directory \"@DOCROOT@/filters\">\n"
        "    SetOutputFilter NETEXE\n"
        "    AddOutputFilter NETEXE .bin\n"
        "</Directory>\n";
    char *out = NULL;
    int rc;

    rc = config_test(conf, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc == 0, "apache2 -t exited %d:\n%s", rc, out);
    ck_assert_msg(strstr(out, "Syntax OK") != NULL, "%s", out);
    free(out);
}
END_TEST

/* The harness's own configuration, without the module's directives. */
START_TEST(test_harness_configuration_passes_configtest)
{
    char *out = NULL;
    int rc;

    rc = config_test(NULL, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc == 0, "apache2 -t exited %d:\n%s", rc, out);
    free(out);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("httpd_config");
    TCase *tc = tcase_create("configtest");
    int nbad = (int)(sizeof bad_values / sizeof bad_values[0]);
    int ngood = (int)(sizeof good_values / sizeof good_values[0]);

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_harness_configuration_passes_configtest);
    tcase_add_loop_test(tc, test_bad_value_fails_configtest_naming_the_directive,
                        0, nbad);
    tcase_add_loop_test(tc, test_bad_value_at_server_level_fails_configtest, 0, nbad);
    tcase_add_loop_test(tc, test_valid_value_passes_configtest, 0, ngood);
    tcase_add_test(tc, test_full_configuration_in_all_contexts_passes_configtest);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
