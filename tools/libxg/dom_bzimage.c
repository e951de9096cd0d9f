/*
 * Linux bzImage kernels: find the compressed payload the boot protocol
 * describes (version 2.08 and later) and decompress it with the library
 * made for its format.  The payload of a PV-capable kernel is its ELF image.
 */
#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "dom.h"

#define SETUP_SECTS_OFFSET 0x1f1
#define HEADER_MAGIC_OFFSET 0x202
#define VERSION_OFFSET 0x206
#define PAYLOAD_OFFSET_OFFSET 0x248
#define PAYLOAD_LENGTH_OFFSET 0x24c
#define MIN_HEADER 0x250
#define MAX_UNCOMPRESSED (1u << 30)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool xg_is_bzimage(const uint8_t *image, size_t size)
{
	return size >= MIN_HEADER && !memcmp(image + HEADER_MAGIC_OFFSET, "HdrS", 4);
}

/* A growing output buffer, bounded by MAX_UNCOMPRESSED. */
struct out {
	uint8_t *buf;
	size_t len, cap;
};

static int out_room(struct out *o, size_t want)
{
	if (o->len + want <= o->cap)
		return 0;
	size_t cap = o->cap ? o->cap : 1u << 20;
	while (cap < o->len + want)
		cap *= 2;
	if (cap > MAX_UNCOMPRESSED)
		return -EFBIG;
	uint8_t *b = realloc(o->buf, cap);
	if (!b)
		return -ENOMEM;
	o->buf = b;
	o->cap = cap;
	return 0;
}

static int gunzip(const uint8_t *in, size_t len, struct out *o, char *err, size_t errlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	int rc = Z_OK;
	while (rc == Z_OK) {
		if (out_room(o, 1u << 20)) {
			inflateEnd(&z);
			snprintf(err, errlen, "the gzip payload inflates beyond 1 GiB");
			return -EFBIG;
		}
		z.next_out = o->buf + o->len;
		z.avail_out = (uInt)(o->cap - o->len);
		rc = inflate(&z, Z_NO_FLUSH);
		o->len = o->cap - z.avail_out;
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		snprintf(err, errlen, "corrupt gzip payload (%s)", z.msg ? z.msg : "truncated");
		return -EINVAL;
	}
	return 0;
}

static int unxz(const uint8_t *in, size_t len, bool alone, struct out *o, char *err, size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r = alone ? lzma_alone_decoder(&s, UINT64_MAX) : lzma_stream_decoder(&s, UINT64_MAX, 0);
	if (r != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = len;
	do {
		if (out_room(o, 1u << 20)) {
			lzma_end(&s);
			snprintf(err, errlen, "the payload decompresses beyond 1 GiB");
			return -EFBIG;
		}
		s.next_out = o->buf + o->len;
		s.avail_out = o->cap - o->len;
		r = lzma_code(&s, LZMA_FINISH);
		o->len = o->cap - s.avail_out;
	} while (r == LZMA_OK);
	lzma_end(&s);
	if (r != LZMA_STREAM_END) {
		snprintf(err, errlen, "corrupt %s payload (liblzma error %d)", alone ? "lzma" : "xz", (int)r);
		return -EINVAL;
	}
	return 0;
}

static int unzstd(const uint8_t *in, size_t len, struct out *o, char *err, size_t errlen)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return -ENOMEM;
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t r = 1;
	while (r != 0) {
		if (out_room(o, 1u << 20)) {
			ZSTD_freeDStream(z);
			snprintf(err, errlen, "the zstd payload decompresses beyond 1 GiB");
			return -EFBIG;
		}
		ZSTD_outBuffer ob = { o->buf + o->len, o->cap - o->len, 0 };
		r = ZSTD_decompressStream(z, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(r) || (ib.pos == ib.size && ob.pos == 0 && r != 0)) {
			snprintf(err, errlen, "corrupt zstd payload (%s)",
				 ZSTD_isError(r) ? ZSTD_getErrorName(r) : "truncated");
			ZSTD_freeDStream(z);
			return -EINVAL;
		}
	}
	ZSTD_freeDStream(z);
	return 0;
}

static int bunzip2(const uint8_t *in, size_t len, struct out *o, char *err, size_t errlen)
{
	bz_stream b;
	memset(&b, 0, sizeof(b));
	if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
		return -ENOMEM;
	b.next_in = (char *)in;
	b.avail_in = (unsigned int)len;
	int r = BZ_OK;
	while (r == BZ_OK) {
		if (out_room(o, 1u << 20)) {
			BZ2_bzDecompressEnd(&b);
			snprintf(err, errlen, "the bzip2 payload decompresses beyond 1 GiB");
			return -EFBIG;
		}
		b.next_out = (char *)o->buf + o->len;
		b.avail_out = (unsigned int)(o->cap - o->len);
		r = BZ2_bzDecompress(&b);
		o->len = o->cap - b.avail_out;
		if (r == BZ_OK && b.avail_in == 0 && b.avail_out != 0)
			break;
	}
	BZ2_bzDecompressEnd(&b);
	if (r != BZ_STREAM_END) {
		snprintf(err, errlen, "corrupt bzip2 payload (error %d)", r);
		return -EINVAL;
	}
	return 0;
}

/* Linux uses LZ4's legacy frame: magic, then blocks of a 4-byte compressed
 * size and the block, each decompressing to at most 8 MiB. */
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

static int unlz4(const uint8_t *in, size_t len, struct out *o, char *err, size_t errlen)
{
	size_t pos = 4;
	while (pos + 4 <= len) {
		uint32_t block = le32(in + pos);
		if (block == LZ4_LEGACY_MAGIC) { /* concatenated frames */
			pos += 4;
			continue;
		}
		pos += 4;
		if (block > len - pos) {
			/* The appended uncompressed size ends the data. */
			if (len - pos + 4 == 4 || block > (1u << 30))
				break;
			snprintf(err, errlen, "corrupt lz4 payload (a block runs past its end)");
			return -EINVAL;
		}
		if (out_room(o, LZ4_LEGACY_BLOCK)) {
			snprintf(err, errlen, "the lz4 payload decompresses beyond 1 GiB");
			return -EFBIG;
		}
		int n = LZ4_decompress_safe((const char *)in + pos, (char *)o->buf + o->len, (int)block,
					    (int)LZ4_LEGACY_BLOCK);
		if (n < 0) {
			snprintf(err, errlen, "corrupt lz4 payload");
			return -EINVAL;
		}
		o->len += (size_t)n;
		pos += block;
	}
	if (!o->len) {
		snprintf(err, errlen, "empty lz4 payload");
		return -EINVAL;
	}
	return 0;
}

int xg_bzimage_extract(const uint8_t *image, size_t size, uint8_t **elf, size_t *elf_size, char *format,
		       size_t formatlen, char *err, size_t errlen)
{
	uint16_t version = (uint16_t)(image[VERSION_OFFSET] | image[VERSION_OFFSET + 1] << 8);
	if (version < 0x208) {
		snprintf(err, errlen, "bzImage boot protocol %u.%02u has no payload description (2.08+ needed)",
			 version >> 8, version & 0xff);
		return -ENOEXEC;
	}
	unsigned int setup_sects = image[SETUP_SECTS_OFFSET] ? image[SETUP_SECTS_OFFSET] : 4;
	uint64_t start = (uint64_t)(setup_sects + 1) * 512 + le32(image + PAYLOAD_OFFSET_OFFSET);
	uint64_t len = le32(image + PAYLOAD_LENGTH_OFFSET);
	if (start > size || len > size - start || len < 8) {
		snprintf(err, errlen, "the bzImage payload lies outside the file (truncated image?)");
		return -ENOEXEC;
	}
	const uint8_t *p = image + start;
	struct out o = { 0 };
	int rc;
	const char *name;
	if (p[0] == 0x1f && p[1] == 0x8b) {
		name = "gzip";
		rc = gunzip(p, len, &o, err, errlen);
	} else if (!memcmp(p, "\xfd" "7zXZ\0", 6)) {
		name = "xz";
		rc = unxz(p, len, false, &o, err, errlen);
	} else if (le32(p) == 0xfd2fb528u) {
		name = "zstd";
		rc = unzstd(p, len, &o, err, errlen);
	} else if (!memcmp(p, "BZh", 3)) {
		name = "bzip2";
		rc = bunzip2(p, len, &o, err, errlen);
	} else if (le32(p) == LZ4_LEGACY_MAGIC) {
		name = "lz4";
		rc = unlz4(p, len, &o, err, errlen);
	} else if (p[0] == 0x5d && p[1] == 0 && p[2] == 0) {
		name = "lzma";
		rc = unxz(p, len, true, &o, err, errlen);
	} else if (!memcmp(p, "\x89LZO", 4)) {
		snprintf(err, errlen, "LZO-compressed kernels are not supported (no LZO library is used)");
		return -EOPNOTSUPP;
	} else if (!memcmp(p, "\x7f" "ELF", 4)) {
		name = "none";
		rc = out_room(&o, len);
		if (!rc) {
			memcpy(o.buf, p, len);
			o.len = len;
		}
	} else {
		snprintf(err, errlen, "unknown bzImage payload format (magic %02x %02x %02x %02x)", p[0], p[1], p[2],
			 p[3]);
		return -ENOEXEC;
	}
	if (rc) {
		free(o.buf);
		return rc;
	}
	snprintf(format, formatlen, "%s", name);
	*elf = o.buf;
	*elf_size = o.len;
	return 0;
}
