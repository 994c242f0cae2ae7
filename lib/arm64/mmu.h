/*
 * The identity map (VA == PA, 4 KiB granule, 39-bit VA, TTBR0 only), shared by all CPUs:
 * - RAM: 4 KiB pages, Normal write-back cacheable inner-shareable; the image's
 *   text+rodata read-only at EL1 and EL0 and executable at both; the rest EL1
 *   read/write, never executable at EL0;
 * - everything below RAM (UART, GIC, ITS, virtio-mmio, ...): Device-nGnRE, execute-never;
 * - anything else: unmapped (ioremap() adds device frames).
 */
#ifndef ARM64_MMU_H
#define ARM64_MMU_H

#include <libcflat.h>

/* MAIR_EL1 attribute indices we program (Arm ARM D8.5.x, MAIR_EL1 encodings). */
#define MT_DEVICE_nGnRnE 0
#define MT_DEVICE_nGnRE 1
#define MT_NORMAL_NC 2
#define MT_NORMAL 3
#define MT_NORMAL_TAGGED 4 /* programmed by mmu_enable_tagged() only: needs FEAT_MTE2 */

/* Page attributes for mmu_set_page(). */
#define PAGE_NORMAL_RW 0   /* EL1 rw, no EL0 access, EL1 executable */
#define PAGE_USER_RW 1     /* EL1+EL0 rw, executable at neither (EL0-writable => PXN) */
#define PAGE_KERNEL_XN 2   /* EL1 rw, executable at neither */
#define PAGE_USER_RX 3     /* EL1+EL0 read-only, executable at both */
#define PAGE_TAGGED_RW 4   /* EL1 rw, not executable, Normal Tagged (MTE allocation tags) */

void mmu_enable_secondary(void);           /* called by secondaries' entry code */
/* Change the 4 KiB page at @va in RAM (break-before-make, TLBs flushed on all CPUs). */
void mmu_set_page(void *va, int page_attr);
/* Make the 4 KiB page at @va fault on any access; mmu_map_page() puts it back. */
void mmu_unmap_page(void *va);
void mmu_map_page(void *va);
/* The leaf descriptor for @va, 0 when unmapped. */
u64 mmu_get_pte(const void *va);
bool mmu_enabled(void);
/*
 * Program MAIR_EL1's MT_NORMAL_TAGGED attribute (Normal, Tagged: 0xf0) and TCR_EL1.TBI0
 * (tagged pointers: the top byte is ignored by translation), on this CPU and for CPUs
 * that enable their MMU later. Only with FEAT_MTE2 (the encoding is reserved without it).
 */
void mmu_enable_tagged(void);



/* The RAM bank the image runs in, from the device tree. */
extern phys_addr_t ram_start, ram_end;

#endif
