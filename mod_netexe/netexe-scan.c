/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * netexe-scan -- finds PE images, tells CLR from native, and reports
 * whether their Authenticode signatures embed every issuer certificate
 * (DESIGN.md section 6).  A release gate: exit status 1 when a signed file
 * has an incomplete chain, a bad digest or a malformed signature.
 *
 *   netexe-scan [--roots PEM] [--json] [--clr-only] PATH...
 *
 * Directories are walked recursively in name order.  Symbolic links to
 * files are followed; symbolic links to directories met during a walk are
 * not (no loops); a directory named on the command line is always walked.
 * Files that are not PE images are skipped without a word.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "authenticode.h"
#include "pe.h"

#define SCAN_EXIT_OK        0
#define SCAN_EXIT_FINDING   1   /* a signed file is not complete */
#define SCAN_EXIT_ERROR     2   /* usage or I/O error */

/* Directory levels below a command-line argument; deeper ones are
 * reported as an error rather than walked (a bound, not a feature). */
#define SCAN_MAX_DEPTH      64

typedef struct {
    const netexe_ac_roots *roots;
    int json;
    int clr_only;
    int status;                 /* the exit status so far */
} scan_opts;

static void scan_usage(FILE *out)
{
    fputs(
"Usage: netexe-scan [--roots PEM] [--json] [--clr-only] PATH...\n"
"\n"
"Walks files and directories and prints one line per PE image: path, clr or\n"
"native, machine, DLL or EXE, and the Authenticode signature state:\n"
"\n"
"  unsigned\n"
"  signed:complete        every issuer up to a self-signed or trusted root\n"
"                         certificate is embedded in the signature\n"
"  signed:incomplete (missing issuer \"<DN>\", see <AIA URL>)\n"
"                         a client without that issuer cannot build the chain\n"
"  signed:bad-digest      the image hash or the signature does not verify\n"
"  signed:malformed       the certificate table or signature is broken\n"
"\n"
"A file with more than one signature (nested signatures) gets one more line\n"
"per signature, starting with \"  + \".  The file line shows the worst state.\n"
"\n"
"Options:\n"
"  --roots PEM   a PEM bundle of root certificates clients are expected to\n"
"                have; a chain ends at any certificate in it.  Default: none,\n"
"                so only a self-signed certificate ends a chain, and a\n"
"                signature that does not embed its root is incomplete.\n"
"  --json        one JSON object per file and line, with a \"signatures\" array\n"
"  --clr-only    report only images with a CLR (.NET) header\n"
"  --help        this text\n"
"\n"
"Nothing is fetched from the network.  Exit status: 0 all files unsigned or\n"
"complete, 1 a signed file is incomplete, bad-digest or malformed, 2 a usage\n"
"or I/O error (reported on standard error).\n", out);
}

static void scan_error(scan_opts *o, const char *path, const char *what)
{
    fprintf(stderr, "netexe-scan: %s: %s\n", path, what);
    o->status = SCAN_EXIT_ERROR;
}

/* ---- output ------------------------------------------------------------- */

/* A path on a text line: control characters would forge lines. */
static void scan_put_text(const char *s)
{
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s);
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t scan_utf8_len(const unsigned char *s)
{
    size_t more, k;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0)
        more = 1;
    else if ((s[0] & 0xF0) == 0xE0)
        more = 2;
    else if ((s[0] & 0xF8) == 0xF0)
        more = 3;
    else
        return 0;
    for (k = 1; k <= more; k++)
        if ((s[k] & 0xC0) != 0x80)   /* also stops at the NUL */
            return 0;
    return more + 1;
}

/* A JSON string.  Bytes that are not UTF-8 (file names can be anything)
 * are written as the code point of the same value, so that the output is
 * always valid JSON. */
static void scan_put_json(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    if (!str) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    while (*s) {
        size_t n = scan_utf8_len(s);
        if (*s == '"' || *s == '\\') {
            printf("\\%c", *s);
        }
        else if (*s == '\n') {
            fputs("\\n", stdout);
        }
        else if (*s == '\t') {
            fputs("\\t", stdout);
        }
        else if (*s < 0x20 || *s == 0x7F || n == 0) {
            printf("\\u%04x", *s);
            n = 1;
        }
        else {
            fwrite(s, 1, n, stdout);
        }
        s += n ? n : 1;
    }
    putchar('"');
}

/* The state as the text line shows it: "unsigned", "signed:..." with the
 * details in parentheses. */
static void scan_put_state(netexe_ac_state state, const char *missing,
                           const char *aia, const char *reason)
{
    if (state == NETEXE_AC_UNSIGNED) {
        fputs("unsigned", stdout);
        return;
    }
    printf("signed:%s", netexe_ac_state_name(state));
    if (state == NETEXE_AC_INCOMPLETE) {
        fputs(" (missing issuer \"", stdout);
        scan_put_text(missing);
        putchar('"');
        if (aia && aia[0]) {
            fputs(", see ", stdout);
            scan_put_text(aia);
        }
        putchar(')');
    }
    else if (reason && state != NETEXE_AC_COMPLETE) {
        printf(" (%s)", reason);
    }
}

static const char *scan_kind(const netexe_ac_result *r)
{
    return r->pe.verdict == PE_CLR ? "clr" : "native";
}

static const char *scan_type(const netexe_ac_result *r)
{
    return pe_is_dll(&r->pe) ? "DLL" : "EXE";
}

/* The reason the file line shows: the table's own, or the deciding
 * signature's. */
static const char *scan_reason(const netexe_ac_result *r,
                               const netexe_ac_signature *worst)
{
    if (r->reason)
        return r->reason;
    return worst ? worst->reason : NULL;
}

static void scan_print_text(const char *path, const netexe_ac_result *r)
{
    const netexe_ac_signature *worst = netexe_ac_worst(r);
    unsigned i;

    scan_put_text(path);
    printf("\t%s\t%s\t%s\t", scan_kind(r), pe_machine_name(r->pe.machine),
           scan_type(r));
    scan_put_state(r->state, worst ? worst->missing_issuer : "",
                   worst ? worst->aia_uri : "", scan_reason(r, worst));
    putchar('\n');
    if (r->count < 2)
        return;
    for (i = 0; i < r->count; i++) {
        const netexe_ac_signature *s = &r->sig[i];
        printf("  + %ssignature %u (%s, signer \"", s->depth ? "nested " : "",
               i + 1, s->digest[0] ? s->digest : "unknown hash");
        scan_put_text(s->signer);
        fputs("\"): ", stdout);
        scan_put_state(s->state, s->missing_issuer, s->aia_uri, s->reason);
        putchar('\n');
    }
}

static void scan_put_json_or_null(const char *s)
{
    scan_put_json(s && s[0] ? s : NULL);
}

static void scan_print_json(const char *path, const netexe_ac_result *r)
{
    const netexe_ac_signature *worst = netexe_ac_worst(r);
    int incomplete = r->state == NETEXE_AC_INCOMPLETE && worst;
    unsigned i;

    fputs("{\"path\":", stdout);
    scan_put_json(path);
    printf(",\"image\":\"%s\",\"machine\":\"%s\",\"type\":\"%s\",\"state\":\"%s%s\"",
           scan_kind(r), pe_machine_name(r->pe.machine), scan_type(r),
           r->state == NETEXE_AC_UNSIGNED ? "" : "signed:",
           netexe_ac_state_name(r->state));
    fputs(",\"missing_issuer\":", stdout);
    scan_put_json_or_null(incomplete ? worst->missing_issuer : NULL);
    fputs(",\"aia\":", stdout);
    scan_put_json_or_null(incomplete ? worst->aia_uri : NULL);
    fputs(",\"reason\":", stdout);
    scan_put_json_or_null(incomplete ? NULL : scan_reason(r, worst));
    fputs(",\"signatures\":[", stdout);
    for (i = 0; i < r->count; i++) {
        const netexe_ac_signature *s = &r->sig[i];
        int inc = s->state == NETEXE_AC_INCOMPLETE;
        printf("%s{\"index\":%u,\"depth\":%u,\"digest\":", i ? "," : "", i + 1,
               s->depth);
        scan_put_json_or_null(s->digest);
        printf(",\"state\":\"%s\",\"certificates\":%u,\"signer\":",
               netexe_ac_state_name(s->state), s->certificates);
        scan_put_json_or_null(s->signer);
        fputs(",\"missing_issuer\":", stdout);
        scan_put_json_or_null(inc ? s->missing_issuer : NULL);
        fputs(",\"aia\":", stdout);
        scan_put_json_or_null(inc ? s->aia_uri : NULL);
        fputs(",\"reason\":", stdout);
        scan_put_json_or_null(s->reason);
        putchar('}');
    }
    fputs("]}\n", stdout);
}

/* ---- the walk ----------------------------------------------------------- */

static void scan_file(scan_opts *o, const char *path)
{
    netexe_ac_result r;

    if (netexe_ac_check_path(path, o->roots, 0, &r) != 0) {
        scan_error(o, path, strerror(errno));
        return;
    }
    if (r.state == NETEXE_AC_NOT_PE)
        return;
    if (o->clr_only && r.pe.verdict != PE_CLR)
        return;
    if (o->json)
        scan_print_json(path, &r);
    else
        scan_print_text(path, &r);
    if (r.state > NETEXE_AC_COMPLETE && o->status == SCAN_EXIT_OK)
        o->status = SCAN_EXIT_FINDING;
}

static void scan_dir(scan_opts *o, const char *path, int depth);

/* A directory entry met during a walk. */
static void scan_entry(scan_opts *o, const char *path, int depth)
{
    struct stat st;

    if (lstat(path, &st) != 0) {
        scan_error(o, path, strerror(errno));
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        /* Follow links to files; a dangling link or one to a directory
         * is left alone. */
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return;
    }
    if (S_ISDIR(st.st_mode))
        scan_dir(o, path, depth + 1);
    else if (S_ISREG(st.st_mode))
        scan_file(o, path);
}

static void scan_dir(scan_opts *o, const char *path, int depth)
{
    struct dirent **names;
    int n, i;

    if (depth > SCAN_MAX_DEPTH) {
        scan_error(o, path, "directories nested too deep");
        return;
    }
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        scan_error(o, path, strerror(errno));
        return;
    }
    for (i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t plen = strlen(path), nlen = strlen(name);
        char *child;

        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            free(names[i]);
            continue;
        }
        child = malloc(plen + nlen + 2);
        if (!child) {
            scan_error(o, path, strerror(ENOMEM));
        }
        else {
            memcpy(child, path, plen);
            /* "dir/" given on the command line stays "dir/x", not "dir//x". */
            if (plen > 0 && path[plen - 1] == '/')
                plen--;
            child[plen] = '/';
            memcpy(child + plen + 1, name, nlen + 1);
            scan_entry(o, child, depth);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

/* A command-line argument: followed wherever it points. */
static void scan_arg(scan_opts *o, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        scan_error(o, path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode))
        scan_dir(o, path, 0);
    else if (S_ISREG(st.st_mode))
        scan_file(o, path);
    else
        scan_error(o, path, "not a regular file or directory");
}

int main(int argc, char **argv)
{
    scan_opts o;
    const char *roots_path = NULL;
    netexe_ac_roots *roots = NULL;
    int i, first = argc;

    memset(&o, 0, sizeof(o));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            first = i + 1;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            first = i;
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            scan_usage(stdout);
            return SCAN_EXIT_OK;
        }
        else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        }
        else if (strcmp(a, "--clr-only") == 0) {
            o.clr_only = 1;
        }
        else if (strcmp(a, "--roots") == 0 && i + 1 < argc) {
            roots_path = argv[++i];
        }
        else if (strncmp(a, "--roots=", 8) == 0) {
            roots_path = a + 8;
        }
        else {
            fprintf(stderr, "netexe-scan: unknown or incomplete option '%s'\n", a);
            scan_usage(stderr);
            return SCAN_EXIT_ERROR;
        }
    }
    if (first >= argc) {
        fputs("netexe-scan: no PATH given\n", stderr);
        scan_usage(stderr);
        return SCAN_EXIT_ERROR;
    }
    if (roots_path) {
        char err[512];
        roots = netexe_ac_roots_load(roots_path, err, sizeof(err));
        if (!roots) {
            fprintf(stderr, "netexe-scan: --roots: %s\n", err);
            return SCAN_EXIT_ERROR;
        }
    }
    o.roots = roots;
    for (i = first; i < argc; i++)
        scan_arg(&o, argv[i]);
    netexe_ac_roots_free(roots);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "netexe-scan: writing the report: %s\n", strerror(errno));
        return SCAN_EXIT_ERROR;
    }
    return o.status;
}
