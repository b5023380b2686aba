/*
 * mthp_churn.c - a phone-like workload: apps asking for 64 KiB folios
 * (order 4, as multi-size THP does for anonymous memory) amid unmovable
 * churn (kernel allocations, unmovable slab, binder-like buffers), with the
 * rate at which the requests fall back to base pages interval by interval.
 * Published phone measurements see over 90% of such requests fall back
 * after an hour of use.
 *
 * Simplification: 6.1 has no multi-size THP (anonymous mTHP came in 6.8),
 * so a request is what 6.8's alloc_anon_folio() asks the allocator for, an
 * order-4 GFP_TRANSHUGE_LIGHT allocation (no direct reclaim or compaction
 * under the default defrag setting), and one that fails falls back to 16
 * order-0 GFP_HIGHUSER_MOVABLE pages.  Both are raw allocations held in the
 * apps' pool: they have no owner, so compaction cannot move them as it
 * would move an app's anonymous memory.  A full pool gives memory back at
 * random; `split`% of the folios go back page by page (split first, as
 * swap-out to zram splits a phone's folios), which is what keeps free
 * order-4 blocks scarce: given back whole, the next request takes the very
 * block a folio left.  The virtual clock is compressed (op_us per
 * operation) against a phone's hour.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_INTERVALS, P_OPS, P_ORDER, P_APPS, P_CACHE, P_KERNEL, P_CHURN, P_SPLIT, P_OP_US, NR_P };

struct folio { uint64_t pfn; };

static int mthp_churn_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const char *const cols[] = { "interval", "time_s", "requests", "fallbacks", "fallback_pct",
		"free_blocks_order", "mixed_pageblocks", "fragmentation_score", NULL };
	uint64_t managed = af_machine_managed_pages(m), proc_pages, budget;
	/* half the apps' memory in base pages; the folios (or their base pages) the other half */
	const uint64_t permille[4] = { p[P_APPS] * 5, p[P_CACHE] * 10, 0, p[P_KERNEL] * 10 };
	unsigned order = (unsigned)p[P_ORDER];
	uint64_t *held = NULL, nheld = 0, held_pages = 0, req_all = 0, fb_all = 0;
	double first = -1, last = -1;
	struct load l;
	uint64_t span;
	int ret;

	if (p[P_APPS] + p[P_KERNEL] > 90)
		return af_err(-EINVAL, "workload mthp-churn: apps + kernel is more than 90%% of memory");
	/* the run's virtual time, intervals x ops x op_us, must fit the clock */
	if (__builtin_mul_overflow(p[P_INTERVALS] * p[P_OPS], p[P_OP_US] * 1000, &span) ||
	    span > (UINT64_MAX >> 2) - af_clock_ns(m))
		return af_err(-EINVAL, "workload mthp-churn: intervals x ops x op_us passes the end of "
			      "the virtual clock");
	budget = managed * p[P_APPS] / 200;
	if (!(held = calloc(budget + 1, sizeof(*held))))	/* entries: pfn << 8 | order */
		return af_err(-ENOMEM, "out of memory");
	if ((ret = load_setup(&l, m, permille, 32, &proc_pages)) || (ret = wl_table(res, "intervals", cols)) ||
	    (ret = wl_printf(res, "mthp-churn: %-8s %8s %9s %9s %9s %12s %6s %6s\n", "interval", "time s",
			     "requests", "fallback", "fallback%", "free order-4+", "mixed", "score")))
		goto out;
	for (uint64_t i = 1; i <= p[P_INTERVALS]; i++) {
		uint64_t req = 0, fb = 0;
		af_progress(m, "intervals", i - 1, p[P_INTERVALS]);
		for (uint64_t k = 0; k < p[P_OPS]; k++) {
			uint64_t x = af_rng_below(&l.r, 100);
			if (x < p[P_CHURN]) {
				/* unmovable churn: kernel allocations and unmovable slab come and go */
				uint64_t y = af_rng_below(&l.r, 4);
				ret = y == 0 ? load_kernel(&l, 1) : y == 1 ? load_kernel_free(&l, 1) :
				      y == 2 ? load_slab(&l, false, 2) : load_slab_free(&l, 2);
				af_clock_advance(m, p[P_OP_US] * 1000);
			} else if (x < p[P_CHURN] + 30) {
				ret = load_op(&l, proc_pages, false);
			} else {
				/* an app faults a 64 KiB folio; the apps give memory back when full */
				struct af_alloc_result a;
				int cpu = (int)af_rng_below(&l.r, (uint64_t)af_machine_nr_cpus(m));
				while (nheld && held_pages + (1u << order) > budget) {
					size_t j = (size_t)af_rng_below(&l.r, nheld);
					unsigned o = (unsigned)(held[j] & 0xff);
					if (o && p[P_SPLIT] && af_rng_below(&l.r, 100) < p[P_SPLIT]) {
						/* swap-out splits the folio (split_folio()) and
						 * reclaim frees its pages one by one, each when
						 * it reaches it: its pages join the pool */
						uint64_t head = held[j] >> 8;
						if ((ret = af_split_page(m, head, o)))
							goto out;
						held[j] = head << 8;
						for (uint64_t n = 1; n < (1u << o); n++)
							held[nheld++] = (head + n) << 8;
						continue;
					}
					if ((ret = af_free_pages(m, cpu, held[j] >> 8, o)))
						goto out;
					held_pages -= 1u << o;
					held[j] = held[--nheld];
				}
				req++;
				ret = af_alloc_pages(m, cpu, AF_GFP_TRANSHUGE_LIGHT, order, -1, &a);
				if (ret == 0) {
					held[nheld++] = a.pfn << 8 | order;
					held_pages += 1u << order;
				} else if (ret == -ENOMEM) {
					/* base pages instead, as the fault falls back to */
					fb++;
					ret = 0;
					for (unsigned n = 0; n < (1u << order) && !ret; n++) {
						ret = af_alloc_pages(m, cpu, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &a);
						if (ret == 0) {
							held[nheld++] = a.pfn << 8;
							held_pages++;
						}
					}
					if (ret == -ENOMEM)
						ret = 0;
				}
				af_clock_advance(m, p[P_OP_US] * 1000);
			}
			if (ret)
				goto out;
			if (!(k & 1023) && (ret = af_run_daemons(m)))
				goto out;
		}
		struct af_metrics mt;
		if ((ret = af_metrics(m, &mt)))
			goto out;
		uint64_t big = 0;
		for (unsigned o = order; o < AF_NR_ORDERS; o++)
			big += mt.free_blocks[o] << (o - order);
		double pct = req ? 100.0 * (double)fb / (double)req : 0;
		double row[] = { (double)i, (double)af_clock_ns(m) / 1e9, (double)req, (double)fb, pct, (double)big,
				 (double)mt.mixed_pageblocks, mt.fragmentation_score };
		req_all += req;
		fb_all += fb;
		if (first < 0)
			first = pct;
		last = pct;
		if ((ret = wl_row(res, row)) ||
		    (ret = wl_printf(res, "mthp-churn: %-8llu %8.2f %9llu %9llu %8.1f%% %12llu %6llu %6u\n",
				     (unsigned long long)i, row[1], (unsigned long long)req, (unsigned long long)fb,
				     pct, (unsigned long long)big, (unsigned long long)mt.mixed_pageblocks,
				     mt.fragmentation_score)))
			goto out;
	}
	if ((ret = wl_value(res, "requests", (double)req_all)) || (ret = wl_value(res, "fallbacks", (double)fb_all)) ||
	    (ret = wl_value(res, "fallback_pct", req_all ? 100.0 * (double)fb_all / (double)req_all : 0)) ||
	    (ret = wl_value(res, "first_interval_fallback_pct", first)) ||
	    (ret = wl_value(res, "last_interval_fallback_pct", last)))
		goto out;
	/* the apps' folios go with them */
	while (nheld && !ret) {
		nheld--;
		ret = af_free_pages(m, 0, held[nheld] >> 8, (unsigned)(held[nheld] & 0xff));
	}
out:
	load_fini(&l);
	free(held);
	return ret;
}

const struct wl_entry wl_mthp_churn = {
	.info = {
		.name = "mthp-churn",
		.summary = "a phone: apps asking for 64 KiB folios (order 4) amid unmovable churn; the "
			   "fallback rate interval by interval",
		.source = "published Android measurements of multi-size THP (most order-4 requests "
			  "fall back after an hour); the request as 6.8's alloc_anon_folio() makes it",
		.nparams = NR_P,
		.params = {
			[P_INTERVALS] = { "intervals", 1, 100000, 20, "intervals reported" },
			[P_OPS] = { "ops", 1, 100000000, 20000, "operations per interval (1 us of virtual "
				    "time each)" },
			[P_ORDER] = { "order", 1, 8, 4, "the folio order (4: 64 KiB)" },
			[P_APPS] = { "apps", 0, 90, 60, "the apps' memory, % of memory: half folios, half "
				     "base pages" },
			[P_CACHE] = { "cache", 0, 1000, 300, "file I/O of the start, % of memory: the page "
				      "cache fills what the rest leaves" },
			[P_KERNEL] = { "kernel", 0, 90, 10, "unmovable kernel allocations at the start, % of "
				       "memory" },
			[P_CHURN] = { "churn", 0, 70, 30, "share of operations that are unmovable churn, %" },
			[P_OP_US] = { "op_us", 1, 1000, 1, "virtual time of an operation, us" },
			[P_SPLIT] = { "split", 0, 100, 100, "folios an app gives back page by page (swap-out "
				      "splits them), %; the rest go back whole" },
		},
	},
	.run = mthp_churn_run,
};
