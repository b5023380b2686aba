/*
 * restrict_steal.c - limit the stealing of MOVABLE pageblocks by unmovable
 * and reclaimable allocations (seed 003, "Other optimization ideas" 3.(1):
 * allow unmovable pages to steal only for large allocations).
 *
 * An UNMOVABLE or RECLAIMABLE request smaller than `order` never takes part
 * of a MOVABLE pageblock: it may take a block of the other unmovable-ish
 * type (RECLAIMABLE <-> UNMOVABLE, as fallbacks[] allows), or claim a whole
 * free MOVABLE block of pageblock order or more (which changes the block's
 * type, so nothing movable is polluted); otherwise the request fails in this
 * zone and goes on to the next zone and the slow path (reclaim, compaction).
 * Requests of at least `order`, and every MOVABLE request, fall back as in
 * 6.1.
 */
#include "internal.h"
#include "policies.h"

enum { P_ORDER };

static bool restrict_find_fallback(struct zone *z, int order, int start_mt, unsigned int alloc_flags,
				   struct fallback_choice *c)
{
	struct af_machine *m = z->m;
	int min_order = order;

	if (start_mt == MIGRATE_MOVABLE || order >= policy_param(m, P_ORDER))
		return find_fallback_linux(z, order, start_mt, alloc_flags, c);
	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;
	/* 6.1's search, largest block first, with small MOVABLE blocks out of bounds */
	for (int cur = MAX_ORDER - 1; cur >= min_order; --cur) {
		struct free_area *area = &z->free_area[cur];

		if (!area->nr_free)
			continue;
		for (int i = 0; fallbacks[start_mt][i] != MIGRATE_TYPES; i++) {
			int fmt = fallbacks[start_mt][i];

			if (list_empty_pfn(&area->free_list[fmt]))
				continue;
			if (fmt == MIGRATE_MOVABLE && cur < PAGEBLOCK_ORDER)
				continue;
			*c = (struct fallback_choice){ .pfn = area->free_list[fmt].first, .order = cur,
						       .fallback_mt = fmt,
						       .claim = can_steal_fallback(m, (unsigned)cur, start_mt) };
			return true;
		}
	}
	return false;
}

const struct af_policy policy_restrict_steal = {
	.name = "restrict-steal",
	.summary = "unmovable/reclaimable requests below `order` never take part of a MOVABLE "
		   "pageblock (only a whole free one)",
	.source = "seed 003, other optimization ideas 3.(1): limit stealing by unmovable pages",
	.nparams = 1,
	.params = {
		{ "order", 0, MAX_ORDER, PAGE_ALLOC_COSTLY_ORDER,
		  "smallest request order that may still steal from MOVABLE blocks "
		  "(11: none may)" },
	},
	.find_fallback = restrict_find_fallback,
};
