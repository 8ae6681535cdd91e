# Memory safety of the module inside a real apache2 (not part of make
# check: they take minutes).  Both run httpd suites through the harness's
# HARNESS_WRAPPER and read the tool's reports with memcheck-report.sh:
# an error whose stack passes through mod_netexe fails the target; errors
# in httpd, APR or libc alone are counted and belong in the suppression
# file (one commented entry each).
#
#   make check-valgrind   VALGRIND_SUITES under "valgrind apache2 -X"
#                         (HARNESS_SINGLE=1: one process, every request
#                         seen; cases tagged "graceful" are left out, as
#                         -X has no children to replace), suppressions
#                         tests/httpd/valgrind.supp, logs in
#                         $(B)/valgrind/vg.<pid>.log
#   make check-asan       ASAN_SUITES (default: every httpd suite) against
#                         a mod_netexe.so built with
#                         -fsanitize=address,undefined, apache2 run with
#                         LD_PRELOAD of gcc's libasan (the binary is not
#                         instrumented, the runtime must come first),
#                         reports in $(B)/asan/reports/
#
# Either runs fewer suites when named, e.g.
#   make check-asan ASAN_SUITES="check_memory check_split"
#
# Both need the suites to pass as well.  Limits: APR's pools hand out
# pieces of large malloc'd blocks, so neither tool sees an overrun that
# stays inside one pool block; leaks are not checked under ASan
# (detect_leaks=0: httpd frees its pools by exiting), and valgrind counts
# only "definitely lost" blocks.

VALGRIND       ?= valgrind
# The suites whose requests go through every path of the filter: static
# files (FILE buckets, sendfile), CGI pipes, proxied sockets, split and
# flushed bodies, existing headers, hostile input, faults, clients, the
# Authenticode check on the request path (OpenSSL inside the module), and
# the "fail closed" suites: the CLR rule, content codings (the decoders
# inside the module, bombs included), statuses, far headers, mod_cache,
# one Content-Disposition with mod_headers, the no-netexe examples; and
# bodies held in tens of thousands of one-byte pieces from a CGI, mod_lua
# and a proxied backend, with the client, the CGI or the backend failing
# while they are held (check_memory; its RSS bounds are not asserted under
# a tool, whose own memory that is).
# Left out: check_config (apache2 -t only), check_mpm (parallel requests
# against several MPMs; -X serves one process), check_sigcache (sharing
# between prefork children and between two servers; -X has one process)
# and check_harness.  Under
# valgrind apache2 is many times slower, but these requests are small:
# about two minutes together on two shared cores.
VALGRIND_SUITES ?= check_static check_cgi check_proxy check_split check_scopes \
                   check_lognote check_faults check_hostile check_hostile_bytes \
                   check_deflate_h2 check_clients check_signature \
                   check_clrrule check_codings check_statuses check_far \
                   check_cache check_oneheader check_noenv check_memory \
                   check_attack check_attack2 check_attack3 check_attack4 \
                   check_attack5 check_attack6 check_attack7 \
                   check_attack8
VALGRIND_TIME_SCALE ?= 20
VALGRIND_DIR    = $(abspath $(B))/valgrind
VALGRIND_SUPP   = $(abspath tests/httpd/valgrind.supp)
VALGRIND_OPTS   = --tool=memcheck --num-callers=30 --keep-debuginfo=yes --vgdb=no \
                  --leak-check=full --show-leak-kinds=definite \
                  --errors-for-leak-kinds=definite \
                  --suppressions=$(VALGRIND_SUPP) \
                  --log-file=$(VALGRIND_DIR)/vg.%p.log

ASAN_SUITES     ?= $(notdir $(HTTPD_BINS))
ASAN_TIME_SCALE ?= 3
ASAN_DIR        = $(abspath $(B))/asan
ASAN_MODULE     = $(ASAN_DIR)/mod_netexe.so
ASAN_RUNTIME   := $(shell $(CC) -print-file-name=libasan.so 2>/dev/null)
ASAN_SUPP       = $(abspath tests/httpd/asan.supp)
# No spaces inside a value: HARNESS_WRAPPER is split at blanks.
# allow_user_segv_handler=0 keeps ASan's SIGSEGV handler in place of
# httpd's (which would only log "exit signal Segmentation fault").
ASAN_ENV        = LD_PRELOAD=$(ASAN_RUNTIME) \
                  ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:disable_coredump=1:allow_user_segv_handler=0:log_path=$(ASAN_DIR)/reports/asan:suppressions=$(ASAN_SUPP) \
                  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(ASAN_DIR)/reports/ubsan

.PHONY: check-valgrind check-asan

# The module with the sanitizers, linked with the sanitizer copy of the
# library (the same flags as the unit suites' ASan+UBSan run).
$(ASAN_MODULE): $(SRC)/mod_netexe.c $(LIB_HDRS) $(SAN_LIB)
	@mkdir -p $(ASAN_DIR)/apxs
	cp $(SRC)/mod_netexe.c $(LIB_HDRS) $(ASAN_DIR)/apxs/
	cd $(ASAN_DIR)/apxs && $(APXS) -c -Wc,-std=gnu99 -Wc,-Wall -Wc,-Wextra -Wc,-Werror \
	    -Wc,-O1 -Wc,-fsanitize=address,undefined -Wc,-fno-sanitize-recover=all \
	    -Wc,-fno-omit-frame-pointer \
	    -o mod_netexe.la mod_netexe.c $(abspath $(SAN_LIB)) $(CRYPTO_LIBS) $(CODEC_LIBS) \
	    -lasan -lubsan >/dev/null
	cp $(ASAN_DIR)/apxs/.libs/mod_netexe.so $@.new && mv -f $@.new $@

check-valgrind: $(addprefix $(B)/httpd/,$(VALGRIND_SUITES)) $(MODULE) $(SCANNER)
	@command -v $(VALGRIND) >/dev/null || $(DEPS) build check
	@rm -rf $(VALGRIND_DIR) && mkdir -p $(VALGRIND_DIR) && chmod 1777 $(VALGRIND_DIR)
	@rc=0; \
	NETEXE_MODULE=$(abspath $(MODULE)) NETEXE_SCAN=$(abspath $(SCANNER)) \
	    NETEXE_SRCDIR=$(CURDIR) FIXTURE_CACHE=$(FIXTURE_CACHE) \
	    HARNESS_SINGLE=1 HARNESS_TIME_SCALE=$(VALGRIND_TIME_SCALE) \
	    CK_TIMEOUT_MULTIPLIER=$(VALGRIND_TIME_SCALE) CK_EXCLUDE_TAGS=graceful \
	    HARNESS_WRAPPER="$(VALGRIND) $(VALGRIND_OPTS)" \
	    build-aux/run-suites.sh valgrind $(addprefix $(B)/httpd/,$(VALGRIND_SUITES)) || rc=1; \
	tests/httpd/memcheck-report.sh valgrind $(VALGRIND_DIR) || rc=1; \
	exit $$rc

check-asan: $(addprefix $(B)/httpd/,$(ASAN_SUITES)) $(ASAN_MODULE) $(SCANNER)
	@test -f "$(ASAN_RUNTIME)" || { echo "check-asan: no libasan.so from $(CC)"; exit 1; }
	@rm -rf $(ASAN_DIR)/reports && mkdir -p $(ASAN_DIR)/reports && chmod 1777 $(ASAN_DIR)/reports
	@rc=0; \
	NETEXE_MODULE=$(ASAN_MODULE) NETEXE_SCAN=$(abspath $(SCANNER)) \
	    NETEXE_SRCDIR=$(CURDIR) FIXTURE_CACHE=$(FIXTURE_CACHE) \
	    HARNESS_TIME_SCALE=$(ASAN_TIME_SCALE) CK_TIMEOUT_MULTIPLIER=$(ASAN_TIME_SCALE) \
	    HARNESS_WRAPPER="env $(ASAN_ENV)" \
	    build-aux/run-suites.sh asan $(addprefix $(B)/httpd/,$(ASAN_SUITES)) || rc=1; \
	tests/httpd/memcheck-report.sh asan $(ASAN_DIR)/reports || rc=1; \
	exit $$rc
