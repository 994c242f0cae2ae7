/*
 * Hyper-V message and event connections (TLFS, "Inter-Partition Communication": HvPostMessage,
 * HvSignalEvent) as KVM and QEMU offer them with -cpu ...,hv-vpindex,hv-synic and
 * -device hyperv-testdev, whose connections send each message back to, and set event flag
 * <connection id> of, one SINT of one vCPU. Through the hypercall page, from every vCPU to
 * every vCPU:
 * - HvPostMessage succeeds and the message (type, size, payload) lands in the target
 *   vCPU's message slot for that SINT, interrupting that vCPU only;
 * - HvSignalEvent (a fast hypercall) succeeds and sets the connection's flag in the target
 *   vCPU's event-flag page, interrupting that vCPU only;
 * - an unknown connection id is HV_STATUS_INVALID_CONNECTION_ID for both, a payload over
 *   240 bytes is refused, and neither delivers anything;
 * - a message for a busy slot waits (MessagePending) and arrives after the guest frees the
 *   slot and writes EOM.
 * Without the Hyper-V CPUID leaves or the privileges (TCG) the test SKIPs naming them. The
 * testdev cannot be detected: without it the connections do not exist and claims FAIL.
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/hyperv.h>
#include <x86/processor.h>

#define MSG_SINT 3
#define EVT_SINT 4
#define MSG_VECTOR 0xa0
#define EVT_VECTOR 0xa1
#define MSG_CONN(cpu) (0x10 + (cpu))
#define EVT_CONN(cpu) (0x40 + (cpu))
#define UNKNOWN_CONN 0x7f
#define PAYLOAD_BYTES 24

struct vcpu {
	struct hv_synic synic;
	u32 vp_index;
	volatile int msgs;
	struct hv_message last; /* a copy of the last message taken from the slot */
	volatile int events;
	volatile int flags_seen; /* event flags found set, as connection ids + 1 summed */
};

static struct vcpu vcpus[MAX_CPUS];
static struct hv_post_message_input post_input[MAX_CPUS] __aligned(PAGE_SIZE);

static void message_handler(struct ex_regs *regs)
{
	struct vcpu *v = &vcpus[smp_processor_id()];
	volatile struct hv_message *slot = &v->synic.simp->slot[MSG_SINT];

	memcpy(&v->last, (void *)slot, sizeof(v->last));
	v->msgs++;
	hv_message_done(slot);
	apic_eoi();
}

static void event_handler(struct ex_regs *regs)
{
	struct vcpu *v = &vcpus[smp_processor_id()];
	u8 *flags = v->synic.siefp->flags[EVT_SINT];
	int i, bit;
	u8 set;

	for (i = 0; i < sizeof(v->synic.siefp->flags[0]); i++) {
		set = __atomic_exchange_n(&flags[i], 0, __ATOMIC_SEQ_CST);
		for (bit = 0; bit < 8; bit++)
			if (set & BIT(bit))
				v->flags_seen += i * 8 + bit + 1;
	}
	v->events++;
	apic_eoi();
}

static void setup_synic(void *arg)
{
	struct vcpu *v = arg;

	v->vp_index = rdmsr(HV_X64_MSR_VP_INDEX);
	hv_synic_enable(&v->synic);
	hv_sint_set(MSG_SINT, MSG_VECTOR, false);
	hv_sint_set(EVT_SINT, EVT_VECTOR, false);
}

static void teardown_synic(void *arg)
{
	hv_synic_disable();
}

/*
 * HV_STATUS_INSUFFICIENT_BUFFERS means the host still holds the connection's previous message:
 * the caller may post again (TLFS, HvPostMessage), for up to a second here.
 */
static u16 post_message(u32 conn, u32 type, u32 size)
{
	struct hv_post_message_input *in = &post_input[smp_processor_id()];
	u16 status;
	int i;

	in->connection_id = conn;
	in->reserved = 0;
	in->message_type = type;
	in->payload_size = size;
	for (i = 0; i < HV_MESSAGE_PAYLOAD_QWORDS; i++)
		in->payload[i] = (u64)type << 32 | i;
	wait_until((status = hv_hypercall(HVCALL_POST_MESSAGE, (unsigned long)in, 0) & 0xffff) !=
		   HV_STATUS_INSUFFICIENT_BUFFERS, 1000);
	return status;
}

static u16 signal_event(u32 conn)
{
	return hv_hypercall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST, conn, 0) & 0xffff;
}

struct call {
	int target;
	u32 type;
	u16 msg_status, evt_status;
};

static void post_and_signal(void *arg)
{
	struct call *c = arg;

	c->msg_status = post_message(MSG_CONN(c->target), c->type, PAYLOAD_BYTES);
	c->evt_status = signal_event(EVT_CONN(c->target));
}

/* Interrupts on while waiting: what is sent to this vCPU is taken here. */
static bool wait_for(volatile int *counter, int want)
{
	return wait_until_irqs_on(READ_ONCE(*counter) >= want, 1000);
}

static int counts_elsewhere(int target)
{
	int cpu, n = 0;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (cpu != target)
			n += vcpus[cpu].msgs + vcpus[cpu].events;
	return n;
}

static void reset_counts(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		vcpus[cpu].msgs = 0;
		vcpus[cpu].events = 0;
		vcpus[cpu].flags_seen = 0;
	}
}

static bool payload_matches(const struct hv_message *m, u32 type)
{
	int i;

	for (i = 0; i < PAYLOAD_BYTES / 8; i++)
		if (m->payload[i] != ((u64)type << 32 | i))
			return false;
	return m->message_type == type && m->payload_size == PAYLOAD_BYTES;
}

static void check_pair(int sender, int target)
{
	struct vcpu *t = &vcpus[target];
	struct call c = { .target = target, .type = 0x100 + sender * 16 + target };

	report_prefix_pushf("cpu %d -> cpu %d", sender, target);
	reset_counts();
	on_cpu(sender, post_and_signal, &c);
	report(c.msg_status == HV_STATUS_SUCCESS, "HvPostMessage: status %#x", c.msg_status);
	report(c.evt_status == HV_STATUS_SUCCESS, "HvSignalEvent: status %#x", c.evt_status);
	wait_for(&t->msgs, 1);
	wait_for(&t->events, 1);
	mdelay(5);
	report(t->msgs == 1 && payload_matches(&t->last, c.type),
	       "the message (type %#x, %d bytes) arrived once in the target's slot %d", c.type,
	       PAYLOAD_BYTES, MSG_SINT);
	report(t->events == 1 && t->flags_seen == EVT_CONN(target) + 1,
	       "one interrupt, event flag %d set in the target's SINT %d flags", EVT_CONN(target),
	       EVT_SINT);
	report(counts_elsewhere(target) == 0, "no other vCPU was interrupted");
	report_prefix_pop();
}

static void check_refused(void)
{
	u16 st;

	report_prefix_push("refused");
	reset_counts();
	st = post_message(UNKNOWN_CONN, 0x100, PAYLOAD_BYTES);
	report(st == HV_STATUS_INVALID_CONNECTION_ID,
	       "HvPostMessage to connection %#x: HV_STATUS_INVALID_CONNECTION_ID (%#x)",
	       UNKNOWN_CONN, st);
	st = signal_event(UNKNOWN_CONN);
	report(st == HV_STATUS_INVALID_CONNECTION_ID,
	       "HvSignalEvent to connection %#x: HV_STATUS_INVALID_CONNECTION_ID (%#x)",
	       UNKNOWN_CONN, st);
	st = post_message(MSG_CONN(0), 0x100, HV_MESSAGE_PAYLOAD_QWORDS * 8 + 1);
	report(st != HV_STATUS_SUCCESS, "HvPostMessage with a %d-byte payload is refused (%#x)",
	       HV_MESSAGE_PAYLOAD_QWORDS * 8 + 1, st);
	irq_enable();
	mdelay(20);
	irq_disable();
	report(counts_elsewhere(-1) == 0, "nothing was delivered");
	report_prefix_pop();
}

/* To this vCPU with interrupts off: the first message keeps the slot busy. */
static void check_busy_slot(void)
{
	volatile struct hv_message *slot = &vcpus[0].synic.simp->slot[MSG_SINT];
	u16 st1, st2;
	bool pending;

	report_prefix_push("busy slot");
	reset_counts();
	st1 = post_message(MSG_CONN(0), 0x201, PAYLOAD_BYTES);
	st2 = post_message(MSG_CONN(0), 0x202, PAYLOAD_BYTES);
	report(st1 == HV_STATUS_SUCCESS && st2 == HV_STATUS_SUCCESS,
	       "two messages posted (status %#x, %#x)", st1, st2);
	pending = wait_until(READ_ONCE(slot->message_flags) & HV_MESSAGE_PENDING, 1000);
	report(pending && slot->message_type == 0x201,
	       "the first message holds the slot, MessagePending flags the second");
	wait_for(&vcpus[0].msgs, 2);
	report(vcpus[0].msgs == 2 && payload_matches(&vcpus[0].last, 0x202),
	       "after the slot is freed and EOM written, the second message arrives (%d)",
	       vcpus[0].msgs);
	report_prefix_pop();
}

int main(void)
{
	static const struct hv_feature needs[] = {
		HV_FEAT_SYNIC, HV_FEAT_VP_INDEX, HV_FEAT_HYPERCALL, HV_FEAT_POST_MESSAGES,
		HV_FEAT_SIGNAL_EVENTS,
	};
	int cpu, sender;
	u32 vp;

	hv_require("hyperv_connections", needs, ARRAY_SIZE(needs),
		   "KVM with -cpu ...,hv-vpindex,hv-synic and -device hyperv-testdev");
	handle_irq(MSG_VECTOR, message_handler);
	handle_irq(EVT_VECTOR, event_handler);
	report_prefix_push("hyperv_connections");
	hv_set_guest_os_id();
	report(hv_hypercall_init(), "the hypercall page holds code once enabled");
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		vcpus[cpu].synic.simp = alloc_page();
		vcpus[cpu].synic.siefp = alloc_page();
		on_cpu(cpu, setup_synic, &vcpus[cpu]);
		vp = vcpus[cpu].vp_index;
		hv_testdev(HV_TESTDEV_MSG_CONN_CREATE, vp, MSG_SINT, MSG_CONN(cpu));
		hv_testdev(HV_TESTDEV_EVT_CONN_CREATE, vp, EVT_SINT, EVT_CONN(cpu));
	}
	for (sender = 0; sender < nr_cpus; sender++)
		for (cpu = 0; cpu < nr_cpus; cpu++)
			check_pair(sender, cpu);
	check_refused();
	check_busy_slot();
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		hv_testdev(HV_TESTDEV_MSG_CONN_DESTROY, 0, 0, MSG_CONN(cpu));
		hv_testdev(HV_TESTDEV_EVT_CONN_DESTROY, 0, 0, EVT_CONN(cpu));
		on_cpu(cpu, teardown_synic, NULL);
	}
	report_prefix_pop();
	return report_summary();
}
