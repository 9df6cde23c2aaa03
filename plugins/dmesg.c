/* dmesg: the kernel log from a dump, like `crash> log`.
 *
 * Two layouts, both described by VMCOREINFO:
 *  - Linux 5.10+: the lockless printk ring buffer (SYMBOL(prb) points to a
 *    struct printk_ringbuffer: a descriptor ring of prb_desc + printk_info
 *    and a data ring of text blocks, each "unsigned long id" + text);
 *  - Linux 3.5 to 5.9: log_buf, a byte ring of struct printk_log records
 *    (SYMBOL(log_buf), log_buf_len, log_first_idx, log_next_idx).
 * Every line is printed as "[seconds.micros] text"; a message that holds
 * newlines prints each line with the message's timestamp, as the kernel's
 * console does.  Older log_buf records flagged LOG_CONT continue the line
 * before them (the ring buffer merges them itself). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Caps against hostile VMCOREINFO; far above any real kernel
 * (CONFIG_LOG_BUF_SHIFT is at most 25, log_buf_len= at most a few GiB
 * would be absurd). */
#define MAX_DATA_BITS 30
#define MAX_DESC_BITS 24

/* printk_info.flags */
enum { LOG_NEWLINE = 2, LOG_CONT = 8 };

/* prb_desc.state_var: the top two bits are the state, the rest the id. */
#define DESC_SV_BITS 64
#define DESC_FLAGS_SHIFT (DESC_SV_BITS - 2)
#define DESC_ID_MASK (~(3ull << DESC_FLAGS_SHIFT))
enum { DESC_RESERVED, DESC_COMMITTED, DESC_FINALIZED, DESC_REUSABLE };

struct opts {
	bool level;	/* --level: "<N>" before each line */
};

struct record {
	uint64_t seq;
	uint64_t ts_nsec;
	unsigned int level, facility, flags;
	uint32_t caller_id;
	bool have_caller;
	const char *text;
	size_t len;
};

struct printer {
	vms_out *out;
	struct opts o;
	uint64_t count;
	bool open_line;		/* log_buf: the last line awaits continuation */
};

static void print_record(struct printer *p, const struct record *r, bool cont)
{
	vms_out *out = p->out;
	const char *t = r->text, *end = r->text + r->len;

	vms_out_object_begin(out, NULL);
	vms_out_uint(out, "seq", r->seq);
	vms_out_uint(out, "ts_nsec", r->ts_nsec);
	vms_out_uint(out, "level", r->level);
	vms_out_uint(out, "facility", r->facility);
	if (r->have_caller)
		vms_out_hex(out, "caller_id", r->caller_id);
	vms_out_bool(out, "continuation", cont);
	vms_out_strn(out, "text", r->text, r->len);
	vms_out_object_end(out);
	p->count++;

	if (vms_out_is_json(out))
		return;
	/* Text: one output line per line of the message. */
	do {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t n = (size_t)((nl ? nl : end) - t);

		if (cont && p->open_line && t == r->text) {
			vms_out_text(out, "%.*s", (int)n, t);
		} else if (p->o.level) {
			vms_out_text(out, "<%u>[%5" PRIu64 ".%06" PRIu64 "] %.*s",
				     r->facility << 3 | r->level, r->ts_nsec / 1000000000,
				     r->ts_nsec % 1000000000 / 1000, (int)n, t);
		} else {
			vms_out_text(out, "[%5" PRIu64 ".%06" PRIu64 "] %.*s",
				     r->ts_nsec / 1000000000, r->ts_nsec % 1000000000 / 1000,
				     (int)n, t);
		}
		t = nl ? nl + 1 : end;
	} while (t < end);
}

/* ---- the lockless ring buffer (5.10+) ------------------------------------ */

struct prb {
	uint64_t desc_count, data_size;
	uint64_t descs, infos, data;	/* kernel addresses of the arrays */
	uint64_t head_id, tail_id;
	/* offsets and sizes from VMCOREINFO */
	uint64_t sz_desc, sz_info;
	uint64_t o_sv, o_lpos, o_begin, o_next;
	uint64_t o_seq, o_ts, o_text_len, o_caller;
};

static vms_error *read_ulong(vms_plugin_ctx *ctx, uint64_t va, uint64_t *out)
{
	return vms_ctx_read_uint(ctx, va, 8, out);
}

static vms_error *prb_setup(vms_plugin_ctx *ctx, uint64_t prb_ptr, struct prb *r)
{
	uint64_t rb, o_desc_ring, o_text_ring, o, bits, sz_rb, sz_dr, sz_tr, sz_lpos;
	vms_error *err;

	if ((err = read_ulong(ctx, prb_ptr, &rb)))
		return err;
	if ((err = pl_size(ctx, "printk_ringbuffer", 4096, &sz_rb)) ||
	    (err = pl_size(ctx, "prb_desc_ring", 4096, &sz_dr)) ||
	    (err = pl_size(ctx, "prb_data_ring", 4096, &sz_tr)) ||
	    (err = pl_size(ctx, "prb_desc", 4096, &r->sz_desc)) ||
	    (err = pl_size(ctx, "printk_info", 4096, &r->sz_info)) ||
	    (err = pl_size(ctx, "prb_data_blk_lpos", 64, &sz_lpos)) ||
	    (err = pl_offset(ctx, "printk_ringbuffer.desc_ring", sz_dr, sz_rb, &o_desc_ring)) ||
	    (err = pl_offset(ctx, "printk_ringbuffer.text_data_ring", sz_tr, sz_rb, &o_text_ring)) ||
	    (err = pl_offset(ctx, "prb_desc.state_var", 8, r->sz_desc, &r->o_sv)) ||
	    (err = pl_offset(ctx, "prb_desc.text_blk_lpos", sz_lpos, r->sz_desc, &r->o_lpos)) ||
	    (err = pl_offset(ctx, "prb_data_blk_lpos.begin", 8, sz_lpos, &r->o_begin)) ||
	    (err = pl_offset(ctx, "prb_data_blk_lpos.next", 8, sz_lpos, &r->o_next)) ||
	    (err = pl_offset(ctx, "printk_info.seq", 8, r->sz_info, &r->o_seq)) ||
	    (err = pl_offset(ctx, "printk_info.ts_nsec", 8, r->sz_info, &r->o_ts)) ||
	    (err = pl_offset(ctx, "printk_info.text_len", 4, r->sz_info, &r->o_text_len)))
		return err;
	/* caller_id is optional (CONFIG_PRINTK_CALLER decides only whether it
	 * is printed; the field is always there, but be lenient). */
	if ((err = pl_offset(ctx, "printk_info.caller_id", 4, r->sz_info, &r->o_caller))) {
		vms_error_free(err);
		r->o_caller = UINT64_MAX;
	}

	uint64_t dr = rb + o_desc_ring, tr = rb + o_text_ring;
	if ((err = pl_offset(ctx, "prb_desc_ring.count_bits", 4, sz_dr, &o)) ||
	    (err = vms_ctx_read_uint(ctx, dr + o, 4, &bits)))
		return err;
	if (bits > MAX_DESC_BITS)
		return vms_error_create(VMS_ERR_CORRUPT, "prb_desc_ring.count_bits %" PRIu64
					" is implausible", bits);
	r->desc_count = 1ull << bits;
	if ((err = pl_offset(ctx, "prb_desc_ring.descs", 8, sz_dr, &o)) ||
	    (err = read_ulong(ctx, dr + o, &r->descs)) ||
	    (err = pl_offset(ctx, "prb_desc_ring.infos", 8, sz_dr, &o)) ||
	    (err = read_ulong(ctx, dr + o, &r->infos)) ||
	    (err = pl_offset(ctx, "prb_desc_ring.head_id", 8, sz_dr, &o)) ||
	    (err = read_ulong(ctx, dr + o, &r->head_id)) ||
	    (err = pl_offset(ctx, "prb_desc_ring.tail_id", 8, sz_dr, &o)) ||
	    (err = read_ulong(ctx, dr + o, &r->tail_id)) ||
	    (err = pl_offset(ctx, "prb_data_ring.size_bits", 4, sz_tr, &o)) ||
	    (err = vms_ctx_read_uint(ctx, tr + o, 4, &bits)))
		return err;
	if (bits > MAX_DATA_BITS)
		return vms_error_create(VMS_ERR_CORRUPT, "prb_data_ring.size_bits %" PRIu64
					" is implausible", bits);
	r->data_size = 1ull << bits;
	if ((err = pl_offset(ctx, "prb_data_ring.data", 8, sz_tr, &o)) ||
	    (err = read_ulong(ctx, tr + o, &r->data)))
		return err;
	return NULL;
}

/* The text of a record: the data block named by [begin, next) minus its
 * leading id.  A block that wraps is stored whole at the start of the ring.
 * Returns false for data-less records and impossible positions. */
static bool prb_text(const struct prb *r, const uint8_t *data, uint64_t begin, uint64_t next,
		     size_t text_len, const char **text, size_t *len)
{
	uint64_t mask = r->data_size - 1, bits = (uint64_t)__builtin_ctzll(r->data_size);
	uint64_t off, size;

	if ((begin & 1) || (next & 1))	/* LPOS_DATALESS: no text stored */
		return false;
	if (begin >> bits == next >> bits) {
		off = begin & mask;
		size = next - begin;
	} else {
		off = 0;
		size = next & mask;
	}
	if (size < 8 || size > r->data_size || off > r->data_size - size)
		return false;
	size -= 8;
	*text = (const char *)data + off + 8;
	*len = text_len < size ? text_len : (size_t)size;
	return true;
}

static vms_error *dump_prb(vms_plugin_ctx *ctx, uint64_t prb_ptr, struct printer *p)
{
	struct prb r = { 0 };
	uint8_t *data = NULL, *descs = NULL, *infos = NULL;
	bool be = vms_dump_big_endian(vms_ctx_dump(ctx));
	vms_error *err;

	if ((err = prb_setup(ctx, prb_ptr, &r)))
		return err;
	data = malloc(r.data_size);
	descs = calloc(r.desc_count, r.sz_desc);
	infos = calloc(r.desc_count, r.sz_info);
	if (!data || !descs || !infos) {
		err = vms_error_create(VMS_ERR_NOMEM, "out of memory for the printk ring buffer");
		goto out;
	}
	/* Excluded pages read as zeros: a hole in the log is better than none. */
	if ((err = vms_ctx_read_virt(ctx, r.data, data, r.data_size, VMS_READ_ZERO_FILL)) ||
	    (err = vms_ctx_read_virt(ctx, r.descs, descs, r.desc_count * r.sz_desc,
				     VMS_READ_ZERO_FILL)) ||
	    (err = vms_ctx_read_virt(ctx, r.infos, infos, r.desc_count * r.sz_info,
				     VMS_READ_ZERO_FILL)))
		goto out;

	uint64_t tail = r.tail_id & DESC_ID_MASK, head = r.head_id & DESC_ID_MASK;
	uint64_t n = (head - tail) & DESC_ID_MASK;
	if (n >= r.desc_count) {
		/* The kernel never lets head run a full ring ahead of tail. */
		err = vms_error_create(VMS_ERR_CORRUPT,
				       "printk ring: head id %" PRIu64 " is %" PRIu64
				       " descriptors past tail id %" PRIu64 " (ring holds %" PRIu64 ")",
				       head, n, tail, r.desc_count);
		goto out;
	}
	for (uint64_t i = 0; i <= n; i++) {
		uint64_t id = (tail + i) & DESC_ID_MASK, idx = id & (r.desc_count - 1);
		const uint8_t *d = descs + idx * r.sz_desc, *in = infos + idx * r.sz_info;
		uint64_t sv = pl_get(d, r.o_sv, 8, be);
		unsigned int state = (unsigned int)(sv >> DESC_FLAGS_SHIFT);
		struct record rec = { 0 };
		uint8_t lf;

		/* Only records that were completely written; a reserved one
		 * is being written right now (the dump caught it mid-printk). */
		if ((sv & DESC_ID_MASK) != id ||
		    (state != DESC_COMMITTED && state != DESC_FINALIZED))
			continue;
		rec.seq = pl_get(in, r.o_seq, 8, be);
		rec.ts_nsec = pl_get(in, r.o_ts, 8, be);
		/* facility and the flags:5/level:3 byte follow text_len (u16);
		 * VMCOREINFO does not export them, this layout is fixed since 5.10. */
		if (r.o_text_len + 4 <= r.sz_info) {
			rec.facility = in[r.o_text_len + 2];
			lf = in[r.o_text_len + 3];
			rec.flags = lf & 0x1f;
			rec.level = lf >> 5;
		}
		if (r.o_caller != UINT64_MAX) {
			rec.caller_id = (uint32_t)pl_get(in, r.o_caller, 4, be);
			rec.have_caller = true;
		}
		if (!prb_text(&r, data, pl_get(d, r.o_lpos + r.o_begin, 8, be),
			      pl_get(d, r.o_lpos + r.o_next, 8, be),
			      (size_t)pl_get(in, r.o_text_len, 2, be), &rec.text, &rec.len)) {
			rec.text = "";
			rec.len = 0;
		}
		print_record(p, &rec, false);
	}
out:
	free(data);
	free(descs);
	free(infos);
	return err;
}

/* ---- log_buf (3.5 to 5.9) ------------------------------------------------ */

static vms_error *dump_log_buf(vms_plugin_ctx *ctx, struct printer *p)
{
	uint64_t sym_buf, sym_len, sym_first, sym_next, buf_va, buf_len, first, next;
	uint64_t sz_log, o_ts, o_len, o_text_len;
	bool be = vms_dump_big_endian(vms_ctx_dump(ctx));
	uint8_t *buf = NULL;
	vms_error *err;

	if (!vms_ctx_symbol(ctx, "log_buf", &sym_buf) ||
	    !vms_ctx_symbol(ctx, "log_buf_len", &sym_len) ||
	    !vms_ctx_symbol(ctx, "log_first_idx", &sym_first) ||
	    !vms_ctx_symbol(ctx, "log_next_idx", &sym_next))
		return vms_error_create(VMS_ERR_NOT_FOUND,
					"VMCOREINFO has neither SYMBOL(prb) (5.10+) nor SYMBOL(log_buf), "
					"log_buf_len, log_first_idx, log_next_idx (3.5+)");
	if ((err = pl_size(ctx, "printk_log", 4096, &sz_log)) ||
	    (err = pl_offset(ctx, "printk_log.ts_nsec", 8, sz_log, &o_ts)) ||
	    (err = pl_offset(ctx, "printk_log.len", 2, sz_log, &o_len)) ||
	    (err = pl_offset(ctx, "printk_log.text_len", 2, sz_log, &o_text_len)) ||
	    (err = vms_ctx_read_uint(ctx, sym_buf, 8, &buf_va)) ||
	    (err = vms_ctx_read_uint(ctx, sym_len, 4, &buf_len)) ||
	    (err = vms_ctx_read_uint(ctx, sym_first, 4, &first)) ||
	    (err = vms_ctx_read_uint(ctx, sym_next, 4, &next)))
		return err;
	if (!buf_len || buf_len > (1ull << MAX_DATA_BITS) || first >= buf_len || next >= buf_len)
		return vms_error_create(VMS_ERR_CORRUPT,
					"log_buf: length %" PRIu64 ", first %" PRIu64 ", next %" PRIu64
					" are inconsistent", buf_len, first, next);
	if (!(buf = malloc(buf_len)))
		return vms_error_create(VMS_ERR_NOMEM, "out of memory for log_buf");
	if ((err = vms_ctx_read_virt(ctx, buf_va, buf, buf_len, VMS_READ_ZERO_FILL)))
		goto out;

	/* At most buf_len / sz_log records: a cycle in corrupt data ends. */
	uint64_t idx = first, seq = 0;
	unsigned int prev_flags = LOG_NEWLINE;
	for (uint64_t guard = 0; idx != next && guard <= buf_len / sz_log; guard++) {
		uint64_t len;
		uint8_t lf;
		struct record rec = { 0 };

		if (idx + sz_log > buf_len) {
			idx = 0;	/* no room for a header: the writer wrapped */
			continue;
		}
		len = pl_get(buf, idx + o_len, 2, be);
		if (!len) {		/* a zero length marks the wrap to the start */
			idx = 0;
			continue;
		}
		if (len < sz_log || idx + len > buf_len)
			break;
		rec.seq = seq++;
		rec.ts_nsec = pl_get(buf, idx + o_ts, 8, be);
		rec.len = (size_t)pl_get(buf, idx + o_text_len, 2, be);
		if (rec.len > len - sz_log)
			rec.len = (size_t)(len - sz_log);
		rec.text = (const char *)buf + idx + sz_log;
		/* dict_len (u16), then facility, then flags:5 level:3. */
		if (o_text_len + 6 <= sz_log) {
			rec.facility = buf[idx + o_text_len + 4];
			lf = buf[idx + o_text_len + 5];
			rec.flags = lf & 0x1f;
			rec.level = lf >> 5;
		}
		p->open_line = !(prev_flags & LOG_NEWLINE);
		print_record(p, &rec, (rec.flags & LOG_CONT) && p->open_line);
		prev_flags = rec.flags;
		idx += len;
	}
out:
	free(buf);
	return err;
}

/* ---- the command --------------------------------------------------------- */

static vms_error *cmd_dmesg(vms_plugin_ctx *ctx, int argc, char **argv)
{
	struct printer p = { .out = vms_ctx_out(ctx) };
	uint64_t prb;
	vms_error *err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--level"))
			p.o.level = true;
		else
			return vms_error_create(VMS_ERR_INVALID, "unexpected argument '%s'", argv[i]);
	}
	vms_out_text_fields(p.out, false);
	vms_out_array_begin(p.out, "records");
	if (vms_ctx_symbol(ctx, "prb", &prb))
		err = dump_prb(ctx, prb, &p);
	else
		err = dump_log_buf(ctx, &p);
	vms_out_array_end(p.out);
	vms_out_text_fields(p.out, true);
	if (!err && vms_out_is_json(p.out))
		vms_out_uint(p.out, "count", p.count);
	return err;
}

static const struct vms_plugin_command commands[] = {
	{ "dmesg", "the kernel log (printk ring buffer or log_buf)", NULL, cmd_dmesg },
};

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "dmesg",
	.version = "1.0",
	.description = "the kernel log from the printk ring buffer (5.10+) or log_buf (3.5+)",
	.regions = NULL,
	.decode = NULL,
	.commands = commands,
	.ncommands = 1,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
