/*
 * The guest half of the migration protocol (docs/HACKING.md, "Migration"): marker lines
 * on the console out, short answers on the console in (arch_getchar).
 */
#include <libcflat.h>
#include <migrate.h>

static int last_seq;
static bool migrated_once;
static bool continuous;
static int progress;

/* An answer being received: "A<seq>,<count>\n". */
static struct {
	int state; /* 0: outside, 1: in seq, 2: in count */
	int seq, count;
} ack;

const char *migrate_mode(void)
{
	return getenv("MIGRATION");
}

static void require_host(void)
{
	if (migrate_mode())
		return;
	report_skip("migration: no migration host (run with MIGRATION=yes)");
	exit(report_summary());
}

/* Take one input byte; true when it completed an answer (then in ack.seq/ack.count). */
static bool take_input(int c)
{
	if (c == '+' && ack.state == 0) {
		progress++;
		return false;
	}
	if (c == 'A') {
		ack.state = 1;
		ack.seq = ack.count = 0;
	} else if (ack.state && isdigit(c)) {
		if (ack.state == 1)
			ack.seq = ack.seq * 10 + (c - '0');
		else
			ack.count = ack.count * 10 + (c - '0');
	} else if (ack.state == 1 && c == ',') {
		ack.state = 2;
	} else if (ack.state == 2 && c == '\n') {
		ack.state = 0;
		return true;
	} else {
		ack.state = 0; /* noise: not an answer */
	}
	return false;
}

/* Wait for the host's answer to request @seq; returns its count. */
static int wait_answer(int seq)
{
	int c;

	for (;;) {
		c = arch_getchar();
		if (c < 0) {
			cpu_relax();
			continue;
		}
		if (!take_input(c))
			continue;
		if (ack.seq == seq)
			return ack.count;
		printf("INFO: migration: ignored a stale answer %d (waiting for %d)\n", ack.seq, seq);
	}
}

void migrate(void)
{
	int seq;

	require_host();
	assert_msg(!continuous, "migrate() during continuous migration");
	seq = ++last_seq;
	printf("MIGRATE: request %d\n", seq);
	wait_answer(seq);
}

void migrate_demand_paged(u64 bandwidth)
{
	int seq;

	require_host();
	assert_msg(!continuous, "migrate_demand_paged() during continuous migration");
	seq = ++last_seq;
	printf("MIGRATE: demand %d %llu\n", seq, (unsigned long long)bandwidth);
	wait_answer(seq);
}

void migrate_settle(void)
{
	int seq;

	require_host();
	seq = ++last_seq;
	printf("MIGRATE: settle %d\n", seq);
	wait_answer(seq);
}

void migrate_once(void)
{
	if (migrated_once)
		return;
	migrated_once = true;
	migrate();
}

void migrate_skip(void)
{
	if (migrate_mode())
		printf("MIGRATE: skip\n");
}

void migrate_begin_continuous(void)
{
	require_host();
	assert_msg(!continuous, "continuous migration begun twice");
	continuous = true;
	progress = 0;
	printf("MIGRATE: begin %d\n", ++last_seq);
}

int migrate_continuous_progress(void)
{
	int c;

	while ((c = arch_getchar()) >= 0)
		take_input(c);
	return progress;
}

int migrate_end_continuous(void)
{
	int seq = ++last_seq, count;

	assert_msg(continuous, "migrate_end_continuous() without migrate_begin_continuous()");
	printf("MIGRATE: end %d\n", seq);
	count = wait_answer(seq);
	continuous = false;
	return count;
}
