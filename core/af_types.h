/*
 * af_types.h - every structure of the simulated machine, and the glossary.
 *
 * Glossary (one meaning each, everywhere in antifrag):
 *   pfn        page frame number: physical address >> PAGE_SHIFT.
 *   page       one 4 KiB frame, always; struct page is its metadata record.
 *   block      2^order contiguous pages whose first pfn is a multiple of 2^order.
 *   order      log2 of a block's size in pages; valid orders are
 *              0 <= order < MAX_ORDER (MAX_ORDER = 11, exclusive, as in 6.1;
 *              NR_PAGE_ORDERS is the name later kernels give that bound).
 *   pageblock  2^pageblock_order (512) pages sharing one migratetype and one
 *              compaction skip bit.
 *   free_area  per zone and order: one free list per migratetype + nr_free.
 *   zone       a pfn range of a node with one buddy allocator (DMA, DMA32,
 *              Normal, Movable, Device).
 *   node       pglist_data: a NUMA node with its zones and CPUs.
 *   pcp        per_cpu_pages: each CPU's cache of free pages for one zone.
 *
 * Lists are linked by pfn (uint32_t), never by pointer: PFN_NIL ends a list.
 * Locking (threaded mode): zone->lock protects free_area, nr_free, pageblock
 * bits and the zone's vmstat counters; each pcp has its own lock, taken by
 * its CPU on the fast path and by drainers.  Lock order: pcp lock, then
 * zone lock.
 */
#ifndef AF_TYPES_H
#define AF_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>

#include "antifrag.h"
#include "policy.h"

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define MAX_ORDER		11	/* orders 0..10; exclusive bound */
#define NR_PAGE_ORDERS		MAX_ORDER
#define MAX_ORDER_NR_PAGES	(1UL << (MAX_ORDER - 1))
#define PAGEBLOCK_ORDER		9
#define PAGEBLOCK_NR_PAGES	(1UL << PAGEBLOCK_ORDER)
#define PAGE_ALLOC_COSTLY_ORDER	3
#define HPAGE_PMD_ORDER		9
#define PFN_NIL			UINT32_MAX
#define AF_MAX_NODES		64
#define AF_MAX_CPUS		256
#define SWAP_CLUSTER_MAX	32UL
#define MAX_RECLAIM_RETRIES	16
#define PCP_BATCH_SCALE_MAX	5	/* CONFIG_PCP_BATCH_SCALE_MAX default */
#define SMP_CACHE_BYTES		64	/* x86-64 L1 line: per-CPU data never shares one */

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};
_Static_assert(MIGRATE_TYPES <= 8, "migratetype must fit 3 pageblock bits");

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	MAX_NR_ZONES
};

/* pcp list index: one list per (pcp migratetype, order <= COSTLY) + THP */
#define NR_LOWORDER_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_THP		1
#define NR_PCP_LISTS		(NR_LOWORDER_PCP_LISTS + NR_PCP_THP)

/* struct page flags (a subset of the kernel's, plus simulator bookkeeping) */
enum pageflags {
	PG_buddy	= 1u << 0,	/* head of a free block on a free list */
	PG_reserved	= 1u << 1,	/* present but never managed (memblock) */
	PG_hole		= 1u << 2,	/* pfn inside a zone span but absent */
	PG_head		= 1u << 3,	/* compound head (__GFP_COMP) */
	PG_tail		= 1u << 4,	/* compound tail */
	PG_pcp		= 1u << 5,	/* head of a block on a pcp list */
	PG_alloc	= 1u << 6,	/* head of an allocated block (order kept) */
	PG_lru		= 1u << 7,
	PG_locked	= 1u << 8,
	PG_movable_ops	= 1u << 9,	/* non-LRU movable (__PageMovable) */
	PG_orphan	= 1u << 21,	/* allocated, let go by its driver: only pins hold it */
	PG_kernel	= 1u << 22,	/* the kernel's own memory, allocated at boot: never freed */
};

/*
 * Per-page record, 32 bytes.  For a free block only the head page carries
 * state (PG_buddy, order, links); the other pages of the block are zero.
 */
struct page {
	uint32_t flags;
	uint8_t order;		/* buddy order, pcp order or allocation order */
	uint8_t pcp_mt;		/* get/set_pcppage_migratetype */
	uint8_t alloc_mt;	/* page_owner: migratetype of the request's gfp (head page) */
	uint8_t spare;
	int32_t refcount;
	int32_t mapcount;
	uint32_t owner;		/* owner handle (world layer), 0 = none */
	uint32_t index;
	uint32_t next, prev;	/* list links as pfns */
};
_Static_assert(sizeof(struct page) == 32, "struct page must stay 32 bytes");

/*
 * Per-pageblock record: migratetype (3 bits) + skip bit, zone id, and
 * whether the block has an online memmap (see pfn_online()).
 */
#define PB_MIGRATE_MASK	0x7u
#define PB_MIGRATE_SKIP	0x8u
#define PB_ZID_MIXED	UINT16_MAX	/* pageblock straddles zones/holes */
#define PB_ZID_NONE	(UINT16_MAX - 1)	/* no zone spans any of the pageblock */
#define PB_ZID_SHIFT	3		/* zid = nid << 3 | zone_type */
#define PB_ZID_TYPE	7u
struct pageblock {
	uint8_t bits;
	uint8_t online;		/* some pfn of the block is present, online memory */
	uint16_t zid;		/* nid << PB_ZID_SHIFT | zone_type */
};

struct list_pfn {
	uint32_t first, last;
};

/*
 * nonempty: bit mt set while free_list[mt] holds a block.  It changes with
 * the lists, under the zone lock, and is read without it by the watermark
 * check (the kernel reads the list heads there racily: free_area_empty()).
 */
struct free_area {
	struct list_pfn free_list[MIGRATE_TYPES];
	unsigned long nr_free;
	unsigned int nonempty;
};

enum zone_stat_item {
	NR_FREE_PAGES,
	NR_ZONE_LRU_BASE,
	NR_ZONE_INACTIVE_ANON = NR_ZONE_LRU_BASE,
	NR_ZONE_ACTIVE_ANON,
	NR_ZONE_INACTIVE_FILE,
	NR_ZONE_ACTIVE_FILE,
	NR_ZONE_UNEVICTABLE,
	NR_ZONE_WRITE_PENDING,
	NR_MLOCK,
	NR_BOUNCE,
	NR_ZSPAGES,
	NR_FREE_CMA_PAGES,
	NR_VM_ZONE_STAT_ITEMS
};

enum numa_stat_item {
	NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_INTERLEAVE_HIT, NUMA_LOCAL,
	NUMA_OTHER, NR_VM_NUMA_EVENT_ITEMS
};

#include "vmstat_names.h"

/*
 * One CPU's pageset of one zone, with that CPU's event and NUMA counters.
 * The kernel keeps these in each CPU's own per-cpu area; here a zone's
 * pagesets are one array, so each starts on its own cache line (the array
 * comes from aligned_alloc) and no two CPUs write to a shared line.
 */
struct per_cpu_pages {
	_Alignas(SMP_CACHE_BYTES) atomic_flag lock;
	int count;		/* pages on the lists */
	int high;		/* drain when count >= high */
	int batch;		/* refill and drain chunk */
	short free_factor;	/* batch scaling when freeing without allocs */
	struct list_pfn lists[NR_PCP_LISTS];
	uint64_t numa[NR_VM_NUMA_EVENT_ITEMS];	/* zone_statistics(), this cpu */
	uint64_t events[NR_VM_EVENT_ITEMS];	/* per-cpu vm events of this zone */
};
_Static_assert(sizeof(struct per_cpu_pages) % SMP_CACHE_BYTES == 0,
	       "a pageset must end on a cache line boundary");

/* LRU lists (enum lru_list), per node */
enum lru_list {
	LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE, NR_LRU_LISTS
};

enum wmark { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

/*
 * struct zone in three parts, as the kernel pads it (ZONE_PADDING): what
 * every allocation reads and almost nothing writes; the lock with the free
 * lists it guards and the compaction state; the counters every buddy
 * operation updates.  Each of the later parts starts a cache line.
 */
struct zone {
	/* read-mostly */
	struct af_machine *m;
	struct pglist_data *pgdat;
	struct per_cpu_pages *pcp;	/* [nr_cpus] */
	enum zone_type type;
	int nid;
	const char *name;
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	unsigned long managed_pages;
	unsigned long cma_pages;
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;
	long lowmem_reserve[MAX_NR_ZONES];
	unsigned long nr_reserved_highatomic;
	int nr_isolate_pageblock;
	bool boosted_watermark;		/* ZONE_BOOSTED_WATERMARK */
	bool reclaim_active;		/* ZONE_RECLAIM_ACTIVE */
	int stat_threshold;
	unsigned long boot_late_lo;	/* where the boot's late-freed pages start */
	/* the zone lock and the free lists */
	_Alignas(SMP_CACHE_BYTES) atomic_int lock;	/* a spinlock, as 6.1's zone->lock */
	struct free_area free_area[MAX_ORDER];
	struct capture_control *capc;	/* direct compaction waiting here (zone lock) */
	/* compaction state (struct zone in 6.1) */
	unsigned long compact_cached_free_pfn;
	unsigned long compact_cached_migrate_pfn[2];	/* [0] async, [1] sync */
	unsigned long compact_init_migrate_pfn;
	unsigned long compact_init_free_pfn;
	unsigned int compact_considered;
	unsigned int compact_defer_shift;
	int compact_order_failed;
	bool compact_blockskip_flush;
	pthread_mutex_t compact_lock;	/* threaded mode: one compaction per zone */
	/* statistics */
	_Alignas(SMP_CACHE_BYTES) long vm_stat[NR_VM_ZONE_STAT_ITEMS];
	unsigned long numa_events[NR_VM_NUMA_EVENT_ITEMS];
};

static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}
static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}
static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}
/*
 * Watermarks and the boost change under the zone lock (boost_watermark,
 * sysctl writes) and are read without it: relaxed atomic reads.
 */
#define READ_ONCE_UL(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE_UL(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
static inline unsigned long wmark_pages(const struct zone *z, int i)
{
	return READ_ONCE_UL(z->_watermark[i]) + READ_ONCE_UL(z->watermark_boost);
}
static inline unsigned long min_wmark_pages(const struct zone *z)
{
	return wmark_pages(z, WMARK_MIN);
}
static inline unsigned long low_wmark_pages(const struct zone *z)
{
	return wmark_pages(z, WMARK_LOW);
}
static inline unsigned long high_wmark_pages(const struct zone *z)
{
	return wmark_pages(z, WMARK_HIGH);
}

/* A zonelist: zones in fallback order, highest zone of nearest node first. */
struct zonelist {
	int nr;
	struct zone *zones[AF_MAX_NODES * MAX_NR_ZONES];
};

struct pglist_data {
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_spanned_pages;
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist zonelist_fallback;	/* ZONELIST_FALLBACK */
	struct zonelist zonelist_nofallback;	/* ZONELIST_NOFALLBACK (__GFP_THISNODE) */
	int nr_cpus;				/* CPUs on this node */
	unsigned long kswapd_wakeups;
	int kswapd_order;
	int kswapd_highest_zoneidx;
	int kswapd_failures;
	bool kswapd_woken;		/* deterministic mode: run at the next daemon step */
	/* kcompactd (pglist_data in 6.1) */
	int nr_zones;			/* highest populated zone index + 1 */
	int kcompactd_max_order;
	int kcompactd_highest_zoneidx;
	bool kcompactd_woken;
	bool proactive_compact_trigger;
	uint64_t kcompactd_next_ns;	/* next timeout (HPAGE_FRAG_CHECK_INTERVAL_MSEC) */
	uint64_t kcompactd_timeout_ns;
	long vm_stat[NR_VM_NODE_STAT_ITEMS];
	struct list_pfn lru[NR_LRU_LISTS];
	unsigned long lru_size[NR_LRU_LISTS];
	pthread_mutex_t lru_lock;
};

/* Zone layout of one node as configured. */
struct zone_cfg {
	unsigned long start_pfn, spanned, present, managed;
	unsigned long late_freed;	/* reserved at boot, freed after watermarks */
	unsigned long hole_start;	/* first absent pfn; 0 = start + present */
	unsigned long image;		/* reserved pages that are the kernel image */
	bool set;
};

struct node_cfg {
	struct zone_cfg zones[MAX_NR_ZONES];
	int distance[AF_MAX_NODES];
	bool distance_set;
};

enum thp_mode { THP_ALWAYS, THP_MADVISE, THP_NEVER };
enum thp_defrag { DEFRAG_ALWAYS, DEFRAG_DEFER, DEFRAG_DEFER_MADVISE, DEFRAG_MADVISE, DEFRAG_NEVER };

/* Tunables with their kernel names and ranges: see sysctl.c. */
struct vm_sysctls {
	int min_free_kbytes;		/* -1: computed at boot */
	int watermark_scale_factor;
	int watermark_boost_factor;
	int lowmem_reserve_ratio[MAX_NR_ZONES];
	int percpu_pagelist_high_fraction;
	int extfrag_threshold;
	int compaction_proactiveness;
	int compact_unevictable_allowed;
	int numa_zonelist_order_node;	/* informational */
};
_Static_assert(sizeof(struct vm_sysctls) % sizeof(int) == 0, "vm_sysctls is stored int by int");

struct af_config {
	uint64_t mem_bytes;		/* 0 if the layout is explicit */
	int nr_nodes;
	int nr_cpus;
	uint64_t movablecore_bytes;
	enum thp_mode thp;
	enum thp_defrag thp_defrag;
	bool cma_enabled;		/* CONFIG_CMA: adds the CMA column */
	uint64_t cma_bytes;		/* a CMA area reserved at boot (cma=) */
	bool threaded;
	bool contents;			/* real 4 KiB of bytes per page */
	bool no_compaction;		/* policy: CONFIG_COMPACTION=n */
	bool clean_boot;		/* boot = clean: reserved pages on top, every block movable */
	bool nokaslr;			/* kaslr = 0: the kernel image at 16 MiB */
	uint64_t writeback_ns;		/* writeback_us: one page's write-out, virtual time */
	uint64_t seed;
	bool explicit_layout;
	struct node_cfg nodes[AF_MAX_NODES];
	struct vm_sysctls vm;
	bool vm_set_min_free_kbytes;
	char policy[256];		/* the policy spec, NAME[:KEY=VALUE...]; "" = linux */
	/* af_config_set_pfn_map(): one enum af_pfn_map_class per pfn (owned by
	 * the config; a machine uses it while it boots and keeps no pointer) */
	uint8_t *pfn_map;
	uint64_t pfn_map_len;
};

/* Result of a slow-path attempt, kept for the caller. */
struct alloc_context {
	struct zonelist *zonelist;
	int highest_zoneidx;
	int migratetype;
	int preferred_nid;
	struct zone *preferred_zone;
	int preferred_idx;		/* preferred_zoneref: its place in zonelist */
	bool spread_dirty_pages;
};

struct af_machine {
	struct af_config cfg;
	int nr_nodes;
	int nr_cpus;
	int cpu_to_node[AF_MAX_CPUS];
	struct pglist_data *node[AF_MAX_NODES];
	unsigned long max_pfn;		/* pages[] covers [0, max_pfn) */
	struct page *pages;
	size_t pages_bytes;
	struct pageblock *pageblocks;
	size_t nr_pageblocks;
	/* mirrors of page state compaction's scanners ask about, kept by the
	 * flag writers (pflags_*): see page_mirror() */
	struct page_scan *pscan;	/* per page */
	size_t pscan_bytes;
	uint64_t *pb_lru, *pb_buddy;	/* per pageblock: bit k = PG_lru / PG_buddy of page 8k */
	uint8_t *pb_huge;		/* per pageblock: an allocated compound of pageblock order or more covers it */
	struct vm_sysctls vm;
	int user_min_free_kbytes;	/* -1 until a user write */
	bool page_group_by_mobility_disabled;
	enum thp_mode thp;
	enum thp_defrag thp_defrag;
	bool threaded;
	uint64_t events[NR_VM_EVENT_ITEMS];	/* events not tied to a cpu */
	uint64_t extfrag_events, extfrag_fragmenting;
	uint64_t alloc_fail[MAX_ORDER];	/* af_alloc_pages calls that failed, by order */
	/* mm_page_alloc_extfrag by outcome (enum extfrag_kind) x request type x
	 * fallback type, and the fragmenting ones (fallback_order < pageblock_order) */
	uint64_t extfrag_kind[3][MIGRATE_PCPTYPES][MIGRATE_PCPTYPES];
	uint64_t extfrag_kind_fragmenting[3][MIGRATE_PCPTYPES][MIGRATE_PCPTYPES];
	void *workload;			/* live blocks of the mixed workload */
	void (*workload_free)(struct af_machine *m);	/* set by the workload that owns it */
	struct world *world;		/* owners of pages (world.h) */
	const struct world_ops *wops;	/* the world's operations, or NULL */
	unsigned long cma_base, cma_count;	/* the CMA area, pageblock aligned */
	struct daemons *daemons;		/* kswapd/kcompactd threads (threaded mode) */
	uint8_t *cma_bitmap;			/* one byte per page: allocated */
	pthread_mutex_t global_lock;	/* sysctl writes, watermark setup */
	/* tracing (trace.c): the event sink, the text sink, and whether either is set */
	af_event_fn event_fn;
	void *event_arg;
	af_trace_fn trace_fn;
	void *trace_arg;
	int (*trace_format)(const struct af_event *ev, char *buf, size_t len);	/* views/events.c */
	bool trace_enabled;
	uint64_t clock_ns;		/* virtual clock (deterministic mode) */
	uint64_t hold_next;		/* the world's first hold deadline (UINT64_MAX: none) */
	af_sample_fn sample_fn;		/* the sampler (snapshot.c) */
	void (*sample_fire)(struct af_machine *m, uint64_t now);
	void *sample_arg;
	uint64_t sample_interval, sample_next;
	af_phase_fn phase_fn;		/* af_phase_hook_set (util.c) */
	void *phase_arg;
	const struct af_slowpath_ops *slow_ops;	/* &slow_ops_copy or NULL */
	struct af_slowpath_ops slow_ops_copy;	/* the caller's hooks, copied */
	void *slow_arg;
	struct af_policy pol;		/* the policy table in force (a copy: one load per hook) */
	long pol_param[POLICY_MAX_PARAMS];
	void *pol_state;		/* the policy's own state, freed with the machine */
};

/*
 * Read-modify-write of words that other threads may update at the same
 * time (page flags, reference and map counts, node and zone counters).
 * In threaded mode they are locked atomic operations.  Deterministic mode
 * runs on one thread, so a plain update gives the same result; it avoids
 * the bus lock, which also stalls the other memory accesses in flight and
 * would otherwise dominate a page's migration.  `shared` is the machine's
 * threaded flag, fixed at creation.
 */
static inline uint32_t rmw_or32(bool shared, uint32_t *w, uint32_t v)
{
	uint32_t old;

	if (shared)
		return __atomic_fetch_or(w, v, __ATOMIC_ACQ_REL);
	old = *w;
	*w = old | v;
	return old;
}
static inline uint32_t rmw_and32(bool shared, uint32_t *w, uint32_t v)
{
	uint32_t old;

	if (shared)
		return __atomic_fetch_and(w, v, __ATOMIC_ACQ_REL);
	old = *w;
	*w = old & v;
	return old;
}
/* set the bits `set` and clear the bits `clr` of *w */
static inline void rmw_bits8(bool shared, uint8_t *w, uint8_t set, uint8_t clr)
{
	if (shared) {
		if (set)
			__atomic_fetch_or(w, set, __ATOMIC_ACQ_REL);
		if (clr)
			__atomic_fetch_and(w, (uint8_t)~clr, __ATOMIC_ACQ_REL);
	} else {
		*w = (uint8_t)((*w | set) & ~clr);
	}
}
/* set (on) or clear the bits `bits` of *w */
static inline void rmw_mask64(bool shared, uint64_t *w, uint64_t bits, bool on)
{
	if (shared) {
		if (on)
			__atomic_fetch_or(w, bits, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(w, ~bits, __ATOMIC_RELAXED);
	} else {
		*w = on ? *w | bits : *w & ~bits;
	}
}
/* returns the new value */
static inline int32_t rmw_add32(bool shared, int32_t *w, int32_t d)
{
	if (shared)
		return __atomic_add_fetch(w, d, __ATOMIC_ACQ_REL);
	*w += d;
	return *w;
}
static inline void rmw_add_long(bool shared, long *w, long d)
{
	if (shared)
		__atomic_fetch_add(w, d, __ATOMIC_RELAXED);
	else
		*w += d;
}
static inline void rmw_add_u64(bool shared, uint64_t *w, uint64_t d)
{
	if (shared)
		__atomic_fetch_add(w, d, __ATOMIC_RELAXED);
	else
		*w += d;
}

/*
 * page->flags accessors.  A page's flags are written only by its current
 * owner (the zone lock holder for free pages, the pcp lock holder for pcp
 * pages, the allocating or freeing caller otherwise) but read by anyone
 * merging or scanning neighbours, so every access is atomic (acquire loads,
 * release stores: plain moves on x86), and a flag set after a page's owner
 * fields publishes them.
 */
static inline uint32_t pflags(const struct page *p)
{
	return __atomic_load_n(&p->flags, __ATOMIC_ACQUIRE);
}

/*
 * What compaction's scanners ask of every page they pass (PageBuddy and
 * its order, a compound head and its order, PageLRU, __PageMovable,
 * PageWriteback) is mirrored in m->pscan, two bytes a page beside the 32
 * of struct page: the scanners walk the mirror (32 pages a cache line
 * rather than two) and read a struct page only where they act on it.
 * Nothing about which pages are scanned, or in what order, changes: only
 * the memory the simulator reads to decide.  The reset walk's samples
 * (__reset_isolation_pfn looks at every 8th page of a pageblock for PG_lru
 * or PG_buddy) are also kept as two words a pageblock, m->pb_lru and
 * m->pb_buddy (bit k: the page 8k pages into the block).
 *
 * Each flag writer below keeps them: `may` is what the writer can change,
 * a constant for most writers, so the check folds away where none of the
 * mirrored flags is touched (the pcp fast path).  A page's order is set
 * before PG_buddy or PG_head (the mirror copies it then).
 */
#define PS_BUDDY	0x01u
#define PS_HEAD		0x02u	/* a compound head: allocated (PG_head implies PG_alloc) */
#define PS_LRU		0x04u
#define PS_MOVABLE_OPS	0x08u
#define PS_WRITEBACK	0x10u	/* PageWriteback: async compaction passes it by */
struct page_scan {
	uint8_t flags;		/* PS_* */
	uint8_t order;		/* the page's order while PS_BUDDY or PS_HEAD */
};
#define PG_WRITEBACK_BIT	(1u << 14)	/* mm.h's PG_writeback */
#define PG_MIRRORED		(PG_buddy | PG_head | PG_lru | PG_movable_ops | PG_WRITEBACK_BIT)
#define SAMPLE_ORDER		PAGE_ALLOC_COSTLY_ORDER
void page_mirror_update(const struct af_machine *m, const struct page *p, uint32_t old, uint32_t nf);
static inline void page_mirror(const struct af_machine *m, const struct page *p, uint32_t may,
			       uint32_t old, uint32_t nf)
{
	if ((may & PG_MIRRORED) && ((old ^ nf) & PG_MIRRORED))
		page_mirror_update(m, p, old, nf);
}
/* the mirror's bits for page flags f */
static inline uint8_t ps_bits(uint32_t f)
{
	return (uint8_t)(((f & PG_buddy) ? PS_BUDDY : 0) | ((f & PG_head) ? PS_HEAD : 0) |
			 ((f & PG_lru) ? PS_LRU : 0) | ((f & PG_movable_ops) ? PS_MOVABLE_OPS : 0) |
			 ((f & PG_WRITEBACK_BIT) ? PS_WRITEBACK : 0));
}
static inline uint8_t ps_flags(const struct af_machine *m, unsigned long pfn)
{
	return __atomic_load_n(&m->pscan[pfn].flags, __ATOMIC_ACQUIRE);
}
static inline unsigned int ps_order(const struct af_machine *m, unsigned long pfn)
{
	return __atomic_load_n(&m->pscan[pfn].order, __ATOMIC_RELAXED);
}
static inline void pflags_set(const struct af_machine *m, struct page *p, uint32_t f)
{
	uint32_t old = pflags(p);

	__atomic_store_n(&p->flags, f, __ATOMIC_RELEASE);
	page_mirror(m, p, ~0u, old, f);
}
static inline void pflags_change(const struct af_machine *m, struct page *p, uint32_t clear, uint32_t set)
{
	uint32_t old = pflags(p), nf = (old & ~clear) | set;

	__atomic_store_n(&p->flags, nf, __ATOMIC_RELEASE);
	page_mirror(m, p, clear | set, old, nf);
}
static inline void pflags_or(const struct af_machine *m, struct page *p, uint32_t f)
{
	uint32_t old = pflags(p);

	__atomic_store_n(&p->flags, old | f, __ATOMIC_RELEASE);
	page_mirror(m, p, f, old, old | f);
}
static inline void pflags_clear(const struct af_machine *m, struct page *p, uint32_t f)
{
	uint32_t old = pflags(p);

	__atomic_store_n(&p->flags, old & ~f, __ATOMIC_RELEASE);
	page_mirror(m, p, f, old, old & ~f);
}

/*
 * page->order is read without locks by compaction's scanners and the
 * checks beside them (buddy_order_unsafe), so it is accessed atomically.
 */
static inline unsigned int porder(const struct page *p)
{
	return __atomic_load_n(&p->order, __ATOMIC_RELAXED);
}
static inline void pset_order(struct page *p, unsigned int order)
{
	__atomic_store_n(&p->order, (uint8_t)order, __ATOMIC_RELAXED);
}

static inline struct page *pfn_to_page(struct af_machine *m, unsigned long pfn)
{
	return &m->pages[pfn];
}
static inline unsigned long page_to_pfn(struct af_machine *m, const struct page *p)
{
	return (unsigned long)(p - m->pages);
}

#endif /* AF_TYPES_H */
