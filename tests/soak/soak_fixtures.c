/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * soak_fixtures.c -- writes the soak's downloads with the fixture builder:
 * DIR/clr.exe (a 32-bit CLR EXE padded to SOAK_IMAGE_SIZE) and
 * DIR/native.exe (the same without a CLR header).  The sizes differ, so
 * that the soak's Lua script can tell the bodies apart by length.
 *
 * Usage: soak_fixtures DIR
 */
#include <stdio.h>
#include <string.h>

#include "pebuild.h"

#define SOAK_IMAGE_SIZE     (128u * 1024u)
#define SOAK_NATIVE_SIZE    (96u * 1024u)
#define SOAK_PATH_MAX       4096

static int write_one(const char *dir, const char *name, int clr, size_t size)
{
    char path[SOAK_PATH_MAX];
    pebuild_spec s;

    pebuild_spec_init(&s);
    s.clr = clr;
    s.total_size = size;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return -1;
    if (pebuild_write_file(path, &s) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    if (write_one(argv[1], "clr.exe", 1, SOAK_IMAGE_SIZE) != 0
        || write_one(argv[1], "native.exe", 0, SOAK_NATIVE_SIZE) != 0)
        return 1;
    return 0;
}
