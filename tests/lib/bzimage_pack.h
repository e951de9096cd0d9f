/*
 * Wrapping a kernel ELF in a Linux bzImage, for the tests and the test
 * guests' bzImage builds (tests/tools/mkbzimage): the payload compressed
 * the way Linux compresses it, behind a boot-protocol header.
 */
#ifndef XG_TESTS_BZIMAGE_PACK_H
#define XG_TESTS_BZIMAGE_PACK_H

#include <stddef.h>
#include <stdint.h>

/* The formats xg_bzimage_extract() reads: "gzip", "xz", "lzma", "zstd",
 * "bzip2", "lz4" (Linux's legacy frame, with the uncompressed size
 * appended as Linux does), "none". */
extern const char *const bzimage_formats[];

/* Compress len bytes with the named format into a malloc'd buffer.
 * Returns its size, or 0 (unknown format, library failure). */
size_t bzimage_compress(const char *format, const uint8_t *in, size_t len, uint8_t **out);

/* A bzImage (boot protocol 2.15) around payload: setup_sects setup
 * sectors after the boot sector (0 means 4, as the protocol says), boot
 * flag, "HdrS", loadflags LOADED_HIGH, syssize, and payload_offset /
 * payload_length naming the payload, which lies stub bytes into the
 * protected-mode code (where Linux has its decompressor).  Returns the
 * malloc'd image and its size; *payload_at is the payload's offset in the
 * file. */
uint8_t *bzimage_wrap(const uint8_t *payload, size_t len, unsigned int setup_sects, size_t stub, size_t *size,
		      size_t *payload_at);

#endif
