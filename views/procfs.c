/*
 * procfs.c - the kernel's text files, byte for byte (mm/vmstat.c:
 * frag_show_print, pagetypeinfo_show*, zoneinfo_show_print,
 * unusable_show_print, extfrag_show_print, unusable_free_index; the
 * fragmentation index itself is in vmstat.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* migratetypes that exist in this kernel configuration (CMA only with CONFIG_CMA) */
static bool mt_shown(struct af_machine *m, int mt)
{
	return mt != MIGRATE_CMA || m->cfg.cma_enabled;
}

static void render_buddyinfo(struct af_machine *m, struct strbuf *b)
{
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			if (!populated_zone(z))
				continue;
			sb_printf(b, "Node %d, zone %8s ", n, z->name);
			for (int o = 0; o < MAX_ORDER; o++)
				sb_printf(b, "%6lu ", z->free_area[o].nr_free);
			sb_putc(b, '\n');
		}
}

static unsigned long count_list(struct af_machine *m, const struct list_pfn *l, bool *overflow)
{
	unsigned long c = 0;

	*overflow = false;
	for (uint32_t p = l->first; p != PFN_NIL; p = m->pages[p].next)
		if (++c >= 100000) {
			*overflow = true;
			break;
		}
	return c;
}

static void render_pagetypeinfo(struct af_machine *m, struct strbuf *b)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pg = m->node[n];
		bool has_mem = false;

		for (int t = 0; t < MAX_NR_ZONES; t++)
			has_mem |= populated_zone(&pg->node_zones[t]);
		if (!has_mem)
			continue;
		sb_printf(b, "Page block order: %d\n", PAGEBLOCK_ORDER);
		sb_printf(b, "Pages per block:  %lu\n", PAGEBLOCK_NR_PAGES);
		sb_putc(b, '\n');
		sb_printf(b, "%-43s ", "Free pages count per migrate type at order");
		for (int o = 0; o < MAX_ORDER; o++)
			sb_printf(b, "%6d ", o);
		sb_putc(b, '\n');
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &pg->node_zones[t];
			if (!populated_zone(z))
				continue;
			lock_zone(z);
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				if (!mt_shown(m, mt))
					continue;
				sb_printf(b, "Node %4d, zone %8s, type %12s ", n, z->name,
					  migratetype_names[mt]);
				for (int o = 0; o < MAX_ORDER; o++) {
					bool of;
					unsigned long c = count_list(m, &z->free_area[o].free_list[mt], &of);
					sb_printf(b, "%s%6lu ", of ? ">" : "", c);
				}
				sb_putc(b, '\n');
			}
			unlock_zone(z);
		}
		sb_printf(b, "\n%-23s", "Number of blocks type ");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (mt_shown(m, mt))
				sb_printf(b, "%12s ", migratetype_names[mt]);
		sb_putc(b, '\n');
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &pg->node_zones[t];
			unsigned long count[MIGRATE_TYPES] = { 0 };
			if (!populated_zone(z))
				continue;
			/* pagetypeinfo_showblockcount_print(): blocks without an online memmap are not counted */
			for (unsigned long pfn = z->zone_start_pfn; pfn < zone_end_pfn(z);
			     pfn += PAGEBLOCK_NR_PAGES) {
				if (!pfn_online(m, pfn) || pfn_zone(m, pfn) != z)
					continue;
				count[get_pageblock_migratetype(m, pfn)]++;
			}
			sb_printf(b, "Node %d, zone %8s ", n, z->name);
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				if (mt_shown(m, mt))
					sb_printf(b, "%12lu ", count[mt]);
			sb_putc(b, '\n');
		}
	}
}

static void render_zoneinfo(struct af_machine *m, struct strbuf *b)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pg = m->node[n];
		int first = -1;

		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (populated_zone(&pg->node_zones[t])) {
				first = t;
				break;
			}
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &pg->node_zones[t];

			sb_printf(b, "Node %d, zone %8s", n, z->name);
			if (t == first) {
				sb_printf(b, "\n  per-node stats");
				for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
					sb_printf(b, "\n      %-12s %lu", af_node_stat_name(i),
						  (unsigned long)node_stat_printed(pg->vm_stat[i], i));
			}
			sb_printf(b, "\n  pages free     %lu"
				  "\n        boost    %lu"
				  "\n        min      %lu"
				  "\n        low      %lu"
				  "\n        high     %lu"
				  "\n        spanned  %lu"
				  "\n        present  %lu"
				  "\n        managed  %lu"
				  "\n        cma      %lu",
				  (unsigned long)zone_page_state(z, NR_FREE_PAGES), z->watermark_boost,
				  min_wmark_pages(z), low_wmark_pages(z), high_wmark_pages(z),
				  z->spanned_pages, z->present_pages, z->managed_pages, z->cma_pages);
			sb_printf(b, "\n        protection: (%ld", z->lowmem_reserve[0]);
			for (int i = 1; i < MAX_NR_ZONES; i++)
				sb_printf(b, ", %ld", z->lowmem_reserve[i]);
			sb_putc(b, ')');
			if (!populated_zone(z)) {
				sb_putc(b, '\n');
				continue;
			}
			for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
				sb_printf(b, "\n      %-12s %lu", af_zone_stat_name(i),
					  (unsigned long)zone_page_state(z, (enum zone_stat_item)i));
			for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
				sb_printf(b, "\n      %-12s %lu", af_numa_stat_name(i),
					  (unsigned long)zone_numa_event(z, i, m->nr_cpus));
			sb_printf(b, "\n  pagesets");
			for (int c = 0; c < m->nr_cpus; c++) {
				struct per_cpu_pages *pcp = &z->pcp[c];
				sb_printf(b, "\n    cpu: %i"
					  "\n              count: %i"
					  "\n              high:  %i"
					  "\n              batch: %i",
					  c, pcp->count, pcp->high, pcp->batch);
				sb_printf(b, "\n  vm stats threshold: %d", z->stat_threshold);
			}
			sb_printf(b, "\n  node_unreclaimable:  %u"
				  "\n  start_pfn:           %lu",
				  __atomic_load_n(&pg->kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES ? 1u : 0u,
				  z->zone_start_pfn);
			sb_putc(b, '\n');
		}
	}
}

/* unusable_free_index(): share of free memory unusable for this order, 0..1000 */
static int unusable_free_index(unsigned int order, const struct contig_page_info *info)
{
	if (info->free_pages == 0)
		return 1000;
	return (int)((info->free_pages - (info->free_blocks_suitable << order)) * 1000ULL /
		     info->free_pages);
}

static void render_index(struct af_machine *m, struct strbuf *b, bool extfrag)
{
	for (int n = 0; n < m->nr_nodes; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &m->node[n]->node_zones[t];
			if (!populated_zone(z))
				continue;
			sb_printf(b, "Node %d, zone %8s ", n, z->name);
			for (unsigned int o = 0; o < MAX_ORDER; o++) {
				struct contig_page_info info;
				int idx;

				fill_contig_page_info(z, o, &info);
				if (extfrag) {
					idx = af_fragmentation_index_info(o, info.free_pages,
						info.free_blocks_total, info.free_blocks_suitable);
					sb_printf(b, "%2d.%03d ", idx / 1000, abs(idx % 1000));
				} else {
					idx = unusable_free_index(o, &info);
					sb_printf(b, "%d.%03d ", idx / 1000, idx % 1000);
				}
			}
			sb_putc(b, '\n');
		}
}

static const char *const paths[] = {
	"/proc/buddyinfo",
	"/proc/pagetypeinfo",
	"/proc/vmstat",
	"/proc/zoneinfo",
	"/sys/kernel/debug/extfrag/extfrag_index",
	"/sys/kernel/debug/extfrag/unusable_index",
	"/sys/kernel/mm/transparent_hugepage/enabled",
	"/sys/kernel/mm/transparent_hugepage/defrag",
	"/proc/sys/vm/<name>",
	NULL,
};

const char *const *af_render_paths(void)
{
	return paths;
}

int af_render(struct af_machine *m, const char *path, char **out)
{
	struct strbuf b = { 0 };

	if (!m || !path || !out)
		return af_err(-EINVAL, "bad arguments");
	if (!strcmp(path, "/proc/vmstat"))
		return render_vmstat(m, out);
	if (!strcmp(path, "/proc/buddyinfo"))
		render_buddyinfo(m, &b);
	else if (!strcmp(path, "/proc/pagetypeinfo"))
		render_pagetypeinfo(m, &b);
	else if (!strcmp(path, "/proc/zoneinfo"))
		render_zoneinfo(m, &b);
	else if (!strcmp(path, "/sys/kernel/debug/extfrag/extfrag_index"))
		render_index(m, &b, true);
	else if (!strcmp(path, "/sys/kernel/debug/extfrag/unusable_index"))
		render_index(m, &b, false);
	else if (!strcmp(path, "/sys/kernel/mm/transparent_hugepage/enabled")) {
		static const char *const e[] = { "always", "madvise", "never" };
		for (int i = 0; i < 3; i++)
			sb_printf(&b, i == (int)m->thp ? "%s[%s]" : "%s%s", i ? " " : "", e[i]);
		sb_putc(&b, '\n');
	} else if (!strcmp(path, "/sys/kernel/mm/transparent_hugepage/defrag")) {
		static const char *const d[] = { "always", "defer", "defer+madvise", "madvise", "never" };
		for (int i = 0; i < 5; i++)
			sb_printf(&b, i == (int)m->thp_defrag ? "%s[%s]" : "%s%s", i ? " " : "", d[i]);
		sb_putc(&b, '\n');
	} else if (!strncmp(path, "/proc/sys/vm/", 13)) {
		char val[256];
		int ret = af_sysctl_read(m, path + 13, val, sizeof(val));
		if (ret)
			return ret;
		sb_printf(&b, "%s\n", val);
	} else
		return af_err(-ENOENT, "no such file: %s", path);
	if (b.oom) {
		free(b.s);
		return af_err(-ENOMEM, "out of memory rendering %s", path);
	}
	if (!b.s) {
		b.s = calloc(1, 1);
		if (!b.s)
			return af_err(-ENOMEM, "out of memory");
	}
	*out = b.s;
	return 0;
}
