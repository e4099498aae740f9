/*
 * ctnas_ofa.h
 *	  The Once-for-All MobileNetV3 space (space "ofa_mbv3", id 4; the CTNAS
 *	  reference's "mobilespace", ctnas-reference.md §11): 5 units, a depth
 *	  per unit in {2, 3, 4}, and per layer slot (4 per unit, 20 in all) a
 *	  kernel size in {3, 5, 7} and an expand ratio in {3, 4, 6}.  Slot
 *	  s = 4u + l is active iff l < d[u]; inactive slots are not part of an
 *	  architecture's identity (the reference's tensorisation zeroes them).
 *
 * Pure C, self-contained.  This header fixes the in-memory encoding
 * (ct_arch.bytes) that every part of the space shares: 25 nibbles, 13
 * bytes, high nibble first; for each unit u = 0..4 its depth d[u] (2..4)
 * then its 4 slot codes, where a slot's code is 0 when inactive and
 * 1 + 3 * kernel index + expand index otherwise (kernel index 0/1/2 for
 * 3/5/7, expand index 0/1/2 for 3/4/6).  memcmp order is therefore unit by
 * unit, depth first.  Byte 12's low nibble is 0.
 */
#ifndef CTNAS_OFA_H
#define CTNAS_OFA_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ctnas_arch.h"

#define CT_OFA_UNITS		5
#define CT_OFA_SLOTS_PER_UNIT 4
#define CT_OFA_SLOTS		20
#define CT_OFA_BYTES		13
#define CT_OFA_ONEHOT		120 /* the reference's tensor: 20 x 3 kernel, then 20 x 3 expand */

/* The choices, in the reference's order (index 0, 1, 2). */
static inline int ct_ofa_kernel(int i) { return 3 + 2 * i; }	/* 3, 5, 7 */
static inline int ct_ofa_expand(int i) { return i == 2 ? 6 : 3 + i; }	/* 3, 4, 6 */
static inline int ct_ofa_depth(int i) { return 2 + i; }	/* 2, 3, 4 */

/* The index of a kernel size / expand ratio, -1 for any other value. */
static inline int
ct_ofa_kernel_index(int k)
{
	return k == 3 ? 0 : k == 5 ? 1 : k == 7 ? 2 : -1;
}

static inline int
ct_ofa_expand_index(int e)
{
	return e == 3 ? 0 : e == 4 ? 1 : e == 6 ? 2 : -1;
}

/* An architecture spelled out: inactive slots hold 0 in ks and e. */
typedef struct ct_ofa_net
{
	int			d[CT_OFA_UNITS];
	int			ks[CT_OFA_SLOTS];
	int			e[CT_OFA_SLOTS];
} ct_ofa_net;

static inline int
ct_ofa_nibble(const ct_arch *a, int i)
{
	uint8_t		b = a->bytes[i / 2];

	return (i % 2 == 0) ? (b >> 4) : (b & 15);
}

/*
 * Packs a net whose depths, kernels and expand ratios are in range (active
 * slots; inactive slots are ignored, whatever they hold).  The caller
 * validates: ct_ofa_pack asserts nothing.
 */
static inline void
ct_ofa_pack(const ct_ofa_net *n, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->space = 4;				/* CT_SPACE_OFA */
	out->len = CT_OFA_BYTES;
	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		int			base = u * 5;

		for (int j = 0; j < 5; j++)
		{
			int			v;

			if (j == 0)
				v = n->d[u];
			else
			{
				int			s = u * CT_OFA_SLOTS_PER_UNIT + (j - 1);

				v = (j - 1 < n->d[u])
					? 1 + 3 * ct_ofa_kernel_index(n->ks[s]) + ct_ofa_expand_index(n->e[s])
					: 0;
			}
			if ((base + j) % 2 == 0)
				out->bytes[(base + j) / 2] |= (uint8_t) (v << 4);
			else
				out->bytes[(base + j) / 2] |= (uint8_t) v;
		}
	}
}

/* Unpacks an encoding made by ct_ofa_pack (inactive slots get 0). */
static inline void
ct_ofa_unpack(const ct_arch *a, ct_ofa_net *n)
{
	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		n->d[u] = ct_ofa_nibble(a, u * 5);
		for (int l = 0; l < CT_OFA_SLOTS_PER_UNIT; l++)
		{
			int			s = u * CT_OFA_SLOTS_PER_UNIT + l;
			int			code = ct_ofa_nibble(a, u * 5 + 1 + l);

			n->ks[s] = code == 0 ? 0 : ct_ofa_kernel((code - 1) / 3);
			n->e[s] = code == 0 ? 0 : ct_ofa_expand((code - 1) % 3);
		}
	}
}

/* The reference's 120-float tensor (§11.3): kernel one-hots of slots 0..19, then expand one-hots; inactive slots all zero. */
static inline void
ct_ofa_onehot(const ct_arch *a, float *out)
{
	ct_ofa_net	n;

	ct_ofa_unpack(a, &n);
	memset(out, 0, sizeof(float) * CT_OFA_ONEHOT);
	for (int s = 0; s < CT_OFA_SLOTS; s++)
	{
		if (n.ks[s] == 0)
			continue;
		out[3 * s + ct_ofa_kernel_index(n.ks[s])] = 1.0f;
		out[60 + 3 * s + ct_ofa_expand_index(n.e[s])] = 1.0f;
	}
}

#endif
