/* sample-pfns: prints the page frames that vmscope reads to detect a dump's
 * layout and translate a few addresses, as a list for
 * `mkdump --from-elf IN --keep-pfns LIST`.  That is how the small sample
 * dump of a real kernel in tests/fixtures/ is cut out of a full one (see
 * tests/make-sample.sh): it keeps exactly what `vmscope layout` needs.
 *
 *   sample-pfns DUMP [VA...]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/vmscope.h>
#include "dump-priv.h"

struct seen {
	uint64_t *blk;
	size_t n, cap;
};

static void record(void *arg, uint64_t blk)
{
	struct seen *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->blk = realloc(s->blk, s->cap * sizeof(*s->blk));
		if (!s->blk)
			exit(2);
	}
	s->blk[s->n++] = blk;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct seen s = { 0 };
	vms_layout *l;
	vms_dump *d;
	vms_error *err;
	size_t i, out = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: sample-pfns DUMP [VA...]\n");
		return 2;
	}
	err = vms_dump_open((const char *const *)&argv[1], 1, NULL, &d);
	if (err) {
		fprintf(stderr, "sample-pfns: %s\n", vms_error_message(err));
		return 1;
	}
	d->read_hook = record;
	d->read_hook_arg = &s;
	err = vms_layout_detect(d, NULL, &l);
	if (err) {
		fprintf(stderr, "sample-pfns: %s\n", vms_error_message(err));
		return 1;
	}
	for (i = 2; i < (size_t)argc; i++) {
		struct vms_translation t;
		vms_error *e = vms_vtop(l, strtoull(argv[i], NULL, 16), &t);

		vms_error_free(e);
	}
	/* Each translated region's first mapped page too, so vtop works there. */
	for (i = 0; i < vms_layout_nregions(l); i++) {
		const struct vms_region *r = vms_layout_region(l, i);
		struct vms_translation t;
		vms_error *e = vms_vtop(l, r->start, &t);

		vms_error_free(e);
	}
	/* The detector checks that every entry of a top-level table points
	 * into the dump, so keep the targets of the roots' entries too (x86_64
	 * entries; the sample is cut from an x86_64 dump). */
	{
		const struct vms_layout_value *root = vms_layout_get(l, VMS_LK_PGT_ROOT);
		uint64_t roots[1 + 64];
		size_t nroots = 0, r, k;

		if (root && root->known)
			roots[nroots++] = root->value & ~0xfffull;
		for (k = 0; k < vms_dump_ncpus(d) && nroots < 65; k++)
			if (vms_dump_cpu(d, k)->has_qemu)
				roots[nroots++] = vms_dump_cpu(d, k)->cr[3] & 0x000ffffffffff000ull;
		for (r = 0; r < nroots; r++) {
			uint64_t e[512];

			if (vms_dump_read_phys(d, roots[r], e, sizeof(e), VMS_READ_ZERO_FILL))
				continue;
			for (k = 0; k < 512; k++)
				if (e[k] & 1)
					record(&s, (e[k] & 0x000ffffffffff000ull) >> d->block_shift);
		}
	}
	vms_layout_free(l);
	vms_dump_close(d);
	qsort(s.blk, s.n, sizeof(*s.blk), cmp);
	for (i = 0; i < s.n; i++) {
		if (i && s.blk[i] == s.blk[i - 1])
			continue;
		printf("%s0x%" PRIx64, out++ ? "," : "", s.blk[i]);
	}
	printf("\n");
	free(s.blk);
	return 0;
}
