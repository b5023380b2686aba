/*
 * tracedat.h - trace-cmd's binary trace.dat as a source of events for
 * af_replay_source(), read through Debian's libtracecmd.  Above the
 * library: the allocator and the rest of libantifrag do not depend on it.
 */
#ifndef ANTIFRAG_TRACEDAT_H
#define ANTIFRAG_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>

#include "antifrag.h"

struct af_tracedat;

/* Whether the file at path starts as a trace.dat does (its magic) */
bool af_tracedat_is(const char *path);

/*
 * Open a trace.dat: the top-level buffer's events, or, when it has none,
 * those of its first buffer instance (tools/capture.sh records into one).
 * NULL on failure, with a one-line reason in err[len].
 */
struct af_tracedat *af_tracedat_open(const char *path, char *err, size_t len);

/*
 * af_trace_next_fn over the open trace (arg: the struct af_tracedat):
 * its records in time order over the CPUs, a lost-events item before a
 * record the buffer dropped events ahead of.
 */
enum af_trace_item af_tracedat_next(void *arg, struct af_event *ev, char *why, size_t len);

void af_tracedat_close(struct af_tracedat *t);

#endif
