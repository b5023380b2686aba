/* helpers.h - shared by the tests: machines from config text, the checker. */
#ifndef AF_TEST_HELPERS_H
#define AF_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "antifrag.h"
#include "internal.h"

static inline struct af_machine *machine_from(const char *text)
{
	struct af_config *c;
	struct af_machine *m = NULL;

	assert_int_equal(af_config_new(&c), 0);
	if (af_config_load_string(c, text) || af_machine_create(c, &m))
		fail_msg("machine '%s': %s", text, af_errmsg());
	af_config_free(c);
	return m;
}

#define CHECK(m) do {							\
	char rep_[512];							\
	int n_ = af_check((m), rep_, sizeof(rep_));			\
	if (n_)								\
		fail_msg("af_check: %d violation(s): %s", n_, rep_);	\
} while (0)

static inline char *render(struct af_machine *m, const char *path)
{
	char *s = NULL;
	if (af_render(m, path, &s))
		fail_msg("render %s: %s", path, af_errmsg());
	return s;
}

static inline char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	return buf;
}

/* The value after `key` on the n-th line starting with `key` in text. */
static inline long field_after(const char *text, const char *key, int nth)
{
	const char *p = text;
	size_t kl = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n' || p[-1] == ' ') && nth-- == 0)
			return strtol(p + kl, NULL, 10);
		p += kl;
	}
	fail_msg("key '%s' not found", key);
	return -1;
}

/* Monotonic seconds, for tests that run for a while */
static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
