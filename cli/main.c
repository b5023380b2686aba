/*
 * antifrag - command-line simulator of Linux 6.1's anti-fragmentation system.
 */
#include <stdio.h>
#include <string.h>

#include "antifrag.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: antifrag run [--mem SIZE]\n");
}

int main(int argc, char **argv)
{
	uint64_t mem = 4ULL << 30;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "antifrag: unknown command '%s'\n", argv[1]);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--mem") && i + 1 < argc) {
			if (af_parse_size(argv[++i], &mem)) {
				fprintf(stderr, "antifrag: bad size '%s'\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "antifrag: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	printf("machine: %llu pages\n", (unsigned long long)(mem >> 12));
	return 0;
}
