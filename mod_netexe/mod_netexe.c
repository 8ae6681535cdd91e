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
 * keep sendfile: FILE buckets are peeked with pread(2), never read.
 *
 * Configuration (server, virtual host, directory, .htaccess with
 * AllowOverride FileInfo):
 *
 *     NetExe On                 insert the filter for every response
 *     NetExeMatch clr|pe        CLR images only (default), or every PE image
 *     NetExeOverride Off|On     replace an existing Content-Disposition
 *     NetExeFilename On|Off     add the filename parameter
 *     NetExeSniffLimit 65536    most bytes examined before giving up
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
 *
 * With NetExeSignatureCheck On, a static file that the filter finds to be
 * a PE image (CLR or native, whatever NetExeMatch says) is checked by
 * authenticode.c on the FILE bucket's own descriptor, digest included,
 * once per file version (device, inode, size, mtime) per child process:
 * the result is kept in a bounded per-process cache.  An incomplete chain,
 * a bad digest or a malformed signature is logged once at warning level;
 * the state goes into the note "netexe-signature" (unsigned, complete,
 * incomplete, bad-digest, malformed) of every such request.  The response
 * itself is never changed or refused.
 */

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "apr_buckets.h"
#include "apr_file_info.h"
#include "apr_file_io.h"
#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_portable.h"
#include "apr_strings.h"
#include "apr_tables.h"
#if APR_HAS_THREADS
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#endif

#include "pe.h"
#include "disposition.h"
#include "authenticode.h"

#define NETEXE_FILTER_NAME      "NETEXE"
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

#define NETEXE_SNIFF_LIMIT_DEFAULT  65536
#define NETEXE_SNIFF_LIMIT_MIN      512
#define NETEXE_SNIFF_LIMIT_MAX      (16 * 1024 * 1024)

/* Bytes taken from a bucket at a time, at least.  Real images decide
 * within e_lfanew + 0x100 bytes, and e_lfanew is typically 0x80 or 0xF8:
 * one peek of this size usually decides, instead of one per field. */
#define NETEXE_READ_AHEAD       512

/* Runs after resource filters (INCLUDES, ...) and before DEFLATE, BROTLI
 * and mod_headers' FIXUP_HEADERS_OUT, which all register at
 * AP_FTYPE_CONTENT_SET: filters of equal type run in insertion order, and
 * SetOutputFilter DEFLATE is inserted before our insert_filter hook, so an
 * equal type would put us after the compressor.  One less is enough. */
#define NETEXE_FILTER_TYPE      ((ap_filter_type)(AP_FTYPE_CONTENT_SET - 1))

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

/* Per-server configuration: the trusted roots, and in a child process the
 * signature cache that every server of that process shares. */
typedef struct {
    const char        *roots_path;  /* NetExeTrustedRoots, resolved */
    netexe_ac_roots   *roots;       /* loaded at configuration time */
    netexe_sig_cache  *cache;       /* set by child_init, or NULL */
    ap_filter_rec_t   *frec;        /* NETEXE, set by post_config */

    unsigned int roots_set:1;
    unsigned int sigcheck_used:1;   /* NetExeSignatureCheck On seen here */
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

    new->roots_path = add->roots_set ? add->roots_path : base->roots_path;
    new->roots = add->roots_set ? add->roots : base->roots;
    new->roots_set = add->roots_set || base->roots_set;
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
    sconf->roots_path = path;
    sconf->roots = roots;
    sconf->roots_set = 1;
    return NULL;
}

/* Per-request state, made on the filter's first call.  Most responses
 * decide on their first bucket and hold nothing: the held brigade is made
 * when a bucket must wait, and the first NETEXE_READ_AHEAD bytes, which
 * usually decide, go to a buffer inside the context. */
typedef struct {
    apr_bucket_brigade *held;   /* buckets held until the decision, or NULL */
    unsigned char *buf;         /* the leading bytes of the body */
    apr_size_t len;             /* bytes in buf */
    apr_size_t cap;             /* size of buf */
    apr_size_t want;            /* bytes the sniffer asks for next (> len) */
    apr_size_t limit;           /* NetExeSniffLimit */
    apr_size_t held_bytes;      /* data bytes in held (set aside) */
    unsigned int decided:1;
    unsigned int unknown:1;     /* gave up: see gave_up */
    unsigned int cd_absent:1;   /* headers_out has no Content-Disposition:
                                 * known in the first call only */
    const char *gave_up;        /* with unknown: why, for the debug log */
    /* From here on left uninitialised: info is read only after pe_sniff()
     * or pe_sniff_final(), which fill it, has decided. */
    pe_info info;
    unsigned char first[NETEXE_READ_AHEAD];  /* buf until it must grow */
} netexe_ctx;

static apr_status_t netexe_step_aside(ap_filter_t *f, apr_bucket_brigade *bb,
                                      const char *why)
{
    request_rec *r = f->r;

    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "mod_netexe: %s: not examined (status %d): %s", r->uri,
                  r->status, why);
    if (!apr_table_get(r->notes, NETEXE_NOTE)) {
        apr_table_setn(r->notes, NETEXE_NOTE, NETEXE_VERDICT_SKIPPED);
    }
    ap_remove_output_filter(f);
    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }
    return ap_pass_brigade(f->next, bb);
}

/* The response headers the first call decides on: the first value of
 * each in headers_out, else in err_headers_out, as apr_table_get() finds
 * them. */
typedef struct {
    const char *encoding;       /* Content-Encoding */
    const char *range;          /* Content-Range */
    const char *disposition;    /* Content-Disposition */
} netexe_resp_headers;

#define NETEXE_CONTENT_PREFIX       "Content-"
#define NETEXE_CONTENT_PREFIX_LEN   (sizeof(NETEXE_CONTENT_PREFIX) - 1)

/* Fills in the fields of h still unset from the entries of t.  One pass
 * over a table instead of one apr_table_get() per name and table: those
 * six lookups cost more than the rest of the filter. */
static void netexe_scan_headers(const apr_table_t *t, netexe_resp_headers *h)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *elts = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        const char *key = elts[i].key;
        const char **slot;

        if (!key || (key[0] != 'C' && key[0] != 'c')
            || strncasecmp(key, NETEXE_CONTENT_PREFIX,
                           NETEXE_CONTENT_PREFIX_LEN) != 0) {
            continue;
        }
        key += NETEXE_CONTENT_PREFIX_LEN;
        switch (apr_tolower(key[0])) {
        case 'e':
            slot = strcasecmp(key, "Encoding") ? NULL : &h->encoding;
            break;
        case 'r':
            slot = strcasecmp(key, "Range") ? NULL : &h->range;
            break;
        case 'd':
            slot = strcasecmp(key, "Disposition") ? NULL : &h->disposition;
            break;
        default:
            slot = NULL;
            break;
        }
        if (slot && !*slot) {
            *slot = elts[i].val;
        }
    }
}

/* Whether the body is encoded, so that its first bytes are not the
 * image's.  "identity" is no encoding (mod_deflate reads it so too). */
static int netexe_encoded(request_rec *r, const netexe_resp_headers *h)
{
    const char *enc = r->content_encoding;

    if (!enc) {
        enc = h->encoding;
    }
    return enc && *enc && strcasecmp(enc, "identity") != 0;
}

/* The reason to leave this response alone, or NULL to examine it. */
static const char *netexe_skip_reason(ap_filter_t *f,
                                      const netexe_dir_conf *conf,
                                      int *cd_in_headers_out)
{
    request_rec *r = f->r;
    void *owner = ap_get_module_config(r->request_config, &netexe_module);
    netexe_resp_headers h = { NULL, NULL, NULL };

    if (owner && owner != f) {
        /* Inserted twice (NetExe On plus SetOutputFilter, AddOutputFilter
         * or a FilterProvider): the first instance decides. */
        return "already examined by another NETEXE filter";
    }
    if (r->main) {
        return "subrequest";
    }
    if (r->status != HTTP_OK) {
        return "status is not 200";
    }
    if (!apr_is_empty_table(r->subprocess_env)
        && apr_table_get(r->subprocess_env, NETEXE_ENV_OFF)) {
        return "no-netexe is set";
    }
    netexe_scan_headers(r->headers_out, &h);
    *cd_in_headers_out = h.disposition != NULL;
    if (!apr_is_empty_table(r->err_headers_out)) {
        netexe_scan_headers(r->err_headers_out, &h);
    }
    if (netexe_encoded(r, &h)) {
        return "Content-Encoding is set";
    }
    if (h.range) {
        return "Content-Range is set (the body is not from byte 0)";
    }
    if (!conf->override && h.disposition) {
        return "Content-Disposition is already set (NetExeOverride Off)";
    }
    return NULL;
}

/* Makes room for len + n bytes in the sniff buffer, doubling it, never
 * beyond the limit (the caller keeps len + n <= limit). */
static void netexe_reserve(request_rec *r, netexe_ctx *ctx, apr_size_t n)
{
    apr_size_t cap = ctx->cap;
    unsigned char *buf;

    if (ctx->len + n <= ctx->cap) {
        return;
    }
    while (cap < ctx->len + n) {
        cap *= 2;
    }
    if (cap > ctx->limit) {
        cap = ctx->limit;
    }
    buf = apr_palloc(r->pool, cap);
    if (ctx->len) {
        memcpy(buf, ctx->buf, ctx->len);
    }
    ctx->buf = buf;
    ctx->cap = cap;
}

/* Copies n bytes at offset off of a FILE bucket into the sniff buffer.
 *
 * Reading the bucket through apr_bucket_read() would morph it into an MMAP
 * or heap bucket, and the core could no longer hand the file to sendfile:
 * measured, that sent 0% of the bodies by sendfile and cost a quarter of
 * the request rate.  pread() on the descriptor at the bucket's own offset
 * leaves the bucket, and the file position, exactly as they were. */
static apr_status_t netexe_peek_file(request_rec *r, netexe_ctx *ctx,
                                     apr_bucket *e, apr_size_t off,
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
        ssize_t k = pread(fd, ctx->buf + ctx->len + got, n - got,
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
                          "mod_netexe: %s: file shorter than its bucket",
                          r->uri);
            return APR_EOF;
        }
        got += (apr_size_t)k;
    }
    ctx->len += n;
    return APR_SUCCESS;
}

/* Feeds the sniffer from bucket e, whose first byte is body byte ctx->len
 * (every bucket before it is in the buffer whole), until it decides, the
 * bucket is used up, or the limit stops it.  A bucket of unknown length
 * (CGI pipe, proxied socket) is read once, blocking: nothing can be sent
 * before the decision anyway. */
static apr_status_t netexe_sniff_bucket(ap_filter_t *f, netexe_ctx *ctx,
                                        apr_bucket *e)
{
    request_rec *r = f->r;
    const apr_size_t start = ctx->len;
    const char *data = NULL;
    apr_size_t elen;
    apr_status_t rv;

    if (e->length == (apr_size_t)-1 || !APR_BUCKET_IS_FILE(e)) {
        /* Free for memory buckets; a pipe or socket becomes a heap bucket
         * followed by the rest of the stream. */
        rv = apr_bucket_read(e, &data, &elen, APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                          "mod_netexe: %s: reading the response failed",
                          r->uri);
            return rv;
        }
    }
    else {
        elen = e->length;
    }

    while (!ctx->decided) {
        apr_size_t used = ctx->len - start;
        apr_size_t n;

        if (ctx->want > ctx->limit) {
            ctx->decided = ctx->unknown = 1;
            ctx->gave_up = "sniff limit";
            break;
        }
        if (used >= elen) {
            break;
        }
        n = ctx->want - ctx->len;
        if (n < NETEXE_READ_AHEAD) {
            n = NETEXE_READ_AHEAD;
        }
        if (n > elen - used) {
            n = elen - used;
        }
        if (n > ctx->limit - ctx->len) {
            n = ctx->limit - ctx->len;
        }
        netexe_reserve(r, ctx, n);
        if (data) {
            memcpy(ctx->buf + ctx->len, data + used, n);
            ctx->len += n;
        }
        else {
            rv = netexe_peek_file(r, ctx, e, used, n);
            if (rv != APR_SUCCESS) {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                              "mod_netexe: %s: peeking at the file failed",
                              r->uri);
                ctx->decided = ctx->unknown = 1;
                ctx->gave_up = "peek failed";
                break;
            }
        }
        if (pe_sniff(ctx->buf, ctx->len, &ctx->info) != PE_NEED_MORE) {
            ctx->decided = 1;
        }
        else {
            ctx->want = ctx->info.need;
        }
    }
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

    rv = apr_os_file_get(&fd, file);
    if (rv == APR_SUCCESS
        && netexe_ac_check_fd(fd, (uint64_t)size, roots, 0, res) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      "mod_netexe: %s: Authenticode check: cannot read the "
                      "file", name);
        return -1;
    }

    *state = res->state;
    worst = netexe_ac_worst(res);
    reason = worst && worst->reason ? worst->reason : res->reason;
    switch (res->state) {
    case NETEXE_AC_INCOMPLETE:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "mod_netexe: %s: Authenticode signature incomplete: "
                      "missing issuer \"%s\"%s%s%s", name,
                      worst ? worst->missing_issuer : "",
                      worst && *worst->aia_uri ? " (see " : "",
                      worst && *worst->aia_uri ? worst->aia_uri : "",
                      worst && *worst->aia_uri ? ")" : "");
        break;
    case NETEXE_AC_BAD_DIGEST:
    case NETEXE_AC_MALFORMED:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "mod_netexe: %s: Authenticode signature %s: %s", name,
                      netexe_ac_state_name(res->state),
                      reason ? reason : "no reason given");
        break;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "mod_netexe: %s: Authenticode signature %s "
                      "(signatures: %u)", name,
                      netexe_ac_state_name(res->state), res->count);
        break;
    }
    return 0;
}

/* The state of this version of the file: remembered, or analysed now.
 * While another thread of this process analyses the same version, this
 * one waits for its result: the response is held for at most that one
 * analysis, and the warning is logged once.  -1 when the file could not
 * be read (nothing is remembered then; the next request tries again). */
static int netexe_sig_state(request_rec *r, netexe_sig_cache *cache,
                            const netexe_sig_key *key, apr_file_t *file,
                            netexe_ac_state *state)
{
    netexe_sig_entry *e;
    int rc;

    netexe_sig_lock(cache);
    while ((e = apr_hash_get(cache->index, key, sizeof(*key))) != NULL) {
        if (!e->pending) {
            *state = e->state;
            netexe_sig_unlock(cache);
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                          "mod_netexe: %s: Authenticode signature %s "
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

    rc = netexe_sig_analyse(r, file, key->size, key->roots, state);

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
                      "mod_netexe: %s: no signature check: the body is not "
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
                      "mod_netexe: %s: no signature check: cannot stat the "
                      "file", r->uri);
        return;
    }
    memset(&key, 0, sizeof(key));
    key.dev = fi.device;
    key.inode = fi.inode;
    key.size = fi.size;
    key.mtime = fi.mtime;
    key.roots = sconf->roots;
    if (netexe_sig_state(r, sconf->cache, &key, file, &state) == 0) {
        apr_table_setn(r->notes, NETEXE_SIG_NOTE,
                       netexe_ac_state_name(state));
    }
}

/* Turns the verdict into the note, the log line and, for a match, the
 * header.  Runs before anything of the response is passed on: once the
 * first brigade has gone down, the headers may already be on the wire. */
static void netexe_apply(request_rec *r, netexe_ctx *ctx,
                         const netexe_dir_conf *conf)
{
    const char *verdict;
    const char *value = NULL;
    const char *why = "";
    int match = 0;

    if (ctx->unknown) {
        verdict = NETEXE_VERDICT_UNKNOWN;
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
    apr_table_setn(r->notes, NETEXE_NOTE, verdict);

    if (match) {
        /* Built on the stack: the pool keeps only the value's bytes. */
        char out[NETEXE_DISPOSITION_MAX];
        const char *seg;
        size_t seglen, n;

        seg = netexe_last_segment(r->uri ? r->uri : "",
                                  r->uri ? strlen(r->uri) : 0, &seglen);
        n = netexe_disposition(out, sizeof(out), seg, seglen,
                               pe_is_dll(&ctx->info), conf->filename);
        if (n) {
            value = apr_pstrmemdup(r->pool, out, n);
            /* Exactly one Content-Disposition goes out: drop any other
             * (only reached with NetExeOverride On). */
            if (!apr_is_empty_table(r->err_headers_out)) {
                apr_table_unset(r->err_headers_out, "Content-Disposition");
            }
            if (ctx->cd_absent) {
                /* Nothing to replace: no search for one. */
                apr_table_addn(r->headers_out, "Content-Disposition", value);
            }
            else {
                apr_table_setn(r->headers_out, "Content-Disposition", value);
            }
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
    /* Held: the sniff buffer and the response bytes set aside with it. */
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "mod_netexe: %s: %s%s, %" APR_SIZE_T_FMT
                  " bytes examined, %" APR_SIZE_T_FMT " bytes held, %s%s",
                  r->uri, verdict, why, ctx->len, ctx->cap + ctx->held_bytes,
                  value ? "Content-Disposition: " : "no header",
                  value ? value : "");
}

static apr_status_t netexe_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    netexe_ctx *ctx = f->ctx;
    netexe_dir_conf *conf;
    apr_status_t rv;

    conf = ap_get_module_config(r->per_dir_config, &netexe_module);

    if (!ctx) {
        int cd_in_headers_out = 1;
        const char *why = netexe_skip_reason(f, conf, &cd_in_headers_out);

        if (why) {
            return netexe_step_aside(f, bb, why);
        }
        ap_set_module_config(r->request_config, &netexe_module, f);
        f->ctx = ctx = apr_palloc(r->pool, sizeof(*ctx));
        memset(ctx, 0, offsetof(netexe_ctx, info));
        ctx->buf = ctx->first;
        ctx->cap = sizeof(ctx->first);
        ctx->limit = conf->sniff_limit;
        ctx->want = 1;
        ctx->cd_absent = !cd_in_headers_out;
    }

    while (!APR_BRIGADE_EMPTY(bb)) {
        apr_bucket *e = APR_BRIGADE_FIRST(bb);

        if (APR_BUCKET_IS_EOS(e)) {
            ctx->decided = 1;
            if (r->header_only && ctx->len == 0) {
                /* A HEAD answered without a body (a proxied HEAD, a
                 * script): there is nothing to judge, which is not the
                 * same as an empty file. */
                ctx->unknown = 1;
                ctx->gave_up = "no body to examine";
                break;
            }
            /* The whole body is in the buffer: decide on it. */
            pe_sniff_final(ctx->buf, ctx->len, &ctx->info);
            break;
        }
        if (!APR_BUCKET_IS_METADATA(e)) {
            rv = netexe_sniff_bucket(f, ctx, e);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            if (ctx->decided) {
                break;
            }
        }
        /* FLUSH and other metadata wait in order with the data. */
        if (!ctx->held) {
            ctx->held = apr_brigade_create(r->pool, f->c->bucket_alloc);
        }
        if (!APR_BUCKET_IS_METADATA(e) && !APR_BUCKET_IS_FILE(e)) {
            /* Set aside below: its bytes stay in memory until the
             * decision (a FILE bucket keeps only its descriptor). */
            ctx->held_bytes += e->length;
        }
        APR_BUCKET_REMOVE(e);
        APR_BRIGADE_INSERT_TAIL(ctx->held, e);
    }

    if (!ctx->decided) {
        /* Keep what arrived beyond this call; r->pool lives long enough. */
        apr_bucket *e;

        /* Until the next call, the handler may set headers. */
        ctx->cd_absent = 0;

        if (!ctx->held) {
            return APR_SUCCESS;     /* an empty brigade: nothing to keep */
        }
        for (e = APR_BRIGADE_FIRST(ctx->held);
             e != APR_BRIGADE_SENTINEL(ctx->held);
             e = APR_BUCKET_NEXT(e)) {
            rv = apr_bucket_setaside(e, r->pool);
            if (rv != APR_SUCCESS && rv != APR_ENOTIMPL) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                              "mod_netexe: %s: cannot hold the response",
                              r->uri);
                return rv;
            }
        }
        return APR_SUCCESS;
    }

    netexe_apply(r, ctx, conf);
    if (conf->sigcheck && !ctx->unknown
        && (ctx->info.verdict == PE_CLR || ctx->info.verdict == PE_NATIVE)) {
        netexe_check_signature(r, ctx, bb);
    }
    if (ctx->held) {
        APR_BRIGADE_PREPEND(bb, ctx->held);
    }
    ap_remove_output_filter(f);
    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }
    return ap_pass_brigade(f->next, bb);
}

/* Whether the request's own filters include frec.  NETEXE is a request
 * filter, so the walk stops where the protocol and connection filters
 * begin. */
static int netexe_filter_present(const request_rec *r,
                                 const ap_filter_rec_t *frec)
{
    const ap_filter_t *f;

    for (f = r->output_filters; f && f != r->proto_output_filters;
         f = f->next) {
        if (f->frec == frec) {
            return 1;
        }
    }
    return 0;
}

/* Runs last, after the core's SetOutputFilter and mod_mime's
 * AddOutputFilter have had their say, so that an explicit NETEXE is not
 * doubled. */
static void netexe_insert_filter(request_rec *r)
{
    netexe_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                 &netexe_module);
    netexe_server_conf *sconf;

    if (!conf->enabled) {
        return;
    }
    sconf = ap_get_module_config(r->server->module_config, &netexe_module);
    if (netexe_filter_present(r, sconf->frec)) {
        return;
    }
    ap_add_output_filter_handle(sconf->frec, NULL, r, r->connection);
}

/* Looks the filter up by name once per configuration instead of once per
 * request: the lookup was a third of what inserting the filter cost.  The
 * record lives as long as the registration, which a restart redoes before
 * this hook runs again. */
static int netexe_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    ap_filter_rec_t *frec = ap_get_output_filter_handle(NETEXE_FILTER_NAME);
    server_rec *sv;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (!frec) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_netexe: the %s filter is not registered",
                     NETEXE_FILTER_NAME);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        sc->frec = frec;
    }
    return OK;
}

/* Makes the signature cache of this child process, when some server
 * turns the check on, and hands it to every server: one cache per
 * process, so that a file is analysed once whichever virtual host serves
 * it (the roots are part of the key).  It lives in a pool of its own under
 * pchild, which nothing else allocates from while requests run. */
static void netexe_child_init(apr_pool_t *pchild, server_rec *s)
{
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
                     "mod_netexe: cannot make the signature cache: "
                     "NetExeSignatureCheck does nothing in this process");
        return;
    }
    for (sv = s; sv; sv = sv->next) {
        netexe_server_conf *sc = ap_get_module_config(sv->module_config,
                                                      &netexe_module);
        sc->cache = cache;
    }
}

static void netexe_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_register_output_filter(NETEXE_FILTER_NAME, netexe_out_filter, NULL,
                              NETEXE_FILTER_TYPE);
    ap_hook_insert_filter(netexe_insert_filter, NULL, NULL, APR_HOOK_LAST);
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
