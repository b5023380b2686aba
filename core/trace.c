/*
 * trace.c - tracepoints as data: each site tests trace_on() (one load, one
 * branch) and only then calls its trace_*() here, which fills a struct
 * af_event (include/trace/events/kmem.h, compaction.h, migrate.h,
 * vmscan.h name the fields) and hands it to the machine's sinks: the event
 * sink as it is, the text sink through the renderer the views layer
 * installed (views/events.c: the kernel's text format, JSON lines, the
 * parser).
 *
 * The page pointer is the vmemmap address x86-64 would print unhashed
 * (0xffffea0000000000 + pfn * 64); the timestamp is the virtual clock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compaction.h"
#include "internal.h"

#define VMEMMAP_BASE 0xffffea0000000000ULL

static uint64_t page_ptr(uint64_t pfn)
{
	return VMEMMAP_BASE + pfn * 64ULL;
}

/* ---- emission ---- */

static void emit(struct af_machine *m, const struct af_event *ev)
{
	if (m->event_fn)
		m->event_fn(m->event_arg, ev);
	if (m->trace_fn) {
		char line[TRACE_LINE_MAX];
		if (m->trace_format(ev, line, sizeof(line)) >= 0)
			m->trace_fn(m->trace_arg, line);
	}
}

static struct af_event ev_init(struct af_machine *m, int cpu, enum af_event_type type)
{
	return (struct af_event){
		.type = type,
		.cpu = cpu,
		.ts_ns = __atomic_load_n(&m->clock_ns, __ATOMIC_RELAXED),
		.pid = 1000 + cpu,
		.comm = "antifrag",
		.irqflags = ".....",
	};
}

void trace_mm_page_alloc(struct af_machine *m, int cpu, long pfn, unsigned int order, af_gfp_t gfp, int mt)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_PAGE_ALLOC);

	ev.page_alloc = (struct af_ev_page_alloc){
		.page = pfn >= 0 ? page_ptr((uint64_t)pfn) : 0,
		.pfn = pfn >= 0 ? (uint64_t)pfn : UINT64_MAX,
		.order = order, .gfp_flags = gfp, .migratetype = mt,
	};
	emit(m, &ev);
}

void trace_mm_page_free(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_PAGE_FREE);

	ev.page_free = (struct af_ev_page_free){ .page = page_ptr(pfn), .pfn = pfn, .order = order };
	emit(m, &ev);
}

void trace_mm_page_alloc_zone_locked(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order,
				     int mt, int percpu_refill)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED);

	ev.page = (struct af_ev_page){ .page = page_ptr(pfn), .pfn = pfn, .order = order,
				       .migratetype = mt, .percpu_refill = percpu_refill };
	emit(m, &ev);
}

void trace_mm_page_pcpu_drain(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order, int mt)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_PAGE_PCPU_DRAIN);

	ev.page_pcpu_drain = (struct af_ev_page_pcpu_drain){ .page = page_ptr(pfn), .pfn = pfn,
							     .order = order, .migratetype = mt };
	emit(m, &ev);
}

void trace_mm_page_alloc_extfrag(struct af_machine *m, int cpu, unsigned long pfn, int alloc_order,
				 int fallback_order, int alloc_mt, int fallback_mt)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_PAGE_ALLOC_EXTFRAG);

	ev.page_alloc_extfrag = (struct af_ev_page_alloc_extfrag){
		.page = page_ptr(pfn), .pfn = pfn,
		.alloc_order = alloc_order, .fallback_order = fallback_order,
		.pageblock_order = PAGEBLOCK_ORDER,
		.alloc_migratetype = alloc_mt, .fallback_migratetype = fallback_mt,
		.change_ownership = alloc_mt == get_pageblock_migratetype(m, pfn),
	};
	emit(m, &ev);
}

static void trace_isolate(struct af_machine *m, int cpu, enum af_event_type type, unsigned long start_pfn,
			  unsigned long end_pfn, unsigned long nr_scanned, unsigned long nr_taken)
{
	struct af_event ev = ev_init(m, cpu, type);

	ev.compaction_isolate = (struct af_ev_compaction_isolate){
		.start_pfn = start_pfn, .end_pfn = end_pfn, .nr_scanned = nr_scanned, .nr_taken = nr_taken,
	};
	emit(m, &ev);
}

void trace_mm_compaction_isolate_migratepages(struct af_machine *m, int cpu, unsigned long start_pfn,
					      unsigned long end_pfn, unsigned long nr_scanned,
					      unsigned long nr_taken)
{
	trace_isolate(m, cpu, AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES, start_pfn, end_pfn, nr_scanned, nr_taken);
}

void trace_mm_compaction_isolate_freepages(struct af_machine *m, int cpu, unsigned long start_pfn,
					   unsigned long end_pfn, unsigned long nr_scanned, unsigned long nr_taken)
{
	trace_isolate(m, cpu, AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES, start_pfn, end_pfn, nr_scanned, nr_taken);
}

void trace_mm_compaction_migratepages(struct af_machine *m, int cpu, unsigned long nr_migrated,
				      unsigned long nr_failed)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_COMPACTION_MIGRATEPAGES);

	ev.compaction_migratepages = (struct af_ev_compaction_migratepages){
		.nr_migrated = nr_migrated, .nr_failed = nr_failed,
	};
	emit(m, &ev);
}

static void trace_begin_end(struct af_machine *m, int cpu, enum af_event_type type, unsigned long zone_start,
			    unsigned long migrate_pfn, unsigned long free_pfn, unsigned long zone_end,
			    bool sync, int status)
{
	struct af_event ev = ev_init(m, cpu, type);

	ev.compaction_begin_end = (struct af_ev_compaction_begin_end){
		.zone_start = zone_start, .migrate_pfn = migrate_pfn, .free_pfn = free_pfn,
		.zone_end = zone_end, .sync = sync, .status = status,
	};
	emit(m, &ev);
}

void trace_mm_compaction_begin(struct af_machine *m, int cpu, unsigned long zone_start, unsigned long migrate_pfn,
			       unsigned long free_pfn, unsigned long zone_end, bool sync)
{
	trace_begin_end(m, cpu, AF_EV_MM_COMPACTION_BEGIN, zone_start, migrate_pfn, free_pfn, zone_end, sync, 0);
}

void trace_mm_compaction_end(struct af_machine *m, int cpu, unsigned long zone_start, unsigned long migrate_pfn,
			     unsigned long free_pfn, unsigned long zone_end, bool sync, int status)
{
	trace_begin_end(m, cpu, AF_EV_MM_COMPACTION_END, zone_start, migrate_pfn, free_pfn, zone_end, sync,
			status);
}

void trace_mm_compaction_try_to_compact_pages(struct af_machine *m, int cpu, int order, af_gfp_t gfp_mask,
					      int prio)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES);

	ev.compaction_try_to_compact_pages = (struct af_ev_compaction_try_to_compact_pages){
		.order = order, .gfp_mask = gfp_mask, .prio = prio,
	};
	emit(m, &ev);
}

static void trace_suitable(const struct zone *z, int cpu, enum af_event_type type, int order, int ret)
{
	struct af_event ev = ev_init(z->m, cpu, type);

	ev.compaction_suitable = (struct af_ev_compaction_suitable){
		.nid = z->nid, .idx = (int)z->type, .order = order, .ret = ret,
	};
	emit(z->m, &ev);
}

void trace_mm_compaction_finished(const struct zone *z, int cpu, int order, int ret)
{
	trace_suitable(z, cpu, AF_EV_MM_COMPACTION_FINISHED, order, ret);
}

void trace_mm_compaction_suitable(const struct zone *z, int cpu, int order, int ret)
{
	trace_suitable(z, cpu, AF_EV_MM_COMPACTION_SUITABLE, order, ret);
}

static void trace_defer(const struct zone *z, int cpu, enum af_event_type type, int order)
{
	struct af_event ev = ev_init(z->m, cpu, type);

	ev.compaction_defer = (struct af_ev_compaction_defer){
		.nid = z->nid, .idx = (int)z->type, .order = order,
		.considered = z->compact_considered, .defer_shift = z->compact_defer_shift,
		.order_failed = z->compact_order_failed,
	};
	emit(z->m, &ev);
}

void trace_mm_compaction_deferred(const struct zone *z, int cpu, int order)
{
	trace_defer(z, cpu, AF_EV_MM_COMPACTION_DEFERRED, order);
}

void trace_mm_compaction_defer_compaction(const struct zone *z, int cpu, int order)
{
	trace_defer(z, cpu, AF_EV_MM_COMPACTION_DEFER_COMPACTION, order);
}

static void trace_kcompactd(struct af_machine *m, int cpu, enum af_event_type type, int nid, int order,
			    int highest_zoneidx)
{
	struct af_event ev = ev_init(m, cpu, type);

	ev.compaction_kcompactd_wake = (struct af_ev_compaction_kcompactd_wake){
		.nid = nid, .order = order, .highest_zoneidx = highest_zoneidx,
	};
	emit(m, &ev);
}

void trace_mm_compaction_wakeup_kcompactd(struct af_machine *m, int cpu, int nid, int order, int highest_zoneidx)
{
	trace_kcompactd(m, cpu, AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD, nid, order, highest_zoneidx);
}

void trace_mm_compaction_kcompactd_wake(struct af_machine *m, int cpu, int nid, int order, int highest_zoneidx)
{
	trace_kcompactd(m, cpu, AF_EV_MM_COMPACTION_KCOMPACTD_WAKE, nid, order, highest_zoneidx);
}

void trace_mm_migrate_pages(struct af_machine *m, int cpu, unsigned long succeeded, unsigned long failed,
			    unsigned long thp_succeeded, unsigned long thp_failed, unsigned long thp_split,
			    int mode, int reason)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_MIGRATE_PAGES);

	ev.migrate_pages = (struct af_ev_migrate_pages){
		.succeeded = succeeded, .failed = failed, .thp_succeeded = thp_succeeded,
		.thp_failed = thp_failed, .thp_split = thp_split, .mode = mode, .reason = reason,
	};
	emit(m, &ev);
}

void trace_mm_migrate_pages_start(struct af_machine *m, int cpu, int mode, int reason)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_MIGRATE_PAGES_START);

	ev.migrate_pages_start = (struct af_ev_migrate_pages_start){ .mode = mode, .reason = reason };
	emit(m, &ev);
}

void trace_mm_vmscan_wakeup_kswapd(struct af_machine *m, int cpu, int nid, int zid, int order, af_gfp_t gfp_flags)
{
	struct af_event ev = ev_init(m, cpu, AF_EV_MM_VMSCAN_WAKEUP_KSWAPD);

	ev.vmscan_wakeup_kswapd = (struct af_ev_vmscan_wakeup_kswapd){
		.nid = nid, .zid = zid, .order = order, .gfp_flags = gfp_flags,
	};
	emit(m, &ev);
}

/* ---- sinks ---- */

void trace_sinks_changed(struct af_machine *m)
{
	m->trace_enabled = m->event_fn != NULL || m->trace_fn != NULL;
}

void af_set_event_sink(struct af_machine *m, af_event_fn fn, void *arg)
{
	if (!m)
		return;
	m->event_fn = fn;
	m->event_arg = fn ? arg : NULL;
	trace_sinks_changed(m);
}
