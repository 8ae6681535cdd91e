/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness.h -- a real apache2 on 127.0.0.1 for the httpd suites, and a
 * libcurl client to talk to it (DESIGN.md sections 7 and 8).
 *
 * One server per suite, started in an unchecked fixture:
 *
 *     static harness_httpd *srv;
 *
 *     static void setup(void)
 *     {
 *         static const char *const mods[] = { "setenvif", NULL };
 *         harness_options o;
 *
 *         harness_options_init(&o);
 *         o.modules = mods;
 *         o.config  = "<Directory \"@DOCROOT@/dl\">\n"
 *                     "    NetExe On\n"
 *                     "</Directory>\n";
 *         srv = harness_new(&o);
 *         ck_assert_msg(srv != NULL, "harness_new failed (see stderr)");
 *         harness_write_pe(srv, "dl/tool.exe", NULL, NULL);   a CLR EXE
 *         ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
 *     }
 *
 *     static void teardown(void) { harness_free(srv); srv = NULL; }
 *
 *     START_TEST(test_clr_exe_gets_attachment)
 *     {
 *         harness_response r;
 *         harness_get(srv, "/dl/tool.exe", &r);
 *         HARNESS_ASSERT_STATUS(srv, &r, 200);
 *         HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
 *                               "attachment; filename=\"tool.exe\"");
 *         harness_response_free(&r);
 *     }
 *     END_TEST
 *
 * The generated configuration (conf/httpd.conf under the server's root,
 * a fresh 0755 directory under $TMPDIR or /tmp) holds: ServerRoot, Listen
 * 127.0.0.1 on a free port (plus o.extra_ports more), PidFile and
 * DefaultRuntimeDir in run/, ErrorLog logs/error.log (LogLevel warn
 * netexe:debug), CustomLog logs/access.log in the format HARNESS_LOG_FORMAT,
 * User/Group www-data, LoadModule of the MPM, authz_core, mime (TypesConfig
 * /etc/mime.types), log_config (inside <IfModule !log_config_module>:
 * Debian builds it in), mod_netexe from $NETEXE_MODULE and o.modules,
 * DocumentRoot htdocs/ with "Require all granted" and AllowOverride None,
 * "Require all denied" for "/", EnableSendfile On (the path the module
 * must not spoil), Timeout 20, KeepAlive On, small MPM limits, and with
 * http2 loaded "Protocols h2c http/1.1".  The suite's snippet o.config
 * comes last, so it can override any of it.  HARNESS_VERBOSE=1 prints it.
 * Note that Debian's /etc/mime.types serves .exe and .dll as
 * application/x-msdos-program (Apache's own mime.types says
 * application/x-msdownload): add "AddType application/x-msdownload .exe"
 * to the snippet where a test depends on the type.
 *
 * Placeholders in o.config: @ROOT@ (server root), @DOCROOT@ (htdocs),
 * @PORT@ (the main port), @PORT1@ .. @PORT3@ (extra ports, each with its
 * own "Listen"), @MODDIR@ (/usr/lib/apache2/modules).
 *
 * Every wait is bounded (HARNESS_*_MS below).  On a failed start or a
 * failed HARNESS_ASSERT_* the new part of the error log, the last lines of
 * the access log and apache2's own output are written to stderr.  Set
 * HARNESS_KEEP=1 in the environment to keep the server's directory after
 * the suite (its path is printed).
 *
 * Environment: NETEXE_MODULE (path of mod_netexe.so; required unless
 * o.load_netexe is 0), HARNESS_APACHE2 (default /usr/sbin/apache2),
 * HARNESS_MODDIR (default /usr/lib/apache2/modules), HARNESS_VERBOSE=1
 * (print the generated configuration).
 *
 * Running apache2 under a tool (tests/httpd/memcheck.mk does):
 * HARNESS_WRAPPER="valgrind --log-file=..." puts those words (split at
 * blanks, no quoting; looked up in PATH) in front of every apache2 command
 * line (start, stop, -t).  HARNESS_SINGLE=1 runs "apache2 -X -f CONF" as a
 * child of the suite instead of "-k start" (one process, in the
 * foreground; stopped with SIGTERM), so that the wrapper sees every
 * request.  HARNESS_TIME_SCALE=N multiplies every bound below (start,
 * stop, requests, log waits, harness_error_log_wait) by N for a slowed
 * down server.
 *
 * Every request carries a header X-Harness-Id (pid-counter, unique across
 * Check's forked tests) that the access log records, so a test finds its
 * own log line (harness_log_find).
 *
 * harness_start() makes the calling process a child subreaper (prctl), so
 * the daemonised apache2 is its child and is reaped when stopped, instead
 * of lingering as a zombie under a PID 1 that does not reap.
 *
 * The functions are not thread-safe on one harness_httpd (requests update
 * a counter and the error log mark): for concurrency use
 * harness_request_parallel().  No global state is kept besides libcurl's
 * global init.
 */
#ifndef NETEXE_HARNESS_H
#define NETEXE_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "pebuild.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of every wait. */
#define HARNESS_START_MS        15000   /* apache2 -k start until it answers */
#define HARNESS_STOP_MS         10000   /* -k stop until the parent is gone */
#define HARNESS_CONFIGTEST_MS   10000   /* apache2 -t */
#define HARNESS_REQUEST_MS      20000   /* one request, default */
#define HARNESS_CONNECT_MS      3000
#define HARNESS_LOG_WAIT_MS     5000    /* a request's access log line */
#define HARNESS_POLL_MS         20

#define HARNESS_EXTRA_PORTS_MAX 3
#define HARNESS_DUMP_MAX        16384   /* bytes of a log shown on failure */

/* The access log line of every request: tab-separated fields
 *   status, %{netexe}n, request id (X-Harness-Id), request line,
 *   body bytes (%B), Content-Disposition sent (%{Content-Disposition}o)
 * "-" stands for an absent value, as usual in httpd logs. */
#define HARNESS_LOG_FORMAT \
    "%>s\\t%{netexe}n\\t%{X-Harness-Id}i\\t%r\\t%B\\t%{Content-Disposition}o"

/* The request header carrying the id that ties a request to its log line. */
#define HARNESS_ID_HEADER       "X-Harness-Id"

typedef enum {
    HARNESS_MPM_EVENT = 0,
    HARNESS_MPM_WORKER,
    HARNESS_MPM_PREFORK
} harness_mpm;

/* A configuration snippet for o.config: the scripts under docroot/cgi/
 * run as CGI at /cgi-bin/, with NetExe On there (load "alias" and "cgid"
 * or "cgi").  More ScriptAlias lines may map other prefixes to the same
 * directory. */
#define HARNESS_CONFIG_CGI_BIN                                              \
    "ScriptAlias /cgi-bin/ \"@DOCROOT@/cgi/\"\n"                            \
    "<Directory \"@DOCROOT@/cgi\">\n"                                       \
    "    Options +ExecCGI\n"                                                \
    "</Directory>\n"                                                        \
    "<Location \"/cgi-bin/\">\n"                                            \
    "    NetExe On\n"                                                       \
    "</Location>\n"

typedef struct {
    harness_mpm mpm;                /* default HARNESS_MPM_EVENT */
    /* Extra modules by short name, NULL-terminated, loaded in this order
     * from @MODDIR@/mod_NAME.so as NAME_module: "cgid", "cgi", "proxy",
     * "proxy_http", "deflate", "http2", "headers", "setenvif", "alias",
     * "dir", "asis", "bucketeer", ...  Dependencies first ("proxy" before
     * "proxy_http"). */
    const char *const *modules;
    const char *config;             /* snippet appended last; placeholders */
    unsigned extra_ports;           /* 0 .. HARNESS_EXTRA_PORTS_MAX */
    int load_netexe;                /* default 1: LoadModule netexe_module */
    const char *log_level;          /* default "warn netexe:debug" */
} harness_options;

/* An apache2 instance and its directory; opaque. */
typedef struct harness_httpd harness_httpd;

void harness_options_init(harness_options *o);

/* Creates the server's directory (htdocs/, logs/, run/, conf/) and picks
 * free ports; does not start apache2 yet, so that fixtures can be written
 * first.  NULL on failure (reason on stderr). */
harness_httpd *harness_new(const harness_options *o);

/* Writes the configuration and runs "apache2 -f CONF -k start", then waits
 * for the PidFile and a first HTTP answer.  A port taken meanwhile by
 * someone else is replaced by a fresh one (a few attempts).  0 on success,
 * -1 on failure (logs dumped to stderr). */
int harness_start(harness_httpd *h);

/* "apache2 -k stop" and wait for the parent to exit; SIGKILL to that pid
 * after HARNESS_STOP_MS.  0 when it is gone.  Safe to call twice. */
int harness_stop(harness_httpd *h);

/* "apache2 -k graceful" (SIGUSR1 under HARNESS_SINGLE): the parent
 * re-reads the configuration and replaces its children, which finish the
 * requests they are serving first.  0 when the signal was sent; the new
 * generation answers a moment later ("resuming normal operations" appears
 * once more in the error log). */
int harness_graceful(harness_httpd *h);

/* Stops the server when running and removes its directory (unless
 * HARNESS_KEEP=1).  NULL is fine. */
void harness_free(harness_httpd *h);

/* The main port, and extra port i (0-based; 0 when absent). */
int harness_port(const harness_httpd *h);
int harness_extra_port(const harness_httpd *h, unsigned i);
const char *harness_root(const harness_httpd *h);
const char *harness_docroot(const harness_httpd *h);
const char *harness_conf_path(const harness_httpd *h);

/* Runs "apache2 -t -f CONF" for a configuration built from o as
 * harness_start() would (in a temporary directory removed afterwards).
 * Returns apache2's exit status (0: syntax OK), or -1 when it could not be
 * run or timed out.  *output (may be NULL) gets its stdout and stderr,
 * malloc'd, NUL-terminated. */
int harness_config_test(const harness_options *o, char **output);

/* --- fixtures (paths relative to htdocs/; parents made 0755) --------- */

/* Writes len bytes to docroot/rel, mode 0644 (0755 with the _mode
 * variant, e.g. for CGI scripts).  0 on success. */
int harness_write_file(harness_httpd *h, const char *rel,
                       const void *data, size_t len);
int harness_write_file_mode(harness_httpd *h, const char *rel,
                            const void *data, size_t len, unsigned mode);
/* A NUL-terminated string as the file's content. */
int harness_write_text(harness_httpd *h, const char *rel, const char *text);

/* Makes docroot/rel (and parents), 0755. */
int harness_mkdir(harness_httpd *h, const char *rel);

/* Makes rel under the server's root (not htdocs/), 0755, for the
 * server's children to write in (a cache directory): owned by the user
 * they run as when the suite runs as root.  0 also when it exists. */
int harness_mkdir_for_children(harness_httpd *h, const char *rel);

/* Writes a PE image built by tests/support/pebuild (spec NULL: the default
 * 32-bit CLR EXE of pebuild_spec_init()).  *len (may be NULL) gets the
 * image's size.  0 on success. */
int harness_write_pe(harness_httpd *h, const char *rel,
                     const pebuild_spec *spec, size_t *len);

/* pebuild's default image (pebuild_spec_init(): a 32-bit EXE) with
 * s.clr, s.e_lfanew and s.total_size set to clr, e_lfanew and total, in
 * memory: malloc'd, *len its size.  NULL on failure. */
unsigned char *harness_pe_image(int clr, uint32_t e_lfanew, size_t total,
                                size_t *len);

/* A CGI script (Perl; perl-base is always there on Debian) that reads the
 * fixture image_rel and sends it as the body, written to docroot/rel with
 * mode 0755.  Each syswrite() in it is one write(2), so the bytes leave the
 * script exactly in the pieces asked for:
 *
 *   HARNESS_CGI_AT_ONCE   the whole image in one write;
 *   HARNESS_CGI_TRICKLE   one byte per write, with a pause of pause_ms after
 *                         each of the first pause_bytes bytes;
 *   HARNESS_CGI_MZ_PAUSE  "MZ", a pause of pause_ms, then the rest at once;
 *   HARNESS_CGI_PREFIX    only the first prefix_len bytes, in one write
 *                         (none at all for 0).
 *
 * The header block goes out first in one write: "Content-Type:
 * application/x-msdownload", then o->headers (NULL: none; each line ending
 * in "\r\n", e.g. "Status: 404 Not Found\r\n"), then the empty line.
 * The image is opened by its absolute path when the script runs (as
 * www-data under mod_cgid as root: keep it 0644 under 0755 directories, as
 * harness_write_pe does).  o NULL: harness_cgi_opts_init()'s defaults.
 * 0 on success. */
typedef enum {
    HARNESS_CGI_AT_ONCE = 0,
    HARNESS_CGI_TRICKLE,
    HARNESS_CGI_MZ_PAUSE,
    HARNESS_CGI_PREFIX
} harness_cgi_writer;

/* The default pauses of HARNESS_CGI_TRICKLE: after each byte up to and
 * past the decision point of pebuild's default image (e_lfanew 0x80 plus
 * 0xF0), so that those bytes really arrive one by one; the rest still goes
 * one byte per write, without pauses. */
#define HARNESS_CGI_PAUSE_BYTES 512u
#define HARNESS_CGI_PAUSE_MS    1u

typedef struct {
    harness_cgi_writer writer;      /* default HARNESS_CGI_AT_ONCE */
    const char *headers;            /* default NULL */
    size_t pause_bytes;             /* default HARNESS_CGI_PAUSE_BYTES */
    unsigned pause_ms;              /* default HARNESS_CGI_PAUSE_MS */
    size_t prefix_len;              /* default 0 */
} harness_cgi_opts;

void harness_cgi_opts_init(harness_cgi_opts *o);
int harness_write_cgi_image(harness_httpd *h, const char *rel,
                            const char *image_rel, const harness_cgi_opts *o);

/* harness_write_cgi_image() of docroot/cgi/name (HARNESS_CONFIG_CGI_BIN
 * serves it at /cgi-bin/name) with the writer how and the header lines
 * headers (NULL: none); the other options are the defaults. */
int harness_write_cgi_bin(harness_httpd *h, const char *name,
                          const char *image_rel, const char *headers,
                          harness_cgi_writer how);

/* The absolute path of docroot/rel in a malloc'd string. */
char *harness_path(const harness_httpd *h, const char *rel);

/* vsnprintf into a malloc'd string; NULL on failure. */
char *harness_vasprintf(const char *fmt, va_list ap);

/* Reads a whole file; malloc'd, NUL-terminated, *len (may be NULL) gets
 * the size.  NULL on error. */
unsigned char *harness_read_file(const char *path, size_t *len);

/* The whole fixture docroot/rel as harness_read_file() reads a file. */
unsigned char *harness_read_fixture(const harness_httpd *h, const char *rel,
                                    size_t *len);

/* Copies the fixture docroot/from_rel to docroot/to_rel (as
 * harness_write_file writes it).  0 on success. */
int harness_copy_fixture(harness_httpd *h, const char *from_rel,
                         const char *to_rel);

/* SHA-256 and size of the fixture docroot/rel.  0 on success. */
int harness_file_sha256(const harness_httpd *h, const char *rel,
                        char out[65], size_t *len);

/* SHA-256 of data as 64 lowercase hex digits and a NUL. */
void harness_sha256_hex(const void *data, size_t len, char out[65]);

/* --- the client ------------------------------------------------------- */

typedef struct {
    const char *method;             /* NULL: GET; "HEAD" sends no body back */
    const char *path;               /* "/dl/tool.exe?x=1", sent as is */
    const char *const *headers;     /* NULL-terminated "Name: value" lines */
    const void *body;               /* request body: POST unless method
                                       names another (e.g. "PUT") */
    size_t body_len;
    int http2;                      /* HTTP/2 with prior knowledge (h2c) */
    /* NULL: no Accept-Encoding.  Otherwise sent as Accept-Encoding; "" lets
     * libcurl offer every coding it supports. */
    const char *accept_encoding;
    int decode;                     /* 1: libcurl decodes the body */
    int port;                       /* 0: the main port */
    long timeout_ms;                /* 0: HARNESS_REQUEST_MS */
} harness_request;

typedef struct {
    char *name;
    char *value;                    /* surrounding blanks removed */
} harness_header;

typedef struct {
    int ok;                         /* 1: a response was received */
    char error[256];                /* libcurl's error when !ok */
    long status;
    long http_version;              /* 10, 11, 20 */
    char id[48];                    /* X-Harness-Id sent (see harness_log_find) */
    harness_header *headers;        /* the final response's headers, in order */
    size_t nheaders;
    unsigned char *body;            /* body as received (NUL-terminated copy) */
    size_t body_len;
    char body_sha256[65];
    long long content_length;       /* Content-Length header; -1: absent */
    long new_connections;           /* 0: sent on a kept-alive connection */
} harness_response;

/* Sends the request and fills *resp (always initialised; free it with
 * harness_response_free).  Returns 0 when a response arrived, -1 otherwise
 * (resp->error says why). */
int harness_send(harness_httpd *h, const harness_request *req,
                 harness_response *resp);

/* GET and HEAD of path with no extra headers; GET on another port (0:
 * the main one). */
int harness_get(harness_httpd *h, const char *path, harness_response *resp);
int harness_head(harness_httpd *h, const char *path, harness_response *resp);
int harness_get_port(harness_httpd *h, int port, const char *path,
                     harness_response *resp);
/* GET of path over HTTP/2 with prior knowledge (h2c), on the main port. */
int harness_get_h2c(harness_httpd *h, const char *path,
                    harness_response *resp);

/* A conditional GET, as a cache revalidates: GETs path into *first, then
 * sends GET path again into *second with the condition on the validator
 * first carried: "ETag" gives If-None-Match, "Last-Modified"
 * If-Modified-Since.  Both responses are always initialised (free both);
 * *second has ok 0 when it was not sent (first had no answer or no such
 * header, or the validator is neither).  0 when *second got an answer. */
int harness_revalidate(harness_httpd *h, const char *path,
                       const char *validator, harness_response *first,
                       harness_response *second);

/* GET path with "Range: bytes=FROM-TO" asking for len (at least 1) bytes
 * from byte from; see HARNESS_ASSERT_RANGE. */
int harness_get_range(harness_httpd *h, const char *path, size_t from,
                      size_t len, harness_response *resp);

/* Runs n requests at the same time (libcurl multi, one connection each);
 * resps[i] answers reqs[i].  Returns the number that got no response. */
size_t harness_request_parallel(harness_httpd *h, const harness_request *reqs,
                                harness_response *resps, size_t n);

/* Sends n requests one after the other on one libcurl handle, so that
 * they share a kept-alive connection (HTTP/1.1) or one HTTP/2 connection
 * when the server allows; resps[i] answers reqs[i], and
 * resps[i].new_connections says whether a new connection was opened.
 * Returns the number that got no response. */
size_t harness_send_sequence(harness_httpd *h, const harness_request *reqs,
                             harness_response *resps, size_t n);

/* Sends raw bytes on a fresh connection to the port (0: main) and reads
 * until the server closes it or timeout_ms passes.  Returns the bytes
 * received (malloc'd, NUL-terminated; *len their count) or NULL when the
 * connection failed.  For requests libcurl refuses to send.  Send
 * HTTP/1.0 or "Connection: close", or the read lasts until the server's
 * KeepAliveTimeout (5 s). */
unsigned char *harness_raw_exchange(harness_httpd *h, int port,
                                    const void *req, size_t req_len,
                                    long timeout_ms, size_t *len);

/* The value of the first header called name (any case), or NULL. */
const char *harness_header_get(const harness_response *r, const char *name);
/* How many headers called name the response had. */
size_t harness_header_count(const harness_response *r, const char *name);

/* 1 when the body holds the bytes of needle (NUL bytes in the body are
 * fine: binary bodies are searched as bytes). */
int harness_body_contains(const harness_response *r, const char *needle);

void harness_response_free(harness_response *r);

/* --- text ------------------------------------------------------------- */

/* snprintf into out[cap]: 0 when the whole text fits, -1 when it was cut
 * (see HARNESS_FORMAT). */
int harness_format(char *out, size_t cap, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* --- other processes ---------------------------------------------------- */

/* ms times HARNESS_TIME_SCALE, as every bound above is: for the suites'
 * own waits on a slowed down server. */
long harness_scaled_ms(long ms);

/* The monotonic clock in milliseconds, and a sleep of ms milliseconds
 * (resumed when a signal interrupts it): for the suites' own bounded
 * waits. */
long harness_now_ms(void);
void harness_sleep_ms(long ms);

/* A free TCP port on 127.0.0.1 (free when this returns: bind it soon), or
 * 0 on failure. */
int harness_free_port(void);

/* Starts argv (argv[0] looked up in PATH; not behind HARNESS_WRAPPER) as
 * a child with stdout and stderr appended to log_path and stdin from
 * /dev/null: a helper server a suite needs next to apache2 (memcached,
 * redis-server).  Its pid, or -1; stop it with kill() and
 * harness_wait_child(). */
pid_t harness_spawn(char *const argv[], const char *log_path);

/* Waits up to timeout_ms for something to accept TCP connections on
 * 127.0.0.1:port (polling every HARNESS_POLL_MS).  0 when it does. */
int harness_wait_port(int port, long timeout_ms);

/* Waits up to timeout_ms for the child pid to exit (polling every
 * HARNESS_POLL_MS); one that outlives it is killed (SIGKILL), reaped and
 * named on stderr as name.  Returns its exit status, or -1 when it was
 * killed, died by a signal or could not be waited for. */
int harness_wait_child(pid_t pid, const char *name, long timeout_ms);

/* --- logs ------------------------------------------------------------- */

/* One access log line (HARNESS_LOG_FORMAT); strings are malloc'd. */
typedef struct {
    int status;
    char *note;                     /* %{netexe}n, "-" when unset */
    char *id;
    char *request_line;             /* "GET /dl/tool.exe HTTP/1.1" */
    char *bytes;                    /* %B */
    char *disposition;              /* "-" when none was sent; httpd
                                       escapes '"' as \" in logs */
} harness_log_entry;

/* Finds the access log line of the request that produced resp (by its
 * id), waiting up to HARNESS_LOG_WAIT_MS: httpd writes the line after the
 * response went out.  0 when found. */
int harness_log_find(harness_httpd *h, const harness_response *resp,
                     harness_log_entry *out);
/* The last access log line whose request line is exactly request_line
 * ("GET /dl/tool.exe HTTP/1.1"), waiting up to HARNESS_LOG_WAIT_MS for one.
 * For requests not sent by harness_send (raw ones, other clients).  While
 * the newest line is not written yet an earlier request's line with the
 * same request line is found: give such requests distinct paths or query
 * strings.  HTTP/2 requests are logged as "GET /path HTTP/2.0". */
int harness_log_find_request(harness_httpd *h, const char *request_line,
                             harness_log_entry *out);
/* The note (%{netexe}n) of the request that got resp into note[cap], as
 * harness_log_find() finds its line.  0 when found and it fits. */
int harness_note_of(harness_httpd *h, const harness_response *resp,
                    char *note, size_t cap);
/* A suite's own access log, root/log_rel, whose format starts with
 * "%{X-Harness-Id}i ": the rest of the line of the request that got resp
 * (up to the newline) into out[cap], waiting up to HARNESS_LOG_WAIT_MS
 * for it once harness_log_find() found the harness's line.  0 when found
 * and it fits. */
int harness_log_find_fields(harness_httpd *h, const char *log_rel,
                            const harness_response *resp, char *out,
                            size_t cap);
void harness_log_entry_free(harness_log_entry *e);

/* The whole access log / error log, malloc'd, NUL-terminated ("" when the
 * file is missing). */
char *harness_access_log(const harness_httpd *h);
char *harness_error_log(const harness_httpd *h);

/* Waits up to timeout_ms for needle to appear in the error log; 1 when it
 * did, 0 otherwise. */
int harness_error_log_wait(const harness_httpd *h, const char *needle,
                           long timeout_ms);

/* How many times needle appears in the error log. */
unsigned harness_error_log_count(const harness_httpd *h, const char *needle);

/* What the parent logs each time a generation of children is up. */
#define HARNESS_GENERATION_UP   "resuming normal operations"

/* Waits up to timeout_ms for more than generations HARNESS_GENERATION_UP
 * lines in the error log: count them before harness_graceful(), and this
 * says when the new generation is up.  1 when it is, 0 otherwise. */
int harness_wait_generation(const harness_httpd *h, unsigned generations,
                            long timeout_ms);

/* The first sign in the error log of a child that died ("exit signal",
 * "Segmentation fault") or of a sanitizer's report ("AddressSanitizer",
 * "runtime error:", "double free"), or NULL when there is none. */
const char *harness_crash_sign(const harness_httpd *h);

/* Writes the error log since the last request was sent (or its tail), the
 * last lines of the access log and apache2's startup output to out. */
void harness_dump_logs(const harness_httpd *h, FILE *out);

/* --- assertions for Check suites ---------------------------------------
 * They fail through ck_assert_msg (include <check.h> first) and dump the
 * logs first, so a failure shows what httpd said.  resp must come from
 * harness_send on h. */

#define HARNESS_FAIL_IF(h, cond, ...)                                       \
    do {                                                                    \
        if (cond) {                                                         \
            harness_dump_logs((h), stderr);                                 \
            ck_assert_msg(0, __VA_ARGS__);                                  \
        }                                                                   \
    } while (0)

#define HARNESS_ASSERT(h, cond, ...) HARNESS_FAIL_IF((h), !(cond), __VA_ARGS__)

#define HARNESS_ASSERT_OK(h, r)                                             \
    HARNESS_FAIL_IF((h), !(r)->ok, "no response: %s", (r)->error)

#define HARNESS_ASSERT_STATUS(h, r, want)                                   \
    do {                                                                    \
        HARNESS_ASSERT_OK((h), (r));                                        \
        HARNESS_FAIL_IF((h), (r)->status != (want),                         \
                        "status %ld, expected %ld", (r)->status,            \
                        (long)(want));                                      \
    } while (0)

/* Exactly one header called name, with exactly the value want. */
#define HARNESS_ASSERT_HEADER(h, r, name, want)                             \
    do {                                                                    \
        size_t hx_n_ = harness_header_count((r), (name));                   \
        const char *hx_v_ = harness_header_get((r), (name));                \
        HARNESS_FAIL_IF((h), hx_n_ != 1,                                    \
                        "%zu %s headers, expected 1 (first: %s)", hx_n_,    \
                        (name), hx_v_ ? hx_v_ : "(none)");                  \
        HARNESS_FAIL_IF((h), strcmp(hx_v_, (want)) != 0,                    \
                        "%s: [%s], expected [%s]", (name), hx_v_, (want));  \
    } while (0)

/* No header called name at all. */
#define HARNESS_ASSERT_NO_HEADER(h, r, name)                                \
    do {                                                                    \
        const char *hx_v_ = harness_header_get((r), (name));                \
        HARNESS_FAIL_IF((h), hx_v_ != NULL, "unexpected %s: [%s]", (name),  \
                        hx_v_ ? hx_v_ : "");                                \
    } while (0)

/* Exactly one Content-Disposition equal to want, or none at all when want
 * is NULL. */
#define HARNESS_ASSERT_DISPOSITION(h, r, want)                              \
    do {                                                                    \
        const char *hx_cd_ = (want);                                        \
        if (hx_cd_ != NULL)                                                 \
            HARNESS_ASSERT_HEADER((h), (r), "Content-Disposition", hx_cd_); \
        else                                                                \
            HARNESS_ASSERT_NO_HEADER((h), (r), "Content-Disposition");      \
    } while (0)

/* The body is exactly the len bytes at data (compared by SHA-256 and
 * length; both are reported on failure). */
#define HARNESS_ASSERT_BODY(h, r, data, len)                                \
    do {                                                                    \
        char hx_d_[65];                                                     \
        harness_sha256_hex((data), (len), hx_d_);                           \
        HARNESS_FAIL_IF((h), (r)->body_len != (size_t)(len)                 \
                        || strcmp((r)->body_sha256, hx_d_) != 0,            \
                        "body %zu bytes sha256 %s, expected %zu bytes %s",  \
                        (r)->body_len, (r)->body_sha256, (size_t)(len),     \
                        hx_d_);                                             \
    } while (0)

/* The body is exactly the fixture docroot/rel, and Content-Length (when
 * sent, and no Content-Encoding was) is its size. */
#define HARNESS_ASSERT_BODY_FILE(h, r, rel)                                 \
    do {                                                                    \
        char hx_d_[65];                                                     \
        size_t hx_l_ = 0;                                                   \
        HARNESS_FAIL_IF((h), harness_file_sha256((h), (rel), hx_d_, &hx_l_) \
                        != 0, "cannot read fixture %s", (rel));             \
        HARNESS_FAIL_IF((h), (r)->body_len != hx_l_                         \
                        || strcmp((r)->body_sha256, hx_d_) != 0,            \
                        "body %zu bytes sha256 %s, expected %s: %zu bytes " \
                        "%s", (r)->body_len, (r)->body_sha256, (rel),       \
                        hx_l_, hx_d_);                                      \
        HARNESS_FAIL_IF((h), (r)->content_length >= 0                       \
                        && harness_header_get((r), "Content-Encoding")      \
                           == NULL                                          \
                        && (r)->content_length != (long long)hx_l_,         \
                        "Content-Length %lld, expected %zu",                \
                        (r)->content_length, hx_l_);                        \
    } while (0)

/* harness_write_file(h, rel, data, len), failing the test when it
 * fails. */
#define HARNESS_PUT(h, rel, data, len)                                      \
    ck_assert_msg(harness_write_file((h), (rel), (data), (len)) == 0,       \
                  "writing %s", (rel))

/* harness_write_cgi_bin(h, name, image_rel, headers, how), failing the
 * test when it fails. */
#define HARNESS_WRITE_CGI_BIN(h, name, image_rel, headers, how)             \
    ck_assert_msg(harness_write_cgi_bin((h), (name), (image_rel),           \
                                        (headers), (how)) == 0,             \
                  "writing cgi/%s", (name))

/* img = harness_pe_image(clr, e_lfanew, total, len), failing the test
 * when it is NULL. */
#define HARNESS_PE_IMAGE(img, clr, e_lfanew, total, len)                    \
    do {                                                                    \
        (img) = harness_pe_image((clr), (e_lfanew), (total), (len));        \
        ck_assert_msg((img) != NULL, "pebuild failed");                     \
    } while (0)

/* harness_format(out, cap, fmt, ...), failing the test when the text
 * does not fit. */
#define HARNESS_FORMAT(out, cap, ...)                                       \
    ck_assert_msg(harness_format((out), (cap), __VA_ARGS__) == 0,           \
                  "%zu bytes are too few for [%s...]", (size_t)(cap), (out))

/* The request's access log line carries note want (%{netexe}n). */
#define HARNESS_ASSERT_NOTE(h, r, want)                                     \
    do {                                                                    \
        harness_log_entry hx_e_;                                            \
        HARNESS_FAIL_IF((h), harness_log_find((h), (r), &hx_e_) != 0,       \
                        "no access log line for request %s", (r)->id);      \
        int hx_ok_ = strcmp(hx_e_.note, (want)) == 0;                       \
        char hx_got_[64];                                                   \
        snprintf(hx_got_, sizeof hx_got_, "%s", hx_e_.note);                \
        harness_log_entry_free(&hx_e_);                                     \
        HARNESS_FAIL_IF((h), !hx_ok_, "note netexe [%s], expected [%s]",    \
                        hx_got_, (want));                                   \
    } while (0)

/* The single range answer to harness_get_range(h, path, from, len, r)
 * where path serves the fixture docroot/rel: Content-Range
 * "bytes FROM-TO/SIZE", Content-Length len, and the body exactly those
 * len bytes of the fixture (which must hold them). */
#define HARNESS_ASSERT_RANGE(h, r, rel, from, len)                          \
    do {                                                                    \
        size_t hx_from_ = (from), hx_len_ = (len), hx_size_ = 0;            \
        unsigned char *hx_f_ = harness_read_fixture((h), (rel), &hx_size_); \
        char hx_cr_[96];                                                    \
        HARNESS_FAIL_IF((h), hx_f_ == NULL                                  \
                        || hx_size_ < hx_from_ + hx_len_,                   \
                        "fixture %s: %zu bytes, range of %zu from %zu",     \
                        (rel), hx_size_, hx_len_, hx_from_);                \
        snprintf(hx_cr_, sizeof hx_cr_, "bytes %zu-%zu/%zu", hx_from_,      \
                 hx_from_ + hx_len_ - 1, hx_size_);                         \
        HARNESS_ASSERT_HEADER((h), (r), "Content-Range", hx_cr_);           \
        HARNESS_FAIL_IF((h), (r)->content_length != (long long)hx_len_,     \
                        "Content-Length %lld, expected %zu",                \
                        (r)->content_length, hx_len_);                      \
        HARNESS_ASSERT_BODY((h), (r), hx_f_ + hx_from_, hx_len_);           \
        free(hx_f_);                                                        \
    } while (0)

/* The error log holds needle exactly times times; the remaining
 * arguments (a format and its values) say when, for the message. */
#define HARNESS_ASSERT_LOGGED(h, needle, times, ...)                        \
    do {                                                                    \
        unsigned hx_n_ = harness_error_log_count((h), (needle));            \
        char hx_when_[256];                                                 \
        if (hx_n_ != (unsigned)(times)) {                                   \
            snprintf(hx_when_, sizeof hx_when_, __VA_ARGS__);               \
            HARNESS_FAIL_IF((h), 1, "%s: [%s] %u times in the error log, "  \
                            "expected %u", hx_when_, (needle), hx_n_,       \
                            (unsigned)(times));                             \
        }                                                                   \
    } while (0)

/* No crash and no sanitizer's report in the error log
 * (harness_crash_sign). */
#define HARNESS_ASSERT_NO_CRASH(h)                                          \
    do {                                                                    \
        const char *hx_sign_ = harness_crash_sign((h));                     \
        HARNESS_FAIL_IF((h), hx_sign_ != NULL, "error log reports \"%s\"",  \
                        hx_sign_);                                          \
    } while (0)

/* harness_revalidate() and what the conditional request rests on: the
 * first answer is a 200 carrying the validator header. */
#define HARNESS_REVALIDATE(h, path, validator, first, second)               \
    do {                                                                    \
        harness_revalidate((h), (path), (validator), (first), (second));    \
        HARNESS_ASSERT_STATUS((h), (first), 200);                           \
        HARNESS_FAIL_IF((h), harness_header_get((first), (validator))       \
                        == NULL, "no %s on the first GET", (validator));    \
    } while (0)

/* What the suites assert of a download: the status, Content-Disposition
 * as HARNESS_ASSERT_DISPOSITION (want NULL: none), the body exactly the
 * fixture body_rel as HARNESS_ASSERT_BODY_FILE (NULL: not checked) and the
 * note as HARNESS_ASSERT_NOTE (NULL: not checked), in this order. */
#define HARNESS_ASSERT_DOWNLOAD(h, r, status, want, body_rel, note)         \
    do {                                                                    \
        const char *hx_body_rel_ = (body_rel);                              \
        const char *hx_note_ = (note);                                      \
        HARNESS_ASSERT_STATUS((h), (r), (status));                          \
        HARNESS_ASSERT_DISPOSITION((h), (r), (want));                       \
        if (hx_body_rel_ != NULL)                                           \
            HARNESS_ASSERT_BODY_FILE((h), (r), hx_body_rel_);               \
        if (hx_note_ != NULL)                                               \
            HARNESS_ASSERT_NOTE((h), (r), hx_note_);                        \
    } while (0)

/* GET path on port (0: the main one), and HARNESS_ASSERT_DOWNLOAD of the
 * answer, which is freed after. */
#define HARNESS_ASSERT_GET(h, port, path, status, want, body_rel, note)     \
    do {                                                                    \
        harness_response hx_get_;                                           \
        harness_get_port((h), (port), (path), &hx_get_);                    \
        HARNESS_ASSERT_DOWNLOAD((h), &hx_get_, (status), (want),            \
                                (body_rel), (note));                        \
        harness_response_free(&hx_get_);                                    \
    } while (0)

/* HARNESS_ASSERT_GET on the main port of a download answered 200. */
#define HARNESS_ASSERT_GET_200(h, path, want, body_rel, note)               \
    HARNESS_ASSERT_GET((h), 0, (path), 200, (want), (body_rel), (note))

#ifdef __cplusplus
}
#endif
#endif
