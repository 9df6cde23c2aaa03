/* The file-access layer: open read-only, map, and serve bounded reads.
 *
 * A flattened stream (makedumpfile -F, QEMU's kdump output) is indexed here,
 * once, so that the format readers above read logical offsets of the
 * rebuilt file without anything being rebuilt on disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error-priv.h"
#include "file.h"
#include "util.h"

static vms_error *file_new(const char *path, struct vms_file **out)
{
	struct vms_file *f = calloc(1, sizeof(*f));

	if (!f)
		return VMS_ENOMEM;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return VMS_ENOMEM;
	}
	f->fd = -1;
	*out = f;
	return NULL;
}

/* pread the whole of [off, off+len) from the file on disk. */
static vms_error *disk_read(struct vms_file *f, uint64_t off, void *buf, size_t len,
			    const char *what)
{
	uint8_t *p = buf;

	if (f->map) {
		memcpy(buf, f->map + off, len);
		return NULL;
	}
	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vms_error_prefix(vms_error_errno(f->path, errno, "reading %s", what),
						"offset 0x%llx", (unsigned long long)off);
		}
		if (n == 0)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
					    "%s: file ends early", what);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return NULL;
}

vms_error *vms_file_open(const char *path, struct vms_file **out)
{
	struct vms_file *f;
	struct stat st;
	uint8_t head[16];
	vms_error *err;

	err = file_new(path, &f);
	if (err)
		return err;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		err = vms_error_errno(path, errno, "cannot open");
		goto fail;
	}
	if (fstat(f->fd, &st) < 0) {
		err = vms_error_errno(path, errno, "cannot stat");
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err = vms_error_fmt(VMS_ERR_INVALID, "%s: not a regular file", path);
		goto fail;
	}
	f->disk_size = f->size = (uint64_t)st.st_size;
	/* A read-only private mapping: reads become memcpy, and the dump can
	 * never be written through it.  pread is the fallback. */
	if (f->size > 0 && S_ISREG(st.st_mode)) {
		void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);

		if (m != MAP_FAILED)
			f->map = m;
	}
	if (f->size >= sizeof(head)) {
		err = disk_read(f, 0, head, sizeof(head), "file signature");
		if (err)
			goto fail;
		if (vms_flat_probe(head, sizeof(head))) {
			err = vms_flat_index(f, &f->flat);
			if (err)
				goto fail;
			f->size = vms_flat_logical_size(f->flat);
		}
	}
	*out = f;
	return NULL;
fail:
	vms_file_close(f);
	return err;
}

vms_error *vms_file_open_mem(const char *name, const void *buf, size_t len,
			     struct vms_file **out)
{
	struct vms_file *f;
	vms_error *err;

	err = file_new(name, &f);
	if (err)
		return err;
	f->map = buf;
	f->disk_size = f->size = len;
	if (len >= 16 && vms_flat_probe(buf, 16)) {
		err = vms_flat_index(f, &f->flat);
		if (err) {
			f->map = NULL;
			vms_file_close(f);
			return err;
		}
		f->size = vms_flat_logical_size(f->flat);
	}
	*out = f;
	return NULL;
}

void vms_file_close(struct vms_file *f)
{
	if (!f)
		return;
	if (f->flat)
		vms_flat_free(f->flat);
	/* Only mappings we made have an fd; wrapped buffers belong to the caller. */
	if (f->map && f->fd >= 0)
		munmap((void *)f->map, f->disk_size);
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f);
}

vms_error *vms_file_read(struct vms_file *f, uint64_t off, void *buf, size_t len,
			 const char *what)
{
	uint64_t end;

	if (!vms_add_ok(off, len, &end) || end > f->size)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
				    "%s (%zu bytes) extends past the end of the file (size 0x%llx)",
				    what, len, (unsigned long long)f->size);
	if (f->flat)
		return vms_flat_read(f, off, buf, len, what);
	return disk_read(f, off, buf, len, what);
}
