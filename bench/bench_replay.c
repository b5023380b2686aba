/*
 * bench_replay - parse and exact replay speed of kmem traces, with the
 * machine's memcpy bandwidth as a reference.  Prints figures; asserts
 * nothing.
 *
 * The trace is the model's own (the mixed workload on a 4 GiB machine,
 * rendered in the kernel's text format into memory, kmem events only) and
 * is replayed on a machine booted the same way, five rounds of each (best,
 * median and worst: a shared host's speed varies from run to run): lines
 * per second for the parse alone (af_event_parse, getline), for parse plus
 * replay (af_replay_stream: the text parsed in a thread of its own, the
 * replay in the caller's), and events per second for the replay alone (the
 * events parsed beforehand); and the peak host memory beside the trace's
 * size.
 *
 *   bench_replay [--stream GIB]
 *
 * --stream GIB: a trace of GIB GiB made as it is replayed, through a pipe
 * from a thread running the workload on one machine to af_replay_stream on
 * the other: the replay's peak memory for a trace larger than the host
 * would hold.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "antifrag.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double memcpy_gbs(void)
{
	enum { N = 64 << 20 };
	char *a = malloc(N), *b = malloc(N);
	double best = 0;

	if (!a || !b)
		exit(1);
	memset(a, 1, N);
	memset(b, 2, N);
	for (int k = 0; k < 5; k++) {
		double t0 = now();
		memcpy(b, a, N);
		double t = now() - t0;
		if (t > 0 && N / t / 1e9 > best)
			best = N / t / 1e9;
	}
	free(a);
	free(b);
	return best;
}

static struct af_machine *mk(void)
{
	struct af_config *c;
	struct af_machine *m;

	if (af_config_new(&c) || af_config_load_string(c, "mem = 4G\ncpus = 2\nseed = 3\n") ||
	    af_machine_create(c, &m)) {
		fprintf(stderr, "bench_replay: %s\n", af_errmsg());
		exit(1);
	}
	af_config_free(c);
	return m;
}

struct parsed {
	struct af_event *ev;
	size_t n, at;
};

static enum af_trace_item from_memory(void *arg, struct af_event *ev, char *why, size_t len)
{
	struct parsed *p = arg;

	(void)why;
	(void)len;
	if (p->at == p->n)
		return AF_TRACE_END;
	*ev = p->ev[p->at++];
	return AF_TRACE_EVENT;
}

/* Only the kmem lines: what a capture of the page allocator records */
static void kmem_only(void *arg, const char *line)
{
	if (strstr(line, ": mm_page_"))
		fprintf(arg, "%s\n", line);
}

struct producer {
	struct af_machine *m;
	FILE *out;
	uint64_t bytes, want;
};

static void kmem_counted(void *arg, const char *line)
{
	struct producer *p = arg;

	if (strstr(line, ": mm_page_")) {
		int n = fprintf(p->out, "%s\n", line);
		if (n > 0)
			p->bytes += (uint64_t)n;
	}
}

static void *produce(void *arg)
{
	struct producer *p = arg;

	af_set_trace(p->m, kmem_counted, p);
	for (uint64_t seed = 3; p->bytes < p->want; seed++)
		if (af_workload_mixed(p->m, seed, 20000, NULL))
			break;
	af_set_trace(p->m, NULL, NULL);
	fclose(p->out);
	return NULL;
}

/* A GIB GiB trace through a pipe, replayed as it is made */
static int stream(double gib)
{
	struct producer p = { .m = mk(), .want = (uint64_t)(gib * (1 << 30)) };
	struct af_machine *b = mk();
	struct af_replay_stats st;
	struct rusage ru;
	pthread_t t;
	int fd[2];
	FILE *in;
	double bw = memcpy_gbs();

	if (pipe(fd) || !(p.out = fdopen(fd[1], "w")) || !(in = fdopen(fd[0], "r")))
		return 1;
	setvbuf(p.out, NULL, _IOFBF, 1 << 20);
	if (pthread_create(&t, NULL, produce, &p))
		return 1;
	if (af_replay_stream(b, in, -1, &st)) {
		fprintf(stderr, "bench_replay: %s\n", af_errmsg());
		return 1;
	}
	pthread_join(t, NULL);
	fclose(in);
	getrusage(RUSAGE_SELF, &ru);
	printf("stream: %.2f GiB of trace (%llu lines) made and replayed exactly through a pipe in %.1f s "
	       "(%.2f M lines/s, the workload's own pace included); %llu unfollowed; peak RSS %.0f MiB with "
	       "two 4 GiB machines [memcpy %.2f GB/s]\n",
	       (double)p.bytes / (1 << 30), (unsigned long long)st.lines, st.secs,
	       (double)st.lines / st.secs / 1e6, (unsigned long long)st.unfollowed,
	       (double)ru.ru_maxrss / 1024.0, bw);
	af_machine_destroy(p.m);
	af_machine_destroy(b);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum { ROUNDS = 5 };

/* "best B, median M of 5" for ROUNDS rates */
static void rates(const char *what, double r[ROUNDS], double bw, const char *note)
{
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	printf("%s: best %.2f, median %.2f, worst %.2f M/s of %d rounds%s [memcpy %.2f GB/s]\n", what,
	       r[ROUNDS - 1], r[ROUNDS / 2], r[0], ROUNDS, note, bw);
}

int main(int argc, char **argv)
{
	struct af_machine *a, *b;
	struct af_replay_stats st;
	struct af_event ev;
	struct parsed pe = { 0 };
	char *buf = NULL, *line = NULL;
	size_t len = 0, cap = 0;
	long lines = 0;
	double t0, bw, r[3][ROUNDS];
	uint64_t unfollowed = 0;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "--stream")) {
		char *end;
		double gib = strtod(argv[2], &end);
		if (*end || !(gib > 0 && gib <= 1024)) {
			fprintf(stderr, "bench_replay: --stream: GiB in (0, 1024]\n");
			return 2;
		}
		printf("reference: memcpy bandwidth %.2f GB/s\n", memcpy_gbs());
		return stream(gib);
	}
	if (argc > 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
		fprintf(help ? stdout : stderr, "usage: bench_replay [--stream GIB]   parse and replay speed of a "
			"kmem trace (5 rounds each: best, median, worst); --stream: a GIB GiB trace replayed "
			"through a pipe as it is made\n");
		return help ? 0 : 2;
	}
	a = mk();
	f = open_memstream(&buf, &len);
	af_set_trace(a, kmem_only, f);
	af_workload_mixed(a, 3, 3000, NULL);
	af_set_trace(a, NULL, NULL);
	fclose(f);
	af_machine_destroy(a);

	bw = memcpy_gbs();
	printf("reference: memcpy bandwidth %.2f GB/s\n", bw);
	for (int k = 0; k < ROUNDS; k++) {
		/* the parse alone, in this thread */
		f = fmemopen(buf, len, "r");
		lines = 0;
		t0 = now();
		while (getline(&line, &cap, f) > 0) {
			lines++;
			if (af_event_parse(line, &ev))
				abort();
		}
		r[0][k] = (double)lines / (now() - t0) / 1e6;
		fclose(f);

		/* parse and exact replay: the text parsed in a thread of its own */
		b = mk();
		f = fmemopen(buf, len, "r");
		if (af_replay_stream(b, f, -1, &st)) {
			fprintf(stderr, "bench_replay: %s\n", af_errmsg());
			return 1;
		}
		fclose(f);
		r[1][k] = (double)st.lines / st.secs / 1e6;
		unfollowed += st.unfollowed;
		af_machine_destroy(b);

		/* the replay alone: the events parsed beforehand, given from memory */
		if (!pe.ev) {
			if (!(pe.ev = malloc((size_t)lines * sizeof(*pe.ev))))
				return 1;
			f = fmemopen(buf, len, "r");
			while (getline(&line, &cap, f) > 0)
				if (!af_event_parse(line, &pe.ev[pe.n]))
					pe.n++;
			fclose(f);
		}
		pe.at = 0;
		b = mk();
		if (af_replay_source(b, from_memory, &pe, -1, 0, &st)) {
			fprintf(stderr, "bench_replay: %s\n", af_errmsg());
			return 1;
		}
		r[2][k] = (double)st.events / st.secs / 1e6;
		unfollowed += st.unfollowed;
		af_machine_destroy(b);
	}
	printf("trace: %ld kmem lines (%.1f MiB), the mixed workload's on a 4 GiB machine\n", lines,
	       (double)len / 1048576.0);
	bw = memcpy_gbs();
	rates("parse (af_event_parse), lines", r[0], bw, "");
	rates("parse + exact replay (af_replay_stream), lines", r[1], bw, " (target >= 5 M events/s)");
	rates("exact replay alone (af_replay_source, events parsed beforehand), events", r[2], bw, "");
	{
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("unfollowed events over all rounds: %llu; peak RSS %.0f MiB for a %.1f MiB trace, its "
		       "events parsed (%.1f MiB) and a 4 GiB machine\n", (unsigned long long)unfollowed,
		       (double)ru.ru_maxrss / 1024.0, (double)len / 1048576.0,
		       (double)pe.n * sizeof(*pe.ev) / 1048576.0);
	}
	printf("reference: memcpy bandwidth %.2f GB/s (at the end)\n", memcpy_gbs());
	free(pe.ev);
	free(line);
	free(buf);
	return 0;
}
