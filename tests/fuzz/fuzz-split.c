/* libFuzzer harness: a split kdump set of two files carved from one input.
 *
 * Input: a 4-byte little-endian length N, then N bytes of the first file
 * (N is taken modulo what is left), then the second file.  Both get the
 * "KDUMP   " signature written over their first 8 bytes.  Either file may
 * also be a flattened stream: the signature is only forced on a file that
 * does not start with "makedumpfile". */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *piece(const uint8_t *p, size_t n, size_t *len)
{
	uint8_t *b;

	if (n >= 16 && !memcmp(p, "makedumpfile\0\0\0\0", 16)) {
		b = malloc(n);
		if (b)
			memcpy(b, p, n);
		*len = n;
		return b;
	}
	return fuzz_with_signature(p, n, "KDUMP   ", 8, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *bufs[2];
	uint8_t *a, *b;
	size_t lens[2], n;

	if (size < 4)
		return 0;
	n = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
	    (size_t)data[3] << 24;
	data += 4;
	size -= 4;
	n %= size + 1;
	a = piece(data, n, &lens[0]);
	b = piece(data + n, size - n, &lens[1]);
	if (a && b) {
		bufs[0] = a;
		bufs[1] = b;
		fuzz_run(bufs, lens, 2);
	}
	free(a);
	free(b);
	return 0;
}
