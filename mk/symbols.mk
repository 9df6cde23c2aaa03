## symbols: build and test rules of this area (included from Makefile.am).
## Kernel symbols (kallsyms from the dump, System.map, vmlinux) and DWARF
## types through libdwarf; the sym, struct, whatis and ps commands.

libvmscope_la_SOURCES += analyzer/symbols.c analyzer/symbols-priv.h \
	analyzer/kallsyms.c analyzer/dwarf.c \
	analyzer/vmcoreinfo-dwarf.c analyzer/vmcoreinfo-dwarf.h
libvmscope_la_CFLAGS += $(DWARF_CFLAGS)
libvmscope_la_LIBADD += $(DWARF_LIBS)
libvmscope_internal_la_CFLAGS += $(DWARF_CFLAGS)
vmscopeinclude_HEADERS += include/vmscope/symbols.h

vmscope_SOURCES += cli/cmd-sym.c cli/cmd-sym.h
dist_man_MANS += doc/vmscope-sym.1 doc/vmscope-struct.1 doc/vmscope-whatis.1 doc/vmscope-ps.1 \
	doc/vmscope-modules.1

# whatis/struct truth: a program built with -g whose own offsetof/sizeof
# are compared with what the DWARF reader says, and a dump holding an
# instance of its structures.
check_PROGRAMS += tests/test-symbols tests/symbols-target
tests_test_symbols_SOURCES = tests/test-symbols.c tests/symbols-target.h
tests_test_symbols_LDADD = libvmscope-internal.la
tests_symbols_target_SOURCES = tests/symbols-target.c tests/symbols-target.h
tests_symbols_target_CFLAGS = $(AM_CFLAGS) -g -O0
TESTS += tests/test-symbols tests/symbols.sh tests/symbols-real.sh
EXTRA_DIST += tests/symbols.sh tests/symbols-real.sh tests/symbols-debuginfo.sh \
	tests/symbols-debuginfo.py

# Opt-in: downloads Debian's linux-image-*-dbg (a few hundred MB) into
# $(VMS_DEBUGINFO_CACHE) and checks struct, ps, layout --verify,
# System.map, modules and the vmalloc decoder (vmap_area_list on x86_64
# 6.1; vmap_nodes on arm64 6.12, ~1 GB -dbg) against the real dumps.
VMS_DEBUGINFO_CACHE ?= $(HOME)/.cache/vmscope/debuginfo
check-debuginfo: all tests/vmci-dwarf$(EXEEXT)
	VMSCOPE='$(abs_top_builddir)/vmscope' top_srcdir='$(abs_top_srcdir)' \
	top_builddir='$(abs_top_builddir)' \
	VMS_DEBUGINFO_CACHE='$(VMS_DEBUGINFO_CACHE)' \
	$(SHELL) $(top_srcdir)/tests/symbols-debuginfo.sh
	VMSCOPE='$(abs_top_builddir)/vmscope' top_srcdir='$(abs_top_srcdir)' \
	top_builddir='$(abs_top_builddir)' \
	VMS_DEBUGINFO_CACHE='$(VMS_DEBUGINFO_CACHE)' \
	$(SHELL) $(top_srcdir)/tests/vmci-dwarf.sh
# vmci-dwarf.sh: VMCOREINFO derived from the -dbg vmlinux (the dump without
# VMCOREINFO: dmesg, decode, vmalloc; key by key against VMCOREINFO).
check_PROGRAMS += tests/vmci-dwarf
tests_vmci_dwarf_SOURCES = tests/vmci-dwarf.c
tests_vmci_dwarf_LDADD = libvmscope-internal.la
EXTRA_DIST += tests/vmci-dwarf.sh
.PHONY: check-debuginfo
EXTRA_DIST += bench/struct-vs-crash.sh
