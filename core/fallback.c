/*
 * fallback.c - grouping by mobility: the fallback order between migratetypes,
 * stealing and whole-pageblock claiming, watermark boosting, the highatomic
 * reserve (mm/page_alloc.c: fallbacks[], can_steal_fallback,
 * steal_suitable_fallback, find_suitable_fallback, __rmqueue_fallback,
 * __rmqueue, boost_watermark, reserve/unreserve_highatomic_pageblock).
 */
#include "internal.h"
#include "policy.h"

/* 6.1's fallbacks[][]: MIGRATE_TYPES terminates each row. */
const int fallbacks[MIGRATE_TYPES][3] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE,   MIGRATE_TYPES },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, MIGRATE_TYPES },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE,   MIGRATE_MOVABLE,   MIGRATE_TYPES },
	[MIGRATE_HIGHATOMIC]  = { MIGRATE_TYPES },
	[MIGRATE_CMA]         = { MIGRATE_TYPES },
	[MIGRATE_ISOLATE]     = { MIGRATE_TYPES },
};

/*
 * can_steal_fallback(): may the allocation take the rest of the fallback
 * pageblock too?  Always for blocks of pageblock order and above, for
 * orders >= pageblock_order/2, for UNMOVABLE and RECLAIMABLE requests, and
 * when grouping by mobility is disabled; never for small MOVABLE requests.
 */
bool can_steal_fallback(struct af_machine *m, unsigned int order, int start_mt)
{
	if (order >= PAGEBLOCK_ORDER)
		return true;
	if (order >= PAGEBLOCK_ORDER / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	    start_mt == MIGRATE_UNMOVABLE || m->page_group_by_mobility_disabled)
		return true;
	return false;
}

/*
 * boost_watermark(): raise watermark_boost by a pageblock, capped at
 * high_wmark * watermark_boost_factor / 10000 (at least a pageblock).
 * Not in zones smaller than 4 pageblocks, nor when the factor is 0.
 */
bool boost_watermark(struct zone *z)
{
	struct af_machine *m = z->m;
	unsigned long max_boost;

	if (!VM_SYSCTL(m, watermark_boost_factor))
		return false;
	if (PAGEBLOCK_NR_PAGES * 4 > z->managed_pages)
		return false;
	/* mult_frac(high, factor, 10000) */
	{
		unsigned long x = READ_ONCE_UL(z->_watermark[WMARK_HIGH]), n = (unsigned long)VM_SYSCTL(m, watermark_boost_factor);
		max_boost = (x / 10000) * n + ((x % 10000) * n) / 10000;
	}
	if (!max_boost)
		return false;
	max_boost = MAX(PAGEBLOCK_NR_PAGES, max_boost);
	WRITE_ONCE_UL(z->watermark_boost, MIN(READ_ONCE_UL(z->watermark_boost) + PAGEBLOCK_NR_PAGES,
					      max_boost));
	return true;
}

static void change_pageblock_range(struct af_machine *m, unsigned long pfn,
				   unsigned int start_order, int mt)
{
	unsigned long nr = 1UL << (start_order - PAGEBLOCK_ORDER);

	while (nr--) {
		set_pageblock_migratetype(m, pfn, mt);
		pfn += PAGEBLOCK_NR_PAGES;
	}
}

/*
 * steal_suitable_fallback(): move the found block to start_type's list and,
 * when allowed, the other free pages of its pageblock too; claim the whole
 * pageblock when at least half of it is free or compatible.
 */
static void steal_suitable_fallback(struct zone *z, unsigned long pfn, unsigned int alloc_flags,
				    int start_type, bool whole_block)
{
	struct af_machine *m = z->m;
	unsigned int cur_order = m->pages[pfn].order;
	int free_pages, movable_pages, alike_pages;
	int old_block_type = get_pageblock_migratetype(m, pfn);

	if (old_block_type == MIGRATE_HIGHATOMIC)
		goto single_page;

	if (cur_order >= PAGEBLOCK_ORDER) {
		change_pageblock_range(m, pfn, cur_order, start_type);
		goto single_page;
	}

	if (boost_watermark(z) && (alloc_flags & ALLOC_KSWAPD))
		__atomic_store_n(&z->boosted_watermark, true, __ATOMIC_RELAXED);

	if (!whole_block)
		goto single_page;

	free_pages = move_freepages_block(z, pfn, start_type, &movable_pages);
	if (start_type == MIGRATE_MOVABLE) {
		alike_pages = movable_pages;
	} else {
		if (old_block_type == MIGRATE_MOVABLE)
			alike_pages = (int)PAGEBLOCK_NR_PAGES - (free_pages + movable_pages);
		else
			alike_pages = 0;
	}
	if (!free_pages)
		goto single_page;
	if (free_pages + alike_pages >= (1 << (PAGEBLOCK_ORDER - 1)) ||
	    m->page_group_by_mobility_disabled)
		set_pageblock_migratetype(m, pfn, start_type);
	return;

single_page:
	move_to_free_list(z, pfn, cur_order, start_type);
}

/*
 * find_suitable_fallback(): the first fallback type with a free block at
 * this order; *can_steal says whether the whole pageblock may be taken.
 */
int find_suitable_fallback(struct zone *z, struct free_area *area, unsigned int order,
			   int mt, bool only_stealable, bool *can_steal)
{
	if (area->nr_free == 0)
		return -1;
	*can_steal = false;
	for (int i = 0;; i++) {
		int fmt = fallbacks[mt][i];

		if (fmt == MIGRATE_TYPES)
			break;
		if (list_empty_pfn(&area->free_list[fmt]))
			continue;
		if (can_steal_fallback(z->m, order, mt))
			*can_steal = true;
		if (!only_stealable)
			return fmt;
		if (*can_steal)
			return fmt;
	}
	return -1;
}

/*
 * The decision of __rmqueue_fallback(): the largest free block of a
 * fallback type (the smallest one for a MOVABLE request that cannot steal
 * the block).  With ALLOC_NOFRAGMENT only whole pageblocks may be taken.
 */
bool find_fallback_linux(struct zone *z, int order, int start_mt, unsigned int alloc_flags,
			 struct fallback_choice *c)
{
	struct free_area *area;
	int cur, min_order = order, fmt = -1;
	bool can_steal = false;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;

	for (cur = MAX_ORDER - 1; cur >= min_order; --cur) {
		area = &z->free_area[cur];
		fmt = find_suitable_fallback(z, area, (unsigned)cur, start_mt, false, &can_steal);
		if (fmt == -1)
			continue;
		if (!can_steal && start_mt == MIGRATE_MOVABLE && cur > order)
			goto find_smallest;
		goto found;
	}
	return false;

find_smallest:
	for (cur = order; cur < MAX_ORDER; cur++) {
		area = &z->free_area[cur];
		fmt = find_suitable_fallback(z, area, (unsigned)cur, start_mt, false, &can_steal);
		if (fmt != -1)
			break;
	}
	if (cur == MAX_ORDER)
		return false;	/* cannot happen: the search above found one */
found:
	*c = (struct fallback_choice){ .pfn = area->free_list[fmt].first, .order = cur,
				       .fallback_mt = fmt, .claim = can_steal };
	return true;
}

/*
 * __rmqueue_fallback(): decide which block of another type to take (6.1's
 * rule, or the policy's), move it to start_mt's list, claiming its
 * pageblock when allowed, and emit mm_page_alloc_extfrag.
 */
bool rmqueue_fallback(struct zone *z, int cpu, int order, int start_mt, unsigned int alloc_flags)
{
	struct af_machine *m = z->m;
	struct fallback_choice c;

	if (m->pol.find_fallback ? !m->pol.find_fallback(z, order, start_mt, alloc_flags, &c) :
	    !find_fallback_linux(z, order, start_mt, alloc_flags, &c))
		return false;
	steal_suitable_fallback(z, c.pfn, alloc_flags, start_mt, c.claim);
	{
		int kind = get_pageblock_migratetype(m, c.pfn) == start_mt ? EXTFRAG_CLAIM :
			   c.claim ? EXTFRAG_STEAL : EXTFRAG_POLLUTE;
		if (start_mt < MIGRATE_PCPTYPES && c.fallback_mt < MIGRATE_PCPTYPES) {
			__atomic_fetch_add(&m->extfrag_kind[kind][start_mt][c.fallback_mt], 1,
					   __ATOMIC_RELAXED);
			if (c.order < PAGEBLOCK_ORDER)
				__atomic_fetch_add(&m->extfrag_kind_fragmenting[kind][start_mt][c.fallback_mt],
						   1, __ATOMIC_RELAXED);
		}
	}
	__atomic_fetch_add(&m->extfrag_events, 1, __ATOMIC_RELAXED);
	if (c.order < PAGEBLOCK_ORDER)
		__atomic_fetch_add(&m->extfrag_fragmenting, 1, __ATOMIC_RELAXED);
	if (trace_on(m))
		trace_mm_page_alloc_extfrag(m, cpu, c.pfn, order, c.order, start_mt, c.fallback_mt);
	return true;
}

/*
 * __rmqueue(): allocate from mt's lists, else CMA (movable with ALLOC_CMA),
 * else steal from a fallback type and retry.
 */
long rmqueue(struct zone *z, int cpu, unsigned int order, int mt, unsigned int alloc_flags)
{
	long pfn;

	if (z->m->cfg.cma_enabled && (alloc_flags & ALLOC_CMA) &&
	    zone_page_state(z, NR_FREE_CMA_PAGES) > zone_page_state(z, NR_FREE_PAGES) / 2) {
		pfn = rmqueue_smallest(z, cpu, order, MIGRATE_CMA);
		if (pfn >= 0)
			return pfn;
	}
retry:
	pfn = rmqueue_smallest(z, cpu, order, mt);
	if (pfn < 0) {
		if (z->m->cfg.cma_enabled && (alloc_flags & ALLOC_CMA))
			pfn = rmqueue_smallest(z, cpu, order, MIGRATE_CMA);
		if (pfn < 0 && rmqueue_fallback(z, cpu, (int)order, mt, alloc_flags))
			goto retry;
	}
	return pfn;
}

/*
 * reserve_highatomic_pageblock(): after a successful high-order atomic
 * allocation, reserve its pageblock for such allocations, up to about 1% of
 * the zone plus one pageblock.
 */
void reserve_highatomic_pageblock(struct zone *z, unsigned long pfn)
{
	struct af_machine *m = z->m;
	unsigned long max_managed = z->managed_pages / 100 + PAGEBLOCK_NR_PAGES;
	int mt;

	if (READ_ONCE_UL(z->nr_reserved_highatomic) >= max_managed)
		return;
	lock_zone(z);
	if (z->nr_reserved_highatomic >= max_managed)
		goto out;
	mt = get_pageblock_migratetype(m, pfn);
	if (migratetype_is_mergeable(mt)) {
		WRITE_ONCE_UL(z->nr_reserved_highatomic, z->nr_reserved_highatomic + PAGEBLOCK_NR_PAGES);
		set_pageblock_migratetype(m, pfn, MIGRATE_HIGHATOMIC);
		move_freepages_block(z, pfn, MIGRATE_HIGHATOMIC, NULL);
	}
out:
	unlock_zone(z);
}

/*
 * unreserve_highatomic_pageblock(): under memory pressure give a reserved
 * pageblock back to the requester's migratetype.  Keeps one pageblock per
 * zone unless force.
 */
bool unreserve_highatomic_pageblock(struct af_machine *m, const struct alloc_context *ac,
				    bool force)
{
	for (int i = 0; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];

		if ((int)z->type > ac->highest_zoneidx)
			continue;
		if (!force && READ_ONCE_UL(z->nr_reserved_highatomic) <= PAGEBLOCK_NR_PAGES)
			continue;
		lock_zone(z);
		for (unsigned int order = 0; order < MAX_ORDER; order++) {
			struct free_area *area = &z->free_area[order];
			unsigned long pfn;
			int ret;

			if (list_empty_pfn(&area->free_list[MIGRATE_HIGHATOMIC]))
				continue;
			pfn = area->free_list[MIGRATE_HIGHATOMIC].first;
			if (get_pageblock_migratetype(m, pfn) == MIGRATE_HIGHATOMIC)
				WRITE_ONCE_UL(z->nr_reserved_highatomic, z->nr_reserved_highatomic -
					      MIN(PAGEBLOCK_NR_PAGES, z->nr_reserved_highatomic));
			set_pageblock_migratetype(m, pfn, ac->migratetype);
			ret = move_freepages_block(z, pfn, ac->migratetype, NULL);
			if (ret) {
				unlock_zone(z);
				return true;
			}
		}
		unlock_zone(z);
	}
	return false;
}
