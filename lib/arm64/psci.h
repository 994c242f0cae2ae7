/* PSCI (Arm DEN0022, "Arm Power State Coordination Interface"). */
#ifndef ARM64_PSCI_H
#define ARM64_PSCI_H

#include <libcflat.h>

/* Function ids (DEN0022 section 5.1): SMC64 versions where the argument is an address. */
#define PSCI_VERSION 0x84000000U
#define PSCI_CPU_SUSPEND 0xc4000001U
#define PSCI_CPU_OFF 0x84000002U
#define PSCI_CPU_ON 0xc4000003U
#define PSCI_AFFINITY_INFO 0xc4000004U
#define PSCI_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_SYSTEM_OFF 0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U
#define PSCI_FEATURES 0x8400000aU

/* Return codes (DEN0022 section 5.2.2). */
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED -1
#define PSCI_RET_INVALID_PARAMETERS -2
#define PSCI_RET_DENIED -3
#define PSCI_RET_ALREADY_ON -4
#define PSCI_RET_ON_PENDING -5
#define PSCI_RET_INTERNAL_FAILURE -6
#define PSCI_RET_NOT_PRESENT -7
#define PSCI_RET_DISABLED -8
#define PSCI_RET_INVALID_ADDRESS -9

/* AFFINITY_INFO results. */
#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2

/* The conduit from /psci "method": true for "hvc", false for "smc". */
extern bool psci_use_hvc;
long psci_invoke(u64 fn, u64 a1, u64 a2, u64 a3);
long psci_cpu_on(u64 mpidr, u64 entry, u64 context);
long psci_cpu_off(void);
long psci_affinity_info(u64 mpidr, u64 lowest_level);
void psci_system_off(void) __noreturn;

#endif
