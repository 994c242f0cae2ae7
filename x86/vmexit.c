/*
 * Cost of operations a hypervisor intercepts, in TSC cycles per operation.
 * Usage: vmexit.flat cpuid|vmcall|inl_pmtimer|mov_to_cr8|ipi [iterations]
 * Each benchmark also checks that every operation gave its architected result, so a
 * fast but wrong exit path fails.
 */
#include "libcflat.h"
#include "apic.h"
#include "desc.h"
#include "processor.h"
#include "x86/smp.h"
#include <x86/pmtimer.h>

#define DEFAULT_ITERATIONS 2000
#define IPI_VECTOR 0x40
#define KVM_ENOSYS 1000 /* KVM's hypercall ABI: an unknown number returns -KVM_ENOSYS */
#define UNKNOWN_HYPERCALL 0x7fff


static int iterations = DEFAULT_ITERATIONS;

static void report_cost(const char *what, u64 cycles)
{
	report_info("%s: %llu cycles per operation (%d operations)", what,
		    (unsigned long long)(cycles / iterations), iterations);
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

/* The "KVMKVMKVM" signature at CPUID 0x40000000 (KVM's documented CPUID interface). */
static bool kvm_hypervisor(void)
{
	struct cpuid c;

	if (!(cpuid(1).c & CPUID_1_ECX_HYPERVISOR))
		return false;
	c = cpuid(0x40000000);
	return c.b == 0x4b4d564b && c.c == 0x564b4d56 && c.d == 0x4d;
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
	bool kvm = kvm_hypervisor();
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
#else
static void bench_mov_to_cr8(void)
{
	report_skip("CR8 exists only in 64-bit mode");
}
#endif

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

/* Round trips: an IPI to a CPU spinning with interrupts on, and its handler's count. */
static void bench_ipi(void)
{
	int i, delivered = 0;
	u32 dest;
	u64 t0;

	if (nr_cpus < 2) {
		report_skip("needs 2 CPUs (-smp 2)");
		return;
	}
	dest = cpu_apic_id(1);
	handle_irq(IPI_VECTOR, ipi_handler);
	on_cpu_async(1, ipi_receiver, NULL);
	t0 = rdtsc();
	for (i = 0; i < iterations; i++) {
		apic_send_ipi(dest, IPI_VECTOR);
		while (atomic_read(&ipi_received) == i)
			cpu_relax();
		delivered += atomic_read(&ipi_received) == i + 1;
	}
	report_cost("IPI round trip", rdtsc() - t0);
	atomic_set(&ipi_receiver_stop, 1);
	wait_cpus_idle();
	report(delivered == iterations, "each IPI was taken once by cpu 1 (%d/%d)", delivered,
	       iterations);
	report(atomic_read(&ipi_received) == iterations, "no extra deliveries");
}

static const struct {
	const char *name;
	void (*run)(void);
} benches[] = {
	{ "cpuid", bench_cpuid },
	{ "vmcall", bench_vmcall },
	{ "inl_pmtimer", bench_inl_pmtimer },
	{ "mov_to_cr8", bench_mov_to_cr8 },
	{ "ipi", bench_ipi },
};

int main(int argc, char **argv, char **envp)
{
	size_t i;

	if (argc > 2)
		iterations = MAX(1, (int)atol(argv[2]));
	for (i = 0; i < ARRAY_SIZE(benches); i++) {
		if (argc > 1 && strcmp(argv[1], benches[i].name))
			continue;
		report_prefix_push(benches[i].name);
		benches[i].run();
		report_prefix_pop();
	}
	return report_summary();
}
