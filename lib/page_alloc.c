/*
 * Page allocator: one bitmap over the free RAM the arch hands over at boot.
 * Blocks of 2^order pages are naturally aligned (to their size, in physical
 * address), which is what GIC/ITS tables and DMA buffers want. Pages come zeroed.
 */
#include <libcflat.h>

static struct spinlock lock;
static unsigned long *bitmap; /* 1 = in use */
static phys_addr_t base;      /* physical address of page 0 */
static size_t nr_pages, nr_free;

#define BITS_PER_WORD (8 * sizeof(unsigned long))

static bool page_used(size_t i)
{
	return bitmap[i / BITS_PER_WORD] & (1UL << (i % BITS_PER_WORD));
}

static void mark(size_t first, size_t n, bool used)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		if (used)
			bitmap[i / BITS_PER_WORD] |= 1UL << (i % BITS_PER_WORD);
		else
			bitmap[i / BITS_PER_WORD] &= ~(1UL << (i % BITS_PER_WORD));
	}
}

void page_alloc_init(phys_addr_t start, phys_addr_t end)
{
	size_t words, meta_pages;

	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	assert(end > start);
	base = start;
	nr_pages = (end - start) / PAGE_SIZE;
	words = (nr_pages + BITS_PER_WORD - 1) / BITS_PER_WORD;
	bitmap = (unsigned long *)start;
	memset(bitmap, 0, words * sizeof(unsigned long));
	meta_pages = ALIGN_UP(words * sizeof(unsigned long), PAGE_SIZE) / PAGE_SIZE;
	mark(0, meta_pages, true);
	nr_free = nr_pages - meta_pages;
}

static bool run_free(size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (page_used(i))
			return false;
	return true;
}

static void *alloc_locked(unsigned int order, phys_addr_t limit)
{
	size_t n = 1UL << order, i;
	phys_addr_t align = (phys_addr_t)n * PAGE_SIZE;
	/* Index of the first page whose physical address is aligned to the block size. */
	size_t first = (ALIGN_UP(base, align) - base) / PAGE_SIZE;

	for (i = first; i + n <= nr_pages; i += n) {
		if (base + (i + n) * PAGE_SIZE > limit)
			break;
		if (n == 1 && bitmap[i / BITS_PER_WORD] == ~0UL) {
			i = ALIGN_DOWN(i, BITS_PER_WORD) + BITS_PER_WORD - 1;
			continue;
		}
		if (run_free(i, n)) {
			mark(i, n, true);
			nr_free -= n;
			return (void *)(base + i * PAGE_SIZE);
		}
	}
	return NULL;
}

/* The highest free naturally aligned block of 2^@order pages. */
static void *alloc_top_locked(unsigned int order)
{
	size_t n = 1UL << order, first, i;
	phys_addr_t align = (phys_addr_t)n * PAGE_SIZE;

	if (nr_pages < n)
		return NULL;
	first = (ALIGN_UP(base, align) - base) / PAGE_SIZE;
	i = first + ALIGN_DOWN(nr_pages - first - n, n);
	for (; i >= first && i + n <= nr_pages; i -= n) {
		if (run_free(i, n)) {
			mark(i, n, true);
			nr_free -= n;
			return (void *)(base + i * PAGE_SIZE);
		}
		if (i < first + n)
			break;
	}
	return NULL;
}

void *alloc_pages_fresh(unsigned int order)
{
	void *p;

	spin_lock(&lock);
	p = alloc_top_locked(order);
	spin_unlock(&lock);
	return p;
}

void *alloc_pages_below(unsigned int order, phys_addr_t limit)
{
	void *p;

	spin_lock(&lock);
	p = alloc_locked(order, limit);
	spin_unlock(&lock);
	if (p)
		memset(p, 0, PAGE_SIZE << order);
	return p;
}

void *alloc_pages(unsigned int order)
{
	void *p = alloc_pages_below(order, ~(phys_addr_t)0);

	assert_msg(p, "out of memory: no free block of 2^%u pages", order);
	return p;
}

void *alloc_page(void)
{
	return alloc_pages(0);
}

void free_pages(void *mem, unsigned int order)
{
	phys_addr_t addr = (phys_addr_t)mem;
	size_t n = 1UL << order, first;

	if (!mem)
		return;
	assert(addr >= base && IS_ALIGNED(addr - base, PAGE_SIZE));
	first = (addr - base) / PAGE_SIZE;
	assert(first + n <= nr_pages);
	spin_lock(&lock);
	mark(first, n, false);
	nr_free += n;
	spin_unlock(&lock);
}

void free_page(void *page)
{
	free_pages(page, 0);
}

size_t page_alloc_free_count(void)
{
	return nr_free;
}
