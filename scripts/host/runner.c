/*
 * runner: the test runner. Users start it as run_tests.sh (a build directory's symlink to
 * host/runner, or the source's launcher script) and as <arch>/run (by hand, one image:
 * "runner --run IMAGE [QEMU args...]"). docs/HACKING.md, "Runner", is its contract; the
 * options are usage() below.
 *
 * One process: it parses the cfg (cfg.c), selects and orders the tests (farm.c), starts
 * each test's QEMU command (arch.c) under host/supervise with the log as its output, waits
 * for signals (SIGCHLD, and SIGINT/SIGTERM/SIGHUP to stop) with sigwaitinfo, turns each
 * log into a verdict (verdict.c) and writes results.json and JUnit (resultsfile.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "cfg.h"
#include "farm.h"
#include "hostenv.h"
#include "resultsfile.h"
#include "verdict.h"
#include "xalloc.h"

static void usage(FILE *f)
{
	fputs("Usage: run_tests.sh [-g group[,group]] [-x test[,test]] [-j N] [-t] [-l] [-v] [-a] [-o DIR]\n"
	      "       [--junit FILE] [--expect FILE] [--shard K/N] [--durations FILE] [--version] [-h] [test...]\n"
	      "\n"
	      "Runs the tests of $TEST_DIR/unittests.cfg (from a build directory or an installed tree:\n"
	      "the current one, else the one this script is in).\n"
	      "  -g GROUPS  only tests in one of these groups (comma-separated; includes nodefault ones)\n"
	      "  -x TESTS   leave these tests out (comma-separated; the option adds up)\n"
	      "  -j N       run N tests in parallel (default: the number of host CPUs); under KVM each of\n"
	      "             a test's vCPUs takes one of the N\n"
	      "  -t         TAP version 13 output\n"
	      "  -l         list the selected tests, run nothing\n"
	      "  -v         print each test's QEMU command line\n"
	      "  -a         all tests, including those in group nodefault\n"
	      "  -o DIR     logs and results go to DIR (default: logs)\n"
	      "  --junit FILE      also write JUnit XML there (DIR/results.json is always written)\n"
	      "  --expect FILE     expected failures and skips (lines: TEST FAIL|SKIP [CONDITION...] REASON)\n"
	      "  --shard K/N       run part K of N of the selected tests (balanced by --durations)\n"
	      "  --durations FILE  a previous results.json: balance shards and start the longest tests first\n"
	      "  --version  print the suite's version\n"
	      "  -h         this help\n"
	      "Named tests run even when in group nodefault.\n"
	      "Environment: ACCEL=kvm|tcg, QEMU=binary, UNITTESTS_CFG=file, TIMEOUT_SCALE=factor,\n"
	      "MAX_SMP=N (under KVM, run tests of up to N vCPUs; default: the host's CPUs),\n"
	      "FIRST_OUTPUT_TIMEOUT=seconds (default 30 x TIMEOUT_SCALE),\n"
	      "MIGRATION_MODE=precopy|postcopy (tests in group migration run under host/migrate).\n"
	      "Logs: DIR/<test>.log (the QEMU command line, then all of QEMU's output), DIR/results.json.\n",
	      f);
}

static void usage_error(void)
{
	usage(stderr);
	exit(2);
}

/* ---- small helpers */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* S is a positive whole number without a sign or leading zero ("^[1-9][0-9]*$") */
static bool positive_number(const char *s, long *value)
{
	char *end;

	if (!s || *s < '1' || *s > '9')
		return false;
	errno = 0;
	*value = strtol(s, &end, 10);
	return !*end && !errno && *value <= INT_MAX;
}

/* PATH relative to the directory the runner was started in */
static char *abs_path(const char *caller_dir, const char *path)
{
	return path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", caller_dir, path);
}

/* S1 + "," + S2 (S2 when S1 is empty) */
static char *join_list(char *list, const char *more)
{
	char *s = list && *list ? xasprintf("%s,%s", list, more) : xstrdup(more);

	free(list);
	return s;
}

/* The next comma-separated word of *LIST (an empty one for ",,"), or NULL at the end. */
static char *next_word(char **list)
{
	char *word = *list, *comma;

	if (!word || !*word)
		return NULL;
	comma = strchr(word, ',');
	if (comma) {
		*comma = 0;
		*list = comma + 1;
	} else {
		*list = word + strlen(word);
	}
	return word;
}

/* ---- options */

struct options {
	char *groups, *exclude, *logdir, *junit, *expect, *shard, *durations;
	char *jobs_arg;
	long jobs;		/* 0: the host's CPUs */
	bool tap, list, verbose, all;
	char **names;
	int nnames;
	char *command;		/* "run_tests.sh ARGS", for results.json */
};

/* OPT wants a value: ARGC arguments are left, the option's included */
static void need_arg(const char *opt, int argc)
{
	if (argc < 2) {
		fprintf(stderr, "%s: %s wants a value\n", program_invocation_short_name, opt);
		usage_error();
	}
}

static char *command_line(int argc, char **argv)
{
	size_t len = strlen(program_invocation_short_name) + 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xmalloc(len);
	strcpy(s, program_invocation_short_name);
	for (i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void parse_options(struct options *o, int argc, char **argv, const char *caller_dir,
			  const char *srcdir)
{
	memset(o, 0, sizeof(*o));
	o->logdir = xstrdup("logs");
	o->names = xmalloc(sizeof(char *) * (argc + 1));
	o->command = command_line(argc, argv);
	for (; argc > 0; argc--, argv++) {
		const char *a = argv[0];

		if (!strcmp(a, "-x")) {
			need_arg(a, argc);
			o->exclude = join_list(o->exclude, (++argv)[0]);
			argc--;
		} else if (!strncmp(a, "-x", 2)) {
			o->exclude = join_list(o->exclude, a + 2);
		} else if (!strcmp(a, "-o") || !strcmp(a, "--junit") || !strcmp(a, "--expect") ||
			   !strcmp(a, "--durations")) {
			char **to = a[1] == 'o' ? &o->logdir : a[2] == 'j' ? &o->junit :
				    a[3] == 'x' ? &o->expect : &o->durations;

			need_arg(a, argc);
			free(*to);
			*to = abs_path(caller_dir, (++argv)[0]);
			argc--;
		} else if (!strcmp(a, "--shard")) {
			need_arg(a, argc);
			o->shard = (++argv)[0];
			argc--;
		} else if (!strcmp(a, "--version")) {
			puts(project_version(srcdir));
			exit(0);
		} else if (!strcmp(a, "-g") || !strcmp(a, "-j")) {
			if (argc < 2)
				usage_error();
			if (a[1] == 'g')
				o->groups = join_list(o->groups, argv[1]);
			else
				o->jobs_arg = argv[1];
			argv++;
			argc--;
		} else if (!strncmp(a, "-g", 2)) {
			o->groups = join_list(o->groups, a + 2);
		} else if (!strncmp(a, "-j", 2)) {
			o->jobs_arg = (char *)a + 2;
		} else if (!strcmp(a, "-t")) {
			o->tap = true;
		} else if (!strcmp(a, "-l")) {
			o->list = true;
		} else if (!strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strcmp(a, "-a")) {
			o->all = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--")) {
			for (argc--, argv++; argc > 0; argc--, argv++)
				o->names[o->nnames++] = argv[0];
			break;
		} else if (a[0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", program_invocation_short_name, a);
			usage_error();
		} else {
			o->names[o->nnames++] = argv[0];
		}
	}
	if (o->jobs_arg && !positive_number(o->jobs_arg, &o->jobs))
		die("-j wants a positive number, not '%s'", o->jobs_arg);
}

/* "K/N" with 1 <= K <= N */
static void parse_shard(const char *s, unsigned *k, unsigned *n)
{
	char *slash = strchr(s, '/'), *kpart;
	long kv = 0, nv = 0;
	bool ok;

	kpart = slash ? xstrndup(s, slash - s) : NULL;
	ok = slash && positive_number(kpart, &kv) && positive_number(slash + 1, &nv) && kv <= nv;
	free(kpart);
	if (!ok)
		die("--shard wants K/N with 1 <= K <= N, not '%s'", s);
	*k = kv;
	*n = nv;
}

/* ---- selection: names and groups add up; with neither, every test not in nodefault */

/* The tests named on the command line or in a -g group (flags by cfg index) */
static bool *wanted(const struct cfg *cfg, const struct options *o)
{
	bool *want = xnomem(calloc(cfg->ntests + 1, 1));
	char *list, *rest, *w;
	size_t i;
	int k;

	for (k = 0; k < o->nnames; k++) {
		struct cfg_test *t = cfg_find(cfg, o->names[k]);

		if (!t)
			die("unknown test '%s' (not in %s)", o->names[k], cfg->path);
		want[t - cfg->tests] = true;
	}
	rest = list = xstrdup(o->groups ? o->groups : "");
	while ((w = next_word(&rest))) {
		if (!*w)
			continue;
		if (!cfg_group_exists(cfg, w))
			die("unknown group '%s' (not in %s)", w, cfg->path);
		for (i = 0; i < cfg->ntests; i++)
			want[i] |= cfg_in_group(&cfg->tests[i], w);
	}
	free(list);
	return want;
}

/* The tests of -x (flags by cfg index); each must exist */
static bool *excluded(const struct cfg *cfg, const char *exclude)
{
	bool *out = xnomem(calloc(cfg->ntests + 1, 1));
	char *list, *rest, *w;

	rest = list = xstrdup(exclude ? exclude : "");
	while ((w = next_word(&rest))) {
		struct cfg_test *t = *w ? cfg_find(cfg, w) : NULL;

		if (*w && !t)
			die("unknown test '%s' in -x (not in %s)", w, cfg->path);
		if (t)
			out[t - cfg->tests] = true;
	}
	free(list);
	return out;
}

static const char **select_tests(const struct cfg *cfg, const struct options *o, size_t *count)
{
	const char **sel = xmalloc(sizeof(char *) * (cfg->ntests + 1));
	bool *want = wanted(cfg, o), *out = excluded(cfg, o->exclude);
	bool chosen = o->nnames || (o->groups && *o->groups);
	size_t i, n = 0;

	for (i = 0; i < cfg->ntests; i++) {
		if (chosen ? !want[i] : !o->all && cfg_in_group(&cfg->tests[i], "nodefault"))
			continue;
		if (!out[i])
			sel[n++] = cfg->tests[i].name;
	}
	free(want);
	free(out);
	*count = n;
	return sel;
}

/* ---- the run */

struct test_run {
	struct cfg_test *t;
	pid_t pid;		/* while running */
	long long start_ms;
	int slots;
	bool reported;
};

struct run {
	struct build b;
	struct options o;
	struct cfg cfg;
	struct expectations exp;
	struct test_run *tests;		/* the selected tests, in run order */
	size_t ntests;
	struct result *results;		/* in report order */
	size_t nresults;
	char *qemu, *supervise, *migrate, *logdir, *qemu_cache, *max_smp_env;
	const char *accel, *kvm_module;
	int timeout_scale, first_output_timeout, jobs, max_smp, cpus;
	int running, slots_used, passed, failed, skipped, tap_n;
	int interrupted;		/* the first stopping signal, 0: none */
	const char *c_pass, *c_fail, *c_skip, *c_off;
	sigset_t sigs;			/* blocked; taken with sigwaitinfo */
};

static const struct expectation *expectation_of(const struct run *r, const char *name)
{
	return r->exp.n ? expect_find(&r->exp, name) : NULL;
}

static char *log_path(const struct run *r, const char *name)
{
	return xasprintf("%s/%s.log", r->logdir, name);
}

/* REASON safe in a TAP description (# starts a directive there), malloc'd */
static char *tap_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *p = out;

	for (; *s; s++) {
		if (*s == '\\' || *s == '#')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = 0;
	return out;
}

/* One TAP13 test line, named by the cfg name only (farms track tests by it), then the
 * verdict, the log and the guest's claims as diagnostics. */
static void tap_report(struct run *r, const char *name, const char *result, const char *reason,
		       const char *cmd, const struct verdict *v)
{
	char *ename = tap_escape(name), *ereason = tap_escape(reason);
	size_t i;

	r->tap_n++;
	if (!strcmp(result, "PASS"))
		printf("ok %d - %s\n", r->tap_n, ename);
	else if (!strcmp(result, "SKIP"))
		printf("ok %d - %s # skip %s\n", r->tap_n, ename, ereason);
	else if (!strcmp(result, "XFAIL"))
		printf("not ok %d - %s # TODO expected failure\n", r->tap_n, ename);
	else
		printf("not ok %d - %s\n", r->tap_n, ename);
	printf("# result: %s%s%s%s\n", result, *reason ? " (" : "", reason, *reason ? ")" : "");
	if (r->o.verbose && cmd && *cmd)
		printf("# command: %s\n", cmd);
	printf("# log: %s/%s.log\n", r->logdir, name);
	for (i = 0; v && i < v->nsubs; i++)
		printf("# %s\n", v->subs[i]);
	free(ename);
	free(ereason);
}

/* Print one verdict, count it and record it for the results files. XFAIL counts as
 * skipped, XPASS as failed. MS < 0: the test did not run. */
static void report(struct run *r, struct test_run *tr, const char *result, const char *reason,
		   const struct verdict *v, long ms)
{
	const char *name = tr->t->name, *cmd = v && ms >= 0 ? v->cmd : NULL, *color;
	const struct expectation *e = expectation_of(r, name);
	struct result *res = &r->results[r->nresults++];
	char *cut = strlen(reason) > 200 ? xasprintf("%.197s...", reason) : xstrdup(reason);

	tr->reported = true;
	if (!strcmp(result, "PASS")) {
		r->passed++;
		color = r->c_pass;
	} else if (!strcmp(result, "SKIP") || !strcmp(result, "XFAIL")) {
		r->skipped++;
		color = r->c_skip;
	} else {
		r->failed++;
		color = r->c_fail;
	}
	*res = (struct result){
		.name = name, .verdict = result, .reason = cut, .cmd = cmd ? xstrdup(cmd) : NULL,
		.ms = ms, .tests = v && ms >= 0 ? v->tests : -1, .log = log_path(r, name),
		.expected = e ? xasprintf("%s: %s", e->verdict, e->reason) : NULL,
	};
	if (v && ms >= 0) {
		res->failed = v->failed;
		res->xfail = v->xfail;
		res->kfail = v->kfail;
		res->skipped = v->skipped;
	}
	if (r->o.tap) {
		tap_report(r, name, result, cut, cmd, v);
	} else {
		if (r->o.verbose && cmd && *cmd)
			printf("%s\n", cmd);
		printf("%s%s%s %s%s%s%s\n", color, result, r->c_off, name, *cut ? " (" : "", cut,
		       *cut ? ")" : "");
	}
	fflush(stdout);
}

/* TEST's skip_on_kvm names this host's KVM module: the reason, malloc'd; else NULL */
static char *skipped_on_kvm_module(const struct run *r, const struct cfg_test *t)
{
	const char *reason = t->skip_on_kvm_reason ? t->skip_on_kvm_reason : "";
	char *mods, *m;
	bool named;

	if (!t->skip_on_kvm_modules || !*r->kvm_module)
		return NULL;
	mods = xasprintf(",%s,", t->skip_on_kvm_modules);
	m = xasprintf(",%s,", r->kvm_module);
	named = strstr(mods, m);
	free(mods);
	free(m);
	if (!named)
		return NULL;
	reason += strspn(reason, " \t");
	return xasprintf("on %s: %s", r->kvm_module, reason);
}

/* NULL when TEST can run here, else "RESULT reason" (malloc'd) */
static char *precheck(const struct run *r, const struct cfg_test *t)
{
	const struct expectation *e = expectation_of(r, t->name);
	char *why, *image;

	if (e && !strcmp(e->verdict, "SKIP"))
		return xasprintf("SKIP %s", e->reason);
	if (t->arch && strcmp(t->arch, r->b.arch_name))
		return xasprintf("SKIP needs arch %s", t->arch);
	if (t->accel && strcmp(t->accel, r->accel))
		return xasprintf("SKIP needs accel %s", t->accel);
	if (!strcmp(r->accel, "kvm") && (why = skipped_on_kvm_module(r, t))) {
		char *s = xasprintf("SKIP %s", why);

		free(why);
		return s;
	}
	if (!strcmp(r->accel, "kvm") && t->smp > r->max_smp)
		return xasprintf("SKIP needs %d vCPUs, KVM host has %d%s%s", t->smp, r->cpus,
				 r->max_smp_env ? " and MAX_SMP=" : "",
				 r->max_smp_env ? r->max_smp_env : "");
	if ((why = cfg_check_host(t))) {
		char *s = xasprintf("SKIP %s", why);

		free(why);
		return s;
	}
	image = xasprintf("%s/%s", r->b.test_dir, t->file);
	if (!is_file(image)) {
		why = xasprintf("FAIL image %s not built", image);
		free(image);
		return why;
	}
	free(image);
	return NULL;
}

/* A verdict decided before QEMU starts: the log holds its reason. */
static void report_precheck(struct run *r, struct test_run *tr, char *outcome)
{
	char *space = strchr(outcome, ' '), *log = log_path(r, tr->t->name);
	const struct expectation *e = expectation_of(r, tr->t->name);
	struct verdict v;
	FILE *f;

	*space = 0;
	unlink(log);
	f = fopen(log, "w");
	if (f) {
		fprintf(f, "%s\n", space + 1);
		fclose(f);
	}
	free(log);
	verdict_set(&v, outcome, space + 1);
	verdict_expect(&v, tr->t->expect_abort, e && !strcmp(e->verdict, "FAIL") ? "FAIL" : NULL,
		       e ? e->reason : NULL);
	report(r, tr, v.result, v.reason, &v, -1);
	verdict_free(&v);
}

/* The test's QEMU arguments: -smp, its qemu_params, -append its test_args */
static char **test_args(const struct cfg_test *t, int *count)
{
	int n = 0, i;
	char **args;

	while (t->qemu_params[n])
		n++;
	args = xmalloc(sizeof(char *) * (n + 5));
	args[0] = "-smp";
	args[1] = xasprintf("%d", t->smp);
	for (i = 0; i < n; i++)
		args[2 + i] = t->qemu_params[i];
	n += 2;
	if (t->test_args) {
		args[n++] = "-append";
		args[n++] = t->test_args;
	}
	args[n] = NULL;
	*count = n;
	return args;
}

/* The supervisor's command line around CMD (run_qemu in the docs): -i IMAGE, time limits,
 * the runner's pid to watch, then host/migrate for migration tests. */
static char **supervised(const char *supervise, const char *migrate, const char *image,
			 const char *timeout, const char *first, const char *watch, char **cmd)
{
	int n = 0, i;
	char **argv;

	while (cmd[n])
		n++;
	argv = xmalloc(sizeof(char *) * (n + 16));
	i = 0;
	argv[i++] = (char *)supervise;
	argv[i++] = "-i";
	argv[i++] = (char *)image;
	if (timeout) {
		argv[i++] = "-t";
		argv[i++] = (char *)timeout;
	}
	if (first) {
		argv[i++] = "-f";
		argv[i++] = (char *)first;
	}
	if (watch) {
		argv[i++] = "-w";
		argv[i++] = (char *)watch;
		argv[i++] = "-S";
	}
	argv[i++] = "--";
	if (migrate) {
		argv[i++] = (char *)migrate;
		argv[i++] = "--";
	}
	memcpy(argv + i, cmd, sizeof(char *) * (n + 1));
	return argv;
}

/* The environment, with MIGRATION_MODE=MODE (for host/migrate) */
static char **environment_with_mode(const char *mode)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xmalloc(sizeof(char *) * (n + 2));
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], "MIGRATION_MODE=", 15))
			env[k++] = environ[n];
	env[k++] = xasprintf("MIGRATION_MODE=%s", mode);
	env[k] = NULL;
	return env;
}

/* Start ARGV with LOGFD as stdout and stderr, /dev/null as stdin, every signal unblocked and
 * at its default. posix_spawn, not fork: a copy of the runner's memory, and the page faults
 * of writing to it afterwards, are a good part of a test's start-up cost on a VM. */
static pid_t spawn_test(char **argv, int logfd, char **envp)
{
	posix_spawn_file_actions_t files;
	posix_spawnattr_t attr;
	sigset_t none, stops;
	pid_t pid;
	int err;

	posix_spawn_file_actions_init(&files);
	posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&files, logfd, 1);
	posix_spawn_file_actions_adddup2(&files, logfd, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &stops);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, argv[0], &files, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&files);
	if (err)
		die("cannot run %s: %s", argv[0], strerror(err));
	return pid;
}

/* A test's supervisor ended (or it could not start): print its verdict. */
static void finish(struct run *r, struct test_run *tr)
{
	const struct expectation *e = expectation_of(r, tr->t->name);
	long ms = now_ms() - tr->start_ms;
	char *log = log_path(r, tr->t->name);
	struct verdict v;

	tr->pid = 0;
	r->running--;
	r->slots_used -= tr->slots;
	verdict_from_log(&v, log, tr->t->timeout_s * r->timeout_scale, r->b.arch);
	verdict_expect(&v, tr->t->expect_abort, e && !strcmp(e->verdict, "FAIL") ? "FAIL" : NULL,
		       e ? e->reason : NULL);
	report(r, tr, v.result, v.reason, &v, ms);
	verdict_free(&v);
	free(log);
}

/* A new LOGDIR/NAME.log, its first line the command CMD, open for the test's output. The
 * old log is unlinked, not truncated: ext4 starts writing back a truncated file's new data
 * when it is closed (auto_da_alloc), a cost of every test. */
static int open_log(const struct run *r, const char *name, char **cmd)
{
	char *log = log_path(r, name), *line = argv_quote(cmd);
	int fd;

	unlink(log);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || dprintf(fd, "%s\n", line) < 0)
		die("cannot write %s: %s", log, strerror(errno));
	free(line);
	free(log);
	return fd;
}

/* Run TR in the background, logging to LOGDIR/TEST.log (line 1: the command). */
static void start(struct run *r, struct test_run *tr)
{
	const struct cfg_test *t = tr->t;
	char token[17], *image = xasprintf("%s/%s", r->b.test_dir, t->file);
	char timeout[16], first[16], watch[16], **args, **cmd, **argv, **env;
	const char *mode = NULL, *env_mode = getenv("MIGRATION_MODE");
	int nargs, logfd, limit = t->timeout_s * r->timeout_scale;
	struct run_request req;

	exit_token(token);
	args = test_args(t, &nargs);
	req = (struct run_request){ .qemu = r->qemu, .accel = r->accel, .kvm_module = r->kvm_module,
				    .token = token, .image = image, .nargs = nargs, .args = args };
	cmd = arch_build_cmd(r->b.arch, &req);
	if (!cmd)
		die("cannot build the QEMU command of %s", t->name);
	logfd = open_log(r, t->name, cmd);
	if (cfg_in_group(t, "migration"))
		mode = t->migration_mode ? t->migration_mode : env_mode && *env_mode ? env_mode :
		       "precopy";
	snprintf(timeout, sizeof(timeout), "%d", limit);
	snprintf(first, sizeof(first), "%d", r->first_output_timeout);
	snprintf(watch, sizeof(watch), "%d", (int)getpid());
	argv = supervised(r->supervise, mode ? r->migrate : NULL, image, timeout,
			  r->first_output_timeout < limit ? first : NULL, watch, cmd);
	tr->start_ms = now_ms();
	r->running++;
	r->slots_used += tr->slots;
	if (mode && access(r->migrate, X_OK)) {
		dprintf(logfd, "MIGRATION-ERROR: %s is not built (make; needs libjansson-dev)\n",
			r->migrate);
		close(logfd);
		finish(r, tr);
	} else {
		env = mode ? environment_with_mode(mode) : environ;
		tr->pid = spawn_test(argv, logfd, env);
		close(logfd);
		if (env != environ)
			free(env);
	}
	free(argv);
	argv_free(cmd);
	free(args[1]);
	free(args);
	free(image);
}

static void stop_all(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ntests; i++)
		if (r->tests[i].pid > 0)
			kill(r->tests[i].pid, SIGTERM);
}

/* Wait for one running test to end (and report it), or for a stopping signal. */
static void reap(struct run *r)
{
	siginfo_t si;
	size_t i;
	pid_t pid;
	int status, sig;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		for (i = 0; pid > 0 && i < r->ntests; i++) {
			if (r->tests[i].pid == pid) {
				finish(r, &r->tests[i]);
				return;
			}
		}
		if (pid > 0)
			continue;
		sig = sigwaitinfo(&r->sigs, &si);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			if (!r->interrupted)
				r->interrupted = sig;
			stop_all(r);
			return;
		}
	}
}

/* Any handler (not SIG_IGN, which would drop them): they stay blocked and are taken by
 * sigwaitinfo. So a run started with SIGINT ignored (a script's background job) still
 * stops on SIGINT. */
static void on_signal(int sig)
{
	(void)sig;
}

static void take_signals(struct run *r)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&r->sigs);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&r->sigs, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &r->sigs, NULL);
}

/* One run per log directory: a second one would overwrite the first's logs and read them
 * back as its own verdicts. The lock goes with the last process holding DIR/.lock open
 * (the supervisors inherit it while their QEMUs still write logs). */
static void lock_logs_dir(const char *dir)
{
	char *path = xasprintf("%s/.lock", dir), holder[64] = "";
	int fd = open(path, O_RDWR | O_CREAT, 0666);
	ssize_t n;
	char *p;

	if (fd < 0)
		die("cannot open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = read(fd, holder, sizeof(holder) - 1);
		holder[n > 0 ? n : 0] = 0;
		holder[strcspn(holder, "\n")] = 0;
		for (p = holder + strlen(holder); p > holder && (p[-1] == ' ' || p[-1] == '\t');)
			*--p = 0;
		p = holder + strspn(holder, " \t");
		die("another run_tests.sh%s%s%s is running with log directory %s: wait for it to end, "
		    "or give this run its own (-o DIR)", *p ? " (pid " : "", p, *p ? ")" : "", dir);
	}
	if (dprintf(fd, "%-12d\n", (int)getpid()) < 0)
		die("cannot write %s", path);
	free(path);
}

static int env_number(const char *name, long def)
{
	const char *s = getenv(name);
	long v;

	if (!s || !*s)
		return def;
	if (!positive_number(s, &v))
		die("%s must be a positive whole number", name);
	return v;
}

/* The selected tests, sharded (--shard) with the recorded durations (--durations) in D;
 * printed for -l. */
static const char **selection(struct run *r, const char *cfg_path, size_t *count,
			      struct durations *d)
{
	unsigned k = 0, n = 0;
	const char **sel;
	size_t i;

	if (r->o.shard)
		parse_shard(r->o.shard, &k, &n);
	r->timeout_scale = env_number("TIMEOUT_SCALE", 1);
	r->first_output_timeout = env_number("FIRST_OUTPUT_TIMEOUT", 30L * r->timeout_scale);
	if (!cfg_parse(&r->cfg, cfg_path))
		exit(2);
	sel = select_tests(&r->cfg, &r->o, count);
	if (r->o.durations) {
		if (!is_file(r->o.durations))
			die("durations file %s not found", r->o.durations);
		durations_load(d, r->o.durations);
	}
	if (r->o.shard)
		*count = farm_shard(sel, *count, k, n, &r->cfg, d);
	if (r->o.list) {
		for (i = 0; i < *count; i++)
			puts(sel[i]);
		exit(0);
	}
	return sel;
}

/* QEMU, the accelerator, the supervisor, the CPUs and how many vCPUs KVM may run */
static void probe_host(struct run *r)
{
	const char *max_env = getenv("MAX_SMP");
	long max_smp;

	r->qemu = find_qemu(&r->b);
	r->accel = pick_accel(&r->b);
	r->kvm_module = kvm_module(r->accel);
	r->supervise = xasprintf("%s/host/supervise", r->b.dir);
	r->migrate = xasprintf("%s/host/migrate", r->b.dir);
	if (access(r->supervise, X_OK))
		die("%s is not built: run make in %s", r->supervise, r->b.dir);
	r->cpus = host_cpus();
	r->jobs = r->o.jobs ? r->o.jobs : r->cpus;
	max_smp = r->cpus;
	if (max_env && *max_env && !positive_number(max_env, &max_smp))
		die("MAX_SMP must be a positive number, not '%s'", max_env);
	r->max_smp = max_smp;
	r->max_smp_env = max_env && *max_env ? xstrdup(max_env) : NULL;
}

/* --expect: its conditions may name the QEMU version */
static void load_expectations(struct run *r)
{
	struct expect_env env = { .accel = r->accel, .arch = r->b.arch_name,
				  .kvm_module = r->kvm_module };
	char *line, *number;

	line = qemu_version(r->qemu, r->qemu_cache);
	number = qemu_version_number(line);
	env.qemu_version = number;
	if (!expect_load(&r->exp, r->o.expect, &env))
		exit(2);
	free(number);
	free(line);
}

/* The run order: longest first when durations are known; each test's -j slots */
static void plan(struct run *r, const char **sel, size_t n, const struct durations *d)
{
	size_t i;

	if (d->n)
		farm_longest_first(sel, n, &r->cfg, d);
	r->tests = xnomem(calloc(n + 1, sizeof(*r->tests)));
	r->results = xnomem(calloc(n + 1, sizeof(*r->results)));
	for (i = 0; i < n; i++) {
		struct cfg_test *t = cfg_find(&r->cfg, sel[i]);

		r->tests[i].t = t;
		/* Under KVM each vCPU is a host thread that wants a CPU: a test takes one of
		 * the -j slots per vCPU (all of them at most); under TCG one. */
		r->tests[i].slots = strcmp(r->accel, "kvm") ? 1 : t->smp < r->jobs ? t->smp : r->jobs;
	}
	r->ntests = n;
}

/* Setup: options, the selection (printed for -l), the host, the log directory. */
static void prepare(struct run *r, int argc, char **argv, const char *caller_dir)
{
	const char *cfg_env = getenv("UNITTESTS_CFG");
	struct durations dur = { 0 };
	const char **sel;
	char *cfg_path;
	size_t n;

	parse_options(&r->o, argc, argv, caller_dir, r->b.srcdir);
	r->logdir = r->o.logdir;
	if (strcmp(caller_dir, r->b.dir) && !strcmp(r->logdir, "logs"))
		r->logdir = xasprintf("%s/logs", caller_dir);
	cfg_path = cfg_env && *cfg_env ? abs_path(caller_dir, cfg_env) :
		   xasprintf("%s/%s/unittests.cfg", r->b.srcdir, r->b.test_dir);
	sel = selection(r, cfg_path, &n, &dur);
	probe_host(r);
	if (mkdir(r->logdir, 0777) && errno != EEXIST)
		die("cannot create %s", r->logdir);
	r->qemu_cache = xasprintf("%s/.qemu-version", r->logdir);
	if (r->o.expect)
		load_expectations(r);
	plan(r, sel, n, &dur);
	durations_free(&dur);
	free(sel);
	free(cfg_path);
}

static void run_tests(struct run *r)
{
	size_t i;
	char *outcome;

	if (r->o.tap)
		printf("TAP version 13\n1..%zu\n", r->ntests);
	for (i = 0; i < r->ntests && !r->interrupted; i++) {
		struct test_run *tr = &r->tests[i];

		outcome = precheck(r, tr->t);
		if (outcome) {
			report_precheck(r, tr, outcome);
			free(outcome);
			continue;
		}
		while (r->running && r->slots_used + tr->slots > r->jobs)
			reap(r);
		if (r->interrupted)
			break;
		start(r, tr);
	}
	while (r->running)
		reap(r);
	/* every test gets its line, so that a TAP plan still adds up */
	for (i = 0; r->interrupted && i < r->ntests; i++)
		if (!r->tests[i].reported)
			report(r, &r->tests[i], "SKIP", "not run: interrupted", NULL, -1);
}

/* The build directory is the current one, else the one this program is in (a build
 * directory's or an installed tree's host/runner), which becomes the current one. */
static const char *enter_build_dir(const char *caller_dir)
{
	static char exe[PATH_MAX];
	ssize_t n;
	int up;

	if (!access("config.mak", F_OK))
		return caller_dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	for (up = 0; up < 2 && strrchr(exe, '/'); up++)
		*strrchr(exe, '/') = 0;
	if (up < 2 || chdir(exe) || access("config.mak", F_OK))
		die("no config.mak here: run this from a build directory (./configure first)");
	return exe;
}

static void write_results(struct run *r, const char *started, long ms)
{
	static const char *const sig_names[] = { [SIGINT] = "INT", [SIGTERM] = "TERM",
						  [SIGHUP] = "HUP" };
	struct results_run res = {
		.version = project_version(r->b.srcdir), .arch = r->b.arch_name, .accel = r->accel,
		.kvm_module = r->kvm_module, .qemu = r->qemu, .qemu_cache = r->qemu_cache,
		.host_cpus = r->cpus, .started = started, .ms = ms, .command = r->o.command,
		.interrupted = r->interrupted ? sig_names[r->interrupted] : "",
		.passed = r->passed, .failed = r->failed, .skipped = r->skipped,
		.tests = r->results, .ntests = r->nresults,
	};
	char *json = xasprintf("%s/results.json", r->logdir);

	if (!results_write(&res, json, r->o.junit))
		exit(2);
	free(json);
}

static int run_main(int argc, char **argv)
{
	static struct run run;
	struct run *r = &run;
	char caller_dir[PATH_MAX], started[64];
	long long t0;
	time_t now;
	int status;

	if (!getcwd(caller_dir, sizeof(caller_dir)))
		die("cannot tell the current directory: %s", strerror(errno));
	build_load(&r->b, enter_build_dir(caller_dir));
	prepare(r, argc, argv, caller_dir);
	r->c_pass = r->c_fail = r->c_skip = r->c_off = "";
	if (isatty(1) && !r->o.tap) {
		r->c_pass = "\033[32m";
		r->c_fail = "\033[31m";
		r->c_skip = "\033[33m";
		r->c_off = "\033[0m";
	}
	lock_logs_dir(r->logdir);
	take_signals(r);
	t0 = now_ms();
	now = time(NULL);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	run_tests(r);

	printf("SUMMARY: %d passed, %d failed, %d skipped\n", r->passed, r->failed, r->skipped);
	fflush(stdout);
	status = r->interrupted ? 128 + r->interrupted : r->failed > 0;
	write_results(r, started, now_ms() - t0);
	return status;
}

/* ---- by hand: one image, "<arch>/run IMAGE [QEMU args...] [-append "test args"]" */

static void run_usage(void)
{
	fputs("usage: run IMAGE [QEMU args...] [-append \"test args\"]\n"
	      "Runs one test image under QEMU from a build directory. Environment: ACCEL=kvm|tcg,\n"
	      "QEMU=binary, TIMEOUT=seconds, RUN_DRY_RUN=1 (print the command only).\n"
	      "The exit status is QEMU's (x86: (guest code << 1) | 1).\n", stderr);
	exit(2);
}

static int run_by_hand(int argc, char **argv)
{
	const char *timeout = getenv("TIMEOUT"), *first = getenv("FIRST_OUTPUT_TIMEOUT");
	const char *dry = getenv("RUN_DRY_RUN"), *migration = getenv("MIGRATION");
	const char *mode = getenv("MIGRATION_MODE");
	char dir[PATH_MAX], token[17], *line, **cmd, **sup, *migrate;
	struct run_request req;
	struct build b;

	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))
		run_usage();
	if (!getcwd(dir, sizeof(dir)))
		die("cannot tell the current directory: %s", strerror(errno));
	build_load(&b, dir);
	if (!is_file(argv[0]))
		die("image %s not found (build it with make)", argv[0]);
	exit_token(token);
	req = (struct run_request){ .qemu = find_qemu(&b), .accel = pick_accel(&b),
				    .token = token, .image = argv[0], .nargs = argc - 1,
				    .args = argv + 1 };
	req.kvm_module = kvm_module(req.accel);
	cmd = arch_build_cmd(b.arch, &req);
	if (!cmd)
		run_usage();
	line = argv_quote(cmd);
	fprintf(stderr, "%s\n", line);
	if (dry && *dry)
		return 0;
	if (!timeout || !*timeout)
		timeout = NULL;
	if (!first || !*first || !timeout || atof(first) >= atof(timeout))
		first = NULL;
	migrate = xasprintf("%s/host/migrate", b.dir);
	if (migration && !strcmp(migration, "yes")) {
		if (access(migrate, X_OK)) {
			fprintf(stderr, "MIGRATION-ERROR: %s is not built (make; needs libjansson-dev)\n",
				migrate);
			return 125;
		}
		setenv("MIGRATION_MODE", mode && *mode ? mode : "precopy", 1);
	} else {
		migrate = NULL;
	}
	sup = supervised(xasprintf("%s/host/supervise", b.dir), migrate, argv[0], timeout, first,
			 NULL, cmd);
	if (access(sup[0], X_OK))
		die("%s is not built: run make in %s", sup[0], b.dir);
	execv(sup[0], sup);
	die("cannot run %s: %s", sup[0], strerror(errno));
}

int main(int argc, char **argv)
{
	/* messages name what users type, whichever way it started the runner */
	if (argc >= 2 && !strcmp(argv[1], "--run")) {
		program_invocation_short_name = "run";
		return run_by_hand(argc - 2, argv + 2);
	}
	program_invocation_short_name = "run_tests.sh";
	/* memory given back to the kernel is page faults again, costly on a VM */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	return run_main(argc - 1, argv + 1);
}
