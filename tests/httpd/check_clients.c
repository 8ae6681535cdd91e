/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_clients.c -- what real download tools make of the header
 * (DESIGN.md section 5): the curl command line with -OJ and wget with
 * --content-disposition, each run in an empty directory of its own
 * against a CGI URL with a query string, must save one file named as the
 * header says, with the image's bytes.
 *
 * Non-ASCII names: curl 7.88's -J reads only the quoted filename=
 * parameter (its manual: it "does not yet support the filename* field"),
 * so it saves the ASCII fallback, one '_' per character.  wget 1.21 reads
 * filename* and saves the UTF-8 name itself (in the C locale as well),
 * quotes included: say"hi".exe, where curl saves say_hi_.exe.  Both are
 * asserted as they behave, so a change in either client shows.  Names
 * made of backslashes and dots stay inside the download directory.
 *
 * The clients run with no proxy from the environment (--noproxy,
 * --no-proxy) and a fixed locale, with their own time limits, and the
 * wait for them is bounded as well.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      30
/* The clients' own time limit, and our wait for them a little longer;
 * both times HARNESS_TIME_SCALE, as the harness's bounds are, for a server
 * slowed down by valgrind or ASan. */
#define CLIENT_TIMEOUT_S    20L
#define CLIENT_WAIT_S       25L
#define MS_PER_S            1000L
#define ARG_MAX_LEN         32
#define PATH_MAX_LEN        4096
#define URL_MAX             512
#define CLR_REL             "img/clr.exe"
#define CURL_BIN            "curl"
#define WGET_BIN            "wget"
#define CLIENT_LOCALE       "C.UTF-8"
#define DIR_TEMPLATE        "netexe-client-XXXXXX"

/* привет.exe, percent-encoded in the URL and as saved by wget. */
#define PRIVET_URL          "/h/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.exe"
#define PRIVET_UTF8         "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82.exe"

static harness_httpd *srv;

static const char clients_config[] =
    HARNESS_CONFIG_CGI_BIN
    "AliasMatch \"^/h/\" \"@DOCROOT@/" CLR_REL "\"\n"
    "<Location \"/h/\">\n"
    "    NetExe On\n"
    "</Location>\n";

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    harness_options o;

    harness_options_init(&o);
    o.modules = mods;
    o.config = clients_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_write_pe(srv, CLR_REL, NULL, NULL), 0);
    ck_assert_int_eq(harness_write_cgi_image(srv, "cgi/get", CLR_REL, NULL), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* Runs argv in dir with CLIENT_LOCALE and no proxy variables; returns its
 * exit status, or -1 when it could not run or outlived its wait. */
static int run_in(const char *dir, char *const argv[])
{
    static const char *const proxy_vars[] = {
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL
    };
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        const char *const *v;

        for (v = proxy_vars; *v != NULL; v++)
            unsetenv(*v);
        setenv("LC_ALL", CLIENT_LOCALE, 1);
        if (chdir(dir) != 0)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    return harness_wait_child(pid, argv[0],
                              harness_scaled_ms(CLIENT_WAIT_S * MS_PER_S));
}

/* The names in dir (not . and ..), sorted, as one string joined by '/'
 * (a character no saved name can contain). */
static char *list_dir(const char *dir)
{
    struct dirent **ents;
    size_t cap = 1, len = 0;
    char *out;
    int n, i;

    n = scandir(dir, &ents, NULL, alphasort);
    ck_assert_int_ge(n, 0);
    for (i = 0; i < n; i++)
        cap += strlen(ents[i]->d_name) + 1;
    out = calloc(1, cap);
    ck_assert_ptr_nonnull(out);
    for (i = 0; i < n; i++) {
        const char *d = ents[i]->d_name;

        if (strcmp(d, ".") != 0 && strcmp(d, "..") != 0) {
            if (len > 0)
                out[len++] = '/';
            memcpy(out + len, d, strlen(d));
            len += strlen(d);
        }
        free(ents[i]);
    }
    free(ents);
    return out;
}

/* Removes dir and the files in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            char path[PATH_MAX_LEN];

            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name)
                < (int)sizeof path)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Runs the client (argv with the URL last but one before NULL, filled in
 * here) in an empty directory; asserts it succeeded, saved exactly one file
 * called want_name, and that file is the image. */
static void check_client(char **argv, size_t url_index, const char *path,
                         const char *want_name)
{
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX_LEN];
    char url[URL_MAX], file[PATH_MAX_LEN], want_sha[65], got_sha[65];
    unsigned char *data;
    size_t len = 0, want_len = 0;
    char *names;
    int rc, saved, n;

    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", harness_port(srv), path);
    argv[url_index] = url;
    n = snprintf(dir, sizeof dir, "%s/" DIR_TEMPLATE,
                 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    ck_assert(n > 0 && (size_t)n < sizeof dir);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rc = run_in(dir, argv);
    names = list_dir(dir);
    n = snprintf(file, sizeof file, "%s/%s", dir, want_name);
    ck_assert(n > 0 && (size_t)n < sizeof file);
    data = harness_read_file(file, &len);
    saved = data != NULL;
    if (saved)
        harness_sha256_hex(data, len, got_sha);
    free(data);
    remove_dir(dir);

    HARNESS_ASSERT(srv, rc == 0, "%s exited with %d for %s", argv[0], rc, url);
    HARNESS_ASSERT(srv, strcmp(names, want_name) == 0,
                   "%s saved [%s], expected [%s]", argv[0], names, want_name);
    free(names);
    HARNESS_ASSERT(srv, saved, "cannot read %s", want_name);
    ck_assert_int_eq(harness_file_sha256(srv, CLR_REL, want_sha, &want_len), 0);
    HARNESS_ASSERT(srv, len == want_len && strcmp(got_sha, want_sha) == 0,
                   "%s: %zu bytes %s, expected %zu bytes %s", want_name, len,
                   got_sha, want_len, want_sha);
}

static void check_curl(const char *path, const char *want_name)
{
    char max_time[ARG_MAX_LEN];
    char *argv[] = {
        CURL_BIN, "-sS", "-OJ", "--noproxy", "*", "--max-time", max_time,
        NULL, NULL
    };

    snprintf(max_time, sizeof max_time, "%ld",
             harness_scaled_ms(CLIENT_TIMEOUT_S * MS_PER_S) / MS_PER_S);
    check_client(argv, 7, path, want_name);
}

static void check_wget(const char *path, const char *want_name)
{
    char timeout[ARG_MAX_LEN];
    char *argv[] = {
        WGET_BIN, "-q", "--content-disposition", "--no-proxy", "--tries=1",
        timeout, NULL, NULL
    };

    snprintf(timeout, sizeof timeout, "--timeout=%ld",
             harness_scaled_ms(CLIENT_TIMEOUT_S * MS_PER_S) / MS_PER_S);
    check_client(argv, 6, path, want_name);
}

START_TEST(test_curl_oj_saves_the_cgi_download_as_get_exe)
{
    check_curl("/cgi-bin/get?id=1", "get.exe");
}
END_TEST

START_TEST(test_wget_content_disposition_saves_the_cgi_download_as_get_exe)
{
    check_wget("/cgi-bin/get?id=1", "get.exe");
}
END_TEST

/* curl -J ignores filename*: the saved name is the quoted ASCII form. */
START_TEST(test_curl_oj_saves_a_utf8_name_as_its_ascii_fallback)
{
    check_curl(PRIVET_URL, "______.exe");
}
END_TEST

START_TEST(test_wget_saves_a_utf8_name_from_filename_star)
{
    check_wget(PRIVET_URL, PRIVET_UTF8);
}
END_TEST

/* Hostile names as the clients save them: always one file, inside the
 * directory, named from the header. */
typedef struct {
    const char *path;
    const char *curl_name;
    const char *wget_name;
} client_case;

static const client_case hostile_cases[] = {
    { "/h/..%5c..%5cevil.exe", "_.._evil.exe", "_.._evil.exe" },
    { "/h/a%0d%0aX-Injected:%20yes.exe", "a__X-Injected: yes.exe",
      "a__X-Injected: yes.exe" },
    { "/h/say%22hi%22.exe", "say_hi_.exe", "say\"hi\".exe" },
    { "/h/..%2e", "download.exe", "download.exe" },
};

START_TEST(test_curl_oj_saves_hostile_names_inside_its_directory)
{
    check_curl(hostile_cases[_i].path, hostile_cases[_i].curl_name);
}
END_TEST

START_TEST(test_wget_saves_hostile_names_inside_its_directory)
{
    check_wget(hostile_cases[_i].path, hostile_cases[_i].wget_name);
}
END_TEST

static Suite *clients_suite(void)
{
    Suite *s = suite_create("httpd_clients");
    TCase *tc = tcase_create("clients");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_curl_oj_saves_the_cgi_download_as_get_exe);
    tcase_add_test(tc, test_wget_content_disposition_saves_the_cgi_download_as_get_exe);
    tcase_add_test(tc, test_curl_oj_saves_a_utf8_name_as_its_ascii_fallback);
    tcase_add_test(tc, test_wget_saves_a_utf8_name_from_filename_star);
    tcase_add_loop_test(tc, test_curl_oj_saves_hostile_names_inside_its_directory,
                        0, (int)(sizeof hostile_cases / sizeof hostile_cases[0]));
    tcase_add_loop_test(tc, test_wget_saves_hostile_names_inside_its_directory,
                        0, (int)(sizeof hostile_cases / sizeof hostile_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(clients_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
