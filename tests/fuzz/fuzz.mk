# libFuzzer targets: every tests/fuzz/fuzz_<name>.c is one target, built
# with clang -fsanitize=fuzzer,address,undefined and linked with a copy of
# the library compiled with coverage for the fuzzer, and with libcrypto.
#
#   make fuzz          every target for FUZZ_SECONDS (default 60) each
#   make check-fuzz    (part of make check) every target for 30 s with
#                      CI=true, 10 s otherwise, after replaying
#                      tests/fuzz/regress/<name>/; fails on any crash
#
# The seed corpus is made by tests/fuzz/make_seeds.c with the fixture
# builder; a target may add its own seeds in tests/fuzz/seeds/<name>/.
# What a run finds is kept in $(B)/fuzz/corpus/<name>/ for the next run.

FUZZ_SECONDS  ?= 60
FUZZ_MAX_LEN  ?= 8192
FUZZ_CHECK_SECONDS = $(if $(filter true 1 yes,$(CI)),30,10)
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
	@set -e; for t in $(FUZZ_BINS); do \
	    FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) tests/fuzz/run.sh $$t $(FUZZ_CHECK_SECONDS) $(B)/fuzz $(FUZZ_SEEDS); done

CHECK_TARGETS += check-fuzz
