/* Parsing ELF kernels and their Xen notes, as Xen's libelf does. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dom.h"
#include "public/elfnote.h"

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
	case XEN_ELFNOTE_PAE_MODE: copy_string(n->pae_mode, sizeof(n->pae_mode), desc, len); break;
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

static int parse_notes(const uint8_t *p, size_t len, struct xg_elf_notes *n, char *err, size_t errlen)
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

/* Features the hypervisor offers to 64-bit PV guests: none yet (each comes
 * with the code that implements it). */
static bool feature_supported(const char *name)
{
	(void)name;
	return false;
}

static int check_features(const char *features, char *err, size_t errlen)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", features);
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
		if (!feature_supported(name))
			return fail(err, errlen, -EOPNOTSUPP,
				    "the kernel requires the Xen feature '%s', which XG does not offer yet", name);
	}
	return 0;
}

/* The ELF header and program-header fields the loader uses, read from
 * either class. */
struct elf_header {
	bool is_64bit;
	uint64_t entry, phoff;
	unsigned int machine, type, phentsize, phnum;
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
		*h = (struct elf_header){ true, eh.e_entry, eh.e_phoff, eh.e_machine, eh.e_type, eh.e_phentsize,
					  eh.e_phnum };
		if (h->machine != EM_X86_64)
			return fail(err, errlen, -ENOEXEC, "%s", "an ELF64 file that is not for x86-64");
	} else {
		Elf32_Ehdr eh;
		if (size < sizeof(eh))
			return fail(err, errlen, -ENOEXEC, "%s", "truncated ELF32 header");
		memcpy(&eh, image, sizeof(eh));
		*h = (struct elf_header){ false, eh.e_entry, eh.e_phoff, eh.e_machine, eh.e_type, eh.e_phentsize,
					  eh.e_phnum };
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

/* The loadable segments and the Xen notes; pstart/pend span the segments'
 * physical addresses. */
static int read_segments(struct xg_kernel *k, const struct elf_header *h, uint64_t *pstart, uint64_t *pend,
			 char *err, size_t errlen)
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
			int rc = parse_notes(k->image + ph.offset, ph.filesz, &k->notes, err, errlen);
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
 * refuses non-PAE 32-bit guests.  Which PAE_MODE values mean what: */
static int check_pae(struct xg_kernel *k, char *err, size_t errlen)
{
	const char *mode = k->notes.pae_mode;
	if (!strcmp(mode, "yes"))
		k->pae = XG_PAE_YES;
	else if (!strcmp(mode, "yes[extended-cr3]") || !strcmp(mode, "extended-cr3"))
		k->pae = XG_PAE_EXTCR3;
	else if (strstr(mode, "bimodal"))
		k->pae = XG_PAE_BIMODAL;
	else
		k->pae = XG_PAE_NO;
	k->extended_cr3 = k->pae == XG_PAE_EXTCR3 || k->pae == XG_PAE_BIMODAL;
	if (k->pae != XG_PAE_NO)
		return 0;
	if (!mode[0])
		return fail(err, errlen, -ENOEXEC, "%s",
			    "the 32-bit kernel has no PAE_MODE note: only PAE 32-bit kernels (pv32pae) can run "
			    "on a 64-bit hypervisor");
	return fail(err, errlen, -ENOEXEC,
		    "the 32-bit kernel's PAE_MODE is '%s': only PAE 32-bit kernels (pv32pae: \"yes\", "
		    "\"yes[extended-cr3]\", \"extended-cr3\" or \"bimodal\") can run on a 64-bit hypervisor",
		    mode);
}

/* The notes every PV kernel needs, and the addresses derived from them
 * the way Xen's loader derives them. */
static int derive_addresses(struct xg_kernel *k, uint64_t pstart, uint64_t pend, char *err, size_t errlen)
{
	const struct xg_elf_notes *n = &k->notes;
	if (!n->present)
		return fail(err, errlen, -ENOEXEC, "%s", "not a Xen PV kernel: it has no Xen ELF notes");
	if (n->xen_version[0] && strcmp(n->xen_version, "xen-3.0"))
		return fail(err, errlen, -ENOEXEC, "the kernel is built for '%s'; only xen-3.0 guests exist",
			    n->xen_version);
	if (strcmp(n->loader, "generic") && strcmp(n->guest_os, "linux"))
		return fail(err, errlen, -ENOEXEC, "%s",
			    "the kernel names neither the 'generic' loader nor GUEST_OS 'linux'");
	if (n->paddr_offset != XG_UNSET_ADDR && n->virt_base == XG_UNSET_ADDR)
		return fail(err, errlen, -EINVAL, "%s", "PADDR_OFFSET is given but VIRT_BASE is not");
	k->virt_base = n->virt_base == XG_UNSET_ADDR ? 0 : n->virt_base;
	uint64_t paddr_offset = n->paddr_offset == XG_UNSET_ADDR ? 0 : n->paddr_offset;
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
	if ((rc = read_segments(k, &h, &pstart, &pend, err, errlen)) ||
	    (rc = derive_addresses(k, pstart, pend, err, errlen)))
		return rc;
	return k->is_64bit ? 0 : check_pae(k, err, errlen);
}

int xg_kernel_check_features(const struct xg_kernel *k, char *err, size_t errlen)
{
	return check_features(k->notes.features, err, errlen);
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
