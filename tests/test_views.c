/* test_views.c - boot layouts, watermarks and the kernel file formats. */
#include <math.h>
#include "helpers.h"

#ifndef GOLDEN_DIR
#error GOLDEN_DIR
#endif

/* Lines of zoneinfo that a boot determines (no dynamic counters). */
static bool static_line(const char *l)
{
	static const char *keys[] = { "Node ", "        min", "        low", "        high",
		"        spanned", "        present", "        managed", "        cma",
		"        protection", "              high:", "              batch:",
		"  vm stats threshold", "  start_pfn", "    cpu:", "        boost" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(l, keys[i], strlen(keys[i])))
			return true;
	return false;
}

static void compare_static_zoneinfo(const char *mem, const char *dir)
{
	char conf[64], path[512];
	snprintf(conf, sizeof(conf), "mem = %s\ncpus = 2\n", mem);
	struct af_machine *m = machine_from(conf);
	char *ours = render(m, "/proc/zoneinfo");
	snprintf(path, sizeof(path), "%s/%s/zoneinfo", GOLDEN_DIR, dir);
	char *ref = read_file(path);
	char *sa, *sb;
	char *a = strtok_r(ours, "\n", &sa), *b = strtok_r(ref, "\n", &sb);
	int compared = 0;

	CHECK(m);
	while (a && b) {
		if (static_line(b)) {
			if (strcmp(a, b))
				fail_msg("%s zoneinfo differs:\n ours: '%s'\n  ref: '%s'", mem, a, b);
			compared++;
		} else {
			/* same key, same layout up to the number */
			size_t ka = strcspn(a, "0123456789"), kb = strcspn(b, "0123456789");
			if (ka != kb || strncmp(a, b, ka))
				fail_msg("%s zoneinfo line layout differs:\n ours: '%s'\n  ref: '%s'", mem, a, b);
		}
		a = strtok_r(NULL, "\n", &sa);
		b = strtok_r(NULL, "\n", &sb);
	}
	assert_null(a);
	assert_null(b);
	assert_true(compared > 50);
	free(ours);
	free(ref);
	af_machine_destroy(m);
}

static void test_zoneinfo_4g_matches_kernel(void **st) { (void)st; compare_static_zoneinfo("4G", "linux-6.1-boot-4096M"); }
static void test_zoneinfo_1g_matches_kernel(void **st) { (void)st; compare_static_zoneinfo("1G", "linux-6.1-boot-1024M"); }

static void test_min_free_kbytes_reference(void **st)
{
	(void)st;
	char v[64];
	struct af_machine *m = machine_from("mem = 4G\n");
	af_sysctl_read(m, "min_free_kbytes", v, sizeof(v));
	assert_string_equal(v, "67584");
	af_machine_destroy(m);
	m = machine_from("mem = 1G\n");
	af_sysctl_read(m, "min_free_kbytes", v, sizeof(v));
	assert_string_equal(v, "45056");
	af_machine_destroy(m);
}

/* Recompute the 6.1 formulas independently from the zones' managed pages. */
static void check_wmarks(struct af_machine *m, long expect_min_free)
{
	char v[64];
	long mfk;
	unsigned long lowmem = 0;

	af_sysctl_read(m, "min_free_kbytes", v, sizeof(v));
	mfk = strtol(v, NULL, 10);
	if (expect_min_free >= 0)
		assert_int_equal(mfk, expect_min_free);
	for (int t = 0; t < MAX_NR_ZONES; t++)
		lowmem += m->node[0]->node_zones[t].managed_pages;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &m->node[0]->node_zones[t];
		unsigned long managed = z->managed_pages;
		unsigned long mn, gap;
		if (!populated_zone(z))
			continue;
		/* late-freed pages do not count: watermarks are set before them */
		managed -= m->cfg.nodes[0].zones[t].late_freed;
		unsigned long low_total = lowmem;
		for (int u = 0; u < MAX_NR_ZONES; u++)
			low_total -= m->cfg.nodes[0].zones[u].set ? m->cfg.nodes[0].zones[u].late_freed : 0;
		mn = (unsigned long)(mfk / 4) * managed / low_total;
		gap = mn / 4;
		if (managed * 10 / 10000 > gap)
			gap = managed * 10 / 10000;
		assert_int_equal(z->_watermark[WMARK_MIN], mn);
		assert_int_equal(z->_watermark[WMARK_LOW], mn + gap);
		assert_int_equal(z->_watermark[WMARK_HIGH], mn + 2 * gap);
	}
}

static void test_watermarks_512m(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 512M\n");
	/* below 512 MiB of RAM THP is off, so the sqrt formula stands */
	unsigned long lowmem_kb = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		lowmem_kb += (m->node[0]->node_zones[t].managed_pages -
			      m->cfg.nodes[0].zones[t].late_freed) * 4;
	long expect = (long)floor(sqrt((double)lowmem_kb * 16));
	check_wmarks(m, expect);
	assert_int_equal(m->thp, THP_NEVER);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_watermarks_4g_64g(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 4G\n");
	check_wmarks(m, 67584);
	af_machine_destroy(m);
	m = machine_from("mem = 64G\n");
	/* THP: 3 zones * (2 + 9) pageblocks = 16896 pages = 67584 kB beats sqrt */
	check_wmarks(m, 67584);
	CHECK(m);
	af_machine_destroy(m);
	m = machine_from("mem = 64G\ntransparent_hugepage = never\n");
	unsigned long kb = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		kb += (m->node[0]->node_zones[t].managed_pages - m->cfg.nodes[0].zones[t].late_freed) * 4;
	check_wmarks(m, (long)floor(sqrt((double)kb * 16)));
	af_machine_destroy(m);
}

static void test_pcp_high_batch(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 4G\ncpus = 2\n");
	struct zone *z = m->node[0]->node_zones;
	/* zone_batchsize: DMA 3840 pages -> 0 -> 1; DMA32/Normal -> 63 */
	assert_int_equal(z[ZONE_DMA].pcp[0].batch, 1);
	assert_int_equal(z[ZONE_DMA32].pcp[1].batch, 63);
	assert_int_equal(z[ZONE_NORMAL].pcp[0].batch, 63);
	/* zone_highsize: low watermark / CPUs of the node */
	assert_int_equal(z[ZONE_DMA32].pcp[0].high, (int)(low_wmark_pages(&z[ZONE_DMA32]) / 2));
	assert_int_equal(z[ZONE_NORMAL].pcp[0].high, 2571);
	/* percpu_pagelist_high_fraction = 8: managed / 8 / 2 */
	assert_int_equal(af_sysctl_write(m, "vm.percpu_pagelist_high_fraction", "8"), 0);
	assert_int_equal(z[ZONE_NORMAL].pcp[0].high, (int)(z[ZONE_NORMAL].managed_pages / 8 / 2));
	CHECK(m);
	af_machine_destroy(m);
	m = machine_from("mem = 64G\ncpus = 8\n");
	z = m->node[0]->node_zones;
	assert_int_equal(z[ZONE_NORMAL].pcp[0].batch, 63);	/* capped at 1 MiB: 256/4 -> 63 */
	assert_int_equal(z[ZONE_NORMAL].pcp[3].high, (int)(low_wmark_pages(&z[ZONE_NORMAL]) / 8));
	af_machine_destroy(m);
}

/* Replace each run of blanks+digits by " #" so layouts compare, and check
 * fixed-width lines keep their length. */
static char *normalize(const char *s)
{
	char *out = malloc(2 * strlen(s) + 2), *w = out;
	for (const char *r = s; *r;) {
		const char *q = r;
		while (*q == ' ')
			q++;
		if (*q == '-' || (*q >= '0' && *q <= '9')) {
			const char *e = q + (*q == '-');
			while ((*e >= '0' && *e <= '9') || *e == '.')
				e++;
			if (e > q) {
				*w++ = ' ';
				*w++ = '#';
				r = e;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return out;
}

static void compare_layout(struct af_machine *m, const char *file, const char *dir, bool fixed_width)
{
	char path[512], *ours, *ref, *sa, *sb, *a, *b;
	snprintf(path, sizeof(path), "%s/%s/%s", GOLDEN_DIR, dir, strrchr(file, '/') + 1);
	ours = render(m, file);
	ref = read_file(path);
	a = strtok_r(ours, "\n", &sa);
	b = strtok_r(ref, "\n", &sb);
	while (a && b) {
		if (fixed_width && strlen(a) != strlen(b))
			fail_msg("%s: line width differs:\n ours: '%s'\n  ref: '%s'", file, a, b);
		char *na = normalize(a), *nb = normalize(b);
		if (strcmp(na, nb))
			fail_msg("%s: layout differs:\n ours: '%s'\n  ref: '%s'", file, a, b);
		free(na);
		free(nb);
		a = strtok_r(NULL, "\n", &sa);
		b = strtok_r(NULL, "\n", &sb);
	}
	if (a || b)
		fail_msg("%s: different number of lines", file);
	free(ours);
	free(ref);
}

static void test_golden_formats(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 4G\n");
	compare_layout(m, "/proc/buddyinfo", "linux-6.1-boot-4096M", true);
	compare_layout(m, "/proc/pagetypeinfo", "linux-6.1-boot-4096M", true);
	compare_layout(m, "/proc/vmstat", "linux-6.1-boot-4096M", false);
	compare_layout(m, "/proc/zoneinfo", "linux-6.1-boot-4096M", false);
	compare_layout(m, "/sys/kernel/debug/extfrag/unusable_index", "linux-6.1-boot-4096M", true);
	/* right after boot every order is available: byte for byte the kernel's */
	char *ours = render(m, "/sys/kernel/debug/extfrag/extfrag_index");
	char path[512];
	snprintf(path, sizeof(path), "%s/linux-6.1-boot-4096M/extfrag_index", GOLDEN_DIR);
	char *ref = read_file(path);
	assert_string_equal(ours, ref);
	free(ours);
	free(ref);
	af_machine_destroy(m);
	m = machine_from("mem = 1G\n");
	compare_layout(m, "/proc/buddyinfo", "linux-6.1-boot-1024M", true);
	compare_layout(m, "/proc/pagetypeinfo", "linux-6.1-boot-1024M", true);
	compare_layout(m, "/proc/zoneinfo", "linux-6.1-boot-1024M", false);
	af_machine_destroy(m);
}

/* Numbers in the views add up to the machine's free pages */
static void test_views_add_up(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 4G\n");
	struct af_workload_stats ws;
	assert_int_equal(af_workload_mixed(m, 7, 20000, &ws), 0);
	CHECK(m);
	char *bi = render(m, "/proc/buddyinfo");
	uint64_t sum = 0, nr_free;
	char *save, *line = strtok_r(bi, "\n", &save);
	while (line) {
		char *p = strstr(line, "zone") + 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		for (int o = 0; o < 11; o++)
			sum += strtoull(p, &p, 10) << o;
		line = strtok_r(NULL, "\n", &save);
	}
	assert_int_equal(af_vmstat(m, "nr_free_pages", &nr_free), 0);
	assert_int_equal(sum, nr_free);
	uint64_t pcp = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		for (int c = 0; c < m->nr_cpus; c++)
			pcp += (uint64_t)m->node[0]->node_zones[t].pcp[c].count;
	assert_int_equal(sum + pcp, af_machine_free_pages(m));
	/* pagetypeinfo's per-type counts add up to buddyinfo */
	char *pt = render(m, "/proc/pagetypeinfo");
	uint64_t psum = 0;
	line = strtok_r(pt, "\n", &save);
	while (line) {
		char *p = strstr(line, ", type ");
		if (p) {
			p += 7;
			while (*p == ' ')
				p++;
			while (*p && *p != ' ')
				p++;
			for (int o = 0; o < 11; o++)
				psum += strtoull(p, &p, 10) << o;
		}
		line = strtok_r(NULL, "\n", &save);
	}
	assert_int_equal(psum, sum);
	free(bi);
	free(pt);
	af_machine_destroy(m);
}

/*
 * The "Number of blocks type" rows of a pagetypeinfo text: per row, the
 * "Node N, zone NAME" label and the sum of the row.  Returns the row count.
 */
struct block_row {
	char label[32];
	unsigned long total;
};

static int block_rows(const char *text, struct block_row *rows, int max)
{
	const char *p = strstr(text, "Number of blocks type");
	int n = 0;

	assert_non_null(p);
	p = strchr(p, '\n');
	while (p && *++p && !strncmp(p, "Node ", 5) && n < max) {
		const char *z = strstr(p, "zone"), *eol = strchr(p, '\n');
		char *q;

		assert_non_null(z);
		z += 4;
		while (*z == ' ')
			z++;
		while (*z && *z != ' ')
			z++;
		assert_true((size_t)(z - p) < sizeof(rows[n].label));
		memcpy(rows[n].label, p, (size_t)(z - p));
		rows[n].label[z - p] = '\0';
		rows[n].total = 0;
		q = (char *)z;
		while (eol ? q < eol : *q) {
			char *e;
			unsigned long v = strtoul(q, &e, 10);
			if (e == q)
				break;
			rows[n].total += v;
			q = e;
		}
		n++;
		p = eol;
	}
	return n;
}

/*
 * pagetypeinfo_showblockcount_print() counts only pageblocks that have an
 * online memmap: each zone's total of blocks is the kernel's, holes excluded.
 */
static void compare_block_totals(const char *mem, const char *dir)
{
	char conf[64], path[512];
	struct block_row ours[8], ref[8];
	int no, nr;

	snprintf(conf, sizeof(conf), "mem = %s\ncpus = 2\n", mem);
	struct af_machine *m = machine_from(conf);
	CHECK(m);
	char *text = render(m, "/proc/pagetypeinfo");
	snprintf(path, sizeof(path), "%s/%s/pagetypeinfo", GOLDEN_DIR, dir);
	char *golden = read_file(path);
	no = block_rows(text, ours, 8);
	nr = block_rows(golden, ref, 8);
	assert_true(nr > 0);
	assert_int_equal(no, nr);
	for (int i = 0; i < nr; i++) {
		assert_string_equal(ours[i].label, ref[i].label);
		if (ours[i].total != ref[i].total)
			fail_msg("%s %s: %lu pageblocks counted, the kernel counts %lu", mem, ref[i].label,
				 ours[i].total, ref[i].total);
	}
	CHECK(m);
	free(text);
	free(golden);
	af_machine_destroy(m);
}

static void test_block_counts_4g_match_kernel(void **st) { (void)st; compare_block_totals("4G", "linux-6.1-boot-4096M"); }
static void test_block_counts_1g_match_kernel(void **st) { (void)st; compare_block_totals("1G", "linux-6.1-boot-1024M"); }

/* Offlined memory has no online memmap: its pageblocks leave the counts */
static void test_block_counts_after_offline(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 512M\ncpus = 1\ntransparent_hugepage = never\n");
	struct zone *z = &m->node[0]->node_zones[ZONE_DMA32];
	struct block_row before[4], after[4];
	uint64_t busy = 0;
	int nb, na;

	af_drain_all(m);
	CHECK(m);
	char *text = render(m, "/proc/pagetypeinfo");
	nb = block_rows(text, before, 4);
	free(text);
	unsigned long block = z->free_area[MAX_ORDER - 1].free_list[MIGRATE_MOVABLE].first;
	assert_true(block != PFN_NIL && pfn_zone(m, block) == z);
	assert_int_equal(af_offline_pages(m, block, MAX_ORDER_NR_PAGES, &busy), 0);
	CHECK(m);
	text = render(m, "/proc/pagetypeinfo");
	na = block_rows(text, after, 4);
	free(text);
	assert_int_equal(na, nb);
	for (int i = 0; i < nb; i++) {
		unsigned long gone = strstr(before[i].label, "DMA32") ? MAX_ORDER_NR_PAGES / PAGEBLOCK_NR_PAGES : 0;
		if (after[i].total != before[i].total - gone)
			fail_msg("%s: %lu pageblocks after offlining %lu of %lu", before[i].label,
				 after[i].total, gone, before[i].total);
	}
	af_machine_destroy(m);
}

/* movablecore=: ZONE_MOVABLE as find_zone_movable_pfns_for_nodes() sizes it */
static void test_movablecore(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 8G\nnodes = 2\ncpus = 4\nmovablecore = 2G\n");
	unsigned long movable = 0;
	for (int n = 0; n < 2; n++) {
		struct zone *z = &m->node[n]->node_zones[ZONE_MOVABLE];
		movable += z->present_pages;
		/* starts MAX_ORDER-aligned, right where Normal ends */
		assert_int_equal(z->zone_start_pfn % 1024, 0);
		struct zone *nz = &m->node[n]->node_zones[ZONE_NORMAL];
		if (nz->spanned_pages)
			assert_int_equal(zone_end_pfn(nz), z->zone_start_pfn);
	}
	/* 2 GiB requested, give or take the MAX_ORDER rounding of each node */
	assert_true(movable >= 524288 - 2048 && movable <= 524288 + 2048);
	/* GFP_HIGHUSER_MOVABLE may use it, GFP_KERNEL may not */
	struct af_alloc_result r;
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, 0, &r), 0);
	assert_int_equal(r.zone, ZONE_MOVABLE);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, 0, &r), 0);
	assert_true(r.zone != ZONE_MOVABLE);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_fragmentation_index(void **st)
{
	(void)st;
	/* the seed's formula: 1000 - (1000 + free*1000/requested) / blocks */
	assert_int_equal(af_fragmentation_index_info(3, 100, 0, 0), 0);
	assert_int_equal(af_fragmentation_index_info(3, 100, 50, 1), -1000);
	assert_int_equal(af_fragmentation_index_info(3, 100, 100, 0), 1000 - (1000 + 12500) / 100);
	assert_int_equal(af_fragmentation_index_info(9, 512 * 100, 1000, 0), 1000 - (1000 + 100000) / 1000);
}

/* af_vmstat(name) is the value /proc/vmstat prints for it, for every line */
static void test_vmstat_by_name(void **state)
{
	struct af_machine *m = machine_from("mem = 512M\n");
	struct af_alloc_result a;
	char *txt, *save = NULL;
	int lines = 0;

	(void)state;
	for (int i = 0; i < 200; i++)
		assert_int_equal(af_alloc_pages(m, i % 2, AF_GFP_KERNEL, (unsigned)(i % 4), -1, &a), 0);
	txt = render(m, "/proc/vmstat");
	for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long long v;
		uint64_t got = ~0ULL;
		assert_int_equal(sscanf(line, "%63s %llu", name, &v), 2);
		assert_int_equal(af_vmstat(m, name, &got), 0);
		if (got != v)
			fail_msg("%s: af_vmstat %llu, /proc/vmstat %llu", name, (unsigned long long)got, v);
		lines++;
	}
	assert_true(lines > 100);
	uint64_t v;
	assert_int_equal(af_vmstat(m, "no_such_counter", &v), -ENOENT);
	assert_int_equal(af_vmstat(m, "", &v), -ENOENT);
	free(txt);
	CHECK(m);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmstat_by_name),
		cmocka_unit_test(test_zoneinfo_4g_matches_kernel),
		cmocka_unit_test(test_zoneinfo_1g_matches_kernel),
		cmocka_unit_test(test_min_free_kbytes_reference),
		cmocka_unit_test(test_watermarks_512m),
		cmocka_unit_test(test_watermarks_4g_64g),
		cmocka_unit_test(test_pcp_high_batch),
		cmocka_unit_test(test_golden_formats),
		cmocka_unit_test(test_views_add_up),
		cmocka_unit_test(test_block_counts_4g_match_kernel),
		cmocka_unit_test(test_block_counts_1g_match_kernel),
		cmocka_unit_test(test_block_counts_after_offline),
		cmocka_unit_test(test_movablecore),
		cmocka_unit_test(test_fragmentation_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
