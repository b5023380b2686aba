/*
 * driver.c - drivers with non-LRU movable pages (like zsmalloc or the
 * balloon): pages flagged __PageMovable with movable_operations
 * (isolate_page, migrate_page, putback_page) that migration calls.
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

static struct driver *get_driver(struct af_machine *m, int did)
{
	struct world *w = m->world;
	return (w && did >= 0 && did < w->ndrivers) ? w->drivers[did] : NULL;
}

/* The built-in driver's operations: always isolatable; a migration copies */
static bool builtin_isolate(struct af_machine *m, uint64_t pfn, void *arg)
{
	(void)m; (void)pfn; (void)arg;
	return true;
}

static int builtin_migrate(struct af_machine *m, uint64_t dst, uint64_t src,
			   enum af_migrate_mode mode, void *arg)
{
	struct driver *d = arg;
	(void)mode;
	if (d->fail_migrate_after == 0)
		return -EAGAIN;
	if (d->fail_migrate_after > 0)
		d->fail_migrate_after--;
	contents_copy(m, (unsigned long)dst, (unsigned long)src, 0);
	return 0;
}

static void builtin_putback(struct af_machine *m, uint64_t pfn, void *arg)
{
	(void)m; (void)pfn; (void)arg;
}

static const struct af_movable_ops builtin_ops = {
	builtin_isolate, builtin_migrate, builtin_putback,
};

int af_driver_create(struct af_machine *m, const struct af_movable_ops *ops, void *arg, int *did)
{
	struct world *w;
	struct driver *d;

	if (!m || !(w = m->world) || !did)
		return af_err(-EINVAL, "bad arguments");
	if (ops && (!ops->isolate_page || !ops->migrate_page || !ops->putback_page))
		return af_err(-EINVAL, "movable_operations need isolate_page, migrate_page and putback_page");
	d = calloc(1, sizeof(*d));
	if (!d)
		return af_err(-ENOMEM, "out of memory");
	d->ops = ops ? *ops : builtin_ops;
	d->arg = ops ? arg : d;
	d->fail_migrate_after = -1;
	wr_lock(m);
	if (w->ndrivers == w->drivers_cap) {
		int nc = w->drivers_cap ? w->drivers_cap * 2 : 4;
		struct driver **n = realloc(w->drivers, (size_t)nc * sizeof(*n));
		if (!n) {
			wr_unlock(m);
			free(d);
			return af_err(-ENOMEM, "out of memory");
		}
		w->drivers = n;
		w->drivers_cap = nc;
	}
	d->owner = new_owner(m, OWN_DRIVER, (uint32_t)w->ndrivers);
	w->drivers[w->ndrivers] = d;
	*did = w->ndrivers++;
	wr_unlock(m);
	return 0;
}

/* A free slot of d's page table (grown when full), or -1 out of memory.  wr_lock held. */
static long driver_slot(struct driver *d)
{
	size_t no;

	for (no = 0; no < d->npages && d->pfns[no] != PFN_NIL; no++)
		;
	if (no == d->npages) {
		size_t n = d->npages ? d->npages * 2 : 64;
		uint32_t *np = realloc(d->pfns, n * sizeof(*np)), *ng;
		if (np)
			d->pfns = np;
		ng = np ? realloc(d->gens, n * sizeof(*ng)) : NULL;
		if (!np || !ng)
			return af_err(-ENOMEM, "out of memory");
		d->gens = ng;
		for (size_t i = d->npages; i < n; i++) {
			d->pfns[i] = PFN_NIL;
			d->gens[i] = 0;
		}
		d->npages = n;
	}
	return (long)no;
}

/* Page pfn becomes d's page `no`: flagged movable_ops, its contents written */
static void driver_install(struct af_machine *m, struct driver *d, size_t no, unsigned long pfn)
{
	prep_owned_page(m, pfn, d->owner, (uint32_t)no, PG_movable_ops);
	d->pfns[no] = (uint32_t)pfn;
	d->gens[no] = next_gen(m);
	contents_fill(m, pfn, d->owner, (uint32_t)no, d->gens[no]);
}

int af_driver_alloc(struct af_machine *m, int did, int cpu, uint64_t *page_no)
{
	struct driver *d;
	struct af_alloc_result r;
	long no;
	int ret;

	if (!m || !page_no || cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "bad arguments");
	wr_lock(m);
	d = get_driver(m, did);
	if (!d) {
		wr_unlock(m);
		return af_err(-EINVAL, "no driver %d", did);
	}
	if ((no = driver_slot(d)) < 0) {
		wr_unlock(m);
		return (int)no;
	}
	/*
	 * zsmalloc's users ask for __GFP_MOVABLE | __GFP_HIGHMEM plus their
	 * own reclaim bits; the model uses GFP_HIGHUSER_MOVABLE.
	 */
	ret = af_alloc_pages(m, cpu, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r);
	if (!ret) {
		driver_install(m, d, (size_t)no, (unsigned long)r.pfn);
		*page_no = (uint64_t)no;
	}
	wr_unlock(m);
	return ret;
}

int af_driver_adopt(struct af_machine *m, int did, uint64_t pfn, uint64_t *page_no)
{
	const uint32_t other = PG_buddy | PG_reserved | PG_hole | PG_head | PG_tail | PG_pcp | PG_lru |
			       PG_movable_ops | PG_orphan | PG_kernel | PG_slab | PG_pgtable | PG_hugetlb;
	struct driver *d;
	struct page *p;
	long no;

	if (!m || !page_no || pfn >= m->max_pfn)
		return af_err(-EINVAL, "bad arguments");
	wr_lock(m);
	d = get_driver(m, did);
	p = &m->pages[pfn];
	if (!d) {
		wr_unlock(m);
		return af_err(-EINVAL, "no driver %d", did);
	}
	if (!(pflags(p) & PG_alloc) || (pflags(p) & other) || porder(p) ||
	    __atomic_load_n(&p->refcount, __ATOMIC_RELAXED) != 1 || p->owner) {
		wr_unlock(m);
		return af_err(-EINVAL, "pfn 0x%llx is not an order-0 page the caller allocated and owns alone",
			      (unsigned long long)pfn);
	}
	if ((no = driver_slot(d)) < 0) {
		wr_unlock(m);
		return (int)no;
	}
	driver_install(m, d, (size_t)no, (unsigned long)pfn);
	*page_no = (uint64_t)no;
	wr_unlock(m);
	return 0;
}

int af_driver_free(struct af_machine *m, int did, uint64_t page_no)
{
	struct driver *d;
	int ret = 0;

	if (!m)
		return af_err(-EINVAL, "no machine");
	wr_lock(m);
	d = get_driver(m, did);
	if (!d || page_no >= d->npages || d->pfns[page_no] == PFN_NIL) {
		ret = af_err(-EINVAL, "driver %d has no page %llu", did, (unsigned long long)page_no);
	} else {
		unsigned long pfn = d->pfns[page_no];
		if (pflags(&m->pages[pfn]) & PG_isolated) {
			ret = af_err(-EBUSY, "driver page %llu is isolated for migration",
				     (unsigned long long)page_no);
		} else {
			struct page *p = &m->pages[pfn];

			d->pfns[page_no] = PFN_NIL;
			pflags_fetch_and(m, p, ~PG_movable_ops);
			p->owner = 0;
			p->index = 0;
			if (__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) > 1) {
				/* pinned: the pins hold it, and no one else may free
				 * it; the last af_page_unpin does */
				pflags_fetch_or(m, p, PG_orphan);
				page_ref_add(m, p, -1);
			} else {
				af_free_pages(m, API_CPU, pfn, 0);
			}
		}
	}
	wr_unlock(m);
	return ret;
}

int af_driver_page(struct af_machine *m, int did, uint64_t page_no, uint64_t *pfn)
{
	struct driver *d;

	if (!m || !pfn || !(d = get_driver(m, did)) || page_no >= d->npages ||
	    d->pfns[page_no] == PFN_NIL)
		return af_err(-EINVAL, "driver %d has no page %llu", did, (unsigned long long)page_no);
	*pfn = d->pfns[page_no];
	return 0;
}

int af_driver_fail_migrate_after(struct af_machine *m, int did, int n)
{
	struct driver *d;

	if (!m || !(d = get_driver(m, did)))
		return af_err(-EINVAL, "no driver %d", did);
	d->fail_migrate_after = n;
	return 0;
}
