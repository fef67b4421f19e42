# libtracekit.so: release build and install.
#   make                       build .build/release/libtracekit.so
#   make install PREFIX=/usr/local   (default) lib, header, pkg-config file, CMake config
#   make dist                  every release artifact into dist/ (scripts/dist.sh)
# The Swift runtime is linked statically: the .so needs only libcurl,
# libpcre2-8, libstdc++, libgcc_s, libm and libc at run time.

PREFIX ?= /usr/local
VERSION := $(shell cat $(CURDIR)/VERSION)
SOMAJOR := 0
SCRATCH ?= .build
LIB := $(SCRATCH)/release/libtracekit.so
# The library directory below PREFIX: lib, or a multiarch one (Debian packages).
LIBSUBDIR ?= lib
LIBDIR := $(DESTDIR)$(PREFIX)/$(LIBSUBDIR)
# How the header directory is reached from LIBDIR (for the relocatable CMake config).
INCLUDE_FROM_LIBDIR := $(shell echo $(LIBSUBDIR) | sed -e 's|[^/][^/]*|..|g')/include
CMAKEDIR := $(LIBDIR)/cmake/tracekit

# -z nodelete: dlclose() leaves the library mapped. Its sender and sync threads,
# the statically linked Swift runtime and a pthread key destructor (site_claim.c)
# must never find their code unmapped when a host (ctypes, FFI, PHP) unloads it.
# -enforce-exclusivity=unchecked: the runtime exclusivity checks cost ~8% of
# the sanitizer's time; debug builds (all tests) keep them on.
SWIFT_RELEASE_FLAGS := -c release --scratch-path $(SCRATCH) --product tracekit \
	-Xswiftc -static-stdlib -Xswiftc -no-toolchain-stdlib-rpath \
	-Xlinker -soname=libtracekit.so.$(SOMAJOR) \
	-Xlinker --version-script=$(CURDIR)/build-support/tracekit.map \
	-Xlinker -s -Xswiftc -use-ld=lld \
	-Xlinker -z -Xlinker nodelete \
	-Xswiftc -enforce-exclusivity=unchecked

.PHONY: all lib install uninstall clean dist
all: lib

lib:
	swift build $(SWIFT_RELEASE_FLAGS)

install: lib
	install -d $(LIBDIR) $(LIBDIR)/pkgconfig $(CMAKEDIR) $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(LIB) $(LIBDIR)/libtracekit.so.$(VERSION)
	ln -sf libtracekit.so.$(VERSION) $(LIBDIR)/libtracekit.so.$(SOMAJOR)
	ln -sf libtracekit.so.$(SOMAJOR) $(LIBDIR)/libtracekit.so
	install -m 0644 include/tracekit.h $(DESTDIR)$(PREFIX)/include/tracekit.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBSUBDIR@|$(LIBSUBDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		build-support/tracekit.pc.in > $(LIBDIR)/pkgconfig/tracekit.pc
	sed -e 's|@INCLUDE_FROM_LIBDIR@|$(INCLUDE_FROM_LIBDIR)|' -e 's|@SOMAJOR@|$(SOMAJOR)|' \
		build-support/tracekitConfig.cmake.in > $(CMAKEDIR)/tracekitConfig.cmake
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@VERSION_MAJOR@|$(firstword $(subst ., ,$(VERSION)))|' \
		build-support/tracekitConfigVersion.cmake.in > $(CMAKEDIR)/tracekitConfigVersion.cmake
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(LIBDIR)/libtracekit.so.$(VERSION) $(LIBDIR)/libtracekit.so.$(SOMAJOR) $(LIBDIR)/libtracekit.so \
		$(LIBDIR)/pkgconfig/tracekit.pc $(DESTDIR)$(PREFIX)/include/tracekit.h \
		$(CMAKEDIR)/tracekitConfig.cmake $(CMAKEDIR)/tracekitConfigVersion.cmake

# Every release artifact (wheel, sdist, gems, .debs, server tarball) into dist/.
dist:
	bash scripts/dist.sh

clean:
	rm -rf $(SCRATCH)/release
