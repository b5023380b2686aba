/* test_page_alloc.c - GFP decoding, zonelists, the slow path and its hooks. */
#include "helpers.h"

static void test_gfp_zone_and_migratetype(void **st)
{
	(void)st;
	assert_int_equal(af_gfp_zone(AF_GFP_KERNEL), ZONE_NORMAL);
	assert_int_equal(af_gfp_zone(AF_GFP_ATOMIC), ZONE_NORMAL);
	assert_int_equal(af_gfp_zone(AF_GFP_USER), ZONE_NORMAL);
	assert_int_equal(af_gfp_zone(AF_GFP_HIGHUSER), ZONE_NORMAL);
	assert_int_equal(af_gfp_zone(AF_GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	assert_int_equal(af_gfp_zone(AF_GFP_TRANSHUGE), ZONE_MOVABLE);
	assert_int_equal(af_gfp_zone(AF_GFP_TRANSHUGE_LIGHT), ZONE_MOVABLE);
	assert_int_equal(af_gfp_zone(AF_GFP_KERNEL | AF___GFP_MOVABLE), ZONE_NORMAL);
	assert_int_equal(af_gfp_zone(AF_GFP_KERNEL | AF___GFP_DMA), ZONE_DMA);
	assert_int_equal(af_gfp_zone(AF_GFP_KERNEL | AF___GFP_DMA32), ZONE_DMA32);
	assert_int_equal(af_gfp_zone(AF___GFP_DMA32 | AF___GFP_MOVABLE), ZONE_DMA32);
	assert_int_equal(af_gfp_zone(AF___GFP_DMA | AF___GFP_MOVABLE), ZONE_DMA);
	assert_int_equal(af_gfp_zone(AF___GFP_DMA | AF___GFP_DMA32), -EINVAL);
	assert_int_equal(af_gfp_zone(AF___GFP_DMA32 | AF___GFP_HIGHMEM), -EINVAL);
	assert_int_equal(af_gfp_migratetype(NULL, AF_GFP_KERNEL), MIGRATE_UNMOVABLE);
	assert_int_equal(af_gfp_migratetype(NULL, AF_GFP_HIGHUSER_MOVABLE), MIGRATE_MOVABLE);
	assert_int_equal(af_gfp_migratetype(NULL, AF_GFP_KERNEL | AF___GFP_RECLAIMABLE), MIGRATE_RECLAIMABLE);
	assert_int_equal(af_gfp_migratetype(NULL, AF___GFP_MOVABLE | AF___GFP_RECLAIMABLE), -EINVAL);
}

static void test_gfp_names(void **st)
{
	(void)st;
	char b[256];
	af_gfp_t g;

	format_gfp_flags(AF_GFP_KERNEL, b, sizeof(b));
	assert_string_equal(b, "GFP_KERNEL");
	format_gfp_flags(AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, b, sizeof(b));
	assert_string_equal(b, "GFP_HIGHUSER_MOVABLE|__GFP_COMP");
	format_gfp_flags(AF_GFP_TRANSHUGE, b, sizeof(b));
	assert_string_equal(b, "GFP_TRANSHUGE");
	format_gfp_flags(AF_GFP_ATOMIC | AF___GFP_NOWARN, b, sizeof(b));
	assert_string_equal(b, "GFP_ATOMIC|__GFP_NOWARN");
	format_gfp_flags(0, b, sizeof(b));
	assert_string_equal(b, "none");
	assert_int_equal(af_gfp_parse("GFP_KERNEL|__GFP_NORETRY", &g), 0);
	assert_int_equal(g, AF_GFP_KERNEL | AF___GFP_NORETRY);
	assert_int_equal(af_gfp_parse("0x400|GFP_NOWAIT", &g), 0);
	assert_int_equal(g, AF___GFP_DIRECT_RECLAIM | AF___GFP_KSWAPD_RECLAIM);
	assert_int_equal(af_gfp_parse("GFP_BOGUS", &g), -EINVAL);
	assert_int_equal(af_gfp_parse("", &g), -EINVAL);
}

/* Zonelists walk zones downwards, nodes by distance */
static void test_zonelists_by_distance(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(
		"mem = 3G\nnodes = 3\ncpus = 3\n"
		"node.0.distance = 10 40 20\n"
		"node.1.distance = 40 10 20\n"
		"node.2.distance = 20 20 10\n");
	struct zonelist *zl = &m->node[0]->zonelist_fallback;

	/* node 0 (DMA32, DMA), then node 2 (nearer), then node 1 */
	assert_int_equal(zl->zones[0]->nid, 0);
	assert_int_equal(zl->zones[0]->type, ZONE_DMA32);
	assert_int_equal(zl->zones[1]->type, ZONE_DMA);
	assert_int_equal(zl->zones[2]->nid, 2);
	assert_int_equal(zl->zones[zl->nr - 1]->nid, 1);
	assert_int_equal(m->node[0]->zonelist_nofallback.nr, 2);
	/* a __GFP_THISNODE allocation stays on its node */
	struct af_alloc_result r;
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_THISNODE, 0, 1, &r), 0);
	assert_int_equal(r.nid, 1);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 0), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static unsigned long reclaim_calls, compact_calls, kswapd_wakes;
static uint64_t hoard[70000];
static int nhoard;

static unsigned long fake_reclaim(struct af_machine *m, af_gfp_t gfp, unsigned int order, void *arg)
{
	(void)gfp; (void)order; (void)arg;
	reclaim_calls++;
	/* "reclaim" 64 hoarded pages */
	unsigned long freed = 0;
	while (nhoard && freed < 64) {
		af_free_pages(m, 0, hoard[--nhoard], 0);
		freed++;
	}
	return freed;
}

static int fake_compact(struct af_machine *m, af_gfp_t gfp, unsigned int order, int prio, void *arg)
{
	(void)m; (void)gfp; (void)order; (void)prio; (void)arg;
	compact_calls++;
	return 0;
}

static void fake_kswapd(struct af_machine *m, int nid, unsigned int order, int zi, void *arg)
{
	(void)m; (void)nid; (void)order; (void)zi; (void)arg;
	kswapd_wakes++;
}

static const struct af_slowpath_ops ops = { fake_reclaim, fake_compact, fake_kswapd };

static const char *SMALL = "transparent_hugepage = never\ncpus = 1\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n";

/* Exhaust the zone with order-0 pages; returns how many were taken. */
static int exhaust_gfp(struct af_machine *m, af_gfp_t gfp)
{
	struct af_alloc_result r;
	while (nhoard < 70000 && af_alloc_pages(m, 0, gfp, 0, -1, &r) == 0)
		hoard[nhoard++] = r.pfn;
	return nhoard;
}

static int exhaust(struct af_machine *m)
{
	return exhaust_gfp(m, AF_GFP_NOWAIT);
}

static void test_slowpath_without_hooks_fails_cleanly(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct af_alloc_result r;

	nhoard = 0;
	exhaust(m);
	CHECK(m);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), -ENOMEM);
	assert_true(r.slowpath);
	assert_int_equal(r.reason, AF_FAIL_WATERMARK);
	assert_true(m->node[0]->kswapd_wakeups > 0);
	/* GFP_NOWAIT: cannot reclaim */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_NOWAIT, 0, -1, &r), -ENOMEM);
	assert_int_equal(r.reason, AF_FAIL_NOWAIT);
	/* costly order without __GFP_RETRY_MAYFAIL gives up */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 4, -1, &r), -ENOMEM);
	assert_int_equal(r.reason, AF_FAIL_NORETRY);
	/* GFP_ATOMIC dips below min: it gets a page where GFP_KERNEL did not */
	CHECK(m);
	while (nhoard)
		af_free_pages(m, 0, hoard[--nhoard], 0);
	af_drain_all(m);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_slowpath_hooks(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct af_alloc_result r;

	nhoard = 0;
	exhaust(m);
	reclaim_calls = compact_calls = kswapd_wakes = 0;
	af_set_slowpath_ops(m, &ops, NULL);
	/* reclaim makes progress, then the retry succeeds */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
	assert_true(r.slowpath);
	assert_true(reclaim_calls >= 1);
	assert_true(kswapd_wakes >= 1);
	hoard[nhoard++] = r.pfn;
	/* order-2 unmovable: direct compaction is tried before reclaim */
	exhaust(m);
	compact_calls = 0;
	(void)af_alloc_pages(m, 0, AF_GFP_KERNEL, 2, -1, &r);
	assert_true(compact_calls >= 1);
	if (r.reason == AF_ALLOC_OK)
		assert_int_equal(af_free_pages(m, 0, r.pfn, 2), 0);
	/* order-0 movable never compacts */
	compact_calls = 0;
	exhaust(m);
	(void)af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_NORETRY, 0, -1, &r);
	assert_int_equal(compact_calls, 0);
	CHECK(m);
	af_set_slowpath_ops(m, NULL, NULL);
	af_machine_destroy(m);
}

/*
 * should_reclaim_retry() with nothing on the file LRU: 6.1.y's
 * zone_reclaimable_pages() then counts a zone's free pages, so a DMA zone
 * holding a free order-9 block that its lowmem reserve keeps from the
 * allocation still passes the retry check, and a costly
 * __GFP_RETRY_MAYFAIL allocation loops until MAX_RECLAIM_RETRIES (the
 * kernel's last failing huge page allocation in fidelity's fragfill).
 */
static void test_costly_retry_counts_free_pages_as_reclaimable(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("transparent_hugepage = never\ncpus = 1\n"
					    "node.0.zone.DMA = 0x1 4095 4095 4095\n"
					    "node.0.zone.DMA32 = 0x1000 8192 8192 8192\n"
					    /* DMA's reserve 256 pages (430 at 512 MiB), no boost */
					    "vm.lowmem_reserve_ratio = 32 32 32 0\n"
					    "vm.watermark_boost_factor = 0\n");
	struct zone *dma = &m->node[0]->node_zones[ZONE_DMA];
	const af_gfp_t htlb = AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | AF___GFP_RETRY_MAYFAIL |
			      AF___GFP_NOWARN;
	struct af_alloc_result r;
	unsigned long block = 0;

	nhoard = 0;
	exhaust_gfp(m, AF_GFP_DMA & ~AF___GFP_DIRECT_RECLAIM);
	exhaust_gfp(m, AF_GFP_NOWAIT);
	af_drain_all(m);
	CHECK(m);
	/* free one whole aligned order-9 block of the DMA zone */
	for (unsigned long b = 512; b + 512 <= 4096 && !block; b += 512) {
		int n = 0;
		for (int i = 0; i < nhoard; i++)
			n += hoard[i] >= b && hoard[i] < b + 512;
		if (n == 512)
			block = b;
	}
	assert_true(block != 0);
	for (int i = 0; i < nhoard; i++)
		if (hoard[i] >= block && hoard[i] < block + 512)
			assert_int_equal(af_free_pages(m, 0, hoard[i], 0), 0);
	af_drain_all(m);
	CHECK(m);
	/* the preconditions: the block is free, the allocation may not take it,
	 * free + free (counted as reclaimable) passes the min watermark */
	long free = zone_page_state(dma, NR_FREE_PAGES);
	long floor = (long)min_wmark_pages(dma) + dma->lowmem_reserve[ZONE_MOVABLE];
	assert_true(dma->free_area[9].nr_free + dma->free_area[10].nr_free >= 1);
	assert_true(free - 511 <= floor);
	assert_true(2 * free - 511 > floor);

	uint64_t stalls = m->events[ALLOCSTALL_MOVABLE];
	assert_int_equal(af_alloc_pages(m, 0, htlb, 9, -1, &r), -ENOMEM);
	assert_int_equal(r.retries, MAX_RECLAIM_RETRIES + 1);
	assert_int_equal(m->events[ALLOCSTALL_MOVABLE] - stalls, MAX_RECLAIM_RETRIES + 1);
	/* without __GFP_RETRY_MAYFAIL a costly order gives up after one loop */
	assert_int_equal(af_alloc_pages(m, 0, htlb & ~AF___GFP_RETRY_MAYFAIL, 9, -1, &r), -ENOMEM);
	assert_int_equal(r.retries, 1);
	CHECK(m);
	while (nhoard) {
		uint64_t pfn = hoard[--nhoard];
		if (pfn < block || pfn >= block + 512)
			assert_int_equal(af_free_pages(m, 0, pfn, 0), 0);
	}
	af_drain_all(m);
	CHECK(m);
	af_machine_destroy(m);
}

/* Tiny machines disable grouping by mobility */
static void test_mobility_disabled(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("transparent_hugepage = never\ncpus = 1\n"
					    "node.0.zone.DMA32 = 0x1000 2048 2048 2048\n");
	struct af_alloc_result r;

	assert_true(m->page_group_by_mobility_disabled);
	assert_int_equal(af_gfp_migratetype(m, AF_GFP_HIGHUSER_MOVABLE), MIGRATE_UNMOVABLE);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r), 0);
	assert_int_equal(get_pageblock_migratetype(m, r.pfn), MIGRATE_UNMOVABLE);
	CHECK(m);
	af_machine_destroy(m);
	m = machine_from(SMALL);
	assert_false(m->page_group_by_mobility_disabled);
	af_machine_destroy(m);
}

/* A fragmenting fallback boosts the watermark and wakes kswapd on the next alloc */
static void test_watermark_boost(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	struct af_alloc_result r;
	unsigned long high = z->_watermark[WMARK_HIGH];

	kswapd_wakes = 0;
	af_set_slowpath_ops(m, &ops, NULL);
	/* Make every free page MOVABLE-typed and scattered: fill, free odd pages */
	nhoard = 0;
	exhaust_gfp(m, AF_GFP_HIGHUSER_MOVABLE & ~AF___GFP_DIRECT_RECLAIM);
	for (int i = 0; i < nhoard; i += 2)
		af_free_pages(m, 0, hoard[i], 0);
	af_drain_all(m);
	uint64_t wakes0 = m->node[0]->kswapd_wakeups;
	/* an UNMOVABLE order-0 allocation must steal from a MOVABLE block */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
	/* boost = min(boost + pageblock, max(pageblock, high * 15000 / 10000)) */
	unsigned long max_boost = MAX(512UL, high * 15000 / 10000);
	assert_int_equal(z->watermark_boost, MIN(512UL, max_boost));
	assert_true(m->node[0]->kswapd_wakeups > wakes0);
	/* watermark_boost_factor = 0 disables boosting */
	assert_int_equal(af_sysctl_write(m, "vm.watermark_boost_factor", "0"), 0);
	assert_false(boost_watermark(z));
	CHECK(m);
	af_set_slowpath_ops(m, NULL, NULL);
	af_machine_destroy(m);
}

/* Is a free buddy block of `order` at pfn, on some list of its zone? */
static bool free_block_at(struct af_machine *m, unsigned long pfn, unsigned int order)
{
	struct page *p = &m->pages[pfn];
	return (pflags(p) & PG_buddy) && porder(p) == order;
}

/*
 * af_alloc_pages_at(): the named block out of the free block holding it,
 * the rest left free in the largest aligned pieces; off a per-CPU list on
 * another CPU; and the refusals.
 */
static void test_alloc_pages_at(void **st)
{
	struct af_machine *m = machine_from("mem = 1G\ncpus = 2\nboot = clean\n");
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	struct af_alloc_result r;
	uint64_t free0 = af_machine_free_pages(m);
	unsigned long head = PFN_NIL;

	(void)st;
	for (unsigned long pfn = z->zone_start_pfn; pfn < z->zone_start_pfn + z->spanned_pages; pfn += 1024)
		if (free_block_at(m, pfn, MAX_ORDER - 1)) {
			head = pfn;
			break;
		}
	assert_true(head != PFN_NIL);
	long blocks10 = (long)z->free_area[MAX_ORDER - 1].nr_free;
	assert_int_equal(af_alloc_pages_at(m, 1, AF_GFP_KERNEL, head + 5, 0, &r), 0);
	assert_true(r.pfn == head + 5);
	assert_int_equal(r.zone, ZONE_DMA32);
	assert_true(pflags(&m->pages[head + 5]) & PG_alloc);
	assert_true(af_machine_free_pages(m) == free0 - 1);
	/* the 1023 other pages: 4 (order 0), 6 (1), 0 (2), 8 (3), then 16, 32, ... 512 */
	assert_true(free_block_at(m, head + 4, 0));
	assert_true(free_block_at(m, head + 6, 1));
	assert_true(free_block_at(m, head + 0, 2));
	for (unsigned int o = 3; o < MAX_ORDER - 1; o++)
		assert_true(free_block_at(m, head + (1UL << o), o));
	assert_int_equal((long)z->free_area[MAX_ORDER - 1].nr_free, blocks10 - 1);
	CHECK(m);
	/* an order-2 block inside a piece, and a block that is not free */
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, head + 0x104, 2, &r), 0);
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, head + 0x104, 0, &r), -EBUSY);
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, head + 0x100, 3, &r), -EBUSY);
	CHECK(m);
	/* freed, both merge back into the order-10 block */
	assert_int_equal(af_free_pages(m, 0, head + 0x104, 2), 0);
	assert_int_equal(af_free_pages(m, 1, head + 5, 0), 0);
	assert_int_equal(af_drain_cpu(m, 0), 0);
	assert_int_equal(af_drain_cpu(m, 1), 0);
	assert_true(free_block_at(m, head, MAX_ORDER - 1));
	assert_true(af_machine_free_pages(m) == free0);
	CHECK(m);
	/* a page on CPU 1's per-CPU list, taken by a call on CPU 0 */
	assert_int_equal(af_alloc_pages(m, 1, AF_GFP_KERNEL, 0, -1, &r), 0);
	uint64_t pcp_pfn = r.pfn;
	assert_int_equal(af_free_pages(m, 1, pcp_pfn, 0), 0);
	assert_true(pflags(&m->pages[pcp_pfn]) & PG_pcp);
	int count1 = z->pcp[1].count;
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, pcp_pfn, 0, &r), 0);
	assert_int_equal(z->pcp[1].count, count1 - 1);
	assert_false(pflags(&m->pages[pcp_pfn]) & PG_pcp);
	assert_int_equal(af_free_pages(m, 0, pcp_pfn, 0), 0);
	CHECK(m);
	/* refusals: a pfn in no zone, misaligned, past the end, bad cpu */
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, 0, 0, &r), -EINVAL);
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, head + 1, 1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, af_machine_max_pfn(m), 0, &r), -EINVAL);
	assert_int_equal(af_alloc_pages_at(m, 0, AF_GFP_KERNEL, z->zone_start_pfn - 512, 10, &r), -EINVAL);
	assert_int_equal(af_alloc_pages_at(m, 2, AF_GFP_KERNEL, head, 0, &r), -EINVAL);
	assert_int_equal(af_alloc_pages_at(NULL, 0, AF_GFP_KERNEL, head, 0, &r), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);
}

/*
 * af_alloc_predict() names the block the fast path then takes; a refill and
 * a drain of one named block move it between the buddy and a pcp list.
 */
static void test_pcp_moves_and_predict(void **st)
{
	struct af_machine *m = machine_from("mem = 1G\ncpus = 2\nboot = clean\n");
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	struct af_alloc_result r;
	uint64_t want, free0;
	unsigned long head = PFN_NIL;

	(void)st;
	af_drain_cpu(m, 0);
	af_drain_cpu(m, 1);
	/* an empty list: the buddy's choice; then the refilled list's head */
	for (int k = 0; k < 3; k++) {
		assert_int_equal(af_alloc_predict(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, &want), 0);
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r), 0);
		assert_true(r.pfn == want);
	}
	assert_int_equal(af_alloc_predict(m, 0, AF_GFP_HIGHUSER_MOVABLE, 10, &want), 0);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 10, -1, &r), 0);
	assert_true(r.pfn == want);
	/* no Unmovable block yet: the request would fall back */
	assert_int_equal(af_alloc_predict(m, 0, AF_GFP_KERNEL, 10, &want), -ENOENT);
	CHECK(m);
	/* refill a named order-0 page onto CPU 1, then drain it back */
	for (unsigned long pfn = z->zone_start_pfn; pfn < z->zone_start_pfn + z->spanned_pages; pfn += 1024)
		if (free_block_at(m, pfn, MAX_ORDER - 1)) {
			head = pfn;
			break;
		}
	assert_true(head != PFN_NIL);
	free0 = (uint64_t)zone_page_state(z, NR_FREE_PAGES);
	int count1 = z->pcp[1].count;
	assert_int_equal(af_pcp_refill_at(m, 1, head + 7, 0, MIGRATE_MOVABLE), 0);
	assert_true(pflags(&m->pages[head + 7]) & PG_pcp);
	assert_int_equal(z->pcp[1].count, count1 + 1);
	assert_true((uint64_t)zone_page_state(z, NR_FREE_PAGES) == free0 - 1);	/* on a list now */
	assert_int_equal(af_alloc_predict(m, 1, AF_GFP_HIGHUSER_MOVABLE, 0, &want), 0);
	assert_true(want == head + 7 || count1 > 0);
	assert_int_equal(af_pcp_refill_at(m, 1, head + 7, 0, MIGRATE_MOVABLE), -EBUSY);
	CHECK(m);
	assert_int_equal(af_pcp_drain_at(m, head + 7, 0, -1), 0);
	assert_int_equal(z->pcp[1].count, count1);
	assert_true(free_block_at(m, head, MAX_ORDER - 1));
	assert_int_equal(af_pcp_drain_at(m, head + 7, 0, -1), -EBUSY);
	assert_int_equal(af_pcp_refill_at(m, 0, head, 5, MIGRATE_MOVABLE), -EINVAL);	/* not a pcp order */
	assert_int_equal(af_pcp_refill_at(m, 0, head + 1, 1, MIGRATE_MOVABLE), -EINVAL);	/* misaligned */
	assert_int_equal(af_pcp_refill_at(m, 0, r.pfn, 0, MIGRATE_MOVABLE), -EBUSY);	/* allocated */
	assert_int_equal(af_pcp_refill_at(m, 2, head, 0, MIGRATE_MOVABLE), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gfp_zone_and_migratetype),
		cmocka_unit_test(test_gfp_names),
		cmocka_unit_test(test_zonelists_by_distance),
		cmocka_unit_test(test_slowpath_without_hooks_fails_cleanly),
		cmocka_unit_test(test_slowpath_hooks),
		cmocka_unit_test(test_costly_retry_counts_free_pages_as_reclaimable),
		cmocka_unit_test(test_mobility_disabled),
		cmocka_unit_test(test_watermark_boost),
		cmocka_unit_test(test_alloc_pages_at),
		cmocka_unit_test(test_pcp_moves_and_predict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
