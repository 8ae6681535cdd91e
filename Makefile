# mod_netexe -- build, test, benchmark.
#
#   make            the PE library, mod_netexe.so (via apxs) and netexe-scan
#   make install    the module with apxs -i, netexe-scan and its manual page
#   make check      builds everything and runs every test suite
#   make demo       starts a local apache2 on 127.0.0.1 with the module
#   make bench      module on/off/mod_headers, interleaved, with ratios
#   make fuzz       the libFuzzer targets for FUZZ_SECONDS each
#
# Every target installs the Debian packages it needs when run as root, and
# names them otherwise (build-aux/deps.sh).

SHELL      := /bin/bash
B          ?= build
APXS       ?= $(shell command -v apxs 2>/dev/null || command -v apxs2 2>/dev/null || echo apxs)
CC         ?= cc
CLANG      ?= clang
DEPS        = build-aux/deps.sh

WARN        = -Wall -Wextra -Werror
CSTD        = -std=c99 -D_POSIX_C_SOURCE=200809L
OPT        ?= -O2 -g
LIB_CFLAGS  = $(CSTD) $(WARN) $(OPT) -fPIC
SAN_FLAGS   = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRC         = mod_netexe
LIB_SRCS    = $(wildcard $(SRC)/pe.c $(SRC)/decode.c $(SRC)/disposition.c $(SRC)/authenticode.c)
LIB_HDRS    = $(wildcard $(SRC)/pe.h $(SRC)/decode.h $(SRC)/disposition.h $(SRC)/authenticode.h)
LIB         = $(B)/libnetexe.a
SAN_LIB     = $(B)/san/libnetexe.a
CRYPTO_LIBS = $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
# The content-coding decoders of decode.c (zlib, brotli, zstd).
CODEC_LIBS  = $(shell pkg-config --libs zlib libbrotlidec libzstd 2>/dev/null || echo -lz -lbrotlidec -lzstd)

MODULE      = $(B)/mod_netexe.so
SCANNER     = $(if $(wildcard $(SRC)/netexe-scan.c),$(B)/netexe-scan)

.PHONY: all lib module scanner install check deps-build deps-check clean \
        demo demo-stop bench fuzz
.DEFAULT_GOAL := all

all: lib module scanner

deps-build:
	@$(DEPS) build
deps-check:
	@$(DEPS) build check

lib: $(LIB)

$(B)/obj/%.o: $(SRC)/%.c $(LIB_HDRS) | deps-build
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(B)/san/obj/%.o: $(SRC)/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -O1 -g -fPIC $(SAN_FLAGS) -c -o $@ $<

$(LIB): $(patsubst $(SRC)/%.c,$(B)/obj/%.o,$(LIB_SRCS))
	rm -f $@ && ar rcs $@ $^

$(SAN_LIB): $(patsubst $(SRC)/%.c,$(B)/san/obj/%.o,$(LIB_SRCS))
	rm -f $@ && ar rcs $@ $^

# The module is compiled by apxs in a copy of the source directory inside
# $(B), so that libtool's objects never land next to the sources.
module: $(MODULE)
$(MODULE): $(SRC)/mod_netexe.c $(LIB_HDRS) $(LIB)
	@mkdir -p $(B)/apxs
	cp $(SRC)/mod_netexe.c $(LIB_HDRS) $(B)/apxs/
	cd $(B)/apxs && $(APXS) -c -Wc,-std=gnu99 -Wc,-Wall -Wc,-Wextra -Wc,-Werror \
	    -o mod_netexe.la mod_netexe.c $(abspath $(LIB)) $(CRYPTO_LIBS) $(CODEC_LIBS) >/dev/null
	# In place by rename: a server running with the old file keeps its
	# mapping intact.
	cp $(B)/apxs/.libs/mod_netexe.so $@.new && mv -f $@.new $@

# The scanner writes JSON with json-c (Debian libjson-c-dev).
JSON_CFLAGS = $(shell pkg-config --cflags json-c 2>/dev/null)
JSON_LIBS   = $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

scanner: $(SCANNER)
$(B)/netexe-scan: $(SRC)/netexe-scan.c $(LIB_HDRS) $(LIB)
	$(CC) $(CSTD) $(WARN) $(OPT) $(JSON_CFLAGS) -o $@ $< $(LIB) $(JSON_LIBS) $(CRYPTO_LIBS)

# The module goes where apxs says (LIBEXECDIR); the scanner and its manual
# page under PREFIX.  DESTDIR is honoured by both.
PREFIX     ?= /usr/local
install: $(MODULE) $(B)/netexe-scan
	$(if $(DESTDIR),mkdir -p $(DESTDIR)$(shell $(APXS) -q LIBEXECDIR))
	cd $(B)/apxs && $(APXS) $(if $(DESTDIR),-S LIBEXECDIR=$(DESTDIR)$(shell $(APXS) -q LIBEXECDIR)) \
	    -i -n netexe mod_netexe.la
	install -D -m 0755 $(B)/netexe-scan $(DESTDIR)$(PREFIX)/bin/netexe-scan
	install -D -m 0644 $(SRC)/netexe-scan.1 $(DESTDIR)$(PREFIX)/share/man/man1/netexe-scan.1

# Each test area adds its targets to CHECK_TARGETS (run in this order).
CHECK_TARGETS :=
# The fast suites come first; any other tests/*/*.mk and build-aux/*.mk
# follow in name order.
CORE_MK := tests/unit/unit.mk tests/httpd/httpd.mk tests/fuzz/fuzz.mk
-include $(CORE_MK)
-include $(filter-out $(CORE_MK),$(sort $(wildcard tests/*/*.mk build-aux/*.mk)))

check: $(CHECK_TARGETS)
	@echo "make check: all suites passed"

clean:
	rm -rf $(B)
