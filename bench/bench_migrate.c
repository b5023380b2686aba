/*
 * bench_migrate - page migration throughput with real 4 KiB contents,
 * next to this machine's memcpy bandwidth measured in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "antifrag.h"

#define NPAGES 65536	/* 256 MiB of data */
#define BATCH 32

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "bench_migrate: %s: %s\n", what, af_errmsg());
	exit(1);
}

static struct af_machine *mk(void)
{
	struct af_config *c;
	struct af_machine *m = NULL;
	af_config_new(&c);
	if (af_config_load_string(c, "mem = 2G\ncpus = 1\ncontents = 1\ntransparent_hugepage = never\n") ||
	    af_machine_create(c, &m))
		die("machine");
	af_config_free(c);
	return m;
}

/* Bandwidth of copying 4 KiB pages sequentially between two 256 MiB areas (best case) */
static double memcpy_gbps(void)
{
	size_t sz = (size_t)NPAGES * 4096;
	char *a = malloc(sz), *b = malloc(sz);
	double best = 0;

	memset(a, 1, sz);
	memset(b, 2, sz);
	for (int rep = 0; rep < 3; rep++) {
		double t0 = now();
		for (size_t i = 0; i < NPAGES; i++)
			memcpy(b + i * 4096, a + i * 4096, 4096);
		double gbps = (double)sz / (now() - t0) / 1e9;
		if (gbps > best)
			best = gbps;
	}
	free(a);
	free(b);
	return best;
}

/* Migrate every page in batches of BATCH; returns pages per second */
static double migrate_all(struct af_machine *m, uint64_t *pfns, int n)
{
	double t0 = now();
	int moved = 0;

	for (int i = 0; i < n; i += BATCH) {
		int k = n - i < BATCH ? n - i : BATCH;
		struct af_migrate_stats st;
		if (af_migrate_pfns(m, pfns + i, k, AF_MIGRATE_SYNC, AF_MR_SYSCALL, -1, NULL, &st) < 0)
			die("migrate");
		moved += (int)st.nr_succeeded;
	}
	double t = now() - t0;
	if (moved != n) {
		fprintf(stderr, "bench_migrate: only %d of %d pages moved\n", moved, n);
		exit(1);
	}
	return n / t;
}

static void report(const char *what, double pps, double ref)
{
	double gbps = pps * 4096 / 1e9;
	printf("%-34s %9.0f pages/s  %6.2f GB/s  %5.1f%% of memcpy\n", what, pps, gbps, 100 * gbps / ref);
}

int main(void)
{
	static uint64_t pfns[NPAGES];
	double ref = memcpy_gbps();
	struct af_machine *m;
	int pid, kids[7], fid;
	uint64_t vpn;

	printf("reference: memcpy of 4 KiB pages %.2f GB/s\n", ref);

	m = mk();
	if (af_proc_create(m, &pid) || af_mmap_anon(m, pid, NPAGES, 0, &vpn))
		die("setup");
	for (int i = 0; i < NPAGES; i++)
		if (af_mem_write(m, pid, 0, vpn + (uint64_t)i) || af_vpn_to_pfn(m, pid, vpn + (uint64_t)i, &pfns[i]))
			die("fault");
	report("anonymous, single-mapped, batch 32", migrate_all(m, pfns, NPAGES), ref);
	af_machine_destroy(m);

	m = mk();
	if (af_proc_create(m, &pid) || af_mmap_anon(m, pid, NPAGES / 4, 0, &vpn))
		die("setup");
	for (int i = 0; i < NPAGES / 4; i++)
		if (af_mem_write(m, pid, 0, vpn + (uint64_t)i))
			die("fault");
	for (int k = 0; k < 7; k++)
		if (af_proc_fork(m, pid, &kids[k]))
			die("fork");
	for (int i = 0; i < NPAGES / 4; i++)
		if (af_vpn_to_pfn(m, pid, vpn + (uint64_t)i, &pfns[i]))
			die("lookup");
	report("anonymous, 8-way shared, batch 32", migrate_all(m, pfns, NPAGES / 4), ref);
	af_machine_destroy(m);

	m = mk();
	if (af_file_create(m, false, &fid))
		die("file");
	for (int i = 0; i < NPAGES; i++)
		if (af_file_read(m, fid, 0, (uint64_t)i) || af_file_page(m, fid, (uint64_t)i, &pfns[i]))
			die("read");
	report("page cache, batch 32", migrate_all(m, pfns, NPAGES), ref);
	if (af_check(m, NULL, 0))
		die("integrity after migration");
	af_machine_destroy(m);
	return 0;
}
