/* KASAN shadow arithmetic shared by plugins/kasan-shadow.c and its unit test
 * (tests/test-kasan-arith.c): pure functions, no dump needed. */
#ifndef VMS_PLUGINS_KASAN_ARITH_H
#define VMS_PLUGINS_KASAN_ARITH_H

#include <stdbool.h>
#include <stdint.h>

/* CONFIG_KASAN_SHADOW_OFFSET of x86_64 (arch/x86/Kconfig), the same for 4-
 * and 5-level paging and every version. */
#define X86_64_SHADOW_OFFSET UINT64_C(0xdffffc0000000000)

/* CONFIG_KASAN_SHADOW_OFFSET of an arm64 kernel: a Kconfig default without
 * a prompt, so every kernel of a version, VA_BITS, page size and mode has
 * the same one.  The shadow ends where the formula of the version puts it
 * and covers the top 2^(64 - shift) of addresses:
 *   5.11+   KASAN_SHADOW_END = _PAGE_END(VA_BITS_MIN) = -2^(VA_BITS_MIN - 1)
 *           (0xdfff800000000000 for 48/52-bit generic, 0xefff800000000000 sw-tags)
 *   5.4-5.10 the shadow follows the linear map: _PAGE_END(VA_BITS_MIN) +
 *           2^(VA_BITS_MIN - shift) (0xdfffa00000000000, 0xefff900000000000)
 *   < 5.4   it starts at VA_START = -2^VA_BITS (arch/arm64/Makefile)
 * VA_BITS_MIN is 48 for 52-bit kernels, but 47 for 16K pages from 6.9
 * (LPA2).  Returns 0 for an impossible input. */
static inline uint64_t kasan_arm64_offset(unsigned int va_bits, uint32_t page_size,
					  unsigned int major, unsigned int minor, unsigned int shift)
{
	unsigned int ver = major * 1000 + minor, va_min = va_bits;
	uint64_t end;

	if (va_bits < 36 || va_bits > 52 || (shift != 3 && shift != 4))
		return 0;
	if (va_bits > 48)
		va_min = (page_size == 16384 && ver >= 6009) ? 47 : 48;
	if (ver >= 5011)
		end = -(UINT64_C(1) << (va_min - 1));
	else if (ver >= 5004)
		end = -(UINT64_C(1) << (va_min - 1)) + (UINT64_C(1) << (va_min - shift));
	else
		end = -(UINT64_C(1) << va_bits) + (UINT64_C(1) << (va_bits - shift));
	return end - (UINT64_C(1) << (64 - shift));
}

/* The address the shadow arithmetic uses: sw-tags drops the pointer tag
 * (kasan_reset_tag() sets the top byte to 0xff for kernel addresses). */
static inline uint64_t kasan_untag(uint64_t addr, bool sw_tags)
{
	return sw_tags ? addr | UINT64_C(0xff00000000000000) : addr;
}

/* kasan_mem_to_shadow() and back (the granule's first byte). */
static inline uint64_t kasan_mem_to_shadow(uint64_t addr, uint64_t offset, unsigned int shift,
					   bool sw_tags)
{
	return (kasan_untag(addr, sw_tags) >> shift) + offset;
}

static inline uint64_t kasan_shadow_to_mem(uint64_t shadow, uint64_t offset, unsigned int shift)
{
	return (shadow - offset) << shift;
}

#endif
