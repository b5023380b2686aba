/*
 * world.h - what owns pages: processes (address spaces, VMAs, page tables,
 * anon_vma reverse mapping), files (page cache, i_mmap), slab caches,
 * drivers with non-LRU movable pages, huge pages; LRU lists; the optional
 * backing store of real page contents.
 *
 * Identity of data: a page's owner (page->owner, an index into the owner
 * table) and page->index (the virtual page number of anonymous memory, the
 * file offset of page cache, the slab or driver page number) say whose data
 * a page holds.  What the owner last wrote is recorded in the owner's own
 * structures (the generation in a PTE or page cache entry), never in struct
 * page, so the integrity pass can compare every page's bytes with it.
 *
 * Locking (threaded mode): world->rw taken for writing (wr_lock) serialises
 * structural changes (creating processes and files, mmap, fork, exit, slab
 * and driver calls); accesses and migration take it for reading (rd_lock);
 * world->lock guards the free hugetlb pool at fault time; each PTE page has
 * a ptl taken by accesses and by migration's unmap/remap; each file has a
 * lock over its page cache; node->lru_lock protects the LRU lists;
 * PG_locked is the page lock (atomic bit).  Order: world->rw, page lock,
 * ptl or file lock, lru_lock, zone lock.
 */
#ifndef AF_WORLD_H
#define AF_WORLD_H

#include "mm.h"


enum owner_type { OWN_NONE, OWN_ANON, OWN_FILE, OWN_SLAB, OWN_DRIVER, OWN_PGTABLE,
		  OWN_HUGETLB_POOL };

struct owner {
	uint8_t type;
	bool dead;
	bool fallback_aops;	/* a file's: no ->migrate_folio (its file's, kept here
				 * for migration's owner_kind without a look at the file) */
	uint32_t obj;		/* index of the anon_vma / file / cache / driver */
	struct pc_entry *pc;	/* a file's: its page cache index (the file's pages,
				 * kept here so migration and reclaim find a page's
				 * slot without a look at the file; under its lock) */
};

/* PTE encoding: present, migration entry, write-protect, pfn, generation */
#define PTE_PRESENT	1ULL
#define PTE_MIGRATION	2ULL		/* migration entry: accesses wait */
#define PTE_WP		4ULL		/* shared after fork: write faults COW */
#define PTE_PFN_SHIFT	8
#define PTE_PFN_MASK	0xffffffffULL
#define PTE_GEN_SHIFT	40
#define PTE_GEN_MASK	0xffffffULL

static inline uint64_t mk_pte(unsigned long pfn, uint32_t gen, uint64_t flags)
{
	return ((uint64_t)pfn << PTE_PFN_SHIFT) | ((uint64_t)(gen & PTE_GEN_MASK) << PTE_GEN_SHIFT) | flags;
}
static inline unsigned long pte_pfn(uint64_t pte) { return (unsigned long)((pte >> PTE_PFN_SHIFT) & PTE_PFN_MASK); }
static inline uint32_t pte_gen(uint64_t pte) { return (uint32_t)((pte >> PTE_GEN_SHIFT) & PTE_GEN_MASK); }

#define PTRS_PER_PTE 512

/* One PTE page: its machine pfn (an UNMOVABLE page) and its entries. */
struct pte_page {
	uint32_t pfn;
	int nr;				/* entries in use */
	pthread_mutex_t ptl;
	uint64_t pte[PTRS_PER_PTE];
};

/* One PMD entry: a PTE page, or a huge (PMD-mapped) page in `huge`. */
struct pmd_slot {
	struct pte_page *pt;
	uint64_t huge;
	uint32_t *hgen;			/* huge: generation of each subpage */
	pthread_mutex_t hptl;		/* ptl of a PMD mapping */
};

enum vma_kind { VMA_ANON, VMA_FILE, VMA_HUGETLB };

struct vma {
	uint64_t start, npages;		/* virtual page numbers */
	enum vma_kind kind;
	int file;			/* VMA_FILE: file id */
	uint64_t pgoff;			/* VMA_FILE: file page of start */
	uint32_t anon_vma;		/* VMA_ANON/HUGETLB: own anon_vma id */
	bool mlocked, thp, dead;
};

struct mm {
	int id;
	bool alive;
	struct vma *vmas;
	int nvmas, cap;
	struct pmd_slot *pmds;		/* indexed by vpn >> 9 */
	size_t npmds;
	uint32_t *pmd_pages;		/* one PMD page per 512 PMD slots */
	size_t npmd_pages;
	uint32_t pgd_pfn;		/* order-1 PGD (page-table isolation) */
	uint64_t next_vpn;
	uint64_t rss;
	pthread_mutex_t pt_lock;	/* page-table allocation */
};

struct vma_ref { int mm, vma; };

/* anon_vma: the VMAs that may map its pages (anon_vma_chain) */
struct anon_vma {
	uint32_t owner;
	struct vma_ref *vmas;
	int nvmas, cap;
	int refs;			/* VMAs pointing at it as their own */
	/*
	 * Deterministic mode: the chain's only live VMA, resolved by the last
	 * rmap walk and valid while world->layout_gen is hint_gen.  Compaction
	 * walks the pages of one mapping in runs; this spares each walk the
	 * lookups from chain entry to VMA.
	 */
	uint64_t hint_gen;
	struct mm *hint_mm;
	struct vma *hint_vma;
};

struct pc_entry { uint32_t pfn; uint32_t gen; };

struct file {
	uint32_t owner;
	bool fallback_aops;		/* no ->migrate_folio: dirty pages need writeout */
	bool dead;
	struct pc_entry *pages;
	size_t npages;
	struct vma_ref *maps;		/* i_mmap */
	int nmaps, cap;
	pthread_mutex_t lock;		/* i_pages lock */
};

/* The page cache's index range: an index is stored in 31 bits */
#define FILE_MAX_INDEX (1ULL << 31)
/* The largest mapping, in base pages (4 TiB) */
#define MAX_MAP_PAGES (1ULL << 30)
/*
 * Host memory: a file's page cache index and a process's page-table slots
 * are flat arrays sized to the highest index or address used, so these
 * bound them (128 MiB and 32 MiB of host memory); past them a page-cache
 * fill or an mmap fails with -ENOMEM naming the host memory it would take.
 * Simplification: the kernel's xarray and page tables are sparse.
 */
#define FILE_HOST_INDEX_LIMIT (1ULL << 24)
#define PROC_HOST_VPN_LIMIT (1ULL << 28)

#define SLAB_MAX_OBJS 512
struct slab {
	uint32_t pfn;
	uint16_t inuse;
	uint16_t objs;			/* objects this slab holds (its order's, at most the cache's) */
	uint64_t used[SLAB_MAX_OBJS / 64];
};

struct kmem_cache {
	char name[32];
	uint32_t owner;
	unsigned size, order, objs;
	bool reclaimable;
	bool pinned;			/* every object in use: shrinkers free none */
	struct slab *slabs;
	int nslabs, cap;
	/*
	 * Two trees over the slab indices, tsize leaves (a power of two, 0:
	 * none yet), nodes 1..2*tsize-1: tfree holds the most free objects
	 * of a slab below a node (to find the newest slab with room), tmin
	 * the fewest objects in use (the shrinker's emptiest slab, the
	 * first of equals).  Leaves past nslabs hold 0 and UINT16_MAX.
	 */
	uint16_t *tfree, *tmin;
	int tsize;
};

struct driver {
	uint32_t owner;
	struct af_movable_ops ops;
	void *arg;
	uint32_t *pfns;			/* driver page number -> pfn (PFN_NIL if none) */
	uint32_t *gens;
	size_t npages;
	int fail_migrate_after;		/* failure injection: -1 off */
};

/* A deterministic-mode holder of a page lock or writeback, until `until` */
struct timed_hold {
	uint32_t pfn;
	uint8_t what;			/* PG_locked or PG_writeback >> 8; 0: an empty slot */
	uint64_t until;
};

/* A timed hold's deadline in the queue that ends holds on time (a min-heap
 * by until; an entry whose hold has ended or been renewed is dropped when
 * it comes up) */
struct hold_due {
	uint64_t until;
	uint32_t pfn;
	uint8_t what;
};

/* FOLL_PIN references a caller holds on a page (af_page_pin) */
struct pin {
	uint32_t pfn;
	uint32_t count;
};

struct world {
	pthread_rwlock_t rw;		/* read: accesses, migration; write: structure */
	pthread_mutex_t lock;
	struct owner *owners;
	size_t nowners, owners_cap;
	struct mm **mms;
	int nmms, mms_cap;
	struct anon_vma **avs;
	int navs, avs_cap;
	struct file **files;
	int nfiles, files_cap;
	struct kmem_cache **caches;
	int ncaches, caches_cap;
	struct driver **drivers;
	int ndrivers, drivers_cap;
	uint8_t *contents;		/* backing store: max_pfn pages, or NULL */
	size_t contents_bytes;
	struct timed_hold *holds;	/* open addressing by pfn; what == 0: empty slot */
	int nholds;
	uint32_t hold_mask;		/* slots - 1 (a power of two; holds NULL: none yet) */
	unsigned int hold_shift;	/* 64 - log2(slots): hold_home()'s shift */
	struct hold_due *due;		/* the holds' deadlines, earliest first */
	uint32_t ndue, due_cap;
	pthread_mutex_t holds_lock;	/* the holds, their deadlines and the pins */
	struct pin *pins;		/* pinned pages, unordered */
	int npins, pins_cap;
	uint64_t io_ns;			/* modelled duration of one page write-out */
	uint32_t hugetlb_owner;
	uint32_t *hpool;		/* free hugetlb pages (head pfns) */
	int nhpool, hpool_cap;
	int hugetlb_next_nid;		/* round robin of fresh huge pages (hstate next_nid_to_alloc) */
	unsigned long nr_hugepages, free_hugepages;
	uint64_t fault_gen;
	uint32_t pgtable_owner;
	uint64_t layout_gen;		/* bumped under the write lock: VMAs, chains, tables */
};

/* A pfn's first slot in the hold table (Fibonacci hashing) */
static inline uint32_t hold_home(const struct world *w, uint32_t pfn)
{
	return (uint32_t)(((uint64_t)pfn * 0x9e3779b97f4a7c15ULL) >> w->hold_shift);
}

/* in world.c */
uint32_t page_pins(struct af_machine *m, unsigned long pfn);

/* in process.c */
struct vma *find_vma(struct mm *mm, uint64_t vpn);
int pgtable_relocate(struct af_machine *m, int cpu, unsigned long old_pfn, unsigned long new_pfn);
int vma_index(struct mm *mm, struct vma *v);
uint32_t next_gen(struct af_machine *m);
struct page *prep_owned_page(struct af_machine *m, unsigned long pfn, uint32_t owner,
			     uint32_t index, uint32_t flags);

/* World locks are real only in threaded mode (deterministic mode is one thread). */
static inline void wr_lock(struct af_machine *m)
{
	if (m->threaded)
		pthread_rwlock_wrlock(&m->world->rw);
	m->world->layout_gen++;
}
static inline void wr_unlock(struct af_machine *m) { if (m->threaded) pthread_rwlock_unlock(&m->world->rw); }
static inline void rd_lock(struct af_machine *m) { if (m->threaded) pthread_rwlock_rdlock(&m->world->rw); }
static inline void rd_unlock(struct af_machine *m) { if (m->threaded) pthread_rwlock_unlock(&m->world->rw); }
/* in world.c */
int world_init(struct af_machine *m);
void world_destroy(struct af_machine *m);
struct owner *owner_of(struct af_machine *m, const struct page *p);
void contents_fill(struct af_machine *m, unsigned long pfn, uint32_t owner, uint32_t index,
		   uint32_t gen);
bool contents_check(struct af_machine *m, unsigned long pfn, uint32_t owner, uint32_t index,
		    uint32_t gen);
void contents_copy(struct af_machine *m, unsigned long dst, unsigned long src, unsigned int order);
void wait_page_unlocked(struct af_machine *m, unsigned long pfn);
void wait_page_writeback(struct af_machine *m, unsigned long pfn);
void world_poll_holds(struct af_machine *m, unsigned long pfn);
void start_writeback(struct af_machine *m, unsigned long pfn, uint64_t ns);
void writeback_end_now(struct af_machine *m, unsigned long pfn);
bool end_timed_holds(struct af_machine *m, unsigned long pfn, bool end);
void world_freed_held(struct af_machine *m, unsigned long pfn);

/*
 * rmap_walk(): call fn for every PTE (or PMD) that maps pfn or holds a
 * migration entry for it.  fn gets the entry's location and its lock.
 */
typedef void (*rmap_fn)(struct af_machine *m, uint64_t *entry, pthread_mutex_t *ptl,
			struct mm *mm, uint64_t vpn, void *arg);
int rmap_walk(struct af_machine *m, unsigned long pfn, rmap_fn fn, void *arg);
void free_owned_page(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order);
int slab_shrink(struct af_machine *m, int cpu, int cid, unsigned long nr, unsigned long *freed);
int slab_shrink_locked(struct af_machine *m, int cpu, int cid, unsigned long nr,
		       unsigned long *freed);

/* in slab.c */
int slab_recreate(struct af_machine *m, int cpu, unsigned long old_pfn, unsigned long new_pfn,
		  unsigned *nobjs);

/* in filemap.c */
int filemap_get_page(struct af_machine *m, int fid, int cpu, uint64_t index, unsigned long *pfn);
void set_page_dirty(struct af_machine *m, unsigned long pfn);

/* in hugetlb.c */
int hugetlb_fault(struct af_machine *m, struct mm *mm, struct vma *v, uint64_t vpn);
/* in rmap.c: the owners' side of migration (world_ops) */
int world_owner_kind(struct af_machine *m, unsigned long pfn);
bool world_movable_isolate(struct af_machine *m, unsigned long pfn);
void world_movable_putback(struct af_machine *m, unsigned long pfn);
void world_try_to_migrate(struct af_machine *m, unsigned long pfn, struct unmap_arg *ua);
int world_remove_migration_ptes(struct af_machine *m, const struct unmap_arg *u,
				unsigned long old, unsigned long new);
int world_move_to_new_page(struct af_machine *m, unsigned long dst, unsigned long src,
			   enum af_migrate_mode mode, struct zone *sz, struct zone *dz);
long hugetlb_alloc_target(struct af_machine *m, int cpu, int nid);
void hugetlb_free_page(struct af_machine *m, int cpu, unsigned long pfn);
unsigned long hugetlb_pool_size(struct af_machine *m);

uint32_t new_owner(struct af_machine *m, enum owner_type type, uint32_t obj);

/* in integrity.c */
int integrity_check(struct af_machine *m, char *report, size_t len);

#endif /* AF_WORLD_H */
