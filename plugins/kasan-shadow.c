/* kasan-shadow: KASAN's shadow memory.  Generic KASAN keeps one shadow byte
 * per 8 bytes of kernel memory at (addr >> 3) + KASAN_SHADOW_OFFSET.
 * `decode` on a shadow address gives the range it covers and the meaning
 * of its byte; `vmscope run kasan-shadow DUMP ADDR...` goes the other way,
 * from an address to its shadow byte.  x86_64 only (its offset is fixed:
 * CONFIG_KASAN_SHADOW_OFFSET = 0xdffffc0000000000). */
#include <inttypes.h>
#include <stdlib.h>

#include "common.h"

#define X86_64_SHADOW_OFFSET 0xdffffc0000000000ull
#define SHADOW_SCALE_SHIFT 3

/* Generic KASAN's shadow values (mm/kasan/kasan.h). */
static const char *meaning(uint8_t v)
{
	if (v == 0)
		return "all 8 bytes accessible";
	if (v < 8)
		return "only the first N bytes accessible (N = the value)";
	switch (v) {
	case 0xff: return "freed page (KASAN_PAGE_FREE)";
	case 0xfe: return "page redzone (KASAN_PAGE_REDZONE)";
	case 0xfc: return "slab redzone (KASAN_SLAB_REDZONE)";
	case 0xfb: return "freed slab object (KASAN_SLAB_FREE)";
	case 0xfa: return "freed slab object with free track (KASAN_SLAB_FREETRACK)";
	case 0xf9: return "global redzone (KASAN_GLOBAL_REDZONE)";
	case 0xf8: return "vmalloc invalid / use after scope (KASAN_VMALLOC_INVALID)";
	case 0xf1: return "stack left redzone (KASAN_STACK_LEFT)";
	case 0xf2: return "stack mid redzone (KASAN_STACK_MID)";
	case 0xf3: return "stack right redzone (KASAN_STACK_RIGHT)";
	case 0xca: return "alloca left redzone (KASAN_ALLOCA_LEFT)";
	case 0xcb: return "alloca right redzone (KASAN_ALLOCA_RIGHT)";
	}
	return "unknown (poisoned)";
}

static vms_error *check_arch(vms_plugin_ctx *ctx)
{
	if (vms_dump_arch(vms_ctx_dump(ctx)) != VMS_ARCH_X86_64)
		return vms_error_create(VMS_ERR_UNSUPPORTED, "KASAN shadow decoding is implemented for x86_64 only");
	return NULL;
}

/* Reads and describes the shadow byte at `shadow`. */
static void emit_byte(vms_plugin_ctx *ctx, uint64_t shadow)
{
	vms_out *out = vms_ctx_out(ctx);
	uint64_t v;
	vms_error *err = vms_ctx_read_uint(ctx, shadow, 1, &v);

	if (err) {
		/* A kernel without CONFIG_KASAN leaves the region unmapped. */
		vms_out_strf(out, "shadow_byte", "unreadable: %s (kernel built without KASAN?)",
			     vms_error_message(err));
		vms_error_free(err);
		return;
	}
	vms_out_hex(out, "shadow_byte", v);
	vms_out_str(out, "meaning", meaning((uint8_t)v));
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	vms_out *out = vms_ctx_out(ctx);
	vms_error *err = check_arch(ctx);
	uint64_t covered;

	if (err)
		return err;
	covered = (req->addr - X86_64_SHADOW_OFFSET) << SHADOW_SCALE_SHIFT;
	vms_out_hex(out, "covers_start", covered);
	vms_out_hex(out, "covers_end", covered + (1u << SHADOW_SCALE_SHIFT) - 1);
	vms_out_str(out, "covers_region", vms_region_of(vms_ctx_layout(ctx), covered)->name);
	emit_byte(ctx, req->addr);
	return NULL;
}

static vms_error *cmd_shadow(vms_plugin_ctx *ctx, int argc, char **argv)
{
	vms_out *out = vms_ctx_out(ctx);
	vms_error *err = check_arch(ctx);

	if (err)
		return err;
	if (argc < 2)
		return vms_error_create(VMS_ERR_INVALID, "no address given");
	vms_out_array_begin(out, "results");
	for (int i = 1; i < argc; i++) {
		char *end;
		uint64_t a = strtoull(argv[i], &end, 16), shadow;
		if (*end || end == argv[i]) {
			err = vms_error_create(VMS_ERR_INVALID, "bad address '%s'", argv[i]);
			break;
		}
		shadow = (a >> SHADOW_SCALE_SHIFT) + X86_64_SHADOW_OFFSET;
		vms_out_object_begin(out, NULL);
		vms_out_hex(out, "address", a);
		vms_out_hex(out, "shadow", shadow);
		vms_out_str(out, "shadow_region", vms_region_of(vms_ctx_layout(ctx), shadow)->name);
		emit_byte(ctx, shadow);
		vms_out_object_end(out);
	}
	vms_out_array_end(out);
	return err;
}

static const char *const regions[] = { "kasan-shadow", NULL };
static const struct vms_plugin_command commands[] = {
	{ "kasan-shadow", "address to KASAN shadow address and byte", NULL, cmd_shadow },
};

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "kasan-shadow",
	.version = "1.0",
	.description = "KASAN shadow: address <-> shadow address, meaning of shadow bytes (x86_64)",
	.regions = regions,
	.decode = decode,
	.commands = commands,
	.ncommands = 1,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
