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

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

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
#define SIGFIX_WIN_CERT_ALIGN   8u
#define SIGFIX_WIN_CERT_REV_2   0x0200u
#define SIGFIX_WIN_CERT_PKCS    0x0002u
/* PE layout, from the specification (pebuild's copy is not exported). */
#define SIGFIX_LFANEW_AT        0x3Cu
#define SIGFIX_OPT_FROM_PE      24u
#define SIGFIX_OPT_CHECKSUM     64u
#define SIGFIX_DIRS_PE32        96u
#define SIGFIX_DIRS_PE32PLUS    112u
#define SIGFIX_MAGIC_PE32PLUS   0x20Bu
/* SpcPeImageData's OID, DER, and the last byte of SpcCabImageData's. */
static const unsigned char sigfix_spc_pe_oid[] = {
    0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x0F
};
#define SIGFIX_SPC_CAB_LAST     0x19u
/* The countersignature's signing time (2027-01-15, as the TSA's). */
#define SIGFIX_COUNTERSIGN_TIME 1800000000

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

/* Where the CheckSum and data directory 4 lie, and the table they name. */
typedef struct {
    size_t checksum;            /* file offset of CheckSum */
    size_t dir4;                /* file offset of data directory 4 */
    uint32_t table, table_size; /* the certificate table */
} sigfix_layout;

static int sigfix_layout_of(const unsigned char *img, size_t len, sigfix_layout *l)
{
    size_t lfanew, opt, dirs;

    if (len < SIGFIX_LFANEW_AT + 4 || img[0] != 'M' || img[1] != 'Z')
        return -1;
    lfanew = sigfix_rd32(img + SIGFIX_LFANEW_AT);
    opt = lfanew + SIGFIX_OPT_FROM_PE;
    if (lfanew > len || len - lfanew < SIGFIX_OPT_FROM_PE + SIGFIX_DIRS_PE32PLUS + 40 ||
        memcmp(img + lfanew, "PE\0\0", 4) != 0)
        return -1;
    dirs = opt + ((img[opt] | img[opt + 1] << 8) == SIGFIX_MAGIC_PE32PLUS
                  ? SIGFIX_DIRS_PE32PLUS : SIGFIX_DIRS_PE32);
    l->checksum = opt + SIGFIX_OPT_CHECKSUM;
    l->dir4 = dirs + SIGFIX_CERT_DIRECTORY * 8u;
    l->table = sigfix_rd32(img + l->dir4);
    l->table_size = sigfix_rd32(img + l->dir4 + 4);
    if (l->table > len || l->table_size > len - l->table ||
        (l->table != 0 && l->table < l->dir4 + 8))
        return -1;
    return 0;
}

int sigfix_digest(const unsigned char *img, size_t len, unsigned char out[32])
{
    sigfix_layout l;
    EVP_MD_CTX *ctx;
    size_t end;
    int ok;

    if (sigfix_layout_of(img, len, &l) != 0 || l.table == 0)
        return -1;
    end = (size_t)l.table + l.table_size;
    ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
         EVP_DigestUpdate(ctx, img, l.checksum) &&
         EVP_DigestUpdate(ctx, img + l.checksum + 4, l.dir4 - l.checksum - 4) &&
         EVP_DigestUpdate(ctx, img + l.dir4 + 8, l.table - l.dir4 - 8) &&
         EVP_DigestUpdate(ctx, img + end, len - end) &&
         EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

int sigfix_checksum(const unsigned char *img, size_t len, uint32_t *computed,
                    uint32_t *stored)
{
    sigfix_layout l;
    uint32_t sum = 0;
    size_t i;

    if (sigfix_layout_of(img, len, &l) != 0)
        return -1;
    for (i = 0; i < len; i += 2) {
        uint32_t word = img[i] | (i + 1 < len ? (uint32_t)img[i + 1] << 8 : 0);
        if (i >= l.checksum && i < l.checksum + 4)
            word = 0;
        sum += word;
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    sum = (sum & 0xFFFFu) + (sum >> 16);
    *computed = sum + (uint32_t)len;
    *stored = sigfix_rd32(img + l.checksum);
    return 0;
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

/* Replaces the single certificate table entry of the image in *img (at the
 * end of the file) with the PKCS#7 der, and sets directory 4 and the
 * CheckSum to match. */
static int sigfix_put_signature(unsigned char **img, size_t *len,
                                const unsigned char *der, size_t der_len)
{
    sigfix_layout l;
    size_t padded = (SIGFIX_WIN_CERT_HEADER + der_len + SIGFIX_WIN_CERT_ALIGN - 1) /
                    SIGFIX_WIN_CERT_ALIGN * SIGFIX_WIN_CERT_ALIGN;
    unsigned char *out;
    uint32_t computed, stored;

    if (sigfix_layout_of(*img, *len, &l) != 0 || l.table == 0 ||
        (size_t)l.table + l.table_size != *len)
        return -1;
    out = calloc(1, l.table + padded);
    if (!out)
        return -1;
    memcpy(out, *img, l.table);
    sigfix_wr32(out + l.table, (uint32_t)padded);
    out[l.table + 4] = SIGFIX_WIN_CERT_REV_2 & 0xFF;
    out[l.table + 5] = SIGFIX_WIN_CERT_REV_2 >> 8;
    out[l.table + 6] = SIGFIX_WIN_CERT_PKCS;
    memcpy(out + l.table + SIGFIX_WIN_CERT_HEADER, der, der_len);
    sigfix_wr32(out + l.dir4 + 4, (uint32_t)padded);
    free(*img);
    *img = out;
    *len = l.table + padded;
    if (sigfix_checksum(out, *len, &computed, &stored) != 0)
        return -1;
    sigfix_wr32(out + l.checksum, computed);
    return 0;
}

/* countersigned.exe: a PKCS#9 countersignature by the TSA over full.exe's
 * encryptedDigest, as Authenticode timestamps were made before RFC 3161,
 * with tsa.pem added to the signature's certificates (its issuer not). */
static int sigfix_countersign(const char *dir)
{
    char path[SIGFIX_PATH_MAX];
    PKCS7 *p7 = NULL;
    PKCS7_SIGNER_INFO *si, *csi = NULL;
    X509 *tsa = NULL;
    EVP_PKEY *key = NULL;
    ASN1_TIME *when = NULL;
    ASN1_STRING *seq = NULL;
    unsigned char *img, *der = NULL, md[EVP_MAX_MD_SIZE];
    const unsigned char *p;
    unsigned md_len;
    sigfix_layout l;
    size_t len;
    int n, rc = -1;
    FILE *f;

    snprintf(path, sizeof path, "%s/full.exe", dir);
    img = sigfix_read(path, &len);
    if (!img || sigfix_layout_of(img, len, &l) != 0 || l.table == 0)
        goto done;
    p = img + l.table + SIGFIX_WIN_CERT_HEADER;
    p7 = d2i_PKCS7(NULL, &p, (long)(l.table_size - SIGFIX_WIN_CERT_HEADER));
    snprintf(path, sizeof path, "%s/tsa.pem", dir);
    if (!p7 || !(f = fopen(path, "r")))
        goto done;
    tsa = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    snprintf(path, sizeof path, "%s/tsa.key", dir);
    if (!tsa || !(f = fopen(path, "r")))
        goto done;
    key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);
    if (!key || !si ||
        !EVP_Digest(si->enc_digest->data, (size_t)si->enc_digest->length, md,
                    &md_len, EVP_sha256(), NULL) ||
        !(csi = PKCS7_SIGNER_INFO_new()) ||
        !PKCS7_SIGNER_INFO_set(csi, tsa, key, EVP_sha256()) ||
        !PKCS7_add_signed_attribute(csi, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                    OBJ_nid2obj(NID_pkcs7_data)) ||
        !(when = ASN1_TIME_set(NULL, SIGFIX_COUNTERSIGN_TIME)) ||
        !PKCS7_add0_attrib_signing_time(csi, when))
        goto done;
    when = NULL;
    if (!PKCS7_add1_attrib_digest(csi, md, (int)md_len) ||
        PKCS7_SIGNER_INFO_sign(csi) != 1 ||
        (n = i2d_PKCS7_SIGNER_INFO(csi, &der)) <= 0 ||
        !(seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE)))
        goto done;
    ASN1_STRING_set0(seq, der, n);
    der = NULL;
    if (!PKCS7_add_attribute(si, NID_pkcs9_countersignature, V_ASN1_SEQUENCE, seq))
        goto done;
    seq = NULL;
    if (!PKCS7_add_certificate(p7, tsa) || (n = i2d_PKCS7(p7, &der)) <= 0 ||
        sigfix_put_signature(&img, &len, der, (size_t)n) != 0)
        goto done;
    snprintf(path, sizeof path, "%s/countersigned.exe", dir);
    rc = sigfix_write(path, img, len);
done:
    ASN1_STRING_free(seq);
    ASN1_TIME_free(when);
    OPENSSL_free(der);
    PKCS7_SIGNER_INFO_free(csi);
    EVP_PKEY_free(key);
    X509_free(tsa);
    PKCS7_free(p7);
    free(img);
    return rc;
}

/* spc-not-pe.exe: SpcPeImageData's OID in full.exe's signature becomes
 * SpcCabImageData's. */
static int sigfix_spc_cab(unsigned char *img, size_t *len,
                          const pebuild_spec *spec, size_t unsigned_len)
{
    size_t i;

    (void)spec;
    for (i = unsigned_len; i + sizeof sigfix_spc_pe_oid <= *len; i++)
        if (memcmp(img + i, sigfix_spc_pe_oid, sizeof sigfix_spc_pe_oid) == 0) {
            img[i + sizeof sigfix_spc_pe_oid - 1] = SIGFIX_SPC_CAB_LAST;
            return 0;
        }
    return -1;
}

int sigfix_build_repair(const char *dir, char *err, size_t errlen)
{
    char path[SIGFIX_PATH_MAX];
    pebuild_spec spec, efi;
    unsigned char *img;
    size_t unsigned_len;
    static const char readme[] = "Certificates for netexe-scan --certs.\n";

    pebuild_spec_init(&spec);
    spec.section_raw_size = SIGFIX_SECTION_BYTES;
    img = pebuild(&spec, &unsigned_len);
    if (!img)
        return sigfix_fail(err, errlen, "pebuild failed");
    free(img);

    if (sigfix_run("cd '%s' && osslsigncode sign -certs chain3.pem -key leaf.key "
                   "-h sha256 -TSA-certs tsa.pem -TSA-key tsa.key -TSA-time %s "
                   "-in unsigned.exe -out timestamped.exe >osslsigncode.log 2>&1",
                   dir, SIGFIX_TSA_TIME) != 0)
        return sigfix_fail(err, errlen, "osslsigncode sign with its built-in TSA failed "
                           "(see osslsigncode.log in the fixture directory)");
    if (sigfix_countersign(dir) != 0)
        return sigfix_fail(err, errlen, "countersigning full.exe with OpenSSL failed");

    pebuild_spec_init(&efi);
    efi.pe32plus = 1;
    efi.clr = 0;
    efi.machine = PEBUILD_MACHINE_AMD64;
    efi.subsystem = PEBUILD_SUBSYSTEM_EFI_APP;
    efi.section_raw_size = SIGFIX_SECTION_BYTES;
    snprintf(path, sizeof path, "%s/unsigned.efi", dir);
    if (pebuild_write_file(path, &efi) != 0)
        return sigfix_fail(err, errlen, "writing unsigned.efi");
    if (sigfix_run("cd '%s' && sbsign --key leaf.key --cert leaf.pem "
                   "--output leaf.efi unsigned.efi >sbsign.log 2>&1 && "
                   "rm -f unsigned.efi", dir) != 0)
        return sigfix_fail(err, errlen, "sbsign failed (see sbsign.log in the fixture directory)");

    if (sigfix_derive(dir, "full.exe", "spc-not-pe.exe", &spec, unsigned_len,
                      sigfix_spc_cab) != 0)
        return sigfix_fail(err, errlen, "patching SpcPeImageData in a copy of full.exe failed");

    snprintf(path, sizeof path, "%s/certs/README", dir);
    if (sigfix_run("mkdir -p '%s/certs' && cp '%s/inter.pem' '%s/root.der' '%s/tsa-ca.pem' '%s/certs/'",
                   dir, dir, dir, dir, dir) != 0 ||
        sigfix_write(path, (const unsigned char *)readme, sizeof readme - 1) != 0)
        return sigfix_fail(err, errlen, "making the certs directory failed");
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
