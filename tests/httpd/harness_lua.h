/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_lua.h -- mod_lua handlers for the httpd suites, on top of
 * harness.h: a script that sends a fixture's bytes in the pieces a test
 * asks for (r:write of heap bytes, r:sendfile of a file, r:flush between
 * them) and sets or changes Content-Encoding along the way, so that the
 * filter sees the buckets, calls and headers of a real handler.
 *
 * The directory of the script is served by mod_lua (load "lua"):
 *
 *     "<Directory \"@DOCROOT@/lua\">\n"
 *     "    NetExe On\n"
 *     "    SetHandler lua-script\n"
 *     "</Directory>\n"
 *
 *     HARNESS_WRITE_LUA(srv, "lua/mix", "img/clr.exe",
 *         "    r.headers_out['Content-Encoding'] = 'gzip, identity'\n"
 *         "    r:write(slice(0, 16))\n"
 *         "    r:flush()\n"
 *         "    r:sendfile(DIR .. 'img/clr.rest')\n");
 *
 * No global state.
 */
#ifndef NETEXE_HARNESS_LUA_H
#define NETEXE_HARNESS_LUA_H

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes docroot/rel (mode 0644, parents made): a handler that sets the
 * content type application/x-msdownload, then runs the Lua statements
 * made from fmt (printf-style; each line ending in "\n"; "%%" for a "%"
 * of Lua), then returns apache2.OK.  The statements may use r and:
 *
 *   IMG            the absolute path of the fixture docroot/img_rel;
 *   DIR            the absolute path of the docroot, ending in "/"
 *                  (r:sendfile(DIR .. 'img/clr.head'));
 *   slice(off, k)  k bytes of IMG from byte off (0-based), or all from
 *                  off on when k is nil: each call opens and reads the
 *                  file afresh.
 *
 * The paths are the harness's own (no quotes or backslashes in them).
 * 0 on success, -1 on failure (reason on stderr). */
int harness_write_lua(harness_httpd *h, const char *rel, const char *img_rel,
                      const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* harness_write_lua(), failing the test when it fails (include <check.h>
 * first). */
#define HARNESS_WRITE_LUA(h, rel, img_rel, ...)                             \
    ck_assert_msg(harness_write_lua((h), (rel), (img_rel), __VA_ARGS__)     \
                  == 0, "writing %s", (rel))

#ifdef __cplusplus
}
#endif
#endif
