/*
 * rng.c
 *	  xoshiro256** (Blackman and Vigna), seeded with splitmix64.
 */
#include "ctnas_rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
ct_rng_seed(ct_rng *rng, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

uint64_t
ct_rng_next(ct_rng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t
ct_rng_below(ct_rng *rng, uint32_t bound)
{
	/* Lemire's multiply-and-reject: unbiased and usually one draw */
	uint64_t	m = (ct_rng_next(rng) >> 32) * bound;
	uint32_t	low = (uint32_t) m;

	if (low < bound)
	{
		uint32_t	threshold = (uint32_t) (-bound) % bound;

		while (low < threshold)
		{
			m = (ct_rng_next(rng) >> 32) * bound;
			low = (uint32_t) m;
		}
	}
	return (uint32_t) (m >> 32);
}

double
ct_rng_uniform(ct_rng *rng)
{
	return (double) (ct_rng_next(rng) >> 11) * 0x1.0p-53;
}

void
ct_rng_shuffle(ct_rng *rng, int *x, int n)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) ct_rng_below(rng, (uint32_t) (i + 1));
		int			t = x[i];

		x[i] = x[j];
		x[j] = t;
	}
}
