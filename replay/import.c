/*
 * import.c - a machine from a state captured on a real Linux machine
 * (tools/capture.sh's start/ or end/ directory): the zone layout, per-CPU
 * page counts and vm.* sysctls from zoneinfo and sysctl_vm, every frame's
 * state from kpageflags and kpagecount, and each pageblock's migratetype
 * inferred from the pages in it and made to agree with pagetypeinfo's
 * per-zone counts.  What cannot be known is counted and reported.
 *
 * What kpageflags tells (fs/proc/page.c: stable_page_flags() of 6.1):
 * KPF_NOPAGE for a frame with no memmap, KPF_RESERVED for memblock's pages,
 * KPF_BUDDY for every page of a free buddy block, the compound head and
 * tail bits, and the kind of an allocated page (slab, LRU, anonymous,
 * page table, hugetlb, THP).  A page with a zero count and none of these
 * is free but not in the buddy: on some CPU's per-CPU list.
 *
 * Simplifications, reported: free buddy blocks are rebuilt as the largest
 * aligned blocks of each free run (6.1 always merges buddies, so this is
 * its state unless a merge was refused across an isolated block); per-CPU
 * pages are order 0, given to the CPUs in pfn order by zoneinfo's counts;
 * order-0 movable pages become pages of one driver with movable operations
 * (migratable, but not on an LRU list and without a process or file);
 * every other allocated page is an unowned allocation of its kind's GFP
 * flags (slab and page tables too); the per-CPU event counters restart
 * at zero.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* include/uapi/linux/kernel-page-flags.h */
enum {
	KPF_SLAB = 7, KPF_LRU = 5, KPF_BUDDY = 10, KPF_MMAP = 11, KPF_ANON = 12, KPF_SWAPBACKED = 14,
	KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17, KPF_NOPAGE = 20, KPF_KSM = 21,
	KPF_THP = 22, KPF_OFFLINE = 23, KPF_PGTABLE = 26, KPF_RESERVED = 32,
};
#define KPF(f, b) (((f) >> (b)) & 1)

struct zone_snap {
	bool set, have_wmarks;
	unsigned long start, spanned, present, managed, free;
	unsigned long wmark[NR_WMARK], boost;
	long protection[MAX_NR_ZONES];
	int ncpus;
	long pcp_count[AF_MAX_CPUS], pcp_high[AF_MAX_CPUS], pcp_batch[AF_MAX_CPUS];
	bool have_buddy, have_blocks;
	long buddy[MAX_ORDER];
	long blocks[MIGRATE_TYPES];
	long free_by_type[MIGRATE_TYPES][MAX_ORDER];
};

struct snap {
	const char *dir;
	struct zone_snap z[AF_MAX_NODES][MAX_NR_ZONES];
	int nr_nodes, nr_cpus;
	uint64_t *flags, *count;
	uint64_t npfns;
	/* iomem's System RAM ranges, in pfns: present memory (none: not captured) */
	unsigned long (*ram)[2];
	int nram;
	/* page_owner's "Block N type T" per pageblock, -1 where it lists no page */
	int8_t *owner_mt;
	uint64_t owner_blocks;
	/* types a trace's drains showed (af_import_state_hinted), or NULL */
	const struct af_block_types *hint;
};

static void note(struct af_import_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int zone_index(const char *name)
{
	for (int t = 0; t < MAX_NR_ZONES; t++)
		if (!strcmp(name, zone_names[t]))
			return t;
	return -1;
}

static int mt_index(const char *name)
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (!strcmp(name, migratetype_names[mt]))
			return mt;
	return -1;
}

static FILE *open_in(const struct snap *s, const char *name, bool needed)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	f = fopen(path, "r");
	if (!f && needed)
		af_err(-ENOENT, "%s: %s", path, strerror(errno));
	return f;
}

/* "Node 0, zone      DMA" and what follows it on the line */
static int node_zone(const char *line, int *nid, int *t, const char **rest)
{
	char zname[32];
	int n = -1;

	if (sscanf(line, "Node %d, zone %31s%n", nid, zname, &n) != 2 || n < 0)
		return -1;
	if (zname[strlen(zname) - 1] == ',')
		zname[strlen(zname) - 1] = 0;
	if (*nid < 0 || *nid >= AF_MAX_NODES || (*t = zone_index(zname)) < 0)
		return -1;
	if (rest)
		*rest = line + n;
	return 0;
}

static int parse_zoneinfo(struct snap *s)
{
	FILE *f = open_in(s, "zoneinfo", true);
	char line[512];
	struct zone_snap *z = NULL;
	int ln = 0, cpu = -1, nid, t, ret = 0;
	long v;

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		ln++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(line, "Node ", 5)) {
			if (node_zone(line, &nid, &t, NULL)) {
				ret = af_err(-EINVAL, "%s/zoneinfo:%d: not a zone line", s->dir, ln);
				break;
			}
			z = &s->z[nid][t];
			cpu = -1;
			if (nid + 1 > s->nr_nodes)
				s->nr_nodes = nid + 1;
			continue;
		}
		if (!z)
			continue;
		if (sscanf(p, "pages free %ld", &v) == 1)
			z->free = (unsigned long)v;
		else if (cpu < 0 && sscanf(p, "min %ld", &v) == 1)
			z->wmark[WMARK_MIN] = (unsigned long)v;
		else if (cpu < 0 && sscanf(p, "low %ld", &v) == 1)
			z->wmark[WMARK_LOW] = (unsigned long)v;
		else if (cpu < 0 && sscanf(p, "high %ld", &v) == 1) {
			z->wmark[WMARK_HIGH] = (unsigned long)v;
			z->have_wmarks = true;
		} else if (cpu < 0 && sscanf(p, "boost %ld", &v) == 1)
			z->boost = (unsigned long)v;
		else if (!strncmp(p, "protection: (", 13)) {
			const char *q = p + 13;
			int k = 0, n;
			while (k < MAX_NR_ZONES && sscanf(q, "%ld%n", &z->protection[k], &n) == 1) {
				q += n;
				k++;
				if (*q == ',')
					q++;
			}
		}
		else if (sscanf(p, "spanned %ld", &v) == 1)
			z->spanned = (unsigned long)v;
		else if (sscanf(p, "present %ld", &v) == 1)
			z->present = (unsigned long)v;
		else if (sscanf(p, "managed %ld", &v) == 1)
			z->managed = (unsigned long)v;
		else if (sscanf(p, "start_pfn: %ld", &v) == 1) {
			z->start = (unsigned long)v;
			z->set = z->spanned > 0;
		} else if (sscanf(p, "cpu: %d", &cpu) == 1) {
			if (cpu < 0 || cpu >= AF_MAX_CPUS) {
				ret = af_err(-EINVAL, "%s/zoneinfo:%d: cpu %d out of range", s->dir, ln, cpu);
				break;
			}
			if (cpu + 1 > z->ncpus)
				z->ncpus = cpu + 1;
		} else if (cpu >= 0 && sscanf(p, "count: %ld", &v) == 1)
			z->pcp_count[cpu] = v;
		else if (cpu >= 0 && sscanf(p, "high: %ld", &v) == 1)
			z->pcp_high[cpu] = v;
		else if (cpu >= 0 && sscanf(p, "batch: %ld", &v) == 1)
			z->pcp_batch[cpu] = v;
	}
	fclose(f);
	if (ret)
		return ret;
	for (int n = 0; n < s->nr_nodes; n++)
		for (t = 0; t < MAX_NR_ZONES; t++)
			if (s->z[n][t].set && s->z[n][t].ncpus > s->nr_cpus)
				s->nr_cpus = s->z[n][t].ncpus;
	if (!s->nr_nodes || !s->nr_cpus)
		return af_err(-EINVAL, "%s/zoneinfo: no populated zone with per-CPU pagesets", s->dir);
	return 0;
}

/* buddyinfo: free blocks per order; absent or unreadable is not fatal */
static int parse_buddyinfo(struct snap *s)
{
	FILE *f = open_in(s, "buddyinfo", false);
	char line[512];
	int ln = 0, nid, t;
	const char *rest;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct zone_snap *z;
		int o = 0, n;
		long v;

		ln++;
		if (node_zone(line, &nid, &t, &rest))
			continue;
		z = &s->z[nid][t];
		while (o < MAX_ORDER && sscanf(rest, "%ld%n", &v, &n) == 1) {
			z->buddy[o++] = v;
			rest += n;
		}
		if (o != MAX_ORDER) {
			fclose(f);
			return af_err(-EINVAL, "%s/buddyinfo:%d: expected %d orders", s->dir, ln, MAX_ORDER);
		}
		z->have_buddy = true;
	}
	fclose(f);
	return 0;
}

/*
 * pagetypeinfo: "Node 0, zone DMA32, type Movable  n0 .. n10" lines, then
 * the "Number of blocks type" header naming the columns of the per-zone
 * block counts that follow it.
 */
static int parse_pagetypeinfo(struct snap *s)
{
	FILE *f = open_in(s, "pagetypeinfo", false);
	char line[512];
	int ln = 0, nid, t, cols[MIGRATE_TYPES + 1], ncols = 0;
	const char *rest;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char name[32];
		int n;
		long v;

		ln++;
		if (!strncmp(line, "Number of blocks type", 21)) {
			const char *p = line + 21;
			ncols = 0;
			while (ncols <= MIGRATE_TYPES && sscanf(p, "%31s%n", name, &n) == 1) {
				cols[ncols++] = mt_index(name);
				p += n;
			}
			continue;
		}
		if (node_zone(line, &nid, &t, &rest))
			continue;
		while (*rest == ' ')
			rest++;
		if (sscanf(rest, "type %31s%n", name, &n) == 1) {
			int mt = mt_index(name), o = 0;
			if (mt < 0)
				continue;	/* a type this model has no list for */
			rest += n;
			while (o < MAX_ORDER && sscanf(rest, "%ld%n", &v, &n) == 1) {
				s->z[nid][t].free_by_type[mt][o++] = v;
				rest += n;
			}
			continue;
		}
		if (ncols) {
			for (int c = 0; c < ncols && sscanf(rest, "%ld%n", &v, &n) == 1; c++) {
				if (cols[c] >= 0)
					s->z[nid][t].blocks[cols[c]] = v;
				rest += n;
			}
			s->z[nid][t].have_blocks = true;
		}
	}
	fclose(f);
	(void)ln;
	return 0;
}

/*
 * iomem's top-level "System RAM" ranges: the present memory.  A frame with a
 * memmap outside them (the legacy 640 KiB-1 MiB hole) is absent, not
 * reserved.  Addresses read as zero (iomem read without root): not used.
 */
static int parse_iomem(struct snap *s, struct af_import_report *r)
{
	FILE *f = open_in(s, "iomem", false);
	char line[256];
	unsigned long long a, b;
	int n, cap = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		n = -1;
		if (line[0] == ' ' || sscanf(line, "%llx-%llx : System RAM%n", &a, &b, &n) != 2 || n < 0)
			continue;
		if (!a && !b) {
			s->nram = 0;
			break;
		}
		if (s->nram == cap) {
			void *nr = realloc(s->ram, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*s->ram));
			if (!nr) {
				fclose(f);
				return af_err(-ENOMEM, "out of memory");
			}
			s->ram = nr;
		}
		s->ram[s->nram][0] = (unsigned long)(a >> PAGE_SHIFT);
		s->ram[s->nram][1] = (unsigned long)((b + 1) >> PAGE_SHIFT);
		s->nram++;
	}
	fclose(f);
	if (!s->nram)
		note(r, "iomem without addresses: absent frames with a memmap import as reserved");
	return 0;
}

static bool pfn_in_ram(const struct snap *s, unsigned long pfn)
{
	if (!s->nram)
		return true;
	for (int i = 0; i < s->nram; i++)
		if (pfn >= s->ram[i][0] && pfn < s->ram[i][1])
			return true;
	return false;
}

/* A binary file of 64-bit words, whole */
/*
 * page_owner (CONFIG_PAGE_OWNER, /sys/kernel/debug/page_owner): one record
 * per allocation, whose second line names the pageblock's migratetype:
 *   6.1:   "PFN 262144 type Movable Block 512 type Movable Flags ..."
 *   newer: "PFN 0x40000 type Movable Block 512 type Movable Flags ..."
 * (its first line, "Page allocated via order N, mask ...", has a free_ts
 * in 6.1 and none later; stacks, handles and the migrate-reason lines are
 * not read).  Every block a record names gets that type; a "PFN" line that
 * does not parse, or names a block beyond kpageflags, is an error.
 */
static int parse_page_owner(struct snap *s, struct af_import_report *r)
{
	FILE *f = open_in(s, "page_owner", false);
	uint64_t nblocks = (s->npfns + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES, lineno = 0, records = 0;
	char line[1024];
	int ret = 0;

	if (!f)
		return 0;
	s->owner_mt = malloc(nblocks ? nblocks : 1);
	if (!s->owner_mt) {
		fclose(f);
		return af_err(-ENOMEM, "out of memory");
	}
	memset(s->owner_mt, -1, nblocks);
	while (fgets(line, sizeof(line), f)) {
		unsigned long pfn, block;
		char ptype[32], btype[32];
		int mt, k = 0;

		lineno++;
		if (strncmp(line, "PFN ", 4))
			continue;
		if ((sscanf(line, "PFN 0x%lx type %31s Block %lu type %31s%n", &pfn, ptype, &block, btype, &k) != 4 &&
		     sscanf(line, "PFN %lu type %31s Block %lu type %31s%n", &pfn, ptype, &block, btype, &k) != 4) ||
		    !k || (mt = mt_index(btype)) < 0 || block != pfn / PAGEBLOCK_NR_PAGES) {
			ret = af_err(-EINVAL, "%s/page_owner:%llu: not a page_owner record line", s->dir,
				     (unsigned long long)lineno);
			break;
		}
		if (block >= nblocks) {
			ret = af_err(-EINVAL, "%s/page_owner:%llu: pfn %lu is past kpageflags", s->dir,
				     (unsigned long long)lineno, pfn);
			break;
		}
		if (s->owner_mt[block] < 0)
			s->owner_blocks++;
		s->owner_mt[block] = (int8_t)mt;
		records++;
	}
	fclose(f);
	r->owner_records = records;
	return ret;
}

static int read_words(const struct snap *s, const char *name, uint64_t **out, uint64_t *n)
{
	FILE *f = open_in(s, name, true);
	size_t cap = 1 << 16, len = 0, got;
	uint64_t *w;

	if (!f)
		return -ENOENT;
	w = malloc(cap * sizeof(*w));
	while (w && (got = fread(w + len, sizeof(*w), cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint64_t *nw = cap < (1ULL << 32) ? realloc(w, 2 * cap * sizeof(*w)) : NULL;
			if (!nw) {
				free(w);
				w = NULL;
				break;
			}
			w = nw;
			cap *= 2;
		}
	}
	fclose(f);
	if (!w)
		return af_err(-ENOMEM, "%s/%s: out of memory", s->dir, name);
	*out = w;
	*n = len;
	return 0;
}

/* The page kinds the block inference and the allocations go by */
enum kind { K_HOLE, K_RESERVED, K_FREE, K_PCP, K_TAIL, K_MOVABLE, K_SLAB, K_KERNEL };

static enum kind page_kind(uint64_t f, uint64_t count)
{
	if (KPF(f, KPF_NOPAGE))
		return K_HOLE;
	if (KPF(f, KPF_RESERVED))
		return K_RESERVED;
	if (KPF(f, KPF_BUDDY))
		return K_FREE;
	if (KPF(f, KPF_COMPOUND_TAIL))
		return K_TAIL;
	if (KPF(f, KPF_SLAB))
		return K_SLAB;
	if (KPF(f, KPF_LRU) || KPF(f, KPF_ANON) || KPF(f, KPF_MMAP) || KPF(f, KPF_SWAPBACKED) ||
	    KPF(f, KPF_THP) || KPF(f, KPF_KSM) || KPF(f, KPF_HUGE))
		return K_MOVABLE;
	/* kpagecount is the map count: an unmapped kernel page shows 0 as a free one does */
	if (f || count)
		return K_KERNEL;
	return K_PCP;
}

static void note(struct af_import_report *r, const char *fmt, ...)
{
	size_t len = strlen(r->text);
	va_list ap;

	if (len + 1 >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	vsnprintf(r->text + len, sizeof(r->text) - len, fmt, ap);
	va_end(ap);
	len = strlen(r->text);
	if (len + 1 < sizeof(r->text)) {
		r->text[len] = '\n';
		r->text[len + 1] = 0;
	}
}

/* sysctl_vm's "name = value" lines as boot-time vm.* keys; those the model has not */
static void apply_sysctls(const struct snap *s, struct af_config *c, struct af_import_report *r)
{
	FILE *f = open_in(s, "sysctl_vm", false);
	char line[1024], key[sizeof(line) + 4];

	if (!f) {
		note(r, "no sysctl_vm: the vm.* sysctls are the model's defaults");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strstr(line, " = "), *v, *e;

		if (!eq)
			continue;
		*eq = 0;
		v = eq + 3;
		e = v + strlen(v);
		while (e > v && isspace((unsigned char)e[-1]))
			*--e = 0;
		snprintf(key, sizeof(key), "vm.%s", line);
		if (af_config_set(c, key, v))
			r->sysctls_unknown++;
		else
			r->sysctls_set++;
	}
	fclose(f);
}

/* A pageblock's evidence: pages of each kind in it */
struct block_ev {
	unsigned long pfn;	/* first pfn of the block inside the zone */
	int u, s, v;		/* kernel (flagless included), slab, movable pages */
	int mt;
	bool assigned;
	bool known;		/* page_owner or the trace named its type */
	bool traced;		/* the trace did */
	uint16_t nfree[MAX_ORDER];	/* free buddy blocks starting in it, per order */
};

/* How much block b argues against type mt, in pages (a hundredth of a free block each) */
static long evidence_cost(const struct block_ev *b, int mt)
{
	switch (mt) {
	case MIGRATE_MOVABLE:
		return b->u + b->s;
	case MIGRATE_UNMOVABLE:
		return b->v;
	case MIGRATE_RECLAIMABLE:
		return b->u + b->v;
	default:
		return b->v;
	}
}

/*
 * pagetypeinfo also counts the free blocks per migratetype and order: each
 * lies on its pageblock's list, so types that put the snapshot's free
 * blocks on lists of those counts are the kernel's.  Swaps of two blocks'
 * types (the per-type block counts stay) are taken while they bring the
 * lists' counts nearer pagetypeinfo's, each page of evidence against a type
 * weighing a hundredth of a free block.  Zones of more than 4096 blocks
 * keep the counts' assignment (the pairs grow as their square).
 */
static void refine_by_free_lists(struct block_ev *b, size_t nb, const struct zone_snap *zs)
{
	long have[MIGRATE_TYPES][MAX_ORDER] = { { 0 } };

	if (nb > 4096)
		return;
	for (size_t i = 0; i < nb; i++)
		for (int o = 0; o < MAX_ORDER; o++)
			have[b[i].mt][o] += b[i].nfree[o];
	for (int pass = 0; pass < 50; pass++) {
		bool better = false;

		for (size_t i = 0; i < nb; i++)
			for (size_t j = i + 1; j < nb; j++) {
				int ti = b[i].mt, tj = b[j].mt;
				long delta = 0;

				if (ti == tj || b[i].known || b[j].known)
					continue;
				for (int o = 0; o < MAX_ORDER; o++) {
					long di = b[i].nfree[o], dj = b[j].nfree[o];
					long a0 = have[ti][o], a1 = have[tj][o];
					long fa = zs->free_by_type[ti][o], fb = zs->free_by_type[tj][o];

					if (di == dj)
						continue;
					delta += labs(a0 - di + dj - fa) - labs(a0 - fa);
					delta += labs(a1 - dj + di - fb) - labs(a1 - fb);
				}
				delta *= 100;
				delta += evidence_cost(&b[i], tj) + evidence_cost(&b[j], ti) -
					 evidence_cost(&b[i], ti) - evidence_cost(&b[j], tj);
				if (delta >= 0)
					continue;
				for (int o = 0; o < MAX_ORDER; o++) {
					have[ti][o] += b[j].nfree[o] - b[i].nfree[o];
					have[tj][o] += b[i].nfree[o] - b[j].nfree[o];
				}
				b[i].mt = tj;
				b[j].mt = ti;
				better = true;
			}
		if (!better)
			break;
	}
}

/* gain of making block b type mt rather than Movable */
static long block_gain(const struct block_ev *b, int mt)
{
	switch (mt) {
	case MIGRATE_UNMOVABLE:
		return 2L * b->u + b->s - b->v;
	case MIGRATE_RECLAIMABLE:
		return (long)b->s - b->v - b->u;
	default:
		return (long)b->u + b->s - b->v;
	}
}

static const struct block_ev *sort_blocks;
static int sort_mt;
static int by_gain(const void *a, const void *b)
{
	const struct block_ev *x = &sort_blocks[*(const int *)a], *y = &sort_blocks[*(const int *)b];
	long gx = block_gain(x, sort_mt), gy = block_gain(y, sort_mt);

	if (gx != gy)
		return gx > gy ? -1 : 1;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/*
 * Each block of zone (n, t) gets a migratetype: Movable to begin with, then
 * pagetypeinfo's count of Unmovable, Reclaimable and HighAtomic blocks
 * taken, in that order, from the blocks whose pages argue most for the
 * type (kernel pages for Unmovable, slab for both, movable pages against).
 * Without pagetypeinfo every block takes the type its pages argue for.
 */
static int infer_blocks(struct af_machine *m, const struct snap *s, int n, int t,
			struct af_import_report *r)
{
	const struct zone_snap *zs = &s->z[n][t];
	unsigned long start = zs->start, end = zs->start + zs->spanned;
	unsigned long first = start & ~(PAGEBLOCK_NR_PAGES - 1);
	size_t nb = (end - first + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
	struct block_ev *b = calloc(nb, sizeof(*b));
	int *idx = calloc(nb, sizeof(*idx));
	long want[MIGRATE_TYPES] = { 0 };

	if (!b || !idx) {
		free(b);
		free(idx);
		return af_err(-ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < nb; i++) {
		unsigned long bs = MAX(first + i * PAGEBLOCK_NR_PAGES, start);
		unsigned long be = MIN(first + (i + 1) * PAGEBLOCK_NR_PAGES, end);

		b[i].pfn = bs;
		b[i].mt = MIGRATE_MOVABLE;
		for (unsigned long pfn = bs; pfn < be; pfn++) {
			switch (page_kind(s->flags[pfn], s->count[pfn])) {
			case K_RESERVED:
				/*
				 * No evidence: memmap_init_range() made every block
				 * Movable at boot and memblock's reservations never
				 * passed through the allocator to change that.
				 */
				break;
			case K_PCP:	/* flagless: nearly all kernel allocations */
			case K_KERNEL:
				b[i].u++;
				break;
			case K_SLAB:
				b[i].s++;
				break;
			case K_MOVABLE:
				b[i].v++;
				break;
			default:
				break;
			}
		}
		idx[i] = (int)i;
	}
	/* the free blocks: each free run in the largest aligned blocks, as the buddy merges */
	for (unsigned long pfn = start; pfn < end; ) {
		unsigned int o = 0;

		if (page_kind(s->flags[pfn], s->count[pfn]) != K_FREE) {
			pfn++;
			continue;
		}
		while (o + 1 < MAX_ORDER && !(pfn & ((1UL << (o + 1)) - 1)) && pfn + (1UL << (o + 1)) <= end) {
			unsigned long q = pfn + (1UL << o);
			while (q < pfn + (1UL << (o + 1)) && page_kind(s->flags[q], s->count[q]) == K_FREE)
				q++;
			if (q < pfn + (1UL << (o + 1)))
				break;
			o++;
		}
		{
			struct block_ev *x = &b[(pfn - first) / PAGEBLOCK_NR_PAGES];
			if (x->nfree[o] < UINT16_MAX)
				x->nfree[o]++;
		}
		pfn += 1UL << o;
	}
	if (zs->have_blocks) {
		long total = 0;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			total += zs->blocks[mt];
		if (total != (long)nb)
			note(r, "node %d zone %s: pagetypeinfo counts %ld blocks, the zone has %zu", n,
			     zone_names[t], total, nb);
		memcpy(want, zs->blocks, sizeof(want));
		if (want[MIGRATE_CMA] || want[MIGRATE_ISOLATE])
			note(r, "node %d zone %s: %ld CMA and %ld isolated blocks imported as Movable", n,
			     zone_names[t], want[MIGRATE_CMA], want[MIGRATE_ISOLATE]);
	} else {
		for (size_t i = 0; i < nb; i++)
			if (block_gain(&b[i], MIGRATE_UNMOVABLE) > 0)
				want[b[i].s > b[i].u ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE]++;
	}
	/* page_owner's types are the kernel's: the counts go to the other blocks */
	for (size_t i = 0; s->owner_mt && i < nb; i++) {
		int8_t mt = s->owner_mt[b[i].pfn / PAGEBLOCK_NR_PAGES];
		if (mt < 0)
			continue;
		b[i].mt = mt < MIGRATE_CMA ? mt : MIGRATE_MOVABLE;
		b[i].assigned = b[i].known = true;
		if (want[b[i].mt] > 0)
			want[b[i].mt]--;
	}
	/* then the trace's: the type its drains showed, where page_owner named none */
	for (size_t i = 0; s->hint && i < nb; i++) {
		uint64_t k = b[i].pfn / PAGEBLOCK_NR_PAGES;
		int8_t mt = k < s->hint->nblocks ? s->hint->mt[k] : -1;
		if (mt < 0 || b[i].known)
			continue;
		b[i].mt = mt < MIGRATE_CMA ? mt : MIGRATE_MOVABLE;
		b[i].assigned = b[i].known = b[i].traced = true;
		if (want[b[i].mt] > 0)
			want[b[i].mt]--;
	}
	static const int order[] = { MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC };
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		int mt = order[k];
		long taken = 0;

		sort_blocks = b;
		sort_mt = mt;
		qsort(idx, nb, sizeof(*idx), by_gain);
		for (size_t i = 0; i < nb && taken < want[mt]; i++) {
			struct block_ev *x = &b[idx[i]];
			if (x->assigned)
				continue;
			x->mt = mt;
			x->assigned = true;
			taken++;
		}
	}
	if (zs->have_blocks)
		refine_by_free_lists(b, nb, zs);
	for (size_t i = 0; i < nb; i++) {
		int natural = b[i].u + b[i].s + b[i].v == 0 ? -1
			      : b[i].v >= b[i].u + b[i].s ? MIGRATE_MOVABLE
			      : b[i].s > b[i].u ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;

		r->blocks++;
		if (b[i].traced)
			r->blocks_traced++;
		else if (b[i].known)
			r->blocks_owner++;
		else if (natural < 0)
			r->blocks_guessed++;
		else if (natural == b[i].mt ||
			 (b[i].mt == MIGRATE_UNMOVABLE && natural == MIGRATE_RECLAIMABLE) ||
			 (b[i].mt == MIGRATE_RECLAIMABLE && natural == MIGRATE_UNMOVABLE))
			r->blocks_evident++;
		else
			r->blocks_forced++;
		set_pageblock_migratetype(m, b[i].pfn, b[i].mt);
	}
	m->node[n]->node_zones[t].nr_reserved_highatomic = (unsigned long)want[MIGRATE_HIGHATOMIC] *
							     PAGEBLOCK_NR_PAGES;
	free(b);
	free(idx);
	return 0;
}

/* The GFP flags an allocated page of this kind was taken with (its block's type) */
static af_gfp_t kind_gfp(enum kind k, uint64_t f, int block_mt)
{
	(void)f;
	if (k == K_MOVABLE)	/* LRU, THP, and hugetlb pages: htlb_alloc_mask() is movable */
		return AF_GFP_HIGHUSER_MOVABLE;
	if (k == K_SLAB && block_mt == MIGRATE_RECLAIMABLE)
		return AF_GFP_KERNEL | AF___GFP_RECLAIMABLE;
	if (k == K_PCP)
		return block_mt == MIGRATE_MOVABLE ? AF_GFP_HIGHUSER_MOVABLE
		       : block_mt == MIGRATE_RECLAIMABLE ? AF_GFP_KERNEL | AF___GFP_RECLAIMABLE
		       : AF_GFP_KERNEL;
	return AF_GFP_KERNEL;
}

/* The allocations of zone (n, t): every page that is neither free nor reserved */
static int import_pages(struct af_machine *m, const struct snap *s, int n, int t, int did,
			unsigned long **pcp, size_t *npcp, struct af_import_report *r)
{
	const struct zone_snap *zs = &s->z[n][t];
	unsigned long end = zs->start + zs->spanned;
	struct af_alloc_result res;
	uint64_t page_no;
	int ret;

	for (unsigned long pfn = zs->start; pfn < end; pfn++) {
		uint64_t f = s->flags[pfn];
		enum kind k = page_kind(f, s->count[pfn]);
		unsigned int order = 0;
		int bmt = get_pageblock_migratetype(m, pfn);

		switch (k) {
		case K_HOLE:
			continue;
		case K_RESERVED:
			r->reserved += pfn_in_ram(s, pfn);
			continue;
		case K_FREE:
			r->free_buddy++;
			continue;
		case K_TAIL:
			r->orphan_tails++;	/* a tail whose head was not a compound head */
			k = K_KERNEL;
			break;
		default:
			break;
		}
		if (KPF(f, KPF_COMPOUND_HEAD)) {
			unsigned long len = 1;
			while (pfn + len < end && len < (1UL << (MAX_ORDER - 1)) &&
			       page_kind(s->flags[pfn + len], s->count[pfn + len]) == K_TAIL)
				len++;
			if ((len & (len - 1)) == 0 && (pfn & (len - 1)) == 0) {
				order = (unsigned int)__builtin_ctzl(len);
				r->compound++;
			} else {
				r->odd_compound++;	/* allocated page by page */
			}
		}
		ret = af_alloc_pages_at(m, 0, kind_gfp(k, f, bmt) | (order ? AF___GFP_COMP : 0), pfn,
					order, &res);
		if (ret)
			return af_err(ret, "pfn 0x%lx: %s", pfn, af_errmsg());
		if (k == K_PCP) {
			(*pcp)[(*npcp)++] = pfn;
		} else {
			r->allocated += 1UL << order;
			if (k == K_MOVABLE && !order && did >= 0) {
				if ((ret = af_driver_adopt(m, did, pfn, &page_no)))
					return ret;
				r->movable_adopted++;
			}
		}
		pfn += (1UL << order) - 1;
	}
	return 0;
}

/*
 * The per-CPU pages of zone (n, t): kpageflags shows a page on a per-CPU
 * list as it shows an unmapped kernel page, with no flag at all.  zoneinfo's
 * count of them, per CPU, is freed to that CPU's list, taken from those
 * pages in pfn order; the rest stay kernel allocations.  Which ones they
 * were is not known (counted as guessed).
 */
static int import_pcp(struct af_machine *m, const struct snap *s, int n, int t,
		      const unsigned long *pcp, size_t npcp, struct af_import_report *r)
{
	const struct zone_snap *zs = &s->z[n][t];
	size_t next = 0;
	long want = 0;
	int ret;

	for (int c = 0; c < zs->ncpus && c < m->nr_cpus; c++)
		want += zs->pcp_count[c];
	if ((long)npcp < want)
		r->pcp_missing += (size_t)want - npcp;
	for (int c = 0; c < zs->ncpus && c < m->nr_cpus; c++)
		for (long k = 0; k < zs->pcp_count[c] && next < npcp; k++) {
			if ((ret = af_free_pages(m, c, pcp[next++], 0)))
				return ret;
			r->free_pcp++;
		}
	r->flagless_kernel += npcp - next;
	r->allocated += npcp - next;
	return 0;
}

/*
 * The zone's watermarks, boost, lowmem protection and per-CPU high and batch
 * as zoneinfo shows them: the kernel computed them when it booted and at
 * its sysctl writes, from the managed pages of then, so the snapshot's are
 * kept rather than computed again (a later sysctl write recomputes them, as
 * the kernel's would).
 */
static void zone_marks(struct af_machine *m, const struct snap *s, int n, int t, struct af_import_report *r)
{
	const struct zone_snap *zs = &s->z[n][t];
	struct zone *z = &m->node[n]->node_zones[t];

	if (zs->have_wmarks) {
		lock_zone(z);
		for (int i = 0; i < NR_WMARK; i++) {
			r->wmark_changed += z->_watermark[i] != zs->wmark[i];
			z->_watermark[i] = zs->wmark[i];
		}
		z->watermark_boost = zs->boost;
		for (int k = 0; k < MAX_NR_ZONES; k++) {
			r->wmark_changed += z->lowmem_reserve[k] != zs->protection[k];
			z->lowmem_reserve[k] = zs->protection[k];
		}
		unlock_zone(z);
	}
	for (int c = 0; c < zs->ncpus && c < m->nr_cpus; c++) {
		if (!zs->pcp_high[c])
			continue;
		lock_pcp(m, &z->pcp[c]);
		r->pcp_high_differs += z->pcp[c].high != zs->pcp_high[c] || z->pcp[c].batch != zs->pcp_batch[c];
		z->pcp[c].high = (int)zs->pcp_high[c];
		z->pcp[c].batch = (int)zs->pcp_batch[c];
		unlock_pcp(m, &z->pcp[c]);
	}
}

/* Every free block on its pageblock's list, as move_freepages_block puts them */
static void relist_free(struct af_machine *m, const struct snap *s, int n, int t)
{
	const struct zone_snap *zs = &s->z[n][t];
	struct zone *z = &m->node[n]->node_zones[t];
	unsigned long end = zs->start + zs->spanned;

	lock_zone(z);
	for (unsigned long pfn = zs->start; pfn < end; pfn = (pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1)
		move_freepages_block(z, pfn, get_pageblock_migratetype(m, pfn), NULL);
	unlock_zone(z);
}

/* The imported state against the snapshot's own counts */
static void compare_counts(struct af_machine *m, const struct snap *s, struct af_import_report *r)
{
	for (int n = 0; n < s->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone_snap *zs = &s->z[n][t];
			struct zone *z = &m->node[n]->node_zones[t];
			long free = zone_page_state(z, NR_FREE_PAGES), d = 0, dt = 0;

			if (!zs->set)
				continue;
			r->free_diff += free - (long)zs->free;
			for (int o = 0; o < MAX_ORDER; o++) {
				long have = (long)z->free_area[o].nr_free;
				if (zs->have_buddy)
					d += labs(have - zs->buddy[o]);
				for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
					long cnt = 0;
					for (unsigned long p = z->free_area[o].free_list[mt].first; p != PFN_NIL;
					     p = m->pages[p].next)
						cnt++;
					dt += labs(cnt - zs->free_by_type[mt][o]);
				}
			}
			r->buddy_diff += d;
			r->free_type_diff += dt;
			note(r, "node %d zone %-7s free %ld (snapshot %lu), blocks per order differ by %ld, "
			     "per order and type by %ld", n, zone_names[t], free, zs->free, d, dt);
		}
}

int af_import_state(const char *dir, const struct af_config *base, struct af_machine **out,
		    struct af_import_report *rep)
{
	return af_import_state_hinted(dir, base, NULL, out, rep);
}

int af_import_state_hinted(const char *dir, const struct af_config *base, const struct af_block_types *bt,
			   struct af_machine **out, struct af_import_report *rep)
{
	struct af_import_report dummy;
	struct snap *s;
	struct af_config *c = NULL;
	struct af_machine *m = NULL;
	uint8_t *map = NULL;
	unsigned long *pcp = NULL;
	uint64_t max_end = 0;
	int ret, did = -1;
	char line[256];

	if (!rep)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (!dir || !out)
		return af_err(-EINVAL, "bad arguments");
	s = calloc(1, sizeof(*s));
	if (!s)
		return af_err(-ENOMEM, "out of memory");
	s->dir = dir;
	s->hint = bt && bt->mt ? bt : NULL;
	if ((ret = parse_zoneinfo(s)) || (ret = parse_buddyinfo(s)) || (ret = parse_pagetypeinfo(s)) ||
	    (ret = parse_iomem(s, rep)) ||
	    (ret = read_words(s, "kpageflags", &s->flags, &s->npfns)))
		goto out;
	{
		uint64_t n;
		if ((ret = read_words(s, "kpagecount", &s->count, &n)))
			goto out;
		if (n != s->npfns) {
			ret = af_err(-EINVAL, "%s: kpageflags has %llu frames, kpagecount %llu", dir,
				     (unsigned long long)s->npfns, (unsigned long long)n);
			goto out;
		}
	}
	if ((ret = parse_page_owner(s, rep)))
		goto out;
	for (int n = 0; n < s->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (s->z[n][t].set)
				max_end = MAX(max_end, s->z[n][t].start + s->z[n][t].spanned);
	if (!max_end || max_end > s->npfns) {
		ret = af_err(-EINVAL, "%s: the zones end at pfn 0x%llx, kpageflags has 0x%llx frames", dir,
			     (unsigned long long)max_end, (unsigned long long)s->npfns);
		goto out;
	}
	rep->pfns = s->npfns;

	/* the layout and the frame map */
	if (!(map = calloc(max_end, 1))) {
		ret = af_err(-ENOMEM, "out of memory");
		goto out;
	}
	if ((ret = af_config_new(&c)))
		goto out;
	if (base) {
		c->seed = base->seed;
		c->threaded = base->threaded;
		c->contents = base->contents;
		c->thp = base->thp;
		c->thp_defrag = base->thp_defrag;
		c->no_compaction = base->no_compaction;
		memcpy(c->policy, base->policy, sizeof(c->policy));
	}
	snprintf(line, sizeof(line), "%d", s->nr_nodes);
	af_config_set(c, "nodes", line);
	snprintf(line, sizeof(line), "%d", s->nr_cpus);
	af_config_set(c, "cpus", line);
	for (int n = 0; n < s->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone_snap *zs = &s->z[n][t];
			unsigned long present = 0, managed = 0;
			char key[64];

			if (!zs->set)
				continue;
			for (unsigned long pfn = zs->start; pfn < zs->start + zs->spanned; pfn++) {
				enum kind k = page_kind(s->flags[pfn], s->count[pfn]);
				if (k == K_RESERVED && !pfn_in_ram(s, pfn))
					k = K_HOLE;	/* a memmap over absent memory */
				map[pfn] = k == K_HOLE ? AF_PFN_MAP_HOLE
					   : k == K_RESERVED ? AF_PFN_MAP_RESERVED : AF_PFN_MAP_FREE;
				present += k != K_HOLE;
				managed += k != K_HOLE && k != K_RESERVED;
				rep->holes += k == K_HOLE;
			}
			if (present != zs->present || managed != zs->managed)
				note(rep, "node %d zone %s: kpageflags has %lu present and %lu managed pages, "
				     "zoneinfo %lu and %lu", n, zone_names[t], present, managed, zs->present,
				     zs->managed);
			snprintf(key, sizeof(key), "node.%d.zone.%s", n, zone_names[t]);
			snprintf(line, sizeof(line), "%lu %lu %lu %lu", zs->start, zs->spanned, present, managed);
			if ((ret = af_config_set(c, key, line)))
				goto out;
		}
	apply_sysctls(s, c, rep);
	if ((ret = af_config_set_pfn_map(c, map, max_end)) || (ret = af_machine_create(c, &m)))
		goto out;

	/* pageblock types, then the allocations, the per-CPU pages, the lists */
	if ((ret = af_driver_create(m, NULL, NULL, &did)))
		goto out;
	rep->driver = did;
	if (!(pcp = malloc(max_end * sizeof(*pcp)))) {
		ret = af_err(-ENOMEM, "out of memory");
		goto out;
	}
	for (int n = 0; n < s->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			size_t npcp = 0;
			if (!s->z[n][t].set)
				continue;
			zone_marks(m, s, n, t, rep);
			if ((ret = infer_blocks(m, s, n, t, rep)) ||
			    (ret = import_pages(m, s, n, t, did, &pcp, &npcp, rep)) ||
			    (ret = import_pcp(m, s, n, t, pcp, npcp, rep)))
				goto out;
			relist_free(m, s, n, t);
		}
	/* the event counters count from the import */
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
				struct per_cpu_pages *p = &m->node[n]->node_zones[t].pcp[cpu];
				memset(p->events, 0, sizeof(p->events));
				memset(p->numa, 0, sizeof(p->numa));
			}
	memset(m->events, 0, sizeof(m->events));
	compare_counts(m, s, rep);
	note(rep, "%llu frames: %llu holes, %llu reserved, %llu free in the buddy, %llu on per-CPU lists, "
	     "%llu allocated (%llu compound allocations; %llu movable pages given to the import driver)",
	     (unsigned long long)rep->pfns, (unsigned long long)rep->holes,
	     (unsigned long long)rep->reserved, (unsigned long long)rep->free_buddy,
	     (unsigned long long)rep->free_pcp, (unsigned long long)rep->allocated,
	     (unsigned long long)rep->compound, (unsigned long long)rep->movable_adopted);
	if (s->owner_mt)
		note(rep, "pageblock types: %llu blocks, %llu as page_owner names them (%llu records), %llu "
		     "shown by the trace's drains, the others inferred: %llu as their pages show, %llu with no allocated page (guessed), %llu set "
		     "against their pages to meet pagetypeinfo's counts", (unsigned long long)rep->blocks,
		     (unsigned long long)rep->blocks_owner, (unsigned long long)rep->owner_records,
		     (unsigned long long)rep->blocks_traced, (unsigned long long)rep->blocks_evident, (unsigned long long)rep->blocks_guessed,
		     (unsigned long long)rep->blocks_forced);
	else
		note(rep, "pageblock types (no page_owner): %llu blocks, %llu shown by the trace's drains, the "
		     "others inferred: %llu as their pages show, %llu with no allocated page (guessed), %llu set "
		     "against their pages to meet pagetypeinfo's counts", (unsigned long long)rep->blocks,
		     (unsigned long long)rep->blocks_traced, (unsigned long long)rep->blocks_evident,
		     (unsigned long long)rep->blocks_guessed, (unsigned long long)rep->blocks_forced);
	if (s->hint)
		note(rep, "the trace's drains: %llu read, %llu blocks typed by them (%llu blocks whose drains "
		     "named several types took the type most named; page_owner's types stand)",
		     (unsigned long long)s->hint->votes, (unsigned long long)s->hint->typed,
		     (unsigned long long)s->hint->split);
	note(rep, "per-CPU pages: %llu placed on zoneinfo's CPUs (which pages they were is guessed among "
	     "the %llu pages with no flag; the other %llu stay kernel allocations)%s",
	     (unsigned long long)rep->free_pcp, (unsigned long long)(rep->free_pcp + rep->flagless_kernel),
	     (unsigned long long)rep->flagless_kernel, rep->pcp_missing ? ", some counted were not found" : "");
	note(rep, "watermarks, protection and per-CPU high/batch as zoneinfo has them (%llu values and "
	     "%llu pagesets differed from those computed at boot)", (unsigned long long)rep->wmark_changed,
	     (unsigned long long)rep->pcp_high_differs);
	if (rep->odd_compound || rep->orphan_tails)
		note(rep, "%llu compound pages of no buddy order and %llu tails without a head, allocated "
		     "page by page", (unsigned long long)rep->odd_compound,
		     (unsigned long long)rep->orphan_tails);
	note(rep, "vm.* sysctls: %llu set, %llu the model does not have", (unsigned long long)rep->sysctls_set,
	     (unsigned long long)rep->sysctls_unknown);
	*out = m;
	m = NULL;
	ret = 0;
out:
	if (m)
		af_machine_destroy(m);
	af_config_free(c);
	free(map);
	free(pcp);
	free(s->flags);
	free(s->count);
	free(s->ram);
	free(s->owner_mt);
	free(s);
	return ret;
}
