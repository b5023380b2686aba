/*
 * sysctl.c - the vm.* tunables: one table with each sysctl's kernel range
 * and the side effect a write has (kernel/sysctl.c, mm/page_alloc.c
 * handlers: min_free_kbytes_sysctl_handler, watermark_scale_factor_sysctl_handler,
 * lowmem_reserve_ratio_sysctl_handler, percpu_pagelist_high_fraction_sysctl_handler).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "compaction.h"

#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

enum sysctl_effect { EFF_NONE, EFF_WMARKS, EFF_MIN_FREE, EFF_LOWMEM, EFF_PCP, EFF_PROACTIVE };

struct sysctl_def {
	const char *name;
	size_t off;		/* offset into struct vm_sysctls */
	long min, max;
	int nr;			/* array length (lowmem_reserve_ratio) */
	enum sysctl_effect effect;
};

#define VMOFF(f) offsetof(struct vm_sysctls, f)
static const struct sysctl_def sysctls[] = {
	{ "min_free_kbytes", VMOFF(min_free_kbytes), 0, INT_MAX, 1, EFF_MIN_FREE },
	{ "watermark_scale_factor", VMOFF(watermark_scale_factor), 1, 3000, 1, EFF_WMARKS },
	{ "watermark_boost_factor", VMOFF(watermark_boost_factor), 0, INT_MAX, 1, EFF_NONE },
	{ "lowmem_reserve_ratio", VMOFF(lowmem_reserve_ratio), INT_MIN, INT_MAX, MAX_NR_ZONES, EFF_LOWMEM },
	{ "percpu_pagelist_high_fraction", VMOFF(percpu_pagelist_high_fraction), 0, INT_MAX, 1, EFF_PCP },
	{ "extfrag_threshold", VMOFF(extfrag_threshold), 0, 1000, 1, EFF_NONE },
	{ "compaction_proactiveness", VMOFF(compaction_proactiveness), 0, 100, 1, EFF_PROACTIVE },
	{ "compact_unevictable_allowed", VMOFF(compact_unevictable_allowed), 0, 1, 1, EFF_NONE },
};

void vm_sysctls_default(struct vm_sysctls *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->min_free_kbytes = 1024;	/* overwritten at boot */
	vm->watermark_scale_factor = 10;
	vm->watermark_boost_factor = 15000;
	vm->lowmem_reserve_ratio[ZONE_DMA] = 256;
	vm->lowmem_reserve_ratio[ZONE_DMA32] = 256;
	vm->lowmem_reserve_ratio[ZONE_NORMAL] = 32;
	vm->lowmem_reserve_ratio[ZONE_MOVABLE] = 0;
	vm->lowmem_reserve_ratio[ZONE_DEVICE] = 0;
	vm->percpu_pagelist_high_fraction = 0;
	vm->extfrag_threshold = 500;
	vm->compaction_proactiveness = 20;
	vm->compact_unevictable_allowed = 1;
}

const char *af_sysctl_name(int i)
{
	if (i >= 0 && (size_t)i < ARRAY_SIZE(sysctls))
		return sysctls[i].name;
	return (size_t)i == ARRAY_SIZE(sysctls) ? "nr_hugepages" : NULL;
}

static const struct sysctl_def *find_sysctl(const char *name)
{
	if (!strncmp(name, "vm.", 3))
		name += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sysctls); i++)
		if (!strcmp(sysctls[i].name, name))
			return &sysctls[i];
	return NULL;
}

/* proc_dointvec: integers separated by blanks, optional trailing newline */
static int parse_ints(const char *name, const char *s, long *vals, int max, int *nr)
{
	int n = 0;

	while (*s) {
		char *end;
		long v;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		if (n == max)
			return af_err(-EINVAL, "vm.%s: too many values", name);
		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || errno || (*end && *end != ' ' && *end != '\t' && *end != '\n'))
			return af_err(-EINVAL, "vm.%s: '%s' is not an integer", name, s);
		if (v < INT_MIN || v > INT_MAX)
			return af_err(-EINVAL, "vm.%s: %ld does not fit an int", name, v);
		vals[n++] = v;
		s = end;
	}
	if (!n)
		return af_err(-EINVAL, "vm.%s: no value given", name);
	*nr = n;
	return 0;
}

/* Validate and store into vm; no side effects.  Used by configs and writes. */
static int sysctl_store(struct vm_sysctls *vm, const struct sysctl_def *d, const char *value)
{
	long vals[MAX_NR_ZONES];
	int nr = 0, ret;
	int *field = (int *)((char *)vm + d->off);

	ret = parse_ints(d->name, value, vals, d->nr, &nr);
	if (ret)
		return ret;
	for (int i = 0; i < nr; i++)
		if (vals[i] < d->min || vals[i] > d->max)
			return af_err(-EINVAL, "vm.%s: %ld is out of range [%ld, %ld]", d->name,
				      vals[i], d->min, d->max);
	if (d->effect == EFF_PCP && vals[0] && vals[0] < MIN_PERCPU_PAGELIST_HIGH_FRACTION)
		return af_err(-EINVAL, "vm.%s: %ld is below the minimum %d (or 0)", d->name,
			      vals[0], MIN_PERCPU_PAGELIST_HIGH_FRACTION);
	for (int i = 0; i < nr; i++) {
		int v = (int)vals[i];
		if (d->effect == EFF_LOWMEM && v < 1)
			v = 0;	/* lowmem_reserve_ratio_sysctl_handler */
		field[i] = v;
	}
	return 0;
}

int sysctl_set_cfg(struct vm_sysctls *vm, const char *name, const char *value, bool *mfk)
{
	const struct sysctl_def *d = find_sysctl(name);
	int ret;

	if (!d)
		return af_err(-ENOENT, "unknown sysctl '%s'", name);
	ret = sysctl_store(vm, d, value);
	if (!ret && d->effect == EFF_MIN_FREE && mfk)
		*mfk = true;
	return ret;
}

int af_sysctl_write(struct af_machine *m, const char *name, const char *value)
{
	const struct sysctl_def *d;
	struct vm_sysctls tmp;
	int ret;

	if (!m || !name || !value)
		return af_err(-EINVAL, "bad arguments");
	if (!strncmp(name, "vm.", 3))
		name += 3;
	/* /sys/kernel/mm/transparent_hugepage/{enabled,defrag} */
	if (!strcmp(name, "/sys/kernel/mm/transparent_hugepage/enabled") ||
	    !strcmp(name, "/sys/kernel/mm/transparent_hugepage/defrag")) {
		struct af_config thp = m->cfg;
		char v[32];
		size_t n = strcspn(value, "\n");
		int err;
		if (n >= sizeof(v))
			return af_err(-EINVAL, "%s: bad value", name);
		memcpy(v, value, n);
		v[n] = 0;
		err = af_config_set(&thp, strstr(name, "defrag") ? "transparent_hugepage_defrag"
								 : "transparent_hugepage", v);
		if (err)
			return err;
		__atomic_store_n(&m->thp, thp.thp, __ATOMIC_RELAXED);
		__atomic_store_n(&m->thp_defrag, thp.thp_defrag, __ATOMIC_RELAXED);
		return 0;
	}
	/* sysctl_compaction_handler(): any write compacts every node */
	if (!strcmp(name, "compact_memory"))
		return af_compact_memory(m);
	/* hugetlb_sysctl_handler(): resize the pool (proc_doulongvec_minmax) */
	if (!strcmp(name, "nr_hugepages")) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(value, &end, 10);
		while (*end == ' ' || *end == '\n')
			end++;
		if (end == value || *end || errno || *value == '-')
			return af_err(-EINVAL, "vm.nr_hugepages: '%s' is not a non-negative integer", value);
		if (!m->wops)
			return af_err(-EOPNOTSUPP, "vm.nr_hugepages: no hugetlb pool without a world");
		return m->wops->hugetlb_resize(m, (unsigned long)v, NULL);
	}
	d = find_sysctl(name);
	if (!d)
		return af_err(-ENOENT, "unknown sysctl '%s'", name);
	if (m->threaded)
		pthread_mutex_lock(&m->global_lock);
	tmp = m->vm;
	ret = sysctl_store(&tmp, d, value);
	if (ret)
		goto out;
	/* field by field, each atomically: readers do not take the lock (VM_SYSCTL) */
	for (size_t i = 0; i < sizeof(tmp) / sizeof(int); i++)
		__atomic_store_n((int *)&m->vm + i, ((const int *)&tmp)[i], __ATOMIC_RELAXED);
	switch (d->effect) {
	case EFF_MIN_FREE:
		m->user_min_free_kbytes = m->vm.min_free_kbytes;
		setup_per_zone_wmarks(m);
		break;
	case EFF_WMARKS:
		setup_per_zone_wmarks(m);
		break;
	case EFF_LOWMEM:
		setup_per_zone_lowmem_reserve(m);
		break;
	case EFF_PCP:
		for (int n = 0; n < m->nr_nodes; n++)
			for (int t = 0; t < MAX_NR_ZONES; t++)
				zone_pcp_update(&m->node[n]->node_zones[t]);
		break;
	case EFF_PROACTIVE:
		/* a write wakes kcompactd for a proactive check */
		if (m->vm.compaction_proactiveness)
			for (int n = 0; n < m->nr_nodes; n++)
				m->node[n]->proactive_compact_trigger = true;
		break;
	case EFF_NONE:
		break;
	}
out:
	if (m->threaded)
		pthread_mutex_unlock(&m->global_lock);
	return ret;
}

int af_sysctl_read(struct af_machine *m, const char *name, char *buf, size_t len)
{
	const struct sysctl_def *d;
	const int *field;
	size_t used = 0;

	if (!m || !name || !buf || !len)
		return af_err(-EINVAL, "bad arguments");
	if (!strncmp(name, "vm.", 3))
		name += 3;
	if (!strcmp(name, "nr_hugepages")) {
		snprintf(buf, len, "%lu", m->wops ? m->wops->hugetlb_pool_size(m) : 0UL);
		return 0;
	}
	if (!strcmp(name, "compact_memory"))
		return af_err(-EACCES, "vm.compact_memory is write-only");
	d = find_sysctl(name);
	if (!d)
		return af_err(-ENOENT, "unknown sysctl '%s'", name);
	field = (const int *)((const char *)&m->vm + d->off);
	buf[0] = '\0';
	for (int i = 0; i < d->nr && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "\t" : "", field[i]);
	return 0;
}
