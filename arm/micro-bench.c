/*
 * The cost of the exits a hypervisor handles most often, in nanoseconds per operation
 * (the guest clock): a hypercall (PSCI_VERSION through the PSCI conduit), an MMIO read
 * the VMM emulates (the PL011 flag register), an IPI to another vCPU and back, and an
 * LPI through the ITS. Each loop also checks the operation's architected result, so a
 * fast but wrong exit path fails; the figures themselves are information only.
 */
#include <libcflat.h>
#include <clock.h>
#include <subtest.h>
#include <arm64/devicetree.h>
#include <arm64/gic.h>
#include <arm64/gic-v3-its.h>
#include <arm64/io.h>
#include <arm64/psci.h>
#include <arm64/sysreg.h>

#define ITERATIONS 2000
#define IRQ_WAIT_MS 1000
#define IRQ_ITERATIONS 200 /* an IPI or LPI round trip costs milliseconds under TCG */
#define BENCH_SGI 1
#define BENCH_LPI GIC_FIRST_LPI
#define UARTFR 0x18
#define UARTFR_RESERVED_MASK 0xfe00U

static int acked, lpis;
static volatile bool responder_done;

static void report_cost(const char *what, u64 ns, int ops)
{
	report_info("%s: %lu ns per operation (%d operations)", what, (unsigned long)(ns / ops), ops);
}

static void bench_hvc(void)
{
	long want = psci_invoke(PSCI_VERSION, 0, 0, 0);
	int i, same = 0;
	u64 t0 = clock_ns();

	for (i = 0; i < ITERATIONS; i++)
		same += psci_invoke(PSCI_VERSION, 0, 0, 0) == want;
	report_cost(psci_use_hvc ? "hvc PSCI_VERSION" : "smc PSCI_VERSION", clock_ns() - t0, ITERATIONS);
	report(same == ITERATIONS && want > 0, "PSCI_VERSION answers %#lx every time", want);
}

static void bench_mmio(void)
{
	int node = dt_stdout_node(), i, sane = 0;
	u64 base, size, t0;
	void *fr;

	if (node < 0 || dt_get_reg(node, 0, &base, &size) < 0) {
		report_skip("mmio: no stdout UART in the device tree");
		return;
	}
	fr = (u8 *)ioremap(base, size) + UARTFR;
	t0 = clock_ns();
	for (i = 0; i < ITERATIONS; i++)
		sane += !(readl(fr) & UARTFR_RESERVED_MASK);
	report_cost("mmio read (PL011 UARTFR)", clock_ns() - t0, ITERATIONS);
	report(sane == ITERATIONS, "UARTFR reads with its reserved bits clear every time");
}

/* cpu 1 answers every SGI with one to cpu 0 (a GICv3 IAR names no source); cpu 0 counts. */
static void ping_pong(u32 irq, int source)
{
	if (smp_processor_id())
		gic_ipi_send_single(BENCH_SGI, 0);
	else
		atomic_inc_return(&acked);
}

/* SGI enables are banked per CPU (GICv3: in each redistributor). */
static void respond_to_ipis(void *arg)
{
	gic_irq_enable(BENCH_SGI);
	local_irq_enable();
	while (!responder_done)
		cpu_relax();
	local_irq_disable();
}

static void bench_ipi(void)
{
	int i, round_trips = 0;
	u64 t0;

	if (nr_cpus < 2) {
		report_skip("ipi: needs 2 CPUs");
		return;
	}
	if (gic_init_all_cpus() < 0) {
		report_fail("ipi: the GIC could not be set up on every CPU");
		return;
	}
	setup_irq(BENCH_SGI, ping_pong);
	on_cpu_async(1, respond_to_ipis, NULL);
	local_irq_enable();
	t0 = clock_ns();
	for (i = 0; i < IRQ_ITERATIONS; i++) {
		int before = atomic_read(&acked);

		gic_ipi_send_single(BENCH_SGI, 1);
		round_trips += wait_until(atomic_read(&acked) != before, IRQ_WAIT_MS);
	}
	report_cost("ipi round trip (cpu 0 -> 1 -> 0)", clock_ns() - t0, IRQ_ITERATIONS);
	local_irq_disable();
	responder_done = true;
	wait_cpus_idle();
	report(round_trips == IRQ_ITERATIONS, "every IPI was answered (%d/%d)", round_trips,
	       IRQ_ITERATIONS);
}

static void count_lpi(u32 irq, int source)
{
	atomic_inc_return(&lpis);
}

static void bench_lpi(void)
{
	struct its_device *dev;
	struct its_collection *col;
	int i, delivered = 0;
	u64 t0;

	if (!its_enable_defaults()) {
		report_skip("lpi: no usable GICv3 ITS (-machine gic-version=3,its=on)");
		return;
	}
	col = its_cpu_collection(0);
	dev = its_create_device(0, 8);
	setup_irq(BENCH_LPI, count_lpi);
	its_lpi_configure(BENCH_LPI, LPI_PROP_DEFAULT_PRIO, true);
	if (!(its_send_mapd(dev, true) && its_send_mapti(dev, 0, BENCH_LPI, col) &&
	      its_send_inv(dev, 0) && its_send_sync(col))) {
		report_fail("lpi: mapping the event failed");
		return;
	}
	local_irq_enable();
	t0 = clock_ns();
	for (i = 0; i < IRQ_ITERATIONS; i++) {
		int before = atomic_read(&lpis);

		its_send_int(dev, 0);
		delivered += wait_until(atomic_read(&lpis) != before, IRQ_WAIT_MS);
	}
	report_cost("lpi (ITS INT to handler)", clock_ns() - t0, IRQ_ITERATIONS);
	local_irq_disable();
	report(delivered == IRQ_ITERATIONS, "every INT delivered its LPI (%d/%d)", delivered,
	       IRQ_ITERATIONS);
}

static void test_micro_bench(int argc, char **argv)
{
	report_prefix_push("micro-bench");
	if (gic_init() < 0) {
		report_skip("no GIC in the device tree");
		report_prefix_pop();
		return;
	}
	bench_hvc();
	bench_mmio();
	bench_ipi();
	if (gic_version() == 3)
		bench_lpi();
	else
		report_skip("lpi: GICv%d has no ITS", gic_version());
	report_prefix_pop();
}

static const struct subtest tests[] = {
	{ "micro-bench", test_micro_bench },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, "micro-bench", argc, argv);
}
