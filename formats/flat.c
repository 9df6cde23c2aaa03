/* makedumpfile's flattened stream (makedumpfile -F, QEMU's kdump output),
 * read in place without rebuilding the file.
 *
 * The stream is a 4096-byte header ("makedumpfile", type 1, version 1, all
 * big-endian) and then records {int64 offset; int64 size; size bytes} that
 * belong at `offset` of the rebuilt file, ending with offset = size = -1.
 * Records come in write order and later ones overwrite earlier ones (the
 * dump header and bitmaps are rewritten last).  At open we scan the record
 * headers once and resolve the overlaps into a sorted list of segments, each
 * mapping a logical range to the flat-file offset of its last writer; a read
 * is then a binary search plus plain copies.
 *
 * Semantics chosen:
 *  - The logical size is the end of the furthest record.  Logical bytes that
 *    no record wrote (holes inside that size) read as zeros, as they would in
 *    a file rebuilt with pwrite() by `makedumpfile -R`.
 *  - A stream without its end marker is rejected at open: makedumpfile writes
 *    the header and bitmaps last, so a cut stream has nothing trustworthy.
 *  - Records with a negative offset (other than the end marker), a size <= 0,
 *    a logical end past INT64_MAX, or a payload past the physical end of the
 *    file are errors naming the record's offset in the flat file.
 *  - Bytes after the end marker are ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "error-priv.h"
#include "util.h"

#define FLAT_HEADER_SIZE 4096
#define FLAT_REC_HDR 16
#define FLAT_SIGNATURE "makedumpfile"

/* One resolved piece: logical [start, start+len) is at flat offset `flat`. */
struct flat_seg {
	uint64_t start;
	uint64_t len;
	uint64_t flat;
};

struct vms_flat_map {
	uint64_t logical_size;
	size_t nsegs;
	struct flat_seg *segs;
};

/* One record as found in the stream; seq is its position in write order. */
struct flat_rec {
	uint64_t start, end;
	uint64_t flat;
	size_t seq;
};

bool vms_flat_probe(const uint8_t *head, size_t len)
{
	static const char sig[16] = FLAT_SIGNATURE;

	return len >= sizeof(sig) && memcmp(head, sig, sizeof(sig)) == 0;
}

/* Reads bytes at a physical offset of the flat file (never through
 * vms_file_read, which would come back here). */
static vms_error *raw_read(struct vms_file *f, uint64_t pos, void *buf, size_t len,
			   const char *what)
{
	uint8_t *p = buf;

	if (pos > f->disk_size || len > f->disk_size - pos)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, pos,
				    "%s (%zu bytes) extends past the end of the flattened file",
				    what, len);
	if (f->map) {
		memcpy(buf, f->map + pos, len);
		return NULL;
	}
	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)pos);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vms_error_errno(f->path, errno, "reading %s at offset 0x%llx",
					       what, (unsigned long long)pos);
		}
		if (n == 0)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, pos,
					    "unexpected end of file reading %s", what);
		p += n;
		pos += (uint64_t)n;
		len -= (size_t)n;
	}
	return NULL;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct flat_rec *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A binary max-heap of record pointers keyed by seq: the active records at
 * the sweep position, the latest writer on top. */
struct heap {
	const struct flat_rec **v;
	size_t n;
};

static void heap_push(struct heap *h, const struct flat_rec *r)
{
	size_t i = h->n++;

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent]->seq >= r->seq)
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = r;
}

static void heap_pop(struct heap *h)
{
	const struct flat_rec *last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->seq > h->v[c]->seq)
			c++;
		if (h->v[c]->seq <= last->seq)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
}

/* Turns records (any order, overlapping) into sorted disjoint segments where
 * every logical byte maps to its last writer: a sweep over the records sorted
 * by start, with a heap of the active ones.  Each step ends where the winner
 * ends or the next record starts, so there are at most 2n steps. */
static vms_error *resolve(struct flat_rec *recs, size_t n, struct vms_flat_map *m)
{
	struct heap h = { NULL, 0 };
	uint64_t pos = 0;
	size_t i = 0;

	qsort(recs, n, sizeof(*recs), rec_cmp);
	h.v = malloc(n * sizeof(*h.v));
	m->segs = malloc(2 * n * sizeof(*m->segs));
	if (!h.v || !m->segs) {
		free(h.v);
		return VMS_ENOMEM;
	}
	while (i < n || h.n) {
		const struct flat_rec *top;
		uint64_t next;

		if (!h.n && pos < recs[i].start)
			pos = recs[i].start;
		while (i < n && recs[i].start <= pos)
			heap_push(&h, &recs[i++]);
		while (h.n && h.v[0]->end <= pos)
			heap_pop(&h);
		if (!h.n)
			continue;
		top = h.v[0];
		next = top->end;
		if (i < n && recs[i].start < next)
			next = recs[i].start;

		struct flat_seg *prev = m->nsegs ? &m->segs[m->nsegs - 1] : NULL;
		uint64_t flat = top->flat + (pos - top->start);

		if (prev && prev->start + prev->len == pos && prev->flat + prev->len == flat)
			prev->len += next - pos;
		else
			m->segs[m->nsegs++] = (struct flat_seg){ pos, next - pos, flat };
		if (next > m->logical_size)
			m->logical_size = next;
		pos = next;
	}
	free(h.v);
	return NULL;
}

/* Record headers are read through a small window so that a stream of small
 * records costs one pread per window, not one per record. */
#define SCAN_WINDOW (64 * 1024)

vms_error *vms_flat_index(struct vms_file *f, struct vms_flat_map **out)
{
	uint8_t head[32], *win = NULL;
	uint64_t win_pos = 0, win_len = 0, pos = FLAT_HEADER_SIZE;
	struct flat_rec *recs = NULL;
	size_t nrecs = 0, cap = 0;
	struct vms_flat_map *m;
	vms_error *err;

	*out = NULL;
	if (f->disk_size < FLAT_HEADER_SIZE)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 0,
				    "flattened file is shorter than its %d-byte header",
				    FLAT_HEADER_SIZE);
	err = raw_read(f, 0, head, sizeof(head), "flattened header");
	if (err)
		return err;
	if (!vms_flat_probe(head, sizeof(head)))
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 0, "no makedumpfile flattened signature");
	if (vms_get64be(head + 16) != 1 || vms_get64be(head + 24) != 1)
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 16,
				    "flattened header type %lld version %lld (only 1/1 is known)",
				    (long long)vms_get64be(head + 16),
				    (long long)vms_get64be(head + 24));

	win = malloc(SCAN_WINDOW);
	if (!win)
		return VMS_ENOMEM;
	for (;;) {
		const uint8_t *rh;
		uint64_t off, size;

		if (pos >= f->disk_size || f->disk_size - pos < FLAT_REC_HDR) {
			err = vms_error_at(VMS_ERR_CORRUPT, f->path, pos,
					   "flattened stream ends without its end marker (truncated?)");
			goto fail;
		}
		if (f->map) {
			rh = f->map + pos;
		} else {
			if (pos < win_pos || pos + FLAT_REC_HDR > win_pos + win_len) {
				win_pos = pos;
				win_len = f->disk_size - pos < SCAN_WINDOW ? f->disk_size - pos
									   : SCAN_WINDOW;
				err = raw_read(f, win_pos, win, win_len, "flattened record header");
				if (err)
					goto fail;
			}
			rh = win + (pos - win_pos);
		}
		off = vms_get64be(rh);
		size = vms_get64be(rh + 8);
		if (off == UINT64_MAX && size == UINT64_MAX)
			break;
		if (off > INT64_MAX) {
			err = vms_error_at(VMS_ERR_CORRUPT, f->path, pos,
					   "flattened record with negative offset %lld",
					   (long long)off);
			goto fail;
		}
		if (size == 0 || size > INT64_MAX || off + size > INT64_MAX) {
			err = vms_error_at(VMS_ERR_CORRUPT, f->path, pos,
					   "flattened record with bad size %lld at logical offset 0x%llx",
					   (long long)size, (unsigned long long)off);
			goto fail;
		}
		if (size > f->disk_size - pos - FLAT_REC_HDR) {
			err = vms_error_at(VMS_ERR_CORRUPT, f->path, pos,
					   "flattened record of %llu bytes extends past the end of the file",
					   (unsigned long long)size);
			goto fail;
		}
		if (nrecs == cap) {
			/* Every record takes at least 17 bytes of the file, so
			 * this stays bounded by the file size. */
			size_t ncap = cap ? 2 * cap : 256;
			struct flat_rec *nr = realloc(recs, ncap * sizeof(*recs));

			if (!nr) {
				err = VMS_ENOMEM;
				goto fail;
			}
			recs = nr;
			cap = ncap;
		}
		recs[nrecs] = (struct flat_rec){ off, off + size, pos + FLAT_REC_HDR, nrecs };
		nrecs++;
		pos += FLAT_REC_HDR + size;
	}
	free(win);
	win = NULL;

	m = calloc(1, sizeof(*m));
	if (!m) {
		err = VMS_ENOMEM;
		goto fail;
	}
	if (nrecs) {
		err = resolve(recs, nrecs, m);
		if (err) {
			vms_flat_free(m);
			goto fail;
		}
		/* Give back the slack of the worst-case allocation. */
		struct flat_seg *shrunk = realloc(m->segs, m->nsegs * sizeof(*m->segs));
		if (shrunk)
			m->segs = shrunk;
	}
	free(recs);
	*out = m;
	return NULL;

fail:
	free(win);
	free(recs);
	return err;
}

uint64_t vms_flat_logical_size(const struct vms_flat_map *m)
{
	return m->logical_size;
}

void vms_flat_free(struct vms_flat_map *m)
{
	if (!m)
		return;
	free(m->segs);
	free(m);
}

/* The first segment that ends after off (segments are sorted and disjoint). */
static size_t find_seg(const struct vms_flat_map *m, uint64_t off)
{
	size_t lo = 0, hi = m->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->segs[mid].start + m->segs[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

vms_error *vms_flat_read(struct vms_file *f, uint64_t off, void *buf, size_t len,
			 const char *what)
{
	const struct vms_flat_map *m = f->flat;
	uint8_t *p = buf;
	size_t i;

	if (off > m->logical_size || len > m->logical_size - off)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
				    "%s (%zu bytes) extends past the end of the rebuilt file (0x%llx bytes)",
				    what, len, (unsigned long long)m->logical_size);
	for (i = find_seg(m, off); len; i++) {
		const struct flat_seg *s = i < m->nsegs ? &m->segs[i] : NULL;
		size_t n;

		if (!s || off < s->start) {
			/* A hole no record wrote: zeros, up to the next segment. */
			n = !s || s->start - off > len ? len : (size_t)(s->start - off);
			memset(p, 0, n);
			i--;
		} else {
			uint64_t in = s->start + s->len - off;
			vms_error *err;

			n = in > len ? len : (size_t)in;
			err = raw_read(f, s->flat + (off - s->start), p, n, what);
			if (err)
				return err;
		}
		p += n;
		off += n;
		len -= n;
	}
	return NULL;
}
