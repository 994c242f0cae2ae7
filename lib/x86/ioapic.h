/*
 * The I/O APIC at its default address (82093AA datasheet; QEMU's ioapic and KVM's
 * in-kernel one), and the pc-testdev ISA device's interrupt lines that drive its pins.
 */
#ifndef X86_IOAPIC_H
#define X86_IOAPIC_H

#include <libcflat.h>

#define IOAPIC_BASE 0xfec00000UL
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))

/* Redirection table entry, low word. */
#define IOAPIC_DELIVERY_STATUS (1U << 12)
#define IOAPIC_ACTIVE_LOW (1U << 13)
#define IOAPIC_REMOTE_IRR (1U << 14)
#define IOAPIC_LEVEL (1U << 15)
#define IOAPIC_MASKED (1U << 16)

u32 ioapic_read(unsigned int reg);
void ioapic_write(unsigned int reg, u32 val);
/* Route @pin to @vector on the CPU with @apic_id, fixed delivery, physical destination. */
void ioapic_route(unsigned int pin, u8 vector, u32 apic_id, u32 flags);
u32 ioapic_entry_low(unsigned int pin);
unsigned int ioapic_max_entry(void);

/* pc-testdev (-device pc-testdev): one I/O port per ISA interrupt line, at 0x2000 + line. */
#define TESTDEV_IRQ_PORT 0x2000
void testdev_set_irq(unsigned int line, bool level);
/* Mask both 8259s, so ISA lines reach the CPU only through the I/O APIC. */
void mask_pic(void);

#endif
