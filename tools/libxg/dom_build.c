/*
 * Building and starting a PV domain (64-bit, or 32-bit PAE), in the order
 * Xen's toolstack does it: create the domain (paused), populate its memory, load the kernel,
 * write start_info, the P2M list and the initial page tables, write the
 * hypercall page, pin the page tables, set vCPU 0's context, unpause.
 * Any failure destroys the domain again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "dom.h"
#include "public/compat/x86_32.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "xg_private.h"

#define MAX_KERNEL_SIZE (512u << 20)
#define SUPERPAGE_ORDER 9

struct kernel_image {
	uint8_t *file;
	size_t file_size;
	uint8_t *elf; /* the file itself, or a bzImage's decompressed payload */
	size_t elf_size;
	char format[32];
};

/* Where the build's time goes (milliseconds), printed in the builder log
 * (`xg create -v`) and read by bench/build. */
struct build_times {
	double decompress, parse, populate, load, pt_write, pt_pin, total;
};

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

struct build {
	xg_handle *h;
	struct build_times times;
	uint32_t domid;
	struct xg_kernel kernel;
	struct kernel_image image;
	struct kernel_image ramdisk; /* file/file_size only; none if NULL */
	struct xg_pv_layout layout;
	uint64_t *p2m;
	uint64_t shared_info_mfn;
	uint32_t console_evtchn;
	uint32_t store_evtchn;
	uint8_t uuid[16];
};

/* Read a kernel or ramdisk (what names it in messages). */
static int read_file(const char *what, const char *path, struct kernel_image *img)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xg_error(-errno, "cannot open %s %s: %s", what, path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return xg_error(-EINVAL, "%s %s is not a regular file", what, path);
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > MAX_KERNEL_SIZE) {
		close(fd);
		return xg_error(-EINVAL, "%s %s has an implausible size (%lld bytes)", what, path,
				(long long)st.st_size);
	}
	img->file = malloc((size_t)st.st_size);
	if (!img->file) {
		close(fd);
		return xg_error(-ENOMEM, "out of memory reading %s", path);
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, img->file + got, (size_t)st.st_size - got);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return xg_error(-e, "cannot read %s %s: %s", what, path, strerror(e));
		}
		got += (size_t)n;
	}
	close(fd);
	img->file_size = got;
	return 0;
}

/* Read a kernel file, unpack a bzImage, parse the ELF and its notes. */
static int open_kernel(const char *path, struct kernel_image *img, struct xg_kernel *k, struct build_times *t)
{
	char err[256];
	double t0 = now_ms();
	memset(img, 0, sizeof(*img));
	int rc = read_file("kernel", path, img);
	if (rc)
		return rc;
	img->elf = img->file;
	img->elf_size = img->file_size;
	snprintf(img->format, sizeof(img->format), "ELF");
	if (xg_is_bzimage(img->file, img->file_size)) {
		char compression[16];
		rc = xg_bzimage_extract(img->file, img->file_size, &img->elf, &img->elf_size, compression,
					sizeof(compression), err, sizeof(err));
		if (rc)
			return xg_error(rc, "kernel %s: %s", path, err);
		snprintf(img->format, sizeof(img->format), "bzImage/%s", compression);
	}
	double t1 = now_ms();
	rc = xg_kernel_parse(img->elf, img->elf_size, k, err, sizeof(err));
	if (t) {
		t->decompress = t1 - t0; /* reading the file, and unpacking a bzImage */
		t->parse = now_ms() - t1;
	}
	if (rc)
		return xg_error(rc, "kernel %s: %s", path, err);
	return 0;
}

static void close_kernel(struct kernel_image *img)
{
	if (img->elf != img->file)
		free(img->elf);
	free(img->file);
	memset(img, 0, sizeof(*img));
}

static int describe(const char *path, const char *ramdisk, uint64_t memory_mib, FILE *out)
{
	struct kernel_image img, rd;
	struct xg_kernel k;
	struct xg_pv_layout l;
	char err[256];
	memset(&rd, 0, sizeof(rd));
	int rc = open_kernel(path, &img, &k, NULL);
	if (!rc && ramdisk)
		rc = read_file("ramdisk", ramdisk, &rd);
	if (!rc) {
		fprintf(out, "xg builder: %s: %s kernel, %zu bytes of ELF%s\n", path, img.format, img.elf_size,
			k.is_64bit ? "64" : "32");
		if (ramdisk)
			fprintf(out, "xg builder: ramdisk %s: %zu bytes\n", ramdisk, rd.file_size);
		rc = xg_pv_layout_module(&k, memory_mib * 256, rd.file_size, &l, err, sizeof(err));
		if (rc)
			rc = xg_error(rc, "kernel %s: %s", path, err);
	}
	if (!rc) {
		xg_pv_print_layout(out, &k, &l, NULL);
		rc = xg_kernel_check_features(&k, err, sizeof(err));
		if (rc)
			rc = xg_error(rc, "kernel %s: %s", path, err);
	}
	free(rd.file);
	close_kernel(&img);
	return rc;
}

XG_EXPORT int xg_kernel_describe(const char *path, uint64_t memory_mib, FILE *out)
{
	return describe(path, NULL, memory_mib, out);
}

XG_EXPORT int xg_config_describe(const struct xg_config *cfg, FILE *out)
{
	if (!cfg->kernel)
		return xg_error(-EINVAL, "no kernel given");
	return describe(cfg->kernel, cfg->ramdisk, cfg->memory_mib, out);
}

/* Populate nr_extents extents of 2^order frames for pfns from first_pfn on,
 * below 2^address_bits bytes if address_bits is not 0. */
static long populate(struct build *b, uint64_t first_pfn, uint64_t nr_extents, unsigned int order,
		     unsigned int address_bits)
{
	uint64_t *mfns = malloc((nr_extents ? nr_extents : 1) * sizeof(uint64_t));
	if (!mfns)
		return xg_error(-ENOMEM, "out of memory");
	long rc = xg_domain_populate_at(b->h, b->domid, first_pfn, nr_extents, order, address_bits, mfns);
	for (long i = 0; i < rc; i++)
		for (uint64_t j = 0; j < (1ull << order); j++)
			b->p2m[first_pfn + ((uint64_t)i << order) + j] = mfns[i] + j;
	free(mfns);
	return rc;
}

/* Give pfns [first, end) their memory: 2 MiB extents where the heap has
 * them, single frames for the rest. */
static int populate_range(struct build *b, uint64_t first, uint64_t end)
{
	uint64_t super = 1ull << SUPERPAGE_ORDER;
	long got = end - first >= super ? populate(b, first, (end - first) / super, SUPERPAGE_ORDER, 0) : 0;
	uint64_t pfn = first + (got > 0 ? (uint64_t)got * super : 0);
	got = pfn < end ? populate(b, pfn, end - pfn, 0, 0) : 0;
	if (got < 0)
		return (int)got;
	pfn += (uint64_t)got;
	if (pfn < end)
		return xg_error(-ENOMEM, "out of memory: the hypervisor could give only %llu of %llu pages",
				(unsigned long long)(pfn - first), (unsigned long long)(end - first));
	return 0;
}

/* A 32-bit PAE guest without extended-CR3 support needs its L3 below
 * 4 GiB: ask for that frame with an address limit before anything else. */
static int populate_low_l3(struct build *b, uint64_t pfn)
{
	long got = populate(b, pfn, 1, 0, 32);
	if (got != 1) {
		char why[256];
		snprintf(why, sizeof(why), "%s", got < 0 ? xg_last_error() : "no frame below 4 GiB is free");
		return xg_error(got < 0 ? (int)got : -ENOMEM,
				"cannot place the 32-bit guest's L3 page table below 4 GiB: %s", why);
	}
	if (b->p2m[pfn] >= (1ull << 20))
		return xg_error(-EPROTO, "the hypervisor placed the 32-bit guest's L3 at mfn %#llx, above 4 GiB",
				(unsigned long long)b->p2m[pfn]);
	return 0;
}

/* Give the domain its memory. */
static int populate_all(struct build *b)
{
	uint64_t nr = b->layout.nr_pages;
	if (!xg_pv_l3_below_4g(&b->kernel))
		return populate_range(b, 0, nr);
	uint64_t l3 = b->layout.pgtables_pfn;
	int rc = populate_low_l3(b, l3);
	if (!rc)
		rc = populate_range(b, 0, l3);
	if (!rc)
		rc = populate_range(b, l3 + 1, nr);
	return rc;
}

static void *pfn_frame(void *ctx, uint64_t pfn)
{
	struct build *b = ctx;
	return xg_frame(b->h, b->p2m[pfn]);
}

static void copy_to_pfns(struct build *b, uint64_t pfn, const uint8_t *src, size_t len)
{
	for (size_t off = 0; off < len; off += XG_PAGE_SIZE, pfn++) {
		size_t n = len - off < XG_PAGE_SIZE ? len - off : XG_PAGE_SIZE;
		memcpy(pfn_frame(b, pfn), src + off, n);
	}
}

static int load_kernel(struct build *b)
{
	const struct xg_pv_layout *l = &b->layout;
	size_t size = l->kernel_pages * XG_PAGE_SIZE;
	uint8_t *buf = calloc(1, size);
	if (!buf)
		return xg_error(-ENOMEM, "out of memory loading the kernel");
	xg_kernel_load(&b->kernel, buf);
	copy_to_pfns(b, l->kernel_pfn, buf, size);
	free(buf);
	return 0;
}

/* The guest's P2M list: 8-byte entries, or 4-byte ones for pv32. */
static int write_p2m(struct build *b)
{
	const struct xg_pv_layout *l = &b->layout;
	if (!l->pv32) {
		copy_to_pfns(b, l->p2m_pfn, (const uint8_t *)b->p2m, l->nr_pages * sizeof(uint64_t));
		return 0;
	}
	uint32_t *p2m32 = malloc(l->nr_pages * sizeof(uint32_t));
	if (!p2m32)
		return xg_error(-ENOMEM, "out of memory for the P2M list");
	for (uint64_t pfn = 0; pfn < l->nr_pages; pfn++)
		p2m32[pfn] = (uint32_t)b->p2m[pfn]; /* frames are below 2^32 (checked in build) */
	copy_to_pfns(b, l->p2m_pfn, (const uint8_t *)p2m32, l->nr_pages * sizeof(uint32_t));
	free(p2m32);
	return 0;
}

static uint64_t pfn_va(const struct xg_pv_layout *l, uint64_t pfn)
{
	return l->virt_base + pfn * XG_PAGE_SIZE;
}

/* Events stay masked on every vCPU until the guest enables them. */
static void mask_events(struct build *b)
{
	void *page = xg_frame(b->h, b->shared_info_mfn);
	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) {
		if (b->layout.pv32)
			((struct compat_shared_info *)page)->vcpu_info[i].evtchn_upcall_mask = 1;
		else
			((struct shared_info *)page)->vcpu_info[i].evtchn_upcall_mask = 1;
	}
}

/* The module's pages: the file, then zeros to the page boundary. */
static void load_module(struct build *b)
{
	const struct xg_pv_layout *l = &b->layout;
	for (uint64_t i = 0; i < l->module_pages; i++)
		memset(pfn_frame(b, l->module_pfn + i), 0, XG_PAGE_SIZE);
	copy_to_pfns(b, l->module_pfn, b->ramdisk.file, b->ramdisk.file_size);
}

static int load_image(struct build *b, const struct xg_config *cfg)
{
	double t0 = now_ms();
	int rc = load_kernel(b);
	if (!rc && b->layout.module_pages)
		load_module(b);
	if (!rc)
		rc = write_p2m(b);
	if (rc)
		return rc;
	b->times.load = now_ms() - t0; /* kernel, module, P2M list */
	struct xg_pv_start_info_args si = {
		.shared_info_mfn = b->shared_info_mfn,
		.cmdline = cfg->cmdline,
		.console_evtchn = b->console_evtchn,
		.store_evtchn = b->store_evtchn,
	};
	xg_pv_write_start_info(&b->layout, b->p2m, &si, pfn_frame(b, b->layout.start_info_pfn));
	mask_events(b);
	double t1 = now_ms();
	xg_pv_write_pagetables(&b->layout, b->p2m, pfn_frame, b);
	b->times.pt_write = now_ms() - t1;
	return 0;
}

static int domctl(struct build *b, struct xg_domctl *op, const char *what)
{
	op->domain = (uint16_t)b->domid;
	long rc = xg_do_domctl(b->h, op);
	if (rc < 0)
		return xg_error((int)rc, "cannot %s: %s", what, strerror((int)-rc));
	return 0;
}

static int pin_tables(struct build *b)
{
	struct xg_call c = { 0 };
	/* The hypervisor validates the whole tree down from the top level. */
	struct mmuext_op op = { .cmd = b->layout.pv32 ? MMUEXT_PIN_L3_TABLE : MMUEXT_PIN_L4_TABLE };
	op.arg1.mfn = b->p2m[b->layout.pgtables_pfn];
	uint64_t at = xg_call_put(&c, &op, sizeof(op));
	if (!at)
		return xg_error(-ENOMEM, "out of memory");
	uint64_t args[5] = { at, 1, 0, b->domid };
	long rc = xg_hypercall(b->h, __HYPERVISOR_mmuext_op, args, &c);
	xg_call_free(&c);
	if (rc < 0)
		return xg_error((int)rc, "the hypervisor refused the initial page tables: %s (see xg dmesg)",
				strerror((int)-rc));
	return 0;
}

static int start_vcpu0_64(struct build *b)
{
	const struct xg_pv_layout *l = &b->layout;
	struct vcpu_guest_context ctxt;
	memset(&ctxt, 0, sizeof(ctxt));
	ctxt.flags = VGCF_in_kernel | VGCF_online;
	ctxt.user_regs.rip = b->kernel.virt_entry;
	ctxt.user_regs.rsp = pfn_va(l, l->bootstack_pfn + 1);
	ctxt.user_regs.rsi = pfn_va(l, l->start_info_pfn);
	ctxt.user_regs.rflags = 1u << 9;
	ctxt.user_regs.cs = FLAT_KERNEL_CS;
	ctxt.user_regs.ss = FLAT_KERNEL_SS;
	ctxt.user_regs.ds = ctxt.user_regs.es = ctxt.user_regs.fs = ctxt.user_regs.gs = FLAT_KERNEL_DS;
	ctxt.kernel_ss = FLAT_KERNEL_SS;
	ctxt.kernel_sp = ctxt.user_regs.rsp;
	ctxt.ctrlreg[3] = xen_pfn_to_cr3(b->p2m[l->pgtables_pfn]);
	/* writable_pagetables for a kernel that requires writable page
	 * tables: in force from its first instruction. */
	ctxt.vm_assist = xg_kernel_vm_assist(&b->kernel);

	return xg_vcpu_setcontext(b->h, b->domid, 0, &ctxt, sizeof(ctxt));
}

/* vCPU 0 of a 32-bit PAE guest, as Xen's builder starts it: ring-1 flat
 * segments, CR3 naming the L3, and the extended-CR3 assist for kernels
 * that declared support for it. */
static int start_vcpu0_32(struct build *b)
{
	const struct xg_pv_layout *l = &b->layout;
	struct compat_vcpu_guest_context ctxt;
	memset(&ctxt, 0, sizeof(ctxt));
	ctxt.flags = VGCF_in_kernel | VGCF_online;
	ctxt.user_regs.eip = (uint32_t)b->kernel.virt_entry;
	ctxt.user_regs.esp = (uint32_t)pfn_va(l, l->bootstack_pfn + 1);
	ctxt.user_regs.esi = (uint32_t)pfn_va(l, l->start_info_pfn);
	ctxt.user_regs.eflags = 1u << 9;
	ctxt.user_regs.cs = COMPAT_FLAT_KERNEL_CS;
	ctxt.user_regs.ss = COMPAT_FLAT_KERNEL_SS;
	ctxt.user_regs.ds = ctxt.user_regs.es = ctxt.user_regs.fs = ctxt.user_regs.gs = COMPAT_FLAT_KERNEL_DS;
	ctxt.kernel_ss = COMPAT_FLAT_KERNEL_SS;
	ctxt.kernel_sp = ctxt.user_regs.esp;
	ctxt.ctrlreg[3] = compat_xen_pfn_to_cr3(b->p2m[l->pgtables_pfn]);
	/* pae_extended_cr3 for a kernel that declared it (as Xen's builder). */
	ctxt.vm_assist = (uint32_t)xg_kernel_vm_assist(&b->kernel);

	return xg_vcpu_setcontext(b->h, b->domid, 0, &ctxt, sizeof(ctxt));
}

static int start_vcpu0(struct build *b)
{
	return b->layout.pv32 ? start_vcpu0_32(b) : start_vcpu0_64(b);
}

/* Keep the effective configuration with the domain (xg list -l). */
static int record_config(struct build *b, const struct xg_config *cfg, const uint8_t uuid[16])
{
	struct xg_config eff = *cfg;
	memcpy(eff.uuid, uuid, 16);
	char *abs = realpath(cfg->kernel, NULL);
	if (abs)
		eff.kernel = abs;
	char *abs_rd = cfg->ramdisk ? realpath(cfg->ramdisk, NULL) : NULL;
	if (abs_rd)
		eff.ramdisk = abs_rd;
	char *json = xg_config_to_json(&eff);
	free(abs);
	free(abs_rd);
	if (!json)
		return xg_error(-ENOMEM, "out of memory");
	struct xg_call c = { 0 };
	uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_domctl));
	uint64_t buf = xg_call_put(&c, json, strlen(json));
	long rc = -ENOMEM;
	if (at && buf) {
		struct xg_domctl *op = xg_call_at(&c, at);
		op->cmd = XG_DOMCTL_set_toolstack_data;
		op->interface_version = XG_DOMCTL_INTERFACE_VERSION;
		op->domain = (uint16_t)b->domid;
		op->u.toolstack_data.buffer = buf;
		op->u.toolstack_data.size = (uint32_t)strlen(json);
		uint64_t args[5] = { at };
		rc = xg_hypercall(b->h, __HYPERVISOR_domctl, args, &c);
	}
	xg_call_free(&c);
	free(json);
	if (rc < 0)
		return xg_error((int)rc, "cannot record the domain's configuration: %s", strerror((int)-rc));
	return 0;
}

/* The domain's nodes in the xenstore, as xl's libxl__domain_make and
 * libxl__build_post write them (docs/xenstore.md): its home
 * /local/domain/<id>, owned by the domain; below it what the toolstack
 * says (owned by domain 0, readable by the domain), and what the guest
 * answers in (control/shutdown, control/feature-*, data: its own). */
static int write_store(struct build *b, const struct xg_config *cfg)
{
	xg_handle *h = b->h;
	char home[64], vm[64], path[160], val[64], uuid[37];
	snprintf(home, sizeof(home), "/local/domain/%u", b->domid);
	uuid_unparse_lower(b->uuid, uuid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	const struct xg_xs_perm own[] = { { b->domid, XG_XS_PERM_NONE } };
	const struct xg_xs_perm ro[] = { { 0, XG_XS_PERM_NONE }, { b->domid, XG_XS_PERM_READ } };
	uint64_t static_max = (cfg->maxmem_mib > cfg->memory_mib ? cfg->maxmem_mib : cfg->memory_mib) * 1024;
	struct {
		const char *rel; /* below home, or absolute */
		const char *fmt;
		uint64_t n;
		const char *s;
		const struct xg_xs_perm *perms;
		unsigned int nperms;
	} nodes[] = {
		{ "", NULL, 0, NULL, own, 1 },
		{ "vm", "%s", 0, vm, ro, 2 },
		{ "name", "%s", 0, cfg->name, ro, 2 },
		{ "domid", "%llu", b->domid, NULL, ro, 2 },
		{ "memory", NULL, 0, NULL, ro, 2 },
		{ "memory/static-max", "%llu", static_max, NULL, ro, 2 },
		{ "memory/target", "%llu", (uint64_t)cfg->memory_mib * 1024, NULL, ro, 2 },
		{ "cpu", NULL, 0, NULL, ro, 2 },
		{ "device", NULL, 0, NULL, ro, 2 },
		{ "control", NULL, 0, NULL, ro, 2 },
		{ "control/shutdown", NULL, 0, NULL, own, 1 },
		{ "control/feature-poweroff", NULL, 0, NULL, own, 1 },
		{ "control/feature-reboot", NULL, 0, NULL, own, 1 },
		{ "control/feature-suspend", NULL, 0, NULL, own, 1 },
		{ "control/sysrq", NULL, 0, NULL, own, 1 },
		{ "data", NULL, 0, NULL, own, 1 },
		{ "console", NULL, 0, NULL, ro, 2 },
		{ "console/ring-ref", "%llu", b->p2m[b->layout.console_pfn], NULL, ro, 2 },
		{ "console/port", "%llu", b->console_evtchn, NULL, ro, 2 },
		{ "console/type", "%s", 0, "xenconsoled", ro, 2 },
		{ "store", NULL, 0, NULL, ro, 2 },
		{ "store/ring-ref", "%llu", b->p2m[b->layout.xenstore_pfn], NULL, ro, 2 },
		{ "store/port", "%llu", b->store_evtchn, NULL, ro, 2 },
		{ vm, NULL, 0, NULL, ro, 2 },
		{ "/vm/x/uuid", "%s", 0, uuid, ro, 2 },
		{ "/vm/x/name", "%s", 0, cfg->name, ro, 2 },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]) && !rc; i++) {
		if (!strncmp(nodes[i].rel, "/vm/x/", 6))
			snprintf(path, sizeof(path), "%s/%s", vm, nodes[i].rel + 6);
		else if (nodes[i].rel[0] == '/')
			snprintf(path, sizeof(path), "%s", nodes[i].rel);
		else
			snprintf(path, sizeof(path), "%s%s%s", home, nodes[i].rel[0] ? "/" : "", nodes[i].rel);
		if (!nodes[i].fmt)
			rc = xg_xs_mkdir(h, 0, path);
		else {
			if (nodes[i].s)
				snprintf(val, sizeof(val), nodes[i].fmt, nodes[i].s);
			else
				snprintf(val, sizeof(val), nodes[i].fmt, (unsigned long long)nodes[i].n);
			rc = xg_xs_write(h, 0, path, val, strlen(val));
		}
		if (!rc)
			rc = xg_xs_set_perms(h, 0, path, nodes[i].perms, nodes[i].nperms);
	}
	uint32_t max_vcpus = cfg->maxvcpus > cfg->vcpus ? cfg->maxvcpus : cfg->vcpus;
	for (uint32_t v = 0; v < max_vcpus && !rc; v++) {
		snprintf(path, sizeof(path), "%s/cpu/%u/availability", home, v);
		const char *avail = v < cfg->vcpus ? "online" : "offline";
		rc = xg_xs_write(h, 0, path, avail, strlen(avail));
		if (!rc)
			rc = xg_xs_set_perms(h, 0, path, ro, 2);
		snprintf(path, sizeof(path), "%s/cpu/%u", home, v);
		if (!rc)
			rc = xg_xs_set_perms(h, 0, path, ro, 2);
	}
	if (rc) {
		char why[256];
		snprintf(why, sizeof(why), "%s", xg_last_error());
		return xg_error(rc, "cannot write the domain's xenstore nodes: %s", why);
	}
	return 0;
}

static int build(struct build *b, const struct xg_config *cfg, unsigned int flags, FILE *log)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_getdomaininfo };
	int rc = domctl(b, &op, "read the new domain's information");
	if (rc)
		return rc;
	b->shared_info_mfn = op.u.getdomaininfo.shared_info_mfn;
	b->p2m = calloc(b->layout.nr_pages, sizeof(uint64_t));
	if (!b->p2m)
		return xg_error(-ENOMEM, "out of memory for the P2M list");
	double t0 = now_ms();
	if ((rc = populate_all(b)) || (rc = xg_machine_map(b->h)))
		return rc;
	b->times.populate = now_ms() - t0;
	for (uint64_t pfn = 0; pfn < b->layout.nr_pages; pfn++)
		if ((b->p2m[pfn] + 1) * XG_PAGE_SIZE > b->h->machine_size ||
		    (b->layout.pv32 && b->p2m[pfn] > UINT32_MAX))
			return xg_error(-EPROTO, "the hypervisor returned an impossible frame %#llx",
					(unsigned long long)b->p2m[pfn]);
	if (log)
		xg_pv_print_layout(log, &b->kernel, &b->layout, b->p2m);
	/* The hypervisor serves the console ring; the port goes in start_info. */
	struct xg_domctl con = { .cmd = XG_DOMCTL_console_attach };
	con.u.console_attach.mfn = b->p2m[b->layout.console_pfn];
	if ((rc = domctl(b, &con, "set up the console ring")))
		return rc;
	b->console_evtchn = con.u.console_attach.port;
	if (log)
		fprintf(log, "xg builder: console ring: frame %#llx, event channel %u\n",
			(unsigned long long)con.u.console_attach.mfn, b->console_evtchn);
	/* And the xenstore ring, as the console's. */
	struct xg_domctl st = { .cmd = XG_DOMCTL_xenstore_attach };
	st.u.xenstore_attach.mfn = b->p2m[b->layout.xenstore_pfn];
	if ((rc = domctl(b, &st, "set up the xenstore ring")))
		return rc;
	b->store_evtchn = st.u.xenstore_attach.port;
	if (log)
		fprintf(log, "xg builder: xenstore ring: frame %#llx, event channel %u\n",
			(unsigned long long)st.u.xenstore_attach.mfn, b->store_evtchn);
	if ((rc = write_store(b, cfg)))
		return rc;
	if ((rc = load_image(b, cfg)))
		return rc;
	if (b->kernel.notes.hypercall_page != XG_UNSET_ADDR) {
		uint64_t pfn = (b->kernel.notes.hypercall_page - b->layout.virt_base) / XG_PAGE_SIZE;
		struct xg_domctl hc = { .cmd = XG_DOMCTL_hypercall_init };
		hc.u.hypercall_init.gmfn = b->p2m[pfn];
		if ((rc = domctl(b, &hc, "write the hypercall page")))
			return rc;
	}
	double t1 = now_ms();
	if ((rc = pin_tables(b)))
		return rc;
	b->times.pt_pin = now_ms() - t1;
	if ((rc = start_vcpu0(b)))
		return rc;
	if (cfg->weight != XG_SCHED_WEIGHT_DEFAULT || cfg->cap) {
		struct xg_sched_credit sc = { .weight = cfg->weight, .cap = cfg->cap };
		if ((rc = xg_sched_credit_set(b->h, b->domid, &sc)))
			return rc;
	}
	if (!(flags & XG_CREATE_PAUSED)) {
		struct xg_domctl up = { .cmd = XG_DOMCTL_unpausedomain };
		if ((rc = domctl(b, &up, "unpause the domain")))
			return rc;
	}
	return 0;
}

XG_EXPORT int xg_domain_create(xg_handle *h, const struct xg_config *cfg, unsigned int flags, FILE *log,
			       uint32_t *domid)
{
	struct build b = { .h = h };
	char err[256];
	if (!cfg->kernel)
		return xg_error(-EINVAL, "no kernel given");
	if (!cfg->memory_mib || cfg->memory_mib > (1ull << 20))
		return xg_error(-EINVAL, "memory must be between 1 MiB and 1 TiB");
	if (cfg->maxmem_mib && (cfg->maxmem_mib < cfg->memory_mib || cfg->maxmem_mib > (1ull << 20)))
		return xg_error(-EINVAL, "maxmem must be between memory and 1 TiB");
	if (!cfg->vcpus || cfg->vcpus > 128)
		return xg_error(-EINVAL, "vcpus must be between 1 and 128");
	if (cfg->maxvcpus && (cfg->maxvcpus < cfg->vcpus || cfg->maxvcpus > 128))
		return xg_error(-EINVAL, "maxvcpus must be between vcpus and 128");
	if (cfg->max_event_channels < 1 || cfg->max_event_channels > XG_EVENT_CHANNELS_MAX)
		return xg_error(-EINVAL, "max_event_channels must be between 1 and %u", XG_EVENT_CHANNELS_MAX);
	if (cfg->weight < 1 || cfg->weight > XG_SCHED_WEIGHT_MAX || (uint64_t)cfg->cap > (uint64_t)cfg->vcpus * 100)
		return xg_error(-EINVAL, "cpu_weight must be between 1 and 65535, cap at most 100 per vCPU");
	double t_start = now_ms();
	int rc = open_kernel(cfg->kernel, &b.image, &b.kernel, &b.times);
	if (!rc && cfg->ramdisk)
		rc = read_file("ramdisk", cfg->ramdisk, &b.ramdisk);
	if (rc)
		goto out;
	rc = xg_kernel_check_features(&b.kernel, err, sizeof(err));
	if (rc) {
		rc = xg_error(rc, "kernel %s: %s", cfg->kernel, err);
		goto out;
	}
	rc = xg_pv_layout_module(&b.kernel, cfg->memory_mib * 256, b.ramdisk.file_size, &b.layout, err,
				 sizeof(err));
	if (rc) {
		rc = xg_error(rc, "kernel %s: %s", cfg->kernel, err);
		goto out;
	}

	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	struct xg_domctl_createdomain *c = &op.u.createdomain;
	snprintf(c->name, sizeof(c->name), "%s", cfg->name);
	static const uint8_t zero[16];
	if (memcmp(cfg->uuid, zero, 16))
		memcpy(c->uuid, cfg->uuid, 16);
	else
		uuid_generate(c->uuid);
	c->flags = b.layout.pv32 ? XG_DOMCRF_pv32 : 0;
	/* As under Xen only vCPU 0 starts; the guest brings up the others it
	 * finds "online" in cpu/<k>/availability (all of them exist). */
	c->max_vcpus = cfg->maxvcpus > cfg->vcpus ? cfg->maxvcpus : cfg->vcpus;
	c->max_evtchn_port = cfg->max_event_channels;
	/* A maxmem above memory starts the guest pre-ballooned: it may grow
	 * up to maxmem with populate_physmap, as under xl. */
	c->max_pages = cfg->maxmem_mib > cfg->memory_mib ? cfg->maxmem_mib * 256 : b.layout.nr_pages;
	/* The hypervisor destroys or keeps; a domain to be restarted is kept
	 * for the toolstack's monitor (xg_domain_restart). */
	c->on_poweroff = cfg->on_poweroff == XG_ACTION_DESTROY ? XG_DOMACT_DESTROY : XG_DOMACT_PRESERVE;
	c->on_crash = cfg->on_crash == XG_ACTION_DESTROY ? XG_DOMACT_DESTROY : XG_DOMACT_PRESERVE;
	c->on_reboot = cfg->on_reboot == XG_ACTION_DESTROY ? XG_DOMACT_DESTROY : XG_DOMACT_PRESERVE;
	c->on_watchdog = cfg->on_watchdog == XG_ACTION_DESTROY ? XG_DOMACT_DESTROY : XG_DOMACT_PRESERVE;
	long r = xg_do_domctl(h, &op);
	if (r == -EEXIST) {
		rc = xg_error(-EEXIST, "a domain named '%s' already exists", cfg->name);
		goto out;
	}
	if (r < 0) {
		rc = xg_error((int)r, "cannot create domain '%s': %s", cfg->name, strerror((int)-r));
		goto out;
	}
	b.domid = op.domain;
	memcpy(b.uuid, c->uuid, 16);
	rc = record_config(&b, cfg, c->uuid);
	if (!rc)
		rc = build(&b, cfg, flags, log);
	if (rc) {
		/* Keep the build error as the message; the teardown is best effort. */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", xg_last_error());
		struct xg_domctl d = { .cmd = XG_DOMCTL_destroydomain, .domain = (uint16_t)b.domid };
		xg_do_domctl(h, &d);
		xg_error(rc, "%s", msg);
		goto out;
	}
	*domid = b.domid;
	b.times.total = now_ms() - t_start;
	if (log) {
		const struct build_times *t = &b.times;
		fprintf(log,
			"xg builder: time: total %.2f ms: decompress %.2f, parse %.2f, populate %.2f, load %.2f, "
			"page tables %.2f (write %.2f, pin %.2f)\n",
			t->total, t->decompress, t->parse, t->populate, t->load, t->pt_write + t->pt_pin, t->pt_write,
			t->pt_pin);
	}
out:
	free(b.p2m);
	free(b.ramdisk.file);
	close_kernel(&b.image);
	return rc;
}
