/*
 * A QMP client for the host helpers: one connection per QEMU, over a socket the caller
 * set up (a socketpair in host/migrate). Commands are queued with a callback for their
 * "return"; events and the greeting go to the owner's hooks. Replies come in command
 * order (QMP without out-of-band execution answers in order).
 */
#ifndef QMP_H
#define QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define QMP_BUF 262144
#define QMP_MAX_PENDING 16

struct qmp;
typedef void qmp_reply_fn(void *owner, json_t *ret);

struct qmp_hooks {
	/* the greeting arrived: the owner sends qmp_capabilities and its setup */
	void (*greeting)(void *owner);
	void (*event)(void *owner, const char *name, json_t *data);
	/* a protocol error or a refused command; must not return */
	void (*fail)(void *owner, const char *reason) __attribute__((noreturn));
	/* called while a write waits for room: may exit (e.g. on a stop signal) */
	void (*waiting)(void *owner);
};

struct qmp_pending {
	const char *cmd;
	qmp_reply_fn *on_return;
};

struct qmp {
	int fd;
	const char *name;          /* for messages, e.g. "QEMU 2" */
	const struct qmp_hooks *hooks;
	void *owner;
	long long write_timeout_ms; /* a write that makes no progress this long fails */
	bool closed;               /* QEMU closed the socket: it is exiting */
	char buf[QMP_BUF];
	size_t len;
	struct qmp_pending pending[QMP_MAX_PENDING];
	int npending;
};

void qmp_init(struct qmp *c, int fd, const char *name, const struct qmp_hooks *hooks,
	      void *owner, long long write_timeout_ms);
/* Send @cmd with @args (stolen, may be NULL), descriptor @fd attached unless -1. */
void qmp_send_fd(struct qmp *c, const char *cmd, json_t *args, int fd, qmp_reply_fn *on_return);
void qmp_send(struct qmp *c, const char *cmd, json_t *args, qmp_reply_fn *on_return);
/* Read and dispatch what the socket holds; sets c->closed at EOF. */
void qmp_read(struct qmp *c);

#endif
