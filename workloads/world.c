/*
 * world.c - the world workload: processes, files, slab caches, a driver,
 * hugetlb and THP, churned with exits, munmaps and migrations.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

#define WW_PROCS 12
#define WW_FILES 4
#define WW_CACHES 4
#define WW_REGIONS 6

struct ww_proc { int pid; bool alive; int nreg; uint64_t vpn[WW_REGIONS], npages[WW_REGIONS]; };

struct ww {
	struct ww_proc procs[WW_PROCS];
	int fids[WW_FILES];
	uint64_t file_pages;
	int cids[WW_CACHES];
	uint64_t *objs[WW_CACHES];
	size_t nobjs[WW_CACHES], capobjs[WW_CACHES];
	int did;
	uint64_t *kblocks;	/* unowned kernel allocations: pfn << 8 | order */
	size_t nk, capk;
};

static int ww_new_proc(struct af_machine *m, struct ww *w, struct af_rng *r, int i,
		       uint64_t budget, struct af_world_workload_stats *st)
{
	struct ww_proc *p = &w->procs[i];
	int ret = af_proc_create(m, &p->pid);

	if (ret)
		return ret;
	p->alive = true;
	p->nreg = 0;
	for (int k = 0; k < WW_REGIONS; k++) {
		uint64_t n = 64 + af_rng_below(r, budget / WW_REGIONS + 1);
		unsigned flags = 0;
		if (af_rng_below(r, 4) == 0)
			flags |= AF_MAP_THP;
		else if (af_rng_below(r, 20) == 0)
			flags |= AF_MAP_MLOCK;
		ret = af_mmap_anon(m, p->pid, n, flags, &p->vpn[k]);
		if (ret)
			return ret;
		p->npages[k] = n;
		p->nreg++;
		/* touch most of it */
		for (uint64_t v = 0; v < n; v++) {
			if (af_rng_below(r, 10) < 8) {
				ret = af_mem_write(m, p->pid, (int)af_rng_below(r, (uint64_t)m->nr_cpus),
						   p->vpn[k] + v);
				if (ret == -ENOMEM)
					return 0;	/* out of memory: stop filling */
				if (ret)
					return ret;
				st->faults++;
			}
		}
	}
	return 0;
}

static int ww_push(uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		uint64_t *na = realloc(*arr, nc * sizeof(*na));
		if (!na)
			return af_err(-ENOMEM, "out of memory");
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

static int ww_random_migration(struct af_machine *m, struct af_rng *r,
			       struct af_world_workload_stats *st)
{
	uint64_t pfns[32];
	int n = 0;
	struct af_migrate_stats ms;

	for (int k = 0; k < 32; k++) {
		uint64_t pfn = af_rng_below(r, m->max_pfn);
		bool dup = false;
		for (int j = 0; j < n; j++)
			dup |= pfns[j] == pfn;
		if (!dup && pfn_zone(m, (unsigned long)pfn))
			pfns[n++] = pfn;
	}
	int ret = af_migrate_pfns(m, pfns, n, (enum af_migrate_mode)af_rng_below(r, 3),
				  AF_MR_SYSCALL, -1, NULL, &ms);
	if (ret < 0)
		return ret;
	st->migrations_tried += ms.nr_succeeded + ms.nr_failed_pages;
	st->migrated += ms.nr_succeeded;
	return 0;
}

static int workload_world(struct af_machine *m, uint64_t seed, uint64_t ops,
			  struct af_world_workload_stats *st)
{
	struct ww *w = calloc(1, sizeof(*w));
	struct af_rng r;
	uint64_t managed = af_machine_managed_pages(m);
	/* the most one process maps; regions average half of it and are 80% touched */
	uint64_t budget = managed / 2 / WW_PROCS;
	int ret = 0;
	static const struct { const char *name; unsigned size; bool recl; } caches[WW_CACHES] = {
		{ "dentry", 192, true }, { "inode_cache", 600, true },
		{ "kmalloc-256", 256, false }, { "kmalloc-1k", 1024, false },
	};

	if (!w)
		return af_err(-ENOMEM, "out of memory");
	memset(st, 0, sizeof(*st));
	af_rng_seed(&r, seed);

	/* slab caches, files, a driver, the hugetlb pool */
	for (int i = 0; i < WW_CACHES && !ret; i++)
		ret = af_slab_create(m, caches[i].name, caches[i].size, caches[i].recl, &w->cids[i]);
	for (int i = 0; i < WW_FILES && !ret; i++)
		ret = af_file_create(m, i == WW_FILES - 1, &w->fids[i]);
	if (!ret)
		ret = af_driver_create(m, NULL, NULL, &w->did);
	if (!ret) {
		unsigned long now;
		ret = af_hugetlb_resize(m, managed / 512 / 64, &now);	/* ~1.5% */
	}
	/* processes: half of them forked from the others */
	for (int i = 0; i < WW_PROCS && !ret; i++) {
		if (i >= WW_PROCS / 2 && w->procs[i - WW_PROCS / 2].alive && af_rng_below(&r, 2)) {
			struct ww_proc *parent = &w->procs[i - WW_PROCS / 2];
			ret = af_proc_fork(m, parent->pid, &w->procs[i].pid);
			w->procs[i].alive = !ret;
			w->procs[i].nreg = parent->nreg;
			memcpy(w->procs[i].vpn, parent->vpn, sizeof(parent->vpn));
			memcpy(w->procs[i].npages, parent->npages, sizeof(parent->npages));
		} else {
			ret = ww_new_proc(m, w, &r, i, budget, st);
		}
	}
	/* page cache: about 12% of memory, some of it dirty */
	w->file_pages = managed / 8 / WW_FILES;
	for (int f = 0; f < WW_FILES && !ret; f++)
		for (uint64_t idx = 0; idx < w->file_pages && !ret; idx++) {
			ret = af_rng_below(&r, 8) ? af_file_read(m, w->fids[f], 0, idx)
						  : af_file_write(m, w->fids[f], 0, idx);
			st->file_ops++;
		}
	/* slab objects: managed * 4 / 25 of them, about 2% of memory */
	for (uint64_t k = 0; k < managed / 25 * 4 && !ret; k++) {
		int c = (int)af_rng_below(&r, WW_CACHES);
		uint64_t obj;
		ret = af_slab_alloc(m, w->cids[c], (int)af_rng_below(&r, (uint64_t)m->nr_cpus), &obj);
		if (!ret)
			ret = ww_push(&w->objs[c], &w->nobjs[c], &w->capobjs[c], obj);
		st->slab_ops++;
	}
	/* driver pages, other kernel allocations: about 1% each */
	for (uint64_t k = 0; k < managed / 100 && !ret; k++) {
		uint64_t no;
		ret = af_driver_alloc(m, w->did, 0, &no);
	}
	for (uint64_t k = 0; k < managed / 200 && !ret; k++) {
		struct af_alloc_result a;
		unsigned order = (unsigned)af_rng_below(&r, 4);
		af_gfp_t g = af_rng_below(&r, 4) ? AF_GFP_KERNEL : AF_GFP_ATOMIC;
		if (af_alloc_pages(m, (int)af_rng_below(&r, (uint64_t)m->nr_cpus), g, order, -1, &a) == 0)
			ret = ww_push(&w->kblocks, &w->nk, &w->capk, a.pfn << 8 | order);
	}
	if (ret == -ENOMEM)
		ret = 0;

	/* churn */
	for (uint64_t op = 0; op < ops && !ret; op++) {
		uint64_t x = af_rng_below(&r, 1000);
		int cpu = (int)af_rng_below(&r, (uint64_t)m->nr_cpus);
		struct ww_proc *p = &w->procs[af_rng_below(&r, WW_PROCS)];

		af_clock_advance(m, 1000);
		af_progress(m, "churn", op, ops);
		st->ops++;
		if (x < 450) {
			if (!p->alive || !p->nreg)
				continue;
			int k = (int)af_rng_below(&r, (uint64_t)p->nreg);
			uint64_t v = p->vpn[k] + af_rng_below(&r, p->npages[k]);
			ret = x < 300 ? af_mem_write(m, p->pid, cpu, v) : af_mem_read(m, p->pid, cpu, v);
			if (ret == -ENOMEM || ret == -EFAULT)
				ret = 0;
			st->faults++;
		} else if (x < 650) {
			int f = (int)af_rng_below(&r, WW_FILES);
			uint64_t idx = af_rng_below(&r, w->file_pages + w->file_pages / 4);
			if (x < 600)
				ret = af_file_read(m, w->fids[f], cpu, idx);
			else if (x < 640)
				ret = af_file_write(m, w->fids[f], cpu, idx);
			else if (af_file_writeback(m, w->fids[f], idx, 2000000) != 0)
				ret = 0;	/* not dirty or not cached */
			if (ret == -ENOMEM)
				ret = 0;
			st->file_ops++;
		} else if (x < 850) {
			int c = (int)af_rng_below(&r, WW_CACHES);
			if (x < 760) {
				uint64_t obj;
				ret = af_slab_alloc(m, w->cids[c], cpu, &obj);
				if (!ret)
					ret = ww_push(&w->objs[c], &w->nobjs[c], &w->capobjs[c], obj);
				else if (ret == -ENOMEM)
					ret = 0;
			} else if (w->nobjs[c]) {
				size_t k = (size_t)af_rng_below(&r, w->nobjs[c]);
				int fr = af_slab_free(m, w->cids[c], w->objs[c][k]);
				w->objs[c][k] = w->objs[c][--w->nobjs[c]];
				if (fr != 0 && fr != -ENOENT)	/* -ENOENT: shrunk meanwhile */
					ret = fr;
			}
			st->slab_ops++;
		} else if (x < 860) {
			unsigned long freed;
			ret = af_slab_shrink(m, w->cids[af_rng_below(&r, 2)], 64, &freed);
		} else if (x < 960) {
			ret = ww_random_migration(m, &r, st);
		} else if (x < 961) {
			/* a process exits and another starts */
			if (p->alive) {
				ret = af_proc_exit(m, p->pid);
				p->alive = false;
				st->exits++;
			} else {
				ret = ww_new_proc(m, w, &r, (int)(p - w->procs), budget, st);
				if (ret == -ENOMEM)
					ret = 0;
			}
		} else if (x < 966) {
			/* munmap a region and map a new one */
			if (p->alive && p->nreg) {
				int k = (int)af_rng_below(&r, (uint64_t)p->nreg);
				uint64_t n = 64 + af_rng_below(&r, budget / WW_REGIONS + 1);
				ret = af_munmap(m, p->pid, p->vpn[k]);
				if (!ret)
					ret = af_mmap_anon(m, p->pid, n, af_rng_below(&r, 3) ? 0 : AF_MAP_THP,
							   &p->vpn[k]);
				p->npages[k] = n;
			}
		} else {
			/* other kernel allocations come and go */
			if (w->nk && af_rng_below(&r, 2)) {
				size_t k = (size_t)af_rng_below(&r, w->nk);
				ret = af_free_pages(m, cpu, w->kblocks[k] >> 8, (unsigned)(w->kblocks[k] & 0xff));
				w->kblocks[k] = w->kblocks[--w->nk];
			} else {
				struct af_alloc_result a;
				unsigned order = (unsigned)af_rng_below(&r, 4);
				if (af_alloc_pages(m, cpu, AF_GFP_KERNEL | AF___GFP_NORETRY, order, -1, &a) == 0)
					ret = ww_push(&w->kblocks, &w->nk, &w->capk, a.pfn << 8 | order);
			}
		}
	}
	for (size_t k = 0; k < w->nk; k++)
		st->kernel_pages += 1ULL << (w->kblocks[k] & 0xff);
	for (int c = 0; c < WW_CACHES; c++)
		free(w->objs[c]);
	free(w->kblocks);
	free(w);
	return ret;
}

/* The statistics are optional; the machine is not */
int af_workload_world(struct af_machine *m, uint64_t seed, uint64_t ops,
		      struct af_world_workload_stats *st)
{
	struct af_world_workload_stats local;

	if (!m)
		return af_err(-EINVAL, "no machine");
	return workload_world(m, seed, ops, st ? st : &local);
}


static int world_run(struct af_machine *m, const uint64_t *p, struct af_workload_result *res)
{
	struct af_world_workload_stats st;
	struct af_world_stats ws;
	int ret = workload_world(m, af_machine_seed(m), p[0], &st);

	if (ret)
		return ret;
	af_world_stats(m, &ws);
	if ((ret = wl_printf(res, "workload world: %llu operations: %llu page accesses, %llu file operations, "
			     "%llu slab operations, %llu exits, %llu of %llu pages migrated\n",
			     (unsigned long long)st.ops, (unsigned long long)st.faults,
			     (unsigned long long)st.file_ops, (unsigned long long)st.slab_ops,
			     (unsigned long long)st.exits, (unsigned long long)st.migrated,
			     (unsigned long long)st.migrations_tried)) ||
	    (ret = wl_printf(res, "pages by owner: anonymous %llu (%llu processes), THP %llu, page cache %llu "
			     "(%llu dirty, %llu under writeback), slab %llu, driver %llu, page tables %llu, "
			     "hugetlb %llu, other kernel %llu\n",
			     (unsigned long long)ws.anon_pages, (unsigned long long)ws.processes,
			     (unsigned long long)ws.thp_pages, (unsigned long long)ws.file_pages,
			     (unsigned long long)ws.file_dirty, (unsigned long long)ws.file_writeback,
			     (unsigned long long)ws.slab_pages, (unsigned long long)ws.driver_pages,
			     (unsigned long long)ws.pgtable_pages, (unsigned long long)ws.hugetlb_pages,
			     (unsigned long long)st.kernel_pages)))
		return ret;
#define V(n, x) if ((ret = wl_value(res, n, (double)(x)))) return ret
	V("operations", st.ops); V("page_accesses", st.faults); V("file_operations", st.file_ops);
	V("slab_operations", st.slab_ops); V("exits", st.exits); V("pages_migrated", st.migrated);
#undef V
	return 0;
}

const struct wl_entry wl_world = {
	.info = {
		.name = "world",
		.summary = "processes, files, slab caches, a driver, hugetlb and THP, churned with "
			   "exits, munmaps and migrations",
		.source = "antifrag's own: the kinds of owner a Linux machine's pages have",
		.nparams = 1,
		.params = { { "ops", 0, 100000000, 200000, "churn operations after the set-up, "
			      "1 us of virtual time each" } },
	},
	.run = world_run,
};
