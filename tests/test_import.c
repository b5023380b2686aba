/*
 * test_import - machines from states captured on Debian's 6.1 under qemu
 * (the fixtures of tests/traces, made by its make.sh): the layout, the
 * zone marks, the block counts and the free lists are the snapshot's, and
 * bad captures are refused with the file named.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "fixtures.h"

static struct af_machine *import(const char *sub, struct af_import_report *r)
{
	char dir[512];
	struct af_machine *m = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", tmp, sub);
	if (af_import_state(dir, NULL, &m, r))
		fail_msg("import %s: %s", sub, af_errmsg());
	return m;
}

/* A kernel file of m (out of line: GCC 12 took render()'s inlined local for the text) */
static __attribute__((noinline)) char *rendered(struct af_machine *m, const char *path)
{
	return render(m, path);
}

/* The numbers on the line of `file` (in dir) that starts with `prefix` */
static int numbers_after(const char *text, const char *prefix, long *v, int max)
{
	const char *p = strstr(text, prefix);
	int n = 0, k;

	if (!p)
		return -1;
	p += strlen(prefix);
	while (n < max && sscanf(p, "%ld%n", &v[n], &k) == 1) {
		p += k;
		n++;
	}
	return n;
}

static void test_import_start_state(void **st)
{
	struct af_import_report r;
	struct af_machine *m = import("quiet/start", &r);
	char path[512], *zi, *pti, *bi, *mine;
	long a[16], b[16];

	(void)st;
	CHECK(m);
	snprintf(path, sizeof(path), "%s/quiet/start/zoneinfo", tmp);
	zi = read_file(path);
	snprintf(path, sizeof(path), "%s/quiet/start/pagetypeinfo", tmp);
	pti = read_file(path);
	snprintf(path, sizeof(path), "%s/quiet/start/buddyinfo", tmp);
	bi = read_file(path);
	/* the layout: with iomem, present and managed are zoneinfo's */
	struct zone *dma = &m->node[0]->node_zones[ZONE_DMA], *dma32 = &m->node[0]->node_zones[ZONE_DMA32];
	assert_int_equal(dma->present_pages, field_after(zi, "present", 0));
	assert_int_equal(dma->managed_pages, field_after(zi, "managed", 0));
	assert_int_equal(dma32->present_pages, field_after(zi, "present", 1));
	assert_int_equal(dma32->managed_pages, field_after(zi, "managed", 1));
	assert_int_equal(af_machine_nr_cpus(m), 2);
	/* the zone marks and the per-CPU sizes are the snapshot's */
	mine = rendered(m, "/proc/zoneinfo");
	for (int k = 0; k < 2; k++) {
		assert_int_equal(field_after(mine, "min", k), field_after(zi, "min", k));
		assert_int_equal(field_after(mine, "low", k), field_after(zi, "low", k));
		assert_int_equal(field_after(mine, "high", k), field_after(zi, "high", k));
	}
	assert_int_equal(field_after(mine, "high:", 2), field_after(zi, "high:", 2));
	assert_int_equal(field_after(mine, "batch:", 2), field_after(zi, "batch:", 2));
	assert_int_equal(field_after(mine, "count:", 2), field_after(zi, "count:", 2));
	free(mine);
	/* pagetypeinfo's block counts, each zone */
	mine = rendered(m, "/proc/pagetypeinfo");
	assert_int_equal(numbers_after(strstr(mine, "Number of blocks"), "zone      DMA", a, 5), 5);
	assert_int_equal(numbers_after(strstr(pti, "Number of blocks"), "zone      DMA", b, 5), 5);
	assert_memory_equal(a, b, 5 * sizeof(long));
	assert_int_equal(numbers_after(strstr(mine, "Number of blocks"), "zone    DMA32", a, 5), 5);
	assert_int_equal(numbers_after(strstr(pti, "Number of blocks"), "zone    DMA32", b, 5), 5);
	assert_memory_equal(a, b, 5 * sizeof(long));
	free(mine);
	/* the DMA zone, quiet while the snapshot was read, is buddyinfo's exactly */
	mine = rendered(m, "/proc/buddyinfo");
	assert_int_equal(numbers_after(mine, "zone      DMA", a, 11), 11);
	assert_int_equal(numbers_after(bi, "zone      DMA", b, 11), 11);
	assert_memory_equal(a, b, 11 * sizeof(long));
	free(mine);
	/*
	 * DMA32 too, and every free list: the capture reads the state with no
	 * fork between the files, and the pageblock types inferred put the
	 * free blocks on lists of pagetypeinfo's counts
	 */
	assert_int_equal(r.buddy_diff, 0);
	assert_int_equal(r.free_diff, 0);
	assert_int_equal(r.free_type_diff, 0);
	assert_true(r.free_pcp > 0 && r.allocated > 10000 && r.movable_adopted > 0);
	assert_int_equal(r.holes, 97);	/* the 640 KiB-1 MiB hole iomem shows */
	assert_non_null(strstr(r.text, "guessed"));
	/* the imported machine runs: allocate, compact */
	struct af_alloc_result res;
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 3, -1, &res), 0);
	assert_int_equal(af_free_pages(m, 0, res.pfn, 3), 0);
	assert_int_equal(af_compact_memory(m), 0);
	CHECK(m);
	free(zi);
	free(pti);
	free(bi);
	af_machine_destroy(m);
}

/* Two imports of one state are the same machine */
static void test_import_reproducible(void **st)
{
	struct af_machine *m1 = import("compact/end", NULL), *m2 = import("compact/end", NULL);
	char *a = render(m1, "/proc/pagetypeinfo"), *b = render(m2, "/proc/pagetypeinfo");

	(void)st;
	assert_string_equal(a, b);
	for (uint64_t pfn = 0; pfn < af_machine_max_pfn(m1); pfn++)
		assert_int_equal(pflags(&m1->pages[pfn]), pflags(&m2->pages[pfn]));
	CHECK(m1);
	free(a);
	free(b);
	af_machine_destroy(m1);
	af_machine_destroy(m2);
}

static void copy_state(const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/%s && cp -r %s/quiet/start %s/%s", tmp, to, tmp, tmp, to);
	assert_int_equal(system(cmd), 0);
}

static void write_text(const char *sub, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", tmp, sub, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void refused(const char *sub, const char *what)
{
	char dir[512];
	struct af_machine *m = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", tmp, sub);
	assert_true(af_import_state(dir, NULL, &m, NULL) < 0);
	assert_null(m);
	if (!strstr(af_errmsg(), what))
		fail_msg("'%s' does not name '%s'", af_errmsg(), what);
}

static void test_import_bad_input(void **st)
{
	char path[512];

	(void)st;
	refused("no-such-dir", "zoneinfo");
	copy_state("bad");
	snprintf(path, sizeof(path), "%s/bad/kpagecount", tmp);
	assert_int_equal(truncate(path, 4096), 0);
	refused("bad", "kpagecount");
	copy_state("bad");
	snprintf(path, sizeof(path), "%s/bad/kpageflags", tmp);
	assert_int_equal(unlink(path), 0);
	refused("bad", "kpageflags");
	copy_state("bad");
	write_text("bad", "zoneinfo", "Node 0, zone Nowhere\n");
	refused("bad", "zoneinfo");
	copy_state("bad");
	write_text("bad", "zoneinfo", "nothing here\n");
	refused("bad", "zoneinfo");
	copy_state("bad");
	write_text("bad", "buddyinfo", "Node 0, zone      DMA      0      0\n");
	refused("bad", "buddyinfo");
	/* zones past the end of kpageflags */
	copy_state("bad");
	snprintf(path, sizeof(path), "%s/bad/kpageflags", tmp);
	assert_int_equal(truncate(path, 8 * 65536), 0);
	snprintf(path, sizeof(path), "%s/bad/kpagecount", tmp);
	assert_int_equal(truncate(path, 8 * 65536), 0);
	refused("bad", "kpageflags");
	assert_int_equal(af_import_state(NULL, NULL, NULL, NULL), -EINVAL);
}

/*
 * page_owner's block types are taken as they are, in 6.1's format (decimal
 * pfns, free_ts) and the newer one (hex pfns): the quiet start state with a
 * page_owner whose types are the inferred ones but for every fifth block
 * holding an allocation, Movable and Unmovable traded.
 */
static void write_page_owner(struct af_machine *ref, const char *sub, bool hex, int *want, size_t nb)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/page_owner", tmp, sub);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0, listed = 0; i < nb; i++) {
		uint64_t pfn = i * PAGEBLOCK_NR_PAGES, q;
		int mt = get_pageblock_migratetype(ref, pfn);

		want[i] = -1;
		for (q = pfn; q < pfn + PAGEBLOCK_NR_PAGES && q < af_machine_max_pfn(ref); q++)
			if ((pflags(&ref->pages[q]) & PG_alloc) && !(pflags(&ref->pages[q]) & PG_tail))
				break;
		if (q >= pfn + PAGEBLOCK_NR_PAGES || q >= af_machine_max_pfn(ref) || mt > MIGRATE_RECLAIMABLE)
			continue;
		if (listed++ % 5 == 0 && mt != MIGRATE_RECLAIMABLE)
			mt = mt == MIGRATE_MOVABLE ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;
		want[i] = mt;
		if (hex)
			fprintf(f, "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (init), ts 5 ns\n"
				"PFN 0x%llx type Unmovable Block %zu type %s Flags 0x0()\n"
				" get_page_from_freelist+0x1/0x10\n handle: 42\n\n",
				(unsigned long long)q, i, mt == 0 ? "Unmovable" : mt == 1 ? "Movable" : "Reclaimable");
		else
			fprintf(f, "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (init), ts 5 ns, "
				"free_ts 0 ns\nPFN %llu type Unmovable Block %zu type %s Flags 0x0()\n"
				" get_page_from_freelist+0x1/0x10\nPage has been migrated, last migrate reason: "
				"compaction\n\n",
				(unsigned long long)q, i, mt == 0 ? "Unmovable" : mt == 1 ? "Movable" : "Reclaimable");
	}
	fclose(f);
}

static void test_import_page_owner(void **st)
{
	struct af_import_report r0, r;
	struct af_machine *ref = import("quiet/start", &r0);
	size_t nb = (af_machine_max_pfn(ref) + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
	int *want = calloc(nb, sizeof(*want));

	(void)st;
	assert_int_equal(r0.blocks_owner, 0);
	for (int hex = 0; hex < 2; hex++) {
		struct af_machine *m;
		uint64_t listed = 0, traded = 0;

		copy_state("owner");
		write_page_owner(ref, "owner", hex, want, nb);
		m = import("owner", &r);
		CHECK(m);
		for (size_t i = 0; i < nb; i++) {
			if (want[i] < 0)
				continue;
			listed++;
			traded += want[i] != get_pageblock_migratetype(ref, i * PAGEBLOCK_NR_PAGES);
			assert_int_equal(get_pageblock_migratetype(m, i * PAGEBLOCK_NR_PAGES), want[i]);
		}
		assert_true(listed > 20 && traded > 3);
		assert_int_equal(r.blocks_owner, listed);
		assert_int_equal(r.owner_records, listed);
		assert_int_equal(r.blocks_owner + r.blocks_evident + r.blocks_guessed + r.blocks_forced, r.blocks);
		assert_non_null(strstr(r.text, "as page_owner names them"));
		af_machine_destroy(m);
	}
	/* a record line that does not parse, or a block that is not its pfn's */
	write_text("owner", "page_owner", "Page allocated via order 0, mask 0x0(), pid 1\nPFN x type Movable\n");
	refused("owner", "page_owner:2");
	write_text("owner", "page_owner", "PFN 1024 type Movable Block 7 type Movable Flags 0x0()\n");
	refused("owner", "page_owner:1");
	write_text("owner", "page_owner", "PFN 1024 type Movable Block 2 type Sideways Flags 0x0()\n");
	refused("owner", "page_owner:1");
	free(want);
	af_machine_destroy(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_start_state),
		cmocka_unit_test(test_import_reproducible),
		cmocka_unit_test(test_import_bad_input),
		cmocka_unit_test(test_import_page_owner),
	};
	return cmocka_run_group_tests(tests, extract, cleanup);
}
