/* The file-access layer: bounded, read-only reads of one dump file, whether it
 * is a plain file or a makedumpfile flattened stream.  The format readers sit
 * on top of it and never see the difference (libkdumpfile's layering). */
#ifndef VMS_FILE_H
#define VMS_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <vmscope/error.h>

struct vms_flat_map;

struct vms_file {
	char *path;
	int fd;
	uint64_t size;		/* of the logical (rebuilt) file */
	uint64_t disk_size;	/* of the file on disk */
	const uint8_t *map;	/* mmap of the whole file, or NULL (then pread) */
	struct vms_flat_map *flat; /* non-NULL for a flattened stream */
};

/* Opens path read-only and indexes it if it is a flattened stream. */
vms_error *vms_file_open(const char *path, struct vms_file **out);
void vms_file_close(struct vms_file *f);
/* Wraps a caller-owned buffer as a file (fuzz harnesses, tests); name is for
 * messages.  The buffer must outlive the file. */
vms_error *vms_file_open_mem(const char *name, const void *buf, size_t len,
			     struct vms_file **out);

/* Reads exactly len bytes at logical offset off.  Reading past the logical
 * end is a VMS_ERR_CORRUPT error naming the file and offset; what names it is
 * `what` ("ELF header", "page descriptor", ...). */
vms_error *vms_file_read(struct vms_file *f, uint64_t off, void *buf, size_t len,
			 const char *what);

/* True when the file was a flattened stream. */
static inline bool vms_file_is_flat(const struct vms_file *f) { return f->flat != NULL; }

/* Flattened-stream index (formats/flat.c). */
bool vms_flat_probe(const uint8_t *head, size_t len);
vms_error *vms_flat_index(struct vms_file *f, struct vms_flat_map **out);
vms_error *vms_flat_read(struct vms_file *f, uint64_t off, void *buf, size_t len,
			 const char *what);
uint64_t vms_flat_logical_size(const struct vms_flat_map *m);
void vms_flat_free(struct vms_flat_map *m);

#endif
