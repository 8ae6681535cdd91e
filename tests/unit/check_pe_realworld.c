/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_pe_realworld.c -- the PE sniffer on files nobody here built:
 * Mono's CIL assemblies (CLR), shim's and grub's EFI applications, unsigned
 * and signed, and NSIS's stubs and plugins (native), from Debian packages that build-aux/fetch-debs.sh
 * unpacks into $FIXTURE_CACHE (default build/cache).
 *
 * Every regular file of a package is classified by the sniffer and by
 * libmagic (`file -b`, which says "PE32 ... Mono/.Net assembly" for a CLR
 * image); the two must agree, the filter's two reads (the first 512 bytes,
 * then a window at e_lfanew) must agree with the whole file, and each
 * package must hold the images it is known to hold.  A Mono assembly with
 * NumberOfRvaAndSizes patched below 15 stays CLR for both the sniffer and
 * libmagic, which read directory 14 whatever the count says.  A package
 * that is not in the cache is reported as "SKIPPED: ..." on stdout and its
 * case asserts nothing.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pe.h"

#define DEFAULT_CACHE       "build/cache"
#define PATH_BYTES          4096
#define MAX_FILES           2048
#define MAX_FILE_BYTES      (64u * 1024u * 1024u)
#define MAGIC_LINE_BYTES    1024
#define MAX_FEED_ROUNDS     16
#define DECISION_SPAN_MAX   0x100u      /* e_lfanew + 0x100: PE32+ */
#define FILTER_HEAD         512u        /* the filter's first read */
#define OPT_HEADER_OFFSET   24u         /* from e_lfanew */
#define RVA_COUNT_PE32      92u         /* from the optional header */
#define RVA_COUNT_PE32PLUS  108u
#define MACHINE_I386        0x014Cu
#define MACHINE_AMD64       0x8664u

typedef struct {
    const char *package;
    pe_verdict  kind;           /* what every PE file in it is */
    int         min_images;     /* at least this many of them */
    const char *landmark;       /* one file, relative to the package root */
    uint16_t    landmark_machine;
    int         landmark_dll;
    int         landmark_signed;      /* has a certificate table */
} package_case;

static const package_case packages[] = {
    { "libmono-corlib4.5-dll", PE_CLR, 1, "usr/lib/mono/4.5/mscorlib.dll",
      MACHINE_I386, 1, 0 },
    { "libmono-system4.0-cil", PE_CLR, 1,
      "usr/lib/mono/gac/System/4.0.0.0__b77a5c561934e089/System.dll",
      MACHINE_I386, 1, 0 },
    { "libmono-system-xml4.0-cil", PE_CLR, 1,
      "usr/lib/mono/gac/System.Xml/4.0.0.0__b77a5c561934e089/System.Xml.dll",
      MACHINE_I386, 1, 0 },
    { "libmono-system-core4.0-cil", PE_CLR, 1,
      "usr/lib/mono/gac/System.Core/4.0.0.0__b77a5c561934e089/System.Core.dll",
      MACHINE_I386, 1, 0 },
    { "shim-unsigned", PE_NATIVE, 3, "usr/lib/shim/shimx64.efi",
      MACHINE_AMD64, 0, 0 },
    { "shim-signed", PE_NATIVE, 1, "usr/lib/shim/shimx64.efi.signed",
      MACHINE_AMD64, 0, 1 },
    { "grub-efi-amd64-signed", PE_NATIVE, 3,
      "usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed",
      MACHINE_AMD64, 0, 1 },
    { "nsis-common", PE_NATIVE, 10, "usr/share/nsis/Stubs/zlib-x86-unicode",
      MACHINE_I386, 0, 0 },
};
#define N_PACKAGES ((int)(sizeof packages / sizeof packages[0]))

typedef struct {
    char  *paths[MAX_FILES];
    size_t count;
} file_list;

static const char *cache_dir(void)
{
    const char *c = getenv("FIXTURE_CACHE");

    return c != NULL && *c != '\0' ? c : DEFAULT_CACHE;
}

/* Regular files under dir, recursively; symbolic links are not followed
 * (Mono's GAC links to the same assemblies). */
static void collect(const char *dir, file_list *list)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        char path[PATH_BYTES];
        struct stat st;

        if (de->d_name[0] == '.')
            continue;   /* ".", "..", and the cache's ".unpacked" stamp */
        ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", dir, de->d_name),
                         (int)sizeof path);
        ck_assert_int_eq(lstat(path, &st), 0);
        if (S_ISDIR(st.st_mode))
            collect(path, list);
        else if (S_ISREG(st.st_mode)) {
            ck_assert_uint_lt(list->count, MAX_FILES);
            list->paths[list->count] = strdup(path);
            ck_assert_ptr_nonnull(list->paths[list->count]);
            list->count++;
        }
    }
    closedir(d);
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long size;

    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    ck_assert_int_ge(size, 0);
    ck_assert_uint_le((unsigned long)size, MAX_FILE_BYTES);
    rewind(f);
    buf = malloc(size ? (size_t)size : 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* libmagic's description of every file, one `file -b` run for the lot;
 * returns 0 when `file` cannot be run. */
static int describe_all(const file_list *list, char **desc)
{
    int fds[2];
    pid_t pid;
    FILE *out;
    size_t i;
    int status;
    char line[MAGIC_LINE_BYTES];

    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char **argv = calloc(list->count + 4, sizeof(char *));

        if (argv == NULL)
            _exit(127);
        argv[0] = "file";
        argv[1] = "-b";
        argv[2] = "--";
        for (i = 0; i < list->count; i++)
            argv[3 + i] = list->paths[i];
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp("file", argv);
        _exit(127);
    }
    close(fds[1]);
    out = fdopen(fds[0], "r");
    ck_assert_ptr_nonnull(out);
    for (i = 0; i < list->count && fgets(line, sizeof line, out) != NULL; i++) {
        line[strcspn(line, "\n")] = '\0';
        desc[i] = strdup(line);
        ck_assert_ptr_nonnull(desc[i]);
    }
    fclose(out);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || i != list->count) {
        for (; i > 0; i--)
            free(desc[i - 1]);
        return 0;
    }
    return 1;
}

/* What libmagic's answer means in the sniffer's terms. */
static pe_verdict magic_verdict(const char *desc)
{
    if (strncmp(desc, "PE32", 4) != 0)
        return PE_NOT_PE;
    return strstr(desc, "Mono/.Net assembly") != NULL ? PE_CLR : PE_NATIVE;
}

/* The filter's way: hand over exactly the bytes asked for, starting with
 * none, and never more than the file has. */
static pe_verdict sniff_incrementally(const unsigned char *img, size_t len,
                                      size_t *used)
{
    size_t have = 0;
    pe_info info;
    int rounds = 0;

    while (pe_sniff(img, have, &info) == PE_NEED_MORE) {
        ck_assert_uint_gt(info.need, have);
        ck_assert_int_lt(++rounds, MAX_FEED_ROUNDS);
        if (info.need > len)
            return pe_sniff_final(img, len, &info);
        have = info.need;
    }
    *used = have;
    return info.verdict;
}

/* The filter's way for a file on disk: the first 512 bytes, then, when
 * the sniffer asks for bytes past them, the decision span at e_lfanew (as
 * much of it as the file holds); the file's end is known. */
static pe_verdict sniff_two_reads(const unsigned char *img, size_t len, pe_info *info)
{
    size_t head = len < FILTER_HEAD ? len : FILTER_HEAD;
    size_t lf, win;

    if (pe_sniff_window(img, head, NULL, 0, 0, info) != PE_NEED_MORE)
        return info->verdict;
    lf = info->e_lfanew;
    if (head == len || lf == 0 || lf >= len)
        return pe_sniff_window_final(img, head, NULL, 0, 0, info);
    win = len - lf < DECISION_SPAN_MAX ? len - lf : DECISION_SPAN_MAX;
    if (lf + win == len)
        return pe_sniff_window_final(img, head, img + lf, lf, win, info);
    return pe_sniff_window(img, head, img + lf, lf, win, info);
}

START_TEST(test_package_images_agree_with_libmagic)
{
    const package_case *pc = &packages[_i];
    char root[PATH_BYTES], stamp[PATH_BYTES];
    file_list *list;
    char **desc;
    size_t i;
    int clr = 0, native = 0, landmark_seen = 0;

    ck_assert_int_lt(snprintf(root, sizeof root, "%s/%s", cache_dir(), pc->package),
                     (int)sizeof root);
    ck_assert_int_lt(snprintf(stamp, sizeof stamp, "%s/%s/.unpacked", cache_dir(),
                              pc->package), (int)sizeof stamp);
    if (access(stamp, F_OK) != 0) {
        printf("SKIPPED: %s: package not in the fixture cache %s "
               "(build-aux/fetch-debs.sh %s %s)\n",
               pc->package, cache_dir(), cache_dir(), pc->package);
        return;
    }
    list = calloc(1, sizeof *list);
    desc = calloc(MAX_FILES, sizeof *desc);
    ck_assert_ptr_nonnull(list);
    ck_assert_ptr_nonnull(desc);
    collect(root, list);
    if (!describe_all(list, desc)) {
        printf("SKIPPED: %s: libmagic's `file` cannot be run\n", pc->package);
        for (i = 0; i < list->count; i++)
            free(list->paths[i]);
        free(list);
        free(desc);
        return;
    }

    for (i = 0; i < list->count; i++) {
        size_t len, used = 0;
        unsigned char *img = read_file(list->paths[i], &len);
        pe_info info;
        pe_verdict whole = pe_sniff_final(img, len, &info);
        pe_verdict fed = sniff_incrementally(img, len, &used);
        pe_verdict magic = magic_verdict(desc[i]);
        pe_info two;
        pe_verdict two_reads = sniff_two_reads(img, len, &two);

        ck_assert_msg(whole == magic, "%s: sniffer says %s (%s), libmagic \"%s\"",
                      list->paths[i], pe_verdict_name(whole),
                      pe_reason_name(info.reason), desc[i]);
        ck_assert_msg(fed == whole, "%s: fed %s, whole file %s", list->paths[i],
                      pe_verdict_name(fed), pe_verdict_name(whole));
        ck_assert_msg(two_reads == whole && two.reason == info.reason,
                      "%s: two reads %s (%s), whole file %s (%s)", list->paths[i],
                      pe_verdict_name(two_reads), pe_reason_name(two.reason),
                      pe_verdict_name(whole), pe_reason_name(info.reason));
        if (whole == PE_CLR || whole == PE_NATIVE) {
            ck_assert_msg(whole == pc->kind, "%s: %s in a package of %s images",
                          list->paths[i], pe_verdict_name(whole),
                          pe_verdict_name(pc->kind));
            ck_assert_uint_le(used, (size_t)info.e_lfanew + DECISION_SPAN_MAX);
            if (whole == PE_CLR)
                clr++;
            else
                native++;
        }
        if (strcmp(list->paths[i] + strlen(root) + 1, pc->landmark) == 0) {
            landmark_seen = 1;
            ck_assert_int_eq(whole, pc->kind);
            ck_assert_uint_eq(info.machine, pc->landmark_machine);
            ck_assert_int_eq(pe_is_dll(&info), pc->landmark_dll);
            /* the certificate table lies inside the file, at its end
             * in the signed EFI images */
            if (pc->landmark_signed) {
                ck_assert_uint_gt(info.cert_size, 0);
                ck_assert_uint_le((size_t)info.cert_offset + info.cert_size, len);
                ck_assert_uint_ge(info.cert_offset, (size_t)info.e_lfanew + 24
                                  + info.size_of_optional_header);
            }
            else {
                ck_assert_uint_eq(info.cert_offset, 0);
                ck_assert_uint_eq(info.cert_size, 0);
            }
        }
        free(img);
        free(desc[i]);
        free(list->paths[i]);
    }
    printf("%s: %zu files, %d clr, %d native, all as libmagic says\n",
           pc->package, list->count, clr, native);
    ck_assert_msg(landmark_seen, "%s: %s not found", pc->package, pc->landmark);
    ck_assert_int_ge(pc->kind == PE_CLR ? clr : native, pc->min_images);
    ck_assert_int_eq(pc->kind == PE_CLR ? native : clr, 0);
    free(list);
    free(desc);
}
END_TEST

/* A real Mono assembly with its NumberOfRvaAndSizes patched: counts
 * below 15 leave directory 14 where it was, and the CLR, libmagic and the
 * sniffer all still read it there. */
static const uint32_t patched_counts[] = { 14, 0, 0xFFFFFFFFu };
#define N_PATCHED_COUNTS ((int)(sizeof patched_counts / sizeof patched_counts[0]))

START_TEST(test_mono_assembly_with_patched_directory_count_stays_clr)
{
    const package_case *pc = &packages[1];  /* System.dll */
    uint32_t count = patched_counts[_i];
    char path[PATH_BYTES], stamp[PATH_BYTES], tmp[PATH_BYTES];
    const char *tmpdir = getenv("TMPDIR");
    file_list one;
    char *desc[1];
    unsigned char *img;
    size_t len, count_off;
    pe_info info, two;
    FILE *f;
    int fd;

    ck_assert_int_lt(snprintf(stamp, sizeof stamp, "%s/%s/.unpacked", cache_dir(),
                              pc->package), (int)sizeof stamp);
    if (access(stamp, F_OK) != 0) {
        printf("SKIPPED: %s: package not in the fixture cache %s\n", pc->package,
               cache_dir());
        return;
    }
    ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s/%s", cache_dir(), pc->package,
                              pc->landmark), (int)sizeof path);
    img = read_file(path, &len);
    ck_assert_int_eq(pe_sniff_final(img, len, &info), PE_CLR);
    ck_assert_uint_eq(info.number_of_rva_and_sizes, 16);
    count_off = (size_t)info.e_lfanew + OPT_HEADER_OFFSET +
                (info.magic == PE_OPTIONAL_MAGIC_PE32PLUS ? RVA_COUNT_PE32PLUS
                                                          : RVA_COUNT_PE32);
    img[count_off] = (unsigned char)(count & 0xFFu);
    img[count_off + 1] = (unsigned char)((count >> 8) & 0xFFu);
    img[count_off + 2] = (unsigned char)((count >> 16) & 0xFFu);
    img[count_off + 3] = (unsigned char)(count >> 24);

    ck_assert_int_eq(pe_sniff_final(img, len, &info), PE_CLR);
    ck_assert_uint_eq(info.number_of_rva_and_sizes, count);
    ck_assert_uint_ne(info.clr_rva, 0);
    ck_assert_int_eq(sniff_two_reads(img, len, &two), PE_CLR);

    ck_assert_int_lt(snprintf(tmp, sizeof tmp, "%s/netexe-count-XXXXXX",
                              tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp"),
                     (int)sizeof tmp);
    fd = mkstemp(tmp);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(img, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(img);

    one.paths[0] = tmp;
    one.count = 1;
    if (!describe_all(&one, desc)) {
        unlink(tmp);
        printf("SKIPPED: libmagic's `file` cannot be run\n");
        return;
    }
    unlink(tmp);
    ck_assert_msg(strstr(desc[0], "Mono/.Net assembly") != NULL,
                  "NumberOfRvaAndSizes %u: libmagic says \"%s\"", (unsigned)count, desc[0]);
    free(desc[0]);
}
END_TEST

static Suite *pe_realworld_suite(void)
{
    Suite *s = suite_create("pe_realworld");
    TCase *tc = tcase_create("debian_packages");

    /* a few hundred files, each read whole and run through libmagic */
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_package_images_agree_with_libmagic, 0, N_PACKAGES);
    tcase_add_loop_test(tc, test_mono_assembly_with_patched_directory_count_stays_clr,
                        0, N_PATCHED_COUNTS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pe_realworld_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
