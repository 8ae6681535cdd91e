/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_faults.c -- the filter when the world misbehaves: clients that go
 * away while the first bytes are held (a CGI that sends "MZ" and part of
 * the header, then sleeps) and in the middle of a large body; a proxied
 * backend (a small TCP server on a thread of the test) that dies before
 * and after the decision, or sends "MZ" and stalls past ProxyTimeout; and
 * "apache2 -k graceful" while clients keep downloading and while the
 * filter holds the first bytes of a response.  Each case asserts
 * what the client gets, that no child crashed (no "exit signal" or
 * "Segmentation fault" in the error log, no sanitizer report) and that the
 * server still answers a CLR download correctly afterwards.
 *
 * The backend's listening socket is made in the unchecked fixture (its
 * port goes into the ProxyPass lines); each test starts its own backend
 * thread in the forked test process and stops it before returning.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "harness.h"
#include "harness_backend.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      60
#define CONFIG_MAX          4096
#define SCRIPT_MAX          2048
#define CLR_REL             "dl/tool.exe"
#define BIG_REL             "dl/big.exe"
#define BIG_SIZE            (16u * 1024u * 1024u)
#define BACKEND_IMAGE_SIZE  (256u * 1024u)
/* The CGI sends "MZ" and this much of the DOS header (e_lfanew is at
 * 0x3C, the PE header at 0x80: the sniffer needs more), then sleeps. */
#define CGI_PARTIAL         64
#define CGI_SLEEP_S         "2"
/* The client of the sniff case goes away before the CGI wakes up. */
#define CLIENT_LINGER_MS    300
/* The mid-body client reads this much, then resets the connection. */
#define MIDBODY_READ        (64u * 1024u)
/* Backend faults: bytes of the image sent before the backend closes.
 * Early is past "MZ" but before the decision point (0x80 + 0xF0), late is
 * well after it. */
#define DIE_EARLY_BYTES     200u
#define DIE_LATE_BYTES      8192u
#define PROXY_TIMEOUT_S     2
#define STALL_MS            5000    /* > ProxyTimeout */
#define BACKEND_LIFE_MS     30000   /* a backend thread never outlives this */
#define RAW_TIMEOUT_MS      15000
/* Graceful restart under load. */
#define LOAD_THREADS        2
#define LOAD_BEFORE_MS      500
#define LOAD_AFTER_MS       1000
#define GENERATION_WAIT_MS  15000
#define LOAD_REQUEST_MS     10000

static harness_httpd *srv;
static int backend_fd = -1;

static const char cgi_script[] =
    "#!/usr/bin/perl\n"
    "use strict;\n"
    "open(my $fh, '<', '%s') or die \"cannot open image: $!\";\n"
    "binmode $fh;\n"
    "my $img = do { local $/; <$fh> };\n"
    "close $fh;\n"
    "binmode STDOUT;\n"
    "syswrite(STDOUT, \"Content-Type: application/x-msdownload\\r\\n\\r\\n\");\n"
    "syswrite(STDOUT, substr($img, 0, %d));\n"
    "sleep(" CGI_SLEEP_S ");\n"
    "syswrite(STDOUT, substr($img, %d));\n";

static const char config_fmt[] =
    HARNESS_CONFIG_CGI_BIN
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "ProxyTimeout %d\n"
    "<Location \"/px/\">\n"
    "    ProxyPass \"http://127.0.0.1:%d/\" retry=0\n"
    "    NetExe On\n"
    "</Location>\n";

/* A response read off the wire: status, the header block, body length. */
typedef struct {
    int status;
    char head[4096];
    size_t body_len;
    int closed;
} raw_response;

/* GET path with "Connection: close"; reads until the server closes or
 * RAW_TIMEOUT_MS.  0 when a status line came.  HTTP/1.1, or 1.0 (no
 * chunked framing around a body of unknown length) when http10. */
static int raw_get_as(const char *path, int http10, raw_response *out)
{
    char req[512];
    size_t cap = BACKEND_IMAGE_SIZE * 2, n;
    unsigned char *buf = malloc(cap + 1);
    char *end;
    int fd = harness_connect_local(harness_port(srv));

    memset(out, 0, sizeof *out);
    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(fd >= 0, "cannot connect to apache2");
    snprintf(req, sizeof req, "GET %s HTTP/1.%d\r\nHost: 127.0.0.1\r\n"
             "Connection: close\r\n\r\n", path, http10 ? 0 : 1);
    ck_assert_int_eq(harness_send_all(fd, req, strlen(req)), 0);
    n = harness_recv_some(fd, buf, cap, RAW_TIMEOUT_MS, &out->closed);
    close(fd);
    buf[n] = '\0';
    end = strstr((char *)buf, "\r\n\r\n");
    if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || end == NULL) {
        free(buf);
        return -1;
    }
    out->status = atoi((char *)buf + 9);
    snprintf(out->head, sizeof out->head, "%.*s",
             (int)((unsigned char *)end - buf), (char *)buf);
    out->body_len = n - (size_t)((unsigned char *)end + 4 - buf);
    free(buf);
    return 0;
}

static int raw_get(const char *path, raw_response *out)
{
    return raw_get_as(path, 0, out);
}

/* How many header lines of head start with "name:" (any case). */
static unsigned head_count(const char *head, const char *name)
{
    unsigned n = 0;
    size_t nl = strlen(name);
    const char *line = head;

    while (line != NULL && *line != '\0') {
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':')
            n++;
        line = strstr(line, "\r\n");
        if (line != NULL)
            line += 2;
    }
    return n;
}

/* --- the server's health ------------------------------------------------ */

/* The server still answers a CLR download exactly right. */
static void assert_still_serving(void)
{
    HARNESS_ASSERT_GET(srv, 0, "/" CLR_REL, 200,
                       "attachment; filename=\"tool.exe\"", CLR_REL, NULL);
    HARNESS_ASSERT_NO_CRASH(srv);
}

/* The access log line of request_line (waits for it): status and note. */
static void assert_logged(const char *request_line, int status,
                          const char *note)
{
    harness_log_entry e;

    HARNESS_FAIL_IF(srv, harness_log_find_request(srv, request_line, &e) != 0,
                    "no access log line for %s", request_line);
    HARNESS_FAIL_IF(srv, e.status != status || strcmp(e.note, note) != 0,
                    "%s logged %d %s, expected %d %s", request_line, e.status,
                    e.note, status, note);
    harness_log_entry_free(&e);
}

/* --- the misbehaving backend -------------------------------------------- */

typedef struct {
    harness_backend thread;
    unsigned char *img;
    size_t img_len;
    int front_hung_up;              /* the proxy closed a stalled exchange */
} backend;

/* One connection: answers by the request head's path -- die-early /
 * die-late (the headers promise the whole image, part of it is sent, then
 * the connection closes), stall ("MZ", then nothing for STALL_MS),
 * anything else the whole image. */
static void backend_serve(harness_backend *t, int fd, const char *req)
{
    backend *b = t->data;
    char head[256];
    size_t send_len = b->img_len;
    int stall = 0;

    if (strstr(req, "/die-early") != NULL)
        send_len = DIE_EARLY_BYTES;
    else if (strstr(req, "/die-late") != NULL)
        send_len = DIE_LATE_BYTES;
    else if (strstr(req, "/stall") != NULL) {
        send_len = 2;
        stall = 1;
    }
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
             "Content-Type: application/x-msdownload\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n", b->img_len);
    if (harness_send_all(fd, head, strlen(head)) != 0
        || harness_send_all(fd, b->img, send_len) != 0)
        return;
    if (stall) {
        /* Silence until the front gives up (it closes its end: EOF here),
         * the test ends, or STALL_MS. */
        struct pollfd pfd[2] = { { fd, POLLIN, 0 }, { t->stop_fd, POLLIN, 0 } };
        char c;
        if (poll(pfd, 2, STALL_MS) > 0 && pfd[0].revents != 0
            && recv(fd, &c, 1, 0) <= 0)
            b->front_hung_up = 1;
    }
}

static void backend_start(backend *b)
{
    pebuild_spec s;

    memset(b, 0, sizeof *b);
    pebuild_spec_init(&s);
    s.total_size = BACKEND_IMAGE_SIZE;
    b->img = pebuild(&s, &b->img_len);
    ck_assert_ptr_nonnull(b->img);
    ck_assert_int_eq(harness_backend_start(&b->thread, backend_fd,
                                           BACKEND_LIFE_MS, backend_serve, b),
                     0);
}

static void backend_stop(backend *b)
{
    ck_assert_int_eq(harness_backend_stop(&b->thread), 0);
    free(b->img);
}

/* --- fixture ------------------------------------------------------------- */

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", "proxy",
                                        "proxy_http", NULL };
    char config[CONFIG_MAX], script[SCRIPT_MAX];
    char *image;
    harness_options o;
    pebuild_spec big;
    int port = 0, n;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    backend_fd = harness_listen_local(&port);
    ck_assert_msg(backend_fd >= 0, "cannot listen for the backend");
    n = snprintf(config, sizeof config, config_fmt, PROXY_TIMEOUT_S, port);
    ck_assert(n > 0 && (size_t)n < sizeof config);

    harness_options_init(&o);
    o.modules = mods;
    o.config = config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_write_pe(srv, CLR_REL, NULL, NULL), 0);
    pebuild_spec_init(&big);
    big.total_size = BIG_SIZE;
    ck_assert_int_eq(harness_write_pe(srv, BIG_REL, &big, NULL), 0);

    image = harness_path(srv, CLR_REL);
    n = snprintf(script, sizeof script, cgi_script, image, CGI_PARTIAL,
                 CGI_PARTIAL);
    free(image);
    ck_assert(n > 0 && (size_t)n < sizeof script);
    ck_assert_int_eq(harness_write_file_mode(srv, "cgi/mzsleep", script,
                                             strlen(script), 0755), 0);
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
    if (backend_fd >= 0)
        close(backend_fd);
    backend_fd = -1;
}

/* --- clients that go away ------------------------------------------------ */

START_TEST(test_client_gone_during_sniff_leaves_server_serving)
{
    static const char req[] = "GET /cgi-bin/mzsleep?sniff HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n\r\n";
    unsigned char buf[256];
    int fd = harness_connect_local(harness_port(srv)), closed;
    size_t n;

    ck_assert_msg(fd >= 0, "cannot connect to apache2");
    ck_assert_int_eq(harness_send_all(fd, req, strlen(req)), 0);
    /* Nothing may arrive: the filter holds "MZ" and the partial header. */
    n = harness_recv_some(fd, buf, sizeof buf, CLIENT_LINGER_MS, &closed);
    HARNESS_FAIL_IF(srv, n != 0, "%zu bytes arrived before the decision", n);
    close(fd);
    /* The CGI wakes up, the rest goes through the filter, the write to
     * the closed connection fails; the request is logged as usual. */
    assert_logged("GET /cgi-bin/mzsleep?sniff HTTP/1.1", 200, "clr");
    assert_still_serving();
}
END_TEST

START_TEST(test_client_reset_mid_body_leaves_server_serving)
{
    static const char req[] = "GET /" BIG_REL "?midbody HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n\r\n";
    unsigned char *buf = malloc(MIDBODY_READ);
    int fd = harness_connect_local(harness_port(srv)), closed;
    size_t n;

    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(fd >= 0, "cannot connect to apache2");
    ck_assert_int_eq(harness_send_all(fd, req, strlen(req)), 0);
    n = harness_recv_some(fd, buf, MIDBODY_READ, RAW_TIMEOUT_MS, &closed);
    HARNESS_FAIL_IF(srv, n != MIDBODY_READ || closed,
                    "read %zu bytes (closed %d) of a %u byte response", n,
                    closed, BIG_SIZE);
    HARNESS_FAIL_IF(srv, memcmp(buf, "HTTP/1.1 200", 12) != 0
                    || strstr((char *)buf, "Content-Disposition: attachment;"
                              " filename=\"big.exe\"\r\n") == NULL,
                    "unexpected response head");
    free(buf);
    harness_close_reset(fd);
    assert_logged("GET /" BIG_REL "?midbody HTTP/1.1", 200, "clr");
    assert_still_serving();

    /* And the same file whole, after the abort. */
    HARNESS_ASSERT_GET(srv, 0, "/" BIG_REL, 200,
                       "attachment; filename=\"big.exe\"", BIG_REL, NULL);
}
END_TEST

/* --- a backend that fails ------------------------------------------------ */

START_TEST(test_backend_dying_after_decision_truncates_with_header)
{
    backend b;
    raw_response r;

    backend_start(&b);
    HARNESS_FAIL_IF(srv, raw_get("/px/die-late.exe", &r) != 0,
                    "no response from the front");
    backend_stop(&b);
    /* The headers went out with the decision; the body stops where the
     * backend died and the front closes the connection. */
    HARNESS_FAIL_IF(srv, r.status != 200, "status %d:\n%s", r.status, r.head);
    HARNESS_FAIL_IF(srv, head_count(r.head, "Content-Disposition") != 1
                    || strstr(r.head, "\r\nContent-Disposition: attachment; "
                              "filename=\"die-late.exe\"") == NULL,
                    "Content-Disposition not sent once:\n%s", r.head);
    HARNESS_FAIL_IF(srv, r.body_len != DIE_LATE_BYTES || !r.closed,
                    "body %zu bytes (closed %d), expected the %u the backend "
                    "sent, then a close", r.body_len, r.closed, DIE_LATE_BYTES);
    assert_still_serving();
}
END_TEST

/* The front has the backend's 200 and its Content-Length when the body
 * breaks off; the filter decides on what arrived (too short: not-pe) and
 * adds nothing.  What the client sees depends on how the bytes and the
 * close arrive at the proxy: when mod_proxy's error bucket reaches the
 * HTTP header filter together with the held bytes, the headers are not
 * out yet and httpd answers 502; when the bytes were already passed, the
 * client gets the 200 and a body shorter than announced, then a close. */
static void check_cut_before_decision(const char *path, size_t sent,
                                      int *front_hung_up)
{
    backend b;
    raw_response r;
    char line[128];
    int rc;

    backend_start(&b);
    rc = raw_get(path, &r);
    backend_stop(&b);
    *front_hung_up = b.front_hung_up;
    HARNESS_FAIL_IF(srv, rc != 0, "no response from the front");
    HARNESS_FAIL_IF(srv, r.status != 200 && r.status != 502,
                    "status %d, expected 200 or 502:\n%s", r.status, r.head);
    HARNESS_FAIL_IF(srv, head_count(r.head, "Content-Disposition") != 0,
                    "Content-Disposition on a cut-off body:\n%s", r.head);
    HARNESS_FAIL_IF(srv, r.status == 200 && (r.body_len != sent || !r.closed),
                    "body %zu bytes (closed %d), expected the %zu the backend "
                    "sent, then a close", r.body_len, r.closed, sent);
    HARNESS_FAIL_IF(srv, r.status == 502
                    && strstr(r.head, "Content-Type: text/html") == NULL,
                    "a 502 that is not httpd's error page:\n%s", r.head);
    snprintf(line, sizeof line, "GET %s HTTP/1.1", path);
    assert_logged(line, r.status, "not-pe");
    assert_still_serving();
}

START_TEST(test_backend_dying_before_decision_gives_no_attachment)
{
    int hung_up = 0;

    check_cut_before_decision("/px/die-early.exe", DIE_EARLY_BYTES, &hung_up);
}
END_TEST

START_TEST(test_backend_stalling_after_mz_is_cut_at_proxy_timeout)
{
    int hung_up = 0;

    /* "MZ", then ProxyTimeout: the filter has held both bytes (so nothing
     * at all reached the client before the timeout), then the same as a
     * backend that died -- and it was the front that gave up on the
     * backend, not the backend that ended the stall. */
    check_cut_before_decision("/px/stall.exe", 2, &hung_up);
    HARNESS_FAIL_IF(srv, !hung_up,
                    "the front did not close the stalled backend connection");
}
END_TEST

/* --- graceful restart under load ------------------------------------------ */

typedef struct {
    int port;
    const char *want_digest;
    pthread_mutex_t *lock;
    const int *stop;                /* read under lock */
    unsigned requests, bad;
    char first_error[256];
} loader;

typedef struct {
    unsigned char *body;
    size_t len, cap;
    unsigned dispositions;
    int disposition_ok;
} load_xfer;

static size_t load_on_body(char *p, size_t size, size_t n, void *ud)
{
    load_xfer *x = ud;
    size_t len = size * n;

    if (x->cap - x->len < len) {
        size_t cap = x->cap ? x->cap * 2 : 65536;
        while (cap - x->len < len)
            cap *= 2;
        x->body = realloc(x->body, cap);
        if (x->body == NULL)
            return 0;
        x->cap = cap;
    }
    memcpy(x->body + x->len, p, len);
    x->len += len;
    return len;
}

static size_t load_on_header(char *p, size_t size, size_t n, void *ud)
{
    static const char want[] =
        "Content-Disposition: attachment; filename=\"tool.exe\"\r\n";
    load_xfer *x = ud;
    size_t len = size * n;

    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        x->dispositions = 0;
        x->disposition_ok = 0;
    }
    if (len > 20 && strncasecmp(p, "Content-Disposition:", 20) == 0) {
        x->dispositions++;
        x->disposition_ok = len == sizeof want - 1 && memcmp(p, want, len) == 0;
    }
    return len;
}

static int loader_stopped(loader *l)
{
    int s;

    pthread_mutex_lock(l->lock);
    s = *l->stop;
    pthread_mutex_unlock(l->lock);
    return s;
}

/* Downloads the CLR image over and over on one kept-alive handle; every
 * response must be 200, one exact Content-Disposition, the image. */
static void *loader_main(void *arg)
{
    loader *l = arg;
    CURL *c = curl_easy_init();
    char url[128];
    long deadline = harness_now_ms() + BACKEND_LIFE_MS;

    if (c == NULL)
        return NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/%s?load", l->port, CLR_REL);
    while (!loader_stopped(l) && harness_now_ms() < deadline) {
        load_xfer x;
        char digest[65];
        long status = 0;
        CURLcode rc;

        memset(&x, 0, sizeof x);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)LOAD_REQUEST_MS);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, load_on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, load_on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
        rc = curl_easy_perform(c);
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        harness_sha256_hex(x.body, x.len, digest);
        l->requests++;
        if (rc != CURLE_OK || status != 200 || x.dispositions != 1
            || !x.disposition_ok || strcmp(digest, l->want_digest) != 0) {
            if (l->bad++ == 0)
                snprintf(l->first_error, sizeof l->first_error,
                         "request %u: %s, status %ld, %u Content-Disposition "
                         "(ok %d), body %zu bytes %s", l->requests,
                         curl_easy_strerror(rc), status, x.dispositions,
                         x.disposition_ok, x.len, digest);
        }
        free(x.body);
    }
    curl_easy_cleanup(c);
    return NULL;
}

START_TEST(test_graceful_restart_under_load_fails_no_request)
{
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_t tid[LOAD_THREADS];
    loader l[LOAD_THREADS];
    char digest[65];
    unsigned i, before = 0, after = 0;
    unsigned generations = harness_error_log_count(srv, HARNESS_GENERATION_UP);
    int stop = 0, up;

    ck_assert_int_eq(harness_file_sha256(srv, CLR_REL, digest, NULL), 0);
    for (i = 0; i < LOAD_THREADS; i++) {
        memset(&l[i], 0, sizeof l[i]);
        l[i].port = harness_port(srv);
        l[i].want_digest = digest;
        l[i].lock = &lock;
        l[i].stop = &stop;
        ck_assert_int_eq(pthread_create(&tid[i], NULL, loader_main, &l[i]), 0);
    }
    harness_sleep_ms(LOAD_BEFORE_MS);
    ck_assert_msg(harness_graceful(srv) == 0, "apache2 -k graceful failed");
    up = harness_wait_generation(srv, generations, GENERATION_WAIT_MS);
    pthread_mutex_lock(&lock);
    for (i = 0; i < LOAD_THREADS; i++)
        before += l[i].requests;
    pthread_mutex_unlock(&lock);
    harness_sleep_ms(LOAD_AFTER_MS);
    pthread_mutex_lock(&lock);
    stop = 1;
    pthread_mutex_unlock(&lock);
    for (i = 0; i < LOAD_THREADS; i++) {
        pthread_join(tid[i], NULL);
        after += l[i].requests;
    }
    HARNESS_FAIL_IF(srv, !up, "no new generation after the graceful restart");
    for (i = 0; i < LOAD_THREADS; i++)
        HARNESS_FAIL_IF(srv, l[i].bad != 0, "loader %u: %u of %u requests "
                        "failed; first: %s", i, l[i].bad, l[i].requests,
                        l[i].first_error);
    HARNESS_FAIL_IF(srv, after <= before,
                    "no request served after the restart (%u before, %u in all)",
                    before, after);
    assert_still_serving();
}
END_TEST

/* A request whose first bytes the filter is holding (the CGI sleeps after
 * "MZ" and part of the header) when the graceful restart comes: the old
 * child finishes it, with the header and the whole image. */
typedef struct {
    raw_response r;
    int rc;
} held_request;

static void *held_main(void *arg)
{
    held_request *h = arg;

    h->rc = raw_get_as("/cgi-bin/mzsleep?graceful", 1, &h->r);
    return NULL;
}

START_TEST(test_graceful_restart_during_held_sniff_completes_it)
{
    held_request h;
    pthread_t tid;
    size_t size = 0;
    char digest[65];
    unsigned generations = harness_error_log_count(srv, HARNESS_GENERATION_UP);

    ck_assert_int_eq(harness_file_sha256(srv, CLR_REL, digest, &size), 0);
    memset(&h, 0, sizeof h);
    ck_assert_int_eq(pthread_create(&tid, NULL, held_main, &h), 0);
    harness_sleep_ms(LOAD_BEFORE_MS);
    ck_assert_msg(harness_graceful(srv) == 0, "apache2 -k graceful failed");
    pthread_join(tid, NULL);
    HARNESS_FAIL_IF(srv, !harness_wait_generation(srv, generations,
                                                  GENERATION_WAIT_MS),
                    "no new generation after the graceful restart");
    HARNESS_FAIL_IF(srv, h.rc != 0, "no response to the held request");
    HARNESS_FAIL_IF(srv, h.r.status != 200, "status %d:\n%s", h.r.status,
                    h.r.head);
    HARNESS_FAIL_IF(srv, head_count(h.r.head, "Content-Disposition") != 1
                    || strstr(h.r.head, "\r\nContent-Disposition: attachment; "
                              "filename=\"mzsleep.exe\"") == NULL,
                    "Content-Disposition not sent once:\n%s", h.r.head);
    HARNESS_FAIL_IF(srv, h.r.body_len != size, "body %zu bytes, expected %zu",
                    h.r.body_len, size);
    assert_logged("GET /cgi-bin/mzsleep?graceful HTTP/1.0", 200, "clr");
    assert_still_serving();
}
END_TEST

static Suite *faults_suite(void)
{
    Suite *s = suite_create("httpd_faults");
    TCase *tc = tcase_create("faults");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_client_gone_during_sniff_leaves_server_serving);
    tcase_add_test(tc, test_client_reset_mid_body_leaves_server_serving);
    tcase_add_test(tc, test_backend_dying_after_decision_truncates_with_header);
    tcase_add_test(tc, test_backend_dying_before_decision_gives_no_attachment);
    tcase_add_test(tc, test_backend_stalling_after_mz_is_cut_at_proxy_timeout);
    suite_add_tcase(s, tc);

    /* Tagged, so that a run against "apache2 -X" (one process, no
     * children to replace: make check-valgrind) can leave it out with
     * CK_EXCLUDE_TAGS=graceful. */
    tc = tcase_create("graceful");
    tcase_set_tags(tc, "graceful");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_graceful_restart_under_load_fails_no_request);
    tcase_add_test(tc, test_graceful_restart_during_held_sniff_completes_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(faults_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
