/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * pebuild.c -- PE fixture builder (see pebuild.h).
 *
 * The layout follows what Microsoft's linkers and the C# compiler emit, so
 * that the fixtures look like real files to libmagic and to httpd: the
 * classic DOS stub, FileAlignment 0x200, SectionAlignment 0x1000, the first
 * section at RVA 0x2000, the CLR header 8 bytes into .text (after the IAT
 * slot) and the metadata root ("BSJB") behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pebuild.h"

#define DOS_HEADER_SIZE         0x40u
#define DOS_LFANEW_OFFSET       0x3Cu
#define DOS_STUB_END            0x80u
#define FH_OFFSET               4u      /* after "PE\0\0" */
#define OPT_OFFSET              24u     /* signature + IMAGE_FILE_HEADER */
#define OPT_DIRS_PE32           96u
#define OPT_DIRS_PE32PLUS       112u
#define DIR_ENTRY_SIZE          8u
#define DIR_SECURITY            4u
#define DIR_COM_DESCRIPTOR      14u
#define SECTION_HEADER_SIZE     40u
#define FILE_ALIGNMENT          0x200u
#define SECTION_ALIGNMENT       0x1000u
#define FIRST_SECTION_RVA       0x2000u
#define MAX_OPT_HEADER_SIZE     0xFFFFu

#define MAGIC_PE32              0x10Bu
#define MAGIC_PE32PLUS          0x20Bu
#define MAGIC_ROM               0x107u

#define FILE_EXECUTABLE_IMAGE   0x0002u
#define FILE_LARGE_ADDRESS_AWARE 0x0020u
#define FILE_32BIT_MACHINE      0x0100u
#define FILE_DLL                0x2000u

#define DLLCHAR_DYNAMIC_BASE    0x0040u
#define DLLCHAR_NX_COMPAT       0x0100u
#define DLLCHAR_NO_SEH          0x0400u

#define SCN_CODE_EXEC_READ      0x60000020u
#define SCN_IDATA_READ          0x40000040u
#define SCN_IDATA_READ_WRITE    0xC0000040u

/* IMAGE_COR20_HEADER and the metadata root it points at. */
#define COR20_HEADER_SIZE       0x48u
#define COR20_OFFSET_IN_TEXT    8u
#define COR20_RUNTIME_MAJOR     2u
#define COR20_RUNTIME_MINOR     5u
#define COR20_FLAGS_ILONLY      0x00000001u
#define COR20_ENTRY_TOKEN       0x06000001u  /* MethodDef row 1 */
#define METADATA_OFFSET_IN_TEXT (COR20_OFFSET_IN_TEXT + COR20_HEADER_SIZE)
#define METADATA_ROOT_SIZE      0x20u
#define METADATA_SIGNATURE      0x424A5342u  /* "BSJB" */

/* The DOS stub every Microsoft linker writes: print the message, exit. */
static const unsigned char dos_stub_code[] = {
    0x0E, 0x1F, 0xBA, 0x0E, 0x00, 0xB4, 0x09, 0xCD,
    0x21, 0xB8, 0x01, 0x4C, 0xCD, 0x21
};
static const char dos_stub_message[] = "This program cannot be run in DOS mode.\r\r\n$";

static const char *const section_names[] = {
    ".text", ".rsrc", ".reloc", ".data", ".rdata", ".pdata", ".idata", ".tls"
};

static void wr_u16le(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)(v >> 8);
}

static void wr_u32le(unsigned char *p, uint32_t v)
{
    wr_u16le(p, (uint16_t)(v & 0xFFFFu));
    wr_u16le(p + 2, (uint16_t)(v >> 16));
}

static void wr_u64le(unsigned char *p, uint64_t v)
{
    wr_u32le(p, (uint32_t)(v & 0xFFFFFFFFu));
    wr_u32le(p + 4, (uint32_t)(v >> 32));
}

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

void pebuild_spec_init(pebuild_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    spec->machine = PEBUILD_MACHINE_I386;
    spec->subsystem = PEBUILD_SUBSYSTEM_CUI;
    spec->e_lfanew = DOS_STUB_END;
    spec->number_of_rva_and_sizes = PEBUILD_MAX_DIRECTORIES;
    spec->size_of_optional_header = -1;
    spec->clr = 1;
    spec->sections = 3;
    spec->section_raw_size = FILE_ALIGNMENT;
}

static int has_pe_header(const pebuild_spec *spec)
{
    return spec->e_lfanew != 0 && spec->e_lfanew <= PEBUILD_LFANEW_BUILD_MAX;
}

static size_t dirs_rel(const pebuild_spec *spec)
{
    return spec->pe32plus ? OPT_DIRS_PE32PLUS : OPT_DIRS_PE32;
}

static size_t natural_opt_size(const pebuild_spec *spec)
{
    return dirs_rel(spec) + (size_t)spec->number_of_rva_and_sizes * DIR_ENTRY_SIZE;
}

static size_t declared_opt_size(const pebuild_spec *spec)
{
    return spec->size_of_optional_header < 0
               ? natural_opt_size(spec) : (size_t)spec->size_of_optional_header;
}

size_t pebuild_opt_offset(const pebuild_spec *spec)
{
    return (size_t)spec->e_lfanew + OPT_OFFSET;
}

size_t pebuild_dir_offset(const pebuild_spec *spec, unsigned index)
{
    return pebuild_opt_offset(spec) + dirs_rel(spec) + (size_t)index * DIR_ENTRY_SIZE;
}

size_t pebuild_section_table_offset(const pebuild_spec *spec)
{
    return pebuild_opt_offset(spec) + declared_opt_size(spec);
}

size_t pebuild_decision_end(const pebuild_spec *spec)
{
    return pebuild_dir_offset(spec, DIR_COM_DESCRIPTOR) + DIR_ENTRY_SIZE;
}

static void write_dos_header(unsigned char *img, const pebuild_spec *spec)
{
    img[0] = 'M';
    img[1] = 'Z';
    wr_u16le(img + 0x02, 0x90);     /* e_cblp */
    wr_u16le(img + 0x04, 3);        /* e_cp */
    wr_u16le(img + 0x08, 4);        /* e_cparhdr */
    wr_u16le(img + 0x0C, 0xFFFF);   /* e_maxalloc */
    wr_u16le(img + 0x10, 0xB8);     /* e_sp */
    wr_u16le(img + 0x18, 0x40);     /* e_lfarlc */
    wr_u32le(img + DOS_LFANEW_OFFSET, spec->e_lfanew);
    /* The stub only when it does not run into the PE header. */
    if (spec->e_lfanew == 0 || spec->e_lfanew >= DOS_STUB_END) {
        memcpy(img + DOS_HEADER_SIZE, dos_stub_code, sizeof(dos_stub_code));
        memcpy(img + DOS_HEADER_SIZE + sizeof(dos_stub_code), dos_stub_message,
               sizeof(dos_stub_message) - 1);
    }
}

static void write_clr_header(unsigned char *text, uint32_t text_rva,
                             int is_dll)
{
    unsigned char *cor = text + COR20_OFFSET_IN_TEXT;
    unsigned char *md = text + METADATA_OFFSET_IN_TEXT;

    wr_u32le(cor + 0, COR20_HEADER_SIZE);                   /* cb */
    wr_u16le(cor + 4, COR20_RUNTIME_MAJOR);
    wr_u16le(cor + 6, COR20_RUNTIME_MINOR);
    wr_u32le(cor + 8, text_rva + METADATA_OFFSET_IN_TEXT);  /* MetaData */
    wr_u32le(cor + 12, METADATA_ROOT_SIZE);
    wr_u32le(cor + 16, COR20_FLAGS_ILONLY);
    wr_u32le(cor + 20, is_dll ? 0 : COR20_ENTRY_TOKEN);
    wr_u32le(md, METADATA_SIGNATURE);
    wr_u16le(md + 4, 1);                                    /* MajorVersion */
    wr_u16le(md + 6, 1);                                    /* MinorVersion */
    wr_u32le(md + 12, 12);                                  /* version length */
    memcpy(md + 16, "v4.0.30319", 10);
}

unsigned char *pebuild(const pebuild_spec *spec, size_t *len)
{
    size_t lfanew = spec->e_lfanew;
    size_t opt = pebuild_opt_offset(spec);
    size_t opt_size = declared_opt_size(spec);
    size_t dirs = opt + dirs_rel(spec);
    size_t sect_tab = opt + opt_size;
    size_t raw = align_up(spec->section_raw_size, FILE_ALIGNMENT);
    size_t virt = align_up(spec->section_raw_size ? spec->section_raw_size : 1,
                           SECTION_ALIGNMENT);
    size_t hdr_end, headers, end, total, i, k;
    uint32_t text_rva = FIRST_SECTION_RVA, image_size;
    uint16_t characteristics;
    unsigned char *img;

    if (spec->number_of_rva_and_sizes > PEBUILD_MAX_DIRECTORIES ||
        spec->sections > PEBUILD_MAX_SECTIONS ||
        spec->size_of_optional_header > (int)MAX_OPT_HEADER_SIZE ||
        (spec->e_lfanew != 0 && spec->e_lfanew < DOS_HEADER_SIZE))
        return NULL;

    if (has_pe_header(spec)) {
        hdr_end = sect_tab + (size_t)spec->sections * SECTION_HEADER_SIZE;
        if (hdr_end < opt + natural_opt_size(spec))
            hdr_end = opt + natural_opt_size(spec);
        headers = align_up(hdr_end, FILE_ALIGNMENT);
        end = headers + (size_t)spec->sections * raw;
    }
    else {
        headers = end = DOS_STUB_END;
    }
    total = end > spec->total_size ? end : spec->total_size;
    img = calloc(1, total);
    if (img == NULL)
        return NULL;
    write_dos_header(img, spec);

    if (has_pe_header(spec)) {
        characteristics = FILE_EXECUTABLE_IMAGE;
        characteristics |= spec->pe32plus ? FILE_LARGE_ADDRESS_AWARE : FILE_32BIT_MACHINE;
        if (spec->dll)
            characteristics |= FILE_DLL;
        image_size = (uint32_t)(spec->sections
                                    ? FIRST_SECTION_RVA + spec->sections * virt
                                    : FIRST_SECTION_RVA);

        memcpy(img + lfanew, "PE\0\0", 4);
        wr_u16le(img + lfanew + FH_OFFSET + 0, spec->machine);
        wr_u16le(img + lfanew + FH_OFFSET + 2, (uint16_t)spec->sections);
        wr_u16le(img + lfanew + FH_OFFSET + 16, (uint16_t)opt_size);
        wr_u16le(img + lfanew + FH_OFFSET + 18, characteristics);

        wr_u16le(img + opt + 0, spec->pe32plus ? MAGIC_PE32PLUS : MAGIC_PE32);
        img[opt + 2] = 11;                                  /* linker 11.0 */
        wr_u32le(img + opt + 4, (uint32_t)(spec->sections ? raw : 0)); /* SizeOfCode */
        wr_u32le(img + opt + 16, spec->dll ? 0 : text_rva); /* entry point */
        wr_u32le(img + opt + 20, text_rva);                 /* BaseOfCode */
        if (spec->pe32plus)
            wr_u64le(img + opt + 24, spec->dll ? 0x180000000u : 0x140000000u);
        else
            wr_u32le(img + opt + 28, spec->dll ? 0x10000000u : 0x00400000u);
        wr_u32le(img + opt + 32, SECTION_ALIGNMENT);
        wr_u32le(img + opt + 36, FILE_ALIGNMENT);
        wr_u16le(img + opt + 40, 6);                        /* OS version */
        wr_u16le(img + opt + 48, 6);                        /* subsystem version */
        wr_u32le(img + opt + 56, image_size);
        wr_u32le(img + opt + 60, (uint32_t)headers);
        wr_u16le(img + opt + 68, spec->subsystem);
        wr_u16le(img + opt + 70, DLLCHAR_DYNAMIC_BASE | DLLCHAR_NX_COMPAT | DLLCHAR_NO_SEH);
        if (spec->pe32plus) {
            wr_u64le(img + opt + 72, 0x400000u);            /* stack reserve */
            wr_u64le(img + opt + 80, 0x4000u);
            wr_u64le(img + opt + 88, 0x100000u);            /* heap reserve */
            wr_u64le(img + opt + 96, 0x2000u);
            wr_u32le(img + opt + 108, spec->number_of_rva_and_sizes);
        }
        else {
            wr_u32le(img + opt + 72, 0x100000u);
            wr_u32le(img + opt + 76, 0x1000u);
            wr_u32le(img + opt + 80, 0x100000u);
            wr_u32le(img + opt + 84, 0x1000u);
            wr_u32le(img + opt + 92, spec->number_of_rva_and_sizes);
        }

        for (i = 0; i < spec->sections; i++) {
            unsigned char *sh = img + sect_tab + i * SECTION_HEADER_SIZE;
            unsigned char *data = img + headers + i * raw;
            char name[9];
            uint32_t flags = i == 0 ? SCN_CODE_EXEC_READ
                             : i == 3 ? SCN_IDATA_READ_WRITE : SCN_IDATA_READ;

            if (i < sizeof(section_names) / sizeof(section_names[0]))
                snprintf(name, sizeof(name), "%s", section_names[i]);
            else
                snprintf(name, sizeof(name), ".sect%02u", (unsigned)(i % 100u));
            memcpy(sh, name, strlen(name));
            wr_u32le(sh + 8, spec->section_raw_size);                   /* VirtualSize */
            wr_u32le(sh + 12, (uint32_t)(FIRST_SECTION_RVA + i * virt)); /* VirtualAddress */
            wr_u32le(sh + 16, (uint32_t)raw);                           /* SizeOfRawData */
            wr_u32le(sh + 20, raw ? (uint32_t)(headers + i * raw) : 0); /* PointerToRawData */
            wr_u32le(sh + 36, flags);
            /* Deterministic filler, different per section, never all zero. */
            for (k = 0; k < raw; k++)
                data[k] = (unsigned char)((k * 7u + i * 13u + 1u) & 0xFFu);
        }
        if (spec->clr && spec->sections > 0 &&
            raw >= METADATA_OFFSET_IN_TEXT + METADATA_ROOT_SIZE) {
            memset(img + headers, 0, METADATA_OFFSET_IN_TEXT + METADATA_ROOT_SIZE);
            write_clr_header(img + headers, text_rva, spec->dll);
        }

        /* Directories last: a declared SizeOfOptionalHeader smaller than
         * the natural one puts the section table over them. */
        memset(img + dirs, 0, (size_t)spec->number_of_rva_and_sizes * DIR_ENTRY_SIZE);
        if (spec->number_of_rva_and_sizes > DIR_SECURITY) {
            wr_u32le(img + dirs + DIR_SECURITY * DIR_ENTRY_SIZE, spec->cert_offset);
            wr_u32le(img + dirs + DIR_SECURITY * DIR_ENTRY_SIZE + 4, spec->cert_size);
        }
        if (spec->clr && spec->number_of_rva_and_sizes > DIR_COM_DESCRIPTOR) {
            wr_u32le(img + dirs + DIR_COM_DESCRIPTOR * DIR_ENTRY_SIZE,
                     text_rva + COR20_OFFSET_IN_TEXT);
            wr_u32le(img + dirs + DIR_COM_DESCRIPTOR * DIR_ENTRY_SIZE + 4,
                     COR20_HEADER_SIZE);
        }

        if (spec->corrupt == PEBUILD_CORRUPT_PE_SIGNATURE)
            img[lfanew + 1] = 'X';
        else if (spec->corrupt == PEBUILD_CORRUPT_MAGIC)
            wr_u16le(img + opt, MAGIC_ROM);
    }
    if (spec->corrupt == PEBUILD_CORRUPT_MZ) {
        img[0] = 'Z';
        img[1] = 'M';
    }
    *len = total;
    return img;
}

int pebuild_write_file(const char *path, const pebuild_spec *spec)
{
    size_t len, done = 0;
    unsigned char *img = pebuild(spec, &len);
    int fd, saved;

    if (img == NULL) {
        errno = EINVAL;
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        saved = errno;
        free(img);
        errno = saved;
        return -1;
    }
    while (done < len) {
        ssize_t n = write(fd, img + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            saved = errno;
            close(fd);
            free(img);
            errno = saved;
            return -1;
        }
        done += (size_t)n;
    }
    free(img);
    return close(fd);
}
