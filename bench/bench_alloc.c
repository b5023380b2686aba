/*
 * bench_alloc - speed and memory of the page allocator, with the machine's
 * memcpy bandwidth as a reference.  Prints figures; asserts nothing.
 *
 * Each line carries the memcpy bandwidth measured just before it, so a line
 * taken while the host was busy shows it.  The speed targets are
 * printed beside the figures they apply to.
 *
 * bench_alloc --pairs N [threaded] runs N order-0 pairs and nothing else
 * (on a deterministic or a threaded machine), for counting instructions
 * under a tool (callgrind: --toggle-collect=order0_pairs).
 * bench_alloc --scaling order0|mixed runs only that scaling line (for a
 * profiler).
 *
 * The scaling lines carry a second reference: the time to hand a cache
 * line from one host CPU to the other, measured in the same run.  Mixed
 * churn takes the zone lock for every allocation and free of orders 4..8
 * and 10 (the orders 6.1's per-CPU lists do not hold), about 1.1 times a
 * pair; when two CPUs alternate on it each acquisition costs at least one
 * hand-off, so two threads together cannot exceed one pair per 1.1
 * hand-offs.  The line prints that ceiling beside the figure.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "antifrag.h"
#include "af_types.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static struct af_machine *mk(const char *text)
{
	struct af_config *c;
	struct af_machine *m;
	af_config_new(&c);
	if (af_config_load_string(c, text) || af_machine_create(c, &m)) {
		fprintf(stderr, "bench: %s\n", af_errmsg());
		exit(1);
	}
	af_config_free(c);
	return m;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/*
 * Median over 15 runs of n alloc+free pairs of one order, in wall-clock ns;
 * *cpu gets the median in this thread's CPU time (what a busy host's other
 * work does not add to).
 */
static double pair_ns2(struct af_machine *m, af_gfp_t gfp, unsigned order, int n, double *cpu)
{
	double t[15], c[15];
	struct af_alloc_result r;
	for (int k = 0; k < 15; k++) {
		double t0 = now(), c0 = thread_cpu();
		for (int i = 0; i < n; i++) {
			if (af_alloc_pages(m, 0, gfp, order, -1, &r) || af_free_pages(m, 0, r.pfn, order)) {
				fprintf(stderr, "bench: %s\n", af_errmsg());
				exit(1);
			}
		}
		t[k] = (now() - t0) * 1e9 / n;
		c[k] = (thread_cpu() - c0) * 1e9 / n;
	}
	qsort(t, 15, sizeof(double), cmp);
	qsort(c, 15, sizeof(double), cmp);
	*cpu = c[7];
	return t[7];
}

static double pair_ns(struct af_machine *m, af_gfp_t gfp, unsigned order, int n)
{
	double cpu;
	return pair_ns2(m, gfp, order, n, &cpu);
}

/* memcpy bandwidth in GB/s: 4 copies of 64 MiB, larger than the LLC */
static double memcpy_gbs(void)
{
	static char *a, *b;
	size_t sz = 64 << 20;
	double t0, best = 0;

	if (!a) {
		a = malloc(sz);
		b = malloc(sz);
		if (!a || !b)
			exit(1);
		memset(a, 1, sz);
		memset(b, 2, sz);
	}
	for (int k = 0; k < 3; k++) {
		t0 = now();
		for (int i = 0; i < 4; i++)
			memcpy(i & 1 ? a : b, i & 1 ? b : a, sz);
		double bw = 4.0 * (double)sz / (now() - t0) / 1e9;
		if (bw > best)
			best = bw;
	}
	return best;
}

__attribute__((noinline)) void order0_pairs(struct af_machine *m, int cpu, long n);
__attribute__((noinline)) void order0_pairs(struct af_machine *m, int cpu, long n)
{
	struct af_alloc_result r;

	for (long i = 0; i < n; i++)
		if (af_alloc_pages(m, cpu, AF_GFP_KERNEL, 0, -1, &r) ||
		    af_free_pages(m, cpu, r.pfn, 0)) {
			fprintf(stderr, "bench: %s\n", af_errmsg());
			exit(1);
		}
}

/*
 * The threaded runs: one thread per simulated CPU, each pinned to a host
 * CPU, started together.  A worker runs order-0 pairs or mixed-order churn
 * (a working set of K blocks: free a random one, allocate a random order
 * 0..10 in its place) for a fixed count; its rate is count / its own time.
 */
enum { CHURN_K = 32 };
struct worker {
	struct af_machine *m;
	int cpu;
	bool mixed;
	long n;
	pthread_barrier_t *bar;
	double secs, cpu_secs;
	long fails;
};


static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % CPU_SETSIZE, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* one pair of the churn: free slot k, allocate a random order there */
static void churn_step(struct af_machine *m, int cpu, struct af_rng *r, uint64_t *pfn,
		       unsigned *ord, int k, long *fails)
{
	struct af_alloc_result res;
	unsigned o = (unsigned)af_rng_below(r, 11);

	if (pfn[k] != UINT64_MAX && af_free_pages(m, cpu, pfn[k], ord[k])) {
		fprintf(stderr, "bench: %s\n", af_errmsg());
		exit(1);
	}
	pfn[k] = UINT64_MAX;
	if (af_alloc_pages(m, cpu, AF_GFP_KERNEL, o, -1, &res) == 0) {
		pfn[k] = res.pfn;
		ord[k] = o;
	} else {
		(*fails)++;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint64_t pfn[CHURN_K];
	unsigned ord[CHURN_K];
	struct af_rng r;
	double t0, c0;

	pin(w->cpu);
	af_rng_seed(&r, 7 + (uint64_t)w->cpu);
	for (int k = 0; k < CHURN_K; k++)
		pfn[k] = UINT64_MAX;
	if (w->mixed)
		for (int k = 0; k < CHURN_K; k++)
			churn_step(w->m, w->cpu, &r, pfn, ord, k, &w->fails);
	else
		order0_pairs(w->m, w->cpu, 1000);	/* fill the pcp lists */
	pthread_barrier_wait(w->bar);
	c0 = thread_cpu();
	t0 = now();
	if (w->mixed)
		for (long i = 0; i < w->n; i++)
			churn_step(w->m, w->cpu, &r, pfn, ord, (int)af_rng_below(&r, CHURN_K),
				   &w->fails);
	else
		order0_pairs(w->m, w->cpu, w->n);
	w->secs = now() - t0;
	w->cpu_secs = thread_cpu() - c0;
	for (int k = 0; k < CHURN_K; k++)
		if (pfn[k] != UINT64_MAX)
			af_free_pages(w->m, w->cpu, pfn[k], ord[k]);
	return NULL;
}

/*
 * Pairs per second of `threads` threads together (sum of their rates), and
 * the CPU time per pair of each thread (*cpu_ns, their mean).
 */
static double threaded_rate(int threads, bool mixed, long n, long *fails, double *cpu_ns)
{
	struct af_machine *m = mk("mem = 1G\ncpus = 2\nthreaded = 1\n");
	struct worker w[2];
	pthread_t t[2];
	pthread_barrier_t bar;
	double rate = 0;

	*cpu_ns = 0;
	pthread_barrier_init(&bar, NULL, (unsigned)threads);
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){ .m = m, .cpu = i, .mixed = mixed, .n = n, .bar = &bar };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		rate += (double)n / w[i].secs;
		*cpu_ns += w[i].cpu_secs * 1e9 / (double)n / threads;
		*fails += w[i].fails;
	}
	pthread_barrier_destroy(&bar);
	af_machine_destroy(m);
	return rate;
}

/*
 * The hand-off reference: two threads pinned to the two host CPUs pass a
 * counter back and forth through one cache line; ns per one-way pass.
 */
enum { HANDOFFS = 1000000 };
static _Alignas(64) long handoff_line;

static void *handoff_peer(void *arg)
{
	(void)arg;
	pin(1);
	for (long i = 0; i < HANDOFFS; i++) {
		while (__atomic_load_n(&handoff_line, __ATOMIC_ACQUIRE) != 2 * i + 1)
			;
		__atomic_store_n(&handoff_line, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double handoff_ns(void)
{
	pthread_t t;
	double t0;

	__atomic_store_n(&handoff_line, 0, __ATOMIC_RELAXED);
	pthread_create(&t, NULL, handoff_peer, NULL);
	pin(0);
	t0 = now();
	for (long i = 0; i < HANDOFFS; i++) {
		while (__atomic_load_n(&handoff_line, __ATOMIC_ACQUIRE) != 2 * i)
			;
		__atomic_store_n(&handoff_line, 2 * i + 1, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	return (now() - t0) * 1e9 / (2.0 * HANDOFFS);
}

/*
 * Zone-lock acquisitions per pair of the mixed churn: the allocation and the
 * free of every order the per-CPU lists do not hold (the churn's orders
 * are uniform over 0..10); refills and drains of the lists add a little.
 */
static double mixed_locks_per_pair(void)
{
	int locked = 0;

	for (unsigned o = 0; o <= 10; o++)
		locked += !(o <= PAGE_ALLOC_COSTLY_ORDER || o == PAGEBLOCK_ORDER);
	return 2.0 * locked / 11.0;
}

/*
 * One and two threads, alternated, 7 times each: medians and their ratio.
 * Beside the wall-clock figures, each thread's CPU time per pair: on a host
 * busy with other work the two threads do not always run at once, which
 * the wall clock charges to scaling; the CPU time per pair rises only with
 * what the threads cost each other (shared lines, spinning).
 */
static void scaling(const char *what, bool mixed, long n, double target)
{
	double one[7], two[7], c1[7], c2[7], bw = memcpy_gbs(), h = handoff_ns();
	long fails = 0;

	for (int k = 0; k < 7; k++) {
		one[k] = threaded_rate(1, mixed, n, &fails, &c1[k]);
		two[k] = threaded_rate(2, mixed, n, &fails, &c2[k]);
	}
	qsort(one, 7, sizeof(double), cmp);
	qsort(two, 7, sizeof(double), cmp);
	qsort(c1, 7, sizeof(double), cmp);
	qsort(c2, 7, sizeof(double), cmp);
	printf("%s, threaded machine (1 GiB, 2 CPUs): 1 thread %.1f ns/pair, 2 threads %.1f ns/pair "
	       "per thread, scaling %.2fx (target >= %.1fx); CPU time per pair %.1f / %.1f ns, "
	       "scaling by CPU time %.2fx%s [memcpy %.2f GB/s; a cache line between the CPUs %.1f ns]\n",
	       what, 1e9 / one[3], 2e9 / two[3], two[3] / one[3], target, c1[3], c2[3],
	       2.0 * c1[3] / c2[3], fails ? " (some allocations failed)" : "", bw, h);
	if (mixed)
		printf("  ceiling of a zone lock taken %.2f times a pair, one hand-off each: %.2fx\n",
		       mixed_locks_per_pair(), 1e9 / (mixed_locks_per_pair() * h) / one[3]);
}

/*
 * Mixed-order churn with cold caches: a 16 GiB machine (128 MiB of struct
 * page, four times the LLC) with a working set of 4096 blocks of random
 * orders spread over it; each pair frees a random one of them and
 * allocates a random order, so the metadata it touches is mostly not in
 * any cache.
 */
static void cold_churn(void)
{
	enum { K = 4096 };
	static uint64_t pfn[K];
	static unsigned ord[K];
	struct af_machine *m = mk("mem = 16G\ncpus = 2\n");
	double t[5], c[5], bw = memcpy_gbs();
	struct af_rng r;
	long fails = 0, n = 300000;

	af_rng_seed(&r, 11);
	for (int k = 0; k < K; k++)
		pfn[k] = UINT64_MAX;
	for (int k = 0; k < K; k++)
		churn_step(m, 0, &r, pfn, ord, k, &fails);
	for (int j = 0; j < 5; j++) {
		double t0 = now(), c0 = thread_cpu();
		for (long i = 0; i < n; i++)
			churn_step(m, 0, &r, pfn, ord, (int)af_rng_below(&r, K), &fails);
		t[j] = (now() - t0) * 1e9 / (double)n;
		c[j] = (thread_cpu() - c0) * 1e9 / (double)n;
	}
	qsort(t, 5, sizeof(double), cmp);
	qsort(c, 5, sizeof(double), cmp);
	printf("mixed-order (0..10) churn, cold caches (16 GiB, 128 MiB of struct page, %d live "
	       "blocks): %.1f ns/pair, %.1f ns of CPU time (target <= 100 ns)%s [memcpy %.2f GB/s]\n",
	       K, t[2], c[2], fails ? " (some allocations failed)" : "", bw);
	for (int k = 0; k < K; k++)
		if (pfn[k] != UINT64_MAX)
			af_free_pages(m, 0, pfn[k], ord[k]);
	af_machine_destroy(m);
}

int main(int argc, char **argv)
{
	struct af_machine *m;
	double t0, bw;

	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--pairs")) {
		m = mk(argc == 4 && !strcmp(argv[3], "threaded") ? "mem = 1G\ncpus = 2\nthreaded = 1\n"
								 : "mem = 1G\ncpus = 2\n");
		order0_pairs(m, 0, 1000);
		order0_pairs(m, 0, atol(argv[2]));
		af_machine_destroy(m);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--scaling") &&
	    (!strcmp(argv[2], "order0") || !strcmp(argv[2], "mixed"))) {
		if (!strcmp(argv[2], "order0"))
			scaling("order-0 pairs", false, 2000000, 1.9);
		else
			scaling("mixed-order (0..10) churn", true, 200000, 1.6);
		return 0;
	}
	if (argc > 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fprintf(help ? stdout : stderr,
			"usage: bench_alloc                   every figure, with memcpy beside them\n"
			"       bench_alloc --pairs N [threaded]  N order-0 pairs only (for callgrind)\n"
			"       bench_alloc --scaling order0|mixed  one scaling line only\n");
		return help ? 0 : 2;
	}
	printf("reference: memcpy bandwidth %.2f GB/s\n", memcpy_gbs());

	m = mk("mem = 4G\ncpus = 2\n");
	bw = memcpy_gbs();
	{
		double cpu, ns = pair_ns2(m, AF_GFP_KERNEL, 0, 1000000, &cpu);
		printf("order-0 alloc+free pair (pcp fast path, GFP_KERNEL): %.1f ns median, "
		       "%.1f ns of CPU time (target <= 10 ns) [memcpy %.2f GB/s]\n", ns, cpu, bw);
	}
	printf("order-9 alloc+free pair (THP pcp list, GFP_TRANSHUGE_LIGHT): %.1f ns median\n",
	       pair_ns(m, AF_GFP_TRANSHUGE_LIGHT, 9, 200000));
	printf("order-10 alloc+free pair (buddy, GFP_KERNEL): %.1f ns median\n",
	       pair_ns(m, AF_GFP_KERNEL, 10, 200000));
	{
		struct af_rng r;
		enum { N = 4096 };
		static uint64_t pfn[N];
		static unsigned ord[N];
		struct af_alloc_result res;
		int n = 0;
		long ops = 0;
		af_rng_seed(&r, 1);
		t0 = now();
		for (int i = 0; i < 2000000; i++) {
			if ((af_rng_below(&r, 2) && n < N) || n == 0) {
				unsigned o = (unsigned)af_rng_below(&r, 11);
				if (af_alloc_pages(m, 0, AF_GFP_KERNEL, o, -1, &res) == 0) {
					pfn[n] = res.pfn;
					ord[n++] = o;
				}
			} else {
				int k = (int)af_rng_below(&r, (uint64_t)n);
				af_free_pages(m, 0, pfn[k], ord[k]);
				pfn[k] = pfn[--n];
				ord[k] = ord[n];
				ops++;
			}
		}
		printf("random mixed-order (0..10) pair: %.1f ns per alloc+free\n",
		       (now() - t0) * 1e9 / (double)ops);
	}
	printf("metadata: %zu bytes per page (struct page) + %.3f bytes per page (pageblock bits)\n",
	       sizeof(struct page), (double)sizeof(struct pageblock) / PAGEBLOCK_NR_PAGES);
	af_machine_destroy(m);

	scaling("order-0 pairs", false, 2000000, 1.9);
	scaling("mixed-order (0..10) churn", true, 200000, 1.6);
	cold_churn();

	long rss0 = rss_kb();
	t0 = now();
	m = mk("mem = 256G\ncpus = 2\n");
	double ct = now() - t0;
	long rss1 = rss_kb();
	printf("256 GiB machine (%llu pages): created in %.3f s, RSS grew by %.1f MiB "
	       "(metadata mapping %.1f MiB, touched lazily)\n",
	       (unsigned long long)af_machine_managed_pages(m), ct, (double)(rss1 - rss0) / 1024.0,
	       (double)m->pages_bytes / 1048576.0);
	af_machine_destroy(m);
	printf("reference: memcpy bandwidth %.2f GB/s (at the end)\n", memcpy_gbs());
	return 0;
}
