/* vmscope — opening a dump and reading its physical memory.
 *
 * A vms_dump is an opaque handle on one dump, which may span several files
 * (makedumpfile --split).  It is opened read-only.  Physical memory is read
 * with a per-page status: a page is present, was excluded by filtering, is a
 * zero page, was lost when the dump was cut short, or was never in the dump.
 */
#ifndef VMSCOPE_DUMP_H
#define VMSCOPE_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <vmscope/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vms_dump vms_dump;

enum vms_format {
	VMS_FORMAT_ELF = 1,	/* ELF64 vmcore (kexec /proc/vmcore, QEMU, makedumpfile -E) */
	VMS_FORMAT_ELF_FLAT,	/* ELF written as a makedumpfile flattened stream */
	VMS_FORMAT_KDUMP,	/* kdump-compressed ("KDUMP   ") */
	VMS_FORMAT_KDUMP_FLAT,	/* kdump-compressed, flattened stream (makedumpfile -F, QEMU) */
	VMS_FORMAT_KDUMP_SPLIT,	/* kdump-compressed, split over several files */
	VMS_FORMAT_LIBKDUMPFILE,/* anything libkdumpfile opens (--reader=libkdumpfile) */
};

enum vms_arch {
	VMS_ARCH_UNKNOWN = 0,
	VMS_ARCH_X86_64,
	VMS_ARCH_ARM64,
};

/* The status of one page of physical memory. */
enum vms_page_status {
	VMS_PAGE_PRESENT = 0,	/* data is in the dump */
	VMS_PAGE_ZERO,		/* all zeros, stored as such (kdump's shared zero page) */
	VMS_PAGE_EXCLUDED,	/* RAM, but filtered out (makedumpfile dump level; ELF p_memsz tails) */
	VMS_PAGE_LOST,		/* should be there, but the dump was cut short */
	VMS_PAGE_ABSENT,	/* not RAM, or outside every range the dump covers */
};

/* "present", "zero", "excluded", "lost", "absent" */
VMS_EXPORT const char *vms_page_status_name(enum vms_page_status status);

/* Compression methods, as a bit mask. */
enum {
	VMS_COMPRESS_ZLIB = 1u << 0,
	VMS_COMPRESS_LZO = 1u << 1,
	VMS_COMPRESS_SNAPPY = 1u << 2,
	VMS_COMPRESS_ZSTD = 1u << 3,
};

enum vms_reader_kind {
	VMS_READER_AUTO = 0,	/* native readers; libkdumpfile if none recognises the file */
	VMS_READER_NATIVE,
	VMS_READER_LIBKDUMPFILE,
};

/* Options for vms_dump_open().  Versioned so it can grow (libgit2 style):
 * initialise with VMS_OPEN_OPTIONS_INIT, then set what you need. */
#define VMS_OPEN_OPTIONS_VERSION 1
struct vms_open_options {
	unsigned int version;
	enum vms_reader_kind reader;
	/* Bytes of decoded page data to cache; 0 picks the default. */
	size_t cache_bytes;
	/* Ignore the VMCOREINFO note (to test detection without it). */
	bool ignore_vmcoreinfo;
};
#define VMS_OPEN_OPTIONS_INIT { VMS_OPEN_OPTIONS_VERSION, VMS_READER_AUTO, 0, false }

/* Opens the dump made of paths[0..npaths-1] (npaths > 1 only for split
 * dumps).  opts may be NULL. */
VMS_EXPORT vms_error *vms_dump_open(const char *const *paths, size_t npaths,
			 const struct vms_open_options *opts, vms_dump **out);
VMS_EXPORT void vms_dump_close(vms_dump *dump);

VMS_EXPORT enum vms_format vms_dump_format(const vms_dump *dump);
/* "elf", "elf-flat", "kdump", "kdump-flat", "kdump-split", "libkdumpfile" */
VMS_EXPORT const char *vms_format_name(enum vms_format format);
/* Format version: ELF class (64), kdump header_version. */
VMS_EXPORT int vms_dump_format_version(const vms_dump *dump);
VMS_EXPORT enum vms_arch vms_dump_arch(const vms_dump *dump);
/* "x86_64", "arm64", "unknown" */
VMS_EXPORT const char *vms_arch_name(enum vms_arch arch);
/* The kernel's page size (VMCOREINFO PAGESIZE, else the format's unit). */
VMS_EXPORT uint32_t vms_dump_page_size(const vms_dump *dump);
/* The unit the file stores pages in; page status is kept per block.  It can
 * differ from the page size: QEMU's arm64 kdump files use 64 KiB blocks. */
VMS_EXPORT uint32_t vms_dump_block_size(const vms_dump *dump);
VMS_EXPORT bool vms_dump_big_endian(const vms_dump *dump);
/* Mask of VMS_COMPRESS_* the file declares or uses. */
VMS_EXPORT unsigned int vms_dump_compression(const vms_dump *dump);
/* makedumpfile dump level, or -1 when the format does not record one. */
VMS_EXPORT int vms_dump_level(const vms_dump *dump);
/* True when the producer marked the dump incomplete. */
VMS_EXPORT bool vms_dump_incomplete(const vms_dump *dump);
/* Number of files the dump was opened from. */
VMS_EXPORT size_t vms_dump_nfiles(const vms_dump *dump);

/* Physical memory ranges the dump covers, [start, end), sorted. */
struct vms_range {
	uint64_t start;
	uint64_t end;
};
VMS_EXPORT size_t vms_dump_nranges(const vms_dump *dump);
VMS_EXPORT const struct vms_range *vms_dump_ranges(const vms_dump *dump);

struct vms_page_counts {
	uint64_t present, zero, excluded, lost;
};
/* Counts blocks (vms_dump_block_size) by status within the ranges. */
VMS_EXPORT vms_error *vms_dump_page_counts(vms_dump *dump, struct vms_page_counts *out);

/* The status of the block that holds physical address paddr. */
VMS_EXPORT vms_error *vms_dump_page_status(vms_dump *dump, uint64_t paddr,
				enum vms_page_status *status);

/* Reads len bytes of physical memory at paddr.  Fails with VMS_ERR_NODATA,
 * naming the first page and its status, if any page in the range is not
 * present or zero, unless flags has VMS_READ_ZERO_FILL, in which case such
 * pages read as zeros. */
enum { VMS_READ_ZERO_FILL = 1u << 0 };
VMS_EXPORT vms_error *vms_dump_read_phys(vms_dump *dump, uint64_t paddr, void *buf,
			      size_t len, unsigned int flags);

/* ELF PT_LOAD program headers, as the file has them (none for kdump). */
struct vms_segment {
	uint64_t offset;	/* in the (rebuilt) file */
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};
VMS_EXPORT size_t vms_dump_nsegments(const vms_dump *dump);
VMS_EXPORT const struct vms_segment *vms_dump_segments(const vms_dump *dump);

/* The VMCOREINFO text as stored (not NUL-terminated inside the file; the
 * returned copy is).  NULL when absent or ignored. */
VMS_EXPORT const char *vms_dump_vmcoreinfo(const vms_dump *dump, size_t *len);
/* Looks up KEY in VMCOREINFO ("PAGESIZE", "SYMBOL(swapper_pg_dir)", ...);
 * returns the value text or NULL. */
VMS_EXPORT const char *vms_dump_vmcoreinfo_get(const vms_dump *dump, const char *key);

/* The value the kdump sub-header records as phys_base.  Recorded only; it is
 * known to be wrong in QEMU's files, so the analyzer cross-checks it. */
VMS_EXPORT bool vms_dump_header_phys_base(const vms_dump *dump, uint64_t *out);

/* Per-CPU state from NT_PRSTATUS and QEMU's CPU-state notes.  The i-th CPU is
 * the i-th note in file order; offline CPUs have none. */
#define VMS_CPU_MAX_REGS 34
struct vms_cpu_state {
	bool has_prstatus;
	uint32_t pid;			/* pr_pid (QEMU: CPU number + 1) */
	unsigned int nregs;		/* 27 on x86_64, 34 on arm64 */
	uint64_t regs[VMS_CPU_MAX_REGS];/* struct pt_regs order of the arch */
	bool has_qemu;			/* a "QEMU" CPU-state note (x86_64) */
	uint64_t cr[5];			/* CR0..CR4 */
	uint64_t idt_base;
	uint64_t gdt_base;
};
VMS_EXPORT size_t vms_dump_ncpus(const vms_dump *dump);
VMS_EXPORT const struct vms_cpu_state *vms_dump_cpu(const vms_dump *dump, size_t i);

#ifdef __cplusplus
}
#endif
#endif
