/*
 * page_isolation.c - pageblock isolation and the migration of a pfn range
 * out of the way (mm/page_isolation.c: set_migratetype_isolate,
 * unset_migratetype_isolate, test_pages_isolated; mm/page_alloc.c:
 * alloc_contig_range, free_contig_range).  CMA (cma.c) and memory offlining
 * (memory_hotplug.c) build on it.
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

/* The head of the free block that holds pfn, or PFN_NIL (zone lock held) */
static unsigned long free_block_containing(struct af_machine *m, unsigned long pfn, unsigned int *order)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long h = pfn & ~((1UL << o) - 1);
		if ((pflags(&m->pages[h]) & PG_buddy) && m->pages[h].order >= o &&
		    h + (1UL << m->pages[h].order) > pfn) {
			*order = m->pages[h].order;
			return h;
		}
	}
	return PFN_NIL;
}

/* set_migratetype_isolate(): the pageblock's free pages leave the allocator
 * (zone lock held); returns the old type, or -EBUSY if already isolated */
static int set_migratetype_isolate_locked(struct zone *z, unsigned long pfn)
{
	struct af_machine *m = z->m;
	int mt = get_pageblock_migratetype(m, pfn), moved;

	if (mt == MIGRATE_ISOLATE)
		return -EBUSY;
	set_pageblock_migratetype(m, pfn, MIGRATE_ISOLATE);
	z->nr_isolate_pageblock++;
	moved = move_freepages_block(z, pfn, MIGRATE_ISOLATE, NULL);
	mod_zone_freepage_state(z, -moved, mt);
	return mt;
}

/*
 * unset_migratetype_isolate(): back to mt, re-merging what isolation split
 * (zone lock held).  A free block larger than a pageblock leaves the
 * ISOLATE list (and is counted free again) with the last pageblock it
 * covers.
 */
static void unset_migratetype_isolate_locked(struct zone *z, unsigned long pfn, int mt)
{
	struct af_machine *m = z->m;
	unsigned long start = pfn & ~(PAGEBLOCK_NR_PAGES - 1), head;
	unsigned int order;
	int moved;

	set_pageblock_migratetype(m, pfn, mt);
	z->nr_isolate_pageblock--;
	head = free_block_containing(m, start, &order);
	if (head != PFN_NIL && order > PAGEBLOCK_ORDER) {
		bool isolated = false, alike = true;

		for (unsigned long q = head; q < head + (1UL << order); q += PAGEBLOCK_NR_PAGES) {
			int qmt = get_pageblock_migratetype(m, q);
			isolated |= qmt == MIGRATE_ISOLATE;
			alike &= qmt == mt;
		}
		if (isolated || m->pages[head].pcp_mt != MIGRATE_ISOLATE)
			return;
		if (alike) {
			move_to_free_list(z, head, order, mt);
			mod_zone_freepage_state(z, 1L << order, mt);
			return;
		}
		/* isolated pageblocks of different types merged: each goes back
		 * to its own type's list, counted as that type */
		del_page_from_free_list(z, head, order, MIGRATE_ISOLATE);
		for (unsigned long q = head; q < head + (1UL << order); q += PAGEBLOCK_NR_PAGES) {
			int qmt = get_pageblock_migratetype(m, q);
			add_to_free_list(z, q, PAGEBLOCK_ORDER, qmt, false);
			mod_zone_freepage_state(z, PAGEBLOCK_NR_PAGES, qmt);
		}
		return;
	}
	moved = move_freepages_block(z, pfn, mt, NULL);
	mod_zone_freepage_state(z, moved, mt);
	/* a free pageblock-order block may merge with its buddy now */
	if (zone_spans_pfn(z, start) && (pflags(&m->pages[start]) & PG_buddy) &&
	    m->pages[start].order >= PAGEBLOCK_ORDER && m->pages[start].order < MAX_ORDER - 1) {
		unsigned int o = m->pages[start].order;
		int lmt = m->pages[start].pcp_mt;
		del_page_from_free_list(z, start, o, lmt);
		mod_zone_freepage_state(z, -(1L << o), lmt);
		free_one_page_locked(z, start, o, mt, false);
	}
}

/*
 * start_isolate_page_range() / undo_isolate_page_range() over [istart,
 * iend), whole MAX_ORDER blocks (the model's simplification, see
 * contig_range): the pageblocks of one MAX_ORDER block change together
 * under one hold of the zone lock.  Were they undone one by one, a block of
 * order MAX_ORDER - 1 freed meanwhile would go to a normal free list with
 * one half still isolated; an allocation could split it there, and the
 * isolated half's undo would count its pages free a second time.
 */
static void undo_isolate_range(struct zone *z, unsigned long istart, unsigned long iend,
			       const int *oldmt)
{
	for (unsigned long b = istart; b < iend; b = (b | (MAX_ORDER_NR_PAGES - 1)) + 1) {
		unsigned long bend = MIN((b | (MAX_ORDER_NR_PAGES - 1)) + 1, iend);

		lock_zone(z);
		for (unsigned long pb = b; pb < bend; pb += PAGEBLOCK_NR_PAGES)
			unset_migratetype_isolate_locked(z, pb, oldmt[(pb - istart) / PAGEBLOCK_NR_PAGES]);
		unlock_zone(z);
	}
}

/* Returns iend, or the first pageblock found already isolated (nothing left isolated) */
static unsigned long isolate_range(struct zone *z, unsigned long istart, unsigned long iend,
				   int *oldmt)
{
	for (unsigned long b = istart; b < iend; b = (b | (MAX_ORDER_NR_PAGES - 1)) + 1) {
		unsigned long bend = MIN((b | (MAX_ORDER_NR_PAGES - 1)) + 1, iend), pb;

		lock_zone(z);
		for (pb = b; pb < bend; pb += PAGEBLOCK_NR_PAGES) {
			int mt = set_migratetype_isolate_locked(z, pb);
			if (mt < 0)
				break;
			oldmt[(pb - istart) / PAGEBLOCK_NR_PAGES] = mt;
		}
		if (pb < bend) {
			for (unsigned long q = b; q < pb; q += PAGEBLOCK_NR_PAGES)
				unset_migratetype_isolate_locked(z, q, oldmt[(q - istart) / PAGEBLOCK_NR_PAGES]);
			unlock_zone(z);
			undo_isolate_range(z, istart, b, oldmt);
			return pb;
		}
		unlock_zone(z);
	}
	return iend;
}

/*
 * The end of alloc_contig_range(): test_pages_isolated() (every page of
 * [start, end) must be free by now), then isolate_freepages_range() from
 * the head of the free block holding start, and the pages taken outside
 * the range go back (free_contig_range of the head and tail).  Returns the
 * first pfn that is not free, or 0.
 */
static unsigned long take_free_range(struct zone *z, unsigned long start, unsigned long end)
{
	struct af_machine *m = z->m;
	unsigned long pfn = start, outer_start, outer_end, stop = 0;
	unsigned int order;

	lock_zone(z);
	while (pfn < end) {
		unsigned long head = free_block_containing(m, pfn, &order);
		if (head == PFN_NIL) {
			unlock_zone(z);
			return pfn;
		}
		pfn = head + (1UL << order);
	}
	outer_start = free_block_containing(m, start, &order);
	unlock_zone(z);
	outer_end = isolate_freepages_range(z, API_CPU, outer_start, end, &stop);
	if (!outer_end)
		return stop;
	for (pfn = outer_start; pfn < start; pfn++)
		af_free_pages(m, API_CPU, pfn, 0);
	for (pfn = end; pfn < outer_end; pfn++)
		af_free_pages(m, API_CPU, pfn, 0);
	return 0;
}

/*
 * The common part of alloc_contig_range(), range migration and offlining:
 * isolate the MAX_ORDER blocks around [start, end) (start_isolate_page_range),
 * drain the pcp lists, migrate every in-use page out; then take the range
 * (take) and undo the isolation (keep_isolated: offlining keeps it).
 * Simplification of 6.1, which isolates pageblocks and splits free blocks at
 * the edges (isolate_single_pageblock).
 */
int contig_range(struct af_machine *m, unsigned long start, unsigned long end,
			enum af_migrate_mode mode, enum af_migrate_reason reason, bool take,
			uint64_t *first_busy, struct af_migrate_stats *st)
{
	unsigned long istart, iend, pb, busy = 0;
	struct af_migrate_stats dummy;
	struct migrate_target t = { .nid = -1, .cpu = API_CPU };
	struct isolate_ctl ctl = { .unevictable = true, .cpu = API_CPU };
	struct zone *z;
	int *oldmt;
	struct mpage *mp = NULL;
	int n = 0, cap = 0, ret = 0;

	if (!m)
		return af_err(-EINVAL, "no world");
	if ((unsigned)mode > AF_MIGRATE_SYNC)
		return af_err(-EINVAL, "bad migrate mode %d", mode);
	if (start >= end || end > m->max_pfn || !(z = pfn_zone(m, start)) || pfn_zone(m, end - 1) != z)
		return af_err(-EINVAL, "range 0x%lx-0x%lx is empty or not inside one zone", start, end);
	for (unsigned long p = start; p < end; p++)
		if (pflags(&m->pages[p]) & PG_hole)
			return af_err(-EINVAL, "range 0x%lx-0x%lx contains a hole at 0x%lx", start, end, p);
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	istart = MAX(start & ~(MAX_ORDER_NR_PAGES - 1), z->zone_start_pfn & ~(PAGEBLOCK_NR_PAGES - 1));
	iend = MIN((end + MAX_ORDER_NR_PAGES - 1) & ~(MAX_ORDER_NR_PAGES - 1),
		   (zone_end_pfn(z) + PAGEBLOCK_NR_PAGES - 1) & ~(PAGEBLOCK_NR_PAGES - 1));
	oldmt = calloc((iend - istart) / PAGEBLOCK_NR_PAGES + 1, sizeof(int));
	if (!oldmt)
		return af_err(-ENOMEM, "out of memory");
	owners_read_lock(m);
	if ((pb = isolate_range(z, istart, iend, oldmt)) < iend) {
		ret = af_err(-EBUSY, "pageblock 0x%lx is already isolated", pb);
		owners_read_unlock(m);
		free(oldmt);
		return ret;
	}
	af_drain_all(m);

	/* isolate every in-use page of the range */
	for (unsigned long pfn = start; pfn < end && !ret; pfn++) {
		struct page *p = &m->pages[pfn];
		uint32_t f = pflags(p);
		const char *why;

		if (!(f & PG_alloc))
			continue;
		if (isolate_for_migration(m, pfn, &ctl, &why)) {
			busy = pfn;
			ret = af_err(-EBUSY, "pfn 0x%lx cannot be moved: %s", pfn, why ? why : "busy");
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct mpage *nm = realloc(mp, (size_t)cap * sizeof(*nm));
			if (!nm) {
				putback_movable_page(m, API_CPU, pfn);
				ret = af_err(-ENOMEM, "out of memory");
				break;
			}
			mp = nm;
		}
		mp[n++] = (struct mpage){ pfn, 1, page_is_file(m, pfn), (f & PG_hugetlb) != 0,
					  page_order_of(m, pfn) };
		if (f & PG_head)
			pfn += (1UL << p->order) - 1;
	}
	if (!ret) {
		migrate_pages_list(m, mp, n, mode, reason, &t, st);
		for (int k = 0; k < n; k++)
			if (mp[k].result && !ret) {
				busy = mp[k].pfn;
				ret = af_err(-EBUSY, "pfn 0x%lx could not be migrated (error %d)",
					     mp[k].pfn, mp[k].result == 1 ? -EAGAIN : mp[k].result);
			}
	}
	for (int k = 0; k < n; k++)
		if (mp[k].result)
			putback_movable_page(m, API_CPU, mp[k].pfn);
	af_drain_all(m);
	if (!ret && take) {
		unsigned long nf = take_free_range(z, start, end);
		if (nf) {
			busy = nf;
			ret = af_err(-EBUSY, "pfn 0x%lx is not free after migration", nf);
		}
	}
	undo_isolate_range(z, istart, iend, oldmt);
	owners_read_unlock(m);
	free(oldmt);
	free(mp);
	if (ret && first_busy)
		*first_busy = busy;
	return ret;
}

int af_migrate_range(struct af_machine *m, uint64_t start, uint64_t end,
		     enum af_migrate_mode mode, uint64_t *first_busy, struct af_migrate_stats *st)
{
	return contig_range(m, (unsigned long)start, (unsigned long)end, mode, AF_MR_CONTIG_RANGE,
			    false, first_busy, st);
}

/*
 * alloc_contig_range(): [start, end) becomes allocated order-0 pages
 * (refcount 1 each) after migrating everything out of it, MIGRATE_SYNC.
 */
int af_alloc_contig_range(struct af_machine *m, uint64_t start, uint64_t end, uint64_t *first_busy)
{
	return contig_range(m, (unsigned long)start, (unsigned long)end, AF_MIGRATE_SYNC,
			    AF_MR_CONTIG_RANGE, true, first_busy, NULL);
}

/* free_contig_range() */
int af_free_contig_range(struct af_machine *m, uint64_t start, uint64_t nr)
{
	if (!m || start + nr > m->max_pfn || start + nr < start)
		return af_err(-EINVAL, "range out of memory");
	for (uint64_t p = start; p < start + nr; p++) {
		if (!(pflags(&m->pages[p]) & PG_alloc) || m->pages[p].order || m->pages[p].owner)
			return af_err(-EINVAL, "pfn 0x%llx is not a contiguous-range page",
				      (unsigned long long)p);
		if (cma_page_allocated(m, (unsigned long)p))
			return af_err(-EBUSY, "pfn 0x%llx was allocated by cma_alloc; release it with "
				      "af_cma_release", (unsigned long long)p);
	}
	for (uint64_t p = start; p < start + nr; p++)
		af_free_pages(m, API_CPU, p, 0);
	return 0;
}
