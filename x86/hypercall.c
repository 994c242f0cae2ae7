/*
 * VMCALL (Intel) and VMMCALL (AMD). Under KVM (its CPUID signature) both are hypercalls:
 * KVM patches the one the host CPU does not have into the one it has, and an unknown
 * hypercall number returns -KVM_ENOSYS in RAX (Linux Documentation/virt/kvm/x86/
 * hypercalls.rst). Without a hypervisor that offers them (e.g. QEMU TCG), outside VMX
 * and SVM guest mode both raise #UD (SDM vol. 3C VMCALL, AMD APM vol. 3 VMMCALL).
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

#define KVM_ENOSYS 1000
#define UNKNOWN_HYPERCALL 0x7fff

static void do_vmcall(void *arg)
{
	unsigned long *ax = arg;

	asm volatile("vmcall" : "+a"(*ax) : "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
}

static void do_vmmcall(void *arg)
{
	unsigned long *ax = arg;

	asm volatile("vmmcall" : "+a"(*ax) : "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
}

static void check(const char *name, fragment_t fn, bool kvm)
{
	unsigned long ax = UNKNOWN_HYPERCALL;
	int vec = run_catching(fn, &ax, NULL);

	if (kvm)
		report(vec == EXC_NONE && ax == (unsigned long)-KVM_ENOSYS,
		       "%s: unknown hypercall returns -KVM_ENOSYS (vector %d, rax %#lx)", name, vec,
		       ax);
	else
		report(vec == UD_VECTOR, "%s: no hypervisor interface, #UD (vector %d)", name, vec);
}

int main(void)
{
	bool kvm = cpu_hypervisor_is("KVMKVMKVM");

	report_info("%s", kvm ? "KVM signature at CPUID 0x40000000" : "no KVM signature");
	check("vmcall", do_vmcall, kvm);
	check("vmmcall", do_vmmcall, kvm);
	/* The patched instruction must keep working when it runs a second time. */
	check("vmcall again", do_vmcall, kvm);
	check("vmmcall again", do_vmmcall, kvm);
	return report_summary();
}
