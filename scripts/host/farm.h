/*
 * farm: the runner's options for CI farms: expectations files (--expect), recorded
 * durations (--durations), longest first, and the --shard partition.
 */
#ifndef HOST_FARM_H
#define HOST_FARM_H

#include <stdbool.h>
#include <stddef.h>

struct cfg;

struct expect_env {
	const char *accel, *arch, *kvm_module;	/* kvm_module NULL or "" when none */
	const char *qemu_version;		/* "7.2.11", NULL when unknown */
};

struct expectation {
	char *name, *verdict, *reason;		/* verdict "FAIL" or "SKIP" */
};

struct expectations {
	struct expectation *e;
	size_t n;
};

/* Load FILE (format: README, "Expectations"); entries whose conditions hold in ENV, the
 * first match per test winning. A malformed line: "FILE:LINE: message" on stderr, false
 * (and no entries); a missing file: "PROGRAM: expectations file FILE not found". */
bool expect_load(struct expectations *x, const char *file, const struct expect_env *env);
const struct expectation *expect_find(const struct expectations *x, const char *name);
void expect_free(struct expectations *x);
/* "7.2.11" from "QEMU emulator version 7.2.11 (Debian ...)", malloc'd; NULL when none */
char *qemu_version_number(const char *version_line);

struct durations {
	char **names;
	long *ms;
	size_t n;
};
/* The durations of the tests that ran in results.json FILE; empty when unreadable. */
void durations_load(struct durations *d, const char *file);
void durations_free(struct durations *d);

/* Reorder NAMES (n of them; tests of CFG) longest first by recorded duration (D may be
 * NULL; tests without one weigh the median of the others, else timeout x smp), ties in
 * the given order. */
void farm_longest_first(const char **names, size_t n, const struct cfg *cfg,
			const struct durations *d);
/* Keep in NAMES, in their order, shard K (1..N) of a longest-first greedy partition (each
 * test to the least loaded shard, the lowest on a tie); returns the new count. */
size_t farm_shard(const char **names, size_t n, unsigned k, unsigned nshards,
		  const struct cfg *cfg, const struct durations *d);

#endif
