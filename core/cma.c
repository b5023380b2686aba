/*
 * cma.c - the contiguous memory allocator's area (mm/cma.c: cma_alloc,
 * cma_release) on top of alloc_contig_range (page_isolation.c).
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

/*
 * cma_alloc(): the first free, aligned run of count pages of the CMA area
 * that alloc_contig_range() can empty; busy candidates are skipped.
 */
int af_cma_alloc(struct af_machine *m, uint64_t count, unsigned int align_order, uint64_t *pfn)
{
	unsigned long mask;

	if (!m || !pfn || !count)
		return af_err(-EINVAL, "bad arguments");
	if (!m->cma_count)
		return af_err(-ENODEV, "no CMA area (cma_size)");
	if (align_order >= 32)
		return af_err(-EINVAL, "cma_alloc: align order %u is out of range (0..31)", align_order);
	if (count > m->cma_count)
		return af_err(-EINVAL, "cma_alloc of %llu pages does not fit the area of %lu",
			      (unsigned long long)count, m->cma_count);
	mask = (1UL << align_order) - 1;
	for (unsigned long off = 0; off + count <= m->cma_count;) {
		unsigned long start = m->cma_base + off;
		uint64_t busy;
		bool free_bits = true;

		if (start & mask) {
			off = ((start + mask) & ~mask) - m->cma_base;
			continue;
		}
		for (unsigned long i = 0; i < count && free_bits; i++)
			free_bits = !m->cma_bitmap[off + i];
		if (!free_bits) {
			off += mask + 1;
			continue;
		}
		if (af_alloc_contig_range(m, start, start + count, &busy) == 0) {
			memset(m->cma_bitmap + off, 1, count);
			*pfn = start;
			return 0;
		}
		off += mask + 1;	/* -EBUSY: try the next aligned position */
	}
	return af_err(-ENOMEM, "cma_alloc: no %llu free pages could be made available",
		      (unsigned long long)count);
}

/* cma_release() */
int af_cma_release(struct af_machine *m, uint64_t pfn, uint64_t count)
{
	/* cma_pages_valid(), written so that pfn + count cannot wrap */
	if (!m || !m->cma_count || pfn < m->cma_base || pfn - m->cma_base >= m->cma_count ||
	    count > m->cma_count - (pfn - m->cma_base))
		return af_err(-EINVAL, "pages [0x%llx, +%llu) are not in the CMA area",
			      (unsigned long long)pfn, (unsigned long long)count);
	for (uint64_t i = 0; i < count; i++)
		if (!m->cma_bitmap[pfn - m->cma_base + i])
			return af_err(-EINVAL, "pfn 0x%llx was not allocated by cma_alloc",
				      (unsigned long long)(pfn + i));
	/* the bits go first: af_free_contig_range refuses pages cma_alloc holds */
	for (uint64_t i = 0; i < count; i++)
		m->cma_bitmap[pfn - m->cma_base + i] = 0;
	int ret = af_free_contig_range(m, pfn, count);
	for (uint64_t i = 0; ret && i < count; i++)
		m->cma_bitmap[pfn - m->cma_base + i] = 1;
	return ret;
}
