/*
 * The generic timer's EL1 virtual and physical timers (Arm ARM D11.2): the condition
 * (ISTATUS) against the compare value, IMASK, and the PPI through the GIC: a masked
 * timer does not interrupt, an unmasked one does, near its deadline.
 */
#include <libcflat.h>
#include <clock.h>
#include <arm64/gic.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>
#include <arm64/timer.h>

#define DEADLINE_MS 20
#define MAX_LATENCY_MS 200 /* generous: TCG on a shared host */
#define QUIET_MS 20

struct timer {
	const char *name;
	int ppi;
	u64 (*read_counter)(void);
	u64 (*read_ctl)(void);
	void (*write_ctl)(u64);
	void (*write_cval)(u64);
	u64 (*read_cval)(void);
	void (*write_tval)(s32);
	s32 (*read_tval)(void);
};

static u64 vcount(void) { isb(); return read_sysreg(cntvct_el0); }
static u64 vctl(void) { return read_sysreg(cntv_ctl_el0); }
static void set_vctl(u64 v) { write_sysreg(v, cntv_ctl_el0); isb(); }
static void set_vcval(u64 v) { write_sysreg(v, cntv_cval_el0); isb(); }
static u64 vcval(void) { return read_sysreg(cntv_cval_el0); }
static void set_vtval(s32 v) { write_sysreg((u64)(s64)v, cntv_tval_el0); isb(); }
static s32 vtval(void) { return (s32)read_sysreg(cntv_tval_el0); }

static u64 pcount(void) { isb(); return read_sysreg(cntpct_el0); }
static u64 pctl(void) { return read_sysreg(cntp_ctl_el0); }
static void set_pctl(u64 v) { write_sysreg(v, cntp_ctl_el0); isb(); }
static void set_pcval(u64 v) { write_sysreg(v, cntp_cval_el0); isb(); }
static u64 pcval(void) { return read_sysreg(cntp_cval_el0); }
static void set_ptval(s32 v) { write_sysreg((u64)(s64)v, cntp_tval_el0); isb(); }
static s32 ptval(void) { return (s32)read_sysreg(cntp_tval_el0); }

static struct timer vtimer = {
	"vtimer", 0, vcount, vctl, set_vctl, set_vcval, vcval, set_vtval, vtval,
};
static struct timer ptimer = {
	"ptimer", 0, pcount, pctl, set_pctl, set_pcval, pcval, set_ptval, ptval,
};

static u64 ms_to_ticks(u64 ms)
{
	return ms * read_sysreg(cntfrq_el0) / 1000;
}

static u64 ticks_to_us(u64 t)
{
	return t * 1000000 / read_sysreg(cntfrq_el0);
}

static bool istatus(struct timer *t)
{
	return t->read_ctl() & CNT_CTL_ISTATUS;
}

/* Poll until ISTATUS is set or @ms pass. */
static bool wait_istatus(struct timer *t, u64 ms)
{
	return wait_until(istatus(t), ms);
}

/*
 * Arm @t DEADLINE_MS ahead and read ISTATUS before it: true when the read came before the
 * deadline (ISTATUS in *@early), false when the vCPU only ran again after it.
 */
static bool istatus_before_deadline(struct timer *t, bool *early)
{
	u64 cval = t->read_counter() + ms_to_ticks(DEADLINE_MS);

	t->write_ctl(0);
	t->write_cval(cval);
	t->write_ctl(CNT_CTL_ENABLE | CNT_CTL_IMASK);
	*early = istatus(t);
	/* read after ISTATUS: a counter still below CVAL now was below it then too */
	return t->read_counter() < cval;
}

static void check_condition(struct timer *t)
{
	u64 now;
	bool early = false, in_time = false;
	int try;

	for (try = 0; try < 5 && !in_time; try++)
		in_time = istatus_before_deadline(t, &early);
	if (in_time)
		report(!early, "ISTATUS clear before the deadline");
	else
		report_skip("ISTATUS before the deadline: the vCPU ran only after the %d ms deadline "
			    "5 times", DEADLINE_MS);
	report(wait_istatus(t, DEADLINE_MS + MAX_LATENCY_MS), "ISTATUS set once the counter reaches CVAL");
	report(t->read_counter() >= t->read_cval(), "... and not before");
	t->write_ctl(CNT_CTL_ENABLE);
	report(istatus(t), "IMASK does not change ISTATUS");
	report(t->read_tval() <= 0, "TVAL is negative (CVAL - counter) after the deadline");
	t->write_tval(ms_to_ticks(1000));
	report(!istatus(t), "writing TVAL in the future clears ISTATUS");
	now = t->read_counter();
	report(t->read_cval() > now && t->read_cval() <= now + ms_to_ticks(1000),
	       "writing TVAL sets CVAL to counter + TVAL");
	t->write_ctl(0);
}

/* What the PPI handler saw. */
static struct timer *irq_timer;
static int irq_count, irq_number;
static u64 irq_counter;
static bool irq_istatus;

static void timer_irq(u32 irq, int source_cpu)
{
	irq_counter = irq_timer->read_counter();
	irq_istatus = istatus(irq_timer);
	irq_number = irq;
	/* the PPI is level-sensitive: mask the timer so it deasserts before EOI */
	irq_timer->write_ctl(irq_timer->read_ctl() | CNT_CTL_IMASK);
	irq_count++;
}

static bool irq_arrives_within(u64 ms)
{
	return wait_until(READ_ONCE(irq_count), ms);
}

static void check_interrupt(struct timer *t)
{
	u32 intid = PPI_INTID(t->ppi);
	u64 cval;

	irq_timer = t;
	irq_count = 0;
	t->write_ctl(0);
	setup_irq(intid, timer_irq);
	local_irq_enable();

	t->write_cval(t->read_counter());
	t->write_ctl(CNT_CTL_ENABLE | CNT_CTL_IMASK);
	report(!irq_arrives_within(QUIET_MS) && !gic_irq_is_pending(intid),
	       "masked timer past its deadline: no interrupt, not pending at the GIC");
	t->write_ctl(CNT_CTL_ENABLE);
	report(irq_arrives_within(MAX_LATENCY_MS), "unmasked: the interrupt arrives");
	report(irq_count == 1 && irq_number == (int)intid, "exactly once, as INTID %u (PPI %d)", intid, t->ppi);

	irq_count = 0;
	t->write_ctl(0);
	cval = t->read_counter() + ms_to_ticks(DEADLINE_MS);
	t->write_cval(cval);
	t->write_ctl(CNT_CTL_ENABLE);
	report(irq_arrives_within(DEADLINE_MS + MAX_LATENCY_MS), "deadline %d ms ahead: the interrupt arrives",
	       DEADLINE_MS);
	report(irq_count == 1 && irq_counter >= cval && irq_istatus, "not before the deadline, with ISTATUS set");
	report(irq_counter - cval <= ms_to_ticks(MAX_LATENCY_MS), "within %d ms of it", MAX_LATENCY_MS);
	report_info("latency %lu us", (unsigned long)ticks_to_us(irq_counter >= cval ? irq_counter - cval : 0));

	local_irq_disable();
	t->write_ctl(0);
	gic_irq_disable(intid);
}

static void check_timer(struct timer *t, bool have_gic)
{
	report_prefix_push(t->name);
	check_condition(t);
	if (have_gic)
		check_interrupt(t);
	else
		report_skip("interrupts: no GIC found");
	report_prefix_pop();
}

int main(int argc, char **argv, char **envp)
{
	bool have_gic;

	report_prefix_push("timer");
	report(read_sysreg(cntfrq_el0) != 0, "CNTFRQ_EL0 is %lu Hz", (unsigned long)read_sysreg(cntfrq_el0));
	if (!timer_ppis.found) {
		report_fail("no /timer node (compatible arm,armv8-timer) in the device tree");
		return report_summary();
	}
	vtimer.ppi = timer_ppis.virt;
	ptimer.ppi = timer_ppis.phys;
	report_info("PPIs: virtual %d, physical %d", vtimer.ppi, ptimer.ppi);
	have_gic = gic_init() != 0;
	check_timer(&vtimer, have_gic);
	check_timer(&ptimer, have_gic);
	return report_summary();
}
