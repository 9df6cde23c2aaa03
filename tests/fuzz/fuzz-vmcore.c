/* libFuzzer harness: what vmscope reads out of a dump's memory, as the
 * commands do: VMCOREINFO-driven layout detection (analyzer/layout.c,
 * x86_64.c), kallsyms (analyzer/kallsyms.c) and the built-in plugins'
 * decoders (plugins/dmesg.c, vmalloc.c, vmemmap.c + page.c, direct-map.c,
 * kernel-text.c) called through the plugin host's context, emitter and
 * vms_plugin_decode(), as `vmscope decode` / `dmesg` / `run ksym` do.
 *
 * Input layout: byte 0 the action (bits 0-2: 0 symbols and layout queries,
 * 1 dmesg, 2 vmalloc, 3 vmemmap, 4 direct-map, 5 kernel-text, 6 ksym,
 * 7 dmesg --level; bit 3: --summary; bit 4: JSON; bits 5-7: --count
 * 0..7 pages), bytes 1..8 the address to decode (little-endian), then
 * LE16 N, N bytes of VMCOREINFO text, and the rest physical memory from
 * PA 0 (at most 256 KiB).  vmcore.h says how the dump is built around them
 * (page tables mapping the direct map, vmalloc, vmemmap and kernel text
 * onto that memory with 1 GiB pages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/plugin.h>
#include <vmscope/symbols.h>
#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const struct vms_plugin *fuzz_plugin_entry_dmesg(void);
const struct vms_plugin *fuzz_plugin_entry_vmalloc(void);
const struct vms_plugin *fuzz_plugin_entry_vmemmap(void);
const struct vms_plugin *fuzz_plugin_entry_direct_map(void);
const struct vms_plugin *fuzz_plugin_entry_kernel_text(void);

static volatile uint64_t sink;

static void symbols_and_layout(vms_layout *l, const vms_symtab *st, uint64_t addr)
{
	static const char *const names[] = { "_stext", "init_task", "prb", "vmap_area_list", "" };
	struct vms_translation t;
	struct vms_ptov pv;
	uint64_t off = 0, v;
	uint8_t buf[64];

	if (st) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct vms_symbol *s = vms_symbol_by_name(st, names[i]);
			if (s)
				sink += s->addr + strlen(s->name);
		}
		const struct vms_symbol *s = vms_symbol_by_addr(st, addr, &off);
		if (s)
			sink += off + s->size + strlen(s->name);
		for (size_t i = 0; i < vms_symtab_count(st) && i < 64; i++)
			sink += vms_symtab_get(st, i)->addr;
	}
	fuzz_check(vms_vtop(l, addr, &t));
	fuzz_check(vms_ptov(l, addr & 0xfffffff, &pv));
	fuzz_check(vms_read_virt(l, addr, buf, sizeof(buf), VMS_READ_ZERO_FILL));
	fuzz_check(vms_pfn_to_page(l, addr >> 12, &v));
	fuzz_check(vms_page_to_pfn(l, addr, &v));
	for (int k = 0; k < VMS_LK__COUNT; k++)
		sink += vms_layout_get(l, (enum vms_layout_key)k)->value;
	sink += vms_region_of(l, addr)->start;
}

static void run_plugin(struct fuzz_vmcore *vc, const vms_symtab *st, const char *st_err,
		       uint8_t action, uint64_t addr, FILE *devnull)
{
	const struct vms_plugin *p;
	const struct vms_region *r = vms_region_of(vc->layout, addr);
	vms_out *out = NULL;
	vms_plugin_ctx *ctx = NULL;

	switch (action & 7) {
	case 1: case 7: p = fuzz_plugin_entry_dmesg(); break;
	case 2: p = fuzz_plugin_entry_vmalloc(); break;
	case 3: p = fuzz_plugin_entry_vmemmap(); break;
	case 4: p = fuzz_plugin_entry_direct_map(); break;
	default: p = fuzz_plugin_entry_kernel_text(); break;
	}
	if (vms_out_new(devnull, action & 16, &out))
		abort();
	fuzz_check(vms_plugin_ctx_new(vc->dump, vc->layout, st, st_err, out, &ctx));
	if (!ctx)
		abort();
	if ((action & 7) == 1 || (action & 7) == 7 || (action & 7) == 6) {
		/* The commands, as `vmscope dmesg [--level]` and `run ksym`. */
		char a0[] = "dmesg", a1[] = "--level", k0[] = "ksym", k1[] = "_stext",
		     k2[] = "init_task";
		char *dargv[] = { a0, a1, NULL }, *kargv[] = { k0, k1, k2, NULL };
		const struct vms_plugin_command *c = &p->commands[0];
		if ((action & 7) == 6)
			fuzz_check(c->run(ctx, 3, kargv));
		else
			fuzz_check(c->run(ctx, (action & 7) == 7 ? 2 : 1, dargv));
	} else {
		struct vms_decode_request req = {
			.size = sizeof(req), .addr = addr, .region = r->name,
			.region_start = r->start, .region_end = r->end,
			.summary = action & 8, .count = action >> 5,
		};
		fuzz_check(vms_plugin_decode(p, ctx, &req));
	}
	vms_out_finish(out);
	vms_plugin_ctx_free(ctx);
	vms_out_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct fuzz_vmcore vc;
	const uint8_t *vmci, *mem;
	size_t vlen, mlen;
	uint64_t addr = 0;
	vms_symtab *st = NULL;
	vms_error *st_err;

	if (size < 9)
		return 0;
	/* FUZZ_VERBOSE=1 shows what the plugins print (to check seeds). */
	if (!devnull && !(devnull = getenv("FUZZ_VERBOSE") ? stdout : fopen("/dev/null", "w")))
		abort();
	for (int i = 0; i < 8; i++)
		addr |= (uint64_t)data[1 + i] << (8 * i);
	fuzz_vmcore_split(data + 9, size - 9, &vmci, &vlen, &mem, &mlen);
	fuzz_vmcore_open(vmci, vlen, mem, mlen, &vc);
	if (!vc.layout) {
		fuzz_vmcore_close(&vc);
		return 0;
	}
	/* Symbols from kallsyms in the dump, as the commands load them. */
	st_err = vms_symtab_open(vc.layout, NULL, &st);
	if (!(data[0] & 7))
		symbols_and_layout(vc.layout, st, addr);
	else
		run_plugin(&vc, st, st_err ? vms_error_message(st_err) : NULL, data[0], addr, devnull);
	if (getenv("FUZZ_VERBOSE"))
		printf("\n-- layout %s, symbols: %s\n", vc.layout ? "detected" : "none",
		       st_err ? vms_error_message(st_err) : "kallsyms");
	fuzz_check(st_err);
	vms_symtab_free(st);
	fuzz_vmcore_close(&vc);
	return 0;
}
