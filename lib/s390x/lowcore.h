/*
 * The prefix area ("low core"): the first 8 KiB of each CPU's view of storage,
 * relocated per CPU by its prefix register (PoP ch. 3 "Prefixing" and
 * "Assigned Storage Locations"). Offsets are architected except LC_SW_*, which live
 * in the range the architecture leaves to the program.
 */
#ifndef S390X_LOWCORE_H
#define S390X_LOWCORE_H

#define LC_EXT_PARAM		0x80	/* u32 external-interruption parameter */
#define LC_EXT_CPU_ADDR		0x84	/* u16 CPU address of a SIGP source */
#define LC_EXT_CODE		0x86	/* u16 external-interruption code */
#define LC_SVC_ILC		0x89	/* u8  instruction length, bits 5-6 */
#define LC_SVC_CODE		0x8a	/* u16 */
#define LC_PGM_ILC		0x8d	/* u8  instruction length, bits 5-6 */
#define LC_PGM_CODE		0x8e	/* u16 program-interruption code */
#define LC_TRANS_EXC		0xa8	/* u64 translation-exception identification */
#define LC_SUBSYS_ID		0xb8	/* u32 subsystem-identification word (I/O) */
#define LC_IO_PARAM		0xbc	/* u32 I/O-interruption parameter */
#define LC_IO_ID		0xc0	/* u32 I/O-interruption-identification word */
#define LC_MCCK_CODE		0xe8	/* u64 machine-check interruption code */

#define LC_RESTART_OLD_PSW	0x120
#define LC_EXT_OLD_PSW		0x130
#define LC_SVC_OLD_PSW		0x140
#define LC_PGM_OLD_PSW		0x150
#define LC_MCCK_OLD_PSW		0x160
#define LC_IO_OLD_PSW		0x170
#define LC_RESTART_NEW_PSW	0x1a0
#define LC_EXT_NEW_PSW		0x1b0
#define LC_SVC_NEW_PSW		0x1c0
#define LC_PGM_NEW_PSW		0x1d0
#define LC_MCCK_NEW_PSW		0x1e0
#define LC_IO_NEW_PSW		0x1f0

/* Software-defined, per CPU. */
#define LC_SW_SCRATCH_GRS	0x200	/* 16 * u64: GRs on interruption entry */
#define LC_SW_RETURN_PSW	0x280	/* PSW the return path loads */
#define LC_SW_CPU_ID		0x290	/* u32 logical CPU number */
#define LC_SW_SCRATCH		0x294	/* u32 scratch for STNSM */
#define LC_SW_START_STACK	0x298	/* u64 initial stack of a starting CPU */
#define LC_SW_START_FN		0x2a0	/* u64 function a starting CPU runs */
#define LC_SW_START_CRS		0x300	/* 16 * u64 control registers of a starting CPU */

#define LOWCORE_SIZE		0x2000

#ifndef __ASSEMBLY__
#include <libcflat.h>

/*
 * Address 0 is this CPU's prefix area. The pointer comes through asm so the compiler
 * never sees a dereference of a null constant.
 */
static inline u8 *lowcore(void)
{
	u8 *p;

	asm("lghi %0,0" : "=d"(p));
	return p;
}

#define LC_FIELD(type, off) (*(volatile type *)(lowcore() + (off)))

#endif
#endif
