/* Unit tests of the x86_64 walker and detector over synthetic page tables
 * in an in-memory "physical memory" (no dump file involved).
 *
 * Covered: 4K/2M/1G pages, NX/pkey/PAT decoding, the SME bit, a table
 * beyond memory, a self-referencing table, a bad root, non-canonical and
 * unmapped addresses, 5-level paging, the walk cache, and detection with
 * and without VMCOREINFO (CR3, memory scan, randomized bases, mem_section,
 * a wrong dump-header phys_base).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/analyzer.h>
#include "layout-priv.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                  \
	do {                                                                              \
		checks++;                                                                 \
		if (!(cond)) {                                                            \
			failures++;                                                       \
			printf("not ok %d - line %d: ", checks, __LINE__);    \
			printf(__VA_ARGS__);                                              \
			printf("\n");                                                     \
		} else {  \
			printf("ok %d - line %d\n", checks, __LINE__); \
		}                                                                         \
	} while (0)

#define MEM_SIZE (64u << 20)
#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define G 0x100ull
#define NX (1ull << 63)
#define TBL (P | RW | A | D)

struct mem {
	uint8_t *m;
	const char *vmci[16];	/* "KEY=VALUE" */
};

static vms_error *mread(void *ctx, uint64_t pa, void *buf, size_t len, unsigned int flags)
{
	struct mem *m = ctx;
	(void)flags;
	if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
		return vms_error_create(VMS_ERR_NODATA, "PA 0x%" PRIx64 " is not in memory", pa);
	memcpy(buf, m->m + pa, len);
	return NULL;
}

static const char *mvmci(void *ctx, const char *key)
{
	struct mem *m = ctx;
	size_t kl = strlen(key);
	for (int i = 0; i < 16 && m->vmci[i]; i++)
		if (!strncmp(m->vmci[i], key, kl) && m->vmci[i][kl] == '=')
			return m->vmci[i] + kl + 1;
	return NULL;
}

static void put(struct mem *m, uint64_t pa, uint64_t v)
{
	memcpy(m->m + pa, &v, 8);	/* the tests run on little-endian hosts */
}

static unsigned ix(uint64_t va, unsigned shift)
{
	return (unsigned)((va >> shift) & 511);
}

static const struct vms_range range = { 0, MEM_SIZE };

static vms_layout *detect(struct mem *m, struct vms_cpu_state *cpu, const struct vms_segment *segs,
			  size_t nsegs, bool hdr, uint64_t hdr_pb, const struct vms_detect_options *o)
{
	struct vms_layout_input in = {
		.ctx = m, .read_phys = mread, .vmcoreinfo_get = mvmci, .arch = VMS_ARCH_X86_64,
		.ranges = &range, .nranges = 1, .segments = segs, .nsegments = nsegs,
		.cpus = cpu, .ncpus = cpu ? 1 : 0,
		.have_header_phys_base = hdr, .header_phys_base = hdr_pb,
	};
	vms_layout *l = NULL;
	vms_error *err = vms_layout_detect_input(&in, o, &l);
	CHECK(!err, "detect: %s", err ? vms_error_message(err) : "");
	vms_error_free(err);
	return l;
}

/* A randomized 4-level kernel:
 *   direct map 0xffff9b4000000000 (1G page -> PA 0)
 *   vmalloc    0xffffb1c000000000 (4K page at +0x1000 -> PA 0x5000, pkey 3)
 *   vmemmap    0xffffd5c000000000 (2M page -> PA 0x400000)
 *   text       0xffffffff83000000 (2M page -> PA 0x3200000, PAT bit 12 set)
 * phys_base = 0x3200000 - 0x3000000 = 0x200000, KASLR offset 0x2000000. */
#define DIRECT UINT64_C(0xffff9b4000000000)
#define VMALLOC UINT64_C(0xffffb1c000000000)
#define VMEMMAP UINT64_C(0xffffd5c000000000)
#define TEXT UINT64_C(0xffffffff83000000)

static void build_kernel(struct mem *m, uint64_t sme)
{
	uint64_t pgd = 0x1000;
	put(m, pgd + 8 * ix(DIRECT, 39), (0x2000 | TBL) | sme);
	put(m, 0x2000 + 8 * ix(DIRECT, 30), (0 | TBL | PS | G | NX) | sme);
	put(m, pgd + 8 * ix(VMALLOC, 39), (0x6000 | TBL) | sme);
	put(m, 0x6000 + 8 * ix(VMALLOC, 30), (0x7000 | TBL) | sme);
	put(m, 0x7000 + 8 * ix(VMALLOC, 21), (0x8000 | TBL) | sme);
	put(m, 0x8000 + 8 * 1, (0x5000 | P | RW | A | D | G | NX | (3ull << 59)) | sme);
	put(m, pgd + 8 * ix(VMEMMAP, 39), (0x9000 | TBL) | sme);
	put(m, 0x9000 + 8 * ix(VMEMMAP, 30), (0xa000 | TBL) | sme);
	put(m, 0xa000 + 8 * ix(VMEMMAP, 21), (0x400000 | TBL | PS | G | NX) | sme);
	put(m, pgd + 8 * 511, (0x3000 | TBL) | sme);
	put(m, 0x3000 + 8 * 510, (0x4000 | TBL) | sme);
	put(m, 0x4000 + 8 * ix(TEXT, 21), (0x3200000 | P | A | D | PS | G | 0x1000) | sme);
}

static int count_cb(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	(void)va; (void)pa; (void)size;
	++*(int *)arg;
	return 0;
}

static void test_walk(void)
{
	struct mem m = { calloc(1, MEM_SIZE), { "NUMBER(phys_base)=2097152", "SYMBOL(init_top_pgt)=ffffffff81c01000" } };
	struct vms_translation t;
	vms_error *err;
	vms_layout *l;
	char fl[96];

	/* init_top_pgt = 0xffffffff81c01000 -> PA 0x1c01000 + 0x200000: put the
	 * tables at 0x1e01000 by using a root option instead. */
	build_kernel(&m, 0);
	struct vms_detect_options o = VMS_DETECT_OPTIONS_INIT;
	o.have_pgt_root = true;
	o.pgt_root = 0x1000;
	l = detect(&m, NULL, NULL, 0, false, 0, &o);
	if (!l)
		return;
	CHECK(vms_layout_get(l, VMS_LK_PGT_ROOT)->source == VMS_SRC_OPTION, "root from option");

	err = vms_vtop(l, DIRECT + 0x12345678, &t);
	CHECK(!err && t.paddr == 0x12345678 && t.page_size == (1u << 30) && t.nsteps == 2,
	      "1G page: %" PRIx64, t.paddr);
	CHECK(t.steps[1].flags & VMS_PTE_NX && t.steps[1].flags & VMS_PTE_LARGE, "1G flags %s",
	      vms_pte_flags_str(t.steps[1].flags, fl, sizeof(fl)));
	CHECK(!strcmp(t.steps[0].level, "pml4") && !strcmp(t.steps[1].level, "pud"), "level names");
	vms_error_free(err);

	err = vms_vtop(l, TEXT + 0x1234, &t);
	CHECK(!err && t.paddr == 0x3201234 && t.page_size == (2u << 20), "2M page drops PAT bit 12: %" PRIx64,
	      t.paddr);
	CHECK(t.nsteps == 3 && (t.steps[2].flags & VMS_PTE_PAT) && !(t.steps[2].flags & VMS_PTE_NX),
	      "2M PAT decoded: %s", vms_pte_flags_str(t.steps[2].flags, fl, sizeof(fl)));
	vms_error_free(err);

	err = vms_vtop(l, VMALLOC + 0x1abc, &t);
	CHECK(!err && t.paddr == 0x5abc && t.page_size == 4096 && t.nsteps == 4, "4K page: %" PRIx64, t.paddr);
	CHECK(t.steps[3].pkey == 3 && (t.steps[3].flags & VMS_PTE_NX) && !strcmp(t.steps[3].level, "pte"),
	      "pkey %u", t.steps[3].pkey);
	vms_error_free(err);

	/* The walk cache: the same walk again costs no reads. */
	uint64_t misses = l->cache.misses;
	for (int i = 0; i < 100; i++)
		vms_error_free(vms_vtop(l, VMALLOC + 0x1000 + (uint64_t)(i % 8), &t));
	CHECK(l->cache.misses == misses, "cache: %" PRIu64 " new misses", l->cache.misses - misses);

	err = vms_vtop(l, UINT64_C(0x0000800000000000), &t);
	CHECK(err && vms_error_code(err) == VMS_ERR_INVALID, "non-canonical");
	vms_error_free(err);

	err = vms_vtop(l, VMALLOC + 0x3000, &t);
	CHECK(err && vms_error_code(err) == VMS_ERR_UNMAPPED && t.nsteps == 4, "unmapped: %u steps",
	      t.nsteps);
	vms_error_free(err);

	/* A PUD pointer beyond memory. */
	put(&m, 0x1000 + 8 * 400, 0x40000000 | TBL);
	l->cache.pa[0] = UINT64_MAX;	/* the test edited a cached page */
	err = vms_vtop(l, UINT64_C(0xffffc80000000000), &t);
	CHECK(err && vms_error_code(err) == VMS_ERR_CORRUPT && strstr(vms_error_message(err), "outside"),
	      "beyond memory: %s", err ? vms_error_message(err) : "ok");
	vms_error_free(err);

	/* A self-referencing top-level entry: the walk must stop. */
	put(&m, 0x1000 + 8 * 300, 0x1000 | TBL);
	l->cache.pa[0] = UINT64_MAX;	/* the test edited a cached page */
	err = vms_vtop(l, UINT64_C(0xffff960000000000), &t);
	CHECK(err && vms_error_code(err) == VMS_ERR_CORRUPT && strstr(vms_error_message(err), "loop"),
	      "self-reference: %s", err ? vms_error_message(err) : "ok");
	vms_error_free(err);
	/* ... and a scan of the whole space terminates. */
	int n = 0;
	err = vms_layout_foreach_mapping(l, 0, UINT64_MAX, count_cb, &n);
	CHECK(!err && n == 4, "scan with a loop: %d runs, %s", n, err ? vms_error_message(err) : "ok");
	vms_error_free(err);

	/* A bad root. */
	err = vms_vtop_pgd(l, 0x7fff0000000, DIRECT, &t);
	CHECK(err && vms_error_code(err) == VMS_ERR_CORRUPT, "bad root");
	vms_error_free(err);
	vms_layout_free(l);

	/* SME: the C-bit (47) in every entry is not part of the address. */
	memset(m.m, 0, 0x20000);
	build_kernel(&m, 1ull << 47);
	m.vmci[2] = "NUMBER(sme_mask)=140737488355328";
	l = detect(&m, NULL, NULL, 0, false, 0, &o);
	err = vms_vtop(l, VMALLOC + 0x1008, &t);
	CHECK(!err && t.paddr == 0x5008, "SME 4K: %" PRIx64, t.paddr);
	vms_error_free(err);
	err = vms_vtop(l, TEXT, &t);
	CHECK(!err && t.paddr == 0x3200000, "SME 2M: %" PRIx64, t.paddr);
	vms_error_free(err);
	vms_layout_free(l);
	m.vmci[2] = NULL;
	free(m.m);
}

static void test_detect_without_vmcoreinfo(void)
{
	struct mem m = { calloc(1, MEM_SIZE), { NULL } };
	struct vms_cpu_state cpu = { 0 };
	const struct vms_layout_value *v;
	vms_layout *l;
	int n = 0;

	build_kernel(&m, 0);
	cpu.has_qemu = true;
	cpu.cr[3] = 0x1000;
	cpu.cr[4] = 0x20;	/* LA57 clear */
	/* A wrong header phys_base, like QEMU 7.2's. */
	l = detect(&m, &cpu, NULL, 0, true, 0x1000000, NULL);
	if (!l)
		return;
	v = vms_layout_get(l, VMS_LK_PGT_ROOT);
	CHECK(v->value == 0x1000 && v->source == VMS_SRC_CPU_STATE, "root %" PRIx64, v->value);
	v = vms_layout_get(l, VMS_LK_PHYS_BASE);
	CHECK(v->value == 0x200000 && v->source == VMS_SRC_PAGE_TABLES && v->conflict,
	      "phys_base %" PRIx64 " (%s) note '%s'", v->value, vms_value_source_name(v->source), v->note);
	v = vms_layout_get(l, VMS_LK_KASLR_OFFSET);
	CHECK(v->value == 0x2000000, "kaslr %" PRIx64, v->value);
	v = vms_layout_get(l, VMS_LK_PAGE_OFFSET_BASE);
	CHECK(v->value == DIRECT && v->source == VMS_SRC_PAGE_TABLES, "direct %" PRIx64, v->value);
	v = vms_layout_get(l, VMS_LK_VMALLOC_BASE);
	CHECK(v->value == VMALLOC && v->source == VMS_SRC_PAGE_TABLES, "vmalloc %" PRIx64, v->value);
	v = vms_layout_get(l, VMS_LK_VMEMMAP_BASE);
	CHECK(v->value == VMEMMAP && v->source == VMS_SRC_PAGE_TABLES, "vmemmap %" PRIx64, v->value);
	CHECK(vms_layout_paging_levels(l) == 4, "levels");
	CHECK(!strcmp(vms_region_of(l, DIRECT + 5)->name, "direct-map"), "region direct");
	CHECK(!strcmp(vms_region_of(l, VMALLOC)->name, "vmalloc"), "region vmalloc");
	CHECK(!strcmp(vms_region_of(l, VMEMMAP + 64)->name, "vmemmap"), "region vmemmap");
	CHECK(!strcmp(vms_region_of(l, TEXT)->name, "kernel-text"), "region text");
	CHECK(!strcmp(vms_region_of(l, 0x1000)->name, "user"), "region user");
	CHECK(!strcmp(vms_region_of(l, UINT64_C(0xffffffffff600000))->name, "vsyscall"), "region vsyscall");
	struct vms_ptov p;
	vms_error_free(vms_ptov(l, 0x3200010, &p));
	CHECK(p.have_direct && p.direct == DIRECT + 0x3200010 && p.have_ktext && p.ktext == TEXT + 0x10,
	      "ptov %" PRIx64 " %" PRIx64, p.direct, p.ktext);
	vms_error_free(vms_layout_foreach_mapping(l, 0, UINT64_MAX, count_cb, &n));
	CHECK(n == 4, "%d mappings", n);
	uint64_t page, pfn;
	vms_error_free(vms_pfn_to_page(l, 10, &page));
	vms_error_free(vms_page_to_pfn(l, page, &pfn));
	CHECK(page == VMEMMAP + 640 && pfn == 10, "pfn2page %" PRIx64, page);
	vms_layout_free(l);

	/* Neither VMCOREINFO nor CR3: the root is found by a memory scan. */
	l = detect(&m, NULL, NULL, 0, false, 0, NULL);
	if (l) {
		v = vms_layout_get(l, VMS_LK_PGT_ROOT);
		CHECK(v->value == 0x1000 && v->source == VMS_SRC_PAGE_TABLES, "scanned root %" PRIx64, v->value);
		CHECK(vms_layout_get(l, VMS_LK_PHYS_BASE)->value == 0x200000, "scanned phys_base");
		vms_layout_free(l);
	}

	/* 5-level: a PML5 whose last entry points at the same PML4. */
	put(&m, 0xb000 + 8 * 511, 0x1000 | TBL);
	cpu.cr[3] = 0xb000;
	cpu.cr[4] = 0x1000;
	l = detect(&m, &cpu, NULL, 0, false, 0, NULL);
	if (l) {
		struct vms_translation t;
		vms_error *err = vms_vtop(l, TEXT + 8, &t);
		CHECK(vms_layout_paging_levels(l) == 5 && !err && t.paddr == 0x3200008 && t.nsteps == 4 &&
		      !strcmp(t.steps[0].level, "pml5"), "5-level text");
		vms_error_free(err);
		err = vms_vtop(l, UINT64_C(0x0100000000000000), &t);
		CHECK(err && vms_error_code(err) == VMS_ERR_INVALID, "5-level non-canonical");
		vms_error_free(err);
		vms_layout_free(l);
	}
	free(m.m);
}

/* VMCOREINFO present: symbols, PT_LOAD and the mem_section decode. */
static void test_detect_with_vmcoreinfo(void)
{
	struct mem m = { calloc(1, MEM_SIZE), {
		"OSRELEASE=6.1.0-18-amd64", "NUMBER(phys_base)=2097152",
		"SYMBOL(init_top_pgt)=ffffffff80e01000", "KERNELOFFSET=2000000",
		"SYMBOL(mem_section)=ffff9b4000010000", "OFFSET(mem_section.section_mem_map)=0",
		"SIZE(mem_section)=16", "SIZE(page)=64", "NUMBER(VMALLOC_START)=0xffffb1c000000000" } };
	/* init_top_pgt - 0xffffffff80000000 + 0x200000 = PA 0x1001000. */
	const uint64_t root = 0x1001000;
	const struct vms_segment segs[] = {
		{ 0, DIRECT, 0, 0x1000000, 0x1000000 },
		{ 0, TEXT, 0x3200000, 0x200000, 0x200000 },
	};
	const struct vms_layout_value *v;
	vms_layout *l;

	build_kernel(&m, 0);
	memcpy(m.m + root, m.m + 0x1000, 4096);
	put(&m, 0x10000, DIRECT + 0x11000);	/* mem_section[0] -> the section array */
	put(&m, 0x11000, VMEMMAP | 0x7);	/* present, has mem_map, online */
	l = detect(&m, NULL, segs, 2, false, 0, NULL);
	if (!l)
		return;
	v = vms_layout_get(l, VMS_LK_PGT_ROOT);
	CHECK(v->value == root && v->source == VMS_SRC_SYMBOL, "root %" PRIx64, v->value);
	v = vms_layout_get(l, VMS_LK_PHYS_BASE);
	CHECK(v->value == 0x200000 && v->source == VMS_SRC_VMCOREINFO && !v->conflict, "phys_base: %s", v->note);
	v = vms_layout_get(l, VMS_LK_KASLR_OFFSET);
	CHECK(v->value == 0x2000000 && v->source == VMS_SRC_VMCOREINFO, "kaslr");
	v = vms_layout_get(l, VMS_LK_PAGE_OFFSET_BASE);
	CHECK(v->value == DIRECT && v->source == VMS_SRC_PT_LOAD && !v->conflict, "direct: %s", v->note);
	v = vms_layout_get(l, VMS_LK_VMALLOC_BASE);
	CHECK(v->value == VMALLOC && v->source == VMS_SRC_VMCOREINFO, "vmalloc");
	v = vms_layout_get(l, VMS_LK_VMEMMAP_BASE);
	CHECK(v->value == VMEMMAP && v->source == VMS_SRC_SYMBOL, "vmemmap %" PRIx64 ": %s", v->value, v->note);
	vms_layout_free(l);

	/* NUMBER(phys_base) is signed decimal and may be negative. */
	m.vmci[1] = "NUMBER(phys_base)=-16777216";
	l = detect(&m, NULL, NULL, 0, false, 0, NULL);
	if (l) {
		v = vms_layout_get(l, VMS_LK_PHYS_BASE);
		CHECK(v->value == (uint64_t)-16777216 && v->conflict, "negative phys_base %" PRIx64 " %s",
		      v->value, v->note);
		vms_layout_free(l);
	}
	free(m.m);
}

int main(void)
{
	test_walk();
	test_detect_without_vmcoreinfo();
	test_detect_with_vmcoreinfo();
	printf("# %d checks, %d failures\n1..%d\n", checks, failures, checks);
	return failures ? 1 : 0;
}
