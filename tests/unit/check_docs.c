/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * check_docs.c -- README.md documents exactly the directives that
 * mod_netexe.c defines, each one completely.
 *
 * The directives are the names of the AP_INIT_*("Name", ...) entries of
 * the module's command table (static const command_rec NAME[] = { ... }),
 * comments skipped.  The documentation is the README's "## Directives"
 * section, in the style of httpd's own manual: a "### Name" heading per
 * directive, then the lines
 *
 *     Syntax:      NetExeMatch clr|pe
 *     Default:     NetExeMatch clr
 *     Context:     server config, virtual host, directory, .htaccess
 *     Override:    FileInfo
 *
 * (indented or not) and a description: a "Description:" line or at least
 * one line of prose under the heading.  A directive of the table that the
 * README lacks, a README entry without one of these, a Syntax that does
 * not start with the directive's name, a Context outside httpd's four
 * words, an entry documented twice, and an entry for a directive that
 * does not exist, each fail the suite with a line saying which.
 *
 * Context and Override must also say what the code does: the entry's
 * fourth argument, req_override (httpd's RSRC_CONF, ACCESS_CONF and OR_*
 * constants joined by '|', through the source's own #define names), gives
 * the contexts httpd accepts the directive in and the AllowOverride class
 * it needs in .htaccess ("None" or "not applicable" when it has none).  A
 * handler (the entry's second argument) whose body refuses everything but
 * the main server with ap_check_cmd_context(cmd, GLOBAL_ONLY) makes the
 * context "server config" alone, as httpd's manual says of such
 * directives.
 *
 * The files are read from NETEXE_SRCDIR (default: the current directory,
 * which is the top of the tree under make).  The parsers are also run on
 * small inline samples, so that each kind of failure is shown to be found.
 */
#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MODULE_SOURCE       "mod_netexe/mod_netexe.c"
#define README              "README.md"
#define PATH_MAX_LEN        4096

#define DOCS_NAME_MAX       64      /* longest directive name accepted */
#define DOCS_MAX_DIRECTIVES 64
#define DOCS_PROBLEMS_MAX   8192    /* the report of one check */

#define DIRECTIVES_HEADING  "## Directives"
#define ENTRY_HEADING       "### "
#define TABLE_TYPE          "command_rec"
#define TABLE_ENTRY_PREFIX  "AP_INIT_"

/* The fields every entry needs, in httpd's manual's words. */
enum {
    FIELD_SYNTAX = 0,
    FIELD_DEFAULT,
    FIELD_CONTEXT,
    FIELD_OVERRIDE,
    FIELD_DESCRIPTION,
    FIELD_COUNT
};
static const char *const field_names[FIELD_COUNT] = {
    "Syntax:", "Default:", "Context:", "Override:", "Description:"
};

/* The contexts httpd's manual names (mod/directive-dict "Context"). */
static const char *const known_contexts[] = {
    "server config", "virtual host", "directory", ".htaccess"
};
#define N_KNOWN_CONTEXTS (sizeof known_contexts / sizeof known_contexts[0])
/* Bits of docs_entry.contexts, in the order of known_contexts. */
#define CTX_SERVER          (1u << 0)
#define CTX_VHOST           (1u << 1)
#define CTX_DIRECTORY       (1u << 2)
#define CTX_HTACCESS        (1u << 3)

/* httpd's req_override bits, as http_config.h defines them (the unit
 * suites build without httpd's headers); the table's fourth argument is
 * resolved from the module's source text to these. */
#define HTTPD_OR_NONE       0x00u
#define HTTPD_OR_LIMIT      0x01u
#define HTTPD_OR_OPTIONS    0x02u
#define HTTPD_OR_FILEINFO   0x04u
#define HTTPD_OR_AUTHCFG    0x08u
#define HTTPD_OR_INDEXES    0x10u
#define HTTPD_OR_ALL        (HTTPD_OR_LIMIT | HTTPD_OR_OPTIONS | HTTPD_OR_FILEINFO \
                             | HTTPD_OR_AUTHCFG | HTTPD_OR_INDEXES)
#define HTTPD_ACCESS_CONF   0x40u
#define HTTPD_RSRC_CONF     0x80u
#define HTTPD_EXEC_ON_READ  0x100u

typedef struct {
    const char *name;
    unsigned    bits;
} docs_constant;

static const docs_constant httpd_constants[] = {
    { "OR_NONE", HTTPD_OR_NONE },         { "OR_LIMIT", HTTPD_OR_LIMIT },
    { "OR_OPTIONS", HTTPD_OR_OPTIONS },   { "OR_FILEINFO", HTTPD_OR_FILEINFO },
    { "OR_AUTHCFG", HTTPD_OR_AUTHCFG },   { "OR_INDEXES", HTTPD_OR_INDEXES },
    { "OR_ALL", HTTPD_OR_ALL },           { "ACCESS_CONF", HTTPD_ACCESS_CONF },
    { "RSRC_CONF", HTTPD_RSRC_CONF },     { "EXEC_ON_READ", HTTPD_EXEC_ON_READ },
};
#define N_HTTPD_CONSTANTS (sizeof httpd_constants / sizeof httpd_constants[0])

/* The AllowOverride word of each OR_* bit, as the manual's "Override:"
 * line gives it; "All" stands for every one. */
static const docs_constant override_words[] = {
    { "Limit", HTTPD_OR_LIMIT },          { "Options", HTTPD_OR_OPTIONS },
    { "FileInfo", HTTPD_OR_FILEINFO },    { "AuthConfig", HTTPD_OR_AUTHCFG },
    { "Indexes", HTTPD_OR_INDEXES },      { "All", HTTPD_OR_ALL },
};
#define N_OVERRIDE_WORDS (sizeof override_words / sizeof override_words[0])
/* What "Override:" says of a directive that .htaccess cannot hold. */
static const char *const no_override_words[] = { "None", "not applicable" };
#define N_NO_OVERRIDE_WORDS (sizeof no_override_words / sizeof no_override_words[0])

/* How deep #define names are followed in a req_override expression. */
#define DEFINE_DEPTH_MAX    4
/* AP_INIT_*(name, func, mconfig, req_override, errmsg) */
#define INIT_ARGS           5
#define INIT_ARG_NAME       0
#define INIT_ARG_FUNC       1
#define INIT_ARG_OVERRIDE   3
/* What a handler calls to refuse <VirtualHost> and sections. */
#define GLOBAL_ONLY_WORD    "GLOBAL_ONLY"

typedef struct {
    char     name[DOCS_MAX_DIRECTIVES][DOCS_NAME_MAX];
    unsigned req[DOCS_MAX_DIRECTIVES];      /* req_override */
    int      req_known[DOCS_MAX_DIRECTIVES];
    int      global_only[DOCS_MAX_DIRECTIVES];  /* handler: GLOBAL_ONLY */
    size_t   n;
} docs_names;

typedef struct {
    char     name[DOCS_NAME_MAX];
    unsigned fields;            /* bit per FIELD_* present with a value */
    int      syntax_ok;         /* Syntax: starts with the name */
    char     bad_context[DOCS_NAME_MAX];    /* first unknown context */
    unsigned contexts;          /* bit i: known_contexts[i] listed */
    char     override_text[DOCS_NAME_MAX];  /* the Override: value */
} docs_entry;

typedef struct {
    docs_entry entry[DOCS_MAX_DIRECTIVES];
    size_t     n;
    int        has_section;
} docs_readme;

typedef struct {
    char   text[DOCS_PROBLEMS_MAX];
    size_t len;
    size_t count;
} docs_report;

static void report(docs_report *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    r->count++;
    if (r->len >= sizeof r->text - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len += (size_t)n < sizeof r->text - r->len
                  ? (size_t)n : sizeof r->text - r->len - 1;
    if (r->len < sizeof r->text - 1)
        r->text[r->len++] = '\n';
    r->text[r->len] = '\0';
}

/* --- the command table ------------------------------------------------ */

/* Skips blanks and comments of C source; returns where the next token
 * starts (end when none). */
static const char *skip_trivia(const char *p, const char *end)
{
    while (p < end) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            const char *close = p + 2;
            while (close < end - 1 && !(close[0] == '*' && close[1] == '/'))
                close++;
            p = close < end - 1 ? close + 2 : end;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
            while (p < end && *p != '\n')
                p++;
        } else {
            break;
        }
    }
    return p;
}

/* p at a quote: returns just past the literal's closing quote. */
static const char *skip_literal(const char *p, const char *end)
{
    char quote = *p++;

    while (p < end && *p != quote) {
        if (*p == '\\' && p + 1 < end)
            p++;
        p++;
    }
    return p < end ? p + 1 : end;
}

static int is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Reads the identifier at p into buf; returns its end (p when none). */
static const char *read_ident(const char *p, const char *end, char *buf,
                              size_t cap)
{
    size_t n = 0;

    while (p < end && is_ident_char(*p)) {
        if (n + 1 < cap)
            buf[n++] = *p;
        p++;
    }
    buf[n] = '\0';
    return p;
}

/* p just past the '(' of a macro call: fills the top-level arguments'
 * ranges (at most max) and returns just past the matching ')', or end.
 * *n gets the number of arguments seen. */
static const char *split_args(const char *p, const char *end,
                              const char **as, const char **ae, size_t max,
                              size_t *n)
{
    int depth = 0;
    const char *arg = p;

    *n = 0;
    while (p < end) {
        const char *q = skip_trivia(p, end);
        if (q != p) {
            p = q;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            p = skip_literal(p, end);
            continue;
        }
        if (*p == '(' || *p == '{') {
            depth++;
        } else if ((*p == ')' || *p == '}') && depth > 0) {
            depth--;
        } else if ((*p == ',' && depth == 0) || *p == ')') {
            if (*n < max) {
                as[*n] = arg;
                ae[*n] = p;
            }
            (*n)++;
            if (*p == ')')
                return p + 1;
            arg = p + 1;
        }
        p++;
    }
    return end;
}

/* The replacement text of "#define name" in src, on [*s, *e); 0 when src
 * has no such object-like macro. */
static int find_define(const char *src, const char *name, const char **s,
                       const char **e)
{
    const char *end = src + strlen(src), *p = src;
    size_t len = strlen(name);

    while (p < end) {
        const char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;

        p = nl != NULL ? nl + 1 : end;
        while (line < le && (*line == ' ' || *line == '\t'))
            line++;
        if (line == le || *line != '#')
            continue;
        line++;
        while (line < le && (*line == ' ' || *line == '\t'))
            line++;
        if ((size_t)(le - line) < strlen("define")
            || memcmp(line, "define", strlen("define")) != 0)
            continue;
        line += strlen("define");
        while (line < le && (*line == ' ' || *line == '\t'))
            line++;
        if ((size_t)(le - line) < len || memcmp(line, name, len) != 0
            || (line + len < le && (is_ident_char(line[len]) || line[len] == '(')))
            continue;
        *s = line + len;
        /* A replacement continued over lines with backslashes. */
        while (le < end && le > *s && le[-1] == '\\') {
            nl = memchr(le + 1, '\n', (size_t)(end - le - 1));
            le = nl != NULL ? nl : end;
        }
        *e = le;
        return 1;
    }
    return 0;
}

/* Evaluates a req_override expression: httpd's constants and the
 * source's own #define names joined by '|'.  0 on success. */
static int eval_override(const char *src, const char *s, const char *e,
                         unsigned *bits, int depth)
{
    char ident[DOCS_NAME_MAX];

    if (depth > DEFINE_DEPTH_MAX)
        return -1;
    while (s < e) {
        const char *q = skip_trivia(s, e);
        size_t i;

        if (q != s) {
            s = q;
        } else if (*s == '|' || *s == '(' || *s == ')'
                   || (*s == '\\' && s + 1 < e && s[1] == '\n')) {
            s += *s == '\\' ? 2 : 1;
        } else if (is_ident_char(*s) && !isdigit((unsigned char)*s)) {
            const char *ds, *de;

            s = read_ident(s, e, ident, sizeof ident);
            for (i = 0; i < N_HTTPD_CONSTANTS; i++)
                if (strcmp(ident, httpd_constants[i].name) == 0)
                    break;
            if (i < N_HTTPD_CONSTANTS)
                *bits |= httpd_constants[i].bits;
            else if (!find_define(src, ident, &ds, &de)
                     || eval_override(src, ds, de, bits, depth + 1) != 0)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* p at '{': returns just past the matching '}', or end. */
static const char *skip_block(const char *p, const char *end)
{
    int depth = 0;

    while (p < end) {
        const char *q = skip_trivia(p, end);

        if (q != p) {
            p = q;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            p = skip_literal(p, end);
            continue;
        }
        if (*p == '{')
            depth++;
        else if (*p == '}' && --depth == 0)
            return p + 1;
        p++;
    }
    return end;
}

/* 1 when src defines the function func (its name, a parameter list, then
 * a body) and the body names GLOBAL_ONLY_WORD outside comments and
 * strings. */
static int handler_is_global_only(const char *src, const char *func)
{
    const char *end = src + strlen(src), *p = src;
    size_t len = strlen(func);
    char ident[DOCS_NAME_MAX];

    if (len == 0)
        return 0;
    while ((p = strstr(p, func)) != NULL) {
        const char *q = p + len, *as[1], *ae[1], *body, *body_end;
        size_t n;

        if ((p > src && is_ident_char(p[-1])) || is_ident_char(*q)) {
            p = q;
            continue;
        }
        p = q;
        q = skip_trivia(q, end);
        if (q >= end || *q != '(')
            continue;
        q = skip_trivia(split_args(q + 1, end, as, ae, 1, &n), end);
        if (q >= end || *q != '{')
            continue;               /* a call or a declaration */
        body = q;
        body_end = skip_block(body, end);
        for (q = body; q < body_end; ) {
            const char *t = skip_trivia(q, body_end);

            if (t != q) {
                q = t;
            } else if (*q == '"' || *q == '\'') {
                q = skip_literal(q, body_end);
            } else if (is_ident_char(*q)) {
                q = read_ident(q, body_end, ident, sizeof ident);
                if (strcmp(ident, GLOBAL_ONLY_WORD) == 0)
                    return 1;
            } else {
                q++;
            }
        }
        return 0;
    }
    return 0;
}

/* The AP_INIT_* entries between the braces at p (p at '{'): names and
 * req_override, appended to out.  Returns just past the closing brace. */
static const char *parse_table_body(const char *src, const char *p,
                                    const char *end, docs_names *out,
                                    docs_report *r)
{
    int depth = 0;
    char ident[DOCS_NAME_MAX];

    while (p < end) {
        const char *q = skip_trivia(p, end);
        const char *as[INIT_ARGS], *ae[INIT_ARGS], *ns, *ne;
        size_t nargs, len;
        unsigned bits = 0;

        if (q != p) {
            p = q;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            p = skip_literal(p, end);
            continue;
        }
        if (*p == '{' || *p == '(') {
            depth++;
            p++;
            continue;
        }
        if (*p == '}' || *p == ')') {
            depth--;
            p++;
            if (depth == 0)
                return p;
            continue;
        }
        if (!is_ident_char(*p)) {
            p++;
            continue;
        }
        p = read_ident(p, end, ident, sizeof ident);
        if (strncmp(ident, TABLE_ENTRY_PREFIX, strlen(TABLE_ENTRY_PREFIX)) != 0)
            continue;
        q = skip_trivia(p, end);
        if (q >= end || *q != '(')
            continue;
        p = split_args(q + 1, end, as, ae, INIT_ARGS, &nargs);
        if (nargs != INIT_ARGS) {
            report(r, "%s: an %s entry with %zu arguments, not %d",
                   MODULE_SOURCE, ident, nargs, INIT_ARGS);
            continue;
        }
        ns = skip_trivia(as[INIT_ARG_NAME], ae[INIT_ARG_NAME]);
        ne = ae[INIT_ARG_NAME];
        while (ne > ns && isspace((unsigned char)ne[-1]))
            ne--;
        len = ne - ns >= 2 ? (size_t)(ne - ns) - 2 : 0;
        if (ne - ns < 2 || *ns != '"' || ne[-1] != '"'
            || skip_literal(ns, ne) != ne || len == 0
            || len >= DOCS_NAME_MAX || memchr(ns + 1, '\\', len) != NULL) {
            report(r, "%s: an %s entry whose name is not a plain string "
                   "literal", MODULE_SOURCE, ident);
            continue;
        }
        if (out->n == DOCS_MAX_DIRECTIVES) {
            report(r, "%s: more than %d directives", MODULE_SOURCE,
                   DOCS_MAX_DIRECTIVES);
            continue;
        }
        memcpy(out->name[out->n], ns + 1, len);
        out->name[out->n][len] = '\0';
        out->req_known[out->n] = eval_override(src, as[INIT_ARG_OVERRIDE],
                                               ae[INIT_ARG_OVERRIDE], &bits,
                                               0) == 0;
        out->req[out->n] = bits;
        read_ident(skip_trivia(as[INIT_ARG_FUNC], ae[INIT_ARG_FUNC]),
                   ae[INIT_ARG_FUNC], ident, sizeof ident);
        out->global_only[out->n] = handler_is_global_only(src, ident);
        if (!out->req_known[out->n])
            report(r, "%s: cannot resolve the req_override of %s (httpd's "
                   "constants and #define names joined by '|')",
                   MODULE_SOURCE, out->name[out->n]);
        out->n++;
    }
    return end;
}

/* Finds every "command_rec NAME[] = { ... }" of src and collects the
 * directive names.  Returns the number of tables found. */
static size_t parse_command_tables(const char *src, docs_names *out,
                                   docs_report *r)
{
    const char *p = src, *end = src + strlen(src);
    char ident[DOCS_NAME_MAX];
    size_t tables = 0;

    out->n = 0;
    while (p < end) {
        const char *q = skip_trivia(p, end);
        if (q != p) {
            p = q;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            p = skip_literal(p, end);
            continue;
        }
        if (!is_ident_char(*p)) {
            p++;
            continue;
        }
        p = read_ident(p, end, ident, sizeof ident);
        if (strcmp(ident, TABLE_TYPE) != 0)
            continue;
        /* command_rec NAME [ ] = { */
        q = skip_trivia(p, end);
        q = read_ident(q, end, ident, sizeof ident);
        if (ident[0] == '\0')
            continue;
        q = skip_trivia(q, end);
        if (q >= end || *q != '[')
            continue;
        q = skip_trivia(q + 1, end);
        if (q >= end || *q != ']')
            continue;
        q = skip_trivia(q + 1, end);
        if (q >= end || *q != '=')
            continue;
        q = skip_trivia(q + 1, end);
        if (q >= end || *q != '{')
            continue;
        tables++;
        p = parse_table_body(src, q, end, out, r);
    }
    return tables;
}

/* --- the README ------------------------------------------------------- */

/* One line of text: [start, end) without the newline. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && isspace((unsigned char)**s))
        (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

static int starts_with(const char *s, const char *e, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(e - s) >= n && memcmp(s, prefix, n) == 0;
}

static int equals(const char *s, const char *e, const char *word)
{
    return (size_t)(e - s) == strlen(word) && memcmp(s, word, (size_t)(e - s)) == 0;
}

/* Checks each comma-separated item of a Context: value. */
static void check_contexts(docs_entry *d, const char *s, const char *e)
{
    while (s < e) {
        const char *comma = memchr(s, ',', (size_t)(e - s));
        const char *is = s, *ie = comma != NULL ? comma : e;
        size_t i;

        trim(&is, &ie);
        for (i = 0; i < N_KNOWN_CONTEXTS; i++)
            if (equals(is, ie, known_contexts[i]))
                break;
        if (i < N_KNOWN_CONTEXTS)
            d->contexts |= 1u << i;
        else if (d->bad_context[0] == '\0') {
            size_t len = (size_t)(ie - is);
            if (len == 0) {
                snprintf(d->bad_context, sizeof d->bad_context, "(empty)");
            } else {
                if (len >= sizeof d->bad_context)
                    len = sizeof d->bad_context - 1;
                memcpy(d->bad_context, is, len);
                d->bad_context[len] = '\0';
            }
        }
        s = comma != NULL ? comma + 1 : e;
    }
}

/* One line inside an entry: a field, or prose that describes. */
static void parse_entry_line(docs_entry *d, const char *s, const char *e)
{
    unsigned f;

    trim(&s, &e);
    if (s == e)
        return;
    for (f = 0; f < FIELD_COUNT; f++) {
        if (starts_with(s, e, field_names[f])) {
            const char *v = s + strlen(field_names[f]), *ve = e;
            trim(&v, &ve);
            if (v == ve)
                return;
            d->fields |= 1u << f;
            if (f == FIELD_SYNTAX) {
                size_t n = strlen(d->name);
                d->syntax_ok = starts_with(v, ve, d->name)
                               && ((size_t)(ve - v) == n
                                   || isspace((unsigned char)v[n]));
            } else if (f == FIELD_CONTEXT) {
                check_contexts(d, v, ve);
            } else if (f == FIELD_OVERRIDE) {
                size_t len = (size_t)(ve - v);
                if (len >= sizeof d->override_text)
                    len = sizeof d->override_text - 1;
                memcpy(d->override_text, v, len);
                d->override_text[len] = '\0';
            }
            return;
        }
    }
    /* Any other line under the heading (not a heading itself, nor a
     * fence) is the description. */
    if (*s != '#' && !starts_with(s, e, "```"))
        d->fields |= 1u << FIELD_DESCRIPTION;
}

static void parse_readme(const char *md, docs_readme *out, docs_report *r)
{
    const char *p = md, *end = md + strlen(md);
    int in_section = 0;
    docs_entry *cur = NULL;

    memset(out, 0, sizeof *out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *s = p, *e = le;

        p = nl != NULL ? nl + 1 : end;
        /* Headings start in the first column; trailing blanks are fine. */
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (equals(s, e, DIRECTIVES_HEADING)) {
            in_section = 1;
            out->has_section = 1;
            cur = NULL;
            continue;
        }
        if (!in_section)
            continue;
        if (starts_with(s, e, "# ") || starts_with(s, e, "## ")) {
            in_section = 0;
            cur = NULL;
            continue;
        }
        if (starts_with(s, e, ENTRY_HEADING)) {
            const char *ns = s + strlen(ENTRY_HEADING), *ne = e;
            size_t len;

            trim(&ns, &ne);
            /* "### `NetExe`" is the same heading. */
            if (ne - ns >= 2 && *ns == '`' && ne[-1] == '`') {
                ns++;
                ne--;
            }
            len = (size_t)(ne - ns);
            if (len == 0 || len >= DOCS_NAME_MAX) {
                report(r, "%s: an entry heading without a directive name",
                       README);
                cur = NULL;
            } else if (out->n == DOCS_MAX_DIRECTIVES) {
                report(r, "%s: more than %d entries", README,
                       DOCS_MAX_DIRECTIVES);
                cur = NULL;
            } else {
                cur = &out->entry[out->n++];
                memcpy(cur->name, ns, len);
                cur->name[len] = '\0';
            }
            continue;
        }
        if (cur != NULL)
            parse_entry_line(cur, s, le);
    }
}

/* --- the check -------------------------------------------------------- */

/* Where httpd accepts a directive with this req_override (the manual's
 * directive dictionary): RSRC_CONF is the server config and virtual
 * hosts, ACCESS_CONF <Directory> and <Location>; an OR_* bit adds
 * .htaccess, and those of OR_OPTIONS, OR_FILEINFO and OR_INDEXES are
 * also valid anywhere in the configuration files.  A GLOBAL_ONLY handler
 * leaves the server config alone. */
static unsigned expected_contexts(unsigned req, int global_only)
{
    unsigned c = 0;

    if (global_only)
        return CTX_SERVER;

    if ((req & HTTPD_RSRC_CONF)
        || (req & (HTTPD_OR_OPTIONS | HTTPD_OR_FILEINFO | HTTPD_OR_INDEXES)))
        c |= CTX_SERVER | CTX_VHOST;
    if ((req & HTTPD_ACCESS_CONF) || (req & HTTPD_OR_ALL))
        c |= CTX_DIRECTORY;
    if (req & HTTPD_OR_ALL)
        c |= CTX_HTACCESS;
    return c;
}

static void format_contexts(unsigned c, char *buf, size_t cap)
{
    size_t i, len = 0;

    buf[0] = '\0';
    for (i = 0; i < N_KNOWN_CONTEXTS && len < cap; i++)
        if (c & (1u << i)) {
            int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
                             known_contexts[i]);
            if (n > 0)
                len += (size_t)n;
        }
    if (buf[0] == '\0')
        snprintf(buf, cap, "(nowhere)");
}

static void format_override(unsigned bits, char *buf, size_t cap)
{
    size_t i, len = 0;

    bits &= HTTPD_OR_ALL;
    if (bits == HTTPD_OR_NONE || bits == HTTPD_OR_ALL) {
        snprintf(buf, cap, "%s", bits == HTTPD_OR_ALL ? "All"
                                                       : no_override_words[0]);
        return;
    }
    buf[0] = '\0';
    for (i = 0; i < N_OVERRIDE_WORDS && len < cap; i++)
        if (override_words[i].bits != HTTPD_OR_ALL
            && (bits & override_words[i].bits)) {
            int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
                             override_words[i].name);
            if (n > 0)
                len += (size_t)n;
        }
}

/* The OR_* bits an "Override:" value names: "None" or "not applicable",
 * or AllowOverride words separated by commas or blanks.  -1 for a word
 * httpd does not know. */
static int parse_override(const char *text, unsigned *bits)
{
    const char *p = text;
    size_t i;

    *bits = HTTPD_OR_NONE;
    for (i = 0; i < N_NO_OVERRIDE_WORDS; i++)
        if (strcasecmp(text, no_override_words[i]) == 0)
            return 0;
    while (*p != '\0') {
        size_t len;

        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        len = strcspn(p, ", \t");
        if (len == 0)
            break;
        for (i = 0; i < N_OVERRIDE_WORDS; i++)
            if (strlen(override_words[i].name) == len
                && memcmp(override_words[i].name, p, len) == 0)
                break;
        if (i == N_OVERRIDE_WORDS)
            return -1;
        *bits |= override_words[i].bits;
        p += len;
    }
    return 0;
}

/* An entry's Context: and Override: against the directive's
 * req_override in the command table. */
static void check_against_table(const docs_entry *d, unsigned req,
                                int global_only, docs_report *r)
{
    char want[DOCS_NAME_MAX * 2], got[DOCS_NAME_MAX * 2];
    unsigned bits;

    if ((d->fields & (1u << FIELD_CONTEXT)) && d->bad_context[0] == '\0'
        && d->contexts != expected_contexts(req, global_only)) {
        format_contexts(d->contexts, got, sizeof got);
        format_contexts(expected_contexts(req, global_only), want,
                        sizeof want);
        report(r, "%s: \"Context: %s\" in %s, but its req_override in the "
               "command table allows: %s", d->name, got, README, want);
    }
    if ((d->fields & (1u << FIELD_OVERRIDE))
        && (parse_override(d->override_text, &bits) != 0
            || bits != (req & HTTPD_OR_ALL))) {
        format_override(req, want, sizeof want);
        report(r, "%s: \"Override: %s\" in %s, but its req_override in the "
               "command table gives: %s", d->name, d->override_text, README,
               want);
    }
}

static size_t table_index(const docs_names *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->name[i], name) == 0)
            break;
    return i;
}

static const docs_entry *find_entry(const docs_readme *d, const char *name)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (strcmp(d->entry[i].name, name) == 0)
            return &d->entry[i];
    return NULL;
}

static int table_has(const docs_names *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->name[i], name) == 0)
            return 1;
    return 0;
}

/* Compares the module source with the README; every problem goes into r.
 * Returns the number of problems. */
static size_t docs_check(const char *src, const char *md, docs_report *r)
{
    docs_names table;
    docs_readme readme;
    size_t i, j, k;
    unsigned f;

    memset(r, 0, sizeof *r);
    if (parse_command_tables(src, &table, r) == 0)
        report(r, "%s: no command table (static const command_rec NAME[] = {...})",
               MODULE_SOURCE);
    else if (table.n == 0)
        report(r, "%s: the command table has no AP_INIT_* entry", MODULE_SOURCE);
    parse_readme(md, &readme, r);
    if (!readme.has_section)
        report(r, "%s: no \"%s\" section", README, DIRECTIVES_HEADING);

    for (i = 0; i < table.n; i++)
        if (find_entry(&readme, table.name[i]) == NULL)
            report(r, "%s: in the command table but not documented under "
                   "\"%s\" in %s", table.name[i], DIRECTIVES_HEADING, README);

    for (i = 0; i < readme.n; i++) {
        const docs_entry *d = &readme.entry[i];

        for (j = 0; j < i; j++)
            if (strcmp(readme.entry[j].name, d->name) == 0)
                break;
        if (j < i) {
            report(r, "%s: documented twice in %s", d->name, README);
            continue;
        }
        k = table_index(&table, d->name);
        if (k == table.n)
            report(r, "%s: documented in %s but not a directive of %s",
                   d->name, README, MODULE_SOURCE);
        else if (table.req_known[k])
            check_against_table(d, table.req[k], table.global_only[k], r);
        for (f = 0; f < FIELD_COUNT; f++) {
            if (d->fields & (1u << f))
                continue;
            if (f == FIELD_DESCRIPTION)
                report(r, "%s: no description in %s", d->name, README);
            else
                report(r, "%s: no \"%s\" line with a value in %s", d->name,
                       field_names[f], README);
        }
        if ((d->fields & (1u << FIELD_SYNTAX)) && !d->syntax_ok)
            report(r, "%s: its \"Syntax:\" does not start with \"%s\"",
                   d->name, d->name);
        if (d->bad_context[0] != '\0')
            report(r, "%s: unknown context \"%s\" (httpd's are: server config, "
                   "virtual host, directory, .htaccess)", d->name,
                   d->bad_context);
    }
    return r->count;
}

/* --- the real files --------------------------------------------------- */

static char *read_source_file(const char *rel)
{
    const char *dir = getenv("NETEXE_SRCDIR");
    char path[PATH_MAX_LEN];
    FILE *fp;
    char *buf = NULL;
    long size;

    snprintf(path, sizeof path, "%s/%s", dir != NULL && *dir ? dir : ".", rel);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s (run from the top of the tree "
                  "or set NETEXE_SRCDIR)", path);
    if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0
        && fseek(fp, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf != NULL && fread(buf, 1, (size_t)size, fp) == (size_t)size)
            buf[size] = '\0';
        else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(fp);
    ck_assert_msg(buf != NULL, "cannot read %s", path);
    return buf;
}

START_TEST(test_readme_documents_exactly_the_command_table)
{
    char *src = read_source_file(MODULE_SOURCE);
    char *md = read_source_file(README);
    docs_report r;
    size_t problems = docs_check(src, md, &r);

    free(src);
    free(md);
    ck_assert_msg(problems == 0, "%zu problem(s) with the directives' "
                  "documentation:\n%s", problems, r.text);
}
END_TEST

START_TEST(test_command_table_of_the_module_is_found)
{
    char *src = read_source_file(MODULE_SOURCE);
    docs_names table;
    docs_report r;

    memset(&r, 0, sizeof r);
    ck_assert_uint_eq(parse_command_tables(src, &table, &r), 1);
    free(src);
    ck_assert_msg(r.count == 0, "%s", r.text);
    /* The one directive every version of the module has. */
    ck_assert_msg(table_has(&table, "NetExe"),
                  "NetExe not found in the command table (%zu names)", table.n);
}
END_TEST

/* --- inline samples: each kind of problem is found --------------------- */

static const char sample_src[] =
    "/* A comment naming AP_INIT_FLAG(\"NotADirective\", ...) */\n"
    "static const char *ignored = \"AP_INIT_TAKE1(\\\"NorThis\\\"\";\n"
    "#define SAMPLE_CONTEXT (RSRC_CONF | ACCESS_CONF \\\n"
    "                        | SAMPLE_HTACCESS)\n"
    "  #  define SAMPLE_HTACCESS OR_FILEINFO /* FileInfo */\n"
    "static const command_rec sample_cmds[] = {\n"
    "    AP_INIT_FLAG(\"SampleOn\", set_on, NULL, SAMPLE_CONTEXT,\n"
    "                 \"On: { a brace in a string }\"),\n"
    "    // AP_INIT_TAKE1(\"SampleOld\", set_old, NULL, OR_ALL, \"gone\"),\n"
    "    AP_INIT_TAKE1 ( /* spaced */ \"SampleLimit\", set_limit, NULL,\n"
    "                  RSRC_CONF, \"bytes\"),\n"
    "    {NULL}\n"
    "};\n"
    "static const char *after = \"AP_INIT_FLAG(\\\"AfterTable\\\"\";\n";

static const char entry_on[] =
    "### SampleOn\n"
    "\n"
    "    Syntax:      SampleOn On|Off\n"
    "    Default:     SampleOn Off\n"
    "    Context:     server config, virtual host, directory, .htaccess\n"
    "    Override:    FileInfo\n"
    "\n"
    "Turns it on.\n"
    "\n";

static const char entry_limit[] =
    "### SampleLimit\n"
    "\n"
    "    Syntax:      SampleLimit bytes\n"
    "    Default:     SampleLimit 512\n"
    "    Context:     server config, virtual host\n"
    "    Override:    not applicable\n"
    "    Description: How many bytes.\n"
    "\n";

static const char section_head[] =
    "# Sample\n\n## Install\n\n### SampleOld\n\nNot in the section.\n\n"
    "## Directives\n\nAll of them.\n\n";
static const char section_tail[] = "## Log note\n\n### SampleGone\n\nAfter it.\n";

/* The README of the sample: head, the two entries with edits, tail. */
typedef struct {
    const char *what;
    const char *find;           /* replaced in entry_on + entry_limit */
    const char *replace;
    size_t      problems;       /* expected count */
    const char *message;        /* a line the report must hold */
} sample_case;

/* SampleLimit's entry renamed, heading and Syntax alike. */
#define RENAME_FROM "### SampleLimit\n\n    Syntax:      SampleLimit "
#define RENAME_TO   "### SampleLimits\n\n    Syntax:      SampleLimits "

static const sample_case sample_cases[] = {
    { "complete", NULL, NULL, 0, NULL },
    { "missing Default", "    Default:     SampleOn Off\n", "", 1,
      "SampleOn: no \"Default:\" line with a value in README.md" },
    { "empty Override", "Override:    FileInfo", "Override:", 1,
      "SampleOn: no \"Override:\" line with a value in README.md" },
    { "missing Syntax", "    Syntax:      SampleLimit bytes\n", "", 1,
      "SampleLimit: no \"Syntax:\" line with a value in README.md" },
    { "missing Context", "    Context:     server config, virtual host\n", "", 1,
      "SampleLimit: no \"Context:\" line with a value in README.md" },
    { "no description", "Turns it on.\n", "", 1,
      "SampleOn: no description in README.md" },
    { "empty Description line", "Description: How many bytes.",
      "Description:", 1, "SampleLimit: no description in README.md" },
    { "undocumented directive", RENAME_FROM, RENAME_TO, 2,
      "SampleLimit: in the command table but not documented under "
      "\"## Directives\" in README.md" },
    { "documented directive that does not exist", RENAME_FROM, RENAME_TO, 2,
      "SampleLimits: documented in README.md but not a directive of "
      "mod_netexe/mod_netexe.c" },
    { "Syntax of another directive", "Syntax:      SampleOn On|Off",
      "Syntax:      SampleOnce On|Off", 1,
      "SampleOn: its \"Syntax:\" does not start with \"SampleOn\"" },
    { "unknown context", "server config, virtual host\n",
      "server config, vhost\n", 1, "SampleLimit: unknown context \"vhost\"" },
    { "entry twice", "### SampleLimit", "### SampleOn", 2,
      "SampleOn: documented twice in README.md" },
    { "heading in backquotes", "### SampleOn", "### `SampleOn`", 0, NULL },
    { ".htaccess for a server-only directive", "server config, virtual host\n",
      "server config, virtual host, directory, .htaccess\n", 1,
      "SampleLimit: \"Context: server config, virtual host, directory, "
      ".htaccess\" in README.md, but its req_override in the command table "
      "allows: server config, virtual host" },
    { "context missing from the list", "Context:     server config, virtual "
      "host, directory, .htaccess", "Context:     directory, .htaccess", 1,
      "SampleOn: \"Context: directory, .htaccess\" in README.md, but its "
      "req_override in the command table allows: server config, virtual "
      "host, directory, .htaccess" },
    { "Override for a server-only directive", "Override:    not applicable",
      "Override:    FileInfo", 1,
      "SampleLimit: \"Override: FileInfo\" in README.md, but its "
      "req_override in the command table gives: None" },
    { "Override of another class", "Override:    FileInfo",
      "Override:    Options", 1,
      "SampleOn: \"Override: Options\" in README.md, but its req_override "
      "in the command table gives: FileInfo" },
    { "Override word httpd does not know", "Override:    FileInfo",
      "Override:    FileInformation", 1,
      "SampleOn: \"Override: FileInformation\" in README.md" },
    { "None for a server-only directive", "Override:    not applicable",
      "Override:    None", 0, NULL },
};
#define N_CASES(a) (sizeof (a) / sizeof (a)[0])

/* Builds the sample README with c's edit applied; malloc'd. */
static char *sample_readme(const sample_case *c)
{
    size_t cap = sizeof section_head + sizeof entry_on + sizeof entry_limit
                 + sizeof section_tail + (c->replace ? strlen(c->replace) : 0);
    char *entries = malloc(cap), *md = malloc(cap);
    const char *at;

    ck_assert(entries != NULL && md != NULL);
    snprintf(entries, cap, "%s%s", entry_on, entry_limit);
    if (c->find != NULL) {
        at = strstr(entries, c->find);
        ck_assert_msg(at != NULL, "sample edit \"%s\" does not apply", c->find);
        snprintf(md, cap, "%s%.*s%s%s%s", section_head, (int)(at - entries),
                 entries, c->replace, at + strlen(c->find), section_tail);
    } else {
        snprintf(md, cap, "%s%s%s", section_head, entries, section_tail);
    }
    free(entries);
    return md;
}

START_TEST(test_sample_problem_is_reported)
{
    const sample_case *c = &sample_cases[_i];
    char *md = sample_readme(c);
    docs_report r;
    size_t n = docs_check(sample_src, md, &r);

    free(md);
    ck_assert_msg(n == c->problems, "%s: %zu problem(s), expected %zu:\n%s",
                  c->what, n, c->problems, r.text);
    if (c->message != NULL)
        ck_assert_msg(strstr(r.text, c->message) != NULL,
                      "%s: report lacks [%s]:\n%s", c->what, c->message,
                      r.text);
}
END_TEST

START_TEST(test_sample_table_names_skip_comments_and_strings)
{
    docs_names table;
    docs_report r;

    memset(&r, 0, sizeof r);
    ck_assert_uint_eq(parse_command_tables(sample_src, &table, &r), 1);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_uint_eq(table.n, 2);
    ck_assert_str_eq(table.name[0], "SampleOn");
    ck_assert_str_eq(table.name[1], "SampleLimit");
    /* Through two #define names, one continued over two lines. */
    ck_assert(table.req_known[0] && table.req_known[1]);
    ck_assert_uint_eq(table.req[0],
                      HTTPD_RSRC_CONF | HTTPD_ACCESS_CONF | HTTPD_OR_FILEINFO);
    ck_assert_uint_eq(table.req[1], HTTPD_RSRC_CONF);
}
END_TEST

START_TEST(test_unresolvable_req_override_is_reported)
{
    static const char src[] =
        "static const command_rec cmds[] = {\n"
        "    AP_INIT_FLAG(\"SampleOn\", set_on, NULL, 0x84, \"on\"),\n"
        "    AP_INIT_FLAG(\"SampleOff\", set_off, NULL, SOMEWHERE, \"off\"),\n"
        "    AP_INIT_FLAG(\"SampleShort\", set_short, NULL),\n"
        "    {NULL}\n"
        "};\n";
    docs_names table;
    docs_report r;

    memset(&r, 0, sizeof r);
    ck_assert_uint_eq(parse_command_tables(src, &table, &r), 1);
    ck_assert_uint_eq(r.count, 3);
    ck_assert_ptr_nonnull(strstr(r.text, "cannot resolve the req_override of SampleOn"));
    ck_assert_ptr_nonnull(strstr(r.text, "cannot resolve the req_override of SampleOff"));
    ck_assert_ptr_nonnull(strstr(r.text, "an AP_INIT_FLAG entry with 3 arguments, not 5"));
    ck_assert_uint_eq(table.n, 2);
}
END_TEST

/* A handler that refuses <VirtualHost> makes its directive "server
 * config" only; the same table entry with another handler does not. */
static const char global_src[] =
    "static const char *set_global(cmd_parms *cmd, void *d, const char *a)\n"
    "{\n"
    "    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);\n"
    "    if (err) { return err; }\n"
    "    return NULL;\n"
    "}\n"
    "static const char *set_local(cmd_parms *cmd, void *d, const char *a)\n"
    "{\n"
    "    /* GLOBAL_ONLY would refuse virtual hosts */\n"
    "    return \"GLOBAL_ONLY\";\n"
    "}\n"
    "static const command_rec cmds[] = {\n"
    "    AP_INIT_TAKE1(\"SampleGlobal\", set_global, NULL, RSRC_CONF, \"g\"),\n"
    "    AP_INIT_TAKE1(\"SampleLocal\", set_local, NULL, RSRC_CONF, \"l\"),\n"
    "    {NULL}\n"
    "};\n";

static const struct {
    const char *global_context;
    const char *local_context;
    size_t      problems;
    const char *message;
} global_cases[] = {
    { "server config", "server config, virtual host", 0, NULL },
    { "server config, virtual host", "server config, virtual host", 1,
      "SampleGlobal: \"Context: server config, virtual host\" in README.md, "
      "but its req_override in the command table allows: server config\n" },
    { "server config", "server config", 1,
      "SampleLocal: \"Context: server config\" in README.md, but its "
      "req_override in the command table allows: server config, virtual "
      "host" },
};

START_TEST(test_global_only_handler_makes_server_config_only)
{
    char md[2048];
    docs_report r;
    size_t n;

    snprintf(md, sizeof md,
             "## Directives\n\n"
             "### SampleGlobal\n\n"
             "    Syntax:      SampleGlobal x\n"
             "    Default:     none\n"
             "    Context:     %s\n"
             "    Override:    not applicable\n\n"
             "Once per server.\n\n"
             "### SampleLocal\n\n"
             "    Syntax:      SampleLocal x\n"
             "    Default:     none\n"
             "    Context:     %s\n"
             "    Override:    not applicable\n\n"
             "Per virtual host.\n",
             global_cases[_i].global_context, global_cases[_i].local_context);
    n = docs_check(global_src, md, &r);
    ck_assert_msg(n == global_cases[_i].problems,
                  "case %d: %zu problem(s), expected %zu:\n%s", _i, n,
                  global_cases[_i].problems, r.text);
    if (global_cases[_i].message != NULL)
        ck_assert_msg(strstr(r.text, global_cases[_i].message) != NULL,
                      "case %d: report lacks [%s]:\n%s", _i,
                      global_cases[_i].message, r.text);
}
END_TEST

START_TEST(test_missing_table_and_section_are_reported)
{
    docs_report r;

    ck_assert_uint_eq(docs_check("int x;\n", "# README\n\n## Install\n", &r), 2);
    ck_assert_ptr_nonnull(strstr(r.text, "no command table"));
    ck_assert_ptr_nonnull(strstr(r.text, "no \"## Directives\" section"));
}
END_TEST

static Suite *docs_suite(void)
{
    Suite *s = suite_create("docs");
    TCase *tc;

    tc = tcase_create("tree");
    tcase_add_test(tc, test_command_table_of_the_module_is_found);
    tcase_add_test(tc, test_readme_documents_exactly_the_command_table);
    suite_add_tcase(s, tc);

    tc = tcase_create("samples");
    tcase_add_test(tc, test_sample_table_names_skip_comments_and_strings);
    tcase_add_loop_test(tc, test_sample_problem_is_reported, 0,
                        N_CASES(sample_cases));
    tcase_add_test(tc, test_unresolvable_req_override_is_reported);
    tcase_add_loop_test(tc, test_global_only_handler_makes_server_config_only,
                        0, N_CASES(global_cases));
    tcase_add_test(tc, test_missing_table_and_section_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(docs_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
