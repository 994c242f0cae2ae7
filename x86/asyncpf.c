/*
 * KVM's asynchronous page faults (Linux Documentation/virt/kvm/x86/msr.rst,
 * MSR_KVM_ASYNC_PF_EN/_INT/_ACK; cpuid.rst, KVM_FEATURE_ASYNC_PF and KVM_FEATURE_ASYNC_PF_INT).
 * When the host has to bring a guest page back (from swap) KVM need not stop the vCPU: it
 * injects a #PF whose reason in the shared area is "page not present", with a token in CR2,
 * and later a "page ready" interrupt, at the vector of MSR_KVM_ASYNC_PF_INT, with the same
 * token in the area; the guest clears the token and writes MSR_KVM_ASYNC_PF_ACK.
 *
 * Claims: the two MSRs read back what was written and refuse their reserved bits with #GP;
 * then, touching most of guest RAM for a bounded time with interrupts on: every
 * page-not-present #PF is followed by a page-ready interrupt with its token, no page-ready
 * interrupt names a token that was never announced, and every page still holds what was
 * written to it. An async page fault needs host memory pressure (KVM swapping guest pages
 * out): without one within the bound the test SKIPs saying so. docs/x86.md says how to run it
 * under a memory limit. Without KVM's CPUID bits (TCG) it SKIPs naming them.
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_ASYNC_PF 4
#define KVM_FEATURE_ASYNC_PF_INT 14
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02
#define MSR_KVM_ASYNC_PF_INT 0x4b564d06
#define MSR_KVM_ASYNC_PF_ACK 0x4b564d07
#define ASYNC_PF_ENABLED BIT(0)
#define ASYNC_PF_SEND_ALWAYS BIT(1) /* also at CPL 0 */
#define ASYNC_PF_DELIVERY_AS_INT BIT(3)
#define ASYNC_PF_EN_RESERVED (BIT(4) | BIT(5))
#define PAGE_NOT_PRESENT 1
#define WAKE_ALL_TOKEN 0xffffffffU

#define READY_VECTOR 0xb0
#define CHUNK_ORDER 9 /* 2 MiB */
#define MAX_CHUNKS 512
#define RESERVE_PAGES 1024 /* left to the allocator */
#define TOUCH_SECONDS 10
#define READY_TIMEOUT_MS 10000
#define MAX_WAITS 32

struct apf_area {
	u32 flags;
	u32 token;
	u8 pad[56];
	u32 enabled;
} __packed;

static volatile struct apf_area area __aligned(64);

/* Tokens announced by a page-not-present #PF and not yet made ready (nested faults). */
static volatile u32 waiting[MAX_WAITS];
static volatile bool ready[MAX_WAITS];
static volatile int not_present, readied, unknown_ready, not_readied, depth_max;
static int depth;

static u64 *chunks[MAX_CHUNKS];
static int nr_chunks;

static bool kvm_feature(int bit)
{
	return cpuid(KVM_CPUID_FEATURES).a & BIT(bit);
}

static void ready_handler(struct ex_regs *regs)
{
	u32 token = area.token;
	bool known = false;
	int i;

	for (i = 0; i < MAX_WAITS; i++) {
		if (waiting[i] && (token == WAKE_ALL_TOKEN || waiting[i] == token)) {
			ready[i] = true;
			known = true;
		}
	}
	if (known)
		readied++;
	else if (token != WAKE_ALL_TOKEN)
		unknown_ready++;
	area.token = 0;
	wrmsr(MSR_KVM_ASYNC_PF_ACK, 1);
	apic_eoi();
}

static int wait_slot(u32 token)
{
	int i;

	for (i = 0; i < MAX_WAITS; i++) {
		if (!waiting[i]) {
			ready[i] = false;
			waiting[i] = token;
			return i;
		}
	}
	return -1;
}

/*
 * A #PF with reason "page not present" (msr.rst): CR2 holds the token. The reason is cleared
 * before anything can fault again; the vCPU then waits, interrupts on, for the page-ready
 * interrupt of that token, and returns to retry the access. Any other #PF is a real one.
 */
static void pf_handler(struct ex_regs *regs)
{
	u32 token = read_cr2();
	int slot;

	if (area.flags != PAGE_NOT_PRESENT) {
		printf("unexpected #PF at ip %#lx, cr2 %#lx, error code %#lx\n", regs->ip,
		       read_cr2(), regs->error_code);
		abort();
	}
	area.flags = 0;
	not_present++;
	slot = wait_slot(token);
	assert(slot >= 0);
	depth++;
	if (depth > depth_max)
		depth_max = depth;
	irq_enable();
	if (!wait_until(ready[slot], READY_TIMEOUT_MS))
		not_readied++;
	irq_disable();
	depth--;
	waiting[slot] = 0;
}

static void check_msrs(void)
{
	u64 en = (unsigned long)&area | ASYNC_PF_ENABLED | ASYNC_PF_SEND_ALWAYS |
		 ASYNC_PF_DELIVERY_AS_INT;

	wrmsr(MSR_KVM_ASYNC_PF_INT, READY_VECTOR);
	report(rdmsr(MSR_KVM_ASYNC_PF_INT) == READY_VECTOR, "ASYNC_PF_INT reads back vector %#x",
	       READY_VECTOR);
	report(wrmsr_safe(MSR_KVM_ASYNC_PF_INT, READY_VECTOR | BIT(8)) == GP_VECTOR,
	       "ASYNC_PF_INT bit 8 (reserved): #GP");
	report(wrmsr_safe(MSR_KVM_ASYNC_PF_EN, en | ASYNC_PF_EN_RESERVED) == GP_VECTOR,
	       "ASYNC_PF_EN bits 5:4 (reserved): #GP");
	wrmsr(MSR_KVM_ASYNC_PF_EN, en);
	report(rdmsr(MSR_KVM_ASYNC_PF_EN) == en, "ASYNC_PF_EN reads back %#llx (area, enabled,"
	       " send always, page ready as interrupt)", (unsigned long long)en);
}

static unsigned long pages(void)
{
	return (unsigned long)nr_chunks << CHUNK_ORDER;
}

static u64 *page_at(unsigned long n)
{
	return chunks[n >> CHUNK_ORDER] + (n & ((1UL << CHUNK_ORDER) - 1)) * (PAGE_SIZE / 8);
}

static void fill(void)
{
	unsigned long n;

	while (nr_chunks < MAX_CHUNKS && page_alloc_free_count() > RESERVE_PAGES &&
	       (chunks[nr_chunks] = alloc_pages_fresh(CHUNK_ORDER)))
		nr_chunks++;
	for (n = 0; n < pages(); n++)
		*page_at(n) = n * 0x9e3779b97f4a7c15ULL;
}

/* Reads every page's word, interrupts on, until the bound; returns the pages that differ. */
static unsigned long touch(unsigned int seconds, unsigned int *passes)
{
	u64 end = clock_ns() + (u64)seconds * NSEC_PER_SEC;
	unsigned long n, bad = 0;

	irq_enable();
	for (*passes = 0; clock_ns() < end && not_present < 64; (*passes)++)
		for (n = 0; n < pages(); n++)
			bad += READ_ONCE(*page_at(n)) != n * 0x9e3779b97f4a7c15ULL;
	irq_disable();
	return bad;
}

int main(void)
{
	unsigned int passes;
	unsigned long bad;

	if (!cpu_hypervisor_is("KVMKVMKVM"))
		report_skip_all("asyncpf: no KVM signature at CPUID 0x40000000");
	if (!kvm_feature(KVM_FEATURE_ASYNC_PF))
		report_skip_all("asyncpf: KVM_FEATURE_ASYNC_PF (CPUID %#x.EAX bit %d) clear",
				KVM_CPUID_FEATURES, KVM_FEATURE_ASYNC_PF);
	if (!kvm_feature(KVM_FEATURE_ASYNC_PF_INT))
		report_skip_all("asyncpf: KVM_FEATURE_ASYNC_PF_INT (CPUID %#x.EAX bit %d) clear",
				KVM_CPUID_FEATURES, KVM_FEATURE_ASYNC_PF_INT);
	/* KVM sends async page faults only while the guest has paging on. */
	if (!vm_require_paging())
		return report_summary();
	report_prefix_push("asyncpf");
	handle_exception(PF_VECTOR, pf_handler);
	handle_irq(READY_VECTOR, ready_handler);
	check_msrs();
	fill();
	bad = touch(TOUCH_SECONDS, &passes);
	wrmsr(MSR_KVM_ASYNC_PF_EN, 0);
	report_info("%lu MiB, %u passes: %d page-not-present faults, %d page-ready interrupts,"
		    " nesting %d", pages() * PAGE_SIZE >> 20, passes, not_present, readied,
		    depth_max);
	if (!not_present)
		report_skip_all("no asynchronous page fault within %d s over %lu MiB: the host"
				" never had to swap a guest page in (run it under a memory"
				" limit, docs/x86.md)", TOUCH_SECONDS, pages() * PAGE_SIZE >> 20);
	report(not_readied == 0, "every page-not-present #PF got its page-ready interrupt within"
	       " %d ms (%d did not)", READY_TIMEOUT_MS, not_readied);
	report(unknown_ready == 0, "no page-ready interrupt named an unannounced token (%d did)",
	       unknown_ready);
	report(bad == 0, "every page holds what was written to it (%lu differ)", bad);
	report_prefix_pop();
	return report_summary();
}
