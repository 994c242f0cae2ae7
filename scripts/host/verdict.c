/*
 * verdict: one finished QEMU run's log turned into a verdict (interface: verdict.h; the
 * rules: docs/HACKING.md, "Runner"). The log is line 1 the QEMU command line, then what
 * QEMU wrote, then supervise's "supervise: status exit=N signal=N timeout=0|1 silent=0|1
 * stopped=0|SIG out_bytes=N err_bytes=N ms=N" line. One pass over the lines collects what
 * the stages need (struct scan); the stages then decide in order: ended early, no exit,
 * exit disputed, the guest's own exit code. Numbers of the status and SUMMARY lines are
 * compared and printed as the log wrote them.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"
#include "verdict.h"
#include "xalloc.h"

#define REASON_MAX 160

/* supervise's status words, as written ("0" and "-1" when absent) */
struct status {
	const char *exit, *signal, *timed_out, *silent, *stopped, *out_bytes, *err_bytes;
};

/* the SUMMARY line's numbers, as written */
enum { SUM_TESTS, SUM_FAILED, SUM_XFAIL, SUM_KFAIL, SUM_SKIPPED, SUM_N };

struct scan {
	char *qemu_name;		/* the command's program, without its directory */
	char *token;			/* the run's EXIT_TOKEN, NULL when the command has none */
	bool have_exit;
	long long code;			/* the exit's status */
	long failed_lines;		/* FAIL: and XPASS: lines */
	char *sum[SUM_N];		/* NULL until a SUMMARY line */
	/* lines (pointers into the log's lines), NULL when none */
	const char *last_skip, *before_exit, *first_err, *first_any, *after_exit, *false_exit;
	const char *migration_error, *qemu_signal, *load_error, *bad_image, *silence;
};

struct log {
	char **lines;
	size_t n;
};

/* a text the log gave, not empty */
static bool given(const char *s)
{
	return s && *s;
}

static bool prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static void read_log(struct log *l, const char *path)
{
	struct stat st;
	FILE *f = stat(path, &st) || !S_ISREG(st.st_mode) ? NULL : fopen(path, "r");
	char *buf = NULL;
	size_t size = 0, n = 0;
	ssize_t len;

	l->lines = strv_new();
	while (f && (len = getline(&buf, &size, f)) >= 0) {
		if (len && buf[len - 1] == '\n')
			buf[len - 1] = '\0';
		/* a line ends at a NUL byte, as the shell's mapfile reads it */
		strv_push(&l->lines, &n, xstrdup(buf));
	}
	l->n = n;
	free(buf);
	if (f)
		fclose(f);
}

/* a whole number, optionally negative */
static bool is_integer(const char *s)
{
	if (*s == '-')
		s++;
	return *s && !s[strspn(s, "0123456789")];
}

/*
 * The supervisor's status line, the log's last (of at least two); its words in ST, and
 * *LINES = the lines before it. False when there is none: QEMU never ran under it.
 */
static bool read_status(struct status *st, char **words, size_t nlines, size_t *lines)
{
	static const char *const keys[] = {
		"exit", "signal", "timeout", "silent", "stopped", "out_bytes", "err_bytes"
	};
	const char **fields[] = {
		&st->exit, &st->signal, &st->timed_out, &st->silent, &st->stopped,
		&st->out_bytes, &st->err_bytes
	};
	const char *eq;
	size_t i, k, klen;

	*st = (struct status){ "-1", "0", "0", "0", "0", "0", "0" };
	*lines = nlines;
	if (!words)
		return false;
	*lines = nlines - 1;
	for (i = 0; words[i]; i++) {
		/* KEY=NUMBER; other words are skipped */
		eq = strchr(words[i], '=');
		if (!eq || !is_integer(eq + 1))
			continue;
		klen = eq - words[i];
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (strlen(keys[k]) == klen && !strncmp(words[i], keys[k], klen))
				*fields[k] = eq + 1;
		}
	}
	return true;
}

/* the words of the status line (split at blanks), NULL when the log has none */
static char **status_words(const struct log *l)
{
	const char *last = l->n > 1 ? l->lines[l->n - 1] : "";
	char **v = NULL, *copy, *w, *save;
	size_t n = 0;

	if (!prefix(last, "supervise: status "))
		return NULL;
	v = strv_new();
	copy = xstrdup(last + strlen("supervise: status "));
	for (w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		strv_push(&v, &n, xstrdup(w));
	free(copy);
	return v;
}

/* EXIT_TOKEN=<hex> on the command line */
static char *command_token(const char *cmd)
{
	const char *t = strstr(cmd, "EXIT_TOKEN=");
	size_t len;

	for (; t; t = strstr(t + 1, "EXIT_TOKEN=")) {
		len = strspn(t + strlen("EXIT_TOKEN="), "0123456789abcdef");
		if (len)
			return xstrndup(t + strlen("EXIT_TOKEN="), len);
	}
	return NULL;
}

/* a decimal number as shell arithmetic reads it (64 bits, wrapping) */
static long long decimal(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return (long long)v;
}

/*
 * An exit of this run's guest: "EXIT: STATUS=n TOKEN=t" with this run's token; without a
 * token only for a failing status (1, 3 and up: an exit path that runs before the
 * environment is read), never for 0 (PASS) or 2 (SKIP).
 */
static bool exit_line(struct scan *s, const char *line)
{
	const char *p = line + strlen("EXIT: STATUS="), *token = NULL;
	size_t digits = strspn(p, "0123456789");
	long long code;

	if (!digits)
		return false;
	if (p[digits]) {
		token = p + digits + strlen(" TOKEN=");
		if (!prefix(p + digits, " TOKEN=") || !*token ||
		    token[strspn(token, "0123456789abcdef")])
			return false;
	}
	code = decimal(p, digits);
	if (s->token && (!token || strcmp(token, s->token)) && (token || code == 0 || code == 2))
		return false;
	s->code = code;
	return true;
}

/* qemu-system-*: or the command's own name: QEMU's own lines */
static bool qemu_line(const struct scan *s, const char *line)
{
	size_t len = strlen(s->qemu_name);

	if (!strncmp(line, s->qemu_name, len) && line[len] == ':')
		return true;
	return prefix(line, "qemu-system-") && strchr(line + strlen("qemu-system-"), ':');
}

static bool after_exit_line(const struct scan *s, const char *line)
{
	return *line && !qemu_line(s, line) && !prefix(line, "supervise: ") &&
	       !prefix(line, "migrate: ") && !prefix(line, "MIGRATION-ERROR:");
}

/* the digits at P followed by AFTER, malloc'd; NULL when P has none or AFTER does not follow */
static char *summary_number(const char *p, const char *after, const char **end)
{
	size_t digits = strspn(p, "0123456789");

	if (!digits || strncmp(p + digits, after, strlen(after)))
		return NULL;
	*end = p + digits + strlen(after);
	return xstrndup(p, digits);
}

static void free_summary(char **sum)
{
	int i;

	for (i = 0; i < SUM_N; i++) {
		free(sum[i]);
		sum[i] = NULL;
	}
}

/* SUMMARY: N tests, N unexpected failures, N expected failures, N known failures, N skipped */
static void summary_line(struct scan *s, const char *line)
{
	static const char *const after[SUM_N] = {
		" tests, ", " unexpected failures, ", " expected failures, ", " known failures, ",
		" skipped"
	};
	const char *p = line + strlen("SUMMARY: ");
	char *num[SUM_N] = { NULL };
	int i;

	if (!prefix(line, "SUMMARY: "))
		return;
	for (i = 0; i < SUM_N; i++) {
		num[i] = summary_number(p, after[i], &p);
		if (!num[i]) {
			free_summary(num);
			return;
		}
	}
	free_summary(s->sum);
	memcpy(s->sum, num, sizeof(num));
}

/* any other line: QEMU's signal and load errors, the line before the exit, first lines */
static void other_line(struct scan *s, const char *line)
{
	const char *load = strstr(line, "could not load ");

	/* QEMU's SIGTERM/SIGINT/SIGHUP handler: it exits 0, as after a guest's exit */
	if (strstr(line, ": terminating on signal ") && qemu_line(s, line) && !s->qemu_signal)
		s->qemu_signal = strstr(line, ": terminating on ") + strlen(": terminating on ");
	if (!s->load_error && (strstr(line, "Error while loading elf kernel") ||
			       strstr(line, "could not load kernel") ||
			       (load && strstr(load + strlen("could not load "), " kernel"))))
		s->load_error = line;
	if (!s->have_exit)
		s->before_exit = line;
	if (!s->first_any)
		s->first_any = line;
	if (!s->first_err && !strstr(line, "warning:"))
		s->first_err = line;
}

static void scan_line(struct scan *s, struct verdict *v, const char *line)
{
	if (s->have_exit && !s->after_exit && after_exit_line(s, line))
		s->after_exit = line;
	if (prefix(line, "FAIL:") || prefix(line, "XPASS:")) {
		strv_push(&v->subs, &v->nsubs, xstrdup(line));
		s->failed_lines++;
	} else if (prefix(line, "PASS:") || prefix(line, "XFAIL:") || prefix(line, "KFAIL:")) {
		strv_push(&v->subs, &v->nsubs, xstrdup(line));
	} else if (prefix(line, "SKIP:")) {
		strv_push(&v->subs, &v->nsubs, xstrdup(line));
		s->last_skip = prefix(line, "SKIP: ") ? line + strlen("SKIP: ") : line;
	} else if (prefix(line, "SUMMARY:")) {
		summary_line(s, line);
	} else if (prefix(line, "EXIT: STATUS=")) {
		if (exit_line(s, line)) {
			s->have_exit = true;
			s->after_exit = NULL;
		} else if (!s->false_exit) {
			s->false_exit = line;
		}
	} else if (prefix(line, "MIGRATION-ERROR:")) {
		/* host/migrate's reason (docs/HACKING.md, "Migration") */
		if (!given(s->migration_error))
			s->migration_error = prefix(line, "MIGRATION-ERROR: ") ?
					     line + strlen("MIGRATION-ERROR: ") : line;
	} else if (prefix(line, "supervise: bad image ")) {
		s->bad_image = line + strlen("supervise: ");
	} else if (prefix(line, "supervise: no output from the guest within ")) {
		s->silence = line + strlen("supervise: ");
	} else if (!*line || prefix(line, "backtrace:") || prefix(line, "INFO:") ||
		   prefix(line, "supervise: ") || prefix(line, "MIGRATE: ") ||
		   prefix(line, "migrate: ")) {
		/* nothing to learn */
	} else {
		other_line(s, line);
	}
}

/* one pass over the output lines 1..n-1 (a trailing CR of each dropped) */
static void scan_output(struct scan *s, struct verdict *v, struct log *l, size_t n)
{
	char *space, *line, *slash;
	size_t i, len;

	memset(s, 0, sizeof(*s));
	s->code = -1;
	space = strchr(v->cmd, ' ');
	s->qemu_name = xstrndup(v->cmd, space ? (size_t)(space - v->cmd) : strlen(v->cmd));
	slash = strrchr(s->qemu_name, '/');
	if (slash)
		memmove(s->qemu_name, slash + 1, strlen(slash));
	s->token = command_token(v->cmd);
	for (i = 1; i < n; i++) {
		line = l->lines[i];
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		scan_line(s, v, line);
	}
	if (!s->first_err)
		s->first_err = s->first_any;
}

static void set_reason(struct verdict *v, char *reason)
{
	free(v->reason);
	v->reason = reason;
}

/* the run ended before the guest had its say; false when it did not */
static bool ended_early(struct verdict *v, const struct scan *s, const struct status *st,
			int timeout_s)
{
	if (s->bad_image)
		set_reason(v, xstrdup(s->bad_image));
	else if (strcmp(st->stopped, "0"))
		set_reason(v, xstrdup("interrupted"));
	else if (!strcmp(st->timed_out, "1"))
		set_reason(v, xasprintf("timeout after %d s", timeout_s));
	else if (!strcmp(st->silent, "1"))
		set_reason(v, s->silence ? xstrndup(s->silence, strcspn(s->silence, ","))
					 : xstrdup("no output from the guest"));
	else if (given(s->migration_error))
		set_reason(v, xasprintf("migration: %s", s->migration_error));
	else if (s->qemu_signal)
		set_reason(v, xasprintf("QEMU ended by %s, not through the guest's exit",
					s->qemu_signal));
	else if (s->load_error)
		set_reason(v, xasprintf("QEMU cannot load the image: %s", s->load_error));
	else
		return false;
	return true;
}

/* no EXIT line: QEMU that refused to start (stderr only) is a SKIP with its first error */
static void no_exit_line(struct verdict *v, const struct scan *s, const struct status *st)
{
	char *reason;

	if (!strcmp(st->out_bytes, "0") && strcmp(st->err_bytes, "0") && strcmp(st->exit, "0") &&
	    s->first_err && *s->first_err) {
		v->result = "SKIP";
		set_reason(v, xstrdup(s->first_err));
	} else if (strcmp(st->signal, "0")) {
		set_reason(v, xasprintf("QEMU killed by signal %s, no EXIT line", st->signal));
	} else if (!strcmp(st->out_bytes, "0")) {
		set_reason(v, xasprintf("no output, QEMU exit status %s", st->exit));
	} else if (!strcmp(st->exit, "0")) {
		set_reason(v, xstrdup("no EXIT line: guest reset or powered off early"));
	} else {
		set_reason(v, xasprintf("no EXIT line: guest crashed? QEMU exit status %s",
					st->exit));
	}
	if (!strcmp(v->result, "FAIL") && s->false_exit) {
		reason = xasprintf("%s ('%.40s' lacks this run's token)", v->reason, s->false_exit);
		set_reason(v, reason);
	}
}

/* a number the shell compares with -gt/-ge: decimal, saturating */
static long long number(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

/* QEMU's status as written is the decimal one the arch's exit path gives for CODE */
static bool exit_ok(const struct arch *a, const char *qemu_status, long long code)
{
	char canonical[32];
	long status;

	if (!is_integer(qemu_status))
		return false;
	status = strtol(qemu_status, NULL, 10);
	snprintf(canonical, sizeof(canonical), "%ld", status);
	/* beyond an int, a code gives no exit status QEMU can have (arm64 ignores it) */
	code = code > INT_MAX ? INT_MAX : code < INT_MIN ? INT_MIN : code;
	return status >= INT_MIN && status <= INT_MAX && !strcmp(canonical, qemu_status) &&
	       arch_exit_ok(a, (int)status, (int)code);
}

/* the exit does not count: more guest output after it, QEMU's end not the exit path's,
 * or status 0 after failed claims */
static bool exit_disputed(struct verdict *v, const struct scan *s, const struct status *st,
			  const struct arch *a)
{
	long long failed = number(s->sum[SUM_FAILED]);

	if (s->after_exit)
		set_reason(v, xasprintf("EXIT: STATUS=%lld was not the guest's last word: "
					"'%.60s' followed", s->code, s->after_exit));
	else if (strcmp(st->signal, "0"))
		set_reason(v, xasprintf("QEMU killed by signal %s after EXIT: STATUS=%lld",
					st->signal, s->code));
	else if (!exit_ok(a, st->exit, s->code))
		set_reason(v, xasprintf("EXIT: STATUS=%lld but QEMU exit status %s", s->code,
					st->exit));
	else if (s->code == 0 && (s->failed_lines > 0 || failed > 0))
		/* main returned 0 after failed claims (not report_summary()'s value) */
		set_reason(v, xasprintf("EXIT: STATUS=0, but %lld claims failed",
					s->failed_lines > failed ? s->failed_lines : failed));
	else
		return false;
	return true;
}

static char *plural(const char *n, const char *word)
{
	return xasprintf("%s %s%s", n, word, strcmp(n, "1") ? "s" : "");
}

/* *D = "*D, PART" (PART is taken over) */
static void append_part(char **d, char *part)
{
	char *joined = xasprintf("%s, %s", *d, part);

	free(part);
	free(*d);
	*d = joined;
}

/* "14 tests, 1 expected failure, 2 known failures, 1 skipped" from the SUMMARY numbers */
static char *summary_counts(const struct scan *s)
{
	char *d = plural(s->sum[SUM_TESTS], "test");

	if (strcmp(s->sum[SUM_XFAIL], "0"))
		append_part(&d, plural(s->sum[SUM_XFAIL], "expected failure"));
	if (strcmp(s->sum[SUM_KFAIL], "0"))
		append_part(&d, plural(s->sum[SUM_KFAIL], "known failure"));
	if (strcmp(s->sum[SUM_SKIPPED], "0"))
		append_part(&d, xasprintf("%s skipped", s->sum[SUM_SKIPPED]));
	return d;
}

/* the guest's own verdict, its reason composed from SUMMARY */
static void from_exit_code(struct verdict *v, const struct scan *s)
{
	switch (s->code) {
	case 0:
		v->result = "PASS";
		if (s->sum[SUM_TESTS])
			set_reason(v, summary_counts(s));
		break;
	case 1:
		if (s->sum[SUM_TESTS] && number(s->sum[SUM_FAILED]) > 0)
			set_reason(v, xasprintf("%s of %s tests failed", s->sum[SUM_FAILED],
						s->sum[SUM_TESTS]));
		else
			set_reason(v, xstrdup("guest exit status 1"));
		break;
	case 2:
		/* every claim skipped, or the subject is absent (report_skip_all, whose SKIP
		 * line is the last): the reason is that SKIP's, whatever set-up claims passed */
		v->result = "SKIP";
		set_reason(v, xstrdup(s->last_skip && *s->last_skip ? s->last_skip
								     : "nothing tested"));
		break;
	case 3:
		set_reason(v, s->before_exit && *s->before_exit ?
			      xasprintf("aborted: %s", s->before_exit) : xstrdup("aborted"));
		break;
	default:
		set_reason(v, xasprintf("guest exit status %lld", s->code));
	}
}

static void decide(struct verdict *v, struct scan *s, struct log *l, int timeout_s,
		   const struct arch *a)
{
	struct status st;
	char **words = status_words(l);
	size_t n;

	if (!read_status(&st, words, l->n, &n)) {
		/* something failed before QEMU ran (its message is in the log) */
		scan_output(s, v, l, n);
		set_reason(v, xstrdup(s->first_any ? s->first_any : "QEMU did not run"));
	} else {
		scan_output(s, v, l, n);
		if (ended_early(v, s, &st, timeout_s))
			;
		else if (!s->have_exit)
			no_exit_line(v, s, &st);
		else if (!exit_disputed(v, s, &st, a))
			from_exit_code(v, s);
	}
	strv_free(words);
}

static void counts_from_summary(struct verdict *v, const struct scan *s)
{
	v->tests = s->sum[SUM_TESTS] ? (int)number(s->sum[SUM_TESTS]) : -1;
	v->failed = (int)number(s->sum[SUM_FAILED]);
	v->xfail = (int)number(s->sum[SUM_XFAIL]);
	v->kfail = (int)number(s->sum[SUM_KFAIL]);
	v->skipped = (int)number(s->sum[SUM_SKIPPED]);
}

static void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->result = "FAIL";
	v->reason = xstrdup("");
	v->cmd = xstrdup("");
	v->subs = strv_new();
	v->tests = -1;
}

void verdict_from_log(struct verdict *v, const char *log, int timeout_s, const struct arch *a)
{
	struct log l;
	struct scan s;

	verdict_init(v);
	read_log(&l, log);
	if (l.n) {
		free(v->cmd);
		v->cmd = xstrdup(l.lines[0]);
	}
	decide(v, &s, &l, timeout_s, a);
	counts_from_summary(v, &s);
	if (strlen(v->reason) > REASON_MAX)
		set_reason(v, xasprintf("%.*s...", REASON_MAX - 3, v->reason));
	free(s.qemu_name);
	free(s.token);
	free_summary(s.sum);
	strv_free(l.lines);
}

static const char *verdict_name(const char *result)
{
	static const char *const names[] = { "PASS", "FAIL", "SKIP", "XFAIL", "XPASS" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(names[i], result))
			return names[i];
	}
	return "FAIL";
}

void verdict_set(struct verdict *v, const char *result, const char *reason)
{
	verdict_init(v);
	v->result = verdict_name(result);
	set_reason(v, xstrdup(reason));
}

/*
 * cfg expect = abort: an abort (exit status 3) is a PASS, anything else but a SKIP a FAIL.
 * An expected FAIL that fails is an XFAIL; one that passes an XPASS, a failure.
 */
void verdict_expect(struct verdict *v, bool expect_abort, const char *expected,
		    const char *expected_reason)
{
	const char *rest;

	if (!strcmp(v->result, "SKIP"))
		return;
	if (expect_abort && !strcmp(v->result, "FAIL") && prefix(v->reason, "aborted")) {
		rest = prefix(v->reason, "aborted: ") ? v->reason + strlen("aborted: ") : v->reason;
		v->result = "PASS";
		set_reason(v, xasprintf("expected abort: %s", rest));
	} else if (expect_abort) {
		set_reason(v, xasprintf("expected an abort, got %s%s%s", v->result,
					*v->reason ? ": " : "", v->reason));
		v->result = "FAIL";
	}
	if (!expected || strcmp(expected, "FAIL"))
		return;
	if (!strcmp(v->result, "FAIL")) {
		v->result = "XFAIL";
		set_reason(v, xasprintf("%s; expected: %s", v->reason, expected_reason));
	} else if (!strcmp(v->result, "PASS")) {
		v->result = "XPASS";
		set_reason(v, xasprintf("passed, expected to fail: %s", expected_reason));
	}
}

void verdict_free(struct verdict *v)
{
	free(v->reason);
	free(v->cmd);
	strv_free(v->subs);
	memset(v, 0, sizeof(*v));
}
