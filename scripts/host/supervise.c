/*
 * supervise: run one QEMU (or any command) for the test runner and make sure it dies.
 *
 *   supervise [-t SECONDS] [-f SECONDS] [-i IMAGE] [-k SECONDS] [-w PID] [-s STATUSFILE] [-S]
 *             [-p PIDFILE] -- CMD [ARGS...]
 *
 * The command runs in its own process group, with PR_SET_PDEATHSIG(SIGKILL) so it dies
 * with us.  Its stdout and stderr are relayed through pipes to our stdout and stderr, so
 * that we can tell whether it printed anything on stdout (the guest's serial console).
 *
 *   -t SECONDS  time limit (fractions allowed); on expiry SIGTERM the group, then SIGKILL
 *   -f SECONDS  the same for the first byte on stdout (the guest's first word); "silent=1"
 *   -i IMAGE    check the test image first (scripts/host/image.c); a bad one is not run:
 *               "supervise: bad image IMAGE: reason" on stderr, exit status 125
 *   -k SECONDS  grace between SIGTERM and SIGKILL (default 3)
 *   -w PID      watch this process too (the runner): when it goes away, SIGKILL the group
 *   -s FILE     write the outcome as one line of KEY=VALUE words (see below)
 *   -S          write it to stderr too, as the last line: "supervise: status KEY=VALUE..."
 *   -p FILE     write our pid (written before the command starts)
 *
 * SIGTERM, SIGINT and SIGHUP to us: terminate the group (SIGTERM, grace, SIGKILL), then
 * exit 128+signal.  Every SIGTERM to the group comes with a SIGCONT: a stopped process
 * would not act on it before the SIGKILL.
 *
 * Terminal: when our stdin is a terminal and our process group is its foreground group
 * (a run script typed at a shell), the command's group becomes the foreground group (so
 * QEMU's -serial stdio can set the terminal up and gets Ctrl-C and the hangup), and we
 * take it back afterwards.  When stdin is a terminal we are in the background of (e.g.
 * under timeout(1)), the command's stdin is /dev/null: in a background group of its own
 * QEMU would be stopped by SIGTTOU/SIGTTIN and hang until killed.
 *
 * Status line (after a newline of its own when the output did not end with one):
 * "exit=N signal=N timeout=0|1 silent=0|1 stopped=0|SIG out_bytes=N err_bytes=N ms=N"
 * (exit=-1 when killed by a signal).  Our own exit status: the command's exit status,
 * 128+signal if it was killed, 124 on timeout (either), 125 when we could not run it at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host-common.h"
#include "image.h"

/* SIGTERM the group, and SIGCONT it so that a stopped member acts on that at once. */
static void terminate_group(pid_t pgid)
{
	kill(-pgid, SIGTERM);
	kill(-pgid, SIGCONT);
}

static void usage(void)
{
	fprintf(stderr, "usage: supervise [-t SECONDS] [-f SECONDS] [-i IMAGE] [-k SECONDS] [-w PID] "
			"[-s STATUSFILE] [-S] [-p PIDFILE] -- COMMAND [ARGS...]\n");
	exit(125);
}

static long long parse_seconds_ms(const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end || d < 0)
		usage();
	return (long long)(d * 1000.0);
}

static char last_byte = '\n'; /* of everything relayed, either stream */

/* Copy what is available on fd to out; return bytes copied, 0 on EOF, -1 on error. */
static ssize_t relay(int fd, int out)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t off = 0;

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? -2 : n;
	last_byte = buf[n - 1];
	while (off < n) {
		ssize_t w = write(out, buf + off, n - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break; /* our output is gone: keep draining the child anyway */
		}
		off += w;
	}
	return n;
}

/* The outcome line, to @file and/or (after a newline of its own) to stderr. */
static void write_status(const char *line, const char *file, int to_stderr)
{
	if (file) {
		FILE *f = fopen(file, "w");

		if (f) {
			fputs(line, f);
			fclose(f);
		}
	}
	if (to_stderr)
		fprintf(stderr, "%ssupervise: status %s", last_byte == '\n' ? "" : "\n", line);
}

/* A test image QEMU cannot load would boot to silence: say why instead, run nothing. */
static int refuse_bad_image(const char *image, const char *status_file, int status_line)
{
	char why[512];
	const char *problem = image_problem(image, why, sizeof(why));

	if (!problem)
		return 0;
	fprintf(stderr, "supervise: bad image %s: %s\n", image, problem);
	write_status("exit=125 signal=0 timeout=0 silent=0 stopped=0 out_bytes=0 err_bytes=0 ms=0\n",
		     status_file, status_line);
	return 1;
}

int main(int argc, char **argv)
{
	long long timeout_ms = -1, grace_ms = 3000, start, deadline = -1, kill_at = -1;
	long long first_ms = -1, first_deadline = -1;
	const char *status_file = NULL, *pid_file = NULL, *image = NULL;
	int status_line = 0;
	pid_t watch = 0, child;
	int out_pipe[2], err_pipe[2], watch_fd = -1, opt, status = 0, timed_out = 0;
	int out_open = 1, err_open = 1, child_done = 0, stopped = 0, ret, silent = 0;
	int tty_mode = 0; /* 1: the command gets the terminal's foreground, 2: stdin /dev/null */
	long long out_bytes = 0, err_bytes = 0;
	sigset_t block, orig;

	while ((opt = getopt(argc, argv, "+t:f:i:k:w:s:Sp:")) != -1) {
		switch (opt) {
		case 't': timeout_ms = parse_seconds_ms(optarg); break;
		case 'f': first_ms = parse_seconds_ms(optarg); break;
		case 'i': image = optarg; break;
		case 'k': grace_ms = parse_seconds_ms(optarg); break;
		case 'w': watch = (pid_t)atoi(optarg); break;
		case 's': status_file = optarg; break;
		case 'S': status_line = 1; break;
		case 'p': pid_file = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();

	if (pid_file) {
		FILE *f = fopen(pid_file, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			perror(pid_file);
			return 125;
		}
	}

	if (image && refuse_bad_image(image, status_file, status_line))
		return 125;

	if (install_signal_pipe(1) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) {
		perror("supervise: pipe");
		return 125;
	}

	/* The watched process may already be gone (pidfd_open then fails with ESRCH). */
	if (watch > 0) {
		watch_fd = (int)syscall(SYS_pidfd_open, watch, 0);
		if (watch_fd < 0 && errno == ESRCH)
			return 125;
	}

	/* A signal between fork and the child's own setup must not be lost or misrouted. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);

	if (isatty(0)) {
		pid_t fg = tcgetpgrp(0);

		tty_mode = fg >= 0 && fg == getpgrp() ? 1 : 2;
		/* we relay output to and take back a terminal we are in the background of */
		if (tty_mode == 1)
			signal(SIGTTOU, SIG_IGN);
	}

	start = now_ms();
	child = fork();
	if (child < 0) {
		perror("supervise: fork");
		return 125;
	}
	if (child == 0) {
		pid_t parent = getppid();

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(125); /* we were orphaned before the death signal was armed */
		if (tty_mode == 1) {
			/* SIGTTOU is ignored: from a background group, tcsetpgrp raises it */
			if (tcsetpgrp(0, getpid()))
				tty_mode = 2;
		}
		if (tty_mode == 2) {
			int null = open("/dev/null", O_RDONLY);

			if (null < 0 || dup2(null, 0) < 0)
				_exit(125);
			close(null);
		}
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTTOU, SIG_DFL);
		sigprocmask(SIG_SETMASK, &orig, NULL);
		if (dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
			_exit(125);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "supervise: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	close(out_pipe[1]);
	close(err_pipe[1]);
	sigprocmask(SIG_SETMASK, &orig, NULL);

	if (timeout_ms >= 0)
		deadline = start + timeout_ms;
	if (first_ms >= 0)
		first_deadline = start + first_ms;

	while (!child_done || out_open || err_open) {
		struct pollfd fds[4];
		int nfds = 0, wait_ms = -1, i;
		long long t = now_ms();

		if (!child_done) {
			siginfo_t si;

			si.si_pid = 0;
			if (!waitid(P_PID, child, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid) {
				/* Before reaping (the group id stays ours): grandchildren may
				 * still hold the pipes, stop waiting for them. */
				kill(-child, SIGKILL);
				waitpid(child, &status, 0);
				child_done = 1;
			}
		}
		if (!child_done && stop_signal && !stopped) {
			stopped = stop_signal;
			terminate_group(child);
			kill_at = t + grace_ms;
		}
		if (!child_done && deadline >= 0 && t >= deadline && !timed_out) {
			timed_out = 1;
			fprintf(stderr, "%ssupervise: timeout after %lld.%03lld s, terminating %s\n",
				last_byte == '\n' ? "" : "\n",
				timeout_ms / 1000, timeout_ms % 1000, argv[optind]);
			terminate_group(child);
			kill_at = t + grace_ms;
		}
		if (!child_done && first_deadline >= 0 && !out_bytes && t >= first_deadline &&
		    !timed_out && !silent) {
			silent = 1;
			fprintf(stderr, "%ssupervise: no output from the guest within %lld.%03lld s, "
				"terminating %s\n", last_byte == '\n' ? "" : "\n",
				first_ms / 1000, first_ms % 1000, argv[optind]);
			terminate_group(child);
			kill_at = t + grace_ms;
		}
		if (!child_done && kill_at >= 0 && t >= kill_at) {
			kill(-child, SIGKILL);
			kill_at = -1;
		}
		if (child_done && !out_open && !err_open)
			break;

		if (!child_done) {
			if (deadline >= 0 && !timed_out)
				wait_ms = (int)(deadline - t);
			if (first_deadline >= 0 && !out_bytes && !silent && !timed_out &&
			    (wait_ms < 0 || first_deadline - t < wait_ms))
				wait_ms = (int)(first_deadline - t);
			if (kill_at >= 0 && (wait_ms < 0 || kill_at - t < wait_ms))
				wait_ms = (int)(kill_at - t);
			if (wait_ms < 0 && (deadline >= 0 || kill_at >= 0 || first_deadline >= 0))
				wait_ms = 0;
		} else {
			wait_ms = 1000; /* only draining what is already buffered */
		}

		fds[nfds++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		if (out_open)
			fds[nfds++] = (struct pollfd){ .fd = out_pipe[0], .events = POLLIN };
		if (err_open)
			fds[nfds++] = (struct pollfd){ .fd = err_pipe[0], .events = POLLIN };
		if (watch_fd >= 0)
			fds[nfds++] = (struct pollfd){ .fd = watch_fd, .events = POLLIN };

		ret = poll(fds, nfds, wait_ms);
		if (ret < 0 && errno != EINTR) {
			perror("supervise: poll");
			kill(-child, SIGKILL);
		}
		if (ret <= 0) {
			if (ret == 0 && child_done)
				break; /* nothing more came within a second of the exit */
			continue;
		}
		for (i = 0; i < nfds; i++) {
			ssize_t n;

			if (!fds[i].revents)
				continue;
			if (fds[i].fd == sig_pipe[0]) {
				char junk[64];

				while (read(sig_pipe[0], junk, sizeof(junk)) > 0)
					;
			} else if (fds[i].fd == out_pipe[0]) {
				n = relay(out_pipe[0], 1);
				if (n > 0)
					out_bytes += n;
				else if (n != -2)
					out_open = 0;
			} else if (fds[i].fd == err_pipe[0]) {
				n = relay(err_pipe[0], 2);
				if (n > 0)
					err_bytes += n;
				else if (n != -2)
					err_open = 0;
			} else if (fds[i].fd == watch_fd) {
				/* The runner died without cleaning up: nobody wants this QEMU. */
				kill(-child, SIGKILL);
				close(watch_fd);
				watch_fd = -1;
				if (!stop_signal)
					stop_signal = SIGKILL;
				stopped = stopped ? stopped : SIGKILL;
			}
		}
	}
	if (!child_done)
		waitpid(child, &status, 0);
	if (tty_mode == 1) {
		/* take the terminal back (the command's group is gone or going) */
		if (tcgetpgrp(0) == child)
			tcsetpgrp(0, getpgrp());
	}

	if (status_file || status_line) {
		char line[256];

		snprintf(line, sizeof(line),
			 "exit=%d signal=%d timeout=%d silent=%d stopped=%d out_bytes=%lld err_bytes=%lld "
			 "ms=%lld\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out, silent, stopped, out_bytes,
			 err_bytes, now_ms() - start);
		write_status(line, status_file, status_line);
	}
	if (stopped && stopped != SIGKILL)
		return 128 + stopped;
	if (timed_out || silent)
		return 124;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
