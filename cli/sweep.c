/*
 * sweep.c - `antifrag sweep SPEC`: a study as a small spec file of
 * KEY = VALUE, VALUE, ... lines (each key with several values expands to
 * every combination, as LKP's job files do), expanded into one
 * self-contained `antifrag run ... --result DIR/NAME.json` command per run.
 * Run here (--jobs N), or written out for GNU parallel (--emit parallel)
 * or a Slurm job array (--emit slurm): nothing here schedules anything
 * beyond N local processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static void sweep_usage(FILE *f)
{
	fputs(
"usage: antifrag sweep SPEC --out DIR [--jobs N | --emit parallel | --emit slurm]\n"
"       antifrag sweep SPEC --list\n"
"\n"
"Expand a study's spec into one `antifrag run` per combination of its values\n"
"and seed, each writing one self-describing result DIR/NAME.json (see run\n"
"--result), NAME made of the workload, every key with several values and the\n"
"seed: stress-highalloc-policy=nogroup-vm.extfrag_threshold=500-seed=3.json.\n"
"`antifrag merge DIR` folds the results into compare's table.\n"
"\n"
"The spec: one KEY = VALUE[, VALUE...] a line, # starts a comment.\n"
"  name = NAME            the study's name (one value; default: the file's name)\n"
"  workload = W, ...      workloads of the registry (default world)\n"
"  param.KEY = V, ...     a workload parameter (--param KEY=V)\n"
"  policy = P, ...        policy specs NAME[:KEY=VALUE...] (default linux)\n"
"  vm.NAME = V, ...       a sysctl written after boot (--set vm.NAME=V)\n"
"  mem, cpus, nodes, movablecore, thp, config = V, ...   machine options\n"
"  seed = S, ... | A..B   seeds (default 1)\n"
"Keys expand in the order given, the first outermost, seeds innermost; a\n"
"variant is one combination without the seed, numbered in that order (the\n"
"first is merge's reference).\n"
"\n"
"Options:\n"
"  --out DIR            where the results, logs (DIR/NAME.log), the manifest\n"
"                       (DIR/sweep.json) and the job list (DIR/jobs.txt) go\n"
"  --jobs N             run here, N at a time (default: the CPUs), with a\n"
"                       progress bar on a terminal; runs whose result exists and\n"
"                       succeeded are skipped (a rerun resumes; failed ones run again)\n"
"  --emit parallel      write DIR/jobs.txt, one shell command a line, for GNU\n"
"                       parallel:  parallel --jobs N --joblog DIR/joblog < DIR/jobs.txt\n"
"                       (over machines: --sshloginfile FILE, antifrag at the same\n"
"                       path and DIR shared on every host)\n"
"  --emit slurm         write DIR/jobs.txt and DIR/sweep.sbatch, a job array (at\n"
"                       most 1000 tasks, each taking every 1000th line):\n"
"                       sbatch DIR/sweep.sbatch\n"
"  --list               print the commands, run nothing\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0, 1 if a run failed (--jobs), 2 on a bad spec or option.\n", f);
}

#define MAX_KEYS 32
#define MAX_VALUES 256
#define MAX_RUNS 1000000

struct key {
	char name[64];
	char *values[MAX_VALUES];
	int nvalues, line;
};

struct spec {
	char name[128];
	struct key keys[MAX_KEYS];
	int nkeys;
	struct key *seed;	/* among keys, or NULL: seed 1 */
	char *text;
};

static void spec_free(struct spec *sp)
{
	for (int k = 0; k < sp->nkeys; k++)
		for (int v = 0; v < sp->keys[k].nvalues; v++)
			free(sp->keys[k].values[v]);
	free(sp->text);
	memset(sp, 0, sizeof(*sp));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static const char *const machine_keys[] = { "mem", "cpus", "nodes", "movablecore", "thp", "config", NULL };

static bool key_known(const char *k)
{
	if (!strcmp(k, "name") || !strcmp(k, "workload") || !strcmp(k, "policy") || !strcmp(k, "seed"))
		return true;
	if ((!strncmp(k, "param.", 6) && k[6]) || (!strncmp(k, "vm.", 3) && k[3]))
		return true;
	for (int i = 0; machine_keys[i]; i++)
		if (!strcmp(k, machine_keys[i]))
			return true;
	return false;
}

/* "SPEC:LINE: reason", exit 2 */
static int spec_error(const char *path, int line, const char *why)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "%.300s:%d: %.280s", path, line, why);
	return cli_error("sweep", msg);
}

/* A value that must not break a command line or a file name */
static bool value_ok(const char *v)
{
	for (; *v; v++)
		if (*v == '\'' || *v == '"' || *v == '\\' || *v == '`' || *v == '$' || (unsigned char)*v < ' ')
			return false;
	return true;
}

static int add_value(struct key *k, const char *v)
{
	if (k->nvalues == MAX_VALUES)
		return -1;
	if (!(k->values[k->nvalues] = strdup(v)))
		return -1;
	k->nvalues++;
	return 0;
}

/* seed = 1..3 */
static int seed_range(struct key *k, const char *v, const char *path, int line)
{
	const char *dots = strstr(v, "..");
	char *end;
	unsigned long long a, b;

	errno = 0;
	a = strtoull(v, &end, 10);
	if (end != dots || v[0] < '0' || v[0] > '9')
		return spec_error(path, line, "seed: expected A..B");
	b = strtoull(dots + 2, &end, 10);
	if (*end || errno || dots[2] < '0' || dots[2] > '9' || b < a)
		return spec_error(path, line, "seed: expected A..B with A <= B");
	if (b - a >= MAX_VALUES)
		return spec_error(path, line, "seed: at most 256 seeds");
	for (unsigned long long s = a; s <= b; s++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%llu", s);
		if (add_value(k, buf))
			return cli_error("sweep", "out of memory");
	}
	return 0;
}

static int spec_parse(const char *path, struct spec *sp)
{
	char *line;
	FILE *f;
	size_t cap = 0, len = 0;
	char buf[4096];
	size_t n;
	int lineno = 0, rc;

	memset(sp, 0, sizeof(*sp));
	if (!(f = fopen(path, "r"))) {
		char msg[600];
		snprintf(msg, sizeof(msg), "%.300s: %s", path, strerror(errno));
		return cli_error("sweep", msg);
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			char *t = realloc(sp->text, cap = (len + n + 1) * 2);
			if (!t || cap > (1u << 24)) {
				fclose(f);
				free(t ? t : sp->text);
				sp->text = NULL;
				return spec_error(path, 0, "larger than 16 MiB");
			}
			sp->text = t;
		}
		memcpy(sp->text + len, buf, n);
		len += n;
	}
	fclose(f);
	if (!sp->text || memchr(sp->text, '\0', len))
		return spec_error(path, 0, sp->text ? "not a text file" : "empty spec");
	sp->text[len] = '\0';
	/* the study's default name: the file's, without its extension */
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(sp->name, sizeof(sp->name), "%.*s", (int)strcspn(base, "."), base);
	for (char *p = sp->text; p; ) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line = p;
		p = nl ? nl + 1 : NULL;
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		line = trim(line);
		if (!*line)
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			return spec_error(path, lineno, "expected KEY = VALUE[, VALUE...]");
		*eq = '\0';
		char *k = trim(line), *vals = trim(eq + 1);
		if (!*k)
			return spec_error(path, lineno, "a value without a KEY");
		if (!key_known(k)) {
			char msg[200];
			snprintf(msg, sizeof(msg), "unknown key '%.60s' (try antifrag sweep --help)", k);
			return spec_error(path, lineno, msg);
		}
		for (int i = 0; i < sp->nkeys; i++)
			if (!strcmp(sp->keys[i].name, k)) {
				char msg[200];
				snprintf(msg, sizeof(msg), "'%.60s' given twice (first on line %d)", k, sp->keys[i].line);
				return spec_error(path, lineno, msg);
			}
		if (!*vals)
			return spec_error(path, lineno, "no value");
		if (!strcmp(k, "name")) {
			if (strchr(vals, ',') || !value_ok(vals) || strlen(vals) >= sizeof(sp->name))
				return spec_error(path, lineno, "name: one plain value");
			snprintf(sp->name, sizeof(sp->name), "%s", vals);
			continue;
		}
		if (sp->nkeys == MAX_KEYS)
			return spec_error(path, lineno, "more than 32 keys");
		struct key *key = &sp->keys[sp->nkeys++];
		snprintf(key->name, sizeof(key->name), "%s", k);
		key->line = lineno;
		for (char *v = vals, *comma; v; v = comma ? comma + 1 : NULL) {
			if ((comma = strchr(v, ',')))
				*comma = '\0';
			v = trim(v);
			if (!*v)
				return spec_error(path, lineno, "an empty value");
			if (!value_ok(v))
				return spec_error(path, lineno, "a value with a quote, backslash, $ or control character");
			if (!strcmp(k, "seed") && strstr(v, "..")) {
				if ((rc = seed_range(key, v, path, lineno)))
					return rc;
				continue;
			}
			if (add_value(key, v))
				return spec_error(path, lineno, "more than 256 values");
		}
		if (!key->nvalues)
			return spec_error(path, lineno, "no value");
		if (!strcmp(k, "seed"))
			sp->seed = key;
	}
	return 0;
}

/* One run: its values (index per key), name and argv */
struct run {
	int idx[MAX_KEYS];
	long variant;
	char name[512];
	char *argv[64 + 3 * MAX_KEYS];
	int argc;
	char store[4096];
};

static uint64_t spec_runs(const struct spec *sp)
{
	uint64_t n = 1;

	for (int k = 0; k < sp->nkeys; k++) {
		n *= (uint64_t)sp->keys[k].nvalues;
		if (n > MAX_RUNS)
			return MAX_RUNS + 1;
	}
	return n;
}

static const char *value_of(const struct spec *sp, const struct run *r, const char *key, const char *def)
{
	for (int k = 0; k < sp->nkeys; k++)
		if (!strcmp(sp->keys[k].name, key))
			return sp->keys[k].values[r->idx[k]];
	return def;
}

/* A value in a file name: '/' and spaces become '_' */
static void name_part(char *out, size_t len, const char *v)
{
	size_t n = 0;

	for (; *v && n + 1 < len; v++)
		out[n++] = *v == '/' || *v == ' ' || *v == '\t' ? '_' : *v;
	out[n] = '\0';
}

/* The i-th run (seeds innermost), its name and command */
static int run_build(const struct spec *sp, uint64_t i, const char *self, const char *dir, struct run *r)
{
	size_t off = 0;
	uint64_t rest = i;
	char part[200];

#define STORE(...) ({ char *s_ = r->store + off; \
	int n_ = snprintf(s_, sizeof(r->store) - off, __VA_ARGS__); \
	if (n_ < 0 || (size_t)n_ >= sizeof(r->store) - off) return -1; \
	off += (size_t)n_ + 1; s_; })
	memset(r->idx, 0, sizeof(r->idx));
	r->variant = 0;
	/* the seed varies fastest wherever its line is, then the keys from the last */
	if (sp->seed) {
		int ks = (int)(sp->seed - sp->keys);
		r->idx[ks] = (int)(rest % (uint64_t)sp->seed->nvalues);
		rest /= (uint64_t)sp->seed->nvalues;
	}
	for (int k = sp->nkeys - 1; k >= 0; k--) {
		if (&sp->keys[k] == sp->seed)
			continue;
		r->idx[k] = (int)(rest % (uint64_t)sp->keys[k].nvalues);
		rest /= (uint64_t)sp->keys[k].nvalues;
	}
	/* the variant: the combination without the seed, keys in order */
	for (int k = 0; k < sp->nkeys; k++)
		if (&sp->keys[k] != sp->seed)
			r->variant = r->variant * sp->keys[k].nvalues + r->idx[k];
	name_part(part, sizeof(part), value_of(sp, r, "workload", "world"));
	size_t nl = (size_t)snprintf(r->name, sizeof(r->name), "%s", part);
	for (int k = 0; k < sp->nkeys; k++) {
		if (&sp->keys[k] == sp->seed || sp->keys[k].nvalues < 2 || !strcmp(sp->keys[k].name, "workload"))
			continue;
		name_part(part, sizeof(part), sp->keys[k].values[r->idx[k]]);
		nl += (size_t)snprintf(r->name + nl, nl < sizeof(r->name) ? sizeof(r->name) - nl : 0, "-%s=%s",
				       sp->keys[k].name, part);
	}
	nl += (size_t)snprintf(r->name + nl, nl < sizeof(r->name) ? sizeof(r->name) - nl : 0, "-seed=%s",
			       value_of(sp, r, "seed", "1"));
	if (nl >= sizeof(r->name) - 8)
		return -1;
	r->argc = 0;
	r->argv[r->argc++] = (char *)self;
	r->argv[r->argc++] = "run";
	r->argv[r->argc++] = "--workload";
	r->argv[r->argc++] = (char *)value_of(sp, r, "workload", "world");
	r->argv[r->argc++] = "--policy";
	r->argv[r->argc++] = (char *)value_of(sp, r, "policy", "linux");
	r->argv[r->argc++] = "--seed";
	r->argv[r->argc++] = (char *)value_of(sp, r, "seed", "1");
	for (int k = 0; k < sp->nkeys; k++) {
		const char *kn = sp->keys[k].name, *v = sp->keys[k].values[r->idx[k]];
		if (!strncmp(kn, "param.", 6)) {
			r->argv[r->argc++] = "--param";
			r->argv[r->argc++] = STORE("%s=%s", kn + 6, v);
		} else if (!strncmp(kn, "vm.", 3)) {
			r->argv[r->argc++] = "--set";
			r->argv[r->argc++] = STORE("%s=%s", kn, v);
		} else if (strcmp(kn, "workload") && strcmp(kn, "policy") && strcmp(kn, "seed")) {
			r->argv[r->argc++] = STORE("--%s", kn);
			r->argv[r->argc++] = (char *)v;
		}
	}
	r->argv[r->argc++] = "--result";
	r->argv[r->argc++] = STORE("%s/%s.json", dir, r->name);
	r->argv[r->argc++] = "--sweep-name";
	r->argv[r->argc++] = (char *)sp->name;
	r->argv[r->argc++] = "--sweep-variant";
	r->argv[r->argc++] = STORE("%ld", r->variant);
	for (int k = 0; k < sp->nkeys; k++) {
		r->argv[r->argc++] = "--sweep-param";
		r->argv[r->argc++] = STORE("%s=%s", sp->keys[k].name, sp->keys[k].values[r->idx[k]]);
	}
	r->argv[r->argc] = NULL;
#undef STORE
	return 0;
}

/* The command as one shell line, every word single-quoted */
static void shell_line(const struct run *r, const char *dir, FILE *f)
{
	for (int i = 0; i < r->argc; i++)
		fprintf(f, "%s'%s'", i ? " " : "", r->argv[i]);
	fprintf(f, " >'%s/%s.log' 2>&1\n", dir, r->name);
}

struct sweep_args {
	const char *spec, *out, *emit;
	unsigned long long jobs;
	bool list, help;
};

static int sweep_parse_args(int argc, char **argv, struct sweep_args *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			a->help = true;
			return 0;
		}
		if (!strcmp(o, "--list")) {
			a->list = true;
		} else if (!strcmp(o, "--out") || !strcmp(o, "--emit") || !strcmp(o, "--jobs")) {
			if (!v)
				return cli_error(o, "missing value (try --help)");
			if (!strcmp(o, "--out")) {
				a->out = argv[++i];
			} else if (!strcmp(o, "--emit")) {
				if (strcmp(v, "parallel") && strcmp(v, "slurm"))
					return cli_error(o, "parallel or slurm");
				a->emit = argv[++i];
			} else if ((rc = parse_u64(o, argv[++i], 1, 1024, &a->jobs))) {
				return rc;
			}
		} else if (o[0] == '-' && o[1]) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", o);
			return cli_error("sweep", msg);
		} else if (a->spec) {
			return cli_error("sweep", "one SPEC only (try --help)");
		} else {
			a->spec = o;
		}
	}
	if (!a->spec)
		return cli_error("sweep", "missing SPEC (try --help)");
	if (!a->list && !a->out)
		return cli_error("sweep", "--out DIR is required (or --list)");
	if (a->emit && a->jobs)
		return cli_error("--jobs", "runs here; --emit writes the jobs for another engine");
	return 0;
}

static int sweep_parse(int argc, char **argv)
{
	struct sweep_args a;

	return sweep_parse_args(argc, argv, &a);
}

/* DIR exists or is made, and can be written: 0 or 2 (printed) */
static int out_dir(const char *dir)
{
	char msg[4400];
	struct stat sb;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		snprintf(msg, sizeof(msg), "cannot create '%.4000s': %s", dir, strerror(errno));
		return cli_error("--out", msg);
	}
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		snprintf(msg, sizeof(msg), "'%.4000s' is not a directory", dir);
		return cli_error("--out", msg);
	}
	if (access(dir, W_OK | X_OK)) {
		snprintf(msg, sizeof(msg), "cannot write to '%.4000s': %s", dir, strerror(errno));
		return cli_error("--out", msg);
	}
	return 0;
}

/* A result that exists and succeeded */
static bool result_done(const char *path)
{
	json_t *o = json_load_file(path, 0, NULL);
	bool ok = o && json_integer_value(json_object_get(o, "antifrag_result")) == 1 &&
		  json_is_integer(json_object_get(o, "exit_status")) &&
		  json_integer_value(json_object_get(o, "exit_status")) == 0;

	json_decref(o);
	return ok;
}

static int spawn_run(const struct run *r, const char *dir, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char log[4700];
	int rc;

	snprintf(log, sizeof(log), "%s/%s.log", dir, r->name);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	rc = posix_spawn(pid, r->argv[0], &fa, NULL, r->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

static void bar(bool on, uint64_t done, uint64_t total, uint64_t failed, uint64_t skipped, double t0)
{
	double el = wall_seconds() - t0;
	char eta[32] = "";

	if (!on)
		return;
	if (done > skipped && done < total)
		snprintf(eta, sizeof(eta), " ETA %.0f s", el * (double)(total - done) / (double)(done - skipped));
	fprintf(stderr, "\rsweep: %llu/%llu runs done (%llu skipped, %llu failed)%s\033[K",
		(unsigned long long)done, (unsigned long long)total, (unsigned long long)skipped,
		(unsigned long long)failed, eta);
	fflush(stderr);
}

static int run_local(const struct spec *sp, uint64_t nruns, const char *self, const char *dir, unsigned jobs)
{
	struct { pid_t pid; uint64_t i; } *live = calloc(jobs, sizeof(*live));
	struct run *r = malloc(sizeof(*r));
	uint64_t next = 0, done = 0, failed = 0, skipped = 0;
	unsigned nlive = 0;
	bool on = isatty(STDERR_FILENO) && !getenv("AF_NO_PROGRESS");
	double t0 = wall_seconds();
	int rc = 0;

	if (!live || !r) {
		free(live);
		free(r);
		return cli_error("sweep", "out of memory");
	}
	while (done < nruns) {
		while (nlive < jobs && next < nruns) {
			char res[4700];
			if (run_build(sp, next, self, dir, r)) {
				rc = cli_error("sweep", "a run's command is too long");
				goto out;
			}
			snprintf(res, sizeof(res), "%s/%s.json", dir, r->name);
			if (result_done(res)) {
				next++;
				done++;
				skipped++;
				continue;
			}
			unlink(res);	/* a failed run's result goes: this run writes its own */
			pid_t pid;
			if (spawn_run(r, dir, &pid)) {
				rc = cli_error("sweep", "cannot start a run");
				goto out;
			}
			live[nlive].pid = pid;
			live[nlive].i = next++;
			nlive++;
		}
		bar(on, done, nruns, failed, skipped, t0);
		if (!nlive)
			continue;
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			rc = cli_error("sweep", "waitpid failed");
			goto out;
		}
		for (unsigned k = 0; k < nlive; k++)
			if (live[k].pid == pid) {
				live[k] = live[--nlive];
				done++;
				if (!WIFEXITED(st) || WEXITSTATUS(st))
					failed++;
				break;
			}
	}
	bar(on, done, nruns, failed, skipped, t0);
	if (on)
		fputs("\n", stderr);
	printf("sweep %s: %llu runs, %llu run now, %llu already done, %llu failed; results in %s\n",
	       sp->name, (unsigned long long)nruns, (unsigned long long)(nruns - skipped),
	       (unsigned long long)skipped, (unsigned long long)failed, dir);
	if (failed)
		rc = 1;
out:
	while (nlive) {		/* an error: the runs still going are stopped */
		kill(live[--nlive].pid, SIGTERM);
		waitpid(live[nlive].pid, NULL, 0);
	}
	free(live);
	free(r);
	return rc;
}

/* DIR/sweep.json: the study, every run's name, variant and parameters */
static int write_manifest(const struct spec *sp, uint64_t nruns, const char *self, const char *dir, struct run *r)
{
	json_t *runs = json_array(), *keys = json_array(), *o;
	char path[4400];

	for (int k = 0; k < sp->nkeys; k++) {
		json_t *vals = json_array();
		for (int v = 0; v < sp->keys[k].nvalues; v++)
			json_array_append_new(vals, json_string(sp->keys[k].values[v]));
		json_array_append_new(keys, json_pack("{s:s, s:o}", "key", sp->keys[k].name, "values", vals));
	}
	for (uint64_t i = 0; i < nruns; i++) {
		if (run_build(sp, i, self, dir, r)) {
			json_decref(runs);
			json_decref(keys);
			return cli_error("sweep", "a run's command is too long");
		}
		json_array_append_new(runs, json_pack("{s:s, s:I}", "name", r->name, "variant", (json_int_t)r->variant));
	}
	o = json_pack("{s:i, s:s, s:s, s:o, s:o}", "antifrag_sweep", 1, "antifrag_version", AF_VERSION, "name", sp->name,
		      "keys", keys, "runs", runs);
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	int rc = json_write_file(o, path);
	json_decref(o);
	return rc;
}

static int write_jobs(const struct spec *sp, uint64_t nruns, const char *self, const char *dir, struct run *r)
{
	struct outfile of = { 0 };
	char path[4400];
	int rc;

	snprintf(path, sizeof(path), "%s/jobs.txt", dir);
	if ((rc = outfile_open(&of, path, "--emit")))
		return rc;
	for (uint64_t i = 0; i < nruns; i++) {
		if (run_build(sp, i, self, dir, r)) {
			outfile_abort(&of);
			return cli_error("sweep", "a run's command is too long");
		}
		shell_line(r, dir, of.f);
	}
	return outfile_commit(&of, "--emit");
}

static int write_sbatch(const struct spec *sp, uint64_t nruns, const char *dir)
{
	struct outfile of = { 0 };
	char path[4400];
	uint64_t tasks = nruns < 1000 ? nruns : 1000;
	int rc;

	snprintf(path, sizeof(path), "%s/sweep.sbatch", dir);
	if ((rc = outfile_open(&of, path, "--emit")))
		return rc;
	fprintf(of.f,
		"#!/bin/bash\n"
		"# antifrag sweep %s: %llu runs as a Slurm job array of %llu tasks; task T runs\n"
		"# the lines T+1, T+1+%llu, ... of jobs.txt.  Submit with: sbatch %s/sweep.sbatch\n"
		"#SBATCH --job-name=antifrag-%s\n"
		"#SBATCH --array=0-%llu\n"
		"#SBATCH --ntasks=1\n"
		"#SBATCH --cpus-per-task=1\n"
		"#SBATCH --output=%s/slurm-%%A_%%a.out\n"
		"set -u\n"
		"status=0\n"
		"line=$((SLURM_ARRAY_TASK_ID + 1))\n"
		"while [ \"$line\" -le %llu ]; do\n"
		"\tbash -c \"$(sed -n \"${line}p\" '%s/jobs.txt')\" || status=1\n"
		"\tline=$((line + %llu))\n"
		"done\n"
		"exit $status\n",
		sp->name, (unsigned long long)nruns, (unsigned long long)tasks, (unsigned long long)tasks, dir,
		sp->name, (unsigned long long)(tasks - 1), dir, (unsigned long long)nruns, dir,
		(unsigned long long)tasks);
	return outfile_commit(&of, "--emit");
}

static int sweep_main(int argc, char **argv)
{
	struct sweep_args a;
	struct spec sp;
	struct run *r = NULL;
	char self[PATH_MAX], dir[PATH_MAX];
	uint64_t nruns;
	ssize_t n;
	int rc;

	if ((rc = sweep_parse_args(argc, argv, &a)))
		return rc;
	if (a.help) {
		sweep_usage(stdout);
		return 0;
	}
	if ((rc = spec_parse(a.spec, &sp)))
		goto out;
	if (!sp.nkeys) {
		rc = spec_error(a.spec, 0, "the spec names nothing to vary or run (an empty expansion)");
		goto out;
	}
	nruns = spec_runs(&sp);
	if (nruns > MAX_RUNS) {
		rc = spec_error(a.spec, 0, "more than 1000000 runs");
		goto out;
	}
	for (int k = 0; k < sp.nkeys; k++)
		if (!strcmp(sp.keys[k].name, "workload"))
			for (int v = 0; v < sp.keys[k].nvalues; v++)
				if (af_workload_check(sp.keys[k].values[v])) {
					rc = spec_error(a.spec, sp.keys[k].line, af_errmsg());
					goto out;
				}
	for (int k = 0; k < sp.nkeys; k++)
		if (!strcmp(sp.keys[k].name, "policy"))
			for (int v = 0; v < sp.keys[k].nvalues; v++)
				if (af_policy_check(sp.keys[k].values[v])) {
					rc = spec_error(a.spec, sp.keys[k].line, af_errmsg());
					goto out;
				}
	/* the runs find this very binary, wherever they run */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		rc = cli_error("sweep", "cannot find the antifrag binary (/proc/self/exe)");
		goto out;
	}
	self[n] = '\0';
	if (a.out) {
		if ((rc = out_dir(a.out)))
			goto out;
		if (!realpath(a.out, dir)) {
			rc = cli_error("--out", strerror(errno));
			goto out;
		}
	} else if (!getcwd(dir, sizeof(dir))) {
		rc = cli_error("sweep", "cannot read the current directory");
		goto out;
	}
	if (!(r = malloc(sizeof(*r)))) {
		rc = cli_error("sweep", "out of memory");
		goto out;
	}
	/* every command must build and parse before anything runs */
	for (uint64_t i = 0; i < nruns; i++) {
		if (run_build(&sp, i, self, dir, r)) {
			rc = cli_error("sweep", "a run's command is too long");
			goto out;
		}
		bool quiet = cli_quiet;
		cli_quiet = true;
		int prc = cli_main(r->argc, r->argv, true);
		cli_quiet = quiet;
		if (prc) {
			char msg[700];
			snprintf(msg, sizeof(msg), "run %.200s: %.300s", r->name, cli_last_error);
			rc = spec_error(a.spec, 0, msg);
			goto out;
		}
		if (a.list)
			shell_line(r, dir, stdout);
	}
	if (a.list)
		goto out;
	if ((rc = write_manifest(&sp, nruns, self, dir, r)) || (rc = write_jobs(&sp, nruns, self, dir, r)))
		goto out;
	if (a.emit && !strcmp(a.emit, "parallel")) {
		printf("sweep %s: %llu runs in %s/jobs.txt; run them with\n"
		       "  parallel --jobs N --joblog %s/joblog < %s/jobs.txt\n"
		       "then: antifrag merge %s\n", sp.name, (unsigned long long)nruns, dir, dir, dir, dir);
	} else if (a.emit) {
		if ((rc = write_sbatch(&sp, nruns, dir)))
			goto out;
		printf("sweep %s: %llu runs; submit with\n  sbatch %s/sweep.sbatch\nthen: antifrag merge %s\n",
		       sp.name, (unsigned long long)nruns, dir, dir);
	} else {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned jobs = a.jobs ? (unsigned)a.jobs : cpus > 0 ? (unsigned)cpus : 1;
		fflush(stdout);
		rc = run_local(&sp, nruns, self, dir, jobs);
	}
out:
	free(r);
	spec_free(&sp);
	return rc;
}

const struct command cmd_sweep = {
	.name = "sweep",
	.summary = "expand a study's spec into runs: here (--jobs), GNU parallel or Slurm",
	.main = sweep_main,
	.parse = sweep_parse,
	.usage = sweep_usage,
};
