# Unit suites (Check): every tests/unit/check_*.c is one suite, linked with
# the helpers in tests/support/ and the PE library.  Each suite runs twice:
# as built for production, and under AddressSanitizer + UBSan.

CHECK_CFLAGS  := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS    := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -pthread)
TEST_CFLAGS    = $(CSTD) -D_DEFAULT_SOURCE $(WARN) -O1 -g -I$(SRC) -Itests/support $(CHECK_CFLAGS)
SUPPORT_SRCS   = $(sort $(wildcard tests/support/*.c))
SUPPORT_HDRS   = $(wildcard tests/support/*.h)
UNIT_SRCS      = $(sort $(wildcard tests/unit/check_*.c))
UNIT_BINS      = $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
UNIT_SAN_BINS  = $(patsubst tests/unit/%.c,$(B)/unit-san/%,$(UNIT_SRCS))
# The decoders of the library (CODEC_LIBS) and, for check_decode, the
# encoders that make its inputs at test time.
CODEC_ENC_LIBS := $(shell pkg-config --libs libbrotlienc libzstd zlib 2>/dev/null || echo -lbrotlienc -lzstd -lz)
# Where downloaded Debian packages (real-world fixtures) are cached.
FIXTURE_CACHE ?= $(abspath $(B))/cache
# Debian packages with real-world PE files, unpacked into FIXTURE_CACHE
# before the suites run (build-aux/fetch-debs.sh).  Other test areas add
# theirs with FIXTURE_DEBS += ...; a package that cannot be fetched makes
# the cases that need it print "SKIPPED: ...".
FIXTURE_DEBS  += libmono-corlib4.5-dll libmono-system4.0-cil libmono-system-xml4.0-cil \
                 libmono-system-core4.0-cil shim-unsigned nsis-common
# Signed EFI images (Authenticode, check_authenticode; the GRUB and shim
# helper images are repaired with shim-unsigned's Debian CA).
FIXTURE_DEBS  += shim-signed grub-efi-amd64-signed shim-helpers-amd64-signed

.PHONY: fetch-fixtures
fetch-fixtures:
	@build-aux/fetch-debs.sh $(FIXTURE_CACHE) $(sort $(FIXTURE_DEBS)) || \
	    echo "fetch-fixtures: not every package could be fetched; cases that need one print SKIPPED"

$(B)/unit/%: tests/unit/%.c $(SUPPORT_SRCS) $(SUPPORT_HDRS) $(LIB) | deps-check
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(SUPPORT_SRCS) $(LIB) $(CHECK_LIBS) $(CRYPTO_LIBS) $(CODEC_LIBS) $(CODEC_ENC_LIBS)

$(B)/unit-san/%: tests/unit/%.c $(SUPPORT_SRCS) $(SUPPORT_HDRS) $(SAN_LIB) | deps-check
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(SUPPORT_SRCS) $(SAN_LIB) $(CHECK_LIBS) $(CRYPTO_LIBS) $(CODEC_LIBS) $(CODEC_ENC_LIBS)

.PHONY: check-unit check-unit-san
# Under the sanitizers a report aborts the forked test, which Check counts
# as an error, so the suite fails.
check-unit: $(UNIT_BINS) $(SCANNER) fetch-fixtures
	@NETEXE_SCAN=$(abspath $(SCANNER)) FIXTURE_CACHE=$(FIXTURE_CACHE) \
	    build-aux/run-suites.sh "" $(UNIT_BINS)

check-unit-san: $(UNIT_SAN_BINS) $(SCANNER) fetch-fixtures
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    NETEXE_SCAN=$(abspath $(SCANNER)) FIXTURE_CACHE=$(FIXTURE_CACHE) \
	    build-aux/run-suites.sh "ASan+UBSan" $(UNIT_SAN_BINS)

CHECK_TARGETS += check-unit check-unit-san
