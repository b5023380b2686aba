/*
 * mixed.c - the mixed workload: raw unmovable, reclaimable and movable
 * allocations of orders 0-10 without owners, filled, churned and released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

struct block { uint32_t pfn; uint8_t order; uint8_t cpu; };
struct live { struct block *b; size_t nr, cap; };

static int live_push(struct live *l, struct block b)
{
	if (l->nr == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		struct block *nb = realloc(l->b, ncap * sizeof(*nb));
		if (!nb)
			return af_err(-ENOMEM, "out of memory");
		l->b = nb;
		l->cap = ncap;
	}
	l->b[l->nr++] = b;
	return 0;
}

static unsigned int pick_order(struct af_rng *r)
{
	uint64_t x = af_rng_below(r, 1000);

	/* 90% order 0, 7.5% orders 1-3, 2.3% orders 4-8, 0.2% orders 9-10 */
	if (x < 900)
		return 0;
	if (x < 975)
		return 1 + (unsigned)af_rng_below(r, 3);
	if (x < 998)
		return 4 + (unsigned)af_rng_below(r, 5);
	return 9 + (unsigned)af_rng_below(r, 2);
}

/*
 * The mix of mobility types shifts between phases, as demand does on a real
 * machine (a page-cache-heavy phase, a slab-heavy one ...).  Per phase two
 * cumulative percentages: below the first MOVABLE, below the second
 * UNMOVABLE, the rest RECLAIMABLE (phase 0: 50/30/20).
 */
static const int mixes[4][2] = { { 50, 80 }, { 80, 90 }, { 30, 80 }, { 30, 50 } };

static af_gfp_t pick_gfp(struct af_rng *r, int phase)
{
	uint64_t x = af_rng_below(r, 100);

	if (x < (uint64_t)mixes[phase][0])
		return AF_GFP_HIGHUSER_MOVABLE;
	if (x < (uint64_t)mixes[phase][1])
		return AF_GFP_KERNEL;
	return AF_GFP_KERNEL | AF___GFP_RECLAIMABLE;
}

static int do_alloc(struct af_machine *m, struct live *l, struct af_rng *r,
		    struct af_workload_stats *st, uint64_t *held, int phase)
{
	unsigned int order = pick_order(r);
	int cpu = (int)af_rng_below(r, (uint64_t)m->nr_cpus);
	af_gfp_t gfp = pick_gfp(r, phase);
	struct af_alloc_result res;
	int ret;

	if (order >= PAGEBLOCK_ORDER && (gfp & AF___GFP_MOVABLE))
		gfp = AF_GFP_TRANSHUGE_LIGHT;
	st->allocs++;
	st->alloc_by_order[order]++;
	ret = af_alloc_pages(m, cpu, gfp, order, -1, &res);
	if (ret == -ENOMEM) {
		st->alloc_fail++;
		st->fail_by_order[order]++;
		return 0;
	}
	if (ret)
		return ret;
	*held += 1UL << order;
	if (*held > st->peak_pages)
		st->peak_pages = *held;
	return live_push(l, (struct block){ (uint32_t)res.pfn, (uint8_t)order, (uint8_t)cpu });
}

static int do_free(struct af_machine *m, struct live *l, struct af_rng *r,
		   struct af_workload_stats *st, uint64_t *held)
{
	size_t i;
	struct block b;
	int ret;

	if (!l->nr)
		return 0;
	i = (size_t)af_rng_below(r, l->nr);
	b = l->b[i];
	l->b[i] = l->b[--l->nr];
	ret = af_free_pages(m, (int)af_rng_below(r, (uint64_t)m->nr_cpus), b.pfn, b.order);
	if (ret)
		return ret;
	st->frees++;
	*held -= 1UL << b.order;
	return 0;
}

static int workload_mixed(struct af_machine *m, uint64_t seed, uint64_t ops,
			  struct af_workload_stats *st)
{
	struct live *l = m->workload;
	struct af_rng r;
	uint64_t held = 0, target;
	uint64_t managed = af_machine_managed_pages(m);
	uint64_t e0 = m->extfrag_events, f0 = m->extfrag_fragmenting;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			return af_err(-ENOMEM, "out of memory");
		m->workload = l;
		m->workload_free = workload_free;
	}
	for (size_t i = 0; i < l->nr; i++)
		held += 1UL << l->b[i].order;
	af_rng_seed(&r, seed);
	target = managed * 95 / 100;

	/* fill: mostly allocate until 95% is held */
	for (uint64_t guard = 0; held < target && guard < 50 * managed && !ret; guard++) {
		if (af_rng_below(&r, 10) < 8)
			ret = do_alloc(m, l, &r, st, &held, 0);
		else
			ret = do_free(m, l, &r, st, &held);
		if (st->alloc_fail > 1000 && st->alloc_fail * 2 > st->allocs)
			break;
	}
	/* churn, in four phases of shifting demand */
	for (uint64_t i = 0; i < ops && !ret; i++) {
		int phase = (int)(i * 4 / ops);
		af_clock_advance(m, 1000);
		af_progress(m, "churn", i, ops);
		if (af_rng_below(&r, 2) || held >= target)
			ret = do_free(m, l, &r, st, &held);
		else
			ret = do_alloc(m, l, &r, st, &held, phase);
	}
	/* release 70% */
	for (size_t n = l->nr * 7 / 10; n && !ret; n--)
		ret = do_free(m, l, &r, st, &held);
	st->live_blocks = l->nr;
	st->extfrag_events = m->extfrag_events - e0;
	st->extfrag_fragmenting = m->extfrag_fragmenting - f0;
	return ret;
}

/* The statistics are optional; the machine is not */
int af_workload_mixed(struct af_machine *m, uint64_t seed, uint64_t ops,
		      struct af_workload_stats *st)
{
	struct af_workload_stats local;

	if (!m)
		return af_err(-EINVAL, "no machine");
	return workload_mixed(m, seed, ops, st ? st : &local);
}

void af_workload_release(struct af_machine *m)
{
	struct live *l;

	if (!m)
		return;
	l = m->workload;

	if (!l)
		return;
	while (l->nr) {
		struct block b = l->b[--l->nr];
		af_free_pages(m, b.cpu % m->nr_cpus, b.pfn, b.order);
	}
	workload_free(m);
}

/* Drop the workload's bookkeeping without touching the machine's pages. */
void workload_free(struct af_machine *m)
{
	struct live *l = m->workload;

	if (!l)
		return;
	free(l->b);
	free(l);
	m->workload = NULL;
}


static int mixed_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	struct af_workload_stats st;
	int ret = workload_mixed(m, af_machine_seed(m), p[0], &st);

	if (ret)
		return ret;
	if ((ret = wl_printf(res, "workload mixed: %llu allocations (%llu failed), %llu frees, peak %llu "
			     "pages held, %llu blocks still held\n",
			     (unsigned long long)st.allocs, (unsigned long long)st.alloc_fail,
			     (unsigned long long)st.frees, (unsigned long long)st.peak_pages,
			     (unsigned long long)st.live_blocks)) ||
	    (ret = wl_printf(res, "allocations by order:")))
		return ret;
	for (int o = 0; o < 11; o++)
		if ((ret = wl_printf(res, " %d:%llu/%llu", o,
				     (unsigned long long)(st.alloc_by_order[o] - st.fail_by_order[o]),
				     (unsigned long long)st.alloc_by_order[o])))
			return ret;
	if ((ret = wl_printf(res, "  (ok/tried)\n")))
		return ret;
#define V(n, x) if ((ret = wl_value(res, n, (double)(x)))) return ret
	V("allocations", st.allocs); V("failed", st.alloc_fail); V("frees", st.frees);
	V("peak_pages", st.peak_pages);
#undef V
	return 0;
}

const struct wl_entry wl_mixed = {
	.info = {
		.name = "mixed",
		.summary = "raw unmovable, reclaimable and movable allocations of orders 0-10 without "
			   "owners: filled to 95%, churned in four phases of shifting demand, 70% released",
		.source = "antifrag's own: the allocator alone, no owner to migrate or reclaim",
		.nparams = 1,
		.params = { { "ops", 0, 100000000, 200000, "churn operations after the fill, "
			      "1 us of virtual time each" } },
	},
	.run = mixed_run,
};
