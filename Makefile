# sixfour: `sudo make demo` shows it working, `sudo make test` proves it (Debian 12, as root).
NPROC := $(shell nproc)
BUILD_TYPE ?= Release

.PHONY: all setup build build-asan demo deb test unit integration asan fuzz format format-check clean

all: build

setup:
	scripts/setup

build:
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	ninja -C build -j$(NPROC)

# AddressSanitizer + UndefinedBehaviorSanitizer build of the unit tests.
build-asan:
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIXFOUR_SANITIZE=ON
	ninja -C build-asan -j$(NPROC) sixfour_unit

# The IPv6-only story in a lab of network namespaces (docs/lab.md); cleans up after itself. Builds
# only the sixfour program (not the unit tests).
demo:
	scripts/setup
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	ninja -C build -j$(NPROC) sixfour
	build/sixfour lab demo

# The Debian package (docs/packaging.md): the program alone, built with Debian's hardening flags
# (dpkg-buildflags), then CPack: build-deb/sixfour_VERSION_ARCH.deb, checked by lintian.
DEB_FLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all
deb:
	scripts/setup
	CXXFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get CXXFLAGS) $$($(DEB_FLAGS) dpkg-buildflags --get CPPFLAGS)" \
	  LDFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get LDFLAGS)" \
	  cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIXFOUR_BUILD_TESTS=OFF
	ninja -C build-deb -j$(NPROC)
	cd build-deb && cpack -G DEB
	lintian --fail-on error build-deb/sixfour_*.deb
	@ls build-deb/sixfour_*.deb

# Unit tests and the integration tests (network-namespace lab, needs root) of the release build,
# then the unit tests again under ASan+UBSan, then every fuzz target for CI_FUZZ_SECONDS. The
# ASan+UBSan build compiles at nice 19 while ctest runs (the integration tests mostly wait on the
# lab's network, and the 30-minute budget needs the overlap); its output goes to
# build/asan-build.log, printed if it fails. A failed test's output is printed again at the end
# (scripts/ctest-failures), where a log shown by its head and tail still says why.
CI_FUZZ_SECONDS ?= 10
test:
	scripts/setup
	$(MAKE) --no-print-directory format-check
	scripts/long-functions 100 src
	$(MAKE) --no-print-directory build
	nice -n 19 $(MAKE) --no-print-directory build-asan >build/asan-build.log 2>&1 & asan=$$!; \
	  ctest --test-dir build --output-on-failure; st=$$?; \
	  if ! wait $$asan; then cat build/asan-build.log; exit 1; fi; \
	  if [ $$st -ne 0 ]; then scripts/ctest-failures build; fi; exit $$st
	$(MAKE) --no-print-directory asan
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)

unit: build
	ctest --test-dir build -L unit --output-on-failure

integration: build
	ctest --test-dir build -L integration --output-on-failure

# One process for all of them: under ASan each process costs half a second to start, so ctest's
# one-process-per-test took 7 minutes where this takes seconds; a report aborts it (no recovery).
asan: build-asan
	build-asan/sixfour_unit --gtest_brief=1

# Every fuzz target of fuzz/ (clang, libFuzzer, ASan+UBSan) for FUZZ_SECONDS each; non-zero on any
# finding (scripts/fuzz, docs/hardening.md).
FUZZ_SECONDS ?= 30
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz

# The tree's style is .clang-format; `format` applies it, `format-check` fails on any file that differs.
FORMATTED = $(shell git ls-files '*.cpp' '*.hpp' '*.c' '*.h')
format:
	clang-format -i $(FORMATTED)

format-check:
	@clang-format --dry-run --Werror $(FORMATTED)
	@echo "format-check: $(words $(FORMATTED)) files formatted"

clean:
	rm -rf build build-asan build-fuzz build-deb
