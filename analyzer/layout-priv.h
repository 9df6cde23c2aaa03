/* Internal view of a vms_layout, shared by the arch-neutral parts
 * (layout.c, walk.c) and the arch back ends (x86_64.c, arm64.c).
 *
 * Detection does not talk to vms_dump directly: it goes through a
 * vms_layout_input, so unit tests and fuzzers can feed an in-memory
 * "physical memory" without building a dump file.
 */
#ifndef VMS_LAYOUT_PRIV_H
#define VMS_LAYOUT_PRIV_H

#include <stdarg.h>
#include <vmscope/analyzer.h>

/* Everything detection may look at.  vms_layout_detect() fills it from a
 * vms_dump; tests fill it by hand.  Pointers are borrowed. */
struct vms_layout_input {
	void *ctx;
	/* Reads physical memory; flags as for vms_dump_read_phys().  Without
	 * VMS_READ_ZERO_FILL it must fail (not zero-fill) on absent pages. */
	vms_error *(*read_phys)(void *ctx, uint64_t pa, void *buf, size_t len,
				unsigned int flags);
	/* VMCOREINFO lookup; NULL function or NULL result = absent. */
	const char *(*vmcoreinfo_get)(void *ctx, const char *key);
	enum vms_arch arch;
	const struct vms_range *ranges;	/* sorted; none = unknown extent */
	size_t nranges;
	const struct vms_segment *segments;
	size_t nsegments;
	const struct vms_cpu_state *cpus;
	size_t ncpus;
	bool have_header_phys_base;
	uint64_t header_phys_base;
};

vms_error *vms_layout_detect_input(const struct vms_layout_input *in,
				   const struct vms_detect_options *opts,
				   vms_layout **out);

struct vms_layout;

struct vms_pt_format;

/* What an architecture provides. */
struct vms_arch_ops {
	const char *name;
	/* Fills values, levels, page size, walk geometry and regions. */
	vms_error *(*detect)(struct vms_layout *l, const struct vms_detect_options *opts);
	/* Its page-table entries, for the walker of walk.c (walk-priv.h). */
	const struct vms_pt_format *format;
	/* One translation from the given root (both: vms_walk_va). */
	vms_error *(*walk)(struct vms_layout *l, uint64_t root, uint64_t va,
			   struct vms_translation *out);
	/* Enumerates leaves in [start, end] (see vms_layout_foreach_mapping;
	 * both: vms_walk_foreach_leaf). */
	vms_error *(*foreach_leaf)(struct vms_layout *l, uint64_t root, uint64_t start,
				   uint64_t end, vms_mapping_fn fn, void *arg);
	/* Optional: PA -> kernel VAs (NULL = the x86_64 rule in layout.c). */
	vms_error *(*ptov)(struct vms_layout *l, uint64_t pa, struct vms_ptov *out);
	/* Optional: arch-specific key names (NULL = vms_layout_key_name for
	 * the keys up to VMS_LK_STRUCT_PAGE_SIZE). */
	const char *(*key_label)(enum vms_layout_key key);
};
extern const struct vms_arch_ops vms_arch_x86_64;
extern const struct vms_arch_ops vms_arch_arm64;

/* ---- arm64 state (analyzer/arm64.c) -------------------------------------
 * Kept here so the walker needs no lookups per translation. */
enum vms_arm64_pte {
	VMS_A64_PTE_48 = 0,	/* output address bits [47:PAGE_SHIFT] */
	VMS_A64_PTE_LPA,	/* 64K: plus bits [15:12] -> PA[51:48] */
	VMS_A64_PTE_LPA2,	/* 4K/16K: bits [49:PAGE_SHIFT], [9:8] -> PA[51:50] */
};
struct vms_arm64 {
	unsigned int va_walk;		/* VA size the kernel tables are laid out for */
	enum vms_arm64_pte pte;
	bool flipped;			/* 5.4+ layout: linear map in the lower half */
	uint64_t page_offset_macro;	/* PAGE_OFFSET as __lm_to_phys uses it */
};

/* How walk.c walks this layout's tables, set by the arch's detect() (the
 * entry format that does not vary is the arch's vms_pt_format).  Step i of
 * a walk counts from the top table (0) to the page table (levels - 1). */
struct vms_walk_geometry {
	unsigned int page_shift;	/* VA bits below the last step; 0 = unknown */
	unsigned int level_bits;	/* VA bits each step above it takes */
	uint32_t top_entries;		/* entries of the top table (may be fewer) */
	uint32_t block_steps;		/* bit i set: step i may hold blocks */
	uint64_t root_mask;		/* root value (CR3, TTBR) -> its table */
	/* An entry's output address: (e & oa_mask) | ((e >> oa_hi_from) &
	 * oa_hi_mask) << oa_hi_to, the second part for 52-bit PAs whose top
	 * bits sit elsewhere (arm64 FEAT_LPA, FEAT_LPA2). */
	uint64_t oa_mask, oa_hi_mask;
	unsigned int oa_hi_from, oa_hi_to;
};

/* Page-table page cache: the last table page read at each level.  Walks of
 * nearby addresses then cost no reads at all. */
struct vms_walk_cache {
	uint64_t pa[VMS_MAX_LEVELS];	/* page address, or UINT64_MAX = empty */
	uint8_t *buf[VMS_MAX_LEVELS];	/* table_size bytes each */
	uint64_t hits, misses;
};

#define VMS_MAX_REMARKS 16

struct vms_layout_slot {
	struct vms_layout_value pub;
	char note[320];
};

struct vms_layout {
	const struct vms_arch_ops *ops;
	struct vms_layout_input in;
	enum vms_arch arch;
	unsigned int levels;
	uint32_t page_size;
	uint32_t table_size;		/* bytes of one page table */
	struct vms_walk_geometry walk;	/* for walk.c */
	struct vms_layout_slot v[VMS_LK__COUNT];
	struct vms_region *regions;
	size_t nregions;
	char *remarks[VMS_MAX_REMARKS];
	size_t nremarks;
	struct vms_walk_cache cache;
	/* Upper bound of entries a foreach may inspect (hostile tables can
	 * alias one table everywhere and make a scan astronomically long). */
	uint64_t scan_budget;
	/* Kernel version from OSRELEASE (or the banner) as 0xMMmmpp, 0 =
	 * unknown, and the release string ("" = unknown). */
	uint32_t osver;
	char osrelease[65];	/* __NEW_UTS_LEN + 1 */
	struct vms_arm64 arm64;		/* arm64 only */
};

/* layout.c */
void vms_layout_set(struct vms_layout *l, enum vms_layout_key k, uint64_t value,
		    enum vms_value_source src);
/* Appends a sentence to the value's note ("; " separated). */
void vms_layout_note(struct vms_layout *l, enum vms_layout_key k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vms_layout_remarkf(struct vms_layout *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline bool vms_layout_known(const struct vms_layout *l, enum vms_layout_key k)
{
	return l->v[k].pub.known;
}
static inline uint64_t vms_layout_val(const struct vms_layout *l, enum vms_layout_key k)
{
	return l->v[k].pub.value;
}
/* VMCOREINFO helpers: false when absent or unparsable. */
const char *vms_layout_vmci(const struct vms_layout *l, const char *key);
bool vms_layout_vmci_num(const struct vms_layout *l, const char *key, uint64_t *out);
bool vms_layout_vmci_hex(const struct vms_layout *l, const char *key, uint64_t *out);
/* True when [pa, pa+len) lies inside the dump's ranges (or ranges unknown). */
bool vms_layout_pa_in_dump(const struct vms_layout *l, uint64_t pa, uint64_t len);
/* Highest physical address + 1 covered by the dump (0 = unknown). */
uint64_t vms_layout_max_pa(const struct vms_layout *l);
/* Adds a region; vms_layout_regions_finish() sorts, clips overlaps (earlier
 * additions win) and fills the gaps with "unused". */
vms_error *vms_layout_add_region(struct vms_layout *l, const char *name, uint64_t start,
				 uint64_t end);
vms_error *vms_layout_regions_finish(struct vms_layout *l);

/* The kernel version without VMCOREINFO (layout.c).  linux_banner is
 * "Linux version " UTS_RELEASE " (" BY@HOST ") (" COMPILER ") " UTS_VERSION
 * "\n" as a C string in the image's rodata.  vms_banner_match() returns the
 * length of the banner at p (NUL included) if p[0..avail) starts with one,
 * copying the release to release[rsize]; else 0.  Copies of the text
 * elsewhere (the printk buffer keeps it without "\n\0") do not match. */
#define VMS_BANNER_MAX 512
size_t vms_banner_match(const char *p, size_t avail, char *release, size_t rsize);
/* Searches the mappings of [lo, hi] whose VA - PA is image_off (the kernel
 * image: kimage_voffset, or __START_KERNEL_map - phys_base), read-only ones
 * (rodata) first, for the banner; on success sets l->osver, l->osrelease
 * and VMS_LK_KERNEL_VERSION, stores the banner's VA and returns true. */
bool vms_layout_find_banner(struct vms_layout *l, uint64_t lo, uint64_t hi, uint64_t image_off,
			    uint64_t *banner_va);

/* walk.c */
vms_error *vms_walk_cache_init(struct vms_walk_cache *c, uint32_t table_size);
void vms_walk_cache_free(struct vms_walk_cache *c);
/* Reads one entry of the table at table_pa (cached per level). */
vms_error *vms_walk_read_entry(struct vms_layout *l, unsigned int slot, uint64_t table_pa,
			       uint64_t index, uint64_t *entry);
/* Finds the lowest mapped leaf in [start, end]; *found = false if none. */
vms_error *vms_walk_lowest_mapped(struct vms_layout *l, uint64_t root, uint64_t start,
				  uint64_t end, bool *found, uint64_t *va, uint64_t *pa,
				  uint64_t *size);

#endif
