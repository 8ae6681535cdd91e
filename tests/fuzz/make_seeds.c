/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * make_seeds.c -- writes the seed corpus of the fuzz targets: one PE image
 * per branch of the sniffer (CLR and native, PE32 and PE32+, EXE and DLL,
 * every refusal), made by the fixture builder, some with one field patched
 * afterwards (a directory count the CLR ignores, SizeOfOptionalHeader one
 * below the standard size, e_lfanew out of range).
 *
 * Usage: make_seeds DIR      (DIR must exist; files are overwritten)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pebuild.h"

#define SEED_PATH_BYTES 4096
#define LFANEW_FIELD    0x3Cu
#define NO_PATCH        0u      /* patch_len: nothing patched */

typedef struct {
    const char *name;
    int         pe32plus;
    int         dll;
    int         clr;
    uint32_t    e_lfanew;
    uint32_t    dirs;
    int         opt_size;       /* -1: natural */
    unsigned    sections;
    uint32_t    cert_offset, cert_size;
    pebuild_corrupt corrupt;
    /* Written over the built image: patch_len (2 or 4) bytes of value at
     * e_lfanew + patch_at, or at 0x3C when patch_dos is set. */
    unsigned    patch_at;
    unsigned    patch_len;
    uint32_t    value;
    int         patch_dos;
} seed;

static const seed seeds[] = {
    { "clr32-exe",        0, 0, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "clr32-dll",        0, 1, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "clr64-exe",        1, 0, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "clr64-dll",        1, 1, 1, 0x80,  16, -1,    2, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native32-15dirs",  0, 0, 1, 0x40,  15, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "clr64-lfanew400",  1, 0, 1, 0x400, 16, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "clr32-signed",     0, 0, 1, 0x80,  16, -1,    3, 0x800, 0x100, PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native32-exe",     0, 0, 0, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native64-signed",  1, 0, 0, 0xE8,  16, -1,    4, 0xA00, 0x80,  PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native32-10dirs",  0, 0, 1, 0x80,  10, 0xE0,  3, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native64-14dirs",  1, 1, 1, 0x80,  14, 0xF0,  3, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native32-opt200",  0, 0, 1, 0x80,  16, 200,   0, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "native64-nodirs",  1, 0, 0, 0x80,  0,  -1,    2, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    { "notpe-signature",  0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_PE_SIGNATURE, 0, 0, 0, 0 },
    { "notpe-magic",      1, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_MAGIC, 0, 0, 0, 0 },
    { "notpe-mz",         0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_MZ, 0, 0, 0, 0 },
    { "notpe-lfanew0",    0, 0, 1, 0,     16, -1,    0, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 0, 0, 0 },
    /* NumberOfRvaAndSizes (e_lfanew + 24 + 92 or + 108) patched below 15 */
    { "clr32-count14",    0, 0, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE, 116, 4, 14, 0 },
    { "clr64-count0",     1, 1, 1, 0x80,  16, -1,    2, 0,     0,     PEBUILD_CORRUPT_NONE, 132, 4, 0, 0 },
    /* SizeOfOptionalHeader (e_lfanew + 20) one below the standard size */
    { "native32-opt0xdf", 0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE, 20, 2, 0xDF, 0 },
    { "native64-opt0xef", 1, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE, 20, 2, 0xEF, 0 },
    /* e_lfanew just past the largest accepted */
    { "notpe-lfanew256m", 0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 4, 0x10000000u, 1 },
    { "notpe-lfanew3",    0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE, 0, 4, 3, 1 },
};

static void put_le(unsigned char *p, uint32_t v, unsigned len)
{
    unsigned i;

    for (i = 0; i < len; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xFFu);
}

/* The spec's image with the seed's patch applied, written to path. */
static int write_seed(const char *path, const pebuild_spec *s, const seed *sd)
{
    size_t len, at;
    unsigned char *img;
    FILE *f;
    int ok;

    if (sd->patch_len == NO_PATCH)
        return pebuild_write_file(path, s);
    img = pebuild(s, &len);
    if (img == NULL)
        return -1;
    at = sd->patch_dos ? LFANEW_FIELD : (size_t)s->e_lfanew + sd->patch_at;
    if (at + sd->patch_len > len) {
        free(img);
        return -1;
    }
    put_le(img + at, sd->value, sd->patch_len);
    f = fopen(path, "wb");
    if (f == NULL) {
        free(img);
        return -1;
    }
    ok = fwrite(img, 1, len, f) == len;
    free(img);
    return fclose(f) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        const seed *sd = &seeds[i];
        pebuild_spec s;
        char path[SEED_PATH_BYTES];

        pebuild_spec_init(&s);
        s.pe32plus = sd->pe32plus;
        s.dll = sd->dll;
        s.machine = sd->pe32plus ? PEBUILD_MACHINE_AMD64 : PEBUILD_MACHINE_I386;
        s.clr = sd->clr;
        s.e_lfanew = sd->e_lfanew;
        s.number_of_rva_and_sizes = sd->dirs;
        s.size_of_optional_header = sd->opt_size;
        s.sections = sd->sections;
        s.cert_offset = sd->cert_offset;
        s.cert_size = sd->cert_size;
        s.corrupt = sd->corrupt;
        if (snprintf(path, sizeof path, "%s/%s", argv[1], sd->name) >= (int)sizeof path) {
            fprintf(stderr, "make_seeds: path too long\n");
            return 1;
        }
        if (write_seed(path, &s, sd) != 0) {
            perror(path);
            return 1;
        }
    }
    return 0;
}
