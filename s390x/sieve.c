/* CPU-bound sanity: count primes with a sieve, twice, in freshly allocated memory. */
#include <libcflat.h>

static unsigned long count_primes(unsigned long limit)
{
	unsigned long i, j, n = 0;
	char *composite = calloc(limit, 1);

	assert(composite);
	for (i = 2; i < limit; i++) {
		if (composite[i])
			continue;
		n++;
		for (j = i * i; j < limit; j += i)
			composite[j] = 1;
	}
	free(composite);
	return n;
}

int main(int argc, char **argv, char **envp)
{
	report_prefix_push("sieve");
	report(count_primes(100) == 25, "25 primes below 100");
	report(count_primes(1000000) == 78498, "78498 primes below 1000000");
	report(count_primes(1000000) == 78498, "the same again in reused memory");
	report_prefix_pop();
	return report_summary();
}
