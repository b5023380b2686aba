/*
 * fuzz_event_parse - feed the input to af_event_parse() as one trace line.
 * Whatever parses renders to a line that parses again to an event that
 * renders to the same line (the parse of a rendered line loses nothing),
 * and its JSON rendering is one line of printable text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "antifrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), text[2048], again[2048], json[4096];
	struct af_event ev, ev2;
	int n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (af_event_parse(line, &ev) == 0) {
		n = af_event_format_text(&ev, text, sizeof(text));
		if (n < 0 || (size_t)n >= sizeof(text))
			abort();
		if (af_event_parse(text, &ev2) != 0)
			abort();
		if (af_event_format_text(&ev2, again, sizeof(again)) != n || strcmp(text, again))
			abort();
		n = af_event_format_json(&ev, json, sizeof(json));
		if (n < 0 || (size_t)n >= sizeof(json) || strchr(json, '\n'))
			abort();
	}
	free(line);
	return 0;
}
