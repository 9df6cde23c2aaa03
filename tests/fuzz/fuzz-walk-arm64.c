/* libFuzzer harness: the arm64 page-table walker and layout detector over
 * fuzzed physical memory.
 *
 *   ./configure CC=clang --enable-fuzz && make tests/fuzz/fuzz-walk-arm64
 *   tests/fuzz/fuzz-walk-arm64 [CORPUS...]
 *
 * Input layout: byte 0 picks the geometry (bits 0-1: 4K, 16K, 64K, 4K;
 * bits 2-4: index into the VA sizes below), byte 1 options (bit 0: give a
 * VMCOREINFO at all - else the root scan runs, bit 1: a TCR_EL1_T1SZ for 4
 * bits fewer, bit 2: 52-bit PAs, bit 3: an _stext below the linear map,
 * i.e. the pre-5.4 layout, bit 4: 5.18+ ranges), bytes 2..9 the VA to
 * translate, the rest physical memory from PA 0 (rounded down to 4 KiB, at
 * most 1 MiB).  The root (swapper_pg_dir) is PA 0.  Whatever the bytes,
 * detection and walks must end, without crashing, in bounded time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/analyzer.h>
#include "layout-priv.h"
#include "fmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fmem {
	const uint8_t *m;
	size_t len;
	uint8_t geo, opts;
	char val[8][32];
};

static vms_error *fread_phys(void *ctx, uint64_t pa, void *buf, size_t len, unsigned int flags)
{
	const struct fmem *f = ctx;

	return fmem_read(f->m, f->len, pa, buf, len, flags);
}

static const unsigned va_sizes[8] = { 39, 48, 52, 36, 47, 42, 52, 48 };

static unsigned page_size(const struct fmem *f)
{
	static const unsigned ps[4] = { 4096, 16384, 65536, 4096 };
	return ps[f->geo & 3];
}

static unsigned va_bits(const struct fmem *f)
{
	return va_sizes[(f->geo >> 2) & 7];
}

static const char *fvmci(void *ctx, const char *key)
{
	struct fmem *f = ctx;
	unsigned va = va_bits(f);

	if (!(f->opts & 1))
		return NULL;
	if (!strcmp(key, "PAGESIZE"))
		return snprintf(f->val[0], 32, "%u", page_size(f)), f->val[0];
	if (!strcmp(key, "NUMBER(VA_BITS)"))
		return snprintf(f->val[1], 32, "%u", va), f->val[1];
	if (!strcmp(key, "NUMBER(TCR_EL1_T1SZ)") && (f->opts & 2))
		return snprintf(f->val[2], 32, "0x%x", 64 - (va - 4)), f->val[2];
	if (!strcmp(key, "NUMBER(MAX_PHYSMEM_BITS)"))
		return (f->opts & 4) ? "52" : "48";
	if (!strcmp(key, "NUMBER(kimage_voffset)"))
		return "0xffff800008000000";
	if (!strcmp(key, "SYMBOL(swapper_pg_dir)"))
		return "ffff800008000000";	/* PA 0 */
	if (!strcmp(key, "SYMBOL(_stext)"))
		return (f->opts & 8) ? "ffffff8008010000" : "ffff800008010000";
	if (!strcmp(key, "NUMBER(PHYS_OFFSET)"))
		return "0x0";
	if (!strcmp(key, "KERNELOFFSET"))
		return "0";
	if (!strcmp(key, "SYMBOL(mem_section)"))
		return "ffff000000000100";
	if ((f->opts & 16) && !strcmp(key, "NUMBER(VMEMMAP_START)"))
		return "0xfffffc0000000000";
	if ((f->opts & 16) && !strcmp(key, "NUMBER(VMALLOC_END)"))
		return "0x10";	/* nonsense on purpose */
	if (!strcmp(key, "OSRELEASE"))
		return (f->opts & 8) ? "5.2.0" : "6.12.0";
	return NULL;
}

static int stop_after(uint64_t va, uint64_t pa, uint64_t sz, void *arg)
{
	unsigned *n = arg;
	(void)va;
	(void)pa;
	(void)sz;
	return ++*n >= 4096;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fmem f;
	struct vms_range r;
	struct vms_translation t;
	vms_layout *l = NULL;
	uint64_t va = 0, page;
	unsigned n = 0;

	if (size < 10 + 4096)
		return 0;
	memset(&f, 0, sizeof(f));
	f.geo = data[0];
	f.opts = data[1];
	memcpy(&va, data + 2, 8);
	f.m = data + 10;
	f.len = (size - 10) & ~(size_t)4095;
	/* Keep memory small so the root scan stays fast. */
	if (f.len > (1u << 20))
		f.len = 1u << 20;
	r.start = 0;
	r.end = f.len;
	struct vms_layout_input in = {
		.ctx = &f, .read_phys = fread_phys, .vmcoreinfo_get = fvmci,
		.arch = VMS_ARCH_ARM64, .ranges = &r, .nranges = 1,
	};
	vms_error *err = vms_layout_detect_input(&in, NULL, &l);
	if (err) {
		vms_error_free(err);
		return 0;
	}
	l->scan_budget = 1u << 16;
	vms_error_free(vms_vtop(l, va, &t));
	vms_error_free(vms_vtop_pgd(l, 0, va, &t));
	vms_error_free(vms_vtop_pgd(l, va & (f.len - 1), ~va, &t));
	struct vms_ptov p;
	vms_error_free(vms_ptov(l, va & 0xffffffff, &p));
	(void)vms_region_of(l, va);
	vms_error_free(vms_layout_foreach_mapping(l, va, UINT64_MAX, stop_after, &n));
	vms_error_free(vms_pfn_to_page(l, va >> 12, &page));
	vms_error_free(vms_page_to_pfn(l, va, &page));
	uint8_t buf[64];
	vms_error_free(vms_read_virt(l, va, buf, sizeof(buf), 0));
	vms_layout_free(l);
	return 0;
}
