/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * sigfix.h -- Authenticode-signed PE fixtures, made at test time.
 *
 * sigfix_build(DIR) runs tests/support/testpki.sh (a root, the "Test Code
 * Signing CA" intermediate, a code-signing leaf with AIA caIssuers
 * http://pki.example.test/ca.crt; all by openssl, offline), builds images
 * with pebuild and signs them with `osslsigncode sign`:
 *
 *   unsigned.exe        32-bit CLR EXE, three 1 KiB sections, no signature
 *   leaf.exe            signed, embeds the leaf only          (SHA-256)
 *   inter.exe           signed, leaf + intermediate           (SHA-256)
 *   full.exe            signed, leaf + intermediate + root    (SHA-256)
 *   nested.exe          inter.exe + a nested SHA-1 signature embedding the
 *                       leaf only (osslsigncode sign -nest)
 *   bad-digest.exe      full.exe with one byte of its last section changed
 *   native64.dll        a native PE32+ x64 DLL, signed like full.exe
 *   big.exe             unsigned.exe padded to 340 KiB, signed like full.exe
 *                       (the image hash spans several read blocks)
 *   big-bad-digest.exe  big.exe with one byte in the middle changed
 *   past-end.exe        full.exe whose directory 4 size runs past the file
 *   truncated.exe       full.exe cut inside its PKCS#7, table and directory
 *                       4 shortened to match
 *   notes.txt           not a PE file
 *
 * The directory also holds the PKI: root.pem, root.der, inter.pem,
 * leaf.pem, leaf.key, chain1.pem (leaf), chain2.pem (+ intermediate),
 * chain3.pem (+ root), and the timestamping authority's tsa-ca.pem,
 * tsa.pem, tsa.key.  The script is found through $NETEXE_SRCDIR (default:
 * the current directory, the top of the source tree when make runs tests).
 *
 * sigfix_build_repair(DIR), after sigfix_build(DIR), adds what the repair
 * tests need:
 *
 *   timestamped.exe     full.exe's chain, RFC 3161 timestamp by
 *                       osslsigncode's built-in TSA embedding tsa.pem only
 *   countersigned.exe   full.exe with a PKCS#9 countersignature by the TSA
 *                       (made here with OpenSSL), tsa.pem added to the
 *                       signature's certificates without its issuer
 *   leaf.efi            a PE32+ x64 EFI application signed by `sbsign`
 *                       (sbsigntool), which embeds the leaf only
 *   spc-not-pe.exe      full.exe whose SpcIndirectDataContent names
 *                       SpcCabImageData (1.3.6.1.4.1.311.2.1.25)
 *   certs/              inter.pem, root.der, tsa-ca.pem and README (no
 *                       certificate): a --certs directory
 */
#ifndef NETEXE_SIGFIX_H
#define NETEXE_SIGFIX_H

#include <stddef.h>
#include <stdint.h>

/* DNs and URIs of the test PKI, as the checker prints them (RFC 2253). */
#define SIGFIX_ROOT_DN      "CN=Test Root CA,O=mod_netexe tests"
#define SIGFIX_INTER_DN     "CN=Test Code Signing CA,O=mod_netexe tests"
#define SIGFIX_LEAF_DN      "CN=Test Publisher,O=mod_netexe tests"
#define SIGFIX_LEAF_AIA     "http://pki.example.test/ca.crt"
#define SIGFIX_INTER_AIA    "http://pki.example.test/root.crt"
#define SIGFIX_TSA_CA_DN    "CN=Test Timestamping CA,O=mod_netexe tests"
#define SIGFIX_TSA_DN       "CN=Test Timestamping Authority,O=mod_netexe tests"
#define SIGFIX_TSA_AIA      "http://pki.example.test/tsa-ca.crt"
/* The time osslsigncode's built-in TSA stamps (unix time, 2027-01-15). */
#define SIGFIX_TSA_TIME     "1800000000"

/* Builds the fixtures in dir (which must exist).  0 on success; -1 with a
 * message in err (the failing command) otherwise. */
int sigfix_build(const char *dir, char *err, size_t errlen);

/* Adds the repair fixtures to dir (see above).  0, or -1 with a message
 * in err. */
int sigfix_build_repair(const char *dir, char *err, size_t errlen);

/* The Authenticode SHA-256 image hash of img, computed here from the PE
 * specification (every byte but the CheckSum, data directory 4 and the
 * certificate table): a second opinion next to osslsigncode's.  0 with
 * out[32] filled, -1 when img is not a PE image this reads. */
int sigfix_digest(const unsigned char *img, size_t len, unsigned char out[32]);

/* The PE checksum of img (imagehlp's CheckSumMappedFile: 16-bit words
 * with end-around carry, the CheckSum field as zero, plus the length)
 * into *computed, and the value stored in the file into *stored.  0, or
 * -1 when img is not a PE image this reads. */
int sigfix_checksum(const unsigned char *img, size_t len, uint32_t *computed,
                    uint32_t *stored);

/* Runs a shell command made from fmt; returns its exit status, or -1. */
int sigfix_run(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Reads a whole file into a malloc'd buffer; NULL on error. */
unsigned char *sigfix_read(const char *path, size_t *len);

/* Writes len bytes to path (created or truncated).  0 or -1. */
int sigfix_write(const char *path, const unsigned char *buf, size_t len);

/* Makes a fresh directory under $TMPDIR (or /tmp) into out[cap], mode
 * 0755 so that an httpd child can read it.  0 or -1. */
int sigfix_tempdir(const char *tag, char *out, size_t cap);

/* Removes a directory made by sigfix_tempdir and everything in it. */
void sigfix_rmtree(const char *dir);

#endif
