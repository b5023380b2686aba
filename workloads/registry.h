/*
 * registry.h - the workload registry's entries and what they share: one
 * entry per file, each with its parameters and a run function that fills an
 * af_workload_result through the wl_* helpers.
 */
#ifndef AF_WL_REGISTRY_H
#define AF_WL_REGISTRY_H

#include "antifrag.h"

struct wl_entry {
	struct af_workload_info info;
	/* p[i] is info.params[i]'s value, checked against its range */
	int (*run)(struct af_machine *m, const uint64_t *p, struct af_workload_result *res);
};

extern const struct wl_entry wl_world, wl_mixed, wl_selftest, wl_fragfill, wl_thpfault,
	wl_stress_highalloc, wl_thp_challenge, wl_server_churn, wl_mthp_churn, wl_offline, wl_cma, wl_balloon;

/* Append a line (printf-style) to res->text; -ENOMEM */
int wl_printf(struct af_workload_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A figure by name (at most 47 characters) */
int wl_value(struct af_workload_result *res, const char *name, double v);
/* Start the table: its name and ncols column names (NULL-terminated list) */
int wl_table(struct af_workload_result *res, const char *name, const char *const *cols);
/* One row of the table: ncols values */
int wl_row(struct af_workload_result *res, const double *v);

/* /proc/meminfo's MemFree in kB */
static inline unsigned long wl_free_kb(struct af_machine *m)
{
	uint64_t nr_free = 0;

	af_vmstat(m, "nr_free_pages", &nr_free);
	return (unsigned long)nr_free * 4;
}

/* A /proc/vmstat counter (0 when unknown) */
static inline uint64_t wl_vmstat(struct af_machine *m, const char *name)
{
	uint64_t v = 0;

	af_vmstat(m, name, &v);
	return v;
}

#endif
