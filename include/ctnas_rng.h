/*
 * ctnas_rng.h
 *	  Seeded random numbers for everything ctnas samples.
 *
 * xoshiro256** seeded through splitmix64: fast, and the same stream on
 * every platform, so a seed reproduces a run anywhere.
 */
#ifndef CTNAS_RNG_H
#define CTNAS_RNG_H

#include <stdint.h>

typedef struct ct_rng
{
	uint64_t	s[4];
} ct_rng;

extern void ct_rng_seed(ct_rng *rng, uint64_t seed);
extern uint64_t ct_rng_next(ct_rng *rng);
/* Uniform in [0, bound), bound > 0, without modulo bias. */
extern uint32_t ct_rng_below(ct_rng *rng, uint32_t bound);
/* Uniform in [0, 1) with 53 random bits. */
extern double ct_rng_uniform(ct_rng *rng);
/* Shuffles x[0 .. n) in place (Fisher-Yates from the end). */
extern void ct_rng_shuffle(ct_rng *rng, int *x, int n);

#endif
