/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * authenticode.c -- certificate table -> PKCS#7 -> chain report, and the
 * repair of missing chains (the promises are in authenticode.h).
 *
 * A check runs in four steps:
 *
 *   1. the headers are sniffed (pe.c) and data directory 4 is bounds-checked
 *      against the file size;
 *   2. the certificate table is read and its WIN_CERTIFICATE entries are
 *      walked; each PKCS_SIGNED_DATA entry, each signature nested in one and
 *      each timestamp is decoded by OpenSSL and checked on its own:
 *      the content, the PKCS#7 signature over it, the chain;
 *   3. the image hash is computed once per algorithm the signatures name,
 *      in one streamed pass over the file;
 *   4. each signature's state is the worst of its findings, the file's the
 *      worst of its signatures.
 *
 * A repair checks the input first, with the lookup pool, then walks the
 * table a second time: each chain is built again and the certificates it
 * takes from the pool are added to the PKCS#7 that holds the chain's
 * certificates; a changed nested signature or timestamp token is encoded
 * again into its attribute, a changed table entry into a new table.  The
 * copy is written around the new table in one pass that also sums the PE
 * checksum, and then checked like any file.
 *
 * All ASN.1 is decoded and encoded by OpenSSL: PKCS#7, X.509 and TSTInfo by
 * its own functions, SpcIndirectDataContent by the templates declared
 * below.
 */
#include <dirent.h>
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
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "authenticode.h"

/* WIN_CERTIFICATE (wintrust.h): dwLength, wRevision, wCertificateType,
 * then bCertificate; entries start on 8-byte boundaries, and dwLength
 * counts the padding (as signtool and osslsigncode write it). */
#define AC_WIN_CERT_HEADER          8u
#define AC_WIN_CERT_ALIGN           8u
#define AC_WIN_CERT_REVISION_2_0    0x0200u
#define AC_WIN_CERT_TYPE_PKCS       0x0002u  /* WIN_CERT_TYPE_PKCS_SIGNED_DATA */

/* Fields the image hash leaves out. */
#define AC_CHECKSUM_SIZE            4u
#define AC_DIR_ENTRY_SIZE           8u

/* Authenticode object identifiers; OpenSSL has no NIDs for them. */
#define AC_OID_SPC_INDIRECT_DATA    "1.3.6.1.4.1.311.2.1.4"
#define AC_OID_SPC_PE_IMAGE_DATA    "1.3.6.1.4.1.311.2.1.15"
#define AC_OID_NESTED_SIGNATURE     "1.3.6.1.4.1.311.2.4.1"
#define AC_OID_RFC3161_TIMESTAMP    "1.3.6.1.4.1.311.3.3.1"
#define AC_OID_TEXT_MAX             80

/* Header bytes read first from a file, and the most rounds of reading
 * more that the sniffer can ask for (4096 bytes, e_lfanew + the decision
 * span, the end of the file). */
#define AC_HEAD_READ                4096u
#define AC_HEAD_ROUNDS              4
/* Block size of the streamed image hash and of the repair's copy. */
#define AC_HASH_BLOCK               (64u * 1024u)
/* The largest file a --certs argument may name. */
#define AC_CERT_FILE_MAX            (4u * 1024u * 1024u)

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

/* The lookup pool: certificates, and for each the file it came from
 * (from[i] points into files[], one string per file). */
struct netexe_ac_certs {
    STACK_OF(X509) *x;
    const char **from;
    size_t from_cap;
    char **files;
    size_t nfiles, files_cap;
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

/* One check, or one repair pass, in progress. */
typedef struct {
    const netexe_ac_roots *roots;
    const netexe_ac_certs *certs;       /* lookup pool, or NULL */
    netexe_ac_result *res;
    ac_expect expect[NETEXE_AC_MAX_SIGNATURES];
    /* A repair pass: the issuers found are added and listed here.  NULL
     * while checking. */
    netexe_ac_repair *rep;
    int unresolved;                     /* repair: an issuer was not found */
    int oom;                            /* repair: OpenSSL could not add */
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


/* ---- the lookup pool ---------------------------------------------------- */

netexe_ac_certs *netexe_ac_certs_new(void)
{
    netexe_ac_certs *certs = calloc(1, sizeof(*certs));

    if (certs && !(certs->x = sk_X509_new_null())) {
        free(certs);
        certs = NULL;
    }
    return certs;
}

void netexe_ac_certs_free(netexe_ac_certs *certs)
{
    size_t i;

    if (!certs)
        return;
    sk_X509_pop_free(certs->x, X509_free);
    for (i = 0; i < certs->nfiles; i++)
        free(certs->files[i]);
    free(certs->files);
    free(certs->from);
    free(certs);
}

size_t netexe_ac_certs_count(const netexe_ac_certs *certs)
{
    return certs ? (size_t)sk_X509_num(certs->x) : 0;
}

/* Takes x (on success or failure) into the pool, from the file name. */
static int ac_certs_push(netexe_ac_certs *certs, X509 *x, const char *name)
{
    size_t n = (size_t)sk_X509_num(certs->x);

    if (n == certs->from_cap) {
        size_t cap = certs->from_cap ? 2 * certs->from_cap : 16;
        const char **grown = realloc(certs->from, cap * sizeof(*grown));
        if (!grown) {
            X509_free(x);
            return -1;
        }
        certs->from = grown;
        certs->from_cap = cap;
    }
    if (!sk_X509_push(certs->x, x)) {
        X509_free(x);
        return -1;
    }
    certs->from[n] = name;
    return 0;
}

/* Remembers a file name for the pool's lifetime. */
static const char *ac_certs_name(netexe_ac_certs *certs, const char *path)
{
    char *copy;

    if (certs->nfiles == certs->files_cap) {
        size_t cap = certs->files_cap ? 2 * certs->files_cap : 8;
        char **grown = realloc(certs->files, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        certs->files = grown;
        certs->files_cap = cap;
    }
    copy = strdup(path);
    if (copy)
        certs->files[certs->nfiles++] = copy;
    return copy;
}

/* Reads a whole small file.  NULL with errno set (EFBIG when it is larger
 * than AC_CERT_FILE_MAX). */
static unsigned char *ac_slurp(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    ac_source src;
    int saved;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (st.st_size > (off_t)AC_CERT_FILE_MAX) {
        errno = EFBIG;
        goto fail;
    }
    buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (!buf)
        goto fail;
    src.mem = NULL;
    src.fd = fd;
    src.size = (uint64_t)st.st_size;
    if (ac_read(&src, 0, buf, (size_t)st.st_size) != 0)
        goto fail;
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
fail:
    saved = errno;
    free(buf);
    close(fd);
    errno = saved;
    return NULL;
}

/* Adds the certificates of one file: every PEM certificate in it, or the
 * file as one DER certificate.  Returns how many, or -1 with errno. */
static int ac_certs_add_file(netexe_ac_certs *certs, const char *path)
{
    const unsigned char *p;
    const char *name;
    unsigned char *buf;
    size_t len;
    BIO *in;
    X509 *x;
    int added = 0;

    buf = ac_slurp(path, &len);
    if (!buf)
        return -1;
    name = ac_certs_name(certs, path);
    if (!name) {
        free(buf);
        errno = ENOMEM;
        return -1;
    }
    in = len <= INT_MAX ? BIO_new_mem_buf(buf, (int)len) : NULL;
    while (in && (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        if (ac_certs_push(certs, x, name) != 0) {
            added = -1;
            break;
        }
        added++;
    }
    BIO_free(in);
    if (added == 0 && len <= LONG_MAX) {
        p = buf;
        x = d2i_X509(NULL, &p, (long)len);
        if (x)
            added = ac_certs_push(certs, x, name) == 0 ? 1 : -1;
    }
    /* The PEM loop ends on "no start line", DER on garbage. */
    ERR_clear_error();
    free(buf);
    if (added < 0)
        errno = ENOMEM;
    return added;
}

int netexe_ac_certs_add(netexe_ac_certs *certs, const char *path, char *err,
                        size_t errlen)
{
    struct dirent **names;
    struct stat st;
    int n, i, added = 0, got, oom = 0;

    if (errlen > 0)
        err[0] = '\0';
    if (stat(path, &st) != 0) {
        if (errlen > 0)
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        got = ac_certs_add_file(certs, path);
        if (got < 0) {
            if (errlen > 0)
                snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            return -1;
        }
        if (got == 0) {
            if (errlen > 0)
                snprintf(err, errlen, "%s holds no PEM or DER certificate", path);
            return -1;
        }
        return got;
    }
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        if (errlen > 0)
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t plen = strlen(path), nlen = strlen(name);
        char *child;

        /* ".", ".." and hidden files are passed over, and so are files
         * that cannot be read or hold no certificate. */
        if (name[0] != '.' && !oom) {
            child = malloc(plen + nlen + 2);
            if (!child) {
                oom = 1;
            }
            else {
                memcpy(child, path, plen);
                if (plen > 0 && path[plen - 1] == '/')
                    plen--;
                child[plen] = '/';
                memcpy(child + plen + 1, name, nlen + 1);
                if (stat(child, &st) == 0 && S_ISREG(st.st_mode) &&
                    (got = ac_certs_add_file(certs, child)) > 0)
                    added += got;
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    if ((oom || added == 0) && errlen > 0)
        snprintf(err, errlen, oom ? "out of memory reading %s"
                                  : "%s holds no PEM or DER certificate",
                 path);
    return oom || added == 0 ? -1 : added;
}

/* The pool file a certificate of the pool came from, or NULL. */
static const char *ac_certs_from(const netexe_ac_certs *certs, const X509 *x)
{
    int i;

    if (!certs)
        return NULL;
    for (i = 0; i < sk_X509_num(certs->x); i++)
        if (sk_X509_value(certs->x, i) == x)
            return certs->from[i];
    return NULL;
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

/* 1 when stack holds a certificate equal to x. */
static int ac_holds(const STACK_OF(X509) *stack, const X509 *x)
{
    int i;

    for (i = 0; i < sk_X509_num(stack); i++)
        if (X509_cmp(sk_X509_value(stack, i), x) == 0)
            return 1;
    return 0;
}

/* Appends an issuer to sig->missing.  When the list is full, an issuer
 * that was found is left out and one that was not takes the last slot:
 * the list always ends where the chain stops. */
static void ac_note_missing(netexe_ac_signature *sig, const X509_NAME *dn,
                            const char *found_in)
{
    netexe_ac_missing *m;

    if (sig->missing_count == NETEXE_AC_MAX_MISSING) {
        if (found_in)
            return;
        m = &sig->missing[NETEXE_AC_MAX_MISSING - 1];
    }
    else {
        m = &sig->missing[sig->missing_count++];
    }
    ac_dn(dn, m->dn, sizeof(m->dn));
    m->found_in = found_in;
}

/* Names an added certificate in the repair report, once per subject. */
static void ac_report_added(netexe_ac_repair *rep, X509 *x)
{
    char dn[NETEXE_AC_TEXT_MAX];
    unsigned i;

    ac_dn(X509_get_subject_name(x), dn, sizeof(dn));
    for (i = 0; i < rep->added && i < NETEXE_AC_MAX_ADDED; i++)
        if (strcmp(rep->added_dn[i], dn) == 0)
            return;
    if (rep->added < NETEXE_AC_MAX_ADDED)
        memcpy(rep->added_dn[rep->added], dn, sizeof(dn));
    rep->added++;
}

/* The SignedData that carries a signer's certificates: an Authenticode
 * signature decoded as PKCS#7, or an RFC 3161 token decoded as CMS (its
 * certificate set may hold attribute certificates, which OpenSSL's PKCS#7
 * cannot decode). */
typedef struct {
    PKCS7 *p7;
    CMS_ContentInfo *cms;
    const STACK_OF(X509) *embedded;     /* its X.509 certificates */
} ac_holder;

/* Builds the chain from signer over the certificates embedded in holder,
 * the lookup pool and the roots.  Returns COMPLETE, INCOMPLETE (with
 * missing[], missing_issuer and aia_uri) or MALFORMED when OpenSSL fails.
 * In a repair pass, when the chain reaches its end, the certificates it
 * took from the pool are added to holder and *changed is set. */
static netexe_ac_state ac_chain(ac_run *run, netexe_ac_signature *sig,
                                X509 *signer, const ac_holder *holder,
                                int *changed)
{
    const STACK_OF(X509) *embedded = holder->embedded;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *anchors = NULL, *untrusted = NULL, *found = NULL, *chain;
    ac_chain_note note = { 0 };
    netexe_ac_state state = NETEXE_AC_MALFORMED;
    int i, n, untrusted_in_chain;

    if (!ctx)
        goto done;
    untrusted = embedded ? sk_X509_dup(embedded) : sk_X509_new_null();
    found = sk_X509_new_null();
    if (!untrusted || !found)
        goto done;
    if (run->certs)
        for (i = 0; i < sk_X509_num(run->certs->x); i++)
            if (!sk_X509_push(untrusted, sk_X509_value(run->certs->x, i)))
                goto done;
    /* An empty trusted stack rather than none: without one OpenSSL would
     * look in a store, and there is none. */
    anchors = run->roots ? NULL : sk_X509_new_null();
    if (!run->roots && !anchors)
        goto done;
    if (!X509_STORE_CTX_init(ctx, NULL, signer, untrusted))
        goto done;
    X509_STORE_CTX_set0_trusted_stack(ctx, run->roots ? run->roots->certs : anchors);
    /* NO_CHECK_TIME: an old release is still complete.  PARTIAL_CHAIN: a
     * certificate named in --roots ends the chain even when it is not
     * self-signed. */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME |
                                  X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    X509_STORE_CTX_set_verify_cb(ctx, ac_verify_cb);
    X509_STORE_CTX_set_app_data(ctx, &note);

    (void)X509_verify_cert(ctx);

    /* chain[0] is the signer; the certificates found among the untrusted
     * ones follow, then those that came from the roots. */
    chain = X509_STORE_CTX_get0_chain(ctx);
    n = chain ? sk_X509_num(chain) : 0;
    untrusted_in_chain = X509_STORE_CTX_get_num_untrusted(ctx);
    for (i = 1; i < n && i < untrusted_in_chain; i++) {
        X509 *x = sk_X509_value(chain, i);
        if (ac_holds(embedded, x))
            continue;
        if (!sk_X509_push(found, x))
            goto done;
        ac_note_missing(sig, X509_get_subject_name(x), ac_certs_from(run->certs, x));
    }
    if (note.missing) {
        X509 *last = n > 0 ? sk_X509_value(chain, n - 1) : signer;
        ac_note_missing(sig, X509_get_issuer_name(last), NULL);
        ac_aia_ca_issuers(last, sig->aia_uri, sizeof(sig->aia_uri));
    }
    state = sig->missing_count > 0 ? NETEXE_AC_INCOMPLETE : NETEXE_AC_COMPLETE;
    if (state == NETEXE_AC_INCOMPLETE)
        memcpy(sig->missing_issuer, sig->missing[0].dn, sizeof(sig->missing_issuer));

    if (run->rep && state == NETEXE_AC_INCOMPLETE) {
        if (note.missing)
            run->unresolved = 1;
        for (i = 0; !note.missing && i < sk_X509_num(found); i++) {
            X509 *x = sk_X509_value(found, i);
            if (holder->p7 ? !PKCS7_add_certificate(holder->p7, x)
                           : !CMS_add1_cert(holder->cms, x)) {
                run->oom = 1;
                break;
            }
            ac_report_added(run->rep, x);
            *changed = 1;
        }
    }
done:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(anchors);
    sk_X509_free(untrusted);
    sk_X509_free(found);
    return state;
}

/* Takes the next entry of res->sig[], or NULL when they are used up (the
 * file is then malformed). */
static netexe_ac_signature *ac_new_sig(ac_run *run, netexe_ac_kind kind,
                                       unsigned depth, unsigned stamps)
{
    netexe_ac_result *res = run->res;
    netexe_ac_signature *sig;

    if (res->count >= NETEXE_AC_MAX_SIGNATURES) {
        res->reason = "more signatures than the checker records";
        res->state = NETEXE_AC_MALFORMED;
        return NULL;
    }
    sig = &res->sig[res->count];
    sig->state = NETEXE_AC_COMPLETE;
    sig->kind = kind;
    sig->depth = depth;
    sig->stamps = kind == NETEXE_AC_SIGNATURE ? res->count : stamps;
    res->count++;
    return sig;
}

static void ac_digest_name(netexe_ac_signature *sig, const EVP_MD *md)
{
    const char *name = OBJ_nid2ln(EVP_MD_get_type(md));

    if (name)
        ac_copy_text(sig->digest, sizeof(sig->digest), name, strlen(name));
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

static int ac_check_unauth(ac_run *run, PKCS7 *p7, PKCS7_SIGNER_INFO *si,
                           netexe_ac_signature *parent);

/* Checks one Authenticode SignedData: content, signer, PKCS#7 signature,
 * chain; records the image hash it expects; then its timestamps and the
 * signatures nested in it.  Returns 1 when a repair pass changed p7. */
static int ac_check_signature(ac_run *run, PKCS7 *p7, netexe_ac_signature *sig)
{
    ac_expect *expect = &run->expect[sig - run->res->sig];
    STACK_OF(PKCS7_SIGNER_INFO) *infos;
    STACK_OF(X509) *signers = NULL;
    netexe_spc_indirect *idc = NULL;
    ASN1_STRING *content;
    const unsigned char *p;
    const EVP_MD *md;
    BIO *signed_bytes = NULL;
    ac_holder holder;
    X509 *signer;
    long body_len;
    int tag, xclass, changed = 0;

    if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents ||
        !p7->d.sign->contents->type ||
        !ac_oid_is(p7->d.sign->contents->type, AC_OID_SPC_INDIRECT_DATA) ||
        !p7->d.sign->contents->d.other ||
        p7->d.sign->contents->d.other->type != V_ASN1_SEQUENCE) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "not Authenticode SignedData (SpcIndirectDataContent)");
        return 0;
    }
    sig->certificates = (unsigned)(p7->d.sign->cert ? sk_X509_num(p7->d.sign->cert) : 0);

    /* SpcIndirectDataContent: what is signed, the hash algorithm and the
     * signed hash. */
    content = p7->d.sign->contents->d.other->value.sequence;
    p = content->data;
    idc = (netexe_spc_indirect *)ASN1_item_d2i(NULL, &p, content->length,
                                               ASN1_ITEM_rptr(netexe_spc_indirect));
    if (!idc) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "SpcIndirectDataContent does not decode");
        goto done;
    }
    /* A signature made for another kind of file (a cabinet, a catalog)
     * says nothing about a PE image. */
    if (!ac_oid_is(idc->data->type, AC_OID_SPC_PE_IMAGE_DATA)) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "SpcIndirectDataContent is not PE image data (SpcPeImageData)");
        goto done;
    }
    md = EVP_get_digestbyobj(idc->message_digest->algorithm->algorithm);
    if (!md) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "unknown image hash algorithm");
        goto done;
    }
    ac_digest_name(sig, md);
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

    holder.p7 = p7;
    holder.cms = NULL;
    holder.embedded = p7->d.sign->cert;
    ac_fail(sig, ac_chain(run, sig, signer, &holder, &changed),
            "certificate chain could not be built");
    if (sig->state == NETEXE_AC_INCOMPLETE)
        sig->reason = NULL;

    changed |= ac_check_unauth(run, p7, sk_PKCS7_SIGNER_INFO_value(infos, 0), sig);
done:
    BIO_free(signed_bytes);
    sk_X509_free(signers);
    ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(netexe_spc_indirect));
    return changed;
}

/* Checks an RFC 3161 timestamp token of the signature whose SignerInfo is
 * stamped: a SignedData over TSTInfo, whose message imprint is the hash of
 * that signature's encryptedDigest, signed by a TSA whose chain is
 * embedded in the token.  Returns 1 when a repair pass changed cms. */
static int ac_check_token(ac_run *run, CMS_ContentInfo *cms,
                          netexe_ac_signature *sig,
                          const PKCS7_SIGNER_INFO *stamped)
{
    STACK_OF(CMS_SignerInfo) *infos;
    STACK_OF(X509) *embedded = NULL;
    ASN1_OCTET_STRING **content;
    const ASN1_OCTET_STRING *want;
    TS_TST_INFO *tst = NULL;
    TS_MSG_IMPRINT *imprint;
    const unsigned char *p;
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned got_len = 0;
    const EVP_MD *md;
    ac_holder holder;
    X509 *signer = NULL;
    int changed = 0;

    content = CMS_get0_content(cms);
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
        OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo ||
        !content || !*content) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "timestamp token is not SignedData over TSTInfo");
        return 0;
    }
    embedded = CMS_get1_certs(cms);
    sig->certificates = (unsigned)(embedded ? sk_X509_num(embedded) : 0);

    p = (*content)->data;
    tst = d2i_TS_TST_INFO(NULL, &p, (*content)->length);
    if (!tst) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "timestamp TSTInfo does not decode");
        goto done;
    }
    imprint = TS_TST_INFO_get_msg_imprint(tst);
    md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(imprint)->algorithm);
    if (!md) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "unknown timestamp hash algorithm");
        goto done;
    }
    ac_digest_name(sig, md);
    want = TS_MSG_IMPRINT_get_msg(imprint);
    if (!EVP_Digest(stamped->enc_digest->data, (size_t)stamped->enc_digest->length,
                    got, &got_len, md, NULL) ||
        (int)got_len != ASN1_STRING_length(want) ||
        memcmp(got, ASN1_STRING_get0_data(want), got_len) != 0)
        ac_fail(sig, NETEXE_AC_BAD_DIGEST, "timestamp does not stamp its signature");

    infos = CMS_get0_SignerInfos(cms);
    if (!infos || sk_CMS_SignerInfo_num(infos) != 1) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "timestamp token has not exactly one SignerInfo");
        goto done;
    }
    if (CMS_set1_signers_certs(cms, NULL, 0) < 0)
        ERR_clear_error();
    CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(infos, 0), NULL, &signer,
                             NULL, NULL);
    if (!signer) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "timestamp signer certificate is not embedded");
        goto done;
    }
    ac_dn(X509_get_subject_name(signer), sig->signer, sizeof(sig->signer));

    /* The content's digest against the messageDigest attribute and the
     * signature over the attributes; the chain by its own rules below. */
    if (CMS_verify(cms, NULL, NULL, NULL, NULL,
                   CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1)
        ac_fail(sig, NETEXE_AC_BAD_DIGEST,
                "timestamp signature does not verify with the TSA's certificate");

    holder.p7 = NULL;
    holder.cms = cms;
    holder.embedded = embedded;
    ac_fail(sig, ac_chain(run, sig, signer, &holder, &changed),
            "timestamp certificate chain could not be built");
    if (sig->state == NETEXE_AC_INCOMPLETE)
        sig->reason = NULL;
done:
    sk_X509_pop_free(embedded, X509_free);
    TS_TST_INFO_free(tst);
    return changed;
}

/* Checks a PKCS#9 countersignature (der, a SignerInfo) of the signature
 * whose SignerInfo is stamped: its messageDigest is the hash of that
 * signature's encryptedDigest, and its signer's certificates are those of
 * p7, the stamped SignedData.  Returns 1 when a repair pass changed p7. */
static int ac_check_countersignature(ac_run *run, PKCS7 *p7,
                                     const PKCS7_SIGNER_INFO *stamped,
                                     const ASN1_STRING *der,
                                     netexe_ac_signature *sig)
{
    const unsigned char *p = der->data;
    PKCS7_SIGNER_INFO *csi;
    unsigned char block[256];
    const EVP_MD *md;
    BIO *data = NULL, *hashed = NULL;
    ac_holder holder;
    X509 *signer;
    int changed = 0;

    csi = d2i_PKCS7_SIGNER_INFO(NULL, &p, der->length);
    if (!csi) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "countersignature does not decode");
        return 0;
    }
    sig->certificates = (unsigned)(p7->d.sign->cert ? sk_X509_num(p7->d.sign->cert) : 0);
    md = EVP_get_digestbyobj(csi->digest_alg->algorithm);
    if (!md) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "unknown countersignature hash algorithm");
        goto done;
    }
    ac_digest_name(sig, md);
    signer = X509_find_by_issuer_and_serial(p7->d.sign->cert,
                                            csi->issuer_and_serial->issuer,
                                            csi->issuer_and_serial->serial);
    if (!signer) {
        ac_fail(sig, NETEXE_AC_MALFORMED,
                "countersignature signer certificate (by issuer and serial) is not embedded");
        goto done;
    }
    ac_dn(X509_get_subject_name(signer), sig->signer, sizeof(sig->signer));

    /* What a countersignature signs is the stamped encryptedDigest; the
     * digest BIO over it is what PKCS7_signatureVerify compares with the
     * messageDigest attribute. */
    data = BIO_new_mem_buf(stamped->enc_digest->data, stamped->enc_digest->length);
    hashed = BIO_new(BIO_f_md());
    if (!data || !hashed || !BIO_set_md(hashed, md)) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "out of memory");
        goto done;
    }
    BIO_push(hashed, data);
    while (BIO_read(hashed, block, (int)sizeof(block)) > 0)
        ;
    if (PKCS7_signatureVerify(hashed, p7, csi, signer) != 1)
        ac_fail(sig, NETEXE_AC_BAD_DIGEST,
                "countersignature does not verify over its signature");

    holder.p7 = p7;
    holder.cms = NULL;
    holder.embedded = p7->d.sign->cert;
    ac_fail(sig, ac_chain(run, sig, signer, &holder, &changed),
            "countersignature certificate chain could not be built");
    if (sig->state == NETEXE_AC_INCOMPLETE)
        sig->reason = NULL;
done:
    if (hashed && BIO_next(hashed) == data)
        BIO_free_all(hashed);
    else {
        BIO_free(hashed);
        BIO_free(data);
    }
    PKCS7_SIGNER_INFO_free(csi);
    return changed;
}

/* Puts a new encoding into the attribute value t (a repair pass); takes
 * der. */
static int ac_store(ac_run *run, unsigned char *der, int n, ASN1_TYPE *t)
{
    ASN1_STRING *s = NULL;

    if (n <= 0 || !(s = ASN1_STRING_type_new(V_ASN1_SEQUENCE))) {
        OPENSSL_free(der);
        run->oom = 1;
        return 0;
    }
    ASN1_STRING_set0(s, der, n);
    ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);
    return 1;
}

/* One value of an unauthenticated attribute of si (the SignerInfo of p7,
 * whose entry is parent): a nested signature, an RFC 3161 token or a
 * countersignature.  Returns 1 when a repair pass changed p7 or the
 * attribute. */
static int ac_check_attribute(ac_run *run, PKCS7 *p7, PKCS7_SIGNER_INFO *si,
                              ASN1_TYPE *t, netexe_ac_kind kind,
                              const netexe_ac_signature *parent)
{
    unsigned index = (unsigned)(parent - run->res->sig);
    unsigned depth = parent->depth + (kind == NETEXE_AC_SIGNATURE);
    netexe_ac_signature *sig = ac_new_sig(run, kind, depth, index);
    const ASN1_STRING *der = t->value.sequence;
    const unsigned char *p = der->data;
    unsigned char *out = NULL;
    CMS_ContentInfo *cms;
    PKCS7 *inner;
    int changed;

    if (!sig)
        return 0;
    if (kind == NETEXE_AC_COUNTERSIGNATURE)
        return ac_check_countersignature(run, p7, si, der, sig);
    if (kind == NETEXE_AC_TIMESTAMP_RFC3161) {
        cms = d2i_CMS_ContentInfo(NULL, &p, der->length);
        if (!cms) {
            ac_fail(sig, NETEXE_AC_MALFORMED, "timestamp token does not decode");
            return 0;
        }
        changed = ac_check_token(run, cms, sig, si);
        if (changed) {
            int n = i2d_CMS_ContentInfo(cms, &out);
            changed = ac_store(run, out, n, t);
        }
        CMS_ContentInfo_free(cms);
        return changed;
    }
    inner = d2i_PKCS7(NULL, &p, der->length);
    if (!inner) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "PKCS#7 does not decode");
        return 0;
    }
    changed = ac_check_signature(run, inner, sig);
    if (changed) {
        int n = i2d_PKCS7(inner, &out);
        changed = ac_store(run, out, n, t);
    }
    PKCS7_free(inner);
    return changed;
}

/* Checks the timestamps, then the nested signatures, in the
 * unauthenticated attributes of si, the SignerInfo of p7 (whose entry is
 * parent).  Returns 1 when a repair pass changed p7 or an attribute. */
static int ac_check_unauth(ac_run *run, PKCS7 *p7, PKCS7_SIGNER_INFO *si,
                           netexe_ac_signature *parent)
{
    STACK_OF(X509_ATTRIBUTE) *attrs = si->unauth_attr;
    int pass, i, k, changed = 0;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < sk_X509_ATTRIBUTE_num(attrs); i++) {
            X509_ATTRIBUTE *attr = sk_X509_ATTRIBUTE_value(attrs, i);
            const ASN1_OBJECT *obj = X509_ATTRIBUTE_get0_object(attr);
            netexe_ac_kind kind;

            if (pass == 0 && ac_oid_is(obj, AC_OID_RFC3161_TIMESTAMP))
                kind = NETEXE_AC_TIMESTAMP_RFC3161;
            else if (pass == 0 && OBJ_obj2nid(obj) == NID_pkcs9_countersignature)
                kind = NETEXE_AC_COUNTERSIGNATURE;
            else if (pass == 1 && ac_oid_is(obj, AC_OID_NESTED_SIGNATURE))
                kind = NETEXE_AC_SIGNATURE;
            else
                continue;
            if (kind == NETEXE_AC_SIGNATURE && parent->depth + 1 > NETEXE_AC_MAX_DEPTH) {
                ac_fail(parent, NETEXE_AC_MALFORMED, "signatures nested too deep");
                return changed;
            }
            for (k = 0; k < X509_ATTRIBUTE_count(attr); k++) {
                ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(attr, k);
                if (!t || t->type != V_ASN1_SEQUENCE) {
                    ac_fail(parent, NETEXE_AC_MALFORMED,
                            kind == NETEXE_AC_SIGNATURE
                            ? "nested signature is not a SEQUENCE"
                            : "timestamp is not a SEQUENCE");
                    continue;
                }
                changed |= ac_check_attribute(run, p7, si, t, kind, parent);
            }
        }
    }
    return changed;
}

/* Checks the PKCS#7 of one table entry.  In a repair pass, *der gets its
 * new encoding when it changed (free it with OPENSSL_free), NULL
 * otherwise. */
static void ac_check_entry(ac_run *run, const unsigned char *blob, size_t len,
                           unsigned char **der, int *der_len)
{
    netexe_ac_signature *sig = ac_new_sig(run, NETEXE_AC_SIGNATURE, 0, 0);
    const unsigned char *p = blob;
    PKCS7 *p7;

    *der = NULL;
    *der_len = 0;
    if (!sig)
        return;
    if (len > LONG_MAX)
        len = LONG_MAX;
    p7 = d2i_PKCS7(NULL, &p, (long)len);
    if (!p7) {
        ac_fail(sig, NETEXE_AC_MALFORMED, "PKCS#7 does not decode");
        return;
    }
    if (ac_check_signature(run, p7, sig) && run->rep) {
        *der_len = i2d_PKCS7(p7, der);
        if (*der_len <= 0) {
            *der = NULL;
            run->oom = 1;
        }
    }
    PKCS7_free(p7);
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


/* ---- the whole check ---------------------------------------------------- */

static int ac_check(const ac_source *src, const netexe_ac_roots *roots,
                    const netexe_ac_certs *certs, unsigned flags,
                    netexe_ac_result *res)
{
    ac_run run;
    unsigned char *head = NULL, *table_copy = NULL, *der;
    const unsigned char *table;
    const char *reason = NULL;
    netexe_ac_state table_state;
    size_t head_len, pos = 0, found = 0;
    ac_entry e;
    int rc = -1, step, der_len;
    unsigned i;

    memset(res, 0, sizeof(*res));
    memset(&run, 0, sizeof(run));
    run.roots = roots;
    run.certs = certs;
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
        /* A check encodes nothing: der stays NULL. */
        ac_check_entry(&run, e.blob, e.blob_len, &der, &der_len);
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

/* ---- the repaired copy -------------------------------------------------- */

/* Where the copy goes: a file written in order (then its CheckSum with
 * pwrite()), or a growing buffer.  The PE checksum is summed on the way:
 * the 16-bit little-endian words of the file with end-around carry, plus
 * the file's length (as imagehlp's CheckSumMappedFile), the CheckSum field
 * itself being written as zeros first. */
typedef struct {
    int fd;                     /* -1: into mem */
    unsigned char *mem;
    size_t cap;
    uint64_t len;
    uint32_t sum;               /* folded to 16 bits after each word */
    unsigned char low;          /* the byte at an even offset, unpaired */
} ac_sink;

static void ac_sum_word(ac_sink *s, uint32_t word)
{
    s->sum += word;
    s->sum = (s->sum & 0xFFFFu) + (s->sum >> 16);
}

static int ac_sink_write(ac_sink *s, const unsigned char *p, size_t n)
{
    size_t i = 0;

    if (n == 0)
        return 0;
    if (s->fd < 0) {
        if (n > SIZE_MAX - (size_t)s->len) {
            errno = ENOMEM;
            return -1;
        }
        if ((size_t)s->len + n > s->cap) {
            size_t cap = s->cap ? s->cap : AC_HASH_BLOCK;
            unsigned char *grown;
            while (cap < (size_t)s->len + n)
                cap = cap > SIZE_MAX / 2 ? (size_t)s->len + n : 2 * cap;
            grown = realloc(s->mem, cap);
            if (!grown) {
                errno = ENOMEM;
                return -1;
            }
            s->mem = grown;
            s->cap = cap;
        }
        memcpy(s->mem + s->len, p, n);
    }
    else {
        const unsigned char *q = p;
        size_t left = n;
        while (left > 0) {
            ssize_t w = write(s->fd, q, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                if (w == 0)
                    errno = EIO;
                return -1;
            }
            q += w;
            left -= (size_t)w;
        }
    }
    if (s->len & 1u) {
        ac_sum_word(s, s->low | (uint32_t)p[0] << 8);
        i = 1;
    }
    for (; i + 1 < n; i += 2)
        ac_sum_word(s, p[i] | (uint32_t)p[i + 1] << 8);
    if (i < n)
        s->low = p[i];
    s->len += n;
    return 0;
}

static uint32_t ac_sink_checksum(const ac_sink *s)
{
    uint32_t sum = s->sum;

    if (s->len & 1u) {
        sum += s->low;
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    sum = (sum & 0xFFFFu) + (sum >> 16);
    return sum + (uint32_t)s->len;
}

static void ac_put_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void ac_put_u16le(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

/* Copies [off, off+n) of the source into the sink. */
static int ac_copy(const ac_source *src, ac_sink *sink, uint64_t off,
                   uint64_t n, unsigned char *block)
{
    if (src->mem)
        return ac_sink_write(sink, src->mem + off, (size_t)n);
    while (n > 0) {
        size_t chunk = n > AC_HASH_BLOCK ? AC_HASH_BLOCK : (size_t)n;
        if (ac_read(src, off, block, chunk) != 0 ||
            ac_sink_write(sink, block, chunk) != 0)
            return -1;
        off += chunk;
        n -= chunk;
    }
    return 0;
}

/* Appends one WIN_CERTIFICATE entry to the table being built in *out:
 * dwLength (given, or the padded length when 0), revision, type, body,
 * zeros up to the next 8-byte boundary. */
static int ac_table_append(unsigned char **out, size_t *len, size_t *cap,
                           uint32_t length, uint16_t revision, uint16_t type,
                           const unsigned char *body, size_t body_len)
{
    size_t padded;

    if (body_len > NETEXE_AC_TABLE_MAX + (size_t)AC_HASH_BLOCK) {
        errno = EFBIG;
        return -1;
    }
    padded = (AC_WIN_CERT_HEADER + body_len + AC_WIN_CERT_ALIGN - 1) /
             AC_WIN_CERT_ALIGN * AC_WIN_CERT_ALIGN;
    if (*len + padded > *cap) {
        size_t want = 2 * (*len + padded);
        unsigned char *grown = realloc(*out, want);
        if (!grown) {
            errno = ENOMEM;
            return -1;
        }
        *out = grown;
        *cap = want;
    }
    ac_put_u32le(*out + *len, length ? length : (uint32_t)padded);
    ac_put_u16le(*out + *len + 4, revision);
    ac_put_u16le(*out + *len + 6, type);
    memcpy(*out + *len + AC_WIN_CERT_HEADER, body, body_len);
    memset(*out + *len + AC_WIN_CERT_HEADER + body_len, 0,
           padded - AC_WIN_CERT_HEADER - body_len);
    *len += padded;
    return 0;
}

/* The repair pass over the table: each PKCS#7 entry is checked again with
 * run->rep set, so that the issuers found are added; an entry whose PKCS#7
 * changed is written with its new encoding, every other one as it was.
 * Returns 0 with the new table in *out (malloc'd), -1 with errno. */
static int ac_repair_table(ac_run *run, const unsigned char *table, size_t len,
                           unsigned char **out, size_t *out_len)
{
    const char *reason = NULL;
    size_t pos = 0, cap = 0;
    ac_entry e;
    int step, rc = 0;

    *out = NULL;
    *out_len = 0;
    while (rc == 0 && (step = ac_next_entry(table, len, &pos, &e, &reason)) > 0) {
        unsigned char *der = NULL;
        int der_len = 0;

        if (e.type == AC_WIN_CERT_TYPE_PKCS && e.revision == AC_WIN_CERT_REVISION_2_0)
            ac_check_entry(run, e.blob, e.blob_len, &der, &der_len);
        if (run->oom) {
            errno = ENOMEM;
            rc = -1;
        }
        else if (der) {
            rc = ac_table_append(out, out_len, &cap, 0, e.revision, e.type,
                                 der, (size_t)der_len);
        }
        else {
            rc = ac_table_append(out, out_len, &cap,
                                 (uint32_t)(e.blob_len + AC_WIN_CERT_HEADER),
                                 e.revision, e.type, e.blob, e.blob_len);
        }
        OPENSSL_free(der);
    }
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Writes the copy: the source around the new table, the table's size in
 * data directory 4, and last the CheckSum over it all. */
static int ac_write_copy(const ac_source *src, const pe_info *pe,
                         const unsigned char *table, size_t table_len,
                         ac_sink *sink)
{
    uint64_t table_end = (uint64_t)pe->cert_offset + pe->cert_size;
    uint64_t after_sum = (uint64_t)pe->checksum_offset + AC_CHECKSUM_SIZE;
    uint64_t size_field = (uint64_t)pe->cert_dir_offset + 4u;
    unsigned char word[4], *block = NULL;
    int rc = -1;

    if (!src->mem && !(block = malloc(AC_HASH_BLOCK))) {
        errno = ENOMEM;
        return -1;
    }
    memset(word, 0, sizeof(word));
    if (ac_copy(src, sink, 0, pe->checksum_offset, block) != 0 ||
        ac_sink_write(sink, word, sizeof(word)) != 0 ||
        ac_copy(src, sink, after_sum, size_field - after_sum, block) != 0)
        goto done;
    ac_put_u32le(word, (uint32_t)table_len);
    if (ac_sink_write(sink, word, sizeof(word)) != 0 ||
        ac_copy(src, sink, size_field + 4u,
                pe->cert_offset - (size_field + 4u), block) != 0 ||
        ac_sink_write(sink, table, table_len) != 0 ||
        ac_copy(src, sink, table_end, src->size - table_end, block) != 0)
        goto done;
    ac_put_u32le(word, ac_sink_checksum(sink));
    if (sink->fd < 0) {
        memcpy(sink->mem + pe->checksum_offset, word, sizeof(word));
    }
    else {
        ssize_t w;
        do
            w = pwrite(sink->fd, word, sizeof(word), (off_t)pe->checksum_offset);
        while (w < 0 && errno == EINTR);
        if (w != (ssize_t)sizeof(word)) {
            if (w >= 0)
                errno = EIO;
            goto done;
        }
    }
    rc = 0;
done:
    free(block);
    return rc;
}

static void ac_refuse(netexe_ac_repair *rep, const char *prefix,
                      const char *what, const char *detail)
{
    rep->outcome = NETEXE_AC_REPAIR_REFUSED;
    rep->added = 0;
    snprintf(rep->why, sizeof(rep->why), "%s%s%s", prefix, what,
             detail ? detail : "");
}

netexe_ac_repair_outcome netexe_ac_repairable(const netexe_ac_result *res,
                                              char *why, size_t cap)
{
    const netexe_ac_signature *s = netexe_ac_worst(res);
    unsigned i;

    if (cap > 0)
        why[0] = '\0';
    switch (res->state) {
    case NETEXE_AC_NOT_PE:
    case NETEXE_AC_UNSIGNED:
    case NETEXE_AC_COMPLETE:
        return NETEXE_AC_REPAIR_NOT_NEEDED;
    case NETEXE_AC_BAD_DIGEST:
    case NETEXE_AC_MALFORMED:
        if (cap > 0)
            snprintf(why, cap, "signed:%s (%s)", netexe_ac_state_name(res->state),
                     res->reason ? res->reason
                     : s && s->reason ? s->reason : "no reason given");
        return NETEXE_AC_REPAIR_REFUSED;
    case NETEXE_AC_INCOMPLETE:
        break;
    }
    for (i = 0; i < res->count; i++) {
        const netexe_ac_missing *last;
        s = &res->sig[i];
        if (s->state != NETEXE_AC_INCOMPLETE || s->missing_count == 0)
            continue;
        last = &s->missing[s->missing_count - 1];
        if (last->found_in)
            continue;
        if (cap > 0)
            snprintf(why, cap, "%smissing issuer \"%s\" is in no --certs file",
                     s->kind == NETEXE_AC_SIGNATURE ? "" : "timestamp: ", last->dn);
        return NETEXE_AC_REPAIR_REFUSED;
    }
    return NETEXE_AC_REPAIR_DONE;
}

static int ac_repair(const ac_source *src, ac_sink *sink,
                     const netexe_ac_roots *roots, const netexe_ac_certs *certs,
                     netexe_ac_repair *rep)
{
    netexe_ac_result *before = &rep->before;
    const netexe_ac_signature *s;
    const pe_info *pe = &before->pe;
    unsigned char *table = NULL, *new_table = NULL;
    char text[NETEXE_AC_TEXT_MAX + 64];
    size_t new_len = 0;
    ac_source copy;
    ac_run run;
    int rc = -1;

    memset(rep, 0, sizeof(*rep));
    if (ac_check(src, roots, certs, 0, before) != 0)
        return -1;
    rep->outcome = netexe_ac_repairable(before, rep->why, sizeof(rep->why));
    if (rep->outcome != NETEXE_AC_REPAIR_DONE)
        return 0;
    /* Until the copy checks complete. */
    rep->outcome = NETEXE_AC_REPAIR_REFUSED;
    /* The copy keeps the table where it is and rewrites two fields before
     * it: the CheckSum, then the size in data directory 4. */
    if (pe->checksum_offset == 0 ||
        pe->checksum_offset + AC_CHECKSUM_SIZE > pe->cert_dir_offset) {
        ac_refuse(rep, "", "the PE headers have no CheckSum before data directory 4", NULL);
        return 0;
    }

    table = malloc(pe->cert_size);
    if (!table) {
        errno = ENOMEM;
        goto done;
    }
    if (ac_read(src, pe->cert_offset, table, pe->cert_size) != 0)
        goto done;
    memset(&run, 0, sizeof(run));
    memset(&rep->after, 0, sizeof(rep->after));
    run.roots = roots;
    run.certs = certs;
    run.res = &rep->after;
    run.rep = rep;
    if (ac_repair_table(&run, table, pe->cert_size, &new_table, &new_len) != 0)
        goto done;
    if (run.unresolved) {
        ac_refuse(rep, "", "an issuer found by the check was not found again", NULL);
        rc = 0;
        goto done;
    }
    if (new_len > UINT32_MAX - pe->cert_offset) {
        ac_refuse(rep, "", "the new certificate table does not fit in the file format", NULL);
        rc = 0;
        goto done;
    }
    if (ac_write_copy(src, pe, new_table, new_len, sink) != 0)
        goto done;

    copy.mem = sink->fd < 0 ? sink->mem : NULL;
    copy.fd = sink->fd;
    copy.size = sink->len;
    if (ac_check(&copy, roots, NULL, 0, &rep->after) != 0)
        goto done;
    if (rep->after.state == NETEXE_AC_COMPLETE) {
        rep->outcome = NETEXE_AC_REPAIR_DONE;
    }
    else {
        s = netexe_ac_worst(&rep->after);
        snprintf(text, sizeof(text), "the repaired copy checks %s (%s)",
                 netexe_ac_state_name(rep->after.state),
                 s && s->reason ? s->reason : s ? s->missing_issuer : "");
        ac_refuse(rep, "", text, NULL);
    }
    rc = 0;
done:
    free(table);
    free(new_table);
    ERR_clear_error();
    return rc;
}

/* ---- the interface ------------------------------------------------------ */

int netexe_ac_check_buffer_certs(const unsigned char *buf, size_t len,
                                 const netexe_ac_roots *roots,
                                 const netexe_ac_certs *certs, unsigned flags,
                                 netexe_ac_result *res)
{
    static const unsigned char empty[1] = { 0 };
    ac_source src;

    src.mem = buf ? buf : empty;
    src.fd = -1;
    src.size = buf ? len : 0;
    return ac_check(&src, roots, certs, flags, res);
}

int netexe_ac_check_buffer(const unsigned char *buf, size_t len,
                           const netexe_ac_roots *roots, unsigned flags,
                           netexe_ac_result *res)
{
    return netexe_ac_check_buffer_certs(buf, len, roots, NULL, flags, res);
}

int netexe_ac_check_fd_certs(int fd, uint64_t size,
                             const netexe_ac_roots *roots,
                             const netexe_ac_certs *certs, unsigned flags,
                             netexe_ac_result *res)
{
    ac_source src;

    src.mem = NULL;
    src.fd = fd;
    src.size = size;
    return ac_check(&src, roots, certs, flags, res);
}

int netexe_ac_check_fd(int fd, uint64_t size, const netexe_ac_roots *roots,
                       unsigned flags, netexe_ac_result *res)
{
    return netexe_ac_check_fd_certs(fd, size, roots, NULL, flags, res);
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

int netexe_ac_repair_fd(int fd, uint64_t size, int out_fd,
                        const netexe_ac_roots *roots,
                        const netexe_ac_certs *certs, netexe_ac_repair *rep)
{
    ac_source src;
    ac_sink sink;

    src.mem = NULL;
    src.fd = fd;
    src.size = size;
    memset(&sink, 0, sizeof(sink));
    sink.fd = out_fd;
    return ac_repair(&src, &sink, roots, certs, rep);
}

int netexe_ac_repair_buffer(const unsigned char *buf, size_t len,
                            const netexe_ac_roots *roots,
                            const netexe_ac_certs *certs,
                            unsigned char **out, size_t *out_len,
                            netexe_ac_repair *rep)
{
    static const unsigned char empty[1] = { 0 };
    ac_source src;
    ac_sink sink;
    int rc;

    *out = NULL;
    *out_len = 0;
    src.mem = buf ? buf : empty;
    src.fd = -1;
    src.size = buf ? len : 0;
    memset(&sink, 0, sizeof(sink));
    sink.fd = -1;
    rc = ac_repair(&src, &sink, roots, certs, rep);
    if (rc == 0 && rep->outcome == NETEXE_AC_REPAIR_DONE) {
        *out = sink.mem;
        *out_len = (size_t)sink.len;
    }
    else {
        free(sink.mem);
    }
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

const char *netexe_ac_kind_name(netexe_ac_kind kind)
{
    switch (kind) {
    case NETEXE_AC_SIGNATURE:           return "signature";
    case NETEXE_AC_TIMESTAMP_RFC3161:   return "timestamp";
    case NETEXE_AC_COUNTERSIGNATURE:    return "countersignature";
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
