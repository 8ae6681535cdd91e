/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * pebuild.h -- PE fixture builder shared by every test (unit, httpd, bench,
 * fuzz seeds).
 *
 * Builds a PE image in memory from a small spec: DOS header and stub,
 * "PE\0\0", IMAGE_FILE_HEADER, a PE32 or PE32+ optional header with
 * NumberOfRvaAndSizes data directories, a section table and the sections'
 * raw data, padded to a requested size.  A CLR image gets a CLR runtime
 * header (IMAGE_COR20_HEADER) at the start of its first section and data
 * directory 14 pointing at it.  Integers are written byte by byte,
 * little-endian.  The builder has its own copy of the PE layout constants
 * and does not use the library under test.
 *
 * Usage:
 *
 *     pebuild_spec s;
 *     size_t len;
 *     unsigned char *img;
 *
 *     pebuild_spec_init(&s);           a 32-bit CLR EXE, e_lfanew 0x80
 *     s.pe32plus = 1; s.dll = 1;       a 64-bit CLR DLL ...
 *     s.total_size = 65536;            ... padded to 64 KiB
 *     img = pebuild(&s, &len);         malloc'd; free() it
 *     pebuild_write_file("x.dll", &s); or straight to a file
 */
#ifndef NETEXE_PEBUILD_H
#define NETEXE_PEBUILD_H

#include <stddef.h>
#include <stdint.h>

/* Deliberate damage, applied after the image is built. */
typedef enum {
    PEBUILD_CORRUPT_NONE = 0,
    PEBUILD_CORRUPT_MZ,             /* bytes 0-1 are "ZM" */
    PEBUILD_CORRUPT_PE_SIGNATURE,   /* "PE\0\0" at e_lfanew becomes "PX\0\0" */
    PEBUILD_CORRUPT_MAGIC           /* optional header magic 0x107 (ROM) */
} pebuild_corrupt;

typedef struct {
    int      pe32plus;      /* 0: PE32 (magic 0x10B), 1: PE32+ (0x20B) */
    int      dll;           /* sets IMAGE_FILE_DLL in Characteristics */
    uint16_t machine;       /* IMAGE_FILE_HEADER.Machine */
    uint16_t subsystem;     /* 2 GUI, 3 console, 10 EFI application ... */
    /* Where the PE header goes.  0 or a value above PEBUILD_LFANEW_BUILD_MAX
     * is written into the DOS header as is, and no PE header follows: the
     * image is the DOS header, stub and padding only. */
    uint32_t e_lfanew;
    uint32_t number_of_rva_and_sizes;   /* 0 .. 16 directories written */
    /* -1: the natural size (96 or 112 + 8 * NumberOfRvaAndSizes).  Any
     * other value is written as SizeOfOptionalHeader, and the section table
     * starts there; the directories are written after the section table,
     * so that they survive an overlap. */
    int      size_of_optional_header;
    int      clr;           /* directory 14 -> a CLR header, when it exists */
    uint32_t cert_offset;   /* directory 4 (a file offset), when it exists */
    uint32_t cert_size;
    unsigned sections;      /* section headers and raw sections, 0 .. 16 */
    uint32_t section_raw_size;  /* bytes of raw data per section */
    size_t   total_size;    /* pad the image with zeros to at least this */
    pebuild_corrupt corrupt;
} pebuild_spec;

#define PEBUILD_LFANEW_BUILD_MAX    0x02000000u  /* 32 MiB */
#define PEBUILD_MAX_SECTIONS        16u
#define PEBUILD_MAX_DIRECTORIES     16u

#define PEBUILD_MACHINE_I386        0x014Cu
#define PEBUILD_MACHINE_AMD64       0x8664u
#define PEBUILD_MACHINE_ARM64       0xAA64u
#define PEBUILD_SUBSYSTEM_GUI       2u
#define PEBUILD_SUBSYSTEM_CUI       3u
#define PEBUILD_SUBSYSTEM_EFI_APP   10u

/* A 32-bit console CLR EXE as the C# compiler makes it: machine i386,
 * e_lfanew 0x80, 16 directories, .text/.rsrc/.reloc of 512 bytes each,
 * no certificate table, no padding, no damage. */
void pebuild_spec_init(pebuild_spec *spec);

/* Builds the image; *len gets its size.  Returns a malloc'd buffer, or NULL
 * when the spec is out of range (more than 16 directories or sections) or
 * memory is short. */
unsigned char *pebuild(const pebuild_spec *spec, size_t *len);

/* Writes the image to path (created or truncated, mode 0644).  0 on
 * success, -1 with errno set otherwise. */
int pebuild_write_file(const char *path, const pebuild_spec *spec);

/* File offsets in the image the spec describes (valid when a PE header is
 * written), for tests that patch or check single fields. */
size_t pebuild_opt_offset(const pebuild_spec *spec);       /* optional header */
size_t pebuild_dir_offset(const pebuild_spec *spec, unsigned index);
size_t pebuild_section_table_offset(const pebuild_spec *spec);
/* The end of data directory 14: e_lfanew + 0xF0 (PE32) or + 0x100 (PE32+). */
size_t pebuild_decision_end(const pebuild_spec *spec);

#endif
