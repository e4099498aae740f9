/*
 * ctnas_alloc.h
 *	  Where the core's large allocations come from.
 *
 * malloc by default.  Inside a backend the glue routes them to palloc, so
 * that an ERROR (a cancel during training, say) frees them with their memory
 * context instead of leaking them.
 */
#ifndef CTNAS_ALLOC_H
#define CTNAS_ALLOC_H

#include <stddef.h>

typedef void *(*ct_malloc_fn) (size_t size);
typedef void (*ct_free_fn) (void *ptr);

extern void ct_set_allocator(ct_malloc_fn m, ct_free_fn f);
/* Never returns NULL: the default aborts on exhaustion, palloc raises ERROR. */
extern void *ct_malloc(size_t size);
extern void *ct_calloc(size_t n, size_t size);
extern void ct_free(void *ptr);

#endif
