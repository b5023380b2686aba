/*
 * load.h - the load the recognised workloads share: processes that map and
 * write anonymous memory and exit, files read and written into the page
 * cache, slab objects of reclaimable and unmovable caches, and raw unmovable
 * kernel allocations, each step drawing from one seeded generator.
 *
 * Every step returns 0 when the machine is out of memory (counted in
 * c.enomem: the load stops growing, as a real one would stall or be
 * reclaimed) and a negative errno only for a real error.
 */
#ifndef AF_WL_LOAD_H
#define AF_WL_LOAD_H

#include "antifrag.h"

struct load_proc { int pid; uint64_t vpn, npages; };

enum { LOAD_DENTRY, LOAD_INODE, LOAD_KMALLOC_256, LOAD_KMALLOC_1K, LOAD_NR_CACHES };

struct load {
	struct af_machine *m;
	struct af_rng r;
	int ncpu;
	struct load_proc *procs;
	size_t nprocs, capprocs;
	int *fids;
	uint64_t *fsize;		/* pages written or read so far, per file */
	size_t nfiles, capfiles, capfsize;
	int cid[LOAD_NR_CACHES];
	uint64_t *objs[LOAD_NR_CACHES];
	size_t nobjs[LOAD_NR_CACHES], capobjs[LOAD_NR_CACHES];
	uint64_t *kblocks;		/* raw kernel allocations: pfn << 8 | order */
	size_t nk, capk;
	/* what the load holds: anonymous pages mapped, kernel pages */
	uint64_t anon_pages, kernel_pages;
	struct {
		uint64_t faults, file_ops, slab_ops, kernel_ops, spawns, exits, enomem;
		uint64_t thp_faults;	/* writes to the first page of a THP mapping's 2 MiB regions */
	} c;
};

/* Set up the caches; the generator from seed */
int load_init(struct load *l, struct af_machine *m, uint64_t seed);
/* Let go of everything the load holds (the programs end); then load_fini */
int load_release(struct load *l);
/* Free the bookkeeping only */
void load_fini(struct load *l);

/* A process mapping npages (THP-madvised with thp) and writing all of them */
int load_spawn(struct load *l, uint64_t npages, bool thp);
/* The oldest process (oldest: 1) or a random one exits */
int load_exit(struct load *l, bool oldest);
/* Write or read a random page of a random live process */
int load_touch(struct load *l);
/* npages of file I/O: the next pages of a file (a new file now and then) */
int load_file(struct load *l, uint64_t npages, bool write);
/* Re-read npages of files already read (page cache hits and refaults) */
int load_file_reread(struct load *l, uint64_t npages);
/* n slab objects of the reclaimable (dentry, inode) or unmovable caches */
int load_slab(struct load *l, bool reclaimable, uint64_t n);
/* Free n random slab objects */
int load_slab_free(struct load *l, uint64_t n);
/* n raw unmovable allocations of orders 0-3, or free n of them */
int load_kernel(struct load *l, uint64_t n);
int load_kernel_free(struct load *l, uint64_t n);
/* Pages of slab objects the load holds, roughly (objects x size / 4096) */
uint64_t load_slab_pages(const struct load *l);

/* The counters of the work an allocation or a phase did (from /proc/vmstat) */
struct load_work { uint64_t scanned, migrated, reclaimed, direct_reclaimed; };
void load_work_now(struct af_machine *m, struct load_work *w);
/*
 * antifrag's cost model of the virtual latency of work done within a call
 * (b - a): 1 us, plus scan_ns per page compaction scanned, migrate_ns per
 * page migrated and reclaim_ns per page reclaimed directly.  Not a
 * measurement: the defaults are 20, 2000 and 1000 ns.
 */
double load_latency_ns(const struct load_work *a, const struct load_work *b, uint64_t scan_ns,
		       uint64_t migrate_ns, uint64_t reclaim_ns);
/*
 * One operation of a kernel-build-like load: mostly file I/O, then touches,
 * slab and kernel churn; about once in proc_pages / 5 operations a process
 * exits and another of about the same size (THP-madvised with thp) starts.
 * The virtual clock advances 1 us.
 */
int load_op(struct load *l, uint64_t proc_pages, bool thp);
/* Fill toward target pages of anon, file I/O, reclaimable slab and
 * unmovable kernel memory, in small interleaved steps */
int load_fill(struct load *l, const uint64_t target[4], uint64_t proc_pages);
/* The refusal every load shares: anon + slab + kernel over 90% of memory (-EINVAL) */
int load_check(const char *workload, uint64_t anon, uint64_t slab, uint64_t kernel);
/*
 * load_init and load_fill to targets of managed * permille[k] / 1000 pages
 * (anon, page cache, slab, kernel), the anonymous memory held by about
 * nprocs processes of *proc_pages each (at least 16); load_fini releases
 * it whatever the result.
 */
int load_setup(struct load *l, struct af_machine *m, const uint64_t permille[4], uint64_t nprocs,
	       uint64_t *proc_pages);
/* After a call begun with load_work_now(m, w0): w1 now, the call's latency in
 * the cost model, and the clock advanced by it */
double load_charge(struct af_machine *m, const struct load_work *w0, struct load_work *w1, uint64_t scan_ns,
		   uint64_t migrate_ns, uint64_t reclaim_ns);

/*
 * The pfn span [*start, *end) of the online pageblocks of zone type zt
 * (AF_NR_ZONE_TYPES: the highest populated zone), on any node; -ENOENT
 * when the machine has none.  *zt_out (optional) gets the zone type.
 */
int load_zone_span(struct af_machine *m, int zt, uint64_t *start, uint64_t *end, int *zt_out);
/* What pfn holds now (enum af_pfn_class) */
int load_pfn_class(struct af_machine *m, uint64_t pfn);

/* The machine's free pages now */
static inline uint64_t load_free(const struct load *l)
{
	return af_machine_free_pages(l->m);
}

#endif
