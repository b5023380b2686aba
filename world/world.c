/*
 * world.c - the owners of pages: the owner table, real contents, page locks
 * and timed holders, and reverse mapping (mm/rmap.c: rmap_walk_anon,
 * rmap_walk_file).  Processes, files, slab, drivers and huge pages are in
 * process.c, filemap.c, slab.c, driver.c and hugetlb.c.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "world.h"

static const struct world_ops world_ops;

int world_init(struct af_machine *m)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return af_err(-ENOMEM, "out of memory");
	pthread_mutex_init(&w->lock, NULL);
	pthread_rwlock_init(&w->rw, NULL);
	pthread_mutex_init(&w->holds_lock, NULL);
	w->io_ns = m->cfg.writeback_ns;	/* one page's write-out (writeback_us) */
	__atomic_store_n(&m->hold_next, UINT64_MAX, __ATOMIC_RELAXED);
	w->layout_gen = 1;	/* anon_vma hints start invalid (hint_gen 0) */
	w->nowners = 1;		/* owner 0 = none */
	w->owners_cap = 64;
	w->owners = calloc(w->owners_cap, sizeof(*w->owners));
	if (!w->owners) {
		free(w);
		return af_err(-ENOMEM, "out of memory");
	}
	if (m->cfg.contents) {
		w->contents_bytes = m->max_pfn * PAGE_SIZE;
		w->contents = mmap(NULL, w->contents_bytes, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (w->contents == MAP_FAILED) {
			free(w->owners);
			free(w);
			return af_err(-ENOMEM, "cannot map %zu bytes of page contents",
				      (size_t)(m->max_pfn * PAGE_SIZE));
		}
	}
	m->world = w;
	m->wops = &world_ops;
	w->pgtable_owner = new_owner(m, OWN_PGTABLE, 0);
	return 0;
}

uint32_t new_owner(struct af_machine *m, enum owner_type type, uint32_t obj)
{
	struct world *w = m->world;

	if (w->nowners == w->owners_cap) {
		size_t ncap = w->owners_cap * 2;
		struct owner *no = realloc(w->owners, ncap * sizeof(*no));
		if (!no)
			return 0;
		w->owners = no;
		w->owners_cap = ncap;
	}
	w->owners[w->nowners] = (struct owner){ .type = (uint8_t)type, .obj = obj };
	return (uint32_t)w->nowners++;
}

struct owner *owner_of(struct af_machine *m, const struct page *p)
{
	struct world *w = m->world;

	if (!w || !p->owner || p->owner >= w->nowners)
		return NULL;
	return &w->owners[p->owner];
}

/* ---- real contents ---- */
static inline uint64_t content_seed(uint32_t owner, uint32_t index, uint32_t gen)
{
	uint64_t x = ((uint64_t)owner << 40) ^ ((uint64_t)index << 12) ^ gen;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x | 1;
}

/* Fill a page with bytes derived from (owner, index, generation). */
void contents_fill(struct af_machine *m, unsigned long pfn, uint32_t owner, uint32_t index,
		   uint32_t gen)
{
	uint64_t *p, seed;

	if (!m->world->contents)
		return;
	p = (uint64_t *)(m->world->contents + pfn * PAGE_SIZE);
	seed = content_seed(owner, index, gen);
	for (int i = 0; i < 512; i++)
		p[i] = seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL;
}

bool contents_check(struct af_machine *m, unsigned long pfn, uint32_t owner, uint32_t index,
		    uint32_t gen)
{
	const uint64_t *p;
	uint64_t seed;

	if (!m->world->contents)
		return true;
	p = (const uint64_t *)(m->world->contents + pfn * PAGE_SIZE);
	seed = content_seed(owner, index, gen);
	for (int i = 0; i < 512; i++)
		if (p[i] != seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL)
			return false;
	return true;
}

void contents_copy(struct af_machine *m, unsigned long dst, unsigned long src, unsigned int order)
{
	if (!m->world->contents)
		return;
	memcpy(m->world->contents + dst * PAGE_SIZE, m->world->contents + src * PAGE_SIZE,
	       PAGE_SIZE << order);
}

/* ---- page lock and timed holders ---- */
/*
 * The holds live in an open-addressed table keyed by the pfn alone (a
 * page's lock and writeback holds sit side by side, one cache line apart at
 * most), linear probing with backward-shift deletion, at most half full:
 * a lookup is one reach into the table however many writebacks are in
 * flight.  A hold is only on a page whose flag is set (integrity_check).
 */
static struct timed_hold *find_hold(struct world *w, unsigned long pfn, uint8_t what)
{
	if (!w->nholds)
		return NULL;
	for (uint32_t s = hold_home(w, (uint32_t)pfn);; s = (s + 1) & w->hold_mask) {
		struct timed_hold *h = &w->holds[s];
		if (!h->what)
			return NULL;
		if (h->pfn == pfn && h->what == what)
			return h;
	}
}

/* The first empty slot of pfn's probe sequence */
static struct timed_hold *hold_free_slot(struct world *w, uint32_t pfn)
{
	uint32_t s = hold_home(w, pfn);

	while (w->holds[s].what)
		s = (s + 1) & w->hold_mask;
	return &w->holds[s];
}

/* Rehash into 2^bits slots */
static int holds_resize(struct world *w, unsigned int bits)
{
	struct timed_hold *old = w->holds;
	uint32_t nold = old ? w->hold_mask + 1 : 0;
	struct timed_hold *nh = calloc((size_t)1 << bits, sizeof(*nh));

	if (!nh)
		return af_err(-ENOMEM, "out of memory");
	w->holds = nh;
	w->hold_mask = (uint32_t)((1ULL << bits) - 1);
	w->hold_shift = 64 - bits;
	for (uint32_t i = 0; i < nold; i++)
		if (old[i].what)
			*hold_free_slot(w, old[i].pfn) = old[i];
	free(old);
	return 0;
}

static void drop_hold(struct world *w, struct timed_hold *h)
{
	uint32_t mask = w->hold_mask, s = (uint32_t)(h - w->holds), j = s;

	for (;;) {
		j = (j + 1) & mask;
		if (!w->holds[j].what)
			break;
		/* can the entry at j move to s?  yes unless its home lies in (s, j] */
		uint32_t home = hold_home(w, w->holds[j].pfn);
		if (((j - home) & mask) >= ((j - s) & mask)) {
			w->holds[s] = w->holds[j];
			s = j;
		}
	}
	w->holds[s].what = 0;
	/* nholds is read without the lock by world_poll_holds' fast exit */
	__atomic_store_n(&w->nholds, w->nholds - 1, __ATOMIC_RELAXED);
}

/*
 * The deadlines: a binary min-heap by until.  The machine's hold_next is its
 * first, read by af_clock_advance() to end holds on time.
 */
static void due_publish(struct af_machine *m, const struct world *w)
{
	__atomic_store_n(&m->hold_next, w->ndue ? w->due[0].until : UINT64_MAX, __ATOMIC_RELAXED);
}

static void due_push(struct world *w, struct hold_due d)
{
	uint32_t i = w->ndue++;

	while (i) {
		uint32_t up = (i - 1) / 2;
		if (w->due[up].until <= d.until)
			break;
		w->due[i] = w->due[up];
		i = up;
	}
	w->due[i] = d;
}

/* Put d in the hole at i, moving it down past earlier children */
static void due_sift_down(struct world *w, uint32_t i, struct hold_due d)
{
	uint32_t n = w->ndue;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && w->due[c + 1].until < w->due[c].until)
			c++;
		if (d.until <= w->due[c].until)
			break;
		w->due[i] = w->due[c];
		i = c;
	}
	w->due[i] = d;
}

static void due_pop(struct world *w)
{
	struct hold_due last = w->due[--w->ndue];

	if (w->ndue)
		due_sift_down(w, 0, last);
}

/*
 * Keep only the deadlines of live holds and rebuild the heap: for when the
 * entries of holds that ended early (unlocked, waited for, freed) or were
 * renewed outnumber the live ones, as a lock taken and let go long before
 * its deadline, again and again, would make them.
 */
static void due_compact(struct world *w)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < w->ndue; i++) {
		const struct timed_hold *h = find_hold(w, w->due[i].pfn, w->due[i].what);
		if (h && h->until == w->due[i].until)
			w->due[n++] = w->due[i];
	}
	w->ndue = n;
	for (uint32_t i = n / 2; i-- > 0;)
		due_sift_down(w, i, w->due[i]);
}

static int add_hold(struct af_machine *m, unsigned long pfn, uint8_t what, uint64_t until)
{
	struct world *w = m->world;
	struct timed_hold *h;

	pthread_mutex_lock(&w->holds_lock);
	if (w->ndue >= 2 * (uint32_t)w->nholds + 64)
		due_compact(w);
	if (w->ndue == w->due_cap) {
		uint32_t ncap = w->due_cap ? 2 * w->due_cap : 64;
		struct hold_due *nd = ncap > w->due_cap ? realloc(w->due, ncap * sizeof(*nd)) : NULL;
		if (!nd) {
			pthread_mutex_unlock(&w->holds_lock);
			return af_err(-ENOMEM, "out of memory");
		}
		w->due = nd;
		w->due_cap = ncap;
	}
	h = find_hold(w, pfn, what);
	if (!h) {
		uint32_t slots = w->holds ? w->hold_mask + 1 : 0;
		if ((uint64_t)(w->nholds + 1) * 2 > slots &&
		    holds_resize(w, slots ? 65 - w->hold_shift : 6)) {
			pthread_mutex_unlock(&w->holds_lock);
			return -ENOMEM;
		}
		h = hold_free_slot(w, (uint32_t)pfn);
		__atomic_store_n(&w->nholds, w->nholds + 1, __ATOMIC_RELAXED);
	}
	if (h->what != what || h->until != until) {	/* not already there */
		*h = (struct timed_hold){ (uint32_t)pfn, what, until };
		due_push(w, (struct hold_due){ until, (uint32_t)pfn, what });
		due_publish(m, w);
	}
	pthread_mutex_unlock(&w->holds_lock);
	return 0;
}

/* A timed hold's deadline on the virtual clock; -EINVAL if it does not fit */
static int hold_deadline(struct af_machine *m, uint64_t ns, uint64_t *until)
{
	uint64_t now = af_clock_ns(m);

	if (ns > UINT64_MAX - now)
		return af_err(-EINVAL, "a hold of %llu ns passes the end of the virtual clock",
			      (unsigned long long)ns);
	*until = now + ns;
	return 0;
}

/*
 * folio_end_writeback(): a page reclaim wrote back (PG_reclaim) goes to the
 * tail of its inactive list (folio_rotate_reclaimable)
 */
static void end_writeback(struct af_machine *m, unsigned long pfn)
{
	uint32_t old = pflags_fetch_and(m, &m->pages[pfn], ~(PG_writeback | PG_reclaim));

	if (old & PG_writeback) {
		page_stat_mod(m, pfn, NS_NR_WRITEBACK, -1);
		page_zone_stat_mod(m, pfn, NR_ZONE_WRITE_PENDING, -1);
		page_stat_mod(m, pfn, NS_NR_WRITTEN, 1);
	}
	if (old & PG_reclaim)
		lru_rotate_reclaimable(m, pfn);
}

/* A timed hold ends (holds_lock held): the page is unlocked, or its write done */
static void end_hold(struct af_machine *m, struct timed_hold *h)
{
	unsigned long pfn = h->pfn;
	bool lock = h->what == PG_locked >> 8;

	drop_hold(m->world, h);
	if (lock)
		unlock_page(m, pfn);
	else
		end_writeback(m, pfn);
}

/*
 * world_ops.expire_holds: every timed hold whose deadline has come ends now,
 * as 6.1's I/O completion ends writeback (folio_end_writeback) and a
 * holder unlocks, whoever looks at the page next.  af_clock_advance() calls
 * it when the clock passes the first deadline, and so do the waits below
 * once they have moved the clock on.
 */
static void world_expire_holds(struct af_machine *m, uint64_t now)
{
	struct world *w = m->world;

	wlock(m, &w->holds_lock);
	while (w->ndue && w->due[0].until <= now) {
		struct hold_due d = w->due[0];
		struct timed_hold *h;

		due_pop(w);
		h = find_hold(w, d.pfn, d.what);
		if (h && h->until == d.until)	/* not ended before its time, nor renewed */
			end_hold(m, h);
	}
	due_publish(m, w);
	wunlock(m, &w->holds_lock);
}

/* After a wait that moved the clock: the other holds that came due meanwhile */
static void expire_due(struct af_machine *m)
{
	uint64_t now = af_clock_ns(m);

	if (now >= __atomic_load_n(&m->hold_next, __ATOMIC_RELAXED))
		world_expire_holds(m, now);
}

/*
 * Complete the timed holds of pfn that have expired on the virtual clock,
 * for a caller about to look at the page: a hold due by now that no step of
 * the clock has ended yet, as one of 0 ns (af_page_lock(pfn, 0)) is.
 */
void world_poll_holds(struct af_machine *m, unsigned long pfn)
{
	struct world *w = m->world;
	struct timed_hold *h;
	uint64_t now;
	uint32_t f = pflags(&m->pages[pfn]) & (PG_locked | PG_writeback);

	if (!f || !__atomic_load_n(&w->nholds, __ATOMIC_RELAXED))
		return;
	now = af_clock_ns(m);
	if (now < __atomic_load_n(&m->hold_next, __ATOMIC_RELAXED))
		return;		/* nothing is due */
	wlock(m, &w->holds_lock);
	if ((f & PG_locked) && (h = find_hold(w, pfn, PG_locked >> 8)) && h->until <= now)
		end_hold(m, h);
	if ((f & PG_writeback) && (h = find_hold(w, pfn, PG_writeback >> 8)) && h->until <= now)
		end_hold(m, h);
	wunlock(m, &w->holds_lock);
}

/*
 * world_ops.prefetch: the owner record and, for a page locked or under
 * writeback, its first hold slot; with slot, a file page's page cache slot
 * (the owner record having been asked for before).  Deterministic mode
 * only: a threaded machine's owner fields may be changing under the call.
 */
static void world_prefetch(struct af_machine *m, unsigned long pfn, bool slot)
{
	struct world *w = m->world;
	const struct page *p = &m->pages[pfn];
	const struct owner *o;

	if (m->threaded || !p->owner || p->owner >= w->nowners)
		return;
	o = &w->owners[p->owner];
	if (!slot) {
		__builtin_prefetch(o);
		if ((pflags(p) & (PG_locked | PG_writeback)) && w->nholds)
			__builtin_prefetch(&w->holds[hold_home(w, (uint32_t)pfn)]);
	} else if (o->type == OWN_FILE && o->pc) {
		__builtin_prefetch(&o->pc[p->index]);
	}
}

/*
 * Wait for a page lock (folio_lock) or writeback (folio_wait_writeback).
 * Deterministic mode: the virtual clock advances to the holder's release.
 * Threaded mode: really wait until another thread releases it.
 */
static void wait_hold(struct af_machine *m, unsigned long pfn, uint32_t bit)
{
	struct world *w = m->world;
	struct timed_hold *h;

	/*
	 * A holder sets the bit before it records its hold: a waiter that
	 * found no hold looks again while the bit stays set.
	 */
	for (;;) {
		wlock(m, &w->holds_lock);
		h = find_hold(w, pfn, (uint8_t)(bit >> 8));
		if (h) {
			uint64_t now = af_clock_ns(m);
			if (h->until > now)
				clock_advance_raw(m, h->until - now);
			end_hold(m, h);
		}
		wunlock(m, &w->holds_lock);
		if (!(pflags(&m->pages[pfn]) & bit))
			break;
		sched_yield();
	}
	expire_due(m);
}

void wait_page_unlocked(struct af_machine *m, unsigned long pfn)
{
	wait_hold(m, pfn, PG_locked);
}

void wait_page_writeback(struct af_machine *m, unsigned long pfn)
{
	wait_hold(m, pfn, PG_writeback);
}

/*
 * A page freed while locked or under writeback (world_ops.freed_held): its
 * timed holds end with it, writeback counted as done.  Simplification: in
 * 6.1 whoever locks a page or writes it back holds a reference, so the page
 * outlives its owner until the I/O ends; here the I/O ends when the owner
 * lets go, and the page is freed then.
 */
void world_freed_held(struct af_machine *m, unsigned long pfn)
{
	struct world *w = m->world;
	struct timed_hold *h;

	wlock(m, &w->holds_lock);
	if ((h = find_hold(w, pfn, PG_locked >> 8)))
		drop_hold(w, h);
	if ((h = find_hold(w, pfn, PG_writeback >> 8)))
		drop_hold(w, h);
	/* being freed: no rotation */
	pflags_fetch_and(m, &m->pages[pfn], ~PG_reclaim);
	end_writeback(m, pfn);
	wunlock(m, &w->holds_lock);
}

/*
 * folio_end_writeback() by the writeback's own holder (af_file_writeback_end):
 * a timed hold ends now (deterministic mode: the clock advances to it); a
 * writeback started without one (threaded mode, 0 ns) has no hold to wait
 * for, and waiting would wait for this very caller.
 */
void writeback_end_now(struct af_machine *m, unsigned long pfn)
{
	struct world *w = m->world;
	struct timed_hold *h;

	wlock(m, &w->holds_lock);
	h = find_hold(w, pfn, PG_writeback >> 8);
	if (h) {
		uint64_t now = af_clock_ns(m);
		if (h->until > now)
			clock_advance_raw(m, h->until - now);
		drop_hold(w, h);
	}
	end_writeback(m, pfn);
	wunlock(m, &w->holds_lock);
	expire_due(m);
}

/*
 * Truncation's wait for a page (the page lock and folio_wait_writeback() in
 * truncate_inode_pages_range()): with end set, its lock and writeback holds
 * that have a deadline end now, the virtual clock advancing to each.  False
 * when the page is (end: stays) locked or under writeback by a hold only its
 * taker ends (threaded mode, 0 ns), which waiting could wait for forever.
 */
bool end_timed_holds(struct af_machine *m, unsigned long pfn, bool end)
{
	static const uint32_t bits[] = { PG_locked, PG_writeback };
	struct world *w = m->world;
	bool timed = true;

	wlock(m, &w->holds_lock);
	for (int i = 0; i < 2; i++) {
		struct timed_hold *h = find_hold(w, pfn, (uint8_t)(bits[i] >> 8));
		if (!h) {
			timed &= !(pflags(&m->pages[pfn]) & bits[i]);
			continue;
		}
		if (!end)
			continue;
		uint64_t now = af_clock_ns(m);
		if (h->until > now)
			clock_advance_raw(m, h->until - now);
		end_hold(m, h);
	}
	wunlock(m, &w->holds_lock);
	if (!end)
		return timed;
	timed = !(pflags(&m->pages[pfn]) & (PG_locked | PG_writeback));
	expire_due(m);
	return timed;
}

/* Start writeback: clean, under writeback for ns more of virtual time */
void start_writeback(struct af_machine *m, unsigned long pfn, uint64_t ns)
{
	struct page *p = &m->pages[pfn];
	uint32_t old = pflags_fetch_and(m, p, ~PG_dirty);

	if (old & PG_dirty) {
		page_stat_mod(m, pfn, NS_NR_DIRTY, -1);
		page_zone_stat_mod(m, pfn, NR_ZONE_WRITE_PENDING, -1);
	}
	if (!(pflags_fetch_or(m, p, PG_writeback) & PG_writeback)) {
		page_stat_mod(m, pfn, NS_NR_WRITEBACK, 1);
		page_zone_stat_mod(m, pfn, NR_ZONE_WRITE_PENDING, 1);
	}
	if (!m->threaded || ns)
		add_hold(m, pfn, PG_writeback >> 8, af_clock_ns(m) + ns);
}

int af_page_lock(struct af_machine *m, uint64_t pfn, uint64_t hold_ns)
{
	uint64_t until = 0;
	int ret;

	if (!m || !m->world || pfn >= m->max_pfn || !(pflags(&m->pages[pfn]) & PG_alloc))
		return af_err(-EINVAL, "pfn 0x%llx is not an allocated page", (unsigned long long)pfn);
	if ((ret = hold_deadline(m, hold_ns, &until)))
		return ret;
	if (!trylock_page(m, (unsigned long)pfn))
		return af_err(-EBUSY, "pfn 0x%llx is already locked", (unsigned long long)pfn);
	if (!m->threaded || hold_ns) {
		ret = add_hold(m, (unsigned long)pfn, PG_locked >> 8, until);
		if (ret)
			unlock_page(m, (unsigned long)pfn);
	}
	return ret;
}

int af_page_unlock(struct af_machine *m, uint64_t pfn)
{
	struct world *w;
	struct timed_hold *h;

	if (!m || !(w = m->world) || pfn >= m->max_pfn || !(pflags(&m->pages[pfn]) & PG_locked))
		return af_err(-EINVAL, "pfn 0x%llx is not locked", (unsigned long long)pfn);
	wlock(m, &w->holds_lock);
	if ((h = find_hold(w, (unsigned long)pfn, PG_locked >> 8)))
		drop_hold(w, h);
	wunlock(m, &w->holds_lock);
	unlock_page(m, (unsigned long)pfn);
	return 0;
}

/*
 * Pins (pin_user_pages / unpin_user_page): each is one reference on the
 * page, and the world counts them per page so that only a pin can be
 * unpinned.  The last reference frees the page, whoever drops it: a page
 * its owner let go while pinned is freed by the unpin (folio_put).
 * Simplification: 6.1 adds GUP_PIN_COUNTING_BIAS per pin to the refcount;
 * the model adds 1 and keeps the count beside it.
 */
static struct pin *find_pin(struct world *w, unsigned long pfn)
{
	for (int i = 0; i < w->npins; i++)
		if (w->pins[i].pfn == pfn)
			return &w->pins[i];
	return NULL;
}

uint32_t page_pins(struct af_machine *m, unsigned long pfn)
{
	struct world *w = m->world;
	struct pin *pn;
	uint32_t n;

	if (!w || !w->npins)
		return 0;
	pthread_mutex_lock(&w->holds_lock);
	pn = find_pin(w, pfn);
	n = pn ? pn->count : 0;
	pthread_mutex_unlock(&w->holds_lock);
	return n;
}

int af_page_pin(struct af_machine *m, uint64_t pfn)
{
	struct world *w;
	struct pin *pn;
	int ret = 0;

	if (!m || !(w = m->world) || pfn >= m->max_pfn || !(pflags(&m->pages[pfn]) & PG_alloc) ||
	    !m->pages[pfn].owner)
		return af_err(-EINVAL, "pfn 0x%llx is not an owned page", (unsigned long long)pfn);
	/* pin_user_pages reaches pages through a mapping: a free huge page of the
	 * pool is mapped by nobody (and shrinking the pool frees it) */
	if ((pflags(&m->pages[pfn]) & (PG_pgtable | PG_slab)) ||
	    (w->pgtable_owner && m->pages[pfn].owner == w->pgtable_owner))
		return af_err(-EINVAL, "pfn 0x%llx is a %s page, which pin_user_pages cannot reach",
			      (unsigned long long)pfn,
			      (pflags(&m->pages[pfn]) & PG_slab) ? "slab" : "page-table");
	if (w->hugetlb_owner && m->pages[pfn].owner == w->hugetlb_owner)
		return af_err(-EINVAL, "pfn 0x%llx is a free page of the hugetlb pool, mapped by "
			      "nobody", (unsigned long long)pfn);
	pthread_mutex_lock(&w->holds_lock);
	pn = find_pin(w, (unsigned long)pfn);
	if (!pn) {
		if (w->npins == w->pins_cap) {
			int ncap = w->pins_cap ? w->pins_cap * 2 : 16;
			struct pin *np = realloc(w->pins, (size_t)ncap * sizeof(*np));
			if (!np) {
				pthread_mutex_unlock(&w->holds_lock);
				return af_err(-ENOMEM, "out of memory");
			}
			w->pins = np;
			w->pins_cap = ncap;
		}
		pn = &w->pins[w->npins++];
		*pn = (struct pin){ (uint32_t)pfn, 0 };
	}
	if (pn->count == UINT32_MAX)
		ret = af_err(-EOVERFLOW, "pfn 0x%llx has too many pins", (unsigned long long)pfn);
	else
		pn->count++;
	pthread_mutex_unlock(&w->holds_lock);
	if (ret)
		return ret;
	page_ref_add(m, &m->pages[pfn], 1);
	node_stat_mod(m, pfn_zone(m, (unsigned long)pfn)->nid, NS_NR_FOLL_PIN_ACQUIRED, 1);
	return 0;
}

int af_page_unpin(struct af_machine *m, uint64_t pfn)
{
	struct world *w;
	struct page *p;
	struct pin *pn;

	if (!m || !(w = m->world) || pfn >= m->max_pfn)
		return af_err(-EINVAL, "pfn 0x%llx is not a page", (unsigned long long)pfn);
	wr_lock(m);
	pthread_mutex_lock(&w->holds_lock);
	pn = find_pin(w, (unsigned long)pfn);
	if (pn && --pn->count == 0)
		*pn = w->pins[--w->npins];
	pthread_mutex_unlock(&w->holds_lock);
	if (!pn) {
		wr_unlock(m);
		return af_err(-EINVAL, "pfn 0x%llx is not pinned", (unsigned long long)pfn);
	}
	p = &m->pages[pfn];
	node_stat_mod(m, pfn_zone(m, (unsigned long)pfn)->nid, NS_NR_FOLL_PIN_RELEASED, 1);
	if (page_ref_add(m, p, -1) == 0)	/* the owner is gone: the pin was the last reference */
		free_owned_page(m, API_CPU, (unsigned long)pfn, porder(p));	/* the block's order */
	wr_unlock(m);
	return 0;
}

/* ---- reverse mapping ---- */
static struct pmd_slot *pmd_of(struct mm *mm, uint64_t vpn)
{
	size_t i = (size_t)(vpn >> 9);
	return i < mm->npmds ? &mm->pmds[i] : NULL;
}

/* Visit the entry of one VMA for vpn if it maps pfn (present or migration). */
static inline void rmap_one(struct af_machine *m, struct mm *mm, uint64_t vpn,
			    unsigned long pfn, rmap_fn fn, void *arg)
{
	struct pmd_slot *pmd = pmd_of(mm, vpn);

	if (!pmd)
		return;
	if (pmd->huge) {
		wlock(m, &pmd->hptl);
		if ((pmd->huge & (PTE_PRESENT | PTE_MIGRATION)) && pte_pfn(pmd->huge) == pfn)
			fn(m, &pmd->huge, &pmd->hptl, mm, vpn & ~511ULL, arg);
		wunlock(m, &pmd->hptl);
		return;
	}
	if (!pmd->pt)
		return;
	wlock(m, &pmd->pt->ptl);
	uint64_t *e = &pmd->pt->pte[vpn & 511];
	if ((*e & (PTE_PRESENT | PTE_MIGRATION)) && pte_pfn(*e) == pfn)
		fn(m, e, &pmd->pt->ptl, mm, vpn, arg);
	wunlock(m, &pmd->pt->ptl);
}

/*
 * rmap_walk(): every mapping of pfn.  Anonymous pages: the VMAs chained to
 * the page's anon_vma, at vpn = page->index; page cache: the file's i_mmap
 * VMAs at vpn = start + index - pgoff.  The caller holds the page lock.
 */
int rmap_walk(struct af_machine *m, unsigned long pfn, rmap_fn fn, void *arg)
{
	struct world *w = m->world;
	struct page *p = &m->pages[pfn];
	struct owner *o = owner_of(m, p);
	int visited = 0;

	if (!o)
		return 0;
	if (o->type == OWN_ANON) {
		struct anon_vma *av = w->avs[o->obj];
		if (!m->threaded && av->hint_gen == w->layout_gen && av->hint_mm) {
			struct vma *v = av->hint_vma;
			if (p->index < v->start || p->index >= v->start + v->npages)
				return 0;
			rmap_one(m, av->hint_mm, p->index, pfn, fn, arg);
			return 1;
		}
		if (!m->threaded) {
			av->hint_gen = w->layout_gen;
			av->hint_mm = NULL;
			if (av->nvmas == 1) {
				struct mm *mm = w->mms[av->vmas[0].mm];
				struct vma *v = &mm->vmas[av->vmas[0].vma];
				if (mm->alive && !v->dead) {
					av->hint_mm = mm;
					av->hint_vma = v;
				}
			}
		}
		for (int i = 0; i < av->nvmas; i++) {
			struct mm *mm = w->mms[av->vmas[i].mm];
			struct vma *v = &mm->vmas[av->vmas[i].vma];
			uint64_t vpn = p->index;
			if (!mm->alive || v->dead || vpn < v->start || vpn >= v->start + v->npages)
				continue;
			rmap_one(m, mm, vpn, pfn, fn, arg);
			visited++;
		}
	} else if (o->type == OWN_FILE) {
		struct file *f = w->files[o->obj];
		for (int i = 0; i < f->nmaps; i++) {
			struct mm *mm = w->mms[f->maps[i].mm];
			struct vma *v = &mm->vmas[f->maps[i].vma];
			if (!mm->alive || v->dead || p->index < v->pgoff || p->index >= v->pgoff + v->npages)
				continue;
			rmap_one(m, mm, v->start + (p->index - v->pgoff), pfn, fn, arg);
			visited++;
		}
	}
	return visited;
}

void world_destroy(struct af_machine *m)
{
	struct world *w = m->world;

	if (!w)
		return;
	for (int i = 0; i < w->nmms; i++) {
		struct mm *mm = w->mms[i];
		for (size_t j = 0; j < mm->npmds; j++) {
			if (mm->pmds[j].pt) {
				pthread_mutex_destroy(&mm->pmds[j].pt->ptl);
				free(mm->pmds[j].pt);
			}
			pthread_mutex_destroy(&mm->pmds[j].hptl);
		}
		for (size_t j = 0; j < mm->npmds; j++)
			free(mm->pmds[j].hgen);
		free(mm->pmds);
		free(mm->pmd_pages);
		pthread_mutex_destroy(&mm->pt_lock);
		free(mm->vmas);
		free(mm);
	}
	free(w->mms);
	for (int i = 0; i < w->navs; i++) {
		free(w->avs[i]->vmas);
		free(w->avs[i]);
	}
	free(w->avs);
	for (int i = 0; i < w->nfiles; i++) {
		free(w->files[i]->pages);
		free(w->files[i]->maps);
		pthread_mutex_destroy(&w->files[i]->lock);
		free(w->files[i]);
	}
	free(w->files);
	for (int i = 0; i < w->ncaches; i++) {
		free(w->caches[i]->slabs);
		free(w->caches[i]->tfree);
		free(w->caches[i]->tmin);
		free(w->caches[i]);
	}
	free(w->caches);
	for (int i = 0; i < w->ndrivers; i++) {
		free(w->drivers[i]->pfns);
		free(w->drivers[i]->gens);
		free(w->drivers[i]);
	}
	free(w->drivers);
	free(w->hpool);
	free(w->holds);
	free(w->due);
	free(w->pins);
	free(w->owners);
	if (w->contents)
		munmap(w->contents, w->contents_bytes);
	pthread_mutex_destroy(&w->lock);
	pthread_rwlock_destroy(&w->rw);
	pthread_mutex_destroy(&w->holds_lock);
	free(w);
	m->world = NULL;
}

void af_world_stats(struct af_machine *m, struct af_world_stats *st)
{
	struct world *w = m ? m->world : NULL;

	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!w)
		return;
	for (int i = 0; i < w->nmms; i++)
		st->processes += w->mms[i]->alive;
	for (int i = 0; i < w->nfiles; i++)
		st->files += !w->files[i]->dead;
	for (unsigned long pfn = 0; pfn < m->max_pfn; pfn++) {
		struct page *p = &m->pages[pfn];
		uint32_t f = pflags(p);
		struct owner *o;

		if (!(f & PG_alloc) || !(o = owner_of(m, p)))
			continue;
		/* a compound page, or a pgd (order 1, not compound) */
		unsigned long nr = (f & PG_head) || o->type == OWN_PGTABLE ? 1UL << p->order : 1;
		switch (o->type) {
		case OWN_ANON:
			if (f & PG_hugetlb)
				st->hugetlb_pages += nr;
			else if (f & PG_head)
				st->thp_pages += nr;
			else
				st->anon_pages += nr;
			break;
		case OWN_FILE:
			st->file_pages += nr;
			st->file_dirty += (f & PG_dirty) != 0;
			st->file_writeback += (f & PG_writeback) != 0;
			break;
		case OWN_SLAB: st->slab_pages += nr; break;
		case OWN_DRIVER: st->driver_pages += nr; break;
		case OWN_PGTABLE: st->pgtable_pages += nr; break;
		case OWN_HUGETLB_POOL: st->hugetlb_pages += nr; break;
		default: break;
		}
	}
}

/* ---- what the kernel model asks of the world (struct world_ops) ---- */

/* remove_mapping() for a claimed page: only the page cache references it */
static bool remove_mapping(struct af_machine *m, int cpu, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	struct owner *o = owner_of(m, p);
	struct file *f;
	bool done = false;

	if (!o || o->type != OWN_FILE)
		return false;
	f = m->world->files[o->obj];	/* for its lock: no look inside unless threaded */
	wlock(m, &f->lock);
	/* our isolation reference + the page cache's */
	if (__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) == 2 && !p->mapcount &&
	    !(pflags(p) & (PG_dirty | PG_writeback | PG_locked)) && o->pc[p->index].pfn == pfn) {
		o->pc[p->index].pfn = PFN_NIL;
		__atomic_store_n(&p->refcount, 0, __ATOMIC_RELAXED);
		done = true;
	}
	wunlock(m, &f->lock);
	if (done)
		free_owned_page(m, cpu, pfn, 0);
	return done;
}

/*
 * Reclaim reads the world's tables (owners, files, caches), which structural
 * changes grow under the write lock: threaded reclaim takes the read lock
 * (the shrinkers, which change the caches, the write lock) and, like a
 * trylock of the folio or of the shrinker lock in 6.1, passes over the page
 * (the shrinkers) when it cannot have it at once, which is also when the
 * reclaiming thread holds the write lock itself.
 */
static bool reclaim_read_trylock(struct af_machine *m)
{
	return !m->threaded || !pthread_rwlock_tryrdlock(&m->world->rw);
}

static void reclaim_read_unlock(struct af_machine *m)
{
	if (m->threaded)
		pthread_rwlock_unlock(&m->world->rw);
}

/* shrink_folio_list() for one isolated inactive file page */
static bool world_reclaim_page(struct af_machine *m, int cpu, unsigned long pfn, bool kswapd)
{
	uint32_t f = pflags(&m->pages[pfn]);
	bool freed;

	if (!reclaim_read_trylock(m))
		return false;
	world_prefetch(m, pfn, true);
	if ((f & PG_dirty) && kswapd && !(f & PG_writeback)) {
		/* pageout(): marked to be rotated when the write ends */
		pflags_fetch_or(m, &m->pages[pfn], PG_reclaim);
		start_writeback(m, pfn, m->world->io_ns);
		page_stat_mod(m, pfn, NS_NR_VMSCAN_WRITE, 1);
	}
	world_poll_holds(m, pfn);
	freed = remove_mapping(m, cpu, pfn);
	reclaim_read_unlock(m);
	return freed;
}

/* shrink_slab(): drop reclaimable objects; returns pages freed */
static unsigned long world_shrink_slab(struct af_machine *m, int cpu, unsigned long nr_objects)
{
	struct world *w = m->world;
	unsigned long before = 0, after = 0;

	/* the shrinkers change the caches: the write lock, or nothing */
	if (m->threaded && pthread_rwlock_trywrlock(&w->rw))
		return 0;

	for (int n = 0; n < m->nr_nodes; n++)
		before += (unsigned long)node_stat_read(m, n, NS_NR_SLAB_RECLAIMABLE);
	for (int i = 0; i < w->ncaches; i++) {
		unsigned long freed = 0;
		if (w->caches[i]->reclaimable) {
			w->layout_gen++;
			slab_shrink_locked(m, cpu, i, nr_objects, &freed);
		}
		__atomic_fetch_add(&m->events[SLABS_SCANNED], freed, __ATOMIC_RELAXED);
	}
	for (int n = 0; n < m->nr_nodes; n++)
		after += (unsigned long)node_stat_read(m, n, NS_NR_SLAB_RECLAIMABLE);
	if (m->threaded)
		pthread_rwlock_unlock(&w->rw);
	return before > after ? before - after : 0;
}

static int world_read_trylock(struct af_machine *m)
{
	return pthread_rwlock_tryrdlock(&m->world->rw);
}

static void world_read_lock(struct af_machine *m)
{
	pthread_rwlock_rdlock(&m->world->rw);
}

static void world_read_unlock(struct af_machine *m)
{
	pthread_rwlock_unlock(&m->world->rw);
}

static const struct world_ops world_ops = {
	.destroy = world_destroy,
	.integrity_check = integrity_check,
	.free_page = free_owned_page,
	.reclaim_page = world_reclaim_page,
	.shrink_slab = world_shrink_slab,
	.hugetlb_resize = af_hugetlb_resize,
	.hugetlb_pool_size = hugetlb_pool_size,
	.owner_kind = world_owner_kind,
	.movable_isolate = world_movable_isolate,
	.movable_putback = world_movable_putback,
	.try_to_migrate = world_try_to_migrate,
	.remove_migration_ptes = world_remove_migration_ptes,
	.move_to_new_page = world_move_to_new_page,
	.hugetlb_target = hugetlb_alloc_target,
	.hugetlb_free = hugetlb_free_page,
	.poll_holds = world_poll_holds,
	.expire_holds = world_expire_holds,
	.prefetch = world_prefetch,
	.wait_unlocked = wait_page_unlocked,
	.wait_writeback = wait_page_writeback,
	.freed_held = world_freed_held,
	.read_trylock = world_read_trylock,
	.read_lock = world_read_lock,
	.read_unlock = world_read_unlock,
};
