/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * disposition.c -- the Content-Disposition value for a download.
 *
 * The segment is read as a sequence of units: a well-formed UTF-8
 * character, or a single byte that is not part of one.  Each unit becomes
 * either itself or '_' (see netexe_unit_next()).  That gives the
 * sanitised name, always valid UTF-8, from which both header forms are
 * written.  Everything is done in two passes over the segment and a
 * stack buffer of NETEXE_NAME_MAX bytes, so a segment of any length costs
 * no allocation.
 */
#include <string.h>

#include "disposition.h"

#define NETEXE_REPLACEMENT      '_'
#define NETEXE_EXT_LEN          4           /* ".exe", ".dll" */
#define NETEXE_UTF8_MAX         4           /* bytes of one character */

#define ASCII_SPACE             0x20
#define ASCII_DEL               0x7F
#define UTF8_CONT_MIN           0x80
#define UTF8_CONT_MAX           0xBF

static const char value_bare[]     = "attachment";
static const char value_filename[] = "attachment; filename=\"";
static const char value_extended[] = "; filename*=UTF-8''";
static const char hex_digits[]     = "0123456789ABCDEF";

/* The longest value: the quoted form takes at most one byte per byte of
 * the name, the extended form three (%XX).  C99 has no _Static_assert;
 * a negative array size stops the build instead. */
#define NETEXE_VALUE_WORST \
    (sizeof value_filename - 1 + NETEXE_NAME_MAX + 1 \
     + sizeof value_extended - 1 + 3 * NETEXE_NAME_MAX + 1)
typedef char netexe_disposition_max_is_enough
    [NETEXE_DISPOSITION_MAX >= NETEXE_VALUE_WORST ? 1 : -1];

/* One unit of the segment: len input bytes, written as out[0 .. outlen-1]. */
typedef struct {
    size_t        len;
    size_t        outlen;
    unsigned char out[NETEXE_UTF8_MAX];
} netexe_unit;

/* Code points that are valid UTF-8 but must not reach a file name:
 * C1 controls; the bidirectional and line-breaking format characters that
 * can make "exe.txt" display as "txt.exe"; and the characters a renderer
 * shows as nothing or as blank, which can make two names look alike or
 * push the real extension out of sight.  The last group is Unicode's
 * Default_Ignorable_Code_Point set, reserved code points included, plus
 * the interlinear annotation controls (which can hide the text between
 * them), except what a name needs: ZWNJ and ZWJ (U+200C, U+200D), which
 * Indic and Arabic scripts and emoji sequences cannot do without, and the
 * variation selectors (U+180B-D, U+180F, U+FE00-F, U+E0100-E01EF), which
 * only pick a glyph for the character before them.  Tag characters
 * (U+E0000-E007F) go too: outside the few flag emoji they serve, they are
 * invisible ASCII. */
static int netexe_is_unsafe_cp(unsigned long cp)
{
    if (cp < 0x2000)
        return (cp >= 0x80 && cp <= 0x9F)       /* C1 controls */
            || cp == 0x00AD                     /* SOFT HYPHEN */
            || cp == 0x034F                     /* COMBINING GRAPHEME JOINER */
            || cp == 0x061C                     /* ARABIC LETTER MARK */
            || cp == 0x115F || cp == 0x1160     /* HANGUL CHOSEONG, JUNGSEONG FILLER */
            || cp == 0x17B4 || cp == 0x17B5     /* KHMER VOWEL INHERENT AQ, AA */
            || cp == 0x180E;                    /* MONGOLIAN VOWEL SEPARATOR */
    if (cp < 0x3000)
        return cp == 0x200B                     /* ZERO WIDTH SPACE */
            || cp == 0x200E || cp == 0x200F     /* LRM, RLM */
            || cp == 0x2028 || cp == 0x2029     /* line/paragraph separator */
            || (cp >= 0x202A && cp <= 0x202E)   /* LRE .. RLO */
            || (cp >= 0x2060 && cp <= 0x2064)   /* WORD JOINER, invisible operators */
            || cp == 0x2065                     /* reserved, default ignorable */
            || (cp >= 0x2066 && cp <= 0x2069)   /* LRI .. PDI */
            || (cp >= 0x206A && cp <= 0x206F);  /* deprecated format controls */
    return cp == 0x3164                         /* HANGUL FILLER */
        || cp == 0xFEFF                         /* ZERO WIDTH NO-BREAK SPACE (BOM) */
        || cp == 0xFFA0                         /* HALFWIDTH HANGUL FILLER */
        || (cp >= 0xFFF0 && cp <= 0xFFF8)       /* reserved, default ignorable */
        || (cp >= 0xFFF9 && cp <= 0xFFFB)       /* interlinear annotation */
        || (cp >= 0x1BCA0 && cp <= 0x1BCA3)     /* shorthand format controls */
        || (cp >= 0x1D173 && cp <= 0x1D17A)     /* musical symbol format controls */
        || (cp >= 0xE0000 && cp <= 0xE00FF)     /* tags, reserved */
        || (cp >= 0xE01F0 && cp <= 0xE0FFF);    /* reserved, default ignorable */
}

static int netexe_is_cont(unsigned char b)
{
    return b >= UTF8_CONT_MIN && b <= UTF8_CONT_MAX;
}

/* Length of the well-formed UTF-8 character at s[0 .. len-1] (RFC 3629,
 * Unicode table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF), and its code point in *cp; 0 when there is none. */
static size_t netexe_utf8_char(const unsigned char *s, size_t len,
                               unsigned long *cp)
{
    unsigned char b = s[0];
    unsigned char lo = UTF8_CONT_MIN, hi = UTF8_CONT_MAX;
    size_t n, i;

    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        *cp = b & 0x1Fu;
    }
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        *cp = b & 0x0Fu;
        if (b == 0xE0)
            lo = 0xA0;                          /* overlong below U+0800 */
        else if (b == 0xED)
            hi = 0x9F;                          /* surrogates D800..DFFF */
    }
    else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        *cp = b & 0x07u;
        if (b == 0xF0)
            lo = 0x90;                          /* overlong below U+10000 */
        else if (b == 0xF4)
            hi = 0x8F;                          /* above U+10FFFF */
    }
    else {
        return 0;                               /* ASCII, C0, C1, F5..FF */
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 1; i < n; i++) {
        if (!netexe_is_cont(s[i]))
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3Fu);
    }
    return n;
}

/* The unit at s[0 .. len-1] (len > 0).  Kept: printable ASCII other than
 * '/' and '\', and well-formed UTF-8 that is not netexe_is_unsafe_cp().
 * Replaced by one '_': each control byte, '/', '\', each unsafe
 * character, and each byte that does not begin a well-formed UTF-8
 * character (so a broken sequence of n bytes becomes n underscores, and
 * the bytes after a bad lead are examined afresh). */
static void netexe_unit_next(const unsigned char *s, size_t len,
                             netexe_unit *u)
{
    unsigned long cp = 0;
    size_t n;

    u->len = 1;
    u->outlen = 1;
    u->out[0] = NETEXE_REPLACEMENT;
    if (s[0] < UTF8_CONT_MIN) {
        if (s[0] >= ASCII_SPACE && s[0] != ASCII_DEL
            && s[0] != '/' && s[0] != '\\')
            u->out[0] = s[0];
        return;
    }
    n = netexe_utf8_char(s, len, &cp);
    if (n == 0)
        return;
    u->len = n;
    if (netexe_is_unsafe_cp(cp))
        return;
    memcpy(u->out, s, n);
    u->outlen = n;
}

/* Windows drops leading and trailing dots and spaces, a leading dot hides
 * a file elsewhere, and a name of dots alone means a directory: none of
 * them belongs at either end of a name a browser saves. */
static int netexe_is_trimmed(const netexe_unit *u)
{
    return u->outlen == 1 && (u->out[0] == '.' || u->out[0] == ' ');
}

static int netexe_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Whether the four single-byte units in tail spell ".exe" or ".dll", in
 * any case.  Written out: it runs for every name served. */
static int netexe_has_extension(const unsigned char tail[NETEXE_EXT_LEN])
{
    int a, b, c;

    if (tail[0] != '.')
        return 0;
    a = netexe_lower(tail[1]);
    b = netexe_lower(tail[2]);
    c = netexe_lower(tail[3]);
    return (a == 'e' && b == 'x' && c == 'e')
        || (a == 'd' && b == 'l' && c == 'l');
}

/* Builds the sanitised name (valid UTF-8, at most NETEXE_NAME_MAX bytes,
 * ending in an extension) into name; returns its length. */
static size_t netexe_build_name(char name[NETEXE_NAME_MAX],
                                const unsigned char *s, size_t len,
                                int is_dll)
{
    netexe_unit u;
    unsigned char win[NETEXE_EXT_LEN] = { 0 };
    unsigned char tail[NETEXE_EXT_LEN] = { 0 };
    size_t win_pos[NETEXE_EXT_LEN] = { 0 };
    size_t tail_pos[NETEXE_EXT_LEN] = { 0 };
    size_t win_units = 0, tail_units = 0;  /* single-byte units held */
    size_t pos = 0, start, end, stem_end, used = 0, i;
    const char *ext = is_dll ? ".dll" : ".exe";

    /* Pass 1: where the trimmed name begins and ends, and its last four
     * units when they are single bytes (a possible extension).  win
     * slides over every unit; tail is win as it stood after the last
     * unit that is not trimmed, i.e. at the end of the trimmed name. */
    while (pos < len) {
        netexe_unit_next(s + pos, len - pos, &u);
        if (!netexe_is_trimmed(&u))
            break;
        pos += u.len;
    }
    start = end = pos;
    while (pos < len) {
        netexe_unit_next(s + pos, len - pos, &u);
        if (u.outlen == 1) {
            if (win_units == NETEXE_EXT_LEN) {
                memmove(win, win + 1, NETEXE_EXT_LEN - 1);
                memmove(win_pos, win_pos + 1,
                        (NETEXE_EXT_LEN - 1) * sizeof win_pos[0]);
                win_units--;
            }
            win[win_units] = u.out[0];
            win_pos[win_units++] = pos;
        }
        else {
            win_units = 0;
        }
        pos += u.len;
        if (!netexe_is_trimmed(&u)) {
            end = pos;
            tail_units = win_units;
            memcpy(tail, win, sizeof tail);
            memcpy(tail_pos, win_pos, sizeof tail_pos);
        }
    }

    stem_end = end;
    if (tail_units == NETEXE_EXT_LEN && netexe_has_extension(tail)
        && tail_pos[0] > start) {
        stem_end = tail_pos[0];
        ext = (const char *)tail;
    }

    /* Pass 2: the stem, cut at a character boundary so that the
     * extension still fits. */
    for (pos = start; pos < stem_end; pos += u.len) {
        netexe_unit_next(s + pos, len - pos, &u);
        if (u.outlen > NETEXE_NAME_MAX - NETEXE_EXT_LEN - used)
            break;
        memcpy(name + used, u.out, u.outlen);
        used += u.outlen;
    }
    if (used == 0) {
        used = sizeof NETEXE_DEFAULT_NAME - 1;
        memcpy(name, NETEXE_DEFAULT_NAME, used);
    }
    for (i = 0; i < NETEXE_EXT_LEN; i++)
        name[used++] = ext[i];
    return used;
}

/* Appends n bytes to out, keeping *pos and the room check in one place. */
static int netexe_put(char *out, size_t outsz, size_t *pos,
                      const char *bytes, size_t n)
{
    if (n >= outsz - *pos)                      /* keep room for the NUL */
        return 0;
    memcpy(out + *pos, bytes, n);
    *pos += n;
    return 1;
}

/* RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~". */
static int netexe_is_attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$&+-.^_`|~", c));
}

/* Bytes the quoted form may carry as they are: printable ASCII except the
 * quoted-string specials and the separators a naive parser splits on. */
static int netexe_is_quotable(unsigned char c)
{
    switch (c) {
    case '"': case '\\': case '/': case ';': case ',': case '%':
        return 0;
    default:
        return c >= ASCII_SPACE && c < ASCII_DEL;
    }
}

/* The value for a segment that is its own sanitised name, or that name
 * without the extension: quotable bytes only (so every unit is kept and
 * the quoted form loses nothing), nothing to trim at either end, and short
 * enough that neither the stem nor an appended extension is cut.  Most
 * names of served files are; they are checked and copied in one pass.
 * Returns the length written, or 0 when the segment is not such a name or
 * outsz is too small for it (the general builder then decides). */
static size_t netexe_plain_value(char *out, size_t outsz,
                                 const unsigned char *s, size_t len,
                                 int is_dll)
{
    const size_t prefix = sizeof value_filename - 1;
    size_t i, pos;

    if (len == 0 || len > NETEXE_NAME_MAX - NETEXE_EXT_LEN
        || outsz < prefix + len + NETEXE_EXT_LEN + sizeof "\""
        || s[0] == '.' || s[0] == ' '
        || s[len - 1] == '.' || s[len - 1] == ' ')
        return 0;
    for (i = 0; i < len; i++) {
        if (!netexe_is_quotable(s[i]))
            return 0;
        out[prefix + i] = (char)s[i];
    }
    memcpy(out, value_filename, prefix);
    pos = prefix + len;
    /* The extension is kept when it follows a stem, as in
     * netexe_build_name(). */
    if (len <= NETEXE_EXT_LEN
        || !netexe_has_extension(s + len - NETEXE_EXT_LEN)) {
        memcpy(out + pos, is_dll ? ".dll" : ".exe", NETEXE_EXT_LEN);
        pos += NETEXE_EXT_LEN;
    }
    out[pos++] = '"';
    out[pos] = '\0';
    return pos;
}

size_t netexe_disposition(char *out, size_t outsz,
                          const char *segment, size_t seglen,
                          int is_dll, int with_filename)
{
    char name[NETEXE_NAME_MAX];
    size_t namelen, pos = 0, i, n;
    int lossy = 0;

    if (out == NULL || outsz == 0)
        return 0;
    out[0] = '\0';
    if (!with_filename) {
        if (!netexe_put(out, outsz, &pos, value_bare, sizeof value_bare - 1))
            return 0;
        out[pos] = '\0';
        return pos;
    }
    if (segment == NULL)
        seglen = 0;
    pos = netexe_plain_value(out, outsz, (const unsigned char *)segment,
                             seglen, is_dll);
    if (pos != 0)
        return pos;
    namelen = netexe_build_name(name, (const unsigned char *)segment, seglen,
                                is_dll);

    if (!netexe_put(out, outsz, &pos, value_filename,
                    sizeof value_filename - 1))
        goto too_small;
    for (i = 0; i < namelen; i += n) {
        unsigned char c = (unsigned char)name[i];
        char ch = (char)c;

        /* name is valid UTF-8: a lead byte gives the character's length. */
        n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n > 1 || !netexe_is_quotable(c)) {
            ch = NETEXE_REPLACEMENT;
            lossy = 1;
        }
        if (!netexe_put(out, outsz, &pos, &ch, 1))
            goto too_small;
    }
    if (!netexe_put(out, outsz, &pos, "\"", 1))
        goto too_small;

    /* The extended form is sent only when the quoted one lost something,
     * so that a plain name gives the plain header every client reads. */
    if (lossy) {
        if (!netexe_put(out, outsz, &pos, value_extended,
                        sizeof value_extended - 1))
            goto too_small;
        for (i = 0; i < namelen; i++) {
            unsigned char c = (unsigned char)name[i];
            char pct[3];

            if (netexe_is_attr_char(c)) {
                pct[0] = (char)c;
                n = 1;
            }
            else {
                pct[0] = '%';
                pct[1] = hex_digits[c >> 4];
                pct[2] = hex_digits[c & 0x0F];
                n = 3;
            }
            if (!netexe_put(out, outsz, &pos, pct, n))
                goto too_small;
        }
    }
    out[pos] = '\0';
    return pos;

too_small:
    out[0] = '\0';
    return 0;
}

const char *netexe_last_segment(const char *path, size_t pathlen,
                                size_t *seglen)
{
    size_t i = pathlen;

    if (path == NULL)
        pathlen = i = 0;
    while (i > 0 && path[i - 1] != '/')
        i--;
    if (seglen != NULL)
        *seglen = pathlen - i;
    return path != NULL ? path + i : NULL;
}
