/* Local APIC driver: xAPIC through MMIO, x2APIC through MSRs, chosen per CPU. */
#include <libcflat.h>
#include <x86/apic.h>
#include <x86/processor.h>

static volatile u32 *const xapic_page = (volatile u32 *)APIC_DEFAULT_PHYS_BASE;
static bool x2apic_mode[MAX_CPUS];

bool cpu_has_x2apic(void)
{
	return cpuid(1).c & BIT(21);
}

bool cpu_has_tsc_deadline(void)
{
	return cpuid(1).c & BIT(24);
}

bool apic_is_x2apic(void)
{
	return x2apic_mode[smp_processor_id()];
}

static u32 x2apic_msr(unsigned int reg)
{
	return X2APIC_MSR_BASE + reg / 16;
}

u32 apic_read(unsigned int reg)
{
	if (apic_is_x2apic())
		return rdmsr(x2apic_msr(reg));
	return xapic_page[reg / 4];
}

void apic_write(unsigned int reg, u32 val)
{
	if (apic_is_x2apic())
		wrmsr(x2apic_msr(reg), val);
	else
		xapic_page[reg / 4] = val;
}

static void software_enable(void)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_TPR, 0);
}

void enable_apic(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (base & APICBASE_EXTD)
		reset_apic_to_xapic();
	else if (!(base & APICBASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APICBASE_ENABLE);
	x2apic_mode[smp_processor_id()] = false;
	software_enable();
}

bool enable_x2apic(void)
{
	u64 base;

	if (!cpu_has_x2apic())
		return false;
	base = rdmsr(MSR_IA32_APIC_BASE);
	wrmsr(MSR_IA32_APIC_BASE, base | APICBASE_ENABLE | APICBASE_EXTD);
	x2apic_mode[smp_processor_id()] = true;
	software_enable();
	return true;
}

/*
 * x2APIC -> xAPIC directly is an invalid transition that #GPs; the APIC must be
 * disabled first, which resets it (SDM Vol. 3A, 11.12.5, Figure 11-27).
 */
void reset_apic_to_xapic(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE) & ~(APICBASE_ENABLE | APICBASE_EXTD);

	wrmsr(MSR_IA32_APIC_BASE, base);
	wrmsr(MSR_IA32_APIC_BASE, base | APICBASE_ENABLE);
	x2apic_mode[smp_processor_id()] = false;
	software_enable();
}

/* xAPIC keeps the 8-bit ID in bits 31:24, x2APIC the whole register (SDM 11.4.6, 11.12.5.1). */
u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return apic_is_x2apic() ? id : id >> 24;
}

u32 cpuid_apic_id(void)
{
	if (cpuid(0).a >= 0xb && cpuid_indexed(0xb, 0).b != 0)
		return cpuid_indexed(0xb, 0).d;
	return cpuid(1).b >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_icr_write(u32 low, u32 dest)
{
	if (apic_is_x2apic()) {
		wrmsr(x2apic_msr(APIC_ICR), (u64)dest << 32 | low);
		return;
	}
	/* The write to the low half sends the IPI, so the destination goes first. */
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, low);
	while (apic_read(APIC_ICR) & APIC_ICR_BUSY)
		cpu_relax();
}

void apic_send_ipi(u32 dest_apic_id, u8 vector)
{
	apic_icr_write(APIC_DM_FIXED | APIC_LEVEL_ASSERT | vector, dest_apic_id);
}

void apic_send_ipi_allbutself(u8 vector)
{
	apic_icr_write(APIC_DEST_ALL_BUT_SELF | APIC_DM_FIXED | APIC_LEVEL_ASSERT | vector, 0);
}

void apic_send_ipi_self(u8 vector)
{
	if (apic_is_x2apic())
		apic_write(APIC_SELF_IPI, vector);
	else
		apic_icr_write(APIC_DEST_SELF | APIC_DM_FIXED | APIC_LEVEL_ASSERT | vector, 0);
}

void apic_send_init_allbutself(void)
{
	apic_icr_write(APIC_DEST_ALL_BUT_SELF | APIC_DM_INIT | APIC_LEVEL_ASSERT, 0);
}

/* The SIPI vector is the 4 KiB page number of the real-mode start (SDM Vol. 3A, 9.4.4.1). */
void apic_send_sipi_allbutself(phys_addr_t start)
{
	assert(IS_ALIGNED(start, PAGE_SIZE) && start < SZ_1M);
	apic_icr_write(APIC_DEST_ALL_BUT_SELF | APIC_DM_STARTUP | APIC_LEVEL_ASSERT |
			       (u32)(start >> PAGE_SHIFT),
		       0);
}

/* IRR, ISR and TMR are 8 registers of 32 bits, 16 bytes apart (SDM Vol. 3A, 11.8.4). */
static bool vector_bit(unsigned int bank, u8 vector)
{
	return apic_read(bank + (vector / 32) * 16) & BIT(vector % 32);
}

bool apic_irr_pending(u8 vector)
{
	return vector_bit(APIC_IRR, vector);
}

bool apic_isr_in_service(u8 vector)
{
	return vector_bit(APIC_ISR, vector);
}

/* Divide configuration: bits 3,1:0 encode 2^(n+1), 1011b is divide by 1 (SDM Figure 11-10). */
void apic_timer_set_divide(unsigned int divisor)
{
	unsigned int log2 = __builtin_ctz(divisor), code;

	assert(divisor && !(divisor & (divisor - 1)) && divisor <= 128);
	code = (log2 + 7) % 8;
	apic_write(APIC_TDCR, (code & 3) | (code & 4) << 1);
}

static void timer_arm(u32 lvt, u32 count)
{
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, lvt);
	apic_write(APIC_TMICT, count);
}

void apic_timer_oneshot(u8 vector, u32 count)
{
	timer_arm(APIC_LVT_TIMER_ONESHOT | vector, count);
}

void apic_timer_periodic(u8 vector, u32 count)
{
	timer_arm(APIC_LVT_TIMER_PERIODIC | vector, count);
}

/*
 * The LVT mode must be TSC-deadline before the MSR write counts: a write in
 * another mode is ignored (SDM Vol. 3A, 11.5.4.1).
 */
bool apic_timer_tsc_deadline(u8 vector, u64 deadline)
{
	if (!cpu_has_tsc_deadline())
		return false;
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_TSC_DEADLINE | vector);
	/* The LVT write and the MSR write are not ordered against each other (SDM 11.5.4.1). */
	asm volatile("mfence" ::: "memory");
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	return true;
}

void apic_timer_stop(void)
{
	u32 lvt = apic_read(APIC_LVTT);

	if ((lvt & APIC_LVT_TIMER_MODE_MASK) == APIC_LVT_TIMER_TSC_DEADLINE)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, lvt | APIC_LVT_MASKED);
}

u32 apic_timer_current(void)
{
	return apic_read(APIC_TMCCT);
}

void apic_lvt_mask(unsigned int lvt_reg, bool masked)
{
	u32 lvt = apic_read(lvt_reg);

	apic_write(lvt_reg, masked ? lvt | APIC_LVT_MASKED : lvt & ~APIC_LVT_MASKED);
}

void safe_halt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}
