/*
 * antifrag - command-line simulator of Linux 6.1's anti-fragmentation
 * system: one table of subcommands (dispatch.c), each in its own file.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv, false);
}
