/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_mem.c -- the serving process of a harness apache2 and its peak
 * RSS around a request (see harness_mem.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_mem.h"

#define MEM_PATH_MAX        512
#define MEM_STAT_MAX        1024
#define MEM_POLL_MS         20
#define MEM_CLEAR_PEAK      "5"     /* clear_refs: reset the peak RSS */
#define MEM_CHILDREN_MAX    256     /* children summed at the most */

static int mem_env_set(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* The parent's pid from the server's PidFile (run/httpd.pid under its
 * root, as the harness writes the configuration); 0 with the reason on
 * stderr when unreadable. */
static pid_t mem_parent(const harness_httpd *h)
{
    char path[MEM_PATH_MAX];
    FILE *f = NULL;
    long v = 0;

    if (snprintf(path, sizeof path, "%s/run/httpd.pid", harness_root(h))
        < (int)sizeof path)
        f = fopen(path, "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
    }
    if (v <= 0) {
        fprintf(stderr, "harness_mem: no PidFile under %s\n", harness_root(h));
        return 0;
    }
    return (pid_t)v;
}

/* The parent pid and state of pid from /proc/PID/stat; -1 when gone. */
static int mem_stat(pid_t pid, pid_t *ppid, char *state)
{
    char path[64], buf[MEM_STAT_MAX], *rp;
    FILE *f;
    size_t n;
    long pp;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold blanks and parentheses: the fields after
     * it start after the last ')'. */
    rp = strrchr(buf, ')');
    if (rp == NULL || sscanf(rp + 1, " %c %ld", state, &pp) != 2)
        return -1;
    *ppid = (pid_t)pp;
    return 0;
}

/* The living children of parent: their count; the first max of them go
 * to child[]. */
static size_t mem_children(pid_t parent, pid_t *child, size_t max)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        pid_t pid, ppid;
        char state;

        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid = (pid_t)strtol(de->d_name, NULL, 10);
        if (mem_stat(pid, &ppid, &state) != 0 || ppid != parent
            || state == 'Z' || state == 'X')
            continue;
        if (n < max)
            child[n] = pid;
        n++;
    }
    closedir(d);
    return n;
}

pid_t harness_mem_server_pid(const harness_httpd *h)
{
    long deadline = harness_now_ms()
                    + harness_scaled_ms(HARNESS_MEM_PID_WAIT_MS);
    pid_t parent = mem_parent(h), child = 0;
    size_t n = 0;

    if (parent == 0)
        return 0;
    if (mem_env_set("HARNESS_SINGLE"))
        return parent;              /* apache2 -X serves by itself */
    for (;;) {
        n = mem_children(parent, &child, 1);
        if (n == 1)
            return child;
        if (harness_now_ms() > deadline)
            break;
        harness_sleep_ms(MEM_POLL_MS);
    }
    fprintf(stderr, "harness_mem: apache2 %ld has %zu children, expected one "
            "(HARNESS_MEM_ONE_CHILD)\n", (long)parent, n);
    return 0;
}

long harness_mem_status_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    size_t fl = strlen(field);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            v = strtol(line + fl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Resets pid's peak RSS to its current RSS (clear_refs) and returns that
 * RSS; -1 with the reason on stderr. */
static long mem_reset_peak(pid_t pid)
{
    char path[64];
    FILE *f;
    int rc;

    snprintf(path, sizeof path, "/proc/%ld/clear_refs", (long)pid);
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "harness_mem: %s: %s\n", path, strerror(errno));
        return -1;
    }
    rc = fputs(MEM_CLEAR_PEAK, f) < 0 ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "harness_mem: cannot write %s\n", path);
        return -1;
    }
    return harness_mem_status_kib(pid, "VmRSS");
}

int harness_mem_start(pid_t pid, harness_mem_mark *m)
{
    m->n = 1;
    m->pid[0] = pid;
    m->rss_kib[0] = mem_reset_peak(pid);
    return m->rss_kib[0] < 0 ? -1 : 0;
}

int harness_mem_start_all(const harness_httpd *h, harness_mem_mark *m)
{
    pid_t parent = mem_parent(h);
    size_t i, n;

    m->n = 0;
    if (parent == 0)
        return -1;
    m->pid[0] = parent;
    n = mem_children(parent, m->pid + 1, HARNESS_MEM_PROCS_MAX - 1);
    if (n > HARNESS_MEM_PROCS_MAX - 1) {
        fprintf(stderr, "harness_mem: apache2 %ld has %zu children, more "
                "than %d to follow\n", (long)parent, n,
                HARNESS_MEM_PROCS_MAX - 1);
        return -1;
    }
    m->n = n + 1;
    for (i = 0; i < m->n; i++) {
        m->rss_kib[i] = mem_reset_peak(m->pid[i]);
        if (m->rss_kib[i] < 0)
            return -1;
    }
    return 0;
}

long harness_mem_growth_kib(const harness_mem_mark *m)
{
    long most = -1;
    size_t i;

    for (i = 0; i < m->n; i++) {
        long hwm = harness_mem_status_kib(m->pid[i], "VmHWM"), grew;

        if (hwm < 0 || m->rss_kib[i] < 0)
            continue;
        grew = hwm > m->rss_kib[i] ? hwm - m->rss_kib[i] : 0;
        if (grew > most)
            most = grew;
    }
    return most;
}

long harness_mem_children_hwm_kib(const harness_httpd *h, int *n)
{
    pid_t parent = mem_parent(h), child[MEM_CHILDREN_MAX];
    size_t i, found;
    long sum = 0;
    int counted = 0;

    if (n != NULL)
        *n = 0;
    if (parent == 0)
        return -1;
    found = mem_children(parent, child, MEM_CHILDREN_MAX);
    if (found > MEM_CHILDREN_MAX) {
        fprintf(stderr, "harness_mem: apache2 %ld has %zu children, more "
                "than %d to sum\n", (long)parent, found, MEM_CHILDREN_MAX);
        return -1;
    }
    for (i = 0; i < found; i++) {
        long hwm = harness_mem_status_kib(child[i], "VmHWM");

        if (hwm >= 0) {
            sum += hwm;
            counted++;
        }
    }
    if (n != NULL)
        *n = counted;
    return sum;
}

int harness_mem_meaningful(void)
{
    return !mem_env_set("HARNESS_WRAPPER");
}

/* The number that ends right before p (digits backwards from p - 1). */
static long mem_number_before(const char *line, const char *p)
{
    const char *s = p;

    while (s > line && isdigit((unsigned char)s[-1]))
        s--;
    return s < p ? strtol(s, NULL, 10) : -1;
}

/* Parses the text of a debug line from its "<uri>: " at p to eol.  0
 * when it is one, with its figures and verdict filled in. */
static int mem_parse_line(const char *p, const char *eol, size_t urilen,
                          char *verdict, size_t vlen, long *examined,
                          long *held)
{
    size_t n = (size_t)(eol - p);
    char *text = malloc(n + 1);
    const char *v, *ve, *ex, *he;
    long e, k;
    int rc = -1;

    if (text == NULL)
        return -1;
    memcpy(text, p, n);
    text[n] = '\0';
    v = text + urilen + 2;
    for (ve = v; isalnum((unsigned char)*ve) || *ve == '-'; ve++)
        ;
    ex = strstr(ve, " bytes examined, ");
    he = strstr(ve, " bytes held");
    if (ve > v && ex != NULL && he != NULL
        && (e = mem_number_before(text, ex)) >= 0
        && (k = mem_number_before(text, he)) >= 0) {
        if (verdict != NULL && vlen > 0) {
            size_t w = (size_t)(ve - v) < vlen - 1 ? (size_t)(ve - v)
                                                   : vlen - 1;
            memcpy(verdict, v, w);
            verdict[w] = '\0';
        }
        *examined = e;
        *held = k;
        rc = 0;
    }
    free(text);
    return rc;
}

int harness_mem_logged(const harness_httpd *h, const char *uri,
                       long timeout_ms, char *verdict, size_t vlen,
                       long *examined, long *held)
{
    long deadline = harness_now_ms() + harness_scaled_ms(timeout_ms);
    size_t urilen = strlen(uri);

    *examined = *held = -1;
    for (;;) {
        char *log = harness_error_log(h);
        const char *p = log;
        int found = 0;

        /* "<uri>: " after a blank: the line's own text starts there, with
         * or without a "mod_netexe: " in front. */
        while ((p = strstr(p, uri)) != NULL) {
            const char *eol = strchr(p, '\n');

            if (eol == NULL)
                eol = p + strlen(p);
            if (p > log && p[-1] == ' ' && strncmp(p + urilen, ": ", 2) == 0
                && mem_parse_line(p, eol, urilen, verdict, vlen, examined,
                                  held) == 0)
                found = 1;              /* the last one wins */
            p = eol;
        }
        free(log);
        if (found)
            return 0;
        if (harness_now_ms() > deadline)
            return -1;
        harness_sleep_ms(MEM_POLL_MS);
    }
}
