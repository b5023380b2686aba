/*
 * kcompactd.c - the triggers of compaction besides direct compaction
 * (mm/compaction.c): kcompactd woken by kswapd (wakeup_kcompactd,
 * kcompactd_do_work), proactive compaction on the fragmentation score
 * (fragmentation_score_zone/_node/_wmark, should_proactive_compact_node,
 * proactive_compact_node) and the manual writes to
 * /proc/sys/vm/compact_memory and /sys/devices/system/node/nodeN/compact
 * (compact_nodes, compact_node).  Each calls compact_zone() (compaction.c)
 * with its own compact_control.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

/* extfrag_for_order(): % of free memory in blocks below the order, 0..100 */
static unsigned int extfrag_for_order(const struct zone *z, unsigned int order)
{
	unsigned long free_pages = 0, suitable = 0;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long blocks = __atomic_load_n(&z->free_area[o].nr_free, __ATOMIC_RELAXED);
		free_pages += blocks << o;
		if (o >= order)
			suitable += blocks << (o - order);
	}
	if (!free_pages)
		return 0;
	return (unsigned int)((free_pages - (suitable << order)) * 100 / free_pages);
}

/* fragmentation_score_zone(): extfrag at the huge page order, 0..100 */
unsigned int fragmentation_score_zone(const struct zone *z)
{
	return extfrag_for_order(z, HPAGE_PMD_ORDER);
}

static unsigned long node_present_pages(const struct pglist_data *pg)
{
	unsigned long n = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		n += pg->node_zones[t].present_pages;
	return n;
}

/* fragmentation_score_node(): zones weighted by their share of the node */
unsigned int fragmentation_score_node(struct pglist_data *pg)
{
	unsigned long present = node_present_pages(pg);
	unsigned int score = 0;

	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &pg->node_zones[t];
		score += (unsigned int)(z->present_pages * fragmentation_score_zone(z) / (present + 1));
	}
	return score;
}

/* fragmentation_score_wmark(): low = max(100 - proactiveness, 5), high = low + 10 */
unsigned int fragmentation_score_wmark(struct af_machine *m, bool low)
{
	unsigned int wmark_low = (unsigned)MAX(100 - VM_SYSCTL(m, compaction_proactiveness), 5);

	return low ? wmark_low : MIN(wmark_low + 10, 100u);
}

bool kswapd_is_running(struct pglist_data *pg)
{
	return __atomic_load_n(&pg->kswapd_woken, __ATOMIC_RELAXED);
}

static bool should_proactive_compact_node(struct af_machine *m, struct pglist_data *pg)
{
	if (!VM_SYSCTL(m, compaction_proactiveness) || kswapd_is_running(pg))
		return false;
	return fragmentation_score_node(pg) > fragmentation_score_wmark(m, false);
}

/* ---- the free scanner ---- */

static void compact_node_mode(struct af_machine *m, struct pglist_data *pg, bool proactive)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &pg->node_zones[t];
		struct compact_control cc = {
			.order = -1,
			.mode = proactive ? AF_MIGRATE_SYNC_LIGHT : AF_MIGRATE_SYNC,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.gfp_mask = AF_GFP_KERNEL,
			.proactive_compaction = proactive,
			.zone = z,
			.highest_zoneidx = MAX_NR_ZONES - 1,
		};
		if (!populated_zone(z))
			continue;
		(void)m;
		lock_compact(z);
		compact_zone(&cc);
		unlock_compact(z);
	}
}

/*
 * compact_node(): /sys/devices/system/node/nodeN/compact.  6.1 first calls
 * lru_add_drain_all(), which flushes the LRU folio batches (the model has
 * none) and touches no pcp list.
 */
int af_compact_node(struct af_machine *m, int nid)
{
	if (!m || nid < 0 || nid >= m->nr_nodes)
		return af_err(-EINVAL, "node %d does not exist", nid);
	if (m->cfg.no_compaction)
		return af_err(-ENOENT, "compaction is configured out (compaction = 0)");
	if (m->phase_fn) {
		char name[32];
		snprintf(name, sizeof(name), "compact node %d", nid);
		phase_tell(m, AF_PHASE_COMPACT_BEGIN, name, 0, 0);
		compact_node_mode(m, m->node[nid], false);
		phase_tell(m, AF_PHASE_COMPACT_END, name, 0, 0);
		return 0;
	}
	compact_node_mode(m, m->node[nid], false);
	return 0;
}

/* compact_nodes(): a write to /proc/sys/vm/compact_memory */
int af_compact_memory(struct af_machine *m)
{
	if (!m)
		return af_err(-EINVAL, "no machine");
	if (m->cfg.no_compaction)	/* no /proc/sys/vm/compact_memory without CONFIG_COMPACTION */
		return af_err(-ENOENT, "compaction is configured out (compaction = 0)");
	phase_tell(m, AF_PHASE_COMPACT_BEGIN, "compact_memory", 0, 0);
	for (int n = 0; n < m->nr_nodes; n++)
		compact_node_mode(m, m->node[n], false);
	phase_tell(m, AF_PHASE_COMPACT_END, "compact_memory", 0, 0);
	return 0;
}

/* wakeup_kcompactd(): record the order and zone, wake if there is work */
void wakeup_kcompactd(struct af_machine *m, int cpu, struct pglist_data *pg, int order, int highest_zoneidx)
{
	if (!order)
		return;
	if (pg->kcompactd_max_order < order)
		pg->kcompactd_max_order = order;
	if (pg->kcompactd_highest_zoneidx > highest_zoneidx)
		pg->kcompactd_highest_zoneidx = highest_zoneidx;
	/* kcompactd_node_suitable() */
	bool suitable = false;
	for (int t = 0; t <= pg->kcompactd_highest_zoneidx && !suitable; t++) {
		struct zone *z = &pg->node_zones[t];
		if (populated_zone(z) &&
		    compaction_suitable(z, cpu, pg->kcompactd_max_order, 0, pg->kcompactd_highest_zoneidx) ==
		    COMPACT_CONTINUE)
			suitable = true;
	}
	if (!suitable)
		return;
	if (trace_on(m))
		trace_mm_compaction_wakeup_kcompactd(m, cpu, pg->node_id, order, highest_zoneidx);
	pg->kcompactd_woken = true;
	daemons_kick(m);
}

/* kcompactd_do_work(): MIGRATE_SYNC_LIGHT compaction for the woken order */
static void kcompactd_do_work(struct af_machine *m, struct pglist_data *pg)
{
	daemon_lock(m);
	int order = pg->kcompactd_max_order, highest = pg->kcompactd_highest_zoneidx;
	daemon_unlock(m);

	if (trace_on(m))
		trace_mm_compaction_kcompactd_wake(m, KTHREAD_CPU, pg->node_id, order, highest);
	__atomic_fetch_add(&m->events[KCOMPACTD_WAKE], 1, __ATOMIC_RELAXED);
	for (int t = 0; t <= highest; t++) {
		struct zone *z = &pg->node_zones[t];
		struct compact_control cc = {
			.order = order,
			.search_order = (short)order,
			.highest_zoneidx = highest,
			.mode = AF_MIGRATE_SYNC_LIGHT,
			.gfp_mask = AF_GFP_KERNEL,
			.zone = z,
		};
		enum compact_result status;

		if (!populated_zone(z))
			continue;
		lock_compact(z);
		if (compaction_deferred(z, KTHREAD_CPU, order) ||
		    compaction_suitable(z, KTHREAD_CPU, order, 0, t) != COMPACT_CONTINUE) {
			unlock_compact(z);
			continue;
		}
		status = compact_zone(&cc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(z, order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			/* 6.1: drain_all_pages(zone), this zone only; the model drains all zones */
			af_drain_all(m);
			defer_compaction(z, KTHREAD_CPU, order);
		}
		unlock_compact(z);
		__atomic_fetch_add(&m->events[KCOMPACTD_MIGRATE_SCANNED], cc.total_migrate_scanned,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&m->events[KCOMPACTD_FREE_SCANNED], cc.total_free_scanned,
				   __ATOMIC_RELAXED);
	}
	daemon_lock(m);
	if (pg->kcompactd_max_order <= order)
		pg->kcompactd_max_order = 0;
	if (pg->kcompactd_highest_zoneidx >= highest)
		pg->kcompactd_highest_zoneidx = MAX(pg->nr_zones - 1, 0);
	daemon_unlock(m);
}

/*
 * One turn of the kcompactd loop on the virtual clock: the policy's
 * background step first (the kcompactd hook; none for linux), then kcompactd_do_work()
 * when woken for an order; otherwise, every 500 ms (or at once after a
 * write to vm.compaction_proactiveness), check the fragmentation score and
 * compact proactively; when that does not lower the score, back off
 * 2^COMPACT_MAX_DEFER_SHIFT times longer.
 */
void kcompactd_run(struct af_machine *m, struct pglist_data *pg)
{
	uint64_t now = af_clock_ns(m);
	uint64_t interval = (uint64_t)HPAGE_FRAG_CHECK_INTERVAL_MSEC * 1000000ULL;
	bool work, proactive;

	if (m->cfg.no_compaction)
		return;
	if (m->pol.kcompactd)
		m->pol.kcompactd(m, pg->node_id);
	daemon_lock(m);
	if (!pg->kcompactd_timeout_ns) {
		pg->kcompactd_timeout_ns = interval;
		pg->kcompactd_next_ns = now + interval;
	}
	work = (pg->kcompactd_woken || pg->kcompactd_max_order > 0) && !pg->proactive_compact_trigger;
	proactive = !work && (pg->proactive_compact_trigger ||
			      (now >= pg->kcompactd_next_ns && VM_SYSCTL(m, compaction_proactiveness)));
	pg->kcompactd_woken = false;
	daemon_unlock(m);
	if (work) {
		kcompactd_do_work(m, pg);
		daemon_lock(m);
		pg->kcompactd_timeout_ns = interval;
		pg->kcompactd_next_ns = now + interval;
		daemon_unlock(m);
		return;
	}
	if (!proactive)
		return;
	uint64_t timeout = interval;
	if (should_proactive_compact_node(m, pg)) {
		unsigned int prev = fragmentation_score_node(pg), score;
		compact_node_mode(m, pg, true);
		score = fragmentation_score_node(pg);
		if (score >= prev)
			timeout = interval << COMPACT_MAX_DEFER_SHIFT;
	}
	daemon_lock(m);
	pg->kcompactd_timeout_ns = timeout;
	pg->proactive_compact_trigger = false;
	pg->kcompactd_next_ns = now + timeout;
	daemon_unlock(m);
}

unsigned int af_fragmentation_score(struct af_machine *m, int nid)
{
	if (!m || nid < 0 || nid >= m->nr_nodes)
		return 0;
	return fragmentation_score_node(m->node[nid]);
}
