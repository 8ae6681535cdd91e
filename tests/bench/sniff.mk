# bench-sniff: instructions per classification of the first 4 KiB of
# Mono's mscorlib.dll, pe_sniff against libmagic's magic_buffer, counted by
# callgrind (tests/bench/sniff-cost.sh).  Budget: <= 300 instructions per
# pe_sniff call and >= 1000x fewer than magic_buffer.

SNIFF_FIXTURE ?= $(FIXTURE_CACHE)/libmono-corlib4.5-dll/usr/lib/mono/4.5/mscorlib.dll

.PHONY: bench-sniff
$(B)/bench/sniff_cost: tests/bench/sniff_cost.c $(LIB_HDRS) $(LIB)
	@mkdir -p $(@D)
	@$(DEPS) build bench
	$(CC) $(CSTD) -D_DEFAULT_SOURCE $(WARN) $(OPT) -I$(SRC) -o $@ $< $(LIB) -lmagic $(CRYPTO_LIBS)

bench-sniff: $(B)/bench/sniff_cost fetch-fixtures
	@tests/bench/sniff-cost.sh $(B)/bench/sniff_cost $(SNIFF_FIXTURE) $(B)/bench/sniff
