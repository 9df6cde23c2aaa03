/* A small streaming JSON writer for the command-line tool.  Every command's
 * --json output goes through it, so quoting and commas are right in one place. */
#ifndef VMS_CLI_JSON_H
#define VMS_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* Inside an object: the key of the next value. */
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
/* A string of exactly len bytes (may hold NULs and any bytes; escaped). */
void json_string_len(struct json *j, const char *s, size_t len);
/* Addresses are strings "0x..." in lower-case hex (a project-wide contract). */
void json_hex(struct json *j, uint64_t v);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Ends the document with a newline. */
void json_finish(struct json *j);

/* key + value shorthands */
static inline void json_kv_string(struct json *j, const char *k, const char *v) { json_key(j, k); json_string(j, v); }
static inline void json_kv_hex(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_hex(j, v); }
static inline void json_kv_uint(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_uint(j, v); }
static inline void json_kv_int(struct json *j, const char *k, int64_t v) { json_key(j, k); json_int(j, v); }
static inline void json_kv_bool(struct json *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }

#endif
