/*
 * repay.c - active repayment after an unmovable allocation steals from a
 * MOVABLE pageblock (seed 003, "Other optimization ideas" 3.(1): record the
 * stolen page, and once its own type has free pages again move it back
 * there, so the pollution of MOVABLE pageblocks is undone).
 *
 * Recording.  Every successful UNMOVABLE or RECLAIMABLE allocation whose
 * block lies in a pageblock that is MOVABLE when the allocation returns
 * (after any claim: a claimed block is not polluted, it changed type) is
 * recorded as (pfn, order, type), the `allocated` hook.  A record goes away
 * when its block is freed (the `freed` hook: one hash lookup per free while
 * records exist) or when the policy settles it.
 *
 * Repayment runs in kcompactd's turn (the `kcompactd` hook: each
 * af_run_daemons in deterministic mode, the kcompactd thread's loop in
 * threaded mode), where a kernel would put background page moving, never
 * on the allocation or free path.  A node's turn does work only when
 * something happened since its last one: a record was added, or a block was
 * freed into an UNMOVABLE or RECLAIMABLE pageblock (the type got room).  A
 * turn makes one pass over the records and settles at most `batch` of the
 * node's records; it continues at the next turn when more are left.  For
 * each record:
 *   - pageblock no longer MOVABLE (claimed since): nothing to repay, dropped
 *     ("retyped");
 *   - owner allows no move: raw kernel allocations, UNMOVABLE slab, and page
 *     tables with pgtables=0: dropped as "not_repayable" (an unowned page is
 *     judged at the second turn that sees it, so a page whose owner is
 *     still setting it up is not misjudged);
 *   - RECLAIMABLE slab: dropped and re-created: the shrinker frees the
 *     objects of that slab page (and so the page), and as many new objects
 *     are allocated on a new slab page in a RECLAIMABLE pageblock, so the
 *     cache keeps its object count ("repaid_recreated");
 *   - page tables (pgtables=1): the table is copied to a page in an
 *     UNMOVABLE pageblock and the entry above it repointed
 *     ("repaid_migrated").  6.1 cannot move page tables; this models a
 *     kernel that can.
 * The new page is a free block of the record's order or larger on its own
 * type's free list that lies in a pageblock of that type (at most 64
 * blocks of each list are looked at); without one the record waits for
 * the type to get room.  Pages that move through migration (anonymous,
 * page cache, non-LRU movable driver pages) are MOVABLE allocations and
 * never recorded.
 *
 * Counters (af_policy_stat): recorded = repaid_migrated + repaid_recreated
 * + not_repayable + freed + retyped + records at every moment between
 * turns; moved_pages counts the base pages moved (the migrations the
 * policy itself caused).
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"
#include "policies.h"

enum { P_BATCH, P_PGTABLES };

#define BATCH_MAX	512
#define WALK_MAX	64	/* free-list entries looked at per order for a target */
#define REC_EMPTY	UINT64_MAX
#define REC_SEEN	1u	/* judged unowned once */

enum repay_stat {
	ST_RECORDED, ST_MIGRATED, ST_RECREATED, ST_NOT_REPAYABLE, ST_FREED, ST_RETYPED,
	ST_PAGES, ST_RECORDS, NR_REPAY_STATS
};

static const char *const repay_stat_names[] = {
	[ST_RECORDED] = "recorded",		/* blocks recorded */
	[ST_MIGRATED] = "repaid_migrated",	/* moved into a pageblock of their type */
	[ST_RECREATED] = "repaid_recreated",	/* dropped and re-created there */
	[ST_NOT_REPAYABLE] = "not_repayable",	/* the owner allows no move */
	[ST_FREED] = "freed",			/* freed by their owner before repayment */
	[ST_RETYPED] = "retyped",		/* their pageblock is no longer MOVABLE */
	[ST_PAGES] = "moved_pages",		/* base pages of the repaid blocks */
	[ST_RECORDS] = "records",		/* records held now */
	[NR_REPAY_STATS] = NULL,
};

struct rec {
	uint64_t pfn;		/* REC_EMPTY: free slot */
	uint8_t order, mt, flags;
};

/*
 * The records: an open-addressing hash set keyed by pfn (linear probing,
 * deletion by backward shift), at most half full.  `lock` guards it, the
 * pending flags and the counters (threaded mode only).
 */
struct repay {
	pthread_mutex_t lock;
	struct rec *tab;
	size_t cap, n;		/* cap: a power of two, or 0 */
	size_t cursor;		/* where the next turn's pass starts */
	bool pending[AF_MAX_NODES];
	uint64_t stat[NR_REPAY_STATS];
};

static void rp_lock(struct af_machine *m, struct repay *r)
{
	if (m->threaded)
		pthread_mutex_lock(&r->lock);
}

static void rp_unlock(struct af_machine *m, struct repay *r)
{
	if (m->threaded)
		pthread_mutex_unlock(&r->lock);
}

static size_t home(const struct repay *r, uint64_t pfn)
{
	return (size_t)((pfn * 0x9e3779b97f4a7c15ULL) >> 32) & (r->cap - 1);
}

static size_t find_slot(const struct repay *r, uint64_t pfn)
{
	size_t i = home(r, pfn);

	while (r->tab[i].pfn != REC_EMPTY && r->tab[i].pfn != pfn)
		i = (i + 1) & (r->cap - 1);
	return i;
}

static bool grow(struct repay *r)
{
	size_t ncap = r->cap ? r->cap * 2 : 256;
	struct rec *old = r->tab, *nt = malloc(ncap * sizeof(*nt));
	size_t ocap = r->cap;

	if (!nt)
		return false;
	for (size_t i = 0; i < ncap; i++)
		nt[i].pfn = REC_EMPTY;
	r->tab = nt;
	r->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].pfn != REC_EMPTY)
			r->tab[find_slot(r, old[i].pfn)] = old[i];
	free(old);
	r->cursor = 0;
	return true;
}

static bool rec_insert(struct repay *r, struct rec rec)
{
	size_t i;

	if ((r->n + 1) * 2 > r->cap && !grow(r))
		return false;
	i = find_slot(r, rec.pfn);
	if (r->tab[i].pfn == REC_EMPTY)
		__atomic_store_n(&r->n, r->n + 1, __ATOMIC_RELAXED);	/* read unlocked by the free hook */
	r->tab[i] = rec;
	return true;
}

/* Remove pfn's record; false if there is none */
static bool rec_remove(struct repay *r, uint64_t pfn)
{
	size_t i, j, mask = r->cap - 1;

	if (!r->n)
		return false;
	i = find_slot(r, pfn);
	if (r->tab[i].pfn == REC_EMPTY)
		return false;
	/* backward shift: pull later members of the probe run into the hole */
	for (j = (i + 1) & mask; r->tab[j].pfn != REC_EMPTY; j = (j + 1) & mask) {
		size_t k = home(r, r->tab[j].pfn);

		if (((j - k) & mask) >= ((j - i) & mask)) {
			r->tab[i] = r->tab[j];
			i = j;
		}
	}
	r->tab[i].pfn = REC_EMPTY;
	__atomic_store_n(&r->n, r->n - 1, __ATOMIC_RELAXED);
	return true;
}

static void drop(struct af_machine *m, struct repay *r, uint64_t pfn, enum repay_stat why)
{
	rp_lock(m, r);
	if (rec_remove(r, pfn))
		r->stat[why]++;
	rp_unlock(m, r);
}

static int repay_init(struct af_machine *m)
{
	struct repay *r = calloc(1, sizeof(*r));

	if (!r)
		return af_err(-ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	m->pol_state = r;
	return 0;
}

static void repay_destroy(struct af_machine *m)
{
	struct repay *r = m->pol_state;

	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->tab);
	free(r);
	m->pol_state = NULL;
}

/* The `allocated` hook: record an UNMOVABLE/RECLAIMABLE block in a MOVABLE pageblock */
static void repay_allocated(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order,
			    int alloc_mt)
{
	struct repay *r = m->pol_state;

	if (alloc_mt != MIGRATE_UNMOVABLE && alloc_mt != MIGRATE_RECLAIMABLE)
		return;
	if (get_pageblock_migratetype(m, pfn) != MIGRATE_MOVABLE)
		return;
	rp_lock(m, r);
	if (rec_insert(r, (struct rec){ .pfn = pfn, .order = (uint8_t)order, .mt = (uint8_t)alloc_mt })) {
		r->stat[ST_RECORDED]++;
		r->pending[pfn_zone(m, pfn)->nid] = true;
	}
	rp_unlock(m, r);
}

/* The `freed` hook: forget a freed record; note room in an unmovable-type pageblock */
static void repay_freed(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order)
{
	struct repay *r = m->pol_state;
	int bt;

	if (!__atomic_load_n(&r->n, __ATOMIC_RELAXED))
		return;
	bt = get_pageblock_migratetype(m, pfn);
	rp_lock(m, r);
	if (rec_remove(r, pfn))
		r->stat[ST_FREED]++;
	else if (bt == MIGRATE_UNMOVABLE || bt == MIGRATE_RECLAIMABLE)
		r->pending[pfn_zone(m, pfn)->nid] = true;
	rp_unlock(m, r);
}

enum repay_kind { K_UNOWNED, K_NONE, K_RECREATE, K_RELOCATE };

/* What the page's owner allows (under the world's read lock) */
static enum repay_kind classify(struct af_machine *m, unsigned long pfn)
{
	struct world *w = m->world;
	const struct page *p = &m->pages[pfn];
	enum repay_kind k = K_NONE;
	struct owner *o;

	if (!w)
		return K_UNOWNED;
	rd_lock(m);
	o = owner_of(m, p);
	if (!o)
		k = K_UNOWNED;
	else if (o->type == OWN_SLAB && (pflags(p) & PG_slab) && o->obj < (uint32_t)w->ncaches &&
		 w->caches[o->obj]->reclaimable)
		k = K_RECREATE;
	else if (o->type == OWN_PGTABLE && policy_param(m, P_PGTABLES))
		k = K_RELOCATE;
	rd_unlock(m);
	return k;
}

/*
 * The target: a free block of at least `order` on z's free list mt that
 * lies in a pageblock of type mt, taken and split; -1 if none.
 */
static long take_target(struct zone *z, int cpu, unsigned int order, int mt, af_gfp_t gfp)
{
	struct af_machine *m = z->m;
	long pfn = -1;

	lock_zone(z);
	for (unsigned int cur = order; cur < MAX_ORDER && pfn < 0; cur++) {
		uint32_t p = z->free_area[cur].free_list[mt].first;

		for (int walked = 0; p != PFN_NIL && walked < WALK_MAX; p = m->pages[p].next, walked++)
			if (get_pageblock_migratetype(m, p) == mt) {
				alloc_this_block_locked(z, cpu, p, cur, order, mt, gfp);
				pfn = (long)p;
				break;
			}
	}
	unlock_zone(z);
	return pfn;
}

/* noroom[zone type][mt]: the lowest order this turn found no target for */
typedef uint8_t noroom_t[MAX_NR_ZONES][MIGRATE_PCPTYPES];

enum repay_result { SETTLED, WAIT_ROOM, WAIT_LOOK };

/* Settle one record if possible, else say what it waits for */
static enum repay_result repay_one(struct af_machine *m, struct repay *r, struct rec rec, noroom_t noroom)
{
	unsigned long pfn = (unsigned long)rec.pfn;
	int bt = get_pageblock_migratetype(m, pfn);
	struct zone *z = pfn_zone(m, pfn);
	enum repay_kind k;
	af_gfp_t gfp;
	long target;
	int ret;

	if (bt == MIGRATE_ISOLATE)
		return WAIT_LOOK;	/* being isolated: look again later */
	if (bt != MIGRATE_MOVABLE) {
		drop(m, r, rec.pfn, ST_RETYPED);
		return SETTLED;
	}
	k = classify(m, pfn);
	if (k == K_UNOWNED && !(rec.flags & REC_SEEN)) {
		rp_lock(m, r);
		size_t i = r->n ? find_slot(r, rec.pfn) : 0;
		if (r->n && r->tab[i].pfn == rec.pfn)
			r->tab[i].flags |= REC_SEEN;
		rp_unlock(m, r);
		return WAIT_LOOK;
	}
	if (k == K_UNOWNED || k == K_NONE) {
		drop(m, r, rec.pfn, ST_NOT_REPAYABLE);
		return SETTLED;
	}
	if (noroom[z->type][rec.mt] <= rec.order)
		return WAIT_ROOM;
	gfp = AF_GFP_KERNEL | (rec.mt == MIGRATE_RECLAIMABLE ? AF___GFP_RECLAIMABLE : 0) |
	      ((pflags(&m->pages[pfn]) & PG_head) ? AF___GFP_COMP : 0);
	target = take_target(z, KTHREAD_CPU, rec.order, rec.mt, gfp);
	if (target < 0) {
		noroom[z->type][rec.mt] = rec.order;
		return WAIT_ROOM;
	}
	rp_lock(m, r);
	bool had = rec_remove(r, rec.pfn);
	rp_unlock(m, r);
	if (!had) {			/* freed meanwhile (counted by the hook) */
		af_free_pages(m, KTHREAD_CPU, (uint64_t)target, rec.order);
		return SETTLED;
	}
	if (k == K_RECREATE)
		ret = slab_recreate(m, KTHREAD_CPU, pfn, (unsigned long)target, NULL);
	else
		ret = pgtable_relocate(m, KTHREAD_CPU, pfn, (unsigned long)target);
	rp_lock(m, r);
	if (ret) {
		r->stat[ST_FREED]++;	/* its owner let go of it meanwhile */
	} else {
		r->stat[k == K_RECREATE ? ST_RECREATED : ST_MIGRATED]++;
		r->stat[ST_PAGES] += 1UL << rec.order;
	}
	rp_unlock(m, r);
	if (ret)
		af_free_pages(m, KTHREAD_CPU, (uint64_t)target, rec.order);
	return SETTLED;
}

/* The `kcompactd` hook: one bounded pass over node nid's records */
static void repay_kcompactd(struct af_machine *m, int nid)
{
	struct repay *r = m->pol_state;
	struct rec batch[BATCH_MAX];
	int n = 0, limit = (int)policy_param(m, P_BATCH);
	bool more = false, again = false;
	noroom_t noroom;

	rp_lock(m, r);
	if (!r->pending[nid] || !r->n) {
		r->pending[nid] = false;
		rp_unlock(m, r);
		return;
	}
	r->pending[nid] = false;
	for (size_t s = 0; s < r->cap; s++) {
		size_t i = (r->cursor + s) & (r->cap - 1);
		struct rec *rec = &r->tab[i];

		if (rec->pfn == REC_EMPTY || pfn_zone(m, (unsigned long)rec->pfn)->nid != nid)
			continue;
		if (n == limit) {
			more = true;
			r->cursor = i;
			break;
		}
		batch[n++] = *rec;
	}
	rp_unlock(m, r);

	memset(noroom, MAX_ORDER, sizeof(noroom_t));
	for (int i = 0; i < n; i++)
		if (repay_one(m, r, batch[i], noroom) == WAIT_LOOK)
			again = true;	/* judge it at the next turn */
	if (more || again) {
		rp_lock(m, r);
		r->pending[nid] = true;
		rp_unlock(m, r);
	}
}

static int repay_stat(struct af_machine *m, const char *name, uint64_t *val)
{
	struct repay *r = m->pol_state;

	for (int i = 0; i < NR_REPAY_STATS; i++)
		if (!strcmp(repay_stat_names[i], name)) {
			rp_lock(m, r);
			*val = i == ST_RECORDS ? r->n : r->stat[i];
			rp_unlock(m, r);
			return 0;
		}
	return -ENOENT;
}

const struct af_policy policy_repay = {
	.name = "repay",
	.mech = POLICY_MECH_NEEDS_WORLD,
	.summary = "record unmovable/reclaimable pages placed in MOVABLE pageblocks and move them "
		   "back to their own type's pageblocks once it has room (in kcompactd's turn)",
	.source = "seed 003, other optimization ideas 3.(1): active repayment after the "
		  "immovable page steals the page",
	.nparams = 2,
	.params = {
		{ "batch", 1, BATCH_MAX, 32,
		  "most records settled per kcompactd turn and node" },
		{ "pgtables", 0, 1, 1,
		  "1: page-table pages may be moved (a kernel that can relocate them); "
		  "0: they stay, as in 6.1" },
	},
	.init = repay_init,
	.destroy = repay_destroy,
	.allocated = repay_allocated,
	.freed = repay_freed,
	.kcompactd = repay_kcompactd,
	.stat_names = repay_stat_names,
	.stat = repay_stat,
};
