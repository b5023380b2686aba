/*
 * cma.c - a CMA area (config key cma_size) that movable allocations use,
 * then cma_alloc() of a buffer now and then under load (a camera or a
 * codec asking for its frames), each released after use: success, the
 * pages migrated out of the way, and the virtual latency (antifrag's cost
 * model: migrate_ns per page migrated, scan_ns per page scanned).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_ALLOCS, P_COUNT_MB, P_OPS, P_ANON, P_CACHE, P_SLAB, P_KERNEL, NR_P };

static int cma_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const char *const cols[] = { "alloc", "time_s", "succeeded", "migrated", "latency_us", NULL };
	uint64_t proc_pages, count = p[P_COUNT_MB] * 256;
	const uint64_t permille[4] = { p[P_ANON] * 10, p[P_CACHE] * 10, p[P_SLAB] * 10, p[P_KERNEL] * 10 };
	uint64_t ok = 0, migrated = 0, pfn;
	double lat_all = 0;
	struct load l;
	int ret;

	if ((ret = load_check("cma", p[P_ANON], p[P_SLAB], p[P_KERNEL])))
		return ret;
	/* the area must be there and hold the buffer: a probe that changes nothing */
	ret = af_cma_alloc(m, count, 0, &pfn);
	if (ret == -ENODEV)
		return af_err(-EINVAL, "workload cma: the machine has no CMA area (config key cma_size, "
			      "e.g. cma_size = 256M)");
	if (ret == -EINVAL)
		return af_err(-EINVAL, "workload cma: count_mb=%llu: %s", (unsigned long long)p[P_COUNT_MB],
			      af_errmsg());
	if (ret == 0 && (ret = af_cma_release(m, pfn, count)))
		return ret;
	if ((ret = load_setup(&l, m, permille, 32, &proc_pages)) || (ret = wl_table(res, "allocs", cols)))
		goto out;
	for (uint64_t i = 1; i <= p[P_ALLOCS]; i++) {
		struct load_work w0, w1;
		for (uint64_t k = 0; k < p[P_OPS]; k++)
			if ((ret = load_op(&l, proc_pages, false)))
				goto out;
		load_work_now(m, &w0);
		ret = af_cma_alloc(m, count, 0, &pfn);
		load_work_now(m, &w1);
		if (ret && ret != -ENOMEM)
			goto out;
		bool got = ret == 0;
		double lat = load_latency_ns(&w0, &w1, 20, 2000, 1000);
		double row[] = { (double)i, (double)af_clock_ns(m) / 1e9, got, (double)(w1.migrated - w0.migrated),
				 lat / 1000.0 };
		af_clock_advance(m, (uint64_t)lat);
		ok += got;
		migrated += w1.migrated - w0.migrated;
		lat_all += lat;
		if ((ret = wl_row(res, row)))
			goto out;
		/* the buffer is used and given back */
		if (got && (ret = af_cma_release(m, pfn, count)))
			goto out;
	}
	if ((ret = wl_printf(res, "cma: %llu of %llu cma_alloc of %llu MiB succeeded under load; %.0f pages "
			     "migrated and %.0f us each (cost model)\n", (unsigned long long)ok,
			     (unsigned long long)p[P_ALLOCS], (unsigned long long)p[P_COUNT_MB],
			     (double)migrated / (double)p[P_ALLOCS], lat_all / 1000.0 / (double)p[P_ALLOCS])) ||
	    (ret = wl_value(res, "success_pct", 100.0 * (double)ok / (double)p[P_ALLOCS])) ||
	    (ret = wl_value(res, "migrated_per_alloc", (double)migrated / (double)p[P_ALLOCS])) ||
	    (ret = wl_value(res, "latency_us_per_alloc", lat_all / 1000.0 / (double)p[P_ALLOCS])))
		goto out;
out:
	load_fini(&l);
	return ret;
}

const struct wl_entry wl_cma = {
	.info = {
		.name = "cma",
		.summary = "a CMA area movable allocations use, then cma_alloc of a buffer now and then "
			   "under load: success, pages migrated, virtual latency",
		.source = "mm/cma.c cma_alloc() as camera and codec drivers call it (needs cma_size)",
		.nparams = NR_P,
		.params = {
			[P_ALLOCS] = { "allocs", 1, 100000, 20, "cma_alloc calls, each released after use" },
			[P_COUNT_MB] = { "count_mb", 1, 1048576, 16, "the buffer, MiB" },
			[P_OPS] = { "ops", 0, 100000000, 2000, "load operations between two calls" },
			[P_ANON] = { "anon", 0, 90, 40, "anonymous memory of the load, % of memory" },
			[P_CACHE] = { "cache", 0, 1000, 100, "file I/O of the load, % of memory" },
			[P_SLAB] = { "slab", 0, 90, 5, "reclaimable slab of the load, % of memory" },
			[P_KERNEL] = { "kernel", 0, 90, 3, "unmovable kernel allocations, % of memory" },
		},
	},
	.run = cma_run,
};
