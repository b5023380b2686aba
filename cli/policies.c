/*
 * policies.c - `antifrag policies`: the policy table, one entry a line,
 * with its parameters and where the idea comes from.
 */
#include <string.h>

#include "cli.h"

static void policies_usage(FILE *f)
{
	fputs(
"usage: antifrag policies [-v]\n"
"\n"
"List the policy table: each policy's name and what it decides differently\n"
"from Linux 6.1, its parameters (NAME:KEY=VALUE with range and default) and\n"
"its source.  Select one with `antifrag run --policy SPEC` or the config key\n"
"`policy = SPEC`; compare several with `antifrag compare --policy A,B,...`.\n"
"docs/policies.md says how each one reads its source.\n"
"\n"
"  -v, --verbose        also each parameter's meaning\n"
"  -h, --help           this text\n", f);
}

static int policies_parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") && strcmp(argv[i], "--help") && strcmp(argv[i], "-v") &&
		    strcmp(argv[i], "--verbose")) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", argv[i]);
			return cli_error("policies", msg);
		}
	return 0;
}

static int policies_main(int argc, char **argv)
{
	struct af_policy_info pi;
	bool verbose = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			policies_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
			continue;
		}
		return policies_parse(argc, argv);
	}
	for (int i = 0; af_policy_info(i, &pi) == 0; i++) {
		printf("%-16s %s\n", pi.name, pi.summary);
		for (int k = 0; k < pi.nparams; k++) {
			printf("%-16s   %s=%ld (%ld..%ld)", "", pi.params[k].name, pi.params[k].def,
			       pi.params[k].min, pi.params[k].max);
			if (verbose)
				printf(": %s", pi.params[k].help);
			printf("\n");
		}
		printf("%-16s   source: %s\n", "", pi.source);
	}
	return 0;
}

const struct command cmd_policies = {
	.name = "policies",
	.summary = "list the policy table: linux and the alternatives beside it",
	.main = policies_main,
	.parse = policies_parse,
	.usage = policies_usage,
};
