/*
 * counting_alloc.h
 *	  A counting allocator for the core (ct_set_allocator): bytes live now and
 *	  the peak, for tests of memory bounds.
 */
#ifndef CTNAS_COUNTING_ALLOC_H
#define CTNAS_COUNTING_ALLOC_H

#include <stddef.h>
#include <stdlib.h>

#include "ctnas_alloc.h"

static size_t live_bytes,
			peak_bytes;

typedef union header
{
	size_t		size;
	max_align_t align;
} header;

static void *
counting_malloc(size_t size)
{
	header	   *h = malloc(sizeof(header) + (size ? size : 1));

	if (h == NULL)
		abort();
	h->size = size;
	live_bytes += size;
	if (live_bytes > peak_bytes)
		peak_bytes = live_bytes;
	return h + 1;
}

static void
counting_free(void *p)
{
	header	   *h = (header *) p - 1;

	live_bytes -= h->size;
	free(h);
}

/* Starts counting: the peak from here on, above what is live now. */
static size_t
count_start(void)
{
	ct_set_allocator(counting_malloc, counting_free);
	live_bytes = 0;
	peak_bytes = 0;
	return 0;
}

static size_t
count_stop(void)
{
	ct_set_allocator(NULL, NULL);
	return peak_bytes;
}

#endif
