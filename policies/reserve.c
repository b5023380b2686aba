/*
 * reserve.c - reserved regions for small and for large allocations (seed
 * 003, "Other optimization ideas" 3.(2): reduce the randomness of the page
 * frames small allocations get).
 *
 * Each zone's lowest `small` percent of its span is the small region, its
 * highest `large` percent the large region.  A request below `order` takes a
 * free block of its migratetype in the small region if its lists hold one
 * (lowest order first, then the lowest pfn on the list's walk order), else
 * one outside the large region, else any; a request of `order` or more
 * prefers the large region, then anything outside the small region, then
 * any.  So small allocations stay in their region until it is full, and the
 * large region stays clean for large ones.  Grouping by mobility, stealing
 * and compaction are 6.1's.
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
			unsigned long span = z->spanned_pages;
			r[n * MAX_NR_ZONES + t] = (struct region){
				.small_end = z->zone_start_pfn + span * (unsigned long)policy_param(m, P_SMALL) / 100,
				.large_start = zone_end_pfn(z) - span * (unsigned long)policy_param(m, P_LARGE) / 100,
			};
		}
	m->pol_state = r;
	return 0;
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
};
