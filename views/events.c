/*
 * events.c - the renderings of struct af_event: the kernel's trace text
 * format (include/trace/events/kmem.h, compaction.h, migrate.h, vmscan.h;
 * mmflags.h for show_gfp_flags) and JSON lines; the parser of the text
 * format (raw ftrace `trace`, trace-cmd report) back into the struct; the
 * text sink (af_set_trace).
 *
 * A text line is
 *   "        antifrag-1001    [001] .....     0.000123: mm_page_free: page=... pfn=0x... order=0"
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compaction.h"
#include "internal.h"

struct gfp_name { af_gfp_t mask; const char *name; };

/* __def_gfpflag_names, in the kernel's order (no KASAN bits in this config) */
static const struct gfp_name gfp_names[] = {
	{ AF_GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ AF_GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ AF_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ AF_GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ AF_GFP_USER, "GFP_USER" },
	{ AF_GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ AF_GFP_KERNEL, "GFP_KERNEL" },
	{ AF_GFP_NOFS, "GFP_NOFS" },
	{ AF_GFP_ATOMIC, "GFP_ATOMIC" },
	{ AF_GFP_NOIO, "GFP_NOIO" },
	{ AF_GFP_NOWAIT, "GFP_NOWAIT" },
	{ AF_GFP_DMA, "GFP_DMA" },
	{ AF___GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ AF_GFP_DMA32, "GFP_DMA32" },
	{ AF___GFP_HIGH, "__GFP_HIGH" },
	{ AF___GFP_ATOMIC, "__GFP_ATOMIC" },
	{ AF___GFP_IO, "__GFP_IO" },
	{ AF___GFP_FS, "__GFP_FS" },
	{ AF___GFP_NOWARN, "__GFP_NOWARN" },
	{ AF___GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ AF___GFP_NOFAIL, "__GFP_NOFAIL" },
	{ AF___GFP_NORETRY, "__GFP_NORETRY" },
	{ AF___GFP_COMP, "__GFP_COMP" },
	{ AF___GFP_ZERO, "__GFP_ZERO" },
	{ AF___GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ AF___GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ AF___GFP_HARDWALL, "__GFP_HARDWALL" },
	{ AF___GFP_THISNODE, "__GFP_THISNODE" },
	{ AF___GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ AF___GFP_MOVABLE, "__GFP_MOVABLE" },
	{ AF___GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ AF___GFP_WRITE, "__GFP_WRITE" },
	{ AF___GFP_RECLAIM, "__GFP_RECLAIM" },
	{ AF___GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ AF___GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	{ 0x800000u, "__GFP_ZEROTAGS" },
};

/* show_gfp_flags(): greedy match of composite names, "none" for 0 */
void format_gfp_flags(af_gfp_t gfp, char *buf, size_t len)
{
	size_t used = 0;
	bool first = true;

	if (!len)
		return;
	buf[0] = '\0';
	if (!gfp) {
		snprintf(buf, len, "none");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names) && gfp; i++) {
		if ((gfp & gfp_names[i].mask) != gfp_names[i].mask)
			continue;
		gfp &= ~gfp_names[i].mask;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 first ? "" : "|", gfp_names[i].name);
		first = false;
	}
	if (gfp)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s0x%x",
					 first ? "" : "|", gfp);
}

int af_gfp_parse(const char *s, af_gfp_t *out)
{
	af_gfp_t v = 0;
	char tok[64];

	if (!s || !*s || !out)
		return af_err(-EINVAL, "empty GFP mask or no place for it");
	while (*s) {
		size_t n = strcspn(s, "|");
		bool found = false;

		if (n == 0)
			return af_err(-EINVAL, "malformed GFP mask: empty term");
		if (n >= sizeof(tok))
			return af_err(-EINVAL, "malformed GFP mask");
		memcpy(tok, s, n);
		tok[n] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(gfp_names); i++)
			if (!strcmp(tok, gfp_names[i].name)) {
				v |= gfp_names[i].mask;
				found = true;
			}
		if (!found) {
			char *end;
			unsigned long x = strtoul(tok, &end, 0);
			if (*end || end == tok || x > AF___GFP_BITS_MASK)
				return af_err(-EINVAL, "unknown GFP flag '%s'", tok);
			v |= (af_gfp_t)x;
		}
		s += n;
		if (*s == '|' && !*++s)
			return af_err(-EINVAL, "malformed GFP mask: empty term after '|'");
	}
	*out = v;
	return 0;
}

/* ---- names ---- */

static const struct {
	const char *name, *system;
} event_names[AF_EV_NR] = {
	[AF_EV_MM_PAGE_ALLOC] = { "mm_page_alloc", "kmem" },
	[AF_EV_MM_PAGE_FREE] = { "mm_page_free", "kmem" },
	[AF_EV_MM_PAGE_FREE_BATCHED] = { "mm_page_free_batched", "kmem" },
	[AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED] = { "mm_page_alloc_zone_locked", "kmem" },
	[AF_EV_MM_PAGE_PCPU_DRAIN] = { "mm_page_pcpu_drain", "kmem" },
	[AF_EV_MM_PAGE_ALLOC_EXTFRAG] = { "mm_page_alloc_extfrag", "kmem" },
	[AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES] = { "mm_compaction_isolate_migratepages", "compaction" },
	[AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES] = { "mm_compaction_isolate_freepages", "compaction" },
	[AF_EV_MM_COMPACTION_MIGRATEPAGES] = { "mm_compaction_migratepages", "compaction" },
	[AF_EV_MM_COMPACTION_BEGIN] = { "mm_compaction_begin", "compaction" },
	[AF_EV_MM_COMPACTION_END] = { "mm_compaction_end", "compaction" },
	[AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES] = { "mm_compaction_try_to_compact_pages", "compaction" },
	[AF_EV_MM_COMPACTION_FINISHED] = { "mm_compaction_finished", "compaction" },
	[AF_EV_MM_COMPACTION_SUITABLE] = { "mm_compaction_suitable", "compaction" },
	[AF_EV_MM_COMPACTION_DEFERRED] = { "mm_compaction_deferred", "compaction" },
	[AF_EV_MM_COMPACTION_DEFER_COMPACTION] = { "mm_compaction_defer_compaction", "compaction" },
	[AF_EV_MM_COMPACTION_DEFER_RESET] = { "mm_compaction_defer_reset", "compaction" },
	[AF_EV_MM_COMPACTION_KCOMPACTD_SLEEP] = { "mm_compaction_kcompactd_sleep", "compaction" },
	[AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD] = { "mm_compaction_wakeup_kcompactd", "compaction" },
	[AF_EV_MM_COMPACTION_KCOMPACTD_WAKE] = { "mm_compaction_kcompactd_wake", "compaction" },
	[AF_EV_MM_MIGRATE_PAGES] = { "mm_migrate_pages", "migrate" },
	[AF_EV_MM_MIGRATE_PAGES_START] = { "mm_migrate_pages_start", "migrate" },
	[AF_EV_MM_VMSCAN_WAKEUP_KSWAPD] = { "mm_vmscan_wakeup_kswapd", "vmscan" },
};

const char *af_event_name(enum af_event_type type)
{
	return type > AF_EV_NONE && type < AF_EV_NR ? event_names[type].name : NULL;
}

const char *af_event_system(enum af_event_type type)
{
	return type > AF_EV_NONE && type < AF_EV_NR ? event_names[type].system : NULL;
}

static uint8_t name_lens[AF_EV_NR];
static pthread_once_t name_lens_once = PTHREAD_ONCE_INIT;

static void name_lens_init(void)
{
	for (int t = AF_EV_NONE + 1; t < AF_EV_NR; t++)
		name_lens[t] = (uint8_t)strlen(event_names[t].name);
}

/* The type named by name[0..len): the kmem events by length, the others lengths first */
static enum af_event_type type_by_name(const char *name, size_t len)
{
	if (len > 8 && !memcmp(name, "mm_page_", 8)) {
		const char *q = name + 8;
		switch (len) {	/* each compare of a constant length, inlined */
		case 13:
			if (!memcmp(q, "alloc", 5))
				return AF_EV_MM_PAGE_ALLOC;
			break;
		case 12:
			if (!memcmp(q, "free", 4))
				return AF_EV_MM_PAGE_FREE;
			break;
		case 20:
			if (!memcmp(q, "free_batched", 12))
				return AF_EV_MM_PAGE_FREE_BATCHED;
			break;
		case 25:
			if (!memcmp(q, "alloc_zone_locked", 17))
				return AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED;
			break;
		case 18:
			if (!memcmp(q, "pcpu_drain", 10))
				return AF_EV_MM_PAGE_PCPU_DRAIN;
			break;
		case 21:
			if (!memcmp(q, "alloc_extfrag", 13))
				return AF_EV_MM_PAGE_ALLOC_EXTFRAG;
			break;
		default:
			break;
		}
	}
	pthread_once(&name_lens_once, name_lens_init);
	for (int t = AF_EV_NONE + 1; t < AF_EV_NR; t++)
		if (name_lens[t] == len && !memcmp(name, event_names[t].name, len))
			return (enum af_event_type)t;
	return AF_EV_NONE;
}

enum af_event_type af_event_type_by_name(const char *name)
{
	if (!name)
		return AF_EV_NONE;
	return type_by_name(name, strlen(name));
}

/* The symbol tables the kernel's __print_symbolic() uses for these events */
static const char *const compact_status_names[] = {	/* COMPACTION_STATUS */
	"not_suitable_zone", "skipped", "deferred", "no_suitable_page", "continue", "complete",
	"partial_skipped", "contended", "success",
};
_Static_assert(ARRAY_SIZE(compact_status_names) == COMPACT_SUCCESS + 1, "one name per compact_result");
static const char *const migrate_mode_names[] = {	/* MIGRATE_MODE */
	"MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC",
};
static const char *const migrate_reason_names[] = {	/* MIGRATE_REASON */
	"compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset", "mempolicy_mbind",
	"numa_misplaced", "contig_range", "longterm_pin", "demotion",
};
_Static_assert(ARRAY_SIZE(migrate_reason_names) == AF_MR_DEMOTION + 1, "one name per migrate_reason");

struct symtab { const char *const *names; int n; };
#define SYMTAB(a) ((struct symtab){ (a), (int)ARRAY_SIZE(a) })
#define ZONE_SYMS ((struct symtab){ zone_names, MAX_NR_ZONES })

/* __print_symbolic(): the name, or the value in hex when it has none */
static const char *sym(struct symtab t, int v, char tmp[16])
{
	if (v >= 0 && v < t.n)
		return t.names[v];
	snprintf(tmp, 16, "0x%x", (unsigned)v);
	return tmp;
}

static int sym_parse(struct symtab t, const char *s, int *v)
{
	char *end;
	unsigned long x;

	for (int i = 0; i < t.n; i++)
		if (!strcmp(s, t.names[i])) {
			*v = i;
			return 0;
		}
	if (s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	x = strtoul(s, &end, 16);
	if (*end || x > INT32_MAX)
		return -EINVAL;
	*v = (int)x;
	return 0;
}

/* ---- the text sink: each event rendered in the kernel's format ---- */

void af_set_trace(struct af_machine *m, af_trace_fn fn, void *arg)
{
	if (!m)
		return;
	m->trace_fn = fn;
	m->trace_arg = fn ? arg : NULL;
	m->trace_format = af_event_format_text;
	trace_sinks_changed(m);
}

void af_trace_to_file(void *file, const char *line)
{
	if (!file || !line)
		return;
	fputs(line, file);
	fputc('\n', file);
}

void af_event_to_json_file(void *file, const struct af_event *ev)
{
	char buf[TRACE_LINE_MAX];
	int n;

	if (!file || !ev)
		return;
	n = af_event_format_json(ev, buf, sizeof(buf));
	if (n < 0)
		return;
	if ((size_t)n < sizeof(buf)) {
		fputs(buf, file);
	} else {
		char *big = malloc((size_t)n + 1);
		if (!big)
			return;
		af_event_format_json(ev, big, (size_t)n + 1);
		fputs(big, file);
		free(big);
	}
	fputc('\n', file);
}


/* ---- rendering ---- */

/* A bounded writer that counts what the whole text needs, as snprintf does */
struct out { char *buf; size_t len, used; };

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->used < o->len ? o->buf + o->used : NULL, o->used < o->len ? o->len - o->used : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static int out_done(struct out *o)
{
	return o->used > INT32_MAX ? -EOVERFLOW : (int)o->used;
}

static void gfp_text(af_gfp_t gfp, char buf[512])
{
	format_gfp_flags(gfp, buf, 512);
}

/* What follows "event: " on the line: each event's TP_printk() */
static int format_fields(const struct af_event *ev, struct out *o)
{
	char gfp[512], t1[16], t2[16];

	switch (ev->type) {
	case AF_EV_MM_PAGE_ALLOC: {
		const struct af_ev_page_alloc *e = &ev->page_alloc;
		gfp_text(e->gfp_flags, gfp);
		out_printf(o, "page=%016" PRIx64 " pfn=0x%" PRIx64 " order=%u migratetype=%d gfp_flags=%s",
			   e->pfn != UINT64_MAX ? e->page : 0, e->pfn != UINT64_MAX ? e->pfn : 0, e->order,
			   e->migratetype, gfp);
		return 0;
	}
	case AF_EV_MM_PAGE_FREE:
		out_printf(o, "page=%016" PRIx64 " pfn=0x%" PRIx64 " order=%u", ev->page_free.page,
			   ev->page_free.pfn, ev->page_free.order);
		return 0;
	case AF_EV_MM_PAGE_FREE_BATCHED:
		out_printf(o, "page=%016" PRIx64 " pfn=0x%" PRIx64 " order=0", ev->page_free.page,
			   ev->page_free.pfn);
		return 0;
	case AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED: {
		const struct af_ev_page *e = &ev->page;
		out_printf(o, "page=%016" PRIx64 " pfn=0x%" PRIx64 " order=%u migratetype=%d percpu_refill=%d",
			   e->pfn != UINT64_MAX ? e->page : 0, e->pfn != UINT64_MAX ? e->pfn : 0, e->order,
			   e->migratetype, e->percpu_refill);
		return 0;
	}
	case AF_EV_MM_PAGE_PCPU_DRAIN: {
		const struct af_ev_page_pcpu_drain *e = &ev->page_pcpu_drain;
		out_printf(o, "page=%016" PRIx64 " pfn=0x%" PRIx64 " order=%u migratetype=%d", e->page, e->pfn,
			   e->order, e->migratetype);
		return 0;
	}
	case AF_EV_MM_PAGE_ALLOC_EXTFRAG: {
		const struct af_ev_page_alloc_extfrag *e = &ev->page_alloc_extfrag;
		out_printf(o, "page=%016" PRIx64 " pfn=0x%" PRIx64 " alloc_order=%d fallback_order=%d "
			   "pageblock_order=%d alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d "
			   "change_ownership=%d", e->page, e->pfn, e->alloc_order, e->fallback_order,
			   e->pageblock_order, e->alloc_migratetype, e->fallback_migratetype,
			   e->fallback_order < e->pageblock_order, e->change_ownership);
		return 0;
	}
	case AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES:
	case AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES: {
		const struct af_ev_compaction_isolate *e = &ev->compaction_isolate;
		out_printf(o, "range=(0x%" PRIx64 " ~ 0x%" PRIx64 ") nr_scanned=%" PRIu64 " nr_taken=%" PRIu64,
			   e->start_pfn, e->end_pfn, e->nr_scanned, e->nr_taken);
		return 0;
	}
	case AF_EV_MM_COMPACTION_MIGRATEPAGES:
		out_printf(o, "nr_migrated=%" PRIu64 " nr_failed=%" PRIu64, ev->compaction_migratepages.nr_migrated,
			   ev->compaction_migratepages.nr_failed);
		return 0;
	case AF_EV_MM_COMPACTION_BEGIN:
	case AF_EV_MM_COMPACTION_END: {
		const struct af_ev_compaction_begin_end *e = &ev->compaction_begin_end;
		out_printf(o, "zone_start=0x%" PRIx64 " migrate_pfn=0x%" PRIx64 " free_pfn=0x%" PRIx64
			   " zone_end=0x%" PRIx64 ", mode=%s", e->zone_start, e->migrate_pfn, e->free_pfn,
			   e->zone_end, e->sync ? "sync" : "async");
		if (ev->type == AF_EV_MM_COMPACTION_END)
			out_printf(o, " status=%s", sym(SYMTAB(compact_status_names), e->status, t1));
		return 0;
	}
	case AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES: {
		const struct af_ev_compaction_try_to_compact_pages *e = &ev->compaction_try_to_compact_pages;
		gfp_text(e->gfp_mask, gfp);
		out_printf(o, "order=%d gfp_mask=%s priority=%d", e->order, gfp, e->prio);
		return 0;
	}
	case AF_EV_MM_COMPACTION_FINISHED:
	case AF_EV_MM_COMPACTION_SUITABLE: {
		const struct af_ev_compaction_suitable *e = &ev->compaction_suitable;
		out_printf(o, "node=%d zone=%-8s order=%d ret=%s", e->nid, sym(ZONE_SYMS, e->idx, t1), e->order,
			   sym(SYMTAB(compact_status_names), e->ret, t2));
		return 0;
	}
	case AF_EV_MM_COMPACTION_DEFERRED:
	case AF_EV_MM_COMPACTION_DEFER_COMPACTION:
	case AF_EV_MM_COMPACTION_DEFER_RESET: {
		const struct af_ev_compaction_defer *e = &ev->compaction_defer;
		out_printf(o, "node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%" PRIu64, e->nid,
			   sym(ZONE_SYMS, e->idx, t1), e->order, e->order_failed, e->considered,
			   e->defer_shift < 64 ? (uint64_t)1 << e->defer_shift : 0);
		return 0;
	}
	case AF_EV_MM_COMPACTION_KCOMPACTD_SLEEP:
		out_printf(o, "nid=%d", ev->compaction_kcompactd_sleep.nid);
		return 0;
	case AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD:
	case AF_EV_MM_COMPACTION_KCOMPACTD_WAKE: {
		const struct af_ev_compaction_kcompactd_wake *e = &ev->compaction_kcompactd_wake;
		out_printf(o, "nid=%d order=%d classzone_idx=%-8s", e->nid, e->order,
			   sym(ZONE_SYMS, e->highest_zoneidx, t1));
		return 0;
	}
	case AF_EV_MM_MIGRATE_PAGES: {
		const struct af_ev_migrate_pages *e = &ev->migrate_pages;
		out_printf(o, "nr_succeeded=%" PRIu64 " nr_failed=%" PRIu64 " nr_thp_succeeded=%" PRIu64
			   " nr_thp_failed=%" PRIu64 " nr_thp_split=%" PRIu64 " mode=%s reason=%s", e->succeeded,
			   e->failed, e->thp_succeeded, e->thp_failed, e->thp_split,
			   sym(SYMTAB(migrate_mode_names), e->mode, t1),
			   sym(SYMTAB(migrate_reason_names), e->reason, t2));
		return 0;
	}
	case AF_EV_MM_MIGRATE_PAGES_START:
		out_printf(o, "mode=%s reason=%s", sym(SYMTAB(migrate_mode_names), ev->migrate_pages_start.mode, t1),
			   sym(SYMTAB(migrate_reason_names), ev->migrate_pages_start.reason, t2));
		return 0;
	case AF_EV_MM_VMSCAN_WAKEUP_KSWAPD: {
		const struct af_ev_vmscan_wakeup_kswapd *e = &ev->vmscan_wakeup_kswapd;
		gfp_text(e->gfp_flags, gfp);
		out_printf(o, "nid=%d order=%d gfp_flags=%s", e->nid, e->order, gfp);
		return 0;
	}
	case AF_EV_NONE:
	case AF_EV_NR:
		break;
	}
	return -EINVAL;
}

int af_event_format_text(const struct af_event *ev, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (!buf && len)
		return af_err(-EINVAL, "no buffer of %zu bytes", len);
	if (len)
		buf[0] = '\0';
	if (!ev)
		return af_err(-EINVAL, "no event");
	if (!af_event_name(ev->type))
		return -EINVAL;
	out_printf(&o, "%16s-%-7d [%03d] %s%s%5" PRIu64 ".%06" PRIu64 ": %s: ", ev->comm, ev->pid, ev->cpu,
		   ev->irqflags, ev->irqflags[0] ? " " : "", (uint64_t)(ev->ts_ns / 1000000000ULL),
		   (uint64_t)((ev->ts_ns / 1000ULL) % 1000000ULL), event_names[ev->type].name);
	format_fields(ev, &o);
	return out_done(&o);
}

/* JSON: a string with the escapes RFC 8259 requires */
static void json_str(struct out *o, const char *s)
{
	out_printf(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			out_printf(o, "\\%c", c);
		else if (c < 0x20)
			out_printf(o, "\\u%04x", c);
		else
			out_printf(o, "%c", c);
	}
	out_printf(o, "\"");
}

static void j_str(struct out *o, const char *key, const char *s)
{
	out_printf(o, ",\"%s\":", key);
	json_str(o, s);
}

static void j_u64(struct out *o, const char *key, uint64_t v)
{
	out_printf(o, ",\"%s\":%" PRIu64, key, v);
}

static void j_int(struct out *o, const char *key, long long v)
{
	out_printf(o, ",\"%s\":%lld", key, v);
}

/* page as a string: the pointer does not fit a double or an int64 */
static void j_page(struct out *o, uint64_t page, uint64_t pfn)
{
	if (pfn == UINT64_MAX) {
		out_printf(o, ",\"page\":null,\"pfn\":null");
		return;
	}
	out_printf(o, ",\"page\":\"0x%016" PRIx64 "\"", page);
	j_u64(o, "pfn", pfn);
}

static void j_gfp(struct out *o, const char *key, af_gfp_t gfp)
{
	char buf[512];

	gfp_text(gfp, buf);
	j_str(o, key, buf);
}

static void j_sym(struct out *o, const char *key, struct symtab t, int v)
{
	char tmp[16];

	j_str(o, key, sym(t, v, tmp));
}

static void json_fields(const struct af_event *ev, struct out *o)
{
	switch (ev->type) {
	case AF_EV_MM_PAGE_ALLOC: {
		const struct af_ev_page_alloc *e = &ev->page_alloc;
		j_page(o, e->page, e->pfn);
		j_u64(o, "order", e->order);
		j_gfp(o, "gfp_flags", e->gfp_flags);
		j_int(o, "migratetype", e->migratetype);
		return;
	}
	case AF_EV_MM_PAGE_FREE:
	case AF_EV_MM_PAGE_FREE_BATCHED:
		j_page(o, ev->page_free.page, ev->page_free.pfn);
		j_u64(o, "order", ev->page_free.order);
		return;
	case AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED:
		j_page(o, ev->page.page, ev->page.pfn);
		j_u64(o, "order", ev->page.order);
		j_int(o, "migratetype", ev->page.migratetype);
		j_int(o, "percpu_refill", ev->page.percpu_refill);
		return;
	case AF_EV_MM_PAGE_PCPU_DRAIN:
		j_page(o, ev->page_pcpu_drain.page, ev->page_pcpu_drain.pfn);
		j_u64(o, "order", ev->page_pcpu_drain.order);
		j_int(o, "migratetype", ev->page_pcpu_drain.migratetype);
		return;
	case AF_EV_MM_PAGE_ALLOC_EXTFRAG: {
		const struct af_ev_page_alloc_extfrag *e = &ev->page_alloc_extfrag;
		j_page(o, e->page, e->pfn);
		j_int(o, "alloc_order", e->alloc_order);
		j_int(o, "fallback_order", e->fallback_order);
		j_int(o, "pageblock_order", e->pageblock_order);
		j_int(o, "alloc_migratetype", e->alloc_migratetype);
		j_int(o, "fallback_migratetype", e->fallback_migratetype);
		j_int(o, "change_ownership", e->change_ownership);
		return;
	}
	case AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES:
	case AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES:
		j_u64(o, "start_pfn", ev->compaction_isolate.start_pfn);
		j_u64(o, "end_pfn", ev->compaction_isolate.end_pfn);
		j_u64(o, "nr_scanned", ev->compaction_isolate.nr_scanned);
		j_u64(o, "nr_taken", ev->compaction_isolate.nr_taken);
		return;
	case AF_EV_MM_COMPACTION_MIGRATEPAGES:
		j_u64(o, "nr_migrated", ev->compaction_migratepages.nr_migrated);
		j_u64(o, "nr_failed", ev->compaction_migratepages.nr_failed);
		return;
	case AF_EV_MM_COMPACTION_BEGIN:
	case AF_EV_MM_COMPACTION_END: {
		const struct af_ev_compaction_begin_end *e = &ev->compaction_begin_end;
		j_u64(o, "zone_start", e->zone_start);
		j_u64(o, "migrate_pfn", e->migrate_pfn);
		j_u64(o, "free_pfn", e->free_pfn);
		j_u64(o, "zone_end", e->zone_end);
		out_printf(o, ",\"sync\":%s", e->sync ? "true" : "false");
		if (ev->type == AF_EV_MM_COMPACTION_END)
			j_sym(o, "status", SYMTAB(compact_status_names), e->status);
		return;
	}
	case AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES:
		j_int(o, "order", ev->compaction_try_to_compact_pages.order);
		j_gfp(o, "gfp_mask", ev->compaction_try_to_compact_pages.gfp_mask);
		j_int(o, "prio", ev->compaction_try_to_compact_pages.prio);
		return;
	case AF_EV_MM_COMPACTION_FINISHED:
	case AF_EV_MM_COMPACTION_SUITABLE:
		j_int(o, "nid", ev->compaction_suitable.nid);
		j_sym(o, "idx", ZONE_SYMS, ev->compaction_suitable.idx);
		j_int(o, "order", ev->compaction_suitable.order);
		j_sym(o, "ret", SYMTAB(compact_status_names), ev->compaction_suitable.ret);
		return;
	case AF_EV_MM_COMPACTION_DEFERRED:
	case AF_EV_MM_COMPACTION_DEFER_COMPACTION:
	case AF_EV_MM_COMPACTION_DEFER_RESET: {
		const struct af_ev_compaction_defer *e = &ev->compaction_defer;
		j_int(o, "nid", e->nid);
		j_sym(o, "idx", ZONE_SYMS, e->idx);
		j_int(o, "order", e->order);
		j_u64(o, "considered", e->considered);
		j_u64(o, "defer_shift", e->defer_shift);
		j_int(o, "order_failed", e->order_failed);
		return;
	}
	case AF_EV_MM_COMPACTION_KCOMPACTD_SLEEP:
		j_int(o, "nid", ev->compaction_kcompactd_sleep.nid);
		return;
	case AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD:
	case AF_EV_MM_COMPACTION_KCOMPACTD_WAKE:
		j_int(o, "nid", ev->compaction_kcompactd_wake.nid);
		j_int(o, "order", ev->compaction_kcompactd_wake.order);
		j_sym(o, "highest_zoneidx", ZONE_SYMS, ev->compaction_kcompactd_wake.highest_zoneidx);
		return;
	case AF_EV_MM_MIGRATE_PAGES: {
		const struct af_ev_migrate_pages *e = &ev->migrate_pages;
		j_u64(o, "succeeded", e->succeeded);
		j_u64(o, "failed", e->failed);
		j_u64(o, "thp_succeeded", e->thp_succeeded);
		j_u64(o, "thp_failed", e->thp_failed);
		j_u64(o, "thp_split", e->thp_split);
		j_sym(o, "mode", SYMTAB(migrate_mode_names), e->mode);
		j_sym(o, "reason", SYMTAB(migrate_reason_names), e->reason);
		return;
	}
	case AF_EV_MM_MIGRATE_PAGES_START:
		j_sym(o, "mode", SYMTAB(migrate_mode_names), ev->migrate_pages_start.mode);
		j_sym(o, "reason", SYMTAB(migrate_reason_names), ev->migrate_pages_start.reason);
		return;
	case AF_EV_MM_VMSCAN_WAKEUP_KSWAPD:
		j_int(o, "nid", ev->vmscan_wakeup_kswapd.nid);
		j_int(o, "zid", ev->vmscan_wakeup_kswapd.zid);
		j_int(o, "order", ev->vmscan_wakeup_kswapd.order);
		j_gfp(o, "gfp_flags", ev->vmscan_wakeup_kswapd.gfp_flags);
		return;
	case AF_EV_NONE:
	case AF_EV_NR:
		return;
	}
}

int af_event_format_json(const struct af_event *ev, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (!buf && len)
		return af_err(-EINVAL, "no buffer of %zu bytes", len);
	if (len)
		buf[0] = '\0';
	if (!ev)
		return af_err(-EINVAL, "no event");
	if (!af_event_name(ev->type))
		return -EINVAL;
	out_printf(&o, "{\"event\":\"%s\",\"system\":\"%s\"", event_names[ev->type].name,
		   event_names[ev->type].system);
	j_u64(&o, "ts_ns", ev->ts_ns);
	j_int(&o, "cpu", ev->cpu);
	j_str(&o, "comm", ev->comm);
	j_int(&o, "pid", ev->pid);
	j_str(&o, "irqflags", ev->irqflags);
	json_fields(ev, &o);
	out_printf(&o, "}");
	return out_done(&o);
}

/* ---- parsing ---- */

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool at_end(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return !*s;
}

static int gfp_from_text(const char *s, af_gfp_t *gfp)
{
	if (!strcmp(s, "none")) {
		*gfp = 0;
		return 0;
	}
	return af_gfp_parse(s, gfp) ? -EINVAL : 0;
}

/*
 * A NULL page pointer prints as "(null)" under some pointer policies; a
 * pointer printed before the hashing key is ready as "(____ptrval____)"
 * (*ptrval set: the caller puts the pfn's vmemmap address in its place).
 */
static int page_or_null(const char *s, char *buf, size_t len, bool *ptrval)
{
	int n;

	*ptrval = !strncmp(s, "page=(____ptrval____)", 21);
	if (!strncmp(s, "page=(null)", 11))
		n = snprintf(buf, len, "page=0%s", s + 11);
	else if (*ptrval)
		n = snprintf(buf, len, "page=1%s", s + 21);
	else
		n = snprintf(buf, len, "%s", s);
	return n >= 0 && (size_t)n < len ? 0 : -EINVAL;	/* longer than any line we know */
}

/* sscanf() matched all `want` conversions and the %n after them, and nothing follows */
#define SCAN(want, s, fmt, ...) \
	(n = -1, sscanf((s), fmt "%n", __VA_ARGS__, &n) == (want) && n >= 0 && at_end((s) + n))

#define X64 "%" SCNx64
#define U64 "%" SCNu64

static int parse_event_fields(const char *body, struct af_event *ev);

/*
 * The kmem events' fields in their canonical form, read by hand: sscanf()
 * was most of a replay's time.  Each reader takes only what the kernel
 * prints (no sign, no space, at most 16 hex or 9 decimal digits) and says
 * false otherwise, and the line goes the sscanf() way, which decides.
 */
/* A hex digit's value plus one, 0 for any other character */
static const uint8_t hexval1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9,
	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Does q, with end - q bytes before its NUL, start with key[0..klen)? */
static inline __attribute__((always_inline)) bool has_key(const char *q, const char *end, const char *key,
							 size_t klen)
{
	return (size_t)(end - q) >= klen && !memcmp(q, key, klen);
}

/*
 * Eight characters at once: which of them are hex digits (0x80 in each
 * such byte) and their values as nibbles, the first character most
 * significant.  Bytes at or past 0x80 are no digits.
 */
static inline uint64_t hex8_mask(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t lo = (w | 0x2020202020202020ULL) & ~high;	/* 'A'-'F' as 'a'-'f' */
	uint64_t ge0 = lo + ones * (0x80 - '0'), gt9 = lo + ones * (0x80 - '9' - 1);
	uint64_t gea = lo + ones * (0x80 - 'a'), gtf = lo + ones * (0x80 - 'f' - 1);

	return ((ge0 & ~gt9) | (gea & ~gtf)) & ~w & high;
}

static inline uint64_t hex8_value(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	/* each byte's value: its low nibble, plus 9 for a letter (bit 6 set) */
	uint64_t x = (w & ones * 0x0f) + ((w >> 6) & ones) * 9;

	/* first character in the low byte (little-endian): pack pairs, then quads */
	x = ((x & 0x000f000f000f000fULL) << 4) | ((x >> 8) & 0x000f000f000f000fULL);
	x = ((x & 0x000000ff000000ffULL) << 8) | ((x >> 16) & 0x000000ff000000ffULL);
	return ((x & 0xffff) << 16) | ((x >> 32) & 0xffff);
}

/* The hex digits at *p (at most 16, else false), eight at a time while the line lasts */
static inline __attribute__((always_inline)) bool hex_digits(const char **p, const char *end, uint64_t *v)
{
	const char *q = *p;
	uint64_t x = 0;
	int n = 0;

	while (end - q >= 8 && n < 16) {
		uint64_t w, ok;
		int k;
		memcpy(&w, q, 8);
		if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
			break;
		ok = hex8_mask(w);
		k = ok == 0x8080808080808080ULL ? 8 : __builtin_ctzll(~ok & 0x8080808080808080ULL) / 8;
		if (k == 8) {
			x = x << 16 << 16 | hex8_value(w);
		} else {
			if (k)	/* the k digits: the others' bytes as '0', the value shifted down */
				x = x << (4 * k) | hex8_value((w & ((1ULL << (8 * k)) - 1)) |
							      (0x3030303030303030ULL << (8 * k))) >>
							      (4 * (8 - k));
			q += k;
			n += k;
			goto done;
		}
		q += 8;
		n += 8;
	}
	for (;; q++, n++) {
		unsigned d = hexval1[(unsigned char)*q];
		if (!d)
			break;
		x = x << 4 | (d - 1);
	}
done:
	if (!n || n > 16)
		return false;
	*v = x;
	*p = q;
	return true;
}

/* Inlined: the key's length is a constant at each call, and memcmp() becomes a compare or two */
static inline __attribute__((always_inline)) bool hex_field(const char **p, const char *end, const char *key,
							   size_t klen, bool need_0x, uint64_t *v)
{
	const char *q = *p;

	if (!has_key(q, end, key, klen))
		return false;
	q += klen;
	if (q[0] == '0' && q[1] == 'x')
		q += 2;
	else if (need_0x)
		return false;
	if (!hex_digits(&q, end, v))
		return false;
	*p = q;
	return true;
}

static inline __attribute__((always_inline)) bool dec_field(const char **p, const char *end, const char *key,
							   size_t klen, int *v)
{
	const char *q;
	int x = 0, n = 0;

	if (!has_key(*p, end, key, klen))
		return false;
	for (q = *p + klen; *q >= '0' && *q <= '9'; q++, n++)
		if (n < 9)
			x = x * 10 + (*q - '0');
	if (!n || n > 9)
		return false;
	*v = x;
	*p = q;
	return true;
}
#define HEX(p, key, need, v) hex_field(&(p), end, key, sizeof(key) - 1, need, v)
#define DEC(p, key, v) dec_field(&(p), end, key, sizeof(key) - 1, v)

/* gfp_flags' text to flags, the last few kept (per thread): a trace repeats a handful */
static bool gfp_cached(const char *s, size_t len, af_gfp_t *gfp)
{
	static _Thread_local struct { char text[128]; size_t len; af_gfp_t gfp; } cache[4];
	static _Thread_local unsigned next;
	char buf[512];

	if (len >= sizeof(buf))
		return false;
	for (int i = 0; i < 4; i++)
		if (cache[i].len == len && !memcmp(cache[i].text, s, len)) {
			*gfp = cache[i].gfp;
			return true;
		}
	/* one token: no space, tab or NUL inside (a line is read to its first NUL) */
	if (memchr(s, ' ', len) || memchr(s, '\t', len) || memchr(s, 0, len))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (gfp_from_text(buf, gfp))
		return false;
	if (len < sizeof(cache[0].text)) {
		memcpy(cache[next].text, buf, len + 1);
		cache[next].len = len;
		cache[next].gfp = *gfp;
		next = (next + 1) % 4;
	}
	return true;
}

/* Only line-end space after p? (end: the NUL) */
static inline bool at_end_fast(const char *p, const char *end)
{
	return p == end || at_end(p);
}

/*
 * The kmem events' fields, p..end.  Each starts with page (hex, or
 * "(____ptrval____)" before the kernel's pointer hashing is ready: the
 * vmemmap address of the pfn put in its place) and pfn, kept first in
 * every one of their structs.
 */
static bool fast_kmem(const char *p, const char *end, struct af_event *ev)
{
	uint64_t *page = &ev->page_free.page, *pfn = &ev->page_free.pfn;
	int order, mt, refill;
	bool ptrval = false;

	if (ev->type < AF_EV_MM_PAGE_ALLOC || ev->type > AF_EV_MM_PAGE_PCPU_DRAIN)
		return false;
	if (has_key(p, end, "page=(____ptrval____)", 21)) {
		ptrval = true;
		p += 21;
	} else if (!HEX(p, "page=", false, page)) {
		return false;
	}
	if (!HEX(p, " pfn=", true, pfn) || !DEC(p, " order=", &order))
		return false;
	if (ptrval)
		*page = 0xffffea0000000000ULL + *pfn * 64;
	switch (ev->type) {
	case AF_EV_MM_PAGE_ALLOC: {
		struct af_ev_page_alloc *e = &ev->page_alloc;
		const char *g;
		if (!DEC(p, " migratetype=", &mt) || !has_key(p, end, " gfp_flags=", 11))
			return false;
		g = p + 11;
		/* to the line's end less its trailing space: a space inside fails the parse */
		for (p = end; p > g && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'); p--)
			;
		if (p == g || !gfp_cached(g, (size_t)(p - g), &e->gfp_flags))
			return false;
		e->order = (unsigned)order;
		e->migratetype = mt;
		if (!e->page && !e->pfn)
			e->pfn = UINT64_MAX;
		return true;
	}
	case AF_EV_MM_PAGE_FREE:
		if (!at_end_fast(p, end))
			return false;
		ev->page_free.order = (unsigned)order;
		return true;
	case AF_EV_MM_PAGE_FREE_BATCHED:
		if (order || !at_end_fast(p, end))
			return false;
		ev->page_free.order = 0;
		return true;
	case AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED: {
		struct af_ev_page *e = &ev->page;
		if (!DEC(p, " migratetype=", &mt) || !DEC(p, " percpu_refill=", &refill) || !at_end_fast(p, end))
			return false;
		e->order = (unsigned)order;
		e->migratetype = mt;
		e->percpu_refill = refill;
		if (!e->page && !e->pfn)
			e->pfn = UINT64_MAX;
		return true;
	}
	case AF_EV_MM_PAGE_PCPU_DRAIN: {
		struct af_ev_page_pcpu_drain *e = &ev->page_pcpu_drain;
		if (!DEC(p, " migratetype=", &mt) || !at_end_fast(p, end))
			return false;
		e->order = (unsigned)order;
		e->migratetype = mt;
		return true;
	}
	default:
		return false;
	}
}

static int parse_fields(const char *s, const char *end, struct af_event *ev)
{
	char body[TRACE_LINE_MAX];
	bool ptrval;
	int ret;

	if (fast_kmem(s, end, ev))
		return 0;
	if (page_or_null(s, body, sizeof(body), &ptrval))
		return -EINVAL;
	ret = parse_event_fields(body, ev);
	/* every event with a page pointer starts its struct with page, pfn */
	if (!ret && ptrval)
		ev->page_free.page = 0xffffea0000000000ULL + ev->page_free.pfn * 64;
	return ret;
}

static int parse_event_fields(const char *body, struct af_event *ev)
{
	char gfp[512], a[32], b[32];
	int n, v;

	switch (ev->type) {
	case AF_EV_MM_PAGE_ALLOC: {
		struct af_ev_page_alloc *e = &ev->page_alloc;
		if (!SCAN(5, body, "page=" X64 " pfn=" X64 " order=%u migratetype=%d gfp_flags=%511s", &e->page,
			  &e->pfn, &e->order, &e->migratetype, gfp) || gfp_from_text(gfp, &e->gfp_flags))
			return -EINVAL;
		if (!e->page && !e->pfn)
			e->pfn = UINT64_MAX;
		return 0;
	}
	case AF_EV_MM_PAGE_FREE:
		return SCAN(3, body, "page=" X64 " pfn=" X64 " order=%u", &ev->page_free.page, &ev->page_free.pfn,
			    &ev->page_free.order) ? 0 : -EINVAL;
	case AF_EV_MM_PAGE_FREE_BATCHED:
		ev->page_free.order = 0;
		return SCAN(2, body, "page=" X64 " pfn=" X64 " order=0", &ev->page_free.page,
			    &ev->page_free.pfn) ? 0 : -EINVAL;
	case AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED: {
		struct af_ev_page *e = &ev->page;
		if (!SCAN(5, body, "page=" X64 " pfn=" X64 " order=%u migratetype=%d percpu_refill=%d", &e->page,
			  &e->pfn, &e->order, &e->migratetype, &e->percpu_refill))
			return -EINVAL;
		if (!e->page && !e->pfn)
			e->pfn = UINT64_MAX;
		return 0;
	}
	case AF_EV_MM_PAGE_PCPU_DRAIN: {
		struct af_ev_page_pcpu_drain *e = &ev->page_pcpu_drain;
		return SCAN(4, body, "page=" X64 " pfn=" X64 " order=%u migratetype=%d", &e->page, &e->pfn,
			    &e->order, &e->migratetype) ? 0 : -EINVAL;
	}
	case AF_EV_MM_PAGE_ALLOC_EXTFRAG: {
		struct af_ev_page_alloc_extfrag *e = &ev->page_alloc_extfrag;
		if (!SCAN(9, body, "page=" X64 " pfn=" X64 " alloc_order=%d fallback_order=%d pageblock_order=%d "
			  "alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d change_ownership=%d",
			  &e->page, &e->pfn, &e->alloc_order, &e->fallback_order, &e->pageblock_order,
			  &e->alloc_migratetype, &e->fallback_migratetype, &v, &e->change_ownership))
			return -EINVAL;
		/* fragmenting is derived: a line that contradicts it is not the kernel's */
		return v == (e->fallback_order < e->pageblock_order) ? 0 : -EINVAL;
	}
	case AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES:
	case AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES: {
		struct af_ev_compaction_isolate *e = &ev->compaction_isolate;
		return SCAN(4, body, "range=(" X64 " ~ " X64 ") nr_scanned=" U64 " nr_taken=" U64, &e->start_pfn,
			    &e->end_pfn, &e->nr_scanned, &e->nr_taken) ? 0 : -EINVAL;
	}
	case AF_EV_MM_COMPACTION_MIGRATEPAGES:
		return SCAN(2, body, "nr_migrated=" U64 " nr_failed=" U64, &ev->compaction_migratepages.nr_migrated,
			    &ev->compaction_migratepages.nr_failed) ? 0 : -EINVAL;
	case AF_EV_MM_COMPACTION_BEGIN:
	case AF_EV_MM_COMPACTION_END: {
		struct af_ev_compaction_begin_end *e = &ev->compaction_begin_end;
		bool end = ev->type == AF_EV_MM_COMPACTION_END;
		if (end ? !SCAN(6, body, "zone_start=" X64 " migrate_pfn=" X64 " free_pfn=" X64 " zone_end=" X64
				", mode=%31s status=%31s", &e->zone_start, &e->migrate_pfn, &e->free_pfn,
				&e->zone_end, a, b)
			: !SCAN(5, body, "zone_start=" X64 " migrate_pfn=" X64 " free_pfn=" X64 " zone_end=" X64
				", mode=%31s", &e->zone_start, &e->migrate_pfn, &e->free_pfn, &e->zone_end, a))
			return -EINVAL;
		if (strcmp(a, "sync") && strcmp(a, "async"))
			return -EINVAL;
		e->sync = !strcmp(a, "sync");
		e->status = 0;
		return end ? sym_parse(SYMTAB(compact_status_names), b, &e->status) : 0;
	}
	case AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES: {
		struct af_ev_compaction_try_to_compact_pages *e = &ev->compaction_try_to_compact_pages;
		if (!SCAN(3, body, "order=%d gfp_mask=%511s priority=%d", &e->order, gfp, &e->prio))
			return -EINVAL;
		return gfp_from_text(gfp, &e->gfp_mask);
	}
	case AF_EV_MM_COMPACTION_FINISHED:
	case AF_EV_MM_COMPACTION_SUITABLE: {
		struct af_ev_compaction_suitable *e = &ev->compaction_suitable;
		if (!SCAN(4, body, "node=%d zone=%31s order=%d ret=%31s", &e->nid, a, &e->order, b) ||
		    sym_parse(ZONE_SYMS, a, &e->idx))
			return -EINVAL;
		return sym_parse(SYMTAB(compact_status_names), b, &e->ret);
	}
	case AF_EV_MM_COMPACTION_DEFERRED:
	case AF_EV_MM_COMPACTION_DEFER_COMPACTION:
	case AF_EV_MM_COMPACTION_DEFER_RESET: {
		struct af_ev_compaction_defer *e = &ev->compaction_defer;
		uint64_t limit;
		if (!SCAN(6, body, "node=%d zone=%31s order=%d order_failed=%d consider=%u limit=" U64, &e->nid, a,
			  &e->order, &e->order_failed, &e->considered, &limit) || sym_parse(ZONE_SYMS, a, &e->idx))
			return -EINVAL;
		if (!limit || (limit & (limit - 1)))	/* printed as 1 << defer_shift */
			return -EINVAL;
		e->defer_shift = (unsigned)__builtin_ctzll(limit);
		return 0;
	}
	case AF_EV_MM_COMPACTION_KCOMPACTD_SLEEP:
		return SCAN(1, body, "nid=%d", &ev->compaction_kcompactd_sleep.nid) ? 0 : -EINVAL;
	case AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD:
	case AF_EV_MM_COMPACTION_KCOMPACTD_WAKE: {
		struct af_ev_compaction_kcompactd_wake *e = &ev->compaction_kcompactd_wake;
		if (!SCAN(3, body, "nid=%d order=%d classzone_idx=%31s", &e->nid, &e->order, a))
			return -EINVAL;
		return sym_parse(ZONE_SYMS, a, &e->highest_zoneidx);
	}
	case AF_EV_MM_MIGRATE_PAGES: {
		struct af_ev_migrate_pages *e = &ev->migrate_pages;
		if (!SCAN(7, body, "nr_succeeded=" U64 " nr_failed=" U64 " nr_thp_succeeded=" U64
			  " nr_thp_failed=" U64 " nr_thp_split=" U64 " mode=%31s reason=%31s", &e->succeeded,
			  &e->failed, &e->thp_succeeded, &e->thp_failed, &e->thp_split, a, b) ||
		    sym_parse(SYMTAB(migrate_mode_names), a, &e->mode))
			return -EINVAL;
		return sym_parse(SYMTAB(migrate_reason_names), b, &e->reason);
	}
	case AF_EV_MM_MIGRATE_PAGES_START: {
		struct af_ev_migrate_pages_start *e = &ev->migrate_pages_start;
		if (!SCAN(2, body, "mode=%31s reason=%31s", a, b) || sym_parse(SYMTAB(migrate_mode_names), a, &e->mode))
			return -EINVAL;
		return sym_parse(SYMTAB(migrate_reason_names), b, &e->reason);
	}
	case AF_EV_MM_VMSCAN_WAKEUP_KSWAPD: {
		struct af_ev_vmscan_wakeup_kswapd *e = &ev->vmscan_wakeup_kswapd;
		e->zid = -1;	/* not printed */
		if (!SCAN(3, body, "nid=%d order=%d gfp_flags=%511s", &e->nid, &e->order, gfp))
			return -EINVAL;
		return gfp_from_text(gfp, &e->gfp_flags);
	}
	case AF_EV_NONE:
	case AF_EV_NR:
		break;
	}
	return -EINVAL;
}

static bool is_ident(char c)
{
	/* one bit per character of [A-Za-z0-9_] */
	static const uint32_t bits[8] = { 0, 0x03ff0000, 0x87fffffe, 0x07fffffe };
	unsigned char u = (unsigned char)c;

	return bits[u >> 5] >> (u & 31) & 1;
}

/* "[ddd]": the CPU column, its ']' in *close */
static const char *find_cpu_column(const char *s, int *cpu, const char **close)
{
	for (const char *p = strchr(s, '['); p; p = strchr(p + 1, '[')) {
		const char *q = p + 1;
		long v = 0;

		if (*q < '0' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9' && v < 1000000)
			v = v * 10 + (*q++ - '0');
		if (*q == ']') {
			*cpu = (int)v;
			*close = q;
			return p;
		}
	}
	return NULL;
}

static inline bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/*
 * tracefs's own layout of the columns before the timestamp: the comm
 * right-aligned in 16 (so at most 15 characters), '-', the pid
 * left-aligned in 7, " [CCC] ", five irq-info characters and a space.
 * With every column where that puts it (and no NUL among them), the event
 * gets its comm, pid, cpu and flags and the return is what follows; else
 * NULL, and the general parse reads the line.
 */
static const char *canon_head(const char *line, const char *end, struct af_event *ev)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	const char *c = line;
	uint64_t w0, w1, f;
	int pid, k;

	if (end - line < 37 || line[16] != '-' || line[24] != ' ' || line[25] != '[' || line[29] != ']' ||
	    line[30] != ' ' || line[36] != ' ' || !is_digit(line[26]) || !is_digit(line[27]) ||
	    !is_digit(line[28]) || !is_digit(line[17]) || is_digit(line[31]))
		return NULL;
	/* the comm's 16 columns: no NUL (a zero byte found a word at a time), spaces before it */
	memcpy(&w0, line, 8);
	memcpy(&w1, line + 8, 8);
	if (((w0 - ones) & ~w0 & high) || ((w1 - ones) & ~w1 & high))
		return NULL;
	if (w0 == 0x2020202020202020ULL)
		c += 8;
	while (c < line + 16 && (*c == ' ' || *c == '\t'))
		c++;
	if (c == line || c == line + 16)
		return NULL;
	/* the pid's 7 columns: digits, then spaces */
	for (pid = 0, k = 17; k < 24 && is_digit(line[k]); k++)
		pid = pid * 10 + (line[k] - '0');
	for (; k < 24; k++)
		if (line[k] != ' ')
			return NULL;
	/* five flags: none a space, tab, colon or NUL (a zero byte after xor with each) */
	f = 0;
	memcpy(&f, line + 31, 5);
	f |= 0x7f7f7f0000000000ULL;	/* the three bytes past them: no match */
	{
		uint64_t a = f ^ (ones * ' '), b = f ^ (ones * '\t'), d = f ^ (ones * ':');
		if (((f - ones) & ~f & high) || ((a - ones) & ~a & high) || ((b - ones) & ~b & high) ||
		    ((d - ones) & ~d & high))
			return NULL;
	}
	memcpy(ev->comm, c, (size_t)(line + 16 - c));
	ev->pid = pid;
	ev->cpu = (line[26] - '0') * 100 + (line[27] - '0') * 10 + (line[28] - '0');
	memcpy(ev->irqflags, line + 31, 5);
	for (c = line + 37; *c == ' '; c++)
		;
	return c;
}

/* The column's usual width (ftrace's five flag characters), each no space, tab, colon or NUL */
static inline bool irq5(const char *p, const char *end)
{
	if (end - p < 6 || p[5] != ' ')
		return false;
	for (int k = 0; k < 5; k++)
		if (p[k] == ' ' || p[k] == '\t' || p[k] == ':' || !p[k])
			return false;
	return true;
}

/*
 * The line's head: "COMM-PID [(TGID)] [CPU] [IRQFLAGS] SECS.FRAC: [SYSTEM:]EVENT:".
 * COMM may hold spaces and dashes (the PID follows the last dash); the
 * irq-info column and the TGID column are optional, as are the system
 * prefix (perf script) and the width of the fraction (trace-cmd may print
 * nanoseconds).
 */
int af_event_parse(const char *line, struct af_event *ev)
{
	if (!line || !ev)
		return af_err(-EINVAL, "no line or no event");
	return af_event_parse_len(line, strlen(line), ev);
}

int af_event_parse_len(const char *line, size_t len, struct af_event *ev)
{
	const char *s, *bracket, *close, *task_end, *dash, *p, *end;
	const size_t name_max = 64;	/* the longest event name taken */
	size_t nlen;
	uint64_t secs = 0, frac = 0;
	int digits = 0, cpu;

	if (!line || !ev)
		return af_err(-EINVAL, "no line or no event");
	end = line + len;
	memset(ev, 0, sizeof(*ev));
	if ((p = canon_head(line, end, ev)))
		goto timestamp;
	/* the task column is right-aligned: many spaces, skipped eight at a time */
	for (s = line; end - s >= 8; s += 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		if (w != 0x2020202020202020ULL)
			break;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '#' || *s == '\n')
		return -ENOENT;
	if (!(bracket = find_cpu_column(s, &cpu, &close)))
		return af_err(-EINVAL, "trace line: no [cpu] column");
	ev->cpu = cpu;
	task_end = bracket;
	while (task_end > s && task_end[-1] == ' ')
		task_end--;
	if (task_end > s && task_end[-1] == ')') {	/* the TGID column */
		while (task_end > s && task_end[-1] != '(')
			task_end--;
		if (task_end == s)
			return af_err(-EINVAL, "trace line: unbalanced tgid column");
		task_end--;
		while (task_end > s && task_end[-1] == ' ')
			task_end--;
	}
	for (dash = task_end - 1; dash > s && *dash != '-'; dash--)
		;
	if (dash <= s || (size_t)(dash - s) >= sizeof(ev->comm))
		return af_err(-EINVAL, "trace line: no task-pid column");
	memcpy(ev->comm, s, (size_t)(dash - s));
	{
		const char *q = dash + 1;
		long pid = 0;
		while (q < task_end && *q >= '0' && *q <= '9' && pid <= INT32_MAX)
			pid = pid * 10 + (*q++ - '0');
		if (q != task_end || q == dash + 1 || pid > INT32_MAX)
			return af_err(-EINVAL, "trace line: bad pid");
		ev->pid = (int)pid;
	}
	p = skip_space(close + 1);
	/* irq-info column: a token before the timestamp that is no number */
	if (irq5(p, end) && !is_digit(*p)) {
		memcpy(ev->irqflags, p, 5);
		p = skip_space(p + 5);
	} else if (*p && (*p < '0' || *p > '9')) {
		/* NUL, tab, space and colon end it */
		static const uint32_t stop[8] = { 1u | 1u << '\t', 1u << (' ' - 32) | 1u << (':' - 32) };
		size_t k = 0;
		while (k < sizeof(ev->irqflags) && !(stop[(unsigned char)p[k] >> 5] >> ((unsigned char)p[k] & 31) & 1))
			k++;
		if (!k || k >= sizeof(ev->irqflags) || p[k] == ':')
			return af_err(-EINVAL, "trace line: bad irq-info column");
		memcpy(ev->irqflags, p, k);
		p = skip_space(p + k);
	}
timestamp:
	if (*p < '0' || *p > '9')
		return af_err(-EINVAL, "trace line: no timestamp");
	while (*p >= '0' && *p <= '9')
		secs = secs * 10 + (uint64_t)(*p++ - '0');
	if (*p++ != '.')
		return af_err(-EINVAL, "trace line: timestamp has no fraction");
	/* microseconds, as tracefs prints them: six digits and the colon */
	if (end - p >= 7 && p[6] == ':' && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
	    is_digit(p[3]) && is_digit(p[4]) && is_digit(p[5])) {
		frac = (uint64_t)(p[0] - '0') * 100000 + (uint64_t)(p[1] - '0') * 10000 +
		       (uint64_t)(p[2] - '0') * 1000 + (uint64_t)(p[3] - '0') * 100 + (uint64_t)(p[4] - '0') * 10 +
		       (uint64_t)(p[5] - '0');
		digits = 6;
		p += 6;
	}
	while (*p >= '0' && *p <= '9') {
		if (digits < 9) {
			frac = frac * 10 + (uint64_t)(*p - '0');
			digits++;
		}
		p++;
	}
	if (*p++ != ':' || !digits)
		return af_err(-EINVAL, "trace line: bad timestamp");
	while (digits++ < 9)
		frac *= 10;
	ev->ts_ns = secs * 1000000000ULL + frac;
	p = skip_space(p);
	{	/* most lines: "EVENT:" of a known event, found with the colon */
		const char *colon = strchr(p, ':');
		ev->type = colon && colon - p < (long)name_max ? type_by_name(p, (size_t)(colon - p)) : AF_EV_NONE;
		if (ev->type != AF_EV_NONE) {
			nlen = (size_t)(colon - p);
			goto fields;
		}
	}
	for (nlen = 0; is_ident(p[nlen]); nlen++)
		;
	if (p[nlen] == ':' && is_ident(p[nlen + 1])) {	/* "kmem:mm_page_alloc:" */
		p += nlen + 1;
		for (nlen = 0; is_ident(p[nlen]); nlen++)
			;
	}
	if (!nlen || nlen >= name_max || p[nlen] != ':')
		return af_err(-EINVAL, "trace line: no event name");
	if ((ev->type = type_by_name(p, nlen)) == AF_EV_NONE)
		return -ENOENT;
fields:
	if (parse_fields(skip_space(p + nlen + 1), end, ev)) {
		ev->type = AF_EV_NONE;
		return af_err(-EINVAL, "trace line: %.*s: fields not in the kernel's format", (int)nlen, p);
	}
	return 0;
}
