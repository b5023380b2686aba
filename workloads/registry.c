/*
 * registry.c - the table of workloads, looked up by name, with
 * "NAME:KEY=VALUE:..." parameter specs, and the result they fill.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

static const struct wl_entry *const entries[] = {
	&wl_world,
	&wl_mixed,
	&wl_selftest,
	&wl_fragfill,
	&wl_thpfault,
	&wl_stress_highalloc,
	&wl_thp_challenge,
	&wl_server_churn,
	&wl_mthp_churn,
	&wl_offline,
	&wl_cma,
	&wl_balloon,
	NULL,
};

static const struct wl_entry *find(const char *name)
{
	for (int i = 0; entries[i]; i++)
		if (!strcmp(entries[i]->info.name, name))
			return entries[i];
	return NULL;
}

/* The spec's entry and its parameters (defaults where unnamed) */
static int parse(const char *spec, const struct wl_entry **out, uint64_t p[AF_WL_MAX_PARAMS])
{
	char buf[512], *save = NULL, *tok;
	const struct wl_entry *e;

	if (!spec || strlen(spec) >= sizeof(buf))
		return af_err(-EINVAL, "workload: bad specification");
	strcpy(buf, spec);
	tok = strtok_r(buf, ":", &save);
	if (!tok || !(e = find(tok)))
		return af_err(-EINVAL, "workload: unknown workload '%s' (see `antifrag workloads`)",
			      tok ? tok : "");
	for (int i = 0; i < e->info.nparams; i++)
		p[i] = e->info.params[i].def;
	while ((tok = strtok_r(NULL, ":", &save))) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long v;
		int i;

		if (!eq)
			return af_err(-EINVAL, "workload %s: expected KEY=VALUE, got '%s'", e->info.name, tok);
		*eq = '\0';
		for (i = 0; i < e->info.nparams; i++)
			if (!strcmp(e->info.params[i].name, tok))
				break;
		if (i == e->info.nparams)
			return af_err(-EINVAL, "workload %s: no parameter '%s'%s", e->info.name, tok,
				      e->info.nparams ? " (see `antifrag workloads -v`)" : " (it takes none)");
		errno = 0;
		v = strtoull(eq + 1, &end, 10);
		if (end == eq + 1 || *end || errno || eq[1] == '-' || v < e->info.params[i].min ||
		    v > e->info.params[i].max)
			return af_err(-EINVAL, "workload %s: %s=%s is out of range %llu..%llu", e->info.name,
				      tok, eq + 1, (unsigned long long)e->info.params[i].min,
				      (unsigned long long)e->info.params[i].max);
		p[i] = v;
	}
	*out = e;
	return 0;
}

int af_workload_check(const char *spec)
{
	const struct wl_entry *e;
	uint64_t p[AF_WL_MAX_PARAMS];

	return parse(spec, &e, p);
}

int af_workload_info(int i, struct af_workload_info *out)
{
	if (i < 0 || !out)
		return -EINVAL;
	for (int k = 0; k <= i; k++)
		if (!entries[k])
			return -ENOENT;
	*out = entries[i]->info;
	return 0;
}

int af_workload_run(struct af_machine *m, const char *spec, struct af_workload_result *res)
{
	const struct wl_entry *e;
	uint64_t p[AF_WL_MAX_PARAMS];
	int ret;

	if (!m || !res)
		return af_err(-EINVAL, "no machine or no place for the result");
	memset(res, 0, sizeof(*res));
	if ((ret = parse(spec, &e, p)))
		return ret;
	if (!(res->text = calloc(1, 1)))
		return af_err(-ENOMEM, "out of memory");
	ret = e->run(m, p, res);
	if (ret)
		af_workload_result_free(res);
	return ret;
}

void af_workload_result_free(struct af_workload_result *res)
{
	if (!res)
		return;
	free(res->text);
	free(res->values);
	free(res->rows);
	memset(res, 0, sizeof(*res));
}

int af_workload_value(const struct af_workload_result *res, const char *name, double *v)
{
	for (int i = 0; res && name && i < res->nvalues; i++)
		if (!strcmp(res->values[i].name, name)) {
			if (v)
				*v = res->values[i].value;
			return 0;
		}
	return -ENOENT;
}

int wl_printf(struct af_workload_result *res, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *t;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return af_err(-EINVAL, "bad format");
	t = realloc(res->text, res->text_len + (size_t)n + 1);
	if (!t)
		return af_err(-ENOMEM, "out of memory");
	res->text = t;
	va_start(ap, fmt);
	vsnprintf(t + res->text_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	res->text_len += (size_t)n;
	return 0;
}

int wl_value(struct af_workload_result *res, const char *name, double v)
{
	struct af_workload_value *nv;

	if (res->nvalues == 0 || (res->nvalues >= 16 && !(res->nvalues & (res->nvalues - 1)))) {
		/* full: 16 at first, then doubled */
		nv = realloc(res->values, (size_t)(res->nvalues ? res->nvalues * 2 : 16) * sizeof(*nv));
		if (!nv)
			return af_err(-ENOMEM, "out of memory");
		res->values = nv;
	}
	nv = &res->values[res->nvalues++];
	snprintf(nv->name, sizeof(nv->name), "%s", name);
	nv->value = v;
	return 0;
}

int wl_table(struct af_workload_result *res, const char *name, const char *const *cols)
{
	snprintf(res->table, sizeof(res->table), "%s", name);
	res->ncols = 0;
	for (int i = 0; cols[i] && i < AF_WL_MAX_COLS; i++)
		snprintf(res->cols[res->ncols++], sizeof(res->cols[0]), "%s", cols[i]);
	return 0;
}

int wl_row(struct af_workload_result *res, const double *v)
{
	size_t n = (size_t)res->ncols;
	double *r;

	if (res->nrows == 0 || (res->nrows >= 16 && !(res->nrows & (res->nrows - 1)))) {
		r = realloc(res->rows, (res->nrows ? res->nrows * 2 : 16) * n * sizeof(*r));
		if (!r)
			return af_err(-ENOMEM, "out of memory");
		res->rows = r;
	}
	memcpy(res->rows + res->nrows * n, v, n * sizeof(*v));
	res->nrows++;
	return 0;
}
