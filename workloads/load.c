/*
 * load.c - the shared load: processes, files, slab objects and raw kernel
 * allocations, driven by one seeded generator (see load.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"
#include "registry.h"

static const struct { const char *name; unsigned size; bool recl; } caches[LOAD_NR_CACHES] = {
	[LOAD_DENTRY] = { "dentry", 192, true },
	[LOAD_INODE] = { "ext4_inode_cache", 1080, true },
	[LOAD_KMALLOC_256] = { "kmalloc-256", 256, false },
	[LOAD_KMALLOC_1K] = { "kmalloc-1k", 1024, false },
};

/* Grow *arr (elements of size sz) to hold one more */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *na;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	na = realloc(*arr, nc * sz);
	if (!na)
		return af_err(-ENOMEM, "out of memory");
	*arr = na;
	*cap = nc;
	return 0;
}

static int cpu(struct load *l)
{
	return (int)af_rng_below(&l->r, (uint64_t)l->ncpu);
}

int load_init(struct load *l, struct af_machine *m, uint64_t seed)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->m = m;
	l->ncpu = af_machine_nr_cpus(m);
	af_rng_seed(&l->r, seed);
	for (int i = 0; i < LOAD_NR_CACHES; i++)
		if ((ret = af_slab_create(m, caches[i].name, caches[i].size, caches[i].recl, &l->cid[i])))
			return ret;
	return 0;
}

void load_fini(struct load *l)
{
	free(l->procs);
	free(l->fids);
	free(l->fsize);
	for (int i = 0; i < LOAD_NR_CACHES; i++)
		free(l->objs[i]);
	free(l->kblocks);
	memset(l, 0, sizeof(*l));
}

int load_release(struct load *l)
{
	int ret = 0;

	while (l->nprocs && !ret)
		ret = load_exit(l, true);
	while (l->nk && !ret)
		ret = load_kernel_free(l, l->nk);
	for (int c = 0; c < LOAD_NR_CACHES && !ret; c++)
		for (size_t i = 0; i < l->nobjs[c] && !ret; i++) {
			int fr = af_slab_free(l->m, l->cid[c], l->objs[c][i]);
			if (fr && fr != -ENOENT)	/* -ENOENT: a shrinker took it */
				ret = fr;
		}
	for (int c = 0; c < LOAD_NR_CACHES; c++)
		l->nobjs[c] = 0;
	for (size_t i = 0; i < l->nfiles && !ret; i++)
		ret = af_file_delete(l->m, l->fids[i]);
	l->nfiles = 0;
	return ret;
}

int load_spawn(struct load *l, uint64_t npages, bool thp)
{
	struct load_proc p = { 0 };
	int ret;

	if (!npages)
		return 0;
	if ((ret = grow((void **)&l->procs, &l->capprocs, l->nprocs, sizeof(*l->procs))))
		return ret;
	if ((ret = af_proc_create(l->m, &p.pid)) == -ENOMEM) {
		l->c.enomem++;
		return 0;
	}
	if (ret)
		return ret;
	if ((ret = af_mmap_anon(l->m, p.pid, npages, thp ? AF_MAP_THP : 0, &p.vpn))) {
		int ex = af_proc_exit(l->m, p.pid);
		if (ret == -ENOMEM) {
			l->c.enomem++;
			ret = 0;
		}
		return ex ? ex : ret;
	}
	p.npages = npages;
	l->procs[l->nprocs++] = p;
	l->c.spawns++;
	for (uint64_t v = 0; v < npages; v++) {
		if (thp && !((p.vpn + v) & 511))
			l->c.thp_faults++;
		ret = af_mem_write(l->m, p.pid, cpu(l), p.vpn + v);
		if (ret == -ENOMEM) {
			l->c.enomem++;
			return 0;
		}
		if (ret)
			return ret;
		l->c.faults++;
		l->anon_pages++;
	}
	return 0;
}

int load_exit(struct load *l, bool oldest)
{
	size_t i;
	int ret;

	if (!l->nprocs)
		return 0;
	i = oldest ? 0 : (size_t)af_rng_below(&l->r, l->nprocs);
	if ((ret = af_proc_exit(l->m, l->procs[i].pid)))
		return ret;
	l->anon_pages -= l->anon_pages < l->procs[i].npages ? l->anon_pages : l->procs[i].npages;
	if (oldest)
		memmove(l->procs, l->procs + 1, (l->nprocs - 1) * sizeof(*l->procs));
	else
		l->procs[i] = l->procs[l->nprocs - 1];
	l->nprocs--;
	l->c.exits++;
	return 0;
}

int load_touch(struct load *l)
{
	struct load_proc *p;
	int ret;

	if (!l->nprocs)
		return 0;
	p = &l->procs[af_rng_below(&l->r, l->nprocs)];
	uint64_t v = p->vpn + af_rng_below(&l->r, p->npages);
	ret = af_rng_below(&l->r, 2) ? af_mem_write(l->m, p->pid, cpu(l), v)
				      : af_mem_read(l->m, p->pid, cpu(l), v);
	if (ret == -ENOMEM || ret == -EFAULT) {
		l->c.enomem += ret == -ENOMEM;
		return 0;
	}
	l->c.faults++;
	return ret;
}

static int new_file(struct load *l)
{
	int ret;

	if ((ret = grow((void **)&l->fids, &l->capfiles, l->nfiles, sizeof(*l->fids))) ||
	    (ret = grow((void **)&l->fsize, &l->capfsize, l->nfiles, sizeof(*l->fsize))) ||
	    (ret = af_file_create(l->m, false, &l->fids[l->nfiles])))
		return ret;
	l->fsize[l->nfiles++] = 0;
	return 0;
}

int load_file(struct load *l, uint64_t npages, bool write)
{
	int ret;

	/* a new file for about every 64 pages of I/O, as a build writes objects */
	if (!l->nfiles || !af_rng_below(&l->r, 64 / (npages ? npages : 1) + 1))
		if ((ret = new_file(l)))
			return ret;
	size_t f = (size_t)af_rng_below(&l->r, l->nfiles);
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t idx = l->fsize[f]++;
		int c = cpu(l);
		ret = write ? af_file_write(l->m, l->fids[f], c, idx) : af_file_read(l->m, l->fids[f], c, idx);
		if (ret == -ENOMEM) {
			l->c.enomem++;
			return 0;
		}
		if (ret)
			return ret;
		l->c.file_ops++;
	}
	return 0;
}

int load_file_reread(struct load *l, uint64_t npages)
{
	int ret;

	if (!l->nfiles)
		return 0;
	for (uint64_t i = 0; i < npages; i++) {
		size_t f = (size_t)af_rng_below(&l->r, l->nfiles);
		if (!l->fsize[f])
			continue;
		ret = af_file_read(l->m, l->fids[f], cpu(l), af_rng_below(&l->r, l->fsize[f]));
		if (ret == -ENOMEM) {
			l->c.enomem++;
			return 0;
		}
		if (ret)
			return ret;
		l->c.file_ops++;
	}
	return 0;
}

int load_slab(struct load *l, bool reclaimable, uint64_t n)
{
	int ret;

	for (uint64_t i = 0; i < n; i++) {
		int c = (reclaimable ? LOAD_DENTRY : LOAD_KMALLOC_256) + (int)af_rng_below(&l->r, 2);
		uint64_t obj;
		if ((ret = grow((void **)&l->objs[c], &l->capobjs[c], l->nobjs[c], sizeof(uint64_t))))
			return ret;
		ret = af_slab_alloc(l->m, l->cid[c], cpu(l), &obj);
		if (ret == -ENOMEM) {
			l->c.enomem++;
			return 0;
		}
		if (ret)
			return ret;
		l->objs[c][l->nobjs[c]++] = obj;
		l->c.slab_ops++;
	}
	return 0;
}

int load_slab_free(struct load *l, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int c = (int)af_rng_below(&l->r, LOAD_NR_CACHES);
		if (!l->nobjs[c])
			continue;
		size_t k = (size_t)af_rng_below(&l->r, l->nobjs[c]);
		int fr = af_slab_free(l->m, l->cid[c], l->objs[c][k]);
		l->objs[c][k] = l->objs[c][--l->nobjs[c]];
		if (fr && fr != -ENOENT)	/* -ENOENT: a shrinker took it meanwhile */
			return fr;
		l->c.slab_ops++;
	}
	return 0;
}

uint64_t load_slab_pages(const struct load *l)
{
	uint64_t bytes = 0;

	for (int c = 0; c < LOAD_NR_CACHES; c++)
		bytes += l->nobjs[c] * caches[c].size;
	return bytes / 4096;
}

int load_kernel(struct load *l, uint64_t n)
{
	int ret;

	for (uint64_t i = 0; i < n; i++) {
		struct af_alloc_result a;
		/* mostly order 0, some 1-3 (kernel stacks, skb heads, page tables) */
		uint64_t x = af_rng_below(&l->r, 16);
		unsigned order = x < 12 ? 0 : (unsigned)(x - 11) > 3 ? 3 : (unsigned)(x - 11);
		if ((ret = grow((void **)&l->kblocks, &l->capk, l->nk, sizeof(uint64_t))))
			return ret;
		ret = af_alloc_pages(l->m, cpu(l), AF_GFP_KERNEL | AF___GFP_NOWARN | AF___GFP_NORETRY, order, -1, &a);
		if (ret == -ENOMEM) {
			l->c.enomem++;
			return 0;
		}
		if (ret)
			return ret;
		l->kblocks[l->nk++] = a.pfn << 8 | order;
		l->kernel_pages += 1ULL << order;
		l->c.kernel_ops++;
	}
	return 0;
}

int load_kernel_free(struct load *l, uint64_t n)
{
	int ret;

	for (uint64_t i = 0; i < n && l->nk; i++) {
		size_t k = (size_t)af_rng_below(&l->r, l->nk);
		unsigned order = (unsigned)(l->kblocks[k] & 0xff);
		if ((ret = af_free_pages(l->m, cpu(l), l->kblocks[k] >> 8, order)))
			return ret;
		l->kblocks[k] = l->kblocks[--l->nk];
		l->kernel_pages -= 1ULL << order;
		l->c.kernel_ops++;
	}
	return 0;
}

void load_work_now(struct af_machine *m, struct load_work *w)
{
	w->scanned = wl_vmstat(m, "compact_migrate_scanned") + wl_vmstat(m, "compact_free_scanned");
	w->migrated = wl_vmstat(m, "pgmigrate_success");
	w->direct_reclaimed = wl_vmstat(m, "pgsteal_direct");
	w->reclaimed = w->direct_reclaimed + wl_vmstat(m, "pgsteal_kswapd");
}

double load_charge(struct af_machine *m, const struct load_work *w0, struct load_work *w1, uint64_t scan_ns,
		   uint64_t migrate_ns, uint64_t reclaim_ns)
{
	double lat;

	load_work_now(m, w1);
	lat = load_latency_ns(w0, w1, scan_ns, migrate_ns, reclaim_ns);
	af_clock_advance(m, (uint64_t)lat);
	return lat;
}

int load_check(const char *workload, uint64_t anon, uint64_t slab, uint64_t kernel)
{
	if (anon + slab + kernel > 90)
		return af_err(-EINVAL, "workload %s: anon + slab + kernel is %llu%%, more than 90%% of memory",
			      workload, (unsigned long long)(anon + slab + kernel));
	return 0;
}

int load_setup(struct load *l, struct af_machine *m, const uint64_t permille[4], uint64_t nprocs,
	       uint64_t *proc_pages)
{
	uint64_t managed = af_machine_managed_pages(m), target[4];
	int ret;

	for (int k = 0; k < 4; k++)
		target[k] = managed * permille[k] / 1000;
	*proc_pages = target[0] / nprocs > 16 ? target[0] / nprocs : 16;
	if ((ret = load_init(l, m, af_machine_seed(m))))
		return ret;
	return load_fill(l, target, *proc_pages);
}

/*
 * One load operation: mostly file I/O, then touches, slab and kernel churn;
 * and, about once in proc_pages / 5 operations, a process exits and another
 * of about the same size starts (a compiler after a compiler), so that the
 * anonymous memory turns over at about 5 pages per operation whatever the
 * machine's size.
 */
int load_op(struct load *l, uint64_t proc_pages, bool thp)
{
	uint64_t x = af_rng_below(&l->r, 100), n = 1 + af_rng_below(&l->r, 8);

	af_clock_advance(l->m, 1000);
	if (af_rng_below(&l->r, proc_pages) < 5) {
		int ret = load_exit(l, false);
		return ret ? ret : load_spawn(l, proc_pages / 2 + af_rng_below(&l->r, proc_pages), thp);
	}
	if (x < 30)
		return load_file(l, n, false);
	if (x < 40)
		return load_file(l, n, true);
	if (x < 60)
		return load_file_reread(l, n);
	if (x < 78)
		return load_touch(l);
	if (x < 86)
		return load_slab(l, true, 4);
	if (x < 93)
		return load_slab_free(l, 4);
	if (x < 96)
		return load_kernel(l, 1);
	return load_kernel_free(l, 1);
}

/* Fill toward the targets (pages), in small interleaved steps */
int load_fill(struct load *l, const uint64_t target[4], uint64_t proc_pages)
{
	uint64_t cached = 0, guard = 0;
	int ret = 0;

	af_progress(l->m, "fill", 0, 0);
	while (!ret && guard++ < 1u << 30) {
		uint64_t have[4] = { l->anon_pages, cached, load_slab_pages(l), l->kernel_pages }, need = 0;
		uint64_t deficit[4];
		for (int k = 0; k < 4; k++)
			need += deficit[k] = have[k] < target[k] ? target[k] - have[k] : 0;
		if (!need || l->c.enomem > 1000)
			break;
		uint64_t x = af_rng_below(&l->r, need);
		af_clock_advance(l->m, 1000);
		if (x < deficit[0]) {
			ret = load_spawn(l, proc_pages / 2 + af_rng_below(&l->r, proc_pages), false);
		} else if ((x -= deficit[0]) < deficit[1]) {
			bool wr = af_rng_below(&l->r, 4) == 0;
			uint64_t before = l->c.file_ops;
			ret = load_file(l, 32, wr);
			cached += l->c.file_ops - before;
		} else if ((x -= deficit[1]) < deficit[2]) {
			ret = load_slab(l, true, 64);
		} else {
			/* unmovable: raw kernel allocations and unmovable slab */
			ret = load_kernel(l, 4);
			if (!ret)
				ret = load_slab(l, false, 8);
		}
		if (!(guard & 255) && !ret)
			ret = af_run_daemons(l->m);
	}
	return ret;
}

double load_latency_ns(const struct load_work *a, const struct load_work *b, uint64_t scan_ns,
		       uint64_t migrate_ns, uint64_t reclaim_ns)
{
	return 1000.0 + (double)(b->scanned - a->scanned) * (double)scan_ns +
	       (double)(b->migrated - a->migrated) * (double)migrate_ns +
	       (double)(b->direct_reclaimed - a->direct_reclaimed) * (double)reclaim_ns;
}

int load_zone_span(struct af_machine *m, int zt, uint64_t *start, uint64_t *end, int *zt_out)
{
	struct af_snapshot snap;
	int ret, best = -1;

	if ((ret = af_snapshot_take(m, &snap)))
		return ret;
	for (uint64_t b = 0; b < snap.nr_pageblocks; b++) {
		const struct af_pageblock_state *pb = &snap.pageblocks[b];
		if (pb->online && pb->zone_type < AF_NR_ZONE_TYPES && pb->zone_type > best &&
		    (zt == AF_NR_ZONE_TYPES || pb->zone_type == zt))
			best = pb->zone_type;
	}
	*start = UINT64_MAX;
	*end = 0;
	for (uint64_t b = 0; best >= 0 && b < snap.nr_pageblocks; b++) {
		const struct af_pageblock_state *pb = &snap.pageblocks[b];
		if (pb->online && pb->zone_type == best) {
			*start = *start < b << 9 ? *start : b << 9;
			*end = (b + 1) << 9;
		}
	}
	af_snapshot_free(&snap);
	if (best < 0)
		return af_err(-ENOENT, "the machine has no such zone");
	if (zt_out)
		*zt_out = best;
	return 0;
}

int load_pfn_class(struct af_machine *m, uint64_t pfn)
{
	struct af_snapshot snap;
	int c = AF_PFN_HOLE;

	if (af_snapshot_take(m, &snap))
		return AF_PFN_HOLE;
	if (pfn < snap.max_pfn)
		c = snap.pfn_class[pfn];
	af_snapshot_free(&snap);
	return c;
}
