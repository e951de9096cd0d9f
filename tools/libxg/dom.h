/*
 * The PV domain builder: kernel image parsing and the x86 PV memory layout.
 * Split from the code that talks to the hypervisor so both halves can be
 * tested on their own.
 */
#ifndef XG_DOM_H
#define XG_DOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XG_UNSET_ADDR UINT64_MAX
#define XG_PAGE_SIZE ((uint64_t)4096)

/* What a kernel's Xen ELF notes say (XEN_ELFNOTE_*). */
struct xg_elf_notes {
	bool present;            /* any Xen note (or __xen_guest) was found */
	uint64_t entry;          /* XG_UNSET_ADDR if absent */
	uint64_t hypercall_page;
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t hv_start_low;
	uint64_t init_p2m;
	uint64_t phys32_entry;
	uint64_t l1_mfn_valid_mask, l1_mfn_valid_value;
	bool suspend_cancel;
	bool mod_start_pfn;
	char guest_os[32];
	char guest_version[32];
	char xen_version[32];
	char loader[32];
	char pae_mode[32];
	char features[256];       /* XEN_ELFNOTE_FEATURES as given */
	uint32_t supported_features; /* XEN_ELFNOTE_SUPPORTED_FEATURES bitmap word 0 */
};

struct xg_elf_segment {
	uint64_t offset;  /* in the file */
	uint64_t filesz;
	uint64_t memsz;
	uint64_t paddr;
};

#define XG_ELF_MAX_SEGMENTS 16

struct xg_kernel {
	const uint8_t *image; /* the ELF file */
	size_t size;
	bool is_64bit;
	uint64_t elf_entry;
	unsigned int nr_segments;
	struct xg_elf_segment segments[XG_ELF_MAX_SEGMENTS];
	struct xg_elf_notes notes;
	/* Derived as Xen's loader derives them: */
	uint64_t virt_base;  /* where the guest's mapping starts */
	uint64_t virt_offset; /* virtual = physical + virt_offset */
	uint64_t virt_kstart, virt_kend; /* the loaded image, virtual */
	uint64_t virt_entry;
};

/* A Linux bzImage (boot protocol header present)? */
bool xg_is_bzimage(const uint8_t *image, size_t size);
/* Decompress a bzImage's payload (gzip, xz, lzma, zstd, bzip2, lz4, or
 * none) into a malloc'd buffer; format names the compression. */
int xg_bzimage_extract(const uint8_t *image, size_t size, uint8_t **elf, size_t *elf_size, char *format,
		       size_t formatlen, char *err, size_t errlen);

/* Parse an ELF kernel with Xen notes.  Returns 0 or -EINVAL/-ENOEXEC with
 * a precise reason in err. */
int xg_kernel_parse(const uint8_t *image, size_t size, struct xg_kernel *k, char *err, size_t errlen);

/* Copy the loadable segments into dst, a buffer mapping virtual addresses
 * [virt_kstart, virt_kend): file bytes, then zeros up to the memory size. */
void xg_kernel_load(const struct xg_kernel *k, uint8_t *dst);

/* Whether the hypervisor offers every feature the kernel requires ('!' in
 * its FEATURES note).  0, or -EOPNOTSUPP/-EINVAL with the reason. */
int xg_kernel_check_features(const struct xg_kernel *k, char *err, size_t errlen);

/* The 64-bit PV layout, in guest pseudo-physical frames (pfn) and virtual
 * addresses, as Xen's builder lays it out. */
struct xg_pv_layout {
	uint64_t nr_pages;
	uint64_t virt_base;
	uint64_t kernel_pfn, kernel_pages;
	uint64_t p2m_pfn, p2m_pages;
	uint64_t start_info_pfn;
	uint64_t xenstore_pfn;
	uint64_t console_pfn;
	uint64_t pgtables_pfn, pgtables_pages;
	uint64_t nr_l4, nr_l3, nr_l2, nr_l1;
	uint64_t bootstack_pfn;
	uint64_t virt_end;     /* end of the initial mapping */
	uint64_t alloc_end_pfn; /* first pfn after everything allocated */
};

/* Lay out a kernel in nr_pages of memory.  -ENOMEM (with err) if it does
 * not fit. */
int xg_pv_layout(const struct xg_kernel *k, uint64_t nr_pages, struct xg_pv_layout *l, char *err,
		 size_t errlen);

/* Write the initial page tables into the page-table frames.  frame(pfn)
 * returns the builder's mapping of that pfn; p2m[pfn] its MFN. */
typedef void *(*xg_pfn_map_fn)(void *ctx, uint64_t pfn);
void xg_pv_write_pagetables(const struct xg_pv_layout *l, const uint64_t *p2m, xg_pfn_map_fn frame,
			    void *ctx);

void xg_pv_print_layout(FILE *log, const struct xg_kernel *k, const struct xg_pv_layout *l,
			const uint64_t *p2m);

#endif
