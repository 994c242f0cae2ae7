/*
 * resultsfile: results.json and the JUnit XML file of one run, and the QEMU version
 * (docs/HACKING.md, "Results files"). The runner links it; so does host/results for its
 * qemu-version command.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "resultsfile.h"
#include "xalloc.h"

#define MAX_LOG_BYTES (1 << 20)

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
	char *out = xmalloc(n + 1);
	size_t i = 0, len;

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
	buf = xmalloc(max + 1);
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

char *qemu_version(const char *qemu, const char *cache)
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

/* ---- write */

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

/* Write text to path through path.tmp.PID and a rename (never half a file); false (said on
 * stderr) on errors. */
static bool write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "results: cannot write %s: %s\n", tmp, strerror(errno));
		return false;
	}
	if (fwrite(text, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "results: cannot write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return false;
	}
	/* not a rename over the old file: ext4 would start writing the new one back first */
	unlink(path);
	if (rename(tmp, path)) {
		fprintf(stderr, "results: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
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

static bool write_junit(const char *path, json_t *run)
{
	json_t *env = json_object_get(run, "environment"), *tests = json_object_get(run, "tests"), *t;
	char suite[256], *text = NULL;
	size_t i, len = 0, failures = 0, skipped = 0;
	FILE *f = xnomem(open_memstream(&text, &len));
	bool ok;

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
	fclose(f);
	ok = write_file(path, text, len);
	free(text);
	return ok;
}


/* ---- the records */

static void put_str(json_t *obj, const char *key, const char *value)
{
	json_object_set_new(obj, key, jstr(value ? value : ""));
}

static json_t *test_record(const struct result *r)
{
	json_t *t = json_object(), *counts;

	put_str(t, "name", r->name);
	put_str(t, "verdict", r->verdict);
	put_str(t, "reason", r->reason);
	if (r->expected)
		put_str(t, "expected", r->expected);
	if (r->cmd) {
		json_object_set_new(t, "duration_s", json_real(r->ms / 1000.0));
		put_str(t, "qemu_command", r->cmd);
		if (r->tests >= 0) {
			counts = json_object();
			json_object_set_new(counts, "tests", json_integer(r->tests));
			json_object_set_new(counts, "failed", json_integer(r->failed));
			json_object_set_new(counts, "expected_failures", json_integer(r->xfail));
			json_object_set_new(counts, "known_failures", json_integer(r->kfail));
			json_object_set_new(counts, "skipped", json_integer(r->skipped));
			json_object_set_new(t, "counts", counts);
		}
	}
	put_str(t, "log", r->log);
	return t;
}

static json_t *run_record(const struct results_run *run)
{
	json_t *j = json_object(), *env = json_object(), *summary = json_object(), *tests;
	char cpus[32], *version;
	size_t i;

	json_object_set_new(j, "format", json_integer(1));
	json_object_set_new(j, "environment", env);
	put_str(env, "version", run->version);
	put_str(env, "arch", run->arch);
	put_str(env, "accel", run->accel);
	put_str(env, "kvm_module", run->kvm_module);
	version = qemu_version(run->qemu, run->qemu_cache);
	put_str(env, "qemu", run->qemu);
	put_str(env, "qemu_version", version);
	free(version);
	snprintf(cpus, sizeof(cpus), "%d", run->host_cpus);
	put_str(env, "host_cpus", cpus);
	put_str(j, "started", run->started);
	json_object_set_new(j, "duration_s", json_real(run->ms / 1000.0));
	put_str(j, "command", run->command);
	put_str(j, "interrupted", run->interrupted);
	json_object_set_new(summary, "passed", json_integer(run->passed));
	json_object_set_new(summary, "failed", json_integer(run->failed));
	json_object_set_new(summary, "skipped", json_integer(run->skipped));
	json_object_set_new(j, "summary", summary);
	tests = json_array();
	for (i = 0; i < run->ntests; i++)
		json_array_append_new(tests, test_record(&run->tests[i]));
	json_object_set_new(j, "tests", tests);
	add_host_facts(env);
	return j;
}

bool results_write(const struct results_run *run, const char *json, const char *junit)
{
	json_t *j = run_record(run);
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	bool ok = text && write_file(json, text, strlen(text));

	free(text);
	if (ok && junit)
		ok = write_junit(junit, j);
	json_decref(j);
	return ok;
}
