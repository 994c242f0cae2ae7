/*
 * The architecture-neutral half of SMP: locks, and a one-slot mailbox per CPU
 * through which on_cpu() hands work to a secondary waiting in smp_idle_loop().
 */
#include <libcflat.h>

int nr_cpus = 1;

struct mailbox {
	void (*fn)(void *);
	void *arg;
	int busy; /* set by the poster, cleared by the CPU when fn returned */
};

static struct mailbox mailboxes[MAX_CPUS];
static int online[MAX_CPUS];
static int nr_online = 1;

void spin_lock(struct spinlock *lock)
{
	while (__atomic_exchange_n(&lock->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock->v, __ATOMIC_RELAXED))
			cpu_relax();
}

void spin_unlock(struct spinlock *lock)
{
	__atomic_store_n(&lock->v, 0, __ATOMIC_RELEASE);
}

void smp_mark_online(int cpu)
{
	assert(cpu >= 0 && cpu < MAX_CPUS);
	if (!__atomic_exchange_n(&online[cpu], 1, __ATOMIC_SEQ_CST) && cpu != 0)
		atomic_inc_return(&nr_online);
}

int cpus_online(void)
{
	return atomic_read(&nr_online);
}

bool cpu_is_online(int cpu)
{
	return cpu == 0 || atomic_read(&online[cpu]);
}

bool cpu_is_idle(int cpu)
{
	return !atomic_read(&mailboxes[cpu].busy);
}

void smp_idle_loop(void)
{
	struct mailbox *mb = &mailboxes[smp_processor_id()];

	for (;;) {
		while (!atomic_read(&mb->busy))
			arch_idle_wait();
		mb->fn(mb->arg);
		atomic_set(&mb->busy, 0);
	}
}

void on_cpu_async(int cpu, void (*fn)(void *), void *arg)
{
	struct mailbox *mb = &mailboxes[cpu];

	assert_msg(cpu >= 0 && cpu < nr_cpus && cpu_is_online(cpu), "cpu %d is not online", cpu);
	assert_msg(cpu != smp_processor_id(), "on_cpu_async to the calling cpu %d", cpu);
	while (atomic_read(&mb->busy))
		cpu_relax();
	mb->fn = fn;
	mb->arg = arg;
	atomic_set(&mb->busy, 1);
	arch_kick_cpu(cpu);
}

void on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	if (cpu == smp_processor_id()) {
		fn(arg);
		return;
	}
	on_cpu_async(cpu, fn, arg);
	while (!cpu_is_idle(cpu))
		cpu_relax();
}

void wait_cpus_idle(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		while (cpu != smp_processor_id() && !cpu_is_idle(cpu))
			cpu_relax();
}

void on_cpus(void (*fn)(void *), void *arg)
{
	int cpu, self = smp_processor_id();

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (cpu != self && cpu_is_online(cpu))
			on_cpu_async(cpu, fn, arg);
	fn(arg);
	wait_cpus_idle();
}
