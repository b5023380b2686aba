/*
 * stress_highalloc.c - after mmtests' stress-highalloc: load the machine
 * with page cache (files read and written), anonymous memory, reclaimable
 * slab and unmovable kernel allocations, churn it, then try to allocate
 * huge pages in three rounds: under the load, at rest after it ended, and
 * after a write to compact_memory.  Each round reports its successes as a
 * share of the request and of the oracle (the 2 MiB ranges a perfect
 * compactor could empty at the round's start, with the page cache
 * reclaimed first: af_metrics' oracle_huge_reclaim), and the work and the
 * virtual latency per success.
 *
 * The latency is antifrag's cost model, not a measurement: each attempt
 * costs 1 us, plus scan_ns per page compaction scanned, migrate_ns per page
 * it migrated and reclaim_ns per page direct reclaim took, all within the
 * allocation call; the virtual clock advances by it.  Work per success
 * counts the daemons' work during the round as well.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_ANON, P_CACHE, P_SLAB, P_KERNEL, P_PERCENT, P_CHURN, P_GFP, P_SCAN_NS, P_MIGRATE_NS,
       P_RECLAIM_NS, NR_P };

struct round { const char *name; uint64_t requested, got, oracle; struct load_work w; double latency_ns; };

/* One round of attempts; under load, churn load operations before each */
static int attempts(struct load *l, const uint64_t *p, af_gfp_t gfp, uint64_t proc_pages,
		    bool under_load, struct round *rd, uint64_t **held, size_t *nheld, uint64_t *daemons_ns)
{
	struct af_machine *m = l->m;
	struct af_metrics mt;
	struct load_work w0, w1;
	int ret;

	if ((ret = af_metrics(m, &mt)))
		return ret;
	rd->oracle = mt.oracle_huge_reclaim;
	rd->requested = af_machine_managed_pages(m) * p[P_PERCENT] / 100 / 512;
	load_work_now(m, &rd->w);
	for (uint64_t i = 0; i < rd->requested; i++) {
		struct af_alloc_result a;
		af_progress(m, rd->name, i, rd->requested);
		for (uint64_t k = 0; under_load && k < p[P_CHURN]; k++)
			if ((ret = load_op(l, proc_pages, false)))
				return ret;
		load_work_now(m, &w0);
		ret = af_alloc_pages(m, (int)af_rng_below(&l->r, (uint64_t)l->ncpu), gfp, 9, -1, &a);
		if (ret && ret != -ENOMEM)
			return ret;
		double lat = load_charge(m, &w0, &w1, p[P_SCAN_NS], p[P_MIGRATE_NS], p[P_RECLAIM_NS]);
		rd->latency_ns += lat;
		if (!ret) {
			(*held)[(*nheld)++] = a.pfn;
			rd->got++;
		}
		/* kswapd and kcompactd get the CPU once a millisecond of virtual
		 * time (a tick) has passed since they last ran */
		if (af_clock_ns(m) - *daemons_ns >= 1000000) {
			*daemons_ns = af_clock_ns(m);
			if ((ret = af_run_daemons(m)))
				return ret;
		}
	}
	load_work_now(m, &w1);
	rd->w.scanned = w1.scanned - rd->w.scanned;
	rd->w.migrated = w1.migrated - rd->w.migrated;
	rd->w.reclaimed = w1.reclaimed - rd->w.reclaimed;
	rd->w.direct_reclaimed = w1.direct_reclaimed - rd->w.direct_reclaimed;
	return 0;
}

static int give_back(struct af_machine *m, uint64_t *held, size_t *nheld)
{
	int ret;

	while (*nheld)
		if ((ret = af_free_pages(m, 0, held[--*nheld], 9)))
			return ret;
	return 0;
}

static int report(struct af_workload_result *res, const struct round *rd, int nr)
{
	static const char *const cols[] = { "round", "requested", "succeeded", "success_pct", "oracle",
		"of_oracle_pct", "scanned_per_success", "migrated_per_success", "reclaimed_per_success",
		"latency_us_per_success", NULL };
	int ret;

	if ((ret = wl_table(res, "rounds", cols)) ||
	    (ret = wl_printf(res, "stress-highalloc: %-20s %9s %9s %8s %8s %9s %10s %10s %10s %12s\n", "round",
			     "requested", "succeeded", "success", "oracle", "of oracle", "scanned/s",
			     "migrated/s", "reclaimd/s", "latency/s us")))
		return ret;
	for (int i = 0; i < nr; i++) {
		const struct round *r = &rd[i];
		double g = r->got ? (double)r->got : 1.0;
		double row[] = { i + 1, (double)r->requested, (double)r->got,
			r->requested ? 100.0 * (double)r->got / (double)r->requested : 0,
			(double)r->oracle, r->oracle ? 100.0 * (double)r->got / (double)r->oracle : 0,
			(double)r->w.scanned / g, (double)r->w.migrated / g, (double)r->w.reclaimed / g,
			r->latency_ns / 1000.0 / g };
		char key[48];
		if ((ret = wl_row(res, row)) ||
		    (ret = wl_printf(res, "stress-highalloc: %-20s %9llu %9llu %7.1f%% %8llu %8.1f%% %10.1f %10.1f "
				     "%10.1f %12.1f\n", r->name, (unsigned long long)r->requested,
				     (unsigned long long)r->got, row[3], (unsigned long long)r->oracle, row[5],
				     row[6], row[7], row[8], row[9])))
			return ret;
		snprintf(key, sizeof(key), "success_%d_pct", i + 1);
		if ((ret = wl_value(res, key, row[3])))
			return ret;
		snprintf(key, sizeof(key), "success_%d_of_oracle_pct", i + 1);
		if ((ret = wl_value(res, key, row[5])))
			return ret;
		snprintf(key, sizeof(key), "latency_%d_us_per_success", i + 1);
		if ((ret = wl_value(res, key, row[9])))
			return ret;
	}
	return 0;
}

static int stress_highalloc_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const af_gfp_t gfps[] = {
		/* alloc_buddy_huge_page(): what nr_hugepages and hugetlb faults ask */
		AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | AF___GFP_RETRY_MAYFAIL | AF___GFP_NOWARN,
		AF_GFP_TRANSHUGE,		/* a THP fault with defrag = always */
		AF_GFP_TRANSHUGE_LIGHT,		/* a THP fault with defrag = never, or khugepaged's light try */
	};
	uint64_t managed = af_machine_managed_pages(m);
	uint64_t proc_pages, *held = NULL, daemons_ns = 0;
	size_t nheld = 0;
	struct round rd[3] = { { .name = "under load" }, { .name = "at rest" },
			       { .name = "after compact_memory" } };
	struct load l;
	int ret;

	const uint64_t permille[4] = { p[P_ANON] * 10, p[P_CACHE] * 10, p[P_SLAB] * 10, p[P_KERNEL] * 10 };

	if ((ret = load_check("stress-highalloc", p[P_ANON], p[P_SLAB], p[P_KERNEL])))
		return ret;
	held = calloc(managed / 512 + 1, sizeof(*held));
	if (!held)
		return af_err(-ENOMEM, "out of memory");
	/* about 32 processes hold the anonymous memory */
	if ((ret = load_setup(&l, m, permille, 32, &proc_pages)) ||
	    (ret = wl_printf(res, "stress-highalloc: load of %llu anonymous pages, %llu pages of file I/O, "
			     "%llu slab, %llu kernel pages (%llu processes, %llu files)\n",
			     (unsigned long long)l.anon_pages, (unsigned long long)l.c.file_ops,
			     (unsigned long long)load_slab_pages(&l), (unsigned long long)l.kernel_pages,
			     (unsigned long long)l.nprocs, (unsigned long long)l.nfiles)))
		goto out;
	/* 1: under load */
	if ((ret = attempts(&l, p, gfps[p[P_GFP]], proc_pages, true, &rd[0], &held, &nheld, &daemons_ns)) ||
	    (ret = give_back(m, held, &nheld)))
		goto out;
	/* the load ends: its processes exit, the page cache and slab stay;
	 * 10 s of virtual time at rest for kswapd and kcompactd */
	while (l.nprocs && !ret)
		ret = load_exit(&l, true);
	for (int t = 0; t < 20 && !ret; t++) {
		af_clock_advance(m, 500ULL * 1000 * 1000);
		ret = af_run_daemons(m);
	}
	/* 2: at rest */
	if (ret || (ret = attempts(&l, p, gfps[p[P_GFP]], proc_pages, false, &rd[1], &held, &nheld, &daemons_ns)) ||
	    (ret = give_back(m, held, &nheld)))
		goto out;
	/* 3: after compact_memory */
	ret = af_compact_memory(m);
	if (ret && ret != -ENOENT)	/* -ENOENT: built without compaction */
		goto out;
	if ((ret = attempts(&l, p, gfps[p[P_GFP]], proc_pages, false, &rd[2], &held, &nheld, &daemons_ns)) ||
	    (ret = give_back(m, held, &nheld)) || (ret = report(res, rd, 3)))
		goto out;
	/* the page cache, slab and kernel allocations stay, as after the benchmark */
out:
	load_fini(&l);
	free(held);
	return ret;
}

const struct wl_entry wl_stress_highalloc = {
	.info = {
		.name = "stress-highalloc",
		.summary = "page cache, anonymous memory, slab and kernel allocations, churned; then huge "
			   "pages in three rounds: under load, at rest, after compact_memory",
		.source = "mmtests' stress-highalloc benchmark (the success rates of Mel Gorman's "
			  "anti-fragmentation and compaction work)",
		.nparams = NR_P,
		.params = {
			[P_ANON] = { "anon", 0, 90, 30, "anonymous memory the load holds, % of memory" },
			[P_CACHE] = { "cache", 0, 1000, 100, "file I/O of the fill, % of memory: the page "
				      "cache fills what the rest leaves and is reclaimed" },
			[P_SLAB] = { "slab", 0, 90, 5, "reclaimable slab (dentries, inodes), % of memory" },
			[P_KERNEL] = { "kernel", 0, 90, 3, "unmovable kernel allocations and slab, % of memory" },
			[P_PERCENT] = { "percent", 1, 100, 95, "huge pages each round asks for, % of memory" },
			[P_CHURN] = { "churn", 0, 100000, 64, "load operations between two attempts under load" },
			[P_GFP] = { "gfp", 0, 2, 0, "the request: 0 like alloc_buddy_huge_page "
				    "(__GFP_RETRY_MAYFAIL), 1 GFP_TRANSHUGE, 2 GFP_TRANSHUGE_LIGHT" },
			[P_SCAN_NS] = { "scan_ns", 0, 1000000, 20, "virtual cost of a page compaction scans" },
			[P_MIGRATE_NS] = { "migrate_ns", 0, 1000000, 2000, "virtual cost of a page migrated" },
			[P_RECLAIM_NS] = { "reclaim_ns", 0, 1000000, 1000, "virtual cost of a page reclaimed "
					   "directly" },
		},
	},
	.run = stress_highalloc_run,
};
