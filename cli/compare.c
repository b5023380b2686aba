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
#include "study.h"

#define MAX_VARIANTS 16

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
	char prefix[128];
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
static int one_run(struct machine_opts *mo, struct study_table *t, struct variant *va, int k, uint64_t seed,
		   const char *spec, const char *trace, json_t **out, struct watch *w, int j, int nv,
		   unsigned long long seeds)
{
	struct af_machine *m;
	struct study_point pt = { 0 };
	char sbuf[32], rep[512];
	double t0 = wall_seconds();
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
			study_values(&pt, &wr);
			af_workload_result_free(&wr);
		}
	}
	if (rc) {
		rc = cli_error("workload", af_errmsg());
		watch_end(w);
		af_machine_destroy(m);
		return rc;
	}
	if ((rc = study_measure(m, &pt))) {
		watch_end(w);
		af_machine_destroy(m);
		json_decref(wres);
		return rc;
	}
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
	pt.val[R_WALL] = wall_seconds() - t0;
	study_add(t, va, &pt);
	if (out) {
		*out = study_point_json(&pt);
		json_object_set_new(*out, "seed", json_integer((json_int_t)seed));
		if (wres)
			json_object_set_new(*out, "workload_result", wres);
	}
	af_machine_destroy(m);
	(void)k;
	return 0;
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
	struct study_table tab = { 0 };
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
	for (int j = 0; j < nv; j++) {
		if (study_variant_init(&va[j], seeds)) {
			rc = cli_error("compare", "out of memory");
			goto out;
		}
		va[j].runs = json_array();
		for (unsigned long long k = 0; k < seeds; k++) {
			json_t *run = NULL;
			if ((rc = one_run(&mo, &tab, &va[j], (int)k, seed0 + k, a.wo.spec, a.trace,
					  json_path ? &run : NULL, &w, j, nv, seeds)))
				goto out;
			if (run)
				json_array_append_new(va[j].runs, run);
		}
		study_summarise(&tab, &va[j]);
	}
	printf("\n");
	study_print_table(&tab, va, nv);
	if ((rc = stdout_check()))
		goto out;
	if (w.report) {
		report_table(w.report, study_table_json(&tab, va, nv));
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
		for (int j = 0; j < nv; j++)
			json_array_append_new(vars, json_pack("{s:s, s:o, s:O}", "policy", va[j].spec,
							      "summary", study_summary_json(&tab, &va[j]),
							      "runs", va[j].runs));
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
	for (int j = 0; j < MAX_VARIANTS; j++)
		study_variant_free(&va[j]);
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
