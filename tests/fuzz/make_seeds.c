/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * make_seeds.c -- writes the seed corpus of the fuzz targets: one PE image
 * per branch of the sniffer (CLR and native, PE32 and PE32+, EXE and DLL,
 * every refusal), made by the fixture builder.
 *
 * Usage: make_seeds DIR      (DIR must exist; files are overwritten)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pebuild.h"

#define SEED_PATH_BYTES 4096

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
} seed;

static const seed seeds[] = {
    { "clr32-exe",        0, 0, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "clr32-dll",        0, 1, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "clr64-exe",        1, 0, 1, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "clr64-dll",        1, 1, 1, 0x80,  16, -1,    2, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "clr32-lfanew40",   0, 0, 1, 0x40,  15, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "clr64-lfanew400",  1, 0, 1, 0x400, 16, -1,    1, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "clr32-signed",     0, 0, 1, 0x80,  16, -1,    3, 0x800, 0x100, PEBUILD_CORRUPT_NONE },
    { "native32-exe",     0, 0, 0, 0x80,  16, -1,    3, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "native64-signed",  1, 0, 0, 0xE8,  16, -1,    4, 0xA00, 0x80,  PEBUILD_CORRUPT_NONE },
    { "native32-10dirs",  0, 0, 1, 0x80,  10, 0xE0,  3, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "native64-14dirs",  1, 1, 1, 0x80,  14, 0xF0,  3, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "native32-opt200",  0, 0, 1, 0x80,  16, 200,   0, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "native64-nodirs",  1, 0, 0, 0x80,  0,  -1,    2, 0,     0,     PEBUILD_CORRUPT_NONE },
    { "notpe-signature",  0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_PE_SIGNATURE },
    { "notpe-magic",      1, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_MAGIC },
    { "notpe-mz",         0, 0, 1, 0x80,  16, -1,    1, 0,     0,     PEBUILD_CORRUPT_MZ },
    { "notpe-lfanew0",    0, 0, 1, 0,     16, -1,    0, 0,     0,     PEBUILD_CORRUPT_NONE },
};

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
        if (pebuild_write_file(path, &s) != 0) {
            perror(path);
            return 1;
        }
    }
    return 0;
}
