/*
 * resultsfile: a run's machine-readable output, results.json and JUnit XML (docs/HACKING.md,
 * "Results files"), and the QEMU version they name.
 */
#ifndef HOST_RESULTSFILE_H
#define HOST_RESULTSFILE_H

#include <stdbool.h>
#include <stddef.h>

struct result {
	const char *name, *verdict, *reason;
	const char *expected;	/* "FAIL: reason" of an --expect entry, or NULL */
	const char *cmd;	/* the QEMU command; NULL: the test did not run */
	long ms;		/* from start to reap, when it ran */
	int tests;		/* the guest's SUMMARY counts; tests < 0: none */
	int failed, xfail, kfail, skipped;
	const char *log;
};

struct results_run {
	const char *version, *arch, *accel, *kvm_module;
	const char *qemu, *qemu_cache;	/* the binary; qemu_version's cache file or NULL */
	int host_cpus;
	const char *started;		/* "2026-11-30T11:20:00+0000" */
	long ms;
	const char *command, *interrupted;	/* interrupted: "INT", "TERM", "HUP" or "" */
	int passed, failed, skipped;
	const struct result *tests;
	size_t ntests;
};

/* Write JSON (and JUNIT when not NULL) under temporary names, then rename them. The host
 * facts (kernel, host name, CPU model, KVM module parameters) are read here. False, with a
 * message on stderr, when a file cannot be written. */
bool results_write(const struct results_run *run, const char *json, const char *junit);

/* The first line of "QEMU --version" ("" when it cannot run), malloc'd. Asks QEMU once, then
 * answers from CACHE (NULL: none; a file: QEMU's path, inode, size, mtime and ctime, then the
 * line) while the binary is that same file: a package upgrade that keeps an old mtime still
 * changes the inode and the ctime. */
char *qemu_version(const char *qemu, const char *cache);

#endif
