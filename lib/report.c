/* The report API: one line per claim, counters, and the verdict of the whole test. */
#include <libcflat.h>
#include <migrate.h>

static struct spinlock report_lock;
#define MAX_PREFIX_DEPTH 16

static char prefixes[256];
static size_t prefix_len[MAX_PREFIX_DEPTH]; /* length of prefixes before each push */
static int depth;
static int tests, failures, xfailures, kfailures, skipped;

void report_prefix_push(const char *prefix)
{
	size_t len;

	spin_lock(&report_lock);
	len = strlen(prefixes);
	/* A prefix too long for the buffer is dropped, but its pop still balances. */
	if (depth < MAX_PREFIX_DEPTH)
		prefix_len[depth] = len;
	depth++;
	if (len + strlen(prefix) + 3 < sizeof(prefixes)) {
		strcat(prefixes, prefix);
		strcat(prefixes, ": ");
	}
	spin_unlock(&report_lock);
}

void report_prefix_pushf(const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report_prefix_push(buf);
}

void report_prefix_pop(void)
{
	spin_lock(&report_lock);
	if (depth > 0) {
		depth--;
		if (depth < MAX_PREFIX_DEPTH)
			prefixes[prefix_len[depth]] = '\0';
	}
	spin_unlock(&report_lock);
}

void report_prefix_popn(int n)
{
	while (n-- > 0)
		report_prefix_pop();
}

static void report_line(const char *tag, const char *suffix, const char *fmt, va_list ap)
{
	char msg[384];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("%s: %s%s%s\n", tag, prefixes, msg, suffix);
}

enum outcome { PASS, FAIL, SKIP, XFAIL, XPASS, KFAIL, INFO };

static void record(enum outcome what, const char *suffix, const char *fmt, va_list ap)
{
	static const char *const tags[] = { "PASS", "FAIL", "SKIP", "XFAIL", "XPASS", "KFAIL", "INFO" };

	spin_lock(&report_lock);
	if (what != INFO)
		tests++;
	if (what == FAIL || what == XPASS)
		failures++;
	else if (what == XFAIL)
		xfailures++;
	else if (what == KFAIL)
		kfailures++;
	else if (what == SKIP)
		skipped++;
	report_line(tags[what], suffix, fmt, ap);
	spin_unlock(&report_lock);
}

/* Print SUMMARY; the exit code: FAIL on a failed claim, else SKIP when @subject_absent or
 * when every claim skipped, else PASS. */
static int report_summary_status(bool subject_absent)
{
	int status;

	spin_lock(&report_lock);
	printf("SUMMARY: %d tests, %d unexpected failures, %d expected failures, "
	       "%d known failures, %d skipped\n",
	       tests, failures, xfailures, kfailures, skipped);
	if (failures)
		status = EXIT_FAIL;
	else if (subject_absent || tests == skipped)
		status = EXIT_SKIP;
	else
		status = EXIT_PASS;
	spin_unlock(&report_lock);
	return status;
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(pass ? PASS : FAIL, "", fmt, ap);
	va_end(ap);
	return pass;
}

/* report_pass(), report_fail(), report_skip(), report_info(): one outcome each. */
#define DEFINE_REPORT_OUTCOME(name, outcome) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		record(outcome, "", fmt, ap); \
		va_end(ap); \
	}

DEFINE_REPORT_OUTCOME(report_pass, PASS)
DEFINE_REPORT_OUTCOME(report_fail, FAIL)
DEFINE_REPORT_OUTCOME(report_skip, SKIP)
DEFINE_REPORT_OUTCOME(report_info, INFO)

void report_skip_all(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(SKIP, "", fmt, ap);
	va_end(ap);
	migrate_skip();
	exit(report_summary_status(true));
}

bool report_xfail(bool xfail, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (xfail)
		record(pass ? XPASS : XFAIL, "", fmt, ap);
	else
		record(pass ? PASS : FAIL, "", fmt, ap);
	va_end(ap);
	return pass;
}

bool report_kfail(bool known, const char *why, bool pass, const char *fmt, ...)
{
	char suffix[160];
	va_list ap;

	snprintf(suffix, sizeof(suffix), " (known: %s)", why);
	va_start(ap, fmt);
	if (pass)
		record(PASS, "", fmt, ap);
	else
		record(known ? KFAIL : FAIL, known ? suffix : "", fmt, ap);
	va_end(ap);
	return pass;
}

int report_summary(void)
{
	return report_summary_status(false);
}
