/*
 * rmap.c - the owners' side of page migration (mm/rmap.c: try_to_migrate,
 * remove_migration_ptes; mm/migrate.c: folio_migrate_mapping,
 * folio_migrate_flags, move_to_new_folio with the address_space and
 * movable_operations of each owner).  The mechanism in migrate.c reaches
 * these through struct world_ops, so the kernel model never reads the
 * world's structures.
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

/* try_to_migrate(): every mapping of the page becomes a migration entry */
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
int world_remove_migration_ptes(struct af_machine *m, const struct unmap_arg *u,
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
			remap_one(m, r->e, r->ptl, (struct mm *)r->mm, r->vpn, &a);
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
int world_move_to_new_page(struct af_machine *m, unsigned long dst, unsigned long src,
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
		struct file *f = w->files[o->obj];	/* for its lock only */
		int rc = MIGRATEPAGE_SUCCESS;

		if (o->fallback_aops && (pflags(s) & PG_dirty)) {
			if (mode != AF_MIGRATE_SYNC)
				return -EBUSY;
			/* writeout(): start writeback; a later pass waits for it */
			start_writeback(m, src, w->io_ns);
			return -EAGAIN;
		}
		wlock(m, &f->lock);
		/* expected: isolation + page cache references */
		if (__atomic_load_n(&s->refcount, __ATOMIC_ACQUIRE) != 2 ||
		    o->pc[s->index].pfn != src) {
			rc = -EAGAIN;
		} else {
			migrate_identity(m, dst, src, sz, dz);
			o->pc[m->pages[dst].index].pfn = (uint32_t)dst;
			__atomic_store_n(&m->pages[dst].refcount, 1, __ATOMIC_RELAXED);		/* the page cache's */
			__atomic_store_n(&s->refcount, 1, __ATOMIC_RELAXED);			/* isolation only */
		}
		wunlock(m, &f->lock);
		return rc;
	}
	/* anonymous (and hugetlb): folio_migrate_mapping(NULL, ...) */
	if (__atomic_load_n(&s->refcount, __ATOMIC_ACQUIRE) != 1)
		return -EAGAIN;
	migrate_identity(m, dst, src, sz, dz);
	__atomic_store_n(&m->pages[dst].refcount, 0, __ATOMIC_RELAXED);	/* mappings add theirs on remap */
	return MIGRATEPAGE_SUCCESS;
}

void world_try_to_migrate(struct af_machine *m, unsigned long pfn, struct unmap_arg *ua)
{
	rmap_walk(m, pfn, unmap_one, ua);
}

/* Who owns the page, as migration needs to know (enum owner_kind) */
int world_owner_kind(struct af_machine *m, unsigned long pfn)
{
	struct owner *o = owner_of(m, &m->pages[pfn]);

	if (!o || o->dead)
		return OWNER_NONE;
	switch (o->type) {
	case OWN_ANON:
		return OWNER_ANON;
	case OWN_FILE:
		return o->fallback_aops ? OWNER_FILE_NO_MIGRATE_FOLIO : OWNER_FILE;
	case OWN_DRIVER:
		return OWNER_DRIVER;
	default:
		return OWNER_OTHER;
	}
}

/* movable_operations->isolate_page of the page's driver */
bool world_movable_isolate(struct af_machine *m, unsigned long pfn)
{
	struct owner *o = owner_of(m, &m->pages[pfn]);
	struct driver *d;

	if (!o || o->type != OWN_DRIVER)
		return false;
	d = m->world->drivers[o->obj];
	return d->ops.isolate_page(m, pfn, d->arg);
}

/* movable_operations->putback_page of the page's driver (page locked) */
void world_movable_putback(struct af_machine *m, unsigned long pfn)
{
	struct owner *o = owner_of(m, &m->pages[pfn]);

	if (o && o->type == OWN_DRIVER) {
		struct driver *d = m->world->drivers[o->obj];
		d->ops.putback_page(m, pfn, d->arg);
	}
}
