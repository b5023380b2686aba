// SPDX-License-Identifier: GPL-2.0
/*
 * kchurn - the 6.1 page allocator's own speed and two-CPU scaling on the
 * churns bench/bench_alloc.c runs on antifrag:
 *   order0: alloc_pages(GFP_KERNEL, 0) and __free_pages() of it, in pairs;
 *   mixed:  32 slots; free a random one and allocate a random order 0..10
 *           in its place (GFP_KERNEL).
 * Each churn runs on one kthread bound to CPU 0, then on two bound to CPUs
 * 0 and 1 started together, alternated `reps` times.  One line per thread
 * and run goes to the kernel log; the experiment's runner (kchurn.build)
 * takes the medians.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/completion.h>
#include <linux/sched.h>
#include <linux/atomic.h>

static unsigned long pairs = 2000000;
module_param(pairs, ulong, 0444);
static int reps = 7;
module_param(reps, int, 0444);

enum { SLOTS = 32, MAX_CHURN_ORDER = 10 };

struct churn {
	bool mixed;
	unsigned long n;
	int threads;
	atomic_t *ready;
	atomic_t *go;
	u64 ns;
	unsigned long fails;
	u64 rng;
	struct completion done;
};

static u64 churn_rand(struct churn *c)
{
	/* xorshift64 */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static void churn_step(struct churn *c, struct page **slot, unsigned int *ord, int k)
{
	unsigned int o = churn_rand(c) % (MAX_CHURN_ORDER + 1);

	if (slot[k])
		__free_pages(slot[k], ord[k]);
	slot[k] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, o);
	ord[k] = o;
	if (!slot[k])
		c->fails++;
}

static int churn_fn(void *arg)
{
	struct churn *c = arg;
	struct page *slot[SLOTS] = { NULL };
	unsigned int ord[SLOTS] = { 0 };
	unsigned long i;
	struct page *p;
	u64 t0;
	int k;

	if (c->mixed) {
		for (k = 0; k < SLOTS; k++)
			churn_step(c, slot, ord, k);
	} else {
		for (i = 0; i < 1000; i++) {
			p = alloc_pages(GFP_KERNEL, 0);
			if (p)
				__free_pages(p, 0);
		}
	}
	/* the last one ready starts them all; the others yield while they wait */
	if (atomic_inc_return(c->ready) == c->threads)
		atomic_set(c->go, 1);
	while (!atomic_read(c->go))
		cond_resched();
	t0 = ktime_get_ns();
	for (i = 0; i < c->n; i++) {
		if (c->mixed) {
			churn_step(c, slot, ord, churn_rand(c) % SLOTS);
		} else {
			p = alloc_pages(GFP_KERNEL, 0);
			if (p)
				__free_pages(p, 0);
			else
				c->fails++;
		}
		if (!(i & 1023))
			cond_resched();
	}
	c->ns = ktime_get_ns() - t0;
	for (k = 0; k < SLOTS; k++)
		if (slot[k])
			__free_pages(slot[k], ord[k]);
	complete(&c->done);
	return 0;
}

static void run(bool mixed, int threads, int rep)
{
	static struct churn c[2];
	atomic_t ready = ATOMIC_INIT(0), go = ATOMIC_INIT(0);
	struct task_struct *t;
	int i;

	for (i = 0; i < threads; i++) {
		c[i] = (struct churn){ .mixed = mixed, .n = pairs, .threads = threads,
				       .ready = &ready, .go = &go,
				       .rng = 0x9e3779b97f4a7c15ULL * (u64)(i + 1 + 2 * rep) };
		init_completion(&c[i].done);
		t = kthread_create(churn_fn, &c[i], "kchurn/%d", i);
		if (IS_ERR(t)) {
			pr_err("kchurn: kthread_create failed\n");
			return;
		}
		kthread_bind(t, i);
		wake_up_process(t);
	}
	for (i = 0; i < threads; i++)
		wait_for_completion(&c[i].done);
	for (i = 0; i < threads; i++)
		pr_info("kchurn %s threads=%d rep=%d cpu=%d pairs=%lu ns=%llu fails=%lu\n",
			mixed ? "mixed" : "order0", threads, rep, i, c[i].n, c[i].ns, c[i].fails);
}

static int __init kchurn_init(void)
{
	int rep;

	if (num_online_cpus() < 2) {
		pr_err("kchurn: needs two CPUs\n");
		return -ENODEV;
	}
	for (rep = 0; rep < reps; rep++) {
		run(false, 1, rep);
		run(false, 2, rep);
	}
	for (rep = 0; rep < reps; rep++) {
		run(true, 1, rep);
		run(true, 2, rep);
	}
	pr_info("kchurn done\n");
	return 0;
}

static void __exit kchurn_exit(void)
{
}

module_init(kchurn_init);
module_exit(kchurn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("page allocator churn: speed and two-CPU scaling");
