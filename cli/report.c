/*
 * report.c - the report a run or a compare writes with --report FILE.html:
 * one self-contained HTML file (no network needed to open it) with the
 * summary table, the memory maps and the time series.  What a run keeps is
 * collected here (maps from af_snapshot_take, samples from the sampler);
 * the page draws it with report.js and Chart.js, both inlined from the
 * copies built into the binary (report_assets.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"

const char *const report_keys[RK_N] = {
	"order0", "order1", "order2", "order3", "order4", "order5", "order6", "order7", "order8",
	"order9", "order10",
	[RK_SCORE] = "fragmentation_score", [RK_UNUSABLE9] = "unusable_index_9",
	[RK_HUGE_FREE] = "huge_free", [RK_ORACLE] = "oracle_huge", [RK_ORACLE_RECLAIM] = "oracle_huge_reclaim",
	[RK_CLAIM] = "extfrag_claim", [RK_STEAL] = "extfrag_steal", [RK_POLLUTE] = "extfrag_pollute",
	[RK_FRAGMENTING] = "extfrag_fragmenting",
	[RK_MIGRATE_SCANNED] = "compact_migrate_scanned", [RK_FREE_SCANNED] = "compact_free_scanned",
	[RK_PGMIGRATE] = "pgmigrate_success", [RK_PGSCAN_KSWAPD] = "pgscan_kswapd",
	[RK_PGSTEAL_KSWAPD] = "pgsteal_kswapd", [RK_COMPACT_STALL] = "compact_stall",
};

const char *const report_mt_colours[AF_NR_MIGRATETYPES] = {
	"#c0392b", "#27ae60", "#2471a3", "#8e44ad", "#16a085", "#7f8c8d",
};

const char *const report_class_colours[AF_NR_PFN_CLASSES] = {
	[AF_PFN_HOLE] = "#e8e8e8", [AF_PFN_FREE] = "#ffffff", [AF_PFN_ANON] = "#2ecc71",
	[AF_PFN_FILE] = "#a9dfbf", [AF_PFN_SHMEM] = "#58d68d", [AF_PFN_SLAB_UNMOVABLE] = "#e67e22",
	[AF_PFN_SLAB_RECLAIMABLE] = "#5dade2", [AF_PFN_PAGETABLE] = "#f5b041", [AF_PFN_DRIVER] = "#48c9b0",
	[AF_PFN_KERNEL] = "#c0392b", [AF_PFN_HUGETLB] = "#8e44ad", [AF_PFN_RESERVED] = "#34495e",
	[AF_PFN_ISOLATED] = "#f1c40f",
};

#define ORDER_SERIES(o, c) { RK_ORDER0 + (o), "order " #o, c }
const struct chart_spec report_charts[] = {
	{ "free-by-order", "Free pages by order (buddy lists)", "pages", true, AF_NR_ORDERS, {
		ORDER_SERIES(0, "#1f77b4"), ORDER_SERIES(1, "#aec7e8"), ORDER_SERIES(2, "#ff7f0e"),
		ORDER_SERIES(3, "#ffbb78"), ORDER_SERIES(4, "#2ca02c"), ORDER_SERIES(5, "#98df8a"),
		ORDER_SERIES(6, "#d62728"), ORDER_SERIES(7, "#ff9896"), ORDER_SERIES(8, "#9467bd"),
		ORDER_SERIES(9, "#8c564b"), ORDER_SERIES(10, "#e377c2") } },
	{ "fragmentation", "Fragmentation", "score / index x 100", false, 2, {
		{ RK_SCORE, "fragmentation score", "#d62728" },
		{ RK_UNUSABLE9, "unusable index, order 9 (x 100)", "#1f77b4" } } },
	{ "huge-pages", "Huge pages (2 MiB) obtainable", "huge pages", false, 3, {
		{ RK_HUGE_FREE, "free now", "#2ca02c" },
		{ RK_ORACLE, "oracle (a perfect compactor)", "#7f7f7f" },
		{ RK_ORACLE_RECLAIM, "oracle with the page cache reclaimed", "#bcbd22" } } },
	{ "extfrag", "Fallbacks (mm_page_alloc_extfrag) since boot", "events", false, 4, {
		{ RK_CLAIM, "claim", "#1f77b4" }, { RK_STEAL, "steal", "#ff7f0e" },
		{ RK_POLLUTE, "pollute", "#d62728" }, { RK_FRAGMENTING, "fragmenting", "#000000" } } },
	{ "work", "Compaction and reclaim work since boot", "pages", false, 5, {
		{ RK_MIGRATE_SCANNED, "compact_migrate_scanned", "#1f77b4" },
		{ RK_FREE_SCANNED, "compact_free_scanned", "#aec7e8" },
		{ RK_PGMIGRATE, "pgmigrate_success", "#d62728" },
		{ RK_PGSCAN_KSWAPD, "pgscan_kswapd", "#2ca02c" },
		{ RK_PGSTEAL_KSWAPD, "pgsteal_kswapd", "#98df8a" } } },
};
const int report_nr_charts = sizeof(report_charts) / sizeof(report_charts[0]);

/* The page classes of every map together stay under this many bytes (run-length coded) */
#define REPORT_PAGE_BUDGET (48u << 20)

struct report *report_new(const char *title, int argc, char **argv)
{
	struct report *r = calloc(1, sizeof(*r));
	size_t off = 0;

	if (!r)
		return NULL;
	snprintf(r->title, sizeof(r->title), "%s", title);
	for (int i = 0; i < argc && off + 2 < sizeof(r->command); i++) {
		int n = snprintf(r->command + off, sizeof(r->command) - off, "%s%s", i ? " " : "antifrag ", argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off >= sizeof(r->command))
		memcpy(r->command + sizeof(r->command) - 4, "...", 4);
	r->page_budget = REPORT_PAGE_BUDGET;
	return r;
}

static void run_free(struct report_run *rr)
{
	if (!rr)
		return;
	for (size_t i = 0; i < rr->nmaps; i++) {
		free(rr->maps[i].blocks);
		free(rr->maps[i].pages);
	}
	free(rr->maps);
	free(rr->clock);
	free(rr->val);
	free(rr);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nruns; i++)
		run_free(r->runs[i]);
	free(r->runs);
	json_decref(r->table);
	free(r);
}

struct report_run *report_run_add(struct report *r, struct af_machine *m, const char *label)
{
	struct report_run *rr = calloc(1, sizeof(*rr)), **runs;

	if (!rr)
		return NULL;
	runs = realloc(r->runs, (r->nruns + 1) * sizeof(*runs));
	if (!runs) {
		free(rr);
		return NULL;
	}
	r->runs = runs;
	r->runs[r->nruns++] = rr;
	snprintf(rr->label, sizeof(rr->label), "%s", label);
	rr->max_pfn = af_machine_max_pfn(m);
	rr->stride_ns = 2000000;	/* 2 ms, doubled as the series fills */
	rr->map_at = r->map_at;
	rr->nmap_at = r->nmap_at;
	return rr;
}

/* Append the LEB128 of v */
static size_t leb128(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (uint8_t)((v & 127) | (v > 127 ? 128 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* The pages' classes as (class, run length) pairs, within the budget */
static void map_pages(struct report *r, struct report_map *mp, const uint8_t *cls, uint64_t n)
{
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);

	for (uint64_t i = 0; buf && i < n;) {
		uint64_t j = i + 1;
		while (j < n && cls[j] == cls[i])
			j++;
		if (len + 12 > cap) {
			uint8_t *nb = len + 12 > r->page_budget ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		buf[len++] = cls[i];
		len += leb128(buf + len, j - i);
		i = j;
	}
	if (buf && len <= r->page_budget) {
		r->page_budget -= len;
		mp->pages = buf;
		mp->npages_bytes = len;
	} else {
		free(buf);
	}
}

int report_map(struct report *r, struct report_run *rr, struct af_machine *m, const char *label)
{
	struct af_snapshot s;
	struct report_map *maps, *mp;
	int ret;

	if ((ret = af_snapshot_take(m, &s)))
		return ret;
	maps = realloc(rr->maps, (rr->nmaps + 1) * sizeof(*maps));
	if (!maps) {
		af_snapshot_free(&s);
		return -ENOMEM;
	}
	rr->maps = maps;
	mp = &maps[rr->nmaps];
	memset(mp, 0, sizeof(*mp));
	/* the second "before compact_memory" of a run is "before compact_memory (2)" */
	int seen = 1;
	for (size_t i = 0; i < rr->nmaps; i++)
		if (!strncmp(rr->maps[i].label, label, strlen(label)) &&
		    (!rr->maps[i].label[strlen(label)] || rr->maps[i].label[strlen(label)] == ' '))
			seen++;
	if (seen > 1)
		snprintf(mp->label, sizeof(mp->label), "%.36s (%d)", label, seen % 1000);
	else
		snprintf(mp->label, sizeof(mp->label), "%s", label);
	mp->clock_ns = s.clock_ns;
	mp->blocks = malloc(s.nr_pageblocks * 2 + 1);
	if (!mp->blocks) {
		af_snapshot_free(&s);
		return -ENOMEM;
	}
	for (uint64_t b = 0; b < s.nr_pageblocks; b++) {
		const struct af_pageblock_state *pb = &s.pageblocks[b];
		unsigned fr = (unsigned)pb->free_pages * 255u / 512u;
		mp->blocks[2 * b] = (uint8_t)((pb->migratetype & 7) | (pb->mixed ? 8 : 0) | (pb->online ? 16 : 0));
		mp->blocks[2 * b + 1] = (uint8_t)(pb->free_pages && !fr ? 1 : fr > 255 ? 255 : fr);
	}
	rr->nr_pageblocks = s.nr_pageblocks;
	map_pages(r, mp, s.pfn_class, s.max_pfn);
	rr->nmaps++;
	af_snapshot_free(&s);
	return 0;
}

static void sample_values(const struct af_sample *s, double *v)
{
	const struct af_metrics *mt = &s->metrics;

	for (int o = 0; o < AF_NR_ORDERS; o++)
		v[RK_ORDER0 + o] = (double)(mt->free_blocks[o] << o);
	v[RK_SCORE] = mt->fragmentation_score;
	v[RK_UNUSABLE9] = mt->unusable_index_9 / 10.0;
	v[RK_HUGE_FREE] = (double)mt->huge_free;
	v[RK_ORACLE] = (double)mt->oracle_huge;
	v[RK_ORACLE_RECLAIM] = (double)mt->oracle_huge_reclaim;
	for (int k = 0; k < 3; k++) {
		uint64_t sum = 0;
		for (int a = 0; a < 3; a++)
			for (int f = 0; f < 3; f++)
				sum += mt->extfrag[k][a][f];
		v[RK_CLAIM + k] = (double)sum;
	}
	v[RK_FRAGMENTING] = (double)mt->extfrag_events_fragmenting;
	v[RK_MIGRATE_SCANNED] = (double)s->compact_migrate_scanned;
	v[RK_FREE_SCANNED] = (double)s->compact_free_scanned;
	v[RK_PGMIGRATE] = (double)s->pgmigrate_success;
	v[RK_PGSCAN_KSWAPD] = (double)s->pgscan_kswapd;
	v[RK_PGSTEAL_KSWAPD] = (double)s->pgsteal_kswapd;
	v[RK_COMPACT_STALL] = (double)s->compact_stall;
}

bool report_sample(struct report *r, struct report_run *rr, struct af_machine *m, const struct af_sample *s)
{
	bool grew = false;

	/* maps wanted at chosen times: at the first sample at or after each */
	if (rr->next_map < rr->nmap_at && s->clock_ns >= rr->map_at[rr->next_map]) {
		char label[48];
		while (rr->next_map < rr->nmap_at && s->clock_ns >= rr->map_at[rr->next_map])
			rr->next_map++;
		snprintf(label, sizeof(label), "t=%llu ms", (unsigned long long)(s->clock_ns / 1000000));
		report_map(r, rr, m, label);
	}
	if (rr->nsamples && s->clock_ns < rr->next_ns)
		return false;
	if (rr->nsamples == REPORT_MAX_SAMPLES) {
		/* full: every other sample goes, the stride doubles */
		size_t k = 0;
		for (size_t i = 0; i < rr->nsamples; i += 2, k++) {
			rr->clock[k] = rr->clock[i];
			memmove(&rr->val[k * RK_N], &rr->val[i * RK_N], RK_N * sizeof(double));
		}
		rr->nsamples = k;
		rr->stride_ns *= 2;
		grew = true;
	}
	if (rr->nsamples == rr->capsamples) {
		size_t cap = REPORT_MAX_SAMPLES;
		uint64_t *c = realloc(rr->clock, cap * sizeof(*c));
		double *v = c ? realloc(rr->val, cap * RK_N * sizeof(*v)) : NULL;
		if (c)
			rr->clock = c;
		if (!v)
			return grew;
		rr->val = v;
		rr->capsamples = cap;
	}
	rr->clock[rr->nsamples] = s->clock_ns;
	sample_values(s, &rr->val[rr->nsamples * RK_N]);
	rr->nsamples++;
	rr->next_ns = (s->clock_ns / rr->stride_ns + 1) * rr->stride_ns;
	return grew;
}

void report_phase(struct report *r, struct report_run *rr, struct af_machine *m, const struct af_phase *ph)
{
	char label[48];

	if (ph->kind == AF_PHASE_PROGRESS)
		return;
	snprintf(label, sizeof(label), "%s %.30s", ph->kind == AF_PHASE_COMPACT_BEGIN ? "before" : "after", ph->name);
	report_map(r, rr, m, label);
}

int report_end(struct report *r, struct report_run *rr, struct af_machine *m)
{
	struct af_sample last;
	int ret;

	if ((ret = af_sample_now(m, &last)))
		return ret;
	if (!rr->nsamples || rr->clock[rr->nsamples - 1] != last.clock_ns) {
		rr->next_ns = 0;
		report_sample(r, rr, m, &last);
	}
	return report_map(r, rr, m, "end");
}

json_t *report_metric_rows(const struct af_metrics *mt)
{
	json_t *rows = json_array();
	char v[128];
	uint64_t k[3] = { 0 };

#define ROW(name) json_array_append_new(rows, json_pack("[s,s]", name, v))
	snprintf(v, sizeof(v), "%llu", (unsigned long long)mt->free_pages);
	ROW("free pages");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)mt->huge_free);
	ROW("huge pages free (2 MiB)");
	snprintf(v, sizeof(v), "%llu (%.1f%% made)", (unsigned long long)mt->oracle_huge,
		 mt->oracle_huge ? 100.0 * (double)mt->huge_free / (double)mt->oracle_huge : 0.0);
	ROW("oracle: a perfect compactor could make");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)mt->oracle_huge_reclaim);
	ROW("oracle with the page cache reclaimed");
	snprintf(v, sizeof(v), "%llu / %llu", (unsigned long long)mt->gig_free, (unsigned long long)mt->oracle_gig);
	ROW("1 GiB free / possible");
	snprintf(v, sizeof(v), "%llu unmovable, %llu movable, %llu reclaimable, %llu highatomic",
		 (unsigned long long)mt->pageblocks[0], (unsigned long long)mt->pageblocks[1],
		 (unsigned long long)mt->pageblocks[2], (unsigned long long)mt->pageblocks[3]);
	ROW("pageblocks");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)mt->mixed_pageblocks);
	ROW("mixed pageblocks");
	for (int i = 0; i < 3; i++)
		for (int a = 0; a < 3; a++)
			for (int f = 0; f < 3; f++)
				k[i] += mt->extfrag[i][a][f];
	snprintf(v, sizeof(v), "%llu (%llu fragmenting): claim %llu, steal %llu, pollute %llu",
		 (unsigned long long)mt->extfrag_events, (unsigned long long)mt->extfrag_events_fragmenting,
		 (unsigned long long)k[0], (unsigned long long)k[1], (unsigned long long)k[2]);
	ROW("extfrag events");
	snprintf(v, sizeof(v), "%d.%03d", mt->unusable_index_9 / 1000, mt->unusable_index_9 % 1000);
	ROW("unusable index, order 9");
	snprintf(v, sizeof(v), "%u", mt->fragmentation_score);
	ROW("fragmentation score");
#undef ROW
	return rows;
}

void report_table(struct report *r, json_t *table)
{
	json_decref(r->table);
	r->table = table;
}

int report_at_parse(const char *opt, const char *v, uint64_t *at, size_t *n)
{
	const char *p = v;

	*n = 0;
	while (*p) {
		char *end;
		unsigned long long ms;
		if (*p < '0' || *p > '9')
			return cli_error(opt, "expected MS[,MS...]: milliseconds of virtual time, ascending");
		errno = 0;
		ms = strtoull(p, &end, 10);
		if (errno || ms > 1000000000ULL)
			return cli_error(opt, "a time past 1000000000 ms");
		if (*n && ms * 1000000ULL <= at[*n - 1])
			return cli_error(opt, "the times must ascend");
		if (*n == 64)
			return cli_error(opt, "at most 64 times");
		at[(*n)++] = ms * 1000000ULL;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return cli_error(opt, "expected MS[,MS...]: milliseconds of virtual time, ascending");
		p = end;
	}
	if (!*n)
		return cli_error(opt, "expected MS[,MS...]");
	return 0;
}

/* ---- the HTML ---- */
static char *base64(const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = 0;
	return out;
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
	char *s = base64(p, n);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j ? j : json_null();
}

static json_t *run_json(const struct report_run *rr)
{
	json_t *o = json_object(), *maps = json_array(), *smp = json_object(), *clk = json_array();

	json_object_set_new(o, "label", json_string(rr->label));
	json_object_set_new(o, "max_pfn", json_integer((json_int_t)rr->max_pfn));
	json_object_set_new(o, "nr_pageblocks", json_integer((json_int_t)rr->nr_pageblocks));
	for (size_t i = 0; i < rr->nmaps; i++) {
		const struct report_map *mp = &rr->maps[i];
		char title[96];
		json_t *mj = json_object();
		snprintf(title, sizeof(title), "%s (virtual %.3f s)", mp->label, (double)mp->clock_ns / 1e9);
		json_object_set_new(mj, "label", json_string(mp->label));
		json_object_set_new(mj, "title", json_string(title));
		json_object_set_new(mj, "blocks", b64_json(mp->blocks, rr->nr_pageblocks * 2));
		if (mp->pages)
			json_object_set_new(mj, "pages", b64_json(mp->pages, mp->npages_bytes));
		else
			json_object_set_new(mj, "pages_note", json_string("past the report's 48 MiB budget for pages"));
		json_array_append_new(maps, mj);
	}
	json_object_set_new(o, "maps", maps);
	for (size_t i = 0; i < rr->nsamples; i++)
		json_array_append_new(clk, json_real((double)rr->clock[i] / 1e6));
	json_object_set_new(smp, "clock_ms", clk);
	for (int k = 0; k < RK_N; k++) {
		json_t *a = json_array();
		for (size_t i = 0; i < rr->nsamples; i++)
			json_array_append_new(a, json_real(rr->val[i * RK_N + k]));
		json_object_set_new(smp, report_keys[k], a);
	}
	json_object_set_new(o, "samples", smp);
	return o;
}

static json_t *report_json(const struct report *r)
{
	json_t *o = json_object(), *runs = json_array(), *charts = json_array(), *cls = json_array(),
	       *mts = json_array();

	json_object_set_new(o, "title", json_string(r->title));
	json_object_set_new(o, "command", json_string(r->command));
	if (r->table)
		json_object_set(o, "table", r->table);
	for (size_t i = 0; i < r->nruns; i++)
		json_array_append_new(runs, run_json(r->runs[i]));
	json_object_set_new(o, "runs", runs);
	for (int c = 0; c < report_nr_charts; c++) {
		const struct chart_spec *cs = &report_charts[c];
		json_t *ser = json_array();
		for (int k = 0; k < cs->nseries; k++)
			json_array_append_new(ser, json_pack("{s:s, s:s, s:s}", "key", report_keys[cs->series[k].key],
							     "label", cs->series[k].label, "colour", cs->series[k].colour));
		json_array_append_new(charts, json_pack("{s:s, s:s, s:s, s:b, s:f, s:o}", "id", cs->id, "title",
							cs->title, "unit", cs->unit, "stacked", cs->stacked,
							"ymax", report_chart_ymax(r, c), "series", ser));
	}
	json_object_set_new(o, "charts", charts);
	for (int c = 0; c < AF_NR_PFN_CLASSES; c++)
		json_array_append_new(cls, json_pack("{s:s, s:s}", "name", af_pfn_class_name((enum af_pfn_class)c),
						     "colour", report_class_colours[c]));
	json_object_set_new(o, "classes", cls);
	for (int t = 0; t < AF_NR_MIGRATETYPES; t++)
		json_array_append_new(mts, json_string(af_migratetype_name(t)));
	json_object_set_new(o, "migratetypes", mts);
	mts = json_array();
	for (int t = 0; t < AF_NR_MIGRATETYPES; t++)
		json_array_append_new(mts, json_string(report_mt_colours[t]));
	json_object_set_new(o, "mt_colours", mts);
	return o;
}

/* The assets built into the binary (report_assets.c) */
extern const char af_asset_chartjs[], af_asset_chartjs_end[];
extern const char af_asset_reportjs[], af_asset_reportjs_end[];

static const char html_head[] =
"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
"<meta name=\"generator\" content=\"antifrag\">\n<title>%s</title>\n<style>\n"
"body { font: 14px/1.4 sans-serif; margin: 1.5em; color: #222; }\n"
"h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; } h3 { font-size: 1em; margin: .4em 0; }\n"
"code { font-size: 12px; color: #555; }\n"
"table.summary { border-collapse: collapse; font-size: 13px; }\n"
"table.summary th, table.summary td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }\n"
"table.summary th:first-child { text-align: left; font-weight: normal; }\n"
".grid { display: grid; gap: 12px 28px; align-items: start; }\n"
".maplabel { font-size: 12px; color: #444; margin: 4px 0; }\n"
"canvas.map, canvas.zoom { display: block; cursor: crosshair; border: 1px solid #ddd; }\n"
".key { display: inline-block; margin-right: 12px; font-size: 12px; }\n"
".key i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1px solid #999; }\n"
"#mapsel button { margin: 0 4px 4px 0; } #mapsel button.on { font-weight: bold; background: #dde; }\n"
"#selftest { display: none; }\n"
"</style>\n</head>\n<body>\n";

int report_write_html(const struct report *r, FILE *f)
{
	json_t *data = report_json(r);
	char *title, *cmd;
	int err = 0;

	if (!data)
		return -ENOMEM;
	/* the title and command through JSON's escaping are plain text for HTML once
	 * <, > and & are gone: they come from our own strings and argv */
	title = strdup(r->title);
	cmd = strdup(r->command);
	for (char *s = title; s && *s; s++)
		if (*s == '<' || *s == '>' || *s == '&')
			*s = ' ';
	for (char *s = cmd; s && *s; s++)
		if (*s == '<' || *s == '>' || *s == '&')
			*s = ' ';
	fprintf(f, html_head, title ? title : "");
	fprintf(f, "<h1>%s</h1>\n<p><code>%s</code></p>\n", title ? title : "", cmd ? cmd : "");
	fputs("<div id=\"summary\"></div>\n<div class=\"runpart\">\n"
	      "<h2>Memory map</h2>\n"
	      "<p class=\"maplabel\">One cell per pageblock (2 MiB), one row per GiB of physical addresses. "
	      "Click a cell to see the pages of the 64 pageblocks around it, coloured by what owns them.</p>\n"
	      "<div id=\"mapsel\"></div>\n<div id=\"legend\"></div>\n"
	      "<div id=\"runs\" class=\"grid\"></div>\n<div id=\"pagelegend\"></div>\n"
	      "<h2>Over time</h2>\n<div id=\"charts\" class=\"grid\"></div>\n</div>\n"
	      "<pre id=\"selftest\"></pre>\n"
	      "<script type=\"application/json\" id=\"data\">", f);
	/* every '<' as \u003c: nothing in the data can end or open a tag */
	char *text = json_dumps(data, JSON_COMPACT);
	if (!text) {
		err = -ENOMEM;
	} else {
		for (const char *c = text; *c; c++)
			if (*c == '<')
				fputs("\\u003c", f);
			else
				fputc(*c, f);
		free(text);
	}
	fputs("</script>\n<script>\n", f);
	fwrite(af_asset_chartjs, 1, (size_t)(af_asset_chartjs_end - af_asset_chartjs), f);
	fputs("\n</script>\n<script>\n", f);
	fwrite(af_asset_reportjs, 1, (size_t)(af_asset_reportjs_end - af_asset_reportjs), f);
	fputs("</script>\n</body>\n</html>\n", f);
	free(title);
	free(cmd);
	json_decref(data);
	if (ferror(f))
		err = -EIO;
	return err;
}
