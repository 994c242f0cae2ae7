/*
 * The I/O APIC (82093AA datasheet 3.2.4), with pc-testdev driving ISA lines 10 and 11: an
 * edge-triggered pin interrupts once per rising edge; a level-triggered pin sets Remote
 * IRR until the EOI and interrupts again after the EOI while the line stays asserted; a
 * masked level pin interrupts when unmasked; a pin routed to another CPU interrupts there.
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/ioapic.h>
#include <x86/processor.h>
#include <x86/smp.h>

#define EDGE_PIN 10
#define LEVEL_PIN 11
#define VECTOR 0x60
#define WAIT_MS 500

static volatile int count, last_cpu = -1;
static volatile u32 remote_irr_in_handler;
static volatile bool lower_in_handler;

static void handler(struct ex_regs *regs)
{
	count++;
	last_cpu = smp_processor_id();
	remote_irr_in_handler = ioapic_entry_low(LEVEL_PIN) & IOAPIC_REMOTE_IRR;
	if (lower_in_handler)
		testdev_set_irq(LEVEL_PIN, 0);
	apic_eoi();
}

/* Let pending interrupts in for a moment; the count after it. */
static int settle(int want)
{
	irq_enable();
	wait_until(count >= want, WAIT_MS);
	mdelay(10); /* a duplicate would arrive within this */
	irq_disable();
	return count;
}

static void check_registers(void)
{
	unsigned int max = ioapic_max_entry();

	report(max >= 23, "version register: %u redirection entries (at least 24)", max + 1);
	ioapic_write(IOAPIC_REDTBL(EDGE_PIN), IOAPIC_MASKED | 0x42);
	report((ioapic_entry_low(EDGE_PIN) & 0x100ff) == (IOAPIC_MASKED | 0x42),
	       "a redirection entry reads back");
}

static void check_edge(void)
{
	int n;

	report_prefix_push("edge");
	count = 0;
	testdev_set_irq(EDGE_PIN, 0);
	ioapic_route(EDGE_PIN, VECTOR, apic_id(), 0);
	testdev_set_irq(EDGE_PIN, 1);
	n = settle(1);
	report(n == 1, "a rising edge interrupts once (%d)", n);
	testdev_set_irq(EDGE_PIN, 1);
	n = settle(1);
	report_kfail(accel_is("tcg"), "tcg-ioapic-reassert: QEMU 7.2 takes a repeated assertion "
		     "of a high line as an edge", n == 1,
		     "asserting the already high line again is no edge (%d)", n);
	testdev_set_irq(EDGE_PIN, 0);
	testdev_set_irq(EDGE_PIN, 1);
	report(settle(n + 1) == n + 1, "the next rising edge interrupts once more");
	testdev_set_irq(EDGE_PIN, 0);
	ioapic_write(IOAPIC_REDTBL(EDGE_PIN), IOAPIC_MASKED);
	report_prefix_pop();
}

static void check_level(void)
{
	report_prefix_push("level");
	count = 0;
	lower_in_handler = true;
	testdev_set_irq(LEVEL_PIN, 0);
	ioapic_route(LEVEL_PIN, VECTOR, apic_id(), IOAPIC_LEVEL);
	testdev_set_irq(LEVEL_PIN, 1);
	report(settle(1) == 1, "an asserted line interrupts once when lowered before EOI");
	report(remote_irr_in_handler, "Remote IRR is set while the interrupt is in service");
	report(!(ioapic_entry_low(LEVEL_PIN) & IOAPIC_REMOTE_IRR), "the EOI cleared Remote IRR");

	count = 0;
	lower_in_handler = false;
	testdev_set_irq(LEVEL_PIN, 1);
	irq_enable();
	wait_until(count >= 3, WAIT_MS);
	irq_disable();
	testdev_set_irq(LEVEL_PIN, 0);
	report(count >= 3, "a line still asserted at EOI interrupts again (%d times)", count);
	settle(0);

	count = 0;
	lower_in_handler = true;
	ioapic_write(IOAPIC_REDTBL(LEVEL_PIN), IOAPIC_MASKED | IOAPIC_LEVEL | VECTOR);
	testdev_set_irq(LEVEL_PIN, 1);
	report(settle(0) == 0, "masked: an asserted line does not interrupt");
	ioapic_write(IOAPIC_REDTBL(LEVEL_PIN), IOAPIC_LEVEL | VECTOR);
	report(settle(1) == 1, "unmasked while asserted: it interrupts");
	testdev_set_irq(LEVEL_PIN, 0);
	ioapic_write(IOAPIC_REDTBL(LEVEL_PIN), IOAPIC_MASKED);
	report_prefix_pop();
}

static volatile bool other_cpu_stop;

static void accept_interrupts(void *arg)
{
	irq_enable();
	while (!other_cpu_stop)
		cpu_relax();
	irq_disable();
}

static void check_other_cpu(void)
{
	if (nr_cpus < 2) {
		report_skip("routing to another CPU needs 2 CPUs");
		return;
	}
	count = 0;
	other_cpu_stop = false;
	on_cpu_async(1, accept_interrupts, NULL);
	testdev_set_irq(EDGE_PIN, 0);
	ioapic_route(EDGE_PIN, VECTOR, cpu_apic_id(1), 0);
	testdev_set_irq(EDGE_PIN, 1);
	wait_until(count >= 1, WAIT_MS);
	other_cpu_stop = true;
	wait_cpus_idle();
	report(count == 1 && last_cpu == 1, "an edge routed to cpu 1 interrupts there (cpu %d)",
	       last_cpu);
	testdev_set_irq(EDGE_PIN, 0);
	ioapic_write(IOAPIC_REDTBL(EDGE_PIN), IOAPIC_MASKED);
}

int main(void)
{
	mask_pic();
	handle_irq(VECTOR, handler);
	check_registers();
	check_edge();
	check_level();
	check_other_cpu();
	return report_summary();
}
