/* Reporting claims (lib/report.c): see docs/HACKING.md for the line format the runner reads. */
#ifndef CFLAT_REPORT_H
#define CFLAT_REPORT_H

#include <cflat/types.h>

void report_prefix_push(const char *prefix);
void report_prefix_pushf(const char *fmt, ...) __printf(1, 2);
void report_prefix_pop(void);
void report_prefix_popn(int n);
bool report(bool pass, const char *fmt, ...) __printf(2, 3);
void report_pass(const char *fmt, ...) __printf(1, 2);
void report_fail(const char *fmt, ...) __printf(1, 2);
void report_skip(const char *fmt, ...) __printf(1, 2);
/*
 * The test's subject is absent (no ITS, no such CPU feature): a SKIP claim with the reason,
 * then the test ends at once as a SKIP with that reason (FAIL if a claim failed before),
 * whatever set-up claims passed. In a migration test it also tells the host (migrate_skip).
 */
void report_skip_all(const char *fmt, ...) __printf(1, 2) __noreturn;
void report_info(const char *fmt, ...) __printf(1, 2);
/* A claim the test itself expects to fail when xfail is true. */
bool report_xfail(bool xfail, bool pass, const char *fmt, ...) __printf(3, 4);
/*
 * A known hypervisor deviation: when @known is true (the test found it is on the
 * accelerator @why names), a failure is counted as "known", not as a failure; a pass
 * is a pass. On a hypervisor where @known is false the claim is an ordinary report().
 */
bool report_kfail(bool known, const char *why, bool pass, const char *fmt, ...) __printf(4, 5);
/* Per-CPU safe: the counters are updated under a lock. */
int report_summary(void);

#endif
