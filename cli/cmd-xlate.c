/* vmscope xlate: translate a stream of addresses, one a line, in order.
 *
 * The stream is cut into chunks of whole lines, 256 KiB of raw input each.
 * A chunk is split into lines, parsed, translated in batches (one
 * vms_xlator_vtop() call per 4096 lines) and formatted into its own output
 * buffer; with -j N, N workers do that, each with its own dump, layout and
 * translator (neither is thread-safe), while the main thread only reads
 * raw chunks and writes finished ones strictly in input order, so it does
 * no per-line work that would serialize the workers.  At most 2N chunks are in
 * flight, so memory stays bounded whatever the input length.  Output is a
 * pure function of the line, so -j 1 and -j N write the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmscope/analyzer.h>
#include "cli.h"
#include "cmd-xlate.h"

#define MAX_LINE 256		/* longer lines are an error for that line */
#define ECHO_MAX 64		/* bytes of an overlong line echoed back */
#define CHUNK_LINES 4096	/* lines translated in one batch call */
#define CHUNK_BYTES (1 << 18)	/* input bytes handed to a worker at once */
#define MAX_JOBS 64

enum kind { K_VA, K_PA, K_PFN, K_PAGE, K_REGION };
static const char *const kind_names[] = { "va", "pa", "pfn", "page", "region" };
enum format { F_TSV, F_CSV, F_JSONL };

enum {
	OPT_FROM = CLI_OPT_FIRST_COMMAND_SPECIFIC + 0x60,
	OPT_TO,
	OPT_FORMAT,
	OPT_INPUT,
	OPT_DECIMAL,
	OPT_NO_HEADER,
	OPT_STATS,
};

static const char xlate_help[] =
	"Usage: vmscope xlate [OPTIONS] DUMP... < ADDRESSES\n"
	"Translate addresses read one a line from standard input (or --input FILE):\n"
	"hex, 0x optional (decimal with --decimal), blanks around them ignored.  One\n"
	"output line per input line, in the same order: the input as given, the\n"
	"result, the page size of the mapping (when a page-table walk was involved),\n"
	"the region, and an error.  A bad, blank, overlong or unmapped line gets its\n"
	"error and the stream goes on.  Output is streamed; memory stays bounded.\n\n"
	"Options:\n"
	"      --from KIND        va (default), pa, pfn or page (a struct page address)\n"
	"      --to KIND          pa (default; va when --from pa), va (the direct-map\n"
	"                         address), pfn, page, or region (region only)\n"
	"      --format FMT       tsv (default), csv, or jsonl (--json is jsonl)\n"
	"      --no-header        no header line for tsv and csv\n"
	"      --input FILE       read addresses from FILE instead of standard input\n"
	"      --decimal          addresses are decimal\n"
	"  -j, --jobs N           translate with N threads (output order is kept)\n"
	"      --stats            print where translations came from to stderr\n"
	CLI_COMMON_HELP
	"Exit status: 0 when every line translated, 1 when any failed, 2 usage.\n";

struct xopts {
	enum kind from, to;
	enum format fmt;
	bool header, decimal, stats;
	const char *input;
	unsigned jobs;
	struct cli_common c;
	char **files;
	size_t nfiles;
};

/* ---- growable output buffer ---------------------------------------------- */

struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void ob_grow(struct obuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 65536;
	while (cap < b->len + n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static inline void ob_reserve(struct obuf *b, size_t n)
{
	if (b->len + n > b->cap)
		ob_grow(b, n);
}

static inline void ob_mem(struct obuf *b, const char *s, size_t n)
{
	ob_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void ob_str(struct obuf *b, const char *s)
{
	ob_mem(b, s, strlen(s));
}

static inline void ob_char(struct obuf *b, char c)
{
	ob_reserve(b, 1);
	if (!b->oom)
		b->p[b->len++] = c;
}

/* "0x..." lower-case, as every vmscope command prints addresses. */
static inline void ob_hex(struct obuf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	unsigned n = v ? (unsigned)(67 - __builtin_clzll(v)) / 4 : 1;

	ob_reserve(b, n + 2);
	if (b->oom)
		return;
	char *p = b->p + b->len;
	p[0] = '0';
	p[1] = 'x';
	for (unsigned i = n + 1; i > 1; i--) {
		p[i] = digits[v & 15];
		v >>= 4;
	}
	b->len += n + 2;
}

/* A field as the format wants it: TSV escapes tab, newline, backslash and
 * other control bytes as \t \n \\ \xNN; CSV quotes (RFC 4180) when needed;
 * JSON escapes within quotes. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && c != '"' && c != ',';
}

static void ob_field(struct obuf *b, enum format fmt, const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t k = 0;

	/* Almost every field (addresses, region names, messages) needs no
	 * escaping in any format: one copy.  The careful path below is for
	 * the rest. */
	while (k < n && plain((unsigned char)s[k]))
		k++;
	if (k == n && (fmt != F_CSV || !n || (s[0] != ' ' && s[n - 1] != ' '))) {
		if (fmt == F_JSONL)
			ob_char(b, '"');
		ob_mem(b, s, n);
		if (fmt == F_JSONL)
			ob_char(b, '"');
		return;
	}
	if (fmt == F_CSV) {
		bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
		for (size_t i = 0; i < n && !quote; i++)
			quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
		if (!quote) {
			ob_mem(b, s, n);
			return;
		}
		ob_char(b, '"');
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"')
				ob_char(b, '"');
			ob_char(b, s[i]);
		}
		ob_char(b, '"');
		return;
	}
	if (fmt == F_JSONL)
		ob_char(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c == '\\' || (fmt == F_JSONL && c == '"')) {
			esc[0] = '\\';
			esc[1] = (char)c;
			ob_mem(b, esc, 2);
		} else if (c == '\t' && fmt == F_TSV) {
			ob_mem(b, "\\t", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			/* JSON gets \u00XX (the byte as Latin-1), TSV \xNN. */
			if (fmt == F_JSONL)
				ob_mem(b, "\\u00", 4);
			else
				ob_mem(b, "\\x", 2);
			esc[0] = digits[c >> 4];
			esc[1] = digits[c & 15];
			ob_mem(b, esc, 2);
		} else {
			ob_char(b, (char)c);
		}
	}
	if (fmt == F_JSONL)
		ob_char(b, '"');
}

/* ---- chunks ---------------------------------------------------------------- */

struct line {
	uint32_t off, len;	/* in the chunk's text */
	bool toolong;
	bool plain;		/* parsed, untrimmed: echoed as is in every format */
	const char *perr;	/* parse error, or NULL */
	uint64_t v;
};

enum slot_state { S_FREE, S_READY, S_BUSY, S_DONE };

struct chunk {
	enum slot_state state;
	uint64_t seq;
	char text[CHUNK_BYTES];	/* whole lines, each ending in '\n' */
	size_t tlen;
	struct line lines[CHUNK_LINES];	/* one batch of them */
	size_t nlines;
	/* per-chunk work space */
	uint64_t va[CHUNK_LINES];
	struct vms_xlate_result res[CHUNK_LINES];
	struct obuf out;
	size_t nfailed;
};

/* One dump, layout and translator: one per worker. */
struct ctx {
	vms_dump *dump;
	vms_layout *layout;
	vms_xlator *x;
	uint32_t page_size;
	unsigned page_shift;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static const char *parse_line(const char *s, size_t n, bool decimal, uint64_t *out,
			      bool *plain)
{
	uint64_t v = 0;
	size_t i = 0, start, len = n, lead;

	while (n && is_space(s[n - 1]))
		n--;
	while (i < n && is_space(s[i]))
		i++;
	if (i == n)
		return "empty line";
	lead = i;
	if (!decimal && n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		i += 2;
	start = i;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (!decimal && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (!decimal && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return decimal ? "not a decimal number" : "not a hex address";
		if (decimal) {
			if (v > (UINT64_MAX - d) / 10)
				return "number does not fit in 64 bits";
			v = v * 10 + d;
		} else {
			if (v >> 60)
				return "address does not fit in 64 bits";
			v = v << 4 | d;
		}
	}
	if (i == start)
		return decimal ? "not a decimal number" : "not a hex address";
	*out = v;
	*plain = n == len && !lead;	/* nothing trimmed: digits and 0x only */
	return NULL;
}

/* The answer for one line, before formatting. */
struct answer {
	const char *err;	/* static text, or msg */
	bool have_result, have_psize, have_region;
	uint64_t result;
	uint64_t psize;
	const char *region;
	char msg[512];		/* last: only its first byte is cleared per line */
};

static void set_err(struct answer *a, vms_error *err)
{
	snprintf(a->msg, sizeof(a->msg), "%s", vms_error_message(err));
	a->err = a->msg;
	vms_error_free(err);
}

/* PA -> the requested kind; also the region of the direct-map alias. */
static void from_pa(const struct xopts *o, struct ctx *c, uint64_t pa, struct answer *a,
		    bool want_region)
{
	vms_error *err;

	switch (o->to) {
	case K_PA:
		a->result = pa;
		a->have_result = true;
		break;
	case K_PFN:
		a->result = pa >> c->page_shift;
		a->have_result = true;
		break;
	case K_PAGE:
		if ((err = vms_pfn_to_page(c->layout, pa >> c->page_shift, &a->result)))
			return set_err(a, err);
		a->have_result = true;
		break;
	case K_VA:
	case K_REGION:
		break;
	}
	if (o->to == K_VA || (want_region && (o->to == K_REGION || o->from != K_VA))) {
		struct vms_ptov p;
		if ((err = vms_ptov(c->layout, pa, &p)))
			return set_err(a, err);
		if (p.have_direct) {
			const struct vms_region *r = vms_region_of(c->layout, p.direct);
			a->region = r ? r->name : NULL;
			a->have_region = r != NULL;
			if (o->to == K_VA) {
				a->result = p.direct;
				a->have_result = true;
			}
		} else if (o->to == K_VA) {
			snprintf(a->msg, sizeof(a->msg),
				 "PA 0x%" PRIx64 " has no direct-map address", pa);
			a->err = a->msg;
		}
	}
}

static void answer_line(const struct xopts *o, struct ctx *c, const struct line *ln,
			const struct vms_xlate_result *r, struct answer *a)
{
	vms_error *err;
	uint64_t pa;

	memset(a, 0, offsetof(struct answer, msg));
	a->msg[0] = '\0';
	if (ln->toolong) {
		a->err = "line longer than 256 bytes";
		return;
	}
	if (ln->perr) {
		a->err = ln->perr;
		return;
	}
	switch (o->from) {
	case K_VA: {
		const struct vms_region *reg = vms_region_of(c->layout, ln->v);
		if (reg) {
			a->region = reg->name;
			a->have_region = true;
		}
		if (o->to == K_REGION)
			return;
		if (o->to == K_VA) {
			a->result = ln->v;
			a->have_result = true;
			return;
		}
		if (r->error) {
			/* The batch gave only the code; the translator knows the
			 * words, the same ones vtop prints. */
			vms_xlator_message(c->x, ln->v, r, a->msg, sizeof(a->msg));
			a->err = a->msg;
			return;
		}
		a->psize = r->page_size;
		a->have_psize = true;
		return from_pa(o, c, r->paddr, a, false);
	}
	case K_PA:
		return from_pa(o, c, ln->v, a, true);
	case K_PFN:
		if (ln->v > (UINT64_MAX >> c->page_shift)) {
			a->err = "pfn out of range";
			return;
		}
		return from_pa(o, c, ln->v << c->page_shift, a, true);
	case K_PAGE:
		if ((err = vms_page_to_pfn(c->layout, ln->v, &pa)))
			return set_err(a, err);
		if (pa > (UINT64_MAX >> c->page_shift)) {
			a->err = "pfn out of range";
			return;
		}
		return from_pa(o, c, pa << c->page_shift, a, true);
	case K_REGION:
		break;
	}
}

static bool show_result(const struct xopts *o)
{
	return o->to != K_REGION;
}

static bool show_psize(const struct xopts *o)
{
	return o->from == K_VA && o->to != K_REGION && o->to != K_VA;
}

static void write_header(const struct xopts *o, struct obuf *b)
{
	char sep = o->fmt == F_CSV ? ',' : '\t';

	if (o->fmt == F_JSONL || !o->header)
		return;
	ob_str(b, "input");
	if (show_result(o)) {
		ob_char(b, sep);
		ob_str(b, kind_names[o->to]);
	}
	if (show_psize(o)) {
		ob_char(b, sep);
		ob_str(b, "page_size");
	}
	ob_char(b, sep);
	ob_str(b, "region");
	ob_char(b, sep);
	ob_str(b, "error");
	ob_char(b, '\n');
}

static void format_line(const struct xopts *o, const char *text, const struct line *ln,
			const struct answer *a, struct obuf *b)
{
	size_t elen = ln->toolong ? ECHO_MAX : ln->len;
	char echo[ECHO_MAX + 4];
	const char *in = text + ln->off;

	if (ln->toolong) {
		memcpy(echo, in, ECHO_MAX);
		memcpy(echo + ECHO_MAX, "...", 3);
		in = echo;
		elen = ECHO_MAX + 3;
	}
	/* One check for room for the whole line: the fields' bytes escaped
	 * (at most 6 each), two numbers and the JSON keys. */
	ob_reserve(b, 6 * (elen + (a->region ? strlen(a->region) : 0) +
			   (a->err ? strlen(a->err) : 0)) + 128);
	if (b->oom)
		return;
	if (o->fmt == F_JSONL) {
		ob_str(b, "{\"input\":");
		ob_field(b, o->fmt, in, elen);
		if (show_result(o) && a->have_result && !a->err) {
			ob_str(b, ",\"");
			ob_str(b, kind_names[o->to]);
			ob_str(b, "\":\"");
			ob_hex(b, a->result);
			ob_char(b, '"');
		}
		if (show_psize(o) && a->have_psize && !a->err) {
			ob_str(b, ",\"page_size\":\"");
			ob_hex(b, a->psize);
			ob_char(b, '"');
		}
		if (a->have_region) {
			ob_str(b, ",\"region\":");
			ob_field(b, o->fmt, a->region, strlen(a->region));
		}
		if (a->err) {
			ob_str(b, ",\"error\":");
			ob_field(b, o->fmt, a->err, strlen(a->err));
		}
		ob_str(b, "}\n");
		return;
	}
	char sep = o->fmt == F_CSV ? ',' : '\t';
	if (ln->plain)
		ob_mem(b, in, elen);
	else
		ob_field(b, o->fmt, in, elen);
	if (show_result(o)) {
		ob_char(b, sep);
		if (a->have_result && !a->err)
			ob_hex(b, a->result);
	}
	if (show_psize(o)) {
		ob_char(b, sep);
		if (a->have_psize && !a->err)
			ob_hex(b, a->psize);
	}
	ob_char(b, sep);
	if (a->have_region)
		ob_field(b, o->fmt, a->region, strlen(a->region));
	ob_char(b, sep);
	if (a->err)
		ob_field(b, o->fmt, a->err, strlen(a->err));
	ob_char(b, '\n');
}

/* Parses, translates and formats one chunk with one context. */
static void process_batch(const struct xopts *o, struct ctx *c, struct chunk *k)
{
	size_t nva = 0;
	struct answer a;

	for (size_t i = 0; i < k->nlines; i++) {
		struct line *ln = &k->lines[i];
		ln->plain = false;
		if (!ln->toolong)
			ln->perr = parse_line(k->text + ln->off, ln->len, o->decimal, &ln->v,
					      &ln->plain);
		if (!ln->toolong && !ln->perr && o->from == K_VA)
			k->va[nva++] = ln->v;
	}
	/* One batch call for the whole chunk: the fast path. */
	if (nva && o->from == K_VA && o->to != K_REGION && o->to != K_VA)
		vms_xlator_vtop(c->x, k->va, nva, k->res);
	nva = 0;
	for (size_t i = 0; i < k->nlines; i++) {
		const struct line *ln = &k->lines[i];
		bool batched = !ln->toolong && !ln->perr && o->from == K_VA;
		static const struct vms_xlate_result none = { 0, 0, 0 };

		answer_line(o, c, ln, batched ? &k->res[nva] : &none, &a);
		nva += batched;
		k->nfailed += a.err != NULL;
		format_line(o, k->text, ln, &a, &k->out);
	}
}

/* Splits the chunk's text into lines and processes them batch by batch.
 * Only the first MAX_LINE + 1 bytes of a line are needed: more means the
 * line is too long. */
static void process_chunk(const struct xopts *o, struct ctx *c, struct chunk *k)
{
	size_t pos = 0;

	k->out.len = 0;
	k->nfailed = 0;
	while (pos < k->tlen) {
		k->nlines = 0;
		while (pos < k->tlen && k->nlines < CHUNK_LINES) {
			const char *p = k->text + pos;
			const char *nl = memchr(p, '\n', k->tlen - pos);
			size_t len = nl ? (size_t)(nl - p) : k->tlen - pos;
			struct line *ln = &k->lines[k->nlines++];

			ln->off = (uint32_t)pos;
			ln->toolong = len > MAX_LINE;
			ln->len = (uint32_t)(ln->toolong ? MAX_LINE : len);
			ln->perr = NULL;
			pos += len + 1;
		}
		process_batch(o, c, k);
	}
}

/* ---- input ------------------------------------------------------------------ */

struct reader {
	int fd;
	bool eof;
	bool skipping;		/* dropping the rest of an overlong line */
	vms_error *err;
	const char *name;
	char carry[MAX_LINE + 1];	/* a partial line, for the next chunk */
	size_t ncarry;
};

/* Fills the chunk with whole lines of raw input: everything read up to
 * the last newline; the partial line after it is carried to the next
 * chunk.  Of an overlong line only the first MAX_LINE + 1 bytes are kept
 * (enough to echo it and to know it is too long), so the carry stays
 * small.  The input's last line gets a newline if it has none.  Leaves
 * the chunk empty only at the end of the input. */
static void read_chunk(struct reader *r, struct chunk *k)
{
	do {
		memcpy(k->text, r->carry, r->ncarry);
		k->tlen = r->ncarry;
		r->ncarry = 0;
		while (!r->eof && k->tlen < CHUNK_BYTES - 1) {
			char *p = k->text + k->tlen;
			ssize_t n;

			do
				n = read(r->fd, p, CHUNK_BYTES - 1 - k->tlen);
			while (n < 0 && errno == EINTR);
			if (n <= 0) {
				if (n < 0)
					r->err = vms_error_create(VMS_ERR_IO, "reading %s: %s", r->name,
								  strerror(errno));
				r->eof = true;
				break;
			}
			if (r->skipping) {
				char *nl = memchr(p, '\n', (size_t)n);
				if (!nl)
					continue;	/* all of it is the overlong line's */
				n -= nl - p;
				memmove(p, nl, (size_t)n);
				r->skipping = false;
			}
			k->tlen += (size_t)n;
		}
		if (r->eof) {
			if (k->tlen && k->text[k->tlen - 1] != '\n')
				k->text[k->tlen++] = '\n';
			return;
		}
		char *last = memrchr(k->text, '\n', k->tlen);
		size_t keep = last ? (size_t)(last + 1 - k->text) : 0, part = k->tlen - keep;
		if (part > MAX_LINE) {
			part = MAX_LINE + 1;
			r->skipping = true;
		}
		memcpy(r->carry, k->text + keep, part);
		r->ncarry = part;
		k->tlen = keep;
	} while (!k->tlen);
}

/* ---- contexts and workers ------------------------------------------------- */

static vms_error *ctx_open(const struct xopts *o, struct ctx *c)
{
	struct vms_detect_options d = VMS_DETECT_OPTIONS_INIT;
	vms_error *err = cli_open(o->files, o->nfiles, &o->c, &c->dump);

	if (err)
		return err;
	d.ignore_vmcoreinfo = o->c.no_vmcoreinfo;
	if ((err = vms_layout_detect(c->dump, &d, &c->layout)))
		return err;
	c->page_size = vms_layout_page_size(c->layout);
	if (!c->page_size || (c->page_size & (c->page_size - 1)))
		return vms_error_create(VMS_ERR_UNSUPPORTED, "page size %u is not a power of two",
					c->page_size);
	for (c->page_shift = 0; (UINT32_C(1) << c->page_shift) < c->page_size; c->page_shift++)
		;
	/* Only VA input needs the translator's run list and TLB. */
	return vms_xlator_new(c->layout, &c->x);
}

static void ctx_close(struct ctx *c)
{
	vms_xlator_free(c->x);
	vms_layout_free(c->layout);
	vms_dump_close(c->dump);
}

struct pipeline {
	const struct xopts *o;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, main_cv;
	struct chunk **slots;
	size_t nslots;
	uint64_t seq_read, seq_take;
	bool eof;
};

struct worker {
	struct pipeline *p;
	struct ctx c;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipeline *p = w->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->seq_take == p->seq_read && !p->eof)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->seq_take == p->seq_read)
			break;	/* eof and nothing left */
		struct chunk *k = p->slots[p->seq_take % p->nslots];
		p->seq_take++;
		k->state = S_BUSY;
		pthread_mutex_unlock(&p->mu);
		process_chunk(p->o, &w->c, k);
		pthread_mutex_lock(&p->mu);
		k->state = S_DONE;
		pthread_cond_signal(&p->main_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static bool write_out(struct obuf *b)
{
	if (b->oom) {
		cli_error("out of memory formatting output");
		return false;
	}
	if (b->len && fwrite(b->p, 1, b->len, stdout) != b->len) {
		cli_error("writing output: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Runs the stream; returns the number of failed lines, or -1 on an I/O or
 * setup error (already reported). */
static long long run(const struct xopts *o, struct ctx *ctxs, struct reader *r)
{
	unsigned n = o->jobs;
	long long failed = 0;
	bool ok = true;

	if (n == 1) {
		struct chunk *k = calloc(1, sizeof(*k));
		if (!k) {
			cli_error("out of memory");
			return -1;
		}
		for (;;) {
			read_chunk(r, k);
			if (!k->tlen)
				break;
			process_chunk(o, &ctxs[0], k);
			failed += (long long)k->nfailed;
			if (!(ok = write_out(&k->out)))
				break;
		}
		free(k->out.p);
		free(k);
		return ok ? failed : -1;
	}

	struct pipeline p = { .o = o, .nslots = 2 * (size_t)n };
	struct worker *w = calloc(n, sizeof(*w));
	pthread_t *tid = calloc(n, sizeof(*tid));
	unsigned started = 0;
	uint64_t seq_write = 0;

	p.slots = calloc(p.nslots, sizeof(*p.slots));
	if (!w || !tid || !p.slots) {
		cli_error("out of memory");
		ok = false;
	}
	for (size_t i = 0; ok && i < p.nslots; i++)
		if (!(p.slots[i] = calloc(1, sizeof(**p.slots)))) {
			cli_error("out of memory");
			ok = false;
		}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work_cv, NULL);
	pthread_cond_init(&p.main_cv, NULL);
	for (unsigned i = 0; ok && i < n; i++) {
		w[i].p = &p;
		w[i].c = ctxs[i];
		if (pthread_create(&tid[i], NULL, worker_main, &w[i])) {
			cli_error("cannot start a thread");
			ok = false;
			break;
		}
		started++;
	}
	pthread_mutex_lock(&p.mu);
	while (ok) {
		/* Write what is finished, in order. */
		struct chunk *k = p.slots[seq_write % p.nslots];
		if (seq_write < p.seq_read && k->state == S_DONE) {
			pthread_mutex_unlock(&p.mu);
			failed += (long long)k->nfailed;
			ok = write_out(&k->out);
			pthread_mutex_lock(&p.mu);
			k->state = S_FREE;
			seq_write++;
			continue;
		}
		/* Read into the next slot once its last chunk is written. */
		k = p.slots[p.seq_read % p.nslots];
		if (!p.eof && k->state == S_FREE) {
			pthread_mutex_unlock(&p.mu);
			read_chunk(r, k);
			pthread_mutex_lock(&p.mu);
			if (k->tlen) {
				k->state = S_READY;
				p.seq_read++;
				pthread_cond_signal(&p.work_cv);
			} else {
				p.eof = true;
				pthread_cond_broadcast(&p.work_cv);
			}
			continue;
		}
		if (p.eof && seq_write == p.seq_read)
			break;
		pthread_cond_wait(&p.main_cv, &p.mu);
	}
	/* Stop the workers (also after an error: pretend the input ended). */
	p.eof = true;
	if (!ok)
		p.seq_take = p.seq_read;	/* drop queued work */
	pthread_cond_broadcast(&p.work_cv);
	pthread_mutex_unlock(&p.mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; p.slots && i < p.nslots; i++) {
		if (p.slots[i])
			free(p.slots[i]->out.p);
		free(p.slots[i]);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.work_cv);
	pthread_cond_destroy(&p.main_cv);
	free(p.slots);
	free(w);
	free(tid);
	return ok ? failed : -1;
}

/* ---- the command ---------------------------------------------------------- */

static bool parse_kind(const char *s, enum kind *k, bool allow_region)
{
	for (unsigned i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(s, kind_names[i]) && (allow_region || i != K_REGION)) {
			*k = (enum kind)i;
			return true;
		}
	return false;
}

int vms_cmd_xlate(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "decimal", no_argument, NULL, OPT_DECIMAL },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct xopts o = { .from = K_VA, .to = K_PA, .fmt = F_TSV, .header = true, .jobs = 1 };
	bool bad = false, have_to = false, have_fmt = false;
	struct reader *r = NULL;
	struct ctx *ctxs = NULL;
	static char outbuf[1 << 16];
	uint64_t jobs;
	int opt, status = CLI_EXIT_FAIL;
	long long failed;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "j:", longopts, NULL)) != -1) {
		if (cli_common_option(opt, optarg, &o.c, &bad))
			continue;
		switch (opt) {
		case OPT_FROM:
			if (!parse_kind(optarg, &o.from, false))
				return cli_usage("xlate", "--from takes va, pa, pfn or page, not '%s'", optarg);
			break;
		case OPT_TO:
			if (!parse_kind(optarg, &o.to, true))
				return cli_usage("xlate", "--to takes pa, va, pfn, page or region, not '%s'",
						 optarg);
			have_to = true;
			break;
		case OPT_FORMAT:
			have_fmt = true;
			if (!strcmp(optarg, "tsv"))
				o.fmt = F_TSV;
			else if (!strcmp(optarg, "csv"))
				o.fmt = F_CSV;
			else if (!strcmp(optarg, "jsonl"))
				o.fmt = F_JSONL;
			else
				return cli_usage("xlate", "--format takes tsv, csv or jsonl, not '%s'", optarg);
			break;
		case OPT_INPUT: o.input = optarg; break;
		case OPT_DECIMAL: o.decimal = true; break;
		case OPT_NO_HEADER: o.header = false; break;
		case OPT_STATS: o.stats = true; break;
		case 'j':
			if (!cli_parse_size(optarg, &jobs) || jobs < 1 || jobs > MAX_JOBS)
				return cli_usage("xlate", "-j takes a number of threads from 1 to %d",
						 MAX_JOBS);
			o.jobs = (unsigned)jobs;
			break;
		default:
			return cli_usage("xlate", "bad option");
		}
	}
	if (bad)
		return CLI_EXIT_USAGE;
	if (o.c.help) {
		fputs(xlate_help, stdout);
		return CLI_EXIT_OK;
	}
	if (o.c.json) {
		if (have_fmt && o.fmt != F_JSONL)
			return cli_usage("xlate", "--json conflicts with --format");
		o.fmt = F_JSONL;
	}
	if (!have_to && o.from == K_PA)
		o.to = K_VA;
	o.files = argv + optind;
	o.nfiles = (size_t)(argc - optind);
	if (!o.nfiles)
		return cli_usage("xlate", "no dump file given");

	r = calloc(1, sizeof(*r));
	ctxs = calloc(o.jobs, sizeof(*ctxs));
	if (!r || !ctxs) {
		cli_error("out of memory");
		goto out;
	}
	r->name = o.input ? o.input : "standard input";
	r->fd = 0;
	if (o.input && (r->fd = open(o.input, O_RDONLY)) < 0) {
		cli_error("%s: %s", o.input, strerror(errno));
		r->fd = -1;
		goto out;
	}
	for (unsigned i = 0; i < o.jobs; i++) {
		vms_error *err = ctx_open(&o, &ctxs[i]);
		if (err) {
			status = cli_fail(err);
			goto out;
		}
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct obuf hdr = { 0 };
	write_header(&o, &hdr);
	bool hok = write_out(&hdr);
	free(hdr.p);
	if (!hok)
		goto out;
	failed = run(&o, ctxs, r);
	if (fflush(stdout)) {
		cli_error("writing output: %s", strerror(errno));
		failed = -1;
	}
	if (r->err) {
		status = cli_fail(r->err);
		r->err = NULL;
	} else if (failed >= 0) {
		status = failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	}
	if (o.stats) {
		struct vms_xlator_stats t = { 0 }, s;
		for (unsigned i = 0; i < o.jobs; i++) {
			vms_xlator_stats(ctxs[i].x, &s);
			t.linear += s.linear;
			t.tlb_hits += s.tlb_hits;
			t.walks += s.walks;
			t.nruns = s.nruns;
		}
		fprintf(stderr, "vmscope: xlate: %" PRIu64 " linear (%" PRIu64 " runs), %" PRIu64
			" cached, %" PRIu64 " walks; %lld lines failed\n",
			t.linear, t.nruns, t.tlb_hits, t.walks, failed);
	}
out:
	for (unsigned i = 0; ctxs && i < o.jobs; i++)
		ctx_close(&ctxs[i]);
	if (r && o.input && r->fd >= 0)
		close(r->fd);
	free(ctxs);
	free(r);
	return status;
}
