/*
 * FP/SIMD and SVE register files, loaded from and stored to memory in one go: guest C
 * code is built without FP registers (-mgeneral-regs-only), so only these helpers
 * touch them.
 */
#ifndef ARM64_FPU_H
#define ARM64_FPU_H

#include <libcflat.h>

#define FPU_VREGS 32
#define FPU_VREG_BYTES 16

struct fpu_state {
	u8 v[FPU_VREGS][FPU_VREG_BYTES];
	u64 fpcr, fpsr;
};

void fpu_load(const struct fpu_state *s);
void fpu_store(struct fpu_state *s);

/* SVE: ID_AA64PFR0_EL1.SVE, and the vector length in bytes once sve_enable() ran. */
bool sve_present(void);
/* CPACR_EL1.ZEN on and ZCR_EL1.LEN at its largest; returns the vector length in bytes. */
unsigned int sve_enable(void);
/* z0-z31, each sve_vl bytes, from/to @buf (32 * vl bytes). */
void sve_load_z(const void *buf);
void sve_store_z(void *buf);

#endif
