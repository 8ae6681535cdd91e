# libFuzzer targets: every tests/fuzz/fuzz_<name>.c is one target, built
# with clang -fsanitize=fuzzer,address,undefined and linked with a copy of
# the library compiled with coverage for the fuzzer, and with libcrypto.
#
#   make fuzz          exploration: every target for FUZZ_SECONDS (default
#                      60) each, from a seed libFuzzer draws, growing the
#                      corpus kept in $(B)/fuzz/corpus/<name>/
#   make check-fuzz    (part of make check) the gate: after replaying
#                      tests/fuzz/regress/<name>/, every target runs a
#                      fixed number of inputs (FUZZ_CHECK_RUNS_<name>,
#                      about 20 s each here) from the seeds alone, in a
#                      fixed order, and the fixed seed FUZZ_CHECK_SEED, so
#                      that it does not depend on the machine's speed, and
#                      little on chance; fails on any crash
#
# A crash found by exploration is written to tests/fuzz/regress/<name>/:
# committed with its fix, every later gate replays it.
#
# The seed corpus is made by tests/fuzz/make_seeds.c with the fixture
# builder; a target may add its own seeds in tests/fuzz/seeds/<name>/.

FUZZ_SECONDS  ?= 60
FUZZ_MAX_LEN  ?= 8192
FUZZ_CHECK_SEED ?= 1
FUZZ_CHECK_RUNS_authenticode ?= 40000
FUZZ_CHECK_RUNS_decode       ?= 10000
FUZZ_CHECK_RUNS_disposition  ?= 300000
FUZZ_CHECK_RUNS_pe           ?= 150000
FUZZ_CHECK_RUNS_repair       ?= 60000
# Only a bound for a machine far slower than this kind: a run it cuts
# short is a prefix of the fixed one.
FUZZ_CHECK_SECONDS ?= 300
FUZZ_NAMES     = $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SRCS      = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS      = $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SAN       = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS    = $(CSTD) -D_DEFAULT_SOURCE $(WARN) -O1 -g $(FUZZ_SAN)
# The library as the fuzzer needs it: clang, sanitizers and coverage.  The
# gcc-built $(SAN_LIB) has neither clang's ASan ABI nor coverage counters.
FUZZ_LIB       = $(B)/fuzz/libnetexe.a
FUZZ_SEEDS     = $(B)/fuzz/seeds

.PHONY: fuzz check-fuzz deps-fuzz fuzz-seeds
deps-fuzz:
	@$(DEPS) build fuzz

$(B)/fuzz/obj/%.o: $(SRC)/%.c $(LIB_HDRS) | deps-fuzz
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(patsubst $(SRC)/%.c,$(B)/fuzz/obj/%.o,$(LIB_SRCS))
	rm -f $@ && ar rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_HDRS) $(FUZZ_LIB) | deps-fuzz
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -I$(SRC) -o $@ $< $(FUZZ_LIB) $(CRYPTO_LIBS) $(CODEC_LIBS)

$(B)/fuzz/make_seeds: tests/fuzz/make_seeds.c tests/support/pebuild.c tests/support/pebuild.h | deps-build
	@mkdir -p $(@D)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE $(WARN) -O1 -g -Itests/support -o $@ \
	    tests/fuzz/make_seeds.c tests/support/pebuild.c

fuzz-seeds: $(B)/fuzz/seeds.stamp
$(B)/fuzz/seeds.stamp: $(B)/fuzz/make_seeds
	rm -rf $(FUZZ_SEEDS) && mkdir -p $(FUZZ_SEEDS) && $< $(FUZZ_SEEDS) && touch $@

fuzz: $(FUZZ_BINS) $(B)/fuzz/seeds.stamp
	@set -e; for t in $(FUZZ_BINS); do \
	    FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) tests/fuzz/run.sh $$t $(FUZZ_SECONDS) $(B)/fuzz $(FUZZ_SEEDS); done

check-fuzz: $(FUZZ_BINS) $(B)/fuzz/seeds.stamp
	@set -e; $(foreach t,$(FUZZ_NAMES),\
	    FUZZ_RUNS=$(or $(FUZZ_CHECK_RUNS_$(t)),100000) FUZZ_SEED=$(FUZZ_CHECK_SEED) \
	    FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) \
	    tests/fuzz/run.sh $(B)/fuzz/fuzz_$(t) $(FUZZ_CHECK_SECONDS) $(B)/fuzz $(FUZZ_SEEDS);)

CHECK_TARGETS += check-fuzz
