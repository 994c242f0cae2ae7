/* I/O APIC register access through IOREGSEL/IOWIN, and pc-testdev's ISA lines. */
#include <libcflat.h>
#include <x86/ioapic.h>
#include <x86/processor.h>

#define IOREGSEL 0x00
#define IOWIN 0x10

u32 ioapic_read(unsigned int reg)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	return *(volatile u32 *)(IOAPIC_BASE + IOWIN);
}

void ioapic_write(unsigned int reg, u32 val)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	*(volatile u32 *)(IOAPIC_BASE + IOWIN) = val;
}

void ioapic_route(unsigned int pin, u8 vector, u32 apic_id, u32 flags)
{
	ioapic_write(IOAPIC_REDTBL(pin), IOAPIC_MASKED);
	ioapic_write(IOAPIC_REDTBL(pin) + 1, apic_id << 24);
	ioapic_write(IOAPIC_REDTBL(pin), vector | flags);
}

u32 ioapic_entry_low(unsigned int pin)
{
	return ioapic_read(IOAPIC_REDTBL(pin));
}

unsigned int ioapic_max_entry(void)
{
	return (ioapic_read(IOAPIC_REG_VERSION) >> 16) & 0xff;
}

void testdev_set_irq(unsigned int line, bool level)
{
	outb(level, TESTDEV_IRQ_PORT + line);
}

void mask_pic(void)
{
	outb(0xff, 0x21);
	outb(0xff, 0xa1);
}
