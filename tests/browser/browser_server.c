/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * browser_server.c -- the server side of the browser test
 * (tests/browser/download.test.js): a real apache2 with the built module
 * on 127.0.0.1, started through tests/httpd/harness.c, serving
 *
 *   /cgi-bin/get?id=1   a CGI script (mod_cgid) writing a 32-bit CLR EXE
 *   /cgi-off/get?id=1   the same script where the module is off: the
 *                       control, named by the browser from the URL alone
 *   /dl/програма        a 32-bit CLR EXE under a Cyrillic name, no extension
 *   /dl/工具.bin        a 64-bit CLR DLL under a CJK name
 *   /dl/native.exe      a native EXE (no header: saved under its URL name)
 *
 * with NetExe On for /cgi-bin/ and /dl/.  .exe is served as
 * application/x-msdownload, Apache's own type for it and the one that
 * triggered the .NET MIME filter in Internet Explorer.
 *
 * Once apache2 answers, one line of JSON goes to stdout:
 *     {"port":N,"root":"/tmp/...","docroot":"/tmp/.../htdocs",
 *      "files":{"URL path":"docroot-relative path",...}}
 * so the test can compare what the browser saved with the images served,
 * and show apache2's logs (under root) when it fails.
 * The server runs until stdin reaches end of file (the test closes it, or
 * dies), then apache2 is stopped and its directory removed.
 *
 * Environment: as for the httpd suites, NETEXE_MODULE is the built module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pebuild.h"

#define SCRIPT_MAX          1024
#define STDIN_CHUNK         256

#define CGI_IMAGE_REL       "img/get.exe"
#define CYRILLIC_REL        "dl/програма"
#define CJK_REL             "dl/工具.bin"
#define NATIVE_REL          "dl/native.exe"

static const char server_config[] =
    "AddType application/x-msdownload .exe .dll\n"
    "ScriptAlias /cgi-bin/ \"@DOCROOT@/cgi/\"\n"
    "ScriptAlias /cgi-off/ \"@DOCROOT@/cgi/\"\n"
    "<Directory \"@DOCROOT@/cgi\">\n"
    "    Options +ExecCGI\n"
    "</Directory>\n"
    "<Location \"/cgi-bin/\">\n"
    "    NetExe On\n"
    "</Location>\n"
    "<Directory \"@DOCROOT@/dl\">\n"
    "    NetExe On\n"
    "</Directory>\n";

/* A CGI script that copies an image to stdout, with a type that says
 * nothing about the name: only the module's header makes it "get.exe". */
static const char script_fmt[] =
    "#!/usr/bin/perl\n"
    "use strict;\n"
    "open(my $fh, '<', '%s') or die \"cannot open image: $!\";\n"
    "binmode $fh;\n"
    "my $img = do { local $/; <$fh> };\n"
    "binmode STDOUT;\n"
    "print \"Content-Type: application/octet-stream\\r\\n\\r\\n\", $img;\n";

static int write_fixtures(harness_httpd *h)
{
    pebuild_spec dll, native;
    char script[SCRIPT_MAX];
    char *image;
    int n;

    pebuild_spec_init(&dll);
    dll.pe32plus = 1;
    dll.dll = 1;
    dll.machine = PEBUILD_MACHINE_AMD64;
    pebuild_spec_init(&native);
    native.clr = 0;

    if (harness_write_pe(h, CGI_IMAGE_REL, NULL, NULL) != 0
        || harness_write_pe(h, CYRILLIC_REL, NULL, NULL) != 0
        || harness_write_pe(h, CJK_REL, &dll, NULL) != 0
        || harness_write_pe(h, NATIVE_REL, &native, NULL) != 0
        || harness_mkdir(h, "cgi") != 0)
        return -1;

    image = harness_path(h, CGI_IMAGE_REL);
    if (image == NULL)
        return -1;
    n = snprintf(script, sizeof script, script_fmt, image);
    free(image);
    if (n < 0 || (size_t)n >= sizeof script)
        return -1;
    return harness_write_file_mode(h, "cgi/get", script, (size_t)n, 0755);
}

/* The JSON line the test reads.  The paths are ours (a mktemp directory
 * and the fixed names above), so nothing in them needs escaping. */
static void print_ready(const harness_httpd *h)
{
    printf("{\"port\":%d,\"root\":\"%s\",\"docroot\":\"%s\",\"files\":{"
           "\"/cgi-bin/get?id=1\":\"%s\","
           "\"/cgi-off/get?id=1\":\"%s\","
           "\"/dl/програма\":\"%s\","
           "\"/dl/工具.bin\":\"%s\","
           "\"/dl/native.exe\":\"%s\"}}\n",
           harness_port(h), harness_root(h), harness_docroot(h),
           CGI_IMAGE_REL, CGI_IMAGE_REL, CYRILLIC_REL, CJK_REL, NATIVE_REL);
    fflush(stdout);
}

int main(void)
{
    static const char *const mods[] = { "alias", "cgid", NULL };
    harness_options o;
    harness_httpd *h;
    char buf[STDIN_CHUNK];
    ssize_t n;

    harness_options_init(&o);
    o.modules = mods;
    o.config = server_config;
    h = harness_new(&o);
    if (h == NULL)
        return 1;
    if (write_fixtures(h) != 0) {
        fprintf(stderr, "browser_server: cannot write the fixtures\n");
        harness_free(h);
        return 1;
    }
    if (harness_start(h) != 0) {
        harness_free(h);
        return 1;
    }
    print_ready(h);

    /* The test holds our stdin open for as long as it needs the server;
     * end of file (or an error) means it is done or gone. */
    do
        n = read(STDIN_FILENO, buf, sizeof buf);
    while (n > 0);

    harness_free(h);
    return 0;
}
