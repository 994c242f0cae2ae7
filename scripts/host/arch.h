/*
 * arch: each arch's QEMU command line and how QEMU ends through the guest's exit path.
 * The one place for per-arch run facts; the runner and the <arch>/run scripts use it.
 */
#ifndef HOST_ARCH_H
#define HOST_ARCH_H

#include <stdbool.h>

struct arch;

/* x86_64, i386, arm64, s390x; NULL for anything else */
const struct arch *arch_find(const char *name);
const char *arch_name(const struct arch *a);
/* the qemu-system-<suffix> that runs its guests: x86_64, aarch64, s390x */
const char *arch_qemu_suffix(const struct arch *a);

struct run_request {
	const char *qemu;	/* the binary */
	const char *accel;	/* kvm or tcg */
	const char *kvm_module;	/* NULL or "" when not under KVM */
	const char *token;	/* the run's EXIT_TOKEN, 16 hex digits */
	const char *image;
	int nargs;		/* caller's QEMU arguments; "-append TEXT" pairs among them join */
	char *const *args;
};

/* The complete QEMU command line, malloc'd and NULL-terminated (free with argv_free).
 * NULL (message on stderr) for a dangling -append. */
char **arch_build_cmd(const struct arch *a, const struct run_request *req);
/* The command line shell-quoted on one line (a test log's first line), malloc'd. */
char *argv_quote(char *const *argv);
void argv_free(char **argv);
/* true when QEMU_STATUS is the exit status the arch's exit path gives for
 * "EXIT: STATUS=GUEST_CODE" (x86: isa-debug-exit, (code << 1) | 1) */
bool arch_exit_ok(const struct arch *a, int qemu_status, int guest_code);

#endif
