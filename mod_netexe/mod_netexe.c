/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * mod_netexe.c -- makes browsers save .NET executables instead of running
 * them.
 *
 * The NETEXE output filter looks at the first bytes of a response.  When
 * they are a PE image with a CLR (.NET) runtime header (DESIGN.md section
 * 2, implemented by pe.c) it adds
 *
 *     Content-Disposition: attachment; filename="NAME"
 *
 * before anything is sent.  Body bytes are never changed, and static files
 * keep sendfile: FILE buckets are peeked with pread(2), never read, at
 * offset 0 and where e_lfanew puts the PE header.  A streamed body is held,
 * its bytes copied once into one buffer, up to NetExeSniffLimit.  An
 * encoded body (Content-Encoding gzip, deflate, br, zstd, stacked) is
 * decoded by decode.c only as far as the decision needs.  The filter runs
 * after the other content-set filters (mod_deflate, mod_headers' fixups)
 * and judges the headers and bytes the client receives.
 *
 * Configuration (server, virtual host, directory, .htaccess with
 * AllowOverride FileInfo):
 *
 *     NetExe On                 insert the filter for every response
 *     NetExeMatch clr|pe        CLR images only (default), or every PE image
 *     NetExeOverride Off|On     replace an existing Content-Disposition
 *     NetExeFilename On|Off     add the filename parameter
 *     NetExeSniffLimit 65536    most bytes of a streamed body held
 *
 * The filter is also registered as NETEXE for SetOutputFilter,
 * AddOutputFilter and FilterProvider; inserting it explicitly turns it on
 * for those responses whatever "NetExe" says.  The environment variable
 * no-netexe turns it off for a request.  The verdict is left in the request
 * note "netexe" (clr, native, not-pe, unknown, skipped) for %{netexe}n.
 *
 * Signature warnings (server, virtual host, directory; not .htaccess):
 *
 *     NetExeSignatureCheck Off|On     check the Authenticode signature of
 *                                     the PE files the filter sees
 *     NetExeTrustedRoots roots.pem    roots that end a chain (server and
 *                                     virtual host; ServerRoot-relative)
 *     NetExeSignatureCache shmcb      where results are shared (server
 *                                     config only): none, or a socache
 *                                     provider: shmcb[:path(size)],
 *                                     memcache:host:port[,...],
 *                                     redis:host:port[,...]
 *
 * With NetExeSignatureCheck On, a static file that the filter finds to be
 * a PE image (CLR or native, whatever NetExeMatch says) is checked by
 * authenticode.c on the FILE bucket's own descriptor, digest included,
 * once per file version (device, inode, size, mtime) and set of trusted
 * roots.  Each child process remembers results in a bounded cache of its
 * own; with a socache (shmcb by default when mod_socache_shmcb is loaded)
 * the processes of the server, or every server sharing a memcached or
 * Redis, also share them: one process analyses a new version while the
 * others wait for its result, bounded by NETEXE_SIG_PENDING_TTL.  An
 * incomplete chain, a bad digest or a malformed signature is logged once
 * at warning level by the process that analysed it; the state goes into
 * the note "netexe-signature" (unsigned, complete, incomplete, bad-digest,
 * malformed) of every such request.  The response itself is never changed
 * or refused.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "httpd.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "util_mutex.h"

#include "apr_buckets.h"
#include "apr_file_info.h"
#include "apr_file_io.h"
#include "apr_general.h"
#include "apr_global_mutex.h"
#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_portable.h"
#include "apr_strings.h"
#include "apr_tables.h"
#if APR_HAS_THREADS
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#endif

#include <openssl/evp.h>

#include "pe.h"
#include "decode.h"
#include "disposition.h"
#include "authenticode.h"

#define NETEXE_FILTER_NAME      "NETEXE"
#define NETEXE_CD_FILTER_NAME   "NETEXE_CD"
#define NETEXE_NOTE             "netexe"
#define NETEXE_ENV_OFF          "no-netexe"

#define NETEXE_VERDICT_CLR      "clr"
#define NETEXE_VERDICT_NATIVE   "native"
#define NETEXE_VERDICT_NOT_PE   "not-pe"
#define NETEXE_VERDICT_UNKNOWN  "unknown"
#define NETEXE_VERDICT_SKIPPED  "skipped"

/* The Authenticode state of a checked file, for %{netexe-signature}n. */
#define NETEXE_SIG_NOTE         "netexe-signature"

/* File versions whose signature state a child process remembers.  Beyond
 * this the oldest entry is dropped (round robin): a version seen again
 * after that is analysed, and warned about, once more. */
#define NETEXE_SIG_CACHE_ENTRIES    1024

/* The file metadata that names a version of a file. */
#define NETEXE_SIG_FINFO_WANTED \
    (APR_FINFO_DEV | APR_FINFO_INODE | APR_FINFO_SIZE | APR_FINFO_MTIME)

/* NetExeSignatureCache.  The consumer name given to the socache provider:
 * the prefix of memcache and Redis keys and part of shmcb's default file
 * name (at most 14 characters: memcache and Redis add ":" and a NUL to
 * fit 16).  The mutex type, for "Mutex ... netexe-sigcache", serialises
 * providers that are not safe across processes (shmcb). */
#define NETEXE_SIG_CACHE_NAME       "netexe-sig"
#define NETEXE_SIG_MUTEX_TYPE       "netexe-sigcache"
#define NETEXE_SIG_DEFAULT_PROVIDER "shmcb"

/* The SHA-256 of the NetExeTrustedRoots file, part of the shared key: the
 * same file version under other roots is another question. */
#define NETEXE_SIG_DIGEST_LEN       32
/* Bytes of the roots file hashed at a time. */
#define NETEXE_SIG_ROOTS_CHUNK      16384

/* The shared key: a byte mixed from the rest, a format byte, then device,
 * inode, size and mtime as 64-bit little-endian numbers, then the roots
 * digest.  shmcb picks one of its subcaches by the key's first byte, so
 * that byte must vary from key to key, or every entry would crowd into
 * one subcache.  The format byte changes whenever what an analysis finds
 * changes, so that servers of another release sharing a memcached do not
 * take each other's results. */
#define NETEXE_SIG_ID_FORMAT        1
#define NETEXE_SIG_ID_FIELDS        2
#define NETEXE_SIG_ID_LEN           (NETEXE_SIG_ID_FIELDS + 4 * 8 \
                                     + NETEXE_SIG_DIGEST_LEN)
/* FNV-1a, 32 bits, for the first byte. */
#define NETEXE_SIG_FNV_OFFSET       2166136261u
#define NETEXE_SIG_FNV_PRIME        16777619u

/* Shared values are text: "S:" and the state's number (netexe_ac_state,
 * at most NETEXE_SIG_STATE_MAX) once analysed, or "P:" and the analysing
 * request's token while it runs. */
#define NETEXE_SIG_STATE_MAX        255
#define NETEXE_SIG_VALUE_STATE      "S:"
#define NETEXE_SIG_VALUE_PENDING    "P:"
#define NETEXE_SIG_VALUE_PREFIX_LEN 2
#define NETEXE_SIG_VALUE_MAX        64
#define NETEXE_SIG_TOKEN_BYTES      8

/* How long a shared result is kept: a version still served after a day is
 * analysed, and warned about, once more (memcache allows up to 30 days). */
#define NETEXE_SIG_SHARED_TTL       apr_time_from_sec(86400)
/* How long a claim to analyse a version stands, and so the longest a
 * request waits for another process's analysis: a process that died
 * while analysing holds the others up no longer than this (memcache and
 * Redis count whole seconds). */
#define NETEXE_SIG_PENDING_TTL      apr_time_from_sec(30)
/* Polling for another process's result: from the first pause, doubled up
 * to the last. */
#define NETEXE_SIG_POLL_FIRST       apr_time_from_msec(5)
#define NETEXE_SIG_POLL_LAST        apr_time_from_msec(100)
/* memcache and Redis cannot add a key only when it is absent: a claim
 * there is stored, left this long for claims made at the same moment to
 * land, and read back; the last one stored wins. */
#define NETEXE_SIG_CLAIM_SETTLE     apr_time_from_msec(20)

#define NETEXE_SNIFF_LIMIT_DEFAULT  65536
#define NETEXE_SNIFF_LIMIT_MIN      512
#define NETEXE_SNIFF_LIMIT_MAX      (16 * 1024 * 1024)

/* Bytes taken from a bucket at a time, at least.  Real images decide
 * within e_lfanew + 0x100 bytes, and e_lfanew is typically 0x80 or 0xF8:
 * one peek of this size usually decides, instead of one per field. */
#define NETEXE_READ_AHEAD       512

/* An encoded static file is read through the decoder in pieces of this
 * size, and no further than NETEXE_ENCODED_FILE_MAX bytes (as far as the
 * loader looks for a PE header): its coded bytes are not held, but
 * decoding costs time. */
#define NETEXE_FILE_CHUNK       4096
#define NETEXE_ENCODED_FILE_MAX ((apr_size_t)PE_LFANEW_MAX + 1)

/* The bytes read at e_lfanew: up to data directory 14 of a PE32+ header. */
#define NETEXE_WINDOW           PE_DECISION_SPAN_PE32PLUS

/* Runs after resource filters (INCLUDES, ...) and, being inserted last
 * among filters of its type, after DEFLATE, BROTLI and mod_headers'
 * FIXUP_HEADERS_OUT (AP_FTYPE_CONTENT_SET, in insertion order): it judges
 * the headers and the bytes a client receives, decoding what a compressor
 * encoded.  Before mod_cache's CACHE_SAVE (AP_FTYPE_CONTENT_SET + 1), so
 * that a stored copy carries the header. */
#define NETEXE_FILTER_TYPE      AP_FTYPE_CONTENT_SET

/* NETEXE_CD is inserted when the header is set, after every filter of the
 * content-set stage already in place (mod_headers' output fixups among
 * them) and before mod_cache's CACHE_SAVE (AP_FTYPE_CONTENT_SET + 1), so
 * that what is sent and what is stored both carry one value. */
#define NETEXE_CD_FILTER_TYPE   AP_FTYPE_CONTENT_SET

/* For the few functions on every response's path that the compiler would
 * otherwise call: a static file decides in their first pass. */
#if defined(__GNUC__)
#define NETEXE_HOT_INLINE   __attribute__((always_inline)) APR_INLINE
#else
#define NETEXE_HOT_INLINE   APR_INLINE
#endif

/* AP_DECLARE_MODULE at the end also does APLOG_USE_MODULE(netexe): every
 * log line of this file carries the module, so "LogLevel netexe:debug"
 * works. */
module AP_MODULE_DECLARE_DATA netexe_module;

typedef enum {
    NETEXE_MATCH_CLR = 0,       /* the header for CLR images only */
    NETEXE_MATCH_PE             /* the header for every PE image */
} netexe_match;

/* Per-directory configuration; the server's own lookup defaults use it
 * too, so a directive at server level reaches every vhost and directory.
 * A field counts only when its *_set flag is on (merged like mod_buffer). */
typedef struct {
    int          enabled;
    netexe_match match;
    int          override;
    int          filename;
    apr_size_t   sniff_limit;
    int          sigcheck;      /* NetExeSignatureCheck */

    unsigned int enabled_set:1;
    unsigned int match_set:1;
    unsigned int override_set:1;
    unsigned int filename_set:1;
    unsigned int sniff_limit_set:1;
    unsigned int sigcheck_set:1;
} netexe_dir_conf;

/* One version of a file, checked against one set of roots: the key of the
 * signature cache.  Zeroed before it is filled, so that padding compares
 * equal in the hash. */
typedef struct {
    apr_dev_t                dev;
    apr_ino_t                inode;
    apr_off_t                size;
    apr_time_t               mtime;
    const netexe_ac_roots   *roots;
} netexe_sig_key;

typedef struct {
    netexe_sig_key  key;
    netexe_ac_state state;
    unsigned int    used:1;     /* in the index */
    unsigned int    pending:1;  /* a thread is analysing this version */
} netexe_sig_entry;

/* The per-process memory of analysed file versions.  Its size is
 * bounded: a fixed array of entries made when the child starts, and an
 * index of at most as many nodes, which apr_hash recycles as entries come
 * and go.  Every field is
 * used under the lock; the analysis itself runs without it, so that files
 * are checked in parallel, while a request for a version that another
 * thread is analysing waits for that one result instead of repeating it. */
typedef struct {
    apr_hash_t       *index;    /* netexe_sig_key -> entry of slots */
    netexe_sig_entry *slots;    /* NETEXE_SIG_CACHE_ENTRIES */
    apr_size_t        next;     /* the slot to reuse next */
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
    apr_thread_cond_t  *done;   /* broadcast when an analysis ends */
#endif
} netexe_sig_cache;

/* The socache where processes share analysed file versions
 * (NetExeSignatureCache): made when the directive is read (or by
 * post_config for the default), initialised by post_config, its mutex
 * reattached by child_init. */
typedef struct {
    const char                  *spec;      /* "shmcb", "memcache:h:p", ... */
    const ap_socache_provider_t *provider;
    ap_socache_instance_t       *instance;
    apr_global_mutex_t          *mutex;     /* AP_SOCACHE_FLAG_NOTMPSAFE
                                             * providers only, else NULL */
    server_rec                  *s;         /* for the provider's destroy */
} netexe_sig_shared;

/* Per-server configuration: the trusted roots, and in a child process the
 * signature cache that every server of that process shares. */
typedef struct {
    netexe_ac_roots   *roots;       /* loaded at configuration time */
    /* SHA-256 of the roots file's bytes; zero without roots */
    unsigned char      roots_digest[NETEXE_SIG_DIGEST_LEN];
    netexe_sig_cache  *cache;       /* set by child_init, or NULL */
    /* NetExeSignatureCache, read in the main server; post_config gives
     * every server the one in use (NULL: per process only). */
    netexe_sig_shared *shared;
    ap_filter_rec_t   *frec;        /* NETEXE, set by post_config */
    ap_filter_rec_t   *cd_frec;     /* NETEXE_CD, set by post_config */

    unsigned int roots_set:1;
    unsigned int sigcheck_used:1;   /* NetExeSignatureCheck On seen here */
    unsigned int shared_set:1;      /* NetExeSignatureCache seen here */
} netexe_server_conf;

static void *netexe_create_dir_conf(apr_pool_t *p, char *dummy)
{
    netexe_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dummy;
    conf->enabled = 0;
    conf->match = NETEXE_MATCH_CLR;
    conf->override = 0;
    conf->filename = 1;
    conf->sniff_limit = NETEXE_SNIFF_LIMIT_DEFAULT;
    conf->sigcheck = 0;
    return conf;
}

static void *netexe_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    netexe_dir_conf *new = apr_pcalloc(p, sizeof(*new));
    netexe_dir_conf *base = basev;
    netexe_dir_conf *add = addv;

    new->enabled = add->enabled_set ? add->enabled : base->enabled;
    new->enabled_set = add->enabled_set || base->enabled_set;
    new->match = add->match_set ? add->match : base->match;
    new->match_set = add->match_set || base->match_set;
    new->override = add->override_set ? add->override : base->override;
    new->override_set = add->override_set || base->override_set;
    new->filename = add->filename_set ? add->filename : base->filename;
    new->filename_set = add->filename_set || base->filename_set;
    new->sniff_limit = add->sniff_limit_set ? add->sniff_limit
                                            : base->sniff_limit;
    new->sniff_limit_set = add->sniff_limit_set || base->sniff_limit_set;
    new->sigcheck = add->sigcheck_set ? add->sigcheck : base->sigcheck;
    new->sigcheck_set = add->sigcheck_set || base->sigcheck_set;
    return new;
}

static void *netexe_create_server_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(netexe_server_conf));
}

static void *netexe_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    netexe_server_conf *new = apr_pcalloc(p, sizeof(*new));
    netexe_server_conf *base = basev;
    netexe_server_conf *add = addv;

    new->roots = add->roots_set ? add->roots : base->roots;
    memcpy(new->roots_digest, add->roots_set ? add->roots_digest
                                             : base->roots_digest,
           sizeof(new->roots_digest));
    new->roots_set = add->roots_set || base->roots_set;
    /* Server config only: a virtual host has the main server's. */
    new->shared = base->shared;
    new->shared_set = base->shared_set;
    new->sigcheck_used = add->sigcheck_used || base->sigcheck_used;
    return new;
}

static const char *netexe_set_enabled(cmd_parms *cmd, void *dconf, int flag)
{
    netexe_dir_conf *conf = dconf;

    (void)cmd;
    conf->enabled = flag;
    conf->enabled_set = 1;
    return NULL;
}

static const char *netexe_set_match(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    netexe_dir_conf *conf = dconf;

    (void)cmd;
    if (!strcasecmp(arg, "clr")) {
        conf->match = NETEXE_MATCH_CLR;
    }
    else if (!strcasecmp(arg, "pe")) {
        conf->match = NETEXE_MATCH_PE;
    }
    else {
        return "NetExeMatch must be 'clr' or 'pe'";
    }
    conf->match_set = 1;
    return NULL;
}

static const char *netexe_set_override(cmd_parms *cmd, void *dconf, int flag)
{
    netexe_dir_conf *conf = dconf;

    (void)cmd;
    conf->override = flag;
    conf->override_set = 1;
    return NULL;
}

static const char *netexe_set_filename(cmd_parms *cmd, void *dconf, int flag)
{
    netexe_dir_conf *conf = dconf;

    (void)cmd;
    conf->filename = flag;
    conf->filename_set = 1;
    return NULL;
}

static const char *netexe_set_limit(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    netexe_dir_conf *conf = dconf;
    const char *p;
    apr_int64_t n;
    char *end;

    (void)cmd;
    /* Digits only: apr_strtoi64 would take signs, blanks and 0x. */
    for (p = arg; *p; p++) {
        if (!apr_isdigit(*p)) {
            break;
        }
    }
    errno = 0;
    n = (*arg && !*p) ? apr_strtoi64(arg, &end, 10) : -1;
    if (errno || n < NETEXE_SNIFF_LIMIT_MIN || n > NETEXE_SNIFF_LIMIT_MAX) {
        return apr_psprintf(cmd->pool, "NetExeSniffLimit must be between "
                            "%d and %d bytes, not '%s'",
                            NETEXE_SNIFF_LIMIT_MIN, NETEXE_SNIFF_LIMIT_MAX,
                            arg);
    }
    conf->sniff_limit = (apr_size_t)n;
    conf->sniff_limit_set = 1;
    return NULL;
}

static const char *netexe_set_sigcheck(cmd_parms *cmd, void *dconf, int flag)
{
    netexe_dir_conf *conf = dconf;
    netexe_server_conf *sconf = ap_get_module_config(cmd->server->module_config,
                                                     &netexe_module);

    conf->sigcheck = flag;
    conf->sigcheck_set = 1;
    if (flag) {
        /* Child processes make the cache only where it can be used. */
        sconf->sigcheck_used = 1;
    }
    return NULL;
}

static apr_status_t netexe_roots_cleanup(void *data)
{
    netexe_ac_roots_free(data);
    return APR_SUCCESS;
}

/* The SHA-256 of the file at path into out: what makes results under
 * these roots a key of their own in the shared cache.  NULL, or why not. */
static const char *netexe_roots_digest(apr_pool_t *p, const char *path,
                                       unsigned char out[NETEXE_SIG_DIGEST_LEN])
{
    unsigned char *chunk = apr_palloc(p, NETEXE_SIG_ROOTS_CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const char *err = NULL;
    unsigned int n = 0;
    apr_file_t *f = NULL;
    apr_status_t rv;

    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return "no SHA-256 in libcrypto";
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, p);
    while (rv == APR_SUCCESS) {
        apr_size_t len = NETEXE_SIG_ROOTS_CHUNK;

        rv = apr_file_read(f, chunk, &len);
        if (rv == APR_SUCCESS && !EVP_DigestUpdate(md, chunk, len)) {
            err = "SHA-256 failed";
            break;
        }
    }
    if (!err && !APR_STATUS_IS_EOF(rv)) {
        char buf[NETEXE_AC_TEXT_MAX];

        err = apr_pstrdup(p, apr_strerror(rv, buf, sizeof(buf)));
    }
    if (!err && (!EVP_DigestFinal_ex(md, out, &n)
                 || n != NETEXE_SIG_DIGEST_LEN)) {
        err = "SHA-256 failed";
    }
    if (f) {
        apr_file_close(f);
    }
    EVP_MD_CTX_free(md);
    return err;
}

/* Loads the roots when the configuration is read, so that a missing or
 * empty file stops "apachectl configtest" and start-up rather than
 * surfacing as a wrong verdict later.  They live as long as this
 * configuration: the cleanup frees them when a restart drops it. */
static const char *netexe_set_roots(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    netexe_server_conf *sconf = ap_get_module_config(cmd->server->module_config,
                                                     &netexe_module);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    char err[NETEXE_AC_TEXT_MAX];
    const char *err_text;
    netexe_ac_roots *roots;

    (void)dconf;
    if (!path) {
        return apr_psprintf(cmd->pool, "NetExeTrustedRoots: invalid path "
                            "'%s'", arg);
    }
    roots = netexe_ac_roots_load(path, err, sizeof(err));
    if (!roots) {
        return apr_psprintf(cmd->pool, "NetExeTrustedRoots: cannot load "
                            "'%s' (a PEM file of certificates): %s", path,
                            err);
    }
    apr_pool_cleanup_register(cmd->pool, roots, netexe_roots_cleanup,
                              apr_pool_cleanup_null);
    err_text = netexe_roots_digest(cmd->temp_pool, path, sconf->roots_digest);
    if (err_text) {
        return apr_psprintf(cmd->pool, "NetExeTrustedRoots: cannot read "
                            "'%s': %s", path, err_text);
    }
    sconf->roots = roots;
    sconf->roots_set = 1;
    return NULL;
}

/* The socache providers loaded, for an error message: "a, b" or "none". */
static const char *netexe_socache_names(apr_pool_t *p)
{
    apr_array_header_t *names = ap_list_provider_names(p,
                                    AP_SOCACHE_PROVIDER_GROUP,
                                    AP_SOCACHE_PROVIDER_VERSION);
    const char *out = NULL;
    int i;

    for (i = 0; names && i < names->nelts; i++) {
        const char *name =
            APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name;

        out = out ? apr_pstrcat(p, out, ", ", name, NULL) : name;
    }
    return out ? out : "none";
}

/* NetExeSignatureCache none | PROVIDER[:ARGS], named as mod_ssl's
 * SSLSessionCache names them.  The provider is looked up and its instance
 * made now, so that an unknown name, a provider module not loaded or
 * arguments it refuses stop "apachectl configtest"; post_config
 * initialises it. */
static const char *netexe_set_sigcache(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    netexe_server_conf *sconf = ap_get_module_config(cmd->server->module_config,
                                                     &netexe_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *sep, *name;
    netexe_sig_shared *sh;

    (void)dconf;
    if (err) {
        return err;
    }
    sconf->shared_set = 1;
    if (!strcasecmp(arg, "none")) {
        sconf->shared = NULL;
        return NULL;
    }
    sep = ap_strchr_c(arg, ':');
    name = sep ? apr_pstrmemdup(cmd->temp_pool, arg, (apr_size_t)(sep - arg))
               : arg;
    sh = apr_pcalloc(cmd->pool, sizeof(*sh));
    sh->spec = apr_pstrdup(cmd->pool, arg);
    sh->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!sh->provider) {
        return apr_psprintf(cmd->pool, "NetExeSignatureCache: no socache "
                            "provider '%s' (loaded: %s); use 'none', or "
                            "load mod_socache_%s before this line", name,
                            netexe_socache_names(cmd->temp_pool), name);
    }
    err = sh->provider->create(&sh->instance, sep ? sep + 1 : NULL,
                               cmd->temp_pool, cmd->pool);
    if (err) {
        return apr_psprintf(cmd->pool, "NetExeSignatureCache %s: %s", arg,
                            err);
    }
    sconf->shared = sh;
    return NULL;
}

/* A bucket held until the decision (FILE, or metadata other than FLUSH)
 * and where it stands among the response bytes kept in memory: the bytes
 * before it end at "at"; the kept bytes after it start at "skip" (past the
 * bytes peeked from a FILE bucket into the shared buffer of an unencoded
 * body, else equal to "at"). */
typedef struct {
    apr_size_t at;
    apr_size_t skip;
} netexe_mark;

/* Per-request state, made on the filter's first call.  Most responses
 * decide on their first bucket and hold nothing: the held brigade is made
 * when a bucket must wait, and the first NETEXE_READ_AHEAD bytes, which
 * usually decide, go to a buffer inside the context.
 *
 * Held bytes live once.  Bytes read from a streamed bucket (a pipe, a
 * socket, a heap bucket of a script or a proxy) are copied into a buffer
 * and the bucket is released: for an unencoded body that is the sniff
 * buffer itself, for an encoded one the "raw" buffer, while the decoded
 * bytes go to the sniff buffer.  Buckets that must wait unread (FILE,
 * metadata) are set aside once, when they are moved to "held".  At the
 * decision the kept bytes go on as buckets over those buffers, in order
 * with the held buckets. */
typedef struct {
    apr_bucket_brigade *held;   /* buckets waiting for the decision, or NULL */
    apr_array_header_t *marks;  /* one netexe_mark per bucket in held */
    unsigned char *buf;         /* the body's first bytes (decoded) */
    apr_size_t len;             /* bytes in buf */
    apr_size_t cap;             /* size of buf */
    apr_size_t kept;            /* unencoded: bytes of buf that belong to
                                 * buckets already released or held */
    unsigned char *raw;         /* encoded: the bytes of released buckets */
    apr_size_t raw_len;
    apr_size_t raw_cap;
    apr_size_t want;            /* bytes the sniffer asks for next (> len) */
    apr_size_t limit;           /* NetExeSniffLimit */
    apr_size_t examined;        /* bytes read: peeked, copied or decoded */
    netexe_decoder *dec;        /* encoded bodies, made on the first data */
    int ncodings;               /* > 0: the body is decoded */
    unsigned char *win;         /* a window of the file at e_lfanew, made
                                 * when the header lies beyond buf */
    apr_size_t win_off;
    apr_size_t win_len;
    unsigned int decided:1;
    unsigned int unknown:1;     /* gave up: see gave_up */
    unsigned int cd_absent:1;   /* headers_out has no Content-Disposition:
                                 * known in the first call only */
    unsigned int first_call:1;  /* the decision falls in the first call */
    unsigned int flush:1;       /* a FLUSH arrived before the decision */
    unsigned int cleanup:1;     /* netexe_ctx_cleanup is registered */
    unsigned int far_tried:1;   /* the header was looked for where it lies */
    unsigned int skipping:1;    /* encoded: decoding on to e_lfanew */
    unsigned int both:1;        /* encoded, and the raw bytes judged too */
    unsigned int raw_wait:1;    /* with both: the decoded reading has decided,
                                 * the raw one waits for more bytes */
    unsigned int bounded:1;     /* with unknown: a decoding bound stopped it
                                 * where a browser would go on */
    apr_size_t dec_off;         /* with skipping: decoded bytes so far */
    const char *gave_up;        /* with unknown: why, for the debug log */
    /* From here on left uninitialised: info is read only after pe_sniff()
     * or pe_sniff_final(), which fill it, has decided; codings only up to
     * ncodings, copied in on the first call. */
    pe_info info;
    netexe_coding codings[NETEXE_DECODE_MAX_CODINGS];
    unsigned char first[NETEXE_READ_AHEAD];  /* buf until it must grow */
} netexe_ctx;

/* The state of NETEXE_CD: the value the module set, and who wins. */
typedef struct {
    const char *value;
    int override;
} netexe_cd_ctx;

/* What this filter allocated or kept for the response: the context, the
 * buffers that grew out of it, the decoder, the held buckets. */
static apr_size_t netexe_held_memory(const netexe_ctx *ctx)
{
    apr_size_t bytes = sizeof(*ctx) + ctx->raw_cap
                       + netexe_decoder_memory(ctx->dec);

    if (ctx->buf != ctx->first) {
        bytes += ctx->cap;
    }
    if (ctx->win) {
        bytes += NETEXE_WINDOW;
    }
    if (ctx->held) {
        apr_bucket *e;

        bytes += sizeof(*ctx->held)
                 + (apr_size_t)ctx->marks->nalloc * sizeof(netexe_mark);
        for (e = APR_BRIGADE_FIRST(ctx->held);
             e != APR_BRIGADE_SENTINEL(ctx->held); e = APR_BUCKET_NEXT(e)) {
            bytes += sizeof(*e) + (APR_BUCKET_IS_FILE(e)
                                   ? sizeof(apr_bucket_file) : 0);
        }
    }
    return bytes;
}

static apr_status_t netexe_out_filter(ap_filter_t *f, apr_bucket_brigade *bb);

/* The reason of an instance that leaves the decision to a later one: it
 * gives no verdict of its own. */
static const char NETEXE_SKIP_LATER[] = "a later NETEXE filter decides";

static apr_status_t netexe_step_aside(ap_filter_t *f, apr_bucket_brigade *bb,
                                      const char *why)
{
    request_rec *r = f->r;

    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "%s: not examined (status %d): %s", r->uri, r->status, why);
    if (why != NETEXE_SKIP_LATER && !apr_table_get(r->notes, NETEXE_NOTE)) {
        apr_table_setn(r->notes, NETEXE_NOTE, NETEXE_VERDICT_SKIPPED);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* The Content-Encoding fields of one table, in order, and its first
 * Content-Disposition.  More fields than a list can hold codings are
 * counted, not kept: such a list is too long to decode anyway. */
#define NETEXE_ENC_FIELDS_MAX   NETEXE_DECODE_MAX_CODINGS

typedef struct {
    const char *enc[NETEXE_ENC_FIELDS_MAX];
    int nenc;                   /* fields seen, may exceed the array */
    const char *disposition;
} netexe_resp_headers;

#define NETEXE_CONTENT_PREFIX       "Content-"
#define NETEXE_CONTENT_PREFIX_LEN   (sizeof(NETEXE_CONTENT_PREFIX) - 1)
#define NETEXE_CD                   "Content-Disposition"

/* Whether a field name starts with "Content-", in any case.  Compared
 * in place: most names differ in their first or second letter, and a
 * library call would cost more than the compare. */
static APR_INLINE int netexe_is_content_field(const char *k)
{
    return (k[0] | 0x20) == 'c' && (k[1] | 0x20) == 'o'
           && (k[2] | 0x20) == 'n' && (k[3] | 0x20) == 't'
           && (k[4] | 0x20) == 'e' && (k[5] | 0x20) == 'n'
           && (k[6] | 0x20) == 't' && k[7] == '-';
}

/* Fills in h from the entries of t: one pass over a table instead of one
 * apr_table_get() per name and table, which would be the most expensive
 * part of the filter. */
static void netexe_scan_headers(const apr_table_t *t, netexe_resp_headers *h)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *elts = (const apr_table_entry_t *)arr->elts;
    int i;

    h->nenc = 0;
    h->disposition = NULL;
    for (i = 0; i < arr->nelts; i++) {
        const char *key = elts[i].key;

        if (!key || !netexe_is_content_field(key)) {
            continue;
        }
        key += NETEXE_CONTENT_PREFIX_LEN;
        switch (key[0] | 0x20) {
        case 'e':
            if (!strcasecmp(key, "Encoding")) {
                if (h->nenc < NETEXE_ENC_FIELDS_MAX) {
                    h->enc[h->nenc] = elts[i].val;
                }
                h->nenc++;
            }
            break;
        case 'd':
            if (!h->disposition && !strcasecmp(key, "Disposition")) {
                h->disposition = elts[i].val;
            }
            break;
        default:
            break;
        }
    }
}

/* A token longer than this is no coding the decoder knows. */
#define NETEXE_TOKEN_MAX        32

/* What a Content-Encoding list says, token by token. */
typedef struct {
    int count;                  /* codings decoded, in order */
    unsigned int too_many:1;
    unsigned int other:1;       /* an identity, empty or unknown token */
} netexe_list;

/* Appends the codings of n Content-Encoding fields to codings.  Each
 * token is read alone, because browsers part on lists that mix codings
 * with other tokens: Chromium passes the whole body through raw when any
 * token is empty, "identity" or unknown; Firefox skips such tokens and
 * undoes the rest.  Both readings are then judged (netexe_raw_reading). */
static void netexe_add_codings(const char *const *fields, int n,
                               netexe_coding *codings, netexe_list *l)
{
    int i;

    if (n > NETEXE_ENC_FIELDS_MAX) {
        l->too_many = 1;
        return;
    }
    for (i = 0; i < n && !l->too_many; i++) {
        const char *p = fields[i];

        for (;;) {
            const char *end = strchr(p, ',');
            const char *stop = end ? end : p + strlen(p);
            const char *a = p, *b = stop;
            char token[NETEXE_TOKEN_MAX + 1];
            netexe_coding one[NETEXE_DECODE_MAX_CODINGS];
            int m = 0;

            while (a < b && (*a == ' ' || *a == '\t')) {
                a++;
            }
            while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
                b--;
            }
            if (b == a || b - a > NETEXE_TOKEN_MAX) {
                l->other = 1;
            }
            else {
                memcpy(token, a, (size_t)(b - a));
                token[b - a] = '\0';
                if (netexe_coding_parse(token, one, &m)
                    != NETEXE_CODINGS_DECODE || m != 1) {
                    l->other = 1;
                }
                else if (l->count == NETEXE_DECODE_MAX_CODINGS) {
                    l->too_many = 1;
                    break;
                }
                else {
                    codings[l->count++] = one[0];
                }
            }
            if (!end) {
                break;
            }
            p = end + 1;
        }
    }
}

/* The codings of the body as a client reads them: the HTTP header filter
 * merges err_headers_out's fields, first, with headers_out's, then sets
 * r->content_encoding, when there is one, in place of them all.  *n gets
 * the count of codings to undo (0: judge the raw bytes), or -1 for a list
 * too long to decode; *both is set when the raw bytes are to be judged
 * too. */
static void netexe_codings(request_rec *r, const netexe_resp_headers *out,
                           const netexe_resp_headers *err,
                           netexe_coding *codings, int *n, int *both)
{
    netexe_list l = { 0, 0, 0 };

    if (r->content_encoding) {
        netexe_add_codings(&r->content_encoding, 1, codings, &l);
    }
    else {
        if (err) {
            netexe_add_codings(err->enc, err->nenc, codings, &l);
        }
        netexe_add_codings(out->enc, out->nenc, codings, &l);
    }
    *n = l.too_many ? -1 : l.count;
    *both = l.count > 0 && l.other;
}

/* Whether a 2xx status carries the resource from byte 0: every one but
 * 204 (no body) and 206 (a part, when a backend answered a range). */
static int netexe_status_examined(int status)
{
    return status >= HTTP_OK && status < HTTP_MULTIPLE_CHOICES
           && status != HTTP_NO_CONTENT && status != HTTP_PARTIAL_CONTENT;
}

/* The reason to leave this response alone, or NULL to examine it; fills
 * in the codings of an encoded body. */
static const char *netexe_skip_reason(ap_filter_t *f,
                                      const netexe_dir_conf *conf,
                                      int *cd_in_headers_out,
                                      netexe_coding *codings, int *ncodings,
                                      int *both)
{
    request_rec *r = f->r;
    void *owner = ap_get_module_config(r->request_config, &netexe_module);
    netexe_resp_headers out, err;
    const ap_filter_t *n;

    for (n = f->next; n && n != r->proto_output_filters; n = n->next) {
        if (n->frec->filter_func.out_func == netexe_out_filter) {
            /* A NETEXE provided by mod_filter (or named) ahead of the one
             * NetExe On put last: the last sees what the client gets. */
            return NETEXE_SKIP_LATER;
        }
    }
    if (owner && owner != f) {
        /* Inserted twice (NetExe On plus SetOutputFilter, AddOutputFilter
         * or a FilterProvider): the first instance decides. */
        return "already examined by another NETEXE filter";
    }
    if (r->main) {
        return "subrequest";
    }
    if (!netexe_status_examined(r->status)) {
        return "the status is not one whose body is the resource";
    }
    if (!apr_is_empty_table(r->subprocess_env)
        && apr_table_get(r->subprocess_env, NETEXE_ENV_OFF)) {
        /* The request, not the resource, decides: a cache must not hand
         * this header-less copy to other clients. */
        r->no_cache = 1;
        return "no-netexe is set";
    }
    netexe_scan_headers(r->headers_out, &out);
    *cd_in_headers_out = out.disposition != NULL;
    if (!apr_is_empty_table(r->err_headers_out)) {
        netexe_scan_headers(r->err_headers_out, &err);
        if (!out.disposition) {
            out.disposition = err.disposition;
        }
    }
    else {
        err.nenc = 0;
    }
    if (!conf->override && out.disposition) {
        return "Content-Disposition is already set (NetExeOverride Off)";
    }
    if (out.nenc || err.nenc || r->content_encoding) {
        netexe_codings(r, &out, err.nenc ? &err : NULL, codings, ncodings,
                       both);
    }
    return NULL;
}

static apr_status_t netexe_ctx_cleanup(void *data)
{
    netexe_ctx *ctx = data;

    if (ctx->buf != ctx->first) {
        free(ctx->buf);
        ctx->buf = ctx->first;
        ctx->cap = sizeof(ctx->first);
    }
    free(ctx->raw);
    ctx->raw = NULL;
    ctx->raw_cap = 0;
    netexe_decoder_free(ctx->dec);
    ctx->dec = NULL;
    return APR_SUCCESS;
}

/* The context now owns memory outside the pool: freed with the request
 * at the latest. */
static void netexe_ctx_owns(request_rec *r, netexe_ctx *ctx)
{
    if (!ctx->cleanup) {
        apr_pool_cleanup_register(r->pool, ctx, netexe_ctx_cleanup,
                                  apr_pool_cleanup_null);
        ctx->cleanup = 1;
    }
}

/* Grows *p to hold at least need bytes (need <= the limit), doubling, from
 * malloc: realloc gives a grown block back at once, where a pool would
 * keep every smaller one until the request ends. */
static apr_status_t netexe_grow(request_rec *r, netexe_ctx *ctx,
                                unsigned char **p, apr_size_t *cap,
                                apr_size_t used, apr_size_t need)
{
    apr_size_t ncap = *cap ? *cap : NETEXE_READ_AHEAD;
    unsigned char *np;

    if (need <= *cap) {
        return APR_SUCCESS;
    }
    while (ncap < need) {
        ncap *= 2;
    }
    if (ncap > ctx->limit) {
        ncap = ctx->limit;
    }
    if (*p == ctx->first) {
        np = malloc(ncap);
        if (np) {
            memcpy(np, *p, used);
        }
    }
    else {
        np = realloc(*p, ncap);
    }
    if (!np) {
        return APR_ENOMEM;
    }
    netexe_ctx_owns(r, ctx);
    *p = np;
    *cap = ncap;
    return APR_SUCCESS;
}

/* How many of the avail bytes at hand go into the sniff buffer next: what
 * the sniffer asks for, at least a read-ahead, within the limit; the room
 * is made. */
static NETEXE_HOT_INLINE apr_status_t netexe_room(request_rec *r,
                                                  netexe_ctx *ctx,
                                                  apr_size_t avail,
                                                  apr_size_t *n)
{
    apr_size_t k = ctx->want > ctx->len ? ctx->want - ctx->len : 0;

    if (k < NETEXE_READ_AHEAD) {
        k = NETEXE_READ_AHEAD;
    }
    if (k > avail) {
        k = avail;
    }
    if (k > ctx->limit - ctx->len) {
        k = ctx->limit - ctx->len;
    }
    *n = k;
    if (ctx->len + k > ctx->cap) {
        return netexe_grow(r, ctx, &ctx->buf, &ctx->cap, ctx->len,
                           ctx->len + k);
    }
    return APR_SUCCESS;
}

static void netexe_give_up(netexe_ctx *ctx, const char *why)
{
    ctx->decided = ctx->unknown = 1;
    ctx->gave_up = why;
}

/* The PE header lies beyond what NetExeSniffLimit lets the module hold,
 * while what came so far is the start of an image ("MZ" and an e_lfanew
 * the loader accepts): it could be one, so the header, to fail closed. */
static void netexe_past_limit(netexe_ctx *ctx)
{
    netexe_give_up(ctx, "sniff limit");
    ctx->bounded = 1;
}

/* Runs the sniffer on what is known; decides or updates want. */
static APR_INLINE void netexe_sniff(netexe_ctx *ctx)
{
    pe_verdict v = pe_decide_window(ctx->buf, ctx->len, ctx->win,
                                    ctx->win_off, ctx->win_len, &ctx->info);

    if (v != PE_NEED_MORE) {
        ctx->decided = 1;
    }
    else {
        ctx->want = ctx->info.need;
    }
}

/* The body has ended: decide on what it gave. */
static void netexe_sniff_final(netexe_ctx *ctx)
{
    ctx->decided = 1;
    if (ctx->win_len) {
        pe_sniff_window_final(ctx->buf, ctx->len, ctx->win, ctx->win_off,
                              ctx->win_len, &ctx->info);
    }
    else {
        pe_sniff_final(ctx->buf, ctx->len, &ctx->info);
    }
}

/* Reads n bytes at offset off of a FILE bucket into dst.
 *
 * Reading the bucket through apr_bucket_read() would morph it into an MMAP
 * or heap bucket, and the core could no longer hand the file to sendfile
 * (README, Performance, has the figures).  pread() on the descriptor at
 * the bucket's own offset leaves the bucket, and the file position,
 * exactly as they were. */
static NETEXE_HOT_INLINE apr_status_t netexe_peek_file(request_rec *r,
                                                       apr_bucket *e,
                                     apr_size_t off, unsigned char *dst,
                                     apr_size_t n)
{
    apr_bucket_file *a = e->data;
    apr_os_file_t fd;
    apr_status_t rv;
    apr_size_t got = 0;

    rv = apr_os_file_get(&fd, a->fd);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    while (got < n) {
        ssize_t k = pread(fd, dst + got, n - got,
                          (off_t)(e->start + (apr_off_t)(off + got)));

        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            return APR_FROM_OS_ERROR(errno);
        }
        if (k == 0) {
            /* The file shrank under us: the core will fail to send it. */
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "%s: file shorter than its bucket", r->uri);
            return APR_EOF;
        }
        got += (apr_size_t)k;
    }
    return APR_SUCCESS;
}

/* Whether the body ends in this brigade: then its files are sent before
 * the handler that passed it gets control back (and may close them). */
static APR_INLINE int netexe_body_ends_here(apr_bucket_brigade *bb)
{
    return APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb));
}

/* Whether the bucket after e ends the body. */
static int netexe_body_ends_after(apr_bucket_brigade *bb, apr_bucket *e)
{
    apr_bucket *n = APR_BUCKET_NEXT(e);

    return n != APR_BRIGADE_SENTINEL(bb) && APR_BUCKET_IS_EOS(n);
}

/* With the PE header beyond the bytes read from a FILE bucket whose first
 * byte is body byte start, reads the header where it lies, in one pread,
 * instead of every byte before it: a static verdict is exact at any
 * e_lfanew the loader accepts, whatever the limit.  0 when the header is
 * not inside this bucket (the caller goes on reading in order). */
static int netexe_far_peek(request_rec *r, netexe_ctx *ctx,
                           apr_bucket_brigade *bb, apr_bucket *e,
                           apr_size_t start)
{
    apr_size_t at = ctx->info.e_lfanew;
    apr_size_t n = NETEXE_WINDOW;

    if (ctx->win_len || at < ctx->len) {
        return 0;
    }
    if (at - start >= e->length) {
        if (netexe_body_ends_after(bb, e)) {
            /* The body ends before the header would start. */
            netexe_sniff_final(ctx);
            return 1;
        }
        return 0;
    }
    if (n > e->length - (at - start)) {
        n = e->length - (at - start);
    }
    if (!ctx->win) {
        ctx->win = apr_palloc(r->pool, NETEXE_WINDOW);
    }
    if (netexe_peek_file(r, e, at - start, ctx->win, n) != APR_SUCCESS) {
        return 0;
    }
    ctx->win_off = at;
    ctx->win_len = n;
    ctx->examined += n;
    if (n < NETEXE_WINDOW && netexe_body_ends_after(bb, e)) {
        netexe_sniff_final(ctx);
        return 1;
    }
    netexe_sniff(ctx);
    if (!ctx->decided && ctx->info.need > at + n) {
        /* The header runs past this bucket: read in order after all. */
        ctx->win_len = 0;
        ctx->want = ctx->info.need;
        return 0;
    }
    return 1;
}

/* The decoded stream ended or broke: what a client decodes ends there
 * too, so the decision is made on what came out.  When the decoder's own
 * bound on memory or work stopped it, a browser would go on: unknown, and
 * the header all the same. */
static void netexe_decode_ended(request_rec *r, netexe_ctx *ctx,
                                netexe_decode_status st)
{
    if (st == NETEXE_DECODE_ERROR && netexe_decoder_bound_reached(ctx->dec)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: %s: decoded no further", r->uri,
                      netexe_decoder_error(ctx->dec));
        netexe_give_up(ctx, "decoding bound");
        ctx->bounded = 1;
        return;
    }
    if (st == NETEXE_DECODE_ERROR) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: %s after %" APR_SIZE_T_FMT " decoded bytes",
                      r->uri, netexe_decoder_error(ctx->dec),
                      ctx->skipping ? ctx->dec_off : ctx->len);
    }
    netexe_sniff_final(ctx);
}

/* Decoded bytes [dec_off, dec_off + n) went by: the part inside the
 * window at e_lfanew is kept, and a full window decides. */
static void netexe_catch_window(netexe_ctx *ctx, const unsigned char *p,
                                apr_size_t n)
{
    apr_size_t from = ctx->win_off + ctx->win_len;
    apr_size_t end = ctx->dec_off + n;

    if (from >= ctx->dec_off && from < end) {
        apr_size_t k = end - from;

        if (k > NETEXE_WINDOW - ctx->win_len) {
            k = NETEXE_WINDOW - ctx->win_len;
        }
        memcpy(ctx->win + ctx->win_len, p + (from - ctx->dec_off), k);
        ctx->win_len += k;
    }
    ctx->dec_off = end;
    if (ctx->win_len == NETEXE_WINDOW) {
        netexe_sniff(ctx);
    }
}

/* Feeds in[0 .. n-1], encoded bytes of the body, to the decoder and the
 * decoded bytes to the sniffer until it decides or wants more input. */
static apr_status_t netexe_decode_feed(request_rec *r, netexe_ctx *ctx,
                                       const unsigned char *in, apr_size_t n)
{
    apr_size_t pos = 0;

    if (!ctx->dec) {
        ctx->dec = netexe_decoder_new(ctx->codings, ctx->ncodings);
        if (!ctx->dec) {
            return APR_ENOMEM;
        }
        netexe_ctx_owns(r, ctx);
    }
    while (!ctx->decided) {
        unsigned char scratch[NETEXE_FILE_CHUNK];
        apr_size_t target, used, made;
        netexe_decode_status st;
        apr_status_t rv;

        if (!ctx->skipping && ctx->want > ctx->len + NETEXE_READ_AHEAD
            && ctx->len > 0 && ctx->info.e_lfanew >= ctx->len) {
            /* The PE header lies further on: hold no decoded byte before
             * it, whatever the limit. */
            if (!ctx->win) {
                ctx->win = apr_palloc(r->pool, NETEXE_WINDOW);
            }
            ctx->skipping = 1;
            ctx->win_off = ctx->info.e_lfanew;
            ctx->win_len = 0;
            ctx->dec_off = ctx->len;
        }
        if (ctx->skipping) {
            /* Decoded bytes between the DOS header and e_lfanew are
             * counted and dropped; the window is caught on its way. */
            st = netexe_decode(ctx->dec, in + pos, n - pos, &used, scratch,
                               sizeof(scratch), &made);
            if (made) {
                netexe_catch_window(ctx, scratch, made);
            }
        }
        else {
            if (ctx->want > ctx->limit) {
                netexe_past_limit(ctx);
                break;
            }
            target = ctx->len + NETEXE_READ_AHEAD;
            if (target < ctx->want) {
                target = ctx->want;
            }
            if (target > ctx->limit) {
                target = ctx->limit;
            }
            rv = netexe_grow(r, ctx, &ctx->buf, &ctx->cap, ctx->len, target);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            st = netexe_decode(ctx->dec, in + pos, n - pos, &used,
                               ctx->buf + ctx->len, target - ctx->len, &made);
            ctx->len += made;
            if (made) {
                netexe_sniff(ctx);
            }
        }
        pos += used;
        ctx->examined += used;
        if (ctx->decided) {
            break;
        }
        if (st == NETEXE_DECODE_END || st == NETEXE_DECODE_ERROR) {
            netexe_decode_ended(r, ctx, st);
            break;
        }
        if (st == NETEXE_DECODE_MORE) {
            break;
        }
    }
    return APR_SUCCESS;
}

/* Moves e, which must wait unread for the decision, to the held brigade:
 * set aside once, here. */
static apr_status_t netexe_hold(request_rec *r, netexe_ctx *ctx,
                                apr_bucket *e, apr_size_t at, apr_size_t skip)
{
    netexe_mark *m;
    apr_status_t rv;

    if (!ctx->held) {
        ctx->held = apr_brigade_create(r->pool, r->connection->bucket_alloc);
        ctx->marks = apr_array_make(r->pool, 4, sizeof(netexe_mark));
    }
    rv = apr_bucket_setaside(e, r->pool);
    if (rv != APR_SUCCESS && rv != APR_ENOTIMPL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "%s: cannot hold the response", r->uri);
        return rv;
    }
    APR_BUCKET_REMOVE(e);
    APR_BRIGADE_INSERT_TAIL(ctx->held, e);
    m = apr_array_push(ctx->marks);
    m->at = at;
    m->skip = skip;
    return APR_SUCCESS;
}

/* The raw bytes of FILE bucket e, which the limit has room for, are
 * appended to the kept encoded bytes and the bucket released: the body
 * goes on in later calls, and the file may be gone by the decision (mod_lua
 * closes the file of r:sendfile once the brigade has been passed, and a
 * bucket set aside still reads through that descriptor).  APR_INCOMPLETE,
 * with e left as it is, when the file no longer holds the bucket's bytes. */
static apr_status_t netexe_keep_file(request_rec *r, netexe_ctx *ctx,
                                     apr_bucket *e)
{
    apr_status_t rv = netexe_grow(r, ctx, &ctx->raw, &ctx->raw_cap,
                                  ctx->raw_len, ctx->raw_len + e->length + 1);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (netexe_peek_file(r, e, 0, ctx->raw + ctx->raw_len, e->length)
        != APR_SUCCESS) {
        return APR_INCOMPLETE;
    }
    ctx->raw_len += e->length;
    apr_bucket_delete(e);
    return APR_SUCCESS;
}

/* A FILE bucket: peeked, never read through the bucket API.  Unencoded,
 * its first bytes go to the sniff buffer (and the PE header is read where
 * it lies); encoded, it is read in pieces through the decoder.  When it is
 * used up undecided, it is held. */
static NETEXE_HOT_INLINE apr_status_t netexe_take_file(request_rec *r,
                                                       netexe_ctx *ctx,
                                                       apr_bucket_brigade *bb,
                                                       apr_bucket *e)
{
    const apr_size_t start = ctx->ncodings > 0 ? 0 : ctx->len;
    apr_size_t used = 0;
    apr_status_t rv;

    if (ctx->ncodings > 0) {
        unsigned char chunk[NETEXE_FILE_CHUNK];

        while (!ctx->decided && used < e->length) {
            apr_size_t n = e->length - used;

            if (n > sizeof(chunk)) {
                n = sizeof(chunk);
            }
            if (ctx->examined >= NETEXE_ENCODED_FILE_MAX) {
                netexe_give_up(ctx, "encoded file examined to its bound");
                ctx->bounded = 1;
                break;
            }
            rv = netexe_peek_file(r, e, used, chunk, n);
            if (rv != APR_SUCCESS) {
                netexe_give_up(ctx, "peek failed");
                break;
            }
            used += n;
            rv = netexe_decode_feed(r, ctx, chunk, n);
            if (rv != APR_SUCCESS) {
                return rv;
            }
        }
        if (ctx->decided) {
            return APR_SUCCESS;
        }
        if (netexe_body_ends_here(bb)) {
            return netexe_hold(r, ctx, e, ctx->raw_len, ctx->raw_len);
        }
        if (e->length <= ctx->limit - ctx->raw_len) {
            /* More of the body comes in later calls: its bytes are kept
             * like a script's (netexe_keep_file). */
            rv = netexe_keep_file(r, ctx, e);
            if (rv == APR_INCOMPLETE) {
                /* The file changed under us: it goes on as it is, now. */
                netexe_give_up(ctx, "peek failed");
                return APR_SUCCESS;
            }
            return rv;
        }
        /* More encoded bytes than may be kept, as for a script's body
         * (netexe_take_data): it could be an image, the header. */
        netexe_give_up(ctx, "sniff limit (encoded bytes)");
        ctx->bounded = 1;
        return APR_SUCCESS;
    }

    /* Each file of the body is looked into where the header lies. */
    ctx->far_tried = 0;
    while (!ctx->decided) {
        apr_size_t n;

        if (ctx->len > 0 && !ctx->far_tried && ctx->info.e_lfanew
            && ctx->info.e_lfanew >= ctx->len) {
            ctx->far_tried = 1;
            if (netexe_far_peek(r, ctx, bb, e, start)) {
                break;
            }
        }
        if (ctx->want > ctx->limit
            && !(ctx->info.e_lfanew >= start + e->length
                 && start + e->length <= ctx->limit)) {
            netexe_past_limit(ctx);
            break;
        }
        /* Else the header lies in a later part of the body, which may be
         * a file of its own, looked into there: this one is read whole
         * meanwhile (and held or kept below). */
        if (used >= e->length) {
            break;
        }
        rv = netexe_room(r, ctx, e->length - used, &n);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = netexe_peek_file(r, e, used, ctx->buf + ctx->len, n);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                          "%s: peeking at the file failed", r->uri);
            netexe_give_up(ctx, "peek failed");
            break;
        }
        ctx->len += n;
        ctx->examined += n;
        used += n;
        netexe_sniff(ctx);
    }
    if (ctx->decided) {
        return APR_SUCCESS;
    }
    if (!netexe_body_ends_here(bb)) {
        /* More of the body comes in later calls, when the file may be
         * gone (mod_lua's r:sendfile closes it as soon as the brigade has
         * been passed): the bytes in buf, all of the file's, go on in its
         * place. */
        ctx->kept = ctx->len;
        apr_bucket_delete(e);
        return APR_SUCCESS;
    }
    /* Its bytes in buf are the file's, sent from the file: skipped when
     * the kept bytes go on. */
    rv = netexe_hold(r, ctx, e, ctx->kept, ctx->len);
    ctx->kept = ctx->len;
    return rv;
}

/* A bucket of any other kind: read (blocking for a pipe or socket: nothing
 * can be sent before the decision anyway) and copied, as far as the
 * decision needs; when it is used up undecided, its bytes are kept and
 * the bucket is released. */
static apr_status_t netexe_take_data(request_rec *r, netexe_ctx *ctx,
                                     apr_bucket *e)
{
    const char *data;
    apr_size_t elen, used = 0;
    apr_status_t rv;

    rv = apr_bucket_read(e, &data, &elen, APR_BLOCK_READ);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "%s: reading the response failed", r->uri);
        return rv;
    }

    if (ctx->ncodings > 0) {
        rv = netexe_decode_feed(r, ctx, (const unsigned char *)data, elen);
        if (rv != APR_SUCCESS || ctx->decided) {
            return rv;
        }
        if (elen > ctx->limit - ctx->raw_len) {
            netexe_give_up(ctx, "sniff limit (encoded bytes)");
            /* The encoded bytes that may be held ran out before the
             * decoded ones did: what was decoded is still the start of a
             * possible image, and the rest of it lies further than the
             * module reads.  As when "MZ" and an e_lfanew far in come
             * from a compressor (mod_deflate streaming a static image),
             * or a coding decodes nothing for a while (empty deflate
             * blocks, a long gzip file name, a zstd block still arriving):
             * it could be an image, the header. */
            ctx->bounded = 1;
            return APR_SUCCESS;
        }
        rv = netexe_grow(r, ctx, &ctx->raw, &ctx->raw_cap, ctx->raw_len,
                         ctx->raw_len + elen);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (elen) {
            memcpy(ctx->raw + ctx->raw_len, data, elen);
        }
        ctx->raw_len += elen;
        apr_bucket_delete(e);
        return APR_SUCCESS;
    }

    if (ctx->len == 0 && elen > NETEXE_READ_AHEAD) {
        /* The body's first bucket may hold the decision whole (a script's
         * or a backend's body in one piece): judged where it lies, it
         * needs no copy.  The bucket goes on as it is. */
        pe_verdict v = pe_decide_window((const unsigned char *)data,
                                        elen <= ctx->limit ? elen : ctx->limit,
                                        NULL, 0, 0, &ctx->info);

        if (v != PE_NEED_MORE) {
            ctx->decided = 1;
            ctx->examined = ctx->info.need;
            return APR_SUCCESS;
        }
    }
    while (!ctx->decided && used < elen) {
        apr_size_t n;

        if (ctx->want > ctx->limit || ctx->len == ctx->limit) {
            netexe_past_limit(ctx);
            break;
        }
        rv = netexe_room(r, ctx, elen - used, &n);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        memcpy(ctx->buf + ctx->len, data + used, n);
        ctx->len += n;
        ctx->examined += n;
        used += n;
        netexe_sniff(ctx);
    }
    if (ctx->decided) {
        return APR_SUCCESS;
    }
    ctx->kept = ctx->len;
    apr_bucket_delete(e);
    return APR_SUCCESS;
}

/* ---- the signature check ----------------------------------------------- */

static void netexe_sig_lock(netexe_sig_cache *cache)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(cache->lock);
#else
    (void)cache;
#endif
}

static void netexe_sig_unlock(netexe_sig_cache *cache)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(cache->lock);
#else
    (void)cache;
#endif
}

/* A free slot for a new entry, under the lock: the next one round robin
 * that no thread is analysing, dropped from the index when it was in use.
 * NULL when every slot is being analysed (more threads than slots). */
static netexe_sig_entry *netexe_sig_slot(netexe_sig_cache *cache)
{
    apr_size_t i;

    for (i = 0; i < NETEXE_SIG_CACHE_ENTRIES; i++) {
        apr_size_t k = (cache->next + i) % NETEXE_SIG_CACHE_ENTRIES;
        netexe_sig_entry *e = &cache->slots[k];

        if (e->pending) {
            continue;
        }
        if (e->used) {
            apr_hash_set(cache->index, &e->key, sizeof(e->key), NULL);
            e->used = 0;
        }
        cache->next = (k + 1) % NETEXE_SIG_CACHE_ENTRIES;
        return e;
    }
    return NULL;
}

/* Analyses the file on the request path, digest included: the cost is one
 * read of the file per version and process, and that result is what lets
 * every later request skip it.  An incomplete chain, a bad digest or a
 * malformed signature is logged here, at warning level, and nowhere else:
 * once per version per process.  -1 when the file could not be read. */
static int netexe_sig_analyse(request_rec *r, apr_file_t *file,
                              apr_off_t size, const netexe_ac_roots *roots,
                              netexe_ac_state *state)
{
    const char *name = r->filename ? r->filename : r->uri;
    netexe_ac_result *res = apr_palloc(r->pool, sizeof(*res));
    const netexe_ac_signature *worst;
    const char *reason;
    apr_os_file_t fd;
    apr_status_t rv;

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "%s: analysing the Authenticode signature "
                  "(%" APR_OFF_T_FMT " bytes)", name, size);
    rv = apr_os_file_get(&fd, file);
    if (rv == APR_SUCCESS
        && netexe_ac_check_fd(fd, (uint64_t)size, roots, 0, res) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      "%s: Authenticode check: cannot read the "
                      "file", name);
        return -1;
    }

    *state = res->state;
    worst = netexe_ac_worst(res);
    reason = worst && worst->reason ? worst->reason : res->reason;
    switch (res->state) {
    case NETEXE_AC_INCOMPLETE:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "%s: Authenticode signature incomplete: "
                      "missing issuer \"%s\"%s%s%s", name,
                      worst ? worst->missing_issuer : "",
                      worst && *worst->aia_uri ? " (see " : "",
                      worst && *worst->aia_uri ? worst->aia_uri : "",
                      worst && *worst->aia_uri ? ")" : "");
        break;
    case NETEXE_AC_BAD_DIGEST:
    case NETEXE_AC_MALFORMED:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "%s: Authenticode signature %s: %s", name,
                      netexe_ac_state_name(res->state),
                      reason ? reason : "no reason given");
        break;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: Authenticode signature %s "
                      "(signatures: %u)", name,
                      netexe_ac_state_name(res->state), res->count);
        break;
    }
    return 0;
}

/* ---- the shared signature cache (NetExeSignatureCache) ----------------- */

/* What a request finds under its key in the shared cache. */
typedef enum {
    NETEXE_SIG_FOUND,           /* a result, in *state */
    NETEXE_SIG_MINE,            /* this request's claim: it analyses */
    NETEXE_SIG_CLAIMED,         /* a claim stored, to be read back */
    NETEXE_SIG_WAIT,            /* another request's claim */
    NETEXE_SIG_ABSENT,          /* nothing there, no claim made */
    NETEXE_SIG_UNAVAILABLE      /* the cache failed: analyse without it */
} netexe_sig_found;

static void netexe_sig_put_u64(unsigned char *p, apr_uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

/* The shared key of a file version under the roots of digest. */
static void netexe_sig_id(const netexe_sig_key *key,
                          const unsigned char *digest,
                          unsigned char id[NETEXE_SIG_ID_LEN])
{
    unsigned char *p = id + NETEXE_SIG_ID_FIELDS;
    apr_uint32_t mix = NETEXE_SIG_FNV_OFFSET;
    apr_size_t i;

    id[1] = NETEXE_SIG_ID_FORMAT;
    netexe_sig_put_u64(p, (apr_uint64_t)key->dev);
    netexe_sig_put_u64(p + 8, (apr_uint64_t)key->inode);
    netexe_sig_put_u64(p + 16, (apr_uint64_t)key->size);
    netexe_sig_put_u64(p + 24, (apr_uint64_t)key->mtime);
    memcpy(p + 32, digest, NETEXE_SIG_DIGEST_LEN);
    for (i = 1; i < NETEXE_SIG_ID_LEN; i++) {
        mix = (mix ^ id[i]) * NETEXE_SIG_FNV_PRIME;
    }
    id[0] = (unsigned char)(mix ^ (mix >> 8) ^ (mix >> 16) ^ (mix >> 24));
}

/* A token that tells this request's claim from every other, also on
 * other hosts sharing the cache: random bytes and the process id. */
static const char *netexe_sig_token(request_rec *r)
{
    unsigned char rnd[NETEXE_SIG_TOKEN_BYTES];
    char hex[2 * NETEXE_SIG_TOKEN_BYTES + 1];

    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        /* Unique within the process all the same. */
        netexe_sig_put_u64(rnd, (apr_uint64_t)apr_time_now()
                                ^ (apr_uint64_t)r->connection->id);
    }
    ap_bin2hex(rnd, sizeof(rnd), hex);
    return apr_psprintf(r->pool, "%s.%" APR_PID_T_FMT, hex, getpid());
}

/* The state written as "S:" and its number; 0 for anything else.  The
 * number, not the name, so that a state added to authenticode.h needs
 * nothing here (a release that changes what the numbers mean changes
 * NETEXE_SIG_ID_FORMAT). */
static int netexe_sig_state_parse(const char *v, netexe_ac_state *state)
{
    const char *p = v + NETEXE_SIG_VALUE_PREFIX_LEN;
    int n = 0;

    if (strncmp(v, NETEXE_SIG_VALUE_STATE, NETEXE_SIG_VALUE_PREFIX_LEN)
        || !*p) {
        return 0;
    }
    for (; *p; p++) {
        if (!apr_isdigit(*p) || n > NETEXE_SIG_STATE_MAX) {
            return 0;
        }
        n = n * 10 + (*p - '0');
    }
    if (n > NETEXE_SIG_STATE_MAX) {
        return 0;
    }
    *state = (netexe_ac_state)n;
    return 1;
}

static apr_status_t netexe_sig_shared_lock(request_rec *r,
                                           netexe_sig_shared *sh)
{
    apr_status_t rv = sh->mutex ? apr_global_mutex_lock(sh->mutex)
                                : APR_SUCCESS;

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "NetExeSignatureCache %s: cannot take "
                      "the %s mutex", sh->spec, NETEXE_SIG_MUTEX_TYPE);
    }
    return rv;
}

static void netexe_sig_shared_unlock(netexe_sig_shared *sh)
{
    if (sh->mutex) {
        apr_global_mutex_unlock(sh->mutex);
    }
}

/* Looks the key up and, when nothing is there and claim is set, stores
 * this request's claim to analyse it.  Under the mutex (shmcb) the look-up
 * and the claim are one step, and a stored claim is this request's
 * (NETEXE_SIG_MINE); without it another request may claim at the same
 * moment, and the claim must be read back (NETEXE_SIG_CLAIMED). */
static netexe_sig_found netexe_sig_lookup(request_rec *r,
                                          netexe_sig_shared *sh,
                                          const unsigned char *id,
                                          const char *token, int claim,
                                          netexe_ac_state *state,
                                          apr_pool_t *tmp)
{
    unsigned char value[NETEXE_SIG_VALUE_MAX];
    unsigned int len = sizeof(value) - 1;
    netexe_sig_found found;
    apr_status_t rv;

    if (netexe_sig_shared_lock(r, sh) != APR_SUCCESS) {
        return NETEXE_SIG_UNAVAILABLE;
    }
    rv = sh->provider->retrieve(sh->instance, r->server, id,
                                NETEXE_SIG_ID_LEN, value, &len, tmp);
    if (rv == APR_SUCCESS) {
        const char *v = (const char *)value;

        value[len] = '\0';
        if (netexe_sig_state_parse(v, state)) {
            found = NETEXE_SIG_FOUND;
        }
        else if (!strncmp(v, NETEXE_SIG_VALUE_PENDING,
                          NETEXE_SIG_VALUE_PREFIX_LEN)) {
            found = strcmp(v + NETEXE_SIG_VALUE_PREFIX_LEN, token)
                    ? NETEXE_SIG_WAIT : NETEXE_SIG_MINE;
        }
        else {
            found = NETEXE_SIG_ABSENT;      /* not ours to read: replaced */
        }
    }
    else if (APR_STATUS_IS_NOTFOUND(rv)) {
        found = NETEXE_SIG_ABSENT;
    }
    else {
        found = NETEXE_SIG_UNAVAILABLE;
    }
    if (found == NETEXE_SIG_ABSENT && claim) {
        char *mark = apr_pstrcat(tmp, NETEXE_SIG_VALUE_PENDING, token, NULL);

        rv = sh->provider->store(sh->instance, r->server, id,
                                 NETEXE_SIG_ID_LEN,
                                 apr_time_now() + NETEXE_SIG_PENDING_TTL,
                                 (unsigned char *)mark,
                                 (unsigned int)strlen(mark), tmp);
        found = rv != APR_SUCCESS ? NETEXE_SIG_UNAVAILABLE
                : sh->mutex ? NETEXE_SIG_MINE : NETEXE_SIG_CLAIMED;
    }
    netexe_sig_shared_unlock(sh);
    return found;
}

/* Leaves the outcome of this request's analysis for the others: the
 * state, or (rc -1, the file could not be read) nothing, so that the next
 * request claims the version again instead of waiting. */
static void netexe_sig_publish(request_rec *r, netexe_sig_shared *sh,
                               const unsigned char *id, int rc,
                               netexe_ac_state state, apr_pool_t *tmp)
{
    apr_status_t rv;

    if (netexe_sig_shared_lock(r, sh) != APR_SUCCESS) {
        return;
    }
    if (rc == 0) {
        char *value = apr_psprintf(tmp, NETEXE_SIG_VALUE_STATE "%d",
                                   (int)state);

        rv = sh->provider->store(sh->instance, r->server, id,
                                 NETEXE_SIG_ID_LEN,
                                 apr_time_now() + NETEXE_SIG_SHARED_TTL,
                                 (unsigned char *)value,
                                 (unsigned int)strlen(value), tmp);
    }
    else {
        rv = sh->provider->remove(sh->instance, r->server, id,
                                  NETEXE_SIG_ID_LEN, tmp);
    }
    netexe_sig_shared_unlock(sh);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      "%s: NetExeSignatureCache %s: cannot "
                      "share the result", r->filename ? r->filename : r->uri,
                      sh->spec);
    }
}

/* The state of this version under these roots, from the shared cache or
 * analysed by this request, which then shares it.  When another process
 * (or host) is analysing it, this one polls for its result, for at most
 * NETEXE_SIG_PENDING_TTL: past that, or when the cache fails, it analyses
 * the file itself.  Without a shared cache it just analyses.  -1 when the
 * file could not be read. */
static int netexe_sig_obtain(request_rec *r, const netexe_server_conf *sconf,
                             const netexe_sig_key *key, apr_file_t *file,
                             netexe_ac_state *state)
{
    const char *name = r->filename ? r->filename : r->uri;
    netexe_sig_shared *sh = sconf->shared;
    unsigned char id[NETEXE_SIG_ID_LEN];
    apr_interval_time_t pause = NETEXE_SIG_POLL_FIRST;
    netexe_sig_found found;
    const char *token;
    apr_time_t deadline;
    apr_pool_t *tmp;
    int claim = 1;
    int rc;

    if (!sh || apr_pool_create(&tmp, r->pool) != APR_SUCCESS) {
        return netexe_sig_analyse(r, file, key->size, key->roots, state);
    }
    apr_pool_tag(tmp, "netexe_sig_shared");
    netexe_sig_id(key, sconf->roots_digest, id);
    token = netexe_sig_token(r);
    deadline = apr_time_now() + NETEXE_SIG_PENDING_TTL;
    for (;;) {
        /* The memcache and Redis providers allocate on every look-up. */
        apr_pool_clear(tmp);
        found = netexe_sig_lookup(r, sh, id, token, claim, state, tmp);
        if (found == NETEXE_SIG_FOUND) {
            apr_pool_destroy(tmp);
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                          "%s: Authenticode signature %s "
                          "(analysed before, shared through %s)", name,
                          netexe_ac_state_name(*state), sh->spec);
            return 0;
        }
        if (found == NETEXE_SIG_CLAIMED) {
            /* Read it back once the claims of the same moment landed:
             * the one found there analyses, the others wait for it. */
            claim = 0;
            apr_sleep(NETEXE_SIG_CLAIM_SETTLE);
            continue;
        }
        if (found != NETEXE_SIG_WAIT || apr_time_now() >= deadline) {
            break;
        }
        apr_sleep(pause);
        pause = pause * 2 < NETEXE_SIG_POLL_LAST ? pause * 2
                                                 : NETEXE_SIG_POLL_LAST;
    }
    if (found == NETEXE_SIG_WAIT) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: the analysis another process "
                      "claimed did not end in time; analysing here", name);
    }
    else if (found == NETEXE_SIG_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: NetExeSignatureCache %s failed; "
                      "analysing without it", name, sh->spec);
    }
    rc = netexe_sig_analyse(r, file, key->size, key->roots, state);
    apr_pool_clear(tmp);
    netexe_sig_publish(r, sh, id, rc, *state, tmp);
    apr_pool_destroy(tmp);
    return rc;
}

/* The state of this version of the file: remembered, or analysed now.
 * While another thread of this process analyses the same version, this
 * one waits for its result: the response is held for at most that one
 * analysis, and the warning is logged once.  -1 when the file could not
 * be read (nothing is remembered then; the next request tries again). */
static int netexe_sig_state(request_rec *r, const netexe_server_conf *sconf,
                            const netexe_sig_key *key, apr_file_t *file,
                            netexe_ac_state *state)
{
    netexe_sig_cache *cache = sconf->cache;
    netexe_sig_entry *e;
    int rc;

    netexe_sig_lock(cache);
    while ((e = apr_hash_get(cache->index, key, sizeof(*key))) != NULL) {
        if (!e->pending) {
            *state = e->state;
            netexe_sig_unlock(cache);
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                          "%s: Authenticode signature %s "
                          "(analysed before)",
                          r->filename ? r->filename : r->uri,
                          netexe_ac_state_name(*state));
            return 0;
        }
#if APR_HAS_THREADS
        /* Ends when the analysing thread broadcasts: it always does. */
        apr_thread_cond_wait(cache->done, cache->lock);
#else
        break;
#endif
    }
    e = e ? NULL : netexe_sig_slot(cache);
    if (e) {
        e->key = *key;
        e->used = 1;
        e->pending = 1;
        apr_hash_set(cache->index, &e->key, sizeof(e->key), e);
    }
    netexe_sig_unlock(cache);

    rc = netexe_sig_obtain(r, sconf, key, file, state);

    if (e) {
        netexe_sig_lock(cache);
        e->pending = 0;
        if (rc == 0) {
            e->state = *state;
        }
        else {
            apr_hash_set(cache->index, &e->key, sizeof(e->key), NULL);
            e->used = 0;
        }
#if APR_HAS_THREADS
        apr_thread_cond_broadcast(cache->done);
#endif
        netexe_sig_unlock(cache);
    }
    return rc;
}

/* The file the body is, when it is one: the first data bucket is a FILE
 * bucket from offset 0 (the default handler's).  Nothing has been passed
 * on yet, so the body's first bucket is the first of held, or of bb. */
static apr_file_t *netexe_body_file(apr_bucket_brigade *held,
                                    apr_bucket_brigade *bb)
{
    apr_bucket_brigade *lists[2];
    int i;

    lists[0] = held;
    lists[1] = bb;
    for (i = 0; i < 2; i++) {
        apr_bucket *e;

        if (!lists[i]) {
            continue;               /* nothing was held */
        }

        for (e = APR_BRIGADE_FIRST(lists[i]);
             e != APR_BRIGADE_SENTINEL(lists[i]);
             e = APR_BUCKET_NEXT(e)) {
            if (APR_BUCKET_IS_METADATA(e) || e->length == 0) {
                continue;
            }
            if (APR_BUCKET_IS_FILE(e) && e->start == 0) {
                return ((apr_bucket_file *)e->data)->fd;
            }
            return NULL;
        }
    }
    return NULL;
}

/* NetExeSignatureCheck On, for a response the sniffer found to be a PE
 * image: sets the note netexe-signature, and logs a bad signature once.
 * Never changes the response. */
static void netexe_check_signature(request_rec *r, netexe_ctx *ctx,
                                   apr_bucket_brigade *bb)
{
    netexe_server_conf *sconf = ap_get_module_config(r->server->module_config,
                                                     &netexe_module);
    apr_file_t *file = netexe_body_file(ctx->held, bb);
    netexe_sig_key key;
    netexe_ac_state state;
    apr_finfo_t fi;
    apr_status_t rv;

    if (!file) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "%s: no signature check: the body is not "
                      "a file", r->uri);
        return;
    }
    if (!sconf->cache) {
        /* child_init could not make it, and said so. */
        return;
    }
    rv = apr_file_info_get(&fi, NETEXE_SIG_FINFO_WANTED, file);
    if ((rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        || (fi.valid & NETEXE_SIG_FINFO_WANTED) != NETEXE_SIG_FINFO_WANTED) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      "%s: no signature check: cannot stat the "
                      "file", r->uri);
        return;
    }
    memset(&key, 0, sizeof(key));
    key.dev = fi.device;
    key.inode = fi.inode;
    key.size = fi.size;
    key.mtime = fi.mtime;
    key.roots = sconf->roots;
    if (netexe_sig_state(r, sconf, &key, file, &state) == 0) {
        apr_table_setn(r->notes, NETEXE_SIG_NOTE,
                       netexe_ac_state_name(state));
    }
}

/* The other Content-Disposition that arrived after the filter decided,
 * when NetExeOverride Off lets it win, or NULL; *count gets the number of
 * Content-Disposition fields in both tables. */
static const char *netexe_other_cd(request_rec *r, const char *ours,
                                   int *count)
{
    const apr_table_t *tables[2];
    const char *other = NULL;
    int t, i;

    tables[0] = r->headers_out;
    tables[1] = r->err_headers_out;
    *count = 0;
    for (t = 0; t < 2; t++) {
        const apr_array_header_t *arr = apr_table_elts(tables[t]);
        const apr_table_entry_t *elts = (const apr_table_entry_t *)arr->elts;

        for (i = 0; i < arr->nelts; i++) {
            if (elts[i].key && !strcasecmp(elts[i].key, NETEXE_CD)) {
                ++*count;
                if (strcmp(elts[i].val, ours) != 0) {
                    other = elts[i].val;    /* the last one set wins */
                }
            }
        }
    }
    return other;
}

/* NETEXE_CD: runs once, after mod_headers' output fixups and anything else
 * of the content-set stage, before the header is sent or cached.  Exactly
 * one Content-Disposition leaves: the module's with NetExeOverride On,
 * else the last one another part of the server set after the decision.
 * The HTTP header filter would send headers_out and err_headers_out both,
 * so the one kept is in headers_out alone. */
static apr_status_t netexe_cd_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    netexe_cd_ctx *cd = f->ctx;
    const char *other, *keep;
    int count;

    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }
    other = netexe_other_cd(r, cd->value, &count);
    if (count != 1 || other) {
        keep = (other && !cd->override) ? other : cd->value;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: %d Content-Disposition fields after the output "
                      "fixups; sending one: %s", r->uri, count, keep);
        apr_table_unset(r->err_headers_out, NETEXE_CD);
        apr_table_setn(r->headers_out, NETEXE_CD, keep);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* Sets the module's Content-Disposition, and the step that keeps it the
 * only one whatever runs after the filter.  A handler that held the body
 * back may have set its own since the first call: with NetExeOverride Off
 * that one stays. */
static const char *netexe_set_cd(ap_filter_t *f, netexe_ctx *ctx,
                                 const netexe_dir_conf *conf,
                                 apr_bucket_brigade *bb, const char *value)
{
    request_rec *r = f->r;
    netexe_server_conf *sconf = ap_get_module_config(r->server->module_config,
                                                     &netexe_module);
    netexe_cd_ctx *cd;

    if (!ctx->first_call && !conf->override
        && (apr_table_get(r->headers_out, NETEXE_CD)
            || apr_table_get(r->err_headers_out, NETEXE_CD))) {
        return NULL;
    }
    if (!apr_is_empty_table(r->err_headers_out)) {
        apr_table_unset(r->err_headers_out, NETEXE_CD);
    }
    if (ctx->cd_absent) {
        /* Nothing to replace: no search for one. */
        apr_table_addn(r->headers_out, NETEXE_CD, value);
    }
    else {
        apr_table_setn(r->headers_out, NETEXE_CD, value);
    }
    /* Nobody can set another one when no request filter follows (only the
     * protocol's, which set none) and the handler is done (the body ends
     * in this brigade): the plain static download needs no extra step. */
    if (f->next == r->proto_output_filters && !APR_BRIGADE_EMPTY(bb)
        && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb))) {
        return value;
    }
    cd = apr_palloc(r->pool, sizeof(*cd));
    cd->value = value;
    cd->override = conf->override;
    ap_add_output_filter_handle(sconf->cd_frec, cd, r, r->connection);
    return value;
}

/* Turns the verdict into the note, the log line and, for a match, the
 * header.  Runs before anything of the response is passed on: once the
 * first brigade has gone down, the headers may already be on the wire. */
static void netexe_apply(ap_filter_t *f, netexe_ctx *ctx,
                         const netexe_dir_conf *conf, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const char *verdict;
    const char *value = NULL;
    const char *why = "";
    int match = 0;

    if (ctx->unknown) {
        verdict = NETEXE_VERDICT_UNKNOWN;
        /* A body that browsers decode further than the module will could
         * be an image: the header, to fail closed. */
        match = ctx->bounded;
    }
    else {
        switch (ctx->info.verdict) {
        case PE_CLR:
            verdict = NETEXE_VERDICT_CLR;
            match = 1;
            break;
        case PE_NATIVE:
            verdict = NETEXE_VERDICT_NATIVE;
            match = conf->match == NETEXE_MATCH_PE;
            break;
        default:
            verdict = NETEXE_VERDICT_NOT_PE;
            break;
        }
    }
    /* Added, not set: the verdict is given once per request (a second
     * NETEXE instance steps aside before it gets here), so there is no
     * earlier note to replace and no need to search for one. */
    apr_table_addn(r->notes, NETEXE_NOTE, verdict);

    if (match) {
        /* Built on the stack: the pool keeps only the value's bytes. */
        char out[NETEXE_DISPOSITION_MAX];
        const char *seg;
        size_t seglen, n;

        seg = netexe_last_segment(r->uri ? r->uri : "",
                                  r->uri ? strlen(r->uri) : 0, &seglen);
        n = netexe_disposition(out, sizeof(out), seg, seglen,
                               !ctx->unknown && pe_is_dll(&ctx->info),
                               conf->filename);
        if (n) {
            value = netexe_set_cd(f, ctx, conf, bb,
                                  apr_pstrmemdup(r->pool, out, n));
        }
    }

    /* The reason is put together only for a line that is logged: the
     * allocation would otherwise be most of the filter's own cost. */
    if (!APLOGrdebug(r)) {
        return;
    }
    if (ctx->unknown) {
        why = apr_pstrcat(r->pool, " (", ctx->gave_up, ")", NULL);
    }
    else if (ctx->info.reason != PE_REASON_NONE) {
        why = apr_pstrcat(r->pool, " (", pe_reason_name(ctx->info.reason),
                          ")", NULL);
    }
    /* Held: what this filter allocated or kept for the response. */
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "%s: %s%s, %" APR_SIZE_T_FMT " bytes examined, %"
                  APR_SIZE_T_FMT " bytes held, %s%s", r->uri, verdict, why,
                  ctx->examined, netexe_held_memory(ctx),
                  value ? "Content-Disposition: " : "no header",
                  value ? value : "");
}

/* Puts the held buckets and the kept bytes, in their order, in front of
 * bb.  The kept bytes go as transient buckets over the buffers: a filter
 * further down that keeps them past this call copies them (the bucket
 * contract), and the buffers are freed once the brigade has gone on. */
static void netexe_release(request_rec *r, netexe_ctx *ctx,
                           apr_bucket_brigade *bb)
{
    apr_bucket_alloc_t *list = r->connection->bucket_alloc;
    const unsigned char *base = ctx->ncodings > 0 ? ctx->raw : ctx->buf;
    apr_size_t end = ctx->ncodings > 0 ? ctx->raw_len : ctx->kept;
    apr_size_t pos = 0;

    if (!ctx->held) {
        if (end == 0 && !ctx->flush) {
            return;
        }
        ctx->held = apr_brigade_create(r->pool, list);
    }
    else {
        const netexe_mark *marks = (const netexe_mark *)ctx->marks->elts;
        apr_bucket *e;
        int i = 0;

        for (e = APR_BRIGADE_FIRST(ctx->held);
             e != APR_BRIGADE_SENTINEL(ctx->held);
             e = APR_BUCKET_NEXT(e), i++) {
            if (marks[i].at > pos) {
                APR_BUCKET_INSERT_BEFORE(e, apr_bucket_transient_create(
                    (const char *)base + pos, marks[i].at - pos, list));
            }
            pos = marks[i].skip;
        }
    }
    if (end > pos) {
        APR_BRIGADE_INSERT_TAIL(ctx->held, apr_bucket_transient_create(
            (const char *)base + pos, end - pos, list));
    }
    if (ctx->flush) {
        /* The FLUSHes that arrived before the decision, as one. */
        APR_BRIGADE_INSERT_TAIL(ctx->held, apr_bucket_flush_create(list));
    }
    APR_BRIGADE_PREPEND(bb, ctx->held);
}

/* A file whose PE header lies far in was judged on two reads made now,
 * but the core sends the bytes at e_lfanew later, from the file: a file
 * rewritten in place meanwhile would go out as something else than what
 * was judged.  So the bytes the decision rested on go out as copies of
 * what was read, and sendfile keeps the rest.  Only for such files (the
 * first read decides for every image a compiler makes). */
static void netexe_pin_far(request_rec *r, netexe_ctx *ctx,
                           apr_bucket_brigade *bb)
{
    apr_bucket_alloc_t *list = r->connection->bucket_alloc;
    apr_bucket *e = APR_BRIGADE_FIRST(bb), *mid, *win;
    apr_size_t at = ctx->win_off;

    if (ctx->held || ctx->kept || !APR_BUCKET_IS_FILE(e)
        || e->length == (apr_size_t)-1
        || at < ctx->len || at - ctx->len > e->length
        || e->length - at < ctx->win_len) {
        return;
    }
    if (apr_bucket_split(e, ctx->len) != APR_SUCCESS) {
        return;
    }
    mid = APR_BUCKET_NEXT(e);
    if (at > ctx->len) {
        if (apr_bucket_split(mid, at - ctx->len) != APR_SUCCESS) {
            return;
        }
        win = APR_BUCKET_NEXT(mid);
    }
    else {
        win = mid;
    }
    if (win->length > ctx->win_len
        && apr_bucket_split(win, ctx->win_len) != APR_SUCCESS) {
        return;
    }
    APR_BUCKET_INSERT_BEFORE(e, apr_bucket_heap_create(
        (const char *)ctx->buf, ctx->len, NULL, list));
    apr_bucket_delete(e);
    APR_BUCKET_INSERT_BEFORE(win, apr_bucket_heap_create(
        (const char *)ctx->win, ctx->win_len, NULL, list));
    apr_bucket_delete(win);
}

/* Where netexe_raw_gather stands: the body offset reached, and the part
 * [off, end) of the body wanted in dst. */
typedef struct {
    apr_size_t at, off, end, got;
    unsigned char *dst;
} netexe_gather;

/* The body's next len bytes, at p; 1 once the part wanted is reached. */
static int netexe_gather_mem(netexe_gather *g, const unsigned char *p,
                             apr_size_t len)
{
    if (g->at + len > g->off && g->at < g->end) {
        apr_size_t from = g->off > g->at ? g->off - g->at : 0;
        apr_size_t k = len - from;

        if (k > g->end - (g->at + from)) {
            k = g->end - (g->at + from);
        }
        memcpy(g->dst + (g->at + from - g->off), p + from, k);
        g->got = g->at + from + k - g->off;
    }
    g->at += len;
    return g->at >= g->end;
}

/* The body's next bytes in bucket b: a file is peeked, another bucket
 * read (may_wait: even one of unknown length).  1 once the part wanted is
 * reached or the bytes cannot be had. */
static int netexe_gather_bucket(request_rec *r, netexe_gather *g,
                                apr_bucket *b, int may_wait)
{
    const char *data;
    apr_size_t blen;

    if (APR_BUCKET_IS_METADATA(b)) {
        return 0;
    }
    if (APR_BUCKET_IS_FILE(b)) {
        apr_size_t from, k;

        if (g->at + b->length > g->off && g->at < g->end) {
            from = g->off > g->at ? g->off - g->at : 0;
            k = b->length - from;
            if (k > g->end - (g->at + from)) {
                k = g->end - (g->at + from);
            }
            if (netexe_peek_file(r, b, from, g->dst + (g->at + from - g->off),
                                 k) != APR_SUCCESS) {
                return 1;
            }
            g->got = g->at + from + k - g->off;
        }
        g->at += b->length;
        return g->at >= g->end;
    }
    if ((!may_wait && b->length == (apr_size_t)-1)
        || apr_bucket_read(b, &data, &blen, APR_BLOCK_READ) != APR_SUCCESS) {
        return 1;
    }
    return netexe_gather_mem(g, (const unsigned char *)data, blen);
}

/* Copies the raw bytes [off, off + n) of the body into dst, as far as
 * they are here: the kept bytes with the buckets held among them, then
 * the buckets of bb from e on (e NULL: none).  Files are peeked; e is read
 * even when that waits (a pipe: nothing goes on before the decision
 * anyway); after it, a bucket of unknown length stops the copy.  Returns
 * the bytes copied; *ends is set when the body ended before off + n. */
static apr_size_t netexe_raw_gather(request_rec *r, netexe_ctx *ctx,
                                    apr_bucket_brigade *bb, apr_bucket *e,
                                    apr_size_t off, unsigned char *dst,
                                    apr_size_t n, int *ends)
{
    netexe_gather g;
    apr_size_t pos = 0;
    apr_bucket *b;
    int done = 0;

    g.at = g.got = 0;
    g.off = off;
    g.end = off + n;
    g.dst = dst;
    *ends = 0;
    if (ctx->held) {
        const netexe_mark *marks = (const netexe_mark *)ctx->marks->elts;
        int i = 0;

        for (b = APR_BRIGADE_FIRST(ctx->held);
             !done && b != APR_BRIGADE_SENTINEL(ctx->held);
             b = APR_BUCKET_NEXT(b), i++) {
            done = netexe_gather_mem(&g, ctx->raw + pos, marks[i].at - pos)
                   || netexe_gather_bucket(r, &g, b, 0);
            pos = marks[i].skip;
        }
    }
    if (!done) {
        done = netexe_gather_mem(&g, ctx->raw + pos, ctx->raw_len - pos);
    }
    for (b = e; !done && b && b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_EOS(b)) {
            *ends = 1;
            break;
        }
        done = netexe_gather_bucket(r, &g, b, b == e);
    }
    return g.got;
}

/* The verdict on a body whose coding list browsers read two ways (raw, or
 * decoded): the reading that finds an image wins.  Called once the decoded
 * reading has decided; the raw bytes are those kept so far and, after
 * them, what bb holds from its first bucket on, which is not used up;
 * bb NULL: the kept bytes alone, more to come.  0 when the raw reading
 * needs more bytes than there are (raw_wait), else 1. */
static int netexe_raw_reading(request_rec *r, netexe_ctx *ctx,
                              apr_bucket_brigade *bb)
{
    unsigned char head[NETEXE_READ_AHEAD], win[NETEXE_WINDOW];
    apr_size_t n, w = 0;
    int ends, win_ends = 0;
    pe_info raw;
    pe_verdict v;

    n = netexe_raw_gather(r, ctx, bb, bb ? APR_BRIGADE_FIRST(bb) : NULL, 0,
                          head, sizeof(head), &ends);
    v = pe_decide_window(head, n, NULL, 0, 0, &raw);
    if (v == PE_NEED_MORE && !ends && raw.e_lfanew != 0) {
        w = netexe_raw_gather(r, ctx, bb, bb ? APR_BRIGADE_FIRST(bb) : NULL,
                              raw.e_lfanew, win, sizeof(win), &win_ends);
        ends = win_ends;
        v = pe_decide_window(head, n, win, raw.e_lfanew, w, &raw);
    }
    if (v == PE_NEED_MORE && ends) {
        v = pe_sniff_window_final(head, n, win, raw.e_lfanew, w, &raw);
    }
    if (v == PE_NEED_MORE && raw.need <= ctx->limit) {
        /* More raw bytes, which the next buckets bring: the decoded
         * reading's verdict waits for them (netexe_raw_more). */
        ctx->raw_wait = 1;
        return 0;
    }
    ctx->raw_wait = 0;
    if (v == PE_NEED_MORE && !ctx->unknown
        && ctx->info.verdict == PE_NOT_PE) {
        /* Read raw, the PE header lies beyond the limit, as it may in a
         * streamed body without a coding: unknown, not "not PE". */
        netexe_past_limit(ctx);
        return 1;
    }
    /* A decoded reading stopped at a bound gets the header (it could be
     * an image): only a CLR image read raw says more. */
    if (v == PE_CLR
        || (v == PE_NATIVE && !(ctx->unknown && ctx->bounded)
            && (ctx->unknown || ctx->info.verdict == PE_NOT_PE))) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: the raw bytes are a PE image (%s) under a "
                      "Content-Encoding that browsers read two ways",
                      r->uri, pe_verdict_name(v));
        ctx->info = raw;
        ctx->unknown = 0;
    }
    return 1;
}

/* While the raw reading waits: the first bucket of bb is kept as raw
 * bytes (it goes on with the decision) and the raw reading tried again;
 * the end of the body, a file or the limit ends the wait. */
static apr_status_t netexe_raw_more(request_rec *r, netexe_ctx *ctx,
                                    apr_bucket_brigade *bb)
{
    apr_bucket *e = APR_BRIGADE_FIRST(bb);
    const char *data;
    apr_size_t dlen;
    apr_status_t rv;

    if (APR_BUCKET_IS_EOS(e)) {
        netexe_raw_reading(r, ctx, bb);
        ctx->raw_wait = 0;
        return APR_SUCCESS;
    }
    if (APR_BUCKET_IS_FILE(e) && netexe_raw_reading(r, ctx, bb)) {
        /* Decided with the file peeked: it goes on as it is. */
        return APR_SUCCESS;
    }
    if (APR_BUCKET_IS_FLUSH(e)) {
        ctx->flush = 1;
        apr_bucket_delete(e);
        return APR_SUCCESS;
    }
    if (APR_BUCKET_IS_METADATA(e)) {
        return netexe_hold(r, ctx, e, ctx->raw_len, ctx->raw_len);
    }
    if (ctx->raw_len == ctx->limit) {
        /* The decoded reading's verdict stands. */
        ctx->raw_wait = 0;
        return APR_SUCCESS;
    }
    if (!APR_BUCKET_IS_FILE(e)) {
        rv = apr_bucket_read(e, &data, &dlen, APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if (e->length > ctx->limit - ctx->raw_len) {
        /* Only what the limit holds is kept; the rest of the bucket goes
         * on after the decision. */
        rv = apr_bucket_split(e, ctx->limit - ctx->raw_len);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if (APR_BUCKET_IS_FILE(e)) {
        /* Kept as a script's bytes are: the file may be gone by the time
         * the decision comes. */
        rv = netexe_keep_file(r, ctx, e);
        if (rv == APR_INCOMPLETE) {
            ctx->raw_wait = 0;
            return APR_SUCCESS;
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    else {
        dlen = e->length;
        rv = netexe_grow(r, ctx, &ctx->raw, &ctx->raw_cap, ctx->raw_len,
                         ctx->raw_len + (dlen ? dlen : 1));
        if (rv != APR_SUCCESS) {
            return rv;
        }
        memcpy(ctx->raw + ctx->raw_len, data, dlen);
        ctx->raw_len += dlen;
        apr_bucket_delete(e);
    }
    /* On the kept bytes alone: the next bucket is copied once, when its
     * turn comes, not also peeked at here. */
    netexe_raw_reading(r, ctx, NULL);
    return APR_SUCCESS;
}

/* The handler may set or change Content-Encoding while the filter holds
 * the first bytes (after a flush, say): the client reads the body with
 * the coding sent.  When the codings now differ from those the bytes so
 * far were read with, the bytes kept are read again with the new ones. */
static apr_status_t netexe_recheck_codings(request_rec *r, netexe_ctx *ctx)
{
    netexe_resp_headers out, err;
    netexe_coding codings[NETEXE_DECODE_MAX_CODINGS];
    int n = 0, both = 0, i;
    unsigned char *raw;
    apr_size_t raw_len;
    apr_status_t rv;

    netexe_scan_headers(r->headers_out, &out);
    err.nenc = 0;
    if (!apr_is_empty_table(r->err_headers_out)) {
        netexe_scan_headers(r->err_headers_out, &err);
    }
    if (out.nenc || err.nenc || r->content_encoding) {
        netexe_codings(r, &out, err.nenc ? &err : NULL, codings, &n, &both);
    }
    if (n == ctx->ncodings && both == ctx->both) {
        for (i = 0; i < n && codings[i] == ctx->codings[i]; i++) {
        }
        if (i >= n) {
            return APR_SUCCESS;
        }
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "%s: Content-Encoding changed while the first bytes were "
                  "held; reading them again", r->uri);
    if (n < 0) {
        netexe_give_up(ctx, "too many content codings");
        ctx->bounded = 1;
        return APR_SUCCESS;
    }
    if (ctx->held) {
        apr_bucket *e;

        for (e = APR_BRIGADE_FIRST(ctx->held);
             e != APR_BRIGADE_SENTINEL(ctx->held); e = APR_BUCKET_NEXT(e)) {
            if (APR_BUCKET_IS_FILE(e)) {
                /* Its bytes are not kept: they cannot be read again.  The
                 * body could be an image read the new way: the header. */
                netexe_give_up(ctx, "Content-Encoding changed after a file");
                ctx->bounded = 1;
                return APR_SUCCESS;
            }
        }
    }

    /* The raw bytes of the released buckets, as one buffer owned here. */
    if (ctx->ncodings > 0) {
        raw = ctx->raw;
        raw_len = ctx->raw_len;
        ctx->raw = NULL;
        ctx->raw_len = ctx->raw_cap = 0;
        netexe_decoder_free(ctx->dec);
        ctx->dec = NULL;
    }
    else {
        raw = malloc(ctx->kept ? ctx->kept : 1);
        if (!raw) {
            return APR_ENOMEM;
        }
        memcpy(raw, ctx->buf, ctx->kept);
        raw_len = ctx->kept;
    }
    ctx->len = ctx->kept = 0;
    ctx->want = 1;
    ctx->win_len = 0;
    ctx->far_tried = 0;
    ctx->skipping = 0;
    /* A decoded reading already made, while the raw one waited, is void. */
    ctx->raw_wait = 0;
    ctx->decided = ctx->unknown = ctx->bounded = 0;
    ctx->gave_up = NULL;
    ctx->examined = 0;
    ctx->ncodings = n;
    ctx->both = both;
    if (n > 0) {
        memcpy(ctx->codings, codings, sizeof(*codings) * (size_t)n);
    }

    if (n > 0) {
        /* Kept as the raw bytes that go on; decoded into buf. */
        rv = netexe_grow(r, ctx, &ctx->raw, &ctx->raw_cap, 0,
                         raw_len ? raw_len : 1);
        if (rv == APR_SUCCESS) {
            memcpy(ctx->raw, raw, raw_len);
            ctx->raw_len = raw_len;
            rv = netexe_decode_feed(r, ctx, ctx->raw, raw_len);
        }
    }
    else {
        rv = APR_SUCCESS;
        if (raw_len > ctx->cap) {
            rv = netexe_grow(r, ctx, &ctx->buf, &ctx->cap, 0, raw_len);
        }
        if (rv == APR_SUCCESS) {
            memcpy(ctx->buf, raw, raw_len);
            ctx->len = ctx->kept = ctx->examined = raw_len;
            if (raw_len) {
                netexe_sniff(ctx);
            }
        }
    }
    free(raw);
    return rv;
}

/* Moves the first call's context, which lives on the stack, to the
 * request pool: the response goes on past this call. */
static netexe_ctx *netexe_ctx_keep(request_rec *r, netexe_ctx *first)
{
    netexe_ctx *ctx = apr_palloc(r->pool, sizeof(*ctx));

    memcpy(ctx, first, sizeof(*ctx));
    if (first->buf == first->first) {
        ctx->buf = ctx->first;
    }
    if (first->cleanup) {
        apr_pool_cleanup_kill(r->pool, first, netexe_ctx_cleanup);
        apr_pool_cleanup_register(r->pool, ctx, netexe_ctx_cleanup,
                                  apr_pool_cleanup_null);
    }
    return ctx;
}

static apr_status_t netexe_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    netexe_ctx *ctx = f->ctx;
    netexe_ctx first_ctx;       /* most responses decide in the first call:
                                 * no context in the pool for them */
    netexe_dir_conf *conf;
    apr_status_t rv = APR_SUCCESS;

    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }
    conf = ap_get_module_config(r->per_dir_config, &netexe_module);

    if (!ctx) {
        int cd_in_headers_out = 1, ncodings = 0, both = 0;
        netexe_coding codings[NETEXE_DECODE_MAX_CODINGS];
        const char *why = netexe_skip_reason(f, conf, &cd_in_headers_out,
                                             codings, &ncodings, &both);

        if (why) {
            return netexe_step_aside(f, bb, why);
        }
        ap_set_module_config(r->request_config, &netexe_module, f);
        ctx = &first_ctx;
        memset(ctx, 0, offsetof(netexe_ctx, info));
        if (ncodings > 0) {
            memcpy(ctx->codings, codings, sizeof(*codings) * (size_t)ncodings);
        }
        ctx->ncodings = ncodings;
        ctx->both = both;
        ctx->buf = ctx->first;
        ctx->cap = sizeof(ctx->first);
        ctx->limit = conf->sniff_limit;
        ctx->want = 1;
        ctx->cd_absent = !cd_in_headers_out;
        ctx->first_call = 1;
        if (ctx->ncodings < 0) {
            netexe_give_up(ctx, "too many content codings");
            ctx->bounded = 1;
        }
    }
    else {
        ctx->first_call = 0;
        rv = netexe_recheck_codings(r, ctx);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }

    while (!ctx->decided && !ctx->raw_wait && !APR_BRIGADE_EMPTY(bb)) {
        apr_bucket *e = APR_BRIGADE_FIRST(bb);

        if (APR_BUCKET_IS_EOS(e)) {
            if (r->header_only && ctx->examined == 0) {
                /* A HEAD answered without a body (a proxied HEAD, a
                 * script): there is nothing to judge, which is not the
                 * same as an empty file. */
                netexe_give_up(ctx, "no body to examine");
                break;
            }
            /* The whole body has been seen: decide on it. */
            netexe_sniff_final(ctx);
            break;
        }
        if (APR_BUCKET_IS_FLUSH(e)) {
            /* Nothing goes on before the decision, so a FLUSH means no
             * more than one after the held bytes: one is kept. */
            ctx->flush = 1;
            apr_bucket_delete(e);
            continue;
        }
        if (APR_BUCKET_IS_METADATA(e)) {
            apr_size_t at = ctx->ncodings > 0 ? ctx->raw_len : ctx->kept;

            rv = netexe_hold(r, ctx, e, at, at);
        }
        else if (APR_BUCKET_IS_FILE(e)) {
            rv = netexe_take_file(r, ctx, bb, e);
        }
        else {
            rv = netexe_take_data(r, ctx, e);
        }
        if (rv != APR_SUCCESS) {
            break;
        }
    }

    if (rv == APR_SUCCESS && ctx->decided && ctx->both && !ctx->raw_wait
        && !netexe_raw_reading(r, ctx, bb)) {
        /* The raw reading wants the bytes of the buckets to come. */
        ctx->decided = 0;
    }
    if (ctx->raw_wait) {
        while (rv == APR_SUCCESS && ctx->raw_wait && !APR_BRIGADE_EMPTY(bb)) {
            rv = netexe_raw_more(r, ctx, bb);
        }
        ctx->decided = !ctx->raw_wait;
    }
    if (rv != APR_SUCCESS || !ctx->decided) {
        /* Until the next call, the handler may set headers. */
        ctx->cd_absent = 0;
        if (ctx == &first_ctx) {
            f->ctx = netexe_ctx_keep(r, ctx);
        }
        return rv;
    }

    netexe_apply(f, ctx, conf, bb);
    if (conf->sigcheck && !ctx->unknown
        && (ctx->info.verdict == PE_CLR || ctx->info.verdict == PE_NATIVE)) {
        netexe_check_signature(r, ctx, bb);
    }
    if (ctx->win_len && ctx->ncodings <= 0) {
        netexe_pin_far(r, ctx, bb);
    }
    netexe_release(r, ctx, bb);
    ap_remove_output_filter(f);
    if (!APR_BRIGADE_EMPTY(bb)) {
        rv = ap_pass_brigade(f->next, bb);
    }
    if (ctx->cleanup) {
        /* Everything passed on has been sent or copied by now. */
        apr_pool_cleanup_run(r->pool, ctx, netexe_ctx_cleanup);
        ctx->cleanup = 0;
    }
    return rv;
}

/* The request's own filter of record frec, or NULL.  NETEXE is a request
 * filter, so the walk stops where the protocol and connection filters
 * begin. */
static ap_filter_t *netexe_filter_present(const request_rec *r,
                                          const ap_filter_rec_t *frec)
{
    ap_filter_t *f;

    for (f = r->output_filters; f && f != r->proto_output_filters;
         f = f->next) {
        if (f->frec == frec) {
            return f;
        }
    }
    return NULL;
}

/* Runs last, after the core's SetOutputFilter, mod_mime's AddOutputFilter
 * and mod_headers have inserted theirs, so that NETEXE comes after every
 * filter of its stage: it then sees the headers as they will be sent
 * (mod_headers' output fixups, DEFLATE's Content-Encoding) and the bytes as
 * the client will receive them.  An explicit NETEXE, inserted earlier, is
 * moved there rather than doubled. */
static void netexe_insert_filter(request_rec *r)
{
    netexe_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                 &netexe_module);
    netexe_server_conf *sconf = ap_get_module_config(r->server->module_config,
                                                     &netexe_module);
    ap_filter_t *named = netexe_filter_present(r, sconf->frec);

    if (r->main) {
        if (conf->enabled || named) {
            /* Subrequests are not examined (their body is part of another
             * response), so mod_cache must not keep their answer for a
             * client that asks for the resource itself. */
            r->no_cache = 1;
        }
        return;
    }
    if (named) {
        ap_remove_output_filter(named);
    }
    else if (!conf->enabled) {
        return;
    }
    ap_add_output_filter_handle(sconf->frec, NULL, r, r->connection);
}

/* The mutex type of NetExeSignatureCache, registered before the
 * configuration is read so that "Mutex" can name it. */
static int netexe_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    apr_status_t rv = ap_mutex_register(pconf, NETEXE_SIG_MUTEX_TYPE, NULL,
                                        APR_LOCK_DEFAULT, 0);

    (void)ptemp;
    if (rv != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog,
                      "cannot register the %s mutex",
                      NETEXE_SIG_MUTEX_TYPE);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static apr_status_t netexe_sig_shared_cleanup(void *data)
{
    netexe_sig_shared *sh = data;

    sh->provider->destroy(sh->instance, sh->s);
    return APR_SUCCESS;
}

/* Sets up the shared signature cache when some server checks signatures:
 * the one NetExeSignatureCache names, or shmcb when its module is loaded
 * and the directive is absent.  It is initialised on every pass over the
 * configuration, the first one included, so that a provider that refuses
 * its arguments (a memcache address that does not parse) stops the start
 * before httpd detaches, with the directive named.  Every server gets it:
 * one cache for all virtual hosts, whose roots are part of the key. */
static int netexe_sig_shared_init(apr_pool_t *pconf, apr_pool_t *ptemp,
                                  server_rec *s)
{
    static const struct ap_socache_hints hints = {
        NETEXE_SIG_ID_LEN,              /* avg_id_len */
        NETEXE_SIG_VALUE_PREFIX_LEN + 3, /* avg_obj_size: "S:" and a number */
        apr_time_from_sec(60)           /* expiry_interval */
    };
    netexe_server_conf *main_conf = ap_get_module_config(s->module_config,
                                                         &netexe_module);
    netexe_sig_shared *sh = main_conf->shared;
    apr_status_t rv;
    server_rec *sv;
    int used = 0;

    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        used = used || sc->sigcheck_used;
    }
    if (!used) {
        sh = NULL;
    }
    else if (!main_conf->shared_set) {
        const ap_socache_provider_t *provider =
            ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP,
                               NETEXE_SIG_DEFAULT_PROVIDER,
                               AP_SOCACHE_PROVIDER_VERSION);
        const char *err;

        if (!provider) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                         "signature results are kept per "
                         "process (NetExeSignatureCache: mod_socache_%s "
                         "is not loaded)", NETEXE_SIG_DEFAULT_PROVIDER);
        }
        else {
            sh = apr_pcalloc(pconf, sizeof(*sh));
            sh->spec = NETEXE_SIG_DEFAULT_PROVIDER;
            sh->provider = provider;
            err = provider->create(&sh->instance, NULL, ptemp, pconf);
            if (err) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                             "NetExeSignatureCache %s (the "
                             "default): %s", sh->spec, err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }
    if (sh) {
        sh->s = s;
        if (sh->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
            rv = ap_global_mutex_create(&sh->mutex, NULL,
                                        NETEXE_SIG_MUTEX_TYPE, NULL, s,
                                        pconf, 0);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                             "NetExeSignatureCache %s: cannot "
                             "create the %s mutex", sh->spec,
                             NETEXE_SIG_MUTEX_TYPE);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        rv = sh->provider->init(sh->instance, NETEXE_SIG_CACHE_NAME, &hints,
                                s, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "NetExeSignatureCache %s: the cache "
                         "cannot be initialised", sh->spec);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_cleanup_register(pconf, sh, netexe_sig_shared_cleanup,
                                  apr_pool_cleanup_null);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                     "signature results are shared through "
                     "NetExeSignatureCache %s", sh->spec);
    }
    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        sc->shared = sh;
    }
    return OK;
}

/* Looks the filters up by name once per configuration instead of once per
 * request, where the lookup would be a large part of what inserting the
 * filter costs.  The records live as long as the registration, which a
 * restart redoes before this hook runs again. */
static int netexe_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    ap_filter_rec_t *frec = ap_get_output_filter_handle(NETEXE_FILTER_NAME);
    ap_filter_rec_t *cd_frec = ap_get_output_filter_handle(NETEXE_CD_FILTER_NAME);
    server_rec *sv;

    (void)plog;
    if (!frec || !cd_frec) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "the %s filters are not registered", NETEXE_FILTER_NAME);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        sc->frec = frec;
        sc->cd_frec = cd_frec;
    }
    return netexe_sig_shared_init(pconf, ptemp, s);
}

/* Makes the signature cache of this child process, when some server
 * turns the check on, and hands it to every server: one cache per
 * process, so that a file is analysed once whichever virtual host serves
 * it (the roots are part of the key).  It lives in a pool of its own under
 * pchild, which nothing else allocates from while requests run. */
static void netexe_child_init(apr_pool_t *pchild, server_rec *s)
{
    netexe_sig_shared *shared;
    netexe_sig_cache *cache;
    server_rec *sv;
    apr_pool_t *p;
    apr_status_t rv;
    int used = 0;

    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        used = used || sc->sigcheck_used;
    }
    if (!used) {
        return;
    }
    rv = apr_pool_create(&p, pchild);
    if (rv == APR_SUCCESS) {
        apr_pool_tag(p, "netexe_sig_cache");
        cache = apr_pcalloc(p, sizeof(*cache));
        cache->index = apr_hash_make(p);
        cache->slots = apr_pcalloc(p, NETEXE_SIG_CACHE_ENTRIES
                                      * sizeof(*cache->slots));
#if APR_HAS_THREADS
        rv = apr_thread_mutex_create(&cache->lock, APR_THREAD_MUTEX_DEFAULT,
                                     p);
        if (rv == APR_SUCCESS) {
            rv = apr_thread_cond_create(&cache->done, p);
        }
#endif
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     "cannot make the signature cache: "
                     "NetExeSignatureCheck does nothing in this process");
        return;
    }
    shared = ((netexe_server_conf *)ap_get_module_config(s->module_config,
                                                         &netexe_module))->shared;
    if (shared && shared->mutex) {
        rv = apr_global_mutex_child_init(&shared->mutex,
                 apr_global_mutex_lockfile(shared->mutex), pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                         "NetExeSignatureCache %s: cannot "
                         "reattach the %s mutex: results are kept in this "
                         "process only", shared->spec,
                         NETEXE_SIG_MUTEX_TYPE);
            shared = NULL;
        }
    }
    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        sc->cache = cache;
        sc->shared = shared;
    }
}

static void netexe_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_register_output_filter(NETEXE_FILTER_NAME, netexe_out_filter, NULL,
                              NETEXE_FILTER_TYPE);
    ap_register_output_filter(NETEXE_CD_FILTER_NAME, netexe_cd_filter, NULL,
                              NETEXE_CD_FILTER_TYPE);
    ap_hook_insert_filter(netexe_insert_filter, NULL, NULL, APR_HOOK_LAST);
    ap_hook_pre_config(netexe_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(netexe_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(netexe_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

#define NETEXE_CONTEXT  (RSRC_CONF | ACCESS_CONF | OR_FILEINFO)
/* Not in .htaccess: the check reads whole files and logs to the server's
 * error log, which is the server administrator's decision. */
#define NETEXE_SIG_CONTEXT  (RSRC_CONF | ACCESS_CONF)

static const command_rec netexe_cmds[] = {
    AP_INIT_FLAG("NetExe", netexe_set_enabled, NULL, NETEXE_CONTEXT,
                 "On: add Content-Disposition: attachment to .NET images"),
    AP_INIT_TAKE1("NetExeMatch", netexe_set_match, NULL, NETEXE_CONTEXT,
                  "'clr' (default): only CLR images get the header; "
                  "'pe': every PE image"),
    AP_INIT_FLAG("NetExeOverride", netexe_set_override, NULL, NETEXE_CONTEXT,
                 "On: replace a Content-Disposition that is already set"),
    AP_INIT_FLAG("NetExeFilename", netexe_set_filename, NULL, NETEXE_CONTEXT,
                 "Off: send a bare 'attachment' without a filename"),
    AP_INIT_TAKE1("NetExeSniffLimit", netexe_set_limit, NULL, NETEXE_CONTEXT,
                  "most bytes examined before giving up, 512 to 16777216 "
                  "(default 65536)"),
    AP_INIT_FLAG("NetExeSignatureCheck", netexe_set_sigcheck, NULL,
                 NETEXE_SIG_CONTEXT,
                 "On: log PE files served with an incomplete, bad or "
                 "malformed Authenticode signature"),
    AP_INIT_TAKE1("NetExeTrustedRoots", netexe_set_roots, NULL, RSRC_CONF,
                  "PEM file of the root certificates clients are expected "
                  "to have"),
    AP_INIT_TAKE1("NetExeSignatureCache", netexe_set_sigcache, NULL,
                  RSRC_CONF,
                  "where analysed signatures are shared: 'none' (per "
                  "process) or a socache provider, e.g. 'shmcb', "
                  "'shmcb:path(bytes)', 'memcache:host:port', "
                  "'redis:host:port'"),
    {NULL}
};

AP_DECLARE_MODULE(netexe) = {
    STANDARD20_MODULE_STUFF,
    netexe_create_dir_conf,     /* per-directory config */
    netexe_merge_dir_conf,      /* merge per-directory config */
    netexe_create_server_conf,  /* per-server config */
    netexe_merge_server_conf,   /* merge per-server config */
    netexe_cmds,                /* command table */
    netexe_register_hooks,      /* hooks */
    AP_MODULE_FLAG_NONE         /* flags */
};
