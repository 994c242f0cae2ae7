/*
 * Local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode, behind one interface.
 * Register offsets are the xAPIC ones (SDM Vol. 3A, Table 11-1); in x2APIC
 * mode the same register is MSR 0x800 + offset / 16 (SDM Vol. 3A, 11.12.1.2).
 * The mode is per CPU: each CPU remembers its own.
 */
#ifndef LIB_X86_APIC_H
#define LIB_X86_APIC_H

#include <libcflat.h>
#include <x86/processor.h>

#define APIC_DEFAULT_PHYS_BASE 0xfee00000UL
#define APICBASE_BSP BIT(8)
#define APICBASE_EXTD BIT(10)
#define APICBASE_ENABLE BIT(11)
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define X2APIC_MSR_BASE 0x800

#define APIC_ID 0x20
#define APIC_LVR 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310 /* xAPIC only: destination in bits 31:24 */
#define APIC_LVTT 0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC 0x340
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_SVR_ENABLE BIT(8)
#define APIC_SPURIOUS_VECTOR 0xff

/* Interrupt command register, low half (SDM Vol. 3A, Figure 11-12). */
#define APIC_DM_FIXED (0 << 8)
#define APIC_DM_NMI (4 << 8)
#define APIC_DM_INIT (5 << 8)
#define APIC_DM_STARTUP (6 << 8)
#define APIC_DEST_LOGICAL BIT(11)
#define APIC_ICR_BUSY BIT(12)
#define APIC_LEVEL_ASSERT BIT(14)
#define APIC_TRIGGER_LEVEL BIT(15)
#define APIC_DEST_SELF (1 << 18)
#define APIC_DEST_ALL (2 << 18)
#define APIC_DEST_ALL_BUT_SELF (3 << 18)

/* Local vector table entries (SDM Vol. 3A, Figure 11-8). */
#define APIC_LVT_MASKED BIT(16)
#define APIC_LVT_TIMER_ONESHOT (0 << 17)
#define APIC_LVT_TIMER_PERIODIC (1 << 17)
#define APIC_LVT_TIMER_TSC_DEADLINE (2 << 17)
#define APIC_LVT_TIMER_MODE_MASK (3 << 17)

bool cpu_has_x2apic(void);
bool cpu_has_tsc_deadline(void);

u32 apic_read(unsigned int reg);
void apic_write(unsigned int reg, u32 val);
bool apic_is_x2apic(void);
/* Hardware-enable the APIC in xAPIC mode and software-enable it (SVR). */
void enable_apic(void);
/* Switch this CPU to x2APIC mode; false (nothing changed) without CPUID.1:ECX[21]. */
bool enable_x2apic(void);
/* Back from x2APIC to xAPIC mode, through the disabled state (SDM Vol. 3A, 11.12.5). */
void reset_apic_to_xapic(void);
u32 apic_id(void);
/* The initial APIC ID CPUID reports: leaf 0Bh's 32-bit x2APIC ID where it exists. */
u32 cpuid_apic_id(void);
void apic_eoi(void);

void apic_icr_write(u32 low, u32 dest);
void apic_send_ipi(u32 dest_apic_id, u8 vector);
void apic_send_ipi_allbutself(u8 vector);
void apic_send_ipi_self(u8 vector);
void apic_send_init_allbutself(void);
void apic_send_sipi_allbutself(phys_addr_t start);
bool apic_irr_pending(u8 vector);
bool apic_isr_in_service(u8 vector);

/* @divisor is 1, 2, 4 ... 128 (SDM Vol. 3A, Figure 11-10). */
void apic_timer_set_divide(unsigned int divisor);
void apic_timer_oneshot(u8 vector, u32 count);
void apic_timer_periodic(u8 vector, u32 count);
/* Arm the TSC-deadline timer; false when the CPU has no TSC-deadline mode. */
bool apic_timer_tsc_deadline(u8 vector, u64 deadline);
void apic_timer_stop(void);
u32 apic_timer_current(void);
void apic_lvt_mask(unsigned int lvt_reg, bool masked);

/*
 * irq_enable()/irq_disable() are in processor.h. safe_halt() is sti;hlt: STI's
 * one-instruction interrupt shadow (SDM Vol. 2B, STI) keeps an interrupt that is
 * already pending from being taken before the HLT, so HLT cannot miss it.
 */
void safe_halt(void);

#endif
