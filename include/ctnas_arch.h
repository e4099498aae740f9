/*
 * ctnas_arch.h
 *	  An architecture of any search space, as generic code sees it: the
 *	  space's id and the space's canonical encoding of the architecture.
 *
 * Pure C.  Every space encodes an architecture into at most CT_ARCH_MAX
 * bytes such that equal architectures (by that space's identity) have equal
 * bytes, and the bytes compared with memcmp give the space's order (for
 * NAS-Bench-101 the order of its enumeration, as 0.1.0 sorted cells).  So
 * oracles, trainers, caches and searches compare, sort and hash
 * architectures without knowing their space; what only a space knows (text
 * forms, sampling, the graph a NAC reads, the controller's decisions) is
 * behind its ct_space (ctnas_space.h).
 */
#ifndef CTNAS_ARCH_H
#define CTNAS_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * 14 bytes, so that a ct_arch takes 16, as 0.1.0's NAS-Bench-101 cell did:
 * oracles, training rows and pseudo-labelled pairs take the memory they took
 * (ctnas.max_training_memory's estimates are unchanged).  NAS-Bench-101 needs
 * 10 bytes, NAS-Bench-201 2; larger spaces pack their choices (DARTS: 16
 * (input, op) pairs of 6 bits, 12 bytes).  Only memory holds a ct_arch:
 * stored values, checkpoints and model blobs use the spaces' own forms, so
 * this may grow without touching stored data.
 */
#define CT_ARCH_MAX 14

typedef struct ct_arch
{
	uint8_t		space;			/* the space's id (ct_space.id) */
	uint8_t		len;			/* bytes of the encoding */
	uint8_t		bytes[CT_ARCH_MAX]; /* the encoding, zero past len */
} ct_arch;

/* Total order: space, then the encoding. */
static inline int
ct_arch_cmp(const ct_arch *a, const ct_arch *b)
{
	int			c;

	if (a->space != b->space)
		return a->space < b->space ? -1 : 1;
	c = memcmp(a->bytes, b->bytes, CT_ARCH_MAX);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
}

static inline bool
ct_arch_eq(const ct_arch *a, const ct_arch *b)
{
	return ct_arch_cmp(a, b) == 0;
}

/* A 64-bit hash for in-memory hash tables. */
extern uint64_t ct_arch_hash64(const ct_arch *a);

#endif
