/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_cache.c -- mod_cache with mod_cache_disk in front of the files
 * (DESIGN.md section 5): no-netexe depends on the request, not on the
 * resource, so a response the filter stepped aside from for it must not be
 * stored (r->no_cache), or every later client would get that copy
 * without the header.  The header of an ordinary response is stored with
 * it and replayed on every hit.
 *
 * no-netexe is set per request by BrowserMatch on the User-Agent.  The
 * files are made cacheable with "Cache-Control: max-age" (mod_headers)
 * and carry Last-Modified; CacheHeader On adds X-Cache (HIT, MISS), which
 * the tests read to know whether an answer came from the cache.  The main
 * port runs CacheQuickHandler On (the default: hits are served before any
 * filter is inserted), a virtual host on @PORT1@ CacheQuickHandler Off
 * (hits are served by mod_cache's handler in the normal handler phase);
 * each test runs on both.  The cache key includes the port, so each port has its
 * own entries; each test uses files of its own.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
#define NO_NETEXE_AGENT     "User-Agent: NoNetexe/1.0"
#define PLAIN_AGENT         "User-Agent: Plain/1.0"

static harness_httpd *srv;

static const char cache_config[] =
    "CacheRoot \"@ROOT@/cache\"\n"
    "CacheQuickHandler On\n"
    "CacheEnable disk /\n"
    "CacheHeader On\n"
    "BrowserMatch \"^NoNetexe\" no-netexe\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "    Header set Cache-Control \"max-age=3600\"\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    CacheQuickHandler Off\n"
    "    CacheEnable disk /\n"
    "    CacheHeader On\n"
    "</VirtualHost>\n";

/* The ports the tests run on: 0, the main one (CacheQuickHandler On),
 * and extra port 0 (Off). */
enum { QUICK_ON = 0, QUICK_OFF = 1, NPORTS = 2 };

static const char *const files[] = {
    "dl/first.exe", "dl/headfirst.exe", "dl/headnoenv.exe", "dl/again.exe",
    NULL
};

static void setup(void)
{
    static const char *const mods[] = {
        "cache", "cache_disk", "setenvif", "headers", NULL
    };
    harness_options o;
    pebuild_spec native;
    const char *const *f;

    harness_options_init(&o);
    o.modules = mods;
    o.config = cache_config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    /* The cache directory, writable by the user the children run as. */
    ck_assert_int_eq(harness_mkdir_for_children(srv, "cache"), 0);
    for (f = files; *f != NULL; f++)
        ck_assert_int_eq(harness_write_pe(srv, *f, NULL, NULL), 0);
    pebuild_spec_init(&native);
    native.clr = 0;
    ck_assert_int_eq(harness_write_pe(srv, "dl/native.exe", &native, NULL), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

static int port_of(int which)
{
    return which == QUICK_ON ? 0 : harness_extra_port(srv, 0);
}

/* method (GET or HEAD) of path on the port of which, with agent. */
static void send_as(int which, const char *method, const char *path,
                    const char *agent, harness_response *r)
{
    const char *hdrs[2] = { agent, NULL };
    harness_request q;

    memset(&q, 0, sizeof q);
    q.method = method;
    q.path = path;
    q.port = port_of(which);
    q.headers = hdrs;
    harness_send(srv, &q, r);
}

/* X-Cache says "HIT ..." (hit) or "MISS ..." (!hit). */
static void assert_cache(const harness_response *r, int hit)
{
    const char *x = harness_header_get(r, "X-Cache");
    const char *want = hit ? "HIT" : "MISS";

    HARNESS_ASSERT(srv, x != NULL && strncmp(x, want, strlen(want)) == 0,
                   "X-Cache [%s], expected %s", x ? x : "(none)", want);
    if (hit)
        HARNESS_ASSERT(srv, harness_header_get(r, "Age") != NULL,
                       "a hit without Age");
}

/* A hit replays the stored response, header included, without the
 * filter: mod_cache serves it with the quick handler, or (quick handler
 * Off) with its own handler and CACHE_OUT, and the filter never runs on
 * it, so the request has no note. */
#define HIT_NOTE            "-"

START_TEST(test_response_under_no_netexe_is_not_stored)
{
    const char *path = "/dl/first.exe";
    const char *want = "attachment; filename=\"first.exe\"";
    harness_response r;

    send_as(_i, "GET", path, NO_NETEXE_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, "dl/first.exe", "skipped");
    assert_cache(&r, 0);
    harness_response_free(&r);

    /* Not from the cache: the first copy was not stored. */
    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/first.exe", "clr");
    assert_cache(&r, 0);
    harness_response_free(&r);

    /* This one was, header included. */
    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/first.exe", HIT_NOTE);
    assert_cache(&r, 1);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_head_first_then_get_gets_the_header_and_is_replayed)
{
    const char *path = "/dl/headfirst.exe";
    const char *want = "attachment; filename=\"headfirst.exe\"";
    harness_response r;

    send_as(_i, "HEAD", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, want);
    HARNESS_ASSERT(srv, r.body_len == 0, "HEAD body of %zu bytes", r.body_len);
    harness_response_free(&r);

    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/headfirst.exe", "clr");
    harness_response_free(&r);

    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/headfirst.exe",
                            HIT_NOTE);
    assert_cache(&r, 1);
    harness_response_free(&r);

    /* HEAD on the stored entry has the header too. */
    send_as(_i, "HEAD", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, want);
    assert_cache(&r, 1);
    harness_response_free(&r);
}
END_TEST

START_TEST(test_head_under_no_netexe_first_is_not_stored)
{
    const char *path = "/dl/headnoenv.exe";
    const char *want = "attachment; filename=\"headnoenv.exe\"";
    harness_response r;

    send_as(_i, "HEAD", path, NO_NETEXE_AGENT, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, NULL);
    HARNESS_ASSERT_NOTE(srv, &r, "skipped");
    harness_response_free(&r);

    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/headnoenv.exe", "clr");
    assert_cache(&r, 0);
    harness_response_free(&r);

    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/headnoenv.exe",
                            HIT_NOTE);
    assert_cache(&r, 1);
    harness_response_free(&r);
}
END_TEST

/* Once stored with the header, every later client gets it once, the
 * no-netexe one too: the copy is the resource's, and it is a CLR image. */
START_TEST(test_stored_header_is_replayed_once_to_every_client)
{
    const char *path = "/dl/again.exe";
    const char *want = "attachment; filename=\"again.exe\"";
    harness_response r;
    int n;

    send_as(_i, "GET", path, PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/again.exe", "clr");
    assert_cache(&r, 0);
    harness_response_free(&r);
    for (n = 0; n < 3; n++) {
        send_as(_i, "GET", path, n == 2 ? NO_NETEXE_AGENT : PLAIN_AGENT, &r);
        HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, want, "dl/again.exe", NULL);
        assert_cache(&r, 1);
        harness_response_free(&r);
    }
}
END_TEST

START_TEST(test_native_image_is_stored_and_replayed_without_header)
{
    harness_response r;

    send_as(_i, "GET", "/dl/native.exe", PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, "dl/native.exe", "native");
    harness_response_free(&r);
    send_as(_i, "GET", "/dl/native.exe", PLAIN_AGENT, &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, NULL, "dl/native.exe", NULL);
    assert_cache(&r, 1);
    harness_response_free(&r);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("httpd_cache");
    TCase *tc = tcase_create("cache");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_response_under_no_netexe_is_not_stored,
                        0, NPORTS);
    tcase_add_loop_test(tc, test_head_first_then_get_gets_the_header_and_is_replayed,
                        0, NPORTS);
    tcase_add_loop_test(tc, test_head_under_no_netexe_first_is_not_stored,
                        0, NPORTS);
    tcase_add_loop_test(tc, test_stored_header_is_replayed_once_to_every_client,
                        0, NPORTS);
    tcase_add_loop_test(tc, test_native_image_is_stored_and_replayed_without_header,
                        0, NPORTS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cache_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
