/*
 * hugetlb.c - the hugetlb pool of 2 MiB pages (mm/hugetlb.c:
 * set_max_huge_pages, alloc_buddy_huge_page with htlb_alloc_mask and
 * __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, nodes round robin with
 * __GFP_THISNODE; hugetlb_no_page for private mappings).
 * Pool pages are order-9 compound pages; the pool holds their reference.
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

#define HTLB_GFP (AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | AF___GFP_RETRY_MAYFAIL | AF___GFP_NOWARN)

static int pool_push(struct world *w, unsigned long pfn)
{
	if (w->nhpool == w->hpool_cap) {
		int nc = w->hpool_cap ? w->hpool_cap * 2 : 16;
		uint32_t *n = realloc(w->hpool, (size_t)nc * sizeof(*n));
		if (!n)
			return af_err(-ENOMEM, "out of memory");
		w->hpool = n;
		w->hpool_cap = nc;
	}
	w->hpool[w->nhpool++] = (uint32_t)pfn;
	return 0;
}

/* One new huge page from the buddy allocator on node nid (round robin: -1) */
static long alloc_fresh_huge_page(struct af_machine *m, int cpu, int nid)
{
	struct world *w = m->world;
	struct af_alloc_result r;

	if (!w->hugetlb_owner)
		w->hugetlb_owner = new_owner(m, OWN_HUGETLB_POOL, 0);
	for (int tries = 0; tries < m->nr_nodes; tries++) {
		int n = nid >= 0 ? nid : (w->hugetlb_next_nid++ % m->nr_nodes);
		if (af_alloc_pages(m, cpu, HTLB_GFP | AF___GFP_THISNODE, HPAGE_PMD_ORDER,
				   n, &r) == 0) {
			prep_owned_page(m, (unsigned long)r.pfn, w->hugetlb_owner, 0, PG_hugetlb);
			__atomic_fetch_add(&m->events[HTLB_BUDDY_ALLOC_SUCCESS], 1, __ATOMIC_RELAXED);
			return (long)r.pfn;
		}
		__atomic_fetch_add(&m->events[HTLB_BUDDY_ALLOC_FAIL], 1, __ATOMIC_RELAXED);
		if (nid >= 0)
			break;
	}
	return -1;
}

static void free_huge_page_to_buddy(struct af_machine *m, int cpu, unsigned long pfn)
{
	pflags_fetch_and(m, &m->pages[pfn], ~PG_hugetlb);
	m->pages[pfn].owner = 0;
	m->pages[pfn].index = 0;
	__atomic_store_n(&m->pages[pfn].refcount, 1, __ATOMIC_RELAXED);
	af_free_pages(m, cpu, pfn, HPAGE_PMD_ORDER);
}

int af_hugetlb_resize(struct af_machine *m, unsigned long nr, unsigned long *now)
{
	struct world *w;
	int ret = 0;

	if (!m || !(w = m->world))
		return af_err(-EINVAL, "no world");
	wr_lock(m);
	while (w->nr_hugepages < nr) {
		long pfn = alloc_fresh_huge_page(m, API_CPU, -1);
		if (pfn < 0)
			break;
		ret = pool_push(w, (unsigned long)pfn);
		if (ret) {
			free_huge_page_to_buddy(m, API_CPU, (unsigned long)pfn);
			break;
		}
		w->nr_hugepages++;
		w->free_hugepages++;
	}
	while (w->nr_hugepages > nr && w->nhpool) {
		free_huge_page_to_buddy(m, API_CPU, w->hpool[--w->nhpool]);
		w->nr_hugepages--;
		w->free_hugepages--;
	}
	if (now)
		*now = w->nr_hugepages;
	wr_unlock(m);
	return ret;
}

/* A target for migrating a huge page: the pool first, else a fresh page */
long hugetlb_alloc_target(struct af_machine *m, int cpu, int nid)
{
	struct world *w = m->world;

	for (int i = w->nhpool - 1; i >= 0; i--) {
		unsigned long pfn = w->hpool[i];
		if (nid < 0 || pfn_zone(m, pfn)->nid == nid) {
			w->hpool[i] = w->hpool[--w->nhpool];
			w->free_hugepages--;
			return (long)pfn;
		}
	}
	long pfn = alloc_fresh_huge_page(m, cpu, nid);
	if (pfn >= 0)
		w->nr_hugepages++;	/* a surplus page, given back when freed */
	return pfn;
}

/* A huge page no longer used: back to the pool (or to the buddy if surplus) */
void hugetlb_free_page(struct af_machine *m, int cpu, unsigned long pfn)
{
	struct world *w = m->world;

	pflags_fetch_and(m, &m->pages[pfn], ~(PG_anon | PG_lru | PG_locked | PG_isolated));
	pflags_fetch_or(m, &m->pages[pfn], PG_hugetlb);
	m->pages[pfn].owner = w->hugetlb_owner;
	m->pages[pfn].index = 0;
	m->pages[pfn].mapcount = 0;
	__atomic_store_n(&m->pages[pfn].refcount, 1, __ATOMIC_RELAXED);
	if (pool_push(w, pfn) == 0)
		w->free_hugepages++;
	else
		free_huge_page_to_buddy(m, cpu, pfn);
}

/* hugetlb_no_page(): map a pool page into a private hugetlb VMA */
int hugetlb_fault(struct af_machine *m, struct mm *mm, struct vma *v, uint64_t vpn)
{
	struct world *w = m->world;
	struct pmd_slot *pmd = &mm->pmds[vpn >> 9];
	uint64_t base = vpn & ~511ULL;
	uint32_t *gens;
	unsigned long pfn;

	wlock(m, &mm->pt_lock);
	if (pmd->huge) {
		wunlock(m, &mm->pt_lock);
		return 0;
	}
	wlock(m, &w->lock);
	if (!w->nhpool) {
		wunlock(m, &w->lock);
		wunlock(m, &mm->pt_lock);
		return af_err(-ENOMEM, "hugetlb pool is empty (SIGBUS)");
	}
	pfn = w->hpool[--w->nhpool];
	w->free_hugepages--;
	wunlock(m, &w->lock);
	gens = calloc(512, sizeof(*gens));
	if (!gens) {
		wlock(m, &w->lock);
		pool_push(w, pfn);
		w->free_hugepages++;
		wunlock(m, &w->lock);
		wunlock(m, &mm->pt_lock);
		return af_err(-ENOMEM, "out of memory");
	}
	prep_owned_page(m, pfn, w->avs[v->anon_vma]->owner, (uint32_t)base, PG_anon);
	m->pages[pfn].mapcount = 1;
	for (int i = 0; i < 512; i++)
		contents_fill(m, pfn + (unsigned)i, m->pages[pfn].owner, (uint32_t)(base + (unsigned)i), 0);
	wlock(m, &pmd->hptl);
	pmd->hgen = gens;
	__atomic_store_n(&pmd->huge, mk_pte(pfn, 0, PTE_PRESENT), __ATOMIC_RELEASE);
	wunlock(m, &pmd->hptl);
	mm->rss += 512;
	wunlock(m, &mm->pt_lock);
	return 0;
}

/* The pool size, as /proc/sys/vm/nr_hugepages reads it */
unsigned long hugetlb_pool_size(struct af_machine *m)
{
	return m->world ? m->world->nr_hugepages : 0;
}
