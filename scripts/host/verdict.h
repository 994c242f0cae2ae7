/*
 * verdict: one finished QEMU run's log turned into PASS, FAIL or SKIP with a reason
 * (docs/HACKING.md, "Runner", the verdict rules), and the expected outcomes applied.
 */
#ifndef HOST_VERDICT_H
#define HOST_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

struct arch;

struct verdict {
	const char *result;	/* "PASS" "FAIL" "SKIP", after verdict_expect also "XFAIL" "XPASS" */
	char *reason;		/* malloc'd, never NULL; at most 160 characters from verdict_from_log */
	char *cmd;		/* the log's first line (the QEMU command), malloc'd, never NULL */
	char **subs;		/* the guest's PASS:/FAIL:/SKIP:/XFAIL:/XPASS:/KFAIL: lines */
	size_t nsubs;
	int tests;		/* from the guest's SUMMARY line; -1 when it printed none */
	int failed, xfail, kfail, skipped;
};

/* LOG: line 1 the command, then QEMU's output, then supervise's "supervise: status ..." */
void verdict_from_log(struct verdict *v, const char *log, int timeout_s, const struct arch *a);
/* A verdict decided without running QEMU (precheck: SKIP needs ..., FAIL image not built) */
void verdict_set(struct verdict *v, const char *result, const char *reason);
/* cfg expect = abort, then an expectations file entry (expected "FAIL" or NULL, reason) */
void verdict_expect(struct verdict *v, bool expect_abort, const char *expected,
		    const char *expected_reason);
void verdict_free(struct verdict *v);

#endif
