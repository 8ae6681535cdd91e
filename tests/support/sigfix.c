/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * sigfix.c -- Authenticode-signed PE fixtures (see sigfix.h).  The PKI and
 * the signatures come from the command-line tools the field uses (openssl,
 * osslsigncode); the damage is done here, byte by byte, at offsets taken
 * from pebuild, never from the library under test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pebuild.h"
#include "sigfix.h"

#define SIGFIX_CMD_MAX          8192
#define SIGFIX_PATH_MAX         4096
#define SIGFIX_CERT_DIRECTORY   4
#define SIGFIX_SECTION_BYTES    1024u
/* How far before the end of the unsigned image the damaged byte sits:
 * inside the last section. */
#define SIGFIX_DAMAGE_FROM_END  100u
/* big.exe: several blocks of the streamed hash, and not a multiple of
 * any block size. */
#define SIGFIX_BIG_SIZE         (5u * 65536u + 12345u)
/* big-bad-digest.exe: a byte in the middle of it. */
#define SIGFIX_BIG_DAMAGE_AT    200000u
/* past-end.exe: a certificate table size no file here reaches. */
#define SIGFIX_HUGE_TABLE       0x7FFFFFF0u
/* truncated.exe: keep the WIN_CERTIFICATE header and this much PKCS#7. */
#define SIGFIX_KEPT_PKCS7       64u
#define SIGFIX_WIN_CERT_HEADER  8u

static uint32_t sigfix_rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
           ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void sigfix_wr32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

int sigfix_run(const char *fmt, ...)
{
    char cmd[SIGFIX_CMD_MAX];
    va_list ap;
    int n, st;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

unsigned char *sigfix_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;

    *len = 0;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc(size > 0 ? (size_t)size : 1)) != NULL) {
        if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        else {
            *len = (size_t)size;
        }
    }
    fclose(f);
    return buf;
}

int sigfix_write(const char *path, const unsigned char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (!f)
        return -1;
    ok = fwrite(buf, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

int sigfix_tempdir(const char *tag, char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    int n;

    n = snprintf(out, cap, "%s/netexe-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (n < 0 || (size_t)n >= cap || !mkdtemp(out))
        return -1;
    return chmod(out, 0755);
}

void sigfix_rmtree(const char *dir)
{
    if (dir && dir[0] == '/')
        (void)sigfix_run("rm -rf '%s'", dir);
}

static int sigfix_fail(char *err, size_t errlen, const char *what)
{
    if (errlen > 0)
        snprintf(err, errlen, "%s", what);
    return -1;
}

/* osslsigncode sign with one of the chains. */
static int sigfix_sign(const char *dir, const char *in, const char *out,
                       const char *chain, const char *hash, int nest)
{
    return sigfix_run("cd '%s' && osslsigncode sign %s -certs %s -key leaf.key "
                      "-h %s -in %s -out %s >osslsigncode.log 2>&1",
                      dir, nest ? "-nest" : "", chain, hash, in, out);
}

/* Copies dir/from to dir/to, changed by patch. */
typedef int (*sigfix_patch)(unsigned char *img, size_t *len,
                            const pebuild_spec *spec, size_t unsigned_len);

static int sigfix_derive(const char *dir, const char *from, const char *to,
                         const pebuild_spec *spec, size_t unsigned_len,
                         sigfix_patch patch)
{
    char path[SIGFIX_PATH_MAX];
    unsigned char *img;
    size_t len;
    int rc;

    snprintf(path, sizeof path, "%s/%s", dir, from);
    img = sigfix_read(path, &len);
    if (!img)
        return -1;
    rc = patch(img, &len, spec, unsigned_len);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/%s", dir, to);
        rc = sigfix_write(path, img, len);
    }
    free(img);
    return rc;
}

static int sigfix_damage_section(unsigned char *img, size_t *len,
                                 const pebuild_spec *spec, size_t unsigned_len)
{
    (void)spec;
    if (unsigned_len < SIGFIX_DAMAGE_FROM_END || unsigned_len > *len)
        return -1;
    img[unsigned_len - SIGFIX_DAMAGE_FROM_END] ^= 0xFF;
    return 0;
}

static int sigfix_damage_middle(unsigned char *img, size_t *len,
                                const pebuild_spec *spec, size_t unsigned_len)
{
    (void)spec;
    (void)unsigned_len;
    if (*len <= SIGFIX_BIG_DAMAGE_AT)
        return -1;
    img[SIGFIX_BIG_DAMAGE_AT] ^= 0x01;
    return 0;
}

static int sigfix_table_past_end(unsigned char *img, size_t *len,
                                 const pebuild_spec *spec, size_t unsigned_len)
{
    size_t dir4 = pebuild_dir_offset(spec, SIGFIX_CERT_DIRECTORY);

    (void)unsigned_len;
    if (dir4 + 8 > *len)
        return -1;
    sigfix_wr32(img + dir4 + 4, SIGFIX_HUGE_TABLE);
    return 0;
}

static int sigfix_truncate_pkcs7(unsigned char *img, size_t *len,
                                 const pebuild_spec *spec, size_t unsigned_len)
{
    size_t dir4 = pebuild_dir_offset(spec, SIGFIX_CERT_DIRECTORY);
    uint32_t table, kept = SIGFIX_WIN_CERT_HEADER + SIGFIX_KEPT_PKCS7;

    (void)unsigned_len;
    if (dir4 + 8 > *len)
        return -1;
    table = sigfix_rd32(img + dir4);
    if (table > *len || kept > *len - table)
        return -1;
    sigfix_wr32(img + dir4 + 4, kept);
    sigfix_wr32(img + table, kept);
    *len = table + kept;
    return 0;
}

int sigfix_build(const char *dir, char *err, size_t errlen)
{
    const char *src = getenv("NETEXE_SRCDIR");
    char path[SIGFIX_PATH_MAX];
    pebuild_spec spec, dll, big;
    unsigned char *img;
    size_t unsigned_len;
    static const char notes[] = "MZ is not enough to make a PE file.\n";

    if (sigfix_run("sh '%s/tests/support/testpki.sh' '%s'",
                   src && *src ? src : ".", dir) != 0)
        return sigfix_fail(err, errlen, "testpki.sh failed (openssl)");

    pebuild_spec_init(&spec);
    spec.section_raw_size = SIGFIX_SECTION_BYTES;
    img = pebuild(&spec, &unsigned_len);
    if (!img)
        return sigfix_fail(err, errlen, "pebuild failed");
    free(img);
    snprintf(path, sizeof path, "%s/unsigned.exe", dir);
    if (pebuild_write_file(path, &spec) != 0)
        return sigfix_fail(err, errlen, "writing unsigned.exe");

    pebuild_spec_init(&dll);
    dll.pe32plus = 1;
    dll.dll = 1;
    dll.clr = 0;
    dll.machine = PEBUILD_MACHINE_AMD64;
    dll.section_raw_size = SIGFIX_SECTION_BYTES;
    snprintf(path, sizeof path, "%s/native64-unsigned.dll", dir);
    if (pebuild_write_file(path, &dll) != 0)
        return sigfix_fail(err, errlen, "writing native64-unsigned.dll");

    big = spec;
    big.total_size = SIGFIX_BIG_SIZE;
    snprintf(path, sizeof path, "%s/big-unsigned.exe", dir);
    if (pebuild_write_file(path, &big) != 0)
        return sigfix_fail(err, errlen, "writing big-unsigned.exe");

    if (sigfix_sign(dir, "unsigned.exe", "leaf.exe", "chain1.pem", "sha256", 0) ||
        sigfix_sign(dir, "big-unsigned.exe", "big.exe", "chain3.pem", "sha256", 0) ||
        sigfix_sign(dir, "unsigned.exe", "inter.exe", "chain2.pem", "sha256", 0) ||
        sigfix_sign(dir, "unsigned.exe", "full.exe", "chain3.pem", "sha256", 0) ||
        sigfix_sign(dir, "inter.exe", "nested.exe", "chain1.pem", "sha1", 1) ||
        sigfix_sign(dir, "native64-unsigned.dll", "native64.dll", "chain3.pem",
                    "sha256", 0))
        return sigfix_fail(err, errlen, "osslsigncode sign failed "
                           "(see osslsigncode.log in the fixture directory)");
    if (sigfix_run("rm -f '%s/native64-unsigned.dll' '%s/big-unsigned.exe'",
                   dir, dir) != 0)
        return sigfix_fail(err, errlen, "rm failed");

    if (sigfix_derive(dir, "full.exe", "bad-digest.exe", &spec, unsigned_len,
                      sigfix_damage_section) != 0 ||
        sigfix_derive(dir, "full.exe", "past-end.exe", &spec, unsigned_len,
                      sigfix_table_past_end) != 0 ||
        sigfix_derive(dir, "full.exe", "truncated.exe", &spec, unsigned_len,
                      sigfix_truncate_pkcs7) != 0 ||
        sigfix_derive(dir, "big.exe", "big-bad-digest.exe", &spec, unsigned_len,
                      sigfix_damage_middle) != 0)
        return sigfix_fail(err, errlen, "damaging a copy of full.exe failed");

    snprintf(path, sizeof path, "%s/notes.txt", dir);
    if (sigfix_write(path, (const unsigned char *)notes, sizeof notes - 1) != 0)
        return sigfix_fail(err, errlen, "writing notes.txt");
    return 0;
}
