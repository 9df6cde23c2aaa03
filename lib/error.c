/* Error objects: a code and a heap-allocated one-line message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"

struct vms_error {
	enum vms_error_code code;
	char *message;
};

/* Returned when there is no memory to build an error.  It is read-only in
 * practice: nothing ever writes to it, and vms_error_free() skips it. */
vms_error vms_error_nomem_obj = { VMS_ERR_NOMEM, (char *)"out of memory" };

enum vms_error_code vms_error_code(const vms_error *err)
{
	return err->code;
}

const char *vms_error_message(const vms_error *err)
{
	return err->message;
}

void vms_error_free(vms_error *err)
{
	if (!err || err == VMS_ENOMEM)
		return;
	free(err->message);
	free(err);
}

static vms_error *error_new(enum vms_error_code code, char *message)
{
	vms_error *err;

	if (!message)
		return VMS_ENOMEM;
	err = malloc(sizeof(*err));
	if (!err) {
		free(message);
		return VMS_ENOMEM;
	}
	err->code = code;
	err->message = message;
	return err;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

vms_error *vms_error_fmt(enum vms_error_code code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	return error_new(code, msg);
}

vms_error *vms_error_create(enum vms_error_code code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	return error_new(code, msg);
}

vms_error *vms_error_at(enum vms_error_code code, const char *path, uint64_t offset,
			const char *fmt, ...)
{
	va_list ap;
	char *what, *msg;

	va_start(ap, fmt);
	what = vformat(fmt, ap);
	va_end(ap);
	if (!what)
		return VMS_ENOMEM;
	if (asprintf(&msg, "%s: offset 0x%llx: %s", path, (unsigned long long)offset, what) < 0)
		msg = NULL;
	free(what);
	return error_new(code, msg);
}

vms_error *vms_error_errno(const char *path, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *what, *msg;

	va_start(ap, fmt);
	what = vformat(fmt, ap);
	va_end(ap);
	if (!what)
		return VMS_ENOMEM;
	if (asprintf(&msg, "%s: %s: %s", path, what, strerror(errnum)) < 0)
		msg = NULL;
	free(what);
	return error_new(errnum == ENOMEM ? VMS_ERR_NOMEM : VMS_ERR_IO, msg);
}

vms_error *vms_error_prefix(vms_error *err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *msg;

	if (!err || err == VMS_ENOMEM)
		return err;
	va_start(ap, fmt);
	ctx = vformat(fmt, ap);
	va_end(ap);
	if (!ctx)
		return err;
	if (asprintf(&msg, "%s: %s", ctx, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(ctx);
	return err;
}
