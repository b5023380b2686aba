/*
 * machine.c - building a machine from its configuration, the way the kernel
 * boots (mm/page_alloc.c: free_area_init, memmap_init, memblock_free_all /
 * __free_pages_core, build_all_zonelists, init_per_zone_wmark_min;
 * mm/huge_memory.c: hugepage_init; free_reserved_area for init memory).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm.h"

/* A pfn map covers the layout, and each zone's counts are the map's */
static int validate_pfn_map(const struct af_config *c, unsigned long max_pfn)
{
	if (!c->explicit_layout)
		return af_err(-EINVAL, "a pfn map needs an explicit zone layout");
	if (c->cma_bytes)
		return af_err(-EINVAL, "a machine from a pfn map has no CMA area");
	if (c->pfn_map_len < max_pfn)
		return af_err(-EINVAL, "the pfn map has 0x%llx frames, the layout ends at 0x%lx",
			      (unsigned long long)c->pfn_map_len, max_pfn);
	for (int n = 0; n < c->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone_cfg *z = &c->nodes[n].zones[t];
			unsigned long present = 0, managed = 0;

			if (!z->set)
				continue;
			for (unsigned long pfn = z->start_pfn; pfn < z->start_pfn + z->spanned; pfn++) {
				present += c->pfn_map[pfn] != AF_PFN_MAP_HOLE;
				managed += c->pfn_map[pfn] == AF_PFN_MAP_FREE;
			}
			if (present != z->present || managed != z->managed || z->late_freed)
				return af_err(-EINVAL, "node %d zone %s: the pfn map has %lu present and %lu "
					      "managed pages, the layout %lu and %lu", n, zone_names[t],
					      present, managed, z->present, z->managed);
		}
	return 0;
}

static int validate_layout(struct af_config *c, unsigned long *max_pfn)
{
	static const unsigned long zone_limit[MAX_NR_ZONES] = {
		4096UL, 1UL << 20, 1UL << 32, 1UL << 32, 1UL << 32 };
	unsigned long prev_end = 0;

	*max_pfn = 0;
	for (int n = 0; n < c->nr_nodes; n++) {
		bool any = false;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone_cfg *z = &c->nodes[n].zones[t];
			if (!z->set)
				continue;
			if (!z->spanned || !z->present)
				return af_err(-EINVAL, "node %d zone %s: empty range", n, zone_names[t]);
			if (z->present > z->spanned || z->managed > z->present ||
			    z->late_freed > z->managed)
				return af_err(-EINVAL, "node %d zone %s: need late <= managed <= present <= spanned",
					      n, zone_names[t]);
			if (z->start_pfn + z->spanned > zone_limit[t] || z->start_pfn + z->spanned < z->start_pfn)
				return af_err(-EINVAL, "node %d zone %s: range 0x%lx-0x%lx outside the zone's limit 0x%lx",
					      n, zone_names[t], z->start_pfn, z->start_pfn + z->spanned,
					      zone_limit[t]);
			if (z->start_pfn < prev_end)
				return af_err(-EINVAL, "node %d zone %s: range 0x%lx-0x%lx overlaps the previous zone or node",
					      n, zone_names[t], z->start_pfn, z->start_pfn + z->spanned);
			if (z->hole_start && (z->hole_start < z->start_pfn ||
					      z->hole_start + (z->spanned - z->present) > z->start_pfn + z->spanned))
				return af_err(-EINVAL, "node %d zone %s: hole outside the zone", n, zone_names[t]);
			prev_end = z->start_pfn + z->spanned;
			*max_pfn = prev_end;
			any = true;
		}
		if (!any)
			return af_err(-EINVAL, "node %d has no memory", n);
	}
	if (*max_pfn >= (1UL << 32) - 1)
		return af_err(-EINVAL, "memory above 16 TiB is not supported");
	return c->pfn_map ? validate_pfn_map(c, *max_pfn) : 0;
}

static int finalize_config(struct af_config *c, unsigned long *max_pfn)
{
	int ret;

	if (c->nr_nodes < 1 || c->nr_nodes > AF_MAX_NODES)
		return af_err(-EINVAL, "nodes must be 1..%d", AF_MAX_NODES);
	if (c->nr_cpus < 1 || c->nr_cpus > AF_MAX_CPUS)
		return af_err(-EINVAL, "cpus must be 1..%d", AF_MAX_CPUS);
	if (!c->explicit_layout) {
		ret = layout_generate(c);
		if (ret)
			return ret;
	} else {
		for (int n = c->nr_nodes; n < AF_MAX_NODES; n++)
			for (int t = 0; t < MAX_NR_ZONES; t++)
				if (c->nodes[n].zones[t].set)
					return af_err(-EINVAL, "zone given for node %d but nodes = %d", n,
						      c->nr_nodes);
	}
	if (c->explicit_layout && c->movablecore_bytes)
		return af_err(-EINVAL, "movablecore needs a generated layout (mem =); "
			      "give node.N.zone.Movable explicitly instead");
	for (int n = 0; n < c->nr_nodes; n++) {
		if (!c->nodes[n].distance_set)
			for (int j = 0; j < c->nr_nodes; j++)
				c->nodes[n].distance[j] = n == j ? 10 : 20;
		else if (c->nodes[n].distance[n] != 10)
			return af_err(-EINVAL, "node %d: distance to itself must be 10", n);
	}
	return validate_layout(c, max_pfn);
}

/*
 * Ask the host for transparent huge pages under a memmap-sized array: the
 * scanners and the allocator reach it at random, and with 4 KiB host pages
 * most of those reaches also miss the host's TLB.  Advice only: a host
 * without THP (or with it off) maps the array as before.
 */
static void metadata_hugepages(void *addr, size_t len)
{
#ifdef MADV_HUGEPAGE
	(void)madvise(addr, len, MADV_HUGEPAGE);
#else
	(void)addr;
	(void)len;
#endif
}

/*
 * The host memory a machine of max_pfn page frames takes: its memmap (every
 * frame's struct page is written at boot, holes included), the pageblock
 * records, the CMA bitmap and, with contents, 4 KiB per frame.  More than
 * the host has is refused before anything is allocated.
 */
static int check_host_memory(const struct af_config *c, unsigned long max_pfn)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	unsigned long long host, need;

	need = (unsigned long long)max_pfn * (sizeof(struct page) + sizeof(struct page_scan)) +
	       (unsigned long long)(max_pfn >> PAGEBLOCK_ORDER) *
	       (sizeof(struct pageblock) + 2 * sizeof(uint64_t) + 1) +
	       (c->cma_bytes >> PAGE_SHIFT);
	if (c->contents)
		need += (unsigned long long)max_pfn << PAGE_SHIFT;
	if (pages <= 0 || psize <= 0)
		return 0;	/* unknown: let the allocation tell */
	host = (unsigned long long)pages * (unsigned long long)psize;
	if (need > host)
		return af_err(-ENOMEM, "the machine needs %llu MiB of host memory (%zu bytes per "
			      "page frame for 0x%lx frames%s), more than the host's %llu MiB",
			      need >> 20,
			      sizeof(struct page) + sizeof(struct page_scan) + (c->contents ? PAGE_SIZE : 0), max_pfn,
			      c->contents ? " with contents" : "", host >> 20);
	return 0;
}

static void mark_range(struct af_machine *m, unsigned long a, unsigned long b, uint32_t flags, int rc)
{
	for (unsigned long p = a; p < b; p++) {
		pflags_or(m, &m->pages[p], flags);
		m->pages[p].refcount = rc;
		m->pages[p].next = m->pages[p].prev = PFN_NIL;
	}
}

/*
 * __free_pages_memory(): free [a, b) in the largest aligned blocks, to tail.
 * The CMA area is memblock-reserved in 6.1 and freed pageblock by pageblock
 * (init_cma_reserved_pageblock), so no boot block straddles its edge: a
 * block that would is freed in pageblocks, which merge only with their kind.
 */
static void free_range_boot(struct zone *z, unsigned long a, unsigned long b)
{
	const struct af_machine *m = z->m;

	while (a < b) {
		unsigned int order = MIN((unsigned int)(MAX_ORDER - 1),
					 a ? (unsigned int)__builtin_ctzl(a) : MAX_ORDER - 1);
		while (a + (1UL << order) > b)
			order--;
		if (order > PAGEBLOCK_ORDER && m->cma_count &&
		    a < m->cma_base + m->cma_count && a + (1UL << order) > m->cma_base &&
		    (a < m->cma_base || a + (1UL << order) > m->cma_base + m->cma_count))
			order = PAGEBLOCK_ORDER;
		z->pcp[0].events[PGFREE] += 1UL << order;
		free_one_page_locked(z, a, order, get_pageblock_migratetype(z->m, a), true);
		a += 1UL << order;
	}
}

static void free_machine(struct af_machine *m)
{
	if (!m)
		return;
	if (m->pol_state && m->pol.destroy)
		m->pol.destroy(m);
	for (int n = 0; n < m->nr_nodes; n++) {
		if (!m->node[n])
			continue;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			free(m->node[n]->node_zones[t].pcp);
			pthread_mutex_destroy(&m->node[n]->node_zones[t].compact_lock);
		}
		pthread_mutex_destroy(&m->node[n]->lru_lock);
		free(m->node[n]);
	}
	if (m->pages)
		munmap(m->pages, m->pages_bytes);
	if (m->pscan)
		munmap(m->pscan, m->pscan_bytes);
	free(m->pageblocks);
	free(m->pb_lru);
	free(m->pb_buddy);
	free(m->pb_huge);
	free(m->cma_bitmap);
	pthread_mutex_destroy(&m->global_lock);
	free(m);
}

void af_machine_destroy(struct af_machine *m)
{
	if (m) {
		if (m->daemons)
			af_daemons_stop(m);
		if (m->workload_free)
			m->workload_free(m);
		if (m->wops)
			m->wops->destroy(m);
	}
	free_machine(m);
}

/*
 * The "linux" boot places a zone's reserved pages where Debian's 6.1 kernel
 * has them under qemu-system-x86_64 (memblock=debug shows them): the DMA
 * zone's are its lowest pages (setup_arch reserves the first 1 MiB); the
 * kernel image (zone_cfg.image) sits at a 2 MiB-aligned slot at or above
 * 16 MiB that KASLR picks at random (drawn from the seed; kaslr = 0 puts it
 * at 16 MiB); the memmap, page tables and swiotlb are the zone's top pages
 * (memblock allocates top-down).  Simplification: the image stays in the
 * zone the layout charges with it, where 6.1's KASLR can also put it in
 * Normal on a machine with memory above 4 GiB.  `boot = clean` puts every
 * reserved page on top, as the plain model does.
 */
struct boot_ranges {
	unsigned long a[4], b[4];
	int n;
};

static void boot_reserve(struct af_machine *m, struct boot_ranges *r, unsigned long a, unsigned long b)
{
	if (a >= b)
		return;
	mark_range(m, a, b, PG_reserved, 1);
	r->a[r->n] = a;
	r->b[r->n] = b;
	r->n++;
}

/*
 * defer_init(): with CONFIG_DEFERRED_STRUCT_PAGE_INIT (Debian's 6.1 has it)
 * the highest zone of a node gets the struct pages of one section's worth
 * of present pages at boot, up to the next section boundary; the rest waits
 * for deferred_init_memmap().  Returns the first deferred pfn, or the
 * zone's end when nothing is deferred.
 */
#define BOOT_SECTION_PAGES	(1UL << (27 - PAGE_SHIFT))	/* x86-64 SECTION_SIZE_BITS 27 */
static unsigned long boot_first_deferred_pfn(const struct af_config *cfg, int n, int t,
					     unsigned long hs, unsigned long he)
{
	const struct zone_cfg *zc = &cfg->nodes[n].zones[t];
	unsigned long start = zc->start_pfn, end = start + zc->spanned, seen;

	for (int u = t + 1; u < MAX_NR_ZONES; u++)
		if (cfg->nodes[n].zones[u].set)
			return end;	/* not the node's highest zone */
	for (unsigned long p = (start + BOOT_SECTION_PAGES) & ~(BOOT_SECTION_PAGES - 1); p < end;
	     p += BOOT_SECTION_PAGES) {
		if (p >= hs && p < he)
			continue;	/* in the hole: defer_init() sees present pfns only */
		seen = p - start - (p >= he ? he - hs : 0);
		if (seen >= BOOT_SECTION_PAGES)
			return p;
	}
	return end;
}

/*
 * Free [a, b) of zone z at boot.  Below `deferred`: memblock_free_all(), the
 * largest aligned blocks.  From `deferred` on: deferred_free_range(), one
 * pageblock at a time; a pageblock whose first pfn is freed becomes
 * MIGRATE_MOVABLE, one whose first page stays reserved keeps the type of a
 * zeroed pageblock bitmap, MIGRATE_UNMOVABLE.
 */
static void boot_free(struct zone *z, unsigned long a, unsigned long b, unsigned long deferred)
{
	struct af_machine *m = z->m;

	if (a < deferred) {
		free_range_boot(z, a, MIN(b, deferred));
		a = deferred;
	}
	while (a < b) {
		unsigned long blk = a & ~(PAGEBLOCK_NR_PAGES - 1), e = MIN(b, blk + PAGEBLOCK_NR_PAGES);
		struct pageblock *pb = &m->pageblocks[a >> PAGEBLOCK_ORDER];

		if (a == blk && (pb->bits & PB_MIGRATE_MASK) == MIGRATE_UNMOVABLE &&
		    !(m->pol.mech & POLICY_MECH_NO_GROUPING))
			pb->bits = (pb->bits & ~PB_MIGRATE_MASK) | MIGRATE_MOVABLE;
		free_range_boot(z, a, e);
		a = e;
	}
}

/*
 * A zone from a pfn map (af_config_set_pfn_map): holes and reserved pages
 * where the map puts them, every other page freed in the largest aligned
 * blocks, every pageblock Movable; no kernel image, no deferred init.
 */
static void boot_zone_mapped(struct af_machine *m, int n, int t)
{
	struct zone *z = &m->node[n]->node_zones[t];
	const struct zone_cfg *zc = &m->cfg.nodes[n].zones[t];
	const uint8_t *map = m->cfg.pfn_map;
	unsigned long start = zc->start_pfn, end = start + zc->spanned, run = 0;

	for (unsigned long pfn = start; pfn < end; pfn++) {
		if (map[pfn] == AF_PFN_MAP_HOLE)
			mark_range(m, pfn, pfn + 1, PG_hole | PG_reserved, 0);
		else if (map[pfn] == AF_PFN_MAP_RESERVED)
			mark_range(m, pfn, pfn + 1, PG_reserved, 1);
		if (map[pfn] != AF_PFN_MAP_HOLE)
			set_pageblocks_online(m, pfn, pfn + 1, true);
	}
	z->managed_pages = zc->managed;
	for (unsigned long pfn = start; pfn <= end; pfn++) {
		bool free = pfn < end && map[pfn] == AF_PFN_MAP_FREE;

		if (free && !run)
			run = pfn + 1;	/* run - 1 is the run's first pfn */
		else if (!free && run) {
			free_range_boot(z, run - 1, pfn);
			run = 0;
		}
	}
}

static void boot_zone(struct af_machine *m, int n, int t, unsigned long *late_lo)
{
	struct zone *z = &m->node[n]->node_zones[t];
	const struct zone_cfg *zc = &m->cfg.nodes[n].zones[t];
	unsigned long start = zc->start_pfn, end = start + zc->spanned;
	unsigned long absent = zc->spanned - zc->present;
	unsigned long hs = zc->hole_start ? zc->hole_start : start + zc->present;
	unsigned long reserved = zc->present - zc->managed + zc->late_freed;
	struct { unsigned long a, b; } iv[2] = { { start, hs }, { hs + absent, end } };
	unsigned long top_lo[2] = { hs, end }, low = 0, left, deferred = end;
	bool clean = m->cfg.clean_boot;
	unsigned long image = clean ? 0 : MIN(zc->image, reserved);
	struct boot_ranges res = { .n = 0 };

	mark_range(m, hs, hs + absent, PG_hole | PG_reserved, 0);
	for (int i = 0; i < 2; i++)
		set_pageblocks_online(m, iv[i].a, iv[i].b, true);
	if (!clean && t == ZONE_DMA) {
		low = MIN(reserved, iv[0].b - iv[0].a);
		boot_reserve(m, &res, iv[0].a, iv[0].a + low);
	}
	/* top-down: memmap, tables, swiotlb (and everything, booting clean) */
	image = MIN(image, reserved - low);
	left = reserved - low - image;
	*late_lo = start;
	for (int i = 1; i >= 0 && left; i--) {
		unsigned long lo = i == 0 ? iv[0].a + low : iv[1].a;
		unsigned long take = MIN(left, iv[i].b > lo ? iv[i].b - lo : 0);

		top_lo[i] = iv[i].b - take;
		boot_reserve(m, &res, top_lo[i], iv[i].b);
		left -= take;
		if (take)
			*late_lo = top_lo[i];
	}
	if (image) {
		/* choose_random_location(): a 2 MiB slot at or above 16 MiB */
		unsigned long lo[2], nslots[2], total = 0, pick, s = 0, bss;
		for (int i = 0; i < 2; i++) {
			unsigned long hi = top_lo[i];
			/* memblock keeps the CMA area (cma=) clear of the image */
			if (m->cma_count && m->cma_base >= iv[i].a && m->cma_base < hi)
				hi = m->cma_base;
			lo[i] = (MAX(i == 0 ? iv[0].a + low : iv[1].a, 4096UL) + 511) & ~511UL;
			nslots[i] = hi >= lo[i] + image ? (hi - lo[i] - image) / 512 + 1 : 0;
			total += nslots[i];
		}
		if (total) {
			struct af_rng r;
			af_rng_seed(&r, m->cfg.seed ^ 0x6b61736c72ULL);
			pick = m->cfg.nokaslr ? 0 : af_rng_below(&r, total);
			for (int i = 0; i < 2; i++) {
				if (pick < nslots[i]) {
					s = lo[i] + pick * 512;
					break;
				}
				pick -= nslots[i];
			}
		} else {
			/* no room for a slot: below the top-down pages */
			int i = top_lo[1] - iv[1].a >= image ? 1 : 0;
			s = top_lo[i] - image;
		}
		boot_reserve(m, &res, s, s + image);
		/* __init is freed late: it lies under the image's bss (17344K) */
		bss = MIN(4336UL, image - MIN(image, zc->late_freed));
		*late_lo = s + image - bss - MIN(image, zc->late_freed);
	}
	if (!clean && !(m->pol.mech & POLICY_MECH_NO_GROUPING)) {
		deferred = boot_first_deferred_pfn(&m->cfg, n, t, hs, hs + absent);
		for (unsigned long pfn = (deferred + PAGEBLOCK_NR_PAGES - 1) & ~(PAGEBLOCK_NR_PAGES - 1);
		     pfn < end; pfn += PAGEBLOCK_NR_PAGES) {
			struct pageblock *pb = &m->pageblocks[pfn >> PAGEBLOCK_ORDER];
			if ((pb->bits & PB_MIGRATE_MASK) == MIGRATE_MOVABLE)
				pb->bits = (pb->bits & ~PB_MIGRATE_MASK) | MIGRATE_UNMOVABLE;
		}
	}
	z->managed_pages = zc->managed - zc->late_freed;
	/* free what is not reserved, interval by interval, in pfn order */
	for (int i = 0; i < 2; i++) {
		unsigned long cur = iv[i].a;
		for (;;) {
			int k = -1;
			for (int j = 0; j < res.n; j++)
				if (res.a[j] >= cur && res.a[j] < iv[i].b && (k < 0 || res.a[j] < res.a[k]))
					k = j;
			if (k < 0)
				break;
			boot_free(z, cur, res.a[k], deferred);
			cur = res.b[k];
		}
		if (cur < iv[i].b)
			boot_free(z, cur, iv[i].b, deferred);
	}
}


/*
 * What Debian's 6.1 kernel allocates between mem_init() and starting /init
 * under qemu (busybox initramfs), from the fidelity boots at 512 MiB-4 GiB
 * (fidelity/kernel/boot): about 2,210 pages of reclaimable slab (the
 * initramfs's dentries and inodes), 510 movable pages (its shmem files and
 * the first processes' anonymous memory), and unmovable kernel memory
 * (1,650 pages of slab, 216 of kernel stacks, vmalloc and percpu areas)
 * growing with memory, 3,490 + 254 per GiB of managed memory.  Made on CPU 0
 * as order-0 allocations after the deferred pages are freed, unmovable
 * first, so their fallbacks claim pageblocks as 6.1's do.  Simplifications:
 * the kernel's own order and timing of these is not known page by page, the
 * movable pages are held like kernel pages (6.1 could migrate the shmem
 * ones), and only machines built from `mem` get them (an explicit zone
 * layout boots without them).
 */
#define BOOT_RECLAIMABLE	2210UL
#define BOOT_MOVABLE		510UL
#define BOOT_UNMOVABLE_BASE	(3490UL - BOOT_SHORT_LIVED)
#define BOOT_SHORT_LIVED	440UL
#define BOOT_UNMOVABLE_PER_GIB	254UL
#define BOOT_SLAB_UNRECLAIMABLE	1650UL
#define BOOT_KERNEL_STACK	216UL

/*
 * /init's first commands (busybox --install, the mounts, sed, uname) run as
 * short-lived processes on the CPU that did not free the init memory; at
 * exit their pages go back to its per-CPU list, where the kernel's boot
 * dumps find them (440 pages more on the pcp lists than antifrag had
 * without them, at 1-4 GiB; a boot traced with kmem:mm_page_free shows
 * those processes' frees).  They were part of the unmovable remainder the
 * boot figures were fitted with, which is that much smaller.
 */
static int boot_short_lived(struct af_machine *m)
{
	uint32_t *pfns = calloc(BOOT_SHORT_LIVED, sizeof(*pfns));
	unsigned long n = 0;

	if (!pfns)
		return af_err(-ENOMEM, "out of memory");
	while (n < BOOT_SHORT_LIVED) {
		struct af_alloc_result res;
		if (af_alloc_pages(m, 0, AF_GFP_KERNEL, 0, 0, &res))
			break;
		pfns[n++] = (uint32_t)res.pfn;
	}
	while (n)
		af_free_pages(m, 0, pfns[--n], 0);
	free(pfns);
	return 0;
}

static int boot_allocations(struct af_machine *m, unsigned long totalram)
{
	static const struct { af_gfp_t gfp; int stat; } kinds[3] = {
		{ AF_GFP_KERNEL, NS_NR_SLAB_UNRECLAIMABLE },
		{ AF_GFP_KERNEL | AF___GFP_RECLAIMABLE, NS_NR_SLAB_RECLAIMABLE },
		{ AF_GFP_HIGHUSER_MOVABLE, -1 },
	};
	unsigned long want[3] = {
		BOOT_UNMOVABLE_BASE + BOOT_UNMOVABLE_PER_GIB * totalram / (1UL << (30 - PAGE_SHIFT)),
		BOOT_RECLAIMABLE, BOOT_MOVABLE,
	};
	/*
	 * dma_atomic_pool_init() (kernel/dma/pool.c), a postcore initcall, so
	 * first: three atomic DMA pools of 128 KiB per GiB of memory (at
	 * least 128 KiB, at most a MAX_ORDER block), each one block from
	 * alloc_pages() with GFP_KERNEL, GFP_KERNEL | GFP_DMA (when the DMA
	 * zone has managed pages) and GFP_KERNEL | GFP_DMA32.  At order 5 or
	 * more their fallbacks claim whole pageblocks, the DMA zone's one
	 * Unmovable block among them.  They are part of the unmovable figure
	 * above, so the order-0 allocations make up the rest.
	 */
	unsigned long pool = MAX(32UL, MIN((unsigned long)MAX_ORDER_NR_PAGES, totalram / 8192));
	unsigned int pool_order = 0;
	static const af_gfp_t pool_gfp[3] = { AF_GFP_KERNEL, AF_GFP_KERNEL | AF___GFP_DMA,
					      AF_GFP_KERNEL | AF___GFP_DMA32 };
	bool has_dma = false;

	/*
	 * The DMA zone's lowest pageblock is Unmovable before the pools: every
	 * fidelity boot shows the GFP_DMA pool split off the free pages just
	 * above the BIOS's first MiB (free orders 5-7 left Unmovable there)
	 * rather than off an order-10 block, as a fallback would.  What
	 * claims that block is not known (no fallback is traced once tracing
	 * starts, so something earlier); modelled as its type.
	 */
	for (int n = 0; n < m->nr_nodes; n++) {
		struct zone *dma = &m->node[n]->node_zones[ZONE_DMA];

		if (!dma->managed_pages)
			continue;
		has_dma = true;
		lock_zone(dma);
		set_pageblock_migratetype(m, dma->zone_start_pfn, MIGRATE_UNMOVABLE);
		move_freepages_block(dma, dma->zone_start_pfn, MIGRATE_UNMOVABLE, NULL);
		unlock_zone(dma);
	}
	while ((1UL << pool_order) < pool)
		pool_order++;
	for (int k = 0; k < 3; k++) {
		struct af_alloc_result res;

		if (k == 1 && !has_dma)
			continue;
		if (af_alloc_pages(m, 0, pool_gfp[k], pool_order, 0, &res))
			continue;	/* 6.1 tries lower orders, then goes without */
		pflags_or(m, &m->pages[res.pfn], PG_kernel);
		want[0] -= MIN(want[0], 1UL << pool_order);
	}

	for (int k = 0; k < 3; k++)
		for (unsigned long i = 0; i < want[k]; i++) {
			struct af_alloc_result res;
			int ret = af_alloc_pages(m, 0, kinds[k].gfp, 0, 0, &res);

			if (ret)
				return af_err(ret, "the boot's kernel allocations do not fit (%s)",
					      af_errmsg());
			pflags_or(m, &m->pages[res.pfn], PG_kernel);	/* af_free_pages refuses it */
			/* the unmovable ones: slab, then kernel stacks, then the rest */
			if (k == 0 && i >= BOOT_SLAB_UNRECLAIMABLE) {
				if (i < BOOT_SLAB_UNRECLAIMABLE + BOOT_KERNEL_STACK)
					page_stat_mod(m, res.pfn, NS_NR_KERNEL_STACK, 4);	/* kB */
			} else if (kinds[k].stat >= 0) {
				page_stat_mod(m, res.pfn, kinds[k].stat, 1);
			}
		}
	return boot_short_lived(m);
}

int machine_boot(const struct af_config *cfg_in, const struct af_policy *pol, const long *params,
		 struct af_machine **out)
{
	struct af_machine *m;
	unsigned long max_pfn = 0, totalram = 0;
	int ret;

	if (!cfg_in || !out)
		return af_err(-EINVAL, "bad arguments");
	m = calloc(1, sizeof(*m));
	if (!m)
		return af_err(-ENOMEM, "out of memory");
	pthread_mutex_init(&m->global_lock, NULL);
	m->cfg = *cfg_in;
	ret = finalize_config(&m->cfg, &max_pfn);
	if (ret) {
		free_machine(m);
		return ret;
	}
	m->nr_nodes = m->cfg.nr_nodes;
	m->nr_cpus = m->cfg.nr_cpus;
	m->threaded = m->cfg.threaded;
	m->thp = m->cfg.thp;
	m->thp_defrag = m->cfg.thp_defrag;
	m->vm = m->cfg.vm;
	m->pol = *pol;
	memcpy(m->pol_param, params, sizeof(m->pol_param));
	m->user_min_free_kbytes = m->cfg.vm_set_min_free_kbytes ? m->vm.min_free_kbytes : -1;
	m->max_pfn = (max_pfn + PAGEBLOCK_NR_PAGES - 1) & ~(PAGEBLOCK_NR_PAGES - 1);
	ret = check_host_memory(&m->cfg, m->max_pfn);
	if (ret) {
		free_machine(m);
		return ret;
	}
	m->pages_bytes = m->max_pfn * sizeof(struct page);
	m->pages = mmap(NULL, m->pages_bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->pages == MAP_FAILED) {
		m->pages = NULL;
		free_machine(m);
		return af_err(-ENOMEM, "cannot map %zu bytes of page metadata", m->pages_bytes);
	}
	metadata_hugepages(m->pages, m->pages_bytes);
	m->pscan_bytes = m->max_pfn * sizeof(struct page_scan);
	m->pscan = mmap(NULL, m->pscan_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			-1, 0);
	if (m->pscan == MAP_FAILED) {
		m->pscan = NULL;
		free_machine(m);
		return af_err(-ENOMEM, "cannot map %zu bytes of page metadata", m->pscan_bytes);
	}
	metadata_hugepages(m->pscan, m->pscan_bytes);
	m->nr_pageblocks = m->max_pfn >> PAGEBLOCK_ORDER;
	m->pageblocks = calloc(m->nr_pageblocks, sizeof(struct pageblock));
	m->pb_lru = calloc(m->nr_pageblocks, sizeof(*m->pb_lru));
	m->pb_buddy = calloc(m->nr_pageblocks, sizeof(*m->pb_buddy));
	m->pb_huge = calloc(m->nr_pageblocks, 1);
	if (!m->pageblocks || !m->pb_lru || !m->pb_buddy || !m->pb_huge) {
		free_machine(m);
		return af_err(-ENOMEM, "out of memory for pageblock bits");
	}
	for (size_t i = 0; i < m->nr_pageblocks; i++)
		m->pageblocks[i].zid = PB_ZID_NONE;
	for (int c = 0; c < m->nr_cpus; c++)
		m->cpu_to_node[c] = (int)((long)c * m->nr_nodes / m->nr_cpus);

	/* free_area_init(): nodes, zones, pageblock ownership */
	for (int n = 0; n < m->nr_nodes; n++) {
		/* its zones' parts start cache lines (struct zone) */
		struct pglist_data *pg = aligned_alloc(SMP_CACHE_BYTES, sizeof(*pg));
		unsigned long nstart = ~0UL, nend = 0;

		if (!pg) {
			free_machine(m);
			return af_err(-ENOMEM, "out of memory");
		}
		memset(pg, 0, sizeof(*pg));
		m->node[n] = pg;
		pg->node_id = n;
		pg->kswapd_highest_zoneidx = MAX_NR_ZONES;
		pthread_mutex_init(&pg->lru_lock, NULL);
		for (int l = 0; l < NR_LRU_LISTS; l++)
			list_init_pfn(&pg->lru[l]);
		for (int c = 0; c < m->nr_cpus; c++)
			pg->nr_cpus += m->cpu_to_node[c] == n;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &pg->node_zones[t];
			struct zone_cfg *zc = &m->cfg.nodes[n].zones[t];

			z->m = m;
			z->pgdat = pg;
			z->type = (enum zone_type)t;
			z->nid = n;
			z->name = zone_names[t];
			atomic_init(&z->lock, 0);
			pthread_mutex_init(&z->compact_lock, NULL);
			for (int o = 0; o < MAX_ORDER; o++)
				for (int mt = 0; mt < MIGRATE_TYPES; mt++)
					list_init_pfn(&z->free_area[o].free_list[mt]);
			/* setup_zone_pageset(): each CPU's pageset on lines of its own */
			z->pcp = aligned_alloc(SMP_CACHE_BYTES,
					       (size_t)m->nr_cpus * sizeof(struct per_cpu_pages));
			if (!z->pcp) {
				free_machine(m);
				return af_err(-ENOMEM, "out of memory");
			}
			memset(z->pcp, 0, (size_t)m->nr_cpus * sizeof(struct per_cpu_pages));
			for (int c = 0; c < m->nr_cpus; c++) {
				atomic_flag_clear(&z->pcp[c].lock);
				z->pcp[c].batch = 1;	/* boot pageset */
				for (int i = 0; i < NR_PCP_LISTS; i++)
					list_init_pfn(&z->pcp[c].lists[i]);
			}
			if (!zc->set)
				continue;
			z->zone_start_pfn = zc->start_pfn;
			z->spanned_pages = zc->spanned;
			z->present_pages = zc->present;
			nstart = MIN(nstart, zc->start_pfn);
			nend = MAX(nend, zc->start_pfn + zc->spanned);
			/* pageblocks: MIGRATE_MOVABLE, owned by the zone unless shared */
			for (unsigned long pfn = zc->start_pfn & ~(PAGEBLOCK_NR_PAGES - 1);
			     pfn < zc->start_pfn + zc->spanned; pfn += PAGEBLOCK_NR_PAGES) {
				struct pageblock *pb = &m->pageblocks[pfn >> PAGEBLOCK_ORDER];
				bool whole = pfn >= zc->start_pfn &&
					     pfn + PAGEBLOCK_NR_PAGES <= zc->start_pfn + zc->spanned;
				pb->bits = (m->pol.mech & POLICY_MECH_NO_GROUPING) ? MIGRATE_UNMOVABLE
										    : MIGRATE_MOVABLE;
				pb->zid = whole ? (uint16_t)(n << PB_ZID_SHIFT | t) : PB_ZID_MIXED;
			}
		}
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (pg->node_zones[t].present_pages)
				pg->nr_zones = t + 1;
		pg->kcompactd_highest_zoneidx = MAX(pg->nr_zones - 1, 0);
		pg->node_start_pfn = nstart;
		pg->node_spanned_pages = nend - nstart;
	}

	/*
	 * cma_declare_contiguous(): the CMA area sits at the top of node 0's
	 * DMA32 zone (below 4 GiB, as x86's dma_contiguous_reserve puts it),
	 * under the reserved pages; its pageblocks are MIGRATE_CMA
	 * (init_cma_reserved_pageblock) before the pages are freed.
	 */
	if (m->cfg.cma_bytes) {
		int t = m->cfg.nodes[0].zones[ZONE_DMA32].set ? ZONE_DMA32 : ZONE_NORMAL;
		struct zone_cfg *zc = &m->cfg.nodes[0].zones[t];
		unsigned long count = (unsigned long)((m->cfg.cma_bytes >> PAGE_SHIFT) + PAGEBLOCK_NR_PAGES - 1) &
				      ~(PAGEBLOCK_NR_PAGES - 1);
		unsigned long top = zc->start_pfn + (zc->managed - zc->late_freed);
		if (!zc->set || zc->spanned != zc->present || count * 2 > zc->managed) {
			unsigned long long bytes = m->cfg.cma_bytes;
			free_machine(m);
			return af_err(-EINVAL, "cma_size %llu does not fit in node 0 (at most half of "
				      "its DMA32 or Normal zone)", bytes);
		}
		m->cma_count = count;
		m->cma_base = (top - count) & ~(PAGEBLOCK_NR_PAGES - 1);
		m->cma_bitmap = calloc(count, 1);
		if (!m->cma_bitmap) {
			free_machine(m);
			return af_err(-ENOMEM, "out of memory");
		}
		for (unsigned long pfn = m->cma_base; pfn < m->cma_base + count; pfn += PAGEBLOCK_NR_PAGES)
			m->pageblocks[pfn >> PAGEBLOCK_ORDER].bits = MIGRATE_CMA;
		m->node[0]->node_zones[t].cma_pages = count;
	}

	/* memmap_init + memblock_free_all(): holes, reserved pages, free the rest */
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (m->cfg.nodes[n].zones[t].set) {
				if (m->cfg.pfn_map)
					boot_zone_mapped(m, n, t);
				else
					boot_zone(m, n, t, &m->node[n]->node_zones[t].boot_late_lo);
				totalram += m->node[n]->node_zones[t].managed_pages;
			}

	build_zonelists(m);
	/* build_all_zonelists(): mobility grouping needs 6 pageblocks of memory */
	m->page_group_by_mobility_disabled =
		nr_free_zone_pages(m, ZONE_MOVABLE) < PAGEBLOCK_NR_PAGES * MIGRATE_TYPES ||
		(m->pol.mech & POLICY_MECH_NO_GROUPING);

	/* init_per_zone_wmark_min() */
	calculate_min_free_kbytes(m);
	setup_per_zone_wmarks(m);
	refresh_zone_stat_thresholds(m);
	setup_per_zone_lowmem_reserve(m);

	/* hugepage_init(): THP off below 512 MiB, else khugepaged raises min_free */
	if (totalram < (512UL << (20 - PAGE_SHIFT)))
		m->thp = THP_NEVER;
	else if (m->thp != THP_NEVER)
		set_recommended_min_free_kbytes(m);

	refresh_zone_stat_thresholds(m);
	m->cfg.pfn_map = NULL;	/* the config's: booted from, not kept */
	m->cfg.pfn_map_len = 0;
	*out = m;
	return 0;
}

/*
 * The end of the boot, once the policy is set up (its hooks see these):
 * the kernel's own allocations, then free_initmem() gives the late-freed
 * reserved pages to the last CPU's pcp.
 */
int machine_boot_late(struct af_machine *m)
{
	unsigned long totalram = 0;
	int ret;

	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			totalram += m->node[n]->node_zones[t].managed_pages;
	if (!m->cfg.clean_boot && !m->cfg.explicit_layout && (ret = boot_allocations(m, totalram)))
		return ret;
	/* free_initmem(): late-freed reserved pages go to the last CPU's pcp */
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			struct zone_cfg *zc = &m->cfg.nodes[n].zones[t];
			unsigned long left = zc->late_freed;

			if (!zc->set || !left)
				continue;
			for (unsigned long pfn = z->boot_late_lo; left && pfn < zc->start_pfn + zc->spanned; pfn++) {
				struct page *p = &m->pages[pfn];
				if ((pflags(p) & (PG_reserved | PG_hole)) != PG_reserved)
					continue;
				pflags_clear(m, p, PG_reserved);
				__atomic_store_n(&p->refcount, 0, __ATOMIC_RELAXED);
				z->managed_pages++;
				free_unref_page(z, m->nr_cpus - 1, pfn, 0);
				left--;
			}
		}
	refresh_zone_stat_thresholds(m);
	return 0;
}

/* Linux 6.1: every hook NULL, so the mechanism runs its own decisions */
const struct af_policy policy_linux = {
	.name = "linux",
	.summary = "Linux 6.1: grouping by mobility, fallbacks[] with stealing and claiming, "
		   "first-fit from the smallest order, two-scanner compaction",
	.source = "mm/page_alloc.c, mm/compaction.c of Linux 6.1",
};

/* The allocator core alone: no world, so nothing owns pages but the caller */
int af_machine_create_core(const struct af_config *cfg, struct af_machine **out)
{
	struct af_machine *m;
	int ret;

	if (!cfg || !out)
		return af_err(-EINVAL, "bad arguments");
	static const long none[POLICY_MAX_PARAMS];

	if (cfg->policy[0] && strcmp(cfg->policy, "linux"))
		return af_err(-EINVAL, "policy %s: the allocator core alone runs linux "
			      "(af_machine_create has the policy table)", cfg->policy);
	if ((ret = machine_boot(cfg, &policy_linux, none, &m)))
		return ret;
	if ((m->pol.init && (ret = m->pol.init(m))) || (ret = machine_boot_late(m))) {
		af_machine_destroy(m);
		return ret;
	}
	*out = m;
	return 0;
}

int af_machine_nr_cpus(const struct af_machine *m)
{
	return m ? m->nr_cpus : af_err(-EINVAL, "no machine");
}

int af_machine_nr_nodes(const struct af_machine *m)
{
	return m ? m->nr_nodes : af_err(-EINVAL, "no machine");
}

uint64_t af_machine_max_pfn(const struct af_machine *m) { return m ? m->max_pfn : 0; }

uint64_t af_machine_seed(const struct af_machine *m) { return m ? m->cfg.seed : 0; }

uint64_t af_machine_free_pages(const struct af_machine *m)
{
	uint64_t v = 0;

	if (!m)
		return 0;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &m->node[n]->node_zones[t];
			v += (uint64_t)zone_page_state(z, NR_FREE_PAGES);
			for (int c = 0; c < m->nr_cpus; c++)
				v += (uint64_t)z->pcp[c].count;
		}
	return v;
}

uint64_t af_machine_managed_pages(const struct af_machine *m)
{
	uint64_t v = 0;

	if (!m)
		return 0;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			v += m->node[n]->node_zones[t].managed_pages;
	return v;
}
