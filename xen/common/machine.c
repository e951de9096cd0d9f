#include "hv/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/console.h"

static void add_region(struct machine *m, uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	m->regions[m->nr_regions++] = (struct machine_region){
		.start_mfn = start >> PAGE_SHIFT,
		.nr_frames = (end - start) >> PAGE_SHIFT,
	};
	m->ram_frames += (end - start) >> PAGE_SHIFT;
}

int machine_init(struct machine *m, uint64_t ram_bytes)
{
	memset(m, 0, sizeof(*m));
	m->memfd = -1;
	ram_bytes &= ~(PAGE_SIZE - 1);
	if (ram_bytes < (16ull << 20))
		return -EINVAL;

	/* Fill the PC's RAM ranges in address order. */
	uint64_t left = ram_bytes, end;
	end = left < MACHINE_LOW_RAM_END ? left : MACHINE_LOW_RAM_END;
	add_region(m, 0, end);
	left -= end;
	uint64_t below_hole = MACHINE_MMIO_HOLE_START - MACHINE_HIGH_RAM_START;
	end = MACHINE_HIGH_RAM_START + (left < below_hole ? left : below_hole);
	add_region(m, MACHINE_HIGH_RAM_START, end);
	left -= end - MACHINE_HIGH_RAM_START;
	add_region(m, MACHINE_4G, MACHINE_4G + left);
	const struct machine_region *last = &m->regions[m->nr_regions - 1];
	m->nr_frames = last->start_mfn + last->nr_frames;

	m->memfd = memfd_create("xg-machine-memory", MFD_CLOEXEC);
	if (m->memfd < 0)
		return -errno;
	if (ftruncate(m->memfd, (off_t)(m->nr_frames << PAGE_SHIFT)) < 0)
		goto fail;
	m->base = mmap(NULL, m->nr_frames << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, m->memfd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto fail;
	}
	return 0;
fail:;
	int err = -errno;
	close(m->memfd);
	m->memfd = -1;
	return err;
}

void machine_destroy(struct machine *m)
{
	if (m->base)
		munmap(m->base, m->nr_frames << PAGE_SHIFT);
	if (m->memfd >= 0)
		close(m->memfd);
	memset(m, 0, sizeof(*m));
	m->memfd = -1;
}

bool machine_is_ram(const struct machine *m, uint64_t mfn)
{
	for (unsigned int i = 0; i < m->nr_regions; i++)
		if (mfn >= m->regions[i].start_mfn &&
		    mfn - m->regions[i].start_mfn < m->regions[i].nr_frames)
			return true;
	return false;
}

void machine_discard(const struct machine *m, uint64_t mfn, uint64_t count)
{
	if (fallocate(m->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(mfn << PAGE_SHIFT),
		      (off_t)(count << PAGE_SHIFT)) < 0) {
		/* Without hole punching the next owner could read old data:
		 * clear the frames by hand. */
		printk("machine: hole punch failed (%s); clearing %llu frames\n", strerror(errno),
		       (unsigned long long)count);
		memset(machine_frame(m, mfn), 0, count << PAGE_SHIFT);
	}
}

int parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	unsigned int shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	if ((*end == 'i' || *end == 'I') && shift)
		end++;
	if ((*end == 'b' || *end == 'B') && shift)
		end++;
	if (*end || (shift && v > (~0ull >> shift)))
		return -EINVAL;
	*bytes = v << shift;
	return 0;
}
