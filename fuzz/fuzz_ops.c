/*
 * fuzz_ops - decode the input into a sequence of allocator operations
 * (alloc, free, bad free, drain, sysctl write, policy switch, render) on a
 * small machine
 * and run af_check() every 32 operations and at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antifrag.h"
#include "fuzz_input.h"


static const af_gfp_t gfps[] = {
	AF_GFP_KERNEL, AF_GFP_ATOMIC, AF_GFP_NOWAIT, AF_GFP_NOIO, AF_GFP_NOFS, AF_GFP_USER,
	AF_GFP_HIGHUSER_MOVABLE, AF_GFP_TRANSHUGE, AF_GFP_TRANSHUGE_LIGHT,
	AF_GFP_KERNEL | AF___GFP_RECLAIMABLE, AF_GFP_KERNEL | AF___GFP_DMA,
	AF_GFP_KERNEL | AF___GFP_DMA32, AF_GFP_KERNEL | AF___GFP_NORETRY,
	AF_GFP_KERNEL | AF___GFP_RETRY_MAYFAIL, AF_GFP_KERNEL | AF___GFP_NOFAIL,
	AF_GFP_KERNEL | AF___GFP_THISNODE, AF_GFP_KERNEL | AF___GFP_COMP,
	AF_GFP_ATOMIC | AF___GFP_NOMEMALLOC,
};

static const char *const sysctls[] = {
	"vm.watermark_scale_factor", "vm.min_free_kbytes", "vm.watermark_boost_factor",
	"vm.lowmem_reserve_ratio", "vm.percpu_pagelist_high_fraction", "vm.extfrag_threshold",
};

/* Small machines keep af_check() cheap; one of each shape. */
static const char *const configs[] = {
	"transparent_hugepage = never\ncpus = 1\nnode.0.zone.DMA32 = 0x1000 4096 4096 4096\n",
	"transparent_hugepage = never\ncpus = 3\nnode.0.zone.DMA = 0x1 4095 3998 3840\n"
	"node.0.zone.DMA32 = 0x1001 6000 5000 4500 100\n",
	"transparent_hugepage = never\ncpus = 2\nnodes = 2\nnode.0.zone.DMA32 = 0x1000 4096 4096 4096\n"
	"node.1.zone.DMA32 = 0x2000 4096 4096 4000 10\n",
	"transparent_hugepage = never\ncpus = 2\nnode.0.zone.DMA32 = 0x1000 4096 4096 4096\n"
	"node.0.zone.Normal = 0x100000 4096 4096 4096\nnode.0.zone.Movable = 0x101000 2048 2048 2048\n",
	"transparent_hugepage = never\ncpus = 1\nnode.0.zone.DMA32 = 0x1000 2048 2048 2048\n",
	"mem = 128M\ncpus = 2\n",
};

static void check(struct af_machine *m)
{
	char rep[512];
	if (af_check(m, rep, sizeof(rep))) {
		fprintf(stderr, "af_check: %s\n", rep);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct af_config *c;
	struct af_machine *m;
	static uint64_t pfn[4096];
	static uint8_t ord[4096], cpuof[4096];
	int n = 0, ops = 0;

	if (af_config_new(&c))
		return 0;
	if (af_config_load_string(c, configs[take(&in, 1) % (sizeof(configs) / sizeof(configs[0]))]) || af_machine_create(c, &m)) {
		fprintf(stderr, "setup: %s\n", af_errmsg());
		abort();
	}
	af_config_free(c);
	int cpus = af_machine_nr_cpus(m);
	af_drain_all(m);
	uint64_t free0 = af_machine_free_pages(m);	/* the boot's kernel pages stay */
	while (in.n) {
		unsigned op = take(&in, 1) % 9;
		int cpu = (int)(take(&in, 1) % (unsigned)cpus);
		switch (op) {
		case 0: case 1: case 2: {
			struct af_alloc_result r;
			af_gfp_t g = gfps[take(&in, 1) % (sizeof(gfps) / sizeof(gfps[0]))];
			unsigned order = take(&in, 1) % 12;		/* 11 is invalid */
			int ret = af_alloc_pages(m, cpu, g, order, -1, &r);
			if (ret == 0 && n < 4096) {
				pfn[n] = r.pfn;
				ord[n] = (uint8_t)order;
				cpuof[n++] = (uint8_t)cpu;
			} else if (ret == 0) {
				if (af_free_pages(m, cpu, r.pfn, order))
					abort();
			}
			break;
		}
		case 3: case 4:
			if (n) {
				int k = (int)(take(&in, 2) % (unsigned)n);
				if (af_free_pages(m, cpu, pfn[k], ord[k])) {
					fprintf(stderr, "free: %s\n", af_errmsg());
					abort();
				}
				pfn[k] = pfn[--n];
				ord[k] = ord[n];
				cpuof[k] = cpuof[n];
			}
			break;
		case 5: {	/* misuse: must be refused or be a legitimate free */
			uint64_t p = take(&in, 3);
			unsigned o = take(&in, 1) % 12;
			for (int k = 0; k < n; k++)
				if (pfn[k] == p && ord[k] == o) {
					pfn[k] = pfn[--n];
					ord[k] = ord[n];
					break;
				}
			(void)af_free_pages(m, cpu, p, o);
			break;
		}
		case 6:
			if (take(&in, 1) & 1)
				af_drain_all(m);
			else
				af_drain_cpu(m, cpu);
			break;
		case 7: {
			char v[32];
			const char *name = sysctls[take(&in, 1) % 6];
			int x = (int)take(&in, 2) - 100;
			if (!strcmp(name, "vm.lowmem_reserve_ratio"))
				snprintf(v, sizeof(v), "%d %d %d 0 0", x, x / 2, x / 8);
			else
				snprintf(v, sizeof(v), "%d", x);
			(void)af_sysctl_write(m, name, v);
			break;
		}
		case 8: {	/* another policy mid-run (nogroup is refused: boot-only) */
			struct af_policy_info pi;
			int k = (int)(take(&in, 1) % 8);
			if (af_policy_info(k, &pi) == 0)
				(void)af_machine_set_policy(m, pi.name);
			break;
		}
		}
		if (++ops % 32 == 0)
			check(m);
	}
	check(m);
	while (n) {
		n--;
		if (af_free_pages(m, cpuof[n], pfn[n], ord[n]))
			abort();
	}
	af_drain_all(m);
	check(m);
	if (af_machine_free_pages(m) != free0)
		abort();
	char *s;
	if (af_render(m, "/proc/zoneinfo", &s) == 0)
		free(s);
	af_machine_destroy(m);
	return 0;
}
