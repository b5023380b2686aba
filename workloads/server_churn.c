/*
 * server_churn.c - a long run of a server: page cache growing and
 * reclaimed, slab objects in waves (a cache warmed, then shrunk: a triangle wave), worker
 * processes exiting and starting, their heaps madvised for THP; the
 * fragmentation it builds up, interval by interval.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_INTERVALS, P_OPS, P_ANON, P_CACHE, P_SLAB, P_KERNEL, P_THP, P_WAVE, NR_P };

static int server_churn_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const char *const cols[] = { "interval", "time_s", "huge_free", "oracle_huge", "mixed_pageblocks",
		"fragmentation_score", "extfrag_fragmenting", "unusable_index_9", "slab_pages", "thp_success_pct",
		NULL };
	uint64_t managed = af_machine_managed_pages(m), proc_pages;
	/* the slab waves start half way up */
	const uint64_t permille[4] = { p[P_ANON] * 10, p[P_CACHE] * 10, p[P_SLAB] * 5, p[P_KERNEL] * 10 };
	struct af_metrics mt = { 0 };
	struct load l;
	int ret;

	if ((ret = load_check("server-churn", p[P_ANON], p[P_SLAB], p[P_KERNEL])))
		return ret;
	if ((ret = load_setup(&l, m, permille, 16, &proc_pages)) || (ret = wl_table(res, "intervals", cols)) ||
	    (ret = wl_printf(res, "server-churn: %-8s %8s %9s %8s %6s %6s %9s %8s %8s %8s\n", "interval",
			     "time s", "huge free", "oracle", "mixed", "score", "frag ext", "unusable",
			     "slab", "THP ok")))
		goto out;
	for (uint64_t i = 1; i <= p[P_INTERVALS]; i++) {
		af_progress(m, "intervals", i - 1, p[P_INTERVALS]);
		uint64_t ok0 = wl_vmstat(m, "thp_fault_alloc"), fb0 = wl_vmstat(m, "thp_fault_fallback");
		/* this interval's slab level on a triangle wave, 0..slab% of memory,
		 * starting half way up */
		double pos = (double)((i + p[P_WAVE] / 4) % p[P_WAVE]) / (double)p[P_WAVE];
		double level = pos < 0.5 ? 2 * pos : 2 - 2 * pos;
		uint64_t slab_target = (uint64_t)((double)managed * (double)p[P_SLAB] / 100.0 * level);
		/* objects per slab step (one operation in 16) to reach it within the interval */
		uint64_t have0 = load_slab_pages(&l);
		uint64_t diff = have0 > slab_target ? have0 - slab_target : slab_target - have0;
		uint64_t batch = diff * 16 / (p[P_OPS] / 16 + 1) + 1;
		batch = batch < 32 ? 32 : batch > 4096 ? 4096 : batch;
		for (uint64_t k = 0; k < p[P_OPS]; k++) {
			uint64_t have = load_slab_pages(&l);
			if (!(k & 15) && have < slab_target)
				ret = load_slab(&l, true, batch);
			else if (!(k & 15) && have > slab_target + 64)
				ret = load_slab_free(&l, batch);
			else
				ret = load_op(&l, proc_pages, p[P_THP] != 0);
			if (ret)
				goto out;
			if (!(k & 1023) && (ret = af_run_daemons(m)))
				goto out;
		}
		if ((ret = af_metrics(m, &mt)))
			goto out;
		uint64_t ok = wl_vmstat(m, "thp_fault_alloc") - ok0, fb = wl_vmstat(m, "thp_fault_fallback") - fb0;
		double row[] = { (double)i, (double)af_clock_ns(m) / 1e9, (double)mt.huge_free,
			(double)mt.oracle_huge, (double)mt.mixed_pageblocks, mt.fragmentation_score,
			(double)mt.extfrag_events_fragmenting, mt.unusable_index_9 / 1000.0,
			(double)load_slab_pages(&l), ok + fb ? 100.0 * (double)ok / (double)(ok + fb) : 0 };
		if ((ret = wl_row(res, row)) ||
		    (ret = wl_printf(res, "server-churn: %-8llu %8.2f %9llu %8llu %6llu %6u %9llu %8.3f %8llu %7.1f%%\n",
				     (unsigned long long)i, row[1], (unsigned long long)mt.huge_free,
				     (unsigned long long)mt.oracle_huge, (unsigned long long)mt.mixed_pageblocks,
				     mt.fragmentation_score, (unsigned long long)mt.extfrag_events_fragmenting,
				     row[7], (unsigned long long)row[8], row[9])))
			goto out;
	}
	if ((ret = wl_value(res, "huge_free", (double)mt.huge_free)) ||
	    (ret = wl_value(res, "oracle_huge", (double)mt.oracle_huge)) ||
	    (ret = wl_value(res, "mixed_pageblocks", (double)mt.mixed_pageblocks)) ||
	    (ret = wl_value(res, "fragmentation_score", mt.fragmentation_score)) ||
	    (ret = wl_value(res, "extfrag_fragmenting", (double)mt.extfrag_events_fragmenting)))
		goto out;
out:
	load_fini(&l);
	return ret;
}

const struct wl_entry wl_server_churn = {
	.info = {
		.name = "server-churn",
		.summary = "a long server run: page cache growing and reclaimed, slab in waves, workers "
			   "exiting and starting, THP faults; fragmentation interval by interval",
		.source = "antifrag's own: the long-running server whose fragmentation builds up "
			  "over days, compressed",
		.nparams = NR_P,
		.params = {
			[P_INTERVALS] = { "intervals", 1, 100000, 20, "intervals reported" },
			[P_OPS] = { "ops", 1, 100000000, 50000, "operations per interval (1 us of "
				    "virtual time each)" },
			[P_ANON] = { "anon", 0, 90, 40, "workers' anonymous memory, % of memory" },
			[P_CACHE] = { "cache", 0, 1000, 100, "file I/O of the start, % of memory" },
			[P_SLAB] = { "slab", 0, 90, 10, "the slab waves' crest, % of memory" },
			[P_KERNEL] = { "kernel", 0, 90, 3, "unmovable kernel allocations, % of memory" },
			[P_THP] = { "thp", 0, 1, 1, "1: the workers' heaps are madvised for THP" },
			[P_WAVE] = { "wave", 2, 100000, 8, "intervals per slab wave" },
		},
	},
	.run = server_churn_run,
};
