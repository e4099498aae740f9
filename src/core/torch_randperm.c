/*
 * torch_randperm.c
 *	  PyTorch's CPU randperm with a seeded generator (checked against
 *	  torch 1.13 in ctnas-reference.md §7.3): MT19937 seeded by init_genrand,
 *	  32-bit outputs, and a forward Fisher-Yates with a plain modulo.
 */
#include "ctnas_stats.h"

#define MT_N 624
#define MT_M 397

typedef struct mt19937
{
	uint32_t	state[MT_N];
	int			index;
} mt19937;

static void
mt_seed(mt19937 *mt, uint32_t seed)
{
	mt->state[0] = seed;
	for (int i = 1; i < MT_N; i++)
		mt->state[i] = 1812433253u * (mt->state[i - 1] ^ (mt->state[i - 1] >> 30)) + (uint32_t) i;
	mt->index = MT_N;
}

static uint32_t
mt_next(mt19937 *mt)
{
	uint32_t	y;

	if (mt->index >= MT_N)
	{
		for (int i = 0; i < MT_N; i++)
		{
			uint32_t	v = (mt->state[i] & 0x80000000u) | (mt->state[(i + 1) % MT_N] & 0x7fffffffu);

			mt->state[i] = mt->state[(i + MT_M) % MT_N] ^ (v >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
		}
		mt->index = 0;
	}
	y = mt->state[mt->index++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

void
ct_torch_randperm(uint32_t n, uint64_t seed, uint32_t *out)
{
	mt19937		mt;

	mt_seed(&mt, (uint32_t) (seed & 0xffffffffu));
	for (uint32_t i = 0; i < n; i++)
		out[i] = i;
	for (uint32_t i = 0; i + 1 < n; i++)
	{
		uint32_t	z = mt_next(&mt) % (n - i);
		uint32_t	t = out[i];

		out[i] = out[i + z];
		out[i + z] = t;
	}
}
