## arm64: build and test rules of this area (included from Makefile.am).
## The arm64 walker and layout detector, its synthetic page-table test, the
## real-dump check against truth.json and libkdumpfile, and its fuzzer.

libvmscope_la_SOURCES += analyzer/arm64.c

check_PROGRAMS += tests/test-analyzer-arm64
tests_test_analyzer_arm64_SOURCES = tests/test-analyzer-arm64.c
tests_test_analyzer_arm64_LDADD = libvmscope-internal.la

TESTS += tests/test-analyzer-arm64 tests/analyzer-real-arm64.sh
EXTRA_DIST += tests/analyzer-real-arm64.sh

# The arm64 walker's libFuzzer harness (tests/fuzz/fuzz-walk-arm64.c, input
# layout in its header): ./configure CC=clang --enable-fuzz && make, then
# tests/fuzz/fuzz-walk-arm64 -max_len=140000 CORPUS.  Coverage of the
# library comes from the fuzz fragment's fuzzer-no-link on
# libvmscope-internal.la; only the harness links libFuzzer.
if ENABLE_FUZZ
A64_FUZZ_LINK = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
noinst_PROGRAMS += tests/fuzz/fuzz-walk-arm64
tests_fuzz_fuzz_walk_arm64_SOURCES = tests/fuzz/fuzz-walk-arm64.c
tests_fuzz_fuzz_walk_arm64_CFLAGS = $(AM_CFLAGS) $(A64_FUZZ_LINK)
tests_fuzz_fuzz_walk_arm64_LDFLAGS = $(AM_LDFLAGS) $(A64_FUZZ_LINK)
tests_fuzz_fuzz_walk_arm64_LDADD = libvmscope-internal.la
endif

# The kernel banner matcher and search (layout without VMCOREINFO).
check_PROGRAMS += tests/test-analyzer-banner
tests_test_analyzer_banner_SOURCES = tests/test-analyzer-banner.c
tests_test_analyzer_banner_LDADD = libvmscope-internal.la
TESTS += tests/test-analyzer-banner
