/*
 * Hyper-V enlightenments as a hypervisor offers them to a guest (Hyper-V Top Level
 * Functional Specification, TLFS 6.0): the CPUID leaves, the synthetic interrupt controller
 * (SynIC: message and event-flag pages, SINTx, EOM), synthetic timers, hypercalls through
 * the hypercall page, and QEMU's hyperv-testdev, which raises SINTs and answers messages
 * and events from the host side.
 */
#ifndef X86_HYPERV_H
#define X86_HYPERV_H

#include <libcflat.h>
#include <x86/processor.h>

#define HV_CPUID_VENDOR 0x40000000
#define HV_CPUID_FEATURES 0x40000003

/* A bit of CPUID 0x40000003 (TLFS, "Hypervisor Feature Identification"). */
struct hv_feature {
	enum cpuid_reg reg;
	u8 bit;
	const char *name;
};

#define HV_FEATURE(r, b, n) ((struct hv_feature){ CPUID_##r, b, n })
#define HV_FEAT_TIME_REF_COUNT HV_FEATURE(EAX, 1, "partition reference counter")
#define HV_FEAT_SYNIC HV_FEATURE(EAX, 2, "SynIC MSRs")
#define HV_FEAT_STIMER HV_FEATURE(EAX, 3, "synthetic timer MSRs")
#define HV_FEAT_HYPERCALL HV_FEATURE(EAX, 5, "hypercall MSRs")
#define HV_FEAT_VP_INDEX HV_FEATURE(EAX, 6, "VP index MSR")
#define HV_FEAT_POST_MESSAGES HV_FEATURE(EBX, 4, "PostMessages privilege")
#define HV_FEAT_SIGNAL_EVENTS HV_FEATURE(EBX, 5, "SignalEvents privilege")
#define HV_FEAT_STIMER_DIRECT HV_FEATURE(EDX, 19, "direct synthetic timers")

#define HV_X64_MSR_GUEST_OS_ID 0x40000000
#define HV_X64_MSR_HYPERCALL 0x40000001
#define HV_X64_MSR_VP_INDEX 0x40000002
#define HV_X64_MSR_TIME_REF_COUNT 0x40000020
#define HV_X64_MSR_SCONTROL 0x40000080
#define HV_X64_MSR_SVERSION 0x40000081
#define HV_X64_MSR_SIEFP 0x40000082
#define HV_X64_MSR_SIMP 0x40000083
#define HV_X64_MSR_EOM 0x40000084
#define HV_X64_MSR_SINT(n) (0x40000090 + (n))
#define HV_X64_MSR_STIMER_CONFIG(n) (0x400000b0 + 2 * (n))
#define HV_X64_MSR_STIMER_COUNT(n) (0x400000b1 + 2 * (n))

#define HV_SINT_COUNT 16
#define HV_STIMER_COUNT 4
#define HV_SYNIC_VERSION 1
#define HV_SYNIC_ENABLE BIT(0) /* SCONTROL, SIMP, SIEFP */
#define HV_SINT_MASKED BIT(16)
#define HV_SINT_AUTO_EOI BIT(17)
#define HV_SINT_FIRST_VALID_VECTOR 16

/* STIMERx_CONFIG (TLFS, "Synthetic Timer Configuration Register"). */
#define HV_STIMER_ENABLE BIT(0)
#define HV_STIMER_PERIODIC BIT(1)
#define HV_STIMER_AUTO_ENABLE BIT(3)
#define HV_STIMER_APIC_VECTOR(v) ((u64)(v) << 4)
#define HV_STIMER_DIRECT_MODE BIT(12)
#define HV_STIMER_SINT(s) ((u64)(s) << 16)

#define HVMSG_NONE 0
#define HVMSG_TIMER_EXPIRED 0x80000010
#define HV_MESSAGE_PENDING BIT(0) /* message_flags */
#define HV_MESSAGE_PAYLOAD_QWORDS 30

struct hv_message {
	u32 message_type;
	u8 payload_size;
	u8 message_flags;
	u8 reserved[2];
	u64 sender;
	u64 payload[HV_MESSAGE_PAYLOAD_QWORDS];
} __packed;

/* The SIM page: one message slot per SINT. The SIEF page: 2048 event flags per SINT. */
struct hv_message_page {
	struct hv_message slot[HV_SINT_COUNT];
};

struct hv_event_flags_page {
	u8 flags[HV_SINT_COUNT][256];
};

struct hv_timer_payload {
	u32 timer_index;
	u32 reserved;
	u64 expiration_time;
	u64 delivery_time;
} __packed;

/* Hypercalls (TLFS, "Hypercall Interface"; call codes from its hypercall list). */
#define HVCALL_POST_MESSAGE 0x005c
#define HVCALL_SIGNAL_EVENT 0x005d
#define HV_HYPERCALL_FAST BIT(16)

#define HV_STATUS_SUCCESS 0
#define HV_STATUS_INVALID_HYPERCALL_INPUT 3
#define HV_STATUS_INVALID_PARAMETER 5
#define HV_STATUS_INVALID_CONNECTION_ID 0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x13

struct hv_post_message_input {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u64 payload[HV_MESSAGE_PAYLOAD_QWORDS];
} __packed __aligned(8);

/* Whether CPUID 0x40000000 says "Microsoft Hv" and 0x40000003 exists. */
bool hv_present(void);
bool hv_has(struct hv_feature f);
/* "CPUID 0x40000003.EAX bit 2 (SynIC MSRs)" */
const char *hv_feature_str(struct hv_feature f);
/*
 * End the test as a SKIP (report_skip_all) naming what is missing: the Hyper-V signature,
 * or the first of the @n @features that is clear. @hint says how a KVM user gets them.
 */
void hv_require(const char *test, const struct hv_feature *features, int n, const char *hint);

/* An open-source guest OS id (TLFS, "Reporting the Guest OS Identity"); hypercalls need one. */
void hv_set_guest_os_id(void);

/* Enable the hypercall page; false when the hypervisor left it without code. */
bool hv_hypercall_init(void);
/* One hypercall: @control (call code, fast bit), input and output GPAs or fast values. */
u64 hv_hypercall(u64 control, u64 input, u64 output);

/* This CPU's SynIC pages and enable/disable. The pages are the caller's, page aligned. */
struct hv_synic {
	struct hv_message_page *simp;
	struct hv_event_flags_page *siefp;
};
void hv_synic_enable(struct hv_synic *synic);
void hv_synic_disable(void);
void hv_sint_set(int sint, u8 vector, bool auto_eoi);
void hv_sint_mask(int sint);
/* Free a message slot (type HVMSG_NONE), then EOM if the hypervisor queued another one. */
void hv_message_done(volatile struct hv_message *slot);

/* QEMU's -device hyperv-testdev: a control port whose writes act on the host side. */
enum hv_testdev_op {
	HV_TESTDEV_SINT_ROUTE_CREATE = 1,
	HV_TESTDEV_SINT_ROUTE_DESTROY,
	HV_TESTDEV_SINT_ROUTE_SET_SINT,
	HV_TESTDEV_MSG_CONN_CREATE,
	HV_TESTDEV_MSG_CONN_DESTROY,
	HV_TESTDEV_EVT_CONN_CREATE,
	HV_TESTDEV_EVT_CONN_DESTROY,
};
void hv_testdev(enum hv_testdev_op op, u8 vp_index, u8 sint, u8 conn_id);

#endif
