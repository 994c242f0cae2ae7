/*
 * Dynamic address translation (PoP ch. 3 "Dynamic Address Translation"). An address
 * space here is rooted in a region-third table (2048 entries, 4 TiB): region-third
 * entries point at segment tables (2 GiB each), segment entries at page tables
 * (1 MiB each, 256 entries of 4 KiB pages). With EDAT-1 a segment entry can map a
 * 1 MiB frame, with EDAT-2 a region-third entry a 2 GiB frame (format control).
 * Tables live in real storage from the page allocator; the tests keep an identity
 * map of memory so interruption handlers (which run with DAT off) see the same data.
 */
#ifndef S390X_DAT_H
#define S390X_DAT_H

#include <libcflat.h>
#include <s390x/psw.h>

#define SEGMENT_SIZE		SZ_1M
#define REGION3_SIZE		(2 * SZ_1G)

/* Entry bits (bit 63 - PoP bit number). */
#define DAT_ENTRY_INVALID_PAGE	0x400UL	/* page-table entry bit 53 */
#define DAT_ENTRY_INVALID	0x020UL	/* segment and region entries, bit 58 */
#define DAT_ENTRY_PROTECT	0x200UL	/* bit 54, every level */
#define DAT_ENTRY_NOEXEC	0x100UL	/* bit 55, with instruction-execution protection */
#define DAT_ENTRY_FC		0x400UL	/* bit 53 of segment/region-third entries: a frame */
#define DAT_ENTRY_TT_REGION3	0x004UL	/* bits 60-61: table type */
#define DAT_TABLE_LENGTH_FULL	0x003UL	/* bits 62-63: 4 units of 512 entries */

/* Address-space-control element: designation type in bits 60-61. */
#define ASCE_DT_REGION3		0x004UL

/* PSW bits 16-17: address-space control. */
#define PSW_ASC_PRIMARY		0UL
#define PSW_ASC_SECONDARY	(2UL << (63 - 17))
#define PSW_ASC_HOME		(3UL << (63 - 17))

/* Control registers: 0 bits 37 (secondary space), 40 (EDAT-1), 43 (IEP); 1/7/13 ASCEs. */
#define CR0_IEP			CR_BIT(43)
#define CR0_EDAT		CR_BIT(40)
#define CR0_SECONDARY_SPACE	CR_BIT(37)

/* DAT_MAP_* flags for the map calls. */
#define DAT_MAP_PROTECT		DAT_ENTRY_PROTECT
#define DAT_MAP_NOEXEC		DAT_ENTRY_NOEXEC

struct dat_space {
	u64 *region3;
	u64 asce;
};

/* An empty space (every region-third entry invalid). */
void dat_space_init(struct dat_space *s);
/* Identity-map [0, @end) with 4 KiB pages, read/write. */
void dat_space_identity(struct dat_space *s, u64 end);

/* 0 on success; -1 when the level above is a frame or the address is misaligned. */
int dat_map_page(struct dat_space *s, u64 virt, u64 phys, u64 flags);
int dat_map_segment(struct dat_space *s, u64 virt, u64 phys, u64 flags);	/* EDAT-1 */
int dat_map_region3(struct dat_space *s, u64 virt, u64 phys, u64 flags);	/* EDAT-2 */
/* Invalidate the page's entry (INVALIDATE PAGE TABLE ENTRY): it faults from now on. */
void dat_unmap_page(struct dat_space *s, u64 virt);
/* Set or clear DAT protection (or no-execute) of a mapped 4 KiB page; purges the TLB. */
void dat_page_flags(struct dat_space *s, u64 virt, u64 flags, bool set);
/* The page-table entry of @virt, or NULL when no page table covers it. */
u64 *dat_pte(struct dat_space *s, u64 virt);
u64 *dat_segment_entry(struct dat_space *s, u64 virt);

/*
 * Turn DAT on with @primary in CR1 and @home in CR13 (and CR7, the secondary space,
 * = primary), EDAT enabled in CR0 where facility 8 is installed.
 */
void dat_enable(struct dat_space *primary, struct dat_space *home);
/* A fresh identity map of all memory in @s, DAT on with it as primary and home space. */
void dat_enable_identity(struct dat_space *s);
void dat_disable(void);
/* Switch the PSW's address-space control (PSW_ASC_*); DAT must be on. */
void dat_set_asc(u64 asc);
void dat_purge_tlb(void);

#endif
