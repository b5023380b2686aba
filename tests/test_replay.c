/*
 * test_replay - exact replay of kmem traces captured on Debian's 6.1 under
 * qemu (tests/traces): the quiet trace ends with the kernel's end
 * buddyinfo exactly; the trace with compaction is followed to its end with
 * the kernel's unseen moves counted; untidy input is counted and skipped;
 * trace-cmd's trace.dat replays as its text does; capture.sh's markers line
 * the trace up with its snapshots.
 */
#include <errno.h>
#include <unistd.h>

#include "helpers.h"
#include "fixtures.h"
#include "tracedat.h"

/* The fixture's trace replayed on its start state; with its drains' block types if hinted */
static struct af_machine *replayed_hinted(const char *name, struct af_replay_stats *st, bool hinted,
					  struct af_import_report *rep)
{
	char path[512], start[512];
	struct af_block_types bt = { 0 };
	struct af_machine *m;
	FILE *f;

	snprintf(start, sizeof(start), "%s/%s/start", tmp, name);
	snprintf(path, sizeof(path), "%s/%s/trace", tmp, name);
	if (hinted) {
		f = fopen(path, "r");
		assert_non_null(f);
		assert_int_equal(af_trace_block_types_stream(f, 1 << 18, &bt), 0);
		fclose(f);
	}
	if (af_import_state_hinted(start, NULL, hinted ? &bt : NULL, &m, rep))
		fail_msg("import: %s", af_errmsg());
	af_block_types_free(&bt);
	CHECK(m);
	f = fopen(path, "r");
	assert_non_null(f);
	if (af_replay_stream(m, f, rep->driver, st))
		fail_msg("replay: %s", af_errmsg());
	fclose(f);
	CHECK(m);
	return m;
}

static struct af_machine *replayed(const char *name, struct af_replay_stats *st)
{
	char path[512];
	struct af_import_report rep;
	struct af_machine *m;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/start", tmp, name);
	if (af_import_state(path, NULL, &m, &rep))
		fail_msg("import: %s", af_errmsg());
	CHECK(m);
	snprintf(path, sizeof(path), "%s/%s/trace", tmp, name);
	f = fopen(path, "r");
	assert_non_null(f);
	if (af_replay_stream(m, f, rep.driver, st))
		fail_msg("replay: %s", af_errmsg());
	fclose(f);
	CHECK(m);
	return m;
}

/* A zone's row of buddyinfo text ("zone    DMA32" ...) as numbers */
static void row(const char *text, const char *zone, long v[11])
{
	const char *p = strstr(text, zone);
	int k;

	assert_non_null(p);
	p += strlen(zone);
	for (int o = 0; o < 11; o++) {
		assert_int_equal(sscanf(p, "%ld%n", &v[o], &k), 1);
		p += k;
	}
}

/* m's buddyinfo is the one the fixture captured at its end, every zone and order */
static void same_buddyinfo(struct af_machine *m, const char *name)
{
	static const char *const zones[] = { "zone      DMA", "zone    DMA32" };
	char path[512], *end, *mine;
	long a[11], b[11];

	snprintf(path, sizeof(path), "%s/%s/end/buddyinfo", tmp, name);
	end = read_file(path);
	mine = render(m, "/proc/buddyinfo");
	for (int z = 0; z < 2; z++) {
		row(end, zones[z], a);
		row(mine, zones[z], b);
		assert_memory_equal(a, b, sizeof(a));
	}
	free(end);
	free(mine);
}

static void test_replay_quiet_exact(void **st)
{
	struct af_replay_stats s;
	struct af_machine *m = replayed("quiet", &s);

	(void)st;
	assert_true(s.events > 10000);
	assert_int_equal(s.malformed, 0);
	assert_int_equal(s.unfollowed, 0);
	assert_true(s.allocs > 3000 && s.frees > 3000 && s.refills > 3000 && s.drains > 3000);
	/* 6.1's own choice in the model's state is the kernel's nine times in ten */
	assert_true(s.predicted > s.allocs * 9 / 10);
	assert_true(s.mispredicted * 10 < s.predicted);
	assert_true(s.first_divergence_line > 0);
	/* the end: the kernel's buddyinfo, every zone and order */
	same_buddyinfo(m, "quiet");
	af_machine_destroy(m);
}

/* The "Node" rows of m's pagetypeinfo are the fixture's end snapshot's, byte for byte */
static void same_pagetypeinfo(struct af_machine *m, const char *name)
{
	char path[512], *end, *mine, *p, *q;
	int rows = 0;

	snprintf(path, sizeof(path), "%s/%s/end/pagetypeinfo", tmp, name);
	end = read_file(path);
	mine = render(m, "/proc/pagetypeinfo");
	for (p = end, q = mine; p && q; p = strchr(p, '\n'), q = strchr(q, '\n')) {
		while (*p == '\n')
			p++;
		while (*q == '\n')
			q++;
		while (*p && strncmp(p, "Node", 4) && (p = strchr(p, '\n')))
			p++;
		while (q && *q && strncmp(q, "Node", 4) && (q = strchr(q, '\n')))
			q++;
		if (!p || !*p)
			break;
		assert_non_null(q);
		{
			size_t lp = strcspn(p, "\n"), lq = strcspn(q, "\n");
			if (lp != lq || memcmp(p, q, lp))
				fail_msg("pagetypeinfo differs:\n kernel %.*s\n model  %.*s", (int)lp, p, (int)lq, q);
		}
		rows++;
	}
	assert_int_equal(rows, 2 * 5 + 2);	/* two zones: five types each, and their block counts */
	free(end);
	free(mine);
}

/*
 * With the block types the trace's drains show, the quiet trace and the
 * one captured with markers end with the kernel's pagetypeinfo: every free
 * block on the list the kernel had it on, every block of its type.
 */
static void test_replay_pagetypeinfo_exact(void **st)
{
	static const char *const names[] = { "quiet", "small" };

	(void)st;
	for (int i = 0; i < 2; i++) {
		struct af_replay_stats s;
		struct af_import_report rep;
		struct af_machine *m = replayed_hinted(names[i], &s, true, &rep);
		assert_true(rep.blocks_traced > 5);
		assert_int_equal(s.unfollowed, 0);
		same_buddyinfo(m, names[i]);
		same_pagetypeinfo(m, names[i]);
		af_machine_destroy(m);
	}
}

/*
 * The drains' votes: a block takes the type most of its drains name;
 * drains after a fallback claimed the block, of orders past a pageblock,
 * of types no per-CPU list has, or past max_pfn do not count.
 */
static void test_block_types_votes(void **st)
{
	static const char trace[] =
		"# tracer: nop\n"
		"  a-1 [000] ..... 1.000001: mm_page_pcpu_drain: page=0xffffea0000008000 pfn=0x200 order=0 migratetype=0\n"
		"  a-1 [000] ..... 1.000002: mm_page_pcpu_drain: page=0xffffea0000008040 pfn=0x201 order=0 migratetype=2\n"
		"  a-1 [000] ..... 1.000003: mm_page_pcpu_drain: page=0xffffea0000008080 pfn=0x202 order=0 migratetype=2\n"
		"  a-1 [000] ..... 1.000004: mm_page_pcpu_drain: page=0xffffea0000010000 pfn=0x400 order=1 migratetype=1\n"
		"  a-1 [000] ..... 1.000005: mm_page_alloc_extfrag: page=0xffffea0000010000 pfn=0x400 alloc_order=0 "
		"fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 "
		"change_ownership=1\n"
		"  a-1 [000] ..... 1.000006: mm_page_pcpu_drain: page=0xffffea0000010100 pfn=0x404 order=0 migratetype=0\n"
		"  a-1 [000] ..... 1.000007: mm_page_pcpu_drain: page=0xffffea0000010200 pfn=0x408 order=0 migratetype=0\n"
		"  a-1 [000] ..... 1.000008: mm_page_pcpu_drain: page=0xffffea0000018000 pfn=0x600 order=0 migratetype=4\n"
		"  a-1 [000] ..... 1.000009: mm_page_pcpu_drain: page=0xffffea0000020000 pfn=0x800 order=0 migratetype=1\n"
		"  a-1 [000] ..... 1.000010: mm_page_pcpu_drain: page=0xffffea0000020000 pfn=0x800 order=9 migratetype=2\n";
	struct af_block_types bt;
	FILE *f = fmemopen((void *)trace, sizeof(trace) - 1, "r");

	(void)st;
	assert_int_equal(af_trace_block_types_stream(f, 0x800, &bt), 0);
	fclose(f);
	assert_int_equal(bt.nblocks, 4);
	assert_int_equal(bt.mt[0], -1);
	assert_int_equal(bt.mt[1], 2);		/* two Reclaimable drains to one Unmovable */
	assert_int_equal(bt.mt[2], 1);		/* the drains after its claim do not count */
	assert_int_equal(bt.mt[3], -1);		/* HighAtomic is no per-CPU list */
	assert_int_equal(bt.votes, 4);		/* block 4 (pfn 0x800) is past max_pfn */
	assert_int_equal(bt.typed, 2);
	assert_int_equal(bt.split, 1);
	af_block_types_free(&bt);
	/* max_pfn 0: no block is covered */
	f = fmemopen((void *)trace, 10, "r");
	assert_int_equal(af_trace_block_types_stream(f, 0, &bt), 0);
	fclose(f);
	assert_int_equal(bt.nblocks, 0);
	assert_null(bt.mt);
}

/*
 * A machine the replay refuses (threaded: not deterministic) before its
 * first item, with a trace longer than the parse thread's batches: the
 * call returns the refusal and the parser stops, no wait for a reader.
 */
static void test_replay_refused_stops_parser(void **st)
{
	struct af_machine *m = machine_from("mem = 128M\ncpus = 2\nthreaded = 1\n");
	struct af_replay_stats s;
	char path[512];
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/quiet/trace", tmp);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(af_replay_stream(m, f, -1, &s), -EINVAL);
	assert_non_null(strstr(af_errmsg(), "deterministic"));
	assert_int_equal(s.lines, 0);
	fclose(f);
	CHECK(m);
	af_machine_destroy(m);
}

static void test_replay_compaction(void **st)
{
	struct af_replay_stats s;
	struct af_machine *m = replayed("compact", &s);

	(void)st;
	assert_true(s.compaction_migrated > 1000);
	/* the targets compaction took with no kmem event are free in the model
	 * when the kernel frees them: counted and followed */
	assert_true(s.freed_unseen >= s.compaction_migrated / 2);
	assert_true(s.info_events > 0);
	af_machine_destroy(m);
}

/* Lines a real trace can have that are not events to follow */
static void test_replay_untidy(void **st)
{
	struct af_machine *m = machine_from("mem = 512M\ncpus = 2\n");
	struct af_replay_stats s;
	char path[512];
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/untidy", tmp);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# tracer: nop\n"
	      "#\n"
	      "\n"
	      "CPU:1 [LOST 1234 EVENTS]\n"
	      "            bash-7       [000] .....     1.000000: sched_switch: prev_comm=bash\n"
	      "            bash-7       [000] .....     1.000001: mm_page_free: page=ffffea0000000040 pfn=0x1\n"
	      "            bash-7       [000] .....     1.000002: mm_page_free: page=ffffea0000001000 pfn=0x40 order=0\n"
	      "            bash-7       [007] .....     1.000003: mm_page_free: page=ffffea0000001000 pfn=0x40 order=0\n"
	      "            bash-7       [000] .....     1.000004: mm_page_alloc: page=ffffffffffffffff pfn=0xffffffff order=0 migratetype=0 gfp_flags=GFP_KERNEL\n"
	      "            bash-7       [000] .....     1.000005: mm_page_pcpu_drain: page=ffffea0000001000 pfn=0x40 order=0 migratetype=0\n"
	      "            bash-7       [000] .....     1.000006: mm_compaction_kcompactd_sleep: nid=0\n"
	      "            bash-7       [000] .....     1.000006: mm_page_free: page=ffffea0000000000 pfn=0x1ffff order=10\n"
	      "            bash-7       [000] .....     1.000007: mm_page_free: page=ffffea00", f);
	fclose(f);
	f = fopen(path, "r");
	assert_int_equal(af_replay_stream(m, f, -1, &s), 0);
	fclose(f);
	assert_int_equal(s.comments, 3);
	assert_int_equal(s.lost_markers, 1);
	assert_int_equal(s.other_events, 1);
	assert_int_equal(s.malformed, 1);
	assert_int_equal(s.first_malformed_line, 6);
	assert_int_equal(s.truncated, 1);
	assert_int_equal(s.info_events, 1);
	assert_int_equal(s.frees, 2);	/* pfn 0x40, and the block past the end */
	/* pfn 0x40 is reserved: a free the model cannot follow; CPU 7 does not
	 * exist; an order-10 block at the last pfn runs past the machine */
	assert_int_equal(s.unfollowed, 5);
	assert_true(s.first_unfollowed_line == 7);
	CHECK(m);
	assert_int_equal(af_replay_stream(NULL, stdin, -1, &s), -EINVAL);
	assert_int_equal(af_replay_stream(m, NULL, -1, &s), -EINVAL);
	af_machine_destroy(m);
}

/*
 * The model's own trace, replayed on a machine booted the same way, is
 * followed whole and ends in the same state; 6.1's choice asked before each
 * allocation is the one the model made (the few it is not: allocations the
 * slow path served after a fast-path check the replay's state passes).
 */
static void test_replay_own_trace(void **st)
{
	const char *cfg = "mem = 4G\ncpus = 2\nseed = 3\n";
	struct af_machine *a = machine_from(cfg), *b = machine_from(cfg);
	struct af_replay_stats s;
	char *buf = NULL, *x, *y;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)st;
	assert_non_null(f);
	af_set_trace(a, af_trace_to_file, f);
	assert_int_equal(af_workload_mixed(a, 3, 3000, NULL), 0);
	af_set_trace(a, NULL, NULL);
	fclose(f);
	f = fmemopen(buf, len, "r");
	assert_int_equal(af_replay_stream(b, f, -1, &s), 0);
	fclose(f);
	assert_true(s.allocs > 50000 && s.claims > 0);
	assert_int_equal(s.unfollowed, 0);
	assert_int_equal(s.malformed, 0);
	assert_int_equal(s.released + s.freed_unseen + s.freed_pretrace, 0);
	assert_true(s.predicted > s.allocs * 99 / 100);
	assert_true(s.mispredicted * 100 < s.predicted);
	x = render(a, "/proc/pagetypeinfo");
	y = render(b, "/proc/pagetypeinfo");
	assert_string_equal(x, y);
	free(x);
	free(y);
	x = render(a, "/proc/buddyinfo");
	y = render(b, "/proc/buddyinfo");
	assert_string_equal(x, y);
	free(x);
	free(y);
	CHECK(a);
	CHECK(b);
	free(buf);
	af_machine_destroy(a);
	af_machine_destroy(b);
}

/*
 * Policy placement: the compaction trace's requests made by the model's
 * allocator under linux and under nogroup, from the same start state:
 * every request served and every free matched or accounted for, and the
 * two policies leave different memory.
 */
static void test_replay_policy_placement(void **st)
{
	char path[512], *ends[2];
	const char *policies[2] = { "linux", "nogroup" };

	(void)st;
	for (int k = 0; k < 2; k++) {
		struct af_config *c;
		struct af_import_report rep;
		struct af_replay_stats s;
		struct af_machine *m;
		FILE *f;

		assert_int_equal(af_config_new(&c), 0);
		assert_int_equal(af_config_set(c, "policy", policies[k]), 0);
		snprintf(path, sizeof(path), "%s/compact/start", tmp);
		assert_int_equal(af_import_state(path, c, &m, &rep), 0);
		af_config_free(c);
		snprintf(path, sizeof(path), "%s/compact/trace", tmp);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_int_equal(af_replay_requests(m, f, rep.driver, &s), 0);
		fclose(f);
		assert_true(s.allocs > 8000);
		assert_int_equal(s.model_failed, 0);
		assert_int_equal(s.unfollowed, 0);
		assert_true(s.freed_pretrace > 0);
		assert_true(s.compaction_migrated > 1000);
		/* the kernel's compaction targets: freed later with no request of theirs */
		assert_true(s.freed_free >= s.compaction_migrated / 2);
		CHECK(m);
		ends[k] = render(m, "/proc/pagetypeinfo");
		af_machine_destroy(m);
	}
	assert_true(strcmp(ends[0], ends[1]) != 0);
	free(ends[0]);
	free(ends[1]);
}

/*
 * alloc_pages_bulk() takes pages off a per-CPU list with no mm_page_alloc:
 * a block the model still has on a list the kernel refills (so found
 * empty) was taken unseen, and its later free is one of a block allocated
 * before the trace saw it.
 */
static void test_replay_bulk_unseen(void **st)
{
	struct af_machine *m = machine_from("mem = 512M\ncpus = 2\nboot = clean\n");
	struct af_replay_stats s;
	uint64_t h;
	char text[2048];
	const char *task = "            bash-7       [000] .....     1.000000: ";
	FILE *f;

	(void)st;
	assert_int_equal(af_alloc_predict(m, 0, AF_GFP_HIGHUSER_MOVABLE, 10, &h), 0);
	snprintf(text, sizeof(text),
		 "%smm_page_alloc_zone_locked: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 percpu_refill=1\n"
		 "%smm_page_alloc_zone_locked: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 percpu_refill=1\n"
		 "%smm_page_alloc: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		 "%smm_page_alloc_zone_locked: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 percpu_refill=1\n"
		 "%smm_page_free: page=ffffea0000000000 pfn=0x%llx order=0\n",
		 task, (unsigned long long)h, task, (unsigned long long)h + 1, task, (unsigned long long)h,
		 task, (unsigned long long)h + 2, task, (unsigned long long)h + 1);
	f = fmemopen(text, strlen(text), "r");
	assert_int_equal(af_replay_stream(m, f, -1, &s), 0);
	fclose(f);
	assert_int_equal(s.unfollowed, 0);
	assert_int_equal(s.refills, 3);
	assert_int_equal(s.pcp_unseen, 1);
	assert_int_equal(s.freed_pretrace, 1);
	assert_true(pflags(&m->pages[h]) & PG_alloc);
	assert_true(pflags(&m->pages[h + 2]) & PG_pcp);
	CHECK(m);
	af_machine_destroy(m);
}

/*
 * CPU clocks a little apart: a CPU's allocation of a block comes before the
 * other CPU's free of it in the merged trace.  The allocation waits for the
 * free (reordered); one whose free never comes is not followed, and named
 * by its own line.
 */
static void test_replay_skewed_clocks(void **st)
{
	struct af_machine *m = machine_from("mem = 512M\ncpus = 2\nboot = clean\n");
	struct af_replay_stats s;
	uint64_t h;
	char text[2048];
	FILE *f;

	(void)st;
	assert_int_equal(af_alloc_predict(m, 0, AF_GFP_HIGHUSER_MOVABLE, 10, &h), 0);
	snprintf(text, sizeof(text),
		 "  a-1 [000] .....     1.000000: mm_page_alloc: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		 "  b-2 [001] .....     1.000001: mm_page_alloc: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		 "  a-1 [000] .....     1.000002: mm_page_free: page=ffffea0000000000 pfn=0x%llx order=0\n"
		 "  a-1 [000] .....     1.000003: mm_page_alloc: page=ffffea0000000000 pfn=0x%llx order=1 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		 "  b-2 [001] .....     1.000004: mm_page_alloc: page=ffffea0000000000 pfn=0x%llx order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n",
		 (unsigned long long)h, (unsigned long long)h, (unsigned long long)h,
		 (unsigned long long)h + 2, (unsigned long long)h + 3);
	f = fmemopen(text, strlen(text), "r");
	assert_int_equal(af_replay_stream(m, f, -1, &s), 0);
	fclose(f);
	assert_int_equal(s.reordered, 1);
	assert_true(pflags(&m->pages[h]) & PG_alloc);	/* CPU 1's, after CPU 0's free */
	assert_int_equal(s.unfollowed, 1);		/* h + 3 is inside h + 2's order-1 block */
	assert_int_equal(s.first_unfollowed_line, 5);
	CHECK(m);
	af_machine_destroy(m);
}

/* The same capture's trace.dat (libtracecmd) and text replay alike */
static void test_replay_tracedat(void **st)
{
	struct af_replay_stats s, d;
	struct af_machine *a = replayed("small", &s), *b;
	struct af_import_report rep;
	struct af_tracedat *t;
	char path[512], err[256], *x, *y;

	(void)st;
	snprintf(path, sizeof(path), "%s/small/trace.dat", tmp);
	assert_true(af_tracedat_is(path));
	snprintf(path, sizeof(path), "%s/small/start", tmp);
	assert_int_equal(af_import_state(path, NULL, &b, &rep), 0);
	snprintf(path, sizeof(path), "%s/small/trace.dat", tmp);
	t = af_tracedat_open(path, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	assert_int_equal(af_replay_source(b, af_tracedat_next, t, rep.driver, 0, &d), 0);
	af_tracedat_close(t);
	CHECK(b);
	/* the text has comment lines; the events are the same */
	assert_true(s.comments > 0);
	assert_int_equal(d.comments, 0);
	assert_int_equal(d.malformed + s.malformed, 0);
	assert_true(d.events > 1000);
	assert_int_equal(d.events, s.events);
	assert_int_equal(d.allocs, s.allocs);
	assert_int_equal(d.frees, s.frees);
	assert_int_equal(d.refills, s.refills);
	assert_int_equal(d.drains, s.drains);
	assert_int_equal(d.marks, s.marks);
	assert_int_equal(d.during_snapshot, s.during_snapshot);
	assert_int_equal(d.after_end, s.after_end);
	assert_int_equal(d.predicted, s.predicted);
	assert_int_equal(d.mispredicted, s.mispredicted);
	assert_int_equal(d.unfollowed, s.unfollowed);
	assert_int_equal(d.released, s.released);
	x = render(a, "/proc/pagetypeinfo");
	y = render(b, "/proc/pagetypeinfo");
	assert_string_equal(x, y);
	free(x);
	free(y);
	/* a text file is no trace.dat, and a trace.dat cut short does not open */
	snprintf(path, sizeof(path), "%s/small/trace", tmp);
	assert_false(af_tracedat_is(path));
	{
		char cut[600], cmd[1400];
		snprintf(cut, sizeof(cut), "%s/small/cut.dat", tmp);
		snprintf(cmd, sizeof(cmd), "head -c 300 %s/small/trace.dat > %s", tmp, cut);
		assert_int_equal(system(cmd), 0);
		assert_true(af_tracedat_is(cut));
		assert_null(af_tracedat_open(cut, err, sizeof(err)));
		assert_true(strlen(err) > 0);
	}
	af_machine_destroy(a);
	af_machine_destroy(b);
}

/*
 * capture.sh traces through both snapshots: the events while the start
 * snapshot was read are followed without predictions, and the replay stops
 * at the end snapshot's marker, where the kernel's end counts were read.
 */
static void test_replay_markers(void **st)
{
	struct af_replay_stats s;
	struct af_machine *m = replayed("small", &s);

	(void)st;
	assert_int_equal(s.marks, 3);
	assert_true(s.during_snapshot > 0 && s.after_end > 0);
	assert_true(s.during_snapshot + s.after_end < s.events);
	assert_int_equal(s.unfollowed, 0);
	/* predictions: only the allocations after the start snapshot */
	assert_true(s.predicted + s.unpredicted < s.allocs);
	same_buddyinfo(m, "small");
	af_machine_destroy(m);
}

/*
 * Pages taken between the start snapshot and tracing_on: the quiet trace
 * with its first 600 events cut off, so its later frees meet blocks the
 * model has free.  Each such free is found, counted and followed.
 */
static void test_replay_window(void **st)
{
	struct af_replay_stats s, w;
	struct af_machine *m = replayed("quiet", &s), *c;
	struct af_import_report rep;
	char path[512], *text, *cut;
	FILE *f;
	int n = 0;

	(void)st;
	assert_int_equal(s.freed_unseen, 0);
	af_machine_destroy(m);
	snprintf(path, sizeof(path), "%s/quiet/trace", tmp);
	text = read_file(path);
	cut = text;
	while (n < 600 + 12 && (cut = strchr(cut, '\n')))	/* 12 header lines */
		cut++, n++;
	assert_non_null(cut);
	snprintf(path, sizeof(path), "%s/quiet/start", tmp);
	assert_int_equal(af_import_state(path, NULL, &c, &rep), 0);
	f = fmemopen(cut, strlen(cut), "r");
	assert_int_equal(af_replay_stream(c, f, rep.driver, &w), 0);
	fclose(f);
	CHECK(c);
	assert_true(w.freed_unseen > 10);
	assert_int_equal(w.unfollowed, 0);
	assert_true(w.frees + 300 > s.frees && w.frees < s.frees);
	free(text);
	af_machine_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_quiet_exact),
		cmocka_unit_test(test_replay_pagetypeinfo_exact),
		cmocka_unit_test(test_block_types_votes),
		cmocka_unit_test(test_replay_refused_stops_parser),
		cmocka_unit_test(test_replay_compaction),
		cmocka_unit_test(test_replay_untidy),
		cmocka_unit_test(test_replay_own_trace),
		cmocka_unit_test(test_replay_policy_placement),
		cmocka_unit_test(test_replay_bulk_unseen),
		cmocka_unit_test(test_replay_skewed_clocks),
		cmocka_unit_test(test_replay_tracedat),
		cmocka_unit_test(test_replay_markers),
		cmocka_unit_test(test_replay_window),
	};
	return cmocka_run_group_tests(tests, extract, cleanup);
}
