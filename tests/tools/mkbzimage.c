/*
 * mkbzimage FORMAT IN.elf OUT: wrap a kernel ELF in a Linux bzImage whose
 * payload is IN compressed with FORMAT (gzip, xz, lzma, zstd, bzip2, lz4
 * or none), behind a boot-protocol 2.15 header (tests/lib/bzimage_pack.h).
 * Builds the test guests' bzImage variants (tests/Makefile.inc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/bzimage_pack.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mkbzimage FORMAT IN.elf OUT\n");
		return 2;
	}
	FILE *f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *elf = len > 0 ? malloc((size_t)len) : NULL;
	if (!elf || fread(elf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "mkbzimage: cannot read %s\n", argv[2]);
		return 1;
	}
	fclose(f);
	uint8_t *packed = NULL;
	size_t n = bzimage_compress(argv[1], elf, (size_t)len, &packed);
	if (!n) {
		fprintf(stderr, "mkbzimage: cannot compress with '%s'\n", argv[1]);
		return 1;
	}
	size_t size, at;
	/* Linux's usual shape: several setup sectors, the payload behind a stub. */
	uint8_t *bz = bzimage_wrap(packed, n, 27, 0x4000, &size, &at);
	f = bz ? fopen(argv[3], "wb") : NULL;
	if (!f || fwrite(bz, 1, size, f) != size || fclose(f)) {
		perror(argv[3]);
		return 1;
	}
	free(bz);
	free(packed);
	free(elf);
	return 0;
}
