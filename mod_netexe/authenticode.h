/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * authenticode.h -- the Authenticode check of mod_netexe (DESIGN.md
 * sections 1 and 6), on OpenSSL.
 *
 * For a PE image it reads the attribute certificate table (data directory
 * 4, a file offset), every PKCS#7 SignedData in it and the signatures
 * nested in their unauthenticated attribute 1.3.6.1.4.1.311.2.4.1, and
 * answers per signature:
 *
 *   complete     every issuer from the signer's certificate up to a
 *                self-signed certificate or a trusted root is embedded;
 *   incomplete   an issuer is missing: missing_issuer names the first one
 *                (the issuer DN of the last certificate of the chain that
 *                could be built), aia_uri the caIssuers URI of that last
 *                certificate when it has one;
 *   bad-digest   the Authenticode image hash differs from the one in
 *                SpcIndirectDataContent, or the PKCS#7 signature over that
 *                content does not verify with the signer's certificate
 *                (the signed bytes are not the bytes on disk);
 *   malformed    the table or the signature cannot be parsed: an entry that
 *                lies about its length, a table outside the file, a PKCS#7
 *                that is not Authenticode SignedData, no signer certificate.
 *
 * The file's state is the worst of its signatures (states are ordered as
 * the enum), NETEXE_AC_UNSIGNED without a certificate table and
 * NETEXE_AC_NOT_PE for anything that is not a PE image.
 *
 * Completeness is a question of chain building only: issuers are found by
 * name and key identifier, as X509_verify_cert() does; validity periods,
 * purposes and key usages are ignored, and nothing is ever fetched.
 *
 * The image hash follows osslsigncode and the Authenticode specification
 * for images whose sections are contiguous: every byte of the file except
 * the CheckSum field, data directory entry 4 and the certificate table.
 * Bytes after the certificate table are hashed too, so that data appended
 * behind a signature shows up as bad-digest.
 *
 * Distinguished names are one-line RFC 2253 strings (most specific RDN
 * first, e.g. "CN=Test Code Signing CA,O=Example"), UTF-8 kept as is.
 *
 * Thread safety: no global mutable state; a netexe_ac_roots may be shared
 * by any number of threads checking files at the same time.
 */
#ifndef NETEXE_AUTHENTICODE_H
#define NETEXE_AUTHENTICODE_H

#include <stddef.h>
#include <stdint.h>

#include "pe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ordered from best to worst: a file's state is the maximum. */
typedef enum {
    NETEXE_AC_NOT_PE = 0,   /* not a PE image: nothing checked */
    NETEXE_AC_UNSIGNED,     /* a PE image without a certificate table */
    NETEXE_AC_COMPLETE,
    NETEXE_AC_INCOMPLETE,
    NETEXE_AC_BAD_DIGEST,
    NETEXE_AC_MALFORMED
} netexe_ac_state;

/* Signatures recorded per file; further ones make the file malformed
 * (real images carry one or two). */
#define NETEXE_AC_MAX_SIGNATURES    6
/* Nesting depth followed: 0 is a signature of the table, 1 one nested in
 * it, and so on.  Deeper nesting is malformed. */
#define NETEXE_AC_MAX_DEPTH         3
/* Buffer size for a DN or URI, NUL included; longer ones end in "...". */
#define NETEXE_AC_TEXT_MAX          256
/* The largest certificate table read into memory. */
#define NETEXE_AC_TABLE_MAX         (16u * 1024u * 1024u)

typedef struct {
    netexe_ac_state state;      /* COMPLETE .. MALFORMED */
    unsigned depth;             /* 0: top level; n: nested n deep */
    unsigned certificates;      /* certificates embedded in this PKCS#7 */
    char digest[16];            /* image hash algorithm, e.g. "sha256" */
    char signer[NETEXE_AC_TEXT_MAX];          /* signer's subject DN */
    char missing_issuer[NETEXE_AC_TEXT_MAX];  /* incomplete: first missing */
    char aia_uri[NETEXE_AC_TEXT_MAX];         /* incomplete: caIssuers, or "" */
    /* bad-digest or malformed: why, a static string; NULL otherwise. */
    const char *reason;
} netexe_ac_signature;

typedef struct {
    netexe_ac_state state;      /* the worst of sig[], or NOT_PE/UNSIGNED */
    pe_info pe;                 /* the sniffer's view of the headers */
    /* Malformed before any signature could be read (the table itself):
     * why, a static string; NULL otherwise. */
    const char *reason;
    unsigned count;             /* entries used in sig[] */
    /* In table order, each signature followed by those nested in it. */
    netexe_ac_signature sig[NETEXE_AC_MAX_SIGNATURES];
} netexe_ac_result;

/* Trusted roots: certificates that end a chain as a self-signed one does. */
typedef struct netexe_ac_roots netexe_ac_roots;

/* Loads every certificate of a PEM file.  Returns NULL when the file
 * cannot be read or holds no certificate, with a message in err. */
netexe_ac_roots *netexe_ac_roots_load(const char *pem_path,
                                      char *err, size_t errlen);
void netexe_ac_roots_free(netexe_ac_roots *roots);
size_t netexe_ac_roots_count(const netexe_ac_roots *roots);

/* Flags of the checks below. */
/* Skip the image hash: only the headers and the certificate table are
 * read (a few KiB, whatever the file's size), for a server that checks on
 * the request path.  The chain and the PKCS#7 signature over
 * SpcIndirectDataContent are still checked; bad-digest then means only
 * that this signature does not verify. */
#define NETEXE_AC_NO_DIGEST         0x1u

/* Checks an image held in memory.  roots may be NULL; flags is 0 or
 * NETEXE_AC_NO_DIGEST.  Returns 0 with *res filled, or -1 when memory ran
 * out. */
int netexe_ac_check_buffer(const unsigned char *buf, size_t len,
                           const netexe_ac_roots *roots, unsigned flags,
                           netexe_ac_result *res);

/* Checks the file open on fd, size bytes long, reading with pread() only
 * the headers, the certificate table and, streamed in small blocks, the
 * bytes the image hash covers (and only when a signature needs them).
 * The file offset of fd is not changed.  size is a fixed-width type so
 * that the module (APR, large-file off_t) and the library always agree.
 * Returns 0 with *res filled, or -1 with errno set on a read error (EIO
 * when the file is shorter than size) or when memory ran out. */
int netexe_ac_check_fd(int fd, uint64_t size, const netexe_ac_roots *roots,
                       unsigned flags, netexe_ac_result *res);

/* Opens, checks and closes path.  -1 with errno set when it cannot be
 * opened or read, or is not a regular file (EINVAL). */
int netexe_ac_check_path(const char *path, const netexe_ac_roots *roots,
                         unsigned flags, netexe_ac_result *res);

/* The signature that decided res->state (the first of the worst), or NULL
 * when there is none: for a module that logs one line per file. */
const netexe_ac_signature *netexe_ac_worst(const netexe_ac_result *res);

/* "not-pe", "unsigned", "complete", "incomplete", "bad-digest",
 * "malformed". */
const char *netexe_ac_state_name(netexe_ac_state state);

/* The locator: finds the index-th (from 0) PKCS_SIGNED_DATA entry of the
 * certificate table of the image in buf and sets *off and *blob_len to
 * its bCertificate bytes (the DER PKCS#7, possibly followed by padding).
 * Returns NETEXE_AC_COMPLETE when found, NETEXE_AC_NOT_PE,
 * NETEXE_AC_UNSIGNED (no table or no such entry) or NETEXE_AC_MALFORMED. */
netexe_ac_state netexe_ac_find_pkcs7(const unsigned char *buf, size_t len,
                                     unsigned index,
                                     size_t *off, size_t *blob_len);

#ifdef __cplusplus
}
#endif
#endif
