/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * harness_backend.c -- raw sockets on 127.0.0.1 and a backend server on a
 * thread of the test (see harness_backend.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness_backend.h"

#define BACKEND_POLL_MS     100     /* the thread looks for stop this often */
#define LISTEN_BACKLOG      16

/* --- sockets ----------------------------------------------------------- */

static void loopback(struct sockaddr_in *sa, int port)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa->sin_port = htons((uint16_t)port);
}

int harness_listen_local(int *port)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    loopback(&sa, 0);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0
        || listen(fd, LISTEN_BACKLOG) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int harness_connect_local(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    loopback(&sa, port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int harness_send_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

size_t harness_recv_some(int fd, unsigned char *buf, size_t max,
                         long timeout_ms, int *closed)
{
    long deadline = harness_now_ms() + timeout_ms;
    size_t got = 0;

    *closed = 0;
    while (got < max) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        long left = deadline - harness_now_ms();
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        n = recv(fd, buf + got, max - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *closed = 1;
            break;
        }
        got += (size_t)n;
    }
    return got;
}

long harness_read_head(int fd, char *buf, size_t max, long timeout_ms)
{
    long deadline = harness_now_ms() + timeout_ms;
    size_t got = 0;

    if (max == 0)
        return -1;
    buf[0] = '\0';
    while (got < max - 1 && harness_now_ms() < deadline) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        long left = deadline - harness_now_ms();
        ssize_t n;

        if (left <= 0)
            break;
        if (left > BACKEND_POLL_MS)
            left = BACKEND_POLL_MS;
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        n = recv(fd, buf + got, max - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL)
            break;
    }
    return (long)got;
}

void harness_reset_on_close(int fd)
{
    struct linger lg = { 1, 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

void harness_close_reset(int fd)
{
    harness_reset_on_close(fd);
    close(fd);
}

/* --- the backend thread -------------------------------------------------- */

int harness_backend_stopping(const harness_backend *b)
{
    struct pollfd pfd = { b->stop_fd, POLLIN, 0 };

    return poll(&pfd, 1, 0) > 0;
}

static void *backend_main(void *arg)
{
    harness_backend *b = arg;
    long deadline = harness_now_ms() + b->life_ms;

    while (harness_now_ms() < deadline) {
        struct pollfd pfd[2] = { { b->listen_fd, POLLIN, 0 },
                                 { b->stop_fd, POLLIN, 0 } };
        char head[HARNESS_BACKEND_HEAD_MAX + 1];
        int fd;

        if (poll(pfd, 2, BACKEND_POLL_MS) <= 0)
            continue;
        if (pfd[1].revents != 0)
            break;
        fd = accept(b->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        if (harness_read_head(fd, head, sizeof head,
                              HARNESS_BACKEND_HEAD_MS) >= 0)
            b->serve(b, fd, head);
        close(fd);
    }
    return NULL;
}

int harness_backend_start(harness_backend *b, int listen_fd, long life_ms,
                          harness_backend_serve serve, void *data)
{
    int p[2];

    memset(b, 0, sizeof *b);
    b->serve = serve;
    b->data = data;
    b->listen_fd = listen_fd;
    b->life_ms = life_ms;
    if (listen_fd < 0 || pipe(p) != 0)
        return -1;
    b->stop_fd = p[0];
    b->stop_wr = p[1];
    if (pthread_create(&b->tid, NULL, backend_main, b) != 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    return 0;
}

int harness_backend_stop(harness_backend *b)
{
    int rc = write(b->stop_wr, "x", 1) == 1 ? 0 : -1;

    if (pthread_join(b->tid, NULL) != 0)
        rc = -1;
    close(b->stop_fd);
    close(b->stop_wr);
    return rc;
}
