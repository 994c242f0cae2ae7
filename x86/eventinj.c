/*
 * Events at awkward moments (SDM vol. 3 6.7.1, 6.8.3, 6.15): an NMI sent from inside the NMI
 * handler waits for its IRET; an interrupt pending when STI runs is taken after the next
 * instruction, not before; an interrupt sent from an exception handler (IF clear) comes
 * after the handler's return; an IRET to an unmapped page faults at the target with that
 * CR2; an exception whose delivery faults on an unmapped stack becomes #DF (x86_64, where
 * #DF has its own IST stack).
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define IPI_VECTOR 0x50

static volatile int nmis, nmi_depth, max_nmi_depth, nmis_in_first = -1;
static volatile int irqs, irqs_in_ud_handler = -1;
static volatile unsigned long irq_ip;

static void send_nmi_to_self(void)
{
	apic_icr_write(APIC_DM_NMI | APIC_LEVEL_ASSERT, apic_id());
}

static void nmi_handler(struct ex_regs *regs)
{
	if (++nmi_depth > max_nmi_depth)
		max_nmi_depth = nmi_depth;
	if (++nmis == 1) {
		send_nmi_to_self(); /* blocked until this handler's IRET */
		mdelay(1);
		nmis_in_first = nmis;
	}
	nmi_depth--;
}

static void check_nmi(void)
{
	ex_handler_t old;

#ifndef __x86_64__
	if (kvm_module_is("kvm_pvm")) {
		/* i386 returns from NMI with IRET, which kvm_pvm cannot emulate in 32-bit code. */
		report_skip("NMI: not run on kvm_pvm (known: kvm-pvm-iret32)");
		return;
	}
#endif
	old = handle_exception(NMI_VECTOR, nmi_handler);

	send_nmi_to_self();
	wait_until(nmis >= 2, 500);
	handle_exception(NMI_VECTOR, old);
	report(nmis == 2, "an NMI sent from the NMI handler is delivered too (%d NMIs)", nmis);
	report(max_nmi_depth == 1 && nmis_in_first == 1,
	       "but only after the first handler's IRET (depth %d)", max_nmi_depth);
}

static void irq_handler(struct ex_regs *regs)
{
	irqs++;
	irq_ip = regs->ip;
	apic_eoi();
}

extern char sti_next[], sti_after_next[];

static void check_sti_shadow(void)
{
	irq_disable();
	irqs = 0;
	apic_send_ipi_self(IPI_VECTOR);
	report(wait_until(apic_irr_pending(IPI_VECTOR), 100), "the IPI is pending with IF clear");
	asm volatile("sti\nsti_next: nop\nsti_after_next: cli" ::: "memory");
	report(irqs == 1, "it is taken once interrupts are enabled");
	report(irq_ip == (unsigned long)sti_after_next,
	       "after the instruction following STI, not before it");
}

static void ud_handler(struct ex_regs *regs)
{
	apic_send_ipi_self(IPI_VECTOR); /* IF is clear in the handler */
	mdelay(1);
	irqs_in_ud_handler = irqs;
	regs->ip += 2;
}

static void check_interrupt_after_exception(void)
{
	ex_handler_t old = handle_exception(UD_VECTOR, ud_handler);

	irqs = 0;
	irq_enable();
	asm volatile("ud2" ::: "memory");
	wait_until(irqs >= 1, 100);
	irq_disable();
	handle_exception(UD_VECTOR, old);
	report(irqs_in_ud_handler == 0, "an IPI sent in the #UD handler waits while IF is clear");
	report(irqs == 1, "and is taken after the handler returned");
}

/* IRET to @target at CPL 0 (same-privilege frame; x86_64 always pushes SS:RSP). */
static void iret_to(void *target)
{
#ifdef __x86_64__
	asm volatile("mov %%rsp, %%rax\n\tpush %[ss]\n\tpush %%rax\n\tpushf\n\tpush %[cs]\n\t"
		     "push %[ip]\n\tiretq"
		     : : [ss] "i"(KERNEL_DS), [cs] "i"(KERNEL_CS), [ip] "r"(target) : "rax", "memory");
#else
	asm volatile("pushf\n\tpush %[cs]\n\tpush %[ip]\n\tiret"
		     : : [cs] "i"(KERNEL_CS), [ip] "r"(target) : "memory");
#endif
}

static void check_iret_fault(void)
{
	u8 *page = alloc_page();
	struct fault f;

	if (!vm_require_paging())
		return;
	vm_unmap_page(page);
	run_catching(iret_to, page + 0x10, &f);
	report(f.vector == PF_VECTOR && f.cr2 == (unsigned long)(page + 0x10) &&
	       f.ip == (unsigned long)(page + 0x10) && (f.error_code & PFERR_FETCH),
	       "IRET to an unmapped page: a fetch #PF at the target (vector %d, code %#x)",
	       f.vector, f.error_code);
	vm_map_page(page, (phys_addr_t)page, PT_WRITABLE);
}

#ifdef __x86_64__
static void ud_on_stack(void *stack_top)
{
	asm volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n\tud2\n\tmov %%rbx, %%rsp"
		     : : "r"(stack_top) : "rbx", "memory");
}

static void check_double_fault(void)
{
	u8 *stack = alloc_page();
	struct fault f;

	vm_unmap_page(stack);
	run_catching(ud_on_stack, stack + PAGE_SIZE, &f);
	report(f.vector == DF_VECTOR && f.error_code == 0,
	       "#UD with an unmapped stack: the #PF of its delivery becomes #DF(0) (vector %d)",
	       f.vector);
	vm_map_page(stack, (phys_addr_t)stack, PT_WRITABLE);
}
#endif

int main(void)
{
	handle_irq(IPI_VECTOR, irq_handler);
	check_nmi();
	check_sti_shadow();
	check_interrupt_after_exception();
	check_iret_fault();
#ifdef __x86_64__
	check_double_fault();
#endif
	return report_summary();
}
