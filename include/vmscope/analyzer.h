/* vmscope — the kernel's virtual address layout and address translation.
 *
 * vms_layout_detect() rebuilds, from a dump, where the kernel put things:
 * the page-table root, phys_base, the KASLR offset, the direct map, vmalloc
 * and vmemmap bases, and the named regions of the address space.  Every value
 * records where it came from (its source) and how it was cross-checked, so a
 * user can see why vmscope believes it and where the sources disagree.
 *
 * Translation walks the page tables (4- or 5-level on x86_64).  A vms_layout
 * keeps a small cache of page-table pages, so it is not safe to use one
 * layout from two threads at once; detect one layout per thread instead.
 *
 * The API is arch-neutral; x86_64 and arm64 (4K/16K/64K granules, 39- to
 * 52-bit VA, LPA and LPA2) plug in behind it.  arm64 translation untags
 * addresses (bits 63:56) first.
 */
#ifndef VMSCOPE_ANALYZER_H
#define VMSCOPE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmscope/dump.h>
#include <vmscope/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vms_layout vms_layout;

/* Options for vms_layout_detect().  Initialise with VMS_DETECT_OPTIONS_INIT. */
#define VMS_DETECT_OPTIONS_VERSION 1
struct vms_detect_options {
	unsigned int version;
	/* Detect as if the dump had no VMCOREINFO (the dump may also have been
	 * opened with ignore_vmcoreinfo, which has the same effect). */
	bool ignore_vmcoreinfo;
	/* Use this physical address as the kernel page-table root. */
	bool have_pgt_root;
	uint64_t pgt_root;
};
#define VMS_DETECT_OPTIONS_INIT { VMS_DETECT_OPTIONS_VERSION, false, false, 0 }

/* Where a value came from. */
enum vms_value_source {
	VMS_SRC_NONE = 0,	/* not known */
	VMS_SRC_VMCOREINFO,	/* a VMCOREINFO key */
	VMS_SRC_PT_LOAD,	/* ELF program headers (p_vaddr - p_paddr) */
	VMS_SRC_CPU_STATE,	/* saved registers (QEMU CPU-state note: CR3, CR4) */
	VMS_SRC_PAGE_TABLES,	/* found by inspecting the page tables */
	VMS_SRC_SYMBOL,		/* derived from a symbol value */
	VMS_SRC_DEFAULT,	/* the documented default of the kernel version */
	VMS_SRC_HEADER,		/* the dump file's header (kdump sub-header) */
	VMS_SRC_OPTION,		/* given by the caller */
	VMS_SRC_MEMORY,		/* found in memory (the kernel's linux_banner) */
};
/* "none", "vmcoreinfo", "pt_load", "cpu_state", "page_tables", "symbol",
 * "default", "header", "option", "memory" */
VMS_EXPORT const char *vms_value_source_name(enum vms_value_source src);

/* The values a layout holds.  Not every arch has every value. */
enum vms_layout_key {
	VMS_LK_PGT_ROOT = 0,	/* physical address of the kernel's top-level table */
	VMS_LK_PHYS_BASE,	/* PA that __START_KERNEL_map maps to (x86_64) */
	VMS_LK_KASLR_OFFSET,	/* relocated _text - link-time _text */
	VMS_LK_PAGE_OFFSET_BASE,/* start of the direct map (arm64: PAGE_OFFSET) */
	VMS_LK_VMALLOC_BASE,
	VMS_LK_VMEMMAP_BASE,	/* struct page of pfn 0 */
	VMS_LK_SME_MASK,	/* AMD memory-encryption bit, removed from entries */
	VMS_LK_PAGING_LEVELS,
	VMS_LK_KERNEL_IMAGE_SIZE,
	VMS_LK_STRUCT_PAGE_SIZE,
	/* arm64 (x86_64 leaves them unknown). */
	VMS_LK_PHYS_OFFSET,	/* PHYS_OFFSET = memstart_addr (may look negative) */
	VMS_LK_KIMAGE_VOFFSET,	/* kernel-image VA - PA */
	VMS_LK_VMEMMAP_START,	/* VMEMMAP_START (struct page of PHYS_OFFSET) */
	VMS_LK_MODULES_VADDR,
	VMS_LK_PAGE_END,	/* end of the linear map's VA range */
	VMS_LK_VA_BITS,		/* CONFIG_ARM64_VA_BITS */
	VMS_LK_VA_BITS_ACTUAL,	/* 64 - TCR_EL1.T1SZ */
	VMS_LK_KERNELPACMASK,
	/* Both: the kernel version as (major << 16 | minor << 8 | patch), like
	 * LINUX_VERSION_CODE; vms_layout_osrelease() gives the full string. */
	VMS_LK_KERNEL_VERSION,
	VMS_LK__COUNT
};
/* "pgt_root", "phys_base", "kaslr_offset", "page_offset_base", ... */
VMS_EXPORT const char *vms_layout_key_name(enum vms_layout_key key);
/* The name the layout's architecture gives the key ("page_offset" for
 * VMS_LK_PAGE_OFFSET_BASE on arm64), or NULL when the key does not apply to
 * that architecture or is not a {value, source} item (paging levels, VA
 * sizes). */
VMS_EXPORT const char *vms_layout_key_label(const vms_layout *layout, enum vms_layout_key key);

struct vms_layout_value {
	bool known;
	uint64_t value;
	enum vms_value_source source;
	/* How the value was cross-checked and any disagreement between sources,
	 * in one line; "" when there is nothing to say.  Never NULL. */
	const char *note;
	/* True when another source gave a different value. */
	bool conflict;
};

/* Detects the layout of the dump's kernel.  The layout borrows the dump:
 * close the dump only after vms_layout_free().  opts may be NULL. */
VMS_EXPORT vms_error *vms_layout_detect(vms_dump *dump, const struct vms_detect_options *opts,
			     vms_layout **out);
VMS_EXPORT void vms_layout_free(vms_layout *layout);

VMS_EXPORT enum vms_arch vms_layout_arch(const vms_layout *layout);
VMS_EXPORT unsigned int vms_layout_paging_levels(const vms_layout *layout);
VMS_EXPORT uint32_t vms_layout_page_size(const vms_layout *layout);
/* Never NULL for a key below VMS_LK__COUNT; check ->known. */
VMS_EXPORT const struct vms_layout_value *vms_layout_get(const vms_layout *layout,
					      enum vms_layout_key key);
/* The kernel release ("6.1.0-57-arm64"): VMCOREINFO's OSRELEASE, else the
 * one in the linux_banner found in the kernel image; NULL when unknown. */
VMS_EXPORT const char *vms_layout_osrelease(const vms_layout *layout);
/* Free-text remarks the detector made (one line each), e.g. why a fallback
 * was used.  Returns NULL past the end. */
VMS_EXPORT const char *vms_layout_remark(const vms_layout *layout, size_t i);

/* Named regions of the kernel's virtual address space, sorted, covering
 * all of it.  Names are a contract: user, noncanonical, guard-hole,
 * ldt-remap, direct-map, vmalloc, vmemmap, kasan-shadow, cpu-entry-area,
 * espfix, efi, kernel-text, modules, fixmap, vsyscall, unused; on arm64:
 * user, noncanonical, linear-map, kasan-shadow, bpf-jit, modules,
 * kernel-image, vmalloc, fixmap, pci-io, vmemmap, unused.  On arm64 the tag
 * byte (bits 63:56) of an address is ignored.
 * `end` is the last byte (inclusive), so the top region can end at 2^64-1. */
struct vms_region {
	const char *name;
	uint64_t start;
	uint64_t end;
};
VMS_EXPORT size_t vms_layout_nregions(const vms_layout *layout);
VMS_EXPORT const struct vms_region *vms_layout_region(const vms_layout *layout, size_t i);
/* The region holding va (always found: the regions cover everything). */
VMS_EXPORT const struct vms_region *vms_region_of(const vms_layout *layout, uint64_t va);

/* Decoded page-table entry flags, arch-neutral bits (x86_64 names shown;
 * arm64 maps its own attributes onto the nearest meaning and adds its own). */
enum {
	VMS_PTE_PRESENT = 1u << 0,	/* P / valid */
	VMS_PTE_WRITE = 1u << 1,	/* RW */
	VMS_PTE_USER = 1u << 2,		/* US */
	VMS_PTE_PWT = 1u << 3,
	VMS_PTE_PCD = 1u << 4,
	VMS_PTE_ACCESSED = 1u << 5,	/* A / AF */
	VMS_PTE_DIRTY = 1u << 6,	/* D */
	VMS_PTE_LARGE = 1u << 7,	/* PS: this entry maps a 2M/1G page */
	VMS_PTE_PAT = 1u << 8,
	VMS_PTE_GLOBAL = 1u << 9,	/* G (arm64: !nG) */
	VMS_PTE_NX = 1u << 10,		/* NX / XN */
	VMS_PTE_CONT = 1u << 11,	/* arm64 contiguous hint */
};
/* Writes the names of the set flags ("P RW A D PS G NX") into buf. */
VMS_EXPORT const char *vms_pte_flags_str(unsigned int flags, char *buf, size_t size);

#define VMS_MAX_LEVELS 5
struct vms_walk_step {
	const char *level;	/* "pml5", "pml4", "pud", "pmd", "pte" on x86_64;
				 * "pgd", "p4d", "pud", "pmd", "pte" on arm64 */
	uint64_t entry_addr;	/* physical address of the entry */
	uint64_t entry;		/* its raw value */
	unsigned int flags;	/* VMS_PTE_* */
	unsigned int pkey;	/* x86_64 protection key (bits 59..62) */
};

struct vms_translation {
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t page_size;	/* of the mapping that holds vaddr */
	unsigned int nsteps;	/* entries read, top level first */
	struct vms_walk_step steps[VMS_MAX_LEVELS];
};

/* Translates a kernel (or current-root) virtual address by walking the
 * layout's page-table root.  Fails with VMS_ERR_UNMAPPED when a level is not
 * present, VMS_ERR_INVALID for a non-canonical address, VMS_ERR_CORRUPT for
 * a table outside the dump or visited twice; `out` then holds the steps
 * read so far (out->nsteps), useful for showing where the walk stopped. */
VMS_EXPORT vms_error *vms_vtop(vms_layout *layout, uint64_t va, struct vms_translation *out);
/* The same with another top-level table (a process's PGD, by PA). */
VMS_EXPORT vms_error *vms_vtop_pgd(vms_layout *layout, uint64_t pgd, uint64_t va,
			struct vms_translation *out);

/* Kernel virtual addresses of a physical address, without scanning. */
struct vms_ptov {
	bool have_direct;
	uint64_t direct;	/* page_offset_base + pa */
	bool have_ktext;
	uint64_t ktext;		/* the kernel-image alias, verified by a walk */
};
VMS_EXPORT vms_error *vms_ptov(vms_layout *layout, uint64_t pa, struct vms_ptov *out);

/* Calls fn once per mapped run of the kernel's tables between start and
 * end (inclusive), merging adjacent leaves that are linear and alike.
 * fn returns non-zero to stop early.  Bounded work: it gives up with an error
 * on tables that would need an absurd number of steps. */
typedef int (*vms_mapping_fn)(uint64_t va, uint64_t pa, uint64_t size, void *arg);
VMS_EXPORT vms_error *vms_layout_foreach_mapping(vms_layout *layout, uint64_t start, uint64_t end,
				      vms_mapping_fn fn, void *arg);

/* struct page <-> pfn (x86_64: vmemmap_base + pfn * sizeof(struct page)). */
VMS_EXPORT vms_error *vms_pfn_to_page(const vms_layout *layout, uint64_t pfn, uint64_t *page);
VMS_EXPORT vms_error *vms_page_to_pfn(const vms_layout *layout, uint64_t page, uint64_t *pfn);

/* Reads kernel virtual memory (translating page by page).  flags are the
 * vms_dump_read_phys() flags. */
VMS_EXPORT vms_error *vms_read_virt(vms_layout *layout, uint64_t va, void *buf, size_t len,
			 unsigned int flags);


/* ---- batch translation ------------------------------------------------ */

/* A translator: a vms_layout plus what makes translating many addresses
 * fast.  Linear runs of the direct map and kernel text are listed once (by
 * one scan of their tables) and then translated arithmetically; everything
 * else goes through a TLB-like cache keyed by page (or large page), which
 * also remembers unmapped ranges.  Results are those of vms_vtop() exactly.
 *
 * A translator borrows its layout (free it first) and, like the layout, is
 * for one thread at a time: for N threads open N dumps and layouts (opening
 * reads only indexes) and make one translator on each. */
typedef struct vms_xlator vms_xlator;

VMS_EXPORT vms_error *vms_xlator_new(vms_layout *layout, vms_xlator **out);
VMS_EXPORT void vms_xlator_free(vms_xlator *x);

struct vms_xlate_result {
	uint64_t paddr;
	uint64_t page_size;	/* of the mapping that holds the address */
	/* 0 when translated, else the enum vms_error_code vms_vtop() gives
	 * (VMS_ERR_UNMAPPED, VMS_ERR_INVALID for non-canonical, ...).  Call
	 * vms_vtop() on a failed address for the full message. */
	int error;
};

/* Translates va[0..n-1] into out[0..n-1]; returns how many failed. */
VMS_EXPORT size_t vms_xlator_vtop(vms_xlator *x, const uint64_t *va, size_t n,
				  struct vms_xlate_result *out);

/* The message vms_vtop() gives for va, which vms_xlator_vtop() reported
 * failed in *r: built from what the translator cached about the failure
 * (usually without walking again), else from a walk.  Like snprintf:
 * writes at most size bytes including the NUL and returns the length of
 * the whole message; "" when r->error is 0. */
VMS_EXPORT size_t vms_xlator_message(vms_xlator *x, uint64_t va,
				     const struct vms_xlate_result *r, char *buf, size_t size);

/* Where the answers came from, for tuning and benchmarks. */
struct vms_xlator_stats {
	uint64_t linear;	/* from a linear run (direct map, kernel text) */
	uint64_t tlb_hits;	/* from the cache, mapped or unmapped */
	uint64_t walks;		/* page-table walks */
	uint64_t nruns;		/* linear runs listed */
};
VMS_EXPORT void vms_xlator_stats(const vms_xlator *x, struct vms_xlator_stats *out);

#ifdef __cplusplus
}
#endif
#endif
