/*
 * integrity.c - the world's half of af_check(): every owned page holds what
 * its owner last wrote, every mapping points at the page holding its data,
 * every rmap entry has its mapping, LRU lists and counters add up.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

struct ictx {
	struct af_machine *m;
	char *report;
	size_t len;
	int bad;
	int32_t *maps;		/* mappings found per pfn */
	uint8_t *seen;		/* page reached from its owner */
};

static void ibad(struct ictx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ibad(struct ictx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->bad++ == 0 && c->report && c->len) {
		va_start(ap, fmt);
		vsnprintf(c->report, c->len, fmt, ap);
		va_end(ap);
	}
}

static void check_owned(struct ictx *c, unsigned long pfn, uint32_t owner, uint32_t index,
			const char *what)
{
	struct page *p = &c->m->pages[pfn];

	if (!(pflags(p) & PG_alloc))
		ibad(c, "%s: pfn 0x%lx is not an allocated page", what, pfn);
	else if (p->owner != owner || p->index != index)
		ibad(c, "%s: pfn 0x%lx belongs to owner %u index %u, expected %u/%u", what, pfn,
		     p->owner, p->index, owner, index);
}

static void check_mms(struct ictx *c)
{
	struct af_machine *m = c->m;
	struct world *w = m->world;

	for (int id = 0; id < w->nmms; id++) {
		struct mm *mm = w->mms[id];
		if (!mm->alive)
			continue;
		c->seen[mm->pgd_pfn] = 1;
		for (size_t j = 0; j < mm->npmd_pages; j++)
			if (mm->pmd_pages[j] != PFN_NIL)
				c->seen[mm->pmd_pages[j]] = 1;
		for (size_t j = 0; j < mm->npmds; j++)
			if (mm->pmds[j].pt) {
				c->seen[mm->pmds[j].pt->pfn] = 1;
				if (!(pflags(&m->pages[mm->pmds[j].pt->pfn]) & PG_pgtable))
					ibad(c, "process %d: PTE page 0x%x is not a page-table page", id,
					     mm->pmds[j].pt->pfn);
			}
		for (int vi = 0; vi < mm->nvmas; vi++) {
			struct vma *v = &mm->vmas[vi];
			if (v->dead)
				continue;
			for (uint64_t vpn = v->start; vpn < v->start + v->npages; vpn++) {
				struct pmd_slot *pmd = &mm->pmds[vpn >> 9];
				uint64_t e;
				unsigned long pfn;
				uint32_t owner, index, gen;

				if (pmd->huge) {
					e = pmd->huge;
					if (e & PTE_MIGRATION) {
						ibad(c, "process %d vpn 0x%llx: migration entry left behind",
						     id, (unsigned long long)vpn);
						continue;
					}
					unsigned long head = pte_pfn(e);
					pfn = head + (vpn & 511);
					owner = w->avs[v->anon_vma]->owner;
					if ((vpn & 511) == 0 || vpn == v->start) {
						c->maps[head]++;
						c->seen[head] = 1;
						if (m->pages[head].index != (uint32_t)(vpn & ~511ULL))
							ibad(c, "process %d vpn 0x%llx: huge page 0x%lx has index %u",
							     id, (unsigned long long)vpn, head, m->pages[head].index);
					}
					gen = pmd->hgen[vpn & 511];
					if (m->pages[head].owner == 0)
						ibad(c, "process %d vpn 0x%llx: huge page 0x%lx has no owner", id,
						     (unsigned long long)vpn, head);
					owner = m->pages[head].owner;
					if (!contents_check(m, pfn, owner, (uint32_t)vpn, gen))
						ibad(c, "process %d vpn 0x%llx: huge page 0x%lx does not hold its data",
						     id, (unsigned long long)vpn, pfn);
					continue;
				}
				if (!pmd->pt) {		/* no page table: on to the next pmd */
					vpn |= 511;
					continue;
				}
				e = pmd->pt->pte[vpn & 511];
				if (e & PTE_MIGRATION) {
					ibad(c, "process %d vpn 0x%llx: migration entry left behind", id,
					     (unsigned long long)vpn);
					continue;
				}
				if (!(e & PTE_PRESENT))
					continue;
				pfn = pte_pfn(e);
				if (pfn >= m->max_pfn) {
					ibad(c, "process %d vpn 0x%llx: PTE points outside memory", id,
					     (unsigned long long)vpn);
					continue;
				}
				c->maps[pfn]++;
				if (v->kind == VMA_FILE) {
					struct file *f = w->files[v->file];
					index = (uint32_t)(v->pgoff + (vpn - v->start));
					owner = f->owner;
					if (index >= f->npages || f->pages[index].pfn != pfn) {
						ibad(c, "process %d vpn 0x%llx maps pfn 0x%lx but the page cache has 0x%x",
						     id, (unsigned long long)vpn, pfn,
						     index < f->npages ? f->pages[index].pfn : PFN_NIL);
						continue;
					}
					gen = f->pages[index].gen;
				} else {
					index = (uint32_t)vpn;
					owner = m->pages[pfn].owner;
					gen = pte_gen(e);
					struct owner *o = owner_of(m, &m->pages[pfn]);
					bool chained = false;
					if (o && o->type == OWN_ANON) {
						struct anon_vma *av = w->avs[o->obj];
						for (int k = 0; k < av->nvmas; k++)
							chained |= av->vmas[k].mm == id && av->vmas[k].vma == vi;
					}
					if (!chained)
						ibad(c, "process %d vpn 0x%llx: pfn 0x%lx is not reachable through its anon_vma",
						     id, (unsigned long long)vpn, pfn);
				}
				check_owned(c, pfn, owner, index, "mapping");
				c->seen[pfn] = 1;
				if (!contents_check(m, pfn, owner, index, gen))
					ibad(c, "process %d vpn 0x%llx: pfn 0x%lx does not hold its data",
					     id, (unsigned long long)vpn, pfn);
			}
		}
	}
}

static void check_files(struct ictx *c)
{
	struct af_machine *m = c->m;
	struct world *w = m->world;

	for (int i = 0; i < w->nfiles; i++) {
		struct file *f = w->files[i];
		const struct owner *o = (size_t)f->owner < w->nowners ? &w->owners[f->owner] : NULL;

		if (!o || o->type != OWN_FILE || o->obj != (uint32_t)i || o->pc != f->pages ||
		    o->fallback_aops != f->fallback_aops)
			ibad(c, "file %d's owner record does not describe it", i);
		if (f->dead)
			continue;
		for (size_t idx = 0; idx < f->npages; idx++) {
			unsigned long pfn = f->pages[idx].pfn;
			if (pfn == PFN_NIL)
				continue;
			check_owned(c, pfn, f->owner, (uint32_t)idx, "page cache");
			c->seen[pfn] = 1;
			if (!contents_check(m, pfn, f->owner, (uint32_t)idx, f->pages[idx].gen))
				ibad(c, "file %d page %zu (pfn 0x%lx) does not hold its data", i, idx, pfn);
			if (m->pages[pfn].refcount < 1 + m->pages[pfn].mapcount)
				ibad(c, "file %d page %zu: refcount %d below 1 + mapcount %d", i, idx,
				     m->pages[pfn].refcount, m->pages[pfn].mapcount);
		}
	}
}

static void check_slab_drivers_pool(struct ictx *c)
{
	struct af_machine *m = c->m;
	struct world *w = m->world;

	for (int i = 0; i < w->ncaches; i++) {
		struct kmem_cache *k = w->caches[i];
		for (int s = 0; s < k->nslabs; s++) {
			unsigned long pfn = k->slabs[s].pfn;
			check_owned(c, pfn, k->owner, (uint32_t)s, "slab");
			c->seen[pfn] = 1;
			if (!(pflags(&m->pages[pfn]) & PG_slab))
				ibad(c, "slab page 0x%lx of %s is not marked slab", pfn, k->name);
			for (unsigned j = 0; j < (1u << m->pages[pfn].order); j++)
				if (!contents_check(m, pfn + j, k->owner, (uint32_t)pfn, j))
					ibad(c, "slab page 0x%lx of %s was overwritten", pfn + j, k->name);
		}
	}
	for (int i = 0; i < w->ndrivers; i++) {
		struct driver *d = w->drivers[i];
		for (size_t no = 0; no < d->npages; no++) {
			unsigned long pfn = d->pfns[no];
			if (pfn == PFN_NIL)
				continue;
			check_owned(c, pfn, d->owner, (uint32_t)no, "driver");
			c->seen[pfn] = 1;
			if (!contents_check(m, pfn, d->owner, (uint32_t)no, d->gens[no]))
				ibad(c, "driver %d page %zu (pfn 0x%lx) does not hold its data", i, no, pfn);
		}
	}
	for (int i = 0; i < w->nhpool; i++) {
		c->seen[w->hpool[i]] = 1;
		if (!(pflags(&m->pages[w->hpool[i]]) & PG_hugetlb))
			ibad(c, "hugetlb pool page 0x%x is not a huge page", w->hpool[i]);
	}
}

/* LRU lists: membership, list choice and sizes against the counters */
static void check_lru(struct ictx *c)
{
	struct af_machine *m = c->m;
	static const int item[NR_LRU_LISTS] = { NS_NR_INACTIVE_ANON, NS_NR_ACTIVE_ANON,
		NS_NR_INACTIVE_FILE, NS_NR_ACTIVE_FILE, NS_NR_UNEVICTABLE };

	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pg = m->node[n];
		for (int l = 0; l < NR_LRU_LISTS; l++) {
			unsigned long nr = 0, steps = 0;
			for (uint32_t p = pg->lru[l].first; p != PFN_NIL; p = m->pages[p].next) {
				uint32_t f = pflags(&m->pages[p]);
				if (++steps > m->max_pfn) {
					ibad(c, "node %d LRU list %d has a cycle", n, l);
					return;
				}
				if (!(f & PG_lru) || (int)folio_lru_list(f) != l || (f & PG_hugetlb))
					ibad(c, "pfn 0x%x on node %d LRU list %d has flags 0x%x", p, n, l, f);
				nr += (f & PG_head) ? 1UL << m->pages[p].order : 1;
			}
			if (nr != pg->lru_size[l] || (long)nr != pg->vm_stat[item[l]])
				ibad(c, "node %d LRU list %d holds %lu pages, size %lu, counter %ld", n, l, nr,
				     pg->lru_size[l], pg->vm_stat[item[l]]);
		}
	}
}

static int cmp_due(const void *a, const void *b)
{
	const struct hold_due *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	return (x->until > y->until) - (x->until < y->until);
}

/*
 * The deadlines (holds_lock held): a heap whose first is the machine's
 * hold_next, an entry for every timed hold, and, deterministic mode, no
 * hold past its deadline (the clock's advance ended it).
 */
static void check_deadlines(struct af_machine *m, struct ictx *c)
{
	struct world *w = m->world;
	uint32_t slots = w->holds ? w->hold_mask + 1 : 0;
	uint64_t next = __atomic_load_n(&m->hold_next, __ATOMIC_RELAXED);
	struct hold_due *sorted;

	for (uint32_t i = 1; i < w->ndue; i++)
		if (w->due[i].until < w->due[(i - 1) / 2].until) {
			ibad(c, "the hold deadlines are out of order at %u of %u", i, w->ndue);
			break;
		}
	if (next != (w->ndue ? w->due[0].until : UINT64_MAX))
		ibad(c, "the first hold deadline is %llu but the machine has %llu",
		     w->ndue ? (unsigned long long)w->due[0].until : ~0ULL, (unsigned long long)next);
	sorted = malloc((w->ndue + 1) * sizeof(*sorted));
	if (!sorted) {
		ibad(c, "out of memory while checking integrity");
		return;
	}
	if (w->ndue)
		memcpy(sorted, w->due, w->ndue * sizeof(*sorted));
	qsort(sorted, w->ndue, sizeof(*sorted), cmp_due);
	for (uint32_t i = 0; i < slots; i++) {
		const struct timed_hold *h = &w->holds[i];
		struct hold_due key = { h->until, h->pfn, h->what };

		if (!h->what)
			continue;
		if (!bsearch(&key, sorted, w->ndue, sizeof(*sorted), cmp_due))
			ibad(c, "pfn 0x%x's timed hold has no deadline", h->pfn);
		if (!m->threaded && h->until < af_clock_ns(m))
			ibad(c, "pfn 0x%x's timed hold is past its deadline (%llu ns, now %llu)",
			     h->pfn, (unsigned long long)h->until, (unsigned long long)af_clock_ns(m));
	}
	free(sorted);
}

int integrity_check(struct af_machine *m, char *report, size_t len)
{
	struct world *w = m->world;
	struct ictx c = { m, report, len, 0, NULL, NULL };
	long anon[AF_MAX_NODES] = { 0 }, file[AF_MAX_NODES] = { 0 };

	if (!w)
		return 0;
	c.maps = calloc(m->max_pfn, sizeof(*c.maps));
	c.seen = calloc(m->max_pfn, 1);
	if (!c.maps || !c.seen) {
		free(c.maps);
		free(c.seen);
		ibad(&c, "out of memory while checking integrity");
		return c.bad;
	}
	check_mms(&c);
	check_files(&c);
	check_slab_drivers_pool(&c);
	check_lru(&c);
	for (int i = 0; i < w->npins; i++) {
		const struct pin *pn = &w->pins[i];
		const struct page *p = pn->pfn < m->max_pfn ? &m->pages[pn->pfn] : NULL;

		if (!p || !(pflags(p) & PG_alloc) || p->refcount < 0 || (uint32_t)p->refcount < pn->count)
			ibad(&c, "pfn 0x%x has %u pins but is %s (refcount %d)", pn->pfn, pn->count,
			     p && (pflags(p) & PG_alloc) ? "under-referenced" : "not allocated",
			     p ? p->refcount : 0);
	}
	/* a timed hold is on a page that is still locked or under writeback */
	pthread_mutex_lock(&w->holds_lock);
	{
		uint32_t slots = w->holds ? w->hold_mask + 1 : 0;
		int n = 0;

		for (uint32_t i = 0; i < slots; i++) {
			const struct timed_hold *h = &w->holds[i];
			uint32_t bit = (uint32_t)h->what << 8;
			uint32_t f = h->pfn < m->max_pfn ? pflags(&m->pages[h->pfn]) : 0;

			if (!h->what)
				continue;
			n++;
			/* reachable: no empty slot or twin between its home and it */
			for (uint32_t j = hold_home(w, h->pfn); j != i; j = (j + 1) & w->hold_mask)
				if (!w->holds[j].what ||
				    (w->holds[j].pfn == h->pfn && w->holds[j].what == h->what)) {
					ibad(&c, "pfn 0x%x's timed hold is lost in the hold table", h->pfn);
					break;
				}
			if (!(f & PG_alloc) || !(f & bit))
				ibad(&c, "pfn 0x%x has a timed %s hold but is %s", h->pfn,
				     bit == PG_locked ? "lock" : "writeback",
				     !(f & PG_alloc) ? "not allocated" :
				     bit == PG_locked ? "not locked" : "not under writeback");
		}
		if (n != w->nholds)
			ibad(&c, "the hold table counts %d timed holds but has %d", w->nholds, n);
		check_deadlines(m, &c);
	}
	pthread_mutex_unlock(&w->holds_lock);
	for (unsigned long pfn = 0; pfn < m->max_pfn; pfn++) {
		struct page *p = &m->pages[pfn];
		uint32_t f = pflags(p);
		struct owner *o;

		if (pageblock_outside_zones(m, pfn)) {
			pfn = pageblock_end_pfn(pfn) - 1;
			continue;
		}
		/* PG_reclaim lasts as long as the writeback reclaim started
		 * (threaded mode: pageout sets it a moment before) */
		if ((f & PG_reclaim) && !(f & PG_writeback) && !m->threaded)
			ibad(&c, "pfn 0x%lx is marked PG_reclaim but not under writeback", pfn);
		if (!(f & PG_alloc) || !p->owner)
			continue;
		o = owner_of(m, p);
		if (!o) {
			ibad(&c, "pfn 0x%lx has an unknown owner %u", pfn, p->owner);
			continue;
		}
		if (!c.seen[pfn] && !(f & PG_isolated)) {
			/* let go by its owner while pinned: only the pins hold it */
			uint32_t pins = page_pins(m, pfn);
			if (!pins)
				ibad(&c, "pfn 0x%lx (owner %u index %u) is not reachable from its owner",
				     pfn, p->owner, p->index);
			else if (p->mapcount || (uint32_t)p->refcount != pins)
				ibad(&c, "pfn 0x%lx: let go by its owner with %u pins but refcount %d, "
				     "mapcount %d", pfn, pins, p->refcount, p->mapcount);
		}
		if (o->type == OWN_ANON && c.maps[pfn] != p->mapcount)
			ibad(&c, "pfn 0x%lx: mapcount %d but %d mappings", pfn, p->mapcount, c.maps[pfn]);
		if (o->type == OWN_FILE && c.maps[pfn] != p->mapcount)
			ibad(&c, "pfn 0x%lx: mapcount %d but %d mappings", pfn, p->mapcount, c.maps[pfn]);
		if (o->type == OWN_ANON && !(f & PG_hugetlb)) {
			if (p->refcount < p->mapcount)
				ibad(&c, "pfn 0x%lx: refcount %d below mapcount %d", pfn, p->refcount,
				     p->mapcount);
			anon[pfn_zone(m, pfn)->nid] += (f & PG_head) ? 1L << p->order : 1;
		}
		if (o->type == OWN_FILE)
			file[pfn_zone(m, pfn)->nid]++;
		if ((f & PG_lru) == 0 && !(f & PG_isolated) &&
		    (o->type == OWN_FILE || (o->type == OWN_ANON && !(f & PG_hugetlb))))
			ibad(&c, "pfn 0x%lx is an LRU page but is on no LRU list", pfn);
	}
	for (int n = 0; n < m->nr_nodes; n++) {
		if (anon[n] != m->node[n]->vm_stat[NS_NR_ANON_PAGES])
			ibad(&c, "node %d: nr_anon_pages %ld but %ld anonymous pages", n,
			     m->node[n]->vm_stat[NS_NR_ANON_PAGES], anon[n]);
		if (file[n] != m->node[n]->vm_stat[NS_NR_FILE_PAGES])
			ibad(&c, "node %d: nr_file_pages %ld but %ld page cache pages", n,
			     m->node[n]->vm_stat[NS_NR_FILE_PAGES], file[n]);
		if (m->node[n]->vm_stat[NS_NR_ISOLATED_ANON] || m->node[n]->vm_stat[NS_NR_ISOLATED_FILE])
			ibad(&c, "node %d: pages still counted as isolated", n);
	}
	free(c.maps);
	free(c.seen);
	return c.bad;
}
