/*
 * The guest runtime every test sees: types, console, strings, the report API,
 * allocators, argv and the hooks each architecture implements.
 */
#ifndef LIBCFLAT_H
#define LIBCFLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uintptr_t phys_addr_t;
typedef long ssize_t;

#define __unused __attribute__((unused))
#define __noreturn __attribute__((noreturn))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __weak __attribute__((weak))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK_ULL(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define SZ_1K 0x400UL
#define SZ_4K 0x1000UL
#define SZ_64K 0x10000UL
#define SZ_1M 0x100000UL
#define SZ_2M 0x200000UL
#define SZ_1G 0x40000000UL
#define PAGE_SIZE SZ_4K
#define PAGE_SHIFT 12

#define barrier() asm volatile("" ::: "memory")
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Exit codes of a test image: what report_summary() returns (docs/HACKING.md). */
enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,
	EXIT_SKIP = 2,
	EXIT_ABORT = 3,
};

/* Hooks each architecture implements in lib/<arch>/. */
void arch_puts(const char *s);
void arch_exit(int code) __noreturn;
int arch_backtrace(unsigned long *pcs, int max);
int arch_getchar(void); /* console input, non-blocking: a byte, or -1 when none waits */

/* Console. */
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...) __printf(2, 3);
int puts(const char *s);
int putchar(int c);

/* Strings and memory (also what libfdt links against). */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
unsigned long strtoul(const char *s, char **end, int base);
long strtol(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
long atol(const char *s);
int isspace(int c);
int isdigit(int c);

/* Reporting: see docs/HACKING.md for the line format the runner reads. */
void report_prefix_push(const char *prefix);
void report_prefix_pushf(const char *fmt, ...) __printf(1, 2);
void report_prefix_pop(void);
void report_prefix_popn(int n);
bool report(bool pass, const char *fmt, ...) __printf(2, 3);
void report_pass(const char *fmt, ...) __printf(1, 2);
void report_fail(const char *fmt, ...) __printf(1, 2);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
/* A claim the test itself expects to fail when xfail is true. */
bool report_xfail(bool xfail, bool pass, const char *fmt, ...) __printf(3, 4);
/*
 * A known hypervisor deviation: when @known is true (the test found it is on the
 * accelerator @why names), a failure is counted as "known", not as a failure; a pass
 * is a pass. On a hypervisor where @known is false the claim is an ordinary report().
 */
bool report_kfail(bool known, const char *why, bool pass, const char *fmt, ...) __printf(4, 5);
int report_summary(void);
/* Per-CPU safe: the counters are updated under a lock. */

/* Exit and assertions. */
void exit(int code) __noreturn;
void abort(void) __noreturn;
void dump_stack(void);
void __assert_fail(const char *cond, const char *file, int line, const char *func) __noreturn;
#define assert(cond) \
	do { \
		if (!(cond)) \
			__assert_fail(#cond, __FILE__, __LINE__, __func__); \
	} while (0)
#define assert_msg(cond, fmt, ...) \
	do { \
		if (!(cond)) { \
			printf("assert failed: " fmt "\n", ##__VA_ARGS__); \
			__assert_fail(#cond, __FILE__, __LINE__, __func__); \
		} \
	} while (0)

/* Command line: -append "..." becomes argv[1..]; words KEY=VALUE before the first
 * other word also land in the environment (getenv). argv[0] is the image name. */
extern int __argc;
extern char *__argv[];
extern char *__environ[];
void setup_args(const char *cmdline);
void setup_args_progname(const char *name);
char *getenv(const char *name);
/*
 * The accelerator QEMU runs this guest with, as the run script tells it through the
 * QEMU_ACCEL=tcg|kvm environment word; NULL when started some other way. Tests use it
 * only to classify a known hypervisor deviation (report_kfail), never to pick a verdict.
 */
const char *qemu_accel(void);
bool accel_is(const char *name);
/* Under KVM, the host's KVM module as the run script saw it (KVM_MODULE=kvm_intel, kvm_amd,
 * kvm_pvm...): for deviations of one kind of KVM host only. */
bool kvm_module_is(const char *name);
/* Tests define main(void), main(argc, argv) or main(argc, argv, envp): no prototype. */
int main();

/* Page allocator over the free RAM the arch hands over at boot. */
void page_alloc_init(phys_addr_t start, phys_addr_t end);
void *alloc_page(void);
void *alloc_pages(unsigned int order); /* 2^order contiguous pages, naturally aligned */
void free_page(void *page);
void free_pages(void *mem, unsigned int order);
size_t page_alloc_free_count(void);
void *alloc_pages_below(unsigned int order, phys_addr_t limit);
/*
 * The highest free block of 2^order pages, NOT zeroed and never written by the
 * allocator: RAM nothing touched since boot unless it was allocated and freed before
 * (what first-touch measurements need). NULL when none is free.
 */
void *alloc_pages_fresh(unsigned int order);

/* Heap. */
void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *memalign(size_t align, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

/* Spinlocks and atomics (gcc builtins: the same code on every arch). */
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

#include "smp.h"

#endif
