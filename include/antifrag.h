/*
 * antifrag.h - public interface of libantifrag.
 *
 * libantifrag models Linux 6.1's physical-memory anti-fragmentation system:
 * the zoned buddy allocator with grouping by mobility, per-CPU pagesets and
 * watermarks.  Every public function is prefixed af_; handles are opaque.
 * Library code never prints and never exits: errors come back as negative
 * errno-style values with a message readable through af_strerror().
 */
#ifndef ANTIFRAG_H
#define ANTIFRAG_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse a size such as "4096", "512K", "512M", "64G", "1T" (binary units,
 * case-insensitive, optional trailing 'B' or 'iB').  Returns 0 and stores
 * the byte count, or -EINVAL on a malformed string or overflow.
 */
int af_parse_size(const char *s, uint64_t *bytes);

/* ---- GFP flags: Linux 6.1 x86-64 bit values (include/linux/gfp_types.h) ---- */
typedef uint32_t af_gfp_t;
#define AF___GFP_DMA		0x01u
#define AF___GFP_HIGHMEM	0x02u
#define AF___GFP_DMA32		0x04u
#define AF___GFP_MOVABLE	0x08u
#define AF___GFP_RECLAIMABLE	0x10u
#define AF___GFP_HIGH		0x20u
#define AF___GFP_IO		0x40u
#define AF___GFP_FS		0x80u
#define AF___GFP_ZERO		0x100u
#define AF___GFP_ATOMIC		0x200u
#define AF___GFP_DIRECT_RECLAIM	0x400u
#define AF___GFP_KSWAPD_RECLAIM	0x800u
#define AF___GFP_WRITE		0x1000u
#define AF___GFP_NOWARN		0x2000u
#define AF___GFP_RETRY_MAYFAIL	0x4000u
#define AF___GFP_NOFAIL		0x8000u
#define AF___GFP_NORETRY	0x10000u
#define AF___GFP_MEMALLOC	0x20000u
#define AF___GFP_COMP		0x40000u
#define AF___GFP_NOMEMALLOC	0x80000u
#define AF___GFP_HARDWALL	0x100000u
#define AF___GFP_THISNODE	0x200000u
#define AF___GFP_ACCOUNT	0x400000u
#define AF___GFP_BITS_MASK	0x7fffffu
#define AF___GFP_RECLAIM	(AF___GFP_DIRECT_RECLAIM | AF___GFP_KSWAPD_RECLAIM)

#define AF_GFP_ATOMIC	(AF___GFP_HIGH | AF___GFP_ATOMIC | AF___GFP_KSWAPD_RECLAIM)
#define AF_GFP_KERNEL	(AF___GFP_RECLAIM | AF___GFP_IO | AF___GFP_FS)
#define AF_GFP_KERNEL_ACCOUNT (AF_GFP_KERNEL | AF___GFP_ACCOUNT)
#define AF_GFP_NOWAIT	(AF___GFP_KSWAPD_RECLAIM)
#define AF_GFP_NOIO	(AF___GFP_RECLAIM)
#define AF_GFP_NOFS	(AF___GFP_RECLAIM | AF___GFP_IO)
#define AF_GFP_USER	(AF___GFP_RECLAIM | AF___GFP_IO | AF___GFP_FS | AF___GFP_HARDWALL)
#define AF_GFP_DMA	(AF___GFP_DMA)
#define AF_GFP_DMA32	(AF___GFP_DMA32)
#define AF_GFP_HIGHUSER	(AF_GFP_USER | AF___GFP_HIGHMEM)
#define AF_GFP_HIGHUSER_MOVABLE (AF_GFP_HIGHUSER | AF___GFP_MOVABLE)
#define AF_GFP_TRANSHUGE_LIGHT ((AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | \
			AF___GFP_NOMEMALLOC | AF___GFP_NOWARN) & ~AF___GFP_RECLAIM)
#define AF_GFP_TRANSHUGE (AF_GFP_TRANSHUGE_LIGHT | AF___GFP_DIRECT_RECLAIM)

/* ---- errors ---- */
/*
 * Every function returning int returns 0 (or a non-negative count) on
 * success and a negative errno value on failure.  af_errmsg() returns a
 * one-line description of the calling thread's last failure.
 */
const char *af_errmsg(void);

/* ---- configuration ---- */
struct af_config;
struct af_machine;

/* A new configuration with Linux 6.1 defaults: 4 GiB, 1 node, 2 CPUs. */
int af_config_new(struct af_config **out);
void af_config_free(struct af_config *cfg);
/*
 * Set one key (see `antifrag --help` and the README for the keys):
 * "mem", "nodes", "cpus", "movablecore", "seed", "threaded", "cma",
 * "transparent_hugepage", "node.N.zone.NAME" (= "START SPANNED PRESENT
 * MANAGED [LATE_FREED]"), "node.N.distance", and every "vm.*" sysctl.
 */
int af_config_set(struct af_config *cfg, const char *key, const char *value);
/* Load a sysctl.conf-like file of "key = value" lines ('#' and ';' comments). */
int af_config_load(struct af_config *cfg, const char *path);
int af_config_load_string(struct af_config *cfg, const char *text);

/* ---- machine ---- */
int af_machine_create(const struct af_config *cfg, struct af_machine **out);
void af_machine_destroy(struct af_machine *m);
int af_machine_nr_cpus(const struct af_machine *m);
int af_machine_nr_nodes(const struct af_machine *m);
uint64_t af_machine_max_pfn(const struct af_machine *m);
/* Free pages (buddy + pcp) and managed pages summed over every zone. */
uint64_t af_machine_free_pages(const struct af_machine *m);
uint64_t af_machine_managed_pages(const struct af_machine *m);

/* ---- the page allocator ---- */
/* Why an allocation failed (returned through af_alloc_result.reason). */
enum af_fail_reason {
	AF_ALLOC_OK = 0,
	AF_FAIL_INVALID,	/* bad order, GFP or node */
	AF_FAIL_NO_ZONE,	/* no populated zone allowed by the GFP mask */
	AF_FAIL_WATERMARK,	/* every zone below its watermark, no progress */
	AF_FAIL_FRAGMENTED,	/* enough free pages, but no block of the order */
	AF_FAIL_NORETRY,	/* gave up early: __GFP_NORETRY / costly order */
	AF_FAIL_NOWAIT,		/* cannot reclaim or compact (no direct reclaim) */
};
const char *af_fail_reason_name(enum af_fail_reason r);

struct af_alloc_result {
	uint64_t pfn;
	enum af_fail_reason reason;
	int zone;		/* zone type the block came from */
	int nid;
	int retries;		/* slow-path loops */
	bool slowpath;
};

/*
 * __alloc_pages(): allocate 2^order pages on behalf of CPU `cpu`, preferring
 * node `nid` (-1: the CPU's node).  Returns 0 and fills res->pfn, -ENOMEM
 * with res->reason when the allocation cannot be served, -EINVAL on bad
 * input.
 */
int af_alloc_pages(struct af_machine *m, int cpu, af_gfp_t gfp,
		   unsigned int order, int nid, struct af_alloc_result *res);
/* __free_pages(): free a block returned by af_alloc_pages with its order. */
int af_free_pages(struct af_machine *m, int cpu, uint64_t pfn, unsigned int order);
/* drain_local_pages / drain_all_pages */
int af_drain_cpu(struct af_machine *m, int cpu);
void af_drain_all(struct af_machine *m);

/* gfp_migratetype() / gfp_zone(): -EINVAL for combinations the kernel rejects */
int af_gfp_migratetype(const struct af_machine *m, af_gfp_t gfp);
int af_gfp_zone(af_gfp_t gfp);
/* Parse "GFP_KERNEL|__GFP_NORETRY" or a number. */
int af_gfp_parse(const char *s, af_gfp_t *out);

/*
 * Slow-path hooks: direct compaction and direct reclaim.  Without hooks the
 * slow path runs its retry structure with no progress and fails cleanly.
 */
struct af_slowpath_ops {
	/* returns pages "made available"; 0 = no progress */
	unsigned long (*direct_reclaim)(struct af_machine *m, af_gfp_t gfp,
					unsigned int order, void *arg);
	/* returns 1 if compaction may have produced a block of the order */
	int (*direct_compact)(struct af_machine *m, af_gfp_t gfp,
			      unsigned int order, int prio, void *arg);
	void (*wake_kswapd)(struct af_machine *m, int nid, unsigned int order,
			    int highest_zoneidx, void *arg);
};
void af_set_slowpath_ops(struct af_machine *m, const struct af_slowpath_ops *ops,
			 void *arg);

/* ---- sysctls ---- */
/* Write a vm.* sysctl as `sysctl -w` would (kernel ranges and side effects). */
int af_sysctl_write(struct af_machine *m, const char *name, const char *value);
/* Read a vm.* sysctl into buf as /proc/sys/vm/NAME prints it. */
int af_sysctl_read(struct af_machine *m, const char *name, char *buf, size_t len);

/* ---- views ---- */
/*
 * Render a kernel file into a malloc'd NUL-terminated string (free() it):
 * "/proc/buddyinfo", "/proc/pagetypeinfo", "/proc/vmstat", "/proc/zoneinfo",
 * "/sys/kernel/debug/extfrag/extfrag_index",
 * "/sys/kernel/debug/extfrag/unusable_index", "/proc/sys/vm/NAME".
 */
int af_render(struct af_machine *m, const char *path, char **out);
/* The list of renderable paths, NULL-terminated. */
const char *const *af_render_paths(void);
/* One vmstat counter by its /proc/vmstat name; -ENOENT if unknown. */
int af_vmstat(struct af_machine *m, const char *name, uint64_t *val);

/* ---- tracing ---- */
/* Called with one line in the kernel's trace text format (no newline). */
typedef void (*af_trace_fn)(void *arg, const char *line);
void af_set_trace(struct af_machine *m, af_trace_fn fn, void *arg);
/* Convenience sink writing lines to a stdio stream. */
void af_trace_to_file(void *file, const char *line);

/* ---- invariants ---- */
/*
 * af_check(): walk the whole state.  Returns the number of violations (0 if
 * consistent); the first violation's description is copied to report.
 */
int af_check(struct af_machine *m, char *report, size_t len);

/* ---- virtual clock (deterministic mode) ---- */
/* Advance the machine's virtual clock; trace timestamps read it. */
void af_clock_advance(struct af_machine *m, uint64_t ns);
uint64_t af_clock_ns(const struct af_machine *m);

/* ---- workloads ---- */
struct af_workload_stats {
	uint64_t allocs, alloc_fail, frees;
	uint64_t alloc_by_order[11], fail_by_order[11];
	uint64_t peak_pages;		/* most pages held at once */
	uint64_t live_blocks;		/* blocks still held at the end */
	uint64_t extfrag_events, extfrag_fragmenting;
};
/*
 * The default mixed workload: fill about 95% of memory with random
 * UNMOVABLE (GFP_KERNEL), RECLAIMABLE and MOVABLE (GFP_HIGHUSER_MOVABLE)
 * allocations of mixed orders (mostly order 0) on random CPUs, churn
 * (alloc/free) for `ops` operations in four phases whose type mix shifts,
 * advancing the virtual clock 1 us per operation, then free 70% of what is
 * held.  Deterministic for a seed.
 * Blocks still held stay allocated; af_workload_release() frees them.
 */
int af_workload_mixed(struct af_machine *m, uint64_t seed, uint64_t ops,
		      struct af_workload_stats *st);
void af_workload_release(struct af_machine *m);

/* ---- deterministic randomness ---- */
struct af_rng { uint64_t s[4]; };
void af_rng_seed(struct af_rng *r, uint64_t seed);
uint64_t af_rng_next(struct af_rng *r);
/* Uniform in [0, n) */
uint64_t af_rng_below(struct af_rng *r, uint64_t n);

#ifdef __cplusplus
}
#endif
#endif /* ANTIFRAG_H */
