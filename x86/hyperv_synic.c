/*
 * Hyper-V's synthetic interrupt controller (TLFS, "Synthetic Interrupt Controller (SynIC)")
 * as KVM offers it with -cpu ...,hv-vpindex,hv-synic, driven from the host side by QEMU's
 * -device hyperv-testdev. On every vCPU: SVERSION reads 1; the 16 SINTx registers start
 * masked, hold a vector and AutoEOI, and refuse an unmasked vector below 16 with #GP;
 * SCONTROL, SIMP and SIEFP read back what was written, and enabling SIMP or SIEFP zeroes
 * the page; VP indices are distinct and below the vCPU count. A SINT the host asserts for
 * a VP index interrupts that vCPU, once, with the SINT's vector; an AutoEOI SINT is not in
 * service in its handler, any other is until its EOI; a masked SINT interrupts nobody.
 * Without the Hyper-V CPUID leaves (TCG) the test SKIPs naming them. The testdev cannot be
 * detected: without it no SINT arrives and the delivery claims FAIL.
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/hyperv.h>
#include <x86/processor.h>

#define SINT_VECTOR_BASE 0x80 /* SINT s interrupts with vector 0x80 + s */
#define MASKED_SINT 5

struct vcpu {
	struct hv_synic synic;
	u32 vp_index;
	volatile int hits[HV_SINT_COUNT];
	volatile bool in_service[HV_SINT_COUNT]; /* ISR bit of the vector in the last handler */
};

static struct vcpu vcpus[MAX_CPUS];

static bool sint_auto_eoi(int sint)
{
	return sint & 1;
}

static void sint_handler(struct ex_regs *regs)
{
	struct vcpu *v = &vcpus[smp_processor_id()];
	int sint = regs->vector - SINT_VECTOR_BASE;

	v->in_service[sint] = apic_isr_in_service(regs->vector);
	v->hits[sint]++;
	if (!sint_auto_eoi(sint))
		apic_eoi();
}

static bool page_is_zero(const void *page)
{
	const u64 *q = page;
	int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*q); i++)
		if (READ_ONCE(q[i]))
			return false;
	return true;
}

static void check_sint_registers(void)
{
	int i, masked = 0, kept = 0;
	u64 val, want;

	for (i = 0; i < HV_SINT_COUNT; i++)
		masked += !!(rdmsr(HV_X64_MSR_SINT(i)) & HV_SINT_MASKED);
	report(masked == HV_SINT_COUNT, "all %d SINTx start masked (%d are)", HV_SINT_COUNT,
	       masked);
	for (i = 0; i < HV_SINT_COUNT; i++) {
		want = (SINT_VECTOR_BASE + i) | (sint_auto_eoi(i) ? HV_SINT_AUTO_EOI : 0);
		wrmsr(HV_X64_MSR_SINT(i), want);
		val = rdmsr(HV_X64_MSR_SINT(i));
		kept += val == want;
		hv_sint_mask(i);
	}
	report(kept == HV_SINT_COUNT, "SINTx hold their vector and AutoEOI (%d of %d)", kept,
	       HV_SINT_COUNT);
	report(wrmsr_safe(HV_X64_MSR_SINT(0), HV_SINT_FIRST_VALID_VECTOR - 1) == GP_VECTOR,
	       "an unmasked SINT with vector %d: #GP", HV_SINT_FIRST_VALID_VECTOR - 1);
	hv_sint_mask(0);
}

static void check_synic_pages(struct vcpu *v)
{
	unsigned long simp = (unsigned long)v->synic.simp, siefp = (unsigned long)v->synic.siefp;

	memset(v->synic.simp, 0xa5, PAGE_SIZE);
	memset(v->synic.siefp, 0x5a, PAGE_SIZE);
	hv_synic_enable(&v->synic);
	report(rdmsr(HV_X64_MSR_SCONTROL) == HV_SYNIC_ENABLE, "SCONTROL reads back enabled");
	report(rdmsr(HV_X64_MSR_SIMP) == (simp | HV_SYNIC_ENABLE) &&
	       rdmsr(HV_X64_MSR_SIEFP) == (siefp | HV_SYNIC_ENABLE),
	       "SIMP and SIEFP read back their page and enable bit (%#lx, %#lx)", simp, siefp);
	report(page_is_zero(v->synic.simp) && page_is_zero(v->synic.siefp),
	       "enabling SIMP and SIEFP gives zeroed message and event-flag pages");
}

static void check_registers(void *arg)
{
	struct vcpu *v = arg;

	report_prefix_pushf("cpu %d", smp_processor_id());
	report(rdmsr(HV_X64_MSR_SVERSION) == HV_SYNIC_VERSION, "SVERSION reads %d",
	       HV_SYNIC_VERSION);
	v->vp_index = rdmsr(HV_X64_MSR_VP_INDEX);
	check_sint_registers();
	check_synic_pages(v);
	report_prefix_pop();
}

static void check_vp_indices(void)
{
	bool ok = true;
	int i, j;

	for (i = 0; i < nr_cpus; i++) {
		ok &= vcpus[i].vp_index < nr_cpus;
		for (j = 0; j < i; j++)
			ok &= vcpus[i].vp_index != vcpus[j].vp_index;
	}
	report(ok, "VP indices are distinct and below the vCPU count (%d)", nr_cpus);
}

static void unmask_sints(void *arg)
{
	int i;

	for (i = 0; i < HV_SINT_COUNT; i++)
		hv_sint_set(i, SINT_VECTOR_BASE + i, sint_auto_eoi(i));
}

static void mask_sint(void *arg)
{
	hv_sint_mask(*(int *)arg);
}

/* Interrupts are on while waiting, so a SINT for this CPU is taken here. */
static bool wait_for_hits(volatile int *hits, int want, unsigned int ms)
{
	return wait_until_irqs_on(READ_ONCE(*hits) >= want, ms);
}

static int hits_elsewhere(int cpu)
{
	int c, s, n = 0;

	for (c = 0; c < nr_cpus; c++)
		for (s = 0; s < HV_SINT_COUNT && c != cpu; s++)
			n += vcpus[c].hits[s];
	return n;
}

static void clear_hits(void)
{
	int c, s;

	for (c = 0; c < nr_cpus; c++)
		for (s = 0; s < HV_SINT_COUNT; s++)
			vcpus[c].hits[s] = 0;
}

static void check_delivery(int cpu)
{
	struct vcpu *v = &vcpus[cpu];
	int s, once = 0, isr_ok = 0, masked = MASKED_SINT;

	report_prefix_pushf("cpu %d (VP %u)", cpu, v->vp_index);
	clear_hits();
	on_cpu(cpu, unmask_sints, NULL);
	for (s = 0; s < HV_SINT_COUNT; s++) {
		hv_testdev(HV_TESTDEV_SINT_ROUTE_CREATE, v->vp_index, s, 0);
		hv_testdev(HV_TESTDEV_SINT_ROUTE_SET_SINT, v->vp_index, s, 0);
		wait_for_hits(&v->hits[s], 1, 1000);
		wait_for_hits(&v->hits[s], 2, 10); /* room for a second, wrong, interrupt */
		once += v->hits[s] == 1;
		isr_ok += v->hits[s] && v->in_service[s] == !sint_auto_eoi(s);
	}
	report(once == HV_SINT_COUNT, "each of the %d SINTs interrupted once with its vector"
	       " (%d did)", HV_SINT_COUNT, once);
	report(isr_ok == HV_SINT_COUNT,
	       "AutoEOI SINTs were not in service in their handler, the others were (%d of %d)",
	       isr_ok, HV_SINT_COUNT);
	report(hits_elsewhere(cpu) == 0, "no other vCPU was interrupted");

	on_cpu(cpu, mask_sint, &masked);
	v->hits[masked] = 0;
	hv_testdev(HV_TESTDEV_SINT_ROUTE_SET_SINT, v->vp_index, masked, 0);
	report(!wait_for_hits(&v->hits[masked], 1, 1000), "masked SINT %d interrupted nobody",
	       masked);

	for (s = 0; s < HV_SINT_COUNT; s++)
		hv_testdev(HV_TESTDEV_SINT_ROUTE_DESTROY, v->vp_index, s, 0);
	report_prefix_pop();
}

static void disable_synic(void *arg)
{
	hv_synic_disable();
}

int main(void)
{
	static const struct hv_feature needs[] = { HV_FEAT_SYNIC, HV_FEAT_VP_INDEX };
	int cpu, s;

	hv_require("hyperv_synic", needs, ARRAY_SIZE(needs),
		   "KVM with -cpu ...,hv-vpindex,hv-synic");
	for (s = 0; s < HV_SINT_COUNT; s++)
		handle_irq(SINT_VECTOR_BASE + s, sint_handler);
	report_prefix_push("hyperv_synic");
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		vcpus[cpu].synic.simp = alloc_page();
		vcpus[cpu].synic.siefp = alloc_page();
		on_cpu(cpu, check_registers, &vcpus[cpu]);
	}
	check_vp_indices();
	for (cpu = 0; cpu < nr_cpus; cpu++)
		check_delivery(cpu);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		on_cpu(cpu, disable_synic, NULL);
	report_prefix_pop();
	return report_summary();
}
