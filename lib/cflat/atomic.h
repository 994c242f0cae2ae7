/* Spinlocks and atomics (gcc builtins: the same code on every arch). */
#ifndef CFLAT_ATOMIC_H
#define CFLAT_ATOMIC_H

#include <cflat/types.h>

struct spinlock {
	int v;
};
void spin_lock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);
void cpu_relax(void); /* arch: pause / yield / nop */

static inline int atomic_inc_return(int *v)
{
	return __atomic_add_fetch(v, 1, __ATOMIC_SEQ_CST);
}
static inline int atomic_dec_return(int *v)
{
	return __atomic_sub_fetch(v, 1, __ATOMIC_SEQ_CST);
}
static inline int atomic_read(const int *v)
{
	return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}
static inline void atomic_set(int *v, int val)
{
	__atomic_store_n(v, val, __ATOMIC_SEQ_CST);
}
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
