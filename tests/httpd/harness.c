/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness.c -- starts and stops a real apache2 for the httpd suites and
 * talks to it with libcurl (the API and the generated configuration are
 * described in harness.h; what bites is in DESIGN.md section 8).
 */
#define _XOPEN_SOURCE 700   /* nftw() */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/prctl.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "harness.h"

#define HARNESS_APACHE2_DEFAULT "/usr/sbin/apache2"
#define HARNESS_MODDIR_DEFAULT  "/usr/lib/apache2/modules"
#define HARNESS_LOG_LEVEL       "warn netexe:debug"
#define HARNESS_USER            "www-data"
#define HARNESS_GROUP           "www-data"
#define HARNESS_START_ATTEMPTS  3       /* fresh ports after a bind failure */
#define HARNESS_PROBE_MS        1000    /* one "is it up?" request */
#define HARNESS_DUMP_LINES      20      /* access log lines shown */
#define HARNESS_DIR_MODE        0755
#define HARNESS_FILE_MODE       0644
#define HARNESS_SCRIPT_MODE     0755    /* CGI scripts */
#define HARNESS_ACCESS_FIELDS   6       /* fields of HARNESS_LOG_FORMAT */
#define HARNESS_CLOSE_FDS_MAX   1024    /* descriptors closed before exec */
#define HARNESS_WRAPPER_MAX     64      /* words of HARNESS_WRAPPER */
#define HARNESS_TIME_SCALE_MAX  1000

struct harness_httpd {
    harness_options opts;
    char *config;                       /* copy of opts.config */
    char **modules;                     /* copy of opts.modules */
    char *apache2, *moddir, *netexe;
    char *root, *docroot, *conf, *pidfile, *errlog, *accesslog, *startlog;
    int port;
    int extra[HARNESS_EXTRA_PORTS_MAX];
    pid_t pid;                          /* the parent httpd, 0 when stopped */
    int single;                         /* started as "apache2 -X" (our child) */
    long errlog_mark;                   /* error log size at the last request */
    unsigned long next_id;
};

/* --- small utilities --------------------------------------------------- */

char *harness_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *s;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *hx_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = harness_vasprintf(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        fprintf(stderr, "harness: out of memory\n");
        abort();
    }
    return s;
}

int harness_format(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

static char *hx_strdup(const char *s)
{
    return s == NULL ? NULL : hx_asprintf("%s", s);
}

/* A growable byte buffer, always NUL-terminated. */
typedef struct {
    char *p;
    size_t len, cap;
} hx_buf;

static void hx_buf_add(hx_buf *b, const void *data, size_t n)
{
    if (b->cap - b->len <= n || b->p == NULL) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len <= n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (b->p == NULL) {
            fprintf(stderr, "harness: out of memory\n");
            abort();
        }
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void hx_buf_str(hx_buf *b, const char *s)
{
    hx_buf_add(b, s, strlen(s));
}

static void hx_buf_printf(hx_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = harness_vasprintf(fmt, ap);
    va_end(ap);
    if (s == NULL)
        abort();
    hx_buf_str(b, s);
    free(s);
}

long harness_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void harness_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *hx_env(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return (v != NULL && *v != '\0') ? v : dflt;
}

/* Every bound of harness.h times HARNESS_TIME_SCALE (default 1), for an
 * apache2 slowed down by its wrapper (valgrind runs it ~50 times slower). */
static long hx_ms(long ms)
{
    long scale = strtol(hx_env("HARNESS_TIME_SCALE", "1"), NULL, 10);

    if (scale < 1 || scale > HARNESS_TIME_SCALE_MAX)
        scale = 1;
    return ms * scale;
}

long harness_scaled_ms(long ms)
{
    return hx_ms(ms);
}

/* 1 when HARNESS_SINGLE asks for "apache2 -X" as a child of the suite. */
static int hx_single(void)
{
    return strcmp(hx_env("HARNESS_SINGLE", "0"), "0") != 0;
}

/* argv with the words of HARNESS_WRAPPER (split at blanks, no quoting) in
 * front, in one malloc'd block (the pointers, then a copy of the words):
 * one free() releases it.  Built before fork(). */
static char **hx_wrap_argv(char *const argv[])
{
    const char *w = hx_env("HARNESS_WRAPPER", "");
    size_t nw = 0, na = 0, slots, i;
    char **out, *words, *tok, *save = NULL;

    while (argv[na] != NULL)
        na++;
    slots = HARNESS_WRAPPER_MAX + na + 1;
    out = malloc(slots * sizeof *out + strlen(w) + 1);
    if (out == NULL)
        abort();
    words = (char *)(out + slots);
    memcpy(words, w, strlen(w) + 1);
    for (tok = strtok_r(words, " \t", &save);
         tok != NULL && nw < HARNESS_WRAPPER_MAX;
         tok = strtok_r(NULL, " \t", &save))
        out[nw++] = tok;
    for (i = 0; i < na; i++)
        out[nw + i] = argv[i];
    out[nw + na] = NULL;
    return out;
}

unsigned char *harness_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    hx_buf b = { NULL, 0, 0 };
    char chunk[65536];
    size_t n;

    if (len != NULL)
        *len = 0;
    if (f == NULL)
        return NULL;
    hx_buf_add(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        hx_buf_add(&b, chunk, n);
    if (ferror(f)) {
        fclose(f);
        free(b.p);
        return NULL;
    }
    fclose(f);
    if (len != NULL)
        *len = b.len;
    return (unsigned char *)b.p;
}

static long hx_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

void harness_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;

    out[0] = '\0';
    if (EVP_Digest(data == NULL ? "" : data, len, md, &mdlen, EVP_sha256(),
                   NULL) != 1)
        return;
    for (i = 0; i < mdlen && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0xF];
    }
    out[2 * i] = '\0';
}

/* mkdir -p with HARNESS_DIR_MODE for every directory made, and a chmod so
 * that the umask cannot take www-data's access away. */
static int hx_mkdir_p(const char *path)
{
    char *p = hx_strdup(path), *s;
    int rc = 0;

    for (s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, HARNESS_DIR_MODE) == 0) {
                if (chmod(p, HARNESS_DIR_MODE) != 0)
                    rc = -1;
            } else if (errno != EEXIST) {
                fprintf(stderr, "harness: mkdir %s: %s\n", p, strerror(errno));
                rc = -1;
            }
            *s = c;
            if (c == '\0' || rc != 0)
                break;
        }
    }
    free(p);
    return rc;
}

static int hx_write(const char *path, const void *data, size_t len,
                    unsigned mode)
{
    char *dir = hx_strdup(path), *slash = strrchr(dir, '/');
    int fd, rc = 0;
    const unsigned char *p = data;

    if (slash != NULL && slash != dir) {
        *slash = '\0';
        rc = hx_mkdir_p(dir);
    }
    free(dir);
    if (rc != 0)
        return -1;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        fprintf(stderr, "harness: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "harness: write %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    if (fchmod(fd, mode) != 0 || close(fd) != 0)
        return -1;
    return 0;
}

static int hx_rm_entry(const char *path, const struct stat *st, int flag,
                       struct FTW *ftw)
{
    (void)st; (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) == 0 ? 0 : -1;
    return unlink(path) == 0 ? 0 : -1;
}

static void hx_rm_rf(const char *path)
{
    if (path != NULL && path[0] == '/')
        nftw(path, hx_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A free TCP port on 127.0.0.1: bind port 0 and ask which one came. */
static int hx_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    if (fd < 0)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0
        && getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Every ancestor of dir must let www-data through (o+x), or httpd answers
 * 403 for every file. */
static int hx_check_ancestors(const char *dir)
{
    char *p = hx_strdup(dir), *slash;
    int rc = 0;

    while ((slash = strrchr(p, '/')) != NULL) {
        struct stat st;
        *slash = '\0';
        if (p[0] == '\0')
            break;
        if (stat(p, &st) != 0 || !(st.st_mode & S_IXOTH)) {
            fprintf(stderr, "harness: %s is not searchable by %s; set TMPDIR "
                    "to a directory that is\n", p, HARNESS_USER);
            rc = -1;
            break;
        }
    }
    free(p);
    return rc;
}

/* Starts argv as it is, with stdout and stderr appended to out_path and
 * stdin from /dev/null.  Returns its pid, or -1. */
static pid_t hx_fork_exec(char *const argv[], const char *out_path)
{
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, HARNESS_FILE_MODE);
        int nul = open("/dev/null", O_RDONLY);
        if (fd < 0 || nul < 0)
            _exit(127);
        dup2(nul, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        /* The daemon must not keep the test runner's descriptors (Check's
         * message files, libcurl's sockets) open for its whole life. */
        for (fd = STDERR_FILENO + 1; fd < HARNESS_CLOSE_FDS_MAX; fd++)
            close(fd);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* hx_fork_exec behind HARNESS_WRAPPER. */
static pid_t hx_spawn(char *const argv[], const char *out_path)
{
    char **wargv = hx_wrap_argv(argv);
    pid_t pid = hx_fork_exec(wargv, out_path);

    free(wargv);
    return pid;
}

pid_t harness_spawn(char *const argv[], const char *log_path)
{
    return hx_fork_exec(argv, log_path);
}

int harness_free_port(void)
{
    return hx_free_port();
}

int harness_wait_port(int port, long timeout_ms)
{
    long deadline = harness_now_ms() + timeout_ms;
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((unsigned short)port);
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

        if (fd < 0)
            return -1;
        ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(fd);
        if (ok)
            return 0;
        if (harness_now_ms() > deadline)
            return -1;
        harness_sleep_ms(HARNESS_POLL_MS);
    }
}

int harness_wait_child(pid_t pid, const char *name, long timeout_ms)
{
    long deadline = harness_now_ms() + timeout_ms;
    int status;

    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (w < 0 && errno != EINTR)
            return -1;
        if (harness_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "harness: %s timed out after %ld ms\n", name,
                    timeout_ms);
            return -1;
        }
        harness_sleep_ms(HARNESS_POLL_MS);
    }
}

/* Runs argv with stdout and stderr to out_path; waits up to timeout_ms.
 * Returns the exit status, or -1 (not run, killed, timed out). */
static int hx_run(char *const argv[], const char *out_path, long timeout_ms)
{
    pid_t pid = hx_spawn(argv, out_path);

    if (pid < 0)
        return -1;
    return harness_wait_child(pid, argv[0], timeout_ms);
}

/* Whether pid is alive.  The daemon is our child only when the subreaper
 * flag took; otherwise PID 1 may never reap it (containers), so a zombie
 * counts as gone. */
static int hx_alive(pid_t pid)
{
    char path[64], buf[512], *rp;
    FILE *f;
    size_t n;

    if (pid <= 0)
        return 0;
    waitpid(pid, NULL, WNOHANG);    /* reaps it when it is our child */
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    rp = strrchr(buf, ')');
    return !(rp != NULL && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'));
}

static pid_t hx_read_pidfile(const char *path)
{
    char *s = (char *)harness_read_file(path, NULL);
    long v = 0;

    if (s != NULL) {
        v = strtol(s, NULL, 10);
        free(s);
    }
    return v > 0 ? (pid_t)v : 0;
}

/* --- configuration ------------------------------------------------------ */

void harness_options_init(harness_options *o)
{
    memset(o, 0, sizeof *o);
    o->mpm = HARNESS_MPM_EVENT;
    o->load_netexe = 1;
}

static const char *hx_mpm_name(harness_mpm m)
{
    switch (m) {
    case HARNESS_MPM_WORKER:  return "worker";
    case HARNESS_MPM_PREFORK: return "prefork";
    default:                  return "event";
    }
}

/* Replaces the placeholders of harness.h in the suite's snippet. */
static void hx_subst(hx_buf *b, const char *s, const harness_httpd *h)
{
    while (*s != '\0') {
        const char *at = strchr(s, '@');
        unsigned i;
        if (at == NULL) {
            hx_buf_str(b, s);
            return;
        }
        hx_buf_add(b, s, (size_t)(at - s));
        s = at;
        if (strncmp(s, "@ROOT@", 6) == 0) {
            hx_buf_str(b, h->root);
            s += 6;
        } else if (strncmp(s, "@DOCROOT@", 9) == 0) {
            hx_buf_str(b, h->docroot);
            s += 9;
        } else if (strncmp(s, "@PORT@", 6) == 0) {
            hx_buf_printf(b, "%d", h->port);
            s += 6;
        } else if (strncmp(s, "@MODDIR@", 8) == 0) {
            hx_buf_str(b, h->moddir);
            s += 8;
        } else {
            for (i = 0; i < HARNESS_EXTRA_PORTS_MAX; i++) {
                char ph[16];
                snprintf(ph, sizeof ph, "@PORT%u@", i + 1);
                if (strncmp(s, ph, strlen(ph)) == 0) {
                    hx_buf_printf(b, "%d", h->extra[i]);
                    s += strlen(ph);
                    break;
                }
            }
            if (i == HARNESS_EXTRA_PORTS_MAX) {
                hx_buf_add(b, "@", 1);
                s++;
            }
        }
    }
}

static char *hx_build_config(const harness_httpd *h)
{
    /* The threaded MPMs get the same small limits. */
    static const char *const threaded_mpms[] = { "event", "worker", NULL };
    hx_buf b = { NULL, 0, 0 };
    const char *const *t;
    unsigned i;
    char **m;

    hx_buf_printf(&b,
        "# Generated by tests/httpd/harness.c\n"
        "ServerRoot \"%s\"\n"
        "ServerName 127.0.0.1\n"
        "Listen 127.0.0.1:%d\n", h->root, h->port);
    for (i = 0; i < h->opts.extra_ports; i++)
        hx_buf_printf(&b, "Listen 127.0.0.1:%d\n", h->extra[i]);
    hx_buf_printf(&b,
        "PidFile \"%s\"\n"
        "DefaultRuntimeDir \"%s/run\"\n"
        "ErrorLog \"%s\"\n"
        "LogLevel %s\n"
        "User %s\n"
        "Group %s\n"
        "LoadModule mpm_%s_module \"%s/mod_mpm_%s.so\"\n"
        "LoadModule authz_core_module \"%s/mod_authz_core.so\"\n"
        "LoadModule mime_module \"%s/mod_mime.so\"\n"
        "<IfModule !log_config_module>\n"
        "    LoadModule log_config_module \"%s/mod_log_config.so\"\n"
        "</IfModule>\n",
        h->pidfile, h->root, h->errlog,
        h->opts.log_level ? h->opts.log_level : HARNESS_LOG_LEVEL,
        HARNESS_USER, HARNESS_GROUP,
        hx_mpm_name(h->opts.mpm), h->moddir, hx_mpm_name(h->opts.mpm),
        h->moddir, h->moddir, h->moddir);
    for (m = h->modules; m != NULL && *m != NULL; m++)
        hx_buf_printf(&b,
            "<IfModule !%s_module>\n"
            "    LoadModule %s_module \"%s/mod_%s.so\"\n"
            "</IfModule>\n", *m, *m, h->moddir, *m);
    if (h->opts.load_netexe)
        hx_buf_printf(&b, "LoadModule netexe_module \"%s\"\n", h->netexe);
    hx_buf_printf(&b,
        "TypesConfig /etc/mime.types\n"
        "LogFormat \"%s\" harness\n"
        "CustomLog \"%s\" harness\n"
        "EnableSendfile On\n"
        "Timeout 20\n"
        "KeepAlive On\n",
        HARNESS_LOG_FORMAT, h->accesslog);
    for (t = threaded_mpms; *t != NULL; t++)
        hx_buf_printf(&b,
            "<IfModule mpm_%s_module>\n"
            "    StartServers 1\n"
            "    ServerLimit 2\n"
            "    ThreadLimit 16\n"
            "    ThreadsPerChild 16\n"
            "    MaxRequestWorkers 32\n"
            "    MinSpareThreads 4\n"
            "    MaxSpareThreads 32\n"
            "</IfModule>\n", *t);
    hx_buf_printf(&b,
        "<IfModule mpm_prefork_module>\n"
        "    StartServers 2\n"
        "    MinSpareServers 1\n"
        "    MaxSpareServers 4\n"
        "    ServerLimit 8\n"
        "    MaxRequestWorkers 8\n"
        "</IfModule>\n"
        "<IfModule http2_module>\n"
        "    Protocols h2c http/1.1\n"
        "</IfModule>\n"
        "DocumentRoot \"%s\"\n"
        "<Directory />\n"
        "    AllowOverride None\n"
        "    Require all denied\n"
        "</Directory>\n"
        "<Directory \"%s\">\n"
        "    AllowOverride None\n"
        "    Require all granted\n"
        "</Directory>\n"
        "# --- suite configuration ---\n",
        h->docroot, h->docroot);
    if (h->config != NULL)
        hx_subst(&b, h->config, h);
    hx_buf_str(&b, "\n");
    return b.p;
}

static int hx_pick_ports(harness_httpd *h)
{
    unsigned i;

    h->port = hx_free_port();
    if (h->port == 0)
        return -1;
    for (i = 0; i < h->opts.extra_ports; i++) {
        h->extra[i] = hx_free_port();
        if (h->extra[i] == 0 || h->extra[i] == h->port)
            return -1;
    }
    return 0;
}

harness_httpd *harness_new(const harness_options *o)
{
    harness_httpd *h;
    const char *tmp = hx_env("TMPDIR", "/tmp");
    char *tmpl;
    size_t n = 0;
    const char *const *m;

    if (o->extra_ports > HARNESS_EXTRA_PORTS_MAX) {
        fprintf(stderr, "harness: at most %d extra ports\n",
                HARNESS_EXTRA_PORTS_MAX);
        return NULL;
    }
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->opts = *o;
    h->config = hx_strdup(o->config);
    h->opts.config = NULL;
    for (m = o->modules; m != NULL && *m != NULL; m++)
        n++;
    h->modules = calloc(n + 1, sizeof *h->modules);
    for (n = 0, m = o->modules; m != NULL && *m != NULL; m++)
        h->modules[n++] = hx_strdup(*m);
    h->opts.modules = NULL;
    h->apache2 = hx_strdup(hx_env("HARNESS_APACHE2", HARNESS_APACHE2_DEFAULT));
    h->moddir = hx_strdup(hx_env("HARNESS_MODDIR", HARNESS_MODDIR_DEFAULT));
    h->netexe = hx_strdup(hx_env("NETEXE_MODULE", ""));
    if (o->load_netexe && h->netexe[0] == '\0') {
        fprintf(stderr, "harness: NETEXE_MODULE is not set (path of the built "
                "mod_netexe.so; make check-httpd sets it)\n");
        harness_free(h);
        return NULL;
    }
    if (o->load_netexe && h->netexe[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd) != NULL) {
            char *abs = hx_asprintf("%s/%s", cwd, h->netexe);
            free(h->netexe);
            h->netexe = abs;
        }
    }
    tmpl = hx_asprintf("%s/netexe-httpd-XXXXXX", tmp);
    if (mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", tmpl, strerror(errno));
        free(tmpl);
        harness_free(h);
        return NULL;
    }
    h->root = tmpl;
    h->docroot = hx_asprintf("%s/htdocs", h->root);
    h->conf = hx_asprintf("%s/conf/httpd.conf", h->root);
    h->pidfile = hx_asprintf("%s/run/httpd.pid", h->root);
    h->errlog = hx_asprintf("%s/logs/error.log", h->root);
    h->accesslog = hx_asprintf("%s/logs/access.log", h->root);
    h->startlog = hx_asprintf("%s/logs/apache2.out", h->root);
    if (chmod(h->root, HARNESS_DIR_MODE) != 0 || hx_check_ancestors(h->root) != 0
        || hx_mkdir_p(h->docroot) != 0 || hx_pick_ports(h) != 0) {
        harness_free(h);
        return NULL;
    }
    {
        char *d[3];
        int rc = 0, i;
        d[0] = hx_asprintf("%s/conf", h->root);
        d[1] = hx_asprintf("%s/logs", h->root);
        d[2] = hx_asprintf("%s/run", h->root);
        for (i = 0; i < 3; i++) {
            rc |= hx_mkdir_p(d[i]);
            free(d[i]);
        }
        if (rc != 0) {
            harness_free(h);
            return NULL;
        }
    }
    h->next_id = 1;
    return h;
}

int harness_port(const harness_httpd *h) { return h->port; }

int harness_extra_port(const harness_httpd *h, unsigned i)
{
    return i < h->opts.extra_ports ? h->extra[i] : 0;
}

const char *harness_root(const harness_httpd *h) { return h->root; }
const char *harness_docroot(const harness_httpd *h) { return h->docroot; }
const char *harness_conf_path(const harness_httpd *h) { return h->conf; }

static int hx_write_config(harness_httpd *h)
{
    char *c = hx_build_config(h);
    int rc = hx_write(h->conf, c, strlen(c), HARNESS_FILE_MODE);

    if (getenv("HARNESS_VERBOSE") != NULL)
        fprintf(stderr, "harness: %s:\n%s", h->conf, c);
    free(c);
    return rc;
}

/* --- start / stop ------------------------------------------------------- */

/* Any HTTP answer at all on the main port. */
static int hx_probe(harness_httpd *h)
{
    CURL *c = curl_easy_init();
    char url[64];
    long code = 0;
    CURLcode rc;

    if (c == NULL)
        return 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", h->port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, hx_ms(HARNESS_PROBE_MS));
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return rc == CURLE_OK && code > 0;
}

static int hx_bind_failed(const harness_httpd *h)
{
    char *e = harness_error_log(h), *s = (char *)harness_read_file(h->startlog, NULL);
    int r = strstr(e, "Address already in use") != NULL
         || (s != NULL && strstr(s, "Address already in use") != NULL);
    free(e);
    free(s);
    return r;
}

static int hx_start_once(harness_httpd *h)
{
    char *argv[] = { h->apache2, (char *)"-f", h->conf, (char *)"-k",
                     (char *)"start", NULL };
    char *argv_single[] = { h->apache2, (char *)"-X", (char *)"-f", h->conf,
                            NULL };
    long deadline = harness_now_ms() + hx_ms(HARNESS_START_MS);
    int rc;

    unlink(h->pidfile);
    if (hx_write_config(h) != 0)
        return -1;
    h->single = hx_single();
    if (h->single) {
        /* One process in the foreground, our child: a wrapper such as
         * valgrind sees every request, and its pid is the server's. */
        h->pid = hx_spawn(argv_single, h->startlog);
        if (h->pid < 0) {
            h->pid = 0;
            fprintf(stderr, "harness: cannot run apache2 -X\n");
            return -1;
        }
    } else {
        rc = hx_run(argv, h->startlog, hx_ms(HARNESS_START_MS));
        if (rc != 0) {
            fprintf(stderr, "harness: apache2 -k start exited with %d\n", rc);
            return -1;
        }
    }
    while (!h->single && (h->pid = hx_read_pidfile(h->pidfile)) == 0) {
        if (harness_now_ms() > deadline) {
            fprintf(stderr, "harness: no PidFile %s\n", h->pidfile);
            return -1;
        }
        harness_sleep_ms(HARNESS_POLL_MS);
    }
    while (!hx_probe(h)) {
        if (!hx_alive(h->pid)) {
            fprintf(stderr, "harness: apache2 (pid %ld) exited\n", (long)h->pid);
            h->pid = 0;
            return -1;
        }
        if (harness_now_ms() > deadline) {
            fprintf(stderr, "harness: apache2 does not answer on port %d\n",
                    h->port);
            return -1;
        }
        harness_sleep_ms(HARNESS_POLL_MS);
    }
    return 0;
}

int harness_start(harness_httpd *h)
{
    int attempt;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* The daemon's launcher exits at once; becoming the subreaper makes the
     * daemon our child, so that its exit is reaped here instead of leaving
     * a zombie where PID 1 does not reap (containers). */
    prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
    for (attempt = 0; attempt < HARNESS_START_ATTEMPTS; attempt++) {
        if (hx_start_once(h) == 0) {
            h->errlog_mark = hx_file_size(h->errlog);
            return 0;
        }
        harness_stop(h);
        if (!hx_bind_failed(h) || hx_pick_ports(h) != 0)
            break;
        fprintf(stderr, "harness: port taken, retrying with port %d\n", h->port);
    }
    h->errlog_mark = 0;
    harness_dump_logs(h, stderr);
    return -1;
}

int harness_stop(harness_httpd *h)
{
    char *argv[] = { h->apache2, (char *)"-f", h->conf, (char *)"-k",
                     (char *)"stop", NULL };
    long deadline;
    pid_t pid;

    if (h == NULL)
        return 0;
    pid = h->pid ? h->pid : hx_read_pidfile(h->pidfile);
    if (pid == 0 || !hx_alive(pid)) {
        h->pid = 0;
        return 0;
    }
    if (h->single)
        kill(pid, SIGTERM);     /* -X: SIGTERM is the graceless stop */
    else
        hx_run(argv, h->startlog, hx_ms(HARNESS_STOP_MS));
    deadline = harness_now_ms() + hx_ms(HARNESS_STOP_MS);
    while (hx_alive(pid)) {
        if (harness_now_ms() > deadline) {
            fprintf(stderr, "harness: apache2 pid %ld did not stop; killing it\n",
                    (long)pid);
            kill(pid, SIGKILL);
            harness_sleep_ms(HARNESS_POLL_MS * 10);
            break;
        }
        harness_sleep_ms(HARNESS_POLL_MS);
    }
    h->pid = 0;
    return hx_alive(pid) ? -1 : 0;
}

int harness_graceful(harness_httpd *h)
{
    char *argv[] = { h->apache2, (char *)"-f", h->conf, (char *)"-k",
                     (char *)"graceful", NULL };

    if (h->pid == 0 || !hx_alive(h->pid))
        return -1;
    if (h->single)
        return kill(h->pid, SIGUSR1) == 0 ? 0 : -1;
    return hx_run(argv, h->startlog, hx_ms(HARNESS_STOP_MS)) == 0 ? 0 : -1;
}

void harness_free(harness_httpd *h)
{
    char **m;

    if (h == NULL)
        return;
    harness_stop(h);
    if (h->root != NULL) {
        if (getenv("HARNESS_KEEP") != NULL && strcmp(getenv("HARNESS_KEEP"), "0") != 0)
            fprintf(stderr, "harness: kept %s\n", h->root);
        else
            hx_rm_rf(h->root);
    }
    for (m = h->modules; m != NULL && *m != NULL; m++)
        free(*m);
    free(h->modules);
    free(h->config);
    free(h->apache2); free(h->moddir); free(h->netexe);
    free(h->root); free(h->docroot); free(h->conf); free(h->pidfile);
    free(h->errlog); free(h->accesslog); free(h->startlog);
    free(h);
}

int harness_config_test(const harness_options *o, char **output)
{
    harness_httpd *h;
    char *argv[6];
    int rc;

    if (output != NULL)
        *output = NULL;
    h = harness_new(o);
    if (h == NULL)
        return -1;
    if (hx_write_config(h) != 0) {
        harness_free(h);
        return -1;
    }
    argv[0] = h->apache2;
    argv[1] = (char *)"-t";
    argv[2] = (char *)"-f";
    argv[3] = h->conf;
    argv[4] = NULL;
    rc = hx_run(argv, h->startlog, hx_ms(HARNESS_CONFIGTEST_MS));
    if (output != NULL) {
        *output = (char *)harness_read_file(h->startlog, NULL);
        if (*output == NULL)
            *output = hx_strdup("");
    }
    harness_free(h);
    return rc;
}

/* --- fixtures ------------------------------------------------------------ */

char *harness_path(const harness_httpd *h, const char *rel)
{
    while (*rel == '/')
        rel++;
    return hx_asprintf("%s/%s", h->docroot, rel);
}

int harness_write_file_mode(harness_httpd *h, const char *rel,
                            const void *data, size_t len, unsigned mode)
{
    char *p = harness_path(h, rel);
    int rc = hx_write(p, data, len, mode);

    free(p);
    return rc;
}

int harness_write_file(harness_httpd *h, const char *rel, const void *data,
                       size_t len)
{
    return harness_write_file_mode(h, rel, data, len, HARNESS_FILE_MODE);
}

int harness_write_text(harness_httpd *h, const char *rel, const char *text)
{
    return harness_write_file(h, rel, text, strlen(text));
}

int harness_mkdir(harness_httpd *h, const char *rel)
{
    char *p = harness_path(h, rel);
    int rc = hx_mkdir_p(p);

    free(p);
    return rc;
}

int harness_mkdir_for_children(harness_httpd *h, const char *rel)
{
    char *p = hx_asprintf("%s/%s", h->root, rel);
    struct passwd *pw;
    int rc = 0;

    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = -1;
    else if (geteuid() == 0) {
        pw = getpwnam(HARNESS_USER);
        if (pw == NULL || chown(p, pw->pw_uid, pw->pw_gid) != 0)
            rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "harness: cannot make %s for %s: %s\n", p,
                HARNESS_USER, strerror(errno));
    free(p);
    return rc;
}

int harness_write_pe(harness_httpd *h, const char *rel,
                     const pebuild_spec *spec, size_t *len)
{
    pebuild_spec dflt;
    unsigned char *img;
    size_t n = 0;
    int rc;

    if (spec == NULL) {
        pebuild_spec_init(&dflt);
        spec = &dflt;
    }
    img = pebuild(spec, &n);
    if (img == NULL)
        return -1;
    rc = harness_write_file(h, rel, img, n);
    free(img);
    if (len != NULL)
        *len = n;
    return rc;
}

unsigned char *harness_pe_image(int clr, uint32_t e_lfanew, size_t total,
                                size_t *len)
{
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.clr = clr;
    s.e_lfanew = e_lfanew;
    s.total_size = total;
    return pebuild(&s, len);
}

void harness_cgi_opts_init(harness_cgi_opts *o)
{
    memset(o, 0, sizeof *o);
    o->writer = HARNESS_CGI_AT_ONCE;
    o->pause_bytes = HARNESS_CGI_PAUSE_BYTES;
    o->pause_ms = HARNESS_CGI_PAUSE_MS;
}

/* s as a Perl double-quoted string literal: every byte but letters, digits
 * and a few safe marks as \x{HH}, so that no path or header text can end
 * the string or be interpolated. */
static void hx_buf_perl_string(hx_buf *b, const char *s)
{
    hx_buf_str(b, "\"");
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-'
            || c == ' ' || c == ':')
            hx_buf_add(b, s, 1);
        else
            hx_buf_printf(b, "\\x{%02x}", c);
    }
    hx_buf_str(b, "\"");
}

/* select()'s timeout in seconds for a pause of ms milliseconds. */
static void hx_buf_perl_pause(hx_buf *b, unsigned ms)
{
    hx_buf_printf(b, "select(undef, undef, undef, %u.%03u)", ms / 1000u,
                  ms % 1000u);
}

int harness_write_cgi_image(harness_httpd *h, const char *rel,
                            const char *image_rel, const harness_cgi_opts *o)
{
    harness_cgi_opts dflt;
    hx_buf b = { NULL, 0, 0 };
    char *image = harness_path(h, image_rel);
    int rc;

    if (o == NULL) {
        harness_cgi_opts_init(&dflt);
        o = &dflt;
    }
    hx_buf_str(&b, "#!/usr/bin/perl\nuse strict;\nopen(my $fh, '<', ");
    hx_buf_perl_string(&b, image);
    hx_buf_str(&b, ") or die \"cannot open image: $!\";\n"
               "binmode $fh;\n"
               "my $img = do { local $/; <$fh> };\n"
               "close $fh;\n"
               "binmode STDOUT;\n"
               "syswrite(STDOUT, \"Content-Type: application/x-msdownload\\r\\n\" . ");
    hx_buf_perl_string(&b, o->headers != NULL ? o->headers : "");
    hx_buf_str(&b, " . \"\\r\\n\");\n");
    switch (o->writer) {
    case HARNESS_CGI_AT_ONCE:
        hx_buf_str(&b, "syswrite(STDOUT, $img);\n");
        break;
    case HARNESS_CGI_TRICKLE:
        hx_buf_str(&b, "for my $i (0 .. length($img) - 1) {\n"
                       "    syswrite(STDOUT, substr($img, $i, 1));\n    ");
        hx_buf_perl_pause(&b, o->pause_ms);
        hx_buf_printf(&b, " if $i < %zu;\n}\n", o->pause_bytes);
        break;
    case HARNESS_CGI_MZ_PAUSE:
        hx_buf_str(&b, "syswrite(STDOUT, substr($img, 0, 2));\n");
        hx_buf_perl_pause(&b, o->pause_ms);
        hx_buf_str(&b, ";\nsyswrite(STDOUT, substr($img, 2));\n");
        break;
    case HARNESS_CGI_PREFIX:
        if (o->prefix_len > 0)
            hx_buf_printf(&b, "syswrite(STDOUT, substr($img, 0, %zu));\n",
                          o->prefix_len);
        break;
    default:
        fprintf(stderr, "harness: unknown CGI writer %d for %s\n",
                (int)o->writer, rel);
        free(image);
        free(b.p);
        return -1;
    }
    rc = harness_write_file_mode(h, rel, b.p, b.len, HARNESS_SCRIPT_MODE);
    free(image);
    free(b.p);
    return rc;
}

int harness_write_cgi_bin(harness_httpd *h, const char *name,
                          const char *image_rel, const char *headers,
                          harness_cgi_writer how)
{
    harness_cgi_opts o;
    char *rel = hx_asprintf("cgi/%s", name);
    int rc;

    harness_cgi_opts_init(&o);
    o.writer = how;
    o.headers = headers;
    rc = harness_write_cgi_image(h, rel, image_rel, &o);
    free(rel);
    return rc;
}

unsigned char *harness_read_fixture(const harness_httpd *h, const char *rel,
                                    size_t *len)
{
    char *p = harness_path(h, rel);
    unsigned char *data = harness_read_file(p, len);

    free(p);
    return data;
}

int harness_copy_fixture(harness_httpd *h, const char *from_rel,
                         const char *to_rel)
{
    size_t len = 0;
    unsigned char *data = harness_read_fixture(h, from_rel, &len);
    int rc;

    if (data == NULL) {
        fprintf(stderr, "harness: cannot read fixture %s\n", from_rel);
        return -1;
    }
    rc = harness_write_file(h, to_rel, data, len);
    free(data);
    return rc;
}

int harness_file_sha256(const harness_httpd *h, const char *rel,
                        char out[65], size_t *len)
{
    size_t n = 0;
    unsigned char *data = harness_read_fixture(h, rel, &n);

    out[0] = '\0';
    if (data == NULL)
        return -1;
    harness_sha256_hex(data, n, out);
    free(data);
    if (len != NULL)
        *len = n;
    return 0;
}

/* --- the client ------------------------------------------------------------ */

typedef struct {
    harness_response *resp;
    hx_buf body;
    hx_buf hdrs;                        /* raw header lines, final response */
} hx_xfer;

static size_t hx_on_body(char *p, size_t size, size_t n, void *ud)
{
    hx_xfer *x = ud;
    hx_buf_add(&x->body, p, size * n);
    return size * n;
}

static size_t hx_on_header(char *p, size_t size, size_t n, void *ud)
{
    hx_xfer *x = ud;
    size_t len = size * n;

    /* A new status line (after 1xx) starts the final response afresh. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        x->hdrs.len = 0;
    hx_buf_add(&x->hdrs, p, len);
    return len;
}

static void hx_parse_headers(harness_response *r, const char *raw)
{
    const char *line = raw;
    size_t cap = 0;

    while (*line != '\0') {
        const char *eol = strchr(line, '\n'), *colon, *v, *ve;
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        harness_header *hd;

        colon = memchr(line, ':', ll);
        if (colon != NULL && !(ll >= 5 && memcmp(line, "HTTP/", 5) == 0)) {
            if (r->nheaders == cap) {
                cap = cap ? 2 * cap : 16;
                r->headers = realloc(r->headers, cap * sizeof *r->headers);
                if (r->headers == NULL)
                    abort();
            }
            hd = &r->headers[r->nheaders++];
            hd->name = malloc((size_t)(colon - line) + 1);
            memcpy(hd->name, line, (size_t)(colon - line));
            hd->name[colon - line] = '\0';
            v = colon + 1;
            ve = line + ll;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            hd->value = malloc((size_t)(ve - v) + 1);
            memcpy(hd->value, v, (size_t)(ve - v));
            hd->value[ve - v] = '\0';
        }
        if (eol == NULL)
            break;
        line = eol + 1;
    }
}

static void hx_finish(harness_response *r, hx_xfer *x, CURL *c, CURLcode rc)
{
    const char *cl;

    if (rc == CURLE_OK) {
        long v = 0;
        r->ok = 1;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->new_connections);
        curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &v);
        r->http_version = v == CURL_HTTP_VERSION_1_0 ? 10
                        : v == CURL_HTTP_VERSION_1_1 ? 11
                        : v == CURL_HTTP_VERSION_2_0 ? 20 : 0;
    } else if (r->error[0] == '\0') {
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(rc));
    }
    if (x->hdrs.p != NULL)
        hx_parse_headers(r, x->hdrs.p);
    free(x->hdrs.p);
    if (x->body.p == NULL)
        hx_buf_add(&x->body, "", 0);
    r->body = (unsigned char *)x->body.p;
    r->body_len = x->body.len;
    harness_sha256_hex(r->body, r->body_len, r->body_sha256);
    cl = harness_header_get(r, "Content-Length");
    r->content_length = cl != NULL ? strtoll(cl, NULL, 10) : -1;
}

/* Prepares an easy handle for req (reuse: an existing handle, reset, so
 * that its connection is kept); *list gets the header list to free. */
static CURL *hx_easy(harness_httpd *h, CURL *reuse, const harness_request *req,
                     harness_response *r, hx_xfer *x, struct curl_slist **list)
{
    CURL *c = reuse != NULL ? reuse : curl_easy_init();
    const char *const *hp;
    char *url, *idh;
    long timeout = hx_ms(req->timeout_ms > 0 ? req->timeout_ms : HARNESS_REQUEST_MS);

    memset(r, 0, sizeof *r);
    r->content_length = -1;
    memset(x, 0, sizeof *x);
    x->resp = r;
    *list = NULL;
    snprintf(r->id, sizeof r->id, "%ld-%lu", (long)getpid(), h->next_id++);
    if (c == NULL) {
        snprintf(r->error, sizeof r->error, "curl_easy_init failed");
        return NULL;
    }
    if (reuse != NULL)
        curl_easy_reset(c);
    url = hx_asprintf("http://127.0.0.1:%d%s", req->port ? req->port : h->port,
                      req->path ? req->path : "/");
    curl_easy_setopt(c, CURLOPT_URL, url);
    free(url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HARNESS_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hx_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hx_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
    if (req->method != NULL && strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (req->method != NULL && strcmp(req->method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
                     req->http2 ? (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                                : (long)CURL_HTTP_VERSION_1_1);
    if (req->accept_encoding != NULL) {
        if (req->decode) {
            curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, req->accept_encoding);
        } else {
            char *ae = hx_asprintf("Accept-Encoding: %s", req->accept_encoding);
            *list = curl_slist_append(*list, ae);
            free(ae);
        }
    }
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, req->decode ? 1L : 0L);
    idh = hx_asprintf("%s: %s", HARNESS_ID_HEADER, r->id);
    *list = curl_slist_append(*list, idh);
    free(idh);
    for (hp = req->headers; hp != NULL && *hp != NULL; hp++)
        *list = curl_slist_append(*list, *hp);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *list);
    return c;
}

int harness_send(harness_httpd *h, const harness_request *req,
                    harness_response *resp)
{
    hx_xfer x;
    struct curl_slist *list;
    CURL *c;
    CURLcode rc;

    h->errlog_mark = hx_file_size(h->errlog);
    c = hx_easy(h, NULL, req, resp, &x, &list);
    if (c == NULL)
        return -1;
    rc = curl_easy_perform(c);
    hx_finish(resp, &x, c, rc);
    curl_easy_cleanup(c);
    curl_slist_free_all(list);
    return resp->ok ? 0 : -1;
}

size_t harness_send_sequence(harness_httpd *h, const harness_request *reqs,
                             harness_response *resps, size_t n)
{
    CURL *c = NULL;
    size_t i, failed = 0;

    h->errlog_mark = hx_file_size(h->errlog);
    for (i = 0; i < n; i++) {
        hx_xfer x;
        struct curl_slist *list;
        CURL *e = hx_easy(h, c, &reqs[i], &resps[i], &x, &list);
        CURLcode rc;

        if (e == NULL) {
            failed++;
            continue;
        }
        c = e;
        rc = curl_easy_perform(c);
        hx_finish(&resps[i], &x, c, rc);
        curl_slist_free_all(list);
        if (!resps[i].ok)
            failed++;
    }
    if (c != NULL)
        curl_easy_cleanup(c);
    return failed;
}

/* GET path on port (0: main) with one more request header line (NULL:
 * none). */
static int hx_get_with(harness_httpd *h, int port, const char *path,
                       const char *line, harness_response *resp)
{
    const char *hdrs[2] = { line, NULL };
    harness_request req;

    memset(&req, 0, sizeof req);
    req.path = path;
    req.port = port;
    req.headers = hdrs;
    return harness_send(h, &req, resp);
}

int harness_get(harness_httpd *h, const char *path, harness_response *resp)
{
    return hx_get_with(h, 0, path, NULL, resp);
}

int harness_get_port(harness_httpd *h, int port, const char *path,
                     harness_response *resp)
{
    return hx_get_with(h, port, path, NULL, resp);
}

int harness_get_h2c(harness_httpd *h, const char *path,
                    harness_response *resp)
{
    harness_request req;

    memset(&req, 0, sizeof req);
    req.path = path;
    req.http2 = 1;
    return harness_send(h, &req, resp);
}

int harness_head(harness_httpd *h, const char *path, harness_response *resp)
{
    harness_request req;

    memset(&req, 0, sizeof req);
    req.method = "HEAD";
    req.path = path;
    return harness_send(h, &req, resp);
}

int harness_revalidate(harness_httpd *h, const char *path,
                       const char *validator, harness_response *first,
                       harness_response *second)
{
    const char *cond = NULL, *value;
    char *line;
    int rc;

    harness_get(h, path, first);
    memset(second, 0, sizeof *second);
    second->content_length = -1;
    value = first->ok ? harness_header_get(first, validator) : NULL;
    if (strcasecmp(validator, "ETag") == 0)
        cond = "If-None-Match";
    else if (strcasecmp(validator, "Last-Modified") == 0)
        cond = "If-Modified-Since";
    if (value == NULL || cond == NULL) {
        snprintf(second->error, sizeof second->error,
                 "not sent: no %s from the first GET", validator);
        return -1;
    }
    line = hx_asprintf("%s: %s", cond, value);
    rc = hx_get_with(h, 0, path, line, second);
    free(line);
    return rc;
}

int harness_get_range(harness_httpd *h, const char *path, size_t from,
                      size_t len, harness_response *resp)
{
    char *range = hx_asprintf("Range: bytes=%zu-%zu", from, from + len - 1);
    int rc = hx_get_with(h, 0, path, range, resp);

    free(range);
    return rc;
}

size_t harness_request_parallel(harness_httpd *h, const harness_request *reqs,
                                harness_response *resps, size_t n)
{
    CURLM *multi = curl_multi_init();
    CURL **easy = calloc(n ? n : 1, sizeof *easy);
    hx_xfer *x = calloc(n ? n : 1, sizeof *x);
    struct curl_slist **lists = calloc(n ? n : 1, sizeof *lists);
    long deadline = harness_now_ms() + hx_ms(HARNESS_REQUEST_MS);
    size_t i, failed = 0;
    int running = 0;
    CURLMsg *msg;
    int left;

    if (multi == NULL || easy == NULL || x == NULL || lists == NULL)
        abort();
    h->errlog_mark = hx_file_size(h->errlog);
    for (i = 0; i < n; i++) {
        easy[i] = hx_easy(h, NULL, &reqs[i], &resps[i], &x[i], &lists[i]);
        if (easy[i] == NULL)
            continue;
        /* One connection per transfer, so that they really run at once. */
        curl_easy_setopt(easy[i], CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(easy[i], CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (void *)&x[i]);
        curl_multi_add_handle(multi, easy[i]);
    }
    do {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg == CURLMSG_DONE) {
                for (i = 0; i < n; i++) {
                    if (easy[i] == msg->easy_handle) {
                        hx_finish(&resps[i], &x[i], easy[i], msg->data.result);
                        curl_multi_remove_handle(multi, easy[i]);
                        curl_easy_cleanup(easy[i]);
                        easy[i] = NULL;
                        break;
                    }
                }
            }
        }
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, HARNESS_POLL_MS * 5, NULL);
    } while (running > 0 && harness_now_ms() < deadline);
    for (i = 0; i < n; i++) {
        if (easy[i] != NULL) {
            snprintf(resps[i].error, sizeof resps[i].error, "not finished in time");
            hx_finish(&resps[i], &x[i], easy[i], CURLE_OPERATION_TIMEDOUT);
            curl_multi_remove_handle(multi, easy[i]);
            curl_easy_cleanup(easy[i]);
        }
        curl_slist_free_all(lists[i]);
        if (!resps[i].ok)
            failed++;
    }
    curl_multi_cleanup(multi);
    free(easy);
    free(x);
    free(lists);
    return failed;
}

unsigned char *harness_raw_exchange(harness_httpd *h, int port,
                                    const void *req, size_t req_len,
                                    long timeout_ms, size_t *len)
{
    struct sockaddr_in sa;
    int fd;
    long deadline = harness_now_ms() + hx_ms(timeout_ms > 0 ? timeout_ms : HARNESS_REQUEST_MS);
    const unsigned char *p = req;
    hx_buf b = { NULL, 0, 0 };

    if (len != NULL)
        *len = 0;
    h->errlog_mark = hx_file_size(h->errlog);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)(port ? port : h->port));
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return NULL;
    }
    while (req_len > 0) {
        ssize_t n = send(fd, p, req_len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        req_len -= (size_t)n;
    }
    hx_buf_add(&b, "", 0);
    for (;;) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        char chunk[16384];
        long left = deadline - harness_now_ms();
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        hx_buf_add(&b, chunk, (size_t)n);
    }
    close(fd);
    if (len != NULL)
        *len = b.len;
    return (unsigned char *)b.p;
}

const char *harness_header_get(const harness_response *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

size_t harness_header_count(const harness_response *r, const char *name)
{
    size_t i, n = 0;

    for (i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            n++;
    return n;
}

int harness_body_contains(const harness_response *r, const char *needle)
{
    size_t n = strlen(needle), i;

    if (n == 0)
        return 1;
    for (i = 0; r->body != NULL && i + n <= r->body_len; i++)
        if (memcmp(r->body + i, needle, n) == 0)
            return 1;
    return 0;
}

void harness_response_free(harness_response *r)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    r->headers = NULL;
    r->nheaders = 0;
    r->body = NULL;
    r->body_len = 0;
}

/* --- logs ---------------------------------------------------------------- */

char *harness_access_log(const harness_httpd *h)
{
    char *s = (char *)harness_read_file(h->accesslog, NULL);
    return s != NULL ? s : hx_strdup("");
}

char *harness_error_log(const harness_httpd *h)
{
    char *s = (char *)harness_read_file(h->errlog, NULL);
    return s != NULL ? s : hx_strdup("");
}

/* Splits one access log line into its fields; 0 when it has them all. */
static int hx_parse_entry(const char *line, size_t len, harness_log_entry *e)
{
    char *f[HARNESS_ACCESS_FIELDS];
    size_t i = 0;
    const char *s = line, *end = line + len;

    while (i < HARNESS_ACCESS_FIELDS) {
        const char *tab = memchr(s, '\t', (size_t)(end - s));
        const char *fe = (tab != NULL && i < HARNESS_ACCESS_FIELDS - 1) ? tab : end;
        f[i] = malloc((size_t)(fe - s) + 1);
        memcpy(f[i], s, (size_t)(fe - s));
        f[i][fe - s] = '\0';
        i++;
        if (fe == end)
            break;
        s = fe + 1;
    }
    if (i < HARNESS_ACCESS_FIELDS) {
        while (i > 0)
            free(f[--i]);
        return -1;
    }
    e->status = atoi(f[0]);
    free(f[0]);
    e->note = f[1];
    e->id = f[2];
    e->request_line = f[3];
    e->bytes = f[4];
    e->disposition = f[5];
    return 0;
}

/* Looks for a line whose field (id or request line) equals want; the last
 * one wins.  Polls until deadline. */
static int hx_log_search(harness_httpd *h, int by_id, const char *want,
                         harness_log_entry *out)
{
    long deadline = harness_now_ms() + hx_ms(HARNESS_LOG_WAIT_MS);

    memset(out, 0, sizeof *out);
    for (;;) {
        char *log = harness_access_log(h), *line = log;
        int found = 0;

        while (*line != '\0') {
            char *eol = strchr(line, '\n');
            size_t ll = eol ? (size_t)(eol - line) : strlen(line);
            harness_log_entry e;
            if (hx_parse_entry(line, ll, &e) == 0) {
                if (strcmp(by_id ? e.id : e.request_line, want) == 0) {
                    if (found)
                        harness_log_entry_free(out);
                    *out = e;
                    found = 1;
                } else {
                    harness_log_entry_free(&e);
                }
            }
            if (eol == NULL)
                break;
            line = eol + 1;
        }
        free(log);
        if (found)
            return 0;
        if (harness_now_ms() > deadline)
            return -1;
        harness_sleep_ms(HARNESS_POLL_MS);
    }
}

int harness_log_find(harness_httpd *h, const harness_response *resp,
                     harness_log_entry *out)
{
    return hx_log_search(h, 1, resp->id, out);
}

int harness_log_find_request(harness_httpd *h, const char *request_line,
                             harness_log_entry *out)
{
    return hx_log_search(h, 0, request_line, out);
}

int harness_note_of(harness_httpd *h, const harness_response *resp,
                    char *note, size_t cap)
{
    harness_log_entry e;
    int rc;

    if (harness_log_find(h, resp, &e) != 0)
        return -1;
    rc = (size_t)snprintf(note, cap, "%s", e.note) < cap ? 0 : -1;
    harness_log_entry_free(&e);
    return rc;
}

int harness_log_find_fields(harness_httpd *h, const char *log_rel,
                            const harness_response *resp, char *out,
                            size_t cap)
{
    harness_log_entry e;
    char *path, *prefix;
    long deadline;
    int rc = -1;

    /* Both lines are written when the request is logged: the harness's
     * first, so the other is there or about to be. */
    if (harness_log_find(h, resp, &e) != 0)
        return -1;
    harness_log_entry_free(&e);
    path = hx_asprintf("%s/%s", h->root, log_rel);
    prefix = hx_asprintf("%s ", resp->id);
    deadline = harness_now_ms() + hx_ms(HARNESS_LOG_WAIT_MS);
    for (;;) {
        unsigned char *log = harness_read_file(path, NULL);
        const char *line = log != NULL ? strstr((char *)log, prefix) : NULL;

        if (line != NULL) {
            size_t n;

            line += strlen(prefix);
            n = strcspn(line, "\n");
            if (n < cap) {
                memcpy(out, line, n);
                out[n] = '\0';
                rc = 0;
            }
            free(log);
            break;
        }
        free(log);
        if (harness_now_ms() > deadline)
            break;
        harness_sleep_ms(HARNESS_POLL_MS);
    }
    free(prefix);
    free(path);
    return rc;
}

void harness_log_entry_free(harness_log_entry *e)
{
    free(e->note);
    free(e->id);
    free(e->request_line);
    free(e->bytes);
    free(e->disposition);
    memset(e, 0, sizeof *e);
}

int harness_error_log_wait(const harness_httpd *h, const char *needle,
                           long timeout_ms)
{
    long deadline = harness_now_ms() + hx_ms(timeout_ms);

    for (;;) {
        char *e = harness_error_log(h);
        int found = strstr(e, needle) != NULL;
        free(e);
        if (found)
            return 1;
        if (harness_now_ms() > deadline)
            return 0;
        harness_sleep_ms(HARNESS_POLL_MS);
    }
}

unsigned harness_error_log_count(const harness_httpd *h, const char *needle)
{
    char *log = harness_error_log(h);
    const char *p = log;
    size_t len = strlen(needle);
    unsigned n = 0;

    while (len > 0 && (p = strstr(p, needle)) != NULL) {
        n++;
        p += len;
    }
    free(log);
    return n;
}

int harness_wait_generation(const harness_httpd *h, unsigned generations,
                            long timeout_ms)
{
    long deadline = harness_now_ms() + hx_ms(timeout_ms);

    for (;;) {
        if (harness_error_log_count(h, HARNESS_GENERATION_UP) > generations)
            return 1;
        if (harness_now_ms() > deadline)
            return 0;
        harness_sleep_ms(HARNESS_POLL_MS);
    }
}

const char *harness_crash_sign(const harness_httpd *h)
{
    static const char *const signs[] = {
        "exit signal", "Segmentation fault", "AddressSanitizer",
        "runtime error:", "double free", NULL
    };
    char *log = harness_error_log(h);
    const char *const *s;

    for (s = signs; *s != NULL && strstr(log, *s) == NULL; s++)
        ;
    free(log);
    return *s;
}

static void hx_dump_tail(FILE *out, const char *title, const char *path,
                         long from, unsigned max_lines)
{
    size_t len;
    char *s = (char *)harness_read_file(path, &len);
    const char *p;

    fprintf(out, "---- %s (%s) ----\n", title, path);
    if (s == NULL) {
        fprintf(out, "(missing)\n");
        return;
    }
    p = s;
    if (from > 0 && (size_t)from <= len)
        p = s + from;
    if (max_lines > 0) {
        const char *q = s + len;
        unsigned n = 0;
        while (q > p && n <= max_lines) {
            q--;
            if (*q == '\n' && q != s + len - 1)
                n++;
        }
        if (n > max_lines)
            p = q + 1;
    }
    if ((size_t)(s + len - p) > HARNESS_DUMP_MAX)
        p = s + len - HARNESS_DUMP_MAX;
    fprintf(out, "%s%s", p, (len > 0 && s[len - 1] != '\n') ? "\n" : "");
    free(s);
}

void harness_dump_logs(const harness_httpd *h, FILE *out)
{
    if (h == NULL)
        return;
    fprintf(out, "==== apache2 on 127.0.0.1:%d, root %s ====\n", h->port, h->root);
    hx_dump_tail(out, "error log since the last request", h->errlog,
                 h->errlog_mark, 0);
    hx_dump_tail(out, "access log, last lines", h->accesslog, 0,
                 HARNESS_DUMP_LINES);
    hx_dump_tail(out, "apache2 output", h->startlog, 0, HARNESS_DUMP_LINES);
    fflush(out);
}
