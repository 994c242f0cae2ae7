/*
 * cfg: the unittests.cfg parser (interface: cfg.h). The format:
 *
 *   [name]                 one test; name: letters, digits, _ . + - (it names logs/<name>.log)
 *   file = selftest.flat   image, relative to $TEST_DIR in the build directory (required)
 *   smp = 2                vCPUs (default 1)
 *   test_args = a "b c"    the guest's command line (-append); one pair of outer quotes is dropped
 *   qemu_params = -cpu max extra QEMU arguments, split like the shell (quotes, backslash)
 *   groups = apic smp      space-separated; nodefault: run only when named, by -g or -a
 *   timeout = 30s          seconds, or with an s/m/h suffix (default 90s)
 *   accel = kvm            run only under this accelerator, else SKIP
 *   arch = x86_64          run only for this ARCH (x86_64 i386 arm64 s390x), else SKIP
 *   check = PATH=VALUE...  run only when each host file PATH reads VALUE, else SKIP
 *   skip_on_kvm = kvm_pvm ID: reason...  under KVM, SKIP with the reason when the host's KVM
 *                          module is one of these (comma-separated): a known host defect, ID its
 *                          row in docs/known-deviations.md (scripts/check-deviations.sh checks)
 *   migration_mode = postcopy  for a test in group migration: how host/migrate migrates
 *                          (precopy or postcopy; default: $MIGRATION_MODE, else precopy)
 *   expect = abort         the test is meant to crash: PASS when the guest aborts (exit status
 *                          3, e.g. the dump of an unexpected exception), FAIL otherwise
 *
 * '#' starts a comment only at the beginning of a line (after blanks). Blanks are the C
 * locale's white space; a malformed line is reported as "FILE:LINE: message".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "xalloc.h"

#define CFG_KEYS " file smp test_args qemu_params groups timeout accel arch check skip_on_kvm " \
	"migration_mode expect "
#define DEFAULT_TIMEOUT 90
/* the word separators of an unquoted shell word list (the shell's default IFS) */
#define IFS_CHARS " \t\n"

struct parser {
	struct cfg *cfg;
	const char *path;
	int line;
	struct cfg_test *test;	/* the open section, NULL before the first */
	char *seen;		/* " key key " of the open section */
};

static bool blank(char c)
{
	return isspace((unsigned char)c);
}

static bool in_set(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define NAME_CHARS ALNUM "_.+-"

static bool perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: message" on stderr; false, for "return perr(...)" */
static bool perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", p->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

/* Split S into words at any of SEPS; an empty vector for none. */
static char **split_at(const char *s, const char *seps)
{
	char **v = strv_new();
	size_t n = 0, len;

	for (;;) {
		s += strspn(s, seps);
		if (!*s)
			return v;
		len = strcspn(s, seps);
		strv_push(&v, &n, xstrndup(s, len));
		s += len;
	}
}

static void word_add(char **w, size_t *len, char c)
{
	*w = xrealloc(*w, *len + 2);
	(*w)[(*len)++] = c;
	(*w)[*len] = '\0';
}

/*
 * Split S like the shell (blanks, '...', "...", backslash) without expanding anything;
 * NULL for an unterminated quote. Without quotes or backslashes the words are split at
 * the shell's default IFS only, as an unquoted expansion would.
 */
static char **shell_split(const char *s)
{
	char **v = strv_new(), *w = NULL, quote = 0;
	size_t n = 0, len = 0;
	bool have = false;

	if (!strpbrk(s, "'\"\\")) {
		free(v);
		return split_at(s, IFS_CHARS);
	}
	for (; *s; s++) {
		if (quote == '\'') {
			if (*s == '\'')
				quote = 0;
			else
				word_add(&w, &len, *s);
		} else if (quote == '"') {
			if (*s == '"')
				quote = 0;
			else if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
				word_add(&w, &len, *++s);
			else
				word_add(&w, &len, *s);
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
			have = true;
		} else if (*s == '\\') {
			if (s[1])
				word_add(&w, &len, *++s);
			have = true;
		} else if (blank(*s)) {
			if (have)
				strv_push(&v, &n, w ? w : xstrdup(""));
			w = NULL;
			len = 0;
			have = false;
		} else {
			word_add(&w, &len, *s);
			have = true;
		}
	}
	if (quote) {
		free(w);
		strv_free(v);
		return NULL;
	}
	if (have)
		strv_push(&v, &n, w ? w : xstrdup(""));
	return v;
}

/* The checks a section needs once complete: its file. */
static bool end_section(struct parser *p)
{
	if (p->test && !p->test->file)
		return perr(p, p->test->line, "test [%s] has no 'file ='", p->test->name);
	return true;
}

static struct cfg_test *new_test(struct cfg *cfg, const char *name, int line)
{
	struct cfg_test *t;

	cfg->tests = xrealloc(cfg->tests, (cfg->ntests + 1) * sizeof(*cfg->tests));
	t = &cfg->tests[cfg->ntests++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->line = line;
	t->smp = 1;
	t->timeout_s = DEFAULT_TIMEOUT;
	t->groups = xstrdup(" ");
	t->qemu_params = strv_new();
	t->checks = strv_new();
	return t;
}

/* LINE starts with '[': the header of a new section. */
static bool parse_header(struct parser *p, const char *line)
{
	size_t len = strlen(line);
	char *name = len >= 2 && line[len - 1] == ']' ? xstrndup(line + 1, len - 2) : xstrdup("");
	struct cfg_test *dup;
	bool ok = false;

	if (!*name || !strchr(ALNUM, name[0]) || !in_set(name, NAME_CHARS))
		perr(p, p->line, "bad section header '%s' (want [name]: letters, digits, _ . + -)",
		     line);
	else if (!end_section(p))
		;
	else if ((dup = cfg_find(p->cfg, name)))
		perr(p, p->line, "duplicate test [%s] (first at line %d)", name, dup->line);
	else
		ok = true;
	if (ok) {
		p->test = new_test(p->cfg, name, p->line);
		free(p->seen);
		p->seen = xstrdup(" ");
	}
	free(name);
	return ok;
}

static bool parse_smp(struct parser *p, const char *value)
{
	size_t len = strlen(value);

	if (!len || len > 4 || !strchr("123456789", value[0]) || !in_set(value, "0123456789"))
		return perr(p, p->line, "bad smp '%s' in [%s] (want a number of vCPUs, 1-9999)",
			    value, p->test->name);
	p->test->smp = atoi(value);
	return true;
}

/* N, Ns, Nm or Nh, N > 0 (and at most INT_MAX seconds) */
static bool parse_timeout(struct parser *p, const char *value)
{
	size_t digits = strspn(value, "0123456789");
	const char *unit = value + digits;
	long long n = 0, scale = *unit == 'm' ? 60 : *unit == 'h' ? 3600 : 1;
	size_t i;

	for (i = 0; i < digits && n <= INT_MAX; i++)
		n = n * 10 + (value[i] - '0');
	if (!digits || (*unit && (!strchr("smh", *unit) || unit[1])) || !n || n * scale > INT_MAX)
		return perr(p, p->line, "bad timeout '%s' in [%s] (want N, Ns, Nm or Nh, N > 0)",
			    value, p->test->name);
	p->test->timeout_s = (int)(n * scale);
	return true;
}

static bool parse_groups(struct parser *p, const char *value)
{
	char **words = split_at(value, IFS_CHARS), *g;
	size_t i, len = 2;

	for (i = 0; words[i]; i++) {
		if (!in_set(words[i], NAME_CHARS)) {
			perr(p, p->line, "bad group name '%s' in [%s]", words[i], p->test->name);
			strv_free(words);
			return false;
		}
		len += strlen(words[i]) + 1;
	}
	g = xmalloc(len);
	strcpy(g, " ");
	for (i = 0; words[i]; i++) {
		strcat(g, words[i]);
		strcat(g, " ");
	}
	free(p->test->groups);
	p->test->groups = g;
	strv_free(words);
	return true;
}

/* "MODULE[,MODULE] reason": modules of [a-z0-9_,], then a blank, then some text */
static bool parse_skip_on_kvm(struct parser *p, const char *value)
{
	size_t mlen = 0;
	const char *rest;

	while (value[mlen] && !blank(value[mlen]))
		mlen++;
	rest = value + mlen;
	if (!mlen || strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_,") < mlen || !*rest)
		goto bad;
	rest++;
	while (*rest && blank(*rest))
		rest++;
	if (!*rest)
		goto bad;
	p->test->skip_on_kvm_modules = xstrndup(value, mlen);
	p->test->skip_on_kvm_reason = xstrdup(rest);
	return true;
bad:
	return perr(p, p->line, "bad skip_on_kvm '%s' in [%s] (want MODULE[,MODULE] reason)",
		    value, p->test->name);
}

static bool parse_checks(struct parser *p, const char *value)
{
	char **words = split_at(value, IFS_CHARS);
	size_t i;

	for (i = 0; words[i]; i++) {
		if (words[i][0] != '/' || !strchr(words[i], '=')) {
			perr(p, p->line, "bad check '%s' in [%s] (want /host/path=VALUE)", words[i],
			     p->test->name);
			strv_free(words);
			return false;
		}
	}
	strv_free(p->test->checks);
	p->test->checks = words;
	return true;
}

/* VALUE must be one of the blank-separated CHOICES: the copy in *FIELD, else the error */
static bool parse_choice(struct parser *p, char **field, const char *key, const char *value,
			 const char *choices, const char *want)
{
	char *pattern = xasprintf(" %s ", value);
	bool ok = *value && !strchr(value, ' ') && strstr(choices, pattern);

	free(pattern);
	if (!ok)
		return perr(p, p->line, "bad %s '%s' in [%s] (%s)", key, value, p->test->name, want);
	*field = xstrdup(value);
	return true;
}

static bool parse_test_args(struct parser *p, const char *value)
{
	size_t len = strlen(value);

	if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
		value++;
		len -= 2;
	}
	p->test->test_args = len ? xstrndup(value, len) : NULL;
	return true;
}

static bool parse_value(struct parser *p, const char *key, const char *value)
{
	struct cfg_test *t = p->test;
	char *expect = NULL;

	if (!strcmp(key, "file")) {
		if (!*value || strpbrk(value, " \t\n\v\f\r"))
			return perr(p, p->line, "bad file '%s' in [%s]", value, t->name);
		t->file = xstrdup(value);
	} else if (!strcmp(key, "smp")) {
		return parse_smp(p, value);
	} else if (!strcmp(key, "test_args")) {
		return parse_test_args(p, value);
	} else if (!strcmp(key, "qemu_params")) {
		char **words = shell_split(value);

		if (!words)
			return perr(p, p->line, "unterminated quote in qemu_params of [%s]", t->name);
		strv_free(t->qemu_params);
		t->qemu_params = words;
	} else if (!strcmp(key, "groups")) {
		return parse_groups(p, value);
	} else if (!strcmp(key, "timeout")) {
		return parse_timeout(p, value);
	} else if (!strcmp(key, "accel")) {
		return parse_choice(p, &t->accel, key, value, " kvm tcg ", "kvm or tcg");
	} else if (!strcmp(key, "arch")) {
		return parse_choice(p, &t->arch, key, value, " x86_64 i386 arm64 s390x ",
				    "x86_64, i386, arm64 or s390x");
	} else if (!strcmp(key, "migration_mode")) {
		return parse_choice(p, &t->migration_mode, key, value, " precopy postcopy ",
				    "precopy or postcopy");
	} else if (!strcmp(key, "expect")) {
		if (!parse_choice(p, &expect, key, value, " abort ", "abort"))
			return false;
		t->expect_abort = true;
		free(expect);
	} else if (!strcmp(key, "skip_on_kvm")) {
		return parse_skip_on_kvm(p, value);
	} else if (!strcmp(key, "check")) {
		return parse_checks(p, value);
	}
	return true;
}

/*
 * "key = value" in the open section. A key is known when " key " is part of CFG_KEYS, and
 * given twice when " key " is part of the keys seen so far (so a key with blanks inside,
 * such as "file smp", counts as known and sets nothing, as it always has).
 */
static bool parse_assignment(struct parser *p, const char *line)
{
	const char *eq = strchr(line, '='), *value = eq + 1;
	size_t klen = eq - line;
	char *key, *pattern, *seen;
	bool ok = false;

	while (klen && blank(line[klen - 1]))
		klen--;
	while (*value && blank(*value))
		value++;
	key = xstrndup(line, klen);
	pattern = xasprintf(" %s ", key);
	if (!p->test)
		perr(p, p->line, "'%s' outside any [test] section", key);
	else if (!strstr(CFG_KEYS, pattern))
		perr(p, p->line, "unknown key '%s' in [%s] (known:%s)", key, p->test->name, CFG_KEYS);
	else if (strstr(p->seen, pattern))
		perr(p, p->line, "'%s' given twice in [%s]", key, p->test->name);
	else
		ok = true;
	if (ok) {
		seen = xasprintf("%s%s ", p->seen, key);
		free(p->seen);
		p->seen = seen;
		ok = parse_value(p, key, value);
	}
	free(pattern);
	free(key);
	return ok;
}

/* One line of the file, without its newline. */
static bool parse_line(struct parser *p, char *line)
{
	size_t len;

	while (blank(*line))
		line++;
	if (!*line || *line == '#')
		return true;
	len = strlen(line);
	while (len && blank(line[len - 1]))
		line[--len] = '\0';
	if (*line == '[')
		return parse_header(p, line);
	if (!strchr(line, '=') || *line == '=')
		return perr(p, p->line, "expected '[name]' or 'key = value', got '%s'", line);
	return parse_assignment(p, line);
}

static bool parse_stream(struct parser *p, FILE *f)
{
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	bool ok = true;

	while (ok && (len = getline(&buf, &size, f)) >= 0) {
		p->line++;
		if (len && buf[len - 1] == '\n')
			buf[--len] = '\0';
		ok = parse_line(p, buf);
	}
	free(buf);
	return ok && end_section(p);
}

bool cfg_parse(struct cfg *cfg, const char *path)
{
	struct parser p = { .cfg = cfg, .path = path };
	struct stat st;
	FILE *f;
	bool ok;

	memset(cfg, 0, sizeof(*cfg));
	f = stat(path, &st) || !S_ISREG(st.st_mode) ? NULL : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: test list %s not found\n", program_invocation_short_name, path);
		return false;
	}
	cfg->path = xstrdup(path);
	ok = parse_stream(&p, f);
	fclose(f);
	free(p.seen);
	if (!ok)
		cfg_free(cfg);
	return ok;
}

struct cfg_test *cfg_find(const struct cfg *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntests; i++) {
		if (!strcmp(cfg->tests[i].name, name))
			return &cfg->tests[i];
	}
	return NULL;
}

bool cfg_in_group(const struct cfg_test *t, const char *group)
{
	char *pattern = xasprintf(" %s ", group);
	bool in = strstr(t->groups, pattern);

	free(pattern);
	return in;
}

bool cfg_group_exists(const struct cfg *cfg, const char *group)
{
	size_t i;

	for (i = 0; i < cfg->ntests; i++) {
		if (cfg_in_group(&cfg->tests[i], group))
			return true;
	}
	return false;
}

/* The first line of PATH as the shell's "read -r" gives it ("" when unreadable). */
static char *first_line(const char *path)
{
	FILE *f = access(path, R_OK) ? NULL : fopen(path, "r");
	char *line = xstrdup("");
	size_t len = 0;
	int c;

	while (f && (c = getc(f)) != EOF && c != '\n') {
		if (c)
			word_add(&line, &len, (char)c);
	}
	if (f)
		fclose(f);
	return line;
}

char *cfg_check_host(const struct cfg_test *t)
{
	char *path, *got, *reason = NULL;
	const char *want;
	size_t i;

	for (i = 0; t->checks[i] && !reason; i++) {
		want = strchr(t->checks[i], '=') + 1;
		path = xstrndup(t->checks[i], want - 1 - t->checks[i]);
		got = first_line(path);
		if (strcmp(got, want))
			reason = xasprintf("needs %s = %s", path, want);
		free(got);
		free(path);
	}
	return reason;
}

static void test_free(struct cfg_test *t)
{
	free(t->name);
	free(t->file);
	free(t->test_args);
	strv_free(t->qemu_params);
	free(t->groups);
	free(t->accel);
	free(t->arch);
	strv_free(t->checks);
	free(t->skip_on_kvm_modules);
	free(t->skip_on_kvm_reason);
	free(t->migration_mode);
}

void cfg_free(struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ntests; i++)
		test_free(&cfg->tests[i]);
	free(cfg->tests);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
