/* libFuzzer harness: one ELF vmcore.  The ELF magic is forced so that every
 * input reaches the ELF reader. */
#include <stdlib.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *buf = fuzz_with_signature(data, size, "\177ELF", 4, &len);
	const uint8_t *bufs[1] = { buf };

	if (!buf)
		return 0;
	fuzz_run(bufs, &len, 1);
	free(buf);
	return 0;
}
