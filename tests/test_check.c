/* test_check.c - the invariant checker catches each kind of corruption. */
#include "helpers.h"

static const char *SMALL = "transparent_hugepage = never\ncpus = 2\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n";

static struct af_machine *fresh(void)
{
	struct af_machine *m = machine_from(SMALL);
	CHECK(m);
	return m;
}

static void expect_violation(struct af_machine *m, const char *needle)
{
	char rep[512];
	int n = af_check(m, rep, sizeof(rep));
	if (n == 0)
		fail_msg("corruption not detected (wanted '%s')", needle);
	if (!strstr(rep, needle))
		fail_msg("report '%s' does not mention '%s'", rep, needle);
	af_machine_destroy(m);
}

static struct zone *zz(struct af_machine *m) { return &m->node[0]->node_zones[ZONE_DMA32]; }

static void test_nr_free_off(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	zz(m)->free_area[10].nr_free++;
	expect_violation(m, "nr_free");
}

static void test_vmstat_off(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	zone_stat_mod(zz(m), NR_FREE_PAGES, 3);
	expect_violation(m, "NR_FREE_PAGES");
}

static void test_unmerged_buddies(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct zone *z = zz(m);
	/* split an order-10 block by hand: order 9 + two order-8 buddies left unmerged */
	unsigned long pfn = z->free_area[10].free_list[MIGRATE_MOVABLE].first;
	del_page_from_free_list(z, pfn, 10, MIGRATE_MOVABLE);
	add_to_free_list(z, pfn, 9, MIGRATE_MOVABLE, false);
	add_to_free_list(z, pfn + 512, 8, MIGRATE_MOVABLE, false);
	add_to_free_list(z, pfn + 768, 8, MIGRATE_MOVABLE, false);
	expect_violation(m, "unmerged buddies");
}

static void test_misaligned_block(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct zone *z = zz(m);
	struct af_alloc_result r;
	/* an order-2 block (4 aligned pages) re-listed as an order-1 block at +1 */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_NORETRY, 2, -1, &r), 0);
	af_drain_all(m);
	pflags_clear(m, &m->pages[r.pfn], PG_alloc);
	add_to_free_list(z, r.pfn + 1, 1, MIGRATE_UNMOVABLE, false);
	expect_violation(m, "misaligned");
}

static void test_free_and_allocated(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct zone *z = zz(m);
	unsigned long pfn = z->free_area[10].free_list[MIGRATE_MOVABLE].first;
	/* a page inside a free block claims to be an allocated block */
	pflags_or(m, &m->pages[pfn + 8], PG_alloc);
	m->pages[pfn + 8].refcount = 1;
	expect_violation(m, "inside free block");
}

static void test_pcp_count_off(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct af_alloc_result r;
	assert_int_equal(af_alloc_pages(m, 1, AF_GFP_KERNEL, 0, -1, &r), 0);
	zz(m)->pcp[1].count += 1;
	expect_violation(m, "pcp count");
}

static void test_lost_page(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct af_alloc_result r;
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_NORETRY, 4, -1, &r), 0);
	/* forget the allocation without freeing: its pages belong to nobody */
	pflags_clear(m, &m->pages[r.pfn], PG_alloc);
	expect_violation(m, "neither free, allocated nor reserved");
}

static void test_sampled_word_stale(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	unsigned long pfn = zz(m)->free_area[10].free_list[MIGRATE_MOVABLE].first;
	size_t b = pfn >> PAGEBLOCK_ORDER;

	/* the words mirror the block's free head and nothing else */
	assert_int_equal(af_check(m, NULL, 0), 0);
	assert_int_equal(m->pb_buddy[b], 1);
	assert_int_equal(m->pb_lru[b], 0);
	m->pb_lru[b] |= 1ULL << 5;
	expect_violation(m, "sampled PG_lru");
}

static void test_scan_mirror_stale(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct af_alloc_result r;

	/* a compound head is mirrored with its order, its tails not at all */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_COMP | AF___GFP_NORETRY, 3, -1, &r), 0);
	assert_int_equal(ps_flags(m, r.pfn), PS_HEAD);
	assert_int_equal(ps_order(m, r.pfn), 3);
	assert_int_equal(ps_flags(m, r.pfn + 1), 0);
	assert_int_equal(af_check(m, NULL, 0), 0);
	m->pscan[r.pfn].order = 2;
	expect_violation(m, "scanners' mirror");
}

static void test_huge_mark_stale(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct af_alloc_result r;

	/* an order-10 compound page marks both its pageblocks; freed, neither */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_COMP | AF___GFP_NORETRY, 10, -1, &r), 0);
	assert_int_equal(af_check(m, NULL, 0), 0);
	assert_true(m->pb_huge[r.pfn >> PAGEBLOCK_ORDER] && m->pb_huge[(r.pfn >> PAGEBLOCK_ORDER) + 1]);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 10), 0);
	assert_int_equal(af_check(m, NULL, 0), 0);
	assert_false(m->pb_huge[r.pfn >> PAGEBLOCK_ORDER] || m->pb_huge[(r.pfn >> PAGEBLOCK_ORDER) + 1]);
	/* an order-9 one split into order-0 pages is no longer one */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_COMP | AF___GFP_NORETRY, 9, -1, &r), 0);
	assert_int_equal(af_split_page(m, r.pfn, 9), 0);
	assert_false(m->pb_huge[r.pfn >> PAGEBLOCK_ORDER]);
	assert_int_equal(af_check(m, NULL, 0), 0);
	m->pb_huge[r.pfn >> PAGEBLOCK_ORDER] = 1;
	expect_violation(m, "compound page of pageblock order");
}

static void test_free_page_lru(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	unsigned long pfn = zz(m)->free_area[10].free_list[MIGRATE_MOVABLE].first;

	pflags_or(m, &m->pages[pfn + 16], PG_lru);
	expect_violation(m, "PG_lru");
}

static void test_isolate_list_mismatch(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct zone *z = zz(m);
	unsigned long pfn = z->free_area[10].free_list[MIGRATE_MOVABLE].first;
	move_to_free_list(z, pfn, 10, MIGRATE_ISOLATE);
	expect_violation(m, "Isolate list");
}

static void test_list_cycle(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	struct zone *z = zz(m);
	struct list_pfn *l = &z->free_area[10].free_list[MIGRATE_MOVABLE];
	m->pages[l->last].next = l->first;	/* close the list into a ring */
	expect_violation(m, "");
}

/* Zone sizes: holes are neither present nor managed */
static void test_present_off(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	zz(m)->present_pages++;
	expect_violation(m, "present_pages");
}

static void test_managed_off(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	zz(m)->managed_pages--;
	expect_violation(m, "managed_pages");
}

/* The online bit of a pageblock follows its present pages */
static void test_block_offline_with_memory(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	m->pageblocks[(0x1000 >> PAGEBLOCK_ORDER) + 3].online = 0;
	expect_violation(m, "offline but has present pages");
}

static void test_hole_block_online(void **st)
{
	(void)st;
	/* 16 pageblocks of memory, then 16 of hole */
	struct af_machine *m = machine_from("transparent_hugepage = never\ncpus = 1\n"
					    "node.0.zone.DMA32 = 0x1000 16384 8192 8192\n");
	CHECK(m);
	unsigned long hole = 0x1000 + 8192;
	assert_true(pflags(&m->pages[hole]) & PG_hole);
	assert_false(pfn_online(m, hole));
	assert_true(pfn_online(m, hole - 1));
	m->pageblocks[hole >> PAGEBLOCK_ORDER].online = 1;
	expect_violation(m, "online but has no present pages");
}

/* the watermark check's lock-free view of the lists must follow them */
static void test_nonempty_bit_off(void **st)
{
	(void)st;
	struct af_machine *m = fresh();
	assert_int_not_equal(zz(m)->free_area[10].free_list[MIGRATE_MOVABLE].first, PFN_NIL);
	zz(m)->free_area[10].nonempty &= ~(1u << MIGRATE_MOVABLE);
	expect_violation(m, "nonempty bit is clear");
	m = fresh();
	zz(m)->free_area[3].nonempty |= 1u << MIGRATE_RECLAIMABLE;
	expect_violation(m, "nonempty bit is set");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nr_free_off),
		cmocka_unit_test(test_vmstat_off),
		cmocka_unit_test(test_unmerged_buddies),
		cmocka_unit_test(test_misaligned_block),
		cmocka_unit_test(test_free_and_allocated),
		cmocka_unit_test(test_pcp_count_off),
		cmocka_unit_test(test_lost_page),
		cmocka_unit_test(test_isolate_list_mismatch),
		cmocka_unit_test(test_sampled_word_stale),
		cmocka_unit_test(test_scan_mirror_stale),
		cmocka_unit_test(test_huge_mark_stale),
		cmocka_unit_test(test_free_page_lru),
		cmocka_unit_test(test_list_cycle),
		cmocka_unit_test(test_present_off),
		cmocka_unit_test(test_managed_off),
		cmocka_unit_test(test_block_offline_with_memory),
		cmocka_unit_test(test_hole_block_online),
		cmocka_unit_test(test_nonempty_bit_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
