/*
 * cli.h - what the antifrag subcommands share: the dispatch table entry,
 * the machine options, the workloads, errors and JSON output.
 */
#ifndef AF_CLI_H
#define AF_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "antifrag.h"

#define MAX_LIST 64

/* One subcommand: `antifrag NAME ...` runs main(argc, argv) with argv[0] = NAME */
struct command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
	void (*usage)(FILE *f);
};
extern const struct command cmd_run, cmd_compare, cmd_policies;

/* "antifrag: WHAT: MSG" on stderr; returns 2 (bad usage or input) */
int cli_error(const char *what, const char *msg);

/* The machine options every subcommand that builds machines takes */
struct machine_opts {
	struct af_config *cfg;
	const char *sets[MAX_LIST];	/* vm.KEY=VALUE runtime writes */
	int nsets;
};
extern const char machine_opts_help[];
/* Parse --config first (so other options override it); 0 or 2 (printed) */
int machine_opts_init(struct machine_opts *mo, int argc, char **argv);
/* argv[*i] a machine option?  1: taken (with its value, *i advanced),
 * 0: not one, 2: bad value (printed) */
int machine_opt(struct machine_opts *mo, int argc, char **argv, int *i);
/* Build a machine from the options and apply the --set writes; 0 or 2 (printed) */
int machine_build(const struct machine_opts *mo, struct af_machine **m);
void machine_opts_free(struct machine_opts *mo);

/* The workloads, by name */
enum workload { WL_WORLD, WL_MIXED, WL_SELFTEST, NR_WORKLOADS };
extern const char *const workload_names[NR_WORKLOADS];
int workload_parse(const char *name, enum workload *w);
/* A non-negative integer option value within [min, max]; 0 or 2 (printed) */
int parse_u64(const char *opt, const char *v, unsigned long long min, unsigned long long max,
	      unsigned long long *out);

/* Write JSON to path through a temporary file renamed at the end, so a
 * failed run leaves no partial file; 0 or 2 (printed) */
int json_write_file(json_t *root, const char *path);
/* An output file written to a temporary beside it and renamed into place
 * only when the run succeeds, so a failed run leaves no partial file */
struct outfile { FILE *f; char tmp[4096]; const char *path; };
int outfile_open(struct outfile *o, const char *path, const char *what);	/* 0 or 2 (printed) */
int outfile_commit(struct outfile *o, const char *what);			/* 0 or 2 (printed) */
void outfile_abort(struct outfile *o);

/* The parameters every machine-readable output carries */
json_t *json_run_header(const char *command, int argc, char **argv);
/* A metrics record */
json_t *json_metrics(const struct af_metrics *mt);
/* Wall-clock seconds since an arbitrary start */
double wall_seconds(void);

#endif
