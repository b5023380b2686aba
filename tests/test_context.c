/*
 * test_context.c - the machine is the only context: two machines built from
 * one configuration in one process, driven operation by operation in turn,
 * end in byte-identical /proc files and event streams, equal to the same run
 * in a process of its own; another seed gives another result.  Two threaded
 * machines started at once keep their daemons apart.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helpers.h"

#define CONF "mem = 512M\nnodes = 2\ncpus = 2\n"
#define MAX_LIVE 4096

/* A growing string: the machine's event stream */
struct sink { char *buf; size_t len, cap; };

static void sink_line(void *arg, const char *line)
{
	struct sink *s = arg;
	size_t n = strlen(line);

	if (s->len + n + 2 > s->cap) {
		s->cap = (s->cap + n + 2) * 2;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	memcpy(s->buf + s->len, line, n);
	s->len += n;
	s->buf[s->len++] = '\n';
	s->buf[s->len] = '\0';
}

/* One machine and what a test drives on it */
struct run {
	struct af_machine *m;
	struct af_rng r;
	struct sink ev;
	uint64_t pfn[MAX_LIVE];
	unsigned int order[MAX_LIVE];
	int nlive;
	int pids[16], npids;
};

static void run_init(struct run *x, uint64_t seed)
{
	memset(x, 0, sizeof(*x));
	x->m = machine_from(CONF);
	af_rng_seed(&x->r, seed);
	af_set_trace(x->m, sink_line, &x->ev);
}

/* One operation, chosen by the run's own generator */
static void run_step(struct run *x)
{
	struct af_machine *m = x->m;
	uint64_t op = af_rng_below(&x->r, 100);
	int cpu = (int)af_rng_below(&x->r, 2);

	if (op < 45 && x->nlive < MAX_LIVE) {
		static const af_gfp_t gfps[] = { AF_GFP_KERNEL, AF_GFP_HIGHUSER_MOVABLE,
						 AF_GFP_KERNEL | AF___GFP_RECLAIMABLE };
		af_gfp_t gfp = gfps[af_rng_below(&x->r, 3)];
		unsigned int order = (unsigned int)af_rng_below(&x->r, 5);
		struct af_alloc_result res;
		if (af_alloc_pages(m, cpu, gfp, order, -1, &res) == 0) {
			x->pfn[x->nlive] = res.pfn;
			x->order[x->nlive++] = order;
		}
	} else if (op < 80 && x->nlive) {
		int i = (int)af_rng_below(&x->r, (uint64_t)x->nlive);
		assert_int_equal(af_free_pages(m, cpu, x->pfn[i], x->order[i]), 0);
		x->pfn[i] = x->pfn[--x->nlive];
		x->order[i] = x->order[x->nlive];
	} else if (op < 86) {
		/* an odd pool size: the node the next huge page comes from matters */
		assert_int_equal(af_hugetlb_resize(m, 1 + 2 * af_rng_below(&x->r, 6), NULL), 0);
	} else if (op < 92 && x->npids < 16) {
		int pid;
		uint64_t vpn, n = 16 + af_rng_below(&x->r, 256);
		assert_int_equal(af_proc_create(m, &pid), 0);
		assert_int_equal(af_mmap_anon(m, pid, n, 0, &vpn), 0);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(af_mem_write(m, pid, cpu, vpn + i), 0);
		x->pids[x->npids++] = pid;
	} else if (op < 95 && x->npids) {
		int i = (int)af_rng_below(&x->r, (uint64_t)x->npids);
		assert_int_equal(af_proc_exit(m, x->pids[i]), 0);
		x->pids[i] = x->pids[--x->npids];
	} else if (op < 97) {
		assert_int_equal(af_compact_memory(m), 0);
	} else {
		af_clock_advance(m, 600ULL * 1000 * 1000);
		assert_int_equal(af_run_daemons(m), 0);
	}
}

/* Everything a user would compare: the kernel files and the event stream */
static char *run_result(struct run *x)
{
	static const char *const files[] = { "/proc/vmstat", "/proc/buddyinfo",
		"/proc/pagetypeinfo", "/proc/zoneinfo", "/sys/kernel/debug/extfrag/extfrag_index" };
	struct sink out = { 0 };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *s = render(x->m, files[i]);
		sink_line(&out, s);
		free(s);
	}
	sink_line(&out, x->ev.buf ? x->ev.buf : "");
	return out.buf;
}

static void run_free(struct run *x)
{
	af_machine_destroy(x->m);
	free(x->ev.buf);
}

#define STEPS 3000

/* Equal results, or the first line where they part */
static void same(const char *a, const char *b, const char *what)
{
	const char *la = a, *lb = b;
	int line = 1;

	while (*la && *lb) {
		size_t na = strcspn(la, "\n"), nb = strcspn(lb, "\n");
		if (na != nb || memcmp(la, lb, na))
			fail_msg("%s: line %d differs:\n  %.*s\n  %.*s", what, line, (int)na, la, (int)nb, lb);
		la += na + (la[na] != 0);
		lb += nb + (lb[nb] != 0);
		line++;
	}
	if (*la || *lb)
		fail_msg("%s: one result is longer, from line %d", what, line);
}

/* The same run alone in a child process, its result read back over a pipe */
static char *run_in_child(uint64_t seed)
{
	int fd[2];
	pid_t pid;
	struct sink in = { 0 };
	char buf[65536];
	ssize_t n;
	int status;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct run *x = malloc(sizeof(*x));
		close(fd[0]);
		run_init(x, seed);
		for (int i = 0; i < STEPS; i++)
			run_step(x);
		char *s = run_result(x);
		size_t len = strlen(s), off = 0;
		while (off < len) {
			ssize_t w = write(fd[1], s + off, len - off);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (in.len + (size_t)n + 2 > in.cap) {
			in.cap = (in.cap + (size_t)n + 2) * 2;
			in.buf = realloc(in.buf, in.cap);
		}
		memcpy(in.buf + in.len, buf, (size_t)n);
		in.len += (size_t)n;
		in.buf[in.len] = '\0';
	}
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return in.buf;
}

static void two_machines_interleaved(void **state)
{
	struct run *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char *ra, *rb, *rc;

	run_init(a, 7);
	run_init(b, 7);
	CHECK(a->m);
	CHECK(b->m);
	for (int i = 0; i < STEPS; i++) {
		run_step(a);
		run_step(b);
		if (i % 1000 == 999) {
			CHECK(a->m);
			CHECK(b->m);
		}
	}
	CHECK(a->m);
	CHECK(b->m);
	ra = run_result(a);
	rb = run_result(b);
	assert_true(strstr(ra, "mm_page_alloc") != NULL);
	assert_true(strlen(ra) > 10000);
	same(ra, rb, "two machines in one process");

	rc = run_in_child(7);
	same(ra, rc, "one process against a process of its own");
	free(rc);

	/* another seed, another result */
	rc = run_in_child(8);
	assert_true(strcmp(ra, rc) != 0);
	free(rc);

	free(ra);
	free(rb);
	run_free(a);
	run_free(b);
	free(a);
	free(b);
}

/* Two threaded machines, each started and driven from its own thread */
struct tmach { struct af_machine *m; int errors; char msg[256]; };

static void *threaded_machine(void *arg)
{
	struct tmach *t = arg;
	struct af_machine *m = t->m;
	uint64_t pfns[2048];
	int n = 0;

	if (af_daemons_start(m)) {
		t->errors++;
		snprintf(t->msg, sizeof(t->msg), "start: %s", af_errmsg());
		return NULL;
	}
	/* fill most of memory so that kswapd and kcompactd have work */
	for (int round = 0; round < 4; round++) {
		struct af_alloc_result res;
		while (n < 2048 && af_alloc_pages(m, round & 1, AF_GFP_HIGHUSER_MOVABLE, 4, -1, &res) == 0)
			pfns[n++] = res.pfn;
		while (n > 1024)
			af_free_pages(m, round & 1, pfns[--n], 4);
		af_clock_advance(m, 600ULL * 1000 * 1000);
	}
	while (n)
		af_free_pages(m, 0, pfns[--n], 4);
	af_daemons_stop(m);
	return NULL;
}

static void two_threaded_machines(void **state)
{
	struct tmach t[2];
	pthread_t th[2];

	for (int i = 0; i < 2; i++) {
		t[i] = (struct tmach){ .m = machine_from("mem = 160M\nnodes = 2\ncpus = 2\nthreaded = 1\n") };
		CHECK(t[i].m);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, threaded_machine, &t[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		if (t[i].errors)
			fail_msg("machine %d: %s", i, t[i].msg);
		CHECK(t[i].m);
		af_machine_destroy(t[i].m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_machines_interleaved),
		cmocka_unit_test(two_threaded_machines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
