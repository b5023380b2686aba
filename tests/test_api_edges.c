/*
 * test_api_edges.c - the public API at its edges: the NULL contract of every
 * function, integer arguments that wrap, reference counts (pins, CMA pages),
 * the lifetime of what the caller hands in, and host memory sized by use.
 * Each case failed (crash, sanitizer report or wrong result) before its fix.
 */
#include <errno.h>
#include "helpers.h"

static const char *SMALL = "transparent_hugepage = never\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n";

static struct af_machine *small_world(void)
{
	return machine_from(SMALL);
}

/* Every public function with NULL for each pointer argument: -EINVAL with a
 * message, or the documented value, never a crash. */
static void test_null_contract(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	struct af_config *c;
	uint64_t u = 0;
	int i = 0;
	char buf[64];
	char *s = NULL;
	struct af_alloc_result r;
	struct af_event ev = { .type = AF_EV_MM_PAGE_FREE };
	struct af_snapshot sn;
	struct af_metrics mt;
	struct af_sample sa;
	struct af_policy_info pi;

	assert_int_equal(af_config_new(&c), 0);
#define EINVAL_(call) do { assert_int_equal((call), -EINVAL); assert_true(strlen(af_errmsg()) > 0); } while (0)
	EINVAL_(af_parse_size(NULL, &u));
	EINVAL_(af_parse_size("4K", NULL));
	EINVAL_(af_config_new(NULL));
	af_config_free(NULL);
	EINVAL_(af_config_set(NULL, "mem", "1G"));
	EINVAL_(af_config_set(c, NULL, "1G"));
	EINVAL_(af_config_set(c, "mem", NULL));
	EINVAL_(af_config_load(NULL, "/dev/null"));
	EINVAL_(af_config_load(c, NULL));
	EINVAL_(af_config_load_string(NULL, ""));
	EINVAL_(af_config_load_string(c, NULL));
	EINVAL_(af_machine_create(NULL, &m));
	EINVAL_(af_machine_create(c, NULL));
	EINVAL_(af_machine_create_core(NULL, &m));
	EINVAL_(af_machine_create_core(c, NULL));
	af_config_free(c);
	af_machine_destroy(NULL);
	EINVAL_(af_machine_nr_cpus(NULL));
	EINVAL_(af_machine_nr_nodes(NULL));
	assert_int_equal(af_machine_max_pfn(NULL), 0);
	assert_int_equal(af_machine_seed(NULL), 0);
	assert_int_equal(af_machine_free_pages(NULL), 0);
	assert_int_equal(af_machine_managed_pages(NULL), 0);

	EINVAL_(af_alloc_pages(NULL, 0, AF_GFP_KERNEL, 0, -1, &r));
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, NULL), 0);	/* res optional */
	EINVAL_(af_free_pages(NULL, 0, 0, 0));
	EINVAL_(af_drain_cpu(NULL, 0));
	af_drain_all(NULL);
	assert_int_equal(af_gfp_migratetype(NULL, AF_GFP_HIGHUSER_MOVABLE), 1);	/* m optional */
	EINVAL_(af_gfp_parse(NULL, (af_gfp_t *)&i));
	EINVAL_(af_gfp_parse("GFP_KERNEL", NULL));
	af_set_slowpath_ops(NULL, NULL, NULL);
	af_set_slowpath_ops(m, NULL, NULL);

	EINVAL_(af_sysctl_write(NULL, "vm.extfrag_threshold", "500"));
	EINVAL_(af_sysctl_write(m, NULL, "500"));
	EINVAL_(af_sysctl_write(m, "vm.extfrag_threshold", NULL));
	EINVAL_(af_sysctl_read(NULL, "vm.extfrag_threshold", buf, sizeof(buf)));
	EINVAL_(af_sysctl_read(m, NULL, buf, sizeof(buf)));
	EINVAL_(af_sysctl_read(m, "vm.extfrag_threshold", NULL, sizeof(buf)));
	EINVAL_(af_render(NULL, "/proc/buddyinfo", &s));
	EINVAL_(af_render(m, NULL, &s));
	EINVAL_(af_render(m, "/proc/buddyinfo", NULL));
	EINVAL_(af_vmstat(NULL, "nr_free_pages", &u));
	EINVAL_(af_vmstat(m, NULL, &u));
	EINVAL_(af_vmstat(m, "nr_free_pages", NULL));
	assert_non_null(af_policy_stat_names(NULL));
	assert_null(af_policy_stat_names(NULL)[0]);
	EINVAL_(af_policy_info(0, NULL));
	assert_int_equal(af_policy_info(0, &pi), 0);
	EINVAL_(af_machine_policy(NULL, buf, sizeof(buf)));
	EINVAL_(af_machine_policy(m, NULL, sizeof(buf)));
	EINVAL_(af_policy_check(NULL));
	EINVAL_(af_machine_set_policy(NULL, "linux"));
	EINVAL_(af_machine_set_policy(m, NULL));
	EINVAL_(af_policy_stat(NULL, "x", &u));
	EINVAL_(af_policy_stat(m, NULL, &u));
	EINVAL_(af_policy_stat(m, "x", NULL));

	assert_int_equal(af_event_type_by_name(NULL), AF_EV_NONE);
	EINVAL_(af_event_format_text(NULL, buf, sizeof(buf)));
	EINVAL_(af_event_format_json(NULL, buf, sizeof(buf)));
	EINVAL_(af_event_format_text(&ev, NULL, sizeof(buf)));
	EINVAL_(af_event_format_json(&ev, NULL, sizeof(buf)));
	assert_true(af_event_format_text(&ev, NULL, 0) > 0);	/* snprintf's sizing call */
	assert_true(af_event_format_json(&ev, NULL, 0) > 0);
	EINVAL_(af_event_parse(NULL, &ev));
	EINVAL_(af_event_parse("x", NULL));
	af_set_event_sink(NULL, NULL, NULL);
	af_event_to_json_file(NULL, &ev);
	af_event_to_json_file(stderr, NULL);
	af_set_trace(NULL, NULL, NULL);
	af_trace_to_file(NULL, "x");
	af_trace_to_file(stderr, NULL);
	EINVAL_(af_check(NULL, buf, sizeof(buf)));
	assert_int_equal(af_check(m, NULL, 0), 0);
	assert_int_equal(af_check(m, NULL, 64), 0);
	af_clock_advance(NULL, 1);
	assert_int_equal(af_clock_ns(NULL), 0);

	EINVAL_(af_workload_mixed(NULL, 1, 1, NULL));
	af_workload_release(NULL);
	EINVAL_(af_workload_world(NULL, 1, 1, NULL));
	EINVAL_(af_workload_compaction_selftest(NULL, NULL));
	EINVAL_(af_workload_compaction_selftest(m, NULL));
	EINVAL_(af_workload_compaction_selftest_map(NULL, 1, NULL));
	EINVAL_(af_workload_compaction_selftest_map(m, 1, NULL));

	int pid, fid, cid, did;
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_slab_create(m, "x", 64, true, &cid), 0);
	assert_int_equal(af_driver_create(m, NULL, NULL, &did), 0);
	EINVAL_(af_proc_create(NULL, &i));
	EINVAL_(af_proc_create(m, NULL));
	EINVAL_(af_proc_fork(NULL, pid, &i));
	EINVAL_(af_proc_fork(m, pid, NULL));
	EINVAL_(af_proc_exit(NULL, pid));
	EINVAL_(af_mmap_anon(NULL, pid, 1, 0, &u));
	EINVAL_(af_mmap_anon(m, pid, 1, 0, NULL));
	EINVAL_(af_mmap_file(NULL, pid, fid, 0, 1, 0, &u));
	EINVAL_(af_mmap_file(m, pid, fid, 0, 1, 0, NULL));
	EINVAL_(af_mmap_hugetlb(NULL, pid, 1, &u));
	EINVAL_(af_mmap_hugetlb(m, pid, 1, NULL));
	EINVAL_(af_munmap(NULL, pid, 0));
	EINVAL_(af_mem_write(NULL, pid, 0, 0));
	EINVAL_(af_mem_read(NULL, pid, 0, 0));
	EINVAL_(af_vpn_to_pfn(NULL, pid, 0, &u));
	EINVAL_(af_vpn_to_pfn(m, pid, 0, NULL));
	EINVAL_(af_file_create(NULL, false, &i));
	EINVAL_(af_file_create(m, false, NULL));
	EINVAL_(af_file_delete(NULL, fid));
	EINVAL_(af_file_read(NULL, fid, 0, 0));
	EINVAL_(af_file_write(NULL, fid, 0, 0));
	EINVAL_(af_file_writeback(NULL, fid, 0, 0));
	EINVAL_(af_file_writeback_end(NULL, fid, 0));
	EINVAL_(af_file_page(NULL, fid, 0, &u));
	EINVAL_(af_file_page(m, fid, 0, NULL));
	EINVAL_(af_slab_create(NULL, "x", 64, true, &i));
	EINVAL_(af_slab_create(m, NULL, 64, true, &i));
	EINVAL_(af_slab_create(m, "x", 64, true, NULL));
	EINVAL_(af_slab_alloc(NULL, cid, 0, &u));
	EINVAL_(af_slab_alloc(m, cid, 0, NULL));
	EINVAL_(af_slab_free(NULL, cid, 0));
	EINVAL_(af_slab_shrink(NULL, cid, 1, NULL));
	assert_int_equal(af_slab_shrink(m, cid, 1, NULL), 0);	/* freed optional */
	EINVAL_(af_slab_pin(NULL, cid));
	EINVAL_(af_slab_pin(m, 9999));
	EINVAL_(af_driver_create(NULL, NULL, NULL, &i));
	EINVAL_(af_driver_create(m, NULL, NULL, NULL));
	EINVAL_(af_driver_alloc(NULL, did, 0, &u));
	EINVAL_(af_driver_alloc(m, did, 0, NULL));
	EINVAL_(af_driver_free(NULL, did, 0));
	EINVAL_(af_driver_page(NULL, did, 0, &u));
	EINVAL_(af_driver_page(m, did, 0, NULL));
	EINVAL_(af_driver_fail_migrate_after(NULL, did, 1));
	EINVAL_(af_hugetlb_resize(NULL, 0, NULL));
	assert_int_equal(af_hugetlb_resize(m, 0, NULL), 0);	/* now optional */
	EINVAL_(af_page_lock(NULL, 0, 0));
	EINVAL_(af_page_unlock(NULL, 0));
	EINVAL_(af_page_pin(NULL, 0));
	EINVAL_(af_page_unpin(NULL, 0));
	EINVAL_(af_migrate_pfns(NULL, &u, 1, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, NULL));
	EINVAL_(af_migrate_pfns(m, NULL, 1, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, NULL));
	assert_int_equal(af_migrate_pfns(m, NULL, 0, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, NULL), 0);
	EINVAL_(af_migrate_range(NULL, 0, 1, AF_MIGRATE_SYNC, NULL, NULL));
	EINVAL_(af_alloc_contig_range(NULL, 0, 1, NULL));
	EINVAL_(af_free_contig_range(NULL, 0, 1));
	EINVAL_(af_offline_pages(NULL, 0, 1, NULL));
	EINVAL_(af_cma_alloc(NULL, 1, 0, &u));
	EINVAL_(af_cma_alloc(m, 1, 0, NULL));
	EINVAL_(af_cma_release(NULL, 0, 1));
	af_world_stats(NULL, NULL);
	af_world_stats(m, NULL);
	EINVAL_(af_compact_memory(NULL));
	EINVAL_(af_compact_node(NULL, 0));
	EINVAL_(af_run_daemons(NULL));
	EINVAL_(af_daemons_start(NULL));
	EINVAL_(af_daemons_stop(NULL));
	assert_int_equal(af_fragmentation_score(NULL, 0), 0);
	EINVAL_(af_snapshot_take(NULL, &sn));
	EINVAL_(af_snapshot_take(m, NULL));
	af_snapshot_free(NULL);
	EINVAL_(af_metrics(NULL, &mt));
	EINVAL_(af_metrics(m, NULL));
	EINVAL_(af_sampler_set(NULL, 1, NULL, NULL));
	EINVAL_(af_sample_now(NULL, &sa));
	EINVAL_(af_sample_now(m, NULL));
	af_rng_seed(NULL, 1);
	assert_int_equal(af_rng_next(NULL), 0);
	assert_int_equal(af_rng_below(NULL, 5), 0);
	/* names of values out of range */
	assert_string_equal(af_fail_reason_name((enum af_fail_reason)99), "unknown");
	assert_null(af_event_name((enum af_event_type)999));
	assert_null(af_event_system((enum af_event_type)-1));
	assert_non_null(af_pfn_class_name((enum af_pfn_class)99));
	assert_non_null(af_migratetype_name(-1));
#undef EINVAL_
	CHECK(m);
	af_machine_destroy(m);
}

/* Statistics are optional: the workloads run without them */
static void test_null_stats_optional(void **st)
{
	(void)st;
	struct af_machine *m = small_world();

	assert_int_equal(af_workload_mixed(m, 1, 100, NULL), 0);
	CHECK(m);
	af_workload_release(m);
	CHECK(m);
	assert_int_equal(af_workload_world(m, 1, 50, NULL), 0);
	CHECK(m);
	assert_int_equal(af_migrate_range(m, 0x1000, 0x1000 + 1024, AF_MIGRATE_SYNC, NULL, NULL) <= 0, 1);
	CHECK(m);
	af_machine_destroy(m);
	m = small_world();
	assert_int_equal(af_alloc_contig_range(m, 0x1000 + 1024, 0x1000 + 2048, NULL), 0);
	CHECK(m);
	assert_int_equal(af_free_contig_range(m, 0x1000 + 1024, 1024), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* af_gfp_parse refuses empty terms, wherever they are */
static void test_gfp_parse_empty_terms(void **st)
{
	(void)st;
	af_gfp_t g = 0;

	assert_int_equal(af_gfp_parse("GFP_KERNEL|__GFP_NORETRY", &g), 0);
	assert_int_equal(g, AF_GFP_KERNEL | AF___GFP_NORETRY);
	g = 0;
	assert_int_equal(af_gfp_parse("GFP_KERNEL|", &g), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "empty"));
	assert_int_equal(g, 0);
	assert_int_equal(af_gfp_parse("|GFP_KERNEL", &g), -EINVAL);
	assert_int_equal(af_gfp_parse("GFP_KERNEL||__GFP_COMP", &g), -EINVAL);
	assert_int_equal(af_gfp_parse("|", &g), -EINVAL);
	assert_int_equal(g, 0);
}

/* Slow-path hooks: the library keeps a copy, not the caller's pointer */
static unsigned long wakes;
static void count_wake(struct af_machine *m, int nid, unsigned int order, int zi, void *arg)
{
	(void)m, (void)nid, (void)order, (void)zi, (void)arg;
	wakes++;
}

static __attribute__((noinline)) void set_ops_from_stack(struct af_machine *m)
{
	struct af_slowpath_ops ops = { .wake_kswapd = count_wake };

	af_set_slowpath_ops(m, &ops, NULL);
}

static __attribute__((noinline)) void scrub_stack(void)
{
	volatile unsigned char junk[4096];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0;
}

static void test_slowpath_ops_copied(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	struct af_alloc_result r;
	int n = 0;

	set_ops_from_stack(m);
	scrub_stack();
	wakes = 0;
	while (n < 8192 && af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r) == 0)
		n++;
	assert_true(wakes > 0);	/* the hook the caller set was called */
	CHECK(m);
	af_set_slowpath_ops(m, NULL, NULL);
	wakes = 0;
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), -ENOMEM);
	assert_int_equal(wakes, 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* ---- integer arguments that wrap ---- */
static const char *CMA = "mem = 128M\ncpus = 1\ncma_size = 8M\ntransparent_hugepage = never\n";

static void test_cma_release_wrap(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CMA);
	uint64_t pfn, free0;

	/* the whole area, so that every bitmap entry from pfn on says "allocated" */
	assert_int_equal(af_cma_alloc(m, 2048, 0, &pfn), 0);
	free0 = af_machine_free_pages(m);
	CHECK(m);
	/* pfn + count wraps past the end of the area back into it */
	assert_int_equal(af_cma_release(m, pfn + 1, UINT64_MAX), -EINVAL);
	assert_int_equal(af_cma_release(m, pfn + 2, UINT64_MAX - 1), -EINVAL);
	assert_int_equal(af_cma_release(m, pfn, 1ULL << 63), -EINVAL);
	assert_int_equal(af_cma_release(m, pfn, 2049), -EINVAL);
	assert_int_equal(af_machine_free_pages(m), free0);
	CHECK(m);
	assert_int_equal(af_cma_release(m, pfn, 2048), 0);
	assert_int_equal(af_cma_release(m, pfn, 16), -EINVAL);	/* twice */
	CHECK(m);
	af_machine_destroy(m);
}

static void test_cma_alloc_align_order(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CMA);
	uint64_t pfn = 0;

	for (unsigned o = 32; o < 200; o += 7)
		assert_int_equal(af_cma_alloc(m, 1, o, &pfn), -EINVAL);
	assert_int_equal(af_cma_alloc(m, 1, 64, &pfn), -EINVAL);
	assert_int_equal(af_cma_alloc(m, 1, UINT32_MAX, &pfn), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "align"));
	assert_int_equal(af_cma_alloc(m, 1, 10, &pfn), 0);
	assert_int_equal(pfn % 1024, 0);
	CHECK(m);
	assert_int_equal(af_cma_release(m, pfn, 1), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_mmap_hugetlb_wrap(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t vpn = 12345;
	int pid;

	assert_int_equal(af_proc_create(m, &pid), 0);
	/* 2^55 + 1 huge pages: 512 times that wraps to 512 base pages */
	assert_int_equal(af_mmap_hugetlb(m, pid, (1ULL << 55) + 1, &vpn), -EINVAL);
	assert_int_equal(af_mmap_hugetlb(m, pid, UINT64_MAX, &vpn), -EINVAL);
	assert_int_equal(af_mmap_hugetlb(m, pid, 0, &vpn), -EINVAL);
	assert_int_equal(vpn, 12345);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_mmap_file_pgoff_wrap(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("transparent_hugepage = never\ncontents = 1\n"
					    "node.0.zone.DMA32 = 0x1000 8192 8192 8192\n");
	uint64_t vpn = 0, pfn0, pfn;
	int pid, fid;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 0), 0);
	assert_int_equal(af_file_page(m, fid, 0, &pfn0), 0);
	/* pages pgoff .. pgoff + 3 wrap: the third would be file page 0 */
	assert_int_equal(af_mmap_file(m, pid, fid, UINT64_MAX - 1, 4, 0, &vpn), -EOVERFLOW);
	assert_int_equal(af_mmap_file(m, pid, fid, UINT64_MAX, 1, 0, &vpn), -EOVERFLOW);
	/* and past the page cache's index range */
	assert_int_equal(af_mmap_file(m, pid, fid, (1ULL << 31) - 1, 2, 0, &vpn), -EOVERFLOW);
	CHECK(m);
	assert_int_equal(af_mmap_file(m, pid, fid, (1ULL << 31) - 2, 2, 0, &vpn), 0);
	assert_int_equal(af_mmap_file(m, pid, fid, 0, 2, 0, &vpn), 0);
	assert_int_equal(af_mem_read(m, pid, 0, vpn), 0);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &pfn), 0);
	assert_int_equal(pfn, pfn0);
	CHECK(m);
	af_machine_destroy(m);
}

/* host structures stay bounded: refused with the host memory named, not allocated */
static void test_host_memory_bounds(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("cpus = 1\ncontents = 0\n"
					    "node.0.zone.DMA32 = 0x1000 8192 8192 8192\n");
	uint64_t vpn;
	int pid, fid;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, (1ULL << 28) - 1), -ENOMEM);
	assert_non_null(strstr(af_errmsg(), "MiB of host memory"));
	assert_int_equal(af_file_read(m, fid, 0, 1ULL << 30), -ENOMEM);
	assert_int_equal(af_mmap_anon(m, pid, 1ULL << 30, 0, &vpn), -ENOMEM);
	assert_non_null(strstr(af_errmsg(), "MiB of host memory"));
	CHECK(m);
	/* what fits still works */
	assert_int_equal(af_file_write(m, fid, 0, (1ULL << 20)), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1ULL << 20, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn + (1ULL << 20) - 1), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_page_lock_hold_wrap(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t vpn, pfn, moved;
	int pid, res, fid;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &pfn), 0);
	af_clock_advance(m, 1000);
	/* now + UINT64_MAX wrapped to a deadline in the past: the lock was
	 * released at the next look.  A deadline past the clock is refused. */
	assert_int_equal(af_page_lock(m, pfn, UINT64_MAX), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "clock"));
	assert_int_equal(af_page_lock(m, pfn, UINT64_MAX - af_clock_ns(m) + 1), -EINVAL);
	assert_int_equal(af_page_unlock(m, pfn), -EINVAL);	/* not left locked */
	CHECK(m);
	/* a hold that fits is kept until its deadline: async migration refuses the page */
	assert_int_equal(af_page_lock(m, pfn, 1ULL << 40), 0);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_ASYNC, AF_MR_SYSCALL, -1, &res, NULL), 1);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &moved), 0);
	assert_int_equal(moved, pfn);
	assert_int_equal(af_page_unlock(m, pfn), 0);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_ASYNC, AF_MR_SYSCALL, -1, &res, NULL), 0);
	CHECK(m);
	/* writeback's deadline likewise */
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 0), 0);
	assert_int_equal(af_file_writeback(m, fid, 0, UINT64_MAX), -EINVAL);
	assert_int_equal(af_file_writeback(m, fid, 0, 1000), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_slab_handle_high_bits(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t obj;
	int cid;

	assert_int_equal(af_slab_create(m, "edges", 128, false, &cid), 0);
	assert_int_equal(af_slab_alloc(m, cid, 0, &obj), 0);
	/* a handle with junk above the pfn and slot must not free the object */
	assert_int_equal(af_slab_free(m, cid, obj | (1ULL << 48)), -ENOENT);
	assert_int_equal(af_slab_free(m, cid, obj | (0xffffULL << 48)), -ENOENT);
	CHECK(m);
	assert_int_equal(af_slab_free(m, cid, obj), 0);
	assert_int_equal(af_slab_free(m, cid, obj), -ENOENT);
	CHECK(m);
	af_machine_destroy(m);
}

/* ---- reference counts ---- */

/* Unpinning a page nobody pinned (it has a second reference from a fork)
 * dropped a mapping's reference: the child's exit freed the parent's page. */
static void test_unpin_unpinned(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("transparent_hugepage = never\ncontents = 1\n"
					    "node.0.zone.DMA32 = 0x1000 8192 8192 8192\n");
	uint64_t vpn, pfn;
	int pid, child;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 4, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &pfn), 0);
	assert_int_equal(af_proc_fork(m, pid, &child), 0);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "not pinned"));
	assert_int_equal(af_proc_exit(m, child), 0);
	CHECK(m);
	assert_int_equal(af_mem_read(m, pid, 0, vpn), 0);
	/* pinned once, unpinned once */
	assert_int_equal(af_proc_fork(m, pid, &child), 0);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	assert_int_equal(af_page_unpin(m, pfn), -EINVAL);
	assert_int_equal(af_proc_exit(m, child), 0);
	CHECK(m);
	assert_int_equal(af_mem_read(m, pid, 0, vpn), 0);
	assert_int_equal(af_proc_exit(m, pid), 0);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), 8192);
	af_machine_destroy(m);
}

/* 6.1: the page is freed when its last reference goes, here the pin */
static void test_pinned_page_freed_by_unpin(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t page_no, pfn, vpn, free0;
	int did, pid;

	af_drain_all(m);
	free0 = af_machine_free_pages(m);
	assert_int_equal(af_driver_create(m, NULL, NULL, &did), 0);
	assert_int_equal(af_driver_alloc(m, did, 0, &page_no), 0);
	assert_int_equal(af_driver_page(m, did, page_no, &pfn), 0);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_driver_free(m, did, page_no), 0);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), free0 - 1);	/* the pin holds it */
	/* nobody else frees it: af_free_pages freed it under the pin (fuzz_api) */
	assert_int_equal(af_free_pages(m, 0, pfn, 0), -EBUSY);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	assert_int_equal(af_page_unpin(m, pfn), -EINVAL);

	/* an anonymous page outlives its process while pinned */
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &pfn), 0);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_proc_exit(m, pid), 0);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), free0);

	/* unmapped while pinned, the process alive: the page stays where the
	 * pin holder's DMA points, and goes with the unpin */
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &pfn), 0);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_munmap(m, pid, vpn), 0);
	CHECK(m);
	int res = 0;
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, &res, NULL), 1);
	assert_int_equal(af_compact_memory(m), 0);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	CHECK(m);
	assert_int_equal(af_proc_exit(m, pid), 0);
	af_drain_all(m);
	CHECK(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	af_machine_destroy(m);
}

/* af_split_page: a block becomes order-0 pages each freed on its own; what is not such a block is refused */
static void test_split_page(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CMA);
	struct af_alloc_result r, r2;
	uint64_t free0, cpfn, apfn, vpn;
	int pid;

	free0 = af_machine_free_pages(m);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_COMP, 4, -1, &r), 0);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 2, -1, &r2), 0);
	assert_int_equal(af_split_page(NULL, r.pfn, 4), -EINVAL);
	assert_int_equal(af_split_page(m, r.pfn, 3), -EINVAL);		/* the wrong order */
	assert_int_equal(af_split_page(m, r.pfn + 1, 0), -EINVAL);	/* a tail */
	assert_int_equal(af_split_page(m, r.pfn, MAX_ORDER), -EINVAL);
	assert_int_equal(af_split_page(m, af_machine_max_pfn(m) + 1, 0), -EINVAL);
	assert_int_equal(af_cma_alloc(m, 4, 0, &cpfn), 0);
	assert_int_equal(af_split_page(m, cpfn, 0), -EBUSY);
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	assert_int_equal(af_vpn_to_pfn(m, pid, vpn, &apfn), 0);
	assert_int_equal(af_split_page(m, apfn, 0), -EBUSY);		/* an owner's page */
	CHECK(m);

	assert_int_equal(af_split_page(m, r.pfn, 4), 0);
	CHECK(m);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 4), -EINVAL);	/* no longer one block */
	assert_int_equal(af_split_page(m, r2.pfn, 2), 0);			/* not compound */
	for (unsigned i = 0; i < 16; i += 2) {
		assert_int_equal(af_free_pages(m, 0, r.pfn + i, 0), 0);
		CHECK(m);
	}
	for (unsigned i = 1; i < 16; i += 2)
		assert_int_equal(af_free_pages(m, 0, r.pfn + i, 0), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(af_free_pages(m, 0, r2.pfn + i, 0), 0);
	assert_int_equal(af_free_pages(m, 0, r.pfn + 3, 0), -EINVAL);	/* freed already */
	CHECK(m);
	assert_int_equal(af_proc_exit(m, pid), 0);
	assert_int_equal(af_cma_release(m, cpfn, 4), 0);
	assert_int_equal(af_drain_cpu(m, 0), 0);
	/* everything is back but the page tables the process left */
	assert_true(af_machine_free_pages(m) <= free0 && af_machine_free_pages(m) + 8 >= free0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A page of cma_alloc goes back through af_cma_release only */
static void test_free_pages_refuses_cma(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CMA);
	uint64_t pfn, free0;

	assert_int_equal(af_cma_alloc(m, 4, 0, &pfn), 0);
	free0 = af_machine_free_pages(m);
	assert_int_equal(af_free_pages(m, 0, pfn + 1, 0), -EBUSY);
	assert_non_null(strstr(af_errmsg(), "cma"));
	assert_int_equal(af_free_contig_range(m, pfn, 4), -EBUSY);
	assert_int_equal(af_machine_free_pages(m), free0);
	CHECK(m);
	assert_int_equal(af_cma_release(m, pfn, 4), 0);
	CHECK(m);
	/* the pages can be had again */
	assert_int_equal(af_cma_alloc(m, 4, 0, &pfn), 0);
	assert_int_equal(af_cma_release(m, pfn, 4), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* The checker cross-checks the CMA bitmap against the pages */
static void test_check_cma_bitmap(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CMA);
	char rep[256];
	uint64_t pfn;

	assert_int_equal(af_cma_alloc(m, 4, 0, &pfn), 0);
	CHECK(m);
	/* a bit says allocated for a page that is free */
	m->cma_bitmap[pfn - m->cma_base + 8] = 1;
	assert_true(af_check(m, rep, sizeof(rep)) > 0);
	assert_non_null(strstr(rep, "CMA"));
	m->cma_bitmap[pfn - m->cma_base + 8] = 0;
	CHECK(m);
	assert_int_equal(af_cma_release(m, pfn, 4), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* ---- found by fuzz_api (fuzz/regress/api-*) ---- */

/* Forking a pid that does not exist yet, the id the child was about to
 * get, forked the child from itself and returned a process nobody knew */
static void test_fork_of_next_pid(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t free0;
	int child = -1, pid;

	af_drain_all(m);
	free0 = af_machine_free_pages(m);
	assert_int_equal(af_proc_fork(m, 0, &child), -ESRCH);
	assert_int_equal(child, -1);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_proc_fork(m, pid + 2, &child), -ESRCH);
	assert_int_equal(af_proc_fork(m, pid, &child), 0);
	assert_int_not_equal(child, pid);
	assert_int_equal(af_proc_exit(m, child), 0);
	assert_int_equal(af_proc_exit(m, pid), 0);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	af_machine_destroy(m);
}

/* A CMA area of one pageblock, not MAX_ORDER aligned: boot freed it merged
 * with its Movable neighbour as one order-10 block on the Movable list, and
 * splitting that block put the CMA half on the Movable list */
static void test_cma_pageblock_not_merged_at_boot(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("transparent_hugepage = madvise\ncpus = 2\n"
					    "node.0.zone.DMA32 = 0x1000 8192 8192 8192\ncma_size = 2M\n");
	unsigned long now;

	CHECK(m);
	assert_int_equal(af_hugetlb_resize(m, 15, &now), 0);
	CHECK(m);
	assert_int_equal(af_hugetlb_resize(m, 0, &now), 0);
	assert_int_equal(now, 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A file page kswapd had put under writeback (pageout) made af_file_delete
 * refuse: the page stayed cached for good and its memory was lost.  Truncation
 * waits for writeback and the page lock; only a hold its taker must end
 * (threaded mode, 0 ns) is refused. */
static void test_file_delete_waits_for_holds(void **st)
{
	(void)st;
	for (int threaded = 0; threaded < 2; threaded++) {
		struct af_machine *m = machine_from(threaded ? "threaded = 1\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n"
							     : SMALL);
		uint64_t free0, pfn, t0;
		int fid;

		af_drain_all(m);
		free0 = af_machine_free_pages(m);
		assert_int_equal(af_file_create(m, false, &fid), 0);
		for (uint64_t i = 0; i < 3; i++)
			assert_int_equal(af_file_write(m, fid, 0, i), 0);
		assert_int_equal(af_file_writeback(m, fid, 0, 5000000), 0);	/* like pageout() */
		assert_int_equal(af_file_page(m, fid, 1, &pfn), 0);
		assert_int_equal(af_page_lock(m, pfn, 7000000), 0);
		t0 = af_clock_ns(m);
		if (threaded) {		/* a writeback only its taker ends: refused, nothing waited */
			assert_int_equal(af_file_writeback(m, fid, 2, 0), 0);
			assert_int_equal(af_file_delete(m, fid), -EBUSY);
			assert_true(af_clock_ns(m) == t0);
			CHECK(m);
			assert_int_equal(af_file_writeback_end(m, fid, 2), 0);
		}
		assert_int_equal(af_file_delete(m, fid), 0);
		assert_true(af_clock_ns(m) >= t0 + 7000000);	/* waited for the later hold */
		CHECK(m);
		af_drain_all(m);
		assert_int_equal(af_machine_free_pages(m), free0);
		af_machine_destroy(m);
	}
}

/* A free page of the hugetlb pool could be pinned; shrinking the pool then
 * freed it to the buddy lists with the pin still counted (fuzz_world) */
static void test_pin_free_hugetlb_pool_page(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	unsigned long now;
	uint64_t pfn, free0;
	int found = 0;

	af_drain_all(m);
	free0 = af_machine_free_pages(m);
	assert_int_equal(af_hugetlb_resize(m, 2, &now), 0);
	assert_int_equal(now, 2);
	for (pfn = 0; pfn < af_machine_max_pfn(m) && !found; pfn += 512) {
		int ret = af_page_pin(m, pfn);
		if (ret == -EINVAL && strstr(af_errmsg(), "hugetlb pool"))
			found = 1;
		else
			assert_int_equal(ret, -EINVAL);	/* free or not a pool page */
	}
	assert_true(found);
	CHECK(m);
	assert_int_equal(af_hugetlb_resize(m, 0, &now), 0);
	CHECK(m);
	af_drain_all(m);
	assert_int_equal(af_machine_free_pages(m), free0);
	af_machine_destroy(m);
}

/* A pinned driver page was migrated away by alloc_contig_range and its old
 * page freed with the pin still counted (fuzz_world) */
static void test_pinned_driver_page_not_migrated(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t pg, pfn, now_pfn, busy = 0;
	int did, res = 0;

	assert_int_equal(af_driver_create(m, NULL, NULL, &did), 0);
	assert_int_equal(af_driver_alloc(m, did, 0, &pg), 0);
	assert_int_equal(af_driver_page(m, did, pg, &pfn), 0);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_SYNC, AF_MR_COMPACTION, -1, &res, NULL), 1);
	assert_int_equal(res, -EBUSY);
	assert_int_equal(af_alloc_contig_range(m, pfn, pfn + 1, &busy), -EBUSY);
	assert_int_equal(busy, pfn);
	CHECK(m);
	assert_int_equal(af_driver_page(m, did, pg, &now_pfn), 0);
	assert_int_equal(now_pfn, pfn);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	assert_int_equal(af_alloc_contig_range(m, pfn, pfn + 1, &busy), 0);	/* now it moves */
	assert_int_equal(af_driver_page(m, did, pg, &now_pfn), 0);
	assert_int_not_equal(now_pfn, pfn);
	assert_int_equal(af_free_contig_range(m, pfn, 1), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A page-table page could be pinned; process exit then freed it under the
 * pin and the unpin freed it again (fuzz_api).  Slab pages alike. */
static void test_pin_pgtable_and_slab_refused(void **st)
{
	(void)st;
	struct af_machine *m = small_world();
	uint64_t vpn, pfn, obj;
	int pid, cid, refused = 0;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 4, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	assert_int_equal(af_slab_create(m, "t", 256, false, &cid), 0);
	assert_int_equal(af_slab_alloc(m, cid, 0, &obj), 0);
	for (pfn = 0; pfn < af_machine_max_pfn(m); pfn++)
		if (af_page_pin(m, pfn) == -EINVAL &&
		    (strstr(af_errmsg(), "page-table page") || strstr(af_errmsg(), "slab page")))
			refused++;
	assert_true(refused >= 2);	/* the process's page table and the slab page */
	CHECK(m);
	assert_int_equal(af_proc_exit(m, pid), 0);
	assert_int_equal(af_slab_free(m, cid, obj), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A pinned reclaimable cache (ramfs's dentries and inodes): its pages stay
 * reclaimable-typed, the shrinkers and reclaim free none of them */
static void test_slab_pin(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 256M\n");
	uint64_t obj[64], slab0, slab1, pages0, pages1;
	unsigned long freed = 1;
	int cid, other;

	assert_int_equal(af_slab_create(m, "dentry", 192, true, &cid), 0);
	assert_int_equal(af_slab_create(m, "other", 192, true, &other), 0);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(af_slab_alloc(m, cid, 0, &obj[i]), 0);
		assert_int_equal(af_slab_alloc(m, other, 0, &obj[i]), 0);
	}
	assert_int_equal(af_slab_pin(m, cid), 0);
	assert_int_equal(af_slab_shrink(m, cid, 64, &freed), 0);
	assert_int_equal(freed, 0);
	CHECK(m);
	/* drop_caches-like reclaim: the other cache goes, the pinned one stays */
	af_vmstat(m, "nr_slab_reclaimable", &slab0);
	af_vmstat(m, "nr_free_pages", &pages0);
	assert_int_equal(af_slab_shrink(m, other, 64, &freed), 0);
	assert_int_equal(freed, 64);
	af_vmstat(m, "nr_slab_reclaimable", &slab1);
	af_vmstat(m, "nr_free_pages", &pages1);
	assert_true(slab1 < slab0 && slab1 > 0);	/* the pinned cache's pages */
	assert_true(pages1 >= pages0);
	CHECK(m);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_contract),
		cmocka_unit_test(test_null_stats_optional),
		cmocka_unit_test(test_gfp_parse_empty_terms),
		cmocka_unit_test(test_slowpath_ops_copied),
		cmocka_unit_test(test_cma_release_wrap),
		cmocka_unit_test(test_cma_alloc_align_order),
		cmocka_unit_test(test_mmap_hugetlb_wrap),
		cmocka_unit_test(test_mmap_file_pgoff_wrap),
		cmocka_unit_test(test_page_lock_hold_wrap),
		cmocka_unit_test(test_host_memory_bounds),
		cmocka_unit_test(test_slab_handle_high_bits),
		cmocka_unit_test(test_unpin_unpinned),
		cmocka_unit_test(test_pinned_page_freed_by_unpin),
		cmocka_unit_test(test_free_pages_refuses_cma),
		cmocka_unit_test(test_split_page),
		cmocka_unit_test(test_check_cma_bitmap),
		cmocka_unit_test(test_fork_of_next_pid),
		cmocka_unit_test(test_cma_pageblock_not_merged_at_boot),
		cmocka_unit_test(test_file_delete_waits_for_holds),
		cmocka_unit_test(test_pin_free_hugetlb_pool_page),
		cmocka_unit_test(test_pinned_driver_page_not_migrated),
		cmocka_unit_test(test_pin_pgtable_and_slab_refused),
		cmocka_unit_test(test_slab_pin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
