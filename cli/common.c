/*
 * common.c - machine options, workloads, errors and JSON for the subcommands.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tracedat.h"

bool cli_quiet;

char cli_last_error[512];

uint64_t cli_vmstat(struct af_machine *m, const char *name)
{
	uint64_t v = 0;

	af_vmstat(m, name, &v);
	return v;
}

int cli_error(const char *what, const char *msg)
{
	snprintf(cli_last_error, sizeof(cli_last_error), "%.200s: %.300s", what, msg);
	if (!cli_quiet)
		fprintf(stderr, "antifrag: %s: %s\n", what, msg);
	return 2;
}

static bool stdout_failed;

int stdout_check(void)
{
	if (stdout_failed)
		return 2;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	stdout_failed = true;
	return cli_error("stdout", errno ? strerror(errno) : "cannot write");
}

const char machine_opts_help[] =
"Machine:\n"
"  --start DIR          build the machine from a state captured on real Linux\n"
"                       (tools/capture.sh's start/ or end/) instead of booting\n"
"                       one: its zones, pages, pageblock types and vm.* sysctls;\n"
"                       what had to be guessed is printed on stderr.  Takes\n"
"                       --seed, --policy, --thp, --thp-defrag, --compaction,\n"
"                       --contents and --set, not the layout options\n"
"  --config FILE        load a sysctl.conf-like file of `key = value` lines\n"
"                       (keys: mem, nodes, cpus, movablecore, seed, policy, threaded,\n"
"                       contents, compaction, cma, cma_size, boot, kaslr,\n"
"                       writeback_us (one page's write-out, default 1000),\n"
"                       transparent_hugepage,\n"
"                       transparent_hugepage_defrag, node.N.zone.NAME,\n"
"                       node.N.distance, vm.*); command-line options come after\n"
"  --mem SIZE           memory size, 128M..16382G, e.g. 512M, 4G, 64G (default\n"
"                       4G); refused if the host lacks the 32 bytes per page\n"
"                       frame it takes\n"
"  --nodes N            NUMA nodes, 1..64 (default 1)\n"
"  --cpus N             CPUs, 1..256 (default 2)\n"
"  --movablecore SIZE   memory for ZONE_MOVABLE, spread over the nodes\n"
"  --thp MODE           transparent_hugepage enabled: always|madvise|never\n"
"  --thp-defrag MODE    transparent_hugepage defrag: always|defer|defer+madvise|\n"
"                       madvise|never (default madvise)\n"
"  --seed N             seed of every random choice (default 1)\n"
"  --boot linux|clean   linux (default): reserved pages where Debian's 6.1 has them\n"
"                       and its deferred struct page init's Unmovable pageblocks;\n"
"                       clean: reserved pages on top, every pageblock Movable\n"
"  --kaslr 0|1          1 (default): the kernel image at a random 2 MiB slot\n"
"                       (from the seed); 0: at 16 MiB\n"
"  --policy SPEC        the policy table: NAME[:KEY=VALUE...], e.g. linux (the\n"
"                       default), nogroup, restrict-steal:order=3, reserve,\n"
"                       repay:batch=32; `antifrag policies` lists them all\n"
"  --compaction 0|1     0 builds the machine without compaction\n"
"                       (CONFIG_COMPACTION=n), to compare against\n"
"  --contents           give every page 4 KiB of real bytes, written and\n"
"                       verified by their owners (memory: the machine's size)\n"
"  --set vm.KEY=VALUE   write a vm.* sysctl after boot (repeatable, up to 64);\n"
"                       ranges are the kernel's: e.g. vm.watermark_scale_factor\n"
"                       1..3000; also vm.compact_memory=1 and vm.nr_hugepages=N\n";

void machine_opts_init(struct machine_opts *mo)
{
	memset(mo, 0, sizeof(*mo));
}

void machine_opts_free(struct machine_opts *mo)
{
	if (mo->cfg)
		af_config_free(mo->cfg);
	mo->cfg = NULL;
}

/* key = value on a scratch config: is the value good? */
static int check_key(const char *opt, const char *key, const char *value)
{
	struct af_config *c;
	int ret;

	if (af_config_new(&c))
		return cli_error(opt, af_errmsg());
	ret = af_config_set(c, key, value);
	af_config_free(c);
	return ret ? cli_error(opt, af_errmsg()) : 0;
}

static int record(struct machine_opts *mo, const char *opt, const char *key, const char *value)
{
	if (mo->nkeyed == MAX_MACHINE_OPTS)
		return cli_error(opt, "too many machine options (at most 256)");
	mo->keyed[mo->nkeyed].opt = opt;
	mo->keyed[mo->nkeyed].key = key;
	mo->keyed[mo->nkeyed].value = value;
	mo->nkeyed++;
	return 0;
}

int capture_dir_check(const char *opt, const char *dir, const char *file)
{
	struct stat sb;
	char path[4096], msg[4200];

	if (!dir)
		return cli_error(opt, "missing DIR (try --help)");
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!stat(dir, &sb) && S_ISDIR(sb.st_mode) && !access(path, R_OK))
		return 0;
	snprintf(msg, sizeof(msg), "%.2000s is not a captured state (no readable %.2000s)", dir, path);
	return cli_error(opt, msg);
}

/* The options a captured state decides itself */
static const char *const layout_opts[] = {
	"--mem", "--nodes", "--cpus", "--movablecore", "--boot", "--kaslr",
};

int machine_opts_finish(struct machine_opts *mo)
{
	if (mo->start) {
		if (mo->config)
			return cli_error("--start", "the machine is the captured state's; --config cannot be given with it");
		for (int i = 0; i < mo->nkeyed; i++)
			for (size_t k = 0; k < sizeof(layout_opts) / sizeof(layout_opts[0]); k++)
				if (!strcmp(mo->keyed[i].opt, layout_opts[k])) {
					char msg[160];
					snprintf(msg, sizeof(msg), "the layout is the captured state's; %s cannot "
						 "be given with it", layout_opts[k]);
					return cli_error("--start", msg);
				}
	}
	if (af_config_new(&mo->cfg))
		return cli_error("config", af_errmsg());
	if (mo->config && af_config_load(mo->cfg, mo->config))
		return cli_error("--config", af_errmsg());
	for (int i = 0; i < mo->nkeyed; i++)
		if (af_config_set(mo->cfg, mo->keyed[i].key, mo->keyed[i].value))
			return cli_error(mo->keyed[i].opt, af_errmsg());
	return 0;
}

static const struct { const char *opt, *key; } keyed[] = {
	{ "--mem", "mem" }, { "--nodes", "nodes" }, { "--cpus", "cpus" },
	{ "--movablecore", "movablecore" }, { "--thp", "transparent_hugepage" },
	{ "--thp-defrag", "transparent_hugepage_defrag" }, { "--compaction", "compaction" },
	{ "--seed", "seed" }, { "--policy", "policy" }, { "--boot", "boot" }, { "--kaslr", "kaslr" },
};

int machine_opt(struct machine_opts *mo, int argc, char **argv, int *i)
{
	const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	int ret;

	if (!strcmp(o, "--contents"))
		return record(mo, o, "contents", "1") ? 2 : 1;
	if (!strcmp(o, "--start")) {
		if (mo->start && v)
			return cli_error(o, "given twice");
		if ((ret = capture_dir_check(o, v, "zoneinfo")))
			return ret;
		mo->start = v;
		(*i)++;
		return 1;
	}
	if (!strcmp(o, "--config")) {
		if (!v)
			return cli_error(o, "missing FILE (try --help)");
		if (mo->config)
			return cli_error(o, "given twice");
		if ((ret = file_value(o, v)))
			return ret;
		mo->config = v;
		(*i)++;
		return 1;
	}
	if (!strcmp(o, "--set")) {
		const char *eq;
		if (!v)
			return cli_error(o, "missing value (try --help)");
		if (mo->nsets == MAX_LIST)
			return cli_error("--set", "too many (at most 64)");
		eq = strchr(v, '=');
		if (strncmp(v, "vm.", 3) || !eq || eq == v + 3)
			return cli_error("--set", "expected vm.KEY=VALUE");
		if ((size_t)(eq - v) >= 128)
			return cli_error("--set", "name too long");
		/* the value's range, where the config knows it (the machine
		 * checks the rest when it is built, before any work) */
		if (strncmp(v, "vm.compact_memory=", 18) && strncmp(v, "vm.nr_hugepages=", 16)) {
			char key[128];
			memcpy(key, v, (size_t)(eq - v));
			key[eq - v] = '\0';
			if ((ret = check_key("--set", key, eq + 1)))
				return ret;
		}
		mo->sets[mo->nsets++] = v;
		(*i)++;
		return 1;
	}
	for (size_t k = 0; k < sizeof(keyed) / sizeof(keyed[0]); k++)
		if (!strcmp(o, keyed[k].opt)) {
			if (!v)
				return cli_error(o, "missing value (try --help)");
			if (!strcmp(o, "--policy") && af_policy_check(v))
				return cli_error(o, af_errmsg());
			if ((ret = check_key(o, keyed[k].key, v)) || (ret = record(mo, o, keyed[k].key, v)))
				return ret;
			(*i)++;
			return 1;
		}
	return 0;
}

int trace_check(const char *opt, const char *path)
{
	struct stat sb;
	char msg[4200];

	if (!strcmp(path, "-"))
		return 0;
	if (stat(path, &sb) || (S_ISREG(sb.st_mode) && access(path, R_OK))) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		return cli_error(opt, msg);
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(msg, sizeof(msg), "%s: not a regular file", path);
		return cli_error(opt, msg);
	}
	if (af_tracedat_is(path)) {
		char err[256];
		struct af_tracedat *t = af_tracedat_open(path, err, sizeof(err));
		if (!t) {
			snprintf(msg, sizeof(msg), "%s: %s", path, err);
			return cli_error(opt, msg);
		}
		af_tracedat_close(t);
	}
	return 0;
}

int trace_replay(struct af_machine *m, const char *path, int driver, int policy, struct af_replay_stats *st)
{
	int rc;

	if (strcmp(path, "-") && af_tracedat_is(path)) {
		char err[256];
		struct af_tracedat *t = af_tracedat_open(path, err, sizeof(err));
		if (!t)
			return cli_error(path, err);
		rc = af_replay_source(m, af_tracedat_next, t, driver, policy, st);
		af_tracedat_close(t);
	} else {
		FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
		if (!in)
			return cli_error(path, strerror(errno));
		rc = policy ? af_replay_requests(m, in, driver, st) : af_replay_stream(m, in, driver, st);
		if (in != stdin)
			fclose(in);
	}
	return rc ? cli_error("replay", af_errmsg()) : 0;
}

int trace_block_types(const char *start, const char *path, struct af_block_types *bt)
{
	char kpf[4200];
	struct stat sb;
	uint64_t max_pfn;
	int rc;

	memset(bt, 0, sizeof(*bt));
	if (!path || !strcmp(path, "-"))
		return 0;	/* a pipe is read once: by the replay */
	snprintf(kpf, sizeof(kpf), "%s/kpageflags", start);
	if (stat(kpf, &sb))
		return cli_error(kpf, strerror(errno));
	max_pfn = (uint64_t)sb.st_size / 8;
	if (af_tracedat_is(path)) {
		char err[256];
		struct af_tracedat *t = af_tracedat_open(path, err, sizeof(err));
		if (!t)
			return cli_error(path, err);
		rc = af_trace_block_types(af_tracedat_next, t, max_pfn, bt);
		af_tracedat_close(t);
	} else {
		FILE *in = fopen(path, "r");
		if (!in)
			return cli_error(path, strerror(errno));
		rc = af_trace_block_types_stream(in, max_pfn, bt);
		fclose(in);
	}
	return rc ? cli_error(path, af_errmsg()) : 0;
}

void import_report_print(const struct af_import_report *rep)
{
	for (const char *line = rep->text; *line; ) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(stderr, "import: %.*s\n", len, line);
		line += len + (nl != NULL);
	}
}

/* The driver holding the movable pages of the last machine built from --start, or -1 */
static int import_driver = -1;

int machine_import_driver(void)
{
	return import_driver;
}

int machine_build(const struct machine_opts *mo, struct af_machine **out)
{
	struct af_machine *m;

	*out = NULL;
	import_driver = -1;
	if (mo->start) {
		struct af_import_report rep;
		struct af_block_types bt;
		int rc;
		if ((rc = trace_block_types(mo->start, mo->hint_trace, &bt)))
			return rc;
		rc = af_import_state_hinted(mo->start, mo->cfg, &bt, &m, &rep);
		af_block_types_free(&bt);
		if (rc)
			return cli_error("--start", af_errmsg());
		import_driver = rep.driver;
		import_report_print(&rep);
	} else if (af_machine_create(mo->cfg, &m)) {
		return cli_error("machine", af_errmsg());
	}
	for (int i = 0; i < mo->nsets; i++) {
		char name[128];
		const char *eq = strchr(mo->sets[i], '=');
		size_t n = (size_t)(eq - mo->sets[i]);
		if (n >= sizeof(name)) {
			af_machine_destroy(m);
			return cli_error("--set", "name too long");
		}
		memcpy(name, mo->sets[i], n);
		name[n] = '\0';
		if (af_sysctl_write(m, name, eq + 1)) {
			int rc = cli_error("--set", af_errmsg());
			af_machine_destroy(m);
			return rc;
		}
	}
	*out = m;
	return 0;
}

const char workload_opts_help[] =
"  --workload NAME      the workload (default world); `antifrag workloads -v`\n"
"                       lists them all with their parameters\n"
"  --param KEY=VALUE    one of the workload's parameters (repeatable)\n"
"  --ops N              --param ops=N, 0..100000000 (world, mixed: churn\n"
"                       operations)\n"
"  --selftest-map-mb N  --param map_mb=N (compaction-selftest)\n"
"  --fragfill-hold      --param hold=1 (fragfill, thpfault)\n";

void workload_opts_init(struct workload_opts *wo, const char *name)
{
	memset(wo, 0, sizeof(*wo));
	wo->name = name;
}

static int add_param(struct workload_opts *wo, const char *opt, const char *kv)
{
	if (wo->nparams == MAX_LIST)
		return cli_error(opt, "too many workload parameters (at most 64)");
	wo->param_opt[wo->nparams] = opt;
	wo->params[wo->nparams++] = kv;
	return 0;
}

int workload_opt(struct workload_opts *wo, int argc, char **argv, int *i)
{
	const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	static const struct { const char *opt, *key; } shorthand[] = {
		{ "--ops", "ops=" }, { "--selftest-map-mb", "map_mb=" },
	};
	int ret;

	if (!strcmp(o, "--fragfill-hold"))
		return add_param(wo, o, "hold=1") ? 2 : 1;
	if (strcmp(o, "--workload") && strcmp(o, "--param") && strcmp(o, shorthand[0].opt) &&
	    strcmp(o, shorthand[1].opt))
		return 0;
	if (!v)
		return cli_error(o, "missing value (try --help)");
	(*i)++;
	if (!strcmp(o, "--workload")) {
		struct af_workload_info wi;
		for (int k = 0; af_workload_info(k, &wi) == 0; k++)
			if (!strcmp(wi.name, v)) {
				wo->name = v;
				return 1;
			}
		char msg[200];
		snprintf(msg, sizeof(msg), "no workload '%.100s' (see `antifrag workloads`)", v);
		return cli_error(o, msg);
	}
	if (!strcmp(o, "--param")) {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v || strchr(v, ':'))
			return cli_error(o, "expected KEY=VALUE");
		return add_param(wo, o, v) ? 2 : 1;
	}
	for (size_t k = 0; k < sizeof(shorthand) / sizeof(shorthand[0]); k++)
		if (!strcmp(o, shorthand[k].opt)) {
			unsigned long long x;
			if ((ret = parse_u64(o, v, k ? 1 : 0, k ? 65536 : MAX_OPS, &x)))
				return ret;
			if (wo->nparams == MAX_LIST)
				return cli_error(o, "too many workload parameters (at most 64)");
			snprintf(wo->own[wo->nparams], sizeof(wo->own[0]), "%s%llu", shorthand[k].key, x);
			return add_param(wo, o, wo->own[wo->nparams]) ? 2 : 1;
		}
	return 0;
}

void workload_params_text(const struct workload_opts *wo, char *buf, size_t len)
{
	struct af_workload_info wi;
	size_t n = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; af_workload_info(k, &wi) == 0; k++)
		if (!strcmp(wi.name, wo->name))
			break;
	for (int j = 0; j < wi.nparams && n < len; j++) {
		const char *val = NULL;
		size_t kl = strlen(wi.params[j].name);
		for (int i = 0; i < wo->nparams; i++)	/* the last one given counts */
			if (!strncmp(wo->params[i], wi.params[j].name, kl) && wo->params[i][kl] == '=')
				val = wo->params[i] + kl + 1;
		if (val)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "", wi.params[j].name, val);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%llu", n ? " " : "", wi.params[j].name,
					      (unsigned long long)wi.params[j].def);
	}
}

int workload_opts_finish(struct workload_opts *wo)
{
	struct af_workload_info wi;
	size_t n;
	int k;

	for (k = 0; af_workload_info(k, &wi) == 0; k++)
		if (!strcmp(wi.name, wo->name))
			break;
	n = (size_t)snprintf(wo->spec, sizeof(wo->spec), "%s", wo->name);
	for (int i = 0; i < wo->nparams; i++) {
		const char *kv = wo->params[i], *eq = strchr(kv, '=');
		bool known = false;
		for (int j = 0; j < wi.nparams; j++)
			known |= strlen(wi.params[j].name) == (size_t)(eq - kv) &&
				 !strncmp(wi.params[j].name, kv, (size_t)(eq - kv));
		if (!known) {
			char msg[300];
			if (strcmp(wo->param_opt[i], "--param"))
				snprintf(msg, sizeof(msg), "workload %s takes no such parameter (%.*s)", wo->name,
					 (int)(eq - kv), kv);
			else
				snprintf(msg, sizeof(msg), "workload %s has no parameter '%.*s' (see "
					 "`antifrag workloads -v`)", wo->name, (int)(eq - kv > 60 ? 60 : eq - kv), kv);
			return cli_error(wo->param_opt[i], msg);
		}
		n += (size_t)snprintf(wo->spec + n, sizeof(wo->spec) - n, ":%s", kv);
		if (n >= sizeof(wo->spec))
			return cli_error(wo->param_opt[i], "too long");
	}
	if (af_workload_check(wo->spec))
		return cli_error("--param", af_errmsg());
	return 0;
}

int parse_u64(const char *opt, const char *v, unsigned long long min, unsigned long long max,
	      unsigned long long *out)
{
	char *end, msg[96];
	unsigned long long x;

	if (!v)
		return cli_error(opt, "missing value (try --help)");
	errno = 0;
	x = strtoull(v, &end, 10);
	if (*end || end == v || errno || *v == '-' || x < min || x > max) {
		snprintf(msg, sizeof(msg), "expected an integer %llu..%llu", min, max);
		return cli_error(opt, msg);
	}
	*out = x;
	return 0;
}

double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int json_write_file(json_t *root, const char *path)
{
	struct outfile o;
	int rc;

	if ((rc = outfile_open(&o, path, "--json")))
		return rc;
	if (json_dumpf(root, o.f, JSON_INDENT(2) | JSON_SORT_KEYS) || fputc('\n', o.f) == EOF) {
		outfile_abort(&o);
		return cli_error("--json", "cannot write the file");
	}
	return outfile_commit(&o, "--json");
}

json_t *json_run_header(const char *command, int argc, char **argv)
{
	json_t *args = json_array();
	char host[256] = "";

	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	if (gethostname(host, sizeof(host) - 1))
		strcpy(host, "unknown");
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "antifrag_version", AF_VERSION, "antifrag_commit", AF_COMMIT,
			 "host", host, "command", command, "argv", args);
}

/* An integral value as an integer, the others as reals */
static json_t *json_number(double v)
{
	if (v == (double)(json_int_t)v && v > -9e15 && v < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *json_workload_result(const struct af_workload_result *wr)
{
	json_t *o = json_object(), *vals = json_object();

	for (int i = 0; i < wr->nvalues; i++)
		json_object_set_new(vals, wr->values[i].name, json_number(wr->values[i].value));
	json_object_set_new(o, "values", vals);
	if (wr->ncols) {
		json_t *cols = json_array(), *rows = json_array();
		for (int c = 0; c < wr->ncols; c++)
			json_array_append_new(cols, json_string(wr->cols[c]));
		for (size_t r = 0; r < wr->nrows; r++) {
			json_t *row = json_array();
			for (int c = 0; c < wr->ncols; c++)
				json_array_append_new(row, json_number(wr->rows[r * (size_t)wr->ncols + (size_t)c]));
			json_array_append_new(rows, row);
		}
		json_object_set_new(o, "table", json_pack("{s:s, s:o, s:o}", "name", wr->table,
							  "columns", cols, "rows", rows));
	}
	return o;
}

json_t *json_metrics(const struct af_metrics *mt)
{
	json_t *o = json_object(), *fb = json_array(), *pb = json_object(), *mixed = json_object();
	json_t *ext = json_object(), *fail = json_array();

	for (int i = 0; i < AF_NR_ORDERS; i++) {
		json_array_append_new(fb, json_integer((json_int_t)mt->free_blocks[i]));
		json_array_append_new(fail, json_integer((json_int_t)mt->alloc_fail[i]));
	}
	for (int t = 0; t < AF_NR_MIGRATETYPES; t++) {
		json_object_set_new(pb, af_migratetype_name(t), json_integer((json_int_t)mt->pageblocks[t]));
		json_object_set_new(mixed, af_migratetype_name(t),
				    json_integer((json_int_t)mt->mixed_by_type[t]));
	}
	for (int k = 0; k < 3; k++)
		for (int a = 0; a < 3; a++)
			for (int f = 0; f < 3; f++) {
				char key[64];
				if (a == f)
					continue;
				snprintf(key, sizeof(key), "%s %s<-%s", af_extfrag_kind_names[k],
					 af_migratetype_name(a), af_migratetype_name(f));
				json_object_set_new(ext, key, json_pack("{s:I, s:I}",
					"events", (json_int_t)mt->extfrag[k][a][f],
					"fragmenting", (json_int_t)mt->extfrag_fragmenting[k][a][f]));
			}
	json_object_set_new(o, "free_pages", json_integer((json_int_t)mt->free_pages));
	json_object_set_new(o, "free_blocks_by_order", fb);
	json_object_set_new(o, "pageblocks", pb);
	json_object_set_new(o, "mixed_pageblocks", json_integer((json_int_t)mt->mixed_pageblocks));
	json_object_set_new(o, "mixed_pageblocks_by_type", mixed);
	json_object_set_new(o, "extfrag", ext);
	json_object_set_new(o, "extfrag_events", json_integer((json_int_t)mt->extfrag_events));
	json_object_set_new(o, "extfrag_events_fragmenting",
			    json_integer((json_int_t)mt->extfrag_events_fragmenting));
	json_object_set_new(o, "unusable_index_order9", json_real(mt->unusable_index_9 / 1000.0));
	json_object_set_new(o, "fragmentation_index_order9", json_real(mt->fragmentation_index_9 / 1000.0));
	json_object_set_new(o, "fragmentation_score", json_integer(mt->fragmentation_score));
	json_object_set_new(o, "huge_free", json_integer((json_int_t)mt->huge_free));
	json_object_set_new(o, "gigantic_free", json_integer((json_int_t)mt->gig_free));
	json_object_set_new(o, "oracle_huge", json_integer((json_int_t)mt->oracle_huge));
	json_object_set_new(o, "oracle_gigantic", json_integer((json_int_t)mt->oracle_gig));
	json_object_set_new(o, "oracle_huge_reclaim", json_integer((json_int_t)mt->oracle_huge_reclaim));
	json_object_set_new(o, "alloc_fail_by_order", fail);
	return o;
}

int file_value(const char *opt, const char *v)
{
	char msg[160];

	if (v[0] != '-' || v[1] != '-')
		return 0;
	snprintf(msg, sizeof(msg), "expected FILE, not the option '%.100s'", v);
	return cli_error(opt, msg);
}

/* Is path somewhere a file can be written?  0 or 2 (printed) */
int outpath_check(const char *path, const char *what)
{
	struct stat sb;
	char dir[4096];
	char msg[4200];

	if (!*path)
		return cli_error(what, "empty file name");
	if (strlen(path) >= sizeof(dir) - 32)
		return cli_error(what, "path too long");
	if (!stat(path, &sb)) {
		if (S_ISDIR(sb.st_mode)) {
			snprintf(msg, sizeof(msg), "'%s' is a directory", path);
			return cli_error(what, msg);
		}
		if (!S_ISREG(sb.st_mode))
			return 0;	/* a device or a FIFO: written in place */
	}
	strcpy(dir, path);
	if (path[strlen(path) - 1] == '/' || access(dirname(dir), W_OK | X_OK)) {
		snprintf(msg, sizeof(msg), "cannot create '%s': %s", path,
			 path[strlen(path) - 1] == '/' ? "not a file name" : strerror(errno));
		return cli_error(what, msg);
	}
	return 0;
}

/*
 * The temporary files outputs are being written to.  A signal that ends the
 * process (^C, kill, a closed pipe) removes them, so no partial output is
 * left behind; then the signal takes its default action.  The CLI runs on
 * one thread.
 */
#define LIVE_TMP_MAX 8
static const char *volatile live_tmp[LIVE_TMP_MAX];

#define LIVE_TREE_MAX 4
static struct outtree *volatile live_tree[LIVE_TREE_MAX];

static void live_tree_set(struct outtree *from, struct outtree *to)
{
	for (int i = 0; i < LIVE_TREE_MAX; i++)
		if (live_tree[i] == from) {
			live_tree[i] = to;
			return;
		}
}

/* Remove what a tree being built holds, newest first (unlink and rmdir only) */
static void tree_unmake(struct outtree *t)
{
	char **made = t->made;

	for (size_t i = t->nmade; i-- > 0;)
		if (unlink(made[i]))
			rmdir(made[i]);
	rmdir(t->tmp);
}

static void remove_live_tmp(int sig)
{
	for (int i = 0; i < LIVE_TMP_MAX; i++)
		if (live_tmp[i])
			unlink(live_tmp[i]);
	for (int i = 0; i < LIVE_TREE_MAX; i++)
		if (live_tree[i])
			tree_unmake(live_tree[i]);
	raise(sig);	/* SA_RESETHAND: delivered as the default once this returns */
}

static void live_handler_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	static bool installed;

	if (!installed) {
		struct sigaction sa = { .sa_handler = remove_live_tmp, .sa_flags = SA_RESETHAND };
		struct sigaction old;

		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaddset(&sa.sa_mask, sigs[i]);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)	/* an ignored signal (nohup) stays ignored */
			if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_DFL)
				sigaction(sigs[i], &sa, NULL);
		installed = true;
	}
}

static void live_tmp_add(const char *tmp)
{
	live_handler_install();
	for (int i = 0; i < LIVE_TMP_MAX; i++)
		if (!live_tmp[i]) {
			live_tmp[i] = tmp;
			return;
		}
}

static void live_tmp_del(const char *tmp)
{
	for (int i = 0; i < LIVE_TMP_MAX; i++)
		if (live_tmp[i] == tmp)
			live_tmp[i] = NULL;
}

int outfile_open(struct outfile *o, const char *path, const char *what)
{
	struct stat sb;
	char msg[4200];
	int fd;

	o->path = path;
	o->f = NULL;
	o->direct = false;
	if (!stat(path, &sb) && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		/* a device or a FIFO (/dev/null, /dev/stdout): written in place,
		 * never replaced by a file */
		o->direct = true;
		o->f = fopen(path, "w");
		if (!o->f) {
			snprintf(msg, sizeof(msg), "cannot open '%s': %s", path, strerror(errno));
			return cli_error(what, msg);
		}
		return 0;
	}
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(o->tmp))
		return cli_error(what, "path too long");
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "cannot create '%s': %s", path, strerror(errno));
		return cli_error(what, msg);
	}
	live_tmp_add(o->tmp);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		live_tmp_del(o->tmp);
		return cli_error(what, "cannot create the file");
	}
	return 0;
}

int outfile_commit(struct outfile *o, const char *what)
{
	char msg[4200];
	int bad, err;

	if (!o->f)
		return 0;
	errno = 0;
	bad = fflush(o->f) | ferror(o->f);
	err = errno;
	bad |= fclose(o->f);
	if (!err)
		err = errno;
	o->f = NULL;
	if (!bad && !o->direct && rename(o->tmp, o->path)) {
		bad = 1;
		err = errno;
	}
	if (!o->direct)
		live_tmp_del(o->tmp);
	if (bad) {
		if (!o->direct)
			unlink(o->tmp);
		snprintf(msg, sizeof(msg), "cannot write '%s': %s", o->path, err ? strerror(err) : "write error");
		return cli_error(what, msg);
	}
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->f) {
		fclose(o->f);
		if (!o->direct) {
			unlink(o->tmp);
			live_tmp_del(o->tmp);
		}
		o->f = NULL;
	}
}

/* ---- output trees ---- */
int outtree_check(const char *path, const char *what)
{
	struct stat sb;
	char dir[4096], msg[4200];
	DIR *d;

	if (!*path)
		return cli_error(what, "empty directory name");
	if (strlen(path) >= sizeof(dir) - 64)
		return cli_error(what, "path too long");
	if (!stat(path, &sb)) {
		struct dirent *e;
		bool empty = true;
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(msg, sizeof(msg), "'%s' exists and is not a directory", path);
			return cli_error(what, msg);
		}
		if (!(d = opendir(path))) {
			snprintf(msg, sizeof(msg), "cannot read '%s': %s", path, strerror(errno));
			return cli_error(what, msg);
		}
		while ((e = readdir(d)))
			empty &= !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		closedir(d);
		if (!empty) {
			snprintf(msg, sizeof(msg), "'%s' is not empty (a run writes a new tree)", path);
			return cli_error(what, msg);
		}
	}
	strcpy(dir, path);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	if (access(dirname(dir), W_OK | X_OK)) {
		snprintf(msg, sizeof(msg), "cannot create '%s': %s", path, strerror(errno));
		return cli_error(what, msg);
	}
	return 0;
}

int outtree_open(struct outtree *t, const char *path, const char *what)
{
	char msg[4200];
	size_t n;

	memset(t, 0, sizeof(*t));
	t->path = path;
	n = (size_t)snprintf(t->tmp, sizeof(t->tmp), "%s", path);
	while (n > 1 && t->tmp[n - 1] == '/')
		t->tmp[--n] = '\0';
	if (n + 16 >= sizeof(t->tmp))
		return cli_error(what, "path too long");
	strcat(t->tmp, ".tmp.XXXXXX");
	live_handler_install();
	live_tree_set(NULL, t);	/* before it exists: a signal in between removes it */
	if (!mkdtemp(t->tmp)) {
		live_tree_set(t, NULL);
		snprintf(msg, sizeof(msg), "cannot create '%s': %s", path, strerror(errno));
		return cli_error(what, msg);
	}
	t->open = true;
	return 0;
}

/* Record a path made inside the tree (the signal handler reads the log) */
static int tree_log(struct outtree *t, const char *full)
{
	char *p = strdup(full);

	if (!p)
		return -1;
	if (t->nmade == t->capmade) {
		size_t nc = t->capmade ? t->capmade * 2 : 64;
		char **na = malloc(nc * sizeof(*na)), **old = t->made;
		if (!na) {
			free(p);
			return -1;
		}
		if (t->nmade)
			memcpy(na, old, t->nmade * sizeof(*na));
		t->made = na;	/* published before the old array goes */
		t->capmade = nc;
		free(old);
	}
	t->made[t->nmade] = p;
	t->nmade++;
	return 0;
}

int outtree_file(struct outtree *t, const char *rel, const char *text, const char *what)
{
	return outtree_data(t, rel, text, strlen(text), what);
}

int outtree_data(struct outtree *t, const char *rel, const void *text, size_t len, const char *what)
{
	char full[8192], msg[8400];
	size_t base = strlen(t->tmp);
	FILE *f;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", t->tmp, rel) >= sizeof(full))
		return cli_error(what, "path too long");
	/* the directories on the way, each made once */
	for (char *sl = strchr(full + base + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
		*sl = '\0';
		/* logged before it is made: a signal in between finds it in the log */
		if (tree_log(t, full))
			return cli_error(what, "out of memory");
		if (mkdir(full, 0777)) {
			int err = errno;
			t->nmade--;	/* there already, or not made */
			free(t->made[t->nmade]);
			if (err != EEXIST) {
				snprintf(msg, sizeof(msg), "cannot create '%s': %s", full, strerror(err));
				return cli_error(what, msg);
			}
		}
		*sl = '/';
	}
	if (tree_log(t, full))
		return cli_error(what, "out of memory");
	f = fopen(full, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		int err = errno;
		if (f)
			fclose(f);
		snprintf(msg, sizeof(msg), "cannot write '%s': %s", full, strerror(err));
		return cli_error(what, msg);
	}
	return 0;
}

int outtree_commit(struct outtree *t, const char *what)
{
	char msg[8400];
	mode_t mask;

	if (!t->open)
		return 0;
	/* mkdtemp made the top 0700: give it what mkdir would have */
	mask = umask(0);
	umask(mask);
	chmod(t->tmp, 0777 & ~mask);
	rmdir(t->path);	/* an empty directory given as the place: replaced */
	if (rename(t->tmp, t->path)) {
		snprintf(msg, sizeof(msg), "cannot create '%s': %s", t->path, strerror(errno));
		outtree_abort(t);
		return cli_error(what, msg);
	}
	live_tree_set(t, NULL);
	for (size_t i = 0; i < t->nmade; i++)
		free(t->made[i]);
	free(t->made);
	t->made = NULL;
	t->nmade = t->capmade = 0;
	t->open = false;
	return 0;
}

void outtree_abort(struct outtree *t)
{
	if (!t->open)
		return;
	tree_unmake(t);
	live_tree_set(t, NULL);
	for (size_t i = 0; i < t->nmade; i++)
		free(t->made[i]);
	free(t->made);
	t->made = NULL;
	t->nmade = t->capmade = 0;
	t->open = false;
}

int procfs_tree(struct af_machine *m, struct outtree *t, const char *prefix, const char *what)
{
	const char *const *paths = af_render_paths();
	char rel[512], val[256];
	int ret;

	for (int i = 0; paths[i]; i++) {
		char *txt;
		if (strchr(paths[i], '<'))	/* /proc/sys/vm/<name>: below */
			continue;
		if (af_render(m, paths[i], &txt))
			return cli_error(what, af_errmsg());
		snprintf(rel, sizeof(rel), "%s%s", prefix, paths[i] + 1);
		ret = outtree_file(t, rel, txt, what);
		free(txt);
		if (ret)
			return ret;
	}
	for (int i = 0; af_sysctl_name(i); i++) {
		size_t n;
		if (af_sysctl_read(m, af_sysctl_name(i), val, sizeof(val) - 1))
			return cli_error(what, af_errmsg());
		n = strlen(val);
		if (!n || val[n - 1] != '\n')
			strcat(val, "\n");
		snprintf(rel, sizeof(rel), "%sproc/sys/vm/%s", prefix, af_sysctl_name(i));
		if ((ret = outtree_file(t, rel, val, what)))
			return ret;
	}
	return 0;
}
