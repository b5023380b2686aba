/*
 * show.c - `antifrag show PATH [--at MS]`: print a kernel file of a run that
 * wrote its files with --procfs DIR (and --procfs-every), at the end or at
 * a sample time, exactly as the run wrote it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void show_usage(FILE *f)
{
	fputs(
"usage: antifrag show PATH [--at MS]\n"
"\n"
"Print a kernel file of a run written with `antifrag run --procfs DIR`: PATH\n"
"is the file inside that tree, e.g. DIR/proc/buddyinfo, DIR/proc/pagetypeinfo,\n"
"DIR/proc/vmstat, DIR/proc/zoneinfo, DIR/proc/sys/vm/NAME,\n"
"DIR/sys/kernel/debug/extfrag/unusable_index.  Without --at it is the file at\n"
"the end of the run.\n"
"\n"
"  --at MS              the file at the sample time MS (milliseconds of virtual\n"
"                       time) of a run with --procfs-every: the latest sample at\n"
"                       or before MS (named on stderr when it is not MS itself)\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0, or 2 when the file or the sample does not exist.\n", f);
}

struct show_args {
	const char *path;
	unsigned long long at;
	bool has_at, help;
};

static int show_parse_args(int argc, char **argv, struct show_args *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			a->help = true;
			return 0;
		}
		if (!strcmp(o, "--at")) {
			if (i + 1 >= argc)
				return cli_error(o, "missing value (try --help)");
			if ((rc = parse_u64(o, argv[++i], 0, 1000000000ULL, &a->at)))
				return rc;
			a->has_at = true;
		} else if (o[0] == '-' && o[1]) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown option '%.100s' (try --help)", o);
			return cli_error("show", msg);
		} else if (a->path) {
			return cli_error("show", "one PATH only (try --help)");
		} else {
			a->path = o;
		}
	}
	if (!a->path)
		return cli_error("show", "missing PATH: a kernel file in a --procfs tree (try --help)");
	return 0;
}

static int show_parse(int argc, char **argv)
{
	struct show_args a;

	return show_parse_args(argc, argv, &a);
}

/* Where the kernel's part of path begins ("/proc/..." or "/sys/..."), or NULL */
static const char *kernel_part(const char *path)
{
	const char *const *paths = af_render_paths();
	size_t n = strlen(path);

	for (int k = 0; paths[k]; k++) {
		size_t l = strlen(paths[k]);
		if (n >= l && !strcmp(path + n - l, paths[k]))
			return path + n - l;
	}
	for (const char *p = strstr(path, "/proc/sys/vm/"); p; p = strstr(p + 1, "/proc/sys/vm/"))
		if (p[13] && !strchr(p + 13, '/'))
			return p;
	return NULL;
}

static int print_file(const char *full, const char *shown)
{
	char msg[4400];
	FILE *f = fopen(full, "r");
	char buf[65536];
	size_t n;

	if (!f) {
		snprintf(msg, sizeof(msg), "%s: %s", shown, strerror(errno));
		return cli_error("show", msg);
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	if (ferror(f)) {
		fclose(f);
		snprintf(msg, sizeof(msg), "%s: cannot read", shown);
		return cli_error("show", msg);
	}
	fclose(f);
	return stdout_check();
}

static int show_main(int argc, char **argv)
{
	struct show_args a;
	char root[4096], full[8400], msg[8600];
	const char *kp;
	struct stat sb;
	int rc;

	if ((rc = show_parse_args(argc, argv, &a)))
		return rc;
	if (a.help) {
		show_usage(stdout);
		return 0;
	}
	if (!(kp = kernel_part(a.path))) {
		snprintf(msg, sizeof(msg), "%.4000s: not a kernel file antifrag writes (/proc/buddyinfo, "
			 "/proc/sys/vm/NAME, ...: try --help)", a.path);
		return cli_error("show", msg);
	}
	if ((size_t)(kp - a.path) >= sizeof(root))
		return cli_error("show", "path too long");
	memcpy(root, a.path, (size_t)(kp - a.path));
	root[kp - a.path] = '\0';
	if (!a.has_at)
		return print_file(a.path, a.path);

	/* a path into one sample's tree (DIR/at/500/proc/...) stands for DIR */
	char *at = strstr(root, "/at/");
	while (at && strstr(at + 1, "/at/"))
		at = strstr(at + 1, "/at/");
	if (at && at[4] && strspn(at + 4, "0123456789") == strlen(at + 4))
		*at = '\0';
	if (!*root)
		strcpy(root, ".");
	snprintf(full, sizeof(full), "%s/at", root);
	DIR *d = opendir(full);
	if (!d) {
		snprintf(msg, sizeof(msg), "%.4000s: no sample trees (run with --procfs-every MS)", full);
		return cli_error("--at", msg);
	}
	unsigned long long best = 0, first = ~0ULL;
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		unsigned long long t;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		errno = 0;
		t = strtoull(e->d_name, &end, 10);
		if (*end || errno)
			continue;
		if (t < first)
			first = t;
		if (t <= a.at && (!found || t > best)) {
			best = t;
			found = true;
		}
	}
	closedir(d);
	if (!found) {
		if (first == ~0ULL)
			snprintf(msg, sizeof(msg), "%.4000s: no sample trees", full);
		else
			snprintf(msg, sizeof(msg), "no sample at or before %llu ms (the first is at %llu ms)", a.at, first);
		return cli_error("--at", msg);
	}
	snprintf(full, sizeof(full), "%s/at/%llu%s", root, best, kp);
	if (stat(full, &sb) || !S_ISREG(sb.st_mode)) {
		snprintf(msg, sizeof(msg), "%.8000s: no such file in the sample", full);
		return cli_error("show", msg);
	}
	if (best != a.at && !cli_quiet)
		fprintf(stderr, "antifrag: show: the sample at %llu ms (the latest at or before %llu ms)\n", best, a.at);
	return print_file(full, full);
}

const struct command cmd_show = {
	.name = "show",
	.summary = "print a kernel file of a --procfs run, at the end or at a sample time",
	.main = show_main,
	.parse = show_parse,
	.usage = show_usage,
};
