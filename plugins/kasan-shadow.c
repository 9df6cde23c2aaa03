/* kasan-shadow: KASAN's shadow memory, on x86_64 and arm64.
 *
 * Generic KASAN keeps one shadow byte per 8-byte granule at
 *	shadow = (addr >> 3) + KASAN_SHADOW_OFFSET
 * whose value says how much of the granule is accessible (0: all, 1..7: the
 * first N bytes) or why none is (redzone, freed...; mm/kasan/kasan.h).
 * Software tag-based KASAN (arm64) keeps one byte per 16-byte granule at
 * (untagged addr >> 4) + offset holding the memory tag, which must match the
 * pointer's top byte.  Hardware tag-based KASAN (arm64 MTE) has no shadow:
 * its tags live in MTE tag storage, which a dump does not hold.
 *
 * Everything is worked out from the dump, and each result says how:
 *  - the mode, from the kernel's symbols (kallsyms in the dump on 6.0+, or
 *    --vmlinux/--system-map): KASAN's runtime defines kasan_early_shadow_page
 *    for the shadow modes and __asan_* (generic) or __hwasan_* (sw-tags)
 *    entry points; without symbols, from the layout (the arm64 shadow
 *    region's size, or whether x86_64's shadow of the kernel text is mapped);
 *  - the offset, CONFIG_KASAN_SHADOW_OFFSET, which the user cannot choose:
 *    fixed on x86_64, a function of VA_BITS, the mode and the kernel version
 *    on arm64 (kasan_arm64_offset()); cross-checked against the page tables.
 *
 * `vmscope decode DUMP SHADOW-ADDR` says which granule a shadow byte covers
 * and what its value means (with --summary, counts shadow bytes by value);
 * `vmscope run kasan-shadow DUMP [ADDR...]` goes
 * from addresses to their shadow bytes, and with --state ADDR prints KASAN's
 * own "Memory state around the buggy address" view, as its reports do. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kasan-arith.h"

/* The report's view (mm/kasan/kasan.h): rows of 16 granules, 2 rows each
 * side of the buggy one. */
#define META_BLOCKS_PER_ROW 16
#define META_ROWS_AROUND_ADDR 2

enum kasan_mode { KM_UNKNOWN = 0, KM_NONE, KM_GENERIC, KM_SW_TAGS, KM_HW_TAGS };

static const char *mode_name(enum kasan_mode m)
{
	switch (m) {
	case KM_NONE: return "none";
	case KM_GENERIC: return "generic";
	case KM_SW_TAGS: return "sw-tags";
	case KM_HW_TAGS: return "hw-tags";
	default: return "unknown";
	}
}

/* What was found about the dump's KASAN, and how. */
struct kasan {
	enum vms_arch arch;
	enum kasan_mode mode;
	char mode_how[400];
	bool have_offset;
	uint64_t offset;
	unsigned int shift;	/* KASAN_SHADOW_SCALE_SHIFT: 3 generic, 4 sw-tags */
	char offset_how[256];
	char check[256];	/* cross-check of the offset, "" when none */
	bool check_failed;
	unsigned int va_bits;	/* arm64 CONFIG_ARM64_VA_BITS, 0 when unknown */
};

static bool sw_tags(const struct kasan *k)
{
	return k->mode == KM_SW_TAGS;
}

static uint64_t untag(const struct kasan *k, uint64_t addr)
{
	return kasan_untag(addr, sw_tags(k));
}

static uint64_t mem_to_shadow(const struct kasan *k, uint64_t addr)
{
	return kasan_mem_to_shadow(addr, k->offset, k->shift, sw_tags(k));
}

static uint64_t shadow_to_mem(const struct kasan *k, uint64_t shadow)
{
	return kasan_shadow_to_mem(shadow, k->offset, k->shift);
}

/* Generic KASAN's shadow values (mm/kasan/kasan.h). */
static const char *generic_meaning(uint8_t v)
{
	if (v == 0)
		return "all 8 bytes accessible";
	if (v < 8)
		return "partially accessible: only the first N bytes (N = the value)";
	switch (v) {
	case 0xff: return "freed page (KASAN_PAGE_FREE)";
	case 0xfe: return "redzone of a kmalloc_large allocation (KASAN_PAGE_REDZONE)";
	case 0xfc: return "slab object redzone (KASAN_SLAB_REDZONE)";
	case 0xfb: return "freed slab object (KASAN_SLAB_FREE)";
	case 0xfa: return "freed slab object, free track kept (KASAN_SLAB_FREETRACK)";
	case 0xf9: return "global variable redzone (KASAN_GLOBAL_REDZONE)";
	case 0xf8: return "inaccessible vmalloc space (KASAN_VMALLOC_INVALID; "
			  "KASAN_USE_AFTER_SCOPE before 5.4)";
	case 0xf1: return "stack left redzone (KASAN_STACK_LEFT)";
	case 0xf2: return "stack mid redzone (KASAN_STACK_MID)";
	case 0xf3: return "stack right redzone (KASAN_STACK_RIGHT)";
	case 0xf4: return "stack partial redzone (KASAN_STACK_PARTIAL)";
	case 0xca: return "alloca left redzone (KASAN_ALLOCA_LEFT)";
	case 0xcb: return "alloca right redzone (KASAN_ALLOCA_RIGHT)";
	}
	return "poisoned, unknown value";
}

/* Software tag-based KASAN's memory tags (include/linux/kasan-tags.h). */
static const char *tag_meaning(uint8_t v)
{
	switch (v) {
	case 0xff: return "KASAN_TAG_KERNEL: untagged memory, any pointer tag matches";
	case 0xfe: return "KASAN_TAG_INVALID: inaccessible (freed, redzone or never allocated)";
	}
	return "memory tag of an allocation: pointers must carry this tag";
}

/* ---- detection ----------------------------------------------------------- */

static bool sym(const vms_symtab *st, const char *name)
{
	return st && vms_symbol_by_name(st, name);
}

/* Parses "6.1.192-..." into major and minor; false when it does not parse. */
static bool kernel_version(vms_plugin_ctx *ctx, unsigned int *major, unsigned int *minor)
{
	const char *rel = vms_dump_vmcoreinfo_get(vms_ctx_dump(ctx), "OSRELEASE");

	return rel && sscanf(rel, "%u.%u", major, minor) == 2;
}

/* The mode from the symbols: what KASAN's runtime defines in each mode.
 * Names changed once: kasan_zero_page became kasan_early_shadow_page in 5.0. */
static void mode_from_symbols(struct kasan *k, const vms_symtab *st, const char *from)
{
	const char *early = sym(st, "kasan_early_shadow_page") ? "kasan_early_shadow_page"
			    : sym(st, "kasan_zero_page") ? "kasan_zero_page" : NULL;

	if (early && (sym(st, "__asan_load8") || sym(st, "__asan_load8_noabort"))) {
		k->mode = KM_GENERIC;
		snprintf(k->mode_how, sizeof(k->mode_how), "%s: %s and __asan_load8 are defined",
			 from, early);
	} else if (early && (sym(st, "__hwasan_load8_noabort") || sym(st, "kasan_tag_mismatch"))) {
		k->mode = KM_SW_TAGS;
		snprintf(k->mode_how, sizeof(k->mode_how), "%s: %s and __hwasan_load8_noabort "
			 "are defined", from, early);
	} else if (!early && (sym(st, "kasan_flag_enabled") || sym(st, "kasan_init_hw_tags"))) {
		k->mode = KM_HW_TAGS;
		snprintf(k->mode_how, sizeof(k->mode_how), "%s: kasan_init_hw_tags is defined, "
			 "no shadow page", from);
	} else if (early) {
		k->mode = KM_UNKNOWN;
		snprintf(k->mode_how, sizeof(k->mode_how), "%s: %s is defined but neither "
			 "__asan_* nor __hwasan_* entry points", from, early);
	} else {
		k->mode = KM_NONE;
		snprintf(k->mode_how, sizeof(k->mode_how), "%s: no KASAN runtime symbol "
			 "(kasan_early_shadow_page, __asan_load8, kasan_init_hw_tags)", from);
	}
}

static bool mapped(vms_plugin_ctx *ctx, uint64_t va)
{
	uint64_t pa;
	enum vms_page_status status;
	vms_error *err = vms_ctx_page_status(ctx, va, &pa, &status);

	vms_error_free(err);
	return !err;
}

/* Where the kernel text starts, to probe its shadow with. */
static bool text_start(vms_plugin_ctx *ctx, const vms_symtab *st, uint64_t *addr)
{
	const struct vms_symbol *s;

	if (vms_ctx_symbol(ctx, "_stext", addr))
		return true;
	if (st && (s = vms_symbol_by_name(st, "_stext"))) {
		*addr = s->addr;
		return true;
	}
	/* else the first mapped 2 MiB of the layout's kernel-text region:
	 * below _text the kernel unmaps it (x86_64 cleanup_highmap()) */
	for (size_t i = 0; i < vms_layout_nregions(vms_ctx_layout(ctx)); i++) {
		const struct vms_region *r = vms_layout_region(vms_ctx_layout(ctx), i);
		if (strcmp(r->name, "kernel-text") && strcmp(r->name, "kernel-image"))
			continue;
		for (uint64_t a = r->start, n = 0; a >= r->start && a <= r->end && n < 1024;
		     a += UINT64_C(2) << 20, n++) {
			if (mapped(ctx, a)) {
				*addr = a;
				return true;
			}
		}
	}
	return false;
}

/* The layout's kasan-shadow region, if it has one. */
static const struct vms_region *shadow_region(vms_plugin_ctx *ctx)
{
	vms_layout *l = vms_ctx_layout(ctx);

	for (size_t i = 0; i < vms_layout_nregions(l); i++)
		if (!strcmp(vms_layout_region(l, i)->name, "kasan-shadow"))
			return vms_layout_region(l, i);
	return NULL;
}

static void find_offset(vms_plugin_ctx *ctx, struct kasan *k, const vms_symtab *st)
{
	unsigned int major = 0, minor = 0;
	uint64_t text;

	k->shift = k->mode == KM_SW_TAGS ? 4 : 3;
	if (k->arch == VMS_ARCH_X86_64) {
		k->offset = X86_64_SHADOW_OFFSET;
		k->have_offset = true;
		snprintf(k->offset_how, sizeof(k->offset_how),
			 "CONFIG_KASAN_SHADOW_OFFSET, fixed on x86_64 (arch/x86/Kconfig)");
	} else {
		const struct vms_layout_value *va = vms_layout_get(vms_ctx_layout(ctx), VMS_LK_VA_BITS);
		bool have_ver = kernel_version(ctx, &major, &minor);

		if (!va->known) {
			snprintf(k->offset_how, sizeof(k->offset_how),
				 "unknown: the layout does not know VA_BITS");
			return;
		}
		k->va_bits = (unsigned int)va->value;
		if (!have_ver)
			major = 99;	/* the newest formula */
		k->offset = kasan_arm64_offset(k->va_bits, vms_layout_page_size(vms_ctx_layout(ctx)),
					       major, minor, k->shift);
		if (!k->offset) {
			snprintf(k->offset_how, sizeof(k->offset_how),
				 "unknown: VA_BITS %u is not an arm64 configuration", k->va_bits);
			return;
		}
		k->have_offset = true;
		if (have_ver)
			snprintf(k->offset_how, sizeof(k->offset_how), "CONFIG_KASAN_SHADOW_OFFSET "
				 "of arm64 %u.%u (VMCOREINFO OSRELEASE) for VA_BITS %u, %s",
				 major, minor, k->va_bits, mode_name(k->mode));
		else
			snprintf(k->offset_how, sizeof(k->offset_how), "CONFIG_KASAN_SHADOW_OFFSET "
				 "for VA_BITS %u, %s, assuming a 5.11+ kernel (no OSRELEASE)",
				 k->va_bits, mode_name(k->mode));
	}
	/* The shadow of the kernel text must be mapped: KASAN maps real
	 * shadow for the image before anything runs instrumented. */
	if (text_start(ctx, st, &text)) {
		uint64_t sh = mem_to_shadow(k, text);
		bool ok = mapped(ctx, sh);
		snprintf(k->check, sizeof(k->check), "the shadow 0x%" PRIx64 " of the text 0x%" PRIx64
			 " is %s", sh, text, ok ? "mapped" : "NOT mapped: wrong offset, or no KASAN");
		k->check_failed = !ok;
	}
	/* arm64's layout places the shadow too: [KASAN_SHADOW_START, END). */
	if (k->arch == VMS_ARCH_ARM64) {
		const struct vms_region *r = shadow_region(ctx);
		uint64_t end = k->offset + (UINT64_C(1) << (64 - k->shift));
		size_t n = strlen(k->check);
		if (r && n < sizeof(k->check) - 2)
			snprintf(k->check + n, sizeof(k->check) - n, "%sthe layout's kasan-shadow "
				 "region ends at 0x%" PRIx64 ", KASAN_SHADOW_END is 0x%" PRIx64,
				 n ? "; " : "", r->end + 1, end);
	}
}

/* Once the mode is known: the offset, and the symbols opened for it go. */
static vms_error *finish(vms_plugin_ctx *ctx, struct kasan *k, const vms_symtab *st,
			 vms_symtab *own)
{
	if (k->mode == KM_GENERIC || k->mode == KM_SW_TAGS)
		find_offset(ctx, k, st);
	else if (k->mode == KM_HW_TAGS)
		snprintf(k->offset_how, sizeof(k->offset_how), "none: hw-tags keeps its tags in "
			 "MTE tag storage, which the dump does not hold");
	else
		snprintf(k->offset_how, sizeof(k->offset_how), "none: no shadow");
	vms_symtab_free(own);
	return NULL;
}

/* arm64 without symbols nor a shadow region in the layout: probe the page
 * tables at the shadow of the kernel text, generic's offset first.  (Under
 * generic, sw-tags' probe lands inside generic's bigger shadow region and
 * is mapped too; under sw-tags, generic's lands below it, in the unused top
 * of the linear map.)  hw-tags has no shadow and reads as none. */
static void arm64_probe(vms_plugin_ctx *ctx, struct kasan *k, const char *from)
{
	static const enum kasan_mode modes[] = { KM_GENERIC, KM_SW_TAGS };
	uint64_t text;

	k->mode = KM_UNKNOWN;
	if (!text_start(ctx, NULL, &text)) {
		snprintf(k->mode_how, sizeof(k->mode_how), "no symbols (%s) and no kernel image "
			 "in the layout", from);
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		struct kasan t = *k;
		t.mode = modes[i];
		find_offset(ctx, &t, NULL);
		if (t.have_offset && !t.check_failed && t.check[0]) {
			k->mode = modes[i];
			snprintf(k->mode_how, sizeof(k->mode_how), "the page tables: the shadow of the "
				 "kernel text at %s's offset is mapped (no symbols: %s)",
				 mode_name(modes[i]), from);
			return;
		}
	}
	k->mode = KM_NONE;
	snprintf(k->mode_how, sizeof(k->mode_how), "the page tables: the shadow of the kernel "
		 "text is mapped at neither generic's nor sw-tags' offset: no KASAN, or hw-tags "
		 "(no symbols: %s)", from);
}

static vms_error *detect(vms_plugin_ctx *ctx, struct kasan *k)
{
	const vms_symtab *st = vms_ctx_symtab(ctx);
	vms_symtab *own = NULL;
	char from[256];

	memset(k, 0, sizeof(*k));
	k->arch = vms_dump_arch(vms_ctx_dump(ctx));
	if (k->arch != VMS_ARCH_X86_64 && k->arch != VMS_ARCH_ARM64)
		return vms_error_create(VMS_ERR_UNSUPPORTED,
					"KASAN shadow decoding is implemented for x86_64 and arm64");
	if (st) {
		snprintf(from, sizeof(from), "the symbols (%s)",
			 vms_symtab_source_name(vms_symtab_source(st)));
	} else {
		/* `decode` loads no symbols for this region: read kallsyms
		 * from the dump ourselves (Linux 6.0+). */
		vms_error *err = vms_symtab_open(vms_ctx_layout(ctx), NULL, &own);
		if (err) {
			snprintf(from, sizeof(from), "%s", vms_error_message(err));
			vms_error_free(err);
		} else {
			st = own;
			snprintf(from, sizeof(from), "the symbols (kallsyms)");
		}
	}
	if (st) {
		mode_from_symbols(k, st, from);
	} else if (k->arch == VMS_ARCH_ARM64) {
		/* Without symbols, the layout: the shadow takes 2^(VA-3)
		 * (generic) or 2^(VA-4) (sw-tags) of address space. */
		const struct vms_region *r = shadow_region(ctx);
		const struct vms_layout_value *va = vms_layout_get(vms_ctx_layout(ctx), VMS_LK_VA_BITS);
		uint64_t size = r ? r->end - r->start + 1 : 0;
		if (va->known && va->value > 4 && va->value < 64 && size == UINT64_C(1) << (va->value - 3)) {
			k->mode = KM_GENERIC;
		} else if (va->known && va->value > 4 && va->value < 64 &&
			   size == UINT64_C(1) << (va->value - 4)) {
			k->mode = KM_SW_TAGS;
		} else {
			arm64_probe(ctx, k, from);
			return finish(ctx, k, st, own);
		}
		snprintf(k->mode_how, sizeof(k->mode_how), "the layout's kasan-shadow region "
			 "(0x%" PRIx64 " bytes; no symbols: %s)", size, from);
	} else {
		/* x86_64 has generic KASAN only: its shadow of the text is
		 * mapped exactly when the kernel has KASAN. */
		uint64_t text;
		struct kasan g = { .arch = k->arch, .mode = KM_GENERIC, .shift = 3,
				   .offset = X86_64_SHADOW_OFFSET };
		if (text_start(ctx, NULL, &text)) {
			bool m = mapped(ctx, mem_to_shadow(&g, text));
			k->mode = m ? KM_GENERIC : KM_NONE;
			snprintf(k->mode_how, sizeof(k->mode_how), "the page tables: the shadow of "
				 "the kernel text is %smapped (no symbols: %s)", m ? "" : "not ", from);
		} else {
			k->mode = KM_UNKNOWN;
			snprintf(k->mode_how, sizeof(k->mode_how), "no symbols (%s) and no "
				 "kernel text in the layout", from);
		}
	}
	return finish(ctx, k, st, own);
}

static void emit_info(vms_out *out, const struct kasan *k)
{
	vms_out_object_begin(out, "kasan");
	vms_out_str(out, "mode", mode_name(k->mode));
	vms_out_str(out, "mode_source", k->mode_how);
	if (k->have_offset) {
		vms_out_hex(out, "shadow_offset", k->offset);
		vms_out_uint(out, "scale_shift", k->shift);
		vms_out_uint(out, "granule", 1u << k->shift);
	} else {
		vms_out_null(out, "shadow_offset");
	}
	vms_out_str(out, "offset_source", k->offset_how);
	if (k->check[0])
		vms_out_str(out, "offset_check", k->check);
	vms_out_object_end(out);
}

/* A decoder on a dump without a usable shadow says so plainly. */
static vms_error *need_shadow(const struct kasan *k)
{
	if (k->have_offset)
		return NULL;
	if (k->mode == KM_NONE)
		return vms_error_create(VMS_ERR_UNSUPPORTED, "this kernel has no KASAN (%s)",
					k->mode_how);
	if (k->mode == KM_HW_TAGS)
		return vms_error_create(VMS_ERR_UNSUPPORTED, "this kernel uses hardware tag-based "
					"KASAN (MTE): no shadow memory, and the dump holds no tags");
	return vms_error_create(VMS_ERR_UNSUPPORTED, "cannot tell where this kernel's KASAN "
				"shadow is: mode %s (%s); offset %s", mode_name(k->mode),
				k->mode_how, k->offset_how);
}

/* ---- decoding ------------------------------------------------------------ */

/* Reads the shadow byte at `shadow`; false (with the reason in why) when the
 * dump cannot give it. */
static bool read_shadow(vms_plugin_ctx *ctx, uint64_t shadow, uint8_t *v, char *why, size_t n)
{
	uint64_t x;
	vms_error *err = vms_ctx_read_uint(ctx, shadow, 1, &x);

	if (err) {
		snprintf(why, n, "%s", vms_error_message(err));
		vms_error_free(err);
		return false;
	}
	*v = (uint8_t)x;
	return true;
}

static void emit_byte(vms_plugin_ctx *ctx, const struct kasan *k, uint64_t addr, uint64_t shadow,
		      bool have_ptr)
{
	vms_out *out = vms_ctx_out(ctx);
	char why[256];
	uint8_t v;

	if (!read_shadow(ctx, shadow, &v, why, sizeof(why))) {
		vms_out_strf(out, "shadow_byte", "unreadable: %s", why);
		return;
	}
	vms_out_hex(out, "shadow_byte", v);
	if (k->mode == KM_GENERIC) {
		vms_out_str(out, "meaning", generic_meaning(v));
		if (have_ptr && v != 0 && v < 8)
			vms_out_bool(out, "accessible",
				     (untag(k, addr) & ((1u << k->shift) - 1)) < v);
		else if (have_ptr)
			vms_out_bool(out, "accessible", v == 0);
	} else {
		uint8_t ptag = (uint8_t)(addr >> 56);
		vms_out_str(out, "meaning", tag_meaning(v));
		if (have_ptr) {
			vms_out_hex(out, "pointer_tag", ptag);
			/* 0xff pointers match any memory (kasan_check_range) */
			vms_out_bool(out, "tags_match", ptag == 0xff || ptag == v);
		}
	}
}

/* decode --summary: how many of `count` shadow bytes from the address hold
 * each value, i.e. the state of the memory they cover.  Read a page at a
 * time; pages the dump lacks are counted apart. */
#define SUMMARY_DEFAULT 4096
#define SUMMARY_MAX (UINT64_C(1) << 26)
static vms_error *summarise(vms_plugin_ctx *ctx, const struct kasan *k,
			    const struct vms_decode_request *req)
{
	vms_out *out = vms_ctx_out(ctx);
	uint64_t count = req->count ? req->count : SUMMARY_DEFAULT, hist[256] = { 0 }, missing = 0;
	uint8_t buf[4096];

	if (count > SUMMARY_MAX)
		return vms_error_create(VMS_ERR_INVALID, "--count %" PRIu64 " is over the %" PRIu64
					" shadow bytes a summary reads", count, SUMMARY_MAX);
	if (req->addr + count - 1 < req->addr)
		return vms_error_create(VMS_ERR_INVALID, "--count runs past the end of the address space");
	for (uint64_t done = 0; done < count;) {
		uint64_t a = req->addr + done, n = sizeof(buf) - (a & (sizeof(buf) - 1));
		vms_error *err;
		if (n > count - done)
			n = count - done;
		err = vms_ctx_read_virt(ctx, a, buf, (size_t)n, 0);
		if (err) {
			vms_error_free(err);
			missing += n;
		} else {
			for (uint64_t i = 0; i < n; i++)
				hist[buf[i]]++;
		}
		done += n;
	}
	vms_out_hex(out, "covers_start", shadow_to_mem(k, req->addr));
	vms_out_hex(out, "covers_end", shadow_to_mem(k, req->addr + count) - 1);
	vms_out_uint(out, "shadow_bytes", count);
	vms_out_uint(out, "unreadable", missing);
	vms_out_array_begin(out, "values");
	for (unsigned int v = 0; v < 256; v++) {
		if (!hist[v])
			continue;
		vms_out_object_begin(out, NULL);
		vms_out_hex(out, "value", v);
		vms_out_uint(out, "count", hist[v]);
		vms_out_str(out, "meaning", k->mode == KM_GENERIC ? generic_meaning((uint8_t)v)
								   : tag_meaning((uint8_t)v));
		vms_out_object_end(out);
	}
	vms_out_array_end(out);
	return NULL;
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	vms_out *out = vms_ctx_out(ctx);
	struct kasan k;
	vms_error *err = detect(ctx, &k);
	uint64_t covered;

	if (!err)
		err = need_shadow(&k);
	if (err)
		return err;
	covered = shadow_to_mem(&k, req->addr);
	emit_info(out, &k);
	if (req->summary)
		return summarise(ctx, &k, req);
	vms_out_hex(out, "covers_start", covered);
	vms_out_hex(out, "covers_end", covered + (UINT64_C(1) << k.shift) - 1);
	vms_out_str(out, "covers_region", vms_region_of(vms_ctx_layout(ctx), covered)->name);
	emit_byte(ctx, &k, covered, req->addr, false);
	return NULL;
}

/* KASAN's "Memory state around the buggy address" (mm/kasan/report.c,
 * print_memory_metadata): rows of 16 shadow bytes, the buggy row marked
 * with '>' and a '^' under the buggy granule, 2 rows either side. */
static void memory_state(vms_plugin_ctx *ctx, const struct kasan *k, uint64_t addr)
{
	vms_out *out = vms_ctx_out(ctx);
	uint64_t a = untag(k, addr), span = (uint64_t)META_BLOCKS_PER_ROW << k->shift;
	uint64_t row = (a & ~(span - 1)) - META_ROWS_AROUND_ADDR * span;

	vms_out_object_begin(out, "memory_state");
	vms_out_hex(out, "address", a);
	vms_out_text_fields(out, false);
	vms_out_text(out, "Memory state around the buggy address:");
	vms_out_array_begin(out, "rows");
	for (int i = -META_ROWS_AROUND_ADDR; i <= META_ROWS_AROUND_ADDR; i++, row += span) {
		char hex[META_BLOCKS_PER_ROW * 3 + 1], why[256];
		bool guilty = row <= a && a - row < span;
		size_t n = 0;
		unsigned int unreadable = 0;

		for (int b = 0; b < META_BLOCKS_PER_ROW; b++) {
			uint8_t v;
			if (read_shadow(ctx, mem_to_shadow(k, row) + (uint64_t)b, &v, why, sizeof(why))) {
				n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%s%02x", b ? " " : "", v);
			} else {
				n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%s??", b ? " " : "");
				unreadable++;
			}
		}
		vms_out_text(out, "%c%016" PRIx64 ": %s", i == 0 ? '>' : ' ', row, hex);
		vms_out_object_begin(out, NULL);
		vms_out_hex(out, "address", row);
		vms_out_hex(out, "shadow", mem_to_shadow(k, row));
		vms_out_str(out, "bytes", hex);
		vms_out_bool(out, "buggy_row", i == 0);
		if (unreadable)
			vms_out_strf(out, "unreadable", "%u byte(s): %s", unreadable, why);
		if (guilty) {
			/* meta_pointer_offset(): ">%016lx: " then 3 columns a granule */
			int col = 3 + 16 + (int)((a - row) >> k->shift) * 3 + 1;
			vms_out_uint(out, "caret_column", (uint64_t)col);
			vms_out_text(out, "%*c", col, '^');
		}
		vms_out_object_end(out);
	}
	vms_out_array_end(out);
	vms_out_text_fields(out, true);
	vms_out_object_end(out);
}

static vms_error *parse_addr(const char *s, uint64_t *a)
{
	char *end;

	*a = strtoull(s, &end, 16);
	if (*end || end == s || *s == '-')
		return vms_error_create(VMS_ERR_INVALID, "bad address '%s'", s);
	return NULL;
}

static const char shadow_help[] =
	"Usage: vmscope run kasan-shadow [OPTIONS] DUMP... [--state] [ADDR...]\n"
	"KASAN's shadow memory, from the dump alone.  Always says the KASAN mode\n"
	"(generic, sw-tags, hw-tags or none), the shadow offset and how each was\n"
	"found.  For each ADDR (hex): its shadow address, the shadow byte and what\n"
	"it means (generic: accessible bytes or the kind of redzone; sw-tags: the\n"
	"memory tag, compared with the pointer's top-byte tag).\n"
	"  --state ADDR   KASAN's own \"Memory state around the buggy address\" view\n"
	"                 of ADDR, as a KASAN report prints it: 5 rows of 16 shadow\n"
	"                 bytes, '>' on the row of ADDR and '^' under its granule\n"
	"Options before DUMP: --json, --vmlinux=FILE, --system-map=FILE (symbols\n"
	"default to kallsyms in the dump, Linux 6.0+), and those of 'vmscope run'.\n";

static vms_error *cmd_shadow(vms_plugin_ctx *ctx, int argc, char **argv)
{
	vms_out *out = vms_ctx_out(ctx);
	struct kasan k;
	vms_error *err;
	bool state = false;
	int first = 1;

	for (; first < argc && argv[first][0] == '-' && argv[first][1] == '-'; first++) {
		if (!strcmp(argv[first], "--state"))
			state = true;
		else
			return vms_error_create(VMS_ERR_INVALID, "unknown option '%s'", argv[first]);
	}
	if (state && argc - first != 1)
		return vms_error_create(VMS_ERR_INVALID, "--state takes exactly one address");
	/* Check every address before any output. */
	for (int i = first; i < argc; i++) {
		uint64_t a;
		if ((err = parse_addr(argv[i], &a)))
			return err;
	}
	if ((err = detect(ctx, &k)))
		return err;
	emit_info(out, &k);
	if (first == argc)
		return k.check_failed ? vms_error_create(VMS_ERR_CORRUPT, "%s", k.check) : NULL;
	if ((err = need_shadow(&k)))
		return err;
	if (state) {
		uint64_t a;
		parse_addr(argv[first], &a);
		memory_state(ctx, &k, a);
		return NULL;
	}
	vms_out_array_begin(out, "results");
	for (int i = first; i < argc; i++) {
		uint64_t a, shadow;
		parse_addr(argv[i], &a);
		shadow = mem_to_shadow(&k, a);
		vms_out_object_begin(out, NULL);
		vms_out_hex(out, "address", a);
		vms_out_hex(out, "shadow", shadow);
		vms_out_str(out, "shadow_region", vms_region_of(vms_ctx_layout(ctx), shadow)->name);
		emit_byte(ctx, &k, a, shadow, true);
		vms_out_object_end(out);
	}
	vms_out_array_end(out);
	return NULL;
}

static const char *const regions[] = { "kasan-shadow", NULL };
static const struct vms_plugin_command commands[] = {
	{ "kasan-shadow", "KASAN mode and offset; address to shadow byte; KASAN's memory-state view",
	  shadow_help, cmd_shadow },
};

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "kasan-shadow",
	.version = "2.0",
	.description = "KASAN shadow (x86_64, arm64): mode and offset detection, address <-> "
		       "shadow, byte meanings, the report's memory-state view",
	.regions = regions,
	.decode = decode,
	.commands = commands,
	.ncommands = 1,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
