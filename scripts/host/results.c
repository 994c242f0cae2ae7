/*
 * results: the runner's machine-readable output (docs/HACKING.md, "Results files").
 *
 *   results write [-s STATUS] JSON-FILE [JUNIT-FILE] -- RECORDS...   write one run's records,
 *                                          then exit with STATUS (default 0; 2 on errors)
 *   results durations JSON-FILE            print "NAME MS" per test that ran in that run
 *   results qemu-version QEMU [CACHE]      print the first line of "QEMU --version"
 *   results compare [-s PCT] [-m MS] OLD.json NEW.json
 *
 * write: the records are triples of arguments KIND KEY VALUE (arguments, not a pipe: the
 * runner saves a fork):
 *   env  KEY VALUE   a string of "environment"        run  KEY VALUE  a top-level string
 *   test name NAME   starts a test record             str  KEY VALUE  a string of the test
 *   int  KEY VALUE   an integer of the test ("counts.tests": KEY inside object "counts")
 *   sec  KEY VALUE   a number of seconds ("1.250") of the test, or top-level before any test
 *   qemu CACHE QEMU  environment "qemu" and "qemu_version" (see qemu-version)
 * The host facts the runner cannot get without forks are added here: host kernel, host
 * name, CPU model, and the parameters of the KVM module named by env kvm_module (and kvm's).
 * Files are written under a temporary name and renamed. The JUnit file holds one testsuite
 * (named after env arch and accel), one testcase per test with its log as system-out.
 *
 * qemu-version: asks QEMU once, then answers from CACHE (a file: QEMU's path, its inode, size,
 * mtime and ctime, and the line) while the binary is that same file; a package upgrade that
 * keeps an old mtime still changes the inode and the ctime.
 *
 * compare: new failures (FAIL/XPASS now, anything else before), fixed tests, new skips,
 * tests that disappeared, and passing tests slower by more than PCT percent (default 50)
 * and MS milliseconds (default 1000). Exit status 1 when a test newly fails or became
 * slower, 0 otherwise, 2 when a file cannot be read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_LOG_BYTES (1 << 20)

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "results: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* A copy of s (n bytes) with every byte that is not valid UTF-8 replaced by '?'. */
static char *clean_utf8(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i = 0, len;

	if (!out)
		die("out of memory", NULL);
	while (i < n) {
		len = s[i] ? utf8_len((const unsigned char *)s + i, n - i) : 0;
		if (!len) {
			out[i++] = '?';
			continue;
		}
		memcpy(out + i, s + i, len);
		i += len;
	}
	out[n] = 0;
	return out;
}

static json_t *jstr(const char *s)
{
	char *c = clean_utf8(s, strlen(s));
	json_t *j = json_string(c);

	free(c);
	return j;
}

/* The whole of a small file (at most max bytes, *len set), NULL when unreadable. */
static char *slurp(const char *path, size_t max, size_t *len, int *truncated)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf)
		die("out of memory", NULL);
	n = fread(buf, 1, max, f);
	if (truncated)
		*truncated = n == max && fgetc(f) != EOF;
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* The first line of a file, without its newline; NULL when unreadable. */
static char *first_line(const char *path)
{
	char *s = slurp(path, 4096, NULL, NULL);

	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

/* ---- the QEMU version */

/* The first line QEMU prints for --version ("" when it cannot run). */
static char *ask_qemu_version(const char *qemu)
{
	int pipefd[2], status;
	char buf[512] = "";
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe(pipefd))
		return strdup("");
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 2);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		execl(qemu, qemu, "--version", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	buf[len] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

static char *qemu_version(const char *qemu, const char *cache)
{
	struct stat st;
	char key[1024], *text, *version, tmp[4096];
	size_t klen;
	FILE *f;

	if (stat(qemu, &st))
		return strdup("");
	snprintf(key, sizeof(key), "%s\n%llu %lld %lld.%09ld %lld.%09ld\n", qemu,
		 (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	klen = strlen(key);
	if (cache && (text = slurp(cache, 8192, NULL, NULL))) {
		if (!strncmp(text, key, klen) && text[klen]) {
			version = strdup(text + klen);
			version[strcspn(version, "\n")] = 0;
			free(text);
			return version;
		}
		free(text);
	}
	version = ask_qemu_version(qemu);
	if (cache && *version) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", cache, (int)getpid());
		f = fopen(tmp, "w");
		if (f && fprintf(f, "%s%s\n", key, version) > 0 && !fclose(f)) {
			if (rename(tmp, cache))
				unlink(tmp);
		} else {
			if (f)
				fclose(f);
			unlink(tmp);
		}
	}
	return version;
}

static int cmd_qemu_version(int argc, char **argv)
{
	char *v;

	if (argc < 1 || argc > 2)
		die("usage: results qemu-version QEMU [CACHE]", NULL);
	v = qemu_version(argv[0], argc == 2 ? argv[1] : NULL);
	puts(v);
	free(v);
	return 0;
}

/* ---- write */

/* Set KEY of obj; "a.b" sets b inside object a (created when missing). */
static void set_path(json_t *obj, const char *key, json_t *value)
{
	const char *dot = strchr(key, '.');
	char *outer;
	json_t *inner;

	if (!dot) {
		json_object_set_new(obj, key, value);
		return;
	}
	outer = strndup(key, dot - key);
	inner = json_object_get(obj, outer);
	if (!json_is_object(inner)) {
		inner = json_object();
		json_object_set_new(obj, outer, inner);
	}
	json_object_set_new(inner, dot + 1, value);
	free(outer);
}

static json_t *read_records(int argc, char **argv)
{
	json_t *run = json_object(), *env = json_object(), *tests = json_array(), *test = NULL;
	int i;

	json_object_set_new(run, "format", json_integer(1));
	json_object_set_new(run, "environment", env);
	if (argc % 3)
		die("records are KIND KEY VALUE triples", NULL);
	for (i = 0; i < argc; i += 3) {
		const char *kind = argv[i], *key = argv[i + 1], *value = argv[i + 2];
		json_t *target = test ? test : run;

		if (!strcmp(kind, "qemu")) {
			char *v = qemu_version(value, *key ? key : NULL);

			json_object_set_new(env, "qemu", jstr(value));
			json_object_set_new(env, "qemu_version", jstr(v));
			free(v);
		} else if (!strcmp(kind, "env")) {
			json_object_set_new(env, key, jstr(value));
		} else if (!strcmp(kind, "run")) {
			json_object_set_new(run, key, jstr(value));
		} else if (!strcmp(kind, "test")) {
			test = json_object();
			json_object_set_new(test, "name", jstr(value));
			json_array_append_new(tests, test);
		} else if (!strcmp(kind, "str") && test) {
			set_path(test, key, jstr(value));
		} else if (!strcmp(kind, "int")) {
			set_path(target, key, json_integer(strtoll(value, NULL, 10)));
		} else if (!strcmp(kind, "sec")) {
			set_path(target, key, json_real(strtod(value, NULL)));
		} else {
			die("bad record kind", kind);
		}
	}
	json_object_set_new(run, "tests", tests);
	return run;
}

static void add_cpu_model(json_t *env)
{
	static const char *const keys[] = { "model name", "cpu model", "Processor", NULL };
	char *info = slurp("/proc/cpuinfo", 1 << 16, NULL, NULL), *line, *next, *colon;
	int i;

	if (!info)
		return;
	for (i = 0; keys[i]; i++) {
		for (line = info; *line; line = next) {
			next = line + strcspn(line, "\n");
			if (*next)
				*next++ = 0;
			if (strncmp(line, keys[i], strlen(keys[i])) || !(colon = strchr(line, ':')))
				continue;
			colon += strspn(colon + 1, " \t") + 1;
			json_object_set_new(env, "cpu_model", jstr(colon));
			free(info);
			return;
		}
		/* the lines are cut at their newlines now: read the file again for the next key */
		free(info);
		info = slurp("/proc/cpuinfo", 1 << 16, NULL, NULL);
		if (!info)
			return;
	}
	free(info);
}

/* Every readable /sys/module/MODULE/parameters/NAME as "NAME": "value". */
static json_t *module_parameters(const char *module)
{
	char path[512];
	DIR *dir;
	struct dirent *d;
	json_t *params;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters", module);
	dir = opendir(path);
	if (!dir)
		return NULL;
	params = json_object();
	while ((d = readdir(dir))) {
		char file[1024], *value;

		if (d->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
		value = first_line(file);
		if (value)
			json_object_set_new(params, d->d_name, jstr(value));
		free(value);
	}
	closedir(dir);
	return params;
}

static void add_host_facts(json_t *env)
{
	struct utsname u;
	const char *module = json_string_value(json_object_get(env, "kvm_module"));
	json_t *all = json_object(), *p;

	if (!uname(&u)) {
		json_object_set_new(env, "host_kernel", jstr(u.release));
		json_object_set_new(env, "host_kernel_version", jstr(u.version));
		json_object_set_new(env, "host_machine", jstr(u.machine));
		json_object_set_new(env, "hostname", jstr(u.nodename));
	}
	add_cpu_model(env);
	if (module && *module) {
		if ((p = module_parameters(module)))
			json_object_set_new(all, module, p);
		if (strcmp(module, "kvm") && (p = module_parameters("kvm")))
			json_object_set_new(all, "kvm", p);
	}
	json_object_set_new(env, "kvm_parameters", all);
}

/* Write text to path through path.tmp.PID and a rename. */
static void write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		die("cannot write", tmp);
	if (fwrite(text, 1, len, f) != len || fclose(f)) {
		unlink(tmp);
		die("cannot write", tmp);
	}
	if (rename(tmp, path)) {
		unlink(tmp);
		die("cannot rename to", path);
	}
}

/* XML text or attribute value: escaped, valid UTF-8, only characters XML 1.0 allows. */
static void xml_put(FILE *f, const char *s, size_t n, int attr)
{
	char *c = clean_utf8(s, n);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = c[i];

		switch (ch) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs(attr ? "&quot;" : "\"", f); break;
		case '\n': fputs(attr ? "&#10;" : "\n", f); break;
		case '\r': fputs("&#13;", f); break;
		case '\t': fputs(attr ? "&#9;" : "\t", f); break;
		default:
			/* C0 controls other than tab, LF, CR are not XML 1.0 characters */
			fputc(ch < 0x20 ? '?' : ch, f);
		}
	}
	free(c);
}

static void xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	xml_put(f, value ? value : "", strlen(value ? value : ""), 1);
	fputc('"', f);
}

static const char *sget(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static double nget(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* JUnit verdict classes: 'F' failure, 'S' skipped (also expected failures), 'P' passed. */
static char junit_class(const char *verdict)
{
	if (!strcmp(verdict, "PASS"))
		return 'P';
	if (!strcmp(verdict, "SKIP") || !strcmp(verdict, "XFAIL"))
		return 'S';
	return 'F';
}

static void junit_testcase(FILE *f, json_t *t, const char *suite)
{
	const char *verdict = sget(t, "verdict"), *reason = sget(t, "reason");
	const char *log = sget(t, "log");
	char cls = junit_class(verdict), *text = NULL, msg[1024];
	size_t len = 0;
	int truncated = 0;

	fputs("    <testcase", f);
	xml_attr(f, "name", sget(t, "name"));
	xml_attr(f, "classname", suite);
	fprintf(f, " time=\"%.3f\">\n", nget(t, "duration_s"));
	snprintf(msg, sizeof(msg), "%s%s%s", strcmp(verdict, "XFAIL") ? "" : "expected failure: ",
		 reason, strcmp(verdict, "XPASS") ? "" : " (passed unexpectedly)");
	if (cls == 'F') {
		fputs("      <failure", f);
		xml_attr(f, "message", msg);
		xml_attr(f, "type", verdict);
		fputs(">", f);
		xml_put(f, msg, strlen(msg), 0);
		fputs("</failure>\n", f);
	} else if (cls == 'S') {
		fputs("      <skipped", f);
		xml_attr(f, "message", msg);
		fputs("/>\n", f);
	}
	if (*log)
		text = slurp(log, MAX_LOG_BYTES, &len, &truncated);
	if (text) {
		fputs("      <system-out>", f);
		xml_put(f, text, len, 0);
		if (truncated)
			fputs("\n[log truncated: see the log file]\n", f);
		fputs("</system-out>\n", f);
		free(text);
	}
	fputs("    </testcase>\n", f);
}

static void write_junit(const char *path, json_t *run)
{
	json_t *env = json_object_get(run, "environment"), *tests = json_object_get(run, "tests"), *t;
	char suite[256], *text = NULL;
	size_t i, len = 0, failures = 0, skipped = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		die("out of memory", NULL);
	snprintf(suite, sizeof(suite), "%s-%s", sget(env, "arch"), sget(env, "accel"));
	json_array_foreach(tests, i, t) {
		char cls = junit_class(sget(t, "verdict"));

		failures += cls == 'F';
		skipped += cls == 'S';
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	xml_attr(f, "name", suite);
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
		json_array_size(tests), failures, nget(run, "duration_s"));
	fputs("  <testsuite", f);
	xml_attr(f, "name", suite);
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\"",
		json_array_size(tests), failures, skipped, nget(run, "duration_s"));
	xml_attr(f, "timestamp", sget(run, "started"));
	xml_attr(f, "hostname", sget(env, "hostname"));
	fputs(">\n", f);
	json_array_foreach(tests, i, t)
		junit_testcase(f, t, suite);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f))
		die("cannot format", path);
	write_file(path, text, len);
	free(text);
}

static int cmd_write(int argc, char **argv)
{
	json_t *run;
	char *text;
	int files = 0, status = 0;

	if (argc >= 2 && !strcmp(argv[0], "-s")) {
		status = atoi(argv[1]);
		argc -= 2;
		argv += 2;
	}
	while (files < argc && strcmp(argv[files], "--"))
		files++;
	if (files < 1 || files > 2 || files == argc)
		die("usage: results write [-s STATUS] JSON-FILE [JUNIT-FILE] -- RECORDS...", NULL);
	run = read_records(argc - files - 1, argv + files + 1);
	add_host_facts(json_object_get(run, "environment"));
	text = json_dumps(run, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text)
		die("cannot format", argv[0]);
	write_file(argv[0], text, strlen(text));
	free(text);
	if (files == 2)
		write_junit(argv[1], run);
	json_decref(run);
	return status;
}

/* ---- reading results files */

static json_t *load_tests(const char *path)
{
	json_error_t err;
	json_t *run = json_load_file(path, 0, &err), *tests;
	char where[512];

	if (!run) {
		snprintf(where, sizeof(where), "%s:%d: %s", path, err.line, err.text);
		die("cannot read results", where);
	}
	tests = json_object_get(run, "tests");
	if (!json_is_array(tests))
		die("no \"tests\" array in", path);
	json_incref(tests);
	json_decref(run);
	return tests;
}

static json_t *find_test(json_t *tests, const char *name)
{
	size_t i;
	json_t *t;

	json_array_foreach(tests, i, t) {
		if (!strcmp(sget(t, "name"), name))
			return t;
	}
	return NULL;
}

static int cmd_durations(int argc, char **argv)
{
	json_t *tests, *t;
	size_t i;

	if (argc != 1)
		die("usage: results durations JSON-FILE", NULL);
	tests = load_tests(argv[0]);
	json_array_foreach(tests, i, t) {
		json_t *d = json_object_get(t, "duration_s");

		/* a test that did not run (precheck SKIP) has no duration; an interrupted one no
		 * meaningful one */
		if (json_is_number(d) && *sget(t, "name") && strcmp(sget(t, "reason"), "interrupted"))
			printf("%s %lld\n", sget(t, "name"), (long long)(json_number_value(d) * 1000 + 0.5));
	}
	json_decref(tests);
	return 0;
}

static int is_failure(const char *verdict)
{
	return !strcmp(verdict, "FAIL") || !strcmp(verdict, "XPASS");
}

static int cmd_compare(int argc, char **argv)
{
	double pct = 50, min_ms = 1000;
	json_t *old, *new, *t, *o;
	size_t i;
	int opt, regressions = 0, news = 0, fixed = 0, skips = 0, slower = 0, gone = 0;

	while ((opt = getopt(argc + 1, argv - 1, "s:m:")) != -1) {
		if (opt == 's')
			pct = strtod(optarg, NULL);
		else if (opt == 'm')
			min_ms = strtod(optarg, NULL);
		else
			die("usage: compare-results [-s PERCENT] [-m MS] OLD.json NEW.json", NULL);
	}
	argv += optind - 1;
	argc -= optind - 1;
	if (argc != 2)
		die("usage: compare-results [-s PERCENT] [-m MS] OLD.json NEW.json", NULL);
	old = load_tests(argv[0]);
	new = load_tests(argv[1]);
	json_array_foreach(new, i, t) {
		const char *name = sget(t, "name"), *nv = sget(t, "verdict");
		const char *ov = (o = find_test(old, name)) ? sget(o, "verdict") : "";
		double od = nget(o, "duration_s") * 1000, nd = nget(t, "duration_s") * 1000;

		if (is_failure(nv) && !is_failure(ov)) {
			printf("new failure: %s (%s; was %s)\n", name, sget(t, "reason"), *ov ? ov : "absent");
			news++;
		} else if (is_failure(ov) && !is_failure(nv) && strcmp(nv, "SKIP")) {
			printf("fixed: %s (%s, was %s)\n", name, nv, ov);
			fixed++;
		} else if (!strcmp(nv, "SKIP") && *ov && strcmp(ov, "SKIP")) {
			printf("new skip: %s (%s; was %s)\n", name, sget(t, "reason"), ov);
			skips++;
		}
		if (!strcmp(nv, "PASS") && !strcmp(ov, "PASS") && od > 0 &&
		    nd > od * (1 + pct / 100) && nd - od > min_ms) {
			printf("slower: %s (%.3f s, was %.3f s)\n", name, nd / 1000, od / 1000);
			slower++;
		}
	}
	json_array_foreach(old, i, o) {
		if (!find_test(new, sget(o, "name"))) {
			printf("gone: %s (was %s)\n", sget(o, "name"), sget(o, "verdict"));
			gone++;
		}
	}
	regressions = news + slower;
	printf("COMPARE: %d new failures, %d fixed, %d new skips, %d slower, %d gone: %s\n", news,
	       fixed, skips, slower, gone, regressions ? "REGRESSION" : "no regression");
	json_decref(old);
	json_decref(new);
	return regressions ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "write"))
		return cmd_write(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "durations"))
		return cmd_durations(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "qemu-version"))
		return cmd_qemu_version(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc - 2, argv + 2);
	die("usage: results write|durations|compare ...", NULL);
	return 2;
}
