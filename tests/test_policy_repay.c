/* test_policy_repay.c - the repay policy: what is recorded, what is moved back */
#include "helpers.h"
#include "world.h"

#define NDRV		16
#define HOLES		80	/* MOVABLE pageblocks given a 64-page hole */
#define HOLE_PAGES	64
#define LEFT_FREE	1500	/* pages left free by the driver fill */

static uint64_t stat(struct af_machine *m, const char *name)
{
	uint64_t v = 0;

	if (af_policy_stat(m, name, &v))
		fail_msg("af_policy_stat %s: %s", name, af_errmsg());
	return v;
}

/* Every record is accounted for: settled one way or still held */
static void check_books(struct af_machine *m)
{
	assert_int_equal(stat(m, "recorded"),
			 stat(m, "repaid_migrated") + stat(m, "repaid_recreated") +
			 stat(m, "not_repayable") + stat(m, "freed") + stat(m, "retyped") +
			 stat(m, "records"));
}

struct scene {
	struct af_machine *m;
	uint64_t own[4];		/* order-9 blocks: 2 UNMOVABLE, 2 RECLAIMABLE pageblocks */
	int rcache, rcache1, ucache;	/* reclaimable order 0 and 1, unmovable */
	int pid;
	uint64_t vpn;
	uint64_t raw[3];		/* raw kernel pages (orders 0, 0, 1) */
};

static unsigned long cache_objects(struct af_machine *m, int cid)
{
	struct kmem_cache *c = m->world->caches[cid];
	unsigned long n = 0;

	for (int i = 0; i < c->nslabs; i++)
		n += c->slabs[i].inuse;
	return n;
}

/*
 * Build the situation the policy is for: own-type pageblocks fully in use,
 * memory full of movable driver pages with 64-page holes in many MOVABLE
 * pageblocks (too few free pages for a claim), so unmovable and
 * reclaimable allocations take pages inside MOVABLE pageblocks.
 */
static void build_scene(struct scene *s, const char *policy)
{
	char cfg[256];
	struct af_machine *m;
	int did[NDRV];
	uint32_t *who;			/* pfn -> driver page + 1 (driver d, page no) */
	uint64_t *pno;
	int *pdid;
	size_t npages = 0, cap;
	uint64_t obj;

	/* a clean boot: the driver pages fill pageblocks the test can count */
	snprintf(cfg, sizeof(cfg), "mem = 256M\nboot = clean\npolicy = %s\ncontents = 1\n"
		 "vm.watermark_boost_factor = 0\nvm.compaction_proactiveness = 0\n", policy);
	m = s->m = machine_from(cfg);
	CHECK(m);

	/* own-type pageblocks, in use for now */
	for (int i = 0; i < 4; i++) {
		struct af_alloc_result r;
		af_gfp_t gfp = AF_GFP_KERNEL | (i >= 2 ? AF___GFP_RECLAIMABLE : 0);

		assert_int_equal(af_alloc_pages(m, 0, gfp, PAGEBLOCK_ORDER, -1, &r), 0);
		s->own[i] = r.pfn;
		assert_int_equal(get_pageblock_migratetype(m, (unsigned long)r.pfn),
				 i >= 2 ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE);
	}
	assert_int_equal(stat(m, "recorded"), 0);
	CHECK(m);

	/* fill with movable driver pages */
	cap = af_machine_max_pfn(m);
	who = calloc(cap, sizeof(*who));
	pno = calloc(cap, sizeof(*pno));
	pdid = calloc(cap, sizeof(*pdid));
	assert_non_null(who);
	assert_non_null(pno);
	assert_non_null(pdid);
	for (int d = 0; d < NDRV; d++)
		assert_int_equal(af_driver_create(m, NULL, NULL, &did[d]), 0);
	while (af_machine_free_pages(m) > LEFT_FREE) {
		uint64_t no, pfn;
		int d = (int)(npages % NDRV);

		assert_int_equal(af_driver_alloc(m, did[d], 0, &no), 0);
		assert_int_equal(af_driver_page(m, did[d], no, &pfn), 0);
		npages++;
		who[pfn] = (uint32_t)npages;
		pno[pfn] = no;
		pdid[pfn] = did[d];
	}
	CHECK(m);

	/* holes: the first 64 pages of pageblocks full of driver pages */
	int holes = 0;
	for (unsigned long pb = 4096; pb + PAGEBLOCK_NR_PAGES <= cap && holes < HOLES;
	     pb += PAGEBLOCK_NR_PAGES) {
		unsigned long i;

		for (i = 0; i < PAGEBLOCK_NR_PAGES && who[pb + i]; i++)
			;
		if (i < PAGEBLOCK_NR_PAGES || get_pageblock_migratetype(m, pb) != MIGRATE_MOVABLE)
			continue;
		for (i = 0; i < HOLE_PAGES; i++)
			assert_int_equal(af_driver_free(m, pdid[pb + i], pno[pb + i]), 0);
		holes++;
	}
	assert_int_equal(holes, HOLES);
	free(who);
	free(pno);
	free(pdid);
	af_drain_all(m);
	CHECK(m);

	/* raw kernel pages until one lands in a MOVABLE pageblock */
	for (int i = 0; stat(m, "recorded") == 0; i++) {
		struct af_alloc_result r;

		assert_true(i < 20000);
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
		s->raw[0] = r.pfn;
	}
	CHECK(m);

	/* the polluting allocations */
	assert_int_equal(af_slab_create(m, "dentry", 256, true, &s->rcache), 0);
	assert_int_equal(af_slab_create(m, "inode", 512, true, &s->rcache1), 0);
	assert_int_equal(af_slab_create(m, "kmalloc-128", 128, false, &s->ucache), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(af_slab_alloc(m, s->rcache, 0, &obj), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(af_slab_alloc(m, s->rcache1, 1, &obj), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(af_slab_alloc(m, s->ucache, 0, &obj), 0);
	assert_int_equal(m->world->caches[s->rcache1]->order, 1);
	{
		struct af_alloc_result r;

		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
		s->raw[1] = r.pfn;
		assert_int_equal(af_alloc_pages(m, 1, AF_GFP_KERNEL, 1, -1, &r), 0);
		s->raw[2] = r.pfn;
	}
	assert_int_equal(af_proc_create(m, &s->pid), 0);
	assert_int_equal(af_mmap_anon(m, s->pid, 3 * 512, 0, &s->vpn), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(af_mem_write(m, s->pid, 0, s->vpn + (uint64_t)i * 512 + 7), 0);
	check_books(m);
	CHECK(m);
}

/* Is pfn's block of a kind the policy moves (reclaimable slab, page table)? */
static bool repayable(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	struct owner *o = owner_of(m, p);

	if (!(pflags(p) & PG_alloc) || !o)
		return false;
	if (o->type == OWN_SLAB)
		return m->world->caches[o->obj]->reclaimable;
	return o->type == OWN_PGTABLE;
}

static unsigned long repayable_in_movable(struct af_machine *m)
{
	unsigned long n = 0;

	for (unsigned long pfn = 0; pfn < af_machine_max_pfn(m); pfn++)
		if (repayable(m, pfn) && get_pageblock_migratetype(m, pfn) == MIGRATE_MOVABLE)
			n++;
	return n;
}

static void free_own_blocks(struct scene *s)
{
	for (int i = 0; i < 4; i++)
		assert_int_equal(af_free_pages(s->m, 0, s->own[i], PAGEBLOCK_ORDER), 0);
	af_drain_all(s->m);
}

/* repay leaves nothing repayable in MOVABLE pageblocks once its type has room */
static void test_repay_restores(void **state)
{
	struct scene s;
	unsigned long objs[3], before;
	struct af_machine *m;

	(void)state;
	build_scene(&s, "repay");
	m = s.m;
	objs[0] = cache_objects(m, s.rcache);
	objs[1] = cache_objects(m, s.rcache1);
	objs[2] = cache_objects(m, s.ucache);
	before = repayable_in_movable(m);
	/* 7 + 3 reclaimable slabs, PGD, PMD page and 3 PTE pages; recorded too:
	 * the first raw page, 2 unmovable slabs, 2 raw pages */
	assert_int_equal(before, 15);
	assert_int_equal(stat(m, "records"), 20);

	/* no room yet: unmovable kinds are judged, nothing moves */
	for (int i = 0; i < 3; i++)
		assert_int_equal(af_run_daemons(m), 0);
	assert_int_equal(stat(m, "repaid_migrated") + stat(m, "repaid_recreated"), 0);
	assert_int_equal(stat(m, "not_repayable"), 5);	/* 2 unmovable slabs, 3 raw pages */
	assert_int_equal(repayable_in_movable(m), before);
	check_books(m);
	CHECK(m);

	/* room: the own-type pageblocks are freed */
	free_own_blocks(&s);
	CHECK(m);
	for (int i = 0; i < 10 && stat(m, "records"); i++)
		assert_int_equal(af_run_daemons(m), 0);
	assert_int_equal(stat(m, "records"), 0);
	check_books(m);
	assert_int_equal(repayable_in_movable(m), 0);
	assert_int_equal(stat(m, "repaid_recreated"), 10);
	assert_int_equal(stat(m, "repaid_migrated"), 5);
	assert_int_equal(stat(m, "moved_pages"), 7 + 3 * 2 + 2 + 1 + 3);

	/* slab objects re-created, same count; unmovable slab left alone */
	assert_int_equal(cache_objects(m, s.rcache), objs[0]);
	assert_int_equal(cache_objects(m, s.rcache1), objs[1]);
	assert_int_equal(cache_objects(m, s.ucache), objs[2]);
	for (int c = 0; c < 2; c++) {
		struct kmem_cache *k = m->world->caches[c ? s.rcache1 : s.rcache];
		for (int i = 0; i < k->nslabs; i++)
			assert_int_equal(get_pageblock_migratetype(m, k->slabs[i].pfn), MIGRATE_RECLAIMABLE);
	}
	/* the page tables still map the process's memory, contents intact */
	for (int i = 0; i < 3; i++)
		assert_int_equal(af_mem_read(m, s.pid, 0, s.vpn + (uint64_t)i * 512 + 7), 0);
	CHECK(m);
	assert_int_equal(af_proc_exit(m, s.pid), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A recorded page that is freed leaves no record behind */
static void test_repay_freed_record(void **state)
{
	struct scene s;
	struct af_machine *m;
	uint64_t records, freed;
	struct kmem_cache *k;
	int n;

	(void)state;
	build_scene(&s, "repay");
	m = s.m;
	records = stat(m, "records");
	freed = stat(m, "freed");
	assert_int_equal(af_free_pages(m, 0, s.raw[2], 1), 0);
	assert_int_equal(stat(m, "records"), records - 1);
	assert_int_equal(stat(m, "freed"), freed + 1);
	check_books(m);
	CHECK(m);

	/* a whole slab of the unmovable cache freed object by object */
	k = m->world->caches[s.ucache];
	n = k->slabs[0].inuse;
	unsigned long spfn = k->slabs[0].pfn;
	for (unsigned slot = 0; n; slot++) {
		uint64_t obj = ((uint64_t)spfn << 16) | slot;
		if (k->slabs[0].pfn == spfn && (k->slabs[0].used[slot / 64] & (1ULL << (slot % 64)))) {
			assert_int_equal(af_slab_free(m, s.ucache, obj), 0);
			n--;
		}
	}
	assert_int_equal(stat(m, "records"), records - 2);
	assert_int_equal(stat(m, "freed"), freed + 2);
	check_books(m);
	CHECK(m);

	/* the process's page tables go at exit */
	assert_int_equal(af_proc_exit(m, s.pid), 0);
	assert_int_equal(stat(m, "records"), records - 2 - 5);
	check_books(m);
	CHECK(m);

	free_own_blocks(&s);
	for (int i = 0; i < 10 && stat(m, "records"); i++)
		assert_int_equal(af_run_daemons(m), 0);
	assert_int_equal(stat(m, "records"), 0);
	assert_int_equal(stat(m, "repaid_migrated"), 0);
	check_books(m);
	CHECK(m);
	af_machine_destroy(m);
}

/* pgtables=0: page tables stay where they are, counted as not repayable */
static void test_repay_pgtables_off(void **state)
{
	struct scene s;
	struct af_machine *m;

	(void)state;
	build_scene(&s, "repay:pgtables=0");
	m = s.m;
	free_own_blocks(&s);
	for (int i = 0; i < 10 && stat(m, "records"); i++)
		assert_int_equal(af_run_daemons(m), 0);
	assert_int_equal(stat(m, "records"), 0);
	assert_int_equal(stat(m, "repaid_migrated"), 0);
	assert_int_equal(stat(m, "repaid_recreated"), 10);
	assert_int_equal(stat(m, "not_repayable"), 5 + 5);
	check_books(m);
	for (unsigned long pfn = 0; pfn < af_machine_max_pfn(m); pfn++) {
		struct owner *o = owner_of(m, &m->pages[pfn]);
		if (repayable(m, pfn) && get_pageblock_migratetype(m, pfn) == MIGRATE_MOVABLE)
			assert_int_equal(o->type, OWN_PGTABLE);
	}
	CHECK(m);
	af_machine_destroy(m);
}

/* linux has no counters and records nothing */
static void test_repay_linux_none(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\n");
	uint64_t v;

	(void)state;
	assert_null(af_policy_stat_names(m)[0]);
	assert_int_equal(af_policy_stat(m, "recorded", &v), -ENOENT);
	assert_null(m->pol.allocated);
	assert_null(m->pol.freed);
	assert_null(m->pol.kcompactd);
	CHECK(m);
	af_machine_destroy(m);
	m = machine_from("mem = 256M\npolicy = repay\n");
	assert_string_equal(af_policy_stat_names(m)[0], "recorded");
	assert_int_equal(af_policy_stat(m, "nonsense", &v), -ENOENT);
	assert_int_equal(af_policy_stat(m, "records", &v), 0);
	assert_int_equal(v, 0);
	CHECK(m);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repay_linux_none),
		cmocka_unit_test(test_repay_restores),
		cmocka_unit_test(test_repay_freed_record),
		cmocka_unit_test(test_repay_pgtables_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
