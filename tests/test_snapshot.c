/*
 * test_snapshot.c - state as data: a snapshot agrees with the lists and
 * counters it was taken from, and the metrics mean what they say.
 */
#include "helpers.h"

/* Snapshot totals against the machine's own counters */
static void consistent(struct af_machine *m)
{
	struct af_snapshot s;
	struct af_metrics mt;
	uint64_t cls[AF_NR_PFN_CLASSES] = { 0 }, buddy = 0, nr_free = 0, pb_free = 0;
	struct af_world_stats ws;

	assert_int_equal(af_snapshot_take(m, &s), 0);
	assert_int_equal(af_metrics(m, &mt), 0);
	for (uint64_t p = 0; p < s.max_pfn; p++) {
		assert_true(s.pfn_class[p] < AF_NR_PFN_CLASSES);
		cls[s.pfn_class[p]]++;
	}
	for (int n = 0; n < s.nr_nodes; n++)
		for (int z = 0; z < AF_NR_ZONE_TYPES; z++)
			for (int o = 0; o < AF_NR_ORDERS; o++)
				for (int t = 0; t < AF_NR_MIGRATETYPES; t++)
					buddy += AF_SNAP_FREE_BLOCKS(&s, n, z, o, t) << o;
	for (uint64_t b = 0; b < s.nr_pageblocks; b++)
		pb_free += s.pageblocks[b].free_pages;
	assert_int_equal(af_vmstat(m, "nr_free_pages", &nr_free), 0);
	/* buddy lists = nr_free_pages (no ISOLATE blocks here); + pcp = every free page */
	assert_int_equal(buddy, nr_free);
	assert_int_equal(cls[AF_PFN_FREE], af_machine_free_pages(m));
	assert_int_equal(pb_free, cls[AF_PFN_FREE]);
	assert_int_equal(mt.free_pages, cls[AF_PFN_FREE]);
	af_world_stats(m, &ws);
	assert_int_equal(cls[AF_PFN_PAGETABLE], ws.pgtable_pages);
	assert_int_equal(cls[AF_PFN_SLAB_UNMOVABLE] + cls[AF_PFN_SLAB_RECLAIMABLE], ws.slab_pages);
	assert_int_equal(cls[AF_PFN_DRIVER], ws.driver_pages);
	/* the oracle can never promise less than what is free already */
	assert_true(mt.oracle_huge >= mt.huge_free);
	assert_true(mt.oracle_gig >= mt.gig_free);
	assert_true(mt.oracle_huge <= mt.free_pages / 512);
	{
		uint64_t sum = 0, kinds = 0;
		for (int o = 0; o < AF_NR_ORDERS; o++)
			sum += mt.free_blocks[o] << o;
		assert_int_equal(sum, nr_free);
		for (int k = 0; k < 3; k++)
			for (int a = 0; a < 3; a++)
				for (int f = 0; f < 3; f++)
					kinds += mt.extfrag[k][a][f];
		assert_int_equal(kinds, mt.extfrag_events);
	}
	af_snapshot_free(&s);
}

static void boot_state(void **state)
{
	struct af_machine *m = machine_from("mem = 1G\n");
	struct af_metrics mt;

	CHECK(m);
	consistent(m);
	assert_int_equal(af_metrics(m, &mt), 0);
	/* the boot's kernel allocations fell back and claimed pageblocks */
	assert_true(mt.extfrag_events > 0);
	assert_true(mt.huge_free > 400);		/* ~950 MiB free at boot */
	assert_true(mt.oracle_huge >= mt.huge_free);
	/* the 1 GiB reference boot's 512 blocks; 6.1's deferred struct page init
	 * leaves the reserved blocks above the first 256 MiB unmovable */
	assert_int_equal(mt.pageblocks[MIGRATE_MOVABLE] + mt.pageblocks[MIGRATE_UNMOVABLE] +
			 mt.pageblocks[MIGRATE_RECLAIMABLE], 512);
	assert_int_equal(mt.pageblocks[MIGRATE_RECLAIMABLE], 6);
	assert_true(mt.pageblocks[MIGRATE_UNMOVABLE] >= 8);
	af_machine_destroy(m);
	/* booting clean: every block movable */
	m = machine_from("mem = 1G\nboot = clean\n");
	CHECK(m);
	consistent(m);
	assert_int_equal(af_metrics(m, &mt), 0);
	assert_int_equal(mt.mixed_pageblocks, 0);
	assert_int_equal(mt.extfrag_events, 0);
	assert_int_equal(mt.pageblocks[MIGRATE_MOVABLE], 512);
	af_machine_destroy(m);
}

/* Fragmenting raw allocations: the pages an unmovable fallback lands among
 * make mixed pageblocks, and the oracle sees past free-page scatter */
static void fragmented(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\n");
	static uint64_t pfns[70000];
	struct af_alloc_result r;
	struct af_metrics before, after;
	int n = 0;

	af_drain_all(m);	/* the boot's per-CPU pages back in the buddy lists */
	while (n < 70000 && af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r) == 0)
		pfns[n++] = r.pfn;
	for (int i = 0; i < n; i += 2)
		af_free_pages(m, 0, pfns[i], 0);
	af_drain_all(m);
	CHECK(m);
	consistent(m);
	assert_int_equal(af_metrics(m, &before), 0);
	assert_int_equal(before.huge_free, 0);		/* every other page is taken */
	for (int i = 0; i < 3000; i++)
		af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_NOWARN, 0, -1, &r);
	CHECK(m);
	consistent(m);
	assert_int_equal(af_metrics(m, &after), 0);
	assert_true(after.extfrag_events > 0);
	assert_true(after.mixed_pageblocks > 0);
	assert_true(after.mixed_by_type[MIGRATE_UNMOVABLE] > 0);	/* claimed blocks hold movable pages */
	assert_true(after.unusable_index_9 > 900);
	af_machine_destroy(m);
}

/* Anonymous pages scattered one in two: nothing free is huge, the oracle
 * sees what compaction can make, and compact_memory gets there */
static void oracle(void **state)
{
	struct af_machine *m = machine_from("mem = 128M\ntransparent_hugepage = never\n");
	struct af_metrics before, after;
	int pid[2];
	uint64_t vpn;

	assert_int_equal(af_proc_create(m, &pid[0]), 0);
	assert_int_equal(af_proc_create(m, &pid[1]), 0);
	for (int i = 0; i < 40000; i++) {	/* until memory runs short */
		int p = pid[i & 1];
		if (af_mmap_anon(m, p, 1, 0, &vpn) || af_mem_write(m, p, 0, vpn))
			break;
	}
	assert_int_equal(af_proc_exit(m, pid[1]), 0);
	af_drain_all(m);
	CHECK(m);
	consistent(m);
	assert_int_equal(af_metrics(m, &before), 0);
	if (!(before.huge_free * 4 < before.oracle_huge))
		fail_msg("huge_free %llu oracle %llu free %llu", (unsigned long long)before.huge_free,
			 (unsigned long long)before.oracle_huge, (unsigned long long)before.free_pages);
	assert_int_equal(af_compact_memory(m), 0);
	af_drain_all(m);
	CHECK(m);
	consistent(m);
	assert_int_equal(af_metrics(m, &after), 0);
	assert_true(after.huge_free > before.huge_free);
	/* a perfect compactor is an upper bound (the oracle of before may only
	 * grow by pages freed meanwhile, and none were) */
	assert_true(after.huge_free <= before.oracle_huge);
	af_machine_destroy(m);
}

static void world_state(void **state)
{
	struct af_machine *m = machine_from("mem = 512M\n");
	struct af_world_workload_stats st;

	assert_int_equal(af_workload_world(m, 5, 20000, &st), 0);
	CHECK(m);
	consistent(m);
	af_machine_destroy(m);
}

struct samples { int n; uint64_t last_clock; uint64_t interval; int bad; uint64_t max_stall; };

static void on_sample(void *arg, const struct af_sample *s)
{
	struct samples *x = arg;

	if (s->clock_ns <= x->last_clock || s->clock_ns / x->interval == x->last_clock / x->interval)
		x->bad++;		/* one sample per interval crossed, in order */
	if (s->metrics.free_pages == 0 || s->metrics.oracle_huge < s->metrics.huge_free)
		x->bad++;
	if (s->compact_stall < x->max_stall)
		x->bad++;		/* counters never go back */
	x->max_stall = s->compact_stall;
	x->last_clock = s->clock_ns;
	x->n++;
}

static void sampler(void **state)
{
	struct af_machine *m = machine_from("mem = 128M\n");
	struct samples x = { .interval = 1000000 };	/* 1 ms of virtual time */
	struct af_workload_stats st;
	uint64_t t0 = af_clock_ns(m);

	assert_int_equal(af_sampler_set(m, x.interval, on_sample, &x), 0);
	assert_int_equal(af_workload_mixed(m, 3, 20000, &st), 0);	/* 1 us per operation */
	CHECK(m);
	uint64_t crossed = af_clock_ns(m) / x.interval - t0 / x.interval;
	assert_true(x.n > 10);
	assert_true((uint64_t)x.n <= crossed);
	assert_int_equal(x.bad, 0);
	/* stopped: no more samples */
	int n = x.n;
	assert_int_equal(af_sampler_set(m, 0, NULL, NULL), 0);
	af_clock_advance(m, 10 * x.interval);
	assert_int_equal(x.n, n);
	af_machine_destroy(m);

	m = machine_from("mem = 128M\nthreaded = 1\n");
	assert_true(af_sampler_set(m, x.interval, on_sample, &x) < 0);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_state),
		cmocka_unit_test(fragmented),
		cmocka_unit_test(oracle),
		cmocka_unit_test(world_state),
		cmocka_unit_test(sampler),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
