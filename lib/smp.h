/*
 * Running functions on other CPUs. The arch brings CPUs up; once up, a secondary
 * CPU sits in smp_idle_loop() and takes work posted with on_cpu()/on_cpus().
 */
#ifndef LIB_SMP_H
#define LIB_SMP_H

#include <cflat/types.h>

#ifndef MAX_CPUS
#define MAX_CPUS 64
#endif

extern int nr_cpus; /* CPUs the machine has (set by the arch at boot) */

/* Arch hooks. */
int smp_processor_id(void);      /* logical id, 0 .. nr_cpus-1 */
void arch_idle_wait(void);       /* wait a little (or for arch_kick_cpu) in the idle loop */
void arch_kick_cpu(int cpu);     /* wake @cpu from arch_idle_wait */

/* Called by the arch on a secondary once it can run C with its own stack. */
void smp_idle_loop(void) __attribute__((noreturn));
void smp_mark_online(int cpu);
int cpus_online(void);
bool cpu_is_online(int cpu);
bool cpu_is_idle(int cpu);

/* Run @fn(@arg) on @cpu and wait for it to return (on the caller's CPU: a direct call). */
void on_cpu(int cpu, void (*fn)(void *), void *arg);
/* Post @fn(@arg) to @cpu and return at once. */
void on_cpu_async(int cpu, void (*fn)(void *), void *arg);
/* Run @fn(@arg) on every online CPU, the caller's included, and wait for all. */
void on_cpus(void (*fn)(void *), void *arg);
/* Wait until every other online CPU is idle again. */
void wait_cpus_idle(void);

#endif
