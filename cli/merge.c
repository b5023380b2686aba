/*
 * merge.c - `antifrag merge DIR|FILE...`: fold results written by run
 * --result (a sweep's, in whatever order they finished) into compare's
 * table: per variant the mean +- standard deviation of each row and its
 * change against the reference variant, then the 95% intervals; runs that
 * failed or are missing (against a sweep's manifest) are listed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "report.h"
#include "study.h"

static void merge_usage(FILE *f)
{
	fputs(
"usage: antifrag merge DIR|FILE... [--where KEY=VALUE ...] [--json FILE]\n"
"                      [--report FILE.html]\n"
"\n"
"Fold antifrag results (run --result; a sweep's DIR holds them) into\n"
"compare's table: the runs of one variant (the same parameters but the seed)\n"
"give the mean +- standard deviation of each row and the change against the\n"
"reference variant (a sweep's first; else the first by its parameters), then\n"
"the 95% interval of each mean (Student's t over the seeds).  Results may\n"
"come in any order and from several directories.  Runs that failed are listed\n"
"with their error, and so are runs a sweep's manifest (DIR/sweep.json) names\n"
"but no result holds.  In a directory, a file that is not an antifrag result is\n"
"refused with one line and left out; a FILE named here that is not one is an\n"
"error.\n"
"\n"
"  --where KEY=VALUE    only the results whose parameter KEY (a sweep key:\n"
"                       policy, vm.NAME, param.NAME, mem, workload ...) is VALUE\n"
"                       (repeatable; all must hold)\n"
"  --json FILE          the table, the intervals and the runs as JSON\n"
"  --report FILE.html   the table as a self-contained HTML page (results carry\n"
"                       no maps or time series: compare --report draws those)\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0; 1 if a run failed or is missing, or a result file is\n"
"corrupt; 2 on bad usage or when no result is left.\n", f);
}

#define MAX_WHERE 16

struct merge_args {
	const char *paths[MAX_LIST];
	int npaths;
	const char *where[MAX_WHERE];
	int nwhere;
	const char *json, *report;
	bool help;
};

static int merge_parse_args(int argc, char **argv, struct merge_args *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			a->help = true;
			return 0;
		}
		if (!strcmp(o, "--where") || !strcmp(o, "--json") || !strcmp(o, "--report")) {
			if (!v)
				return cli_error(o, "missing value (try --help)");
			if (!strcmp(o, "--json") || !strcmp(o, "--report")) {
				if ((rc = file_value(o, v)))
					return rc;
				if (!strcmp(o, "--json"))
					a->json = argv[++i];
				else
					a->report = argv[++i];
			} else {
				if (!strchr(v, '=') || v[0] == '=')
					return cli_error(o, "expected KEY=VALUE");
				if (a->nwhere == MAX_WHERE)
					return cli_error(o, "at most 16");
				a->where[a->nwhere++] = argv[++i];
			}
		} else if (o[0] == '-' && o[1]) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", o);
			return cli_error("merge", msg);
		} else if (a->npaths == MAX_LIST) {
			return cli_error("merge", "at most 64 directories or files");
		} else {
			a->paths[a->npaths++] = o;
		}
	}
	if (!a->npaths)
		return cli_error("merge", "missing DIR (try --help)");
	if (a->json && (rc = outpath_check(a->json, "--json")))
		return rc;
	if (a->report && (rc = outpath_check(a->report, "--report")))
		return rc;
	return 0;
}

static int merge_parse(int argc, char **argv)
{
	struct merge_args a;

	return merge_parse_args(argc, argv, &a);
}

/* One result file, read */
struct res {
	char path[4096];
	char name[512];		/* the file's name without .json */
	json_t *o;
	char key[2048];		/* its variant: the parameters but the seed */
	long variant;		/* the sweep's index, or -1 */
	unsigned long long seed;
	int exit_status;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The parameters of a result as "k=v k=v" (the sweep's, else policy,
 * workload spec and the --set values from argv), and the seed */
static void variant_key(json_t *o, char *key, size_t len)
{
	json_t *pp = json_object_get(json_object_get(o, "sweep"), "params"), *v;
	const char *k;
	size_t off = 0;

	key[0] = '\0';
	if (json_is_object(pp) && json_object_size(pp)) {
		json_object_foreach(pp, k, v) {
			if (!strcmp(k, "seed") || !json_is_string(v))
				continue;
			off += (size_t)snprintf(key + off, off < len ? len - off : 0, "%s%s=%s", off ? " " : "", k,
						json_string_value(v));
		}
		return;
	}
	off += (size_t)snprintf(key, len, "policy=%s workload=%s", json_string_value(json_object_get(o, "policy")),
				json_string_value(json_object_get(o, "workload_spec")));
	json_t *argv = json_object_get(o, "argv");
	for (size_t i = 0; i + 1 < json_array_size(argv); i++)
		if (!strcmp(json_string_value(json_array_get(argv, i)) ?: "", "--set"))
			off += (size_t)snprintf(key + off, off < len ? len - off : 0, " %s",
						json_string_value(json_array_get(argv, i + 1)) ?: "");
}

/* The value of parameter k in a result ("" when it has none) */
static const char *param_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(json_object_get(json_object_get(o, "sweep"), "params"), k);

	if (json_is_string(v))
		return json_string_value(v);
	if (!strcmp(k, "policy"))
		return json_string_value(json_object_get(o, "policy")) ?: "";
	if (!strcmp(k, "workload"))
		return json_string_value(json_object_get(o, "workload")) ?: "";
	return "";
}

struct merge {
	struct res *r;
	size_t n, cap;
	int corrupt, foreign, versions;
	char version[32];
	json_t *manifests;	/* the expected runs' names */
};

static void merge_free(struct merge *mg)
{
	for (size_t i = 0; i < mg->n; i++)
		json_decref(mg->r[i].o);
	free(mg->r);
	json_decref(mg->manifests);
}

/* Read one file: a result, a manifest, or refused with one line (a file
 * named on the command line that is neither is an error: 2) */
static int read_one(struct merge *mg, const char *path, const struct merge_args *a, bool named)
{
	json_error_t err;
	json_t *o = json_load_file(path, 0, &err);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char msg[4400];

	if (!o && named) {
		snprintf(msg, sizeof(msg), "%.4000s:%d: not JSON (%.200s)", path, err.line, err.text);
		return cli_error("merge", msg);
	}
	if (!o) {
		fprintf(stderr, "antifrag: merge: %s:%d: not JSON (%s): left out\n", path, err.line, err.text);
		mg->corrupt++;
		return 0;
	}
	if (json_integer_value(json_object_get(o, "antifrag_sweep")) == 1) {
		json_t *runs = json_object_get(o, "runs"), *rr;
		size_t i;
		json_array_foreach(runs, i, rr) {
			const char *n = json_string_value(json_object_get(rr, "name"));
			if (n)
				json_object_set_new(mg->manifests, n, json_true());
		}
		json_decref(o);
		return 0;
	}
	if (named && (json_integer_value(json_object_get(o, "antifrag_result")) != 1 ||
		      !json_is_integer(json_object_get(o, "exit_status")))) {
		json_decref(o);
		snprintf(msg, sizeof(msg), "%.4000s: not an antifrag result (no \"antifrag_result\": 1 and "
			 "\"exit_status\")", path);
		return cli_error("merge", msg);
	}
	if (json_integer_value(json_object_get(o, "antifrag_result")) != 1 ||
	    !json_is_integer(json_object_get(o, "exit_status"))) {
		fprintf(stderr, "antifrag: merge: %s: not an antifrag result (no \"antifrag_result\": 1 and "
			"\"exit_status\"): left out\n", path);
		mg->foreign++;
		json_decref(o);
		return 0;
	}
	for (int w = 0; w < a->nwhere; w++) {
		const char *eq = strchr(a->where[w], '=');
		char k[128];
		snprintf(k, sizeof(k), "%.*s", (int)(eq - a->where[w]), a->where[w]);
		if (strcmp(param_of(o, k), eq + 1)) {
			json_decref(o);
			return 0;
		}
	}
	const char *ver = json_string_value(json_object_get(o, "antifrag_version"));
	if (ver && !mg->version[0])
		snprintf(mg->version, sizeof(mg->version), "%s", ver);
	else if (ver && strcmp(ver, mg->version))
		mg->versions++;
	if (mg->n == mg->cap) {
		size_t nc = mg->cap ? mg->cap * 2 : 64;
		struct res *nr = realloc(mg->r, nc * sizeof(*nr));
		if (!nr) {
			json_decref(o);
			return cli_error("merge", "out of memory");
		}
		mg->r = nr;
		mg->cap = nc;
	}
	struct res *r = &mg->r[mg->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->name, sizeof(r->name), "%.*s", (int)(strlen(base) > 5 ? strlen(base) - 5 : strlen(base)), base);
	r->o = o;
	variant_key(o, r->key, sizeof(r->key));
	json_t *va = json_object_get(json_object_get(o, "sweep"), "variant");
	r->variant = json_is_integer(va) ? (long)json_integer_value(va) : -1;
	r->seed = (unsigned long long)json_integer_value(json_object_get(o, "seed"));
	r->exit_status = (int)json_integer_value(json_object_get(o, "exit_status"));
	return 0;
}

static int read_path(struct merge *mg, const char *path, const struct merge_args *a)
{
	struct stat sb;
	char msg[4300];
	int rc = 0;

	if (stat(path, &sb)) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		return cli_error("merge", msg);
	}
	if (!S_ISDIR(sb.st_mode))
		return read_one(mg, path, a, true);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		return cli_error("merge", msg);
	}
	/* in name order, so the output does not depend on the directory's */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") || e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char full[8300];
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (!rc && names[i])
			rc = read_one(mg, full, a, false);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int cmp_res(const void *pa, const void *pb)
{
	const struct res *a = pa, *b = pb;

	if (a->variant != b->variant)
		return a->variant < b->variant ? -1 : 1;
	int c = strcmp(a->key, b->key);
	if (c)
		return c;
	return a->seed < b->seed ? -1 : a->seed > b->seed;
}

/* A variant's column label: the values of the parameters that vary */
static void label_of(const struct merge *mg, const struct res *r, char *out, size_t len)
{
	char key[2048], *save = NULL;
	size_t off = 0;

	snprintf(key, sizeof(key), "%s", r->key);
	out[0] = '\0';
	for (char *kv = strtok_r(key, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
		bool varies = false;
		char pat[512];
		snprintf(pat, sizeof(pat), "%s", kv);
		char *eq = strchr(pat, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < mg->n && !varies; i++)
			varies = strcmp(param_of(mg->r[i].o, pat), eq + 1) != 0;
		if (!varies)
			continue;
		if (!strcmp(pat, "policy"))
			off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%s", off ? " " : "", eq + 1);
		else
			off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%s=%s", off ? " " : "", pat,
						eq + 1);
	}
	if (!out[0])
		snprintf(out, len, "%s", param_of(r->o, "policy"));
}

static int merge_main(int argc, char **argv)
{
	struct merge_args a;
	struct merge mg = { 0 };
	struct study_table tab = { 0 };
	struct variant *va = NULL;
	const char **vkey = NULL;	/* each variant's parameters (its key) */
	int nv = 0, rc, failed = 0, missing = 0;
	json_t *out = NULL;

	if ((rc = merge_parse_args(argc, argv, &a)))
		return rc;
	if (a.help) {
		merge_usage(stdout);
		return 0;
	}
	mg.manifests = json_object();
	for (int i = 0; i < a.npaths && !rc; i++)
		rc = read_path(&mg, a.paths[i], &a);
	if (rc)
		goto done;
	if (mg.versions)
		fprintf(stderr, "antifrag: merge: warning: results of more than one antifrag version (the first "
			"read: %s)\n", mg.version);
	qsort(mg.r, mg.n, sizeof(*mg.r), cmp_res);
	/* the variants, in the sweep's order */
	if (!(va = calloc(mg.n ? mg.n : 1, sizeof(*va))) || !(vkey = calloc(mg.n ? mg.n : 1, sizeof(*vkey)))) {
		rc = cli_error("merge", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < mg.n; i++) {
		struct res *r = &mg.r[i];
		struct study_point pt;
		char why[200];
		if (r->exit_status) {
			printf("%s failed (exit status %d): %s\n", r->name, r->exit_status,
			       json_string_value(json_object_get(r->o, "error")) ?: "no error recorded");
			failed++;
			continue;
		}
		if (study_point_from_json(json_object_get(r->o, "run"), &pt, why, sizeof(why))) {
			fprintf(stderr, "antifrag: merge: %s: a result without its measurement (%s): left out\n",
				r->path, why);
			mg.corrupt++;
			continue;
		}
		if (!nv || strcmp(vkey[nv - 1], r->key) || (i && mg.r[i - 1].variant != r->variant)) {
			if (study_variant_init(&va[nv], mg.n)) {
				rc = cli_error("merge", "out of memory");
				goto done;
			}
			vkey[nv] = r->key;
			va[nv].runs = json_array();
			nv++;
		}
		study_add(&tab, &va[nv - 1], &pt);
		json_array_append_new(va[nv - 1].runs, json_string(r->name));
	}
	/* the runs a manifest names that no result holds */
	{
		const char *name;
		json_t *v;
		json_object_foreach(mg.manifests, name, v) {
			bool have = false;
			for (size_t i = 0; i < mg.n && !have; i++)
				have = !strcmp(mg.r[i].name, name);
			if (!have && !a.nwhere) {
				printf("%s missing: no result\n", name);
				missing++;
			}
		}
	}
	if (!nv) {
		rc = cli_error("merge", "no result to merge");
		goto done;
	}
	/* the columns: what varies, the reference first */
	for (int j = 0; j < nv; j++) {
		char label[256];
		size_t i;
		for (i = 0; i < mg.n && strcmp(mg.r[i].key, vkey[j]); i++)
			;
		label_of(&mg, &mg.r[i], label, sizeof(label));
		snprintf(va[j].spec, sizeof(va[j].spec), "%s", label);
		study_summarise(&tab, &va[j]);
	}
	printf("antifrag merge: %zu results, %d variant(s), %d failed, %d missing\n\n", mg.n - (size_t)failed,
	       nv, failed, missing);
	study_print_table(&tab, va, nv);
	printf("\n");
	study_print_ci(&tab, va, nv);
	if ((rc = stdout_check()))
		goto done;
	if (a.report) {
		struct report *rp = report_new("antifrag merge", argc, argv);
		struct outfile of = { 0 };
		if (!rp) {
			rc = cli_error("--report", "out of memory");
			goto done;
		}
		report_table(rp, study_table_json(&tab, va, nv));
		if (!(rc = outfile_open(&of, a.report, "--report"))) {
			if (report_write_html(rp, of.f)) {
				outfile_abort(&of);
				rc = cli_error("--report", "cannot write the file");
			} else {
				rc = outfile_commit(&of, "--report");
			}
		}
		report_free(rp);
		if (rc)
			goto done;
	}
	if (a.json) {
		json_t *vars = json_array();
		out = json_run_header("merge", argc, argv);
		for (int j = 0; j < nv; j++)
			json_array_append_new(vars, json_pack("{s:s, s:o, s:O}", "variant", va[j].spec,
							      "summary", study_summary_json(&tab, &va[j]),
							      "runs", va[j].runs));
		json_object_set_new(out, "variants", vars);
		json_object_set_new(out, "table", study_table_json(&tab, va, nv));
		json_object_set_new(out, "failed", json_integer(failed));
		json_object_set_new(out, "missing", json_integer(missing));
		if ((rc = json_write_file(out, a.json)))
			goto done;
	}
	rc = failed || missing || mg.corrupt ? 1 : 0;
done:
	for (int j = 0; va && j < nv; j++)
		study_variant_free(&va[j]);
	free(va);
	free(vkey);
	json_decref(out);
	merge_free(&mg);
	return rc;
}

const struct command cmd_merge = {
	.name = "merge",
	.summary = "fold sweep results into compare's table (mean, sd, 95% interval, failed and missing runs)",
	.main = merge_main,
	.parse = merge_parse,
	.usage = merge_usage,
};
