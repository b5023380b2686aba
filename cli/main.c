/*
 * antifrag - command-line simulator of Linux 6.1's anti-fragmentation
 * system: one table of subcommands, each in its own file.
 */
#include <string.h>

#include "cli.h"

static const struct command *const commands[] = { &cmd_run, &cmd_compare, &cmd_policies, NULL };

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

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2)
			for (int i = 0; commands[i]; i++)
				if (!strcmp(argv[2], commands[i]->name)) {
					commands[i]->usage(stdout);
					return 0;
				}
		usage(stdout);
		return 0;
	}
	for (int i = 0; commands[i]; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "antifrag: unknown command '%s' (try --help)\n", argv[1]);
	return 2;
}
