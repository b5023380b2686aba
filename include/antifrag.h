/*
 * antifrag.h - public interface of libantifrag.
 *
 * libantifrag models Linux 6.1's physical-memory anti-fragmentation system:
 * the zoned buddy allocator with grouping by mobility, per-CPU pagesets,
 * watermarks, page migration, compaction, reclaim of page cache and slab,
 * kswapd and kcompactd.  Every public function is prefixed af_; handles are
 * opaque.  Library code never prints and never exits: errors come back as
 * negative errno-style values, and af_errmsg() describes the last one.
 */
#ifndef ANTIFRAG_H
#define ANTIFRAG_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define AF_VERSION "0.6.0"

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

/*
 * The NULL contract, kept by every function below:
 * - A machine, configuration, event, generator, name, path or text, and a
 *   pointer that receives the answer (out, pid, vpn, pfn, obj, fid, bytes …)
 *   are required: NULL gives -EINVAL with a message.  Functions returning a
 *   quantity rather than an error (af_machine_max_pfn, af_machine_seed,
 *   af_machine_free_pages, af_machine_managed_pages, af_clock_ns,
 *   af_fragmentation_score, af_rng_next, af_rng_below) return 0 for a NULL
 *   machine or generator; af_event_type_by_name(NULL) is AF_EV_NONE and
 *   af_policy_stat_names(NULL) the empty list.
 * - Pointers said to be optional may be NULL: statistics and diagnostics
 *   (af_alloc_pages' res, the st of the workloads and of migration,
 *   results, first_busy, freed, now, af_check's report), a callback whose
 *   NULL means "none" or "built-in", the machine of af_gfp_migratetype
 *   (NULL: grouping by mobility on), and a buffer whose length is 0.
 * - Functions returning void do nothing when what they act on is NULL
 *   (af_config_free, af_machine_destroy, af_drain_all, af_set_slowpath_ops,
 *   af_set_event_sink, af_set_trace, af_trace_to_file,
 *   af_event_to_json_file, af_clock_advance, af_workload_release,
 *   af_world_stats, af_snapshot_free, af_rng_seed).
 */

/* ---- configuration ---- */
struct af_config;
struct af_machine;

/* A new configuration with Linux 6.1 defaults: 4 GiB, 1 node, 2 CPUs. */
int af_config_new(struct af_config **out);
void af_config_free(struct af_config *cfg);
/*
 * A machine laid out frame by frame, as a captured state has it: with an
 * explicit zone layout (node.N.zone.NAME lines), map[pfn] says whether pfn
 * is a hole (no memmap), a reserved page (present, not managed) or a page
 * the boot frees.  Each zone's PRESENT and MANAGED must equal the map's
 * counts over its span.  Such a machine boots clean (no boot allocations,
 * every pageblock Movable) and has no CMA area.  The config keeps a copy.
 */
enum af_pfn_map_class { AF_PFN_MAP_HOLE, AF_PFN_MAP_RESERVED, AF_PFN_MAP_FREE };
int af_config_set_pfn_map(struct af_config *cfg, const uint8_t *map, uint64_t npfns);
/*
 * Set one key (see `antifrag --help` and the README for the keys):
 * "mem", "nodes", "cpus", "movablecore", "seed", "threaded", "cma", "boot"
 * (linux or clean), "kaslr" (0 or 1), "writeback_us" (the virtual time one
 * page's write-out takes, 1..10^9 us, default 1000),
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
/*
 * A machine of the allocator core alone (the kernel model without the world
 * of processes, files, slab and hugetlb): af_alloc_pages/af_free_pages,
 * compaction of what it can move (nothing it does not own), the views.
 * What embedders link when they bring their own owners.
 */
int af_machine_create_core(const struct af_config *cfg, struct af_machine **out);
int af_machine_nr_cpus(const struct af_machine *m);
int af_machine_nr_nodes(const struct af_machine *m);
uint64_t af_machine_max_pfn(const struct af_machine *m);
/* The configured seed (`seed`, --seed): workloads run from the CLI draw every
 * random choice from it. */
uint64_t af_machine_seed(const struct af_machine *m);
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
 * input.  res is optional.
 */
int af_alloc_pages(struct af_machine *m, int cpu, af_gfp_t gfp,
		   unsigned int order, int nid, struct af_alloc_result *res);
/*
 * Allocate exactly [pfn, pfn + 2^order), for replaying where a kernel put an
 * allocation: split out of the free buddy block holding it (the rest of
 * that block stays free, in the largest aligned pieces) or taken off the
 * per-CPU list holding it (cpu's first).  No watermark check.  pfn must be
 * aligned to the order and the block inside one zone (-EINVAL); -EBUSY
 * when some page of it is not free (or is part of a larger pcp block).
 */
int af_alloc_pages_at(struct af_machine *m, int cpu, af_gfp_t gfp, uint64_t pfn,
		      unsigned int order, struct af_alloc_result *res);
/*
 * The per-CPU lists moved as a trace says the kernel moved them:
 * af_pcp_refill_at() takes the free block at pfn out of the buddy onto the
 * tail of cpu's list of migratetype mt (what rmqueue_bulk did with it);
 * af_pcp_drain_at() gives the block at pfn back to the buddy from whichever
 * CPU's list holds it (free_pcppages_bulk), onto the free lists of
 * migratetype mt (mm_page_pcpu_drain's), or of the type the list recorded
 * for it when mt is -1.  -EBUSY when it is not there.
 */
int af_pcp_refill_at(struct af_machine *m, int cpu, uint64_t pfn, unsigned int order, int mt);
int af_pcp_drain_at(struct af_machine *m, uint64_t pfn, unsigned int order, int mt);
/*
 * Where 6.1's fast path would put an allocation now, without making it: in
 * the first zone of the zonelist over its low watermark, the head of cpu's
 * per-CPU list for it, else the first block of the smallest order on its
 * migratetype's free list (*pfn).  -ENOENT when it would fall back to
 * another migratetype or take the slow path.
 */
int af_alloc_predict(struct af_machine *m, int cpu, af_gfp_t gfp, unsigned int order, uint64_t *pfn);
/* __free_pages(): free a block returned by af_alloc_pages with its order
 * (-EBUSY for a page of an owner, of af_cma_alloc, or of the kernel's own
 * boot-time allocations). */
int af_free_pages(struct af_machine *m, int cpu, uint64_t pfn, unsigned int order);
/* split_page(): a block af_alloc_pages returned (compound or not) becomes
 * 2^order order-0 blocks, each freed with af_free_pages(..., 0).  -EINVAL
 * when pfn is not such a block of that order, -EBUSY for an owner's page,
 * one with another reference, or one of af_cma_alloc. */
int af_split_page(struct af_machine *m, uint64_t pfn, unsigned int order);
/* drain_local_pages / drain_all_pages */
int af_drain_cpu(struct af_machine *m, int cpu);
void af_drain_all(struct af_machine *m);

/* gfp_migratetype() / gfp_zone(): -EINVAL for combinations the kernel rejects
 * (m optional: NULL reads the mask as if grouping by mobility were on) */
int af_gfp_migratetype(const struct af_machine *m, af_gfp_t gfp);
int af_gfp_zone(af_gfp_t gfp);
/* Parse "GFP_KERNEL|__GFP_NORETRY" or a number. */
int af_gfp_parse(const char *s, af_gfp_t *out);

/*
 * Slow-path hooks.  Without them the slow path uses the library's own
 * direct reclaim (clean page cache and reclaimable slab of the world, see
 * af_workload_world and the af_file_* / af_slab_* calls) and its own
 * direct compaction.  A direct_reclaim or direct_compact hook replaces the
 * built-in step; wake_kswapd is only told about a wakeup, which happens
 * either way.
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
/*
 * The hooks are copied: ops may live on the caller's stack.  arg is kept as
 * given and must stay valid while the hooks may run.  ops NULL restores the
 * built-in steps.  Set them while no other thread uses the machine.
 * As in 6.1, the slow path believes what the hooks report: a direct_reclaim
 * that claims progress it did not make keeps an allocation of order <= 3
 * retrying (should_reclaim_retry() resets its no-progress count) for as
 * long as free plus reclaimable pages meet a zone's min watermark, which
 * can be for ever: the allocation livelocks, as it would in the kernel
 * with a reclaim that lies to __alloc_pages_slowpath().
 */
void af_set_slowpath_ops(struct af_machine *m, const struct af_slowpath_ops *ops,
			 void *arg);

/* ---- sysctls ---- */
/*
 * Write a vm.* sysctl as `sysctl -w` would (kernel ranges and side effects),
 * including vm.compact_memory and vm.nr_hugepages; also accepts the two
 * /sys/kernel/mm/transparent_hugepage/{enabled,defrag} paths.
 */
int af_sysctl_write(struct af_machine *m, const char *name, const char *value);
/* Read a vm.* sysctl into buf as /proc/sys/vm/NAME prints it. */
int af_sysctl_read(struct af_machine *m, const char *name, char *buf, size_t len);
/* The readable vm.* sysctls by index, i = 0.. (NULL past the end):
 * /proc/sys/vm/NAME for each (vm.compact_memory is write-only: not listed) */
const char *af_sysctl_name(int i);

/* ---- views ---- */
/*
 * Render a kernel file into a malloc'd NUL-terminated string (free() it):
 * "/proc/buddyinfo", "/proc/pagetypeinfo", "/proc/vmstat", "/proc/zoneinfo",
 * "/sys/kernel/debug/extfrag/extfrag_index",
 * "/sys/kernel/debug/extfrag/unusable_index",
 * "/sys/kernel/mm/transparent_hugepage/enabled" and "/defrag",
 * "/proc/sys/vm/NAME".
 */
int af_render(struct af_machine *m, const char *path, char **out);
/* The list of renderable paths, NULL-terminated. */
const char *const *af_render_paths(void);
/* One vmstat counter by its /proc/vmstat name; -ENOENT if unknown. */
int af_vmstat(struct af_machine *m, const char *name, uint64_t *val);

/*
 * A policy's own counters (config key `policy`), e.g. what the repay policy
 * recorded and moved: the names, NULL-terminated (none for linux), and one
 * value by name (-ENOENT if the machine's policy has no such counter).
 */
const char *const *af_policy_stat_names(const struct af_machine *m);

/* The policy table's entries, i = 0.. (linux first); -ENOENT past the end */
struct af_policy_info {
	const char *name, *summary, *source;
	int nparams;
	struct { const char *name; long min, max, def; const char *help; } params[4];
};
int af_policy_info(int i, struct af_policy_info *out);
/* The machine's policy as a spec, "NAME[:KEY=VALUE...]" with every parameter */
int af_machine_policy(const struct af_machine *m, char *spec, size_t len);
/* Is spec a policy of the table with parameters in range?  0 or -EINVAL
 * with the reason (af_config_set checks only its shape) */
int af_policy_check(const char *spec);
/*
 * Switch a live machine to another policy spec (with the daemons stopped
 * and no other thread using it).  The old policy's own state is dropped;
 * nogroup, which changes how boot laid out the pageblocks, is boot-only.
 */
int af_machine_set_policy(struct af_machine *m, const char *spec);
int af_policy_stat(struct af_machine *m, const char *name, uint64_t *val);

/* ---- a machine from a state captured on real Linux ---- */
/*
 * af_import_state(): build a machine from a directory of tools/capture.sh
 * (start/ or end/: zoneinfo, buddyinfo, pagetypeinfo, sysctl_vm, kpageflags,
 * kpagecount, page_owner if there).  The zones, per-CPU counts and vm.*
 * sysctls are the snapshot's; every frame is a hole, reserved, free, on a
 * per-CPU list or allocated as kpageflags shows it; pageblock types are
 * page_owner's (6.1's format or the newer one with hex pfns) where it names
 * them, the others inferred to match pagetypeinfo's counts.  base (optional) gives the
 * seed, policy, threaded and contents settings.  *rep (optional) counts
 * what was imported, guessed or could not be placed, and rep->text says it
 * in lines.  Bad or missing files: a one-line error naming the file.
 */
struct af_import_report {
	uint64_t pfns, holes, reserved, free_buddy, free_pcp, allocated;
	uint64_t compound;		/* compound allocations placed whole */
	uint64_t odd_compound;		/* compound pages of no buddy order: page by page */
	uint64_t orphan_tails;		/* tail pages with no head before them */
	uint64_t movable_adopted;	/* order-0 movable pages given to the import driver */
	uint64_t flagless_kernel;	/* pages with no flag beyond the per-CPU counts: kernel allocations */
	uint64_t pcp_missing;		/* per-CPU pages zoneinfo counts beyond the pages with no flag */
	uint64_t pcp_high_differs;	/* pagesets whose high/batch computed at boot were not zoneinfo's */
	uint64_t wmark_changed;		/* watermarks and protections computed at boot unlike zoneinfo's */
	uint64_t blocks, blocks_evident, blocks_guessed, blocks_forced;
	uint64_t blocks_owner;		/* pageblock types page_owner named (exact) */
	uint64_t blocks_traced;		/* pageblock types a trace's drains showed (af_import_state_hinted) */
	uint64_t owner_records;		/* page_owner records read */
	uint64_t sysctls_set, sysctls_unknown;
	long free_diff;			/* imported free pages - zoneinfo's, over the zones */
	long buddy_diff;		/* |imported - buddyinfo| blocks, over zones and orders */
	long free_type_diff;		/* the same per order and migratetype (pagetypeinfo) */
	int driver;			/* the driver holding the movable pages (af_driver_*) */
	char text[4096];
};
int af_import_state(const char *dir, const struct af_config *base, struct af_machine **out,
		    struct af_import_report *rep);

/*
 * af_replay_stream(): replay a kernel's kmem trace (tracefs `trace` or
 * `trace_pipe` text, or `trace-cmd report`) on m with exact placement,
 * reading `in` a line at a time (parsed a few batches ahead in a thread
 * the call starts and joins; only the calling thread touches m, and the
 * replay is the same as with no thread): every refill, allocation, free and drain
 * of a per-CPU list where the kernel made it (see replay/replay.c for the
 * repairs a trace that starts mid-life needs).  import_driver: the
 * af_import_report's driver when m came from af_import_state, else -1.
 * m must be deterministic; its per-CPU lists keep their lifted high marks
 * until the end and get their own back then.  *st counts lines, events,
 * what was followed, repaired, skipped or could not be followed, and how
 * often 6.1's own choice in the model's state (af_alloc_predict) was the
 * kernel's, with the first line where it was not.
 */
struct af_replay_stats {
	uint64_t lines, events, comments, other_events, malformed, lost_markers, truncated;
	uint64_t allocs, failed_allocs, frees, refills, drains, info_events, compaction_migrated;
	uint64_t released;		/* blocks the start state held, released for the trace */
	uint64_t freed_pretrace;	/* frees of blocks allocated before tracing began */
	uint64_t freed_free;		/* policy placement: frees of blocks neither the trace nor the start state held: skipped */
	uint64_t freed_unseen;		/* exact: frees of blocks the model had free (taken unseen): followed */
	uint64_t marks;			/* capture.sh's markers met */
	uint64_t during_snapshot;	/* events while the start snapshot was read: followed, not predicted */
	uint64_t after_end;		/* events after the end snapshot began: not followed */
	uint64_t pcp_unseen;		/* blocks on a list the kernel refilled as empty: allocated */
	uint64_t claims;		/* pageblocks a fallback claimed (extfrag change_ownership=1) */
	uint64_t model_failed;		/* policy placement: requests the model could not serve */
	uint64_t reordered;		/* placed a few events late: CPU clocks apart (64 at most) */
	uint64_t unfollowed;		/* events the model could not follow */
	uint64_t predicted, mispredicted, unpredicted;
	uint64_t first_divergence_line, first_unfollowed_line, first_malformed_line;
	char first_divergence[256], first_unfollowed[256], first_malformed[256];
	double secs;
};
int af_replay_stream(struct af_machine *m, FILE *in, int import_driver, struct af_replay_stats *st);
/*
 * af_replay_requests(): policy placement.  The trace's allocation requests
 * (order, GFP flags, CPU, in order) made by the model's own allocator under
 * its policy and sysctls, and its frees matched to them by the kernel's
 * pfn: what the workload would have done on this machine.  The per-CPU
 * refills, drains and fallbacks are the model's own.  A free of a block the
 * trace did not allocate frees the start state's block at that pfn if it
 * has one of that order (else it is counted and skipped); st->model_failed
 * counts requests the model could not serve.  Memory grows with the live
 * allocations, not the trace.
 */
int af_replay_requests(struct af_machine *m, FILE *in, int import_driver, struct af_replay_stats *st);
/*
 * A trace in another format, replayed from its events: next() fills *ev and
 * returns AF_TRACE_EVENT, or says what it met instead (MALFORMED may say
 * what in why[len]); END, TRUNCATED (a last item cut short) and ERROR
 * (af_errmsg() says why; the replay returns -EIO) end the replay.
 * tools/capture.sh's markers ("antifrag-capture: start snapshot", "...
 * start snapshot taken", "... end snapshot") line the trace up with its
 * snapshots: events while the start one was read are followed but not
 * predicted, and the replay stops following at the end one.
 * af_replay_source() is af_replay_stream() (policy 0) or
 * af_replay_requests() (policy 1) reading from next(arg, ...); st's "lines"
 * are its items.
 */
struct af_event;
enum af_trace_item {
	AF_TRACE_END,
	AF_TRACE_EVENT,
	AF_TRACE_COMMENT,	/* a comment or an empty line */
	AF_TRACE_OTHER,		/* an event of a kind the replay has no type for */
	AF_TRACE_MALFORMED,
	AF_TRACE_LOST,		/* a lost-events marker */
	AF_TRACE_TRUNCATED,
	AF_TRACE_ERROR,
	AF_TRACE_MARK,		/* a trace_marker line: its text from "antifrag-capture: " in why */
};
/* What every capture.sh marker's text starts with */
#define AF_TRACE_MARK_PREFIX "antifrag-capture: "
typedef enum af_trace_item (*af_trace_next_fn)(void *arg, struct af_event *ev, char *why, size_t len);
int af_replay_source(struct af_machine *m, af_trace_next_fn next, void *arg, int import_driver, int policy,
		     struct af_replay_stats *st);

/*
 * The pageblock types a kmem trace shows, for af_import_state_hinted().
 * free_unref_page() files a page on the per-CPU list of its pageblock's
 * type, and mm_page_pcpu_drain prints that list's type when the page goes
 * back: each drain is a vote for its block's type at the time of the free.
 * A block takes the type most of its drains name; drains after a fallback
 * claimed the block (mm_page_alloc_extfrag change_ownership=1) do not
 * count.  Blocks of pfns at or past max_pfn are left out (max_pfn 0: none).
 * af_trace_block_types() reads next() to its end; _stream reads text,
 * parsing only the drain and extfrag lines.  ERROR ends either with -EIO.
 */
struct af_block_types {
	uint64_t nblocks;	/* blocks covered: pfns [0, nblocks << 9) */
	int8_t *mt;		/* per block: its type by the drains, -1 where none */
	uint64_t votes;		/* drains counted */
	uint64_t typed;		/* blocks given a type */
	uint64_t split;		/* of those, blocks whose drains named several types */
};
int af_trace_block_types(af_trace_next_fn next, void *arg, uint64_t max_pfn, struct af_block_types *bt);
int af_trace_block_types_stream(FILE *in, uint64_t max_pfn, struct af_block_types *bt);
void af_block_types_free(struct af_block_types *bt);
/*
 * af_import_state() with block types from elsewhere (a trace of the
 * machine, above): where page_owner names no type, a block bt types takes
 * that type before any is inferred.  bt may be NULL.
 */
int af_import_state_hinted(const char *dir, const struct af_config *base, const struct af_block_types *bt,
			   struct af_machine **out, struct af_import_report *rep);

/* ---- events: the tracepoints the model emits, as data ---- */
/*
 * One struct af_event per tracepoint hit, with the 6.1 event's own fields
 * (the names of its TP_STRUCT__entry) as typed values.  The model delivers
 * it to the machine's event sink; af_event_format_text() renders it as the
 * kernel's trace text line and af_event_format_json() as one JSON object;
 * af_event_parse() reads a line of a real kernel's ftrace `trace` file (or
 * of `trace-cmd report`) back into the same struct.
 *
 * Types named after a kernel event class (mm_compaction_suitable_template …)
 * serve every event of that class.  Events the model does not emit but a
 * real trace carries in the same classes (mm_page_free_batched,
 * mm_compaction_defer_reset, mm_compaction_kcompactd_sleep) are types too,
 * so a parsed trace needs nothing else.
 */
enum af_event_type {
	AF_EV_NONE,
	/* kmem */
	AF_EV_MM_PAGE_ALLOC,
	AF_EV_MM_PAGE_FREE,
	AF_EV_MM_PAGE_FREE_BATCHED,
	AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED,
	AF_EV_MM_PAGE_PCPU_DRAIN,
	AF_EV_MM_PAGE_ALLOC_EXTFRAG,
	/* compaction */
	AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES,
	AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES,
	AF_EV_MM_COMPACTION_MIGRATEPAGES,
	AF_EV_MM_COMPACTION_BEGIN,
	AF_EV_MM_COMPACTION_END,
	AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES,
	AF_EV_MM_COMPACTION_FINISHED,
	AF_EV_MM_COMPACTION_SUITABLE,
	AF_EV_MM_COMPACTION_DEFERRED,
	AF_EV_MM_COMPACTION_DEFER_COMPACTION,
	AF_EV_MM_COMPACTION_DEFER_RESET,
	AF_EV_MM_COMPACTION_KCOMPACTD_SLEEP,
	AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD,
	AF_EV_MM_COMPACTION_KCOMPACTD_WAKE,
	/* migrate */
	AF_EV_MM_MIGRATE_PAGES,
	AF_EV_MM_MIGRATE_PAGES_START,
	/* vmscan */
	AF_EV_MM_VMSCAN_WAKEUP_KSWAPD,
	AF_EV_NR
};

/*
 * Values the kernel prints as symbols keep the kernel's numbering:
 * migratetype (0 Unmovable, 1 Movable, 2 Reclaimable, 3 HighAtomic, 4 CMA,
 * 5 Isolate), zone index (0 DMA, 1 DMA32, 2 Normal, 3 Movable, 4 Device),
 * enum compact_result (0 not_suitable_zone, 1 skipped, 2 deferred,
 * 3 no_suitable_page, 4 continue, 5 complete, 6 partial_skipped,
 * 7 contended, 8 success), enum af_migrate_mode and enum af_migrate_reason.
 * `page` is the struct page pointer as printed (the model prints the
 * unhashed x86-64 vmemmap address, 0xffffea0000000000 + pfn * 64; a real
 * trace may carry hashed values); 0 stands for NULL.
 */

/* kmem:mm_page_alloc.  pfn is UINT64_MAX (and page 0) for a failed allocation */
struct af_ev_page_alloc {
	uint64_t page, pfn;
	unsigned int order;
	af_gfp_t gfp_flags;
	int migratetype;
};
/* kmem:mm_page_free, kmem:mm_page_free_batched (order 0) */
struct af_ev_page_free {
	uint64_t page, pfn;
	unsigned int order;
};
/* class kmem:mm_page: mm_page_alloc_zone_locked */
struct af_ev_page {
	uint64_t page, pfn;
	unsigned int order;
	int migratetype, percpu_refill;
};
/* kmem:mm_page_pcpu_drain */
struct af_ev_page_pcpu_drain {
	uint64_t page, pfn;
	unsigned int order;
	int migratetype;
};
/*
 * kmem:mm_page_alloc_extfrag.  pageblock_order is what the line prints (9 on
 * x86-64); the printed `fragmenting` is fallback_order < pageblock_order.
 */
struct af_ev_page_alloc_extfrag {
	uint64_t page, pfn;
	int alloc_order, fallback_order, pageblock_order;
	int alloc_migratetype, fallback_migratetype, change_ownership;
};
/* class compaction:mm_compaction_isolate_template: isolate_{migrate,free}pages */
struct af_ev_compaction_isolate {
	uint64_t start_pfn, end_pfn, nr_scanned, nr_taken;
};
/* compaction:mm_compaction_migratepages */
struct af_ev_compaction_migratepages {
	uint64_t nr_migrated, nr_failed;
};
/* compaction:mm_compaction_begin and mm_compaction_end (status: end only) */
struct af_ev_compaction_begin_end {
	uint64_t zone_start, migrate_pfn, free_pfn, zone_end;
	bool sync;
	int status;
};
/* compaction:mm_compaction_try_to_compact_pages (prio prints as priority=) */
struct af_ev_compaction_try_to_compact_pages {
	int order;
	af_gfp_t gfp_mask;
	int prio;
};
/* class compaction:mm_compaction_suitable_template: finished, suitable */
struct af_ev_compaction_suitable {
	int nid, idx, order, ret;
};
/*
 * class compaction:mm_compaction_defer_template: deferred, defer_compaction,
 * defer_reset.  The line prints considered as consider= and 1 << defer_shift
 * as limit=.
 */
struct af_ev_compaction_defer {
	int nid, idx, order;
	unsigned int considered, defer_shift;
	int order_failed;
};
/* compaction:mm_compaction_kcompactd_sleep */
struct af_ev_compaction_kcompactd_sleep {
	int nid;
};
/*
 * class compaction:kcompactd_wake_template: wakeup_kcompactd, kcompactd_wake
 * (highest_zoneidx prints as classzone_idx=)
 */
struct af_ev_compaction_kcompactd_wake {
	int nid, order, highest_zoneidx;
};
/* migrate:mm_migrate_pages (each count prints with an nr_ prefix) */
struct af_ev_migrate_pages {
	uint64_t succeeded, failed, thp_succeeded, thp_failed, thp_split;
	int mode, reason;	/* enum af_migrate_mode, enum af_migrate_reason */
};
/* migrate:mm_migrate_pages_start */
struct af_ev_migrate_pages_start {
	int mode, reason;
};
/* vmscan:mm_vmscan_wakeup_kswapd.  zid is not printed: -1 when parsed */
struct af_ev_vmscan_wakeup_kswapd {
	int nid, zid, order;
	af_gfp_t gfp_flags;
};

/* Longest task name a trace line carries (TASK_COMM_LEN) */
#define AF_EVENT_COMM_LEN 16

struct af_event {
	enum af_event_type type;
	int cpu;
	uint64_t ts_ns;		/* virtual clock; the text carries microseconds */
	/* the task column: the model's events run as "antifrag", pid 1000 + cpu */
	int pid;
	char comm[AF_EVENT_COMM_LEN];
	/* irqs-off/need-resched/hardirq/preempt column ("....." from the model;
	 * "" when a parsed line has none) */
	char irqflags[8];
	union {
		struct af_ev_page_alloc page_alloc;
		struct af_ev_page_free page_free;
		struct af_ev_page page;
		struct af_ev_page_pcpu_drain page_pcpu_drain;
		struct af_ev_page_alloc_extfrag page_alloc_extfrag;
		struct af_ev_compaction_isolate compaction_isolate;
		struct af_ev_compaction_migratepages compaction_migratepages;
		struct af_ev_compaction_begin_end compaction_begin_end;
		struct af_ev_compaction_try_to_compact_pages compaction_try_to_compact_pages;
		struct af_ev_compaction_suitable compaction_suitable;
		struct af_ev_compaction_defer compaction_defer;
		struct af_ev_compaction_kcompactd_sleep compaction_kcompactd_sleep;
		struct af_ev_compaction_kcompactd_wake compaction_kcompactd_wake;
		struct af_ev_migrate_pages migrate_pages;
		struct af_ev_migrate_pages_start migrate_pages_start;
		struct af_ev_vmscan_wakeup_kswapd vmscan_wakeup_kswapd;
	};
};

/* The event's name ("mm_page_alloc") and its system ("kmem"); NULL if unknown */
const char *af_event_name(enum af_event_type type);
const char *af_event_system(enum af_event_type type);
/* The type named `name` ("mm_page_alloc"), or AF_EV_NONE */
enum af_event_type af_event_type_by_name(const char *name);

/*
 * Render one event.  Both return the length the whole text needs (as
 * snprintf does: the text is cut at len - 1 bytes if longer) or -EINVAL for
 * an unknown type.  A value with no symbol prints in hex, as the kernel's
 * __print_symbolic() does, and parses back.  format_text writes
 * the kernel's trace line,
 *   "        antifrag-1000    [000] .....     0.000123: mm_page_free: page=... pfn=0x... order=0"
 * format_json one JSON object on one line: "event", "system", "ts_ns",
 * "cpu", "comm", "pid", "irqflags", then the event's fields by their kernel
 * names: numbers as numbers, `page` as a "0x..." string, and what the kernel
 * prints as a symbol as that symbol's string (gfp_flags "GFP_KERNEL|...",
 * zone "Normal", compaction status "success", mode "MIGRATE_ASYNC", reason
 * "compaction", sync true/false; a failed allocation's page and pfn null).
 * Neither adds a newline.
 */
int af_event_format_text(const struct af_event *ev, char *buf, size_t len);
int af_event_format_json(const struct af_event *ev, char *buf, size_t len);

/*
 * Parse one line of a trace in the kernel's text format (an ftrace `trace`
 * file line, with or without the irq-info column, or a `trace-cmd report`
 * line) into *ev.  Returns 0, -ENOENT for a well-formed line of an event
 * this API has no type for (or a comment line starting with '#'), or
 * -EINVAL for a malformed line.  A line from af_event_format_text() parses
 * back to an event that renders to the same line.  A page pointer printed
 * as "(____ptrval____)" (before the kernel's pointer-hashing key is ready)
 * parses as the pfn's vmemmap address, as the model prints it.
 */
int af_event_parse(const char *line, struct af_event *ev);
/* The same for a line whose length the caller knows: line[len] is its NUL */
int af_event_parse_len(const char *line, size_t len, struct af_event *ev);

/*
 * The machine's event sink: called for every event, from the thread that
 * hit the tracepoint (in threaded mode the sink must be thread-safe), with
 * a struct valid only during the call.  fn NULL removes it.  The event sink
 * and the text sink (af_set_trace) are independent: either, both or none.
 * With neither, a tracepoint costs one predictable branch.
 */
typedef void (*af_event_fn)(void *arg, const struct af_event *ev);
void af_set_event_sink(struct af_machine *m, af_event_fn fn, void *arg);
/* Convenience event sink writing JSON lines to a stdio stream (a FILE *). */
void af_event_to_json_file(void *file, const struct af_event *ev);

/* ---- tracing as text ---- */
/* Called with one line in the kernel's trace text format (no newline):
 * af_event_format_text() of each event. */
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

/*
 * Phases and progress.  A hook set by af_phase_hook_set() is told when a
 * manual compaction (af_compact_memory, af_compact_node, a write to
 * vm.compact_memory) begins and ends, and, through af_progress(), how far a
 * workload has come: its phase's name and done out of total steps (total 0
 * when unknown).  The hook runs in the calling thread, may read the machine
 * (af_snapshot_take, af_metrics, af_render) but must not change it.  With no
 * hook af_progress() costs a test.
 */
enum af_phase_kind { AF_PHASE_PROGRESS, AF_PHASE_COMPACT_BEGIN, AF_PHASE_COMPACT_END };
struct af_phase {
	enum af_phase_kind kind;
	const char *name;	/* the workload's phase, or "compact_memory" / "compact node N" */
	uint64_t done, total;
	uint64_t clock_ns;
};
typedef void (*af_phase_fn)(void *arg, const struct af_phase *p);
int af_phase_hook_set(struct af_machine *m, af_phase_fn fn, void *arg);
void af_progress(struct af_machine *m, const char *phase, uint64_t done, uint64_t total);

/* ---- workloads ---- */
/*
 * The workload registry: every workload by name, each in its own file
 * under workloads/, with its parameters.  af_workload_run() runs the spec
 * "NAME[:KEY=VALUE...]" (unnamed parameters take their defaults) on m,
 * drawing every random choice from the machine's seed, and fills *res: the
 * lines a person reads, the figures by name, and one table over the run
 * (its rounds, bursts or intervals) when the workload has one.
 * af_workload_check() checks a spec without a machine (0 or -EINVAL with
 * the reason).  af_workload_info(i) describes entry i (-ENOENT past the
 * end).
 */
#define AF_WL_MAX_PARAMS 12
#define AF_WL_MAX_COLS 16
struct af_workload_info {
	const char *name, *summary, *source;
	int nparams;
	struct { const char *name; uint64_t min, max, def; const char *help; } params[AF_WL_MAX_PARAMS];
};
int af_workload_info(int i, struct af_workload_info *out);
int af_workload_check(const char *spec);
struct af_workload_value { char name[48]; double value; };
struct af_workload_result {
	char *text;			/* the report's lines ("" when none; malloc'd) */
	size_t text_len;
	struct af_workload_value *values;	/* the figures, in the order given */
	int nvalues;
	char table[32];			/* the table's name; ncols 0: no table */
	int ncols;
	char cols[AF_WL_MAX_COLS][32];
	size_t nrows;
	double *rows;			/* nrows * ncols values, row after row */
	bool failed;			/* the workload's own verdict (a selftest that fails) */
};
int af_workload_run(struct af_machine *m, const char *spec, struct af_workload_result *res);
/* A figure of res by name: 0, or -ENOENT */
int af_workload_value(const struct af_workload_result *res, const char *name, double *v);
void af_workload_result_free(struct af_workload_result *res);

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
 * st is optional.
 */
int af_workload_mixed(struct af_machine *m, uint64_t seed, uint64_t ops,
		      struct af_workload_stats *st);
void af_workload_release(struct af_machine *m);

/*
 * The world workload: processes (anonymous memory, fork sharing, THP,
 * mlock), files (page cache read, written, under writeback, mmapped), slab
 * caches (dentry/inode-like reclaimable, kmalloc-like unmovable), a driver
 * with movable pages, a hugetlb pool, and other kernel allocations; then
 * `ops` random operations on them including exits, munmaps, shrinking and
 * page migrations.  After set-up it holds roughly 35-45% of memory (the
 * share measured on 1 GiB and 4 GiB machines); deterministic for a seed.
 * st is optional.
 */
struct af_world_workload_stats {
	uint64_t ops, faults, file_ops, slab_ops, migrations_tried, migrated, exits;
	uint64_t kernel_pages;		/* unowned kernel allocations held */
};
int af_workload_world(struct af_machine *m, uint64_t seed, uint64_t ops,
		      struct af_world_workload_stats *st);

/*
 * The kernel's selftest tools/testing/selftests/vm/compaction_test.c: fill
 * 80% of free memory with mlocked anonymous memory in 1 MiB mappings, unmap
 * every other one, then ask /proc/sys/vm/nr_hugepages for huge pages for
 * half of (80% of) the free memory.  Passes when the huge pages obtained
 * cover at least a third of that 80% (compaction index <= 3).
 */
struct af_selftest_result {
	unsigned long map_mb;		/* size of each mlocked mapping (MAP_SIZE_MB) */
	unsigned long mem_free_kb;	/* MemFree at the start */
	unsigned long mappings, unmapped;
	unsigned long requested, allocated;
	unsigned long compaction_index;
	bool pass;
};
int af_workload_compaction_selftest(struct af_machine *m, struct af_selftest_result *r);
/* the same with map_mb MiB mappings (the 6.1 source uses 100; 1 above) */
int af_workload_compaction_selftest_map(struct af_machine *m, unsigned long map_mb,
					struct af_selftest_result *r);

/*
 * fidelity/experiments/fragfill.c on the model: in rounds until free memory
 * falls to a tenth of what it was, 4 MiB of anonymous memory (written), 16
 * unmovable pages held like a pipe's buffers (GFP_HIGHUSER) and 100 empty
 * ramfs files (a dentry of 192 bytes and an inode of 608 from reclaimable
 * caches); then every other round's anonymous memory is unmapped and
 * nr_hugepages is set to free memory / 2 MiB.  The pipes, files and the
 * rest of the anonymous memory are let go at the end (the program exits);
 * the huge pages stay.  The files' slab caches are pinned (af_slab_pin):
 * ramfs keeps its dentries and inodes in use.
 */
struct af_fragfill_result {
	/* free memory at the start, filled, after the unmaps, after the request */
	unsigned long mem_free_start_kb, mem_free_filled_kb, mem_free_freed_kb, mem_free_end_kb;
	unsigned long rounds, pipes;
	unsigned long requested, got;
};
int af_workload_fragfill(struct af_machine *m, struct af_fragfill_result *r);
/* hold: the program does not exit, so its memory, pipes and files stay
 * allocated and the machine shows the state the request left */
int af_workload_fragfill_hold(struct af_machine *m, bool hold, struct af_fragfill_result *r);
/*
 * fidelity/experiments/thpfault.c: the same fill, then transparent huge page
 * faults instead of nr_hugepages: one anonymous mapping of three quarters of
 * free memory (requested: its 2 MiB regions), madvised (AF_MAP_THP), every
 * page written; got is the regions a THP mapped (thp_fault_alloc).  No THP at
 * all when transparent_hugepage is never (as 6.1 sets it under 512 MiB).
 */
int af_workload_thpfault(struct af_machine *m, bool hold, struct af_fragfill_result *r);

/* ---- the world: what owns pages ---- */
/*
 * Processes have address spaces of virtual page numbers (vpn); anonymous
 * memory is GFP_HIGHUSER_MOVABLE, page tables are UNMOVABLE pages of the
 * machine.  With the config key "contents = 1" every page has 4 KiB of real
 * bytes; owners write recognisable contents and af_check() verifies them.
 */
#define AF_MAP_MLOCK	1u	/* mlock: pages are unevictable */
#define AF_MAP_THP	2u	/* anonymous: try transparent huge pages */

int af_proc_create(struct af_machine *m, int *pid);
int af_proc_fork(struct af_machine *m, int pid, int *child);
int af_proc_exit(struct af_machine *m, int pid);
/* mmap: a new VMA of npages (1..2^30); *vpn receives its first virtual page.
 * A file mapping covers file pages pgoff .. pgoff + npages - 1, which must
 * lie below 2^31 (-EOVERFLOW otherwise, as do_mmap() refuses an offset that
 * wraps); a hugetlb mapping is nr_huge 2 MiB pages (1..2^21). */
int af_mmap_anon(struct af_machine *m, int pid, uint64_t npages, unsigned flags, uint64_t *vpn);
int af_mmap_file(struct af_machine *m, int pid, int fid, uint64_t pgoff, uint64_t npages,
		 unsigned flags, uint64_t *vpn);
int af_mmap_hugetlb(struct af_machine *m, int pid, uint64_t nr_huge, uint64_t *vpn);
/* munmap the whole VMA that starts at vpn */
int af_munmap(struct af_machine *m, int pid, uint64_t vpn);
/* Touch a page through the page tables: fault it in if needed; a write
 * stores a new generation of contents (copy-on-write after fork). */
int af_mem_write(struct af_machine *m, int pid, int cpu, uint64_t vpn);
/* A read verifies the contents (-EIO on a mismatch) */
int af_mem_read(struct af_machine *m, int pid, int cpu, uint64_t vpn);
int af_vpn_to_pfn(struct af_machine *m, int pid, uint64_t vpn, uint64_t *pfn);

/* Files and their page cache.  fallback_aops: the filesystem has no
 * ->migrate_folio, so dirty pages must be written out before they move. */
int af_file_create(struct af_machine *m, bool fallback_aops, int *fid);
int af_file_delete(struct af_machine *m, int fid);
int af_file_read(struct af_machine *m, int fid, int cpu, uint64_t index);
int af_file_write(struct af_machine *m, int fid, int cpu, uint64_t index);
/* Start writeback of a dirty page; it completes ns later on the virtual clock
 * (threaded mode, ns 0: when af_file_writeback_end is called, which ends a
 * writeback at once however it was started). */
int af_file_writeback(struct af_machine *m, int fid, uint64_t index, uint64_t ns);
int af_file_writeback_end(struct af_machine *m, int fid, uint64_t index);
int af_file_page(struct af_machine *m, int fid, uint64_t index, uint64_t *pfn);

/* Slab caches: objects packed into slab pages of order 0..3. */
int af_slab_create(struct af_machine *m, const char *name, unsigned size, bool reclaimable,
		   int *cid);
int af_slab_alloc(struct af_machine *m, int cid, int cpu, uint64_t *obj);
/* obj is the handle af_slab_alloc gave; any other value is -ENOENT */
int af_slab_free(struct af_machine *m, int cid, uint64_t obj);
/* Drop up to nr objects of a reclaimable cache (a shrinker) */
int af_slab_shrink(struct af_machine *m, int cid, unsigned long nr, unsigned long *freed);
/* Every object of the cache stays in use (a ramfs file's dentry and inode):
 * its pages are still of its kind, but shrinkers free none of them and
 * compaction cannot re-create them elsewhere.  -EINVAL for no such cache. */
int af_slab_pin(struct af_machine *m, int cid);

/* Drivers with non-LRU movable pages (like zsmalloc or the balloon). */
enum af_migrate_mode { AF_MIGRATE_ASYNC, AF_MIGRATE_SYNC_LIGHT, AF_MIGRATE_SYNC };
struct af_movable_ops {
	bool (*isolate_page)(struct af_machine *m, uint64_t pfn, void *arg);
	/* copy/move src to dst; return 0 or a negative errno (-EAGAIN retries) */
	int (*migrate_page)(struct af_machine *m, uint64_t dst, uint64_t src,
			    enum af_migrate_mode mode, void *arg);
	void (*putback_page)(struct af_machine *m, uint64_t pfn, void *arg);
};
/* ops NULL: the built-in driver (always isolates, copies, puts back) */
int af_driver_create(struct af_machine *m, const struct af_movable_ops *ops, void *arg, int *did);
int af_driver_alloc(struct af_machine *m, int did, int cpu, uint64_t *page_no);
/*
 * The driver takes over an order-0 page its caller allocated (refcount 1,
 * no owner, no other role), as a page of its own: for a machine built from
 * a captured state, whose movable pages must stay movable.
 */
int af_driver_adopt(struct af_machine *m, int did, uint64_t pfn, uint64_t *page_no);
int af_driver_free(struct af_machine *m, int did, uint64_t page_no);
int af_driver_page(struct af_machine *m, int did, uint64_t page_no, uint64_t *pfn);
/* Failure injection: the built-in migrate fails after n more successes (-1: never) */
int af_driver_fail_migrate_after(struct af_machine *m, int did, int n);

/* The hugetlb pool (nr_hugepages): grow or shrink to nr; *now gets the size. */
int af_hugetlb_resize(struct af_machine *m, unsigned long nr, unsigned long *now);

/* Page states that change what migration may do. */
/* Lock a page as an I/O holder would; it is released hold_ns later on the
 * virtual clock (threaded mode: by af_page_unlock).  The deadline, now +
 * hold_ns, must fit the 64-bit clock (-EINVAL otherwise); the same holds for
 * af_file_writeback's ns. */
int af_page_lock(struct af_machine *m, uint64_t pfn, uint64_t hold_ns);
int af_page_unlock(struct af_machine *m, uint64_t pfn);
/*
 * An extra reference, like pin_user_pages for DMA, on an owned page.
 * af_page_unpin drops one pin af_page_pin took (-EINVAL for a page with no
 * pin); a page its owner let go of while pinned is freed by the last unpin.
 */
int af_page_pin(struct af_machine *m, uint64_t pfn);
int af_page_unpin(struct af_machine *m, uint64_t pfn);

/* ---- page migration ---- */
enum af_migrate_reason {
	AF_MR_COMPACTION, AF_MR_MEMORY_FAILURE, AF_MR_MEMORY_HOTPLUG, AF_MR_SYSCALL,
	AF_MR_MEMPOLICY_MBIND, AF_MR_NUMA_MISPLACED, AF_MR_CONTIG_RANGE, AF_MR_LONGTERM_PIN,
	AF_MR_DEMOTION
};
struct af_migrate_stats {
	unsigned nr_succeeded;		/* base pages */
	unsigned nr_failed_pages;	/* base pages tried and failed */
	unsigned nr_thp_succeeded, nr_thp_failed, nr_thp_split;
	unsigned nr_isolate_failed;	/* refused before migration */
};
/*
 * Isolate the given pages and migrate_pages() them to new pages on node nid
 * (-1: the page's own node).  results[i] (optional): 0 moved, -EBUSY not
 * isolatable (free, unowned, reserved, slab, pinned-looking, already
 * isolated ...), -EAGAIN still busy after the retries, -ENOMEM no target,
 * other negative errno from the owner.  Returns the number of pages not
 * migrated, or a negative errno for bad input (nothing changed).
 */
int af_migrate_pfns(struct af_machine *m, const uint64_t *pfns, int n, enum af_migrate_mode mode,
		    enum af_migrate_reason reason, int nid, int *results,
		    struct af_migrate_stats *st);
/*
 * alloc_contig-style: isolate the pageblocks of [start, end) (one zone) and
 * migrate every in-use page out of the range.  On failure *first_busy
 * (optional) names the first pfn that could not move and -EBUSY is returned.
 * The range is un-isolated again before returning.
 */
int af_migrate_range(struct af_machine *m, uint64_t start, uint64_t end,
		     enum af_migrate_mode mode, uint64_t *first_busy, struct af_migrate_stats *st);

/*
 * alloc_contig_range(): allocate exactly [start, end) (one zone) as order-0
 * pages, migrating what is in the way; -EBUSY names *first_busy.
 * af_free_contig_range() gives such pages back.
 */
int af_alloc_contig_range(struct af_machine *m, uint64_t start, uint64_t end, uint64_t *first_busy);
int af_free_contig_range(struct af_machine *m, uint64_t start, uint64_t nr);

/* Memory offlining: [start, start + nr), whole 1024-page blocks of one zone */
int af_offline_pages(struct af_machine *m, uint64_t start, uint64_t nr, uint64_t *first_busy);

/* CMA (config key cma_size = SIZE): allocate count pages aligned to
 * 2^align_order (0..31); release pages of one cma_alloc (a range that leaves
 * the area, wrapping or not, is -EINVAL). */
int af_cma_alloc(struct af_machine *m, uint64_t count, unsigned int align_order, uint64_t *pfn);
int af_cma_release(struct af_machine *m, uint64_t pfn, uint64_t count);

struct af_world_stats {
	uint64_t processes, files, anon_pages, file_pages, file_dirty, file_writeback,
		 slab_pages, driver_pages, pgtable_pages, hugetlb_pages, thp_pages;
};
void af_world_stats(struct af_machine *m, struct af_world_stats *st);

/* ---- compaction, kswapd, kcompactd ---- */
/* A write to /proc/sys/vm/compact_memory: MIGRATE_SYNC, whole zones, all nodes */
int af_compact_memory(struct af_machine *m);
/* A write to /sys/devices/system/node/nodeN/compact */
int af_compact_node(struct af_machine *m, int nid);
/* Deterministic mode: let kswapd and kcompactd run what they were woken for
 * (and kcompactd's 500 ms proactive check when the virtual clock is due). */
int af_run_daemons(struct af_machine *m);
/* Threaded mode: kswapd and kcompactd as real threads, one each per node */
int af_daemons_start(struct af_machine *m);
int af_daemons_stop(struct af_machine *m);
/* fragmentation_score_node(), 0..100 */
unsigned int af_fragmentation_score(struct af_machine *m, int nid);

/* ---- state as data: snapshots and the metrics every run computes ---- */
/* What a page frame holds (the head's class for every page of a block) */
enum af_pfn_class {
	AF_PFN_HOLE,		/* no memory (or no online memmap) */
	AF_PFN_FREE,		/* on a buddy or per-cpu free list */
	AF_PFN_ANON,
	AF_PFN_FILE,		/* page cache */
	AF_PFN_SHMEM,		/* swap-backed page cache (not produced by today's world) */
	AF_PFN_SLAB_UNMOVABLE,
	AF_PFN_SLAB_RECLAIMABLE,
	AF_PFN_PAGETABLE,
	AF_PFN_DRIVER,		/* non-LRU movable (a driver's movable_ops pages) */
	AF_PFN_KERNEL,		/* any other allocation (raw af_alloc_pages) */
	AF_PFN_HUGETLB,
	AF_PFN_RESERVED,	/* present, never managed (memblock) */
	AF_PFN_ISOLATED,	/* isolated for migration */
	AF_NR_PFN_CLASSES
};
const char *af_pfn_class_name(enum af_pfn_class c);
/* The mobility a class implies: 1 if a perfect compactor could move it */
int af_pfn_class_movable(enum af_pfn_class c);

#define AF_NR_ORDERS 11		/* orders 0..10 */
#define AF_NR_MIGRATETYPES 6	/* Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate */
#define AF_NR_ZONE_TYPES 4	/* DMA, DMA32, Normal, Movable */
const char *af_migratetype_name(int mt);

struct af_pageblock_state {
	uint8_t migratetype;
	uint8_t zone_type;	/* AF_NR_ZONE_TYPES when outside every zone */
	uint8_t nid;
	uint8_t online;		/* holds present memory */
	uint8_t mixed;		/* holds a page allocated for another mobility (page_owner) */
	uint16_t free_pages;	/* on the buddy and per-cpu lists */
};

struct af_snapshot {
	uint64_t clock_ns;
	uint64_t max_pfn;
	int nr_nodes;
	/* free blocks on the buddy lists: free_blocks[((nid * ZONES + zone) * ORDERS + order) * MTS + mt] */
	uint64_t *free_blocks;
	uint64_t nr_pageblocks;
	struct af_pageblock_state *pageblocks;
	uint8_t *pfn_class;		/* [max_pfn], enum af_pfn_class */
};
#define AF_SNAP_FREE_BLOCKS(s, nid, zone, order, mt) \
	((s)->free_blocks[(((size_t)(nid) * AF_NR_ZONE_TYPES + (zone)) * AF_NR_ORDERS + (order)) * \
			  AF_NR_MIGRATETYPES + (mt)])
/* Take a snapshot (allocates; af_snapshot_free releases) */
int af_snapshot_take(struct af_machine *m, struct af_snapshot *s);
void af_snapshot_free(struct af_snapshot *s);

/*
 * Fragmentation metrics of the machine now.  Indices are the kernel's
 * (thousandths) computed over all zones' free lists together.
 */
struct af_metrics {
	uint64_t free_pages;				/* buddy + per-cpu lists */
	uint64_t free_blocks[AF_NR_ORDERS];		/* buddyinfo summed over zones */
	uint64_t pageblocks[AF_NR_MIGRATETYPES];	/* online pageblocks per type */
	uint64_t mixed_pageblocks;			/* page_owner's "mixed blocks", summed */
	uint64_t mixed_by_type[AF_NR_MIGRATETYPES];
	/* mm_page_alloc_extfrag since boot: [claim, steal, pollute][request type][fallback type] */
	uint64_t extfrag[3][3][3];
	uint64_t extfrag_fragmenting[3][3][3];		/* the ones with fallback_order < pageblock_order */
	uint64_t extfrag_events, extfrag_events_fragmenting;
	int unusable_index_9;				/* 0..1000 for order 9 */
	int fragmentation_index_9;			/* -1000, or 0..1000 for order 9 */
	unsigned int fragmentation_score;		/* fragmentation_score_node, mean over nodes */
	uint64_t huge_free;	/* 2 MiB blocks allocatable now without compaction */
	uint64_t gig_free;	/* 1 GiB (order-18) free aligned ranges now */
	/* the oracle: what a perfect compactor could produce now (aligned ranges
	 * holding nothing unmovable, in a zone, bounded by its free memory) */
	uint64_t oracle_huge, oracle_gig;
	/* the same when the page cache may be reclaimed first: bounded by free
	 * plus page cache pages (what an allocation that reclaims could reach) */
	uint64_t oracle_huge_reclaim;
	uint64_t alloc_fail[AF_NR_ORDERS];	/* allocations that failed since boot, by order */
};
int af_metrics(struct af_machine *m, struct af_metrics *out);

/*
 * The sampler: metrics and counters on the virtual clock.  Each time
 * af_clock_advance() carries the clock past the next multiple of the
 * interval, one sample is taken and handed to fn (which may read the
 * machine: af_render, af_vmstat, af_metrics; but must not change it).  Deterministic mode only: a sample reads the machine
 * without locks.  interval_ns 0 or fn NULL stops sampling.
 */
struct af_sample {
	uint64_t clock_ns;
	struct af_metrics metrics;
	/* /proc/vmstat counters of compaction, migration, THP and reclaim */
	uint64_t compact_stall, compact_success, compact_fail, compact_migrate_scanned,
		 compact_free_scanned, compact_daemon_wake, pgmigrate_success, pgmigrate_fail,
		 thp_fault_alloc, thp_fault_fallback, pgscan_kswapd, pgsteal_kswapd;
};
typedef void (*af_sample_fn)(void *arg, const struct af_sample *s);
int af_sampler_set(struct af_machine *m, uint64_t interval_ns, af_sample_fn fn, void *arg);
/* One sample now, whatever the interval */
int af_sample_now(struct af_machine *m, struct af_sample *s);
extern const char *const af_extfrag_kind_names[3];	/* "claim", "steal", "pollute" */

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
