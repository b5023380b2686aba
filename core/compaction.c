/*
 * compaction.c - memory compaction (mm/compaction.c, 6.1): the migrate
 * scanner walks pageblocks up from the zone start isolating movable pages,
 * the free scanner walks down from the zone end isolating free pages as
 * targets, migrate_pages() moves one to the other until the scanners meet
 * or compact_finished() says a block of the wanted order exists.
 * Direct compaction (try_to_compact_pages) calls it here; kcompactd,
 * proactive compaction and /proc/sys/vm/compact_memory are in kcompactd.c.
 *
 * The fast scanners (fast_find_migrateblock, fast_isolate_freepages with
 * fast_isolate_around) search the free lists before the linear scans, as
 * in 6.1.
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

static inline bool is_via_compact_memory(int order)
{
	return order == -1;
}

/* ---- deferral ---- */

/* defer_compaction(): back off exponentially after a failure at this order */
void defer_compaction(struct zone *z, int cpu, int order)
{
	z->compact_considered = 0;
	z->compact_defer_shift++;
	if (order < z->compact_order_failed)
		z->compact_order_failed = order;
	if (z->compact_defer_shift > COMPACT_MAX_DEFER_SHIFT)
		z->compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
	if (trace_on(z->m))
		trace_mm_compaction_defer_compaction(z, cpu, order);
}

/* compaction_deferred(): skip this attempt? (2^defer_shift considerations) */
bool compaction_deferred(struct zone *z, int cpu, int order)
{
	unsigned long defer_limit = 1UL << z->compact_defer_shift;

	if (order < z->compact_order_failed)
		return false;
	if (++z->compact_considered >= defer_limit) {
		z->compact_considered = (unsigned)defer_limit;
		return false;
	}
	if (trace_on(z->m))
		trace_mm_compaction_deferred(z, cpu, order);
	return true;
}

/* compaction_defer_reset(): success at this order (alloc_success: fully) */
void compaction_defer_reset(struct zone *z, int order, bool alloc_success)
{
	if (alloc_success) {
		z->compact_considered = 0;
		z->compact_defer_shift = 0;
	}
	if (order >= z->compact_order_failed)
		z->compact_order_failed = order + 1;
}

/* compaction_restarting(): deferred to the maximum and due again */
bool compaction_restarting(struct zone *z, int order)
{
	if (order < z->compact_order_failed)
		return false;
	return z->compact_defer_shift == COMPACT_MAX_DEFER_SHIFT &&
	       z->compact_considered >= 1UL << z->compact_defer_shift;
}

/* ---- skip hints ---- */
static void reset_cached_positions(struct zone *z)
{
	z->compact_cached_migrate_pfn[0] = z->zone_start_pfn;
	z->compact_cached_migrate_pfn[1] = z->zone_start_pfn;
	z->compact_cached_free_pfn = pageblock_start_pfn(zone_end_pfn(z) - 1);
}

static bool isolation_suitable(struct compact_control *cc, unsigned long pfn)
{
	if (cc->ignore_skip_hint)
		return true;
	return !get_pageblock_skip(cc->zone->m, pfn);
}

/*
 * pageblock_skip_persistent(): pfn is part of a compound page of at least
 * pageblock order (its compound_head has such an order).  The allocator
 * marks the pageblocks such a page covers (m->pb_huge), so this reads no
 * struct page; af_check (check_mirrors) checks the marks against the memmap.
 */
static bool pageblock_skip_persistent(struct af_machine *m, unsigned long pfn)
{
	return __atomic_load_n(&m->pb_huge[pfn >> PAGEBLOCK_ORDER], __ATOMIC_RELAXED);
}

/*
 * __reset_isolation_pfn()/__reset_isolation_suitable(): after a full pass
 * ended (compact_blockskip_flush), clear the skip bits of pageblocks that
 * have something to offer again and re-aim the cached scanner positions.
 */
static bool reset_isolation_pfn(struct zone *z, unsigned long pfn, bool check_source,
				bool check_target)
{
	struct af_machine *m = z->m;
	unsigned long start, end;

	if (pfn_zone(m, pfn) != z || pageblock_skip_persistent(m, pfn))
		return false;
	if (check_source && check_target && !get_pageblock_skip(m, pfn))
		return true;
	if (!check_source && check_target && get_pageblock_migratetype(m, pfn) != MIGRATE_MOVABLE)
		return false;
	start = MAX(pageblock_start_pfn(pfn), z->zone_start_pfn);
	end = MIN(pageblock_end_pfn(pfn) - 1, zone_end_pfn(z) - 1);
	if (start == pageblock_start_pfn(pfn)) {
		/* the samples are the pages the block's words mirror (page_mirror),
		 * those up to `end`: bits 0..last */
		unsigned int last = (unsigned int)((end - start) >> SAMPLE_ORDER);
		uint64_t want = last >= 63 ? ~0ULL : (2ULL << last) - 1;
		size_t b = pfn >> PAGEBLOCK_ORDER;

		if ((check_source && (__atomic_load_n(&m->pb_lru[b], __ATOMIC_RELAXED) & want)) ||
		    (check_target && (__atomic_load_n(&m->pb_buddy[b], __ATOMIC_RELAXED) & want))) {
			set_pageblock_skip(m, start, false);
			return true;
		}
		return false;
	}
	/* a zone starting inside the block samples from its own first page */
	for (unsigned long p = start; p <= end; p += 1UL << PAGE_ALLOC_COSTLY_ORDER) {
		uint32_t f = pflags(&m->pages[p]);
		if ((check_source && (f & PG_lru)) || (check_target && (f & PG_buddy))) {
			set_pageblock_skip(m, p, false);
			return true;
		}
	}
	return false;
}

static void reset_isolation_suitable_zone(struct zone *z)
{
	unsigned long migrate_pfn = z->zone_start_pfn, free_pfn = zone_end_pfn(z) - 1;
	unsigned long reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;

	if (!z->compact_blockskip_flush)
		return;
	z->compact_blockskip_flush = false;
	for (; migrate_pfn < free_pfn; migrate_pfn += PAGEBLOCK_NR_PAGES, free_pfn -= PAGEBLOCK_NR_PAGES) {
		if (reset_isolation_pfn(z, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			z->compact_init_migrate_pfn = reset_migrate;
			z->compact_cached_migrate_pfn[0] = reset_migrate;
			z->compact_cached_migrate_pfn[1] = reset_migrate;
		}
		if (reset_isolation_pfn(z, free_pfn, free_set, true) && free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			z->compact_init_free_pfn = reset_free;
			z->compact_cached_free_pfn = reset_free;
		}
		if (free_pfn < PAGEBLOCK_NR_PAGES)
			break;
	}
	if (reset_migrate >= reset_free) {
		z->compact_cached_migrate_pfn[0] = migrate_pfn;
		z->compact_cached_migrate_pfn[1] = migrate_pfn;
		z->compact_cached_free_pfn = free_pfn;
	}
}

/* reset_isolation_suitable(): every zone of the node (kswapd before it sleeps) */
void reset_isolation_suitable(struct pglist_data *pg)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &pg->node_zones[t];
		if (!populated_zone(z))
			continue;
		lock_compact(z);
		if (z->compact_blockskip_flush)
			reset_isolation_suitable_zone(z);
		unlock_compact(z);
	}
}

static void update_cached_migrate(struct compact_control *cc, unsigned long pfn)
{
	struct zone *z = cc->zone;

	pfn = pageblock_end_pfn(pfn);
	if (cc->no_set_skip_hint)
		return;
	if (pfn > z->compact_cached_migrate_pfn[0])
		z->compact_cached_migrate_pfn[0] = pfn;
	if (cc->mode != AF_MIGRATE_ASYNC && pfn > z->compact_cached_migrate_pfn[1])
		z->compact_cached_migrate_pfn[1] = pfn;
}

/* update_pageblock_skip(): a free-scanner pageblock yielded nothing */
static void update_pageblock_skip(struct compact_control *cc, unsigned long pfn)
{
	struct zone *z = cc->zone;

	if (cc->no_set_skip_hint)
		return;
	set_pageblock_skip(z->m, pfn, true);
	if (pfn < z->compact_cached_free_pfn)
		z->compact_cached_free_pfn = pfn;
}

/* ---- suitability ---- */

/*
 * __compaction_suitable(): COMPACT_SUCCESS if the allocation would succeed
 * already; COMPACT_SKIPPED if there are not enough order-0 pages to work
 * with: the low (costly) or min watermark plus compact_gap = 2 << order.
 */
static enum compact_result compaction_suitable_raw(struct zone *z, int order, unsigned int alloc_flags,
						   int highest_zoneidx, long wmark_target)
{
	unsigned long watermark;

	if (is_via_compact_memory(order))
		return COMPACT_CONTINUE;
	watermark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
	if (zone_watermark_ok(z, (unsigned)order, watermark, highest_zoneidx, alloc_flags))
		return COMPACT_SUCCESS;
	watermark = order > PAGE_ALLOC_COSTLY_ORDER ? low_wmark_pages(z) : min_wmark_pages(z);
	watermark += 2UL << order;	/* compact_gap() */
	if (!zone_watermark_ok_raw(z, 0, watermark, highest_zoneidx, ALLOC_CMA, wmark_target))
		return COMPACT_SKIPPED;
	return COMPACT_CONTINUE;
}

/*
 * compaction_suitable(): as above, and for costly orders a fragmentation
 * index in 0..vm.extfrag_threshold makes the zone unsuitable (the failure
 * is a lack of memory, which compaction cannot fix); -1000 (a block of the
 * order is already free) does not.
 */
enum compact_result compaction_suitable(struct zone *z, int cpu, int order, unsigned int alloc_flags,
					int highest_zoneidx)
{
	enum compact_result ret = compaction_suitable_raw(z, order, alloc_flags, highest_zoneidx,
							  zone_page_state(z, NR_FREE_PAGES));

	if (ret == COMPACT_CONTINUE && order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(z, (unsigned)order);
		if (fragindex >= 0 && fragindex <= VM_SYSCTL(z->m, extfrag_threshold))
			ret = COMPACT_NOT_SUITABLE_ZONE;
	}
	if (trace_on(z->m))
		trace_mm_compaction_suitable(z, cpu, order, ret);
	if (ret == COMPACT_NOT_SUITABLE_ZONE)
		ret = COMPACT_SKIPPED;
	return ret;
}

bool compaction_zonelist_suitable(struct af_machine *m, const struct alloc_context *ac, int order,
				  unsigned int alloc_flags)
{
	(void)m;
	for (int i = 0; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];
		unsigned long available;

		if ((int)z->type > ac->highest_zoneidx)
			continue;
		/* a share of what reclaim could free, not all of it */
		available = zone_reclaimable_pages(z) / (unsigned)order +
			    (unsigned long)zone_page_state(z, NR_FREE_PAGES);
		if (compaction_suitable_raw(z, order, alloc_flags, ac->highest_zoneidx,
					    (long)available) == COMPACT_CONTINUE)
			return true;
	}
	return false;
}

/* ---- fragmentation score (proactive compaction) ---- */

/*
 * __isolate_free_page(): take a free block off the lists as compaction
 * targets, obeying the min watermark as an allocation would.  A block of
 * half a pageblock or more makes its pageblocks MOVABLE.
 */
static unsigned long isolate_free_block(struct zone *z, unsigned long pfn, unsigned int order)
{
	struct af_machine *m = z->m;
	int mt = get_pageblock_migratetype(m, pfn);

	if (mt != MIGRATE_ISOLATE) {
		unsigned long wm = z->_watermark[WMARK_MIN] + (1UL << order);
		if (!zone_watermark_ok_raw(z, 0, wm, 0, ALLOC_CMA, zone_page_state(z, NR_FREE_PAGES)))
			return 0;
		mod_zone_freepage_state(z, -(1L << order), mt);
	}
	del_page_from_free_list(z, pfn, order, m->pages[pfn].pcp_mt);
	if (order >= PAGEBLOCK_ORDER - 1)
		for (unsigned long p = pfn; p < pfn + (1UL << order); p += PAGEBLOCK_NR_PAGES)
			if (migratetype_is_mergeable(get_pageblock_migratetype(m, p)))
				set_pageblock_migratetype(m, p, MIGRATE_MOVABLE);
	return 1UL << order;
}

static int push_free(struct compact_control *cc, unsigned long pfn)
{
	if (cc->nr_freepages == cc->cap_free) {
		int nc = cc->cap_free ? cc->cap_free * 2 : 64;
		uint32_t *n = realloc(cc->freepages, (size_t)nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cc->freepages = n;
		cc->cap_free = nc;
	}
	cc->freepages[cc->nr_freepages++] = (uint32_t)pfn;
	return 0;
}

/*
 * __isolate_free_page() + split_map_pages(): a free block becomes order-0
 * target pages held by compaction (cc->freepages); the pages taken, 0 when
 * the min watermark forbids it.  The zone lock is held.
 */
unsigned long take_targets(struct compact_control *cc, unsigned long pfn, unsigned int order)
{
	struct af_machine *m = cc->zone->m;
	unsigned long got;
	int need = cc->nr_freepages + (1 << order);

	if (need > cc->cap_free) {	/* room first: no freeing under the zone lock */
		int nc = MAX(need, cc->cap_free * 2);
		uint32_t *n = realloc(cc->freepages, (size_t)nc * sizeof(*n));
		if (!n)
			return 0;
		cc->freepages = n;
		cc->cap_free = nc;
	}
	got = isolate_free_block(cc->zone, pfn, order);
	for (unsigned long i = 0; i < got; i++) {
		struct page *q = &m->pages[pfn + i];
		/* post_alloc_hook(): an allocated order-0 page held by compaction */
		pset_order(q, 0);
		__atomic_store_n(&q->refcount, 1, __ATOMIC_RELAXED);
		pflags_set(m, q, PG_alloc);
		cc->freepages[cc->nr_freepages++] = (uint32_t)(pfn + i);
	}
	return got;
}

/*
 * isolate_freepages_block(): scan [*start, end) with stride for free
 * blocks; split each into order-0 target pages (split_map_pages).  A
 * compound page is stepped over whole.  Non-strict (compaction's free
 * scanner) skips pages that are not free and stops once there are as many
 * targets as pages to migrate.  Strict (isolate_freepages_range, for
 * alloc_contig_range) stops at the first page that is not free and then
 * reports nothing isolated; the pages it took stay in cc->freepages for the
 * caller to release.
 */
static unsigned long isolate_freepages_block(struct compact_control *cc, unsigned long *start,
					     unsigned long end, unsigned int stride, bool strict)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	unsigned long pfn = *start, total = 0, scanned = 0;

	lock_zone(z);
	for (; pfn < end; pfn += stride) {
		uint8_t sf = ps_flags(m, pfn);	/* the scanners' mirror (page_mirror) */
		unsigned long got;

		scanned++;
		if (!(sf & PS_BUDDY)) {
			if (strict)	/* stop here: the caller names this page */
				break;
			if (sf & PS_HEAD)	/* PageCompound: past the whole page */
				pfn += (1UL << ps_order(m, pfn)) - 1;
			continue;
		}
		got = take_targets(cc, pfn, porder(&m->pages[pfn]));
		if (!got)
			break;
		scanned += got - 1;
		total += got;
		if (!strict && cc->nr_migratepages <= cc->nr_freepages) {
			pfn += got;
			break;
		}
		pfn += got - 1;
	}
	unlock_zone(z);
	if (pfn > end)
		pfn = end;
	if (trace_on(m))
		trace_mm_compaction_isolate_freepages(m, cc->cpu, *start, pfn, scanned, total);
	*start = pfn;
	if (strict && pfn < end)
		total = 0;
	cc->total_free_scanned += scanned;
	if (total)
		__atomic_fetch_add(&m->events[COMPACTISOLATED], total, __ATOMIC_RELAXED);
	return total;
}

/* suitable_migration_target(): MOVABLE (or CMA) blocks without a large free block */
static bool suitable_migration_target(struct compact_control *cc, unsigned long pfn)
{
	struct af_machine *m = cc->zone->m;
	int mt;

	if ((ps_flags(m, pfn) & PS_BUDDY) && ps_order(m, pfn) >= PAGEBLOCK_ORDER)	/* the mirror */
		return false;
	if (cc->ignore_block_suitable)
		return true;
	mt = get_pageblock_migratetype(m, pfn);
	return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
}

/*
 * pageblock_pfn_to_page(): [start, end) lies in one pageblock that has an
 * online memmap, and both ends belong to the zone.  A block wholly inside
 * a hole (or offlined) is passed over without being scanned.
 */
static bool block_in_zone(struct zone *z, unsigned long start, unsigned long end)
{
	return start < end && pfn_online(z->m, start) && pfn_zone(z->m, start) == z &&
	       pfn_zone(z->m, end - 1) == z;
}

/* freelist_scan_limit(): fewer list entries after each failed fast search */
static unsigned int freelist_scan_limit(struct compact_control *cc)
{
	unsigned int shift = MIN(63u, (unsigned)cc->fast_search_fail);
	return (unsigned)(COMPACT_CLUSTER_MAX >> MIN(shift, 63u)) + 1;
}

/* move_freelist_head(): rotate the list so that pfn comes first */
static void move_freelist_head(struct af_machine *m, struct list_pfn *l, unsigned long pfn)
{
	uint32_t prev = m->pages[pfn].prev;

	if (l->first == pfn || l->last == PFN_NIL)
		return;
	m->pages[l->last].next = l->first;
	m->pages[l->first].prev = l->last;
	m->pages[prev].next = PFN_NIL;
	m->pages[pfn].prev = PFN_NIL;
	l->first = (uint32_t)pfn;
	l->last = prev;
}

/* move_freelist_tail(): rotate the list so that pfn comes last */
static void move_freelist_tail(struct af_machine *m, struct list_pfn *l, unsigned long pfn)
{
	uint32_t next = m->pages[pfn].next;

	if (l->first == pfn || l->last == pfn)
		return;
	m->pages[l->last].next = l->first;
	m->pages[l->first].prev = l->last;
	m->pages[next].prev = PFN_NIL;
	m->pages[pfn].next = PFN_NIL;
	l->first = next;
	l->last = (uint32_t)pfn;
}

/* fast_isolate_around(): fill up from the pageblock of a fast-found page */
static void fast_isolate_around(struct compact_control *cc, unsigned long pfn)
{
	struct zone *z = cc->zone;
	unsigned long start, end, block;

	if (cc->nr_freepages >= cc->nr_migratepages)
		return;
	if (cc->direct_compaction && cc->mode == AF_MIGRATE_ASYNC)
		return;
	start = MAX(pageblock_start_pfn(pfn), z->zone_start_pfn);
	end = MIN(pageblock_end_pfn(pfn), zone_end_pfn(z));
	if (!block_in_zone(z, start, end))
		return;
	block = start;
	isolate_freepages_block(cc, &start, end, 1, false);
	/* the pageblock scanned (start has moved on, to the next one at the end) */
	if (cc->nr_freepages < cc->nr_migratepages)
		set_pageblock_skip(z->m, block, true);
}

/* next_search_order(): orders below the request, round robin from search_order */
static int next_search_order(struct compact_control *cc, int order)
{
	order--;
	if (order < 0)
		order = cc->order - 1;
	if (order == cc->search_order) {
		cc->search_order--;
		if (cc->search_order < 0)
			cc->search_order = (short)(cc->order - 1);
		return -1;
	}
	return order;
}

/*
 * fast_isolate_freepages(): look for a target on the MOVABLE free lists of
 * orders below the request, preferring pages in the top quarter of the
 * distance between the scanners (low_pfn), accepting the top half
 * (min_pfn); lists are rotated so the next search starts elsewhere.
 */
static unsigned long fast_isolate_freepages(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	unsigned int limit = MAX(1u, freelist_scan_limit(cc) >> 1);
	unsigned int nr_scanned = 0;
	unsigned long low_pfn, min_pfn, highest = 0, distance, page = PFN_NIL;
	bool scan_start = false;
	int order;

	if (cc->order <= 0)
		return cc->free_pfn;
	if (cc->free_pfn >= z->compact_init_free_pfn) {
		limit = PAGEBLOCK_NR_PAGES >> 1;
		scan_start = true;
	}
	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = pageblock_start_pfn(cc->free_pfn - (distance >> 2));
	min_pfn = pageblock_start_pfn(cc->free_pfn - (distance >> 1));
	if (min_pfn > low_pfn)
		low_pfn = min_pfn;
	cc->search_order = (short)MIN(cc->order - 1, cc->search_order);
	for (order = cc->search_order; page == PFN_NIL && order >= 0; order = next_search_order(cc, order)) {
		struct free_area *area = &z->free_area[order];
		struct list_pfn *l;
		unsigned int order_scanned = 0;
		unsigned long high_pfn = 0, freepage = PFN_NIL;

		if (!__atomic_load_n(&area->nr_free, __ATOMIC_RELAXED))
			continue;
		lock_zone(z);
		l = &area->free_list[MIGRATE_MOVABLE];
		for (uint32_t f = l->last; f != PFN_NIL; f = m->pages[f].prev) {
			order_scanned++;
			nr_scanned++;
			freepage = f;
			if (f >= highest)
				highest = MAX(pageblock_start_pfn(f), z->zone_start_pfn);
			if (f >= low_pfn) {
				cc->fast_search_fail = 0;
				cc->search_order = (short)order;
				page = f;
				break;
			}
			if (f >= min_pfn && f > high_pfn) {
				high_pfn = f;
				limit >>= 1;
			}
			if (order_scanned >= limit)
				break;
		}
		if (page == PFN_NIL && high_pfn) {
			page = high_pfn;
			freepage = page;
		}
		if (freepage != PFN_NIL)
			move_freelist_head(m, l, freepage);
		if (page != PFN_NIL) {
			unsigned long got = take_targets(cc, page, (unsigned)order);
			if (got) {
				nr_scanned += (unsigned)got - 1;
				__atomic_fetch_add(&m->events[COMPACTISOLATED], got, __ATOMIC_RELAXED);
			} else {
				order = cc->search_order + 1;
				page = PFN_NIL;
			}
		}
		unlock_zone(z);
		if (order_scanned >= limit)
			limit = MAX(1u, limit >> 1);
	}
	if (page == PFN_NIL) {
		cc->fast_search_fail++;
		if (scan_start) {
			if (highest >= min_pfn) {
				page = highest;
				cc->free_pfn = highest;
			} else if (cc->direct_compaction && block_in_zone(z, min_pfn,
					MIN(pageblock_end_pfn(min_pfn), zone_end_pfn(z)))) {
				page = min_pfn;
				cc->free_pfn = min_pfn;
			}
		}
	}
	if (highest && highest >= z->compact_cached_free_pfn) {
		highest -= PAGEBLOCK_NR_PAGES;
		z->compact_cached_free_pfn = highest;
	}
	cc->total_free_scanned += nr_scanned;
	if (page == PFN_NIL)
		return cc->free_pfn;
	fast_isolate_around(cc, page);
	return page;
}

/* isolate_freepages(): walk pageblocks down from the free scanner */
static void isolate_freepages(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	unsigned long isolate_start = cc->free_pfn;
	unsigned long block_start = pageblock_start_pfn(isolate_start);
	unsigned long block_end = MIN(block_start + PAGEBLOCK_NR_PAGES, zone_end_pfn(z));
	unsigned long low_pfn = pageblock_end_pfn(cc->migrate_pfn);
	unsigned int stride = cc->mode == AF_MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;

	fast_isolate_freepages(cc);
	if (cc->nr_freepages)
		return;
	for (; block_start >= low_pfn; block_end = block_start, block_start -= PAGEBLOCK_NR_PAGES,
	     isolate_start = block_start) {
		unsigned long nr;
		unsigned long s = MAX(block_start, z->zone_start_pfn);

		if (block_start < PAGEBLOCK_NR_PAGES && block_start == 0) {
			/* guard the unsigned loop at pfn 0 */
		}
		if (!block_in_zone(z, s, block_end) || !suitable_migration_target(cc, s) ||
		    !isolation_suitable(cc, s)) {
			if (block_start < PAGEBLOCK_NR_PAGES)
				break;
			continue;
		}
		if (isolate_start < s)
			isolate_start = s;
		nr = isolate_freepages_block(cc, &isolate_start, block_end, stride, false);
		if (isolate_start == block_end)
			update_pageblock_skip(cc, s);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (isolate_start >= block_end)
				isolate_start = block_start - PAGEBLOCK_NR_PAGES;
			break;
		} else if (isolate_start < block_end) {
			break;
		}
		stride = nr ? 1 : MIN(COMPACT_CLUSTER_MAX, stride << 1);
		if (block_start < PAGEBLOCK_NR_PAGES)
			break;
	}
	cc->free_pfn = isolate_start;
}

/* compaction_alloc(): a target page for migrate_pages() */
static long compaction_alloc(struct af_machine *m, unsigned long src, void *arg)
{
	struct compact_control *cc = arg;
	(void)m;
	(void)src;

	if (!cc->nr_freepages)
		isolate_freepages(cc);
	if (!cc->nr_freepages)
		return -1;
	return (long)cc->freepages[--cc->nr_freepages];
}

/* compaction_free(): an unused target goes back to the list */
static void compaction_free(struct af_machine *m, unsigned long dst, void *arg)
{
	struct compact_control *cc = arg;

	m->pages[dst].owner = 0;
	__atomic_store_n(&m->pages[dst].refcount, 1, __ATOMIC_RELAXED);
	pflags_set(m, &m->pages[dst], PG_alloc);
	if (push_free(cc, dst))
		af_free_pages(m, cc->cpu, dst, 0);
}

/* release_freepages(): give back unused targets; the highest pfn */
static unsigned long release_freepages(struct compact_control *cc)
{
	struct af_machine *m = cc->zone->m;
	unsigned long high = 0;

	for (int i = 0; i < cc->nr_freepages; i++) {
		unsigned long pfn = cc->freepages[i];
		if (pfn > high)
			high = pfn;
		af_free_pages(m, cc->cpu, pfn, 0);
	}
	cc->nr_freepages = 0;
	return high;
}

/*
 * isolate_freepages_range(): strict isolation, pageblock by pageblock, of
 * every free page of [start, end) for alloc_contig_range; the pages become
 * allocated order-0 pages.  Returns the pfn after the last page taken (past
 * end when a free block straddles it), or 0 with everything given back and
 * *stop at the first page that was not free.
 */
unsigned long isolate_freepages_range(struct zone *z, int cpu, unsigned long start,
				      unsigned long end, unsigned long *stop)
{
	struct compact_control cc = { .zone = z, .cpu = cpu, .order = -1,
				      .mode = AF_MIGRATE_SYNC, .alloc_contig = true };
	unsigned long pfn = start, isolated = 0;
	unsigned long block_start = pageblock_start_pfn(pfn), block_end = pageblock_end_pfn(pfn);

	for (; pfn < end; pfn += isolated, block_start = block_end,
	     block_end += PAGEBLOCK_NR_PAGES) {
		unsigned long istart = pfn;

		block_end = MIN(block_end, end);
		if (pfn >= block_end) {	/* the last block taken reached past this pageblock */
			block_start = pageblock_start_pfn(pfn);
			block_end = MIN(pageblock_end_pfn(pfn), end);
		}
		if (!block_in_zone(z, block_start, block_end))
			break;
		isolated = isolate_freepages_block(&cc, &istart, block_end, 1, true);
		if (!isolated) {
			pfn = istart;
			break;
		}
	}
	if (pfn < end) {
		release_freepages(&cc);
		free(cc.freepages);
		*stop = pfn;
		return 0;
	}
	free(cc.freepages);
	return pfn;
}

/* ---- the migrate scanner ---- */

/* suitable_migration_source(): async direct compaction stays in its own type */
static bool suitable_migration_source(struct compact_control *cc, unsigned long pfn)
{
	int mt;

	if (pageblock_skip_persistent(cc->zone->m, pfn))
		return false;
	if (cc->mode != AF_MIGRATE_ASYNC || !cc->direct_compaction)
		return true;
	mt = get_pageblock_migratetype(cc->zone->m, pfn);
	if (cc->migratetype == MIGRATE_MOVABLE)
		return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
	return mt == cc->migratetype;
}

static int push_migrate(struct compact_control *cc, unsigned long pfn, uint32_t f)
{
	struct page *p = &cc->zone->m->pages[pfn];
	bool file = !(f & PG_anon) && !(f & PG_movable_ops);

	if (cc->nr_migratepages == cc->cap_migrate) {
		int nc = cc->cap_migrate ? cc->cap_migrate * 2 : 64;
		struct mpage *n = realloc(cc->migratepages, (size_t)nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cc->migratepages = n;
		cc->cap_migrate = nc;
	}
	cc->migratepages[cc->nr_migratepages++] = (struct mpage){ pfn, 1, file, (f & PG_hugetlb) != 0,
								   (f & PG_head) ? porder(p) : 0 };
	return 0;
}

/* putback_movable_pages(): the isolated pages that did not move go back */
void putback_migratepages(struct compact_control *cc)
{
	for (int i = 0; i < cc->nr_migratepages; i++)
		if (cc->migratepages[i].result)
			putback_movable_page(cc->zone->m, cc->cpu, cc->migratepages[i].pfn);
	cc->nr_migratepages = 0;
}

/*
 * Isolate one page into cc->migratepages for a compacting policy: 0,
 * -EBUSY (refused by isolate_for_migration(), reason in *why) or -ENOMEM
 * (no room; the page is put back).  Counts nothing.
 */
int compact_isolate_page(struct compact_control *cc, unsigned long pfn, const struct isolate_ctl *ctl,
			 const char **why)
{
	struct af_machine *m = cc->zone->m;
	uint32_t f = pflags(&m->pages[pfn]);

	if (isolate_for_migration(m, pfn, ctl, why))
		return -EBUSY;
	if (push_migrate(cc, pfn, f)) {
		putback_movable_page(m, cc->cpu, pfn);
		*why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

static unsigned long block_end_pfn_order(unsigned long pfn, int order)
{
	return (pfn + (1UL << order)) & ~((1UL << order) - 1);
}

/*
 * How many pages from pfn on (before lim) isolate_migratepages_block would
 * pass by one after another, each counted as scanned and nothing else: no
 * flag that may be isolated, or (lru_too: async, the block's skip already
 * settled) an LRU page under writeback.  Read from the mirror in one tight
 * loop: the per-page branches on the kinds of pages mispredict.
 */
static unsigned long passed_run(const struct af_machine *m, unsigned long pfn, unsigned long lim,
				bool lru_too)
{
	unsigned long n = pfn;

	if (lru_too)
		while (n < lim) {
			uint8_t sf = ps_flags(m, n);
			if ((sf & (PS_BUDDY | PS_HEAD | PS_MOVABLE_OPS)) ||
			    (sf & (PS_LRU | PS_WRITEBACK)) == PS_LRU)
				break;
			n++;
		}
	else
		while (n < lim && !(ps_flags(m, n) & (PS_BUDDY | PS_HEAD | PS_LRU | PS_MOVABLE_OPS)))
			n++;
	return n - pfn;
}

/*
 * isolate_migratepages_block(): scan [low, end) isolating LRU and movable
 * pages; free blocks and compound pages are stepped over; async direct
 * compaction gives up an order-aligned block at its first failure
 * (skip_on_failure).  Stops at COMPACT_CLUSTER_MAX isolated pages.
 */
static int isolate_migratepages_block(struct compact_control *cc, unsigned long low,
				      unsigned long end, const struct isolate_ctl *ctl)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	unsigned long nr_scanned = 0, nr_isolated = 0, next_skip = 0, start = low;
	bool skip_on_failure = false, valid = false, skip_updated = false;

	if (too_many_isolated(m, z->nid)) {
		if (cc->nr_migratepages || cc->mode == AF_MIGRATE_ASYNC)
			return -EAGAIN;
	}
	if (cc->direct_compaction && cc->mode == AF_MIGRATE_ASYNC) {
		skip_on_failure = true;
		next_skip = block_end_pfn_order(low, cc->order);
	}
	/* the scanner's next block, most often the one after this (a hint) */
	if (end < zone_end_pfn(z))
		__builtin_prefetch(&m->pscan[end]);
	for (; low < end; low++) {
		uint32_t f = 0;
		uint8_t sf;
		bool passed_by;
		const char *why;

		if (skip_on_failure && low >= next_skip) {
			if (nr_isolated)
				break;
			next_skip = block_end_pfn_order(low, cc->order);
		}
		nr_scanned++;
		/*
		 * 6.1 checks the skip bit at the pageblock's first pfn and
		 * abandons a marked block there, even one that
		 * fast_find_migrateblock() has just chosen (and marked).
		 */
		if (!valid && !(low & (PAGEBLOCK_NR_PAGES - 1))) {
			if (!isolation_suitable(cc, low)) {
				low = end;
				break;
			}
			valid = true;
		}
		/* the scanners' mirror (page_mirror) first: the struct page
		 * only for a page that may be isolated */
		sf = ps_flags(m, low);
		if (sf & PS_BUDDY) {
			unsigned int order = ps_order(m, low);
			if (order > 0 && order < MAX_ORDER)
				low += (1UL << order) - 1;
			continue;
		}
		if ((sf & PS_HEAD) && !cc->alloc_contig) {
			unsigned int order = ps_order(m, low);
			if (order < MAX_ORDER)
				low += (1UL << order) - 1;
			goto isolate_fail;
		}
		if (!(sf & (PS_LRU | PS_MOVABLE_OPS)))
			goto isolate_fail;
		/* an LRU page under writeback fails async isolation whatever
		 * else it is (isolate_for_migration): no need to read it */
		passed_by = ctl->async && (sf & (PS_LRU | PS_MOVABLE_OPS | PS_WRITEBACK)) ==
						(PS_LRU | PS_WRITEBACK);
		if (!passed_by) {
			f = pflags(&m->pages[low]);
			if (!(f & (PG_lru | PG_movable_ops)) || (f & PG_tail))
				goto isolate_fail;
		}
		/*
		 * test_and_set_skip(): where 6.1 first takes the LRU lock in
		 * this call, an aligned block is marked skipped at once, and
		 * the scan stops here if it already was.
		 */
		if ((sf & PS_LRU) && !skip_updated) {
			skip_updated = true;
			if (!cc->ignore_skip_hint && !(low & (PAGEBLOCK_NR_PAGES - 1))) {
				if (get_pageblock_skip(m, low))
					goto abort;
				if (!cc->no_set_skip_hint)
					set_pageblock_skip(m, low, true);
			}
		}
		if (passed_by || isolate_for_migration(m, low, ctl, &why))
			goto isolate_fail;
		if (push_migrate(cc, low, f)) {
			putback_movable_page(m, cc->cpu, low);
			return -ENOMEM;
		}
		nr_isolated++;
		if (cc->nr_migratepages >= (int)COMPACT_CLUSTER_MAX && !cc->rescan && !cc->contended) {
			low++;
			break;
		}
		continue;
isolate_fail:
		if (!skip_on_failure) {
			/* the pages after it the loop would pass by as well; not
			 * over a block start while the block is unchecked */
			unsigned long run = passed_run(m, low + 1, valid ? end :
						       MIN(end, pageblock_end_pfn(low)),
						       ctl->async && skip_updated);
			nr_scanned += run;
			low += run;
			continue;
		}
		if (nr_isolated) {
			putback_migratepages(cc);
			nr_isolated = 0;
		}
		if (low < next_skip) {
			low = next_skip - 1;
			next_skip += 1UL << cc->order;
		}
	}
	if (low > end)
		low = end;
abort:
	if (low == end && (!nr_isolated || cc->rescan)) {
		if (valid && !skip_updated && !cc->no_set_skip_hint && !cc->ignore_skip_hint)
			set_pageblock_skip(m, pageblock_start_pfn(start), true);
		update_cached_migrate(cc, low);
	}
	if (trace_on(m))
		trace_mm_compaction_isolate_migratepages(m, cc->cpu, start, low, nr_scanned, nr_isolated);
	cc->total_migrate_scanned += nr_scanned;
	if (nr_isolated)
		__atomic_fetch_add(&m->events[COMPACTISOLATED], nr_isolated, __ATOMIC_RELAXED);
	cc->migrate_pfn = low;
	return 0;
}

enum isolate_result { ISOLATE_ABORT, ISOLATE_NONE, ISOLATE_SUCCESS };

static void update_fast_start_pfn(struct compact_control *cc, unsigned long pfn)
{
	if (cc->fast_start_pfn == ~0UL)
		return;
	if (!cc->fast_start_pfn)
		cc->fast_start_pfn = pfn;
	cc->fast_start_pfn = MIN(cc->fast_start_pfn, pfn);
}

static unsigned long reinit_migrate_pfn(struct compact_control *cc)
{
	if (!cc->fast_start_pfn || cc->fast_start_pfn == ~0UL)
		return cc->migrate_pfn;
	cc->migrate_pfn = cc->fast_start_pfn;
	cc->fast_start_pfn = ~0UL;
	return cc->migrate_pfn;
}

/*
 * fast_find_migrateblock(): for costly orders, start migrating at a
 * pageblock that has free MOVABLE blocks of order >= PAGE_ALLOC_COSTLY_ORDER
 * in the lower part of the range (it is nearly free, so cheap to empty).
 */
static unsigned long fast_find_migrateblock(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	unsigned int limit = freelist_scan_limit(cc), nr_scanned = 0;
	unsigned long pfn = cc->migrate_pfn, distance, high_pfn;
	bool found = false;

	if (cc->ignore_skip_hint)
		return pfn;
	if (pfn != z->zone_start_pfn && pfn != pageblock_start_pfn(pfn))
		return pfn;
	if (cc->order <= PAGE_ALLOC_COSTLY_ORDER)
		return pfn;
	if (cc->direct_compaction && cc->migratetype != MIGRATE_MOVABLE)
		return pfn;
	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != z->zone_start_pfn)
		distance >>= 2;
	high_pfn = pageblock_start_pfn(cc->migrate_pfn + distance);
	for (int order = cc->order - 1; order >= PAGE_ALLOC_COSTLY_ORDER && !found && nr_scanned < limit;
	     order--) {
		struct free_area *area = &z->free_area[order];
		struct list_pfn *l;

		if (!__atomic_load_n(&area->nr_free, __ATOMIC_RELAXED))
			continue;
		lock_zone(z);
		l = &area->free_list[MIGRATE_MOVABLE];
		for (uint32_t f = l->first; f != PFN_NIL; f = m->pages[f].next) {
			if (nr_scanned++ >= limit) {
				move_freelist_tail(m, l, f);
				break;
			}
			if (f < high_pfn) {
				if (get_pageblock_skip(m, f))
					continue;
				move_freelist_tail(m, l, f);
				update_fast_start_pfn(cc, f);
				pfn = MAX(pageblock_start_pfn(f), z->zone_start_pfn);
				cc->fast_search_fail = 0;
				found = true;
				set_pageblock_skip(m, f, true);
				break;
			}
		}
		unlock_zone(z);
	}
	cc->total_migrate_scanned += nr_scanned;
	if (!found) {
		cc->fast_search_fail++;
		pfn = reinit_migrate_pfn(cc);
	}
	return pfn;
}

/* What compaction may isolate (isolate_mode_t in 6.1): unevictable pages if
 * vm.compact_unevictable_allowed, no writeback or dirty-without-migrate_folio
 * pages unless MIGRATE_SYNC, only anonymous pages without __GFP_FS */
struct isolate_ctl compact_isolate_ctl(const struct compact_control *cc)
{
	return (struct isolate_ctl){
		.unevictable = VM_SYSCTL(cc->zone->m, compact_unevictable_allowed),
		.async = cc->mode != AF_MIGRATE_SYNC,
		.pinned_precheck = true,
		.nofs = !(cc->gfp_mask & AF___GFP_FS),
		.cpu = cc->cpu,
	};
}

/* isolate_migratepages(): the next suitable pageblock below the free scanner */
static enum isolate_result isolate_migratepages(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct isolate_ctl ctl = compact_isolate_ctl(cc);
	unsigned long low = fast_find_migrateblock(cc);
	unsigned long block_start = MAX(pageblock_start_pfn(low), z->zone_start_pfn);
	unsigned long block_end = pageblock_end_pfn(low);
	bool fast_find_block = low != cc->migrate_pfn && !cc->fast_search_fail;

	for (; block_end <= cc->free_pfn; fast_find_block = false, cc->migrate_pfn = low = block_end,
	     block_start = block_end, block_end += PAGEBLOCK_NR_PAGES) {
		if (!block_in_zone(z, block_start, MIN(block_end, zone_end_pfn(z))))
			continue;
		if ((low == pageblock_start_pfn(low) || low == z->zone_start_pfn) && !fast_find_block &&
		    !isolation_suitable(cc, block_start))
			continue;
		if (!suitable_migration_source(cc, block_start)) {
			update_cached_migrate(cc, block_end);
			continue;
		}
		if (isolate_migratepages_block(cc, low, MIN(block_end, zone_end_pfn(z)), &ctl))
			return ISOLATE_ABORT;
		break;
	}
	return cc->nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
}

static bool compact_scanners_met(struct compact_control *cc)
{
	return pageblock_start_pfn(cc->free_pfn) <= pageblock_start_pfn(cc->migrate_pfn);
}

/*
 * Proactive compaction's own stopping rule (in __compact_finished()):
 * PARTIAL_SKIPPED while kswapd runs, SUCCESS once the zone's fragmentation
 * score is at or below the low mark, else CONTINUE.
 */
enum compact_result compact_finished_proactive(struct compact_control *cc)
{
	struct zone *z = cc->zone;

	if (kswapd_is_running(z->pgdat))
		return COMPACT_PARTIAL_SKIPPED;
	return fragmentation_score_zone(z) > fragmentation_score_wmark(z->m, true)
	       ? COMPACT_CONTINUE : COMPACT_SUCCESS;
}

/*
 * The search of __compact_finished(): a free block of cc->order or more on
 * a list the allocation may take (its migratetype, CMA for MOVABLE, or a
 * fallback it may steal).
 */
bool compact_free_block_exists(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	bool found = false;

	lock_zone(z);
	for (unsigned int o = (unsigned)cc->order; o < MAX_ORDER; o++) {
		struct free_area *area = &z->free_area[o];
		bool can_steal;

		if (!list_empty_pfn(&area->free_list[cc->migratetype]) ||
		    (cc->migratetype == MIGRATE_MOVABLE && !list_empty_pfn(&area->free_list[MIGRATE_CMA])) ||
		    find_suitable_fallback(z, area, o, cc->migratetype, true, &can_steal) != -1) {
			found = true;
			break;
		}
	}
	unlock_zone(z);
	return found;
}

/*
 * __compact_finished(): scanners met (COMPLETE / PARTIAL_SKIPPED), the
 * proactive score got below its low mark, or a free block of the order
 * exists in a list the allocation may use (SUCCESS).  That last search is
 * made only when the migrate scanner is at a pageblock boundary.
 */
static enum compact_result compact_finished(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	enum compact_result ret;

	if (compact_scanners_met(cc)) {
		reset_cached_positions(z);
		if (cc->direct_compaction)
			z->compact_blockskip_flush = true;
		ret = cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
		goto out;
	}
	if (cc->proactive_compaction) {
		ret = compact_finished_proactive(cc);
		goto out;
	}
	if (is_via_compact_memory(cc->order))
		return COMPACT_CONTINUE;
	if (cc->migrate_pfn & (PAGEBLOCK_NR_PAGES - 1))
		return COMPACT_CONTINUE;
	ret = compact_free_block_exists(cc) ? COMPACT_SUCCESS : COMPACT_NO_SUITABLE_PAGE;
out:
	if (cc->contended && ret != COMPACT_SUCCESS)
		ret = COMPACT_CONTENDED;
	if (trace_on(z->m))
		trace_mm_compaction_finished(z, cc->cpu, cc->order, ret);
	if (ret == COMPACT_NO_SUITABLE_PAGE)
		ret = COMPACT_CONTINUE;
	return ret;
}


/* compaction_alloc() for a compacting policy: its compact_targets() refills */
static long policy_compaction_alloc(struct af_machine *m, unsigned long src, void *arg)
{
	struct compact_control *cc = arg;
	(void)src;

	if (!cc->nr_freepages)
		m->pol.compact_targets(cc);
	if (!cc->nr_freepages)
		return -1;
	return (long)cc->freepages[--cc->nr_freepages];
}

/*
 * The compaction loop of a policy with compaction hooks (policy.h): its
 * stopping rule, its sources, migrate_pages() to its targets.  After each
 * batch the pages that did not move go back, unused targets are freed and
 * this CPU's pcp lists of the zone drained, so what the batch emptied
 * merges in the buddy lists (where direct compaction's capture can take
 * it) before the next decision.  migrate_pfn and free_pfn are whatever the
 * policy leaves there (for the trace events).
 */
static enum compact_result compact_zone_policy(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	struct migrate_target t = { .nid = -1, .cpu = cc->cpu, .get_new_page = policy_compaction_alloc,
				    .put_new_page = compaction_free, .arg = cc };
	enum compact_result ret;

	cc->migrate_pfn = z->zone_start_pfn;
	cc->free_pfn = pageblock_start_pfn(zone_end_pfn(z) - 1);
	if (trace_on(m))
		trace_mm_compaction_begin(m, cc->cpu, z->zone_start_pfn, cc->migrate_pfn, cc->free_pfn,
					  zone_end_pfn(z), cc->mode != AF_MIGRATE_ASYNC);
	/* compact_zone()'s lru_add_drain(): no LRU batches in the model */
	while ((ret = (enum compact_result)m->pol.compact_finished(cc)) == COMPACT_CONTINUE) {
		struct af_migrate_stats st = { 0 };
		int got = m->pol.compact_source(cc), err;

		if (got < 0) {
			putback_migratepages(cc);
			ret = COMPACT_CONTENDED;
			break;
		}
		if (got == 0) {
			ret = (enum compact_result)m->pol.compact_finished(cc);
			if (ret == COMPACT_CONTINUE)
				ret = COMPACT_COMPLETE;
			break;
		}
		err = migrate_pages_list(m, cc->migratepages, cc->nr_migratepages, cc->mode,
					 AF_MR_COMPACTION, &t, &st);
		if (trace_on(m))
			trace_mm_compaction_migratepages(m, cc->cpu, st.nr_succeeded, st.nr_failed_pages);
		if (err)
			putback_migratepages(cc);
		cc->nr_migratepages = 0;
		release_freepages(cc);
		drain_pages_zone(z, cc->cpu);
		if (cc->capc && __atomic_load_n(&cc->capc->pfn, __ATOMIC_RELAXED) >= 0) {
			ret = COMPACT_SUCCESS;
			break;
		}
	}
	if (trace_on(m))
		trace_mm_compaction_finished(z, cc->cpu, cc->order, ret);
	free(cc->pol_run);
	cc->pol_run = NULL;
	return ret;
}

/*
 * compact_zone(): set the scanners up from the cached positions (or the
 * zone ends for whole_zone), then isolate, migrate, repeat.  A policy with
 * compaction hooks runs compact_zone_policy() instead of the scanners.
 */
enum compact_result compact_zone(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct af_machine *m = z->m;
	unsigned long start_pfn = z->zone_start_pfn, end_pfn = zone_end_pfn(z);
	const bool sync = cc->mode != AF_MIGRATE_ASYNC;
	unsigned long last_migrated = 0;
	bool update_cached;
	enum compact_result ret;
	struct migrate_target t = { .nid = -1, .cpu = cc->cpu, .get_new_page = compaction_alloc,
				    .put_new_page = compaction_free, .arg = cc };

	cc->total_migrate_scanned = cc->total_free_scanned = 0;
	cc->nr_migratepages = cc->nr_freepages = 0;
	cc->migratetype = gfp_migratetype_m(m, cc->gfp_mask);
	if (cc->migratetype < 0)
		cc->migratetype = MIGRATE_MOVABLE;
	ret = compaction_suitable(z, cc->cpu, cc->order, cc->alloc_flags, cc->highest_zoneidx);
	if (ret == COMPACT_SUCCESS || ret == COMPACT_SKIPPED)
		return ret;
	/*
	 * Migration walks reverse mappings under the world's read lock; a
	 * compactor that cannot take it (a structural change is under way,
	 * possibly by this very thread) gives up as contended.
	 */
	bool world_locked = false;
	if (m->threaded && m->wops) {
		if (m->wops->read_trylock(m))
			return COMPACT_CONTENDED;
		world_locked = true;
	}
	if (m->pol.compact_source) {
		ret = compact_zone_policy(cc);
		goto out;
	}
	if (compaction_restarting(z, cc->order))
		reset_isolation_suitable_zone(z);
	if (cc->whole_zone) {
		cc->migrate_pfn = start_pfn;
		cc->free_pfn = pageblock_start_pfn(end_pfn - 1);
	} else {
		cc->migrate_pfn = z->compact_cached_migrate_pfn[sync];
		cc->free_pfn = z->compact_cached_free_pfn;
		if (cc->free_pfn < start_pfn || cc->free_pfn >= end_pfn) {
			cc->free_pfn = pageblock_start_pfn(end_pfn - 1);
			z->compact_cached_free_pfn = cc->free_pfn;
		}
		if (cc->migrate_pfn < start_pfn || cc->migrate_pfn >= end_pfn) {
			cc->migrate_pfn = start_pfn;
			z->compact_cached_migrate_pfn[0] = cc->migrate_pfn;
			z->compact_cached_migrate_pfn[1] = cc->migrate_pfn;
		}
		if (cc->migrate_pfn <= z->compact_init_migrate_pfn)
			cc->whole_zone = true;
	}
	update_cached = !sync && z->compact_cached_migrate_pfn[0] == z->compact_cached_migrate_pfn[1];
	if (trace_on(m))
		trace_mm_compaction_begin(m, cc->cpu, start_pfn, cc->migrate_pfn, cc->free_pfn, end_pfn, sync);
	/*
	 * 6.1 calls lru_add_drain() here: it flushes this CPU's LRU folio
	 * batches and leaves every pcp list alone.  The model has no LRU
	 * batches (pages go on the LRU at once), so nothing to do.
	 */

	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		unsigned long iteration_start = cc->migrate_pfn;
		struct af_migrate_stats st = { 0 };
		int err;

		cc->rescan = pageblock_start_pfn(last_migrated) == pageblock_start_pfn(iteration_start) &&
			     last_migrated;
		switch (isolate_migratepages(cc)) {
		case ISOLATE_ABORT:
			ret = COMPACT_CONTENDED;
			putback_migratepages(cc);
			goto out;
		case ISOLATE_NONE:
			if (update_cached)
				z->compact_cached_migrate_pfn[1] = z->compact_cached_migrate_pfn[0];
			goto check_drain;
		case ISOLATE_SUCCESS:
			update_cached = false;
			last_migrated = iteration_start;
		}
		err = migrate_pages_list(m, cc->migratepages, cc->nr_migratepages, cc->mode,
					 AF_MR_COMPACTION, &t, &st);
		if (trace_on(m))
			trace_mm_compaction_migratepages(m, cc->cpu, st.nr_succeeded, st.nr_failed_pages);
		if (err) {
			putback_migratepages(cc);
			if (err == -ENOMEM && !compact_scanners_met(cc)) {
				ret = COMPACT_CONTENDED;
				goto out;
			}
			if (cc->direct_compaction && cc->mode == AF_MIGRATE_ASYNC) {
				cc->migrate_pfn = block_end_pfn_order(cc->migrate_pfn - 1, cc->order);
				last_migrated = 0;
			}
		}
		cc->nr_migratepages = 0;
check_drain:
		/*
		 * The migrate scanner has left the cc->order aligned block it
		 * last migrated from: return the freed source pages held on
		 * cc->cpu's pcp lists of this zone to the buddy lists, so they
		 * merge (and a direct compactor can capture the result) and
		 * compact_finished() sees it.  6.1 calls lru_add_drain_cpu_zone(),
		 * i.e. this CPU's LRU batches plus drain_local_pages(zone); the
		 * model has only the pcp half.
		 */
		if (cc->order > 0 && last_migrated) {
			unsigned long cur = cc->migrate_pfn & ~((1UL << cc->order) - 1);
			if (last_migrated < cur) {
				drain_pages_zone(z, cc->cpu);
				last_migrated = 0;
			}
		}
		if (cc->capc && __atomic_load_n(&cc->capc->pfn, __ATOMIC_RELAXED) >= 0) {
			ret = COMPACT_SUCCESS;
			break;
		}
	}
out:
	if (cc->nr_freepages > 0) {
		unsigned long free_pfn = pageblock_start_pfn(release_freepages(cc));
		if (free_pfn > z->compact_cached_free_pfn)
			z->compact_cached_free_pfn = free_pfn;
	}
	__atomic_fetch_add(&m->events[COMPACTMIGRATE_SCANNED], cc->total_migrate_scanned, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[COMPACTFREE_SCANNED], cc->total_free_scanned, __ATOMIC_RELAXED);
	if (trace_on(m))
		trace_mm_compaction_end(m, cc->cpu, start_pfn, cc->migrate_pfn, cc->free_pfn, end_pfn, sync, ret);
	if (world_locked)
		m->wops->read_unlock(m);
	free(cc->freepages);
	free(cc->migratepages);
	cc->freepages = NULL;
	cc->migratepages = NULL;
	cc->cap_free = cc->cap_migrate = 0;
	return ret;
}

/* compact_zone_order(): direct compaction of one zone at a priority */
static enum compact_result compact_zone_order(struct zone *z, int cpu, int order, af_gfp_t gfp,
					      enum compact_priority prio, unsigned int alloc_flags,
					      int highest_zoneidx, long *captured)
{
	struct compact_control cc = {
		.order = order,
		.search_order = (short)order,
		.gfp_mask = gfp,
		.zone = z,
		.mode = prio == COMPACT_PRIO_ASYNC ? AF_MIGRATE_ASYNC : AF_MIGRATE_SYNC_LIGHT,
		.alloc_flags = alloc_flags,
		.highest_zoneidx = highest_zoneidx,
		.direct_compaction = true,
		.whole_zone = prio == MIN_COMPACT_PRIORITY,
		.ignore_skip_hint = prio == MIN_COMPACT_PRIORITY,
		.ignore_block_suitable = prio == MIN_COMPACT_PRIORITY,
		.cpu = cpu,
	};
	struct capture_control capc = { z, order, -1 };
	enum compact_result ret;

	cc.capc = &capc;
	lock_zone(z);
	z->capc = &capc;
	unlock_zone(z);
	ret = compact_zone(&cc);
	lock_zone(z);
	z->capc = NULL;
	unlock_zone(z);
	if (capc.pfn >= 0) {
		*captured = capc.pfn;
		ret = COMPACT_SUCCESS;
	}
	return ret;
}

/*
 * try_to_compact_pages(): direct compaction over the zonelist; deferred
 * zones are skipped above the minimum priority; failures at sync
 * priorities defer the zone.
 */
enum compact_result try_to_compact_pages(struct af_machine *m, int cpu, af_gfp_t gfp,
					 unsigned int order, unsigned int alloc_flags,
					 const struct alloc_context *ac, enum compact_priority prio,
					 long *captured, struct zone **capture_zone)
{
	enum compact_result rc = COMPACT_SKIPPED;

	*captured = -1;
	if (!(gfp & (AF___GFP_IO | AF___GFP_FS)))	/* gfp_compaction_allowed() */
		return COMPACT_SKIPPED;
	if (m->cfg.no_compaction)			/* CONFIG_COMPACTION=n */
		return COMPACT_SKIPPED;
	if (trace_on(m))
		trace_mm_compaction_try_to_compact_pages(m, cpu, (int)order, gfp, (int)prio);
	for (int i = 0; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];
		enum compact_result status;

		if ((int)z->type > ac->highest_zoneidx)
			continue;
		lock_compact(z);
		if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(z, cpu, (int)order)) {
			unlock_compact(z);
			rc = MAX(COMPACT_DEFERRED, rc);
			continue;
		}
		status = compact_zone_order(z, cpu, (int)order, gfp, prio, alloc_flags, ac->highest_zoneidx,
					    captured);
		if (*captured >= 0)
			*capture_zone = z;
		rc = MAX(status, rc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(z, (int)order, false);
			unlock_compact(z);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC && (status == COMPACT_COMPLETE ||
						   status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(z, cpu, (int)order);
		unlock_compact(z);
	}
	return rc;
}
