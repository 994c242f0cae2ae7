/*
 * From boot.S to main(): console, memory, command line, this CPU's descriptor tables,
 * then the APs. docs/x86.md says what main() and the AP code may rely on.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fwcfg.h>
#include <x86/processor.h>
#include <x86/smp.h>

#define COM1 0x3f8
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LSR_DR 0x01
#define DEBUG_EXIT_PORT 0xf4

/*
 * RAM handed to the page allocator: from the end of the image to the top of low RAM,
 * less the top 4 MiB where firmware (SeaBIOS, qboot) keeps ACPI/SMBIOS tables. Low RAM
 * stops at the PCI hole; 2 GiB stays below it on every machine type used here.
 */
#define LOW_RAM_LIMIT 0x80000000UL
#define FIRMWARE_RESERVE (4 * SZ_1M)

/* Xen public ABI: arch-x86/hvm/start_info.h. */
#define HVM_START_MAGIC 0x336ec578
struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

extern char _end[];

void arch_puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
			cpu_relax();
		outb(*s, COM1);
	}
}

/* COM1 input: the receiver buffer, when the line status says a byte is ready. */
int arch_getchar(void)
{
	if (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(COM1);
}

/* isa-debug-exit (iobase=0xf4, iosize=4) makes QEMU exit with (code << 1) | 1. */
void arch_exit(int code)
{
	outl(code, DEBUG_EXIT_PORT);
	printf("arch_exit: no isa-debug-exit device at %#x, halting\n", DEBUG_EXIT_PORT);
	for (;;)
		asm volatile("cli; hlt");
}

void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

void ap_start_c(u32 cpu)
{
	x86_setup_cpu(cpu);
	ap_main();
}

/* A 16 KiB stack for an AP; returns its top. */
void *alloc_cpu_stack(void)
{
	return (char *)alloc_pages(2) + 4 * PAGE_SIZE;
}

static const char *pvh_cmdline(u32 start_info_pa)
{
	struct hvm_start_info *si = (struct hvm_start_info *)(unsigned long)start_info_pa;

	if (!si || si->magic != HVM_START_MAGIC) {
		printf("boot: no PVH start info (ebx=%#x), empty command line\n", start_info_pa);
		return NULL;
	}
	return si->cmdline_paddr ? (const char *)(unsigned long)si->cmdline_paddr : NULL;
}

static void setup_memory(void)
{
	u64 ram = fwcfg_present() ? fwcfg_ram_size() : 0;
	phys_addr_t top;

	if (!ram) {
		printf("boot: no fw_cfg RAM size, assuming 64 MiB\n");
		ram = 64 * SZ_1M;
	}
	x86_ram_top = MIN(ram, (u64)LOW_RAM_LIMIT);
	top = x86_ram_top - FIRMWARE_RESERVE;
	page_alloc_init((phys_addr_t)_end, top);
}

void x86_boot(u32 start_info_pa) __noreturn;
void x86_boot(u32 start_info_pa)
{
	/* The command line may live just above the image: copy it before the allocator. */
	setup_args(pvh_cmdline(start_info_pa));
	setup_memory();
	x86_setup_cpu(0);
	smp_boot_secondaries();
	exit(main(__argc, __argv, __environ));
}
