/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_sig.h -- what the signature suites (check_signature,
 * check_sigcache) share, on top of harness.h and the signed fixtures of
 * tests/support/sigfix.h: the fixtures of a sigfix directory copied where
 * apache2 reads them, the test PKI's roots installed under a server's
 * root, versions of a file that fill the module's memory of analyses, and
 * the warning the module logs for the leaf-only chain.
 *
 * Every function returns 0 on success and -1 on failure with the reason
 * on stderr, so that a suite asserts on it.  No global state.
 */
#ifndef NETEXE_HARNESS_SIG_H
#define NETEXE_HARNESS_SIG_H

#include <stddef.h>

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copies dir/name (a fixture of sigfix_build(dir)) to path. */
int harness_sig_copy(const char *dir, const char *name, const char *path);

/* Copies dir/name to docroot/rel of h (parents made, mode 0644). */
int harness_sig_serve(harness_httpd *h, const char *dir, const char *name,
                      const char *rel);

/* Copies dir's root.pem and inter.pem to roots/ under h's root, where
 * "NetExeTrustedRoots roots/root.pem" (or inter.pem) finds them, as an
 * administrator writes them. */
int harness_sig_install_roots(harness_httpd *h, const char *dir);

/* Serves n other versions of a file -- dir/unsigned.exe as
 * docroot/sig/many/I.exe -- and GETs each once on one connection, so that
 * the module analyses and remembers each.  0 when every answer was 200. */
int harness_sig_other_versions(harness_httpd *h, const char *dir, size_t n);

/* The warning the module logs for the leaf-only chain of the file at
 * path (its issuer's DN and AIA URI) into out[cap]. */
int harness_sig_incomplete_warning(const char *path, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
