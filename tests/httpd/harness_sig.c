/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_sig.c -- signed fixtures, roots and file versions for the
 * signature suites (see harness_sig.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness_sig.h"
#include "sigfix.h"

#define SIG_PATH_MAX        4096
#define SIG_NAME_MAX        64

/* dir/name in a malloc'd buffer, or NULL (reason on stderr). */
static unsigned char *sig_read(const char *dir, const char *name,
                               size_t *len)
{
    char from[SIG_PATH_MAX];
    unsigned char *data = NULL;

    if (harness_format(from, sizeof from, "%s/%s", dir, name) == 0)
        data = sigfix_read(from, len);
    if (data == NULL)
        fprintf(stderr, "harness_sig: cannot read fixture %s/%s\n", dir,
                name);
    return data;
}

int harness_sig_copy(const char *dir, const char *name, const char *path)
{
    size_t len;
    unsigned char *data = sig_read(dir, name, &len);
    int rc;

    if (data == NULL)
        return -1;
    rc = sigfix_write(path, data, len);
    if (rc != 0)
        fprintf(stderr, "harness_sig: cannot write %s\n", path);
    free(data);
    return rc;
}

int harness_sig_serve(harness_httpd *h, const char *dir, const char *name,
                      const char *rel)
{
    size_t len;
    unsigned char *data = sig_read(dir, name, &len);
    int rc;

    if (data == NULL)
        return -1;
    rc = harness_write_file(h, rel, data, len);
    free(data);
    return rc;
}

int harness_sig_install_roots(harness_httpd *h, const char *dir)
{
    static const char *const roots[] = { "root.pem", "inter.pem", NULL };
    const char *const *r;
    char path[SIG_PATH_MAX];

    if (harness_format(path, sizeof path, "%s/roots", harness_root(h)) != 0
        || mkdir(path, 0755) != 0) {
        fprintf(stderr, "harness_sig: mkdir %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (r = roots; *r != NULL; r++) {
        if (harness_format(path, sizeof path, "%s/roots/%s", harness_root(h),
                           *r) != 0
            || harness_sig_copy(dir, *r, path) != 0)
            return -1;
    }
    return 0;
}

int harness_sig_other_versions(harness_httpd *h, const char *dir, size_t n)
{
    harness_request *reqs = calloc(n ? n : 1, sizeof *reqs);
    harness_response *resps = calloc(n ? n : 1, sizeof *resps);
    char (*names)[SIG_NAME_MAX] = calloc(n ? n : 1, sizeof *names);
    size_t len = 0, i, bad = 0;
    unsigned char *img = sig_read(dir, "unsigned.exe", &len);
    int rc = -1;

    if (reqs == NULL || resps == NULL || names == NULL || img == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        if (harness_format(names[i], sizeof names[i], "sig/many/%zu.exe", i)
            != 0 || harness_write_file(h, names[i], img, len) != 0
            || harness_format(names[i], sizeof names[i], "/sig/many/%zu.exe",
                              i) != 0)
            goto done;
        reqs[i].path = names[i];
    }
    bad = harness_send_sequence(h, reqs, resps, n);
    for (i = 0; i < n; i++) {
        if (resps[i].ok && resps[i].status != 200)
            bad++;
        harness_response_free(&resps[i]);
    }
    if (bad != 0)
        fprintf(stderr, "harness_sig: %zu of %zu other versions got no 200\n",
                bad, n);
    rc = bad == 0 ? 0 : -1;
done:
    free(img);
    free(names);
    free(resps);
    free(reqs);
    return rc;
}

int harness_sig_incomplete_warning(const char *path, char *out, size_t cap)
{
    return harness_format(out, cap, "%s: Authenticode signature incomplete: "
                          "missing issuer \"" SIGFIX_INTER_DN "\" (see "
                          SIGFIX_LEAF_AIA ")", path);
}
