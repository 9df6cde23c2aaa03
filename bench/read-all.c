/* read-all: how fast vmscope and libkdumpfile read every page of a dump.
 *
 *   read-all [--runs N] [--reader native|auto|libkdumpfile] DUMP...
 *
 * DUMP is a file, or the files of one split set joined by commas.  Both
 * sides read the same pages — every page vmscope calls PRESENT or ZERO —
 * one page per call into a buffer, and fold each page into a checksum so
 * no read can be optimised away; the checksums must be equal.  Each timed
 * run opens the dump afresh (so no library cache survives from the run
 * before), reads every page and closes it; the best of N runs (3) counts.
 * The files stay in the OS page cache between runs: this measures decoding,
 * not the disk (see bench/README.md).
 *
 * Exit: 0, 1 on any error or checksum difference, 77 when libkdumpfile
 * cannot open a dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>
#include <vmscope/dump.h>

#define EXIT_SKIP 77
#define MAX_FILES 256
/* A page list entry is 8 bytes: 2^28 pages is 2 GiB of list, 1 TiB of dump. */
#define MAX_PAGES (1ull << 28)

struct job {
	const char *name;
	const char *paths[MAX_FILES];
	size_t npaths;
	enum vms_reader_kind reader;
	uint32_t page_size;
	uint64_t *pfns;		/* the pages both sides read */
	size_t npfns;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Folds a page into h, 8 bytes at a time (cheap next to decompression, and
 * the same code for both sides). */
static uint64_t fold(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

static bool vms_open_job(const struct job *j, vms_dump **d)
{
	struct vms_open_options opts = VMS_OPEN_OPTIONS_INIT;
	vms_error *err;

	opts.reader = j->reader;
	err = vms_dump_open(j->paths, j->npaths, &opts, d);
	if (err) {
		printf("read-all: %s: vmscope: %s\n", j->name, vms_error_message(err));
		vms_error_free(err);
		return false;
	}
	return true;
}

/* The page list: every page vmscope says it holds data for (untimed). */
static bool list_pages(struct job *j)
{
	vms_dump *d;
	size_t cap = 0;
	bool ok = true;

	if (!vms_open_job(j, &d))
		return false;
	j->page_size = vms_dump_page_size(d);
	for (size_t i = 0; ok && i < vms_dump_nranges(d); i++) {
		const struct vms_range *r = &vms_dump_ranges(d)[i];

		for (uint64_t pfn = r->start / j->page_size;
		     ok && pfn < (r->end + j->page_size - 1) / j->page_size; pfn++) {
			enum vms_page_status st;
			vms_error *err = vms_dump_page_status(d, pfn * j->page_size, &st);

			if (err) {
				printf("read-all: %s: vmscope: %s\n", j->name, vms_error_message(err));
				vms_error_free(err);
				ok = false;
			} else if (st == VMS_PAGE_PRESENT || st == VMS_PAGE_ZERO) {
				if (j->npfns == cap) {
					uint64_t *p;

					cap = cap ? cap * 2 : 4096;
					p = cap <= MAX_PAGES ? realloc(j->pfns, cap * sizeof(*p)) : NULL;
					if (!p) {
						printf("read-all: %s: too many pages\n", j->name);
						ok = false;
						break;
					}
					j->pfns = p;
				}
				j->pfns[j->npfns++] = pfn;
			}
		}
	}
	vms_dump_close(d);
	return ok;
}

/* One timed vmscope run: open, read the list, close. */
static bool run_vmscope(const struct job *j, unsigned char *buf, double *secs, uint64_t *sum)
{
	double t0 = now();
	uint64_t h = 0xcbf29ce484222325ull;
	vms_dump *d;

	if (!vms_open_job(j, &d))
		return false;
	for (size_t i = 0; i < j->npfns; i++) {
		vms_error *err = vms_dump_read_phys(d, j->pfns[i] * j->page_size, buf,
						    j->page_size, 0);

		if (err) {
			printf("read-all: %s: vmscope: %s\n", j->name, vms_error_message(err));
			vms_error_free(err);
			vms_dump_close(d);
			return false;
		}
		h = fold(h, buf, j->page_size);
	}
	vms_dump_close(d);
	*secs = now() - t0;
	*sum = h;
	return true;
}

/* One timed libkdumpfile run; returns 1 on success, 0 on error, -1 when it
 * cannot open the dump at all. */
static int run_lkdf(const struct job *j, unsigned char *buf, double *secs, uint64_t *sum)
{
	double t0 = now();
	uint64_t h = 0xcbf29ce484222325ull;
	int fds[MAX_FILES];
	size_t n = 0;
	kdump_ctx_t *ctx = NULL;
	kdump_num_t ps = 0;
	kdump_status ks;
	int rc = 0;

	for (; n < j->npaths; n++) {
		fds[n] = open(j->paths[n], O_RDONLY | O_CLOEXEC);
		if (fds[n] < 0) {
			printf("read-all: %s: %s: %s\n", j->name, j->paths[n], strerror(errno));
			goto out;
		}
	}
	ctx = kdump_new();
	if (!ctx)
		goto out;
	ks = kdump_open_fdset(ctx, (unsigned)n, fds);
	if (ks == KDUMP_OK)
		ks = kdump_get_number_attr(ctx, KDUMP_ATTR_PAGE_SIZE, &ps);
	if (ks != KDUMP_OK || ps != j->page_size) {
		printf("read-all: %s: SKIP: libkdumpfile %s cannot open it: %s\n", j->name,
		       KDUMPFILE_VERSION_STRING,
		       ks != KDUMP_OK ? kdump_get_err(ctx) : "its page size differs from vmscope's");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < j->npfns; i++) {
		size_t len = j->page_size;

		/* Machine physical: no libaddrxlat set-up needed (same outside Xen). */
		ks = kdump_read(ctx, KDUMP_MACHPHYSADDR, j->pfns[i] * j->page_size, buf, &len);
		if (ks != KDUMP_OK) {
			printf("read-all: %s: libkdumpfile: pfn 0x%" PRIx64 ": %s\n", j->name,
			       j->pfns[i], kdump_get_err(ctx));
			goto out;
		}
		h = fold(h, buf, j->page_size);
	}
	rc = 1;
out:
	if (ctx)
		kdump_free(ctx);
	while (n)
		close(fds[--n]);
	*secs = now() - t0;
	*sum = h;
	return rc;
}

static int bench_one(struct job *j, unsigned int runs)
{
	double best_v = 0, best_l = 0, secs;
	uint64_t sum_v = 0, sum_l = 0, sum;
	unsigned char *buf;
	double mb;
	int rc = 0;

	if (!list_pages(j))
		return 1;
	buf = malloc(j->page_size);
	if (!buf)
		return 1;
	for (unsigned int r = 0; r < runs; r++) {
		int lr;

		if (!run_vmscope(j, buf, &secs, &sum)) {
			rc = 1;
			goto out;
		}
		if (!r || secs < best_v)
			best_v = secs;
		sum_v = sum;
		lr = run_lkdf(j, buf, &secs, &sum);
		if (lr <= 0) {
			rc = lr < 0 ? EXIT_SKIP : 1;
			goto out;
		}
		if (!r || secs < best_l)
			best_l = secs;
		sum_l = sum;
	}
	mb = (double)j->npfns * j->page_size / 1e6;
	printf("read-all: %s: %zu pages of %" PRIu32 " bytes (%.1f MB), best of %u runs, warm page cache\n",
	       j->name, j->npfns, j->page_size, mb, runs);
	printf("  vmscope      %9.1f MB/s  %8.3f s  checksum %016" PRIx64 "\n",
	       best_v > 0 ? mb / best_v : 0.0, best_v, sum_v);
	printf("  libkdumpfile %9.1f MB/s  %8.3f s  checksum %016" PRIx64 "\n",
	       best_l > 0 ? mb / best_l : 0.0, best_l, sum_l);
	printf("  ratio vmscope/libkdumpfile (throughput): %.2f\n",
	       best_v > 0 ? best_l / best_v : 0.0);
	if (sum_v != sum_l) {
		printf("read-all: %s: CHECKSUMS DIFFER: the two libraries read different data\n", j->name);
		rc = 1;
	}
out:
	free(buf);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: read-all [--runs N] [--reader native|auto|libkdumpfile] DUMP...\n"
		   "DUMP is a file, or the files of one split set joined by commas.\n");
}

int main(int argc, char **argv)
{
	enum vms_reader_kind reader = VMS_READER_NATIVE;
	unsigned int runs = 3;
	int i, rc = 0, skipped = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = (unsigned int)strtoul(argv[++i], NULL, 10);
			if (runs < 1 || runs > 1000) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "--reader") && i + 1 < argc) {
			const char *r = argv[++i];

			reader = !strcmp(r, "native") ? VMS_READER_NATIVE
				: !strcmp(r, "auto") ? VMS_READER_AUTO
				: !strcmp(r, "libkdumpfile") ? VMS_READER_LIBKDUMPFILE : (enum vms_reader_kind)-1;
			if ((int)reader < 0) {
				usage(stderr);
				return 2;
			}
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
		struct job j = { .name = argv[i], .reader = reader };
		char *copy = strdup(argv[i]);
		int r = 1;

		if (copy) {
			for (char *tok = strtok(copy, ","); tok && j.npaths < MAX_FILES;
			     tok = strtok(NULL, ","))
				j.paths[j.npaths++] = tok;
			r = j.npaths ? bench_one(&j, runs) : 1;
		}
		if (r == EXIT_SKIP)
			skipped = 1;
		else if (r)
			rc = 1;
		free(j.pfns);
		free(copy);
	}
	fflush(stdout);
	return rc ? rc : skipped ? EXIT_SKIP : 0;
}
