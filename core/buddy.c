/*
 * buddy.c - free lists, split and merge: the core of the buddy allocator
 * (mm/page_alloc.c: add_to_free_list, del_page_from_free_list, __free_one_page,
 * expand, __rmqueue_smallest, move_freepages[_block]).  Callers hold the zone
 * lock.
 */
#include "internal.h"

/*
 * migratetype_is_mergeable(): only the three ordinary types; HIGHATOMIC,
 * CMA and ISOLATE blocks never merge with a buddy of another type above
 * pageblock_order.
 */
bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/* __mod_zone_freepage_state() */
void mod_zone_freepage_state(struct zone *z, long nr, int mt)
{
	zone_stat_mod(z, NR_FREE_PAGES, nr);
	if (mt == MIGRATE_CMA)
		zone_stat_mod(z, NR_FREE_CMA_PAGES, nr);
}

/* free_area->nonempty follows list mt after a change to it (zone lock held) */
static inline void free_area_note(struct free_area *area, int mt)
{
	unsigned int old = area->nonempty, bit = 1u << mt;
	unsigned int now = list_empty_pfn(&area->free_list[mt]) ? old & ~bit : old | bit;

	if (now != old)
		__atomic_store_n(&area->nonempty, now, __ATOMIC_RELAXED);
}

/*
 * add_to_free_list[_tail](): the head page records its order and the list
 * (migratetype) it sits on; page->pcp_mt doubles as that list index.
 */
void add_to_free_list(struct zone *z, unsigned long pfn, unsigned int order, int mt, bool tail)
{
	struct af_machine *m = z->m;
	struct page *p = &m->pages[pfn];
	struct free_area *area = &z->free_area[order];

	pset_order(p, order);
	pflags_or(m, p, PG_buddy);
	p->pcp_mt = (uint8_t)mt;
	if (tail)
		list_add_tail_pfn(m, &area->free_list[mt], pfn);
	else
		list_add_head_pfn(m, &area->free_list[mt], pfn);
	free_area_note(area, mt);
	__atomic_store_n(&area->nr_free, area->nr_free + 1, __ATOMIC_RELAXED);
}

void del_page_from_free_list(struct zone *z, unsigned long pfn, unsigned int order, int mt)
{
	struct af_machine *m = z->m;
	struct page *p = &m->pages[pfn];
	struct free_area *area = &z->free_area[order];

	list_del_pfn(m, &area->free_list[mt], pfn);
	free_area_note(area, mt);
	pflags_clear(m, p, PG_buddy);
	pset_order(p, 0);
	p->pcp_mt = 0;
	__atomic_store_n(&area->nr_free, area->nr_free - 1, __ATOMIC_RELAXED);
}

/* The free list a buddy page is on. */
int buddy_free_list_mt(struct zone *z, unsigned long pfn, unsigned int order)
{
	(void)order;
	return z->m->pages[pfn].pcp_mt;
}

/* move_to_free_list(): to the tail of another migratetype's list */
void move_to_free_list(struct zone *z, unsigned long pfn, unsigned int order, int mt)
{
	struct af_machine *m = z->m;
	struct page *p = &m->pages[pfn];
	struct free_area *area = &z->free_area[order];

	list_del_pfn(m, &area->free_list[p->pcp_mt], pfn);
	free_area_note(area, p->pcp_mt);
	p->pcp_mt = (uint8_t)mt;
	list_add_tail_pfn(m, &area->free_list[mt], pfn);
	free_area_note(area, mt);
}

/* find_buddy_page_pfn(): the buddy if it is free, of this order, in this zone */
static inline bool page_is_buddy(struct zone *z, unsigned long buddy_pfn, unsigned int order)
{
	struct page *b;

	if (!zone_spans_pfn(z, buddy_pfn))
		return false;
	b = &z->m->pages[buddy_pfn];
	return (pflags(b) & PG_buddy) && b->order == order;
}

/* buddy_merge_likely(): will the freed block likely merge at the next order? */
static bool buddy_merge_likely(struct zone *z, unsigned long pfn, unsigned long buddy_pfn,
			       unsigned int order)
{
	unsigned long higher;

	if (order >= MAX_ORDER - 2)
		return false;
	higher = buddy_pfn & pfn;
	return page_is_buddy(z, higher ^ (1UL << (order + 1)), order + 1);
}

/*
 * compaction_capture(): while direct compaction runs in the zone for an
 * order (zone->capc, set by compact_zone_order), a block that reaches that
 * order in the zone while being freed and merged goes to the compactor,
 * not to the free lists; never one in a CMA or ISOLATE pageblock, nor one
 * below pageblock_order in a MOVABLE pageblock.  Only the first such block
 * is taken.  Called with the zone lock held.
 */
static bool compaction_capture(struct zone *z, unsigned long pfn, unsigned int order, int mt)
{
	struct capture_control *capc = z->capc;

	if (!capc || capc->zone != z || capc->pfn >= 0 || (int)order != capc->order)
		return false;
	if (mt == MIGRATE_CMA || mt == MIGRATE_ISOLATE)
		return false;
	if (order < PAGEBLOCK_ORDER && mt == MIGRATE_MOVABLE)
		return false;
	__atomic_store_n(&capc->pfn, (long)pfn, __ATOMIC_RELAXED);
	return true;
}

/*
 * __free_one_page(): give a block back and merge it with its free buddies
 * as long as possible.  At pageblock_order and above, a block does not
 * merge with a buddy in a pageblock of a different type if either type is
 * not mergeable (HIGHATOMIC, CMA, ISOLATE).  ISOLATE blocks are not counted
 * in NR_FREE_PAGES.  Before each merge step a direct compactor waiting for
 * this order may capture the block (compaction_capture), in which case it
 * never reaches a free list.
 */
void free_one_page_locked(struct zone *z, unsigned long pfn, unsigned int order,
			  int mt, bool to_tail)
{
	struct af_machine *m = z->m;
	unsigned long buddy_pfn = 0;

	if (mt != MIGRATE_ISOLATE)
		mod_zone_freepage_state(z, 1L << order, mt);

	while (order < MAX_ORDER - 1) {
		if (compaction_capture(z, pfn, order, mt)) {
			mod_zone_freepage_state(z, -(1L << order), mt);
			return;
		}
		buddy_pfn = pfn ^ (1UL << order);
		if (!page_is_buddy(z, buddy_pfn, order))
			break;
		if (order >= PAGEBLOCK_ORDER) {
			int buddy_mt = get_pageblock_migratetype(m, buddy_pfn);

			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) ||
					       !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_page_from_free_list(z, buddy_pfn, order, m->pages[buddy_pfn].pcp_mt);
		pfn &= buddy_pfn;
		order++;
	}

	if (!to_tail)
		to_tail = buddy_merge_likely(z, pfn, buddy_pfn, order);
	add_to_free_list(z, pfn, order, mt, to_tail);
}

/*
 * expand(): split a block of order `high` down to `low`, putting the upper
 * halves back on the free lists of migratetype mt.
 */
void expand(struct zone *z, unsigned long pfn, unsigned int low, unsigned int high, int mt)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(z, pfn + size, high, mt, false);
	}
}

/* The action of __rmqueue_smallest(): take free block pfn of order `cur` off
 * mt's list and split it down to `order` */
static inline long take_free_block(struct zone *z, int cpu, unsigned long pfn, unsigned int cur,
				   unsigned int order, int mt)
{
	struct af_machine *m = z->m;

	del_page_from_free_list(z, pfn, cur, mt);
	expand(z, pfn, order, cur, mt);
	m->pages[pfn].pcp_mt = (uint8_t)mt;	/* set_pcppage_migratetype */
	if (trace_on(m))
		trace_mm_page_alloc_zone_locked(m, cpu, pfn, order, mt,
			pcp_allowed_order(order) && mt < MIGRATE_PCPTYPES);
	return (long)pfn;
}

/* The same action for a caller that chose the block itself (a policy) */
long take_free_block_locked(struct zone *z, int cpu, unsigned long pfn, unsigned int cur,
			    unsigned int order, int mt)
{
	return take_free_block(z, cpu, pfn, cur, order, mt);
}

/*
 * __rmqueue_smallest(): take the smallest block of at least `order` from
 * migratetype mt's lists (6.1: the first block of the list; a placement
 * policy may choose another), split it, and return its first pfn (or -1).
 * The caller accounts NR_FREE_PAGES.
 */
long rmqueue_smallest(struct zone *z, int cpu, unsigned int order, int mt)
{
	struct af_machine *m = z->m;

	if (m->pol.place) {
		unsigned long pfn;
		unsigned int cur;
		if (!m->pol.place(z, order, mt, &pfn, &cur))
			return -1;
		return take_free_block(z, cpu, pfn, cur, order, mt);
	}
	for (unsigned int cur = order; cur < MAX_ORDER; cur++) {
		struct free_area *area = &z->free_area[cur];

		if (list_empty_pfn(&area->free_list[mt]))
			continue;
		return take_free_block(z, cpu, area->free_list[mt].first, cur, order, mt);
	}
	return -1;
}

/*
 * move_freepages(): move every free block in [start, end] (inclusive) to
 * mt's lists; count pages that look movable (LRU or movable_ops).
 */
int move_freepages(struct zone *z, unsigned long start, unsigned long end, int mt,
		   int *num_movable)
{
	struct af_machine *m = z->m;
	int moved = 0;

	for (unsigned long pfn = start; pfn <= end;) {
		struct page *p = &m->pages[pfn];

		if (!(pflags(p) & PG_buddy)) {
			if (num_movable && (pflags(p) & (PG_lru | PG_movable_ops)))
				(*num_movable)++;
			pfn++;
			continue;
		}
		move_to_free_list(z, pfn, p->order, mt);
		moved += 1 << p->order;
		pfn += 1UL << p->order;
	}
	return moved;
}

/* move_freepages_block(): the pageblock of pfn, clipped at the zone start */
int move_freepages_block(struct zone *z, unsigned long pfn, int mt, int *num_movable)
{
	unsigned long start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
	unsigned long end = start + PAGEBLOCK_NR_PAGES - 1;

	if (num_movable)
		*num_movable = 0;
	if (!zone_spans_pfn(z, start))
		start = pfn;
	if (!zone_spans_pfn(z, end))
		return 0;
	return move_freepages(z, start, end, mt, num_movable);
}
