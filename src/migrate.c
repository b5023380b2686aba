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

#define MIGRATEPAGE_SUCCESS	0
#define MIGRATEPAGE_UNMAP	1
#define NR_MAX_MIGRATE_PAGES_RETRY 10

unsigned int page_order_of(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	return (pflags(p) & PG_head) ? p->order : 0;
}

bool page_is_file(struct af_machine *m, unsigned long pfn)
{
	struct owner *o = owner_of(m, &m->pages[pfn]);
	return o && o->type == OWN_FILE;
}

/* ---- isolation ---- */

/*
 * isolate_movable_page(): a non-LRU movable page, through its owner's
 * isolate_page; -EBUSY if not movable, locked, already isolated or refused.
 */
int isolate_movable_page(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	struct owner *o = owner_of(m, p);
	struct driver *d;

	if (!(pflags(p) & PG_movable_ops) || !o || o->type != OWN_DRIVER)
		return -EBUSY;
	d = m->world->drivers[o->obj];
	if (!get_page_unless_zero(m, p))
		return -EBUSY;
	if (!trylock_page(m, pfn))
		goto out_put;
	if (pflags(p) & PG_isolated)
		goto out_unlock;
	if (!d->ops.isolate_page(m, pfn, d->arg))
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
	struct owner *o;
	int nid;

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
	o = owner_of(m, p);
	if (!o || o->dead)
		*why = "page without a live owner";
	/* (6.1 compares page_count - 1 after taking its own reference) */
	else if (ctl->pinned_precheck && o->type == OWN_ANON &&
		 __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) - 1 >
		 __atomic_load_n(&p->mapcount, __ATOMIC_ACQUIRE))
		*why = "pinned (more references than mappings)";
	else if (ctl->async && (pflags(p) & PG_dirty) && o->type == OWN_FILE &&
		 m->world->files[o->obj]->fallback_aops)
		*why = "dirty without ->migrate_folio (async)";
	if (*why) {
		putback_lru_page(m, ctl->cpu, pfn);
		return -EBUSY;
	}
	nid = pfn_zone(m, pfn)->nid;
	node_stat_mod(m, nid, o->type == OWN_FILE ? NS_NR_ISOLATED_FILE : NS_NR_ISOLATED_ANON,
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
			free_owned_page(m, cpu, pfn, HPAGE_PMD_ORDER);
		return;
	}
	if (f & PG_movable_ops) {
		struct owner *o = owner_of(m, p);
		while (!trylock_page(m, pfn))
			wait_page_unlocked(m, pfn);
		if (o && o->type == OWN_DRIVER) {
			struct driver *d = m->world->drivers[o->obj];
			d->ops.putback_page(m, pfn, d->arg);
		}
		pflags_fetch_and(m, p, ~PG_isolated);
		unlock_page(m, pfn);
		page_ref_add(m, p, -1);
		return;
	}
	isolated_stat_dec(m, pfn);
	putback_lru_page(m, cpu, pfn);
}

/* ---- unmap / remap ---- */

/*
 * The entries try_to_migrate() turned into migration entries, so that
 * remove_migration_ptes() can revisit exactly those instead of walking the
 * rmap again.  Page tables cannot change in between: that needs the world
 * write lock, and migration holds the read lock (deterministic mode: one
 * thread).  A page mapped more often than this falls back to the walk.
 */
#define UNMAP_RECORD 8
struct migration_entry {
	uint64_t *e;
	pthread_mutex_t *ptl;
	struct mm *mm;
	uint64_t vpn;
};
struct unmap_arg {
	unsigned long pfn;
	int done;
	struct migration_entry rec[UNMAP_RECORD];
};

/* try_to_migrate_one(): replace a present entry with a migration entry */
static void unmap_one(struct af_machine *m, uint64_t *e, pthread_mutex_t *ptl, struct mm *mm,
		      uint64_t vpn, void *arg)
{
	struct unmap_arg *a = arg;
	struct page *p = &m->pages[a->pfn];
	(void)ptl; (void)mm; (void)vpn;

	if (!(*e & PTE_PRESENT))
		return;
	__atomic_store_n(e, (*e & ~PTE_PRESENT) | PTE_MIGRATION, __ATOMIC_RELEASE);
	if (page_mapcount_add(m, p, -1) == 0 &&
	    !(pflags(p) & (PG_anon | PG_hugetlb)))
		page_stat_mod(m, a->pfn, NS_NR_MAPPED, -1);	/* page_remove_rmap() */
	page_ref_add(m, p, -1);
	if (a->done < UNMAP_RECORD)
		a->rec[a->done] = (struct migration_entry){ e, ptl, mm, vpn };
	a->done++;
}

struct remap_arg { unsigned long old, new; int done; };

/* remove_migration_pte(): point a migration entry at the (new or old) page */
static void remap_one(struct af_machine *m, uint64_t *e, pthread_mutex_t *ptl, struct mm *mm,
		      uint64_t vpn, void *arg)
{
	struct remap_arg *a = arg;
	struct page *np = &m->pages[a->new];
	(void)ptl; (void)mm; (void)vpn;

	if (!(*e & PTE_MIGRATION))
		return;
	uint64_t v = (*e & ~(PTE_MIGRATION | (PTE_PFN_MASK << PTE_PFN_SHIFT))) | PTE_PRESENT |
		     ((uint64_t)a->new << PTE_PFN_SHIFT);
	if (page_mapcount_add(m, np, 1) == 1 &&
	    !(pflags(np) & (PG_anon | PG_hugetlb)))
		page_stat_mod(m, a->new, NS_NR_MAPPED, 1);	/* page_add_file_rmap() */
	page_ref_add(m, np, 1);
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
	a->done++;
}

/*
 * remove_migration_ptes(): the migration entries of `old` now map `new`.
 * The entries recorded at unmap time are revisited directly; otherwise an
 * rmap walk finds them (the old page still names its owner).
 */
static int remove_migration_ptes(struct af_machine *m, const struct unmap_arg *u,
				 unsigned long old, unsigned long new)
{
	struct remap_arg a = { old, new, 0 };

	if (u->done > UNMAP_RECORD) {
		rmap_walk(m, old, remap_one, &a);
		return a.done;
	}
	for (int i = 0; i < u->done; i++) {
		const struct migration_entry *r = &u->rec[i];

		wlock(m, r->ptl);
		if ((*r->e & PTE_MIGRATION) && pte_pfn(*r->e) == old)
			remap_one(m, r->e, r->ptl, r->mm, r->vpn, &a);
		wunlock(m, r->ptl);
	}
	return a.done;
}

/* ---- moving one page ---- */

/* folio_migrate_flags() and the owner's data: dst takes src's identity */
static void migrate_identity(struct af_machine *m, unsigned long dst, unsigned long src,
			     struct zone *sz, struct zone *dz)
{
	struct page *s = &m->pages[src], *d = &m->pages[dst];
	uint32_t keep = PG_anon | PG_swapbacked | PG_active | PG_unevictable | PG_mlocked |
			PG_dirty | PG_hugetlb;
	uint32_t f = pflags(s) & keep;
	unsigned int order = page_order_of(m, src);
	long nr = 1L << order;

	d->owner = s->owner;
	d->index = s->index;
	d->alloc_mt = s->alloc_mt;	/* folio_copy_owner() */
	pflags_fetch_or(m, d, f);
	/* counters follow the page to its new node and zone */
	if (sz != dz) {
		if (f & PG_hugetlb)
			;
		else if (f & PG_anon) {
			node_stat_mod(m, sz->nid, NS_NR_ANON_PAGES, -nr);
			node_stat_mod(m, dz->nid, NS_NR_ANON_PAGES, nr);
			if (order) {
				node_stat_mod(m, sz->nid, NS_NR_ANON_TRANSPARENT_HUGEPAGES, -nr);
				node_stat_mod(m, dz->nid, NS_NR_ANON_TRANSPARENT_HUGEPAGES, nr);
			}
		} else {
			node_stat_mod(m, sz->nid, NS_NR_FILE_PAGES, -nr);
			node_stat_mod(m, dz->nid, NS_NR_FILE_PAGES, nr);
		}
		if (f & PG_dirty) {
			node_stat_mod(m, sz->nid, NS_NR_DIRTY, -nr);
			node_stat_mod(m, dz->nid, NS_NR_DIRTY, nr);
			zone_stat_mod(sz, NR_ZONE_WRITE_PENDING, -nr);
			zone_stat_mod(dz, NR_ZONE_WRITE_PENDING, nr);
		}
		if (f & PG_mlocked) {
			zone_stat_mod(sz, NR_MLOCK, -nr);
			zone_stat_mod(dz, NR_MLOCK, nr);
		}
	}
	/* the source keeps nothing of its owner's data */
	pflags_fetch_and(m, s, ~keep);
	contents_copy(m, dst, src, order);
}

/*
 * move_to_new_folio(): per owner kind.  Anonymous: the reference count must
 * be exactly the isolation reference (folio_migrate_mapping with no
 * mapping), else -EAGAIN (pinned).  Page cache: isolation + cache reference,
 * the page cache entry is replaced under the file lock; a dirty page of a
 * filesystem without ->migrate_folio needs writeout first
 * (fallback_migrate_folio).  Non-LRU movable: the driver's migrate_page.
 */
static int move_to_new_page(struct af_machine *m, unsigned long dst, unsigned long src,
			    enum af_migrate_mode mode, struct zone *sz, struct zone *dz)
{
	struct page *s = &m->pages[src];
	struct owner *o = owner_of(m, s);
	struct world *w = m->world;

	if (!o)
		return -EAGAIN;
	if (pflags(s) & PG_movable_ops) {
		struct driver *d = w->drivers[o->obj];
		int rc;

		if (o->dead) {	/* no longer movable: nothing to move */
			pflags_fetch_and(m, s, ~PG_isolated);
			return MIGRATEPAGE_SUCCESS;
		}
		rc = d->ops.migrate_page(m, dst, src, mode, d->arg);
		if (rc)
			return rc;
		m->pages[dst].owner = s->owner;
		m->pages[dst].index = s->index;
		d->pfns[s->index] = (uint32_t)dst;
		pflags_fetch_or(m, &m->pages[dst], PG_movable_ops);
		pflags_fetch_and(m, s, ~(PG_isolated | PG_movable_ops));
		return MIGRATEPAGE_SUCCESS;
	}
	if (o->type == OWN_FILE) {
		struct file *f = w->files[o->obj];
		int rc = MIGRATEPAGE_SUCCESS;

		if (f->fallback_aops && (pflags(s) & PG_dirty)) {
			if (mode != AF_MIGRATE_SYNC)
				return -EBUSY;
			/* writeout(): start writeback; a later pass waits for it */
			start_writeback(m, src, w->io_ns);
			return -EAGAIN;
		}
		wlock(m, &f->lock);
		/* expected: isolation + page cache references */
		if (__atomic_load_n(&s->refcount, __ATOMIC_ACQUIRE) != 2 ||
		    f->pages[s->index].pfn != src) {
			rc = -EAGAIN;
		} else {
			migrate_identity(m, dst, src, sz, dz);
			f->pages[m->pages[dst].index].pfn = (uint32_t)dst;
			m->pages[dst].refcount = 1;		/* the page cache's */
			s->refcount = 1;			/* isolation only */
		}
		wunlock(m, &f->lock);
		return rc;
	}
	/* anonymous (and hugetlb): folio_migrate_mapping(NULL, ...) */
	if (__atomic_load_n(&s->refcount, __ATOMIC_ACQUIRE) != 1)
		return -EAGAIN;
	migrate_identity(m, dst, src, sz, dz);
	m->pages[dst].refcount = 0;	/* mappings add theirs on remap */
	return MIGRATEPAGE_SUCCESS;
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
		return hugetlb_alloc_target(m, t->cpu, nid);
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
		hugetlb_free_page(m, t->cpu, dst);
		return;
	}
	m->pages[dst].owner = 0;
	m->pages[dst].refcount = 1;
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
		hugetlb_free_page(m, cpu, src);
		return;
	}
	s->owner = 0;
	s->index = 0;
	s->mapcount = 0;
	s->refcount = 0;
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
		s->refcount = 0;
		free_owned_page(m, t->cpu, src, mp->order);
		return MIGRATEPAGE_SUCCESS;
	}
	dst = alloc_migration_target(m, src, t);
	if (dst < 0)
		return -ENOMEM;
	dz = pfn_zone(m, (unsigned long)dst);

	world_poll_holds(m, src);
	if (!trylock_page(m, src)) {
		if (!force || mode == AF_MIGRATE_ASYNC) {
			rc = -EAGAIN;
			goto out_put;
		}
		do
			wait_page_unlocked(m, src);
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
		wait_page_writeback(m, src);
	}
	trylock_page(m, (unsigned long)dst);	/* a fresh page: never contended */
	if (is_lru && __atomic_load_n(&s->mapcount, __ATOMIC_ACQUIRE) > 0) {
		rmap_walk(m, src, unmap_one, &ua);	/* try_to_migrate() */
		was_mapped = true;
		if (__atomic_load_n(&s->mapcount, __ATOMIC_ACQUIRE) > 0) {
			remove_migration_ptes(m, &ua, src, src);
			rc = -EAGAIN;
			goto out_unlock_both;
		}
	}
	rc = move_to_new_page(m, (unsigned long)dst, src, mode, sz, dz);
	if (rc == MIGRATEPAGE_SUCCESS && is_lru)
		lru_add_to(m, dz, (unsigned long)dst);	/* folio_add_lru() */
	if (was_mapped)
		remove_migration_ptes(m, &ua, src, rc == MIGRATEPAGE_SUCCESS ? (unsigned long)dst : src);
out_unlock_both:
	unlock_page(m, (unsigned long)dst);
out_unlock:
	unlock_page(m, src);
	if (rc == MIGRATEPAGE_SUCCESS) {
		/* migrate_folio_done(): the old page goes */
		if (is_lru && !mp->hugetlb)
			isolated_stat_sub(m, sz->nid, mp->was_file, mp->order);
		free_old_page(m, t->cpu, sz, src, mp->order, mp->hugetlb);
		if (is_lru && m->pages[dst].refcount == 0) {
			/* nobody mapped it any more: free the new page too */
			m->pages[dst].refcount = 1;
			page_ref_add(m, &m->pages[dst], -1);
			free_owned_page(m, t->cpu, (unsigned long)dst, mp->order);
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

	if (!m || !m->world || (!pfns && n) || n < 0)
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
		ctl.unevictable = m->vm.compact_unevictable_allowed;
		ctl.async = mode == AF_MIGRATE_ASYNC;
		ctl.pinned_precheck = true;
	}
	rd_lock(m);
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
	rd_unlock(m);
	free(mp);
	(void)ret;
	return not_moved;
}
