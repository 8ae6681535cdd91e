/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_signature.c -- NetExeSignatureCheck and NetExeTrustedRoots
 * (DESIGN.md section 4) on a real apache2: images signed at test time by
 * osslsigncode with the test PKI of tests/support/sigfix.c (root, "Test
 * Code Signing CA" intermediate, leaf with AIA caIssuers).
 *
 * What an administrator sees: one warning in the error log per bad file
 * version, naming the file, the missing issuer's DN and its URI; the state
 * in the request note netexe-signature of every request, through
 * %{netexe-signature}n in a log of the suite's own; the response (body,
 * Content-Disposition) exactly as without the check.  The server runs one
 * child process (event MPM, ServerLimit 1), so that "once per process" is
 * observable as exactly once.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_sig.h"
#include "pebuild.h"
#include "sigfix.h"

#define TEST_TIMEOUT_S      60
#define PATH_BYTES          4096
#define CONFIG_BYTES        4096
#define MESSAGE_BYTES       1024
#define NOTE_BYTES          64
/* Requests sent at once for one new file version, a signed image large
 * enough that its digest takes a while, so that they overlap it, and the
 * byte of it changed after signing. */
#define PARALLEL_REQUESTS   8
#define HUGE_SIZE           (8u * 1024u * 1024u + 4321u)
#define HUGE_DAMAGE_AT      (HUGE_SIZE / 2u)
/* Distinct mtimes of the rewritten file, seconds before now. */
#define MTIME_FIRST_AGO     300
#define MTIME_SECOND_AGO    200
#define MTIME_THIRD_AGO     100

/* The file versions a child process remembers (README,
 * NetExeSignatureCheck: "up to 1024 versions per process"). */
#define SIG_CACHE_ENTRIES   1024u

/* The suite's own access log: request id, then the note. */
#define SIG_LOG             "logs/signature.log"

static harness_httpd *srv;
static char fixdir[PATH_BYTES];

static const char signature_config[] =
    "AddType application/x-msdownload .exe .dll\n"
    "NetExeTrustedRoots roots/root.pem\n"
    "LogFormat \"%{X-Harness-Id}i %{netexe-signature}n\" signature\n"
    "CustomLog \"@ROOT@/" SIG_LOG "\" signature\n"
    "<IfModule mpm_event_module>\n"
    "    StartServers 1\n"
    "    ServerLimit 1\n"
    "    MaxRequestWorkers 16\n"
    "    MinSpareThreads 1\n"
    "    MaxSpareThreads 16\n"
    "</IfModule>\n"
    "<Directory \"@DOCROOT@/sig\">\n"
    "    NetExe On\n"
    "    NetExeSignatureCheck On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/off\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ht\">\n"
    "    NetExe On\n"
    "    AllowOverride All\n"
    "</Directory>\n"
    "ScriptAlias /cgi-sig/ \"@DOCROOT@/cgi/\"\n"
    "<Directory \"@DOCROOT@/cgi\">\n"
    "    Options +ExecCGI\n"
    "</Directory>\n"
    "<Location \"/cgi-sig/\">\n"
    "    NetExe On\n"
    "    NetExeSignatureCheck On\n"
    "</Location>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName roots.vhost.test\n"
    "    NetExeTrustedRoots roots/inter.pem\n"
    "</VirtualHost>\n";

/* Copies fixture name to docroot/rel. */
static void serve_fixture(const char *name, const char *rel)
{
    ck_assert_int_eq(harness_sig_serve(srv, fixdir, name, rel), 0);
}

/* fixdir/huge-bad-digest.exe: a HUGE_SIZE CLR image signed with the
 * whole chain, one byte in its middle changed afterwards. */
static void build_huge_bad_digest(void)
{
    char path[PATH_BYTES];
    pebuild_spec spec;
    unsigned char *img;
    size_t len;

    pebuild_spec_init(&spec);
    spec.total_size = HUGE_SIZE;
    HARNESS_FORMAT(path, sizeof path, "%s/huge-unsigned.exe", fixdir);
    ck_assert_int_eq(pebuild_write_file(path, &spec), 0);
    ck_assert_msg(sigfix_run("cd '%s' && osslsigncode sign -certs chain3.pem "
                             "-key leaf.key -h sha256 -in huge-unsigned.exe "
                             "-out huge.exe >osslsigncode.log 2>&1", fixdir)
                  == 0, "osslsigncode failed (%s/osslsigncode.log)", fixdir);
    HARNESS_FORMAT(path, sizeof path, "%s/huge.exe", fixdir);
    img = sigfix_read(path, &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_uint_gt(len, HUGE_DAMAGE_AT);
    img[HUGE_DAMAGE_AT] ^= 0x01;
    HARNESS_FORMAT(path, sizeof path, "%s/huge-bad-digest.exe", fixdir);
    ck_assert_int_eq(sigfix_write(path, img, len), 0);
    free(img);
}

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    char err[512], script[PATH_BYTES];
    harness_options o;

    ck_assert_int_eq(sigfix_tempdir("httpd-sig", fixdir, sizeof fixdir), 0);
    ck_assert_msg(sigfix_build(fixdir, err, sizeof err) == 0,
                  "fixtures in %s: %s", fixdir, err);

    harness_options_init(&o);
    o.modules = mods;
    o.mpm = HARNESS_MPM_EVENT;
    o.extra_ports = 1;
    o.config = signature_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    ck_assert_int_eq(harness_sig_install_roots(srv, fixdir), 0);

    serve_fixture("leaf.exe", "sig/leaf.exe");
    serve_fixture("inter.exe", "sig/inter.exe");
    serve_fixture("unsigned.exe", "sig/unsigned.exe");
    serve_fixture("bad-digest.exe", "sig/bad-digest.exe");
    build_huge_bad_digest();
    serve_fixture("huge-bad-digest.exe", "sig/huge-bad-digest.exe");
    serve_fixture("native64.dll", "sig/native64.dll");
    serve_fixture("truncated.exe", "sig/truncated.exe");
    serve_fixture("leaf.exe", "off/leaf.exe");
    serve_fixture("leaf.exe", "ht/leaf.exe");
    ck_assert_int_eq(harness_write_text(srv, "ht/.htaccess",
                                        "NetExeSignatureCheck On\n"), 0);
    /* The signed leaf-only image again, written by a script. */
    HARNESS_FORMAT(script, sizeof script,
        "#!/bin/sh\n"
        "printf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\n"
        "exec cat '%s/sig/leaf.exe'\n", harness_docroot(srv));
    ck_assert_int_eq(harness_write_file_mode(srv, "cgi/leaf", script,
                                             strlen(script), 0755), 0);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
    sigfix_rmtree(fixdir);
}

/* The netexe-signature note of the request that got resp, "-" when it was
 * not set: from the suite's log. */
static void signature_note(const harness_response *resp, char *out, size_t cap)
{
    HARNESS_ASSERT(srv, harness_log_find_fields(srv, SIG_LOG, resp, out, cap)
                        == 0, "no line for request %s in %s", resp->id,
                   SIG_LOG);
}

#define ASSERT_SIGNATURE_NOTE(resp, want)                                   \
    do {                                                                    \
        char sn_[NOTE_BYTES];                                               \
        signature_note((resp), sn_, sizeof sn_);                            \
        HARNESS_ASSERT(srv, strcmp(sn_, (want)) == 0,                       \
                       "note netexe-signature [%s], expected [%s]", sn_,    \
                       (want));                                             \
    } while (0)

/* The warning for an incomplete chain of docroot/rel. */
static void incomplete_warning(const char *rel, char *out, size_t cap)
{
    char path[PATH_BYTES];

    HARNESS_FORMAT(path, sizeof path, "%s/%s", harness_docroot(srv), rel);
    ck_assert_int_eq(harness_sig_incomplete_warning(path, out, cap), 0);
}

/* The start of a log line of the module about docroot/rel in state. */
static void state_message(const char *rel, const char *state, char *out,
                          size_t cap)
{
    HARNESS_FORMAT(out, cap, "%s/%s: Authenticode signature %s",
                   harness_docroot(srv), rel, state);
}

/* GET path: 200, the file's bytes, the header the filter gives it without
 * any signature check (want_cd NULL: none). */
static void get_unchanged(const char *path, const char *rel,
                          const char *want_cd, harness_response *r)
{
    harness_get(srv, path, r);
    HARNESS_ASSERT_STATUS(srv, r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, r, rel);
    if (want_cd)
        HARNESS_ASSERT_HEADER(srv, r, "Content-Disposition", want_cd);
    else
        HARNESS_ASSERT_NO_HEADER(srv, r, "Content-Disposition");
}

START_TEST(test_leaf_only_chain_is_warned_once_and_noted_every_time)
{
    char warning[MESSAGE_BYTES];
    harness_response r;
    int i;

    incomplete_warning("sig/leaf.exe", warning, sizeof warning);
    for (i = 0; i < 2; i++) {
        get_unchanged("/sig/leaf.exe", "sig/leaf.exe",
                      "attachment; filename=\"leaf.exe\"", &r);
        HARNESS_ASSERT_NOTE(srv, &r, "clr");
        ASSERT_SIGNATURE_NOTE(&r, "incomplete");
        harness_response_free(&r);
    }
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "warned once");
    HARNESS_ASSERT(srv, harness_error_log_count(srv, "[netexe:warn]") >= 1,
                   "the warning is not at warning level");
}
END_TEST

START_TEST(test_leaf_and_intermediate_with_trusted_root_is_complete_silently)
{
    char done[MESSAGE_BYTES], warned[MESSAGE_BYTES];
    harness_response r;
    int i;

    state_message("sig/inter.exe", "complete", done, sizeof done);
    state_message("sig/inter.exe", "incomplete", warned, sizeof warned);
    for (i = 0; i < 2; i++) {
        get_unchanged("/sig/inter.exe", "sig/inter.exe",
                      "attachment; filename=\"inter.exe\"", &r);
        ASSERT_SIGNATURE_NOTE(&r, "complete");
        harness_response_free(&r);
    }
    /* Analysed once (its debug line), never warned about. */
    HARNESS_ASSERT_LOGGED(srv, done, 1, "analysed once");
    HARNESS_ASSERT_LOGGED(srv, warned, 0, "never warned");
}
END_TEST

START_TEST(test_unsigned_clr_image_is_noted_unsigned)
{
    harness_response r;

    get_unchanged("/sig/unsigned.exe", "sig/unsigned.exe",
                  "attachment; filename=\"unsigned.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "unsigned");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_tampered_image_is_bad_digest_warned_once)
{
    char warning[MESSAGE_BYTES];
    harness_response r;
    int i;

    state_message("sig/bad-digest.exe", "bad-digest: ", warning, sizeof warning);
    for (i = 0; i < 2; i++) {
        get_unchanged("/sig/bad-digest.exe", "sig/bad-digest.exe",
                      "attachment; filename=\"bad-digest.exe\"", &r);
        ASSERT_SIGNATURE_NOTE(&r, "bad-digest");
        harness_response_free(&r);
    }
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "warned once");
}
END_TEST

START_TEST(test_truncated_signature_is_malformed_warned_once)
{
    char warning[MESSAGE_BYTES];
    harness_response r;
    int i;

    state_message("sig/truncated.exe", "malformed: ", warning, sizeof warning);
    for (i = 0; i < 2; i++) {
        get_unchanged("/sig/truncated.exe", "sig/truncated.exe",
                      "attachment; filename=\"truncated.exe\"", &r);
        ASSERT_SIGNATURE_NOTE(&r, "malformed");
        harness_response_free(&r);
    }
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "warned once");
}
END_TEST

/* Only a file has a version to remember: a script's output is not
 * checked, and gets the filter's header as usual. */
START_TEST(test_script_output_is_not_checked)
{
    harness_response r;

    harness_get(srv, "/cgi-sig/leaf", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "sig/leaf.exe");
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"leaf.exe\"");
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    ASSERT_SIGNATURE_NOTE(&r, "-");
    harness_response_free(&r);
}
END_TEST

/* NetExeMatch clr gives a native image no header; it is checked all the
 * same. */
START_TEST(test_signed_native_dll_is_checked_whatever_netexe_match)
{
    harness_response r;

    get_unchanged("/sig/native64.dll", "sig/native64.dll", NULL, &r);
    HARNESS_ASSERT_NOTE(srv, &r, "native");
    ASSERT_SIGNATURE_NOTE(&r, "complete");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_signature_check_off_sets_no_note_and_logs_nothing)
{
    char about[MESSAGE_BYTES];
    harness_response r;

    get_unchanged("/off/leaf.exe", "off/leaf.exe",
                  "attachment; filename=\"leaf.exe\"", &r);
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    ASSERT_SIGNATURE_NOTE(&r, "-");
    harness_response_free(&r);
    state_message("off/leaf.exe", "", about, sizeof about);
    HARNESS_ASSERT_LOGGED(srv, about, 0, "with the check off");
}
END_TEST

/* The same file version under other roots is another question: the
 * virtual host trusts the intermediate, so the leaf-only chain ends in a
 * trusted certificate there, and stays incomplete on the main server. */
START_TEST(test_virtual_host_roots_apply_to_its_requests)
{
    harness_request req;
    harness_response r;

    memset(&req, 0, sizeof req);
    req.path = "/sig/leaf.exe";
    req.port = harness_extra_port(srv, 0);
    harness_send(srv, &req, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_BODY_FILE(srv, &r, "sig/leaf.exe");
    ASSERT_SIGNATURE_NOTE(&r, "complete");
    harness_response_free(&r);

    get_unchanged("/sig/leaf.exe", "sig/leaf.exe",
                  "attachment; filename=\"leaf.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "incomplete");
    harness_response_free(&r);
}
END_TEST

/* Sets the mtime of docroot/rel to ago seconds before now. */
static void set_mtime(const char *rel, time_t ago)
{
    char *path = harness_path(srv, rel);
    struct timeval tv[2];

    ck_assert_ptr_nonnull(path);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= ago;
    tv[0].tv_usec = 0;
    tv[1] = tv[0];
    ck_assert_msg(utimes(path, tv) == 0, "utimes %s: %s", path, strerror(errno));
    free(path);
}

/* A new size or a new mtime is a new version: analysed (and warned
 * about) again; the same version again is not. */
START_TEST(test_rewritten_file_is_analysed_again)
{
    const char *rel = "sig/changing.exe";
    char warning[MESSAGE_BYTES];
    harness_response r;

    incomplete_warning(rel, warning, sizeof warning);

    serve_fixture("unsigned.exe", rel);
    set_mtime(rel, MTIME_FIRST_AGO);
    get_unchanged("/sig/changing.exe", rel,
                  "attachment; filename=\"changing.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "unsigned");
    harness_response_free(&r);

    serve_fixture("leaf.exe", rel);
    set_mtime(rel, MTIME_SECOND_AGO);
    get_unchanged("/sig/changing.exe", rel,
                  "attachment; filename=\"changing.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "incomplete");
    harness_response_free(&r);
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "after the rewrite");

    /* Same bytes, same size, a new mtime. */
    set_mtime(rel, MTIME_THIRD_AGO);
    get_unchanged("/sig/changing.exe", rel,
                  "attachment; filename=\"changing.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "incomplete");
    harness_response_free(&r);
    get_unchanged("/sig/changing.exe", rel,
                  "attachment; filename=\"changing.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "incomplete");
    harness_response_free(&r);
    HARNESS_ASSERT_LOGGED(srv, warning, 2, "after the new mtime");
}
END_TEST

/* Requests that arrive together for a version nobody has analysed yet:
 * one analysis, one warning, every response whole and noted. */
START_TEST(test_concurrent_requests_for_a_new_version_warn_once)
{
    harness_request reqs[PARALLEL_REQUESTS];
    harness_response resps[PARALLEL_REQUESTS];
    char warning[MESSAGE_BYTES];
    size_t i;

    memset(reqs, 0, sizeof reqs);
    for (i = 0; i < PARALLEL_REQUESTS; i++)
        reqs[i].path = "/sig/huge-bad-digest.exe";
    HARNESS_ASSERT(srv, harness_request_parallel(srv, reqs, resps,
                                                 PARALLEL_REQUESTS) == 0,
                   "some parallel requests got no response");
    for (i = 0; i < PARALLEL_REQUESTS; i++) {
        HARNESS_ASSERT_STATUS(srv, &resps[i], 200);
        HARNESS_ASSERT_BODY_FILE(srv, &resps[i], "sig/huge-bad-digest.exe");
        HARNESS_ASSERT_HEADER(srv, &resps[i], "Content-Disposition",
                              "attachment; filename=\"huge-bad-digest.exe\"");
        ASSERT_SIGNATURE_NOTE(&resps[i], "bad-digest");
        harness_response_free(&resps[i]);
    }
    state_message("sig/huge-bad-digest.exe", "bad-digest: ", warning,
                  sizeof warning);
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "after concurrent requests");
}
END_TEST

/* The memory is bounded: after as many other versions as it holds, the
 * first one is forgotten, and analysed (and warned about) again. */
START_TEST(test_cache_forgets_the_oldest_version_beyond_its_size)
{
    harness_response r;
    char warning[MESSAGE_BYTES];
    size_t i;

    incomplete_warning("sig/evict.exe", warning, sizeof warning);
    serve_fixture("leaf.exe", "sig/evict.exe");
    for (i = 0; i < 2; i++) {
        get_unchanged("/sig/evict.exe", "sig/evict.exe",
                      "attachment; filename=\"evict.exe\"", &r);
        ASSERT_SIGNATURE_NOTE(&r, "incomplete");
        harness_response_free(&r);
    }
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "before the others");

    HARNESS_ASSERT(srv, harness_sig_other_versions(srv, fixdir,
                                                   SIG_CACHE_ENTRIES) == 0,
                   "some of the other versions got no 200");

    get_unchanged("/sig/evict.exe", "sig/evict.exe",
                  "attachment; filename=\"evict.exe\"", &r);
    ASSERT_SIGNATURE_NOTE(&r, "incomplete");
    harness_response_free(&r);
    HARNESS_ASSERT_LOGGED(srv, warning, 2,
                          "after %u other versions", SIG_CACHE_ENTRIES);
}
END_TEST

START_TEST(test_signature_check_in_htaccess_is_refused)
{
    harness_response r;

    harness_get(srv, "/ht/leaf.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 500);
    harness_response_free(&r);
    HARNESS_ASSERT(srv, harness_error_log_wait(srv, "NetExeSignatureCheck not "
                                               "allowed here", HARNESS_LOG_WAIT_MS),
                   "no \"NetExeSignatureCheck not allowed here\" in the error log");
}
END_TEST

/* --- configuration errors (apache2 -t) -------------------------------- */

static int config_test(const char *snippet, char **output)
{
    harness_options o;

    harness_options_init(&o);
    o.config = snippet;
    return harness_config_test(&o, output);
}

/* apache2 -t on snippet fails, and its output holds each of names. */
static void assert_configtest_fails(const char *snippet,
                                    const char *const *names)
{
    char *out = NULL;
    int rc = config_test(snippet, &out);

    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc > 0, "[%s]: apache2 -t exited %d, expected a failure:\n%s",
                  snippet, rc, out);
    for (; *names; names++)
        ck_assert_msg(strstr(out, *names) != NULL,
                      "[%s]: output does not mention %s:\n%s", snippet, *names,
                      out);
    free(out);
}

START_TEST(test_missing_roots_file_fails_configtest_naming_directive_and_path)
{
    static const char *const names[] = { "NetExeTrustedRoots",
                                         "/nonexistent.pem", NULL };

    assert_configtest_fails("NetExeTrustedRoots /nonexistent.pem\n", names);
}
END_TEST

START_TEST(test_roots_file_without_certificates_fails_configtest)
{
    char snippet[CONFIG_BYTES], path[PATH_BYTES];
    const char *names[3];

    HARNESS_FORMAT(path, sizeof path, "%s/notes.txt", fixdir);
    HARNESS_FORMAT(snippet, sizeof snippet, "NetExeTrustedRoots \"%s\"\n",
                   path);
    names[0] = "NetExeTrustedRoots";
    names[1] = path;
    names[2] = NULL;
    assert_configtest_fails(snippet, names);
}
END_TEST

START_TEST(test_roots_in_a_directory_section_fail_configtest)
{
    char snippet[CONFIG_BYTES];
    static const char *const names[] = { "NetExeTrustedRoots",
                                         "not allowed", NULL };

    HARNESS_FORMAT(snippet, sizeof snippet,
                   "<Directory \"@DOCROOT@/sig\">\n"
                   "    NetExeTrustedRoots \"%s/root.pem\"\n"
                   "</Directory>\n", fixdir);
    assert_configtest_fails(snippet, names);
}
END_TEST

START_TEST(test_bad_signature_check_value_fails_configtest)
{
    static const char *const names[] = { "NetExeSignatureCheck", "On", "Off",
                                         NULL };

    assert_configtest_fails("NetExeSignatureCheck maybe\n", names);
}
END_TEST

START_TEST(test_signature_directives_in_their_contexts_pass_configtest)
{
    char snippet[CONFIG_BYTES], *out = NULL;
    int rc;

    HARNESS_FORMAT(snippet, sizeof snippet,
                   "NetExeSignatureCheck On\n"
                   "NetExeTrustedRoots \"%s/root.pem\"\n"
                   "<VirtualHost 127.0.0.1:@PORT@>\n"
                   "    ServerName vhost.test\n"
                   "    NetExeSignatureCheck Off\n"
                   "    NetExeTrustedRoots \"%s/inter.pem\"\n"
                   "</VirtualHost>\n"
                   "<Directory \"@DOCROOT@/sig\">\n"
                   "    NetExeSignatureCheck On\n"
                   "</Directory>\n"
                   "<Location \"/sig/off\">\n"
                   "    NetExeSignatureCheck Off\n"
                   "</Location>\n", fixdir, fixdir);
    rc = config_test(snippet, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc == 0, "apache2 -t exited %d:\n%s", rc, out);
    ck_assert_msg(strstr(out, "Syntax OK") != NULL, "%s", out);
    free(out);
}
END_TEST

static Suite *signature_suite(void)
{
    Suite *s = suite_create("httpd_signature");
    TCase *tc = tcase_create("signature");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_leaf_only_chain_is_warned_once_and_noted_every_time);
    tcase_add_test(tc, test_leaf_and_intermediate_with_trusted_root_is_complete_silently);
    tcase_add_test(tc, test_unsigned_clr_image_is_noted_unsigned);
    tcase_add_test(tc, test_tampered_image_is_bad_digest_warned_once);
    tcase_add_test(tc, test_truncated_signature_is_malformed_warned_once);
    tcase_add_test(tc, test_script_output_is_not_checked);
    tcase_add_test(tc, test_signed_native_dll_is_checked_whatever_netexe_match);
    tcase_add_test(tc, test_signature_check_off_sets_no_note_and_logs_nothing);
    tcase_add_test(tc, test_virtual_host_roots_apply_to_its_requests);
    tcase_add_test(tc, test_rewritten_file_is_analysed_again);
    tcase_add_test(tc, test_concurrent_requests_for_a_new_version_warn_once);
    tcase_add_test(tc, test_cache_forgets_the_oldest_version_beyond_its_size);
    tcase_add_test(tc, test_signature_check_in_htaccess_is_refused);
    tcase_add_test(tc, test_missing_roots_file_fails_configtest_naming_directive_and_path);
    tcase_add_test(tc, test_roots_file_without_certificates_fails_configtest);
    tcase_add_test(tc, test_roots_in_a_directory_section_fail_configtest);
    tcase_add_test(tc, test_bad_signature_check_value_fails_configtest);
    tcase_add_test(tc, test_signature_directives_in_their_contexts_pass_configtest);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(signature_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
