# httpd suites (Check + libcurl): every tests/httpd/check_*.c starts a real
# apache2 with the built module on 127.0.0.1 through tests/httpd/harness.c.

CURL_CFLAGS   := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS     := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
HTTPD_HARNESS  = $(sort $(wildcard tests/httpd/harness*.c))
HTTPD_SRCS     = $(sort $(wildcard tests/httpd/check_*.c))
HTTPD_BINS     = $(patsubst tests/httpd/%.c,$(B)/httpd/%,$(HTTPD_SRCS))

$(B)/httpd/%: tests/httpd/%.c $(HTTPD_HARNESS) $(wildcard tests/httpd/*.h) $(SUPPORT_SRCS) $(SUPPORT_HDRS) $(LIB) | deps-check
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/httpd $(CURL_CFLAGS) -o $@ $< $(HTTPD_HARNESS) $(SUPPORT_SRCS) \
	    $(LIB) $(CHECK_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS)

.PHONY: check-httpd
check-httpd: $(HTTPD_BINS) $(MODULE) $(SCANNER)
	@NETEXE_MODULE=$(abspath $(MODULE)) NETEXE_SCAN=$(abspath $(SCANNER)) \
	    NETEXE_SRCDIR=$(CURDIR) FIXTURE_CACHE=$(FIXTURE_CACHE) \
	    build-aux/run-suites.sh "" $(HTTPD_BINS)

CHECK_TARGETS += check-httpd
