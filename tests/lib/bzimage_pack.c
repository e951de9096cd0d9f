/*
 * Wrapping a kernel ELF in a Linux bzImage (see bzimage_pack.h).
 */
#include "tests/lib/bzimage_pack.h"

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

const char *const bzimage_formats[] = { "gzip", "xz", "lzma", "zstd", "bzip2", "lz4", "none", NULL };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static size_t gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? n : 0;
}

static size_t lzma_alone(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	lzma_options_lzma opt;
	lzma_lzma_preset(&opt, 6);
	lzma_stream s = LZMA_STREAM_INIT;
	if (lzma_alone_encoder(&s, &opt) != LZMA_OK)
		return 0;
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	size_t n = lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END ? cap - s.avail_out : 0;
	lzma_end(&s);
	return n;
}

static size_t lz4_legacy(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	/* Linux's legacy frame: magic, then blocks of up to 8 MiB, each a
	 * 4-byte compressed size and the block; the uncompressed size is
	 * appended. */
	size_t pos = 4;
	put32(out, 0x184c2102u);
	for (size_t off = 0; off < len;) {
		size_t chunk = len - off < (8u << 20) ? len - off : (8u << 20);
		if (pos + 4 > cap)
			return 0;
		int n = LZ4_compress_default((const char *)in + off, (char *)out + pos + 4, (int)chunk,
					     (int)(cap - pos - 8));
		if (n <= 0)
			return 0;
		put32(out + pos, (uint32_t)n);
		pos += 4 + (size_t)n;
		off += chunk;
	}
	if (pos + 4 > cap)
		return 0;
	put32(out + pos, (uint32_t)len);
	return pos + 4;
}

size_t bzimage_compress(const char *format, const uint8_t *in, size_t len, uint8_t **outp)
{
	size_t cap = len + len / 2 + 65536, n = 0;
	uint8_t *out = malloc(cap);
	if (!out)
		return 0;
	if (!strcmp(format, "gzip")) {
		n = gzip(in, len, out, cap);
	} else if (!strcmp(format, "xz")) {
		/* Linux's xz payloads use CRC32 checks. */
		if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out, &n, cap) != LZMA_OK)
			n = 0;
	} else if (!strcmp(format, "lzma")) {
		n = lzma_alone(in, len, out, cap);
	} else if (!strcmp(format, "zstd")) {
		n = ZSTD_compress(out, cap, in, len, 19);
		if (ZSTD_isError(n))
			n = 0;
	} else if (!strcmp(format, "bzip2")) {
		unsigned int m = (unsigned int)cap;
		n = BZ2_bzBuffToBuffCompress((char *)out, &m, (char *)in, (unsigned int)len, 9, 0, 0) == BZ_OK ? m : 0;
	} else if (!strcmp(format, "lz4")) {
		n = lz4_legacy(in, len, out, cap);
	} else if (!strcmp(format, "none")) {
		memcpy(out, in, len);
		n = len;
	}
	if (!n) {
		free(out);
		return 0;
	}
	*outp = out;
	return n;
}

uint8_t *bzimage_wrap(const uint8_t *payload, size_t len, unsigned int setup_sects, size_t stub, size_t *size,
		      size_t *payload_at)
{
	unsigned int sects = setup_sects ? setup_sects : 4;
	size_t setup = (size_t)(sects + 1) * 512;
	*size = setup + stub + len;
	uint8_t *b = calloc(1, *size);
	if (!b)
		return NULL;
	b[0x1f1] = (uint8_t)setup_sects;
	put32(b + 0x1f4, (uint32_t)((stub + len + 15) / 16)); /* syssize, in 16-byte units */
	put16(b + 0x1fe, 0xaa55);                                /* boot_flag */
	b[0x200] = 0xeb;                                         /* jmp to the end of the header */
	b[0x201] = 0x6a;
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, 0x020f); /* boot protocol 2.15 */
	b[0x211] = 0x01;          /* loadflags: LOADED_HIGH */
	put32(b + 0x214, 0x100000); /* code32_start */
	put32(b + 0x248, (uint32_t)stub); /* payload_offset, from the protected-mode code */
	put32(b + 0x24c, (uint32_t)len);  /* payload_length */
	memset(b + setup, 0x90, stub);    /* where Linux has its decompressor */
	memcpy(b + setup + stub, payload, len);
	*payload_at = setup + stub;
	return b;
}
