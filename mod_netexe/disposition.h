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
 * The ASCII form holds printable ASCII only, with control characters,
 * quotes, backslashes, slashes, ';', ',' and '%' (and every non-ASCII
 * byte) made safe; the extended form is added only when the name is not
 * plain printable ASCII.  When the name does not end in ".exe" or ".dll"
 * (any case), the image's own extension is appended.  The result never
 * contains CR, LF or any other control character, so it cannot split a
 * header.  Pure C99: no httpd, no APR, no allocation, no state.
 */
#ifndef NETEXE_DISPOSITION_H
#define NETEXE_DISPOSITION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest name kept, in bytes of the (sanitised) UTF-8 name, extension
 * included; longer names are cut at a character boundary before the
 * extension. */
#define NETEXE_NAME_MAX         200

/* A buffer of this size always holds the result and its NUL. */
#define NETEXE_DISPOSITION_MAX  1024

/* Name used when the segment is empty (e.g. a path ending in '/'). */
#define NETEXE_DEFAULT_NAME     "download"

/* Writes the header value for segment[0 .. seglen-1] into out (outsz
 * bytes, NUL-terminated).  is_dll selects the extension appended (".dll"
 * or ".exe").  with_filename 0 gives the bare "attachment".  Returns the
 * length written, or 0 when outsz is too small (then out is "" when
 * outsz > 0). */
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
