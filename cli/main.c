/*
 * antifrag - command-line simulator of Linux 6.1's anti-fragmentation system.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antifrag.h"

#define MAX_LIST 64

static void usage(FILE *f)
{
	fputs(
"usage: antifrag run [OPTIONS]\n"
"       antifrag --help\n"
"\n"
"Simulate Linux 6.1's anti-fragmentation system (zoned buddy allocator with\n"
"grouping by mobility, page migration, compaction, kswapd and kcompactd) on a\n"
"model machine.  With no options, `antifrag run` builds a 4 GiB, 2-CPU, 1-node\n"
"PC-like machine, runs the world workload (processes, files, slab caches, a\n"
"driver, hugetlb and THP: unmovable, reclaimable and movable allocations of\n"
"orders 0-10, churned and freed), checks every invariant and the integrity of\n"
"every owned page, and prints a summary, /proc/buddyinfo and /proc/pagetypeinfo.\n"
"\n"
"Machine:\n"
"  --config FILE        load a sysctl.conf-like file of `key = value` lines\n"
"                       (keys: mem, nodes, cpus, movablecore, seed, policy, threaded,\n"
"                       contents, compaction, cma, cma_size, transparent_hugepage,\n"
"                       transparent_hugepage_defrag, node.N.zone.NAME,\n"
"                       node.N.distance, vm.*); command-line options come after\n"
"  --mem SIZE           memory size, e.g. 512M, 4G, 64G (default 4G)\n"
"  --nodes N            NUMA nodes, 1..64 (default 1)\n"
"  --cpus N             CPUs, 1..256 (default 2)\n"
"  --movablecore SIZE   memory for ZONE_MOVABLE, spread over the nodes\n"
"  --thp MODE           transparent_hugepage enabled: always|madvise|never\n"
"  --thp-defrag MODE    transparent_hugepage defrag: always|defer|defer+madvise|\n"
"                       madvise|never (default madvise)\n"
"  --seed N             seed of every random choice (default 1)\n"
"  --policy SPEC        the policy table: NAME[:KEY=VALUE...], e.g. linux (the\n"
"                       default), nogroup, restrict-steal:order=3, reserve,\n"
"                       repay:batch=32;\n"
"                       `antifrag policies` lists them with their parameters\n"
"  --set vm.KEY=VALUE   write a vm.* sysctl after boot (repeatable); ranges\n"
"                       are the kernel's: e.g. vm.watermark_scale_factor 1..3000;\n"
"                       also vm.compact_memory=1 and vm.nr_hugepages=N\n"
"\n"
"Run:\n"
"  --workload NAME      world (default): processes, files, slab caches, a driver,\n"
"                       hugetlb and THP, churned with exits, munmaps and\n"
"                       migrations; mixed: raw unmovable/reclaimable/movable\n"
"                       allocations of orders 0-10 without owners;\n"
"                       compaction-selftest: the kernel's selftests/vm/\n"
"                       compaction_test.c (mlocked 1 MiB maps, every other one\n"
"                       unmapped, then nr_hugepages for half the free memory)\n"
"  --selftest-map-mb N  compaction-selftest mapping size in MiB (default 1;\n"
"                       the 6.1 source maps 100, which THP then backs)\n"
"  --compaction 0|1     policy: 0 builds the machine without compaction\n"
"                       (CONFIG_COMPACTION=n), to compare against\n"
"  --ops N              churn operations after the fill phase (default 200000)\n"
"  --contents           give every page 4 KiB of real bytes, written and\n"
"                       verified by their owners (memory: the machine's size)\n"
"  --no-workload        boot only, run nothing\n"
"  --show PATH          print a kernel file at the end, in the kernel's format\n"
"                       (repeatable): /proc/buddyinfo, /proc/pagetypeinfo,\n"
"                       /proc/vmstat, /proc/zoneinfo,\n"
"                       /sys/kernel/debug/extfrag/extfrag_index,\n"
"                       /sys/kernel/debug/extfrag/unusable_index,\n"
"                       /sys/kernel/mm/transparent_hugepage/{enabled,defrag},\n"
"                       /proc/sys/vm/NAME\n"
"  --trace FILE         write tracepoint events in the kernel's text format:\n"
"                       kmem (mm_page_alloc, mm_page_free, mm_page_alloc_extfrag,\n"
"                       mm_page_alloc_zone_locked, mm_page_pcpu_drain),\n"
"                       migrate (mm_migrate_pages), compaction (mm_compaction_*)\n"
"                       and mm_vmscan_wakeup_kswapd\n"
"  --check              run the invariant checker at the end (always run after\n"
"                       the workload; this also checks right after boot)\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 on success, 1 if the invariant checker finds a violation,\n"
"2 on bad usage or input.\n", f);
}

/* Everything the command holds, released on every exit path */
static struct af_config *g_cfg;
static struct af_machine *g_m;
static FILE *g_tf;

static void cleanup(void)
{
	if (g_m)
		af_machine_destroy(g_m);
	if (g_cfg)
		af_config_free(g_cfg);
	if (g_tf)
		fclose(g_tf);
	g_m = NULL;
	g_cfg = NULL;
	g_tf = NULL;
}

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "antifrag: %s: %s\n", what, msg);
	return 2;
}

int main(int argc, char **argv)
{
	struct af_config *cfg;
	struct af_machine *m;
	const char *sets[MAX_LIST], *shows[MAX_LIST];
	int nsets = 0, nshows = 0, ret, rc = 0;
	unsigned long long ops = 200000;
	unsigned long map_mb = 1;
	const char *config = NULL, *trace = NULL;
	bool workload = true, check_boot = false;
	const char *wname = "world";
	FILE *tf = NULL;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "antifrag: unknown command '%s' (try --help)\n", argv[1]);
		return 2;
	}
	atexit(cleanup);
	if (af_config_new(&cfg))
		return die("config", af_errmsg());
	g_cfg = cfg;

	/* first pass: --config, so that other options override it */
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--config")) {
			if (i + 1 >= argc)
				return die("--config", "missing FILE");
			config = argv[++i];
		}
	if (config && af_config_load(cfg, config))
		return die("config", af_errmsg());

	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *key = NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(o, "--no-workload")) {
			workload = false;
			continue;
		}
		if (!strcmp(o, "--check")) {
			check_boot = true;
			continue;
		}
		if (!strcmp(o, "--contents")) {
			if (af_config_set(cfg, "contents", "1"))
				return die(o, af_errmsg());
			continue;
		}
		if (!v) {
			fprintf(stderr, "antifrag: %s: missing value (try --help)\n", o);
			return 2;
		}
		i++;
		if (!strcmp(o, "--config"))
			continue;
		else if (!strcmp(o, "--mem"))
			key = "mem";
		else if (!strcmp(o, "--nodes"))
			key = "nodes";
		else if (!strcmp(o, "--cpus"))
			key = "cpus";
		else if (!strcmp(o, "--movablecore"))
			key = "movablecore";
		else if (!strcmp(o, "--thp"))
			key = "transparent_hugepage";
		else if (!strcmp(o, "--compaction"))
			key = "compaction";
		else if (!strcmp(o, "--thp-defrag"))
			key = "transparent_hugepage_defrag";
		else if (!strcmp(o, "--seed"))
			key = "seed";
		else if (!strcmp(o, "--policy"))
			key = "policy";
		else if (!strcmp(o, "--set")) {
			if (nsets == MAX_LIST)
				return die("--set", "too many");
			if (strncmp(v, "vm.", 3) || !strchr(v, '='))
				return die("--set", "expected vm.KEY=VALUE");
			sets[nsets++] = v;
			continue;
		} else if (!strcmp(o, "--show")) {
			if (nshows == MAX_LIST)
				return die("--show", "too many");
			shows[nshows++] = v;
			continue;
		} else if (!strcmp(o, "--trace")) {
			trace = v;
			continue;
		} else if (!strcmp(o, "--workload")) {
			if (strcmp(v, "world") && strcmp(v, "mixed") && strcmp(v, "compaction-selftest"))
				return die("--workload", "expected world, mixed or compaction-selftest");
			wname = v;
			continue;
		} else if (!strcmp(o, "--selftest-map-mb")) {
			char *end;
			errno = 0;
			map_mb = strtoul(v, &end, 10);
			if (*end || end == v || errno || *v == '-' || !map_mb || map_mb > 65536)
				return die("--selftest-map-mb", "expected an integer 1..65536");
			continue;
		} else if (!strcmp(o, "--ops")) {
			char *end;
			errno = 0;
			ops = strtoull(v, &end, 10);
			if (*end || end == v || errno || *v == '-')
				return die("--ops", "expected a non-negative integer");
			continue;
		} else {
			fprintf(stderr, "antifrag: unknown option '%s' (try --help)\n", o);
			return 2;
		}
		if (af_config_set(cfg, key, v))
			return die(o, af_errmsg());
	}

	ret = af_machine_create(cfg, &m);
	if (ret)
		return die("machine", af_errmsg());
	g_m = m;
	for (int i = 0; i < nsets; i++) {
		char name[128];
		const char *eq = strchr(sets[i], '=');
		size_t n = (size_t)(eq - sets[i]);
		if (n >= sizeof(name))
			return die("--set", "name too long");
		memcpy(name, sets[i], n);
		name[n] = '\0';
		if (af_sysctl_write(m, name, eq + 1))
			return die("--set", af_errmsg());
	}
	if (trace) {
		tf = fopen(trace, "w");
		if (!tf)
			return die("--trace", "cannot open file");
		g_tf = tf;
		af_set_trace(m, af_trace_to_file, tf);
	}
	for (int i = 0; i < nshows; i++) {
		char *s;
		if (strncmp(shows[i], "/proc/sys/vm/", 13) && af_render(m, shows[i], &s))
			return die("--show", af_errmsg());
		if (strncmp(shows[i], "/proc/sys/vm/", 13))
			free(s);
	}
	if (check_boot) {
		char rep[512];
		if (af_check(m, rep, sizeof(rep))) {
			fprintf(stderr, "antifrag: invariant violated after boot: %s\n", rep);
			rc = 1;
		}
	}

	uint64_t free0 = af_machine_free_pages(m), managed = af_machine_managed_pages(m);
	bool cfg_contents = false;
	for (int i = 2; i < argc; i++)
		cfg_contents |= !strcmp(argv[i], "--contents");
	printf("antifrag: Linux 6.1 anti-fragmentation model\n");
	printf("machine: %d node(s), %d cpu(s), %llu pages managed (%llu MiB), max_pfn 0x%llx\n",
	       af_machine_nr_nodes(m), af_machine_nr_cpus(m), (unsigned long long)managed,
	       (unsigned long long)(managed >> 8), (unsigned long long)af_machine_max_pfn(m));
	{
		char v[64];
		af_sysctl_read(m, "min_free_kbytes", v, sizeof(v));
		printf("boot: %llu pages free, vm.min_free_kbytes = %s\n",
		       (unsigned long long)free0, v);
	}
	if (workload && !strcmp(wname, "compaction-selftest")) {
		struct af_selftest_result r;
		static const char *const names[] = { "compact_stall", "compact_success", "compact_fail",
			"compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
			"compact_daemon_wake", "pgmigrate_success", "pgmigrate_fail", "thp_fault_alloc" };
		ret = af_workload_compaction_selftest_map(m, map_mb, &r);
		if (ret)
			return die("workload", af_errmsg());
		printf("compaction_test: MemFree %lu kB; %lu mlocked %lu MiB mappings, %lu unmapped\n",
		       r.mem_free_kb, r.mappings, r.map_mb, r.unmapped);
		printf("# Number of huge pages allocated = %lu (requested %lu)\n", r.allocated, r.requested);
		printf("compaction index %lu (pass: at most 3)\n", r.compaction_index);
		printf("%s 1 check_compaction\n", r.pass ? "ok" : "not ok");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			uint64_t v = 0;
			af_vmstat(m, names[i], &v);
			printf("%s %llu\n", names[i], (unsigned long long)v);
		}
		if (!r.pass)
			rc = 1;
	} else if (workload && !strcmp(wname, "mixed")) {
		struct af_workload_stats st;
		ret = af_workload_mixed(m, af_machine_seed(m), ops, &st);
		if (ret)
			return die("workload", af_errmsg());
		printf("workload mixed: %llu allocations (%llu failed), %llu frees, peak %llu pages held, "
		       "%llu blocks still held\n",
		       (unsigned long long)st.allocs, (unsigned long long)st.alloc_fail,
		       (unsigned long long)st.frees, (unsigned long long)st.peak_pages,
		       (unsigned long long)st.live_blocks);
		printf("allocations by order:");
		for (int o = 0; o < 11; o++)
			printf(" %d:%llu/%llu", o,
			       (unsigned long long)(st.alloc_by_order[o] - st.fail_by_order[o]),
			       (unsigned long long)st.alloc_by_order[o]);
		printf("  (ok/tried)\n");
		printf("extfrag events: %llu (%llu fragmenting, fallback order < pageblock order)\n",
		       (unsigned long long)st.extfrag_events, (unsigned long long)st.extfrag_fragmenting);
	} else if (workload) {
		struct af_world_workload_stats st;
		struct af_world_stats ws;
		uint64_t e0;
		af_vmstat(m, "pgalloc_normal", &e0);
		ret = af_workload_world(m, af_machine_seed(m), ops, &st);
		if (ret)
			return die("workload", af_errmsg());
		af_world_stats(m, &ws);
		printf("workload world: %llu operations: %llu page accesses, %llu file operations, "
		       "%llu slab operations, %llu exits, %llu of %llu pages migrated\n",
		       (unsigned long long)st.ops, (unsigned long long)st.faults,
		       (unsigned long long)st.file_ops, (unsigned long long)st.slab_ops,
		       (unsigned long long)st.exits, (unsigned long long)st.migrated,
		       (unsigned long long)st.migrations_tried);
		printf("pages by owner: anonymous %llu (%llu processes), THP %llu, page cache %llu "
		       "(%llu dirty, %llu under writeback), slab %llu, driver %llu, page tables %llu, "
		       "hugetlb %llu, other kernel %llu\n",
		       (unsigned long long)ws.anon_pages, (unsigned long long)ws.processes,
		       (unsigned long long)ws.thp_pages, (unsigned long long)ws.file_pages,
		       (unsigned long long)ws.file_dirty, (unsigned long long)ws.file_writeback,
		       (unsigned long long)ws.slab_pages, (unsigned long long)ws.driver_pages,
		       (unsigned long long)ws.pgtable_pages, (unsigned long long)ws.hugetlb_pages,
		       (unsigned long long)st.kernel_pages);
	}
	if (workload && af_policy_stat_names(m)[0]) {
		const char *const *names = af_policy_stat_names(m);
		printf("policy counters:");
		for (int i = 0; names[i]; i++) {
			uint64_t v = 0;
			af_policy_stat(m, names[i], &v);
			printf(" %s %llu", names[i], (unsigned long long)v);
		}
		printf("\n");
	}
	if (workload) {
		char rep[512];
		if (af_check(m, rep, sizeof(rep))) {
			fprintf(stderr, "antifrag: invariant violated: %s\n", rep);
			rc = 1;
		} else {
			printf("invariant and integrity check: passed (allocator state, mappings, rmap, "
			       "page cache, LRU and counters%s)\n",
			       cfg_contents ? ", and every page's contents" : "");
		}
	}
	{
		uint64_t nr_free = 0, total = af_machine_free_pages(m);
		af_vmstat(m, "nr_free_pages", &nr_free);
		printf("free pages: %llu = %llu on the buddy lists (nr_free_pages, the sum of "
		       "buddyinfo) + %llu on per-cpu lists\n", (unsigned long long)total,
		       (unsigned long long)nr_free, (unsigned long long)(total - nr_free));
	}

	const char *defaults[] = { "/proc/buddyinfo", "/proc/pagetypeinfo" };
	const char **list = nshows ? shows : defaults;
	int nlist = nshows ? nshows : 2;
	for (int i = 0; i < nlist; i++) {
		char *s;
		if (af_render(m, list[i], &s)) {
			fprintf(stderr, "antifrag: --show: %s\n", af_errmsg());
			rc = 2;
			continue;
		}
		printf("\n==> %s <==\n%s", list[i], s);
		free(s);
	}
	(void)tf;
	cleanup();
	return rc;
}
