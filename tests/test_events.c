/*
 * test_events.c - tracepoints as data: every event the model emits reaches
 * the event sink as a struct af_event; its text rendering is the line the
 * text sink gets; the text parses back to the same struct and renders to the
 * same line; its JSON rendering parses and carries the text's values; two
 * machines' sinks never see each other's events.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include "helpers.h"
#include "compaction.h"

/* What a sink pair saw: the structs (event sink) and the lines (text sink) */
struct rec {
	struct af_event *ev;
	char **line;
	size_t nev, nline, cap_ev, cap_line;
};

static void keep_event(void *arg, const struct af_event *ev)
{
	struct rec *r = arg;

	if (r->nev == r->cap_ev) {
		r->cap_ev = r->cap_ev ? 2 * r->cap_ev : 1024;
		r->ev = realloc(r->ev, r->cap_ev * sizeof(*r->ev));
		assert_non_null(r->ev);
	}
	r->ev[r->nev++] = *ev;
}

static void keep_line(void *arg, const char *line)
{
	struct rec *r = arg;

	if (r->nline == r->cap_line) {
		r->cap_line = r->cap_line ? 2 * r->cap_line : 1024;
		r->line = realloc(r->line, r->cap_line * sizeof(*r->line));
		assert_non_null(r->line);
	}
	r->line[r->nline] = strdup(line);
	assert_non_null(r->line[r->nline]);
	r->nline++;
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->nline; i++)
		free(r->line[i]);
	free(r->line);
	free(r->ev);
	memset(r, 0, sizeof(*r));
}

/* The event types the model emits (the parser knows three more) */
static const enum af_event_type emitted[] = {
	AF_EV_MM_PAGE_ALLOC, AF_EV_MM_PAGE_FREE, AF_EV_MM_PAGE_ALLOC_ZONE_LOCKED, AF_EV_MM_PAGE_PCPU_DRAIN,
	AF_EV_MM_PAGE_ALLOC_EXTFRAG, AF_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES,
	AF_EV_MM_COMPACTION_ISOLATE_FREEPAGES, AF_EV_MM_COMPACTION_MIGRATEPAGES, AF_EV_MM_COMPACTION_BEGIN,
	AF_EV_MM_COMPACTION_END, AF_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES, AF_EV_MM_COMPACTION_FINISHED,
	AF_EV_MM_COMPACTION_SUITABLE, AF_EV_MM_COMPACTION_DEFERRED, AF_EV_MM_COMPACTION_DEFER_COMPACTION,
	AF_EV_MM_COMPACTION_WAKEUP_KCOMPACTD, AF_EV_MM_COMPACTION_KCOMPACTD_WAKE, AF_EV_MM_MIGRATE_PAGES,
	AF_EV_MM_MIGRATE_PAGES_START, AF_EV_MM_VMSCAN_WAKEUP_KSWAPD,
};

/*
 * A run that reaches every tracepoint: fault two processes' pages
 * alternately until memory runs out and let one exit (allocation, pcp
 * refill and drain, frees), take unmovable pages from movable blocks
 * (fallback), fail an order-9 request that may not reclaim (kswapd, then
 * kcompactd), compact directly for an order-9 request, migrate pages on
 * request, compact every zone, and finally pin every page so that direct
 * direct compaction fails and is deferred.
 */
static void exercise(struct af_machine *m)
{
	unsigned long managed = af_machine_managed_pages(m);
	struct af_alloc_result r;
	uint64_t va, vb, pfns[64], unmov[256], huge[520];
	int a, b, n = 0, nunmov = 0, nhuge = 0;

	assert_int_equal(af_proc_create(m, &a), 0);
	assert_int_equal(af_proc_create(m, &b), 0);
	assert_int_equal(af_mmap_anon(m, a, managed, 0, &va), 0);
	assert_int_equal(af_mmap_anon(m, b, managed, 0, &vb), 0);
	for (uint64_t i = 0; i < managed; i++) {
		af_clock_advance(m, 1000);
		if (af_mem_write(m, a, 0, va + i) || af_mem_write(m, b, 1, vb + i))
			break;
	}
	assert_int_equal(af_proc_exit(m, b), 0);
	af_drain_all(m);
	CHECK(m);

	/* unmovable order-0 requests now fall back to movable blocks */
	for (int i = 0; i < 256; i++)
		if (af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &r) == 0)
			unmov[nunmov++] = r.pfn;
	CHECK(m);

	/* no direct reclaim: fails, wakes kswapd, whose turn wakes kcompactd */
	af_run_daemons(m);
	while (nhuge < 512 && af_alloc_pages(m, 0, AF_GFP_NOWAIT | AF___GFP_MOVABLE, 9, -1, &r) == 0)
		huge[nhuge++] = r.pfn;
	assert_true(nhuge < 512);
	af_clock_advance(m, 1000000);
	af_run_daemons(m);
	CHECK(m);

	/* direct compaction for a costly request */
	if (af_alloc_pages(m, 1, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | AF___GFP_RETRY_MAYFAIL, 9, -1, &r) == 0)
		assert_int_equal(af_free_pages(m, 1, r.pfn, 9), 0);
	CHECK(m);

	/* migration on request */
	for (uint64_t i = 0; i < managed && n < 64; i += 97) {
		uint64_t pfn;
		if (af_vpn_to_pfn(m, a, va + i, &pfn) == 0)
			pfns[n++] = pfn;
	}
	assert_true(n > 0);
	assert_true(af_migrate_pfns(m, pfns, n, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, NULL) >= 0);
	CHECK(m);

	/* /proc/sys/vm/compact_memory */
	assert_int_equal(af_compact_memory(m), 0);
	CHECK(m);

	/*
	 * Pin every page left: take the free order-9 blocks compaction made,
	 * then a request must compact, fails on the pinned pages at sync
	 * priority (defer_compaction) and the next one is deferred.
	 */
	for (uint64_t i = 0; i < managed; i++) {
		uint64_t pfn;
		if (af_vpn_to_pfn(m, a, va + i, &pfn) == 0)
			assert_int_equal(af_page_pin(m, pfn), 0);
	}
	while (nhuge < 512 && af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP |
					     AF___GFP_RETRY_MAYFAIL, 9, -1, &r) == 0)
		huge[nhuge++] = r.pfn;
	for (int i = 0; i < 4; i++)
		if (af_alloc_pages(m, 0, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP | AF___GFP_RETRY_MAYFAIL, 9, -1,
				   &r) == 0)
			huge[nhuge++] = r.pfn;
	CHECK(m);
	for (int i = 0; i < nhuge; i++)
		assert_int_equal(af_free_pages(m, 0, huge[i], 9), 0);
	for (uint64_t i = 0; i < managed; i++) {
		uint64_t pfn;
		if (af_vpn_to_pfn(m, a, va + i, &pfn) == 0)
			assert_int_equal(af_page_unpin(m, pfn), 0);
	}
	for (int i = 0; i < nunmov; i++)
		assert_int_equal(af_free_pages(m, 0, unmov[i], 0), 0);
	CHECK(m);
}

static const char conf[] = "mem = 256M\ncpus = 2\ntransparent_hugepage = never\n";

static void count_types(const struct rec *r, size_t *count)
{
	memset(count, 0, AF_EV_NR * sizeof(*count));
	for (size_t i = 0; i < r->nev; i++) {
		assert_true(r->ev[i].type > AF_EV_NONE && r->ev[i].type < AF_EV_NR);
		count[r->ev[i].type]++;
	}
}

/* Every event type the model emits shows up; the text sink sees the same stream */
static void test_every_event(void **st)
{
	struct af_machine *m = machine_from(conf);
	struct rec r = { 0 };
	size_t count[AF_EV_NR];
	char buf[1024];

	(void)st;
	CHECK(m);
	af_set_event_sink(m, keep_event, &r);
	af_set_trace(m, keep_line, &r);
	exercise(m);
	count_types(&r, count);
	for (size_t i = 0; i < ARRAY_SIZE(emitted); i++)
		if (!count[emitted[i]])
			fail_msg("no %s event in the run", af_event_name(emitted[i]));
	/* the text sink is the text rendering of the event sink's stream */
	assert_int_equal(r.nev, r.nline);
	for (size_t i = 0; i < r.nev; i++) {
		assert_true(af_event_format_text(&r.ev[i], buf, sizeof(buf)) < (int)sizeof(buf));
		assert_string_equal(buf, r.line[i]);
	}
	/* sinks off: nothing more arrives */
	af_set_event_sink(m, NULL, NULL);
	af_set_trace(m, NULL, NULL);
	{
		size_t nev = r.nev;
		struct af_alloc_result ar;
		assert_int_equal(af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, -1, &ar), 0);
		assert_int_equal(af_free_pages(m, 0, ar.pfn, 0), 0);
		assert_int_equal(r.nev, nev);
	}
	CHECK(m);
	rec_free(&r);
	af_machine_destroy(m);
}

/* The struct a line parses to, against the emitted one: the text carries µs and no zid */
static struct af_event as_printed(const struct af_event *ev)
{
	struct af_event e = *ev;

	e.ts_ns = ev->ts_ns / 1000 * 1000;
	if (e.type == AF_EV_MM_VMSCAN_WAKEUP_KSWAPD)
		e.vmscan_wakeup_kswapd.zid = -1;
	return e;
}

/* text -> parse -> text is the identity, and the parse recovers every field */
static void test_text_parse_identity(void **st)
{
	struct af_machine *m = machine_from(conf);
	struct rec r = { 0 };
	char again[1024], j0[2048], j1[2048];

	(void)st;
	af_set_event_sink(m, keep_event, &r);
	af_set_trace(m, keep_line, &r);
	exercise(m);
	assert_true(r.nline > 1000);
	for (size_t i = 0; i < r.nline; i++) {
		struct af_event p, want = as_printed(&r.ev[i]);
		int rc = af_event_parse(r.line[i], &p);
		if (rc)
			fail_msg("line %zu does not parse (%d): %s", i, rc, r.line[i]);
		assert_int_equal(af_event_format_text(&p, again, sizeof(again)), (int)strlen(r.line[i]));
		assert_string_equal(again, r.line[i]);
		af_event_format_json(&p, j0, sizeof(j0));
		af_event_format_json(&want, j1, sizeof(j1));
		assert_string_equal(j0, j1);
	}
	CHECK(m);
	rec_free(&r);
	af_machine_destroy(m);
}

/* The JSON key a text label's value is found under */
static const char *json_key(enum af_event_type t, const char *label)
{
	static const struct { const char *label, *key; } renamed[] = {
		{ "node", "nid" }, { "zone", "idx" }, { "consider", "considered" },
		{ "classzone_idx", "highest_zoneidx" }, { "priority", "prio" },
		{ "nr_thp_succeeded", "thp_succeeded" }, { "nr_thp_failed", "thp_failed" },
		{ "nr_thp_split", "thp_split" }, { "nr_succeeded", "succeeded" },
	};

	if (t == AF_EV_MM_MIGRATE_PAGES && !strcmp(label, "nr_failed"))
		return "failed";
	for (size_t i = 0; i < ARRAY_SIZE(renamed); i++)
		if (!strcmp(label, renamed[i].label))
			return renamed[i].key;
	return label;
}

static long long json_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("JSON key %s is not an integer", key);
	return json_integer_value(v);
}

/* One "label=value" of the text against the JSON object */
static void check_field(json_t *o, enum af_event_type t, const char *label, const char *val, int *used)
{
	const char *key = json_key(t, label);
	json_t *v;
	char *end;

	if (!strcmp(label, "range")) {		/* (0xSTART ~ 0xEND) */
		unsigned long long s, e;
		assert_int_equal(sscanf(val, "(%llx ~ %llx)", &s, &e), 2);
		assert_true((unsigned long long)json_int(o, "start_pfn") == s);
		assert_true((unsigned long long)json_int(o, "end_pfn") == e);
		*used += 2;
		return;
	}
	if (!strcmp(label, "limit")) {
		assert_true(strtoull(val, NULL, 10) == 1ULL << json_int(o, "defer_shift"));
		(*used)++;
		return;
	}
	if (!strcmp(label, "fragmenting")) {
		assert_int_equal(atoi(val), json_int(o, "fallback_order") < json_int(o, "pageblock_order"));
		return;
	}
	if (!strcmp(label, "mode") && (t == AF_EV_MM_COMPACTION_BEGIN || t == AF_EV_MM_COMPACTION_END)) {
		assert_int_equal(json_is_true(json_object_get(o, "sync")), !strcmp(val, "sync"));
		(*used)++;
		return;
	}
	v = json_object_get(o, key);
	if (!v)
		fail_msg("%s: text field %s has no JSON key %s", af_event_name(t), label, key);
	(*used)++;
	if (!strcmp(label, "page") || !strcmp(label, "pfn")) {
		unsigned long long x = strtoull(val, NULL, 16);
		if (json_is_null(v))
			assert_true(x == 0);
		else if (json_is_string(v))
			assert_true(strtoull(json_string_value(v), NULL, 16) == x);
		else
			assert_true((unsigned long long)json_integer_value(v) == x);
		return;
	}
	if (json_is_string(v)) {
		assert_string_equal(json_string_value(v), val);
		return;
	}
	assert_true(json_is_integer(v));
	long long x = strtoll(val, &end, 0);
	assert_true(*end == '\0');
	assert_true(json_integer_value(v) == x);
}

/* JSON lines parse, and carry the values the text line prints, by the kernel's field names */
static void test_json_lines(void **st)
{
	struct af_machine *m = machine_from(conf);
	struct rec r = { 0 };
	char json[2048];

	(void)st;
	af_set_event_sink(m, keep_event, &r);
	af_set_trace(m, keep_line, &r);
	exercise(m);
	for (size_t i = 0; i < r.nev; i++) {
		const struct af_event *e = &r.ev[i];
		json_error_t err;
		json_t *o;
		int len = af_event_format_json(e, json, sizeof(json)), used = 0, keys;
		char body[1024], *sp, *tok;

		assert_true(len > 0 && len < (int)sizeof(json));
		assert_null(strchr(json, '\n'));
		o = json_loads(json, 0, &err);
		if (!o)
			fail_msg("JSON line %zu: %s: %s", i, err.text, json);
		assert_string_equal(json_string_value(json_object_get(o, "event")), af_event_name(e->type));
		assert_string_equal(json_string_value(json_object_get(o, "system")), af_event_system(e->type));
		assert_true((uint64_t)json_int(o, "ts_ns") == e->ts_ns);
		assert_int_equal(json_int(o, "cpu"), e->cpu);
		assert_int_equal(json_int(o, "pid"), e->pid);
		assert_string_equal(json_string_value(json_object_get(o, "comm")), "antifrag");
		/* the text's fields, one by one */
		snprintf(body, sizeof(body), "%s", strstr(r.line[i], af_event_name(e->type)) +
			 strlen(af_event_name(e->type)) + 2);
		for (char *p = body; (p = strstr(p, " ~ ")); )	/* keep "range=(a ~ b)" one token */
			memcpy(p, "~~~", 3);
		for (tok = strtok_r(body, " ", &sp); tok; tok = strtok_r(NULL, " ", &sp)) {
			char *eq = strchr(tok, '='), *c;
			if (!eq)
				fail_msg("token '%s' of %s", tok, r.line[i]);
			*eq = '\0';
			if ((c = strchr(eq + 1, ',')) && c[1] == '\0')
				*c = '\0';
			for (char *p = eq + 1; (p = strstr(p, "~~~")); )
				memcpy(p, " ~ ", 3);
			check_field(o, e->type, tok, eq + 1, &used);
		}
		/* and nothing in the JSON the text does not print, except zid */
		keys = (int)json_object_size(o) - 7;
		if (e->type == AF_EV_MM_VMSCAN_WAKEUP_KSWAPD)
			keys--;
		if (used != keys)
			fail_msg("%s: %d JSON fields, %d text fields: %s", af_event_name(e->type), keys, used, json);
		json_decref(o);
	}
	CHECK(m);
	rec_free(&r);
	af_machine_destroy(m);
}

/* Lines as a real kernel writes them: other columns, hashed pointers, events the model lacks */
static void test_parse_kernel_lines(void **st)
{
	struct af_event e;
	char out[1024];

	(void)st;
	/* ftrace `trace` with the irq-info column and a hashed page pointer */
	assert_int_equal(af_event_parse("     kworker/0:1-42      [003] d..2.  1234.567890: mm_page_alloc: "
					"page=00000000c0ffee12 pfn=0x1a2b3 order=2 migratetype=1 "
					"gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP", &e), 0);
	assert_int_equal(e.type, AF_EV_MM_PAGE_ALLOC);
	assert_string_equal(e.comm, "kworker/0:1");
	assert_int_equal(e.pid, 42);
	assert_int_equal(e.cpu, 3);
	assert_string_equal(e.irqflags, "d..2.");
	assert_true(e.ts_ns == 1234567890000ULL);
	assert_true(e.page_alloc.page == 0xc0ffee12ULL);
	assert_true(e.page_alloc.pfn == 0x1a2b3);
	assert_int_equal(e.page_alloc.order, 2);
	assert_int_equal(e.page_alloc.migratetype, 1);
	assert_int_equal(e.page_alloc.gfp_flags, AF_GFP_HIGHUSER_MOVABLE | AF___GFP_COMP);
	af_event_format_text(&e, out, sizeof(out));
	assert_string_equal(out, "     kworker/0:1-42      [003] d..2.  1234.567890: mm_page_alloc: "
			    "page=00000000c0ffee12 pfn=0x1a2b3 order=2 migratetype=1 "
			    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP");
	/* no irq-info column; a comm with a space and a dash; a failed allocation */
	assert_int_equal(af_event_parse("   Web Content-3141    [001]   17.000001: mm_page_alloc: "
					"page=0000000000000000 pfn=0x0 order=9 migratetype=1 gfp_flags=none", &e), 0);
	assert_string_equal(e.comm, "Web Content");
	assert_int_equal(e.pid, 3141);
	assert_string_equal(e.irqflags, "");
	assert_true(e.page_alloc.pfn == UINT64_MAX);
	assert_int_equal(e.page_alloc.gfp_flags, 0);
	af_event_format_text(&e, out, sizeof(out));
	assert_string_equal(out, "     Web Content-3141    [001]    17.000001: mm_page_alloc: "
			    "page=0000000000000000 pfn=0x0 order=9 migratetype=1 gfp_flags=none");
	/* trace-cmd report: nanoseconds, 0x pointers, padded event names */
	assert_int_equal(af_event_parse("          <idle>-0     [002]   100.123456789: mm_page_free:         "
					"page=0xffffea0000100000 pfn=0x4000 order=0", &e), 0);
	assert_int_equal(e.type, AF_EV_MM_PAGE_FREE);
	assert_string_equal(e.comm, "<idle>");
	assert_true(e.ts_ns == 100123456789ULL);
	assert_true(e.page_free.page == 0xffffea0000100000ULL);
	/*
	 * a pointer printed before the kernel's hashing key is ready (Debian's
	 * 6.1 early after boot, as in the committed fixtures): the model's
	 * vmemmap address of the pfn stands in for it
	 */
	assert_int_equal(af_event_parse("              sh-101     [000] .....     2.819957: mm_page_alloc: "
					"page=(____ptrval____) pfn=0x1fea0 order=1 migratetype=0 "
					"gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO", &e), 0);
	assert_true(e.page_alloc.pfn == 0x1fea0);
	assert_true(e.page_alloc.page == 0xffffea0000000000ULL + 0x1fea0ULL * 64);
	assert_int_equal(e.page_alloc.order, 1);
	assert_int_equal(af_event_parse("              sh-101     [000] .....     2.819957: mm_page_pcpu_drain: "
					"page=(____ptrval____) pfn=0x2a order=0 migratetype=1", &e), 0);
	assert_true(e.page_pcpu_drain.page == 0xffffea0000000000ULL + 0x2aULL * 64);
	/*
	 * tracefs's columns where they stand (read without a search): a comm
	 * with a dash and a space, flags of an irq, a 7-digit pid; and the
	 * same columns one off, which the general reading takes
	 */
	assert_int_equal(af_event_parse("           a-b c-7654321 [012] d.h1.    12.000001: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1 order=0", &e), 0);
	assert_string_equal(e.comm, "a-b c");
	assert_int_equal(e.pid, 7654321);
	assert_int_equal(e.cpu, 12);
	assert_string_equal(e.irqflags, "d.h1.");
	assert_true(e.ts_ns == 12000001000ULL);
	assert_int_equal(af_event_parse("          a-b c-76543210 [012] d.h1.    12.000001: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1 order=0", &e), 0);
	assert_string_equal(e.comm, "a-b c");
	assert_int_equal(e.pid, 76543210);
	assert_int_equal(af_event_parse("           a-b c-76  [012] d.h1    12.000001: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1 order=0", &e), 0);
	assert_string_equal(e.irqflags, "d.h1");
	assert_true(e.ts_ns == 12000001000ULL);
	/* a comm of 16 characters is longer than the kernel's: refused either way */
	assert_int_equal(af_event_parse("0123456789abcdef-1      [000] .....     1.000000: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1 order=0", &e), -EINVAL);
	/* page values of 16 digits are read eight at a time; 17 the general reading takes */
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free: "
					"page=FFFFEA0000ABCDEF pfn=0x1 order=0", &e), 0);
	assert_true(e.page_free.page == 0xffffea0000abcdefULL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free: "
					"page=0ffffea0000abcdef pfn=0x1 order=0", &e), 0);
	assert_true(e.page_free.page == 0xffffea0000abcdefULL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free: "
					"page=ea00a0b1 pfn=0x1 order=0", &e), 0);
	assert_true(e.page_free.page == 0xea00a0b1ULL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free: "
					"page=ea00a0b1g pfn=0x1 order=0", &e), -EINVAL);
	/* the tgid column, and a system prefix as perf script prints it */
	assert_int_equal(af_event_parse("     kcompactd0-35      (     35) [000] .....    5.000000: "
					"compaction:mm_compaction_kcompactd_sleep: nid=0", &e), 0);
	assert_int_equal(e.type, AF_EV_MM_COMPACTION_KCOMPACTD_SLEEP);
	assert_string_equal(e.comm, "kcompactd0");
	assert_int_equal(e.pid, 35);
	/* events of the kernel's classes the model does not emit */
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_compaction_defer_reset: "
					"node=0 zone=Normal   order=9 order_failed=10 consider=0 limit=1", &e), 0);
	assert_int_equal(e.type, AF_EV_MM_COMPACTION_DEFER_RESET);
	assert_int_equal(e.compaction_defer.idx, ZONE_NORMAL);
	assert_int_equal(e.compaction_defer.defer_shift, 0);
	assert_int_equal(e.compaction_defer.order_failed, 10);
	af_event_format_text(&e, out, sizeof(out));
	assert_string_equal(out, "            bash-7       [000] .....     1.000000: mm_compaction_defer_reset: "
			    "node=0 zone=Normal   order=9 order_failed=10 consider=0 limit=1");
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free_batched: "
					"page=ffffea0000000040 pfn=0x1 order=0", &e), 0);
	assert_int_equal(e.type, AF_EV_MM_PAGE_FREE_BATCHED);
	assert_true(e.page_free.pfn == 1);
	/* a symbol with no name prints as hex and parses back */
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_compaction_end: "
					"zone_start=0x1000 migrate_pfn=0x2000 free_pfn=0x3000 zone_end=0x4000, "
					"mode=sync status=0x9", &e), 0);
	assert_int_equal(e.compaction_begin_end.status, 9);
	assert_true(e.compaction_begin_end.sync);
	/* not ours, comments, malformed */
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: sched_switch: "
					"prev_comm=bash", &e), -ENOENT);
	assert_int_equal(af_event_parse("# tracer: nop", &e), -ENOENT);
	assert_int_equal(af_event_parse("", &e), -ENOENT);
	assert_int_equal(af_event_parse("garbage", &e), -EINVAL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1", &e), -EINVAL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1 order=0 extra=1", &e), -EINVAL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_migrate_pages_start: "
					"mode=MIGRATE_SOMETIMES reason=compaction", &e), -EINVAL);
	assert_int_equal(af_event_parse("            bash-7       [000] .....     1.000000: mm_compaction_deferred: "
					"node=0 zone=Normal   order=9 order_failed=9 consider=1 limit=3", &e), -EINVAL);
	/* names both ways */
	for (int t = AF_EV_NONE + 1; t < AF_EV_NR; t++)
		assert_int_equal(af_event_type_by_name(af_event_name((enum af_event_type)t)), t);
	assert_null(af_event_name(AF_EV_NONE));
	assert_int_equal(af_event_type_by_name("mm_page_alloc_bulk"), AF_EV_NONE);
}

/* Renderers report the length they need, as snprintf does */
static void test_truncation(void **st)
{
	struct af_event e;
	char small[20], full[1024];
	int need;

	(void)st;
	assert_int_equal(af_event_parse("        antifrag-1000    [000] .....     0.000001: mm_page_free: "
					"page=ffffea0000000040 pfn=0x1 order=0", &e), 0);
	need = af_event_format_text(&e, full, sizeof(full));
	assert_int_equal(af_event_format_text(&e, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	need = af_event_format_json(&e, full, sizeof(full));
	assert_int_equal(af_event_format_json(&e, small, sizeof(small)), need);
	assert_int_equal(af_event_format_json(&e, NULL, 0), need);
	e.type = AF_EV_NR;
	assert_int_equal(af_event_format_text(&e, full, sizeof(full)), -EINVAL);
	assert_int_equal(af_event_format_json(&e, full, sizeof(full)), -EINVAL);
}

/* Two machines in one process: each sink sees only its own machine's events */
static void test_sinks_per_machine(void **st)
{
	struct af_machine *m1 = machine_from("mem = 128M\ncpus = 1\n");
	struct af_machine *m2 = machine_from("mem = 128M\ncpus = 2\n");
	struct rec r1 = { 0 }, r2 = { 0 }, t2 = { 0 };
	struct af_alloc_result ar;
	uint64_t p1[50], p2[30];

	(void)st;
	af_set_event_sink(m1, keep_event, &r1);
	af_set_event_sink(m2, keep_event, &r2);
	af_set_trace(m2, keep_line, &t2);		/* text on one machine only */
	for (int i = 0; i < 50; i++) {
		assert_int_equal(af_alloc_pages(m1, 0, AF_GFP_KERNEL, 0, -1, &ar), 0);
		p1[i] = ar.pfn;
		if (i < 30) {
			assert_int_equal(af_alloc_pages(m2, 1, AF_GFP_HIGHUSER_MOVABLE, 3, -1, &ar), 0);
			p2[i] = ar.pfn;
		}
	}
	CHECK(m1);
	CHECK(m2);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(af_free_pages(m1, 0, p1[i], 0), 0);
		if (i < 30)
			assert_int_equal(af_free_pages(m2, 1, p2[i], 3), 0);
	}
	CHECK(m1);
	CHECK(m2);
	size_t a1 = 0, a2 = 0, f1 = 0, f2 = 0;
	for (size_t i = 0; i < r1.nev; i++) {
		assert_int_equal(r1.ev[i].cpu, 0);
		if (r1.ev[i].type == AF_EV_MM_PAGE_ALLOC) {
			assert_int_equal(r1.ev[i].page_alloc.order, 0);
			a1++;
		}
		f1 += r1.ev[i].type == AF_EV_MM_PAGE_FREE;
	}
	for (size_t i = 0; i < r2.nev; i++) {
		assert_int_equal(r2.ev[i].cpu, 1);
		if (r2.ev[i].type == AF_EV_MM_PAGE_ALLOC) {
			assert_int_equal(r2.ev[i].page_alloc.order, 3);
			a2++;
		}
		f2 += r2.ev[i].type == AF_EV_MM_PAGE_FREE;
	}
	assert_int_equal(a1, 50);
	assert_int_equal(f1, 50);
	assert_int_equal(a2, 30);
	assert_int_equal(f2, 30);
	assert_int_equal(r1.nline, 0);
	assert_int_equal(r2.nline, 0);
	assert_int_equal(t2.nev, 0);
	assert_int_equal(t2.nline, r2.nev);
	rec_free(&r1);
	rec_free(&r2);
	rec_free(&t2);
	af_machine_destroy(m1);
	af_machine_destroy(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event),
		cmocka_unit_test(test_text_parse_identity),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_parse_kernel_lines),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_sinks_per_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
