/* libFuzzer harness: one kdump-compressed file.  The "KDUMP   " signature is
 * written over the first 8 bytes (not prepended, so that offsets in seeds
 * taken from real files stay where the format puts them). */
#include <stdlib.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *buf = fuzz_with_signature(data, size, "KDUMP   ", 8, &len);
	const uint8_t *bufs[1] = { buf };

	if (!buf)
		return 0;
	fuzz_run(bufs, &len, 1);
	free(buf);
	return 0;
}
