/*
 * Suspend to RAM (ACPI 6.4 4.8.3.2, 16.1.3; PIIX4's PM1 registers): the guest arms an RTC
 * alarm as its wake event (PM1_EN.RTC_EN, RTC register B AIE), writes SLP_TYP = 1 (S3 on
 * QEMU's PIIX4) with SLP_EN, and stops; the alarm wakes the machine, which restarts through
 * the firmware: the test image boots again and finds its CMOS marker (CMOS RAM survives)
 * and the pattern it left in RAM (RAM is kept in S3).
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/pmtimer.h>
#include <x86/processor.h>

#define PM1_STS 0x00 /* offsets from the PM I/O base (the PM timer is at +8) */
#define PM1_EN 0x02
#define PM1_CNT 0x04
#define PM1_RTC_EN (1U << 10)
#define PM1_SLP_TYP(t) ((t) << 10)
#define PM1_SLP_EN (1U << 13)
#define QEMU_PIIX4_S3 1

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS_ALARM 0x05
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_B_AIE (1U << 5)
#define RTC_B_BINARY (1U << 2)
#define RTC_ALARM_ANY 0xc0 /* "don't care" in an alarm byte */
#define CMOS_MARKER_INDEX 0x3e /* free NVRAM byte */
#define MARKER 0x53

#define PATTERN_ADDR (64 * SZ_1M) /* RAM the boot leaves alone: the page allocator's pages */
#define PATTERN_WORDS 1024

static u8 cmos_read(u8 index)
{
	outb(index, CMOS_INDEX);
	return inb(CMOS_DATA);
}

static void cmos_write(u8 index, u8 val)
{
	outb(index, CMOS_INDEX);
	outb(val, CMOS_DATA);
}

static u32 pattern(int i)
{
	return 0x53330000u ^ (i * 0x9e3779b9u);
}

static u8 bcd_add(u8 bcd, int n)
{
	int v = (bcd >> 4) * 10 + (bcd & 0xf) + n;

	v %= 60;
	return (v / 10) << 4 | (v % 10);
}

/* First boot: leave traces, arm the alarm two seconds ahead, enter S3. */
static void suspend(u16 pm_base)
{
	volatile u32 *p = (u32 *)PATTERN_ADDR;
	u8 sec, b = cmos_read(RTC_REG_B);
	int i;

	for (i = 0; i < PATTERN_WORDS; i++)
		p[i] = pattern(i);
	cmos_write(CMOS_MARKER_INDEX, MARKER);
	sec = cmos_read(RTC_SECONDS);
	cmos_write(RTC_SECONDS_ALARM, b & RTC_B_BINARY ? (sec + 2) % 60 : bcd_add(sec, 2));
	cmos_write(RTC_MINUTES_ALARM, RTC_ALARM_ANY);
	cmos_write(RTC_HOURS_ALARM, RTC_ALARM_ANY);
	cmos_read(RTC_REG_C);
	cmos_write(RTC_REG_B, b | RTC_B_AIE);
	outw(0xffff, pm_base + PM1_STS);
	outw(PM1_RTC_EN, pm_base + PM1_EN);
	report_info("entering S3; the RTC alarm should wake the machine in about 2 s");
	outw(PM1_SLP_TYP(QEMU_PIIX4_S3) | PM1_SLP_EN, pm_base + PM1_CNT);
	mdelay(5000);
	cmos_write(CMOS_MARKER_INDEX, 0);
	report_fail("S3: the CPU was still running 5 s after SLP_EN");
}

static void resumed(void)
{
	volatile u32 *p = (u32 *)PATTERN_ADDR;
	int i, kept = 0;

	cmos_write(CMOS_MARKER_INDEX, 0);
	cmos_write(RTC_REG_B, cmos_read(RTC_REG_B) & ~RTC_B_AIE);
	for (i = 0; i < PATTERN_WORDS; i++)
		kept += p[i] == pattern(i);
	report_pass("S3: the RTC alarm woke the machine and the firmware started the test again");
	report(kept == PATTERN_WORDS, "RAM kept its contents across S3 (%d of %d words)", kept,
	       PATTERN_WORDS);
}

int main(void)
{
	u16 timer = pm_timer_port();

	if (!timer) {
		report_skip("s3: no PIIX4 power-management function (needs -machine pc)");
		return report_summary();
	}
	if (cmos_read(CMOS_MARKER_INDEX) == MARKER)
		resumed();
	else
		suspend(timer - 8);
	return report_summary();
}
