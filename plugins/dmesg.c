/* dmesg: the kernel log from a dump, like `crash> log`.
 *
 * Two layouts, both described by VMCOREINFO:
 *  - Linux 5.10+: the lockless printk ring buffer (SYMBOL(prb) points to a
 *    struct printk_ringbuffer: a descriptor ring of prb_desc + printk_info
 *    and a data ring of text blocks, each "unsigned long id" + text);
 *  - Linux 3.5 to 5.9: log_buf, a byte ring of struct printk_log records
 *    (SYMBOL(log_buf), log_buf_len, log_first_idx, log_next_idx); 3.5 to
 *    3.10 call the struct "log" (SIZE(log), OFFSET(log.ts_nsec)...).
 * Every line is printed as "[seconds.micros] text"; a message that holds
 * newlines prints each line with the message's timestamp, as the kernel
 * does.  Records are read the way the kernel's own readers read them
 * (prb_read_valid(), log_next()), so a log caught mid-write by the crash
 * shows what the kernel itself would have shown. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* The kernel's own limits: log_buf_len= is capped at 2 GiB
 * (LOG_BUF_LEN_MAX), and the ring has one descriptor per 32 bytes. */
#define MAX_DATA_BITS 31
#define MAX_DESC_BITS 26

/* printk_log.flags / printk_info.flags */
enum { LOG_NEWLINE = 2, LOG_PREFIX = 4, LOG_CONT = 8 };

/* prb_desc.state_var: the top two bits are the state, the rest the id. */
#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK (~(3ull << DESC_FLAGS_SHIFT))
enum { DESC_RESERVED, DESC_COMMITTED, DESC_FINALIZED, DESC_REUSABLE };

/* Data-less blocks (odd lpos values): an empty line has no data block;
 * a failed reservation has lost its text.  5.10 to 6.6 call the empty
 * line value NO_LPOS, later kernels EMPTY_LINE_LPOS; both are 3. */
#define EMPTY_LINE_LPOS 3

struct opts {
	bool level;	/* --level, --raw: "<N>" before each line */
	bool no_time;	/* --no-time: no "[seconds.micros]" */
	bool caller;	/* --caller: "[T123]" / "[C1]" after the time */
	bool dict;	/* --dict: the record's SUBSYSTEM= / DEVICE= lines */
};

struct record {
	uint64_t seq;
	bool have_seq;
	uint64_t ts_nsec;
	unsigned int level, facility, flags;
	uint32_t caller_id;
	bool have_caller;
	const char *text;
	size_t len;
	/* log_buf: "KEY=value\0KEY=value" */
	const char *dict;
	size_t dict_len;
	/* ring buffer: dev_info's subsystem and device names (lengths
	 * without the NUL padding) */
	const char *subsystem, *device;
	size_t subsystem_len, device_len;
};

struct printer {
	vms_out *out;
	struct opts o;
	uint64_t count, lost, reserved;
	/* Text of the output line being assembled: a log_buf record of a
	 * pre-4.10 kernel may end without a newline and the next continue it. */
	char *line;
	size_t line_len, line_cap;
	bool line_open;
	vms_error *err;		/* first allocation failure */
};

static void line_add(struct printer *p, const char *s, size_t n)
{
	p->line_open = true;	/* even empty: an empty line is a line */
	if (p->err || !n)
		return;
	if (p->line_cap - p->line_len < n) {
		size_t cap = p->line_cap ? p->line_cap : 256;
		char *l;

		while (cap - p->line_len < n)
			cap *= 2;
		if (!(l = realloc(p->line, cap))) {
			p->err = vms_error_create(VMS_ERR_NOMEM, "out of memory for a log line");
			return;
		}
		p->line = l;
		p->line_cap = cap;
	}
	memcpy(p->line + p->line_len, s, n);
	p->line_len += n;
}

static void line_end(struct printer *p)
{
	if (p->line_open)
		vms_out_text(p->out, "%.*s", (int)p->line_len, p->line ? p->line : "");
	p->line_len = 0;
	p->line_open = false;
}

/* The kernel's print_prefix(): "<N>" (syslog), "[%5lu.%06lu]" (time),
 * "[%6s]" of "T<pid>" or "C<cpu>" (CONFIG_PRINTK_CALLER), then a blank
 * when there was a time or a caller. */
static void add_prefix(struct printer *p, const struct record *r)
{
	char buf[96];
	int n = 0;

	if (p->o.level)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "<%u>", r->facility << 3 | r->level);
	if (!p->o.no_time)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "[%5" PRIu64 ".%06" PRIu64 "]",
			      r->ts_nsec / 1000000000, r->ts_nsec % 1000000000 / 1000);
	if (p->o.caller && r->have_caller) {
		char c[16];

		snprintf(c, sizeof(c), "%c%" PRIu32, r->caller_id & 0x80000000u ? 'C' : 'T',
			 r->caller_id & ~0x80000000u);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "[%6s]", c);
	}
	if (!p->o.no_time || (p->o.caller && r->have_caller))
		buf[n++] = ' ';
	line_add(p, buf, (size_t)n);
}

/* The next non-empty "KEY=value" of a log_buf dictionary (NUL-separated
 * entries between *pos and end); false at the end. */
static bool dict_next(const char **pos, const char *end, const char **kv, size_t *n)
{
	while (*pos && *pos < end) {
		const char *nul = memchr(*pos, '\0', (size_t)(end - *pos));

		*kv = *pos;
		*n = (size_t)((nul ? nul : end) - *pos);
		*pos = nul ? nul + 1 : end;
		if (*n)
			return true;
	}
	return false;
}

/* One dictionary line, as /dev/kmsg and `crash> log -d` print them:
 * indented by a blank. */
static void dict_line(struct printer *p, const char *key, const char *v, size_t n)
{
	line_add(p, " ", 1);
	if (key) {
		line_add(p, key, strlen(key));
		line_add(p, "=", 1);
	}
	line_add(p, v, n);
	line_end(p);
}

/* Prints one record.  prefix: begin with the prefix (false continues the
 * open line); newline: end the record's last line; cont: the record is
 * flagged as a continuation (JSON). */
static void print_record(struct printer *p, const struct record *r, bool prefix, bool newline,
			 bool cont)
{
	vms_out *out = p->out;
	const char *t = r->text, *end = r->text + r->len, *pos, *kv;
	bool has_dict = r->dict_len || r->subsystem_len || r->device_len;
	size_t n;

	vms_out_object_begin(out, NULL);
	if (r->have_seq)
		vms_out_uint(out, "seq", r->seq);
	else
		vms_out_null(out, "seq");
	vms_out_uint(out, "ts_nsec", r->ts_nsec);
	vms_out_uint(out, "level", r->level);
	vms_out_uint(out, "facility", r->facility);
	vms_out_uint(out, "flags", r->flags);
	if (r->have_caller)
		vms_out_hex(out, "caller_id", r->caller_id);
	vms_out_bool(out, "continuation", cont);
	vms_out_strn(out, "text", r->text, r->len);
	if (has_dict) {
		vms_out_array_begin(out, "dict");
		for (pos = r->dict; r->dict_len && dict_next(&pos, r->dict + r->dict_len, &kv, &n);)
			vms_out_strn(out, NULL, kv, n);
		if (r->subsystem_len)
			vms_out_strf(out, NULL, "SUBSYSTEM=%.*s", (int)r->subsystem_len, r->subsystem);
		if (r->device_len)
			vms_out_strf(out, NULL, "DEVICE=%.*s", (int)r->device_len, r->device);
		vms_out_array_end(out);
	}
	vms_out_object_end(out);
	p->count++;

	if (vms_out_is_json(out))
		return;
	/* Text: one output line per line of the message, each with the
	 * prefix (the kernel's msg_print_text() / record_print_text()). */
	if (!prefix && !p->line_open)
		prefix = true;
	for (;;) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));

		if (prefix)
			add_prefix(p, r);
		line_add(p, t, (size_t)((nl ? nl : end) - t));
		if (!nl)
			break;
		line_end(p);
		t = nl + 1;
		prefix = true;
	}
	if (newline)
		line_end(p);
	if (p->o.dict && has_dict) {
		line_end(p);
		for (pos = r->dict; r->dict_len && dict_next(&pos, r->dict + r->dict_len, &kv, &n);)
			dict_line(p, NULL, kv, n);
		if (r->subsystem_len)
			dict_line(p, "SUBSYSTEM", r->subsystem, r->subsystem_len);
		if (r->device_len)
			dict_line(p, "DEVICE", r->device, r->device_len);
	}
}

/* flags:5 then level:3 share a byte; compilers fill bit-fields from the
 * low bit on little-endian machines and from the high bit on big-endian. */
static void flags_level(uint8_t b, bool be, struct record *r)
{
	r->flags = be ? b >> 3 : b & 0x1f;
	r->level = be ? b & 7 : b >> 5;
}

/* Physical memory the dump covers: nothing the kernel keeps in memory
 * can be larger, so it bounds what a hostile VMCOREINFO can make us
 * allocate. */
static uint64_t dump_bytes(vms_plugin_ctx *ctx)
{
	vms_dump *d = vms_ctx_dump(ctx);
	const struct vms_range *r = vms_dump_ranges(d);
	uint64_t sum = 0;

	for (size_t i = 0; i < vms_dump_nranges(d); i++)
		sum += r[i].end - r[i].start;
	return sum;
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
	/* dev_info (SUBSYSTEM=, DEVICE=); o_subsys UINT64_MAX when absent */
	uint64_t o_subsys, o_device, len_subsys, len_device;
};

static vms_error *read_ulong(vms_plugin_ctx *ctx, uint64_t va, uint64_t *out)
{
	return vms_ctx_read_uint(ctx, va, 8, out);
}

/* The optional dev_info fields (5.10+: printk_info.dev_info holds the
 * subsystem and device names that used to be the dictionary). */
static void prb_setup_dev_info(vms_plugin_ctx *ctx, struct prb *r)
{
	uint64_t o_dev, sz_dev;
	int64_t ls, ld;
	vms_error *err;

	r->o_subsys = UINT64_MAX;
	if (!vms_ctx_vmcoreinfo_has(ctx, "LENGTH", "printk_info_subsystem", &ls) ||
	    !vms_ctx_vmcoreinfo_has(ctx, "LENGTH", "printk_info_device", &ld) ||
	    ls <= 0 || ld <= 0)
		return;
	if ((err = pl_size(ctx, "dev_printk_info", r->sz_info, &sz_dev)) ||
	    (err = pl_offset(ctx, "printk_info.dev_info", sz_dev, r->sz_info, &o_dev)) ||
	    (err = pl_offset(ctx, "dev_printk_info.subsystem", (size_t)ls, sz_dev, &r->o_subsys)) ||
	    (err = pl_offset(ctx, "dev_printk_info.device", (size_t)ld, sz_dev, &r->o_device))) {
		vms_error_free(err);
		r->o_subsys = UINT64_MAX;
		return;
	}
	r->o_subsys += o_dev;
	r->o_device += o_dev;
	r->len_subsys = (uint64_t)ls;
	r->len_device = (uint64_t)ld;
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
	    (err = pl_size(ctx, "prb_desc", 256, &r->sz_desc)) ||
	    (err = pl_size(ctx, "printk_info", 1024, &r->sz_info)) ||
	    (err = pl_size(ctx, "prb_data_blk_lpos", 64, &sz_lpos)) ||
	    (err = pl_offset(ctx, "printk_ringbuffer.desc_ring", sz_dr, sz_rb, &o_desc_ring)) ||
	    (err = pl_offset(ctx, "printk_ringbuffer.text_data_ring", sz_tr, sz_rb, &o_text_ring)) ||
	    (err = pl_offset(ctx, "prb_desc.state_var", 8, r->sz_desc, &r->o_sv)) ||
	    (err = pl_offset(ctx, "prb_desc.text_blk_lpos", sz_lpos, r->sz_desc, &r->o_lpos)) ||
	    (err = pl_offset(ctx, "prb_data_blk_lpos.begin", 8, sz_lpos, &r->o_begin)) ||
	    (err = pl_offset(ctx, "prb_data_blk_lpos.next", 8, sz_lpos, &r->o_next)) ||
	    (err = pl_offset(ctx, "printk_info.seq", 8, r->sz_info, &r->o_seq)) ||
	    (err = pl_offset(ctx, "printk_info.ts_nsec", 8, r->sz_info, &r->o_ts)) ||
	    /* text_len (u16), then facility (u8) and the flags:5/level:3
	     * byte, which VMCOREINFO does not name: this order is fixed
	     * since 5.10, as it was in printk_log. */
	    (err = pl_offset(ctx, "printk_info.text_len", 4, r->sz_info, &r->o_text_len)))
		return err;
	/* caller_id is always recorded since 5.10 (CONFIG_PRINTK_CALLER only
	 * decides whether it is printed); be lenient all the same. */
	if ((err = pl_offset(ctx, "printk_info.caller_id", 4, r->sz_info, &r->o_caller))) {
		vms_error_free(err);
		r->o_caller = UINT64_MAX;
	}
	prb_setup_dev_info(ctx, r);

	uint64_t dr = rb + o_desc_ring, tr = rb + o_text_ring;
	if ((err = pl_offset(ctx, "prb_desc_ring.count_bits", 4, sz_dr, &o)) ||
	    (err = vms_ctx_read_uint(ctx, dr + o, 4, &bits)))
		return err;
	if (bits > MAX_DESC_BITS)
		return vms_error_create(VMS_ERR_CORRUPT, "prb_desc_ring.count_bits %" PRIu64
					" at 0x%" PRIx64 " is implausible (at most %d)",
					bits, dr + o, MAX_DESC_BITS);
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
	if (bits > MAX_DATA_BITS || bits < 3)
		return vms_error_create(VMS_ERR_CORRUPT, "prb_data_ring.size_bits %" PRIu64
					" at 0x%" PRIx64 " is implausible (3 to %d)",
					bits, tr + o, MAX_DATA_BITS);
	r->data_size = 1ull << bits;
	if ((err = pl_offset(ctx, "prb_data_ring.data", 8, sz_tr, &o)) ||
	    (err = read_ulong(ctx, tr + o, &r->data)))
		return err;

	uint64_t have = dump_bytes(ctx);
	if (r->data_size > have || r->desc_count * r->sz_desc > have ||
	    r->desc_count * r->sz_info > have)
		return vms_error_create(VMS_ERR_CORRUPT,
					"printk ring of %" PRIu64 " bytes and %" PRIu64
					" descriptors is larger than the dump's %" PRIu64 " bytes of memory",
					r->data_size, r->desc_count, have);
	return NULL;
}

/* Where the text of a record lies in the data ring: the kernel's
 * get_data() and copy_data().  [begin, next) is one data block, an
 * "unsigned long id" then the text; a block that would run past the end
 * of the ring is stored whole at its start (begin is then one wrap behind
 * next).  Since Linux 6.19 a block may also end exactly at the end of the
 * ring; "next - 1" is its last byte in every version.  Returns false when
 * the text is lost: a failed reservation, an impossible position, a block
 * that belongs to another descriptor, or one shorter than text_len. */
static bool prb_text(const struct prb *r, const uint8_t *data, bool be, uint64_t id,
		     uint64_t begin, uint64_t next, size_t text_len, const char **text, size_t *len)
{
	unsigned int bits = (unsigned int)__builtin_ctzll(r->data_size);
	uint64_t mask = r->data_size - 1, off, size;

	if ((begin & 1) && (next & 1)) {
		if (begin != EMPTY_LINE_LPOS || next != EMPTY_LINE_LPOS)
			return false;	/* FAILED_LPOS: the text was never stored */
		*text = "";
		*len = 0;
		return true;
	}
	if ((begin & 7) || (next & 7))
		return false;
	if (begin >> bits == (next - 1) >> bits && next - begin <= r->data_size) {
		off = begin & mask;
		size = next - begin;
	} else if ((begin + r->data_size) >> bits == (next - 1) >> bits) {
		off = 0;
		size = next & mask;
	} else {
		return false;
	}
	if (size < 8 || size > r->data_size - off || size - 8 < text_len)
		return false;
	/* The block starts with the id of the descriptor that owns it. */
	if (pl_get(data, off, 8, be) != id)
		return false;
	*text = (const char *)data + off + 8;
	*len = text_len;
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

	/* Ids count up from tail to head through the 62-bit id space; the
	 * ring wraps many times over a machine's life. */
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

		/* A descriptor that does not carry this id is being recycled
		 * (the crash came between moving head_id and claiming it). */
		if ((sv & DESC_ID_MASK) != id)
			continue;
		/* Reserved: a printk() was writing it when the machine
		 * stopped; reusable: its text has been given up.  Committed
		 * records (not yet finalized, the kernel may still append a
		 * continuation) are complete as far as they go: shown, as
		 * crash shows them. */
		if (state == DESC_RESERVED) {
			p->reserved++;
			continue;
		}
		if (state == DESC_REUSABLE)
			continue;
		rec.seq = pl_get(in, r.o_seq, 8, be);
		rec.have_seq = true;
		rec.ts_nsec = pl_get(in, r.o_ts, 8, be);
		rec.facility = in[r.o_text_len + 2];
		flags_level(in[r.o_text_len + 3], be, &rec);
		if (r.o_caller != UINT64_MAX) {
			rec.caller_id = (uint32_t)pl_get(in, r.o_caller, 4, be);
			rec.have_caller = true;
		}
		if (r.o_subsys != UINT64_MAX) {
			rec.subsystem = (const char *)in + r.o_subsys;
			rec.subsystem_len = strnlen(rec.subsystem, r.len_subsys);
			rec.device = (const char *)in + r.o_device;
			rec.device_len = strnlen(rec.device, r.len_device);
		}
		if (!prb_text(&r, data, be, id, pl_get(d, r.o_lpos + r.o_begin, 8, be),
			      pl_get(d, r.o_lpos + r.o_next, 8, be),
			      (size_t)pl_get(in, r.o_text_len, 2, be), &rec.text, &rec.len)) {
			p->lost++;	/* the kernel's readers skip these too */
			continue;
		}
		/* The ring buffer merges continuations into their record
		 * itself; a LOG_CONT record it could not merge is printed on
		 * its own line by the kernel, and so here. */
		print_record(p, &rec, true, true, (rec.flags & LOG_CONT) != 0);
	}
out:
	free(data);
	free(descs);
	free(infos);
	return err;
}

/* ---- log_buf (3.5 to 5.9) ------------------------------------------------ */

/* Whether the kernel joins a LOG_CONT record to the line before it when
 * it prints the log: 3.5 to 4.9 did (msg_print_text() with the previous
 * record's flags); 4.10 ("printk: remove games with previous record
 * flags", also in 4.9.195 and later 4.9.y) prints every record on its own
 * line.  From VMCOREINFO's OSRELEASE; unknown: the newer behaviour. */
static bool joins_continuations(vms_plugin_ctx *ctx)
{
	const char *rel = vms_dump_vmcoreinfo_get(vms_ctx_dump(ctx), "OSRELEASE");
	unsigned int major, minor, sub = 0;

	if (!rel || sscanf(rel, "%u.%u.%u", &major, &minor, &sub) < 2)
		return false;
	if (major == 4 && minor == 9)
		return sub < 195;
	return major < 4 || (major == 4 && minor < 10);
}

/* VMCOREINFO name of the record struct: printk_log since 3.11, log
 * before. */
static vms_error *log_offsets(vms_plugin_ctx *ctx, uint64_t *sz, uint64_t *o_ts, uint64_t *o_len,
			      uint64_t *o_text_len, uint64_t *o_dict_len, uint64_t *o_caller)
{
	const char *s = "printk_log";
	char name[64];
	int64_t v;
	vms_error *err;

	*o_dict_len = 0;
	*o_caller = UINT64_MAX;
	if (!vms_ctx_vmcoreinfo_has(ctx, "SIZE", s, &v))
		s = "log";
#define OFF(field, width, out)                                                      \
	(snprintf(name, sizeof(name), "%s." field, s), pl_offset(ctx, name, width, *sz, out))
	if ((err = pl_size(ctx, s, 1024, sz)) || (err = OFF("ts_nsec", 8, o_ts)) ||
	    (err = OFF("len", 2, o_len)) || (err = OFF("text_len", 2, o_text_len)))
		return err;
	/* dict_len is exported since 3.5 too; facility and the flags:5 /
	 * level:3 byte follow it (not exported, fixed since 3.5). */
	if ((err = OFF("dict_len", 4, o_dict_len))) {
		vms_error_free(err);
		*o_dict_len = *o_text_len + 2;
		if (*o_dict_len + 4 > *sz)
			return vms_error_create(VMS_ERR_CORRUPT, "VMCOREINFO SIZE(%s)=%" PRIu64
						" has no room for dict_len, facility and level", s, *sz);
	}
	/* CONFIG_PRINTK_CALLER (5.1 to 5.9) appends caller_id and exports it. */
	if ((err = OFF("caller_id", 4, o_caller))) {
		vms_error_free(err);
		*o_caller = UINT64_MAX;
	}
#undef OFF
	return NULL;
}

static vms_error *dump_log_buf(vms_plugin_ctx *ctx, struct printer *p)
{
	uint64_t sym_buf, sym_len, sym_first, sym_next, sym_seq, buf_va, buf_len, first, next;
	uint64_t sz_log, o_ts, o_len, o_text_len, o_dict_len, o_caller, seq = 0;
	bool be = vms_dump_big_endian(vms_ctx_dump(ctx)), have_seq = false;
	bool join = joins_continuations(ctx);
	uint8_t *buf = NULL;
	vms_error *err;

	if (!vms_ctx_symbol(ctx, "log_buf", &sym_buf) ||
	    !vms_ctx_symbol(ctx, "log_buf_len", &sym_len) ||
	    !vms_ctx_symbol(ctx, "log_first_idx", &sym_first) ||
	    !vms_ctx_symbol(ctx, "log_next_idx", &sym_next))
		return vms_error_create(VMS_ERR_NOT_FOUND,
					"VMCOREINFO has neither SYMBOL(prb) (5.10+) nor SYMBOL(log_buf), "
					"log_buf_len, log_first_idx, log_next_idx (3.5+)");
	if ((err = log_offsets(ctx, &sz_log, &o_ts, &o_len, &o_text_len, &o_dict_len, &o_caller)) ||
	    (err = vms_ctx_read_uint(ctx, sym_buf, 8, &buf_va)) ||
	    (err = vms_ctx_read_uint(ctx, sym_len, 4, &buf_len)) ||
	    (err = vms_ctx_read_uint(ctx, sym_first, 4, &first)) ||
	    (err = vms_ctx_read_uint(ctx, sym_next, 4, &next)))
		return err;
	if (!buf_len || buf_len > (1ull << MAX_DATA_BITS) || buf_len > dump_bytes(ctx) ||
	    first >= buf_len || next >= buf_len)
		return vms_error_create(VMS_ERR_CORRUPT,
					"log_buf: length %" PRIu64 ", first %" PRIu64 ", next %" PRIu64
					" are inconsistent", buf_len, first, next);
	/* Sequence numbers are not in the records; log_first_seq is not in
	 * VMCOREINFO, but a symbol table may have it. */
	if (vms_ctx_symbol(ctx, "log_first_seq", &sym_seq)) {
		vms_error *e = vms_ctx_read_uint(ctx, sym_seq, 8, &seq);
		have_seq = !e;
		vms_error_free(e);
	}
	if (!(buf = malloc(buf_len)))
		return vms_error_create(VMS_ERR_NOMEM, "out of memory for log_buf");
	if ((err = vms_ctx_read_virt(ctx, buf_va, buf, buf_len, VMS_READ_ZERO_FILL)))
		goto out;

	/* The kernel's log_next(): records follow one another from
	 * log_first_idx to log_next_idx; a record of length 0 (or no room
	 * left for a header) marks the writer's wrap to offset 0.  At most
	 * buf_len / sz_log records plus one wrap: a cycle in corrupt data
	 * ends. */
	uint64_t idx = first;
	unsigned int prev = LOG_NEWLINE;
	bool wrapped = false;
	for (uint64_t guard = 0; idx != next; guard++) {
		struct record rec = { 0 };
		uint64_t len;
		bool prefix = true, newline = true;

		if (guard > buf_len / sz_log + 1) {
			err = vms_error_create(VMS_ERR_CORRUPT, "log_buf: records from log_first_idx %"
					       PRIu64 " never reach log_next_idx %" PRIu64, first, next);
			break;
		}
		len = idx + sz_log > buf_len ? 0 : pl_get(buf, idx + o_len, 2, be);
		if (!len) {
			if (wrapped) {
				err = vms_error_create(VMS_ERR_CORRUPT, "log_buf: a second wrap at "
						       "offset %" PRIu64 " before log_next_idx %" PRIu64,
						       idx, next);
				break;
			}
			wrapped = true;
			idx = 0;
			continue;
		}
		if (len < sz_log || len > buf_len - idx) {
			err = vms_error_create(VMS_ERR_CORRUPT, "log_buf: the record at offset %"
					       PRIu64 " has length %" PRIu64 " (header %" PRIu64
					       ", buffer %" PRIu64 ")", idx, len, sz_log, buf_len);
			break;
		}
		rec.seq = seq++;
		rec.have_seq = have_seq;
		rec.ts_nsec = pl_get(buf, idx + o_ts, 8, be);
		rec.len = (size_t)pl_get(buf, idx + o_text_len, 2, be);
		rec.dict_len = (size_t)pl_get(buf, idx + o_dict_len, 2, be);
		if (rec.len > len - sz_log)
			rec.len = (size_t)(len - sz_log);
		if (rec.dict_len > len - sz_log - rec.len)
			rec.dict_len = (size_t)(len - sz_log - rec.len);
		rec.text = (const char *)buf + idx + sz_log;
		rec.dict = rec.text + rec.len;
		rec.facility = buf[idx + o_dict_len + 2];
		flags_level(buf[idx + o_dict_len + 3], be, &rec);
		if (o_caller != UINT64_MAX) {
			rec.caller_id = (uint32_t)pl_get(buf, idx + o_caller, 4, be);
			rec.have_caller = true;
		}
		/* 3.5 to 4.8: msg_print_text(msg, prev) leaves out the prefix
		 * of a record that continues the line of a LOG_CONT record, and
		 * the newline after a LOG_CONT record without LOG_NEWLINE. */
		if (join) {
			if ((prev & LOG_CONT) && !(rec.flags & LOG_PREFIX))
				prefix = false;
			if (rec.flags & LOG_CONT) {
				if ((prev & LOG_CONT) && !(prev & LOG_NEWLINE))
					prefix = false;
				if (!(rec.flags & LOG_NEWLINE))
					newline = false;
			}
		}
		print_record(p, &rec, prefix, newline, (rec.flags & LOG_CONT) != 0);
		prev = rec.flags;
		idx += len;
	}
	line_end(p);
out:
	free(buf);
	return err;
}

/* ---- the command --------------------------------------------------------- */

static const char help[] =
	"Usage: vmscope dmesg [OPTIONS] DUMP...\n"
	"The kernel log at the time of the dump, read from the printk ring buffer\n"
	"(Linux 5.10+: VMCOREINFO SYMBOL(prb) and the printk_ringbuffer offsets) or\n"
	"the older log_buf (3.5 to 5.9), one line per line of each message, as the\n"
	"kernel prints it: \"[seconds.micros] text\".\n\n"
	"Options:\n"
	"      --level, --raw     prefix each line with <N>, N = facility * 8 + level\n"
	"      --no-time          leave out the timestamps\n"
	"      --caller           show the caller id after the time, [T<pid>] or\n"
	"                         [C<cpu>], as CONFIG_PRINTK_CALLER prints it\n"
	"      --dict             show each record's dictionary (SUBSYSTEM=, DEVICE=)\n"
	"                         on indented lines after it\n"
	"      --plugin FILE      load this plugin too (repeatable)\n"
	"      --no-default-plugins  only the plugins given with --plugin\n"
	"      --json             machine-readable output\n"
	"      --help             show this help\n";

static vms_error *cmd_dmesg(vms_plugin_ctx *ctx, int argc, char **argv)
{
	struct printer p = { .out = vms_ctx_out(ctx) };
	uint64_t prb;
	vms_error *err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--level") || !strcmp(argv[i], "--raw"))
			p.o.level = true;
		else if (!strcmp(argv[i], "--no-time"))
			p.o.no_time = true;
		else if (!strcmp(argv[i], "--caller"))
			p.o.caller = true;
		else if (!strcmp(argv[i], "--dict"))
			p.o.dict = true;
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
	if (!err && p.err) {
		err = p.err;
		p.err = NULL;
	}
	vms_error_free(p.err);
	free(p.line);
	if (!err && vms_out_is_json(p.out)) {
		vms_out_uint(p.out, "count", p.count);
		vms_out_uint(p.out, "lost", p.lost);
		vms_out_uint(p.out, "reserved", p.reserved);
	}
	return err;
}

static const struct vms_plugin_command commands[] = {
	{ "dmesg", "the kernel log (printk ring buffer or log_buf)", help, cmd_dmesg },
};

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "dmesg",
	.version = "1.1",
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
