# make bench: mod_netexe against plain Apache and the FilesMatch +
# mod_headers rule, interleaved, with ratios and the targets of each figure
# (tests/bench/bench.py).  Not part of make check: it takes a few minutes
# and its throughput figures depend on the machine.  The results are
# printed and saved to $(B)/bench/results.txt (and results.json).
#
#   BENCH_ARGS   extra options for bench.py, e.g. --rounds 7 --slice 5, or
#                --phases pieces to run one phase alone (sniff, throughput,
#                callgrind, strace, memory, pieces, gzip; a comma-separated
#                list runs several)
#   BENCH_KEEP=1 keep the instances' directories (configs, logs, traces)

PYTHON3     ?= /usr/bin/python3
BENCH_ARGS  ?=

.PHONY: bench deps-bench
deps-bench:
	@$(DEPS) build bench

$(B)/bench/bench_fixtures: tests/bench/bench_fixtures.c tests/support/pebuild.c tests/support/pebuild.h | deps-bench
	@mkdir -p $(@D)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE $(WARN) $(OPT) -Itests/support -o $@ $< tests/support/pebuild.c

bench: $(MODULE) $(B)/bench/bench_fixtures $(B)/bench/sniff_cost fetch-fixtures | deps-bench
	$(PYTHON3) tests/bench/bench.py --module $(MODULE) --fixtures $(B)/bench/bench_fixtures \
	    --out $(B)/bench --command "make$(if $(filter-out build,$(B)), B=$(B)) bench" \
	    --sniff "tests/bench/sniff-cost.sh $(B)/bench/sniff_cost $(SNIFF_FIXTURE) $(B)/bench/sniff" \
	    $(BENCH_ARGS)
