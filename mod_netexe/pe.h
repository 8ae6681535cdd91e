/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * pe.h -- the shared PE sniffer of mod_netexe.
 *
 * Decides from the first bytes of a file whether it is a PE image carrying
 * a CLR (.NET) runtime header, the way the CLR's own loader does
 * (DESIGN.md section 2):
 *
 *   1. bytes 0-1 are "MZ"; e_lfanew (u32 at 0x3C) is at least 4 and at most
 *      PE_LFANEW_MAX (below 256 MiB, the bound of Windows'
 *      RtlImageNtHeaderEx), and the four bytes at e_lfanew are "PE\0\0";
 *   2. the optional header magic (u16 at e_lfanew + 24) is 0x10B (PE32) or
 *      0x20B (PE32+);
 *   3. SizeOfOptionalHeader covers data directory entry 14: it is at least
 *      the standard size with 16 directories, 0xE0 for PE32 and 0xF0 for
 *      PE32+, which CoreCLR's loader requires.  NumberOfRvaAndSizes is not
 *      consulted: CoreCLR and Mono read DataDirectory[14] whatever the
 *      count says, and so does libmagic;
 *   4. data directory 14 (COM descriptor) has a non-zero VirtualAddress.
 *
 * 1-2 failing: PE_NOT_PE.  1-2 holding, 3-4 failing: PE_NATIVE.  All four:
 * PE_CLR.
 *
 * The bytes are given either as one prefix of the file (pe_sniff) or as
 * that prefix plus one window further on (pe_sniff_window), so that a file
 * can be judged from two small reads: its start, and the bytes at e_lfanew.
 *
 * Promises:
 *   - it reads only the bytes it was given; it never allocates, never
 *     writes anything but *info, and keeps no state (thread-safe,
 *     reentrant);
 *   - all integers are decoded byte by byte, little-endian; every bounds
 *     test is done in size_t and cannot overflow;
 *   - PE_NEED_MORE comes with info->need: the file offset just past the
 *     field the next check reads, a field that does not lie wholly inside
 *     the bytes given.  For pe_sniff, need > len; calling again with at
 *     least need leading bytes of the same stream either decides or asks
 *     for more again, with a larger need;
 *   - once a verdict other than PE_NEED_MORE is given for a prefix, every
 *     longer prefix of the same stream gets the same verdict and reason;
 *   - pe_sniff(buf, len, info) and pe_sniff_window(buf, len, NULL, 0, 0,
 *     info) give the same answer; so does pe_sniff_window with any window
 *     of the same stream, as long as every field it reads lies wholly
 *     inside the prefix or the window;
 *   - a decision never needs more than e_lfanew + 0xF0 bytes (PE32) or
 *     e_lfanew + 0x100 bytes (PE32+), i.e. the end of data directory 14,
 *     and beyond the DOS header only the bytes from e_lfanew on.
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
    PE_REASON_LFANEW_ZERO,      /* e_lfanew is 0: a DOS program */
    PE_REASON_LFANEW_RANGE,     /* e_lfanew is 1-3 or above PE_LFANEW_MAX */
    PE_REASON_NO_PE_SIGNATURE,  /* no "PE\0\0" at e_lfanew */
    PE_REASON_BAD_MAGIC,        /* optional header magic not 0x10B/0x20B */
    PE_REASON_TRUNCATED,        /* the stream ended before a decision */
    /* native */
    PE_REASON_OPTHDR_TOO_SMALL, /* SizeOfOptionalHeader < 0xE0 / 0xF0 */
    PE_REASON_NO_CLR_DIR        /* data directory 14 VirtualAddress is 0 */
} pe_reason;

/* The e_lfanew values accepted (DESIGN.md section 2): at least 4, and below
 * 256 MiB, the bound of Windows' RtlImageNtHeaderEx.  Every offset the
 * sniffer computes stays below PE_LFANEW_MAX + PE_DECISION_SPAN_PE32PLUS,
 * which fits a 32-bit size_t. */
#define PE_LFANEW_MIN                   4u
#define PE_LFANEW_MAX                   0x0FFFFFFFu

#define PE_OPTIONAL_MAGIC_PE32          0x10Bu
#define PE_OPTIONAL_MAGIC_PE32PLUS      0x20Bu
#define PE_FILE_DLL                     0x2000u  /* Characteristics bit */
#define PE_DIRECTORY_ENTRY_SECURITY     4
#define PE_DIRECTORY_ENTRY_COM_DESCRIPTOR 14

/* The least SizeOfOptionalHeader of a CLR image: the standard optional
 * header with 16 data directories. */
#define PE_OPTIONAL_HEADER_MIN_PE32     0xE0u
#define PE_OPTIONAL_HEADER_MIN_PE32PLUS 0xF0u

/* Bytes from e_lfanew to the end of data directory 14. */
#define PE_DECISION_SPAN_PE32           0xF0u
#define PE_DECISION_SPAN_PE32PLUS       0x100u

typedef struct {
    pe_verdict verdict;
    pe_reason  reason;
    /* With PE_NEED_MORE: the file offset just past the field wanted (for
     * pe_sniff, > len).  With a verdict: the number of leading bytes of the
     * file the verdict rests on. */
    size_t     need;

    /* Each field is filled when its bytes lie wholly inside the bytes
     * given and the checks before it passed; otherwise it reads 0.  With a
     * verdict of PE_NATIVE or PE_CLR, the fields up to data directory 14
     * are filled whenever the bytes given hold them: the filter passes only
     * the decision window, the scanner the whole headers.  Data directory
     * 14 is read whenever check 3 passes, whatever NumberOfRvaAndSizes
     * says, as the CLR does; data directory 4 only when NumberOfRvaAndSizes
     * and SizeOfOptionalHeader both reach it, as Authenticode does.  Absent
     * directories read as 0. */
    uint32_t e_lfanew;
    uint16_t machine;                 /* IMAGE_FILE_HEADER.Machine */
    uint16_t size_of_optional_header;
    uint16_t characteristics;
    uint16_t magic;                   /* 0x10B or 0x20B */
    uint32_t number_of_rva_and_sizes;
    uint32_t clr_rva;                 /* data directory 14 */
    uint32_t cert_offset, cert_size;  /* data directory 4: a file offset */
    size_t   checksum_offset;         /* file offset of CheckSum */
    size_t   cert_dir_offset;         /* file offset of data directory 4 */
} pe_info;

/* Classifies buf[0 .. len-1]; buf may be NULL when len is 0.  Returns
 * info->verdict.  info must not be NULL. */
pe_verdict pe_sniff(const unsigned char *buf, size_t len, pe_info *info);

/* As pe_sniff(), for a stream known to end after len bytes. */
pe_verdict pe_sniff_final(const unsigned char *buf, size_t len, pe_info *info);

/* Classifies a file from two ranges of it: the bytes at file offsets
 * [0, head_len) are head, those at [win_off, win_off + win_len) are win.
 * head may be NULL when head_len is 0, win when win_len is 0; where the two
 * ranges overlap, the caller promises equal bytes.  A field is read when it
 * lies wholly inside either range; otherwise the answer is PE_NEED_MORE with
 * info->need the file offset just past that field, as from pe_sniff.  The
 * filter's way: head from offset 0; when need > head_len and e_lfanew is
 * set, a window of PE_DECISION_SPAN_PE32PLUS bytes at e_lfanew (or what the
 * file holds of it); then a decision. */
pe_verdict pe_sniff_window(const unsigned char *head, size_t head_len,
                           const unsigned char *win, size_t win_off,
                           size_t win_len, pe_info *info);

/* As pe_sniff_window(), with the same verdict, reason and need, but of the
 * other fields only those the checks read (e_lfanew, the file header, the
 * magic, data directory 14); the rest read 0.  For the filter, which needs
 * no more, on every response. */
pe_verdict pe_decide_window(const unsigned char *head, size_t head_len,
                            const unsigned char *win, size_t win_off,
                            size_t win_len, pe_info *info);

/* As pe_sniff_window(), for a file known to end where the bytes given end:
 * at head_len, or at win_off + win_len when the window is not empty and
 * ends later.  PE_NEED_MORE becomes PE_NOT_PE (PE_REASON_TRUNCATED, or
 * PE_REASON_EMPTY when nothing was given) with need = that end.  The caller
 * gives every byte before the end that a check asks for: a field that
 * falls into a gap between head and window is reported as truncated. */
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
