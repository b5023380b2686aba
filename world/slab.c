/*
 * slab.c - slab caches: objects packed into slab pages (mm/slub.c:
 * calculate_order, allocate_slab with its two tries, discard_slab).
 * UNMOVABLE caches are kmalloc-like, RECLAIMABLE ones (SLAB_RECLAIM_ACCOUNT)
 * dentry/inode-like and can be shrunk.  Slab pages are neither on an LRU nor
 * movable: migration and compaction skip them.
 * Simplification: an empty slab is freed at once (no per-node partial list
 * kept at min_partial).
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

/*
 * calculate_order(): the smallest order (<= slub_max_order 3) holding
 * min_objects = 4 * (fls(nr_cpus) + 1) objects, else order 3.
 * Simplification: 6.1 also limits the space left over at the end of the
 * slab and lowers min_objects step by step when no order fits.
 */
static unsigned slab_order(struct af_machine *m, unsigned size)
{
	unsigned min_objects = 4u * (unsigned)(fls_ul((unsigned long)m->nr_cpus) + 1);

	for (unsigned o = 0; o <= 3; o++)
		if ((PAGE_SIZE << o) / size >= min_objects)
			return o;
	return 3;
}

/* Recompute leaf i of the trees from slabs[i] (or as unused) and its ancestors */
static void tree_update(struct kmem_cache *c, int i)
{
	unsigned n = (unsigned)(c->tsize + i);

	if (i < c->nslabs) {
		c->tfree[n] = (uint16_t)(c->slabs[i].objs - c->slabs[i].inuse);
		c->tmin[n] = c->slabs[i].inuse;
	} else {
		c->tfree[n] = 0;
		c->tmin[n] = UINT16_MAX;
	}
	for (n >>= 1; n; n >>= 1) {
		c->tfree[n] = MAX(c->tfree[2 * n], c->tfree[2 * n + 1]);
		c->tmin[n] = MIN(c->tmin[2 * n], c->tmin[2 * n + 1]);
	}
}

/* Make room for leaf `need` - 1: double the trees and rebuild them */
static int tree_grow(struct kmem_cache *c, int need)
{
	int size = c->tsize ? c->tsize : 8;
	uint16_t *f, *mn;

	while (size < need)
		size *= 2;
	if (size == c->tsize)
		return 0;
	f = malloc(2 * (size_t)size * sizeof(*f));
	mn = malloc(2 * (size_t)size * sizeof(*mn));
	if (!f || !mn) {
		free(f);
		free(mn);
		return af_err(-ENOMEM, "out of memory");
	}
	free(c->tfree);
	free(c->tmin);
	c->tfree = f;
	c->tmin = mn;
	c->tsize = size;
	for (int i = 0; i < size; i++) {
		f[size + i] = i < c->nslabs ? (uint16_t)(c->slabs[i].objs - c->slabs[i].inuse) : 0;
		mn[size + i] = i < c->nslabs ? c->slabs[i].inuse : UINT16_MAX;
	}
	for (int n = size - 1; n > 0; n--) {
		f[n] = MAX(f[2 * n], f[2 * n + 1]);
		mn[n] = MIN(mn[2 * n], mn[2 * n + 1]);
	}
	return 0;
}

/* The newest slab (highest index) with a free object, or -1 */
static int tree_newest_with_room(const struct kmem_cache *c)
{
	unsigned n = 1;

	if (!c->tsize || !c->tfree[1])
		return -1;
	while (n < (unsigned)c->tsize)
		n = c->tfree[2 * n + 1] ? 2 * n + 1 : 2 * n;
	return (int)(n - (unsigned)c->tsize);
}

/* The slab with the fewest objects in use, the first of equals, or -1 */
static int tree_emptiest(const struct kmem_cache *c)
{
	unsigned n = 1;

	if (!c->nslabs)
		return -1;
	while (n < (unsigned)c->tsize)
		n = c->tmin[2 * n] == c->tmin[n] ? 2 * n : 2 * n + 1;
	return (int)(n - (unsigned)c->tsize);
}

int af_slab_create(struct af_machine *m, const char *name, unsigned size, bool reclaimable,
		   int *cid)
{
	struct world *w;
	struct kmem_cache *c;

	if (!m || !(w = m->world) || !cid || !name)
		return af_err(-EINVAL, "bad arguments");
	if (size < 8 || size > 8192)
		return af_err(-EINVAL, "slab object size %u out of range [8, 8192]", size);
	c = calloc(1, sizeof(*c));
	if (!c)
		return af_err(-ENOMEM, "out of memory");
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->size = size;
	c->order = slab_order(m, size);
	c->objs = (unsigned)MIN((PAGE_SIZE << c->order) / size, (unsigned long)SLAB_MAX_OBJS);
	c->reclaimable = reclaimable;
	wr_lock(m);
	if (w->ncaches == w->caches_cap) {
		int nc = w->caches_cap ? w->caches_cap * 2 : 8;
		struct kmem_cache **n = realloc(w->caches, (size_t)nc * sizeof(*n));
		if (!n) {
			wr_unlock(m);
			free(c);
			return af_err(-ENOMEM, "out of memory");
		}
		w->caches = n;
		w->caches_cap = nc;
	}
	c->owner = new_owner(m, OWN_SLAB, (uint32_t)w->ncaches);
	w->caches[w->ncaches] = c;
	*cid = w->ncaches++;
	wr_unlock(m);
	return c->owner ? 0 : af_err(-ENOMEM, "out of memory");
}

/* An allocated block of 2^order pages becomes the cache's newest (empty) slab */
static int add_slab(struct af_machine *m, struct kmem_cache *c, unsigned long pfn, unsigned order)
{
	if (c->nslabs == c->cap) {
		int nc = c->cap ? c->cap * 2 : 8;
		struct slab *ns = realloc(c->slabs, (size_t)nc * sizeof(*ns));
		if (!ns)
			return af_err(-ENOMEM, "out of memory");
		c->slabs = ns;
		c->cap = nc;
	}
	if (tree_grow(c, c->nslabs + 1))
		return -ENOMEM;
	memset(&c->slabs[c->nslabs], 0, sizeof(struct slab));
	c->slabs[c->nslabs].pfn = (uint32_t)pfn;
	c->slabs[c->nslabs].objs = (uint16_t)MIN(c->objs, (unsigned)((PAGE_SIZE << order) / c->size));
	prep_owned_page(m, pfn, c->owner, (uint32_t)c->nslabs, PG_slab);
	pset_order(&m->pages[pfn], order);
	for (unsigned i = 0; i < (1u << order); i++)
		contents_fill(m, pfn + i, c->owner, (uint32_t)pfn, i);
	page_stat_mod(m, pfn, c->reclaimable ? NS_NR_SLAB_RECLAIMABLE : NS_NR_SLAB_UNRECLAIMABLE,
		      1L << order);
	c->nslabs++;
	tree_update(c, c->nslabs - 1);
	return 0;
}

/* allocate_slab(): the cache's order without reclaim, then the minimum order */
static int new_slab(struct af_machine *m, struct kmem_cache *c, int cpu)
{
	af_gfp_t gfp = AF_GFP_KERNEL | (c->reclaimable ? AF___GFP_RECLAIMABLE : 0);
	unsigned min_order = 0;
	struct af_alloc_result r;
	unsigned order = c->order;
	int ret;

	while ((PAGE_SIZE << min_order) < c->size)
		min_order++;
	af_gfp_t first = gfp | AF___GFP_NOWARN | AF___GFP_NORETRY;
	if (order > min_order)
		first = (first | AF___GFP_NOMEMALLOC) & ~AF___GFP_RECLAIM;
	ret = af_alloc_pages(m, cpu, first | (order ? AF___GFP_COMP : 0), order, -1, &r);
	if (ret == -ENOMEM && order > min_order) {
		order = min_order;
		ret = af_alloc_pages(m, cpu, gfp | (order ? AF___GFP_COMP : 0), order, -1, &r);
	}
	if (ret)
		return ret;
	ret = add_slab(m, c, (unsigned long)r.pfn, order);
	if (ret)
		af_free_pages(m, cpu, r.pfn, order);
	return ret;
}

static void discard_slab(struct af_machine *m, int cpu, struct kmem_cache *c, int i)
{
	unsigned long pfn = c->slabs[i].pfn;
	unsigned order = m->pages[pfn].order;

	page_stat_mod(m, pfn, c->reclaimable ? NS_NR_SLAB_RECLAIMABLE : NS_NR_SLAB_UNRECLAIMABLE,
		      -(1L << order));
	pflags_fetch_and(m, &m->pages[pfn], ~PG_slab);
	m->pages[pfn].owner = 0;
	m->pages[pfn].index = 0;
	af_free_pages(m, cpu, pfn, order);
	c->slabs[i] = c->slabs[--c->nslabs];
	if (i < c->nslabs)
		m->pages[c->slabs[i].pfn].index = (uint32_t)i;
	tree_update(c, i);
	tree_update(c, c->nslabs);
}

static struct kmem_cache *get_cache(struct af_machine *m, int cid)
{
	struct world *w = m->world;
	return (w && cid >= 0 && cid < w->ncaches) ? w->caches[cid] : NULL;
}

/* Object handles: slab pfn << 16 | slot (stable while the slab lives) */
int af_slab_alloc(struct af_machine *m, int cid, int cpu, uint64_t *obj)
{
	struct kmem_cache *c;
	int ret = 0;

	if (!m || !obj || cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "bad arguments");
	wr_lock(m);
	c = get_cache(m, cid);
	if (!c) {
		wr_unlock(m);
		return af_err(-EINVAL, "no slab cache %d", cid);
	}
	/* the newest slab with a free object, else a new slab */
	int i = tree_newest_with_room(c);
	if (i < 0) {
		ret = new_slab(m, c, cpu);
		i = c->nslabs - 1;
	}
	if (!ret) {
		struct slab *s = &c->slabs[i];
		for (unsigned k = 0; k < s->objs; k++)
			if (!(s->used[k / 64] & (1ULL << (k % 64)))) {
				s->used[k / 64] |= 1ULL << (k % 64);
				s->inuse++;
				*obj = ((uint64_t)s->pfn << 16) | k;
				break;
			}
		if (s->inuse > s->objs)
			ret = af_err(-EIO, "slab accounting broken");
		tree_update(c, i);
	}
	wr_unlock(m);
	return ret;
}

/* The slab of a handle through its page, which records the slab's index */
static int find_obj(struct af_machine *m, struct kmem_cache *c, uint64_t obj, int *slab, unsigned *slot)
{
	uint64_t pfn = obj >> 16;
	uint32_t i;

	if (obj >> 48 || pfn >= m->max_pfn)	/* a handle is pfn << 16 | slot: nothing above */
		return -ENOENT;
	i = m->pages[pfn].index;
	if (!(pflags(&m->pages[pfn]) & PG_slab) || m->pages[pfn].owner != c->owner ||
	    i >= (uint32_t)c->nslabs || c->slabs[i].pfn != pfn)
		return -ENOENT;
	*slab = (int)i;
	*slot = (unsigned)(obj & 0xffff);
	if (*slot >= SLAB_MAX_OBJS || !(c->slabs[i].used[*slot / 64] & (1ULL << (*slot % 64))))
		return -ENOENT;
	return 0;
}

int af_slab_free(struct af_machine *m, int cid, uint64_t obj)
{
	struct kmem_cache *c;
	int i, ret;
	unsigned slot;

	if (!m)
		return af_err(-EINVAL, "no machine");
	wr_lock(m);
	c = get_cache(m, cid);
	if (!c) {
		wr_unlock(m);
		return af_err(-EINVAL, "no slab cache %d", cid);
	}
	ret = find_obj(m, c, obj, &i, &slot);
	if (ret) {
		wr_unlock(m);
		return af_err(-ENOENT, "object 0x%llx is not allocated in cache %s (double free or shrunk)",
			      (unsigned long long)obj, c->name);
	}
	c->slabs[i].used[slot / 64] &= ~(1ULL << (slot % 64));
	if (--c->slabs[i].inuse == 0)
		discard_slab(m, API_CPU, c, i);
	else
		tree_update(c, i);
	wr_unlock(m);
	return 0;
}

/* A shrinker: drop objects of a reclaimable cache, emptiest slabs first, on
 * `cpu`; the caller holds the world's write lock */
int slab_shrink_locked(struct af_machine *m, int cpu, int cid, unsigned long nr, unsigned long *freed)
{
	struct kmem_cache *c;
	unsigned long done = 0;

	c = get_cache(m, cid);
	if (!c || !c->reclaimable)
		return af_err(-EINVAL, "slab cache %d does not exist or is not reclaimable", cid);
	/* a pinned cache: the shrinker finds every object in use */
	while (!c->pinned && done < nr && c->nslabs) {
		int best = tree_emptiest(c);
		struct slab *s = &c->slabs[best];
		for (unsigned k = 0; k < SLAB_MAX_OBJS && done < nr && s->inuse; k++)
			if (s->used[k / 64] & (1ULL << (k % 64))) {
				s->used[k / 64] &= ~(1ULL << (k % 64));
				s->inuse--;
				done++;
			}
		if (!s->inuse)
			discard_slab(m, cpu, c, best);
		else
			tree_update(c, best);
	}
	if (freed)
		*freed = done;
	return 0;
}

int slab_shrink(struct af_machine *m, int cpu, int cid, unsigned long nr, unsigned long *freed)
{
	int ret;

	if (!m)
		return af_err(-EINVAL, "no machine");
	wr_lock(m);
	ret = slab_shrink_locked(m, cpu, cid, nr, freed);
	wr_unlock(m);
	return ret;
}

int af_slab_shrink(struct af_machine *m, int cid, unsigned long nr, unsigned long *freed)
{
	return slab_shrink(m, API_CPU, cid, nr, freed);
}

int af_slab_pin(struct af_machine *m, int cid)
{
	struct kmem_cache *c;

	if (!m || !m->world)
		return af_err(-EINVAL, "no machine");
	wr_lock(m);
	c = get_cache(m, cid);
	if (c)
		c->pinned = true;
	wr_unlock(m);
	return c ? 0 : af_err(-EINVAL, "slab cache %d does not exist", cid);
}

/*
 * Drop and re-create the objects of one slab page of a reclaimable cache:
 * the shrinker frees every object of the slab at old_pfn (and so the page),
 * then as many new objects are allocated on new_pfn, an allocated block of
 * the same order and no owner that the caller chose, which becomes the
 * cache's newest slab.  The cache keeps its object count; the new objects
 * are new (handles on new_pfn, fresh contents), and handles of the dropped
 * ones get -ENOENT from af_slab_free, as after any shrink.  -ENOENT if
 * old_pfn is no longer a slab page, -EPERM if its cache is not reclaimable,
 * -EINVAL if the orders differ; then nothing changed and new_pfn is still
 * the caller's.  *nobjs (optional) receives the number of objects re-created.
 */
int slab_recreate(struct af_machine *m, int cpu, unsigned long old_pfn, unsigned long new_pfn,
		  unsigned *nobjs)
{
	struct page *p = &m->pages[old_pfn];
	struct kmem_cache *c;
	struct owner *o;
	unsigned order, n, i;
	struct slab *s;
	int ret;

	wr_lock(m);
	o = owner_of(m, p);
	if (!(pflags(p) & PG_slab) || !o || o->type != OWN_SLAB || !(c = get_cache(m, (int)o->obj)) ||
	    p->index >= (uint32_t)c->nslabs || c->slabs[p->index].pfn != old_pfn) {
		wr_unlock(m);
		return -ENOENT;
	}
	if (!c->reclaimable || c->pinned) {
		wr_unlock(m);
		return -EPERM;
	}
	order = m->pages[old_pfn].order;
	if (m->pages[new_pfn].order != order || !(pflags(&m->pages[new_pfn]) & PG_alloc) ||
	    m->pages[new_pfn].owner) {
		wr_unlock(m);
		return -EINVAL;
	}
	n = c->slabs[p->index].inuse;
	discard_slab(m, cpu, c, (int)p->index);
	ret = add_slab(m, c, new_pfn, order);	/* cannot fail: a slot was just freed */
	if (!ret) {
		s = &c->slabs[c->nslabs - 1];
		for (i = 0; i < n; i++)
			s->used[i / 64] |= 1ULL << (i % 64);
		s->inuse = (uint16_t)n;
		tree_update(c, c->nslabs - 1);
		if (nobjs)
			*nobjs = n;
	}
	wr_unlock(m);
	return ret;
}
