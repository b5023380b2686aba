/*
 * policy.c - the table of policies: Linux 6.1 and the alternatives beside
 * it, looked up by name, with "NAME:KEY=VALUE:..." parameter specs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "policies.h"
#include "world.h"

static const struct af_policy *const policies[] = {
	&policy_linux,
	&policy_nogroup,
	&policy_restrict_steal,
	&policy_reserve,
	&policy_repay,
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

int af_policy_stat(struct af_machine *m, const char *name, uint64_t *val)
{
	if (!m || !name || !val)
		return af_err(-EINVAL, "bad arguments");
	if (!m->pol.stat || m->pol.stat(m, name, val))
		return af_err(-ENOENT, "policy %s has no counter '%s'", m->pol.name, name);
	return 0;
}

const char *const *af_policy_stat_names(const struct af_machine *m)
{
	static const char *const none[] = { NULL };

	return m && m->pol.stat_names ? m->pol.stat_names : none;
}

int af_policy_info(int i, struct af_policy_info *out)
{
	const struct af_policy *p;

	if (i < 0 || !out)
		return -EINVAL;
	for (int k = 0; k <= i; k++)
		if (!policies[k])
			return -ENOENT;
	p = policies[i];
	memset(out, 0, sizeof(*out));
	out->name = p->name;
	out->summary = p->summary;
	out->source = p->source;
	out->nparams = p->nparams;
	for (int k = 0; k < p->nparams && k < 4; k++) {
		out->params[k].name = p->params[k].name;
		out->params[k].min = p->params[k].min;
		out->params[k].max = p->params[k].max;
		out->params[k].def = p->params[k].def;
		out->params[k].help = p->params[k].help;
	}
	return 0;
}

int af_machine_policy(const struct af_machine *m, char *spec, size_t len)
{
	size_t n;

	if (!m || !spec || !len)
		return -EINVAL;
	n = (size_t)snprintf(spec, len, "%s", m->pol.name);
	for (int k = 0; k < m->pol.nparams && n < len; k++)
		n += (size_t)snprintf(spec + n, len - n, ":%s=%ld", m->pol.params[k].name, m->pol_param[k]);
	return n < len ? 0 : -ENOSPC;
}

/*
 * Switch a live machine to another policy (deterministic mode, or threaded
 * with the daemons stopped and no CPU thread running).  The old policy's
 * state goes (a repay record list is dropped, not paid back); the new one
 * starts from the machine as it is.  A policy with a mechanism flag changes
 * what boot set up (nogroup: every pageblock UNMOVABLE) and can be chosen
 * only at boot.
 */
int af_machine_set_policy(struct af_machine *m, const char *spec)
{
	const struct af_policy *p;
	long params[POLICY_MAX_PARAMS] = { 0 };
	struct af_policy old;
	long old_params[POLICY_MAX_PARAMS];
	void *old_state;
	int ret;

	if (!m)
		return af_err(-EINVAL, "no machine");
	if ((ret = policy_parse(spec, &p, params)))
		return ret;
	if (m->daemons)
		return af_err(-EBUSY, "policy: stop the daemons before switching");
	if ((p->mech & POLICY_MECH_NEEDS_WORLD) && !m->wops)
		return af_err(-EINVAL, "policy %s needs the world, which this machine has not", p->name);
	if ((p->mech | m->pol.mech) & POLICY_MECH_NO_GROUPING && p->mech != m->pol.mech)
		return af_err(-EINVAL, "policy %s: changes pageblock grouping, which is set at boot "
			      "(choose it with the config key `policy`)",
			      (p->mech & POLICY_MECH_NO_GROUPING) ? p->name : m->pol.name);
	old = m->pol;
	memcpy(old_params, m->pol_param, sizeof(old_params));
	old_state = m->pol_state;
	m->pol = *p;
	memcpy(m->pol_param, params, sizeof(m->pol_param));
	m->pol_state = NULL;
	if (p->init && (ret = p->init(m))) {
		/* the new one cannot start: keep the old one as it was */
		m->pol = old;
		memcpy(m->pol_param, old_params, sizeof(old_params));
		m->pol_state = old_state;
		return ret;
	}
	if (old_state && old.destroy) {
		struct af_policy now = m->pol;
		void *now_state = m->pol_state;
		m->pol = old;
		m->pol_state = old_state;
		old.destroy(m);
		m->pol = now;
		m->pol_state = now_state;
	}
	return 0;
}

int af_policy_check(const char *spec)
{
	const struct af_policy *p;
	long params[POLICY_MAX_PARAMS];

	return policy_parse(spec, &p, params);
}

/*
 * A machine with its world and its policy: the allocator boots with the
 * policy the config names, the world registers its operations, then the
 * policy starts (init).
 */
int af_machine_create(const struct af_config *cfg, struct af_machine **out)
{
	const struct af_policy *p = &policy_linux;
	long params[POLICY_MAX_PARAMS] = { 0 };
	struct af_machine *m;
	int ret;

	if (!cfg || !out)
		return af_err(-EINVAL, "bad arguments");
	if (cfg->policy[0] && (ret = policy_parse(cfg->policy, &p, params)))
		return ret;
	if ((ret = machine_boot(cfg, p, params, &m)))
		return ret;
	if ((ret = world_init(m))) {
		af_machine_destroy(m);
		return ret;
	}
	if ((m->pol.init && (ret = m->pol.init(m))) || (ret = machine_boot_late(m))) {
		af_machine_destroy(m);
		return ret;
	}
	*out = m;
	return 0;
}
