/* libFuzzer harness: a makedumpfile flattened stream wrapping an ELF or kdump
 * file.
 *
 * The input is the record stream (what follows the 4096-byte flat header);
 * the harness supplies the header, which is all padding but 32 bytes, so
 * the fuzzer spends its mutations on records and payloads.  An input that
 * itself starts with the flat signature is taken as a whole stream, so the
 * header's type and version fields get fuzzed too. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define FLAT_HEADER_SIZE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sig[16] = "makedumpfile";
	const uint8_t *bufs[1];
	uint8_t *buf;
	size_t len;

	if (size >= sizeof(sig) && !memcmp(data, sig, sizeof(sig))) {
		bufs[0] = data;
		fuzz_run(bufs, &size, 1);
		return 0;
	}
	len = FLAT_HEADER_SIZE + size;
	buf = calloc(1, len);
	if (!buf)
		return 0;
	memcpy(buf, sig, sizeof(sig));
	buf[23] = 1;	/* type 1, big-endian int64 */
	buf[31] = 1;	/* version 1 */
	if (size)
		memcpy(buf + FLAT_HEADER_SIZE, data, size);
	bufs[0] = buf;
	fuzz_run(bufs, &len, 1);
	free(buf);
	return 0;
}
