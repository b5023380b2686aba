/*
 * report.h - what a run keeps for its report (report.c) and figures
 * (figures.c): memory maps at chosen moments and the time series, per run;
 * a compare has one run per variant.
 */
#ifndef AF_CLI_REPORT_H
#define AF_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "antifrag.h"

/* The series every sample carries, by index */
enum {
	RK_ORDER0,			/* free pages in blocks of order 0 .. 10 */
	RK_SCORE = RK_ORDER0 + AF_NR_ORDERS,
	RK_UNUSABLE9, RK_HUGE_FREE, RK_ORACLE, RK_ORACLE_RECLAIM,
	RK_CLAIM, RK_STEAL, RK_POLLUTE, RK_FRAGMENTING,
	RK_MIGRATE_SCANNED, RK_FREE_SCANNED, RK_PGMIGRATE, RK_PGSCAN_KSWAPD, RK_PGSTEAL_KSWAPD,
	RK_COMPACT_STALL,
	RK_N
};
extern const char *const report_keys[RK_N];

struct chart_series { int key; const char *label, *colour; };
struct chart_spec {
	const char *id, *title, *unit;
	bool stacked;
	int nseries;
	struct chart_series series[AF_NR_ORDERS];
};
extern const struct chart_spec report_charts[];
extern const int report_nr_charts;
/* The colour of each page class in the zoomed map ("#rrggbb") */
extern const char *const report_class_colours[AF_NR_PFN_CLASSES];
extern const char *const report_mt_colours[AF_NR_MIGRATETYPES];

struct report_map {
	char label[48];			/* "start", "before compact_memory", "t=500 ms", "end" */
	uint64_t clock_ns;
	uint8_t *blocks;		/* per pageblock: mt | mixed << 3 | online << 4, free * 255 / 512 */
	uint8_t *pages;			/* the pages' classes, run-length coded; NULL past the budget */
	size_t npages_bytes;
};

struct report_run {
	char label[128];
	uint64_t max_pfn, nr_pageblocks;
	struct report_map *maps;
	size_t nmaps;
	uint64_t *clock;		/* the samples */
	double *val;			/* [nsamples][RK_N] */
	size_t nsamples, capsamples;
	uint64_t stride_ns, next_ns;	/* a sample is kept at most every stride */
	const uint64_t *map_at;		/* maps wanted at these virtual times (ns), ascending */
	size_t nmap_at, next_map;
};

struct report {
	char title[256];
	char command[1024];
	json_t *table;			/* {"columns": [...], "rows": [[...], ...]}; owned */
	struct report_run **runs;
	size_t nruns;
	size_t page_budget;		/* bytes of page classes left for the maps' zoom */
	uint64_t map_at[64];
	size_t nmap_at;
};

#define REPORT_MAX_SAMPLES 256

struct report *report_new(const char *title, int argc, char **argv);
void report_free(struct report *r);
/* A run (a variant); NULL on ENOMEM */
struct report_run *report_run_add(struct report *r, struct af_machine *m, const char *label);
/* The machine now as a map; 0 or -ENOMEM */
int report_map(struct report *r, struct report_run *rr, struct af_machine *m, const char *label);
/* A sample (kept at most every stride; the stride doubles when the series
 * is full); returns true when the stride grew */
bool report_sample(struct report *r, struct report_run *rr, struct af_machine *m, const struct af_sample *s);
/* The phase hook's part: maps before and after a manual compaction */
void report_phase(struct report *r, struct report_run *rr, struct af_machine *m, const struct af_phase *ph);
/* The end: a last sample and the map "end"; 0 or -ENOMEM */
int report_end(struct report *r, struct report_run *rr, struct af_machine *m);
/* The end metrics as the summary table's rows: [[name, value], ...] */
json_t *report_metric_rows(const struct af_metrics *mt);
/* The summary table: columns then rows of strings */
void report_table(struct report *r, json_t *table);
/* The self-contained HTML file; 0 or -EIO */
int report_write_html(const struct report *r, FILE *f);
/* PNG and SVG of every map and every chart of every run, into the tree
 * (figures.c): RUN-map-LABEL.{png,svg}, RUN-CHART.{png,svg}; 0 or 2 (printed) */
struct outtree;
int report_figures(const struct report *r, struct outtree *t, const char *what);
/* 1, 2, 2.5 or 5 times a power of ten, at least v (1 for v <= 0) */
double report_nice_max(double v);
/* Chart c's y scale, the same for every run: the largest value it shows in
 * any run (stacked: the largest sum), rounded up by report_nice_max.  The
 * report's page and --figures both draw with it. */
double report_chart_ymax(const struct report *r, int c);
/* --report-at MS[,MS...]: 0 or 2 (printed) */
int report_at_parse(const char *opt, const char *v, uint64_t *at, size_t *n);

#endif
