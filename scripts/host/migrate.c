/*
 * migrate: run one test image across the live migrations its guest asks for.
 *
 *   migrate -- QEMU [ARGS...]
 *
 * The protocol with the guest (lib/migrate.c) is in docs/HACKING.md, "Migration".  In short:
 * the guest prints "MIGRATE: request N" (or begin N / end N / demand N BW / settle N / skip)
 * at the start of a line on its console; we migrate the VM to a fresh QEMU started with the
 * same command line and, once the destination runs, write "A<N>,<count>\n" to the
 * destination's console input. A demand-paged migration ("demand") is answered as soon as
 * the destination resumes the guest in postcopy, while its memory is still on the source.
 *
 * Everything goes through socketpairs and pipes, never the file system: QMP is a socketpair
 * QEMU sees as fd 3 (-chardev socket,fd=3); the migration stream is a socketpair whose one end
 * the destination inherits as fd 4 (migrate-incoming fd:4) and whose other end the source gets
 * over QMP (getfd with SCM_RIGHTS, then migrate fd:migrate-out).  So nothing can be left
 * behind on disk, even when we are SIGKILLed.  QEMUs stay in our process group (the
 * runner's supervisor kills that group) and get PR_SET_PDEATHSIG(SIGKILL).
 *
 * Environment:
 *   MIGRATION_MODE=precopy|postcopy   (default precopy)
 *   MIGRATION_STEP_TIMEOUT=SECONDS    longest wait for one destination or migration (default 60)
 *   MIGRATE_KILL_DEST_AT=N            test hook: SIGKILL the destination while migration N runs
 *   MIGRATE_KILL_DEST_PHASE=active|postcopy   ... as soon as it is active (default), or once
 *                                     the guest runs on it in postcopy
 *
 * Output: the guest's console on stdout; QEMU's stderr on stderr; on an error one line
 * "MIGRATION-ERROR: <reason>" on stderr and exit status 86.  Otherwise the exit status of
 * the QEMU the guest finished on (128+signal if it was killed); a source QEMU that fails
 * before the guest printed anything (QEMU refused its command line) is not a migration
 * error: its exit status and its stderr tell.  Signals: SIGTERM, SIGINT and SIGHUP kill
 * every QEMU, then we exit 128+signal.
 *
 * Each destination but the first starts as the migration before it starts (the spare), so that
 * its start-up runs alongside that migration and the guest instead of before the guest's next
 * request.
 *
 * The state is named by concern: the options (environment and command line), the guest's
 * requests (the console protocol), and the harness (the QEMUs and an explicit phase).
 * The QMP client is scripts/host/qmp.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host-common.h"
#include "qmp.h"

#define UNUSED __attribute__((unused))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EXIT_MIGRATION_ERROR 86
#define FD_QMP 3
#define FD_MIG_IN 4
#define MAX_BANDWIDTH 10000000000LL /* bytes/s: never the bottleneck */
/*
 * bytes/s of the precopy phase in postcopy mode: QEMU's rate limit counts stream bytes per
 * 100 ms window, and a zero page costs about 9 of them, so at this rate even an all-zero
 * first pass takes tens of seconds and cannot complete before migrate-start-postcopy is
 * seen; postcopy itself runs at max-postcopy-bandwidth (QAPI MigrationParameters).
 */
#define PRECOPY_CRAWL_BANDWIDTH 16384LL
/*
 * QEMU 7.2 can hang for good in its exit path (main thread in monitor_cleanup's aio_poll,
 * waiting for the QMP dispatcher while the vCPU threads wait for the BQL) when QMP commands
 * race a guest shutdown (known deviation qemu-qmp-shutdown-hang): s390x guests can finish
 * within a few ms, while we are still setting the source up. Its SHUTDOWN event has already
 * told the outcome, so after this long we kill it and take the exit status from that event.
 */
#define SHUTDOWN_GRACE_MS 3000
#define DRAIN_EOF_MS 2000

struct qemu {
	int index; /* 0: the first source; n: the n-th destination */
	char name[24];       /* "QEMU n", for messages */
	pid_t pid;
	int pidfd, con_in, con_out;
	int mig_peer;        /* destinations: the stream's end for the source, until sent */
	struct qmp qmp;
	bool ready;          /* every setup command answered */
	bool mig_completed;  /* its MIGRATION event said completed */
	char mig_status[32]; /* last MIGRATION status it reported */
	long long console_bytes; /* what it printed on its console */
	long long shutdown_ms; /* when its SHUTDOWN event came, 0: none */
	int shutdown_status;   /* the exit status that SHUTDOWN event implies */
};

enum mode { PRECOPY, POSTCOPY };

/* What the environment and the command line asked for. */
static struct options {
	enum mode mode;
	long long step_ms;  /* MIGRATION_STEP_TIMEOUT */
	int kill_dest_at;   /* MIGRATE_KILL_DEST_AT */
	bool kill_in_postcopy; /* MIGRATE_KILL_DEST_PHASE=postcopy */
	bool verbose;       /* MIGRATE_VERBOSE */
	char **argv;        /* QEMU command line with our additions, NULL-terminated */
	int argc;           /* without the two -incoming slots */
} opt;

/* What the guest asked for on its console (docs/HACKING.md, "Migration"). */
static struct guest_requests {
	bool want;          /* a "request" or "demand" waits for a migration */
	int request_seq;
	bool demand;        /* that migration is a "demand": answer once the destination resumes */
	bool answered;      /* the demand-paged migration under way was answered */
	long long demand_bandwidth; /* its max-postcopy-bandwidth, bytes/s (0: no cap) */
	int settle_seq;     /* a "settle" waiting for the migration under way, 0: none */
	bool continuous, end_requested, skipped;
	int end_seq, continuous_count;
} guest;

/* The console as one stream across QEMUs: the line being assembled. */
static struct console_line {
	char text[4096];
	size_t len;
	bool too_long;
} line;

/*
 * Where the harness is. A destination is always being set up or ready while the guest
 * runs; the deadline (MIGRATION_STEP_TIMEOUT) covers every phase but DEST_READY, where it
 * is the guest's turn. The phase is h.dst's: the spare has none until it becomes h.dst.
 */
enum phase {
	DEST_STARTING, /* the next destination answers its setup commands */
	DEST_READY,    /* both QEMUs set up: waiting for the guest to ask */
	MIGRATING,     /* migration h.number under way */
	CONFIRMING,    /* both sides said completed: is the destination running? */
};

static struct harness {
	struct qemu *src, *dst;
	struct qemu *spare; /* the destination after h.dst, from the start of a migration */
	enum phase phase;
	int number;        /* the migration under way (MIGRATING, CONFIRMING) */
	int migrations, postcopy_migrations;
	bool postcopy_started, went_postcopy, dest_killed_by_hook;
	long long t0_ms;   /* our start: verbose times count from here */
	long long deadline;
	const char *waiting_for;
} h;

static int in_flight(void)
{
	return h.phase >= MIGRATING ? h.number : 0;
}

static void enter_phase(enum phase phase, const char *waiting_for)
{
	h.phase = phase;
	h.waiting_for = waiting_for;
	h.deadline = phase == DEST_READY ? -1 : now_ms() + opt.step_ms;
}

static void die_setup(const char *what)
{
	fprintf(stderr, "migrate: %s: %s\n", what, strerror(errno));
	exit(125);
}

/* ---- processes */

static void describe_status(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
}

static int reap(struct qemu *q)
{
	int status = 0;

	while (waitpid(q->pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static bool has_exited(struct qemu *q)
{
	siginfo_t si = { .si_pid = 0 };

	return !waitid(P_PID, q->pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid;
}

/* @q has exited, or does within @ms. */
static bool exits_within(struct qemu *q, int ms)
{
	struct pollfd p = { .fd = q->pidfd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

static void close_qemu(struct qemu *q)
{
	close(q->pidfd);
	close(q->qmp.fd);
	close(q->con_in);
	close(q->con_out);
	if (q->mig_peer >= 0)
		close(q->mig_peer);
	free(q);
}

static void relay_console(struct qemu *q, const char *buf, size_t n);

/*
 * Copy what @q has printed to our stdout; with @to_eof, until it closes its end (it has
 * exited or is being killed), but for at most DRAIN_EOF_MS should anything else still hold
 * that pipe open.
 */
static void drain_console(struct qemu *q, bool to_eof)
{
	long long give_up = now_ms() + DRAIN_EOF_MS;
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(q->con_out, buf, sizeof(buf));
		if (n > 0) {
			relay_console(q, buf, n);
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN) || !to_eof)
			break;
		if (errno == EAGAIN) {
			struct pollfd p = { .fd = q->con_out, .events = POLLIN };
			long long left = give_up - now_ms();

			if (left <= 0 || !poll(&p, 1, (int)left)) {
				fprintf(stderr, "migrate: %s's console did not reach EOF within %d ms\n",
					q->name, DRAIN_EOF_MS);
				break;
			}
		}
	}
}

/* SIGKILL every QEMU at once, so that they tear down together, then reap them. */
static void kill_everything(void)
{
	struct qemu **slots[] = { &h.spare, &h.dst, &h.src };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(slots); i++)
		if (*slots[i])
			kill((*slots[i])->pid, SIGKILL);
	for (i = 0; i < ARRAY_SIZE(slots); i++) {
		struct qemu *q = *slots[i];

		if (!q)
			continue;
		if (q == h.src)
			drain_console(q, true); /* the guest's last words */
		reap(q);
		close_qemu(q);
		*slots[i] = NULL;
	}
}

static void fail_with(const char *reason) __attribute__((noreturn));
static void fail_with(const char *reason)
{
	kill_everything(); /* no QEMU may write into our line */
	fflush(stdout);
	/* a dying QEMU may have left half a line on the stderr we share */
	fprintf(stderr, "\nMIGRATION-ERROR: %s\n", reason);
	exit(EXIT_MIGRATION_ERROR);
}

static void migration_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void migration_error(const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fail_with(reason);
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* In the child: put the descriptors where QEMU's command line expects them, and run it. */
static void child_exec(int stdin_fd, int stdout_fd, int qmp_fd, int mig_in, pid_t parent)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* out of the way of 0, 1, 3 and 4 first; dup2 clears close-on-exec on those */
	stdin_fd = fcntl(stdin_fd, F_DUPFD_CLOEXEC, 10);
	stdout_fd = fcntl(stdout_fd, F_DUPFD_CLOEXEC, 10);
	qmp_fd = fcntl(qmp_fd, F_DUPFD_CLOEXEC, 10);
	if (mig_in >= 0)
		mig_in = fcntl(mig_in, F_DUPFD_CLOEXEC, 10);
	if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(qmp_fd, FD_QMP) < 0 ||
	    (mig_in >= 0 && dup2(mig_in, FD_MIG_IN) < 0))
		_exit(125);
	execvp(opt.argv[0], opt.argv);
	fprintf(stderr, "migrate: cannot run %s: %s\n", opt.argv[0], strerror(errno));
	_exit(127);
}

static const struct qmp_hooks qemu_qmp_hooks;

/* Start QEMU number @index; a destination (index > 0) waits for the migration stream. */
static struct qemu *spawn_qemu(int index)
{
	int qmp[2], in[2], out[2], mig[2] = { -1, -1 };
	struct qemu *q = calloc(1, sizeof(*q));
	pid_t parent = getpid();
	bool incoming = index > 0;

	if (!q || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) ||
	    (incoming && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mig)) ||
	    pipe2(in, O_CLOEXEC) ||
	    pipe2(out, O_CLOEXEC))
		migration_error("cannot create the pipes for QEMU %d: %s", index, strerror(errno));
	/* the command line's tail: "-incoming defer" only for destinations */
	opt.argv[opt.argc] = incoming ? "-incoming" : NULL;
	opt.argv[opt.argc + 1] = incoming ? "defer" : NULL;
	q->index = index;
	snprintf(q->name, sizeof(q->name), "QEMU %d", index);
	q->pid = fork();
	if (q->pid < 0)
		migration_error("fork: %s", strerror(errno));
	if (q->pid == 0)
		child_exec(in[0], out[1], qmp[1], mig[0], parent);
	close(in[0]);
	close(out[1]);
	close(qmp[1]);
	if (incoming)
		close(mig[0]);
	q->mig_peer = mig[1];
	q->con_in = in[1];
	q->con_out = out[0];
	qmp_init(&q->qmp, qmp[0], q->name, &qemu_qmp_hooks, q, opt.step_ms);
	set_nonblock(q->con_in);
	set_nonblock(q->con_out);
	set_nonblock(q->qmp.fd);
	q->pidfd = (int)syscall(SYS_pidfd_open, q->pid, 0);
	if (q->pidfd < 0)
		migration_error("pidfd_open: %s", strerror(errno));
	return q;
}

/* ---- QMP: every QEMU's setup */

static void stop_on_signal(void) __attribute__((noreturn));

static json_t *caps_list(void)
{
	json_t *caps = json_pack("[{s:s, s:b}]", "capability", "events", "state", 1);

	if (opt.mode == POSTCOPY)
		json_array_append_new(caps, json_pack("{s:s, s:b}", "capability", "postcopy-ram",
						      "state", 1));
	return caps;
}

/* The last setup command answered: migrations may use this QEMU. */
static void mark_ready(void *owner, json_t *ret UNUSED)
{
	struct qemu *q = owner;

	q->ready = true;
}

/* Every QEMU, source or destination, gets the same migration settings. */
static void on_greeting(void *owner)
{
	struct qemu *q = owner;

	qmp_send(&q->qmp, "qmp_capabilities", NULL, NULL);
	qmp_send(&q->qmp, "migrate-set-capabilities",
		 json_pack("{s:o}", "capabilities", caps_list()), NULL);
	/*
	 * Postcopy: a zero downtime limit makes QEMU's completion threshold zero, so a pass
	 * that leaves anything dirty never ends the migration in precopy, and
	 * migrate-start-postcopy (sent as soon as "migrate" is accepted) switches it at the
	 * next iteration. An idle guest leaves nothing dirty, so its first pass would end the
	 * migration in precopy if it finished before that command is seen (a loaded host
	 * delays QMP): the crawl rate keeps the first pass from finishing.
	 */
	qmp_send(&q->qmp, "migrate-set-parameters",
		 opt.mode == POSTCOPY ? json_pack("{s:I, s:I}", "max-bandwidth",
						  PRECOPY_CRAWL_BANDWIDTH, "downtime-limit", 0)
				      : json_pack("{s:I}", "max-bandwidth", MAX_BANDWIDTH),
		 q->index ? NULL : mark_ready);
	if (q->index)
		qmp_send(&q->qmp, "migrate-incoming", json_pack("{s:s}", "uri", "fd:4"), mark_ready);
}

static void on_qmp_failure(void *owner, const char *reason) __attribute__((noreturn));
static void on_qmp_failure(void *owner UNUSED, const char *reason)
{
	fail_with(reason);
}

static void while_qmp_waits(void *owner UNUSED)
{
	if (stop_signal)
		stop_on_signal();
}

static void handle_event(void *owner, const char *name, json_t *data);

static const struct qmp_hooks qemu_qmp_hooks = {
	.greeting = on_greeting,
	.event = handle_event,
	.fail = on_qmp_failure,
	.waiting = while_qmp_waits,
};

/* ---- migrations */

/* The source accepted "migrate": in postcopy mode, ask for the switch right away. */
static void on_migrate_accepted(void *owner, json_t *ret UNUSED)
{
	if (opt.mode == POSTCOPY && !h.postcopy_started && in_flight() && owner == h.src) {
		h.postcopy_started = true;
		qmp_send(&h.src->qmp, "migrate-start-postcopy", NULL, NULL);
	}
}

static void start_migration(void)
{
	h.number = h.migrations + 1;
	enter_phase(MIGRATING, "a migration to complete");
	h.postcopy_started = h.went_postcopy = false;
	h.src->mig_completed = h.dst->mig_completed = false;
	guest.want = false;
	guest.answered = false;
	qmp_send(&h.src->qmp, "migrate-set-parameters",
		 json_pack("{s:I}", "max-postcopy-bandwidth", guest.demand ? guest.demand_bandwidth : 0),
		 NULL);
	qmp_send_fd(&h.src->qmp, "getfd", json_pack("{s:s}", "fdname", "migrate-out"),
		    h.dst->mig_peer, NULL);
	close(h.dst->mig_peer); /* the source holds it now: the stream dies with either side */
	h.dst->mig_peer = -1;
	qmp_send(&h.src->qmp, "migrate", json_pack("{s:s}", "uri", "fd:migrate-out"),
		 on_migrate_accepted);
	h.spare = spawn_qemu(h.dst->index + 1);
}

static void write_console_input(struct qemu *q, const char *text)
{
	size_t len = strlen(text);

	/* a few bytes into an empty pipe: never short */
	if (write(q->con_in, text, len) != (ssize_t)len)
		migration_error("cannot write to %s's console input: %s", q->name, strerror(errno));
}

static void acknowledge_on(struct qemu *q, int seq, int count)
{
	char ack[48];

	snprintf(ack, sizeof(ack), "A%d,%d\n", seq, count);
	write_console_input(q, ack);
}

static void acknowledge(int seq, int count)
{
	acknowledge_on(h.src, seq, count);
}

/*
 * The destination resumed the guest in postcopy: answer a demand-paged migration there,
 * while the source still holds the pages the guest has not touched yet.
 */
static void destination_resumed(void)
{
	if (!guest.demand || guest.answered)
		return;
	guest.answered = true;
	acknowledge_on(h.dst, guest.request_seq, 1);
	if (opt.kill_in_postcopy && opt.kill_dest_at == h.number) {
		h.dest_killed_by_hook = true;
		kill(h.dst->pid, SIGKILL);
	}
}

static void answer_end_of_continuous(void)
{
	acknowledge(guest.end_seq, guest.continuous_count);
	guest.continuous = guest.end_requested = false;
}

/* Both sides completed and the destination runs: it becomes the source. */
static void finish_migration(void)
{
	struct qemu *old = h.src;

	kill(old->pid, SIGKILL);
	drain_console(old, true); /* its last output comes before the destination's */
	reap(old);
	close_qemu(old);
	h.src = h.dst;
	h.dst = NULL;
	h.migrations++;
	h.postcopy_migrations += h.went_postcopy;
	h.phase = DEST_STARTING; /* nothing in flight while we answer */
	if (guest.continuous) {
		guest.continuous_count++;
		if (guest.end_requested)
			answer_end_of_continuous();
		else
			write_console_input(h.src, "+");
	} else if (!guest.answered) {
		acknowledge(guest.request_seq, 1);
	}
	if (guest.settle_seq) {
		acknowledge(guest.settle_seq, 1);
		guest.settle_seq = 0;
	}
	guest.demand = guest.answered = false;
	h.dst = h.spare; /* started with this migration: often ready already */
	h.spare = NULL;
	enter_phase(DEST_STARTING, "the next destination QEMU to be ready");
}

static void on_dest_status(void *owner UNUSED, json_t *ret)
{
	const char *status = json_string_value(json_object_get(ret, "status"));

	if (!status || strcmp(status, "running"))
		migration_error("after migration %d the destination is not running (status %s)",
				h.number, status ? status : "unknown");
	finish_migration();
}

static void check_migration_done(void)
{
	if (h.phase != MIGRATING || !h.src->mig_completed || !h.dst->mig_completed)
		return;
	h.phase = CONFIRMING;
	qmp_send(&h.dst->qmp, "query-status", NULL, on_dest_status);
}

static void source_failed_to_start(int status) __attribute__((noreturn));

/* @q, the destination or the spare, has exited: a migration error that names it. */
static void report_dest_death(struct qemu *q) __attribute__((noreturn));
static void report_dest_death(struct qemu *q)
{
	bool spare = q == h.spare;
	int index = q->index; /* the migration it is the destination of */
	char how[64];

	describe_status(reap(q), how, sizeof(how));
	close_qemu(q);
	*(spare ? &h.spare : &h.dst) = NULL;
	if (!spare && in_flight())
		migration_error("destination QEMU died (%s) during migration %d%s", how, h.number,
				h.dest_killed_by_hook ? ", killed by the MIGRATE_KILL_DEST_AT test hook"
						      : "");
	/* the same command line: a source that fails at once explains it */
	if (!h.migrations && !h.src->console_bytes && exits_within(h.src, 1000))
		source_failed_to_start(reap(h.src));
	migration_error("%s QEMU %d died (%s) before migration %d started",
			spare ? "spare destination" : "destination", index, how, index);
}

/* Before the guest's end is judged: a destination or spare that died is the error. */
static void report_if_dead(struct qemu *q)
{
	if (q && has_exited(q))
		report_dest_death(q);
}

static void on_source_failure_details(void *owner UNUSED, json_t *ret)
{
	const char *desc = json_string_value(json_object_get(ret, "error-desc"));

	if (h.dst && exits_within(h.dst, 200))
		report_dest_death(h.dst); /* the cause, where the source only saw a broken stream */
	migration_error("migration %d failed: %s", h.number, desc ? desc : "no error description");
}

static void source_migration_event(const char *status)
{
	if (!strcmp(status, "active")) {
		if (opt.kill_dest_at == h.number && h.dst && !opt.kill_in_postcopy) {
			h.dest_killed_by_hook = true;
			kill(h.dst->pid, SIGKILL);
		}
	} else if (!strcmp(status, "postcopy-active")) {
		h.went_postcopy = true;
	} else if (!strcmp(status, "completed")) {
		h.src->mig_completed = true;
	} else if (!strcmp(status, "failed") || !strcmp(status, "cancelled")) {
		qmp_send(&h.src->qmp, "query-migrate", NULL, on_source_failure_details);
	}
}

static void shutdown_event(struct qemu *q, json_t *data)
{
	const char *reason = json_string_value(json_object_get(data, "reason"));

	/* QEMU's main loop exits with 1 for a guest panic under -action panic=exit-failure,
	 * else with 0 */
	q->shutdown_status = reason && !strcmp(reason, "guest-panic") ? 1 : 0;
	q->shutdown_ms = now_ms();
	if (opt.verbose)
		fprintf(stderr, "migrate: %s: SHUTDOWN (%s)\n", q->name, reason ? reason : "no reason");
}

static void handle_event(void *owner, const char *name, json_t *data)
{
	const char *status = json_string_value(json_object_get(data, "status"));
	struct qemu *q = owner;

	if (name && !strcmp(name, "SHUTDOWN") && !q->shutdown_ms) {
		shutdown_event(q, data);
		return;
	}
	if (name && !strcmp(name, "RESUME") && q == h.dst && in_flight()) {
		destination_resumed();
		return;
	}
	if (!name || strcmp(name, "MIGRATION") || !status)
		return; /* STOP and the rest: the MIGRATION states say enough */
	snprintf(q->mig_status, sizeof(q->mig_status), "%s", status);
	if (opt.verbose)
		fprintf(stderr, "migrate: %lld ms: %s: %s%s\n", now_ms() - h.t0_ms, q->name, status,
			q == h.spare ? " (spare)" : in_flight() ? "" : " (no migration under way)");
	if (!in_flight() || q == h.spare)
		return;
	if (q == h.src) {
		source_migration_event(status);
	} else if (q == h.dst) {
		if (!strcmp(status, "completed"))
			q->mig_completed = true;
		else if (!strcmp(status, "failed"))
			migration_error("migration %d failed on the destination (its error is above)",
					h.number);
	}
	check_migration_done();
}

/* ---- the guest's console */

static bool parse_marker(const char *text, const char *word, int *seq)
{
	size_t n = strlen(word);
	char *end;
	long v;

	if (strncmp(text, word, n) || text[n] != ' ')
		return false;
	v = strtol(text + n + 1, &end, 10);
	if (end == text + n + 1 || *end || v < 0 || v > 1000000000)
		return false;
	*seq = (int)v;
	return true;
}

/* "demand N BANDWIDTH" */
static bool parse_demand(const char *text, int *seq)
{
	char word[16];
	int n = 0;

	if (sscanf(text, "%15s %d %lld%n", word, seq, &guest.demand_bandwidth, &n) != 3 ||
	    strcmp(word, "demand") || text[n] || *seq < 0 || guest.demand_bandwidth < 0)
		return false;
	return true;
}

static void handle_marker(const char *m)
{
	int seq;

	if (!strcmp(m, "skip")) {
		guest.skipped = true;
	} else if (parse_marker(m, "request", &seq)) {
		if (guest.continuous)
			migration_error("the guest asked for one migration in continuous mode");
		guest.want = true;
		guest.request_seq = seq;
	} else if (parse_demand(m, &seq)) {
		if (guest.continuous)
			migration_error("the guest asked for a demand-paged migration in continuous mode");
		if (opt.mode != POSTCOPY)
			migration_error("a demand-paged migration needs MIGRATION_MODE=postcopy");
		guest.want = guest.demand = true;
		guest.request_seq = seq;
	} else if (parse_marker(m, "settle", &seq)) {
		if (in_flight())
			guest.settle_seq = seq;
		else
			acknowledge(seq, 1);
	} else if (parse_marker(m, "begin", &seq)) {
		guest.continuous = true;
		guest.end_requested = false;
		guest.continuous_count = 0;
	} else if (parse_marker(m, "end", &seq)) {
		if (!guest.continuous)
			migration_error("the guest ended continuous migration it never began");
		guest.end_requested = true;
		guest.end_seq = seq;
		if (!in_flight())
			answer_end_of_continuous();
	}
}

static void handle_line(char *text)
{
	static const char tag[] = "MIGRATE: ";
	size_t n = strlen(text);

	if (n && text[n - 1] == '\r')
		text[n - 1] = 0;
	if (!strncmp(text, tag, sizeof(tag) - 1))
		handle_marker(text + sizeof(tag) - 1);
}

/* Relay @q's console to stdout and feed its lines, which may span several QEMUs. */
static void relay_console(struct qemu *q, const char *buf, size_t n)
{
	size_t i, off = 0;

	q->console_bytes += n;
	while (off < n) {
		ssize_t w = write(1, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* nobody reads our output: keep going for the verdict's sake */
		off += w;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			line.text[line.len] = 0;
			if (!line.too_long)
				handle_line(line.text);
			line.len = 0;
			line.too_long = false;
		} else if (line.len < sizeof(line.text) - 1) {
			line.text[line.len++] = buf[i];
		} else {
			line.too_long = true;
		}
	}
}

/* ---- the end */

/* Exit as the source QEMU did: @status is its wait status. */
static void exit_like(int status) __attribute__((noreturn));
static void exit_like(int status)
{
	kill_everything();
	if (WIFSIGNALED(status))
		exit(128 + WTERMSIG(status));
	exit(WEXITSTATUS(status));
}

/*
 * The first source failed before its guest printed a byte: QEMU refused its command line
 * (its error is on stderr). No guest ran, so this is not the guest's nor a migration's
 * outcome; we exit as QEMU did and let its message speak.
 */
static void source_failed_to_start(int status)
{
	char how[64];

	describe_status(status, how, sizeof(how));
	fprintf(stderr, "migrate: the source QEMU ended (%s) before the guest printed anything\n",
		how);
	close_qemu(h.src);
	h.src = NULL;
	exit_like(status);
}

/* Why the guest's end is a migration error, or NULL when it is not; @how: QEMU's end. */
static const char *guest_end_error(int status, const char *how, char *buf, size_t size)
{
	if (in_flight() && (WIFSIGNALED(status) || h.went_postcopy))
		snprintf(buf, size, "source QEMU died (%s) during migration %d", how, h.number);
	else if (!h.migrations && !guest.skipped)
		snprintf(buf, size, "the guest exited (QEMU %s) before its migration point: no "
			 "migration and no migrate_skip()", how);
	else if (guest.continuous)
		snprintf(buf, size, "the guest exited (QEMU %s) during continuous migration, after "
			 "%d migrations, without migrate_end_continuous()", how, h.migrations);
	else if (guest.want)
		snprintf(buf, size, "the guest exited (QEMU %s) while waiting for migration %d", how,
			 h.migrations + 1);
	else if (opt.mode == POSTCOPY && h.migrations && !h.postcopy_migrations)
		snprintf(buf, size, "postcopy mode, but none of the %d migrations entered postcopy",
			 h.migrations);
	else
		return NULL;
	return buf;
}

/* The source QEMU has exited; @forced >= 0: we killed it, this is the status it meant. */
static void guest_finished(int forced) __attribute__((noreturn));
static void guest_finished(int forced)
{
	struct qemu *q = h.src;
	char how[64], reason[512];
	int status;

	drain_console(q, true);
	status = reap(q);
	if (forced >= 0)
		status = forced << 8; /* a wait status for exit(forced) */
	if (!h.migrations && !q->console_bytes && status && forced < 0)
		source_failed_to_start(status);
	describe_status(status, how, sizeof(how));
	if (guest_end_error(status, how, reason, sizeof(reason)))
		fail_with(reason);
	fprintf(stderr, "migrate: %d migrations (%s, %d through postcopy)%s\n", h.migrations,
		opt.mode == POSTCOPY ? "postcopy" : "precopy", h.postcopy_migrations,
		guest.skipped ? ", guest called migrate_skip()" : "");
	close_qemu(q);
	h.src = NULL;
	exit_like(status);
}

static void stop_on_signal(void)
{
	int sig = stop_signal;

	fprintf(stderr, "migrate: stopped by signal %d while waiting for %s\n", sig,
		h.waiting_for ? h.waiting_for : "the guest");
	kill_everything();
	exit(128 + sig);
}

/* ---- main loop */

static void maybe_start_migration(void)
{
	if (h.phase != DEST_STARTING && h.phase != DEST_READY)
		return;
	if (!h.dst || !h.dst->ready || !h.src->ready)
		return;
	if (guest.want || (guest.continuous && !guest.end_requested))
		start_migration();
	else if (h.phase == DEST_STARTING)
		enter_phase(DEST_READY, "the guest"); /* the destination is ready: the guest's turn */
}

enum watch { SIGNALS, SRC_QMP, DST_QMP, SPARE_QMP, DST_EXIT, SPARE_EXIT, SRC_CONSOLE, SRC_EXIT };

/* The QEMUs one poll round watches; handling one descriptor may replace them. */
struct watched {
	struct qemu *src, *dst, *spare;
};

/* Handle one ready descriptor; false when it replaced h.src, h.dst or h.spare. */
static bool handle_ready(enum watch w, const struct watched *q)
{
	switch (w) {
	case SIGNALS:
		break;
	case SRC_QMP:
		qmp_read(&q->src->qmp);
		break;
	case DST_QMP:
		qmp_read(&q->dst->qmp);
		break;
	case SPARE_QMP:
		qmp_read(&q->spare->qmp);
		break;
	case DST_EXIT:
		report_dest_death(q->dst);
	case SPARE_EXIT:
		report_dest_death(q->spare);
	case SRC_CONSOLE:
		drain_console(q->src, false);
		break;
	case SRC_EXIT:
		if (h.migrations || q->src->console_bytes)
			report_if_dead(q->dst);
		report_if_dead(q->spare);
		guest_finished(-1);
	}
	return h.src == q->src && h.dst == q->dst && h.spare == q->spare;
}

static void check_deadline(void)
{
	if (h.deadline < 0 || now_ms() < h.deadline)
		return;
	if (in_flight())
		migration_error("migration %d did not complete within %lld s (source status: %s, "
				"destination status: %s)", h.number, opt.step_ms / 1000,
				h.src->mig_status[0] ? h.src->mig_status : "none",
				h.dst && h.dst->mig_status[0] ? h.dst->mig_status : "none");
	migration_error("destination QEMU not ready within %lld s", opt.step_ms / 1000);
}

/* The source said SHUTDOWN long ago and is still there: see SHUTDOWN_GRACE_MS. */
static void check_stuck_shutdown(void)
{
	struct qemu *q = h.src;

	if (!q->shutdown_ms || now_ms() < q->shutdown_ms + SHUTDOWN_GRACE_MS || has_exited(q))
		return;
	fprintf(stderr, "migrate: %s reported SHUTDOWN but had not exited %d ms later "
		"(QEMU 7.2 can hang in monitor_cleanup); killed it, exit status %d from its "
		"SHUTDOWN event\n", q->name, SHUTDOWN_GRACE_MS, q->shutdown_status);
	report_if_dead(h.dst);
	report_if_dead(h.spare);
	kill(q->pid, SIGKILL);
	guest_finished(q->shutdown_status);
}

/* How long poll() may sleep: until the deadline or the stuck-shutdown check. */
static int poll_timeout(void)
{
	int timeout = -1;

	if (h.deadline >= 0)
		timeout = (int)(h.deadline > now_ms() ? h.deadline - now_ms() : 0);
	if (h.src->shutdown_ms) {
		long long left = h.src->shutdown_ms + SHUTDOWN_GRACE_MS - now_ms();
		int t = left > 0 ? (int)left : 0;

		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	return timeout;
}

/* One round: wait for QMP, console, exits or signals; QMP first, exits last. */
static void poll_once(void)
{
	const struct watched q = { .src = h.src, .dst = h.dst, .spare = h.spare };
	struct pollfd fds[8];
	enum watch what[8];
	int nfds = 0, i;

#define WATCH(f, w) (fds[nfds] = (struct pollfd){ .fd = (f), .events = POLLIN }, what[nfds++] = (w))
	WATCH(sig_pipe[0], SIGNALS);
	if (!q.src->qmp.closed)
		WATCH(q.src->qmp.fd, SRC_QMP);
	if (q.dst && !q.dst->qmp.closed)
		WATCH(q.dst->qmp.fd, DST_QMP);
	if (q.spare && !q.spare->qmp.closed)
		WATCH(q.spare->qmp.fd, SPARE_QMP);
	if (q.dst)
		WATCH(q.dst->pidfd, DST_EXIT);
	if (q.spare)
		WATCH(q.spare->pidfd, SPARE_EXIT);
	WATCH(q.src->con_out, SRC_CONSOLE);
	WATCH(q.src->pidfd, SRC_EXIT);
#undef WATCH
	if (poll(fds, nfds, poll_timeout()) < 0 && errno != EINTR)
		migration_error("poll: %s", strerror(errno));
	if (stop_signal)
		stop_on_signal();
	for (i = 0; i < nfds; i++)
		if (fds[i].revents && !handle_ready(what[i], &q))
			break;
	check_stuck_shutdown();
	check_deadline();
	maybe_start_migration();
}

/* ---- setup */

static long env_number(const char *name, long dflt)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return dflt;
	v = strtol(s, &end, 10);
	if (*end || v < 0) {
		fprintf(stderr, "migrate: %s must be a whole number, not '%s'\n", name, s);
		exit(125);
	}
	return v;
}

static void read_environment(void)
{
	const char *mode = getenv("MIGRATION_MODE"), *phase;

	if (!mode || !*mode || !strcmp(mode, "precopy")) {
		opt.mode = PRECOPY;
	} else if (!strcmp(mode, "postcopy")) {
		opt.mode = POSTCOPY;
	} else {
		fprintf(stderr, "migrate: MIGRATION_MODE must be precopy or postcopy, not '%s'\n", mode);
		exit(125);
	}
	opt.step_ms = env_number("MIGRATION_STEP_TIMEOUT", 60) * 1000;
	opt.kill_dest_at = (int)env_number("MIGRATE_KILL_DEST_AT", 0);
	phase = getenv("MIGRATE_KILL_DEST_PHASE");
	if (phase && *phase && strcmp(phase, "active") && strcmp(phase, "postcopy")) {
		fprintf(stderr, "migrate: MIGRATE_KILL_DEST_PHASE must be active or postcopy, not '%s'\n",
			phase);
		exit(125);
	}
	opt.kill_in_postcopy = phase && !strcmp(phase, "postcopy");
	opt.verbose = env_number("MIGRATE_VERBOSE", 0) > 0;
}

/*
 * Our QEMU command line: the caller's, with MIGRATION=<mode> first on the guest's command
 * line (it tells lib/migrate.c a host answers), QMP on fd 3, and two slots for -incoming.
 */
static void build_command_line(int argc, char **argv)
{
	static char append_value[8192];
	const char *mode = opt.mode == POSTCOPY ? "postcopy" : "precopy";
	bool have_append = false;
	int i, n = 0;

	opt.argv = calloc(argc + 8, sizeof(char *));
	if (!opt.argv)
		die_setup("calloc");
	for (i = 0; i < argc; i++) {
		opt.argv[n++] = argv[i];
		if (!strcmp(argv[i], "-append") && i + 1 < argc && !have_append) {
			snprintf(append_value, sizeof(append_value), "MIGRATION=%s %s", mode, argv[++i]);
			opt.argv[n++] = append_value;
			have_append = true;
		}
	}
	if (!have_append) {
		snprintf(append_value, sizeof(append_value), "MIGRATION=%s", mode);
		opt.argv[n++] = "-append";
		opt.argv[n++] = append_value;
	}
	opt.argv[n++] = "-chardev";
	opt.argv[n++] = "socket,id=migrate-qmp,fd=3";
	opt.argv[n++] = "-mon";
	opt.argv[n++] = "chardev=migrate-qmp,mode=control";
	opt.argc = n; /* spawn_qemu fills opt.argv[n], opt.argv[n + 1] */
}

int main(int argc, char **argv)
{
	int first = 1;

	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (first >= argc || argv[first][0] == '-') {
		fprintf(stderr, "usage: migrate -- QEMU [ARGS...]  (see scripts/host/migrate.c)\n");
		return 125;
	}
	read_environment();
	build_command_line(argc - first, argv + first);
	if (install_signal_pipe(0))
		die_setup("pipe");
	h.t0_ms = now_ms();
	h.src = spawn_qemu(0);
	h.dst = spawn_qemu(1);
	enter_phase(DEST_STARTING, "the first destination QEMU to be ready");
	for (;;)
		poll_once();
}
