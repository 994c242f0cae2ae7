/*
 * DIAGNOSE 0x258, the pseudo-page-fault handshake (z/VM and KVM): a parameter block
 * (diagnose code 0x258, function 0 establish a token or 1 cancel, length 5
 * doublewords, version 2). Claims: cancel is accepted with return code 0, a token
 * can be established and cancelled again, and a block of the wrong version is a
 * specification exception. A hypervisor without it gives a specification exception
 * for any use: the test SKIPs then.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define PFAULT_TOKEN	0
#define PFAULT_CANCEL	1

struct pfault_block {
	u16 diag;
	u16 function;
	u16 dwords;
	u16 version;
	u64 token_addr;
	u64 select_mask;
	u64 compare_mask;
	u64 reserved;
} __aligned(8);

static u64 token __aligned(8);

static u64 diag258(struct pfault_block *blk)
{
	u64 rc = ~0UL;

	asm volatile("diag %[blk],%[rc],0x258" : [rc] "+d"(rc) : [blk] "a"(blk) : "memory", "cc");
	return rc;
}

static struct pfault_block block(u16 function, u16 version)
{
	return (struct pfault_block){
		.diag = 0x258, .function = function, .dwords = 5, .version = version,
		.token_addr = (u64)&token, .select_mask = 1UL << 48, .compare_mask = 1UL << 48,
	};
}

int main(void)
{
	struct pfault_block blk = block(PFAULT_CANCEL, 2);
	u16 code;
	u64 rc;

	report_prefix_push("diag258");
	expect_pgm_int();
	rc = diag258(&blk);
	code = pgm_int_taken();
	if (code == PGM_INT_CODE_SPECIFICATION) {
		report_skip("DIAGNOSE 0x258 not provided "
			    "(a valid cancel is a specification exception)");
		return report_summary();
	}
	report(!code && rc == 0, "cancel: return code 0 (rc %lu, exception %#x)", rc, code);
	blk = block(PFAULT_TOKEN, 2);
	rc = diag258(&blk);
	report(rc == 0, "establish a token: return code 0 (rc %lu)", rc);
	blk = block(PFAULT_CANCEL, 2);
	rc = diag258(&blk);
	report(rc == 0, "cancel it: return code 0 (rc %lu)", rc);
	blk = block(PFAULT_TOKEN, 1);
	expect_pgm_int();
	diag258(&blk);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "version 1 block");
	report_prefix_pop();
	return report_summary();
}
