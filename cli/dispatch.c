/*
 * dispatch.c - the table of subcommands and the command line's first word.
 */
#include <string.h>

#include "cli.h"

static const struct command *const commands[] = { &cmd_run, &cmd_compare, &cmd_replay, &cmd_policies,
						   &cmd_workloads, &cmd_show, &cmd_sweep, &cmd_merge, NULL };

static void usage(FILE *f)
{
	fputs("usage: antifrag COMMAND [OPTIONS]\n"
	      "       antifrag COMMAND --help\n"
	      "\n"
	      "Linux 6.1's physical-memory anti-fragmentation system (zoned buddy allocator\n"
	      "with grouping by mobility, page migration, compaction, kswapd and kcompactd)\n"
	      "on a model machine.\n"
	      "\n"
	      "Commands:\n", f);
	for (int i = 0; commands[i]; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n`antifrag run` alone runs the default: a 4 GiB, 2-CPU machine under the\n"
	      "world workload with Linux 6.1's policy.\n", f);
}

int cli_main(int argc, char **argv, bool parse_only)
{
	int rc;

	if (argc < 2) {
		if (!cli_quiet)
			usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2)
			for (int i = 0; commands[i]; i++)
				if (!strcmp(argv[2], commands[i]->name)) {
					if (!parse_only)
						commands[i]->usage(stdout);
					return parse_only ? 0 : stdout_check();
				}
		if (!parse_only)
			usage(stdout);
		return parse_only ? 0 : stdout_check();
	}
	for (int i = 0; commands[i]; i++)
		if (!strcmp(argv[1], commands[i]->name)) {
			if (parse_only)
				return commands[i]->parse(argc - 1, argv + 1);
			rc = commands[i]->main(argc - 1, argv + 1);
			/* what was printed must have reached stdout */
			return stdout_check() ? 2 : rc;
		}
	if (!cli_quiet)
		fprintf(stderr, "antifrag: unknown command '%s' (try --help)\n", argv[1]);
	return 2;
}
