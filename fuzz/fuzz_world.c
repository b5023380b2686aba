/*
 * fuzz_world - decode the input into operations on the world (processes,
 * fork, exit, mmap, page accesses, files, writeback, slab, drivers, pins,
 * hugetlb) interleaved with migration, compaction, daemons, contiguous
 * allocations and policy switches; af_check() with the full integrity pass
 * every CHECK_EVERY operations and at the end.
 * A read that sees wrong contents (-EIO) is a bug.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antifrag.h"
#include "fuzz_input.h"


static void check(struct af_machine *m)
{
	char rep[512];
	if (af_check(m, rep, sizeof(rep))) {
		fprintf(stderr, "af_check: %s\n", rep);
		abort();
	}
}

static void must(int ret, const char *what)
{
	if (ret == -EIO) {
		fprintf(stderr, "%s: %s\n", what, af_errmsg());
		abort();
	}
}

/*
 * Small machines, so that an input runs in milliseconds: af_check() walks
 * every pfn, and it runs every CHECK_EVERY operations.  The third has a
 * hole between its zones.
 */
static const char *const configs[] = {
	"transparent_hugepage = never\ncpus = 2\ncontents = 1\nnode.0.zone.DMA32 = 0x1000 6144 6144 6144\n",
	"transparent_hugepage = always\ncpus = 1\ncontents = 1\nnode.0.zone.DMA32 = 0x1000 6144 6144 6000 100\n",
	("transparent_hugepage = madvise\ncpus = 2\ncontents = 1\ncma = 1\nnode.0.zone.DMA32 = 0x1000 3072 3072 3072\n"
	 "node.0.zone.Normal = 0x2800 4096 4096 4096\n"),
};
/* Operations decoded from one input at most; the rest of a longer input is ignored */
#define MAX_OPS 256
#define CHECK_EVERY 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct af_config *c;
	struct af_machine *m;
	int pids[8], npids = 0, fids[3], cid, did;
	uint64_t vpns[8][4], lens[8][4];
	int nreg[8] = { 0 };
	uint64_t objs[64], drv[32];
	int nobjs = 0, ndrv = 0, ops = 0;

	if (af_config_new(&c))
		return 0;
	if (af_config_load_string(c, configs[take(&in, 1) % 3]) || af_machine_create(c, &m)) {
		fprintf(stderr, "setup: %s\n", af_errmsg());
		abort();
	}
	af_config_free(c);
	for (int i = 0; i < 3; i++)
		if (af_file_create(m, i == 2, &fids[i]))
			abort();
	if (af_slab_create(m, "dentry", 192, true, &cid) || af_driver_create(m, NULL, NULL, &did))
		abort();
	int cpus = af_machine_nr_cpus(m);
	while (in.n && ops < MAX_OPS) {
		unsigned op = take(&in, 1) % 21;
		int cpu = (int)(take(&in, 1) % (unsigned)cpus);
		int p = npids ? (int)(take(&in, 1) % (unsigned)npids) : 0;
		switch (op) {
		case 0:
			if (npids < 8 && af_proc_create(m, &pids[npids]) == 0)
				nreg[npids++] = 0;
			break;
		case 1:
			if (npids && npids < 8 && af_proc_fork(m, pids[p], &pids[npids]) == 0) {
				memcpy(vpns[npids], vpns[p], sizeof(vpns[p]));
				memcpy(lens[npids], lens[p], sizeof(lens[p]));
				nreg[npids++] = nreg[p];
			}
			break;
		case 2:
			if (npids) {
				af_proc_exit(m, pids[p]);
				pids[p] = pids[--npids];
				memcpy(vpns[p], vpns[npids], sizeof(vpns[p]));
				memcpy(lens[p], lens[npids], sizeof(lens[p]));
				nreg[p] = nreg[npids];
			}
			break;
		case 3:
			if (npids && nreg[p] < 4) {
				uint64_t n = 1 + take(&in, 2) % 1100;
				unsigned fl = take(&in, 1) % 4;
				if (af_mmap_anon(m, pids[p], n, fl, &vpns[p][nreg[p]]) == 0)
					lens[p][nreg[p]++] = n;
			}
			break;
		case 4: case 5: case 6:
			if (npids && nreg[p]) {
				int k = (int)(take(&in, 1) % (unsigned)nreg[p]);
				uint64_t v = vpns[p][k] + take(&in, 2) % lens[p][k];
				must(op == 6 ? af_mem_read(m, pids[p], cpu, v) : af_mem_write(m, pids[p], cpu, v),
				     "access");
			}
			break;
		case 7:
			if (npids && nreg[p]) {
				int k = (int)(take(&in, 1) % (unsigned)nreg[p]);
				if (af_munmap(m, pids[p], vpns[p][k]) == 0) {
					vpns[p][k] = vpns[p][nreg[p] - 1];
					lens[p][k] = lens[p][--nreg[p]];
				}
			}
			break;
		case 8: {
			int f = fids[take(&in, 1) % 3];
			uint64_t idx = take(&in, 1) % 200;
			unsigned w = take(&in, 1) % 3;
			must(w == 0 ? af_file_read(m, f, cpu, idx) : w == 1 ? af_file_write(m, f, cpu, idx)
				     : af_file_writeback(m, f, idx, take(&in, 1) * 10000ULL), "file");
			break;
		}
		case 9:
			if (npids && nreg[p] < 4) {
				uint64_t n = 1 + take(&in, 1) % 64;
				if (af_mmap_file(m, pids[p], fids[take(&in, 1) % 3], take(&in, 1) % 100, n, 0,
						 &vpns[p][nreg[p]]) == 0)
					lens[p][nreg[p]++] = n;
			}
			break;
		case 10:
			if (nobjs < 64 && af_slab_alloc(m, cid, cpu, &objs[nobjs]) == 0)
				nobjs++;
			break;
		case 11:
			if (nobjs) {
				int k = (int)(take(&in, 1) % (unsigned)nobjs);
				af_slab_free(m, cid, objs[k]);	/* -ENOENT after a shrink is fine */
				objs[k] = objs[--nobjs];
			} else {
				unsigned long fr;
				af_slab_shrink(m, cid, take(&in, 1), &fr);
			}
			break;
		case 12:
			if (ndrv < 32 && af_driver_alloc(m, did, cpu, &drv[ndrv]) == 0)
				ndrv++;
			else if (ndrv) {
				int k = (int)(take(&in, 1) % (unsigned)ndrv);
				af_driver_free(m, did, drv[k]);
				drv[k] = drv[--ndrv];
			}
			break;
		case 13: {
			uint64_t pfns[8];
			int n = 0;
			uint64_t maxp = af_machine_max_pfn(m);
			for (int k = 0; k < 8; k++) {
				uint64_t x = take(&in, 3) % maxp;
				bool dup = false;
				for (int j = 0; j < n; j++)
					dup |= pfns[j] == x;
				if (!dup)
					pfns[n++] = x;
			}
			af_migrate_pfns(m, pfns, n, (enum af_migrate_mode)(take(&in, 1) % 3),
					(enum af_migrate_reason)(take(&in, 1) % 4), -1, NULL, NULL);
			break;
		}
		case 14:
			af_compact_memory(m);
			break;
		case 15:
			af_clock_advance(m, take(&in, 2) * 100000ULL);
			af_run_daemons(m);
			break;
		case 16: {
			uint64_t maxp = af_machine_max_pfn(m), s = take(&in, 3) % maxp, busy;
			uint64_t n = 1 + take(&in, 1) % 64;
			if (af_alloc_contig_range(m, s, s + n, &busy) == 0)
				af_free_contig_range(m, s, n);
			break;
		}
		case 17: {
			unsigned long now;
			af_hugetlb_resize(m, take(&in, 1) % 4, &now);
			break;
		}
		case 18: {
			uint64_t x = take(&in, 3) % af_machine_max_pfn(m);
			if (af_page_pin(m, x) == 0 && take(&in, 1) % 2)
				af_page_unpin(m, x);
			break;
		}
		case 19: {
			struct af_alloc_result r;
			unsigned o = take(&in, 1) % 10;
			if (af_alloc_pages(m, cpu, o >= 4 ? AF_GFP_KERNEL | AF___GFP_RETRY_MAYFAIL : AF_GFP_KERNEL, o, -1,
					   &r) == 0)
				af_free_pages(m, cpu, r.pfn, o);
			break;
		}
		case 20: {	/* another policy mid-run, with a parameter */
			struct af_policy_info pi;
			char spec[96];
			int k = (int)(take(&in, 1) % 8);
			if (af_policy_info(k, &pi) == 0) {
				if (pi.nparams)
					snprintf(spec, sizeof(spec), "%s:%s=%ld", pi.name, pi.params[0].name,
						 pi.params[0].min + (long)take(&in, 1) % (pi.params[0].max - pi.params[0].min + 1));
				else
					snprintf(spec, sizeof(spec), "%s", pi.name);
				(void)af_machine_set_policy(m, spec);
			}
			break;
		}
		}
		if (++ops % CHECK_EVERY == 0)
			check(m);
	}
	check(m);
	for (int i = 0; i < npids; i++)
		af_proc_exit(m, pids[i]);
	check(m);
	af_machine_destroy(m);
	return 0;
}
