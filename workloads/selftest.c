/*
 * selftest.c - the kernel's tools/testing/selftests/vm/compaction_test.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"


/*
 * ---- tools/testing/selftests/vm/compaction_test.c ----
 * map_mb is MAP_SIZE_MB: 100 in the 6.1 source, 1 before 2020 (and in
 * af_workload_compaction_selftest).
 */
int af_workload_compaction_selftest_map(struct af_machine *m, unsigned long map_mb,
					struct af_selftest_result *res)
{
	long fragmentable_mb;
	uint64_t *maps = NULL;
	size_t n = 0, cap = 0;
	int pid, ret;
	char buf[32];

	if (!m || !res)
		return af_err(-EINVAL, "no machine or no place for the result");
	memset(res, 0, sizeof(*res));
	if (!map_mb || map_mb > 65536)
		return af_err(-EINVAL, "selftest mapping size %lu MiB is out of range (1..65536)", map_mb);
	res->map_mb = map_mb;
	res->mem_free_kb = wl_free_kb(m);
	ret = af_proc_create(m, &pid);
	if (ret)
		return ret;
	fragmentable_mb = (long)((double)res->mem_free_kb * 0.8 / 1024);
	while (fragmentable_mb > 0) {
		uint64_t vpn;
		bool failed = false;

		/* mmap(MAP_SIZE, MAP_ANONYMOUS | MAP_PRIVATE | MAP_LOCKED) */
		if (af_mmap_anon(m, pid, map_mb * 256, AF_MAP_MLOCK, &vpn))
			break;
		for (uint64_t i = 0; i < map_mb * 256 && !failed; i++)
			failed = af_mem_write(m, pid, 0, vpn + i) != 0;
		if (failed) {
			af_munmap(m, pid, vpn);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			uint64_t *nm = realloc(maps, cap * sizeof(*nm));
			if (!nm) {
				free(maps);
				return af_err(-ENOMEM, "out of memory");
			}
			maps = nm;
		}
		maps[n++] = vpn;
		fragmentable_mb -= (long)map_mb;
		af_run_daemons(m);
	}
	res->mappings = n;
	/* unmap every other entry of the (newest-first) list */
	for (size_t i = n; i-- > 0;) {
		if (((n - 1 - i) & 1) == 0) {
			ret = af_munmap(m, pid, maps[i]);
			if (ret)
				goto out;
			res->unmapped++;
		}
	}
	af_run_daemons(m);
	/* check_compaction() */
	unsigned long mem_free = (unsigned long)((double)res->mem_free_kb * 0.8);
	ret = af_sysctl_write(m, "vm.nr_hugepages", "0");
	if (ret)
		goto out;
	res->requested = mem_free / 2048 / 2;
	snprintf(buf, sizeof(buf), "%lu", res->requested);
	ret = af_sysctl_write(m, "vm.nr_hugepages", buf);
	if (ret)
		goto out;
	ret = af_sysctl_read(m, "nr_hugepages", buf, sizeof(buf));
	if (ret)
		goto out;
	res->allocated = strtoul(buf, NULL, 10);
	if (res->allocated) {
		res->compaction_index = mem_free / (res->allocated * 2048);
		res->pass = res->compaction_index <= 3;
	}
	ret = af_sysctl_write(m, "vm.nr_hugepages", "0");
out:
	free(maps);
	return ret;
}

int af_workload_compaction_selftest(struct af_machine *m, struct af_selftest_result *res)
{
	return af_workload_compaction_selftest_map(m, 1, res);
}


static int selftest_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	static const char *const names[] = { "compact_stall", "compact_success", "compact_fail",
		"compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
		"compact_daemon_wake", "pgmigrate_success", "pgmigrate_fail", "thp_fault_alloc" };
	struct af_selftest_result r;
	int ret = af_workload_compaction_selftest_map(m, (unsigned long)p[0], &r);

	if (ret)
		return ret;
	if ((ret = wl_printf(res, "compaction_test: MemFree %lu kB; %lu mlocked %lu MiB mappings, %lu unmapped\n",
			     r.mem_free_kb, r.mappings, r.map_mb, r.unmapped)) ||
	    (ret = wl_printf(res, "# Number of huge pages allocated = %lu (requested %lu)\n", r.allocated,
			     r.requested)) ||
	    (ret = wl_printf(res, "compaction index %lu (pass: at most 3)\n", r.compaction_index)) ||
	    (ret = wl_printf(res, "%s 1 check_compaction\n", r.pass ? "ok" : "not ok")))
		return ret;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((ret = wl_printf(res, "%s %llu\n", names[i], (unsigned long long)wl_vmstat(m, names[i]))))
			return ret;
#define V(n, x) if ((ret = wl_value(res, n, (double)(x)))) return ret
	V("requested", r.requested); V("allocated", r.allocated);
	V("compaction_index", r.compaction_index); V("pass", r.pass);
#undef V
	res->failed = !r.pass;
	return 0;
}

const struct wl_entry wl_selftest = {
	.info = {
		.name = "compaction-selftest",
		.summary = "mlocked maps of 80% of free memory, every other one unmapped, then "
			   "nr_hugepages for half the free memory; passes at compaction index <= 3",
		.source = "tools/testing/selftests/vm/compaction_test.c (Linux 6.1)",
		.nparams = 1,
		.params = { { "map_mb", 1, 65536, 1, "the size of each mapping in MiB (MAP_SIZE_MB: "
			      "100 in the 6.1 source, which THP then backs; 1 before 2020)" } },
	},
	.run = selftest_run,
};
