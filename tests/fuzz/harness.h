/* Shared by the libFuzzer harnesses: open a dump over in-memory buffers and
 * exercise every public accessor on it, with bounded work per input. */
#ifndef VMS_FUZZ_HARNESS_H
#define VMS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Wraps bufs[0..n-1] as files named "fuzz-0", "fuzz-1", ... and, if the dump
 * opens, exercises it.  Errors are expected and freed; only sanitizer
 * reports, crashes and hangs are findings. */
void fuzz_run(const uint8_t *const *bufs, const size_t *lens, size_t n);

/* A malloc'd copy of data with `sig` written over its first siglen bytes
 * (padded with zeros if data is shorter), so the fuzzer need not discover
 * the signature before reaching the reader. */
uint8_t *fuzz_with_signature(const uint8_t *data, size_t len, const void *sig,
			     size_t siglen, size_t *out_len);

#endif
