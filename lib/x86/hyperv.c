/* Hyper-V enlightenments: CPUID checks, hypercalls, SynIC set-up, hyperv-testdev. */
#include <libcflat.h>
#include <x86/hyperv.h>
#include <x86/processor.h>

#define HV_TESTDEV_PORT 0x3000
#define HV_GUEST_OS_ID_OPEN_SOURCE BIT_ULL(63)

static u8 hypercall_page[PAGE_SIZE] __aligned(PAGE_SIZE);

bool hv_present(void)
{
	return cpu_hypervisor_is("Microsoft Hv") && cpuid(HV_CPUID_VENDOR).a >= HV_CPUID_FEATURES;
}

bool hv_has(struct hv_feature f)
{
	return hv_present() && (cpuid_reg_value(cpuid(HV_CPUID_FEATURES), f.reg) & BIT(f.bit));
}

const char *hv_feature_str(struct hv_feature f)
{
	static char buf[8][80];
	static int next;
	char *s = buf[next++ % ARRAY_SIZE(buf)];

	snprintf(s, sizeof(buf[0]), "CPUID %#x.E%cX bit %u (%s)", HV_CPUID_FEATURES,
		 "ABCD"[f.reg], f.bit, f.name);
	return s;
}

void hv_require(const char *test, const struct hv_feature *features, int n, const char *hint)
{
	int i;

	if (!hv_present())
		report_skip_all("%s: no Hyper-V signature at CPUID %#x (%s)", test, HV_CPUID_VENDOR,
				hint);
	for (i = 0; i < n; i++)
		if (!hv_has(features[i]))
			report_skip_all("%s: %s clear (%s)", test, hv_feature_str(features[i]),
					hint);
}

void hv_set_guest_os_id(void)
{
	wrmsr(HV_X64_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_OPEN_SOURCE | 0x1234);
}

bool hv_hypercall_init(void)
{
	memset(hypercall_page, 0, sizeof(hypercall_page));
	wrmsr(HV_X64_MSR_HYPERCALL, (unsigned long)hypercall_page | HV_SYNIC_ENABLE);
	return READ_ONCE(hypercall_page[0]) != 0;
}

/*
 * The calling convention of TLFS "Hypercall Inputs": x64 passes the control word in RCX,
 * the input in RDX and the output in R8, the result in RAX; x86 uses EDX:EAX, EBX:ECX and
 * EDI:ESI (high:low), the result in EDX:EAX.
 */
u64 hv_hypercall(u64 control, u64 input, u64 output)
{
	void *page = hypercall_page;
#ifdef __x86_64__
	register u64 out asm("r8") = output;
	u64 result;

	asm volatile("call *%[page]"
		     : "=a"(result), "+c"(control), "+d"(input), "+r"(out)
		     : [page] "r"(page)
		     : "memory", "cc", "r9", "r10", "r11");
	return result;
#else
	u32 in_lo = input, in_hi = input >> 32, out_lo = output, out_hi = output >> 32;

	asm volatile("call *%[page]"
		     : "+A"(control), "+b"(in_hi), "+c"(in_lo), "+D"(out_hi), "+S"(out_lo)
		     : [page] "m"(page)
		     : "memory", "cc");
	return control;
#endif
}

void hv_synic_enable(struct hv_synic *synic)
{
	wrmsr(HV_X64_MSR_SIMP, (unsigned long)synic->simp | HV_SYNIC_ENABLE);
	wrmsr(HV_X64_MSR_SIEFP, (unsigned long)synic->siefp | HV_SYNIC_ENABLE);
	wrmsr(HV_X64_MSR_SCONTROL, HV_SYNIC_ENABLE);
}

void hv_synic_disable(void)
{
	int i;

	for (i = 0; i < HV_SINT_COUNT; i++)
		hv_sint_mask(i);
	wrmsr(HV_X64_MSR_SCONTROL, 0);
	wrmsr(HV_X64_MSR_SIMP, 0);
	wrmsr(HV_X64_MSR_SIEFP, 0);
}

void hv_sint_set(int sint, u8 vector, bool auto_eoi)
{
	wrmsr(HV_X64_MSR_SINT(sint), vector | (auto_eoi ? HV_SINT_AUTO_EOI : 0));
}

void hv_sint_mask(int sint)
{
	wrmsr(HV_X64_MSR_SINT(sint), HV_SINT_MASKED);
}

/*
 * TLFS "SIM Page": the guest marks the slot free, then, if the hypervisor flagged another
 * message waiting (MessagePending), writes EOM so that it is delivered.
 */
void hv_message_done(volatile struct hv_message *slot)
{
	WRITE_ONCE(slot->message_type, HVMSG_NONE);
	smp_mb();
	if (READ_ONCE(slot->message_flags) & HV_MESSAGE_PENDING)
		wrmsr(HV_X64_MSR_EOM, 0);
}

void hv_testdev(enum hv_testdev_op op, u8 vp_index, u8 sint, u8 conn_id)
{
	outl((u32)conn_id << 24 | (u32)op << 16 | (u32)vp_index << 8 | sint, HV_TESTDEV_PORT);
}
