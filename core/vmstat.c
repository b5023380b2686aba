/*
 * vmstat.c - counters and /proc/vmstat (mm/vmstat.c: vmstat_start; the two
 * dirty thresholds from global_dirty_limits in mm/page-writeback.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AF_VMSTAT_NAMES_DEFINE
#include "internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

const char *const zone_names[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "Movable", "Device",
};

static const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = {
	"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
	"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable",
	"nr_zone_write_pending", "nr_mlock", "nr_bounce", "nr_zspages", "nr_free_cma",
};

static const char *const numa_stat_names[NR_VM_NUMA_EVENT_ITEMS] = {
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

const char *af_zone_stat_name(int i) { return zone_stat_names[i]; }
const char *af_numa_stat_name(int i) { return numa_stat_names[i]; }
const char *af_node_stat_name(int i) { return node_stat_names[i]; }

/* vmstat_item_print_in_thp(): these node items print in huge pages, not pages */
static bool node_stat_in_thp(int i)
{
	return i == NS_NR_ANON_TRANSPARENT_HUGEPAGES || i == NS_NR_FILE_HUGEPAGES ||
	       i == NS_NR_SHMEM_HUGEPAGES || i == NS_NR_SHMEM_PMDMAPPED || i == NS_NR_FILE_PMDMAPPED;
}

/* node_page_state_pages() as /proc/vmstat and /proc/zoneinfo print it */
long node_stat_printed(long pages, int i)
{
	return node_stat_in_thp(i) ? pages >> HPAGE_PMD_ORDER : pages;
}

/* Sum an event over every cpu of every zone, plus the machine-wide part. */
uint64_t sum_vm_event(struct af_machine *m, enum vm_event_item e)
{
	uint64_t v = __atomic_load_n(&m->events[e], __ATOMIC_RELAXED);

	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			for (int c = 0; c < m->nr_cpus; c++)
				v += __atomic_load_n(&z->pcp[c].events[e], __ATOMIC_RELAXED);
		}
	return v;
}

void count_zone_event(struct zone *z, int cpu, enum vm_event_item e, uint64_t n)
{
	cpu_counter_add(z->m, &z->pcp[cpu].events[e], n);
}

uint64_t zone_numa_event(const struct zone *z, int i, int nr_cpus)
{
	uint64_t v = 0;

	for (int c = 0; c < nr_cpus; c++)
		v += __atomic_load_n(&z->pcp[c].numa[i], __ATOMIC_RELAXED);
	return v;
}

long zone_page_state(const struct zone *z, enum zone_stat_item i)
{
	return __atomic_load_n(&z->vm_stat[i], __ATOMIC_RELAXED);
}

static long global_zone_state(struct af_machine *m, enum zone_stat_item i)
{
	long v = 0;

	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			v += zone_page_state(&m->node[n]->node_zones[t], i);
	return v;
}

static long global_node_state(struct af_machine *m, int i)
{
	long v = 0;

	for (int n = 0; n < m->nr_nodes; n++)
		v += __atomic_load_n(&m->node[n]->vm_stat[i], __ATOMIC_RELAXED);
	return v;
}

/*
 * calculate_totalreserve_pages(): per zone the largest lowmem_reserve plus
 * the high watermark, capped at managed pages.
 */
unsigned long totalreserve_pages(struct af_machine *m)
{
	unsigned long total = 0;

	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			long max = 0;
			for (int j = t; j < MAX_NR_ZONES; j++)
				if (z->lowmem_reserve[j] > max)
					max = z->lowmem_reserve[j];
			unsigned long r = (unsigned long)max + z->_watermark[WMARK_HIGH];
			if (r > z->managed_pages)
				r = z->managed_pages;
			total += r;
		}
	return total;
}

/*
 * global_dirty_limits() with the default vm.dirty_ratio 20 and
 * vm.dirty_background_ratio 10, as 6.1 computes them in page units.
 */
static void dirty_limits(struct af_machine *m, unsigned long *bg, unsigned long *thresh)
{
	unsigned long x = (unsigned long)global_zone_state(m, NR_FREE_PAGES);
	unsigned long res = totalreserve_pages(m);
	unsigned long ratio = 20 * PAGE_SIZE / 100, bg_ratio = 10 * PAGE_SIZE / 100;

	x -= MIN(x, res);
	x += (unsigned long)global_node_state(m, NS_NR_INACTIVE_FILE);
	x += (unsigned long)global_node_state(m, NS_NR_ACTIVE_FILE);
	x += 1;
	*thresh = ratio * x / PAGE_SIZE;
	*bg = bg_ratio * x / PAGE_SIZE;
	if (*bg >= *thresh)
		*bg = *thresh / 2;
}

/* The groups of /proc/vmstat, in its order */
enum vm_group { VG_ZONE, VG_NUMA, VG_NODE, VG_DIRTY_TH, VG_DIRTY_BG, VG_EVENT, VG_UNSTABLE };

/* One counter's value: group g, item i */
static uint64_t vmstat_value(struct af_machine *m, enum vm_group g, int i)
{
	unsigned long bg, th;
	uint64_t v = 0;

	switch (g) {
	case VG_ZONE:
		return (uint64_t)global_zone_state(m, (enum zone_stat_item)i);
	case VG_NUMA:
		for (int n = 0; n < m->nr_nodes; n++)
			for (int t = 0; t < MAX_NR_ZONES; t++)
				v += zone_numa_event(&m->node[n]->node_zones[t], i, m->nr_cpus);
		return v;
	case VG_NODE:
		return (uint64_t)node_stat_printed(global_node_state(m, i), i);
	case VG_DIRTY_TH:
	case VG_DIRTY_BG:
		dirty_limits(m, &bg, &th);
		return g == VG_DIRTY_TH ? th : bg;
	case VG_EVENT:
		return sum_vm_event(m, (enum vm_event_item)i);
	case VG_UNSTABLE:
		return 0;
	}
	return 0;
}

static const struct { enum vm_group g; int n; } vm_groups[] = {
	{ VG_ZONE, NR_VM_ZONE_STAT_ITEMS }, { VG_NUMA, NR_VM_NUMA_EVENT_ITEMS },
	{ VG_NODE, NR_VM_NODE_STAT_ITEMS }, { VG_DIRTY_TH, 1 }, { VG_DIRTY_BG, 1 },
	{ VG_EVENT, NR_VM_EVENT_ITEMS }, { VG_UNSTABLE, 1 },
};

static const char *vmstat_name(enum vm_group g, int i)
{
	switch (g) {
	case VG_ZONE: return zone_stat_names[i];
	case VG_NUMA: return numa_stat_names[i];
	case VG_NODE: return node_stat_names[i];
	case VG_DIRTY_TH: return "nr_dirty_threshold";
	case VG_DIRTY_BG: return "nr_dirty_background_threshold";
	case VG_EVENT: return vm_event_names[i];
	case VG_UNSTABLE: return "nr_unstable";
	}
	return "";
}

static void foreach_vmstat(struct af_machine *m, void (*fn)(void *, const char *, uint64_t),
			   void *arg)
{
	for (size_t k = 0; k < sizeof(vm_groups) / sizeof(vm_groups[0]); k++)
		for (int i = 0; i < vm_groups[k].n; i++)
			fn(arg, vmstat_name(vm_groups[k].g, i), vmstat_value(m, vm_groups[k].g, i));
}

/*
 * af_vmstat's index: every name with its group and item, sorted by name,
 * the first of a name in /proc/vmstat's order kept.  Built once from the
 * constant tables.
 */
#define NR_VMSTAT_NAMES (NR_VM_ZONE_STAT_ITEMS + NR_VM_NUMA_EVENT_ITEMS + NR_VM_NODE_STAT_ITEMS + \
			 NR_VM_EVENT_ITEMS + 3)
struct vm_index_entry { const char *name; int order; uint8_t g; int16_t i; };
static struct vm_index_entry vm_index[NR_VMSTAT_NAMES];
static size_t vm_index_n;
static pthread_once_t vm_index_once = PTHREAD_ONCE_INIT;

static int vm_index_cmp(const void *a, const void *b)
{
	const struct vm_index_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->order - y->order;
}

static void vm_index_build(void)
{
	size_t n = 0, k = 0;

	for (size_t g = 0; g < sizeof(vm_groups) / sizeof(vm_groups[0]); g++)
		for (int i = 0; i < vm_groups[g].n; i++) {
			vm_index[n] = (struct vm_index_entry){ vmstat_name(vm_groups[g].g, i), (int)n,
							       (uint8_t)vm_groups[g].g, (int16_t)i };
			n++;
		}
	qsort(vm_index, n, sizeof(vm_index[0]), vm_index_cmp);
	for (size_t j = 0; j < n; j++)	/* the first of each name only */
		if (!k || strcmp(vm_index[k - 1].name, vm_index[j].name))
			vm_index[k++] = vm_index[j];
	vm_index_n = k;
}

static void print_one(void *arg, const char *name, uint64_t v)
{
	sb_printf(arg, "%s %llu\n", name, (unsigned long long)v);
}

int render_vmstat(struct af_machine *m, char **out)
{
	struct strbuf b = { 0 };

	foreach_vmstat(m, print_one, &b);
	if (b.oom) {
		free(b.s);
		return af_err(-ENOMEM, "out of memory rendering /proc/vmstat");
	}
	*out = b.s;
	return 0;
}

static int vm_index_find(const void *key, const void *e)
{
	return strcmp(key, ((const struct vm_index_entry *)e)->name);
}

int af_vmstat(struct af_machine *m, const char *name, uint64_t *val)
{
	const struct vm_index_entry *e;

	if (!m || !name || !val)
		return af_err(-EINVAL, "no machine, name or value");
	pthread_once(&vm_index_once, vm_index_build);
	e = bsearch(name, vm_index, vm_index_n, sizeof(vm_index[0]), vm_index_find);
	if (!e)
		return af_err(-ENOENT, "no vmstat counter named '%s'", name);
	*val = vmstat_value(m, (enum vm_group)e->g, e->i);
	return 0;
}

/* ---- the fragmentation index (mm/vmstat.c) ---- */

/* fill_contig_page_info() */
void fill_contig_page_info(const struct zone *z, unsigned int suitable_order,
				  struct contig_page_info *info)
{
	info->free_pages = info->free_blocks_total = info->free_blocks_suitable = 0;
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		/* read without the zone lock, as 6.1 does (data_race) */
		unsigned long blocks = __atomic_load_n(&z->free_area[o].nr_free, __ATOMIC_RELAXED);

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= suitable_order)
			info->free_blocks_suitable += blocks << (o - suitable_order);
	}
}

/*
 * __fragmentation_index(): -1000 if a block of the order exists; otherwise
 * 0..1000, towards 0 = failure from lack of memory, towards 1000 = failure
 * from fragmentation.  0 with no free blocks at all.
 */
int af_fragmentation_index_info(unsigned int order, unsigned long free_pages,
				unsigned long blocks_total, unsigned long blocks_suitable)
{
	unsigned long requested = 1UL << order;

	if (order >= MAX_ORDER || !blocks_total)
		return 0;
	if (blocks_suitable)
		return -1000;
	return (int)(1000 - (1000 + free_pages * 1000ULL / requested) / blocks_total);
}

int fragmentation_index(const struct zone *z, unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(z, order, &info);
	return af_fragmentation_index_info(order, info.free_pages, info.free_blocks_total,
					   info.free_blocks_suitable);
}
