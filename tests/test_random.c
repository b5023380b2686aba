/* test_random.c - long random operation sequences, checked after each phase. */
#include "helpers.h"

static void run_seed(uint64_t seed, const char *conf, int phases, int ops_per_phase)
{
	struct af_machine *m = machine_from(conf);
	struct af_rng r;
	uint64_t free0;
	static uint64_t pfn[200000];
	static uint8_t ord[200000];
	int n = 0;
	static const af_gfp_t gfps[] = {
		AF_GFP_KERNEL, AF_GFP_HIGHUSER_MOVABLE, AF_GFP_KERNEL | AF___GFP_RECLAIMABLE,
		AF_GFP_ATOMIC, AF_GFP_NOWAIT, AF_GFP_TRANSHUGE_LIGHT, AF_GFP_KERNEL | AF___GFP_DMA32,
		AF_GFP_NOIO | AF___GFP_NORETRY, AF_GFP_USER | AF___GFP_RETRY_MAYFAIL,
	};

	af_drain_all(m);
	free0 = af_machine_free_pages(m);	/* the boot's kernel pages stay */
	af_rng_seed(&r, seed);
	for (int ph = 0; ph < phases; ph++) {
		for (int i = 0; i < ops_per_phase; i++) {
			uint64_t x = af_rng_below(&r, 1000);
			int cpu = (int)af_rng_below(&r, (uint64_t)m->nr_cpus);
			if (x < 520 && n < 200000) {
				unsigned order = af_rng_below(&r, 10) < 8 ? 0 : (unsigned)af_rng_below(&r, 11);
				struct af_alloc_result res;
				af_gfp_t g = gfps[af_rng_below(&r, sizeof(gfps) / sizeof(gfps[0]))];
				int ret = af_alloc_pages(m, cpu, g, order, -1, &res);
				if (ret == 0) {
					pfn[n] = res.pfn;
					ord[n++] = (uint8_t)order;
				} else if (ret != -ENOMEM) {
					fail_msg("alloc: %s", af_errmsg());
				}
			} else if (x < 995 && n) {
				int k = (int)af_rng_below(&r, (uint64_t)n);
				assert_int_equal(af_free_pages(m, cpu, pfn[k], ord[k]), 0);
				pfn[k] = pfn[--n];
				ord[k] = ord[n];
			} else if (x < 998) {
				af_drain_cpu(m, cpu);
			} else {
				char v[16];
				snprintf(v, sizeof(v), "%d", 1 + (int)af_rng_below(&r, 200));
				assert_int_equal(af_sysctl_write(m, "vm.watermark_scale_factor", v), 0);
			}
		}
		CHECK(m);
	}
	while (n) {
		n--;
		assert_int_equal(af_free_pages(m, 0, pfn[n], ord[n]), 0);
	}
	af_drain_all(m);
	CHECK(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	af_machine_destroy(m);
}

static void test_random_small(void **st)
{
	(void)st;
	for (uint64_t seed = 1; seed <= 3; seed++)
		run_seed(seed, "mem = 256M\ncpus = 4\n", 10, 100000);
}

static void test_random_numa(void **st)
{
	(void)st;
	run_seed(42, "mem = 512M\nnodes = 2\ncpus = 4\nmovablecore = 64M\n", 10, 50000);
}

/* Same seed, same state: the rendered vmstat is identical */
static void test_deterministic(void **st)
{
	(void)st;
	char *out[2];
	for (int i = 0; i < 2; i++) {
		struct af_machine *m = machine_from("mem = 1G\ncpus = 2\n");
		struct af_workload_stats ws;
		assert_int_equal(af_workload_mixed(m, 99, 50000, &ws), 0);
		CHECK(m);
		out[i] = render(m, "/proc/vmstat");
		af_machine_destroy(m);
	}
	assert_string_equal(out[0], out[1]);
	free(out[0]);
	free(out[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_numa),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
