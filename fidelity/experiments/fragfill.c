/*
 * fragfill.c - a fragmenting fill, then a huge page request, run as the
 * fidelity initramfs's experiment (and as antifrag's `--workload fragfill`).
 *
 * In rounds until MemFree falls to a tenth of what it was: 4 MiB of
 * anonymous memory (movable, touched), one pipe holding 64 KiB (16
 * unmovable pages: pipe buffers are GFP_HIGHUSER without __GFP_MOVABLE) and
 * 100 empty files in a ramfs (a dentry and an inode each, both from
 * reclaimable slab caches: dentry and inode_cache).  Then every other round's
 * anonymous memory is unmapped, and nr_hugepages is set to MemFree / 2 MiB.
 * The initramfs has no block device, so there is no page cache to reclaim
 * (tmpfs without swap could not be reclaimed either) and none is made.
 *
 * Prints "key value" lines, and the vmstat counters just before and after the
 * huge page request as "pre NAME VALUE" and "post NAME VALUE".
 *
 * Built with -DFRAGFILL_THP (thpfault.c), the request is transparent huge
 * page faults instead: an anonymous mapping of three quarters of MemFree,
 * 2 MiB aligned, madvise(MADV_HUGEPAGE) (Debian's defrag setting, madvise,
 * then lets the faults reclaim and compact directly), every page written.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROUND_ANON	(4UL << 20)
#define PIPE_BYTES	(64 << 10)
#define FILES		100
#define MAX_ROUNDS	4096

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t n = strlen(key);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

static void vmstat(const char *tag)
{
	static const char *const keys[] = { "compact_stall", "compact_fail", "compact_success",
		"compact_migrate_scanned", "compact_free_scanned", "compact_daemon_wake",
		"pgmigrate_success", "pgmigrate_fail", "allocstall_dma32", "allocstall_normal",
		"pgscan_direct", "pgsteal_direct", "pgscan_kswapd", "kswapd_low_wmark_hit_quickly",
		"htlb_buddy_alloc_success", "htlb_buddy_alloc_fail", "nr_free_pages",
#ifdef FRAGFILL_THP
		"allocstall_movable", "thp_fault_alloc", "thp_fault_fallback", "thp_collapse_alloc",
#endif
	};
	FILE *f = fopen("/proc/vmstat", "r");
	char name[128];
	long long v;

	if (!f)
		return;
	while (fscanf(f, "%127s %lld", name, &v) == 2)
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(name, keys[i]))
				printf("%s %s %lld\n", tag, name, v);
	fclose(f);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(void)
{
	static char *anon[MAX_ROUNDS];
	static char buf[4096];
	struct rlimit rl = { 2 * MAX_ROUNDS + 64, 2 * MAX_ROUNDS + 64 };
	long start = meminfo_kb("MemFree"), free_kb, want, got;
	int rounds = 0, pipes = 0, fds[2];
	char path[64];
	FILE *f;

	setrlimit(RLIMIT_NOFILE, &rl);
	memset(buf, 'x', sizeof(buf));
	mkdir("/tmp", 0755);
	mkdir("/tmp/r", 0755);
	if (mount("none", "/tmp/r", "ramfs", 0, NULL)) {
		perror("mount ramfs");
		return 1;
	}
	printf("memfree_start_kb %ld\n", start);
	while (rounds < MAX_ROUNDS && meminfo_kb("MemFree") > start / 10) {
		char *p = mmap(NULL, ROUND_ANON, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		for (unsigned long o = 0; o < ROUND_ANON; o += 4096)
			p[o] = (char)(o >> 12);
		anon[rounds] = p;
		if (pipe(fds) == 0) {
			for (int b = 0; b < PIPE_BYTES; b += (int)sizeof(buf))
				if (write(fds[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
					break;
			pipes++;
		}
		for (int i = 0; i < FILES; i++) {
			int fd;
			snprintf(path, sizeof(path), "/tmp/r/f%d.%d", rounds, i);
			fd = open(path, O_CREAT | O_WRONLY, 0644);
			if (fd >= 0)
				close(fd);
		}
		rounds++;
	}
	printf("rounds %d\npipes %d\n", rounds, pipes);
	printf("memfree_filled_kb %ld\n", meminfo_kb("MemFree"));
	for (int r = 0; r < rounds; r += 2)
		munmap(anon[r], ROUND_ANON);
	free_kb = meminfo_kb("MemFree");
	printf("memfree_freed_kb %ld\n", free_kb);
#ifdef FRAGFILL_THP
	{
		unsigned long huge = 2UL << 20, len;
		char *map, *p;

		want = free_kb * 3 / 4 / 2048;
		len = (unsigned long)want * huge;
		printf("thp_requested %ld\n", want);
		map = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		p = (char *)(((unsigned long)map + huge - 1) & ~(huge - 1));
		if (madvise(p, len, MADV_HUGEPAGE)) {
			perror("madvise");
			return 1;
		}
		vmstat("pre");
		for (unsigned long o = 0; o < len; o += 4096)
			p[o] = (char)(o >> 12);
		vmstat("post");
		printf("memfree_end_kb %ld\n", meminfo_kb("MemFree"));
		return 0;
	}
#endif
	want = free_kb / 2048;
	printf("hugepages_requested %ld\n", want);
	vmstat("pre");
	f = fopen("/proc/sys/vm/nr_hugepages", "w");
	if (!f) {
		perror("nr_hugepages");
		return 1;
	}
	fprintf(f, "%ld\n", want);
	fclose(f);
	vmstat("post");
	got = read_long("/proc/sys/vm/nr_hugepages");
	printf("hugepages_got %ld\n", got);
	printf("memfree_end_kb %ld\n", meminfo_kb("MemFree"));
	return got > 0 ? 0 : 1;
}
