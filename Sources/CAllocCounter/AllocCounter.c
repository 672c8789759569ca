#define _GNU_SOURCE
#include "CAllocCounter.h"
#include <errno.h>
#include <stddef.h>

// glibc's own entry points, which the definitions below forward to.
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static uint64_t alloc_count;
static uint64_t alloc_bytes;

static inline void note(size_t size) {
    __atomic_fetch_add(&alloc_count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&alloc_bytes, (uint64_t)size, __ATOMIC_RELAXED);
}

uint64_t kvs_alloc_count(void) { return __atomic_load_n(&alloc_count, __ATOMIC_RELAXED); }
uint64_t kvs_alloc_bytes(void) { return __atomic_load_n(&alloc_bytes, __ATOMIC_RELAXED); }

void *malloc(size_t size) { note(size); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { note(n * size); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { note(size); return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t size) { note(size); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { note(size); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    note(size);
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
