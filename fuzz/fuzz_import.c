/*
 * fuzz_import - the input as a captured state: split at NUL bytes into
 * zoneinfo, buddyinfo, pagetypeinfo, page_owner and kpageflags (kpagecount
 * zeros of the same length), written to a directory and imported
 * (af_import_state).
 * Whatever the files say, the import returns, and a machine it builds
 * passes af_check().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "antifrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	static const char *const names[] = { "zoneinfo", "buddyinfo", "pagetypeinfo", "page_owner", "kpageflags" };
	const uint8_t *part = data, *end = data + size;
	struct af_machine *m = NULL;
	char report[512];
	void *zeros;
	size_t flags_len = 0;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_import.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	for (int i = 0; i < 5; i++) {
		const uint8_t *nul = i < 4 ? memchr(part, 0, (size_t)(end - part)) : NULL;
		size_t n = nul ? (size_t)(nul - part) : (size_t)(end - part);

		if (i == 4)	/* whole 64-bit words */
			n &= ~(size_t)7;
		put(dir, names[i], part, n);
		if (i == 4)
			flags_len = n;
		part = nul ? nul + 1 : end;
	}
	zeros = calloc(1, flags_len + 1);
	put(dir, "kpagecount", zeros, flags_len);
	free(zeros);
	if (af_import_state(dir, NULL, &m, NULL) == 0) {
		if (af_check(m, report, sizeof(report))) {
			fprintf(stderr, "fuzz_import: %s\n", report);
			abort();
		}
		af_machine_destroy(m);
	}
	return 0;
}
