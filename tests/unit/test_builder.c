/*
 * The builder's kernel parser and PV layout, on the real test guests and on
 * damaged copies of them (every damage must give an error, never a crash).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "tests/tap.h"
#include "tools/libxg/dom.h"

static uint8_t *load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static int parse(const uint8_t *img, size_t size, struct xg_kernel *k, char *err)
{
	return xg_kernel_parse(img, size, k, err, 256);
}

/* The offset of the first Xen note's descriptor of the given type. */
static uint8_t *find_note(uint8_t *img, uint32_t type)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff + (size_t)i * sizeof(*ph));
		if (ph->p_type != PT_NOTE)
			continue;
		for (size_t off = 0; off + 12 <= ph->p_filesz;) {
			uint32_t *n = (uint32_t *)(img + ph->p_offset + off);
			size_t name = (n[0] + 3) & ~3u, desc = (n[1] + 3) & ~3u;
			if (n[2] == type)
				return (uint8_t *)(n + 3) + name;
			off += 12 + name + desc;
		}
	}
	return NULL;
}

static void test_good(const uint8_t *img, size_t size)
{
	struct xg_kernel k;
	char err[256] = "";
	int rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0, "the hello guest parses (%s)", err);
	TAP_CHECK(k.virt_base == 0xffffffff80000000ull, "VIRT_BASE is read");
	TAP_CHECK(k.virt_kstart == k.virt_base && k.virt_entry == k.virt_base, "kernel start and entry");
	TAP_CHECK(k.notes.hypercall_page == k.virt_base + 0x2000, "HYPERCALL_PAGE is read (%#llx)",
		  (unsigned long long)k.notes.hypercall_page);
	TAP_CHECK(!strcmp(k.notes.guest_os, "XG-test") && !strcmp(k.notes.loader, "generic") &&
			  !strcmp(k.notes.xen_version, "xen-3.0"),
		  "string notes are read");

	struct xg_pv_layout l;
	rc = xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	TAP_CHECK(rc == 0, "16 MiB is enough for it (%s)", err);
	TAP_CHECK(l.kernel_pfn == 0 && l.p2m_pfn == l.kernel_pages, "the P2M follows the kernel");
	TAP_CHECK(l.p2m_pages == 8, "4096 P2M entries take 8 pages");
	TAP_CHECK(l.start_info_pfn == l.p2m_pfn + 8 && l.xenstore_pfn == l.start_info_pfn + 1 &&
			  l.console_pfn == l.xenstore_pfn + 1,
		  "start_info, xenstore and console pages follow in Xen's order");
	TAP_CHECK(l.pgtables_pfn == l.console_pfn + 1 && l.bootstack_pfn == l.pgtables_pfn + l.pgtables_pages,
		  "page tables, then the boot stack");
	TAP_CHECK(l.virt_end == k.virt_base + (4 << 20), "the mapping ends on the next 4 MiB boundary");
	TAP_CHECK(l.nr_l4 == 1 && l.nr_l3 == 1 && l.nr_l2 == 1 && l.nr_l1 == 2, "1 L4, 1 L3, 1 L2, 2 L1");
	TAP_CHECK((l.virt_end - k.virt_base) / 4096 >= l.alloc_end_pfn + 128,
		  "at least 512 KiB stay mapped beyond the boot stack");

	rc = xg_pv_layout(&k, 512, &l, err, sizeof(err));
	TAP_CHECK(rc == -ENOMEM && strstr(err, "too little"), "2 MiB is refused with a reason (%s)", err);

	/* Bigger domains need more P2M pages and more L1s. */
	rc = xg_pv_layout(&k, 1048576, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && l.p2m_pages == 2048 && l.virt_end == k.virt_base + (12 << 20) && l.nr_l1 == 6,
		  "4 GiB: 2048 P2M pages, a 12 MiB mapping with 6 L1s");
}

static void test_page_tables(const uint8_t *img, size_t size)
{
	struct xg_kernel k;
	struct xg_pv_layout l;
	char err[256];
	if (parse(img, size, &k, err) || xg_pv_layout(&k, 4096, &l, err, sizeof(err))) {
		tap_skip("no layout");
		return;
	}
	static uint8_t mem[4096][4096];
	static uint64_t p2m[4096];
	for (uint64_t i = 0; i < 4096; i++)
		p2m[i] = 0x10000 + i * 3; /* scattered machine frames */
	void *frame(void *ctx, uint64_t pfn);
	xg_pv_write_pagetables(&l, p2m, frame, mem);
	const uint64_t *l4 = (const uint64_t *)mem[l.pgtables_pfn];
	uint64_t e4 = l4[511];
	TAP_CHECK((e4 >> 12) == p2m[l.pgtables_pfn + 1] && (e4 & 7) == 7, "L4[511] points at the L3, present/rw/user");
	int present = 0;
	for (int i = 0; i < 512; i++)
		present += (l4[i] & 1) != 0;
	TAP_CHECK(present == 1, "nothing else is mapped at the top level");
	uint64_t l1_first = l.pgtables_pfn + 1 + l.nr_l3 + l.nr_l2;
	const uint64_t *l1 = (const uint64_t *)mem[l1_first];
	TAP_CHECK((l1[0] >> 12) == p2m[0] && (l1[0] & 3) == 3, "pfn 0 is mapped writable at VIRT_BASE");
	uint64_t pt = l1[l.pgtables_pfn];
	TAP_CHECK((pt >> 12) == p2m[l.pgtables_pfn] && !(pt & 2), "page-table frames are mapped read-only");
	const uint64_t *l1b = (const uint64_t *)mem[l1_first + 1];
	TAP_CHECK((l1b[511] >> 12) == p2m[1023], "the last mapped page is pfn 1023");
}

void *frame(void *ctx, uint64_t pfn);
void *frame(void *ctx, uint64_t pfn)
{
	return (uint8_t(*)[4096])ctx + pfn;
}

static void expect_error(const char *what, const uint8_t *img, size_t size, const char *word)
{
	struct xg_kernel k;
	char err[256] = "";
	int rc = parse(img, size, &k, err);
	TAP_CHECK(rc < 0 && strstr(err, word), "%s is refused: %s", what, err);
}

static void test_damaged(const uint8_t *good, size_t size)
{
	uint8_t *img = malloc(size);
	expect_error("an empty file", good, 0, "not an ELF");
	expect_error("a truncated header", good, 40, "truncated");
	expect_error("a file cut before its segments end", good, 0x1800, "outside the file");

	memcpy(img, good, size);
	img[0] = 0x7e;
	expect_error("bad magic", img, size, "not an ELF");

	memcpy(img, good, size);
	img[EI_CLASS] = ELFCLASS32;
	expect_error("a 32-bit kernel", img, size, "32-bit");

	memcpy(img, good, size);
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	expect_error("another machine", img, size, "x86-64");

	memcpy(img, good, size);
	((Elf64_Ehdr *)img)->e_phoff = size - 8;
	expect_error("program headers past the end", img, size, "program headers");

	memcpy(img, good, size);
	uint8_t *ver = find_note(img, 5 /* XEN_VERSION */);
	memcpy(ver, "xen-2.0", 7);
	expect_error("a kernel for another Xen", img, size, "xen-2.0");

	memcpy(img, good, size);
	uint64_t entry = 0x1234;
	memcpy(find_note(img, 1 /* ENTRY */), &entry, 8);
	expect_error("an entry outside the image", img, size, "entry point");

	memcpy(img, good, size);
	uint64_t hc = 0xffffffff80000010ull;
	memcpy(find_note(img, 2 /* HYPERCALL_PAGE */), &hc, 8);
	expect_error("an unaligned hypercall page", img, size, "hypercall page");

	memcpy(img, good, size);
	uint8_t *loader = find_note(img, 8 /* LOADER */);
	memcpy(loader, "other", 6);
	expect_error("an unknown loader", img, size, "generic");

	/* A note whose size runs past its segment. */
	memcpy(img, good, size);
	uint32_t *n = (uint32_t *)(find_note(img, 6 /* GUEST_OS */) - 16);
	n[1] = 0x100000;
	expect_error("a note running past its segment", img, size, "malformed ELF note");

	/* Notes removed: not a Xen kernel. */
	memcpy(img, good, size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff + (size_t)i * sizeof(*ph));
		if (ph->p_type == PT_NOTE)
			ph->p_type = PT_NULL;
	}
	expect_error("a kernel without Xen notes", img, size, "no Xen ELF notes");

	/* Every truncation gives an error or a valid parse, never a crash. */
	int crashes = 0;
	for (size_t cut = 0; cut < size; cut += 97) {
		struct xg_kernel k;
		char err[256];
		if (parse(good, cut, &k, err) == 0 && cut < 0x2000)
			crashes++;
	}
	TAP_CHECK(crashes == 0, "every truncated copy is refused");

	/* Random single-byte damage in the headers never crashes the parser. */
	srand(7);
	for (int i = 0; i < 2000; i++) {
		memcpy(img, good, size);
		size_t at = (size_t)rand() % 0x200;
		img[at] = (uint8_t)rand();
		struct xg_kernel k;
		char err[256];
		(void)parse(img, size, &k, err);
	}
	TAP_CHECK(1, "2000 randomly damaged headers parsed without a crash");
	free(img);
}

static void test_required_feature(const uint8_t *good, size_t size)
{
	uint8_t *img = malloc(size);
	memcpy(img, good, size);
	/* The FEATURES note of the guest is empty; there is room for a few
	 * bytes in its padding only, so point the note at a longer string by
	 * rewriting the GUEST_OS note (8 bytes) as FEATURES "!dom0". */
	uint32_t *n = (uint32_t *)(find_note(img, 6 /* GUEST_OS */) - 16);
	uint32_t *f = (uint32_t *)(find_note(img, 10 /* FEATURES */) - 16);
	f[2] = 0x7fff; /* drop the empty FEATURES note: an unknown type is ignored */
	n[2] = 10;
	memcpy((uint8_t *)(n + 3) + 4, "!dom0\0\0", 8);
	struct xg_kernel k;
	char err[256] = "";
	int rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0 && !strcmp(k.notes.features, "!dom0"), "a kernel requiring a feature still parses");
	rc = xg_kernel_check_features(&k, err, sizeof(err));
	TAP_CHECK(rc == -EOPNOTSUPP && strstr(err, "dom0"), "but the feature check refuses it: %s", err);
	free(img);
}

/* A bzImage around payload: boot protocol 2.15, one setup sector. */
static uint8_t *make_bzimage(const uint8_t *payload, size_t len, size_t *size)
{
	*size = 1024 + len;
	uint8_t *b = calloc(1, *size);
	b[0x1f1] = 1;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = 0x0f;
	b[0x207] = 0x02;
	uint32_t off = 0, l = (uint32_t)len;
	memcpy(b + 0x248, &off, 4);
	memcpy(b + 0x24c, &l, 4);
	memcpy(b + 1024, payload, len);
	return b;
}

static size_t compress_with(const char *how, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	if (!strcmp(how, "gzip")) {
		z_stream z;
		memset(&z, 0, sizeof(z));
		deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		deflate(&z, Z_FINISH);
		size_t n = z.total_out;
		deflateEnd(&z);
		return n;
	}
	if (!strcmp(how, "xz") || !strcmp(how, "lzma")) {
		size_t n = 0;
		if (!strcmp(how, "xz")) {
			lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out, &n, cap);
		} else {
			lzma_options_lzma opt;
			lzma_lzma_preset(&opt, 6);
			lzma_stream s = LZMA_STREAM_INIT;
			if (lzma_alone_encoder(&s, &opt) != LZMA_OK)
				return 0;
			s.next_in = in;
			s.avail_in = len;
			s.next_out = out;
			s.avail_out = cap;
			if (lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END)
				n = cap - s.avail_out;
			lzma_end(&s);
		}
		return n;
	}
	if (!strcmp(how, "zstd"))
		return ZSTD_compress(out, cap, in, len, 3);
	if (!strcmp(how, "bzip2")) {
		unsigned int n = (unsigned int)cap;
		BZ2_bzBuffToBuffCompress((char *)out, &n, (char *)in, (unsigned int)len, 9, 0, 0);
		return n;
	}
	if (!strcmp(how, "lz4")) { /* the legacy frame Linux uses */
		uint32_t magic = 0x184c2102u;
		memcpy(out, &magic, 4);
		int n = LZ4_compress_default((const char *)in, (char *)out + 8, (int)len, (int)cap - 12);
		uint32_t block = (uint32_t)n;
		memcpy(out + 4, &block, 4);
		uint32_t orig = (uint32_t)len; /* Linux appends the uncompressed size */
		memcpy(out + 8 + n, &orig, 4);
		return 12 + (size_t)n;
	}
	return 0;
}

static void test_bzimage(const uint8_t *elf, size_t elf_size)
{
	static const char *const formats[] = { "gzip", "xz", "lzma", "zstd", "bzip2", "lz4" };
	uint8_t *packed = malloc(elf_size * 2 + 4096);
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		size_t n = compress_with(formats[f], elf, elf_size, packed, elf_size * 2 + 4096);
		size_t size;
		uint8_t *bz = make_bzimage(packed, n, &size);
		uint8_t *out = NULL;
		size_t out_size = 0;
		char fmt[16] = "", err[256] = "";
		int rc = xg_is_bzimage(bz, size) ? xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt),
								      err, sizeof(err))
						 : -1;
		TAP_CHECK(rc == 0 && !strcmp(fmt, formats[f]) && out_size == elf_size && !memcmp(out, elf, elf_size),
			  "a %s bzImage unpacks to the exact ELF (%s)", formats[f], err);
		struct xg_kernel k;
		TAP_CHECK(rc == 0 && parse(out, out_size, &k, err) == 0, "and the ELF inside parses");
		free(out);
		out = NULL;
		/* Damage the middle of the payload: an error, never a crash. */
		bz[1024 + n / 2] ^= 0x55;
		bz[1024 + n / 2 + 1] ^= 0xaa;
		rc = xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err));
		TAP_CHECK(rc != 0 || out_size != elf_size || memcmp(out, elf, elf_size),
			  "a damaged %s payload is refused or differs: %s", formats[f], rc ? err : "(undetected)");
		free(out);
		out = NULL;
		/* Cut the file short. */
		rc = xg_bzimage_extract(bz, size / 2, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err));
		TAP_CHECK(rc != 0 && strstr(err, "outside the file"), "a truncated %s bzImage is refused: %s", formats[f],
			  err);
		free(out);
		free(bz);
	}
	size_t size;
	uint8_t *bz = make_bzimage((const uint8_t *)"garbage!garbage!", 16, &size);
	uint8_t *out;
	size_t out_size;
	char fmt[16], err[256];
	TAP_CHECK(xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err)) == -ENOEXEC &&
			  strstr(err, "unknown bzImage payload format"),
		  "an unknown payload format is named: %s", err);
	bz[0x206] = 0x04;
	TAP_CHECK(xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err)) == -ENOEXEC &&
			  strstr(err, "2.08"),
		  "an old boot protocol is refused: %s", err);
	free(bz);
	free(packed);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("GUESTS");
	char path[512];
	snprintf(path, sizeof(path), "%s/hello.elf", dir ? dir : "tests/guests");
	size_t size;
	uint8_t *img = load(path, &size);
	if (!img) {
		printf("Bail out! cannot read %s\n", path);
		return 1;
	}
	test_good(img, size);
	test_page_tables(img, size);
	test_damaged(img, size);
	test_required_feature(img, size);
	test_bzimage(img, size);
	free(img);
	return tap_done();
}
