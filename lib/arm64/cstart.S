/*
 * Entry points of an arm64 test image: the Image header QEMU's -kernel loader reads,
 * the boot CPU's entry, the secondaries' PSCI CPU_ON entry and the MMU switch-on.
 */
#define PL011_BOOT_BASE 0x09000000

/* SCTLR_EL1 value while the MMU is off: only the RES1 bits (Arm ARM D17.2.118). */
#define SCTLR_EL1_MMU_OFF 0x30d00800

	.section .text.head, "ax"
	.globl _start
/*
 * The arm64 Linux Image header (Linux Documentation/arch/arm64/booting.rst, a boot
 * protocol spec): code0/code1, text_offset, image_size, flags, 3 reserved, magic.
 * QEMU loads the file at RAM base + text_offset and enters code0 at EL1 (EL2 with
 * virtualization=on) with the MMU off and the DTB address in x0.
 */
_start:
	b	primary_entry
	.long	0
	.quad	0x80000			/* text_offset */
	.quad	image_size		/* including bss, from the linker script */
	.quad	0x2			/* little-endian, 4K pages, 2 MiB aligned base */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.long	0

/* Run at EL1 whatever EL we were entered at: from EL2, eret to EL1h (IRQs masked). */
.macro drop_to_el1
	mrs	x9, CurrentEL
	cmp	x9, #(2 << 2)
	b.ne	9f
	/* HCR_EL2: RW (EL1 is AArch64) + APK/API (no trap of pointer auth) */
	mov	x9, #(1 << 31)
	orr	x9, x9, #(3 << 40)
	msr	hcr_el2, x9
	mov	x9, #3			/* CNTHCTL_EL2.EL1PCTEN|EL1PCEN: EL1 uses the physical timer */
	msr	cnthctl_el2, x9
	msr	cntvoff_el2, xzr
	ldr	x9, =SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x9
	mov	x9, #0x3c5		/* EL1h, DAIF masked */
	msr	spsr_el2, x9
	adr	x9, 9f
	msr	elr_el2, x9
	eret
9:
.endm

/* Vectors, FP/SIMD access (libfdt is built without -mgeneral-regs-only), no TTBR1 yet. */
.macro cpu_common_init
	adr	x9, vectors
	msr	vbar_el1, x9
	mov	x9, #(3 << 20)		/* CPACR_EL1.FPEN: no trap of FP/SIMD at EL0/EL1 */
	msr	cpacr_el1, x9
	isb
.endm

primary_entry:
	mov	x19, x0
	drop_to_el1
	ldr	x9, =SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x9
	isb
	/* Linked at a fixed address: refuse to run elsewhere rather than corrupt memory. */
	adr	x0, _start
	ldr	x1, =_start
	cmp	x0, x1
	b.ne	wrong_load_address
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	1b
	adrp	x0, boot_stack_top
	add	x0, x0, :lo12:boot_stack_top
	mov	sp, x0
	msr	tpidr_el1, xzr
	cpu_common_init
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	bl	boot_start
	b	.

wrong_load_address:
	ldr	x1, =PL011_BOOT_BASE
	adr	x2, wrong_load_msg
2:	ldrb	w3, [x2], #1
	cbz	w3, 3f
	strb	w3, [x1]
	b	2b
	ldr	x0, =0x84000008		/* PSCI SYSTEM_OFF, assuming the hvc conduit */
	hvc	#0
3:	wfi
	b	3b

/*
 * PSCI CPU_ON entry (DEN0022 6.4: MMU and caches off, at the EL of the caller);
 * x0 = context id = the logical CPU id.
 */
	.globl secondary_entry
secondary_entry:
	mov	x19, x0
	drop_to_el1
	msr	tpidr_el1, x19
	ldr	x9, =secondary_stack_tops
	ldr	x9, [x9, x19, lsl #3]
	mov	sp, x9
	cpu_common_init
	ldr	x0, =mmu_regs
	bl	mmu_load
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	bl	secondary_start
	b	.

/*
 * mmu_load(struct mmu_regs *): program MAIR, TCR, TTBR0 and SCTLR from the struct
 * ({ttbr0, tcr, mair, sctlr}); also switches TTBR0 when the MMU is already on (the
 * old and new maps are both the identity map of this code).
 */
	.globl mmu_load
mmu_load:
	ldp	x1, x2, [x0]
	ldp	x3, x4, [x0, #16]
	msr	mair_el1, x3
	msr	tcr_el1, x2
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	sctlr_el1, x4
	isb
	ret

	.section .rodata
wrong_load_msg:
	.asciz	"arm64 image: not loaded at its link address 0x40080000\nEXIT: STATUS=3\n"

	.bss
	.balign	16
boot_stack:
	.space	32768
boot_stack_top:
