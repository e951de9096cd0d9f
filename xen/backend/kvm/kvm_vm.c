/* KVM backend: the VM, its memory slots, and the hypervisor area. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_internal.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

_Static_assert(SEL_COMPAT_RING1_CS == COMPAT_FLAT_RING1_CS && SEL_COMPAT_RING1_DS == COMPAT_FLAT_RING1_DS &&
		       SEL_COMPAT_RING3_CS == COMPAT_FLAT_RING3_CS && SEL_COMPAT_RING3_DS == COMPAT_FLAT_RING3_DS,
	       "the compat GDT holds Xen's flat ring-1 and ring-3 selectors");
_Static_assert(SEL_GUEST_CS == FLAT_RING3_CS64 && SEL_GUEST_DS == FLAT_RING3_SS64 && SEL_GUEST_DS == FLAT_RING3_SS32 &&
		       SEL_GUEST_CS32 == FLAT_RING3_CS32,
	       "the 64-bit GDT holds Xen's flat ring-3 selectors");
_Static_assert(HVA_PG_GDT32 == HVA_PG_GDT + HVA_GDT_PAGES && HVA_PG_VCPU == HVA_PG_GDT32 + HVA_GDT_PAGES,
	       "the area's pages follow each other");
_Static_assert(HVA_NR_PAGES <= HVA_NR_L1 * 512, "the area's L1 tables map all of it");

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_NX (1ull << 63)

int kvm_dev_fd = -1;
int kvm_run_size;
static pthread_once_t kvm_once = PTHREAD_ONCE_INIT;
static int kvm_open_error;

static void kvm_open_once(void)
{
	kvm_dev_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_dev_fd < 0) {
		kvm_open_error = -errno;
		return;
	}
	kvm_run_size = ioctl(kvm_dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm_run_size <= 0)
		kvm_open_error = -ENODEV;
}

static int kvm_probe(char *why, size_t whylen)
{
	pthread_once(&kvm_once, kvm_open_once);
	if (kvm_open_error) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(-kvm_open_error));
		return kvm_open_error;
	}
	if (ioctl(kvm_dev_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, whylen, "unexpected KVM API version");
		return -ENODEV;
	}
	static const struct {
		int cap;
		const char *name;
	} needed[] = {
		{ KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (ioctl(kvm_dev_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
			snprintf(why, whylen, "KVM lacks %s", needed[i].name);
			return -ENODEV;
		}
	}
	return 0;
}

uint8_t *kvm_area_page(struct exec_vm *vm, unsigned int page)
{
	return vm->area + (size_t)page * 4096;
}

uint64_t kvm_area_gpa(struct exec_vm *vm, unsigned int page)
{
	return vm->area_gpa + (uint64_t)page * 4096;
}

uint64_t kvm_area_va(unsigned int page)
{
	return HVA_VIRT + (uint64_t)page * 4096;
}

static void map_area_page(struct exec_vm *vm, unsigned int page, uint64_t flags)
{
	uint64_t *l1 = (uint64_t *)kvm_area_page(vm, HVA_PG_L1 + page / 512);
	l1[page % 512] = kvm_area_gpa(vm, page) | flags;
}

/* One of the area's two GDTs: the hypervisor's selectors and the vCPUs'
 * TSSs in both, then the guest's flat selectors of one kind. */
static void build_gdt(struct exec_vm *vm, unsigned int first_page, bool compat)
{
	uint64_t *gdt = (uint64_t *)kvm_area_page(vm, first_page);
	gdt[SEL_HV_CS >> 3] = 0x00209a0000000000ull; /* 64-bit code, DPL 0 */
	gdt[SEL_HV_DS >> 3] = 0x0000920000000000ull; /* data, DPL 0 */
	for (unsigned int v = 0; v < KVM_MAX_VCPUS; v++) {
		uint64_t tss = kvm_area_va(HVA_PG_VCPU + v * HVA_VCPU_PAGES);
		unsigned int idx = (SEL_TSS_BASE >> 3) + 2 * v;
		gdt[idx] = desc_make((uint32_t)tss, TSS_LIMIT, 0x89, 0);
		gdt[idx + 1] = tss >> 32;
	}
	/* The 64-bit GDT holds Xen's flat selectors, which 64-bit code loads
	 * and irets to itself (its 32-bit processes' code and data too).  The
	 * compat GDT holds none: every segment load and `iret` of a 32-bit
	 * guest faults with #GP(selector), and the core carries it out on
	 * Xen's or the guest's descriptors (docs/pv-cpu.md), so that no
	 * native transfer changes the ring behind its back. */
	if (compat)
		return;
	for (uint16_t sel = 0xe018; sel <= 0xe030; sel += 8)
		gdt[sel >> 3] = xen_flat_descriptor(false, sel);
}

/* Build the area: its page tables, the stub, IDT, GDTs, and per-vCPU TSSs. */
static void build_area(struct exec_vm *vm)
{
	uint64_t *l3 = (uint64_t *)kvm_area_page(vm, HVA_PG_L3);
	uint64_t *l2 = (uint64_t *)kvm_area_page(vm, HVA_PG_L2);
	/* Upper levels carry U so the trampoline page can be user-accessible;
	 * every other leaf is supervisor-only. */
	l3[0] = kvm_area_gpa(vm, HVA_PG_L2) | PTE_P | PTE_W | PTE_U;
	for (unsigned int i = 0; i < HVA_NR_L1; i++)
		l2[i] = kvm_area_gpa(vm, HVA_PG_L1 + i) | PTE_P | PTE_W | PTE_U;

	map_area_page(vm, HVA_PG_STUB, PTE_P);
	map_area_page(vm, HVA_PG_TRAMPOLINE, PTE_P | PTE_U);
	map_area_page(vm, HVA_PG_IDT, PTE_P | PTE_NX);
	for (unsigned int i = 0; i < 2 * HVA_GDT_PAGES; i++)
		map_area_page(vm, HVA_PG_GDT + i, PTE_P | PTE_W | PTE_NX);
	for (unsigned int i = 0; i < KVM_MAX_VCPUS * HVA_VCPU_PAGES; i++)
		map_area_page(vm, HVA_PG_VCPU + i, PTE_P | PTE_W | PTE_NX);

	memcpy(kvm_area_page(vm, HVA_PG_STUB), kvm_stub_start, (size_t)(kvm_stub_end - kvm_stub_start));
	memcpy(kvm_area_page(vm, HVA_PG_TRAMPOLINE), kvm_trampoline_start,
	       (size_t)(kvm_trampoline_end - kvm_trampoline_start));
	memcpy(kvm_area_page(vm, HVA_PG_TRAMPOLINE) + HVA_CSTAR_OFFSET, kvm_trampoline32_start,
	       (size_t)(kvm_trampoline32_end - kvm_trampoline32_start));
	map_area_page(vm, HVA_PG_FLUSH, PTE_P);
	memcpy(kvm_area_page(vm, HVA_PG_FLUSH), kvm_flush_start, (size_t)(kvm_flush_end - kvm_flush_start));

	uint64_t *idt = (uint64_t *)kvm_area_page(vm, HVA_PG_IDT);
	for (unsigned int vec = 0; vec < 256; vec++) {
		uint64_t handler = kvm_area_va(HVA_PG_STUB) + vec * HVA_STUB_ENTRY_SIZE;
		/* int3 and into must reach the stub from CPL 3, and so may
		 * int $0x80; int $0x82 (32-bit hypercalls) from CPL 1, as in
		 * Xen.  Other software interrupts fault (#GP) and are decoded
		 * by the backend. */
		unsigned int dpl = 0;
		if (vec == 3 || vec == 4 || vec == KVM_INT80_VECTOR)
			dpl = 3;
		else if (vec == KVM_HYPERCALL32_VECTOR)
			dpl = 1;
		idt[2 * vec] = (handler & 0xffff) | ((uint64_t)SEL_HV_CS << 16) |
			       ((uint64_t)(0x8e | (dpl << 5)) << 40) | (((handler >> 16) & 0xffff) << 48);
		idt[2 * vec + 1] = handler >> 32;
	}

	build_gdt(vm, HVA_PG_GDT, false);
	build_gdt(vm, HVA_PG_GDT32, true);
}

static int kvm_vm_create(const struct exec_machine *m, struct exec_vm **out)
{
	struct exec_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->machine = m;
	pthread_mutex_init(&vm->slots_lock, NULL);
	vm->fd = ioctl(kvm_dev_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		int rc = -errno;
		free(vm);
		return rc;
	}
	size_t bytes = (size_t)HVA_NR_PAGES * 4096;
	vm->area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->area == MAP_FAILED) {
		int rc = -errno;
		close(vm->fd);
		free(vm);
		return rc;
	}
	/* Above every machine frame, on a 1 GiB boundary. */
	vm->area_gpa = ((m->nr_frames * 4096) + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	build_area(vm);
	/* Slot 0 is the area; machine frames get slots from 1 on. */
	struct kvm_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = vm->area_gpa, .memory_size = bytes,
		.userspace_addr = (uint64_t)(uintptr_t)vm->area,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int rc = -errno;
		munmap(vm->area, bytes);
		close(vm->fd);
		free(vm);
		return rc;
	}
	vm->next_slot_id = 1;

	/* MAXPHYADDR and features come from CPUID: set it before any vCPU runs. */
	int n = 256;
	vm->cpuid = calloc(1, sizeof(*vm->cpuid) + (size_t)n * sizeof(struct kvm_cpuid_entry2));
	if (vm->cpuid) {
		vm->cpuid->nent = (uint32_t)n;
		if (ioctl(kvm_dev_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid) < 0) {
			free(vm->cpuid);
			vm->cpuid = NULL;
		}
	}
	*out = vm;
	return 0;
}

static void kvm_vm_destroy(struct exec_vm *vm)
{
	if (!vm)
		return;
	close(vm->fd);
	munmap(vm->area, (size_t)HVA_NR_PAGES * 4096);
	free(vm->slots);
	free(vm->free_ids);
	free(vm->cpuid);
	pthread_mutex_destroy(&vm->slots_lock);
	free(vm);
}

static int set_slot(struct exec_vm *vm, uint32_t id, uint64_t gfn, uint64_t count)
{
	struct kvm_userspace_memory_region r = {
		.slot = id,
		.guest_phys_addr = gfn << 12,
		.memory_size = count << 12,
		.userspace_addr = (uint64_t)(uintptr_t)(vm->machine->base + (gfn << 12)),
	};
	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

static int add_slot(struct exec_vm *vm, uint64_t gfn, uint64_t count)
{
	if (vm->nr_slots == vm->cap_slots) {
		size_t cap = vm->cap_slots ? vm->cap_slots * 2 : 16;
		struct kvm_slot *s = realloc(vm->slots, cap * sizeof(*s));
		uint32_t *f = realloc(vm->free_ids, cap * sizeof(*f));
		if (s)
			vm->slots = s;
		if (f)
			vm->free_ids = f;
		if (!s || !f)
			return -ENOMEM;
		vm->cap_slots = cap;
	}
	uint32_t id = vm->nr_free_ids ? vm->free_ids[--vm->nr_free_ids] : vm->next_slot_id++;
	int rc = set_slot(vm, id, gfn, count);
	if (rc) {
		vm->free_ids[vm->nr_free_ids++] = id;
		return rc;
	}
	vm->slots[vm->nr_slots++] = (struct kvm_slot){ id, gfn, count };
	return 0;
}

static int kvm_map_frames(struct exec_vm *vm, uint64_t mfn, uint64_t count)
{
	if (mfn >= vm->machine->nr_frames || count > vm->machine->nr_frames - mfn)
		return -EINVAL;
	pthread_mutex_lock(&vm->slots_lock);
	int rc = add_slot(vm, mfn, count);
	pthread_mutex_unlock(&vm->slots_lock);
	return rc;
}

/* Remove [mfn, mfn + count) from whatever slots hold it, re-adding the
 * parts of those slots that stay. */
static int kvm_unmap_frames(struct exec_vm *vm, uint64_t mfn, uint64_t count)
{
	int rc = 0;
	pthread_mutex_lock(&vm->slots_lock);
	for (size_t i = 0; i < vm->nr_slots && !rc;) {
		struct kvm_slot s = vm->slots[i];
		if (s.gfn + s.count <= mfn || s.gfn >= mfn + count) {
			i++;
			continue;
		}
		rc = set_slot(vm, s.id, s.gfn, 0);
		if (rc)
			break;
		vm->slots[i] = vm->slots[--vm->nr_slots];
		vm->free_ids[vm->nr_free_ids++] = s.id;
		if (s.gfn < mfn)
			rc = add_slot(vm, s.gfn, mfn - s.gfn);
		if (!rc && s.gfn + s.count > mfn + count)
			rc = add_slot(vm, mfn + count, s.gfn + s.count - (mfn + count));
	}
	pthread_mutex_unlock(&vm->slots_lock);
	return rc;
}

static void kvm_reserved_l4_entries(struct exec_vm *vm, uint64_t entries[16])
{
	entries[HVA_L4_SLOT - 256] = kvm_area_gpa(vm, HVA_PG_L3) | PTE_P | PTE_W | PTE_U;
}

const struct exec_backend exec_backend_kvm = {
	.name = "kvm",
	.runs_compat = true,
	.probe = kvm_probe,
	.vm_create = kvm_vm_create,
	.vm_destroy = kvm_vm_destroy,
	.map_frames = kvm_map_frames,
	.unmap_frames = kvm_unmap_frames,
	.vcpu_create = kvm_vcpu_create,
	.vcpu_destroy = kvm_vcpu_destroy,
	.vcpu_state = kvm_vcpu_state,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_kick = kvm_vcpu_kick,
	.flush_tlb = kvm_flush_tlb,
	.guest_tsc_offset = kvm_guest_tsc_offset,
	.reserved_l4_entries = kvm_reserved_l4_entries,
};
