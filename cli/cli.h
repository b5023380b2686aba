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

/* One subcommand: `antifrag NAME ...` runs main(argc, argv) with argv[0] = NAME;
 * parse(argc, argv) parses and checks the same arguments without running */
struct command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
	int (*parse)(int argc, char **argv);
	void (*usage)(FILE *f);
};
extern const struct command cmd_run, cmd_compare, cmd_replay, cmd_policies, cmd_workloads, cmd_show,
	cmd_sweep, cmd_merge;
/* The whole command line: main() is cli_main(argc, argv, false); with
 * parse_only, the arguments are parsed and checked and nothing runs */
int cli_main(int argc, char **argv, bool parse_only);

/* "antifrag: WHAT: MSG" on stderr (nothing when cli_quiet); returns 2 (bad usage or input) */
int cli_error(const char *what, const char *msg);
extern bool cli_quiet;
/* The last message cli_error printed ("WHAT: MSG"), for a result file */
extern char cli_last_error[512];
/* Flush stdout: 0, or 2 with a message when it cannot be written (once) */
int stdout_check(void);
/* A /proc/vmstat counter by name (0 when the machine has none of that name) */
uint64_t cli_vmstat(struct af_machine *m, const char *name);

/* The machine options every subcommand that builds machines takes: each
 * value is checked when parsed; machine_opts_finish then loads --config and
 * applies the options over it in their order */
#define MAX_MACHINE_OPTS 256
struct machine_opts {
	struct af_config *cfg;		/* after machine_opts_finish */
	const char *config;		/* --config FILE */
	const char *start;		/* --start DIR: a captured state instead of a boot */
	const char *hint_trace;		/* with start: a trace whose drains show block types */
	struct { const char *opt, *key, *value; } keyed[MAX_MACHINE_OPTS];
	int nkeyed;
	const char *sets[MAX_LIST];	/* vm.KEY=VALUE runtime writes */
	int nsets;
};
extern const char machine_opts_help[];
void machine_opts_init(struct machine_opts *mo);
/* argv[*i] a machine option?  1: taken (with its value, *i advanced),
 * 0: not one, 2: bad value (printed) */
int machine_opt(struct machine_opts *mo, int argc, char **argv, int *i);
/* Load --config and apply the options over it; 0 or 2 (printed) */
int machine_opts_finish(struct machine_opts *mo);
/* Build a machine from the options and apply the --set writes; 0 or 2 (printed) */
int machine_build(const struct machine_opts *mo, struct af_machine **m);
/* The block types the trace at path shows for the capture at start (none
 * for "-", read once by the replay): 0 or 2 (printed) */
int trace_block_types(const char *start, const char *path, struct af_block_types *bt);
/* An import's report on stderr, "import: " before each line */
void import_report_print(const struct af_import_report *rep);
/* dir is a directory of capture.sh's with a readable `file`: 0, or 2 (printed, naming opt) */
int capture_dir_check(const char *opt, const char *dir, const char *file);
/* The af_import_report's driver of the last machine machine_build imported (--start), or -1 */
int machine_import_driver(void);
void machine_opts_free(struct machine_opts *mo);
/* path ("-": stdin) a trace to replay: a readable file, and a trace.dat that
 * opens; 0, or 2 (printed, naming opt) */
int trace_check(const char *opt, const char *path);
/*
 * Replay the trace at path ("-": stdin) on m: text (`trace`, `trace_pipe`,
 * `trace-cmd report`) or trace-cmd's binary trace.dat, told apart by the
 * file's first bytes.  policy: af_replay_requests, else af_replay_stream.
 * 0, or 2 with the error printed.
 */
int trace_replay(struct af_machine *m, const char *path, int driver, int policy, struct af_replay_stats *st);

/*
 * The workload options: --workload NAME, --param KEY=VALUE (repeatable) and
 * the shorthands --ops N (ops=N), --selftest-map-mb N (map_mb=N) and
 * --fragfill-hold (hold=1); workload_opts_finish checks them and builds
 * the spec "NAME:KEY=VALUE..." af_workload_run takes.
 */
struct workload_opts {
	const char *name;
	const char *params[MAX_LIST];
	const char *param_opt[MAX_LIST];	/* the option each came from */
	char own[MAX_LIST][32];			/* a shorthand's KEY=VALUE */
	int nparams;
	char spec[1024];
};
extern const char workload_opts_help[];
void workload_opts_init(struct workload_opts *wo, const char *name);
/* argv[*i] a workload option?  1: taken (*i advanced), 0: not one, 2: bad (printed) */
int workload_opt(struct workload_opts *wo, int argc, char **argv, int *i);
int workload_opts_finish(struct workload_opts *wo);	/* 0 or 2 (printed) */
/* Every parameter of the workload with its value, "KEY=VALUE KEY=VALUE" */
void workload_params_text(const struct workload_opts *wo, char *buf, size_t len);
/* The bound of --ops (and of every operation count) */
#define MAX_OPS 100000000ULL
/* A non-negative decimal integer option value within [min, max]; 0 or 2 (printed) */
int parse_u64(const char *opt, const char *v, unsigned long long min, unsigned long long max,
	      unsigned long long *out);

/* Write JSON to path through a temporary file renamed at the end, so a
 * failed run leaves no partial file; 0 or 2 (printed) */
int json_write_file(json_t *root, const char *path);
/* An output file written to a temporary beside it and renamed into place
 * only when the run succeeds, so a failed run leaves no partial file */
struct outfile { FILE *f; char tmp[4096]; const char *path; bool direct; };
/* A path an output can go to: not a directory, in a directory that can be
 * written (a device or FIFO is written in place); 0 or 2 (printed) */
int outpath_check(const char *path, const char *what);
/* A FILE value that is an option ("--trace --json"): 2 (printed), else 0 */
int file_value(const char *opt, const char *v);
int outfile_open(struct outfile *o, const char *path, const char *what);	/* 0 or 2 (printed) */
int outfile_commit(struct outfile *o, const char *what);			/* 0 or 2 (printed) */
void outfile_abort(struct outfile *o);

/*
 * An output directory tree, built at PATH.tmp.XXXXXX and renamed to PATH
 * when the run succeeds (PATH absent or an empty directory); every file and
 * directory made is logged, so a failed run or a fatal signal removes them
 */
struct outtree {
	const char *path;
	char tmp[4096];
	char **made;
	size_t nmade, capmade;
	bool open;
};
int outtree_check(const char *path, const char *what);		/* 0 or 2 (printed) */
int outtree_open(struct outtree *t, const char *path, const char *what);
/* Write text to REL (directories made as needed) inside the tree */
int outtree_file(struct outtree *t, const char *rel, const char *text, const char *what);
/* The same for len bytes of data */
int outtree_data(struct outtree *t, const char *rel, const void *data, size_t len, const char *what);
int outtree_commit(struct outtree *t, const char *what);
void outtree_abort(struct outtree *t);
/* Every kernel file of m in the kernel's layout under PREFIX of the tree
 * ("" or "at/1000/"): /proc, /proc/sys/vm/NAME, /sys/kernel/...; 0 or 2 */
int procfs_tree(struct af_machine *m, struct outtree *t, const char *prefix, const char *what);

/* Samples in Prometheus' text exposition format (prometheus.c) */
struct prom;
struct prom *prom_new(void);
/* The machine now (buddyinfo, vmstat, mt), at the virtual clock's ms; 0 or 2 (printed) */
int prom_sample(struct prom *p, struct af_machine *m, const struct af_metrics *mt);
int prom_write(const struct prom *p, FILE *f);	/* 0 or -EIO */
void prom_free(struct prom *p);

/*
 * The progress bar (progress.c): on stderr when it is a terminal, one line
 * redrawn at most ten times a second (prefix, phase, done/total, virtual
 * time, page allocator events, the phase's ETA); nothing otherwise.
 */
struct progress {
	bool on;
	struct af_machine *m;
	char prefix[64], phase[64];
	double phase_t0, last;
	bool drawn;
};
void progress_init(struct progress *p, struct af_machine *m, const char *prefix);
void progress_phase(struct progress *p, const struct af_phase *ph);
void progress_end(struct progress *p);	/* clears the line */

/* The parameters every machine-readable output carries */
json_t *json_run_header(const char *command, int argc, char **argv);
/* A workload's result: {"values": {...}, "table": {"name", "columns", "rows"}} */
json_t *json_workload_result(const struct af_workload_result *wr);
/* A metrics record */
json_t *json_metrics(const struct af_metrics *mt);
/* Wall-clock seconds since an arbitrary start */
double wall_seconds(void);

#endif
