/*
 * prometheus.c - a run's samples in Prometheus' text exposition format:
 * every series of a metric family together, one line per sample time, with
 * the virtual clock in milliseconds as the timestamp.  The names follow
 * node_exporter's collectors (buddyinfo: node_buddyinfo_blocks{node, zone,
 * size}; vmstat: node_vmstat_<field>, every field, as with
 * --collector.vmstat.fields='.*'), so its dashboards show a simulated
 * machine; antifrag's own metrics are antifrag_*.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One zone's buddyinfo line */
struct prom_zone { int node; char zone[16]; uint64_t blocks[AF_NR_ORDERS]; };

struct prom_sample {
	uint64_t ms;
	struct prom_zone *zones;
	int nzones;
	uint64_t *vmstat;	/* in the order of prom->vm_names */
	struct af_metrics mt;
};

struct prom {
	struct prom_sample *s;
	size_t n, cap;
	char **vm_names;
	int nvm;
};

struct prom *prom_new(void)
{
	return calloc(1, sizeof(struct prom));
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->s[i].zones);
		free(p->s[i].vmstat);
	}
	for (int i = 0; i < p->nvm; i++)
		free(p->vm_names[i]);
	free(p->vm_names);
	free(p->s);
	free(p);
}

/* /proc/buddyinfo's lines: "Node 0, zone      DMA      1 ..." */
static int take_buddyinfo(struct prom_sample *s, char *txt)
{
	char *save = NULL;

	for (char *l = strtok_r(txt, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct prom_zone z = { 0 };
		int off = 0;
		if (sscanf(l, "Node %d, zone %15s%n", &z.node, z.zone, &off) != 2)
			continue;
		for (int o = 0; o < AF_NR_ORDERS; o++) {
			int k = 0;
			unsigned long long v;
			if (sscanf(l + off, "%llu%n", &v, &k) != 1)
				break;
			z.blocks[o] = v;
			off += k;
		}
		struct prom_zone *nz = realloc(s->zones, (size_t)(s->nzones + 1) * sizeof(*nz));
		if (!nz)
			return -ENOMEM;
		s->zones = nz;
		s->zones[s->nzones++] = z;
	}
	return 0;
}

/* /proc/vmstat's "name value" lines; the names once, from the first sample */
static int take_vmstat(struct prom *p, struct prom_sample *s, char *txt)
{
	char *save = NULL, *line[1024];
	int n = 0;

	for (char *l = strtok_r(txt, "\n", &save); l && n < 1024; l = strtok_r(NULL, "\n", &save))
		line[n++] = l;
	if (!p->vm_names) {
		if (!(p->vm_names = calloc((size_t)n, sizeof(char *))))
			return -ENOMEM;
		for (int i = 0; i < n; i++) {
			char name[64];
			if (sscanf(line[i], "%63s", name) != 1 || !(p->vm_names[p->nvm] = strdup(name)))
				return -ENOMEM;
			p->nvm++;
		}
	}
	if (!(s->vmstat = calloc((size_t)p->nvm + 1, sizeof(uint64_t))))
		return -ENOMEM;
	for (int i = 0; i < n && i < p->nvm; i++) {
		unsigned long long v;
		if (sscanf(line[i], "%*s %llu", &v) == 1)
			s->vmstat[i] = v;
	}
	return 0;
}

int prom_sample(struct prom *p, struct af_machine *m, const struct af_metrics *mt)
{
	struct prom_sample *s;
	char *b = NULL, *v = NULL;
	int ret = -ENOMEM;

	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		struct prom_sample *ns = realloc(p->s, nc * sizeof(*ns));
		if (!ns)
			return cli_error("--prometheus", "out of memory");
		p->s = ns;
		p->cap = nc;
	}
	uint64_t ms = af_clock_ns(m) / 1000000;
	if (p->n && p->s[p->n - 1].ms == ms) {
		/* one value per series and timestamp: the later state replaces the earlier */
		p->n--;
		free(p->s[p->n].zones);
		free(p->s[p->n].vmstat);
	}
	s = &p->s[p->n];
	memset(s, 0, sizeof(*s));
	s->ms = ms;
	s->mt = *mt;
	if (af_render(m, "/proc/buddyinfo", &b) || af_render(m, "/proc/vmstat", &v)) {
		free(b);
		return cli_error("--prometheus", af_errmsg());
	}
	if (!take_buddyinfo(s, b) && !take_vmstat(p, s, v))
		ret = 0;
	free(b);
	free(v);
	p->n++;		/* kept either way: prom_free releases it */
	return ret ? cli_error("--prometheus", "out of memory") : 0;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric of af_metrics, by name, type and help, and how to read it */
static const struct {
	const char *name, *type, *help;
	size_t off;
} mfields[] = {
#define F(n, t, h, f) { "antifrag_" n, t, h, offsetof(struct af_metrics, f) }
	F("free_pages", "gauge", "Free pages, buddy and per-cpu lists.", free_pages),
	F("huge_free", "gauge", "2 MiB ranges wholly free now.", huge_free),
	F("oracle_huge", "gauge", "2 MiB ranges a perfect compactor could make now.", oracle_huge),
	F("oracle_huge_reclaim", "gauge", "The same with the page cache reclaimed first.", oracle_huge_reclaim),
	F("mixed_pageblocks", "gauge", "Pageblocks holding a page of another mobility.", mixed_pageblocks),
	F("extfrag_events_total", "counter", "mm_page_alloc_extfrag events.", extfrag_events),
	F("extfrag_fragmenting_total", "counter", "mm_page_alloc_extfrag events with fallback_order < "
	  "pageblock_order.", extfrag_events_fragmenting),
#undef F
};

int prom_write(const struct prom *p, FILE *f)
{
	family(f, "node_buddyinfo_blocks", "gauge", "Count of free blocks according to size.");
	for (int z = 0; p->n && z < p->s[0].nzones; z++)
		for (int o = 0; o < AF_NR_ORDERS; o++)
			for (size_t i = 0; i < p->n; i++) {
				const struct prom_zone *pz = z < p->s[i].nzones ? &p->s[i].zones[z] : NULL;
				if (pz)
					fprintf(f, "node_buddyinfo_blocks{node=\"%d\",size=\"%d\",zone=\"%s\"} %llu %llu\n",
						pz->node, o, pz->zone, (unsigned long long)pz->blocks[o],
						(unsigned long long)p->s[i].ms);
			}
	for (int k = 0; k < p->nvm; k++) {
		char name[96];
		snprintf(name, sizeof(name), "node_vmstat_%s", p->vm_names[k]);
		family(f, name, "untyped", "/proc/vmstat information field.");
		for (size_t i = 0; i < p->n; i++)
			if (p->s[i].vmstat)
				fprintf(f, "%s %llu %llu\n", name, (unsigned long long)p->s[i].vmstat[k],
					(unsigned long long)p->s[i].ms);
	}
	for (size_t k = 0; k < sizeof(mfields) / sizeof(mfields[0]); k++) {
		family(f, mfields[k].name, mfields[k].type, mfields[k].help);
		for (size_t i = 0; i < p->n; i++)
			fprintf(f, "%s %llu %llu\n", mfields[k].name,
				(unsigned long long)*(const uint64_t *)((const char *)&p->s[i].mt + mfields[k].off),
				(unsigned long long)p->s[i].ms);
	}
	family(f, "antifrag_fragmentation_score", "gauge", "fragmentation_score_node, mean over nodes.");
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "antifrag_fragmentation_score %u %llu\n", p->s[i].mt.fragmentation_score,
			(unsigned long long)p->s[i].ms);
	family(f, "antifrag_pageblocks", "gauge", "Online pageblocks by migratetype.");
	for (int mt = 0; mt < AF_NR_MIGRATETYPES; mt++)
		for (size_t i = 0; i < p->n; i++)
			fprintf(f, "antifrag_pageblocks{migratetype=\"%s\"} %llu %llu\n", af_migratetype_name(mt),
				(unsigned long long)p->s[i].mt.pageblocks[mt], (unsigned long long)p->s[i].ms);
	return ferror(f) ? -EIO : 0;
}
