/*
 * migrate: run one test image across the live migrations its guest asks for.
 *
 *   migrate -- QEMU [ARGS...]
 *
 * The protocol with the guest (lib/migrate.c) is in docs/HACKING.md, "Migration".  In short:
 * the guest prints "MIGRATE: request N" (or begin N / end N / skip) at the start of a line on
 * its console; we migrate the VM to a fresh QEMU started with the same command line and, once
 * the destination runs, write "A<N>,<count>\n" to the destination's console input.
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
 *
 * Output: the guest's console on stdout; QEMU's stderr on stderr; on an error one line
 * "MIGRATION-ERROR: <reason>" on stderr and exit status 86.  Otherwise the exit status of
 * the QEMU the guest finished on (128+signal if it was killed).  Signals: SIGTERM, SIGINT
 * and SIGHUP kill every QEMU, then we exit 128+signal.
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

#define UNUSED __attribute__((unused))
#define EXIT_MIGRATION_ERROR 86
#define FD_QMP 3
#define FD_MIG_IN 4
#define MAX_PENDING 16
#define QMP_BUF 262144
#define MAX_BANDWIDTH 10000000000LL /* bytes/s: never the bottleneck */
/*
 * QEMU 7.2 can hang for good in its exit path (main thread in monitor_cleanup's aio_poll,
 * waiting for the QMP dispatcher while the vCPU threads wait for the BQL) when QMP commands
 * race a guest shutdown (known deviation qemu-qmp-shutdown-hang): s390x guests can finish
 * within a few ms, while we are still setting the source up. Its SHUTDOWN event has already
 * told the outcome, so after this long we kill it and take the exit status from that event.
 */
#define SHUTDOWN_GRACE_MS 3000

struct qemu;
typedef void reply_fn(struct qemu *q, json_t *ret);

struct pending {
	const char *cmd;
	reply_fn *on_return;
};

struct qemu {
	int index; /* 0: the first source; n: the n-th destination */
	pid_t pid;
	int pidfd, qmp, con_in, con_out;
	int mig_peer;        /* destinations: the stream's end for the source, until sent */
	char buf[QMP_BUF];
	size_t len;
	struct pending pending[MAX_PENDING];
	int npending;
	bool ready;          /* every setup command answered */
	bool qmp_closed;     /* QEMU closed QMP: it is exiting, its pidfd will tell */
	bool mig_completed;  /* its MIGRATION event said completed */
	char mig_status[32]; /* last MIGRATION status it reported */
	long long shutdown_ms; /* when its SHUTDOWN event came, 0: none */
	int shutdown_status;   /* the exit status that SHUTDOWN event implies */
};

enum mode { PRECOPY, POSTCOPY };

static struct {
	enum mode mode;
	char **argv; /* QEMU command line with our additions, NULL-terminated */
	int argc;
	struct qemu *src, *dst;
	int migrations, postcopy_migrations;
	int in_flight;   /* number of the migration under way, 0 when none */
	bool postcopy_started, went_postcopy, checking_dest, dest_killed_by_hook;
	bool want;       /* a "request" waits for a migration */
	int request_seq;
	bool continuous, end_requested, skipped;
	int end_seq, continuous_count;
	int kill_dest_at;
	bool verbose;
	long long started_ms;
	long long step_ms, deadline;
	const char *waiting_for;
	char line[4096];
	size_t line_len;
	bool line_too_long;
} h = { .deadline = -1 };

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

static void close_qemu(struct qemu *q)
{
	close(q->pidfd);
	close(q->qmp);
	close(q->con_in);
	close(q->con_out);
	if (q->mig_peer >= 0)
		close(q->mig_peer);
	free(q);
}

/* SIGKILL and reap; returns the wait status. */
static int kill_qemu(struct qemu *q)
{
	kill(q->pid, SIGKILL);
	return reap(q);
}

static void relay_console(const char *buf, size_t n);

#define DRAIN_EOF_MS 2000

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
			relay_console(buf, n);
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN) || !to_eof)
			break;
		if (errno == EAGAIN) {
			struct pollfd p = { .fd = q->con_out, .events = POLLIN };
			long long left = give_up - now_ms();

			if (left <= 0 || !poll(&p, 1, (int)left)) {
				fprintf(stderr, "migrate: QEMU %d's console did not reach EOF within %d ms\n",
					q->index, DRAIN_EOF_MS);
				break;
			}
		}
	}
}

static void kill_everything(void)
{
	if (h.dst) {
		kill_qemu(h.dst);
		close_qemu(h.dst);
		h.dst = NULL;
	}
	if (h.src) {
		kill(h.src->pid, SIGKILL);
		drain_console(h.src, true);
		reap(h.src);
		close_qemu(h.src);
		h.src = NULL;
	}
}

static void migration_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void migration_error(const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	kill_everything(); /* no QEMU may write into our line */
	fflush(stdout);
	/* a dying QEMU may have left half a line on the stderr we share */
	fprintf(stderr, "\nMIGRATION-ERROR: %s\n", reason);
	exit(EXIT_MIGRATION_ERROR);
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
	execvp(h.argv[0], h.argv);
	fprintf(stderr, "migrate: cannot run %s: %s\n", h.argv[0], strerror(errno));
	_exit(127);
}

static void qmp_send(struct qemu *q, const char *cmd, json_t *args, reply_fn *on_return);
static void mark_ready(struct qemu *q, json_t *ret);

/* Start QEMU number @index; a destination (index > 0) waits for the migration stream. */
static struct qemu *spawn_qemu(int index)
{
	int qmp[2], in[2], out[2], mig[2] = { -1, -1 };
	struct qemu *q = calloc(1, sizeof(*q));
	pid_t parent = getpid();
	bool incoming = index > 0;
	int i = h.argc;

	if (!q || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) ||
	    (incoming && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mig)) ||
	    pipe2(in, O_CLOEXEC) ||
	    pipe2(out, O_CLOEXEC))
		migration_error("cannot create the pipes for QEMU %d: %s", index, strerror(errno));
	/* the command line's tail: "-incoming defer" only for destinations */
	h.argv[i] = incoming ? "-incoming" : NULL;
	h.argv[i + 1] = incoming ? "defer" : NULL;
	q->index = index;
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
	q->qmp = qmp[0];
	set_nonblock(q->con_in);
	set_nonblock(q->con_out);
	set_nonblock(q->qmp);
	q->pidfd = (int)syscall(SYS_pidfd_open, q->pid, 0);
	if (q->pidfd < 0)
		migration_error("pidfd_open: %s", strerror(errno));
	return q;
}

/* ---- QMP */

static void stop_on_signal(void) __attribute__((noreturn));

/* Write @len bytes of @text to @q's QMP socket, with descriptor @fd attached unless -1. */
static void qmp_write(struct qemu *q, const char *text, size_t len, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	long long give_up = now_ms() + h.step_ms;
	size_t off = 0;

	while (off < len) {
		struct iovec iov = { .iov_base = (char *)text + off, .iov_len = len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct pollfd p = { .fd = q->qmp, .events = POLLOUT };
		ssize_t n;

		if (fd >= 0 && off == 0) {
			struct cmsghdr *c;

			msg.msg_control = control;
			msg.msg_controllen = sizeof(control);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		n = sendmsg(q->qmp, &msg, MSG_NOSIGNAL);
		if (n > 0) {
			off += n;
			give_up = now_ms() + h.step_ms;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (now_ms() >= give_up)
				migration_error("QEMU %d read no QMP input for %lld s", q->index,
						h.step_ms / 1000);
			if (stop_signal)
				stop_on_signal();
			poll(&p, 1, 100);
		} else {
			break; /* QEMU went away: its pidfd tells */
		}
	}
}

static void qmp_send_fd(struct qemu *q, const char *cmd, json_t *args, int fd, reply_fn *on_return)
{
	json_t *msg = json_pack("{s:s}", "execute", cmd);
	char *text;
	size_t len;

	if (args)
		json_object_set_new(msg, "arguments", args);
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text || q->npending == MAX_PENDING)
		migration_error("internal: cannot queue QMP command %s", cmd);
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: the NUL */
	qmp_write(q, text, len, fd);
	free(text);
	q->pending[q->npending++] = (struct pending){ cmd, on_return };
}

static void qmp_send(struct qemu *q, const char *cmd, json_t *args, reply_fn *on_return)
{
	qmp_send_fd(q, cmd, args, -1, on_return);
}

static json_t *caps_list(void)
{
	json_t *caps = json_pack("[{s:s, s:b}]", "capability", "events", "state", 1);

	if (h.mode == POSTCOPY)
		json_array_append_new(caps, json_pack("{s:s, s:b}", "capability", "postcopy-ram",
						      "state", 1));
	return caps;
}

/* Every QEMU, source or destination, gets the same migration settings. */
static void on_greeting(struct qemu *q)
{
	qmp_send(q, "qmp_capabilities", NULL, NULL);
	qmp_send(q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps_list()),
		 NULL);
	/*
	 * Postcopy: a zero downtime limit makes QEMU's completion threshold zero, so a pass
	 * that leaves anything dirty never ends the migration in precopy, and
	 * migrate-start-postcopy (sent as soon as "migrate" is accepted) switches it at the
	 * next iteration, before a small or idle guest's first pass could complete it.
	 */
	qmp_send(q, "migrate-set-parameters",
		 h.mode == POSTCOPY ? json_pack("{s:I, s:I}", "max-bandwidth", MAX_BANDWIDTH,
						"downtime-limit", 0)
				    : json_pack("{s:I}", "max-bandwidth", MAX_BANDWIDTH),
		 q->index ? NULL : mark_ready);
	if (q->index)
		qmp_send(q, "migrate-incoming", json_pack("{s:s}", "uri", "fd:4"),
			 mark_ready);
}

/* The last setup command answered: migrations may use this QEMU. */
static void mark_ready(struct qemu *q, json_t *ret UNUSED)
{
	q->ready = true;
}

static void handle_event(struct qemu *q, const char *name, json_t *data);

static void handle_reply(struct qemu *q, json_t *msg)
{
	json_t *err = json_object_get(msg, "error");
	struct pending p;

	if (!q->npending)
		migration_error("QEMU %d sent a QMP reply nobody asked for", q->index);
	p = q->pending[0];
	memmove(q->pending, q->pending + 1, --q->npending * sizeof(p));
	if (err)
		migration_error("QEMU %d refused %s: %s", q->index, p.cmd,
				json_string_value(json_object_get(err, "desc")));
	if (p.on_return)
		p.on_return(q, json_object_get(msg, "return"));
}

static void handle_qmp_message(struct qemu *q, const char *text)
{
	json_error_t jerr;
	json_t *msg = json_loads(text, 0, &jerr);
	json_t *event;

	if (!msg)
		migration_error("QEMU %d: bad QMP message (%s): %.200s", q->index, jerr.text, text);
	event = json_object_get(msg, "event");
	if (json_object_get(msg, "QMP"))
		on_greeting(q);
	else if (event)
		handle_event(q, json_string_value(event), json_object_get(msg, "data"));
	else
		handle_reply(q, msg);
	json_decref(msg);
}

/* Read what QMP has for us; false when the socket closed. */
static bool read_qmp(struct qemu *q)
{
	char *nl;
	ssize_t n;

	n = read(q->qmp, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return false;
	if (n < 0)
		return true;
	q->len += n;
	q->buf[q->len] = 0;
	while ((nl = memchr(q->buf, '\n', q->len))) {
		size_t used = nl - q->buf + 1;

		*nl = 0;
		if (nl > q->buf)
			handle_qmp_message(q, q->buf);
		memmove(q->buf, q->buf + used, q->len - used);
		q->len -= used;
		q->buf[q->len] = 0;
	}
	if (q->len == sizeof(q->buf) - 1)
		migration_error("QEMU %d: QMP message longer than %zu bytes", q->index, q->len);
	return true;
}

/* ---- migrations */

static void set_deadline(const char *what)
{
	h.waiting_for = what;
	h.deadline = now_ms() + h.step_ms;
}

/* The source accepted "migrate": in postcopy mode, ask for the switch right away. */
static void on_migrate_accepted(struct qemu *q, json_t *ret UNUSED)
{
	if (h.mode == POSTCOPY && !h.postcopy_started && h.in_flight && q == h.src) {
		h.postcopy_started = true;
		qmp_send(h.src, "migrate-start-postcopy", NULL, NULL);
	}
}

static void start_migration(void)
{
	h.in_flight = h.migrations + 1;
	h.started_ms = now_ms();
	h.postcopy_started = h.went_postcopy = h.checking_dest = false;
	h.src->mig_completed = h.dst->mig_completed = false;
	h.want = false;
	set_deadline("a migration to complete");
	qmp_send_fd(h.src, "getfd", json_pack("{s:s}", "fdname", "migrate-out"), h.dst->mig_peer,
		    NULL);
	close(h.dst->mig_peer); /* the source holds it now: the stream dies with either side */
	h.dst->mig_peer = -1;
	qmp_send(h.src, "migrate", json_pack("{s:s}", "uri", "fd:migrate-out"), on_migrate_accepted);
}

static void write_console_input(struct qemu *q, const char *text)
{
	size_t len = strlen(text);

	/* a few bytes into an empty pipe: never short */
	if (write(q->con_in, text, len) != (ssize_t)len)
		migration_error("cannot write to QEMU %d's console input: %s", q->index,
				strerror(errno));
}

static void acknowledge(int seq, int count)
{
	char ack[48];

	snprintf(ack, sizeof(ack), "A%d,%d\n", seq, count);
	write_console_input(h.src, ack);
}

static void answer_end_of_continuous(void)
{
	acknowledge(h.end_seq, h.continuous_count);
	h.continuous = h.end_requested = false;
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
	h.in_flight = 0;
	h.deadline = -1;
	if (h.continuous) {
		h.continuous_count++;
		if (h.end_requested)
			answer_end_of_continuous();
		else
			write_console_input(h.src, "+");
	} else {
		acknowledge(h.request_seq, 1);
	}
	h.dst = spawn_qemu(h.migrations + 1);
	set_deadline("the next destination QEMU to be ready");
}

static void on_dest_status(struct qemu *q UNUSED, json_t *ret)
{
	const char *status = json_string_value(json_object_get(ret, "status"));

	if (!status || strcmp(status, "running"))
		migration_error("after migration %d the destination is not running (status %s)",
				h.in_flight, status ? status : "unknown");
	finish_migration();
}

static void check_migration_done(void)
{
	if (!h.in_flight || h.checking_dest || !h.src->mig_completed || !h.dst->mig_completed)
		return;
	h.checking_dest = true;
	qmp_send(h.dst, "query-status", NULL, on_dest_status);
}

static void report_dest_death(void) __attribute__((noreturn));
static void report_dest_death(void)
{
	char how[64];

	describe_status(reap(h.dst), how, sizeof(how));
	close_qemu(h.dst);
	h.dst = NULL;
	if (h.in_flight)
		migration_error("destination QEMU died (%s) during migration %d%s", how, h.in_flight,
				h.dest_killed_by_hook ? ", killed by the MIGRATE_KILL_DEST_AT test hook"
						      : "");
	migration_error("destination QEMU %d died (%s) before migration %d started", h.migrations + 1,
			how, h.migrations + 1);
}

/* The destination has exited, or does within 200 ms. */
static bool dest_exits_soon(void)
{
	struct pollfd p = { .fd = h.dst->pidfd, .events = POLLIN };

	return poll(&p, 1, 200) > 0;
}

static void on_source_failure_details(struct qemu *q UNUSED, json_t *ret)
{
	const char *desc = json_string_value(json_object_get(ret, "error-desc"));

	if (h.dst && dest_exits_soon())
		report_dest_death(); /* the cause, where the source only saw a broken stream */
	migration_error("migration %d failed: %s", h.in_flight, desc ? desc : "no error description");
}

static void source_migration_event(const char *status)
{
	if (!strcmp(status, "active")) {
		if (h.kill_dest_at == h.in_flight && h.dst) {
			h.dest_killed_by_hook = true;
			kill(h.dst->pid, SIGKILL);
		}
	} else if (!strcmp(status, "postcopy-active")) {
		h.went_postcopy = true;
	} else if (!strcmp(status, "completed")) {
		h.src->mig_completed = true;
	} else if (!strcmp(status, "failed") || !strcmp(status, "cancelled")) {
		qmp_send(h.src, "query-migrate", NULL, on_source_failure_details);
	}
}

static void handle_event(struct qemu *q, const char *name, json_t *data)
{
	const char *status = json_string_value(json_object_get(data, "status"));

	if (name && !strcmp(name, "SHUTDOWN") && !q->shutdown_ms) {
		const char *reason = json_string_value(json_object_get(data, "reason"));

		/* QEMU's main loop exits with 1 for a guest panic under -action
		 * panic=exit-failure, else with 0 */
		q->shutdown_status = reason && !strcmp(reason, "guest-panic") ? 1 : 0;
		q->shutdown_ms = now_ms();
		if (h.verbose)
			fprintf(stderr, "migrate: QEMU %d: SHUTDOWN (%s)\n", q->index,
				reason ? reason : "no reason");
		return;
	}
	if (!name || strcmp(name, "MIGRATION") || !status)
		return; /* STOP, RESUME and the rest: the MIGRATION states say enough */
	snprintf(q->mig_status, sizeof(q->mig_status), "%s", status);
	if (h.verbose)
		fprintf(stderr, "migrate: %lld ms: QEMU %d: %s\n", now_ms() - h.started_ms, q->index,
			status);
	if (!h.in_flight)
		return;
	if (q == h.src) {
		source_migration_event(status);
	} else if (q == h.dst) {
		if (!strcmp(status, "completed"))
			q->mig_completed = true;
		else if (!strcmp(status, "failed"))
			migration_error("migration %d failed on the destination (its error is above)",
					h.in_flight);
	}
	check_migration_done();
}

/* ---- the guest's console */

static bool parse_marker(const char *line, const char *word, int *seq)
{
	size_t n = strlen(word);
	char *end;
	long v;

	if (strncmp(line, word, n) || line[n] != ' ')
		return false;
	v = strtol(line + n + 1, &end, 10);
	if (end == line + n + 1 || *end || v < 0 || v > 1000000000)
		return false;
	*seq = (int)v;
	return true;
}

static void handle_marker(const char *m)
{
	int seq;

	if (!strcmp(m, "skip")) {
		h.skipped = true;
	} else if (parse_marker(m, "request", &seq)) {
		if (h.continuous)
			migration_error("the guest asked for one migration in continuous mode");
		h.want = true;
		h.request_seq = seq;
	} else if (parse_marker(m, "begin", &seq)) {
		h.continuous = true;
		h.end_requested = false;
		h.continuous_count = 0;
	} else if (parse_marker(m, "end", &seq)) {
		if (!h.continuous)
			migration_error("the guest ended continuous migration it never began");
		h.end_requested = true;
		h.end_seq = seq;
		if (!h.in_flight)
			answer_end_of_continuous();
	}
}

static void handle_line(char *line)
{
	static const char tag[] = "MIGRATE: ";
	size_t n = strlen(line);

	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	if (!strncmp(line, tag, sizeof(tag) - 1))
		handle_marker(line + sizeof(tag) - 1);
}

/* Relay the console to stdout and feed its lines, which may span several QEMUs. */
static void relay_console(const char *buf, size_t n)
{
	size_t i, off = 0;

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
			h.line[h.line_len] = 0;
			if (!h.line_too_long)
				handle_line(h.line);
			h.line_len = 0;
			h.line_too_long = false;
		} else if (h.line_len < sizeof(h.line) - 1) {
			h.line[h.line_len++] = buf[i];
		} else {
			h.line_too_long = true;
		}
	}
}

/* ---- main loop */

/* The source QEMU has exited; @forced >= 0: we killed it, this is the status it meant. */
static void guest_finished(int forced) __attribute__((noreturn));
static void guest_finished(int forced)
{
	struct qemu *q = h.src;
	char how[64];
	int status;

	drain_console(q, true);
	status = reap(q);
	if (forced >= 0)
		status = forced << 8; /* a wait status for exit(forced) */
	describe_status(status, how, sizeof(how));
	if (h.in_flight && (WIFSIGNALED(status) || h.went_postcopy))
		migration_error("source QEMU died (%s) during migration %d", how, h.in_flight);
	if (!h.migrations && !h.skipped)
		migration_error("the guest exited (QEMU %s) before its migration point: no migration "
				"and no migrate_skip()", how);
	if (h.continuous)
		migration_error("the guest exited (QEMU %s) during continuous migration, after %d "
				"migrations, without migrate_end_continuous()", how, h.migrations);
	if (h.want)
		migration_error("the guest exited (QEMU %s) while waiting for migration %d", how,
				h.migrations + 1);
	if (h.mode == POSTCOPY && h.migrations && !h.postcopy_migrations)
		migration_error("postcopy mode, but none of the %d migrations entered postcopy",
				h.migrations);
	fprintf(stderr, "migrate: %d migrations (%s, %d through postcopy)%s\n", h.migrations,
		h.mode == POSTCOPY ? "postcopy" : "precopy", h.postcopy_migrations,
		h.skipped ? ", guest called migrate_skip()" : "");
	close_qemu(q);
	h.src = NULL;
	kill_everything();
	if (WIFSIGNALED(status))
		exit(128 + WTERMSIG(status));
	exit(WEXITSTATUS(status));
}

static void stop_on_signal(void) __attribute__((noreturn));
static void stop_on_signal(void)
{
	int sig = stop_signal;

	fprintf(stderr, "migrate: stopped by signal %d while waiting for %s\n", sig,
		h.waiting_for ? h.waiting_for : "the guest");
	kill_everything();
	exit(128 + sig);
}

static void maybe_start_migration(void)
{
	if (h.in_flight || !h.dst || !h.dst->ready || !h.src->ready)
		return;
	if (h.want || (h.continuous && !h.end_requested))
		start_migration();
	else if (h.waiting_for && h.deadline >= 0 && !h.in_flight)
		h.deadline = -1; /* the destination is ready: now it is the guest's turn */
}

enum watch { SIGNALS, SRC_QMP, DST_QMP, DST_EXIT, SRC_CONSOLE, SRC_EXIT };

/* Handle one ready descriptor; false when it replaced h.src or h.dst. */
static bool handle_ready(enum watch w, struct qemu *src, struct qemu *dst)
{
	switch (w) {
	case SIGNALS:
		break;
	case SRC_QMP:
		src->qmp_closed = !read_qmp(src);
		break;
	case DST_QMP:
		dst->qmp_closed = !read_qmp(dst);
		break;
	case DST_EXIT:
		report_dest_death();
	case SRC_CONSOLE:
		drain_console(src, false);
		break;
	case SRC_EXIT:
		if (dst && has_exited(dst))
			report_dest_death();
		guest_finished(-1);
	}
	return h.src == src && h.dst == dst;
}

static void check_deadline(void)
{
	if (h.deadline < 0 || now_ms() < h.deadline)
		return;
	if (h.in_flight)
		migration_error("migration %d did not complete within %lld s (source status: %s, "
				"destination status: %s)", h.in_flight, h.step_ms / 1000,
				h.src->mig_status[0] ? h.src->mig_status : "none",
				h.dst && h.dst->mig_status[0] ? h.dst->mig_status : "none");
	migration_error("destination QEMU not ready within %lld s", h.step_ms / 1000);
}

/* The source said SHUTDOWN long ago and is still there: see SHUTDOWN_GRACE_MS. */
static void check_stuck_shutdown(void)
{
	struct qemu *q = h.src;

	if (!q->shutdown_ms || now_ms() < q->shutdown_ms + SHUTDOWN_GRACE_MS || has_exited(q))
		return;
	fprintf(stderr, "migrate: QEMU %d reported SHUTDOWN but had not exited %d ms later "
		"(QEMU 7.2 can hang in monitor_cleanup); killed it, exit status %d from its "
		"SHUTDOWN event\n", q->index, SHUTDOWN_GRACE_MS, q->shutdown_status);
	if (h.dst && has_exited(h.dst))
		report_dest_death();
	kill(q->pid, SIGKILL);
	guest_finished(q->shutdown_status);
}

/* One round: wait for QMP, console, exits or signals; QMP first, exits last. */
static void poll_once(void)
{
	struct qemu *src = h.src, *dst = h.dst;
	struct pollfd fds[6];
	enum watch what[6];
	int nfds = 0, timeout = -1, i;

#define WATCH(f, w) (fds[nfds] = (struct pollfd){ .fd = (f), .events = POLLIN }, what[nfds++] = (w))
	WATCH(sig_pipe[0], SIGNALS);
	if (!src->qmp_closed)
		WATCH(src->qmp, SRC_QMP);
	if (dst) {
		if (!dst->qmp_closed)
			WATCH(dst->qmp, DST_QMP);
		WATCH(dst->pidfd, DST_EXIT);
	}
	WATCH(src->con_out, SRC_CONSOLE);
	WATCH(src->pidfd, SRC_EXIT);
#undef WATCH
	if (h.deadline >= 0)
		timeout = (int)(h.deadline > now_ms() ? h.deadline - now_ms() : 0);
	if (src->shutdown_ms) {
		long long left = src->shutdown_ms + SHUTDOWN_GRACE_MS - now_ms();
		int t = left > 0 ? (int)left : 0;

		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	if (poll(fds, nfds, timeout) < 0 && errno != EINTR)
		migration_error("poll: %s", strerror(errno));
	if (stop_signal)
		stop_on_signal();
	for (i = 0; i < nfds; i++)
		if (fds[i].revents && !handle_ready(what[i], src, dst))
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
	const char *mode = getenv("MIGRATION_MODE");

	if (!mode || !*mode || !strcmp(mode, "precopy")) {
		h.mode = PRECOPY;
	} else if (!strcmp(mode, "postcopy")) {
		h.mode = POSTCOPY;
	} else {
		fprintf(stderr, "migrate: MIGRATION_MODE must be precopy or postcopy, not '%s'\n", mode);
		exit(125);
	}
	h.step_ms = env_number("MIGRATION_STEP_TIMEOUT", 60) * 1000;
	h.kill_dest_at = (int)env_number("MIGRATE_KILL_DEST_AT", 0);
	h.verbose = env_number("MIGRATE_VERBOSE", 0) > 0;
}

/*
 * Our QEMU command line: the caller's, with MIGRATION=<mode> first on the guest's command
 * line (it tells lib/migrate.c a host answers), QMP on fd 3, and two slots for -incoming.
 */
static void build_command_line(int argc, char **argv)
{
	static char append_value[8192];
	const char *mode = h.mode == POSTCOPY ? "postcopy" : "precopy";
	bool have_append = false;
	int i, n = 0;

	h.argv = calloc(argc + 8, sizeof(char *));
	if (!h.argv)
		die_setup("calloc");
	for (i = 0; i < argc; i++) {
		h.argv[n++] = argv[i];
		if (!strcmp(argv[i], "-append") && i + 1 < argc && !have_append) {
			snprintf(append_value, sizeof(append_value), "MIGRATION=%s %s", mode, argv[++i]);
			h.argv[n++] = append_value;
			have_append = true;
		}
	}
	if (!have_append) {
		snprintf(append_value, sizeof(append_value), "MIGRATION=%s", mode);
		h.argv[n++] = "-append";
		h.argv[n++] = append_value;
	}
	h.argv[n++] = "-chardev";
	h.argv[n++] = "socket,id=migrate-qmp,fd=3";
	h.argv[n++] = "-mon";
	h.argv[n++] = "chardev=migrate-qmp,mode=control";
	h.argc = n; /* spawn_qemu fills h.argv[n], h.argv[n + 1] */
}

static void install_signals(void)
{
	if (install_signal_pipe(0))
		die_setup("pipe");
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
	install_signals();
	h.src = spawn_qemu(0);
	h.dst = spawn_qemu(1);
	set_deadline("the first destination QEMU to be ready");
	for (;;)
		poll_once();
}
