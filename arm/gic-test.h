/* What the GIC tests (arm/gic.c) and the ITS tests (arm/its.c) share. */
#ifndef ARM_GIC_TEST_H
#define ARM_GIC_TEST_H

#include <libcflat.h>
#include <clock.h>
#include <subtest.h>
#include <arm64/gic.h>
#include <arm64/io.h>

/* What gic_probe() found, before any sub-test ran. */
static struct gic_info gic_test_info;

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

/*
 * main() of gic.flat and its.flat: "NAME [2|3]" runs sub-test NAME of @tests; with 2 or 3,
 * it also claims that the device tree describes that GIC version. No GIC: SKIP.
 */
static inline int gic_test_main(const struct subtest *tests, int argc, char **argv)
{
	int version = gic_probe(&gic_test_info);

	if (!version)
		report_skip_all("no GIC in the device tree");
	report_prefix_pushf("gicv%d", version);
	if (argc > 2)
		report(version == atol(argv[2]), "the device tree describes a GICv%s", argv[2]);
	return run_subtests(tests, NULL, argc, argv);
}

#endif
