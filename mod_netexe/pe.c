/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * pe.c -- the PE sniffer (DESIGN.md section 2; the promises are in pe.h).
 *
 * The checks run in file order.  Each one reads a field only after finding
 * it wholly inside the bytes given (the prefix, or the window); when it is
 * not, the answer is PE_NEED_MORE with need = the end of that field.  A
 * check looks at no byte beyond its own threshold, so a verdict given for a
 * prefix is the verdict of every longer prefix.
 *
 * Offsets below are the PE/COFF specification's, relative to e_lfanew or
 * to the start of the optional header.
 */
#include <string.h>

#include "pe.h"

/* IMAGE_DOS_HEADER */
#define PE_DOS_MAGIC_LEN            2u      /* "MZ" */
#define PE_DOS_LFANEW_OFFSET        0x3Cu
#define PE_DOS_HEADER_SIZE          0x40u   /* ends just after e_lfanew */

/* At e_lfanew: the "PE\0\0" signature, then IMAGE_FILE_HEADER, then the
 * optional header.  The file header and the optional header magic after it
 * are read as one field: the magic decides whether the image is PE at all,
 * and the file header's fields are only kept for an image that is. */
#define PE_SIGNATURE_SIZE           4u
#define PE_FH_OFFSET                4u
#define PE_FH_MACHINE               0u      /* from PE_FH_OFFSET */
#define PE_FH_SIZE_OF_OPT_HEADER    16u
#define PE_FH_CHARACTERISTICS       18u
#define PE_FH_OPT_MAGIC             20u     /* the optional header's first field */
#define PE_FH_AND_MAGIC_SIZE        22u
#define PE_OPT_HEADER_OFFSET        24u     /* signature + file header */

/* IMAGE_OPTIONAL_HEADER, from its start; equal in PE32 and PE32+ ... */
#define PE_OPT_MAGIC_SIZE           2u
#define PE_OPT_CHECKSUM             64u
/* ... and where the 64-bit stack and heap sizes move them apart. */
#define PE_OPT_RVA_COUNT_PE32       92u
#define PE_OPT_RVA_COUNT_PE32PLUS   108u
#define PE_OPT_DIRS_PE32            96u
#define PE_OPT_DIRS_PE32PLUS        112u

#define PE_DIR_ENTRY_SIZE           8u      /* VirtualAddress, Size */
#define PE_U16_SIZE                 2u
#define PE_U32_SIZE                 4u

/* Where the bytes come from: file offsets [0, head_len) are in head,
 * [win_off, win_off + win_len) in win.  It describes the caller's buffers;
 * nothing is overlaid on them. */
typedef struct {
    const unsigned char *head;
    size_t               head_len;
    const unsigned char *win;
    size_t               win_off;
    size_t               win_len;
    int                  extras;    /* also the fields no check reads */
} pe_src;

/* The readers the sniffer inlines; pe_rd_u16le and pe_rd_u32le export them
 * (an exported function in a shared object is called through the PLT and
 * not inlined, which would double the cost of a sniff). */
static uint16_t rd_u16le(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd_u32le(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
           ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint16_t pe_rd_u16le(const unsigned char *p)
{
    return rd_u16le(p);
}

uint32_t pe_rd_u32le(const unsigned char *p)
{
    return rd_u32le(p);
}

/* The n (> 0) bytes at file offset off when they lie wholly inside the
 * head or wholly inside the window, else NULL.  Cannot overflow: only
 * differences of offsets known to be ordered are formed. */
static const unsigned char *pe_at(const pe_src *src, size_t off, size_t n)
{
    size_t rel;

    if (off <= src->head_len && n <= src->head_len - off)
        return src->head + off;
    if (off < src->win_off)
        return NULL;
    rel = off - src->win_off;
    if (rel <= src->win_len && n <= src->win_len - rel)
        return src->win + rel;
    return NULL;
}

static pe_verdict pe_need(pe_info *info, size_t need)
{
    info->verdict = PE_NEED_MORE;
    info->reason = PE_REASON_NONE;
    info->need = need;
    return PE_NEED_MORE;
}

static pe_verdict pe_decide(pe_info *info, pe_verdict v, pe_reason r,
                            size_t used)
{
    /* An e_lfanew inside the DOS header puts fields before its end; the
     * decision still rested on reading e_lfanew itself. */
    if (info->e_lfanew != 0 && used < PE_DOS_HEADER_SIZE)
        used = PE_DOS_HEADER_SIZE;
    info->verdict = v;
    info->reason = r;
    info->need = used;
    return v;
}

/* Reads the optional-header fields that are not part of the decision,
 * each when the bytes given hold it: the scanner passes whole headers, the
 * filter only the decision window.  (restrict: the stores into *info
 * never touch *src, so its fields stay in registers.) */
static void pe_read_extras(const pe_src *restrict src, size_t opt,
                           size_t count_off, size_t dirs,
                           pe_info *restrict info)
{
    size_t cert = dirs + (size_t)PE_DIRECTORY_ENTRY_SECURITY * PE_DIR_ENTRY_SIZE;
    size_t cert_end = cert + PE_DIR_ENTRY_SIZE;
    const unsigned char *p;

    if (pe_at(src, opt + PE_OPT_CHECKSUM, PE_U32_SIZE) != NULL)
        info->checksum_offset = opt + PE_OPT_CHECKSUM;
    if ((p = pe_at(src, count_off, PE_U32_SIZE)) != NULL)
        info->number_of_rva_and_sizes = rd_u32le(p);

    /* The certificate table exists only when both the directory count and
     * the optional header's declared size reach entry 4: Authenticode, not
     * the CLR, reads it. */
    if (info->number_of_rva_and_sizes > PE_DIRECTORY_ENTRY_SECURITY &&
        cert_end - opt <= info->size_of_optional_header &&
        (p = pe_at(src, cert, PE_DIR_ENTRY_SIZE)) != NULL) {
        info->cert_dir_offset = cert;
        info->cert_offset = rd_u32le(p);
        info->cert_size = rd_u32le(p + PE_U32_SIZE);
    }
}

static pe_verdict pe_sniff_src(const pe_src *restrict src,
                               pe_info *restrict info)
{
    const unsigned char *p;
    size_t lfanew, opt, count_off, dirs, opt_min, clr, clr_end;

    memset(info, 0, sizeof(*info));

    /* 1. "MZ", e_lfanew, "PE\0\0" */
    if ((p = pe_at(src, 0, PE_DOS_MAGIC_LEN)) == NULL)
        return pe_need(info, PE_DOS_MAGIC_LEN);
    if (p[0] != 'M' || p[1] != 'Z')
        return pe_decide(info, PE_NOT_PE, PE_REASON_NO_MZ, PE_DOS_MAGIC_LEN);

    if ((p = pe_at(src, PE_DOS_LFANEW_OFFSET, PE_U32_SIZE)) == NULL)
        return pe_need(info, PE_DOS_HEADER_SIZE);
    info->e_lfanew = rd_u32le(p);
    if (info->e_lfanew == 0)
        return pe_decide(info, PE_NOT_PE, PE_REASON_LFANEW_ZERO,
                         PE_DOS_HEADER_SIZE);
    if (info->e_lfanew < PE_LFANEW_MIN || info->e_lfanew > PE_LFANEW_MAX)
        return pe_decide(info, PE_NOT_PE, PE_REASON_LFANEW_RANGE,
                         PE_DOS_HEADER_SIZE);
    /* From here on every offset is at most PE_LFANEW_MAX plus a few
     * hundred bytes: no size_t arithmetic below can wrap. */
    lfanew = info->e_lfanew;

    if ((p = pe_at(src, lfanew, PE_SIGNATURE_SIZE)) == NULL)
        return pe_need(info, lfanew + PE_SIGNATURE_SIZE);
    if (memcmp(p, "PE\0\0", PE_SIGNATURE_SIZE) != 0)
        return pe_decide(info, PE_NOT_PE, PE_REASON_NO_PE_SIGNATURE,
                         lfanew + PE_SIGNATURE_SIZE);

    /* 2. IMAGE_FILE_HEADER and the optional header magic */
    opt = lfanew + PE_OPT_HEADER_OFFSET;
    if ((p = pe_at(src, lfanew + PE_FH_OFFSET, PE_FH_AND_MAGIC_SIZE)) == NULL)
        return pe_need(info, opt + PE_OPT_MAGIC_SIZE);
    info->machine = rd_u16le(p + PE_FH_MACHINE);
    info->size_of_optional_header = rd_u16le(p + PE_FH_SIZE_OF_OPT_HEADER);
    info->characteristics = rd_u16le(p + PE_FH_CHARACTERISTICS);
    info->magic = rd_u16le(p + PE_FH_OPT_MAGIC);
    if (info->magic == PE_OPTIONAL_MAGIC_PE32) {
        count_off = opt + PE_OPT_RVA_COUNT_PE32;
        dirs = opt + PE_OPT_DIRS_PE32;
        opt_min = PE_OPTIONAL_HEADER_MIN_PE32;
    }
    else if (info->magic == PE_OPTIONAL_MAGIC_PE32PLUS) {
        count_off = opt + PE_OPT_RVA_COUNT_PE32PLUS;
        dirs = opt + PE_OPT_DIRS_PE32PLUS;
        opt_min = PE_OPTIONAL_HEADER_MIN_PE32PLUS;
    }
    else {
        return pe_decide(info, PE_NOT_PE, PE_REASON_BAD_MAGIC,
                         opt + PE_OPT_MAGIC_SIZE);
    }

    /* 3. SizeOfOptionalHeader is at least the standard size, 16 directories,
     * as CoreCLR's loader requires; it then covers entry 14.
     * NumberOfRvaAndSizes is not consulted: the loaders read entry 14
     * whatever it says. */
    clr = dirs + (size_t)PE_DIRECTORY_ENTRY_COM_DESCRIPTOR * PE_DIR_ENTRY_SIZE;
    clr_end = clr + PE_DIR_ENTRY_SIZE;
    if (info->size_of_optional_header < opt_min) {
        if (src->extras)
            pe_read_extras(src, opt, count_off, dirs, info);
        return pe_decide(info, PE_NATIVE, PE_REASON_OPTHDR_TOO_SMALL,
                         opt + PE_OPT_MAGIC_SIZE);
    }

    /* 4. data directory 14, the CLR runtime header */
    if ((p = pe_at(src, clr, PE_DIR_ENTRY_SIZE)) == NULL)
        return pe_need(info, clr_end);
    info->clr_rva = rd_u32le(p);
    if (src->extras)
        pe_read_extras(src, opt, count_off, dirs, info);
    if (info->clr_rva == 0)
        return pe_decide(info, PE_NATIVE, PE_REASON_NO_CLR_DIR, clr_end);
    return pe_decide(info, PE_CLR, PE_REASON_NONE, clr_end);
}

pe_verdict pe_sniff(const unsigned char *buf, size_t len, pe_info *info)
{
    pe_src src = { buf, len, NULL, 0, 0, 1 };

    return pe_sniff_src(&src, info);
}

pe_verdict pe_sniff_window(const unsigned char *head, size_t head_len,
                           const unsigned char *win, size_t win_off,
                           size_t win_len, pe_info *info)
{
    pe_src src = { head, head_len, win, win_off, win_len, 1 };

    return pe_sniff_src(&src, info);
}

pe_verdict pe_decide_window(const unsigned char *head, size_t head_len,
                            const unsigned char *win, size_t win_off,
                            size_t win_len, pe_info *info)
{
    pe_src src = { head, head_len, win, win_off, win_len, 0 };

    return pe_sniff_src(&src, info);
}

pe_verdict pe_sniff_final(const unsigned char *buf, size_t len, pe_info *info)
{
    if (pe_sniff(buf, len, info) != PE_NEED_MORE)
        return info->verdict;
    return pe_decide(info, PE_NOT_PE,
                     len == 0 ? PE_REASON_EMPTY : PE_REASON_TRUNCATED, len);
}

pe_verdict pe_sniff_window_final(const unsigned char *head, size_t head_len,
                                 const unsigned char *win, size_t win_off,
                                 size_t win_len, pe_info *info)
{
    size_t end = head_len;

    if (pe_sniff_window(head, head_len, win, win_off, win_len, info) != PE_NEED_MORE)
        return info->verdict;
    if (win_len != 0) {
        size_t win_end = win_len <= SIZE_MAX - win_off ? win_off + win_len : SIZE_MAX;

        if (win_end > end)
            end = win_end;
    }
    return pe_decide(info, PE_NOT_PE,
                     end == 0 ? PE_REASON_EMPTY : PE_REASON_TRUNCATED, end);
}

const char *pe_verdict_name(pe_verdict v)
{
    switch (v) {
    case PE_NEED_MORE: return "need-more";
    case PE_NOT_PE:    return "not-pe";
    case PE_NATIVE:    return "native";
    case PE_CLR:       return "clr";
    }
    return "invalid";
}

const char *pe_reason_name(pe_reason r)
{
    switch (r) {
    case PE_REASON_NONE:             return "none";
    case PE_REASON_EMPTY:            return "empty";
    case PE_REASON_NO_MZ:            return "no-mz";
    case PE_REASON_LFANEW_ZERO:      return "lfanew-zero";
    case PE_REASON_LFANEW_RANGE:     return "lfanew-range";
    case PE_REASON_NO_PE_SIGNATURE:  return "no-pe-signature";
    case PE_REASON_BAD_MAGIC:        return "bad-magic";
    case PE_REASON_TRUNCATED:        return "truncated";
    case PE_REASON_OPTHDR_TOO_SMALL: return "opthdr-too-small";
    case PE_REASON_NO_CLR_DIR:       return "no-clr-dir";
    }
    return "invalid";
}

int pe_is_dll(const pe_info *info)
{
    return (info->characteristics & PE_FILE_DLL) != 0;
}

/* IMAGE_FILE_MACHINE_* values of the PE/COFF specification. */
#define PE_MACHINE_UNKNOWN  0x0000u
#define PE_MACHINE_I386     0x014Cu
#define PE_MACHINE_ARM      0x01C0u
#define PE_MACHINE_ARMNT    0x01C4u
#define PE_MACHINE_IA64     0x0200u
#define PE_MACHINE_AMD64    0x8664u
#define PE_MACHINE_ARM64    0xAA64u

const char *pe_machine_name(uint16_t machine)
{
    switch (machine) {
    case PE_MACHINE_UNKNOWN: return "any";
    case PE_MACHINE_I386:    return "x86";
    case PE_MACHINE_AMD64:   return "x64";
    case PE_MACHINE_ARM64:   return "arm64";
    case PE_MACHINE_ARM:
    case PE_MACHINE_ARMNT:   return "arm";
    case PE_MACHINE_IA64:    return "ia64";
    }
    return "unknown";
}
