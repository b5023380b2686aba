/*
 * bench_alloc - speed and memory of the page allocator, with the machine's
 * memcpy bandwidth as a reference.  Prints figures; asserts nothing.
 */
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

/* median over 15 runs of n alloc+free pairs of one order */
static double pair_ns(struct af_machine *m, af_gfp_t gfp, unsigned order, int n)
{
	double t[15];
	struct af_alloc_result r;
	for (int k = 0; k < 15; k++) {
		double t0 = now();
		for (int i = 0; i < n; i++) {
			if (af_alloc_pages(m, 0, gfp, order, -1, &r) || af_free_pages(m, 0, r.pfn, order)) {
				fprintf(stderr, "bench: %s\n", af_errmsg());
				exit(1);
			}
		}
		t[k] = (now() - t0) * 1e9 / n;
	}
	qsort(t, 15, sizeof(double), cmp);
	return t[7];
}

int main(void)
{
	size_t sz = 256 << 20;
	char *a = malloc(sz), *b = malloc(sz);
	memset(a, 1, sz);
	memset(b, 2, sz);
	double t0 = now();
	for (int i = 0; i < 8; i++)
		memcpy(i & 1 ? a : b, i & 1 ? b : a, sz);
	double bw = 8.0 * (double)sz / (now() - t0) / 1e9;
	free(a);
	free(b);
	printf("reference: memcpy bandwidth %.2f GB/s\n", bw);

	struct af_machine *m = mk("mem = 4G\ncpus = 2\n");
	printf("order-0 alloc+free pair (pcp fast path, GFP_KERNEL): %.1f ns median\n",
	       pair_ns(m, AF_GFP_KERNEL, 0, 1000000));
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
	return 0;
}
