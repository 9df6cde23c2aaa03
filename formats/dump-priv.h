/* The reader interface: what every format reader fills in and implements.
 *
 * formats/dump.c owns the vms_dump object, the page cache and the public
 * accessors; a reader's open function fills the descriptive fields and sets
 * `ops`, and from then on the core asks it for blocks by block number
 * (block = physical address / block_size).  Readers never cache page data
 * themselves: the core does, once, for all of them.
 */
#ifndef VMS_DUMP_PRIV_H
#define VMS_DUMP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmscope/dump.h>
#include "file.h"

struct vms_page_cache;

struct vms_reader_ops {
	const char *name;
	/* The status of block `blk` (no data read when avoidable). */
	vms_error *(*block_status)(vms_dump *d, uint64_t blk, enum vms_page_status *st);
	/* Reads block `blk` into buf (block_size bytes) and reports its status.
	 * For anything but PRESENT and ZERO, buf is left untouched. */
	vms_error *(*read_block)(vms_dump *d, uint64_t blk, void *buf,
				 enum vms_page_status *st);
	/* Optional fast path: a pointer to block `blk`'s bytes where the file
	 * holds them whole and mapped (ELF), or NULL to go through read_block.
	 * Lets reads skip the cache copy. */
	const uint8_t *(*block_ptr)(vms_dump *d, uint64_t blk);
	/* Optional: counts blocks by status faster than asking for each one. */
	vms_error *(*count_blocks)(vms_dump *d, struct vms_page_counts *out);
	void (*close)(vms_dump *d);
};

struct vms_dump {
	const struct vms_reader_ops *ops;
	void *priv;			/* the reader's own state */

	struct vms_file **files;	/* opened by the core, in argument order */
	size_t nfiles;

	/* Filled by the reader's open function. */
	enum vms_format format;
	int format_version;
	enum vms_arch arch;
	bool big_endian;
	uint32_t block_size;		/* unit of block_status/read_block; power of 2 */
	uint32_t page_size;		/* kernel page size; 0 = take VMCOREINFO or block_size */
	unsigned int compression;	/* VMS_COMPRESS_* */
	int dump_level;			/* -1 unknown */
	bool incomplete;
	bool have_header_phys_base;
	uint64_t header_phys_base;

	struct vms_range *ranges;	/* sorted, disjoint, block-aligned; malloc'd */
	size_t nranges;
	struct vms_segment *segments;	/* PT_LOAD, malloc'd */
	size_t nsegments;
	struct vms_cpu_state *cpus;	/* malloc'd */
	size_t ncpus;
	char *vmcoreinfo;		/* NUL-terminated copy, malloc'd, or NULL */
	size_t vmcoreinfo_len;

	/* The core's. */
	struct vms_open_options opts;
	unsigned int block_shift;	/* log2(block_size) */
	struct vms_page_cache *cache;
	/* Test hook: called for every block fetched from the reader (a cache
	 * miss) and every status query.  tests/sample-pfns uses it to learn which pages a command
	 * needs, to cut a small sample dump out of a real one. */
	void (*read_hook)(void *arg, uint64_t blk);
	void *read_hook_arg;
	struct vms_vmci_entry *vmci;	/* VMCOREINFO split into key/value pairs */
	size_t nvmci;
	char *vmci_buf;			/* backing text of vmci (NULs at '=' and '\n') */
};

struct vms_vmci_entry {
	const char *key;
	const char *value;
};

/* Opens a dump over already-open files (takes ownership of them, also on
 * failure).  vms_dump_open() is this plus vms_file_open(); fuzz harnesses
 * call it with vms_file_open_mem(). */
vms_error *vms_dump_open_files(struct vms_file **files, size_t nfiles,
			       const struct vms_open_options *opts, vms_dump **out);

/* Reader entry points.  Each takes a dump whose files[] are open and returns
 * VMS_ERR_UNSUPPORTED ("not this format") when the signature does not match,
 * so the core can try the next one. */
vms_error *vms_elf_open(vms_dump *d);
vms_error *vms_kdump_open(vms_dump *d);
vms_error *vms_lkdf_open(vms_dump *d, const char *const *paths, size_t npaths);

/* Notes (formats/notes.c): parses a blob of ELF notes (4-byte aligned, as
 * kernels and QEMU write them), collecting VMCOREINFO, NT_PRSTATUS and QEMU
 * CPU states into d.  base_off is the blob's file offset, for messages. */
vms_error *vms_notes_parse(vms_dump *d, const struct vms_file *f, const uint8_t *buf,
			   size_t len, uint64_t base_off);
/* Sets d->vmcoreinfo from raw text (copies; trims trailing NULs). */
vms_error *vms_notes_set_vmcoreinfo(vms_dump *d, const void *text, size_t len);

/* Codecs (formats/codec.c): decompress exactly `out_len` bytes or fail.
 * method is one VMS_COMPRESS_* bit. */
vms_error *vms_decompress(unsigned int method, const void *in, size_t in_len,
			  void *out, size_t out_len);
const char *vms_compress_name(unsigned int method);

/* ---- Added by the kdump/codec helper (formats/codec.c) ----------------------
 * Reusable decompression state for readers that decompress many pages: it
 * keeps the zlib stream and zstd context between calls.  One thread at a
 * time per context; ctx may be NULL (then vms_decompress_ctx = vms_decompress). */
struct vms_codec_ctx;
vms_error *vms_codec_ctx_new(struct vms_codec_ctx **out);
void vms_codec_ctx_free(struct vms_codec_ctx *ctx);
vms_error *vms_decompress_ctx(struct vms_codec_ctx *ctx, unsigned int method,
			      const void *in, size_t in_len, void *out, size_t out_len);
/* ---- end of the kdump/codec helper's addition ---- */

/* Adds a range to d->ranges during open (kept sorted and merged by the core
 * after open; readers may add in any order). */
vms_error *vms_dump_add_range(vms_dump *d, uint64_t start, uint64_t end);

#endif
