#include <arm64/fpu.h>
#include <arm64/sysreg.h>

#define CPACR_ZEN (3UL << 16)
#define ZCR_LEN_MAX 0xf

void fpu_load(const struct fpu_state *s)
{
	const u8 *p = &s->v[0][0];

	asm volatile("ld1 {v0.16b-v3.16b}, [%0], #64\n"
		     "ld1 {v4.16b-v7.16b}, [%0], #64\n"
		     "ld1 {v8.16b-v11.16b}, [%0], #64\n"
		     "ld1 {v12.16b-v15.16b}, [%0], #64\n"
		     "ld1 {v16.16b-v19.16b}, [%0], #64\n"
		     "ld1 {v20.16b-v23.16b}, [%0], #64\n"
		     "ld1 {v24.16b-v27.16b}, [%0], #64\n"
		     "ld1 {v28.16b-v31.16b}, [%0], #64\n"
		     : "+r"(p) : : "memory");
	write_sysreg(s->fpcr, fpcr);
	write_sysreg(s->fpsr, fpsr);
	isb();
}

void fpu_store(struct fpu_state *s)
{
	u8 *p = &s->v[0][0];

	asm volatile("st1 {v0.16b-v3.16b}, [%0], #64\n"
		     "st1 {v4.16b-v7.16b}, [%0], #64\n"
		     "st1 {v8.16b-v11.16b}, [%0], #64\n"
		     "st1 {v12.16b-v15.16b}, [%0], #64\n"
		     "st1 {v16.16b-v19.16b}, [%0], #64\n"
		     "st1 {v20.16b-v23.16b}, [%0], #64\n"
		     "st1 {v24.16b-v27.16b}, [%0], #64\n"
		     "st1 {v28.16b-v31.16b}, [%0], #64\n"
		     : "+r"(p) : : "memory");
	s->fpcr = read_sysreg(fpcr);
	s->fpsr = read_sysreg(fpsr);
}

bool sve_present(void)
{
	return (read_sysreg(id_aa64pfr0_el1) >> 32) & 0xf;
}

unsigned int sve_enable(void)
{
	u64 vl;

	write_sysreg(read_sysreg(cpacr_el1) | CPACR_ZEN, cpacr_el1);
	isb();
	write_sysreg(ZCR_LEN_MAX, S3_0_C1_C2_0); /* ZCR_EL1 */
	isb();
	asm volatile("rdvl %0, #1" : "=r"(vl));
	return vl;
}

#define Z_LOAD(n) "ldr z" #n ", [%0, #" #n ", mul vl]\n"
#define Z_STORE(n) "str z" #n ", [%0, #" #n ", mul vl]\n"
#define Z_ALL(op)                                                                  \
	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10) op(11)   \
	op(12) op(13) op(14) op(15) op(16) op(17) op(18) op(19) op(20) op(21)       \
	op(22) op(23) op(24) op(25) op(26) op(27) op(28) op(29) op(30) op(31)

void sve_load_z(const void *buf)
{
	asm volatile(Z_ALL(Z_LOAD) : : "r"(buf) : "memory");
}

void sve_store_z(void *buf)
{
	asm volatile(Z_ALL(Z_STORE) : : "r"(buf) : "memory");
}
