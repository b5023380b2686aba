/*
 * layout.c - the physical memory map of a PC-like machine from its size.
 *
 * Modelled on what Debian's 6.1 kernel sees under qemu-system-x86_64 (see
 * shared reference boots): pfn 0 and the legacy hole 0x9f..0xff are absent,
 * memory below 4 GiB ends 38 pages short of min(mem, 3 GiB) when mem >= 3.5
 * GiB (the rest goes above 4 GiB), else of mem.  Reserved (never managed)
 * pages: 158 in DMA; in node 0 a fixed 11318 (kernel image, initrd, early
 * allocations) plus a 64 MiB swiotlb below 4 GiB when memory reaches above
 * 4 GiB; per node its memmap (64 bytes per present page); in node 0 a table
 * share of 627 + present * 1346 / 786432 pages, allocated top-down.  2390 of
 * the fixed pages are init memory freed after the watermarks are set.  The
 * fixed pages are the kernel image (zone_cfg.image), which the boot places
 * where KASLR would (machine.c); the DMA zone's 158 are its lowest pages.
 * This reproduces the zone spans, present and managed pages, watermarks and
 * min_free_kbytes of the 1 GiB and 4 GiB reference boots exactly; other
 * sizes follow the same rules.  A config may instead give every zone
 * explicitly (node.N.zone.NAME = START SPANNED PRESENT MANAGED [LATE]).
 */
#include <string.h>

#include "internal.h"

#define DMA_END_PFN	4096UL
#define DMA32_END_PFN	(1UL << 20)	/* 4 GiB */
#define KERNEL_RESERVED	11318UL
#define INITMEM_LATE	2390UL
#define SWIOTLB_PAGES	16384UL

struct range { unsigned long start, end; };

int layout_check_mem(uint64_t mem)
{
	if (mem < LAYOUT_MIN_MEM)
		return af_err(-EINVAL, "mem %llu bytes is too small (at least 128M)",
			      (unsigned long long)mem);
	if (mem > LAYOUT_MAX_MEM)
		return af_err(-EINVAL, "mem %llu bytes is too large (at most %lluG: page frame "
			      "numbers are 32 bits)", (unsigned long long)mem,
			      (unsigned long long)(LAYOUT_MAX_MEM >> 30));
	return 0;
}

int layout_generate(struct af_config *cfg)
{
	uint64_t mem = cfg->mem_bytes;
	unsigned long low_top, low_end, high_pages, total_present;
	struct range present[3];
	int nr_ranges = 0, N = cfg->nr_nodes;
	unsigned long bounds[AF_MAX_NODES + 1];
	unsigned long zone_lo[3] = { 0, DMA_END_PFN, DMA32_END_PFN };
	unsigned long zone_hi[3] = { DMA_END_PFN, DMA32_END_PFN, ~0UL };
	int ret = layout_check_mem(mem);

	if (ret)
		return ret;
	low_top = (unsigned long)((mem >= 0xE0000000ULL ? 0xC0000000ULL : mem) >> PAGE_SHIFT);
	low_end = low_top - 38;
	high_pages = (unsigned long)(mem >> PAGE_SHIFT) - low_top;
	present[nr_ranges++] = (struct range){ 1, 159 };
	present[nr_ranges++] = (struct range){ 256, low_end };
	if (high_pages)
		present[nr_ranges++] = (struct range){ DMA32_END_PFN, DMA32_END_PFN + high_pages };
	total_present = 0;
	for (int i = 0; i < nr_ranges; i++)
		total_present += present[i].end - present[i].start;

	/* node boundaries: equal shares of present memory, 1024-page aligned */
	bounds[0] = 0;
	for (int n = 1; n < N; n++) {
		unsigned long want = total_present / (unsigned long)N * (unsigned long)n, acc = 0, b = 0;
		for (int i = 0; i < nr_ranges; i++) {
			unsigned long len = present[i].end - present[i].start;
			if (acc + len >= want) {
				b = present[i].start + (want - acc);
				break;
			}
			acc += len;
		}
		b &= ~(MAX_ORDER_NR_PAGES - 1);
		if (b <= bounds[n - 1])
			return af_err(-EINVAL, "mem too small for %d nodes", N);
		bounds[n] = b;
	}
	bounds[N] = present[nr_ranges - 1].end;

	/* pfn ranges of each node: [first present pfn, last present pfn + 1) */
	unsigned long node_lo[AF_MAX_NODES], node_hi[AF_MAX_NODES];
	for (int n = 0; n < N; n++) {
		node_lo[n] = ~0UL;
		node_hi[n] = 0;
		for (int i = 0; i < nr_ranges; i++) {
			unsigned long a = MAX(bounds[n], present[i].start), b = MIN(bounds[n + 1], present[i].end);
			if (a >= b)
				continue;
			node_lo[n] = MIN(node_lo[n], a);
			node_hi[n] = MAX(node_hi[n], b);
		}
	}

	/*
	 * find_zone_movable_pfns_for_nodes(): movablecore= leaves kernelcore =
	 * total - movablecore (rounded to MAX_ORDER_NR_PAGES) spread evenly over
	 * the nodes from low addresses up; memory of each node above its
	 * zone_movable_pfn forms ZONE_MOVABLE, carved from the highest zone.
	 */
	unsigned long zmp[AF_MAX_NODES] = { 0 };
	int movable_zone = high_pages ? ZONE_NORMAL : ZONE_DMA32;
	unsigned long req_movable = (unsigned long)(cfg->movablecore_bytes >> PAGE_SHIFT);
	if (req_movable) {
		unsigned long usable_start = zone_lo[movable_zone];
		unsigned long req_kernel;
		int usable_nodes = N;

		req_movable = (req_movable + MAX_ORDER_NR_PAGES - 1) & ~(MAX_ORDER_NR_PAGES - 1);
		req_movable = MIN(total_present, req_movable);
		req_kernel = total_present - req_movable;
		if (req_kernel && req_kernel < total_present) {
restart:;
			unsigned long kernelcore_node = req_kernel / (unsigned long)usable_nodes;
			for (int n = 0; n < N; n++) {
				unsigned long remaining;
				if (req_kernel < kernelcore_node)
					kernelcore_node = req_kernel / (unsigned long)usable_nodes;
				remaining = kernelcore_node;
				for (int i = 0; i < nr_ranges; i++) {
					unsigned long a = MAX(bounds[n], present[i].start);
					unsigned long b = MIN(bounds[n + 1], present[i].end), size;
					if (a >= b)
						continue;
					a = MAX(a, zmp[n]);
					if (a >= b)
						continue;
					if (a < usable_start) {
						unsigned long kp = MIN(b, usable_start) - a;
						remaining -= MIN(kp, remaining);
						req_kernel -= MIN(kp, req_kernel);
						if (b <= usable_start) {
							zmp[n] = b;
							continue;
						}
						a = usable_start;
					}
					size = MIN(b - a, remaining);
					zmp[n] = a + size;
					req_kernel -= MIN(req_kernel, size);
					remaining -= size;
					if (!remaining)
						break;
				}
			}
			usable_nodes--;
			if (usable_nodes && req_kernel > (unsigned long)usable_nodes)
				goto restart;
			for (int n = 0; n < N; n++) {
				zmp[n] = (zmp[n] + MAX_ORDER_NR_PAGES - 1) & ~(MAX_ORDER_NR_PAGES - 1);
				if (zmp[n] >= node_hi[n])
					zmp[n] = 0;
			}
		}
	}

	for (int n = 0; n < N; n++) {
		struct node_cfg *nc = &cfg->nodes[n];
		unsigned long node_present = 0;

		memset(nc->zones, 0, sizeof(nc->zones));
		for (int t = 0; t <= ZONE_MOVABLE; t++) {
			struct zone_cfg *zc = &nc->zones[t];
			unsigned long lo, hi, pres = 0, hole_start = 0, prev_end = 0;

			if (t == ZONE_MOVABLE) {
				if (!zmp[n])
					continue;
				lo = zmp[n];
				hi = MIN(node_hi[n], zone_hi[movable_zone]);
			} else {
				/* zone_spanned_pages_in_node(): node range clamped to the zone */
				lo = MAX(node_lo[n], zone_lo[t]);
				hi = MIN(node_hi[n], zone_hi[t]);
				/* adjust_zone_range_for_zone_movable() */
				if (zmp[n] && t == movable_zone) {
					if (lo < zmp[n] && hi > zmp[n])
						hi = zmp[n];
					else if (lo >= zmp[n])
						hi = lo;
				}
			}
			if (lo >= hi)
				continue;
			for (int i = 0; i < nr_ranges; i++) {
				unsigned long a = MAX(lo, present[i].start), b = MIN(hi, present[i].end);
				if (a >= b)
					continue;
				if (prev_end && a > prev_end && !hole_start)
					hole_start = prev_end;	/* gap between ranges */
				prev_end = b;
				pres += b - a;
			}
			if (!pres)
				continue;
			zc->set = true;
			zc->start_pfn = lo;
			zc->spanned = hi - lo;
			zc->present = pres;
			zc->hole_start = hole_start ? hole_start : lo + pres;
			zc->managed = pres;
			node_present += pres;
		}
		/* memmap top-down from the node's highest zone (table share on node 0) */
		unsigned long top = (node_present + 63) / 64;
		if (n == 0)
			top += 627 + (unsigned long)((unsigned long long)total_present * 1346ULL / 786432ULL);
		for (int t = ZONE_MOVABLE; t >= 0 && top; t--) {
			struct zone_cfg *zc = &nc->zones[t];
			unsigned long take;
			if (!zc->set)
				continue;
			take = MIN(top, zc->managed / 2);
			zc->managed -= take;
			top -= take;
		}
		if (n == 0) {
			struct zone_cfg *dma = &nc->zones[ZONE_DMA];
			struct zone_cfg *k = nc->zones[ZONE_DMA32].set ? &nc->zones[ZONE_DMA32]
								       : &nc->zones[ZONE_NORMAL];
			unsigned long kres = KERNEL_RESERVED;

			if (dma->set)
				dma->managed -= MIN(158UL, dma->managed / 2);
			if (bounds[N] > DMA32_END_PFN)
				kres += SWIOTLB_PAGES;
			if (k->set) {
				kres = MIN(kres, k->managed / 2);
				k->managed -= kres;
				k->late_freed = MIN(INITMEM_LATE, kres);
				k->image = MIN(KERNEL_RESERVED, kres);
			}
		}
	}
	return 0;
}
