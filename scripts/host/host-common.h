/*
 * What the host helpers (supervise, migrate) share: a monotonic clock, and the
 * self-pipe through which SIGTERM/SIGINT/SIGHUP (and optionally SIGCHLD) wake their
 * poll() loops. Single-file programs: everything here is static.
 */
#ifndef HOST_COMMON_H
#define HOST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The first stopping signal received (0: none); SIGCHLD only wakes the loop. */
static volatile sig_atomic_t stop_signal;
/* Read end: poll it; readable after any handled signal. */
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD && !stop_signal)
		stop_signal = sig;
	if (write(sig_pipe[1], "", 1) < 0) {
		/* the pipe is full: a wakeup is already pending */
	}
	errno = saved;
}

/* Route the stopping signals (and SIGCHLD if asked) to on_signal; ignore SIGPIPE. */
static int install_signal_pipe(int with_sigchld)
{
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (with_sigchld)
		sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

#endif
