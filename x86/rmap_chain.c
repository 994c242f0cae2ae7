/*
 * One physical page mapped at many virtual addresses (a long reverse-map chain for a
 * shadow-paging hypervisor): a store through one alias is seen through every other;
 * unmapping aliases one by one makes exactly those fault; the rest still see the page.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define ALIASES 256
#define ALIAS_BASE 0x50000000UL /* 1.25 GiB: above the RAM the tests give guests */

static volatile u32 *alias(int i)
{
	return (volatile u32 *)(ALIAS_BASE + (unsigned long)i * 2 * PAGE_SIZE);
}

int main(void)
{
	u32 *page = alloc_page();
	phys_addr_t pa = (phys_addr_t)page;
	int i, seen = 0, faulted = 0, still = 0;
	unsigned long v;

	if (!vm_require_paging())
		return report_summary();
	for (i = 0; i < ALIASES; i++)
		vm_map_page((void *)alias(i), pa, PT_WRITABLE);
	for (i = 0; i < ALIASES; i++) {
		*alias(i) = 0x1000 + i;
		seen += page[0] == 0x1000 + (u32)i && *alias((i * 7 + 3) % ALIASES) == 0x1000 + (u32)i;
	}
	report(seen == ALIASES, "%d aliases: a store through each is seen through another and "
	       "at the page's own address (%d of %d)", ALIASES, seen, ALIASES);

	for (i = 0; i < ALIASES; i += 2)
		vm_unmap_page((void *)alias(i));
	for (i = 0; i < ALIASES; i++) {
		int vec = read_ulong_safe(alias(i), &v);

		if (i % 2)
			still += vec == EXC_NONE && (u32)v == page[0];
		else
			faulted += vec == PF_VECTOR && exc_cr2() == (unsigned long)alias(i);
	}
	report(faulted == ALIASES / 2, "every unmapped alias faults at its own address (%d)",
	       faulted);
	report(still == ALIASES / 2, "every remaining alias still maps the page (%d)", still);

	page[0] = 0xabcd;
	for (i = 1, seen = 0; i < ALIASES; i += 2)
		seen += *alias(i) == 0xabcd;
	report(seen == ALIASES / 2, "a store at the page's own address reaches the rest (%d)", seen);
	for (i = 1; i < ALIASES; i += 2)
		vm_unmap_page((void *)alias(i));
	return report_summary();
}
