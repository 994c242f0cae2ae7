/*
 * A CPU- and memory-bound workload whose answer is known: the number of primes below
 * 2^20 (82025), sieved in a static array, in freshly allocated pages, and again in the
 * same pages, so a lost store, a stale TLB entry or a corrupted register shows up as a
 * wrong count.
 */
#include <libcflat.h>

#define LIMIT (1UL << 20)
#define PRIMES_BELOW_LIMIT 82025
#define BITMAP_BYTES (LIMIT / 8)

static u8 static_bitmap[BITMAP_BYTES];

static unsigned long sieve(u8 *composite)
{
	unsigned long i, j, count = 0;

	memset(composite, 0, BITMAP_BYTES);
	for (i = 2; i < LIMIT; i++) {
		if (composite[i / 8] & (1 << (i % 8)))
			continue;
		count++;
		if (i > (LIMIT - 1) / i) /* i * i would pass the limit (or wrap on i386) */
			continue;
		for (j = i * i; j < LIMIT; j += i)
			composite[j / 8] |= 1 << (j % 8);
	}
	return count;
}

int main(void)
{
	unsigned int order = 5; /* 32 pages = 128 KiB = BITMAP_BYTES */
	u8 *pages = alloc_pages(order);
	unsigned long n;

	assert((PAGE_SIZE << order) == BITMAP_BYTES && pages);
	n = sieve(static_bitmap);
	report(n == PRIMES_BELOW_LIMIT, "static array: %lu primes below 2^20", n);
	n = sieve(pages);
	report(n == PRIMES_BELOW_LIMIT, "allocated pages: %lu primes below 2^20", n);
	n = sieve(pages);
	report(n == PRIMES_BELOW_LIMIT, "the same pages again: %lu primes below 2^20", n);
	free_pages(pages, order);
	return report_summary();
}
