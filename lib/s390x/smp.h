/* s390x CPUs through SIGNAL PROCESSOR. */
#ifndef S390X_SMP_H
#define S390X_SMP_H

#include <libcflat.h>

/* CPU address (what SIGP takes) of logical CPU @cpu. */
u16 cpu_addr(int cpu);
/*
 * Start @cpu (stopped or not: it is stopped first) at @fn with a fresh stack and its
 * own prefix area. When @fn returns, the CPU stops itself.
 */
int smp_cpu_start(int cpu, void (*fn)(void));
/* SIGP STOP and wait until the CPU reports stopped. */
int smp_cpu_stop(int cpu);
bool smp_cpu_stopped(int cpu);
/* Bring @cpu back into smp_idle_loop() so on_cpu() works on it again. */
int smp_cpu_start_idle(int cpu);
/* Stop this CPU; it does not return unless restarted (then it never does). */
void smp_stop_self(void) __noreturn;

void smp_boot_secondaries(const u16 *addrs, int n);

#endif
