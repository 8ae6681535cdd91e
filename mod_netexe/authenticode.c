/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * authenticode.c -- certificate table -> PKCS#7 -> chain report (the
 * promises are in authenticode.h).
 *
 * A check runs in four steps:
 *
 *   1. the headers are sniffed (pe.c) and data directory 4 is bounds-checked
 *      against the file size;
 *   2. the certificate table is read and its WIN_CERTIFICATE entries are
 *      walked; each PKCS_SIGNED_DATA entry, and each signature nested in
 *      one, is decoded by OpenSSL and checked on its own:
 *      SpcIndirectDataContent, the PKCS#7 signature over it, the chain;
 *   3. the image hash is computed once per algorithm the signatures name,
 *      in one streamed pass over the file;
 *   4. each signature's state is the worst of its findings, the file's the
 *      worst of its signatures.
 *
 * All ASN.1 is decoded by OpenSSL: PKCS#7 and X.509 by its own functions,
 * SpcIndirectDataContent by the templates declared below.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "authenticode.h"

/* WIN_CERTIFICATE (wintrust.h): dwLength, wRevision, wCertificateType,
 * then bCertificate; entries start on 8-byte boundaries. */
#define AC_WIN_CERT_HEADER          8u
#define AC_WIN_CERT_ALIGN           8u
#define AC_WIN_CERT_REVISION_2_0    0x0200u
#define AC_WIN_CERT_TYPE_PKCS       0x0002u  /* WIN_CERT_TYPE_PKCS_SIGNED_DATA */

/* Fields the image hash leaves out. */
#define AC_CHECKSUM_SIZE            4u
#define AC_DIR_ENTRY_SIZE           8u

/* Authenticode object identifiers; OpenSSL has no NIDs for them. */
#define AC_OID_SPC_INDIRECT_DATA    "1.3.6.1.4.1.311.2.1.4"
#define AC_OID_NESTED_SIGNATURE     "1.3.6.1.4.1.311.2.4.1"
#define AC_OID_TEXT_MAX             80

/* Header bytes read first from a file, and the most rounds of reading
 * more that the sniffer can ask for (4096 bytes, e_lfanew + the decision
 * span, the end of the file). */
#define AC_HEAD_READ                4096u
#define AC_HEAD_ROUNDS              4
/* Block size of the streamed image hash. */
#define AC_HASH_BLOCK               (64u * 1024u)

#define AC_ELLIPSIS                 "..."

/* SpcIndirectDataContent ::= SEQUENCE {
 *     data           SpcAttributeTypeAndOptionalValue,
 *     messageDigest  DigestInfo }
 * SpcAttributeTypeAndOptionalValue ::= SEQUENCE {
 *     type OBJECT IDENTIFIER, value ANY OPTIONAL }
 * DigestInfo ::= SEQUENCE {
 *     digestAlgorithm AlgorithmIdentifier, digest OCTET STRING } */
typedef struct {
    ASN1_OBJECT *type;
    ASN1_TYPE *value;
} netexe_spc_attr;

ASN1_SEQUENCE(netexe_spc_attr) = {
    ASN1_SIMPLE(netexe_spc_attr, type, ASN1_OBJECT),
    ASN1_OPT(netexe_spc_attr, value, ASN1_ANY)
} static_ASN1_SEQUENCE_END(netexe_spc_attr)

typedef struct {
    X509_ALGOR *algorithm;
    ASN1_OCTET_STRING *digest;
} netexe_digest_info;

ASN1_SEQUENCE(netexe_digest_info) = {
    ASN1_SIMPLE(netexe_digest_info, algorithm, X509_ALGOR),
    ASN1_SIMPLE(netexe_digest_info, digest, ASN1_OCTET_STRING)
} static_ASN1_SEQUENCE_END(netexe_digest_info)

typedef struct {
    netexe_spc_attr *data;
    netexe_digest_info *message_digest;
} netexe_spc_indirect;

ASN1_SEQUENCE(netexe_spc_indirect) = {
    ASN1_SIMPLE(netexe_spc_indirect, data, netexe_spc_attr),
    ASN1_SIMPLE(netexe_spc_indirect, message_digest, netexe_digest_info)
} static_ASN1_SEQUENCE_END(netexe_spc_indirect)

struct netexe_ac_roots {
    STACK_OF(X509) *certs;
};

/* Where the bytes come from: an image in memory, or a file read with
 * pread(). */
typedef struct {
    const unsigned char *mem;
    int fd;
    uint64_t size;
} ac_source;

/* The image hash a signature expects, compared after the hashing pass. */
typedef struct {
    const EVP_MD *md;                   /* NULL: nothing to compare */
    unsigned char want[EVP_MAX_MD_SIZE];
    unsigned len;
} ac_expect;

/* One check in progress. */
typedef struct {
    const netexe_ac_roots *roots;
    netexe_ac_result *res;
    ac_expect expect[NETEXE_AC_MAX_SIGNATURES];
} ac_run;

static netexe_ac_state ac_worse(netexe_ac_state a, netexe_ac_state b)
{
    return a > b ? a : b;
}

/* Reads exactly n bytes at off.  A short read means the file shrank under
 * us: an I/O error like any other. */
static int ac_read(const ac_source *src, uint64_t off, unsigned char *dst,
                   size_t n)
{
    if (off > src->size || n > src->size - off) {
        errno = EIO;
        return -1;
    }
    if (src->mem) {
        memcpy(dst, src->mem + off, n);
        return 0;
    }
    while (n > 0) {
        ssize_t got = pread(src->fd, dst, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0) {
            errno = EIO;
            return -1;
        }
        dst += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return 0;
}

/* ---- text --------------------------------------------------------------- */

/* Copies n bytes of src as a NUL-terminated string into dst[cap], ending
 * in "..." when it does not fit; never cuts a UTF-8 sequence. */
static void ac_copy_text(char *dst, size_t cap, const char *src, size_t n)
{
    size_t keep;

    if (n < cap) {
        memcpy(dst, src, n);
        dst[n] = '\0';
        return;
    }
    keep = cap - sizeof(AC_ELLIPSIS);
    while (keep > 0 && ((unsigned char)src[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(dst, src, keep);
    memcpy(dst + keep, AC_ELLIPSIS, sizeof(AC_ELLIPSIS));
}

/* 1 when s[0 .. n-1] is well-formed UTF-8 (shortest forms not enforced:
 * the aim is text a terminal and a JSON reader accept). */
static int ac_utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t more, k;
        if (s[i] < 0x80)
            more = 0;
        else if ((s[i] & 0xE0) == 0xC0)
            more = 1;
        else if ((s[i] & 0xF0) == 0xE0)
            more = 2;
        else if ((s[i] & 0xF8) == 0xF0)
            more = 3;
        else
            return 0;
        if (more > n - i - 1)
            return 0;
        for (k = 1; k <= more; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += more + 1;
    }
    return 1;
}

/* A DN as one RFC 2253 line.  UTF-8 is kept when the name decodes to valid
 * UTF-8; otherwise every non-ASCII byte is escaped as \XX. */
static void ac_dn(const X509_NAME *name, char *dst, size_t cap)
{
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    int attempt;

    dst[0] = '\0';
    for (attempt = 0; attempt < 2; attempt++) {
        BIO *b = BIO_new(BIO_s_mem());
        char *p = NULL;
        long n;

        if (!b)
            return;
        if (X509_NAME_print_ex(b, name, 0, flags) >= 0 &&
            (n = BIO_get_mem_data(b, &p)) >= 0 &&
            (attempt == 1 || ac_utf8_ok((unsigned char *)p, (size_t)n))) {
            ac_copy_text(dst, cap, p, (size_t)n);
            BIO_free(b);
            return;
        }
        BIO_free(b);
        flags = XN_FLAG_RFC2253;
    }
}

/* The caIssuers URI of a certificate's Authority Information Access, with
 * anything but printable ASCII replaced by '?': a URI from a stranger ends
 * up in logs. */
static void ac_aia_ca_issuers(X509 *cert, char *dst, size_t cap)
{
    AUTHORITY_INFO_ACCESS *aia;
    int i;

    dst[0] = '\0';
    aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    if (!aia)
        return;
    for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        const ASN1_IA5STRING *uri;
        size_t n, k;

        if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers ||
            ad->location->type != GEN_URI)
            continue;
        uri = ad->location->d.uniformResourceIdentifier;
        n = (size_t)ASN1_STRING_length(uri);
        ac_copy_text(dst, cap, (const char *)ASN1_STRING_get0_data(uri), n);
        for (k = 0; dst[k] != '\0'; k++)
            if ((unsigned char)dst[k] < 0x20 || (unsigned char)dst[k] > 0x7E)
                dst[k] = '?';
        break;
    }
    AUTHORITY_INFO_ACCESS_free(aia);
}

static int ac_oid_is(const ASN1_OBJECT *obj, const char *dotted)
{
    char text[AC_OID_TEXT_MAX];
    int n = OBJ_obj2txt(text, (int)sizeof(text), obj, 1);

    return n > 0 && (size_t)n < sizeof(text) && strcmp(text, dotted) == 0;
}

/* ---- roots -------------------------------------------------------------- */

netexe_ac_roots *netexe_ac_roots_load(const char *pem_path, char *err,
                                      size_t errlen)
{
    netexe_ac_roots *roots;
    BIO *in;
    X509 *x;

    if (errlen > 0)
        err[0] = '\0';
    in = BIO_new_file(pem_path, "r");
    if (!in) {
        if (errlen > 0)
            snprintf(err, errlen, "cannot open %s: %s", pem_path,
                     strerror(errno ? errno : ENOENT));
        ERR_clear_error();
        return NULL;
    }
    roots = calloc(1, sizeof(*roots));
    if (roots)
        roots->certs = sk_X509_new_null();
    if (!roots || !roots->certs) {
        if (errlen > 0)
            snprintf(err, errlen, "out of memory reading %s", pem_path);
        netexe_ac_roots_free(roots);
        BIO_free(in);
        return NULL;
    }
    while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(roots->certs, x)) {
            X509_free(x);
            break;
        }
    }
    /* The loop ends on "no start line" at the end of the file. */
    ERR_clear_error();
    BIO_free(in);
    if (sk_X509_num(roots->certs) == 0) {
        if (errlen > 0)
            snprintf(err, errlen, "%s holds no PEM certificate", pem_path);
        netexe_ac_roots_free(roots);
        return NULL;
    }
    return roots;
}

void netexe_ac_roots_free(netexe_ac_roots *roots)
{
    if (!roots)
        return;
    sk_X509_pop_free(roots->certs, X509_free);
    free(roots);
}

size_t netexe_ac_roots_count(const netexe_ac_roots *roots)
{
    return roots ? (size_t)sk_X509_num(roots->certs) : 0;
}

/* ---- the certificate table ---------------------------------------------- */

/* Checks data directory 4 against the file.  Returns NETEXE_AC_UNSIGNED
 * (no table), NETEXE_AC_COMPLETE (a table at a plausible place) or
 * NETEXE_AC_MALFORMED with *reason. */
static netexe_ac_state ac_table_check(const pe_info *pe, uint64_t size,
                                      const char **reason)
{
    if (pe->cert_dir_offset == 0 ||
        (pe->cert_offset == 0 && pe->cert_size == 0))
        return NETEXE_AC_UNSIGNED;
    if (pe->cert_offset == 0 || pe->cert_size == 0) {
        *reason = "certificate table entry has only an offset or only a size";
        return NETEXE_AC_MALFORMED;
    }
    if (pe->cert_offset > size || pe->cert_size > size - pe->cert_offset) {
        *reason = "certificate table extends past the end of the file";
        return NETEXE_AC_MALFORMED;
    }
    /* The hash skips the CheckSum and the directory entry, then runs up to
     * the table: a table inside the headers cannot have been signed. */
    if (pe->cert_offset < pe->cert_dir_offset + AC_DIR_ENTRY_SIZE) {
        *reason = "certificate table overlaps the PE headers";
        return NETEXE_AC_MALFORMED;
    }
    if (pe->cert_size < AC_WIN_CERT_HEADER) {
        *reason = "certificate table is shorter than one entry";
        return NETEXE_AC_MALFORMED;
    }
    if (pe->cert_size > NETEXE_AC_TABLE_MAX) {
        *reason = "certificate table is larger than 16 MiB";
        return NETEXE_AC_MALFORMED;
    }
    return NETEXE_AC_COMPLETE;
}

/* One WIN_CERTIFICATE entry. */
typedef struct {
    const unsigned char *blob;  /* bCertificate */
    size_t blob_len;
    uint16_t revision;
    uint16_t type;
} ac_entry;

/* Reads the entry at *pos of table[0 .. len-1] and moves *pos to the next.
 * Returns 1 with *e, 0 at the end of the table, -1 with *reason when an
 * entry lies about its length. */
static int ac_next_entry(const unsigned char *table, size_t len, size_t *pos,
                         ac_entry *e, const char **reason)
{
    size_t at = *pos, step;
    uint32_t length;

    if (at >= len)
        return 0;
    if (len - at < AC_WIN_CERT_HEADER) {
        *reason = "certificate table ends inside an entry header";
        return -1;
    }
    length = pe_rd_u32le(table + at);
    if (length < AC_WIN_CERT_HEADER || length > len - at) {
        *reason = "certificate table entry length is outside the table";
        return -1;
    }
    e->revision = pe_rd_u16le(table + at + 4);
    e->type = pe_rd_u16le(table + at + 6);
    e->blob = table + at + AC_WIN_CERT_HEADER;
    e->blob_len = length - AC_WIN_CERT_HEADER;
    /* length <= len <= NETEXE_AC_TABLE_MAX: the rounding cannot wrap.  The
     * last entry may end unpadded at the end of the table. */
    step = ((size_t)length + AC_WIN_CERT_ALIGN - 1) /
           AC_WIN_CERT_ALIGN * AC_WIN_CERT_ALIGN;
    *pos = step > len - at ? len : at + step;
    return 1;
}

/* ---- one signature ------------------------------------------------------ */

typedef struct {
    int missing;        /* an issuer was not found */
} ac_chain_note;

/* Only a missing issuer ends the walk: completeness is about which
 * certificates are embedded, not about their validity. */
static int ac_verify_cb(int ok, X509_STORE_CTX *ctx)
{
    ac_chain_note *note;

    if (ok)
        return 1;
    switch (X509_STORE_CTX_get_error(ctx)) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        note = X509_STORE_CTX_get_app_data(ctx);
        if (note)
            note->missing = 1;
        return 0;
    default:
        return 1;
    }
}

/* Builds the chain from signer with the embedded certificates as untrusted
 * and the roots as trust anchors.  Returns COMPLETE or INCOMPLETE (with
 * missing_issuer and aia_uri), or MALFORMED when OpenSSL fails. */
static netexe_ac_state ac_chain(netexe_ac_signature *sig, X509 *signer,
                                STACK_OF(X509) *embedded,
                                const netexe_ac_roots *roots)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *anchors = NULL;
    ac_chain_note note = { 0 };
    netexe_ac_state state = NETEXE_AC_MALFORMED;

    if (!ctx)
        goto done;
    /* An empty trusted stack rather than none: without one OpenSSL would
     * look in a store, and there is none. */
    anchors = roots ? NULL : sk_X509_new_null();
    if (!roots && !anchors)
        goto done;
    if (!X509_STORE_CTX_init(ctx, NULL, signer, embedded))
        goto done;
    X509_STORE_CTX_set0_trusted_stack(ctx, roots ? roots->certs : anchors);
    /* NO_CHECK_TIME: an old release is still complete.  PARTIAL_CHAIN: a
     * certificate named in --roots ends the chain even when it is not
     * self-signed. */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME |
                                  X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    X509_STORE_CTX_set_verify_cb(ctx, ac_verify_cb);
    X509_STORE_CTX_set_app_data(ctx, &note);

    (void)X509_verify_cert(ctx);
    if (!note.missing) {
        state = NETEXE_AC_COMPLETE;
    }
    else {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        X509 *last = chain && sk_X509_num(chain) > 0
                     ? sk_X509_value(chain, sk_X509_num(chain) - 1) : signer;
        ac_dn(X509_get_issuer_name(last), sig->missing_issuer,
              sizeof(sig->missing_issuer));
        ac_aia_ca_issuers(last, sig->aia_uri, sizeof(sig->aia_uri));
        state = NETEXE_AC_INCOMPLETE;
    }
done:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(anchors);
    return state;
}

/* Raises sig to state s, keeping the reason of the worst finding. */
static netexe_ac_state ac_fail(netexe_ac_signature *sig, netexe_ac_state s,
                               const char *reason)
{
    if (s > sig->state) {
        sig->state = s;
        sig->reason = reason;
    }
    return s;
}

static void ac_check_pkcs7(ac_run *run, PKCS7 *p7, unsigned depth);

/* Decodes one DER PKCS#7 (trailing padding allowed) and checks it. */
static void ac_check_der(ac_run *run, const unsigned char *der, size_t len,
                         unsigned depth)
{
    netexe_ac_result *res = run->res;
    const unsigned char *p = der;
    PKCS7 *p7;

    if (res->count >= NETEXE_AC_MAX_SIGNATURES) {
        res->reason = "more signatures than the checker records";
        res->state = NETEXE_AC_MALFORMED;
        return;
    }
    if (len > LONG_MAX)
        len = LONG_MAX;
    p7 = d2i_PKCS7(NULL, &p, (long)len);
    if (!p7) {
        netexe_ac_signature *sig = &res->sig[res->count++];
        sig->depth = depth;
        sig->state = NETEXE_AC_MALFORMED;
        sig->reason = "PKCS#7 does not decode";
        return;
    }
    ac_check_pkcs7(run, p7, depth);
    PKCS7_free(p7);
}

/* Follows the signatures nested in the unauthenticated attributes. */
static void ac_check_nested(ac_run *run, PKCS7_SIGNER_INFO *si,
                            netexe_ac_signature *parent, unsigned depth)
{
    STACK_OF(X509_ATTRIBUTE) *attrs = si->unauth_attr;
    int i, k;

    for (i = 0; i < sk_X509_ATTRIBUTE_num(attrs); i++) {
        X509_ATTRIBUTE *attr = sk_X509_ATTRIBUTE_value(attrs, i);

        if (!ac_oid_is(X509_ATTRIBUTE_get0_object(attr),
                       AC_OID_NESTED_SIGNATURE))
            continue;
        if (depth + 1 > NETEXE_AC_MAX_DEPTH) {
            ac_fail(parent, NETEXE_AC_MALFORMED, "signatures nested too deep");
            return;
        }
        for (k = 0; k < X509_ATTRIBUTE_count(attr); k++) {
            ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(attr, k);
            if (!t || t->type != V_ASN1_SEQUENCE) {
                ac_fail(parent, NETEXE_AC_MALFORMED,
                        "nested signature is not a SEQUENCE");
                continue;
            }
            ac_check_der(run, t->value.sequence->data,
                         (size_t)t->value.sequence->length, depth + 1);
        }
    }
}


/* Verifies the signer's signature over the signed bytes: the messageDigest
 * attribute against their digest, and the signature over the attributes.
 * PKCS7_verify(..., PKCS7_NOVERIFY) does the same but, in OpenSSL 3.0,
 * leaks a copy of a memory BIO when the digest algorithms are unknown; the
 * two calls it makes are used directly instead.  The chain is judged
 * separately, by its own rules.  Returns 1 when the signature verifies. */
static int ac_signature_verify(PKCS7 *p7, PKCS7_SIGNER_INFO *si, X509 *signer,
                               BIO *signed_bytes)
{
    unsigned char block[4096];
    BIO *chain = PKCS7_dataInit(p7, signed_bytes);
    int ok = 0;

    if (!chain)
        return 0;
    /* Reading through the digest BIOs computes the digests. */
    while (BIO_read(chain, block, (int)sizeof(block)) > 0)
        ;
    ok = PKCS7_signatureVerify(chain, p7, si, signer) == 1;
    /* Free the digest BIOs pushed onto signed_bytes, not signed_bytes. */
    while (chain && chain != signed_bytes) {
        BIO *next = BIO_pop(chain);
        BIO_free(chain);
        chain = next;
    }
    return ok;
}

/* Checks one decoded signature: content, signer, PKCS#7 signature, chain;
 * records the image hash it expects; then its nested signatures. */
static void ac_check_pkcs7(ac_run *run, PKCS7 *p7, unsigned depth)
{
    netexe_ac_result *res = run->res;
    unsigned index = res->count++;
    netexe_ac_signature *sig = &res->sig[index];
    ac_expect *expect = &run->expect[index];
    STACK_OF(PKCS7_SIGNER_INFO) *infos;
    STACK_OF(X509) *embedded, *signers = NULL;
    netexe_spc_indirect *idc = NULL;
    ASN1_STRING *content;
    const unsigned char *p;
    const EVP_MD *md;
    BIO *signed_bytes = NULL;
    X509 *signer;
    long body_len;
    int tag, xclass;

    sig->depth = depth;
    sig->state = NETEXE_AC_COMPLETE;

    if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents ||
        !p7->d.sign->contents->type ||
        !ac_oid_is(p7->d.sign->contents->type, AC_OID_SPC_INDIRECT_DATA) ||
        !p7->d.sign->contents->d.other ||
        p7->d.sign->contents->d.other->type != V_ASN1_SEQUENCE) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "not Authenticode SignedData (SpcIndirectDataContent)");
        return;
    }
    embedded = p7->d.sign->cert;
    sig->certificates = (unsigned)(embedded ? sk_X509_num(embedded) : 0);

    /* SpcIndirectDataContent: the hash algorithm and the signed hash. */
    content = p7->d.sign->contents->d.other->value.sequence;
    p = content->data;
    idc = (netexe_spc_indirect *)ASN1_item_d2i(NULL, &p, content->length,
                                               ASN1_ITEM_rptr(netexe_spc_indirect));
    if (!idc) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "SpcIndirectDataContent does not decode");
        goto done;
    }
    md = EVP_get_digestbyobj(idc->message_digest->algorithm->algorithm);
    if (!md) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "unknown image hash algorithm");
        goto done;
    }
    {
        const char *name = OBJ_nid2ln(EVP_MD_get_type(md));
        if (name)
            ac_copy_text(sig->digest, sizeof(sig->digest), name, strlen(name));
    }
    if (ASN1_STRING_length(idc->message_digest->digest) != EVP_MD_get_size(md)) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "signed image hash has the wrong length");
        goto done;
    }
    expect->md = md;
    expect->len = (unsigned)EVP_MD_get_size(md);
    memcpy(expect->want, ASN1_STRING_get0_data(idc->message_digest->digest),
           expect->len);

    /* Authenticode signs exactly one signer's view of the content. */
    infos = PKCS7_get_signer_info(p7);
    if (!infos || sk_PKCS7_SIGNER_INFO_num(infos) != 1) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "not exactly one SignerInfo");
        goto done;
    }
    signers = PKCS7_get0_signers(p7, NULL, 0);
    if (!signers || sk_X509_num(signers) != 1) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "signer certificate (by issuer and serial) is not embedded");
        goto done;
    }
    signer = sk_X509_value(signers, 0);
    ac_dn(X509_get_subject_name(signer), sig->signer, sizeof(sig->signer));

    /* The signed bytes are the content's value without its SEQUENCE tag
     * and length (Authenticode, "SignedData content"). */
    p = content->data;
    if (ASN1_get_object(&p, &body_len, &tag, &xclass, content->length) & 0x80) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "SpcIndirectDataContent header");
        goto done;
    }
    signed_bytes = BIO_new_mem_buf(p, (int)(content->length - (p - content->data)));
    if (!signed_bytes) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "out of memory");
        goto done;
    }
    if (ac_signature_verify(p7, sk_PKCS7_SIGNER_INFO_value(infos, 0), signer,
                            signed_bytes) != 1)
        ac_fail(sig, NETEXE_AC_BAD_DIGEST,
                "PKCS#7 signature does not verify with the signer's certificate");

    ac_fail(sig, ac_chain(sig, signer, embedded, run->roots),
            "certificate chain could not be built");
    if (sig->state == NETEXE_AC_INCOMPLETE)
        sig->reason = NULL;

    ac_check_nested(run, sk_PKCS7_SIGNER_INFO_value(infos, 0), sig, depth);
done:
    BIO_free(signed_bytes);
    sk_X509_free(signers);
    ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(netexe_spc_indirect));
}

/* ---- the image hash ----------------------------------------------------- */

/* Hashes [off, off+n) into every context. */
static int ac_hash_range(const ac_source *src, uint64_t off, uint64_t n,
                         EVP_MD_CTX **ctx, size_t nctx, unsigned char *block)
{
    while (n > 0) {
        size_t chunk = n > AC_HASH_BLOCK ? AC_HASH_BLOCK : (size_t)n;
        const unsigned char *data;
        size_t i;

        if (src->mem) {
            data = src->mem + off;
        }
        else {
            if (ac_read(src, off, block, chunk) != 0)
                return -1;
            data = block;
        }
        for (i = 0; i < nctx; i++)
            if (!EVP_DigestUpdate(ctx[i], data, chunk)) {
                errno = ENOMEM;
                return -1;
            }
        off += chunk;
        n -= chunk;
    }
    return 0;
}

/* Computes the image hash with every algorithm the signatures expect, in
 * one pass, and marks the signatures whose hash differs. */
static int ac_compare_digests(ac_run *run, const ac_source *src)
{
    netexe_ac_result *res = run->res;
    const pe_info *pe = &res->pe;
    const EVP_MD *mds[NETEXE_AC_MAX_SIGNATURES];
    EVP_MD_CTX *ctx[NETEXE_AC_MAX_SIGNATURES];
    unsigned char got[NETEXE_AC_MAX_SIGNATURES][EVP_MAX_MD_SIZE];
    unsigned char *block = NULL;
    uint64_t table = pe->cert_offset, table_end = table + pe->cert_size;
    size_t n = 0, i, j;
    int rc = -1;

    for (i = 0; i < res->count; i++) {
        if (!run->expect[i].md)
            continue;
        for (j = 0; j < n; j++)
            if (mds[j] == run->expect[i].md)
                break;
        if (j == n)
            mds[n++] = run->expect[i].md;
    }
    if (n == 0)
        return 0;
    for (j = 0; j < n; j++)
        ctx[j] = NULL;
    for (j = 0; j < n; j++) {
        ctx[j] = EVP_MD_CTX_new();
        if (!ctx[j] || !EVP_DigestInit_ex(ctx[j], mds[j], NULL)) {
            errno = ENOMEM;
            goto done;
        }
    }
    if (!src->mem && !(block = malloc(AC_HASH_BLOCK))) {
        errno = ENOMEM;
        goto done;
    }
    /* Everything but CheckSum, data directory 4 and the table itself;
     * ac_table_check made sure these ranges are in order. */
    if (ac_hash_range(src, 0, pe->checksum_offset, ctx, n, block) != 0 ||
        ac_hash_range(src, pe->checksum_offset + AC_CHECKSUM_SIZE,
                      pe->cert_dir_offset - pe->checksum_offset - AC_CHECKSUM_SIZE,
                      ctx, n, block) != 0 ||
        ac_hash_range(src, pe->cert_dir_offset + AC_DIR_ENTRY_SIZE,
                      table - pe->cert_dir_offset - AC_DIR_ENTRY_SIZE,
                      ctx, n, block) != 0 ||
        ac_hash_range(src, table_end, src->size - table_end, ctx, n, block) != 0)
        goto done;
    for (j = 0; j < n; j++)
        if (!EVP_DigestFinal_ex(ctx[j], got[j], NULL)) {
            errno = ENOMEM;
            goto done;
        }
    for (i = 0; i < res->count; i++) {
        const ac_expect *e = &run->expect[i];
        if (!e->md)
            continue;
        for (j = 0; j < n; j++)
            if (mds[j] == e->md)
                break;
        if (memcmp(got[j], e->want, e->len) != 0)
            ac_fail(&res->sig[i], NETEXE_AC_BAD_DIGEST,
                    "image hash differs from the signed hash");
    }
    rc = 0;
done:
    for (j = 0; j < n; j++)
        EVP_MD_CTX_free(ctx[j]);
    free(block);
    return rc;
}

/* ---- the whole check ---------------------------------------------------- */

/* Sniffs the headers.  For a file it reads as far as the sniffer needs,
 * and at least to the end of data directory 14 so that directory 4 is
 * seen.  *head is malloc'd for a file, the image itself in memory. */
static int ac_sniff(const ac_source *src, pe_info *pe,
                    unsigned char **head, size_t *head_len)
{
    size_t want;
    int round;

    *head = NULL;
    *head_len = 0;
    if (src->mem) {
        (void)pe_sniff_final(src->mem, (size_t)src->size, pe);
        return 0;
    }
    want = src->size < AC_HEAD_READ ? (size_t)src->size : AC_HEAD_READ;
    for (round = 0; round < AC_HEAD_ROUNDS; round++) {
        unsigned char *grown = realloc(*head, want ? want : 1);
        size_t cover;

        if (!grown)
            return -1;
        *head = grown;
        if (ac_read(src, *head_len, *head + *head_len, want - *head_len) != 0)
            return -1;
        *head_len = want;
        if (want == src->size)
            (void)pe_sniff_final(*head, want, pe);
        else
            (void)pe_sniff(*head, want, pe);
        cover = (size_t)pe->e_lfanew + PE_DECISION_SPAN_PE32PLUS;
        if (pe->verdict == PE_NEED_MORE) {
            if (pe->need > cover)
                cover = pe->need;
        }
        else if (pe->verdict == PE_NOT_PE || want >= cover ||
                 want == src->size) {
            return 0;
        }
        want = cover < src->size ? cover : (size_t)src->size;
    }
    return 0;
}

static int ac_check(const ac_source *src, const netexe_ac_roots *roots,
                    unsigned flags, netexe_ac_result *res)
{
    ac_run run;
    unsigned char *head = NULL, *table_copy = NULL;
    const unsigned char *table;
    const char *reason = NULL;
    netexe_ac_state table_state;
    size_t head_len, pos = 0, found = 0;
    ac_entry e;
    int rc = -1, step;
    unsigned i;

    memset(res, 0, sizeof(*res));
    memset(&run, 0, sizeof(run));
    run.roots = roots;
    run.res = res;

    if (ac_sniff(src, &res->pe, &head, &head_len) != 0)
        goto done;
    free(head);
    head = NULL;
    if (res->pe.verdict != PE_NATIVE && res->pe.verdict != PE_CLR) {
        res->state = NETEXE_AC_NOT_PE;
        rc = 0;
        goto done;
    }
    table_state = ac_table_check(&res->pe, src->size, &reason);
    if (table_state != NETEXE_AC_COMPLETE) {
        res->state = table_state;
        res->reason = reason;
        rc = 0;
        goto done;
    }
    if (src->mem) {
        table = src->mem + res->pe.cert_offset;
    }
    else {
        table_copy = malloc(res->pe.cert_size);
        if (!table_copy || ac_read(src, res->pe.cert_offset, table_copy,
                                   res->pe.cert_size) != 0)
            goto done;
        table = table_copy;
    }

    res->state = NETEXE_AC_COMPLETE;
    while ((step = ac_next_entry(table, res->pe.cert_size, &pos, &e, &reason)) > 0) {
        if (e.type != AC_WIN_CERT_TYPE_PKCS)
            continue;
        found++;
        if (e.revision != AC_WIN_CERT_REVISION_2_0) {
            res->state = NETEXE_AC_MALFORMED;
            res->reason = "PKCS#7 entry with an unknown WIN_CERTIFICATE revision";
            continue;
        }
        ac_check_der(&run, e.blob, e.blob_len, 0);
    }
    if (step < 0) {
        res->state = NETEXE_AC_MALFORMED;
        res->reason = reason;
    }
    else if (found == 0) {
        res->state = NETEXE_AC_MALFORMED;
        res->reason = "no PKCS#7 signature in the certificate table";
    }
    if (!(flags & NETEXE_AC_NO_DIGEST) && ac_compare_digests(&run, src) != 0)
        goto done;
    for (i = 0; i < res->count; i++)
        res->state = ac_worse(res->state, res->sig[i].state);
    rc = 0;
done:
    free(head);
    free(table_copy);
    /* Leave no OpenSSL errors behind for the caller's next TLS call. */
    ERR_clear_error();
    return rc;
}

int netexe_ac_check_buffer(const unsigned char *buf, size_t len,
                           const netexe_ac_roots *roots, unsigned flags,
                           netexe_ac_result *res)
{
    static const unsigned char empty[1] = { 0 };
    ac_source src;

    src.mem = buf ? buf : empty;
    src.fd = -1;
    src.size = buf ? len : 0;
    return ac_check(&src, roots, flags, res);
}

int netexe_ac_check_fd(int fd, uint64_t size, const netexe_ac_roots *roots,
                       unsigned flags, netexe_ac_result *res)
{
    ac_source src;

    src.mem = NULL;
    src.fd = fd;
    src.size = size;
    return ac_check(&src, roots, flags, res);
}

int netexe_ac_check_path(const char *path, const netexe_ac_roots *roots,
                         unsigned flags, netexe_ac_result *res)
{
    struct stat st;
    int fd, rc, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    rc = netexe_ac_check_fd(fd, (uint64_t)st.st_size, roots, flags, res);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

const netexe_ac_signature *netexe_ac_worst(const netexe_ac_result *res)
{
    unsigned i;

    for (i = 0; i < res->count; i++)
        if (res->sig[i].state == res->state)
            return &res->sig[i];
    return NULL;
}

const char *netexe_ac_state_name(netexe_ac_state state)
{
    switch (state) {
    case NETEXE_AC_NOT_PE:      return "not-pe";
    case NETEXE_AC_UNSIGNED:    return "unsigned";
    case NETEXE_AC_COMPLETE:    return "complete";
    case NETEXE_AC_INCOMPLETE:  return "incomplete";
    case NETEXE_AC_BAD_DIGEST:  return "bad-digest";
    case NETEXE_AC_MALFORMED:   return "malformed";
    }
    return "unknown";
}

netexe_ac_state netexe_ac_find_pkcs7(const unsigned char *buf, size_t len,
                                     unsigned index, size_t *off,
                                     size_t *blob_len)
{
    const char *reason = NULL;
    netexe_ac_state s;
    pe_info pe;
    size_t pos = 0;
    ac_entry e;
    int step;

    *off = 0;
    *blob_len = 0;
    if (!buf)
        return NETEXE_AC_NOT_PE;
    pe_sniff_final(buf, len, &pe);
    if (pe.verdict != PE_NATIVE && pe.verdict != PE_CLR)
        return NETEXE_AC_NOT_PE;
    s = ac_table_check(&pe, len, &reason);
    if (s != NETEXE_AC_COMPLETE)
        return s;
    while ((step = ac_next_entry(buf + pe.cert_offset, pe.cert_size, &pos,
                                 &e, &reason)) > 0) {
        if (e.type != AC_WIN_CERT_TYPE_PKCS)
            continue;
        if (index-- == 0) {
            *off = (size_t)(e.blob - buf);
            *blob_len = e.blob_len;
            return NETEXE_AC_COMPLETE;
        }
    }
    return step < 0 ? NETEXE_AC_MALFORMED : NETEXE_AC_UNSIGNED;
}
