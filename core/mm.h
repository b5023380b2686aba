/*
 * mm.h - the kernel model's page state that owners build on: the page
 * flags of LRU, page cache and mappings, atomic page counts, the LRU lists
 * (lru.c) and page migration (migrate.c).  The world (world.h) includes
 * it; it includes nothing of the world.
 */
#ifndef AF_MM_H
#define AF_MM_H

#include "internal.h"

/* Page flags beyond enum pageflags: LRU, page cache, mapping and owner state */
#define PG_active	(1u << 10)
#define PG_unevictable	(1u << 11)
#define PG_mlocked	(1u << 12)
#define PG_dirty	(1u << 13)
#define PG_writeback	PG_WRITEBACK_BIT	/* mirrored for the scanners (page_mirror) */
#define PG_isolated	(1u << 15)
#define PG_anon		(1u << 16)
#define PG_slab		(1u << 17)
#define PG_pgtable	(1u << 18)
#define PG_hugetlb	(1u << 19)
#define PG_swapbacked	(1u << 20)
#define PG_reclaim	(1u << 23)	/* written back by reclaim: rotated when it ends */

/* Locks that are real only in threaded mode (deterministic mode is one thread) */
/* The world's structural lock, read side, where the machine has a world
 * and threads (world_ops) */
static inline void owners_read_lock(struct af_machine *m)
{
	if (m->threaded && m->wops)
		m->wops->read_lock(m);
}
static inline void owners_read_unlock(struct af_machine *m)
{
	if (m->threaded && m->wops)
		m->wops->read_unlock(m);
}
#define wlock(m, mu) do { if ((m)->threaded) pthread_mutex_lock(mu); } while (0)
#define wunlock(m, mu) do { if ((m)->threaded) pthread_mutex_unlock(mu); } while (0)

/* Atomic read-modify-write of flags that several threads may change. */
static inline uint32_t pflags_fetch_or(const struct af_machine *m, struct page *p, uint32_t f)
{
	uint32_t old = rmw_or32(m->threaded, &p->flags, f);

	page_mirror(m, p, f, old, old | f);
	return old;
}
static inline uint32_t pflags_fetch_and(const struct af_machine *m, struct page *p, uint32_t f)
{
	uint32_t old = rmw_and32(m->threaded, &p->flags, f);

	page_mirror(m, p, ~f, old, old & f);
	return old;
}
/* mod_node_page_state() */
static inline void node_stat_mod(struct af_machine *m, int nid, int item, long d)
{
	rmw_add_long(m->threaded, &m->node[nid]->vm_stat[item], d);
}
/* node_page_state(): read racily, as the kernel does */
static inline long node_stat_read(const struct af_machine *m, int nid, int item)
{
	return __atomic_load_n(&m->node[nid]->vm_stat[item], __ATOMIC_RELAXED);
}
/* page_ref_add() / atomic_add_return on _mapcount: the new count */
static inline int32_t page_ref_add(const struct af_machine *m, struct page *p, int32_t d)
{
	return rmw_add32(m->threaded, &p->refcount, d);
}
static inline int32_t page_mapcount_add(const struct af_machine *m, struct page *p, int32_t d)
{
	return rmw_add32(m->threaded, &p->mapcount, d);
}

/* in lru.c */
enum lru_list folio_lru_list(uint32_t flags);
void lru_add(struct af_machine *m, unsigned long pfn);
void lru_add_to(struct af_machine *m, struct zone *z, unsigned long pfn);
void lru_del(struct af_machine *m, unsigned long pfn);
void lru_rotate_reclaimable(struct af_machine *m, unsigned long pfn);
int isolate_lru_page(struct af_machine *m, unsigned long pfn);
bool get_page_unless_zero(const struct af_machine *m, struct page *p);
void putback_lru_page(struct af_machine *m, int cpu, unsigned long pfn);
bool too_many_isolated(struct af_machine *m, int nid);
void page_stat_mod(struct af_machine *m, unsigned long pfn, int item, long d);
void page_zone_stat_mod(struct af_machine *m, unsigned long pfn, enum zone_stat_item i, long d);

/* in migrate.c */
struct mpage {
	unsigned long pfn;
	int result;		/* 1 = pending */
	bool was_file, hugetlb;
	unsigned int order;
};
struct migrate_target {
	int nid;
	int cpu;		/* the CPU migration runs on: targets come from, old pages go to, its pcp */
	long (*get_new_page)(struct af_machine *m, unsigned long src, void *arg);
	void (*put_new_page)(struct af_machine *m, unsigned long dst, void *arg);
	void *arg;
};
struct isolate_ctl {
	bool unevictable;	/* ISOLATE_UNEVICTABLE */
	bool async;		/* ISOLATE_ASYNC_MIGRATE: skip writeback / dirty w/o migrate_folio */
	bool pinned_precheck;	/* compaction's racy "more refs than mappings" check */
	bool nofs;		/* !__GFP_FS: anonymous pages only */
	int cpu;		/* the CPU isolating: a refused page's putback frees there */
};
/* the order of a compound page's head (0 otherwise); whether its owner is a file */
unsigned int page_order_of(struct af_machine *m, unsigned long pfn);
bool page_is_file(struct af_machine *m, unsigned long pfn);
int migrate_pages_list(struct af_machine *m, struct mpage *pages, int n, enum af_migrate_mode mode,
		       enum af_migrate_reason reason, struct migrate_target *t,
		       struct af_migrate_stats *st);
int isolate_movable_page(struct af_machine *m, unsigned long pfn);
int isolate_for_migration(struct af_machine *m, unsigned long pfn, const struct isolate_ctl *ctl,
			  const char **why);
void putback_movable_page(struct af_machine *m, int cpu, unsigned long pfn);

#endif /* AF_MM_H */
