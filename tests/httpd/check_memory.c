/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_memory.c -- what a response costs the server in memory however
 * its body is cut (DESIGN.md section 5: "Held bytes live once").
 *
 * A CLR image whose PE header sits at e_lfanew 60000 is written one byte
 * per write, each write flushed, by
 *
 *   cgi    a CGI script (Perl, one syswrite per byte; mod_cgi);
 *   lua    a mod_lua handler (r:write + r:flush per byte);
 *   proxy  a backend on a thread of this test on 127.0.0.1 (one send per
 *          byte, TCP_NODELAY) behind mod_proxy_http,
 *
 * so that the filter must hold 60,240 bytes in as many pieces before it
 * can decide.  The CGI and the backend send each byte only once httpd has
 * read the one before (the pipe's unread bytes by FIONREAD; the receive
 * queue of httpd's socket by sock_diag), so that every byte reaches httpd
 * in a read of its own whatever the machine's speed; mod_lua passes each
 * flush down the filter chain by itself.  Each case runs on
 * a fresh apache2 with a single prefork child: a small download of the
 * same kind first (start-up costs: the Lua state, the proxy's worker),
 * then the child's peak RSS is reset (clear_refs), the image is fetched,
 * and the child's growth (VmHWM after - VmRSS before) must stay below
 * 2 x NetExeSniffLimit + 4 MiB -- at the default limit, at 1 MiB and at
 * 16 MiB -- with the header present and the body intact.  NetExe Off is
 * the same request's baseline.  Each case prints its growth, the filter's
 * own account (bytes examined and held, from its debug line) and the
 * request's wall time; no duration is asserted.
 *
 * The error paths, on one more server: a client that goes away, a CGI
 * that stops answering (CGIScriptTimeout: the filter's read fails), a CGI
 * killed mid-body, and a backend that resets the connection, each while
 * the filter holds 30,000 one-byte pieces.  The server must keep
 * answering from the same child, with no crash in the error log, and
 * held bytes never leak into anything but their own response.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "harness.h"
#include "harness_backend.h"
#include "harness_mem.h"
#include "pebuild.h"

/* The image: its decision needs the bytes up to FAR_LFANEW + 0xF0. */
#define FAR_LFANEW          60000u
#define FAR_REL             "img/far.bin"
#define SMALL_REL           "img/small.bin"

#define KIB                 1024L
#define MIB                 (1024L * 1024L)
#define DEFAULT_LIMIT       65536L          /* NetExeSniffLimit's default */
#define RSS_SLACK_KIB       (4L * 1024L)    /* the bound's + 4 MiB */

#define TEST_TIMEOUT_S      150
#define DOWNLOAD_MS         120000L         /* one dribbled download */
#define LOG_WAIT_MS         5000L
#define CONFIG_MAX          16384
#define SCRIPT_MAX          4096

/* Error paths: pieces held when things go wrong. */
#define HOLD_BYTES          30000u
#define CGI_NAP_S           "2"             /* the abort case's CGI pause */
#define CGI_STALL_S         "10"            /* > CGI_TIMEOUT_S */
#define CGI_TIMEOUT_S       2
#define CLIENT_WAIT_MS      1000L           /* < the CGI's pause */
/* The abandoned request ends after the CGI's paced bytes and its pause. */
#define ABANDONED_WAIT_MS   60000L
#define RAW_TIMEOUT_MS      20000L
#define RAW_MAX             (256u * 1024u)

/* One piece per byte: the writer sends the next byte only when the server
 * has read the previous one, looking again at once (the CGI's first
 * PACE_SPIN_STEPS times) or after a short pause, and at most about
 * PACE_WAIT_MS per byte (a server that stops reading gets the rest in
 * larger pieces). */
#define PACE_STEP_US        10L
#define PACE_WAIT_MS        100L
#define PACE_WAIT_STEPS     5000            /* the CGI's steps per byte */
#define PACE_SPIN_STEPS     200             /* of them without a pause */
#define PACE_STEP_S         "0.00002"       /* the CGI's step */
#define DIAG_REPLY_MAX      1024

/* The backend thread. */
#define BACKEND_LIFE_MS     150000L

static harness_httpd *srv;
static int backend_fd = -1;

/* --- the cases ------------------------------------------------------------ */

typedef enum { VIA_CGI = 0, VIA_LUA, VIA_PROXY } mem_via;

static const char *const via_prefix[] = { "cgi", "lua", "px" };

/* One <Location> per transport and setting: /PREFIX/DIR/. */
typedef struct {
    const char *dir;
    int on;
    long limit;                     /* NetExeSniffLimit; 0: not set */
} mem_setting;

static const mem_setting settings[] = {
    { "off",     0, 0 },
    { "default", 1, 0 },
    { "1m",      1, 1L * MIB },
    { "16m",     1, 16L * MIB },
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

typedef struct {
    const char *name;
    mem_via via;
    unsigned setting;               /* index into settings */
} mem_case;

static const mem_case cases[] = {
    { "cgi_off",       VIA_CGI,   0 },
    { "cgi_default",   VIA_CGI,   1 },
    { "cgi_1m",        VIA_CGI,   2 },
    { "cgi_16m",       VIA_CGI,   3 },
    { "lua_off",       VIA_LUA,   0 },
    { "lua_default",   VIA_LUA,   1 },
    { "lua_1m",        VIA_LUA,   2 },
    { "lua_16m",       VIA_LUA,   3 },
    { "proxy_off",     VIA_PROXY, 0 },
    { "proxy_default", VIA_PROXY, 1 },
    { "proxy_1m",      VIA_PROXY, 2 },
    { "proxy_16m",     VIA_PROXY, 3 },
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* --- small utilities ------------------------------------------------------ */

typedef struct {
    char text[CONFIG_MAX];
    size_t len;
} text_buf;

static void add(text_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(b->text + b->len, sizeof b->text - b->len, fmt, ap);
    va_end(ap);
    ck_assert_msg(n >= 0 && (size_t)n < sizeof b->text - b->len,
                  "configuration text too long");
    b->len += (size_t)n;
}

static unsigned char *build_image(uint32_t e_lfanew, size_t *len,
                                  size_t *decision_end)
{
    pebuild_spec s;
    unsigned char *img;

    pebuild_spec_init(&s);
    if (e_lfanew != 0)
        s.e_lfanew = e_lfanew;
    img = pebuild(&s, len);
    ck_assert_ptr_nonnull(img);
    if (decision_end != NULL)
        *decision_end = pebuild_decision_end(&s);
    return img;
}

/* --- the dribbling backend --------------------------------------------------- */

typedef struct {
    harness_backend thread;
    unsigned char *far, *small;
    size_t far_len, small_len;
} backend;

/* Bytes the peer of fd (another socket on this host) has received on
 * that connection but not read yet, as the kernel's socket diagnostics
 * (sock_diag over netlink socket nl) report them for the peer's end.  -1
 * when it is not found (the peer closed) or the query fails. */
static long peer_unread(int nl, int fd)
{
    struct sockaddr_in me, peer;
    socklen_t ml = sizeof me, pl = sizeof peer;
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } q;
    union {
        struct nlmsghdr nlh;
        char bytes[DIAG_REPLY_MAX];
    } a;
    const struct inet_diag_msg *d;
    ssize_t n;

    if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0
        || getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
        return -1;
    memset(&q, 0, sizeof q);
    q.nlh.nlmsg_len = sizeof q;
    q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    q.nlh.nlmsg_flags = NLM_F_REQUEST;
    q.req.sdiag_family = AF_INET;
    q.req.sdiag_protocol = IPPROTO_TCP;
    q.req.idiag_states = ~0u;
    /* The peer's end: its address is the source, ours the destination. */
    q.req.id.idiag_sport = peer.sin_port;
    q.req.id.idiag_dport = me.sin_port;
    q.req.id.idiag_src[0] = peer.sin_addr.s_addr;
    q.req.id.idiag_dst[0] = me.sin_addr.s_addr;
    q.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    q.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    if (send(nl, &q, sizeof q, 0) != (ssize_t)sizeof q)
        return -1;
    n = recv(nl, &a, sizeof a, 0);
    if (n < (ssize_t)NLMSG_LENGTH(sizeof *d) || !NLMSG_OK(&a.nlh, (unsigned)n)
        || a.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
        return -1;
    d = NLMSG_DATA(&a.nlh);
    return (long)d->idiag_rqueue;
}

/* Waits until the peer of fd has read everything sent (bounded). */
static void wait_peer_read(int nl, int fd)
{
    long deadline = harness_now_ms() + PACE_WAIT_MS;
    struct timespec step = { 0, PACE_STEP_US * 1000L };
    unsigned k;

    for (k = 0; peer_unread(nl, fd) > 0 && harness_now_ms() < deadline; k++) {
        if (k >= PACE_SPIN_STEPS)
            nanosleep(&step, NULL);
    }
}

/* Sends len bytes one send() at a time, each after the front has read the
 * one before; stops early on the stop pipe or an error.  0 when all went
 * out. */
static int dribble(backend *b, int fd, const unsigned char *p, size_t len)
{
    int nl = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    size_t i;
    int rc = 0;

    for (i = 0; i < len && rc == 0; i++) {
        if ((i & 1023u) == 0 && harness_backend_stopping(&b->thread))
            rc = -1;
        else if (harness_send_all(fd, p + i, 1) != 0)
            rc = -1;
        else if (nl >= 0)
            wait_peer_read(nl, fd);
    }
    if (nl >= 0)
        close(nl);
    return rc;
}

/* One connection: by the request head's path -- /small.exe the small
 * image at once, /reset.exe HOLD_BYTES of the far image one byte per send
 * and a reset (the headers promise the whole image), anything else the
 * far image one byte per send. */
static void backend_serve(harness_backend *t, int fd, const char *req)
{
    backend *b = t->data;
    char head[256];
    size_t total;
    int one = 1;

    /* Short pacing steps: the default slack of 50 us would stretch each. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    total = strstr(req, " /small.exe ") != NULL ? b->small_len : b->far_len;
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
             "Content-Type: application/x-msdownload\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n", total);
    if (harness_send_all(fd, head, strlen(head)) != 0)
        return;
    if (strstr(req, " /small.exe ") != NULL) {
        harness_send_all(fd, b->small, b->small_len);
    } else if (strstr(req, " /reset.exe ") != NULL) {
        if (dribble(b, fd, b->far, HOLD_BYTES) == 0)
            harness_reset_on_close(fd);
    } else {
        dribble(b, fd, b->far, b->far_len);
    }
}

static void backend_start(backend *b)
{
    memset(b, 0, sizeof *b);
    b->far = build_image(FAR_LFANEW, &b->far_len, NULL);
    b->small = build_image(0, &b->small_len, NULL);
    ck_assert_int_eq(harness_backend_start(&b->thread, backend_fd,
                                           BACKEND_LIFE_MS, backend_serve, b),
                     0);
}

static void backend_stop(backend *b)
{
    ck_assert_int_eq(harness_backend_stop(&b->thread), 0);
    free(b->far);
    free(b->small);
}

/* --- fixtures ---------------------------------------------------------------- */

/* A mod_lua handler that sends image_rel in pieces of step bytes (0: at
 * once), each written and flushed on its own. */
static void write_lua(const char *rel, const char *image_rel, size_t step)
{
    static const char fmt[] =
        "function handle(r)\n"
        "    local f = io.open([[%s]], \"rb\")\n"
        "    if not f then return 500 end\n"
        "    local img = f:read(\"*a\")\n"
        "    f:close()\n"
        "    local step = %zu\n"
        "    if step == 0 then step = #img end\n"
        "    r.content_type = \"application/x-msdownload\"\n"
        "    for i = 1, #img, step do\n"
        "        r:write(img:sub(i, i + step - 1))\n"
        "        r:flush()\n"
        "    end\n"
        "    return apache2.OK\n"
        "end\n";
    char script[SCRIPT_MAX];
    char *image = harness_path(srv, image_rel);
    int n = snprintf(script, sizeof script, fmt, image, step);

    free(image);
    ck_assert(n > 0 && (size_t)n < sizeof script);
    ck_assert_int_eq(harness_write_text(srv, rel, script), 0);
}

/* What a paced CGI does once it has written its paced bytes. */
typedef enum {
    AFTER_NOTHING,                  /* exits: the image is complete */
    AFTER_NAP_REST,                 /* pauses, then writes the rest */
    AFTER_STALL,                    /* writes nothing more for a while */
    AFTER_DIE                       /* kills itself with SIGKILL */
} cgi_after;

/* A CGI script (Perl) that writes the first count bytes of the far image
 * one byte per syswrite, each only when httpd has read the one before
 * (the pipe's unread bytes, FIONREAD, are 0), so that httpd reads every
 * byte in a read of its own; then does what after says. */
static void write_paced_cgi(const char *rel, size_t count, cgi_after after)
{
    static const char fmt[] =
        "#!/usr/bin/perl\n"
        "use strict;\n"
        "open(my $fh, '<', '%s') or die \"cannot open image: $!\";\n"
        "binmode $fh;\n"
        "my $img = do { local $/; <$fh> };\n"
        "close $fh;\n"
        "binmode STDOUT;\n"
        "sub unread {\n"
        "    my $n = pack('i', 0);\n"
        "    return 0 unless ioctl(STDOUT, %lu, $n);\n"
        "    return unpack('i', $n);\n"
        "}\n"
        "syswrite(STDOUT, \"Content-Type: application/x-msdownload\\r\\n\\r\\n\");\n"
        "for my $i (0 .. %zu - 1) {\n"
        "    syswrite(STDOUT, substr($img, $i, 1));\n"
        "    for my $k (1 .. %d) {\n"
        "        last if unread() == 0;\n"
        "        select(undef, undef, undef, $k <= %d ? 0 : %s);\n"
        "    }\n"
        "}\n"
        "%s\n";
    char script[SCRIPT_MAX], tail[256];
    char *image = harness_path(srv, FAR_REL);
    int n;

    switch (after) {
    case AFTER_NAP_REST:
        snprintf(tail, sizeof tail, "select(undef, undef, undef, %s);\n"
                 "syswrite(STDOUT, substr($img, %zu));", CGI_NAP_S, count);
        break;
    case AFTER_STALL:
        snprintf(tail, sizeof tail, "sleep(%s);", CGI_STALL_S);
        break;
    case AFTER_DIE:
        snprintf(tail, sizeof tail, "kill('KILL', $$);");
        break;
    default:
        tail[0] = '\0';
        break;
    }
    n = snprintf(script, sizeof script, fmt, image, (unsigned long)FIONREAD,
                 count, PACE_WAIT_STEPS, PACE_SPIN_STEPS, PACE_STEP_S, tail);
    free(image);
    ck_assert(n > 0 && (size_t)n < sizeof script);
    ck_assert_int_eq(harness_write_file_mode(srv, rel, script, strlen(script),
                                             0755), 0);
}

static void setup(void)
{
    static const char *const mods[] = { "cgi", "lua", "proxy", "proxy_http",
                                        NULL };
    static text_buf config;
    harness_options o;
    harness_cgi_opts once;
    unsigned char *img;
    size_t len, i, v;
    int port = 0;

    backend_fd = harness_listen_local(&port);
    ck_assert_msg(backend_fd >= 0, "cannot listen for the backend");

    config.len = 0;
    add(&config, "%s", HARNESS_MEM_ONE_CHILD);
    add(&config,
        "<Directory \"@DOCROOT@/cgi\">\n"
        "    Options +ExecCGI\n"
        "    SetHandler cgi-script\n"
        "</Directory>\n"
        "<Directory \"@DOCROOT@/lua\">\n"
        "    SetHandler lua-script\n"
        "</Directory>\n"
        "<Directory \"@DOCROOT@/static\">\n"
        "    NetExe On\n"
        "</Directory>\n"
        "<Location \"/cgi/errors/\">\n"
        "    NetExe On\n"
        "</Location>\n"
        "<Location \"/cgi/stall/\">\n"
        "    NetExe On\n"
        "    CGIScriptTimeout %d\n"
        "</Location>\n"
        "<Proxy \"http://127.0.0.1:%d/\">\n"
        "    ProxySet retry=0\n"
        "</Proxy>\n"
        "<Location \"/px/errors/\">\n"
        "    ProxyPass \"http://127.0.0.1:%d/\"\n"
        "    NetExe On\n"
        "</Location>\n", CGI_TIMEOUT_S, port, port);
    for (v = 0; v < sizeof via_prefix / sizeof via_prefix[0]; v++) {
        for (i = 0; i < N_SETTINGS; i++) {
            add(&config, "<Location \"/%s/%s/\">\n    NetExe %s\n",
                via_prefix[v], settings[i].dir, settings[i].on ? "On" : "Off");
            if (settings[i].limit != 0)
                add(&config, "    NetExeSniffLimit %ld\n", settings[i].limit);
            if (v == VIA_PROXY)
                add(&config, "    ProxyPass \"http://127.0.0.1:%d/\"\n", port);
            add(&config, "</Location>\n");
        }
    }

    harness_options_init(&o);
    o.mpm = HARNESS_MPM_PREFORK;
    o.modules = mods;
    o.config = config.text;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    img = build_image(FAR_LFANEW, &len, NULL);
    ck_assert_int_eq(harness_write_file(srv, FAR_REL, img, len), 0);
    ck_assert_int_eq(harness_write_file(srv, "static/prefix.exe", img,
                                        HOLD_BYTES), 0);
    free(img);
    /* len: the far image's size, for the CGI scripts below. */
    ck_assert_int_eq(harness_write_pe(srv, SMALL_REL, NULL, NULL), 0);
    ck_assert_int_eq(harness_write_pe(srv, "static/tool.exe", NULL, NULL), 0);

    harness_cgi_opts_init(&once);
    for (i = 0; i < N_SETTINGS; i++) {
        char rel[128];

        snprintf(rel, sizeof rel, "cgi/%s/app.exe", settings[i].dir);
        write_paced_cgi(rel, len, AFTER_NOTHING);
        snprintf(rel, sizeof rel, "cgi/%s/small.exe", settings[i].dir);
        ck_assert_int_eq(harness_write_cgi_image(srv, rel, SMALL_REL, &once), 0);
        snprintf(rel, sizeof rel, "lua/%s/app.exe", settings[i].dir);
        write_lua(rel, FAR_REL, 1);
        snprintf(rel, sizeof rel, "lua/%s/small.exe", settings[i].dir);
        write_lua(rel, SMALL_REL, 0);
    }
    write_paced_cgi("cgi/errors/abort.exe", HOLD_BYTES, AFTER_NAP_REST);
    write_paced_cgi("cgi/errors/killed.exe", HOLD_BYTES, AFTER_DIE);
    write_paced_cgi("cgi/stall/stall.exe", HOLD_BYTES, AFTER_STALL);

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

/* --- the server's health -------------------------------------------------------- */

/* The same child still answers a CLR download exactly right. */
static void assert_still_serving(pid_t child)
{
    HARNESS_ASSERT_GET(srv, 0, "/static/tool.exe", 200,
                       "attachment; filename=\"tool.exe\"", "static/tool.exe",
                       "clr");
    HARNESS_FAIL_IF(srv, harness_mem_server_pid(srv) != child,
                    "the serving process changed from %ld", (long)child);
    HARNESS_ASSERT_NO_CRASH(srv);
}

/* --- memory however the body is cut ----------------------------------------- */

START_TEST(test_image_dribbled_one_byte_per_write_costs_bounded_memory)
{
    const mem_case *c = &cases[_i];
    const mem_setting *s = &settings[c->setting];
    long limit = s->limit != 0 ? s->limit : DEFAULT_LIMIT;
    long bound_kib = 2 * limit / KIB + RSS_SLACK_KIB;
    char path[128], small[128], want[64], verdict[32] = "-";
    long growth, t0, ms, examined = -1, held = -1;
    harness_request req;
    harness_response r;
    harness_mem_mark m;
    backend b;
    pid_t pid;
    unsigned char *img;
    size_t len, decision_end;

    img = build_image(FAR_LFANEW, &len, &decision_end);
    snprintf(path, sizeof path, "/%s/%s/app.exe", via_prefix[c->via], s->dir);
    snprintf(small, sizeof small, "/%s/%s/small.exe", via_prefix[c->via],
             s->dir);
    snprintf(want, sizeof want, "attachment; filename=\"%s\"", "app.exe");
    if (c->via == VIA_PROXY)
        backend_start(&b);

    pid = harness_mem_server_pid(srv);
    HARNESS_FAIL_IF(srv, pid == 0, "no single serving process");

    /* Start-up costs of the transport, outside the measurement. */
    HARNESS_ASSERT_GET(srv, 0, small, 200,
                       s->on ? "attachment; filename=\"small.exe\"" : NULL,
                       SMALL_REL, NULL);

    memset(&req, 0, sizeof req);
    req.path = path;
    req.timeout_ms = DOWNLOAD_MS;
    HARNESS_FAIL_IF(srv, harness_mem_start(pid, &m) != 0,
                    "cannot reset the peak RSS of %ld", (long)pid);
    t0 = harness_now_ms();
    harness_send(srv, &req, &r);
    ms = harness_now_ms() - t0;
    growth = harness_mem_growth_kib(&m);
    if (c->via == VIA_PROXY)
        backend_stop(&b);
    if (s->on)
        harness_mem_logged(srv, path, LOG_WAIT_MS, verdict, sizeof verdict,
                           &examined, &held);

    printf("check_memory: %-13s NetExe %-3s limit %8ld: RSS growth %6ld KiB "
           "(bound %ld KiB)%s, %6ld ms; filter: %s, %ld bytes examined, "
           "%ld bytes held\n", c->name, s->on ? "On" : "Off", limit, growth,
           bound_kib, harness_mem_meaningful() ? "" : " under a tool", ms,
           verdict, examined, held);
    fflush(stdout);

    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_DISPOSITION(srv, &r, s->on ? want : NULL);
    HARNESS_ASSERT_BODY(srv, &r, img, len);
    HARNESS_ASSERT_NOTE(srv, &r, s->on ? "clr" : "-");
    harness_response_free(&r);
    free(img);
    HARNESS_FAIL_IF(srv, growth < 0, "the serving process %ld is gone",
                    (long)pid);
    /* The bound is the filter's: with NetExe Off the growth is httpd's
     * own (the core's buffering of a fast backend), printed to compare. */
    HARNESS_FAIL_IF(srv, s->on && harness_mem_meaningful()
                         && growth >= bound_kib,
                    "%s: the child grew by %ld KiB for one %zu-byte response "
                    "(bound 2 x %ld + 4 MiB = %ld KiB)", path, growth, len,
                    limit, bound_kib);
    assert_still_serving(pid);
}
END_TEST

/* --- error paths while pieces are held ------------------------------------- */

/* The client asks, sees nothing while the filter holds the CGI's first
 * 30,000 one-byte pieces, and resets the connection; the CGI then writes
 * the rest and the filter's pass fails. */
START_TEST(test_client_gone_while_pieces_are_held_leaves_server_serving)
{
    static const char req[] = "GET /cgi/errors/abort.exe?gone HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n\r\n";
    harness_log_entry e;
    unsigned char buf[256];
    pid_t pid = harness_mem_server_pid(srv);
    int fd, closed, found;
    long deadline;
    size_t n;

    HARNESS_FAIL_IF(srv, pid == 0, "no single serving process");
    fd = harness_connect_local(harness_port(srv));
    ck_assert_msg(fd >= 0, "cannot connect to apache2");
    ck_assert_int_eq(harness_send_all(fd, req, strlen(req)), 0);
    n = harness_recv_some(fd, buf, sizeof buf, CLIENT_WAIT_MS, &closed);
    HARNESS_FAIL_IF(srv, n != 0, "%zu bytes arrived before the decision", n);
    harness_close_reset(fd);
    /* Logged once the CGI has written the rest and the filter's pass to
     * the closed connection failed. */
    deadline = harness_now_ms() + harness_scaled_ms(ABANDONED_WAIT_MS);
    while ((found = harness_log_find_request(
                srv, "GET /cgi/errors/abort.exe?gone HTTP/1.1", &e) == 0) == 0
           && harness_now_ms() < deadline)
        ;
    HARNESS_FAIL_IF(srv, !found, "no access log line for the abandoned "
                    "request");
    printf("check_memory: client gone while holding: logged %d %s\n",
           e.status, e.note);
    fflush(stdout);
    harness_log_entry_free(&e);
    assert_still_serving(pid);
}
END_TEST

/* A GET on a fresh connection with "Connection: close", read raw: the
 * status (0 when no status line came), whether a Content-Disposition
 * header came, and the body. */
typedef struct {
    int status;
    int disposition;
    unsigned char *body;
    size_t body_len;
    int closed;
} raw_response;

static void raw_get(const char *path, raw_response *out)
{
    char req[512];
    unsigned char *buf = malloc(RAW_MAX + 1);
    const char *end;
    size_t n;
    int fd = harness_connect_local(harness_port(srv));

    memset(out, 0, sizeof *out);
    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(fd >= 0, "cannot connect to apache2");
    snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
             path);
    ck_assert_int_eq(harness_send_all(fd, req, strlen(req)), 0);
    n = harness_recv_some(fd, buf, RAW_MAX, harness_scaled_ms(RAW_TIMEOUT_MS),
                  &out->closed);
    close(fd);
    buf[n] = '\0';
    end = strstr((char *)buf, "\r\n\r\n");
    if (n >= 12 && memcmp(buf, "HTTP/1.", 7) == 0 && end != NULL) {
        size_t head = (size_t)(end - (char *)buf);
        char *h = malloc(head + 1);

        ck_assert_ptr_nonnull(h);
        memcpy(h, buf, head);
        h[head] = '\0';
        out->status = atoi((char *)buf + 9);
        out->disposition = strstr(h, "\r\nContent-Disposition:") != NULL;
        free(h);
        out->body_len = n - head - 4;
        memmove(buf, end + 4, out->body_len);
    }
    out->body = buf;
}

/* What the client of a response cut while pieces were held may get: no
 * response at all, a 200 whose body is a prefix of the image (the held
 * bytes, as they were), or an error page of httpd's own -- never the
 * header, never held bytes inside an error page. */
static void check_cut_response(const raw_response *r, const char *path,
                               size_t most)
{
    unsigned char *img;
    size_t len;

    img = build_image(FAR_LFANEW, &len, NULL);
    HARNESS_FAIL_IF(srv, r->disposition, "%s: Content-Disposition on a "
                    "response cut before the decision", path);
    if (r->status == 200) {
        HARNESS_FAIL_IF(srv, r->body_len > most
                        || memcmp(r->body, img, r->body_len) != 0,
                        "%s: 200 with %zu body bytes that are not the first "
                        "of the image (at most %zu)", path, r->body_len, most);
    } else if (r->status != 0) {
        HARNESS_FAIL_IF(srv, r->status < 500 || r->status > 599,
                        "%s: status %d", path, r->status);
        HARNESS_FAIL_IF(srv, r->body_len >= 2 && memcmp(r->body, "MZ", 2) == 0,
                        "%s: the held bytes went out with a %d", path,
                        r->status);
    }
    free(img);
}

/* The CGI writes 30,000 one-byte pieces, then nothing: CGIScriptTimeout
 * makes the filter's read of the pipe fail while it holds them. */
START_TEST(test_cgi_timeout_while_pieces_are_held_leaves_server_serving)
{
    pid_t pid = harness_mem_server_pid(srv);
    raw_response r;

    HARNESS_FAIL_IF(srv, pid == 0, "no single serving process");
    raw_get("/cgi/stall/stall.exe", &r);
    printf("check_memory: CGI timeout while holding: status %d, %zu body "
           "bytes, closed %d\n", r.status, r.body_len, r.closed);
    fflush(stdout);
    check_cut_response(&r, "/cgi/stall/stall.exe", HOLD_BYTES);
    free(r.body);
    HARNESS_FAIL_IF(srv, !harness_error_log_wait(srv, "stall.exe",
                                                 LOG_WAIT_MS),
                    "the CGI timeout was not logged");
    assert_still_serving(pid);
}
END_TEST

/* The CGI writes 30,000 one-byte pieces and is killed: the pipe ends, the
 * filter decides on what arrived, as it does for the same bytes in a
 * file, and sends them. */
START_TEST(test_cgi_killed_while_pieces_are_held_sends_what_arrived)
{
    pid_t pid = harness_mem_server_pid(srv);
    harness_response whole, r;
    unsigned char *img;
    size_t len;
    char note[32];

    HARNESS_FAIL_IF(srv, pid == 0, "no single serving process");
    harness_get(srv, "/static/prefix.exe", &whole);
    HARNESS_ASSERT_STATUS(srv, &whole, 200);
    HARNESS_ASSERT(srv, harness_note_of(srv, &whole, note, sizeof note) == 0,
                   "no log line");
    harness_response_free(&whole);
    HARNESS_ASSERT(srv, strcmp(note, "clr") != 0 && strcmp(note, "-") != 0
                   && strcmp(note, "skipped") != 0,
                   "note of the same bytes as a file: %s", note);

    img = build_image(FAR_LFANEW, &len, NULL);
    harness_get(srv, "/cgi/errors/killed.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    HARNESS_ASSERT_BODY(srv, &r, img, HOLD_BYTES);
    HARNESS_ASSERT_NOTE(srv, &r, note);
    harness_response_free(&r);
    free(img);
    assert_still_serving(pid);
}
END_TEST

/* The backend sends 30,000 one-byte pieces of an image it announced whole,
 * then resets the connection: mod_proxy's read fails while the filter
 * holds them. */
START_TEST(test_backend_reset_while_pieces_are_held_leaves_server_serving)
{
    pid_t pid = harness_mem_server_pid(srv);
    raw_response r;
    backend b;

    HARNESS_FAIL_IF(srv, pid == 0, "no single serving process");
    backend_start(&b);
    raw_get("/px/errors/reset.exe", &r);
    backend_stop(&b);
    printf("check_memory: backend reset while holding: status %d, %zu body "
           "bytes, closed %d\n", r.status, r.body_len, r.closed);
    fflush(stdout);
    HARNESS_FAIL_IF(srv, r.status == 0, "no response from the front");
    check_cut_response(&r, "/px/errors/reset.exe", HOLD_BYTES);
    free(r.body);
    assert_still_serving(pid);
}
END_TEST

static Suite *memory_suite(void)
{
    Suite *s = suite_create("httpd_memory");
    TCase *tc;
    size_t i;

    /* One server per case: a process that already served a large
     * response keeps that memory resident and would hide the next one's
     * growth. */
    for (i = 0; i < N_CASES; i++) {
        tc = tcase_create(cases[i].name);
        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, TEST_TIMEOUT_S);
        tcase_add_loop_test(tc,
                            test_image_dribbled_one_byte_per_write_costs_bounded_memory,
                            (int)i, (int)i + 1);
        suite_add_tcase(s, tc);
    }
    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_client_gone_while_pieces_are_held_leaves_server_serving);
    tcase_add_test(tc, test_cgi_timeout_while_pieces_are_held_leaves_server_serving);
    tcase_add_test(tc, test_cgi_killed_while_pieces_are_held_sends_what_arrived);
    tcase_add_test(tc, test_backend_reset_while_pieces_are_held_leaves_server_serving);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memory_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
