/*
 * The ultravisor-call facility of a protected-virtualization guest (STFLE bit 158):
 * ULTRAVISOR CALL is privileged and needs a doubleword-aligned control block. (QEMU 7.2
 * TCG lacks the facility: the test SKIPs there, so these claims have not run on it.)
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/facility.h>

#define UVC_CMD_QUERY	0x0001

struct uv_cb_header {
	u16 len;
	u16 cmd;
	u16 rc;
	u16 rrc;
} __packed;

static u8 cb[PAGE_SIZE] __aligned(PAGE_SIZE);

static void uvc(void *block)
{
	asm volatile(".insn rrf,0xb9a40000,0,%[cb],0,0" : : [cb] "a"(block) : "memory", "cc");
}

int main(void)
{
	struct uv_cb_header *h = (void *)(cb + 8);

	report_prefix_push("uv-guest");
	if (!test_facility(FAC_UV_CALL)) {
		report_skip("ultravisor-call facility (STFLE bit 158) not installed");
		return report_summary();
	}
	h->len = PAGE_SIZE - 8;
	h->cmd = UVC_CMD_QUERY;
	check_privileged(4, "UVC query in the problem state", uvc(h));
	expect_pgm_int();
	uvc(cb + 4);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "control block not on a doubleword");
	report_prefix_pop();
	return report_summary();
}
