/*
 * policy.h - the policy table: the decision points that anti-fragmentation
 * research proposes to change, as hooks of one struct af_policy.
 *
 * The mechanism (buddy lists, pageblocks, stealing, migration, compaction)
 * stays in the kernel-model files; a policy only decides.  A NULL hook means
 * Linux 6.1's own decision, inline in the mechanism, so the `linux` entry
 * (every hook NULL) runs exactly the 6.1 code and pays one predictable
 * branch where a hook could be.
 *
 * Decision points:
 *   placement  rmqueue_smallest(): which free block of the requested
 *              migratetype serves a request (6.1: the first block of the
 *              smallest order that fits).
 *   fallback   __rmqueue_fallback(): when the requested type's lists are
 *              empty, which block of which other type is taken and whether
 *              the rest of its pageblock is claimed (6.1: fallbacks[],
 *              largest block first, can_steal_fallback()).
 *   repayment  what follows an allocation that fell back into a pageblock
 *              of another type: `allocated` sees every successful
 *              allocation, `freed` every block given back, `kcompactd` runs
 *              once per kcompactd turn of a node for the policy's background
 *              work (6.1: nothing; a polluted pageblock stays polluted until
 *              its pages are freed or compaction's scanners pass).
 *   compaction compact_zone(): which pages move (source), where they go
 *              (target) and when the run is done (stopping rule), for
 *              every trigger: direct, kcompactd, proactive, compact_memory
 *              (6.1: the migrate scanner from the zone bottom, the free
 *              scanner from the top, compact_finished()).
 *
 * A policy that changes a mechanism invariant says so in `mech`, and
 * af_check() checks the invariant that then holds instead.
 */
#ifndef AF_POLICY_H
#define AF_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct af_machine;
struct zone;
struct compact_control;

#define POLICY_MAX_PARAMS 4

/* mechanism flags */
#define POLICY_MECH_NEEDS_WORLD	(1u << 1)	/* calls into the world: not on a machine
						 * of the allocator core alone */
#define POLICY_MECH_NO_GROUPING	(1u << 0)	/* page_group_by_mobility_disabled from boot:
						 * every pageblock and free page UNMOVABLE */

/* A parameter a policy reads, with its range and default */
struct policy_param {
	const char *name;
	long min, max, def;
	const char *help;
};

/* What the fallback decision chose: a free block and what to do with it */
struct fallback_choice {
	unsigned long pfn;	/* head of a free block on free_area[order].free_list[fallback_mt] */
	int order;		/* its order */
	int fallback_mt;	/* the list it sits on */
	bool claim;		/* may the rest of its pageblock move to the request's type */
};

struct af_policy {
	const char *name;
	const char *summary;	/* one line */
	const char *source;	/* where the idea comes from */
	unsigned int mech;
	int nparams;
	struct policy_param params[POLICY_MAX_PARAMS];

	/* after boot, before anything runs: set up pol_state; 0 or -errno */
	int (*init)(struct af_machine *m);
	void (*destroy)(struct af_machine *m);
	/* placement: choose a free block of at least `order` on mt's lists
	 * (*pfn, *block_order) and return true, or false for none; the
	 * mechanism takes it and splits it; zone lock held */
	bool (*place)(struct zone *z, unsigned int order, int mt, unsigned long *pfn,
		      unsigned int *block_order);
	/* fallback: fill *c and return true, or false for "no fallback";
	 * zone lock held */
	bool (*find_fallback)(struct zone *z, int order, int start_mt, unsigned int alloc_flags,
			      struct fallback_choice *c);
	/* after a successful allocation of 2^order pages at pfn for a request
	 * of migratetype alloc_mt (af_alloc_pages, after any claim); no lock */
	void (*allocated)(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order,
			  int alloc_mt);
	/* an allocated block's last reference is gone (free_pages_final),
	 * before it reaches the pcp or buddy lists; no zone lock */
	void (*freed)(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order);
	/* one kcompactd turn of node nid (deterministic: each af_run_daemons;
	 * threaded: the kcompactd thread); no lock held, world calls allowed */
	void (*kcompactd)(struct af_machine *m, int nid);
	/* the policy's own counters: names (NULL-terminated) and a reader
	 * returning 0 or -ENOENT (af_policy_stat).  By convention
	 * "moved_pages" counts the base pages the policy moved by itself,
	 * outside compaction (the compare report's policy moves). */
	const char *const *stat_names;
	int (*stat)(struct af_machine *m, const char *name, uint64_t *val);
	/*
	 * Compaction: all three hooks or none.  compact_zone() keeps its
	 * prologue (compaction_suitable(), the pcp drain) and its epilogue
	 * (the scanned counters, the trace), and between them runs
	 *   while compact_finished() == COMPACT_CONTINUE:
	 *     compact_source(); migrate_pages() to compact_targets()' pages;
	 *     put back what did not move; free unused targets; drain this
	 *     CPU's pcp lists; stop if direct compaction captured a block
	 * (compaction.c, compact_zone_policy()).  cc->pol_run is the policy's
	 * per-run state: NULL at the start, free()d when the run ends.
	 */
	/* the stopping rule: COMPACT_CONTINUE or a final enum compact_result */
	int (*compact_finished)(struct compact_control *cc);
	/* the sources: isolate the next pages to move into cc->migratepages
	 * (compact_isolate_page()); the number isolated, 0 when no source is
	 * left (the run then ends with compact_finished()'s verdict, or
	 * COMPACT_COMPLETE if that is COMPACT_CONTINUE), or a negative errno
	 * (COMPACT_CONTENDED) */
	int (*compact_source)(struct compact_control *cc);
	/* the targets: add free pages to cc->freepages (take_targets(), zone
	 * lock held); adding none means "no target" (-ENOMEM for the page) */
	void (*compact_targets)(struct compact_control *cc);
};

/* in policy.c */
extern const struct af_policy policy_linux;
const struct af_policy *const *policy_list(void);
const struct af_policy *policy_find(const char *name);
/* "NAME[:KEY=VALUE...]" into the policy and its parameter values (defaults
 * filled in); a negative errno with a message on a bad spec */
int policy_parse(const char *spec, const struct af_policy **p, long params[POLICY_MAX_PARAMS]);
/* The value of the machine's policy parameter `i` */
long policy_param(const struct af_machine *m, int i);

/* the 6.1 decisions, for policies that change only part of one (fallback.c, buddy.c) */
bool find_fallback_linux(struct zone *z, int order, int start_mt, unsigned int alloc_flags,
			 struct fallback_choice *c);

#endif
