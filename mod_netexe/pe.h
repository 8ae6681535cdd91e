/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * pe.h -- the shared PE sniffer of mod_netexe.
 *
 * Decides from a prefix of a file whether it is a PE image carrying a CLR
 * (.NET) runtime header, following DESIGN.md section 2:
 *
 *   1. bytes 0-1 are "MZ"; e_lfanew (u32 at 0x3C) is non-zero and the four
 *      bytes at e_lfanew are "PE\0\0";
 *   2. the optional header magic (u16 at e_lfanew + 24) is 0x10B (PE32) or
 *      0x20B (PE32+);
 *   3. SizeOfOptionalHeader covers data directory entry 14 and
 *      NumberOfRvaAndSizes > 14;
 *   4. data directory 14 (COM descriptor) has a non-zero VirtualAddress.
 *
 * 1-2 failing: PE_NOT_PE.  1-2 holding, 3-4 failing: PE_NATIVE.  All four:
 * PE_CLR.
 *
 * Promises of pe_sniff():
 *   - it reads only buf[0 .. len-1]; it never allocates, never writes
 *     anything but *info, and keeps no state (thread-safe, reentrant);
 *   - all integers are decoded byte by byte, little-endian; every bounds
 *     test is done in size_t and cannot overflow;
 *   - PE_NEED_MORE comes with info->need > len: the number of leading bytes
 *     that will let the next check run.  Calling again with at least that
 *     many bytes of the same stream either decides or asks for more again,
 *     with a larger need;
 *   - once a verdict other than PE_NEED_MORE is given for a prefix, every
 *     longer prefix of the same stream gets the same verdict and reason;
 *   - a decision never needs more than e_lfanew + 0xF0 bytes (PE32) or
 *     e_lfanew + 0x100 bytes (PE32+), i.e. the end of data directory 14.
 *
 * The caller applies its own limit: when info->need exceeds the bytes it is
 * willing to hold, the answer is "unknown".  At the end of a stream,
 * pe_sniff_final() turns PE_NEED_MORE into PE_NOT_PE (PE_REASON_TRUNCATED).
 */
#ifndef NETEXE_PE_H
#define NETEXE_PE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PE_NEED_MORE = 0,   /* undecided: info->need bytes are wanted */
    PE_NOT_PE,          /* checks 1-2 failed (info->reason says which) */
    PE_NATIVE,          /* a PE image without a CLR header */
    PE_CLR              /* a PE image with a CLR header */
} pe_verdict;

/* Why an input is not CLR; PE_REASON_NONE for PE_CLR and PE_NEED_MORE. */
typedef enum {
    PE_REASON_NONE = 0,
    /* not PE */
    PE_REASON_EMPTY,            /* no bytes at all (pe_sniff_final only) */
    PE_REASON_NO_MZ,            /* bytes 0-1 are not "MZ" */
    PE_REASON_LFANEW_ZERO,      /* e_lfanew is 0 */
    PE_REASON_LFANEW_RANGE,     /* e_lfanew > PE_LFANEW_MAX */
    PE_REASON_NO_PE_SIGNATURE,  /* no "PE\0\0" at e_lfanew */
    PE_REASON_BAD_MAGIC,        /* optional header magic not 0x10B/0x20B */
    PE_REASON_TRUNCATED,        /* the stream ended before a decision */
    /* native */
    PE_REASON_OPTHDR_TOO_SMALL, /* SizeOfOptionalHeader ends before dir 14 */
    PE_REASON_TOO_FEW_DIRS,     /* NumberOfRvaAndSizes <= 14 */
    PE_REASON_NO_CLR_DIR        /* data directory 14 VirtualAddress is 0 */
} pe_reason;

/* Largest e_lfanew accepted: no supported sniff window reaches past it. */
#define PE_LFANEW_MAX                   0x01000000u  /* 16 MiB */

#define PE_OPTIONAL_MAGIC_PE32          0x10Bu
#define PE_OPTIONAL_MAGIC_PE32PLUS      0x20Bu
#define PE_FILE_DLL                     0x2000u  /* Characteristics bit */
#define PE_DIRECTORY_ENTRY_SECURITY     4
#define PE_DIRECTORY_ENTRY_COM_DESCRIPTOR 14

/* Bytes from e_lfanew to the end of data directory 14. */
#define PE_DECISION_SPAN_PE32           0xF0u
#define PE_DECISION_SPAN_PE32PLUS       0x100u

typedef struct {
    pe_verdict verdict;
    pe_reason  reason;
    /* With PE_NEED_MORE: the bytes wanted, > len.  With a verdict: the
     * number of leading bytes the verdict rests on (<= len). */
    size_t     need;

    /* Each field is filled when its bytes lie inside the buffer given and
     * the checks before it passed; otherwise it reads 0.  With a verdict of
     * PE_NATIVE or PE_CLR, the fields up to data directory 14 are filled
     * whenever the buffer reaches them: the filter passes only the decision
     * window, the scanner the whole headers.  Absent directories (beyond
     * NumberOfRvaAndSizes or SizeOfOptionalHeader) read as 0. */
    uint32_t e_lfanew;
    uint16_t machine;                 /* IMAGE_FILE_HEADER.Machine */
    uint16_t number_of_sections;
    uint16_t size_of_optional_header;
    uint16_t characteristics;
    uint16_t magic;                   /* 0x10B or 0x20B */
    uint16_t subsystem;
    uint32_t size_of_headers;
    uint32_t number_of_rva_and_sizes;
    uint32_t clr_rva, clr_size;       /* data directory 14 */
    uint32_t cert_offset, cert_size;  /* data directory 4: a file offset */
    size_t   checksum_offset;         /* file offset of CheckSum */
    size_t   cert_dir_offset;         /* file offset of data directory 4 */
    size_t   section_table_offset;    /* file offset of the section table */
} pe_info;

/* Classifies buf[0 .. len-1]; buf may be NULL when len is 0.  Returns
 * info->verdict.  info must not be NULL. */
pe_verdict pe_sniff(const unsigned char *buf, size_t len, pe_info *info);

/* As pe_sniff(), for a stream known to end after len bytes. */
pe_verdict pe_sniff_final(const unsigned char *buf, size_t len, pe_info *info);

/* As pe_sniff(), with the bytes at [0, head_len) in head and those at
 * [win_off, win_off + win_len) in win: a file's first bytes and a window
 * at e_lfanew, without the bytes between. */
pe_verdict pe_sniff_window(const unsigned char *head, size_t head_len,
                           const unsigned char *win, size_t win_off,
                           size_t win_len, pe_info *info);
/* As pe_sniff_window(), for a file that ends where the bytes given end. */
pe_verdict pe_sniff_window_final(const unsigned char *head, size_t head_len,
                                 const unsigned char *win, size_t win_off,
                                 size_t win_len, pe_info *info);

/* Short, stable names for logs and the request note. */
const char *pe_verdict_name(pe_verdict v);   /* "need-more" "not-pe" "native" "clr" */
const char *pe_reason_name(pe_reason r);     /* e.g. "no-mz", "no-clr-dir" */

/* 1 for a DLL (Characteristics has IMAGE_FILE_DLL), else 0. */
int pe_is_dll(const pe_info *info);

/* Little-endian integers at p, read byte by byte (no alignment needed).
 * Shared with authenticode.c. */
uint16_t pe_rd_u16le(const unsigned char *p);
uint32_t pe_rd_u32le(const unsigned char *p);

/* "x86", "x64", "arm64", "arm", "ia64", "any" (0) or "unknown". */
const char *pe_machine_name(uint16_t machine);

#ifdef __cplusplus
}
#endif
#endif
