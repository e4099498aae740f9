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

/* ---- the space's module (ofa_net.c, space_ofa.c) --------------------------- */

#include <stddef.h>

#include "ctnas_error.h"

/*
 * Distinct architectures: per unit sum over d of 9^d = 7,371, so 7,371^5 =
 * 21,758,655,492,572,485,851 (the OFA paper's "~2 x 10^19"), more than
 * int64 holds: ct_space.size is INT64_MAX ("at least") and size_text this.
 */
#define CT_OFA_COUNT_TEXT	"21758655492572485851"

/*
 * The rules of the space for a net as written (its inactive slots not yet
 * dropped): d[u] in {2, 3, 4}; an active slot's kernel in {3, 5, 7} and
 * expand ratio in {3, 4, 6}; an inactive slot's each of those or 0 (OFA's
 * arch encoder and DyNAS-T's ks_active write 0 there).  CT_ERR_INVALID
 * naming the list, the index, its unit and layer.
 */
extern bool ct_ofa_check(const ct_ofa_net *n, ct_error *err);
/* Inactive slots set to 0: the identity's representative (what pack keeps). */
extern void ct_ofa_normalise(ct_ofa_net *n);
/* Equal as networks (inactive slots ignored); both must pass ct_ofa_check. */
extern bool ct_ofa_equal(const ct_ofa_net *a, const ct_ofa_net *b);
/* An encoding ct_ofa_pack makes (space, len, nibble ranges, zeros where inactive and past the end). */
extern bool ct_ofa_valid(const ct_arch *a);

/*
 * The reference's string (ctnas-reference.md §11.2, str2arch/arch2str):
 * "d0,..,d4:k0,..,k19:e0,..,e19", depths : kernels : expand ratios, decimal
 * integers, white space allowed around each (as Python's int() does).  Not
 * normalised; the rules of ct_ofa_check apply.  Errors quote where.
 */
extern bool ct_ofa_parse(const char *text, size_t len, ct_ofa_net *out, ct_error *err);
/* The reference's string of a net as it is (normalised: inactive slots 0); returns the length. */
#define CT_OFA_NATIVE_MAX	(2 * (5 + 20 + 20))
extern size_t ct_ofa_to_native(const ct_ofa_net *n, char *buf, size_t size);

/*
 * OFA's dict as JSON (a const cJSON *, opaque here): {"ks": [20], "e": [20],
 * "d": [5]}, as OFAMobileNetV3.sample_active_subnet returns it, with
 * optional "space": "ofa_mbv3" and "wid": null (ArchManager's placeholder
 * in OFA's evolution).  A resolution ("r", "image_size") is refused with a
 * hint: it is not part of an architecture in this space.  Any other key, a
 * key twice, a list of another length or a value that is not a JSON
 * integer (3.0, "3") is an error.  Not normalised.
 */
extern bool ct_ofa_from_cjson(const void *object, ct_ofa_net *out, ct_error *err);

/*
 * The dict as JSON, inactive slots 0 (as OFA's arch encoder decodes them and
 * DyNAS-T's ks_active/e_active write them), Python's json.dumps spacing:
 * {"ks": [3, 5, 0, 0, ...], "e": [...], "d": [...]}.  Always 157 bytes.
 */
#define CT_OFA_TEXT_MAX		158
extern size_t ct_ofa_to_json(const ct_ofa_net *n, char *buf, size_t size);

/*
 * OFAMobileNetV3.sample_active_subnet: 20 kernels uniform, 20 expand
 * ratios uniform, 5 depths uniform (in that order), with ctnas_rng.h.
 */
extern void ct_ofa_random(uint64_t seed, ct_arch *out);

/*
 * OFA's evolution mutation (EvolutionFinder.mutate_sample ->
 * MobileNetArchEncoder.mutate_arch, arch_mutate_prob 0.1): each of the 20
 * slots with probability 0.1 gets a new kernel and expand ratio (each
 * uniform, possibly the same), then each unit's depth with probability 0.1
 * a new uniform depth.  OFA keeps values in inactive slots, which become
 * active when a depth grows; the canonical encoding has none, so inactive
 * slots are first filled uniformly (what they hold in OFA after its
 * uniform sampler).  Resolution is not mutated (not in the space).  Drawn
 * again until the network differs from a.
 */
#define CT_OFA_MUTATE_PROB	0.1
extern void ct_ofa_mutate(const ct_arch *a, uint64_t seed, ct_arch *out);

/*
 * Every network one change away, in this order: per active slot (in slot
 * order) its kernel changed to each other value (ascending), then its
 * expand ratio to each other value; then per unit its depth changed to
 * each other value (ascending); a layer a deeper unit gains copies the
 * unit's last active layer.  4 * sum(d) + 10: 50 .. 90, all distinct.
 */
#define CT_OFA_NEIGHBOURS_MAX 90
extern int	ct_ofa_neighbours(const ct_arch *a, ct_arch *out);

/* "MBConv k5 e6": the name of an active layer. */
extern const char *ct_ofa_layer_name(int kernel, int expand);

/* Graphviz: the chain of active layers, one cluster per unit. */
#define CT_OFA_DOT_MAX		2048
extern size_t ct_ofa_to_dot(const ct_arch *a, char *buf, size_t size);

#endif
