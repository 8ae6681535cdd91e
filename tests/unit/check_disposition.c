/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_disposition.c -- the Content-Disposition value built from a
 * hostile path segment (mod_netexe/disposition.h).  Every case asserts the
 * exact header value a client would receive.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disposition.h"

#define NOT_DLL 0
#define IS_DLL  1
#define LONG_NAME_BYTES 1000
#define BYTE_VALUES     256

#define QUOTED_PREFIX   "attachment; filename=\""
#define EXTENDED_PREFIX "; filename*=UTF-8''"

/* A segment given with its length, so that NUL bytes can be part of it. */
#define SEG(s) s, sizeof s - 1

typedef struct {
    const char *segment;
    size_t      seglen;
    int         is_dll;
    const char *expected;
} disposition_case;

static void assert_value(const char *segment, size_t seglen, int is_dll,
                         const char *expected)
{
    char out[NETEXE_DISPOSITION_MAX];
    size_t n;

    memset(out, 'X', sizeof out);
    n = netexe_disposition(out, sizeof out, segment, seglen, is_dll, 1);
    ck_assert_str_eq(out, expected);
    ck_assert_uint_eq(n, strlen(expected));
}

/* Plain printable names: one quoted form, no extended form. */
static const disposition_case plain_cases[] = {
    { SEG("setup.exe"),      NOT_DLL, QUOTED_PREFIX "setup.exe\"" },
    { SEG("download"),       NOT_DLL, QUOTED_PREFIX "download.exe\"" },
    { SEG("download"),       IS_DLL,  QUOTED_PREFIX "download.dll\"" },
    { SEG("Setup.EXE"),      NOT_DLL, QUOTED_PREFIX "Setup.EXE\"" },
    { SEG("Lib.dll"),        NOT_DLL, QUOTED_PREFIX "Lib.dll\"" },
    { SEG("Lib.DlL"),        IS_DLL,  QUOTED_PREFIX "Lib.DlL\"" },
    { SEG("lib.exe"),        IS_DLL,  QUOTED_PREFIX "lib.exe\"" },
    { SEG("setup.msi"),      NOT_DLL, QUOTED_PREFIX "setup.msi.exe\"" },
    { SEG("setup.exex"),     NOT_DLL, QUOTED_PREFIX "setup.exex.exe\"" },
    { SEG("exe"),            NOT_DLL, QUOTED_PREFIX "exe.exe\"" },
    { SEG("my setup v2.exe"), NOT_DLL, QUOTED_PREFIX "my setup v2.exe\"" },
    { SEG("a+b=c(1)[2]{3}'!~.exe"), NOT_DLL,
      QUOTED_PREFIX "a+b=c(1)[2]{3}'!~.exe\"" },
    { SEG("id=3&x=y"),       NOT_DLL, QUOTED_PREFIX "id=3&x=y.exe\"" },
};

START_TEST(test_plain_name_gives_quoted_form_only)
{
    const disposition_case *c = &plain_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST

/* Leading and trailing dots and spaces go; nothing left means the
 * default name. */
static const disposition_case trim_cases[] = {
    { SEG(""),               NOT_DLL, QUOTED_PREFIX "download.exe\"" },
    { SEG(""),               IS_DLL,  QUOTED_PREFIX "download.dll\"" },
    { SEG("."),              NOT_DLL, QUOTED_PREFIX "download.exe\"" },
    { SEG(".."),             NOT_DLL, QUOTED_PREFIX "download.exe\"" },
    { SEG(". . ."),          IS_DLL,  QUOTED_PREFIX "download.dll\"" },
    { SEG("   "),            NOT_DLL, QUOTED_PREFIX "download.exe\"" },
    { SEG(".htaccess"),      NOT_DLL, QUOTED_PREFIX "htaccess.exe\"" },
    { SEG(".exe"),           NOT_DLL, QUOTED_PREFIX "exe.exe\"" },
    { SEG("..exe"),          IS_DLL,  QUOTED_PREFIX "exe.dll\"" },
    { SEG("  setup.exe  "),  NOT_DLL, QUOTED_PREFIX "setup.exe\"" },
    { SEG("setup.exe."),     NOT_DLL, QUOTED_PREFIX "setup.exe\"" },
    { SEG("setup.exe. . "),  NOT_DLL, QUOTED_PREFIX "setup.exe\"" },
    { SEG("setup."),         NOT_DLL, QUOTED_PREFIX "setup.exe\"" },
    { SEG("a..exe"),         NOT_DLL, QUOTED_PREFIX "a..exe\"" },
};

START_TEST(test_edge_dots_and_spaces_are_trimmed)
{
    const disposition_case *c = &trim_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST

/* Bytes that would split or break the header or the name. */
static const disposition_case unsafe_cases[] = {
    /* Control bytes and path separators: '_' in both forms, so the
     * quoted form loses nothing and stands alone. */
    { SEG("a\r\nSet-Cookie: x=1.exe"), NOT_DLL,
      QUOTED_PREFIX "a__Set-Cookie: x=1.exe\"" },
    { SEG("a\0b.exe"),       NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
    { SEG("\0"),             NOT_DLL, QUOTED_PREFIX "_.exe\"" },
    { SEG("a\tb\x7f" "c"),   NOT_DLL, QUOTED_PREFIX "a_b_c.exe\"" },
    { SEG("a\\b.exe"),       NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
    { SEG("..\\..\\evil.dll"), NOT_DLL, QUOTED_PREFIX "_.._evil.dll\"" },
    { SEG("a/b.exe"),        NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
    { SEG("\r\n"),           IS_DLL,  QUOTED_PREFIX "__.dll\"" },
    /* Quotes and separators: '_' in the quoted form, kept (encoded) in
     * the extended one. */
    { SEG("a\"b\".exe"),     NOT_DLL,
      QUOTED_PREFIX "a_b_.exe\"" EXTENDED_PREFIX "a%22b%22.exe" },
    { SEG("\""),             NOT_DLL,
      QUOTED_PREFIX "_.exe\"" EXTENDED_PREFIX "%22.exe" },
    { SEG("a;b,c.exe"),      NOT_DLL,
      QUOTED_PREFIX "a_b_c.exe\"" EXTENDED_PREFIX "a%3Bb%2Cc.exe" },
    { SEG("x\"; filename=\"evil.bat"), NOT_DLL,
      QUOTED_PREFIX "x__ filename=_evil.bat.exe\""
      EXTENDED_PREFIX "x%22%3B%20filename%3D%22evil.bat.exe" },
    /* '%' in a decoded path is a literal percent sign. */
    { SEG("50%25 off.exe"),  NOT_DLL,
      QUOTED_PREFIX "50_25 off.exe\"" EXTENDED_PREFIX "50%2525%20off.exe" },
    { SEG("%0d%0a.exe"),     NOT_DLL,
      QUOTED_PREFIX "_0d_0a.exe\"" EXTENDED_PREFIX "%250d%250a.exe" },
    { SEG("%"),              IS_DLL,
      QUOTED_PREFIX "_.dll\"" EXTENDED_PREFIX "%25.dll" },
};

START_TEST(test_unsafe_bytes_are_replaced)
{
    const disposition_case *c = &unsafe_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST

/* Non-ASCII names: '_' per character in the quoted form, the exact UTF-8
 * bytes percent-encoded in the extended form. */
static const disposition_case utf8_cases[] = {
    { SEG("\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb.exe"), NOT_DLL,       /* файл */
      QUOTED_PREFIX "____.exe\""
      EXTENDED_PREFIX "%D1%84%D0%B0%D0%B9%D0%BB.exe" },
    { SEG("\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb"), IS_DLL,
      QUOTED_PREFIX "____.dll\""
      EXTENDED_PREFIX "%D1%84%D0%B0%D0%B9%D0%BB.dll" },
    { SEG("\xe5\xae\x89\xe8\xa3\x85\xe7\xa8\x8b\xe5\xba\x8f.exe"), /* 安装程序 */
      NOT_DLL, QUOTED_PREFIX "____.exe\""
      EXTENDED_PREFIX "%E5%AE%89%E8%A3%85%E7%A8%8B%E5%BA%8F.exe" },
    { SEG("Caf\xc3\xa9 setup.EXE"), NOT_DLL,                        /* é */
      QUOTED_PREFIX "Caf_ setup.EXE\""
      EXTENDED_PREFIX "Caf%C3%A9%20setup.EXE" },
    { SEG("\xf0\x9f\x98\x80.exe"), NOT_DLL,                         /* U+1F600 */
      QUOTED_PREFIX "_.exe\"" EXTENDED_PREFIX "%F0%9F%98%80.exe" },
    { SEG("\xef\xbf\xbd"), NOT_DLL,                                 /* U+FFFD */
      QUOTED_PREFIX "_.exe\"" EXTENDED_PREFIX "%EF%BF%BD.exe" },
    { SEG("\xf4\x8f\xbf\xbf"), NOT_DLL,                             /* U+10FFFF */
      QUOTED_PREFIX "_.exe\"" EXTENDED_PREFIX "%F4%8F%BF%BF.exe" },
    /* A non-ASCII character right before the extension. */
    { SEG("a\xc3\xa9.dll"), NOT_DLL,
      QUOTED_PREFIX "a_.dll\"" EXTENDED_PREFIX "a%C3%A9.dll" },
    /* A fullwidth '.' is not a dot: the extension is appended. */
    { SEG("a\xef\xbc\x8e" "exe"), NOT_DLL,
      QUOTED_PREFIX "a_exe.exe\"" EXTENDED_PREFIX "a%EF%BC%8Eexe.exe" },
};

START_TEST(test_utf8_name_gets_exact_extended_form)
{
    const disposition_case *c = &utf8_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST

/* Ill-formed UTF-8: every byte not part of a well-formed character is one
 * '_'; unsafe well-formed characters (C1, bidi controls) are one '_'. */
static const disposition_case invalid_utf8_cases[] = {
    { SEG("a\xff" "b.exe"),  NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
    { SEG("\xfe\xff"),       NOT_DLL, QUOTED_PREFIX "__.exe\"" },
    { SEG("\x80" "x"),       NOT_DLL, QUOTED_PREFIX "_x.exe\"" },
    /* Overlong '/', '.', NUL and U+07FF: never decoded. */
    { SEG("\xc0\xaf" "x"),   NOT_DLL, QUOTED_PREFIX "__x.exe\"" },
    { SEG("a\xc0\xae" "exe"), NOT_DLL, QUOTED_PREFIX "a__exe.exe\"" },
    { SEG("\xc0\x80"),       NOT_DLL, QUOTED_PREFIX "__.exe\"" },
    { SEG("\xe0\x80\xaf"),   NOT_DLL, QUOTED_PREFIX "___.exe\"" },
    { SEG("\xe0\x9f\xbf"),   NOT_DLL, QUOTED_PREFIX "___.exe\"" },
    { SEG("\xf0\x80\x80\xaf"), NOT_DLL, QUOTED_PREFIX "____.exe\"" },
    /* UTF-16 surrogates and code points above U+10FFFF. */
    { SEG("\xed\xa0\x80"),   NOT_DLL, QUOTED_PREFIX "___.exe\"" },
    { SEG("\xed\xbf\xbf"),   NOT_DLL, QUOTED_PREFIX "___.exe\"" },
    { SEG("\xf4\x90\x80\x80"), NOT_DLL, QUOTED_PREFIX "____.exe\"" },
    { SEG("\xf5\x80\x80\x80"), NOT_DLL, QUOTED_PREFIX "____.exe\"" },
    /* A sequence cut short, in the middle and at the end. */
    { SEG("\xe2\x82" "x"),   NOT_DLL, QUOTED_PREFIX "__x.exe\"" },
    { SEG("x\xe2\x82"),      NOT_DLL, QUOTED_PREFIX "x__.exe\"" },
    { SEG("x\xf0\x9f\x98"),  IS_DLL,  QUOTED_PREFIX "x___.dll\"" },
    /* A bad lead does not swallow a good character after it. */
    { SEG("\xe2\xc3\xa9"),   NOT_DLL,
      QUOTED_PREFIX "__.exe\"" EXTENDED_PREFIX "_%C3%A9.exe" },
    /* C1 control NEL, right-to-left override ("exe.txt" shown reversed),
     * LRI, and the line separator. */
    { SEG("a\xc2\x85" "b"),  NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
    { SEG("a\xe2\x80\xae" "txt.exe"), NOT_DLL, QUOTED_PREFIX "a_txt.exe\"" },
    { SEG("a\xe2\x81\xa6" "b"), NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
    { SEG("a\xe2\x80\xa8" "b"), NOT_DLL, QUOTED_PREFIX "a_b.exe\"" },
};

START_TEST(test_invalid_utf8_is_replaced_per_byte)
{
    const disposition_case *c = &invalid_utf8_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST

/* Characters shown as nothing or as blank: each is one '_', like the bidi
 * controls, so the quoted form says it all and no extended form follows. */
static const disposition_case invisible_cases[] = {
    { SEG("set\xe2\x80\x8b" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+200B ZERO WIDTH SPACE */
    { SEG("set\xe2\x81\xa0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+2060 WORD JOINER */
    { SEG("set\xef\xbb\xbf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FEFF ZERO WIDTH NO-BREAK SPACE */
    { SEG("set\xc2\xad" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+00AD SOFT HYPHEN */
    { SEG("set\xe1\xa0\x8e" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+180E MONGOLIAN VOWEL SEPARATOR */
    { SEG("set\xe2\x81\xa1" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+2061 FUNCTION APPLICATION */
    { SEG("set\xe2\x81\xa2" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+2062 INVISIBLE TIMES */
    { SEG("set\xe2\x81\xa3" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+2063 INVISIBLE SEPARATOR */
    { SEG("set\xe2\x81\xa4" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+2064 INVISIBLE PLUS */
    { SEG("set\xe2\x81\xa5" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+2065 reserved */
    { SEG("set\xe2\x81\xaa" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+206A INHIBIT SYMMETRIC SWAPPING */
    { SEG("set\xe2\x81\xab" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+206B ACTIVATE SYMMETRIC SWAPPING */
    { SEG("set\xe2\x81\xac" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+206C INHIBIT ARABIC FORM SHAPING */
    { SEG("set\xe2\x81\xad" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+206D ACTIVATE ARABIC FORM SHAPING */
    { SEG("set\xe2\x81\xae" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+206E NATIONAL DIGIT SHAPES */
    { SEG("set\xe2\x81\xaf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+206F NOMINAL DIGIT SHAPES */
    { SEG("set\xef\xbf\xb9" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FFF9 INTERLINEAR ANNOTATION ANCHOR */
    { SEG("set\xef\xbf\xba" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FFFA INTERLINEAR ANNOTATION SEPARATOR */
    { SEG("set\xef\xbf\xbb" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FFFB INTERLINEAR ANNOTATION TERMINATOR */
    { SEG("set\xef\xbf\xb0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FFF0 reserved */
    { SEG("set\xef\xbf\xb8" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FFF8 reserved */
    { SEG("set\xcd\x8f" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+034F COMBINING GRAPHEME JOINER */
    { SEG("set\xe1\x85\x9f" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+115F HANGUL CHOSEONG FILLER */
    { SEG("set\xe1\x85\xa0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+1160 HANGUL JUNGSEONG FILLER */
    { SEG("set\xe3\x85\xa4" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+3164 HANGUL FILLER */
    { SEG("set\xef\xbe\xa0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+FFA0 HALFWIDTH HANGUL FILLER */
    { SEG("set\xe1\x9e\xb4" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+17B4 KHMER VOWEL INHERENT AQ */
    { SEG("set\xe1\x9e\xb5" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+17B5 KHMER VOWEL INHERENT AA */
    { SEG("set\xf0\x9b\xb2\xa0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+1BCA0 SHORTHAND FORMAT LETTER OVERLAP */
    { SEG("set\xf0\x9b\xb2\xa3" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+1BCA3 SHORTHAND FORMAT UP STEP */
    { SEG("set\xf0\x9d\x85\xb3" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+1D173 MUSICAL SYMBOL BEGIN BEAM */
    { SEG("set\xf0\x9d\x85\xba" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+1D17A MUSICAL SYMBOL END PHRASE */
    { SEG("set\xf3\xa0\x80\x80" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E0000 reserved */
    { SEG("set\xf3\xa0\x80\x81" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E0001 LANGUAGE TAG */
    { SEG("set\xf3\xa0\x81\x81" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E0041 TAG LATIN CAPITAL LETTER A */
    { SEG("set\xf3\xa0\x81\xbf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E007F CANCEL TAG */
    { SEG("set\xf3\xa0\x82\x80" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E0080 reserved */
    { SEG("set\xf3\xa0\x83\xbf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E00FF reserved */
    { SEG("set\xf3\xa0\x87\xb0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E01F0 reserved */
    { SEG("set\xf3\xa0\xbf\xbf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" },                /* U+E0FFF reserved */
    /* at the start, and around the extension */
    { SEG("\xef\xbb\xbf" "setup.exe"), NOT_DLL, QUOTED_PREFIX "_setup.exe\"" },
    { SEG("setup.ex\xe2\x80\x8b" "e"), NOT_DLL, QUOTED_PREFIX "setup.ex_e.exe\"" },
    { SEG("setup.exe\xe2\x81\xa0"), NOT_DLL, QUOTED_PREFIX "setup.exe_.exe\"" },
    { SEG("setup\xc2\xad.dll"), IS_DLL, QUOTED_PREFIX "setup_.dll\"" },
    { SEG("invoice.pdf\xe3\x85\xa4\xe3\x85\xa4\xe3\x85\xa4.exe"), NOT_DLL,
      QUOTED_PREFIX "invoice.pdf___.exe\"" },
    /* a tag sequence spelling "pdf" after the name */
    { SEG("setup.exe\xf3\xa0\x81\xb0\xf3\xa0\x81\xa4\xf3\xa0\x81\xa6"), NOT_DLL,
      QUOTED_PREFIX "setup.exe___.exe\"" },
    /* replaced next to a kept non-ASCII character */
    { SEG("\xc3\xa9\xe2\x80\x8b" "a"), NOT_DLL,
      QUOTED_PREFIX "__a.exe\"" EXTENDED_PREFIX "%C3%A9_a.exe" },
};

/* What a name needs is kept, and so are the neighbours of each replaced
 * range: the joiners (scripts and emoji sequences), the variation
 * selectors, and visible characters next to the ranges. */
static const disposition_case visible_cases[] = {
    { SEG("set\xe2\x80\x8c" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E2%80%8Cup.exe" }, /* U+200C ZERO WIDTH NON-JOINER */
    { SEG("set\xe2\x80\x8d" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E2%80%8Dup.exe" }, /* U+200D ZERO WIDTH JOINER */
    { SEG("set\xef\xb8\x80" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%EF%B8%80up.exe" }, /* U+FE00 VARIATION SELECTOR-1 */
    { SEG("set\xef\xb8\x8f" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%EF%B8%8Fup.exe" }, /* U+FE0F VARIATION SELECTOR-16 */
    { SEG("set\xe1\xa0\x8b" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E1%A0%8Bup.exe" }, /* U+180B MONGOLIAN FREE VARIATION SELECTOR ONE */
    { SEG("set\xe1\xa0\x8d" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E1%A0%8Dup.exe" }, /* U+180D MONGOLIAN FREE VARIATION SELECTOR THREE */
    { SEG("set\xe1\xa0\x8f" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E1%A0%8Fup.exe" }, /* U+180F MONGOLIAN FREE VARIATION SELECTOR FOUR */
    { SEG("set\xf3\xa0\x84\x80" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%F3%A0%84%80up.exe" }, /* U+E0100 VARIATION SELECTOR-17 */
    { SEG("set\xf3\xa0\x87\xaf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%F3%A0%87%AFup.exe" }, /* U+E01EF VARIATION SELECTOR-256 */
    { SEG("set\xc2\xac" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%C2%ACup.exe" }, /* U+00AC NOT SIGN, next to U+00AD */
    { SEG("set\xc2\xae" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%C2%AEup.exe" }, /* U+00AE REGISTERED SIGN */
    { SEG("set\xcd\x8e" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%CD%8Eup.exe" }, /* U+034E COMBINING UPWARDS ARROW BELOW */
    { SEG("set\xe1\xa0\x8a" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E1%A0%8Aup.exe" }, /* U+180A MONGOLIAN NIRUGU */
    { SEG("set\xe2\x80\x8a" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E2%80%8Aup.exe" }, /* U+200A HAIR SPACE */
    { SEG("set\xe2\x81\xb0" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E2%81%B0up.exe" }, /* U+2070 SUPERSCRIPT ZERO */
    { SEG("set\xe3\x85\xa3" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%E3%85%A3up.exe" }, /* U+3163 HANGUL LETTER I */
    { SEG("set\xef\xbe\xa1" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%EF%BE%A1up.exe" }, /* U+FFA1 HALFWIDTH HANGUL LETTER KIYEOK */
    { SEG("set\xef\xbf\xaf" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%EF%BF%AFup.exe" }, /* U+FFEF reserved, not ignorable */
    { SEG("set\xef\xbf\xbc" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%EF%BF%BCup.exe" }, /* U+FFFC OBJECT REPLACEMENT CHARACTER */
    { SEG("set\xef\xbb\xbe" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%EF%BB%BEup.exe" }, /* U+FEFE reserved, not ignorable */
    { SEG("set\xf0\x9d\x85\xb2" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%F0%9D%85%B2up.exe" }, /* U+1D172 MUSICAL SYMBOL COMBINING FLAG-5 */
    { SEG("set\xf0\x9d\x85\xbb" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%F0%9D%85%BBup.exe" }, /* U+1D17B MUSICAL SYMBOL COMBINING ACCENT */
    { SEG("set\xf3\xa1\x80\x80" "up.exe"), NOT_DLL,
      QUOTED_PREFIX "set_up.exe\"" EXTENDED_PREFIX "set%F3%A1%80%80up.exe" }, /* U+E1000 reserved, past the ignorable block */
    /* Malayalam chillu with ZWNJ, Devanagari half form with ZWJ */
    { SEG("\xe0\xb4\xa8\xe0\xb5\x8d\xe2\x80\x8c.exe"), NOT_DLL,
      QUOTED_PREFIX "___.exe\"" EXTENDED_PREFIX "%E0%B4%A8%E0%B5%8D%E2%80%8C.exe" },
    { SEG("\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7"), NOT_DLL,
      QUOTED_PREFIX "____.exe\"" EXTENDED_PREFIX "%E0%A4%95%E0%A5%8D%E2%80%8D%E0%A4%B7.exe" },
    /* man technologist (U+1F468 ZWJ U+1F4BB), red heart with VS16 */
    { SEG("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb.exe"), NOT_DLL,
      QUOTED_PREFIX "___.exe\"" EXTENDED_PREFIX "%F0%9F%91%A8%E2%80%8D%F0%9F%92%BB.exe" },
    { SEG("\xe2\x9d\xa4\xef\xb8\x8f"), IS_DLL,
      QUOTED_PREFIX "__.dll\"" EXTENDED_PREFIX "%E2%9D%A4%EF%B8%8F.dll" },
};

START_TEST(test_invisible_characters_are_replaced)
{
    const disposition_case *c = &invisible_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST

START_TEST(test_joiners_selectors_and_neighbours_are_kept)
{
    const disposition_case *c = &visible_cases[_i];

    assert_value(c->segment, c->seglen, c->is_dll, c->expected);
}
END_TEST


START_TEST(test_without_filename_is_bare_attachment)
{
    char out[NETEXE_DISPOSITION_MAX];

    ck_assert_uint_eq(netexe_disposition(out, sizeof out, SEG("x\r\n.exe"),
                                         NOT_DLL, 0), strlen("attachment"));
    ck_assert_str_eq(out, "attachment");
    ck_assert_uint_eq(netexe_disposition(out, sizeof out, NULL, 0, IS_DLL, 0),
                      strlen("attachment"));
    ck_assert_str_eq(out, "attachment");
}
END_TEST

START_TEST(test_null_segment_is_default_name)
{
    assert_value(NULL, 0, NOT_DLL, QUOTED_PREFIX "download.exe\"");
    assert_value(NULL, 5, IS_DLL, QUOTED_PREFIX "download.dll\"");
}
END_TEST

/* Returns 1 when s[0 .. n-1] is well-formed UTF-8 (no overlong forms,
 * surrogates or values above U+10FFFF). */
static int is_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char b = s[i];
        size_t k, len;
        unsigned char lo = 0x80, hi = 0xBF;

        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b >= 0xE0 && b <= 0xEF)
            len = 3;
        else if (b >= 0xF0 && b <= 0xF4)
            len = 4;
        else
            return 0;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
        if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (k = 2; k < len; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        }
        i += len;
    }
    return 1;
}

/* Decodes the extended form's %XX into raw bytes; returns their count. */
static size_t pct_decode(const char *in, unsigned char *out, size_t outsz)
{
    size_t n = 0;

    while (*in != '\0' && n < outsz) {
        if (*in == '%') {
            char hex[3] = { in[1], in[2], '\0' };

            ck_assert(in[1] != '\0' && in[2] != '\0');
            out[n++] = (unsigned char)strtoul(hex, NULL, 16);
            in += 3;
        }
        else {
            out[n++] = (unsigned char)*in++;
        }
    }
    return n;
}

START_TEST(test_long_ascii_name_capped_with_extension)
{
    char seg[LONG_NAME_BYTES + 4], expected[NETEXE_DISPOSITION_MAX];
    char stem[NETEXE_NAME_MAX];
    size_t stemlen = NETEXE_NAME_MAX - strlen(".exe");

    memset(seg, 'a', LONG_NAME_BYTES);
    memset(stem, 'a', stemlen);
    stem[stemlen] = '\0';

    snprintf(expected, sizeof expected, QUOTED_PREFIX "%s.exe\"", stem);
    assert_value(seg, LONG_NAME_BYTES, NOT_DLL, expected);

    memcpy(seg + LONG_NAME_BYTES, ".DLL", 4);
    snprintf(expected, sizeof expected, QUOTED_PREFIX "%s.DLL\"", stem);
    assert_value(seg, sizeof seg, NOT_DLL, expected);
}
END_TEST

START_TEST(test_long_utf8_name_cut_at_character_boundary)
{
    /* "ab" and then 安 (3 bytes) repeated: 196 bytes of stem allow "ab"
     * and 64 characters (194 bytes); the 65th would need 197. */
    static const char han[] = "\xe5\xae\x89";
    char seg[2 + 3 * 333 + 4], expected[NETEXE_DISPOSITION_MAX];
    char out[NETEXE_DISPOSITION_MAX];
    unsigned char name[NETEXE_DISPOSITION_MAX];
    size_t i, pos, n, namelen;
    const char *ext;

    memcpy(seg, "ab", 2);
    for (i = 0; i < 333; i++)
        memcpy(seg + 2 + 3 * i, han, 3);
    memcpy(seg + 2 + 3 * 333, ".exe", 4);

    pos = (size_t)snprintf(expected, sizeof expected, QUOTED_PREFIX "ab");
    for (i = 0; i < 64; i++)
        expected[pos++] = '_';
    pos += (size_t)snprintf(expected + pos, sizeof expected - pos,
                            ".exe\"" EXTENDED_PREFIX "ab");
    for (i = 0; i < 64; i++)
        pos += (size_t)snprintf(expected + pos, sizeof expected - pos,
                                "%%E5%%AE%%89");
    snprintf(expected + pos, sizeof expected - pos, ".exe");
    assert_value(seg, sizeof seg, NOT_DLL, expected);

    /* The same name read back: valid UTF-8, within the cap, extension
     * last. */
    n = netexe_disposition(out, sizeof out, seg, sizeof seg, NOT_DLL, 1);
    ck_assert_uint_gt(n, 0);
    ext = strstr(out, EXTENDED_PREFIX);
    ck_assert_ptr_nonnull(ext);
    namelen = pct_decode(ext + strlen(EXTENDED_PREFIX), name, sizeof name);
    ck_assert_uint_le(namelen, NETEXE_NAME_MAX);
    ck_assert(is_valid_utf8(name, namelen));
    ck_assert_int_eq(memcmp(name + namelen - 4, ".exe", 4), 0);
}
END_TEST

/* 1000-byte names built from one repeated character of each length:
 * always capped, valid UTF-8, ending in the extension. */
static const char *const long_units[] = {
    "z", "\xd1\x84", "\xe5\xae\x89", "\xf0\x9f\x98\x80", "\xff", "\"", "%",
};

START_TEST(test_long_names_stay_valid_and_capped)
{
    const char *unit = long_units[_i];
    size_t ulen = strlen(unit), i, n, namelen;
    char seg[LONG_NAME_BYTES], out[NETEXE_DISPOSITION_MAX];
    unsigned char name[NETEXE_DISPOSITION_MAX];
    const char *ext, *q;

    for (i = 0; i + ulen <= sizeof seg; i += ulen)
        memcpy(seg + i, unit, ulen);
    n = netexe_disposition(out, sizeof out, seg, i, IS_DLL, 1);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, sizeof out);

    q = out + strlen(QUOTED_PREFIX);
    ck_assert_int_eq(strncmp(out, QUOTED_PREFIX, strlen(QUOTED_PREFIX)), 0);
    ck_assert_ptr_nonnull(strchr(q, '"'));
    ck_assert_uint_le((size_t)(strchr(q, '"') - q), NETEXE_NAME_MAX);
    ck_assert_int_eq(strncmp(strchr(q, '"') - 4, ".dll", 4), 0);

    ext = strstr(out, EXTENDED_PREFIX);
    if (ext != NULL) {
        namelen = pct_decode(ext + strlen(EXTENDED_PREFIX), name, sizeof name);
        ck_assert_uint_le(namelen, NETEXE_NAME_MAX);
        ck_assert_uint_gt(namelen, NETEXE_NAME_MAX - 4);
        ck_assert(is_valid_utf8(name, namelen));
        ck_assert_int_eq(memcmp(name + namelen - 4, ".dll", 4), 0);
    }
}
END_TEST

/* Plain ASCII names around the cap, with and without an extension of
 * their own: the name is kept whole up to NETEXE_NAME_MAX bytes, the part
 * before the extension cut to leave room for it. */
static const struct {
    size_t stem;            /* 'a' bytes */
    const char *ext;        /* the segment's own ending */
    size_t want_stem;       /* 'a' bytes in the value */
    const char *want_ext;
} plain_cap_cases[] = {
    { NETEXE_NAME_MAX - 4,     "",     NETEXE_NAME_MAX - 4, ".exe" },
    { NETEXE_NAME_MAX - 3,     "",     NETEXE_NAME_MAX - 4, ".exe" },
    { NETEXE_NAME_MAX - 8,     ".exe", NETEXE_NAME_MAX - 8, ".exe" },
    { NETEXE_NAME_MAX - 4,     ".Dll", NETEXE_NAME_MAX - 4, ".Dll" },
    { NETEXE_NAME_MAX - 3,     ".exe", NETEXE_NAME_MAX - 4, ".exe" },
    { NETEXE_NAME_MAX - 8,     "x",    NETEXE_NAME_MAX - 8, "x.exe" },
};

START_TEST(test_plain_name_at_the_cap)
{
    char seg[NETEXE_NAME_MAX + 8], expected[NETEXE_DISPOSITION_MAX];
    char stem[NETEXE_NAME_MAX + 1];
    size_t k = plain_cap_cases[_i].stem;
    size_t elen = strlen(plain_cap_cases[_i].ext);

    memset(seg, 'a', k);
    memcpy(seg + k, plain_cap_cases[_i].ext, elen);
    memset(stem, 'a', plain_cap_cases[_i].want_stem);
    stem[plain_cap_cases[_i].want_stem] = '\0';
    snprintf(expected, sizeof expected, QUOTED_PREFIX "%s%s\"", stem,
             plain_cap_cases[_i].want_ext);
    assert_value(seg, k + elen, NOT_DLL, expected);
}
END_TEST

START_TEST(test_small_buffer_gives_empty_result_for_plain_name)
{
    static const char seg[] = "setup";
    static const char want[] = QUOTED_PREFIX "setup.exe\"";
    char small[NETEXE_DISPOSITION_MAX];
    size_t sz;

    for (sz = 1; sz < sizeof want; sz++) {
        memset(small, 'X', sizeof small);
        ck_assert_uint_eq(netexe_disposition(small, sz, SEG(seg), NOT_DLL, 1), 0);
        ck_assert_int_eq(small[0], '\0');
        ck_assert_int_eq(small[sz], 'X');       /* nothing written past outsz */
    }
    ck_assert_uint_eq(netexe_disposition(small, sizeof want, SEG(seg), NOT_DLL, 1),
                      sizeof want - 1);
    ck_assert_str_eq(small, want);
}
END_TEST

START_TEST(test_small_buffer_gives_empty_result)
{
    static const char seg[] = "\xd1\x84.exe";
    char out[NETEXE_DISPOSITION_MAX];
    char small[NETEXE_DISPOSITION_MAX];
    size_t n, sz;

    n = netexe_disposition(out, sizeof out, SEG(seg), NOT_DLL, 1);
    ck_assert_str_eq(out, QUOTED_PREFIX "_.exe\"" EXTENDED_PREFIX "%D1%84.exe");

    /* Every size short of the value and its NUL fails cleanly. */
    for (sz = 1; sz <= n; sz++) {
        memset(small, 'X', sizeof small);
        ck_assert_uint_eq(netexe_disposition(small, sz, SEG(seg), NOT_DLL, 1), 0);
        ck_assert_int_eq(small[0], '\0');
        ck_assert_int_eq(small[sz], 'X');       /* nothing written past outsz */
    }
    ck_assert_uint_eq(netexe_disposition(small, n + 1, SEG(seg), NOT_DLL, 1), n);
    ck_assert_str_eq(small, out);

    ck_assert_uint_eq(netexe_disposition(small, 0, SEG(seg), NOT_DLL, 1), 0);
    ck_assert_uint_eq(netexe_disposition(NULL, 64, SEG(seg), NOT_DLL, 1), 0);
    ck_assert_uint_eq(netexe_disposition(small, strlen("attachment"),
                                         SEG(seg), NOT_DLL, 0), 0);
    ck_assert_int_eq(small[0], '\0');
}
END_TEST

/* Property: whatever single byte (alone, or inside a name) is the segment,
 * the value is printable ASCII, has exactly one filename="...", and the
 * quoted part holds no '"' or '\'. */
static void assert_well_formed(const char *seg, size_t seglen, int is_dll)
{
    char out[NETEXE_DISPOSITION_MAX];
    const char *p, *q, *end, *ext;
    size_t n = netexe_disposition(out, sizeof out, seg, seglen, is_dll, 1);

    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(n, strlen(out));
    for (p = out; *p != '\0'; p++)
        ck_assert_msg(*p >= 0x20 && *p < 0x7F, "byte 0x%02x in %s",
                      (unsigned char)*p, out);
    ck_assert_int_eq(strncmp(out, QUOTED_PREFIX, strlen(QUOTED_PREFIX)), 0);
    q = out + strlen(QUOTED_PREFIX);
    ck_assert_ptr_null(strstr(q, "filename=\""));
    end = strchr(q, '"');
    ck_assert_ptr_nonnull(end);
    for (p = q; p < end; p++)
        ck_assert_msg(*p != '\\', "backslash in %s", out);
    ck_assert_uint_gt((size_t)(end - q), strlen(".exe"));

    /* After the closing quote: nothing, or exactly the extended form of
     * attr-chars and %XX. */
    ext = end + 1;
    if (*ext != '\0') {
        ck_assert_int_eq(strncmp(ext, EXTENDED_PREFIX, strlen(EXTENDED_PREFIX)), 0);
        for (p = ext + strlen(EXTENDED_PREFIX); *p != '\0'; p++)
            ck_assert_msg(*p == '%' || strchr("!#$&+-.^_`|~", *p)
                          || (*p >= '0' && *p <= '9')
                          || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'),
                          "byte '%c' in the extended form of %s", *p, out);
    }
}

START_TEST(test_every_byte_gives_a_well_formed_value)
{
    char seg[8];

    seg[0] = (char)_i;
    assert_well_formed(seg, 1, NOT_DLL);
    memcpy(seg, "a", 1);
    seg[1] = (char)_i;
    memcpy(seg + 2, "b.exe", 5);
    assert_well_formed(seg, 7, IS_DLL);
    seg[0] = (char)_i;
    seg[1] = (char)_i;
    seg[2] = (char)_i;
    assert_well_formed(seg, 3, NOT_DLL);
}
END_TEST

typedef struct {
    const char *path;
    size_t      pathlen;
    const char *segment;
    size_t      seglen;
} segment_case;

#define PATH(s) s, sizeof s - 1

static const segment_case segment_cases[] = {
    { PATH("/files/setup.exe"), PATH("setup.exe") },
    { PATH("/files/"),          PATH("") },
    { PATH("/"),                PATH("") },
    { PATH(""),                 PATH("") },
    { PATH("setup.exe"),        PATH("setup.exe") },
    { PATH("//a//b"),           PATH("b") },
    { PATH("/a\\b.exe"),        PATH("a\\b.exe") },
    { PATH("/x\0y/z\0.exe"),    PATH("z\0.exe") },
    { "/dir/file", 5,           PATH("") },             /* "/dir/" */
    { "/dir/file", 7,           PATH("fi") },
};

START_TEST(test_last_segment_after_last_slash)
{
    const segment_case *c = &segment_cases[_i];
    size_t len = (size_t)-1;
    const char *seg = netexe_last_segment(c->path, c->pathlen, &len);

    ck_assert_uint_eq(len, c->seglen);
    ck_assert_ptr_eq(seg, c->path + (c->pathlen - c->seglen));
    ck_assert_int_eq(memcmp(seg, c->segment, len), 0);
}
END_TEST

START_TEST(test_last_segment_of_null_path_is_empty)
{
    size_t len = (size_t)-1;

    (void)netexe_last_segment(NULL, 10, &len);
    ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_path_to_header_end_to_end)
{
    static const char path[] = "/downloads/v2/\xd0\xb8\xd0\xbd\xd1\x81\xd1\x82"
                               "\xd0\xb0\xd0\xbb\xd0\xbb\xd1\x8f\xd1\x82\xd0\xbe\xd1\x80";
    size_t len;
    const char *seg = netexe_last_segment(path, sizeof path - 1, &len);

    assert_value(seg, len, NOT_DLL,
                 QUOTED_PREFIX "___________.exe\"" EXTENDED_PREFIX
                 "%D0%B8%D0%BD%D1%81%D1%82%D0%B0%D0%BB%D0%BB%D1%8F%D1%82%D0%BE%D1%80.exe");
}
END_TEST

#define N_CASES(a) ((int)(sizeof a / sizeof a[0]))

static Suite *disposition_suite(void)
{
    Suite *s = suite_create("disposition");
    TCase *tc;

    tc = tcase_create("names");
    tcase_add_loop_test(tc, test_plain_name_gives_quoted_form_only, 0,
                        N_CASES(plain_cases));
    tcase_add_loop_test(tc, test_edge_dots_and_spaces_are_trimmed, 0,
                        N_CASES(trim_cases));
    tcase_add_test(tc, test_without_filename_is_bare_attachment);
    tcase_add_test(tc, test_null_segment_is_default_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_loop_test(tc, test_unsafe_bytes_are_replaced, 0,
                        N_CASES(unsafe_cases));
    tcase_add_loop_test(tc, test_invalid_utf8_is_replaced_per_byte, 0,
                        N_CASES(invalid_utf8_cases));
    tcase_add_loop_test(tc, test_invisible_characters_are_replaced, 0,
                        N_CASES(invisible_cases));
    tcase_add_loop_test(tc, test_joiners_selectors_and_neighbours_are_kept, 0,
                        N_CASES(visible_cases));
    tcase_add_loop_test(tc, test_every_byte_gives_a_well_formed_value, 0,
                        BYTE_VALUES);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8");
    tcase_add_loop_test(tc, test_utf8_name_gets_exact_extended_form, 0,
                        N_CASES(utf8_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_long_ascii_name_capped_with_extension);
    tcase_add_test(tc, test_long_utf8_name_cut_at_character_boundary);
    tcase_add_loop_test(tc, test_long_names_stay_valid_and_capped, 0,
                        N_CASES(long_units));
    tcase_add_test(tc, test_small_buffer_gives_empty_result);
    tcase_add_loop_test(tc, test_plain_name_at_the_cap, 0,
                        N_CASES(plain_cap_cases));
    tcase_add_test(tc, test_small_buffer_gives_empty_result_for_plain_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("segment");
    tcase_add_loop_test(tc, test_last_segment_after_last_slash, 0,
                        N_CASES(segment_cases));
    tcase_add_test(tc, test_last_segment_of_null_path_is_empty);
    tcase_add_test(tc, test_path_to_header_end_to_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(disposition_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
