/*
 * internal.h - declarations shared between the library's files, grouped by
 * the file that defines them (like mm/internal.h).
 */
#ifndef AF_INTERNAL_H
#define AF_INTERNAL_H

#include <errno.h>
#include "af_types.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* alloc_flags (mm/internal.h, 6.1.y) */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08
#define ALLOC_NON_BLOCK		0x10
#define ALLOC_MIN_RESERVE	0x20	/* == __GFP_HIGH */
#define ALLOC_CPUSET		0x40
#define ALLOC_CMA		0x80
#define ALLOC_NOFRAGMENT	0x100
#define ALLOC_HIGHATOMIC	0x200
#define ALLOC_KSWAPD		0x800	/* == __GFP_KSWAPD_RECLAIM */
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

#define MIGRATEPAGE_SUCCESS	0
#define MIGRATEPAGE_UNMAP	1

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
	void *mm;		/* the world's struct mm */
	uint64_t vpn;
};
struct unmap_arg {
	unsigned long pfn;
	int done;
	struct migration_entry rec[UNMAP_RECORD];
};


/* Who owns a page, as migration needs to know */
enum owner_kind {
	OWNER_NONE,			/* no owner, or a dead one */
	OWNER_ANON,
	OWNER_FILE,
	OWNER_FILE_NO_MIGRATE_FOLIO,	/* a filesystem without ->migrate_folio */
	OWNER_DRIVER,			/* non-LRU movable (movable_operations) */
	OWNER_OTHER,
};

/*
 * world_ops: what the kernel model asks of the world that owns its pages
 * (processes, page cache, slab, hugetlb: the rest of the kernel).  The
 * world registers them when it is created (world_init, world.c); a machine
 * of the allocator core alone (af_machine_create_core) has none.
 */
struct world_ops {
	void (*destroy)(struct af_machine *m);
	/* af_check's integrity pass: violations found, the first in report */
	int (*integrity_check)(struct af_machine *m, char *report, size_t len);
	/* an owned page's last reference is gone: its owner lets go, it is freed */
	void (*free_page)(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order);
	/* shrink_folio_list() for one isolated inactive file page: start
	 * writeback if dirty (kswapd's pageout), free it if clean and mapped by
	 * nothing but the page cache (remove_mapping); true if it was freed */
	bool (*reclaim_page)(struct af_machine *m, int cpu, unsigned long pfn, bool kswapd);
	/* shrink_slab(): objects of the reclaimable caches; pages freed */
	unsigned long (*shrink_slab)(struct af_machine *m, int cpu, unsigned long nr_objects);
	/* vm.nr_hugepages */
	int (*hugetlb_resize)(struct af_machine *m, unsigned long nr, unsigned long *now);
	unsigned long (*hugetlb_pool_size)(struct af_machine *m);
	/* migration, the owners' side (rmap.c): who owns a page; a driver's
	 * isolate_page/putback_page; try_to_migrate(); remove_migration_ptes()
	 * (mappings of old now map new, the count of them); move_to_new_folio()
	 * (MIGRATEPAGE_SUCCESS, -EAGAIN or -EBUSY); hugetlb targets */
	int (*owner_kind)(struct af_machine *m, unsigned long pfn);
	bool (*movable_isolate)(struct af_machine *m, unsigned long pfn);
	void (*movable_putback)(struct af_machine *m, unsigned long pfn);
	void (*try_to_migrate)(struct af_machine *m, unsigned long pfn, struct unmap_arg *ua);
	int (*remove_migration_ptes)(struct af_machine *m, const struct unmap_arg *ua,
				     unsigned long old, unsigned long new);
	int (*move_to_new_page)(struct af_machine *m, unsigned long dst, unsigned long src,
				enum af_migrate_mode mode, struct zone *sz, struct zone *dz);
	long (*hugetlb_target)(struct af_machine *m, int cpu, int nid);
	void (*hugetlb_free)(struct af_machine *m, int cpu, unsigned long pfn);
	/* the page lock and writeback as timed holds (af_page_lock): let due
	 * holds end, wait for the lock, wait for writeback */
	void (*poll_holds)(struct af_machine *m, unsigned long pfn);
	/* end every hold due by now (the machine's hold_next has come) */
	void (*expire_holds)(struct af_machine *m, uint64_t now);
	/* a hint, optional: the page is about to be isolated (slot: moved or
	 * reclaimed), so ask the host's cache for the records that will be
	 * read of it; reads nothing the simulation sees */
	void (*prefetch)(struct af_machine *m, unsigned long pfn, bool slot);
	void (*wait_unlocked)(struct af_machine *m, unsigned long pfn);
	void (*wait_writeback)(struct af_machine *m, unsigned long pfn);
	/* a page is freed while locked or under writeback: its holds end */
	void (*freed_held)(struct af_machine *m, unsigned long pfn);
	/* the world's structural lock, read side (compaction holds it while it
	 * walks reverse mappings); trylock returns 0 when taken */
	int (*read_trylock)(struct af_machine *m);
	void (*read_lock)(struct af_machine *m);
	void (*read_unlock)(struct af_machine *m);
};

/* in lru.c: the page lock bit */
bool trylock_page(struct af_machine *m, unsigned long pfn);
void unlock_page(struct af_machine *m, unsigned long pfn);

/* in machine.c: boot a machine without a world and without its policy's init */
int machine_boot(const struct af_config *cfg, const struct af_policy *pol, const long *params,
		 struct af_machine **out);
int machine_boot_late(struct af_machine *m);

/* in util.c */
void clock_advance_raw(struct af_machine *m, uint64_t ns);
int af_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Tell the phase hook (util.c): compaction begins/ends, a workload's progress */
void phase_tell(struct af_machine *m, enum af_phase_kind kind, const char *name, uint64_t done, uint64_t total);
void lock_zone(struct zone *z);
void unlock_zone(struct zone *z);
void lock_pcp(struct af_machine *m, struct per_cpu_pages *pcp);
void unlock_pcp(struct af_machine *m, struct per_cpu_pages *pcp);
static inline unsigned int ilog2_ul(unsigned long v)
{
	return v ? (unsigned int)(63 - __builtin_clzl(v)) : 0;
}
static inline int fls_ul(unsigned long v)
{
	return v ? 64 - __builtin_clzl(v) : 0;
}
unsigned long int_sqrt_ul(unsigned long x);

/* the pageblock holding pfn: its first pfn, and the first pfn after it */
static inline unsigned long pageblock_start_pfn(unsigned long pfn)
{
	return pfn & ~(PAGEBLOCK_NR_PAGES - 1);
}
static inline unsigned long pageblock_end_pfn(unsigned long pfn)
{
	return pageblock_start_pfn(pfn) + PAGEBLOCK_NR_PAGES;
}

/*
 * What a fallback did to the pageblock it took from (mm_page_alloc_extfrag):
 * CLAIM  the pageblock changed to the request's type (change_ownership=1);
 * STEAL  its free pages moved to the request's lists, its type stayed;
 * POLLUTE only the one free block moved: the request's page now sits in a
 *        pageblock of another type and takes nothing else with it.
 */
enum extfrag_kind { EXTFRAG_CLAIM, EXTFRAG_STEAL, EXTFRAG_POLLUTE };

/* in pageblock.c */
int get_pageblock_migratetype(struct af_machine *m, unsigned long pfn);
void set_pageblock_migratetype(struct af_machine *m, unsigned long pfn, int mt);
bool get_pageblock_skip(struct af_machine *m, unsigned long pfn);
void set_pageblock_skip(struct af_machine *m, unsigned long pfn, bool skip);
struct zone *pfn_zone_slow(struct af_machine *m, unsigned long pfn);
/*
 * page_zone(): the zone whose span holds pfn, or NULL for a hole or out of
 * range.  A pageblock wholly inside one zone names it, one outside every
 * zone says so; only blocks shared by zones or holes need the search.
 */
static inline struct zone *pfn_zone(struct af_machine *m, unsigned long pfn)
{
	if (pfn < m->max_pfn) {
		unsigned int zid = m->pageblocks[pfn >> PAGEBLOCK_ORDER].zid;
		if (zid < PB_ZID_NONE)
			return &m->node[zid >> PB_ZID_SHIFT]->node_zones[zid & PB_ZID_TYPE];
		if (zid == PB_ZID_NONE)
			return NULL;
	}
	return pfn_zone_slow(m, pfn);
}
bool pfn_valid_present(struct af_machine *m, unsigned long pfn);
/* No zone spans any pfn of pfn's pageblock: walkers of all pfns skip it whole */
static inline bool pageblock_outside_zones(const struct af_machine *m, unsigned long pfn)
{
	return pfn < m->max_pfn && m->pageblocks[pfn >> PAGEBLOCK_ORDER].zid == PB_ZID_NONE;
}
/*
 * pfn_to_online_page() != NULL: pfn has an online memmap.  With x86-64's
 * SPARSEMEM_VMEMMAP the kernel decides this per 2 MiB subsection of an
 * online section (pfn_section_valid), and a subsection is exactly one
 * pageblock here: a block is online when any of its pfns is present memory
 * that has not been offlined.  A block partly in a hole stays online (its
 * hole pages are reserved memmap); a block wholly in a hole is not.
 */
_Static_assert(PAGEBLOCK_ORDER + PAGE_SHIFT == 21, "a pageblock must be one 2 MiB memmap subsection");
static inline bool pfn_online(struct af_machine *m, unsigned long pfn)
{
	return pfn < m->max_pfn &&
	       __atomic_load_n(&m->pageblocks[pfn >> PAGEBLOCK_ORDER].online, __ATOMIC_RELAXED);
}
void set_pageblocks_online(struct af_machine *m, unsigned long start, unsigned long end, bool online);

/* in buddy.c */
/*
 * capture_control: a block freed at the order direct compaction wants is
 * taken at once.  It hangs off the zone being compacted (zone->capc, set and
 * cleared under the zone lock), not off a task as in 6.1: the model runs one
 * compaction per zone at a time, so in deterministic mode only the
 * compactor's own frees can meet it, as in the kernel; in threaded mode a
 * block of that order freed by another CPU meanwhile goes to the compactor
 * too (a stated simplification).
 */
struct capture_control {
	struct zone *zone;
	int order;
	long pfn;		/* -1 until captured; written under the zone lock */
};
/* ---- pfn-linked lists ---- */
static inline void list_add_head_pfn(struct af_machine *m, struct list_pfn *l, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	p->prev = PFN_NIL;
	p->next = l->first;
	if (l->first != PFN_NIL)
		m->pages[l->first].prev = (uint32_t)pfn;
	else
		l->last = (uint32_t)pfn;
	l->first = (uint32_t)pfn;
}

static inline void list_add_tail_pfn(struct af_machine *m, struct list_pfn *l, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	p->next = PFN_NIL;
	p->prev = l->last;
	if (l->last != PFN_NIL)
		m->pages[l->last].next = (uint32_t)pfn;
	else
		l->first = (uint32_t)pfn;
	l->last = (uint32_t)pfn;
}

static inline void list_del_pfn(struct af_machine *m, struct list_pfn *l, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];

	if (p->prev != PFN_NIL)
		m->pages[p->prev].next = p->next;
	else
		l->first = p->next;
	if (p->next != PFN_NIL)
		m->pages[p->next].prev = p->prev;
	else
		l->last = p->prev;
	p->next = p->prev = PFN_NIL;
}

static inline bool list_empty_pfn(const struct list_pfn *l) { return l->first == PFN_NIL; }
static inline void list_init_pfn(struct list_pfn *l) { l->first = l->last = PFN_NIL; }
bool migratetype_is_mergeable(int mt);
void add_to_free_list(struct zone *z, unsigned long pfn, unsigned int order, int mt, bool tail);
void del_page_from_free_list(struct zone *z, unsigned long pfn, unsigned int order, int mt);
void move_to_free_list(struct zone *z, unsigned long pfn, unsigned int order, int mt);
void free_one_page_locked(struct zone *z, unsigned long pfn, unsigned int order,
			  int mt, bool to_tail);
void expand(struct zone *z, unsigned long pfn, unsigned int low, unsigned int high, int mt);
long rmqueue_smallest(struct zone *z, int cpu, unsigned int order, int mt);
long take_free_block_locked(struct zone *z, int cpu, unsigned long pfn, unsigned int cur,
			    unsigned int order, int mt);
int move_freepages(struct zone *z, unsigned long start, unsigned long end, int mt,
		   int *num_movable);
int move_freepages_block(struct zone *z, unsigned long pfn, int mt, int *num_movable);
void mod_zone_freepage_state(struct zone *z, long nr, int mt);
int buddy_free_list_mt(struct zone *z, unsigned long pfn, unsigned int order);

/* in fallback.c */
extern const int fallbacks[MIGRATE_TYPES][3];
bool can_steal_fallback(struct af_machine *m, unsigned int order, int start_mt);
int find_suitable_fallback(struct zone *z, struct free_area *area, unsigned int order,
			   int mt, bool only_stealable, bool *can_steal);
bool rmqueue_fallback(struct zone *z, int cpu, int order, int start_mt, unsigned int alloc_flags);
long rmqueue(struct zone *z, int cpu, unsigned int order, int mt, unsigned int alloc_flags);
bool boost_watermark(struct zone *z);
void reserve_highatomic_pageblock(struct zone *z, unsigned long pfn);
bool unreserve_highatomic_pageblock(struct af_machine *m, const struct alloc_context *ac,
				    bool force);

/* in pcp.c */
/* order_to_pindex(): orders 0..3 per pcp migratetype, then one THP list */
static inline int order_to_pindex(int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS;
	return (int)(MIGRATE_PCPTYPES * order) + mt;
}
unsigned int pindex_to_order(int pindex);
/*
 * __count_zid_vm_events() and friends: add to a per-CPU counter.  Threads
 * may name the same CPU at once (calls that name none and the daemons run
 * on CPU 0), and not every counter is under the pcp lock, so threaded mode
 * adds atomically; deterministic mode is one thread.
 */
static inline void cpu_counter_add(const struct af_machine *m, uint64_t *ctr, uint64_t n)
{
	rmw_add_u64(m->threaded, ctr, n);
}
/*
 * A vm.* sysctl or THP setting read outside the sysctl lock (READ_ONCE): a
 * write may land at any time, as in 6.1, where these are plain ints read
 * racily.  Writers store each field atomically (af_sysctl_write).
 */
#define VM_SYSCTL(m, field) __atomic_load_n(&(m)->vm.field, __ATOMIC_RELAXED)
#define THP_MODE(m) __atomic_load_n(&(m)->thp, __ATOMIC_RELAXED)
/* pcp_allowed_order(): orders 0..PAGE_ALLOC_COSTLY_ORDER and the THP order */
static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == PAGEBLOCK_ORDER;
}
/* pcp_spin_trylock(), pcp_spin_unlock(): deterministic mode takes no lock */
static inline bool pcp_spin_trylock(struct af_machine *m, struct per_cpu_pages *pcp)
{
	return !m->threaded || !atomic_flag_test_and_set_explicit(&pcp->lock, memory_order_acquire);
}
static inline void pcp_spin_unlock(struct af_machine *m, struct per_cpu_pages *pcp)
{
	if (m->threaded)
		atomic_flag_clear_explicit(&pcp->lock, memory_order_release);
}
bool rmqueue_pcplist_refill(struct zone *z, int cpu, struct per_cpu_pages *pcp,
			    struct list_pfn *list, unsigned int order, int mt,
			    unsigned int alloc_flags);
void free_unref_page_drain(struct zone *z, struct per_cpu_pages *pcp, int pindex, int high,
			   bool free_high);
void free_unref_page_buddy(struct zone *z, unsigned long pfn, unsigned int order, int mt);

/*
 * rmqueue_pcplist(): the fast path.  Refill an empty list with batch
 * (scaled down by order) blocks, then take the first one.  Inline here,
 * with free_unref_page(), so that the allocator's entry points compile it
 * in; the refill and the drain are out of line in pcp.c.
 */
static inline long rmqueue_pcplist(struct zone *z, int cpu, unsigned int order, int mt,
				   unsigned int alloc_flags)
{
	struct af_machine *m = z->m;
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	struct list_pfn *list;
	unsigned long pfn;

	if (!pcp_spin_trylock(m, pcp))
		return -1;
	pcp->free_factor >>= 1;
	list = &pcp->lists[order_to_pindex(mt, order)];
	if (list_empty_pfn(list) &&
	    !rmqueue_pcplist_refill(z, cpu, pcp, list, order, mt, alloc_flags)) {
		pcp_spin_unlock(m, pcp);
		return -1;
	}
	pfn = list->first;
	list_del_pfn(m, list, pfn);
	pflags_clear(m, &m->pages[pfn], PG_pcp);
	pcp->count -= 1 << order;
	cpu_counter_add(m, &pcp->events[PGALLOC_DMA + z->type], 1UL << order);
	pcp_spin_unlock(m, pcp);
	return (long)pfn;
}

/* nr_pcp_high(): high, or 4 batches while reclaim is active */
static inline int nr_pcp_high(struct per_cpu_pages *pcp, struct zone *z, bool free_high)
{
	int high = pcp->high;

	if (!high || free_high)
		return 0;
	if (!z->reclaim_active)
		return high;
	return MIN(pcp->batch << 2, high);
}

/* free_unref_page_commit(): onto the pcp list, drained past the high mark */
static inline void free_unref_page_commit(struct zone *z, struct per_cpu_pages *pcp,
					  unsigned long pfn, int mt, unsigned int order)
{
	struct af_machine *m = z->m;
	struct page *p = &m->pages[pfn];
	int pindex = order_to_pindex(mt, order);
	bool free_high;
	int high;

	cpu_counter_add(m, &pcp->events[PGFREE], 1UL << order);
	pflags_or(m, p, PG_pcp);
	pset_order(p, order);
	list_add_head_pfn(m, &pcp->lists[pindex], pfn);
	pcp->count += 1 << order;

	free_high = pcp->free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER;
	high = nr_pcp_high(pcp, z, free_high);
	if (pcp->count >= high)
		free_unref_page_drain(z, pcp, pindex, high, free_high);
}

/*
 * free_unref_page(): free a pcp-eligible block onto this CPU's pcp list.
 * ISOLATE pages go straight to the buddy lists; HIGHATOMIC and CMA pages go
 * on the MOVABLE pcp list.
 */
static inline void free_unref_page(struct zone *z, int cpu, unsigned long pfn, unsigned int order)
{
	struct af_machine *m = z->m;
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	int mt, pcpmt;

	mt = pcpmt = get_pageblock_migratetype(m, pfn);
	m->pages[pfn].pcp_mt = (uint8_t)mt;
	if (mt >= MIGRATE_PCPTYPES) {
		if (mt == MIGRATE_ISOLATE) {
			free_unref_page_buddy(z, pfn, order, mt);
			return;
		}
		pcpmt = MIGRATE_MOVABLE;
	}
	if (pcp_spin_trylock(m, pcp)) {
		free_unref_page_commit(z, pcp, pfn, pcpmt, order);
		pcp_spin_unlock(m, pcp);
	} else {
		free_unref_page_buddy(z, pfn, order, mt);
	}
}
void free_pages_final(struct af_machine *m, struct zone *z, int cpu, unsigned long pfn,
		      unsigned int order);
void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp, int pindex);
void drain_pages_zone(struct zone *z, int cpu);
int zone_batchsize(const struct zone *z);
int zone_highsize(const struct zone *z, int batch, int cpu_online);
void zone_pcp_update(struct zone *z);

/* in watermark.c */
unsigned long nr_free_zone_pages(struct af_machine *m, int highest_zoneidx);
void calculate_min_free_kbytes(struct af_machine *m);
void setup_per_zone_wmarks(struct af_machine *m);
void setup_per_zone_lowmem_reserve(struct af_machine *m);
void set_recommended_min_free_kbytes(struct af_machine *m);
void refresh_zone_stat_thresholds(struct af_machine *m);
bool zone_watermark_ok_raw(struct zone *z, unsigned int order, unsigned long mark,
			   int highest_zoneidx, unsigned int alloc_flags, long free_pages);
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags);
bool zone_watermark_fast(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, af_gfp_t gfp);

/* in cma.c: does cma_alloc hold pfn?  (false outside the CMA area) */
static inline bool cma_page_allocated(const struct af_machine *m, unsigned long pfn)
{
	return m->cma_bitmap && pfn - m->cma_base < m->cma_count && m->cma_bitmap[pfn - m->cma_base];
}

/* in page_alloc.c */
int gfp_migratetype_m(const struct af_machine *m, af_gfp_t gfp);
void build_zonelists(struct af_machine *m);
void alloc_this_block_locked(struct zone *z, int cpu, unsigned long pfn, unsigned int cur,
			     unsigned int order, int mt, af_gfp_t gfp);

/* in vmstat.c */
static inline void zone_stat_mod(struct zone *z, enum zone_stat_item i, long d)
{
	rmw_add_long(z->m->threaded, &z->vm_stat[i], d);
}
long zone_page_state(const struct zone *z, enum zone_stat_item i);
uint64_t zone_numa_event(const struct zone *z, int i, int nr_cpus);
unsigned long totalreserve_pages(struct af_machine *m);
const char *af_zone_stat_name(int i);
const char *af_numa_stat_name(int i);
const char *af_node_stat_name(int i);
long node_stat_printed(long pages, int i);
void count_zone_event(struct zone *z, int cpu, enum vm_event_item e, uint64_t n);
uint64_t sum_vm_event(struct af_machine *m, enum vm_event_item e);
int render_vmstat(struct af_machine *m, char **out);
extern const char *const migratetype_names[MIGRATE_TYPES];
extern const char *const zone_names[MAX_NR_ZONES];

/* in util.c */
struct strbuf { char *s; size_t len, cap; bool oom; };
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_putc(struct strbuf *b, char c);
/* in vmstat.c: free pages, free blocks and blocks of at least an order */
struct contig_page_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};
void fill_contig_page_info(const struct zone *z, unsigned int suitable_order,
			   struct contig_page_info *info);
int fragmentation_index(const struct zone *z, unsigned int order);
int af_fragmentation_index_info(unsigned int order, unsigned long free_pages,
				unsigned long blocks_total, unsigned long blocks_suitable);

/* in trace.c */
/* The CPU kswapd and kcompactd run on: the model has no scheduler, so CPU 0 */
#define KTHREAD_CPU 0
/*
 * The CPU of an API call that names none (process exit and munmap, frees of
 * slab objects and driver pages, migration, contiguous ranges, offlining,
 * hugetlb resizing, manual compaction): CPU 0, as for a task pinned there.
 */
#define API_CPU 0
/* Either sink installed (trace.c): the one test a tracepoint site makes */
static inline bool trace_on(const struct af_machine *m) { return m->trace_enabled; }
/* Each builds the event the 6.1 tracepoint of the same name records */
void trace_mm_page_alloc(struct af_machine *m, int cpu, long pfn, unsigned int order, af_gfp_t gfp, int mt);
void trace_mm_page_free(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order);
void trace_mm_page_alloc_zone_locked(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order,
				     int mt, int percpu_refill);
void trace_mm_page_pcpu_drain(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order, int mt);
void trace_mm_page_alloc_extfrag(struct af_machine *m, int cpu, unsigned long pfn, int alloc_order,
				 int fallback_order, int alloc_mt, int fallback_mt);
void trace_mm_compaction_isolate_migratepages(struct af_machine *m, int cpu, unsigned long start_pfn,
					      unsigned long end_pfn, unsigned long nr_scanned,
					      unsigned long nr_taken);
void trace_mm_compaction_isolate_freepages(struct af_machine *m, int cpu, unsigned long start_pfn,
					   unsigned long end_pfn, unsigned long nr_scanned, unsigned long nr_taken);
void trace_mm_compaction_migratepages(struct af_machine *m, int cpu, unsigned long nr_migrated,
				      unsigned long nr_failed);
void trace_mm_compaction_begin(struct af_machine *m, int cpu, unsigned long zone_start, unsigned long migrate_pfn,
			       unsigned long free_pfn, unsigned long zone_end, bool sync);
void trace_mm_compaction_end(struct af_machine *m, int cpu, unsigned long zone_start, unsigned long migrate_pfn,
			     unsigned long free_pfn, unsigned long zone_end, bool sync, int status);
void trace_mm_compaction_try_to_compact_pages(struct af_machine *m, int cpu, int order, af_gfp_t gfp_mask,
					      int prio);
/* ret, status: enum compact_result */
void trace_mm_compaction_finished(const struct zone *z, int cpu, int order, int ret);
void trace_mm_compaction_suitable(const struct zone *z, int cpu, int order, int ret);
/* the zone's compact_considered, compact_defer_shift and compact_order_failed */
void trace_mm_compaction_deferred(const struct zone *z, int cpu, int order);
void trace_mm_compaction_defer_compaction(const struct zone *z, int cpu, int order);
void trace_mm_compaction_wakeup_kcompactd(struct af_machine *m, int cpu, int nid, int order, int highest_zoneidx);
void trace_mm_compaction_kcompactd_wake(struct af_machine *m, int cpu, int nid, int order, int highest_zoneidx);
void trace_mm_migrate_pages(struct af_machine *m, int cpu, unsigned long succeeded, unsigned long failed,
			    unsigned long thp_succeeded, unsigned long thp_failed, unsigned long thp_split,
			    int mode, int reason);
void trace_mm_migrate_pages_start(struct af_machine *m, int cpu, int mode, int reason);
void trace_mm_vmscan_wakeup_kswapd(struct af_machine *m, int cpu, int nid, int zid, int order, af_gfp_t gfp_flags);
void format_gfp_flags(af_gfp_t gfp, char *buf, size_t len);
void trace_sinks_changed(struct af_machine *m);
#define TRACE_LINE_MAX 1024	/* a rendered trace line, as both sides of the text sink size it */

/* in sysctl.c */
int sysctl_set_cfg(struct vm_sysctls *vm, const char *name, const char *value, bool *mfk);
void vm_sysctls_default(struct vm_sysctls *vm);

/* in workload.c */
void workload_free(struct af_machine *m);

/* in layout.c */
int layout_generate(struct af_config *cfg);
/* mem = of a generated layout: at least 128M; memory above 3 GiB is mapped
 * from 4 GiB up and a pfn is 32 bits, so at most 16382G */
#define LAYOUT_MIN_MEM	(128ULL << 20)
#define LAYOUT_MAX_MEM	((1ULL << 44) - (2ULL << 30))
int layout_check_mem(uint64_t mem);

#endif /* AF_INTERNAL_H */
