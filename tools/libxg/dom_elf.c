/* Parsing ELF kernels and their Xen notes, as Xen's libelf does. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dom.h"
#include "public/elfnote.h"
#include "public/xen.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, const char *detail)
{
	snprintf(err, errlen, fmt, detail);
	return rc;
}

static uint64_t read_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void copy_string(char *dst, size_t size, const uint8_t *src, size_t len)
{
	size_t n = strnlen((const char *)src, len);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One Xen note.  Numeric descriptors are 1, 2, 4 or 8 bytes. */
static int note(struct xg_elf_notes *n, uint32_t type, const uint8_t *desc, size_t len, char *err,
		size_t errlen)
{
	bool numeric_ok = len == 1 || len == 2 || len == 4 || len == 8;
	uint64_t v = numeric_ok ? read_le(desc, len) : 0;
	n->present = true;
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
	case XEN_ELFNOTE_HYPERCALL_PAGE:
	case XEN_ELFNOTE_VIRT_BASE:
	case XEN_ELFNOTE_PADDR_OFFSET:
	case XEN_ELFNOTE_HV_START_LOW:
	case XEN_ELFNOTE_INIT_P2M:
	case XEN_ELFNOTE_PHYS32_ENTRY:
	case XEN_ELFNOTE_SUSPEND_CANCEL:
	case XEN_ELFNOTE_MOD_START_PFN:
		if (!numeric_ok) {
			char what[64];
			snprintf(what, sizeof(what), "note %u has a %zu-byte value", type, len);
			return fail(err, errlen, -EINVAL, "malformed Xen ELF note: %s", what);
		}
		break;
	}
	switch (type) {
	case XEN_ELFNOTE_ENTRY: n->entry = v; break;
	case XEN_ELFNOTE_HYPERCALL_PAGE: n->hypercall_page = v; break;
	case XEN_ELFNOTE_VIRT_BASE: n->virt_base = v; break;
	case XEN_ELFNOTE_PADDR_OFFSET: n->paddr_offset = v; break;
	case XEN_ELFNOTE_HV_START_LOW: n->hv_start_low = v; break;
	case XEN_ELFNOTE_INIT_P2M: n->init_p2m = v; break;
	case XEN_ELFNOTE_PHYS32_ENTRY: n->phys32_entry = v; break;
	case XEN_ELFNOTE_SUSPEND_CANCEL: n->suspend_cancel = v != 0; break;
	case XEN_ELFNOTE_MOD_START_PFN: n->mod_start_pfn = v != 0; break;
	case XEN_ELFNOTE_GUEST_OS: copy_string(n->guest_os, sizeof(n->guest_os), desc, len); break;
	case XEN_ELFNOTE_GUEST_VERSION: copy_string(n->guest_version, sizeof(n->guest_version), desc, len); break;
	case XEN_ELFNOTE_XEN_VERSION: copy_string(n->xen_version, sizeof(n->xen_version), desc, len); break;
	case XEN_ELFNOTE_LOADER: copy_string(n->loader, sizeof(n->loader), desc, len); break;
	case XEN_ELFNOTE_PAE_MODE:
		/* As Xen's libelf: exactly "yes" is extended CR3, anything
		 * containing "bimodal" is bimodal, nothing else is PAE. */
		copy_string(n->pae_mode, sizeof(n->pae_mode), desc, len);
		n->pae = !strcmp(n->pae_mode, "yes") ? XG_PAE_EXTCR3
			 : strstr(n->pae_mode, "bimodal") ? XG_PAE_BIMODAL
							   : XG_PAE_NO;
		break;
	case XEN_ELFNOTE_BSD_SYMTAB: {
		char yes[8];
		copy_string(yes, sizeof(yes), desc, len);
		n->bsd_symtab = !strcmp(yes, "yes");
		break;
	}
	case XEN_ELFNOTE_FEATURES: copy_string(n->features, sizeof(n->features), desc, len); break;
	case XEN_ELFNOTE_L1_MFN_VALID:
		if (len >= 16) {
			n->l1_mfn_valid_mask = read_le(desc, 8);
			n->l1_mfn_valid_value = read_le(desc + 8, 8);
		}
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		if (len >= 4)
			n->supported_features = (uint32_t)read_le(desc, 4);
		break;
	default:
		break; /* notes we do not know are ignored, as Xen does */
	}
	return 0;
}

/* Parse the notes in p[0, len); *found counts the Xen ones. */
static int parse_notes(const uint8_t *p, size_t len, struct xg_elf_notes *n, unsigned int *found, char *err,
		       size_t errlen)
{
	size_t off = 0;
	while (len - off >= 12) {
		uint32_t namesz = (uint32_t)read_le(p + off, 4);
		uint32_t descsz = (uint32_t)read_le(p + off + 4, 4);
		uint32_t type = (uint32_t)read_le(p + off + 8, 4);
		size_t name_at = off + 12;
		size_t name_pad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t desc_pad = ((size_t)descsz + 3) & ~(size_t)3;
		if (name_pad > len - name_at || desc_pad > len - name_at - name_pad)
			return fail(err, errlen, -EINVAL, "malformed ELF note: %s", "runs past its segment");
		const uint8_t *name = p + name_at, *desc = name + name_pad;
		if (namesz == 4 && !memcmp(name, "Xen", 4)) {
			int rc = note(n, type, desc, descsz, err, errlen);
			if (rc)
				return rc;
			(*found)++;
		}
		off = name_at + name_pad + desc_pad;
	}
	return 0;
}

/* Names of XENFEAT_* bits as FEATURES notes spell them. */
static const char *const feature_names[] = {
	"writable_page_tables", "writable_descriptor_tables", "auto_translated_physmap",
	"supervisor_mode_kernel", "pae_pgdir_above_4gb", NULL, NULL, NULL,
	"hvm_callback_vector", NULL, NULL, "dom0",
};

/* Whether a FEATURES string names a feature, as required ('!') or at all. */
static bool feature_listed(const char *features, const char *name, bool required_only)
{
	size_t len = strlen(name);
	for (const char *f = features; *f;) {
		size_t n = strcspn(f, "|");
		bool req = f[0] == '!';
		const char *word = f + req;
		size_t wlen = n - req;
		if ((req || !required_only) && wlen == len && !memcmp(word, name, len))
			return true;
		f += n + (f[n] == '|');
	}
	return false;
}

/* Features XG offers a guest: each comes with the code that implements
 * it.  Writable page tables (the writable_pagetables assist, set by the
 * builder for a kernel that requires them) exist for 64-bit guests; a
 * page directory above 4 GiB for 32-bit PAE guests that declared
 * extended-CR3 support (the pae_extended_cr3 assist). */
static const char *feature_refusal(const struct xg_kernel *k, const char *name)
{
	if (!strcmp(name, "writable_page_tables"))
		return k->is_64bit ? NULL : "which XG does not offer 32-bit guests yet";
	if (!strcmp(name, "pae_pgdir_above_4gb")) {
		if (k->is_64bit)
			return "which is for 32-bit PAE guests";
		return k->extended_cr3 ? NULL : "but it does not declare extended-CR3 support";
	}
	return "which XG does not offer yet";
}

static int check_features(const struct xg_kernel *k, char *err, size_t errlen)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", k->notes.features);
	for (char *save = NULL, *f = strtok_r(buf, "|", &save); f; f = strtok_r(NULL, "|", &save)) {
		if (f[0] != '!')
			continue;
		const char *name = f + 1;
		bool known = false;
		for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
			if (feature_names[i] && !strcmp(feature_names[i], name))
				known = true;
		if (!known)
			return fail(err, errlen, -EINVAL, "the kernel requires an unknown Xen feature '%s'", name);
		const char *why = feature_refusal(k, name);
		if (why) {
			snprintf(err, errlen, "the kernel requires the Xen feature '%s', %s", name, why);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

unsigned long xg_kernel_vm_assist(const struct xg_kernel *k)
{
	unsigned long assist = 0;
	if (!k->is_64bit && k->extended_cr3)
		assist |= 1ul << VMASST_TYPE_pae_extended_cr3;
	if (feature_listed(k->notes.features, "writable_page_tables", true))
		assist |= 1ul << VMASST_TYPE_writable_pagetables;
	return assist;
}

/* ---- the legacy __xen_guest section ---------------------------------------- */

/* Xen's libelf reads names into 32 bytes and values into 128. */
#define XEN_GUEST_NAME_MAX 31
#define XEN_GUEST_VALUE_MAX 127

static int guest_number(const char *key, const char *v, uint64_t *out, char *err, size_t errlen)
{
	if (!v[0]) {
		snprintf(err, errlen, "malformed __xen_guest: %s has no value", key);
		return -EINVAL;
	}
	char *end;
	errno = 0;
	unsigned long long x = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 0) : 0;
	if (v[0] < '0' || v[0] > '9' || *end) {
		snprintf(err, errlen, "malformed __xen_guest: %s=%.40s is not a number (decimal, 0x hex or 0 octal)",
			 key, v);
		return -EINVAL;
	}
	if (errno == ERANGE) {
		snprintf(err, errlen, "malformed __xen_guest: %s=%.40s does not fit in 64 bits", key, v);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static int guest_string(const char *key, const char *v, char *dst, size_t size, char *err, size_t errlen)
{
	if (!v[0]) {
		snprintf(err, errlen, "malformed __xen_guest: %s has no value", key);
		return -EINVAL;
	}
	if (strlen(v) >= size) {
		snprintf(err, errlen, "malformed __xen_guest: %s=%.40s is longer than %zu characters", key, v,
			 size - 1);
		return -EINVAL;
	}
	snprintf(dst, size, "%s", v);
	return 0;
}

/* One KEY=VALUE item (value NULL when there is no '='). */
static int guest_item(struct xg_elf_notes *n, const char *key, const char *value, char *err, size_t errlen)
{
	const char *v = value ? value : "";
	if (!strcmp(key, "BSD_SYMTAB")) { /* any value, or none, as in Xen */
		n->bsd_symtab = true;
		return 0;
	}
	if (!strcmp(key, "GUEST_OS"))
		return guest_string(key, v, n->guest_os, sizeof(n->guest_os), err, errlen);
	if (!strcmp(key, "GUEST_VER"))
		return guest_string(key, v, n->guest_version, sizeof(n->guest_version), err, errlen);
	if (!strcmp(key, "XEN_VER"))
		return guest_string(key, v, n->xen_version, sizeof(n->xen_version), err, errlen);
	if (!strcmp(key, "LOADER"))
		return guest_string(key, v, n->loader, sizeof(n->loader), err, errlen);
	if (!strcmp(key, "FEATURES")) /* may be empty: no features */
		return v[0] ? guest_string(key, v, n->features, sizeof(n->features), err, errlen) : 0;
	if (!strcmp(key, "PAE")) {
		int rc = guest_string(key, v, n->pae_mode, sizeof(n->pae_mode), err, errlen);
		if (rc)
			return rc;
		/* As Xen: "yes[extended-cr3]" exactly, else any "yes..." is plain PAE. */
		n->pae = !strcmp(v, "yes[extended-cr3]") ? XG_PAE_EXTCR3 : !strncmp(v, "yes", 3) ? XG_PAE_YES : XG_PAE_NO;
		return 0;
	}
	if (!strcmp(key, "VIRT_BASE"))
		return guest_number(key, v, &n->virt_base, err, errlen);
	if (!strcmp(key, "VIRT_ENTRY"))
		return guest_number(key, v, &n->entry, err, errlen);
	if (!strcmp(key, "ELF_PADDR_OFFSET"))
		return guest_number(key, v, &n->paddr_offset, err, errlen);
	if (!strcmp(key, "HYPERCALL_PAGE")) {
		uint64_t page;
		int rc = guest_number(key, v, &page, err, errlen);
		if (rc)
			return rc;
		if (page >= (1ull << 52)) {
			snprintf(err, errlen, "malformed __xen_guest: HYPERCALL_PAGE=%.40s is not a page number", v);
			return -EINVAL;
		}
		n->hypercall_page = page << 12; /* relative to VIRT_BASE until the end */
		return 0;
	}
	return 0; /* keys Xen does not know are ignored, as Xen does */
}

int xg_parse_xen_guest(const char *s, size_t len, struct xg_elf_notes *n, char *err, size_t errlen)
{
	size_t end = strnlen(s, len);
	snprintf(n->xen_guest, sizeof(n->xen_guest), "%.*s", (int)(end < 255 ? end : 255), s);
	n->present = true;
	n->source = XG_NOTES_XEN_GUEST;
	for (size_t pos = 0; pos < end;) {
		size_t item = pos, ilen = 0;
		while (pos < end && s[pos] != ',')
			pos++, ilen++;
		pos++; /* past the comma */
		if (!ilen)
			continue; /* an empty item (",,", a trailing comma): nothing, as in Xen */
		const char *eq = memchr(s + item, '=', ilen);
		size_t klen = eq ? (size_t)(eq - (s + item)) : ilen;
		size_t vlen = eq ? ilen - klen - 1 : 0;
		if (!klen) {
			snprintf(err, errlen, "malformed __xen_guest: an item has no name ('%.*s')",
				 (int)(ilen < 40 ? ilen : 40), s + item);
			return -EINVAL;
		}
		if (klen > XEN_GUEST_NAME_MAX) {
			snprintf(err, errlen, "malformed __xen_guest: the name '%.40s...' is longer than %d characters",
				 s + item, XEN_GUEST_NAME_MAX);
			return -EINVAL;
		}
		if (vlen > XEN_GUEST_VALUE_MAX) {
			snprintf(err, errlen, "malformed __xen_guest: the value of %.*s is longer than %d characters",
				 (int)klen, s + item, XEN_GUEST_VALUE_MAX);
			return -EINVAL;
		}
		char key[XEN_GUEST_NAME_MAX + 1], value[XEN_GUEST_VALUE_MAX + 1];
		memcpy(key, s + item, klen);
		key[klen] = '\0';
		if (eq) {
			memcpy(value, eq + 1, vlen);
			value[vlen] = '\0';
		}
		int rc = guest_item(n, key, eq ? value : NULL, err, errlen);
		if (rc)
			return rc;
	}
	if (n->hypercall_page != XG_UNSET_ADDR && n->virt_base != XG_UNSET_ADDR)
		n->hypercall_page += n->virt_base;
	return 0;
}

/* The ELF header and program-header fields the loader uses, read from
 * either class. */
struct elf_header {
	bool is_64bit;
	uint64_t entry, phoff;
	unsigned int machine, type, phentsize, phnum;
	uint64_t shoff;
	unsigned int shentsize, shnum, shstrndx;
};

struct elf_shdr {
	uint32_t name, type;
	uint64_t offset, size;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, filesz, memsz, paddr;
};

static int read_header(const uint8_t *image, size_t size, struct elf_header *h, char *err, size_t errlen)
{
	if (size < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG))
		return fail(err, errlen, -ENOEXEC, "%s", "not an ELF file (bad magic)");
	if ((image[EI_CLASS] != ELFCLASS64 && image[EI_CLASS] != ELFCLASS32) || image[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC, "%s", "not a little-endian ELF32 or ELF64 file");
	h->is_64bit = image[EI_CLASS] == ELFCLASS64;
	if (h->is_64bit) {
		Elf64_Ehdr eh;
		if (size < sizeof(eh))
			return fail(err, errlen, -ENOEXEC, "%s", "truncated ELF64 header");
		memcpy(&eh, image, sizeof(eh));
		*h = (struct elf_header){ true,		eh.e_entry,	eh.e_phoff,    eh.e_machine,
					  eh.e_type,	eh.e_phentsize, eh.e_phnum,    eh.e_shoff,
					  eh.e_shentsize, eh.e_shnum,	eh.e_shstrndx };
		if (h->machine != EM_X86_64)
			return fail(err, errlen, -ENOEXEC, "%s", "an ELF64 file that is not for x86-64");
	} else {
		Elf32_Ehdr eh;
		if (size < sizeof(eh))
			return fail(err, errlen, -ENOEXEC, "%s", "truncated ELF32 header");
		memcpy(&eh, image, sizeof(eh));
		*h = (struct elf_header){ false,	  eh.e_entry,	  eh.e_phoff,	 eh.e_machine,
					  eh.e_type,	  eh.e_phentsize, eh.e_phnum,	 eh.e_shoff,
					  eh.e_shentsize, eh.e_shnum,	  eh.e_shstrndx };
		if (h->machine != EM_386)
			return fail(err, errlen, -ENOEXEC, "%s",
				    "an ELF32 file that is not for i386 (32-bit PV kernels are EM_386)");
	}
	if (h->type != ET_EXEC)
		return fail(err, errlen, -ENOEXEC, "%s", "not an executable ELF file");
	size_t phsize = h->is_64bit ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (h->phentsize != phsize || h->phnum == 0 || h->phoff > size ||
	    (uint64_t)h->phnum * phsize > size - h->phoff)
		return fail(err, errlen, -ENOEXEC, "%s", "truncated or malformed program headers");
	return 0;
}

static struct elf_phdr read_phdr(const uint8_t *image, const struct elf_header *h, unsigned int i)
{
	if (h->is_64bit) {
		Elf64_Phdr ph;
		memcpy(&ph, image + h->phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		return (struct elf_phdr){ ph.p_type, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_paddr };
	}
	Elf32_Phdr ph;
	memcpy(&ph, image + h->phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
	return (struct elf_phdr){ ph.p_type, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_paddr };
}

/* Whether the section headers can be read; a missing or damaged table is
 * treated as no sections (only kernels without Xen notes in a PT_NOTE
 * segment need them). */
static bool have_sections(const struct xg_kernel *k, const struct elf_header *h)
{
	size_t shsize = h->is_64bit ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	return h->shoff && h->shnum && h->shentsize == shsize && h->shoff <= k->size &&
	       (uint64_t)h->shnum * shsize <= k->size - h->shoff;
}

static struct elf_shdr read_shdr(const uint8_t *image, const struct elf_header *h, unsigned int i)
{
	if (h->is_64bit) {
		Elf64_Shdr sh;
		memcpy(&sh, image + h->shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		return (struct elf_shdr){ sh.sh_name, sh.sh_type, sh.sh_offset, sh.sh_size };
	}
	Elf32_Shdr sh;
	memcpy(&sh, image + h->shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
	return (struct elf_shdr){ sh.sh_name, sh.sh_type, sh.sh_offset, sh.sh_size };
}

static bool section_in_file(const struct xg_kernel *k, const struct elf_shdr *sh)
{
	return sh->type != SHT_NOBITS && sh->offset <= k->size && sh->size <= k->size - sh->offset;
}

/* Xen's fallback when no PT_NOTE segment holds a Xen note: the SHT_NOTE
 * sections. */
static int read_note_sections(struct xg_kernel *k, const struct elf_header *h, unsigned int *found, char *err,
			      size_t errlen)
{
	if (!have_sections(k, h))
		return 0;
	for (unsigned int i = 1; i < h->shnum; i++) {
		struct elf_shdr sh = read_shdr(k->image, h, i);
		if (sh.type != SHT_NOTE || !section_in_file(k, &sh))
			continue;
		int rc = parse_notes(k->image + sh.offset, sh.size, &k->notes, found, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* The section named name, if the section table and its names are sound. */
static bool find_section(const struct xg_kernel *k, const struct elf_header *h, const char *name,
			 struct elf_shdr *out)
{
	if (!have_sections(k, h) || h->shstrndx == SHN_UNDEF || h->shstrndx >= h->shnum)
		return false;
	struct elf_shdr names = read_shdr(k->image, h, h->shstrndx);
	if (!section_in_file(k, &names))
		return false;
	size_t len = strlen(name) + 1;
	for (unsigned int i = 1; i < h->shnum; i++) {
		struct elf_shdr sh = read_shdr(k->image, h, i);
		if (sh.name < names.size && names.size - sh.name >= len &&
		    !memcmp(k->image + names.offset + sh.name, name, len) && section_in_file(k, &sh)) {
			*out = sh;
			return true;
		}
	}
	return false;
}

/* Where Xen looks for a kernel's Xen information, in its order: notes in
 * PT_NOTE segments, else in SHT_NOTE sections, else the legacy
 * __xen_guest section. */
static int read_xen_info(struct xg_kernel *k, const struct elf_header *h, unsigned int segment_notes,
			 char *err, size_t errlen)
{
	if (segment_notes) {
		k->notes.source = XG_NOTES_SEGMENT;
		return 0;
	}
	unsigned int found = 0;
	int rc = read_note_sections(k, h, &found, err, errlen);
	if (rc)
		return rc;
	if (found) {
		k->notes.source = XG_NOTES_SECTION;
		return 0;
	}
	struct elf_shdr sh;
	if (!find_section(k, h, "__xen_guest", &sh))
		return 0;
	rc = xg_parse_xen_guest((const char *)k->image + sh.offset, sh.size, &k->notes, err, errlen);
	if (rc)
		return rc;
	return 0;
}

/* The loadable segments and the Xen notes; pstart/pend span the segments'
 * physical addresses. */
static int read_segments(struct xg_kernel *k, const struct elf_header *h, uint64_t *pstart, uint64_t *pend,
			 unsigned int *notes_found, char *err, size_t errlen)
{
	*pstart = UINT64_MAX;
	*pend = 0;
	for (unsigned int i = 0; i < h->phnum; i++) {
		struct elf_phdr ph = read_phdr(k->image, h, i);
		if (ph.type != PT_LOAD && ph.type != PT_NOTE)
			continue;
		if (ph.offset > k->size || ph.filesz > k->size - ph.offset)
			return fail(err, errlen, -ENOEXEC, "%s", "a segment lies outside the file (truncated image?)");
		if (ph.type == PT_NOTE) {
			/* Xen skips note segments at offset 0 (some binutils
			 * wrote those). */
			if (!ph.offset)
				continue;
			int rc = parse_notes(k->image + ph.offset, ph.filesz, &k->notes, notes_found, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (ph.filesz > ph.memsz || ph.memsz > (1ull << 40) || ph.paddr + ph.memsz < ph.paddr)
			return fail(err, errlen, -ENOEXEC, "%s", "a loadable segment has impossible sizes");
		if (!ph.memsz)
			continue;
		if (k->nr_segments == XG_ELF_MAX_SEGMENTS)
			return fail(err, errlen, -ENOEXEC, "%s", "too many loadable segments");
		k->segments[k->nr_segments++] = (struct xg_elf_segment){
			.offset = ph.offset, .filesz = ph.filesz, .memsz = ph.memsz, .paddr = ph.paddr,
		};
		if (ph.paddr < *pstart)
			*pstart = ph.paddr;
		if (ph.paddr + ph.memsz > *pend)
			*pend = ph.paddr + ph.memsz;
	}
	if (!k->nr_segments)
		return fail(err, errlen, -ENOEXEC, "%s", "no loadable segments");
	return 0;
}

/* A 32-bit kernel must run with PAE paging: Xen on a 64-bit hypervisor
 * refuses non-PAE 32-bit guests.  The mode was read as Xen reads it (a
 * PAE_MODE note or __xen_guest's PAE=). */
static int check_pae(struct xg_kernel *k, char *err, size_t errlen)
{
	const struct xg_elf_notes *n = &k->notes;
	k->pae = n->pae;
	k->extended_cr3 = k->pae == XG_PAE_EXTCR3 || k->pae == XG_PAE_BIMODAL;
	if (k->pae != XG_PAE_NO)
		return 0;
	bool legacy = n->source == XG_NOTES_XEN_GUEST;
	if (!n->pae_mode[0])
		return fail(err, errlen, -ENOEXEC,
			    "the 32-bit kernel declares no PAE (%s): only PAE 32-bit kernels (pv32pae) can run on a "
			    "64-bit hypervisor",
			    legacy ? "no PAE= in its __xen_guest section" : "no PAE_MODE note");
	if (legacy)
		return fail(err, errlen, -ENOEXEC,
			    "the 32-bit kernel's __xen_guest PAE is '%s': only PAE 32-bit kernels (pv32pae: "
			    "PAE=yes or PAE=yes[extended-cr3]) can run on a 64-bit hypervisor",
			    n->pae_mode);
	return fail(err, errlen, -ENOEXEC,
		    "the 32-bit kernel's PAE_MODE is '%s': only PAE 32-bit kernels (pv32pae: a PAE_MODE note of "
		    "\"yes\" or one containing \"bimodal\", as Xen reads it) can run on a 64-bit hypervisor",
		    n->pae_mode);
}

/* The notes every PV kernel needs, and the addresses derived from them
 * the way Xen's loader derives them. */
static int derive_addresses(struct xg_kernel *k, uint64_t pstart, uint64_t pend, char *err, size_t errlen)
{
	const struct xg_elf_notes *n = &k->notes;
	if (!n->present)
		return fail(err, errlen, -ENOEXEC, "%s",
			    "not a Xen PV kernel: it has no Xen ELF notes and no __xen_guest section");
	/* Xen's checks compare prefixes: "xen-3.0", "generic", "linux". */
	if (!n->xen_version[0])
		return fail(err, errlen, -ENOEXEC, "%s",
			    "the kernel does not say which Xen it is built for (no XEN_VERSION); Xen loads only "
			    "xen-3.0 kernels");
	if (strncmp(n->xen_version, "xen-3.0", 7))
		return fail(err, errlen, -ENOEXEC, "the kernel is built for '%s'; only xen-3.0 guests exist",
			    n->xen_version);
	if (strncmp(n->loader, "generic", 7) && strncmp(n->guest_os, "linux", 5))
		return fail(err, errlen, -ENOEXEC, "%s",
			    "the kernel names neither the 'generic' loader nor GUEST_OS 'linux'");
	if (n->bsd_symtab)
		return fail(err, errlen, -EOPNOTSUPP, "%s",
			    "the kernel asks for its symbol table to be loaded (BSD_SYMTAB), which XG does not do yet");
	if (n->paddr_offset != XG_UNSET_ADDR && n->virt_base == XG_UNSET_ADDR)
		return fail(err, errlen, -EINVAL, "%s", "PADDR_OFFSET is given but VIRT_BASE is not");
	k->virt_base = n->virt_base == XG_UNSET_ADDR ? 0 : n->virt_base;
	/* Unset, it is 0 with notes; with __xen_guest it is VIRT_BASE (old
	 * kernels put virtual addresses in p_paddr). */
	uint64_t paddr_offset = n->paddr_offset != XG_UNSET_ADDR	  ? n->paddr_offset
				: n->source == XG_NOTES_XEN_GUEST ? k->virt_base
								  : 0;
	k->virt_offset = k->virt_base - paddr_offset;
	k->virt_kstart = pstart + k->virt_offset;
	k->virt_kend = pend + k->virt_offset;
	k->virt_entry = n->entry == XG_UNSET_ADDR ? k->elf_entry : n->entry;
	if (k->virt_kstart > k->virt_kend || k->virt_kstart < k->virt_base)
		return fail(err, errlen, -EINVAL, "%s", "the kernel's addresses lie below VIRT_BASE");
	if (!k->is_64bit && k->virt_kend > (1ull << 32))
		return fail(err, errlen, -EINVAL, "%s", "the 32-bit kernel's addresses do not fit below 4 GiB");
	if (k->virt_entry < k->virt_kstart || k->virt_entry >= k->virt_kend)
		return fail(err, errlen, -EINVAL, "%s", "the entry point lies outside the kernel image");
	if (n->hypercall_page != XG_UNSET_ADDR &&
	    (n->hypercall_page < k->virt_kstart || n->hypercall_page >= k->virt_kend ||
	     (n->hypercall_page & (XG_PAGE_SIZE - 1))))
		return fail(err, errlen, -EINVAL, "%s",
			    "the hypercall page is not a page-aligned address inside the kernel image");
	/* Xen's libelf refuses a P2M address inside the kernel image. */
	if (n->init_p2m != XG_UNSET_ADDR && n->init_p2m >= k->virt_kstart && n->init_p2m < k->virt_kend) {
		char addr[24];
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)n->init_p2m);
		return fail(err, errlen, -EINVAL, "the INIT_P2M address %s lies inside the kernel image", addr);
	}
	return 0;
}

int xg_kernel_parse(const uint8_t *image, size_t size, struct xg_kernel *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->image = image;
	k->size = size;
	struct xg_elf_notes *n = &k->notes;
	n->entry = n->hypercall_page = n->virt_base = n->paddr_offset = XG_UNSET_ADDR;
	n->hv_start_low = n->init_p2m = n->phys32_entry = XG_UNSET_ADDR;

	struct elf_header h;
	int rc = read_header(image, size, &h, err, errlen);
	if (rc)
		return rc;
	k->is_64bit = h.is_64bit;
	k->elf_entry = h.entry;
	uint64_t pstart, pend;
	unsigned int notes_found = 0;
	if ((rc = read_segments(k, &h, &pstart, &pend, &notes_found, err, errlen)) ||
	    (rc = read_xen_info(k, &h, notes_found, err, errlen)) ||
	    (rc = derive_addresses(k, pstart, pend, err, errlen)))
		return rc;
	return k->is_64bit ? 0 : check_pae(k, err, errlen);
}

int xg_kernel_check_features(const struct xg_kernel *k, char *err, size_t errlen)
{
	return check_features(k, err, errlen);
}

void xg_kernel_load(const struct xg_kernel *k, uint8_t *dst)
{
	for (unsigned int i = 0; i < k->nr_segments; i++) {
		const struct xg_elf_segment *s = &k->segments[i];
		uint8_t *to = dst + (s->paddr + k->virt_offset - k->virt_kstart);
		memcpy(to, k->image + s->offset, s->filesz);
		memset(to + s->filesz, 0, s->memsz - s->filesz);
	}
}
