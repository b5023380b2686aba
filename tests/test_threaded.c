/* test_threaded.c - real threads, one per simulated CPU, through their pcp lists. */
#include <pthread.h>
#include "helpers.h"

#if defined(__SANITIZE_THREAD__)
#define OPS 20000
#else
#define OPS 300000
#endif

struct worker {
	struct af_machine *m;
	int cpu;
	uint64_t seed;
	uint64_t allocs, fails;
	int error;
	char msg[256];
};

static void *run(void *arg)
{
	struct worker *w = arg;
	struct af_rng r;
	enum { N = 8192 };
	uint64_t *pfn = calloc(N, sizeof(*pfn));
	uint8_t *ord = calloc(N, 1);
	int n = 0, cpus = af_machine_nr_cpus(w->m);
	static const af_gfp_t gfps[] = { AF_GFP_KERNEL, AF_GFP_HIGHUSER_MOVABLE,
		AF_GFP_KERNEL | AF___GFP_RECLAIMABLE, AF_GFP_ATOMIC, AF_GFP_TRANSHUGE_LIGHT };

	af_rng_seed(&r, w->seed);
	for (int i = 0; i < OPS && !w->error; i++) {
		uint64_t x = af_rng_below(&r, 1000);
		if ((x < 500 && n < N) || n == 0) {
			unsigned o = af_rng_below(&r, 10) < 8 ? 0 : (unsigned)af_rng_below(&r, 11);
			struct af_alloc_result res;
			int ret = af_alloc_pages(w->m, w->cpu, gfps[af_rng_below(&r, 5)], o, -1, &res);
			w->allocs++;
			if (ret == 0) {
				pfn[n] = res.pfn;
				ord[n++] = (uint8_t)o;
			} else if (ret == -ENOMEM) {
				w->fails++;
			} else {
				w->error = ret;
				snprintf(w->msg, sizeof(w->msg), "alloc: %s", af_errmsg());
			}
		} else if (x < 995) {
			int k = (int)af_rng_below(&r, (uint64_t)n);
			int ret = af_free_pages(w->m, w->cpu, pfn[k], ord[k]);
			if (ret) {
				w->error = ret;
				snprintf(w->msg, sizeof(w->msg), "free: %s", af_errmsg());
			}
			pfn[k] = pfn[--n];
			ord[k] = ord[n];
		} else if (x < 999) {
			af_drain_cpu(w->m, (w->cpu + 1) % cpus);	/* drain a neighbour */
		} else {
			af_drain_all(w->m);
		}
	}
	while (n && !w->error) {
		n--;
		if (af_free_pages(w->m, w->cpu, pfn[n], ord[n])) {
			w->error = -1;
			snprintf(w->msg, sizeof(w->msg), "final free: %s", af_errmsg());
		}
	}
	free(pfn);
	free(ord);
	return NULL;
}

static uint64_t stress(const char *conf, int cpus)
{
	struct af_machine *m = machine_from(conf);
	struct worker w[16];
	pthread_t t[16];
	uint64_t free0;

	CHECK(m);
	af_drain_all(m);
	free0 = af_machine_free_pages(m);	/* the boot's kernel pages stay */
	for (int i = 0; i < cpus; i++) {
		w[i] = (struct worker){ .m = m, .cpu = i, .seed = 1000 + (uint64_t)i };
		assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
	}
	for (int i = 0; i < cpus; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < cpus; i++)
		if (w[i].error)
			fail_msg("cpu %d: %s", i, w[i].msg);
	CHECK(m);
	af_drain_all(m);
	CHECK(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	uint64_t allocs = 0;
	for (int i = 0; i < cpus; i++)
		allocs += w[i].allocs;
	assert_true(allocs > (uint64_t)OPS / 3 * (uint64_t)cpus);
	af_machine_destroy(m);
	uint64_t fails = 0;
	for (int i = 0; i < cpus; i++)
		fails += w[i].fails;
	return fails;
}

static void test_threaded_4cpu(void **st)
{
	(void)st;
	stress("mem = 512M\ncpus = 4\nthreaded = 1\n", 4);
}

static void test_threaded_numa(void **st)
{
	(void)st;
	stress("mem = 1G\nnodes = 2\ncpus = 4\nthreaded = 1\n", 4);
}

/* A small machine under pressure: fallbacks, boosts and slow paths race */
static void test_threaded_pressure(void **st)
{
	(void)st;
	uint64_t fails = stress("cpus = 3\nthreaded = 1\ntransparent_hugepage = never\n"
				"node.0.zone.DMA32 = 0x1000 16384 16384 16384\n", 3);
	/* the machine is too small for the load: failures prove the slow path ran */
	assert_true(fails > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threaded_4cpu),
		cmocka_unit_test(test_threaded_numa),
		cmocka_unit_test(test_threaded_pressure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
