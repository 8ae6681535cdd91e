/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_authenticode.c -- the Authenticode checker on images signed at test
 * time by osslsigncode with a test PKI made by openssl (tests/support/
 * sigfix.c), on damaged copies of them, and on the signed EFI images of
 * Debian's shim-signed and grub-efi-amd64-signed packages
 * ($FIXTURE_CACHE, build-aux/fetch-debs.sh).  Digest verdicts are
 * cross-checked with `osslsigncode verify`, embedded certificates with
 * `openssl pkcs7 -print_certs`.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "authenticode.h"
#include "pebuild.h"
#include "sigfix.h"

#define PATH_BYTES          4096
#define OUTPUT_BYTES        65536
#define DEFAULT_CACHE       "build/cache"
#define WIN_CERT_HEADER     8u
#define MACHINE_AMD64       0x8664u

/* Made once per suite (unchecked fixture) and read by every test. */
static char fixdir[PATH_BYTES];

static void fixtures_up(void)
{
    char err[512];

    ck_assert_int_eq(sigfix_tempdir("auth", fixdir, sizeof fixdir), 0);
    ck_assert_msg(sigfix_build(fixdir, err, sizeof err) == 0,
                  "fixtures in %s: %s", fixdir, err);
}

/* The Debian cases need only a scratch directory. */
static void scratch_up(void)
{
    ck_assert_int_eq(sigfix_tempdir("auth-rw", fixdir, sizeof fixdir), 0);
}

static void fixtures_down(void)
{
    sigfix_rmtree(fixdir);
}

static const char *fx(const char *name)
{
    static char path[PATH_BYTES];
    int n = snprintf(path, sizeof path, "%s/%s", fixdir, name);

    ck_assert(n > 0 && (size_t)n < sizeof path);
    return path;
}

static netexe_ac_roots *load_root(void)
{
    char err[512];
    netexe_ac_roots *roots = netexe_ac_roots_load(fx("root.pem"), err, sizeof err);

    ck_assert_msg(roots != NULL, "%s", err);
    ck_assert_uint_eq(netexe_ac_roots_count(roots), 1);
    return roots;
}

/* Checks a fixture by path and, from memory, by buffer: both must agree. */
static void check_both(const char *name, const netexe_ac_roots *roots,
                       netexe_ac_result *res)
{
    netexe_ac_result mem;
    unsigned char *img;
    size_t len;
    unsigned i;

    ck_assert_msg(netexe_ac_check_path(fx(name), roots, 0, res) == 0,
                  "%s: %s", name, strerror(errno));
    img = sigfix_read(fx(name), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_check_buffer(img, len, roots, 0, &mem), 0);
    free(img);
    ck_assert_int_eq(mem.state, res->state);
    ck_assert_uint_eq(mem.count, res->count);
    for (i = 0; i < res->count; i++) {
        ck_assert_int_eq(mem.sig[i].state, res->sig[i].state);
        ck_assert_str_eq(mem.sig[i].missing_issuer, res->sig[i].missing_issuer);
        ck_assert_str_eq(mem.sig[i].aia_uri, res->sig[i].aia_uri);
    }
}

/* What `osslsigncode verify` says of the image hash: 1 it matches, 0 it
 * does not, -1 it did not compute one. */
static int osslsigncode_digest_ok(const char *path)
{
    char cmd[PATH_BYTES + 64], line[1024];
    int computed = 0, mismatch = 0;
    FILE *p;

    snprintf(cmd, sizeof cmd, "osslsigncode verify -in '%s' 2>&1", path);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, "Calculated message digest"))
            computed = 1;
        if (strstr(line, "MISMATCH") && strstr(line, "Calculated message digest"))
            mismatch = 1;
    }
    pclose(p);
    return computed ? !mismatch : -1;
}

START_TEST(test_unsigned_image_is_unsigned)
{
    netexe_ac_result r;

    check_both("unsigned.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_UNSIGNED);
    ck_assert_int_eq(r.pe.verdict, PE_CLR);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_ptr_null(netexe_ac_worst(&r));
}
END_TEST

START_TEST(test_leaf_only_is_incomplete_naming_the_intermediate_and_its_uri)
{
    netexe_ac_result r;
    const netexe_ac_signature *w;

    check_both("leaf.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
    ck_assert_uint_eq(r.count, 1);
    w = netexe_ac_worst(&r);
    ck_assert_ptr_eq(w, &r.sig[0]);
    ck_assert_str_eq(w->missing_issuer, SIGFIX_INTER_DN);
    ck_assert_str_eq(w->aia_uri, SIGFIX_LEAF_AIA);
    ck_assert_str_eq(w->signer, SIGFIX_LEAF_DN);
    ck_assert_str_eq(w->digest, "sha256");
    ck_assert_uint_eq(w->certificates, 1);
    ck_assert_uint_eq(w->depth, 0);
    ck_assert_ptr_null(w->reason);
}
END_TEST

START_TEST(test_leaf_only_stays_incomplete_with_roots)
{
    netexe_ac_roots *roots = load_root();
    netexe_ac_result r;

    check_both("leaf.exe", roots, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
    ck_assert_str_eq(r.sig[0].missing_issuer, SIGFIX_INTER_DN);
    netexe_ac_roots_free(roots);
}
END_TEST

START_TEST(test_leaf_and_intermediate_without_roots_names_the_root)
{
    netexe_ac_result r;

    check_both("inter.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
    ck_assert_uint_eq(r.sig[0].certificates, 2);
    ck_assert_str_eq(r.sig[0].missing_issuer, SIGFIX_ROOT_DN);
    ck_assert_str_eq(r.sig[0].aia_uri, SIGFIX_INTER_AIA);
}
END_TEST

START_TEST(test_leaf_and_intermediate_with_roots_is_complete)
{
    netexe_ac_roots *roots = load_root();
    netexe_ac_result r;

    check_both("inter.exe", roots, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    ck_assert_str_eq(r.sig[0].missing_issuer, "");
    ck_assert_str_eq(r.sig[0].aia_uri, "");
    netexe_ac_roots_free(roots);
}
END_TEST

START_TEST(test_chain_with_root_is_complete_without_roots)
{
    netexe_ac_result r;

    check_both("full.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    ck_assert_uint_eq(r.count, 1);
    ck_assert_uint_eq(r.sig[0].certificates, 3);
    ck_assert_str_eq(r.sig[0].signer, SIGFIX_LEAF_DN);
}
END_TEST

START_TEST(test_pe32plus_dll_signature_is_complete)
{
    netexe_ac_result r;

    check_both("native64.dll", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    ck_assert_int_eq(r.pe.verdict, PE_NATIVE);
    ck_assert_uint_eq(r.pe.machine, MACHINE_AMD64);
    ck_assert_int_eq(pe_is_dll(&r.pe), 1);
}
END_TEST

START_TEST(test_changed_section_byte_is_bad_digest)
{
    netexe_ac_result r;

    check_both("bad-digest.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_BAD_DIGEST);
    ck_assert_int_eq(r.sig[0].state, NETEXE_AC_BAD_DIGEST);
    ck_assert_str_eq(r.sig[0].reason, "image hash differs from the signed hash");
}
END_TEST

/* The hash of a file longer than one read block is streamed: the same
 * answer from pread() blocks as from memory (check_both), and a byte in
 * the middle counts. */
START_TEST(test_big_image_is_hashed_across_blocks)
{
    netexe_ac_result r;

    check_both("big.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    check_both("big-bad-digest.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_BAD_DIGEST);
}
END_TEST

/* NETEXE_AC_NO_DIGEST: the chain is judged without hashing the image, and
 * only the headers and the table are read: a size claimed far beyond the
 * file's end is never noticed. */
START_TEST(test_no_digest_skips_the_image_hash_and_reads_only_the_table)
{
    netexe_ac_result r;
    struct stat st;
    int fd;

    ck_assert_int_eq(netexe_ac_check_path(fx("bad-digest.exe"), NULL,
                                          NETEXE_AC_NO_DIGEST, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    ck_assert_int_eq(netexe_ac_check_path(fx("leaf.exe"), NULL,
                                          NETEXE_AC_NO_DIGEST, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
    ck_assert_str_eq(r.sig[0].missing_issuer, SIGFIX_INTER_DN);

    fd = open(fx("full.exe"), O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(netexe_ac_check_fd(fd, (uint64_t)st.st_size + 4096, NULL,
                                        NETEXE_AC_NO_DIGEST, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    close(fd);
}
END_TEST

/* Table-driven: our digest verdict against osslsigncode's on each file. */
static const char *const digest_files[] = {
    "leaf.exe", "inter.exe", "full.exe", "nested.exe", "bad-digest.exe",
    "native64.dll", "big.exe", "big-bad-digest.exe"
};

START_TEST(test_digest_verdict_agrees_with_osslsigncode)
{
    const char *name = digest_files[_i];
    netexe_ac_result r;
    int ours, theirs;

    ck_assert_int_eq(netexe_ac_check_path(fx(name), NULL, 0, &r), 0);
    ours = r.state != NETEXE_AC_BAD_DIGEST;
    theirs = osslsigncode_digest_ok(fx(name));
    ck_assert_msg(theirs >= 0, "%s: osslsigncode computed no digest", name);
    ck_assert_msg(ours == theirs, "%s: ours %s, osslsigncode %s", name,
                  netexe_ac_state_name(r.state), theirs ? "match" : "mismatch");
}
END_TEST

START_TEST(test_nested_signatures_are_each_reported)
{
    netexe_ac_roots *roots = load_root();
    netexe_ac_result r;

    check_both("nested.exe", roots, &r);
    ck_assert_uint_eq(r.count, 2);
    ck_assert_uint_eq(r.sig[0].depth, 0);
    ck_assert_str_eq(r.sig[0].digest, "sha256");
    ck_assert_int_eq(r.sig[0].state, NETEXE_AC_COMPLETE);
    ck_assert_uint_eq(r.sig[1].depth, 1);
    ck_assert_str_eq(r.sig[1].digest, "sha1");
    ck_assert_int_eq(r.sig[1].state, NETEXE_AC_INCOMPLETE);
    ck_assert_str_eq(r.sig[1].missing_issuer, SIGFIX_INTER_DN);
    ck_assert_str_eq(r.sig[1].aia_uri, SIGFIX_LEAF_AIA);
    /* The file is as bad as its worst signature, and that one is named. */
    ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
    ck_assert_ptr_eq(netexe_ac_worst(&r), &r.sig[1]);
    netexe_ac_roots_free(roots);
}
END_TEST

START_TEST(test_table_past_end_of_file_is_malformed)
{
    netexe_ac_result r;

    check_both("past-end.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_MALFORMED);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_str_eq(r.reason, "certificate table extends past the end of the file");
}
END_TEST

START_TEST(test_truncated_pkcs7_is_malformed)
{
    netexe_ac_result r;

    check_both("truncated.exe", NULL, &r);
    ck_assert_int_eq(r.state, NETEXE_AC_MALFORMED);
    ck_assert_uint_eq(r.count, 1);
    ck_assert_str_eq(r.sig[0].reason, "PKCS#7 does not decode");
}
END_TEST

/* Every prefix of a signed image that cuts its certificate table is a
 * table running past the end of the file: malformed, never a crash. */
START_TEST(test_every_cut_through_the_table_is_malformed)
{
    unsigned char *img;
    size_t len, off, blob, cut;
    netexe_ac_result r;

    img = sigfix_read(fx("nested.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_COMPLETE);
    for (cut = off - WIN_CERT_HEADER; cut < len; cut++) {
        ck_assert_int_eq(netexe_ac_check_buffer(img, cut, NULL, 0, &r), 0);
        ck_assert_int_eq(r.state, NETEXE_AC_MALFORMED);
    }
    free(img);
}
END_TEST

/* A WIN_CERTIFICATE whose dwLength lies, each way. */
static const uint32_t lying_lengths[] = { 0, 4, 7, 0x7FFFFFFFu };

START_TEST(test_entry_length_that_lies_is_malformed)
{
    unsigned char *img;
    size_t len, off, blob;
    netexe_ac_result r;
    uint32_t v = lying_lengths[_i];
    unsigned char *hdr;

    img = sigfix_read(fx("full.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_COMPLETE);
    hdr = img + off - WIN_CERT_HEADER;
    hdr[0] = (unsigned char)v;
    hdr[1] = (unsigned char)(v >> 8);
    hdr[2] = (unsigned char)(v >> 16);
    hdr[3] = (unsigned char)(v >> 24);
    ck_assert_int_eq(netexe_ac_check_buffer(img, len, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_MALFORMED);
    ck_assert_str_eq(r.reason, "certificate table entry length is outside the table");
    free(img);
}
END_TEST

/* Damage to data directory 4 or the first WIN_CERTIFICATE header of
 * full.exe, and the reason the checker gives. */
typedef struct {
    int field;          /* 0: dir 4 VirtualAddress, 1: dir 4 Size,
                           2: wRevision, 3: wCertificateType */
    uint32_t value;
    netexe_ac_state state;
    const char *reason;
} table_damage;

static const table_damage damages[] = {
    { 0, 0, NETEXE_AC_MALFORMED,
      "certificate table entry has only an offset or only a size" },
    { 1, 0, NETEXE_AC_MALFORMED,
      "certificate table entry has only an offset or only a size" },
    { 0, 0x40, NETEXE_AC_MALFORMED, "certificate table overlaps the PE headers" },
    { 1, 4, NETEXE_AC_MALFORMED, "certificate table is shorter than one entry" },
    { 0, 0xFFFFFFF8u, NETEXE_AC_MALFORMED,
      "certificate table extends past the end of the file" },
    { 2, 0x0100, NETEXE_AC_MALFORMED,
      "PKCS#7 entry with an unknown WIN_CERTIFICATE revision" },
    { 3, 0x0001, NETEXE_AC_MALFORMED,
      "no PKCS#7 signature in the certificate table" },
};

START_TEST(test_damaged_table_is_malformed_with_its_reason)
{
    const table_damage *d = &damages[_i];
    pebuild_spec spec;
    unsigned char *img, *at;
    size_t len, off, blob, dir4;
    netexe_ac_result r;

    pebuild_spec_init(&spec);
    dir4 = pebuild_dir_offset(&spec, 4);
    img = sigfix_read(fx("full.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_COMPLETE);
    switch (d->field) {
    case 0:  at = img + dir4; break;
    case 1:  at = img + dir4 + 4; break;
    case 2:  at = img + off - WIN_CERT_HEADER + 4; break;
    default: at = img + off - WIN_CERT_HEADER + 6; break;
    }
    at[0] = (unsigned char)d->value;
    at[1] = (unsigned char)(d->value >> 8);
    if (d->field < 2) {
        at[2] = (unsigned char)(d->value >> 16);
        at[3] = (unsigned char)(d->value >> 24);
    }
    ck_assert_int_eq(netexe_ac_check_buffer(img, len, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, d->state);
    ck_assert_str_eq(r.reason, d->reason);
    free(img);
}
END_TEST

/* Bytes appended behind the certificate table are not covered by the
 * signature: the image hash includes them, so they show. */
START_TEST(test_bytes_after_the_table_are_hashed)
{
    unsigned char *img, *longer;
    size_t len;
    netexe_ac_result r;

    img = sigfix_read(fx("full.exe"), &len);
    ck_assert_ptr_nonnull(img);
    longer = calloc(1, len + 8);
    ck_assert_ptr_nonnull(longer);
    memcpy(longer, img, len);
    ck_assert_int_eq(netexe_ac_check_buffer(longer, len, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    ck_assert_int_eq(netexe_ac_check_buffer(longer, len + 8, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_BAD_DIGEST);
    free(longer);
    free(img);
}
END_TEST

/* A broken RSA signature over intact content: the signed bytes do not
 * verify, which the checker reports as bad-digest. */
START_TEST(test_broken_pkcs7_signature_is_bad_digest)
{
    unsigned char *img;
    const unsigned char *p;
    size_t len, off, blob;
    netexe_ac_result r;
    PKCS7 *p7;
    long der;

    img = sigfix_read(fx("full.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_COMPLETE);
    /* Without unauthenticated attributes the encrypted digest is the last
     * thing in the DER. */
    p = img + off;
    p7 = d2i_PKCS7(NULL, &p, (long)blob);
    ck_assert_ptr_nonnull(p7);
    der = (long)(p - (img + off));
    PKCS7_free(p7);
    img[off + (size_t)der - 10] ^= 0x01;
    ck_assert_int_eq(netexe_ac_check_buffer(img, len, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_BAD_DIGEST);
    ck_assert_str_eq(r.sig[0].reason,
                     "PKCS#7 signature does not verify with the signer's certificate");
    /* Not a question of the image hash: found without it too. */
    ck_assert_int_eq(netexe_ac_check_buffer(img, len, NULL, NETEXE_AC_NO_DIGEST, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_BAD_DIGEST);
    free(img);
}
END_TEST

START_TEST(test_locator_finds_the_pkcs7_blob)
{
    unsigned char *img;
    size_t len, off, blob;

    img = sigfix_read(fx("inter.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_COMPLETE);
    ck_assert_uint_eq(img[off], 0x30);          /* a DER SEQUENCE */
    ck_assert_uint_eq(off + blob, len);         /* the table is last */
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 1, &off, &blob),
                     NETEXE_AC_UNSIGNED);
    free(img);
    img = sigfix_read(fx("unsigned.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_UNSIGNED);
    free(img);
}
END_TEST

START_TEST(test_not_pe_and_empty_inputs)
{
    netexe_ac_result r;
    static const unsigned char text[] = "MZ but nothing else";

    ck_assert_int_eq(netexe_ac_check_buffer(NULL, 0, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_NOT_PE);
    ck_assert_int_eq(netexe_ac_check_buffer(text, sizeof text - 1, NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_NOT_PE);
    ck_assert_int_eq(netexe_ac_check_path(fx("notes.txt"), NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_NOT_PE);
}
END_TEST

START_TEST(test_unreadable_inputs_are_errors)
{
    netexe_ac_result r;

    errno = 0;
    ck_assert_int_eq(netexe_ac_check_path(fx("no-such-file"), NULL, 0, &r), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(netexe_ac_check_path(fixdir, NULL, 0, &r), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A file that shrinks between fstat and the reads is an I/O error. */
START_TEST(test_fd_shorter_than_claimed_is_an_error)
{
    netexe_ac_result r;
    struct stat st;
    int fd = open(fx("full.exe"), O_RDONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    errno = 0;
    ck_assert_int_eq(netexe_ac_check_fd(fd, (uint64_t)st.st_size + 4096, NULL, 0, &r), -1);
    ck_assert_int_eq(errno, EIO);
    close(fd);
}
END_TEST

START_TEST(test_roots_load_reports_errors)
{
    char err[512];

    ck_assert_ptr_null(netexe_ac_roots_load(fx("no-such.pem"), err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "no-such.pem"));
    ck_assert_ptr_null(netexe_ac_roots_load(fx("notes.txt"), err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "holds no PEM certificate"));
    ck_assert_uint_eq(netexe_ac_roots_count(NULL), 0);
}
END_TEST

/* Threads share one roots object and check files at the same time, as
 * httpd's workers do; every answer is the single-threaded one. */
#define THREADS             4
#define CHECKS_PER_THREAD   25

typedef struct {
    const netexe_ac_roots *roots;
    char path[PATH_BYTES];
    int wrong;
} thread_job;

static void *check_repeatedly(void *arg)
{
    thread_job *job = arg;
    netexe_ac_result r;
    int i;

    for (i = 0; i < CHECKS_PER_THREAD; i++) {
        if (netexe_ac_check_path(job->path, job->roots, 0, &r) != 0 ||
            r.state != NETEXE_AC_INCOMPLETE || r.count != 2 ||
            r.sig[0].state != NETEXE_AC_COMPLETE ||
            strcmp(r.sig[1].missing_issuer, SIGFIX_INTER_DN) != 0)
            job->wrong++;
    }
    return NULL;
}

START_TEST(test_threads_share_roots)
{
    netexe_ac_roots *roots = load_root();
    pthread_t tid[THREADS];
    thread_job jobs[THREADS];
    int i;

    for (i = 0; i < THREADS; i++) {
        jobs[i].roots = roots;
        jobs[i].wrong = 0;
        snprintf(jobs[i].path, sizeof jobs[i].path, "%s", fx("nested.exe"));
        ck_assert_int_eq(pthread_create(&tid[i], NULL, check_repeatedly, &jobs[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
        ck_assert_int_eq(jobs[i].wrong, 0);
    }
    netexe_ac_roots_free(roots);
}
END_TEST

START_TEST(test_state_names)
{
    ck_assert_str_eq(netexe_ac_state_name(NETEXE_AC_NOT_PE), "not-pe");
    ck_assert_str_eq(netexe_ac_state_name(NETEXE_AC_UNSIGNED), "unsigned");
    ck_assert_str_eq(netexe_ac_state_name(NETEXE_AC_COMPLETE), "complete");
    ck_assert_str_eq(netexe_ac_state_name(NETEXE_AC_INCOMPLETE), "incomplete");
    ck_assert_str_eq(netexe_ac_state_name(NETEXE_AC_BAD_DIGEST), "bad-digest");
    ck_assert_str_eq(netexe_ac_state_name(NETEXE_AC_MALFORMED), "malformed");
}
END_TEST

/* ---- real signed images from Debian ------------------------------------ */

typedef struct {
    const char *package;
    const char *file;           /* relative to the package root */
    int top_level;              /* WIN_CERTIFICATE entries with a PKCS#7 */
} signed_case;

static const signed_case debian_signed[] = {
    { "shim-signed", "usr/lib/shim/shimx64.efi.signed", 2 },
    { "grub-efi-amd64-signed",
      "usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed", 1 },
    { "grub-efi-amd64-signed",
      "usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed", 1 },
};

static const char *cache_dir(void)
{
    const char *c = getenv("FIXTURE_CACHE");

    return c && *c ? c : DEFAULT_CACHE;
}

/* The certificates `openssl pkcs7 -print_certs` finds in a DER blob, read
 * back from its PEM output. */
static STACK_OF(X509) *openssl_print_certs(const unsigned char *der, size_t len)
{
    char blob[PATH_BYTES], cmd[2 * PATH_BYTES], chunk[4096];
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *pem = BIO_new(BIO_s_mem());
    X509 *x;
    size_t n;
    FILE *p;
    int k = snprintf(blob, sizeof blob, "%s/blob.der", fixdir);

    ck_assert(k > 0 && (size_t)k < sizeof blob);
    ck_assert_ptr_nonnull(certs);
    ck_assert_ptr_nonnull(pem);
    ck_assert_int_eq(sigfix_write(blob, der, len), 0);
    snprintf(cmd, sizeof cmd,
             "openssl pkcs7 -inform DER -in '%s' -print_certs", blob);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ck_assert_int_eq(BIO_write(pem, chunk, (int)n), (int)n);
    ck_assert_int_eq(pclose(p), 0);
    while ((x = PEM_read_bio_X509(pem, NULL, NULL, NULL)) != NULL)
        ck_assert_int_gt(sk_X509_push(certs, x), 0);
    BIO_free(pem);
    return certs;
}

/* A name as the checker prints it (RFC 2253). */
static void rfc2253(const X509_NAME *name, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;

    ck_assert_ptr_nonnull(b);
    ck_assert_int_ge(X509_NAME_print_ex(b, name, 0,
                                        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB), 0);
    n = BIO_get_mem_data(b, &data);
    ck_assert_int_lt(n, (long)cap);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    BIO_free(b);
}

/* Which certificates openssl sees in the signature: as many as the
 * checker counted, the signer among them; for an incomplete chain, the
 * missing issuer is not among them but is the issuer of one of them. */
static void agree_with_openssl(const netexe_ac_signature *sig,
                               const unsigned char *der, size_t len)
{
    STACK_OF(X509) *certs = openssl_print_certs(der, len);
    char name[NETEXE_AC_TEXT_MAX * 2];
    int i, signer = 0, missing_subject = 0, missing_issuer = 0;

    ck_assert_int_eq(sk_X509_num(certs), (int)sig->certificates);
    for (i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        rfc2253(X509_get_subject_name(x), name, sizeof name);
        signer |= strcmp(name, sig->signer) == 0;
        missing_subject |= strcmp(name, sig->missing_issuer) == 0;
        rfc2253(X509_get_issuer_name(x), name, sizeof name);
        missing_issuer |= strcmp(name, sig->missing_issuer) == 0;
    }
    ck_assert_msg(signer, "signer %s not among openssl's certificates", sig->signer);
    if (sig->state == NETEXE_AC_INCOMPLETE) {
        ck_assert_msg(!missing_subject, "%s is embedded", sig->missing_issuer);
        ck_assert_msg(missing_issuer, "%s issued nothing embedded", sig->missing_issuer);
    }
    sk_X509_pop_free(certs, X509_free);
}

static const char *const embedded_files[] = {
    "leaf.exe", "inter.exe", "full.exe", "nested.exe", "native64.dll"
};

START_TEST(test_embedded_certificates_agree_with_openssl)
{
    const char *name = embedded_files[_i];
    netexe_ac_result r;
    unsigned char *img;
    size_t len, off, blob;

    check_both(name, NULL, &r);
    img = sigfix_read(fx(name), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, 0, &off, &blob),
                     NETEXE_AC_COMPLETE);
    agree_with_openssl(&r.sig[0], img + off, blob);
    free(img);
}
END_TEST

START_TEST(test_debian_signed_images_agree_with_openssl)
{
    const signed_case *c = &debian_signed[_i];
    char path[PATH_BYTES];
    netexe_ac_result r;
    unsigned char *img;
    size_t len, off, blob;
    unsigned i, top = 0;
    int theirs;

    snprintf(path, sizeof path, "%s/%s/%s", cache_dir(), c->package, c->file);
    if (access(path, R_OK) != 0) {
        printf("SKIPPED: %s: %s is not in the fixture cache %s "
               "(build-aux/fetch-debs.sh could not fetch it)\n",
               c->package, c->file, cache_dir());
        return;
    }
    ck_assert_int_eq(netexe_ac_check_path(path, NULL, 0, &r), 0);
    ck_assert_msg(r.state == NETEXE_AC_COMPLETE || r.state == NETEXE_AC_INCOMPLETE,
                  "%s: %s (%s)", path, netexe_ac_state_name(r.state),
                  r.reason ? r.reason : "");
    img = sigfix_read(path, &len);
    ck_assert_ptr_nonnull(img);
    for (i = 0; i < r.count; i++) {
        ck_assert_ptr_null(r.sig[i].reason);
        ck_assert_str_ne(r.sig[i].signer, "");
        if (r.sig[i].depth != 0 || r.sig[i].kind != NETEXE_AC_SIGNATURE)
            continue;
        ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, top, &off, &blob),
                         NETEXE_AC_COMPLETE);
        agree_with_openssl(&r.sig[i], img + off, blob);
        top++;
    }
    ck_assert_uint_eq(top, (unsigned)c->top_level);
    ck_assert_int_eq(netexe_ac_find_pkcs7(img, len, top, &off, &blob),
                     NETEXE_AC_UNSIGNED);
    free(img);
    /* osslsigncode reads one-entry tables only. */
    theirs = osslsigncode_digest_ok(path);
    if (theirs >= 0)
        ck_assert_int_eq(theirs, 1);
}
END_TEST

/* ---- the lookup pool and the repair ------------------------------------ */

/* The sigfix fixtures and the repair ones (timestamps, an EFI image...). */
static void repair_fixtures_up(void)
{
    char err[512];

    fixtures_up();
    ck_assert_msg(sigfix_build_repair(fixdir, err, sizeof err) == 0,
                  "repair fixtures in %s: %s", fixdir, err);
}

/* path = fixdir/name into out[PATH_BYTES]. */
static char *fx_in(char *out, const char *name)
{
    int n = snprintf(out, PATH_BYTES, "%s/%s", fixdir, name);

    ck_assert(n > 0 && n < PATH_BYTES);
    return out;
}

/* A pool of the named fixture files (NULL-terminated). */
static netexe_ac_certs *pool_of(const char *const *names)
{
    netexe_ac_certs *certs = netexe_ac_certs_new();
    char path[PATH_BYTES], err[512];

    ck_assert_ptr_nonnull(certs);
    for (; *names; names++)
        ck_assert_msg(netexe_ac_certs_add(certs, fx_in(path, *names), err, sizeof err) > 0,
                      "%s", err);
    return certs;
}

/* Runs a shell command made from fmt; its standard output into out[cap].
 * Returns the exit status. */
static int tool(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[4 * PATH_BYTES];
    size_t n = 0, got;
    va_list ap;
    FILE *p;
    int st, k;

    va_start(ap, fmt);
    k = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    ck_assert(k > 0 && (size_t)k < sizeof cmd);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (n + 1 < cap && (got = fread(out + n, 1, cap - 1 - n, p)) > 0)
        n += got;
    out[n] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value osslsigncode prints after "Calculated message digest : " for
 * the first signature, into hex[cap]. */
static void calculated_digest(const char *out, char *hex, size_t cap)
{
    const char *p = strstr(out, "Calculated message digest : ");
    size_t n = 0;

    ck_assert_msg(p != NULL, "no calculated digest in:\n%s", out);
    p += strlen("Calculated message digest : ");
    while (p[n] && p[n] != ' ' && p[n] != '\n' && n + 1 < cap)
        n++;
    memcpy(hex, p, n);
    hex[n] = '\0';
}

/* The bytes the signature says the copy must be: the same image hash
 * (computed here, from the specification), a correct PE checksum, a table
 * of 8-byte aligned WIN_CERTIFICATE entries filling directory 4 to the
 * end of the file, and bytes outside the table and the two rewritten
 * fields unchanged. */
static void same_image(const unsigned char *in, size_t in_len,
                       const unsigned char *out, size_t out_len)
{
    unsigned char d_in[32], d_out[32];
    uint32_t computed, stored;
    size_t off, blob, table, pos;
    netexe_ac_result r;

    ck_assert_int_eq(sigfix_digest(in, in_len, d_in), 0);
    ck_assert_int_eq(sigfix_digest(out, out_len, d_out), 0);
    ck_assert_msg(memcmp(d_in, d_out, sizeof d_in) == 0, "the image hash changed");
    ck_assert_int_eq(sigfix_checksum(out, out_len, &computed, &stored), 0);
    ck_assert_uint_eq(computed, stored);
    ck_assert_int_eq(netexe_ac_check_buffer(out, out_len, NULL, NETEXE_AC_NO_DIGEST, &r), 0);
    table = r.pe.cert_offset;
    ck_assert_uint_eq(table % 8, 0);
    ck_assert_uint_eq(table + r.pe.cert_size, out_len);
    for (pos = table; pos < out_len;) {
        uint32_t length = (uint32_t)out[pos] | (uint32_t)out[pos + 1] << 8 |
                          (uint32_t)out[pos + 2] << 16 | (uint32_t)out[pos + 3] << 24;
        ck_assert_uint_eq(length % 8, 0);
        ck_assert_uint_ge(length, WIN_CERT_HEADER);
        ck_assert_uint_eq(out[pos + 4] | out[pos + 5] << 8, 0x0200);
        pos += length;
    }
    ck_assert_uint_eq(pos, out_len);
    ck_assert_int_eq(netexe_ac_find_pkcs7(out, out_len, 0, &off, &blob), NETEXE_AC_COMPLETE);
    ck_assert_int_eq(memcmp(in, out, r.pe.checksum_offset), 0);
    ck_assert_int_eq(memcmp(in + r.pe.checksum_offset + 4, out + r.pe.checksum_offset + 4,
                            r.pe.cert_dir_offset + 4 - r.pe.checksum_offset - 4), 0);
    ck_assert_int_eq(memcmp(in + r.pe.cert_dir_offset + 8, out + r.pe.cert_dir_offset + 8,
                            table - r.pe.cert_dir_offset - 8), 0);
}

/* Repairs fixture name with the pool (and roots), in memory and through
 * files; both must give the same bytes, written to fixdir/fixed-<name>
 * (path in out_path).  The input file is left as it was. */
static void repair_fixture(const char *name, const netexe_ac_certs *certs,
                           const netexe_ac_roots *roots, netexe_ac_repair *rep,
                           char *out_path)
{
    char in_path[PATH_BYTES], fixed[PATH_BYTES];
    unsigned char *in, *out, *after, *from_fd;
    size_t in_len, out_len, after_len, fd_len;
    netexe_ac_repair *by_fd = malloc(sizeof *by_fd);
    struct stat st;
    int fd, ofd;

    ck_assert_ptr_nonnull(by_fd);
    fx_in(in_path, name);
    snprintf(fixed, sizeof fixed, "fixed-%s", name);
    fx_in(out_path, fixed);
    in = sigfix_read(in_path, &in_len);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(netexe_ac_repair_buffer(in, in_len, roots, certs, &out, &out_len, rep), 0);
    ck_assert_msg(rep->outcome == NETEXE_AC_REPAIR_DONE, "%s: not repaired: %s", name, rep->why);
    ck_assert_int_eq(rep->after.state, NETEXE_AC_COMPLETE);
    same_image(in, in_len, out, out_len);

    fd = open(in_path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ofd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(ofd, 0);
    ck_assert_int_eq(netexe_ac_repair_fd(fd, (uint64_t)st.st_size, ofd, roots, certs, by_fd), 0);
    ck_assert_int_eq(by_fd->outcome, NETEXE_AC_REPAIR_DONE);
    ck_assert_uint_eq(by_fd->added, rep->added);
    close(fd);
    close(ofd);
    from_fd = sigfix_read(out_path, &fd_len);
    ck_assert_ptr_nonnull(from_fd);
    ck_assert_uint_eq(fd_len, out_len);
    ck_assert_int_eq(memcmp(from_fd, out, out_len), 0);

    after = sigfix_read(in_path, &after_len);
    ck_assert_ptr_nonnull(after);
    ck_assert_uint_eq(after_len, in_len);
    ck_assert_int_eq(memcmp(after, in, in_len), 0);
    free(after);
    free(from_fd);
    free(out);
    free(in);
    free(by_fd);
}

START_TEST(test_certs_pool_reads_pem_der_and_directories)
{
    netexe_ac_certs *certs = netexe_ac_certs_new();
    char path[PATH_BYTES], err[512];

    ck_assert_ptr_nonnull(certs);
    ck_assert_int_eq(netexe_ac_certs_add(certs, fx_in(path, "chain3.pem"), err, sizeof err), 3);
    ck_assert_int_eq(netexe_ac_certs_add(certs, fx_in(path, "root.der"), err, sizeof err), 1);
    /* inter.pem, root.der and tsa-ca.pem; README holds none. */
    ck_assert_int_eq(netexe_ac_certs_add(certs, fx_in(path, "certs"), err, sizeof err), 3);
    ck_assert_uint_eq(netexe_ac_certs_count(certs), 7);
    ck_assert_int_eq(netexe_ac_certs_add(certs, fx_in(path, "notes.txt"), err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "holds no PEM or DER certificate"));
    ck_assert_int_eq(netexe_ac_certs_add(certs, fx_in(path, "no-such.pem"), err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no-such.pem"));
    ck_assert_uint_eq(netexe_ac_certs_count(certs), 7);
    ck_assert_uint_eq(netexe_ac_certs_count(NULL), 0);
    netexe_ac_certs_free(certs);
}
END_TEST

START_TEST(test_pool_names_the_file_each_missing_issuer_is_in)
{
    static const char *const inter_only[] = { "inter.pem", NULL };
    static const char *const both[] = { "inter.pem", "root.der", NULL };
    netexe_ac_certs *certs = pool_of(inter_only);
    netexe_ac_roots *roots = load_root();
    char path[PATH_BYTES];
    netexe_ac_result r;
    const netexe_ac_signature *s = &r.sig[0];

    ck_assert_int_eq(netexe_ac_check_path(fx("leaf.exe"), NULL, 0, &r), 0);
    ck_assert_uint_eq(s->missing_count, 1);
    ck_assert_ptr_null(s->missing[0].found_in);

    ck_assert_int_eq(netexe_ac_check_buffer_certs(NULL, 0, NULL, certs, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_NOT_PE);
    {
        unsigned char *img;
        size_t len;
        img = sigfix_read(fx("leaf.exe"), &len);
        ck_assert_ptr_nonnull(img);
        /* The intermediate is found; the root is then the issuer missing. */
        ck_assert_int_eq(netexe_ac_check_buffer_certs(img, len, NULL, certs, 0, &r), 0);
        ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
        ck_assert_uint_eq(s->missing_count, 2);
        ck_assert_str_eq(s->missing[0].dn, SIGFIX_INTER_DN);
        ck_assert_str_eq(s->missing[0].found_in, fx_in(path, "inter.pem"));
        ck_assert_str_eq(s->missing[1].dn, SIGFIX_ROOT_DN);
        ck_assert_ptr_null(s->missing[1].found_in);
        ck_assert_str_eq(s->missing_issuer, SIGFIX_INTER_DN);
        ck_assert_str_eq(s->aia_uri, SIGFIX_INTER_AIA);
        /* A root clients have ends the chain at the intermediate. */
        ck_assert_int_eq(netexe_ac_check_buffer_certs(img, len, roots, certs, 0, &r), 0);
        ck_assert_uint_eq(s->missing_count, 1);
        ck_assert_str_eq(s->missing[0].found_in, fx_in(path, "inter.pem"));
        ck_assert_str_eq(s->aia_uri, "");
        netexe_ac_certs_free(certs);
        certs = pool_of(both);
        ck_assert_int_eq(netexe_ac_check_buffer_certs(img, len, NULL, certs, 0, &r), 0);
        ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
        ck_assert_uint_eq(s->missing_count, 2);
        ck_assert_str_eq(s->missing[1].found_in, fx_in(path, "root.der"));
        free(img);
    }
    /* Embedded issuers are not missing, wherever else they are. */
    ck_assert_int_eq(netexe_ac_check_path(fx("full.exe"), NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_COMPLETE);
    netexe_ac_certs_free(certs);
    netexe_ac_roots_free(roots);
}
END_TEST

/* osslsigncode verify against the test root: fails before (the
 * intermediate is not embedded, osslsigncode does not fetch it), passes
 * after, with the same calculated image hash and a correct checksum. */
START_TEST(test_leaf_only_repaired_verifies_with_osslsigncode)
{
    static const char *const pool[] = { "inter.pem", "root.der", NULL };
    static char before[OUTPUT_BYTES], after[OUTPUT_BYTES];
    netexe_ac_certs *certs = pool_of(pool);
    netexe_ac_repair *rep = malloc(sizeof *rep);
    char out_path[PATH_BYTES], root[PATH_BYTES], d1[130], d2[130];

    ck_assert_ptr_nonnull(rep);
    fx_in(root, "root.pem");
    ck_assert_int_ne(tool(before, sizeof before, "osslsigncode verify -CAfile '%s' -in '%s' 2>&1",
                          root, fx("leaf.exe")), 0);
    ck_assert_ptr_nonnull(strstr(before, "Signature verification: failed"));

    repair_fixture("leaf.exe", certs, NULL, rep, out_path);
    ck_assert_int_eq(rep->before.state, NETEXE_AC_INCOMPLETE);
    ck_assert_uint_eq(rep->added, 2);
    ck_assert_str_eq(rep->added_dn[0], SIGFIX_INTER_DN);
    ck_assert_str_eq(rep->added_dn[1], SIGFIX_ROOT_DN);
    ck_assert_uint_eq(rep->after.sig[0].certificates, 3);
    ck_assert_str_eq(rep->why, "");

    ck_assert_int_eq(tool(after, sizeof after, "osslsigncode verify -CAfile '%s' -in '%s' 2>&1",
                          root, out_path), 0);
    ck_assert_ptr_nonnull(strstr(after, "Signature verification: ok"));
    ck_assert_ptr_null(strstr(after, "invalid PE checksum"));
    calculated_digest(before, d1, sizeof d1);
    calculated_digest(after, d2, sizeof d2);
    ck_assert_str_eq(d1, d2);
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

/* Both signatures of nested.exe lack an issuer: each gets it in its own
 * certificate set, and osslsigncode verifies both. */
START_TEST(test_nested_signature_repaired)
{
    static const char *const pool[] = { "certs", NULL };
    static char out[OUTPUT_BYTES];
    netexe_ac_certs *certs = pool_of(pool);
    netexe_ac_repair *rep = malloc(sizeof *rep);
    char out_path[PATH_BYTES], root[PATH_BYTES];

    ck_assert_ptr_nonnull(rep);
    repair_fixture("nested.exe", certs, NULL, rep, out_path);
    ck_assert_uint_eq(rep->before.count, 2);
    ck_assert_int_eq(rep->before.sig[0].state, NETEXE_AC_INCOMPLETE);
    ck_assert_int_eq(rep->before.sig[1].state, NETEXE_AC_INCOMPLETE);
    ck_assert_uint_eq(rep->after.count, 2);
    ck_assert_uint_eq(rep->after.sig[0].certificates, 3);
    ck_assert_uint_eq(rep->after.sig[1].certificates, 3);
    ck_assert_uint_eq(rep->added, 2);
    ck_assert_int_eq(tool(out, sizeof out, "osslsigncode verify -CAfile '%s' -in '%s' 2>&1",
                          fx_in(root, "root.pem"), out_path), 0);
    ck_assert_ptr_nonnull(strstr(out, "Number of verified signatures: 2"));
    ck_assert_ptr_null(strstr(out, "Signature verification: failed"));
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

/* A timestamp whose TSA chain stops at the TSA's certificate: incomplete
 * as a timestamp, repaired in the token's own certificate set; the
 * signature's set is left alone. */
static const char *const stamped_files[] = { "timestamped.exe", "countersigned.exe" };

START_TEST(test_timestamp_chain_incomplete_then_repaired)
{
    static const char *const pool[] = { "certs", NULL };
    static char before[OUTPUT_BYTES], after[OUTPUT_BYTES];
    const char *name = stamped_files[_i];
    netexe_ac_kind kind = _i == 0 ? NETEXE_AC_TIMESTAMP_RFC3161
                                  : NETEXE_AC_COUNTERSIGNATURE;
    netexe_ac_certs *certs = pool_of(pool);
    netexe_ac_repair *rep = malloc(sizeof *rep);
    char out_path[PATH_BYTES], root[PATH_BYTES];
    const netexe_ac_signature *w;
    netexe_ac_result r;

    ck_assert_ptr_nonnull(rep);
    ck_assert_int_eq(netexe_ac_check_path(fx(name), NULL, 0, &r), 0);
    ck_assert_int_eq(r.state, NETEXE_AC_INCOMPLETE);
    ck_assert_uint_eq(r.count, 2);
    ck_assert_int_eq(r.sig[0].kind, NETEXE_AC_SIGNATURE);
    ck_assert_int_eq(r.sig[0].state, NETEXE_AC_COMPLETE);
    w = netexe_ac_worst(&r);
    ck_assert_ptr_eq(w, &r.sig[1]);
    ck_assert_int_eq(w->kind, kind);
    ck_assert_uint_eq(w->stamps, 0);
    ck_assert_uint_eq(w->depth, 0);
    ck_assert_str_eq(w->digest, "sha256");
    ck_assert_str_eq(w->signer, SIGFIX_TSA_DN);
    ck_assert_str_eq(w->missing_issuer, SIGFIX_TSA_CA_DN);
    ck_assert_str_eq(w->aia_uri, SIGFIX_TSA_AIA);
    ck_assert_ptr_null(w->reason);

    fx_in(root, "root.pem");
    (void)tool(before, sizeof before,
               "osslsigncode verify -CAfile '%s' -TSA-CAfile '%s' -in '%s' 2>&1",
               root, root, fx(name));
    ck_assert_ptr_nonnull(strstr(before, "Timestamp Server Signature verification: failed"));
    repair_fixture(name, certs, NULL, rep, out_path);
    ck_assert_int_eq(tool(after, sizeof after,
                          "osslsigncode verify -CAfile '%s' -TSA-CAfile '%s' -in '%s' 2>&1",
                          root, root, out_path), 0);
    ck_assert_ptr_nonnull(strstr(after, "Timestamp Server Signature verification: ok"));
    ck_assert_ptr_nonnull(strstr(after, "Signature verification: ok"));
    ck_assert_ptr_null(strstr(after, "invalid PE checksum"));
    ck_assert_int_eq(rep->after.sig[1].state, NETEXE_AC_COMPLETE);
    ck_assert_int_eq(rep->after.sig[1].kind, kind);
    ck_assert_uint_ge(rep->added, 1);
    ck_assert_str_eq(rep->added_dn[0], SIGFIX_TSA_CA_DN);
    if (kind == NETEXE_AC_COUNTERSIGNATURE) {
        /* Its certificates are the signature's: the TSA CA joins them. */
        ck_assert_uint_eq(rep->after.sig[0].certificates, rep->before.sig[0].certificates + 1);
    }
    else {
        /* The token's own set gets the TSA CA and the root. */
        ck_assert_uint_eq(rep->after.sig[0].certificates, rep->before.sig[0].certificates);
        ck_assert_uint_eq(rep->after.sig[1].certificates, rep->before.sig[1].certificates + 2);
        ck_assert_uint_eq(rep->added, 2);
        ck_assert_str_eq(rep->added_dn[1], SIGFIX_ROOT_DN);
    }
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

/* sbsign (sbsigntool) embeds only its signer: sbverify against the test
 * root fails before the repair and passes after. */
START_TEST(test_efi_image_repaired_verifies_with_sbverify)
{
    static const char *const pool[] = { "inter.pem", NULL };
    static char out[OUTPUT_BYTES];
    netexe_ac_certs *certs = pool_of(pool);
    netexe_ac_roots *roots = load_root();
    netexe_ac_repair *rep = malloc(sizeof *rep);
    char out_path[PATH_BYTES], root[PATH_BYTES];

    ck_assert_ptr_nonnull(rep);
    fx_in(root, "root.pem");
    ck_assert_int_ne(tool(out, sizeof out, "sbverify --cert '%s' '%s' 2>&1", root, fx("leaf.efi")), 0);
    ck_assert_ptr_nonnull(strstr(out, "Signature verification failed"));
    repair_fixture("leaf.efi", certs, roots, rep, out_path);
    ck_assert_int_eq(rep->before.pe.verdict, PE_NATIVE);
    /* The root is the client's: only the intermediate goes in. */
    ck_assert_uint_eq(rep->added, 1);
    ck_assert_str_eq(rep->added_dn[0], SIGFIX_INTER_DN);
    ck_assert_int_eq(tool(out, sizeof out, "sbverify --cert '%s' '%s' 2>&1", root, out_path), 0);
    ck_assert_ptr_nonnull(strstr(out, "Signature verification OK"));
    netexe_ac_roots_free(roots);
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

/* What a repair refuses, and what it says. */
typedef struct {
    const char *name;
    int with_pool;              /* inter.pem only */
    netexe_ac_repair_outcome outcome;
    const char *why;
} refusal_case;

static const refusal_case refusals[] = {
    { "bad-digest.exe", 1, NETEXE_AC_REPAIR_REFUSED,
      "signed:bad-digest (image hash differs from the signed hash)" },
    { "truncated.exe", 1, NETEXE_AC_REPAIR_REFUSED,
      "signed:malformed (PKCS#7 does not decode)" },
    { "spc-not-pe.exe", 1, NETEXE_AC_REPAIR_REFUSED,
      "signed:malformed (SpcIndirectDataContent is not PE image data (SpcPeImageData))" },
    { "leaf.exe", 0, NETEXE_AC_REPAIR_REFUSED,
      "missing issuer \"" SIGFIX_INTER_DN "\" is in no --certs file" },
    { "leaf.exe", 1, NETEXE_AC_REPAIR_REFUSED,
      "missing issuer \"" SIGFIX_ROOT_DN "\" is in no --certs file" },
    { "timestamped.exe", 1, NETEXE_AC_REPAIR_REFUSED,
      "timestamp: missing issuer \"" SIGFIX_TSA_CA_DN "\" is in no --certs file" },
    { "full.exe", 1, NETEXE_AC_REPAIR_NOT_NEEDED, "" },
    { "unsigned.exe", 1, NETEXE_AC_REPAIR_NOT_NEEDED, "" },
    { "notes.txt", 1, NETEXE_AC_REPAIR_NOT_NEEDED, "" },
};

START_TEST(test_repair_refuses_and_says_why)
{
    static const char *const pool[] = { "inter.pem", NULL };
    const refusal_case *c = &refusals[_i];
    netexe_ac_certs *certs = c->with_pool ? pool_of(pool) : NULL;
    netexe_ac_repair *rep = malloc(sizeof *rep);
    unsigned char *img, *out = (unsigned char *)"";
    size_t len, out_len = 1;
    char why[sizeof rep->why];

    ck_assert_ptr_nonnull(rep);
    img = sigfix_read(fx(c->name), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_repair_buffer(img, len, NULL, certs, &out, &out_len, rep), 0);
    ck_assert_int_eq(rep->outcome, c->outcome);
    ck_assert_str_eq(rep->why, c->why);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(out_len, 0);
    /* The same answer without making anything. */
    ck_assert_int_eq(netexe_ac_repairable(&rep->before, why, sizeof why), c->outcome);
    ck_assert_str_eq(why, c->why);
    free(img);
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

/* A repaired copy needs nothing more, and its second check with the pool
 * finds nothing missing. */
START_TEST(test_repaired_copy_needs_no_second_repair)
{
    static const char *const pool[] = { "certs", NULL };
    netexe_ac_certs *certs = pool_of(pool);
    netexe_ac_repair *rep = malloc(sizeof *rep), *again = malloc(sizeof *again);
    unsigned char *img, *out, *out2;
    size_t len, out_len, out2_len;

    ck_assert_ptr_nonnull(rep);
    ck_assert_ptr_nonnull(again);
    img = sigfix_read(fx("nested.exe"), &len);
    ck_assert_ptr_nonnull(img);
    ck_assert_int_eq(netexe_ac_repair_buffer(img, len, NULL, certs, &out, &out_len, rep), 0);
    ck_assert_int_eq(rep->outcome, NETEXE_AC_REPAIR_DONE);
    ck_assert_int_eq(netexe_ac_repair_buffer(out, out_len, NULL, certs, &out2, &out2_len, again), 0);
    ck_assert_int_eq(again->outcome, NETEXE_AC_REPAIR_NOT_NEEDED);
    ck_assert_int_eq(again->before.state, NETEXE_AC_COMPLETE);
    ck_assert_ptr_null(out2);
    free(out);
    free(img);
    netexe_ac_certs_free(certs);
    free(rep);
    free(again);
}
END_TEST

/* A table of three entries: leaf.exe's PKCS#7, an X.509 entry (type 1,
 * kept as is), inter.exe's PKCS#7 (which needs nothing with the root
 * trusted).  Only the first is encoded again; the others come out byte
 * for byte. */
START_TEST(test_only_the_entries_that_need_issuers_change)
{
    static const char *const pool[] = { "inter.pem", NULL };
    static const unsigned char x509_entry[16] = {
        16, 0, 0, 0, 0x00, 0x02, 0x01, 0x00, 'n', 'o', 't', ' ', 'p', 'k', 'c', 's'
    };
    netexe_ac_certs *certs = pool_of(pool);
    netexe_ac_roots *roots = load_root();
    netexe_ac_repair *rep = malloc(sizeof *rep);
    unsigned char *leaf, *inter, *img, *out;
    size_t leaf_len, inter_len, len, out_len, l_off, l_blob, i_off, i_blob, off, blob, table;
    pebuild_spec spec;
    size_t dir4;

    ck_assert_ptr_nonnull(rep);
    pebuild_spec_init(&spec);
    dir4 = pebuild_dir_offset(&spec, 4);
    leaf = sigfix_read(fx("leaf.exe"), &leaf_len);
    inter = sigfix_read(fx("inter.exe"), &inter_len);
    ck_assert_ptr_nonnull(leaf);
    ck_assert_ptr_nonnull(inter);
    ck_assert_int_eq(netexe_ac_find_pkcs7(leaf, leaf_len, 0, &l_off, &l_blob), NETEXE_AC_COMPLETE);
    ck_assert_int_eq(netexe_ac_find_pkcs7(inter, inter_len, 0, &i_off, &i_blob), NETEXE_AC_COMPLETE);
    /* Both tables start where the unsigned image ends, entries padded. */
    table = l_off - WIN_CERT_HEADER;
    ck_assert_uint_eq(table, i_off - WIN_CERT_HEADER);
    len = leaf_len + sizeof x509_entry + (inter_len - table);
    img = malloc(len);
    ck_assert_ptr_nonnull(img);
    memcpy(img, leaf, leaf_len);
    memcpy(img + leaf_len, x509_entry, sizeof x509_entry);
    memcpy(img + leaf_len + sizeof x509_entry, inter + table, inter_len - table);
    img[dir4 + 4] = (unsigned char)(len - table);
    img[dir4 + 5] = (unsigned char)((len - table) >> 8);

    ck_assert_int_eq(netexe_ac_repair_buffer(img, len, roots, certs, &out, &out_len, rep), 0);
    ck_assert_msg(rep->outcome == NETEXE_AC_REPAIR_DONE, "%s", rep->why);
    ck_assert_uint_eq(rep->before.count, 2);
    ck_assert_uint_eq(rep->added, 1);
    same_image(img, len, out, out_len);
    ck_assert_int_eq(netexe_ac_find_pkcs7(out, out_len, 0, &off, &blob), NETEXE_AC_COMPLETE);
    ck_assert_uint_gt(blob, l_blob);
    /* The X.509 entry, then inter.exe's entry, unchanged, at the end. */
    ck_assert_int_eq(memcmp(out + off + blob, x509_entry, sizeof x509_entry), 0);
    ck_assert_int_eq(memcmp(out + off + blob + sizeof x509_entry, inter + table,
                            inter_len - table), 0);
    ck_assert_uint_eq(out_len, off + blob + sizeof x509_entry + (inter_len - table));
    free(out);
    free(img);
    free(inter);
    free(leaf);
    netexe_ac_roots_free(roots);
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

/* Debian's signed GRUB and shim helpers embed their signer only; the
 * Debian Secure Boot CA ships in shim-unsigned.  Repaired with it: the
 * copy checks complete, sbverify accepts it against the CA, the image
 * hash (osslsigncode's and ours) is unchanged and the input untouched. */
static const signed_case debian_repairable[] = {
    { "grub-efi-amd64-signed", "usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed", 1 },
    { "shim-helpers-amd64-signed", "usr/lib/shim/mmx64.efi.signed", 1 },
    { "shim-helpers-amd64-signed", "usr/lib/shim/fbx64.efi.signed", 1 },
};
#define DEBIAN_CA       "shim-unsigned/usr/share/shim/debian-uefi-ca.der"
#define DEBIAN_CA_DN    "CN=Debian Secure Boot CA"

START_TEST(test_debian_image_repaired_with_the_debian_ca)
{
    const signed_case *c = &debian_repairable[_i];
    static char before[OUTPUT_BYTES], after[OUTPUT_BYTES];
    char path[PATH_BYTES], ca[PATH_BYTES], ca_pem[PATH_BYTES], out_path[PATH_BYTES], err[512];
    char d1[130], d2[130];
    netexe_ac_repair *rep = malloc(sizeof *rep);
    netexe_ac_certs *certs;
    unsigned char *in, *out, *again;
    size_t in_len, out_len, again_len;

    ck_assert_ptr_nonnull(rep);
    snprintf(path, sizeof path, "%s/%s/%s", cache_dir(), c->package, c->file);
    snprintf(ca, sizeof ca, "%s/%s", cache_dir(), DEBIAN_CA);
    if (access(path, R_OK) != 0 || access(ca, R_OK) != 0) {
        printf("SKIPPED: %s: %s or %s is not in the fixture cache %s "
               "(build-aux/fetch-debs.sh could not fetch them)\n",
               c->package, c->file, DEBIAN_CA, cache_dir());
        free(rep);
        return;
    }
    certs = netexe_ac_certs_new();
    ck_assert_ptr_nonnull(certs);
    ck_assert_msg(netexe_ac_certs_add(certs, ca, err, sizeof err) == 1, "%s", err);
    in = sigfix_read(path, &in_len);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(netexe_ac_repair_buffer(in, in_len, NULL, certs, &out, &out_len, rep), 0);
    ck_assert_msg(rep->outcome == NETEXE_AC_REPAIR_DONE, "%s: %s", path, rep->why);
    ck_assert_int_eq(rep->before.state, NETEXE_AC_INCOMPLETE);
    ck_assert_str_eq(rep->before.sig[0].missing_issuer, DEBIAN_CA_DN);
    ck_assert_str_eq(rep->before.sig[0].missing[0].found_in, ca);
    ck_assert_uint_eq(rep->added, 1);
    ck_assert_str_eq(rep->added_dn[0], DEBIAN_CA_DN);
    ck_assert_int_eq(rep->after.state, NETEXE_AC_COMPLETE);
    same_image(in, in_len, out, out_len);
    fx_in(out_path, "repaired.efi");
    ck_assert_int_eq(sigfix_write(out_path, out, out_len), 0);

    /* sbverify reads PEM only. */
    fx_in(ca_pem, "debian-ca.pem");
    ck_assert_int_eq(sigfix_run("openssl x509 -inform DER -in '%s' -out '%s'", ca, ca_pem), 0);
    ck_assert_int_eq(tool(after, sizeof after, "sbverify --cert '%s' '%s' 2>&1", ca_pem, out_path), 0);
    ck_assert_ptr_nonnull(strstr(after, "Signature verification OK"));
    (void)tool(before, sizeof before, "osslsigncode verify -CAfile '%s' -in '%s' 2>&1", ca_pem, path);
    ck_assert_int_eq(tool(after, sizeof after, "osslsigncode verify -CAfile '%s' -in '%s' 2>&1",
                          ca_pem, out_path), 0);
    ck_assert_ptr_null(strstr(after, "invalid PE checksum"));
    calculated_digest(before, d1, sizeof d1);
    calculated_digest(after, d2, sizeof d2);
    ck_assert_str_eq(d1, d2);

    again = sigfix_read(path, &again_len);
    ck_assert_ptr_nonnull(again);
    ck_assert_uint_eq(again_len, in_len);
    ck_assert_int_eq(memcmp(again, in, in_len), 0);
    free(again);
    free(out);
    free(in);
    netexe_ac_certs_free(certs);
    free(rep);
}
END_TEST

static Suite *authenticode_suite(void)
{
    Suite *s = suite_create("authenticode");
    TCase *tc = tcase_create("osslsigncode-fixtures");
    TCase *rw = tcase_create("debian-signed");
    TCase *fix = tcase_create("repair");

    tcase_add_unchecked_fixture(tc, fixtures_up, fixtures_down);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_unsigned_image_is_unsigned);
    tcase_add_test(tc, test_leaf_only_is_incomplete_naming_the_intermediate_and_its_uri);
    tcase_add_test(tc, test_leaf_only_stays_incomplete_with_roots);
    tcase_add_test(tc, test_leaf_and_intermediate_without_roots_names_the_root);
    tcase_add_test(tc, test_leaf_and_intermediate_with_roots_is_complete);
    tcase_add_test(tc, test_chain_with_root_is_complete_without_roots);
    tcase_add_test(tc, test_pe32plus_dll_signature_is_complete);
    tcase_add_test(tc, test_changed_section_byte_is_bad_digest);
    tcase_add_test(tc, test_no_digest_skips_the_image_hash_and_reads_only_the_table);
    tcase_add_test(tc, test_big_image_is_hashed_across_blocks);
    tcase_add_loop_test(tc, test_digest_verdict_agrees_with_osslsigncode, 0,
                        (int)(sizeof digest_files / sizeof digest_files[0]));
    tcase_add_test(tc, test_nested_signatures_are_each_reported);
    tcase_add_loop_test(tc, test_embedded_certificates_agree_with_openssl, 0,
                        (int)(sizeof embedded_files / sizeof embedded_files[0]));
    tcase_add_test(tc, test_table_past_end_of_file_is_malformed);
    tcase_add_test(tc, test_truncated_pkcs7_is_malformed);
    tcase_add_test(tc, test_every_cut_through_the_table_is_malformed);
    tcase_add_loop_test(tc, test_entry_length_that_lies_is_malformed, 0,
                        (int)(sizeof lying_lengths / sizeof lying_lengths[0]));
    tcase_add_loop_test(tc, test_damaged_table_is_malformed_with_its_reason, 0,
                        (int)(sizeof damages / sizeof damages[0]));
    tcase_add_test(tc, test_bytes_after_the_table_are_hashed);
    tcase_add_test(tc, test_broken_pkcs7_signature_is_bad_digest);
    tcase_add_test(tc, test_locator_finds_the_pkcs7_blob);
    tcase_add_test(tc, test_not_pe_and_empty_inputs);
    tcase_add_test(tc, test_unreadable_inputs_are_errors);
    tcase_add_test(tc, test_fd_shorter_than_claimed_is_an_error);
    tcase_add_test(tc, test_roots_load_reports_errors);
    tcase_add_test(tc, test_threads_share_roots);
    tcase_add_test(tc, test_state_names);
    suite_add_tcase(s, tc);

    tcase_add_unchecked_fixture(fix, repair_fixtures_up, fixtures_down);
    tcase_set_timeout(fix, 120);
    tcase_add_test(fix, test_certs_pool_reads_pem_der_and_directories);
    tcase_add_test(fix, test_pool_names_the_file_each_missing_issuer_is_in);
    tcase_add_test(fix, test_leaf_only_repaired_verifies_with_osslsigncode);
    tcase_add_test(fix, test_nested_signature_repaired);
    tcase_add_loop_test(fix, test_timestamp_chain_incomplete_then_repaired, 0,
                        (int)(sizeof stamped_files / sizeof stamped_files[0]));
    tcase_add_test(fix, test_efi_image_repaired_verifies_with_sbverify);
    tcase_add_loop_test(fix, test_repair_refuses_and_says_why, 0,
                        (int)(sizeof refusals / sizeof refusals[0]));
    tcase_add_test(fix, test_repaired_copy_needs_no_second_repair);
    tcase_add_test(fix, test_only_the_entries_that_need_issuers_change);
    tcase_add_loop_test(fix, test_debian_image_repaired_with_the_debian_ca, 0,
                        (int)(sizeof debian_repairable / sizeof debian_repairable[0]));
    suite_add_tcase(s, fix);

    tcase_add_unchecked_fixture(rw, scratch_up, fixtures_down);
    tcase_set_timeout(rw, 120);
    tcase_add_loop_test(rw, test_debian_signed_images_agree_with_openssl, 0,
                        (int)(sizeof debian_signed / sizeof debian_signed[0]));
    suite_add_tcase(s, rw);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(authenticode_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
