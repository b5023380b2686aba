/*
 * test_policy.c - the policy table: each policy's own rule, the checker
 * after every phase, and bad specifications.
 */
#include "helpers.h"
#include "policies.h"

/* Event lines kept for inspection */
struct lines { char **v; int n, cap; };

static void keep_line(void *arg, const char *line)
{
	struct lines *l = arg;

	if (!strstr(line, "mm_page_alloc_extfrag"))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, (size_t)l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n++] = strdup(line);
}

static void lines_free(struct lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static long event_field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	assert_non_null(p);
	return strtol(p + strlen(key), NULL, 10);
}

/*
 * Fill memory with movable pages, free every other one, then ask for many
 * small unmovable and reclaimable blocks: the pattern that makes 6.1 steal
 * parts of MOVABLE pageblocks.
 */
#define NMOV 60000
static void pollute(struct af_machine *m, uint64_t *mov, int *nmov)
{
	struct af_alloc_result r;
	int n = 0;

	while (n < NMOV && af_alloc_pages(m, n & 1, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r) == 0)
		mov[n++] = r.pfn;
	CHECK(m);
	for (int i = 0; i < n; i += 2)
		assert_int_equal(af_free_pages(m, i & 1, mov[i], 0), 0);
	af_drain_all(m);
	CHECK(m);
	for (int i = 0; i < 6000; i++) {
		af_gfp_t gfp = AF_GFP_KERNEL | ((i % 3) ? 0 : AF___GFP_RECLAIMABLE);
		(void)af_alloc_pages(m, i & 1, gfp | AF___GFP_NOWARN, (unsigned)(i % 3), -1, &r);
	}
	CHECK(m);
	*nmov = n;
}

/* extfrag events where a small unmovable/reclaimable request took part of a MOVABLE block */
static int small_steals_from_movable(const struct lines *l, int below_order)
{
	int n = 0;

	for (int i = 0; i < l->n; i++) {
		long am = event_field(l->v[i], "alloc_migratetype="), fm = event_field(l->v[i], "fallback_migratetype=");
		long ao = event_field(l->v[i], "alloc_order="), fo = event_field(l->v[i], "fallback_order=");
		if (am != MIGRATE_MOVABLE && fm == MIGRATE_MOVABLE && ao < below_order && fo < PAGEBLOCK_ORDER)
			n++;
	}
	return n;
}

static void restrict_steal_rule(void **state)
{
	static uint64_t mov[NMOV];
	const char *confs[] = { "mem = 256M\n", "mem = 256M\npolicy = restrict-steal\n",
				"mem = 256M\npolicy = restrict-steal:order=1\n" };
	int steals[3];

	for (int k = 0; k < 3; k++) {
		struct af_machine *m = machine_from(confs[k]);
		struct lines l = { 0 };
		int n;

		CHECK(m);
		af_set_trace(m, keep_line, &l);
		pollute(m, mov, &n);
		af_set_trace(m, NULL, NULL);
		steals[k] = small_steals_from_movable(&l, k == 2 ? 1 : PAGE_ALLOC_COSTLY_ORDER);
		if (k == 2) {
			/* order 1 and 2 requests may steal again; order 0 never */
			assert_int_equal(steals[k], 0);
			assert_true(small_steals_from_movable(&l, PAGE_ALLOC_COSTLY_ORDER) > 0);
		}
		lines_free(&l);
		af_machine_destroy(m);
	}
	assert_true(steals[0] > 0);	/* 6.1 does steal here: the test means something */
	assert_int_equal(steals[1], 0);
}

static void nogroup_rule(void **state)
{
	static uint64_t mov[NMOV];
	struct af_machine *m = machine_from("mem = 256M\npolicy = nogroup\n");
	struct lines l = { 0 };
	char *pt = NULL;
	int n;

	CHECK(m);
	assert_int_equal(af_render(m, "/proc/pagetypeinfo", &pt), 0);
	/* every block is UNMOVABLE: Movable and Reclaimable block counts are 0 */
	{
		const char *row = strstr(pt, "Number of blocks type");
		const char *dma32 = strstr(row, "Node 0, zone    DMA32");
		long un, mv, rc;
		assert_int_equal(sscanf(dma32, "Node 0, zone    DMA32 %ld %ld %ld", &un, &mv, &rc), 3);
		assert_true(un > 0);
		assert_int_equal(mv, 0);
		assert_int_equal(rc, 0);
	}
	free(pt);
	af_set_trace(m, keep_line, &l);
	pollute(m, mov, &n);
	af_set_trace(m, NULL, NULL);
	assert_int_equal(l.n, 0);	/* one type: nothing ever falls back */
	lines_free(&l);
	for (int i = 1; i < n; i += 2)
		af_free_pages(m, 0, mov[i], 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* reserve: small requests stay in the bottom region while it has room */
static void reserve_rule(void **state)
{
	/* a clean boot, so that the small region is the test's to fill */
	struct af_machine *m = machine_from("mem = 256M\nboot = clean\npolicy = reserve:small=10:large=25\n");
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	unsigned long small_end, large_start, budget;
	struct af_alloc_result r;

	reserve_bounds(z, &small_end, &large_start);
	assert_true(small_end > z->zone_start_pfn && large_start < zone_end_pfn(z));
	assert_true(small_end <= large_start);
	budget = z->managed_pages * 10 / 100 / 2;
	uint64_t *got = calloc(budget, sizeof(*got));
	uint64_t huge[8];

	CHECK(m);
	af_drain_all(m);	/* the init memory freed at boot sits on a pcp list */
	/* half the small region in order-0 pages of each mobility */
	for (unsigned long i = 0; i < budget; i++) {
		af_gfp_t gfp = (i % 4 == 0) ? AF_GFP_KERNEL : AF_GFP_HIGHUSER_MOVABLE;
		assert_int_equal(af_alloc_pages(m, (int)(i & 1), gfp, 0, -1, &r), 0);
		got[i] = r.pfn;
		if (pfn_zone(m, r.pfn) == z)
			assert_true(r.pfn < small_end);
	}
	CHECK(m);
	/* large requests come from the top region */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, 9, -1, &r), 0);
		huge[i] = r.pfn;
		if (pfn_zone(m, r.pfn) == z && r.pfn < large_start)
			fail_msg("huge page %d at pfn 0x%llx, below the large region (0x%lx)", i,
				 (unsigned long long)r.pfn, large_start);
	}
	CHECK(m);
	for (int i = 0; i < 8; i++)
		assert_int_equal(af_free_pages(m, 0, huge[i], 9), 0);
	for (unsigned long i = 0; i < budget; i++)
		assert_int_equal(af_free_pages(m, (int)(i & 1), got[i], 0), 0);
	CHECK(m);
	free(got);
	af_machine_destroy(m);

	/* linux spreads the same requests wherever its lists point */
	m = machine_from("mem = 256M\n");
	z = &m->node[0]->node_zones[ZONE_DMA32];
	af_drain_all(m);
	unsigned long outside = 0;
	for (unsigned long i = 0; i < budget; i++) {
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r), 0);
		outside += pfn_zone(m, r.pfn) == z && r.pfn >= small_end;
	}
	assert_true(outside > 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* Every policy keeps every invariant through the world workload */
static void every_policy_world(void **state)
{
	const struct af_policy *const *p = policy_list();

	for (int i = 0; p[i]; i++) {
		char conf[128];
		struct af_machine *m;
		struct af_world_workload_stats st;

		snprintf(conf, sizeof(conf), "mem = 256M\npolicy = %s\ncontents = 1\n", p[i]->name);
		m = machine_from(conf);
		CHECK(m);
		if (af_workload_world(m, 11, 20000, &st))
			fail_msg("%s: workload: %s", p[i]->name, af_errmsg());
		CHECK(m);
		af_compact_memory(m);
		CHECK(m);
		af_machine_destroy(m);
	}
}

/* Switching a live machine's policy: every switch keeps every invariant */
static void switch_mid_run(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\ncontents = 1\n");
	struct af_world_workload_stats st;
	struct af_policy_info pi;
	char spec[128];

	CHECK(m);
	for (int round = 0; round < 2; round++)
		for (int i = 0; af_policy_info(i, &pi) == 0; i++) {
			int ret = af_machine_set_policy(m, pi.name);
			if (!strcmp(pi.name, "nogroup")) {
				assert_true(ret < 0);	/* boot-only */
				assert_non_null(strstr(af_errmsg(), "boot"));
				continue;
			}
			assert_int_equal(ret, 0);
			assert_int_equal(af_machine_policy(m, spec, sizeof(spec)), 0);
			assert_int_equal(strncmp(spec, pi.name, strlen(pi.name)), 0);
			assert_int_equal(af_workload_world(m, (uint64_t)(10 + i + round), 3000, &st), 0);
			CHECK(m);
			af_compact_memory(m);
			assert_int_equal(af_run_daemons(m), 0);
			CHECK(m);
		}
	assert_true(af_machine_set_policy(m, "nosuch") < 0);
	assert_true(af_machine_set_policy(m, "restrict-steal:order=99") < 0);
	assert_int_equal(af_machine_policy(m, spec, sizeof(spec)), 0);
	CHECK(m);
	af_machine_destroy(m);

	m = machine_from("mem = 128M\npolicy = nogroup\n");
	assert_true(af_machine_set_policy(m, "linux") < 0);	/* nogroup is boot-only too */
	assert_int_equal(af_machine_set_policy(m, "nogroup"), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static void bad_specs(void **state)
{
	struct af_config *c;
	const char *bad[] = { "nosuch", "", "restrict-steal:order=12", "restrict-steal:order=-1",
			      "restrict-steal:nosuch=1", "restrict-steal:order", "linux:order=1",
			      "reserve:small=x", "restrict-steal:order=3x" };

	assert_int_equal(af_config_new(&c), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct af_machine *m = NULL;
		assert_true(af_policy_check(bad[i]) < 0);
		assert_non_null(strstr(af_errmsg(), "polic"));
		/* a well-formed spec of no policy passes the config and stops the machine */
		if (af_config_set(c, "policy", bad[i]) == 0) {
			assert_true(af_machine_create(c, &m) < 0);
			assert_null(m);
		}
	}
	assert_true(af_config_set(c, "policy", "") < 0);
	assert_true(af_config_set(c, "policy", "a b") < 0);
	assert_int_equal(af_config_set(c, "policy", "reserve:small=60:large=60"), 0);
	{
		struct af_machine *m = NULL;
		assert_true(af_machine_create(c, &m) < 0);	/* the regions overlap */
		assert_null(m);
		assert_non_null(strstr(af_errmsg(), "small + large"));
	}
	assert_int_equal(af_config_set(c, "policy", "restrict-steal:order=0"), 0);
	af_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restrict_steal_rule),
		cmocka_unit_test(nogroup_rule),
		cmocka_unit_test(reserve_rule),
		cmocka_unit_test(every_policy_world),
		cmocka_unit_test(switch_mid_run),
		cmocka_unit_test(bad_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
