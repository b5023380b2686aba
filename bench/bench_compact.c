/*
 * bench_compact - compaction cost: compact_memory on a fragmented 64 GiB
 * machine (no backing bytes), and direct-compaction work per successful
 * order-9 allocation on 4 GiB, without and with real page contents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "antifrag.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "bench_compact: %s: %s\n", what, af_errmsg());
	exit(1);
}

static struct af_machine *mk(const char *conf)
{
	struct af_config *c;
	struct af_machine *m = NULL;
	af_config_new(&c);
	if (af_config_load_string(c, conf) || af_machine_create(c, &m))
		die("machine");
	af_config_free(c);
	return m;
}

static uint64_t ev(struct af_machine *m, const char *n)
{
	uint64_t v = 0;
	af_vmstat(m, n, &v);
	return v;
}

/*
 * Two processes fault pages alternately until memory runs out; one exits.
 * flags: the survivor's mapping flags (AF_MAP_MLOCK to make it unevictable).
 */
static void fragment(struct af_machine *m, unsigned long pages, unsigned flags)
{
	int a, b;
	uint64_t va, vb;

	if (af_proc_create(m, &a) || af_proc_create(m, &b) || af_mmap_anon(m, a, pages, flags, &va) ||
	    af_mmap_anon(m, b, pages, 0, &vb))
		die("setup");
	for (uint64_t i = 0; i < pages; i++)
		if (af_mem_write(m, a, 0, va + i) || af_mem_write(m, b, 0, vb + i))
			break;
	if (af_proc_exit(m, b))
		die("exit");
	af_drain_all(m);
}

static void direct(const char *conf, const char *label)
{
	struct af_machine *m = mk(conf);
	unsigned long managed = af_machine_managed_pages(m);
	struct af_alloc_result r;
	int ok = 0, tries = 0;

	fragment(m, managed, 0);
	uint64_t ms0 = ev(m, "compact_migrate_scanned"), fs0 = ev(m, "compact_free_scanned");
	uint64_t mig0 = ev(m, "pgmigrate_success");
	double t0 = now();
	for (tries = 0; tries < 200; tries++)
		if (af_alloc_pages(m, 0, AF_GFP_TRANSHUGE, 9, -1, &r) == 0)
			ok++;
	double t = now() - t0;
	uint64_t scanned = ev(m, "compact_migrate_scanned") - ms0 + ev(m, "compact_free_scanned") - fs0;
	uint64_t migrated = ev(m, "pgmigrate_success") - mig0;
	printf("%s: %d of %d order-9 GFP_TRANSHUGE allocations succeeded in %.3f s; per success: "
	       "%.0f pages scanned, %.0f pages migrated, %.1f us\n", label, ok, tries, t,
	       ok ? (double)scanned / ok : 0.0, ok ? (double)migrated / ok : 0.0,
	       ok ? t * 1e6 / ok : 0.0);
	af_machine_destroy(m);
}

/* One compact_memory, timed: pages scanned (both scanners) and migrated */
static void timed_compact_memory(struct af_machine *m, const char *label)
{
	uint64_t ms0 = ev(m, "compact_migrate_scanned"), fs0 = ev(m, "compact_free_scanned");
	uint64_t mig0 = ev(m, "pgmigrate_success");
	double t0 = now(), t;

	if (af_compact_memory(m))
		die("compact_memory");
	t = now() - t0;
	uint64_t scanned = ev(m, "compact_migrate_scanned") - ms0 + ev(m, "compact_free_scanned") - fs0;
	printf("%s: %.3f s, %llu pages scanned (%.1f M pages/s), %llu pages migrated, "
	       "fragmentation score now %u\n", label, t, (unsigned long long)scanned,
	       (double)scanned / t / 1e6, (unsigned long long)(ev(m, "pgmigrate_success") - mig0),
	       af_fragmentation_score(m, 0));
}

int main(void)
{
	struct af_machine *m;
	double t0;

	m = mk("mem = 64G\ncpus = 2\ntransparent_hugepage = never\n");
	t0 = now();
	fragment(m, af_machine_managed_pages(m), 0);
	printf("64 GiB machine fragmented in %.2f s (every other page free), fragmentation score %u\n",
	       now() - t0, af_fragmentation_score(m, 0));
	timed_compact_memory(m, "compact_memory on 64 GiB");
	/* a second pass: nothing left to migrate, the scanners' own speed */
	timed_compact_memory(m, "compact_memory again (already compact)");
	af_machine_destroy(m);

	/*
	 * The scanners alone over the same fragmented layout: the survivor's
	 * pages are mlocked and vm.compact_unevictable_allowed is 0, so the
	 * migrate scanner examines every page and isolates none.
	 */
	m = mk("mem = 64G\ncpus = 2\ntransparent_hugepage = never\n");
	fragment(m, af_machine_managed_pages(m), AF_MAP_MLOCK);
	if (af_sysctl_write(m, "vm.compact_unevictable_allowed", "0"))
		die("sysctl");
	timed_compact_memory(m, "compact_memory on 64 GiB, same layout, nothing movable "
			     "(mlocked, compact_unevictable_allowed=0)");
	af_machine_destroy(m);

	direct("mem = 4G\ncpus = 1\ntransparent_hugepage = never\n", "4 GiB, no contents");
	direct("mem = 4G\ncpus = 1\ncontents = 1\ntransparent_hugepage = never\n", "4 GiB, real contents");
	return 0;
}
