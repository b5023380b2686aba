/*
 * watermark.c - min_free_kbytes, per-zone watermarks, lowmem reserve and the
 * watermark checks (mm/page_alloc.c: calculate_min_free_kbytes,
 * __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve, nr_free_zone_pages,
 * __zone_watermark_ok, zone_watermark_fast; mm/khugepaged.c:
 * set_recommended_min_free_kbytes; mm/vmstat.c: calculate_normal_threshold).
 */
#include "internal.h"

#define for_each_zone(m, z)						\
	for (int n_ = 0; n_ < (m)->nr_nodes; n_++)			\
		for (struct zone *z = (m)->node[n_]->node_zones;	\
		     z < (m)->node[n_]->node_zones + MAX_NR_ZONES; z++)

/*
 * nr_free_zone_pages(): sum over the GFP_KERNEL zonelist of node 0 of the
 * managed pages above each zone's high watermark, zones <= highest_zoneidx.
 */
unsigned long nr_free_zone_pages(struct af_machine *m, int highest_zoneidx)
{
	struct zonelist *zl = &m->node[0]->zonelist_fallback;
	unsigned long sum = 0;

	for (int i = 0; i < zl->nr; i++) {
		struct zone *z = zl->zones[i];
		unsigned long high = high_wmark_pages(z);

		if ((int)z->type > highest_zoneidx)
			continue;
		if (z->managed_pages > high)
			sum += z->managed_pages - high;
	}
	return sum;
}

/*
 * calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped to
 * [128, 262144], unless the user wrote a larger value.
 */
void calculate_min_free_kbytes(struct af_machine *m)
{
	unsigned long lowmem_kbytes = nr_free_zone_pages(m, ZONE_NORMAL) * (PAGE_SIZE >> 10);
	long new_min = (long)int_sqrt_ul(lowmem_kbytes * 16);

	if (new_min > m->user_min_free_kbytes) {
		if (new_min < 128)
			new_min = 128;
		if (new_min > 262144)
			new_min = 262144;
		__atomic_store_n(&m->vm.min_free_kbytes, (int)new_min, __ATOMIC_RELAXED);
	}
}

static unsigned long mult_frac_ul(unsigned long x, unsigned long n, unsigned long d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

/*
 * __setup_per_zone_wmarks(): min is the zone's share of min_free_kbytes by
 * managed pages; low = min + gap, high = min + 2 * gap with
 * gap = max(min / 4, managed * watermark_scale_factor / 10000).
 * Resets watermark_boost; then the pcp high/batch follow (zone_pcp_update).
 */
void setup_per_zone_wmarks(struct af_machine *m)
{
	unsigned long pages_min = (unsigned long)m->vm.min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;

	for_each_zone(m, z)
		lowmem_pages += z->managed_pages;	/* no highmem on 64-bit */

	for_each_zone(m, z) {
		unsigned long tmp;

		lock_zone(z);
		tmp = lowmem_pages ? pages_min * z->managed_pages / lowmem_pages : 0;
		unsigned long mn = tmp;
		tmp = MAX(tmp >> 2, mult_frac_ul(z->managed_pages,
					(unsigned long)m->vm.watermark_scale_factor, 10000));
		WRITE_ONCE_UL(z->watermark_boost, 0UL);
		WRITE_ONCE_UL(z->_watermark[WMARK_MIN], mn);
		WRITE_ONCE_UL(z->_watermark[WMARK_LOW], mn + tmp);
		WRITE_ONCE_UL(z->_watermark[WMARK_HIGH], mn + 2 * tmp);
		WRITE_ONCE_UL(z->_watermark[WMARK_PROMO], mn + 3 * tmp);
		unlock_zone(z);
	}
	for_each_zone(m, z)
		zone_pcp_update(z);
}

/*
 * setup_per_zone_lowmem_reserve(): zone i keeps managed(i+1..j) / ratio[i]
 * pages back from allocations that could have used zone j.
 */
void setup_per_zone_lowmem_reserve(struct af_machine *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pgdat = m->node[n];

		for (int i = 0; i < MAX_NR_ZONES - 1; i++) {
			struct zone *z = &pgdat->node_zones[i];
			int ratio = m->vm.lowmem_reserve_ratio[i];
			bool clear = !ratio || !z->managed_pages;
			unsigned long managed = 0;

			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				managed += pgdat->node_zones[j].managed_pages;
				z->lowmem_reserve[j] = clear ? 0 : (long)(managed / (unsigned long)ratio);
			}
		}
	}
}

/*
 * set_recommended_min_free_kbytes(): with THP enabled, raise min_free_kbytes
 * so that each zone up to GFP_USER's keeps 2 + 3*3 pageblocks free, capped
 * at 5% of nr_free_buffer_pages(); then recompute the watermarks.
 */
void set_recommended_min_free_kbytes(struct af_machine *m)
{
	unsigned long recommended;
	int nr_zones = 0;

	if (m->thp == THP_NEVER) {
		calculate_min_free_kbytes(m);
		goto update;
	}
	for_each_zone(m, z) {
		if (!populated_zone(z) || z->type > ZONE_NORMAL)
			continue;
		nr_zones++;
	}
	recommended = PAGEBLOCK_NR_PAGES * (unsigned long)nr_zones * 2;
	recommended += PAGEBLOCK_NR_PAGES * (unsigned long)nr_zones *
		       MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	recommended = MIN(recommended, nr_free_zone_pages(m, ZONE_NORMAL) / 20);
	recommended <<= (PAGE_SHIFT - 10);
	if (recommended > (unsigned long)m->vm.min_free_kbytes)
		__atomic_store_n(&m->vm.min_free_kbytes, (int)recommended, __ATOMIC_RELAXED);
update:
	setup_per_zone_wmarks(m);
}

/*
 * calculate_normal_threshold(): the vmstat per-cpu drift threshold shown in
 * zoneinfo: 2 * fls(cpus) * (1 + fls(managed >> 15)), at most 125.
 */
void refresh_zone_stat_thresholds(struct af_machine *m)
{
	for_each_zone(m, z) {
		unsigned long mem = z->managed_pages >> (27 - PAGE_SHIFT);
		int t = 2 * fls_ul((unsigned long)m->nr_cpus) * (1 + fls_ul(mem));

		z->stat_threshold = MIN(125, t);
	}
}

/* __zone_watermark_unusable_free() */
static long watermark_unusable_free(struct zone *z, unsigned int order, unsigned int alloc_flags)
{
	long unusable = (1L << order) - 1;

	if (!(alloc_flags & ALLOC_RESERVES))
		unusable += (long)READ_ONCE_UL(z->nr_reserved_highatomic);
	if (z->m->cfg.cma_enabled && !(alloc_flags & ALLOC_CMA))
		unusable += zone_page_state(z, NR_FREE_CMA_PAGES);
	return unusable;
}

/*
 * The per-order part of __zone_watermark_ok(): is there a free block of at
 * least `order` on a list this request may use (the three pcp types, CMA
 * with ALLOC_CMA, HIGHATOMIC with ALLOC_HIGHATOMIC or ALLOC_OOM)?  Read
 * without the zone lock, as the kernel reads the lists: an answer a
 * concurrent change makes stale is what 6.1 acts on too.
 */
static bool free_area_has_block(struct zone *z, unsigned int order, unsigned int alloc_flags)
{
	unsigned int usable = (1u << MIGRATE_PCPTYPES) - 1;

	if (z->m->cfg.cma_enabled && (alloc_flags & ALLOC_CMA))
		usable |= 1u << MIGRATE_CMA;
	if (alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM))
		usable |= 1u << MIGRATE_HIGHATOMIC;
	for (unsigned int o = order; o < MAX_ORDER; o++)
		if (__atomic_load_n(&z->free_area[o].nonempty, __ATOMIC_RELAXED) & usable)
			return true;
	return false;
}

/*
 * __zone_watermark_ok(): free pages (minus what this request may not use)
 * must stay above mark + lowmem_reserve; reserves lower the mark; for
 * order > 0 a free block of at least that order must exist in a usable
 * free list.
 */
bool zone_watermark_ok_raw(struct zone *z, unsigned int order, unsigned long mark,
			   int highest_zoneidx, unsigned int alloc_flags, long free_pages)
{
	long min = (long)mark;

	free_pages -= watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & ALLOC_RESERVES) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	return free_area_has_block(z, order, alloc_flags);
}

bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags)
{
	return zone_watermark_ok_raw(z, order, mark, highest_zoneidx, alloc_flags,
				     zone_page_state(z, NR_FREE_PAGES));
}

/*
 * zone_watermark_fast(): the order-0 shortcut, then the full check; an
 * order-0 __GFP_ATOMIC request at WMARK_MIN ignores the boost.
 */
bool zone_watermark_fast(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, af_gfp_t gfp)
{
	long free_pages = zone_page_state(z, NR_FREE_PAGES);

	if (!order) {
		long usable = free_pages;
		long reserved = watermark_unusable_free(z, 0, alloc_flags);

		usable -= MIN(usable, reserved);
		if (usable > (long)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	if (zone_watermark_ok_raw(z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	if (!order && (gfp & AF___GFP_ATOMIC) && READ_ONCE_UL(z->watermark_boost) &&
	    (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN) {
		mark = READ_ONCE_UL(z->_watermark[WMARK_MIN]);
		return zone_watermark_ok_raw(z, order, mark, highest_zoneidx, alloc_flags,
					     free_pages);
	}
	return false;
}
