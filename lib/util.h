/* Small helpers shared by every layer: byte order, checked arithmetic. */
#ifndef VMS_UTIL_H
#define VMS_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t vms_get16(const void *p, bool be)
{
	const uint8_t *b = p;
	return be ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

static inline uint32_t vms_get32(const void *p, bool be)
{
	const uint8_t *b = p;
	return be ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
		  : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static inline uint64_t vms_get64(const void *p, bool be)
{
	const uint8_t *b = p;
	uint32_t lo = vms_get32(b + (be ? 4 : 0), be), hi = vms_get32(b + (be ? 0 : 4), be);
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t vms_get64be(const void *p) { return vms_get64(p, true); }
static inline uint64_t vms_get64le(const void *p) { return vms_get64(p, false); }

/* a + b, or false when it overflows. */
static inline bool vms_add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	return !__builtin_add_overflow(a, b, sum);
}

static inline bool vms_mul_ok(uint64_t a, uint64_t b, uint64_t *prod)
{
	return !__builtin_mul_overflow(a, b, prod);
}

static inline bool vms_is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

static inline unsigned vms_log2(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }

#endif
