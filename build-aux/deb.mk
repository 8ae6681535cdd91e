# Debian package (debian/): "make deb" builds libapache2-mod-netexe.
#
# dpkg-buildpackage writes its results into the parent of the source
# directory, and the build leaves debian/build and debian/<package> behind.
# So that neither the work tree nor its parent is touched, the package is
# built in a copy of the files it needs, $(B)/deb/src/, and only the
# results (.deb, .buildinfo, .changes) are kept, in $(B)/deb/.
#
# "make check-deb" (in CHECK_TARGETS) installs that .deb on this machine,
# runs it under Debian's stock apache2 configuration and purges it again
# (tests/deb/check-deb.sh); it needs root and skips with a message without.

DEB_PKG      = libapache2-mod-netexe
DEB_DIR      = $(B)/deb
DEB_STAGE    = $(DEB_DIR)/src
DEB_VERSION  = $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
DEB_ARCH     = $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE     = $(DEB_DIR)/$(DEB_PKG)_$(DEB_VERSION)_$(DEB_ARCH).deb
# What the package is built from: the Makefile and its helpers, the
# sources, the configuration snippets and the packaging itself.
DEB_INPUTS   = Makefile LICENSE README.md build-aux conf-examples mod_netexe debian

.PHONY: deb deps-deb check-deb

deps-deb:
	@$(DEPS) build deb

deb: deps-deb
	rm -rf $(DEB_STAGE)
	mkdir -p $(DEB_STAGE)/$(DEB_PKG)
	cp -a $(DEB_INPUTS) $(DEB_STAGE)/$(DEB_PKG)/
	cd $(DEB_STAGE)/$(DEB_PKG) && dpkg-buildpackage -us -uc -b
	find $(DEB_STAGE) -maxdepth 1 -type f \
	    \( -name '*.deb' -o -name '*.ddeb' -o -name '*.buildinfo' -o -name '*.changes' \) \
	    -exec mv -f {} $(DEB_DIR)/ \;
	rm -rf $(DEB_STAGE)
	@echo "make deb: $(DEB_FILE)"

check-deb:
	@if [ "$$(id -u)" != 0 ]; then \
	    echo "check-deb: SKIPPED: needs root (installs $(DEB_PKG) and starts the system apache2)"; \
	    exit 0; fi; \
	$(DEPS) build check deb && \
	$(MAKE) --no-print-directory deb && \
	tests/deb/check-deb.sh $(abspath $(DEB_FILE))

CHECK_TARGETS += check-deb
