/* Small helpers the built-in plugins share.  Header-only and built on the
 * public ABI alone, so each plugin stays a self-contained shared object. */
#ifndef VMS_PLUGINS_COMMON_H
#define VMS_PLUGINS_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <vmscope/plugin.h>

/* An unsigned field of `width` bytes at buf + off, in the dump's byte order;
 * the caller has checked that it lies within the buffer. */
static inline uint64_t pl_get(const void *buf, size_t off, size_t width, bool be)
{
	const uint8_t *b = (const uint8_t *)buf + off;
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)b[be ? width - 1 - i : i] << (8 * i);
	return v;
}

/* True when err is NULL; frees err otherwise.  For reads whose failure only
 * means "not known": the error must still be freed. */
static inline bool pl_ok(vms_error *err)
{
	bool ok = !err;

	vms_error_free(err);
	return ok;
}

/* OFFSET(name) that must fit a field of `width` bytes inside a struct of
 * `size` bytes: a hostile VMCOREINFO must not make us read past a buffer. */
static inline vms_error *pl_offset(vms_plugin_ctx *ctx, const char *name, size_t width,
				   uint64_t size, uint64_t *out)
{
	int64_t v;
	vms_error *err;

	*out = 0;	/* set on every path: callers chain these with || */
	err = vms_ctx_vmcoreinfo(ctx, "OFFSET", name, &v);

	if (err)
		return err;
	if (v < 0 || (uint64_t)v > size || size - (uint64_t)v < width)
		return vms_error_create(VMS_ERR_CORRUPT,
					"VMCOREINFO OFFSET(%s)=%lld lies outside its %llu-byte struct",
					name, (long long)v, (unsigned long long)size);
	*out = (uint64_t)v;
	return NULL;
}

/* SIZE(name), bounded by `max` (a sanity cap, not a kernel fact). */
static inline vms_error *pl_size(vms_plugin_ctx *ctx, const char *name, uint64_t max,
				 uint64_t *out)
{
	int64_t v;
	vms_error *err;

	*out = 0;
	err = vms_ctx_vmcoreinfo(ctx, "SIZE", name, &v);

	if (err)
		return err;
	if (v <= 0 || (uint64_t)v > max)
		return vms_error_create(VMS_ERR_CORRUPT, "VMCOREINFO SIZE(%s)=%lld is implausible",
					name, (long long)v);
	*out = (uint64_t)v;
	return NULL;
}

#endif
