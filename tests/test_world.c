/* test_world.c - owners of pages and page migration that loses nothing. */
#include "helpers.h"
#include "world.h"

static const char *CONF =
	"mem = 512M\ncpus = 2\ncontents = 1\ntransparent_hugepage = never\n";

static uint64_t pfn_of(struct af_machine *m, int pid, uint64_t vpn)
{
	uint64_t pfn;
	if (af_vpn_to_pfn(m, pid, vpn, &pfn))
		fail_msg("vpn 0x%llx: %s", (unsigned long long)vpn, af_errmsg());
	return pfn;
}

static uint64_t ev(struct af_machine *m, const char *name)
{
	uint64_t v;
	assert_int_equal(af_vmstat(m, name, &v), 0);
	return v;
}

static int migrate1(struct af_machine *m, uint64_t pfn, enum af_migrate_mode mode,
		    enum af_migrate_reason reason)
{
	int res = 99;
	int left = af_migrate_pfns(m, &pfn, 1, mode, reason, -1, &res, NULL);
	assert_true(left == (res != 0));
	return res;
}

/*
 * The mmap layout: mappings are placed back to back (no gap between them),
 * from a base randomised page by page as ASLR does, so where they fall in a
 * 2 MiB region depends on the seed and the process, not on how many
 * mappings came before.
 */
static void test_mmap_layout(void **st)
{
	(void)st;
	uint64_t first[8], v1, v2, v3;
	bool differ = false;

	for (int seed = 1; seed <= 8; seed++) {
		char cfg[64];
		int pid, pid2;
		snprintf(cfg, sizeof(cfg), "mem = 256M\nseed = %d\n", seed);
		struct af_machine *m = machine_from(cfg);
		assert_int_equal(af_proc_create(m, &pid), 0);
		assert_int_equal(af_mmap_anon(m, pid, 1024, 0, &v1), 0);
		assert_int_equal(af_mmap_anon(m, pid, 100, 0, &v2), 0);
		assert_int_equal(af_mmap_anon(m, pid, 1024, 0, &v3), 0);
		/* back to back, so every round of equal mappings has the same offset */
		assert_int_equal(v2, v1 + 1024);
		assert_int_equal(v3, v2 + 100);
		/* a madvised mapping still starts on a 2 MiB boundary */
		assert_int_equal(af_mmap_anon(m, pid, 2048, AF_MAP_THP, &v2), 0);
		assert_int_equal(v2 % 512, 0);
		assert_true(v2 >= v3 + 1024);
		first[seed - 1] = v1 % 512;
		differ |= seed > 1 && first[seed - 1] != first[0];
		/* the seed decides: the same seed, the same layout */
		struct af_machine *again = machine_from(cfg);
		assert_int_equal(af_proc_create(again, &pid2), 0);
		assert_int_equal(af_mmap_anon(again, pid2, 1024, 0, &v2), 0);
		assert_int_equal(v2, v1);
		CHECK(m);
		CHECK(again);
		af_machine_destroy(again);
		af_machine_destroy(m);
	}
	assert_true(differ);
}

static void test_anon_migration(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int pid;
	uint64_t vpn, pfns[64], old[64];
	int res[64];
	struct af_migrate_stats ms;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 64, 0, &vpn), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(af_mem_write(m, pid, i % 2, vpn + (uint64_t)i), 0);
	CHECK(m);
	for (int i = 0; i < 64; i++)
		old[i] = pfns[i] = pfn_of(m, pid, vpn + (uint64_t)i);
	uint64_t anon_before = m->node[0]->vm_stat[NS_NR_ANON_PAGES];
	assert_int_equal(af_migrate_pfns(m, pfns, 64, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, res, &ms), 0);
	assert_int_equal(ms.nr_succeeded, 64);
	assert_int_equal(ev(m, "pgmigrate_success"), 64);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(res[i], 0);
		uint64_t now = pfn_of(m, pid, vpn + (uint64_t)i);
		assert_true(now != old[i]);
		assert_int_equal(m->pages[now].mapcount, 1);
		assert_true(pflags(&m->pages[now]) & PG_lru);
		assert_int_equal(af_mem_read(m, pid, 0, vpn + (uint64_t)i), 0);
	}
	assert_int_equal(m->node[0]->vm_stat[NS_NR_ANON_PAGES], anon_before);
	CHECK(m);
	/* page tables are UNMOVABLE machine pages */
	struct af_world_stats ws;
	af_world_stats(m, &ws);
	assert_true(ws.pgtable_pages >= 3);
	assert_int_equal(ws.anon_pages, 64);
	assert_int_equal(af_proc_exit(m, pid), 0);
	CHECK(m);
	af_world_stats(m, &ws);
	assert_int_equal(ws.anon_pages + ws.pgtable_pages, 0);
	af_machine_destroy(m);
}

/* One page mapped by 64 processes: every mapping moves with it */
static void test_shared_by_64(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int pid, kids[63];
	uint64_t vpn;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 4, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	for (int i = 0; i < 63; i++)
		assert_int_equal(af_proc_fork(m, pid, &kids[i]), 0);
	uint64_t pfn = pfn_of(m, pid, vpn);
	assert_int_equal(m->pages[pfn].mapcount, 64);
	assert_int_equal(m->pages[pfn].refcount, 64);
	CHECK(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	uint64_t npfn = pfn_of(m, pid, vpn);
	assert_true(npfn != pfn);
	assert_int_equal(m->pages[npfn].mapcount, 64);
	for (int i = 0; i < 63; i++) {
		assert_int_equal(pfn_of(m, kids[i], vpn), npfn);
		assert_int_equal(af_mem_read(m, kids[i], 1, vpn), 0);
	}
	CHECK(m);
	/* a child writes: copy-on-write, the others keep the shared page */
	assert_int_equal(af_mem_write(m, kids[5], 0, vpn), 0);
	assert_true(pfn_of(m, kids[5], vpn) != npfn);
	assert_int_equal(m->pages[npfn].mapcount, 63);
	assert_int_equal(af_mem_read(m, pid, 0, vpn), 0);
	assert_int_equal(af_mem_read(m, kids[5], 0, vpn), 0);
	CHECK(m);
	/* the child's private copy migrates too, through the chained anon_vma */
	assert_int_equal(migrate1(m, pfn_of(m, kids[5], vpn), AF_MIGRATE_ASYNC, AF_MR_COMPACTION), 0);
	assert_int_equal(af_mem_read(m, kids[5], 0, vpn), 0);
	for (int i = 0; i < 63; i++)
		assert_int_equal(af_proc_exit(m, kids[i]), 0);
	assert_int_equal(m->pages[npfn].mapcount, 1);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_file_pages(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int fid, pid, pid2;
	uint64_t vpn, vpn2, pfn;

	assert_int_equal(af_file_create(m, false, &fid), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(af_file_read(m, fid, 0, (uint64_t)i), 0);
	assert_int_equal(af_file_write(m, fid, 0, 3), 0);		/* dirty */
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_proc_create(m, &pid2), 0);
	assert_int_equal(af_mmap_file(m, pid, fid, 0, 8, 0, &vpn), 0);
	assert_int_equal(af_mmap_file(m, pid2, fid, 2, 4, 0, &vpn2), 0);
	assert_int_equal(af_mem_read(m, pid, 0, vpn + 3), 0);
	assert_int_equal(af_mem_write(m, pid2, 1, vpn2 + 1), 0);	/* file page 3 */
	assert_int_equal(af_file_page(m, fid, 3, &pfn), 0);
	assert_int_equal(m->pages[pfn].mapcount, 2);
	assert_int_equal(m->pages[pfn].refcount, 3);
	CHECK(m);
	/* a dirty page of a filesystem with ->migrate_folio moves even in ASYNC */
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_SYSCALL), 0);
	uint64_t npfn;
	assert_int_equal(af_file_page(m, fid, 3, &npfn), 0);
	assert_true(npfn != pfn);
	assert_true(pflags(&m->pages[npfn]) & PG_dirty);
	assert_int_equal(pfn_of(m, pid, vpn + 3), npfn);
	assert_int_equal(pfn_of(m, pid2, vpn2 + 1), npfn);
	assert_int_equal(af_file_read(m, fid, 1, 3), 0);
	assert_int_equal(af_mem_read(m, pid, 0, vpn + 3), 0);
	CHECK(m);
	assert_int_equal(af_file_delete(m, fid), -EBUSY);	/* still mapped */
	assert_int_equal(af_proc_exit(m, pid), 0);
	assert_int_equal(af_proc_exit(m, pid2), 0);
	assert_int_equal(af_file_delete(m, fid), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* Writeback: ASYNC and SYNC_LIGHT refuse, SYNC waits (virtual clock) */
static void test_writeback_modes(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int fid;
	uint64_t pfn;

	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 0), 0);
	assert_int_equal(af_file_writeback(m, fid, 0, 5000000), 0);	/* 5 ms */
	assert_int_equal(af_file_page(m, fid, 0, &pfn), 0);
	assert_true(pflags(&m->pages[pfn]) & PG_writeback);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_SYSCALL), -EBUSY);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC_LIGHT, AF_MR_SYSCALL), -EBUSY);
	assert_int_equal(af_file_page(m, fid, 0, &pfn), 0);
	CHECK(m);
	uint64_t t0 = af_clock_ns(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	assert_true(af_clock_ns(m) >= t0 + 5000000 - 1);
	uint64_t npfn;
	assert_int_equal(af_file_page(m, fid, 0, &npfn), 0);
	assert_true(npfn != pfn);
	assert_false(pflags(&m->pages[npfn]) & (PG_writeback | PG_dirty));
	assert_int_equal(af_file_read(m, fid, 0, 0), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A dirty page without ->migrate_folio needs writeout: only SYNC does it */
static void test_fallback_aops_dirty(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int fid;
	uint64_t pfn, npfn;

	assert_int_equal(af_file_create(m, true, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 7), 0);
	assert_int_equal(af_file_page(m, fid, 7, &pfn), 0);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_SYSCALL), -EBUSY);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC_LIGHT, AF_MR_SYSCALL), -EBUSY);
	/* compaction's async isolation does not even take it */
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_COMPACTION), -EBUSY);
	CHECK(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	assert_int_equal(af_file_page(m, fid, 7, &npfn), 0);
	assert_true(npfn != pfn);
	assert_int_equal(ev(m, "nr_written"), 1);
	assert_int_equal(af_file_read(m, fid, 0, 7), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A locked page: ASYNC never waits, SYNC_LIGHT waits for the lock */
static void test_locked_page_modes(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int pid;
	uint64_t vpn, pfn;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	pfn = pfn_of(m, pid, vpn);
	assert_int_equal(af_page_lock(m, pfn, 2000000), 0);
	uint64_t t0 = af_clock_ns(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_COMPACTION), -EAGAIN);
	assert_int_equal(af_clock_ns(m), t0);
	assert_int_equal(pfn_of(m, pid, vpn), pfn);
	assert_true(pflags(&m->pages[pfn]) & PG_locked);
	CHECK(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC_LIGHT, AF_MR_COMPACTION), 0);
	assert_true(af_clock_ns(m) >= t0 + 2000000);
	assert_true(pfn_of(m, pid, vpn) != pfn);
	assert_int_equal(af_mem_read(m, pid, 0, vpn), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/*
 * A page freed while a timed hold is on it (its owner exits, a raw block is
 * freed): the hold ends with the page.  A hold left behind would, once the
 * pfn is reused, advance the clock to its stale deadline when someone waits
 * for the new page's lock, and unlock a lock it does not hold.
 */
static void test_freed_while_locked(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	struct af_alloc_result r;
	int pid, pid2;
	uint64_t vpn, pfn, t0;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	pfn = pfn_of(m, pid, vpn);
	assert_int_equal(af_page_lock(m, pfn, 50000000), 0);
	assert_int_equal(af_proc_exit(m, pid), 0);
	assert_false(pflags(&m->pages[pfn]) & (PG_alloc | PG_locked));
	CHECK(m);
	/* the pfn reused (the CPU's free list is last in, first out) */
	assert_int_equal(af_proc_create(m, &pid2), 0);
	assert_int_equal(af_mmap_anon(m, pid2, 1, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid2, 0, vpn), 0);
	assert_int_equal(pfn_of(m, pid2, vpn), pfn);
	CHECK(m);
	t0 = af_clock_ns(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	assert_true(af_clock_ns(m) - t0 < 50000000);
	assert_int_equal(af_mem_read(m, pid2, 0, vpn), 0);
	CHECK(m);

	/* a raw block the caller locked and then freed */
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
	assert_int_equal(af_page_lock(m, r.pfn, 50000000), 0);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 0), 0);
	assert_false(pflags(&m->pages[r.pfn]) & (PG_alloc | PG_locked));
	CHECK(m);
	af_machine_destroy(m);
}

/* Pinned, mlocked, and pages that are not movable at all */
static void test_refusals(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int pid, cid;
	uint64_t vpn, vpn2, pfn, obj, free_pfn;
	struct af_alloc_result r;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 2, 0, &vpn), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn), 0);
	pfn = pfn_of(m, pid, vpn);
	/* pinned: more references than mappings explain */
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), -EAGAIN);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_COMPACTION), -EBUSY);
	assert_int_equal(pfn_of(m, pid, vpn), pfn);
	assert_int_equal(af_mem_read(m, pid, 0, vpn), 0);
	assert_true(ev(m, "pgmigrate_fail") >= 1);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	/* mlocked: compaction only with vm.compact_unevictable_allowed = 1 */
	assert_int_equal(af_mmap_anon(m, pid, 1, AF_MAP_MLOCK, &vpn2), 0);
	assert_int_equal(af_mem_write(m, pid, 0, vpn2), 0);
	pfn = pfn_of(m, pid, vpn2);
	assert_true(pflags(&m->pages[pfn]) & PG_unevictable);
	assert_int_equal(af_sysctl_write(m, "vm.compact_unevictable_allowed", "0"), 0);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC_LIGHT, AF_MR_COMPACTION), -EBUSY);
	assert_int_equal(af_sysctl_write(m, "vm.compact_unevictable_allowed", "1"), 0);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC_LIGHT, AF_MR_COMPACTION), 0);
	pfn = pfn_of(m, pid, vpn2);
	assert_true(pflags(&m->pages[pfn]) & PG_mlocked);
	assert_int_equal(af_mem_read(m, pid, 0, vpn2), 0);
	/* slab, page tables, free pages, reserved pages: not movable */
	assert_int_equal(af_slab_create(m, "dentry", 192, true, &cid), 0);
	assert_int_equal(af_slab_alloc(m, cid, 0, &obj), 0);
	assert_int_equal(migrate1(m, obj >> 16, AF_MIGRATE_SYNC, AF_MR_SYSCALL), -EBUSY);
	assert_int_equal(migrate1(m, m->world->mms[pid]->pmds[vpn >> 9].pt->pfn, AF_MIGRATE_SYNC,
				  AF_MR_SYSCALL), -EBUSY);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r), 0);
	free_pfn = r.pfn;
	assert_int_equal(af_free_pages(m, 0, free_pfn, 0), 0);
	assert_int_equal(migrate1(m, free_pfn, AF_MIGRATE_SYNC, AF_MR_SYSCALL), -EBUSY);
	/* an owned page cannot be freed behind its owner's back */
	assert_int_equal(af_free_pages(m, 0, pfn, 0), -EBUSY);
	/* bad input: nothing changes */
	uint64_t bad[2] = { 0x1, 1ULL << 40 };
	assert_int_equal(af_migrate_pfns(m, &bad[1], 1, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, NULL), -EINVAL);
	assert_int_equal(migrate1(m, bad[0], AF_MIGRATE_SYNC, AF_MR_SYSCALL), -EBUSY);	/* reserved */
	uint64_t twice[2] = { pfn, pfn };
	assert_int_equal(af_migrate_pfns(m, twice, 2, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, NULL), -EINVAL);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, (enum af_migrate_mode)7, AF_MR_SYSCALL, -1, NULL, NULL), -EINVAL);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_SYNC, AF_MR_SYSCALL, 5, NULL, NULL), -EINVAL);
	CHECK(m);
	assert_int_equal(af_slab_free(m, cid, obj), 0);
	assert_int_equal(af_slab_free(m, cid, obj), -ENOENT);
	CHECK(m);
	af_machine_destroy(m);
}

/* Non-LRU movable pages: the driver's operations, in order */
static char calls[256];
static int fail_after = -1;
static bool drv_isolate(struct af_machine *m, uint64_t pfn, void *arg)
{
	(void)m; (void)pfn; (void)arg;
	strcat(calls, "I");
	return true;
}
static int drv_migrate(struct af_machine *m, uint64_t dst, uint64_t src, enum af_migrate_mode mode, void *arg)
{
	(void)mode; (void)arg;
	strcat(calls, "M");
	if (fail_after == 0)
		return -EAGAIN;
	if (fail_after > 0)
		fail_after--;
	memcpy(m->world->contents + dst * 4096, m->world->contents + src * 4096, 4096);
	return 0;
}
static void drv_putback(struct af_machine *m, uint64_t pfn, void *arg)
{
	(void)m; (void)pfn; (void)arg;
	strcat(calls, "P");
}

static void test_driver_pages(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	struct af_movable_ops ops = { drv_isolate, drv_migrate, drv_putback };
	int did, bid;
	uint64_t no, pfn, npfn, pages[5], pfns[5];
	int res[5];

	assert_int_equal(af_driver_create(m, &ops, NULL, &did), 0);
	assert_int_equal(af_driver_alloc(m, did, 0, &no), 0);
	assert_int_equal(af_driver_page(m, did, no, &pfn), 0);
	calls[0] = 0;
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_ASYNC, AF_MR_COMPACTION), 0);
	assert_string_equal(calls, "IM");
	assert_int_equal(af_driver_page(m, did, no, &npfn), 0);
	assert_true(npfn != pfn);
	CHECK(m);
	/* a failing migrate callback: retried, then put back; data stays */
	calls[0] = 0;
	fail_after = 0;
	assert_int_equal(migrate1(m, npfn, AF_MIGRATE_SYNC, AF_MR_COMPACTION), -EAGAIN);
	assert_string_equal(calls, "IMMMMMMMMMMP");
	assert_int_equal(af_driver_page(m, did, no, &pfn), 0);
	assert_int_equal(pfn, npfn);
	CHECK(m);
	fail_after = -1;
	/* failure injection in the middle of a batch (built-in driver) */
	assert_int_equal(af_driver_create(m, NULL, NULL, &bid), 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(af_driver_alloc(m, bid, 0, &pages[i]), 0);
		assert_int_equal(af_driver_page(m, bid, pages[i], &pfns[i]), 0);
	}
	assert_int_equal(af_driver_fail_migrate_after(m, bid, 2), 0);
	assert_int_equal(af_migrate_pfns(m, pfns, 5, AF_MIGRATE_SYNC, AF_MR_COMPACTION, -1, res, NULL), 3);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	for (int i = 2; i < 5; i++) {
		assert_int_equal(res[i], -EAGAIN);
		uint64_t p;
		assert_int_equal(af_driver_page(m, bid, pages[i], &p), 0);
		assert_int_equal(p, pfns[i]);
	}
	CHECK(m);
	assert_int_equal(af_driver_free(m, bid, pages[3]), 0);
	assert_int_equal(af_driver_free(m, bid, pages[3]), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_hugetlb_and_thp(void **st)
{
	(void)st;
	struct af_machine *m = machine_from("mem = 1G\ncpus = 2\ncontents = 1\ntransparent_hugepage = always\n");
	int pid;
	uint64_t hv, tv, now;

	assert_int_equal(af_hugetlb_resize(m, 4, &now), 0);
	assert_int_equal(now, 4);
	assert_int_equal(ev(m, "htlb_buddy_alloc_success"), 4);
	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_hugetlb(m, pid, 1, &hv), 0);
	assert_int_equal(af_mem_write(m, pid, 0, hv + 7), 0);
	uint64_t hp = pfn_of(m, pid, hv) ;
	assert_true(pflags(&m->pages[hp]) & PG_hugetlb);
	CHECK(m);
	assert_int_equal(migrate1(m, hp, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	assert_true(pfn_of(m, pid, hv) != hp);
	assert_int_equal(af_mem_read(m, pid, 1, hv + 7), 0);
	assert_int_equal(af_mem_read(m, pid, 1, hv + 8), 0);
	CHECK(m);
	/* THP: an aligned 2 MiB region of an anonymous mapping */
	assert_int_equal(af_mmap_anon(m, pid, 1024, AF_MAP_THP, &tv), 0);
	assert_int_equal(af_mem_write(m, pid, 0, tv + 3), 0);
	assert_int_equal(ev(m, "thp_fault_alloc"), 1);
	uint64_t tp = pfn_of(m, pid, tv);
	assert_true(pflags(&m->pages[tp]) & PG_head);
	/* /proc/vmstat counts THPs in huge pages (vmstat_item_print_in_thp) */
	assert_int_equal(ev(m, "nr_anon_transparent_hugepages"), 1);
	assert_int_equal(ev(m, "nr_anon_pages"), 512);	/* hugetlb pages are not anon pages */
	CHECK(m);
	assert_int_equal(migrate1(m, tp, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	assert_int_equal(ev(m, "thp_migration_success"), 1);
	assert_true(pfn_of(m, pid, tv) != tp);
	assert_int_equal(af_mem_read(m, pid, 0, tv + 3), 0);
	assert_int_equal(af_mem_read(m, pid, 0, tv + 300), 0);
	CHECK(m);
	/* mlock does not stop THP (6.1's hugepage_vma_check); the THP counts as mlocked */
	uint64_t lv, mlock0 = ev(m, "nr_mlock");
	assert_int_equal(af_mmap_anon(m, pid, 1024, AF_MAP_THP | AF_MAP_MLOCK, &lv), 0);
	assert_int_equal(af_mem_write(m, pid, 0, lv), 0);
	assert_int_equal(ev(m, "thp_fault_alloc"), 2);
	assert_int_equal(ev(m, "nr_mlock"), mlock0 + 512);
	uint64_t lp = pfn_of(m, pid, lv);
	assert_true(pflags(&m->pages[lp]) & PG_unevictable);
	CHECK(m);
	assert_int_equal(migrate1(m, lp, AF_MIGRATE_SYNC, AF_MR_SYSCALL), 0);
	assert_int_equal(ev(m, "nr_mlock"), mlock0 + 512);
	assert_int_equal(af_mem_read(m, pid, 0, lv), 0);
	CHECK(m);
	assert_int_equal(af_munmap(m, pid, lv), 0);
	assert_int_equal(ev(m, "nr_mlock"), mlock0);
	CHECK(m);
	assert_int_equal(af_proc_exit(m, pid), 0);
	assert_int_equal(af_hugetlb_resize(m, 0, &now), 0);
	assert_int_equal(now, 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* alloc_contig-style: empty a pfn range, or name the page that cannot move */
static void test_migrate_range(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int pid;
	uint64_t vpn, busy = 0;
	struct af_migrate_stats ms;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 2048, 0, &vpn), 0);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(af_mem_write(m, pid, 0, vpn + (uint64_t)i), 0);
	uint64_t pfn = pfn_of(m, pid, vpn + 1000);
	uint64_t start = pfn & ~1023ULL, end = start + 1024;
	int used = 0;
	for (uint64_t p = start; p < end; p++)
		used += (pflags(&m->pages[p]) & PG_alloc) != 0;
	assert_true(used > 100);
	CHECK(m);
	assert_int_equal(af_page_pin(m, pfn), 0);
	assert_int_equal(af_migrate_range(m, start, end, AF_MIGRATE_SYNC, &busy, &ms), -EBUSY);
	assert_int_equal(busy, pfn);
	assert_int_equal(af_mem_read(m, pid, 0, vpn + 1000), 0);
	CHECK(m);
	assert_int_equal(af_page_unpin(m, pfn), 0);
	assert_int_equal(af_migrate_range(m, start, end, AF_MIGRATE_SYNC, &busy, &ms), 0);
	for (uint64_t p = start; p < end; p++)
		assert_false(pflags(&m->pages[p]) & PG_alloc && m->pages[p].owner);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(af_mem_read(m, pid, 1, vpn + (uint64_t)i), 0);
	CHECK(m);
	assert_int_equal(af_migrate_range(m, 5, 3, AF_MIGRATE_SYNC, &busy, &ms), -EINVAL);
	assert_int_equal(af_migrate_range(m, 0, m->max_pfn, AF_MIGRATE_SYNC, &busy, &ms), -EINVAL);
	CHECK(m);
	af_machine_destroy(m);
}

static char trace_buf[4096];
static void trace_sink(void *arg, const char *line)
{
	(void)arg;
	if (strstr(line, "mm_migrate_pages:"))
		snprintf(trace_buf, sizeof(trace_buf), "%s", line);
}

static void test_lru_and_trace(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	int pid, fid;
	uint64_t vpn;

	assert_int_equal(af_proc_create(m, &pid), 0);
	assert_int_equal(af_mmap_anon(m, pid, 10, 0, &vpn), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(af_mem_write(m, pid, 0, vpn + (uint64_t)i), 0);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(af_file_read(m, fid, 0, (uint64_t)i), 0);
	assert_int_equal(m->node[0]->lru_size[LRU_INACTIVE_ANON], 10);
	assert_int_equal(m->node[0]->lru_size[LRU_INACTIVE_FILE], 6);
	assert_int_equal(ev(m, "nr_inactive_anon"), 10);
	assert_int_equal(ev(m, "nr_file_pages"), 6);
	/* isolation moves pages off the LRU into the isolated counters */
	uint64_t p0 = pfn_of(m, pid, vpn);
	assert_int_equal(isolate_lru_page(m, p0), 0);
	assert_int_equal(isolate_lru_page(m, p0), -EBUSY);
	assert_int_equal(m->node[0]->lru_size[LRU_INACTIVE_ANON], 9);
	assert_false(too_many_isolated(m, 0));
	putback_lru_page(m, 0, p0);
	assert_int_equal(m->node[0]->lru_size[LRU_INACTIVE_ANON], 10);
	CHECK(m);
	/* a page already isolated (by someone else) is refused, nothing changes */
	assert_int_equal(isolate_lru_page(m, p0), 0);
	node_stat_mod(m, 0, NS_NR_ISOLATED_ANON, 1);
	assert_int_equal(migrate1(m, p0, AF_MIGRATE_SYNC, AF_MR_SYSCALL), -EBUSY);
	node_stat_mod(m, 0, NS_NR_ISOLATED_ANON, -1);
	putback_lru_page(m, 0, p0);
	CHECK(m);
	/* a page whose owner is gone has been freed: refused as a free page */
	int gone;
	uint64_t gv, gp;
	assert_int_equal(af_proc_create(m, &gone), 0);
	assert_int_equal(af_mmap_anon(m, gone, 1, 0, &gv), 0);
	assert_int_equal(af_mem_write(m, gone, 0, gv), 0);
	gp = pfn_of(m, gone, gv);
	assert_int_equal(af_proc_exit(m, gone), 0);
	assert_int_equal(migrate1(m, gp, AF_MIGRATE_SYNC, AF_MR_SYSCALL), -EBUSY);
	assert_int_equal(af_mem_read(m, gone, 0, gv), -ESRCH);
	CHECK(m);
	af_set_trace(m, trace_sink, NULL);
	uint64_t pfns[3] = { p0, pfn_of(m, pid, vpn + 1), pfn_of(m, pid, vpn + 2) };
	assert_int_equal(af_migrate_pfns(m, pfns, 3, AF_MIGRATE_SYNC_LIGHT, AF_MR_COMPACTION, -1, NULL, NULL), 0);
	assert_non_null(strstr(trace_buf, "mm_migrate_pages: nr_succeeded=3 nr_failed=0 nr_thp_succeeded=0 "
				"nr_thp_failed=0 nr_thp_split=0 mode=MIGRATE_SYNC_LIGHT reason=compaction"));
	CHECK(m);
	af_machine_destroy(m);
}

/* Random storms of owners and migrations, full integrity after each phase */
static void storm(uint64_t seed)
{
	struct af_machine *m = machine_from("mem = 256M\ncpus = 2\ncontents = 1\n");
	struct af_rng r;
	int pids[6], fids[3], did;
	uint64_t vpns[6];

	af_rng_seed(&r, seed);
	for (int i = 0; i < 6; i++) {
		if (i < 3)
			assert_int_equal(af_proc_create(m, &pids[i]), 0);
		else
			assert_int_equal(af_proc_fork(m, pids[i - 3], &pids[i]), 0);
		assert_int_equal(af_mmap_anon(m, pids[i], 600, i == 1 ? AF_MAP_THP : 0, &vpns[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(af_file_create(m, i == 2, &fids[i]), 0);
	assert_int_equal(af_driver_create(m, NULL, NULL, &did), 0);
	for (int phase = 0; phase < 8; phase++) {
		for (int op = 0; op < 3000; op++) {
			int i = (int)af_rng_below(&r, 6), cpu = (int)af_rng_below(&r, 2);
			uint64_t x = af_rng_below(&r, 100);
			if (x < 40) {
				int ret = af_mem_write(m, pids[i], cpu, vpns[i] + af_rng_below(&r, 600));
				assert_true(ret == 0 || ret == -ENOMEM);
			} else if (x < 60) {
				int ret = af_mem_read(m, pids[i], cpu, vpns[i] + af_rng_below(&r, 600));
				assert_true(ret == 0 || ret == -ENOMEM);
			} else if (x < 70) {
				int f = (int)af_rng_below(&r, 3);
				uint64_t idx = af_rng_below(&r, 200);
				assert_int_equal(x < 65 ? af_file_write(m, fids[f], cpu, idx)
							: af_file_read(m, fids[f], cpu, idx), 0);
			} else if (x < 73) {
				uint64_t no;
				assert_int_equal(af_driver_alloc(m, did, cpu, &no), 0);
			} else {
				uint64_t pfns[32];
				for (int k = 0; k < 32; k++)
					pfns[k] = (af_rng_next(&r) % m->max_pfn);
				/* dedupe */
				int n = 0;
				for (int k = 0; k < 32; k++) {
					bool dup = false;
					for (int j = 0; j < n; j++)
						dup |= pfns[j] == pfns[k];
					if (!dup && pfn_zone(m, (unsigned long)pfns[k]))
						pfns[n++] = pfns[k];
				}
				int ret = af_migrate_pfns(m, pfns, n, (enum af_migrate_mode)af_rng_below(&r, 3),
							  (enum af_migrate_reason)af_rng_below(&r, 4), -1, NULL, NULL);
				assert_true(ret >= 0 && ret <= n);
			}
		}
		CHECK(m);
	}
	uint64_t ok = ev(m, "pgmigrate_success");
	assert_true(ok > 0);
	for (int i = 5; i >= 0; i--)
		assert_int_equal(af_proc_exit(m, pids[i]), 0);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_storms(void **st)
{
	(void)st;
	for (uint64_t s = 1; s <= 3; s++)
		storm(s);
}

/*
 * af_driver_adopt(): a page the caller allocated becomes the driver's, and
 * migrates with its contents; pages that are not the caller's alone are
 * refused.
 */
static void test_driver_adopt(void **st)
{
	(void)st;
	struct af_machine *m = machine_from(CONF);
	struct af_alloc_result r;
	uint64_t no, no2, pfn, obj;
	int did, cid;

	assert_int_equal(af_driver_create(m, NULL, NULL, &did), 0);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r), 0);
	assert_int_equal(af_driver_adopt(m, did, r.pfn, &no), 0);
	assert_int_equal(af_driver_page(m, did, no, &pfn), 0);
	assert_true(pfn == r.pfn);
	assert_int_equal(af_driver_adopt(m, did, r.pfn, &no2), -EINVAL);	/* the driver's now */
	assert_int_equal(af_free_pages(m, 0, r.pfn, 0), -EBUSY);		/* its owner frees it */
	CHECK(m);
	assert_int_equal(migrate1(m, pfn, AF_MIGRATE_SYNC, AF_MR_COMPACTION), 0);
	assert_int_equal(af_driver_page(m, did, no, &pfn), 0);
	assert_true(pfn != r.pfn);
	CHECK(m);
	/* refused: a free page, an order-1 block, a slab page, a reserved page */
	assert_int_equal(af_driver_adopt(m, did, r.pfn, &no2), -EINVAL);
	assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 1, -1, &r), 0);
	assert_int_equal(af_driver_adopt(m, did, r.pfn, &no2), -EINVAL);
	assert_int_equal(af_free_pages(m, 0, r.pfn, 1), 0);
	assert_int_equal(af_slab_create(m, "adopt-test", 256, false, &cid), 0);
	assert_int_equal(af_slab_alloc(m, cid, 0, &obj), 0);
	assert_int_equal(af_driver_adopt(m, did, obj >> 16, &no2), -EINVAL);
	assert_int_equal(af_driver_adopt(m, did, 0, &no2), -EINVAL);
	assert_int_equal(af_driver_adopt(m, did, af_machine_max_pfn(m), &no2), -EINVAL);
	assert_int_equal(af_driver_adopt(m, did + 1, pfn, &no2), -EINVAL);
	assert_int_equal(af_driver_free(m, did, no), 0);
	CHECK(m);
	af_machine_destroy(m);
}

/* A vmstat counter's value */
static uint64_t vmstat(struct af_machine *m, const char *name)
{
	uint64_t v = ~0ULL;

	assert_int_equal(af_vmstat(m, name, &v), 0);
	return v;
}

/* shrink_file_lru()'s steps for one page, by kswapd: a dirty page is written
 * out and put back */
static void kswapd_pageout(struct af_machine *m, uint64_t pfn)
{
	assert_int_equal(isolate_lru_page(m, pfn), 0);
	assert_false(m->wops->reclaim_page(m, 0, pfn, true));
	putback_lru_page(m, 0, pfn);
}

/*
 * Writeback and a timed lock end when the clock passes their deadline,
 * with nothing looking at the page (6.1's I/O completion): the counters drop
 * and async migration, which passes a page under writeback by, moves it.
 */
static void test_holds_end_on_time(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\n");
	uint64_t pfn, lpfn;
	int fid, res = 0;

	(void)state;
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 0), 0);
	assert_int_equal(af_file_write(m, fid, 0, 1), 0);
	assert_int_equal(af_file_writeback(m, fid, 0, 1000000), 0);
	assert_int_equal(af_file_page(m, fid, 0, &pfn), 0);
	assert_int_equal(af_file_page(m, fid, 1, &lpfn), 0);
	assert_int_equal(af_page_lock(m, lpfn, 3000000), 0);
	CHECK(m);
	/* before the deadline: under writeback, passed by */
	af_clock_advance(m, 999999);
	assert_int_equal(vmstat(m, "nr_writeback"), 1);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_ASYNC, AF_MR_COMPACTION, -1, &res, NULL), 1);
	assert_int_equal(res, -EBUSY);
	CHECK(m);
	/* the clock reaches it: done, and counted written */
	af_clock_advance(m, 1);
	assert_int_equal(vmstat(m, "nr_writeback"), 0);
	assert_int_equal(vmstat(m, "nr_written"), 1);
	assert_int_equal(af_file_writeback_end(m, fid, 0), -EINVAL);
	assert_int_equal(af_page_lock(m, lpfn, 0), -EBUSY);
	CHECK(m);
	assert_int_equal(af_migrate_pfns(m, &pfn, 1, AF_MIGRATE_ASYNC, AF_MR_COMPACTION, -1, &res, NULL), 0);
	assert_int_equal(res, 0);
	CHECK(m);
	/* the lock's deadline, passed in one step of the clock */
	af_clock_advance(m, 5000000);
	assert_int_equal(af_page_unlock(m, lpfn), -EINVAL);
	assert_int_equal(af_page_lock(m, lpfn, 1000), 0);
	CHECK(m);
	/* locks let go long before their deadline: their deadlines do not pile up */
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(af_page_unlock(m, lpfn), 0);
		assert_int_equal(af_page_lock(m, lpfn, 1000000000000ULL + (uint64_t)i), 0);
		assert_true(m->world->ndue <= 2 * (uint32_t)m->world->nholds + 65);
	}
	CHECK(m);
	af_clock_advance(m, 2000000000000ULL);
	assert_int_equal(af_page_unlock(m, lpfn), -EINVAL);
	assert_int_equal(m->world->ndue, 0);
	CHECK(m);
	af_machine_destroy(m);
}

/*
 * kswapd's pageout of a dirty page cache page (shrink_folio_list): the page
 * goes back to the head of the inactive list under writeback, marked
 * PG_reclaim; when the write ends it moves to the tail, to be reclaimed
 * next (folio_rotate_reclaimable), unless it is off the LRU, and pgrotated
 * counts it.
 */
static void test_reclaim_writeback_rotates(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\n");
	uint64_t pfn[3];
	struct list_pfn *inactive;
	int fid;

	(void)state;
	assert_int_equal(af_file_create(m, false, &fid), 0);
	for (uint64_t i = 0; i < 3; i++) {
		assert_int_equal(af_file_write(m, fid, 0, i), 0);
		assert_int_equal(af_file_page(m, fid, i, &pfn[i]), 0);
	}
	inactive = &pfn_zone(m, pfn[0])->pgdat->lru[LRU_INACTIVE_FILE];
	for (int i = 0; i < 3; i++) {
		kswapd_pageout(m, pfn[i]);
		assert_true(pflags(&m->pages[pfn[i]]) & PG_reclaim);
		af_clock_advance(m, 1);		/* one write ending after another */
	}
	assert_int_equal(inactive->first, pfn[2]);
	assert_int_equal(vmstat(m, "nr_writeback"), 3);
	CHECK(m);
	/* page 2 is isolated when the writes end: it stays where it is put */
	assert_int_equal(isolate_lru_page(m, pfn[2]), 0);
	af_clock_advance(m, 1000000);
	assert_int_equal(vmstat(m, "nr_writeback"), 0);
	assert_int_equal(vmstat(m, "pgrotated"), 2);
	assert_int_equal(inactive->last, pfn[1]);
	assert_int_equal(m->pages[pfn[1]].prev, pfn[0]);
	for (int i = 0; i < 3; i++)
		assert_false(pflags(&m->pages[pfn[i]]) & PG_reclaim);
	putback_lru_page(m, 0, pfn[2]);
	assert_int_equal(inactive->first, pfn[2]);
	assert_int_equal(inactive->last, pfn[1]);
	CHECK(m);
	af_machine_destroy(m);
}

/* writeback_us: how long kswapd's write-out of a page takes (default 1 ms) */
static void test_writeback_us(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\nwriteback_us = 50\n");
	struct af_config *c;
	uint64_t pfn;
	int fid;

	(void)state;
	assert_int_equal(af_config_new(&c), 0);
	assert_int_equal(af_config_set(c, "writeback_us", "0"), -EINVAL);
	assert_int_equal(af_config_set(c, "writeback_us", "1000000001"), -EINVAL);
	assert_int_equal(af_config_set(c, "writeback_us", "2ms"), -EINVAL);
	assert_int_equal(af_config_set(c, "writeback_us", "1000000000"), 0);
	af_config_free(c);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	assert_int_equal(af_file_write(m, fid, 0, 0), 0);
	assert_int_equal(af_file_page(m, fid, 0, &pfn), 0);
	kswapd_pageout(m, pfn);
	af_clock_advance(m, 49999);
	assert_int_equal(vmstat(m, "nr_writeback"), 1);
	CHECK(m);
	af_clock_advance(m, 1);
	assert_int_equal(vmstat(m, "nr_writeback"), 0);
	assert_int_equal(vmstat(m, "nr_vmscan_write"), 1);
	CHECK(m);
	af_machine_destroy(m);
}

/* a[0..n) = a random permutation of 0..n-1 */
static void shuffle(uint64_t *a, uint64_t n, uint64_t seed)
{
	struct af_rng r;

	af_rng_seed(&r, seed);
	for (uint64_t i = 0; i < n; i++)
		a[i] = i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = af_rng_below(&r, i + 1), t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/*
 * Thousands of writebacks and page locks in flight at once, their deadlines
 * in an order unrelated to their pfns: a page lock and a writeback on the
 * same page are two holds, and writeback ends on time, so ending one
 * (af_file_writeback_end moves the clock to its deadline) ends every one
 * due before it, each found by its own page.
 */
static void test_many_holds(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\n");
	enum { N = 3000 };
	uint64_t *order = calloc(N, sizeof(*order)), *rank = calloc(N, sizeof(*rank)), v = 0;
	int64_t done = -1;
	int fid;

	(void)state;
	assert_non_null(order);
	assert_non_null(rank);
	shuffle(rank, N, 7);
	shuffle(order, N, 5);
	assert_int_equal(af_file_create(m, false, &fid), 0);
	for (uint64_t i = 0; i < N; i++) {
		assert_int_equal(af_file_write(m, fid, 0, i), 0);
		/* page i's writeback ends at 1 ms + rank[i] ns from now */
		assert_int_equal(af_file_writeback(m, fid, i, 1000000 + rank[i]), 0);
	}
	for (uint64_t i = 0; i < N; i += 3) {
		uint64_t pfn;
		assert_int_equal(af_file_page(m, fid, i, &pfn), 0);
		assert_int_equal(af_page_lock(m, pfn, 5000000), 0);
	}
	af_vmstat(m, "nr_writeback", &v);
	assert_int_equal(v, N);
	CHECK(m);
	for (uint64_t k = 0; k < N; k++) {
		bool pending = (int64_t)rank[order[k]] > done;
		assert_int_equal(af_file_writeback_end(m, fid, order[k]), pending ? 0 : -EINVAL);
		assert_int_equal(af_file_writeback_end(m, fid, order[k]), -EINVAL);
		if (pending)
			done = (int64_t)rank[order[k]];
		af_vmstat(m, "nr_writeback", &v);
		assert_int_equal(v, N - 1 - (uint64_t)done);
		if (k % 100 == 0)
			CHECK(m);
	}
	af_vmstat(m, "nr_writeback", &v);
	assert_int_equal(v, 0);
	CHECK(m);
	for (uint64_t i = 0; i < N; i += 3) {
		uint64_t pfn;
		assert_int_equal(af_file_page(m, fid, i, &pfn), 0);
		assert_int_equal(af_page_unlock(m, pfn), 0);
	}
	CHECK(m);
	free(order);
	free(rank);
	af_machine_destroy(m);
}

/*
 * A slab that fell back to the minimum order (allocate_slab's second try)
 * holds fewer objects than the cache's order would: once it is full, the
 * next object goes to a new slab, never to a slot the small slab lacks.
 */
static void test_slab_fallback_order_fills(void **state)
{
	struct af_machine *m = machine_from("mem = 256M\n");
	struct af_alloc_result a;
	uint64_t *pfns = calloc(1u << 17, sizeof(*pfns)), objs[64];
	size_t n = 0;
	int cid;

	(void)state;
	assert_non_null(pfns);
	/* fragment: every free page taken, then those of even pfn given back */
	for (int pass = 0; pass < 4; pass++) {	/* ZONE_DMA too, past the watermarks, and the
						 * pages the per-cpu lists gave back */
		int dma = pass & 1;
		af_drain_all(m);
		while (n < (1u << 17) && af_alloc_pages(m, 0, (dma ? AF_GFP_DMA : 0) | AF_GFP_KERNEL |
							AF___GFP_MEMALLOC | AF___GFP_NORETRY | AF___GFP_NOWARN,
							0, -1, &a) == 0)
			pfns[n++] = a.pfn;
	}
	assert_true(n > 1000);
	for (size_t i = 0; i < n; i++)
		if (!(pfns[i] & 1))
			assert_int_equal(af_free_pages(m, 0, pfns[i], 0), 0);
	af_drain_all(m);
	CHECK(m);
	/* 1024-byte objects: order 3 slabs of 32 objects, order 0 ones of 4 */
	assert_int_equal(af_slab_create(m, "kmalloc-1k", 1024, false, &cid), 0);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(af_slab_alloc(m, cid, 0, &objs[i]), 0);
		for (int j = 0; j < i; j++)
			assert_true(objs[j] != objs[i]);
		assert_true((objs[i] & 0xffff) < 4);	/* a slot an order-0 slab has */
	}
	CHECK(m);
	for (int i = 0; i < 64; i++)
		assert_int_equal(af_slab_free(m, cid, objs[i]), 0);
	assert_int_equal(af_slab_free(m, cid, objs[0]), -ENOENT);
	CHECK(m);
	for (size_t i = 0; i < n; i++)
		if (pfns[i] & 1)
			assert_int_equal(af_free_pages(m, 0, pfns[i], 0), 0);
	CHECK(m);
	free(pfns);
	af_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon_migration),
		cmocka_unit_test(test_many_holds),
		cmocka_unit_test(test_holds_end_on_time),
		cmocka_unit_test(test_reclaim_writeback_rotates),
		cmocka_unit_test(test_writeback_us),
		cmocka_unit_test(test_slab_fallback_order_fills),
		cmocka_unit_test(test_shared_by_64),
		cmocka_unit_test(test_file_pages),
		cmocka_unit_test(test_writeback_modes),
		cmocka_unit_test(test_fallback_aops_dirty),
		cmocka_unit_test(test_locked_page_modes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_driver_pages),
		cmocka_unit_test(test_hugetlb_and_thp),
		cmocka_unit_test(test_migrate_range),
		cmocka_unit_test(test_lru_and_trace),
		cmocka_unit_test(test_mmap_layout),
		cmocka_unit_test(test_storms),
		cmocka_unit_test(test_driver_adopt),
		cmocka_unit_test(test_freed_while_locked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
