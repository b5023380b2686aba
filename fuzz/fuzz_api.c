/*
 * fuzz_api - the public API at its edges: each operation takes its
 * arguments from the input as NULLs, huge and wrapping integers, ids that
 * exist or not and handles used twice (double free, double unpin, release
 * after release), on a small machine with a world and a CMA area.  Nothing
 * may crash; a read that sees wrong contents (-EIO) or an af_check()
 * violation is a bug; at the end everything is given back and the machine
 * must hold as many free pages as it booted with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antifrag.h"
#include "fuzz_input.h"

#define MAXH 32

static const char CONFIG[] =
	"transparent_hugepage = madvise\ncpus = 2\ncontents = 1\n"
	"node.0.zone.DMA32 = 0x1000 4096 4096 4096\ncma_size = 2M\n";

struct state {
	struct af_machine *m;
	struct in in;
	int pids[8], npids;
	uint64_t vpns[MAXH];
	int vpn_pid[MAXH], nvpns;
	int fids[4], nfids;
	int cids[2], ncids;
	uint64_t objs[MAXH];
	int obj_cid[MAXH], nobjs;
	int dids[2], ndids;
	uint64_t dpages[MAXH];
	int dpage_did[MAXH], ndpages;
	uint64_t kpfn[MAXH];
	unsigned korder[MAXH];
	int nk;
	uint64_t cma[MAXH], cma_n[MAXH];
	int ncma;
	uint64_t pins[MAXH];
	int npins;
	uint64_t locked[MAXH];
	int nlocked;
	uint64_t wb_idx[MAXH];
	int wb_fid[MAXH], nwb;
	uint64_t leaked;	/* pages allocated with no res to learn where (a wild
				 * free may still give them back: any caller may free
				 * an unowned page) */
};

/* FUZZ_API_TRACE=1 when replaying a finding: what each step did */
static bool tracing;

__attribute__((format(printf, 1, 2)))
static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	fputs("  ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void fail(const char *what, int ret)
{
	fprintf(stderr, "fuzz_api: %s: %d: %s\n", what, ret, af_errmsg());
	abort();
}

static void check(struct af_machine *m, const char *when)
{
	char rep[512];

	if (af_check(m, rep, sizeof(rep))) {
		fprintf(stderr, "fuzz_api: af_check after %s: %s\n", when, rep);
		abort();
	}
}

/* A number from the input: often an edge (0, 1, a power of two and its
 * neighbours, the top of a type), else raw bytes */
static uint64_t wild(struct in *in)
{
	static const uint64_t edges[] = {
		0, 1, 2, 511, 512, 513, 1023, 1024, 0x1000, 0x2fff, 0x3000, (1ULL << 21),
		(1ULL << 28) - 1, (1ULL << 30), (1ULL << 30) + 1, (1ULL << 31) - 1, (1ULL << 31),
		UINT32_MAX, (1ULL << 32), (1ULL << 48), (1ULL << 55) + 1, (1ULL << 63),
		UINT64_MAX - 1, UINT64_MAX,
	};
	unsigned sel = take(in, 1);

	if (sel < 96)
		return edges[sel % (sizeof(edges) / sizeof(edges[0]))];
	if (sel < 192)
		return take(in, 2);
	return ((uint64_t)take(in, 4) << 32) | take(in, 4);
}

/* An index into a list of n, or n itself (one past: an id that is not there) */
static int pick(struct in *in, int n)
{
	return (int)(take(in, 1) % (unsigned)(n + 1));
}

/* A pfn: one the state holds, one of a mapping, or a wild one */
static uint64_t some_pfn(struct state *s)
{
	uint64_t pfn = 0;

	switch (take(&s->in, 1) % 4) {
	case 0:
		if (s->nk)
			return s->kpfn[pick(&s->in, s->nk - 1)];
		break;
	case 1:
		if (s->nvpns) {
			int k = pick(&s->in, s->nvpns - 1);
			if (s->vpn_pid[k] >= 0 &&	/* -1: its process exited */
			    af_vpn_to_pfn(s->m, s->pids[s->vpn_pid[k]], s->vpns[k], &pfn) == 0)
				return pfn;
		}
		break;
	case 2:
		if (s->ncma)
			return s->cma[pick(&s->in, s->ncma - 1)] + take(&s->in, 1) % 4;
		break;
	}
	return 0x1000 + take(&s->in, 2) % 4096;
}

static void step(struct state *s)
{
	struct af_machine *m = s->m;
	struct in *in = &s->in;
	unsigned op = take(in, 1) % 24;
	int cpu = (int)(take(in, 1) % 3) - (take(in, 1) == 0xff);	/* -1..2: 2 does not exist */
	uint64_t a = wild(in), b = wild(in);
	bool null = take(in, 1) % 8 == 0;
	int ret = 0, k;
	uint64_t u = 0;

	switch (op) {
	case 0: {	/* the page allocator */
		struct af_alloc_result r;
		af_gfp_t gfp = (af_gfp_t)(take(in, 1) % 2 ? AF_GFP_KERNEL : a);
		ret = af_alloc_pages(m, cpu, gfp, (unsigned)(b % 13), (int)(take(in, 1) % 3) - 1,
				     null ? NULL : &r);
		if (ret == 0 && !null)
			trace("allocated 0x%llx order %u", (unsigned long long)r.pfn, (unsigned)(b % 13));
		if (ret == 0 && !null && s->nk < MAXH) {
			s->kpfn[s->nk] = r.pfn;
			s->korder[s->nk++] = (unsigned)(b % 13);
		} else if (ret == 0) {
			s->leaked += 1ULL << (b % 13);
		}
		break;
	}
	case 1:		/* free: held, twice, or wild */
		k = pick(in, s->nk);
		if (k < s->nk && a % 5 == 0) {
			/* split (or a wrong order): its pages held one by one */
			unsigned o = s->korder[k] - (s->korder[k] && b % 4 == 0);
			ret = af_split_page(m, s->kpfn[k], o);
			if (ret == 0) {
				s->korder[k] = 0;
				for (uint64_t i = 1; i < (1ULL << o); i++) {
					if (s->nk < MAXH) {
						s->kpfn[s->nk] = s->kpfn[k] + i;
						s->korder[s->nk++] = 0;
					} else {
						s->leaked++;
					}
				}
			}
		} else if (k < s->nk) {
			/* kept after a free now and then: the next free is a double free */
			ret = af_free_pages(m, cpu, s->kpfn[k], s->korder[k]);
			trace("free of held 0x%llx order %u", (unsigned long long)s->kpfn[k], s->korder[k]);
			if (ret == 0 && take(in, 1) % 4)
				s->kpfn[k] = s->kpfn[--s->nk], s->korder[k] = s->korder[s->nk];
		} else {
			uint64_t pfn = some_pfn(s);
			ret = af_free_pages(m, cpu, pfn, (unsigned)(a % 12));
			trace("wild free of 0x%llx order %u", (unsigned long long)pfn, (unsigned)(a % 12));
		}
		break;
	case 2:		/* CMA */
		ret = af_cma_alloc(m, a % 600, (unsigned)(b % 70), null ? NULL : &u);
		if (ret == 0 && s->ncma < MAXH) {
			s->cma[s->ncma] = u;
			s->cma_n[s->ncma++] = a % 600;
		} else if (ret == 0 && af_cma_release(m, u, a % 600)) {	/* no room to keep it */
			fail("cma_release of a fresh range", -1);
		}
		break;
	case 3:
		k = pick(in, s->ncma);
		if (k < s->ncma && take(in, 1) % 2) {
			if (af_cma_release(m, s->cma[k], s->cma_n[k]) == 0 && take(in, 1) % 4)
				s->cma[k] = s->cma[--s->ncma], s->cma_n[k] = s->cma_n[s->ncma];
		} else {
			af_cma_release(m, k < s->ncma ? s->cma[k] + a % 4 : some_pfn(s), b);
		}
		break;
	case 4:		/* processes */
		if (s->npids < 8 && af_proc_create(m, null ? NULL : &s->pids[s->npids]) == 0)
			s->npids++;
		break;
	case 5:
		k = pick(in, s->npids);
		if (s->npids < 8 && k < s->npids &&
		    af_proc_fork(m, s->pids[k], null ? NULL : &s->pids[s->npids]) == 0)
			s->npids++;
		else if (k == s->npids && af_proc_fork(m, (int)a, &k) == 0)
			af_proc_exit(m, k);	/* a wild pid that happened to exist */
		break;
	case 6:
		k = pick(in, s->npids);
		if (af_proc_exit(m, k < s->npids ? s->pids[k] : (int)a) == 0 && k < s->npids) {
			for (int i = 0; i < s->nvpns; i++)
				if (s->vpn_pid[i] == k)
					s->vpn_pid[i] = -1;
			/* the exited pid stays in the list: later calls name a dead process */
		}
		break;
	case 7: {	/* mappings with wild sizes and offsets */
		unsigned kind = take(in, 1) % 3;
		k = pick(in, s->npids);
		int pid = k < s->npids ? s->pids[k] : (int)a;
		int fid = s->nfids ? s->fids[pick(in, s->nfids - 1)] : (int)b;
		uint64_t n = take(in, 1) % 2 ? 1 + b % 64 : b;
		uint64_t *out = null ? NULL : &u;
		if (kind == 0)
			ret = af_mmap_anon(m, pid, n, (unsigned)a & 3, out);
		else if (kind == 1)
			ret = af_mmap_file(m, pid, fid, take(in, 1) % 2 ? a % 300 : a, n, (unsigned)a & 3, out);
		else
			ret = af_mmap_hugetlb(m, pid, take(in, 1) % 2 ? a % 3 : a, out);
		if (ret == 0 && s->nvpns < MAXH && k < s->npids) {
			s->vpns[s->nvpns] = u;
			s->vpn_pid[s->nvpns++] = k;
		}
		break;
	}
	case 8:
		k = pick(in, s->nvpns);
		if (k < s->nvpns && s->vpn_pid[k] >= 0)
			af_munmap(m, s->pids[s->vpn_pid[k]], s->vpns[k] + (take(in, 1) % 8 == 0));
		else if (s->npids)
			af_munmap(m, s->pids[0], a);
		break;
	case 9:	case 10: {	/* accesses, inside a mapping or anywhere */
		k = pick(in, s->nvpns);
		int pid = k < s->nvpns && s->vpn_pid[k] >= 0 ? s->pids[s->vpn_pid[k]] :
			  s->npids ? s->pids[0] : (int)a;
		uint64_t vpn = k < s->nvpns ? s->vpns[k] + b % 600 : a;
		ret = op == 9 ? af_mem_write(m, pid, cpu, vpn) : af_mem_read(m, pid, cpu, vpn);
		if (ret == -EIO)
			fail("access", ret);
		break;
	}
	case 11:	/* files */
		if (s->nfids < 4 && af_file_create(m, a & 1, null ? NULL : &s->fids[s->nfids]) == 0)
			s->nfids++;
		else if (s->nfids && take(in, 1) % 4 == 0)
			af_file_delete(m, s->fids[pick(in, s->nfids - 1)]);
		break;
	case 12: {
		int fid = s->nfids && take(in, 1) % 4 ? s->fids[pick(in, s->nfids - 1)] : (int)a;
		uint64_t idx = take(in, 1) % 2 ? b % 300 : b;
		switch (take(in, 1) % 5) {
		case 0: ret = af_file_read(m, fid, cpu, idx); break;
		case 1: ret = af_file_write(m, fid, cpu, idx); break;
		case 2:
			ret = af_file_writeback(m, fid, idx, a);
			if (ret == 0 && s->nwb < MAXH) {
				s->wb_fid[s->nwb] = fid;
				s->wb_idx[s->nwb++] = idx;
			} else if (ret == 0) {	/* no room to keep it */
				af_file_writeback_end(m, fid, idx);
			}
			break;
		case 3: ret = af_file_writeback_end(m, fid, idx); break;
		default: ret = af_file_page(m, fid, idx, null ? NULL : &u); break;
		}
		if (ret == -EIO)
			fail("file", ret);
		break;
	}
	case 13:	/* slab: handles with junk, freed twice */
		if (s->ncids < 2 && af_slab_create(m, null ? NULL : "fuzz", (unsigned)(b % 5000),
						   a & 1, &s->cids[s->ncids]) == 0)
			s->ncids++;
		else if (s->ncids && s->nobjs < MAXH) {
			int c = s->cids[pick(in, s->ncids - 1)];
			if (af_slab_alloc(m, c, cpu, null ? NULL : &s->objs[s->nobjs]) == 0)
				s->obj_cid[s->nobjs++] = c;
		}
		break;
	case 14:
		k = pick(in, s->nobjs);
		if (k < s->nobjs) {
			uint64_t junk = take(in, 1) % 4 == 0 ? a << 48 : 0;
			if (af_slab_free(m, s->obj_cid[k], s->objs[k] | junk) == 0 && !junk &&
			    take(in, 1) % 4)
				s->objs[k] = s->objs[--s->nobjs], s->obj_cid[k] = s->obj_cid[s->nobjs];
		} else {
			unsigned long fr;
			af_slab_shrink(m, s->ncids ? s->cids[0] : (int)a, (unsigned long)b,
				       null ? NULL : &fr);
		}
		break;
	case 15:	/* drivers */
		if (s->ndids < 2 && af_driver_create(m, NULL, NULL, null ? NULL : &s->dids[s->ndids]) == 0)
			s->ndids++;
		else if (s->ndids && s->ndpages < MAXH) {
			int d = s->dids[pick(in, s->ndids - 1)];
			if (af_driver_alloc(m, d, cpu, null ? NULL : &s->dpages[s->ndpages]) == 0)
				s->dpage_did[s->ndpages++] = d;
		}
		break;
	case 16:
		k = pick(in, s->ndpages);
		if (k < s->ndpages) {
			if (take(in, 1) % 2 && af_driver_page(m, s->dpage_did[k], s->dpages[k], &u) == 0 &&
			    s->npins < MAXH && af_page_pin(m, u) == 0)
				s->pins[s->npins++] = u;
			if (af_driver_free(m, s->dpage_did[k], s->dpages[k]) == 0 && take(in, 1) % 4)
				s->dpages[k] = s->dpages[--s->ndpages], s->dpage_did[k] = s->dpage_did[s->ndpages];
		} else {
			af_driver_free(m, s->ndids ? s->dids[0] : (int)a, b);
			af_driver_fail_migrate_after(m, s->ndids ? s->dids[0] : (int)a, (int)b);
		}
		break;
	case 17: {	/* page states: lock, pin, unpin (twice, or never pinned) */
		uint64_t pfn = take(in, 1) % 4 ? some_pfn(s) : a;
		switch (take(in, 1) % 4) {
		case 0:
			if (af_page_lock(m, pfn, b) == 0) {
				if (take(in, 1) % 2 || s->nlocked == MAXH)
					af_page_unlock(m, pfn);
				else if (s->nlocked < MAXH)
					s->locked[s->nlocked++] = pfn;
			}
			break;
		case 1:
			af_page_unlock(m, pfn);
			break;
		case 2:
			if (s->npins < MAXH && af_page_pin(m, pfn) == 0)
				s->pins[s->npins++] = pfn;
			break;
		default:
			k = pick(in, s->npins);
			if (k < s->npins) {
				if (af_page_unpin(m, s->pins[k]) == 0 && take(in, 1) % 4)
					s->pins[k] = s->pins[--s->npins];
			} else {
				af_page_unpin(m, pfn);
			}
		}
		break;
	}
	case 18: {	/* migration of wild pfns */
		uint64_t pfns[6];
		int res[6], n = (int)(take(in, 1) % 7);
		for (int i = 0; i < n; i++)
			pfns[i] = take(in, 1) % 8 ? some_pfn(s) : wild(in);
		for (int i = 1; i < n; i++)	/* a duplicate is refused as a whole */
			for (int j = 0; j < i; j++)
				if (pfns[i] == pfns[j] && take(in, 1) % 2)
					pfns[i] ^= 1;
		/* a wild count only when negative: a larger one would overrun the array */
		af_migrate_pfns(m, null && n ? NULL : pfns, take(in, 1) % 8 || (int)a >= 0 ? n : (int)a,
				(enum af_migrate_mode)(b % 4), (enum af_migrate_reason)(a % 10),
				(int)(take(in, 1) % 3) - 1, take(in, 1) % 2 ? res : NULL, NULL);
		break;
	}
	case 19: {	/* ranges */
		uint64_t start = take(in, 1) % 2 ? some_pfn(s) & ~1023ULL : a, busy;
		uint64_t n = take(in, 1) % 2 ? 1 + b % 2048 : b;
		unsigned sub = take(in, 1) % 4;
		switch (sub) {
		case 0:
			ret = af_migrate_range(m, start, start + n, (enum af_migrate_mode)(a % 4), &busy, NULL);
			break;
		case 1:
			ret = af_alloc_contig_range(m, start, start + n, &busy);
			if (ret)
				break;
			/* a range that cannot be kept goes back at once: it would
			 * be neither held nor counted leaked */
			if (take(in, 1) % 2 || s->nk == MAXH) {
				af_free_contig_range(m, start, n);
			} else if (n == 1) {
				s->kpfn[s->nk] = start;
				s->korder[s->nk++] = 0;
			} else {
				af_free_contig_range(m, start + 1, n - 1);
				af_free_contig_range(m, start, 1);
			}
			break;
		case 2:
			ret = af_free_contig_range(m, start, n);
			break;
		default:
			ret = af_offline_pages(m, start, n, &busy);
			break;
		}
		trace("range op %u at 0x%llx, %llu pages", sub, (unsigned long long)start,
		      (unsigned long long)n);
		break;
	}
	case 20: {	/* hugetlb, compaction, daemons, clock */
		unsigned long now;
		switch (take(in, 1) % 4) {
		case 0: af_hugetlb_resize(m, (unsigned long)(take(in, 1) % 2 ? a % 4 : a), null ? NULL : &now); break;
		case 1: af_compact_memory(m); break;
		case 2: af_compact_node(m, (int)a); break;
		default:
			af_clock_advance(m, b % (1ULL << 40));
			af_run_daemons(m);
		}
		break;
	}
	case 21: {	/* strings: GFP masks, sizes, sysctls, renders */
		char str[24];
		size_t n = take(in, 1) % sizeof(str);
		for (size_t i = 0; i < n; i++)
			str[i] = (char)take(in, 1);
		str[n] = '\0';
		af_gfp_t g;
		af_gfp_parse(str, null ? NULL : &g);
		af_parse_size(str, &u);
		static const char *const names[] = {
			"vm.extfrag_threshold", "vm.compaction_proactiveness", "vm.nr_hugepages",
			"vm.watermark_boost_factor", "vm.min_free_kbytes", "vm.compact_memory", NULL,
		};
		const char *name = names[take(in, 1) % 7];
		af_sysctl_write(m, name, null ? NULL : str);
		char buf[64];
		af_sysctl_read(m, name, take(in, 1) % 2 ? buf : NULL, (size_t)(a % 65));
		const char *const *paths = af_render_paths();
		char *out = NULL;
		if (af_render(m, paths[take(in, 1) % 3], null ? NULL : &out) == 0)
			free(out);
		break;
	}
	case 22: {	/* slow-path hooks set from this frame, used after it returns */
		struct af_slowpath_ops ops = { 0 };
		af_set_slowpath_ops(m, take(in, 1) % 2 ? &ops : NULL, NULL);
		break;
	}
	case 23: {	/* views */
		struct af_metrics mt;
		struct af_world_stats ws;
		af_metrics(m, null ? NULL : &mt);
		af_world_stats(m, null ? NULL : &ws);
		af_vmstat(m, null ? NULL : "nr_free_pages", &u);
		(void)af_fragmentation_score(m, (int)a);
		break;
	}
	}
	if (tracing)
		fprintf(stderr, "op %u cpu %d a 0x%llx b 0x%llx null %d: %d %s [%llu free, %llu managed]\n",
			op, cpu, (unsigned long long)a, (unsigned long long)b, null, ret,
			ret ? af_errmsg() : "", (unsigned long long)af_machine_free_pages(m),
			(unsigned long long)af_machine_managed_pages(m));
}

/* Give everything back: the machine must hold all it booted with */
static void release_all(struct state *s, uint64_t free0, uint64_t managed0)
{
	struct af_machine *m = s->m;
	uint64_t now_free, expect;
	unsigned long now;

	for (int i = 0; i < s->nlocked; i++)
		af_page_unlock(m, s->locked[i]);
	for (int i = 0; i < s->nwb; i++)
		af_file_writeback_end(m, s->wb_fid[i], s->wb_idx[i]);
	for (int i = 0; i < s->npins; i++)
		af_page_unpin(m, s->pins[i]);
	for (int i = 0; i < s->npids; i++)
		af_proc_exit(m, s->pids[i]);
	for (int i = 0; i < s->nfids; i++)
		af_file_delete(m, s->fids[i]);
	for (int i = 0; i < s->nobjs; i++)
		af_slab_free(m, s->obj_cid[i], s->objs[i]);
	for (int i = 0; i < s->ndpages; i++)
		af_driver_free(m, s->dpage_did[i], s->dpages[i]);
	for (int i = 0; i < s->nk; i++) {
		int ret = af_free_pages(m, 0, s->kpfn[i], s->korder[i]);
		trace("release of 0x%llx order %u: %d", (unsigned long long)s->kpfn[i], s->korder[i], ret);
	}
	/* page by page: a wild release may have given back part of a range,
	 * and a release that names a page no longer allocated is refused whole */
	for (int i = 0; i < s->ncma; i++)
		for (uint64_t j = 0; j < s->cma_n[i]; j++)
			af_cma_release(m, s->cma[i] + j, 1);
	af_hugetlb_resize(m, 0, &now);
	af_drain_all(m);
	check(m, "release");
	now_free = af_machine_free_pages(m);
	/* offlined pages leave the count with the managed ones */
	expect = free0 - (managed0 - af_machine_managed_pages(m)) - s->leaked;
	if (now_free < expect || now_free > expect + s->leaked) {
		fprintf(stderr, "fuzz_api: %llu free pages after release, %llu expected\n",
			(unsigned long long)now_free, (unsigned long long)expect);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state s;
	struct af_config *c;
	uint64_t free0, managed0;
	int ops = 0;

	memset(&s, 0, sizeof(s));
	tracing = getenv("FUZZ_API_TRACE") != NULL;
	s.in = (struct in){ data, size };
	if (af_config_new(&c) || af_config_load_string(c, CONFIG) || af_machine_create(c, &s.m)) {
		fprintf(stderr, "setup: %s\n", af_errmsg());
		abort();
	}
	af_config_free(c);
	af_drain_all(s.m);
	free0 = af_machine_free_pages(s.m);
	managed0 = af_machine_managed_pages(s.m);
	while (s.in.n) {
		step(&s);
		if (++ops % 32 == 0)
			check(s.m, "32 operations");
	}
	check(s.m, "the operations");
	release_all(&s, free0, managed0);
	af_machine_destroy(s.m);
	return 0;
}
