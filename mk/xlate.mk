## xlate: build and test rules of this area (included from Makefile.am).
## Batch translation (analyzer/batch.c), `vmscope xlate`, its test, and the
## translation benchmarks against libaddrxlat.

libvmscope_la_SOURCES += analyzer/batch.c

vmscope_SOURCES += cli/cmd-xlate.c cli/cmd-xlate.h
vmscope_LDADD += $(PTHREAD_LIBS)

dist_man_MANS += doc/vmscope-xlate.1

TESTS += tests/xlate.sh
EXTRA_DIST += tests/xlate.sh doc/performance.md bench/xlate-bench.sh

# Benchmarks (not installed): the library against libaddrxlat in one process,
# and a small C driver of libaddrxlat to race `vmscope xlate`.
noinst_PROGRAMS += bench/xlate-bench bench/xlate-lkdf
bench_xlate_bench_SOURCES = bench/xlate-bench.c
bench_xlate_bench_CFLAGS = $(AM_CFLAGS) $(KDUMPFILE_CFLAGS)
bench_xlate_bench_LDADD = libvmscope.la $(KDUMPFILE_LIBS) -laddrxlat $(PTHREAD_LIBS)
bench_xlate_lkdf_SOURCES = bench/xlate-lkdf.c
bench_xlate_lkdf_CFLAGS = $(AM_CFLAGS) $(KDUMPFILE_CFLAGS)
bench_xlate_lkdf_LDADD = $(KDUMPFILE_LIBS) -laddrxlat
