/*
 * fixtures.h - the captured fixtures of tests/traces (quiet, compact, small),
 * extracted into a temporary directory for a group of tests and removed
 * after it: cmocka group setup and teardown.
 */
#ifndef AF_TEST_FIXTURES_H
#define AF_TEST_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>

static char tmp[256];

static int extract(void **st)
{
	char cmd[1024];

	(void)st;
	snprintf(tmp, sizeof(tmp), "/tmp/af-test-fixtures.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(cmd, sizeof(cmd), "for f in quiet compact small; do tar -xJf %s/$f.tar.xz -C %s || exit 1; done",
		 TRACES_DIR, tmp);
	return system(cmd) ? -1 : 0;
}

static int cleanup(void **st)
{
	char cmd[512];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) ? -1 : 0;
}

#endif
