/* Internal error helpers.  See include/vmscope/error.h for the contract. */
#ifndef VMS_ERROR_PRIV_H
#define VMS_ERROR_PRIV_H

#include <stdint.h>
#include <vmscope/error.h>

/* The shared out-of-memory error: returned when allocating an error fails.
 * It is constant; vms_error_free() ignores it. */
extern vms_error vms_error_nomem_obj;
#define VMS_ENOMEM (&vms_error_nomem_obj)

vms_error *vms_error_fmt(enum vms_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "PATH: offset 0xOFF: MESSAGE" — the one-line shape of every bad-input error. */
vms_error *vms_error_at(enum vms_error_code code, const char *path,
			uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "PATH: MESSAGE" plus strerror(errnum) */
vms_error *vms_error_errno(const char *path, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes context to err's message ("CONTEXT: old message"); returns err. */
vms_error *vms_error_prefix(vms_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
