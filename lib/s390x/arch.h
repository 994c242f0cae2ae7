/* Small privileged instructions as inline functions. */
#ifndef S390X_ARCH_H
#define S390X_ARCH_H

#include <libcflat.h>
#include <s390x/psw.h>

/* SIGNAL PROCESSOR orders and status bits (PoP ch. 4 "Signal-Processor Orders"). */
#define SIGP_SENSE			0x01
#define SIGP_EXTERNAL_CALL		0x02
#define SIGP_EMERGENCY_SIGNAL		0x03
#define SIGP_START			0x04
#define SIGP_STOP			0x05
#define SIGP_RESTART			0x06
#define SIGP_STOP_AND_STORE_STATUS	0x09
#define SIGP_INITIAL_CPU_RESET		0x0b
#define SIGP_CPU_RESET			0x0c
#define SIGP_SET_PREFIX			0x0d
#define SIGP_STORE_STATUS_AT_ADDRESS	0x0e
#define SIGP_SENSE_RUNNING_STATUS	0x15

#define SIGP_STATUS_EQUIPMENT_CHECK	0x80000000U
#define SIGP_STATUS_INCORRECT_STATE	0x00000200U
#define SIGP_STATUS_INVALID_PARAMETER	0x00000100U
#define SIGP_STATUS_EXT_CALL_PENDING	0x00000080U
#define SIGP_STATUS_STOPPED		0x00000040U
#define SIGP_STATUS_OPERATOR_INTERVENING 0x00000020U
#define SIGP_STATUS_CHECK_STOP		0x00000010U
#define SIGP_STATUS_INOPERATIVE		0x00000004U
#define SIGP_STATUS_INVALID_ORDER	0x00000002U
#define SIGP_STATUS_RECEIVER_CHECK	0x00000001U

#define SIGP_CC_ACCEPTED		0
#define SIGP_CC_STATUS_STORED		1
#define SIGP_CC_BUSY			2
#define SIGP_CC_NOT_OPERATIONAL		3

/*
 * SIGNAL PROCESSOR with R1 = 0: the status lands in r0, the parameter is taken
 * from R1 + 1 = r1 (an even R1 names the parameter's odd partner).
 */
static inline int sigp(u16 addr, u8 order, u64 param, u32 *status)
{
	register u64 r0 asm("0") = 0;
	register u64 r1 asm("1") = param;
	u64 ipm;

	asm volatile("sigp %[r0],%[addr],0(%[order])\n"
		     "ipm %[ipm]"
		     : [r0] "+d"(r0), [ipm] "=d"(ipm)
		     : "d"(r1), [addr] "d"((u64)addr), [order] "a"((u64)order)
		     : "cc", "memory");
	if (status)
		*status = r0;
	return CC_FROM_IPM(ipm);
}

/* SIGP that retries while the target reports busy (cc 2). */
static inline int sigp_retry(u16 addr, u8 order, u64 param, u32 *status)
{
	int cc;

	do
		cc = sigp(addr, order, param, status);
	while (cc == SIGP_CC_BUSY);
	return cc;
}

static inline u16 stap(void)
{
	u16 addr;

	asm volatile("stap %0" : "=Q"(addr));
	return addr;
}

static inline u64 stckf(void)
{
	u64 tod;

	asm volatile("stckf %0" : "=Q"(tod) : : "cc");
	return tod;
}

static inline void sckc(u64 value)
{
	asm volatile("sckc %0" : : "Q"(value));
}

/* TOD clock: bit 51 ticks once a microsecond. */
#define TOD_PER_USEC 4096UL

#endif
