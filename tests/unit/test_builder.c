/*
 * The builder's kernel parser and PV layout, on the real test guests and on
 * damaged copies of them (every damage must give an error, never a crash).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/bzimage_pack.h"
#include "tests/tap.h"
#include "public/compat/x86_32.h"
#include "tools/libxg/dom.h"

/* start_info's other inputs where a test does not look at them. */
static const struct xg_pv_start_info_args plain_start_info = { .shared_info_mfn = 0x1234 };

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

/* A 4-level walk of the written tables, as the CPU would do it: the pfn
 * behind va (p2m[pfn] = mfn_base + 3 pfn), or -1 when not mapped; *flags
 * gets the L1 entry's flags. */
static int64_t walk64(uint8_t (*mem)[4096], uint64_t nr, uint64_t top_pfn, uint64_t mfn_base, uint64_t va,
		      uint64_t *flags)
{
	uint64_t pfn = top_pfn;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = ((const uint64_t *)mem[pfn])[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & 1))
			return -1;
		uint64_t mfn = (e & 0x000ffffffffff000ull) >> 12;
		if (mfn < mfn_base || (mfn - mfn_base) % 3 || (mfn - mfn_base) / 3 >= nr)
			return -1;
		pfn = (mfn - mfn_base) / 3;
		if (level == 1)
			*flags = e & 0xfff;
	}
	return (int64_t)pfn;
}

/* INIT_P2M: the P2M list at the kernel's address, with tables of its own
 * after the initial mapping, as Xen's builder places it. */
static void test_init_p2m(const uint8_t *img, size_t size)
{
	struct xg_kernel k;
	struct xg_pv_layout plain, l;
	char err[256] = "";
	if (parse(img, size, &k, err) || xg_pv_layout(&k, 4096, &plain, err, sizeof(err))) {
		tap_skip("no layout");
		return;
	}
	const uint64_t base = 0x8000000000ull; /* Linux's INIT_P2M: 512 GiB, L4 slot 1 */
	k.notes.init_p2m = base;
	int rc = xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	uint64_t mapped = (l.virt_end - l.virt_base) / 4096;
	TAP_CHECK(rc == 0 && l.p2m_separate && l.p2m_virt == base && l.p2m_pages == 8 && l.p2m_pfn == mapped &&
			  l.p2m_tables == 3 && l.ranges[1].lv[2].count == 1 && l.ranges[1].lv[1].count == 1 &&
			  l.ranges[1].lv[0].count == 1 && l.ranges[1].lv[3].count == 0,
		  "INIT_P2M 0x8000000000: 8 list pages after the initial mapping (pfn %#llx), then an L3, an L2 and an L1 "
		  "of its own (%s)",
		  (unsigned long long)l.p2m_pfn, rc ? err : "ok");
	TAP_CHECK(l.start_info_pfn == plain.p2m_pfn && l.pgtables_pages == plain.pgtables_pages &&
			  l.virt_end == plain.virt_end,
		  "the initial mapping holds no P2M: start_info follows the kernel, same tables and end");
	static uint8_t mem[4096][4096];
	memset(mem, 0, sizeof(mem));
	static uint64_t p2m[4096];
	for (uint64_t i = 0; i < 4096; i++)
		p2m[i] = 0x10000 + i * 3;
	xg_pv_write_pagetables(&l, p2m, frame, mem);
	memcpy(mem[l.p2m_pfn], p2m, sizeof(p2m)); /* what the builder copies there */
	int bad = 0, ro = 0;
	for (uint64_t i = 0; i < 4096; i++) {
		uint64_t va = base + i * 8, flags = 0;
		int64_t pfn = walk64(mem, 4096, l.pgtables_pfn, 0x10000, va, &flags);
		if (pfn < 0 || ((const uint64_t *)mem[pfn])[(va & 4095) / 8] != p2m[i])
			bad++;
		else if ((flags & 0x67) != 0x23) /* P|RW|A, no USER, not dirty: Xen's L1 flags */
			ro++;
	}
	TAP_CHECK(bad == 0 && ro == 0, "every P2M entry reads back through the page tables at 0x8000000000 + 8 pfn "
				       "(%d wrong, %d with other flags)", bad, ro);
	uint64_t flags;
	TAP_CHECK(walk64(mem, 4096, l.pgtables_pfn, 0x10000, base + 8 * 4096, &flags) < 0 &&
			  walk64(mem, 4096, l.pgtables_pfn, 0x10000, base - 4096, &flags) < 0,
		  "nothing is mapped just before or after the list");
	TAP_CHECK(walk64(mem, 4096, l.pgtables_pfn, 0x10000, l.virt_base, &flags) == 0 &&
			  walk64(mem, 4096, l.pgtables_pfn, 0x10000, l.virt_end - 4096, &flags) == (int64_t)mapped - 1 &&
			  walk64(mem, 4096, l.pgtables_pfn, 0x10000, l.virt_end, &flags) < 0,
		  "the initial mapping is unchanged");
	const uint64_t *l4 = (const uint64_t *)mem[l.pgtables_pfn];
	int present = 0;
	for (int i = 0; i < 512; i++)
		present += (l4[i] & 1) != 0;
	TAP_CHECK(present == 2 && (l4[1] >> 12) == p2m[l.p2m_pfn + 8] && (l4[1] & 0x67) == 0x67,
		  "the L4 has two entries: slot 1 names the P2M's L3 (P|RW|U|A|D), slot 511 the kernel's");
	xg_pv_write_start_info(&l, p2m, &plain_start_info, mem[l.start_info_pfn]);
	const start_info_t *si = (const void *)mem[l.start_info_pfn];
	TAP_CHECK(si->mfn_list == base && si->first_p2m_pfn == l.p2m_pfn && si->nr_p2m_frames == 8 + 3 &&
			  si->nr_pt_frames == l.pgtables_pages,
		  "start_info: mfn_list 0x8000000000, first_p2m_pfn %#lx, nr_p2m_frames %lu (list and its tables); "
		  "nr_pt_frames counts the initial tables only",
		  si->first_p2m_pfn, si->nr_p2m_frames);
	xg_pv_write_start_info(&plain, p2m, &plain_start_info, mem[plain.start_info_pfn]);
	si = (const void *)mem[plain.start_info_pfn];
	TAP_CHECK(si->mfn_list == plain.virt_base + plain.p2m_pfn * 4096 && si->first_p2m_pfn == 0 &&
			  si->nr_p2m_frames == 0,
		  "without INIT_P2M, as Xen: mfn_list in the initial mapping, first_p2m_pfn and nr_p2m_frames 0");

	/* Cases Xen's builder ignores the note in, and ones it refuses. */
	k.notes.init_p2m = base + 8;
	rc = xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && !l.p2m_separate && l.p2m_pfn == plain.p2m_pfn, "an unaligned INIT_P2M is ignored");
	k.notes.init_p2m = l.virt_end;
	rc = xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && !l.p2m_separate, "an INIT_P2M above VIRT_BASE is ignored");
	k.notes.init_p2m = k.virt_base - 4096;
	rc = xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	TAP_CHECK(rc == -EINVAL && strstr(err, "overlap"), "a list running into the initial mapping: %s", err);
	/* mapped + 5 pages: a 3-page list and its 3 tables need one more. */
	k.notes.init_p2m = base;
	rc = xg_pv_layout(&k, mapped + 5, &l, err, sizeof(err));
	TAP_CHECK(rc == -ENOMEM && strstr(err, "INIT_P2M"), "one page short of the list's tables: %s", err);
	rc = xg_pv_layout(&k, mapped + 6, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && l.p2m_pages == 3 && l.p2m_pfn + 3 + 3 == mapped + 6,
		  "with that page it fits exactly (%s)", rc ? err : "ok");
	rc = xg_pv_layout(&k, 1u << 20, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && l.p2m_pages == 2048 && l.ranges[1].lv[0].count == 4 && l.p2m_tables == 6,
		  "4 GiB: a 2048-page list needs 4 L1s, one L2 and one L3 (%s)", rc ? err : "ok");
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
	expect_error("an ELF32 header on an x86-64 file", img, size, "not for i386");

	memcpy(img, good, size);
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	expect_error("another machine", img, size, "not for x86-64");

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

	/* Note segment removed: the notes are still found in the SHT_NOTE
	 * section (Xen's fallback); without sections too, not a Xen kernel. */
	memcpy(img, good, size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff + (size_t)i * sizeof(*ph));
		if (ph->p_type == PT_NOTE)
			ph->p_type = PT_NULL;
	}
	struct xg_kernel kn;
	char why[256] = "";
	TAP_CHECK(parse(img, size, &kn, why) == 0 && kn.notes.source == XG_NOTES_SECTION,
		  "without a PT_NOTE the notes are read from the SHT_NOTE section (%s)", why);
	eh->e_shnum = 0;
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

static void test_bzimage(const uint8_t *elf, size_t elf_size)
{
	for (size_t f = 0; bzimage_formats[f]; f++) {
		const char *format = bzimage_formats[f];
		uint8_t *packed = NULL;
		size_t n = bzimage_compress(format, elf, elf_size, &packed);
		size_t size, at;
		/* Alternate the header's shapes: 1 setup sector and the payload
		 * first, or setup_sects 0 (meaning 4) behind a stub. */
		uint8_t *bz = bzimage_wrap(packed, n, f % 2 ? 0 : 1, f % 2 ? 0x1234 : 0, &size, &at);
		uint8_t *out = NULL;
		size_t out_size = 0;
		char fmt[16] = "", err[256] = "";
		int rc = n && xg_is_bzimage(bz, size) ? xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt),
									   err, sizeof(err))
						      : -1;
		TAP_CHECK(rc == 0 && !strcmp(fmt, format) && out_size == elf_size && !memcmp(out, elf, elf_size),
			  "a %s bzImage unpacks to the exact ELF (%s)", format, err);
		struct xg_kernel k;
		TAP_CHECK(rc == 0 && parse(out, out_size, &k, err) == 0, "and the ELF inside parses");
		free(out);
		out = NULL;
		/* Damage the middle of the payload: an error, never a crash. */
		bz[at + n / 2] ^= 0x55;
		bz[at + n / 2 + 1] ^= 0xaa;
		rc = xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err));
		TAP_CHECK(rc != 0 || out_size != elf_size || memcmp(out, elf, elf_size),
			  "a damaged %s payload is refused or differs: %s", format, rc ? err : "(undetected)");
		free(out);
		out = NULL;
		/* Cut the file short. */
		rc = xg_bzimage_extract(bz, at + n / 2, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err));
		TAP_CHECK(rc != 0 && strstr(err, "outside the file"), "a truncated %s bzImage is refused: %s", format,
			  err);
		free(out);
		free(bz);
		free(packed);
	}
	size_t size, at;
	uint8_t *bz = bzimage_wrap((const uint8_t *)"garbage!garbage!", 16, 1, 0, &size, &at);
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
}


/* ---- 32-bit PAE kernels (pv32pae) ------------------------------------------ */

#define PT_P 0x1ull
#define PT_RW 0x2ull
#define PT_U 0x4ull
#define PT_A 0x20ull
#define PT_D 0x40ull

/* One Xen note: namesz, descsz, type, "Xen\0", the descriptor, padded. */
static size_t put_note(uint8_t *p, uint32_t type, const void *desc, uint32_t len)
{
	uint32_t hdr[3] = { 4, len, type };
	memcpy(p, hdr, 12);
	memcpy(p + 12, "Xen", 4);
	memcpy(p + 16, desc, len);
	return 16 + ((len + 3) & ~3u);
}

/* A synthetic 32-bit PV kernel: ELF header, a PT_LOAD of image_size bytes
 * (memsz twice that) at physical paddr, a PT_NOTE with the Xen notes
 * (PAE_MODE left out when pae is NULL; no notes at all when notes is
 * false; in an SHT_NOTE section only when section_notes), and section
 * headers: .note.Xen, and __xen_guest when xen_guest is given. */
#define ELF32_BODY 0x1000
struct elf32_opts {
	uint32_t virt_base;
	const char *pae;
	bool notes, section_notes;
	const char *xen_guest;
	uint32_t paddr;
	size_t image_size;
};

static uint8_t *make_elf32_with(const struct elf32_opts *o, size_t *size)
{
	*size = ELF32_BODY + o->image_size;
	uint8_t *img = calloc(1, *size);
	Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = o->virt_base + 0x40;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = 2;
	Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff);
	ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = ELF32_BODY, .p_vaddr = o->virt_base, .p_paddr = o->paddr,
			      .p_filesz = (uint32_t)o->image_size, .p_memsz = (uint32_t)o->image_size * 2,
			      .p_flags = 7, .p_align = 4096 };
	uint8_t *n = img + 0x200, *start = n;
	if (o->notes) {
		uint32_t virt_base = o->virt_base;
		n += put_note(n, 6 /* GUEST_OS */, "synthetic", 10);
		n += put_note(n, 5 /* XEN_VERSION */, "xen-3.0", 8);
		n += put_note(n, 8 /* LOADER */, "generic", 8);
		n += put_note(n, 3 /* VIRT_BASE */, &virt_base, 4);
		uint32_t zero = 0;
		n += put_note(n, 4 /* PADDR_OFFSET */, &zero, 4);
		if (o->pae)
			n += put_note(n, 9 /* PAE_MODE */, o->pae, (uint32_t)strlen(o->pae) + 1);
	}
	uint32_t notes_size = (uint32_t)(n - start);
	ph[1] = (Elf32_Phdr){ .p_type = o->section_notes ? PT_NULL : PT_NOTE, .p_offset = 0x200,
			      .p_filesz = notes_size, .p_align = 4 };
	/* Sections: null, .note.Xen, __xen_guest (optional), .shstrtab. */
	static const char names[] = "\0.note.Xen\0__xen_guest\0.shstrtab";
	memcpy(img + 0x900, names, sizeof(names));
	Elf32_Shdr *sh = (Elf32_Shdr *)(img + 0xa00);
	unsigned int nsh = 1;
	sh[nsh++] = (Elf32_Shdr){ .sh_name = 1, .sh_type = SHT_NOTE, .sh_offset = 0x200, .sh_size = notes_size };
	if (o->xen_guest) {
		size_t len = strlen(o->xen_guest) + 1;
		memcpy(img + 0x600, o->xen_guest, len < 0x300 ? len : 0x300);
		sh[nsh++] = (Elf32_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS, .sh_offset = 0x600,
					  .sh_size = (uint32_t)(len < 0x300 ? len : 0x300) };
	}
	sh[nsh] = (Elf32_Shdr){ .sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = 0x900, .sh_size = sizeof(names) };
	eh->e_shoff = 0xa00;
	eh->e_shentsize = sizeof(Elf32_Shdr);
	eh->e_shnum = (uint16_t)(nsh + 1);
	eh->e_shstrndx = (uint16_t)nsh;
	memset(img + ELF32_BODY, 0x90, o->image_size);
	return img;
}

static uint8_t *make_elf32(uint32_t virt_base, const char *pae, size_t image_size, size_t *size)
{
	struct elf32_opts o = { .virt_base = virt_base, .pae = pae, .notes = true, .image_size = image_size };
	return make_elf32_with(&o, size);
}

/* A 32-bit kernel with only a __xen_guest string, its image at physical
 * paddr. */
static uint8_t *make_legacy32(const char *xen_guest, uint32_t paddr, size_t *size)
{
	struct elf32_opts o = { .virt_base = 0xc0000000u, .xen_guest = xen_guest, .paddr = paddr, .image_size = 0x3000 };
	return make_elf32_with(&o, size);
}

static void test_elf32_parse(void)
{
	size_t size;
	uint8_t *img = make_elf32(0xc0000000u, "yes", 0x3000, &size);
	struct xg_kernel k;
	char err[256] = "";
	int rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0, "a synthetic ELF32 kernel parses (%s)", err);
	TAP_CHECK(!k.is_64bit && k.pae == XG_PAE_EXTCR3 && k.extended_cr3 && k.notes.source == XG_NOTES_SEGMENT,
		  "a PAE_MODE note \"yes\" is extended CR3, as Xen's libelf reads it");
	TAP_CHECK(k.virt_base == 0xc0000000u && k.virt_kstart == 0xc0000000u && k.virt_kend == 0xc0006000u &&
			  k.virt_entry == 0xc0000040u,
		  "VIRT_BASE, the image (memsz) and the ELF entry are read");
	TAP_CHECK(k.nr_segments == 1 && k.segments[0].filesz == 0x3000 && k.segments[0].offset == ELF32_BODY,
		  "its program header is read");
	TAP_CHECK(!xg_pv_l3_below_4g(&k) && xg_kernel_vm_assist(&k) == 1ul << 3 /* pae_extended_cr3 */,
		  "its L3 may lie anywhere; vm_assist is pae_extended_cr3 (%#lx)", xg_kernel_vm_assist(&k));
	free(img);

	static const struct {
		const char *mode;
		enum xg_pae_mode pae;
	} modes[] = {
		{ "yes", XG_PAE_EXTCR3 },
		{ "bimodal", XG_PAE_BIMODAL },
		{ "yes,bimodal", XG_PAE_BIMODAL },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		img = make_elf32(0xc0000000u, modes[i].mode, 0x1000, &size);
		rc = parse(img, size, &k, err);
		TAP_CHECK(rc == 0 && k.pae == modes[i].pae && k.extended_cr3 && !xg_pv_l3_below_4g(&k),
			  "PAE_MODE note \"%s\" is accepted with extended CR3 (%s)", modes[i].mode, rc ? err : "ok");
		free(img);
	}
	/* Spellings Xen's libelf does not read as PAE in a note. */
	static const char *const refused[] = { "no", "maybe", "yes[extended-cr3]", "extended-cr3", "Yes", "yes " };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		img = make_elf32(0xc0000000u, refused[i], 0x1000, &size);
		rc = parse(img, size, &k, err);
		TAP_CHECK(rc == -ENOEXEC && strstr(err, "only PAE 32-bit kernels") && strstr(err, refused[i]),
			  "PAE_MODE note \"%s\" is refused: %s", refused[i], err);
		free(img);
	}
	img = make_elf32(0xc0000000u, NULL, 0x1000, &size);
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == -ENOEXEC && strstr(err, "no PAE_MODE note"), "a 32-bit kernel without PAE_MODE is refused: %s",
		  err);
	free(img);

	/* Notes only in an SHT_NOTE section (no PT_NOTE): Xen's fallback. */
	struct elf32_opts o = { .virt_base = 0xc0000000u, .pae = "yes", .notes = true, .section_notes = true,
				.image_size = 0x1000 };
	img = make_elf32_with(&o, &size);
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0 && k.notes.source == XG_NOTES_SECTION && k.pae == XG_PAE_EXTCR3,
		  "notes in an SHT_NOTE section are read when no PT_NOTE has any (%s)", rc ? err : "ok");
	free(img);
}

/* ---- the legacy __xen_guest section ----------------------------------------- */

static void init_notes(struct xg_elf_notes *n)
{
	memset(n, 0, sizeof(*n));
	n->entry = n->hypercall_page = n->virt_base = n->paddr_offset = XG_UNSET_ADDR;
	n->hv_start_low = n->init_p2m = n->phys32_entry = XG_UNSET_ADDR;
}

static void test_xen_guest_corpus(void)
{
	struct xg_elf_notes n;
	char err[256] = "";
	const char *full = "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=0xC0000000,"
			   "ELF_PADDR_OFFSET=0xC0000000,VIRT_ENTRY=0xC0100000,HYPERCALL_PAGE=0x12,PAE=yes,"
			   "FEATURES=writable_page_tables|!pae_pgdir_above_4gb";
	init_notes(&n);
	int rc = xg_parse_xen_guest(full, strlen(full) + 1, &n, err, sizeof(err));
	TAP_CHECK(rc == 0 && n.source == XG_NOTES_XEN_GUEST && !strcmp(n.guest_os, "linux") &&
			  !strcmp(n.guest_version, "2.6") && !strcmp(n.xen_version, "xen-3.0") &&
			  !strcmp(n.loader, "generic"),
		  "__xen_guest: the strings are read (%s)", rc ? err : "ok");
	TAP_CHECK(rc == 0 && n.virt_base == 0xc0000000u && n.paddr_offset == 0xc0000000u && n.entry == 0xc0100000u,
		  "__xen_guest: VIRT_BASE, ELF_PADDR_OFFSET, VIRT_ENTRY");
	TAP_CHECK(rc == 0 && n.hypercall_page == 0xc0012000u,
		  "__xen_guest: HYPERCALL_PAGE is a page number relative to VIRT_BASE (%#llx)",
		  (unsigned long long)n.hypercall_page);
	TAP_CHECK(rc == 0 && n.pae == XG_PAE_YES && !strcmp(n.pae_mode, "yes") &&
			  !strcmp(n.features, "writable_page_tables|!pae_pgdir_above_4gb"),
		  "__xen_guest: PAE=yes is plain PAE; FEATURES is read");

	static const struct {
		const char *s;
		const char *what;
		enum xg_pae_mode pae;
		uint64_t virt_base, hypercall_page;
	} good[] = {
		{ "PAE=yes[extended-cr3]", "PAE=yes[extended-cr3] is extended CR3", XG_PAE_EXTCR3, XG_UNSET_ADDR,
		  XG_UNSET_ADDR },
		{ "PAE=yes-anything", "PAE=yes... is plain PAE", XG_PAE_YES, XG_UNSET_ADDR, XG_UNSET_ADDR },
		{ "PAE=bimodal", "PAE=bimodal is no PAE (Xen reads bimodal only in a note)", XG_PAE_NO, XG_UNSET_ADDR,
		  XG_UNSET_ADDR },
		{ "PAE=no", "PAE=no is no PAE", XG_PAE_NO, XG_UNSET_ADDR, XG_UNSET_ADDR },
		{ "PAE=extended-cr3", "PAE=extended-cr3 is no PAE", XG_PAE_NO, XG_UNSET_ADDR, XG_UNSET_ADDR },
		{ "VIRT_BASE=3221225472", "a decimal number", XG_PAE_NO, 0xc0000000u, XG_UNSET_ADDR },
		{ "VIRT_BASE=030000000000", "an octal number", XG_PAE_NO, 0xc0000000u, XG_UNSET_ADDR },
		{ "VIRT_BASE=0x1000,VIRT_BASE=0x2000", "the last of repeated keys", XG_PAE_NO, 0x2000, XG_UNSET_ADDR },
		{ "HYPERCALL_PAGE=0x10", "HYPERCALL_PAGE without VIRT_BASE (relative to 0)", XG_PAE_NO, XG_UNSET_ADDR,
		  0x10000 },
		{ "HYPERCALL_PAGE=3,VIRT_BASE=0x400000", "HYPERCALL_PAGE before VIRT_BASE", XG_PAE_NO, 0x400000,
		  0x403000 },
		{ ",,UNKNOWN=whatever,SOMETHING,", "empty items and unknown keys are ignored", XG_PAE_NO, XG_UNSET_ADDR,
		  XG_UNSET_ADDR },
		{ "FEATURES=", "an empty FEATURES", XG_PAE_NO, XG_UNSET_ADDR, XG_UNSET_ADDR },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		init_notes(&n);
		rc = xg_parse_xen_guest(good[i].s, strlen(good[i].s) + 1, &n, err, sizeof(err));
		TAP_CHECK(rc == 0 && n.pae == good[i].pae && n.virt_base == good[i].virt_base &&
				  n.hypercall_page == good[i].hypercall_page,
			  "__xen_guest \"%s\": %s (%s)", good[i].s, good[i].what, rc ? err : "ok");
	}
	init_notes(&n);
	rc = xg_parse_xen_guest("BSD_SYMTAB,GUEST_OS=linux", 26, &n, err, sizeof(err));
	TAP_CHECK(rc == 0 && n.bsd_symtab && !strcmp(n.guest_os, "linux"), "__xen_guest: BSD_SYMTAB needs no value");
	init_notes(&n);
	rc = xg_parse_xen_guest("GUEST_OS=linuxXYZ", 14, &n, err, sizeof(err));
	TAP_CHECK(rc == 0 && !strcmp(n.guest_os, "linux"), "__xen_guest: the string ends with its section");

	char long_name[64], long_value[200], long_string[64];
	memset(long_name, 'A', 40);
	strcpy(long_name + 40, "=1");
	strcpy(long_value, "GUEST_OS=");
	memset(long_value + 9, 'x', 150);
	long_value[159] = '\0';
	strcpy(long_string, "LOADER=");
	memset(long_string + 7, 'g', 40);
	long_string[47] = '\0';
	const struct {
		const char *s, *word;
	} bad[] = {
		{ "VIRT_BASE=", "VIRT_BASE has no value" },
		{ "VIRT_BASE", "VIRT_BASE has no value" },
		{ "VIRT_BASE=0xZZ", "VIRT_BASE=0xZZ is not a number" },
		{ "VIRT_BASE=-1", "VIRT_BASE=-1 is not a number" },
		{ "VIRT_BASE= 1", "is not a number" },
		{ "ELF_PADDR_OFFSET=12abc", "ELF_PADDR_OFFSET=12abc is not a number" },
		{ "VIRT_ENTRY=0x1ffffffffffffffff", "does not fit in 64 bits" },
		{ "VIRT_BASE=09", "VIRT_BASE=09 is not a number" },
		{ "HYPERCALL_PAGE=0x10000000000000", "is not a page number" },
		{ "HYPERCALL_PAGE=page2", "HYPERCALL_PAGE=page2 is not a number" },
		{ "=yes", "has no name" },
		{ "PAE=", "PAE has no value" },
		{ "GUEST_OS", "GUEST_OS has no value" },
		{ long_name, "longer than 31 characters" },
		{ long_value, "the value of GUEST_OS is longer than 127 characters" },
		{ long_string, "LOADER=gggg" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init_notes(&n);
		err[0] = '\0';
		rc = xg_parse_xen_guest(bad[i].s, strlen(bad[i].s) + 1, &n, err, sizeof(err));
		TAP_CHECK(rc == -EINVAL && strstr(err, "malformed __xen_guest") && strstr(err, bad[i].word),
			  "__xen_guest \"%.30s\" is refused: %s", bad[i].s, err);
	}
}

/* Whole kernels declared through __xen_guest. */
static void test_legacy_kernels(void)
{
	struct xg_kernel k;
	char err[256] = "";
	size_t size;
	const char *plain = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,HYPERCALL_PAGE=0x1,PAE=yes";
	/* ELF_PADDR_OFFSET unset: it is VIRT_BASE, so p_paddr holds virtual
	 * addresses (as old kernels' did). */
	uint8_t *img = make_legacy32(plain, 0xc0000000u, &size);
	int rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0 && k.notes.source == XG_NOTES_XEN_GUEST && k.pae == XG_PAE_YES && !k.extended_cr3 &&
			  xg_pv_l3_below_4g(&k) && xg_kernel_vm_assist(&k) == 0,
		  "a __xen_guest kernel with PAE=yes: plain PAE, its L3 below 4 GiB, no vm_assist (%s)",
		  rc ? err : "ok");
	TAP_CHECK(rc == 0 && k.virt_kstart == 0xc0000000u && k.notes.hypercall_page == 0xc0001000u,
		  "its ELF_PADDR_OFFSET defaults to VIRT_BASE; HYPERCALL_PAGE 1 is VIRT_BASE + 4 KiB");
	struct xg_pv_layout l;
	rc = rc ? rc : xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && l.pv32 && l.nr_l3 == 1, "and it lays out as pv32pae (%s)", rc ? err : "ok");
	free(img);

	img = make_legacy32(plain, 0, &size);
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == -EINVAL && strstr(err, "below VIRT_BASE"),
		  "with physical addresses from 0 it needs ELF_PADDR_OFFSET=0: %s", err);
	free(img);

	img = make_legacy32("GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0,"
			    "PAE=yes[extended-cr3]",
			    0, &size);
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0 && k.pae == XG_PAE_EXTCR3 && k.extended_cr3 && k.virt_kstart == 0xc0000000u,
		  "PAE=yes[extended-cr3] with ELF_PADDR_OFFSET=0 (%s)", rc ? err : "ok");
	free(img);

	static const struct {
		const char *s, *word;
	} refused[] = {
		{ "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000", "no PAE= in its __xen_guest section" },
		{ "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=no", "__xen_guest PAE is 'no'" },
		{ "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=bimodal", "__xen_guest PAE is 'bimodal'" },
		{ "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xZ,PAE=yes", "VIRT_BASE=0xZ is not a number" },
		{ "GUEST_OS=linux,VIRT_BASE=0xC0000000,PAE=yes", "no XEN_VERSION" },
		{ "GUEST_OS=netbsd,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=yes", "neither the 'generic' loader" },
		{ "GUEST_OS=linux,XEN_VER=xen-3.0,BSD_SYMTAB=yes,VIRT_BASE=0xC0000000,PAE=yes", "BSD_SYMTAB" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		img = make_legacy32(refused[i].s, 0xc0000000u, &size);
		rc = parse(img, size, &k, err);
		TAP_CHECK(rc < 0 && strstr(err, refused[i].word), "__xen_guest \"...%s\" is refused: %s",
			  refused[i].s + 31, err);
		free(img);
	}

	/* Notes win: __xen_guest is read only when there is no Xen note. */
	struct elf32_opts o = { .virt_base = 0xc0000000u, .pae = "yes", .notes = true,
				.xen_guest = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes", .image_size = 0x1000 };
	img = make_elf32_with(&o, &size);
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0 && k.notes.source == XG_NOTES_SEGMENT && k.pae == XG_PAE_EXTCR3,
		  "with Xen notes present, __xen_guest is ignored (as in Xen)");
	free(img);
	/* Neither: not a Xen kernel. */
	o = (struct elf32_opts){ .virt_base = 0xc0000000u, .image_size = 0x1000 };
	img = make_elf32_with(&o, &size);
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == -ENOEXEC && strstr(err, "no Xen ELF notes and no __xen_guest section"),
		  "no notes and no __xen_guest: %s", err);
	free(img);
}

/* Required features: what XG offers, and the VM assists the builder sets. */
static void test_features_assists(void)
{
	static const struct {
		bool is_64bit, extcr3;
		const char *features;
		int rc;
		const char *word;
		unsigned long assist;
	} cases[] = {
		{ true, false, "!writable_page_tables", 0, NULL, 1ul << 2 },
		{ true, false, "writable_page_tables|!pae_pgdir_above_4gb", -EOPNOTSUPP, "for 32-bit PAE guests", 0 },
		{ true, false, "writable_page_tables", 0, NULL, 0 },
		{ true, false, "!writable_descriptor_tables", -EOPNOTSUPP, "does not offer yet", 0 },
		{ true, false, "!no_such_feature", -EINVAL, "unknown Xen feature", 0 },
		{ false, false, "!writable_page_tables", -EOPNOTSUPP, "does not offer 32-bit guests yet", 1ul << 2 },
		{ false, true, "!pae_pgdir_above_4gb", 0, NULL, 1ul << 3 },
		{ false, false, "!pae_pgdir_above_4gb", -EOPNOTSUPP, "does not declare extended-CR3", 0 },
		{ true, false, "!writable_page_tables|writable_descriptor_tables", 0, NULL, 1ul << 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xg_kernel k;
		memset(&k, 0, sizeof(k));
		k.is_64bit = cases[i].is_64bit;
		k.extended_cr3 = cases[i].extcr3;
		snprintf(k.notes.features, sizeof(k.notes.features), "%s", cases[i].features);
		char err[256] = "";
		int rc = xg_kernel_check_features(&k, err, sizeof(err));
		TAP_CHECK(rc == cases[i].rc && (!cases[i].word || strstr(err, cases[i].word)) &&
				  xg_kernel_vm_assist(&k) == cases[i].assist,
			  "%s kernel%s, FEATURES \"%s\": %s, vm_assist %#lx", k.is_64bit ? "64-bit" : "32-bit",
			  cases[i].extcr3 ? " (extended CR3)" : "", cases[i].features, rc ? err : "accepted",
			  xg_kernel_vm_assist(&k));
	}
}

static void test_elf32_damaged(void)
{
	size_t size;
	uint8_t *good = make_elf32(0xc0000000u, "yes", 0x3000, &size);
	uint8_t *img = malloc(size);
	expect_error("a truncated ELF32 header", good, 40, "truncated ELF32 header");
	expect_error("an ELF32 file cut inside its program headers", good, sizeof(Elf32_Ehdr) + 40,
		     "truncated or malformed program headers");
	expect_error("an ELF32 file cut before its segment ends", good, size - 1, "outside the file");

	memcpy(img, good, size);
	((Elf32_Ehdr *)img)->e_machine = EM_ARM;
	expect_error("an ELF32 file for another machine", img, size, "not for i386");
	memcpy(img, good, size);
	((Elf32_Ehdr *)img)->e_phentsize = sizeof(Elf64_Phdr);
	expect_error("ELF64-sized program headers in an ELF32 file", img, size, "program headers");
	memcpy(img, good, size);
	Elf32_Phdr *ph = (Elf32_Phdr *)(img + sizeof(Elf32_Ehdr));
	ph[0].p_memsz = ph[0].p_filesz - 1;
	expect_error("a segment larger in the file than in memory", img, size, "impossible sizes");
	memcpy(img, good, size);
	ph[1].p_filesz = 0x100000;
	expect_error("a note segment past the end", img, size, "outside the file");
	free(img);
	free(good);

	/* A kernel whose addresses do not fit in 32 bits. */
	good = make_elf32(0xfffff000u, "yes", 0x3000, &size);
	expect_error("a 32-bit kernel running past 4 GiB", good, size, "do not fit below 4 GiB");
	free(good);

	good = make_elf32(0xc0000000u, "yes", 0x3000, &size);
	int accepted = 0;
	for (size_t cut = 0; cut < size; cut += 61) {
		struct xg_kernel k;
		char err[256];
		accepted += parse(good, cut, &k, err) == 0;
	}
	TAP_CHECK(accepted == 0, "every truncated copy of the ELF32 kernel is refused");
	free(good);
}

/* Walk the written PAE tables of a layout: entries and their flags. */
static void check_pae_tables(const char *what, const struct xg_pv_layout *l, uint8_t (*mem)[4096],
			     const uint64_t *p2m)
{
	const uint64_t *l3 = (const uint64_t *)mem[l->pgtables_pfn];
	uint64_t l2_first = l->pgtables_pfn + 1, l1_first = l2_first + l->nr_l2;
	unsigned int slot0 = (unsigned int)(l->virt_base >> 30);
	bool l3_ok = true;
	for (unsigned int slot = 0; slot < 512; slot++) {
		bool want = slot >= slot0 && slot <= 3;
		uint64_t e = l3[slot];
		if (want ? e != ((p2m[l2_first + slot - slot0] << 12) | PT_P | PT_RW | PT_A | PT_D | PT_U) : e != 0)
			l3_ok = false;
	}
	TAP_CHECK(l3_ok, "%s: L3 slots %u..3 point at the L2s in order (P|RW|A|D|U), nothing else", what, slot0);
	const uint64_t *l2 = (const uint64_t *)mem[l2_first];
	unsigned int i2 = (unsigned int)((l->virt_base >> 21) & 511);
	bool l2_ok = true;
	for (uint64_t j = 0; j < l->nr_l1; j++)
		if (l2[i2 + j] != ((p2m[l1_first + j] << 12) | PT_P | PT_RW | PT_A | PT_D | PT_U))
			l2_ok = false;
	TAP_CHECK(l2_ok && l2[i2 + l->nr_l1] == 0, "%s: the L2 points at the %llu L1s (P|RW|A|D|U), then nothing",
		  what, (unsigned long long)l->nr_l1);
	if (l->virt_base < 0xc0000000u) {
		const uint8_t *slot3 = mem[l2_first + l->nr_l2 - 1];
		bool empty = true;
		for (int b = 0; b < 4096; b++)
			empty &= slot3[b] == 0;
		TAP_CHECK(empty, "%s: the L2 for slot 3 exists and is empty (the hypervisor fills it)", what);
	}
	const uint64_t *l1 = (const uint64_t *)mem[l1_first];
	TAP_CHECK(l1[0] == ((p2m[0] << 12) | PT_P | PT_RW | PT_A), "%s: pfn 0 is mapped P|RW|A (ring 1: no USER)",
		  what);
	TAP_CHECK(l1[l->pgtables_pfn] == ((p2m[l->pgtables_pfn] << 12) | PT_P | PT_A) &&
			  l1[l->pgtables_pfn + l->pgtables_pages - 1] ==
				  ((p2m[l->pgtables_pfn + l->pgtables_pages - 1] << 12) | PT_P | PT_A) &&
			  (l1[l->pgtables_pfn + l->pgtables_pages] & PT_RW),
		  "%s: exactly the page-table frames are mapped read-only", what);
	uint64_t mapped = (l->virt_end - l->virt_base) / 4096;
	const uint64_t *last_l1 = (const uint64_t *)mem[l1_first + l->nr_l1 - 1];
	TAP_CHECK((last_l1[511] >> 12) == p2m[mapped - 1], "%s: the last mapped page is pfn %#llx", what,
		  (unsigned long long)(mapped - 1));
}

static void test_pae_layout_of(const char *what, const uint8_t *img, size_t size, uint64_t nr_pages,
			       uint64_t want_l2)
{
	struct xg_kernel k;
	struct xg_pv_layout l;
	char err[256] = "";
	int rc = parse(img, size, &k, err);
	if (!rc)
		rc = xg_pv_layout(&k, nr_pages, &l, err, sizeof(err));
	TAP_CHECK(rc == 0, "%s: laid out in %llu pages (%s)", what, (unsigned long long)nr_pages, err);
	if (rc)
		return;
	TAP_CHECK(l.pv32 && l.levels == 3 && l.pfn_size == 4 && !strcmp(xg_pv_guest_type(&l), "xen-3.0-x86_32p"),
		  "%s: a 3-level xen-3.0-x86_32p layout", what);
	TAP_CHECK(l.p2m_pfn == l.kernel_pfn + l.kernel_pages && l.p2m_pages == (nr_pages * 4 + 4095) / 4096,
		  "%s: the P2M follows the kernel, 4 bytes per pfn (%llu pages)", what,
		  (unsigned long long)l.p2m_pages);
	TAP_CHECK(l.start_info_pfn == l.p2m_pfn + l.p2m_pages && l.xenstore_pfn == l.start_info_pfn + 1 &&
			  l.console_pfn == l.xenstore_pfn + 1 && l.pgtables_pfn == l.console_pfn + 1 &&
			  l.bootstack_pfn == l.pgtables_pfn + l.pgtables_pages,
		  "%s: start_info, xenstore, console, page tables, boot stack in Xen's order", what);
	TAP_CHECK(l.nr_l4 == 0 && l.nr_l3 == 1 && l.nr_l2 == want_l2 &&
			  l.pgtables_pages == 1 + l.nr_l2 + l.nr_l1,
		  "%s: one L3, %llu L2 (through slot 3), %llu L1", what, (unsigned long long)l.nr_l2,
		  (unsigned long long)l.nr_l1);
	TAP_CHECK((l.virt_end & 0x3fffff) == 0 && l.virt_end >= l.virt_base + (l.alloc_end_pfn + 128) * 4096 &&
			  l.nr_l1 == (l.virt_end - l.virt_base) >> 21,
		  "%s: the mapping reaches 512 KiB past the boot stack and ends on 4 MiB (0x%llx)", what,
		  (unsigned long long)l.virt_end);

	uint64_t mapped = (l.virt_end - l.virt_base) / 4096;
	uint8_t(*mem)[4096] = calloc(mapped + 1, 4096);
	uint64_t *p2m = calloc(nr_pages, sizeof(uint64_t));
	for (uint64_t i = 0; i < nr_pages; i++)
		p2m[i] = 0x123400 + i * 7; /* above 4 GiB, scattered */
	/* The tables live at their pfns in mem (frame() maps pfn i to mem[i]). */
	xg_pv_write_pagetables(&l, p2m, frame, mem);
	check_pae_tables(what, &l, mem, p2m);

	struct xg_pv_start_info_args args = { .shared_info_mfn = 0xabcde, .cmdline = "console=hvc0", .console_evtchn = 3 };
	xg_pv_write_start_info(&l, p2m, &args, mem[l.start_info_pfn]);
	const struct compat_start_info *si = (const void *)mem[l.start_info_pfn];
	TAP_CHECK(!strcmp(si->magic, "xen-3.0-x86_32p") && si->nr_pages == nr_pages &&
			  si->shared_info == 0xabcde000u && si->flags == 0,
		  "%s: compat start_info: magic, nr_pages, shared_info", what);
	TAP_CHECK(si->pt_base == l.virt_base + l.pgtables_pfn * 4096 && si->nr_pt_frames == l.pgtables_pages &&
			  si->mfn_list == l.virt_base + l.p2m_pfn * 4096 && si->first_p2m_pfn == 0 &&
			  si->nr_p2m_frames == 0,
		  "%s: pt_base is the L3's address; mfn_list in the initial mapping, no P2M frames named (as Xen)",
		  what);
	TAP_CHECK(si->store_mfn == p2m[l.xenstore_pfn] && si->console.domU.mfn == p2m[l.console_pfn] &&
			  si->console.domU.evtchn == 3 && si->store_evtchn == 0 && si->mod_start == 0 &&
			  !strcmp((const char *)si->cmd_line, "console=hvc0"),
		  "%s: xenstore and console frames, the console's port, no module, the command line", what);
	free(mem);
	free(p2m);
}

static void test_pae_layout(const char *dir)
{
	size_t size;
	uint8_t *img = make_elf32(0xc0000000u, "yes", 0x3000, &size);
	test_pae_layout_of("synthetic at 0xc0000000", img, size, 4096, 1);
	free(img);
	/* Below slot 3: Xen's builder adds the L2s up to slot 3's. */
	img = make_elf32(0x00400000u, "yes", 0x3000, &size);
	test_pae_layout_of("synthetic at 0x00400000", img, size, 16384, 4);
	free(img);
	img = make_elf32(0x80000000u, "bimodal", 0x3000, &size);
	test_pae_layout_of("synthetic at 0x80000000", img, size, 65536, 2);

	/* The mapping must end below the hypervisor's range. */
	struct xg_kernel k;
	struct xg_pv_layout l;
	char err[256] = "";
	free(img);
	img = make_elf32(0xf5400000u, "yes", 0x200000, &size); /* 4 MiB in memory */
	int rc = parse(img, size, &k, err);
	if (!rc)
		rc = xg_pv_layout(&k, 4096, &l, err, sizeof(err));
	TAP_CHECK(rc == -EINVAL && strstr(err, "below the hypervisor's range at 0xf5800000"),
		  "a mapping reaching 0xF5800000 is refused: %s", err);
	free(img);

	/* The real 32-bit test guests. */
	char path[512];
	snprintf(path, sizeof(path), "%s/hello32.elf", dir);
	img = load(path, &size);
	if (!img) {
		tap_skip("cannot read the 32-bit test guest");
		return;
	}
	rc = parse(img, size, &k, err);
	TAP_CHECK(rc == 0 && !k.is_64bit && k.notes.source == XG_NOTES_XEN_GUEST && k.pae == XG_PAE_YES &&
			  xg_pv_l3_below_4g(&k) && k.virt_base == 0xc0000000u && k.virt_kstart == 0xc0000000u &&
			  k.notes.hypercall_page == 0xc0002000u && !strcmp(k.notes.guest_os, "XG-test"),
		  "hello32.elf parses from its __xen_guest section: 32-bit, plain PAE (L3 below 4 GiB), VIRT_BASE, "
		  "HYPERCALL_PAGE (%s)",
		  rc ? err : k.notes.xen_guest);
	test_pae_layout_of("hello32.elf", img, size, 4096, 1);
	free(img);
	snprintf(path, sizeof(path), "%s/hello32-extcr3.elf", dir);
	img = load(path, &size);
	rc = img ? parse(img, size, &k, err) : -1;
	TAP_CHECK(rc == 0 && k.notes.source == XG_NOTES_SEGMENT && !strcmp(k.notes.pae_mode, "yes") &&
			  k.pae == XG_PAE_EXTCR3 && k.extended_cr3 && !xg_pv_l3_below_4g(&k) &&
			  k.notes.hypercall_page == 0xc0002000u,
		  "hello32-extcr3.elf declares extended CR3 with a PAE_MODE note \"yes\"");
	free(img);
}

static void test_bzimage32(const char *dir)
{
	char path[512];
	size_t elf_size;
	snprintf(path, sizeof(path), "%s/hello32.elf", dir);
	uint8_t *elf = load(path, &elf_size);
	if (!elf) {
		tap_skip("cannot read the 32-bit test guest");
		return;
	}
	uint8_t *packed = NULL;
	size_t n = bzimage_compress("gzip", elf, elf_size, &packed), size, at;
	uint8_t *bz = bzimage_wrap(packed, n, 1, 0, &size, &at), *out = NULL;
	size_t out_size = 0;
	char fmt[16] = "", err[256] = "";
	struct xg_kernel k;
	int rc = xg_bzimage_extract(bz, size, &out, &out_size, fmt, sizeof(fmt), err, sizeof(err));
	if (!rc)
		rc = parse(out, out_size, &k, err);
	TAP_CHECK(rc == 0 && !k.is_64bit && k.pae == XG_PAE_YES && k.notes.source == XG_NOTES_XEN_GUEST,
		  "a 32-bit payload in a bzImage parses as pv32pae (%s)",
		  err);
	free(out);
	free(bz);
	free(packed);
	free(elf);
}

/* A module (ramdisk): mapped after the kernel, or after the initial
 * mapping when the kernel's MOD_START_PFN note asks. */
static void test_module_layout(const uint8_t *img, size_t size, const char *dir)
{
	struct xg_kernel k;
	struct xg_pv_layout l, plain;
	char err[256] = "";
	int rc = parse(img, size, &k, err);
	if (!rc)
		rc = xg_pv_layout(&k, 4096, &plain, err, sizeof(err));
	if (!rc)
		rc = xg_pv_layout_module(&k, 4096, 10000, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && l.module_pages == 3 && !l.module_unmapped &&
			  l.module_pfn == l.kernel_pfn + l.kernel_pages && l.p2m_pfn == l.module_pfn + 3 &&
			  l.p2m_pfn == plain.p2m_pfn + 3,
		  "a 10000-byte module takes 3 pages between the kernel and the P2M (%s)", rc ? err : "ok");
	uint64_t mapped = (l.virt_end - l.virt_base) / 4096;
	uint8_t(*mem)[4096] = calloc(mapped + 64, 4096);
	uint64_t *p2m = calloc(4096, sizeof(uint64_t));
	for (uint64_t i = 0; i < 4096; i++)
		p2m[i] = 0x5000 + i;
	struct xg_pv_start_info_args args = { .shared_info_mfn = 0x1234, .cmdline = "module" };
	xg_pv_write_start_info(&l, p2m, &args, mem[l.start_info_pfn]);
	const start_info_t *si = (const void *)mem[l.start_info_pfn];
	TAP_CHECK(si->mod_start == l.virt_base + l.module_pfn * 4096 && si->mod_len == 3 * 4096 &&
			  !(si->flags & SIF_MOD_START_PFN),
		  "start_info: mod_start is its virtual address, mod_len whole pages (%#lx + %#lx)", si->mod_start,
		  si->mod_len);

	k.notes.mod_start_pfn = true;
	rc = xg_pv_layout_module(&k, 4096, 10000, &l, err, sizeof(err));
	TAP_CHECK(rc == 0 && l.module_unmapped && l.p2m_pfn == plain.p2m_pfn && l.virt_end == plain.virt_end &&
			  l.module_pfn == (l.virt_end - l.virt_base) / 4096 && l.module_pages == 3,
		  "with MOD_START_PFN the module follows the initial mapping, which does not change (pfn %#llx)",
		  (unsigned long long)l.module_pfn);
	xg_pv_write_start_info(&l, p2m, &plain_start_info, mem[l.start_info_pfn]);
	si = (const void *)mem[l.start_info_pfn];
	TAP_CHECK(si->mod_start == l.module_pfn && si->mod_len == 3 * 4096 && (si->flags & SIF_MOD_START_PFN),
		  "start_info: mod_start is its pfn, SIF_MOD_START_PFN is set");
	rc = xg_pv_layout_module(&k, 4096, (uint64_t)(4096 - mapped) * 4096 + 1, &l, err, sizeof(err));
	TAP_CHECK(rc == -ENOMEM && strstr(err, "ramdisk"), "an unmapped module one byte too big: %s", err);
	k.notes.mod_start_pfn = false;
	rc = xg_pv_layout_module(&k, 4096, 20u << 20, &l, err, sizeof(err));
	TAP_CHECK(rc == -ENOMEM && strstr(err, "ramdisk does not fit"), "a 20 MiB module in 16 MiB: %s", err);
	free(mem);

	/* pv32pae: the compat start_info. */
	char path[512];
	size_t size32;
	snprintf(path, sizeof(path), "%s/hello32-extcr3.elf", dir);
	uint8_t *img32 = load(path, &size32);
	rc = img32 ? parse(img32, size32, &k, err) : -1;
	if (!rc)
		rc = xg_pv_layout_module(&k, 4096, 8192, &l, err, sizeof(err));
	mem = calloc(64, 4096);
	if (!rc)
		xg_pv_write_start_info(&l, p2m, &plain_start_info, mem[l.start_info_pfn]);
	const struct compat_start_info *si32 = (const void *)(rc ? mem[0] : mem[l.start_info_pfn]);
	TAP_CHECK(rc == 0 && l.module_pfn == l.kernel_pfn + l.kernel_pages && si32->mod_start == 0xc0000000u + l.module_pfn * 4096 &&
			  si32->mod_len == 8192,
		  "pv32pae: compat start_info mod_start %#x, mod_len %#x", si32->mod_start, si32->mod_len);
	free(mem);
	free(img32);
	free(p2m);
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
	test_init_p2m(img, size);
	test_damaged(img, size);
	test_required_feature(img, size);
	test_bzimage(img, size);
	const char *guests = dir ? dir : "tests/guests";
	test_module_layout(img, size, guests);
	free(img);
	test_elf32_parse();
	test_xen_guest_corpus();
	test_legacy_kernels();
	test_features_assists();
	test_elf32_damaged();
	test_pae_layout(guests);
	test_bzimage32(guests);
	return tap_done();
}
