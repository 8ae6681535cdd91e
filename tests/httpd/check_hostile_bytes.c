/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_hostile_bytes.c -- hostile input beyond the chosen cases of
 * check_hostile.c: every byte value 0x01-0xFF percent-encoded in the last
 * segment and sent raw in the request line (one loop test each), a 64 KiB
 * path, ".." segments, a million
 * bytes of repeated "MZ" headers served as a file and by a CGI, PE images
 * whose header overlaps the DOS header (e_lfanew pointing at itself, and a
 * PE header folded into the DOS header that passes the rule), and CGI
 * scripts that try to smuggle CR or LF into their own
 * Content-Disposition (httpd drops a bare CR and answers 500 for a bare
 * LF or a folded line; the module keeps or replaces what is left, once).
 *
 * For every 200: at most one Content-Disposition, printable ASCII only,
 * and well-formed (attachment; filename="..." with no quote or backslash
 * inside, then at most a filename*=UTF-8''... of RFC 8187 attr-chars and
 * %XX escapes); the body is the file, byte for byte; no child crashed.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S      60
#define BYTE_FIRST          0x01
#define BYTE_LAST           0xFF
#define ASCII_PRINT_MIN     0x20
#define ASCII_PRINT_MAX     0x7E
#define PATH_64K            (64u * 1024u)
#define MZ_BODY_SIZE        1000000u
#define MZ_UNIT             64u         /* "MZ", junk, e_lfanew */
#define E_LFANEW_OFFSET     0x3Cu
#define SELF_LFANEW         0x3Cu       /* e_lfanew points at itself */
#define FOLDED_LFANEW       0x38u       /* PE header inside the DOS header */
#define PE_SIG_SIZE         4u
#define COFF_SIZE           20u
#define OPT_MAGIC_PE32      0x10Bu
#define OPT_NRVA_OFFSET     92u         /* NumberOfRvaAndSizes, PE32 */
#define OPT_DIRS_OFFSET     96u         /* data directories, PE32 */
#define DIR_ENTRY_SIZE      8u
#define DIR_COM_DESCRIPTOR  14u
#define NUM_DIRS            16u
#define FOLDED_SIZE         4096u
#define FOLDED_CLR_RVA      0x2008u
#define SCRIPT_MAX          1024

static harness_httpd *srv;

/* /h/ANYTHING is the CLR image (as in check_hostile.c); /mz/ and /pe/
 * hold the crafted files; the CGI scripts are under /cgi-bin/ (header
 * kept) and /cgi-ovr/ (NetExeOverride On: header replaced). */
static const char bytes_config[] =
    "AliasMatch \"^/h/\" \"@DOCROOT@/img/clr.exe\"\n"
    "<Location \"/h/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    "<Directory \"@DOCROOT@/img\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/mz\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/pe\">\n"
    "    NetExe On\n"
    "</Directory>\n"
    HARNESS_CONFIG_CGI_BIN
    "ScriptAlias /cgi-ovr/ \"@DOCROOT@/cgi/\"\n"
    "<Location \"/cgi-ovr/\">\n"
    "    NetExe On\n"
    "    NetExeOverride On\n"
    "</Location>\n";

/* A script that sends the file at %s after the header lines in %s (a Perl
 * double-quoted string: \r, \n and \" are Perl's escapes). */
static const char script_fmt[] =
    "#!/usr/bin/perl\n"
    "open(my $fh, '<', '%s') or die \"cannot open: $!\";\n"
    "binmode $fh;\n"
    "my $body = do { local $/; <$fh> };\n"
    "binmode STDOUT;\n"
    "syswrite(STDOUT, \"Content-Type: application/x-msdownload\\r\\n%s\\r\\n\");\n"
    "syswrite(STDOUT, $body);\n";

static void put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)((v >> 8) & 0xFF);
}

static void put_u32(unsigned char *p, unsigned long v)
{
    put_u16(p, (unsigned)(v & 0xFFFF));
    put_u16(p + 2, (unsigned)((v >> 16) & 0xFFFF));
}

static void write_script(const char *name, const char *file_rel,
                         const char *headers)
{
    char script[SCRIPT_MAX], rel[64];
    char *file = harness_path(srv, file_rel);
    int n = snprintf(script, sizeof script, script_fmt, file, headers);

    free(file);
    ck_assert(n > 0 && (size_t)n < sizeof script);
    snprintf(rel, sizeof rel, "cgi/%s", name);
    ck_assert_int_eq(harness_write_file_mode(srv, rel, script, strlen(script),
                                             0755), 0);
}

/* A million bytes of 64-byte units "MZ", junk, and an e_lfanew (at 0x3C
 * of every unit) that points at the next unit: every unit looks like a
 * DOS header, none leads to "PE\0\0". */
static void write_mz_flood(void)
{
    unsigned char *b = malloc(MZ_BODY_SIZE);
    size_t i;

    ck_assert_ptr_nonnull(b);
    for (i = 0; i < MZ_BODY_SIZE; i++)
        b[i] = (unsigned char)('!' + i % 61);
    for (i = 0; i + MZ_UNIT <= MZ_BODY_SIZE; i += MZ_UNIT) {
        b[i] = 'M';
        b[i + 1] = 'Z';
        put_u32(b + i + E_LFANEW_OFFSET, MZ_UNIT);
    }
    ck_assert_int_eq(harness_write_file(srv, "mz/flood.exe", b, MZ_BODY_SIZE), 0);
    /* The same with e_lfanew far past the sniff limit (64 KiB). */
    put_u32(b + E_LFANEW_OFFSET, MZ_BODY_SIZE - MZ_UNIT * 2);
    ck_assert_int_eq(harness_write_file(srv, "mz/deep.exe", b, MZ_BODY_SIZE), 0);
    free(b);
}

/* The default CLR image with e_lfanew = 0x3C: "PE\0\0" would have to be
 * the field's own bytes (3C 00 00 00), so it is not PE. */
static void write_self_lfanew(void)
{
    size_t len = 0;
    unsigned char *img;
    pebuild_spec s;

    pebuild_spec_init(&s);
    img = pebuild(&s, &len);
    ck_assert_ptr_nonnull(img);
    put_u32(img + E_LFANEW_OFFSET, SELF_LFANEW);
    ck_assert_int_eq(harness_write_file(srv, "pe/self.exe", img, len), 0);
    free(img);
}

/* A PE header folded into the DOS header: "PE\0\0" at 0x38, so that
 * e_lfanew (0x3C) is at the same time the COFF header's Machine and
 * NumberOfSections; the optional header follows at 0x50 with 16
 * directories and a CLR header RVA.  By the rule (DESIGN.md section 2) it
 * is CLR. */
static void write_folded(void)
{
    unsigned char *img = calloc(1, FOLDED_SIZE);
    size_t opt = FOLDED_LFANEW + PE_SIG_SIZE + COFF_SIZE;

    ck_assert_ptr_nonnull(img);
    img[0] = 'M';
    img[1] = 'Z';
    memcpy(img + FOLDED_LFANEW, "PE\0\0", PE_SIG_SIZE);
    put_u32(img + E_LFANEW_OFFSET, FOLDED_LFANEW);
    /* SizeOfOptionalHeader: 96 + 16 directories. */
    put_u16(img + FOLDED_LFANEW + PE_SIG_SIZE + 16,
            OPT_DIRS_OFFSET + NUM_DIRS * DIR_ENTRY_SIZE);
    put_u16(img + opt, OPT_MAGIC_PE32);
    put_u32(img + opt + OPT_NRVA_OFFSET, NUM_DIRS);
    put_u32(img + opt + OPT_DIRS_OFFSET + DIR_COM_DESCRIPTOR * DIR_ENTRY_SIZE,
            FOLDED_CLR_RVA);
    put_u32(img + opt + OPT_DIRS_OFFSET + DIR_COM_DESCRIPTOR * DIR_ENTRY_SIZE
            + 4, 72);
    ck_assert_int_eq(harness_write_file(srv, "pe/folded.exe", img, FOLDED_SIZE), 0);
    free(img);
}

static void setup(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    harness_options o;

    harness_options_init(&o);
    o.modules = mods;
    o.config = bytes_config;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");
    ck_assert_int_eq(harness_write_pe(srv, "img/clr.exe", NULL, NULL), 0);
    write_mz_flood();
    write_self_lfanew();
    write_folded();
    ck_assert_int_eq(harness_mkdir(srv, "cgi"), 0);
    write_script("flood", "mz/flood.exe", "");
    write_script("deep", "mz/deep.exe", "");
    /* \r inside the value, a bare \n inside the value, a folded
     * continuation line, a second header after an injected CR LF. */
    write_script("cd-cr", "img/clr.exe",
                 "Content-Disposition: attachment; filename=\\\"a\\rb.exe\\\"\\r\\n");
    write_script("cd-lf", "img/clr.exe",
                 "Content-Disposition: attachment; filename=\\\"a\\nb.exe\\\"\\r\\n");
    write_script("cd-fold", "img/clr.exe",
                 "Content-Disposition: attachment;\\r\\n filename=\\\"f.exe\\\"\\r\\n");
    write_script("cd-inject", "img/clr.exe",
                 "Content-Disposition: attachment; filename=\\\"x.exe\\\"\\r\\n"
                 "X-Injected: yes\\r\\n");
    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* --- what every answer must satisfy ---------------------------------- */

static int is_attr_char(int c)
{
    /* RFC 8187 attr-char */
    return isalnum(c) || (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* 1 when v is attachment; filename="Q"[; filename*=UTF-8''E] with Q of
 * printable ASCII but '"' and '\', and E of attr-chars and %XX. */
static int disposition_well_formed(const char *v)
{
    static const char pre[] = "attachment; filename=\"";
    static const char ext[] = "; filename*=UTF-8''";
    const char *p = v;

    if (strncmp(p, pre, sizeof pre - 1) != 0)
        return 0;
    for (p += sizeof pre - 1; *p != '"'; p++)
        if (*p < ASCII_PRINT_MIN || *p > ASCII_PRINT_MAX || *p == '\\')
            return 0;
    p++;
    if (*p == '\0')
        return 1;
    if (strncmp(p, ext, sizeof ext - 1) != 0)
        return 0;
    for (p += sizeof ext - 1; *p != '\0'; p++) {
        if (*p == '%') {
            if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
                return 0;
            p += 2;
        } else if (!is_attr_char((unsigned char)*p)) {
            return 0;
        }
    }
    return 1;
}

static void assert_printable_once(harness_response *r)
{
    const char *v = harness_header_get(r, "Content-Disposition");
    const unsigned char *p;

    HARNESS_ASSERT(srv, harness_header_count(r, "Content-Disposition") <= 1,
                   "%zu Content-Disposition headers",
                   harness_header_count(r, "Content-Disposition"));
    for (p = (const unsigned char *)(v ? v : ""); *p; p++)
        HARNESS_ASSERT(srv, *p >= ASCII_PRINT_MIN && *p <= ASCII_PRINT_MAX,
                       "byte 0x%02X in Content-Disposition [%s]", *p, v);
}

static void assert_no_crash(void)
{
    char *log = harness_error_log(srv);

    HARNESS_FAIL_IF(srv, strstr(log, "exit signal") != NULL
                    || strstr(log, "Segmentation fault") != NULL,
                    "a child crashed");
    free(log);
}

/* GET path: 200, no Content-Disposition, the file, the note. */
static void check_plain(const char *path, const char *file_rel,
                        const char *note)
{
    harness_response r;

    harness_get(srv, path, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    HARNESS_ASSERT_BODY_FILE(srv, &r, file_rel);
    HARNESS_ASSERT_NOTE(srv, &r, note);
    harness_response_free(&r);
    assert_no_crash();
}

/* --- every byte -------------------------------------------------------- */

START_TEST(test_every_encoded_byte_gives_one_safe_disposition)
{
    const int byte = BYTE_FIRST + _i;
    char path[64];
    harness_response r;
    const char *v;

    snprintf(path, sizeof path, "/h/a%%%02Xb", byte);
    harness_get(srv, path, &r);
    HARNESS_ASSERT_OK(srv, &r);
    HARNESS_ASSERT(srv, r.status == 200 || r.status == 400 || r.status == 403
                   || r.status == 404, "%s: status %ld", path, r.status);
    /* Only the encoded slash is httpd's to refuse (AllowEncodedSlashes
     * Off); every other byte reaches the image. */
    HARNESS_ASSERT(srv, (r.status == 404) == (byte == '/'),
                   "%s: status %ld", path, r.status);
    assert_printable_once(&r);
    v = harness_header_get(&r, "Content-Disposition");
    if (r.status == 200) {
        HARNESS_ASSERT(srv, v != NULL && disposition_well_formed(v),
                       "%s: Content-Disposition [%s]", path, v ? v : "(none)");
        HARNESS_ASSERT_BODY_FILE(srv, &r, "img/clr.exe");
    } else {
        HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    }
    harness_response_free(&r);
}
END_TEST

/* The same byte sent raw in the request line (libcurl would escape it).
 * httpd refuses controls, space and DEL in a request line (400) and
 * takes the rest; a 200 has the same guarantees as above. */
START_TEST(test_every_raw_byte_gives_one_safe_disposition_or_400)
{
    const int byte = BYTE_FIRST + _i;
    char req[128], *end, *cd;
    unsigned char *resp;
    size_t len = 0;
    int n, status;

    n = snprintf(req, sizeof req, "GET /h/a%cb HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\n\r\n", byte);
    ck_assert(n > 0 && (size_t)n < sizeof req);
    resp = harness_raw_exchange(srv, 0, req, (size_t)n, 0, &len);
    HARNESS_ASSERT(srv, resp != NULL && len > 12, "byte 0x%02X: no answer", byte);
    status = atoi((char *)resp + 9);
    HARNESS_ASSERT(srv, status == 200 || status == 400 || status == 404,
                   "byte 0x%02X: status %d", byte, status);
    end = strstr((char *)resp, "\r\n\r\n");
    HARNESS_ASSERT(srv, end != NULL, "byte 0x%02X: no header block", byte);
    end[2] = '\0';
    cd = strstr((char *)resp, "\r\nContent-Disposition: ");
    if (status == 200) {
        char *eol, *v;
        HARNESS_ASSERT(srv, cd != NULL, "byte 0x%02X: no Content-Disposition", byte);
        HARNESS_ASSERT(srv, strstr(cd + 2, "\r\nContent-Disposition:") == NULL,
                       "byte 0x%02X: two Content-Disposition headers", byte);
        v = cd + strlen("\r\nContent-Disposition: ");
        eol = strstr(v, "\r\n");
        HARNESS_ASSERT(srv, eol != NULL, "byte 0x%02X: header not ended", byte);
        *eol = '\0';
        HARNESS_ASSERT(srv, disposition_well_formed(v),
                       "byte 0x%02X: Content-Disposition [%s]", byte, v);
    } else {
        HARNESS_ASSERT(srv, cd == NULL, "byte 0x%02X: Content-Disposition on %d",
                       byte, status);
    }
    free(resp);
}
END_TEST

/* --- paths --------------------------------------------------------------- */

START_TEST(test_64k_path_is_refused_with_414)
{
    char *path = malloc(PATH_64K + 16);
    harness_response r;

    ck_assert_ptr_nonnull(path);
    strcpy(path, "/h/");
    memset(path + 3, 'a', PATH_64K);
    strcpy(path + 3 + PATH_64K, ".exe");
    harness_get(srv, path, &r);
    HARNESS_ASSERT_STATUS(srv, &r, 414);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);
    free(path);
    assert_no_crash();
}
END_TEST

START_TEST(test_dot_dot_segments_are_resolved_before_naming)
{
    harness_response r;

    /* httpd removes ".." before mapping: the name is the last real
     * segment. */
    harness_get(srv, "/mz/../img/./clr.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"clr.exe\"");
    HARNESS_ASSERT_BODY_FILE(srv, &r, "img/clr.exe");
    harness_response_free(&r);

    harness_get(srv, "/h/x/..", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    assert_printable_once(&r);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"download.exe\"");
    harness_response_free(&r);

    /* Above the root: httpd refuses. */
    harness_get(srv, "/../../etc/passwd", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 400);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);

    /* Encoded dots are name bytes, not a path step. */
    harness_get(srv, "/h/%2e%2e", &r);
    HARNESS_ASSERT_OK(srv, &r);
    HARNESS_ASSERT(srv, r.status == 200 || r.status == 400 || r.status == 404,
                   "status %ld", r.status);
    assert_printable_once(&r);
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

/* --- bodies -------------------------------------------------------------- */

START_TEST(test_million_mz_headers_static_is_not_pe)
{
    check_plain("/mz/flood.exe", "mz/flood.exe", "not-pe");
}
END_TEST

START_TEST(test_million_mz_headers_from_cgi_is_not_pe)
{
    check_plain("/cgi-bin/flood", "mz/flood.exe", "not-pe");
}
END_TEST

/* Streamed, the header lies beyond what the filter holds: unknown, with
 * the header (it could be an image).  The static file is peeked where the
 * header would be: the file ends before it, so it is no image at all. */
START_TEST(test_mz_with_lfanew_past_the_limit_is_unknown)
{
    harness_response r;

    check_plain("/mz/deep.exe", "mz/deep.exe", "not-pe");
    harness_get(srv, "/cgi-bin/deep", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200, "attachment; filename=\"deep.exe\"",
                            "mz/deep.exe", "unknown");
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

START_TEST(test_lfanew_pointing_at_itself_is_not_pe)
{
    check_plain("/pe/self.exe", "pe/self.exe", "not-pe");
}
END_TEST

START_TEST(test_pe_header_folded_into_dos_header_is_clr)
{
    harness_response r;

    harness_get(srv, "/pe/folded.exe", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"folded.exe\"");
    HARNESS_ASSERT_BODY_FILE(srv, &r, "pe/folded.exe");
    HARNESS_ASSERT_NOTE(srv, &r, "clr");
    harness_response_free(&r);
    assert_no_crash();
}
END_TEST

/* --- CGI headers with line breaks ----------------------------------------- */

/* Whatever httpd makes of the script's header: a 200 with the image and
 * at most one printable Content-Disposition, or httpd's 500 for a
 * malformed header; the server keeps serving. */
static void check_cgi_cd(const char *path, harness_response *r)
{
    harness_get(srv, path, r);
    HARNESS_ASSERT_OK(srv, r);
    HARNESS_ASSERT(srv, r->status == 200 || r->status == 500,
                   "%s: status %ld", path, r->status);
    assert_printable_once(r);
    if (r->status == 200)
        HARNESS_ASSERT_BODY_FILE(srv, r, "img/clr.exe");
    assert_no_crash();
}

START_TEST(test_cgi_disposition_with_bare_cr_stays_one_header)
{
    harness_response r;

    /* httpd's CGI header reader drops the CR; the module keeps the
     * script's header (NetExeOverride Off) and notes "skipped". */
    check_cgi_cd("/cgi-bin/cd-cr", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"ab.exe\"");
    HARNESS_ASSERT_NOTE(srv, &r, "skipped");
    harness_response_free(&r);
    check_cgi_cd("/cgi-ovr/cd-cr", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"cd-cr.exe\"");
    harness_response_free(&r);
}
END_TEST

/* A bare LF ends the header line: the rest ("b.exe\"") is no header, and
 * httpd answers 500 ("malformed header from script") before any filter
 * sees a body. */
START_TEST(test_cgi_disposition_with_bare_lf_is_refused_with_500)
{
    harness_response r;

    check_cgi_cd("/cgi-bin/cd-lf", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 500);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);
    check_cgi_cd("/cgi-ovr/cd-lf", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 500);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);
}
END_TEST

/* httpd 2.4 does not unfold obs-fold continuation lines from a CGI: 500. */
START_TEST(test_cgi_disposition_folded_is_refused_with_500)
{
    harness_response r;

    check_cgi_cd("/cgi-bin/cd-fold", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 500);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);
    check_cgi_cd("/cgi-ovr/cd-fold", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 500);
    HARNESS_ASSERT_NO_HEADER(srv, &r, "Content-Disposition");
    harness_response_free(&r);
}
END_TEST

START_TEST(test_cgi_disposition_kept_or_replaced_once)
{
    harness_response r;

    check_cgi_cd("/cgi-bin/cd-inject", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"x.exe\"");
    harness_response_free(&r);
    check_cgi_cd("/cgi-ovr/cd-inject", &r);
    HARNESS_ASSERT_STATUS(srv, &r, 200);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Disposition",
                          "attachment; filename=\"cd-inject.exe\"");
    harness_response_free(&r);
}
END_TEST

static Suite *hostile_bytes_suite(void)
{
    Suite *s = suite_create("httpd_hostile_bytes");
    TCase *tc = tcase_create("hostile_bytes");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_loop_test(tc, test_every_encoded_byte_gives_one_safe_disposition,
                        0, BYTE_LAST - BYTE_FIRST + 1);
    tcase_add_loop_test(tc, test_every_raw_byte_gives_one_safe_disposition_or_400,
                        0, BYTE_LAST - BYTE_FIRST + 1);
    tcase_add_test(tc, test_64k_path_is_refused_with_414);
    tcase_add_test(tc, test_dot_dot_segments_are_resolved_before_naming);
    tcase_add_test(tc, test_million_mz_headers_static_is_not_pe);
    tcase_add_test(tc, test_million_mz_headers_from_cgi_is_not_pe);
    tcase_add_test(tc, test_mz_with_lfanew_past_the_limit_is_unknown);
    tcase_add_test(tc, test_lfanew_pointing_at_itself_is_not_pe);
    tcase_add_test(tc, test_pe_header_folded_into_dos_header_is_clr);
    tcase_add_test(tc, test_cgi_disposition_with_bare_cr_stays_one_header);
    tcase_add_test(tc, test_cgi_disposition_with_bare_lf_is_refused_with_500);
    tcase_add_test(tc, test_cgi_disposition_folded_is_refused_with_500);
    tcase_add_test(tc, test_cgi_disposition_kept_or_replaced_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hostile_bytes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
