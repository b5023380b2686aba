/*
 * daemons.c - the node daemons as the model runs them: kswapd (vmscan.c)
 * and kcompactd (kcompactd.c), one each per node.  Threaded mode starts a
 * real thread for each (kswapd_run()/kcompactd_run() in 6.1 start the
 * kthreads); deterministic mode steps them with af_run_daemons().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compaction.h"

struct daemon_arg { struct af_machine *m; int nid; bool kcompactd; };

struct daemons {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int nthreads;
	pthread_t threads[2 * AF_MAX_NODES];
	struct daemon_arg args[2 * AF_MAX_NODES];	/* what each thread runs */
};

void daemons_kick(struct af_machine *m)
{
	struct daemons *d = m->daemons;

	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void *daemon_main(void *arg)
{
	struct daemon_arg *a = arg;
	struct af_machine *m = a->m;
	struct daemons *d = m->daemons;
	struct pglist_data *pg = m->node[a->nid];

	for (;;) {
		struct timespec ts;
		pthread_mutex_lock(&d->mu);
		if (d->stop) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000;	/* poll the virtual clock every 10 ms */
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->cv, &d->mu, &ts);
		bool stop = d->stop;
		pthread_mutex_unlock(&d->mu);
		if (stop)
			break;
		if (a->kcompactd)
			kcompactd_run(m, pg);
		else
			kswapd_run(m, pg);
	}
	return NULL;
}

int af_daemons_start(struct af_machine *m)
{
	struct daemons *d;

	if (!m || !m->threaded)
		return af_err(-EINVAL, "daemon threads need a threaded machine (threaded = 1)");
	if (m->daemons)
		return af_err(-EBUSY, "daemons already running");
	d = calloc(1, sizeof(*d));
	if (!d)
		return af_err(-ENOMEM, "out of memory");
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	m->daemons = d;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int k = 0; k < 2; k++) {
			struct daemon_arg *a = &d->args[2 * n + k];
			*a = (struct daemon_arg){ m, n, k == 1 };
			if (pthread_create(&d->threads[d->nthreads], NULL, daemon_main, a) == 0)
				d->nthreads++;
		}
	return 0;
}

int af_daemons_stop(struct af_machine *m)
{
	struct daemons *d;

	if (!m || !(d = m->daemons))
		return af_err(-EINVAL, "daemons are not running");
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	for (int i = 0; i < d->nthreads; i++)
		pthread_join(d->threads[i], NULL);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
	m->daemons = NULL;
	return 0;
}

/* One step of the daemons in deterministic mode: kswapd, then kcompactd */
int af_run_daemons(struct af_machine *m)
{
	if (!m)
		return af_err(-EINVAL, "no machine");
	for (int n = 0; n < m->nr_nodes; n++) {
		kswapd_run(m, m->node[n]);
		kcompactd_run(m, m->node[n]);
	}
	return 0;
}
