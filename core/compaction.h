/*
 * compaction.h - memory compaction's control structure and entry points
 * (include/linux/compaction.h, mm/internal.h struct compact_control).
 */
#ifndef AF_COMPACTION_H
#define AF_COMPACTION_H

#include "mm.h"

/* enum compact_result, in 6.1's order (later = "better" for max()) */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED,
	COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE,
	COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED,
	COMPACT_SUCCESS,
};

enum compact_priority {
	COMPACT_PRIO_SYNC_FULL,
	MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
	COMPACT_PRIO_SYNC_LIGHT,
	MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	COMPACT_PRIO_ASYNC,
	INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC
};

#define COMPACT_MAX_DEFER_SHIFT 6
#define COMPACT_CLUSTER_MAX SWAP_CLUSTER_MAX
#define MAX_COMPACT_RETRIES 16
#define HPAGE_FRAG_CHECK_INTERVAL_MSEC 500

struct compact_control {
	uint32_t *freepages;		/* isolated free order-0 pages */
	int nr_freepages, cap_free;
	struct mpage *migratepages;
	int nr_migratepages, cap_migrate;
	unsigned long free_pfn;		/* free scanner position */
	unsigned long migrate_pfn;	/* migrate scanner position */
	unsigned long fast_start_pfn;
	struct zone *zone;
	unsigned long total_migrate_scanned;
	unsigned long total_free_scanned;
	unsigned short fast_search_fail;
	short search_order;
	af_gfp_t gfp_mask;
	int order;			/* -1: compact_memory / proactive */
	int migratetype;
	unsigned int alloc_flags;
	int highest_zoneidx;
	enum af_migrate_mode mode;
	bool ignore_skip_hint;
	bool no_set_skip_hint;
	bool ignore_block_suitable;
	bool direct_compaction;
	bool proactive_compaction;
	bool whole_zone;
	bool contended;
	bool rescan;
	bool alloc_contig;
	int cpu;
	struct capture_control *capc;	/* direct compaction's capture, or NULL */
	void *pol_run;			/* a compacting policy's per-run state (policy.h) */
};

/*
 * Threaded mode serialises compaction of a zone (its scanners' cached
 * positions, skip hints and deferral state); 6.1 lets concurrent
 * compactors race on them benignly.
 */
static inline void lock_compact(struct zone *z)
{
	if (z->m->threaded)
		pthread_mutex_lock(&z->compact_lock);
}
static inline void unlock_compact(struct zone *z)
{
	if (z->m->threaded)
		pthread_mutex_unlock(&z->compact_lock);
}

/*
 * The daemons' per-node fields (kswapd_*, kcompactd_*) live under
 * m->global_lock in threaded mode; wakeups signal the daemon threads.
 */
static inline void daemon_lock(struct af_machine *m)
{
	if (m->threaded)
		pthread_mutex_lock(&m->global_lock);
}
static inline void daemon_unlock(struct af_machine *m)
{
	if (m->threaded)
		pthread_mutex_unlock(&m->global_lock);
}
void daemons_kick(struct af_machine *m);

/* in compaction.c */
enum compact_result compaction_suitable(struct zone *z, int cpu, int order, unsigned int alloc_flags,
					int highest_zoneidx);
bool compaction_deferred(struct zone *z, int cpu, int order);
void defer_compaction(struct zone *z, int cpu, int order);
void compaction_defer_reset(struct zone *z, int order, bool alloc_success);
bool compaction_restarting(struct zone *z, int order);
enum compact_result compact_zone(struct compact_control *cc);
enum compact_result try_to_compact_pages(struct af_machine *m, int cpu, af_gfp_t gfp,
					 unsigned int order, unsigned int alloc_flags,
					 const struct alloc_context *ac, enum compact_priority prio,
					 long *captured, struct zone **capture_zone);
bool compaction_zonelist_suitable(struct af_machine *m, const struct alloc_context *ac, int order,
				  unsigned int alloc_flags);
unsigned int fragmentation_score_node(struct pglist_data *pgdat);
unsigned int fragmentation_score_wmark(struct af_machine *m, bool low);
/* in kcompactd.c: the zone's share of the node's score; is kswapd at work on the node */
unsigned int fragmentation_score_zone(const struct zone *z);
bool kswapd_is_running(struct pglist_data *pg);
void wakeup_kcompactd(struct af_machine *m, int cpu, struct pglist_data *pgdat, int order, int highest_zoneidx);
void kcompactd_run(struct af_machine *m, struct pglist_data *pgdat);
void reset_isolation_suitable(struct pglist_data *pg);
/* in page_isolation.c: isolate [start, end), migrate what is in use out of
 * it, then take the range (take) or give it back; 0 or -errno */
int contig_range(struct af_machine *m, unsigned long start, unsigned long end,
		 enum af_migrate_mode mode, enum af_migrate_reason reason, bool take,
		 uint64_t *first_busy, struct af_migrate_stats *st);
unsigned long isolate_freepages_range(struct zone *z, int cpu, unsigned long start,
				      unsigned long end, unsigned long *stop);
/* the mechanism a compacting policy's hooks (policy.h) build on */
struct isolate_ctl compact_isolate_ctl(const struct compact_control *cc);
int compact_isolate_page(struct compact_control *cc, unsigned long pfn, const struct isolate_ctl *ctl,
			 const char **why);
void putback_migratepages(struct compact_control *cc);
unsigned long take_targets(struct compact_control *cc, unsigned long pfn, unsigned int order);
bool compact_free_block_exists(struct compact_control *cc);
enum compact_result compact_finished_proactive(struct compact_control *cc);

/* in vmscan.c */
unsigned long try_to_free_pages(struct af_machine *m, int cpu, const struct alloc_context *ac);
unsigned long zone_reclaimable_pages(const struct zone *z);
void kswapd_run(struct af_machine *m, struct pglist_data *pg);

#endif /* AF_COMPACTION_H */
