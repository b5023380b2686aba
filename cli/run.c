/*
 * run.c - `antifrag run`: build one machine, run one workload, check every
 * invariant, print a summary with the fragmentation metrics and the kernel
 * files asked for (and the same as JSON with --json).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "study.h"

static void run_usage(FILE *f)
{
	fputs(
"usage: antifrag run [OPTIONS]\n"
"\n"
"Simulate Linux 6.1's anti-fragmentation system (zoned buddy allocator with\n"
"grouping by mobility, page migration, compaction, kswapd and kcompactd) on a\n"
"model machine.  With no options, `antifrag run` builds a 4 GiB, 2-CPU, 1-node\n"
"PC-like machine, runs the world workload (processes, files, slab caches, a\n"
"driver, hugetlb and THP: unmovable, reclaimable and movable allocations of\n"
"orders 0-10, churned and freed), checks every invariant and the integrity of\n"
"every owned page, and prints a summary with the fragmentation metrics,\n"
"/proc/buddyinfo and /proc/pagetypeinfo.\n"
"\n", f);
	fputs(machine_opts_help, f);
	fputs("\nRun:\n", f);
	fputs(workload_opts_help, f);
	fputs(
"  --no-workload        boot only, run nothing\n"
"  --show PATH          print a kernel file at the end, in the kernel's format\n"
"                       (repeatable, up to 64): /proc/buddyinfo,\n"
"                       /proc/pagetypeinfo, /proc/vmstat, /proc/zoneinfo,\n"
"                       /sys/kernel/debug/extfrag/extfrag_index,\n"
"                       /sys/kernel/debug/extfrag/unusable_index,\n"
"                       /sys/kernel/mm/transparent_hugepage/{enabled,defrag},\n"
"                       /proc/sys/vm/NAME\n"
"  --trace FILE         write tracepoint events in the kernel's text format:\n"
"                       kmem (mm_page_alloc, mm_page_free, mm_page_alloc_extfrag,\n"
"                       mm_page_alloc_zone_locked, mm_page_pcpu_drain),\n"
"                       migrate (mm_migrate_pages), compaction (mm_compaction_*)\n"
"                       and mm_vmscan_wakeup_kswapd\n"
"  --events FILE        write the same events as JSON lines: one object per\n"
"                       line with \"event\", \"system\", \"ts_ns\", \"cpu\",\n"
"                       \"comm\", \"pid\", \"irqflags\" and the event's fields by\n"
"                       their kernel names (symbols such as gfp_flags, zone,\n"
"                       mode, reason and status as the kernel prints them)\n"
"  --json FILE          write the parameters, the summary and the metrics as JSON\n"
"  --sample-every MS    take a sample of the metrics and the compaction, migration,\n"
"                       THP and kswapd counters every MS milliseconds of virtual\n"
"                       time (the workloads advance it 1 us per operation)\n"
"  --samples FILE       where the samples go, one JSON object a line\n"
"                       (default: samples.jsonl with --sample-every, unless\n"
"                       --prometheus takes them); --json holds them too, as\n"
"                       \"samples\"\n"
"  --prometheus FILE    write the end and, with --sample-every, the samples in\n"
"                       Prometheus' text exposition format, the virtual clock\n"
"                       in ms as the timestamp, under node_exporter's names:\n"
"                       node_buddyinfo_blocks{node,zone,size}, node_vmstat_*;\n"
"                       and antifrag_* (fragmentation score, huge pages free,\n"
"                       the oracle, mixed pageblocks, extfrag events ...)\n"
"  --procfs DIR         write every kernel file antifrag renders into a tree laid\n"
"                       out like the kernel's, at the end: DIR/proc/buddyinfo,\n"
"                       pagetypeinfo, vmstat, zoneinfo, DIR/proc/sys/vm/NAME,\n"
"                       DIR/sys/kernel/debug/extfrag/*, DIR/sys/kernel/mm/\n"
"                       transparent_hugepage/*; DIR must be absent or empty\n"
"  --procfs-every MS    also one such tree per MS milliseconds of virtual time,\n"
"                       at DIR/at/<ms>/ (node_exporter --path.procfs=DIR/at/<ms>/proc)\n"
"  --report FILE.html   write one self-contained HTML report (opens without a\n"
"                       network): the summary table; the memory map, one cell\n"
"                       per pageblock and one row per GiB, coloured by\n"
"                       migratetype, lighter the more of it is free, mixed\n"
"                       blocks underlined, a click zooms to the pages of 64\n"
"                       blocks coloured by owner; at the start, before and after\n"
"                       each manual compaction and at the end; and charts over\n"
"                       virtual time (free pages per order, fragmentation score,\n"
"                       huge pages and the oracle, extfrag events by kind,\n"
"                       compaction and reclaim work; Chart.js, inlined).  The\n"
"                       samples are its own (every 2 ms, halved in number as\n"
"                       they pass 256) unless --sample-every paces them\n"
"  --report-at MS,...   also the maps at these virtual times (ms, ascending; taken\n"
"                       at the first sample at or after each)\n"
"  --figures DIR        the report's maps and charts as PNG and SVG for papers\n"
"                       (cairo): DIR/RUN-map-LABEL.{png,svg}, DIR/RUN-CHART.{png,svg};\n"
"                       DIR must be absent or empty\n"
"  --result FILE        after everything else, compare's protocol (10 s at rest\n"
"                       with kswapd and kcompactd, the metrics, compact_memory,\n"
"                       the metrics again, af_check) and one self-describing JSON\n"
"                       result: version, commit, host, argv, policy, workload,\n"
"                       seed, compare's rows, the workload's figures, every\n"
"                       metric, wall time and the exit status; written whatever\n"
"                       the exit status (a failed run's says why), for\n"
"                       `antifrag merge`\n"
"  --sweep-name NAME, --sweep-param KEY=VALUE, --sweep-variant N\n"
"                       recorded in the result (antifrag sweep sets them: the\n"
"                       study, the run's parameters, its variant's index)\n"
"  --check              run the invariant checker at the end (always run after\n"
"                       the workload; this also checks right after boot)\n"
"  -h, --help           this text\n"
"\n"
"Metrics (printed after the workload): huge pages free now (2 MiB aligned\n"
"ranges wholly free) against the oracle (the ranges a perfect compactor could\n"
"empty: nothing unmovable in them, bounded by the zone's free memory), mixed\n"
"pageblocks (a page allocated for another mobility than its block's, as\n"
"page_owner counts them), mm_page_alloc_extfrag events split into claim,\n"
"steal and pollute, the unusable and fragmentation indices at order 9 and\n"
"the fragmentation score.\n"
"\n"
"Exit status: 0 on success, 1 if the invariant checker finds a violation,\n"
"2 on bad usage or input.\n", f);
}

/* Everything the command holds, released on every exit path */
struct run_state {
	struct machine_opts mo;
	struct af_machine *m;
	json_t *json;
	struct outfile trace, events, samples;	/* renamed into place at the end */
	struct outtree procfs;			/* likewise */
	struct prom *prom;			/* --prometheus: its samples, written at the end */
	struct outfile prom_out;
	uint64_t samples_ns, samples_next, procfs_ns, procfs_next;
	int sample_err;
	struct progress progress;
	struct report *report;			/* --report: maps and samples */
	struct report_run *rrun;
	struct outfile report_out;
	struct outtree figures;			/* --figures */
	json_t *result;				/* --result: written whatever the exit status */
	struct study_point point;
};

/* The phase hook: the progress bar */
static void on_phase(void *arg, const struct af_phase *ph)
{
	struct run_state *s = arg;

	progress_phase(&s->progress, ph);
	if (s->report)
		report_phase(s->report, s->rrun, s->m, ph);
}

/* One sample a line: the clock, the metrics, the counters; and in --json */
static void write_sample(struct run_state *s, const struct af_sample *smp)
{
	json_t *o = json_metrics(&smp->metrics);

	json_object_set_new(o, "clock_ns", json_integer((json_int_t)smp->clock_ns));
#define C(f) json_object_set_new(o, #f, json_integer((json_int_t)smp->f))
	C(compact_stall); C(compact_success); C(compact_fail); C(compact_migrate_scanned);
	C(compact_free_scanned); C(compact_daemon_wake); C(pgmigrate_success); C(pgmigrate_fail);
	C(thp_fault_alloc); C(thp_fault_fallback); C(pgscan_kswapd); C(pgsteal_kswapd);
#undef C
	if (s->samples.f &&
	    (json_dumpf(o, s->samples.f, JSON_COMPACT | JSON_SORT_KEYS) || fputc('\n', s->samples.f) == EOF))
		s->sample_err = 1;
	if (s->json) {
		json_t *series = json_object_get(s->json, "samples");
		if (!series)
			json_object_set_new(s->json, "samples", series = json_array());
		json_array_append(series, o);
	}
	json_decref(o);
}

/* The sampler fires at the gcd of the two intervals; each output takes its own */
static void on_sample(void *arg, const struct af_sample *smp)
{
	struct run_state *s = arg;

	if (s->samples_ns && smp->clock_ns >= s->samples_next) {
		s->samples_next = (smp->clock_ns / s->samples_ns + 1) * s->samples_ns;
		write_sample(s, smp);
		if (s->prom && !s->sample_err && prom_sample(s->prom, s->m, &smp->metrics))
			s->sample_err = 2;
	}
	/* the report keeps what it needs; alone on the sampler, it sets the pace */
	if (s->report && report_sample(s->report, s->rrun, s->m, smp) && !s->samples_ns && !s->procfs_ns)
		af_sampler_set(s->m, s->rrun->stride_ns, on_sample, s);
	if (s->procfs_ns && smp->clock_ns >= s->procfs_next && !s->sample_err) {
		char prefix[64];
		s->procfs_next = (smp->clock_ns / s->procfs_ns + 1) * s->procfs_ns;
		snprintf(prefix, sizeof(prefix), "at/%llu/", (unsigned long long)(smp->clock_ns / 1000000));
		if (procfs_tree(s->m, &s->procfs, prefix, "--procfs-every"))
			s->sample_err = 2;
	}
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void run_free(struct run_state *s)
{
	if (s->m)
		af_machine_destroy(s->m);
	machine_opts_free(&s->mo);
	/* still open here: the run failed, the files go */
	outfile_abort(&s->trace);
	outfile_abort(&s->events);
	outfile_abort(&s->samples);
	outfile_abort(&s->prom_out);
	outfile_abort(&s->report_out);
	report_free(s->report);
	json_decref(s->result);
	outtree_abort(&s->procfs);
	outtree_abort(&s->figures);
	prom_free(s->prom);
	json_decref(s->json);
}

static void print_metrics(const struct af_metrics *mt)
{
	uint64_t k[3] = { 0 }, kf[3] = { 0 };

	for (int i = 0; i < 3; i++)
		for (int a = 0; a < 3; a++)
			for (int f = 0; f < 3; f++) {
				k[i] += mt->extfrag[i][a][f];
				kf[i] += mt->extfrag_fragmenting[i][a][f];
			}
	printf("huge pages: %llu free (2 MiB), a perfect compactor could make %llu (%.1f%%); "
	       "1 GiB: %llu free, %llu possible\n",
	       (unsigned long long)mt->huge_free, (unsigned long long)mt->oracle_huge,
	       mt->oracle_huge ? 100.0 * (double)mt->huge_free / (double)mt->oracle_huge : 0.0,
	       (unsigned long long)mt->gig_free, (unsigned long long)mt->oracle_gig);
	printf("pageblocks: %llu unmovable, %llu movable, %llu reclaimable, %llu highatomic; "
	       "%llu mixed\n",
	       (unsigned long long)mt->pageblocks[0], (unsigned long long)mt->pageblocks[1],
	       (unsigned long long)mt->pageblocks[2], (unsigned long long)mt->pageblocks[3],
	       (unsigned long long)mt->mixed_pageblocks);
	printf("extfrag events: %llu (%llu fragmenting): claim %llu (%llu), steal %llu (%llu), "
	       "pollute %llu (%llu)\n",
	       (unsigned long long)mt->extfrag_events, (unsigned long long)mt->extfrag_events_fragmenting,
	       (unsigned long long)k[0], (unsigned long long)kf[0], (unsigned long long)k[1],
	       (unsigned long long)kf[1], (unsigned long long)k[2], (unsigned long long)kf[2]);
	printf("order 9: unusable index %d.%03d, fragmentation index %s%d.%03d; "
	       "fragmentation score %u\n",
	       mt->unusable_index_9 / 1000, mt->unusable_index_9 % 1000,
	       mt->fragmentation_index_9 < 0 ? "-" : "", abs(mt->fragmentation_index_9) / 1000,
	       abs(mt->fragmentation_index_9) % 1000, mt->fragmentation_score);
}

/* The command line, parsed and checked */
struct run_args {
	const char *shows[MAX_LIST], *trace, *events, *json_path, *samples, *procfs, *prometheus;
	const char *report, *figures;
	const char *result, *sweep_name, *sweep_params[MAX_LIST];	/* --result, --sweep-* */
	int nsweep_params;
	unsigned long long sweep_variant;
	bool has_sweep_variant;
	uint64_t report_at[64];
	size_t nreport_at;
	int nshows;
	unsigned long long sample_ms, procfs_ms;
	bool workload, check_boot, help;
	struct workload_opts wo;
};

/* Parse and check every argument: 0, or 2 (printed); nothing runs */
static int run_parse(int argc, char **argv, struct machine_opts *mo, struct run_args *a)
{
	int ret, rc;

	memset(a, 0, sizeof(*a));
	a->workload = true;
	workload_opts_init(&a->wo, "world");
	machine_opts_init(mo);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			a->help = true;
			return 0;
		}
		ret = machine_opt(mo, argc, argv, &i);
		if (ret == 0)
			ret = workload_opt(&a->wo, argc, argv, &i);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		if (!strcmp(o, "--no-workload")) {
			a->workload = false;
		} else if (!strcmp(o, "--check")) {
			a->check_boot = true;
		} else if (strcmp(o, "--show") && strcmp(o, "--trace") && strcmp(o, "--events") &&
			   strcmp(o, "--json") && strcmp(o, "--samples") && strcmp(o, "--sample-every") &&
			   strcmp(o, "--procfs") && strcmp(o, "--procfs-every") && strcmp(o, "--prometheus") &&
			   strcmp(o, "--report") && strcmp(o, "--report-at") && strcmp(o, "--figures") &&
			   strcmp(o, "--result") && strcmp(o, "--sweep-name") && strcmp(o, "--sweep-param") &&
			   strcmp(o, "--sweep-variant")) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", o);
			return cli_error("run", msg);
		} else if (!v) {
			return cli_error(o, "missing value (try --help)");
		} else if ((rc = file_value(o, v))) {
			return rc;
		} else if (!strcmp(o, "--show")) {
			if (a->nshows == MAX_LIST)
				return cli_error("--show", "too many (at most 64)");
			if (strncmp(v, "/proc/sys/vm/", 13)) {
				const char *const *paths = af_render_paths();
				int k = 0;
				while (paths[k] && strcmp(paths[k], v))
					k++;
				if (!paths[k]) {
					char msg[200];
					snprintf(msg, sizeof(msg), "no file '%.120s' (try --help)", v);
					return cli_error("--show", msg);
				}
			} else if (!v[13] || strchr(v + 13, '/')) {
				return cli_error("--show", "expected /proc/sys/vm/NAME");
			}
			a->shows[a->nshows++] = argv[++i];
		} else if (!strcmp(o, "--trace")) {
			a->trace = argv[++i];
		} else if (!strcmp(o, "--events")) {
			a->events = argv[++i];
		} else if (!strcmp(o, "--json")) {
			a->json_path = argv[++i];
		} else if (!strcmp(o, "--samples")) {
			a->samples = argv[++i];
		} else if (!strcmp(o, "--sample-every")) {
			if ((rc = parse_u64(o, argv[++i], 1, 1000000000ULL, &a->sample_ms)))
				return rc;
		} else if (!strcmp(o, "--procfs")) {
			a->procfs = argv[++i];
		} else if (!strcmp(o, "--prometheus")) {
			a->prometheus = argv[++i];
		} else if (!strcmp(o, "--report")) {
			a->report = argv[++i];
		} else if (!strcmp(o, "--figures")) {
			a->figures = argv[++i];
		} else if (!strcmp(o, "--result")) {
			a->result = argv[++i];
		} else if (!strcmp(o, "--sweep-name")) {
			a->sweep_name = argv[++i];
		} else if (!strcmp(o, "--sweep-param")) {
			if (!strchr(v, '=') || v[0] == '=')
				return cli_error(o, "expected KEY=VALUE");
			if (a->nsweep_params == MAX_LIST)
				return cli_error(o, "too many (at most 64)");
			a->sweep_params[a->nsweep_params++] = argv[++i];
		} else if (!strcmp(o, "--sweep-variant")) {
			if ((rc = parse_u64(o, argv[++i], 0, 1000000, &a->sweep_variant)))
				return rc;
			a->has_sweep_variant = true;
		} else if (!strcmp(o, "--report-at")) {
			if ((rc = report_at_parse(o, argv[++i], a->report_at, &a->nreport_at)))
				return rc;
		} else if (!strcmp(o, "--procfs-every")) {
			if ((rc = parse_u64(o, argv[++i], 1, 1000000000ULL, &a->procfs_ms)))
				return rc;
		}
	}
	if ((rc = workload_opts_finish(&a->wo)))
		return rc;
	if (a->samples && !a->sample_ms)
		return cli_error("--samples", "needs --sample-every MS");
	if (a->procfs_ms && !a->procfs)
		return cli_error("--procfs-every", "needs --procfs DIR");
	if (a->nreport_at && !a->report && !a->figures)
		return cli_error("--report-at", "needs --report FILE.html or --figures DIR");
	if ((a->report || a->figures) && !a->workload)
		return cli_error(a->report ? "--report" : "--figures", "needs a workload (not --no-workload)");
	if (a->figures && (rc = outtree_check(a->figures, "--figures")))
		return rc;
	if ((a->sweep_name || a->nsweep_params || a->has_sweep_variant) && !a->result)
		return cli_error("--sweep-param", "--sweep-name, --sweep-param and --sweep-variant go with --result FILE");
	if (a->result && !a->workload)
		return cli_error("--result", "needs a workload (not --no-workload)");
	if (a->result && (rc = outpath_check(a->result, "--result")))
		return rc;
	if (a->procfs && (rc = outtree_check(a->procfs, "--procfs")))
		return rc;
	if (a->sample_ms && !a->samples && !a->prometheus)
		a->samples = "samples.jsonl";
	/* every output must be writable before any work starts */
	if ((a->trace && (rc = outpath_check(a->trace, "--trace"))) ||
	    (a->events && (rc = outpath_check(a->events, "--events"))) ||
	    (a->samples && (rc = outpath_check(a->samples, "--samples"))) ||
	    (a->prometheus && (rc = outpath_check(a->prometheus, "--prometheus"))) ||
	    (a->report && (rc = outpath_check(a->report, "--report"))) ||
	    (a->json_path && (rc = outpath_check(a->json_path, "--json"))))
		return rc;
	return machine_opts_finish(mo);
}


static int run_parse_only(int argc, char **argv)
{
	struct machine_opts mo;
	struct run_args a;
	int rc = run_parse(argc, argv, &mo, &a);

	machine_opts_free(&mo);
	return rc;
}

static int run_main(int argc, char **argv)
{
	struct run_state s = { 0 };
	struct run_args a;
	struct af_machine *m;
	int ret, rc = 0;
	double t0 = wall_seconds();
	char policy[256];

	if ((rc = run_parse(argc, argv, &s.mo, &a)))
		goto out;
	if (a.help) {
		run_usage(stdout);
		goto out;
	}
	const char *const *shows = a.shows, *trace = a.trace, *events = a.events;
	const char *json_path = a.json_path, *samples = a.samples;
	int nshows = a.nshows;
	unsigned long long sample_ms = a.sample_ms;
	bool workload = a.workload, check_boot = a.check_boot;

	if (a.result) {
		json_t *sw = json_object(), *pp = json_object();
		s.result = json_run_header("run", argc, argv);
		json_object_set_new(s.result, "antifrag_result", json_integer(1));
		json_object_set_new(s.result, "workload", json_string(a.wo.name));
		json_object_set_new(s.result, "workload_spec", json_string(a.wo.spec));
		for (int i = 0; i < a.nsweep_params; i++) {
			const char *eq = strchr(a.sweep_params[i], '=');
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)(eq - a.sweep_params[i]), a.sweep_params[i]);
			json_object_set_new(pp, key, json_string(eq + 1));
		}
		json_object_set_new(sw, "name", a.sweep_name ? json_string(a.sweep_name) : json_null());
		json_object_set_new(sw, "variant", a.has_sweep_variant ? json_integer((json_int_t)a.sweep_variant)
								       : json_null());
		json_object_set_new(sw, "params", pp);
		json_object_set_new(s.result, "sweep", sw);
	}
	if ((rc = machine_build(&s.mo, &s.m)))
		goto out;
	m = s.m;
	if (s.result) {
		af_machine_policy(m, policy, sizeof(policy));
		json_object_set_new(s.result, "policy", json_string(policy));
		json_object_set_new(s.result, "seed", json_integer((json_int_t)af_machine_seed(m)));
		json_object_set_new(s.result, "machine", json_pack("{s:i, s:i, s:I, s:I}",
			"nodes", af_machine_nr_nodes(m), "cpus", af_machine_nr_cpus(m),
			"managed_pages", (json_int_t)af_machine_managed_pages(m), "max_pfn",
			(json_int_t)af_machine_max_pfn(m)));
	}
	/* every file to show must exist before any work starts */
	for (int i = 0; i < nshows; i++) {
		char *txt, val[256];
		if (!strncmp(shows[i], "/proc/sys/vm/", 13) ? af_sysctl_read(m, shows[i] + 13, val, sizeof(val))
							      : af_render(m, shows[i], &txt)) {
			rc = cli_error("--show", af_errmsg());
			goto out;
		}
		if (strncmp(shows[i], "/proc/sys/vm/", 13))
			free(txt);
	}
	if (a.procfs && (rc = outtree_open(&s.procfs, a.procfs, "--procfs")))
		goto out;
	if (samples && (rc = outfile_open(&s.samples, samples, "--samples")))
		goto out;
	if (a.prometheus && !(s.prom = prom_new())) {
		rc = cli_error("--prometheus", "out of memory");
		goto out;
	}
	if (a.report || a.figures) {
		char title[256], label[160];
		af_machine_policy(m, policy, sizeof(policy));
		snprintf(title, sizeof(title), "antifrag run: %.120s, %llu MiB, policy %.80s, seed %llu", a.wo.spec,
			 (unsigned long long)(af_machine_managed_pages(m) >> 8), policy,
			 (unsigned long long)af_machine_seed(m));
		snprintf(label, sizeof(label), "%.120s, seed %llu", policy, (unsigned long long)af_machine_seed(m));
		s.report = report_new(title, argc, argv);
		if (s.report) {
			memcpy(s.report->map_at, a.report_at, sizeof(a.report_at));
			s.report->nmap_at = a.nreport_at;
		}
		struct af_sample first;
		if (!s.report || !(s.rrun = report_run_add(s.report, m, label)) ||
		    report_map(s.report, s.rrun, m, "start") || af_sample_now(m, &first)) {
			rc = cli_error("--report", "out of memory");
			goto out;
		}
		report_sample(s.report, s.rrun, m, &first);
	}
	if (sample_ms || a.procfs_ms || s.report) {
		s.samples_ns = sample_ms * 1000000ULL;
		s.procfs_ns = a.procfs_ms * 1000000ULL;
		/* each output's first sample at its own interval's next multiple */
		s.samples_next = s.samples_ns ? (af_clock_ns(m) / s.samples_ns + 1) * s.samples_ns : 0;
		s.procfs_next = s.procfs_ns ? (af_clock_ns(m) / s.procfs_ns + 1) * s.procfs_ns : 0;
		uint64_t every = gcd(s.samples_ns, s.procfs_ns);
		if (!every)
			every = s.rrun->stride_ns;	/* the report alone */
		if (af_sampler_set(m, every, on_sample, &s)) {
			rc = cli_error(sample_ms ? "--sample-every" : a.procfs_ms ? "--procfs-every" :
				       a.report ? "--report" : "--figures", af_errmsg());
			goto out;
		}
	}
	if (trace) {
		if ((rc = outfile_open(&s.trace, trace, "--trace")))
			goto out;
		af_set_trace(m, af_trace_to_file, s.trace.f);
	}
	if (events) {
		if ((rc = outfile_open(&s.events, events, "--events")))
			goto out;
		af_set_event_sink(m, af_event_to_json_file, s.events.f);
	}
	if (check_boot) {
		char rep[512];
		if (af_check(m, rep, sizeof(rep))) {
			fprintf(stderr, "antifrag: invariant violated after boot: %s\n", rep);
			rc = 1;
		}
	}
	if (json_path) {
		s.json = json_run_header("run", argc, argv);
		json_object_set_new(s.json, "workload", json_string(workload ? a.wo.name : "none"));
		json_object_set_new(s.json, "workload_spec", json_string(workload ? a.wo.spec : ""));
		json_object_set_new(s.json, "seed", json_integer((json_int_t)af_machine_seed(m)));
	}

	uint64_t free0 = af_machine_free_pages(m), managed = af_machine_managed_pages(m);
	bool cfg_contents = false;
	for (int i = 1; i < argc; i++)
		cfg_contents |= !strcmp(argv[i], "--contents");
	af_machine_policy(m, policy, sizeof(policy));
	printf("antifrag: Linux 6.1 anti-fragmentation model\n");
	printf("machine: %d node(s), %d cpu(s), %llu pages managed (%llu MiB), max_pfn 0x%llx\n",
	       af_machine_nr_nodes(m), af_machine_nr_cpus(m), (unsigned long long)managed,
	       (unsigned long long)(managed >> 8), (unsigned long long)af_machine_max_pfn(m));
	printf("policy: %s; seed %llu\n", policy, (unsigned long long)af_machine_seed(m));
	{
		char v[64];
		af_sysctl_read(m, "min_free_kbytes", v, sizeof(v));
		printf("%s: %llu pages free, vm.min_free_kbytes = %s\n",
		       s.mo.start ? "start (captured state)" : "boot", (unsigned long long)free0, v);
	}
	if (s.json) {
		json_object_set_new(s.json, "policy", json_string(policy));
		json_object_set_new(s.json, "machine", json_pack("{s:i, s:i, s:I, s:I}",
			"nodes", af_machine_nr_nodes(m), "cpus", af_machine_nr_cpus(m),
			"managed_pages", (json_int_t)managed, "max_pfn", (json_int_t)af_machine_max_pfn(m)));
	}
	if (workload) {
		struct af_workload_result wr;
		fflush(stdout);
		progress_init(&s.progress, m, "");
		af_phase_hook_set(m, on_phase, &s);
		ret = af_workload_run(m, a.wo.spec, &wr);
		af_phase_hook_set(m, NULL, NULL);
		progress_end(&s.progress);
		if (ret) {
			rc = cli_error("workload", af_errmsg());
			goto out;
		}
		if (s.report) {
			if (report_end(s.report, s.rrun, m)) {
				rc = cli_error("--report", "out of memory");
				goto out;
			}
		}
		fputs(wr.text, stdout);
		if (s.json)
			json_object_set_new(s.json, "workload_result", json_workload_result(&wr));
		if (s.result) {
			study_values(&s.point, &wr);
			json_object_set_new(s.result, "workload_result", json_workload_result(&wr));
		}
		if (wr.failed)
			rc = 1;
		af_workload_result_free(&wr);
	}
	if (workload && af_policy_stat_names(m)[0]) {
		const char *const *names = af_policy_stat_names(m);
		json_t *pj = s.json ? json_object() : NULL;
		printf("policy counters:");
		for (int i = 0; names[i]; i++) {
			uint64_t v = 0;
			af_policy_stat(m, names[i], &v);
			printf(" %s %llu", names[i], (unsigned long long)v);
			if (pj)
				json_object_set_new(pj, names[i], json_integer((json_int_t)v));
		}
		printf("\n");
		if (pj)
			json_object_set_new(s.json, "policy_counters", pj);
	}
	if (workload) {
		struct af_metrics mt;
		if (af_metrics(m, &mt)) {
			rc = cli_error("metrics", af_errmsg());
			goto out;
		}
		print_metrics(&mt);
		if (s.json)
			json_object_set_new(s.json, "metrics", json_metrics(&mt));
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
		if (s.json)
			json_object_set_new(s.json, "check_passed", json_boolean(rc == 0));
	}
	{
		uint64_t nr_free = cli_vmstat(m, "nr_free_pages"), total = af_machine_free_pages(m);
		printf("free pages: %llu = %llu on the buddy lists (nr_free_pages, the sum of "
		       "buddyinfo) + %llu on per-cpu lists\n", (unsigned long long)total,
		       (unsigned long long)nr_free, (unsigned long long)(total - nr_free));
	}

	const char *defaults[] = { "/proc/buddyinfo", "/proc/pagetypeinfo" };
	const char *const *list = nshows ? shows : defaults;
	int nlist = nshows ? nshows : 2;
	for (int i = 0; i < nlist; i++) {
		char *txt;
		if (af_render(m, list[i], &txt)) {
			fprintf(stderr, "antifrag: --show: %s\n", af_errmsg());
			rc = 2;
			continue;
		}
		printf("\n==> %s <==\n%s", list[i], txt);
		free(txt);
	}
	/* the run succeeded: the output files take their names */
	af_sampler_set(m, 0, NULL, NULL);
	af_set_trace(m, NULL, NULL);
	af_set_event_sink(m, NULL, NULL);
	if (s.sample_err == 1) {
		outfile_abort(&s.samples);
		rc = cli_error("--samples", "cannot write the file");
	} else if (s.sample_err) {
		rc = 2;		/* --procfs-every: printed */
	}
	if (!rc && a.procfs && (ret = procfs_tree(m, &s.procfs, "", "--procfs")))
		rc = ret;
	if (!rc && s.prom) {
		/* the end, then every sample in one file */
		struct af_metrics mt;
		struct outfile pf = { 0 };
		if (af_metrics(m, &mt)) {
			rc = cli_error("--prometheus", af_errmsg());
		} else if (!(rc = prom_sample(s.prom, m, &mt)) &&
			   !(rc = outfile_open(&pf, a.prometheus, "--prometheus"))) {
			if (prom_write(s.prom, pf.f)) {
				outfile_abort(&pf);
				rc = cli_error("--prometheus", "cannot write the file");
			} else {
				s.prom_out = pf;
			}
		}
	}
	if (!rc && s.report) {
		json_t *t = json_pack("{s:[s,s], s:[]}", "columns", "metric", "value", "rows");
		struct af_metrics mt;
		if (t && !af_metrics(m, &mt))
			json_object_set_new(t, "rows", report_metric_rows(&mt));
		report_table(s.report, t);
		if (a.report && !(rc = outfile_open(&s.report_out, a.report, "--report")) &&
		    report_write_html(s.report, s.report_out.f)) {
			outfile_abort(&s.report_out);
			rc = cli_error("--report", "cannot write the file");
		}
		if (!rc && a.figures && !(rc = outtree_open(&s.figures, a.figures, "--figures")))
			rc = report_figures(s.report, &s.figures, "--figures");
	}
	if (!rc && s.result) {
		/* compare's protocol: at rest, compact_memory, the rows */
		char rep[512];
		if ((ret = study_measure(m, &s.point))) {
			rc = ret;
		} else if (af_check(m, rep, sizeof(rep))) {
			fprintf(stderr, "antifrag: invariant violated after compact_memory: %s\n", rep);
			snprintf(cli_last_error, sizeof(cli_last_error), "invariant violated after compact_memory: %.400s", rep);
			rc = 1;
		} else {
			s.point.val[R_WALL] = wall_seconds() - t0;
			json_t *pj = study_point_json(&s.point);
			json_object_set_new(s.result, "run", pj);
		}
	}
	if ((ret = stdout_check())) {
		rc = ret;
		goto out;	/* the run's output is lost: so are its files */
	}
	if (rc == 2)
		goto out;	/* a failed run leaves no output behind */
	if ((ret = outfile_commit(&s.samples, "--samples")) || (ret = outfile_commit(&s.trace, "--trace")) ||
	    (ret = outfile_commit(&s.events, "--events")) || (ret = outtree_commit(&s.procfs, "--procfs")) ||
	    (ret = outfile_commit(&s.prom_out, "--prometheus")) || (ret = outfile_commit(&s.report_out, "--report")) ||
	    (ret = outtree_commit(&s.figures, "--figures")))
		rc = ret;
	if (s.json) {
		json_object_set_new(s.json, "wall_seconds", json_real(wall_seconds() - t0));
		ret = json_write_file(s.json, json_path);
		if (ret)
			rc = ret;
	}
out:
	if (s.result) {
		/* the result records the run whatever its exit status */
		json_object_set_new(s.result, "exit_status", json_integer(rc));
		json_object_set_new(s.result, "error", rc ? json_string(cli_last_error[0] ? cli_last_error :
									"failed") : json_null());
		json_object_set_new(s.result, "wall_seconds", json_real(wall_seconds() - t0));
		if ((ret = json_write_file(s.result, a.result)) && !rc)
			rc = ret;
	}
	run_free(&s);
	return rc;
}

const struct command cmd_run = {
	.name = "run",
	.summary = "build a machine, run a workload, print the summary, metrics and kernel files",
	.main = run_main,
	.parse = run_parse_only,
	.usage = run_usage,
};
