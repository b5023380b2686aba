/*
 * lru.c - per-node LRU lists and isolation (include/linux/mm_inline.h:
 * lruvec_add_folio, lruvec_del_folio; mm/vmscan.c: folio_isolate_lru,
 * folio_putback_lru; mm/compaction.c: too_many_isolated), and the node
 * counters they move.
 * Simplification: 6.1 adds new pages to the LRU through per-CPU folio
 * batches (folio_add_lru in mm/swap.c, flushed by lru_add_drain); here a
 * page goes on its list at once, so there is nothing for lru_add_drain to
 * flush.
 */
#include "mm.h"

/* folio_lru_list(): which list the page's flags put it on */
enum lru_list folio_lru_list(uint32_t flags)
{
	if (flags & PG_unevictable)
		return LRU_UNEVICTABLE;
	if (flags & PG_swapbacked)
		return (flags & PG_active) ? LRU_ACTIVE_ANON : LRU_INACTIVE_ANON;
	return (flags & PG_active) ? LRU_ACTIVE_FILE : LRU_INACTIVE_FILE;
}

void page_stat_mod(struct af_machine *m, unsigned long pfn, int item, long d)
{
	node_stat_mod(m, pfn_zone(m, pfn)->nid, item, d);
}

void page_zone_stat_mod(struct af_machine *m, unsigned long pfn, enum zone_stat_item i, long d)
{
	zone_stat_mod(pfn_zone(m, pfn), i, d);
}

static unsigned long nr_pages_of(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	return (pflags(p) & PG_head) ? 1UL << p->order : 1UL;
}

static void lru_stat(struct af_machine *m, struct zone *z, enum lru_list l, long nr)
{
	static const int node_item[NR_LRU_LISTS] = { NS_NR_INACTIVE_ANON, NS_NR_ACTIVE_ANON,
		NS_NR_INACTIVE_FILE, NS_NR_ACTIVE_FILE, NS_NR_UNEVICTABLE };

	node_stat_mod(m, z->nid, node_item[l], nr);
	zone_stat_mod(z, (enum zone_stat_item)(NR_ZONE_LRU_BASE + l), nr);
}

/* lruvec_add_folio() (tail: lruvec_add_folio_tail()), PG_lru set; z is the page's zone */
static void lru_add_at(struct af_machine *m, struct zone *z, unsigned long pfn, bool tail)
{
	struct page *p = &m->pages[pfn];
	struct pglist_data *pg = z->pgdat;
	enum lru_list l = folio_lru_list(pflags(p));
	long nr = (long)nr_pages_of(m, pfn);

	if (m->threaded)
		pthread_mutex_lock(&pg->lru_lock);
	if (tail)
		list_add_tail_pfn(m, &pg->lru[l], pfn);
	else
		list_add_head_pfn(m, &pg->lru[l], pfn);
	pg->lru_size[l] += (unsigned long)nr;
	pflags_fetch_or(m, p, PG_lru);
	if (m->threaded)
		pthread_mutex_unlock(&pg->lru_lock);
	lru_stat(m, z, l, nr);
}

void lru_add_to(struct af_machine *m, struct zone *z, unsigned long pfn)
{
	lru_add_at(m, z, pfn, false);
}

void lru_add(struct af_machine *m, unsigned long pfn)
{
	lru_add_to(m, pfn_zone(m, pfn), pfn);
}

/*
 * lruvec_del_folio(): the caller has claimed the page by clearing PG_lru
 * (folio_test_clear_lru), so nobody else can take it off the list.
 */
void lru_del(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	struct zone *z = pfn_zone(m, pfn);
	struct pglist_data *pg = z->pgdat;
	enum lru_list l = folio_lru_list(pflags(p));
	long nr = (long)nr_pages_of(m, pfn);

	if (m->threaded)
		pthread_mutex_lock(&pg->lru_lock);
	list_del_pfn(m, &pg->lru[l], pfn);
	pg->lru_size[l] -= (unsigned long)nr;
	if (m->threaded)
		pthread_mutex_unlock(&pg->lru_lock);
	lru_stat(m, z, l, -nr);
}

/*
 * folio_rotate_reclaimable() (mm/swap.c), when writeback that reclaim started
 * ends: the page goes to the tail of its inactive list, to be reclaimed
 * first, unless it is locked, dirty again, unevictable or off the LRU
 * (isolated).  6.1 moves it through a per-CPU batch (lru_rotate) drained
 * when full; here it moves at once.
 */
void lru_rotate_reclaimable(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	if (pflags(p) & (PG_locked | PG_dirty | PG_unevictable))
		return;
	/* claimed off its list as folio_test_clear_lru() claims it */
	if (!(pflags_fetch_and(m, p, ~PG_lru) & PG_lru))
		return;
	lru_del(m, pfn);
	pflags_fetch_and(m, p, ~PG_active);		/* lru_move_tail_fn() */
	lru_add_at(m, pfn_zone(m, pfn), pfn, true);
	__atomic_fetch_add(&m->events[PGROTATED], nr_pages_of(m, pfn), __ATOMIC_RELAXED);
}

/* get_page_unless_zero(): a reference, unless the page is being freed */
bool get_page_unless_zero(const struct af_machine *m, struct page *p)
{
	int32_t c = __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE);

	if (!m->threaded) {
		if (c <= 0)
			return false;
		p->refcount = c + 1;
		return true;
	}

	while (c > 0)
		if (__atomic_compare_exchange_n(&p->refcount, &c, c + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

/*
 * folio_isolate_lru(): take the page off its LRU list with a reference of
 * its own; -EBUSY if it is not on an LRU list (already isolated, not an
 * LRU page).
 */
int isolate_lru_page(struct af_machine *m, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	if (!get_page_unless_zero(m, p))
		return -EBUSY;
	if (!(pflags_fetch_and(m, p, ~PG_lru) & PG_lru)) {
		page_ref_add(m, p, -1);
		return -EBUSY;
	}
	lru_del(m, pfn);
	return 0;
}

/* folio_putback_lru(): back on its list, dropping the isolation reference */
void putback_lru_page(struct af_machine *m, int cpu, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	lru_add(m, pfn);
	if (page_ref_add(m, p, -1) == 0) {
		/* the last reference: the owner let go while it was isolated */
		m->wops->free_page(m, cpu, pfn, (pflags(p) & PG_head) ? p->order : 0);
	}
}

/* too_many_isolated(): isolated > (active + inactive) / 2 on the node */
bool too_many_isolated(struct af_machine *m, int nid)
{
	long inactive = node_stat_read(m, nid, NS_NR_INACTIVE_FILE) + node_stat_read(m, nid, NS_NR_INACTIVE_ANON);
	long active = node_stat_read(m, nid, NS_NR_ACTIVE_FILE) + node_stat_read(m, nid, NS_NR_ACTIVE_ANON);
	long isolated = node_stat_read(m, nid, NS_NR_ISOLATED_FILE) + node_stat_read(m, nid, NS_NR_ISOLATED_ANON);

	return isolated > (inactive + active) / 2;
}

/* folio_trylock() / folio_unlock(): the page lock bit (waiting for it, and
 * the timed holds of af_page_lock, are the world's: world_ops) */
bool trylock_page(struct af_machine *m, unsigned long pfn)
{
	return !(pflags_fetch_or(m, &m->pages[pfn], PG_locked) & PG_locked);
}

void unlock_page(struct af_machine *m, unsigned long pfn)
{
	pflags_fetch_and(m, &m->pages[pfn], ~PG_locked);
}
