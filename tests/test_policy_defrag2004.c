/*
 * test_policy_defrag2004.c - the defrag2004 policy (policies/defrag2004.c):
 * compaction empties the order-N range around the largest smaller free
 * block and moves nothing else, refuses locked, pinned and writeback
 * pages, makes a huge page where 6.1 does with every page's contents
 * intact, runs for every trigger, and leaves the `linux` entry alone.
 *
 * The machine is one 64 MiB DMA32 zone (32 pageblocks), filled with
 * one-page anonymous mappings (so any single page can be freed) until the
 * allocator refuses; each test then frees a layout it controls.
 */
#include "helpers.h"
#include "compaction.h"

#define NPROC	32
#define ZPAGES	16384UL
#define HALF	(PAGEBLOCK_NR_PAGES / 2)
#define MACHINE	"cpus = 1\ntransparent_hugepage = never\nvm.compaction_proactiveness = 0\n" \
		"vm.watermark_boost_factor = 0\nnode.0.zone.DMA32 = 0x1000 16384 16384 16384\n"

static struct af_machine *machine_with(const char *policy, const char *extra)
{
	char conf[512];

	snprintf(conf, sizeof(conf), MACHINE "policy = %s\n%s", policy, extra);
	return machine_from(conf);
}

static struct zone *zone0(struct af_machine *m)
{
	return &m->node[0]->node_zones[ZONE_DMA32];
}

static uint64_t ev(struct af_machine *m, const char *name)
{
	uint64_t v;
	assert_int_equal(af_vmstat(m, name, &v), 0);
	return v;
}

/* ---- a pool of pages whose every page can be freed or followed ---- */

enum kind { ANON, FILE_PAGE };

struct rec {
	enum kind kind;
	int pid;
	uint64_t vpn;		/* ANON: the mapping; FILE_PAGE: the file index */
	uint64_t pfn;		/* where it was before compaction */
	bool live;
};

struct pool {
	struct af_machine *m;
	int pid[NPROC], fid;
	struct rec *r;
	size_t n;
	int32_t *at;		/* pfn -> record, -1 for none */
	unsigned long start, end;	/* the zone */
};

static uint64_t rec_pfn(struct pool *p, const struct rec *r)
{
	uint64_t pfn;

	if (r->kind == ANON)
		assert_int_equal(af_vpn_to_pfn(p->m, r->pid, r->vpn, &pfn), 0);
	else
		assert_int_equal(af_file_page(p->m, p->fid, r->vpn, &pfn), 0);
	return pfn;
}

/*
 * Fill the machine until an allocation fails: one-page anonymous mappings
 * over NPROC processes; from the `file_at`-th page on (0: never), 64
 * written (dirty) page-cache pages of one file, one every fourth page.
 */
static void pool_fill(struct pool *p, struct af_machine *m, size_t file_at)
{
	uint64_t fidx = 0;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->start = zone0(m)->zone_start_pfn;
	p->end = zone_end_pfn(zone0(m));
	for (int i = 0; i < NPROC; i++)
		assert_int_equal(af_proc_create(m, &p->pid[i]), 0);
	assert_int_equal(af_file_create(m, false, &p->fid), 0);
	p->r = calloc(ZPAGES, sizeof(*p->r));
	assert_non_null(p->r);
	for (size_t i = 0; p->n < ZPAGES; i++) {
		struct rec *r = &p->r[p->n];

		if (file_at && i >= file_at && fidx < 64 && i % 4 == 0) {
			if (af_file_write(m, p->fid, 0, fidx))
				break;
			*r = (struct rec){ FILE_PAGE, -1, fidx++, 0, true };
		} else {
			int pid = p->pid[p->n % NPROC];
			uint64_t vpn;

			assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
			if (af_mem_write(m, pid, 0, vpn)) {
				assert_int_equal(af_munmap(m, pid, vpn), 0);
				break;
			}
			*r = (struct rec){ ANON, pid, vpn, 0, true };
		}
		r->pfn = rec_pfn(p, r);
		p->n++;
	}
	p->at = malloc(af_machine_max_pfn(m) * sizeof(*p->at));
	assert_non_null(p->at);
	for (uint64_t pfn = 0; pfn < af_machine_max_pfn(m); pfn++)
		p->at[pfn] = -1;
	for (size_t i = 0; i < p->n; i++)
		p->at[p->r[i].pfn] = (int32_t)i;
}

static void pool_done(struct pool *p)
{
	free(p->r);
	free(p->at);
}

static bool all_anon(const struct pool *p, unsigned long from, unsigned long to)
{
	for (unsigned long pfn = from; pfn < to; pfn++)
		if (p->at[pfn] < 0 || p->r[p->at[pfn]].kind != ANON)
			return false;
	return true;
}

static void free_rec(struct pool *p, int32_t i)
{
	struct rec *r = &p->r[i];

	assert_int_equal(r->kind, ANON);
	assert_int_equal(af_munmap(p->m, r->pid, r->vpn), 0);
	r->live = false;
}

static void free_range(struct pool *p, unsigned long from, unsigned long to)
{
	for (unsigned long pfn = from; pfn < to; pfn++)
		free_rec(p, p->at[pfn]);
}

static bool in_list(unsigned long b, const unsigned long *list, int n)
{
	for (int i = 0; i < n; i++)
		if (list[i] == b)
			return true;
	return false;
}

/* Pageblocks 1, 5, 9 ... of the zone get no holes: nothing free in them */
static bool hole_free(const struct pool *p, unsigned long b)
{
	return (b - p->start) / PAGEBLOCK_NR_PAGES % 4 == 1;
}

/*
 * Targets: free every eighth page (pfn % 8 == 3) of the pageblocks not in
 * skip[] and not hole_free(); the zone's first pageblock (which holds the
 * page tables) is left alone.
 */
static void free_holes(struct pool *p, const unsigned long *skip, int nskip)
{
	for (unsigned long b = p->start + PAGEBLOCK_NR_PAGES; b < p->end; b += PAGEBLOCK_NR_PAGES) {
		if (in_list(b, skip, nskip) || hole_free(p, b))
			continue;
		for (unsigned long pfn = b + 3; pfn < b + PAGEBLOCK_NR_PAGES; pfn += 8)
			if (p->at[pfn] >= 0 && p->r[p->at[pfn]].kind == ANON)
				free_rec(p, p->at[pfn]);
	}
}

/* A pageblock with one all-anonymous half, not in used[], not a hole-free
 * one of free_holes(); *x (if given) a record of `kind` in its other half */
static unsigned long pick_block(const struct pool *p, const unsigned long *used, int nused,
				int kind, int32_t *x, unsigned long *half)
{
	for (unsigned long b = p->start + PAGEBLOCK_NR_PAGES; b < p->end; b += PAGEBLOCK_NR_PAGES) {
		if (in_list(b, used, nused) || hole_free(p, b))
			continue;
		for (unsigned long h = 0; h < PAGEBLOCK_NR_PAGES; h += HALF) {
			unsigned long other = b + (h ? 0 : HALF);

			if (!all_anon(p, b + h, b + h + HALF))
				continue;
			if (x) {
				*x = -1;
				for (unsigned long pfn = other; pfn < other + HALF && *x < 0; pfn++)
					if (p->at[pfn] >= 0 && (int)p->r[p->at[pfn]].kind == kind)
						*x = p->at[pfn];
				if (*x < 0)
					continue;
			}
			*half = b + h;
			return b;
		}
	}
	fail_msg("no pageblock fits the layout");
	return 0;
}

/* The common layout: the pool filled, then one block made the only
 * candidate (half of it free, everything else freed in holes) */
static unsigned long one_candidate(struct pool *p, struct af_machine *m)
{
	unsigned long half, b;

	pool_fill(p, m, 0);
	b = pick_block(p, NULL, 0, ANON, NULL, &half);
	free_range(p, half, half + HALF);
	free_holes(p, &b, 1);
	af_drain_all(m);
	return b;
}

/* Per pfn of the zone: 0, or 1 + the order of the free block holding it */
static uint8_t *free_snapshot(struct af_machine *m)
{
	struct zone *z = zone0(m);
	uint8_t *s = calloc(af_machine_max_pfn(m), 1);

	assert_non_null(s);
	af_drain_all(m);
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		for (int t = 0; t < MIGRATE_TYPES; t++) {
			const struct list_pfn *l = &z->free_area[o].free_list[t];

			for (uint32_t f = l->first; f != PFN_NIL; f = m->pages[f].next)
				for (unsigned long k = 0; k < 1UL << o; k++)
					s[f + k] = (uint8_t)(o + 1);
		}
	return s;
}

static int largest_below(const uint8_t *s, unsigned long from, unsigned long to, int n)
{
	int best = -1;

	for (unsigned long pfn = from; pfn < to; pfn++)
		if (s[pfn] && s[pfn] - 1 < n && s[pfn] - 1 > best)
			best = s[pfn] - 1;
	return best;
}

static bool range_has_free(const uint8_t *s, unsigned long start)
{
	for (unsigned long pfn = start; pfn < start + PAGEBLOCK_NR_PAGES; pfn++)
		if (s[pfn])
			return true;
	return false;
}

static bool range_all_free(const uint8_t *s, unsigned long start)
{
	for (unsigned long pfn = start; pfn < start + PAGEBLOCK_NR_PAGES; pfn++)
		if (!s[pfn])
			return false;
	return true;
}

/* ---- (a) the policy's own rule ---- */

/*
 * Direct compaction for order 9: the block the caller gets is the range
 * around a largest free block below order 9; every page that moved came
 * from that range and went to a page that was free outside it; nothing
 * else moved.
 */
static void test_direct_moves_only_the_range(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004", "");
	struct af_alloc_result r;
	struct pool p;
	unsigned long half;
	size_t moved = 0, in_range = 0;

	pool_fill(&p, m, 0);
	unsigned long b = pick_block(&p, NULL, 0, ANON, NULL, &half);
	free_range(&p, half, half + HALF);
	free_holes(&p, &b, 1);
	uint8_t *s = free_snapshot(m);
	CHECK(m);
	assert_int_equal(largest_below(s, p.start, p.end, MAX_ORDER), 8);	/* no order-9 block */

	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, 9, -1, &r), 0);
	CHECK(m);
	unsigned long start = r.pfn;
	assert_int_equal(start & (PAGEBLOCK_NR_PAGES - 1), 0);
	assert_int_equal(largest_below(s, start, start + PAGEBLOCK_NR_PAGES, 9), 8);
	for (size_t i = 0; i < p.n; i++) {
		struct rec *rc = &p.r[i];
		uint64_t now;

		if (!rc->live)
			continue;
		in_range += rc->pfn >= start && rc->pfn < start + PAGEBLOCK_NR_PAGES;
		now = rec_pfn(&p, rc);
		if (now == rc->pfn)
			continue;
		moved++;
		assert_true(rc->pfn >= start && rc->pfn < start + PAGEBLOCK_NR_PAGES);
		assert_false(now >= start && now < start + PAGEBLOCK_NR_PAGES);
		assert_true(s[now] != 0);	/* a target: free before */
	}
	assert_true(moved > 0);
	assert_int_equal(moved, in_range);	/* the whole range moved, nothing else */
	assert_true(ev(m, "compact_stall") > 0 && ev(m, "compact_success") > 0);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 9), 0);
	CHECK(m);
	free(s);
	pool_done(&p);
	af_machine_destroy(m);
}

/*
 * compact_memory: a page moved exactly when the pageblock range it was in
 * is wholly free afterwards (ranges are emptied whole or left alone), and
 * ranges without a free page before were never touched.  6.1's scanners,
 * on the same layout, move pages out of such ranges too.
 */
static void test_compact_memory_empties_whole_ranges(void **st)
{
	(void)st;
	static const char *const pols[] = { "linux", "defrag2004" };

	for (int k = 0; k < 2; k++) {
		struct af_machine *m = machine_with(pols[k], "");
		struct pool p;
		unsigned long used[2], half;
		size_t moved = 0, moved_from_full = 0;

		pool_fill(&p, m, 0);
		for (int i = 0; i < 2; i++) {
			used[i] = pick_block(&p, used, i, ANON, NULL, &half);
			free_range(&p, half, half + HALF);
		}
		free_holes(&p, used, 2);
		uint8_t *s = free_snapshot(m);
		CHECK(m);
		assert_int_equal(af_compact_memory(m), 0);
		CHECK(m);
		uint8_t *after = free_snapshot(m);
		for (size_t i = 0; i < p.n; i++) {
			struct rec *rc = &p.r[i];
			unsigned long range = rc->pfn & ~(PAGEBLOCK_NR_PAGES - 1);
			bool did = rc->live && rec_pfn(&p, rc) != rc->pfn;

			if (!rc->live)
				continue;
			moved += did;
			moved_from_full += did && !range_has_free(s, range);
			if (k == 1)
				assert_int_equal(did, range_all_free(after, range));
		}
		assert_true(moved > 0);
		if (k == 0)
			assert_true(moved_from_full > 0);	/* 6.1 moves anything movable */
		else
			assert_int_equal(moved_from_full, 0);
		free(s);
		free(after);
		pool_done(&p);
		af_machine_destroy(m);
	}
}

/* max_ranges=1: one range per run, and the parameter's bounds */
static void test_max_ranges(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004:max_ranges=1", "");
	const struct af_policy *pol;
	long params[POLICY_MAX_PARAMS];
	struct pool p;
	unsigned long used[2], half, first = ~0UL;

	pool_fill(&p, m, 0);
	for (int i = 0; i < 2; i++) {
		used[i] = pick_block(&p, used, i, ANON, NULL, &half);
		free_range(&p, half, half + HALF);
	}
	free_holes(&p, used, 2);
	af_drain_all(m);
	CHECK(m);
	assert_int_equal(af_compact_memory(m), 0);
	CHECK(m);
	for (size_t i = 0; i < p.n; i++) {
		struct rec *rc = &p.r[i];
		unsigned long range = rc->pfn & ~(PAGEBLOCK_NR_PAGES - 1);

		if (!rc->live || rec_pfn(&p, rc) == rc->pfn)
			continue;
		if (first == ~0UL)
			first = range;
		assert_int_equal(range, first);
	}
	assert_true(first != ~0UL);
	pool_done(&p);
	af_machine_destroy(m);

	assert_int_equal(policy_parse("defrag2004", &pol, params), 0);
	assert_string_equal(pol->name, "defrag2004");
	assert_int_equal(params[0], 0);
	assert_int_equal(policy_parse("defrag2004:max_ranges=-1", &pol, params), -EINVAL);
	assert_int_equal(policy_parse("defrag2004:ranges=3", &pol, params), -EINVAL);
}

/* ---- (b) refusals ---- */

/* Trace sink: counts isolate_migratepages events of given ranges that took nothing */
struct given_up {
	unsigned long start[3];
	int n, seen[3];
};

static void count_given_up(void *arg, const char *line)
{
	struct given_up *g = arg;
	const char *e = strstr(line, "mm_compaction_isolate_migratepages: range=(");
	char want[64];

	if (!e || !strstr(e, "nr_taken=0"))
		return;
	for (int i = 0; i < g->n; i++) {
		snprintf(want, sizeof(want), "range=(0x%lx ~", g->start[i]);
		g->seen[i] += strstr(e, want) != NULL;
	}
}

/*
 * Three pageblocks each with a free half and, in the other half, a page
 * that is locked, pinned, or under writeback: under MIGRATE_SYNC
 * (compact_memory), where 6.1 would wait for the lock and the writeback,
 * defrag2004 gives each range up and moves nothing in it; elsewhere it
 * still works.
 */
static void test_refuses_locked_pinned_writeback(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004", "");
	struct pool p;
	unsigned long used[3], half;
	int32_t x[3];
	static const int kinds[3] = { ANON, ANON, FILE_PAGE };
	const uint64_t hold = 3600ULL * 1000000000ULL;	/* an hour of virtual time */

	pool_fill(&p, m, 6000);
	for (int i = 0; i < 3; i++) {
		used[i] = pick_block(&p, used, i, kinds[i], &x[i], &half);
		free_range(&p, half, half + HALF);
	}
	free_holes(&p, used, 3);
	assert_int_equal(af_page_lock(m, p.r[x[0]].pfn, hold), 0);
	assert_int_equal(af_page_pin(m, p.r[x[1]].pfn), 0);
	assert_int_equal(af_file_writeback(m, p.fid, p.r[x[2]].vpn, hold), 0);
	af_drain_all(m);
	CHECK(m);
	uint64_t migrated = ev(m, "pgmigrate_success");
	struct given_up g = { .start = { used[0], used[1], used[2] }, .n = 3 };

	af_set_trace(m, count_given_up, &g);
	assert_int_equal(af_compact_memory(m), 0);
	af_set_trace(m, NULL, NULL);
	CHECK(m);
	for (int i = 0; i < 3; i++)
		assert_int_equal(g.seen[i], 1);	/* tried once, given up */
	assert_true(ev(m, "pgmigrate_success") > migrated);	/* other ranges were emptied */
	for (int i = 0; i < 3; i++) {
		uint64_t pfn = p.r[x[i]].pfn;

		assert_int_equal(rec_pfn(&p, &p.r[x[i]]), pfn);
		assert_true(pflags(&m->pages[pfn]) & (i == 0 ? PG_locked : i == 2 ? PG_writeback : PG_alloc));
		for (unsigned long q = used[i]; q < used[i] + PAGEBLOCK_NR_PAGES; q++)
			if (p.at[q] >= 0 && p.r[p.at[q]].live)
				assert_int_equal(rec_pfn(&p, &p.r[p.at[q]]), q);
	}
	assert_true(m->pages[p.r[x[1]].pfn].refcount > m->pages[p.r[x[1]].pfn].mapcount);
	assert_int_equal(af_page_unpin(m, p.r[x[1]].pfn), 0);
	assert_int_equal(af_page_unlock(m, p.r[x[0]].pfn), 0);
	CHECK(m);
	pool_done(&p);
	af_machine_destroy(m);
}

/* Direct (async) compaction too: the locked page's range is given up */
static void test_direct_refuses_locked(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004", "");
	struct af_alloc_result r;
	struct pool p;
	unsigned long b, half;
	int32_t x;

	pool_fill(&p, m, 0);
	b = pick_block(&p, NULL, 0, ANON, &x, &half);
	free_range(&p, half, half + HALF);
	free_holes(&p, &b, 1);
	assert_int_equal(af_page_lock(m, p.r[x].pfn, 3600ULL * 1000000000ULL), 0);
	af_drain_all(m);
	CHECK(m);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, 9, -1, &r), 0);
	CHECK(m);
	assert_true(r.pfn != b);
	for (unsigned long q = b; q < b + PAGEBLOCK_NR_PAGES; q++)
		if (p.at[q] >= 0 && p.r[p.at[q]].live)
			assert_int_equal(rec_pfn(&p, &p.r[p.at[q]]), q);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 9), 0);
	assert_int_equal(af_page_unlock(m, p.r[x].pfn), 0);
	CHECK(m);
	pool_done(&p);
	af_machine_destroy(m);
}

/* ---- (c) a huge page where 6.1 makes one, contents intact ---- */

/*
 * Direct compaction of the one candidate: 6.1's fast_find_migrateblock()
 * picks the half-free block from the order >= 3 free lists and marks it
 * skipped, and isolate_migratepages_block() then gives the block up at its
 * first page because of that mark (the kernel traces nr_scanned=1
 * nr_taken=0 for such blocks).  The linear scan finds nothing else to
 * empty, so a costly allocation without __GFP_RETRY_MAYFAIL fails, with the
 * candidate untouched.
 */
static void test_fast_found_block_given_up(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("linux", "");
	struct af_alloc_result r;
	struct pool p;
	unsigned long b = one_candidate(&p, m);

	CHECK(m);
	assert_false(get_pageblock_skip(m, b));
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, 9, -1, &r),
			 -ENOMEM);
	CHECK(m);
	assert_true(get_pageblock_skip(m, b));
	for (unsigned long q = b; q < b + PAGEBLOCK_NR_PAGES; q++)
		if (p.at[q] >= 0 && p.r[p.at[q]].live)
			assert_int_equal(rec_pfn(&p, &p.r[p.at[q]]), q);
	pool_done(&p);
	af_machine_destroy(m);
}

/*
 * A candidate the fast search cannot see: three of every four pages of one
 * pageblock free (no free block of order 3 or more in it), holes elsewhere;
 * the linear scan reaches it and 6.1 empties it.
 */
static void one_candidate_scattered(struct pool *p, struct af_machine *m)
{
	unsigned long half, b, top[2];

	pool_fill(p, m, 0);
	b = pick_block(p, NULL, 0, ANON, NULL, &half);
	for (unsigned long pfn = b; pfn < b + PAGEBLOCK_NR_PAGES; pfn++)
		if (pfn % 4 != 3 && p->at[pfn] >= 0 && p->r[p->at[pfn]].live &&
		    p->r[p->at[pfn]].kind == ANON)
			free_rec(p, p->at[pfn]);
	/* the migration targets: an all-anonymous half freed in the zone's top
	 * pageblock, above where the fast search looks for sources, found by
	 * fast_isolate_freepages() (6.1's async free scanner strides past
	 * free_holes()' every-eighth-page holes) */
	top[0] = b;
	top[1] = p->end - PAGEBLOCK_NR_PAGES;
	for (unsigned long h = 0; h < PAGEBLOCK_NR_PAGES; h += HALF)
		if (all_anon(p, top[1] + h, top[1] + h + HALF)) {
			free_range(p, top[1] + h, top[1] + h + HALF);
			break;
		}
	free_holes(p, top, 2);
	af_drain_all(m);
}

static void test_huge_page_like_linux(void **st)
{
	(void)st;
	static const char *const pols[] = { "linux", "defrag2004" };

	for (int k = 0; k < 2; k++) {
		struct af_machine *m = machine_with(pols[k], "contents = 1\n");
		struct af_alloc_result r;
		struct pool p;

		one_candidate_scattered(&p, m);
		CHECK(m);
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, 9, -1, &r), 0);
		assert_true(r.slowpath);
		CHECK(m);	/* every page's bytes, mapping and owner */
		for (size_t i = 0; i < p.n; i++)
			if (p.r[i].live)
				assert_int_equal(af_mem_read(m, p.r[i].pid, 0, p.r[i].vpn), 0);
		assert_true(ev(m, "pgmigrate_success") > 0);
		assert_int_equal(af_free_pages(m, 0, r.pfn, 9), 0);
		CHECK(m);
		pool_done(&p);
		af_machine_destroy(m);
	}
}

/* Threaded mode (real locks, the world's read lock held by compaction) */
static void test_threaded_direct(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004", "threaded = 1\ncontents = 1\n");
	struct af_alloc_result r;
	struct pool p;

	one_candidate(&p, m);
	CHECK(m);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP, 9, -1, &r), 0);
	CHECK(m);
	assert_true(ev(m, "compact_success") > 0);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 9), 0);
	CHECK(m);
	pool_done(&p);
	af_machine_destroy(m);
}

/* ---- the other triggers ---- */

/* kcompactd, woken by failed order-9 allocations once kswapd has given the
 * node up (nothing to reclaim: 6.1's wakeup_kswapd), compacts with the policy */
static void test_kcompactd(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004", "");
	struct af_alloc_result r;
	struct pool p;
	int tries = 0;

	one_candidate(&p, m);
	af_run_daemons(m);
	CHECK(m);
	while (ev(m, "compact_daemon_wake") == 0 && tries++ < 40) {
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_NOWAIT | AF___GFP_MOVABLE, 9, -1, &r), -ENOMEM);
		assert_int_equal(af_run_daemons(m), 0);
	}
	CHECK(m);
	assert_true(ev(m, "compact_daemon_wake") > 0);
	assert_true(ev(m, "compact_daemon_migrate_scanned") > 0);
	assert_true(ev(m, "compact_daemon_free_scanned") > 0);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_NOWAIT | AF___GFP_MOVABLE, 9, -1, &r), 0);
	CHECK(m);
	pool_done(&p);
	af_machine_destroy(m);
}

/* Proactive compaction lowers the fragmentation score with the policy */
static void test_proactive(void **st)
{
	(void)st;
	struct af_machine *m = machine_with("defrag2004", "");
	struct pool p;
	unsigned long used[2], half;

	pool_fill(&p, m, 0);
	for (int i = 0; i < 2; i++) {
		used[i] = pick_block(&p, used, i, ANON, NULL, &half);
		free_range(&p, half, half + HALF);
	}
	free_holes(&p, used, 2);
	af_drain_all(m);
	af_run_daemons(m);
	CHECK(m);
	unsigned int score = af_fragmentation_score(m, 0);
	uint64_t scanned = ev(m, "compact_migrate_scanned");
	assert_int_equal(af_sysctl_write(m, "vm.compaction_proactiveness", "100"), 0);
	assert_int_equal(af_run_daemons(m), 0);
	CHECK(m);
	assert_true(af_fragmentation_score(m, 0) < score);
	assert_true(ev(m, "compact_migrate_scanned") > scanned);
	pool_done(&p);
	af_machine_destroy(m);
}

/* ---- (d) linux: no compaction hook; its byte-for-byte run is golden_linux ---- */
static void test_linux_has_no_compaction_hooks(void **st)
{
	(void)st;
	const struct af_policy *l = policy_find("linux"), *d = policy_find("defrag2004");

	assert_non_null(l);
	assert_null(l->compact_finished);
	assert_null(l->compact_source);
	assert_null(l->compact_targets);
	assert_non_null(d);
	assert_non_null(d->compact_finished);
	assert_non_null(d->compact_source);
	assert_non_null(d->compact_targets);
	/* every entry of the table: all three compaction hooks or none */
	for (const struct af_policy *const *q = policy_list(); *q; q++) {
		int n = !!(*q)->compact_finished + !!(*q)->compact_source + !!(*q)->compact_targets;
		assert_true(n == 0 || n == 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_moves_only_the_range),
		cmocka_unit_test(test_compact_memory_empties_whole_ranges),
		cmocka_unit_test(test_max_ranges),
		cmocka_unit_test(test_refuses_locked_pinned_writeback),
		cmocka_unit_test(test_direct_refuses_locked),
		cmocka_unit_test(test_fast_found_block_given_up),
		cmocka_unit_test(test_huge_page_like_linux),
		cmocka_unit_test(test_threaded_direct),
		cmocka_unit_test(test_kcompactd),
		cmocka_unit_test(test_proactive),
		cmocka_unit_test(test_linux_has_no_compaction_hooks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
