/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_sigcache.c -- NetExeSignatureCache (DESIGN.md section 4): where
 * the results of NetExeSignatureCheck are shared, on real apache2
 * instances.
 *
 * What is counted: the module logs one debug line per analysis
 * ("analysing the Authenticode signature") and one warning per analysed
 * incomplete chain; the suite's own access log gives each request's
 * netexe-signature note and the pid of the process that served it.  The
 * fixtures are images signed by osslsigncode with the test PKI of
 * tests/support/sigfix.c, leaf certificate only, so their chain is
 * incomplete under the test root.
 *
 *   shmcb    prefork with four children, NetExeSignatureCache
 *            shmcb:path(size): eight parallel first requests for a large
 *            image are served by several processes and analysed once; two
 *            virtual hosts with different NetExeTrustedRoots get their own
 *            verdicts from the one cache.
 *   default  the same without the directive, mod_socache_shmcb loaded.
 *   none     NetExeSignatureCache none: once per process, as before.
 *   memcache, redis
 *            a memcached or redis-server started here on 127.0.0.1 and a
 *            free port, two apache2 instances serving one file through an
 *            Alias: A analyses and warns, B takes A's result.  Without the
 *            server's binary the test says "SKIPPED: ..." and passes.
 *   config   apache2 -t and start-up refuse what cannot work, naming the
 *            directive.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_sig.h"
#include "pebuild.h"
#include "sigfix.h"

#define TEST_TIMEOUT_S      90
#define PATH_BYTES          4096
#define CONFIG_BYTES        8192
#define MESSAGE_BYTES       1024
#define SKIP_BYTES          256
#define NOTE_BYTES          64

/* Requests sent at once for one new version of an image large enough that
 * its analysis (the whole file is hashed) overlaps them. */
#define PARALLEL_REQUESTS   8
#define HUGE_SIZE           (8u * 1024u * 1024u + 4321u)
/* Prefork children: several processes, so that per process and per
 * server differ. */
#define PREFORK_CHILDREN    4
/* Other versions stored after the one that must be remembered: more than
 * one shmcb subcache of the suite's 256 KiB cache holds. */
#define SHMCB_VERSIONS      600

/* How long a graceful restart may take to bring up a new generation of
 * children. */
#define GENERATION_WAIT_MS  10000

/* How long memcached or redis-server may take to listen. */
#define BACKEND_START_MS    10000
#define BACKEND_STOP_MS     5000

/* The suite's own access log: request id, serving pid, the note. */
#define SIG_LOG             "logs/sigcache.log"

/* The line the module logs for each analysis, after the file's path. */
#define ANALYSIS_LINE       ": analysing the Authenticode signature"

static harness_httpd *srv;          /* the server of a TCase, or A */
static harness_httpd *srv_b;        /* B, sharing a backend with A */
static char fixdir[PATH_BYTES];     /* signed images; shared/ is served by
                                       A and B through an Alias */
static pid_t backend_pid;           /* memcached or redis-server, or 0 */
static int backend_port;
static char backend_skip[SKIP_BYTES];  /* why the backend tests skip */

/* fixdir/name to path. */
static void copy_fixture(const char *name, const char *path)
{
    ck_assert_int_eq(harness_sig_copy(fixdir, name, path), 0);
}

/* fixdir/name to docroot/rel of h. */
static void serve_fixture(harness_httpd *h, const char *name, const char *rel)
{
    ck_assert_int_eq(harness_sig_serve(h, fixdir, name, rel), 0);
}

/* The signed fixtures, once for the whole suite (the unchecked fixtures
 * run in the runner process, one TCase after another): sigfix's set plus
 * huge-leaf.exe, a HUGE_SIZE CLR image signed with the leaf only, and
 * shared/leaf.exe for the two-server cases. */
static void ensure_fixtures(void)
{
    char err[512], path[PATH_BYTES];
    pebuild_spec spec;

    if (fixdir[0] != '\0')
        return;
    ck_assert_int_eq(sigfix_tempdir("httpd-sigcache", fixdir, sizeof fixdir), 0);
    ck_assert_msg(sigfix_build(fixdir, err, sizeof err) == 0,
                  "fixtures in %s: %s", fixdir, err);
    pebuild_spec_init(&spec);
    spec.total_size = HUGE_SIZE;
    HARNESS_FORMAT(path, sizeof path, "%s/huge-unsigned.exe", fixdir);
    ck_assert_int_eq(pebuild_write_file(path, &spec), 0);
    ck_assert_msg(sigfix_run("cd '%s' && osslsigncode sign -certs chain1.pem "
                             "-key leaf.key -h sha256 -in huge-unsigned.exe "
                             "-out huge-leaf.exe >osslsigncode.log 2>&1",
                             fixdir) == 0,
                  "osslsigncode failed (%s/osslsigncode.log)", fixdir);
    HARNESS_FORMAT(path, sizeof path, "%s/shared", fixdir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    HARNESS_FORMAT(path, sizeof path, "%s/shared/leaf.exe", fixdir);
    copy_fixture("leaf.exe", path);
    HARNESS_FORMAT(path, sizeof path, "%s/shared/huge-leaf.exe", fixdir);
    copy_fixture("huge-leaf.exe", path);
}

/* A prefork server with PREFORK_CHILDREN children, the signature check on
 * under sig/, the test root trusted, mod_socache_shmcb loaded, and
 * cache_line ("" for none) before the rest; a virtual host on the extra
 * port trusts the intermediate instead. */
static harness_httpd *start_prefork(const char *cache_line)
{
    static const char *const mods[] = { "socache_shmcb", NULL };
    char config[CONFIG_BYTES];
    harness_options o;
    harness_httpd *h;

    ensure_fixtures();
    HARNESS_FORMAT(config, sizeof config,
        "%s"
        "AddType application/x-msdownload .exe .dll\n"
        "NetExeTrustedRoots roots/root.pem\n"
        "LogFormat \"%%{X-Harness-Id}i %%P %%{netexe-signature}n\" sigcache\n"
        "CustomLog \"@ROOT@/" SIG_LOG "\" sigcache\n"
        "<IfModule mpm_prefork_module>\n"
        "    StartServers %d\n"
        "    MinSpareServers %d\n"
        "    MaxSpareServers %d\n"
        "    ServerLimit %d\n"
        "    MaxRequestWorkers %d\n"
        "</IfModule>\n"
        "<Directory \"@DOCROOT@/sig\">\n"
        "    NetExe On\n"
        "    NetExeSignatureCheck On\n"
        "</Directory>\n"
        "<VirtualHost 127.0.0.1:@PORT1@>\n"
        "    ServerName roots.vhost.test\n"
        "    NetExeTrustedRoots roots/inter.pem\n"
        "</VirtualHost>\n",
        cache_line, PREFORK_CHILDREN, PREFORK_CHILDREN,
        2 * PREFORK_CHILDREN, 2 * PREFORK_CHILDREN, 2 * PREFORK_CHILDREN);
    harness_options_init(&o);
    o.mpm = HARNESS_MPM_PREFORK;
    o.modules = mods;
    o.extra_ports = 1;
    o.config = config;
    h = harness_new(&o);
    ck_assert_msg(h != NULL, "harness_new failed");
    ck_assert_int_eq(harness_sig_install_roots(h, fixdir), 0);
    serve_fixture(h, "leaf.exe", "sig/leaf.exe");
    serve_fixture(h, "huge-leaf.exe", "sig/huge-leaf.exe");
    ck_assert_msg(harness_start(h) == 0, "apache2 did not start");
    return h;
}

static void setup_shmcb(void)
{
    srv = start_prefork("NetExeSignatureCache "
                        "\"shmcb:@ROOT@/run/netexe-sig(262144)\"\n");
}

static void setup_default(void)
{
    srv = start_prefork("");
}

static void setup_none(void)
{
    srv = start_prefork("NetExeSignatureCache none\n");
}

static void teardown_servers(void)
{
    harness_free(srv);
    harness_free(srv_b);
    srv = srv_b = NULL;
}

/* --- what the logs say ------------------------------------------------- */

/* The fields the suite's log gives the request that got resp: the pid of
 * the process that served it and the netexe-signature note ("-": none). */
static void request_fields(harness_httpd *h, const harness_response *resp,
                           long *pid, char *note, size_t cap)
{
    char fields[NOTE_BYTES * 2], *end;

    HARNESS_ASSERT(h, harness_log_find_fields(h, SIG_LOG, resp, fields,
                                              sizeof fields) == 0,
                   "no line for request %s in %s", resp->id, SIG_LOG);
    *pid = strtol(fields, &end, 10);
    HARNESS_ASSERT(h, end != fields && *end == ' ',
                   "no pid in %s for request %s", SIG_LOG, resp->id);
    HARNESS_FORMAT(note, cap, "%s", end + 1);
}

/* The debug line of an analysis of the file at path. */
static void analysis_line(const char *path, char *out, size_t cap)
{
    HARNESS_FORMAT(out, cap, "%s" ANALYSIS_LINE, path);
}

/* The warning for the leaf-only chain of the file at path. */
static void incomplete_warning(const char *path, char *out, size_t cap)
{
    ck_assert_int_eq(harness_sig_incomplete_warning(path, out, cap), 0);
}

/* analysis_line and incomplete_warning for docroot/rel of h. */
static void docroot_messages(const harness_httpd *h, const char *rel,
                             char *analysis, char *warning, size_t cap)
{
    char path[PATH_BYTES];

    HARNESS_FORMAT(path, sizeof path, "%s/%s", harness_docroot(h), rel);
    analysis_line(path, analysis, cap);
    incomplete_warning(path, warning, cap);
}

/* Sends n (at most PARALLEL_REQUESTS) GETs of path at once; each must be
 * the whole file rel with its Content-Disposition and the note want.
 * *processes gets how many distinct processes served them. */
static void get_in_parallel_n(const char *path, const char *rel,
                              const char *want_cd, const char *want,
                              size_t n, unsigned *processes)
{
    harness_request reqs[PARALLEL_REQUESTS];
    harness_response resps[PARALLEL_REQUESTS];
    long pids[PARALLEL_REQUESTS];
    unsigned distinct = 0;
    size_t i, j;

    ck_assert_uint_le(n, PARALLEL_REQUESTS);
    memset(reqs, 0, sizeof reqs);
    for (i = 0; i < n; i++)
        reqs[i].path = path;
    HARNESS_ASSERT(srv, harness_request_parallel(srv, reqs, resps, n) == 0,
                   "some parallel requests got no response");
    for (i = 0; i < n; i++) {
        char note[NOTE_BYTES];

        HARNESS_ASSERT_STATUS(srv, &resps[i], 200);
        HARNESS_ASSERT_BODY_FILE(srv, &resps[i], rel);
        HARNESS_ASSERT_HEADER(srv, &resps[i], "Content-Disposition", want_cd);
        request_fields(srv, &resps[i], &pids[i], note, sizeof note);
        HARNESS_ASSERT(srv, strcmp(note, want) == 0,
                       "request %zu: note netexe-signature [%s], expected [%s]",
                       i, note, want);
        harness_response_free(&resps[i]);
        for (j = 0; j < i && pids[j] != pids[i]; j++)
            ;
        if (j == i)
            distinct++;
    }
    *processes = distinct;
}

static void get_in_parallel(const char *path, const char *rel,
                            const char *want_cd, const char *want,
                            unsigned *processes)
{
    get_in_parallel_n(path, rel, want_cd, want, PARALLEL_REQUESTS, processes);
}

/* --- shmcb under prefork ----------------------------------------------- */

/* Several processes serve the same new version at once: one of them
 * analyses it, and warns; the others wait for its result. */
static void assert_parallel_requests_analyse_once(void)
{
    char analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES];
    unsigned processes;

    docroot_messages(srv, "sig/huge-leaf.exe", analysis, warning,
                     sizeof analysis);
    get_in_parallel("/sig/huge-leaf.exe", "sig/huge-leaf.exe",
                    "attachment; filename=\"huge-leaf.exe\"", "incomplete",
                    &processes);
    /* Otherwise one process alone served them, and sharing was not
     * needed for a single analysis. */
    HARNESS_ASSERT(srv, processes >= 2,
                   "%u process(es) served the %d requests, expected several",
                   processes, PARALLEL_REQUESTS);
    HARNESS_ASSERT_LOGGED(srv, analysis, 1, "across %u processes", processes);
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "across %u processes", processes);
}

START_TEST(test_shmcb_parallel_first_requests_in_several_processes_analyse_once)
{
    assert_parallel_requests_analyse_once();
}
END_TEST

/* One shmcb cache, two virtual hosts: the leaf-only chain is incomplete
 * under the test root and complete where the intermediate is trusted.
 * Each analysis is stored under its roots' digest, so neither verdict is
 * taken for the other, in whichever process the requests land. */
START_TEST(test_shmcb_virtual_hosts_with_other_roots_get_their_own_verdicts)
{
    char analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES], note[NOTE_BYTES];
    harness_response r;
    long pid;
    int round;

    docroot_messages(srv, "sig/leaf.exe", analysis, warning, sizeof analysis);
    for (round = 0; round < 2; round++) {
        harness_get(srv, "/sig/leaf.exe", &r);
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_BODY_FILE(srv, &r, "sig/leaf.exe");
        request_fields(srv, &r, &pid, note, sizeof note);
        HARNESS_ASSERT(srv, strcmp(note, "incomplete") == 0,
                       "main server, round %d: note [%s], expected incomplete",
                       round, note);
        harness_response_free(&r);

        harness_get_port(srv, harness_extra_port(srv, 0), "/sig/leaf.exe", &r);
        HARNESS_ASSERT_STATUS(srv, &r, 200);
        HARNESS_ASSERT_BODY_FILE(srv, &r, "sig/leaf.exe");
        request_fields(srv, &r, &pid, note, sizeof note);
        HARNESS_ASSERT(srv, strcmp(note, "complete") == 0,
                       "virtual host, round %d: note [%s], expected complete",
                       round, note);
        harness_response_free(&r);
    }
    HARNESS_ASSERT_LOGGED(srv, analysis, 2, "once per set of roots");
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "under two sets of roots");
}
END_TEST

/* The shmcb of this server holds many versions: a version analysed
 * before SHMCB_VERSIONS others is still known to the processes that did
 * not analyse it.  (shmcb spreads entries over its subcaches by the key's
 * first byte; keys that all began alike would share one subcache of a
 * few hundred entries and push each other out.) */
START_TEST(test_shmcb_remembers_a_version_after_hundreds_of_others)
{
    char analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES];
    unsigned processes;

    docroot_messages(srv, "sig/first.exe", analysis, warning, sizeof analysis);
    serve_fixture(srv, "leaf.exe", "sig/first.exe");
    get_in_parallel_n("/sig/first.exe", "sig/first.exe",
                      "attachment; filename=\"first.exe\"", "incomplete", 1,
                      &processes);

    HARNESS_ASSERT(srv, harness_sig_other_versions(srv, fixdir,
                                                   SHMCB_VERSIONS) == 0,
                   "some of the other versions got no 200");

    get_in_parallel("/sig/first.exe", "sig/first.exe",
                    "attachment; filename=\"first.exe\"", "incomplete",
                    &processes);
    HARNESS_ASSERT(srv, processes >= 2,
                   "%u process(es) served the %d requests, expected several",
                   processes, PARALLEL_REQUESTS);
    HARNESS_ASSERT_LOGGED(srv, analysis, 1,
                          "after %d other versions", SHMCB_VERSIONS);
    HARNESS_ASSERT_LOGGED(srv, warning, 1,
                          "after %d other versions", SHMCB_VERSIONS);
}
END_TEST

/* A graceful restart reads the configuration again: the new generation
 * of children gets a new cache and mutex, and a new version is again
 * analysed once among them. */
START_TEST(test_shmcb_after_graceful_restart_new_children_analyse_once)
{
    unsigned generations = harness_error_log_count(srv, HARNESS_GENERATION_UP);
    char analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES];
    unsigned processes;

    HARNESS_ASSERT(srv, harness_graceful(srv) == 0,
                   "apache2 -k graceful failed");
    HARNESS_ASSERT(srv, harness_wait_generation(srv, generations,
                                                GENERATION_WAIT_MS),
                   "no new generation after the graceful restart");

    docroot_messages(srv, "sig/after-restart.exe", analysis, warning,
                     sizeof analysis);
    serve_fixture(srv, "huge-leaf.exe", "sig/after-restart.exe");
    get_in_parallel("/sig/after-restart.exe", "sig/after-restart.exe",
                    "attachment; filename=\"after-restart.exe\"",
                    "incomplete", &processes);
    HARNESS_ASSERT(srv, processes >= 2,
                   "%u process(es) served the %d requests, expected several",
                   processes, PARALLEL_REQUESTS);
    HARNESS_ASSERT_LOGGED(srv, analysis, 1, "across %u processes", processes);
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "across %u processes", processes);
}
END_TEST

/* Without the directive, a loaded mod_socache_shmcb is used. */
START_TEST(test_default_with_shmcb_loaded_analyses_once_per_server)
{
    assert_parallel_requests_analyse_once();
}
END_TEST

/* "none": each process analyses for itself, once. */
START_TEST(test_none_analyses_once_per_process)
{
    char analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES];
    unsigned processes;

    docroot_messages(srv, "sig/huge-leaf.exe", analysis, warning,
                     sizeof analysis);
    get_in_parallel("/sig/huge-leaf.exe", "sig/huge-leaf.exe",
                    "attachment; filename=\"huge-leaf.exe\"", "incomplete",
                    &processes);
    HARNESS_ASSERT(srv, processes >= 2,
                   "%u process(es) served the %d requests, expected several",
                   processes, PARALLEL_REQUESTS);
    HARNESS_ASSERT_LOGGED(srv, analysis, processes,
                          "once in each of %u processes", processes);
    HARNESS_ASSERT_LOGGED(srv, warning, processes,
                          "once in each of %u processes", processes);
}
END_TEST

/* --- two servers sharing memcached or Redis ---------------------------- */

/* The path of program in $PATH, or NULL. */
static char *find_program(const char *program)
{
    const char *path = getenv("PATH");
    char *dirs, *dir, *save = NULL, *found = NULL;

    dirs = strdup(path && *path ? path : "/usr/bin:/bin:/usr/sbin:/sbin");
    ck_assert_ptr_nonnull(dirs);
    for (dir = strtok_r(dirs, ":", &save); dir != NULL && found == NULL;
         dir = strtok_r(NULL, ":", &save)) {
        char candidate[PATH_BYTES];

        HARNESS_FORMAT(candidate, sizeof candidate, "%s/%s", dir, program);
        if (access(candidate, X_OK) == 0)
            found = strdup(candidate);
    }
    free(dirs);
    return found;
}

/* Starts argv (whose words may hold @PORT@) on a free port of 127.0.0.1
 * and waits for it to listen; backend_skip says why when program is not
 * installed. */
static void start_backend(const char *program, const char *const *words)
{
    char *argv[16], ports[16], logpath[PATH_BYTES], *exe;
    size_t i;

    backend_skip[0] = '\0';
    exe = find_program(program);
    if (exe == NULL) {
        HARNESS_FORMAT(backend_skip, sizeof backend_skip,
                       "%s is not installed (Debian package %s)", program,
                       strcmp(program, "memcached") == 0 ? "memcached"
                                                         : "redis-server");
        return;
    }
    backend_port = harness_free_port();
    ck_assert_int_gt(backend_port, 0);
    HARNESS_FORMAT(ports, sizeof ports, "%d", backend_port);
    argv[0] = exe;
    for (i = 0; words[i] != NULL; i++) {
        ck_assert_uint_lt(i + 2, sizeof argv / sizeof argv[0]);
        argv[i + 1] = strcmp(words[i], "@PORT@") == 0 ? ports
                                                       : (char *)words[i];
    }
    argv[i + 1] = NULL;
    HARNESS_FORMAT(logpath, sizeof logpath, "%s/%s.log", fixdir, program);
    backend_pid = harness_spawn(argv, logpath);
    free(exe);
    ck_assert_msg(backend_pid > 0, "cannot start %s", program);
    ck_assert_msg(harness_wait_port(backend_port,
                                    harness_scaled_ms(BACKEND_START_MS)) == 0,
                  "%s does not listen on 127.0.0.1:%d (see %s)", program,
                  backend_port, logpath);
}

static void stop_backend(void)
{
    if (backend_pid > 0) {
        kill(backend_pid, SIGTERM);
        harness_wait_child(backend_pid, "cache server",
                           harness_scaled_ms(BACKEND_STOP_MS));
    }
    backend_pid = 0;
}

/* An apache2 that serves fixdir/shared as /shared/ with the check on and
 * its results in the backend through provider (mod_socache_PROVIDER). */
static harness_httpd *start_sharing(const char *provider)
{
    const char *mods[3];
    char config[CONFIG_BYTES], module[64];
    harness_options o;
    harness_httpd *h;

    HARNESS_FORMAT(module, sizeof module, "socache_%s", provider);
    mods[0] = "alias";
    mods[1] = module;
    mods[2] = NULL;
    HARNESS_FORMAT(config, sizeof config,
        "AddType application/x-msdownload .exe .dll\n"
        "NetExeTrustedRoots roots/root.pem\n"
        "NetExeSignatureCache %s:127.0.0.1:%d\n"
        "LogFormat \"%%{X-Harness-Id}i %%P %%{netexe-signature}n\" sigcache\n"
        "CustomLog \"@ROOT@/" SIG_LOG "\" sigcache\n"
        "Alias /shared/ \"%s/shared/\"\n"
        "<Directory \"%s/shared\">\n"
        "    Require all granted\n"
        "    NetExe On\n"
        "    NetExeSignatureCheck On\n"
        "</Directory>\n",
        provider, backend_port, fixdir, fixdir);
    harness_options_init(&o);
    o.modules = mods;
    o.config = config;
    h = harness_new(&o);
    ck_assert_msg(h != NULL, "harness_new failed");
    ck_assert_int_eq(harness_sig_install_roots(h, fixdir), 0);
    ck_assert_msg(harness_start(h) == 0, "apache2 did not start");
    return h;
}

static void setup_backend(const char *program, const char *const *words,
                          const char *provider)
{
    ensure_fixtures();
    start_backend(program, words);
    if (backend_skip[0] != '\0')
        return;
    srv = start_sharing(provider);
    srv_b = start_sharing(provider);
}

static void setup_memcache(void)
{
    /* As root memcached wants a user to run as. */
    static const char *const words[] = {
        "-l", "127.0.0.1", "-p", "@PORT@", "-U", "0", "-m", "16",
        "-u", "nobody", NULL
    };

    setup_backend("memcached", words, "memcache");
}

static void setup_redis(void)
{
    static const char *const words[] = {
        "--bind", "127.0.0.1", "--port", "@PORT@", "--save", "",
        "--appendonly", "no", "--daemonize", "no", NULL
    };

    setup_backend("redis-server", words, "redis");
}

static void teardown_backend(void)
{
    teardown_servers();
    stop_backend();
}

/* GET /shared/leaf.exe from h: the file, its header, note "incomplete". */
static void get_shared_leaf(harness_httpd *h, const char *who)
{
    char note[NOTE_BYTES], path[PATH_BYTES];
    harness_response r;
    long pid;

    HARNESS_FORMAT(path, sizeof path, "%s/shared/leaf.exe", fixdir);
    harness_get(h, "/shared/leaf.exe", &r);
    HARNESS_ASSERT_STATUS(h, &r, 200);
    HARNESS_ASSERT_HEADER(h, &r, "Content-Disposition",
                          "attachment; filename=\"leaf.exe\"");
    {
        unsigned char *want;
        size_t len;

        want = harness_read_file(path, &len);
        ck_assert_ptr_nonnull(want);
        HARNESS_ASSERT_BODY(h, &r, want, len);
        free(want);
    }
    request_fields(h, &r, &pid, note, sizeof note);
    HARNESS_ASSERT(h, strcmp(note, "incomplete") == 0,
                   "server %s: note netexe-signature [%s], expected "
                   "incomplete", who, note);
    harness_response_free(&r);
}

/* A, then B: A analyses the file and warns; B has A's result. */
static void assert_one_analysis_between_two_servers(void)
{
    char path[PATH_BYTES], analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES];

    if (backend_skip[0] != '\0') {
        printf("SKIPPED: %s\n", backend_skip);
        return;
    }
    HARNESS_FORMAT(path, sizeof path, "%s/shared/leaf.exe", fixdir);
    analysis_line(path, analysis, sizeof analysis);
    incomplete_warning(path, warning, sizeof warning);

    get_shared_leaf(srv, "A");
    HARNESS_ASSERT_LOGGED(srv, analysis, 1, "server A");
    HARNESS_ASSERT_LOGGED(srv, warning, 1, "server A");

    get_shared_leaf(srv_b, "B");
    get_shared_leaf(srv_b, "B");
    HARNESS_ASSERT_LOGGED(srv_b, analysis, 0, "server B, after A analysed");
    HARNESS_ASSERT_LOGGED(srv_b, warning, 0, "server B, after A warned");
    HARNESS_ASSERT_LOGGED(srv, analysis, 1, "server A, after B's requests");
}

/* Requests for a new version that reach A and B at the same moment: both
 * claim it in the backend, which cannot add a key only when absent; the
 * claim read back decides, and one of them analyses. */
static void assert_simultaneous_requests_to_two_servers_analyse_once(void)
{
    harness_request reqs[PARALLEL_REQUESTS];
    harness_response resps[PARALLEL_REQUESTS];
    char path[PATH_BYTES], analysis[MESSAGE_BYTES], warning[MESSAGE_BYTES];
    unsigned char *want;
    unsigned analyses, warnings;
    size_t i, len;

    if (backend_skip[0] != '\0') {
        printf("SKIPPED: %s\n", backend_skip);
        return;
    }
    HARNESS_FORMAT(path, sizeof path, "%s/shared/huge-leaf.exe", fixdir);
    analysis_line(path, analysis, sizeof analysis);
    incomplete_warning(path, warning, sizeof warning);
    want = harness_read_file(path, &len);
    ck_assert_ptr_nonnull(want);

    memset(reqs, 0, sizeof reqs);
    for (i = 0; i < PARALLEL_REQUESTS; i++) {
        reqs[i].path = "/shared/huge-leaf.exe";
        reqs[i].port = i % 2 ? harness_port(srv_b) : harness_port(srv);
    }
    HARNESS_ASSERT(srv, harness_request_parallel(srv, reqs, resps,
                                                 PARALLEL_REQUESTS) == 0,
                   "some parallel requests got no response");
    for (i = 0; i < PARALLEL_REQUESTS; i++) {
        harness_httpd *h = i % 2 ? srv_b : srv;
        char note[NOTE_BYTES];
        long pid;

        HARNESS_ASSERT_STATUS(h, &resps[i], 200);
        HARNESS_ASSERT_BODY(h, &resps[i], want, len);
        request_fields(h, &resps[i], &pid, note, sizeof note);
        HARNESS_ASSERT(h, strcmp(note, "incomplete") == 0,
                       "request %zu (server %c): note [%s], expected "
                       "incomplete", i, i % 2 ? 'B' : 'A', note);
        harness_response_free(&resps[i]);
    }
    free(want);
    analyses = harness_error_log_count(srv, analysis)
               + harness_error_log_count(srv_b, analysis);
    warnings = harness_error_log_count(srv, warning)
               + harness_error_log_count(srv_b, warning);
    HARNESS_ASSERT(srv, analyses == 1, "[%s] %u times in A and B together, "
                   "expected once", analysis, analyses);
    HARNESS_ASSERT(srv, warnings == 1, "[%s] %u times in A and B together, "
                   "expected once", warning, warnings);
}

START_TEST(test_memcache_two_servers_share_one_analysis)
{
    assert_one_analysis_between_two_servers();
}
END_TEST

START_TEST(test_memcache_simultaneous_requests_to_two_servers_analyse_once)
{
    assert_simultaneous_requests_to_two_servers_analyse_once();
}
END_TEST

START_TEST(test_redis_two_servers_share_one_analysis)
{
    assert_one_analysis_between_two_servers();
}
END_TEST

START_TEST(test_redis_simultaneous_requests_to_two_servers_analyse_once)
{
    assert_simultaneous_requests_to_two_servers_analyse_once();
}
END_TEST

/* --- configuration ----------------------------------------------------- */

/* apache2 -t with mods loaded and snippet: its exit status and output. */
static int config_test(const char *const *mods, const char *snippet,
                       char **output)
{
    harness_options o;

    harness_options_init(&o);
    o.modules = mods;
    o.config = snippet;
    return harness_config_test(&o, output);
}

static const char *const no_mods[] = { NULL };
static const char *const shmcb_mods[] = { "socache_shmcb", NULL };
static const char *const all_mods[] = {
    "socache_shmcb", "socache_memcache", "socache_redis", NULL
};

static const struct {
    const char *const *mods;
    const char *line;
    const char *names[3];       /* each must appear in the message */
} bad_caches[] = {
    { all_mods,   "NetExeSignatureCache bogus",
      { "NetExeSignatureCache", "'bogus'", "shmcb" } },
    { all_mods,   "NetExeSignatureCache memcache",
      { "NetExeSignatureCache", "memcache", NULL } },
    { all_mods,   "NetExeSignatureCache redis",
      { "NetExeSignatureCache", "redis", NULL } },
    { no_mods,    "NetExeSignatureCache shmcb",
      { "NetExeSignatureCache", "mod_socache_shmcb", NULL } },
    { shmcb_mods, "NetExeSignatureCache memcache:127.0.0.1:11211",
      { "NetExeSignatureCache", "mod_socache_memcache", NULL } },
    { all_mods,   "NetExeSignatureCache shmcb:netexe-sig(100)",
      { "NetExeSignatureCache", "8192", NULL } },
    { all_mods,   "NetExeSignatureCache shmcb:netexe-sig(lots)",
      { "NetExeSignatureCache", "numerical", NULL } },
    { all_mods,   "<VirtualHost 127.0.0.1:@PORT@>\n"
                  "    NetExeSignatureCache shmcb\n"
                  "</VirtualHost>",
      { "NetExeSignatureCache", "VirtualHost", NULL } },
    { all_mods,   "<Directory \"@DOCROOT@\">\n"
                  "    NetExeSignatureCache shmcb\n"
                  "</Directory>",
      { "NetExeSignatureCache", "not allowed", NULL } },
};

START_TEST(test_bad_cache_fails_configtest_naming_the_directive)
{
    char *out = NULL;
    int rc, k;

    rc = config_test(bad_caches[_i].mods, bad_caches[_i].line, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc > 0, "[%s]: apache2 -t exited %d, expected a failure:\n%s",
                  bad_caches[_i].line, rc, out);
    for (k = 0; k < 3 && bad_caches[_i].names[k] != NULL; k++)
        ck_assert_msg(strstr(out, bad_caches[_i].names[k]) != NULL,
                      "[%s]: output does not mention %s:\n%s",
                      bad_caches[_i].line, bad_caches[_i].names[k], out);
    free(out);
}
END_TEST

static const char *const good_caches[] = {
    "NetExeSignatureCache none",
    "NetExeSignatureCache shmcb",
    "NetExeSignatureCache \"shmcb:netexe-sig(524288)\"",
    "NetExeSignatureCache memcache:127.0.0.1:11211,127.0.0.1:11212",
    "NetExeSignatureCache redis:127.0.0.1:6379",
};

START_TEST(test_cache_forms_pass_configtest)
{
    char snippet[CONFIG_BYTES], *out = NULL;
    int rc;

    HARNESS_FORMAT(snippet, sizeof snippet, "%s\nNetExeSignatureCheck On\n",
                   good_caches[_i]);
    rc = config_test(all_mods, snippet, &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(rc == 0, "[%s]: apache2 -t exited %d:\n%s", good_caches[_i],
                  rc, out);
    ck_assert_msg(strstr(out, "Syntax OK") != NULL, "%s", out);
    free(out);
}
END_TEST

/* An address the memcache provider cannot parse passes apache2 -t (the
 * provider reads it when the cache is initialised) and stops the start,
 * naming the directive. */
START_TEST(test_unusable_memcache_address_stops_startup_naming_the_directive)
{
    static const char *const mods[] = { "socache_memcache", NULL };
    harness_options o;
    harness_httpd *h;
    char *log;
    int rc;

    harness_options_init(&o);
    o.modules = mods;
    o.config = "NetExeSignatureCache memcache:127.0.0.1:99999\n"
               "NetExeSignatureCheck On\n";
    h = harness_new(&o);
    ck_assert_msg(h != NULL, "harness_new failed");
    rc = harness_start(h);
    log = harness_error_log(h);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(rc != 0, "apache2 started with an unusable memcache address");
    ck_assert_msg(strstr(log, "NetExeSignatureCache "
                         "memcache:127.0.0.1:99999") != NULL,
                  "the error log does not name the directive:\n%s", log);
    free(log);
    harness_free(h);
}
END_TEST

static Suite *sigcache_suite(void)
{
    Suite *s = suite_create("httpd_sigcache");
    TCase *tc;

    tc = tcase_create("shmcb");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_unchecked_fixture(tc, setup_shmcb, teardown_servers);
    tcase_add_test(tc, test_shmcb_parallel_first_requests_in_several_processes_analyse_once);
    tcase_add_test(tc, test_shmcb_virtual_hosts_with_other_roots_get_their_own_verdicts);
    tcase_add_test(tc, test_shmcb_remembers_a_version_after_hundreds_of_others);
    tcase_add_test(tc, test_shmcb_after_graceful_restart_new_children_analyse_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("default");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_unchecked_fixture(tc, setup_default, teardown_servers);
    tcase_add_test(tc, test_default_with_shmcb_loaded_analyses_once_per_server);
    suite_add_tcase(s, tc);

    tc = tcase_create("none");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_unchecked_fixture(tc, setup_none, teardown_servers);
    tcase_add_test(tc, test_none_analyses_once_per_process);
    suite_add_tcase(s, tc);

    tc = tcase_create("memcache");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_unchecked_fixture(tc, setup_memcache, teardown_backend);
    tcase_add_test(tc, test_memcache_two_servers_share_one_analysis);
    tcase_add_test(tc, test_memcache_simultaneous_requests_to_two_servers_analyse_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("redis");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_unchecked_fixture(tc, setup_redis, teardown_backend);
    tcase_add_test(tc, test_redis_two_servers_share_one_analysis);
    tcase_add_test(tc, test_redis_simultaneous_requests_to_two_servers_analyse_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_bad_cache_fails_configtest_naming_the_directive,
                        0, (int)(sizeof bad_caches / sizeof bad_caches[0]));
    tcase_add_loop_test(tc, test_cache_forms_pass_configtest, 0,
                        (int)(sizeof good_caches / sizeof good_caches[0]));
    tcase_add_test(tc, test_unusable_memcache_address_stops_startup_naming_the_directive);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sigcache_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (fixdir[0] != '\0')
        sigfix_rmtree(fixdir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
