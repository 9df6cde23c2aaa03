/* Unit test of the kasan-shadow plugin's arithmetic (plugins/kasan-arith.h):
 * arm64's CONFIG_KASAN_SHADOW_OFFSET per version, VA_BITS, page size and
 * mode, against the values arch/arm64/Kconfig (5.4+) and arch/arm64/Makefile
 * (before 5.4) give; and address <-> shadow, with sw-tags pointer tags. */
#include <inttypes.h>
#include <stdio.h>

#include "../plugins/kasan-arith.h"

static int n, failed;

static void is(const char *what, uint64_t got, uint64_t want)
{
	n++;
	if (got == want) {
		printf("ok %d - %s\n", n, what);
	} else {
		failed++;
		printf("not ok %d - %s: got 0x%016" PRIx64 ", want 0x%016" PRIx64 "\n", n, what, got,
		       want);
	}
}

int main(void)
{
	/* The arch/arm64/Kconfig table, copied from the kernel trees named. */
	static const struct {
		const char *what;
		unsigned int va, major, minor, shift;
		uint32_t page;
		uint64_t want;
	} cases[] = {
		/* v6.1 (and 5.11 to 6.8) */
		{ "6.1 48-bit generic", 48, 6, 1, 3, 4096, UINT64_C(0xdfff800000000000) },
		{ "6.1 52-bit generic (64K)", 52, 6, 1, 3, 65536, UINT64_C(0xdfff800000000000) },
		{ "6.1 47-bit generic (16K)", 47, 6, 1, 3, 16384, UINT64_C(0xdfffc00000000000) },
		{ "6.1 42-bit generic", 42, 6, 1, 3, 65536, UINT64_C(0xdffffe0000000000) },
		{ "6.1 39-bit generic", 39, 6, 1, 3, 4096, UINT64_C(0xdfffffc000000000) },
		{ "6.1 36-bit generic", 36, 6, 1, 3, 16384, UINT64_C(0xdffffff800000000) },
		{ "6.1 48-bit sw-tags", 48, 6, 1, 4, 4096, UINT64_C(0xefff800000000000) },
		{ "6.1 47-bit sw-tags", 47, 6, 1, 4, 16384, UINT64_C(0xefffc00000000000) },
		{ "6.1 42-bit sw-tags", 42, 6, 1, 4, 65536, UINT64_C(0xeffffe0000000000) },
		{ "6.1 39-bit sw-tags", 39, 6, 1, 4, 4096, UINT64_C(0xefffffc000000000) },
		{ "6.1 36-bit sw-tags", 36, 6, 1, 4, 16384, UINT64_C(0xeffffff800000000) },
		{ "5.11 48-bit generic", 48, 5, 11, 3, 4096, UINT64_C(0xdfff800000000000) },
		/* v6.9+: 52-bit with 16K pages (LPA2) uses VA_BITS_MIN 47 */
		{ "6.9 52-bit 16K generic", 52, 6, 9, 3, 16384, UINT64_C(0xdfffc00000000000) },
		{ "6.9 52-bit 4K generic", 52, 6, 9, 3, 4096, UINT64_C(0xdfff800000000000) },
		{ "6.12 52-bit 16K sw-tags", 52, 6, 12, 4, 16384, UINT64_C(0xefffc00000000000) },
		{ "6.12 52-bit 64K sw-tags", 52, 6, 12, 4, 65536, UINT64_C(0xefff800000000000) },
		/* v5.4 to v5.10 */
		{ "5.4 48-bit generic", 48, 5, 4, 3, 4096, UINT64_C(0xdfffa00000000000) },
		{ "5.10 52-bit generic", 52, 5, 10, 3, 65536, UINT64_C(0xdfffa00000000000) },
		{ "5.10 47-bit generic", 47, 5, 10, 3, 16384, UINT64_C(0xdfffd00000000000) },
		{ "5.10 42-bit generic", 42, 5, 10, 3, 65536, UINT64_C(0xdffffe8000000000) },
		{ "5.10 39-bit generic", 39, 5, 10, 3, 4096, UINT64_C(0xdfffffd000000000) },
		{ "5.10 36-bit generic", 36, 5, 10, 3, 16384, UINT64_C(0xdffffffa00000000) },
		{ "5.10 48-bit sw-tags", 48, 5, 10, 4, 4096, UINT64_C(0xefff900000000000) },
		{ "5.10 47-bit sw-tags", 47, 5, 10, 4, 16384, UINT64_C(0xefffc80000000000) },
		{ "5.10 42-bit sw-tags", 42, 5, 10, 4, 65536, UINT64_C(0xeffffe4000000000) },
		{ "5.10 39-bit sw-tags", 39, 5, 10, 4, 4096, UINT64_C(0xefffffc800000000) },
		/* before 5.4: arch/arm64/Makefile's shell formula, evaluated by hand */
		{ "4.19 48-bit generic", 48, 4, 19, 3, 4096, UINT64_C(0xdfff200000000000) },
		{ "4.19 39-bit generic", 39, 4, 19, 3, 4096, UINT64_C(0xdfffff9000000000) },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is(cases[i].what, kasan_arm64_offset(cases[i].va, cases[i].page, cases[i].major,
						     cases[i].minor, cases[i].shift), cases[i].want);
	is("impossible VA_BITS 53", kasan_arm64_offset(53, 4096, 6, 1, 3), 0);
	is("impossible shift 5", kasan_arm64_offset(48, 4096, 6, 1, 5), 0);

	/* Shadow of the x86_64 kernel text, and back to its granule. */
	is("x86_64 shadow of 0xffffffff81000000",
	   kasan_mem_to_shadow(UINT64_C(0xffffffff81000000), X86_64_SHADOW_OFFSET, 3, false),
	   UINT64_C(0xfffffbfff0200000));
	is("x86_64 granule of that shadow byte",
	   kasan_shadow_to_mem(UINT64_C(0xfffffbfff0200000), X86_64_SHADOW_OFFSET, 3),
	   UINT64_C(0xffffffff81000000));
	/* arm64 6.1 generic: the linear map's shadow lies in [PAGE_END, 2^64 - 2^47). */
	is("arm64 generic shadow of 0xffff000012345678",
	   kasan_mem_to_shadow(UINT64_C(0xffff000012345678), UINT64_C(0xdfff800000000000), 3, false),
	   UINT64_C(0xffff600002468acf));
	/* sw-tags: the pointer's tag (top byte 0xb4) is dropped first, so the
	 * tagged and the untagged pointer share one shadow byte. */
	is("arm64 sw-tags shadow of tagged 0xb4ffff8000123458",
	   kasan_mem_to_shadow(UINT64_C(0xb4ffff8000123458), UINT64_C(0xefff800000000000), 4, true),
	   UINT64_C(0xffff7ff800012345));
	is("arm64 sw-tags: tagged and untagged pointers share the shadow byte",
	   kasan_mem_to_shadow(UINT64_C(0xffffff8000123458), UINT64_C(0xefff800000000000), 4, true),
	   UINT64_C(0xffff7ff800012345));
	is("arm64 sw-tags granule of that shadow byte",
	   kasan_shadow_to_mem(UINT64_C(0xffff7ff800012345), UINT64_C(0xefff800000000000), 4),
	   UINT64_C(0xffffff8000123450));
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
