/*
 * fragfill.c - fidelity/experiments/fragfill.c and thpfault.c: fill memory
 * in rounds, unmap every other round, then ask for huge pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

/* ---- fidelity/experiments/fragfill.c ---- */
enum { FF_ROUND_PAGES = 1024, FF_PIPE_PAGES = 16, FF_FILES = 100, FF_MAX_ROUNDS = 4096 };

/*
 * thpfault.c's request: one madvised anonymous mapping of three quarters of
 * free memory, 2 MiB aligned, every page written; res->got counts the
 * faults that mapped a THP.
 */
static int thp_request(struct af_machine *m, int pid, struct af_fragfill_result *res)
{
	uint64_t vpn, before = 0, after = 0;
	int ret;

	res->requested = res->mem_free_freed_kb * 3 / 4 / 2048;
	if (!res->requested)
		return 0;
	af_vmstat(m, "thp_fault_alloc", &before);
	ret = af_mmap_anon(m, pid, res->requested * 512, AF_MAP_THP, &vpn);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < res->requested * 512; i++)
		if ((ret = af_mem_write(m, pid, 0, vpn + i)))
			return ret;
	af_vmstat(m, "thp_fault_alloc", &after);
	res->got = after - before;
	return 0;
}

static int fragfill(struct af_machine *m, bool hold, bool thp, struct af_fragfill_result *res);

int af_workload_fragfill(struct af_machine *m, struct af_fragfill_result *res)
{
	return fragfill(m, false, false, res);
}

int af_workload_fragfill_hold(struct af_machine *m, bool hold, struct af_fragfill_result *res)
{
	return fragfill(m, hold, false, res);
}

int af_workload_thpfault(struct af_machine *m, bool hold, struct af_fragfill_result *res)
{
	return fragfill(m, hold, true, res);
}

static int fragfill(struct af_machine *m, bool hold, bool thp, struct af_fragfill_result *res)
{
	uint64_t *anon = NULL, *pipe = NULL, *objs[2] = { NULL, NULL };
	int pid, cid[2], ret;
	size_t npipe = 0, nobj[2] = { 0, 0 };
	unsigned long r;
	char buf[32];

	if (!m || !res)
		return af_err(-EINVAL, "no machine or no place for the result");
	memset(res, 0, sizeof(*res));
	anon = calloc(FF_MAX_ROUNDS, sizeof(*anon));
	pipe = calloc((size_t)FF_MAX_ROUNDS * FF_PIPE_PAGES, sizeof(*pipe));
	for (int k = 0; k < 2; k++)
		objs[k] = calloc((size_t)FF_MAX_ROUNDS * FF_FILES, sizeof(*objs[k]));
	if (!anon || !pipe || !objs[0] || !objs[1]) {
		ret = af_err(-ENOMEM, "out of memory");
		goto out;
	}
	if ((ret = af_proc_create(m, &pid)) ||
	    (ret = af_slab_create(m, "dentry", 192, true, &cid[0])) ||
	    (ret = af_slab_create(m, "inode_cache", 608, true, &cid[1])) ||
	    (ret = af_slab_pin(m, cid[0])) || (ret = af_slab_pin(m, cid[1])))
		goto out;
	res->mem_free_start_kb = wl_free_kb(m);
	for (r = 0; r < FF_MAX_ROUNDS && wl_free_kb(m) > res->mem_free_start_kb / 10; r++) {
		bool failed = false;

		if (af_mmap_anon(m, pid, FF_ROUND_PAGES, 0, &anon[r]))
			break;
		for (uint64_t i = 0; i < FF_ROUND_PAGES && !failed; i++)
			failed = af_mem_write(m, pid, 0, anon[r] + i) != 0;
		if (failed) {
			af_munmap(m, pid, anon[r]);
			break;
		}
		/* pipe_write(): alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT) per buffer */
		for (int i = 0; i < FF_PIPE_PAGES; i++) {
			struct af_alloc_result a;
			if (af_alloc_pages(m, 0, AF_GFP_HIGHUSER | AF___GFP_ACCOUNT, 0, -1, &a))
				break;
			pipe[npipe++] = a.pfn;
		}
		res->pipes++;
		for (int i = 0; i < FF_FILES; i++)
			for (int k = 0; k < 2; k++)
				if (af_slab_alloc(m, cid[k], 0, &objs[k][nobj[k]]) == 0)
					nobj[k]++;
		af_run_daemons(m);
	}
	res->rounds = r;
	res->mem_free_filled_kb = wl_free_kb(m);
	for (unsigned long i = 0; i < res->rounds; i += 2)
		if ((ret = af_munmap(m, pid, anon[i])))
			goto out;
	af_run_daemons(m);
	res->mem_free_freed_kb = wl_free_kb(m);
	if (thp) {
		if ((ret = thp_request(m, pid, res)))
			goto out;
	} else {
		res->requested = res->mem_free_freed_kb / 2048;
		snprintf(buf, sizeof(buf), "%lu", res->requested);
		if ((ret = af_sysctl_write(m, "vm.nr_hugepages", buf)) ||
		    (ret = af_sysctl_read(m, "nr_hugepages", buf, sizeof(buf))))
			goto out;
		res->got = strtoul(buf, NULL, 10);
	}
	res->mem_free_end_kb = wl_free_kb(m);
	if (hold)
		goto out;
	/* the program exits: its memory, pipes and files go */
	for (size_t i = 0; i < npipe; i++)
		af_free_pages(m, 0, pipe[i], 0);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < nobj[k]; i++)
			af_slab_free(m, cid[k], objs[k][i]);	/* -ENOENT if a shrinker took it */
	ret = af_proc_exit(m, pid);
out:
	free(anon);
	free(pipe);
	free(objs[0]);
	free(objs[1]);
	return ret;
}

static int fragfill_run_one(struct af_machine *m, bool thp, bool hold, struct af_workload_result *res)
{
	static const char *const names[] = { "compact_stall", "compact_fail", "compact_success",
		"compact_migrate_scanned", "compact_free_scanned", "compact_daemon_wake",
		"pgmigrate_success", "pgmigrate_fail", "allocstall_dma32", "allocstall_normal",
		"allocstall_movable", "pgscan_direct", "pgsteal_direct", "pgscan_kswapd",
		"htlb_buddy_alloc_success", "htlb_buddy_alloc_fail", "thp_fault_alloc",
		"thp_fault_fallback" };
	struct af_fragfill_result r;
	int ret = fragfill(m, hold, thp, &r);

	if (ret)
		return ret;
	/* the "key value" lines fidelity/experiments/{fragfill,thpfault}.c print */
	if ((ret = wl_printf(res, "memfree_start_kb %lu\nrounds %lu\npipes %lu\nmemfree_filled_kb %lu\n"
			     "memfree_freed_kb %lu\n", r.mem_free_start_kb, r.rounds, r.pipes,
			     r.mem_free_filled_kb, r.mem_free_freed_kb)) ||
	    (ret = wl_printf(res, "%s_requested %lu\n%s_got %lu\n", thp ? "thp" : "hugepages", r.requested,
			     thp ? "thp" : "hugepages", r.got)) ||
	    (ret = wl_printf(res, "memfree_end_kb %lu\n", r.mem_free_end_kb)))
		return ret;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((ret = wl_printf(res, "post %s %llu\n", names[i], (unsigned long long)wl_vmstat(m, names[i]))))
			return ret;
#define V(n, x) if ((ret = wl_value(res, n, (double)(x)))) return ret
	V("rounds", r.rounds); V("requested", r.requested); V("got", r.got);
#undef V
	return 0;
}

static int fragfill_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	return fragfill_run_one(m, false, p[0], res);
}

static int thpfault_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	return fragfill_run_one(m, true, p[0], res);
}

const struct wl_entry wl_fragfill = {
	.info = {
		.name = "fragfill",
		.summary = "anonymous memory, pipe pages and ramfs files in rounds to 90% full, every "
			   "other round unmapped, then nr_hugepages for all free memory",
		.source = "fidelity/experiments/fragfill.c, run on Debian's 6.1 kernel under qemu",
		.nparams = 1,
		.params = { { "hold", 0, 1, 0, "1: the program does not exit, so the state the huge "
			      "page request left stays to be shown" } },
	},
	.run = fragfill_run,
};

const struct wl_entry wl_thpfault = {
	.info = {
		.name = "thpfault",
		.summary = "fragfill's fill, then THP faults on a madvised mapping of 3/4 of free memory",
		.source = "fidelity/experiments/thpfault.c, run on Debian's 6.1 kernel under qemu",
		.nparams = 1,
		.params = { { "hold", 0, 1, 0, "1: the program does not exit, so the state the THP "
			      "faults left stays to be shown" } },
	},
	.run = thpfault_run,
};
