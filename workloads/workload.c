/*
 * workload.c - synthetic workloads driven by one seeded generator.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include <stdio.h>

struct block { uint32_t pfn; uint8_t order; uint8_t cpu; };
struct live { struct block *b; size_t nr, cap; };

static int live_push(struct live *l, struct block b)
{
	if (l->nr == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		struct block *nb = realloc(l->b, ncap * sizeof(*nb));
		if (!nb)
			return af_err(-ENOMEM, "out of memory");
		l->b = nb;
		l->cap = ncap;
	}
	l->b[l->nr++] = b;
	return 0;
}

static unsigned int pick_order(struct af_rng *r)
{
	uint64_t x = af_rng_below(r, 1000);

	/* 90% order 0, 7.5% orders 1-3, 2.3% orders 4-8, 0.2% orders 9-10 */
	if (x < 900)
		return 0;
	if (x < 975)
		return 1 + (unsigned)af_rng_below(r, 3);
	if (x < 998)
		return 4 + (unsigned)af_rng_below(r, 5);
	return 9 + (unsigned)af_rng_below(r, 2);
}

/*
 * The mix of mobility types shifts between phases, as demand does on a real
 * machine (a page-cache-heavy phase, a slab-heavy one ...).  Per phase two
 * cumulative percentages: below the first MOVABLE, below the second
 * UNMOVABLE, the rest RECLAIMABLE (phase 0: 50/30/20).
 */
static const int mixes[4][2] = { { 50, 80 }, { 80, 90 }, { 30, 80 }, { 30, 50 } };

static af_gfp_t pick_gfp(struct af_rng *r, int phase)
{
	uint64_t x = af_rng_below(r, 100);

	if (x < (uint64_t)mixes[phase][0])
		return AF_GFP_HIGHUSER_MOVABLE;
	if (x < (uint64_t)mixes[phase][1])
		return AF_GFP_KERNEL;
	return AF_GFP_KERNEL | AF___GFP_RECLAIMABLE;
}

static int do_alloc(struct af_machine *m, struct live *l, struct af_rng *r,
		    struct af_workload_stats *st, uint64_t *held, int phase)
{
	unsigned int order = pick_order(r);
	int cpu = (int)af_rng_below(r, (uint64_t)m->nr_cpus);
	af_gfp_t gfp = pick_gfp(r, phase);
	struct af_alloc_result res;
	int ret;

	if (order >= PAGEBLOCK_ORDER && (gfp & AF___GFP_MOVABLE))
		gfp = AF_GFP_TRANSHUGE_LIGHT;
	st->allocs++;
	st->alloc_by_order[order]++;
	ret = af_alloc_pages(m, cpu, gfp, order, -1, &res);
	if (ret == -ENOMEM) {
		st->alloc_fail++;
		st->fail_by_order[order]++;
		return 0;
	}
	if (ret)
		return ret;
	*held += 1UL << order;
	if (*held > st->peak_pages)
		st->peak_pages = *held;
	return live_push(l, (struct block){ (uint32_t)res.pfn, (uint8_t)order, (uint8_t)cpu });
}

static int do_free(struct af_machine *m, struct live *l, struct af_rng *r,
		   struct af_workload_stats *st, uint64_t *held)
{
	size_t i;
	struct block b;
	int ret;

	if (!l->nr)
		return 0;
	i = (size_t)af_rng_below(r, l->nr);
	b = l->b[i];
	l->b[i] = l->b[--l->nr];
	ret = af_free_pages(m, (int)af_rng_below(r, (uint64_t)m->nr_cpus), b.pfn, b.order);
	if (ret)
		return ret;
	st->frees++;
	*held -= 1UL << b.order;
	return 0;
}

static int workload_mixed(struct af_machine *m, uint64_t seed, uint64_t ops,
			  struct af_workload_stats *st)
{
	struct live *l = m->workload;
	struct af_rng r;
	uint64_t held = 0, target;
	uint64_t managed = af_machine_managed_pages(m);
	uint64_t e0 = m->extfrag_events, f0 = m->extfrag_fragmenting;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			return af_err(-ENOMEM, "out of memory");
		m->workload = l;
		m->workload_free = workload_free;
	}
	for (size_t i = 0; i < l->nr; i++)
		held += 1UL << l->b[i].order;
	af_rng_seed(&r, seed);
	target = managed * 95 / 100;

	/* fill: mostly allocate until 95% is held */
	for (uint64_t guard = 0; held < target && guard < 50 * managed && !ret; guard++) {
		if (af_rng_below(&r, 10) < 8)
			ret = do_alloc(m, l, &r, st, &held, 0);
		else
			ret = do_free(m, l, &r, st, &held);
		if (st->alloc_fail > 1000 && st->alloc_fail * 2 > st->allocs)
			break;
	}
	/* churn, in four phases of shifting demand */
	for (uint64_t i = 0; i < ops && !ret; i++) {
		int phase = (int)(i * 4 / ops);
		af_clock_advance(m, 1000);
		if (af_rng_below(&r, 2) || held >= target)
			ret = do_free(m, l, &r, st, &held);
		else
			ret = do_alloc(m, l, &r, st, &held, phase);
	}
	/* release 70% */
	for (size_t n = l->nr * 7 / 10; n && !ret; n--)
		ret = do_free(m, l, &r, st, &held);
	st->live_blocks = l->nr;
	st->extfrag_events = m->extfrag_events - e0;
	st->extfrag_fragmenting = m->extfrag_fragmenting - f0;
	return ret;
}

/* The statistics are optional; the machine is not */
int af_workload_mixed(struct af_machine *m, uint64_t seed, uint64_t ops,
		      struct af_workload_stats *st)
{
	struct af_workload_stats local;

	if (!m)
		return af_err(-EINVAL, "no machine");
	return workload_mixed(m, seed, ops, st ? st : &local);
}

void af_workload_release(struct af_machine *m)
{
	struct live *l;

	if (!m)
		return;
	l = m->workload;

	if (!l)
		return;
	while (l->nr) {
		struct block b = l->b[--l->nr];
		af_free_pages(m, b.cpu % m->nr_cpus, b.pfn, b.order);
	}
	workload_free(m);
}

/* Drop the workload's bookkeeping without touching the machine's pages. */
void workload_free(struct af_machine *m)
{
	struct live *l = m->workload;

	if (!l)
		return;
	free(l->b);
	free(l);
	m->workload = NULL;
}

/* ---- the world workload ---- */
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

/* /proc/meminfo's MemFree */
static unsigned long free_kb(struct af_machine *m)
{
	uint64_t nr_free = 0;
	af_vmstat(m, "nr_free_pages", &nr_free);
	return (unsigned long)nr_free * 4;
}

/*
 * ---- tools/testing/selftests/vm/compaction_test.c ----
 * map_mb is MAP_SIZE_MB: 100 in the 6.1 source, 1 before 2020 (and in
 * af_workload_compaction_selftest).
 */
int af_workload_compaction_selftest_map(struct af_machine *m, unsigned long map_mb,
					struct af_selftest_result *res)
{
	long fragmentable_mb;
	uint64_t *maps = NULL;
	size_t n = 0, cap = 0;
	int pid, ret;
	char buf[32];

	if (!m || !res)
		return af_err(-EINVAL, "no machine or no place for the result");
	memset(res, 0, sizeof(*res));
	if (!map_mb || map_mb > 65536)
		return af_err(-EINVAL, "selftest mapping size %lu MiB is out of range (1..65536)", map_mb);
	res->map_mb = map_mb;
	res->mem_free_kb = free_kb(m);
	ret = af_proc_create(m, &pid);
	if (ret)
		return ret;
	fragmentable_mb = (long)((double)res->mem_free_kb * 0.8 / 1024);
	while (fragmentable_mb > 0) {
		uint64_t vpn;
		bool failed = false;

		/* mmap(MAP_SIZE, MAP_ANONYMOUS | MAP_PRIVATE | MAP_LOCKED) */
		if (af_mmap_anon(m, pid, map_mb * 256, AF_MAP_MLOCK, &vpn))
			break;
		for (uint64_t i = 0; i < map_mb * 256 && !failed; i++)
			failed = af_mem_write(m, pid, 0, vpn + i) != 0;
		if (failed) {
			af_munmap(m, pid, vpn);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			uint64_t *nm = realloc(maps, cap * sizeof(*nm));
			if (!nm) {
				free(maps);
				return af_err(-ENOMEM, "out of memory");
			}
			maps = nm;
		}
		maps[n++] = vpn;
		fragmentable_mb -= (long)map_mb;
		af_run_daemons(m);
	}
	res->mappings = n;
	/* unmap every other entry of the (newest-first) list */
	for (size_t i = n; i-- > 0;) {
		if (((n - 1 - i) & 1) == 0) {
			ret = af_munmap(m, pid, maps[i]);
			if (ret)
				goto out;
			res->unmapped++;
		}
	}
	af_run_daemons(m);
	/* check_compaction() */
	unsigned long mem_free = (unsigned long)((double)res->mem_free_kb * 0.8);
	ret = af_sysctl_write(m, "vm.nr_hugepages", "0");
	if (ret)
		goto out;
	res->requested = mem_free / 2048 / 2;
	snprintf(buf, sizeof(buf), "%lu", res->requested);
	ret = af_sysctl_write(m, "vm.nr_hugepages", buf);
	if (ret)
		goto out;
	ret = af_sysctl_read(m, "nr_hugepages", buf, sizeof(buf));
	if (ret)
		goto out;
	res->allocated = strtoul(buf, NULL, 10);
	if (res->allocated) {
		res->compaction_index = mem_free / (res->allocated * 2048);
		res->pass = res->compaction_index <= 3;
	}
	ret = af_sysctl_write(m, "vm.nr_hugepages", "0");
out:
	free(maps);
	return ret;
}

int af_workload_compaction_selftest(struct af_machine *m, struct af_selftest_result *res)
{
	return af_workload_compaction_selftest_map(m, 1, res);
}

/* ---- fidelity/experiments/fragfill.c ---- */
enum { FF_ROUND_PAGES = 1024, FF_PIPE_PAGES = 16, FF_FILES = 100, FF_MAX_ROUNDS = 4096 };

/*
 * thpfault.c's request: one madvised anonymous mapping of three quarters of
 * free memory, 2 MiB aligned, every page written; res->got counts the
 * faults that mapped a THP.
 */
static int thp_request(struct af_machine *m, int pid, struct af_fragfill_result *res)
{
	uint64_t vpn, before = 0, after = 0;
	int ret;

	res->requested = res->mem_free_freed_kb * 3 / 4 / 2048;
	if (!res->requested)
		return 0;
	af_vmstat(m, "thp_fault_alloc", &before);
	ret = af_mmap_anon(m, pid, res->requested * 512, AF_MAP_THP, &vpn);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < res->requested * 512; i++)
		if ((ret = af_mem_write(m, pid, 0, vpn + i)))
			return ret;
	af_vmstat(m, "thp_fault_alloc", &after);
	res->got = after - before;
	return 0;
}

static int fragfill(struct af_machine *m, bool hold, bool thp, struct af_fragfill_result *res);

int af_workload_fragfill(struct af_machine *m, struct af_fragfill_result *res)
{
	return fragfill(m, false, false, res);
}

int af_workload_fragfill_hold(struct af_machine *m, bool hold, struct af_fragfill_result *res)
{
	return fragfill(m, hold, false, res);
}

int af_workload_thpfault(struct af_machine *m, bool hold, struct af_fragfill_result *res)
{
	return fragfill(m, hold, true, res);
}

static int fragfill(struct af_machine *m, bool hold, bool thp, struct af_fragfill_result *res)
{
	uint64_t *anon = NULL, *pipe = NULL, *objs[2] = { NULL, NULL };
	int pid, cid[2], ret;
	size_t npipe = 0, nobj[2] = { 0, 0 };
	unsigned long r;
	char buf[32];

	if (!m || !res)
		return af_err(-EINVAL, "no machine or no place for the result");
	memset(res, 0, sizeof(*res));
	anon = calloc(FF_MAX_ROUNDS, sizeof(*anon));
	pipe = calloc((size_t)FF_MAX_ROUNDS * FF_PIPE_PAGES, sizeof(*pipe));
	for (int k = 0; k < 2; k++)
		objs[k] = calloc((size_t)FF_MAX_ROUNDS * FF_FILES, sizeof(*objs[k]));
	if (!anon || !pipe || !objs[0] || !objs[1]) {
		ret = af_err(-ENOMEM, "out of memory");
		goto out;
	}
	if ((ret = af_proc_create(m, &pid)) ||
	    (ret = af_slab_create(m, "dentry", 192, true, &cid[0])) ||
	    (ret = af_slab_create(m, "inode_cache", 608, true, &cid[1])) ||
	    (ret = af_slab_pin(m, cid[0])) || (ret = af_slab_pin(m, cid[1])))
		goto out;
	res->mem_free_start_kb = free_kb(m);
	for (r = 0; r < FF_MAX_ROUNDS && free_kb(m) > res->mem_free_start_kb / 10; r++) {
		bool failed = false;

		if (af_mmap_anon(m, pid, FF_ROUND_PAGES, 0, &anon[r]))
			break;
		for (uint64_t i = 0; i < FF_ROUND_PAGES && !failed; i++)
			failed = af_mem_write(m, pid, 0, anon[r] + i) != 0;
		if (failed) {
			af_munmap(m, pid, anon[r]);
			break;
		}
		/* pipe_write(): alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT) per buffer */
		for (int i = 0; i < FF_PIPE_PAGES; i++) {
			struct af_alloc_result a;
			if (af_alloc_pages(m, 0, AF_GFP_HIGHUSER | AF___GFP_ACCOUNT, 0, -1, &a))
				break;
			pipe[npipe++] = a.pfn;
		}
		res->pipes++;
		for (int i = 0; i < FF_FILES; i++)
			for (int k = 0; k < 2; k++)
				if (af_slab_alloc(m, cid[k], 0, &objs[k][nobj[k]]) == 0)
					nobj[k]++;
		af_run_daemons(m);
	}
	res->rounds = r;
	res->mem_free_filled_kb = free_kb(m);
	for (unsigned long i = 0; i < res->rounds; i += 2)
		if ((ret = af_munmap(m, pid, anon[i])))
			goto out;
	af_run_daemons(m);
	res->mem_free_freed_kb = free_kb(m);
	if (thp) {
		if ((ret = thp_request(m, pid, res)))
			goto out;
	} else {
		res->requested = res->mem_free_freed_kb / 2048;
		snprintf(buf, sizeof(buf), "%lu", res->requested);
		if ((ret = af_sysctl_write(m, "vm.nr_hugepages", buf)) ||
		    (ret = af_sysctl_read(m, "nr_hugepages", buf, sizeof(buf))))
			goto out;
		res->got = strtoul(buf, NULL, 10);
	}
	res->mem_free_end_kb = free_kb(m);
	if (hold)
		goto out;
	/* the program exits: its memory, pipes and files go */
	for (size_t i = 0; i < npipe; i++)
		af_free_pages(m, 0, pipe[i], 0);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < nobj[k]; i++)
			af_slab_free(m, cid[k], objs[k][i]);	/* -ENOENT if a shrinker took it */
	ret = af_proc_exit(m, pid);
out:
	free(anon);
	free(pipe);
	free(objs[0]);
	free(objs[1]);
	return ret;
}
