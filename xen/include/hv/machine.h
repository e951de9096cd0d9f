/*
 * Machine memory: one sparse memfd laid out like a PC.
 *
 * MFN n is the page at offset n * 4096 of the memfd and of the mapping at
 * machine.base.  RAM sits below 640 KiB, from 1 MiB to 3 GiB, and above
 * 4 GiB; the gaps are holes no frame of which is ever handed out.
 * Untouched frames cost the host nothing; frames that are freed are
 * punched out of the memfd, so the host gets them back and the next owner
 * reads zeros.
 */
#ifndef HV_MACHINE_H
#define HV_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

/* The PC layout's fixed boundaries, in bytes. */
#define MACHINE_LOW_RAM_END (640ull << 10)
#define MACHINE_HIGH_RAM_START (1ull << 20)
#define MACHINE_MMIO_HOLE_START (3ull << 30)
#define MACHINE_4G (4ull << 30)

#define MACHINE_MAX_REGIONS 4

struct machine_region {
	uint64_t start_mfn;
	uint64_t nr_frames;
};

struct machine {
	int memfd;
	uint8_t *base;      /* mapping of the whole span, MAP_SHARED */
	uint64_t nr_frames; /* span in frames, holes included */
	uint64_t ram_frames;
	unsigned int nr_regions;
	struct machine_region regions[MACHINE_MAX_REGIONS];
};

/* Lay out ram_bytes of RAM (rounded down to whole pages) and create the
 * memfd.  Returns 0 or -errno. */
int machine_init(struct machine *m, uint64_t ram_bytes);
void machine_destroy(struct machine *m);

bool machine_is_ram(const struct machine *m, uint64_t mfn);

static inline void *machine_frame(const struct machine *m, uint64_t mfn)
{
	return m->base + (mfn << PAGE_SHIFT);
}

/* Give frames back to the host; later reads see zeros. */
void machine_discard(const struct machine *m, uint64_t mfn, uint64_t count);

/* Parse "512M", "8G", "1048576K", "4096" (bytes).  Returns 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *bytes);

#endif
