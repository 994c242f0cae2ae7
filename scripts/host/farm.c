/*
 * farm: the runner's options for CI farms (interface: farm.h; README, "Output for CI
 * farms"): --expect (an expectations file, its conditions), --durations (a previous
 * results.json) and --shard (a longest-first greedy partition).
 *
 * An expectations line is "TEST FAIL|SKIP [CONDITION...] REASON..." ('#' starts a comment
 * line): conditions accel=A[,A], arch=A[,A], kvm=M[,M] and qemu<V, qemu<=V, qemu=V (7.2
 * matches 7.2.x), qemu>=V, qemu>V; the first word that is no condition starts the reason.
 * The first entry for a test whose conditions all hold wins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cfg.h"
#include "farm.h"
#include "xalloc.h"

#define DIGITS "0123456789"

enum cond { COND_FALSE, COND_TRUE, COND_MALFORMED, COND_NONE };

/* a dotted version's next component (0 when none left), as shell arithmetic reads it */
static long long next_component(const char **v)
{
	uint64_t n = 0;

	while (**v && **v != '.')
		n = n * 10 + (uint64_t)(*(*v)++ - '0');
	if (**v == '.')
		(*v)++;
	return (long long)n;
}

/* -1, 0 or 1 as dotted version A is below, equal to or above B (missing components are 0) */
static int version_cmp(const char *a, const char *b)
{
	long long x, y;

	while (*a || *b) {
		x = next_component(&a);
		y = next_component(&b);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* digits, then any number of .digits */
static size_t version_len(const char *s)
{
	size_t len = strspn(s, DIGITS), more;

	while (len && s[len] == '.' && (more = strspn(s + len + 1, DIGITS)))
		len += 1 + more;
	return len;
}

char *qemu_version_number(const char *version_line)
{
	const char *p;
	size_t len;

	for (p = strstr(version_line, "version "); p; p = strstr(p + 1, "version ")) {
		len = version_len(p + strlen("version "));
		if (len)
			return xstrndup(p + strlen("version "), len);
	}
	return NULL;
}

/* accel=, arch=, kvm=: one of the comma-separated VALUES is HAVE */
static bool one_of(const char *values, const char *have)
{
	char *list = xasprintf(",%s,", values), *item = xasprintf(",%s,", have);
	bool found = strstr(list, item);

	free(list);
	free(item);
	return found;
}

/* qemu<V, qemu<=V, qemu=V, qemu>=V, qemu>V against the QEMU version (false when unknown) */
static enum cond qemu_condition(const char *w, const struct expect_env *env, char **why)
{
	static const char *const ops[] = { "<=", ">=", "<", ">", "=" };
	const char *op = NULL, *v, *have = env->qemu_version;
	size_t i, len;
	int cmp;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && !op; i++) {
		if (!strncmp(w + strlen("qemu"), ops[i], strlen(ops[i])))
			op = ops[i];
	}
	v = w + strlen("qemu") + strlen(op);
	len = version_len(v);
	if (!len || v[len]) {
		*why = xasprintf("bad QEMU version condition '%s' (want qemu<V, qemu<=V, qemu=V, "
				 "qemu>=V or qemu>V)", w);
		return COND_MALFORMED;
	}
	if (!have || !*have)
		return COND_FALSE;
	if (!strcmp(op, "=")) {
		/* qemu=7.2 holds for 7.2, 7.2.0 and 7.2.11 */
		return !strncmp(have, v, len) && (!have[len] || have[len] == '.');
	}
	cmp = version_cmp(have, v);
	if (!strcmp(op, "<"))
		return cmp < 0;
	if (!strcmp(op, "<="))
		return cmp <= 0;
	if (!strcmp(op, ">"))
		return cmp > 0;
	return cmp >= 0;
}

static bool prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* one word of an expectations line: a condition that holds or not, malformed, or none */
static enum cond condition(const char *w, const struct expect_env *env, char **why)
{
	const char *value = strchr(w, '=') + 1;

	if (prefix(w, "accel="))
		return one_of(value, env->accel ? env->accel : "");
	if (prefix(w, "arch="))
		return one_of(value, env->arch ? env->arch : "");
	if (prefix(w, "kvm="))
		return env->kvm_module && *env->kvm_module && one_of(value, env->kvm_module);
	if (prefix(w, "qemu") && w[4] && strchr("<>=", w[4]))
		return qemu_condition(w, env, why);
	return COND_NONE;
}

static char *join(char *const *words)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; words[i]; i++)
		len += strlen(words[i]) + 1;
	s = xmalloc(len);
	*s = '\0';
	for (i = 0; words[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

static char **split_blanks(const char *line)
{
	char **v = strv_new(), *copy = xstrdup(line), *w, *save;
	size_t n = 0;

	for (w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		strv_push(&v, &n, xstrdup(w));
	free(copy);
	return v;
}

static void expect_add(struct expectations *x, char *const *words, char *const *reason)
{
	struct expectation *e;

	if (expect_find(x, words[0]))
		return;
	x->e = xrealloc(x->e, (x->n + 1) * sizeof(*x->e));
	e = &x->e[x->n++];
	e->name = xstrdup(words[0]);
	e->verdict = xstrdup(words[1]);
	e->reason = join(reason);
}

/* One line; false (message on stderr) when malformed. */
static bool expect_line(struct expectations *x, const char *file, int n, const char *line,
			const struct expect_env *env)
{
	char **words = split_blanks(line), **w, *why = NULL;
	const char *verdict = words[0] ? words[1] : NULL;
	bool holds = true, ok = false;
	enum cond c = COND_TRUE;

	if (!words[0] || words[0][0] == '#') {
		strv_free(words);
		return true;
	}
	if (!verdict || (strcmp(verdict, "FAIL") && strcmp(verdict, "SKIP"))) {
		fprintf(stderr, "%s:%d: expected verdict '%s' for %s: want FAIL or SKIP\n", file, n,
			verdict ? verdict : "", words[0]);
		strv_free(words);
		return false;
	}
	for (w = words + 2; *w && (c = condition(*w, env, &why)) != COND_NONE; w++) {
		if (c == COND_MALFORMED)
			break;
		holds = holds && c == COND_TRUE;
	}
	if (c == COND_MALFORMED)
		fprintf(stderr, "%s:%d: %s\n", file, n, why);
	else if (!*w)
		fprintf(stderr, "%s:%d: no reason for %s\n", file, n, words[0]);
	else
		ok = true;
	if (ok && holds)
		expect_add(x, words, w);
	free(why);
	strv_free(words);
	return ok;
}

bool expect_load(struct expectations *x, const char *file, const struct expect_env *env)
{
	FILE *f = access(file, R_OK) ? NULL : fopen(file, "r");
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	bool ok = true;
	int n = 0;

	x->e = NULL;
	x->n = 0;
	if (!f) {
		fprintf(stderr, "%s: expectations file %s not found\n",
			program_invocation_short_name, file);
		return false;
	}
	while (ok && (len = getline(&line, &size, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		ok = expect_line(x, file, ++n, line, env);
	}
	free(line);
	fclose(f);
	if (!ok)
		expect_free(x);
	return ok;
}

const struct expectation *expect_find(const struct expectations *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		if (!strcmp(x->e[i].name, name))
			return &x->e[i];
	}
	return NULL;
}

void expect_free(struct expectations *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free(x->e[i].name);
		free(x->e[i].verdict);
		free(x->e[i].reason);
	}
	free(x->e);
	x->e = NULL;
	x->n = 0;
}

/* ---- durations */

static long *duration_of(const struct durations *d, const char *name)
{
	size_t i;

	for (i = 0; d && i < d->n; i++) {
		if (!strcmp(d->names[i], name))
			return &d->ms[i];
	}
	return NULL;
}

static void duration_set(struct durations *d, const char *name, long ms)
{
	long *have = duration_of(d, name);

	if (have) {
		*have = ms;
		return;
	}
	d->names = xrealloc(d->names, (d->n + 1) * sizeof(*d->names));
	d->ms = xrealloc(d->ms, (d->n + 1) * sizeof(*d->ms));
	d->names[d->n] = xstrdup(name);
	d->ms[d->n++] = ms;
}

/* a test's string member, "" when it has none */
static const char *member(json_t *test, const char *key)
{
	const char *s = json_string_value(json_object_get(test, key));

	return s ? s : "";
}

/* every test that ran (a number of seconds, not interrupted), in ms; the last entry of a
 * name wins */
void durations_load(struct durations *d, const char *file)
{
	struct stat st;
	json_t *run = NULL, *tests, *t, *secs;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (!stat(file, &st) && S_ISREG(st.st_mode))
		run = json_load_file(file, 0, NULL);
	tests = json_object_get(run, "tests");
	json_array_foreach(tests, i, t) {
		secs = json_object_get(t, "duration_s");
		if (json_is_number(secs) && *member(t, "name") &&
		    strcmp(member(t, "reason"), "interrupted"))
			duration_set(d, member(t, "name"),
				     (long)(long long)(json_number_value(secs) * 1000 + 0.5));
	}
	json_decref(run);
}

void durations_free(struct durations *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->ms);
	memset(d, 0, sizeof(*d));
}

/* ---- longest first, shards */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* The upper median of the recorded durations; false when none. */
static bool median(const struct durations *d, long *m)
{
	long *sorted;

	if (!d || !d->n)
		return false;
	sorted = xmalloc(d->n * sizeof(*sorted));
	memcpy(sorted, d->ms, d->n * sizeof(*sorted));
	qsort(sorted, d->n, sizeof(*sorted), cmp_long);
	*m = sorted[d->n / 2];
	free(sorted);
	return true;
}

struct weighed {
	const char *name;
	long long weight;
	size_t index;
};

/* heavier first, then in the given order */
static int cmp_weighed(const void *a, const void *b)
{
	const struct weighed *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * NAMES with how long each is expected to take, in ms, heaviest first: its recorded
 * duration, else (durations known for others) their median, else its cfg timeout times
 * its vCPUs.
 */
static struct weighed *weigh_sorted(const char **names, size_t n, const struct cfg *cfg,
				    const struct durations *d)
{
	struct weighed *w = xmalloc(n * sizeof(*w));
	const struct cfg_test *t;
	bool have_median;
	long m, *ms;
	size_t i;

	have_median = median(d, &m);
	for (i = 0; i < n; i++) {
		t = cfg_find(cfg, names[i]);
		ms = duration_of(d, names[i]);
		w[i].name = names[i];
		w[i].index = i;
		if (ms)
			w[i].weight = *ms;
		else if (have_median)
			w[i].weight = m;
		else
			w[i].weight = t ? (long long)t->timeout_s * 1000 * t->smp : 0;
	}
	qsort(w, n, sizeof(*w), cmp_weighed);
	return w;
}

void farm_longest_first(const char **names, size_t n, const struct cfg *cfg,
			const struct durations *d)
{
	struct weighed *w = weigh_sorted(names, n, cfg, d);
	size_t i;

	for (i = 0; i < n; i++)
		names[i] = w[i].name;
	free(w);
}

size_t farm_shard(const char **names, size_t n, unsigned k, unsigned nshards,
		  const struct cfg *cfg, const struct durations *d)
{
	struct weighed *w = weigh_sorted(names, n, cfg, d);
	long long *load = xmalloc((nshards + 1) * sizeof(*load));
	bool *mine = xmalloc(n * sizeof(*mine));
	unsigned s, best;
	size_t i, kept = 0;

	for (s = 1; s <= nshards; s++)
		load[s] = 0;
	/* each test, longest first, to the least loaded shard, the lowest on a tie */
	for (i = 0; i < n; i++) {
		best = 1;
		for (s = 2; s <= nshards; s++) {
			if (load[s] < load[best])
				best = s;
		}
		load[best] += w[i].weight;
		mine[w[i].index] = best == k;
	}
	for (i = 0; i < n; i++) {
		if (mine[i])
			names[kept++] = names[i];
	}
	free(mine);
	free(load);
	free(w);
	return kept;
}
