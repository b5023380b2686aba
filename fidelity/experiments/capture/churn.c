/*
 * churn - the workloads of the committed replay fixtures, run under
 * tools/capture.sh in the fidelity VM (fidelity/experiments/capture.build).
 *
 *   churn quiet     anonymous memory touched and freed, a child that does
 *                   the same and exits, a file written and deleted: page
 *                   allocator traffic with no compaction
 *   churn small     4 MiB of anonymous memory touched and freed, and a
 *                   child that exits: a short trace (the trace.dat fixture)
 *   churn compact   32 MiB of anonymous memory with every other page then
 *                   unmapped, and a write to /proc/sys/vm/compact_memory
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1UL << 20)
#define PAGE 4096UL

static char *touch(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (char)i;
	return p;
}

static void write_file(const char *path, size_t len)
{
	static char buf[64 * 1024];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	for (size_t done = 0; done < len; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			exit(1);
		}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		goto usage;
	if (!strcmp(argv[1], "quiet")) {
		char *a = touch(8 * MB);
		pid_t pid = fork();

		if (pid == 0) {
			munmap(touch(4 * MB), 4 * MB);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		write_file("/tmp/churn.file", 2 * MB);
		unlink("/tmp/churn.file");
		munmap(a, 8 * MB);
		return 0;
	}
	if (!strcmp(argv[1], "small")) {
		char *a = touch(4 * MB);
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		munmap(a, 4 * MB);
		return 0;
	}
	if (!strcmp(argv[1], "compact")) {
		size_t len = 32 * MB;
		char *a = touch(len);
		int fd;

		for (size_t i = 0; i < len; i += 2 * PAGE)
			munmap(a + i, PAGE);
		fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1) {
			perror("compact_memory");
			return 1;
		}
		close(fd);
		return 0;
	}
usage:
	fprintf(stderr, "usage: churn quiet|small|compact\n");
	return 2;
}
