/* libFuzzer harness: the x86_64 page-table walker and layout detector over
 * fuzzed physical memory.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Ilib -Iformats -Ianalyzer \
 *       tests/fuzz/fuzz-walk.c analyzer/{layout,walk,x86_64}.c + libvmscope-internal
 *
 * Input layout: byte 0 picks options (bit 0: 5-level via CR4, bit 1: give a
 * CR3, bit 2: SME mask bit 47, bit 3: a VMCOREINFO root symbol), bytes 1..8
 * are the VA to translate, the rest is physical memory from PA 0 (its
 * length, rounded down to pages, is the whole "dump").  The root is PA 0.
 * Whatever the bytes, detection and walks must end, without crashing, in
 * bounded time (the scan budget is lowered to keep runs fast).
 */
#include <stdlib.h>
#include <string.h>

#include <vmscope/analyzer.h>
#include "layout-priv.h"
#include "fmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fmem {
	const uint8_t *m;
	size_t len;
	uint8_t opts;
};

static vms_error *fread_phys(void *ctx, uint64_t pa, void *buf, size_t len, unsigned int flags)
{
	const struct fmem *f = ctx;

	return fmem_read(f->m, f->len, pa, buf, len, flags);
}

static const char *fvmci(void *ctx, const char *key)
{
	struct fmem *f = ctx;

	if ((f->opts & 4) && !strcmp(key, "NUMBER(sme_mask)"))
		return "140737488355328";
	if ((f->opts & 8) && !strcmp(key, "SYMBOL(init_top_pgt)"))
		return "ffffffff80000000";
	if ((f->opts & 8) && !strcmp(key, "NUMBER(phys_base)"))
		return "0";
	if ((f->opts & 8) && !strcmp(key, "SYMBOL(mem_section)"))
		return "ffff888000000100";
	if ((f->opts & 8) && !strcmp(key, "SIZE(mem_section)"))
		return "16";
	if ((f->opts & 8) && !strcmp(key, "OFFSET(mem_section.section_mem_map)"))
		return "0";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fmem f;
	struct vms_range r;
	struct vms_cpu_state cpu;
	struct vms_translation t;
	vms_layout *l = NULL;
	uint64_t va = 0;

	if (size < 9 + 4096)
		return 0;
	f.opts = data[0];
	memcpy(&va, data + 1, 8);
	f.m = data + 9;
	f.len = (size - 9) & ~(size_t)4095;
	/* Keep memory small so the root scan stays fast. */
	if (f.len > (1u << 20))
		f.len = 1u << 20;
	r.start = 0;
	r.end = f.len;
	memset(&cpu, 0, sizeof(cpu));
	cpu.has_qemu = true;
	cpu.cr[3] = 0x1000 & (f.len - 1);
	cpu.cr[4] = (f.opts & 1) ? 0x1000 : 0;
	struct vms_layout_input in = {
		.ctx = &f, .read_phys = fread_phys, .vmcoreinfo_get = fvmci,
		.arch = VMS_ARCH_X86_64, .ranges = &r, .nranges = 1,
		.cpus = (f.opts & 2) ? &cpu : NULL, .ncpus = (f.opts & 2) ? 1 : 0,
	};
	vms_error *err = vms_layout_detect_input(&in, NULL, &l);
	if (err) {
		vms_error_free(err);
		return 0;
	}
	l->scan_budget = 1u << 16;
	vms_error_free(vms_vtop(l, va, &t));
	vms_error_free(vms_vtop_pgd(l, 0, va, &t));
	struct vms_ptov p;
	vms_error_free(vms_ptov(l, va & 0xffffffff, &p));
	(void)vms_region_of(l, va);
	vms_layout_free(l);
	return 0;
}
