/*
 * defrag2004.c - active defragmentation around the largest free blocks
 * (seed 000, LWN "Active memory defragmentation", October 2004: Marcelo
 * Tosatti's patch), in place of 6.1's two compaction scanners for every
 * trigger (direct, kcompactd, proactive, compact_memory).
 *
 * To make a free block of order N in a zone: take the largest free block
 * of an order below N (free_area[N-1] down to free_area[0]; within an
 * order MOVABLE lists first, then RECLAIMABLE, UNMOVABLE, HIGHATOMIC, CMA;
 * never ISOLATE), and the order-N aligned range that holds it.  Every
 * allocated page of the range must move out of it; if one cannot, the
 * range is given up at once (what was isolated goes back, nothing has
 * moved yet) and the next candidate is taken.  Each range is tried once
 * per run.  N is cc->order; compact_memory and proactive compaction
 * (order -1) build pageblock_order blocks over the whole zone.
 *
 * Refused, so the range is given up: reserved pages and holes, pages
 * locked (PG_locked) or under writeback, and what cannot move at all:
 * slab, page tables and other kernel pages (neither LRU nor non-LRU
 * movable), compound pages (THP, hugetlb, high-order kernel blocks; 6.1's
 * compaction leaves them too), pages already isolated, free pages still on
 * a per-cpu list, and pinned pages: more references than the mappings
 * (plus the page cache's own) explain.  Then isolate_for_migration() adds
 * the mechanism's own refusals (unevictable without
 * vm.compact_unevictable_allowed, page cache in a NOFS context, a driver
 * that refuses).
 *
 * Targets are free pages outside the range, never in a free block of
 * order N or more (those are what compaction builds): the smallest free
 * block first (orders 0 up to N-1), from MOVABLE then CMA lists, and with
 * cc->ignore_block_suitable (direct compaction at its highest priority)
 * also RECLAIMABLE and UNMOVABLE ones; each block taken obeys the min
 * watermark (take_targets()).
 *
 * Stopping rule: a free block of order >= N on a list the request may take
 * (compact_free_block_exists(); direct compaction's capture also ends the
 * run) is COMPACT_SUCCESS; no candidate left is COMPACT_COMPLETE;
 * `max_ranges` ranges tried (when not 0) is COMPACT_PARTIAL_SKIPPED.
 * Proactive compaction also stops by its own rule (fragmentation score at
 * or below the low mark; kswapd running).
 *
 * Cost: every choice walks the lists again from order N-1, stepping over
 * blocks of ranges already tried, so a run where most ranges are refused
 * costs about (ranges tried) x (free blocks below N) list steps, all of them
 * counted as below.
 *
 * Counting, so that costs compare with 6.1's: compact_migrate_scanned gets
 * one per free-list entry looked at while choosing a range (6.1 counts its
 * fast migrate-block search the same way) and one per position of a range
 * scanned (a free block inside counts once, as 6.1's migrate scanner steps
 * over it); compact_free_scanned one per free-list entry looked at for a
 * target plus one per target page taken; compact_isolated the source pages
 * of each range that goes to migration and every target page taken;
 * pgmigrate_* come from migrate_pages() itself.
 */
#include <stdlib.h>

#include "compaction.h"
#include "policies.h"

enum { P_MAX_RANGES };

#define BITS_PER_UL (8 * sizeof(unsigned long))

/* One run of compact_zone() (cc->pol_run) */
struct defrag_run {
	unsigned int order;		/* N: the order of the blocks being built */
	unsigned long base;		/* the first range: zone start aligned down to 2^N */
	unsigned long nranges;
	unsigned long start, end;	/* the range being emptied: targets avoid it */
	long tried;			/* ranges tried so far */
	unsigned long tried_map[];	/* one bit per range */
};

static struct defrag_run *run_new(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	unsigned int order = cc->order < 0 ? PAGEBLOCK_ORDER : (unsigned int)cc->order;
	unsigned long base = z->zone_start_pfn & ~((1UL << order) - 1);
	unsigned long nranges = (zone_end_pfn(z) - base + (1UL << order) - 1) >> order;
	struct defrag_run *r = calloc(1, sizeof(*r) + (nranges + BITS_PER_UL - 1) / BITS_PER_UL *
					 sizeof(unsigned long));

	if (!r)
		return NULL;
	r->order = order;
	r->base = base;
	r->nranges = nranges;
	return r;
}

static bool test_and_set_tried(struct defrag_run *r, unsigned long i)
{
	unsigned long bit = 1UL << (i % BITS_PER_UL);
	bool was = r->tried_map[i / BITS_PER_UL] & bit;

	r->tried_map[i / BITS_PER_UL] |= bit;
	return was;
}

/*
 * [start, end) lies in the zone, every pageblock of it has an online
 * memmap, and none is being isolated (alloc_contig_range, offlining).
 */
static bool range_usable(struct zone *z, unsigned long start, unsigned long end)
{
	struct af_machine *m = z->m;

	if (start < z->zone_start_pfn || end > zone_end_pfn(z))
		return false;
	for (unsigned long pb = start; pb < end; pb += PAGEBLOCK_NR_PAGES) {
		unsigned long last = MIN(end, pb + PAGEBLOCK_NR_PAGES) - 1;

		if (!pfn_online(m, pb) || pfn_zone(m, pb) != z || pfn_zone(m, last) != z ||
		    get_pageblock_migratetype(m, pb) == MIGRATE_ISOLATE)
			return false;
	}
	return true;
}

/* The lists a candidate range is looked for in, per order */
static const int range_types[] = { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE,
				   MIGRATE_HIGHATOMIC, MIGRATE_CMA };

/*
 * The next range: around the largest free block below N whose range was
 * not tried in this run.  Marks it tried; false when none is left.
 */
static bool next_range(struct compact_control *cc, struct defrag_run *r)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	unsigned long seen = 0;
	bool found = false;

	lock_zone(z);
	for (int o = (int)r->order - 1; o >= 0 && !found; o--) {
		if (!z->free_area[o].nr_free)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(range_types) && !found; k++) {
			const struct list_pfn *l = &z->free_area[o].free_list[range_types[k]];

			for (uint32_t p = l->first; p != PFN_NIL; p = m->pages[p].next) {
				unsigned long i = (p - r->base) >> r->order;
				unsigned long start = r->base + (i << r->order);

				seen++;
				if (test_and_set_tried(r, i) ||
				    !range_usable(z, start, start + (1UL << r->order)))
					continue;
				r->start = start;
				r->end = start + (1UL << r->order);
				found = true;
				break;
			}
		}
	}
	unlock_zone(z);
	cc->total_migrate_scanned += seen;
	return found;
}

/* Why the page at pfn (flags f) cannot leave the range, or NULL */
static const char *refusal(struct af_machine *m, unsigned long pfn, uint32_t f)
{
	const struct page *p = &m->pages[pfn];

	if (f & (PG_reserved | PG_hole))
		return "reserved";
	if (f & PG_pcp)
		return "free on a per-cpu list";
	if (!(f & PG_alloc))
		return "not an allocated page";
	if (f & PG_locked)
		return "locked";
	if (f & PG_writeback)
		return "under writeback";
	if (f & (PG_head | PG_tail))
		return "compound page";
	if (f & PG_isolated)
		return "already isolated";
	if (!(f & (PG_lru | PG_movable_ops)))
		return "unmovable (slab, page table or kernel page)";
	/* anonymous: one reference per mapping; page cache: plus the cache's */
	if ((f & PG_lru) && __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) >
	    __atomic_load_n(&p->mapcount, __ATOMIC_ACQUIRE) + !(f & PG_anon))
		return "pinned";
	return NULL;
}

/*
 * Isolate every allocated page of the range: the number isolated, 0 if
 * the range is given up (everything put back) or has nothing to move, or
 * -ENOMEM.
 */
static int isolate_range(struct compact_control *cc, struct defrag_run *r)
{
	struct af_machine *m = cc->zone->m;
	struct isolate_ctl ctl = compact_isolate_ctl(cc);
	unsigned long pfn, scanned = 0;
	const char *why = NULL;
	int err = 0;

	cc->migrate_pfn = r->start;
	for (pfn = r->start; pfn < r->end; pfn++) {
		uint32_t f = pflags(&m->pages[pfn]);

		scanned++;
		if (f & PG_buddy) {	/* a free block below N lies wholly inside */
			pfn += (1UL << porder(&m->pages[pfn])) - 1;
			continue;
		}
		if ((why = refusal(m, pfn, f)))
			break;
		if ((err = compact_isolate_page(cc, pfn, &ctl, &why)))
			break;
	}
	cc->total_migrate_scanned += scanned;
	if (why)
		putback_migratepages(cc);
	if (trace_on(m))
		trace_mm_compaction_isolate_migratepages(m, cc->cpu, r->start, MIN(pfn, r->end), scanned,
							 (unsigned long)cc->nr_migratepages);
	if (err == -ENOMEM)
		return err;
	if (cc->nr_migratepages)
		__atomic_fetch_add(&m->events[COMPACTISOLATED], (uint64_t)cc->nr_migratepages,
				   __ATOMIC_RELAXED);
	return cc->nr_migratepages;
}

static int defrag_source(struct compact_control *cc)
{
	struct defrag_run *r = cc->pol_run;
	long max = policy_param(cc->zone->m, P_MAX_RANGES);

	if (!r && !(r = cc->pol_run = run_new(cc)))
		return -ENOMEM;
	while ((!max || r->tried < max) && next_range(cc, r)) {
		int n;

		r->tried++;
		if ((n = isolate_range(cc, r)))
			return n;
	}
	return 0;
}

/* The lists targets come from: MOVABLE, CMA; at the highest priority any */
static const int target_types[] = { MIGRATE_MOVABLE, MIGRATE_CMA, MIGRATE_RECLAIMABLE,
				    MIGRATE_UNMOVABLE };

/* One free block outside the range, the smallest first, into cc->freepages */
static void defrag_targets(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	const struct defrag_run *r = cc->pol_run;
	size_t ntypes = cc->ignore_block_suitable ? ARRAY_SIZE(target_types) : 2;
	unsigned long scanned = 0, got = 0;

	lock_zone(z);
	for (unsigned int o = 0; o < r->order && !got; o++) {
		for (size_t k = 0; k < ntypes && !got; k++) {
			const struct list_pfn *l = &z->free_area[o].free_list[target_types[k]];

			for (uint32_t p = l->first; p != PFN_NIL; p = m->pages[p].next) {
				scanned++;
				if (p < r->end && p + (1UL << o) > r->start)
					continue;
				got = take_targets(cc, p, o);
				if (!got)	/* the min watermark: no targets at all */
					goto out;
				scanned += got - 1;
				cc->free_pfn = p;
				break;
			}
		}
	}
out:
	unlock_zone(z);
	cc->total_free_scanned += scanned;
	if (got)
		__atomic_fetch_add(&m->events[COMPACTISOLATED], got, __ATOMIC_RELAXED);
}

static int defrag_finished(struct compact_control *cc)
{
	const struct defrag_run *r = cc->pol_run;
	long max = policy_param(cc->zone->m, P_MAX_RANGES);

	if (cc->proactive_compaction) {
		enum compact_result ret = compact_finished_proactive(cc);
		if (ret != COMPACT_CONTINUE)
			return ret;
	}
	if (cc->order >= 0 && compact_free_block_exists(cc))
		return COMPACT_SUCCESS;
	if (r && max && r->tried >= max)
		return COMPACT_PARTIAL_SKIPPED;
	return COMPACT_CONTINUE;
}

const struct af_policy policy_defrag2004 = {
	.name = "defrag2004",
	.summary = "compaction empties the order-N range around the largest smaller free block, "
		   "giving a range up at its first page that cannot move",
	.source = "seed 000, LWN \"Active memory defragmentation\" (2004): Marcelo Tosatti's patch",
	.nparams = 1,
	.params = {
		{ "max_ranges", 0, 1L << 30, 0,
		  "ranges tried per compaction run of a zone (0: until no candidate is left)" },
	},
	.compact_finished = defrag_finished,
	.compact_source = defrag_source,
	.compact_targets = defrag_targets,
};
