/* Builds a small x86_64 ELF vmcore in memory from fuzzed VMCOREINFO text and
 * physical memory, with page tables that map the kernel's regions onto that
 * memory, so harnesses can drive layout detection, kallsyms and the plugins
 * through the real open path (vms_dump_open_files over vms_file_open_mem). */
#ifndef VMS_FUZZ_VMCORE_H
#define VMS_FUZZ_VMCORE_H

#include <stddef.h>
#include <stdint.h>

#include <vmscope/analyzer.h>
#include <vmscope/dump.h>

/* The fuzzed memory sits at PA 0 and is at most this long (a partial last
 * page is padded with zeros). */
#define FUZZ_VMCORE_MAX_MEM (256u << 10)
/* The harness's page tables: four 4 KiB pages at this PA.  Each of the
 * direct map (0xffff888000000000), vmalloc (0xffffc90000000000), vmemmap
 * (0xffffea0000000000) and kernel text (0xffffffff80000000) starts with one
 * 1 GiB page onto PA 0, so every region reads the fuzzed memory.  The
 * VMCOREINFO given to the dump starts with the lines that find them
 * (FUZZ_VMCORE_BASE_VMCOREINFO); the fuzzed text follows and overrides
 * (a later line wins). */
#define FUZZ_VMCORE_PGT 0x100000u
#define FUZZ_VMCORE_BASE_VMCOREINFO                                                    \
	"OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff80100000\n" \
	"NUMBER(phys_base)=0\nKERNELOFFSET=0\n"

/* The dump and its layout; either may be NULL when opening or detection
 * failed (the errors are dropped: they are expected). */
struct fuzz_vmcore {
	uint8_t *image;	/* the ELF file; the dump borrows it */
	vms_dump *dump;
	vms_layout *layout;
};

/* vmcoreinfo: vlen bytes of text (need not be terminated); mem: mlen bytes. */
void fuzz_vmcore_open(const uint8_t *vmcoreinfo, size_t vlen, const uint8_t *mem, size_t mlen,
		      struct fuzz_vmcore *out);
void fuzz_vmcore_close(struct fuzz_vmcore *vc);

/* Splits data as "LE16 N, N bytes of VMCOREINFO, the rest memory" (N clipped
 * to what is there). */
void fuzz_vmcore_split(const uint8_t *data, size_t size, const uint8_t **vmci, size_t *vlen,
		       const uint8_t **mem, size_t *mlen);

/* Every error must carry a message: touch it, then free it. */
void fuzz_check(vms_error *err);

#endif
