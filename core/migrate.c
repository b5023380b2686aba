/*
 * migrate.c - page migration (mm/migrate.c in Debian's 6.1.y:
 * isolate_movable_page, putback_movable_pages, migrate_pages,
 * migrate_hugetlbs, migrate_pages_batch, migrate_folio_unmap,
 * migrate_folio_move, move_to_new_folio, folio_migrate_mapping,
 * fallback_migrate_folio; mm/rmap.c: try_to_migrate, remove_migration_ptes).
 *
 * A page is locked, unmapped (every PTE becomes a migration entry, which
 * accesses wait on), copied with its flags, owner data and counters, and
 * every mapping is re-pointed; on any failure the mappings go back to the
 * old page, which keeps its data.
 * Simplification: a THP that cannot get a huge target fails with -ENOMEM
 * instead of being split.
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

#define NR_MAX_MIGRATE_PAGES_RETRY 10

unsigned int page_order_of(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	return (pflags(p) & PG_head) ? p->order : 0;
}

bool page_is_file(struct af_machine *m, unsigned long pfn)
{
	int k = m->wops ? m->wops->owner_kind(m, pfn) : OWNER_NONE;
	return k == OWNER_FILE || k == OWNER_FILE_NO_MIGRATE_FOLIO;
}

/* ---- isolation ---- */

/*
 * isolate_movable_page(): a non-LRU movable page, through its owner's
 * isolate_page; -EBUSY if not movable, locked, already isolated or refused.
 */
int isolate_movable_page(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	if (!(pflags(p) & PG_movable_ops) || !m->wops || m->wops->owner_kind(m, pfn) != OWNER_DRIVER)
		return -EBUSY;
	if (!get_page_unless_zero(m, p))
		return -EBUSY;
	/*
	 * Simplification: a page with references beyond its driver's and ours
	 * (a pin) is not isolated.  6.1 migrates it and the pin keeps the old
	 * page allocated until the unpin; the model's old page is freed at once.
	 */
	if (__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) > 2)
		goto out_put;
	if (!trylock_page(m, pfn))
		goto out_put;
	if (pflags(p) & PG_isolated)
		goto out_unlock;
	if (!m->wops->movable_isolate(m, pfn))
		goto out_unlock;
	pflags_fetch_or(m, p, PG_isolated);
	unlock_page(m, pfn);
	return 0;
out_unlock:
	unlock_page(m, pfn);
out_put:
	page_ref_add(m, p, -1);
	return -EBUSY;
}


/*
 * Isolate one page for migration: non-LRU movable pages through their
 * driver, LRU pages off their list, mapped hugetlb pages by reference.
 * Returns 0 or -EBUSY with the reason in *why.
 */
int isolate_for_migration(struct af_machine *m, unsigned long pfn, const struct isolate_ctl *ctl,
			  const char **why)
{
	struct page *p = &m->pages[pfn];
	uint32_t f = pflags(p);
	int nid, kind;

	/*
	 * Decide from the flags first: owner fields are read only once a flag
	 * set after them (PG_lru, PG_movable_ops, PG_anon) has been seen or
	 * the page has been claimed.
	 */
	*why = NULL;
	if (!(f & PG_alloc)) {
		*why = (f & (PG_buddy | PG_pcp)) ? "free page" : (f & PG_reserved) ? "reserved page"
			: (f & PG_tail) ? "tail of a compound page" : "not an allocated page";
		return -EBUSY;
	}
	if (f & PG_reserved) {
		*why = "reserved page";
		return -EBUSY;
	}
	if ((f & PG_lru) && m->wops && m->wops->prefetch)
		m->wops->prefetch(m, pfn, false);
	if (f & PG_isolated) {
		*why = "already isolated";
		return -EBUSY;
	}
	if (f & PG_movable_ops) {
		if (isolate_movable_page(m, pfn)) {
			*why = "the driver refused isolation";
			return -EBUSY;
		}
		return 0;
	}
	if (f & PG_hugetlb) {
		if (!(f & PG_anon)) {
			*why = "free hugetlb pool page";
			return -EBUSY;
		}
		if (!get_page_unless_zero(m, p)) {
			*why = "being freed";
			return -EBUSY;
		}
		if (pflags_fetch_or(m, p, PG_isolated) & PG_isolated) {
			page_ref_add(m, p, -1);
			*why = "already isolated";
			return -EBUSY;
		}
		return 0;
	}
	if (!(f & PG_lru)) {
		*why = (f & PG_slab) ? "slab page" : (f & PG_pgtable) ? "page-table page"
			: "not on an LRU list";
		return -EBUSY;
	}
	if (!ctl->unevictable && (f & PG_unevictable)) {
		*why = "unevictable and vm.compact_unevictable_allowed = 0";
		return -EBUSY;
	}
	if (ctl->async && (f & PG_writeback)) {
		*why = "under writeback (async)";
		return -EBUSY;
	}
	if (ctl->nofs && !(f & PG_anon)) {
		*why = "page cache in a GFP_NOFS context";
		return -EBUSY;
	}
	if (isolate_lru_page(m, pfn)) {
		*why = "lost a race for the LRU";
		return -EBUSY;
	}
	/* claimed: the owner fields are stable now */
	kind = m->wops ? m->wops->owner_kind(m, pfn) : OWNER_NONE;
	if (kind == OWNER_NONE)
		*why = "page without a live owner";
	/* (6.1 compares page_count - 1 after taking its own reference) */
	else if (ctl->pinned_precheck && kind == OWNER_ANON &&
		 __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) - 1 >
		 __atomic_load_n(&p->mapcount, __ATOMIC_ACQUIRE))
		*why = "pinned (more references than mappings)";
	else if (ctl->async && (pflags(p) & PG_dirty) && kind == OWNER_FILE_NO_MIGRATE_FOLIO)
		*why = "dirty without ->migrate_folio (async)";
	if (*why) {
		putback_lru_page(m, ctl->cpu, pfn);
		return -EBUSY;
	}
	nid = pfn_zone(m, pfn)->nid;
	node_stat_mod(m, nid, kind == OWNER_FILE || kind == OWNER_FILE_NO_MIGRATE_FOLIO ?
		      NS_NR_ISOLATED_FILE : NS_NR_ISOLATED_ANON,
		      1L << page_order_of(m, pfn));
	return 0;
}

static void isolated_stat_sub(struct af_machine *m, int nid, bool file, unsigned int order)
{
	node_stat_mod(m, nid, file ? NS_NR_ISOLATED_FILE : NS_NR_ISOLATED_ANON, -(1L << order));
}

static void isolated_stat_dec(struct af_machine *m, unsigned long pfn)
{
	isolated_stat_sub(m, pfn_zone(m, pfn)->nid, page_is_file(m, pfn), page_order_of(m, pfn));
}

/* putback_movable_pages(): every page back where it came from */
void putback_movable_page(struct af_machine *m, int cpu, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	uint32_t f = pflags(p);

	if (f & PG_hugetlb) {
		pflags_fetch_and(m, p, ~PG_isolated);
		if (page_ref_add(m, p, -1) == 0)
			m->wops->free_page(m, cpu, pfn, HPAGE_PMD_ORDER);
		return;
	}
	if (f & PG_movable_ops) {
		while (!trylock_page(m, pfn))
			m->wops->wait_unlocked(m, pfn);
		m->wops->movable_putback(m, pfn);
		pflags_fetch_and(m, p, ~PG_isolated);
		unlock_page(m, pfn);
		page_ref_add(m, p, -1);
		return;
	}
	isolated_stat_dec(m, pfn);
	putback_lru_page(m, cpu, pfn);
}

static long alloc_migration_target(struct af_machine *m, unsigned long src, struct migrate_target *t)
{
	struct page *s = &m->pages[src];
	unsigned int order;
	struct zone *sz;
	int nid;
	af_gfp_t gfp = AF_GFP_USER | AF___GFP_MOVABLE | AF___GFP_RETRY_MAYFAIL;
	struct af_alloc_result r;

	if (t->get_new_page)
		return t->get_new_page(m, src, t->arg);
	order = page_order_of(m, src);
	sz = pfn_zone(m, src);
	nid = t->nid >= 0 ? t->nid : sz->nid;
	if (pflags(s) & PG_hugetlb)
		return m->wops->hugetlb_target(m, t->cpu, nid);
	if (order) {
		gfp &= ~AF___GFP_RECLAIM;
		gfp |= AF_GFP_TRANSHUGE;
	}
	if (sz->type >= ZONE_NORMAL)
		gfp |= AF___GFP_HIGHMEM;
	if (af_alloc_pages(m, t->cpu, gfp | AF___GFP_THISNODE, order, nid, &r))
		return -1;
	return (long)r.pfn;
}

/* put_new_page: an unused target goes back */
static void put_new_page(struct af_machine *m, unsigned long dst, unsigned int order, bool hugetlb,
			 struct migrate_target *t)
{
	if (t->put_new_page) {
		t->put_new_page(m, dst, t->arg);
		return;
	}
	if (hugetlb) {
		m->wops->hugetlb_free(m, t->cpu, dst);
		return;
	}
	m->pages[dst].owner = 0;
	__atomic_store_n(&m->pages[dst].refcount, 1, __ATOMIC_RELAXED);
	pflags_fetch_and(m, &m->pages[dst], ~(PG_anon | PG_swapbacked | PG_active | PG_unevictable |
					   PG_mlocked | PG_dirty | PG_movable_ops | PG_locked));
	af_free_pages(m, t->cpu, dst, order);
}

/* The old page after a successful move: give it back to the allocator */
static void free_old_page(struct af_machine *m, int cpu, struct zone *sz, unsigned long src,
			  unsigned int order, bool hugetlb)
{
	struct page *s = &m->pages[src];

	if (hugetlb) {
		pflags_fetch_and(m, s, ~PG_hugetlb);
		s->owner = 0;
		m->wops->hugetlb_free(m, cpu, src);
		return;
	}
	s->owner = 0;
	s->index = 0;
	s->mapcount = 0;
	__atomic_store_n(&s->refcount, 0, __ATOMIC_RELAXED);
	pflags_fetch_and(m, s, ~(PG_isolated | PG_locked | PG_movable_ops | PG_lru));
	free_pages_final(m, sz, cpu, src, order);
}

/*
 * One attempt at one page: migrate_folio_unmap() then migrate_folio_move().
 * Returns MIGRATEPAGE_SUCCESS, -EAGAIN (retry later) or a final error.
 */
static int unmap_and_move(struct af_machine *m, struct mpage *mp, bool force,
			  enum af_migrate_mode mode, struct migrate_target *t)
{
	unsigned long src = mp->pfn;
	struct page *s = &m->pages[src];
	bool is_lru = !(pflags(s) & PG_movable_ops);
	bool was_mapped = false;
	int remapped = 0;
	struct unmap_arg ua;	/* rec[] is filled as entries are found: no zeroing */
	struct zone *sz = pfn_zone(m, src), *dz;
	long dst;
	int rc;

	ua.pfn = src;
	ua.done = 0;
	/* its owner let go meanwhile: only our isolation reference is left */
	if (__atomic_load_n(&s->refcount, __ATOMIC_ACQUIRE) == 1 && is_lru &&
	    __atomic_load_n(&s->mapcount, __ATOMIC_ACQUIRE) == 0 && !page_is_file(m, src)) {
		if (!mp->hugetlb)
			isolated_stat_sub(m, sz->nid, mp->was_file, mp->order);
		pflags_fetch_and(m, s, ~PG_isolated);
		__atomic_store_n(&s->refcount, 0, __ATOMIC_RELAXED);
		m->wops->free_page(m, t->cpu, src, mp->order);
		return MIGRATEPAGE_SUCCESS;
	}
	dst = alloc_migration_target(m, src, t);
	if (dst < 0)
		return -ENOMEM;
	dz = pfn_zone(m, (unsigned long)dst);

	m->wops->poll_holds(m, src);
	if (!trylock_page(m, src)) {
		if (!force || mode == AF_MIGRATE_ASYNC) {
			rc = -EAGAIN;
			goto out_put;
		}
		do
			m->wops->wait_unlocked(m, src);
		while (!trylock_page(m, src));
	}
	if (pflags(s) & PG_writeback) {
		if (mode != AF_MIGRATE_SYNC) {
			rc = -EBUSY;
			goto out_unlock;
		}
		if (!force) {
			rc = -EAGAIN;
			goto out_unlock;
		}
		m->wops->wait_writeback(m, src);
	}
	trylock_page(m, (unsigned long)dst);	/* a fresh page: never contended */
	if (is_lru && __atomic_load_n(&s->mapcount, __ATOMIC_ACQUIRE) > 0) {
		m->wops->try_to_migrate(m, src, &ua);
		was_mapped = true;
		if (__atomic_load_n(&s->mapcount, __ATOMIC_ACQUIRE) > 0) {
			m->wops->remove_migration_ptes(m, &ua, src, src);
			rc = -EAGAIN;
			goto out_unlock_both;
		}
	}
	rc = m->wops->move_to_new_page(m, (unsigned long)dst, src, mode, sz, dz);
	/* folio_add_lru(); a hugetlb page is on no LRU (unmap_and_move_huge_page) */
	if (rc == MIGRATEPAGE_SUCCESS && is_lru && !mp->hugetlb)
		lru_add_to(m, dz, (unsigned long)dst);
	if (was_mapped)
		remapped = m->wops->remove_migration_ptes(m, &ua, src,
							  rc == MIGRATEPAGE_SUCCESS ? (unsigned long)dst : src);
out_unlock_both:
	unlock_page(m, (unsigned long)dst);
out_unlock:
	unlock_page(m, src);
	if (rc == MIGRATEPAGE_SUCCESS) {
		/* migrate_folio_done(): the old page goes */
		if (is_lru && !mp->hugetlb)
			isolated_stat_sub(m, sz->nid, mp->was_file, mp->order);
		free_old_page(m, t->cpu, sz, src, mp->order, mp->hugetlb);
		/* nobody mapped it any more: free the new page too (once it is
		 * remapped, its mappings own it and the last to go frees it) */
		if (is_lru && !remapped && __atomic_load_n(&m->pages[dst].refcount, __ATOMIC_ACQUIRE) == 0) {
			__atomic_store_n(&m->pages[dst].refcount, 1, __ATOMIC_RELAXED);
			page_ref_add(m, &m->pages[dst], -1);
			m->wops->free_page(m, t->cpu, (unsigned long)dst, mp->order);
		}
		return rc;
	}
out_put:
	put_new_page(m, (unsigned long)dst, mp->order, mp->hugetlb, t);
	return rc;
}

/*
 * migrate_pages(): hugetlb pages first, then the rest, each in up to 10
 * passes; from the fourth pass on (force) SYNC_LIGHT and SYNC wait for the
 * page lock, and SYNC also waits for writeback (SYNC_LIGHT and ASYNC fail
 * a page under writeback with -EBUSY).  -EAGAIN keeps a page for the next
 * pass; other errors are final; -ENOMEM stops everything.  Returns the
 * number of pages not migrated or -ENOMEM.  Pages not migrated keep
 * result != 0.
 */
int migrate_pages_list(struct af_machine *m, struct mpage *pages, int n, enum af_migrate_mode mode,
		       enum af_migrate_reason reason, struct migrate_target *t,
		       struct af_migrate_stats *st)
{
	unsigned nr_succeeded = 0, nr_failed_pages = 0, thp_ok = 0, thp_failed = 0;
	int nr_failed = 0, rc_final = 0;

	if (trace_on(m))
		trace_mm_migrate_pages_start(m, t->cpu, (int)mode, (int)reason);
	for (int huge = 1; huge >= 0 && rc_final >= 0; huge--) {
		int retry = 1, nr_retry_pages = 0;

		for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
			retry = 0;
			nr_retry_pages = 0;
			for (int i = 0; i < n; i++) {
				struct mpage *mp = &pages[i];
				int rc;

				if (mp->result != 1 || mp->hugetlb != (bool)huge)
					continue;
				/* the next page's page cache slot, while this one moves */
				if (m->wops->prefetch && i + 1 < n && pages[i + 1].result == 1)
					m->wops->prefetch(m, pages[i + 1].pfn, true);
				rc = unmap_and_move(m, mp, pass > 2, mode, t);
				bool thp = !mp->hugetlb && mp->order;
				switch (rc) {
				case -EAGAIN:
					retry++;
					nr_retry_pages += 1 << mp->order;
					break;
				case MIGRATEPAGE_SUCCESS:
					mp->result = 0;
					nr_succeeded += 1u << mp->order;
					thp_ok += thp;
					break;
				case -ENOMEM:
					mp->result = -ENOMEM;
					nr_failed++;
					thp_failed += thp;
					nr_failed_pages += (1u << mp->order) + (unsigned)nr_retry_pages;
					rc_final = -ENOMEM;
					goto out;
				default:
					mp->result = rc;
					nr_failed++;
					thp_failed += thp;
					nr_failed_pages += 1u << mp->order;
					break;
				}
			}
		}
		/* still -EAGAIN after every pass: failed */
		for (int i = 0; i < n; i++)
			if (pages[i].result == 1 && pages[i].hugetlb == (bool)huge) {
				pages[i].result = -EAGAIN;
				thp_failed += !pages[i].hugetlb && pages[i].order;
			}
		nr_failed += retry;
		nr_failed_pages += (unsigned)nr_retry_pages;
	}
out:
	__atomic_fetch_add(&m->events[PGMIGRATE_SUCCESS], nr_succeeded, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[PGMIGRATE_FAIL], nr_failed_pages, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[THP_MIGRATION_SUCCESS], thp_ok, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->events[THP_MIGRATION_FAIL], thp_failed, __ATOMIC_RELAXED);
	if (trace_on(m))
		trace_mm_migrate_pages(m, t->cpu, nr_succeeded, nr_failed_pages, thp_ok, thp_failed, 0,
				       (int)mode, (int)reason);
	if (st) {
		st->nr_succeeded += nr_succeeded;
		st->nr_failed_pages += nr_failed_pages;
		st->nr_thp_succeeded += thp_ok;
		st->nr_thp_failed += thp_failed;
	}
	if (rc_final < 0)
		return rc_final;
	return nr_failed;
}

static bool valid_mode(enum af_migrate_mode mode, enum af_migrate_reason reason)
{
	return (unsigned)mode <= AF_MIGRATE_SYNC && (unsigned)reason <= AF_MR_DEMOTION;
}

int af_migrate_pfns(struct af_machine *m, const uint64_t *pfns, int n, enum af_migrate_mode mode,
		    enum af_migrate_reason reason, int nid, int *results, struct af_migrate_stats *st)
{
	struct isolate_ctl ctl = { .unevictable = true, .cpu = API_CPU };
	struct af_migrate_stats dummy;
	struct migrate_target t = { .nid = nid, .cpu = API_CPU };
	struct mpage *mp;
	int isolated = 0, ret, not_moved = 0;

	if (!m || !m->wops || (!pfns && n) || n < 0)
		return af_err(-EINVAL, "bad arguments");
	if (!valid_mode(mode, reason))
		return af_err(-EINVAL, "bad migrate mode %d or reason %d", mode, reason);
	if (nid < -1 || nid >= m->nr_nodes)
		return af_err(-EINVAL, "node %d does not exist", nid);
	for (int i = 0; i < n; i++) {
		if (pfns[i] >= m->max_pfn || !pfn_zone(m, (unsigned long)pfns[i]))
			return af_err(-EINVAL, "pfn 0x%llx is not in any zone", (unsigned long long)pfns[i]);
		for (int j = 0; j < i; j++)
			if (pfns[j] == pfns[i])
				return af_err(-EINVAL, "pfn 0x%llx is listed twice", (unsigned long long)pfns[i]);
	}
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	mp = calloc((size_t)n + 1, sizeof(*mp));
	if (!mp)
		return af_err(-ENOMEM, "out of memory");
	if (reason == AF_MR_COMPACTION) {
		ctl.unevictable = VM_SYSCTL(m, compact_unevictable_allowed);
		ctl.async = mode == AF_MIGRATE_ASYNC;
		ctl.pinned_precheck = true;
	}
	owners_read_lock(m);
	for (int i = 0; i < n; i++) {
		unsigned long pfn = (unsigned long)pfns[i];
		const char *why;

		if (isolate_for_migration(m, pfn, &ctl, &why)) {
			if (results)
				results[i] = -EBUSY;
			st->nr_isolate_failed++;
			not_moved++;
			continue;
		}
		mp[isolated++] = (struct mpage){ pfn, 1, page_is_file(m, pfn),
			(pflags(&m->pages[pfn]) & PG_hugetlb) != 0, page_order_of(m, pfn) };
		if (results)
			results[i] = 1;
	}
	ret = migrate_pages_list(m, mp, isolated, mode, reason, &t, st);
	for (int k = 0; k < isolated; k++) {
		if (mp[k].result)
			putback_movable_page(m, API_CPU, mp[k].pfn);	/* putback_movable_pages() */
		if (mp[k].result == 1)
			mp[k].result = -EAGAIN;	/* never tried after -ENOMEM */
		if (results)
			for (int i = 0; i < n; i++)
				if (pfns[i] == mp[k].pfn)
					results[i] = mp[k].result;
		not_moved += mp[k].result != 0;
	}
	owners_read_unlock(m);
	free(mp);
	(void)ret;
	return not_moved;
}
