/*
 * Hyper-V synthetic timers (TLFS, "Synthetic Timers") as KVM offers them with
 * -cpu ...,hv-vpindex,hv-synic,hv-time,hv-stimer[,hv-stimer-direct], on every vCPU:
 * - one-shot, each of the 4 timers: one HVMSG_TIMER_EXPIRED message in its SINT's slot
 *   naming the timer, ExpirationTime = the COUNT written, delivered no earlier than that
 *   (DeliveryTime and the partition reference counter), then the timer is disabled;
 * - a one-shot COUNT already in the past expires at once;
 * - periodic: messages keep coming, their expiration times on the period's grid, none
 *   early; COUNT = 0 disables the timer;
 * - AutoEnable: writing COUNT sets Enable;
 * - two timers expiring into one busy slot: the second message waits with MessagePending
 *   set until the guest frees the slot and writes EOM;
 * - direct mode (CPUID 0x40000003.EDX bit 19): the APIC vector of the config register
 *   interrupts, no message is written.
 * Without the Hyper-V CPUID leaves (TCG) the test SKIPs naming them.
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/hyperv.h>
#include <x86/processor.h>

#define TIMER_SINT 2
#define TIMER_VECTOR 0x90
#define DIRECT_VECTOR 0x91
#define MS 10000ULL /* the reference counter counts 100 ns units */
#define MAX_MSGS 64

struct msg {
	u32 type;
	u32 timer;
	u64 expiration;
	u64 delivery;
	u64 seen; /* the reference counter in the handler */
};

struct vcpu {
	struct hv_synic synic;
	volatile int nmsgs;
	struct msg msgs[MAX_MSGS];
	volatile int direct_hits;
};

static struct vcpu vcpus[MAX_CPUS];

static u64 ref_now(void)
{
	return rdmsr(HV_X64_MSR_TIME_REF_COUNT);
}

static void timer_message_handler(struct ex_regs *regs)
{
	struct vcpu *v = &vcpus[smp_processor_id()];
	volatile struct hv_message *slot = &v->synic.simp->slot[TIMER_SINT];
	struct hv_timer_payload *p = (struct hv_timer_payload *)slot->payload;
	struct msg *m = &v->msgs[v->nmsgs % MAX_MSGS];

	m->seen = ref_now();
	m->type = slot->message_type;
	m->timer = p->timer_index;
	m->expiration = p->expiration_time;
	m->delivery = p->delivery_time;
	v->nmsgs++;
	hv_message_done(slot);
	apic_eoi();
}

static void direct_handler(struct ex_regs *regs)
{
	vcpus[smp_processor_id()].direct_hits++;
	apic_eoi();
}

static bool wait_for(volatile int *counter, int want, unsigned int ms)
{
	return wait_until_irqs_on(READ_ONCE(*counter) >= want, ms);
}

/* Interrupts on for @ms, so that anything due arrives. */
static void settle(unsigned int ms)
{
	irq_enable();
	mdelay(ms);
	irq_disable();
}

static void timer_stop(int t)
{
	wrmsr(HV_X64_MSR_STIMER_CONFIG(t), 0);
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), 0);
}

static bool timer_enabled(int t)
{
	return rdmsr(HV_X64_MSR_STIMER_CONFIG(t)) & HV_STIMER_ENABLE;
}

static void check_one_shot(struct vcpu *v, int t)
{
	u64 count = ref_now() + 5 * MS;
	struct msg *m = &v->msgs[0];

	v->nmsgs = 0;
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), count);
	wrmsr(HV_X64_MSR_STIMER_CONFIG(t), HV_STIMER_ENABLE | HV_STIMER_SINT(TIMER_SINT));
	if (!wait_for(&v->nmsgs, 1, 1000)) {
		report_fail("one-shot timer %d: no message within 1 s", t);
		timer_stop(t);
		return;
	}
	settle(20);
	report(v->nmsgs == 1, "one-shot timer %d: one message (%d)", t, v->nmsgs);
	report(m->type == HVMSG_TIMER_EXPIRED && m->timer == t,
	       "timer %d: HVMSG_TIMER_EXPIRED naming timer %u (type %#x)", t, m->timer, m->type);
	report(m->expiration == count, "timer %d: ExpirationTime is the COUNT written (%llu)", t,
	       (unsigned long long)m->expiration);
	report(m->delivery >= count && m->seen >= count,
	       "timer %d: delivered no earlier (DeliveryTime +%lld, counter +%lld units)", t,
	       (long long)(m->delivery - count), (long long)(m->seen - count));
	report(!timer_enabled(t), "timer %d: a one-shot timer disables itself once expired", t);
	timer_stop(t);
}

static void check_past_count(struct vcpu *v)
{
	int t = 3;

	v->nmsgs = 0;
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), ref_now() - MS);
	wrmsr(HV_X64_MSR_STIMER_CONFIG(t), HV_STIMER_ENABLE | HV_STIMER_SINT(TIMER_SINT));
	report(wait_for(&v->nmsgs, 1, 100), "a one-shot COUNT 1 ms in the past expires at once");
	timer_stop(t);
}

static void check_periodic(struct vcpu *v)
{
	u64 period = 2 * MS;
	int t = 1, i, n, on_grid = 0, early = 0;

	v->nmsgs = 0;
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), period);
	wrmsr(HV_X64_MSR_STIMER_CONFIG(t),
	      HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_SINT(TIMER_SINT));
	wait_for(&v->nmsgs, 10, 1000);
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), 0);
	report(!timer_enabled(t), "COUNT = 0 disables the periodic timer");
	settle(5); /* a message delivered before the write is taken now */
	n = v->nmsgs < MAX_MSGS ? v->nmsgs : MAX_MSGS;
	for (i = 0; i < n; i++) {
		on_grid += v->msgs[i].timer == t &&
			   (v->msgs[i].expiration - v->msgs[0].expiration) % period == 0 &&
			   (i == 0 || v->msgs[i].expiration > v->msgs[i - 1].expiration);
		early += v->msgs[i].seen < v->msgs[i].expiration;
	}
	report(n >= 10, "periodic timer (2 ms): %d expirations", n);
	report(on_grid == n, "periodic expirations increase on the period's grid (%d of %d)",
	       on_grid, n);
	report(early == 0, "no periodic message arrived before its expiration (%d did)", early);
	n = v->nmsgs;
	settle(10);
	report(v->nmsgs == n, "no message after COUNT = 0");
	timer_stop(t);
}

static void check_auto_enable(struct vcpu *v)
{
	int t = 2;

	v->nmsgs = 0;
	wrmsr(HV_X64_MSR_STIMER_CONFIG(t), HV_STIMER_AUTO_ENABLE | HV_STIMER_SINT(TIMER_SINT));
	report(!timer_enabled(t), "AutoEnable alone leaves the timer disabled");
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), ref_now() + 100 * MS);
	report(timer_enabled(t), "with AutoEnable, writing COUNT enables the timer");
	report(wait_for(&v->nmsgs, 1, 1000), "the auto-enabled timer expires");
	timer_stop(t);
}

/* Interrupts stay off, so the first message is still in the slot when the second is due. */
static void check_pending(struct vcpu *v)
{
	volatile struct hv_message *slot = &v->synic.simp->slot[TIMER_SINT];
	u64 past = ref_now() - MS;
	bool waiting;

	v->nmsgs = 0;
	wrmsr(HV_X64_MSR_STIMER_COUNT(0), past);
	wrmsr(HV_X64_MSR_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_SINT(TIMER_SINT));
	wrmsr(HV_X64_MSR_STIMER_COUNT(1), past);
	wrmsr(HV_X64_MSR_STIMER_CONFIG(1), HV_STIMER_ENABLE | HV_STIMER_SINT(TIMER_SINT));
	waiting = wait_until(READ_ONCE(slot->message_flags) & HV_MESSAGE_PENDING, 100);
	report(waiting && slot->message_type == HVMSG_TIMER_EXPIRED && slot->payload[0] == 0,
	       "busy slot: timer 0's message stays, MessagePending set for the next one");
	wait_for(&v->nmsgs, 2, 1000);
	report(v->nmsgs == 2 && v->msgs[0].timer == 0 && v->msgs[1].timer == 1,
	       "after the slot is freed and EOM written, timer 1's message follows (%d messages)",
	       v->nmsgs);
	timer_stop(0);
	timer_stop(1);
}

static void check_direct(struct vcpu *v)
{
	int t = 0;

	if (!hv_has(HV_FEAT_STIMER_DIRECT)) {
		report_skip("direct mode: %s clear (-cpu ...,hv-stimer-direct)",
			    hv_feature_str(HV_FEAT_STIMER_DIRECT));
		return;
	}
	v->nmsgs = 0;
	v->direct_hits = 0;
	wrmsr(HV_X64_MSR_STIMER_COUNT(t), ref_now() + 2 * MS);
	wrmsr(HV_X64_MSR_STIMER_CONFIG(t), HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
					    HV_STIMER_APIC_VECTOR(DIRECT_VECTOR));
	wait_for(&v->direct_hits, 1, 1000);
	settle(10);
	report(v->direct_hits == 1, "direct mode: vector %#x interrupts once (%d)", DIRECT_VECTOR,
	       v->direct_hits);
	report(v->nmsgs == 0 && v->synic.simp->slot[0].message_type == HVMSG_NONE,
	       "direct mode: no message is written");
	timer_stop(t);
}

static void check_timers(void *arg)
{
	struct vcpu *v = arg;
	int t;

	report_prefix_pushf("cpu %d", smp_processor_id());
	hv_synic_enable(&v->synic);
	hv_sint_set(TIMER_SINT, TIMER_VECTOR, false);
	for (t = 0; t < HV_STIMER_COUNT; t++)
		check_one_shot(v, t);
	check_past_count(v);
	check_periodic(v);
	check_auto_enable(v);
	check_pending(v);
	check_direct(v);
	hv_synic_disable();
	report_prefix_pop();
}

int main(void)
{
	static const struct hv_feature needs[] = {
		HV_FEAT_TIME_REF_COUNT, HV_FEAT_SYNIC, HV_FEAT_STIMER,
	};
	int cpu;

	hv_require("hyperv_stimer", needs, ARRAY_SIZE(needs),
		   "KVM with -cpu ...,hv-vpindex,hv-synic,hv-time,hv-stimer");
	handle_irq(TIMER_VECTOR, timer_message_handler);
	handle_irq(DIRECT_VECTOR, direct_handler);
	report_prefix_push("hyperv_stimer");
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		vcpus[cpu].synic.simp = alloc_page();
		vcpus[cpu].synic.siefp = alloc_page();
		on_cpu(cpu, check_timers, &vcpus[cpu]);
	}
	report_prefix_pop();
	return report_summary();
}
