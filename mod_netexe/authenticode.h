/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * authenticode.h -- the Authenticode check of mod_netexe (DESIGN.md
 * sections 1 and 6), and the repair of a missing chain, on OpenSSL.
 *
 * For a PE image it reads the attribute certificate table (data directory
 * 4, a file offset), every PKCS#7 SignedData in it, the signatures nested
 * in their unauthenticated attribute 1.3.6.1.4.1.311.2.4.1 and the
 * timestamps of each signature: an RFC 3161 token (unauthenticated
 * attribute 1.3.6.1.4.1.311.3.3.1, itself a SignedData) or a PKCS#9
 * countersignature (1.2.840.113549.1.9.6, a SignerInfo whose certificates
 * are those of the signature it stamps).  It answers per signature and per
 * timestamp:
 *
 *   complete     every issuer from the signer's certificate up to a
 *                self-signed certificate or a trusted root is embedded;
 *   incomplete   an issuer is missing: missing[] lists the issuers that
 *                are not embedded, in chain order, each with the --certs
 *                file that holds it, up to the first one no file holds;
 *   bad-digest   the Authenticode image hash differs from the one in
 *                SpcIndirectDataContent, or a PKCS#7 signature does not
 *                verify with its signer's certificate (the signed bytes are
 *                not the bytes on disk), or a timestamp does not stamp its
 *                signature;
 *   malformed    the table or the signature cannot be parsed: an entry that
 *                lies about its length, a table outside the file, a PKCS#7
 *                that is not Authenticode SignedData over PE image data
 *                (SpcPeImageData, 1.3.6.1.4.1.311.2.1.15), no signer
 *                certificate.
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
 * Repair: the SignedData `certificates` set is covered neither by the
 * signature nor by the image hash, so missing issuers can be added to a
 * signed file without its key.  netexe_ac_repair_fd() writes a copy with
 * the issuers found in a netexe_ac_certs pool added to the SignedData that
 * needs them (the timestamp token's own for an RFC 3161 timestamp, the
 * stamped signature's for a countersignature), the WIN_CERTIFICATE entries
 * rewritten with their length and 8-byte padding, the size in data
 * directory 4 and the PE CheckSum recomputed, and checks the copy again.
 * PKCS#7 structures are decoded and re-encoded by OpenSSL; the signed parts
 * (content and authenticated attributes) come out as they went in, which
 * the check of the copy confirms.
 *
 * Distinguished names are one-line RFC 2253 strings (most specific RDN
 * first, e.g. "CN=Test Code Signing CA,O=Example"), UTF-8 kept as is.
 *
 * Thread safety: no global mutable state; a netexe_ac_roots or
 * netexe_ac_certs may be shared by any number of threads checking files at
 * the same time.
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

/* What a netexe_ac_signature describes. */
typedef enum {
    NETEXE_AC_SIGNATURE = 0,        /* an Authenticode SignedData */
    NETEXE_AC_TIMESTAMP_RFC3161,    /* an RFC 3161 timestamp token */
    NETEXE_AC_COUNTERSIGNATURE      /* a PKCS#9 countersignature */
} netexe_ac_kind;

/* Signatures and timestamps recorded per file; further ones make the file
 * malformed (real images carry one to four). */
#define NETEXE_AC_MAX_SIGNATURES    10
/* Nesting depth followed: 0 is a signature of the table, 1 one nested in
 * it, and so on.  Deeper nesting is malformed. */
#define NETEXE_AC_MAX_DEPTH         3
/* Missing issuers listed per signature (a chain longer than that ends the
 * list with an issuer reported as not found). */
#define NETEXE_AC_MAX_MISSING       4
/* Buffer size for a DN or URI, NUL included; longer ones end in "...". */
#define NETEXE_AC_TEXT_MAX          256
/* The largest certificate table read into memory. */
#define NETEXE_AC_TABLE_MAX         (16u * 1024u * 1024u)

/* An issuer certificate that a signature does not embed. */
typedef struct {
    char dn[NETEXE_AC_TEXT_MAX];    /* its subject */
    /* The netexe_ac_certs file that holds it (owned by that pool), or NULL
     * when no file does. */
    const char *found_in;
} netexe_ac_missing;

typedef struct {
    netexe_ac_state state;      /* COMPLETE .. MALFORMED */
    netexe_ac_kind kind;
    /* 0: top level; n: nested n deep.  A timestamp has the depth of the
     * signature it stamps. */
    unsigned depth;
    /* A timestamp: the index in sig[] of the signature it stamps; a
     * signature: its own index. */
    unsigned stamps;
    unsigned certificates;      /* certificates embedded in this PKCS#7 */
    /* A signature: the image hash algorithm, e.g. "sha256"; a timestamp:
     * the algorithm of its message imprint. */
    char digest[16];
    char signer[NETEXE_AC_TEXT_MAX];          /* signer's subject DN */
    /* incomplete: missing[0].dn, the first issuer that is not embedded */
    char missing_issuer[NETEXE_AC_TEXT_MAX];
    /* incomplete: the caIssuers URI of the certificate whose issuer no
     * file holds (where a client would have to fetch it), or "" */
    char aia_uri[NETEXE_AC_TEXT_MAX];
    /* incomplete: the issuers that are not embedded, in chain order; every
     * one but possibly the last was found in the pool.  The last has
     * found_in NULL when the chain stops there. */
    unsigned missing_count;
    netexe_ac_missing missing[NETEXE_AC_MAX_MISSING];
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
    /* In table order, each signature followed by its timestamps, then by
     * the signatures nested in it. */
    netexe_ac_signature sig[NETEXE_AC_MAX_SIGNATURES];
} netexe_ac_result;

/* Trusted roots: certificates that end a chain as a self-signed one does. */
typedef struct netexe_ac_roots netexe_ac_roots;

/* Loads every certificate of a PEM file.  Returns NULL when the file
 * cannot be read or holds no certificate, with a message in err. */
netexe_ac_roots *netexe_ac_roots_load(const char *pem_path,
                                      char *err, size_t errlen);
void netexe_ac_roots_free(netexe_ac_roots *roots);
/* The number of roots loaded (for tests). */
size_t netexe_ac_roots_count(const netexe_ac_roots *roots);

/* Certificates to look missing issuers up in (netexe-scan --certs): not
 * trusted, only candidates for a chain, each remembered with the file it
 * came from. */
typedef struct netexe_ac_certs netexe_ac_certs;

netexe_ac_certs *netexe_ac_certs_new(void);
/* Adds the certificates of path: a file of PEM certificates or one DER
 * certificate, or a directory whose regular files are such files (not
 * recursive; files holding no certificate are passed over).  Returns the
 * number of certificates added, or -1 with a message in err when path
 * cannot be read or holds no certificate at all. */
int netexe_ac_certs_add(netexe_ac_certs *certs, const char *path,
                        char *err, size_t errlen);
void netexe_ac_certs_free(netexe_ac_certs *certs);
size_t netexe_ac_certs_count(const netexe_ac_certs *certs);

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

/* As netexe_ac_check_buffer() and netexe_ac_check_fd(), and each missing
 * issuer is looked up in certs (may be NULL): the chain goes on through
 * the certificates found there, and missing[] says where each was found. */
int netexe_ac_check_buffer_certs(const unsigned char *buf, size_t len,
                                 const netexe_ac_roots *roots,
                                 const netexe_ac_certs *certs, unsigned flags,
                                 netexe_ac_result *res);
int netexe_ac_check_fd_certs(int fd, uint64_t size,
                             const netexe_ac_roots *roots,
                             const netexe_ac_certs *certs, unsigned flags,
                             netexe_ac_result *res);

/* Opens, checks and closes path (for tests and tools).  -1 with errno set
 * when it cannot be opened or read, or is not a regular file (EINVAL). */
int netexe_ac_check_path(const char *path, const netexe_ac_roots *roots,
                         unsigned flags, netexe_ac_result *res);

/* The signature that decided res->state (the first of the worst), or NULL
 * when there is none: for a module that logs one line per file. */
const netexe_ac_signature *netexe_ac_worst(const netexe_ac_result *res);

/* "not-pe", "unsigned", "complete", "incomplete", "bad-digest",
 * "malformed". */
const char *netexe_ac_state_name(netexe_ac_state state);

/* "signature", "timestamp" (RFC 3161), "countersignature". */
const char *netexe_ac_kind_name(netexe_ac_kind kind);

/* ---- repair ------------------------------------------------------------- */

typedef enum {
    /* No chain is incomplete: nothing was written. */
    NETEXE_AC_REPAIR_NOT_NEEDED = 0,
    /* The copy was written and checks complete. */
    NETEXE_AC_REPAIR_DONE,
    /* Not repaired (why says why): a bad digest, a malformed signature, an
     * issuer no file holds, a copy that would not check complete.  What
     * was written is not to be used. */
    NETEXE_AC_REPAIR_REFUSED
} netexe_ac_repair_outcome;

/* Distinct issuers named in a report; further ones are added all the same
 * and counted in added. */
#define NETEXE_AC_MAX_ADDED         8

typedef struct {
    netexe_ac_repair_outcome outcome;
    /* DONE: the certificates added, counted once per distinct subject. */
    unsigned added;
    char added_dn[NETEXE_AC_MAX_ADDED][NETEXE_AC_TEXT_MAX];
    /* REFUSED: why, one line, e.g. "missing issuer \"CN=...\" is in no
     * --certs file"; "" otherwise. */
    char why[2 * NETEXE_AC_TEXT_MAX];
    netexe_ac_result before;    /* the input, checked with the pool */
    netexe_ac_result after;     /* DONE: the copy, checked without it */
} netexe_ac_repair;

/* What a repair of the file res describes (a check with the pool) would
 * do: NETEXE_AC_REPAIR_NOT_NEEDED when no chain is incomplete,
 * NETEXE_AC_REPAIR_REFUSED with the reason in why[cap] (as in
 * netexe_ac_repair) for a bad digest, a malformed signature or an issuer
 * no file holds, NETEXE_AC_REPAIR_DONE when it can be repaired.  Nothing
 * is read or written: a tool can decide before it makes a file. */
netexe_ac_repair_outcome netexe_ac_repairable(const netexe_ac_result *res,
                                              char *why, size_t cap);

/* Repairs the file open on fd (size bytes long, read with pread() only)
 * into out_fd, which must be open for reading and writing, empty and
 * seekable (a regular file): the input is checked with the pool (rep->
 * before, image hash included); when a chain is incomplete and every
 * missing issuer is found in certs, the copy is written and checked
 * (rep->after).  Returns 0 with rep filled, or -1 with errno set on a read
 * or write error or when memory ran out. */
int netexe_ac_repair_fd(int fd, uint64_t size, int out_fd,
                        const netexe_ac_roots *roots,
                        const netexe_ac_certs *certs, netexe_ac_repair *rep);

/* As netexe_ac_repair_fd(), from and into memory: with DONE, *out is a
 * malloc'd copy of *out_len bytes (free() it); NULL otherwise. */
int netexe_ac_repair_buffer(const unsigned char *buf, size_t len,
                            const netexe_ac_roots *roots,
                            const netexe_ac_certs *certs,
                            unsigned char **out, size_t *out_len,
                            netexe_ac_repair *rep);

/* The locator (for tests and the fuzz targets): finds the index-th (from
 * 0) PKCS_SIGNED_DATA entry of the certificate table of the image in buf
 * and sets *off and *blob_len to its bCertificate bytes (the DER PKCS#7,
 * possibly followed by padding).  Returns NETEXE_AC_COMPLETE when found,
 * NETEXE_AC_NOT_PE, NETEXE_AC_UNSIGNED (no table or no such entry) or
 * NETEXE_AC_MALFORMED. */
netexe_ac_state netexe_ac_find_pkcs7(const unsigned char *buf, size_t len,
                                     unsigned index,
                                     size_t *off, size_t *blob_len);

#ifdef __cplusplus
}
#endif
#endif
