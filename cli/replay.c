/*
 * replay.c - `antifrag replay TRACE`: a kernel's kmem trace replayed with
 * exact placement on a machine built from the state captured at its start,
 * with the end compared to the state captured at its end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void replay_usage(FILE *f)
{
	fputs(
"usage: antifrag replay TRACE [--start DIR] [--check-against DIR]\n"
"                      [--placement exact|policy] [OPTIONS]\n"
"\n"
"Replay a page allocator trace recorded on real Linux (tools/capture.sh; the\n"
"text of tracefs's trace or trace_pipe, `trace-cmd report`, or trace-cmd's\n"
"binary trace.dat), streaming.  Exact placement (the default) makes every\n"
"per-CPU refill, allocation, free, per-CPU drain and fallback claim where the\n"
"kernel made it; before each allocation it asks where Linux 6.1 would have\n"
"taken it in the model's state, and prints the first allocation where the\n"
"kernel chose another block, a direct measure of the model.  capture.sh's\n"
"markers line the trace up with its snapshots: events while the start\n"
"snapshot was read are followed but not predicted, and the replay stops at\n"
"the end snapshot's.  A trace starts mid-life: blocks allocated before\n"
"tracing began are released when the trace frees or takes them, a free of a\n"
"block the model has free (taken unseen: before tracing_on, by\n"
"alloc_pages_bulk, or as compaction's target) is followed onto the CPU's\n"
"list, an event meeting a block the trace still holds waits up to 64 events\n"
"for its free (CPU clocks apart), and what cannot be followed is counted\n"
"with the first line of it.\n"
"Lost-event markers, other events, malformed lines and a truncated last line\n"
"are counted and skipped.\n"
"\n"
"  TRACE                the trace: text (- for standard input) or trace.dat\n"
"  --start DIR          the machine from the state captured when tracing began\n"
"                       (capture.sh's DIR/start); without it, the machine the\n"
"                       options below build.  The trace is read once before\n"
"                       (not from standard input): its per-CPU drains show\n"
"                       the type of the pageblocks they drain from\n"
"  --check-against DIR  compare the end with the state captured at the end\n"
"                       snapshot (DIR/end): every row of buddyinfo and\n"
"                       pagetypeinfo (free blocks per order, per migratetype\n"
"                       and order, and the pageblock counts) that differs,\n"
"                       and where the snapshot's two files disagree\n"
"  --placement MODE     exact (default): where the kernel put each block;\n"
"                       policy: the trace's requests (order, GFP flags, CPU)\n"
"                       and their frees, placed by the model's own allocator\n"
"                       under --policy and --set: what this workload would\n"
"                       have done on another policy or sysctl\n"
"\n", f);
	fputs(machine_opts_help, f);
}

struct replay_args {
	struct machine_opts mo;
	const char *trace, *against;
	bool policy;		/* --placement policy */
};

static int replay_parse_args(int argc, char **argv, struct replay_args *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	machine_opts_init(&a->mo);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			replay_usage(stdout);
			return 1;
		}
		if ((rc = machine_opt(&a->mo, argc, argv, &i)) == 1)
			continue;
		if (rc)
			return 2;
		if (!strcmp(o, "--check-against")) {
			if ((rc = capture_dir_check(o, v, "buddyinfo")))
				return rc;
			a->against = v;
			i++;
		} else if (!strcmp(o, "--placement")) {
			if (!v)
				return cli_error(o, "missing value (try --help)");
			if (strcmp(v, "exact") && strcmp(v, "policy"))
				return cli_error(o, "expected exact or policy");
			a->policy = !strcmp(v, "policy");
			i++;
		} else if (o[0] == '-' && o[1]) {
			return cli_error(o, "unknown option (try --help)");
		} else if (a->trace) {
			return cli_error(o, "one TRACE only");
		} else {
			a->trace = o;
		}
	}
	if (!a->trace)
		return cli_error("replay", "missing TRACE (try --help)");
	if ((rc = trace_check("TRACE", a->trace)))
		return rc;
	return machine_opts_finish(&a->mo);
}

/*
 * "Node N, zone NAME[, type TYPE] n0 n1 ..." lines of a kernel file: a key
 * (the text before the numbers) and up to 16 numbers each.
 */
struct row { char key[64]; long v[16]; int n; };

static int rows_of(const char *text, struct row *rows, int max)
{
	int nr = 0;

	for (const char *l = text; l && *l && nr < max; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l, *digits;
		struct row *r = &rows[nr];
		int k;

		if (strncmp(l, "Node", 4))
			continue;
		/* the key runs to the first number after the zone name (and type) */
		digits = strstr(l, "zone");
		if (!digits || (strchr(l, '\n') && digits > strchr(l, '\n')))
			continue;
		digits += 4;
		while (*digits == ' ')
			digits++;
		while (*digits && *digits != ' ' && *digits != '\n')
			digits++;	/* the zone's name, with a comma before a type */
		{
			const char *q = digits;
			while (*q == ' ')
				q++;
			if (!strncmp(q, "type", 4)) {
				q += 4;
				while (*q == ' ')
					q++;
				while (*q && *q != ' ' && *q != '\n')
					q++;
				digits = q;
			}
		}
		snprintf(r->key, sizeof(r->key), "%.*s", (int)(digits - p), p);
		/* squeeze the key's runs of spaces: the two files pad differently */
		{
			char *w = r->key;
			for (const char *q = r->key; *q; q++)
				if (!(*q == ' ' && (w == r->key || w[-1] == ' ')))
					*w++ = *q;
			*w = 0;
		}
		r->n = 0;
		p = digits;
		while (r->n < 16 && sscanf(p, "%ld%n", &r->v[r->n], &k) == 1) {
			p += k;
			r->n++;
		}
		nr++;
	}
	return nr;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, 4096, f);
		len += got;
	} while (got);
	fclose(f);
	buf[len] = 0;
	return buf;
}

/*
 * The captured files against each other: buddyinfo and pagetypeinfo are
 * read one after the other, and a free or an allocation between the two
 * reads leaves them apart.  Where pagetypeinfo's types do not add up to
 * buddyinfo's row, the snapshot itself says two things: said, per zone
 * and order.
 */
static void snapshot_consistency(const char *dir)
{
	static struct row bud[256], pti[256];
	char path[4096], *a, *b;
	int na, nb;

	snprintf(path, sizeof(path), "%s/buddyinfo", dir);
	a = slurp(path);
	snprintf(path, sizeof(path), "%s/pagetypeinfo", dir);
	b = slurp(path);
	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	na = rows_of(a, bud, 256);
	nb = rows_of(b, pti, 256);
	for (int i = 0; i < na; i++) {
		size_t klen = strlen(bud[i].key);
		long sum[16] = { 0 };
		int types = 0;
		for (int j = 0; j < nb; j++)
			if (!strncmp(pti[j].key, bud[i].key, klen) && !strncmp(pti[j].key + klen, ", type", 6)) {
				types++;
				for (int k = 0; k < pti[j].n && k < bud[i].n; k++)
					sum[k] += pti[j].v[k];
			}
		for (int k = 0; types && k < bud[i].n; k++)
			if (sum[k] != bud[i].v[k])
				printf("  the snapshot disagrees with itself: %s order %d: buddyinfo %ld blocks, "
				       "pagetypeinfo's types %ld (the files were read at different moments; "
				       "the model can match one of them)\n", bud[i].key, k, bud[i].v[k], sum[k]);
	}
	free(a);
	free(b);
}

/* One kernel file of the model against the captured one: the rows that differ */
static int compare_file(struct af_machine *m, const char *dir, const char *name, const char *proc,
			const char *what)
{
	static struct row mine[256], theirs[256];
	char path[4096], *a = NULL, *b;
	int na, nb, differ = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(b = slurp(path))) {
		printf("  %s: %s not readable\n", what, path);
		return 0;
	}
	if (af_render(m, proc, &a)) {
		free(b);
		return cli_error(proc, af_errmsg());
	}
	na = rows_of(a, mine, 256);
	nb = rows_of(b, theirs, 256);
	for (int i = 0; i < nb; i++) {
		const struct row *t = &theirs[i], *o = NULL;
		for (int j = 0; j < na && !o; j++)
			if (!strcmp(mine[j].key, t->key))
				o = &mine[j];
		if (!o) {
			printf("  %s %s: not in the model\n", what, t->key);
			differ++;
			continue;
		}
		if (o->n == t->n && !memcmp(o->v, t->v, sizeof(long) * (size_t)t->n))
			continue;
		differ++;
		printf("  %s %s\n    kernel", what, t->key);
		for (int k = 0; k < t->n; k++)
			printf(" %6ld", t->v[k]);
		printf("\n    model ");
		for (int k = 0; k < o->n; k++)
			printf(" %6ld", o->v[k]);
		printf("\n");
	}
	free(a);
	free(b);
	return differ;
}

static int replay_main(int argc, char **argv)
{
	struct replay_args a;
	struct af_machine *m = NULL;
	struct af_replay_stats st;
	int rc, driver = -1;
	char report[1024];

	if ((rc = replay_parse_args(argc, argv, &a)))
		goto out;
	rc = 2;
	if (a.mo.start) {
		struct af_import_report rep;
		struct af_block_types bt;
		if ((rc = trace_block_types(a.mo.start, a.trace, &bt)))
			goto out;
		rc = af_import_state_hinted(a.mo.start, a.mo.cfg, &bt, &m, &rep);
		af_block_types_free(&bt);
		if (rc) {
			rc = cli_error("--start", af_errmsg());
			goto out;
		}
		driver = rep.driver;
		import_report_print(&rep);
	} else if ((rc = machine_build(&a.mo, &m))) {
		goto out;
	}
	if ((rc = trace_replay(m, a.trace, driver, a.policy, &st)))
		goto out;
	{
		char policy[256] = "";
		af_machine_policy(m, policy, sizeof(policy));
		printf("replay: %s, %s placement, on %s; policy %s\n", a.trace, a.policy ? "policy" : "exact",
		       a.mo.start ? a.mo.start : "a booted machine", policy);
	}
	printf("lines: %llu: %llu events, %llu comments, %llu of other kinds, %llu malformed%s, "
	       "%llu lost-event markers, %llu truncated\n",
	       (unsigned long long)st.lines, (unsigned long long)st.events, (unsigned long long)st.comments,
	       (unsigned long long)st.other_events, (unsigned long long)st.malformed,
	       st.malformed ? " (first below)" : "", (unsigned long long)st.lost_markers,
	       (unsigned long long)st.truncated);
	if (a.policy) {
		printf("requests: %llu allocations made by the model (%llu it could not serve; %llu failed "
		       "in the kernel), %llu frees; %llu other events (the kernel's compaction migrated "
		       "%llu pages)\n", (unsigned long long)st.allocs, (unsigned long long)st.model_failed,
		       (unsigned long long)st.failed_allocs, (unsigned long long)st.frees,
		       (unsigned long long)st.info_events, (unsigned long long)st.compaction_migrated);
		printf("frees of blocks allocated before tracing: %llu; of blocks neither the trace nor the "
		       "start state held: %llu (skipped); not followed: %llu\n",
		       (unsigned long long)st.freed_pretrace, (unsigned long long)st.freed_free,
		       (unsigned long long)st.unfollowed);
		goto after;
	}
	printf("followed: %llu allocations (%llu failed in the kernel), %llu frees, %llu per-CPU refills, "
	       "%llu drains; %llu other events (compaction migrated %llu pages)\n",
	       (unsigned long long)st.allocs, (unsigned long long)st.failed_allocs,
	       (unsigned long long)st.frees, (unsigned long long)st.refills, (unsigned long long)st.drains,
	       (unsigned long long)st.info_events, (unsigned long long)st.compaction_migrated);
	printf("repairs: %llu blocks held since before tracing released for the trace, %llu frees of "
	       "blocks allocated before tracing, %llu frees of blocks the model had free (taken unseen: "
	       "before tracing_on, by alloc_pages_bulk or as compaction's targets; followed), "
	       "%llu blocks left on per-CPU lists the kernel refilled as empty (taken unseen, as "
	       "alloc_pages_bulk takes them, or never there), %llu events placed a few lines late "
	       "(CPU clocks apart)\n",
	       (unsigned long long)st.released, (unsigned long long)st.freed_pretrace,
	       (unsigned long long)st.freed_unseen, (unsigned long long)st.pcp_unseen,
	       (unsigned long long)st.reordered);
	if (st.marks)
		printf("capture markers: %llu; %llu events while the start snapshot was read (followed, "
		       "not predicted), %llu after the end snapshot began (not followed)\n",
		       (unsigned long long)st.marks, (unsigned long long)st.during_snapshot,
		       (unsigned long long)st.after_end);
	printf("fallbacks: %llu pageblocks claimed\n", (unsigned long long)st.claims);
	printf("not followed: %llu", (unsigned long long)st.unfollowed);
	if (st.unfollowed)
		printf(" (first at line %llu: %s)", (unsigned long long)st.first_unfollowed_line,
		       st.first_unfollowed);
	printf("\n");
	if (st.malformed)
		printf("first malformed line %llu: %s\n", (unsigned long long)st.first_malformed_line,
		       st.first_malformed);
	printf("6.1's choice: %llu of %llu allocations predicted, the kernel's block in %llu (%.1f%%)",
	       (unsigned long long)st.predicted, (unsigned long long)st.allocs,
	       (unsigned long long)(st.predicted - st.mispredicted),
	       st.predicted ? 100.0 * (double)(st.predicted - st.mispredicted) / (double)st.predicted : 0.0);
	if (st.mispredicted)
		printf("; first difference at line %llu: %s", (unsigned long long)st.first_divergence_line,
		       st.first_divergence);
	printf("\n");
after:
	printf("speed: %llu lines in %.3f s (%.2f M lines/s, parse and replay)\n",
	       (unsigned long long)st.lines, st.secs, st.secs > 0 ? (double)st.lines / st.secs / 1e6 : 0.0);
	if (af_check(m, report, sizeof(report))) {
		printf("invariant check: FAILED: %s\n", report);
		rc = 1;
		goto out;
	}
	printf("invariant check: passed\n");
	if (a.against) {
		int d = 0;
		printf("against %s (the state captured at the end snapshot):\n", a.against);
		d += compare_file(m, a.against, "buddyinfo", "/proc/buddyinfo", "free blocks per order");
		d += compare_file(m, a.against, "pagetypeinfo", "/proc/pagetypeinfo", "pagetypeinfo");
		if (!d)
			printf("  buddyinfo and pagetypeinfo: the kernel's exactly\n");
		else
			snapshot_consistency(a.against);
	}
	rc = 0;
out:
	if (m)
		af_machine_destroy(m);
	machine_opts_free(&a.mo);
	return rc;
}

static int replay_parse(int argc, char **argv)
{
	struct replay_args a;
	int rc = replay_parse_args(argc, argv, &a);

	machine_opts_free(&a.mo);
	return rc == 1 ? 0 : rc;
}

static int replay_cmd(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			replay_usage(stdout);
			return 0;
		}
	return replay_main(argc, argv);
}

const struct command cmd_replay = {
	.name = "replay",
	.summary = "replay a kernel's kmem trace from a captured state, exactly or under a policy",
	.main = replay_cmd,
	.parse = replay_parse,
	.usage = replay_usage,
};
