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

/* What a 32-bit kernel declares about PAE (Xen's XEN_PAE_*), read as
 * Xen's libelf reads it: a PAE_MODE note of exactly "yes" is extended-CR3,
 * one containing "bimodal" is bimodal, any other is nothing; the legacy
 * __xen_guest string's PAE=yes[extended-cr3] is extended-CR3, any other
 * PAE=yes... is plain PAE. */
enum xg_pae_mode {
	XG_PAE_NO,      /* no declaration, or one Xen does not read as PAE: refused */
	XG_PAE_YES,     /* __xen_guest PAE=yes...: PAE, its L3 must lie below 4 GiB */
	XG_PAE_EXTCR3,  /* note "yes", or __xen_guest PAE=yes[extended-cr3] */
	XG_PAE_BIMODAL, /* note containing "bimodal" (implies extended CR3) */
};

/* Where a kernel's Xen information came from, in Xen's order of preference. */
enum xg_notes_source {
	XG_NOTES_NONE,
	XG_NOTES_SEGMENT,    /* PT_NOTE program headers */
	XG_NOTES_SECTION,    /* SHT_NOTE sections (no Xen note in a PT_NOTE) */
	XG_NOTES_XEN_GUEST,  /* the legacy __xen_guest section (no Xen note at all) */
};

/* What a kernel's Xen ELF notes (or its __xen_guest string) say. */
struct xg_elf_notes {
	bool present;            /* any Xen note (or __xen_guest) was found */
	enum xg_notes_source source;
	enum xg_pae_mode pae;    /* what PAE_MODE or PAE= declares */
	bool bsd_symtab;         /* BSD_SYMTAB: load the symbol table too (not supported) */
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
	char xen_guest[256];      /* the __xen_guest string, when that is the source */
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
	bool is_64bit;     /* ELFCLASS64/EM_X86_64 (pv64), else ELFCLASS32/EM_386 (pv32pae) */
	enum xg_pae_mode pae; /* 32-bit kernels only */
	bool extended_cr3; /* 32-bit: its L3 may lie anywhere (VMASST_TYPE_pae_extended_cr3) */
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

/* Parse a legacy __xen_guest string (len bytes, or up to a NUL) into n as
 * Xen's libelf does: comma-separated KEY=VALUE (GUEST_OS, GUEST_VER,
 * XEN_VER, LOADER, PAE, BSD_SYMTAB, VIRT_BASE, ELF_PADDR_OFFSET,
 * VIRT_ENTRY, HYPERCALL_PAGE as a page number relative to VIRT_BASE,
 * FEATURES); unknown keys are ignored.  Where Xen would silently misread
 * a value (not a number, too long, missing) this returns -EINVAL with the
 * reason in err.  n must come initialised (addresses XG_UNSET_ADDR). */
int xg_parse_xen_guest(const char *s, size_t len, struct xg_elf_notes *n, char *err, size_t errlen);

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

/* The VM assists (1 << VMASST_TYPE_*) the builder sets in vCPU 0's
 * vm_assist for this kernel: pae_extended_cr3 for a 32-bit kernel that
 * declared it, writable_pagetables for a kernel that requires
 * writable_page_tables. */
unsigned long xg_kernel_vm_assist(const struct xg_kernel *k);

/* One virtual range the initial page tables map (Xen's builder has at
 * most two: the initial mapping from VIRT_BASE, and the P2M list at the
 * INIT_P2M address).  lv[0] is the L1 level, lv[levels - 1] the top; each
 * level's tables cover [from, to] (inclusive, addresses cut to the
 * guest's virtual-address width) starting at pfn; count 0 where another
 * range's tables already cover it (the top level belongs to range 0). */
struct xg_pt_level {
	uint64_t from, to, pfn, count;
};
struct xg_pt_range {
	uint64_t from, to;  /* the mapped addresses, inclusive */
	uint64_t pfn;       /* the pfn mapped at from */
	uint64_t tables;    /* page-table frames this range adds */
	struct xg_pt_level lv[4];
};

/* The x86 PV layout (64-bit, or 32-bit PAE), in guest pseudo-physical
 * frames (pfn) and virtual addresses, as Xen's builder lays it out. */
struct xg_pv_layout {
	bool pv32;             /* 32-bit PAE: 3 levels, 4-byte P2M entries */
	unsigned int levels;   /* 4 (L4 on top) or 3 (L3 on top) */
	uint64_t pfn_size;     /* bytes per P2M entry: 8 or 4 */
	uint64_t hv_start;     /* pv32: where the hypervisor's range starts */
	uint64_t nr_pages;
	uint64_t virt_base;
	uint64_t kernel_pfn, kernel_pages;
	/* The module (ramdisk), if any: after the kernel in the initial
	 * mapping, or after the mapping when the kernel's MOD_START_PFN note
	 * asks for it unmapped.  module_pages 0: none. */
	uint64_t module_pfn, module_pages;
	bool module_unmapped;
	uint64_t p2m_pfn, p2m_pages; /* the list itself */
	/* Where the guest finds its P2M list (start_info.mfn_list): in the
	 * initial mapping, or (64-bit, kernel's INIT_P2M note below
	 * VIRT_BASE) at the note's address, mapped by tables of its own that
	 * follow the list, all after the initial mapping (p2m_separate). */
	uint64_t p2m_virt;
	bool p2m_separate;
	uint64_t p2m_tables; /* page tables of the P2M's own mapping (0 if none) */
	uint64_t start_info_pfn;
	uint64_t xenstore_pfn;
	uint64_t console_pfn;
	uint64_t pgtables_pfn, pgtables_pages; /* the top-level table first */
	uint64_t nr_l4, nr_l3, nr_l2, nr_l1;   /* nr_l4 is 0 for pv32 */
	uint64_t bootstack_pfn;
	unsigned int nr_ranges;  /* 1, or 2 with a separate P2M mapping */
	struct xg_pt_range ranges[2];
	uint64_t virt_end;     /* end of the initial mapping */
	uint64_t alloc_end_pfn; /* first pfn after everything allocated */
};

/* Xen's guest type: "xen-3.0-x86_64" or "xen-3.0-x86_32p" (start_info magic). */
const char *xg_pv_guest_type(const struct xg_pv_layout *l);

/* Whether the domain's top-level page table must be allocated below 4 GiB:
 * a 32-bit PAE kernel that did not declare extended-CR3 support. */
bool xg_pv_l3_below_4g(const struct xg_kernel *k);

/* Lay out a kernel in nr_pages of memory.  -ENOMEM (with err) if it does
 * not fit. */
int xg_pv_layout(const struct xg_kernel *k, uint64_t nr_pages, struct xg_pv_layout *l, char *err,
		 size_t errlen);
/* The same with a module of module_bytes (0: none), placed as Xen's
 * builder places it.  start_info then gives mod_start (its virtual
 * address, or its pfn with SIF_MOD_START_PFN when unmapped) and mod_len
 * (its size in whole pages: as Xen's builder for an unmapped module; Xen
 * gives a mapped one's exact size, see docs/linux-pv.md). */
int xg_pv_layout_module(const struct xg_kernel *k, uint64_t nr_pages, uint64_t module_bytes,
			struct xg_pv_layout *l, char *err, size_t errlen);

/* Write the initial page tables into the page-table frames.  frame(pfn)
 * returns the builder's mapping of that pfn; p2m[pfn] its MFN. */
typedef void *(*xg_pfn_map_fn)(void *ctx, uint64_t pfn);
void xg_pv_write_pagetables(const struct xg_pv_layout *l, const uint64_t *p2m, xg_pfn_map_fn frame,
			    void *ctx);

/* Fill the start_info page: struct start_info, or struct compat_start_info
 * for pv32 (magic, nr_pages, shared_info, xenstore and console frames,
 * pt_base, mfn_list, the P2M's frames, cmd_line). */
/* What start_info holds besides the layout. */
struct xg_pv_start_info_args {
	uint64_t shared_info_mfn;
	const char *cmdline; /* NULL: none */
	uint32_t console_evtchn;
	uint32_t store_evtchn;
};
void xg_pv_write_start_info(const struct xg_pv_layout *l, const uint64_t *p2m,
			    const struct xg_pv_start_info_args *args, void *page);

void xg_pv_print_layout(FILE *log, const struct xg_kernel *k, const struct xg_pv_layout *l,
			const uint64_t *p2m);

#endif
