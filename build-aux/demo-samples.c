/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * demo-samples.c -- writes the sample files that "make demo" serves, made
 * with the tests' PE fixture builder (tests/support/pebuild.h):
 *
 *     DIR/managed.exe    a 32-bit CLR (.NET) EXE        -> gets the header
 *     DIR/native.exe     the same image without CLR     -> does not
 *     DIR/managed.bin    the CLR EXE under another name -> saved as .exe
 *
 * Usage: demo-samples DIR
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include "pebuild.h"

/* Large enough that the body is more than the headers the sniffer reads. */
#define DEMO_SAMPLE_SIZE    65536u
#define DEMO_PATH_MAX       4096

static int demo_write(const char *dir, const char *name, int clr)
{
    char path[DEMO_PATH_MAX];
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.clr = clr;
    s.total_size = DEMO_SAMPLE_SIZE;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        fprintf(stderr, "demo-samples: path too long: %s/%s\n", dir, name);
        return -1;
    }
    if (pebuild_write_file(path, &s) != 0) {
        fprintf(stderr, "demo-samples: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: demo-samples DIR\n");
        return 2;
    }
    if (demo_write(argv[1], "managed.exe", 1) || demo_write(argv[1], "native.exe", 0)
        || demo_write(argv[1], "managed.bin", 1)) {
        return 1;
    }
    return 0;
}
