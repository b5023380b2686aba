/*
 * policy.c - the table of policies: Linux 6.1 and the alternatives beside
 * it, looked up by name, with "NAME:KEY=VALUE:..." parameter specs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "policies.h"

/* Linux 6.1: every hook NULL, so the mechanism runs its own decisions */
const struct af_policy policy_linux = {
	.name = "linux",
	.summary = "Linux 6.1: grouping by mobility, fallbacks[] with stealing and claiming, "
		   "first-fit from the smallest order, two-scanner compaction",
	.source = "mm/page_alloc.c, mm/compaction.c of Linux 6.1",
};

static const struct af_policy *const policies[] = {
	&policy_linux,
	&policy_nogroup,
	&policy_restrict_steal,
	&policy_reserve,
	&policy_defrag2004,
	NULL,
};

const struct af_policy *const *policy_list(void)
{
	return policies;
}

const struct af_policy *policy_find(const char *name)
{
	for (int i = 0; policies[i]; i++)
		if (!strcmp(policies[i]->name, name))
			return policies[i];
	return NULL;
}

int policy_parse(const char *spec, const struct af_policy **out, long params[POLICY_MAX_PARAMS])
{
	char buf[256], *save = NULL, *tok;
	const struct af_policy *p;

	if (!spec || strlen(spec) >= sizeof(buf))
		return af_err(-EINVAL, "policy: bad specification");
	strcpy(buf, spec);
	tok = strtok_r(buf, ":", &save);
	if (!tok || !(p = policy_find(tok)))
		return af_err(-EINVAL, "policy: unknown policy '%s' (see `antifrag policies`)",
			      tok ? tok : "");
	for (int i = 0; i < p->nparams; i++)
		params[i] = p->params[i].def;
	while ((tok = strtok_r(NULL, ":", &save))) {
		char *eq = strchr(tok, '='), *end;
		int i;
		long v;

		if (!eq)
			return af_err(-EINVAL, "policy %s: expected KEY=VALUE, got '%s'", p->name, tok);
		*eq = '\0';
		for (i = 0; i < p->nparams; i++)
			if (!strcmp(p->params[i].name, tok))
				break;
		if (i == p->nparams)
			return af_err(-EINVAL, "policy %s: no parameter '%s'%s", p->name, tok,
				      p->nparams ? "" : " (it takes none)");
		errno = 0;
		v = strtol(eq + 1, &end, 10);
		if (end == eq + 1 || *end || errno || v < p->params[i].min || v > p->params[i].max)
			return af_err(-EINVAL, "policy %s: %s=%s is out of range %ld..%ld", p->name, tok,
				      eq + 1, p->params[i].min, p->params[i].max);
		params[i] = v;
	}
	*out = p;
	return 0;
}

long policy_param(const struct af_machine *m, int i)
{
	return m->pol_param[i];
}
