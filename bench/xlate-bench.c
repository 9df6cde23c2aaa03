/* xlate-bench: kernel VA -> PA throughput of vmscope's batch API against
 * libaddrxlat's C API, on the same addresses, in one process.
 *
 *   xlate-bench [--count N] [--seed S] [--threads N] [--write-addrs FILE] DUMP
 *
 * The address list (untimed) mixes mapped addresses of the direct map,
 * vmalloc, vmemmap, kernel text and modules, each drawn uniformly over the
 * bytes the page tables map there, with random addresses anywhere in those
 * regions (mostly unmapped).  Then, timed:
 *   - vmscope: vms_xlator_new (listed separately) and vms_xlator_vtop over
 *     the list in chunks of 64Ki addresses, one thread;
 *   - libaddrxlat: a kdump_ctx on the same file, its addrxlat context and
 *     system, addrxlat_fulladdr_conv(KVADDR -> MACHPHYSADDR) per address;
 *   - vmscope with --threads N: N threads, each with its own dump, layout
 *     and translator, each on a contiguous slice (opening is timed).
 * Both sides store every answer (PA or failure); afterwards, untimed, the
 * answers are compared and disagreements counted and printed.
 * --write-addrs writes the list, one hex address a line, for the
 * `vmscope xlate` / bench/xlate-lkdf comparison (bench/xlate-bench.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>
#include <libkdumpfile/addrxlat.h>
#include <vmscope/vmscope.h>
#include <vmscope/analyzer.h>

#define FAIL UINT64_MAX
#define CHUNK 65536

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: on a shared or loaded machine wall time
 * also counts other processes; both are printed. */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: reproducible with --seed, good enough for sampling. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static void die(const char *what, vms_error *err)
{
	fprintf(stderr, "xlate-bench: %s: %s\n", what, err ? vms_error_message(err) : "failed");
	exit(1);
}

/* Mapped runs of one region, with running byte totals for sampling. */
struct cat {
	const char *region;
	const char *alias;	/* arm64's name for the same mapping */
	unsigned weight;	/* percent of the list */
	struct { uint64_t va, size, cum; } *runs;
	size_t n, cap;
	uint64_t total;
	uint64_t lo, hi;	/* the region's span */
};

static int collect(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct cat *c = arg;
	(void)pa;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->runs = realloc(c->runs, c->cap * sizeof(*c->runs));
		if (!c->runs)
			die("collect", NULL);
	}
	c->runs[c->n].va = va;
	c->runs[c->n].size = size;
	c->total += size;
	c->runs[c->n].cum = c->total;
	c->n++;
	return 0;
}

static uint64_t sample(const struct cat *c)
{
	uint64_t off = rnd() % c->total;
	size_t lo = 0, hi = c->n;
	while (lo < hi) {	/* first run whose cum > off */
		size_t mid = (lo + hi) / 2;
		if (c->runs[mid].cum > off)
			hi = mid;
		else
			lo = mid + 1;
	}
	return c->runs[lo].va + (off - (c->runs[lo].cum - c->runs[lo].size));
}

struct job {
	const char *path;
	const uint64_t *va;
	uint64_t *pa;
	size_t n;
	vms_error *err;
	double open_cpu, cpu;	/* this thread's CPU: opening, translating */
	char pad[64];		/* jobs sit side by side; keep them on their own lines */
};

static void *vms_worker(void *arg)
{
	struct job *j = arg;
	const char *paths[1] = { j->path };
	struct vms_xlate_result *res = malloc(CHUNK * sizeof(*res));
	vms_dump *d = NULL;
	vms_layout *l = NULL;
	vms_xlator *x = NULL;

	if (!res)
		return NULL;
	if ((j->err = vms_dump_open(paths, 1, NULL, &d)))
		goto out;
	if ((j->err = vms_layout_detect(d, NULL, &l)))
		goto out;
	if ((j->err = vms_xlator_new(l, &x)))
		goto out;
	double c0 = cpu();
	j->open_cpu = c0;
	for (size_t i = 0; i < j->n; i += CHUNK) {
		size_t m = j->n - i < CHUNK ? j->n - i : CHUNK;
		vms_xlator_vtop(x, j->va + i, m, res);
		for (size_t k = 0; k < m; k++)
			j->pa[i + k] = res[k].error ? FAIL : res[k].paddr;
	}
	j->cpu = cpu() - c0;
out:
	vms_xlator_free(x);
	vms_layout_free(l);
	vms_dump_close(d);
	free(res);
	return NULL;
}

int main(int argc, char **argv)
{
	size_t count = 10000000;
	unsigned threads = 2;
	const char *write_addrs = NULL, *path = NULL;
	rng_state = 0x9e3779b97f4a7c15;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng_state = strtoull(argv[++i], NULL, 0) | 1;
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--write-addrs") && i + 1 < argc)
			write_addrs = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "usage: xlate-bench [--count N] [--seed S] [--threads N] "
					"[--write-addrs FILE] DUMP\n");
			return 2;
		}
	}
	if (!path || !count || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: xlate-bench [--count N] [--seed S] [--threads N] "
				"[--write-addrs FILE] DUMP\n");
		return 2;
	}

	/* ---- the address list (untimed) ---- */
	const char *paths[1] = { path };
	vms_dump *d;
	vms_layout *l;
	vms_error *err;
	if ((err = vms_dump_open(paths, 1, NULL, &d)))
		die(path, err);
	if ((err = vms_layout_detect(d, NULL, &l)))
		die(path, err);
	struct cat cats[] = {
		{ "direct-map", "linear-map", 30, NULL, 0, 0, 0, 0, 0 },
		{ "vmalloc", NULL, 20, NULL, 0, 0, 0, 0, 0 },
		{ "vmemmap", NULL, 15, NULL, 0, 0, 0, 0, 0 },
		{ "kernel-text", "kernel-image", 15, NULL, 0, 0, 0, 0, 0 },
		{ "modules", NULL, 10, NULL, 0, 0, 0, 0, 0 },
	};
	const size_t ncats = sizeof(cats) / sizeof(cats[0]);
	unsigned unmapped_weight = 10;
	for (size_t c = 0; c < ncats; c++) {
		for (size_t i = 0; i < vms_layout_nregions(l); i++) {
			const struct vms_region *r = vms_layout_region(l, i);
			if (strcmp(r->name, cats[c].region) &&
			    (!cats[c].alias || strcmp(r->name, cats[c].alias)))
				continue;
			cats[c].lo = r->start;
			cats[c].hi = r->end;
			if ((err = vms_layout_foreach_mapping(l, r->start, r->end, collect, &cats[c])))
				die("listing mappings", err);
		}
	}
	uint64_t *va = malloc(count * sizeof(*va));
	uint64_t *pa_v = malloc(count * sizeof(*pa_v));
	uint64_t *pa_t = malloc(count * sizeof(*pa_t));
	uint64_t *pa_x = malloc(count * sizeof(*pa_x));
	if (!va || !pa_v || !pa_t || !pa_x)
		die("allocating the lists", NULL);
	/* Touch the answer arrays now: their first-touch page faults (80 MB
	 * each for 10M) are not translation work, and would be charged to
	 * whichever side runs first. */
	memset(pa_v, 0, count * sizeof(*pa_v));
	memset(pa_t, 0, count * sizeof(*pa_t));
	memset(pa_x, 0, count * sizeof(*pa_x));
	size_t per_cat[8] = { 0 };
	for (size_t i = 0; i < count; i++) {
		unsigned p = (unsigned)(rnd() % 100);
		size_t c = 0;
		while (c < ncats && p >= cats[c].weight) {
			p -= cats[c].weight;
			c++;
		}
		if (c < ncats && cats[c].total) {
			va[i] = sample(&cats[c]);
		} else {
			/* Anywhere in one of the regions: mostly holes. */
			const struct cat *r = &cats[rnd() % ncats];
			c = ncats;
			va[i] = r->hi > r->lo ? r->lo + rnd() % (r->hi - r->lo) : r->lo;
		}
		per_cat[c]++;
	}
	(void)unmapped_weight;
	printf("xlate-bench: %s: %zu addresses:", path, count);
	for (size_t c = 0; c < ncats; c++)
		printf(" %s %zu (%zu runs, %" PRIu64 " MiB mapped);", cats[c].region, per_cat[c],
		       cats[c].n, cats[c].total >> 20);
	printf(" random-in-region %zu\n", per_cat[ncats]);
	if (write_addrs) {
		FILE *f = fopen(write_addrs, "w");
		if (!f) {
			fprintf(stderr, "xlate-bench: %s: %s\n", write_addrs, strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < count; i++)
			fprintf(f, "%" PRIx64 "\n", va[i]);
		if (fclose(f)) {
			fprintf(stderr, "xlate-bench: %s: %s\n", write_addrs, strerror(errno));
			return 1;
		}
	}

	/* ---- vmscope, one thread ---- */
	struct vms_xlate_result *res = malloc(CHUNK * sizeof(*res));
	vms_xlator *x;
	double t0 = now();
	if ((err = vms_xlator_new(l, &x)))
		die("vms_xlator_new", err);
	double t1 = now(), c1 = cpu();
	size_t vfail = 0;
	for (size_t i = 0; i < count; i += CHUNK) {
		size_t m = count - i < CHUNK ? count - i : CHUNK;
		vfail += vms_xlator_vtop(x, va + i, m, res);
		for (size_t k = 0; k < m; k++)
			pa_v[i + k] = res[k].error ? FAIL : res[k].paddr;
	}
	double t2 = now(), c2 = cpu();
	struct vms_xlator_stats st;
	vms_xlator_stats(x, &st);
	vms_xlator_free(x);
	vms_layout_free(l);
	vms_dump_close(d);

	/* ---- libaddrxlat ---- */
	kdump_ctx_t *k = kdump_new();
	addrxlat_ctx_t *axctx = NULL;
	addrxlat_sys_t *axsys = NULL;
	int fd = open(path, O_RDONLY);
	if (!k || fd < 0 || kdump_open_fd(k, fd) != KDUMP_OK) {
		fprintf(stderr, "xlate-bench: libkdumpfile cannot open %s: %s\n", path,
			k ? kdump_get_err(k) : "no context");
		return 77;
	}
	kdump_set_string_attr(k, KDUMP_ATTR_OSTYPE, "linux");
	if (kdump_get_addrxlat(k, &axctx, &axsys) != KDUMP_OK) {
		fprintf(stderr, "xlate-bench: no addrxlat context: %s\n", kdump_get_err(k));
		return 77;
	}
	double t3 = now(), c3 = cpu();
	size_t tfail = 0;
	for (size_t i = 0; i < count; i++) {
		addrxlat_fulladdr_t fa = { va[i], ADDRXLAT_KVADDR };
		if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, axctx, axsys) == ADDRXLAT_OK) {
			pa_t[i] = fa.addr;
		} else {
			pa_t[i] = FAIL;
			tfail++;
		}
	}
	double t4 = now(), c4 = cpu();
	addrxlat_ctx_decref(axctx);
	addrxlat_sys_decref(axsys);
	kdump_free(k);
	close(fd);

	/* ---- vmscope, N threads ---- */
	pthread_t tid[64];
	struct job jobs[64];
	double t5 = now();
	for (unsigned i = 0; i < threads; i++) {
		size_t lo = count * i / threads, hi = count * (i + 1) / threads;
		jobs[i] = (struct job){ .path = path, .va = va + lo, .pa = pa_x + lo, .n = hi - lo };
		if (pthread_create(&tid[i], NULL, vms_worker, &jobs[i]))
			die("pthread_create", NULL);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		if (jobs[i].err)
			die("worker", jobs[i].err);
	}
	double t6 = now();

	/* ---- agreement (untimed) ---- */
	size_t differ = 0, differ_x = 0, shown = 0;
	for (size_t i = 0; i < count; i++) {
		differ_x += pa_v[i] != pa_x[i];
		if (pa_v[i] == pa_t[i])
			continue;
		differ++;
		if (shown++ < 5)
			printf("  differ: 0x%" PRIx64 ": vmscope %s0x%" PRIx64 ", libaddrxlat %s0x%" PRIx64 "\n",
			       va[i], pa_v[i] == FAIL ? "fail " : "", pa_v[i],
			       pa_t[i] == FAIL ? "fail " : "", pa_t[i]);
	}
	double rv = (double)count / (t2 - t1), rt = (double)count / (t4 - t3);
	double rx = (double)count / (t6 - t5);
	printf("  vmscope 1 thread   %12.0f addr/s  %.3f s wall, %.3f s CPU (%.0f addr/CPU-s; +%.3f s "
	       "to list %" PRIu64 " linear runs); %zu failed; linear %" PRIu64 ", tlb %" PRIu64
	       ", walks %" PRIu64 "\n", rv, t2 - t1, c2 - c1, (double)count / (c2 - c1), t1 - t0,
	       st.nruns, vfail, st.linear, st.tlb_hits, st.walks);
	printf("  libaddrxlat        %12.0f addr/s  %.3f s wall, %.3f s CPU (%.0f addr/CPU-s); "
	       "%zu failed\n", rt, t4 - t3, c4 - c3, (double)count / (c4 - c3), tfail);
	printf("  vmscope %u threads  %12.0f addr/s  %.3f s (opening each dump included); per thread, "
	       "CPU opening + translating:", threads, rx, t6 - t5);
	for (unsigned i = 0; i < threads; i++)
		printf(" %.3f + %.3f s", jobs[i].open_cpu, jobs[i].cpu);
	printf("\n");
	printf("  ratio vmscope/libaddrxlat: %.1f wall, %.1f CPU (1 thread); %.1f (%u threads, wall); "
	       "%u threads / 1 thread: %.2f (wall)\n", rv / rt, (c4 - c3) / (c2 - c1), rx / rt, threads,
	       threads, rx / rv);
	printf("  answers that differ: %zu of %zu (vmscope threaded vs single: %zu)\n", differ, count,
	       differ_x);
	free(va);
	free(pa_v);
	free(pa_t);
	free(pa_x);
	free(res);
	for (size_t c = 0; c < ncats; c++)
		free(cats[c].runs);
	return differ || differ_x ? 1 : 0;
}
