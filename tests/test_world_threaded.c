/*
 * test_world_threaded.c - process threads read and write their pages through
 * their page tables (and a file's page cache) while another thread migrates
 * those pages: no access may see stale or torn contents, no write is lost.
 */
#include <pthread.h>
#include "helpers.h"

#define NPAGES 512

/* Seconds of stress: AF_STRESS_SECONDS, default 4 */
static double stress_seconds(void)
{
	const char *s = getenv("AF_STRESS_SECONDS");
	return s ? atof(s) : 4.0;
}

struct ctx {
	struct af_machine *m;
	int pid, fid;
	uint64_t vpn, fvpn;
	volatile int stop;
	int errors;
	char msg[256];
	uint64_t migrated;
};

struct accessor { struct ctx *c; int cpu; uint64_t seed; double until; uint64_t ops; };

static void *access_thread(void *arg)
{
	struct accessor *a = arg;
	struct ctx *c = a->c;
	struct af_rng r;

	af_rng_seed(&r, a->seed);
	for (uint64_t i = 0; !__atomic_load_n(&c->errors, __ATOMIC_RELAXED); i++) {
		if ((i & 1023) == 0 && now_s() > a->until)
			break;
		a->ops++;
		uint64_t x = af_rng_below(&r, 100), page = af_rng_below(&r, NPAGES);
		int ret;
		if (x < 35)
			ret = af_mem_write(c->m, c->pid, a->cpu, c->vpn + page);
		else if (x < 70)
			ret = af_mem_read(c->m, c->pid, a->cpu, c->vpn + page);
		else if (x < 80)
			ret = af_mem_write(c->m, c->pid, a->cpu, c->fvpn + page % 64);
		else if (x < 90)
			ret = af_mem_read(c->m, c->pid, a->cpu, c->fvpn + page % 64);
		else if (x < 95)
			ret = af_file_write(c->m, c->fid, a->cpu, page % 64);
		else
			ret = af_file_read(c->m, c->fid, a->cpu, page % 64);
		if (ret) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			snprintf(c->msg, sizeof(c->msg), "access: %s", af_errmsg());
		}
	}
	return NULL;
}

static void *migrate_thread(void *arg)
{
	struct ctx *c = arg;
	struct af_rng r;

	af_rng_seed(&r, 77);
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		uint64_t pfns[16];
		int n = 0;
		for (int k = 0; k < 16; k++) {
			uint64_t page = af_rng_below(&r, NPAGES), pfn;
			uint64_t vpn = k < 12 ? c->vpn + page : c->fvpn + page % 64;
			if (af_vpn_to_pfn(c->m, c->pid, vpn, &pfn))
				continue;
			bool dup = false;
			for (int j = 0; j < n; j++)
				dup |= pfns[j] == pfn;
			if (!dup)
				pfns[n++] = pfn;
		}
		struct af_migrate_stats st;
		int ret = af_migrate_pfns(c->m, pfns, n, (enum af_migrate_mode)af_rng_below(&r, 3),
					  AF_MR_COMPACTION, -1, NULL, &st);
		if (ret < 0) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			snprintf(c->msg, sizeof(c->msg), "migrate: %s", af_errmsg());
		}
		c->migrated += st.nr_succeeded;
	}
	return NULL;
}

static void test_migrate_while_accessing(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 256M\ncpus = 4\nthreaded = 1\ncontents = 1\n"
					    "transparent_hugepage = never\n");
	struct ctx c = { .m = m };
	struct accessor acc[3];
	pthread_t at[3], mt;

	assert_int_equal(af_proc_create(m, &c.pid), 0);
	assert_int_equal(af_mmap_anon(m, c.pid, NPAGES, 0, &c.vpn), 0);
	assert_int_equal(af_file_create(m, false, &c.fid), 0);
	assert_int_equal(af_mmap_file(m, c.pid, c.fid, 0, 64, 0, &c.fvpn), 0);
	for (uint64_t i = 0; i < NPAGES; i++)
		assert_int_equal(af_mem_write(m, c.pid, 0, c.vpn + i), 0);
	for (uint64_t i = 0; i < 64; i++)
		assert_int_equal(af_mem_write(m, c.pid, 0, c.fvpn + i), 0);
	CHECK(m);
	assert_int_equal(pthread_create(&mt, NULL, migrate_thread, &c), 0);
	double until = now_s() + stress_seconds();
	for (int i = 0; i < 3; i++) {
		acc[i] = (struct accessor){ &c, i, 100 + (uint64_t)i, until, 0 };
		assert_int_equal(pthread_create(&at[i], NULL, access_thread, &acc[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(at[i], NULL);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(mt, NULL);
	if (c.errors)
		fail_msg("%d errors, last: %s", c.errors, c.msg);
	assert_true(c.migrated > 0);
	printf("stress: %llu accesses, %llu pages migrated under them\n",
	       (unsigned long long)(acc[0].ops + acc[1].ops + acc[2].ops),
	       (unsigned long long)c.migrated);
	CHECK(m);
	for (uint64_t i = 0; i < NPAGES; i++)
		assert_int_equal(af_mem_read(m, c.pid, 0, c.vpn + i), 0);
	assert_int_equal(af_proc_exit(m, c.pid), 0);
	CHECK(m);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_while_accessing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
