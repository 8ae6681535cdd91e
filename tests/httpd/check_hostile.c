/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_hostile.c -- request paths chosen by an attacker (DESIGN.md
 * section 5): the name in Content-Disposition comes from the decoded last
 * segment of the path, so every byte a client can put there is tried
 * against a CLR image served for any name under /h/ (AliasMatch).
 *
 * For every answer: at most one Content-Disposition header, no header
 * the path tried to inject, a value of printable ASCII only, and exactly
 * the sanitised form disposition.h describes.  Paths httpd itself refuses
 * (%00, %2f with AllowEncodedSlashes Off, a request line over
 * LimitRequestLine) are asserted with httpd's own status.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "disposition.h"
#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define NAME_MAX_BYTES      NETEXE_NAME_MAX
#define EXT_BYTES           4
#define LONG_SEGMENT        4000        /* fits in LimitRequestLine */
#define HUGE_SEGMENT        8192        /* does not: 8190 bytes by default */
#define CYRILLIC_ZHE        "%D0%B6"    /* U+0436, two bytes */
#define ZHE_REPEAT          150
#define ASCII_PRINT_MIN     0x20
#define ASCII_PRINT_MAX     0x7E

static harness_httpd *srv;

/* Every path under /h/ is the image.  The pattern is a bare prefix:
 * "^/h/(.*)$" would not match a path whose decoded form holds a line feed,
 * as '.' does not match one. */
static const char hostile_config[] =
    "AliasMatch \"^/h/\" \"@DOCROOT@/img/clr.exe\"\n"
    "<Location \"/h/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    AllowEncodedSlashes NoDecode\n"
    "    AliasMatch \"^/h/\" \"@DOCROOT@/img/clr.exe\"\n"
    "</VirtualHost>\n"
    "<VirtualHost 127.0.0.1:@PORT2@>\n"
    "    AllowEncodedSlashes On\n"
    "    AliasMatch \"^/h/\" \"@DOCROOT@/img/clr.exe\"\n"
    "</VirtualHost>\n";

typedef struct {
    const char *path;
    const char *want;       /* exact Content-Disposition */
} hostile_case;

static const hostile_case cases[] = {
    /* CR LF: one header, the line break made two underscores. */
    { "/h/a%0d%0aX-Injected:%20yes.exe",
      "attachment; filename=\"a__X-Injected: yes.exe\"" },
    { "/h/%0d%0aX-Injected:%20yes",
      "attachment; filename=\"__X-Injected: yes.exe\"" },
    { "/h/a%0aX-Injected:%20yes%0d.exe",
      "attachment; filename=\"a_X-Injected: yes_.exe\"" },
    /* Quotes cannot close the quoted string or add a parameter. */
    { "/h/say%22hi%22.exe",
      "attachment; filename=\"say_hi_.exe\"; filename*=UTF-8''say%22hi%22.exe" },
    { "/h/x%22;%20filename=%22evil.bat",
      "attachment; filename=\"x__ filename=_evil.bat.exe\"; "
      "filename*=UTF-8''x%22%3B%20filename%3D%22evil.bat.exe" },
    /* Backslashes are path separators on the client. */
    { "/h/..%5c..%5cwindows%5cevil.exe",
      "attachment; filename=\"_.._windows_evil.exe\"" },
    { "/h/a%5c%22.exe",
      "attachment; filename=\"a__.exe\"; filename*=UTF-8''a_%22.exe" },
    /* Invalid UTF-8: one underscore per byte. */
    { "/h/x%ff%fe.exe", "attachment; filename=\"x__.exe\"" },
    { "/h/a%c0%afb.exe", "attachment; filename=\"a__b.exe\"" },
    { "/h/%ed%a0%80.exe", "attachment; filename=\"___.exe\"" },
    /* Other controls and separators. */
    { "/h/tab%09del%7f.exe", "attachment; filename=\"tab_del_.exe\"" },
    { "/h/50%25.exe",
      "attachment; filename=\"50_.exe\"; filename*=UTF-8''50%25.exe" },
    { "/h/a;b,c.exe",
      "attachment; filename=\"a_b_c.exe\"; filename*=UTF-8''a%3Bb%2Cc.exe" },
    /* Right-to-left override would show "exe.txt" backwards. */
    { "/h/%E2%80%AEexe.txt", "attachment; filename=\"_exe.txt.exe\"" },
    /* Dots and spaces at either end are dropped; nothing left: default. */
    { "/h/tool.exe.", "attachment; filename=\"tool.exe\"" },
    { "/h/%20..%20", "attachment; filename=\"download.exe\"" },
    { "/h/", "attachment; filename=\"download.exe\"" },
    { "/h/.hidden.EXE", "attachment; filename=\"hidden.EXE\"" },
    /* Names in other scripts: the quoted form is lossy, filename* exact. */
    { "/h/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.exe",
      "attachment; filename=\"______.exe\"; "
      "filename*=UTF-8''%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.exe" },
    { "/h/%E4%B8%8B%E8%BD%BD.exe",
      "attachment; filename=\"__.exe\"; filename*=UTF-8''%E4%B8%8B%E8%BD%BD.exe" },
    { "/h/caf%C3%A9",
      "attachment; filename=\"caf_.exe\"; filename*=UTF-8''caf%C3%A9.exe" },
    /* Path parameters and double encoding are name bytes like others. */
    { "/h/a.exe;jsessionid=x",
      "attachment; filename=\"a.exe_jsessionid=x.exe\"; "
      "filename*=UTF-8''a.exe%3Bjsessionid%3Dx.exe" },
    { "/h/%252e%252e",
      "attachment; filename=\"_2e_2e.exe\"; filename*=UTF-8''%252e%252e.exe" },
    { "/h/a.exe/", "attachment; filename=\"download.exe\"" },
    { "/h/setup%20%20", "attachment; filename=\"setup.exe\"" },
    { "/h/x.DLL", "attachment; filename=\"x.DLL\"" },
    /* C1 controls and invisible direction marks become '_'; other
     * characters outside ASCII are kept in filename*. */
    { "/h/a%C2%85b.exe", "attachment; filename=\"a_b.exe\"" },
    { "/h/a%E2%80%8Eb.exe", "attachment; filename=\"a_b.exe\"" },
    { "/h/a%C2%A0b.exe",
      "attachment; filename=\"a_b.exe\"; filename*=UTF-8''a%C2%A0b.exe" },
    { "/h/%F0%9F%98%80.exe",
      "attachment; filename=\"_.exe\"; filename*=UTF-8''%F0%9F%98%80.exe" },
    /* The query string is never part of the name. */
    { "/h/get?x=%0d%0aX-Injected:%20yes",
      "attachment; filename=\"get.exe\"" },
};

/* A file named on disk with the bytes of name (UTF-8), asked for by its
 * percent-encoded path. */
typedef struct {
    const char *name;       /* under dl/ */
    const char *path;
    const char *want;
} invisible_case;

static const invisible_case invisible[] = {
    /* ZERO WIDTH SPACE inside, BYTE ORDER MARK in front. */
    { "set\xE2\x80\x8Bup.exe", "/dl/set%E2%80%8Bup.exe",
      "attachment; filename=\"set_up.exe\"" },
    { "\xEF\xBB\xBFsetup.exe", "/dl/%EF%BB%BFsetup.exe",
      "attachment; filename=\"_setup.exe\"" },
    /* WORD JOINER, SOFT HYPHEN, MONGOLIAN VOWEL SEPARATOR. */
    { "a\xE2\x81\xA0" "b.exe", "/dl/a%E2%81%A0b.exe",
      "attachment; filename=\"a_b.exe\"" },
    { "c\xC2\xAD" "d.exe", "/dl/c%C2%ADd.exe",
      "attachment; filename=\"c_d.exe\"" },
    { "e\xE1\xA0\x8E" "f.exe", "/dl/e%E1%A0%8Ef.exe",
      "attachment; filename=\"e_f.exe\"" },
    /* The joiners stay, in filename*. */
    { "g\xE2\x80\x8Dh.exe", "/dl/g%E2%80%8Dh.exe",
      "attachment; filename=\"g_h.exe\"; filename*=UTF-8''g%E2%80%8Dh.exe" },
    { "i\xE2\x80\x8Cj.exe", "/dl/i%E2%80%8Cj.exe",
      "attachment; filename=\"i_j.exe\"; filename*=UTF-8''i%E2%80%8Cj.exe" },
    /* MAN, ZWJ, PERSONAL COMPUTER: one emoji, three characters. */
    { "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB.exe",
      "/dl/%F0%9F%91%A8%E2%80%8D%F0%9F%92%BB.exe",
      "attachment; filename=\"___.exe\"; "
      "filename*=UTF-8''%F0%9F%91%A8%E2%80%8D%F0%9F%92%BB.exe" },
};

static void setup(void)
{
    static const char *const mods[] = { "alias", NULL };
    size_t i;
    harness_options o;

    harness_options_init(&o);
    o.modules = mods;
    o.config = hostile_config;
    o.extra_ports = 2;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_write_pe(srv, "img/clr.exe", NULL, NULL), 0);
    for (i = 0; i < sizeof invisible / sizeof invisible[0]; i++) {
        char rel[64];

        snprintf(rel, sizeof rel, "dl/%s", invisible[i].name);
        ck_assert_int_eq(harness_write_pe(srv, rel, NULL, NULL), 0);
    }
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* What every answer must satisfy, whatever the path. */
static void assert_safe(harness_response *r)
{
    const char *v = harness_header_get(r, "Content-Disposition");
    const unsigned char *p;

    HARNESS_ASSERT(srv, harness_header_count(r, "Content-Disposition") <= 1,
                   "%zu Content-Disposition headers",
                   harness_header_count(r, "Content-Disposition"));
    HARNESS_ASSERT_NO_HEADER(srv, r, "X-Injected");
    for (p = (const unsigned char *)(v ? v : ""); *p; p++)
        HARNESS_ASSERT(srv, *p >= ASCII_PRINT_MIN && *p <= ASCII_PRINT_MAX,
                       "byte 0x%02X in Content-Disposition [%s]", *p, v);
}

/* GET path on port (0: main): a safe answer with the status, and exactly
 * the Content-Disposition want and the image, or (want NULL) neither. */
static void check_answer_on(int port, const char *path, long status,
                            const char *want)
{
    harness_response r;

    harness_get_port(srv, port, path, &r);
    assert_safe(&r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, status, want,
                            want != NULL ? "img/clr.exe" : NULL, NULL);
    harness_response_free(&r);
}

/* GET path on port (0: main): 200, the image, and exactly want. */
static void check_name_on(int port, const char *path, const char *want)
{
    check_answer_on(port, path, 200, want);
}

static void check_name(const char *path, const char *want)
{
    check_name_on(0, path, want);
}

/* GET path on port (0: main): httpd's own status, no Content-Disposition. */
static void check_refused_on(int port, const char *path, long status)
{
    check_answer_on(port, path, status, NULL);
}

static void check_refused(const char *path, long status)
{
    check_refused_on(0, path, status);
}

START_TEST(test_hostile_segment_gives_exact_safe_name)
{
    check_name(cases[_i].path, cases[_i].want);
}
END_TEST

START_TEST(test_encoded_nul_is_refused_by_httpd_with_404)
{
    check_refused("/h/a%00.exe", 404);
    check_refused("/h/a%00%0d%0aX-Injected:%20yes.exe", 404);
}
END_TEST

START_TEST(test_encoded_slash_is_refused_with_404_when_not_allowed)
{
    check_refused("/h/a%2fb.exe", 404);
    check_refused("/h/..%2f..%2fetc%2fpasswd", 404);
}
END_TEST

START_TEST(test_request_line_over_the_limit_is_refused_with_414)
{
    char *path = malloc(HUGE_SEGMENT + 16);

    ck_assert_ptr_nonnull(path);
    strcpy(path, "/h/");
    memset(path + 3, 'a', HUGE_SEGMENT);
    strcpy(path + 3 + HUGE_SEGMENT, ".exe");
    check_refused(path, 414);
    free(path);
}
END_TEST

/* A long name is cut before the extension, to NAME_MAX_BYTES in all. */
START_TEST(test_long_ascii_segment_is_cut_to_the_name_limit)
{
    char *path = malloc(LONG_SEGMENT + 16);
    char want[NAME_MAX_BYTES + 64];

    ck_assert_ptr_nonnull(path);
    strcpy(path, "/h/");
    memset(path + 3, 'a', LONG_SEGMENT);
    strcpy(path + 3 + LONG_SEGMENT, ".exe");
    strcpy(want, "attachment; filename=\"");
    memset(want + strlen(want), 'a', NAME_MAX_BYTES - EXT_BYTES);
    strcpy(want + strlen("attachment; filename=\"") + NAME_MAX_BYTES - EXT_BYTES,
           ".exe\"");
    check_name(path, want);
    free(path);
}
END_TEST

/* Two-byte characters are never cut in half: 98 of them fit in 196. */
START_TEST(test_long_utf8_segment_is_cut_at_a_character_boundary)
{
    const size_t zhe_len = strlen(CYRILLIC_ZHE);
    const size_t kept = (NAME_MAX_BYTES - EXT_BYTES) / 2;
    char path[16 + ZHE_REPEAT * 6 + 8];
    char want[64 + NAME_MAX_BYTES * 4 + 16];
    size_t i;
    char *w;

    strcpy(path, "/h/");
    for (i = 0; i < ZHE_REPEAT; i++)
        memcpy(path + 3 + i * zhe_len, CYRILLIC_ZHE, zhe_len);
    strcpy(path + 3 + ZHE_REPEAT * zhe_len, ".exe");

    strcpy(want, "attachment; filename=\"");
    w = want + strlen(want);
    memset(w, '_', kept);
    w += kept;
    strcpy(w, ".exe\"; filename*=UTF-8''");
    w += strlen(w);
    for (i = 0; i < kept; i++) {
        memcpy(w, CYRILLIC_ZHE, zhe_len);
        w += zhe_len;
    }
    strcpy(w, ".exe");
    check_name(path, want);
}
END_TEST

/* Sends "GET <raw path> HTTP/1.1" as bytes on the wire (libcurl would
 * escape them) and returns the response head; asserts the status line. */
static char *raw_get(const char *raw_path, const char *status_line)
{
    char req[512];
    unsigned char *resp;
    size_t len = 0;
    char *end;
    int n;

    n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\n\r\n", raw_path);
    ck_assert(n > 0 && (size_t)n < sizeof req);
    resp = harness_raw_exchange(srv, 0, req, (size_t)n, 0, &len);
    HARNESS_ASSERT(srv, resp != NULL, "no connection");
    end = strstr((char *)resp, "\r\n\r\n");
    HARNESS_ASSERT(srv, end != NULL, "no header block in [%s]", (char *)resp);
    end[2] = '\0';
    HARNESS_ASSERT(srv, strncmp((char *)resp, status_line,
                                strlen(status_line)) == 0,
                   "status line of [%s], expected [%s]", (char *)resp,
                   status_line);
    return (char *)resp;
}

/* How many lines of head begin with name and a colon (any case). */
static size_t count_lines(const char *head, const char *name)
{
    size_t n = 0, k = strlen(name);
    const char *p = head;

    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, k) == 0 && p[k] == ':')
            n++;
    }
    return n;
}

/* Raw UTF-8 in the request line (not percent-encoded): httpd takes it,
 * and the name is the same as for the encoded form. */
START_TEST(test_raw_utf8_request_line_gives_exact_name)
{
    char *head = raw_get("/h/\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5"
                         "\xD1\x82.exe", "HTTP/1.1 200 ");

    HARNESS_ASSERT(srv, count_lines(head, "Content-Disposition") == 1,
                   "Content-Disposition lines in [%s]", head);
    HARNESS_ASSERT(srv, strstr(head, "\r\nContent-Disposition: attachment; "
                               "filename=\"______.exe\"; filename*=UTF-8''"
                               "%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.exe\r\n")
                   != NULL, "head [%s]", head);
    free(head);
}
END_TEST

/* A raw quote in the request line. */
START_TEST(test_raw_quote_request_line_gives_exact_name)
{
    char *head = raw_get("/h/a\"b.exe", "HTTP/1.1 200 ");

    HARNESS_ASSERT(srv, count_lines(head, "Content-Disposition") == 1,
                   "Content-Disposition lines in [%s]", head);
    HARNESS_ASSERT(srv, strstr(head, "\r\nContent-Disposition: attachment; "
                               "filename=\"a_b.exe\"; filename*=UTF-8''"
                               "a%22b.exe\r\n") != NULL, "head [%s]", head);
    free(head);
}
END_TEST

/* With NoDecode, httpd keeps %2F encoded in the path the module reads:
 * it is part of the name, '%' made safe like any other. */
START_TEST(test_encoded_slash_kept_by_nodecode_is_part_of_the_name)
{
    check_name_on(harness_extra_port(srv, 0), "/h/a%2fb.exe",
                  "attachment; filename=\"a_2fb.exe\"; "
                  "filename*=UTF-8''a%252fb.exe");
}
END_TEST

/* With On, %2F becomes a real '/', and the name is what follows it;
 * ".." made of decoded slashes still does not get past httpd. */
START_TEST(test_encoded_slash_decoded_by_on_splits_the_segment)
{
    check_name_on(harness_extra_port(srv, 1), "/h/dir%2fb.exe",
                  "attachment; filename=\"b.exe\"");
    check_refused_on(harness_extra_port(srv, 1), "/h/..%2f..%2fb.exe", 404);
}
END_TEST

START_TEST(test_invisible_character_in_a_file_name_is_replaced)
{
    const invisible_case *c = &invisible[_i];
    harness_response r;
    char rel[64];

    snprintf(rel, sizeof rel, "dl/%s", c->name);
    harness_get(srv, c->path, &r);
    assert_safe(&r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, c->want, rel, "clr");
    harness_response_free(&r);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("httpd_hostile");
    TCase *tc = tcase_create("hostile");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_hostile_segment_gives_exact_safe_name, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_encoded_nul_is_refused_by_httpd_with_404);
    tcase_add_test(tc, test_encoded_slash_is_refused_with_404_when_not_allowed);
    tcase_add_test(tc, test_request_line_over_the_limit_is_refused_with_414);
    tcase_add_test(tc, test_encoded_slash_kept_by_nodecode_is_part_of_the_name);
    tcase_add_test(tc, test_encoded_slash_decoded_by_on_splits_the_segment);
    tcase_add_test(tc, test_long_ascii_segment_is_cut_to_the_name_limit);
    tcase_add_test(tc, test_long_utf8_segment_is_cut_at_a_character_boundary);
    tcase_add_test(tc, test_raw_utf8_request_line_gives_exact_name);
    tcase_add_test(tc, test_raw_quote_request_line_gives_exact_name);
    tcase_add_loop_test(tc, test_invisible_character_in_a_file_name_is_replaced,
                        0, (int)(sizeof invisible / sizeof invisible[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hostile_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
