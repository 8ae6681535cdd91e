/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * netexe-scan -- finds PE images, tells CLR from native, reports whether
 * their Authenticode signatures and timestamps embed every issuer
 * certificate, and adds the missing ones to a copy (DESIGN.md section 6).
 * A release gate: exit status 1 when a signed file is left with an
 * incomplete chain, a bad digest or a malformed signature.
 *
 *   netexe-scan [--roots PEM] [--certs FILE]... [--repair DIR] [--json]
 *               [--clr-only] PATH...
 *
 * Directories are walked recursively in name order.  Symbolic links to
 * files are followed; symbolic links to directories met during a walk are
 * not (no loops); a directory named on the command line is always walked.
 * Files that are not PE images are skipped without a word.  With --repair,
 * a repaired copy goes to DIR under the path relative to the argument it
 * was found under (a file argument: its base name); DIR itself is never
 * walked, and no input is ever written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "authenticode.h"
#include "pe.h"

#define SCAN_EXIT_OK        0
#define SCAN_EXIT_FINDING   1   /* a signed file is not complete */
#define SCAN_EXIT_ERROR     2   /* usage or I/O error */

/* Directory levels below a command-line argument; deeper ones are
 * reported as an error rather than walked (a bound, not a feature). */
#define SCAN_MAX_DEPTH      64

/* The temporary name of a copy being written, in its final directory. */
#define SCAN_TEMP_NAME      ".netexe-scan-XXXXXX"

typedef struct {
    const netexe_ac_roots *roots;
    const netexe_ac_certs *certs;
    const char *repair_dir;     /* --repair, or NULL */
    struct stat repair_st;      /* of repair_dir: never walked */
    netexe_ac_repair *rep;      /* scratch for one repair */
    int json;
    int clr_only;
    int status;                 /* the exit status so far */
} scan_opts;

static void scan_usage(FILE *out)
{
    fputs(
"Usage: netexe-scan [--roots PEM] [--certs FILE]... [--repair DIR] [--json]\n"
"                   [--clr-only] PATH...\n"
"\n"
"Walks files and directories and prints one line per PE image: path, clr or\n"
"native, machine, DLL or EXE, and the Authenticode signature state:\n"
"\n"
"  unsigned\n"
"  signed:complete        every issuer up to a self-signed or trusted root\n"
"                         certificate is embedded in the signature, and in\n"
"                         each timestamp\n"
"  signed:incomplete (missing issuer \"<DN>\", see <AIA URL>)\n"
"                         a client without that issuer cannot build the chain;\n"
"                         \"timestamp: \" first when it is a timestamp's chain,\n"
"                         \"found in <FILE>\" when a --certs file holds it\n"
"  signed:complete (repaired: added \"<DN>\", ...)\n"
"                         --repair wrote a copy that embeds them\n"
"  signed:bad-digest      the image hash or a signature does not verify\n"
"  signed:malformed       the certificate table or signature is broken\n"
"\n"
"A file with more than one signature or a timestamp gets one more line per\n"
"signature and timestamp, starting with \"  + \".  The file line shows the\n"
"worst state.\n"
"\n"
"Options:\n"
"  --roots PEM   a PEM bundle of root certificates clients are expected to\n"
"                have; a chain ends at any certificate in it.  Default: none,\n"
"                so only a self-signed certificate ends a chain, and a\n"
"                signature that does not embed its root is incomplete.\n"
"  --certs FILE  certificates (PEM or DER; a file, or a directory of them) to\n"
"                look missing issuers up in.  May be given more than once.\n"
"  --repair DIR  write a copy of each incomplete file whose missing issuers\n"
"                are all found under DIR (same relative path), with them\n"
"                added to the signatures; the input is never changed\n"
"  --json        one JSON object per file and line, with a \"signatures\" array\n"
"  --clr-only    report only images with a CLR (.NET) header\n"
"  --help        this text\n"
"\n"
"Nothing is fetched from the network.  Exit status: 0 all files unsigned or\n"
"complete (repaired ones included), 1 a signed file is incomplete,\n"
"bad-digest or malformed, or could not be repaired (the reason on standard\n"
"error), 2 a usage or I/O error (reported on standard error).\n", out);
}

static void scan_error(scan_opts *o, const char *path, const char *what)
{
    fprintf(stderr, "netexe-scan: %s: %s\n", path, what);
    o->status = SCAN_EXIT_ERROR;
}

static void scan_finding(scan_opts *o)
{
    if (o->status == SCAN_EXIT_OK)
        o->status = SCAN_EXIT_FINDING;
}

/* ---- text output -------------------------------------------------------- */

/* A path on a text line: control characters would forge lines. */
static void scan_put_text(const char *s)
{
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s);
}

/* "missing issuer "A", found in F; missing issuer "B", see URL", after
 * "timestamp: " for a timestamp's chain when named. */
static void scan_put_missing(const netexe_ac_signature *s, int name_kind)
{
    unsigned k;

    if (name_kind && s->kind != NETEXE_AC_SIGNATURE)
        fputs("timestamp: ", stdout);
    for (k = 0; k < s->missing_count; k++) {
        const netexe_ac_missing *m = &s->missing[k];
        if (k > 0)
            fputs("; ", stdout);
        fputs("missing issuer \"", stdout);
        scan_put_text(m->dn);
        putchar('"');
        if (m->found_in) {
            fputs(", found in ", stdout);
            scan_put_text(m->found_in);
        }
        else if (s->aia_uri[0]) {
            fputs(", see ", stdout);
            scan_put_text(s->aia_uri);
        }
    }
}

/* The state as the text line shows it: "unsigned", "signed:..." with the
 * details in parentheses.  s is the deciding signature (may be NULL);
 * reason the table's own or s's. */
static void scan_put_state(netexe_ac_state state, const netexe_ac_signature *s,
                           const char *reason)
{
    if (state == NETEXE_AC_UNSIGNED) {
        fputs("unsigned", stdout);
        return;
    }
    printf("signed:%s", netexe_ac_state_name(state));
    if (state == NETEXE_AC_INCOMPLETE && s) {
        fputs(" (", stdout);
        scan_put_missing(s, 1);
        putchar(')');
    }
    else if (reason && state != NETEXE_AC_COMPLETE) {
        printf(" (%s)", reason);
    }
}

static void scan_put_repaired(const netexe_ac_repair *rep)
{
    unsigned k;

    fputs("signed:complete (repaired: added ", stdout);
    for (k = 0; k < rep->added && k < NETEXE_AC_MAX_ADDED; k++) {
        fputs(k ? ", \"" : "\"", stdout);
        scan_put_text(rep->added_dn[k]);
        putchar('"');
    }
    if (rep->added > NETEXE_AC_MAX_ADDED)
        printf(" and %u more", rep->added - NETEXE_AC_MAX_ADDED);
    putchar(')');
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

/* The file line; with rep, a repaired file (r is the copy's check). */
static void scan_print_text(const char *path, const netexe_ac_result *r,
                            const netexe_ac_repair *rep)
{
    const netexe_ac_signature *worst = netexe_ac_worst(r);
    unsigned i;

    scan_put_text(path);
    printf("\t%s\t%s\t%s\t", scan_kind(r), pe_machine_name(r->pe.machine),
           scan_type(r));
    if (rep)
        scan_put_repaired(rep);
    else
        scan_put_state(r->state, worst, scan_reason(r, worst));
    putchar('\n');
    if (r->count < 2)
        return;
    for (i = 0; i < r->count; i++) {
        const netexe_ac_signature *s = &r->sig[i];
        printf("  + %s%s %u", s->depth ? "nested " : "",
               netexe_ac_kind_name(s->kind), i + 1);
        if (s->kind != NETEXE_AC_SIGNATURE)
            printf(" of signature %u", s->stamps + 1);
        printf(" (%s, signer \"", s->digest[0] ? s->digest : "unknown hash");
        scan_put_text(s->signer);
        fputs("\"): ", stdout);
        if (s->state == NETEXE_AC_INCOMPLETE) {
            /* The line names the kind already. */
            fputs("signed:incomplete (", stdout);
            scan_put_missing(s, 0);
            putchar(')');
        }
        else {
            scan_put_state(s->state, s, s->reason);
        }
        putchar('\n');
    }
}

/* ---- JSON output (json-c) ----------------------------------------------- */

/* Bytes of a path that are not UTF-8 (file names can be anything) become
 * the code point of the same value, so that the output is always valid
 * JSON; json-c escapes what JSON requires.  NULL for "" when empty_null. */
static json_object *scan_json_text(const char *str, int empty_null)
{
    const unsigned char *s = (const unsigned char *)str;
    json_object *j;
    size_t n = 0, k, len;
    char *buf;

    if (!str || (empty_null && !str[0]))
        return NULL;
    len = strlen(str);
    buf = malloc(2 * len + 1);
    if (!buf)
        return NULL;
    while (*s) {
        size_t more = 0;
        if (s[0] >= 0xC2 && s[0] <= 0xDF)
            more = 1;
        else if ((s[0] & 0xF0) == 0xE0)
            more = 2;
        else if (s[0] >= 0xF0 && s[0] <= 0xF4)
            more = 3;
        for (k = 1; k <= more; k++)
            if ((s[k] & 0xC0) != 0x80)     /* also stops at the NUL */
                break;
        if (s[0] < 0x80 || (more > 0 && k > more)) {
            size_t take = s[0] < 0x80 ? 1 : more + 1;
            memcpy(buf + n, s, take);
            n += take;
            s += take;
        }
        else {
            buf[n++] = (char)(0xC0 | (s[0] >> 6));
            buf[n++] = (char)(0x80 | (s[0] & 0x3F));
            s++;
        }
    }
    buf[n] = '\0';
    j = json_object_new_string_len(buf, (int)n);
    free(buf);
    return j;
}

static json_object *scan_json_missing(const netexe_ac_signature *s)
{
    json_object *list = json_object_new_array();
    unsigned k;

    for (k = 0; s && list && k < s->missing_count; k++) {
        json_object *m = json_object_new_object();
        if (!m)
            break;
        json_object_object_add(m, "dn", scan_json_text(s->missing[k].dn, 0));
        json_object_object_add(m, "found_in", scan_json_text(s->missing[k].found_in, 1));
        json_object_array_add(list, m);
    }
    return list;
}

static json_object *scan_json_signature(const netexe_ac_result *r, unsigned i)
{
    const netexe_ac_signature *s = &r->sig[i];
    int inc = s->state == NETEXE_AC_INCOMPLETE;
    json_object *j = json_object_new_object();

    if (!j)
        return NULL;
    json_object_object_add(j, "index", json_object_new_int((int)i + 1));
    json_object_object_add(j, "depth", json_object_new_int((int)s->depth));
    json_object_object_add(j, "kind", json_object_new_string(netexe_ac_kind_name(s->kind)));
    json_object_object_add(j, "stamps", s->kind == NETEXE_AC_SIGNATURE ? NULL
                           : json_object_new_int((int)s->stamps + 1));
    json_object_object_add(j, "digest", scan_json_text(s->digest, 1));
    json_object_object_add(j, "state", json_object_new_string(netexe_ac_state_name(s->state)));
    json_object_object_add(j, "certificates", json_object_new_int((int)s->certificates));
    json_object_object_add(j, "signer", scan_json_text(s->signer, 1));
    json_object_object_add(j, "missing_issuer", inc ? scan_json_text(s->missing_issuer, 1) : NULL);
    json_object_object_add(j, "aia", inc ? scan_json_text(s->aia_uri, 1) : NULL);
    json_object_object_add(j, "missing", scan_json_missing(inc ? s : NULL));
    json_object_object_add(j, "reason", scan_json_text(s->reason, 1));
    return j;
}

/* One object per file.  r is the input's check, or the copy's when rep
 * says it was repaired; rep is NULL without --repair or when nothing was
 * to be done. */
static void scan_print_json(const char *path, const netexe_ac_result *r,
                            const netexe_ac_repair *rep, const char *out_path)
{
    const netexe_ac_signature *worst = netexe_ac_worst(r);
    int inc = r->state == NETEXE_AC_INCOMPLETE && worst;
    json_object *j = json_object_new_object(), *sigs, *fix = NULL;
    char state[32];
    unsigned i;

    if (!j)
        return;
    snprintf(state, sizeof(state), "%s%s",
             r->state == NETEXE_AC_UNSIGNED ? "" : "signed:",
             netexe_ac_state_name(r->state));
    json_object_object_add(j, "path", scan_json_text(path, 0));
    json_object_object_add(j, "image", json_object_new_string(scan_kind(r)));
    json_object_object_add(j, "machine", json_object_new_string(pe_machine_name(r->pe.machine)));
    json_object_object_add(j, "type", json_object_new_string(scan_type(r)));
    json_object_object_add(j, "state", json_object_new_string(state));
    json_object_object_add(j, "timestamp", json_object_new_boolean(
                           inc && worst->kind != NETEXE_AC_SIGNATURE));
    json_object_object_add(j, "missing_issuer", inc ? scan_json_text(worst->missing_issuer, 1) : NULL);
    json_object_object_add(j, "aia", inc ? scan_json_text(worst->aia_uri, 1) : NULL);
    json_object_object_add(j, "missing", scan_json_missing(inc ? worst : NULL));
    json_object_object_add(j, "reason", inc ? NULL : scan_json_text(scan_reason(r, worst), 1));
    if (rep) {
        json_object *added = json_object_new_array();
        fix = json_object_new_object();
        if (fix) {
            int done = rep->outcome == NETEXE_AC_REPAIR_DONE;
            for (i = 0; added && done && i < rep->added && i < NETEXE_AC_MAX_ADDED; i++)
                json_object_array_add(added, scan_json_text(rep->added_dn[i], 0));
            json_object_object_add(fix, "outcome", json_object_new_string(
                                   done ? "repaired" : "refused"));
            json_object_object_add(fix, "output", done ? scan_json_text(out_path, 1) : NULL);
            json_object_object_add(fix, "added", added);
            json_object_object_add(fix, "reason", done ? NULL : scan_json_text(rep->why, 1));
        }
        else {
            json_object_put(added);
        }
    }
    json_object_object_add(j, "repair", fix);
    sigs = json_object_new_array();
    for (i = 0; sigs && i < r->count; i++)
        json_object_array_add(sigs, scan_json_signature(r, i));
    json_object_object_add(j, "signatures", sigs);
    puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                           JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
}

/* ---- repair ------------------------------------------------------------- */

/* dir + "/" + rel, malloc'd. */
static char *scan_join(const char *dir, const char *rel)
{
    size_t dlen = strlen(dir), rlen = strlen(rel);
    char *out = malloc(dlen + rlen + 2);

    if (!out)
        return NULL;
    memcpy(out, dir, dlen);
    if (dlen > 0 && dir[dlen - 1] == '/')
        dlen--;
    out[dlen] = '/';
    memcpy(out + dlen + 1, rel, rlen + 1);
    return out;
}

/* mkdir -p of every directory above the last '/' of path. */
static int scan_make_parents(char *path)
{
    char *p;

    for (p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

/* Writes the repaired copy of the file open on fd to repair_dir/rel
 * through a temporary file in the same directory, renamed into place only
 * when the copy checks complete.  Returns 0 with o->rep filled (the
 * outcome says what happened), -1 after reporting an I/O error. */
static int scan_repair(scan_opts *o, const char *path, const char *rel, int fd,
                       const struct stat *st, char **out_path)
{
    char *out = scan_join(o->repair_dir, rel), *tmp = NULL, *slash;
    struct stat there;
    int tfd = -1, rc = -1;

    *out_path = NULL;
    if (!out) {
        scan_error(o, path, strerror(ENOMEM));
        return -1;
    }
    if (stat(out, &there) == 0 && there.st_dev == st->st_dev &&
        there.st_ino == st->st_ino) {
        scan_error(o, path, "the repaired copy would replace the input (choose another --repair DIR)");
        goto done;
    }
    if (scan_make_parents(out) != 0) {
        scan_error(o, out, strerror(errno));
        goto done;
    }
    slash = strrchr(out, '/');
    tmp = malloc((size_t)(slash - out) + sizeof("/" SCAN_TEMP_NAME));
    if (!tmp) {
        scan_error(o, path, strerror(ENOMEM));
        goto done;
    }
    memcpy(tmp, out, (size_t)(slash - out));
    memcpy(tmp + (slash - out), "/" SCAN_TEMP_NAME, sizeof("/" SCAN_TEMP_NAME));
    tfd = mkstemp(tmp);
    if (tfd < 0) {
        scan_error(o, out, strerror(errno));
        goto done;
    }
    if (netexe_ac_repair_fd(fd, (uint64_t)st->st_size, tfd, o->roots, o->certs,
                            o->rep) != 0) {
        scan_error(o, path, strerror(errno));
        goto done;
    }
    if (o->rep->outcome != NETEXE_AC_REPAIR_DONE) {
        rc = 0;
        goto done;
    }
    if (fchmod(tfd, st->st_mode & 0777) != 0 || close(tfd) != 0) {
        tfd = -1;
        scan_error(o, out, strerror(errno));
        goto done;
    }
    tfd = -1;
    if (rename(tmp, out) != 0) {
        scan_error(o, out, strerror(errno));
        goto done;
    }
    free(tmp);
    tmp = NULL;
    *out_path = out;
    out = NULL;
    rc = 0;
done:
    if (tfd >= 0)
        close(tfd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(out);
    return rc;
}

/* ---- the walk ----------------------------------------------------------- */

static void scan_file(scan_opts *o, const char *path, const char *rel)
{
    netexe_ac_result *r = &o->rep->before;
    const netexe_ac_repair *shown = NULL;
    char *out_path = NULL;
    struct stat st;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        scan_error(o, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        scan_error(o, path, "not a regular file");
        close(fd);
        return;
    }
    if (netexe_ac_check_fd_certs(fd, (uint64_t)st.st_size, o->roots, o->certs,
                                 0, r) != 0) {
        scan_error(o, path, strerror(errno));
        close(fd);
        return;
    }
    if (r->state == NETEXE_AC_NOT_PE ||
        (o->clr_only && r->pe.verdict != PE_CLR)) {
        close(fd);
        return;
    }
    if (o->repair_dir && r->state > NETEXE_AC_COMPLETE) {
        o->rep->outcome = netexe_ac_repairable(r, o->rep->why, sizeof(o->rep->why));
        if (o->rep->outcome == NETEXE_AC_REPAIR_DONE &&
            scan_repair(o, path, rel, fd, &st, &out_path) != 0) {
            close(fd);
            return;
        }
        shown = o->rep;
    }
    close(fd);

    if (shown && shown->outcome == NETEXE_AC_REPAIR_DONE) {
        r = &o->rep->after;
        if (o->json)
            scan_print_json(path, r, shown, out_path);
        else
            scan_print_text(path, r, shown);
    }
    else {
        if (o->json)
            scan_print_json(path, r, shown, NULL);
        else
            scan_print_text(path, r, NULL);
        if (shown && shown->outcome == NETEXE_AC_REPAIR_REFUSED)
            fprintf(stderr, "netexe-scan: %s: not repaired: %s\n", path, shown->why);
        if (r->state > NETEXE_AC_COMPLETE)
            scan_finding(o);
    }
    free(out_path);
}

static void scan_dir(scan_opts *o, const char *path, const char *rel, int depth);

/* A directory entry met during a walk. */
static void scan_entry(scan_opts *o, const char *path, const char *rel, int depth)
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
    if (S_ISDIR(st.st_mode)) {
        /* The copies are not inputs. */
        if (o->repair_dir && st.st_dev == o->repair_st.st_dev &&
            st.st_ino == o->repair_st.st_ino)
            return;
        scan_dir(o, path, rel, depth + 1);
    }
    else if (S_ISREG(st.st_mode)) {
        scan_file(o, path, rel);
    }
}

static void scan_dir(scan_opts *o, const char *path, const char *rel, int depth)
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
        char *child = NULL, *child_rel = NULL;

        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            /* "dir/" given on the command line stays "dir/x", not "dir//x". */
            child = scan_join(path, name);
            child_rel = rel[0] ? scan_join(rel, name) : strdup(name);
            if (!child || !child_rel)
                scan_error(o, path, strerror(ENOMEM));
            else
                scan_entry(o, child, child_rel, depth);
        }
        free(child);
        free(child_rel);
        free(names[i]);
    }
    free(names);
}

/* A command-line argument: followed wherever it points. */
static void scan_arg(scan_opts *o, const char *path)
{
    struct stat st;
    const char *base;

    if (stat(path, &st) != 0) {
        scan_error(o, path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        scan_dir(o, path, "", 0);
    }
    else if (S_ISREG(st.st_mode)) {
        base = strrchr(path, '/');
        scan_file(o, path, base ? base + 1 : path);
    }
    else {
        scan_error(o, path, "not a regular file or directory");
    }
}

/* The value of --name VALUE or --name=VALUE at argv[*i], or NULL. */
static const char *scan_option(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strcmp(a, name) == 0 && *i + 1 < argc)
        return argv[++*i];
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    return NULL;
}

int main(int argc, char **argv)
{
    scan_opts o;
    netexe_ac_roots *roots = NULL;
    netexe_ac_certs *certs = NULL;
    const char *v;
    char err[512];
    int i, first = argc, status;

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
            status = SCAN_EXIT_OK;
            goto done;
        }
        else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        }
        else if (strcmp(a, "--clr-only") == 0) {
            o.clr_only = 1;
        }
        else if ((v = scan_option(argc, argv, &i, "--roots")) != NULL) {
            netexe_ac_roots_free(roots);
            roots = netexe_ac_roots_load(v, err, sizeof(err));
            if (!roots) {
                fprintf(stderr, "netexe-scan: --roots: %s\n", err);
                status = SCAN_EXIT_ERROR;
                goto done;
            }
        }
        else if ((v = scan_option(argc, argv, &i, "--certs")) != NULL) {
            if (!certs && !(certs = netexe_ac_certs_new())) {
                fprintf(stderr, "netexe-scan: --certs: %s\n", strerror(ENOMEM));
                status = SCAN_EXIT_ERROR;
                goto done;
            }
            if (netexe_ac_certs_add(certs, v, err, sizeof(err)) < 0) {
                fprintf(stderr, "netexe-scan: --certs: %s\n", err);
                status = SCAN_EXIT_ERROR;
                goto done;
            }
        }
        else if ((v = scan_option(argc, argv, &i, "--repair")) != NULL) {
            o.repair_dir = v;
        }
        else {
            fprintf(stderr, "netexe-scan: unknown or incomplete option '%s'\n", a);
            scan_usage(stderr);
            status = SCAN_EXIT_ERROR;
            goto done;
        }
    }
    if (first >= argc) {
        fputs("netexe-scan: no PATH given\n", stderr);
        scan_usage(stderr);
        status = SCAN_EXIT_ERROR;
        goto done;
    }
    if (o.repair_dir) {
        /* DIR is made when missing, as its subdirectories are later. */
        char *probe = scan_join(o.repair_dir, "x");
        int bad = !probe ? ENOMEM
                  : scan_make_parents(probe) != 0 ||
                    stat(o.repair_dir, &o.repair_st) != 0 ? errno
                  : !S_ISDIR(o.repair_st.st_mode) ? ENOTDIR : 0;
        if (bad) {
            fprintf(stderr, "netexe-scan: --repair: %s: %s\n", o.repair_dir,
                    strerror(bad));
            free(probe);
            status = SCAN_EXIT_ERROR;
            goto done;
        }
        free(probe);
    }
    o.rep = malloc(sizeof(*o.rep));
    if (!o.rep) {
        fprintf(stderr, "netexe-scan: %s\n", strerror(ENOMEM));
        status = SCAN_EXIT_ERROR;
        goto done;
    }
    o.roots = roots;
    o.certs = certs;
    for (i = first; i < argc; i++)
        scan_arg(&o, argv[i]);
    status = o.status;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "netexe-scan: writing the report: %s\n", strerror(errno));
        status = SCAN_EXIT_ERROR;
    }
done:
    free(o.rep);
    netexe_ac_certs_free(certs);
    netexe_ac_roots_free(roots);
    return status;
}
