/*
 * thp_challenge.c - after the workload the 6.10 and 6.15 anti-fragmentation
 * series were measured with: a kernel build's churn (page cache read and
 * written, dentries and inodes, short-lived compiler processes, unmovable
 * kernel allocations) with a burst of THP faults every so often; each burst
 * reports thp_fault_alloc and thp_fault_fallback, so a success rate that
 * decays as the build goes on is seen burst by burst.
 *
 * A burst is one process mapping burst_mb MiB madvised for THP and writing
 * every page; it keeps its memory until the next burst starts, as a
 * long-running program that faults in its heap would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

enum { P_BURSTS, P_OPS, P_BURST_MB, P_ANON, P_CACHE, P_SLAB, P_KERNEL, NR_P };

static int thp_challenge_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const char *const cols[] = { "burst", "time_s", "thp_fault_alloc", "thp_fault_fallback",
		"success_pct", "huge_free", "oracle_huge", "mixed_pageblocks", "fragmentation_score", NULL };
	uint64_t managed = af_machine_managed_pages(m), proc_pages, burst_pages;
	const uint64_t permille[4] = { p[P_ANON] * 10, p[P_CACHE] * 10, p[P_SLAB] * 10, p[P_KERNEL] * 10 };
	uint64_t tot_ok = 0, tot_fb = 0;
	double first = -1, last = -1;
	struct load l;
	int ret, burst_pid = -1;

	if ((ret = load_check("thp-challenge", p[P_ANON], p[P_SLAB], p[P_KERNEL])))
		return ret;
	burst_pages = p[P_BURST_MB] * 256;
	if (burst_pages > managed / 2)
		return af_err(-EINVAL, "workload thp-challenge: a burst of %llu MiB is more than half of memory",
			      (unsigned long long)p[P_BURST_MB]);
	if ((ret = load_setup(&l, m, permille, 32, &proc_pages)) || (ret = wl_table(res, "bursts", cols)) ||
	    (ret = wl_printf(res, "thp-challenge: %-5s %8s %9s %9s %8s %9s %8s %6s %6s\n", "burst", "time s",
			     "thp alloc", "fallback", "success", "huge free", "oracle", "mixed", "score")))
		goto out;
	for (uint64_t b = 1; b <= p[P_BURSTS]; b++) {
		struct af_metrics mt;
		af_progress(m, "bursts", b - 1, p[P_BURSTS]);
		uint64_t ok0 = wl_vmstat(m, "thp_fault_alloc"), fb0 = wl_vmstat(m, "thp_fault_fallback");
		uint64_t vpn;
		int pid;

		for (uint64_t k = 0; k < p[P_OPS]; k++)
			if ((ret = load_op(&l, proc_pages, false)))
				goto out;
		if ((ret = af_run_daemons(m)))
			goto out;
		/* the burst: the previous one's process exits, a new one faults */
		if (burst_pid >= 0 && (ret = af_proc_exit(m, burst_pid)))
			goto out;
		burst_pid = -1;
		if ((ret = af_proc_create(m, &pid)) == 0) {
			burst_pid = pid;
			ret = af_mmap_anon(m, pid, burst_pages, AF_MAP_THP, &vpn);
			for (uint64_t v = 0; !ret && v < burst_pages; v++) {
				ret = af_mem_write(m, pid, (int)(v / 512 % (uint64_t)af_machine_nr_cpus(m)), vpn + v);
				af_clock_advance(m, 100);
			}
		}
		if (ret == -ENOMEM)	/* out of memory: the burst ends where it is */
			ret = 0;
		if (ret || (ret = af_metrics(m, &mt)))
			goto out;
		uint64_t ok = wl_vmstat(m, "thp_fault_alloc") - ok0, fb = wl_vmstat(m, "thp_fault_fallback") - fb0;
		double pct = ok + fb ? 100.0 * (double)ok / (double)(ok + fb) : 0;
		double row[] = { (double)b, (double)af_clock_ns(m) / 1e9, (double)ok, (double)fb, pct,
				 (double)mt.huge_free, (double)mt.oracle_huge, (double)mt.mixed_pageblocks,
				 mt.fragmentation_score };
		tot_ok += ok;
		tot_fb += fb;
		if (first < 0)
			first = pct;
		last = pct;
		if ((ret = wl_row(res, row)) ||
		    (ret = wl_printf(res, "thp-challenge: %-5llu %8.2f %9llu %9llu %7.1f%% %9llu %8llu %6llu %6u\n",
				     (unsigned long long)b, row[1], (unsigned long long)ok, (unsigned long long)fb,
				     pct, (unsigned long long)mt.huge_free, (unsigned long long)mt.oracle_huge,
				     (unsigned long long)mt.mixed_pageblocks, mt.fragmentation_score)))
			goto out;
	}
	if ((ret = wl_value(res, "thp_fault_alloc", (double)tot_ok)) ||
	    (ret = wl_value(res, "thp_fault_fallback", (double)tot_fb)) ||
	    (ret = wl_value(res, "success_pct", tot_ok + tot_fb ? 100.0 * (double)tot_ok / (double)(tot_ok + tot_fb) : 0)) ||
	    (ret = wl_value(res, "first_burst_success_pct", first)) ||
	    (ret = wl_value(res, "last_burst_success_pct", last)))
		goto out;
	ret = wl_printf(res, "thp-challenge: %llu THP faults, %llu fell back (%.1f%% success); first burst "
			"%.1f%%, last %.1f%%\n", (unsigned long long)tot_ok, (unsigned long long)tot_fb,
			tot_ok + tot_fb ? 100.0 * (double)tot_ok / (double)(tot_ok + tot_fb) : 0, first, last);
out:
	load_fini(&l);
	return ret;
}

const struct wl_entry wl_thp_challenge = {
	.info = {
		.name = "thp-challenge",
		.summary = "a kernel build's churn of page cache, slab and short-lived processes with a "
			   "burst of THP faults every so often; thp_fault_alloc/fallback per burst",
		.source = "the THP-fault workload of the 6.10 and 6.15 anti-fragmentation series "
			  "(a kernel build with periodic THP bursts)",
		.nparams = NR_P,
		.params = {
			[P_BURSTS] = { "bursts", 1, 100000, 20, "bursts of THP faults" },
			[P_OPS] = { "ops", 0, 100000000, 20000, "build operations between two bursts "
				    "(1 us of virtual time each)" },
			[P_BURST_MB] = { "burst_mb", 2, 1048576, 64, "MiB a burst maps and writes, madvised "
					 "for THP" },
			[P_ANON] = { "anon", 0, 90, 20, "compiler processes' anonymous memory, % of memory" },
			[P_CACHE] = { "cache", 0, 1000, 100, "file I/O of the start, % of memory" },
			[P_SLAB] = { "slab", 0, 90, 5, "dentries and inodes, % of memory" },
			[P_KERNEL] = { "kernel", 0, 90, 3, "unmovable kernel allocations, % of memory" },
		},
	},
	.run = thp_challenge_run,
};
