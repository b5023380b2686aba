/*
 * bench_workloads - wall time of the registry's workloads on machines of
 * several sizes, each beside the memcpy bandwidth measured just before it
 * (the machine's own speed at that moment).  Prints figures; asserts
 * nothing.
 *
 *   bench_workloads [SPEC@SIZE ...]
 *
 * Default: stress-highalloc on 4 GiB (target under 2 s) and on 64 GiB
 * (target under 30 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "antifrag.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* memcpy of 256 MiB, best of three: GB/s */
static double memcpy_gbs(void)
{
	size_t n = 256u << 20;
	char *a = malloc(n), *b = malloc(n);
	double best = 0;

	if (!a || !b) {
		free(a);
		free(b);
		return 0;
	}
	memset(a, 1, n);
	memset(b, 2, n);
	for (int i = 0; i < 3; i++) {
		double t0 = now();
		memcpy(b, a, n);
		double t = now() - t0;
		if (t > 0 && n / t / 1e9 > best)
			best = (double)n / t / 1e9;
		a[i] = b[n - 1 - (size_t)i];	/* keep the copies */
	}
	free(a);
	free(b);
	return best;
}

static int one(const char *spec, const char *mem, double target)
{
	struct af_config *c;
	struct af_machine *m = NULL;
	struct af_workload_result res;
	double ref = memcpy_gbs(), t0, tb, tw;

	if (af_config_new(&c) || af_config_set(c, "mem", mem)) {
		fprintf(stderr, "bench_workloads: %s: %s\n", mem, af_errmsg());
		return 1;
	}
	t0 = now();
	if (af_machine_create(c, &m)) {
		fprintf(stderr, "bench_workloads: machine of %s: %s\n", mem, af_errmsg());
		af_config_free(c);
		return 1;
	}
	af_config_free(c);
	tb = now() - t0;
	t0 = now();
	if (af_workload_run(m, spec, &res)) {
		fprintf(stderr, "bench_workloads: %s: %s\n", spec, af_errmsg());
		af_machine_destroy(m);
		return 1;
	}
	tw = now() - t0;
	printf("%-24s %6s: boot %.2f s, workload %.2f s", spec, mem, tb, tw);
	if (target > 0)
		printf(" (target under %.0f s: %s)", target, tw + tb < target ? "met" : "NOT met");
	printf("; virtual time %.1f s; memcpy %.1f GB/s\n", (double)af_clock_ns(m) / 1e9, ref);
	af_workload_result_free(&res);
	af_machine_destroy(m);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: bench_workloads [SPEC@SIZE ...]   (default: stress-highalloc@4G "
		       "stress-highalloc@64G)\n");
		return 0;
	}
	if (argc == 1) {
		rc |= one("stress-highalloc", "4G", 2);
		rc |= one("stress-highalloc", "64G", 30);
		return rc;
	}
	for (int i = 1; i < argc; i++) {
		char spec[512], *at;
		snprintf(spec, sizeof(spec), "%s", argv[i]);
		if (!(at = strrchr(spec, '@'))) {
			fprintf(stderr, "bench_workloads: expected SPEC@SIZE, got '%s'\n", argv[i]);
			return 2;
		}
		*at = '\0';
		rc |= one(spec, at + 1, 0);
	}
	return rc;
}
