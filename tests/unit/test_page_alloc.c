/* The machine layout, the buddy heap and its address-width limits. */
#include <stdlib.h>
#include <string.h>

#include "hv/page_alloc.h"
#include "tests/tap.h"

static struct machine m;
static struct heap h;

static void test_layout(void)
{
	TAP_CHECK(m.nr_regions == 3, "8 GiB of RAM gives three regions (low, below 3 GiB, above 4 GiB)");
	TAP_CHECK(m.regions[0].start_mfn == 0 && m.regions[0].nr_frames == 160, "RAM below 640 KiB");
	TAP_CHECK(m.regions[1].start_mfn == 256 && m.regions[1].start_mfn + m.regions[1].nr_frames == 0xc0000,
		  "RAM from 1 MiB to 3 GiB");
	TAP_CHECK(m.regions[2].start_mfn == 0x100000, "RAM resumes at 4 GiB");
	TAP_CHECK(m.ram_frames == (8ull << 30) >> 12, "all 8 GiB are RAM frames");
	TAP_CHECK(!machine_is_ram(&m, 0xa0) && !machine_is_ram(&m, 0xc0000) && machine_is_ram(&m, 0x100000),
		  "the VGA hole and the MMIO hole are not RAM");
	TAP_CHECK(heap_free_frames(&h) == m.ram_frames, "every RAM frame starts free");
}

static void test_high_first(void)
{
	uint64_t mfn = heap_alloc(&h, 0, 0, 7);
	TAP_CHECK(mfn != MFN_INVALID && mfn >= 0x100000, "an unrestricted frame comes from above 4 GiB (%#llx)",
		  (unsigned long long)mfn);
	TAP_CHECK(atomic_load(&h.frames[mfn].owner) == 7, "the frame records its owner");
	uint64_t low = heap_alloc(&h, 0, 32, 7);
	TAP_CHECK(low != MFN_INVALID && low < 0x100000, "a 32-bit-limited frame lies below 4 GiB (%#llx)",
		  (unsigned long long)low);
	uint64_t dma = heap_alloc(&h, 0, 20, 7);
	TAP_CHECK(dma != MFN_INVALID && dma < 0x100 && machine_is_ram(&m, dma), "a 20-bit frame lies below 1 MiB");
	TAP_CHECK(heap_alloc(&h, 0, 12, 7) == MFN_INVALID, "no frame fits a 12-bit limit");
	uint64_t big = heap_alloc(&h, 9, 32, 7);
	TAP_CHECK(big != MFN_INVALID && (big & 511) == 0 && big + 512 <= 0xc0000,
		  "an order-9 chunk below 4 GiB is aligned and below the hole");
	heap_free_range(&h, mfn, 1);
	heap_free_range(&h, low, 1);
	heap_free_range(&h, dma, 1);
	heap_free_range(&h, big, 512);
	TAP_CHECK(heap_free_frames(&h) == m.ram_frames, "freeing returns every frame");
}

static void test_merge_and_zero(void)
{
	/* Take a whole top chunk apart and put it back: it must merge again. */
	uint64_t a = heap_alloc(&h, 18, 0, 1);
	TAP_CHECK(a != MFN_INVALID, "a 1 GiB chunk is available");
	memset(machine_frame(&m, a), 0xab, PAGE_SIZE);
	heap_free_range(&h, a, 1ull << 18);
	uint64_t b = heap_alloc(&h, 18, 0, 1);
	TAP_CHECK(b != MFN_INVALID, "after freeing it page by page, a 1 GiB chunk is available again");
	TAP_CHECK(((uint8_t *)machine_frame(&m, a))[0] == 0, "freed memory reads as zeros for the next owner");
	heap_free_range(&h, b, 1ull << 18);
}

static void test_quota(void)
{
	struct heap q;
	TAP_CHECK(heap_init(&q, &m, 1000) == 0, "a heap with a 1000-frame quota");
	uint64_t x = heap_alloc(&q, 9, 0, 1);
	uint64_t y = heap_alloc(&q, 9, 0, 1);
	TAP_CHECK(x != MFN_INVALID && y == MFN_INVALID, "the quota stops the second 512-frame allocation");
	TAP_CHECK(heap_used_frames(&q) == 512, "used frames are counted");
	heap_free_range(&q, x, 512);
	TAP_CHECK(heap_used_frames(&q) == 0, "and uncounted when freed");
	heap_destroy(&q);
}

static void test_parse_size(void)
{
	uint64_t v;
	TAP_CHECK(parse_size("4G", &v) == 0 && v == 4ull << 30, "parse_size 4G");
	TAP_CHECK(parse_size("512MiB", &v) == 0 && v == 512ull << 20, "parse_size 512MiB");
	TAP_CHECK(parse_size("4096", &v) == 0 && v == 4096, "parse_size plain bytes");
	TAP_CHECK(parse_size("-1G", &v) != 0 && parse_size("12Q", &v) != 0 && parse_size("", &v) != 0,
		  "parse_size refuses negative, unknown units and empty strings");
	TAP_CHECK(parse_size("99999999999999999999T", &v) != 0, "parse_size refuses overflow");
}

int main(void)
{
	if (machine_init(&m, 8ull << 30) || heap_init(&h, &m, m.ram_frames)) {
		printf("Bail out! cannot set up machine memory\n");
		return 1;
	}
	test_layout();
	test_high_first();
	test_merge_and_zero();
	test_quota();
	test_parse_size();
	heap_destroy(&h);
	machine_destroy(&m);
	return tap_done();
}
