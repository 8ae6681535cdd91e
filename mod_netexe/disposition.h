/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * disposition.h -- the Content-Disposition value for a download
 * (DESIGN.md section 5, RFC 6266 and RFC 8187).
 *
 * From the last segment of the decoded request path (arbitrary bytes: it
 * comes from a stranger) it builds
 *
 *     attachment; filename="NAME"
 *     attachment; filename="NAME"; filename*=UTF-8''ENCODED
 *
 * The name is first sanitised, unit by unit, into valid UTF-8:
 *   - printable ASCII other than '/' and '\' is kept;
 *   - well-formed UTF-8 (no overlong forms, no surrogates, nothing above
 *     U+10FFFF) is kept, except C1 controls, the bidirectional and
 *     line-separator format characters (U+061C, U+200E-F, U+2028-9,
 *     U+202A-E, U+2066-9), and the characters shown as nothing or as
 *     blank (U+00AD, U+034F, U+115F-60, U+17B4-5, U+180E, U+200B,
 *     U+2060-5, U+206A-F, U+3164, U+FEFF, U+FFA0, U+FFF0-B, U+1BCA0-3,
 *     U+1D173-A, U+E0000-E00FF, U+E01F0-E0FFF), which can disguise an
 *     extension or a name; the joiners U+200C and U+200D and the
 *     variation selectors are kept;
 *   - every control byte (< 0x20, 0x7F), '/', '\', unsafe character, and
 *     every byte that does not begin a well-formed UTF-8 character becomes
 *     one '_' (a broken 3-byte sequence is "___"; the byte after a bad
 *     lead is examined afresh).
 * Leading and trailing dots and spaces are then dropped (Windows drops
 * them, a leading dot hides a file, dots alone name a directory); nothing
 * left gives NETEXE_DEFAULT_NAME.  Unless the name ends in ".exe" or
 * ".dll" (any case, kept as it is), ".exe" or ".dll" is appended as the
 * image is.  The name is capped at NETEXE_NAME_MAX bytes by cutting the
 * part before the extension at a character boundary.
 *
 * The quoted form holds the name with each non-ASCII character and each
 * of '"' '\' '/' ';' ',' '%' as one '_'.  The extended form (RFC 8187,
 * attr-chars kept, every other byte as %XX in upper case) is added
 * exactly when the quoted form lost something, i.e. when it differs
 * from the sanitised name.  The result is printable ASCII only, so it
 * cannot split a header.  Pure C99: no httpd, no APR, no allocation, no
 * state.
 *
 * Examples:   "setup"         attachment; filename="setup.exe"
 *             "a\r\nb.EXE"    attachment; filename="a__b.EXE"
 *             "50%.exe"       attachment; filename="50_.exe";
 *                                 filename*=UTF-8''50%25.exe
 *             "",  "..."      attachment; filename="download.exe"
 */
#ifndef NETEXE_DISPOSITION_H
#define NETEXE_DISPOSITION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest name kept, in bytes of the sanitised UTF-8 name, extension
 * included. */
#define NETEXE_NAME_MAX         200

/* A buffer of this size always holds the result and its NUL. */
#define NETEXE_DISPOSITION_MAX  1024

/* Name used when the segment is empty (e.g. a path ending in '/'). */
#define NETEXE_DEFAULT_NAME     "download"

/* Writes the header value for segment[0 .. seglen-1] into out (outsz
 * bytes, NUL-terminated); a NULL segment is an empty one.  is_dll selects
 * the extension appended (".dll" or ".exe").  with_filename 0 gives the
 * bare "attachment".  Returns the length written, or 0 when outsz is too
 * small (then out is "" when outsz > 0); NETEXE_DISPOSITION_MAX is
 * always enough. */
size_t netexe_disposition(char *out, size_t outsz,
                          const char *segment, size_t seglen,
                          int is_dll, int with_filename);

/* The last segment of a path: the bytes after the last '/', (the whole
 * path when there is none).  Returns a pointer into path and its length
 * in *seglen; a path ending in '/' gives an empty segment. */
const char *netexe_last_segment(const char *path, size_t pathlen,
                                size_t *seglen);

#ifdef __cplusplus
}
#endif
#endif
