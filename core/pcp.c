/*
 * pcp.c - per-CPU pagesets (mm/page_alloc.c: rmqueue_pcplist,
 * __rmqueue_pcplist, rmqueue_bulk, free_unref_page[_commit],
 * free_pcppages_bulk, nr_pcp_free, nr_pcp_high, drain_pages_zone,
 * zone_batchsize, zone_highsize).
 */
#include "internal.h"

/* order_to_pindex(): orders 0..3 per pcp migratetype, then one THP list */

unsigned int pindex_to_order(int pindex)
{
	if (pindex == NR_LOWORDER_PCP_LISTS)
		return PAGEBLOCK_ORDER;
	return (unsigned int)(pindex / MIGRATE_PCPTYPES);
}



/*
 * rmqueue_bulk(): take `count` blocks of `order` from the buddy lists under
 * one hold of the zone lock and append them to the pcp list.
 */
static __attribute__((noinline)) int rmqueue_bulk(struct zone *z, int cpu, unsigned int order, int count, struct list_pfn *list,
			int mt, unsigned int alloc_flags)
{
	struct af_machine *m = z->m;
	int i, allocated = 0;

	lock_zone(z);
	for (i = 0; i < count; i++) {
		long pfn = rmqueue(z, cpu, order, mt, alloc_flags);
		struct page *p;

		if (pfn < 0)
			break;
		p = &m->pages[pfn];
		pflags_or(m, p, PG_pcp);
		pset_order(p, order);
		list_add_tail_pfn(m, list, (unsigned long)pfn);
		allocated++;
		if (p->pcp_mt == MIGRATE_CMA)
			zone_stat_mod(z, NR_FREE_CMA_PAGES, -(1L << order));
	}
	zone_stat_mod(z, NR_FREE_PAGES, -((long)i << order));
	unlock_zone(z);
	return allocated;
}

/*
 * The refill half of rmqueue_pcplist(): an empty list gets batch (scaled
 * down by order) blocks from the buddy lists; false if none came.
 */
bool rmqueue_pcplist_refill(struct zone *z, int cpu, struct per_cpu_pages *pcp,
			    struct list_pfn *list, unsigned int order, int mt,
			    unsigned int alloc_flags)
{
	int batch = pcp->batch;
	int alloced;

	if (batch > 1)
		batch = MAX(batch >> order, 2);
	alloced = rmqueue_bulk(z, cpu, order, batch, list, mt, alloc_flags);
	pcp->count += alloced << order;
	return !list_empty_pfn(list);
}

/*
 * free_pcppages_bulk(): give `count` pages back to the buddy lists, round
 * robin over the pcp lists starting with pindex, oldest (tail) first.
 */
void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp, int pindex)
{
	struct af_machine *m = z->m;
	int cpu = (int)(pcp - z->pcp);	/* the pcp's own CPU: drains run there or for it */
	int min_pindex = 0, max_pindex = NR_PCP_LISTS - 1;
	bool isolated;

	count = MIN(pcp->count, count);
	pindex = pindex - 1;
	lock_zone(z);
	isolated = z->nr_isolate_pageblock > 0;
	while (count > 0) {
		struct list_pfn *list;
		unsigned int order;
		int nr_pages;

		for (;;) {
			if (++pindex > max_pindex)
				pindex = min_pindex;
			list = &pcp->lists[pindex];
			if (!list_empty_pfn(list))
				break;
			if (pindex == max_pindex)
				max_pindex--;
			if (pindex == min_pindex)
				min_pindex++;
		}
		order = pindex_to_order(pindex);
		nr_pages = 1 << order;
		do {
			unsigned long pfn = list->last;
			struct page *p = &m->pages[pfn];
			int mt = p->pcp_mt;

			list_del_pfn(m, list, pfn);
			pflags_clear(m, p, PG_pcp);
			count -= nr_pages;
			pcp->count -= nr_pages;
			if (isolated)
				mt = get_pageblock_migratetype(m, pfn);
			free_one_page_locked(z, pfn, order, mt, false);
			if (trace_on(m))
				trace_mm_page_pcpu_drain(m, cpu, pfn, order, mt);
		} while (count > 0 && !list_empty_pfn(list));
	}
	unlock_zone(z);
}

/* nr_pcp_free(): how many pages to return when the pcp is over high */
static int nr_pcp_free(struct per_cpu_pages *pcp, int high, int batch, bool free_high)
{
	int min_nr_free, max_nr_free;

	if (free_high)
		return pcp->count;
	if (high < batch)
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	batch <<= pcp->free_factor;
	if (batch < max_nr_free && pcp->free_factor < PCP_BATCH_SCALE_MAX)
		pcp->free_factor++;
	if (batch < min_nr_free)
		batch = min_nr_free;
	if (batch > max_nr_free)
		batch = max_nr_free;
	return batch;
}

/*
 * The drain half of free_unref_page_commit(): the pcp reached its high
 * mark (nr_pcp_high) after a free onto list pindex.
 */
void free_unref_page_drain(struct zone *z, struct per_cpu_pages *pcp, int pindex, int high,
			   bool free_high)
{
	free_pcppages_bulk(z, nr_pcp_free(pcp, high, pcp->batch, free_high), pcp, pindex);
}

/*
 * free_one_page() for free_unref_page(): an ISOLATE block, or a pcp a
 * drainer holds; straight to the buddy lists (6.1 counts no PGFREE here).
 */
void free_unref_page_buddy(struct zone *z, unsigned long pfn, unsigned int order, int mt)
{
	lock_zone(z);
	/* the block's isolation may have been set or undone since mt was read */
	if (mt == MIGRATE_ISOLATE || z->nr_isolate_pageblock)
		mt = get_pageblock_migratetype(z->m, pfn);
	free_one_page_locked(z, pfn, order, mt, false);
	unlock_zone(z);
}

/* drain_pages_zone(): empty one CPU's pcp lists of one zone */
void drain_pages_zone(struct zone *z, int cpu)
{
	struct af_machine *m = z->m;
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	int count;

	do {
		lock_pcp(m, pcp);
		count = pcp->count;
		if (count) {
			int to_drain = MIN(count, pcp->batch << PCP_BATCH_SCALE_MAX);

			free_pcppages_bulk(z, to_drain, pcp, 0);
			count -= to_drain;
		}
		unlock_pcp(m, pcp);
	} while (count);
}

/*
 * zone_batchsize(): a quarter of min(managed / 1024, 1 MiB of pages), then
 * 1.5 times that rounded down to a power of two, minus 1 (batch 0 for tiny
 * zones, raised to 1 by the caller).
 */
int zone_batchsize(const struct zone *z)
{
	long batch = (long)MIN(z->managed_pages >> 10, (1UL << 20) / PAGE_SIZE);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch = (long)(1UL << ilog2_ul((unsigned long)(batch + batch / 2))) - 1;
	return (int)batch;
}

/*
 * zone_highsize(): the low watermark (or managed/percpu_pagelist_high_fraction)
 * split between the CPUs of the zone's node, at least 4 batches.
 */
int zone_highsize(const struct zone *z, int batch, int cpu_online)
{
	struct af_machine *m = z->m;
	unsigned long total;
	int nr_split, high;

	if (!m->vm.percpu_pagelist_high_fraction)
		total = low_wmark_pages(z);
	else
		total = z->managed_pages / (unsigned long)m->vm.percpu_pagelist_high_fraction;
	nr_split = z->pgdat->nr_cpus + cpu_online;
	if (!nr_split)
		nr_split = m->nr_cpus;
	high = (int)(total / (unsigned long)nr_split);
	return MAX(high, batch << 2);
}

/*
 * zone_pcp_update() / zone_set_pageset_high_and_batch().  6.1 writes high
 * and batch with WRITE_ONCE while the CPUs read them racily; here each pcp
 * is updated under its lock, which its own allocations and frees hold.
 */
void zone_pcp_update(struct zone *z)
{
	int new_batch = MAX(1, zone_batchsize(z));
	int new_high = zone_highsize(z, new_batch, 0);

	for (int cpu = 0; cpu < z->m->nr_cpus; cpu++) {
		lock_pcp(z->m, &z->pcp[cpu]);
		z->pcp[cpu].high = new_high;
		z->pcp[cpu].batch = new_batch;
		unlock_pcp(z->m, &z->pcp[cpu]);
	}
}
