/* The walker harnesses' physical memory: the input's bytes from PA 0, read
 * the way a dump reader answers (zeros past the end only when asked). */
#ifndef VMS_FUZZ_FMEM_H
#define VMS_FUZZ_FMEM_H

#include <stdint.h>
#include <string.h>

#include <vmscope/analyzer.h>

static inline vms_error *fmem_read(const uint8_t *m, size_t size, uint64_t pa, void *buf,
				   size_t len, unsigned int flags)
{
	if (pa >= size || len > size - pa) {
		if (flags & VMS_READ_ZERO_FILL) {
			memset(buf, 0, len);
			return NULL;
		}
		return vms_error_create(VMS_ERR_NODATA, "outside");
	}
	memcpy(buf, m + pa, len);
	return NULL;
}

#endif
