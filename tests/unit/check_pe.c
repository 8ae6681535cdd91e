/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_pe.c -- the PE sniffer (mod_netexe/pe.h) on images made by the
 * fixture builder.  Every case asserts verdict, reason and need; the
 * prefix tests feed every prefix length of an image, and the window tests
 * every window length, each copied into a buffer of exactly that size so
 * that the sanitizer run catches any read past the bytes given.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe.h"
#include "pebuild.h"

/* The PE layout as the tests see it, written out from the specification
 * rather than taken from pe.c. */
#define MZ_LEN              2u
#define DOS_HEADER_LEN      0x40u
#define SIGNATURE_END       4u      /* from e_lfanew */
#define MAGIC_END           26u     /* from e_lfanew */
#define OPT_START           24u     /* from e_lfanew */
#define RVA_COUNT_PE32      (OPT_START + 92u)   /* from e_lfanew */
#define RVA_COUNT_PE32P     (OPT_START + 108u)
#define DIR14_END_PE32      0xF0u   /* DESIGN section 2 */
#define DIR14_END_PE32P     0x100u
#define DIR14_ONLY_PE32     0xD8u   /* optional header up to the end of dir 14 */
#define DIR14_ONLY_PE32P    0xE8u
#define STANDARD_OPT_PE32   0xE0u   /* 16 directories: the least CoreCLR takes */
#define STANDARD_OPT_PE32P  0xF0u
#define FILE_HEADER_SIZE_OF_OPT 20u /* from e_lfanew */
#define CLR_HEADER_RVA      0x2008u /* pebuild: 8 bytes into .text */
#define CLR_HEADER_SIZE     0x48u
#define WINDOW_64K          65536u
#define FILTER_HEAD         512u    /* what the filter reads first */
#define PEBUILD_LFANEW      0x80u   /* where pebuild_spec_init puts the header */
#define MAX_STEPS           6

static unsigned char *build(const pebuild_spec *spec, size_t *len)
{
    unsigned char *img = pebuild(spec, len);

    ck_assert_ptr_nonnull(img);
    return img;
}

static void assert_sniff(const unsigned char *buf, size_t len,
                         pe_verdict verdict, pe_reason reason, size_t need)
{
    pe_info info;

    memset(&info, 0xA5, sizeof info);
    ck_assert_int_eq(pe_sniff(buf, len, &info), verdict);
    ck_assert_msg(info.verdict == verdict, "len %zu: verdict %s, expected %s",
                  len, pe_verdict_name(info.verdict), pe_verdict_name(verdict));
    ck_assert_msg(info.reason == reason, "len %zu: reason %s, expected %s",
                  len, pe_reason_name(info.reason), pe_reason_name(reason));
    ck_assert_msg(info.need == need, "len %zu: need %zu, expected %zu",
                  len, info.need, need);
}

static void put_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
    p[2] = (unsigned char)((v >> 16) & 0xFFu);
    p[3] = (unsigned char)(v >> 24);
}

static void put_u16le(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)(v >> 8);
}

static size_t count_offset(const pebuild_spec *s)
{
    return s->e_lfanew + (s->pe32plus ? RVA_COUNT_PE32P : RVA_COUNT_PE32);
}

/* Every field of two answers is the same. */
static void assert_same_info(const pe_info *a, const pe_info *b, const char *what)
{
    ck_assert_msg(a->verdict == b->verdict, "%s: verdict %s, expected %s", what,
                  pe_verdict_name(a->verdict), pe_verdict_name(b->verdict));
    ck_assert_msg(a->reason == b->reason, "%s: reason %s, expected %s", what,
                  pe_reason_name(a->reason), pe_reason_name(b->reason));
    ck_assert_msg(a->need == b->need, "%s: need %zu, expected %zu", what,
                  a->need, b->need);
    ck_assert_msg(a->e_lfanew == b->e_lfanew, "%s: e_lfanew", what);
    ck_assert_msg(a->machine == b->machine, "%s: machine", what);
    ck_assert_msg(a->size_of_optional_header == b->size_of_optional_header,
                  "%s: SizeOfOptionalHeader", what);
    ck_assert_msg(a->characteristics == b->characteristics, "%s: characteristics", what);
    ck_assert_msg(a->magic == b->magic, "%s: magic", what);
    ck_assert_msg(a->number_of_rva_and_sizes == b->number_of_rva_and_sizes,
                  "%s: NumberOfRvaAndSizes %u, expected %u", what,
                  (unsigned)a->number_of_rva_and_sizes,
                  (unsigned)b->number_of_rva_and_sizes);
    ck_assert_msg(a->clr_rva == b->clr_rva, "%s: directory 14", what);
    ck_assert_msg(a->cert_offset == b->cert_offset && a->cert_size == b->cert_size,
                  "%s: directory 4", what);
    ck_assert_msg(a->checksum_offset == b->checksum_offset, "%s: CheckSum offset", what);
    ck_assert_msg(a->cert_dir_offset == b->cert_dir_offset, "%s: directory 4 offset", what);
}

/* pe_sniff_window on exact-size heap copies of the head [0, head_len) and
 * of the window [win_off, win_off + win_len) of img, so that a read past
 * either is a sanitizer error; final selects pe_sniff_window_final. */
static pe_verdict sniff_window_copies(const unsigned char *img, size_t head_len,
                                      size_t win_off, size_t win_len, int final,
                                      pe_info *info)
{
    unsigned char *head = malloc(head_len ? head_len : 1);
    unsigned char *win = malloc(win_len ? win_len : 1);
    pe_verdict v;

    ck_assert_ptr_nonnull(head);
    ck_assert_ptr_nonnull(win);
    memcpy(head, img, head_len);
    memcpy(win, img + win_off, win_len);
    memset(info, 0xA5, sizeof *info);
    if (final) {
        v = pe_sniff_window_final(head_len ? head : NULL, head_len,
                                  win_len ? win : NULL, win_off, win_len, info);
    }
    else {
        pe_info d;

        v = pe_sniff_window(head_len ? head : NULL, head_len,
                            win_len ? win : NULL, win_off, win_len, info);
        /* The filter's entry point decides the same, from the same fields. */
        ck_assert_int_eq(pe_decide_window(head_len ? head : NULL, head_len,
                                          win_len ? win : NULL, win_off,
                                          win_len, &d), v);
        ck_assert_int_eq(d.reason, info->reason);
        ck_assert_uint_eq(d.need, info->need);
        ck_assert_uint_eq(d.e_lfanew, info->e_lfanew);
        ck_assert_uint_eq(d.characteristics, info->characteristics);
        ck_assert_uint_eq(d.clr_rva, info->clr_rva);
        ck_assert_uint_eq(d.checksum_offset, 0);
        ck_assert_uint_eq(d.cert_dir_offset, 0);
    }
    free(head);
    free(win);
    ck_assert_int_eq(v, info->verdict);
    return v;
}

static void assert_window(const unsigned char *img, size_t head_len,
                          size_t win_off, size_t win_len, pe_verdict verdict,
                          pe_reason reason, size_t need)
{
    pe_info info;

    sniff_window_copies(img, head_len, win_off, win_len, 0, &info);
    ck_assert_msg(info.verdict == verdict && info.reason == reason && info.need == need,
                  "head %zu, window %zu+%zu: %s (%s) need %zu, expected %s (%s) need %zu",
                  head_len, win_off, win_len, pe_verdict_name(info.verdict),
                  pe_reason_name(info.reason), info.need, pe_verdict_name(verdict),
                  pe_reason_name(reason), need);
}

/* Sniffs a spec's image; returns the image's info. */
static pe_info sniff_spec(const pebuild_spec *spec, size_t *len)
{
    pe_info info;
    unsigned char *img = build(spec, len);

    pe_sniff(img, *len, &info);
    free(img);
    return info;
}

/* ---- CLR and native images of every kind ------------------------------ */

typedef struct {
    int      pe32plus;
    int      dll;
    uint16_t machine;
    uint32_t e_lfanew;
} kind_case;

static const kind_case kinds[] = {
    { 0, 0, PEBUILD_MACHINE_I386,  0x80 },
    { 0, 1, PEBUILD_MACHINE_I386,  0x80 },
    { 1, 0, PEBUILD_MACHINE_AMD64, 0x80 },
    { 1, 1, PEBUILD_MACHINE_AMD64, 0x80 },
    { 1, 0, PEBUILD_MACHINE_ARM64, 0x80 },
    { 0, 0, PEBUILD_MACHINE_I386,  0x40 },
    { 1, 1, PEBUILD_MACHINE_AMD64, 0x40 },
    { 0, 1, PEBUILD_MACHINE_I386,  0x400 },
    { 1, 0, PEBUILD_MACHINE_AMD64, 0x400 },
    { 0, 0, PEBUILD_MACHINE_I386,  0xF000 },
    { 1, 1, PEBUILD_MACHINE_AMD64, 0xF000 },
    { 0, 0, PEBUILD_MACHINE_I386,  0x10100 },
    { 1, 1, PEBUILD_MACHINE_AMD64, 0x10100 },
};
#define N_KINDS ((int)(sizeof kinds / sizeof kinds[0]))

static void kind_spec(pebuild_spec *s, const kind_case *k)
{
    pebuild_spec_init(s);
    s->pe32plus = k->pe32plus;
    s->dll = k->dll;
    s->machine = k->machine;
    s->e_lfanew = k->e_lfanew;
}

START_TEST(test_clr_image_of_every_kind_is_clr)
{
    const kind_case *k = &kinds[_i];
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    kind_spec(&s, k);
    img = build(&s, &len);
    assert_sniff(img, len, PE_CLR, PE_REASON_NONE,
                 k->e_lfanew + (k->pe32plus ? DIR14_END_PE32P : DIR14_END_PE32));
    pe_sniff(img, len, &info);
    ck_assert_uint_eq(info.e_lfanew, k->e_lfanew);
    ck_assert_uint_eq(info.machine, k->machine);
    ck_assert_int_eq(pe_is_dll(&info), k->dll);
    ck_assert_uint_eq(info.magic, k->pe32plus ? PE_OPTIONAL_MAGIC_PE32PLUS
                                             : PE_OPTIONAL_MAGIC_PE32);
    ck_assert_uint_eq(info.number_of_rva_and_sizes, 16);
    ck_assert_uint_eq(info.clr_rva, CLR_HEADER_RVA);
    ck_assert_uint_eq(info.size_of_optional_header,
                      k->pe32plus ? STANDARD_OPT_PE32P : STANDARD_OPT_PE32);
    /* the same verdict from pe_sniff_final on the whole file */
    ck_assert_int_eq(pe_sniff_final(img, len, &info), PE_CLR);
    free(img);
}
END_TEST

START_TEST(test_image_without_clr_directory_is_native)
{
    const kind_case *k = &kinds[_i];
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    kind_spec(&s, k);
    s.clr = 0;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NATIVE, PE_REASON_NO_CLR_DIR,
                 k->e_lfanew + (k->pe32plus ? DIR14_END_PE32P : DIR14_END_PE32));
    pe_sniff(img, len, &info);
    ck_assert_uint_eq(info.machine, k->machine);
    ck_assert_int_eq(pe_is_dll(&info), k->dll);
    ck_assert_uint_eq(info.clr_rva, 0);
    free(img);
}
END_TEST

/* Only the RVA decides: a size without an address is still no CLR header. */
START_TEST(test_clr_directory_with_size_but_no_address_is_native)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    img = build(&s, &len);
    memset(img + pebuild_dir_offset(&s, PE_DIRECTORY_ENTRY_COM_DESCRIPTOR), 0, 4);
    assert_sniff(img, len, PE_NATIVE, PE_REASON_NO_CLR_DIR, pebuild_decision_end(&s));
    free(img);
}
END_TEST

/* ---- the 64 KiB window of the filter ---------------------------------- */

START_TEST(test_lfanew_beyond_64k_window_asks_for_more_than_window)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.e_lfanew = 0x10100;
    img = build(&s, &len);
    assert_sniff(img, WINDOW_64K, PE_NEED_MORE, PE_REASON_NONE, 0x10100 + SIGNATURE_END);
    ck_assert_uint_gt(0x10100 + SIGNATURE_END, WINDOW_64K);
    free(img);
}
END_TEST

START_TEST(test_signature_straddling_64k_asks_past_window)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.e_lfanew = WINDOW_64K - 2;
    img = build(&s, &len);
    assert_sniff(img, WINDOW_64K, PE_NEED_MORE, PE_REASON_NONE, WINDOW_64K + 2);
    assert_sniff(img, len, PE_CLR, PE_REASON_NONE, WINDOW_64K - 2 + DIR14_END_PE32);
    free(img);
}
END_TEST

START_TEST(test_lfanew_0xf000_decides_inside_64k_window)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.pe32plus = 1;
    s.e_lfanew = 0xF000;
    s.total_size = 2 * WINDOW_64K;
    img = build(&s, &len);
    ck_assert_uint_ge(len, WINDOW_64K);
    assert_sniff(img, WINDOW_64K, PE_CLR, PE_REASON_NONE, 0xF000 + DIR14_END_PE32P);
    free(img);
}
END_TEST

/* ---- NumberOfRvaAndSizes is not consulted ------------------------------ */

/* _i = 17 * pe32plus + NumberOfRvaAndSizes.  SizeOfOptionalHeader is the
 * standard one and a CLR header address sits in entry 14 whatever the
 * count: the CLR reads it there, so the image is CLR; the count is still
 * reported, and decides whether directory 4 exists. */
START_TEST(test_directory_count_is_not_consulted_with_standard_optional_header)
{
    int pe32plus = _i / 17;
    uint32_t n = (uint32_t)(_i % 17);
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    pebuild_spec_init(&s);
    s.pe32plus = pe32plus;
    s.number_of_rva_and_sizes = n;
    s.size_of_optional_header = pe32plus ? STANDARD_OPT_PE32P : STANDARD_OPT_PE32;
    s.cert_offset = 0x1200;
    s.cert_size = 0x88;
    img = build(&s, &len);
    put_u32le(img + pebuild_dir_offset(&s, PE_DIRECTORY_ENTRY_COM_DESCRIPTOR),
              CLR_HEADER_RVA);

    assert_sniff(img, len, PE_CLR, PE_REASON_NONE, pebuild_decision_end(&s));
    pe_sniff(img, len, &info);
    ck_assert_uint_eq(info.number_of_rva_and_sizes, n);
    ck_assert_uint_eq(info.clr_rva, CLR_HEADER_RVA);
    if (n > PE_DIRECTORY_ENTRY_SECURITY) {
        ck_assert_uint_eq(info.cert_offset, 0x1200);
        ck_assert_uint_eq(info.cert_size, 0x88);
        ck_assert_uint_eq(info.cert_dir_offset,
                          pebuild_dir_offset(&s, PE_DIRECTORY_ENTRY_SECURITY));
    }
    else {
        ck_assert_uint_eq(info.cert_offset, 0);
        ck_assert_uint_eq(info.cert_size, 0);
        ck_assert_uint_eq(info.cert_dir_offset, 0);
    }
    free(img);
}
END_TEST

/* A CLR image written with 16 directories, its count patched afterwards:
 * entry 14 still holds the CLR header, and the verdict does not move. */
static const uint32_t patched_counts[] = { 14, 0, 1, 15, 16, 0xFFFFFFFFu };
#define N_PATCHED_COUNTS ((int)(sizeof patched_counts / sizeof patched_counts[0]))

START_TEST(test_clr_image_with_any_directory_count_is_clr)
{
    int pe32plus = _i / N_PATCHED_COUNTS;
    uint32_t n = patched_counts[_i % N_PATCHED_COUNTS];
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    pebuild_spec_init(&s);
    s.pe32plus = pe32plus;
    img = build(&s, &len);
    put_u32le(img + count_offset(&s), n);
    assert_sniff(img, len, PE_CLR, PE_REASON_NONE,
                 s.e_lfanew + (pe32plus ? DIR14_END_PE32P : DIR14_END_PE32));
    pe_sniff(img, len, &info);
    ck_assert_uint_eq(info.number_of_rva_and_sizes, n);
    ck_assert_uint_eq(info.clr_rva, CLR_HEADER_RVA);
    /* the same from the filter's two reads */
    assert_window(img, FILTER_HEAD < len ? FILTER_HEAD : len, s.e_lfanew,
                  DIR14_END_PE32P, PE_CLR, PE_REASON_NONE, pebuild_decision_end(&s));
    free(img);
}
END_TEST

START_TEST(test_empty_directory_14_with_16_directories_is_native)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    pebuild_spec_init(&s);
    s.pe32plus = _i;
    img = build(&s, &len);
    memset(img + pebuild_dir_offset(&s, PE_DIRECTORY_ENTRY_COM_DESCRIPTOR), 0, 8);
    assert_sniff(img, len, PE_NATIVE, PE_REASON_NO_CLR_DIR, pebuild_decision_end(&s));
    pe_sniff(img, len, &info);
    ck_assert_uint_eq(info.number_of_rva_and_sizes, 16);
    free(img);
}
END_TEST

/* With the natural SizeOfOptionalHeader (just the n directories), fewer
 * than 16 directories means an optional header below the standard size,
 * and that is found first, at the magic. */
START_TEST(test_natural_optional_header_below_16_directories_is_native)
{
    int pe32plus = _i / 17;
    uint32_t n = (uint32_t)(_i % 17);
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.pe32plus = pe32plus;
    s.number_of_rva_and_sizes = n;
    img = build(&s, &len);
    if (n < 16)
        assert_sniff(img, len, PE_NATIVE, PE_REASON_OPTHDR_TOO_SMALL,
                     s.e_lfanew + MAGIC_END);
    else
        assert_sniff(img, len, PE_CLR, PE_REASON_NONE, pebuild_decision_end(&s));
    free(img);
}
END_TEST

/* ---- SizeOfOptionalHeader -------------------------------------------- */

typedef struct {
    int        pe32plus;
    int        size;
    pe_verdict verdict;
} opt_size_case;

/* Entry 14 is filled in every image; only the declared size decides.  The
 * standard size is the least CoreCLR's loader takes; an optional header
 * that ends right after entry 14 is below it. */
static const opt_size_case opt_size_cases[] = {
    { 0, 0,                    PE_NATIVE },
    { 0, DIR14_ONLY_PE32,      PE_NATIVE },
    { 0, STANDARD_OPT_PE32 - 1, PE_NATIVE },
    { 0, STANDARD_OPT_PE32,    PE_CLR },
    { 0, STANDARD_OPT_PE32 + 1, PE_CLR },
    { 0, STANDARD_OPT_PE32P,   PE_CLR },
    { 0, 0xFFFF,               PE_CLR },
    { 1, 0,                    PE_NATIVE },
    { 1, STANDARD_OPT_PE32,    PE_NATIVE },
    { 1, DIR14_ONLY_PE32P,     PE_NATIVE },
    { 1, STANDARD_OPT_PE32P - 1, PE_NATIVE },
    { 1, STANDARD_OPT_PE32P,   PE_CLR },
    { 1, STANDARD_OPT_PE32P + 1, PE_CLR },
    { 1, 0xFFFF,               PE_CLR },
};
#define N_OPT_SIZE_CASES ((int)(sizeof opt_size_cases / sizeof opt_size_cases[0]))

START_TEST(test_optional_header_size_boundary)
{
    const opt_size_case *c = &opt_size_cases[_i];
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    pebuild_spec_init(&s);
    s.pe32plus = c->pe32plus;
    img = build(&s, &len);
    put_u16le(img + s.e_lfanew + FILE_HEADER_SIZE_OF_OPT, (uint16_t)c->size);
    if (c->verdict == PE_CLR)
        assert_sniff(img, len, PE_CLR, PE_REASON_NONE, pebuild_decision_end(&s));
    else
        assert_sniff(img, len, PE_NATIVE, PE_REASON_OPTHDR_TOO_SMALL,
                     s.e_lfanew + MAGIC_END);
    pe_sniff(img, len, &info);
    ck_assert_uint_eq(info.size_of_optional_header, (unsigned)c->size);
    ck_assert_uint_eq(info.clr_rva, c->verdict == PE_CLR ? CLR_HEADER_RVA : 0);
    /* below the standard size, nothing past the magic is needed */
    if (c->verdict == PE_NATIVE)
        assert_sniff(img, s.e_lfanew + MAGIC_END, PE_NATIVE, PE_REASON_OPTHDR_TOO_SMALL,
                     s.e_lfanew + MAGIC_END);
    free(img);
}
END_TEST

START_TEST(test_zero_size_optional_header_is_native)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.size_of_optional_header = 0;
    s.sections = 0;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NATIVE, PE_REASON_OPTHDR_TOO_SMALL, s.e_lfanew + MAGIC_END);
    free(img);
}
END_TEST

/* ---- not PE ------------------------------------------------------------ */

START_TEST(test_missing_pe_signature_is_not_pe)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.corrupt = PEBUILD_CORRUPT_PE_SIGNATURE;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NOT_PE, PE_REASON_NO_PE_SIGNATURE, s.e_lfanew + SIGNATURE_END);
    free(img);
}
END_TEST

START_TEST(test_bad_optional_header_magic_is_not_pe)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.pe32plus = _i;
    s.corrupt = PEBUILD_CORRUPT_MAGIC;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NOT_PE, PE_REASON_BAD_MAGIC, s.e_lfanew + MAGIC_END);
    free(img);
}
END_TEST

START_TEST(test_no_mz_is_not_pe)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.corrupt = PEBUILD_CORRUPT_MZ;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NOT_PE, PE_REASON_NO_MZ, MZ_LEN);
    assert_sniff((const unsigned char *)"<html>", 6, PE_NOT_PE, PE_REASON_NO_MZ, MZ_LEN);
    assert_sniff((const unsigned char *)"Mz", 2, PE_NOT_PE, PE_REASON_NO_MZ, MZ_LEN);
    free(img);
}
END_TEST

/* A text that happens to start with "MZ": its "e_lfanew" is four ASCII
 * letters, far beyond any sniff window. */
START_TEST(test_text_starting_with_mz_is_not_pe)
{
    static const char text[] =
        "MZ is also how this plain text file starts, and it goes on long "
        "enough to cover the DOS header.\n";
    const unsigned char *t = (const unsigned char *)text;

    ck_assert_uint_ge(sizeof text - 1, DOS_HEADER_LEN);
    assert_sniff(t, 2, PE_NEED_MORE, PE_REASON_NONE, DOS_HEADER_LEN);
    assert_sniff(t, DOS_HEADER_LEN - 1, PE_NEED_MORE, PE_REASON_NONE, DOS_HEADER_LEN);
    assert_sniff(t, DOS_HEADER_LEN, PE_NOT_PE, PE_REASON_LFANEW_RANGE, DOS_HEADER_LEN);
    assert_sniff(t, sizeof text - 1, PE_NOT_PE, PE_REASON_LFANEW_RANGE, DOS_HEADER_LEN);
}
END_TEST

START_TEST(test_empty_input_needs_two_bytes_and_ends_as_empty)
{
    pe_info info;

    assert_sniff(NULL, 0, PE_NEED_MORE, PE_REASON_NONE, MZ_LEN);
    ck_assert_int_eq(pe_sniff_final(NULL, 0, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_EMPTY);
    ck_assert_uint_eq(info.need, 0);
}
END_TEST

START_TEST(test_single_byte_needs_two)
{
    pe_info info;

    assert_sniff((const unsigned char *)"M", 1, PE_NEED_MORE, PE_REASON_NONE, MZ_LEN);
    assert_sniff((const unsigned char *)"X", 1, PE_NEED_MORE, PE_REASON_NONE, MZ_LEN);
    ck_assert_int_eq(pe_sniff_final((const unsigned char *)"M", 1, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
    ck_assert_uint_eq(info.need, 1);
}
END_TEST

START_TEST(test_lfanew_zero_is_not_pe)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.e_lfanew = 0;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NOT_PE, PE_REASON_LFANEW_ZERO, DOS_HEADER_LEN);
    free(img);
}
END_TEST

/* An image whose PE header, as pebuild_spec_init writes it (a PE32 CLR
 * EXE), is moved to lfanew in a buffer of len bytes; "MZ" and e_lfanew
 * are written last, so where the header covers them, they win.  Returns the
 * header's bytes from pebuild's image in *hdr (DIR14_END_PE32P of them). */
static unsigned char *moved_header(uint32_t lfanew, size_t len, unsigned char *hdr)
{
    pebuild_spec s;
    size_t img_len;
    unsigned char *img, *out = calloc(1, len);

    ck_assert_ptr_nonnull(out);
    pebuild_spec_init(&s);
    img = build(&s, &img_len);
    memcpy(hdr, img + PEBUILD_LFANEW, DIR14_END_PE32P);
    free(img);
    if ((size_t)lfanew < len)
        memcpy(out + lfanew, hdr,
               len - lfanew < DIR14_END_PE32P ? len - lfanew : DIR14_END_PE32P);
    out[0] = 'M';
    out[1] = 'Z';
    put_u32le(out + 0x3C, lfanew);
    return out;
}

/* e_lfanew 1-3 would start the PE header inside the first four bytes;
 * DESIGN section 2 takes 4 as the least. */
START_TEST(test_lfanew_below_4_is_out_of_range)
{
    unsigned char hdr[DIR14_END_PE32P];
    unsigned char *img = moved_header((uint32_t)_i + 1, 0x200, hdr);

    assert_sniff(img, 0x200, PE_NOT_PE, PE_REASON_LFANEW_RANGE, DOS_HEADER_LEN);
    assert_sniff(img, DOS_HEADER_LEN, PE_NOT_PE, PE_REASON_LFANEW_RANGE, DOS_HEADER_LEN);
    assert_window(img, DOS_HEADER_LEN, 0, 0, PE_NOT_PE, PE_REASON_LFANEW_RANGE,
                  DOS_HEADER_LEN);
    free(img);
}
END_TEST

/* e_lfanew 4: the header folded into the DOS header (the "tiny PE"
 * trick); e_lfanew itself is then SectionAlignment.  It passes the rule,
 * and the verdict rests on the bytes up to the end of entry 14. */
START_TEST(test_lfanew_4_folded_header_is_clr)
{
    unsigned char hdr[DIR14_END_PE32P];
    unsigned char *img = moved_header(4, 0x200, hdr);
    pe_info info;

    assert_sniff(img, 0x200, PE_CLR, PE_REASON_NONE, 4 + DIR14_END_PE32);
    assert_sniff(img, DOS_HEADER_LEN, PE_NEED_MORE, PE_REASON_NONE, 4 + DIR14_END_PE32);
    pe_sniff(img, 0x200, &info);
    ck_assert_uint_eq(info.e_lfanew, 4);
    ck_assert_uint_eq(info.clr_rva, CLR_HEADER_RVA);
    assert_window(img, DOS_HEADER_LEN, 4, DIR14_END_PE32P, PE_CLR, PE_REASON_NONE,
                  4 + DIR14_END_PE32);
    free(img);
}
END_TEST

/* e_lfanew 0x3C points at itself: the "signature" is e_lfanew's bytes. */
START_TEST(test_lfanew_pointing_at_itself_has_no_signature)
{
    unsigned char hdr[DIR14_END_PE32P];
    unsigned char *img = moved_header(0x3C, 0x200, hdr);

    assert_sniff(img, 0x200, PE_NOT_PE, PE_REASON_NO_PE_SIGNATURE, DOS_HEADER_LEN);
    assert_sniff(img, DOS_HEADER_LEN, PE_NOT_PE, PE_REASON_NO_PE_SIGNATURE, DOS_HEADER_LEN);
    free(img);
}
END_TEST

/* pebuild's own images with e_lfanew 0x40, 64 KiB + 0x80 and 1 MiB + 0x80:
 * whole, as a prefix that stops short of the header, and from the two
 * reads of the filter (512 bytes, then a window at e_lfanew). */
static const uint32_t built_lfanews[] = { 0x40, 65664, 1048704 };
#define N_BUILT_LFANEWS ((int)(sizeof built_lfanews / sizeof built_lfanews[0]))

START_TEST(test_far_lfanew_is_clr_from_whole_file_and_from_two_reads)
{
    uint32_t lf = built_lfanews[_i / 2];
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info whole, two;

    pebuild_spec_init(&s);
    s.pe32plus = _i % 2;
    s.e_lfanew = lf;
    img = build(&s, &len);
    assert_sniff(img, len, PE_CLR, PE_REASON_NONE, pebuild_decision_end(&s));
    if (lf > FILTER_HEAD)
        assert_sniff(img, FILTER_HEAD, PE_NEED_MORE, PE_REASON_NONE,
                     (size_t)lf + SIGNATURE_END);
    pe_sniff(img, len, &whole);
    sniff_window_copies(img, FILTER_HEAD, lf, PE_DECISION_SPAN_PE32PLUS, 0, &two);
    assert_same_info(&two, &whole, "512 bytes and a window at e_lfanew");
    free(img);
}
END_TEST

/* The largest e_lfanew accepted, 256 MiB - 1: only the window API can be
 * shown it without a 256 MiB buffer. */
START_TEST(test_lfanew_0x0fffffff_is_clr_through_window)
{
    unsigned char hdr[DIR14_END_PE32P];
    unsigned char *img = moved_header(PE_LFANEW_MAX, DOS_HEADER_LEN, hdr);
    pe_info info;

    ck_assert_uint_eq(PE_LFANEW_MAX, 0x0FFFFFFFu);
    assert_sniff(img, DOS_HEADER_LEN, PE_NEED_MORE, PE_REASON_NONE,
                 (size_t)PE_LFANEW_MAX + SIGNATURE_END);
    ck_assert_int_eq(pe_sniff_window(img, DOS_HEADER_LEN, hdr, PE_LFANEW_MAX,
                                     sizeof hdr, &info), PE_CLR);
    ck_assert_uint_eq(info.need, (size_t)PE_LFANEW_MAX + DIR14_END_PE32);
    ck_assert_uint_eq(info.e_lfanew, PE_LFANEW_MAX);
    ck_assert_uint_eq(info.clr_rva, CLR_HEADER_RVA);
    ck_assert_uint_eq(info.checksum_offset, (size_t)PE_LFANEW_MAX + OPT_START + 64);
    /* a window that stops one byte short of entry 14's end */
    ck_assert_int_eq(pe_sniff_window(img, DOS_HEADER_LEN, hdr, PE_LFANEW_MAX,
                                     DIR14_END_PE32 - 1, &info), PE_NEED_MORE);
    ck_assert_uint_eq(info.need, (size_t)PE_LFANEW_MAX + DIR14_END_PE32);
    ck_assert_int_eq(pe_sniff_window_final(img, DOS_HEADER_LEN, hdr, PE_LFANEW_MAX,
                                           DIR14_END_PE32 - 1, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
    ck_assert_uint_eq(info.need, (size_t)PE_LFANEW_MAX + DIR14_END_PE32 - 1);
    free(img);
}
END_TEST

START_TEST(test_lfanew_0x10000000_and_above_is_out_of_range)
{
    static const uint32_t lfs[] = { 0x10000000u, 0x10000001u, 0x80000000u, UINT32_MAX };
    unsigned char hdr[DIR14_END_PE32P];
    unsigned char *img = moved_header(lfs[_i], DOS_HEADER_LEN, hdr);

    assert_sniff(img, DOS_HEADER_LEN, PE_NOT_PE, PE_REASON_LFANEW_RANGE, DOS_HEADER_LEN);
    /* a window at that offset holding a valid header changes nothing */
    assert_window(img, DOS_HEADER_LEN, lfs[_i], 0, PE_NOT_PE, PE_REASON_LFANEW_RANGE,
                  DOS_HEADER_LEN);
    {
        pe_info info;

        ck_assert_int_eq(pe_sniff_window(img, DOS_HEADER_LEN, hdr, lfs[_i],
                                         sizeof hdr, &info), PE_NOT_PE);
        ck_assert_int_eq(info.reason, PE_REASON_LFANEW_RANGE);
    }
    free(img);
}
END_TEST

START_TEST(test_lfanew_at_max_asks_for_signature)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.e_lfanew = PE_LFANEW_MAX;
    img = build(&s, &len);
    assert_sniff(img, len, PE_NEED_MORE, PE_REASON_NONE, (size_t)PE_LFANEW_MAX + SIGNATURE_END);
    free(img);
}
END_TEST

/* e_lfanew may point inside the DOS header (the "tiny PE" trick); the
 * verdict then rests on the 0x40 bytes that hold e_lfanew. */
START_TEST(test_lfanew_inside_dos_header_decides_at_dos_header_end)
{
    unsigned char img[0x100];

    memset(img, 0, sizeof img);
    img[0] = 'M';
    img[1] = 'Z';
    img[0x3C] = 4;
    assert_sniff(img, sizeof img, PE_NOT_PE, PE_REASON_NO_PE_SIGNATURE, DOS_HEADER_LEN);
    memcpy(img + 4, "PE\0\0", 4);
    img[4 + OPT_START] = 0x0B;
    img[4 + OPT_START + 1] = 0x01;
    /* SizeOfOptionalHeader 0: decided at the magic, 4 + 26 < 0x40 */
    assert_sniff(img, DOS_HEADER_LEN, PE_NATIVE, PE_REASON_OPTHDR_TOO_SMALL, DOS_HEADER_LEN);
    img[4 + FILE_HEADER_SIZE_OF_OPT] = STANDARD_OPT_PE32;
    assert_sniff(img, DOS_HEADER_LEN, PE_NEED_MORE, PE_REASON_NONE, 4 + DIR14_END_PE32);
    assert_sniff(img, sizeof img, PE_NATIVE, PE_REASON_NO_CLR_DIR, 4 + DIR14_END_PE32);
}
END_TEST

/* ---- every prefix ----------------------------------------------------- */

/* The thresholds an image passes through, from the specification: each is
 * the end of the field the next check reads; the last one decides. */
typedef struct {
    pe_verdict verdict;
    pe_reason  reason;
    size_t     steps[MAX_STEPS];
    int        nsteps;
} expectation;

static expectation expect_for(const pebuild_spec *s, int dir14_filled)
{
    expectation e;
    size_t lf = s->e_lfanew;
    size_t opt_min = s->pe32plus ? STANDARD_OPT_PE32P : STANDARD_OPT_PE32;
    size_t opt_size = s->size_of_optional_header < 0
                          ? (s->pe32plus ? 112u : 96u) + 8u * s->number_of_rva_and_sizes
                          : (size_t)s->size_of_optional_header;

    memset(&e, 0, sizeof e);
    e.steps[e.nsteps++] = MZ_LEN;
    if (s->corrupt == PEBUILD_CORRUPT_MZ) {
        e.verdict = PE_NOT_PE, e.reason = PE_REASON_NO_MZ;
        return e;
    }
    e.steps[e.nsteps++] = DOS_HEADER_LEN;
    if (lf == 0 || lf > PE_LFANEW_MAX) {
        e.verdict = PE_NOT_PE;
        e.reason = lf == 0 ? PE_REASON_LFANEW_ZERO : PE_REASON_LFANEW_RANGE;
        return e;
    }
    e.steps[e.nsteps++] = lf + SIGNATURE_END;
    if (s->corrupt == PEBUILD_CORRUPT_PE_SIGNATURE) {
        e.verdict = PE_NOT_PE, e.reason = PE_REASON_NO_PE_SIGNATURE;
        return e;
    }
    e.steps[e.nsteps++] = lf + MAGIC_END;
    if (s->corrupt == PEBUILD_CORRUPT_MAGIC) {
        e.verdict = PE_NOT_PE, e.reason = PE_REASON_BAD_MAGIC;
        return e;
    }
    if (opt_size < opt_min) {
        e.verdict = PE_NATIVE, e.reason = PE_REASON_OPTHDR_TOO_SMALL;
        return e;
    }
    e.steps[e.nsteps++] = lf + (s->pe32plus ? DIR14_END_PE32P : DIR14_END_PE32);
    e.verdict = dir14_filled ? PE_CLR : PE_NATIVE;
    e.reason = dir14_filled ? PE_REASON_NONE : PE_REASON_NO_CLR_DIR;
    return e;
}

/* dirs is NumberOfRvaAndSizes as built; a patched count replaces it
 * afterwards (patch_count set), so that entry 14 stays filled. */
typedef struct {
    int             pe32plus;
    int             dll;
    int             clr;
    uint32_t        e_lfanew;
    uint32_t        dirs;
    int             opt_size;
    pebuild_corrupt corrupt;
    int             patch_count;
    uint32_t        count;
} prefix_case;

static const prefix_case prefix_cases[] = {
    { 0, 0, 1, 0x80,  16, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 1, 1, 1, 0x80,  16, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 0, 1, 1, 0x40,  15, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 1, 0, 1, 0x400, 16, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 0, 0, 0, 0x80,  16, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 1, 1, 0, 0xC8,  16, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 0, 0, 1, 0x80,  10, STANDARD_OPT_PE32, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 1, 0, 1, 0x80,  14, STANDARD_OPT_PE32P, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 0, 0, 1, 0x80,  16, -1, PEBUILD_CORRUPT_NONE, 1, 14 },
    { 1, 0, 1, 0x80,  16, -1, PEBUILD_CORRUPT_NONE, 1, 0 },
    { 0, 1, 1, 0xC0,  16, -1, PEBUILD_CORRUPT_NONE, 1, 0xFFFFFFFFu },
    { 0, 0, 1, 0x80,  16, 200, PEBUILD_CORRUPT_NONE, 0, 0 },
    { 0, 0, 1, 0x80,  16, -1, PEBUILD_CORRUPT_PE_SIGNATURE, 0, 0 },
    { 1, 0, 1, 0x100, 16, -1, PEBUILD_CORRUPT_MAGIC, 0, 0 },
    { 0, 0, 1, 0x80,  16, -1, PEBUILD_CORRUPT_MZ, 0, 0 },
    { 0, 0, 1, 0,     16, -1, PEBUILD_CORRUPT_NONE, 0, 0 },
};
#define N_PREFIX_CASES ((int)(sizeof prefix_cases / sizeof prefix_cases[0]))

/* Builds a prefix case's image, padded to 4 KiB; *e gets what the
 * specification says of it. */
static unsigned char *build_prefix_case(const prefix_case *c, pebuild_spec *s,
                                        expectation *e, size_t *len)
{
    unsigned char *img;

    pebuild_spec_init(s);
    s->pe32plus = c->pe32plus;
    s->dll = c->dll;
    s->clr = c->clr;
    s->e_lfanew = c->e_lfanew;
    s->number_of_rva_and_sizes = c->dirs;
    s->size_of_optional_header = c->opt_size;
    s->corrupt = c->corrupt;
    s->total_size = 4096;
    img = build(s, len);
    if (c->patch_count)
        put_u32le(img + count_offset(s), c->count);
    /* pebuild fills entry 14 only when it writes 15 directories or more */
    *e = expect_for(s, c->clr && c->dirs > PE_DIRECTORY_ENTRY_COM_DESCRIPTOR);
    return img;
}

START_TEST(test_every_prefix_asks_exact_need_then_keeps_verdict)
{
    const prefix_case *c = &prefix_cases[_i];
    pebuild_spec s;
    expectation e;
    size_t len, n, decided_at;
    unsigned char *img, *copy;
    int step = 0;

    img = build_prefix_case(c, &s, &e, &len);
    decided_at = e.steps[e.nsteps - 1];
    ck_assert_uint_gt(len, decided_at);

    for (n = 0; n <= len; n++) {
        pe_info info, win;

        /* an exact-size copy: any read past n is a sanitizer error */
        copy = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, img, n);
        while (step < e.nsteps - 1 && e.steps[step] <= n)
            step++;
        if (n < decided_at)
            assert_sniff(n ? copy : NULL, n, PE_NEED_MORE, PE_REASON_NONE,
                         e.steps[step]);
        else
            assert_sniff(copy, n, e.verdict, e.reason, decided_at);

        /* the window API without a window is pe_sniff */
        pe_sniff(n ? copy : NULL, n, &info);
        pe_sniff_window(n ? copy : NULL, n, NULL, 0, 0, &win);
        assert_same_info(&win, &info, "pe_sniff_window without a window");

        pe_sniff_final(n ? copy : NULL, n, &info);
        pe_sniff_window_final(n ? copy : NULL, n, NULL, 0, 0, &win);
        assert_same_info(&win, &info, "pe_sniff_window_final without a window");
        if (n < decided_at) {
            ck_assert_int_eq(info.verdict, PE_NOT_PE);
            ck_assert_int_eq(info.reason, n ? PE_REASON_TRUNCATED : PE_REASON_EMPTY);
            ck_assert_uint_eq(info.need, n);
        }
        else {
            ck_assert_int_eq(info.verdict, e.verdict);
            ck_assert_int_eq(info.reason, e.reason);
        }
        free(copy);
    }
    /* nothing after the decision point matters: overwrite it all */
    memset(img + decided_at, 0xFF, len - decided_at);
    assert_sniff(img, len, e.verdict, e.reason, decided_at);
    /* the decision window promised by DESIGN section 2 */
    if (e.nsteps && s.e_lfanew)
        ck_assert_uint_le(decided_at, s.e_lfanew + (s.pe32plus ? DIR14_END_PE32P
                                                               : DIR14_END_PE32));
    free(img);
}
END_TEST

/* The filter's way: start with nothing, then hand over exactly the bytes
 * asked for each time.  The number of rounds is the number of checks. */
START_TEST(test_feeding_exactly_need_reaches_decision_in_few_rounds)
{
    const kind_case *k = &kinds[_i];
    pebuild_spec s;
    size_t len, have = 0;
    unsigned char *img;
    pe_info info;
    int rounds = 0;

    kind_spec(&s, k);
    img = build(&s, &len);
    while (pe_sniff(img, have, &info) == PE_NEED_MORE && rounds < 10) {
        ck_assert_uint_gt(info.need, have);
        ck_assert_uint_le(info.need, len);
        have = info.need;
        rounds++;
    }
    ck_assert_int_eq(info.verdict, PE_CLR);
    ck_assert_uint_eq(have, pebuild_decision_end(&s));
    /* "MZ", e_lfanew, "PE\0\0", the file header and magic, entry 14 */
    ck_assert_int_eq(rounds, 5);
    free(img);
}
END_TEST

/* ---- two reads: a head and a window ------------------------------------- */

/* The ways a caller may lay out its two reads of an image whose header is
 * at lf; each is clipped to the image. */
enum {
    LAYOUT_FILTER,          /* 512 bytes, then the decision span at e_lfanew */
    LAYOUT_HEAD_ONLY,       /* the whole image as the head, no window */
    LAYOUT_OVERLAP,         /* head to e_lfanew + 0x80, window from e_lfanew */
    LAYOUT_DOS_HEADER,      /* 0x40 bytes, then the span at e_lfanew */
    LAYOUT_MZ_ONLY,         /* "MZ", then one window from e_lfanew's field on */
    N_LAYOUTS
};

static void layout(int which, size_t lf, size_t len, size_t *head_len,
                   size_t *win_off, size_t *win_len)
{
    size_t end = lf + PE_DECISION_SPAN_PE32PLUS;

    *win_off = lf;
    switch (which) {
    case LAYOUT_FILTER:     *head_len = FILTER_HEAD; break;
    case LAYOUT_HEAD_ONLY:  *head_len = len, *win_off = 0, end = 0; break;
    case LAYOUT_OVERLAP:    *head_len = lf + 0x80; break;
    case LAYOUT_DOS_HEADER: *head_len = DOS_HEADER_LEN; break;
    default:                *head_len = MZ_LEN, *win_off = 0x3C; break;
    }
    if (*head_len > len)
        *head_len = len;
    if (*win_off > len)
        *win_off = len;
    if (end > len)
        end = len;
    *win_len = end > *win_off ? end - *win_off : 0;
}

static void assert_layouts_agree(const unsigned char *img, size_t len, const char *what)
{
    pe_info whole, two;
    size_t lf = (size_t)img[0x3C] | ((size_t)img[0x3D] << 8) |
                ((size_t)img[0x3E] << 16) | ((size_t)img[0x3F] << 24);
    int which;

    pe_sniff(img, len, &whole);
    ck_assert_int_ne(whole.verdict, PE_NEED_MORE);
    for (which = 0; which < N_LAYOUTS; which++) {
        size_t head_len, win_off, win_len;
        char label[128];

        layout(which, lf, len, &head_len, &win_off, &win_len);
        snprintf(label, sizeof label, "%s, layout %d (head %zu, window %zu+%zu)",
                 what, which, head_len, win_off, win_len);
        sniff_window_copies(img, head_len, win_off, win_len, 0, &two);
        assert_same_info(&two, &whole, label);
        sniff_window_copies(img, head_len, win_off, win_len, 1, &two);
        assert_same_info(&two, &whole, label);
    }
}

START_TEST(test_window_agrees_with_whole_image_for_prefix_cases)
{
    pebuild_spec s;
    expectation e;
    size_t len;
    unsigned char *img = build_prefix_case(&prefix_cases[_i], &s, &e, &len);

    assert_layouts_agree(img, len, "prefix case");
    free(img);
}
END_TEST

START_TEST(test_window_agrees_with_whole_image_for_every_kind)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;

    kind_spec(&s, &kinds[_i / 2]);
    s.clr = _i % 2;
    s.cert_offset = 0x1000;
    s.cert_size = 0x80;
    img = build(&s, &len);
    assert_layouts_agree(img, len, "kind");
    free(img);
}
END_TEST

/* A field that lies wholly inside neither range is asked for by its end,
 * even when its bytes are split between the two. */
START_TEST(test_window_missing_a_field_asks_for_its_end)
{
    pebuild_spec s;
    size_t len, lf = 0x400;
    size_t span = _i ? DIR14_END_PE32P : DIR14_END_PE32;
    unsigned char *img;

    pebuild_spec_init(&s);
    s.pe32plus = _i;
    s.e_lfanew = (uint32_t)lf;
    img = build(&s, &len);

    assert_window(img, DOS_HEADER_LEN, 0, 0, PE_NEED_MORE, PE_REASON_NONE, lf + SIGNATURE_END);
    assert_window(img, DOS_HEADER_LEN, lf + 1, 0x100, PE_NEED_MORE, PE_REASON_NONE,
                  lf + SIGNATURE_END);
    assert_window(img, DOS_HEADER_LEN, lf, 3, PE_NEED_MORE, PE_REASON_NONE, lf + SIGNATURE_END);
    assert_window(img, DOS_HEADER_LEN, lf, 0x10, PE_NEED_MORE, PE_REASON_NONE, lf + MAGIC_END);
    assert_window(img, DOS_HEADER_LEN, lf, span - 1, PE_NEED_MORE, PE_REASON_NONE, lf + span);
    assert_window(img, DOS_HEADER_LEN, lf, span, PE_CLR, PE_REASON_NONE, lf + span);
    /* the file header split between head and window */
    assert_window(img, lf + 10, lf + 10, 0x100, PE_NEED_MORE, PE_REASON_NONE, lf + MAGIC_END);
    /* entry 14 split between head and window */
    assert_window(img, lf + span - 4, lf + span - 4, 0x10, PE_NEED_MORE, PE_REASON_NONE,
                  lf + span);
    /* e_lfanew split: two bytes in each */
    assert_window(img, 0x3E, 0x3E, lf + 0x100 - 0x3E, PE_NEED_MORE, PE_REASON_NONE,
                  DOS_HEADER_LEN);
    /* "MZ" missing, everything else there */
    assert_window(img, 1, 1, lf + 0x100, PE_NEED_MORE, PE_REASON_NONE, MZ_LEN);
    assert_window(img, 2, 0x3C, lf + 0x100 - 0x3C, PE_CLR, PE_REASON_NONE, lf + span);
    /* a window whose end would pass SIZE_MAX is never read past */
    {
        static const unsigned char two[2] = { 'P', 'E' };
        pe_info info;

        ck_assert_int_eq(pe_sniff_window(img, DOS_HEADER_LEN, two, SIZE_MAX - 1, 2, &info),
                         PE_NEED_MORE);
        ck_assert_uint_eq(info.need, lf + SIGNATURE_END);
        ck_assert_int_eq(pe_sniff_window_final(img, DOS_HEADER_LEN, two, SIZE_MAX - 1, 2,
                                               &info), PE_NOT_PE);
        ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
        ck_assert_uint_eq(info.need, SIZE_MAX);
    }
    free(img);
}
END_TEST

/* Every window length at e_lfanew, and every window start from 32 bytes
 * before it, each window an exact-size copy: the answer moves through the
 * fields in order and nothing past the window is read. */
START_TEST(test_every_window_length_and_start_stays_inside)
{
    pebuild_spec s;
    size_t len, lf = 0x400, w, off;
    size_t span = _i ? DIR14_END_PE32P : DIR14_END_PE32;
    unsigned char *img;
    pe_info info;

    pebuild_spec_init(&s);
    s.pe32plus = _i;
    s.e_lfanew = (uint32_t)lf;
    img = build(&s, &len);

    for (w = 0; w <= DIR14_END_PE32P; w++) {
        size_t need = w < SIGNATURE_END ? lf + SIGNATURE_END
                      : w < MAGIC_END   ? lf + MAGIC_END
                      : w < span        ? lf + span : 0;

        if (need)
            assert_window(img, DOS_HEADER_LEN, lf, w, PE_NEED_MORE, PE_REASON_NONE, need);
        else
            assert_window(img, DOS_HEADER_LEN, lf, w, PE_CLR, PE_REASON_NONE, lf + span);

        sniff_window_copies(img, DOS_HEADER_LEN, lf, w, 1, &info);
        if (need) {
            ck_assert_int_eq(info.verdict, PE_NOT_PE);
            ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
            ck_assert_uint_eq(info.need, w ? lf + w : DOS_HEADER_LEN);
        }
        else {
            ck_assert_int_eq(info.verdict, PE_CLR);
        }
    }
    for (off = lf - 32; off <= lf + SIGNATURE_END; off++) {
        size_t wl = lf + span - off;

        if (off <= lf)
            assert_window(img, DOS_HEADER_LEN, off, wl, PE_CLR, PE_REASON_NONE, lf + span);
        else
            assert_window(img, DOS_HEADER_LEN, off, wl, PE_NEED_MORE, PE_REASON_NONE,
                          lf + SIGNATURE_END);
        /* one byte short at the end */
        assert_window(img, DOS_HEADER_LEN, off, wl - 1, PE_NEED_MORE, PE_REASON_NONE,
                      off <= lf ? lf + span : lf + SIGNATURE_END);
    }
    free(img);
}
END_TEST

START_TEST(test_window_final_ends_where_the_bytes_end)
{
    static const unsigned char mz[2] = { 'M', 'Z' };
    pe_info info;

    ck_assert_int_eq(pe_sniff_window_final(NULL, 0, NULL, 0, 0, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_EMPTY);
    ck_assert_uint_eq(info.need, 0);
    /* an empty window says nothing of where the file ends */
    ck_assert_int_eq(pe_sniff_window_final(mz, 2, NULL, 0x1000, 0, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
    ck_assert_uint_eq(info.need, 2);
    /* a window that ends before the head does not move the end either */
    ck_assert_int_eq(pe_sniff_window_final(mz, 2, mz + 1, 1, 1, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
    ck_assert_uint_eq(info.need, 2);
    /* a window further on does */
    ck_assert_int_eq(pe_sniff_window_final(mz, 2, mz, 0x20, 2, &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_TRUNCATED);
    ck_assert_uint_eq(info.need, 0x22);
    /* a decision stays a decision */
    ck_assert_int_eq(pe_sniff_window_final((const unsigned char *)"ZM", 2, NULL, 0, 0,
                                           &info), PE_NOT_PE);
    ck_assert_int_eq(info.reason, PE_REASON_NO_MZ);
    ck_assert_uint_eq(info.need, MZ_LEN);
}
END_TEST

/* ---- info fields -------------------------------------------------------- */

START_TEST(test_info_fields_of_efi_application)
{
    pebuild_spec s;
    size_t len;
    pe_info info;
    size_t opt;

    pebuild_spec_init(&s);
    s.pe32plus = 1;
    s.machine = PEBUILD_MACHINE_AMD64;
    s.subsystem = PEBUILD_SUBSYSTEM_EFI_APP;
    s.clr = 0;
    s.sections = 5;
    s.cert_offset = 0xA00;
    s.cert_size = 0x5F8;
    s.e_lfanew = 0xE8;
    info = sniff_spec(&s, &len);
    opt = pebuild_opt_offset(&s);

    ck_assert_int_eq(info.verdict, PE_NATIVE);
    ck_assert_int_eq(info.reason, PE_REASON_NO_CLR_DIR);
    ck_assert_uint_eq(info.e_lfanew, 0xE8);
    ck_assert_uint_eq(info.machine, PEBUILD_MACHINE_AMD64);
    ck_assert_str_eq(pe_machine_name(info.machine), "x64");
    ck_assert_int_eq(pe_is_dll(&info), 0);
    ck_assert_uint_eq(info.cert_offset, 0xA00);
    ck_assert_uint_eq(info.cert_size, 0x5F8);
    ck_assert_uint_eq(info.cert_dir_offset, pebuild_dir_offset(&s, PE_DIRECTORY_ENTRY_SECURITY));
    ck_assert_uint_eq(info.checksum_offset, opt + 64);
}
END_TEST

/* The filter passes only the decision window: what lies beyond it (the
 * certificate directory of a PE32 image is inside, CheckSum too) is read. */
START_TEST(test_info_fields_from_decision_window_only)
{
    pebuild_spec s;
    size_t len;
    unsigned char *img;
    pe_info info;

    pebuild_spec_init(&s);
    s.cert_offset = 0x800;
    s.cert_size = 0x100;
    img = build(&s, &len);
    ck_assert_int_eq(pe_sniff(img, pebuild_decision_end(&s), &info), PE_CLR);
    ck_assert_uint_eq(info.cert_offset, 0x800);
    ck_assert_uint_eq(info.cert_size, 0x100);
    free(img);
}
END_TEST

START_TEST(test_names_are_stable)
{
    ck_assert_str_eq(pe_verdict_name(PE_NEED_MORE), "need-more");
    ck_assert_str_eq(pe_verdict_name(PE_NOT_PE), "not-pe");
    ck_assert_str_eq(pe_verdict_name(PE_NATIVE), "native");
    ck_assert_str_eq(pe_verdict_name(PE_CLR), "clr");
    ck_assert_str_eq(pe_reason_name(PE_REASON_NONE), "none");
    ck_assert_str_eq(pe_reason_name(PE_REASON_EMPTY), "empty");
    ck_assert_str_eq(pe_reason_name(PE_REASON_NO_MZ), "no-mz");
    ck_assert_str_eq(pe_reason_name(PE_REASON_LFANEW_ZERO), "lfanew-zero");
    ck_assert_str_eq(pe_reason_name(PE_REASON_LFANEW_RANGE), "lfanew-range");
    ck_assert_str_eq(pe_reason_name(PE_REASON_NO_PE_SIGNATURE), "no-pe-signature");
    ck_assert_str_eq(pe_reason_name(PE_REASON_BAD_MAGIC), "bad-magic");
    ck_assert_str_eq(pe_reason_name(PE_REASON_TRUNCATED), "truncated");
    ck_assert_str_eq(pe_reason_name(PE_REASON_OPTHDR_TOO_SMALL), "opthdr-too-small");
    ck_assert_str_eq(pe_reason_name(PE_REASON_NO_CLR_DIR), "no-clr-dir");
    ck_assert_str_eq(pe_machine_name(0x014C), "x86");
    ck_assert_str_eq(pe_machine_name(0x8664), "x64");
    ck_assert_str_eq(pe_machine_name(0xAA64), "arm64");
    ck_assert_str_eq(pe_machine_name(0x01C4), "arm");
    ck_assert_str_eq(pe_machine_name(0x0200), "ia64");
    ck_assert_str_eq(pe_machine_name(0), "any");
    ck_assert_str_eq(pe_machine_name(0x1234), "unknown");
}
END_TEST

static Suite *pe_suite(void)
{
    Suite *s = suite_create("pe");
    TCase *tc;

    tc = tcase_create("kinds");
    tcase_add_loop_test(tc, test_clr_image_of_every_kind_is_clr, 0, N_KINDS);
    tcase_add_loop_test(tc, test_image_without_clr_directory_is_native, 0, N_KINDS);
    tcase_add_test(tc, test_clr_directory_with_size_but_no_address_is_native);
    tcase_add_loop_test(tc, test_feeding_exactly_need_reaches_decision_in_few_rounds, 0, N_KINDS);
    suite_add_tcase(s, tc);

    tc = tcase_create("window");
    tcase_add_test(tc, test_lfanew_beyond_64k_window_asks_for_more_than_window);
    tcase_add_test(tc, test_signature_straddling_64k_asks_past_window);
    tcase_add_test(tc, test_lfanew_0xf000_decides_inside_64k_window);
    suite_add_tcase(s, tc);

    tc = tcase_create("directories");
    tcase_add_loop_test(tc, test_directory_count_is_not_consulted_with_standard_optional_header,
                        0, 34);
    tcase_add_loop_test(tc, test_clr_image_with_any_directory_count_is_clr,
                        0, 2 * N_PATCHED_COUNTS);
    tcase_add_loop_test(tc, test_empty_directory_14_with_16_directories_is_native, 0, 2);
    tcase_add_loop_test(tc, test_natural_optional_header_below_16_directories_is_native, 0, 34);
    tcase_add_loop_test(tc, test_optional_header_size_boundary, 0, N_OPT_SIZE_CASES);
    tcase_add_test(tc, test_zero_size_optional_header_is_native);
    suite_add_tcase(s, tc);

    tc = tcase_create("not_pe");
    tcase_add_test(tc, test_missing_pe_signature_is_not_pe);
    tcase_add_loop_test(tc, test_bad_optional_header_magic_is_not_pe, 0, 2);
    tcase_add_test(tc, test_no_mz_is_not_pe);
    tcase_add_test(tc, test_text_starting_with_mz_is_not_pe);
    tcase_add_test(tc, test_empty_input_needs_two_bytes_and_ends_as_empty);
    tcase_add_test(tc, test_single_byte_needs_two);
    suite_add_tcase(s, tc);

    tc = tcase_create("lfanew");
    tcase_add_test(tc, test_lfanew_zero_is_not_pe);
    tcase_add_loop_test(tc, test_lfanew_below_4_is_out_of_range, 0, 3);
    tcase_add_test(tc, test_lfanew_4_folded_header_is_clr);
    tcase_add_test(tc, test_lfanew_pointing_at_itself_has_no_signature);
    tcase_add_loop_test(tc, test_far_lfanew_is_clr_from_whole_file_and_from_two_reads,
                        0, 2 * N_BUILT_LFANEWS);
    tcase_add_test(tc, test_lfanew_0x0fffffff_is_clr_through_window);
    tcase_add_loop_test(tc, test_lfanew_0x10000000_and_above_is_out_of_range, 0, 4);
    tcase_add_test(tc, test_lfanew_at_max_asks_for_signature);
    tcase_add_test(tc, test_lfanew_inside_dos_header_decides_at_dos_header_end);
    suite_add_tcase(s, tc);

    tc = tcase_create("two_reads");
    tcase_add_loop_test(tc, test_window_agrees_with_whole_image_for_prefix_cases,
                        0, N_PREFIX_CASES);
    tcase_add_loop_test(tc, test_window_agrees_with_whole_image_for_every_kind, 0, 2 * N_KINDS);
    tcase_add_loop_test(tc, test_window_missing_a_field_asks_for_its_end, 0, 2);
    tcase_add_loop_test(tc, test_every_window_length_and_start_stays_inside, 0, 2);
    tcase_add_test(tc, test_window_final_ends_where_the_bytes_end);
    suite_add_tcase(s, tc);

    tc = tcase_create("prefixes");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_every_prefix_asks_exact_need_then_keeps_verdict, 0, N_PREFIX_CASES);
    suite_add_tcase(s, tc);

    tc = tcase_create("info");
    tcase_add_test(tc, test_info_fields_of_efi_application);
    tcase_add_test(tc, test_info_fields_from_decision_window_only);
    tcase_add_test(tc, test_names_are_stable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pe_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
