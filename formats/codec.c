/* Page codecs of the kdump-compressed format: zlib (zlib wrapper), LZO1X,
 * snappy (raw block) and zstd (one frame).  There is no global state: a call
 * either builds what it needs or reuses the caller's vms_codec_ctx, which
 * keeps the zlib stream and zstd context alive between pages (setting those
 * up costs more than inflating a 4 KiB page).  A context serves one thread
 * at a time. */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <zlib.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zstd.h>

#include "dump-priv.h"
#include "error-priv.h"
#include <string.h>

const char *vms_compress_name(unsigned int method)
{
	switch (method) {
	case VMS_COMPRESS_ZLIB:		return "zlib";
	case VMS_COMPRESS_LZO:		return "lzo";
	case VMS_COMPRESS_SNAPPY:	return "snappy";
	case VMS_COMPRESS_ZSTD:		return "zstd";
	default:			return "unknown";
	}
}

struct vms_codec_ctx {
	bool have_zs;
	z_stream zs;
	ZSTD_DCtx *zstd;
};

vms_error *vms_codec_ctx_new(struct vms_codec_ctx **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? NULL : VMS_ENOMEM;
}

void vms_codec_ctx_free(struct vms_codec_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->have_zs)
		inflateEnd(&ctx->zs);
	ZSTD_freeDCtx(ctx->zstd);
	free(ctx);
}

/* One-shot inflate through a kept stream: the same checks as uncompress(). */
static vms_error *inflate_zlib_ctx(struct vms_codec_ctx *ctx, const void *in, size_t in_len,
				   void *out, size_t out_len)
{
	z_stream *zs = &ctx->zs;
	int rc;

	if (in_len > UINT_MAX || out_len > UINT_MAX)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: block too large");
	if (!ctx->have_zs) {
		memset(zs, 0, sizeof(*zs));
		if (inflateInit(zs) != Z_OK)
			return VMS_ENOMEM;
		ctx->have_zs = true;
	} else if (inflateReset(zs) != Z_OK) {
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: cannot reset the stream");
	}
	zs->next_in = (Bytef *)in;
	zs->avail_in = (uInt)in_len;
	zs->next_out = out;
	zs->avail_out = (uInt)out_len;
	rc = inflate(zs, Z_FINISH);
	if (rc != Z_STREAM_END) {
		if (rc == Z_BUF_ERROR && zs->avail_out == 0)
			return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: data inflates past the block size");
		if (rc == Z_OK || rc == Z_BUF_ERROR)
			return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: inflated to %zu bytes, expected %zu (stream ends early)",
					     out_len - zs->avail_out, out_len);
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: corrupt data (%s)",
				     zs->msg ? zs->msg : "error");
	}
	if (zs->avail_out)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: inflated to %zu bytes, expected %zu",
				     out_len - zs->avail_out, out_len);
	return NULL;
}

static vms_error *inflate_zlib(const void *in, size_t in_len, void *out, size_t out_len)
{
	uLongf got = out_len;
	int rc;

	if (in_len > ULONG_MAX || out_len > ULONG_MAX)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: block too large");
	rc = uncompress(out, &got, in, (uLong)in_len);
	if (rc != Z_OK)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: %s",
				     rc == Z_BUF_ERROR ? "data inflates past the block size"
						       : rc == Z_MEM_ERROR ? "out of memory"
									   : "corrupt data");
	if (got != out_len)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zlib: inflated to %lu bytes, expected %zu",
				     (unsigned long)got, out_len);
	return NULL;
}

static vms_error *inflate_lzo(const void *in, size_t in_len, void *out, size_t out_len)
{
	lzo_uint got = out_len;
	int rc;

	/* lzo_init() only checks the library's build configuration; it writes
	 * no state, so calling it every time is safe and costs next to nothing. */
	if (lzo_init() != LZO_E_OK)
		return vms_error_fmt(VMS_ERR_UNSUPPORTED, "lzo: library initialisation failed");
	rc = lzo1x_decompress_safe(in, in_len, out, &got, NULL);
	if (rc == LZO_E_OUTPUT_OVERRUN)
		return vms_error_fmt(VMS_ERR_CORRUPT, "lzo: data decompresses past the block size");
	if (rc != LZO_E_OK && rc != LZO_E_INPUT_NOT_CONSUMED)
		return vms_error_fmt(VMS_ERR_CORRUPT, "lzo: corrupt data (error %d)", rc);
	if (got != out_len)
		return vms_error_fmt(VMS_ERR_CORRUPT, "lzo: decompressed to %lu bytes, expected %zu",
				     (unsigned long)got, out_len);
	return NULL;
}

static vms_error *inflate_snappy(const void *in, size_t in_len, void *out, size_t out_len)
{
	size_t want, got;

	if (snappy_uncompressed_length(in, in_len, &want) != SNAPPY_OK)
		return vms_error_fmt(VMS_ERR_CORRUPT, "snappy: corrupt length header");
	if (want != out_len)
		return vms_error_fmt(VMS_ERR_CORRUPT, "snappy: declares %zu bytes, expected %zu",
				     want, out_len);
	got = out_len;
	if (snappy_uncompress(in, in_len, out, &got) != SNAPPY_OK)
		return vms_error_fmt(VMS_ERR_CORRUPT, "snappy: corrupt data");
	if (got != out_len)
		return vms_error_fmt(VMS_ERR_CORRUPT, "snappy: decompressed to %zu bytes, expected %zu",
				     got, out_len);
	return NULL;
}

static vms_error *inflate_zstd(ZSTD_DCtx *dctx, const void *in, size_t in_len,
				void *out, size_t out_len)
{
	unsigned long long want = ZSTD_getFrameContentSize(in, in_len);
	size_t got;

	if (want == ZSTD_CONTENTSIZE_ERROR)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zstd: not a zstd frame");
	/* makedumpfile records the size; accept a frame without one and let
	 * the length check below decide. */
	if (want != ZSTD_CONTENTSIZE_UNKNOWN && want != out_len)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zstd: frame declares %llu bytes, expected %zu",
				     want, out_len);
	got = dctx ? ZSTD_decompressDCtx(dctx, out, out_len, in, in_len)
		   : ZSTD_decompress(out, out_len, in, in_len);
	if (ZSTD_isError(got))
		return vms_error_fmt(VMS_ERR_CORRUPT, "zstd: %s", ZSTD_getErrorName(got));
	if (got != out_len)
		return vms_error_fmt(VMS_ERR_CORRUPT, "zstd: decompressed to %zu bytes, expected %zu",
				     got, out_len);
	return NULL;
}

vms_error *vms_decompress_ctx(struct vms_codec_ctx *ctx, unsigned int method,
			      const void *in, size_t in_len, void *out, size_t out_len)
{
	switch (method) {
	case VMS_COMPRESS_ZLIB:
		return ctx ? inflate_zlib_ctx(ctx, in, in_len, out, out_len)
			   : inflate_zlib(in, in_len, out, out_len);
	case VMS_COMPRESS_LZO:		return inflate_lzo(in, in_len, out, out_len);
	case VMS_COMPRESS_SNAPPY:	return inflate_snappy(in, in_len, out, out_len);
	case VMS_COMPRESS_ZSTD:
		if (ctx && !ctx->zstd) {
			ctx->zstd = ZSTD_createDCtx();
			if (!ctx->zstd)
				return VMS_ENOMEM;
		}
		return inflate_zstd(ctx ? ctx->zstd : NULL, in, in_len, out, out_len);
	default:
		return vms_error_fmt(VMS_ERR_UNSUPPORTED, "unknown compression method 0x%x", method);
	}
}

vms_error *vms_decompress(unsigned int method, const void *in, size_t in_len,
			  void *out, size_t out_len)
{
	return vms_decompress_ctx(NULL, method, in, in_len, out, out_len);
}
