/*
 * alloc.c
 *	  The core's allocator hooks (see ctnas_alloc.h).
 */
#include "ctnas_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
default_malloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "ctnas: out of memory allocating %zu bytes\n", size);
		abort();
	}
	return p;
}

static ct_malloc_fn ct_malloc_hook = default_malloc;
static ct_free_fn ct_free_hook = free;

void
ct_set_allocator(ct_malloc_fn m, ct_free_fn f)
{
	ct_malloc_hook = m ? m : default_malloc;
	ct_free_hook = f ? f : free;
}

void *
ct_malloc(size_t size)
{
	return ct_malloc_hook(size);
}

void *
ct_calloc(size_t n, size_t size)
{
	void	   *p;

	if (size != 0 && n > (size_t) -1 / size)
		return ct_malloc((size_t) -1);	/* let the hook report the impossible size */
	p = ct_malloc(n * size);
	memset(p, 0, n * size);
	return p;
}

void
ct_free(void *ptr)
{
	if (ptr != NULL)
		ct_free_hook(ptr);
}
