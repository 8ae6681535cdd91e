/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_repair.c -- libFuzzer target for the repair writer
 * (netexe_ac_repair_buffer, mod_netexe/authenticode.h).
 *
 * Each input is an image, repaired with a lookup pool of the intermediate,
 * root and TSA CA certificates of a test PKI (below).  The seeds in
 * tests/fuzz/seeds/repair/ are images signed with that PKI, each embedding
 * its signer only, so that they need those issuers: made by
 * tests/support/testpki.sh, a one-section pebuild image and
 *
 *   osslsigncode sign -certs chain1.pem -key leaf.key -h sha256 ...
 *       leaf-only.exe; then -nest -h sha1 on it: nested-leaf-only.exe;
 *       with -TSA-certs tsa.pem -TSA-key tsa.key -TSA-time 1800000000:
 *       timestamped-leaf-only.exe
 *   sbsign --key leaf.key --cert leaf.pem ...   leaf-only.efi
 *
 * The promises checked on every input, besides memory safety (ASan, UBSan):
 *   - the call succeeds and leaves the input as it was;
 *   - a copy is made exactly when the outcome is "done", and then: its
 *     Authenticode image hash, computed here from the PE specification, is
 *     the input's; its PE checksum is right; the bytes outside the
 *     certificate table and the two fields rewritten are the input's; it
 *     checks complete; a second repair finds nothing to do;
 *   - the outcome is the one netexe_ac_repairable() predicts from the
 *     input's check, or a refusal because the copy did not check complete.
 * Each input is repaired from a heap copy of exactly its length, so a read
 * past the end is an ASan report.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "authenticode.h"

#define FUZZ_ASSERT(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_repair: promise broken: %s (%s:%d)\n",     \
                    #cond, __FILE__, __LINE__);                              \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* PE layout, from the specification. */
#define FUZZ_LFANEW_AT          0x3Cu
#define FUZZ_OPT_FROM_PE        24u
#define FUZZ_OPT_CHECKSUM       64u
#define FUZZ_DIRS_PE32          96u
#define FUZZ_DIRS_PE32PLUS      112u
#define FUZZ_MAGIC_PE32PLUS     0x20Bu
#define FUZZ_DIR_ENTRY          8u
#define FUZZ_CERT_DIRECTORY     4u

/* How a refusal after the copy was checked begins. */
#define FUZZ_COPY_REFUSED       "the repaired copy checks "

/* "Test Code Signing CA", "Test Root CA" and "Test Timestamping CA" of
 * the PKI the seeds were signed with. */
static const char fuzz_pool_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDjTCCAnWgAwIBAgIBAjANBgkqhkiG9w0BAQsFADAyMRkwFwYDVQQKDBBtb2Rf\n"
    "bmV0ZXhlIHRlc3RzMRUwEwYDVQQDDAxUZXN0IFJvb3QgQ0EwHhcNMjYxMTI4MjM1\n"
    "NzQwWhcNMzYxMTI1MjM1NzQwWjA6MRkwFwYDVQQKDBBtb2RfbmV0ZXhlIHRlc3Rz\n"
    "MR0wGwYDVQQDDBRUZXN0IENvZGUgU2lnbmluZyBDQTCCASIwDQYJKoZIhvcNAQEB\n"
    "BQADggEPADCCAQoCggEBAKcSV++aDyVEy2ZVBczBntYn9GXsbQ9i+n9ZOQWJMI81\n"
    "myDvmaMpfUyqDpMUniyKdM+TPdhC2HdW6rfJaogvPt+0r1M2NLJEWocJd4ooBRvj\n"
    "BYsH7f/qkctVKpi/1RpLo9HWDAJL3jEUk/WJisKWIXmlrjS+3sSdVM6xWdj+oe5n\n"
    "PQUeKPh3l793Mcw9N2C5vr7V+b6rUmW4K8trUx6svwbIPz1DhtkO+dLQV8BYkiDY\n"
    "c2LMsv6B2/FNIJkk4JAo3J/4fDZcaBqI4VY3h/M6IRwjPcTBKZ0Qzlt4trxXggub\n"
    "pPGja2ZcmCZS7ELiF7EQBkWOatG2o3/SfSSHFt8jrC8CAwEAAaOBpTCBojASBgNV\n"
    "HRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUYdAqK4qH\n"
    "CXVZxirhR9ZO0TWvqe4wHwYDVR0jBBgwFoAU2X0WYdnMNlnnyFRhQku6P/p6zqQw\n"
    "PAYIKwYBBQUHAQEEMDAuMCwGCCsGAQUFBzAChiBodHRwOi8vcGtpLmV4YW1wbGUu\n"
    "dGVzdC9yb290LmNydDANBgkqhkiG9w0BAQsFAAOCAQEArEwtadVxFDEGBskrP74A\n"
    "HGtv7Yb46WeUQJ8GBn3vltHrspe2M1RYdvklnaV+dgoMOFLB0yV4LjHK0tyFZ1+o\n"
    "/HeUuz6Fmg3RhJ4xSq2DGbi5LkaM1XiP45qxcP/9m2SjJRW0XGS/2KQw7Ki00ZOF\n"
    "62EisqDrzFbNz6IcNTx4qNymLiM9oARXRgYJ29Sv5BsAf1pyKPWC5fm5UMMZCS+e\n"
    "ESi1m8zp/X4ZPtjJUx4ae8qf8ER5zoFsPz7KRKhn6225OFH3X/shzoJMGfFcVrhd\n"
    "5ya6bJhoWmmGcVQOLHUUI8UskQLv/TdZUSX6L1QUHNZzt40L5Yr6qNr/tvII4yLv\n"
    "0Q==\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDNDCCAhygAwIBAgIUfuQ40QVj4bK0bMCpJ+XMp+3msBAwDQYJKoZIhvcNAQEL\n"
    "BQAwMjEZMBcGA1UECgwQbW9kX25ldGV4ZSB0ZXN0czEVMBMGA1UEAwwMVGVzdCBS\n"
    "b290IENBMB4XDTI2MTEyODIzNTczOVoXDTM2MTEyNTIzNTczOVowMjEZMBcGA1UE\n"
    "CgwQbW9kX25ldGV4ZSB0ZXN0czEVMBMGA1UEAwwMVGVzdCBSb290IENBMIIBIjAN\n"
    "BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt/CteWdZn5Sl6IE22VcT/7Vxpbpa\n"
    "zJqspHmUKoFcz/4XOFoQNxt22/GXVqjnsEGwIQ2d3yvkq/A7SwRU4k3bMdQSg93y\n"
    "y6Q/hNYBk8+Mx6WzID+KocttwcL1kBDhu7B66vFNzwMH0p1m8QuO4RRIMa/mm66G\n"
    "KjEUxzQJ1moAluCvF+xfATpedU8tX1OfEIVMT1HJcylyERRG+Cou+rSTERo6gTmf\n"
    "L/jhn08DhDV+8TpdZGb1vgoC76T5sDj8Me9IMxLeMVZCXcoGqVw/x37qcOQ0DPta\n"
    "IrXG05YEXS6PW0DobbjvJDvlIcIFm/eZ5lIk8XedqZ9CdroCYm78TuTLxwIDAQAB\n"
    "o0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQU\n"
    "2X0WYdnMNlnnyFRhQku6P/p6zqQwDQYJKoZIhvcNAQELBQADggEBAEDGJE6zCtFz\n"
    "BinfuGpKAfOlW9/TkWOFQMp3ZzNkuMCRYN5Uoow3vTxcBiXwukrYIYSRP16suLQD\n"
    "STEygh3Ng+y9UAwknHP8SZ/9ZPiHFShmx2jBBk/bvQflmWEzJJ8dqx1VNU8k9Qis\n"
    "KBb2dhAUoXpaRMLJduW8CDbIJdhbpSmPt9a9jNq+zhnM0GmhcR86poyCMjoy7Rnd\n"
    "IZ/Jl+QTnGHb/aovHPD9Ea8Mkjo8pbCw+GTdwFZaVWKkQmWQaZ6PRe57UBqMzEYv\n"
    "aI8fEvTMdbNy/BmmDbBiLhGAS9lz7Le+r0enbrvxVkLpf+h9G+1lzqfmJ7FfPlnV\n"
    "XFueiizEwIQ=\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDjTCCAnWgAwIBAgIBBDANBgkqhkiG9w0BAQsFADAyMRkwFwYDVQQKDBBtb2Rf\n"
    "bmV0ZXhlIHRlc3RzMRUwEwYDVQQDDAxUZXN0IFJvb3QgQ0EwHhcNMjYxMTI4MjM1\n"
    "NzQzWhcNMzYxMTI1MjM1NzQzWjA6MRkwFwYDVQQKDBBtb2RfbmV0ZXhlIHRlc3Rz\n"
    "MR0wGwYDVQQDDBRUZXN0IFRpbWVzdGFtcGluZyBDQTCCASIwDQYJKoZIhvcNAQEB\n"
    "BQADggEPADCCAQoCggEBAMRceRXURThk/QxMeoX/X8ZPMveoIeorXfSa8Y5/oURR\n"
    "jZB34otsnaZao9m5Pf2d2zMpOCZNVs3JD5Tmg+0FICnE50MV+6+tlPFwJSWlZuBC\n"
    "ukNS6HSx8mwOEgTXx4XanaUpOi3mSK+ywwXfgKzQRsImkv1+oWc6Ml3Pyn1L8qLa\n"
    "4ZDtZY4F1oX2TSJZzyod/od9LOL3LT40ZySl2e4oij1kaDIja3lC9MWYaT6qJe5N\n"
    "kEcIRnE95DDg/U5iH6O0BeU2MaXbJiJrGIho+pqi6OBTYVIxFCgxu7bu7rIDgcUY\n"
    "HX8m66KIcJNUGw/oh4HGMyZokYBj2hCOMP5TnLPEaScCAwEAAaOBpTCBojASBgNV\n"
    "HRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUVk2VhrWS\n"
    "wJ9j5dYGs108z/xUdNkwHwYDVR0jBBgwFoAU2X0WYdnMNlnnyFRhQku6P/p6zqQw\n"
    "PAYIKwYBBQUHAQEEMDAuMCwGCCsGAQUFBzAChiBodHRwOi8vcGtpLmV4YW1wbGUu\n"
    "dGVzdC9yb290LmNydDANBgkqhkiG9w0BAQsFAAOCAQEAAGVBngo44g1o0AxkZl1x\n"
    "voiJNI1K6D8+KLmVcL8j7k6Z6/+xpUZ3YhDMJ4eRODRlMRZATqPfl/JC/6nF2OBx\n"
    "oLUIPQD4iE5SA35RBgfbBeW5mBjsPVchCp12fK6QRIBm6hEK/tWJ/Ivx4YrFcWJ2\n"
    "8Js+0vFt1HBUINMT2UiudO66j8+rVp5pD1I68zZLPzEzoNCOgWwaoedbUoQre+OQ\n"
    "vqSogXM96r5ujGx2QXOFNNG10W6b5d90ItMKs6krr39wZHv5CMvA5p8utRbI7rID\n"
    "9BymHa4COFOVZNJYFCFKkiNBVaG02EwIlADmcReqH7O9aDlAqVxXtKMusD+nIM9O\n"
    "lQ==\n"
    "-----END CERTIFICATE-----\n";

static netexe_ac_certs *fuzz_pool;
static netexe_ac_repair *fuzz_rep, *fuzz_again;

static uint32_t fuzz_rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Where CheckSum and data directory 4 are, and the table they name; 0,
 * or -1 when the bytes do not say. */
typedef struct {
    size_t checksum, dir4;
    uint32_t table, table_size;
} fuzz_layout;

static int fuzz_layout_of(const unsigned char *img, size_t len, fuzz_layout *l)
{
    size_t lfanew, opt, dirs;

    if (len < FUZZ_LFANEW_AT + 4)
        return -1;
    lfanew = fuzz_rd32(img + FUZZ_LFANEW_AT);
    if (lfanew > len || len - lfanew < FUZZ_OPT_FROM_PE + FUZZ_DIRS_PE32PLUS +
                                       (FUZZ_CERT_DIRECTORY + 1) * FUZZ_DIR_ENTRY)
        return -1;
    opt = lfanew + FUZZ_OPT_FROM_PE;
    dirs = opt + ((img[opt] | img[opt + 1] << 8) == FUZZ_MAGIC_PE32PLUS
                  ? FUZZ_DIRS_PE32PLUS : FUZZ_DIRS_PE32);
    l->checksum = opt + FUZZ_OPT_CHECKSUM;
    l->dir4 = dirs + FUZZ_CERT_DIRECTORY * FUZZ_DIR_ENTRY;
    l->table = fuzz_rd32(img + l->dir4);
    l->table_size = fuzz_rd32(img + l->dir4 + 4);
    if (l->table > len || l->table_size > len - l->table ||
        l->table < l->dir4 + FUZZ_DIR_ENTRY)
        return -1;
    return 0;
}

/* SHA-256 of every byte but CheckSum, data directory 4 and the table. */
static void fuzz_image_hash(const unsigned char *img, size_t len,
                            const fuzz_layout *l, unsigned char out[32])
{
    size_t end = (size_t)l->table + l->table_size;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    FUZZ_ASSERT(ctx != NULL);
    FUZZ_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
                EVP_DigestUpdate(ctx, img, l->checksum) &&
                EVP_DigestUpdate(ctx, img + l->checksum + 4, l->dir4 - l->checksum - 4) &&
                EVP_DigestUpdate(ctx, img + l->dir4 + FUZZ_DIR_ENTRY,
                                 l->table - l->dir4 - FUZZ_DIR_ENTRY) &&
                EVP_DigestUpdate(ctx, img + end, len - end) &&
                EVP_DigestFinal_ex(ctx, out, NULL));
    EVP_MD_CTX_free(ctx);
}

/* imagehlp's CheckSumMappedFile, the CheckSum field read as zero. */
static uint32_t fuzz_checksum(const unsigned char *img, size_t len, size_t at)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i < len; i += 2) {
        uint32_t word = img[i] | (i + 1 < len ? (uint32_t)img[i + 1] << 8 : 0);
        if (i >= at && i < at + 4)
            word = 0;
        sum += word;
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    sum = (sum & 0xFFFFu) + (sum >> 16);
    return sum + (uint32_t)len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[] = "/tmp/fuzz_repair_pool_XXXXXX", err[512];
    int fd = mkstemp(path);

    (void)argc;
    (void)argv;
    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(write(fd, fuzz_pool_pem, sizeof fuzz_pool_pem - 1) ==
                (ssize_t)(sizeof fuzz_pool_pem - 1));
    close(fd);
    fuzz_pool = netexe_ac_certs_new();
    FUZZ_ASSERT(fuzz_pool != NULL);
    if (netexe_ac_certs_add(fuzz_pool, path, err, sizeof err) != 3) {
        fprintf(stderr, "fuzz_repair: the pool: %s\n", err);
        abort();
    }
    unlink(path);
    fuzz_rep = malloc(sizeof *fuzz_rep);
    fuzz_again = malloc(sizeof *fuzz_again);
    FUZZ_ASSERT(fuzz_rep && fuzz_again);
    return 0;
}

static void fuzz_check_copy(const unsigned char *in, size_t len,
                            const unsigned char *out, size_t out_len)
{
    unsigned char h_in[32], h_out[32], *out2 = NULL;
    fuzz_layout li, lo;
    netexe_ac_result r;
    size_t out2_len = 0;

    /* The input checked incomplete, not bad-digest: its headers and table
     * are in order. */
    FUZZ_ASSERT(fuzz_layout_of(in, len, &li) == 0);
    FUZZ_ASSERT(fuzz_layout_of(out, out_len, &lo) == 0);
    FUZZ_ASSERT(lo.checksum == li.checksum && lo.dir4 == li.dir4 && lo.table == li.table);
    fuzz_image_hash(in, len, &li, h_in);
    fuzz_image_hash(out, out_len, &lo, h_out);
    FUZZ_ASSERT(memcmp(h_in, h_out, sizeof h_in) == 0);
    FUZZ_ASSERT(fuzz_checksum(out, out_len, lo.checksum) == fuzz_rd32(out + lo.checksum));
    FUZZ_ASSERT(memcmp(in, out, li.checksum) == 0);
    FUZZ_ASSERT(memcmp(in + li.checksum + 4, out + lo.checksum + 4,
                       li.dir4 + 4 - li.checksum - 4) == 0);
    FUZZ_ASSERT(memcmp(in + li.dir4 + FUZZ_DIR_ENTRY, out + lo.dir4 + FUZZ_DIR_ENTRY,
                       li.table - li.dir4 - FUZZ_DIR_ENTRY) == 0);
    FUZZ_ASSERT(out_len - ((size_t)lo.table + lo.table_size) ==
                len - ((size_t)li.table + li.table_size));
    FUZZ_ASSERT(lo.table_size % 8 == 0);

    FUZZ_ASSERT(netexe_ac_check_buffer(out, out_len, NULL, 0, &r) == 0);
    FUZZ_ASSERT(r.state == NETEXE_AC_COMPLETE);
    FUZZ_ASSERT(netexe_ac_repair_buffer(out, out_len, NULL, fuzz_pool, &out2,
                                        &out2_len, fuzz_again) == 0);
    FUZZ_ASSERT(fuzz_again->outcome == NETEXE_AC_REPAIR_NOT_NEEDED);
    FUZZ_ASSERT(out2 == NULL && out2_len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *img, *out = NULL;
    size_t out_len = 0;
    char why[sizeof fuzz_rep->why];
    netexe_ac_repair_outcome predicted;

    img = malloc(size ? size : 1);
    if (!img)
        return 0;
    memcpy(img, data, size);
    FUZZ_ASSERT(netexe_ac_repair_buffer(img, size, NULL, fuzz_pool, &out, &out_len,
                                        fuzz_rep) == 0);
    FUZZ_ASSERT(memcmp(img, data, size) == 0);
    FUZZ_ASSERT(fuzz_rep->outcome == NETEXE_AC_REPAIR_NOT_NEEDED ||
                fuzz_rep->outcome == NETEXE_AC_REPAIR_DONE ||
                fuzz_rep->outcome == NETEXE_AC_REPAIR_REFUSED);
    FUZZ_ASSERT(memchr(fuzz_rep->why, '\0', sizeof fuzz_rep->why) != NULL);
    /* The check of the copy can still refuse what looked repairable (a
     * signer certificate embedded twice, the copies differing: the
     * re-encoded set is sorted and the other copy is found first). */
    predicted = netexe_ac_repairable(&fuzz_rep->before, why, sizeof why);
    FUZZ_ASSERT(predicted == fuzz_rep->outcome ||
                (predicted == NETEXE_AC_REPAIR_DONE &&
                 fuzz_rep->outcome == NETEXE_AC_REPAIR_REFUSED &&
                 strncmp(fuzz_rep->why, FUZZ_COPY_REFUSED, strlen(FUZZ_COPY_REFUSED)) == 0));
    if (fuzz_rep->outcome == NETEXE_AC_REPAIR_DONE) {
        FUZZ_ASSERT(out != NULL && out_len > 0);
        FUZZ_ASSERT(fuzz_rep->added > 0);
        fuzz_check_copy(img, size, out, out_len);
    }
    else {
        FUZZ_ASSERT(out == NULL && out_len == 0);
        if (predicted == fuzz_rep->outcome)
            FUZZ_ASSERT(strcmp(why, fuzz_rep->why) == 0);
    }
    free(out);
    free(img);
    return 0;
}
