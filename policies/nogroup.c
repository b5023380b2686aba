/*
 * nogroup.c - no grouping by mobility: the allocator before 2.6.24.
 *
 * Linux 6.1 turns grouping off by itself (page_group_by_mobility_disabled)
 * when a machine has too little memory for it; this policy turns it off on
 * any machine, from boot: every pageblock is UNMOVABLE, every request takes
 * the UNMOVABLE free lists (gfp_migratetype), so movable and unmovable pages
 * share one free list per order.  The baseline that shows what grouping
 * buys.  Mechanism flag: POLICY_MECH_NO_GROUPING (af_check() then checks that
 * no free page sits on a MOVABLE or RECLAIMABLE list).
 */
#include "policies.h"

const struct af_policy policy_nogroup = {
	.name = "nogroup",
	.summary = "no grouping by mobility (page_group_by_mobility_disabled from boot): "
		   "one free list per order, the allocator before 2.6.24",
	.source = "mm/page_alloc.c build_all_zonelists(); grouping by mobility came with 2.6.24",
	.mech = POLICY_MECH_NO_GROUPING,
};
