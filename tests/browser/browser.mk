# Browser test: a headless Chromium, driven over the DevTools protocol,
# downloads from a real apache2 with the built module on 127.0.0.1 and the
# test asserts the names the browser saved the files under and their bytes
# (tests/browser/download.test.js; the server side is browser_server.c on
# tests/httpd/harness.c).
#
#   make check-browser    installs chromium and Node.js (deps.sh browser)
#                         and the pinned npm packages (npm ci), then runs it
#   make check            runs it through check-browser-if-present where
#                         chromium and node are installed; prints SKIPPED
#                         otherwise

CHROMIUM             ?= /usr/bin/chromium
BROWSER_DIR           = tests/browser
BROWSER_SERVER        = $(B)/browser/browser_server
# npm ci writes this file last, so it stands for a complete node_modules.
BROWSER_NODE_MODULES  = $(BROWSER_DIR)/node_modules/.package-lock.json

.PHONY: deps-browser check-browser check-browser-if-present

deps-browser:
	@$(DEPS) browser

$(BROWSER_SERVER): $(BROWSER_DIR)/browser_server.c $(HTTPD_HARNESS) $(wildcard tests/httpd/*.h) \
                   $(SUPPORT_SRCS) $(SUPPORT_HDRS) $(LIB) | deps-check
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/httpd $(CURL_CFLAGS) -o $@ $< $(HTTPD_HARNESS) $(SUPPORT_SRCS) \
	    $(LIB) $(CURL_LIBS) $(CRYPTO_LIBS)

$(BROWSER_NODE_MODULES): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json | deps-browser
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund

check-browser: $(MODULE) $(BROWSER_SERVER) $(BROWSER_NODE_MODULES) | deps-browser
	@echo "== browser downloads ($(CHROMIUM))"
	@cd $(BROWSER_DIR) && NETEXE_MODULE=$(abspath $(MODULE)) \
	    NETEXE_BROWSER_SERVER=$(abspath $(BROWSER_SERVER)) CHROMIUM=$(CHROMIUM) \
	    node --test download.test.js

# The module and the server are built here first, so that the nested make
# finds them up to date and does not build them a second time alongside
# the other check targets.
check-browser-if-present: $(MODULE) $(BROWSER_SERVER)
	@if [ -x "$(CHROMIUM)" ] && command -v node >/dev/null 2>&1 \
	    && command -v npm >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory check-browser; \
	else \
	    echo "SKIPPED: check-browser: $(CHROMIUM) or node/npm is not installed" \
	         "(make check-browser installs them)"; \
	fi

CHECK_TARGETS += check-browser-if-present
