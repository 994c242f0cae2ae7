/*
 * Self-hosted debug at EL1 (Arm ARM D2): hardware breakpoints and watchpoints,
 * software step, and the exception classes they raise. Debug exceptions are taken
 * at EL1 from EL1 only with MDSCR_EL1.KDE set and PSTATE.D clear (D2.2, D2.12).
 */
#ifndef ARM64_DEBUG_H
#define ARM64_DEBUG_H

#include <libcflat.h>

/* ESR_ELx.EC of debug exceptions (Arm ARM D17.2.37): LOW from EL0, CUR from EL1. */
#define ESR_EC_BKPT_LOW 0x30
#define ESR_EC_BKPT_CUR 0x31
#define ESR_EC_SSTEP_LOW 0x32
#define ESR_EC_SSTEP_CUR 0x33
#define ESR_EC_WATCHPT_LOW 0x34
#define ESR_EC_WATCHPT_CUR 0x35

/* ISS bits: watchpoint WnR (write not read), software step ISV and EX. */
#define ESR_WATCHPT_WNR BIT(6)
#define ESR_SSTEP_ISV BIT(24)
#define ESR_SSTEP_EX BIT(6)

#define MDSCR_SS BIT(0)
#define MDSCR_KDE BIT(13)
#define MDSCR_MDE BIT(15)
#define PSR_SS BIT(21)

/* Watchpoint load/store control (DBGWCR_EL1.LSC). */
#define WP_LOAD 1
#define WP_STORE 2
#define WP_ACCESS 3

#define DBG_MAX_REGS 16

/* Implemented breakpoints / watchpoints (ID_AA64DFR0_EL1.BRPs / WRPs, plus one). */
int debug_nr_breakpoints(void);
int debug_nr_watchpoints(void);

u64 debug_read_bvr(int n);
u64 debug_read_bcr(int n);
u64 debug_read_wvr(int n);
u64 debug_read_wcr(int n);
void debug_write_bvr(int n, u64 v);
void debug_write_bcr(int n, u64 v);
void debug_write_wvr(int n, u64 v);
void debug_write_wcr(int n, u64 v);

/* Every breakpoint and watchpoint off, MDSCR_EL1 clear, the OS lock released. */
void debug_reset(void);
/* MDSCR_EL1.KDE|MDE on and PSTATE.D clear: debug exceptions reach EL1 from EL1. */
void debug_enable(void);
/* PSTATE.D set and MDSCR_EL1 clear. */
void debug_disable(void);

/* Breakpoint @n on the A64 instruction at @pc, for EL1 and EL0. */
void debug_set_breakpoint(int n, const void *pc);
/* Watchpoint @n on the @len bytes (1-8, inside one doubleword) at @addr, for @lsc. */
void debug_set_watchpoint(int n, const void *addr, int len, int lsc);
/* The DBGBCR/DBGWCR values those helpers write (what a read back must return). */
u64 debug_bcr_value(void);
u64 debug_wcr_value(const void *addr, int len, int lsc);

#endif
