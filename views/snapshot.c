/*
 * snapshot.c - the machine's state as data: free blocks per zone, order and
 * migratetype; per pageblock its type, free pages and whether it is mixed;
 * per pfn what it holds.  And the fragmentation metrics every run prints,
 * computed from them: free pages per order, pageblocks per type, mixed
 * pageblocks (what page_owner makes /proc/pagetypeinfo print, 6.1's
 * pagetypeinfo_showmixedcount_print), mm_page_alloc_extfrag by outcome,
 * the unusable and fragmentation indices, the fragmentation score, huge
 * pages free now, and the oracle: what a perfect compactor could make.
 *
 * A snapshot reads without locks: take it with the machine at rest (in
 * threaded mode, with the daemons stopped and no CPU thread running).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

static const char *const class_names[AF_NR_PFN_CLASSES] = {
	[AF_PFN_HOLE] = "hole", [AF_PFN_FREE] = "free", [AF_PFN_ANON] = "anon",
	[AF_PFN_FILE] = "file", [AF_PFN_SHMEM] = "shmem",
	[AF_PFN_SLAB_UNMOVABLE] = "slab_unmovable", [AF_PFN_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[AF_PFN_PAGETABLE] = "pagetable", [AF_PFN_DRIVER] = "driver", [AF_PFN_KERNEL] = "kernel",
	[AF_PFN_HUGETLB] = "hugetlb", [AF_PFN_RESERVED] = "reserved", [AF_PFN_ISOLATED] = "isolated",
};

const char *const af_extfrag_kind_names[3] = { "claim", "steal", "pollute" };

const char *af_pfn_class_name(enum af_pfn_class c)
{
	return (unsigned)c < AF_NR_PFN_CLASSES ? class_names[c] : "?";
}

int af_pfn_class_movable(enum af_pfn_class c)
{
	switch (c) {
	case AF_PFN_FREE: case AF_PFN_ANON: case AF_PFN_FILE: case AF_PFN_SHMEM:
	case AF_PFN_DRIVER: case AF_PFN_HUGETLB: case AF_PFN_ISOLATED:
		return 1;
	default:
		return 0;
	}
}

const char *af_migratetype_name(int mt)
{
	return mt >= 0 && mt < MIGRATE_TYPES ? migratetype_names[mt] : "?";
}

_Static_assert(AF_NR_MIGRATETYPES == MIGRATE_TYPES, "public migratetype count");
_Static_assert(AF_NR_ORDERS == MAX_ORDER, "public order count");
_Static_assert(AF_NR_ZONE_TYPES == ZONE_DEVICE, "public zone count");

/* The class of an allocated block, from its head page */
static enum af_pfn_class alloc_class(struct af_machine *m, const struct page *p)
{
	uint32_t f = pflags(p);
	struct owner *o;

	if (f & PG_isolated)
		return AF_PFN_ISOLATED;
	if (f & PG_hugetlb)
		return AF_PFN_HUGETLB;
	if (f & PG_pgtable)
		return AF_PFN_PAGETABLE;
	if (f & PG_movable_ops)
		return AF_PFN_DRIVER;
	if (f & PG_anon)
		return AF_PFN_ANON;
	o = p->owner && m->world ? owner_of(m, p) : NULL;
	if (f & PG_slab) {
		if (o && o->type == OWN_SLAB && m->world->caches[o->obj]->reclaimable)
			return AF_PFN_SLAB_RECLAIMABLE;
		return AF_PFN_SLAB_UNMOVABLE;
	}
	if (o && o->type == OWN_FILE)
		return (f & PG_swapbacked) ? AF_PFN_SHMEM : AF_PFN_FILE;
	if (o && o->type == OWN_PGTABLE)	/* the pgd, which NR_PAGE_TABLE_PAGES leaves out */
		return AF_PFN_PAGETABLE;
	return AF_PFN_KERNEL;
}

void af_snapshot_free(struct af_snapshot *s)
{
	if (!s)
		return;
	free(s->free_blocks);
	free(s->pageblocks);
	free(s->pfn_class);
	memset(s, 0, sizeof(*s));
}

int af_snapshot_take(struct af_machine *m, struct af_snapshot *s)
{
	size_t nfb;

	if (!m || !s)
		return af_err(-EINVAL, "bad arguments");
	memset(s, 0, sizeof(*s));
	s->clock_ns = af_clock_ns(m);
	s->max_pfn = m->max_pfn;
	s->nr_nodes = m->nr_nodes;
	s->nr_pageblocks = m->nr_pageblocks;
	nfb = (size_t)m->nr_nodes * AF_NR_ZONE_TYPES * AF_NR_ORDERS * AF_NR_MIGRATETYPES;
	s->free_blocks = calloc(nfb, sizeof(*s->free_blocks));
	s->pageblocks = calloc(m->nr_pageblocks, sizeof(*s->pageblocks));
	s->pfn_class = malloc(m->max_pfn ? m->max_pfn : 1);
	if (!s->free_blocks || !s->pageblocks || !s->pfn_class) {
		af_snapshot_free(s);
		return af_err(-ENOMEM, "out of memory");
	}
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < AF_NR_ZONE_TYPES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			for (int o = 0; o < MAX_ORDER; o++)
				for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
					unsigned long k = 0;
					for (uint32_t p = z->free_area[o].free_list[mt].first; p != PFN_NIL;
					     p = m->pages[p].next)
						k++;
					AF_SNAP_FREE_BLOCKS(s, n, t, o, mt) = k;
				}
		}
	for (size_t b = 0; b < m->nr_pageblocks; b++) {
		unsigned long pfn = b << PAGEBLOCK_ORDER;
		struct zone *z = pfn < m->max_pfn ? pfn_zone(m, pfn) : NULL;

		if (!z && pfn + PAGEBLOCK_NR_PAGES - 1 < m->max_pfn)	/* a zone starting inside it */
			z = pfn_zone(m, pfn + PAGEBLOCK_NR_PAGES - 1);
		struct af_pageblock_state *pb = &s->pageblocks[b];

		pb->migratetype = (uint8_t)get_pageblock_migratetype(m, pfn);
		pb->online = pfn < m->max_pfn && pfn_online(m, pfn);
		pb->zone_type = z ? (uint8_t)z->type : AF_NR_ZONE_TYPES;
		pb->nid = z ? (uint8_t)z->nid : 0;
	}
	/* per pfn, block by block */
	for (unsigned long pfn = 0; pfn < m->max_pfn;) {
		const struct page *p = &m->pages[pfn];
		uint32_t f = pflags(p);
		unsigned long n = 1;
		enum af_pfn_class c;

		if ((f & PG_hole) || !pfn_online(m, pfn) || !pfn_zone(m, pfn)) {
			c = AF_PFN_HOLE;
		} else if (f & PG_reserved) {
			c = AF_PFN_RESERVED;
		} else if (f & (PG_buddy | PG_pcp)) {
			c = AF_PFN_FREE;
			n = 1UL << p->order;
		} else if (f & PG_alloc) {
			struct af_pageblock_state *pb = &s->pageblocks[pfn >> PAGEBLOCK_ORDER];
			c = alloc_class(m, p);
			n = 1UL << p->order;
			/* pagetypeinfo_showmixedcount_print: a page allocated for another type */
			if (p->alloc_mt != pb->migratetype)
				pb->mixed = 1;
		} else {
			c = AF_PFN_KERNEL;	/* a tail met on its own: should not happen */
		}
		if (pfn + n > m->max_pfn)
			n = m->max_pfn - pfn;
		if (n == 1)
			s->pfn_class[pfn] = (uint8_t)c;
		else
			memset(s->pfn_class + pfn, c, n);
		if (c == AF_PFN_FREE) {
			/* a buddy block lies within one pageblock or covers whole ones */
			if (n <= PAGEBLOCK_NR_PAGES)
				s->pageblocks[pfn >> PAGEBLOCK_ORDER].free_pages += (uint16_t)n;
			else
				for (unsigned long i = pfn; i < pfn + n; i += PAGEBLOCK_NR_PAGES)
					s->pageblocks[i >> PAGEBLOCK_ORDER].free_pages +=
						(uint16_t)(pfn + n - i < PAGEBLOCK_NR_PAGES ? pfn + n - i : PAGEBLOCK_NR_PAGES);
		}
		pfn += n;
	}
	return 0;
}

/* Aligned ranges of 2^order pages in zone z: how many are free now, and how
 * many hold nothing unmovable (a perfect compactor could empty them) */
static void count_ranges(const struct af_snapshot *s, struct zone *z, unsigned int order,
			 uint64_t *nfree, uint64_t *nmovable)
{
	unsigned long size = 1UL << order;
	unsigned long start = (z->zone_start_pfn + size - 1) & ~(size - 1);

	for (unsigned long r = start; r + size <= zone_end_pfn(z); r += size) {
		bool all_free = true, movable = true;
		for (unsigned long pfn = r; pfn < r + size && movable; pfn++) {
			enum af_pfn_class c = s->pfn_class[pfn];
			all_free &= c == AF_PFN_FREE;
			movable &= af_pfn_class_movable(c) != 0;
		}
		*nfree += all_free;
		*nmovable += movable;
	}
}

int af_metrics(struct af_machine *m, struct af_metrics *out)
{
	struct af_snapshot s;
	uint64_t total_blocks = 0, suitable9 = 0, buddy_free = 0;
	unsigned int score = 0;
	int ret;

	if (!m || !out)
		return af_err(-EINVAL, "bad arguments");
	ret = af_snapshot_take(m, &s);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->free_pages = af_machine_free_pages(m);
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < AF_NR_ZONE_TYPES; t++)
			for (int o = 0; o < MAX_ORDER; o++)
				for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
					uint64_t k = AF_SNAP_FREE_BLOCKS(&s, n, t, o, mt);
					out->free_blocks[o] += k;
					total_blocks += k;
					buddy_free += k << o;
					if (o >= 9)
						suitable9 += k << (o - 9);
				}
	for (uint64_t b = 0; b < s.nr_pageblocks; b++) {
		const struct af_pageblock_state *pb = &s.pageblocks[b];
		if (!pb->online || pb->zone_type == AF_NR_ZONE_TYPES)
			continue;
		out->pageblocks[pb->migratetype]++;
		if (pb->mixed) {
			out->mixed_pageblocks++;
			out->mixed_by_type[pb->migratetype == MIGRATE_CMA ? MIGRATE_MOVABLE : pb->migratetype]++;
		}
	}
	for (int k = 0; k < 3; k++)
		for (int a = 0; a < 3; a++)
			for (int f = 0; f < 3; f++) {
				out->extfrag[k][a][f] = m->extfrag_kind[k][a][f];
				out->extfrag_fragmenting[k][a][f] = m->extfrag_kind_fragmenting[k][a][f];
			}
	out->extfrag_events = m->extfrag_events;
	for (int o = 0; o < MAX_ORDER; o++)
		out->alloc_fail[o] = __atomic_load_n(&m->alloc_fail[o], __ATOMIC_RELAXED);
	out->extfrag_events_fragmenting = m->extfrag_fragmenting;
	/* the indices over all zones' buddy lists together */
	out->unusable_index_9 = buddy_free ? (int)((buddy_free - (suitable9 << 9)) * 1000 / buddy_free) : 1000;
	out->fragmentation_index_9 = af_fragmentation_index_info(9, buddy_free, total_blocks, suitable9);
	for (int n = 0; n < m->nr_nodes; n++)
		score += af_fragmentation_score(m, n);
	out->fragmentation_score = score / (unsigned)m->nr_nodes;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < AF_NR_ZONE_TYPES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			uint64_t f9 = 0, mv9 = 0, f18 = 0, mv18 = 0, zfree = 0, zfile = 0;

			if (!populated_zone(z))
				continue;
			count_ranges(&s, z, 9, &f9, &mv9);
			count_ranges(&s, z, 18, &f18, &mv18);
			for (unsigned long pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn++) {
				zfree += s.pfn_class[pfn] == AF_PFN_FREE;
				zfile += s.pfn_class[pfn] == AF_PFN_FILE;
			}
			out->huge_free += f9;
			out->gig_free += f18;
			out->oracle_huge += MIN(mv9, zfree >> 9);
			out->oracle_huge_reclaim += MIN(mv9, (zfree + zfile) >> 9);
			out->oracle_gig += MIN(mv18, zfree >> 18);
		}
	af_snapshot_free(&s);
	return 0;
}

/* ---- the sampler ---- */
int af_sample_now(struct af_machine *m, struct af_sample *s)
{
	static const struct { const char *name; size_t off; } counters[] = {
		{ "compact_stall", offsetof(struct af_sample, compact_stall) },
		{ "compact_success", offsetof(struct af_sample, compact_success) },
		{ "compact_fail", offsetof(struct af_sample, compact_fail) },
		{ "compact_migrate_scanned", offsetof(struct af_sample, compact_migrate_scanned) },
		{ "compact_free_scanned", offsetof(struct af_sample, compact_free_scanned) },
		{ "compact_daemon_wake", offsetof(struct af_sample, compact_daemon_wake) },
		{ "pgmigrate_success", offsetof(struct af_sample, pgmigrate_success) },
		{ "pgmigrate_fail", offsetof(struct af_sample, pgmigrate_fail) },
		{ "thp_fault_alloc", offsetof(struct af_sample, thp_fault_alloc) },
		{ "thp_fault_fallback", offsetof(struct af_sample, thp_fault_fallback) },
		{ "pgscan_kswapd", offsetof(struct af_sample, pgscan_kswapd) },
		{ "pgsteal_kswapd", offsetof(struct af_sample, pgsteal_kswapd) },
	};
	int ret;

	if (!m || !s)
		return af_err(-EINVAL, "bad arguments");
	memset(s, 0, sizeof(*s));
	s->clock_ns = af_clock_ns(m);
	if ((ret = af_metrics(m, &s->metrics)))
		return ret;
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		af_vmstat(m, counters[i].name, (uint64_t *)((char *)s + counters[i].off));
	return 0;
}

static void sampler_fire(struct af_machine *m, uint64_t now)
{
	struct af_sample s;

	m->sample_next = (now / m->sample_interval + 1) * m->sample_interval;
	if (af_sample_now(m, &s) == 0)
		m->sample_fn(m->sample_arg, &s);
}

int af_sampler_set(struct af_machine *m, uint64_t interval_ns, af_sample_fn fn, void *arg)
{
	if (!m)
		return af_err(-EINVAL, "no machine");
	if (m->threaded && fn && interval_ns)
		return af_err(-EINVAL, "the sampler runs in deterministic mode only");
	if (!fn || !interval_ns) {
		m->sample_fn = NULL;
		return 0;
	}
	m->sample_fn = fn;
	m->sample_fire = sampler_fire;
	m->sample_arg = arg;
	m->sample_interval = interval_ns;
	m->sample_next = (af_clock_ns(m) / interval_ns + 1) * interval_ns;
	return 0;
}
