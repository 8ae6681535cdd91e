/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_attack4.c -- attacks on the raw reading of a Content-Encoding list
 * that browsers read two ways ("gzip, identity", "identity, br"): Chromium
 * passes such a body through raw, so a body that is a CLR image as it
 * stands must leave with Content-Disposition: attachment, however its
 * buckets are cut (files, heap, FLUSH) and whenever the coding is set.
 *
 *   bypass     what a browser receives is a CLR image: the header is
 *              expected, and the body byte for byte;
 *   withstood  attacks of the same kind that the module gets right.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_fail.h"
#include "harness_lua.h"
#include "pe.h"
#include "pebuild.h"

#define TEST_TIMEOUT_S          120
#define IMG_SIZE                8192u
#define IMG_LFANEW              0x80u
/* The DOS header: short of the PE header at IMG_LFANEW. */
#define DOS_HEAD                64u
#define HALF_HEAD               32u
/* "MZ", then two bytes that make the body's first four bytes the start
 * of a brotli stream (WBITS 23, an uncompressed meta-block of about
 * 1 MiB: RFC 7932 sections 9.1, 9.2): decoded as br, the body is its own
 * bytes from the fifth on, which do not start with "MZ". */
#define BR_HEAD                 4u
#define BR_B2                   0x08u
#define BR_B3                   0x88u
/* MLEN of that meta-block (MLEN - 1: the low bit of 'M', then 'Z', then
 * BR_B2, then the low seven bits of BR_B3); the last, empty meta-block
 * after it is the byte 0x03. */
#define BR_MLEN                 (((0x5Au << 1) | (BR_B2 << 9)               \
                                  | ((BR_B3 & 0x7Fu) << 17)) + 1u)
#define BROTLI_LAST_EMPTY       0x03u
/* A static image larger than 16 MiB whose PE header straddles 16 MiB. */
#define HUGE_LFANEW             (16u * 1024u * 1024u - 8u)
#define HUGE_SIZE               (17u * 1024u * 1024u)
#define MANY_CODINGS            17
/* An image whose decision needs exactly the limit (64 KiB): e_lfanew plus
 * the PE32 span up to data directory 14 (0xF0). */
#define LIMIT_LFANEW            (65536u - 0xF0u)
#define LIMIT_IMG_SIZE          (80u * 1024u)
/* Bytes written before a FLUSH: past e_lfanew, short of the PE header's
 * end, so the window at e_lfanew crosses the FLUSH. */
#define ACROSS_HEAD             0x100u

static harness_httpd *srv;

static const char config[] =
    "AddType application/x-msdownload .exe\n"
    "<Directory \"@DOCROOT@/lua\">\n"
    "    NetExe On\n"
    "    SetHandler lua-script\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/twoway\">\n"
    "    NetExe On\n"
    "    Header set Content-Encoding \"gzip, identity\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssi\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    Header set Content-Encoding \"gzip, identity\"\n"
    "</Directory>\n"
    "<Directory \"@DOCROOT@/ssibr\">\n"
    "    Options +Includes\n"
    "    AddOutputFilter INCLUDES .shtml\n"
    "    NetExe On\n"
    "    Header set Content-Encoding \"identity, br\"\n"
    "</Directory>\n"
    "<VirtualHost 127.0.0.1:@PORT1@>\n"
    "    ServerName 127.0.0.1:@PORT1@\n"
    "</VirtualHost>\n"
    "ProxyPass /px/ http://127.0.0.1:@PORT1@/\n"
    "<Location \"/px/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    HARNESS_CONFIG_CGI_BIN;

static const char *const modules[] = { "alias", "cgid", "lua", "headers",
                                       "include", "proxy", "proxy_http",
                                       "http2", NULL };

/* img/swap.br: raw, "MZ" and an e_lfanew of 0 (not an image); decoded
 * as br, a CLR image (PE header at 0x80). */
static void write_swap(void)
{
    size_t dlen, total = BR_HEAD + BR_MLEN + 1u;
    unsigned char *dec, *out = calloc(1, total);
    pe_info info;
    char sha_a[65], sha_b[65];
    size_t la, lb;

    HARNESS_PE_IMAGE(dec, 1, IMG_LFANEW, BR_MLEN, &dlen);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(dlen, BR_MLEN);
    out[0] = 'M';
    out[1] = 'Z';
    out[2] = BR_B2;
    out[3] = BR_B3;
    memcpy(out + BR_HEAD, dec, dlen);
    out[total - 1] = BROTLI_LAST_EMPTY;
    ck_assert_int_eq(pe_sniff_final(out, total, &info), PE_NOT_PE);
    ck_assert_int_eq(pe_sniff_final(dec, dlen, &info), PE_CLR);
    HARNESS_PUT(srv, "img/swap.br", out, total);
    HARNESS_PUT(srv, "img/swap.dec", dec, dlen);
    ck_assert_int_eq(hfail_filter(srv, "brotli -d -c", "img/swap.br",
                                  "img/swap.unbr"), 0);
    ck_assert_int_eq(harness_file_sha256(srv, "img/swap.unbr", sha_a, &la),
                     0);
    ck_assert_int_eq(harness_file_sha256(srv, "img/swap.dec", sha_b, &lb),
                     0);
    ck_assert_str_eq(sha_a, sha_b);
    free(out);
    free(dec);
}

static void setup(void)
{
    harness_options o;
    size_t len;
    unsigned char *img;
    char headers[512];
    int i;

    harness_options_init(&o);
    o.modules = modules;
    o.config = config;
    o.extra_ports = 1;
    srv = harness_new(&o);
    ck_assert_msg(srv != NULL, "harness_new failed");

    HARNESS_PE_IMAGE(img, 1, IMG_LFANEW, IMG_SIZE, &len);
    HARNESS_PUT(srv, "img/clr.exe", img, len);
    HARNESS_PUT(srv, "img/clr.head", img, DOS_HEAD);
    HARNESS_PUT(srv, "img/clr.half", img + HALF_HEAD, HALF_HEAD);
    HARNESS_PUT(srv, "img/clr.rest", img + DOS_HEAD, len - DOS_HEAD);
    img[2] = BR_B2;
    img[3] = BR_B3;
    HARNESS_PUT(srv, "img/brface.exe", img, len);
    HARNESS_PUT(srv, "img/brface.head", img, BR_HEAD);
    HARNESS_PUT(srv, "img/brface.rest", img + BR_HEAD, len - BR_HEAD);
    free(img);

    /* The DOS header from a file (r:sendfile passes it at once), the
     * rest written after. */
    HARNESS_WRITE_LUA(srv, "lua/file-then-write", "img/clr.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r:write(slice(64))\n");
    HARNESS_WRITE_LUA(srv, "lua/file-then-write-plain", "img/clr.exe",
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r:write(slice(64))\n");
    /* Four bytes from a file that br reads without deciding, the rest
     * written after. */
    HARNESS_WRITE_LUA(srv, "lua/br-file-then-write", "img/brface.exe",
        "    r.headers_out['Content-Encoding'] = 'identity, br'\n"
        "    r:sendfile(DIR .. 'img/brface.head')\n"
        "    r:write(slice(4))\n");
    /* 32 bytes written, the next 32 from a file, the rest written. */
    HARNESS_WRITE_LUA(srv, "lua/heap-file-heap", "img/clr.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 32))\n"
        "    r:sendfile(DIR .. 'img/clr.half')\n"
        "    r:write(slice(64))\n");
    /* The coding set after the DOS header went out from a file. */
    HARNESS_WRITE_LUA(srv, "lua/file-then-coding", "img/clr.exe",
        "    r:sendfile(DIR .. 'img/clr.head')\n"
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(64))\n");
    /* The DOS header, a FLUSH, the rest. */
    HARNESS_WRITE_LUA(srv, "lua/write-flush-write", "img/clr.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 64))\n"
        "    r:flush()\n"
        "    r:write(slice(64))\n");

    /* SSI pages: the image as two included files (two FILE buckets, in
     * two filter calls). */
    ck_assert_int_eq(harness_write_text(srv, "ssi/two.shtml",
        "<!--#include virtual=\"/img/clr.head\" -->"
        "<!--#include virtual=\"/img/clr.rest\" -->"), 0);
    ck_assert_int_eq(harness_write_text(srv, "ssibr/two.shtml",
        "<!--#include virtual=\"/img/brface.head\" -->"
        "<!--#include virtual=\"/img/brface.rest\" -->"), 0);

    /* Four bytes under "gzip, identity", a FLUSH, then "br" and the rest:
     * the gzip reading has failed and the raw reading waits. */
    write_swap();
    HARNESS_WRITE_LUA(srv, "lua/coding-swapped-while-raw-waits", "img/swap.br",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 4))\n"
        "    r:flush()\n"
        "    r.headers_out['Content-Encoding'] = 'br'\n"
        "    r:write(slice(4))\n");

    /* The DOS header and the PE header's start, a FLUSH, the rest. */
    HARNESS_WRITE_LUA(srv, "lua/window-across-flush", "img/clr.exe",
        "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
        "    r:write(slice(0, 256))\n"
        "    r:flush()\n"
        "    r:write(slice(256))\n");

    /* A script's image whose decision needs exactly the limit. */
    HARNESS_PE_IMAGE(img, 1, LIMIT_LFANEW, LIMIT_IMG_SIZE, &len);
    HARNESS_PUT(srv, "img/limit.exe", img, len);
    free(img);
    HARNESS_WRITE_CGI_BIN(srv, "limit-gzip-identity", "img/limit.exe",
                          "Content-Encoding: gzip, identity\r\n",
                          HARNESS_CGI_AT_ONCE);
    HARNESS_WRITE_CGI_BIN(srv, "limit-plain", "img/limit.exe", NULL,
                          HARNESS_CGI_AT_ONCE);

    /* A static image over 16 MiB, PE header across 16 MiB. */
    HARNESS_PE_IMAGE(img, 1, HUGE_LFANEW, HUGE_SIZE, &len);
    HARNESS_PUT(srv, "twoway/huge.exe", img, len);
    free(img);

    /* Seventeen codings and an unknown token. */
    snprintf(headers, sizeof headers, "Content-Encoding: gzip");
    for (i = 1; i < MANY_CODINGS; i++) {
        strcat(headers, ", gzip");
    }
    strcat(headers, ", x-odd\r\n");
    HARNESS_WRITE_CGI_BIN(srv, "many-codings", "img/clr.exe", headers,
                          HARNESS_CGI_AT_ONCE);

    ck_assert_msg(harness_start(srv) == 0, "apache2 did not start");
}

static void teardown(void)
{
    harness_free(srv);
    srv = NULL;
}

/* ---- bypasses ---------------------------------------------------------- */

/* "gzip, identity": the gzip reading fails on "MZ" in the first bucket, a
 * FILE of 64 bytes; the raw reading needs the PE header at 0x80, which
 * the next filter call brings, and must wait for it. */
START_TEST(test_raw_dos_header_in_a_file_then_written_rest_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/file-then-write",
                           "attachment; filename=\"file-then-write.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

/* "identity, br": the first four bytes, a FILE, are read by br without a
 * verdict and held; the next bytes decode to something that is not an
 * image.  The raw reading must read the held file's bytes as the start
 * of the raw body. */
START_TEST(test_raw_image_whose_first_bytes_a_held_file_gave_under_identity_br_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/br-file-then-write",
                           "attachment; filename=\"br-file-then-write.exe\"",
                           "img/brface.exe", NULL);
}
END_TEST

/* 32 bytes written, 32 from a file, the rest written: the raw reading
 * waits past the heap bytes and must not stop at the file. */
START_TEST(test_raw_image_with_a_file_between_writes_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/heap-file-heap",
                           "attachment; filename=\"heap-file-heap.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

/* No coding while the DOS header goes out from a file, then "gzip,
 * identity": Chromium receives the raw body, a CLR image. */
START_TEST(test_coding_set_after_a_file_bucket_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/file-then-coding",
                           "attachment; filename=\"file-then-coding.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

/* The DOS header and the rest as two files included by SSI, under
 * "gzip, identity" (Header set): as the first test, without mod_lua. */
START_TEST(test_ssi_of_two_files_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/ssi/two.shtml",
                           "attachment; filename=\"two.shtml.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

/* The same under "identity, br" with the four bytes br reads without a
 * verdict first: the held file's bytes are the raw body's start. */
START_TEST(test_ssi_of_two_files_under_identity_br_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/ssibr/two.shtml",
                           "attachment; filename=\"two.shtml.exe\"",
                           "img/brface.exe", NULL);
}
END_TEST

/* The first SSI page over h2c. */
START_TEST(test_ssi_of_two_files_under_gzip_identity_over_h2c_gets_attachment)
{
    harness_response r;

    harness_get_h2c(srv, "/ssi/two.shtml", &r);
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
                            "attachment; filename=\"two.shtml.exe\"",
                            "img/clr.exe", NULL);
    harness_response_free(&r);
}
END_TEST

/* "gzip, identity" while the first four bytes are held, then "br": the
 * client undoes br and receives a CLR image.  The gzip reading failed on
 * "MZ" and the raw reading was waiting for more bytes when the coding
 * changed; the codings must be read again then too. */
START_TEST(test_coding_changed_to_br_while_the_raw_reading_waits_gets_attachment)
{
    harness_response r;

    harness_get(srv, "/lua/coding-swapped-while-raw-waits", &r);
    HARNESS_ASSERT_HEADER(srv, &r, "Content-Encoding", "br");
    HARNESS_ASSERT_DOWNLOAD(srv, &r, 200,
        "attachment; filename=\"coding-swapped-while-raw-waits.exe\"",
        "img/swap.br", NULL);
    harness_response_free(&r);
}
END_TEST

/* ---- a file held past the call that passed it ----------------------- */

/* mod_lua's r:sendfile closes the file once ap_send_fd returns.  The
 * DOS header alone does not decide, so the FILE bucket is held to the
 * next call: by then its descriptor is closed, and the core fails on it
 * ("Bad file descriptor"): the client receives nothing. */
START_TEST(test_dos_header_in_a_file_then_written_rest_is_sent_whole)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/file-then-write-plain",
        "attachment; filename=\"file-then-write-plain.exe\"", "img/clr.exe",
        "clr");
}
END_TEST

/* ---- withstood --------------------------------------------------------- */

START_TEST(test_raw_image_across_a_flush_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/write-flush-write",
                           "attachment; filename=\"write-flush-write.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

START_TEST(test_pe_header_across_a_flush_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/lua/window-across-flush",
                           "attachment; filename=\"window-across-flush.exe\"",
                           "img/clr.exe", "clr");
}
END_TEST

/* The first SSI page through a reverse proxy: the front end receives it
 * in pieces of memory, not as files.  The backend is this server, whose
 * own verdict already put the header on (the front end's note is then
 * skipped): one header either way. */
START_TEST(test_proxied_ssi_of_two_files_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/px/ssi/two.shtml",
                           "attachment; filename=\"two.shtml.exe\"",
                           "img/clr.exe", NULL);
}
END_TEST

START_TEST(test_script_image_needing_exactly_the_limit_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/cgi-bin/limit-gzip-identity",
                           "attachment; filename=\"limit-gzip-identity.exe\"",
                           "img/limit.exe", "clr");
}
END_TEST

START_TEST(test_script_image_needing_exactly_the_limit_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/cgi-bin/limit-plain",
                           "attachment; filename=\"limit-plain.exe\"",
                           "img/limit.exe", "clr");
}
END_TEST

START_TEST(test_static_image_over_16mib_with_pe_header_across_16mib_under_gzip_identity_gets_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/twoway/huge.exe",
                           "attachment; filename=\"huge.exe\"",
                           "twoway/huge.exe", "clr");
}
END_TEST

START_TEST(test_seventeen_codings_and_an_odd_token_get_attachment)
{
    HARNESS_ASSERT_GET_200(srv, "/cgi-bin/many-codings",
                           "attachment; filename=\"many-codings.exe\"",
                           "img/clr.exe", "unknown");
}
END_TEST

/* Last in its case: no child died on any request of the suite. */
START_TEST(test_no_child_crashed)
{
    HARNESS_ASSERT_NO_CRASH(srv);
}
END_TEST

static Suite *attack4_suite(void)
{
    Suite *s = suite_create("attack4");
    TCase *tc = tcase_create("bypass");

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_raw_dos_header_in_a_file_then_written_rest_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_raw_image_whose_first_bytes_a_held_file_gave_under_identity_br_gets_attachment);
    tcase_add_test(tc, test_raw_image_with_a_file_between_writes_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_coding_set_after_a_file_bucket_gets_attachment);
    tcase_add_test(tc, test_ssi_of_two_files_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_ssi_of_two_files_under_identity_br_gets_attachment);
    tcase_add_test(tc, test_ssi_of_two_files_under_gzip_identity_over_h2c_gets_attachment);
    tcase_add_test(tc, test_coding_changed_to_br_while_the_raw_reading_waits_gets_attachment);
    suite_add_tcase(s, tc);

    tc = tcase_create("held_file");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_dos_header_in_a_file_then_written_rest_is_sent_whole);
    suite_add_tcase(s, tc);

    tc = tcase_create("withstood");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_raw_image_across_a_flush_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_pe_header_across_a_flush_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_proxied_ssi_of_two_files_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_script_image_needing_exactly_the_limit_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_script_image_needing_exactly_the_limit_gets_attachment);
    tcase_add_test(tc, test_static_image_over_16mib_with_pe_header_across_16mib_under_gzip_identity_gets_attachment);
    tcase_add_test(tc, test_seventeen_codings_and_an_odd_token_get_attachment);
    tcase_add_test(tc, test_no_child_crashed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attack4_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
