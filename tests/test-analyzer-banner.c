/* The kernel version without VMCOREINFO: the linux_banner matcher, and the
 * search of the kernel image's mappings on a synthetic x86_64 dump.
 *
 *   test-analyzer-banner
 *
 * Matcher: real banners of several eras match and give their release; the
 * look-alikes do not (the printk buffer's copy without "\n\0", format
 * strings, control bytes, a banner cut short, releases that are not
 * MAJOR.MINOR..., no "#<build>").  Search: a banner in RAM that the kernel
 * image does not map (freed init memory, initramfs) is never taken; the
 * non-executable mapping (rodata) wins over text; without any, the
 * version is reported unknown.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmscope/analyzer.h>
#include "error-priv.h"
#include "layout-priv.h"

static int checks, failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		checks++;                                                      \
		if (!(cond))                                                   \
			failures++;                                            \
		printf("%s %d - ", (cond) ? "ok" : "not ok", checks);         \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

#define DEBIAN_61 "Linux version 6.1.0-57-arm64 (debian-kernel@lists.debian.org) (gcc-12 " \
	"(Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP " \
	"Debian 6.1.192-3 (2026-11-26)"

/* Matches s (given with its terminating NUL and 16 bytes of slack after). */
static size_t match(const char *s, size_t len, char *rel)
{
	char buf[1024];

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, s, len);
	return vms_banner_match(buf, len + 16 < sizeof(buf) ? len + 16 : sizeof(buf), rel, 65);
}

static void test_matcher(void)
{
	static const struct { const char *text; const char *release; } good[] = {
		{ DEBIAN_61 "\n", "6.1.0-57-arm64" },
		{ "Linux version 6.12.117+deb12-arm64-16k (debian-kernel@lists.debian.org) "
		  "(aarch64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils "
		  "for Debian) 2.40) #1 SMP Debian 6.12.117-1~deb12u1 (2026-11-14)\n",
		  "6.12.117+deb12-arm64-16k" },
		{ "Linux version 2.6.32-5-amd64 (Debian 2.6.32-48squeeze6) (dannf@debian.org) (gcc "
		  "version 4.3.5 (Debian 4.3.5-4) ) #1 SMP Mon Feb 25 00:26:11 UTC 2013\n",
		  "2.6.32-5-amd64" },
		{ "Linux version 5.4.0 (user@host) (gcc version 9.3.0) #42 SMP PREEMPT Tue Mar 1 2022\n",
		  "5.4.0" },
	};
	static const struct { const char *text; size_t len; const char *why; } bad[] = {
		/* The printk ring buffer keeps the line without its newline,
		 * followed by the next record. */
		{ DEBIAN_61 "\x01\x02\x03\x04", sizeof(DEBIAN_61) + 4, "printk copy (no \\n\\0)" },
		{ DEBIAN_61 "\nCommand line: root=/dev/vda", 0, "copy followed by more text (no \\0)" },
		{ "Linux version %s (%s) %s\n", 0, "a format string" },
		{ "Linux version unknown (x@y) (gcc) #1 SMP\n", 0, "release not starting with a digit" },
		{ "Linux version 6 (x@y) (gcc) #1 SMP\n", 0, "release without a minor number" },
		{ "Linux version 6.1.0 (x@y) (gcc) SMP Debian\n", 0, "no #<build>" },
		{ "Linux version 6.1.0 (x@y) (gcc) #1 SMP\tDebian\n", 0, "a control byte" },
		{ "Linux version 6.1.0 (x@y) (gcc) #1 SMP \xc3\xa9\n", 0, "non-ASCII bytes" },
		{ "Linux version 6.1.0(x@y) (gcc) #1 SMP\n", 0, "no space before '('" },
		{ "Linux version 6.1.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		  "(x@y) (gcc) #1 SMP\n", 0, "release longer than 64" },
		{ "Linux versio 6.1.0 (x@y) (gcc) #1 SMP\n", 0, "not the prefix" },
	};
	char rel[65];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t len = strlen(good[i].text) + 1, n = match(good[i].text, len, rel);
		CHECK(n == len && !strcmp(rel, good[i].release), "banner %zu matches, release %s (got %zu, "
		      "%s)", i, good[i].release, n, n ? rel : "-");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text) + 1;
		CHECK(match(bad[i].text, len, rel) == 0, "rejected: %s", bad[i].why);
	}
	/* Cut short by the end of what was read: no match, no overread. */
	{
		const char *t = DEBIAN_61 "\n";
		size_t len = strlen(t) + 1;
		char *exact = malloc(len);
		memcpy(exact, t, len);
		CHECK(vms_banner_match(exact, len, rel, sizeof(rel)) == len, "banner ending the buffer");
		CHECK(vms_banner_match(exact, len - 1, rel, sizeof(rel)) == 0, "banner without its NUL");
		CHECK(vms_banner_match(exact, 40, rel, sizeof(rel)) == 0, "banner cut at 40 bytes");
		CHECK(vms_banner_match(exact, len, rel, 8) == 0, "release longer than the caller's buffer");
		free(exact);
	}
}

/* ---- a synthetic x86_64 dump: 4-level tables mapping the kernel image ---- */

#define MEM_SIZE (UINT64_C(0x1010000))
#define KTEXT_VA UINT64_C(0xffffffff81000000)
#define KTEXT_PA UINT64_C(0x1000000)	/* phys_base 0 */
#define PML4 0x1000u
#define PDPT 0x2000u
#define PD 0x3000u
#define PT 0x4000u
#define X86_NX (UINT64_C(1) << 63)

struct mem {
	uint8_t *b;
	struct vms_range range;
};

static vms_error *mem_read(void *ctx, uint64_t pa, void *buf, size_t len, unsigned int flags)
{
	struct mem *m = ctx;

	(void)flags;
	if (pa > MEM_SIZE || len > MEM_SIZE - pa)
		return vms_error_fmt(VMS_ERR_UNMAPPED, "PA 0x%" PRIx64 " is outside the test memory", pa);
	memcpy(buf, m->b + pa, len);
	return NULL;
}

static void put64(struct mem *m, uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		m->b[pa + i] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct mem *m, uint64_t pa, const char *s)
{
	memcpy(m->b + pa, s, strlen(s) + 1);
}

/* Maps KTEXT_VA + i pages to KTEXT_PA + i pages, with the given NX bits. */
static void map_image(struct mem *m, size_t npages, const bool *nx)
{
	put64(m, PML4 + 511 * 8, PDPT | 3);
	put64(m, PDPT + 510 * 8, PD | 3);
	put64(m, PD + 8 * 8, PT | 3);
	for (size_t i = 0; i < npages; i++)
		put64(m, PT + i * 8, (KTEXT_PA + i * 4096) | 1 | (nx[i] ? X86_NX : 0));
}

static vms_layout *detect(struct mem *m)
{
	struct vms_layout_input in = { 0 };
	struct vms_detect_options o = VMS_DETECT_OPTIONS_INIT;
	vms_layout *l = NULL;
	vms_error *err;

	in.ctx = m;
	in.read_phys = mem_read;
	in.arch = VMS_ARCH_X86_64;
	m->range = (struct vms_range){ 0, MEM_SIZE };
	in.ranges = &m->range;
	in.nranges = 1;
	o.have_pgt_root = true;
	o.pgt_root = PML4;
	err = vms_layout_detect_input(&in, &o, &l);
	if (err) {
		printf("# detect: %s\n", vms_error_message(err));
		vms_error_free(err);
	}
	return l;
}

static const char *note_of(vms_layout *l)
{
	return vms_layout_get(l, VMS_LK_KERNEL_VERSION)->note;
}

static void test_search(void)
{
	struct mem m = { calloc(1, MEM_SIZE), { 0, 0 } };
	bool nx[3] = { false, true, true };
	vms_layout *l;

	if (!m.b) {
		CHECK(0, "allocating the test memory");
		return;
	}
	/* Page 0: text with a (stale) banner; page 1: rodata holding the
	 * printk-style copy and the real one; page 2: data; unmapped RAM
	 * after the image: an initramfs-like copy of another kernel's. */
	map_image(&m, 3, nx);
	put_str(&m, KTEXT_PA + 0x100, "Linux version 9.9.9-text (a@b) (gcc) #1 SMP\n");
	memcpy(m.b + KTEXT_PA + 0x1000 + 0x10, DEBIAN_61, sizeof(DEBIAN_61) - 1);	/* no "\n\0" */
	put_str(&m, KTEXT_PA + 0x1000 + 0x400, "Linux version 6.1.0-rodata (a@b) (gcc) #7 SMP\n");
	put_str(&m, KTEXT_PA + 0x4000 + 0x20, "Linux version 5.10.0-initrd (a@b) (gcc) #1 SMP\n");

	l = detect(&m);
	CHECK(l && vms_layout_osrelease(l) && !strcmp(vms_layout_osrelease(l), "6.1.0-rodata") &&
	      vms_layout_get(l, VMS_LK_KERNEL_VERSION)->source == VMS_SRC_MEMORY &&
	      vms_layout_get(l, VMS_LK_KERNEL_VERSION)->value == 0x060100,
	      "the rodata banner is found (not the text one, the printk copy or unmapped RAM's): %s",
	      l ? note_of(l) : "no layout");
	CHECK(l && strstr(note_of(l), "0xffffffff81001400") && strstr(note_of(l), "non-executable"),
	      "its VA and mapping are reported: %s", l ? note_of(l) : "-");
	vms_layout_free(l);

	/* No banner in rodata: the text one (a crash before the image was
	 * protected), said so. */
	memset(m.b + KTEXT_PA + 0x1000, 0, 0x1000);
	l = detect(&m);
	CHECK(l && vms_layout_osrelease(l) && !strcmp(vms_layout_osrelease(l), "9.9.9-text") &&
	      strstr(note_of(l), "executable (not yet protected)"),
	      "falls back to the executable mappings: %s", l ? note_of(l) : "no layout");
	vms_layout_free(l);

	/* None mapped anywhere: unknown, although unmapped RAM has one. */
	memset(m.b + KTEXT_PA, 0, 0x1000);
	l = detect(&m);
	CHECK(l && !vms_layout_osrelease(l) && !vms_layout_get(l, VMS_LK_KERNEL_VERSION)->known,
	      "no banner in the image: version unknown (unmapped RAM's copy is ignored)");
	{
		bool said = false;
		for (size_t i = 0; l && vms_layout_remark(l, i); i++)
			said |= strstr(vms_layout_remark(l, i), "kernel version unknown") != NULL;
		CHECK(said, "a remark says the version is unknown");
	}
	vms_layout_free(l);
	free(m.b);
}

int main(void)
{
	test_matcher();
	test_search();
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
