/*
 * test_daemons_threaded.c - kswapd and kcompactd as real threads while CPU
 * threads allocate and a process keeps touching its pages; the invariant
 * checker and the integrity pass hold afterwards.
 */
#include <pthread.h>
#include "helpers.h"

struct ctx {
	struct af_machine *m;
	int pid;
	uint64_t vpn, npages;
	double until;
	int errors;
	char msg[256];
};

struct cpu_arg { struct ctx *c; int cpu; uint64_t ops, fails; };

static void *alloc_thread(void *arg)
{
	struct cpu_arg *a = arg;
	struct ctx *c = a->c;
	struct af_rng r;
	enum { N = 2048 };
	uint64_t *pfn = calloc(N, sizeof(*pfn));
	uint8_t *ord = calloc(N, 1);
	int n = 0;

	af_rng_seed(&r, 500 + (uint64_t)a->cpu);
	for (uint64_t i = 0;; i++) {
		if ((i & 255) == 0 && now_s() > c->until)
			break;
		a->ops++;
		if ((af_rng_below(&r, 2) && n < N) || n == 0) {
			unsigned o = af_rng_below(&r, 8) ? (unsigned)af_rng_below(&r, 4) : 9;
			af_gfp_t g = o == 9 ? (AF_GFP_NOWAIT | AF___GFP_MOVABLE | AF___GFP_COMP) : AF_GFP_KERNEL;
			struct af_alloc_result res;
			int ret = af_alloc_pages(c->m, a->cpu, g, o, -1, &res);
			if (ret == 0) {
				pfn[n] = res.pfn;
				ord[n++] = (uint8_t)o;
			} else if (ret == -ENOMEM) {
				a->fails++;
			} else {
				__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
				snprintf(c->msg, sizeof(c->msg), "alloc: %s", af_errmsg());
			}
		} else {
			int k = (int)af_rng_below(&r, (uint64_t)n);
			if (af_free_pages(c->m, a->cpu, pfn[k], ord[k])) {
				__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
				snprintf(c->msg, sizeof(c->msg), "free: %s", af_errmsg());
			}
			pfn[k] = pfn[--n];
			ord[k] = ord[n];
		}
	}
	while (n--)
		af_free_pages(c->m, a->cpu, pfn[n], ord[n]);
	free(pfn);
	free(ord);
	return NULL;
}

static void *touch_thread(void *arg)
{
	struct cpu_arg *a = arg;
	struct ctx *c = a->c;
	struct af_rng r;

	af_rng_seed(&r, 9);
	for (uint64_t i = 0;; i++) {
		if ((i & 255) == 0 && now_s() > c->until)
			break;
		a->ops++;
		uint64_t v = c->vpn + af_rng_below(&r, c->npages);
		int ret = af_rng_below(&r, 2) ? af_mem_write(c->m, c->pid, a->cpu, v)
					      : af_mem_read(c->m, c->pid, a->cpu, v);
		if (ret && ret != -ENOMEM) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			snprintf(c->msg, sizeof(c->msg), "touch: %s", af_errmsg());
		}
		af_clock_advance(c->m, 100000);	/* 0.1 ms of virtual time per access */
	}
	return NULL;
}

static void test_daemons_under_load(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 256M\ncpus = 3\nthreaded = 1\ncontents = 1\n"
					    "transparent_hugepage = never\n");
	struct ctx c = { .m = m, .npages = 30000 };
	struct cpu_arg args[3];
	pthread_t t[3];
	const char *s = getenv("AF_STRESS_SECONDS");

	assert_int_equal(af_proc_create(m, &c.pid), 0);
	assert_int_equal(af_mmap_anon(m, c.pid, c.npages, 0, &c.vpn), 0);
	for (uint64_t i = 0; i < c.npages; i++)
		assert_int_equal(af_mem_write(m, c.pid, 0, c.vpn + i), 0);
	CHECK(m);
	assert_int_equal(af_daemons_start(m), 0);
	assert_int_equal(af_daemons_start(m), -EBUSY);
	c.until = now_s() + (s ? atof(s) : 3.0);
	for (int i = 0; i < 3; i++) {
		args[i] = (struct cpu_arg){ &c, i, 0, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, i == 2 ? touch_thread : alloc_thread, &args[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(af_daemons_stop(m), 0);
	if (c.errors)
		fail_msg("%d errors, last: %s", c.errors, c.msg);
	uint64_t wakes = 0, runs = 0;
	af_vmstat(m, "compact_daemon_wake", &wakes);
	af_vmstat(m, "pageoutrun", &runs);
	printf("daemons: %llu kswapd runs, %llu kcompactd wakes; %llu + %llu allocation ops, %llu accesses\n",
	       (unsigned long long)runs, (unsigned long long)wakes, (unsigned long long)args[0].ops,
	       (unsigned long long)args[1].ops, (unsigned long long)args[2].ops);
	assert_true(runs > 0);
	CHECK(m);
	for (uint64_t i = 0; i < c.npages; i++)
		assert_int_equal(af_mem_read(m, c.pid, 0, c.vpn + i), 0);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daemons_under_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
