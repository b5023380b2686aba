/*
 * tracedat.c - trace.dat records as struct af_event, through libtracecmd.
 *
 * The kmem events the replay follows (the bulk of a trace) are read field
 * by field from the record, by the names of their 6.1 TP_STRUCT__entry;
 * every other event is printed by libtraceevent from the format the file
 * carries and parsed as a text line (af_event_parse), as `trace-cmd
 * report` would show it.  The per-CPU streams are merged by timestamp,
 * the lower CPU first on a tie, as tracefs's `trace` file merges them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trace-cmd.h>

#include "tracedat.h"

#define TRACEDAT_MAGIC "\027\010\104tracing"
#define VMEMMAP_BASE 0xffffea0000000000ull	/* x86-64, as the model prints pages */

enum { F_PFN, F_ORDER, F_GFP, F_MT, F_REFILL, F_AORDER, F_FORDER, F_AMT, F_FMT, F_CHANGE, F_NR };
static const char *const field_names[F_NR] = {
	"pfn", "order", "gfp_flags", "migratetype", "percpu_refill",
	"alloc_order", "fallback_order", "alloc_migratetype", "fallback_migratetype", "change_ownership",
};

/* the kmem events read by field */
static const struct { const char *name; enum af_event_type type; } kmem_events[] = {
	{ "mm_page_alloc", AF_EV_MM_PAGE_ALLOC },
	{ "mm_page_free", AF_EV_MM_PAGE_FREE },
	{ "mm_page_free_batched", AF_EV_MM_PAGE_FREE_BATCHED },
	{ "mm_page_alloc_zone_locked", AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED },
	{ "mm_page_pcpu_drain", AF_EV_MM_PAGE_PCPU_DRAIN },
	{ "mm_page_alloc_extfrag", AF_EV_MM_PAGE_ALLOC_EXTFRAG },
};
#define NR_KMEM (sizeof(kmem_events) / sizeof(kmem_events[0]))

struct kmem_format {
	int id;				/* the event's id in this file, -1 if absent */
	enum af_event_type type;
	struct tep_format_field *f[F_NR];
};

struct af_tracedat {
	struct tracecmd_input *top, *in;	/* in: the buffer read (top or an instance) */
	struct tep_handle *tep;
	int ncpu;
	struct tep_record **head;		/* per CPU: its next record, or NULL */
	struct kmem_format kmem[NR_KMEM];
	struct trace_seq seq;
	struct tep_record *lost_before;		/* a record whose dropped events are reported first */
};

bool af_tracedat_is(const char *path)
{
	char magic[sizeof(TRACEDAT_MAGIC) - 1];
	FILE *f = fopen(path, "rb");
	bool is;

	if (!f)
		return false;
	is = fread(magic, 1, sizeof(magic), f) == sizeof(magic) && !memcmp(magic, TRACEDAT_MAGIC, sizeof(magic));
	fclose(f);
	return is;
}

/* Whether the buffer has a record on any CPU (libtracecmd reads the first ones) */
static bool has_records(struct tracecmd_input *in, int ncpu)
{
	for (int c = 0; c < ncpu; c++) {
		struct tep_record *r = tracecmd_read_cpu_first(in, c);
		if (r) {
			tracecmd_free_record(r);
			return true;
		}
	}
	return false;
}

struct af_tracedat *af_tracedat_open(const char *path, char *err, size_t len)
{
	struct af_tracedat *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	tracecmd_set_loglevel(TEP_LOG_NONE);
	t->top = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!t->top) {
		snprintf(err, len, "not a trace.dat libtracecmd can read");
		free(t);
		return NULL;
	}
	t->in = t->top;
	t->tep = tracecmd_get_tep(t->top);
	t->ncpu = tep_get_cpus(t->tep);
	if (t->ncpu <= 0 || t->ncpu > 4096) {
		snprintf(err, len, "trace.dat: %d CPUs", t->ncpu);
		goto fail;
	}
	if (!has_records(t->top, t->ncpu) && tracecmd_buffer_instances(t->top) > 0) {
		t->in = tracecmd_buffer_instance_handle(t->top, 0);
		if (!t->in) {
			snprintf(err, len, "trace.dat: its buffer instance cannot be read");
			goto fail;
		}
		t->tep = tracecmd_get_tep(t->in);
		t->ncpu = tep_get_cpus(t->tep);
		if (t->ncpu <= 0 || t->ncpu > 4096) {
			snprintf(err, len, "trace.dat: its buffer instance has %d CPUs", t->ncpu);
			goto fail;
		}
	}
	t->head = calloc((size_t)t->ncpu, sizeof(*t->head));
	if (!t->head) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	for (size_t k = 0; k < NR_KMEM; k++) {
		struct tep_event *e = tep_find_event_by_name(t->tep, "kmem", kmem_events[k].name);
		t->kmem[k].id = e ? e->id : -1;
		t->kmem[k].type = kmem_events[k].type;
		for (int f = 0; e && f < F_NR; f++)
			t->kmem[k].f[f] = tep_find_field(e, field_names[f]);
	}
	for (int c = 0; c < t->ncpu; c++)
		t->head[c] = tracecmd_read_cpu_first(t->in, c);
	trace_seq_init(&t->seq);
	return t;
fail:
	if (t->in && t->in != t->top)
		tracecmd_close(t->in);
	tracecmd_close(t->top);
	free(t);
	return NULL;
}

void af_tracedat_close(struct af_tracedat *t)
{
	if (!t)
		return;
	for (int c = 0; c < t->ncpu; c++)
		if (t->head[c])
			tracecmd_free_record(t->head[c]);
	free(t->head);
	trace_seq_destroy(&t->seq);
	if (t->in != t->top)
		tracecmd_close(t->in);
	tracecmd_close(t->top);
	free(t);
}

static bool field(const struct kmem_format *k, int f, const struct tep_record *r, unsigned long long *v)
{
	return k->f[f] && !tep_read_number_field(k->f[f], r->data, v);
}

/* A kmem record into *ev: 0, or -EINVAL when a field the event needs is missing */
static int read_kmem(const struct kmem_format *k, const struct tep_record *r, struct af_event *ev)
{
	unsigned long long v[F_NR] = { 0 };
	uint64_t pfn;

	if (!field(k, F_PFN, r, &v[F_PFN]))
		return -EINVAL;
	pfn = v[F_PFN];
	switch (k->type) {
	case AF_EV_MM_PAGE_ALLOC:
		if (!field(k, F_ORDER, r, &v[F_ORDER]) || !field(k, F_GFP, r, &v[F_GFP]) ||
		    !field(k, F_MT, r, &v[F_MT]))
			return -EINVAL;
		if (pfn == UINT32_MAX && k->f[F_PFN]->size == 4)
			pfn = UINT64_MAX;	/* -1UL of a 32-bit kernel */
		ev->page_alloc.pfn = pfn;
		ev->page_alloc.page = pfn == UINT64_MAX ? 0 : VMEMMAP_BASE + pfn * 64;
		ev->page_alloc.order = (unsigned int)v[F_ORDER];
		ev->page_alloc.gfp_flags = (af_gfp_t)(v[F_GFP] & AF___GFP_BITS_MASK);
		ev->page_alloc.migratetype = (int)v[F_MT];
		break;
	case AF_EV_MM_PAGE_FREE:
	case AF_EV_MM_PAGE_FREE_BATCHED:
		if (k->type == AF_EV_MM_PAGE_FREE && !field(k, F_ORDER, r, &v[F_ORDER]))
			return -EINVAL;
		ev->page_free.pfn = pfn;
		ev->page_free.page = VMEMMAP_BASE + pfn * 64;
		ev->page_free.order = (unsigned int)v[F_ORDER];
		break;
	case AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED:
		if (!field(k, F_ORDER, r, &v[F_ORDER]) || !field(k, F_MT, r, &v[F_MT]))
			return -EINVAL;
		field(k, F_REFILL, r, &v[F_REFILL]);	/* 6.1 has it; older kernels did not */
		ev->page.pfn = pfn;
		ev->page.page = VMEMMAP_BASE + pfn * 64;
		ev->page.order = (unsigned int)v[F_ORDER];
		ev->page.migratetype = (int)v[F_MT];
		ev->page.percpu_refill = (int)v[F_REFILL];
		break;
	case AF_EV_MM_PAGE_PCPU_DRAIN:
		if (!field(k, F_ORDER, r, &v[F_ORDER]) || !field(k, F_MT, r, &v[F_MT]))
			return -EINVAL;
		ev->page_pcpu_drain.pfn = pfn;
		ev->page_pcpu_drain.page = VMEMMAP_BASE + pfn * 64;
		ev->page_pcpu_drain.order = (unsigned int)v[F_ORDER];
		ev->page_pcpu_drain.migratetype = (int)v[F_MT];
		break;
	case AF_EV_MM_PAGE_ALLOC_EXTFRAG:
		for (int f = F_AORDER; f <= F_CHANGE; f++)
			if (!field(k, f, r, &v[f]))
				return -EINVAL;
		ev->page_alloc_extfrag.pfn = pfn;
		ev->page_alloc_extfrag.page = VMEMMAP_BASE + pfn * 64;
		ev->page_alloc_extfrag.alloc_order = (int)v[F_AORDER];
		ev->page_alloc_extfrag.fallback_order = (int)v[F_FORDER];
		ev->page_alloc_extfrag.pageblock_order = 9;	/* x86-64 */
		ev->page_alloc_extfrag.alloc_migratetype = (int)v[F_AMT];
		ev->page_alloc_extfrag.fallback_migratetype = (int)v[F_FMT];
		ev->page_alloc_extfrag.change_ownership = (int)v[F_CHANGE];
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Any other event: its line as `trace-cmd report` prints it, parsed */
static enum af_trace_item read_text(struct af_tracedat *t, struct tep_record *r, struct tep_event *e,
				    const char *comm, struct af_event *ev, char *why, size_t len)
{
	char line[1024];
	int ret;

	trace_seq_reset(&t->seq);
	tep_print_event(t->tep, &t->seq, r, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&t->seq);
	snprintf(line, sizeof(line), "%s-%d [%03d] %llu.%06llu: %s: %s", comm, tep_data_pid(t->tep, r), r->cpu,
		 r->ts / 1000000000ull, r->ts % 1000000000ull / 1000, e->name, t->seq.buffer);
	ret = af_event_parse(line, ev);
	if (!ret) {
		ev->ts_ns = r->ts;
		return AF_TRACE_EVENT;
	}
	if (ret == -ENOENT)
		return AF_TRACE_OTHER;
	snprintf(why, len, "%.200s", line);
	return AF_TRACE_MALFORMED;
}

enum af_trace_item af_tracedat_next(void *arg, struct af_event *ev, char *why, size_t len)
{
	struct af_tracedat *t = arg;
	struct tep_record *r;
	struct tep_event *e;
	enum af_trace_item item = AF_TRACE_OTHER;
	const char *comm;
	int c = -1, pid;

	for (int k = 0; k < t->ncpu; k++)
		if (t->head[k] && (c < 0 || t->head[k]->ts < t->head[c]->ts))
			c = k;
	if (c < 0)
		return AF_TRACE_END;
	r = t->head[c];
	if (r->missed_events && t->lost_before != r) {
		t->lost_before = r;	/* the marker now, the record next time */
		return AF_TRACE_LOST;
	}
	t->head[c] = tracecmd_read_data(t->in, c);
	t->lost_before = NULL;
	memset(ev, 0, sizeof(*ev));
	e = tep_find_event_by_record(t->tep, r);
	if (!e) {
		snprintf(why, len, "cpu %d: a record of no event this file describes", c);
		tracecmd_free_record(r);
		return AF_TRACE_MALFORMED;
	}
	pid = tep_data_pid(t->tep, r);
	comm = tep_data_comm_from_pid(t->tep, pid);
	for (size_t k = 0; k < NR_KMEM; k++) {
		if (t->kmem[k].id != e->id)
			continue;
		ev->type = t->kmem[k].type;
		ev->cpu = r->cpu;
		ev->ts_ns = r->ts;
		ev->pid = pid;
		snprintf(ev->comm, sizeof(ev->comm), "%s", comm ? comm : "<...>");
		if (read_kmem(&t->kmem[k], r, ev)) {
			snprintf(why, len, "cpu %d ts %llu: %s lacks a field of 6.1's", c, r->ts, e->name);
			item = AF_TRACE_MALFORMED;
		} else {
			item = AF_TRACE_EVENT;
		}
		tracecmd_free_record(r);
		return item;
	}
	if (af_event_type_by_name(e->name) != AF_EV_NONE) {
		item = read_text(t, r, e, comm ? comm : "<...>", ev, why, len);
	} else if (!strcmp(e->name, "print")) {
		/* a trace_marker write: capture.sh's markers */
		const char *mark;
		trace_seq_reset(&t->seq);
		tep_print_event(t->tep, &t->seq, r, "%s", TEP_PRINT_INFO);
		trace_seq_terminate(&t->seq);
		if ((mark = strstr(t->seq.buffer, AF_TRACE_MARK_PREFIX))) {
			snprintf(why, len, "%s", mark);
			item = AF_TRACE_MARK;
		}
	}
	tracecmd_free_record(r);
	return item;
}
