/*
 * SCLP (service-call logical processor) Read SCP Info against the configured memory:
 * run with -m and -append "mem <MiB>". Claims: the reported size is the configured one,
 * the last byte is usable and the first beyond it an addressing exception, and SERVICE
 * CALL's own checks (invalid command, unaligned or out-of-range SCCB, problem state).
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/sclp.h>

static u8 *sccb;

static int servc(u32 cmd, void *block)
{
	u64 ipm;

	asm volatile(".insn rre,0xb2200000,%[cmd],%[sccb]\n ipm %[ipm]"
		     : [ipm] "=d"(ipm) : [cmd] "d"((u64)cmd), [sccb] "a"(block) : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

static void test_memory(u64 want_mib)
{
	struct sclp_machine_info info;
	volatile u8 *last;
	u64 end;

	report(!sclp_read_info(&info), "Read SCP Info completes");
	end = info.memory_size;
	report(end == want_mib * SZ_1M, "memory size %lu MiB (configured %lu MiB)", end >> 20,
	       want_mib);
	last = (u8 *)end - 1;
	*last = 0x5a;
	report(*last == 0x5a, "the last byte of memory is usable");
	expect_pgm_int();
	asm volatile("ic %%r0,0(%0)" : : "a"(end) : "r0");
	check_pgm_int(PGM_INT_CODE_ADDRESSING, 4, "the first byte beyond memory");
}

static void test_servc(void)
{
	struct sccb_header *h = (void *)sccb;

	memset(sccb, 0, PAGE_SIZE);
	h->length = PAGE_SIZE;
	report(!sclp_service_call(0x00ff0001, sccb), "an unknown command is accepted");
	report(h->response_code == SCLP_RC_INVALID_COMMAND, "with response 0x1f0 (got %#x)",
	       h->response_code);

	expect_pgm_int();
	servc(SCLP_CMD_READ_SCP_INFO, sccb + 4);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "SCCB not on a doubleword");
	expect_pgm_int();
	servc(SCLP_CMD_READ_SCP_INFO, (void *)(1UL << 40));
	check_pgm_int(PGM_INT_CODE_ADDRESSING, 4, "SCCB beyond memory");
	check_privileged(4, "problem state", servc(SCLP_CMD_READ_SCP_INFO, sccb));
}

int main(int argc, char **argv)
{
	sccb = alloc_pages_below(0, 1UL << 31);
	report_prefix_push("sclp");
	if (argc == 3 && !strcmp(argv[1], "mem"))
		test_memory(atol(argv[2]));
	else
		report_fail("usage: -append \"mem <MiB>\"");
	test_servc();
	report_prefix_pop();
	return report_summary();
}
