/*
 * progress.c - a progress bar on stderr when stderr is a terminal: the
 * workload's phase and how far through it, the virtual clock, the page
 * allocator's events so far (pgalloc_* + pgfree) and the phase's ETA from
 * its wall time so far.  Redrawn at most ten times a second; nothing at all
 * when stderr is not a terminal (or AF_NO_PROGRESS is set).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void progress_init(struct progress *p, struct af_machine *m, const char *prefix)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO) && !getenv("AF_NO_PROGRESS");
	p->m = m;
	snprintf(p->prefix, sizeof(p->prefix), "%s", prefix ? prefix : "");
	p->phase_t0 = p->last = wall_seconds();
}

static uint64_t events(struct af_machine *m)
{
	static const char *const names[] = { "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal",
					     "pgalloc_movable", "pgfree" };
	uint64_t sum = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sum += cli_vmstat(m, names[i]);
	return sum;
}

static void human(char *buf, size_t len, double v)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

void progress_phase(struct progress *p, const struct af_phase *ph)
{
	double now;
	char bar[24], ev[16], eta[32] = "";

	if (!p->on)
		return;
	now = wall_seconds();
	if (ph->kind != AF_PHASE_COMPACT_END && strcmp(p->phase, ph->name)) {
		snprintf(p->phase, sizeof(p->phase), "%s", ph->name);
		p->phase_t0 = now;
	} else if (now - p->last < 0.1) {
		return;
	}
	p->last = now;
	human(ev, sizeof(ev), (double)events(p->m));
	const char *name = ph->name;
	if (ph->kind == AF_PHASE_PROGRESS && ph->total) {
		double f = (double)ph->done / (double)ph->total;
		int n = (int)(f * 20);
		memset(bar, '#', (size_t)n);
		memset(bar + n, '.', (size_t)(20 - n));
		bar[20] = 0;
		if (ph->done && now - p->phase_t0 > 0.5)
			snprintf(eta, sizeof(eta), " ETA %.0f s",
				 (now - p->phase_t0) * (double)(ph->total - ph->done) / (double)ph->done);
		fprintf(stderr, "\r%s%s [%s] %3.0f%% | virtual %.3f s | %s events%s\033[K", p->prefix, name,
			bar, 100 * f, (double)ph->clock_ns / 1e9, ev, eta);
	} else {
		fprintf(stderr, "\r%s%s | virtual %.3f s | %s events\033[K", p->prefix, name,
			(double)ph->clock_ns / 1e9, ev);
	}
	fflush(stderr);
	p->drawn = true;
}

void progress_end(struct progress *p)
{
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = false;
}
