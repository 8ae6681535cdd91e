# make demo / make demo-stop: a local apache2 on 127.0.0.1 with the built
# module, serving a .NET sample and a native one (build-aux/demo.sh).

DEMO_PORT  ?= 8080
DEMO_DIR    = $(abspath $(B))/demo

$(B)/demo-samples: build-aux/demo-samples.c tests/support/pebuild.c tests/support/pebuild.h | deps-build
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(OPT) -Itests/support -o $@ build-aux/demo-samples.c tests/support/pebuild.c

demo: $(MODULE) $(B)/demo-samples
	@$(DEPS) build check
	@DEMO_PORT=$(DEMO_PORT) DEMO_DIR=$(DEMO_DIR) NETEXE_MODULE=$(abspath $(MODULE)) \
	    DEMO_SAMPLES=$(abspath $(B))/demo-samples build-aux/demo.sh start

demo-stop:
	@DEMO_DIR=$(DEMO_DIR) build-aux/demo.sh stop
