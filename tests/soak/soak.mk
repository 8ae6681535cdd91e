# make soak (not part of make check: a minute of full load): mixed load
# from wrk at 128 connections against one apache2 (event MPM) with the
# module -- static CLR/native/HTML, a CGI download, proxied downloads --
# with responses checked under load and the children's RSS sampled
# (tests/soak/soak.sh).  Results in $(B)/soak/run/.
#
#   make soak [SOAK_SECONDS=60] [SOAK_CONNECTIONS=128] [SOAK_BASELINE=1]

SOAK_SECONDS     ?= 60
SOAK_CONNECTIONS ?= 128
SOAK_BASELINE    ?= 0

.PHONY: soak
$(B)/soak/soak_fixtures: tests/soak/soak_fixtures.c $(SUPPORT_SRCS) $(SUPPORT_HDRS) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE $(WARN) $(OPT) -Itests/support -o $@ \
	    tests/soak/soak_fixtures.c tests/support/pebuild.c

soak: $(MODULE) $(B)/soak/soak_fixtures
	@command -v wrk >/dev/null || $(DEPS) bench
	@SOAK_SECONDS=$(SOAK_SECONDS) SOAK_CONNECTIONS=$(SOAK_CONNECTIONS) SOAK_BASELINE=$(SOAK_BASELINE) \
	    tests/soak/soak.sh $(MODULE) $(B)/soak/soak_fixtures $(B)/soak/run
