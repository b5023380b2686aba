/*
 * compare.c - `antifrag compare`: run each policy variant over N seeds on the
 * same machine and workload, and print one table in the style of mmtests'
 * compare reports: per variant the mean and standard deviation of each
 * metric, with its change against the first variant.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

#define MAX_VARIANTS 16
#define SETTLE_STEPS 20
#define SETTLE_STEP_NS (500ULL * 1000 * 1000)	/* kcompactd's HPAGE_FRAG_CHECK_INTERVAL_MSEC */

static void compare_usage(FILE *f)
{
	fputs(
"usage: antifrag compare --policy A,B[,...] [--seeds N] [--workload W]\n"
"                        [--param KEY=VALUE ...] [MACHINE OPTIONS] [--json FILE]\n"
"                        [--report FILE.html]\n"
"\n"
"Run every policy variant over N seeds (seed, seed+1, ...) on the same machine\n"
"and workload, and print one table: per variant the mean +- standard deviation\n"
"of each metric and its change against the first variant.  Each run boots a\n"
"fresh machine, runs the workload, lets 10 s of virtual time pass with kswapd\n"
"and kcompactd running (at rest), measures, then writes\n"
"/proc/sys/vm/compact_memory and measures again; af_check() and the integrity\n"
"pass run at the end of every run.\n"
"\n"
"Rows:\n"
"  huge pages at rest       2 MiB ranges wholly free after the workload\n"
"    of the oracle          ... as a share of what a perfect compactor could make\n"
"                           then (aligned ranges with nothing unmovable, bounded\n"
"                           by free memory)\n"
"  huge after compaction    the same after compact_memory, and its share of the\n"
"                           oracle taken at rest\n"
"  mixed pageblocks         blocks holding a page allocated for another mobility\n"
"  fragmenting extfrag      mm_page_alloc_extfrag with fallback_order < 9\n"
"  scanned / huge page      compact_migrate_scanned + compact_free_scanned during\n"
"                           compact_memory, per huge page it added\n"
"  migrated / huge page     pgmigrate_success during compact_memory, likewise\n"
"  policy moves             pages the policy moved by itself (its moved_pages)\n"
"  allocation failures      af_alloc_pages calls that failed during the workload\n"
"  THP fault success        thp_fault_alloc / (thp_fault_alloc + fallback)\n"
"\n"
"Options:\n"
"  --policy A,B,...     the variants: policy specs NAME[:KEY=VALUE...], at least\n"
"                       two (a policy may appear twice with other parameters)\n"
"  --seeds N            runs per variant, 1..1000 (default 5)\n"
"  --trace FILE         the workload is a kernel trace's requests (order, GFP\n"
"                       flags, CPU) and their frees, placed by each variant's\n"
"                       allocator (replay --placement policy); with --start,\n"
"                       from the state captured when tracing began (its block\n"
"                       types completed by the trace's drains, as replay does)\n"
"  --json FILE          write every run's metrics and the table as JSON\n"
"  --report FILE.html   write one self-contained HTML report: the table, and\n"
"                       per variant (its first seed) the memory maps at the\n"
"                       start, before and after compact_memory and at the end,\n"
"                       side by side, and its time series (see run --help)\n"
"  --report-at MS,...   also the maps at these virtual times (ms, ascending)\n"
"  --figures DIR        the maps and charts as PNG and SVG (see run --help)\n"
"  -h, --help           this text\n"
"\n"
"Workload (the same for every variant and seed):\n", f);
	fputs(workload_opts_help, f);
	fputs("\n", f);
	fputs(machine_opts_help, f);
	fputs("\nExit status: 0 on success, 1 if a run breaks an invariant, 2 on bad usage.\n", f);
}

enum row {
	R_HUGE_REST, R_HUGE_REST_PCT, R_HUGE_AFTER, R_HUGE_AFTER_PCT, R_MIXED, R_FRAG_EXTFRAG,
	R_SCANNED_PER_HUGE, R_MIGRATED_PER_HUGE, R_POLICY_MOVES, R_ALLOC_FAIL, R_THP_SUCCESS,
	R_ORACLE, R_WALL, NR_ROWS
};

static const struct { const char *label, *key; bool pct, higher_better; } rows[NR_ROWS] = {
	[R_HUGE_REST] = { "huge pages at rest", "huge_at_rest", false, true },
	[R_HUGE_REST_PCT] = { "  of the oracle", "huge_at_rest_of_oracle_pct", true, true },
	[R_HUGE_AFTER] = { "huge after compaction", "huge_after_compaction", false, true },
	[R_HUGE_AFTER_PCT] = { "  of the oracle", "huge_after_compaction_of_oracle_pct", true, true },
	[R_MIXED] = { "mixed pageblocks", "mixed_pageblocks", false, false },
	[R_FRAG_EXTFRAG] = { "fragmenting extfrag", "extfrag_fragmenting", false, false },
	[R_SCANNED_PER_HUGE] = { "scanned / huge page", "compact_scanned_per_huge", false, false },
	[R_MIGRATED_PER_HUGE] = { "migrated / huge page", "compact_migrated_per_huge", false, false },
	[R_POLICY_MOVES] = { "policy moves", "policy_moved_pages", false, false },
	[R_ALLOC_FAIL] = { "allocation failures", "alloc_failures", false, false },
	[R_THP_SUCCESS] = { "THP fault success", "thp_fault_success_pct", true, true },
	[R_ORACLE] = { "oracle (huge, at rest)", "oracle_huge_at_rest", false, true },
	[R_WALL] = { "wall seconds per run", "wall_seconds", false, false },
};

/*
 * After the fixed rows, one row per figure the workload reports
 * (af_workload_result's values, in its order), labelled by its name.
 */
#define MAX_WROWS 32
#define MAX_ROWS (NR_ROWS + MAX_WROWS)
static struct { char name[48]; bool pct; } wrows[MAX_WROWS];
static int nwrows;

static const char *row_label(int r) { return r < NR_ROWS ? rows[r].label : wrows[r - NR_ROWS].name; }
static const char *row_key(int r) { return r < NR_ROWS ? rows[r].key : wrows[r - NR_ROWS].name; }
static bool row_pct(int r) { return r < NR_ROWS ? rows[r].pct : wrows[r - NR_ROWS].pct; }

struct variant {
	char spec[256];
	double *v[MAX_ROWS];	/* [seeds] */
	bool valid[MAX_ROWS];	/* a row can be undefined (no huge page added) */
	double mean[MAX_ROWS], sd[MAX_ROWS];
	int n[MAX_ROWS];
	json_t *runs;
};

static uint64_t vmstat(struct af_machine *m, const char *name)
{
	uint64_t v = 0;
	af_vmstat(m, name, &v);
	return v;
}

/* What a run shows besides its figures: the progress bar, and for the
 * report (the first seed of each variant) its maps and samples */
struct watch {
	struct progress progress;
	struct report *report;
	struct report_run *rr;		/* this run's, or NULL */
	struct af_machine *m;
};

static void watch_phase(void *arg, const struct af_phase *ph)
{
	struct watch *w = arg;

	progress_phase(&w->progress, ph);
	if (w->rr)
		report_phase(w->report, w->rr, w->m, ph);
}

static void watch_sample(void *arg, const struct af_sample *smp)
{
	struct watch *w = arg;

	if (report_sample(w->report, w->rr, w->m, smp))
		af_sampler_set(w->m, w->rr->stride_ns, watch_sample, w);
}

/* Start watching a freshly built machine: 0 or 2 (printed) */
static int watch_start(struct watch *w, struct af_machine *m, const char *spec, int j, int nv,
		       unsigned long long k, unsigned long long seeds)
{
	char prefix[64];
	struct af_sample first;

	snprintf(prefix, sizeof(prefix), "[%d/%d %.20s, seed %llu/%llu] ", j + 1, nv, spec, k + 1, seeds);
	w->m = m;
	w->rr = NULL;
	progress_init(&w->progress, m, prefix);
	af_phase_hook_set(m, watch_phase, w);
	if (!w->report || k)
		return 0;
	if (!(w->rr = report_run_add(w->report, m, spec)) || report_map(w->report, w->rr, m, "start") ||
	    af_sample_now(m, &first))
		return cli_error("--report", "out of memory");
	report_sample(w->report, w->rr, m, &first);
	af_sampler_set(m, w->rr->stride_ns, watch_sample, w);
	return 0;
}

/* The run's end: the report's last sample and map; 0 or 2 (printed) */
static int watch_end(struct watch *w)
{
	int rc = 0;

	af_phase_hook_set(w->m, NULL, NULL);
	af_sampler_set(w->m, 0, NULL, NULL);
	progress_end(&w->progress);
	if (w->rr && report_end(w->report, w->rr, w->m))
		rc = cli_error("--report", "out of memory");
	w->rr = NULL;
	return rc;
}

/* One run: boot, workload, metrics at rest, compact_memory, metrics again */
static int one_run(struct machine_opts *mo, struct variant *va, int k, uint64_t seed,
		   const char *spec, const char *trace, json_t **out, struct watch *w, int j, int nv,
		   unsigned long long seeds)
{
	struct af_machine *m;
	struct af_metrics rest, after;
	char sbuf[32], rep[512];
	double t0 = wall_seconds();
	uint64_t sc0, mg0, fail = 0, moved = 0, thp_ok, thp_fb;
	json_t *wres = NULL;
	int rc;

	snprintf(sbuf, sizeof(sbuf), "%llu", (unsigned long long)seed);
	if (af_config_set(mo->cfg, "policy", va->spec) || af_config_set(mo->cfg, "seed", sbuf))
		return cli_error("compare", af_errmsg());
	if ((rc = machine_build(mo, &m)))
		return rc;
	if ((rc = watch_start(w, m, va->spec, j, nv, (unsigned long long)k, seeds))) {
		watch_end(w);
		af_machine_destroy(m);
		return rc;
	}
	if (trace) {
		/* the trace's requests, placed by this variant's allocator */
		struct af_replay_stats st;
		if ((rc = trace_replay(m, trace, machine_import_driver(), 1, &st))) {
			watch_end(w);
			af_machine_destroy(m);
			return rc;
		}
	} else {
		struct af_workload_result wr;
		if (!(rc = af_workload_run(m, spec, &wr))) {
			if (out)
				wres = json_workload_result(&wr);
			for (int i = 0; i < wr.nvalues; i++) {
				int wi;
				for (wi = 0; wi < nwrows && strcmp(wrows[wi].name, wr.values[i].name); wi++)
					;
				if (wi == nwrows && nwrows < MAX_WROWS) {
					size_t l = strlen(wr.values[i].name);
					snprintf(wrows[wi].name, sizeof(wrows[wi].name), "%s", wr.values[i].name);
					wrows[wi].pct = l > 4 && !strcmp(wr.values[i].name + l - 4, "_pct");
					nwrows++;
				}
				if (wi < nwrows)
					va->v[NR_ROWS + wi][va->n[NR_ROWS + wi]++] = wr.values[i].value;
			}
			af_workload_result_free(&wr);
		}
	}
	if (rc) {
		rc = cli_error("workload", af_errmsg());
		watch_end(w);
		af_machine_destroy(m);
		return rc;
	}
	/* at rest: 10 s of virtual time in which kswapd and kcompactd (and
	 * proactive compaction, and a policy's kcompactd work) catch up */
	for (int t = 0; t < SETTLE_STEPS; t++) {
		af_clock_advance(m, SETTLE_STEP_NS);
		af_run_daemons(m);
	}
	af_metrics(m, &rest);
	for (int o = 0; o < AF_NR_ORDERS; o++)
		fail += rest.alloc_fail[o];
	af_policy_stat(m, "moved_pages", &moved);
	thp_ok = vmstat(m, "thp_fault_alloc");
	thp_fb = vmstat(m, "thp_fault_fallback");
	sc0 = vmstat(m, "compact_migrate_scanned") + vmstat(m, "compact_free_scanned");
	mg0 = vmstat(m, "pgmigrate_success");
	rc = af_compact_memory(m);
	if (rc && rc != -ENOENT) {	/* compaction = 0: nothing to write to */
		rc = cli_error("compact_memory", af_errmsg());
		watch_end(w);
		af_machine_destroy(m);
		json_decref(wres);
		return rc;
	}
	af_metrics(m, &after);
	if ((rc = watch_end(w))) {
		af_machine_destroy(m);
		json_decref(wres);
		return rc;
	}
	if (af_check(m, rep, sizeof(rep))) {
		fprintf(stderr, "antifrag: %s seed %llu: invariant violated: %s\n", va->spec,
			(unsigned long long)seed, rep);
		af_machine_destroy(m);
		json_decref(wres);
		return 1;
	}
	uint64_t scanned = vmstat(m, "compact_migrate_scanned") + vmstat(m, "compact_free_scanned") - sc0;
	uint64_t migrated = vmstat(m, "pgmigrate_success") - mg0;
	double gained = (double)after.huge_free - (double)rest.huge_free;
	double val[NR_ROWS] = {
		[R_HUGE_REST] = (double)rest.huge_free,
		[R_HUGE_REST_PCT] = rest.oracle_huge ? 100.0 * (double)rest.huge_free / (double)rest.oracle_huge : 0,
		[R_HUGE_AFTER] = (double)after.huge_free,
		[R_HUGE_AFTER_PCT] = rest.oracle_huge ? 100.0 * (double)after.huge_free / (double)rest.oracle_huge : 0,
		[R_MIXED] = (double)rest.mixed_pageblocks,
		[R_FRAG_EXTFRAG] = (double)rest.extfrag_events_fragmenting,
		[R_SCANNED_PER_HUGE] = gained > 0 ? (double)scanned / gained : 0,
		[R_MIGRATED_PER_HUGE] = gained > 0 ? (double)migrated / gained : 0,
		[R_POLICY_MOVES] = (double)moved,
		[R_ALLOC_FAIL] = (double)fail,
		[R_THP_SUCCESS] = thp_ok + thp_fb ? 100.0 * (double)thp_ok / (double)(thp_ok + thp_fb) : 0,
		[R_ORACLE] = (double)rest.oracle_huge,
		[R_WALL] = wall_seconds() - t0,
	};
	bool defined[NR_ROWS];
	for (int r = 0; r < NR_ROWS; r++)
		defined[r] = true;
	defined[R_SCANNED_PER_HUGE] = defined[R_MIGRATED_PER_HUGE] = gained > 0;
	defined[R_THP_SUCCESS] = thp_ok + thp_fb > 0;
	defined[R_HUGE_REST_PCT] = defined[R_HUGE_AFTER_PCT] = rest.oracle_huge > 0;
	for (int r = 0; r < NR_ROWS; r++)
		if (defined[r])
			va->v[r][va->n[r]++] = val[r];
	if (out) {
		json_t *row = json_object();
		for (int r = 0; r < NR_ROWS; r++)
			json_object_set_new(row, rows[r].key, defined[r] ? json_real(val[r]) : json_null());
		*out = json_pack("{s:I, s:o, s:o, s:o, s:I, s:I}", "seed", (json_int_t)seed,
				 "summary", row, "metrics_at_rest", json_metrics(&rest),
				 "metrics_after_compaction", json_metrics(&after),
				 "compact_memory_scanned", (json_int_t)scanned,
				 "compact_memory_migrated", (json_int_t)migrated);
		if (wres)
			json_object_set_new(*out, "workload_result", wres);
	}
	af_machine_destroy(m);
	(void)k;
	return 0;
}

static void summarise(struct variant *va)
{
	for (int r = 0; r < NR_ROWS + nwrows; r++) {
		double s = 0, ss = 0;
		int n = va->n[r];

		va->valid[r] = n > 0;
		if (!n)
			continue;
		for (int i = 0; i < n; i++)
			s += va->v[r][i];
		va->mean[r] = s / n;
		for (int i = 0; i < n; i++)
			ss += (va->v[r][i] - va->mean[r]) * (va->v[r][i] - va->mean[r]);
		va->sd[r] = n > 1 ? sqrt(ss / (n - 1)) : 0;
	}
}

/* A cell of the table: mean +- sd and the change against the first variant */
static void cell_text(const struct variant *va, int j, int r, char *cell, size_t len)
{
	char delta[24] = "";

	if (!va[j].valid[r]) {
		snprintf(cell, len, "-");
		return;
	}
	if (j > 0 && va[0].valid[r] && r != R_WALL) {
		if (row_pct(r))
			snprintf(delta, sizeof(delta), " (%+.1f)", va[j].mean[r] - va[0].mean[r]);
		else if (va[0].mean[r] != 0)
			snprintf(delta, sizeof(delta), " (%+.1f%%)",
				 100.0 * (va[j].mean[r] - va[0].mean[r]) / fabs(va[0].mean[r]));
		else
			snprintf(delta, sizeof(delta), " (%s)", va[j].mean[r] == 0 ? "=" : "new");
	}
	snprintf(cell, len, "%.1f%s +- %.1f%s", va[j].mean[r], row_pct(r) ? "%" : "", va[j].sd[r], delta);
}

static void print_table(struct variant *va, int nv)
{
	printf("%-24s", "");
	for (int j = 0; j < nv; j++)
		printf(" %28.28s", va[j].spec);
	printf("\n");
	for (int r = 0; r < NR_ROWS + nwrows; r++) {
		if (r == NR_ROWS)
			printf("workload's own figures:\n");
		printf("%-24.24s", row_label(r));
		for (int j = 0; j < nv; j++) {
			char cell[64];
			cell_text(va, j, r, cell, sizeof(cell));
			printf(" %28s", cell);
		}
		printf("\n");
	}
}

/* The same table for the report: {"columns": [...], "rows": [[...], ...]} */
static json_t *table_json(const struct variant *va, int nv)
{
	json_t *cols = json_array(), *rws = json_array();

	json_array_append_new(cols, json_string(""));
	for (int j = 0; j < nv; j++)
		json_array_append_new(cols, json_string(va[j].spec));
	for (int r = 0; r < NR_ROWS + nwrows; r++) {
		json_t *row = json_array();
		json_array_append_new(row, json_string(row_label(r)));
		for (int j = 0; j < nv; j++) {
			char cell[64];
			cell_text(va, j, r, cell, sizeof(cell));
			json_array_append_new(row, json_string(cell));
		}
		json_array_append_new(rws, row);
	}
	return json_pack("{s:o, s:o}", "columns", cols, "rows", rws);
}

/* The command line, parsed and checked */
struct compare_args {
	const char *json_path;
	const char *report;	/* --report FILE.html */
	const char *figures;	/* --figures DIR */
	uint64_t report_at[64];
	size_t nreport_at;
	const char *trace;	/* --trace FILE: its requests are the workload */
	unsigned long long seeds;
	struct workload_opts wo;
	int nv;
	bool help;
};

/* Parse and check every argument, the variants into va: 0, or 2 (printed) */
static int compare_parse(int argc, char **argv, struct machine_opts *mo, struct compare_args *a,
			 struct variant *va)
{
	const char *policies = NULL;
	char *list, *save = NULL;
	int rc, ret;

	memset(a, 0, sizeof(*a));
	a->seeds = 5;
	workload_opts_init(&a->wo, "world");
	machine_opts_init(mo);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			a->help = true;
			return 0;
		}
		if (!strcmp(o, "--policy")) {	/* a list here, not one spec */
			if (!v)
				return cli_error(o, "missing value (try --help)");
			policies = argv[++i];
			continue;
		}
		ret = machine_opt(mo, argc, argv, &i);
		if (ret == 0)
			ret = workload_opt(&a->wo, argc, argv, &i);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		if (!strcmp(o, "--seeds")) {
			if ((rc = parse_u64(o, v, 1, 1000, &a->seeds)))
				return rc;
			i++;
		} else if (!strcmp(o, "--trace")) {
			if (!v)
				return cli_error(o, "missing FILE (try --help)");
			if (!strcmp(v, "-"))
				return cli_error(o, "a file (every variant replays it)");
			if ((rc = trace_check(o, v)))
				return rc;
			a->trace = argv[++i];
		} else if (!strcmp(o, "--json") || !strcmp(o, "--report") || !strcmp(o, "--figures")) {
			if (!v)
				return cli_error(o, "missing value (try --help)");
			if ((rc = file_value(o, v)))
				return rc;
			if (!strcmp(o, "--json"))
				a->json_path = argv[++i];
			else if (!strcmp(o, "--report"))
				a->report = argv[++i];
			else
				a->figures = argv[++i];
		} else if (!strcmp(o, "--report-at")) {
			if (!v)
				return cli_error(o, "missing value (try --help)");
			if ((rc = report_at_parse(o, argv[++i], a->report_at, &a->nreport_at)))
				return rc;
		} else {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", o);
			return cli_error("compare", msg);
		}
	}
	if (!policies)
		return cli_error("compare", "--policy A,B,... is required (try --help)");
	if (a->json_path && (rc = outpath_check(a->json_path, "--json")))
		return rc;
	if (a->report && (rc = outpath_check(a->report, "--report")))
		return rc;
	if (a->nreport_at && !a->report && !a->figures)
		return cli_error("--report-at", "needs --report FILE.html or --figures DIR");
	if (a->figures && (rc = outtree_check(a->figures, "--figures")))
		return rc;
	if ((rc = workload_opts_finish(&a->wo)))
		return rc;
	if (a->trace && a->wo.nparams + (strcmp(a->wo.name, "world") != 0) > 0)
		return cli_error("--trace", "the trace is the workload; --workload and --param cannot be given with it");
	if ((rc = machine_opts_finish(mo)))
		return rc;
	/* every variant must parse before any run starts */
	list = strdup(policies);
	if (!list)
		return cli_error("compare", "out of memory");
	rc = 0;
	for (char *tok = strtok_r(list, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if (a->nv == MAX_VARIANTS)
			rc = cli_error("--policy", "too many variants (at most 16)");
		else if (strlen(tok) >= sizeof(va[a->nv].spec) || af_policy_check(tok) ||
			 af_config_set(mo->cfg, "policy", tok))
			rc = cli_error("--policy", af_errmsg());
		else
			strcpy(va[a->nv++].spec, tok);
	}
	free(list);
	if (!rc && a->nv < 2)
		rc = cli_error("compare", "needs at least two variants (--policy A,B)");
	return rc;
}

static int compare_parse_only(int argc, char **argv)
{
	struct machine_opts mo;
	struct compare_args a;
	struct variant va[MAX_VARIANTS];
	int rc;

	memset(va, 0, sizeof(va));
	rc = compare_parse(argc, argv, &mo, &a, va);
	machine_opts_free(&mo);
	return rc;
}

static int compare_main(int argc, char **argv)
{
	struct machine_opts mo;
	struct compare_args a;
	struct variant va[MAX_VARIANTS];
	const char *json_path;
	unsigned long long seeds, seed0;
	char wparams[512];
	int nv, rc;
	json_t *json = NULL;
	double t0 = wall_seconds();
	struct watch w = { 0 };
	struct outfile rep = { 0 };
	struct outtree figs = { 0 };

	memset(va, 0, sizeof(va));
	if ((rc = compare_parse(argc, argv, &mo, &a, va)))
		goto out;
	if (a.help) {
		compare_usage(stdout);
		goto out;
	}
	json_path = a.json_path;
	seeds = a.seeds;
	workload_params_text(&a.wo, wparams, sizeof(wparams));
	nv = a.nv;
	mo.hint_trace = a.trace;	/* with --start: its drains show the block types */
	{
		/* the machine itself must build before the long work starts */
		struct af_machine *m;
		if ((rc = machine_build(&mo, &m)))
			goto out;
		seed0 = af_machine_seed(m);
		if (a.trace)
			printf("antifrag compare: the requests of trace %s, ", a.trace);
		else
			printf("antifrag compare: %s workload (%s), ", a.wo.name, wparams[0] ? wparams : "no parameters");
		printf("%llu MiB, %d cpu(s), "
		       "%d node(s), seeds %llu..%llu\n",
		       (unsigned long long)(af_machine_managed_pages(m) >> 8), af_machine_nr_cpus(m),
		       af_machine_nr_nodes(m), seed0, seed0 + seeds - 1);
		if (a.report || a.figures) {
			char title[512];
			snprintf(title, sizeof(title), "antifrag compare: %.100s (%.300s), %llu MiB, seeds %llu..%llu",
				 a.trace ? "trace" : a.wo.name, a.trace ? a.trace : wparams[0] ? wparams : "defaults",
				 (unsigned long long)(af_machine_managed_pages(m) >> 8), seed0, seed0 + seeds - 1);
			if (!(w.report = report_new(title, argc, argv))) {
				af_machine_destroy(m);
				rc = cli_error("--report", "out of memory");
				goto out;
			}
			memcpy(w.report->map_at, a.report_at, sizeof(a.report_at));
			w.report->nmap_at = a.nreport_at;
		}
		af_machine_destroy(m);
	}
	nwrows = 0;
	for (int j = 0; j < nv; j++) {
		for (int r = 0; r < MAX_ROWS; r++)
			if (!(va[j].v[r] = calloc(seeds, sizeof(double)))) {
				rc = cli_error("compare", "out of memory");
				goto out;
			}
		va[j].runs = json_array();
		for (unsigned long long k = 0; k < seeds; k++) {
			json_t *run = NULL;
			if ((rc = one_run(&mo, &va[j], (int)k, seed0 + k, a.wo.spec, a.trace,
					  json_path ? &run : NULL, &w, j, nv, seeds)))
				goto out;
			if (run)
				json_array_append_new(va[j].runs, run);
		}
		summarise(&va[j]);
	}
	printf("\n");
	print_table(va, nv);
	if ((rc = stdout_check()))
		goto out;
	if (w.report) {
		report_table(w.report, table_json(va, nv));
		if (a.report && (rc = outfile_open(&rep, a.report, "--report")))
			goto out;
		if (a.report && report_write_html(w.report, rep.f)) {
			rc = cli_error("--report", "cannot write the file");
			goto out;
		}
		if (a.figures && ((rc = outtree_open(&figs, a.figures, "--figures")) ||
				  (rc = report_figures(w.report, &figs, "--figures"))))
			goto out;
	}
	if (json_path) {
		json_t *vars = json_array();
		json = json_run_header("compare", argc, argv);
		json_object_set_new(json, "workload", json_string(a.trace ? "trace" : a.wo.name));
		json_object_set_new(json, "workload_spec", json_string(a.trace ? a.trace : a.wo.spec));
		json_object_set_new(json, "seeds", json_integer((json_int_t)seeds));
		json_object_set_new(json, "first_seed", json_integer((json_int_t)seed0));
		for (int j = 0; j < nv; j++) {
			json_t *sum = json_object();
			for (int r = 0; r < NR_ROWS + nwrows; r++)
				json_object_set_new(sum, row_key(r), va[j].valid[r] ?
					json_pack("{s:f, s:f, s:i}", "mean", va[j].mean[r], "sd", va[j].sd[r],
						  "n", va[j].n[r]) : json_null());
			json_array_append_new(vars, json_pack("{s:s, s:o, s:O}", "policy", va[j].spec,
							      "summary", sum, "runs", va[j].runs));
		}
		json_object_set_new(json, "variants", vars);
		json_object_set_new(json, "wall_seconds", json_real(wall_seconds() - t0));
		rc = json_write_file(json, json_path);
	}
	if (!rc && w.report && !(rc = outfile_commit(&rep, "--report")))
		rc = outtree_commit(&figs, "--figures");
out:
	outfile_abort(&rep);
	outtree_abort(&figs);
	report_free(w.report);
	for (int j = 0; j < MAX_VARIANTS; j++) {
		for (int r = 0; r < MAX_ROWS; r++)
			free(va[j].v[r]);
		json_decref(va[j].runs);
	}
	json_decref(json);
	machine_opts_free(&mo);
	return rc;
}

const struct command cmd_compare = {
	.name = "compare",
	.summary = "run policy variants over several seeds and print one comparison table",
	.main = compare_main,
	.parse = compare_parse_only,
	.usage = compare_usage,
};
