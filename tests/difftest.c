/* difftest: compares vmscope's reading of a dump with libkdumpfile's, page by
 * page.
 *
 *   difftest [--reader native|auto|libkdumpfile] [--max-report N] DUMP...
 *
 * DUMP is one file, or the files of one split set joined by commas
 * ("part1,part2,part3").  vmscope is used through its public API only;
 * libkdumpfile through its own C API directly (never through formats/lkdf.c),
 * so the oracle shares no code with what it checks.
 *
 * Every page in vmscope's ranges and every page below libkdumpfile's max_pfn
 * gets a verdict from each side:
 *   vmscope       PRESENT, ZERO                 -> "data" (then bytes compared)
 *                 EXCLUDED, ABSENT, LOST        -> "no data"
 *   libkdumpfile  KDUMP_OK                      -> "data"
 *                 KDUMP_ERR_NODATA              -> "no data"
 * What libkdumpfile 0.5.1 really returns (measured on makedumpfile 1.7.2
 * output; see bench/README.md for how the test files are made):
 *   - kdump excluded page: NODATA "Excluded page"; so is a hole inside
 *     max_pfn (it reads only the second bitmap), hence EXCLUDED and ABSENT
 *     both pair with NODATA;
 *   - kdump zero page (shared zero-page descriptor): KDUMP_OK, zeros; pairs
 *     with vmscope PRESENT or ZERO;
 *   - page at or past max_pfn: NODATA "Out-of-bounds PFN";
 *   - ELF page outside every PT_LOAD: NODATA "Page not found";
 *   - lost page of an incomplete kdump (zeroed descriptor): KDUMP_ERR_CORRUPT
 *     "Wrong page size: 0"; pairs with vmscope LOST, and with nothing else.
 * Two answers of 0.5.1 are wrong; they are accepted and counted apart as
 * "quirks", never as equal:
 *   - quirk "tail": an ELF p_memsz tail (past p_filesz) reads as NODATA
 *     instead of zeros.  Accepted when vmscope reads zeros there.
 *   - quirk "edge": the page just below a PT_LOAD that starts on a page
 *     boundary reads as KDUMP_OK, all zeros, though no segment covers it.
 *     Accepted when vmscope says ABSENT, libkdumpfile's bytes are zero and
 *     its own RAM map ("memory.pagemap") has this page out and the next in.
 *
 * Output: one summary line per DUMP,
 *   difftest: DUMP: N pages identical, M verdicts equal, K mismatches
 * preceded by the first few mismatches.  Exit 0 when nothing mismatched, 1
 * on a mismatch or error, 77 (automake's SKIP) when libkdumpfile cannot open
 * some DUMP at all and nothing else failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>
#include <vmscope/dump.h>

#define EXIT_SKIP 77
#define MAX_FILES 256

enum verdict { V_DATA, V_NODATA, V_LOST, V_ERROR };

struct stats {
	uint64_t identical, equal, mismatches, quirk_tail, quirk_edge;
	unsigned int max_report;
	const char *name;
};

struct lkdf_side {
	kdump_ctx_t *ctx;
	int fds[MAX_FILES];
	size_t nfds;
	uint64_t page_size, max_pfn;
	kdump_bmp_t *rammap;	/* "memory.pagemap", or NULL */
};

static const char *status_name(enum vms_page_status st)
{
	switch (st) {
	case VMS_PAGE_PRESENT: return "PRESENT";
	case VMS_PAGE_ZERO: return "ZERO";
	case VMS_PAGE_EXCLUDED: return "EXCLUDED";
	case VMS_PAGE_LOST: return "LOST";
	case VMS_PAGE_ABSENT: return "ABSENT";
	}
	return "?";
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void mismatch(struct stats *s, uint64_t pfn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mismatch(struct stats *s, uint64_t pfn, const char *fmt, ...)
{
	va_list ap;

	if (s->mismatches++ < s->max_report) {
		printf("difftest: %s: pfn 0x%" PRIx64 ": ", s->name, pfn);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
}

/* Splits "a,b,c" in place into paths[]; returns the count or 0 if too many. */
static size_t split_paths(char *arg, const char **paths)
{
	size_t n = 0;

	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		if (n == MAX_FILES)
			return 0;
		paths[n++] = tok;
	}
	return n;
}

static void lkdf_close(struct lkdf_side *l)
{
	if (l->rammap)
		kdump_bmp_decref(l->rammap);
	if (l->ctx)
		kdump_free(l->ctx);
	for (size_t i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	memset(l, 0, sizeof(*l));
}

/* Opens the set with libkdumpfile; on failure prints why and returns false. */
static bool lkdf_open(struct lkdf_side *l, const char *name, const char **paths, size_t n)
{
	kdump_num_t num;
	kdump_status ks;
	kdump_attr_t attr;

	memset(l, 0, sizeof(*l));
	for (; l->nfds < n; l->nfds++) {
		l->fds[l->nfds] = open(paths[l->nfds], O_RDONLY | O_CLOEXEC);
		if (l->fds[l->nfds] < 0) {
			printf("difftest: %s: %s: %s\n", name, paths[l->nfds], strerror(errno));
			lkdf_close(l);
			return false;
		}
	}
	l->ctx = kdump_new();
	if (!l->ctx) {
		printf("difftest: %s: kdump_new failed\n", name);
		lkdf_close(l);
		return false;
	}
	ks = kdump_open_fdset(l->ctx, (unsigned)n, l->fds);
	if (ks == KDUMP_OK)
		ks = kdump_get_number_attr(l->ctx, KDUMP_ATTR_PAGE_SIZE, &num);
	if (ks == KDUMP_OK) {
		l->page_size = num;
		ks = kdump_get_number_attr(l->ctx, "max_pfn", &num);
		l->max_pfn = num;
	}
	if (ks != KDUMP_OK) {
		printf("difftest: %s: SKIP: libkdumpfile %s cannot open it: %s\n", name,
		       KDUMPFILE_VERSION_STRING, kdump_get_err(l->ctx));
		lkdf_close(l);
		return false;
	}
	if (kdump_get_attr(l->ctx, KDUMP_ATTR_MEMORY_PAGEMAP, &attr) == KDUMP_OK &&
	    attr.type == KDUMP_BITMAP) {
		l->rammap = attr.val.bitmap;
		kdump_bmp_incref(l->rammap);
	}
	return true;
}

/* True when libkdumpfile's own RAM map has pfn outside RAM and pfn + 1 in it. */
static bool lkdf_ram_edge(struct lkdf_side *l, uint64_t pfn)
{
	unsigned char bits = 0;

	if (!l->rammap || kdump_bmp_get_bits(l->rammap, pfn, pfn + 1, &bits) != KDUMP_OK)
		return false;
	return (bits & 3) == 2;
}

/* libkdumpfile's verdict on one page.  Machine physical addresses: kernel
 * physical ones need libaddrxlat to work out the paging mode first, which it
 * cannot on every dump; outside Xen the two are the same. */
static enum verdict lkdf_page(struct lkdf_side *l, uint64_t pfn, void *buf, const char **why)
{
	size_t len = l->page_size;
	kdump_status ks = kdump_read(l->ctx, KDUMP_MACHPHYSADDR, pfn * l->page_size, buf, &len);

	*why = ks == KDUMP_OK ? "" : kdump_get_err(l->ctx);
	if (ks == KDUMP_OK)
		return V_DATA;
	if (ks == KDUMP_ERR_NODATA)
		return V_NODATA;
	if (ks == KDUMP_ERR_CORRUPT && *why && !strcmp(*why, "Wrong page size: 0"))
		return V_LOST;
	return V_ERROR;
}

/* True when [addr, addr+len) overlaps a p_memsz tail, and the part of buf
 * that lies in tails is all zeros. */
static bool in_zero_tail(const vms_dump *d, uint64_t addr, uint64_t len,
			 const unsigned char *buf)
{
	const struct vms_segment *seg = vms_dump_segments(d);
	bool hit = false;

	for (size_t i = 0; i < vms_dump_nsegments(d); i++) {
		uint64_t lo = seg[i].paddr + seg[i].filesz, hi = seg[i].paddr + seg[i].memsz;

		if (seg[i].memsz <= seg[i].filesz || hi <= addr || lo >= addr + len)
			continue;
		lo = lo > addr ? lo : addr;
		hi = hi < addr + len ? hi : addr + len;
		if (!all_zero(buf + (lo - addr), hi - lo))
			return false;
		hit = true;
	}
	return hit;
}

static bool in_vms_ranges(const vms_dump *d, uint64_t addr)
{
	const struct vms_range *r = vms_dump_ranges(d);
	size_t lo = 0, hi = vms_dump_nranges(d);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr >= r[mid].end)
			lo = mid + 1;
		else if (addr < r[mid].start)
			hi = mid;
		else
			return true;
	}
	return false;
}

static void compare_page(vms_dump *d, struct lkdf_side *l, struct stats *s, uint64_t pfn,
			 unsigned char *vbuf, unsigned char *lbuf)
{
	uint64_t addr = pfn * l->page_size;
	enum vms_page_status st = VMS_PAGE_ABSENT;
	enum verdict vv, lv;
	const char *why;
	vms_error *err;

	err = vms_dump_page_status(d, addr, &st);
	if (!err && (st == VMS_PAGE_PRESENT || st == VMS_PAGE_ZERO))
		err = vms_dump_read_phys(d, addr, vbuf, l->page_size, 0);
	if (err) {
		mismatch(s, pfn, "vmscope error: %s", vms_error_message(err));
		vms_error_free(err);
		return;
	}
	vv = st == VMS_PAGE_PRESENT || st == VMS_PAGE_ZERO ? V_DATA
		: st == VMS_PAGE_LOST ? V_LOST : V_NODATA;
	lv = lkdf_page(l, pfn, lbuf, &why);

	if (vv == V_DATA && lv == V_DATA) {
		if (!memcmp(vbuf, lbuf, l->page_size)) {
			s->identical++;
			return;
		}
		for (size_t i = 0; i < l->page_size; i++)
			if (vbuf[i] != lbuf[i]) {
				mismatch(s, pfn, "bytes differ from offset 0x%zx (vmscope %s 0x%02x, libkdumpfile 0x%02x)",
					 i, status_name(st), vbuf[i], lbuf[i]);
				break;
			}
		return;
	}
	/* LOST pairs with 0.5.1's "Wrong page size: 0" or, where the file ends
	 * before the descriptor table does, with NODATA. */
	if ((vv == V_NODATA && lv == V_NODATA) || (vv == V_LOST && (lv == V_LOST || lv == V_NODATA))) {
		s->equal++;
		return;
	}
	if (vv == V_DATA && lv == V_NODATA && in_zero_tail(d, addr, l->page_size, vbuf)) {
		s->quirk_tail++;
		return;
	}
	if (st == VMS_PAGE_ABSENT && lv == V_DATA && all_zero(lbuf, l->page_size) &&
	    lkdf_ram_edge(l, pfn)) {
		s->quirk_edge++;
		return;
	}
	mismatch(s, pfn, "vmscope %s%s, libkdumpfile %s%s%s%s", status_name(st),
		 in_vms_ranges(d, addr) ? "" : " (outside its ranges)",
		 lv == V_DATA ? "readable" : lv == V_NODATA ? "NODATA" : lv == V_LOST ? "LOST" : "error",
		 *why ? " (" : "", why, *why ? ")" : "");
}

/* Compares VMCOREINFO as both sides see it.  0.5.1's kdump_vmcoreinfo_raw()
 * fails where the "linux.vmcoreinfo.raw" blob is set, so read the blob. */
static void compare_vmcoreinfo(vms_dump *d, struct lkdf_side *l, struct stats *s)
{
	size_t vlen = 0, llen = 0;
	const char *vtext = vms_dump_vmcoreinfo(d, &vlen);
	const char *ltext = NULL;
	kdump_attr_t attr;
	kdump_blob_t *blob = NULL;

	if (kdump_get_attr(l->ctx, "linux.vmcoreinfo.raw", &attr) == KDUMP_OK &&
	    attr.type == KDUMP_BLOB) {
		blob = attr.val.blob;
		kdump_blob_incref(blob);
		ltext = kdump_blob_pin(blob);
		/* The note is NUL-padded; vmscope keeps the text before the NUL. */
		llen = ltext ? strnlen(ltext, kdump_blob_size(blob)) : 0;
	}
	if (!vtext != !ltext || (vtext && (vlen != llen || memcmp(vtext, ltext, vlen)))) {
		s->mismatches++;
		printf("difftest: %s: VMCOREINFO differs (vmscope %zu bytes, libkdumpfile %zu bytes)\n",
		       s->name, vtext ? vlen : 0, llen);
	}
	if (blob) {
		kdump_blob_unpin(blob);
		kdump_blob_decref(blob);
	}
}

/* Returns 0, 1 (mismatch or error) or EXIT_SKIP. */
static int difftest_one(const char *arg, enum vms_reader_kind reader, unsigned int max_report)
{
	struct vms_open_options opts = VMS_OPEN_OPTIONS_INIT;
	struct stats s = { .max_report = max_report, .name = arg };
	const char *paths[MAX_FILES];
	struct lkdf_side l;
	unsigned char *vbuf = NULL, *lbuf = NULL;
	uint64_t end_pfn, pfn;
	char *copy;
	vms_dump *d;
	vms_error *err;
	size_t n;
	int rc = 0;

	copy = strdup(arg);
	if (!copy || !(n = split_paths(copy, paths))) {
		printf("difftest: %s: cannot parse the file list\n", arg);
		free(copy);
		return 1;
	}
	opts.reader = reader;
	err = vms_dump_open(paths, n, &opts, &d);
	if (err) {
		printf("difftest: %s: vmscope cannot open it: %s\n", arg, vms_error_message(err));
		vms_error_free(err);
		free(copy);
		return 1;
	}
	if (!lkdf_open(&l, arg, paths, n)) {
		vms_dump_close(d);
		free(copy);
		return EXIT_SKIP;
	}
	if (l.page_size != vms_dump_page_size(d))
		printf("difftest: %s: note: page size %" PRIu32 " (vmscope) vs %" PRIu64 " (libkdumpfile);"
		       " comparing in units of %" PRIu64 "\n", arg, vms_dump_page_size(d),
		       l.page_size, l.page_size);
	vbuf = malloc(l.page_size);
	lbuf = malloc(l.page_size);
	if (!vbuf || !lbuf || l.page_size < 512 || (l.page_size & (l.page_size - 1))) {
		printf("difftest: %s: bad page size %" PRIu64 " or out of memory\n", arg, l.page_size);
		rc = 1;
		goto out;
	}

	compare_vmcoreinfo(d, &l, &s);
	/* Every page below max_pfn (so pages only libkdumpfile can read show
	 * up), then whatever of vmscope's ranges lies beyond it. */
	for (pfn = 0; pfn < l.max_pfn; pfn++)
		compare_page(d, &l, &s, pfn, vbuf, lbuf);
	for (size_t i = 0; i < vms_dump_nranges(d); i++) {
		const struct vms_range *r = &vms_dump_ranges(d)[i];

		end_pfn = (r->end + l.page_size - 1) / l.page_size;
		for (pfn = r->start / l.page_size; pfn < end_pfn; pfn++)
			if (pfn >= l.max_pfn)
				compare_page(d, &l, &s, pfn, vbuf, lbuf);
	}

	if (s.mismatches > s.max_report)
		printf("difftest: %s: ... %" PRIu64 " more mismatches not shown\n", arg,
		       s.mismatches - s.max_report);
	if (s.quirk_tail || s.quirk_edge)
		printf("difftest: %s: %" PRIu64 " pages accepted as libkdumpfile 0.5.1 quirks"
		       " (%" PRIu64 " ELF memsz-tail pages it cannot read, %" PRIu64
		       " zero pages it invents below a PT_LOAD)\n", arg,
		       s.quirk_tail + s.quirk_edge, s.quirk_tail, s.quirk_edge);
	printf("difftest: %s: %" PRIu64 " pages identical, %" PRIu64 " verdicts equal, %" PRIu64
	       " mismatches\n", arg, s.identical, s.equal, s.mismatches);
	rc = s.mismatches ? 1 : 0;
out:
	free(vbuf);
	free(lbuf);
	lkdf_close(&l);
	vms_dump_close(d);
	free(copy);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: difftest [--reader native|auto|libkdumpfile] [--max-report N] DUMP...\n"
		   "DUMP is a file, or the files of one split set joined by commas.\n"
		   "Exit: 0 all identical, 1 mismatch or error, 77 libkdumpfile cannot open a dump.\n");
}

int main(int argc, char **argv)
{
	enum vms_reader_kind reader = VMS_READER_NATIVE;
	unsigned int max_report = 10;
	int i, rc = 0, skipped = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--reader") && i + 1 < argc) {
			const char *r = argv[++i];

			if (!strcmp(r, "native"))
				reader = VMS_READER_NATIVE;
			else if (!strcmp(r, "auto"))
				reader = VMS_READER_AUTO;
			else if (!strcmp(r, "libkdumpfile"))
				reader = VMS_READER_LIBKDUMPFILE;
			else {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "--max-report") && i + 1 < argc) {
			max_report = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		int r = difftest_one(argv[i], reader, max_report);

		if (r == EXIT_SKIP)
			skipped = 1;
		else if (r)
			rc = 1;
	}
	fflush(stdout);
	return rc ? rc : skipped ? EXIT_SKIP : 0;
}
