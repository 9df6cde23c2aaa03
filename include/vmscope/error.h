/* vmscope — errors.
 *
 * Every fallible call returns a vms_error pointer: NULL on success, otherwise an
 * error object the caller owns and releases with vms_error_free().  One error
 * object is carried up through every layer (drgn's style); layers may prefix
 * context to its message on the way up.
 */
#ifndef VMSCOPE_ERROR_H
#define VMSCOPE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the library's public functions; everything else stays hidden. */
#ifndef VMS_EXPORT
#define VMS_EXPORT __attribute__((visibility("default")))
#endif

typedef struct vms_error vms_error;

enum vms_error_code {
	VMS_ERR_NOMEM = 1,	/* allocation failed */
	VMS_ERR_IO,		/* the operating system refused a read or open */
	VMS_ERR_CORRUPT,	/* the input violates its format */
	VMS_ERR_UNSUPPORTED,	/* valid input that vmscope cannot handle */
	VMS_ERR_INVALID,	/* the caller passed a bad argument */
	VMS_ERR_NODATA,		/* the data is not in the dump (excluded, lost, absent) */
	VMS_ERR_NOT_FOUND,	/* a lookup found nothing (key, symbol, mapping) */
	VMS_ERR_UNMAPPED,	/* an address is not mapped by the page tables */
	VMS_ERR_PLUGIN,		/* a plugin failed to load or reported a failure */
};

VMS_EXPORT enum vms_error_code vms_error_code(const vms_error *err);
VMS_EXPORT const char *vms_error_message(const vms_error *err);
/* Accepts NULL. */
VMS_EXPORT void vms_error_free(vms_error *err);

/* Builds a new error; for plugins and library users who carry their own. */
VMS_EXPORT vms_error *vms_error_create(enum vms_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
