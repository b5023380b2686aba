/*
 * reserve.c - reserved regions for small and for large allocations (seed
 * 003, "Other optimization ideas" 3.(2): reduce the randomness of the page
 * frames small allocations get).
 *
 * The small region is the lowest pageblocks of each zone that hold `small`
 * percent of its managed pages, the large region the highest pageblocks that
 * hold `large` percent (reserved pages and holes do not count).  A request below `order` takes a
 * free block of its migratetype in the small region if its lists hold one
 * (lowest order first, then the lowest pfn on the list's walk order), else
 * one outside the large region, else any; a request of `order` or more
 * prefers the large region, then anything outside the small region, then
 * any.  So small allocations stay in their region until it is full, and the
 * large region stays clean for large ones.  When the request's type has no
 * free block, the fallback takes 6.1's choice of type and size but in the
 * same order of regions.  Grouping by mobility, how much a steal takes, and
 * compaction are 6.1's.
 *
 * Cost: finding a block in a region walks the free list of each order (the
 * kernel's lists are not address-ordered); 6.1 takes the list's first block.
 */
#include <stdlib.h>

#include "internal.h"
#include "policies.h"

enum { P_SMALL, P_LARGE, P_ORDER };

struct region { unsigned long small_end, large_start; };

static struct region *region_of(struct zone *z)
{
	struct region *r = z->m->pol_state;
	return &r[z->nid * MAX_NR_ZONES + (int)z->type];
}

/* a page the allocator manages: present memory that is not reserved */
static bool usable(struct af_machine *m, unsigned long pfn)
{
	return pfn_online(m, pfn) && !(pflags(&m->pages[pfn]) & PG_reserved);
}

/* Region bounds per zone, whole pageblocks, measured in managed pages */
static int reserve_init(struct af_machine *m)
{
	struct region *r;

	if (policy_param(m, P_SMALL) + policy_param(m, P_LARGE) > 100)
		return af_err(-EINVAL, "policy reserve: small + large must be at most 100 (percent)");
	r = calloc((size_t)m->nr_nodes * MAX_NR_ZONES, sizeof(*r));
	if (!r)
		return af_err(-ENOMEM, "out of memory");
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			unsigned long want_small = z->managed_pages * (unsigned long)policy_param(m, P_SMALL) / 100;
			unsigned long want_large = z->managed_pages * (unsigned long)policy_param(m, P_LARGE) / 100;
			unsigned long pfn, got;

			/* count usable pages (not holes, not reserved) from each end,
			 * then round out to whole pageblocks */
			for (pfn = z->zone_start_pfn, got = 0; pfn < zone_end_pfn(z) && got < want_small; pfn++)
				got += usable(m, pfn);
			r[n * MAX_NR_ZONES + t].small_end = pageblock_end_pfn(pfn - (pfn > z->zone_start_pfn));
			if (!want_small)
				r[n * MAX_NR_ZONES + t].small_end = z->zone_start_pfn;
			for (pfn = zone_end_pfn(z), got = 0; pfn > z->zone_start_pfn && got < want_large; pfn--)
				got += usable(m, pfn - 1);
			r[n * MAX_NR_ZONES + t].large_start = want_large ? pageblock_start_pfn(pfn)
								   : zone_end_pfn(z);
		}
	m->pol_state = r;
	return 0;
}

void reserve_bounds(struct zone *z, unsigned long *small_end, unsigned long *large_start)
{
	const struct region *r = region_of(z);

	*small_end = r->small_end;
	*large_start = r->large_start;
}

static void reserve_destroy(struct af_machine *m)
{
	free(m->pol_state);
	m->pol_state = NULL;
}

/* pass 0: the preferred region; 1: anything but the other region; 2: any */
static bool in_pass(const struct region *r, bool small, int pass, unsigned long pfn)
{
	if (pass == 2)
		return true;
	if (small)
		return pass == 0 ? pfn < r->small_end : pfn < r->large_start;
	return pass == 0 ? pfn >= r->large_start : pfn >= r->small_end;
}

static bool reserve_place(struct zone *z, unsigned int order, int mt, unsigned long *pfn,
			  unsigned int *block_order)
{
	struct af_machine *m = z->m;
	const struct region *r = region_of(z);
	bool small = (long)order < policy_param(m, P_ORDER);

	for (int pass = 0; pass < 3; pass++)
		for (unsigned int cur = order; cur < MAX_ORDER; cur++) {
			struct list_pfn *l = &z->free_area[cur].free_list[mt];

			for (uint32_t p = l->first; p != PFN_NIL; p = m->pages[p].next)
				if (in_pass(r, small, pass, p)) {
					*pfn = p;
					*block_order = cur;
					return true;
				}
		}
	return false;
}

/* A free block of a fallback type at order `cur` inside the pass's region */
static bool fallback_at(struct zone *z, const struct region *r, bool small, int pass, int cur,
			int start_mt, struct fallback_choice *c)
{
	struct af_machine *m = z->m;
	struct free_area *area = &z->free_area[cur];

	if (!area->nr_free)
		return false;
	for (int i = 0; fallbacks[start_mt][i] != MIGRATE_TYPES; i++) {
		int fmt = fallbacks[start_mt][i];

		for (uint32_t p = area->free_list[fmt].first; p != PFN_NIL; p = m->pages[p].next)
			if (in_pass(r, small, pass, p)) {
				*c = (struct fallback_choice){
					.pfn = p, .order = cur, .fallback_mt = fmt,
					.claim = can_steal_fallback(m, (unsigned)cur, start_mt) };
				return true;
			}
	}
	return false;
}

/*
 * The fallback, region first: 6.1's search (largest block first, the
 * fallbacks[] order of types; the smallest block for a MOVABLE request that
 * may not claim) run once per pass, accepting only blocks of the pass's
 * region, so a stolen or claimed block comes from the request's region too.
 */
static bool reserve_find_fallback(struct zone *z, int order, int start_mt, unsigned int alloc_flags,
				  struct fallback_choice *c)
{
	const struct region *r = region_of(z);
	bool small = order < policy_param(z->m, P_ORDER);
	int min_order = order;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;
	for (int pass = 0; pass < 3; pass++)
		for (int cur = MAX_ORDER - 1; cur >= min_order; --cur) {
			if (!fallback_at(z, r, small, pass, cur, start_mt, c))
				continue;
			if (!c->claim && start_mt == MIGRATE_MOVABLE && cur > order)
				for (int s = order; s < cur; s++)
					if (fallback_at(z, r, small, pass, s, start_mt, c))
						break;
			return true;
		}
	return false;
}

const struct af_policy policy_reserve = {
	.name = "reserve",
	.summary = "a region at the bottom of each zone for small allocations and one at the top "
		   "for large ones",
	.source = "seed 003, other optimization ideas 3.(2): the reservation method",
	.nparams = 3,
	.params = {
		{ "small", 0, 100, 10, "percent of each zone's span reserved for small allocations" },
		{ "large", 0, 100, 25, "percent of each zone's span reserved for large allocations" },
		{ "order", 1, MAX_ORDER, PAGE_ALLOC_COSTLY_ORDER,
		  "smallest order that counts as a large allocation" },
	},
	.init = reserve_init,
	.destroy = reserve_destroy,
	.place = reserve_place,
	.find_fallback = reserve_find_fallback,
};
