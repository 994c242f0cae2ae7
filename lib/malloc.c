/*
 * malloc on top of the page allocator. Small blocks (up to 2 KiB, 16-byte aligned)
 * come from per-size free lists carved out of pages, with a header in front.
 * Larger or more strictly aligned blocks are whole naturally aligned page blocks,
 * remembered in a list so that free() knows their order.
 */
#include <libcflat.h>

#define SMALL_MIN 16
#define SMALL_CLASSES 8 /* 16, 32, ... 2048 bytes */
#define HDR_MAGIC 0x6d616c6cU

struct small_hdr {
	u32 magic;
	u32 cls;
	u64 pad;
};

struct free_block {
	struct free_block *next;
};

struct big_block {
	struct big_block *next;
	void *mem;
	unsigned int order;
	size_t size;
};

static struct spinlock lock;
static struct free_block *free_lists[SMALL_CLASSES];
static struct big_block *big_blocks;

static size_t class_size(unsigned int cls)
{
	return (size_t)SMALL_MIN << cls;
}

static int size_class(size_t size)
{
	unsigned int cls;

	for (cls = 0; cls < SMALL_CLASSES; cls++)
		if (size + sizeof(struct small_hdr) <= class_size(cls))
			return cls;
	return -1;
}

static void refill(unsigned int cls)
{
	char *page = alloc_page();
	size_t sz = class_size(cls), off;

	for (off = 0; off + sz <= PAGE_SIZE; off += sz) {
		struct free_block *b = (void *)(page + off);

		b->next = free_lists[cls];
		free_lists[cls] = b;
	}
}

static void *small_alloc(unsigned int cls)
{
	struct small_hdr *h;

	spin_lock(&lock);
	if (!free_lists[cls])
		refill(cls);
	h = (void *)free_lists[cls];
	free_lists[cls] = free_lists[cls]->next;
	spin_unlock(&lock);
	memset(h, 0, class_size(cls));
	h->magic = HDR_MAGIC;
	h->cls = cls;
	return h + 1;
}

static unsigned int order_for(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void *big_alloc(size_t align, size_t size)
{
	struct big_block *rec = malloc(sizeof(*rec));
	unsigned int order = order_for(MAX(size, align));

	rec->mem = alloc_pages(order);
	rec->order = order;
	rec->size = size;
	spin_lock(&lock);
	rec->next = big_blocks;
	big_blocks = rec;
	spin_unlock(&lock);
	return rec->mem;
}

/* Unlinks and returns the record of a big block, or NULL if @ptr is not one. */
static struct big_block *big_take(void *ptr)
{
	struct big_block **pp, *rec = NULL;

	spin_lock(&lock);
	for (pp = &big_blocks; *pp; pp = &(*pp)->next) {
		if ((*pp)->mem == ptr) {
			rec = *pp;
			*pp = rec->next;
			break;
		}
	}
	spin_unlock(&lock);
	return rec;
}

void *memalign(size_t align, size_t size)
{
	int cls = size_class(size);

	assert(align && !(align & (align - 1)));
	if (align <= SMALL_MIN && cls >= 0)
		return small_alloc(cls);
	return big_alloc(align, size);
}

void *malloc(size_t size)
{
	return memalign(SMALL_MIN, size);
}

void *calloc(size_t nmemb, size_t size)
{
	return malloc(nmemb * size); /* blocks come zeroed */
}

static size_t block_size(void *ptr)
{
	struct big_block *rec;
	struct small_hdr *h;

	if (IS_ALIGNED((uintptr_t)ptr, PAGE_SIZE)) {
		spin_lock(&lock);
		for (rec = big_blocks; rec; rec = rec->next)
			if (rec->mem == ptr)
				break;
		spin_unlock(&lock);
		if (rec)
			return rec->size;
	}
	h = (struct small_hdr *)ptr - 1;
	assert_msg(h->magic == HDR_MAGIC, "realloc of a pointer malloc did not return: %p", ptr);
	return class_size(h->cls) - sizeof(*h);
}

void *realloc(void *ptr, size_t size)
{
	void *p;

	if (!ptr)
		return malloc(size);
	p = malloc(size);
	memcpy(p, ptr, MIN(size, block_size(ptr)));
	free(ptr);
	return p;
}

void free(void *ptr)
{
	struct big_block *rec;
	struct small_hdr *h;
	struct free_block *b;
	unsigned int cls;

	if (!ptr)
		return;
	if (IS_ALIGNED((uintptr_t)ptr, PAGE_SIZE) && (rec = big_take(ptr))) {
		free_pages(rec->mem, rec->order);
		free(rec);
		return;
	}
	h = (struct small_hdr *)ptr - 1;
	assert_msg(h->magic == HDR_MAGIC, "free of a pointer malloc did not return: %p", ptr);
	cls = h->cls;
	b = (void *)h; /* the free-list link overwrites the header */
	spin_lock(&lock);
	b->next = free_lists[cls];
	free_lists[cls] = b;
	spin_unlock(&lock);
}
