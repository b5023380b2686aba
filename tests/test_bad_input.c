/* test_bad_input.c - every kind of misuse is refused and leaves state intact. */
#include <unistd.h>

#include "helpers.h"

static const char *SMALL = "transparent_hugepage = never\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n";

static void test_bad_alloc_args(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct af_alloc_result r;

	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 11, -1, &r), -EINVAL);
	assert_int_equal(r.reason, AF_FAIL_INVALID);
	assert_int_equal(af_alloc_pages(m, 5, AF_GFP_KERNEL, 0, -1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, 3, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_DMA | AF___GFP_DMA32, 0, -1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_DMA | AF___GFP_HIGHMEM, 0, -1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_MOVABLE | AF___GFP_RECLAIMABLE, 0, -1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_ATOMIC, 0, -1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_NOFAIL, 2, -1, &r), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, 0x80000000u, 0, -1, &r), -EINVAL);
	assert_true(strlen(af_errmsg()) > 0);
	/* DMA requested but the machine has no DMA zone */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_DMA, 0, -1, &r), -ENOMEM);
	assert_int_equal(r.reason, AF_FAIL_NO_ZONE);
	CHECK(m);
	assert_int_equal(af_machine_free_pages(m), 8192);
	af_machine_destroy(m);
}

static void test_bad_frees(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	struct af_alloc_result r, r3;

	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL | AF___GFP_COMP, 3, -1, &r3), 0);
	CHECK(m);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 1), -EINVAL);		/* wrong order */
	assert_int_equal(af_free_pages(m, 0, r3.pfn + 1, 0), -EINVAL);		/* tail page */
	assert_int_equal(af_free_pages(m, 0, 0x10, 0), -EINVAL);		/* not in a zone */
	assert_int_equal(af_free_pages(m, 0, 1ULL << 40, 0), -EINVAL);		/* out of range */
	assert_int_equal(af_free_pages(m, 9, r.pfn, 0), -EINVAL);		/* bad cpu */
	assert_int_equal(af_free_pages(m, 0, r.pfn, 12), -EINVAL);		/* bad order */
	CHECK(m);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 0), 0);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 0), -EINVAL);		/* double free (on pcp) */
	assert_non_null(strstr(af_errmsg(), "double free"));
	af_drain_all(m);
	assert_int_equal(af_free_pages(m, 1, r.pfn, 0), -EINVAL);		/* double free (in buddy) */
	CHECK(m);
	assert_int_equal(af_free_pages(m, 0, r3.pfn, 3), 0);
	af_drain_all(m);
	CHECK(m);
	assert_int_equal(af_machine_free_pages(m), 8192);
	af_machine_destroy(m);
}

static void test_bad_sysctls(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(SMALL);
	char before[64], after[64];

	af_sysctl_read(m, "watermark_scale_factor", before, sizeof(before));
	assert_int_equal(af_sysctl_write(m, "vm.watermark_scale_factor", "0"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.watermark_scale_factor", "3001"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.watermark_scale_factor", "12x"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.watermark_scale_factor", ""), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.extfrag_threshold", "1001"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.extfrag_threshold", "-1"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.compaction_proactiveness", "101"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.compact_unevictable_allowed", "2"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.percpu_pagelist_high_fraction", "7"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.min_free_kbytes", "-5"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.min_free_kbytes", "99999999999"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.lowmem_reserve_ratio", "1 2 3 4 5 6"), -EINVAL);
	assert_int_equal(af_sysctl_write(m, "vm.no_such_knob", "1"), -ENOENT);
	af_sysctl_read(m, "watermark_scale_factor", after, sizeof(after));
	assert_string_equal(before, after);
	CHECK(m);
	/* valid writes take effect */
	unsigned long low = low_wmark_pages(&m->node[0]->node_zones[ZONE_DMA32]);
	assert_int_equal(af_sysctl_write(m, "vm.watermark_scale_factor", "1000"), 0);
	assert_true(low_wmark_pages(&m->node[0]->node_zones[ZONE_DMA32]) > low);
	assert_int_equal(af_sysctl_write(m, "vm.lowmem_reserve_ratio", "256 256 32 0 0"), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static void bad_config(const char *text)
{
	struct af_config *c;
	struct af_machine *m = NULL;
	int ret;

	assert_int_equal(af_config_new(&c), 0);
	ret = af_config_load_string(c, text);
	if (!ret)
		ret = af_machine_create(c, &m);
	if (!ret)
		fail_msg("config accepted: %s", text);
	assert_true(strlen(af_errmsg()) > 0);
	assert_null(m);
	af_config_free(c);
}

static void test_bad_configs(void **st)
{
	(void)st;
	bad_config("nodes = 65\n");
	bad_config("nodes = 0\n");
	bad_config("cpus = 0\n");
	bad_config("cpus = 257\n");
	bad_config("mem = 12Q\n");
	bad_config("mem = 1M\n");
	bad_config("just some words\n");
	bad_config("vm.watermark_scale_factor = 0\n");
	bad_config("vm.bogus = 1\n");
	bad_config("transparent_hugepage = sometimes\n");
	bad_config("node.0.zone.DMA32 = 0x1000 0 0 0\n");			/* zero range */
	bad_config("node.0.zone.DMA = 0 8192 8192 8192\n");			/* DMA beyond 16M */
	bad_config("node.0.zone.DMA32 = 0x1000 8192 8192 9000\n");		/* managed > present */
	bad_config("node.0.zone.DMA32 = 0x1000 8192 8192\n");			/* missing field */
	bad_config("node.0.zone.Normal = 0x100000 8192 8192 8192\n"
		   "node.0.zone.Movable = 0x100800 8192 8192 8192\n");		/* overlap */
	bad_config("nodes = 2\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n");	/* node 1 empty */
	bad_config("node.3.zone.DMA32 = 0x1000 8192 8192 8192\n");		/* node beyond nodes */
	bad_config("node.0.zone.Weird = 0x1000 8192 8192 8192\n");
	bad_config("movablecore = 64M\nnode.0.zone.DMA32 = 0x1000 8192 8192 8192\n");
	bad_config("movablecore = 12Q\n");
}

/* sizes, counts and files at the configuration's edges */
static void test_config_edges(void **st)
{
	(void)st;
	struct af_config *c;
	struct af_machine *m = NULL;
	char path[] = "/tmp/af_test_cfg.XXXXXX";
	int fd;

	/* a CMA area larger than memory: refused, the size in the message */
	assert_int_equal(af_config_new(&c), 0);
	assert_int_equal(af_config_load_string(c, "mem = 1G\ncma_size = 10G\n"), 0);
	assert_int_equal(af_machine_create(c, &m), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(af_errmsg(), "cma_size 10737418240 "));
	/* numbers are decimal (or 0x hexadecimal), never octal */
	assert_int_equal(af_config_load_string(c, "nodes = 010\ncpus = 08\nmem = 4G\ncma_size = 0\n"), 0);
	assert_int_equal(af_machine_create(c, &m), 0);
	assert_int_equal(af_machine_nr_nodes(m), 10);
	assert_int_equal(af_machine_nr_cpus(m), 8);
	af_machine_destroy(m);
	m = NULL;
	/* 16T is past the 32-bit pfn space: the size is refused when set */
	assert_int_equal(af_config_set(c, "mem", "16T"), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "too large (at most 16382G"));
	/* more host memory than the host has: refused before allocating */
	assert_int_equal(af_config_set(c, "mem", "16382G"), 0);
	if ((double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) < 120e9) {
		assert_int_equal(af_machine_create(c, &m), -ENOMEM);
		assert_non_null(strstr(af_errmsg(), "host memory"));
		assert_null(m);
	}
	/* files that are not config files */
	assert_int_equal(af_config_load(c, "/dev/zero"), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "not a regular file"));
	assert_int_not_equal(af_config_load(c, "/proc/self/status"), 0);
	assert_non_null(strstr(af_errmsg(), "line 1"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (16L << 20) + 1), 0);
	close(fd);
	assert_int_equal(af_config_load(c, path), -EFBIG);
	assert_non_null(strstr(af_errmsg(), "16 MiB"));
	unlink(path);
	af_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_alloc_args),
		cmocka_unit_test(test_bad_frees),
		cmocka_unit_test(test_bad_sysctls),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_config_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
