/*
 * fuzz_cli - the command line's parser and checks, without running: the
 * input split at NUL bytes (or newlines) into argv words after "antifrag",
 * parsed by cli_main(..., parse_only).  An input that starts with "CFG\n"
 * is config text instead, loaded with af_config_load_string.  Nothing may
 * crash, leak or hang; --config is left out (files are not the input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_WORDS + 2];
	int argc = 0;

	if (size > 4096)
		return 0;
	cli_quiet = true;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (size >= 4 && !memcmp(buf, "CFG\n", 4)) {
		struct af_config *c;
		if (!af_config_new(&c)) {
			af_config_load_string(c, buf + 4);
			af_config_free(c);
		}
		free(buf);
		return 0;
	}
	argv[argc++] = "antifrag";
	for (size_t i = 0, start = 0; i <= size && argc <= MAX_WORDS; i++)
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--config")) {
			free(buf);
			return 0;
		}
	cli_main(argc, argv, true);
	free(buf);
	return 0;
}
