/* Page allocator (lib/page_alloc.c) and heap (lib/malloc.c). */
#ifndef CFLAT_ALLOC_H
#define CFLAT_ALLOC_H

#include <cflat/types.h>

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

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *memalign(size_t align, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

#endif
