/*
 * test_workloads.c - the workload registry: specs checked before any run,
 * every entry runs and keeps the machine consistent, the same seed gives
 * the same run, and each workload's own figures say what it did.
 */
#include "helpers.h"

#define SMALL "mem = 256M\nseed = 7\n"

static void test_specs(void **state)
{
	struct af_workload_info wi;
	int n = 0;

	(void)state;
	while (af_workload_info(n, &wi) == 0) {
		assert_non_null(wi.name);
		assert_non_null(wi.summary);
		assert_non_null(wi.source);
		for (int k = 0; k < wi.nparams; k++)
			assert_true(wi.params[k].min <= wi.params[k].def && wi.params[k].def <= wi.params[k].max);
		n++;
	}
	assert_true(n >= 5);
	assert_int_equal(af_workload_info(n, &wi), -ENOENT);
	assert_int_equal(af_workload_check("world"), 0);
	assert_int_equal(af_workload_check("world:ops=0"), 0);
	assert_int_equal(af_workload_check("mixed:ops=100000000"), 0);
	assert_int_equal(af_workload_check("mixed:ops=100000001"), -EINVAL);
	assert_int_equal(af_workload_check("mixed:ops=-1"), -EINVAL);
	assert_int_equal(af_workload_check("mixed:ops="), -EINVAL);
	assert_int_equal(af_workload_check("mixed:ops"), -EINVAL);
	assert_int_equal(af_workload_check("mixed:nosuch=1"), -EINVAL);
	assert_int_equal(af_workload_check("nosuch"), -EINVAL);
	assert_int_equal(af_workload_check(""), -EINVAL);
	assert_int_equal(af_workload_check(NULL), -EINVAL);
	assert_int_equal(af_workload_check("compaction-selftest:map_mb=0"), -EINVAL);
}

/* A bad spec changes nothing: the machine is as it was */
static void test_bad_spec_runs_nothing(void **state)
{
	struct af_machine *m = machine_from(SMALL);
	struct af_workload_result res;
	uint64_t free0 = af_machine_free_pages(m), clock0 = af_clock_ns(m);

	(void)state;
	assert_int_equal(af_workload_run(m, "mixed:ops=x", &res), -EINVAL);
	assert_null(res.text);
	assert_int_equal(af_machine_free_pages(m), free0);
	assert_int_equal(af_clock_ns(m), clock0);
	assert_int_equal(af_workload_run(NULL, "mixed", &res), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);
}

/* Run spec on a fresh machine: the text, checked */
static char *run_text(const char *cfg, const char *spec, struct af_workload_result *res)
{
	struct af_machine *m = machine_from(cfg);
	char *t;

	if (af_workload_run(m, spec, res))
		fail_msg("%s: %s", spec, af_errmsg());
	CHECK(m);
	t = strdup(res->text);
	af_machine_destroy(m);
	return t;
}

static void test_same_seed_same_run(void **state)
{
	struct af_workload_result a, b, c;
	char *ta, *tb, *tc;

	(void)state;
	ta = run_text(SMALL, "world:ops=3000", &a);
	tb = run_text(SMALL, "world:ops=3000", &b);
	tc = run_text("mem = 256M\nseed = 8\n", "world:ops=3000", &c);
	assert_string_equal(ta, tb);
	assert_string_not_equal(ta, tc);
	assert_int_equal(a.nvalues, b.nvalues);
	for (int i = 0; i < a.nvalues; i++)
		assert_true(a.values[i].value == b.values[i].value);
	free(ta), free(tb), free(tc);
	af_workload_result_free(&a);
	af_workload_result_free(&b);
	af_workload_result_free(&c);
}

/* The figures say what the workload did */
static void test_figures(void **state)
{
	struct af_workload_result r;
	double v, alloc, req;
	char *t;

	(void)state;
	t = run_text(SMALL, "mixed:ops=2000", &r);
	assert_int_equal(af_workload_value(&r, "allocations", &alloc), 0);
	assert_int_equal(af_workload_value(&r, "frees", &v), 0);
	assert_true(alloc > 2000 / 2 && v > 0);
	assert_int_equal(af_workload_value(&r, "nosuch", &v), -ENOENT);
	assert_non_null(strstr(t, "workload mixed: "));
	free(t);
	af_workload_result_free(&r);

	t = run_text(SMALL, "compaction-selftest", &r);
	assert_int_equal(af_workload_value(&r, "requested", &req), 0);
	assert_int_equal(af_workload_value(&r, "allocated", &alloc), 0);
	assert_true(req > 0 && alloc <= req);
	assert_int_equal(af_workload_value(&r, "pass", &v), 0);
	assert_int_equal(r.failed, v == 0);
	assert_non_null(strstr(t, "check_compaction"));
	free(t);
	af_workload_result_free(&r);
}

/* The row of a table by its first column's value */
static const double *row_of(const struct af_workload_result *r, size_t i)
{
	assert_true(i < r->nrows);
	return r->rows + i * (size_t)r->ncols;
}

static void test_stress_highalloc(void **state)
{
	struct af_workload_result r, again;
	struct af_machine *m = machine_from("mem = 512M\nseed = 3\n");
	char *t;

	(void)state;
	/* a load that leaves no memory: refused before any work */
	assert_int_equal(af_workload_check("stress-highalloc:anon=60:slab=30:kernel=10"), 0);
	assert_int_equal(af_workload_run(m, "stress-highalloc:anon=60:slab=30:kernel=10", &r), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);

	t = run_text("mem = 512M\nseed = 3\n", "stress-highalloc", &r);
	assert_string_equal(r.table, "rounds");
	assert_int_equal(r.nrows, 3);
	assert_int_equal(r.ncols, 10);
	for (size_t i = 0; i < 3; i++) {
		const double *row = row_of(&r, i);
		assert_true(row[0] == (double)(i + 1));
		assert_true(row[1] > 0 && row[2] <= row[1]);
		assert_true(row[3] > 99.9 * row[2] / row[1] && row[3] < 100.1 * row[2] / row[1]);
		assert_true(row[4] > 0);	/* the oracle */
	}
	/* under load the load holds memory: at rest, with its processes gone,
	 * more of the request is met, and the direct work per success falls */
	assert_true(row_of(&r, 1)[3] > row_of(&r, 0)[3]);
	assert_true(row_of(&r, 1)[9] < row_of(&r, 0)[9]);
	assert_non_null(strstr(t, "after compact_memory"));
	free(t);
	/* the same seed, the same rounds */
	t = run_text("mem = 512M\nseed = 3\n", "stress-highalloc", &again);
	assert_int_equal(again.nrows, r.nrows);
	assert_memory_equal(again.rows, r.rows, r.nrows * (size_t)r.ncols * sizeof(double));
	free(t);
	af_workload_result_free(&again);
	af_workload_result_free(&r);

	/* nothing unmovable in the load: after compact_memory nearly every
	 * huge page the oracle allows is obtained */
	t = run_text("mem = 512M\nseed = 3\n", "stress-highalloc:kernel=0:slab=0", &r);
	assert_true(row_of(&r, 2)[5] > 85.0);
	free(t);
	af_workload_result_free(&r);
}

/* The phase hook: compaction's begin and end around compact_memory, the
 * workload's progress in order; and nothing changed by watching */
struct seen { int begin, end, progress, bad; uint64_t last_done, last_clock, free_at_begin; char last[64]; };
static void on_phase(void *arg, const struct af_phase *p)
{
	struct seen *s = arg;

	if (p->clock_ns < s->last_clock)
		s->bad++;
	s->last_clock = p->clock_ns;
	if (p->kind == AF_PHASE_COMPACT_BEGIN) {
		s->begin++;
		if (strcmp(p->name, "compact_memory") || s->begin != s->end + 1)
			s->bad++;
	} else if (p->kind == AF_PHASE_COMPACT_END) {
		s->end++;
		if (s->end != s->begin)
			s->bad++;
	} else {
		if (!strcmp(s->last, p->name) && p->done < s->last_done)
			s->bad++;
		if (p->total && p->done >= p->total)
			s->bad++;
		snprintf(s->last, sizeof(s->last), "%s", p->name);
		s->last_done = p->done;
		s->progress++;
	}
}

static void test_phase_hook(void **state)
{
	struct af_workload_result r, plain;
	struct af_machine *m = machine_from("mem = 256M\nseed = 5\n");
	struct seen s = { 0 };
	char *t;

	(void)state;
	assert_int_equal(af_phase_hook_set(NULL, on_phase, &s), -EINVAL);
	assert_int_equal(af_phase_hook_set(m, on_phase, &s), 0);
	assert_int_equal(af_workload_run(m, "stress-highalloc", &r), 0);
	CHECK(m);
	assert_int_equal(s.bad, 0);
	assert_int_equal(s.begin, 1);
	assert_int_equal(s.end, 1);
	assert_true(s.progress > 100);
	assert_int_equal(af_compact_node(m, 0), 0);
	assert_int_equal(s.begin, 2);
	assert_int_equal(s.end, 2);
	af_machine_destroy(m);
	/* the same run without a hook */
	t = run_text("mem = 256M\nseed = 5\n", "stress-highalloc", &plain);
	assert_string_equal(t, r.text);
	free(t);
	af_workload_result_free(&plain);
	af_workload_result_free(&r);
}

static void test_thp_challenge(void **state)
{
	struct af_workload_result r;
	double ok, fb, v;
	char *t;

	(void)state;
	t = run_text("mem = 768M\nseed = 2\ntransparent_hugepage = madvise\n",
		     "thp-challenge:bursts=5:ops=2000:burst_mb=32", &r);
	assert_string_equal(r.table, "bursts");
	assert_int_equal(r.nrows, 5);
	double sok = 0, sfb = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		const double *row = row_of(&r, i);
		assert_true(row[0] == (double)(i + 1));
		assert_true(i == 0 || row[1] > row_of(&r, i - 1)[1]);	/* the clock moves on */
		/* madvise: only the bursts fault THPs, 16 regions of 2 MiB each */
		assert_true(row[2] + row[3] == 16);
		sok += row[2];
		sfb += row[3];
	}
	assert_int_equal(af_workload_value(&r, "thp_fault_alloc", &ok), 0);
	assert_int_equal(af_workload_value(&r, "thp_fault_fallback", &fb), 0);
	assert_true(ok == sok && fb == sfb && ok > 0);
	assert_int_equal(af_workload_value(&r, "success_pct", &v), 0);
	assert_true(v > 99.9 * ok / (ok + fb) && v < 100.1 * ok / (ok + fb));
	free(t);
	af_workload_result_free(&r);
	/* THP never: every burst maps small pages, nothing counted */
	t = run_text("mem = 768M\nseed = 2\ntransparent_hugepage = never\n",
		     "thp-challenge:bursts=2:ops=100:burst_mb=8", &r);
	assert_int_equal(af_workload_value(&r, "thp_fault_alloc", &ok), 0);
	assert_int_equal(af_workload_value(&r, "thp_fault_fallback", &fb), 0);
	assert_true(ok == 0 && fb == 0);
	free(t);
	af_workload_result_free(&r);
	assert_int_equal(af_workload_check("thp-challenge:burst_mb=1"), -EINVAL);
}

static void test_server_and_mthp_churn(void **state)
{
	struct af_workload_result r, again;
	double v;
	char *t, *t2;

	(void)state;
	t = run_text("mem = 512M\nseed = 4\n", "server-churn:intervals=6:ops=3000:wave=4", &r);
	assert_string_equal(r.table, "intervals");
	assert_int_equal(r.nrows, 6);
	for (size_t i = 0; i < r.nrows; i++) {
		const double *row = row_of(&r, i);
		assert_true(row[0] == (double)(i + 1));
		assert_true(row[2] <= row[3] || row[3] == 0);	/* huge pages free within the oracle */
		assert_true(row[5] >= 0 && row[5] <= 100);	/* the fragmentation score */
		assert_true(i == 0 || row[6] >= row_of(&r, i - 1)[6]);	/* extfrag events only grow */
	}
	/* the slab follows its wave: its crest in interval 1, its trough in 3 */
	assert_true(row_of(&r, 0)[8] > row_of(&r, 1)[8] && row_of(&r, 1)[8] > row_of(&r, 2)[8]);
	assert_true(row_of(&r, 3)[8] > row_of(&r, 2)[8]);
	free(t);
	af_workload_result_free(&r);

	t = run_text("mem = 512M\nseed = 4\n", "mthp-churn:intervals=4:ops=3000", &r);
	t2 = run_text("mem = 512M\nseed = 4\n", "mthp-churn:intervals=4:ops=3000", &again);
	assert_string_equal(t, t2);
	assert_int_equal(r.nrows, 4);
	double req = 0, fb = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		const double *row = row_of(&r, i);
		assert_true(row[3] <= row[2] && row[2] > 0);
		req += row[2];
		fb += row[3];
	}
	assert_int_equal(af_workload_value(&r, "requests", &v), 0);
	assert_true(v == req);
	assert_int_equal(af_workload_value(&r, "fallbacks", &v), 0);
	assert_true(v == fb);
	free(t);
	free(t2);
	af_workload_result_free(&r);
	af_workload_result_free(&again);
	assert_int_equal(af_workload_check("mthp-churn:order=9"), -EINVAL);
	assert_int_equal(af_workload_check("mthp-churn:op_us=1001"), -EINVAL);
	/* a run whose virtual time would pass the end of the clock is refused before it starts */
	struct af_machine *m = machine_from("mem = 512M\n");
	uint64_t t0 = af_clock_ns(m);
	assert_int_equal(af_workload_run(m, "mthp-churn:intervals=100000:ops=100000000:op_us=1000", &r),
			 -EINVAL);
	assert_non_null(strstr(af_errmsg(), "virtual clock"));
	assert_int_equal(af_clock_ns(m), t0);
	CHECK(m);
	af_machine_destroy(m);

	/* the phone's trend comes from folios given back page by page: with
	 * them the fallback rate stays high to the end, without them (whole
	 * folios back) the pool recycles free order-4 blocks and it falls */
	double first, last;
	free(run_text("mem = 1G\nseed = 4\n", "mthp-churn:intervals=8:ops=8000", &r));
	assert_int_equal(af_workload_value(&r, "first_interval_fallback_pct", &first), 0);
	assert_int_equal(af_workload_value(&r, "last_interval_fallback_pct", &last), 0);
	assert_true(last > first && last > 80);
	af_workload_result_free(&r);
	free(run_text("mem = 1G\nseed = 4\n", "mthp-churn:intervals=8:ops=8000:split=0", &r));
	assert_int_equal(af_workload_value(&r, "first_interval_fallback_pct", &first), 0);
	assert_int_equal(af_workload_value(&r, "last_interval_fallback_pct", &last), 0);
	assert_true(last < first / 2);
	af_workload_result_free(&r);
}

static void test_offline_cma_balloon(void **state)
{
	struct af_workload_result r;
	struct af_machine *m;
	double v, got;
	char *t;

	(void)state;
	/* nothing loaded: below the boot-time allocations at the top, the ranges go */
	t = run_text("mem = 512M\nseed = 5\n", "offline:ranges=6:size_mb=16:anon=0:cache=0:slab=0:kernel=0", &r);
	assert_int_equal(af_workload_value(&r, "ranges_tried", &v), 0);
	assert_int_equal(af_workload_value(&r, "ranges_offlined", &got), 0);
	assert_true(v >= 4 && got >= v - 2);
	for (size_t i = 0; i < r.nrows; i++) {
		const double *row = row_of(&r, i);
		assert_true(row[2] == 1 ? row[3] == -1 : row[3] >= row[1] && row[3] < row[1] + 16 * 256);
	}
	free(t);
	af_workload_result_free(&r);
	/* loaded with unmovable pages: a blocked range names its first busy page */
	t = run_text("mem = 512M\nseed = 5\n", "offline:ranges=3:size_mb=16:kernel=20", &r);
	for (size_t i = 0; i < r.nrows; i++) {
		const double *row = row_of(&r, i);
		if (row[2] == 0) {
			assert_true(row[3] >= row[1] && row[3] < row[1] + 16 * 256);
			assert_true(row[4] >= 0);
		}
	}
	free(t);
	af_workload_result_free(&r);
	/* more ranges than the zone holds: it stops at the zone's bottom */
	t = run_text("mem = 512M\nseed = 5\n", "offline:ranges=1000:size_mb=64:anon=0:cache=0:slab=0:kernel=0", &r);
	assert_true(r.nrows >= 4 && r.nrows <= 8);
	for (size_t i = 0; i < r.nrows; i++)
		assert_true(row_of(&r, i)[1] < 0x20000);
	free(t);
	af_workload_result_free(&r);
	assert_int_equal(af_workload_check("offline:size_mb=6"), 0);	/* checked at run: whole blocks */
	m = machine_from("mem = 512M\n");
	assert_int_equal(af_workload_run(m, "offline:size_mb=6", &r), -EINVAL);
	/* no CMA area: refused before any work */
	assert_int_equal(af_workload_run(m, "cma", &r), -EINVAL);
	assert_int_equal(af_workload_run(m, "balloon:size_mb=3", &r), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);

	t = run_text("mem = 768M\nseed = 5\ncma_size = 64M\n", "cma:allocs=4:count_mb=8:ops=200", &r);
	assert_int_equal(r.nrows, 4);
	assert_int_equal(af_workload_value(&r, "success_pct", &v), 0);
	assert_true(v > 0);
	free(t);
	af_workload_result_free(&r);

	t = run_text("mem = 768M\nseed = 5\n", "balloon:blocks=20", &r);
	assert_int_equal(af_workload_value(&r, "obtained", &got), 0);
	assert_int_equal(af_workload_value(&r, "tries", &v), 0);
	assert_true(got <= 20 && v >= got && v <= 40 && got > 0);
	free(t);
	af_workload_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_bad_spec_runs_nothing),
		cmocka_unit_test(test_same_seed_same_run),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_stress_highalloc),
		cmocka_unit_test(test_phase_hook),
		cmocka_unit_test(test_thp_challenge),
		cmocka_unit_test(test_server_and_mthp_churn),
		cmocka_unit_test(test_offline_cma_balloon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
