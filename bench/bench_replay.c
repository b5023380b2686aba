/*
 * bench_replay - parse and exact replay speed of kmem traces, with the
 * machine's memcpy bandwidth as a reference.  Prints figures; asserts
 * nothing.
 *
 * The trace is the model's own (the mixed workload on a 4 GiB machine,
 * rendered in the kernel's text format into memory, kmem events only) and
 * is replayed on a machine booted the same way: lines per second for the
 * parse alone (af_event_parse) and for parse plus replay
 * (af_replay_stream), and the replay's peak host memory beside the trace's
 * size (streaming: memory follows the machine, not the file).
 */
#include <stdbool.h>
#include <stdio.h>
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

/* Only the kmem lines: what a capture of the page allocator records */
static void kmem_only(void *arg, const char *line)
{
	if (strstr(line, ": mm_page_"))
		fprintf(arg, "%s\n", line);
}

int main(int argc, char **argv)
{
	struct af_machine *a = mk(), *b;
	struct af_replay_stats st;
	struct af_event ev;
	char *buf = NULL, *line = NULL;
	size_t len = 0, cap = 0;
	long lines = 0;
	double t0, parse_s, bw;
	FILE *f;

	if (argc > 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
		fprintf(help ? stdout : stderr, "usage: bench_replay   parse and replay speed of a kmem trace\n");
		return help ? 0 : 2;
	}
	f = open_memstream(&buf, &len);
	af_set_trace(a, kmem_only, f);
	af_workload_mixed(a, 3, 3000, NULL);
	af_set_trace(a, NULL, NULL);
	fclose(f);

	printf("reference: memcpy bandwidth %.2f GB/s\n", memcpy_gbs());
	bw = memcpy_gbs();
	f = fmemopen(buf, len, "r");
	t0 = now();
	while (getline(&line, &cap, f) > 0) {
		lines++;
		if (af_event_parse(line, &ev))
			abort();
	}
	parse_s = now() - t0;
	fclose(f);
	free(line);
	printf("parse (af_event_parse): %ld kmem lines (%.1f MiB) in %.3f s: %.2f M lines/s "
	       "[memcpy %.2f GB/s]\n", lines, (double)len / 1048576.0, parse_s, (double)lines / parse_s / 1e6, bw);

	b = mk();
	bw = memcpy_gbs();
	f = fmemopen(buf, len, "r");
	if (af_replay_stream(b, f, -1, &st)) {
		fprintf(stderr, "bench_replay: %s\n", af_errmsg());
		return 1;
	}
	fclose(f);
	{
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("parse + exact replay (af_replay_stream): %llu lines in %.3f s: %.2f M lines/s "
		       "(target >= 5 M events/s); %llu unfollowed; peak RSS %.0f MiB for a %.1f MiB trace "
		       "and two 4 GiB machines [memcpy %.2f GB/s]\n",
		       (unsigned long long)st.lines, st.secs, (double)st.lines / st.secs / 1e6,
		       (unsigned long long)st.unfollowed, (double)ru.ru_maxrss / 1024.0,
		       (double)len / 1048576.0, bw);
	}
	printf("reference: memcpy bandwidth %.2f GB/s (at the end)\n", memcpy_gbs());
	free(buf);
	af_machine_destroy(a);
	af_machine_destroy(b);
	return 0;
}
