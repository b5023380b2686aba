/*
 * memory_hotplug.c - memory offlining (mm/memory_hotplug.c:
 * offline_pages) on top of pageblock isolation and range migration
 * (page_isolation.c).
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

/*
 * offline_pages(): take [start, start + nr) out of the machine.  The range
 * must be whole MAX_ORDER blocks of one zone without holes.  Unmovable pages
 * (has_unmovable_pages) refuse it at once; otherwise everything in use is
 * migrated out (MR_MEMORY_HOTPLUG) and the pages leave the zone: present
 * and managed shrink and the watermarks are recomputed
 * (init_per_zone_wmark_min).  On failure *first_busy names the first page
 * that cannot move and the range is left as it was.
 * Simplifications: memory blocks are MAX_ORDER blocks rather than 128 MiB
 * sections, and the migration is tried a bounded number of times instead
 * of until a signal.
 */
int af_offline_pages(struct af_machine *m, uint64_t start64, uint64_t nr, uint64_t *first_busy)
{
	unsigned long start = (unsigned long)start64, end = (unsigned long)(start64 + nr);
	struct zone *z;
	int ret = -EBUSY;

	if (!m || !nr || start64 + nr < start64 || end > m->max_pfn)
		return af_err(-EINVAL, "bad range");
	if ((start | end) & (MAX_ORDER_NR_PAGES - 1))
		return af_err(-EINVAL, "offlining needs whole blocks of %lu pages", MAX_ORDER_NR_PAGES);
	if (!(z = pfn_zone(m, start)) || pfn_zone(m, end - 1) != z)
		return af_err(-EINVAL, "range 0x%lx-0x%lx is not inside one zone", start, end);
	/* has_unmovable_pages(): refuse before touching anything */
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = &m->pages[pfn];
		uint32_t f = pflags(p);

		if (f & PG_hole)
			return af_err(-EINVAL, "range 0x%lx-0x%lx contains a hole at 0x%lx", start, end, pfn);
		if ((f & PG_reserved) || ((f & PG_alloc) &&
		    !(f & (PG_lru | PG_movable_ops)) && !((f & PG_hugetlb) && (f & PG_anon)))) {
			if (first_busy)
				*first_busy = pfn;
			return af_err(-EBUSY, "offlining 0x%lx-0x%lx failed: unmovable page at 0x%lx (%s)",
				      start, end, pfn, (f & PG_reserved) ? "reserved" : (f & PG_slab) ? "slab"
				      : (f & PG_pgtable) ? "page table" : "kernel allocation");
		}
		if ((f & PG_alloc) && (f & PG_head))
			pfn += (1UL << p->order) - 1;
	}
	for (int tries = 0; tries < 5 && ret; tries++)
		ret = contig_range(m, start, end, AF_MIGRATE_SYNC, AF_MR_MEMORY_HOTPLUG, true, first_busy,
				   NULL);
	if (ret)
		return af_err(ret, "offlining 0x%lx-0x%lx failed: %s", start, end, af_errmsg());
	/* __offline_isolated_pages() and the zone/node adjustments */
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = &m->pages[pfn];
		__atomic_store_n(&p->refcount, 0, __ATOMIC_RELAXED);
		p->owner = 0;
		pflags_set(m, p, PG_reserved | PG_hole);
	}
	/* offline_mem_sections(): whole blocks, so none of them keeps a present page */
	set_pageblocks_online(m, start, end, false);
	z->present_pages -= nr;
	z->managed_pages -= nr;
	calculate_min_free_kbytes(m);
	setup_per_zone_wmarks(m);
	refresh_zone_stat_thresholds(m);
	setup_per_zone_lowmem_reserve(m);
	if (THP_MODE(m) != THP_NEVER)
		set_recommended_min_free_kbytes(m);
	build_zonelists(m);
	return 0;
}
