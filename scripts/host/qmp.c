/* The QMP client of the host helpers: see qmp.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"

static long long qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void qmp_fail(struct qmp *c, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void qmp_fail(struct qmp *c, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	c->hooks->fail(c->owner, reason);
}

void qmp_init(struct qmp *c, int fd, const char *name, const struct qmp_hooks *hooks,
	      void *owner, long long write_timeout_ms)
{
	c->fd = fd;
	c->name = name;
	c->hooks = hooks;
	c->owner = owner;
	c->write_timeout_ms = write_timeout_ms;
	c->closed = false;
	c->len = 0;
	c->npending = 0;
}

/* One sendmsg() of @text, with @fd as SCM_RIGHTS ancillary data unless -1. */
static ssize_t send_with_fd(int sock, const char *text, size_t len, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (char *)text, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/* Write all of @text; the descriptor goes with the first byte. */
static void qmp_write(struct qmp *c, const char *text, size_t len, int fd)
{
	long long give_up = qmp_now_ms() + c->write_timeout_ms;
	size_t off = 0;

	while (off < len) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		ssize_t n = send_with_fd(c->fd, text + off, len - off, off ? -1 : fd);

		if (n > 0) {
			off += n;
			give_up = qmp_now_ms() + c->write_timeout_ms;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (qmp_now_ms() >= give_up)
				qmp_fail(c, "%s read no QMP input for %lld s", c->name,
					 c->write_timeout_ms / 1000);
			c->hooks->waiting(c->owner);
			poll(&p, 1, 100);
		} else {
			break; /* QEMU went away: its exit tells the owner */
		}
	}
}

void qmp_send_fd(struct qmp *c, const char *cmd, json_t *args, int fd, qmp_reply_fn *on_return)
{
	json_t *msg = json_pack("{s:s}", "execute", cmd);
	char *text;
	size_t len;

	if (args)
		json_object_set_new(msg, "arguments", args);
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text || c->npending == QMP_MAX_PENDING)
		qmp_fail(c, "internal: cannot queue QMP command %s", cmd);
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: the NUL */
	qmp_write(c, text, len, fd);
	free(text);
	c->pending[c->npending++] = (struct qmp_pending){ cmd, on_return };
}

void qmp_send(struct qmp *c, const char *cmd, json_t *args, qmp_reply_fn *on_return)
{
	qmp_send_fd(c, cmd, args, -1, on_return);
}

static void handle_reply(struct qmp *c, json_t *msg)
{
	json_t *err = json_object_get(msg, "error");
	struct qmp_pending p;

	if (!c->npending)
		qmp_fail(c, "%s sent a QMP reply nobody asked for", c->name);
	p = c->pending[0];
	memmove(c->pending, c->pending + 1, --c->npending * sizeof(p));
	if (err)
		qmp_fail(c, "%s refused %s: %s", c->name, p.cmd,
			 json_string_value(json_object_get(err, "desc")));
	if (p.on_return)
		p.on_return(c->owner, json_object_get(msg, "return"));
}

static void handle_message(struct qmp *c, const char *text)
{
	json_error_t jerr;
	json_t *msg = json_loads(text, 0, &jerr);
	json_t *event;

	if (!msg)
		qmp_fail(c, "%s: bad QMP message (%s): %.200s", c->name, jerr.text, text);
	event = json_object_get(msg, "event");
	if (json_object_get(msg, "QMP"))
		c->hooks->greeting(c->owner);
	else if (event)
		c->hooks->event(c->owner, json_string_value(event), json_object_get(msg, "data"));
	else
		handle_reply(c, msg);
	json_decref(msg);
}

void qmp_read(struct qmp *c)
{
	char *nl;
	ssize_t n;

	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		c->closed = true;
		return;
	}
	if (n < 0)
		return;
	c->len += n;
	c->buf[c->len] = 0;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t used = nl - c->buf + 1;

		*nl = 0;
		if (nl > c->buf)
			handle_message(c, c->buf);
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		c->buf[c->len] = 0;
	}
	if (c->len == sizeof(c->buf) - 1)
		qmp_fail(c, "%s: QMP message longer than %zu bytes", c->name, c->len);
}
