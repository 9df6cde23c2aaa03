/* corrupt - write a deliberately damaged copy of a file, for tests/bad-input.sh.
 *
 *   corrupt IN OUT truncate OFF          the first OFF bytes of IN
 *   corrupt IN OUT TYPE OFF VALUE        IN with VALUE stored at OFF
 *   corrupt IN OUT bytes OFF HEX         IN with the bytes HEX at OFF
 *   corrupt IN OUT append HEX            IN followed by the bytes HEX
 *   corrupt IN OUT zero OFF LEN          IN with LEN bytes zeroed at OFF
 *   corrupt IN OUT copy FROM TO LEN      IN with LEN bytes from FROM also at TO
 *   corrupt get IN TYPE OFF              prints the value at OFF (decimal)
 *   corrupt find IN TEXT [FROM]          prints the first offset of TEXT, or -1
 *
 * TYPE is u8, u16le, u32le, u64le, u16be, u32be or u64be.  Numbers are C
 * style (decimal, 0x hex); VALUE may be negative (two's complement).  Writes
 * past the end of IN extend OUT with zeros.  The output is a new file; IN is
 * only ever read.  Deterministic: the same arguments give the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "corrupt: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static uint8_t *load(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET))
		die("cannot read %s", path);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n)
		die("cannot read %s", path);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void save(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp))
		die("cannot write %s", path);
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = *s == '-' ? (uint64_t)strtoll(s, &end, 0) : strtoull(s, &end, 0);
	if (errno || !*s || *end)
		die("bad number '%s'", s);
	return v;
}

/* Width in bytes and byte order of TYPE; 0 if it is not a type. */
static int type_of(const char *t, int *be)
{
	static const struct { const char *name; int width, be; } types[] = {
		{ "u8", 1, 0 }, { "u16le", 2, 0 }, { "u32le", 4, 0 }, { "u64le", 8, 0 },
		{ "u16be", 2, 1 }, { "u32be", 4, 1 }, { "u64be", 8, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(t, types[i].name)) {
			*be = types[i].be;
			return types[i].width;
		}
	}
	return 0;
}

/* Grows *buf to at least n bytes, zero-filling. */
static void ensure(uint8_t **buf, size_t *len, uint64_t n)
{
	if (n > (1ull << 32))
		die("offset too large (%s)", "over 4 GiB");
	if (n > *len) {
		*buf = realloc(*buf, (size_t)n);
		if (!*buf)
			die("%s", "out of memory");
		memset(*buf + *len, 0, (size_t)n - *len);
		*len = (size_t)n;
	}
}

static size_t hex_bytes(const char *hex, uint8_t **out)
{
	size_t n = strlen(hex) / 2, i;

	if (strlen(hex) % 2)
		die("odd-length hex string '%s'", hex);
	*out = malloc(n + 1);
	if (!*out)
		die("%s", "out of memory");
	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			die("bad hex string '%s'", hex);
		(*out)[i] = (uint8_t)v;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint8_t *buf, *bytes;
	size_t len, n;
	uint64_t off, v;
	int width, be, i;

	if (argc >= 5 && !strcmp(argv[1], "get")) {
		buf = load(argv[2], &len);
		width = type_of(argv[3], &be);
		off = num(argv[4]);
		if (!width)
			die("unknown type '%s'", argv[3]);
		if (off > len || len - off < (uint64_t)width)
			die("offset %s is past the end", argv[4]);
		for (v = 0, i = 0; i < width; i++)
			v |= (uint64_t)buf[off + (be ? (uint64_t)i : (uint64_t)(width - 1 - i))]
			     << (8 * (width - 1 - i));
		printf("%llu\n", (unsigned long long)v);
		free(buf);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "find")) {
		size_t tl = strlen(argv[3]);

		buf = load(argv[2], &len);
		for (off = argc >= 5 ? num(argv[4]) : 0; tl && off + tl <= len; off++) {
			if (!memcmp(buf + off, argv[3], tl)) {
				printf("%llu\n", (unsigned long long)off);
				free(buf);
				return 0;
			}
		}
		printf("-1\n");
		free(buf);
		return 0;
	}
	if (argc < 5)
		die("%s", "usage: corrupt IN OUT KIND ARGS... (see the comment in tests/corrupt.c)");
	buf = load(argv[1], &len);
	if (!strcmp(argv[3], "truncate")) {
		off = num(argv[4]);
		if (off < len)
			len = (size_t)off;
	} else if (!strcmp(argv[3], "append")) {
		n = hex_bytes(argv[4], &bytes);
		ensure(&buf, &len, len + n);
		memcpy(buf + len - n, bytes, n);
		free(bytes);
	} else if (!strcmp(argv[3], "bytes") && argc >= 6) {
		off = num(argv[4]);
		n = hex_bytes(argv[5], &bytes);
		ensure(&buf, &len, off + n);
		memcpy(buf + off, bytes, n);
		free(bytes);
	} else if (!strcmp(argv[3], "zero") && argc >= 6) {
		off = num(argv[4]);
		v = num(argv[5]);
		ensure(&buf, &len, off + v);
		memset(buf + off, 0, (size_t)v);
	} else if (!strcmp(argv[3], "copy") && argc >= 7) {
		uint64_t from = num(argv[4]), to = num(argv[5]);

		v = num(argv[6]);
		if (from > len || len - from < v)
			die("copy source %s is past the end", argv[4]);
		ensure(&buf, &len, to + v);
		memmove(buf + to, buf + from, (size_t)v);
	} else if ((width = type_of(argv[3], &be)) && argc >= 6) {
		off = num(argv[4]);
		v = num(argv[5]);
		ensure(&buf, &len, off + (uint64_t)width);
		for (i = 0; i < width; i++)
			buf[off + (uint64_t)i] = (uint8_t)(v >> (8 * (be ? width - 1 - i : i)));
	} else {
		die("unknown kind or missing arguments: '%s'", argv[3]);
	}
	save(argv[2], buf, len);
	free(buf);
	return 0;
}
