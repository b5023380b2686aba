/*
 * pageblock.c - per-pageblock bits (mm/page_alloc.c get/set_pfnblock_flags_mask)
 * and pfn -> zone lookup.
 */
#include "internal.h"

/*
 * The bits are written under the zone lock but read without it (as the
 * kernel's get_pfnblock_flags_mask does), hence relaxed atomics.
 */
static inline uint8_t pb_bits(const struct pageblock *pb)
{
	return __atomic_load_n(&pb->bits, __ATOMIC_RELAXED);
}

static inline void pb_set_bits(struct pageblock *pb, uint8_t v)
{
	__atomic_store_n(&pb->bits, v, __ATOMIC_RELAXED);
}

/*
 * The flag writers' half of page_mirror() (af_types.h): a mirrored flag of
 * p changed from old to nf.  Pages change under different locks (the zone
 * lock, the LRU lock, a page's own isolation), so in threaded mode each
 * changed bit is set or cleared atomically, the order stored first.
 */
_Static_assert(PAGEBLOCK_NR_PAGES >> SAMPLE_ORDER == 64, "a pageblock's samples fill one word");
void page_mirror_update(const struct af_machine *m, const struct page *p, uint32_t old, uint32_t nf)
{
	unsigned long pfn = (unsigned long)(p - m->pages);
	uint32_t changed = (old ^ nf) & PG_MIRRORED;
	struct page_scan *s = &m->pscan[pfn];

	if (nf & changed & (PG_buddy | PG_head))
		__atomic_store_n(&s->order, (uint8_t)porder(p), __ATOMIC_RELAXED);
	rmw_bits8(m->threaded, &s->flags, ps_bits(nf & changed), ps_bits(~nf & changed));
	if (!(pfn & ((1UL << SAMPLE_ORDER) - 1)) && (changed & (PG_lru | PG_buddy))) {
		uint64_t bit = 1ULL << ((pfn & (PAGEBLOCK_NR_PAGES - 1)) >> SAMPLE_ORDER);
		size_t b = pfn >> PAGEBLOCK_ORDER;

		if (changed & PG_lru)
			rmw_mask64(m->threaded, &m->pb_lru[b], bit, nf & PG_lru);
		if (changed & PG_buddy)
			rmw_mask64(m->threaded, &m->pb_buddy[b], bit, nf & PG_buddy);
	}
}

int get_pageblock_migratetype(struct af_machine *m, unsigned long pfn)
{
	return pb_bits(&m->pageblocks[pfn >> PAGEBLOCK_ORDER]) & PB_MIGRATE_MASK;
}

void set_pageblock_migratetype(struct af_machine *m, unsigned long pfn, int mt)
{
	struct pageblock *pb = &m->pageblocks[pfn >> PAGEBLOCK_ORDER];

	if (m->page_group_by_mobility_disabled && mt < MIGRATE_PCPTYPES)
		mt = MIGRATE_UNMOVABLE;
	pb_set_bits(pb, (uint8_t)((pb_bits(pb) & ~PB_MIGRATE_MASK) | ((unsigned)mt & PB_MIGRATE_MASK)));
}

bool get_pageblock_skip(struct af_machine *m, unsigned long pfn)
{
	return pb_bits(&m->pageblocks[pfn >> PAGEBLOCK_ORDER]) & PB_MIGRATE_SKIP;
}

void set_pageblock_skip(struct af_machine *m, unsigned long pfn, bool skip)
{
	struct pageblock *pb = &m->pageblocks[pfn >> PAGEBLOCK_ORDER];

	if (skip)
		pb_set_bits(pb, pb_bits(pb) | PB_MIGRATE_SKIP);
	else
		pb_set_bits(pb, pb_bits(pb) & (uint8_t)~PB_MIGRATE_SKIP);
}

/*
 * Mark the pageblocks overlapping [start, end) online (present memory came
 * up there: subsection_map_init at boot) or offline (offline_mem_sections).
 */
void set_pageblocks_online(struct af_machine *m, unsigned long start, unsigned long end, bool online)
{
	if (start >= end)
		return;
	for (unsigned long b = start >> PAGEBLOCK_ORDER; b <= (end - 1) >> PAGEBLOCK_ORDER; b++)
		__atomic_store_n(&m->pageblocks[b].online, (uint8_t)online, __ATOMIC_RELAXED);
}

/* pfn_zone() for a pageblock shared by zones or holes, and out-of-range pfns */
struct zone *pfn_zone_slow(struct af_machine *m, unsigned long pfn)
{
	if (pfn >= m->max_pfn)
		return NULL;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			if (z->spanned_pages && zone_spans_pfn(z, pfn))
				return z;
		}
	return NULL;
}

/* pfn_valid() && present: inside a zone and not a hole */
bool pfn_valid_present(struct af_machine *m, unsigned long pfn)
{
	return pfn_zone(m, pfn) && !(pflags(&m->pages[pfn]) & PG_hole);
}
