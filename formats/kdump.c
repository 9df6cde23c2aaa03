/* The kdump-compressed format ("KDUMP   "), as makedumpfile and QEMU write it,
 * plain, flattened (through the file layer) or split over several files.
 *
 * Layout, in blocks of block_size: the main header, the sub header and its
 * ELF notes, the 1st bitmap (RAM), the 2nd bitmap (dumpable), then one
 * 24-byte page descriptor per bit set in the 2nd bitmap and the page data.
 *
 * Memory stays proportional to the bitmaps at most, and usually far below:
 * the bitmaps are streamed once at open to build the ranges and a prefix
 * count of dumpable pages every SECT_PFNS pfns (CRASH's valid_pages idea), and
 * afterwards read on demand through a one-window cache per bitmap (or the
 * file's own mapping).  A file that claims a terabyte of RAM but holds a few
 * pages therefore costs a few hundred KiB, not its bitmaps.
 *
 * Page status: pfn >= max_pfn or 1st bit clear -> ABSENT; 2nd bit clear ->
 * EXCLUDED; a descriptor at offset 0 (the zeroed tail of an incomplete dump)
 * -> LOST; a descriptor pointing at the shared zero page -> ZERO; otherwise
 * PRESENT.  In a file with a single bitmap a clear bit is ABSENT (excluded
 * pages cannot be told from holes there).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump-priv.h"
#include "error-priv.h"
#include "util.h"

#define HDR_SIZE	464	/* disk_dump_header, 64-bit layout */
#define HDR_VERSION	8
#define HDR_MACHINE	(12 + 4 * 65)
#define HDR_STATUS	424
#define HDR_BLOCK_SIZE	428
#define HDR_SUB_HDR_SIZE 432
#define HDR_BITMAP_BLOCKS 436
#define HDR_MAX_MAPNR	440

#define SUB_SIZE	104	/* kdump_sub_header, 64-bit layout, version 6 */

#define DESC_SIZE	24

#define STATUS_ZLIB	0x1
#define STATUS_LZO	0x2
#define STATUS_SNAPPY	0x4
#define STATUS_INCOMPLETE 0x8
#define STATUS_ZSTD	0x20
#define CODEC_BITS	(STATUS_ZLIB | STATUS_LZO | STATUS_SNAPPY | STATUS_ZSTD)

#define SECT_SHIFT	12			/* pfns per prefix-count section */
#define SECT_PFNS	(1ull << SECT_SHIFT)
#define BM_WINDOW	4096			/* bytes of a cached bitmap window */
#define STREAM_CHUNK	(1u << 20)		/* bytes per read when streaming */
#define DESC_CHUNK	512			/* descriptors per cached run */
#define NOTES_MAX	(64u << 20)
#define VMCOREINFO_MAX	(1u << 20)

/* A window onto one bitmap of one file. */
struct bm_win {
	uint64_t off;		/* byte offset inside the bitmap */
	size_t len;		/* 0: empty */
	uint8_t *buf;
};

/* One file of the dump (one piece of a split dump). */
struct kfile {
	struct vms_file *f;
	uint64_t start_pfn, end_pfn;	/* the pfns this file has descriptors for */
	uint64_t bm_off[2];		/* file offsets of the 1st and 2nd bitmap */
	uint64_t desc_off;		/* descriptor table */
	uint64_t data_off;		/* page data; the shared zero page, if any */
	uint64_t ndesc;
	bool zero_ok;			/* data_off holds a block of zeros */
	uint64_t first_sect;		/* section of start_pfn */
	uint64_t *prefix;		/* descriptors before each section */
	struct bm_win win[2];
};

struct kdump {
	uint32_t block_size;
	uint64_t max_pfn;		/* pfns the bitmaps cover */
	uint64_t bitmap_len;		/* bytes of one bitmap */
	bool one_bitmap;
	bool incomplete;
	struct kfile *kf;		/* sorted by start_pfn */
	size_t nkf;
	size_t last;			/* the file the previous lookup used */
	/* The last run of descriptors read. */
	const struct kfile *dc_file;
	uint64_t dc_first;
	size_t dc_n;
	uint8_t dc_buf[DESC_CHUNK * DESC_SIZE];
	uint8_t *scratch;		/* block_size bytes for compressed data */
	struct vms_codec_ctx *codec;	/* kept zlib/zstd state */
};

/* A decoded page descriptor and where it sits in its file. */
struct pdesc {
	uint64_t at;		/* file offset of the descriptor */
	uint64_t offset;
	uint32_t size;
	uint32_t flags;
};

/* What the main and sub header say, before it is checked against other files. */
struct hdr {
	bool be;
	int32_t version;
	char machine[66];
	uint32_t status;
	uint32_t block_size;
	uint32_t sub_hdr_size;
	uint32_t bitmap_blocks;
	uint64_t max_mapnr;
	bool have_sub;
	uint64_t phys_base;
	int32_t dump_level;
	bool split;
	uint64_t start_pfn, end_pfn;
	uint64_t off_vmcoreinfo, size_vmcoreinfo;
	uint64_t off_note, size_note;
};

/* ---- bits ---------------------------------------------------------------- */

/* Set bits in [a, b) of the bitmap bytes p (bit n is bit n%8 of byte n/8). */
static uint64_t popcount_bits(const uint8_t *p, uint64_t a, uint64_t b)
{
	uint64_t n = 0;

	while (a < b && (a & 63)) {
		n += (p[a >> 3] >> (a & 7)) & 1;
		a++;
	}
	while (b - a >= 64 && a < b) {
		n += (uint64_t)__builtin_popcountll(vms_get64le(p + (a >> 3)));
		a += 64;
	}
	while (a < b) {
		n += (p[a >> 3] >> (a & 7)) & 1;
		a++;
	}
	return n;
}

/* Points *p at bitmap `which` of kf from byte `off` on, with *avail >= 1
 * bytes valid.  Plain mapped files are read in place; otherwise through a
 * window of BM_WINDOW bytes. */
static vms_error *bm_bytes(struct kdump *kd, struct kfile *kf, int which, uint64_t off,
			   const uint8_t **p, size_t *avail)
{
	struct bm_win *w = &kf->win[which];
	vms_error *err;

	if (kf->f->map && !kf->f->flat) {
		*p = kf->f->map + kf->bm_off[which] + off;
		*avail = (size_t)(kd->bitmap_len - off);
		return NULL;
	}
	if (!w->len || off < w->off || off >= w->off + w->len) {
		if (!w->buf) {
			w->buf = malloc(BM_WINDOW);
			if (!w->buf)
				return VMS_ENOMEM;
		}
		w->off = off & ~(uint64_t)(BM_WINDOW - 1);
		w->len = kd->bitmap_len - w->off < BM_WINDOW ? (size_t)(kd->bitmap_len - w->off)
							      : BM_WINDOW;
		err = vms_file_read(kf->f, kf->bm_off[which] + w->off, w->buf, w->len,
				    which ? "2nd bitmap" : "1st bitmap");
		if (err) {
			w->len = 0;
			return err;
		}
	}
	*p = w->buf + (off - w->off);
	*avail = w->len - (size_t)(off - w->off);
	return NULL;
}

static vms_error *bm_test(struct kdump *kd, struct kfile *kf, int which, uint64_t pfn,
			  bool *set)
{
	const uint8_t *p;
	size_t avail;
	vms_error *err = bm_bytes(kd, kf, which, pfn >> 3, &p, &avail);

	if (err)
		return err;
	*set = (p[0] >> (pfn & 7)) & 1;
	return NULL;
}

/* The descriptor index of pfn in kf: the dumpable pfns before it. */
static vms_error *desc_index(struct kdump *kd, struct kfile *kf, uint64_t pfn, uint64_t *idx)
{
	uint64_t sect = pfn >> SECT_SHIFT;
	uint64_t a = sect << SECT_SHIFT;
	uint64_t n = kf->prefix[sect - kf->first_sect];

	if (a < kf->start_pfn)
		a = kf->start_pfn;
	/* Whole bytes and the leading partial byte fit in one window, since a
	 * section (512 bytes) never straddles a BM_WINDOW boundary. */
	if (a < pfn) {
		const uint8_t *p;
		size_t avail;
		vms_error *err = bm_bytes(kd, kf, 1, a >> 3, &p, &avail);

		if (err)
			return err;
		n += popcount_bits(p, a & 7, (a & 7) + (pfn - a));
	}
	*idx = n;
	return NULL;
}

/* Reads [off, off+len) for a one-pass scan.  Plain files are read with
 * pread even when mapped: touching a whole mapped bitmap would add it to the
 * process's resident set, which is what the streaming is meant to avoid. */
static vms_error *stream_read(struct vms_file *f, uint64_t off, void *buf, size_t len,
			      const char *what)
{
	uint8_t *p = buf;

	if (f->flat || f->fd < 0)
		return vms_file_read(f, off, buf, len, what);
	if (off > f->size || len > f->size - off)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
				    "%s (%zu bytes) extends past the end of the file", what, len);
	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vms_error_errno(f->path, errno, "reading %s at offset 0x%llx",
					       what, (unsigned long long)off);
		if (n == 0)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
					    "%s: file ends early", what);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return NULL;
}

/* A one-pass walk over both bitmaps of a file, a chunk at a time.  Chunks
 * start on section boundaries; b1/b2 hold the bits of [pfn, end). */
struct bm_stream {
	struct kdump *kd;
	struct kfile *kf;
	uint8_t *buf;		/* 2 * chunk */
	uint64_t chunk;		/* bytes per bitmap read: STREAM_CHUNK, or less for small bitmaps */
	uint64_t pfn, end;
	const uint8_t *b1, *b2;
};

static vms_error *stream_start(struct bm_stream *s, struct kdump *kd, struct kfile *kf)
{
	s->kd = kd;
	s->kf = kf;
	s->pfn = s->end = (kf->start_pfn >> SECT_SHIFT) << SECT_SHIFT;
	/* Small dumps need no 2 MiB buffer (sections are 512 bitmap bytes). */
	s->chunk = kd->bitmap_len < STREAM_CHUNK ? (kd->bitmap_len + 4095) & ~4095ull : STREAM_CHUNK;
	if (!s->chunk)
		s->chunk = 4096;
	s->buf = malloc(2 * s->chunk);
	return s->buf ? NULL : VMS_ENOMEM;
}

/* Moves to the next chunk; false at the end of the file's pfn range. */
static bool stream_next(struct bm_stream *s, vms_error **err)
{
	const struct kdump *kd = s->kd;
	const struct kfile *kf = s->kf;
	uint64_t byte, len;

	*err = NULL;
	s->pfn = s->end;
	if (s->pfn >= kf->end_pfn)
		return false;
	byte = s->pfn >> 3;
	len = kd->bitmap_len - byte < s->chunk ? kd->bitmap_len - byte : s->chunk;
	s->end = s->pfn + len * 8 < kf->end_pfn ? s->pfn + len * 8 : kf->end_pfn;
	len = (s->end - s->pfn + 7) / 8;
	*err = stream_read(kf->f, kf->bm_off[0] + byte, s->buf, (size_t)len, "1st bitmap");
	if (!*err && !kd->one_bitmap)
		*err = stream_read(kf->f, kf->bm_off[1] + byte, s->buf + s->chunk,
				   (size_t)len, "2nd bitmap");
	s->b1 = s->buf;
	s->b2 = kd->one_bitmap ? s->buf : s->buf + s->chunk;
	return !*err;
}

/* The 64 bits of b from bit `rel` on (rel a multiple of 64), zero-padded past
 * the chunk end. */
static uint64_t stream_word(const struct bm_stream *s, const uint8_t *b, uint64_t rel)
{
	uint64_t left = s->end - s->pfn - rel;
	uint8_t tmp[8] = { 0 };

	if (left >= 64)
		return vms_get64le(b + (rel >> 3));
	memcpy(tmp, b + (rel >> 3), (size_t)((left + 7) / 8));
	return vms_get64le(tmp) & ((1ull << left) - 1);
}

/* ---- descriptors and pages ----------------------------------------------- */

static struct kfile *find_file(struct kdump *kd, uint64_t pfn)
{
	size_t lo = 0, hi = kd->nkf;
	struct kfile *kf = &kd->kf[kd->last];

	if (pfn >= kf->start_pfn && pfn < kf->end_pfn)
		return kf;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kd->kf[mid].end_pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == kd->nkf || pfn < kd->kf[lo].start_pfn)
		return NULL;
	kd->last = lo;
	return &kd->kf[lo];
}

static vms_error *get_desc(struct kdump *kd, const struct kfile *kf, uint64_t idx,
			   struct pdesc *pd, bool be)
{
	const uint8_t *raw;

	if (idx >= kf->ndesc)	/* the bitmaps changed under us */
		return vms_error_at(VMS_ERR_CORRUPT, kf->f->path, kf->desc_off,
				    "descriptor %llu is past the table of %llu",
				    (unsigned long long)idx, (unsigned long long)kf->ndesc);
	if (kd->dc_file != kf || idx < kd->dc_first || idx >= kd->dc_first + kd->dc_n) {
		uint64_t first = idx - idx % DESC_CHUNK;
		uint64_t n = kf->ndesc - first < DESC_CHUNK ? kf->ndesc - first : DESC_CHUNK;
		uint64_t off = kf->desc_off + first * DESC_SIZE;
		uint64_t have = off >= kf->f->size ? 0 : kf->f->size - off;
		size_t len = (size_t)(n * DESC_SIZE);
		vms_error *err;

		kd->dc_file = NULL;
		/* The tail of an incomplete dump's table may be missing: it
		 * reads as zeros, i.e. lost pages (checked at open). */
		if (have < len) {
			memset(kd->dc_buf + have, 0, len - (size_t)have);
			len = (size_t)have;
		}
		err = len ? vms_file_read(kf->f, off, kd->dc_buf, len, "page descriptors") : NULL;
		if (err)
			return err;
		kd->dc_file = kf;
		kd->dc_first = first;
		kd->dc_n = (size_t)n;
	}
	raw = kd->dc_buf + (idx - kd->dc_first) * DESC_SIZE;
	pd->at = kf->desc_off + idx * DESC_SIZE;
	pd->offset = vms_get64(raw, be);
	pd->size = vms_get32(raw + 8, be);
	pd->flags = vms_get32(raw + 12, be);
	return NULL;
}

/* Works out the status of pfn; for PRESENT and ZERO also its descriptor. */
static vms_error *lookup(vms_dump *d, uint64_t pfn, enum vms_page_status *st,
			 struct kfile **kfp, struct pdesc *pd)
{
	struct kdump *kd = d->priv;
	struct kfile *kf;
	uint64_t idx, end;
	bool set;
	vms_error *err;

	*st = VMS_PAGE_ABSENT;
	if (pfn >= kd->max_pfn)
		return NULL;
	kf = find_file(kd, pfn);
	if (!kf)	/* cannot happen: open checks that the pieces cover */
		return NULL;
	*kfp = kf;
	err = bm_test(kd, kf, 0, pfn, &set);
	if (err || !set)
		return err;
	if (!kd->one_bitmap) {
		err = bm_test(kd, kf, 1, pfn, &set);
		if (err)
			return err;
		if (!set) {
			*st = VMS_PAGE_EXCLUDED;
			return NULL;
		}
	}
	err = desc_index(kd, kf, pfn, &idx);
	if (!err)
		err = get_desc(kd, kf, idx, pd, d->big_endian);
	if (err)
		return err;
	if (pd->offset == 0) {
		*st = VMS_PAGE_LOST;
		return NULL;
	}
	if (pd->size == 0 || pd->size > kd->block_size)
		return vms_error_at(VMS_ERR_CORRUPT, kf->f->path, pd->at,
				    "page descriptor for pfn 0x%llx: bad size %u (block size %u)",
				    (unsigned long long)pfn, pd->size, kd->block_size);
	if ((pd->flags & ~CODEC_BITS) || (pd->flags & (pd->flags - 1)))
		return vms_error_at(VMS_ERR_CORRUPT, kf->f->path, pd->at,
				    "page descriptor for pfn 0x%llx: bad compression flags 0x%x",
				    (unsigned long long)pfn, pd->flags);
	if (!pd->flags && pd->size != kd->block_size)
		return vms_error_at(VMS_ERR_CORRUPT, kf->f->path, pd->at,
				    "page descriptor for pfn 0x%llx: raw page of %u bytes (block size %u)",
				    (unsigned long long)pfn, pd->size, kd->block_size);
	if (!vms_add_ok(pd->offset, pd->size, &end) || end > kf->f->size)
		return vms_error_at(VMS_ERR_CORRUPT, kf->f->path, pd->at,
				    "page descriptor for pfn 0x%llx: data at 0x%llx+%u is past the end of the file",
				    (unsigned long long)pfn, (unsigned long long)pd->offset, pd->size);
	*st = kf->zero_ok && pd->offset == kf->data_off && !pd->flags ? VMS_PAGE_ZERO
								       : VMS_PAGE_PRESENT;
	return NULL;
}

static vms_error *kdump_block_status(vms_dump *d, uint64_t blk, enum vms_page_status *st)
{
	struct kfile *kf;
	struct pdesc pd;

	return lookup(d, blk, st, &kf, &pd);
}

static unsigned int codec_of(uint32_t flags)
{
	switch (flags) {
	case STATUS_ZLIB:	return VMS_COMPRESS_ZLIB;
	case STATUS_LZO:	return VMS_COMPRESS_LZO;
	case STATUS_SNAPPY:	return VMS_COMPRESS_SNAPPY;
	case STATUS_ZSTD:	return VMS_COMPRESS_ZSTD;
	default:		return 0;
	}
}

static vms_error *kdump_read_block(vms_dump *d, uint64_t blk, void *buf,
				   enum vms_page_status *st)
{
	struct kdump *kd = d->priv;
	struct kfile *kf;
	struct pdesc pd;
	const uint8_t *src;
	vms_error *err;

	err = lookup(d, blk, st, &kf, &pd);
	if (err)
		return err;
	if (*st == VMS_PAGE_ZERO)
		memset(buf, 0, kd->block_size);
	if (*st != VMS_PAGE_PRESENT)
		return NULL;
	if (!pd.flags)
		return vms_file_read(kf->f, pd.offset, buf, kd->block_size, "page data");
	if (kf->f->map && !kf->f->flat) {
		src = kf->f->map + pd.offset;	/* bounds checked in lookup() */
	} else {
		err = vms_file_read(kf->f, pd.offset, kd->scratch, pd.size, "page data");
		if (err)
			return err;
		src = kd->scratch;
	}
	err = vms_decompress_ctx(kd->codec, codec_of(pd.flags), src, pd.size, buf, kd->block_size);
	if (err)
		return vms_error_prefix(err, "%s: offset 0x%llx: page data for pfn 0x%llx",
					kf->f->path, (unsigned long long)pd.offset,
					(unsigned long long)blk);
	return NULL;
}

/* Counts by streaming both bitmaps and the descriptor table in order, with
 * no page data read. */
static vms_error *kdump_count_blocks(vms_dump *d, struct vms_page_counts *out)
{
	struct kdump *kd = d->priv;
	uint8_t *descs;
	vms_error *err = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	descs = malloc(DESC_CHUNK * DESC_SIZE);
	if (!descs)
		return VMS_ENOMEM;
	for (i = 0; i < kd->nkf && !err; i++) {
		struct kfile *kf = &kd->kf[i];
		uint64_t idx = 0, dfirst = 0, dn = 0;
		struct bm_stream s;

		err = stream_start(&s, kd, kf);
		while (!err && stream_next(&s, &err)) {
			uint64_t rel, n = s.end - s.pfn;

			for (rel = 0; rel < n && !err; rel += 64) {
				uint64_t w1 = stream_word(&s, s.b1, rel);
				uint64_t w2 = stream_word(&s, s.b2, rel);
				uint64_t ram = w1;

				/* Only this file's pfns count. */
				if (s.pfn + rel + 64 <= kf->start_pfn)
					continue;
				if (s.pfn + rel < kf->start_pfn) {
					w1 &= ~0ull << (kf->start_pfn - s.pfn - rel);
					w2 &= ~0ull << (kf->start_pfn - s.pfn - rel);
				}
				while ((w1 | w2) && !err) {
					unsigned bit = (unsigned)__builtin_ctzll(w1 | w2);
					uint64_t m = 1ull << bit;

					w1 &= ~m;
					if (!(w2 & m)) {
						out->excluded++;
						continue;
					}
					w2 &= ~m;
					/* A dumpable pfn has a descriptor even where the
					 * 1st bitmap disagrees; it is counted only in RAM. */
					if (idx >= dfirst + dn) {
						uint64_t at = kf->desc_off + idx * DESC_SIZE;
						uint64_t have = at >= kf->f->size ? 0 : kf->f->size - at;

						dfirst = idx;
						dn = kf->ndesc - idx < DESC_CHUNK ? kf->ndesc - idx : DESC_CHUNK;
						memset(descs, 0, (size_t)dn * DESC_SIZE);
						if (have > dn * DESC_SIZE)
							have = dn * DESC_SIZE;
						if (have)
							err = stream_read(kf->f, at, descs, (size_t)have,
									  "page descriptors");
						if (err)
							break;
					}
					if (kd->one_bitmap || (ram >> bit & 1)) {
						const uint8_t *raw = descs + (idx - dfirst) * DESC_SIZE;
						uint64_t off = vms_get64(raw, d->big_endian);
						uint32_t flags = vms_get32(raw + 12, d->big_endian);

						d->compression |= codec_of(flags);
						if (!off)
							out->lost++;
						else if (kf->zero_ok && off == kf->data_off && !flags)
							out->zero++;
						else
							out->present++;
					}
					idx++;
				}
			}
		}
		free(s.buf);
	}
	free(descs);
	return err;
}

static void kdump_close(vms_dump *d)
{
	struct kdump *kd = d->priv;
	size_t i;

	if (!kd)
		return;
	for (i = 0; i < kd->nkf; i++) {
		free(kd->kf[i].prefix);
		free(kd->kf[i].win[0].buf);
		free(kd->kf[i].win[1].buf);
	}
	free(kd->kf);
	free(kd->scratch);
	vms_codec_ctx_free(kd->codec);
	free(kd);
	d->priv = NULL;
}

static const struct vms_reader_ops kdump_ops = {
	.name = "kdump",
	.block_status = kdump_block_status,
	.read_block = kdump_read_block,
	.count_blocks = kdump_count_blocks,
	.close = kdump_close,
};

/* ---- open ---------------------------------------------------------------- */

static bool plausible(const uint8_t *h, bool be)
{
	uint32_t bs = vms_get32(h + HDR_BLOCK_SIZE, be);
	uint64_t bits;

	if (!vms_is_pow2(bs) || bs < 1024 || bs > (1u << 20))
		return false;
	/* A big-endian 4096 reads as 1 MiB little-endian, so the block size
	 * alone cannot decide; the small version number can. */
	if (vms_get32(h + HDR_VERSION, be) > 0xffff)
		return false;
	/* The bitmaps (both, or the only one) must cover max_mapnr. */
	bits = (uint64_t)vms_get32(h + HDR_BITMAP_BLOCKS, be) * bs * 8;
	return bits >= vms_get32(h + HDR_MAX_MAPNR, be);
}

static vms_error *read_hdr(struct vms_file *f, struct hdr *h)
{
	uint8_t b[HDR_SIZE], s[SUB_SIZE];
	uint64_t sub_avail, need;
	vms_error *err;

	memset(h, 0, sizeof(*h));
	if (f->size < HDR_SIZE)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 0,
				    "kdump header truncated (file is %llu bytes)",
				    (unsigned long long)f->size);
	err = vms_file_read(f, 0, b, sizeof(b), "kdump header");
	if (err)
		return err;
	if (!memcmp(b, "DISKDUMP", 8))
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 0,
				    "old Red Hat diskdump format (\"DISKDUMP\") is not supported");
	if (memcmp(b, "KDUMP   ", 8))
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 0, "not a kdump-compressed file");
	/* Fields are in the dumped machine's byte order, which nothing
	 * records: take the order whose values make sense (LKF does the same). */
	if (plausible(b, false))
		h->be = false;
	else if (plausible(b, true))
		h->be = true;
	else
		return vms_error_at(VMS_ERR_CORRUPT, f->path, HDR_BLOCK_SIZE,
				    "implausible kdump header (block size %u, %u bitmap blocks, max_mapnr %u)",
				    vms_get32(b + HDR_BLOCK_SIZE, false),
				    vms_get32(b + HDR_BITMAP_BLOCKS, false),
				    vms_get32(b + HDR_MAX_MAPNR, false));
	h->version = (int32_t)vms_get32(b + HDR_VERSION, h->be);
	memcpy(h->machine, b + HDR_MACHINE, 65);
	h->machine[65] = '\0';
	h->status = vms_get32(b + HDR_STATUS, h->be);
	h->block_size = vms_get32(b + HDR_BLOCK_SIZE, h->be);
	h->sub_hdr_size = vms_get32(b + HDR_SUB_HDR_SIZE, h->be);
	h->bitmap_blocks = vms_get32(b + HDR_BITMAP_BLOCKS, h->be);
	h->max_mapnr = vms_get32(b + HDR_MAX_MAPNR, h->be);
	if (h->version < 0)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, HDR_VERSION,
				    "negative kdump header version %d", h->version);
	if ((int32_t)h->sub_hdr_size < 0)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, HDR_SUB_HDR_SIZE,
				    "negative sub header size %d", (int32_t)h->sub_hdr_size);
	if (h->version == 0)	/* no kdump sub header */
		return NULL;

	/* Versions above 6 are read as 6: each version so far only appended
	 * fields, and the ones we use keep their places. */
	need = h->version >= 6 ? 104 : h->version >= 5 ? 80 : h->version >= 4 ? 64
	     : h->version >= 3 ? 48 : h->version >= 2 ? 32 : 12;
	sub_avail = (uint64_t)h->sub_hdr_size * h->block_size;
	if (sub_avail < need)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, HDR_SUB_HDR_SIZE,
				    "sub header of %u blocks cannot hold the %llu bytes of version %d",
				    h->sub_hdr_size, (unsigned long long)need, h->version);
	if ((uint64_t)h->block_size + need > f->size)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, h->block_size,
				    "kdump sub header truncated");
	memset(s, 0, sizeof(s));
	err = vms_file_read(f, h->block_size, s, (size_t)need, "kdump sub header");
	if (err)
		return err;
	h->have_sub = true;
	h->phys_base = vms_get64(s, h->be);
	h->dump_level = (int32_t)vms_get32(s + 8, h->be);
	if (h->version >= 2) {
		h->split = vms_get32(s + 12, h->be) != 0;
		h->start_pfn = vms_get64(s + 16, h->be);
		h->end_pfn = vms_get64(s + 24, h->be);
	}
	if (h->version >= 3) {
		h->off_vmcoreinfo = vms_get64(s + 32, h->be);
		h->size_vmcoreinfo = vms_get64(s + 40, h->be);
	}
	if (h->version >= 4) {
		h->off_note = vms_get64(s + 48, h->be);
		h->size_note = vms_get64(s + 56, h->be);
	}
	if (h->version >= 6) {
		uint64_t mm64 = vms_get64(s + 96, h->be);

		h->start_pfn = vms_get64(s + 80, h->be);
		h->end_pfn = vms_get64(s + 88, h->be);
		/* Some writers leave it 0; keep the 32-bit field then. */
		if (mm64)
			h->max_mapnr = mm64;
	}
	return NULL;
}

static enum vms_arch arch_of(const char *machine)
{
	if (!strcmp(machine, "x86_64"))
		return VMS_ARCH_X86_64;
	if (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"))
		return VMS_ARCH_ARM64;
	return VMS_ARCH_UNKNOWN;
}

/* Lays out kf from its header: where bitmaps, descriptors and data are. */
static vms_error *layout(struct kdump *kd, struct kfile *kf, const struct hdr *h)
{
	uint64_t bs = h->block_size, blk;
	struct vms_file *f = kf->f;

	blk = 1 + (uint64_t)h->sub_hdr_size;
	kf->bm_off[0] = blk * bs;
	kf->bm_off[1] = kd->one_bitmap ? kf->bm_off[0] : kf->bm_off[0] + kd->bitmap_len;
	kf->desc_off = (blk + h->bitmap_blocks) * bs;	/* < 2^33 * 2^20: no overflow */
	/* Writers store both bitmaps in full, so they must fit in the file on
	 * disk too: a flattened stream's logical size alone proves nothing. */
	if (kf->desc_off > f->size || (kd->one_bitmap ? 1 : 2) * kd->bitmap_len > f->disk_size)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, kf->bm_off[0],
				    "bitmaps (%u blocks of %u bytes at 0x%llx) extend past the end of the file (0x%llx bytes)",
				    h->bitmap_blocks, h->block_size,
				    (unsigned long long)kf->bm_off[0], (unsigned long long)f->size);
	if (h->split) {
		kf->start_pfn = h->start_pfn;
		kf->end_pfn = h->end_pfn;
		if (kf->start_pfn > kf->end_pfn)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, bs,
					    "split piece with start pfn 0x%llx after end pfn 0x%llx",
					    (unsigned long long)kf->start_pfn,
					    (unsigned long long)kf->end_pfn);
		if (kf->end_pfn > kd->max_pfn)
			kf->end_pfn = kd->max_pfn;
		if (kf->start_pfn > kf->end_pfn)
			kf->start_pfn = kf->end_pfn;
	} else {
		kf->start_pfn = 0;
		kf->end_pfn = kd->max_pfn;
	}
	return NULL;
}

/* Streams the bitmaps of kf once: adds the RAM runs as ranges, counts the
 * dumpable pfns per section, and so finds the table size and data start. */
static vms_error *scan_bitmaps(vms_dump *d, struct kdump *kd, struct kfile *kf)
{
	uint64_t nsect, run_start = 0, total = 0, table_end, bs = kd->block_size;
	bool in_run = false;
	struct vms_file *f = kf->f;
	struct bm_stream s;
	vms_error *err;

	kf->first_sect = kf->start_pfn >> SECT_SHIFT;
	nsect = ((kf->end_pfn + SECT_PFNS - 1) >> SECT_SHIFT) - kf->first_sect + 1;
	kf->prefix = calloc(nsect, sizeof(*kf->prefix));
	if (!kf->prefix)
		return VMS_ENOMEM;
	err = stream_start(&s, kd, kf);
	while (!err && stream_next(&s, &err)) {
		uint64_t rel, n = s.end - s.pfn;

		for (rel = 0; rel < n && !err; rel += 64) {
			uint64_t pfn = s.pfn + rel;
			uint64_t w1 = stream_word(&s, s.b1, rel), w2 = stream_word(&s, s.b2, rel);
			/* This file's bits of the word: [pos, hi). */
			unsigned pos = 0, hi = n - rel >= 64 ? 64 : (unsigned)(n - rel);

			if (pfn + 64 <= kf->start_pfn)	/* only in the first chunk */
				continue;
			if (pfn < kf->start_pfn) {
				pos = (unsigned)(kf->start_pfn - pfn);
				w2 &= ~0ull << pos;
			}
			if (!(pfn & (SECT_PFNS - 1)))
				kf->prefix[(pfn >> SECT_SHIFT) - kf->first_sect] = total;
			total += (uint64_t)__builtin_popcountll(w2);
			/* RAM runs: find each place the 1st bitmap flips. */
			while (pos < hi && !err) {
				uint64_t look = (in_run ? ~w1 : w1) & (~0ull << pos);
				unsigned c = look ? (unsigned)__builtin_ctzll(look) : 64;

				if (c >= hi)
					break;
				if (in_run)
					err = vms_dump_add_range(d, run_start * bs, (pfn + c) * bs);
				else
					run_start = pfn + c;
				in_run = !in_run;
				pos = c;
			}
		}
	}
	if (!err && in_run)
		err = vms_dump_add_range(d, run_start * bs, kf->end_pfn * bs);
	free(s.buf);
	if (err)
		return err;
	kf->prefix[nsect - 1] = total;
	kf->ndesc = total;

	table_end = kf->desc_off + total * DESC_SIZE;	/* total < 2^44: no overflow */
	kf->data_off = table_end;
	if (table_end > f->size && !kd->incomplete)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, kf->desc_off,
				    "descriptor table (%llu entries) extends past the end of the file (0x%llx bytes)",
				    (unsigned long long)total, (unsigned long long)f->size);
	/* The shared zero page sits first in the data area when zero pages
	 * were excluded; trust descriptors pointing there only if it really
	 * holds zeros. */
	if (total && table_end + bs <= f->size) {
		uint8_t *z = malloc(bs);
		uint64_t i;

		if (!z)
			return VMS_ENOMEM;
		err = vms_file_read(f, table_end, z, bs, "zero page");
		if (!err) {
			kf->zero_ok = true;
			for (i = 0; i < bs; i++) {
				if (z[i]) {
					kf->zero_ok = false;
					break;
				}
			}
		}
		free(z);
	}
	return err;
}

/* Notes from the sub header of the first file: CPU registers, VMCOREINFO. */
static vms_error *read_notes(vms_dump *d, struct vms_file *f, const struct hdr *h)
{
	uint8_t *buf;
	vms_error *err = NULL;

	if (h->version >= 4 && h->size_note) {
		if (h->size_note > NOTES_MAX || h->off_note > f->size ||
		    h->size_note > f->size - h->off_note)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, h->off_note,
					    "note area of %llu bytes does not fit in the file",
					    (unsigned long long)h->size_note);
		buf = malloc((size_t)h->size_note);
		if (!buf)
			return VMS_ENOMEM;
		err = vms_file_read(f, h->off_note, buf, (size_t)h->size_note, "ELF notes");
		if (!err)
			err = vms_notes_parse(d, f, buf, (size_t)h->size_note, h->off_note);
		free(buf);
		if (err)
			return err;
	}
	/* Version 3 has only this; later versions point it inside the notes. */
	if (!d->vmcoreinfo && h->version >= 3 && h->size_vmcoreinfo) {
		if (h->size_vmcoreinfo > VMCOREINFO_MAX || h->off_vmcoreinfo > f->size ||
		    h->size_vmcoreinfo > f->size - h->off_vmcoreinfo)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, h->off_vmcoreinfo,
					    "VMCOREINFO of %llu bytes does not fit in the file",
					    (unsigned long long)h->size_vmcoreinfo);
		buf = malloc((size_t)h->size_vmcoreinfo);
		if (!buf)
			return VMS_ENOMEM;
		err = vms_file_read(f, h->off_vmcoreinfo, buf, (size_t)h->size_vmcoreinfo,
				    "VMCOREINFO");
		if (!err)
			err = vms_notes_set_vmcoreinfo(d, buf, (size_t)h->size_vmcoreinfo);
		free(buf);
	}
	return err;
}

static int kfile_cmp(const void *a, const void *b)
{
	const struct kfile *x = a, *y = b;

	return x->start_pfn < y->start_pfn ? -1 : x->start_pfn > y->start_pfn;
}

/* Split pieces must agree on the machine and tile [0, max_pfn) exactly. */
static vms_error *check_split(struct kdump *kd)
{
	uint64_t next = 0;
	size_t i;

	for (i = 0; i < kd->nkf; i++) {
		const struct kfile *kf = &kd->kf[i];

		if (kf->start_pfn > next)
			return vms_error_fmt(VMS_ERR_CORRUPT,
					     "%s: split piece starts at pfn 0x%llx, but the pieces before it end at 0x%llx (a piece is missing)",
					     kf->f->path, (unsigned long long)kf->start_pfn,
					     (unsigned long long)next);
		if (kf->start_pfn < next)
			return vms_error_fmt(VMS_ERR_CORRUPT,
					     "%s: split piece starting at pfn 0x%llx overlaps %s, which ends at 0x%llx",
					     kf->f->path, (unsigned long long)kf->start_pfn,
					     kd->kf[i - 1].f->path, (unsigned long long)next);
		next = kf->end_pfn;
	}
	if (next < kd->max_pfn)
		return vms_error_fmt(VMS_ERR_CORRUPT,
				     "%s: split pieces end at pfn 0x%llx, short of 0x%llx (a piece is missing)",
				     kd->kf[kd->nkf - 1].f->path, (unsigned long long)next,
				     (unsigned long long)kd->max_pfn);
	return NULL;
}

vms_error *vms_kdump_open(vms_dump *d)
{
	struct kdump *kd;
	struct hdr h0, h;
	uint64_t need_blocks;
	vms_error *err;
	size_t i;

	err = read_hdr(d->files[0], &h0);
	if (err)
		return err;

	kd = calloc(1, sizeof(*kd));
	if (!kd)
		return VMS_ENOMEM;
	d->priv = kd;
	d->ops = &kdump_ops;	/* from here on, close() frees what is built */
	kd->kf = calloc(d->nfiles, sizeof(*kd->kf));
	kd->scratch = malloc(h0.block_size);
	if (!kd->kf || !kd->scratch)
		return VMS_ENOMEM;
	err = vms_codec_ctx_new(&kd->codec);
	if (err)
		return err;
	kd->nkf = d->nfiles;

	d->format = VMS_FORMAT_KDUMP;
	d->format_version = h0.version;
	d->arch = arch_of(h0.machine);
	d->big_endian = h0.be;
	d->block_size = h0.block_size;
	d->page_size = 0;
	kd->block_size = h0.block_size;
	if (h0.status & STATUS_ZLIB)
		d->compression |= VMS_COMPRESS_ZLIB;
	if (h0.status & STATUS_LZO)
		d->compression |= VMS_COMPRESS_LZO;
	if (h0.status & STATUS_SNAPPY)
		d->compression |= VMS_COMPRESS_SNAPPY;
	if (h0.status & STATUS_ZSTD)
		d->compression |= VMS_COMPRESS_ZSTD;
	d->incomplete = kd->incomplete = (h0.status & STATUS_INCOMPLETE) != 0;
	if (h0.have_sub) {
		d->dump_level = h0.dump_level;
		d->have_header_phys_base = true;
		d->header_phys_base = h0.phys_base;
	}

	/* One bitmap or two: two when bitmap_blocks holds two bitmaps that
	 * each cover max_mapnr (CRASH's test); a single bitmap otherwise. */
	need_blocks = ((h0.max_mapnr + 7) / 8 + h0.block_size - 1) / h0.block_size;
	/* Not even one bitmap covers max_mapnr: the field is corrupt (a
	 * 32-bit max_mapnr can only be truncated smaller, never larger). */
	if (h0.bitmap_blocks < need_blocks)
		return vms_error_at(VMS_ERR_CORRUPT, d->files[0]->path, HDR_MAX_MAPNR,
				    "max_mapnr 0x%llx needs %llu bitmap blocks, the header has %u",
				    (unsigned long long)h0.max_mapnr, (unsigned long long)need_blocks,
				    h0.bitmap_blocks);
	kd->one_bitmap = h0.bitmap_blocks < 2 * need_blocks;
	kd->bitmap_len = (uint64_t)(kd->one_bitmap ? h0.bitmap_blocks : h0.bitmap_blocks / 2) *
			 h0.block_size;
	kd->max_pfn = h0.max_mapnr < kd->bitmap_len * 8 ? h0.max_mapnr : kd->bitmap_len * 8;
	if (kd->max_pfn > UINT64_MAX / h0.block_size)
		return vms_error_at(VMS_ERR_CORRUPT, d->files[0]->path, HDR_MAX_MAPNR,
				    "max_mapnr 0x%llx pages of %u bytes exceed the 64-bit address space",
				    (unsigned long long)kd->max_pfn, h0.block_size);

	for (i = 0; i < d->nfiles; i++) {
		struct vms_file *f = d->files[i];
		struct kfile *kf = &kd->kf[i];

		kf->f = f;
		if (vms_file_is_flat(f))
			d->format = VMS_FORMAT_KDUMP_FLAT;
		if (i == 0) {
			h = h0;
		} else {
			err = read_hdr(f, &h);
			if (err)
				return err;
			if (h.be != h0.be || h.block_size != h0.block_size ||
			    h.max_mapnr != h0.max_mapnr || h.bitmap_blocks != h0.bitmap_blocks ||
			    strcmp(h.machine, h0.machine))
				return vms_error_fmt(VMS_ERR_CORRUPT,
						     "%s: does not belong with %s (block size, max_mapnr, bitmap size, byte order or machine differ)",
						     f->path, d->files[0]->path);
		}
		if (d->nfiles > 1 && !h.split)
			return vms_error_fmt(VMS_ERR_CORRUPT,
					     "%s: several files given, but this one is not part of a split dump",
					     f->path);
		err = layout(kd, kf, &h);
		if (err)
			return err;
	}
	if (d->nfiles > 1) {
		d->format = VMS_FORMAT_KDUMP_SPLIT;
		qsort(kd->kf, kd->nkf, sizeof(*kd->kf), kfile_cmp);
	}
	if (kd->nkf > 1 || h0.split) {
		err = check_split(kd);
		if (err)
			return err;
	}
	for (i = 0; i < kd->nkf; i++) {
		err = scan_bitmaps(d, kd, &kd->kf[i]);
		if (err)
			return err;
	}
	return read_notes(d, d->files[0], &h0);
}
