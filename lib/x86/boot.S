/*
 * PVH entry (both x86_64 and i386). QEMU's loader (via qboot or the pvh.bin option ROM)
 * jumps to the address in the XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit protected mode,
 * paging off, flat CS/DS, %ebx = physical address of struct hvm_start_info
 * (Xen public ABI, arch-x86/hvm/start_info.h).
 *
 * i386 starts with paging off: a hypervisor may raise #GP on setting CR0.PG with 32-bit
 * paging, PAE or not (known deviation kvm-pvm-paging32), so enabling it is left to
 * vm_enable_paging(), which catches that. The AP path follows whatever the BSP ended up
 * with (paging_enabled). Boot state and AP entry: docs/x86.md.
 *
 * Identity map: 4 page directories of 2 MiB pages cover 0-4 GiB. On x86_64 a PML4 and
 * a PDPT sit above them; on i386 the PDPT is the PAE root (CR3).
 */
#include <x86/desc.h>
#include <x86/msr.h>

#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_US 0x4
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS 0x80
#define UNCACHED_FIRST_2M (0xfe000000 >> 21) /* IOAPIC, HPET, LAPIC: 0xfe000000-0xffffffff */

	.section .note.Xen, "a"
	.balign 4
	.long 4			/* name size: "Xen\0" */
	.long 4			/* descriptor size: a 32-bit physical address */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start

	.bss
	.balign 4096
#ifdef __x86_64__
pml4:	.skip 4096
#endif
pdpt:	.skip 4096
pds:	.skip 4 * 4096
	.balign 16
boot_stack:
	.skip 16384
boot_stack_top:

	.data
	.balign 4
	.globl pt_root, ap_boot_cpu, ap_boot_stack, paging_enabled
pt_root:	.long 0		/* CR3 value for every CPU */
#ifdef __x86_64__
paging_enabled:	.long 1
#else
paging_enabled:	.long 0		/* set by vm_enable_paging() */
#endif
ap_boot_cpu:	.long 0		/* logical id of the AP entering ap_start32 */
ap_boot_stack:	.long 0		/* its stack top */

	.text
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %ebp
	lgdtl gdt_descr
	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	ljmp $KERNEL_CS32, $1f
1:	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl
	mov $boot_stack_top, %esp
	call build_identity_map
#ifdef __x86_64__
	call enable_paging
	ljmp $KERNEL_CS, $start64
#else
	xor %eax, %eax
	push %eax		/* keeps the backtrace's frame chain terminated */
	push %ebp
	xor %ebp, %ebp
	call x86_boot
	jmp halt
#endif

/* APs: entered in 32-bit protected mode from the trampoline (docs/x86.md). */
	.globl ap_start32
ap_start32:
	cli
	cld
	lgdtl gdt_descr
	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov ap_boot_stack, %esp
	cmpl $0, paging_enabled
	je 1f
	call enable_paging
1:
#ifdef __x86_64__
	ljmp $KERNEL_CS, $ap_start64
#else
	xor %ebp, %ebp
	push ap_boot_cpu
	call ap_start_c
	jmp halt
#endif

build_identity_map:
	mov $pds, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_PS | PTE_RW | PTE_P), %eax
	cmp $UNCACHED_FIRST_2M, %ecx
	jb 2f
	or $(PTE_PCD | PTE_PWT), %eax
2:	mov %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jb 1b

	mov $pdpt, %edi
	mov $pds, %eax
#ifdef __x86_64__
	or $(PTE_US | PTE_RW | PTE_P), %eax	/* leaves decide user access */
#else
	or $PTE_P, %eax		/* PAE PDPTEs: RW/US are reserved bits (SDM 4.4.1) */
#endif
	mov $4, %ecx
3:	mov %eax, (%edi)
	movl $0, 4(%edi)
	add $8, %edi
	add $4096, %eax
	loop 3b

#ifdef __x86_64__
	movl $(pdpt + PTE_US + PTE_RW + PTE_P), pml4
	movl $pml4, pt_root
#else
	movl $pdpt, pt_root
#endif
	ret

/* CR4.PAE, CR3, EFER.NXE (if the CPU has NX), EFER.LME (x86_64), then CR0.PG. */
enable_paging:
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov pt_root, %eax
	mov %eax, %cr3
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb 1f
	mov $0x80000001, %eax
	cpuid
	bt $20, %edx
	jnc 1f
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_NXE, %eax
	wrmsr
1:
#ifdef __x86_64__
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
#endif
	mov %cr0, %eax
	or $0x80010001, %eax	/* PG | WP | PE */
	mov %eax, %cr0
	ret

halt:
	cli
	hlt
	jmp halt

#ifdef __x86_64__
	.code64
start64:
	mov %ebp, %edi
	xor %ebp, %ebp
	call x86_boot
	jmp halt

ap_start64:
	mov $KERNEL_DS, %ax
	mov %ax, %ss
	xor %ebp, %ebp
	mov ap_boot_cpu, %edi
	call ap_start_c
	jmp halt
#endif

	.section .note.GNU-stack, "", @progbits
