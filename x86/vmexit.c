/*
 * Cost of operations a hypervisor intercepts, in TSC cycles per operation.
 * Usage: vmexit.flat cpuid|vmcall|inl_pmtimer|mov_to_cr8|mov_from_cr8|cr0_wp|cr4_pge|
 *        tscdeadline|tscdeadline_immed|ipi|ipi_halt|ple_round_robin [iterations]
 * Operations that wait for another vCPU or a timer stop after TIME_BUDGET_MS and count
 * what they did: on a loaded host each round trip may wait for a time slice.
 * Each benchmark also checks that every operation gave its architected result, so a
 * fast but wrong exit path fails.
 */
#include <libcflat.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/smp.h>
#include <x86/pmtimer.h>
#include <clock.h>
#include <subtest.h>

#define DEFAULT_ITERATIONS 2000
#define IPI_VECTOR 0x40
#define KVM_ENOSYS 1000 /* KVM's hypercall ABI: an unknown number returns -KVM_ENOSYS */
#define UNKNOWN_HYPERCALL 0x7fff
#define TIME_BUDGET_MS 2000
#define TIMER_VECTOR 0x41


static int iterations = DEFAULT_ITERATIONS;

static void report_cost_n(const char *what, u64 cycles, int n)
{
	report_info("%s: %llu cycles per operation (%d operations)", what,
		    (unsigned long long)(cycles / MAX(n, 1)), n);
}

static void report_cost(const char *what, u64 cycles)
{
	report_cost_n(what, cycles, iterations);
}

static void bench_cpuid(void)
{
	struct cpuid first = cpuid(0), r;
	int i, same = 0;
	u64 t0 = rdtsc();

	for (i = 0; i < iterations; i++) {
		r = cpuid(0);
		same += r.a == first.a && r.b == first.b && r.c == first.c && r.d == first.d;
	}
	report_cost("cpuid", rdtsc() - t0);
	report(first.a >= 1, "CPUID.0 reports leaf 1 (max leaf %#x)", first.a);
	report(same == iterations, "CPUID.0 returned the same max leaf and vendor every time");
}

/* VMCALL: rax in = hypercall number, rax out = result; the vector it raised, if any. */
static int vmcall(unsigned long *ax)
{
	exc_clear();
	asm volatile("1: vmcall\n2:\n\t" EXC_FIXUP("1b", "2b")
		     : "+a"(*ax) : "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
	return exc_vector();
}

/*
 * Outside VMX operation VMCALL raises #UD (SDM Vol. 3C, VMCALL); a KVM guest's
 * VMCALL exits and an unknown hypercall returns -KVM_ENOSYS.
 */
static void bench_vmcall(void)
{
	bool kvm = cpu_hypervisor_is("KVMKVMKVM");
	int i, ok = 0;
	u64 t0 = rdtsc();

	for (i = 0; i < iterations; i++) {
		unsigned long ax = UNKNOWN_HYPERCALL;
		int vector = vmcall(&ax);

		if (kvm)
			ok += vector == EXC_NONE && ax == (unsigned long)-KVM_ENOSYS;
		else
			ok += vector == UD_VECTOR;
	}
	report_cost(kvm ? "vmcall (KVM hypercall)" : "vmcall (#UD)", rdtsc() - t0);
	if (kvm)
		report(ok == iterations, "KVM signature: unknown hypercall returns -KVM_ENOSYS (%d/%d)",
		       ok, iterations);
	else
		report(ok == iterations, "no KVM signature: VMCALL raises #UD (%d/%d)", ok,
		       iterations);
}

static void bench_inl_pmtimer(void)
{
	u16 port = pm_timer_port();
	u32 first, prev, now;
	int i, in_range = 0, forward = 0;
	u64 t0;

	if (!port) {
		report_skip("no PIIX4 ACPI function at 00:01.3 (needs -machine pc)");
		return;
	}
	report_info("PM timer at port %#x", port);
	first = prev = inl(port);
	t0 = rdtsc();
	for (i = 0; i < iterations; i++) {
		now = inl(port);
		in_range += !(now & ~PM_TMR_MASK);
		/* Half the range forward at most: a 4.7 s gap between two reads is not plausible. */
		forward += ((now - prev) & PM_TMR_MASK) < (PM_TMR_MASK + 1) / 2;
		prev = now;
	}
	report_cost("inl PM timer", rdtsc() - t0);
	report(in_range == iterations, "every value fits in 24 bits");
	report(forward == iterations, "never goes backwards");
	report(prev != first, "it runs (%#x to %#x)", first, prev);
}

#ifdef __x86_64__
static inline void write_cr8(unsigned long v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline unsigned long read_cr8(void)
{
	unsigned long v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

/* CR8[3:0] is the APIC's TPR[7:4] (SDM Vol. 3A, 11.8.6.1). */
static void bench_mov_to_cr8(void)
{
	int i, readback = 0;
	u64 t0 = rdtsc();

	for (i = 0; i < iterations; i++) {
		write_cr8(i & 0xf);
		readback += read_cr8() == (unsigned long)(i & 0xf);
	}
	report_cost("mov to cr8 (+ mov from cr8)", rdtsc() - t0);
	report(readback == iterations, "CR8 reads back what was written");
	write_cr8(0x9);
	report((apic_read(APIC_TPR) >> 4) == 0x9, "APIC TPR[7:4] follows CR8");
	write_cr8(0);
	report(apic_read(APIC_TPR) == 0, "TPR is 0 again after CR8 = 0");
}

static void bench_mov_from_cr8(void)
{
	int i, same = 0;
	u64 t0;

	apic_write(APIC_TPR, 0x50);
	t0 = rdtsc();
	for (i = 0; i < iterations; i++)
		same += read_cr8() == 0x5;
	report_cost("mov from cr8", rdtsc() - t0);
	apic_write(APIC_TPR, 0);
	report(same == iterations, "CR8 reads TPR[7:4] = 5 every time (%d/%d)", same, iterations);
}
#else
static void bench_mov_to_cr8(void)
{
	report_skip("CR8 exists only in 64-bit mode");
}

static void bench_mov_from_cr8(void)
{
	report_skip("CR8 exists only in 64-bit mode");
}
#endif

/* Clear and set one control-register bit per operation; both values must read back. */
static void bench_toggle(const char *what, unsigned long (*rd)(void), void (*wr)(unsigned long),
			 unsigned long bit)
{
	unsigned long orig = rd();
	int i, ok = 0;
	u64 t0 = rdtsc();

	for (i = 0; i < iterations; i++) {
		wr(orig & ~bit);
		ok += !(rd() & bit);
		wr(orig | bit);
		ok += !!(rd() & bit);
	}
	report_cost(what, rdtsc() - t0);
	wr(orig);
	report(ok == 2 * iterations, "the bit reads back cleared and set each time (%d/%d)", ok,
	       2 * iterations);
}

static void bench_cr0_wp(void)
{
	bench_toggle("mov to cr0 toggling WP (pair)", read_cr0, write_cr0, X86_CR0_WP);
}

static void bench_cr4_pge(void)
{
	if (!(cpuid(1).d & (1U << 13))) {
		report_skip("CPUID.1:EDX[13] (PGE) is clear");
		return;
	}
	bench_toggle("mov to cr4 toggling PGE (pair)", read_cr4, write_cr4, X86_CR4_PGE);
}

static volatile int timer_fired;

static void timer_handler(struct ex_regs *regs)
{
	timer_fired++;
	apic_eoi();
}

/*
 * Arm the TSC-deadline timer @delta cycles ahead (0: already expired) and wait for its
 * interrupt; returns the TSC when the handler had run, 0 if it never came.
 */
static u64 deadline_round_trip(u64 delta)
{
	int before = timer_fired;
	u64 deadline = rdtsc() + delta;

	wrmsr(MSR_IA32_TSC_DEADLINE, delta ? deadline : 1);
	irq_enable();
	if (!wait_until(timer_fired != before, 100))
		return 0;
	irq_disable();
	return rdtsc() < deadline ? 1 : rdtsc();
}

static void bench_deadline(const char *what, u64 delta)
{
	int i, on_time = 0, fired = 0;
	u64 t0, end;

	if (!cpu_has_tsc_deadline()) {
		report_skip("%s: CPUID.1:ECX[24] (TSC-deadline) is clear", what);
		return;
	}
	handle_irq(TIMER_VECTOR, timer_handler);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_TSC_DEADLINE | TIMER_VECTOR);
	end = clock_ns() + TIME_BUDGET_MS * NSEC_PER_MSEC;
	t0 = rdtsc();
	for (i = 0; i < iterations && clock_ns() < end; i++) {
		u64 r = deadline_round_trip(delta);

		fired += r != 0;
		on_time += r > 1;
	}
	irq_disable();
	report_cost_n(what, rdtsc() - t0, i);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	report(i > 0 && fired == i, "every deadline interrupted once (%d/%d)", fired, i);
	report(on_time == fired, "none before its deadline (%d/%d)", on_time, fired);
}

static void bench_tscdeadline(void)
{
	bench_deadline("tsc deadline 1000 cycles ahead", 1000);
}

static void bench_tscdeadline_immed(void)
{
	bench_deadline("tsc deadline already expired", 0);
}

/*
 * Both CPUs take a spinlock in turn for a shared count (a PAUSE loop while waiting, which
 * pause-loop exiting intercepts): no increment may be lost.
 */
static struct spinlock rr_lock;
static volatile int rr_count, rr_turn, rr_stop;

static void rr_worker(void *arg)
{
	int me = (long)arg;

	while (!rr_stop) {
		spin_lock(&rr_lock);
		if (rr_turn == me) {
			rr_count++;
			rr_turn = !me;
		}
		spin_unlock(&rr_lock);
		cpu_relax();
	}
}

static void bench_ple_round_robin(void)
{
	u64 t0, end;
	int done;

	if (nr_cpus < 2) {
		report_skip("needs 2 CPUs (-smp 2)");
		return;
	}
	rr_count = rr_turn = rr_stop = 0;
	on_cpu_async(1, rr_worker, (void *)1L);
	end = clock_ns() + TIME_BUDGET_MS * NSEC_PER_MSEC;
	t0 = rdtsc();
	while (rr_count < iterations && clock_ns() < end) {
		spin_lock(&rr_lock);
		if (rr_turn == 0) {
			rr_count++;
			rr_turn = 1;
		}
		spin_unlock(&rr_lock);
		cpu_relax();
	}
	rr_stop = 1;
	wait_cpus_idle();
	done = rr_count;
	report_cost_n("lock hand-over between 2 CPUs", rdtsc() - t0, done);
	report(done > 1, "the lock went back and forth (%d hand-overs)", done);
	report(rr_turn == (done & 1), "turns alternated without a lost increment");
}

static int ipi_received;
static int ipi_receiver_stop;

static void ipi_handler(struct ex_regs *regs)
{
	atomic_inc_return(&ipi_received);
	apic_eoi();
}

static void ipi_receiver(void *unused)
{
	irq_enable();
	while (!atomic_read(&ipi_receiver_stop))
		cpu_relax();
	irq_disable();
}

/* Round trips: an IPI to cpu 1 running @receiver, and its handler's count. */
static void ipi_round_trips(const char *name, void (*receiver)(void *), bool halt)
{
	int i, delivered = 0;
	u32 dest;
	u64 t0, deadline;

	if (nr_cpus < 2) {
		report_skip("needs 2 CPUs (-smp 2)");
		return;
	}
	dest = cpu_apic_id(1);
	handle_irq(IPI_VECTOR, ipi_handler);
	atomic_set(&ipi_received, 0);
	atomic_set(&ipi_receiver_stop, 0);
	on_cpu_async(1, receiver, NULL);
	deadline = clock_ns() + TIME_BUDGET_MS * NSEC_PER_MSEC;
	t0 = rdtsc();
	for (i = 0; i < iterations && clock_ns() < deadline; i++) {
		apic_send_ipi(dest, IPI_VECTOR);
		if (!wait_until(atomic_read(&ipi_received) != i, TIME_BUDGET_MS))
			break;
		delivered += atomic_read(&ipi_received) == i + 1;
	}
	report_cost_n(name, rdtsc() - t0, i);
	atomic_set(&ipi_receiver_stop, 1);
	if (halt)
		apic_send_ipi(dest, IPI_VECTOR); /* out of its last HLT */
	wait_cpus_idle();
	report(i > 0 && delivered == i, "each IPI was taken once by cpu 1 (%d/%d)", delivered, i);
	/* With @halt the wake-up IPI is taken too, unless cpu 1 saw the stop flag first. */
	report(atomic_read(&ipi_received) == i ||
	       (halt && atomic_read(&ipi_received) == i + 1), "no extra deliveries");
}

static void bench_ipi(void)
{
	ipi_round_trips("IPI round trip", ipi_receiver, false);
}

/* The receiver halts between IPIs: each one is also a wake-up from HLT. */
static void ipi_halt_receiver(void *unused)
{
	while (!atomic_read(&ipi_receiver_stop))
		asm volatile("sti; hlt; cli" ::: "memory");
}

static void bench_ipi_halt(void)
{
	ipi_round_trips("IPI round trip to a halted CPU", ipi_halt_receiver, true);
}

/* argv: NAME [iterations] */
static void run_bench(int argc, char **argv, void (*bench)(void))
{
	if (argc > 1)
		iterations = MAX(1, (int)atol(argv[1]));
	report_prefix_push(argv[0]);
	bench();
	report_prefix_pop();
}

#define BENCH(name)                                              \
	static void test_##name(int argc, char **argv)           \
	{                                                        \
		run_bench(argc, argv, bench_##name);             \
	}

BENCH(cpuid)
BENCH(vmcall)
BENCH(inl_pmtimer)
BENCH(mov_to_cr8)
BENCH(mov_from_cr8)
BENCH(cr0_wp)
BENCH(cr4_pge)
BENCH(tscdeadline)
BENCH(tscdeadline_immed)
BENCH(ipi)
BENCH(ipi_halt)
BENCH(ple_round_robin)

static const struct subtest tests[] = {
	{ "cpuid", test_cpuid },
	{ "vmcall", test_vmcall },
	{ "inl_pmtimer", test_inl_pmtimer },
	{ "mov_to_cr8", test_mov_to_cr8 },
	{ "mov_from_cr8", test_mov_from_cr8 },
	{ "cr0_wp", test_cr0_wp },
	{ "cr4_pge", test_cr4_pge },
	{ "tscdeadline", test_tscdeadline },
	{ "tscdeadline_immed", test_tscdeadline_immed },
	{ "ipi", test_ipi },
	{ "ipi_halt", test_ipi_halt },
	{ "ple_round_robin", test_ple_round_robin },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, NULL, argc, argv);
}
