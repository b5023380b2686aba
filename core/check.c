/*
 * check.c - af_check(): recount the whole allocator state from scratch and
 * compare it with the lists and counters (the kernel has no such single
 * checker; it corresponds to CONFIG_DEBUG_VM's checks made exhaustive).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"

struct checker {
	char *report;
	size_t len;
	int violations;
};

static void bad(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	if (c->violations++ == 0 && c->report && c->len) {
		va_start(ap, fmt);
		vsnprintf(c->report, c->len, fmt, ap);
		va_end(ap);
	}
}

/* owner map values */
enum { HIT_NONE, HIT_BUDDY, HIT_PCP, HIT_ALLOC, HIT_RESERVED };

static int check_zone(struct af_machine *m, struct zone *z, uint8_t *own, struct checker *c)
{
	unsigned long base = z->zone_start_pfn, end = zone_end_pfn(z);
	unsigned long present = 0, reserved = 0;
	long free_pages = 0, free_cma = 0, pcp_pages = 0;

	/* free lists */
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long nr = 0;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct list_pfn *l = &z->free_area[o].free_list[mt];
			uint32_t prev = PFN_NIL;
			unsigned long steps = 0;

			for (uint32_t p = l->first; p != PFN_NIL; p = m->pages[p].next) {
				struct page *pg;
				if (++steps > m->max_pfn) {
					bad(c, "zone %s order %u %s list has a cycle", z->name, o,
					    migratetype_names[mt]);
					return -1;
				}
				if (p < base || p >= end) {
					bad(c, "zone %s: free block pfn 0x%x outside the zone", z->name, p);
					return -1;
				}
				pg = &m->pages[p];
				if (pg->prev != prev)
					bad(c, "pfn 0x%x: broken back link on %s order %u list", p,
					    migratetype_names[mt], o);
				if (!(pflags(pg) & PG_buddy) || pg->order != o || pg->pcp_mt != mt)
					bad(c, "pfn 0x%x on the order-%u %s list is not marked as such (flags 0x%x order %u mt %u)",
					    p, o, migratetype_names[mt], pg->flags, pg->order, pg->pcp_mt);
				if (p & ((1u << o) - 1))
					bad(c, "free block pfn 0x%x misaligned for order %u", p, o);
				if ((unsigned long)p + (1UL << o) > end)
					bad(c, "free block pfn 0x%x order %u runs past the zone end", p, o);
				for (unsigned long i = p; i < p + (1UL << o) && i < end; i++) {
					if (own[i - base] != HIT_NONE) {
						bad(c, "pfn 0x%lx is in two places (free block 0x%x order %u overlaps)",
						    i, p, o);
						return -1;
					}
					own[i - base] = HIT_BUDDY;
					if (pflags(&m->pages[i]) & (PG_lru | PG_movable_ops))
						bad(c, "free pfn 0x%lx is marked PG_lru or PG_movable_ops", i);
					if (i != p && (pflags(&m->pages[i]) & (PG_buddy | PG_alloc | PG_reserved | PG_pcp)))
						bad(c, "pfn 0x%lx inside free block 0x%x has flags 0x%x", i, p,
						    m->pages[i].flags);
				}
				/* without grouping (nogroup, POLICY_MECH_NO_GROUPING) nothing is
				 * MOVABLE or RECLAIMABLE: one free list per order */
				if ((m->pol.mech & POLICY_MECH_NO_GROUPING) &&
				    (mt == MIGRATE_MOVABLE || mt == MIGRATE_RECLAIMABLE))
					bad(c, "pfn 0x%x: free on the %s list with grouping by mobility off",
					    p, migratetype_names[mt]);
				/* pageblock type vs list: ISOLATE and CMA lists must match */
				int pbmt = get_pageblock_migratetype(m, p);
				if ((mt == MIGRATE_ISOLATE) != (pbmt == MIGRATE_ISOLATE) ||
				    (mt == MIGRATE_CMA) != (pbmt == MIGRATE_CMA))
					bad(c, "free block 0x%x on the %s list but its pageblock is %s", p,
					    migratetype_names[mt], migratetype_names[pbmt]);
				/* above pageblock_order a CMA block merges with CMA only
				 * (__free_one_page's migratetype_is_mergeable) */
				for (unsigned long b = p + PAGEBLOCK_NR_PAGES; o > PAGEBLOCK_ORDER &&
				     b < p + (1UL << o) && b < end; b += PAGEBLOCK_NR_PAGES) {
					int bmt = get_pageblock_migratetype(m, b);
					if ((bmt == MIGRATE_CMA) != (pbmt == MIGRATE_CMA))
						bad(c, "free block 0x%x order %u spans a %s and a %s pageblock",
						    p, o, migratetype_names[pbmt], migratetype_names[bmt]);
				}
				if (mt != MIGRATE_ISOLATE)
					free_pages += 1L << o;
				if (mt == MIGRATE_CMA)
					free_cma += 1L << o;
				/* buddy merged? */
				if (o < MAX_ORDER - 1) {
					unsigned long b = p ^ (1UL << o);
					if (zone_spans_pfn(z, b) && (pflags(&m->pages[b]) & PG_buddy) &&
					    m->pages[b].order == o) {
						int bmt = get_pageblock_migratetype(m, b);
						bool blocked = o >= PAGEBLOCK_ORDER && pbmt != bmt &&
							(!migratetype_is_mergeable(pbmt) ||
							 !migratetype_is_mergeable(bmt));
						/*
						 * Above pageblock_order the merge was decided
						 * by the types when the later block was freed;
						 * a type change since (unreserving a highatomic
						 * block, undoing an isolation) does not merge
						 * them, in 6.1 either.  Only smaller orders must
						 * always be merged.
						 */
						if (o >= PAGEBLOCK_ORDER)
							blocked = true;
						if (!blocked && b > p)
							bad(c, "free blocks 0x%x and 0x%lx of order %u are unmerged buddies",
							    p, b, o);
					}
				}
				prev = p;
				nr++;
			}
			if (l->last != prev)
				bad(c, "zone %s order %u %s list tail is wrong", z->name, o, migratetype_names[mt]);
			if (!(z->free_area[o].nonempty & (1u << mt)) != (l->first == PFN_NIL))
				bad(c, "zone %s order %u: the %s list is %sempty but its nonempty bit is %s",
				    z->name, o, migratetype_names[mt], l->first == PFN_NIL ? "" : "not ",
				    l->first == PFN_NIL ? "set" : "clear");
		}
		if (nr != z->free_area[o].nr_free)
			bad(c, "zone %s order %u: nr_free %lu but %lu blocks on the lists", z->name, o,
			    z->free_area[o].nr_free, nr);
	}
	if (free_pages != zone_page_state(z, NR_FREE_PAGES))
		bad(c, "zone %s: NR_FREE_PAGES %ld but %ld free pages on the lists", z->name,
		    zone_page_state(z, NR_FREE_PAGES), free_pages);
	if (free_cma != zone_page_state(z, NR_FREE_CMA_PAGES))
		bad(c, "zone %s: NR_FREE_CMA_PAGES %ld but %ld on the lists", z->name,
		    zone_page_state(z, NR_FREE_CMA_PAGES), free_cma);

	/* pcp lists */
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];
		long count = 0;

		for (int i = 0; i < NR_PCP_LISTS; i++) {
			unsigned int o = pindex_to_order(i);
			unsigned long steps = 0;
			for (uint32_t p = pcp->lists[i].first; p != PFN_NIL; p = m->pages[p].next) {
				if (++steps > m->max_pfn || p < base || p >= end) {
					bad(c, "zone %s cpu %d pcp list %d is corrupt", z->name, cpu, i);
					return -1;
				}
				if (!(pflags(&m->pages[p]) & PG_pcp) || m->pages[p].order != o)
					bad(c, "pfn 0x%x on cpu %d pcp list %d not marked pcp order %u", p, cpu, i, o);
				for (unsigned long j = p; j < p + (1UL << o) && j < end; j++) {
					if (own[j - base] != HIT_NONE) {
						bad(c, "pfn 0x%lx is both on a pcp list and elsewhere", j);
						return -1;
					}
					own[j - base] = HIT_PCP;
					if (pflags(&m->pages[j]) & (PG_lru | PG_movable_ops))
						bad(c, "pfn 0x%lx on a pcp list is marked PG_lru or PG_movable_ops", j);
				}
				count += 1L << o;
			}
		}
		if (count != pcp->count)
			bad(c, "zone %s cpu %d: pcp count %d but %ld pages on its lists", z->name, cpu,
			    pcp->count, count);
		pcp_pages += count;
	}

	/*
	 * allocated blocks, reserved pages and holes; nothing may be
	 * unaccounted.  Holes are neither present nor managed.
	 */
	uint16_t zid = (uint16_t)(z->nid << PB_ZID_SHIFT | z->type);
	for (unsigned long pfn = base; pfn < end; pfn++) {
		struct page *p = &m->pages[pfn];
		uint32_t f;

		/* a pageblock wholly in the zone needs no lookup per pfn */
		if (m->pageblocks[pfn >> PAGEBLOCK_ORDER].zid != zid && pfn_zone(m, pfn) != z)
			continue;
		f = pflags(p);
		if (!(f & PG_hole)) {
			present++;
			reserved += (f & PG_reserved) != 0;
		}
		if (own[pfn - base] != HIT_NONE)
			continue;
		if (f & PG_reserved) {
			own[pfn - base] = HIT_RESERVED;
			continue;
		}
		if (pflags(p) & PG_alloc) {
			unsigned long n = 1UL << p->order;
			if (pfn & (n - 1))
				bad(c, "allocated block 0x%lx misaligned for order %u", pfn, p->order);
			if (p->refcount <= 0)
				bad(c, "allocated block 0x%lx has refcount %d", pfn, p->refcount);
			for (unsigned long i = pfn; i < pfn + n && i < end; i++) {
				if (own[i - base] != HIT_NONE) {
					bad(c, "pfn 0x%lx is both allocated (block 0x%lx) and free", i, pfn);
					return -1;
				}
				own[i - base] = HIT_ALLOC;
			}
			continue;
		}
		bad(c, "pfn 0x%lx in zone %s is neither free, allocated nor reserved (flags 0x%x)",
		    pfn, z->name, p->flags);
	}
	if (present != z->present_pages)
		bad(c, "zone %s: present_pages %lu but %lu pfns of its span are present", z->name,
		    z->present_pages, present);
	else if (present - reserved != z->managed_pages)
		bad(c, "zone %s: managed_pages %lu but %lu present pages are not reserved", z->name,
		    z->managed_pages, present - reserved);
	(void)pcp_pages;
	return 0;
}

/*
 * Each pageblock is online (pfn_online) exactly when one of its pfns is
 * present memory in a zone: a block wholly in a hole or offlined is not.
 */
static void check_online_blocks(struct af_machine *m, struct checker *c)
{
	for (size_t b = 0; b < m->nr_pageblocks; b++) {
		unsigned long start = (unsigned long)b << PAGEBLOCK_ORDER;
		bool present = false;

		for (unsigned long pfn = start; !pageblock_outside_zones(m, start) &&
						pfn < start + PAGEBLOCK_NR_PAGES && !present; pfn++)
			present = pfn_zone(m, pfn) && !(pflags(&m->pages[pfn]) & PG_hole);
		if (present != pfn_online(m, start)) {
			bad(c, "pageblock 0x%lx is %s but %s present pages", start,
			    present ? "offline" : "online", present ? "has" : "has no");
			return;
		}
	}
}

/* Every page the CMA bitmap says cma_alloc holds is an allocated order-0 page
 * of no owner (what alloc_contig_range gave), not free */
static void check_cma(struct af_machine *m, struct checker *c)
{
	for (unsigned long i = 0; i < m->cma_count; i++) {
		unsigned long pfn = m->cma_base + i;
		const struct page *p = &m->pages[pfn];
		uint32_t f = pflags(p);

		if (!m->cma_bitmap[i])
			continue;
		if (f & (PG_buddy | PG_pcp))
			bad(c, "CMA pfn 0x%lx is held by cma_alloc but free", pfn);
		else if (!(f & PG_alloc) || p->order || p->owner || (f & PG_tail))
			bad(c, "CMA pfn 0x%lx is held by cma_alloc but is %s", pfn,
			    p->owner ? "owned" : "not an order-0 allocation");
	}
}

/*
 * The mirrors compaction's scanners read instead of the memmap
 * (page_mirror, set_pb_huge) say what the pages say: each page's PG_buddy,
 * PG_head, PG_lru, PG_movable_ops, PG_writeback and the order of a free or
 * compound head;
 * PG_lru and PG_buddy of every 8th page in its pageblock's words; which
 * blocks an allocated compound page of pageblock order or more covers.
 */
static void check_mirrors(struct af_machine *m, struct checker *c)
{
	uint8_t *huge = calloc(m->nr_pageblocks, 1);

	if (!huge) {
		bad(c, "out of memory while checking");
		return;
	}
	for (size_t b = 0; b < m->nr_pageblocks; b++) {
		unsigned long start = (unsigned long)b << PAGEBLOCK_ORDER;
		const struct page *h = &m->pages[start];
		uint64_t lru = 0, buddy = 0;

		if ((pflags(h) & (PG_head | PG_alloc)) == (PG_head | PG_alloc) && porder(h) >= PAGEBLOCK_ORDER)
			for (size_t i = b; i < m->nr_pageblocks && i < b + (1UL << (porder(h) - PAGEBLOCK_ORDER)); i++)
				huge[i] = 1;
		for (unsigned long pfn = start; pfn < start + PAGEBLOCK_NR_PAGES; pfn++) {
			uint32_t f = pflags(&m->pages[pfn]);
			uint8_t want = ps_bits(f);

			if (((f & PG_head) && !(f & PG_alloc)) || ((f & PG_tail) && (f & PG_lru))) {
				bad(c, "pfn 0x%lx is a compound %s (flags 0x%x)", pfn,
				    (f & PG_tail) ? "tail on an LRU list" : "head but not allocated", f);
				goto out;
			}
			if (ps_flags(m, pfn) != want ||
			    ((f & (PG_buddy | PG_head)) && ps_order(m, pfn) != porder(&m->pages[pfn]))) {
				bad(c, "pfn 0x%lx: flags 0x%x order %u but the scanners' mirror says 0x%x order %u",
				    pfn, f, porder(&m->pages[pfn]), ps_flags(m, pfn), ps_order(m, pfn));
				goto out;
			}
		}
		for (unsigned int k = 0; k < PAGEBLOCK_NR_PAGES >> SAMPLE_ORDER; k++) {
			uint32_t f = pflags(&m->pages[start + ((unsigned long)k << SAMPLE_ORDER)]);
			lru |= (uint64_t)!!(f & PG_lru) << k;
			buddy |= (uint64_t)!!(f & PG_buddy) << k;
		}
		if (lru != m->pb_lru[b] || buddy != m->pb_buddy[b]) {
			bad(c, "pageblock 0x%lx: sampled PG_lru %#llx PG_buddy %#llx but the block's words say "
			    "%#llx %#llx", start, (unsigned long long)lru, (unsigned long long)buddy,
			    (unsigned long long)m->pb_lru[b], (unsigned long long)m->pb_buddy[b]);
			goto out;
		}
	}
	for (size_t b = 0; b < m->nr_pageblocks; b++)
		if (huge[b] != m->pb_huge[b]) {
			bad(c, "pageblock 0x%lx is %scovered by an allocated compound page of pageblock order "
			    "but marked otherwise", (unsigned long)b << PAGEBLOCK_ORDER, huge[b] ? "" : "not ");
			break;
		}
out:
	free(huge);
}

int af_check(struct af_machine *m, char *report, size_t len)
{
	struct checker c = { report, len, 0 };

	if (report && len)
		report[0] = '\0';
	if (!m)
		return af_err(-EINVAL, "no machine");
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			uint8_t *own;

			if (!z->spanned_pages)
				continue;
			own = calloc(z->spanned_pages, 1);
			if (!own) {
				bad(&c, "out of memory while checking");
				return c.violations;
			}
			lock_zone(z);
			check_zone(m, z, own, &c);
			unlock_zone(z);
			free(own);
			if (z->nr_reserved_highatomic % PAGEBLOCK_NR_PAGES)
				bad(&c, "zone %s: nr_reserved_highatomic %lu not whole pageblocks", z->name,
				    z->nr_reserved_highatomic);
		}
	check_online_blocks(m, &c);
	check_mirrors(m, &c);
	check_cma(m, &c);
	if (!c.violations && m->wops) {
		char *rep = report && len ? report : NULL;
		c.violations += m->wops->integrity_check(m, rep, rep ? len : 0);
	}
	return c.violations;
}
