/*
 * page_alloc.c - the allocator's entry points: GFP decoding, zonelists, the
 * fast path (get_page_from_freelist), the slow path and freeing
 * (mm/page_alloc.c: __alloc_pages, prepare_alloc_pages, get_page_from_freelist,
 * rmqueue, rmqueue_buddy, __alloc_pages_slowpath, gfp_to_alloc_flags,
 * alloc_flags_nofragment, should_reclaim_retry, __free_pages;
 * include/linux/gfp.h: gfp_zone, gfp_migratetype).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

#define GFP_ZONEMASK	(AF___GFP_DMA | AF___GFP_HIGHMEM | AF___GFP_DMA32 | AF___GFP_MOVABLE)
#define GFP_MOVABLE_MASK (AF___GFP_RECLAIMABLE | AF___GFP_MOVABLE)

/* GFP_ZONE_BAD: zone-modifier combinations the kernel refuses (VM_BUG_ON) */
#define GFP_D	AF___GFP_DMA
#define GFP_H	AF___GFP_HIGHMEM
#define GFP_D32	AF___GFP_DMA32
#define GFP_MV	AF___GFP_MOVABLE
#define GFP_ZONE_BAD							\
	(1u << (GFP_D | GFP_H) | 1u << (GFP_D | GFP_D32) | 1u << (GFP_D32 | GFP_H) |	\
	 1u << (GFP_D | GFP_D32 | GFP_H) | 1u << (GFP_MV | GFP_H | GFP_D) |		\
	 1u << (GFP_MV | GFP_D32 | GFP_D) | 1u << (GFP_MV | GFP_D32 | GFP_H) |	\
	 1u << (GFP_MV | GFP_D32 | GFP_D | GFP_H))
static inline bool gfp_zone_bad(af_gfp_t gfp)
{
	return (GFP_ZONE_BAD >> (gfp & GFP_ZONEMASK)) & 1;
}

/*
 * GFP_ZONE_TABLE: the highest zone each combination of the four zone
 * modifiers allows (DMA, then DMA32, then HIGHMEM with MOVABLE for
 * ZONE_MOVABLE, else NORMAL); the bad combinations have no meaning here.
 */
_Static_assert(GFP_ZONEMASK == 0xf, "the zone modifiers index a 16-entry table");
#define GFP_ZONE_OF(b)							\
	((b) & AF___GFP_DMA ? ZONE_DMA :				\
	 (b) & AF___GFP_DMA32 ? ZONE_DMA32 :				\
	 ((b) & (AF___GFP_HIGHMEM | AF___GFP_MOVABLE)) ==		\
		 (AF___GFP_HIGHMEM | AF___GFP_MOVABLE) ? ZONE_MOVABLE : ZONE_NORMAL)
static const uint8_t gfp_zone_table[16] = {
	GFP_ZONE_OF(0u), GFP_ZONE_OF(1u), GFP_ZONE_OF(2u), GFP_ZONE_OF(3u),
	GFP_ZONE_OF(4u), GFP_ZONE_OF(5u), GFP_ZONE_OF(6u), GFP_ZONE_OF(7u),
	GFP_ZONE_OF(8u), GFP_ZONE_OF(9u), GFP_ZONE_OF(10u), GFP_ZONE_OF(11u),
	GFP_ZONE_OF(12u), GFP_ZONE_OF(13u), GFP_ZONE_OF(14u), GFP_ZONE_OF(15u),
};

/* gfp_zone(): the highest zone the mask allows (GFP_ZONE_TABLE) */
int af_gfp_zone(af_gfp_t gfp)
{
	if (gfp_zone_bad(gfp))
		return af_err(-EINVAL, "GFP zone modifiers 0x%x are an invalid combination",
			      gfp & GFP_ZONEMASK);
	return gfp_zone_table[gfp & GFP_ZONEMASK];
}

/* gfp_migratetype(): MOVABLE, RECLAIMABLE or UNMOVABLE from the mobility bits */
int gfp_migratetype_m(const struct af_machine *m, af_gfp_t gfp)
{
	if ((gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK)
		return af_err(-EINVAL, "__GFP_MOVABLE and __GFP_RECLAIMABLE are mutually exclusive");
	if (m && m->page_group_by_mobility_disabled)
		return MIGRATE_UNMOVABLE;
	return (int)((gfp & GFP_MOVABLE_MASK) >> 3);
}

int af_gfp_migratetype(const struct af_machine *m, af_gfp_t gfp)
{
	return gfp_migratetype_m(m, gfp);
}

/*
 * Reject what the kernel BUGs or WARNs on, so a caller learns of it; the
 * model also refuses __GFP_NOFAIL with __GFP_NORETRY, which 6.1 accepts
 * without a warning.
 */
static int check_gfp(af_gfp_t gfp, unsigned int order)
{
	int ret;

	if (gfp & ~AF___GFP_BITS_MASK)
		return af_err(-EINVAL, "unknown GFP bits 0x%x", gfp & ~AF___GFP_BITS_MASK);
	ret = af_gfp_zone(gfp);
	if (ret < 0)
		return ret;
	ret = gfp_migratetype_m(NULL, gfp);
	if (ret < 0)
		return ret;
	if ((gfp & (AF___GFP_ATOMIC | AF___GFP_DIRECT_RECLAIM)) ==
	    (AF___GFP_ATOMIC | AF___GFP_DIRECT_RECLAIM))
		return af_err(-EINVAL, "__GFP_ATOMIC with __GFP_DIRECT_RECLAIM is invalid");
	if ((gfp & AF___GFP_NOFAIL) && order > 1)
		return af_err(-EINVAL, "__GFP_NOFAIL is not allowed above order 1");
	if ((gfp & AF___GFP_NOFAIL) && (gfp & AF___GFP_NORETRY))
		return af_err(-EINVAL, "__GFP_NOFAIL with __GFP_NORETRY is contradictory");
	return 0;
}

/*
 * Does check_gfp() refuse this mask (or order)?  One test of each rule, for
 * the allocation path; check_gfp() says which rule.
 */
static inline bool gfp_refused(af_gfp_t gfp, unsigned int order)
{
	const af_gfp_t both_mobility = GFP_MOVABLE_MASK;
	const af_gfp_t atomic_reclaim = AF___GFP_ATOMIC | AF___GFP_DIRECT_RECLAIM;

	return (gfp & ~AF___GFP_BITS_MASK) || gfp_zone_bad(gfp) ||
	       (gfp & both_mobility) == both_mobility ||
	       (gfp & atomic_reclaim) == atomic_reclaim ||
	       ((gfp & AF___GFP_NOFAIL) && (order > 1 || (gfp & AF___GFP_NORETRY)));
}

/*
 * build_zonelists(): for each node, zones from highest to lowest of each
 * node in order of distance (ties broken by node id after the local node).
 * Only zones with managed pages are listed (managed_zone()).
 * Simplification: 6.1's find_next_best_node() also penalises nodes with
 * CPUs and spreads ties; here ties go in node-id order from the local node.
 */
void build_zonelists(struct af_machine *m)
{
	int N = m->nr_nodes;

	for (int local = 0; local < N; local++) {
		struct pglist_data *pg = m->node[local];
		int order[AF_MAX_NODES];
		int k = 0;

		for (int i = 0; i < N; i++)
			order[i] = (local + i) % N;
		/* stable insertion sort by distance */
		for (int i = 1; i < N; i++) {
			int v = order[i], j = i;
			while (j > 0 && m->cfg.nodes[local].distance[order[j - 1]] >
					m->cfg.nodes[local].distance[v]) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = v;
		}
		pg->zonelist_fallback.nr = 0;
		for (int i = 0; i < N; i++) {
			struct pglist_data *o = m->node[order[i]];
			for (int t = MAX_NR_ZONES - 1; t >= 0; t--)
				if (o->node_zones[t].managed_pages)
					pg->zonelist_fallback.zones[k++] = &o->node_zones[t];
		}
		pg->zonelist_fallback.nr = k;
		k = 0;
		for (int t = MAX_NR_ZONES - 1; t >= 0; t--)
			if (pg->node_zones[t].managed_pages)
				pg->zonelist_nofallback.zones[k++] = &pg->node_zones[t];
		pg->zonelist_nofallback.nr = k;
	}
}

/*
 * alloc_flags_nofragment(): in ZONE_NORMAL (with DMA32 populated locally
 * or a single node) allocations first try not to fall back into pageblocks
 * of another type; ALLOC_KSWAPD comes from __GFP_KSWAPD_RECLAIM.
 */
static unsigned int alloc_flags_nofragment(struct af_machine *m, struct zone *z, af_gfp_t gfp)
{
	unsigned int flags = gfp & AF___GFP_KSWAPD_RECLAIM;

	if (!z || z->type != ZONE_NORMAL)
		return flags;
	if (m->nr_nodes > 1 && !populated_zone(&z->pgdat->node_zones[ZONE_DMA32]))
		return flags;
	return flags | ALLOC_NOFRAGMENT;
}

static unsigned int gfp_to_alloc_flags_cma(struct af_machine *m, af_gfp_t gfp, unsigned int flags)
{
	if (m->cfg.cma_enabled && gfp_migratetype_m(m, gfp) == MIGRATE_MOVABLE)
		flags |= ALLOC_CMA;
	return flags;
}

/* gfp_to_alloc_flags(): the slow path's flags (6.1.y with ALLOC_NON_BLOCK) */
static unsigned int gfp_to_alloc_flags(struct af_machine *m, af_gfp_t gfp, unsigned int order)
{
	unsigned int flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	flags |= gfp & (AF___GFP_HIGH | AF___GFP_KSWAPD_RECLAIM);
	if (!(gfp & AF___GFP_DIRECT_RECLAIM)) {
		if (!(gfp & AF___GFP_NOMEMALLOC)) {
			flags |= ALLOC_NON_BLOCK;
			if (order > 0 && (flags & ALLOC_MIN_RESERVE))
				flags |= ALLOC_HIGHATOMIC;
		}
		if (flags & ALLOC_MIN_RESERVE)
			flags &= ~(unsigned)ALLOC_CPUSET;
	}
	return gfp_to_alloc_flags_cma(m, gfp, flags);
}


/* zone_statistics(): numa_hit/miss/foreign/local/other, one per allocation */
static inline void zone_statistics(struct af_machine *m, int cpu, struct zone *pref,
				   struct zone *z)
{
	int local = m->cpu_to_node[cpu];

	if (z->nid == pref->nid) {
		cpu_counter_add(m, &z->pcp[cpu].numa[NUMA_HIT], 1);
	} else {
		cpu_counter_add(m, &z->pcp[cpu].numa[NUMA_MISS], 1);
		cpu_counter_add(m, &pref->pcp[cpu].numa[NUMA_FOREIGN], 1);
	}
	cpu_counter_add(m, &z->pcp[cpu].numa[z->nid == local ? NUMA_LOCAL : NUMA_OTHER], 1);
}

/*
 * rmqueue_buddy(): the zone-locked path, for orders the pcp does not cache
 * and whenever the pcp could not supply the block.
 */
static __attribute__((noinline)) long rmqueue_buddy(struct zone *z, int cpu, unsigned int order,
						     unsigned int alloc_flags, int mt)
{
	long pfn = -1;

	lock_zone(z);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		pfn = rmqueue_smallest(z, cpu, order, MIGRATE_HIGHATOMIC);
	if (pfn < 0) {
		pfn = rmqueue(z, cpu, order, mt, alloc_flags);
		if (pfn < 0 && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			pfn = rmqueue_smallest(z, cpu, order, MIGRATE_HIGHATOMIC);
		if (pfn < 0) {
			unlock_zone(z);
			return -1;
		}
	}
	mod_zone_freepage_state(z, -(1L << order), z->m->pages[pfn].pcp_mt);
	unlock_zone(z);
	cpu_counter_add(z->m, &z->pcp[cpu].events[PGALLOC_DMA + z->type], 1UL << order);
	return pfn;
}

static void wakeup_kswapd(struct af_machine *m, int cpu, struct zone *z, af_gfp_t gfp,
			  unsigned int order, int highest_zoneidx);

/* rmqueue(): pcp for small orders and THP, the buddy lists otherwise */
static inline long rmqueue_zone(struct zone *pref, struct zone *z, int cpu, unsigned int order,
			 unsigned int alloc_flags, int mt)
{
	struct af_machine *m = z->m;
	long pfn = -1;

	if (pcp_allowed_order(order) &&
	    (!m->cfg.cma_enabled || (alloc_flags & ALLOC_CMA) || mt != MIGRATE_MOVABLE))
		pfn = rmqueue_pcplist(z, cpu, order, mt, alloc_flags);
	if (pfn < 0)
		pfn = rmqueue_buddy(z, cpu, order, alloc_flags, mt);
	if (pfn >= 0)
		zone_statistics(m, cpu, pref, z);
	if (__atomic_load_n(&z->boosted_watermark, __ATOMIC_RELAXED)) {
		__atomic_store_n(&z->boosted_watermark, false, __ATOMIC_RELAXED);
		wakeup_kswapd(m, cpu, z, 0, 0, (int)z->type);
	}
	return pfn;
}

/*
 * m->pb_huge: the pageblocks an allocated compound page of pageblock order
 * or more covers, what pageblock_skip_persistent() asks of a block.  Only
 * the page's owner (allocating, freeing or splitting it) writes them.
 */
static void set_pb_huge(struct af_machine *m, unsigned long pfn, unsigned int order, bool on)
{
	for (unsigned long b = pfn >> PAGEBLOCK_ORDER; b < (pfn + (1UL << order)) >> PAGEBLOCK_ORDER; b++)
		__atomic_store_n(&m->pb_huge[b], (uint8_t)on, __ATOMIC_RELAXED);
}

/* prep_new_page() + prep_compound_page(): refcount 1, head/tail flags */
static inline void prep_new_page(struct af_machine *m, unsigned long pfn, unsigned int order,
			  af_gfp_t gfp)
{
	struct page *p = &m->pages[pfn];

	/* PG_buddy went with the free list (del_page_from_free_list) */
	pflags_change(m, p, PG_pcp, PG_alloc);
	pset_order(p, order);
	__atomic_store_n(&p->refcount, 1, __ATOMIC_RELAXED);
	p->mapcount = 0;
	p->owner = 0;
	if ((gfp & AF___GFP_COMP) && order) {
		pflags_or(m, p, PG_head);
		for (unsigned long i = 1; i < (1UL << order); i++)
			pflags_or(m, &m->pages[pfn + i], PG_tail);
		if (order >= PAGEBLOCK_ORDER)
			set_pb_huge(m, pfn, order, true);
	}
}

/*
 * An allocation whose block the caller chose: the free block pfn of order
 * `cur` on z's free list mt is split down to `order` and handed out as
 * get_page_from_freelist() hands out its blocks (refcount 1, no owner,
 * compound with __GFP_COMP), with the same counters and events.  No
 * watermark check and no policy hook: for a policy that gives back as much
 * as it takes (moving a page).  Zone lock held.
 */
void alloc_this_block_locked(struct zone *z, int cpu, unsigned long pfn, unsigned int cur,
			     unsigned int order, int mt, af_gfp_t gfp)
{
	struct af_machine *m = z->m;

	take_free_block_locked(z, cpu, pfn, cur, order, mt);
	mod_zone_freepage_state(z, -(1L << order), mt);
	cpu_counter_add(z->m, &z->pcp[cpu].events[PGALLOC_DMA + z->type], 1UL << order);
	prep_new_page(m, pfn, order, gfp);
	if (trace_on(m))
		trace_mm_page_alloc(m, cpu, (long)pfn, order, gfp, mt);
}

/*
 * The free buddy block holding pfn: its head (aligned to its order, which
 * *cur gets), or -1 when pfn is in no free buddy block.  Zone lock held.
 */
static long buddy_block_of(struct zone *z, unsigned long pfn, unsigned int *cur)
{
	struct af_machine *m = z->m;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);
		struct page *p = &m->pages[head];

		if (head < z->zone_start_pfn)
			break;
		if ((pflags(p) & PG_buddy) && porder(p) == o) {
			*cur = o;
			return (long)head;
		}
	}
	return -1;
}

/*
 * The buddy half of af_alloc_pages_at(): [pfn, pfn + 2^order) split out of
 * the free block holding it, accounted; the free list's migratetype, or -1
 * when no free block holds all of it.  The kernel took the block off the
 * free list of the request's type (__rmqueue_smallest(); a fallback moved
 * it there first), so expand() put the other halves on that list: want_mt,
 * unless the block is on a list of a type the pcp lists do not keep (the
 * highatomic reserve, which keeps its halves).  Zone lock held.
 */
static int take_block_at_locked(struct zone *z, unsigned long pfn, unsigned int order, int want_mt)
{
	struct af_machine *m = z->m;
	unsigned int cur;
	long head = buddy_block_of(z, pfn, &cur);
	int mt, to;

	if (head < 0 || cur < order)
		return -1;
	mt = buddy_free_list_mt(z, (unsigned long)head, cur);
	to = mt < MIGRATE_PCPTYPES && want_mt >= 0 && want_mt < MIGRATE_PCPTYPES ? want_mt : mt;
	del_page_from_free_list(z, (unsigned long)head, cur, mt);
	while (cur > order) {	/* keep the half holding pfn, free the other */
		unsigned long half = (unsigned long)head + (1UL << --cur);

		if (pfn >= half) {
			add_to_free_list(z, (unsigned long)head, cur, to, false);
			head = (long)half;
		} else {
			add_to_free_list(z, half, cur, to, false);
		}
	}
	m->pages[pfn].pcp_mt = (uint8_t)mt;
	mod_zone_freepage_state(z, -(1L << order), mt);
	return mt;
}

/*
 * The pcp list holding pfn (a block of `order` on some CPU's list of zone
 * z): the CPU, or -1.  A pcp list ends where its links do, so the block's
 * list is the one whose first entry its prev links reach, or whose last
 * entry its next links reach.
 */
static int pcp_cpu_of(struct zone *z, int cpu, unsigned long pfn, unsigned int order)
{
	struct af_machine *m = z->m;
	struct page *p = &m->pages[pfn];
	int mt = p->pcp_mt < MIGRATE_PCPTYPES ? p->pcp_mt : MIGRATE_MOVABLE;
	int pindex = order_to_pindex(mt, order);
	unsigned long first = pfn;

	unsigned long last = pfn;
	bool at_head;

	if (!(pflags(p) & PG_pcp) || porder(p) != order)
		return -1;
	/* toward both ends at once: a block is taken at the head, drained at the tail */
	while (m->pages[first].prev != PFN_NIL && m->pages[last].next != PFN_NIL) {
		first = m->pages[first].prev;
		last = m->pages[last].next;
	}
	at_head = m->pages[first].prev == PFN_NIL;
	for (int i = 0; i < m->nr_cpus; i++) {
		int c = (cpu + i) % m->nr_cpus;
		const struct list_pfn *l = &z->pcp[c].lists[pindex];

		if (at_head ? l->first == first : l->last == last)
			return c;
	}
	return -1;
}

/*
 * Block pfn off CPU c's pcp list (counted as an allocation when alloc):
 * its pcp migratetype, or -EAGAIN when it left the list before c's lock
 * was taken.
 */
static int pcp_take(struct zone *z, int c, unsigned long pfn, unsigned int order, bool alloc)
{
	struct af_machine *m = z->m;
	struct per_cpu_pages *pcp = &z->pcp[c];
	int mt;

	lock_pcp(m, pcp);
	if (pcp_cpu_of(z, c, pfn, order) != c) {	/* drained meanwhile */
		unlock_pcp(m, pcp);
		return af_err(-EAGAIN, "pfn 0x%lx left its per-CPU list", pfn);
	}
	mt = m->pages[pfn].pcp_mt;
	list_del_pfn(m, &pcp->lists[order_to_pindex(mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE, order)], pfn);
	pflags_clear(m, &m->pages[pfn], PG_pcp);
	pcp->count -= 1 << order;
	if (alloc)
		cpu_counter_add(m, &pcp->events[PGALLOC_DMA + z->type], 1UL << order);
	unlock_pcp(m, pcp);
	return mt;
}

/* The zone holding [pfn, pfn + 2^order) whole, or NULL (af_err set) */
static struct zone *block_zone(struct af_machine *m, uint64_t pfn, unsigned int order)
{
	struct zone *z;

	if (order >= MAX_ORDER || pfn & ((1ULL << order) - 1) || pfn >= m->max_pfn ||
	    m->max_pfn - pfn < (1ULL << order)) {
		af_err(-EINVAL, "pfn 0x%" PRIx64 " is not the start of an order-%u block of the machine",
		       pfn, order);
		return NULL;
	}
	z = pfn_zone(m, (unsigned long)pfn);
	if (!z || pfn_zone(m, (unsigned long)pfn + (1UL << order) - 1) != z) {
		af_err(-EINVAL, "pfn 0x%" PRIx64 " order %u is not inside one zone", pfn, order);
		return NULL;
	}
	return z;
}

/*
 * af_alloc_pages_at(): the block the caller names, wherever it is free:
 * split out of the free buddy block holding it, every other part of that
 * block back on its list at the largest order that fits (as 6.1's
 * split_free_page() leaves a block it carves a range out of), or taken off
 * the per-CPU list holding it (a block of exactly that order).  Handed out
 * as get_page_from_freelist() hands out its blocks, with the same counters
 * and events, and no watermark check: the caller has decided already.
 */
int af_alloc_pages_at(struct af_machine *m, int cpu, af_gfp_t gfp, uint64_t pfn,
		      unsigned int order, struct af_alloc_result *res)
{
	struct af_alloc_result dummy;
	struct zone *z;
	int mt, c;

	if (!res)
		res = &dummy;
	*res = (struct af_alloc_result){ .reason = AF_FAIL_INVALID };
	if (!m || order >= MAX_ORDER || (unsigned)cpu >= (unsigned)m->nr_cpus || gfp_refused(gfp, order))
		return af_err(-EINVAL, "bad arguments");
	if (!(z = block_zone(m, pfn, order)))
		return -EINVAL;

	/*
	 * A block on a per-CPU list is in no buddy block: looked for there
	 * first when its page says so (pcp_take checks again under the lock).
	 */
	mt = -1;
	if (pcp_allowed_order(order) && (pflags(&m->pages[pfn]) & PG_pcp) &&
	    (c = pcp_cpu_of(z, cpu, (unsigned long)pfn, order)) >= 0)
		mt = pcp_take(z, c, (unsigned long)pfn, order, true);
	if (mt < 0) {
		lock_zone(z);
		mt = take_block_at_locked(z, (unsigned long)pfn, order, gfp_migratetype_m(m, gfp));
		unlock_zone(z);
		if (mt < 0)
			return af_err(-EBUSY, "pfn 0x%" PRIx64 " order %u is not free", pfn, order);
		cpu_counter_add(m, &z->pcp[cpu].events[PGALLOC_DMA + z->type], 1UL << order);
	}
	zone_statistics(m, cpu, z, z);
	prep_new_page(m, (unsigned long)pfn, order, gfp);
	m->pages[pfn].alloc_mt = (uint8_t)((gfp & GFP_MOVABLE_MASK) >> 3);
	if (trace_on(m))
		trace_mm_page_alloc(m, cpu, (long)pfn, order, gfp, gfp_migratetype_m(m, gfp));
	res->pfn = pfn;
	res->reason = AF_ALLOC_OK;
	res->zone = (int)z->type;
	res->nid = z->nid;
	return 0;
}

/*
 * af_pcp_refill_at(): rmqueue_bulk() for one block the caller names: out of
 * the buddy, onto the tail of cpu's pcp list of migratetype mt.
 */
int af_pcp_refill_at(struct af_machine *m, int cpu, uint64_t pfn, unsigned int order, int mt)
{
	struct per_cpu_pages *pcp;
	struct zone *z;
	int got;

	if (!m || (unsigned)cpu >= (unsigned)m->nr_cpus || mt < 0 || mt >= MIGRATE_TYPES)
		return af_err(-EINVAL, "bad arguments");
	if (!pcp_allowed_order(order))
		return af_err(-EINVAL, "order %u is not kept on per-CPU lists", order);
	if (!(z = block_zone(m, pfn, order)))
		return -EINVAL;
	pcp = &z->pcp[cpu];
	lock_zone(z);
	got = take_block_at_locked(z, (unsigned long)pfn, order, mt);
	unlock_zone(z);
	if (got < 0)
		return af_err(-EBUSY, "pfn 0x%" PRIx64 " order %u is not free in the buddy", pfn, order);
	lock_pcp(m, pcp);
	/* __rmqueue() moved a stolen block to the requested type's list first */
	m->pages[pfn].pcp_mt = (uint8_t)mt;
	pflags_or(m, &m->pages[pfn], PG_pcp);
	pset_order(&m->pages[pfn], order);
	list_add_tail_pfn(m, &pcp->lists[order_to_pindex(mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE,
							   order)], (unsigned long)pfn);
	pcp->count += 1 << order;
	unlock_pcp(m, pcp);
	return 0;
}

/* af_pcp_drain_at(): free_pcppages_bulk() for one block: off its pcp list, into the buddy */
int af_pcp_drain_at(struct af_machine *m, uint64_t pfn, unsigned int order, int to_mt)
{
	struct zone *z;
	int c, mt;

	if (!m || to_mt < -1 || to_mt >= MIGRATE_TYPES)
		return af_err(-EINVAL, "bad arguments");
	if (!(z = block_zone(m, pfn, order)))
		return -EINVAL;
	c = pcp_allowed_order(order) ? pcp_cpu_of(z, 0, (unsigned long)pfn, order) : -1;
	if (c < 0)
		return af_err(-EBUSY, "pfn 0x%" PRIx64 " order %u is on no per-CPU list", pfn, order);
	if ((mt = pcp_take(z, c, (unsigned long)pfn, order, false)) < 0)
		return mt;
	free_unref_page_buddy(z, (unsigned long)pfn, order, to_mt >= 0 ? to_mt : mt);
	return 0;
}

/*
 * af_alloc_predict(): where 6.1's fast path would take an allocation now,
 * without taking it: in the first zone of the zonelist over its low
 * watermark, the head of cpu's pcp list for the request, or (an
 * empty list, which rmqueue_bulk refills from the buddy first, or an order
 * the lists do not keep) the first block of the smallest order on the
 * request's free list in the preferred zone.  -ENOENT when that list is
 * empty at every order (the allocation would fall back or go elsewhere:
 * not predicted).
 */
int af_alloc_predict(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order, uint64_t *pfn)
{
	struct zonelist *zl;
	struct zone *z = NULL;
	int highest, mt;

	if (!m || !pfn || order >= MAX_ORDER || (unsigned)cpu >= (unsigned)m->nr_cpus || gfp_refused(gfp, order))
		return af_err(-EINVAL, "bad arguments");
	highest = gfp_zone_table[gfp & GFP_ZONEMASK];
	zl = &m->node[m->cpu_to_node[cpu]]->zonelist_fallback;
	/* get_page_from_freelist()'s walk: the first zone over its low mark */
	for (int i = 0; i < zl->nr && !z; i++) {
		struct zone *c = zl->zones[i];
		if ((int)c->type > highest)
			continue;
		if (zone_watermark_fast(c, order, wmark_pages(c, WMARK_LOW), highest,
					ALLOC_WMARK_LOW | alloc_flags_nofragment(m, c, gfp), gfp))
			z = c;
	}
	if (!z)
		return af_err(-ENOENT, "no zone over its low mark: the slow path");
	mt = gfp_migratetype_m(m, gfp);
	if (pcp_allowed_order(order)) {
		struct list_pfn *l = &z->pcp[cpu].lists[order_to_pindex(mt, order)];
		if (!list_empty_pfn(l)) {
			*pfn = l->first;
			return 0;
		}
	}
	for (unsigned int o = order; o < MAX_ORDER; o++)
		if (!list_empty_pfn(&z->free_area[o].free_list[mt])) {
			*pfn = z->free_area[o].free_list[mt].first;
			return 0;
		}
	return af_err(-ENOENT, "no free block of the request's type: a fallback");
}

/*
 * get_page_from_freelist(): walk the zonelist, take the first zone that
 * passes its watermark.  With ALLOC_NOFRAGMENT, a remote node or the end of
 * the list restarts the walk without it.  The first attempt of every
 * allocation has it compiled in; the slow path calls the copy below.
 */
static inline __attribute__((always_inline)) long
get_page_from_freelist_inline(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order,
			      unsigned int alloc_flags, const struct alloc_context *ac,
			      struct zone **zout)
{
	bool no_fallback;

retry:
	no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
	/* the zones before the preferred one are above highest_zoneidx */
	for (int i = ac->preferred_idx; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];
		unsigned long mark;
		long pfn;

		if ((int)z->type > ac->highest_zoneidx)
			continue;
		if (no_fallback && m->nr_nodes > 1 && z != ac->preferred_zone &&
		    z->nid != ac->preferred_zone->nid) {
			alloc_flags &= ~(unsigned)ALLOC_NOFRAGMENT;
			goto retry;
		}
		mark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
		if (!zone_watermark_fast(z, order, mark, ac->highest_zoneidx, alloc_flags, gfp)) {
			if (!(alloc_flags & ALLOC_NO_WATERMARKS))
				continue;	/* node_reclaim is off by default */
		}
		pfn = rmqueue_zone(ac->preferred_zone, z, cpu, order, alloc_flags, ac->migratetype);
		if (pfn >= 0) {
			prep_new_page(m, (unsigned long)pfn, order, gfp);
			if (alloc_flags & ALLOC_HIGHATOMIC)
				reserve_highatomic_pageblock(z, (unsigned long)pfn);
			*zout = z;
			return pfn;
		}
	}
	if (no_fallback) {
		alloc_flags &= ~(unsigned)ALLOC_NOFRAGMENT;
		goto retry;
	}
	return -1;
}

static __attribute__((noinline)) long
get_page_from_freelist(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order,
		       unsigned int alloc_flags, const struct alloc_context *ac, struct zone **zout)
{
	return get_page_from_freelist_inline(m, cpu, gfp, order, alloc_flags, ac, zout);
}

/*
 * wakeup_kswapd(): record the order and zone kswapd should balance for; a
 * hopeless node (kswapd_failures) or a balanced one is not woken, and a
 * balanced node wakes kcompactd instead for callers that cannot reclaim.
 * Deterministic mode: kswapd runs at the next af_run_daemons().
 */
static bool node_balanced(struct pglist_data *pg, unsigned int order, int highest)
{
	for (int t = 0; t <= highest && t < MAX_NR_ZONES; t++) {
		struct zone *z = &pg->node_zones[t];
		if (z->managed_pages && zone_watermark_ok(z, order, high_wmark_pages(z), highest, 0))
			return true;
	}
	return false;
}

static bool node_boosted(struct pglist_data *pg, int highest)
{
	for (int t = 0; t <= highest && t < MAX_NR_ZONES; t++)
		if (READ_ONCE_UL(pg->node_zones[t].watermark_boost))
			return true;
	return false;
}

static void wakeup_kswapd(struct af_machine *m, int cpu, struct zone *z, af_gfp_t gfp,
			  unsigned int order, int highest_zoneidx)
{
	struct pglist_data *pg = z->pgdat;
	bool wake = false;

	if (!z->managed_pages)
		return;
	if (m->threaded)
		pthread_mutex_lock(&m->global_lock);
	if (pg->kswapd_highest_zoneidx == MAX_NR_ZONES || pg->kswapd_highest_zoneidx < highest_zoneidx)
		pg->kswapd_highest_zoneidx = highest_zoneidx;
	if (pg->kswapd_order < (int)order)
		pg->kswapd_order = (int)order;
	if (__atomic_load_n(&pg->kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES ||
	    (node_balanced(pg, order, highest_zoneidx) && !node_boosted(pg, highest_zoneidx))) {
		if (!(gfp & AF___GFP_DIRECT_RECLAIM))
			wakeup_kcompactd(m, cpu, pg, (int)order, highest_zoneidx);
	} else {
		__atomic_store_n(&pg->kswapd_woken, true, __ATOMIC_RELAXED);
		pg->kswapd_wakeups++;
		wake = true;
		daemons_kick(m);
		if (trace_on(m))
			trace_mm_vmscan_wakeup_kswapd(m, cpu, pg->node_id, (int)z->type, (int)order, gfp);
	}
	if (m->threaded)
		pthread_mutex_unlock(&m->global_lock);
	if (wake && m->slow_ops && m->slow_ops->wake_kswapd)
		m->slow_ops->wake_kswapd(m, pg->node_id, order, highest_zoneidx, m->slow_arg);
}

static void wake_all_kswapds(struct af_machine *m, int cpu, unsigned int order, af_gfp_t gfp,
			     const struct alloc_context *ac)
{
	bool seen[AF_MAX_NODES] = { false };

	for (int i = 0; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];

		if ((int)z->type > ac->highest_zoneidx || seen[z->nid])
			continue;
		seen[z->nid] = true;
		wakeup_kswapd(m, cpu, z, gfp, order, ac->highest_zoneidx);
	}
}

/*
 * should_reclaim_retry(): retry while reclaim makes progress (progress at
 * costly orders does not count), at most MAX_RECLAIM_RETRIES loops without;
 * past that limit, release highatomic reserves instead.  Retry only if
 * reclaimable + free pages could meet the min watermark in some zone
 * (zone_reclaimable_pages() counts a zone's free pages when it has nothing
 * on its file LRU, so a zone with a free block of the order keeps a costly
 * allocation looping until MAX_RECLAIM_RETRIES, as 6.1 does).
 */
static bool should_reclaim_retry(struct af_machine *m, unsigned int order,
				 const struct alloc_context *ac, unsigned int alloc_flags,
				 bool progress, int *no_progress_loops)
{
	if (progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return unreserve_highatomic_pageblock(m, ac, true);
	for (int i = 0; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];
		long available;

		if ((int)z->type > ac->highest_zoneidx)
			continue;
		available = (long)zone_reclaimable_pages(z) + zone_page_state(z, NR_FREE_PAGES);
		if (zone_watermark_ok_raw(z, order, min_wmark_pages(z), ac->highest_zoneidx,
					  alloc_flags, available))
			return true;
	}
	/* before giving up, exhaust the highatomic reserves */
	return unreserve_highatomic_pageblock(m, ac, true);
}

/* Why did it fail: no memory at all, or no block of the order? */
static enum af_fail_reason classify_failure(const struct alloc_context *ac, unsigned int order)
{
	for (int i = 0; i < ac->zonelist->nr; i++) {
		struct zone *z = ac->zonelist->zones[i];

		if ((int)z->type > ac->highest_zoneidx)
			continue;
		if (order && zone_watermark_ok(z, 0, min_wmark_pages(z), ac->highest_zoneidx,
					       ALLOC_WMARK_MIN))
			return AF_FAIL_FRAGMENTED;
	}
	return AF_FAIL_WATERMARK;
}

/*
 * __alloc_pages_direct_compact(): compaction through the zonelist at a
 * priority (or the caller's hook); a block captured by compaction is used
 * directly, else one allocation attempt follows.  Difference from 6.1: that
 * attempt drops ALLOC_NO_WATERMARKS, where 6.1 passes the caller's flags
 * unchanged.
 */
static long direct_compact(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order,
			   unsigned int alloc_flags, const struct alloc_context *ac, int prio,
			   enum compact_result *result, struct zone **zout)
{
	long pfn;

	*result = COMPACT_SKIPPED;
	if (!order)
		return -1;
	if (m->slow_ops && m->slow_ops->direct_compact) {
		if (!m->slow_ops->direct_compact(m, gfp, order, prio, m->slow_arg))
			return -1;
		*result = COMPACT_CONTINUE;
	} else {
		long captured;
		struct zone *cz = NULL;
		*result = try_to_compact_pages(m, cpu, gfp, order, alloc_flags, ac,
					       (enum compact_priority)prio, &captured, &cz);
		if (*result == COMPACT_SKIPPED)
			return -1;
		if (captured >= 0) {
			/* the page freed by compaction itself: prep it, no rmqueue */
			__atomic_fetch_add(&m->events[COMPACTSTALL], 1, __ATOMIC_RELAXED);
			prep_new_page(m, (unsigned long)captured, order, gfp);
			*zout = cz;
			pfn = captured;
			goto got;
		}
	}
	__atomic_fetch_add(&m->events[COMPACTSTALL], 1, __ATOMIC_RELAXED);
	pfn = get_page_from_freelist(m, cpu, gfp, order, alloc_flags & ~(unsigned)ALLOC_NO_WATERMARKS,
				     ac, zout);
got:
	if (pfn >= 0) {
		lock_compact(*zout);
		(*zout)->compact_blockskip_flush = false;
		compaction_defer_reset(*zout, (int)order, true);
		unlock_compact(*zout);
		__atomic_fetch_add(&m->events[COMPACTSUCCESS], 1, __ATOMIC_RELAXED);
		return pfn;
	}
	__atomic_fetch_add(&m->events[COMPACTFAIL], 1, __ATOMIC_RELAXED);
	return -1;
}

/* __alloc_pages_direct_reclaim(): try_to_free_pages (or the hook), retry, drain */
static long direct_reclaim(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order,
			   unsigned int alloc_flags, const struct alloc_context *ac,
			   unsigned long *progress, struct zone **zout)
{
	bool drained = false;
	long pfn;

	if (m->slow_ops && m->slow_ops->direct_reclaim)
		*progress = m->slow_ops->direct_reclaim(m, gfp, order, m->slow_arg);
	else
		*progress = try_to_free_pages(m, cpu, ac);
	if (!*progress)
		return -1;
retry:
	pfn = get_page_from_freelist(m, cpu, gfp, order, alloc_flags, ac, zout);
	if (pfn < 0 && !drained) {
		unreserve_highatomic_pageblock(m, ac, false);
		af_drain_all(m);
		drained = true;
		goto retry;
	}
	return pfn;
}

/*
 * should_compact_retry(): retry while compaction makes progress (a quarter
 * of MAX_COMPACT_RETRIES for costly orders), after failures raise the
 * priority down to the minimum; skipped compaction retries only if order-0
 * reclaim could help.
 */
static bool should_compact_retry(struct af_machine *m, const struct alloc_context *ac,
				 unsigned int order, unsigned int alloc_flags,
				 enum compact_result result, int *prio, int *retries)
{
	int max_retries = MAX_COMPACT_RETRIES, min_priority;

	if (!order)
		return false;
	if (result == COMPACT_SUCCESS)
		(*retries)++;
	if (result == COMPACT_COMPLETE)
		goto check_priority;
	if (result == COMPACT_SKIPPED)
		return compaction_zonelist_suitable(m, ac, (int)order, alloc_flags);
	if (result == COMPACT_DEFERRED || result == COMPACT_CONTENDED ||
	    result == COMPACT_PARTIAL_SKIPPED)
		goto check_priority;
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		max_retries /= 4;
	if (*retries <= max_retries)
		return true;
check_priority:
	min_priority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
	if (*prio > min_priority) {
		(*prio)--;
		*retries = 0;
		return true;
	}
	return false;
}

/*
 * __alloc_pages_slowpath(): wake kswapd, retry at the min watermark, then
 * direct compaction and direct reclaim (built in, or the caller's hooks),
 * with the 6.1 rules for __GFP_NORETRY, __GFP_RETRY_MAYFAIL and costly
 * orders.
 * Simplifications: no OOM killer (it would count as no progress), and
 * __GFP_NOFAIL gives up after one extra try with ALLOC_MIN_RESERVE instead
 * of looping forever; both end in a clean failure with a reason.
 */
static long alloc_pages_slowpath(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order,
				 struct alloc_context *ac, struct af_alloc_result *res,
				 struct zone **zout)
{
	bool can_direct_reclaim = gfp & AF___GFP_DIRECT_RECLAIM;
	bool can_compact = (gfp & (AF___GFP_IO | AF___GFP_FS)) != 0; /* gfp_compaction_allowed */
	bool costly = order > PAGE_ALLOC_COSTLY_ORDER;
	unsigned int alloc_flags;
	unsigned long progress = 0;
	enum compact_result compact_result = COMPACT_SKIPPED;
	int compaction_retries = 0;
	int no_progress_loops = 0;
	int prio = DEF_COMPACT_PRIORITY;
	long pfn;

	res->slowpath = true;
	alloc_flags = gfp_to_alloc_flags(m, gfp, order);
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, cpu, order, gfp, ac);
	pfn = get_page_from_freelist(m, cpu, gfp, order, alloc_flags, ac, zout);
	if (pfn >= 0)
		return pfn;

	if (can_direct_reclaim && can_compact &&
	    (costly || (order > 0 && ac->migratetype != MIGRATE_MOVABLE)) &&
	    !(gfp & AF___GFP_MEMALLOC)) {
		pfn = direct_compact(m, cpu, gfp, order, alloc_flags, ac, INIT_COMPACT_PRIORITY,
				     &compact_result, zout);
		if (pfn >= 0)
			return pfn;
		if (costly && (gfp & AF___GFP_NORETRY)) {
			if (compact_result == COMPACT_SKIPPED || compact_result == COMPACT_DEFERRED ||
			    (gfp & AF___GFP_THISNODE)) {
				res->reason = AF_FAIL_NORETRY;
				goto nopage;
			}
			prio = INIT_COMPACT_PRIORITY;
		}
	}

retry:
	res->retries++;
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, cpu, order, gfp, ac);
	if ((gfp & AF___GFP_MEMALLOC) && !(gfp & AF___GFP_NOMEMALLOC))
		alloc_flags = gfp_to_alloc_flags_cma(m, gfp, ALLOC_NO_WATERMARKS) |
			      (alloc_flags & ALLOC_KSWAPD);
	pfn = get_page_from_freelist(m, cpu, gfp, order, alloc_flags, ac, zout);
	if (pfn >= 0)
		return pfn;
	if (!can_direct_reclaim) {
		res->reason = AF_FAIL_NOWAIT;
		goto nopage;
	}
	pfn = direct_reclaim(m, cpu, gfp, order, alloc_flags, ac, &progress, zout);
	if (pfn >= 0)
		return pfn;
	pfn = direct_compact(m, cpu, gfp, order, alloc_flags, ac, prio, &compact_result, zout);
	if (pfn >= 0)
		return pfn;
	if (gfp & AF___GFP_NORETRY) {
		res->reason = AF_FAIL_NORETRY;
		goto nopage;
	}
	if (costly && (!can_compact || !(gfp & AF___GFP_RETRY_MAYFAIL))) {
		res->reason = AF_FAIL_NORETRY;
		goto nopage;
	}
	if (should_reclaim_retry(m, order, ac, alloc_flags, progress > 0, &no_progress_loops))
		goto retry;
	if (progress > 0 && can_compact &&
	    should_compact_retry(m, ac, order, alloc_flags, compact_result, &prio, &compaction_retries))
		goto retry;
	res->reason = classify_failure(ac, order);
nopage:
	if (gfp & AF___GFP_NOFAIL) {
		pfn = get_page_from_freelist(m, cpu, gfp, order, ALLOC_MIN_RESERVE, ac, zout);
		if (pfn >= 0)
			return pfn;
	}
	return -1;
}

const char *af_fail_reason_name(enum af_fail_reason r)
{
	switch (r) {
	case AF_ALLOC_OK: return "ok";
	case AF_FAIL_INVALID: return "invalid request";
	case AF_FAIL_NO_ZONE: return "no zone allowed by the GFP mask has memory";
	case AF_FAIL_WATERMARK: return "all allowed zones below their watermarks";
	case AF_FAIL_FRAGMENTED: return "free memory too fragmented for this order";
	case AF_FAIL_NORETRY: return "gave up without retrying (__GFP_NORETRY or costly order)";
	case AF_FAIL_NOWAIT: return "below watermarks and not allowed to reclaim";
	}
	return "unknown";
}

/*
 * Which argument of af_alloc_pages() is wrong, with its message (the
 * allocation path tests them all at once).
 */
static __attribute__((noinline, cold)) int alloc_args_error(struct af_machine *m, int cpu,
							    af_gfp_t gfp, unsigned int order,
							    int nid)
{
	if (!m)
		return af_err(-EINVAL, "no machine");
	if (order >= MAX_ORDER)
		return af_err(-EINVAL, "order %u is out of range (0..%d)", order, MAX_ORDER - 1);
	if (cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "cpu %d does not exist (0..%d)", cpu, m->nr_cpus - 1);
	if (nid < -1 || nid >= m->nr_nodes)
		return af_err(-EINVAL, "node %d does not exist (0..%d)", nid, m->nr_nodes - 1);
	return check_gfp(gfp, order);
}

int af_alloc_pages(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order, int nid,
		   struct af_alloc_result *res)
{
	struct af_alloc_result dummy;
	struct alloc_context ac;
	unsigned int alloc_flags;
	struct zone *z = NULL;
	long pfn;
	int i;

	if (!res)
		res = &dummy;
	*res = (struct af_alloc_result){ .reason = AF_FAIL_INVALID };
	/* __alloc_pages()'s order check and gfp_zone()'s, the caller's CPU and node */
	if (!m || order >= MAX_ORDER || (unsigned)cpu >= (unsigned)m->nr_cpus ||
	    nid < -1 || nid >= m->nr_nodes || gfp_refused(gfp, order))
		return alloc_args_error(m, cpu, gfp, order, nid);
	if (nid < 0)
		nid = m->cpu_to_node[cpu];

	/* prepare_alloc_pages(): the mask decoded once, the preferred zoneref found once */
	ac.highest_zoneidx = gfp_zone_table[gfp & GFP_ZONEMASK];
	ac.zonelist = (gfp & AF___GFP_THISNODE) ? &m->node[nid]->zonelist_nofallback
						 : &m->node[nid]->zonelist_fallback;
	ac.migratetype = m->page_group_by_mobility_disabled
				 ? MIGRATE_UNMOVABLE
				 : (int)((gfp & GFP_MOVABLE_MASK) >> 3);
	ac.preferred_nid = nid;
	ac.preferred_zone = NULL;
	ac.spread_dirty_pages = false;
	for (i = 0; i < ac.zonelist->nr; i++)
		if ((int)ac.zonelist->zones[i]->type <= ac.highest_zoneidx) {
			ac.preferred_zone = ac.zonelist->zones[i];
			break;
		}
	ac.preferred_idx = i;
	if (!ac.preferred_zone) {
		res->reason = AF_FAIL_NO_ZONE;
		if (trace_on(m))
			trace_mm_page_alloc(m, cpu, -1, order, gfp, ac.migratetype);
		return af_err(-ENOMEM, "order-%u allocation failed: %s", order,
			      af_fail_reason_name(res->reason));
	}

	alloc_flags = ALLOC_WMARK_LOW;
	alloc_flags |= alloc_flags_nofragment(m, ac.preferred_zone, gfp);
	if (m->cfg.cma_enabled && ac.migratetype == MIGRATE_MOVABLE)	/* gfp_to_alloc_flags_cma() */
		alloc_flags |= ALLOC_CMA;

	pfn = get_page_from_freelist_inline(m, cpu, gfp, order, alloc_flags, &ac, &z);
	if (pfn < 0)
		pfn = alloc_pages_slowpath(m, cpu, gfp, order, &ac, res, &z);
	if (trace_on(m))
		trace_mm_page_alloc(m, cpu, pfn, order, gfp, ac.migratetype);
	if (pfn < 0) {
		__atomic_fetch_add(&m->alloc_fail[order], 1, __ATOMIC_RELAXED);
		if (res->reason == AF_FAIL_INVALID)
			res->reason = classify_failure(&ac, order);
		return af_err(-ENOMEM, "order-%u allocation failed: %s", order,
			      af_fail_reason_name(res->reason));
	}
	/* page_owner's gfp: the mobility bits as given */
	m->pages[pfn].alloc_mt = (uint8_t)((gfp & GFP_MOVABLE_MASK) >> 3);
	if (m->pol.allocated)
		m->pol.allocated(m, cpu, (unsigned long)pfn, order, ac.migratetype);
	res->pfn = (uint64_t)pfn;
	res->reason = AF_ALLOC_OK;
	res->zone = (int)z->type;
	res->nid = z->nid;
	return 0;
}

/*
 * Why af_free_pages() refuses a free, with its message, in the order the
 * checks are documented (the free path tests them all at once).
 */
static __attribute__((noinline, cold)) int free_args_error(struct af_machine *m, int cpu,
							   uint64_t pfn64, unsigned int order)
{
	unsigned long pfn = (unsigned long)pfn64;
	struct page *p;

	if (!m)
		return af_err(-EINVAL, "no machine");
	if (cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "cpu %d does not exist (0..%d)", cpu, m->nr_cpus - 1);
	if (order >= MAX_ORDER)
		return af_err(-EINVAL, "order %u is out of range (0..%d)", order, MAX_ORDER - 1);
	if (pfn64 >= m->max_pfn || !pfn_zone(m, pfn))
		return af_err(-EINVAL, "pfn 0x%llx is not in any zone", (unsigned long long)pfn64);
	p = &m->pages[pfn];
	if (pflags(p) & (PG_hole | PG_reserved))
		return af_err(-EINVAL, "pfn 0x%lx is %s, not allocated", pfn,
			      (pflags(p) & PG_hole) ? "a hole" : "reserved");
	if (pflags(p) & (PG_buddy | PG_pcp))
		return af_err(-EINVAL, "double free of pfn 0x%lx (already free)", pfn);
	if (pflags(p) & PG_orphan)
		return af_err(-EBUSY, "pfn 0x%lx is held only by pins (its driver let it go); "
			      "the last af_page_unpin frees it", pfn);
	if (pflags(p) & PG_kernel)
		return af_err(-EBUSY, "pfn 0x%lx is the kernel's own memory (allocated at boot)", pfn);
	if (!(pflags(p) & PG_alloc))
		return af_err(-EINVAL, "pfn 0x%lx is not the first page of an allocated block", pfn);
	if (porder(p) != order)
		return af_err(-EINVAL, "pfn 0x%lx was allocated with order %u, freed with order %u",
			      pfn, porder(p), order);
	if (p->refcount <= 0)
		return af_err(-EINVAL, "pfn 0x%lx has refcount %d", pfn, p->refcount);
	if (p->owner)
		return af_err(-EBUSY, "pfn 0x%lx belongs to an owner (process, file, slab, driver "
			      "or hugetlb); release it through its owner", pfn);
	return af_err(-EBUSY, "pfn 0x%lx was allocated by cma_alloc; release it with "
		      "af_cma_release", pfn);
}

/* The rarer part of freeing (out of line, off the order-0 path): a
 * compound page's head, tails and pageblock marks, a held page's timed
 * holds */
static __attribute__((noinline, cold)) void free_pages_compound_held(struct af_machine *m, unsigned long pfn,
							      unsigned int order, uint32_t f)
{
	pflags_clear(m, &m->pages[pfn], PG_head);
	if (f & PG_head) {
		for (unsigned long i = 1; i < (1UL << order); i++)
			pflags_clear(m, &m->pages[pfn + i], PG_tail);
		if (order >= PAGEBLOCK_ORDER)
			set_pb_huge(m, pfn, order, false);
	}
	/* freed locked or under writeback (af_page_lock's holder let the
	 * owner go first): the world's timed holds end with it */
	if ((f & (PG_locked | PG_writeback)) && m->wops)
		m->wops->freed_held(m, pfn);
}

/*
 * free_pages_prepare() + free_unref_page() / free_one_page(): the last
 * reference to an allocated block is gone.
 */
static inline __attribute__((always_inline)) void
free_pages_final_inline(struct af_machine *m, struct zone *z, int cpu, unsigned long pfn,
			unsigned int order)
{
	struct page *p = &m->pages[pfn];
	uint32_t f;

	if (m->pol.freed)
		m->pol.freed(m, cpu, pfn, order);
	if (trace_on(m))
		trace_mm_page_free(m, cpu, pfn, order);
	f = pflags(p);
	if (f & (PG_head | PG_locked | PG_writeback))
		free_pages_compound_held(m, pfn, order, f);
	/* no PG_lru or PG_movable_ops to clear: a page reaches here off its
	 * LRU and no longer movable (__ClearPageMovable), as 6.1's
	 * free_pages_prepare() insists (a bad page otherwise); af_check
	 * reports a free page that has either */
	pflags_clear(m, p, PG_alloc | PG_locked | PG_orphan);
	p->mapcount = 0;
	p->owner = 0;
	p->index = 0;

	if (pcp_allowed_order(order)) {
		free_unref_page(z, cpu, pfn, order);
	} else {
		int mt = get_pageblock_migratetype(m, pfn);

		cpu_counter_add(m, &z->pcp[cpu].events[PGFREE], 1UL << order);
		lock_zone(z);
		/* free_one_page(): the block may have been isolated (or the
		 * isolation undone) since mt was read; the zone lock orders it
		 * against set_migratetype_isolate's move of the free pages */
		if (z->nr_isolate_pageblock || mt == MIGRATE_ISOLATE)
			mt = get_pageblock_migratetype(m, pfn);
		free_one_page_locked(z, pfn, order, mt, false);
		unlock_zone(z);
	}
}

/*
 * __free_pages(): drop the reference; at zero, pcp-eligible orders go to
 * this CPU's pcp list (free_unref_page), others straight to the buddy lists
 * (__free_pages_ok).  Misuse is refused before any state changes: a pfn
 * outside every zone, a hole or reserved page, a free block, a page that
 * does not start an allocated block, a wrong order, a zero reference count,
 * a page with an owner, a page cma_alloc handed out, the boot's kernel pages.
 */
int af_free_pages(struct af_machine *m, int cpu, uint64_t pfn64, unsigned int order)
{
	const uint32_t state = PG_hole | PG_reserved | PG_buddy | PG_pcp | PG_alloc | PG_orphan |
			       PG_kernel;
	unsigned long pfn = (unsigned long)pfn64;
	struct zone *z;
	struct page *p;

	if (!m || (unsigned)cpu >= (unsigned)m->nr_cpus || order >= MAX_ORDER ||
	    pfn64 >= m->max_pfn || !(z = pfn_zone(m, pfn)))
		return free_args_error(m, cpu, pfn64, order);
	p = &m->pages[pfn];
	if ((pflags(p) & state) != PG_alloc || porder(p) != order || p->refcount <= 0 || p->owner ||
	    cma_page_allocated(m, pfn))
		return free_args_error(m, cpu, pfn64, order);
	if (--p->refcount > 0)
		return 0;
	free_pages_final_inline(m, z, cpu, pfn, order);
	return 0;
}

/*
 * split_page(), and for a compound block what split_huge_page() does to
 * its head and tails: a block af_alloc_pages returned becomes 2^order
 * order-0 allocations, each freed on its own.  Every page keeps the
 * request's migratetype (split_page_owner).  A policy's allocated/freed
 * hooks saw one block and now see its pages freed one by one.
 */
int af_split_page(struct af_machine *m, uint64_t pfn64, unsigned int order)
{
	const uint32_t state = PG_hole | PG_reserved | PG_buddy | PG_pcp | PG_alloc | PG_orphan |
			       PG_kernel | PG_tail;
	unsigned long pfn = (unsigned long)pfn64;
	struct page *p;

	if (!m || order >= MAX_ORDER || pfn64 >= m->max_pfn || !pfn_zone(m, pfn))
		return af_err(-EINVAL, "af_split_page: pfn 0x%llx order %u is not a block in a zone",
			      (unsigned long long)pfn64, order);
	p = &m->pages[pfn];
	if ((pflags(p) & state) != PG_alloc || porder(p) != order)
		return af_err(-EINVAL, "af_split_page: pfn 0x%lx is not the first page of a block "
			      "allocated with order %u", pfn, order);
	if (p->owner || cma_page_allocated(m, pfn) || p->refcount != 1)
		return af_err(-EBUSY, "af_split_page: pfn 0x%lx is %s", pfn,
			      p->owner ? "an owner's page" : p->refcount != 1 ? "referenced more than once" :
			      "of af_cma_alloc");
	for (unsigned long i = 1; i < (1UL << order); i++) {
		struct page *t = &m->pages[pfn + i];

		pflags_set(m, t, (pflags(t) & ~PG_tail) | PG_alloc);
		pset_order(t, 0);
		__atomic_store_n(&t->refcount, 1, __ATOMIC_RELAXED);
		t->mapcount = 0;
		t->owner = 0;
		t->alloc_mt = p->alloc_mt;
	}
	if ((pflags_fetch_and(m, p, ~PG_head) & PG_head) && order >= PAGEBLOCK_ORDER)
		set_pb_huge(m, pfn, order, false);
	pset_order(p, 0);
	return 0;
}

/* Internal callers that already know the block is theirs (migration's old page) */
void free_pages_final(struct af_machine *m, struct zone *z, int cpu, unsigned long pfn,
		      unsigned int order)
{
	free_pages_final_inline(m, z, cpu, pfn, order);
}

/* drain_local_pages(): this CPU's pcp lists of every zone */
int af_drain_cpu(struct af_machine *m, int cpu)
{
	if (!m || cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "cpu %d does not exist", cpu);
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (m->node[n]->node_zones[t].managed_pages)
				drain_pages_zone(&m->node[n]->node_zones[t], cpu);
	return 0;
}

/* drain_all_pages(NULL) */
void af_drain_all(struct af_machine *m)
{
	if (!m)
		return;
	for (int cpu = 0; cpu < m->nr_cpus; cpu++)
		af_drain_cpu(m, cpu);
}

void af_set_slowpath_ops(struct af_machine *m, const struct af_slowpath_ops *ops, void *arg)
{
	if (!m)
		return;
	if (ops)
		m->slow_ops_copy = *ops;
	m->slow_ops = ops ? &m->slow_ops_copy : NULL;
	m->slow_arg = arg;
}
