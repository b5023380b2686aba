/*
 * policies.h - the entries of the policy table beside Linux 6.1, one file
 * each (their interpretation of the seed articles is in docs/policies.md).
 */
#ifndef AF_POLICIES_H
#define AF_POLICIES_H

#include "policy.h"

extern const struct af_policy policy_nogroup;		/* nogroup.c */
extern const struct af_policy policy_restrict_steal;	/* restrict_steal.c */
extern const struct af_policy policy_reserve;		/* reserve.c */
extern const struct af_policy policy_repay;		/* repay.c */
/* reserve's regions in zone z: [start, small_end) and [large_start, end) */
void reserve_bounds(struct zone *z, unsigned long *small_end, unsigned long *large_start);
extern const struct af_policy policy_defrag2004;	/* defrag2004.c */

#endif
