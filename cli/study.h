/*
 * study.h - the measurement every study shares (compare, a sweep's run
 * --result, merge): after the workload, 10 s at rest with the daemons,
 * the metrics, compact_memory, the metrics again; the rows that come of
 * it; and the table of variants over seeds (mean, standard deviation,
 * 95% interval, change against the first variant).
 */
#ifndef AF_CLI_STUDY_H
#define AF_CLI_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "antifrag.h"

enum row {
	R_HUGE_REST, R_HUGE_REST_PCT, R_HUGE_AFTER, R_HUGE_AFTER_PCT, R_MIXED, R_FRAG_EXTFRAG,
	R_SCANNED_PER_HUGE, R_MIGRATED_PER_HUGE, R_POLICY_MOVES, R_ALLOC_FAIL, R_THP_SUCCESS,
	R_ORACLE, R_WALL, NR_ROWS
};
struct study_row { const char *label, *key; bool pct, higher_better; };
extern const struct study_row study_rows[NR_ROWS];

/* After the fixed rows, one row per figure the workloads report, by name */
#define MAX_WROWS 32
#define MAX_ROWS (NR_ROWS + MAX_WROWS)

/* One run's measurement */
struct study_point {
	double val[NR_ROWS];
	bool defined[NR_ROWS];
	int nvalues;
	struct { char name[48]; double value; } values[MAX_WROWS];	/* the workload's figures */
	struct af_metrics rest, after;
	uint64_t scanned, migrated;	/* by compact_memory */
};
/* The workload's figures into pt */
void study_values(struct study_point *pt, const struct af_workload_result *wr);
/* After the workload: at rest, measure, compact_memory, measure again (the
 * wall row is the caller's); 0 or 2 (printed) */
int study_measure(struct af_machine *m, struct study_point *pt);
/* {"summary": {row key: value or null}, "metrics_at_rest", "metrics_after_compaction",
 *  "compact_memory_scanned", "compact_memory_migrated", "workload_values": [[name, value], ...]} */
json_t *study_point_json(const struct study_point *pt);
/* The same back (a result file's): 0, or -EINVAL with what is wrong in why */
int study_point_from_json(json_t *o, struct study_point *pt, char *why, size_t len);

/* The rows of a table: the fixed ones and the workloads' figures */
struct study_table {
	struct { char name[48]; bool pct; } wrows[MAX_WROWS];
	int nwrows;
};
const char *study_row_label(const struct study_table *t, int r);
const char *study_row_key(const struct study_table *t, int r);

/* A variant: its runs' values per row */
struct variant {
	char spec[256];
	double *v[MAX_ROWS];	/* [runs] */
	bool valid[MAX_ROWS];	/* a row can be undefined (no huge page added) */
	double mean[MAX_ROWS], sd[MAX_ROWS], ci95[MAX_ROWS];
	int n[MAX_ROWS];
	json_t *runs;
};
int study_variant_init(struct variant *va, size_t nruns);	/* 0 or -ENOMEM */
void study_variant_free(struct variant *va);
void study_add(struct study_table *t, struct variant *va, const struct study_point *pt);
void study_summarise(const struct study_table *t, struct variant *va);
/* The table as compare prints it; and with the 95% intervals */
void study_print_table(const struct study_table *t, const struct variant *va, int nv);
void study_print_ci(const struct study_table *t, const struct variant *va, int nv);
json_t *study_table_json(const struct study_table *t, const struct variant *va, int nv);
json_t *study_summary_json(const struct study_table *t, const struct variant *va);

#endif
