## realtests: build and test rules of this area (included from Makefile.am).
## The real-dump tests: QEMU dumps of Debian kernels made by
## tests/real/make-real-dumps.sh (cached outside the tree; tests/real-ensure.sh
## builds or reuses them, under a lock), checked against their truth.json,
## libkdumpfile and each other.  They skip loudly when the dumps cannot be
## made, and fail instead with VMSCOPE_REQUIRE_REAL=1.

# Two dumps of the same machine: same bytes wherever both hold a page.
check_PROGRAMS += tests/samepages
tests_samepages_SOURCES = tests/samepages.c
tests_samepages_LDADD = libvmscope.la

TESTS += tests/real-dumps.sh tests/analyzer-real.sh
EXTRA_DIST += tests/real-dumps.sh tests/analyzer-real.sh tests/real-ensure.sh tests/real-boots.sh
CLEANFILES += tests/real-ensure.log
# What tests/real-ensure.sh runs (tests/real/README.md describes it).
EXTRA_DIST += tests/real/README.md tests/real/make-real-dumps.sh \
	tests/real/guest-init.sh tests/real/qmp.py tests/real/truth.py \
	tests/real/elf-phdr-front.py tests/real/lib.sh
