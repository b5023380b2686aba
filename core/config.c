/*
 * config.c - machine configuration: defaults, "key = value" files in
 * sysctl.conf syntax, and validation of explicit layouts.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"

int af_config_new(struct af_config **out)
{
	struct af_config *c;

	if (!out)
		return af_err(-EINVAL, "no place for the configuration");
	c = calloc(1, sizeof(*c));
	if (!c)
		return af_err(-ENOMEM, "out of memory");
	c->mem_bytes = 4ULL << 30;
	c->nr_nodes = 1;
	c->nr_cpus = 2;
	c->thp = THP_ALWAYS;
	c->thp_defrag = DEFRAG_MADVISE;
	c->seed = 1;
	c->writeback_ns = 1000000;	/* 1 ms */
	vm_sysctls_default(&c->vm);
	*out = c;
	return 0;
}

void af_config_free(struct af_config *cfg)
{
	if (cfg)
		free(cfg->pfn_map);
	free(cfg);
}

int af_config_set_pfn_map(struct af_config *cfg, const uint8_t *map, uint64_t npfns)
{
	uint8_t *copy;

	if (!cfg || (!map && npfns))
		return af_err(-EINVAL, "bad arguments");
	if (npfns >= (1ULL << 32))
		return af_err(-EINVAL, "a pfn map of %llu frames: pfns are 32 bits", (unsigned long long)npfns);
	for (uint64_t i = 0; i < npfns; i++)
		if (map[i] > AF_PFN_MAP_FREE)
			return af_err(-EINVAL, "pfn map: class %u at pfn 0x%llx", map[i], (unsigned long long)i);
	copy = npfns ? malloc(npfns) : NULL;
	if (npfns && !copy)
		return af_err(-ENOMEM, "out of memory");
	if (npfns)
		memcpy(copy, map, npfns);
	free(cfg->pfn_map);
	cfg->pfn_map = copy;
	cfg->pfn_map_len = npfns;
	return 0;
}

/* Decimal, or hexadecimal with 0x: a leading zero is not octal ("010" is ten) */
static unsigned long long strtou_dec_hex(const char *s, char **end)
{
	const char *p = s;

	while (isspace((unsigned char)*p))
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
		return strtoull(p + 2, end, 16);
	return strtoull(s, end, 10);
}

static int parse_long(const char *key, const char *v, long min, long max, long *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (end == v || *end || errno)
		return af_err(-EINVAL, "%s: '%s' is not an integer", key, v);
	if (x < min || x > max)
		return af_err(-EINVAL, "%s: %ld is out of range [%ld, %ld]", key, x, min, max);
	*out = x;
	return 0;
}

static int zone_by_name(const char *s)
{
	for (int t = 0; t < MAX_NR_ZONES; t++)
		if (!strcmp(s, zone_names[t]))
			return t;
	return -1;
}

/* node.N.zone.NAME = START SPANNED PRESENT MANAGED [LATE_FREED] */
static int set_zone(struct af_config *c, const char *key, int nid, const char *zname,
		    const char *v)
{
	unsigned long vals[5] = { 0 };
	int n = 0, t = zone_by_name(zname);
	const char *s = v;

	if (t < 0 || t == ZONE_DEVICE)
		return af_err(-EINVAL, "%s: unknown zone '%s' (DMA, DMA32, Normal, Movable)", key, zname);
	while (*s) {
		char *end;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (n == 5)
			return af_err(-EINVAL, "%s: too many numbers", key);
		errno = 0;
		vals[n] = (unsigned long)strtou_dec_hex(s, &end);
		if (end == s || errno || (*end && !isspace((unsigned char)*end)) || *s == '-')
			return af_err(-EINVAL, "%s: '%s' is not a list of numbers", key, v);
		n++;
		s = end;
	}
	if (n < 4)
		return af_err(-EINVAL, "%s: expected START SPANNED PRESENT MANAGED [LATE_FREED]", key);
	struct zone_cfg *z = &c->nodes[nid].zones[t];
	z->start_pfn = vals[0];
	z->spanned = vals[1];
	z->present = vals[2];
	z->managed = vals[3];
	z->late_freed = vals[4];
	z->hole_start = 0;
	z->set = true;
	c->explicit_layout = true;
	return 0;
}

int af_config_set(struct af_config *c, const char *key, const char *value)
{
	long x;
	int ret;

	if (!c || !key || !value)
		return af_err(-EINVAL, "bad arguments");
	if (!strcmp(key, "mem")) {
		uint64_t b;
		if (af_parse_size(value, &b))
			return af_err(-EINVAL, "mem: bad size '%s'", value);
		if (layout_check_mem(b))
			return -EINVAL;
		c->mem_bytes = b;
		return 0;
	}
	if (!strcmp(key, "cma_size")) {
		uint64_t b;
		if (af_parse_size(value, &b))
			return af_err(-EINVAL, "cma_size: bad size '%s'", value);
		c->cma_bytes = b;
		if (b)
			c->cma_enabled = true;
		return 0;
	}
	if (!strcmp(key, "movablecore")) {
		uint64_t b;
		if (af_parse_size(value, &b))
			return af_err(-EINVAL, "movablecore: bad size '%s'", value);
		c->movablecore_bytes = b;
		return 0;
	}
	if (!strcmp(key, "nodes")) {
		ret = parse_long(key, value, 1, AF_MAX_NODES, &x);
		if (!ret)
			c->nr_nodes = (int)x;
		return ret;
	}
	if (!strcmp(key, "cpus")) {
		ret = parse_long(key, value, 1, AF_MAX_CPUS, &x);
		if (!ret)
			c->nr_cpus = (int)x;
		return ret;
	}
	if (!strcmp(key, "policy")) {
		/* the policy table sits above the kernel model: the name and the
		 * parameters are resolved when the machine is created
		 * (af_policy_check tells now); here only the shape is checked */
		size_t n = strlen(value);
		if (!n || n >= sizeof(c->policy))
			return af_err(-EINVAL, "policy: '%s' is not a policy specification", value);
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)value[i]) && !strchr("-_:=", value[i]))
				return af_err(-EINVAL, "policy: '%s' is not a policy specification "
					      "(NAME[:KEY=VALUE...])", value);
		memcpy(c->policy, value, n + 1);
		return 0;
	}
	if (!strcmp(key, "seed")) {
		char *end;
		errno = 0;
		unsigned long long s = strtou_dec_hex(value, &end);
		if (end == value || *end || errno || *value == '-')
			return af_err(-EINVAL, "seed: '%s' is not an unsigned integer", value);
		c->seed = s;
		return 0;
	}
	if (!strcmp(key, "threaded") || !strcmp(key, "cma") || !strcmp(key, "contents")) {
		ret = parse_long(key, value, 0, 1, &x);
		if (!ret) {
			if (key[0] == 't')
				c->threaded = x;
			else if (key[1] == 'm')
				c->cma_enabled = x;
			else
				c->contents = x;
		}
		return ret;
	}
	if (!strcmp(key, "writeback_us")) {	/* the storage's speed: up to 1000 s a page */
		ret = parse_long(key, value, 1, 1000000000L, &x);
		if (!ret)
			c->writeback_ns = (uint64_t)x * 1000;
		return ret;
	}
	if (!strcmp(key, "kaslr")) {
		ret = parse_long(key, value, 0, 1, &x);
		if (!ret)
			c->nokaslr = !x;
		return ret;
	}
	if (!strcmp(key, "boot")) {
		if (strcmp(value, "linux") && strcmp(value, "clean"))
			return af_err(-EINVAL, "boot: '%s' is not linux or clean", value);
		c->clean_boot = value[0] == 'c';
		return 0;
	}
	if (!strcmp(key, "compaction")) {
		ret = parse_long(key, value, 0, 1, &x);
		if (!ret)
			c->no_compaction = !x;
		return ret;
	}
	if (!strcmp(key, "transparent_hugepage_defrag")) {
		static const char *const names[] = { "always", "defer", "defer+madvise", "madvise", "never" };
		for (int i = 0; i < 5; i++)
			if (!strcmp(value, names[i])) {
				c->thp_defrag = (enum thp_defrag)i;
				return 0;
			}
		return af_err(-EINVAL, "transparent_hugepage_defrag: '%s' is not always|defer|defer+madvise|madvise|never", value);
	}
	if (!strcmp(key, "transparent_hugepage")) {
		if (!strcmp(value, "always"))
			c->thp = THP_ALWAYS;
		else if (!strcmp(value, "madvise"))
			c->thp = THP_MADVISE;
		else if (!strcmp(value, "never"))
			c->thp = THP_NEVER;
		else
			return af_err(-EINVAL, "transparent_hugepage: '%s' is not always|madvise|never", value);
		return 0;
	}
	if (!strncmp(key, "vm.", 3))
		return sysctl_set_cfg(&c->vm, key, value, &c->vm_set_min_free_kbytes);
	if (!strncmp(key, "node.", 5)) {
		char *end;
		long nid = strtol(key + 5, &end, 10);
		if (end == key + 5 || nid < 0 || nid >= AF_MAX_NODES)
			return af_err(-EINVAL, "%s: bad node number", key);
		if (!strncmp(end, ".zone.", 6))
			return set_zone(c, key, (int)nid, end + 6, value);
		if (!strcmp(end, ".distance")) {
			const char *s = value;
			int i = 0;
			while (*s) {
				char *e;
				while (isspace((unsigned char)*s))
					s++;
				if (!*s)
					break;
				long d = strtol(s, &e, 10);
				if (e == s || d < 10 || d > 255 || i >= AF_MAX_NODES)
					return af_err(-EINVAL, "%s: distances are 10..255, one per node", key);
				c->nodes[nid].distance[i++] = (int)d;
				s = e;
			}
			c->nodes[nid].distance_set = true;
			return 0;
		}
		return af_err(-EINVAL, "unknown key '%s'", key);
	}
	return af_err(-EINVAL, "unknown key '%s'", key);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int af_config_load_string(struct af_config *c, const char *text)
{
	const char *p = text;
	int lineno = 0;

	if (!c || !text)
		return af_err(-EINVAL, "no configuration or no text");
	while (*p) {
		char line[1024];
		size_t n = strcspn(p, "\n");
		char *eq, *k, *v;
		int ret;

		lineno++;
		if (n >= sizeof(line))
			return af_err(-EINVAL, "line %d: too long", lineno);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		if (*p == '\n')
			p++;
		k = trim(line);
		if (!*k || *k == '#' || *k == ';')
			continue;
		eq = strchr(k, '=');
		if (!eq)
			return af_err(-EINVAL, "line %d: expected 'key = value'", lineno);
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		if (!*k || !*v)
			return af_err(-EINVAL, "line %d: empty key or value", lineno);
		ret = af_config_set(c, k, v);
		if (ret) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", af_errmsg());
			return af_err(ret, "line %d: %s", lineno, msg);
		}
	}
	return 0;
}

/* A config file is at most this large (a sysctl.conf is a few KiB) */
#define CONFIG_MAX_BYTES	(16L << 20)

int af_config_load(struct af_config *c, const char *path)
{
	struct stat sb;
	char *buf;
	size_t len = 0;
	int fd, ret;

	if (!c || !path)
		return af_err(-EINVAL, "no configuration or no path");
	/* O_NONBLOCK: a FIFO without a writer must not block the open */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return af_err(-ENOENT, "cannot open config '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return af_err(-EINVAL, "config '%s' is not a regular file", path);
	}
	if (sb.st_size > CONFIG_MAX_BYTES) {
		close(fd);
		return af_err(-EFBIG, "config '%s' is larger than the limit of 16 MiB", path);
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return af_err(-ENOMEM, "out of memory");
	}
	/* read to the end: a /proc file says it is empty and is not */
	for (;;) {
		ssize_t n = read(fd, buf + len, CONFIG_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(buf);
			close(fd);
			return af_err(-EIO, "cannot read config '%s': %s", path, strerror(err));
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_BYTES) {
			free(buf);
			close(fd);
			return af_err(-EFBIG, "config '%s' is larger than the limit of 16 MiB", path);
		}
	}
	close(fd);
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(buf);
		return af_err(-EINVAL, "config '%s' is not a text file", path);
	}
	ret = af_config_load_string(c, buf);
	free(buf);
	if (ret) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", af_errmsg());
		return af_err(ret, "%s: %s", path, msg);
	}
	return 0;
}
