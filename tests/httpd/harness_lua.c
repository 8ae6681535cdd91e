/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_lua.c -- mod_lua handlers that send fixtures in pieces (see
 * harness_lua.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_lua.h"

/* What every handler starts with: the names harness_lua.h promises. */
static const char lua_prelude[] =
    "local IMG = \"%s\"\n"
    "local DIR = \"%s/\"\n"
    "local function slice(off, k)\n"
    "    local f = io.open(IMG, \"rb\")\n"
    "    f:seek(\"set\", off)\n"
    "    local d = f:read(k or \"*a\")\n"
    "    f:close()\n"
    "    return d\n"
    "end\n"
    "function handle(r)\n"
    "    r.content_type = \"application/x-msdownload\"\n";

static const char lua_end[] =
    "    return apache2.OK\n"
    "end\n";

static char *lua_format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = harness_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

int harness_write_lua(harness_httpd *h, const char *rel, const char *img_rel,
                      const char *fmt, ...)
{
    char *img = harness_path(h, img_rel);
    char *head = NULL, *body = NULL, *script = NULL;
    va_list ap;
    int rc = -1;

    va_start(ap, fmt);
    body = harness_vasprintf(fmt, ap);
    va_end(ap);
    if (img != NULL)
        head = lua_format(lua_prelude, img, harness_docroot(h));
    if (head != NULL && body != NULL)
        script = lua_format("%s%s%s", head, body, lua_end);
    if (script != NULL)
        rc = harness_write_file(h, rel, script, strlen(script));
    else
        fprintf(stderr, "harness: cannot make the Lua handler %s\n", rel);
    free(script);
    free(body);
    free(head);
    free(img);
    return rc;
}
