/*
 * test_chaos.c - threaded mode under operations that race: copy-on-write
 * against migration, alloc_contig_range against allocation on every CPU,
 * page cache writes against reclaim and writeback, the owner table growing
 * under kswapd, and a randomised stress of everything at once, driven by a
 * seed (AF_CHAOS_SEED, default 1) for a bounded time (AF_CHAOS_SECONDS,
 * default 3).  Every thread draws its choices from af_rng seeded with
 * seed + its number; a failure prints the seed.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "helpers.h"

static uint64_t chaos_seed(void)
{
	const char *s = getenv("AF_CHAOS_SEED");
	return s ? strtoull(s, NULL, 0) : 1;
}

static double chaos_seconds(void)
{
	const char *s = getenv("AF_CHAOS_SECONDS");
	return s ? atof(s) : 3.0;
}

/* A hang is a failure: the test is killed after this long */
static void watchdog(unsigned seconds)
{
	alarm(seconds);
}

/* ---- copy-on-write in a child against migration of the shared page ---- */

#define COW_PAGES 64

struct cow_ctx {
	struct af_machine *m;
	int parent;
	uint64_t vpn;
	int stop, errors;
	uint64_t migrated;
	uint64_t seed;
	char msg[256];
};

static void *cow_migrator(void *arg)
{
	struct cow_ctx *c = arg;
	struct af_rng r;

	af_rng_seed(&r, c->seed + 1);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		uint64_t pfns[8];
		int n = 0;

		for (int k = 0; k < 8; k++) {
			uint64_t pfn, page = af_rng_below(&r, COW_PAGES);
			bool dup = false;
			if (af_vpn_to_pfn(c->m, c->parent, c->vpn + page, &pfn))
				continue;
			for (int j = 0; j < n; j++)
				dup |= pfns[j] == pfn;
			if (!dup)
				pfns[n++] = pfn;
		}
		struct af_migrate_stats st;
		if (af_migrate_pfns(c->m, pfns, n, (enum af_migrate_mode)af_rng_below(&r, 3),
				    AF_MR_COMPACTION, -1, NULL, &st) < 0) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			snprintf(c->msg, sizeof(c->msg), "migrate: %s", af_errmsg());
		}
		__atomic_fetch_add(&c->migrated, st.nr_succeeded, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_cow_vs_migration(void **state)
{
	(void)state;
	struct af_machine *m = machine_from("mem = 128M\ncpus = 2\nthreaded = 1\ncontents = 1\n"
					    "transparent_hugepage = never\n");
	struct cow_ctx c = { .m = m, .seed = chaos_seed() };
	pthread_t t;
	int forks = 0;

	watchdog(120);
	assert_int_equal(af_proc_create(m, &c.parent), 0);
	assert_int_equal(af_mmap_anon(m, c.parent, COW_PAGES, 0, &c.vpn), 0);
	for (uint64_t i = 0; i < COW_PAGES; i++)
		assert_int_equal(af_mem_write(m, c.parent, 0, c.vpn + i), 0);
	CHECK(m);
	assert_int_equal(pthread_create(&t, NULL, cow_migrator, &c), 0);
	double until = now_s() + chaos_seconds();
	while (now_s() < until && !c.errors) {
		int child;
		if (af_proc_fork(m, c.parent, &child)) {
			snprintf(c.msg, sizeof(c.msg), "fork: %s", af_errmsg());
			c.errors++;
			break;
		}
		forks++;
		/* the child writes every page: each write copies on write */
		for (uint64_t i = 0; i < COW_PAGES && !c.errors; i++)
			if (af_mem_write(m, child, 1, c.vpn + i)) {
				snprintf(c.msg, sizeof(c.msg), "child write: %s", af_errmsg());
				c.errors++;
			}
		/* the parent's data is untouched */
		for (uint64_t i = 0; i < COW_PAGES && !c.errors; i++)
			if (af_mem_read(m, c.parent, 0, c.vpn + i)) {
				snprintf(c.msg, sizeof(c.msg), "parent read after %d forks: %s", forks,
					 af_errmsg());
				c.errors++;
			}
		for (uint64_t i = 0; i < COW_PAGES && !c.errors; i++)
			if (af_mem_read(m, child, 1, c.vpn + i)) {
				snprintf(c.msg, sizeof(c.msg), "child read: %s", af_errmsg());
				c.errors++;
			}
		assert_int_equal(af_proc_exit(m, child), 0);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	if (c.errors)
		fail_msg("seed %llu: %s", (unsigned long long)c.seed, c.msg);
	assert_true(c.migrated > 0);
	CHECK(m);
	assert_int_equal(af_proc_exit(m, c.parent), 0);
	CHECK(m);
	af_machine_destroy(m);
	alarm(0);
}

/* ---- alloc_contig_range against allocations of orders 0-10 on both CPUs ---- */

struct contig_ctx {
	struct af_machine *m;
	uint64_t seed;
	double until;
	int errors;
	char msg[256];
	uint64_t taken;
};

struct alloc_arg { struct contig_ctx *c; int cpu; };

static void *contig_allocator(void *arg)
{
	struct alloc_arg *a = arg;
	struct contig_ctx *c = a->c;
	struct { uint64_t pfn; unsigned order; } held[32];
	int nheld = 0;
	struct af_rng r;

	af_rng_seed(&r, c->seed + 10 + (uint64_t)a->cpu);
	while (now_s() < c->until) {
		if (nheld == 32 || (nheld && af_rng_below(&r, 2))) {
			int i = (int)af_rng_below(&r, (uint64_t)nheld);
			assert_int_equal(af_free_pages(c->m, a->cpu, held[i].pfn, held[i].order), 0);
			held[i] = held[--nheld];
			continue;
		}
		struct af_alloc_result res;
		unsigned order = (unsigned)af_rng_below(&r, 11);
		af_gfp_t gfp = af_rng_below(&r, 2) ? AF_GFP_KERNEL : AF_GFP_HIGHUSER_MOVABLE;
		if (!af_alloc_pages(c->m, a->cpu, gfp | AF___GFP_NORETRY, order, -1, &res)) {
			held[nheld].pfn = res.pfn;
			held[nheld++].order = order;
		}
	}
	while (nheld--)
		assert_int_equal(af_free_pages(c->m, a->cpu, held[nheld].pfn, held[nheld].order), 0);
	return NULL;
}

static void *contig_taker(void *arg)
{
	struct contig_ctx *c = arg;
	uint64_t max = af_machine_max_pfn(c->m);
	struct af_rng r;

	af_rng_seed(&r, c->seed + 20);
	while (now_s() < c->until) {
		uint64_t start = af_rng_below(&r, max - 1024), busy;
		if (af_rng_below(&r, 2)) {
			if (!af_alloc_contig_range(c->m, start, start + 1024, &busy)) {
				c->taken++;
				assert_int_equal(af_free_contig_range(c->m, start, 1024), 0);
			}
		} else {
			struct af_migrate_stats st;
			af_migrate_range(c->m, start, start + 1024, AF_MIGRATE_SYNC, &busy, &st);
		}
	}
	return NULL;
}

static void test_contig_vs_alloc(void **state)
{
	(void)state;
	struct af_machine *m = machine_from("mem = 128M\ncpus = 2\nthreaded = 1\n");
	struct contig_ctx c = { .m = m, .seed = chaos_seed() };
	struct alloc_arg aa[2] = { { &c, 0 }, { &c, 1 } };
	pthread_t t[3];
	uint64_t free_before;

	watchdog(120);
	af_drain_all(m);
	free_before = af_machine_free_pages(m);
	c.until = now_s() + chaos_seconds();
	assert_int_equal(pthread_create(&t[0], NULL, contig_taker, &c), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[1 + i], NULL, contig_allocator, &aa[i]), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	af_drain_all(m);
	CHECK(m);
	if (af_machine_free_pages(m) != free_before)
		fail_msg("seed %llu: %llu free pages after everything was freed, %llu before",
			 (unsigned long long)c.seed, (unsigned long long)af_machine_free_pages(m),
			 (unsigned long long)free_before);
	af_machine_destroy(m);
	alarm(0);
}

/* ---- page cache writes against reclaim, writeback and sysctl writes ---- */

#define FILE_PAGES 16384

struct file_ctx {
	struct af_machine *m;
	int fid[2];
	uint64_t seed;
	double until;
	int errors;
	char msg[256];
};

struct file_arg { struct file_ctx *c; int n; };

static void *file_writer(void *arg)
{
	struct file_arg *a = arg;
	struct file_ctx *c = a->c;
	struct af_rng r;

	af_rng_seed(&r, c->seed + 30 + (uint64_t)a->n);
	while (now_s() < c->until && !__atomic_load_n(&c->errors, __ATOMIC_RELAXED)) {
		int fid = c->fid[af_rng_below(&r, 2)];
		uint64_t idx = af_rng_below(&r, FILE_PAGES);
		int x = (int)af_rng_below(&r, 10), ret;

		if (x < 6)
			ret = af_file_write(c->m, fid, a->n, idx);
		else if (x < 9)
			ret = af_file_read(c->m, fid, a->n, idx);
		else {
			ret = af_file_writeback(c->m, fid, idx, 1000000);
			if (ret == -EINVAL || ret == -ENOENT)	/* clean or not cached */
				ret = 0;
		}
		if (ret && ret != -ENOMEM) {	/* memory full of dirty pages: a clean failure */
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			snprintf(c->msg, sizeof(c->msg), "file op %d: %s", x, af_errmsg());
		}
	}
	return NULL;
}

static void *sysctl_writer(void *arg)
{
	struct file_ctx *c = arg;
	static const char *const scale[] = { "10", "1000", "3000", "100" };
	static const char *const boost[] = { "15000", "0", "30000" };
	struct af_rng r;

	af_rng_seed(&r, c->seed + 40);
	while (now_s() < c->until && !__atomic_load_n(&c->errors, __ATOMIC_RELAXED)) {
		af_sysctl_write(c->m, "vm.watermark_scale_factor", scale[af_rng_below(&r, 4)]);
		af_sysctl_write(c->m, "vm.watermark_boost_factor", boost[af_rng_below(&r, 3)]);
		af_sysctl_write(c->m, "vm.compaction_proactiveness", af_rng_below(&r, 2) ? "20" : "90");
		usleep(500);
	}
	return NULL;
}

static void test_file_write_vs_reclaim(void **state)
{
	(void)state;
	struct af_machine *m = machine_from("mem = 128M\ncpus = 2\nthreaded = 1\ncontents = 1\n");
	struct file_ctx c = { .m = m, .seed = chaos_seed() };
	struct file_arg fa[2] = { { &c, 0 }, { &c, 1 } };
	pthread_t t[3];

	watchdog(120);
	assert_int_equal(af_file_create(m, false, &c.fid[0]), 0);
	assert_int_equal(af_file_create(m, true, &c.fid[1]), 0);
	assert_int_equal(af_daemons_start(m), 0);
	c.until = now_s() + chaos_seconds();
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, file_writer, &fa[i]), 0);
	assert_int_equal(pthread_create(&t[2], NULL, sysctl_writer, &c), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(af_daemons_stop(m), 0);
	if (c.errors)
		fail_msg("seed %llu: %s", (unsigned long long)c.seed, c.msg);
	CHECK(m);
	/* every cached page still reads back its contents; a page not cached may
	 * find memory full of dirty pages (-ENOMEM, a clean failure) */
	for (int f = 0; f < 2; f++)
		for (uint64_t i = 0; i < FILE_PAGES; i += 7) {
			int ret = af_file_read(m, c.fid[f], 0, i);
			if (ret && ret != -ENOMEM)
				fail_msg("seed %llu: file %d page %llu reads %d", (unsigned long long)c.seed,
					 f, (unsigned long long)i, ret);
		}
	CHECK(m);
	af_machine_destroy(m);
	alarm(0);
}

/* ---- the header's recipe for writeback in threaded mode ---- */

static void test_writeback_zero_ns(void **state)
{
	(void)state;
	struct af_machine *m = machine_from("mem = 128M\ncpus = 2\nthreaded = 1\ncontents = 1\n");
	uint64_t pfn;
	int fid;

	watchdog(20);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 3), 0);
	assert_int_equal(af_file_writeback(m, fid, 3, 0), 0);
	assert_int_equal(af_file_page(m, fid, 3, &pfn), 0);
	struct af_world_stats ws;
	af_world_stats(m, &ws);
	assert_int_equal(ws.file_writeback, 1);
	assert_int_equal(af_file_writeback_end(m, fid, 3), 0);
	af_world_stats(m, &ws);
	assert_int_equal(ws.file_writeback, 0);
	assert_int_equal(ws.file_dirty, 0);
	/* and again, with a hold that has a duration */
	assert_int_equal(af_file_write(m, fid, 1, 3), 0);
	assert_int_equal(af_file_writeback(m, fid, 3, 5000000), 0);
	assert_int_equal(af_file_writeback_end(m, fid, 3), 0);
	assert_int_equal(af_file_read(m, fid, 0, 3), 0);
	CHECK(m);
	af_machine_destroy(m);
	alarm(0);
}

/* ---- the owner table grows while kswapd reads it ---- */

static void *owner_grower(void *arg)
{
	struct file_ctx *c = arg;

	while (now_s() < c->until) {
		int fid;
		if (af_file_create(c->m, false, &fid)) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			snprintf(c->msg, sizeof(c->msg), "file create: %s", af_errmsg());
			break;
		}
		af_file_read(c->m, fid, 1, 0);
		af_file_delete(c->m, fid);
	}
	return NULL;
}

static void test_owner_table_vs_kswapd(void **state)
{
	(void)state;
	struct af_machine *m = machine_from("mem = 128M\ncpus = 2\nthreaded = 1\n");
	struct file_ctx c = { .m = m, .seed = chaos_seed() };
	struct file_arg fa = { &c, 0 };
	pthread_t t[2];

	watchdog(120);
	assert_int_equal(af_file_create(m, false, &c.fid[0]), 0);
	assert_int_equal(af_file_create(m, false, &c.fid[1]), 0);
	assert_int_equal(af_daemons_start(m), 0);
	c.until = now_s() + chaos_seconds();
	assert_int_equal(pthread_create(&t[0], NULL, file_writer, &fa), 0);
	assert_int_equal(pthread_create(&t[1], NULL, owner_grower, &c), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(af_daemons_stop(m), 0);
	if (c.errors)
		fail_msg("seed %llu: %s", (unsigned long long)c.seed, c.msg);
	CHECK(m);
	af_machine_destroy(m);
	alarm(0);
}

/* ---- chaos: everything at once, from a seed ---- */

#define CHAOS_ANON 96
#define CHAOS_FILE 256

struct chaos {
	struct af_machine *m;
	uint64_t seed;
	double until;
	int fid, cid, did, pid;		/* shared file, unmovable slab cache, driver, process */
	uint64_t fvpn;			/* the file's mapping in pid */
	int errors;
	char msg[256];
	uint64_t ops[8];
};

struct chaos_arg { struct chaos *c; int n; };

static void chaos_fail(struct chaos *c, int n, const char *what)
{
	if (__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED) == 0)
		snprintf(c->msg, sizeof(c->msg), "thread %d, %s: %s", n, what, af_errmsg());
}

static bool chaos_running(struct chaos *c)
{
	return now_s() < c->until && !__atomic_load_n(&c->errors, __ATOMIC_RELAXED);
}

/* A process of its own: write, fork, copy on write, read both, exit, munmap */
static void *chaos_proc(void *arg)
{
	struct chaos_arg *a = arg;
	struct chaos *c = a->c;
	struct af_rng r;
	int pid, cpu = a->n & 1;
	uint64_t vpn;

	af_rng_seed(&r, c->seed + (uint64_t)a->n);
	if (af_proc_create(c->m, &pid) ||
	    af_mmap_anon(c->m, pid, CHAOS_ANON, af_rng_below(&r, 2) ? AF_MAP_THP : 0, &vpn)) {
		chaos_fail(c, a->n, "set-up");
		return NULL;
	}
	while (chaos_running(c)) {
		int child, ret = 0;
		uint64_t i = af_rng_below(&r, CHAOS_ANON);

		c->ops[a->n]++;
		switch (af_rng_below(&r, 8)) {
		case 0: case 1: case 2:
			ret = af_mem_write(c->m, pid, cpu, vpn + i);
			break;
		case 3: case 4:
			ret = af_mem_read(c->m, pid, cpu, vpn + i);
			break;
		case 5:
			if (af_proc_fork(c->m, pid, &child)) {
				ret = -ENOMEM;
				break;
			}
			for (int k = 0; k < 16 && !ret; k++) {
				uint64_t j = af_rng_below(&r, CHAOS_ANON);
				ret = af_rng_below(&r, 2) ? af_mem_write(c->m, child, cpu, vpn + j)
							   : af_mem_read(c->m, child, cpu, vpn + j);
				if (!ret)
					ret = af_mem_read(c->m, pid, cpu, vpn + j);
			}
			if (af_proc_exit(c->m, child))
				chaos_fail(c, a->n, "exit");
			break;
		case 6:
			ret = af_rng_below(&r, 2) ? af_mem_write(c->m, c->pid, cpu, c->fvpn + i % CHAOS_FILE)
						  : af_mem_read(c->m, c->pid, cpu, c->fvpn + i % CHAOS_FILE);
			break;
		default:	/* a new mapping in place of the old */
			if (af_rng_below(&r, 8) == 0) {
				if (af_munmap(c->m, pid, vpn) ||
				    af_mmap_anon(c->m, pid, CHAOS_ANON, af_rng_below(&r, 2) ? AF_MAP_THP : 0,
						 &vpn))
					chaos_fail(c, a->n, "remap");
			}
			break;
		}
		if (ret && ret != -ENOMEM)	/* out of memory is a clean failure */
			chaos_fail(c, a->n, "access");
	}
	for (uint64_t i = 0; i < CHAOS_ANON && !c->errors; i++) {
		int ret = af_mem_read(c->m, pid, cpu, vpn + i);
		if (ret && ret != -ENOMEM)
			chaos_fail(c, a->n, "final read");
	}
	if (af_proc_exit(c->m, pid))
		chaos_fail(c, a->n, "final exit");
	return NULL;
}

/* Migration, compaction, contig ranges, isolation, CMA */
static void *chaos_mover(void *arg)
{
	struct chaos_arg *a = arg;
	struct chaos *c = a->c;
	uint64_t max = af_machine_max_pfn(c->m), busy, pfn;
	struct af_rng r;

	af_rng_seed(&r, c->seed + (uint64_t)a->n);
	while (chaos_running(c)) {
		struct af_migrate_stats st;
		uint64_t pfns[16], start = af_rng_below(&r, max - 1024);
		int n = 0, ret;

		c->ops[a->n]++;
		switch (af_rng_below(&r, 8)) {
		case 0: case 1: case 2:
			for (int k = 0; k < 16; k++) {
				uint64_t p = start + af_rng_below(&r, 1024);
				bool dup = false;
				for (int j = 0; j < n; j++)
					dup |= pfns[j] == p;
				if (!dup)
					pfns[n++] = p;
			}
			ret = af_migrate_pfns(c->m, pfns, n, (enum af_migrate_mode)af_rng_below(&r, 3),
					      af_rng_below(&r, 2) ? AF_MR_SYSCALL : AF_MR_COMPACTION,
					      -1, NULL, &st);
			if (ret < 0 && ret != -EINVAL)	/* -EINVAL: a pfn in a hole */
				chaos_fail(c, a->n, "migrate");
			break;
		case 3:
			af_migrate_range(c->m, start, start + 1024,
					 (enum af_migrate_mode)af_rng_below(&r, 3), &busy, &st);
			break;
		case 4:
			if (!af_alloc_contig_range(c->m, start, start + 1024, &busy) &&
			    af_free_contig_range(c->m, start, 1024))
				chaos_fail(c, a->n, "free_contig_range");
			break;
		case 5:
		{
			uint64_t count = 1 + af_rng_below(&r, 256);
			if (!af_cma_alloc(c->m, count, (unsigned)af_rng_below(&r, 4), &pfn) &&
			    af_cma_release(c->m, pfn, count))
				chaos_fail(c, a->n, "cma_release");
			break;
		}
		case 6:
			af_compact_node(c->m, 0);
			break;
		default:
			af_compact_memory(c->m);
			break;
		}
	}
	return NULL;
}

/* Files (writes, reads, writeback both ways), slab, pins, a driver, sysctls */
static void *chaos_kernel(void *arg)
{
	struct chaos_arg *a = arg;
	struct chaos *c = a->c;
	static const char *const sysctls[][3] = {
		{ "vm.watermark_scale_factor", "10", "500" },
		{ "vm.watermark_boost_factor", "15000", "0" },
		{ "vm.compaction_proactiveness", "20", "90" },
		{ "vm.extfrag_threshold", "500", "100" },
		{ "vm.compact_unevictable_allowed", "1", "0" },
		{ "vm.nr_hugepages", "0", "4" },
		{ "vm.min_free_kbytes", "2048", "8192" },
	};
	uint64_t objs[64], pages[16];
	int nobjs = 0, npages = 0;
	struct af_rng r;

	af_rng_seed(&r, c->seed + (uint64_t)a->n);
	while (chaos_running(c)) {
		uint64_t idx = af_rng_below(&r, CHAOS_FILE), pfn;
		int ret = 0, x = (int)af_rng_below(&r, 10);

		c->ops[a->n]++;
		switch (x) {
		case 0: case 1:
			ret = af_file_write(c->m, c->fid, a->n & 1, idx);
			break;
		case 2:
			ret = af_file_read(c->m, c->fid, a->n & 1, idx);
			break;
		case 3:	/* the header's recipe: start, then end it */
			if (!af_file_writeback(c->m, c->fid, idx, af_rng_below(&r, 2) ? 0 : 1000000))
				ret = af_file_writeback_end(c->m, c->fid, idx);
			if (ret == -EINVAL)	/* ended by a waiter meanwhile */
				ret = 0;
			break;
		case 4:
			if (nobjs < 64 && af_rng_below(&r, 3)) {
				ret = af_slab_alloc(c->m, c->cid, a->n & 1, &objs[nobjs]);
				nobjs += !ret;
			} else if (nobjs) {
				int i = (int)af_rng_below(&r, (uint64_t)nobjs);
				/* a pinned slab page stays until the pin goes */
				ret = af_slab_free(c->m, c->cid, objs[i]);
				objs[i] = objs[--nobjs];
			}
			break;
		case 5:	/* pin the slab page of an object this thread holds, for a while */
			if (nobjs && af_rng_below(&r, 2)) {
				uint64_t p = objs[af_rng_below(&r, (uint64_t)nobjs)] >> 16;
				if (!af_page_pin(c->m, p)) {
					if (af_page_unpin(c->m, p))
						chaos_fail(c, a->n, "unpin");
				}
			}
			break;
		case 6:
			if (npages < 16 && af_rng_below(&r, 2)) {
				ret = af_driver_alloc(c->m, c->did, a->n & 1, &pages[npages]);
				npages += !ret;
			} else if (npages) {
				int i = (int)af_rng_below(&r, (uint64_t)npages);
				ret = af_driver_free(c->m, c->did, pages[i]);
				pages[i] = pages[--npages];
			}
			break;
		case 7: {
			const char *const *s = sysctls[af_rng_below(&r, ARRAY_SIZE(sysctls))];
			ret = af_sysctl_write(c->m, s[0], s[1 + af_rng_below(&r, 2)]);
			if (ret == -ENOMEM || ret == -EBUSY)
				ret = 0;
			break;
		}
		case 8:
			if (!af_file_page(c->m, c->fid, idx, &pfn))
				(void)pfn;
			break;
		default: {
			unsigned long freed;
			int cid;
			if (af_slab_create(c->m, "chaos-reclaimable", 192, true, &cid) == 0) {
				uint64_t o;
				for (int k = 0; k < 8; k++)
					af_slab_alloc(c->m, cid, a->n & 1, &o);
				af_slab_shrink(c->m, cid, 4, &freed);
			}
			break;
		}
		}
		if (ret && ret != -ENOMEM)
			chaos_fail(c, a->n, "kernel op");
	}
	while (nobjs)
		if (af_slab_free(c->m, c->cid, objs[--nobjs]))
			chaos_fail(c, a->n, "final slab free");
	while (npages)
		if (af_driver_free(c->m, c->did, pages[--npages]))
			chaos_fail(c, a->n, "final driver free");
	return NULL;
}

static void test_chaos_stress(void **state)
{
	(void)state;
	struct af_machine *m = machine_from("mem = 256M\ncpus = 2\nthreaded = 1\ncontents = 1\ncma_size = 16M\n"
					    "transparent_hugepage = always\n");
	struct chaos c = { .m = m, .seed = chaos_seed() };
	void *(*const fns[])(void *) = { chaos_proc, chaos_proc, chaos_mover, chaos_kernel, chaos_kernel };
	enum { NT = ARRAY_SIZE(fns) };
	struct chaos_arg args[NT];
	pthread_t t[NT];

	watchdog(600);
	printf("chaos: seed %llu (AF_CHAOS_SEED), %.1f s (AF_CHAOS_SECONDS)\n",
	       (unsigned long long)c.seed, chaos_seconds());
	assert_int_equal(af_proc_create(m, &c.pid), 0);
	assert_int_equal(af_file_create(m, false, &c.fid), 0);
	assert_int_equal(af_mmap_file(m, c.pid, c.fid, 0, CHAOS_FILE, 0, &c.fvpn), 0);
	assert_int_equal(af_slab_create(m, "chaos-unmovable", 256, false, &c.cid), 0);
	assert_int_equal(af_driver_create(m, NULL, NULL, &c.did), 0);
	assert_int_equal(af_daemons_start(m), 0);
	c.until = now_s() + chaos_seconds();
	for (int i = 0; i < NT; i++) {
		args[i] = (struct chaos_arg){ &c, i };
		assert_int_equal(pthread_create(&t[i], NULL, fns[i], &args[i]), 0);
	}
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(af_daemons_stop(m), 0);
	if (c.errors)
		fail_msg("chaos seed %llu: %d error(s), first: %s", (unsigned long long)c.seed, c.errors,
			 c.msg);
	char rep[512];
	int nv = af_check(m, rep, sizeof(rep));
	if (nv)
		fail_msg("chaos seed %llu: af_check: %d violation(s): %s", (unsigned long long)c.seed, nv, rep);
	int r1;
	for (uint64_t i = 0; i < CHAOS_FILE; i++)
		if ((r1 = af_mem_read(m, c.pid, 0, c.fvpn + i)) != 0 && r1 != -ENOMEM)
			fail_msg("chaos seed %llu: file page %llu: %s", (unsigned long long)c.seed,
				 (unsigned long long)i, af_errmsg());
		else if ((r1 = af_file_read(m, c.fid, 1, i)) != 0 && r1 != -ENOMEM)
			fail_msg("chaos seed %llu: file page %llu: %s", (unsigned long long)c.seed,
				 (unsigned long long)i, af_errmsg());
	printf("chaos: %llu process, %llu migration, %llu kernel operations\n",
	       (unsigned long long)(c.ops[0] + c.ops[1]), (unsigned long long)c.ops[2],
	       (unsigned long long)(c.ops[3] + c.ops[4]));
	assert_int_equal(af_proc_exit(m, c.pid), 0);
	nv = af_check(m, rep, sizeof(rep));
	if (nv)
		fail_msg("chaos seed %llu: af_check at the end: %d violation(s): %s",
			 (unsigned long long)c.seed, nv, rep);
	af_machine_destroy(m);
	alarm(0);
}

int main(int argc, char **argv)
{
	if (argc > 1)	/* one test by name (a glob) */
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback_zero_ns),
		cmocka_unit_test(test_cow_vs_migration),
		cmocka_unit_test(test_contig_vs_alloc),
		cmocka_unit_test(test_file_write_vs_reclaim),
		cmocka_unit_test(test_owner_table_vs_kswapd),
		cmocka_unit_test(test_chaos_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
