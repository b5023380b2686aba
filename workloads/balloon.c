/*
 * balloon.c - a guest giving memory back to its hypervisor in aligned
 * blocks after a load fragmented it: N blocks of 2 MiB (an order-9
 * allocation each, as a balloon or free page reporting with huge pages
 * asks) or of 1 GiB (alloc_contig_pages() over the zones' aligned ranges);
 * the blocks obtained, the pages migrated for them and the virtual time it
 * took (antifrag's cost model).  The blocks stay with the balloon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_BLOCKS, P_SIZE_MB, P_ANON, P_CACHE, P_SLAB, P_KERNEL, NR_P };

/* The next 1 GiB aligned range at or above *pfn wholly in one zone's online
 * pageblocks: 0 and *pfn, or -ENOENT */
static int next_gig(const struct af_snapshot *s, uint64_t *pfn)
{
	for (uint64_t start = (*pfn + 262143) & ~262143ULL; start + 262144 <= s->max_pfn; start += 262144) {
		uint64_t b0 = start >> 9;
		bool ok = b0 + 512 <= s->nr_pageblocks;
		for (uint64_t b = b0; ok && b < b0 + 512; b++)
			ok = s->pageblocks[b].online && s->pageblocks[b].zone_type < AF_NR_ZONE_TYPES &&
			     s->pageblocks[b].zone_type == s->pageblocks[b0].zone_type &&
			     s->pageblocks[b].nid == s->pageblocks[b0].nid;
		if (ok) {
			*pfn = start;
			return 0;
		}
	}
	return -ENOENT;
}

static int balloon_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	uint64_t managed = af_machine_managed_pages(m), proc_pages;
	const uint64_t permille[4] = { p[P_ANON] * 10, p[P_CACHE] * 10, p[P_SLAB] * 10, p[P_KERNEL] * 10 };
	uint64_t want = p[P_BLOCKS], got = 0, tries = 0, order_pages = p[P_SIZE_MB] * 256;
	struct load_work w0, w1;
	struct load l;
	double lat = 0;
	int ret;

	if (p[P_SIZE_MB] != 2 && p[P_SIZE_MB] != 1024)
		return af_err(-EINVAL, "workload balloon: size_mb is 2 or 1024, not %llu",
			      (unsigned long long)p[P_SIZE_MB]);
	if ((ret = load_check("balloon", p[P_ANON], p[P_SLAB], p[P_KERNEL])))
		return ret;
	if (!want)	/* a tenth of memory */
		want = managed / 10 / order_pages;
	if ((ret = load_setup(&l, m, permille, 32, &proc_pages)))
		goto out;
	load_work_now(m, &w0);
	if (p[P_SIZE_MB] == 2) {
		/* alloc_buddy_huge_page()'s mask: reclaim and compaction, may fail */
		af_gfp_t gfp = AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | AF___GFP_RETRY_MAYFAIL | AF___GFP_NOWARN;
		while (got < want && tries < 2 * want) {
			struct af_alloc_result a;
			struct load_work a0, a1;
			tries++;
			load_work_now(m, &a0);
			ret = af_alloc_pages(m, (int)(tries % (uint64_t)af_machine_nr_cpus(m)), gfp, 9, -1, &a);
			lat += load_charge(m, &a0, &a1, 20, 2000, 1000);
			if (ret == -ENOMEM)
				continue;
			if (ret)
				goto out;
			got++;
			if (!(tries & 63) && (ret = af_run_daemons(m)))
				goto out;
		}
	} else {
		struct af_snapshot s;
		uint64_t pfn = 0;
		if ((ret = af_snapshot_take(m, &s)))
			goto out;
		while (got < want && next_gig(&s, &pfn) == 0) {
			struct load_work a0, a1;
			uint64_t busy;
			tries++;
			load_work_now(m, &a0);
			ret = af_alloc_contig_range(m, pfn, pfn + 262144, &busy);
			lat += load_charge(m, &a0, &a1, 20, 2000, 1000);
			/* -EINVAL: a hole in it or a zone boundary across it, as
			 * alloc_contig_pages()'s pfn_range_valid_contig() skips */
			if (ret == 0)
				got++;
			else if (ret != -EBUSY && ret != -ENOMEM && ret != -EAGAIN && ret != -EINVAL)
				break;
			ret = 0;
			pfn += 262144;
		}
		af_snapshot_free(&s);
		if (ret)
			goto out;
	}
	load_work_now(m, &w1);
	if ((ret = wl_printf(res, "balloon: %llu of %llu blocks of %llu MiB in %llu tries; %llu pages migrated, "
			     "%.1f ms of virtual time (cost model)\n", (unsigned long long)got,
			     (unsigned long long)want, (unsigned long long)p[P_SIZE_MB], (unsigned long long)tries,
			     (unsigned long long)(w1.migrated - w0.migrated), lat / 1e6)) ||
	    (ret = wl_value(res, "requested", (double)want)) || (ret = wl_value(res, "obtained", (double)got)) ||
	    (ret = wl_value(res, "tries", (double)tries)) ||
	    (ret = wl_value(res, "migrated", (double)(w1.migrated - w0.migrated))) ||
	    (ret = wl_value(res, "latency_ms", lat / 1e6)))
		goto out;
out:
	load_fini(&l);
	return ret;
}

const struct wl_entry wl_balloon = {
	.info = {
		.name = "balloon",
		.summary = "a guest giving N aligned 2 MiB or 1 GiB blocks back to its hypervisor after "
			   "a load: blocks obtained, pages migrated, virtual time",
		.source = "virtio-balloon and free page reporting with huge pages; 1 GiB blocks as "
			  "alloc_contig_pages() finds them",
		.nparams = NR_P,
		.params = {
			[P_BLOCKS] = { "blocks", 0, 1000000, 0, "blocks to give (0: a tenth of memory)" },
			[P_SIZE_MB] = { "size_mb", 2, 1024, 2, "2 (order 9) or 1024 (1 GiB)" },
			[P_ANON] = { "anon", 0, 90, 40, "anonymous memory of the load, % of memory" },
			[P_CACHE] = { "cache", 0, 1000, 100, "file I/O of the load, % of memory" },
			[P_SLAB] = { "slab", 0, 90, 5, "reclaimable slab of the load, % of memory" },
			[P_KERNEL] = { "kernel", 0, 90, 3, "unmovable kernel allocations, % of memory" },
		},
	},
	.run = balloon_run,
};
