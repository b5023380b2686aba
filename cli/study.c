/*
 * study.c - the measurement compare, run --result and merge share, and
 * the table of variants (see study.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "study.h"

#define SETTLE_STEPS 20
#define SETTLE_STEP_NS (500ULL * 1000 * 1000)	/* kcompactd's HPAGE_FRAG_CHECK_INTERVAL_MSEC */

const struct study_row study_rows[NR_ROWS] = {
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

void study_values(struct study_point *pt, const struct af_workload_result *wr)
{
	pt->nvalues = 0;
	for (int i = 0; wr && i < wr->nvalues && pt->nvalues < MAX_WROWS; i++) {
		snprintf(pt->values[pt->nvalues].name, sizeof(pt->values[0].name), "%s", wr->values[i].name);
		pt->values[pt->nvalues++].value = wr->values[i].value;
	}
}

int study_measure(struct af_machine *m, struct study_point *pt)
{
	uint64_t sc0, mg0, fail = 0, moved = 0, thp_ok, thp_fb;
	struct af_metrics *rest = &pt->rest, *after = &pt->after;
	int rc;

	/* at rest: 10 s of virtual time in which kswapd and kcompactd (and
	 * proactive compaction, and a policy's kcompactd work) catch up */
	for (int t = 0; t < SETTLE_STEPS; t++) {
		af_clock_advance(m, SETTLE_STEP_NS);
		af_run_daemons(m);
	}
	af_metrics(m, rest);
	for (int o = 0; o < AF_NR_ORDERS; o++)
		fail += rest->alloc_fail[o];
	af_policy_stat(m, "moved_pages", &moved);
	thp_ok = cli_vmstat(m, "thp_fault_alloc");
	thp_fb = cli_vmstat(m, "thp_fault_fallback");
	sc0 = cli_vmstat(m, "compact_migrate_scanned") + cli_vmstat(m, "compact_free_scanned");
	mg0 = cli_vmstat(m, "pgmigrate_success");
	rc = af_compact_memory(m);
	if (rc && rc != -ENOENT)	/* compaction = 0: nothing to write to */
		return cli_error("compact_memory", af_errmsg());
	af_metrics(m, after);
	pt->scanned = cli_vmstat(m, "compact_migrate_scanned") + cli_vmstat(m, "compact_free_scanned") - sc0;
	pt->migrated = cli_vmstat(m, "pgmigrate_success") - mg0;
	double gained = (double)after->huge_free - (double)rest->huge_free;
	double oracle = (double)rest->oracle_huge;
	double *val = pt->val;
	val[R_HUGE_REST] = (double)rest->huge_free;
	val[R_HUGE_REST_PCT] = oracle > 0 ? 100.0 * (double)rest->huge_free / oracle : 0;
	val[R_HUGE_AFTER] = (double)after->huge_free;
	val[R_HUGE_AFTER_PCT] = oracle > 0 ? 100.0 * (double)after->huge_free / oracle : 0;
	val[R_MIXED] = (double)rest->mixed_pageblocks;
	val[R_FRAG_EXTFRAG] = (double)rest->extfrag_events_fragmenting;
	val[R_SCANNED_PER_HUGE] = gained > 0 ? (double)pt->scanned / gained : 0;
	val[R_MIGRATED_PER_HUGE] = gained > 0 ? (double)pt->migrated / gained : 0;
	val[R_POLICY_MOVES] = (double)moved;
	val[R_ALLOC_FAIL] = (double)fail;
	val[R_THP_SUCCESS] = thp_ok + thp_fb ? 100.0 * (double)thp_ok / (double)(thp_ok + thp_fb) : 0;
	val[R_ORACLE] = oracle;
	val[R_WALL] = 0;
	for (int r = 0; r < NR_ROWS; r++)
		pt->defined[r] = true;
	pt->defined[R_SCANNED_PER_HUGE] = pt->defined[R_MIGRATED_PER_HUGE] = gained > 0;
	pt->defined[R_THP_SUCCESS] = thp_ok + thp_fb > 0;
	pt->defined[R_HUGE_REST_PCT] = pt->defined[R_HUGE_AFTER_PCT] = rest->oracle_huge > 0;
	return 0;
}

json_t *study_point_json(const struct study_point *pt)
{
	json_t *row = json_object(), *vals = json_array();

	for (int r = 0; r < NR_ROWS; r++)
		json_object_set_new(row, study_rows[r].key, pt->defined[r] ? json_real(pt->val[r]) : json_null());
	/* [name, value] pairs: the workload's order survives sorted keys */
	for (int i = 0; i < pt->nvalues; i++)
		json_array_append_new(vals, json_pack("[s,f]", pt->values[i].name, pt->values[i].value));
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:o}", "summary", row,
			 "metrics_at_rest", json_metrics(&pt->rest),
			 "metrics_after_compaction", json_metrics(&pt->after),
			 "compact_memory_scanned", (json_int_t)pt->scanned,
			 "compact_memory_migrated", (json_int_t)pt->migrated,
			 "workload_values", vals);
}

int study_point_from_json(json_t *o, struct study_point *pt, char *why, size_t len)
{
	json_t *row = json_object_get(o, "summary"), *vals = json_object_get(o, "workload_values"), *v;
	size_t i;

	memset(pt, 0, sizeof(*pt));
	if (!json_is_object(row)) {
		snprintf(why, len, "no \"summary\" object");
		return -EINVAL;
	}
	for (int r = 0; r < NR_ROWS; r++) {
		v = json_object_get(row, study_rows[r].key);
		if (json_is_number(v)) {
			pt->val[r] = json_number_value(v);
			pt->defined[r] = true;
		} else if (!json_is_null(v)) {
			snprintf(why, len, "summary.%s is missing or not a number", study_rows[r].key);
			return -EINVAL;
		}
	}
	if (vals && !json_is_array(vals)) {
		snprintf(why, len, "\"workload_values\" is not an array");
		return -EINVAL;
	}
	json_array_foreach(vals, i, v) {
		const char *name = json_string_value(json_array_get(v, 0));
		json_t *num = json_array_get(v, 1);
		if (!name || !json_is_number(num) || json_array_size(v) != 2) {
			snprintf(why, len, "workload_values[%zu] is not a [name, number] pair", i);
			return -EINVAL;
		}
		if (pt->nvalues < MAX_WROWS) {
			snprintf(pt->values[pt->nvalues].name, sizeof(pt->values[0].name), "%s", name);
			pt->values[pt->nvalues++].value = json_number_value(num);
		}
	}
	return 0;
}

const char *study_row_label(const struct study_table *t, int r)
{
	return r < NR_ROWS ? study_rows[r].label : t->wrows[r - NR_ROWS].name;
}

const char *study_row_key(const struct study_table *t, int r)
{
	return r < NR_ROWS ? study_rows[r].key : t->wrows[r - NR_ROWS].name;
}

static bool row_pct(const struct study_table *t, int r)
{
	return r < NR_ROWS ? study_rows[r].pct : t->wrows[r - NR_ROWS].pct;
}

int study_variant_init(struct variant *va, size_t nruns)
{
	for (int r = 0; r < MAX_ROWS; r++)
		if (!(va->v[r] = calloc(nruns ? nruns : 1, sizeof(double))))
			return -ENOMEM;
	return 0;
}

void study_variant_free(struct variant *va)
{
	for (int r = 0; r < MAX_ROWS; r++) {
		free(va->v[r]);
		va->v[r] = NULL;
	}
	json_decref(va->runs);
	va->runs = NULL;
}

void study_add(struct study_table *t, struct variant *va, const struct study_point *pt)
{
	for (int r = 0; r < NR_ROWS; r++)
		if (pt->defined[r])
			va->v[r][va->n[r]++] = pt->val[r];
	for (int i = 0; i < pt->nvalues; i++) {
		int wi;
		for (wi = 0; wi < t->nwrows && strcmp(t->wrows[wi].name, pt->values[i].name); wi++)
			;
		if (wi == t->nwrows && t->nwrows < MAX_WROWS) {
			size_t l = strlen(pt->values[i].name);
			snprintf(t->wrows[wi].name, sizeof(t->wrows[wi].name), "%s", pt->values[i].name);
			t->wrows[wi].pct = l > 4 && !strcmp(pt->values[i].name + l - 4, "_pct");
			t->nwrows++;
		}
		if (wi < t->nwrows)
			va->v[NR_ROWS + wi][va->n[NR_ROWS + wi]++] = pt->values[i].value;
	}
}

/* Student's t at 97.5% for n - 1 degrees of freedom */
static double t975(int df)
{
	static const double t[] = { 0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
		2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };

	if (df < 1)
		return 0;
	return df <= 30 ? t[df] : 1.96 + 2.4 / df;
}

void study_summarise(const struct study_table *t, struct variant *va)
{
	for (int r = 0; r < NR_ROWS + t->nwrows; r++) {
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
		va->ci95[r] = n > 1 ? t975(n - 1) * va->sd[r] / sqrt(n) : 0;
	}
}

/* A cell of the table: mean +- sd and the change against the first variant */
static void cell_text(const struct study_table *t, const struct variant *va, int j, int r, char *cell, size_t len)
{
	char delta[24] = "";

	if (!va[j].valid[r]) {
		snprintf(cell, len, "-");
		return;
	}
	if (j > 0 && va[0].valid[r] && r != R_WALL) {
		if (row_pct(t, r))
			snprintf(delta, sizeof(delta), " (%+.1f)", va[j].mean[r] - va[0].mean[r]);
		else if (va[0].mean[r] != 0)
			snprintf(delta, sizeof(delta), " (%+.1f%%)",
				 100.0 * (va[j].mean[r] - va[0].mean[r]) / fabs(va[0].mean[r]));
		else
			snprintf(delta, sizeof(delta), " (%s)", va[j].mean[r] == 0 ? "=" : "new");
	}
	snprintf(cell, len, "%.1f%s +- %.1f%s", va[j].mean[r], row_pct(t, r) ? "%" : "", va[j].sd[r], delta);
}

/* Columns 28 wide, wider for a longer variant name (up to 60) */
static int col_width(const struct variant *va, int nv)
{
	int w = 28;

	for (int j = 0; j < nv; j++)
		if ((int)strlen(va[j].spec) > w)
			w = (int)strlen(va[j].spec) < 60 ? (int)strlen(va[j].spec) : 60;
	return w;
}

void study_print_table(const struct study_table *t, const struct variant *va, int nv)
{
	int w = col_width(va, nv);

	printf("%-24s", "");
	for (int j = 0; j < nv; j++)
		printf(" %*.*s", w, w, va[j].spec);
	printf("\n");
	for (int r = 0; r < NR_ROWS + t->nwrows; r++) {
		if (r == NR_ROWS)
			printf("workload's own figures:\n");
		printf("%-24.24s", study_row_label(t, r));
		for (int j = 0; j < nv; j++) {
			char cell[64];
			cell_text(t, va, j, r, cell, sizeof(cell));
			printf(" %*s", w, cell);
		}
		printf("\n");
	}
}

void study_print_ci(const struct study_table *t, const struct variant *va, int nv)
{
	int w = col_width(va, nv);

	printf("%-24s", "95% interval of the mean");
	for (int j = 0; j < nv; j++)
		printf(" %*.*s", w, w, va[j].spec);
	printf("\n");
	for (int r = 0; r < NR_ROWS + t->nwrows; r++) {
		printf("%-24.24s", study_row_label(t, r));
		for (int j = 0; j < nv; j++) {
			char cell[64];
			if (!va[j].valid[r])
				snprintf(cell, sizeof(cell), "-");
			else
				snprintf(cell, sizeof(cell), "[%.1f, %.1f] (n=%d)", va[j].mean[r] - va[j].ci95[r],
					 va[j].mean[r] + va[j].ci95[r], va[j].n[r]);
			printf(" %*s", w, cell);
		}
		printf("\n");
	}
}

json_t *study_table_json(const struct study_table *t, const struct variant *va, int nv)
{
	json_t *cols = json_array(), *rws = json_array();

	json_array_append_new(cols, json_string(""));
	for (int j = 0; j < nv; j++)
		json_array_append_new(cols, json_string(va[j].spec));
	for (int r = 0; r < NR_ROWS + t->nwrows; r++) {
		json_t *row = json_array();
		json_array_append_new(row, json_string(study_row_label(t, r)));
		for (int j = 0; j < nv; j++) {
			char cell[64];
			cell_text(t, va, j, r, cell, sizeof(cell));
			json_array_append_new(row, json_string(cell));
		}
		json_array_append_new(rws, row);
	}
	return json_pack("{s:o, s:o}", "columns", cols, "rows", rws);
}

json_t *study_summary_json(const struct study_table *t, const struct variant *va)
{
	json_t *sum = json_object();

	for (int r = 0; r < NR_ROWS + t->nwrows; r++)
		json_object_set_new(sum, study_row_key(t, r), va->valid[r] ?
			json_pack("{s:f, s:f, s:f, s:i}", "mean", va->mean[r], "sd", va->sd[r],
				  "ci95", va->ci95[r], "n", va->n[r]) : json_null());
	return sum;
}
