/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_authenticode.c -- libFuzzer target for the Authenticode checker
 * (mod_netexe/authenticode.h), through its buffer API.
 *
 * The first input byte chooses what the rest is:
 *   even  a whole image;
 *   odd   a certificate table, placed after a fixed, valid PE32 header
 *         whose data directory 4 points at it, so that mutations go
 *         straight to the WIN_CERTIFICATE walk and the PKCS#7 decoding.
 *
 * Besides memory safety (ASan, UBSan) it checks what authenticode.h
 * promises of any input: the call succeeds, the state and kind are ones of
 * their enums, a timestamp follows the signature it stamps, the file state
 * is the worst of the signatures, every string is terminated inside its
 * buffer, an incomplete signature lists its missing issuers (none found
 * without a pool), skipping the image hash never makes the answer worse,
 * and the locator agrees with the checker.
 * Each input is checked from a heap copy of exactly its length, so a read
 * past the end is an ASan report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode.h"

/* The fixed header of the "table" mode: DOS header, PE header, a PE32
 * optional header with 16 directories, padded to SizeOfHeaders. */
#define FUZZ_HEADER_SIZE        0x200u
#define FUZZ_LFANEW             0x40u
#define FUZZ_OPT                (FUZZ_LFANEW + 24u)
#define FUZZ_OPT_SIZE           0xE0u      /* 96 + 16 directories */
#define FUZZ_MACHINE_I386       0x014Cu
#define FUZZ_EXECUTABLE_32BIT   0x0102u
#define FUZZ_MAGIC_PE32         0x010Bu
#define FUZZ_DIRECTORIES        16u
#define FUZZ_DIR4               (FUZZ_OPT + 96u + 4u * 8u)

#define FUZZ_ASSERT(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_authenticode: promise broken: %s (%s:%d)\n",\
                    #cond, __FILE__, __LINE__);                              \
            abort();                                                         \
        }                                                                    \
    } while (0)

static void fuzz_wr16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void fuzz_wr32(unsigned char *p, uint32_t v)
{
    fuzz_wr16(p, (uint16_t)v);
    fuzz_wr16(p + 2, (uint16_t)(v >> 16));
}

static int fuzz_terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void fuzz_check(const unsigned char *img, size_t len)
{
    netexe_ac_result r, quick;
    netexe_ac_state worst = NETEXE_AC_COMPLETE, located;
    size_t off, blob;
    unsigned i, k;

    FUZZ_ASSERT(netexe_ac_check_buffer(img, len, NULL, 0, &r) == 0);
    FUZZ_ASSERT(r.state >= NETEXE_AC_NOT_PE && r.state <= NETEXE_AC_MALFORMED);
    FUZZ_ASSERT(r.count <= NETEXE_AC_MAX_SIGNATURES);
    if (r.state == NETEXE_AC_NOT_PE || r.state == NETEXE_AC_UNSIGNED)
        FUZZ_ASSERT(r.count == 0);
    for (i = 0; i < r.count; i++) {
        const netexe_ac_signature *s = &r.sig[i];
        FUZZ_ASSERT(s->state >= NETEXE_AC_COMPLETE && s->state <= NETEXE_AC_MALFORMED);
        FUZZ_ASSERT(s->depth <= NETEXE_AC_MAX_DEPTH);
        FUZZ_ASSERT(fuzz_terminated(s->digest, sizeof s->digest));
        FUZZ_ASSERT(fuzz_terminated(s->signer, sizeof s->signer));
        FUZZ_ASSERT(fuzz_terminated(s->missing_issuer, sizeof s->missing_issuer));
        FUZZ_ASSERT(fuzz_terminated(s->aia_uri, sizeof s->aia_uri));
        FUZZ_ASSERT(s->kind == NETEXE_AC_SIGNATURE ||
                    s->kind == NETEXE_AC_TIMESTAMP_RFC3161 ||
                    s->kind == NETEXE_AC_COUNTERSIGNATURE);
        /* A timestamp follows the signature it stamps. */
        FUZZ_ASSERT(s->kind == NETEXE_AC_SIGNATURE ? s->stamps == i
                    : s->stamps < i && r.sig[s->stamps].kind == NETEXE_AC_SIGNATURE);
        FUZZ_ASSERT(s->missing_count <= NETEXE_AC_MAX_MISSING);
        for (k = 0; k < s->missing_count; k++) {
            FUZZ_ASSERT(fuzz_terminated(s->missing[k].dn, sizeof s->missing[k].dn));
            /* No pool: nothing is found anywhere. */
            FUZZ_ASSERT(s->missing[k].found_in == NULL);
        }
        if (s->state == NETEXE_AC_COMPLETE)
            FUZZ_ASSERT(s->missing_issuer[0] == '\0' && s->aia_uri[0] == '\0' &&
                        s->missing_count == 0);
        if (s->state == NETEXE_AC_INCOMPLETE)
            FUZZ_ASSERT(s->missing_count >= 1 &&
                        strcmp(s->missing_issuer, s->missing[0].dn) == 0);
        if (s->state > worst)
            worst = s->state;
    }
    if (r.count > 0 && !r.reason)
        FUZZ_ASSERT(r.state == worst);
    if (r.count > 0)
        FUZZ_ASSERT(netexe_ac_worst(&r) != NULL || r.reason != NULL);

    /* Without the image hash the answer can only be better, never other. */
    FUZZ_ASSERT(netexe_ac_check_buffer(img, len, NULL, NETEXE_AC_NO_DIGEST, &quick) == 0);
    FUZZ_ASSERT(quick.state <= r.state && quick.count == r.count);

    located = netexe_ac_find_pkcs7(img, len, 0, &off, &blob);
    if (r.state == NETEXE_AC_NOT_PE || r.state == NETEXE_AC_UNSIGNED)
        FUZZ_ASSERT(located == r.state);
    if (located == NETEXE_AC_COMPLETE) {
        FUZZ_ASSERT(off <= len && blob <= len - off);
        FUZZ_ASSERT(r.state >= NETEXE_AC_COMPLETE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *img;
    size_t len;

    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        len = size - 1;
        img = malloc(len ? len : 1);
        if (!img)
            return 0;
        memcpy(img, data + 1, len);
    }
    else {
        size_t table = size - 1;
        len = FUZZ_HEADER_SIZE + table;
        img = calloc(1, len);
        if (!img)
            return 0;
        img[0] = 'M';
        img[1] = 'Z';
        fuzz_wr32(img + 0x3C, FUZZ_LFANEW);
        memcpy(img + FUZZ_LFANEW, "PE\0\0", 4);
        fuzz_wr16(img + FUZZ_LFANEW + 4, FUZZ_MACHINE_I386);
        fuzz_wr16(img + FUZZ_LFANEW + 20, FUZZ_OPT_SIZE);
        fuzz_wr16(img + FUZZ_LFANEW + 22, FUZZ_EXECUTABLE_32BIT);
        fuzz_wr16(img + FUZZ_OPT, FUZZ_MAGIC_PE32);
        fuzz_wr32(img + FUZZ_OPT + 60, FUZZ_HEADER_SIZE);      /* SizeOfHeaders */
        fuzz_wr32(img + FUZZ_OPT + 92, FUZZ_DIRECTORIES);
        fuzz_wr32(img + FUZZ_DIR4, FUZZ_HEADER_SIZE);
        fuzz_wr32(img + FUZZ_DIR4 + 4, (uint32_t)table);
        memcpy(img + FUZZ_HEADER_SIZE, data + 1, table);
    }
    fuzz_check(img, len);
    free(img);
    return 0;
}
