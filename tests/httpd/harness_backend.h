/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_backend.h -- the raw side of the httpd suites, on top of
 * harness.h: plain TCP on 127.0.0.1 for clients that libcurl cannot play
 * (one that goes away, resets the connection, or reads a response only in
 * part), and a backend server on a thread of the test for mod_proxy to
 * talk to.
 *
 * The backend's listening socket is made in the unchecked fixture, before
 * apache2 starts, since its port goes into the ProxyPass lines; each test
 * that needs the backend starts the thread in its own (forked) process and
 * stops it before it returns:
 *
 *     static void serve(harness_backend *b, int fd, const char *head)
 *     {
 *         harness_send_all(fd, answer, answer_len);     b->data: the suite's
 *     }
 *
 *     listen_fd = harness_listen_local(&port);          in the fixture
 *
 *     harness_backend b;                                in a test
 *     ck_assert_int_eq(harness_backend_start(&b, listen_fd, LIFE_MS, serve,
 *                                            NULL), 0);
 *     harness_get(srv, "/px/x.exe", &r);
 *     ck_assert_int_eq(harness_backend_stop(&b), 0);
 *
 * The thread serves one connection at a time: it reads the request head,
 * hands it to serve, and closes the connection when serve returns (with a
 * reset when serve asked for one with harness_reset_on_close()).
 *
 * Every function returns 0 (or a count) on success and -1 on failure; no
 * global state.
 */
#ifndef NETEXE_HARNESS_BACKEND_H
#define NETEXE_HARNESS_BACKEND_H

#include <pthread.h>
#include <stddef.h>

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most bytes of a request head the backend reads, and how long it
 * waits for the empty line that ends it. */
#define HARNESS_BACKEND_HEAD_MAX    8192
#define HARNESS_BACKEND_HEAD_MS     20000L

/* --- sockets ----------------------------------------------------------- */

/* A TCP socket listening on 127.0.0.1 on a free port, which goes to
 * *port; -1 on failure. */
int harness_listen_local(int *port);

/* A TCP connection to 127.0.0.1:port; -1 on failure. */
int harness_connect_local(int port);

/* Sends all len bytes (no SIGPIPE); 0 when they went out. */
int harness_send_all(int fd, const void *data, size_t len);

/* Reads into buf until max bytes, the peer's close or timeout_ms; returns
 * the count.  *closed tells whether the peer closed (or reset). */
size_t harness_recv_some(int fd, unsigned char *buf, size_t max,
                         long timeout_ms, int *closed);

/* Reads a request or response head into buf (at most max - 1 bytes,
 * NUL-terminated) until it holds the empty line that ends a head, max - 1
 * bytes came or timeout_ms passed.  Its length, or -1 when the peer closed
 * (or failed) first. */
long harness_read_head(int fd, char *buf, size_t max, long timeout_ms);

/* Makes the close of fd that follows send a reset (SO_LINGER 0) instead
 * of a FIN: the peer's next read or write fails at once. */
void harness_reset_on_close(int fd);

/* harness_reset_on_close(fd), then close(fd). */
void harness_close_reset(int fd);

/* --- the backend thread -------------------------------------------------- */

typedef struct harness_backend harness_backend;

/* Answers one connection fd whose request head is head (NUL-terminated,
 * as harness_read_head() read it); runs on the backend's thread.  fd is
 * closed after it returns. */
typedef void (*harness_backend_serve)(harness_backend *b, int fd,
                                      const char *head);

struct harness_backend {
    harness_backend_serve serve;
    void *data;                 /* the suite's, for serve */
    int listen_fd;
    /* Readable once harness_backend_stop() was called: serve may poll it
     * next to its connection to give up a slow answer. */
    int stop_fd;
    int stop_wr;
    long life_ms;               /* the thread never outlives this */
    pthread_t tid;
};

/* Starts the thread on the listening socket listen_fd (which stays the
 * caller's).  0 when it runs. */
int harness_backend_start(harness_backend *b, int listen_fd, long life_ms,
                          harness_backend_serve serve, void *data);

/* Tells the thread to stop, waits for it (the connection it serves ends
 * first) and releases what start took.  0 on success. */
int harness_backend_stop(harness_backend *b);

/* 1 once harness_backend_stop() was called: for serve's long loops. */
int harness_backend_stopping(const harness_backend *b);

#ifdef __cplusplus
}
#endif
#endif
