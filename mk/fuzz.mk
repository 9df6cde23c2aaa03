## fuzz: the bad-input test, the fuzz-corpus replay under `make check`, and
## (./configure CC=clang --enable-fuzz) the libFuzzer harnesses; see
## tests/fuzz/README.md for running them.

check_PROGRAMS += tests/corrupt
tests_corrupt_SOURCES = tests/corrupt.c
TESTS += tests/bad-input.sh
EXTRA_DIST += tests/bad-input.sh tests/README-bad-input.md

FUZZ_COMMON = tests/fuzz/harness.c tests/fuzz/harness.h
check_PROGRAMS += tests/fuzz/replay-elf tests/fuzz/replay-kdump \
	tests/fuzz/replay-flat tests/fuzz/replay-split
tests_fuzz_replay_elf_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-elf.c $(FUZZ_COMMON)
tests_fuzz_replay_kdump_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-kdump.c $(FUZZ_COMMON)
tests_fuzz_replay_flat_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-flat.c $(FUZZ_COMMON)
tests_fuzz_replay_split_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-split.c $(FUZZ_COMMON)
tests_fuzz_replay_elf_LDADD = libvmscope-internal.la
tests_fuzz_replay_kdump_LDADD = libvmscope-internal.la
tests_fuzz_replay_flat_LDADD = libvmscope-internal.la
tests_fuzz_replay_split_LDADD = libvmscope-internal.la
tests_fuzz_replay_elf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_kdump_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_flat_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_split_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
# The analyzer's harnesses (no shared body: each builds its own input).
check_PROGRAMS += tests/fuzz/replay-walk tests/fuzz/replay-walk-arm64 \
	tests/fuzz/replay-xlate
tests_fuzz_replay_walk_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-walk.c
tests_fuzz_replay_walk_arm64_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-walk-arm64.c
tests_fuzz_replay_xlate_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-xlate.c
tests_fuzz_replay_walk_LDADD = libvmscope-internal.la
tests_fuzz_replay_walk_arm64_LDADD = libvmscope-internal.la
tests_fuzz_replay_xlate_LDADD = libvmscope-internal.la
tests_fuzz_replay_walk_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_walk_arm64_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_xlate_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
# Layout from VMCOREINFO, kallsyms and the plugins, over an in-memory vmcore
# (tests/fuzz/vmcore.c); each plugin is compiled in under its own entry name.
FUZZ_VMCORE = tests/fuzz/vmcore.c tests/fuzz/vmcore.h tests/fuzz/plugin-dmesg.c \
	tests/fuzz/plugin-vmalloc.c tests/fuzz/plugin-vmemmap.c \
	tests/fuzz/plugin-direct-map.c tests/fuzz/plugin-kernel-text.c plugins/page.c
check_PROGRAMS += tests/fuzz/replay-vmcore tests/fuzz/replay-symfile \
	tests/fuzz/replay-xlate-input
# `vmscope xlate`'s input side: cli/cmd-xlate.c is included by the harness.
FUZZ_XLATE_INPUT = tests/fuzz/fuzz-xlate-input.c tests/fuzz/vmcore.c tests/fuzz/vmcore.h \
	cli/common.c
tests_fuzz_replay_xlate_input_SOURCES = tests/fuzz/replay.c $(FUZZ_XLATE_INPUT)
tests_fuzz_replay_xlate_input_LDADD = libvmscope-internal.la $(PTHREAD_LIBS)
tests_fuzz_replay_xlate_input_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_symfile_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-symfile.c \
	tests/fuzz/vmcore.c tests/fuzz/vmcore.h
tests_fuzz_replay_symfile_LDADD = libvmscope-internal.la
tests_fuzz_replay_symfile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
tests_fuzz_replay_vmcore_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz-vmcore.c $(FUZZ_VMCORE)
tests_fuzz_replay_vmcore_LDADD = libvmscope-internal.la
tests_fuzz_replay_vmcore_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/fmem.h tests/fuzz/replay.sh tests/fuzz/run.sh tests/fuzz/README.md tests/fuzz/gen-seeds.py \
	tests/fuzz/regress

if ENABLE_FUZZ
# The library carries the coverage instrumentation (or the fuzzer is blind);
# only the harnesses link libFuzzer itself.
FUZZ_INSTR = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_LINK = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
libvmscope_internal_la_CFLAGS += $(FUZZ_INSTR)
# Other programs of `make` that link the instrumented internal library need
# the sanitizer runtimes too (tests/Makefile.inc's sample cutter).
tests_sample_pfns_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_INSTR)
noinst_PROGRAMS += tests/fuzz/fuzz-elf tests/fuzz/fuzz-kdump tests/fuzz/fuzz-flat \
	tests/fuzz/fuzz-split tests/fuzz/fuzz-walk tests/fuzz/fuzz-xlate \
	tests/fuzz/fuzz-vmcore tests/fuzz/fuzz-symfile tests/fuzz/fuzz-xlate-input
tests_fuzz_fuzz_elf_SOURCES = tests/fuzz/fuzz-elf.c $(FUZZ_COMMON)
tests_fuzz_fuzz_kdump_SOURCES = tests/fuzz/fuzz-kdump.c $(FUZZ_COMMON)
tests_fuzz_fuzz_flat_SOURCES = tests/fuzz/fuzz-flat.c $(FUZZ_COMMON)
tests_fuzz_fuzz_split_SOURCES = tests/fuzz/fuzz-split.c $(FUZZ_COMMON)
tests_fuzz_fuzz_walk_SOURCES = tests/fuzz/fuzz-walk.c
tests_fuzz_fuzz_elf_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_kdump_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_flat_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_split_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_walk_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_elf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_kdump_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_flat_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_split_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_walk_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_elf_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_kdump_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_flat_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_split_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_walk_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_xlate_SOURCES = tests/fuzz/fuzz-xlate.c
tests_fuzz_fuzz_xlate_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_xlate_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_xlate_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_vmcore_SOURCES = tests/fuzz/fuzz-vmcore.c $(FUZZ_VMCORE)
tests_fuzz_fuzz_vmcore_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_vmcore_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_vmcore_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_symfile_SOURCES = tests/fuzz/fuzz-symfile.c tests/fuzz/vmcore.c tests/fuzz/vmcore.h
tests_fuzz_fuzz_symfile_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_symfile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_symfile_LDADD = libvmscope-internal.la
tests_fuzz_fuzz_xlate_input_SOURCES = $(FUZZ_XLATE_INPUT)
tests_fuzz_fuzz_xlate_input_CFLAGS = $(AM_CFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_xlate_input_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_xlate_input_LDADD = libvmscope-internal.la $(PTHREAD_LIBS)
endif
