/* What the GIC tests (arm/gic.c) and the ITS tests (arm/its.c), both in gic.flat, share. */
#ifndef ARM_GIC_TEST_H
#define ARM_GIC_TEST_H

#include <libcflat.h>
#include <clock.h>
#include <subtest.h>
#include <arm64/gic.h>
#include <arm64/io.h>

/* The ITS sub-tests (arm/its.c), dispatched by gic.flat too. */
extern const struct subtest its_subtests[];

/* Wait until *@counter reaches @target, for at most @ms. */
static inline bool wait_for_count(const int *counter, int target, u64 ms)
{
	return wait_until(atomic_read(counter) >= target, ms);
}

/* Milliseconds left until @end (a clock_ns() value), 0 once it passed: one deadline for
 * several waits. */
static inline u64 ms_until(u64 end)
{
	u64 now = clock_ns();

	return now < end ? (end - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC : 0;
}

static inline int sum_per_cpu(int (*count)(int cpu))
{
	int cpu, sum = 0;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		sum += count(cpu);
	return sum;
}

static inline void check_read_only(void *reg, const char *name)
{
	u32 before = readl(reg);

	writel(~before, reg);
	report(readl(reg) == before, "%s is read-only (%#x)", name, before);
	writel(before, reg);
}

/* A sub-test's start: its name as the claims' prefix, every CPU's GIC interface up. */
static inline void gic_test_begin(const char *name)
{
	report_prefix_push(name);
	gic_init_all_cpus();
}

#endif
