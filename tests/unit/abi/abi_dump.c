/*
 * Prints the records of an .abi_table section (see abi_table.c), read raw
 * from standard input, as "NAME VALUE" lines.  Built for the host; the
 * section may come from an object of either width.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NAME_LEN 120
#define RECORD_LEN 128

int main(void)
{
	unsigned char rec[RECORD_LEN];
	size_t n;
	unsigned long count = 0;
	while ((n = fread(rec, 1, sizeof(rec), stdin)) == sizeof(rec)) {
		if (rec[NAME_LEN - 1] != '\0' || rec[0] == '\0') {
			fprintf(stderr, "abi_dump: record %lu is not a name\n", count);
			return 1;
		}
		uint64_t v = 0;
		for (int i = 7; i >= 0; i--) /* little-endian, whatever the host */
			v = v << 8 | rec[NAME_LEN + i];
		printf("%s %" PRIu64 "\n", (const char *)rec, v);
		count++;
	}
	if (n != 0 || ferror(stdin)) {
		fprintf(stderr, "abi_dump: truncated table (%zu stray bytes)\n", n);
		return 1;
	}
	if (count == 0) {
		fprintf(stderr, "abi_dump: empty table\n");
		return 1;
	}
	return 0;
}
