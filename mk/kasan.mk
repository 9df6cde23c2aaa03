## kasan: build and test rules of this area (included from Makefile.am).
## The kasan-shadow plugin itself is built by mk/plugins.mk; this adds its
## arithmetic's unit test and the real-dump test on KASAN kernels built from
## Debian's linux-source-6.1 (tests/real/make-kasan-dumps.sh, cached outside
## the tree; tests/kasan-ensure.sh builds or reuses them under a lock).

EXTRA_DIST += plugins/kasan-arith.h

check_PROGRAMS += tests/test-kasan-arith
tests_test_kasan_arith_SOURCES = tests/test-kasan-arith.c plugins/kasan-arith.h

# kasan-real-cached.sh: the real KASAN test when its dumps are cached (see
# check-kasan below), a loud skip otherwise.
TESTS += tests/test-kasan-arith tests/kasan-real-cached.sh
EXTRA_DIST += tests/kasan-real-cached.sh tests/kasan-real.sh tests/kasan-ensure.sh tests/real/make-kasan-dumps.sh \
	tests/real/kasan-common.config tests/real/kasan-x86_64.config tests/real/kasan-arm64.config
CLEANFILES += tests/kasan-ensure.log
dist_man_MANS += doc/vmscope-kasan-shadow.1

# The real KASAN test is opt-in: a cold cache builds two kernels (see
# tests/real/README.md, "KASAN bench", for the measured times); warm it
# takes seconds.  VMSCOPE_REQUIRE_REAL=1 makes unavailable dumps a failure.
check-kasan: all
	VMSCOPE='$(abs_top_builddir)/vmscope' top_srcdir='$(abs_top_srcdir)' \
	top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/tests/kasan-real.sh
.PHONY: check-kasan
