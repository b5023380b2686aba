/*
 * process.c - processes: address spaces, VMAs, page tables whose pages come
 * from the machine (UNMOVABLE), anonymous and file faults, copy-on-write
 * after fork, transparent huge pages, munmap and exit (mm/memory.c:
 * do_anonymous_page, do_wp_page; mm/huge_memory.c:
 * do_huge_pmd_anonymous_page; kernel/fork.c: dup_mmap with anon_vma_fork;
 * mm/mmap.c).
 *
 * Simplifications: page-table pages are freed at exit, not at munmap; a
 * copy-on-write fault on a shared THP needs a new THP (no PMD split) and
 * fails with -ENOMEM without one; VMAs never merge or split.  A write to a
 * write-protected page reuses it when it is mapped once and its page lock
 * can be taken (6.1 also requires the reference count to be 1).
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

#define GROW(arr, n, cap, fail) do {					\
	if ((n) == (cap)) {						\
		int nc_ = (cap) ? (cap) * 2 : 8;			\
		void *np_ = realloc((arr), (size_t)nc_ * sizeof(*(arr))); \
		if (!np_)						\
			fail;						\
		(arr) = np_;						\
		(cap) = nc_;						\
	}								\
} while (0)

uint32_t next_gen(struct af_machine *m)
{
	uint32_t g = (uint32_t)(__atomic_add_fetch(&m->world->fault_gen, 1, __ATOMIC_RELAXED) & PTE_GEN_MASK);
	return g ? g : 1;
}

struct vma *find_vma(struct mm *mm, uint64_t vpn)
{
	for (int i = 0; i < mm->nvmas; i++) {
		struct vma *v = &mm->vmas[i];
		if (!v->dead && vpn >= v->start && vpn < v->start + v->npages)
			return v;
	}
	return NULL;
}

int vma_index(struct mm *mm, struct vma *v)
{
	return (int)(v - mm->vmas);
}

/* Allocate a page for an owner on CPU cpu; the owner's flags, index, stats */
struct page *prep_owned_page(struct af_machine *m, unsigned long pfn, uint32_t owner,
			     uint32_t index, uint32_t flags)
{
	struct page *p = &m->pages[pfn];

	p->owner = owner;
	p->index = index;
	pflags_fetch_or(m, p, flags);
	return p;
}

static struct mm *get_mm(struct af_machine *m, int pid)
{
	struct world *w = m->world;

	if (!w || pid < 0 || pid >= w->nmms || !w->mms[pid]->alive)
		return NULL;
	return w->mms[pid];
}

/* A page-table page: GFP_PGTABLE_USER (GFP_KERNEL | __GFP_ACCOUNT | __GFP_ZERO) */
static int alloc_pgtable_page(struct af_machine *m, int cpu, unsigned int order, int mmid,
			      bool count, uint32_t *pfn)
{
	struct af_alloc_result r;
	int ret = af_alloc_pages(m, cpu, AF_GFP_KERNEL_ACCOUNT | AF___GFP_ZERO, order, -1, &r);

	if (ret)
		return ret;
	prep_owned_page(m, (unsigned long)r.pfn, m->world->pgtable_owner, (uint32_t)mmid,
			count ? PG_pgtable : 0);
	if (count)
		page_stat_mod(m, (unsigned long)r.pfn, NS_NR_PAGE_TABLE_PAGES, 1);
	contents_fill(m, (unsigned long)r.pfn, m->world->pgtable_owner, (uint32_t)mmid, 0);
	*pfn = (uint32_t)r.pfn;
	return 0;
}

static void free_pgtable_page(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order)
{
	if (pflags(&m->pages[pfn]) & PG_pgtable)
		page_stat_mod(m, pfn, NS_NR_PAGE_TABLE_PAGES, -1);
	pflags_fetch_and(m, &m->pages[pfn], ~PG_pgtable);
	m->pages[pfn].owner = 0;
	af_free_pages(m, cpu, pfn, order);
}

/*
 * Move a page-table page (PGD, PMD or PTE page) of a live process to
 * new_pfn, an allocated block of the same order with no owner that the
 * caller chose: copy the table, repoint the entry that refers to it (the
 * mm's pgd, its PMD-page slot or the PMD entry of the PTE page, under the
 * world's write lock and the table's ptl), move the accounting, free the
 * old page.  6.1 has no such operation; a policy that assumes one uses it.
 * -ENOENT if old_pfn is no longer a page table of a live process, -EINVAL
 * if the orders differ; then nothing changed.
 */
int pgtable_relocate(struct af_machine *m, int cpu, unsigned long old_pfn, unsigned long new_pfn)
{
	struct page *p = &m->pages[old_pfn], *np = &m->pages[new_pfn];
	struct world *w = m->world;
	pthread_mutex_t *ptl = NULL;
	uint32_t *ref = NULL, flags;
	unsigned int order;
	struct owner *o;
	struct mm *mm;

	wr_lock(m);
	o = owner_of(m, p);
	if (!o || o->type != OWN_PGTABLE || !(pflags(p) & PG_alloc) || p->index >= (uint32_t)w->nmms ||
	    !(mm = w->mms[p->index])->alive) {
		wr_unlock(m);
		return -ENOENT;
	}
	order = p->order;
	if (np->order != order || !(pflags(np) & PG_alloc) || np->owner) {
		wr_unlock(m);
		return -EINVAL;
	}
	if (mm->pgd_pfn == old_pfn)
		ref = &mm->pgd_pfn;
	for (size_t j = 0; !ref && j < mm->npmd_pages; j++)
		if (mm->pmd_pages[j] == old_pfn)
			ref = &mm->pmd_pages[j];
	for (size_t j = 0; !ref && j < mm->npmds; j++)
		if (mm->pmds[j].pt && mm->pmds[j].pt->pfn == old_pfn) {
			ref = &mm->pmds[j].pt->pfn;
			ptl = &mm->pmds[j].pt->ptl;
		}
	if (!ref) {
		wr_unlock(m);
		return -ENOENT;
	}
	flags = pflags(p) & PG_pgtable;
	contents_copy(m, new_pfn, old_pfn, order);
	prep_owned_page(m, new_pfn, p->owner, p->index, flags);
	if (ptl)
		wlock(m, ptl);
	*ref = (uint32_t)new_pfn;
	if (ptl)
		wunlock(m, ptl);
	if (flags) {
		page_stat_mod(m, new_pfn, NS_NR_PAGE_TABLE_PAGES, 1);
		page_stat_mod(m, old_pfn, NS_NR_PAGE_TABLE_PAGES, -1);
	}
	pflags_fetch_and(m, p, ~PG_pgtable);
	p->owner = 0;
	p->index = 0;
	af_free_pages(m, cpu, old_pfn, order);
	wr_unlock(m);
	return 0;
}

/*
 * arch_pick_mmap_layout(): the mmap base is randomised page by page (ASLR,
 * mmap_rnd_bits), so where a process's mappings sit within a 2 MiB region,
 * which decides how many of them THP can back, is random per process; drawn
 * here from the seed and the process's id.
 */
static uint64_t mmap_rnd(const struct af_machine *m, int id)
{
	struct af_rng r;

	af_rng_seed(&r, af_machine_seed(m) ^ 0x6d6d6170ULL ^ ((uint64_t)id << 32));
	return af_rng_below(&r, 512);
}

int af_proc_create(struct af_machine *m, int *pid)
{
	struct world *w;
	struct mm *mm;
	int ret;

	if (!m || !(w = m->world) || !pid)
		return af_err(-EINVAL, "bad arguments");
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return af_err(-ENOMEM, "out of memory");
	pthread_mutex_init(&mm->pt_lock, NULL);
	mm->alive = true;
	wr_lock(m);
	mm->id = w->nmms;
	mm->next_vpn = 0x10000 + mmap_rnd(m, mm->id);
	/* pgd_alloc(): order 1 with page-table isolation */
	ret = alloc_pgtable_page(m, API_CPU, 1, mm->id, false, &mm->pgd_pfn);
	if (ret) {
		wr_unlock(m);
		pthread_mutex_destroy(&mm->pt_lock);
		free(mm);
		return ret;
	}
	GROW(w->mms, w->nmms, w->mms_cap, {
		free_pgtable_page(m, API_CPU, mm->pgd_pfn, 1);
		wr_unlock(m);
		free(mm);
		return af_err(-ENOMEM, "out of memory");
	});
	w->mms[w->nmms++] = mm;
	*pid = mm->id;
	wr_unlock(m);
	return 0;
}

static int new_anon_vma(struct af_machine *m, uint32_t *id)
{
	struct world *w = m->world;
	struct anon_vma *av = calloc(1, sizeof(*av));

	if (!av)
		return af_err(-ENOMEM, "out of memory");
	GROW(w->avs, w->navs, w->avs_cap, { free(av); return af_err(-ENOMEM, "out of memory"); });
	av->owner = new_owner(m, OWN_ANON, (uint32_t)w->navs);
	if (!av->owner) {
		free(av);
		return af_err(-ENOMEM, "out of memory");
	}
	w->avs[w->navs] = av;
	*id = (uint32_t)w->navs++;
	return 0;
}

static int av_chain(struct anon_vma *av, int mmid, int vma)
{
	GROW(av->vmas, av->nvmas, av->cap, return af_err(-ENOMEM, "out of memory"));
	av->vmas[av->nvmas++] = (struct vma_ref){ mmid, vma };
	return 0;
}

static void av_unchain(struct af_machine *m, int mmid, int vma)
{
	struct world *w = m->world;

	for (int i = 0; i < w->navs; i++) {
		struct anon_vma *av = w->avs[i];
		for (int j = 0; j < av->nvmas; j++)
			if (av->vmas[j].mm == mmid && av->vmas[j].vma == vma) {
				av->vmas[j] = av->vmas[--av->nvmas];
				break;
			}
		if (!av->nvmas)
			w->owners[av->owner].dead = true;
	}
}

/* Grow the PMD array to cover [0, end_vpn) */
static int cover_pmds(struct mm *mm, uint64_t end_vpn)
{
	size_t need = (size_t)((end_vpn + 511) >> 9);

	if (need <= mm->npmds)
		return 0;
	struct pmd_slot *np = realloc(mm->pmds, need * sizeof(*np));
	if (!np)
		return af_err(-ENOMEM, "out of memory");
	memset(np + mm->npmds, 0, (need - mm->npmds) * sizeof(*np));
	for (size_t i = mm->npmds; i < need; i++)
		pthread_mutex_init(&np[i].hptl, NULL);
	mm->pmds = np;
	mm->npmds = need;
	size_t npp = (need + 511) / 512;
	if (npp > mm->npmd_pages) {
		uint32_t *pp = realloc(mm->pmd_pages, npp * sizeof(*pp));
		if (!pp)
			return af_err(-ENOMEM, "out of memory");
		for (size_t i = mm->npmd_pages; i < npp; i++)
			pp[i] = PFN_NIL;
		mm->pmd_pages = pp;
		mm->npmd_pages = npp;
	}
	return 0;
}

static int add_vma(struct af_machine *m, struct mm *mm, uint64_t npages, enum vma_kind kind,
		   int fid, uint64_t pgoff, unsigned flags, uint64_t *vpn)
{
	struct world *w = m->world;
	struct vma v = { 0 };
	int ret;

	if (!npages || npages > MAX_MAP_PAGES)
		return af_err(-EINVAL, "mapping of %llu pages is out of range",
			      (unsigned long long)npages);
	v.start = mm->next_vpn;
	if (kind == VMA_HUGETLB || (flags & AF_MAP_THP))
		v.start = (v.start + 511) & ~511ULL;	/* huge-page aligned */
	v.npages = npages;
	v.kind = kind;
	v.file = fid;
	v.pgoff = pgoff;
	v.mlocked = flags & AF_MAP_MLOCK;
	v.thp = flags & AF_MAP_THP;
	if (v.start + npages > PROC_HOST_VPN_LIMIT)
		return af_err(-ENOMEM, "mapping of %llu pages: the process's page-table slots would "
			      "take %llu MiB of host memory (at most %llu MiB per process)",
			      (unsigned long long)npages,
			      (unsigned long long)(((v.start + npages) >> 9) * sizeof(struct pmd_slot) >> 20),
			      (unsigned long long)((PROC_HOST_VPN_LIMIT >> 9) * sizeof(struct pmd_slot) >> 20));
	ret = cover_pmds(mm, v.start + npages);
	if (ret)
		return ret;
	if (kind != VMA_FILE) {
		ret = new_anon_vma(m, &v.anon_vma);
		if (ret)
			return ret;
	}
	GROW(mm->vmas, mm->nvmas, mm->cap, return af_err(-ENOMEM, "out of memory"));
	mm->vmas[mm->nvmas] = v;
	if (kind != VMA_FILE) {
		ret = av_chain(w->avs[v.anon_vma], mm->id, mm->nvmas);
		if (ret)
			return ret;
		w->avs[v.anon_vma]->refs++;
	} else {
		struct file *f = w->files[fid];
		GROW(f->maps, f->nmaps, f->cap, return af_err(-ENOMEM, "out of memory"));
		f->maps[f->nmaps++] = (struct vma_ref){ mm->id, mm->nvmas };
	}
	mm->nvmas++;
	mm->next_vpn = v.start + npages;
	*vpn = v.start;
	return 0;
}

/* mmap(): a new VMA in process pid, under the world's write lock */
static int do_mmap(struct af_machine *m, int pid, uint64_t npages, enum vma_kind kind, int fid,
		   uint64_t pgoff, unsigned flags, uint64_t *vpn)
{
	struct mm *mm;
	int ret;

	if (!m || !m->world || !vpn)
		return af_err(-EINVAL, "bad arguments");
	wr_lock(m);
	mm = get_mm(m, pid);
	if (!mm)
		ret = af_err(-ESRCH, "no process %d", pid);
	else if (kind == VMA_FILE && (fid < 0 || fid >= m->world->nfiles || m->world->files[fid]->dead))
		ret = af_err(-EBADF, "no file %d", fid);
	else if (kind == VMA_FILE && (pgoff >= FILE_MAX_INDEX || npages > FILE_MAX_INDEX - pgoff))
		/* do_mmap()'s offset overflow check, and the page cache's index range */
		ret = af_err(-EOVERFLOW, "file pages %llu + %llu pass the page cache's index range (2^31)",
			     (unsigned long long)pgoff, (unsigned long long)npages);
	else
		ret = add_vma(m, mm, npages, kind, fid, pgoff, flags, vpn);
	wr_unlock(m);
	return ret;
}

int af_mmap_anon(struct af_machine *m, int pid, uint64_t npages, unsigned flags, uint64_t *vpn)
{
	return do_mmap(m, pid, npages, VMA_ANON, -1, 0, flags, vpn);
}

int af_mmap_file(struct af_machine *m, int pid, int fid, uint64_t pgoff, uint64_t npages,
		 unsigned flags, uint64_t *vpn)
{
	return do_mmap(m, pid, npages, VMA_FILE, fid, pgoff, flags & ~AF_MAP_THP, vpn);
}

int af_mmap_hugetlb(struct af_machine *m, int pid, uint64_t nr_huge, uint64_t *vpn)
{
	if (!nr_huge || nr_huge > MAX_MAP_PAGES / 512)	/* nr_huge * 512 must not wrap */
		return af_err(-EINVAL, "hugetlb mapping of %llu huge pages is out of range (1..%llu)",
			      (unsigned long long)nr_huge, MAX_MAP_PAGES / 512);
	return do_mmap(m, pid, nr_huge * 512, VMA_HUGETLB, -1, 0, 0, vpn);
}

/* pte_alloc(): the PTE page for vpn, allocated (and its PMD page) on demand */
static int get_pte_page(struct af_machine *m, struct mm *mm, int cpu, uint64_t vpn,
			struct pte_page **out)
{
	struct pmd_slot *pmd = &mm->pmds[vpn >> 9];
	struct pte_page *pt;
	int ret = 0;

	wlock(m, &mm->pt_lock);
	if (pmd->pt || pmd->huge) {
		*out = pmd->pt;
		wunlock(m, &mm->pt_lock);
		return 0;
	}
	size_t pi = (size_t)(vpn >> 18);
	if (mm->pmd_pages[pi] == PFN_NIL) {
		ret = alloc_pgtable_page(m, cpu, 0, mm->id, true, &mm->pmd_pages[pi]);
		if (ret)
			goto out;
	}
	pt = calloc(1, sizeof(*pt));
	if (!pt) {
		ret = af_err(-ENOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&pt->ptl, NULL);
	ret = alloc_pgtable_page(m, cpu, 0, mm->id, true, &pt->pfn);
	if (ret) {
		pthread_mutex_destroy(&pt->ptl);
		free(pt);
		goto out;
	}
	__atomic_store_n(&pmd->pt, pt, __ATOMIC_RELEASE);
	*out = pt;
out:
	wunlock(m, &mm->pt_lock);
	return ret;
}

/* Map a new anonymous page (do_anonymous_page) */
static int new_anon_page(struct af_machine *m, struct vma *v, int cpu, uint64_t vpn,
			 unsigned long *pfn_out)
{
	struct world *w = m->world;
	struct af_alloc_result r;
	uint32_t flags = PG_anon | PG_swapbacked;
	int ret;

	ret = af_alloc_pages(m, cpu, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r);
	if (ret)
		return ret;
	if (v->mlocked)
		flags |= PG_mlocked | PG_unevictable;
	prep_owned_page(m, (unsigned long)r.pfn, w->avs[v->anon_vma]->owner, (uint32_t)vpn, flags);
	m->pages[r.pfn].mapcount = 1;
	page_stat_mod(m, (unsigned long)r.pfn, NS_NR_ANON_PAGES, 1);
	if (v->mlocked)
		page_zone_stat_mod(m, (unsigned long)r.pfn, NR_MLOCK, 1);
	lru_add(m, (unsigned long)r.pfn);
	*pfn_out = (unsigned long)r.pfn;
	return 0;
}

/* Drop one mapping of a page (page_remove_rmap + put_page) */
static void unmap_page(struct af_machine *m, int cpu, unsigned long pfn)
{
	struct page *p = &m->pages[pfn];
	unsigned int order = (pflags(p) & PG_head) ? p->order : 0;

	if (page_mapcount_add(m, p, -1) == 0 && !(pflags(p) & PG_anon))
		page_stat_mod(m, pfn, NS_NR_MAPPED, -1);
	if (page_ref_add(m, p, -1) == 0)
		free_owned_page(m, cpu, pfn, order);
}

/* The last reference is gone: undo the owner's accounting and free it. */
void free_owned_page(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order)
{
	struct page *p = &m->pages[pfn];
	uint32_t f = pflags(p);
	long nr = 1L << order;

	if (pflags_fetch_and(m, p, ~PG_lru) & PG_lru)
		lru_del(m, pfn);
	if (f & (PG_locked | PG_writeback))
		world_freed_held(m, pfn);
	if (f & PG_hugetlb) {
		hugetlb_free_page(m, cpu, pfn);
		return;
	}
	if (f & PG_anon)
		page_stat_mod(m, pfn, NS_NR_ANON_PAGES, -nr);
	else if (!(f & (PG_slab | PG_pgtable | PG_movable_ops | PG_hugetlb)) && p->owner)
		page_stat_mod(m, pfn, NS_NR_FILE_PAGES, -nr);
	if ((f & PG_anon) && (f & PG_head) && !(f & PG_hugetlb))
		page_stat_mod(m, pfn, NS_NR_ANON_TRANSPARENT_HUGEPAGES, -nr);
	if (f & PG_mlocked)
		page_zone_stat_mod(m, pfn, NR_MLOCK, -nr);
	if (f & PG_dirty) {
		page_stat_mod(m, pfn, NS_NR_DIRTY, -nr);
		page_zone_stat_mod(m, pfn, NR_ZONE_WRITE_PENDING, -nr);
	}
	pflags_fetch_and(m, p, ~(PG_active | PG_unevictable | PG_mlocked | PG_dirty | PG_anon |
			      PG_swapbacked | PG_isolated | PG_hugetlb | PG_slab | PG_pgtable |
			      PG_movable_ops | PG_locked | PG_writeback | PG_reclaim));
	p->owner = 0;
	p->index = 0;
	p->mapcount = 0;
	/* no reference is left, and none can be taken (get_page_unless_zero
	 * fails on zero): straight to __free_pages' last step, never through
	 * a count of one another thread could raise */
	__atomic_store_n(&p->refcount, 0, __ATOMIC_RELAXED);
	free_pages_final(m, pfn_zone(m, pfn), cpu, pfn, order);
}

/* A THP for the aligned region of vpn (do_huge_pmd_anonymous_page) */
static bool thp_eligible(struct af_machine *m, struct vma *v, uint64_t vpn)
{
	uint64_t base = vpn & ~511ULL;

	if (v->kind != VMA_ANON)	/* VM_LOCKED does not stop THP (hugepage_vma_check) */
		return false;
	if (THP_MODE(m) == THP_NEVER || (THP_MODE(m) == THP_MADVISE && !v->thp))
		return false;
	return base >= v->start && base + 512 <= v->start + v->npages;
}

/* vma_thp_gfp_mask(): transparent_hugepage/defrag decides how hard to try */
static af_gfp_t thp_gfp(struct af_machine *m, struct vma *v)
{
	bool madvised = v->thp;

	switch (__atomic_load_n(&m->thp_defrag, __ATOMIC_RELAXED)) {
	case DEFRAG_ALWAYS:		/* always do synchronous compaction */
		return AF_GFP_TRANSHUGE | (madvised ? 0 : AF___GFP_NORETRY);
	case DEFRAG_DEFER:		/* kick kcompactd and fail quickly */
		return AF_GFP_TRANSHUGE_LIGHT | AF___GFP_KSWAPD_RECLAIM;
	case DEFRAG_DEFER_MADVISE:	/* sync if madvised, else kick kcompactd */
		return AF_GFP_TRANSHUGE_LIGHT |
		       (madvised ? AF___GFP_DIRECT_RECLAIM : AF___GFP_KSWAPD_RECLAIM);
	case DEFRAG_MADVISE:		/* sync compaction only if madvised */
		return AF_GFP_TRANSHUGE_LIGHT | (madvised ? AF___GFP_DIRECT_RECLAIM : 0);
	case DEFRAG_NEVER:
		break;
	}
	return AF_GFP_TRANSHUGE_LIGHT;
}

static int map_thp(struct af_machine *m, struct mm *mm, struct vma *v, int cpu, uint64_t vpn)
{
	struct world *w = m->world;
	struct pmd_slot *pmd = &mm->pmds[vpn >> 9];
	struct af_alloc_result r;
	uint64_t base = vpn & ~511ULL;
	uint32_t *gens;

	if (af_alloc_pages(m, cpu, thp_gfp(m, v), HPAGE_PMD_ORDER, -1, &r)) {
		__atomic_fetch_add(&m->events[THP_FAULT_FALLBACK], 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	gens = calloc(512, sizeof(*gens));
	if (!gens) {
		af_free_pages(m, cpu, r.pfn, HPAGE_PMD_ORDER);
		return af_err(-ENOMEM, "out of memory");
	}
	__atomic_fetch_add(&m->events[THP_FAULT_ALLOC], 1, __ATOMIC_RELAXED);
	prep_owned_page(m, (unsigned long)r.pfn, w->avs[v->anon_vma]->owner, (uint32_t)base,
			PG_anon | PG_swapbacked | (v->mlocked ? PG_mlocked | PG_unevictable : 0));
	m->pages[r.pfn].mapcount = 1;
	page_stat_mod(m, (unsigned long)r.pfn, NS_NR_ANON_PAGES, 512);
	page_stat_mod(m, (unsigned long)r.pfn, NS_NR_ANON_TRANSPARENT_HUGEPAGES, 512);
	if (v->mlocked)	/* mlock_vma_folio(): a PMD-mapped THP counts whole */
		page_zone_stat_mod(m, (unsigned long)r.pfn, NR_MLOCK, 512);
	for (int i = 0; i < 512; i++)
		contents_fill(m, (unsigned long)r.pfn + (unsigned)i, w->avs[v->anon_vma]->owner,
			      (uint32_t)(base + (unsigned)i), 0);
	lru_add(m, (unsigned long)r.pfn);
	wlock(m, &pmd->hptl);
	pmd->hgen = gens;
	__atomic_store_n(&pmd->huge, mk_pte((unsigned long)r.pfn, 0, PTE_PRESENT), __ATOMIC_RELEASE);
	wunlock(m, &pmd->hptl);
	mm->rss += 512;
	return 0;
}

/*
 * Access one page through the page tables.  write: store a new generation;
 * else verify.  Faults in missing pages; waits on migration entries.
 */
static int access_page(struct af_machine *m, int pid, int cpu, uint64_t vpn, bool write)
{
	struct world *w;
	struct mm *mm;
	struct vma *v;
	int ret = 0;

	if (!m || !(w = m->world))
		return af_err(-EINVAL, "no world");
	if (cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "cpu %d does not exist", cpu);
retry:
	rd_lock(m);
	mm = get_mm(m, pid);
	if (!mm) {
		rd_unlock(m);
		return af_err(-ESRCH, "no process %d", pid);
	}
	v = find_vma(mm, vpn);
	if (!v) {
		rd_unlock(m);
		return af_err(-EFAULT, "vpn 0x%llx is not mapped in process %d",
			      (unsigned long long)vpn, pid);
	}
	struct pmd_slot *pmd = &mm->pmds[vpn >> 9];

	/* huge mappings: THP or hugetlb */
	if (v->kind == VMA_HUGETLB && !__atomic_load_n(&pmd->huge, __ATOMIC_ACQUIRE)) {
		ret = hugetlb_fault(m, mm, v, vpn);
		if (ret) {
			rd_unlock(m);
			return ret;
		}
	}
	if (!__atomic_load_n(&pmd->huge, __ATOMIC_ACQUIRE) && !__atomic_load_n(&pmd->pt, __ATOMIC_ACQUIRE) &&
	    thp_eligible(m, v, vpn)) {
		wlock(m, &mm->pt_lock);
		bool empty = !pmd->huge && !pmd->pt;
		if (empty)
			ret = map_thp(m, mm, v, cpu, vpn);
		wunlock(m, &mm->pt_lock);
		if (ret && ret != -ENOMEM) {
			rd_unlock(m);
			return ret;
		}
		ret = 0;
	}
	if (__atomic_load_n(&pmd->huge, __ATOMIC_ACQUIRE)) {
		uint32_t owner;
		wlock(m, &pmd->hptl);
		uint64_t e = pmd->huge;
		if (e & PTE_MIGRATION) {
			wunlock(m, &pmd->hptl);
			rd_unlock(m);
			sched_yield();
			goto retry;
		}
		unsigned long head = pte_pfn(e), pfn = head + (vpn & 511);
		owner = m->pages[head].owner;
		if (write && (e & PTE_WP)) {
			/* shared after fork: copy-on-write into a new huge page */
			wunlock(m, &pmd->hptl);
			rd_unlock(m);
			return af_err(-ENOMEM, "copy-on-write of a shared huge page is not modelled");
		}
		if (write) {
			uint32_t g = next_gen(m);
			pmd->hgen[vpn & 511] = g;
			contents_fill(m, pfn, owner, (uint32_t)vpn, g);
		} else if (!contents_check(m, pfn, owner, (uint32_t)vpn, pmd->hgen[vpn & 511])) {
			ret = af_err(-EIO, "process %d vpn 0x%llx: huge page contents do not match",
				     pid, (unsigned long long)vpn);
		}
		wunlock(m, &pmd->hptl);
		rd_unlock(m);
		return ret;
	}

	struct pte_page *pt;
	ret = get_pte_page(m, mm, cpu, vpn, &pt);
	if (ret) {
		rd_unlock(m);
		return ret;
	}
	uint64_t *e = &pt->pte[vpn & 511];
	unsigned long newpfn = PFN_NIL;
	bool wp_locked = false;

	wlock(m, &pt->ptl);
	if (*e & PTE_MIGRATION) {
		wunlock(m, &pt->ptl);
		rd_unlock(m);
		sched_yield();
		goto retry;
	}
	if (!(*e & PTE_PRESENT)) {
		/* fault: allocate outside the ptl, then recheck */
		wunlock(m, &pt->ptl);
		if (v->kind == VMA_ANON) {
			ret = new_anon_page(m, v, cpu, vpn, &newpfn);
			if (!ret)
				contents_fill(m, newpfn, m->pages[newpfn].owner, (uint32_t)vpn, 0);
		} else {
			ret = filemap_get_page(m, v->file, cpu, v->pgoff + (vpn - v->start), &newpfn);
		}
		if (ret) {
			rd_unlock(m);
			return ret;
		}
		wlock(m, &pt->ptl);
		if (*e & (PTE_PRESENT | PTE_MIGRATION)) {
			/* raced with another fault: drop ours */
			wunlock(m, &pt->ptl);
			unmap_page(m, cpu, newpfn);
			rd_unlock(m);
			goto retry;
		}
		*e = mk_pte(newpfn, 0, PTE_PRESENT);
		pt->nr++;
		mm->rss++;
	}
	unsigned long pfn = pte_pfn(*e);
	struct page *p = &m->pages[pfn];
	if (v->kind == VMA_FILE) {
		struct file *f = w->files[v->file];
		uint64_t idx = v->pgoff + (vpn - v->start);
		wlock(m, &f->lock);
		if (write) {
			f->pages[idx].gen = next_gen(m);
			contents_fill(m, pfn, p->owner, (uint32_t)idx, f->pages[idx].gen);
			set_page_dirty(m, pfn);
		} else if (!contents_check(m, pfn, p->owner, (uint32_t)idx, f->pages[idx].gen)) {
			ret = af_err(-EIO, "process %d vpn 0x%llx: file page contents do not match",
				     pid, (unsigned long long)vpn);
		}
		wunlock(m, &f->lock);
	} else if (write) {
		/*
		 * do_wp_page(): a write-protected page is reused only when this
		 * mapping is its only one and the page lock can be taken
		 * (wp_can_reuse_anon_folio's folio_trylock).  Migration holds
		 * the page lock from unmapping the first mapping to remapping
		 * the last, so a mapcount it has lowered is never taken for
		 * exclusive: the sibling's data stays on the page it copies.
		 */
		bool reuse = !(*e & PTE_WP);

		if (!reuse && __atomic_load_n(&p->mapcount, __ATOMIC_ACQUIRE) == 1 &&
		    trylock_page(m, pfn)) {
			reuse = __atomic_load_n(&p->mapcount, __ATOMIC_ACQUIRE) == 1;
			if (!reuse)
				unlock_page(m, pfn);
			else
				wp_locked = true;
		}
		if (!reuse) {
			/* copy-on-write into a page of this VMA */
			wunlock(m, &pt->ptl);
			unsigned long np;
			ret = new_anon_page(m, v, cpu, vpn, &np);
			if (ret) {
				rd_unlock(m);
				return ret;
			}
			wlock(m, &pt->ptl);
			if (!(*e & PTE_PRESENT) || pte_pfn(*e) != pfn) {
				wunlock(m, &pt->ptl);
				unmap_page(m, cpu, np);
				rd_unlock(m);
				goto retry;
			}
			uint32_t g = next_gen(m);
			contents_fill(m, np, m->pages[np].owner, (uint32_t)vpn, g);
			*e = mk_pte(np, g, PTE_PRESENT);
			wunlock(m, &pt->ptl);
			unmap_page(m, cpu, pfn);
			rd_unlock(m);
			return 0;
		}
		uint32_t g = next_gen(m);
		contents_fill(m, pfn, p->owner, (uint32_t)vpn, g);
		*e = mk_pte(pfn, g, PTE_PRESENT);
		if (wp_locked)
			unlock_page(m, pfn);
	} else if (!contents_check(m, pfn, p->owner, (uint32_t)vpn, pte_gen(*e))) {
		ret = af_err(-EIO, "process %d vpn 0x%llx: contents do not match",
			     pid, (unsigned long long)vpn);
	}
	wunlock(m, &pt->ptl);
	rd_unlock(m);
	return ret;
}

int af_mem_write(struct af_machine *m, int pid, int cpu, uint64_t vpn)
{
	return access_page(m, pid, cpu, vpn, true);
}

int af_mem_read(struct af_machine *m, int pid, int cpu, uint64_t vpn)
{
	return access_page(m, pid, cpu, vpn, false);
}

int af_vpn_to_pfn(struct af_machine *m, int pid, uint64_t vpn, uint64_t *pfn)
{
	struct mm *mm;
	int ret = -ENOENT;

	if (!m || !m->world || !pfn)
		return af_err(-EINVAL, "bad arguments");
	rd_lock(m);
	mm = get_mm(m, pid);
	if (mm && find_vma(mm, vpn) && (vpn >> 9) < mm->npmds) {
		struct pmd_slot *pmd = &mm->pmds[vpn >> 9];
		uint64_t huge = __atomic_load_n(&pmd->huge, __ATOMIC_ACQUIRE);
		struct pte_page *pt = __atomic_load_n(&pmd->pt, __ATOMIC_ACQUIRE);
		if (huge & PTE_PRESENT) {
			*pfn = pte_pfn(huge) + (vpn & 511);
			ret = 0;
		} else if (pt) {
			wlock(m, &pt->ptl);
			if (pt->pte[vpn & 511] & PTE_PRESENT) {
				*pfn = pte_pfn(pt->pte[vpn & 511]);
				ret = 0;
			}
			wunlock(m, &pt->ptl);
		}
	}
	rd_unlock(m);
	if (ret)
		return af_err(ret, "process %d vpn 0x%llx has no page", pid, (unsigned long long)vpn);
	return 0;
}

/* zap the mappings of one VMA (unmap_vmas) */
static void zap_vma(struct af_machine *m, struct mm *mm, struct vma *v)
{
	for (uint64_t vpn = v->start; vpn < v->start + v->npages; vpn++) {
		struct pmd_slot *pmd = &mm->pmds[vpn >> 9];
		if (pmd->huge) {
			if ((vpn & 511) == 0 || vpn == v->start) {
				unsigned long pfn = pte_pfn(pmd->huge);
				pmd->huge = 0;
				free(pmd->hgen);
				pmd->hgen = NULL;
				mm->rss -= 512;
				unmap_page(m, API_CPU, pfn);
			}
			continue;
		}
		if (!pmd->pt) {		/* no page table: on to the next pmd */
			vpn |= 511;
			continue;
		}
		uint64_t *e = &pmd->pt->pte[vpn & 511];
		if (*e & PTE_PRESENT) {
			unsigned long pfn = pte_pfn(*e);
			*e = 0;
			pmd->pt->nr--;
			mm->rss--;
			unmap_page(m, API_CPU, pfn);
		}
	}
	v->dead = true;
	if (v->kind == VMA_FILE) {
		struct file *f = m->world->files[v->file];
		for (int i = 0; i < f->nmaps; i++)
			if (f->maps[i].mm == mm->id && f->maps[i].vma == vma_index(mm, v)) {
				f->maps[i] = f->maps[--f->nmaps];
				break;
			}
	} else {
		av_unchain(m, mm->id, vma_index(mm, v));
	}
}

int af_munmap(struct af_machine *m, int pid, uint64_t vpn)
{
	struct mm *mm;
	struct vma *v;
	int ret = 0;

	if (!m || !m->world)
		return af_err(-EINVAL, "no world");
	wr_lock(m);
	mm = get_mm(m, pid);
	if (!mm)
		ret = af_err(-ESRCH, "no process %d", pid);
	else if (!(v = find_vma(mm, vpn)) || v->start != vpn)
		ret = af_err(-EINVAL, "no mapping starts at vpn 0x%llx in process %d",
			     (unsigned long long)vpn, pid);
	else
		zap_vma(m, mm, v);
	wr_unlock(m);
	return ret;
}

int af_proc_exit(struct af_machine *m, int pid)
{
	struct mm *mm;

	if (!m || !m->world)
		return af_err(-EINVAL, "no world");
	wr_lock(m);
	mm = get_mm(m, pid);
	if (!mm) {
		wr_unlock(m);
		return af_err(-ESRCH, "no process %d", pid);
	}
	for (int i = 0; i < mm->nvmas; i++)
		if (!mm->vmas[i].dead)
			zap_vma(m, mm, &mm->vmas[i]);
	/* free_pgtables() */
	for (size_t j = 0; j < mm->npmds; j++)
		if (mm->pmds[j].pt) {
			free_pgtable_page(m, API_CPU, mm->pmds[j].pt->pfn, 0);
			pthread_mutex_destroy(&mm->pmds[j].pt->ptl);
			free(mm->pmds[j].pt);
			mm->pmds[j].pt = NULL;
		}
	for (size_t j = 0; j < mm->npmd_pages; j++)
		if (mm->pmd_pages[j] != PFN_NIL) {
			free_pgtable_page(m, API_CPU, mm->pmd_pages[j], 0);
			mm->pmd_pages[j] = PFN_NIL;
		}
	free_pgtable_page(m, API_CPU, mm->pgd_pfn, 1);
	mm->alive = false;
	wr_unlock(m);
	return 0;
}

/*
 * fork: the child gets the parent's VMAs; anonymous pages are shared
 * write-protected (mapcount and refcount up), the child's VMAs chained into
 * every anon_vma of the parent's (anon_vma_fork) plus their own; file
 * mappings share the page cache pages.
 */
int af_proc_fork(struct af_machine *m, int pid, int *child)
{
	struct world *w;
	struct mm *pm, *cm;
	int cid, ret;

	if (!m || !(w = m->world) || !child)
		return af_err(-EINVAL, "bad arguments");
	/* the parent exists before the child does (the child must not be its own parent) */
	wr_lock(m);
	pm = get_mm(m, pid);
	wr_unlock(m);
	if (!pm)
		return af_err(-ESRCH, "no process %d", pid);
	ret = af_proc_create(m, &cid);
	if (ret)
		return ret;
	wr_lock(m);
	pm = cid != pid ? get_mm(m, pid) : NULL;
	cm = w->mms[cid];
	if (!pm) {
		wr_unlock(m);
		af_proc_exit(m, cid);
		return af_err(-ESRCH, "no process %d", pid);
	}
	ret = cover_pmds(cm, pm->npmds * 512);
	for (int i = 0; i < pm->nvmas && !ret; i++) {
		struct vma *pv = &pm->vmas[i];
		struct vma cv = *pv;
		int ci = cm->nvmas;

		if (pv->dead) {
			cv.dead = true;
			GROW(cm->vmas, cm->nvmas, cm->cap, { ret = af_err(-ENOMEM, "out of memory"); break; });
			cm->vmas[cm->nvmas++] = cv;
			continue;
		}
		if (pv->kind != VMA_FILE) {
			ret = new_anon_vma(m, &cv.anon_vma);
			if (ret)
				break;
			/* chain into every anon_vma the parent VMA is on, then our own */
			for (int a = 0; a < w->navs && !ret; a++) {
				struct anon_vma *av = w->avs[a];
				for (int j = 0; j < av->nvmas; j++)
					if (av->vmas[j].mm == pid && av->vmas[j].vma == i) {
						ret = av_chain(av, cid, ci);
						break;
					}
			}
			if (!ret)
				ret = av_chain(w->avs[cv.anon_vma], cid, ci);
			w->avs[cv.anon_vma]->refs++;
		} else {
			struct file *f = w->files[pv->file];
			GROW(f->maps, f->nmaps, f->cap, { ret = af_err(-ENOMEM, "out of memory"); break; });
			f->maps[f->nmaps++] = (struct vma_ref){ cid, ci };
		}
		GROW(cm->vmas, cm->nvmas, cm->cap, { ret = af_err(-ENOMEM, "out of memory"); break; });
		cm->vmas[cm->nvmas++] = cv;
		/* copy_page_range() */
		for (uint64_t vpn = pv->start; vpn < pv->start + pv->npages && !ret; vpn++) {
			struct pmd_slot *pp = &pm->pmds[vpn >> 9], *cp = &cm->pmds[vpn >> 9];
			if (pp->huge) {
				if ((vpn & 511) == 0) {
					unsigned long pfn = pte_pfn(pp->huge);
					cp->hgen = malloc(512 * sizeof(uint32_t));
					if (!cp->hgen) {
						ret = af_err(-ENOMEM, "out of memory");
						break;
					}
					memcpy(cp->hgen, pp->hgen, 512 * sizeof(uint32_t));
					pp->huge |= PTE_WP;
					cp->huge = pp->huge;
					page_mapcount_add(m, &m->pages[pfn], 1);
					page_ref_add(m, &m->pages[pfn], 1);
					cm->rss += 512;
				}
				continue;
			}
			if (!pp->pt) {		/* no page table: on to the next pmd */
				vpn |= 511;
				continue;
			}
			if (!(pp->pt->pte[vpn & 511] & PTE_PRESENT))
				continue;
			struct pte_page *ct;
			ret = get_pte_page(m, cm, 0, vpn, &ct);
			if (ret)
				break;
			uint64_t *pe = &pp->pt->pte[vpn & 511];
			unsigned long pfn = pte_pfn(*pe);
			if (pv->kind != VMA_FILE)
				*pe |= PTE_WP;
			ct->pte[vpn & 511] = *pe;
			ct->nr++;
			cm->rss++;
			page_mapcount_add(m, &m->pages[pfn], 1);
			page_ref_add(m, &m->pages[pfn], 1);
		}
	}
	cm->next_vpn = pm->next_vpn;
	wr_unlock(m);
	if (ret) {
		af_proc_exit(m, cid);
		return ret;
	}
	*child = cid;
	return 0;
}
