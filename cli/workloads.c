/*
 * workloads.c - `antifrag workloads`: the workload registry, one entry a line,
 * with its parameters and where it comes from.
 */
#include <string.h>

#include "cli.h"

static void workloads_usage(FILE *f)
{
	fputs(
"usage: antifrag workloads [-v]\n"
"\n"
"List the workload registry: each workload's name and what it does, its\n"
"parameters (KEY=VALUE with range and default) and its source.  Run one with\n"
"`antifrag run --workload NAME --param KEY=VALUE`, or under several policies\n"
"with `antifrag compare --workload NAME`.  docs/workloads.md describes each\n"
"one and what it reports.\n"
"\n"
"  -v, --verbose        also each parameter's meaning\n"
"  -h, --help           this text\n", f);
}

static int workloads_parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") && strcmp(argv[i], "--help") && strcmp(argv[i], "-v") &&
		    strcmp(argv[i], "--verbose")) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", argv[i]);
			return cli_error("workloads", msg);
		}
	return 0;
}

static int workloads_main(int argc, char **argv)
{
	struct af_workload_info pi;
	bool verbose = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			workloads_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
			continue;
		}
		return workloads_parse(argc, argv);
	}
	for (int i = 0; af_workload_info(i, &pi) == 0; i++) {
		printf("%-20s %s\n", pi.name, pi.summary);
		for (int k = 0; k < pi.nparams; k++) {
			printf("%-20s   %s=%llu (%llu..%llu)", "", pi.params[k].name,
			       (unsigned long long)pi.params[k].def, (unsigned long long)pi.params[k].min,
			       (unsigned long long)pi.params[k].max);
			if (verbose)
				printf(": %s", pi.params[k].help);
			printf("\n");
		}
		printf("%-20s   source: %s\n", "", pi.source);
	}
	return 0;
}

const struct command cmd_workloads = {
	.name = "workloads",
	.summary = "list the workload registry: each workload, its parameters and source",
	.main = workloads_main,
	.parse = workloads_parse,
	.usage = workloads_usage,
};
