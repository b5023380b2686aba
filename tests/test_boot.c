/*
 * test_boot.c - where the boot puts reserved pages and which pageblocks it
 * leaves Unmovable: x86's low 1 MiB, the kernel image where KASLR puts it,
 * the top-down memblock pages, and 6.1's deferred struct page init
 * (defer_init, deferred_free_range) in the highest zone of a node.
 */
#include "helpers.h"

static bool reserved(struct af_machine *m, unsigned long pfn)
{
	return (pflags(&m->pages[pfn]) & (PG_reserved | PG_hole)) == PG_reserved;
}

static int block_mt(struct af_machine *m, unsigned long pfn)
{
	return get_pageblock_migratetype(m, pfn);
}

/* the kernel image: the lowest run of reserved pages at or above 16 MiB */
static unsigned long image_start(struct af_machine *m, unsigned long end)
{
	for (unsigned long pfn = 4096; pfn < end; pfn++)
		if (reserved(m, pfn))
			return pfn;
	fail_msg("no reserved page above 16 MiB");
	return 0;
}

static unsigned long count_blocks(struct af_machine *m, const struct zone *z, int mt)
{
	unsigned long n = 0;
	for (unsigned long pfn = z->zone_start_pfn; pfn < z->zone_start_pfn + z->spanned_pages;
	     pfn += PAGEBLOCK_NR_PAGES)
		n += block_mt(m, pfn) == mt;
	return n;
}

/* DMA: pfn 1..158 reserved (the first 1 MiB), the rest free in big blocks */
static void test_dma_low_reserved(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 512M\n");
	const struct zone *dma = &m->node[0]->node_zones[ZONE_DMA];

	CHECK(m);
	for (unsigned long pfn = 1; pfn < 159; pfn++)
		assert_true(reserved(m, pfn));
	for (unsigned long pfn = 256; pfn < 4096; pfn++)
		assert_false(reserved(m, pfn));
	assert_int_equal(dma->free_area[10].nr_free, 3);	/* the kernel's DMA: 3 order-10 */
	assert_int_equal(dma->free_area[9].nr_free, 1);		/* and pfn 512..1023 */
	af_machine_destroy(m);
}

static bool block_reserved(struct af_machine *m, unsigned long pfn)
{
	for (unsigned long i = 0; i < PAGEBLOCK_NR_PAGES; i++)
		if (!reserved(m, pfn + i))
			return false;
	return true;
}

/*
 * kaslr = 0: the image at 16 MiB, below the first deferred pfn (256 MiB at
 * 512M: the first section boundary after 128 MiB of DMA32), so memmap_init
 * made its blocks Movable; above 256 MiB every block that starts reserved
 * keeps the zeroed bitmap's Unmovable.  No fallback can claim a block with
 * no free page, so the boot's allocations change neither.
 */
static void test_deferred_blocks_nokaslr(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 512M\nkaslr = 0\n");
	const struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	unsigned long end = z->zone_start_pfn + z->spanned_pages, img = image_start(m, end);
	unsigned long early = 0, deferred = 0;

	CHECK(m);
	assert_int_equal(img, 4096);
	for (unsigned long pfn = z->zone_start_pfn; pfn + PAGEBLOCK_NR_PAGES <= end;
	     pfn += PAGEBLOCK_NR_PAGES) {
		if (pfn >= 65536 && reserved(m, pfn)) {
			deferred++;
			if (block_mt(m, pfn) != MIGRATE_UNMOVABLE)
				fail_msg("deferred block at pfn %lu starts reserved: type %d", pfn,
					 block_mt(m, pfn));
		} else if (pfn < 65536 && block_reserved(m, pfn)) {
			early++;
			if (block_mt(m, pfn) != MIGRATE_MOVABLE)
				fail_msg("early block at pfn %lu: type %d", pfn, block_mt(m, pfn));
		}
	}
	assert_true(early >= 15);	/* the image: 22 blocks, 5 of them with init memory freed */
	assert_true(deferred >= 4);	/* memmap and tables */
	af_machine_destroy(m);
}

/* Seeds move the image; one above 256 MiB adds its blocks to the Unmovable ones */
static void test_kaslr_seeded(void **st)
{
	(void)st;
	unsigned long low_unmov = 0, high_unmov = 0;
	int lows = 0, highs = 0;

	for (int seed = 1; seed <= 12; seed++) {
		char text[64];
		snprintf(text, sizeof(text), "mem = 512M\nseed = %d\n", seed);
		struct af_machine *m = machine_from(text), *again = machine_from(text);
		const struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
		unsigned long end = z->zone_start_pfn + z->spanned_pages, img = image_start(m, end);
		unsigned long u = count_blocks(m, z, MIGRATE_UNMOVABLE);

		CHECK(m);
		assert_int_equal(img % 512, 0);					/* 2 MiB aligned */
		assert_int_equal(image_start(again, end), img);			/* the seed decides */
		if (img + 11318 <= 65536) {
			lows++;
			low_unmov = u;
		} else if (img >= 65536) {
			highs++;
			high_unmov = u;
			assert_int_equal(block_mt(m, img), MIGRATE_UNMOVABLE);
		}
		af_machine_destroy(again);
		af_machine_destroy(m);
	}
	assert_true(lows > 0 && highs > 0);
	assert_true(high_unmov >= low_unmov + 20);	/* the image's 22 blocks */
}

/*
 * Only a node's highest zone defers: at 4G DMA32's Unmovable blocks are the
 * two its GFP_DMA32 atomic pool (order 7) claims with an order-10 fallback,
 * as in the kernel's 4 GiB boots
 */
static void test_lower_zone_not_deferred(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 4G\n");
	const struct zone *dma32 = &m->node[0]->node_zones[ZONE_DMA32];
	const struct zone *normal = &m->node[0]->node_zones[ZONE_NORMAL];

	CHECK(m);
	assert_int_equal(count_blocks(m, dma32, MIGRATE_UNMOVABLE), 2);
	assert_true(count_blocks(m, normal, MIGRATE_UNMOVABLE) > 0);
	af_machine_destroy(m);
}

/* The boot's kernel allocations: counted like the kernel's, refused to af_free_pages */
static void test_boot_allocations(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 1G\n"), *clean = machine_from("mem = 1G\nboot = clean\n");
	uint64_t free_m, free_c, slab, kstack, n = 0, first = 0;

	CHECK(m);
	/* per-CPU lists as the kernel's boots leave them (2,909-3,013 pages at
	 * 1 GiB): the freed init memory on one CPU, /init's first commands'
	 * 440 pages on the other, beside what is left of a refill batch per list */
	const struct zone *dma32 = &m->node[0]->node_zones[ZONE_DMA32];
	assert_true(dma32->pcp[0].count >= 440 && dma32->pcp[0].count < 440 + 3 * dma32->pcp[0].batch);
	assert_true(dma32->pcp[0].count + dma32->pcp[1].count >= 2909 &&
		    dma32->pcp[0].count + dma32->pcp[1].count <= 3013);
	af_drain_all(m);
	af_drain_all(clean);
	free_m = af_machine_free_pages(m);
	free_c = af_machine_free_pages(clean);
	/* 3,490 + 254 per GiB unmovable (the three atomic DMA pools among
	 * them) less the 440 that /init's first commands free again,
	 * 2,210 reclaimable, 510 movable */
	assert_true(free_c - free_m >= 5960 && free_c - free_m <= 6060);
	af_vmstat(m, "nr_slab_reclaimable", &slab);
	assert_int_equal(slab, 2210);
	af_vmstat(m, "nr_kernel_stack", &kstack);
	assert_int_equal(kstack, 864);
	for (unsigned long pfn = 0; pfn < af_machine_max_pfn(m); pfn++)
		if (pflags(&m->pages[pfn]) & PG_kernel) {
			if (!n)
				first = pfn;
			n += 1UL << porder(&m->pages[pfn]);
		}
	assert_int_equal(free_c - free_m, n);
	/* the DMA atomic pool (order 5 at 1G) is the DMA zone's one allocation,
	 * split off the free pages above the first MiB in its lowest pageblock,
	 * which is Unmovable: the kernel's DMA line of buddyinfo and pagetypeinfo */
	const struct zone *dma = &m->node[0]->node_zones[ZONE_DMA];
	assert_int_equal(block_mt(m, dma->zone_start_pfn), MIGRATE_UNMOVABLE);
	assert_int_equal(count_blocks(m, dma, MIGRATE_UNMOVABLE), 1);
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		assert_int_equal(dma->free_area[o].nr_free, (o >= 5 && o <= 7) || o == 9 ? 1 : o == 10 ? 3 : 0);
	assert_int_equal(af_free_pages(m, 0, first, 0), -EBUSY);
	CHECK(m);
	assert_int_equal(af_machine_free_pages(m), free_m);
	af_machine_destroy(clean);
	af_machine_destroy(m);
}

/* boot = clean: every reserved page on top, every block Movable */
static void test_clean_boot(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 512M\nboot = clean\n");
	const struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];

	CHECK(m);
	assert_int_equal(count_blocks(m, z, MIGRATE_UNMOVABLE), 0);
	assert_false(reserved(m, 4096));
	assert_true(reserved(m, z->zone_start_pfn + z->spanned_pages - 1));
	af_machine_destroy(m);
}

/*
 * A machine from a pfn map: holes and reserved pages exactly where the map
 * has them, the rest free in the largest aligned blocks; counts that do
 * not match the map, a short map and a generated layout are refused.
 */
static void test_pfn_map(void **st)
{
	enum { START = 4096, SPAN = 65536 };
	static uint8_t map[START + SPAN];
	struct af_config *c;
	struct af_machine *m;
	unsigned long present = 0, managed = 0;
	char line[128];

	(void)st;
	for (unsigned long pfn = 0; pfn < START + SPAN; pfn++) {
		uint8_t cls = AF_PFN_MAP_FREE;
		if (pfn < START || (pfn >= 20000 && pfn < 20000 + 1536))
			cls = AF_PFN_MAP_HOLE;		/* below the zone; a hole of three blocks */
		else if (pfn % 977 == 0 || (pfn >= 40000 && pfn < 40100))
			cls = AF_PFN_MAP_RESERVED;
		map[pfn] = cls;
		if (pfn >= START) {
			present += cls != AF_PFN_MAP_HOLE;
			managed += cls == AF_PFN_MAP_FREE;
		}
	}
	assert_int_equal(af_config_new(&c), 0);
	snprintf(line, sizeof(line), "cpus = 2\nnode.0.zone.DMA32 = %d %d %lu %lu\n", START, SPAN,
		 present, managed);
	assert_int_equal(af_config_load_string(c, line), 0);
	assert_int_equal(af_config_set_pfn_map(c, map, START + SPAN), 0);
	assert_int_equal(af_machine_create(c, &m), 0);
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	assert_int_equal(z->present_pages, present);
	assert_int_equal(z->managed_pages, managed);
	assert_true(af_machine_free_pages(m) == managed);
	for (unsigned long pfn = START; pfn < START + SPAN; pfn++) {
		uint32_t f = pflags(&m->pages[pfn]);
		switch (map[pfn]) {
		case AF_PFN_MAP_HOLE:
			assert_true(f & PG_hole);
			break;
		case AF_PFN_MAP_RESERVED:
			assert_true((f & (PG_reserved | PG_hole)) == PG_reserved);
			break;
		default:
			assert_false(f & (PG_reserved | PG_hole));
		}
	}
	/* the three blocks of the hole are offline; 40100 starts a free order-2 block */
	assert_false(pfn_online(m, 20000 + 512));
	assert_true(pflags(&m->pages[40100]) & PG_buddy);
	assert_int_equal(porder(&m->pages[40100]), 2);
	CHECK(m);
	af_machine_destroy(m);
	/* the config's counts must be the map's */
	snprintf(line, sizeof(line), "node.0.zone.DMA32 = %d %d %lu %lu\n", START, SPAN, present, managed - 1);
	assert_int_equal(af_config_load_string(c, line), 0);
	assert_int_equal(af_machine_create(c, &m), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "pfn map"));
	/* a map shorter than the layout */
	snprintf(line, sizeof(line), "node.0.zone.DMA32 = %d %d %lu %lu\n", START, SPAN, present, managed);
	assert_int_equal(af_config_load_string(c, line), 0);
	assert_int_equal(af_config_set_pfn_map(c, map, START + SPAN - 1), 0);
	assert_int_equal(af_machine_create(c, &m), -EINVAL);
	/* a class that is none, and no map at all is the ordinary layout again */
	map[5] = 7;
	assert_int_equal(af_config_set_pfn_map(c, map, START + SPAN), -EINVAL);
	map[5] = AF_PFN_MAP_HOLE;
	assert_int_equal(af_config_set_pfn_map(c, NULL, 0), 0);
	assert_int_equal(af_machine_create(c, &m), 0);
	CHECK(m);
	af_machine_destroy(m);
	af_config_free(c);
	/* a generated layout takes no map */
	assert_int_equal(af_config_new(&c), 0);
	assert_int_equal(af_config_load_string(c, "mem = 256M\n"), 0);
	assert_int_equal(af_config_set_pfn_map(c, map, START + SPAN), 0);
	assert_int_equal(af_machine_create(c, &m), -EINVAL);
	af_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_low_reserved),
		cmocka_unit_test(test_deferred_blocks_nokaslr),
		cmocka_unit_test(test_kaslr_seeded),
		cmocka_unit_test(test_lower_zone_not_deferred),
		cmocka_unit_test(test_boot_allocations),
		cmocka_unit_test(test_clean_boot),
		cmocka_unit_test(test_pfn_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
