/* Copyright 2026 The mod_netexe Authors.
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * sniff_cost.c -- the cost of one classification, for callgrind.
 *
 * Reads the first 4 KiB of a file (Mono's mscorlib.dll from the fixture
 * cache) and classifies them ITERATIONS times, either with pe_sniff() or
 * with libmagic's magic_buffer().  Run under
 *
 *     valgrind --tool=callgrind --collect-atstart=no --toggle-collect=pe_sniff
 *
 * (or =magic_buffer), the collected instructions divided by ITERATIONS are
 * the instructions per classification; tests/bench/sniff.mk does that.
 *
 * Usage: sniff_cost pe|magic FILE ITERATIONS
 * Prints the verdict or libmagic's description, so that a run on the
 * wrong file is seen.
 */
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe.h"

/* What the filter holds at most before most decisions, and what libmagic
 * is shown: the same bytes for both. */
#define SNIFF_PREFIX_BYTES 4096

static size_t read_prefix(const char *path, unsigned char *buf, size_t max)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    n = fread(buf, 1, max, f);
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    static unsigned char buf[SNIFF_PREFIX_BYTES];
    size_t len, i;
    long iterations;

    if (argc != 4 || (strcmp(argv[1], "pe") != 0 && strcmp(argv[1], "magic") != 0) ||
        (iterations = strtol(argv[3], NULL, 10)) <= 0) {
        fprintf(stderr, "usage: %s pe|magic FILE ITERATIONS\n", argv[0]);
        return 2;
    }
    len = read_prefix(argv[2], buf, sizeof buf);

    if (strcmp(argv[1], "pe") == 0) {
        pe_info info;
        unsigned long clr = 0;

        for (i = 0; i < (size_t)iterations; i++)
            clr += pe_sniff(buf, len, &info) == PE_CLR;
        printf("pe_sniff: %s (%s), %lu of %ld calls clr\n", pe_verdict_name(info.verdict),
               pe_reason_name(info.reason), clr, iterations);
        return info.verdict == PE_CLR ? 0 : 1;
    }
    else {
        magic_t m = magic_open(MAGIC_NONE);
        const char *desc = NULL;

        if (m == NULL || magic_load(m, NULL) != 0) {
            fprintf(stderr, "sniff_cost: libmagic: %s\n", m ? magic_error(m) : "magic_open");
            return 2;
        }
        for (i = 0; i < (size_t)iterations; i++)
            desc = magic_buffer(m, buf, len);
        printf("magic_buffer: %s\n", desc ? desc : magic_error(m));
        magic_close(m);
        return desc != NULL ? 0 : 1;
    }
}
