/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_scan.c -- the netexe-scan binary ($NETEXE_SCAN, default
 * build/netexe-scan) as a build agent runs it (DESIGN.md section 6): over
 * a directory of images signed at test time (tests/support/sigfix.c), in
 * text and JSON, with and without --roots, --certs, --repair and
 * --clr-only; its exit status, what it writes to standard output and
 * standard error, and the copies it makes (checked again, and by
 * osslsigncode).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sigfix.h"

#define PATH_BYTES          4096
#define CMD_BYTES           (4 * PATH_BYTES)
#define OUTPUT_BYTES        65536
#define DEFAULT_SCANNER     "build/netexe-scan"

/* Short enough that every path built from it fits in PATH_BYTES. */
#define FIXDIR_BYTES        1024
static char fixdir[FIXDIR_BYTES];

typedef struct {
    int status;                 /* exit status */
    char out[OUTPUT_BYTES];     /* standard output */
    char err[OUTPUT_BYTES];     /* standard error */
} scan_run;

static const char *scanner(void)
{
    const char *s = getenv("NETEXE_SCAN");

    return s && *s ? s : DEFAULT_SCANNER;
}

static void fixtures_up(void)
{
    char err[512];

    ck_assert_msg(access(scanner(), X_OK) == 0,
                  "the scanner %s cannot be run (set NETEXE_SCAN)", scanner());
    ck_assert_int_eq(sigfix_tempdir("scan", fixdir, sizeof fixdir), 0);
    ck_assert_msg(sigfix_build(fixdir, err, sizeof err) == 0,
                  "fixtures in %s: %s", fixdir, err);
    ck_assert_msg(sigfix_build_repair(fixdir, err, sizeof err) == 0,
                  "repair fixtures in %s: %s", fixdir, err);
}

static void fixtures_down(void)
{
    sigfix_rmtree(fixdir);
}

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    n = fread(buf, 1, cap - 1, f);
    ck_assert_uint_lt(n, cap - 1);          /* the whole output fitted */
    buf[n] = '\0';
    fclose(f);
}

/* Runs the scanner in the fixture directory with the arguments args (a
 * shell fragment; fixture names are plain). */
static void run(scan_run *r, const char *args)
{
    char cmd[CMD_BYTES], out[PATH_BYTES], err[PATH_BYTES];
    int n;

    n = snprintf(out, sizeof out, "%s/.stdout", fixdir);
    ck_assert(n > 0 && (size_t)n < sizeof out);
    n = snprintf(err, sizeof err, "%s/.stderr", fixdir);
    ck_assert(n > 0 && (size_t)n < sizeof err);
    n = snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >'%s' 2>'%s'",
                 fixdir, scanner(), args, out, err);
    ck_assert(n > 0 && (size_t)n < sizeof cmd);
    r->status = sigfix_run("%s", cmd);
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
    unlink(out);
    unlink(err);
}

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The line of out that starts with prefix, copied into line[cap]. */
static int find_line(const char *out, const char *prefix, char *line, size_t cap)
{
    const char *p = out;

    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0 && len < cap) {
            memcpy(line, p, len);
            line[len] = '\0';
            return 1;
        }
        p += len + (end != NULL);
    }
    return 0;
}

/* What --json says of each fixture, without --roots. */
typedef struct {
    const char *name;
    const char *state;
} json_case;

static const json_case json_cases[] = {
    { "bad-digest.exe", "signed:bad-digest" },
    { "big-bad-digest.exe", "signed:bad-digest" },
    { "big.exe",        "signed:complete" },
    { "countersigned.exe", "signed:incomplete" },
    { "full.exe",       "signed:complete" },
    { "inter.exe",      "signed:incomplete" },
    { "leaf.efi",       "signed:incomplete" },
    { "leaf.exe",       "signed:incomplete" },
    { "native64.dll",   "signed:complete" },
    { "nested.exe",     "signed:incomplete" },
    { "past-end.exe",   "signed:malformed" },
    { "spc-not-pe.exe", "signed:malformed" },
    { "timestamped.exe", "signed:incomplete" },
    { "truncated.exe",  "signed:malformed" },
    { "unsigned.exe",   "unsigned" },
};
#define N_JSON_CASES ((int)(sizeof json_cases / sizeof json_cases[0]))

START_TEST(test_json_over_a_directory_gives_each_file_its_state_and_exits_1)
{
    static scan_run r;
    char prefix[PATH_BYTES], line[OUTPUT_BYTES], state[128];
    int i;

    run(&r, "--json .");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.err, "");
    /* One line per PE image, none for the PKI files, logs and notes.txt. */
    ck_assert_int_eq(count_lines(r.out), N_JSON_CASES);
    for (i = 0; i < N_JSON_CASES; i++) {
        snprintf(prefix, sizeof prefix, "{\"path\":\"./%s\",", json_cases[i].name);
        ck_assert_msg(find_line(r.out, prefix, line, sizeof line),
                      "no line for %s in:\n%s", json_cases[i].name, r.out);
        snprintf(state, sizeof state, "\"state\":\"%s\"", json_cases[i].state);
        ck_assert_msg(strstr(line, state) != NULL, "%s: want %s in %s",
                      json_cases[i].name, state, line);
        ck_assert_msg(line[strlen(line) - 1] == '}', "not one object: %s", line);
    }
}
END_TEST

START_TEST(test_json_lists_nested_signatures)
{
    static scan_run r;

    run(&r, "--json --roots root.pem nested.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "{\"path\":\"nested.exe\",\"image\":\"clr\",\"machine\":\"x86\",\"type\":\"EXE\","
        "\"state\":\"signed:incomplete\",\"timestamp\":false,"
        "\"missing_issuer\":\"" SIGFIX_INTER_DN "\",\"aia\":\"" SIGFIX_LEAF_AIA "\","
        "\"missing\":[{\"dn\":\"" SIGFIX_INTER_DN "\",\"found_in\":null}],"
        "\"reason\":null,\"repair\":null,\"signatures\":["
        "{\"index\":1,\"depth\":0,\"kind\":\"signature\",\"stamps\":null,"
        "\"digest\":\"sha256\",\"state\":\"complete\","
        "\"certificates\":2,\"signer\":\"" SIGFIX_LEAF_DN "\","
        "\"missing_issuer\":null,\"aia\":null,\"missing\":[],\"reason\":null},"
        "{\"index\":2,\"depth\":1,\"kind\":\"signature\",\"stamps\":null,"
        "\"digest\":\"sha1\",\"state\":\"incomplete\","
        "\"certificates\":1,\"signer\":\"" SIGFIX_LEAF_DN "\","
        "\"missing_issuer\":\"" SIGFIX_INTER_DN "\",\"aia\":\"" SIGFIX_LEAF_AIA "\","
        "\"missing\":[{\"dn\":\"" SIGFIX_INTER_DN "\",\"found_in\":null}],"
        "\"reason\":null}]}\n");
}
END_TEST

START_TEST(test_text_line_names_missing_issuer_and_uri)
{
    static scan_run r;

    run(&r, "leaf.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "leaf.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_INTER_DN "\", see " SIGFIX_LEAF_AIA ")\n");
}
END_TEST

START_TEST(test_roots_complete_the_chain)
{
    static scan_run r;

    run(&r, "inter.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "inter.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_ROOT_DN "\", see " SIGFIX_INTER_AIA ")\n");
    run(&r, "--roots root.pem inter.exe");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "inter.exe\tclr\tx86\tEXE\tsigned:complete\n");
    run(&r, "--roots=root.pem inter.exe");
    ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(test_nested_signatures_get_their_own_lines)
{
    static scan_run r;

    run(&r, "--roots root.pem nested.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "nested.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_INTER_DN "\", see " SIGFIX_LEAF_AIA ")\n"
        "  + signature 1 (sha256, signer \"" SIGFIX_LEAF_DN "\"): signed:complete\n"
        "  + nested signature 2 (sha1, signer \"" SIGFIX_LEAF_DN "\"): "
        "signed:incomplete (missing issuer \"" SIGFIX_INTER_DN "\", see "
        SIGFIX_LEAF_AIA ")\n");
}
END_TEST

START_TEST(test_unsigned_and_complete_files_exit_0)
{
    static scan_run r;

    run(&r, "full.exe unsigned.exe native64.dll notes.txt");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out,
        "full.exe\tclr\tx86\tEXE\tsigned:complete\n"
        "unsigned.exe\tclr\tx86\tEXE\tunsigned\n"
        "native64.dll\tnative\tx64\tDLL\tsigned:complete\n");
    ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(test_bad_digest_and_malformed_exit_1)
{
    static scan_run r;

    run(&r, "bad-digest.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "bad-digest.exe\tclr\tx86\tEXE\tsigned:bad-digest "
                            "(image hash differs from the signed hash)\n");
    run(&r, "past-end.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "past-end.exe\tclr\tx86\tEXE\tsigned:malformed "
                            "(certificate table extends past the end of the file)\n");
    run(&r, "truncated.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "truncated.exe\tclr\tx86\tEXE\tsigned:malformed "
                            "(PKCS#7 does not decode)\n");
}
END_TEST

START_TEST(test_missing_path_exits_2_and_others_are_still_scanned)
{
    static scan_run r;

    run(&r, "no-such-file full.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "netexe-scan: no-such-file: No such file or directory\n");
    ck_assert_str_eq(r.out, "full.exe\tclr\tx86\tEXE\tsigned:complete\n");
    /* An I/O error outranks a finding. */
    run(&r, "leaf.exe no-such-file");
    ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(test_clr_only_leaves_native_images_out)
{
    static scan_run r;

    run(&r, "--clr-only native64.dll full.exe");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "full.exe\tclr\tx86\tEXE\tsigned:complete\n");
    run(&r, "--clr-only --json .");
    ck_assert_int_eq(count_lines(r.out), N_JSON_CASES - 2);
    ck_assert_ptr_null(strstr(r.out, "native64.dll"));
    ck_assert_ptr_null(strstr(r.out, "leaf.efi"));
}
END_TEST

START_TEST(test_usage_errors_exit_2)
{
    static scan_run r;

    run(&r, "");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "Usage: netexe-scan"));
    run(&r, "--bogus full.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.out, "");
    run(&r, "--roots no-such.pem full.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, "no-such.pem"));
    run(&r, "--roots notes.txt full.exe");
    ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(test_help_explains_roots)
{
    static scan_run r;

    run(&r, "--help");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--roots PEM"));
    ck_assert_ptr_nonnull(strstr(r.out, "Default: none"));
    ck_assert_ptr_nonnull(strstr(r.out, "self-signed"));
}
END_TEST

/* Hostile names are escaped in JSON; symbolic links to directories are not
 * followed during a walk (no loop), links to files are. */
START_TEST(test_walk_escapes_names_and_does_not_loop)
{
    static scan_run r;
    char dir[PATH_BYTES], from[PATH_BYTES], to[PATH_BYTES];

    snprintf(dir, sizeof dir, "%s/walk", fixdir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(from, sizeof from, "%s/full.exe", fixdir);
    snprintf(to, sizeof to, "%s/walk/q\"b\\s\001.exe", fixdir);
    ck_assert_int_eq(link(from, to), 0);
    snprintf(to, sizeof to, "%s/walk/loop", fixdir);
    ck_assert_int_eq(symlink("..", to), 0);
    snprintf(to, sizeof to, "%s/walk/link.exe", fixdir);
    ck_assert_int_eq(symlink("../leaf.exe", to), 0);

    run(&r, "--json walk");
    ck_assert_int_eq(r.status, 1);
    ck_assert_int_eq(count_lines(r.out), 2);
    ck_assert_ptr_nonnull(strstr(r.out, "{\"path\":\"walk/link.exe\","));
    ck_assert_ptr_nonnull(strstr(r.out, "{\"path\":\"walk/q\\\"b\\\\s\\u0001.exe\","));
    run(&r, "walk/");
    ck_assert_ptr_nonnull(strstr(r.out, "walk/q\"b\\s?.exe\tclr"));
    ck_assert_ptr_nonnull(strstr(r.out, "walk/link.exe\tclr"));
}
END_TEST

/* ---- --certs and --repair ----------------------------------------------- */

/* The bytes of a fixture file, compared before and after a run. */
static unsigned char *fixture_bytes(const char *name, size_t *len)
{
    char path[PATH_BYTES];
    unsigned char *b;

    snprintf(path, sizeof path, "%s/%s", fixdir, name);
    b = sigfix_read(path, len);
    ck_assert_msg(b != NULL, "%s: %s", path, strerror(errno));
    return b;
}

static int fixture_exists(const char *name)
{
    char path[PATH_BYTES];

    snprintf(path, sizeof path, "%s/%s", fixdir, name);
    return access(path, F_OK) == 0;
}

START_TEST(test_certs_say_where_each_missing_issuer_is_found)
{
    static scan_run r;

    run(&r, "--certs inter.pem leaf.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(r.out,
        "leaf.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_INTER_DN "\", found in inter.pem; missing issuer \""
        SIGFIX_ROOT_DN "\", see " SIGFIX_INTER_AIA ")\n");
    /* A directory of PEM and DER files; its README is passed over. */
    run(&r, "--certs certs leaf.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "leaf.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_INTER_DN "\", found in certs/inter.pem; missing issuer \""
        SIGFIX_ROOT_DN "\", found in certs/root.der)\n");
    run(&r, "--roots root.pem --certs=inter.pem leaf.exe");
    ck_assert_str_eq(r.out,
        "leaf.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_INTER_DN "\", found in inter.pem)\n");
}
END_TEST

/* The repair of a leaf-only file: the copy under DIR, the input as it
 * was, exit 0; the copy checks complete and osslsigncode verifies it. */
START_TEST(test_repair_writes_a_complete_copy_and_leaves_the_input)
{
    static scan_run r;
    static char verify[OUTPUT_BYTES];
    unsigned char *before, *after;
    size_t before_len, after_len;
    char cmd[CMD_BYTES];
    FILE *p;
    size_t n;

    before = fixture_bytes("leaf.exe", &before_len);
    run(&r, "--repair fixed --certs inter.pem --certs root.der leaf.exe");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(r.out,
        "leaf.exe\tclr\tx86\tEXE\tsigned:complete (repaired: added \""
        SIGFIX_INTER_DN "\", \"" SIGFIX_ROOT_DN "\")\n");
    after = fixture_bytes("leaf.exe", &after_len);
    ck_assert_uint_eq(after_len, before_len);
    ck_assert_int_eq(memcmp(after, before, before_len), 0);
    ck_assert(fixture_exists("fixed/leaf.exe"));

    run(&r, "fixed/leaf.exe");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "fixed/leaf.exe\tclr\tx86\tEXE\tsigned:complete\n");
    snprintf(cmd, sizeof cmd, "cd '%s' && osslsigncode verify -CAfile root.pem "
             "-in fixed/leaf.exe 2>&1", fixdir);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    n = fread(verify, 1, sizeof verify - 1, p);
    verify[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_ptr_nonnull(strstr(verify, "Signature verification: ok"));
    ck_assert_ptr_null(strstr(verify, "invalid PE checksum"));
    free(before);
    free(after);
}
END_TEST

/* A walk keeps relative paths under DIR, writes copies only of what it
 * repaired, and never walks DIR itself. */
START_TEST(test_repair_walk_keeps_relative_paths)
{
    static scan_run r;
    char dir[PATH_BYTES], from[PATH_BYTES], to[PATH_BYTES];

    snprintf(dir, sizeof dir, "%s/tree/sub", fixdir);
    ck_assert_int_eq(sigfix_run("mkdir -p '%s'", dir), 0);
    snprintf(from, sizeof from, "%s/leaf.exe", fixdir);
    snprintf(to, sizeof to, "%s/tree/sub/leaf.exe", fixdir);
    ck_assert_int_eq(link(from, to), 0);
    snprintf(from, sizeof from, "%s/full.exe", fixdir);
    snprintf(to, sizeof to, "%s/tree/full.exe", fixdir);
    ck_assert_int_eq(link(from, to), 0);

    run(&r, "--roots root.pem --certs certs --repair tree/fixed tree");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(r.out,
        "tree/full.exe\tclr\tx86\tEXE\tsigned:complete\n"
        "tree/sub/leaf.exe\tclr\tx86\tEXE\tsigned:complete (repaired: added \""
        SIGFIX_INTER_DN "\")\n");
    ck_assert(fixture_exists("tree/fixed/sub/leaf.exe"));
    ck_assert(!fixture_exists("tree/fixed/full.exe"));
    /* Again: the copies under tree/fixed are not inputs. */
    run(&r, "--roots root.pem --certs certs --repair tree/fixed tree");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "tree/fixed/"));
}
END_TEST

/* What --repair refuses: exit 1, the state on standard output, why on
 * standard error, and no copy. */
START_TEST(test_repair_refusals_exit_1_and_say_why)
{
    static scan_run r;

    run(&r, "--repair refused --certs inter.pem leaf.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "leaf.exe\tclr\tx86\tEXE\tsigned:incomplete (missing issuer \""
        SIGFIX_INTER_DN "\", found in inter.pem; missing issuer \""
        SIGFIX_ROOT_DN "\", see " SIGFIX_INTER_AIA ")\n");
    ck_assert_str_eq(r.err, "netexe-scan: leaf.exe: not repaired: missing issuer \""
                            SIGFIX_ROOT_DN "\" is in no --certs file\n");
    run(&r, "--repair refused --certs certs bad-digest.exe truncated.exe spc-not-pe.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.err,
        "netexe-scan: bad-digest.exe: not repaired: signed:bad-digest "
        "(image hash differs from the signed hash)\n"
        "netexe-scan: truncated.exe: not repaired: signed:malformed "
        "(PKCS#7 does not decode)\n"
        "netexe-scan: spc-not-pe.exe: not repaired: signed:malformed "
        "(SpcIndirectDataContent is not PE image data (SpcPeImageData))\n");
    ck_assert_ptr_nonnull(strstr(r.out, "spc-not-pe.exe\tclr\tx86\tEXE\tsigned:malformed "
                                 "(SpcIndirectDataContent is not PE image data "
                                 "(SpcPeImageData))\n"));
    ck_assert(!fixture_exists("refused/leaf.exe"));
    ck_assert(!fixture_exists("refused/bad-digest.exe"));
    /* One file repaired, one refused: the refusal decides. */
    run(&r, "--repair mixed --certs certs leaf.exe bad-digest.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert(fixture_exists("mixed/leaf.exe"));
}
END_TEST

/* A timestamp's missing issuer is named as such, and repaired. */
START_TEST(test_timestamp_lines_before_and_after_repair)
{
    static scan_run r;

    run(&r, "--roots root.pem timestamped.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out,
        "timestamped.exe\tclr\tx86\tEXE\tsigned:incomplete (timestamp: missing issuer \""
        SIGFIX_TSA_CA_DN "\", see " SIGFIX_TSA_AIA ")\n"
        "  + signature 1 (sha256, signer \"" SIGFIX_LEAF_DN "\"): signed:complete\n"
        "  + timestamp 2 of signature 1 (sha256, signer \"" SIGFIX_TSA_DN "\"): "
        "signed:incomplete (missing issuer \"" SIGFIX_TSA_CA_DN "\", see "
        SIGFIX_TSA_AIA ")\n");
    run(&r, "--roots root.pem --certs tsa-ca.pem --repair fixed-ts timestamped.exe countersigned.exe");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(r.out,
        "timestamped.exe\tclr\tx86\tEXE\tsigned:complete (repaired: added \""
        SIGFIX_TSA_CA_DN "\")\n"
        "  + signature 1 (sha256, signer \"" SIGFIX_LEAF_DN "\"): signed:complete\n"
        "  + timestamp 2 of signature 1 (sha256, signer \"" SIGFIX_TSA_DN "\"): "
        "signed:complete\n"
        "countersigned.exe\tclr\tx86\tEXE\tsigned:complete (repaired: added \""
        SIGFIX_TSA_CA_DN "\")\n"
        "  + signature 1 (sha256, signer \"" SIGFIX_LEAF_DN "\"): signed:complete\n"
        "  + countersignature 2 of signature 1 (sha256, signer \"" SIGFIX_TSA_DN "\"): "
        "signed:complete\n");
}
END_TEST

START_TEST(test_json_tells_where_issuers_are_found_and_what_was_repaired)
{
    static scan_run r;

    run(&r, "--json --roots root.pem --certs inter.pem leaf.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out,
        "\"missing\":[{\"dn\":\"" SIGFIX_INTER_DN "\",\"found_in\":\"inter.pem\"}]"));
    ck_assert_ptr_nonnull(strstr(r.out, "\"repair\":null"));
    run(&r, "--json --roots root.pem --certs inter.pem --repair fixed-json leaf.exe");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out,
        "{\"path\":\"leaf.exe\",\"image\":\"clr\",\"machine\":\"x86\",\"type\":\"EXE\","
        "\"state\":\"signed:complete\",\"timestamp\":false,\"missing_issuer\":null,"
        "\"aia\":null,\"missing\":[],\"reason\":null,"
        "\"repair\":{\"outcome\":\"repaired\",\"output\":\"fixed-json/leaf.exe\","
        "\"added\":[\"" SIGFIX_INTER_DN "\"],\"reason\":null},"
        "\"signatures\":[{\"index\":1,\"depth\":0,\"kind\":\"signature\",\"stamps\":null,"
        "\"digest\":\"sha256\",\"state\":\"complete\",\"certificates\":2,"
        "\"signer\":\"" SIGFIX_LEAF_DN "\",\"missing_issuer\":null,\"aia\":null,"
        "\"missing\":[],\"reason\":null}]}\n");
    run(&r, "--json --repair fixed-json timestamped.exe");
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "\"state\":\"signed:incomplete\",\"timestamp\":true,"));
    ck_assert_ptr_nonnull(strstr(r.out,
        "\"repair\":{\"outcome\":\"refused\",\"output\":null,\"added\":[],"
        "\"reason\":\"timestamp: missing issuer \\\"" SIGFIX_TSA_CA_DN
        "\\\" is in no --certs file\"}"));
    ck_assert_ptr_nonnull(strstr(r.out, "\"kind\":\"timestamp\",\"stamps\":1,"));
}
END_TEST

START_TEST(test_repair_never_replaces_its_input)
{
    static scan_run r;
    unsigned char *before, *after;
    size_t before_len, after_len;

    before = fixture_bytes("leaf.exe", &before_len);
    run(&r, "--repair . --certs certs leaf.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "netexe-scan: leaf.exe: the repaired copy would replace "
                            "the input (choose another --repair DIR)\n");
    after = fixture_bytes("leaf.exe", &after_len);
    ck_assert_uint_eq(after_len, before_len);
    ck_assert_int_eq(memcmp(after, before, before_len), 0);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_certs_and_repair_usage_errors_exit_2)
{
    static scan_run r;

    run(&r, "--certs notes.txt leaf.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "netexe-scan: --certs: notes.txt holds no PEM or DER certificate\n");
    run(&r, "--certs no-such.pem leaf.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such.pem"));
    run(&r, "--repair notes.txt leaf.exe");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, "--repair: notes.txt"));
    run(&r, "--certs");
    ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(test_help_explains_certs_and_repair)
{
    static scan_run r;

    run(&r, "--help");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--certs FILE"));
    ck_assert_ptr_nonnull(strstr(r.out, "--repair DIR"));
    ck_assert_ptr_nonnull(strstr(r.out, "the input is never changed"));
}
END_TEST

static Suite *scan_suite(void)
{
    Suite *s = suite_create("netexe-scan");
    TCase *tc = tcase_create("scanner");

    tcase_add_unchecked_fixture(tc, fixtures_up, fixtures_down);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_json_over_a_directory_gives_each_file_its_state_and_exits_1);
    tcase_add_test(tc, test_json_lists_nested_signatures);
    tcase_add_test(tc, test_text_line_names_missing_issuer_and_uri);
    tcase_add_test(tc, test_roots_complete_the_chain);
    tcase_add_test(tc, test_nested_signatures_get_their_own_lines);
    tcase_add_test(tc, test_unsigned_and_complete_files_exit_0);
    tcase_add_test(tc, test_bad_digest_and_malformed_exit_1);
    tcase_add_test(tc, test_missing_path_exits_2_and_others_are_still_scanned);
    tcase_add_test(tc, test_clr_only_leaves_native_images_out);
    tcase_add_test(tc, test_usage_errors_exit_2);
    tcase_add_test(tc, test_help_explains_roots);
    tcase_add_test(tc, test_walk_escapes_names_and_does_not_loop);
    tcase_add_test(tc, test_certs_say_where_each_missing_issuer_is_found);
    tcase_add_test(tc, test_repair_writes_a_complete_copy_and_leaves_the_input);
    tcase_add_test(tc, test_repair_walk_keeps_relative_paths);
    tcase_add_test(tc, test_repair_refusals_exit_1_and_say_why);
    tcase_add_test(tc, test_timestamp_lines_before_and_after_repair);
    tcase_add_test(tc, test_json_tells_where_issuers_are_found_and_what_was_repaired);
    tcase_add_test(tc, test_repair_never_replaces_its_input);
    tcase_add_test(tc, test_certs_and_repair_usage_errors_exit_2);
    tcase_add_test(tc, test_help_explains_certs_and_repair);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scan_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
