/*
 * offline.c - fragment, then offline memory a range at a time from the top
 * of a zone (echo offline > /sys/devices/system/memory/memoryN/state), and
 * report what blocked each range: the first page that could not move and
 * what it holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_RANGES, P_SIZE_MB, P_ZONE, P_ANON, P_CACHE, P_SLAB, P_KERNEL, NR_P };

static int offline_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const char *const cols[] = { "range", "start_pfn", "offlined", "first_busy_pfn",
		"blocker_class", "migrated", "latency_us", NULL };
	uint64_t proc_pages, zstart, zend;
	const uint64_t permille[4] = { p[P_ANON] * 10, p[P_CACHE] * 10, p[P_SLAB] * 10, p[P_KERNEL] * 10 };
	uint64_t nr = p[P_SIZE_MB] * 256, done = 0;
	int zt = 0, ret;
	struct load l;

	if ((ret = load_check("offline", p[P_ANON], p[P_SLAB], p[P_KERNEL])))
		return ret;
	if (nr % 1024)
		return af_err(-EINVAL, "workload offline: size_mb=%llu is not a multiple of 4 (whole "
			      "1024-page blocks)", (unsigned long long)p[P_SIZE_MB]);
	if ((ret = load_zone_span(m, p[P_ZONE] ? 3 : AF_NR_ZONE_TYPES, &zstart, &zend, &zt)))
		return p[P_ZONE] ? af_err(-EINVAL, "workload offline: zone=1 needs a ZONE_MOVABLE "
					  "(--movablecore)") : ret;
	if ((ret = load_setup(&l, m, permille, 32, &proc_pages)) || (ret = wl_table(res, "ranges", cols)))
		goto out;
	for (uint64_t i = 0; i < p[P_RANGES]; i++) {
		uint64_t top = zend & ~1023ULL, end, start, busy = UINT64_MAX;
		struct load_work w0, w1;
		if ((i + 1) * nr > top || top - (i + 1) * nr < zstart)
			break;	/* the zone's bottom */
		end = top - i * nr;
		start = end - nr;
		load_work_now(m, &w0);
		ret = af_offline_pages(m, start, nr, &busy);
		load_work_now(m, &w1);
		if (ret == -EINVAL) {
			/* a hole in the range, or the zone's edge: not a memory block to offline */
			ret = wl_printf(res, "offline: range %llu [0x%llx, 0x%llx) holds a hole or crosses a zone: "
					"skipped\n", (unsigned long long)(i + 1), (unsigned long long)start,
					(unsigned long long)(start + nr));
			if (ret)
				goto out;
			continue;
		}
		if (ret && ret != -EBUSY && ret != -EAGAIN && ret != -ENOMEM)
			goto out;
		bool ok = ret == 0;
		int cls = ok || busy == UINT64_MAX ? -1 : load_pfn_class(m, busy);
		double lat = load_latency_ns(&w0, &w1, 20, 2000, 1000);
		double row[] = { (double)(i + 1), (double)start, ok, ok || busy == UINT64_MAX ? -1 : (double)busy,
				 cls, (double)(w1.migrated - w0.migrated), lat / 1000.0 };
		af_clock_advance(m, (uint64_t)lat);
		done += ok;
		ret = wl_row(res, row);
		if (!ret && ok)
			ret = wl_printf(res, "offline: range %llu [0x%llx, 0x%llx) of zone %d offlined, %llu pages "
					"migrated, %.0f us\n", (unsigned long long)(i + 1), (unsigned long long)start,
					(unsigned long long)(start + nr), zt, (unsigned long long)row[5], row[6]);
		else if (!ret)
			ret = wl_printf(res, "offline: range %llu [0x%llx, 0x%llx) of zone %d blocked at 0x%llx "
					"(%s), %llu pages migrated first\n", (unsigned long long)(i + 1),
					(unsigned long long)start, (unsigned long long)(start + nr), zt,
					(unsigned long long)busy, cls >= 0 ? af_pfn_class_name((enum af_pfn_class)cls)
					: "unknown", (unsigned long long)row[5]);
		if (ret)
			goto out;
	}
	if ((ret = wl_value(res, "ranges_offlined", (double)done)) ||
	    (ret = wl_value(res, "ranges_tried", (double)res->nrows)))
		goto out;
out:
	load_fini(&l);
	return ret;
}

const struct wl_entry wl_offline = {
	.info = {
		.name = "offline",
		.summary = "fragment, then offline memory a range at a time from the top of a zone; "
			   "what blocked each range",
		.source = "memory hot-remove (mm/memory_hotplug.c offline_pages), as a VM shrinking "
			  "or a DIMM going away asks it",
		.nparams = NR_P,
		.params = {
			[P_RANGES] = { "ranges", 1, 100000, 4, "ranges tried, from the top of the zone down" },
			[P_SIZE_MB] = { "size_mb", 4, 1048576, 128, "each range, MiB (a multiple of 4)" },
			[P_ZONE] = { "zone", 0, 1, 0, "0: the highest zone; 1: ZONE_MOVABLE" },
			[P_ANON] = { "anon", 0, 90, 30, "anonymous memory of the load, % of memory" },
			[P_CACHE] = { "cache", 0, 1000, 100, "file I/O of the load, % of memory" },
			[P_SLAB] = { "slab", 0, 90, 5, "reclaimable slab of the load, % of memory" },
			[P_KERNEL] = { "kernel", 0, 90, 3, "unmovable kernel allocations, % of memory" },
		},
	},
	.run = offline_run,
};
