/* libFuzzer harness: batch translation (analyzer/batch.c, vms_xlator_vtop)
 * against the single-address walker (vms_vtop) on the same fuzzed memory.
 * A differential fuzzer: the translator promises vms_vtop()'s answers
 * exactly (analyzer.h), so any disagreement in error code, physical
 * address, page size, or message is a finding (the harness aborts, printing
 * both answers).
 *
 * Input layout: byte 0 options (bit 7: arm64, else x86_64; x86_64 bits 0-3
 * as in fuzz-walk.c: 5-level via CR4, a CR3, an SME mask, VMCOREINFO root
 * symbols; arm64 bits 0-4 as byte 1 of fuzz-walk-arm64.c: a VMCOREINFO,
 * TCR_EL1_T1SZ, 52-bit PAs, pre-5.4 layout, 5.18+ ranges), byte 1 the arm64
 * geometry (as byte 0 of fuzz-walk-arm64.c), bytes 2..129 sixteen
 * little-endian VAs, the rest physical memory from PA 0 (rounded down to
 * 4 KiB, at most 1 MiB).  The page-table root is PA 0 in both.  Each VA is
 * asked with neighbours (next byte, page, 2 MiB, 1 GiB, and in the middle
 * of the direct map and kernel text), twice (cold and warm caches), in one
 * batch; then every answer is checked against vms_vtop().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/analyzer.h>
#include "layout-priv.h"
#include "fmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 130
#define NVA 16
#define PER_VA 6
#define MAX_MEM (1u << 20)

struct fmem {
	const uint8_t *m;
	size_t len;
	uint8_t opts, geo;
	char val[4][32];
};

static vms_error *fread_phys(void *ctx, uint64_t pa, void *buf, size_t len, unsigned int flags)
{
	const struct fmem *f = ctx;

	return fmem_read(f->m, f->len, pa, buf, len, flags);
}

static const char *x86_vmci(const struct fmem *f, const char *key)
{
	if ((f->opts & 4) && !strcmp(key, "NUMBER(sme_mask)"))
		return "140737488355328";
	if (!(f->opts & 8))
		return NULL;
	if (!strcmp(key, "SYMBOL(init_top_pgt)"))
		return "ffffffff80000000";
	if (!strcmp(key, "NUMBER(phys_base)"))
		return "0";
	if (!strcmp(key, "SYMBOL(mem_section)"))
		return "ffff888000000100";
	if (!strcmp(key, "SIZE(mem_section)"))
		return "16";
	if (!strcmp(key, "OFFSET(mem_section.section_mem_map)"))
		return "0";
	return NULL;
}

/* The arm64 keys of fuzz-walk-arm64.c. */
static const char *a64_vmci(struct fmem *f, const char *key)
{
	static const unsigned ps[4] = { 4096, 16384, 65536, 4096 };
	static const unsigned va_sizes[8] = { 39, 48, 52, 36, 47, 42, 52, 48 };
	unsigned va = va_sizes[(f->geo >> 2) & 7];

	if (!(f->opts & 1))
		return NULL;
	if (!strcmp(key, "PAGESIZE"))
		return snprintf(f->val[0], 32, "%u", ps[f->geo & 3]), f->val[0];
	if (!strcmp(key, "NUMBER(VA_BITS)"))
		return snprintf(f->val[1], 32, "%u", va), f->val[1];
	if (!strcmp(key, "NUMBER(TCR_EL1_T1SZ)") && (f->opts & 2))
		return snprintf(f->val[2], 32, "0x%x", 64 - (va - 4)), f->val[2];
	if (!strcmp(key, "NUMBER(MAX_PHYSMEM_BITS)"))
		return (f->opts & 4) ? "52" : "48";
	if (!strcmp(key, "NUMBER(kimage_voffset)"))
		return "0xffff800008000000";
	if (!strcmp(key, "SYMBOL(swapper_pg_dir)"))
		return "ffff800008000000";
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
	if (!strcmp(key, "OSRELEASE"))
		return (f->opts & 8) ? "5.2.0" : "6.12.0";
	return NULL;
}

static const char *fvmci(void *ctx, const char *key)
{
	struct fmem *f = ctx;
	return (f->opts & 0x80) ? a64_vmci(f, key) : x86_vmci(f, key);
}

/* The middle of the first region called name, or 0. */
static uint64_t region_mid(const vms_layout *l, const char *name)
{
	for (size_t i = 0; i < vms_layout_nregions(l); i++) {
		const struct vms_region *r = vms_layout_region(l, i);
		if (!strcmp(r->name, name))
			return r->start + (r->end - r->start) / 2;
	}
	return 0;
}

static void mismatch(uint64_t va, const char *what, const struct vms_xlate_result *r,
		     const struct vms_translation *t, int code, const char *vmsg, const char *xmsg)
{
	fprintf(stderr, "fuzz-xlate: vms_xlator_vtop and vms_vtop disagree on 0x%" PRIx64
		" (%s):\n  xlator: error %d paddr 0x%" PRIx64 " page_size 0x%" PRIx64 " '%s'\n"
		"  vtop:   error %d paddr 0x%" PRIx64 " page_size 0x%" PRIx64 " '%s'\n",
		va, what, r->error, r->paddr, r->page_size, xmsg, code, t->paddr, t->page_size,
		vmsg);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum { N = 2 * NVA * PER_VA + 4 };
	struct fmem f;
	struct vms_range r;
	struct vms_cpu_state cpu;
	vms_layout *l = NULL;
	vms_xlator *x = NULL;
	uint64_t va[N];
	struct vms_xlate_result res[N];
	size_t n = 0;
	char xmsg[2048];

	if (size < HDR + 4096)
		return 0;
	memset(&f, 0, sizeof(f));
	f.opts = data[0];
	f.geo = data[1];
	f.m = data + HDR;
	f.len = (size - HDR) & ~(size_t)4095;
	if (f.len > MAX_MEM)
		f.len = MAX_MEM;
	r.start = 0;
	r.end = f.len;
	memset(&cpu, 0, sizeof(cpu));
	cpu.has_qemu = true;
	cpu.cr[3] = 0x1000 & (f.len - 1);
	cpu.cr[4] = (f.opts & 1) ? 0x1000 : 0;
	bool a64 = f.opts & 0x80, have_cpu = !a64 && (f.opts & 2);
	struct vms_layout_input in = {
		.ctx = &f, .read_phys = fread_phys, .vmcoreinfo_get = fvmci,
		.arch = a64 ? VMS_ARCH_ARM64 : VMS_ARCH_X86_64, .ranges = &r, .nranges = 1,
		.cpus = have_cpu ? &cpu : NULL, .ncpus = have_cpu ? 1 : 0,
	};
	vms_error *err = vms_layout_detect_input(&in, NULL, &l);
	if (err) {
		vms_error_free(err);
		return 0;
	}
	l->scan_budget = 1u << 16;
	err = vms_xlator_new(l, &x);
	if (err) {
		vms_error_free(err);
		vms_layout_free(l);
		return 0;
	}

	/* The addresses: each given VA and its neighbours, then all again. */
	for (size_t i = 0; i < NVA; i++) {
		uint64_t v;
		memcpy(&v, data + 2 + 8 * i, 8);
		va[n++] = v;
		va[n++] = v + 1;
		va[n++] = v + 4096;
		va[n++] = v + (UINT64_C(1) << 21);
		va[n++] = v - (UINT64_C(1) << 30);
		va[n++] = v ^ (UINT64_C(1) << 47);
	}
	va[n++] = region_mid(l, a64 ? "linear-map" : "direct-map");
	va[n++] = region_mid(l, a64 ? "kernel-image" : "kernel-text");
	va[n++] = region_mid(l, "vmalloc");
	va[n++] = region_mid(l, "vmemmap");
	for (size_t i = 0; i < NVA * PER_VA; i++)
		va[n++] = va[i];
	(void)vms_xlator_vtop(x, va, n, res);

	for (size_t i = 0; i < n; i++) {
		struct vms_translation t;
		vms_error *e = vms_vtop(l, va[i], &t);
		int code = e ? (int)vms_error_code(e) : 0;
		const char *vmsg = e ? vms_error_message(e) : "";

		(void)vms_xlator_message(x, va[i], &res[i], xmsg, sizeof(xmsg));
		if (code != res[i].error)
			mismatch(va[i], "error code", &res[i], &t, code, vmsg, xmsg);
		if (!code && (t.paddr != res[i].paddr || t.page_size != res[i].page_size))
			mismatch(va[i], "translation", &res[i], &t, code, vmsg, xmsg);
		if (code && strcmp(vmsg, xmsg))
			mismatch(va[i], "message", &res[i], &t, code, vmsg, xmsg);
		vms_error_free(e);
	}
	vms_xlator_free(x);
	vms_layout_free(l);
	return 0;
}
