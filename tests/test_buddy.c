/* test_buddy.c - split and merge, fallback and stealing, highatomic, pcp. */
#include "helpers.h"

/* One DMA32 zone of 16 pageblocks (8 order-10 blocks), THP off. */
static const char *SMALL =
	"nodes = 1\ncpus = 2\ntransparent_hugepage = never\n"
	"node.0.zone.DMA32 = 0x1000 8192 8192 8192\n";

static struct zone *dma32(struct af_machine *m)
{
	return &m->node[0]->node_zones[ZONE_DMA32];
}

static void test_boot_state(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);

	CHECK(m);
	assert_int_equal(z->free_area[10].nr_free, 8);
	for (int o = 0; o < 10; o++)
		assert_int_equal(z->free_area[o].nr_free, 0);
	assert_int_equal(zone_page_state(z, NR_FREE_PAGES), 8192);
	af_machine_destroy(m);
}

/* __rmqueue_smallest + expand, then __free_one_page merges back, every order */
static void test_split_merge_every_order(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);

	for (unsigned int order = 0; order < MAX_ORDER; order++) {
		long pfn = rmqueue_smallest(z, 0, order, MIGRATE_MOVABLE);
		assert_true(pfn >= 0);
		assert_int_equal(pfn & ((1L << order) - 1), 0);
		mod_zone_freepage_state(z, -(1L << order), MIGRATE_MOVABLE);
		m->pages[pfn].flags |= PG_alloc;
		m->pages[pfn].order = (uint8_t)order;
		m->pages[pfn].refcount = 1;
		/* one buddy left at each order between order and 9, 7 order-10 blocks */
		for (unsigned int o = order; o < MAX_ORDER - 1; o++)
			assert_int_equal(z->free_area[o].nr_free, 1);
		assert_int_equal(z->free_area[10].nr_free, order == 10 ? 7 : 7);
		CHECK(m);
		m->pages[pfn].flags &= ~PG_alloc;
		m->pages[pfn].refcount = 0;
		m->pages[pfn].order = 0;
		free_one_page_locked(z, (unsigned long)pfn, order, MIGRATE_MOVABLE, false);
		for (unsigned int o = 0; o < MAX_ORDER - 1; o++)
			assert_int_equal(z->free_area[o].nr_free, 0);
		assert_int_equal(z->free_area[10].nr_free, 8);
		CHECK(m);
	}
	af_machine_destroy(m);
}

/* The buddy of a freed block merges only if it is free and of the same order */
static void test_merge_needs_free_buddy(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct af_alloc_result a, b;

	/* two order-3 blocks through the public API (pcp for order 3) */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 3, -1, &a), 0);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 3, -1, &b), 0);
	CHECK(m);
	assert_int_equal(af_free_pages(m, 0, a.pfn, 3), 0);
	assert_int_equal(af_free_pages(m, 0, b.pfn, 3), 0);
	CHECK(m);
	af_drain_all(m);
	CHECK(m);
	/* everything merged back to order 10 (pageblocks may have changed type) */
	assert_int_equal(dma32(m)->free_area[10].nr_free, 8);
	af_machine_destroy(m);
}

static void test_fallback_table(void **st)
{
	(void)st;
	assert_int_equal(fallbacks[MIGRATE_UNMOVABLE][0], MIGRATE_RECLAIMABLE);
	assert_int_equal(fallbacks[MIGRATE_UNMOVABLE][1], MIGRATE_MOVABLE);
	assert_int_equal(fallbacks[MIGRATE_MOVABLE][0], MIGRATE_RECLAIMABLE);
	assert_int_equal(fallbacks[MIGRATE_MOVABLE][1], MIGRATE_UNMOVABLE);
	assert_int_equal(fallbacks[MIGRATE_RECLAIMABLE][0], MIGRATE_UNMOVABLE);
	assert_int_equal(fallbacks[MIGRATE_RECLAIMABLE][1], MIGRATE_MOVABLE);
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		assert_int_equal(fallbacks[mt][2], MIGRATE_TYPES);
	assert_int_equal(fallbacks[MIGRATE_HIGHATOMIC][0], MIGRATE_TYPES);
}

/* can_steal_fallback(): every (start type, order) case 6.1 distinguishes */
static void test_can_steal(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		assert_true(can_steal_fallback(m, o, MIGRATE_UNMOVABLE));
		assert_true(can_steal_fallback(m, o, MIGRATE_RECLAIMABLE));
		/* movable: only from pageblock_order / 2 = 4 upwards */
		assert_int_equal(can_steal_fallback(m, o, MIGRATE_MOVABLE), o >= 4);
	}
	m->page_group_by_mobility_disabled = true;
	assert_true(can_steal_fallback(m, 0, MIGRATE_MOVABLE));
	af_machine_destroy(m);
}

/* Allocate every page of the zone as order-0 MOVABLE, directly from the buddy. */
static void fill_zone(struct af_machine *m, struct zone *z)
{
	long pfn;
	while ((pfn = rmqueue_smallest(z, 0, 0, MIGRATE_MOVABLE)) >= 0) {
		mod_zone_freepage_state(z, -1, MIGRATE_MOVABLE);
		m->pages[pfn].flags |= PG_alloc;
		m->pages[pfn].refcount = 1;
	}
}

static void give_back(struct af_machine *m, struct zone *z, unsigned long pfn, unsigned int order)
{
	for (unsigned long i = pfn; i < pfn + (1UL << order); i++) {
		m->pages[i].flags &= ~PG_alloc;
		m->pages[i].refcount = 0;
	}
	/* as separate order-0 frees, so that they merge */
	for (unsigned long i = pfn; i < pfn + (1UL << order); i++)
		free_one_page_locked(z, i, 0, get_pageblock_migratetype(m, i), false);
}

static int extfrag_lines;
static char last_extfrag[512];
static void count_extfrag(void *arg, const char *line)
{
	(void)arg;
	if (strstr(line, "mm_page_alloc_extfrag:")) {
		extfrag_lines++;
		snprintf(last_extfrag, sizeof(last_extfrag), "%s", line);
	}
}

/* A whole free pageblock-sized block changes ownership on fallback */
static void test_claim_whole_block(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	long pfn;

	extfrag_lines = 0;
	af_set_trace(m, count_extfrag, NULL);
	lock_zone(z);
	pfn = rmqueue(z, 0, 0, MIGRATE_UNMOVABLE, 0);
	unlock_zone(z);
	assert_true(pfn >= 0);
	mod_zone_freepage_state(z, -1, MIGRATE_UNMOVABLE);
	m->pages[pfn].flags |= PG_alloc;
	m->pages[pfn].refcount = 1;
	/* the order-10 block = 2 pageblocks became UNMOVABLE */
	assert_int_equal(get_pageblock_migratetype(m, (unsigned long)pfn), MIGRATE_UNMOVABLE);
	assert_int_equal(get_pageblock_migratetype(m, (unsigned long)pfn ^ 512), MIGRATE_UNMOVABLE);
	assert_int_equal(extfrag_lines, 1);
	assert_non_null(strstr(last_extfrag, "alloc_order=0 fallback_order=10 pageblock_order=9 "
				"alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1"));
	CHECK(m);
	af_machine_destroy(m);
}

/* steal_suitable_fallback: claim if free + alike >= half a pageblock */
static void test_claim_partial_block(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	unsigned long base = 0x1000 + 3 * 512;	/* pageblock 3 */
	long pfn;

	fill_zone(m, z);
	CHECK(m);
	/* UNMOVABLE asks; only an order-7 block is free in a MOVABLE pageblock:
	 * free 128 + alike (512 - 128 - 0 movable) >= 256: claimed */
	give_back(m, z, base, 7);
	CHECK(m);
	lock_zone(z);
	pfn = rmqueue(z, 0, 0, MIGRATE_UNMOVABLE, 0);
	unlock_zone(z);
	assert_true(pfn >= (long)base && pfn < (long)base + 128);
	mod_zone_freepage_state(z, -1, MIGRATE_UNMOVABLE);
	m->pages[pfn].flags |= PG_alloc;
	m->pages[pfn].refcount = 1;
	assert_int_equal(get_pageblock_migratetype(m, base), MIGRATE_UNMOVABLE);
	CHECK(m);

	/* MOVABLE asks order 0 from that UNMOVABLE block: an order-6 block is
	 * too small to steal (6 >= 4 can steal, but free 127 + alike 0 < 256),
	 * so the pageblock stays UNMOVABLE */
	lock_zone(z);
	pfn = rmqueue(z, 0, 0, MIGRATE_MOVABLE, 0);
	unlock_zone(z);
	assert_true(pfn >= (long)base && pfn < (long)base + 128);
	mod_zone_freepage_state(z, -1, MIGRATE_MOVABLE);
	m->pages[pfn].flags |= PG_alloc;
	m->pages[pfn].refcount = 1;
	assert_int_equal(get_pageblock_migratetype(m, base), MIGRATE_UNMOVABLE);
	CHECK(m);

	/* MOVABLE with an order-8 block free in an UNMOVABLE pageblock: 256 free
	 * pages are enough to claim it */
	set_pageblock_migratetype(m, base + 1024, MIGRATE_UNMOVABLE);
	give_back(m, z, base + 1024, 8);
	/* exhaust the small movable free blocks first so the fallback is used */
	while (!list_empty_pfn(&z->free_area[0].free_list[MIGRATE_MOVABLE]) ||
	       z->free_area[1].nr_free || z->free_area[2].nr_free) {
		lock_zone(z);
		pfn = rmqueue_smallest(z, 0, 0, MIGRATE_MOVABLE);
		unlock_zone(z);
		if (pfn < 0)
			break;
		mod_zone_freepage_state(z, -1, MIGRATE_MOVABLE);
		m->pages[pfn].flags |= PG_alloc;
		m->pages[pfn].refcount = 1;
	}
	lock_zone(z);
	pfn = rmqueue(z, 0, 0, MIGRATE_MOVABLE, 0);
	unlock_zone(z);
	assert_true(pfn >= 0);
	mod_zone_freepage_state(z, -1, MIGRATE_MOVABLE);
	m->pages[pfn].flags |= PG_alloc;
	m->pages[pfn].refcount = 1;
	CHECK(m);
	af_machine_destroy(m);
}

/* Small MOVABLE fallbacks take the smallest block and never claim */
static void test_movable_takes_smallest(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	unsigned long pb = 0x1000 + 5 * 512;
	long pfn;

	fill_zone(m, z);
	set_pageblock_migratetype(m, pb, MIGRATE_UNMOVABLE);
	give_back(m, z, pb, 1);			/* an order-1 block */
	give_back(m, z, pb + 256, 3);		/* an order-3 block */
	lock_zone(z);
	pfn = rmqueue(z, 0, 0, MIGRATE_MOVABLE, 0);
	unlock_zone(z);
	/* the smallest suitable: the order-1 block at pb */
	assert_true(pfn == (long)pb || pfn == (long)pb + 1);
	mod_zone_freepage_state(z, -1, MIGRATE_MOVABLE);
	m->pages[pfn].flags |= PG_alloc;
	m->pages[pfn].refcount = 1;
	assert_int_equal(get_pageblock_migratetype(m, pb), MIGRATE_UNMOVABLE);
	CHECK(m);
	af_machine_destroy(m);
}

/* ALLOC_NOFRAGMENT: no stealing below pageblock order */
static void test_nofragment(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	unsigned long pb = 0x1000 + 2 * 512;

	fill_zone(m, z);
	set_pageblock_migratetype(m, pb, MIGRATE_MOVABLE);
	give_back(m, z, pb, 4);
	lock_zone(z);
	assert_false(rmqueue_fallback(z, 0, 0, MIGRATE_UNMOVABLE, ALLOC_NOFRAGMENT));
	assert_true(rmqueue_fallback(z, 0, 0, MIGRATE_UNMOVABLE, 0));
	unlock_zone(z);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_highatomic_reserve_release(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	struct alloc_context ac = {
		.zonelist = &m->node[0]->zonelist_fallback,
		.highest_zoneidx = ZONE_NORMAL, .migratetype = MIGRATE_UNMOVABLE,
	};
	long pfn, pfn2;

	/* reserve the pageblock of a freshly split allocation */
	pfn = rmqueue_smallest(z, 0, 2, MIGRATE_MOVABLE);
	mod_zone_freepage_state(z, -4, MIGRATE_MOVABLE);
	m->pages[pfn].flags |= PG_alloc;
	m->pages[pfn].order = 2;
	m->pages[pfn].refcount = 1;
	reserve_highatomic_pageblock(z, (unsigned long)pfn);
	assert_int_equal(get_pageblock_migratetype(m, (unsigned long)pfn), MIGRATE_HIGHATOMIC);
	assert_int_equal(z->nr_reserved_highatomic, 512);
	assert_false(list_empty_pfn(&z->free_area[2].free_list[MIGRATE_HIGHATOMIC]));
	CHECK(m);
	/* the limit: managed / 100 + one pageblock = 593 -> a second block is allowed */
	pfn2 = rmqueue_smallest(z, 0, 2, MIGRATE_MOVABLE);
	mod_zone_freepage_state(z, -4, MIGRATE_MOVABLE);
	m->pages[pfn2].flags |= PG_alloc;
	m->pages[pfn2].order = 2;
	m->pages[pfn2].refcount = 1;
	assert_true((pfn2 >> 9) != (pfn >> 9));
	reserve_highatomic_pageblock(z, (unsigned long)pfn2);
	assert_int_equal(z->nr_reserved_highatomic, 1024);
	reserve_highatomic_pageblock(z, 0x1000 + 512 * 8);
	assert_int_equal(z->nr_reserved_highatomic, 1024);
	assert_int_equal(get_pageblock_migratetype(m, 0x1000 + 512 * 8), MIGRATE_MOVABLE);
	/* the reserve is unusable for ordinary watermark checks */
	assert_true(zone_watermark_ok(z, 0, 8184 - 1024 + 10, ZONE_DMA32, ALLOC_HIGHATOMIC));
	assert_false(zone_watermark_ok(z, 0, 8184 - 1024 + 10, ZONE_DMA32, 0));
	CHECK(m);
	/* without force one pageblock is kept */
	assert_true(unreserve_highatomic_pageblock(m, &ac, false));
	assert_int_equal(z->nr_reserved_highatomic, 512);
	assert_false(unreserve_highatomic_pageblock(m, &ac, false));
	assert_true(unreserve_highatomic_pageblock(m, &ac, true));
	assert_int_equal(z->nr_reserved_highatomic, 0);
	CHECK(m);
	af_machine_destroy(m);
}

/*
 * A block freed with a stale pcp migratetype next to a HIGHATOMIC buddy is
 * not merged; when its own pageblock becomes HIGHATOMIC later, the two stay
 * unmerged (6.1 does not re-merge on a type change).  Found by fuzzing.
 */
static void test_unmerged_after_type_change(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	unsigned long a = 0x1400, b = 0x1600;

	lock_zone(z);
	del_page_from_free_list(z, a, 10, MIGRATE_MOVABLE);
	mod_zone_freepage_state(z, -1024, MIGRATE_MOVABLE);
	set_pageblock_migratetype(m, a, MIGRATE_UNMOVABLE);
	set_pageblock_migratetype(m, b, MIGRATE_HIGHATOMIC);
	z->nr_reserved_highatomic = 512;
	free_one_page_locked(z, b, 9, MIGRATE_HIGHATOMIC, false);
	free_one_page_locked(z, a, 9, MIGRATE_UNMOVABLE, false);
	unlock_zone(z);
	assert_int_equal(z->free_area[9].nr_free, 2);	/* not merged */
	CHECK(m);
	set_pageblock_migratetype(m, a, MIGRATE_HIGHATOMIC);	/* reserved later */
	z->nr_reserved_highatomic = 1024;
	CHECK(m);
	af_machine_destroy(m);
}

/* Slow path: GFP_ATOMIC order-2 below the low watermark reserves a block */
static void test_highatomic_via_slowpath(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = dma32(m);
	struct af_alloc_result r;
	uint64_t pfns[8192];
	int n = 0;

	/* allocate order-0 GFP_KERNEL until the fast path fails at low wmark */
	while (zone_page_state(z, NR_FREE_PAGES) > (long)low_wmark_pages(z) + 64) {
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
		pfns[n++] = r.pfn;
	}
	af_drain_all(m);
	while (zone_page_state(z, NR_FREE_PAGES) > (long)low_wmark_pages(z)) {
		assert_int_equal(af_alloc_pages(m, 1, AF_GFP_KERNEL | AF___GFP_NORETRY, 0, -1, &r), 0);
		pfns[n++] = r.pfn;
		af_drain_cpu(m, 1);
	}
	CHECK(m);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_ATOMIC, 2, -1, &r), 0);
	assert_true(r.slowpath);
	assert_int_equal(z->nr_reserved_highatomic, 512);
	assert_int_equal(get_pageblock_migratetype(m, r.pfn), MIGRATE_HIGHATOMIC);
	CHECK(m);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 2), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(af_free_pages(m, i % 2, pfns[i], 0), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* pcp: a refill takes batch pages; frees above high drain in batches */
static void test_pcp_refill_and_drain(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 1G\ncpus = 2\n");
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	struct per_cpu_pages *pcp = &z->pcp[0];
	struct af_alloc_result r;
	uint64_t *pfns = calloc(20000, sizeof(*pfns));
	int n = 0;

	assert_int_equal(pcp->batch, 63);
	assert_int_equal(pcp->high, 6928);
	af_drain_all(m);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_DMA32, 0, -1, &r), 0);
	pfns[n++] = r.pfn;
	assert_int_equal(pcp->count, 62);	/* refilled 63, took 1 */
	CHECK(m);
	while (n < 8000) {
		assert_int_equal(af_alloc_pages(m, 1, AF_GFP_KERNEL | AF___GFP_DMA32, 0, -1, &r), 0);
		pfns[n++] = r.pfn;
	}
	af_drain_cpu(m, 1);
	for (int i = 0; i < n; i++) {
		assert_int_equal(af_free_pages(m, 0, pfns[i], 0), 0);
		assert_true(pcp->count < pcp->high);
	}
	CHECK(m);
	af_drain_cpu(m, 0);
	assert_int_equal(pcp->count, 0);
	CHECK(m);
	free(pfns);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_state),
		cmocka_unit_test(test_split_merge_every_order),
		cmocka_unit_test(test_merge_needs_free_buddy),
		cmocka_unit_test(test_fallback_table),
		cmocka_unit_test(test_can_steal),
		cmocka_unit_test(test_claim_whole_block),
		cmocka_unit_test(test_claim_partial_block),
		cmocka_unit_test(test_movable_takes_smallest),
		cmocka_unit_test(test_nofragment),
		cmocka_unit_test(test_highatomic_reserve_release),
		cmocka_unit_test(test_unmerged_after_type_change),
		cmocka_unit_test(test_highatomic_via_slowpath),
		cmocka_unit_test(test_pcp_refill_and_drain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
