/*
 * replay.c - a kernel's kmem trace replayed on a machine, streaming: the
 * text of tracefs's `trace` or `trace_pipe`, or `trace-cmd report`, read a
 * line at a time, so memory follows the machine and not the file.
 *
 * Exact placement follows the kernel's page allocator event by event:
 *   mm_page_alloc_zone_locked with percpu_refill=1: rmqueue_bulk moved that
 *     block from the buddy to the CPU's per-CPU list (af_pcp_refill_at);
 *   mm_page_alloc: the block was handed out, from a per-CPU list or from the
 *     buddy (af_alloc_pages_at);
 *   mm_page_free: given back, onto the CPU's per-CPU list for the orders
 *     the lists keep, else into the buddy (6.1's free_unref_page_list()
 *     emits mm_page_free_batched after the page's own mm_page_free: it
 *     only marks the batch);
 *   mm_page_pcpu_drain: free_pcppages_bulk gave that block to the buddy
 *     (af_pcp_drain_at);
 *   mm_page_alloc_extfrag: a fallback claimed the pageblock for the
 *     request's type (change_ownership=1; every pageblock of a block of
 *     pageblock order or more), or moved just the block it took to the
 *     request's list.
 * The machine's per-CPU lists never drain on their own meanwhile: their
 * high marks are lifted, and the trace's drains do it.  Before each
 * allocation the replay asks where 6.1's fast path would have taken it
 * from the model's state (af_alloc_predict); the first allocation where
 * the kernel chose another block is reported with its line.
 *
 * A trace starts in the middle of a life, and the repairs are counted:
 * a block the trace allocates or frees that the start state holds as an
 * allocation made before tracing began is released first (the import
 * guesses which pages with no flag were on per-CPU lists, and the state
 * moved while it was read); a free of a block the model has free is
 * skipped; the kernel's compaction moves pages with no kmem event, so after
 * it some frees and allocations cannot be followed (counted, with the
 * first one's line).  Lost-event markers, events of other kinds, malformed
 * lines and a truncated last line are counted and skipped.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct pfn_pair { uint64_t kpfn, mpfn; };
#define MARK_PREFIX AF_TRACE_MARK_PREFIX
#define REORDER_WINDOW 64

struct replay {
	struct af_machine *m;
	struct af_replay_stats *st;
	uint8_t *live;		/* 1 bit per pfn: a block the trace allocated (head) */
	int driver;		/* the import's driver, or -1 */
	uint64_t line;
	bool snapshot;		/* between the start snapshot's markers */
	bool ended;		/* past the end snapshot's marker */
	/* per CPU: the list its last event refilled (zone and pindex), or -1 */
	long last_refill[AF_MAX_CPUS];
	/*
	 * Events that met a block the trace itself still holds: with CPU
	 * clocks a little apart, the free that lets it go can come a few lines
	 * later.  Retried after each event for REORDER_WINDOW events.
	 */
	struct { struct af_event ev; uint64_t line, at; } pend[16];
	int npend;
	uint64_t nevent;
	/* policy placement: the kernel's pfn of each live allocation -> the model's */
	struct pfn_pair *map;
	size_t map_cap, map_used;
};

static bool live_get(const struct replay *r, uint64_t pfn)
{
	return r->live[pfn >> 3] & (1u << (pfn & 7));
}

static void live_set(struct replay *r, uint64_t pfn, bool on)
{
	if (on)
		r->live[pfn >> 3] |= (uint8_t)(1u << (pfn & 7));
	else
		r->live[pfn >> 3] &= (uint8_t)~(1u << (pfn & 7));
}

static void first(char *buf, size_t len, uint64_t *at, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void first(char *buf, size_t len, uint64_t *at, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	if (*at)
		return;
	*at = line;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void unfollowed(struct replay *r, const char *what, uint64_t pfn, unsigned int order)
{
	r->st->unfollowed++;
	first(r->st->first_unfollowed, sizeof(r->st->first_unfollowed), &r->st->first_unfollowed_line,
	      r->line, "%s pfn 0x%llx order %u: %s", what, (unsigned long long)pfn, order, af_errmsg());
}

/*
 * Release the blocks in [pfn, pfn + 2^order) that the start state holds as
 * allocations made before tracing began, and drain the per-CPU blocks in
 * it: afterwards the range is free in the buddy unless the trace's own
 * allocations hold some of it (false then).
 */
static bool release_range(struct replay *r, int cpu, uint64_t pfn, unsigned int order, bool keep)
{
	struct af_machine *m = r->m;
	uint64_t end = pfn + (1ULL << order);

	for (uint64_t q = pfn; q < end; q++) {
		struct page *p = &m->pages[q];
		uint32_t f = pflags(p);
		unsigned int o = porder(p);

		if (f & PG_pcp) {
			if (af_pcp_drain_at(m, q, o, -1))
				return false;
			q += (1ULL << o) - 1;
		} else if ((f & PG_alloc) && !(f & PG_tail)) {
			int ret;

			if (live_get(r, q) || (f & (PG_reserved | PG_kernel)))
				return false;
			if (p->owner && r->driver >= 0)
				ret = af_driver_free(m, r->driver, p->index);
			else
				ret = af_free_pages(m, cpu, q, o);
			if (ret)
				return false;
			r->st->released++;
			/*
			 * Freed onto a list: into the buddy, unless it is the very
			 * block the caller takes or frees (keep): the kernel had it
			 * on a list or allocated, not merged with its free buddies.
			 */
			if ((pflags(p) & PG_pcp) && !(keep && q == pfn && o == order))
				af_pcp_drain_at(m, q, o, -1);
			q += (1ULL << o) - 1;
		}
	}
	return true;
}

/* Does the trace itself hold a block of [pfn, pfn + 2^order)? */
static bool live_in(const struct replay *r, uint64_t pfn, unsigned int order)
{
	uint64_t lo = pfn & ~((1ULL << (MAX_ORDER - 1)) - 1);

	/* a live head at or below pfn whose block reaches it, or one inside */
	for (uint64_t q = lo; q < pfn + (1ULL << order); q++)
		if (live_get(r, q) && q + (1ULL << porder(&r->m->pages[q])) > pfn)
			return true;
	return false;
}

/*
 * An allocation's or a refill's block taken where the kernel took it,
 * after releasing what the start state held there: 0, or the errno.
 */
static int place(struct replay *r, const struct af_event *ev)
{
	struct af_machine *m = r->m;
	struct af_alloc_result res;
	int ret;

	if (ev->type == AF_EV_MM_PAGE_ALLOC) {
		const struct af_ev_page_alloc *e = &ev->page_alloc;
		ret = af_alloc_pages_at(m, ev->cpu, e->gfp_flags, e->pfn, e->order, &res);
		if (ret == -EBUSY && release_range(r, ev->cpu, e->pfn, e->order, true))
			ret = af_alloc_pages_at(m, ev->cpu, e->gfp_flags, e->pfn, e->order, &res);
		if (!ret)
			live_set(r, e->pfn, true);
		return ret;
	}
	{
		const struct af_ev_page *e = &ev->page;
		ret = af_pcp_refill_at(m, ev->cpu, e->pfn, e->order, e->migratetype);
		if (ret == -EBUSY && release_range(r, ev->cpu, e->pfn, e->order, false))
			ret = af_pcp_refill_at(m, ev->cpu, e->pfn, e->order, e->migratetype);
		return ret;
	}
}

/* Keep ev for a retry once the trace frees what holds its block: true if kept */
static bool defer(struct replay *r, const struct af_event *ev)
{
	if (r->npend == (int)(sizeof(r->pend) / sizeof(r->pend[0])))
		return false;
	r->pend[r->npend].ev = *ev;
	r->pend[r->npend].line = r->line;
	r->pend[r->npend].at = r->nevent;
	r->npend++;
	return true;
}

/* The deferred events, in order: placed now (reordered), or given up past the window */
static void retry_deferred(struct replay *r, bool last)
{
	for (int i = 0; i < r->npend; ) {
		uint64_t line = r->line;
		int ret = place(r, &r->pend[i].ev);

		if (ret && !last && r->nevent - r->pend[i].at <= REORDER_WINDOW) {
			i++;
			continue;
		}
		if (ret) {
			const struct af_ev_page *e = &r->pend[i].ev.page;	/* page, pfn, order lead both */
			r->line = r->pend[i].line;
			unfollowed(r, r->pend[i].ev.type == AF_EV_MM_PAGE_ALLOC ? "alloc" : "refill", e->pfn,
				   e->order);
			r->line = line;
		} else {
			r->st->reordered++;
		}
		memmove(&r->pend[i], &r->pend[i + 1], (size_t)(r->npend - i - 1) * sizeof(r->pend[0]));
		r->npend--;
	}
}

static void on_alloc(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page_alloc *e = &ev->page_alloc;
	struct af_machine *m = r->m;
	uint64_t want;
	int ret;

	if (e->pfn == UINT64_MAX) {
		r->st->failed_allocs++;
		return;
	}
	r->st->allocs++;
	if (e->pfn >= m->max_pfn || e->order >= MAX_ORDER || ev->cpu >= m->nr_cpus) {
		af_err(-EINVAL, "outside the machine");
		unfollowed(r, "alloc", e->pfn, e->order);
		return;
	}
	if (r->snapshot) {
		/* the state was being read: no prediction */
	} else if (!af_alloc_predict(m, ev->cpu, e->gfp_flags, e->order, &want)) {
		r->st->predicted++;
		if (want != e->pfn) {
			r->st->mispredicted++;
			first(r->st->first_divergence, sizeof(r->st->first_divergence),
			      &r->st->first_divergence_line, r->line,
			      "the kernel took pfn 0x%llx order %u (cpu %d), 6.1's choice in the model's "
			      "state was pfn 0x%llx", (unsigned long long)e->pfn, e->order, ev->cpu,
			      (unsigned long long)want);
		}
	} else {
		r->st->unpredicted++;
	}
	ret = place(r, ev);
	if (ret == -EBUSY && live_in(r, e->pfn, e->order) && defer(r, ev))
		return;
	if (ret)
		unfollowed(r, "alloc", e->pfn, e->order);
}

/* Is some page of the block reserved or a hole?  Then the event is not followed */
static bool unmanaged(struct replay *r, const char *what, uint64_t pfn, unsigned int order)
{
	for (uint64_t q = pfn; q < pfn + (1ULL << order); q++)
		if (pflags(&r->m->pages[q]) & (PG_reserved | PG_hole)) {
			af_err(-EINVAL, "pfn 0x%llx is not managed memory of the model", (unsigned long long)q);
			unfollowed(r, what, pfn, order);
			return true;
		}
	return false;
}

static void on_free(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page_free *e = &ev->page_free;
	struct af_machine *m = r->m;
	struct page *p;
	uint64_t held;
	int cpu = ev->cpu;

	r->st->frees++;
	if (e->order >= MAX_ORDER || e->pfn >= m->max_pfn || m->max_pfn - e->pfn < (1ULL << e->order) ||
	    cpu >= m->nr_cpus) {
		af_err(-EINVAL, "outside the machine");
		unfollowed(r, "free", e->pfn, e->order);
		return;
	}
	p = &m->pages[e->pfn];
	if (live_get(r, e->pfn) && (pflags(p) & PG_alloc) && porder(p) == e->order) {
		live_set(r, e->pfn, false);
		if (af_free_pages(m, cpu, e->pfn, e->order))
			unfollowed(r, "free", e->pfn, e->order);
		return;
	}
	/* a block allocated before tracing began, or one the model has free */
	held = 0;
	for (uint64_t q = e->pfn; q < e->pfn + (1ULL << e->order); q++)
		if (live_get(r, q)) {
			af_err(-EINVAL, "the trace allocated it otherwise");
			unfollowed(r, "free", e->pfn, e->order);
			return;
		}
	if (unmanaged(r, "free", e->pfn, e->order))
		return;
	for (uint64_t q = e->pfn; q < e->pfn + (1ULL << e->order); q++)
		held += (pflags(&m->pages[q]) & PG_alloc) != 0;
	/*
	 * Free in the model: the kernel took it unseen (between the start
	 * snapshot and tracing_on, by alloc_pages_bulk, or as compaction's
	 * migration target) and frees it now.  Followed: onto the list.
	 */
	if (!held)
		r->st->freed_unseen++;
	if (!release_range(r, cpu, e->pfn, e->order, true)) {
		unfollowed(r, "free", e->pfn, e->order);
		return;
	}
	if (held)
		r->st->freed_pretrace++;
	/* as the kernel freed it: onto this CPU's list, for the orders the lists keep */
	if (!(pflags(p) & PG_pcp) && (e->order <= PAGE_ALLOC_COSTLY_ORDER || e->order == PAGEBLOCK_ORDER)) {
		int mt = get_pageblock_migratetype(m, e->pfn);
		if (mt < MIGRATE_PCPTYPES)
			af_pcp_refill_at(m, cpu, e->pfn, e->order, mt);
	}
}

/*
 * rmqueue_bulk() refills a list only when it is empty: what the model still
 * has on it when a batch begins left the kernel's list unseen (taken by
 * alloc_pages_bulk(), which emits no mm_page_alloc, or never there: the
 * import guessed which pages with no flag were on the lists).  Those
 * blocks become allocations made outside the trace.
 */
static void refill_begins(struct replay *r, int cpu, struct zone *z, int pindex, int mt)
{
	struct af_machine *m = r->m;
	struct list_pfn *l = &z->pcp[cpu].lists[pindex];
	unsigned int order = pindex_to_order(pindex);
	af_gfp_t gfp = mt == MIGRATE_MOVABLE ? AF_GFP_HIGHUSER_MOVABLE
		       : mt == MIGRATE_RECLAIMABLE ? AF_GFP_KERNEL | AF___GFP_RECLAIMABLE : AF_GFP_KERNEL;

	while (!list_empty_pfn(l)) {
		uint64_t pfn = l->first;
		if (af_alloc_pages_at(m, cpu, gfp | (order ? AF___GFP_COMP : 0), pfn, order, NULL))
			break;
		r->st->pcp_unseen++;
	}
}

static void on_refill(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page *e = &ev->page;
	struct zone *z;
	long key;
	int ret;


	if (!e->percpu_refill)
		return;		/* the mm_page_alloc that follows takes it */
	r->st->refills++;
	if (e->pfn >= r->m->max_pfn || e->order >= MAX_ORDER || ev->cpu >= r->m->nr_cpus ||
	    !pcp_allowed_order(e->order) || e->migratetype < 0 || e->migratetype >= MIGRATE_PCPTYPES ||
	    !(z = pfn_zone(r->m, e->pfn))) {
		af_err(-EINVAL, "not a per-CPU block of the machine");
		unfollowed(r, "refill", e->pfn, e->order);
		return;
	}
	key = (long)(z - &r->m->node[0]->node_zones[0]) * NR_PCP_LISTS + order_to_pindex(e->migratetype, e->order);
	if (z->nid)
		key = ((long)z->nid * MAX_NR_ZONES + z->type) * NR_PCP_LISTS +
		      order_to_pindex(e->migratetype, e->order);
	if (r->last_refill[ev->cpu] != key)
		refill_begins(r, ev->cpu, z, order_to_pindex(e->migratetype, e->order), e->migratetype);
	r->last_refill[ev->cpu] = key;
	ret = place(r, ev);
	if (ret == -EBUSY && live_in(r, e->pfn, e->order) && defer(r, ev))
		return;
	if (ret)
		unfollowed(r, "refill", e->pfn, e->order);
}

static void on_drain(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page_pcpu_drain *e = &ev->page_pcpu_drain;
	struct af_machine *m = r->m;
	int mt;

	r->st->drains++;
	if (e->order >= MAX_ORDER || e->pfn >= m->max_pfn || m->max_pfn - e->pfn < (1ULL << e->order)) {
		af_err(-EINVAL, "outside the machine");
		unfollowed(r, "drain", e->pfn, e->order);
		return;
	}
	/* onto the free list the kernel's drain named (the type the list held it as) */
	mt = e->migratetype >= 0 && e->migratetype < MIGRATE_TYPES ? e->migratetype : -1;
	if (!af_pcp_drain_at(m, e->pfn, e->order, mt))
		return;
	if (unmanaged(r, "drain", e->pfn, e->order))
		return;
	/* on a list in the kernel, held as an allocation by the start state */
	if (!release_range(r, 0, e->pfn, e->order, true) || af_pcp_drain_at(m, e->pfn, e->order, mt)) {
		struct page *p = &m->pages[e->pfn];
		if (!(pflags(p) & (PG_alloc | PG_pcp)))
			return;	/* now in the buddy */
		unfollowed(r, "drain", e->pfn, e->order);
	}
}

/*
 * A fallback that claimed its pageblock (change_ownership=1: the block is
 * the request's type now, steal_suitable_fallback() moved its free pages
 * to that type's lists); one that did not moved only the block it took,
 * which the allocation that follows takes wherever it is.
 */
static void on_extfrag(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page_alloc_extfrag *e = &ev->page_alloc_extfrag;
	struct af_machine *m = r->m;
	struct zone *z;

	r->st->info_events++;
	if (e->pfn >= m->max_pfn || e->alloc_migratetype < 0 || e->alloc_migratetype >= MIGRATE_PCPTYPES ||
	    e->fallback_order < 0 || e->fallback_order >= MAX_ORDER || !(z = pfn_zone(m, e->pfn))) {
		af_err(-EINVAL, "not a pageblock of the machine");
		unfollowed(r, "fallback", e->pfn, (unsigned int)MAX(e->alloc_order, 0));
		return;
	}
	lock_zone(z);
	if (e->fallback_order >= PAGEBLOCK_ORDER) {
		/* a block of whole pageblocks: every one of them claimed (change_pageblock_range) */
		struct page *p = &m->pages[e->pfn];
		r->st->claims++;
		for (uint64_t b = e->pfn; b < e->pfn + (1ULL << e->fallback_order) && b < m->max_pfn;
		     b += PAGEBLOCK_NR_PAGES)
			set_pageblock_migratetype(m, b, e->alloc_migratetype);
		if ((pflags(p) & PG_buddy) && porder(p) == (unsigned int)e->fallback_order)
			move_to_free_list(z, e->pfn, (unsigned int)e->fallback_order, e->alloc_migratetype);
	} else if (e->change_ownership) {
		r->st->claims++;
		if (get_pageblock_migratetype(m, e->pfn) != e->alloc_migratetype) {
			move_freepages_block(z, e->pfn, e->alloc_migratetype, NULL);
			set_pageblock_migratetype(m, e->pfn, e->alloc_migratetype);
		}
	} else {
		/* the single block to the request's list, where its split leaves the rest */
		struct page *p = &m->pages[e->pfn];
		if ((pflags(p) & PG_buddy) && porder(p) == (unsigned int)e->fallback_order)
			move_to_free_list(z, e->pfn, (unsigned int)e->fallback_order, e->alloc_migratetype);
	}
	unlock_zone(z);
}

/* ---- policy placement: the requests, the model's allocator ---- */
#define MAP_EMPTY UINT64_MAX
#define MAP_GONE (UINT64_MAX - 1)

static size_t map_slot(const struct replay *r, uint64_t kpfn)
{
	return (size_t)((kpfn * 0x9e3779b97f4a7c15ULL) >> 20) & (r->map_cap - 1);
}

static bool map_grow(struct replay *r)
{
	size_t cap = r->map_cap ? r->map_cap * 2 : 1 << 12, old = r->map_cap;
	struct pfn_pair *nm = malloc(cap * sizeof(*nm)), *om = r->map;

	if (!nm)
		return false;
	for (size_t i = 0; i < cap; i++)
		nm[i].kpfn = MAP_EMPTY;
	r->map = nm;
	r->map_cap = cap;
	r->map_used = 0;
	for (size_t i = 0; i < old; i++)
		if (om[i].kpfn < MAP_GONE) {
			size_t k = map_slot(r, om[i].kpfn);
			while (nm[k].kpfn != MAP_EMPTY)
				k = (k + 1) & (cap - 1);
			nm[k] = om[i];
			r->map_used++;
		}
	free(om);
	return true;
}

static bool map_put(struct replay *r, uint64_t kpfn, uint64_t mpfn)
{
	size_t k;

	if ((r->map_used + 1) * 2 > r->map_cap && !map_grow(r))
		return false;
	for (k = map_slot(r, kpfn); r->map[k].kpfn < MAP_GONE && r->map[k].kpfn != kpfn;)
		k = (k + 1) & (r->map_cap - 1);
	if (r->map[k].kpfn != kpfn)
		r->map_used++;
	r->map[k].kpfn = kpfn;
	r->map[k].mpfn = mpfn;
	return true;
}

/* The model's pfn for the kernel's kpfn, removed; UINT64_MAX when none */
static uint64_t map_take(struct replay *r, uint64_t kpfn)
{
	if (!r->map_cap)
		return UINT64_MAX;
	for (size_t k = map_slot(r, kpfn); r->map[k].kpfn != MAP_EMPTY; k = (k + 1) & (r->map_cap - 1))
		if (r->map[k].kpfn == kpfn) {
			uint64_t mpfn = r->map[k].mpfn;
			r->map[k].kpfn = MAP_GONE;
			return mpfn;
		}
	return UINT64_MAX;
}

static void on_request(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page_alloc *e = &ev->page_alloc;
	struct af_alloc_result res;

	if (e->pfn == UINT64_MAX) {
		r->st->failed_allocs++;
		return;
	}
	r->st->allocs++;
	if (e->order >= MAX_ORDER || af_alloc_pages(r->m, ev->cpu, e->gfp_flags, e->order, -1, &res)) {
		r->st->model_failed++;
		return;
	}
	if (!map_put(r, e->pfn, res.pfn)) {
		af_err(-ENOMEM, "out of memory");
		unfollowed(r, "alloc", e->pfn, e->order);
		af_free_pages(r->m, ev->cpu, res.pfn, e->order);
		return;
	}
	live_set(r, res.pfn, true);
}

static void on_request_free(struct replay *r, const struct af_event *ev)
{
	const struct af_ev_page_free *e = &ev->page_free;
	struct af_machine *m = r->m;
	uint64_t mpfn = map_take(r, e->pfn);
	struct page *p;

	r->st->frees++;
	if (mpfn != UINT64_MAX) {
		live_set(r, mpfn, false);
		if (af_free_pages(m, ev->cpu, mpfn, e->order))
			unfollowed(r, "free", e->pfn, e->order);
		return;
	}
	/* allocated before tracing: the start state's block at the kernel's pfn */
	if (e->pfn >= m->max_pfn || e->order >= MAX_ORDER || live_get(r, e->pfn)) {
		r->st->freed_free++;
		return;
	}
	p = &m->pages[e->pfn];
	if (!(pflags(p) & PG_alloc) || (pflags(p) & (PG_tail | PG_reserved | PG_kernel)) ||
	    porder(p) != e->order) {
		r->st->freed_free++;
		return;
	}
	if (p->owner && r->driver >= 0 ? af_driver_free(m, r->driver, p->index)
				      : af_free_pages(m, ev->cpu, e->pfn, e->order))
		unfollowed(r, "free", e->pfn, e->order);
	else
		r->st->freed_pretrace++;
}

/*
 * The per-CPU lists drain only as the trace says: their high marks lifted
 * (saved in *high, one per zone and CPU), or put back (lift false).
 */
static void lists_follow_trace(struct af_machine *m, int *high, bool lift)
{
	for (int n = 0, i = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			for (int c = 0; c < m->nr_cpus; c++, i++) {
				struct per_cpu_pages *pcp = &m->node[n]->node_zones[t].pcp[c];
				lock_pcp(m, pcp);
				if (lift) {
					high[i] = pcp->high;
					pcp->high = INT_MAX / 2;
					pcp->free_factor = 0;
				} else {
					pcp->high = high[i];
				}
				unlock_pcp(m, pcp);
			}
}

/* The text of a trace, a line at a time (af_replay_stream), read in large blocks */
struct text_source {
	FILE *in;
	char *buf;
	size_t cap, start, end;
	bool eof;
	char *line;
};

/*
 * The next line in t->line without its newline: its length (with the
 * newline), 0 at the end, -1 for a last line with no newline (cut short;
 * t->line holds it) and -2 when reading fails.
 */
static ssize_t next_line(struct text_source *t)
{
	for (;;) {
		char *nl = t->end > t->start ? memchr(t->buf + t->start, '\n', t->end - t->start) : NULL;

		if (nl) {
			ssize_t n = nl - (t->buf + t->start) + 1;
			t->line = t->buf + t->start;
			*nl = 0;
			t->start += (size_t)n;
			return n;
		}
		if (t->eof) {
			if (t->start == t->end)
				return 0;
			t->line = t->buf + t->start;
			t->buf[t->end] = 0;
			t->start = t->end;
			return -1;
		}
		if (t->start) {
			memmove(t->buf, t->buf + t->start, t->end - t->start);
			t->end -= t->start;
			t->start = 0;
		}
		if (t->end + 1 >= t->cap) {	/* a line longer than the buffer */
			size_t cap = t->cap ? 2 * t->cap : 1 << 20;
			char *b = realloc(t->buf, cap);
			if (!b) {
				af_err(-ENOMEM, "out of memory");
				return -2;
			}
			t->buf = b;
			t->cap = cap;
		}
		{
			size_t got = fread(t->buf + t->end, 1, t->cap - 1 - t->end, t->in);
			t->end += got;
			if (!got) {
				if (ferror(t->in)) {
					af_err(-EIO, "reading the trace failed");
					return -2;
				}
				t->eof = true;
			}
		}
	}
}

static enum af_trace_item text_next(void *arg, struct af_event *ev, char *why, size_t len)
{
	struct text_source *t = arg;
	ssize_t n = next_line(t);
	int ret;

	if (n == -2)
		return AF_TRACE_ERROR;
	if (!n)
		return AF_TRACE_END;
	if (n < 0)
		return AF_TRACE_TRUNCATED;
	ret = af_event_parse_len(t->line, (size_t)n - 1, ev);
	if (!ret)
		return AF_TRACE_EVENT;
	if (strstr(t->line, "[LOST ") && strstr(t->line, " EVENTS]"))
		return AF_TRACE_LOST;
	if (ret == -ENOENT) {
		const char *mark = strstr(t->line, MARK_PREFIX);
		if (mark) {
			snprintf(why, len, "%s", mark);
			return AF_TRACE_MARK;
		}
		if (t->line[0] == '#' || !t->line[strspn(t->line, " \t")])
			return AF_TRACE_COMMENT;
		return AF_TRACE_OTHER;
	}
	snprintf(why, len, "%.200s", t->line);
	return AF_TRACE_MALFORMED;
}

int af_replay_source(struct af_machine *m, af_trace_next_fn next, void *arg, int import_driver, int policy,
		     struct af_replay_stats *st)
{
	struct af_replay_stats dummy;
	struct replay r = { .m = m, .driver = import_driver };
	struct timespec t0, t1;
	char error[256] = "";
	int *high, ret = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!m || !next)
		return af_err(-EINVAL, "bad arguments");
	if (m->threaded)
		return af_err(-EINVAL, "replay runs on a deterministic machine");
	r.st = st;
	for (int c = 0; c < AF_MAX_CPUS; c++)
		r.last_refill[c] = -1;
	r.live = calloc((m->max_pfn + 7) / 8, 1);
	high = calloc((size_t)m->nr_nodes * MAX_NR_ZONES * (size_t)m->nr_cpus, sizeof(*high));
	if (!r.live || !high) {
		free(r.live);
		free(high);
		return af_err(-ENOMEM, "out of memory");
	}
	if (!policy)
		lists_follow_trace(m, high, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct af_event ev;
		char why[256];
		enum af_trace_item item = next(arg, &ev, why, sizeof(why));

		if (item == AF_TRACE_END)
			break;
		if (item == AF_TRACE_ERROR) {
			ret = -EIO;
			snprintf(error, sizeof(error), "%s", af_errmsg());
			break;
		}
		r.line = ++st->lines;
		if (item == AF_TRACE_TRUNCATED) {
			st->truncated++;	/* the last line, cut short */
			break;
		}
		if (item == AF_TRACE_LOST) {
			st->lost_markers++;
			continue;
		}
		if (item == AF_TRACE_MARK) {
			why[sizeof(why) - 1] = 0;
			why[strcspn(why, "\r\n")] = 0;
			st->marks++;
			if (!strcmp(why, MARK_PREFIX "start snapshot"))
				r.snapshot = true;
			else if (!strcmp(why, MARK_PREFIX "start snapshot taken"))
				r.snapshot = false;
			else if (!strcmp(why, MARK_PREFIX "end snapshot"))
				r.ended = true;
			continue;
		}
		if (item == AF_TRACE_COMMENT) {
			st->comments++;
			continue;
		}
		if (item == AF_TRACE_OTHER) {
			st->other_events++;
			continue;
		}
		if (item != AF_TRACE_EVENT) {
			st->malformed++;
			why[sizeof(why) - 1] = 0;
			first(st->first_malformed, sizeof(st->first_malformed), &st->first_malformed_line,
			      r.line, "%s", why);
			continue;
		}
		st->events++;
		if (r.ended) {
			st->after_end++;
			continue;
		}
		st->during_snapshot += r.snapshot;
		if (ev.cpu < 0 || ev.cpu >= m->nr_cpus) {
			af_err(-EINVAL, "cpu %d: the machine has %d", ev.cpu, m->nr_cpus);
			unfollowed(&r, "event", 0, 0);
			continue;
		}
		/* a refill batch's blocks, with the fallbacks between them (rmqueue_bulk) */
		if (ev.type != AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED && ev.type != AF_EV_MM_PAGE_ALLOC_EXTFRAG)
			r.last_refill[ev.cpu] = -1;
		if (policy) {
			if (ev.type == AF_EV_MM_PAGE_ALLOC)
				on_request(&r, &ev);
			else if (ev.type == AF_EV_MM_PAGE_FREE)
				on_request_free(&r, &ev);
			else if (ev.type == AF_EV_MM_COMPACTION_MIGRATEPAGES)
				st->compaction_migrated += ev.compaction_migratepages.nr_migrated;
			else
				st->info_events++;
			continue;
		}
		switch (ev.type) {
		case AF_EV_MM_PAGE_ALLOC:
			on_alloc(&r, &ev);
			break;
		case AF_EV_MM_PAGE_FREE:
			on_free(&r, &ev);
			break;
		case AF_EV_MM_PAGE_FREE_BATCHED:
			/* free_unref_page_list(): the page's mm_page_free came first */
			st->info_events++;
			break;
		case AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED:
			on_refill(&r, &ev);
			break;
		case AF_EV_MM_PAGE_PCPU_DRAIN:
			on_drain(&r, &ev);
			break;
		case AF_EV_MM_PAGE_ALLOC_EXTFRAG:
			on_extfrag(&r, &ev);
			break;
		case AF_EV_MM_COMPACTION_MIGRATEPAGES:
			st->compaction_migrated += ev.compaction_migratepages.nr_migrated;
			break;
		default:
			st->info_events++;
			break;
		}
		r.nevent++;
		if (r.npend)
			retry_deferred(&r, false);
	}
	retry_deferred(&r, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	if (!policy)
		lists_follow_trace(m, high, false);
	free(r.live);
	free(high);
	free(r.map);
	/* the source's own reason, not a later event's */
	return ret ? af_err(ret, "%s", error) : 0;
}

/*
 * The text parsed a few batches ahead, in a thread of its own, while the
 * replay follows what was parsed before: the same items in the same order,
 * so the same replay, with reading and parsing off the replay's CPU.  The
 * machine is touched by the replaying thread only.
 */
enum { PIPE_BATCH = 1024, PIPE_NBUF = 4, PIPE_TEXT = 32768 };

struct pipe_item {
	struct af_event ev;
	uint32_t why;		/* offset of its text in the batch's, for the kinds that carry one */
	uint8_t kind;		/* enum af_trace_item */
};

struct pipe_batch {
	struct pipe_item it[PIPE_BATCH];
	int n;
	size_t used;
	char text[PIPE_TEXT];
};

struct pipeline {
	af_trace_next_fn next;
	void *arg;
	struct pipe_batch *b[PIPE_NBUF];
	bool full[PIPE_NBUF];	/* filled, not yet followed (under lock) */
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int cons, pos;		/* the replay's batch and item in it */
	bool have;		/* the replay holds batch cons */
	bool stop;		/* the replay has returned: the parser stops (under lock) */
	pthread_t thread;
};

static bool item_has_text(enum af_trace_item k)
{
	return k == AF_TRACE_MALFORMED || k == AF_TRACE_MARK || k == AF_TRACE_ERROR;
}

static void *pipe_produce(void *arg)
{
	struct pipeline *p = arg;
	char why[256];

	for (int i = 0;; i = (i + 1) % PIPE_NBUF) {
		struct pipe_batch *b = p->b[i];
		bool last = false;

		pthread_mutex_lock(&p->lock);
		while (p->full[i] && !p->stop)
			pthread_cond_wait(&p->cv, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		pthread_mutex_unlock(&p->lock);
		b->n = 0;
		b->used = 0;
		while (b->n < PIPE_BATCH && b->used + sizeof(why) <= PIPE_TEXT) {
			struct pipe_item *it = &b->it[b->n++];
			enum af_trace_item k;

			why[0] = 0;
			k = p->next(p->arg, &it->ev, why, sizeof(why));
			it->kind = (uint8_t)k;
			if (item_has_text(k)) {
				int len = snprintf(b->text + b->used, sizeof(why), "%s",
						   k == AF_TRACE_ERROR ? af_errmsg() : why);
				it->why = (uint32_t)b->used;
				b->used += (size_t)(len < (int)sizeof(why) ? len : (int)sizeof(why) - 1) + 1;
			}
			if (k == AF_TRACE_END || k == AF_TRACE_ERROR || k == AF_TRACE_TRUNCATED) {
				last = true;
				break;
			}
		}
		pthread_mutex_lock(&p->lock);
		p->full[i] = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->lock);
		if (last)
			return NULL;
	}
}

static enum af_trace_item pipe_next(void *arg, struct af_event *ev, char *why, size_t len)
{
	struct pipeline *p = arg;
	const struct pipe_item *it;
	struct pipe_batch *b;

	if (p->have && p->pos == p->b[p->cons]->n) {	/* this batch followed: back to the parser */
		pthread_mutex_lock(&p->lock);
		p->full[p->cons] = false;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->lock);
		p->cons = (p->cons + 1) % PIPE_NBUF;
		p->have = false;
	}
	if (!p->have) {
		pthread_mutex_lock(&p->lock);
		while (!p->full[p->cons])
			pthread_cond_wait(&p->cv, &p->lock);
		pthread_mutex_unlock(&p->lock);
		p->have = true;
		p->pos = 0;
	}
	b = p->b[p->cons];
	it = &b->it[p->pos++];
	*ev = it->ev;
	if (item_has_text(it->kind)) {
		if (it->kind == AF_TRACE_ERROR)
			af_err(-EIO, "%s", b->text + it->why);
		else
			snprintf(why, len, "%s", b->text + it->why);
	}
	return (enum af_trace_item)it->kind;
}

static int replay_text(struct af_machine *m, FILE *in, int import_driver, int policy, struct af_replay_stats *st)
{
	struct text_source t = { .in = in };
	struct pipeline p = { .next = text_next, .arg = &t };
	int ret, k;

	if (!in) {
		if (st)
			memset(st, 0, sizeof(*st));
		return af_err(-EINVAL, "bad arguments");
	}
	for (k = 0; k < PIPE_NBUF && (p.b[k] = malloc(sizeof(*p.b[k]))); k++)
		;
	if (k < PIPE_NBUF || pthread_mutex_init(&p.lock, NULL)) {
		while (k--)
			free(p.b[k]);
		k = -1;		/* no pipeline: parsed in this thread */
	} else if (pthread_cond_init(&p.cv, NULL) || pthread_create(&p.thread, NULL, pipe_produce, &p)) {
		pthread_mutex_destroy(&p.lock);
		while (k--)
			free(p.b[k]);
		k = -1;
	}
	if (k < 0) {
		ret = af_replay_source(m, text_next, &t, import_driver, policy, st);
	} else {
		/*
		 * The replay reads every item up to the parser's last (END, ERROR
		 * or TRUNCATED) unless it refuses the machine before the first:
		 * the parser is told to stop either way.
		 */
		ret = af_replay_source(m, pipe_next, &p, import_driver, policy, st);
		pthread_mutex_lock(&p.lock);
		p.stop = true;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.lock);
		pthread_join(p.thread, NULL);
		pthread_cond_destroy(&p.cv);
		pthread_mutex_destroy(&p.lock);
		for (k = 0; k < PIPE_NBUF; k++)
			free(p.b[k]);
	}
	free(t.buf);
	return ret;
}

int af_replay_stream(struct af_machine *m, FILE *in, int import_driver, struct af_replay_stats *st)
{
	return replay_text(m, in, import_driver, 0, st);
}

int af_replay_requests(struct af_machine *m, FILE *in, int import_driver, struct af_replay_stats *st)
{
	return replay_text(m, in, import_driver, 1, st);
}

/* ---- pageblock types from the trace's drains ---- */

struct block_votes {
	uint64_t nblocks;
	uint32_t (*votes)[MIGRATE_PCPTYPES];
	uint8_t *claimed;
	uint64_t counted;
};

static int votes_init(struct block_votes *v, uint64_t max_pfn, struct af_block_types *bt)
{
	memset(bt, 0, sizeof(*bt));
	memset(v, 0, sizeof(*v));
	v->nblocks = (max_pfn + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
	if (!v->nblocks)
		return 0;
	v->votes = calloc(v->nblocks, sizeof(*v->votes));
	v->claimed = calloc(v->nblocks, 1);
	if (!v->votes || !v->claimed) {
		free(v->votes);
		free(v->claimed);
		return af_err(-ENOMEM, "out of memory");
	}
	return 0;
}

/* One event's say: a drain votes for its block, a claim ends the block's vote */
static void votes_take(struct block_votes *v, const struct af_event *ev)
{
	uint64_t b;

	if (ev->type == AF_EV_MM_PAGE_PCPU_DRAIN) {
		const struct af_ev_page_pcpu_drain *e = &ev->page_pcpu_drain;
		b = e->pfn / PAGEBLOCK_NR_PAGES;
		if (e->pfn == UINT64_MAX || b >= v->nblocks || v->claimed[b] || e->order >= PAGEBLOCK_ORDER ||
		    e->migratetype < 0 || e->migratetype >= MIGRATE_PCPTYPES)
			return;
		if (v->votes[b][e->migratetype] < UINT32_MAX)
			v->votes[b][e->migratetype]++;
		v->counted++;
	} else if (ev->type == AF_EV_MM_PAGE_ALLOC_EXTFRAG && ev->page_alloc_extfrag.change_ownership) {
		b = ev->page_alloc_extfrag.pfn / PAGEBLOCK_NR_PAGES;
		if (b < v->nblocks)
			v->claimed[b] = 1;
	}
}

static int votes_done(struct block_votes *v, struct af_block_types *bt)
{
	int ret = 0;

	if (v->nblocks && !(bt->mt = malloc(v->nblocks)))
		ret = af_err(-ENOMEM, "out of memory");
	for (uint64_t b = 0; !ret && b < v->nblocks; b++) {
		int best = -1, kinds = 0;
		uint32_t most = 0;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
			kinds += v->votes[b][mt] > 0;
			if (v->votes[b][mt] > most) {
				most = v->votes[b][mt];
				best = mt;
			}
		}
		bt->mt[b] = (int8_t)best;
		bt->typed += best >= 0;
		bt->split += kinds > 1;
	}
	bt->nblocks = ret ? 0 : v->nblocks;
	bt->votes = v->counted;
	free(v->votes);
	free(v->claimed);
	return ret;
}

void af_block_types_free(struct af_block_types *bt)
{
	if (!bt)
		return;
	free(bt->mt);
	memset(bt, 0, sizeof(*bt));
}

int af_trace_block_types(af_trace_next_fn next, void *arg, uint64_t max_pfn, struct af_block_types *bt)
{
	struct block_votes v;
	struct af_event ev;
	char why[256];
	int ret = 0;

	if (!next || !bt)
		return af_err(-EINVAL, "bad arguments");
	if ((ret = votes_init(&v, max_pfn, bt)))
		return ret;
	for (;;) {
		enum af_trace_item it = next(arg, &ev, why, sizeof(why));
		if (it == AF_TRACE_END || it == AF_TRACE_TRUNCATED)
			break;
		if (it == AF_TRACE_ERROR) {
			ret = -EIO;
			break;
		}
		if (it == AF_TRACE_EVENT)
			votes_take(&v, &ev);
	}
	if (ret) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", af_errmsg());
		votes_done(&v, bt);
		af_block_types_free(bt);
		return af_err(ret, "%s", msg);
	}
	return votes_done(&v, bt);
}

int af_trace_block_types_stream(FILE *in, uint64_t max_pfn, struct af_block_types *bt)
{
	struct text_source t = { .in = in };
	struct block_votes v;
	struct af_event ev;
	ssize_t n;
	int ret;

	if (!in || !bt)
		return af_err(-EINVAL, "bad arguments");
	if ((ret = votes_init(&v, max_pfn, bt)))
		return ret;
	while ((n = next_line(&t)) != 0 && n != -2)
		if ((strstr(t.line, "_drain: ") || strstr(t.line, "_extfrag: ")) && !af_event_parse(t.line, &ev))
			votes_take(&v, &ev);
	free(t.buf);
	if (n == -2) {
		votes_done(&v, bt);
		af_block_types_free(bt);
		return af_err(-EIO, "reading the trace failed");
	}
	return votes_done(&v, bt);
}
