/*
 * vmscan.c - the parts of reclaim that matter for fragmentation (mm/vmscan.c:
 * shrink_folio_list on the file LRU, shrink_slab, try_to_free_pages,
 * kswapd's balance_pgdat and kswapd_try_to_sleep).
 *
 * Simplifications: only clean, unmapped page cache and reclaimable slab
 * objects are reclaimed (no swap, no anonymous reclaim, no active/inactive
 * aging); a dirty page met by kswapd is written back (taking virtual time)
 * and skipped this round, to the tail of the list when the write ends
 * (PG_reclaim, lru_rotate_reclaimable); kswapd runs as a step of
 * af_run_daemons() in deterministic mode.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compaction.h"

/* shrink the inactive file list from its tail; returns pages reclaimed */
static unsigned long shrink_file_lru(struct af_machine *m, int cpu, struct pglist_data *pg,
				     unsigned long nr_to_scan, bool kswapd)
{
	unsigned long scanned = 0, reclaimed = 0;

	while (scanned < nr_to_scan) {
		unsigned long pfn;

		if (m->threaded)
			wlock(m, &pg->lru_lock);
		pfn = pg->lru[LRU_INACTIVE_FILE].last;
		if (m->threaded)
			wunlock(m, &pg->lru_lock);
		if (pfn == PFN_NIL)
			break;
		scanned++;
		if (m->wops->prefetch) {
			/* the next candidate, and this one's records (a hint) */
			if (!m->threaded && m->pages[pfn].prev != PFN_NIL)
				__builtin_prefetch(&m->pages[m->pages[pfn].prev]);
			m->wops->prefetch(m, pfn, false);
		}
		if (isolate_lru_page(m, pfn))
			break;
		if (m->wops->reclaim_page(m, cpu, pfn, kswapd)) {
			reclaimed++;
			continue;
		}
		/* keep it: rotate to the head (putback) */
		putback_lru_page(m, cpu, pfn);
	}
	__atomic_fetch_add(&m->events[kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT], scanned, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT], reclaimed, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[PGSCAN_FILE], scanned, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[PGSTEAL_FILE], reclaimed, __ATOMIC_RELAXED);
	return reclaimed;
}


/* shrink_node(): page cache first, then slab */
static unsigned long shrink_node(struct af_machine *m, int cpu, struct pglist_data *pg, unsigned long nr,
				 bool kswapd)
{
	unsigned long got = shrink_file_lru(m, cpu, pg, nr * 4, kswapd);

	if (got < nr)
		got += (m->wops ? m->wops->shrink_slab(m, cpu, (nr - got) * 16) : 0);
	if (got)	/* reclaim made progress: the node is not hopeless */
		__atomic_store_n(&pg->kswapd_failures, 0, __ATOMIC_RELAXED);
	return got;
}

/*
 * zone_reclaimable_pages(): the zone's file LRU pages (anonymous pages too
 * where they can be reclaimed; the model has no swap, so never), or, when
 * there are none, its free pages, as 6.1.y counts them.
 */
unsigned long zone_reclaimable_pages(const struct zone *z)
{
	long nr = zone_page_state(z, NR_ZONE_INACTIVE_FILE) + zone_page_state(z, NR_ZONE_ACTIVE_FILE);

	if (nr <= 0)
		nr = zone_page_state(z, NR_FREE_PAGES);
	return nr > 0 ? (unsigned long)nr : 0;
}

/* try_to_free_pages(): direct reclaim of SWAP_CLUSTER_MAX pages */
unsigned long try_to_free_pages(struct af_machine *m, int cpu, const struct alloc_context *ac)
{
	unsigned long got = 0;
	bool seen[AF_MAX_NODES] = { false };

	if (!m->wops)
		return 0;
	__atomic_fetch_add(&m->events[ALLOCSTALL_DMA + ac->highest_zoneidx], 1, __ATOMIC_RELAXED);
	for (int i = 0; i < ac->zonelist->nr && got < SWAP_CLUSTER_MAX; i++) {
		struct zone *z = ac->zonelist->zones[i];
		if ((int)z->type > ac->highest_zoneidx || seen[z->nid])
			continue;
		seen[z->nid] = true;
		got += shrink_node(m, cpu, z->pgdat, SWAP_CLUSTER_MAX - got, false);
	}
	return got;
}

/* pgdat_balanced(): a zone up to highest above its high watermark at order;
 * a node with no managed zone there needs no balancing */
static bool pgdat_balanced(struct pglist_data *pg, int order, int highest)
{
	bool managed = false;

	for (int t = 0; t <= highest; t++) {
		struct zone *z = &pg->node_zones[t];
		if (!z->managed_pages)
			continue;
		managed = true;
		if (zone_watermark_ok(z, (unsigned)order, high_wmark_pages(z), highest, 0))
			return true;
	}
	return !managed;
}

/*
 * kswapd_run(): one turn of 6.1's kswapd() loop.  balance_pgdat() reclaims
 * until a zone is above its high watermark (boosted watermarks included), in
 * at most 64 rounds of SWAP_CLUSTER_MAX; once it has reclaimed
 * compact_gap(order) pages it checks the watermarks at order 0 instead
 * (kswapd_shrink_node).  A run that ends unbalanced having reclaimed nothing
 * counts in kswapd_failures (wakeup_kswapd and kswapd_try_to_sleep give the
 * node up after MAX_RECLAIM_RETRIES; reclaim that frees anything resets it).
 * The boosts are reset and kcompactd woken for pageblock order after a
 * boosted run.  Then kswapd_try_to_sleep(): when reclaim ended below the
 * allocation's order, with that order; otherwise at the top of the next turn,
 * with the order of the wake-ups that came meanwhile (none: order 0, which
 * wakes nobody).  It wakes kcompactd, and resets the compaction skip bits,
 * only when prepare_kswapd_sleep() finds the node balanced at the reclaim
 * order or hopeless.
 */
void kswapd_run(struct af_machine *m, struct pglist_data *pg)
{
	int order, reclaim_order, highest, alloc_order;
	bool boosted = false, balanced = false;
	unsigned long reclaimed = 0;

	daemon_lock(m);
	if (!__atomic_load_n(&pg->kswapd_woken, __ATOMIC_RELAXED)) {
		daemon_unlock(m);
		return;
	}
	__atomic_store_n(&pg->kswapd_woken, false, __ATOMIC_RELAXED);
	order = pg->kswapd_order;
	highest = pg->kswapd_highest_zoneidx;
	pg->kswapd_order = 0;
	pg->kswapd_highest_zoneidx = MAX_NR_ZONES;
	daemon_unlock(m);
	if (highest == MAX_NR_ZONES)
		highest = MAX_NR_ZONES - 1;
	for (int t = 0; t <= highest; t++)
		boosted |= READ_ONCE_UL(pg->node_zones[t].watermark_boost) != 0;
	__atomic_fetch_add(&m->events[PAGEOUTRUN], 1, __ATOMIC_RELAXED);
	reclaim_order = order;
	if (m->wops) {
		for (int round = 0; round < 64; round++) {
			balanced = pgdat_balanced(pg, reclaim_order, highest);
			if (balanced && !boosted)
				break;
			unsigned long got = shrink_node(m, KTHREAD_CPU, pg, SWAP_CLUSTER_MAX, true);
			reclaimed += got;
			if (reclaim_order && reclaimed >= 2UL << reclaim_order)	/* compact_gap() */
				reclaim_order = 0;
			if (!got)
				break;
			if (boosted && pgdat_balanced(pg, reclaim_order, highest))
				break;
		}
	}
	balanced = pgdat_balanced(pg, reclaim_order, highest);
	for (int t = 0; t <= highest; t++)
		WRITE_ONCE_UL(pg->node_zones[t].watermark_boost, 0UL);
	daemon_lock(m);
	if (!reclaimed && !balanced)
		__atomic_fetch_add(&pg->kswapd_failures, 1, __ATOMIC_RELAXED);
	if (boosted)
		wakeup_kcompactd(m, KTHREAD_CPU, pg, PAGEBLOCK_ORDER, highest);
	alloc_order = order;
	if (reclaim_order >= order)	/* the next turn: the wake-ups since this one began */
		alloc_order = reclaim_order = pg->kswapd_order;
	/* prepare_kswapd_sleep() */
	if (__atomic_load_n(&pg->kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES || pgdat_balanced(pg, reclaim_order, highest)) {
		reset_isolation_suitable(pg);
		wakeup_kcompactd(m, KTHREAD_CPU, pg, alloc_order, highest);
	}
	daemon_unlock(m);
}
