/*
 * alloc_core - the allocator core alone, as a kernel, hypervisor or
 * unikernel would embed it: link libantifrag_core (C11 + pthreads, no world
 * of processes or files), describe the memory, allocate and free page
 * blocks of every mobility, and check the allocator's invariants.
 *
 *   cc alloc_core.c -lantifrag_core -lpthread -lm
 *   ./alloc_core [MEM]        (default 256M)
 */
#include <stdio.h>
#include <stdlib.h>

#include "antifrag.h"

#define N 4096

int main(int argc, char **argv)
{
	struct af_config *cfg;
	struct af_machine *m;
	static uint64_t pfn[N];
	static unsigned int order[N];
	char report[256];
	uint64_t free0;
	int n = 0, failed = 0;

	if (af_config_new(&cfg) || af_config_set(cfg, "mem", argc > 1 ? argv[1] : "256M") ||
	    af_config_set(cfg, "cpus", "2") || af_machine_create_core(cfg, &m)) {
		fprintf(stderr, "alloc_core: %s\n", af_errmsg());
		return 2;
	}
	af_config_free(cfg);
	free0 = af_machine_free_pages(m);
	/* unmovable, reclaimable and movable blocks of orders 0..9, then free half */
	for (int i = 0; i < N; i++) {
		static const af_gfp_t gfp[] = { AF_GFP_KERNEL, AF_GFP_KERNEL | AF___GFP_RECLAIMABLE,
						AF_GFP_HIGHUSER_MOVABLE };
		struct af_alloc_result r;
		unsigned int o = (unsigned int)(i % 64 == 0 ? 9 : i % 4);
		if (af_alloc_pages(m, i & 1, gfp[i % 3] | AF___GFP_NOWARN, o, -1, &r)) {
			failed++;
			continue;
		}
		pfn[n] = r.pfn;
		order[n++] = o;
	}
	for (int i = 0; i < n; i += 2)
		af_free_pages(m, i & 1, pfn[i], order[i]);
	if (af_check(m, report, sizeof(report))) {
		fprintf(stderr, "alloc_core: invariant violated: %s\n", report);
		return 1;
	}
	printf("alloc_core: %llu pages free at boot, %d blocks held, %d failed, %llu pages free now; "
	       "invariants hold\n", (unsigned long long)free0, n - (n + 1) / 2, failed,
	       (unsigned long long)af_machine_free_pages(m));
	for (int i = 1; i < n; i += 2)
		af_free_pages(m, i & 1, pfn[i], order[i]);
	af_drain_all(m);
	if (af_check(m, report, sizeof(report)) || af_machine_free_pages(m) != free0) {
		fprintf(stderr, "alloc_core: not everything came back\n");
		return 1;
	}
	af_machine_destroy(m);
	return 0;
}
