/*
 * FP/SIMD (and SVE) register state is per vCPU: two CPUs load different values into
 * every vector register and FPCR/FPSR, run for a while so that the host switches their
 * threads, go through a live migration when run under the migration harness, and each
 * must read back exactly its own values.
 */
#include <libcflat.h>
#include <clock.h>
#include <migrate.h>
#include <subtest.h>
#include <arm64/fpu.h>
#include <arm64/sysreg.h>

#define NR_FPU_CPUS 2
#define HOLD_MS 200
#define WAIT_MS 5000

/* The migration stream of QEMU 7.2 carries only the low 1024 bits of each Z register. */
#define SVE_MIGRATED_BYTES 128
#define SVE_MIGRATION_DEVIATION \
	"qemu-sve-migration-vl: QEMU's migration loses Z register bits above 1024 (VL 2048)"

static struct fpu_state want[NR_FPU_CPUS], got[NR_FPU_CPUS];
static u8 *sve_want[NR_FPU_CPUS], *sve_got[NR_FPU_CPUS];
static unsigned int sve_vl;
static int loaded, stored;
static volatile bool release;

static void fill_pattern(int cpu)
{
	u8 *b = &want[cpu].v[0][0];
	size_t i;

	for (i = 0; i < sizeof(want[cpu].v); i++)
		b[i] = (u8)(i * 7 + cpu * 0x5b + 1);
	/* FPCR.RMode or FPCR.DN, and one cumulative exception flag each */
	want[cpu].fpcr = cpu ? BIT(25) : 1UL << 22;
	want[cpu].fpsr = cpu ? BIT(1) : BIT(0);
	for (i = 0; sve_vl && i < 32 * sve_vl; i++)
		sve_want[cpu][i] = (u8)(i * 13 + cpu * 0x3d + 2);
}

/* Load this CPU's values; with SVE the Z registers, whose low 128 bits are the V registers. */
static void load_registers(int cpu)
{
	fpu_load(&want[cpu]);
	if (sve_vl) {
		sve_enable();
		sve_load_z(sve_want[cpu]);
	}
	atomic_inc_return(&loaded);
}

static void store_registers(int cpu)
{
	if (sve_vl)
		sve_store_z(sve_got[cpu]);
	fpu_store(&got[cpu]);
	atomic_inc_return(&stored);
}

static void hold_registers(void *arg)
{
	int cpu = smp_processor_id();

	load_registers(cpu);
	while (!release)
		cpu_relax();
	store_registers(cpu);
}

static bool vregs_match(int cpu)
{
	int i;

	if (!sve_vl)
		return !memcmp(want[cpu].v, got[cpu].v, sizeof(got[cpu].v));
	for (i = 0; i < FPU_VREGS; i++)
		if (memcmp(got[cpu].v[i], sve_want[cpu] + i * sve_vl, FPU_VREG_BYTES))
			return false;
	return true;
}

/* The low @bytes of each of z0-z31 as loaded. */
static bool zregs_match(int cpu, unsigned int bytes)
{
	int i;

	for (i = 0; i < 32; i++)
		if (memcmp(sve_want[cpu] + i * sve_vl, sve_got[cpu] + i * sve_vl, bytes))
			return false;
	return true;
}

static void check_cpu(int cpu, const char *when)
{
	report(vregs_match(cpu), "cpu %d: v0-v31 hold its own values %s", cpu, when);
	report(got[cpu].fpcr == want[cpu].fpcr && got[cpu].fpsr == want[cpu].fpsr,
	       "cpu %d: FPCR %#lx / FPSR %#lx kept %s", cpu, (unsigned long)got[cpu].fpcr,
	       (unsigned long)got[cpu].fpsr, when);
	if (!sve_vl)
		return;
	if (sve_vl > SVE_MIGRATED_BYTES)
		report(zregs_match(cpu, SVE_MIGRATED_BYTES),
		       "cpu %d: the low 1024 bits of z0-z31 hold its own values %s", cpu, when);
	report_kfail(migrate_mode() && sve_vl > SVE_MIGRATED_BYTES, SVE_MIGRATION_DEVIATION,
		     zregs_match(cpu, sve_vl), "cpu %d: z0-z31 (%u bytes each) hold its own values %s",
		     cpu, sve_vl, when);
}

static void setup_sve(void)
{
	int cpu;

	if (!sve_present()) {
		report_info("no SVE (ID_AA64PFR0_EL1.SVE = 0): FP/SIMD registers only");
		return;
	}
	sve_vl = sve_enable();
	report_info("SVE vector length %u bytes", sve_vl);
	for (cpu = 0; cpu < NR_FPU_CPUS; cpu++) {
		sve_want[cpu] = malloc(32 * sve_vl);
		sve_got[cpu] = malloc(32 * sve_vl);
		assert(sve_want[cpu] && sve_got[cpu]);
	}
}

static void test_fpu_context(int argc, char **argv)
{
	const char *when = migrate_mode() ? "across host thread switches and a migration"
					  : "across host thread switches";
	int cpu;

	report_prefix_push("fpu-context");
	if (nr_cpus < NR_FPU_CPUS) {
		report_skip("needs %d CPUs, has %d", NR_FPU_CPUS, nr_cpus);
		report_prefix_pop();
		return;
	}
	setup_sve();
	for (cpu = 0; cpu < NR_FPU_CPUS; cpu++)
		fill_pattern(cpu);
	on_cpu_async(1, hold_registers, NULL);
	load_registers(0);
	if (!wait_until(atomic_read(&loaded) == NR_FPU_CPUS, WAIT_MS))
		report_fail("cpu 1 did not load its registers within %d ms", WAIT_MS);
	mdelay(HOLD_MS);
	if (migrate_mode())
		migrate();
	release = true;
	store_registers(0);
	if (!wait_until(atomic_read(&stored) == NR_FPU_CPUS, WAIT_MS))
		report_fail("cpu 1 did not store its registers within %d ms", WAIT_MS);
	for (cpu = 0; cpu < NR_FPU_CPUS; cpu++)
		check_cpu(cpu, when);
	report_prefix_pop();
}

static const struct subtest tests[] = {
	{ "fpu-context", test_fpu_context },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, "fpu-context", argc, argv);
}
