/*
 * nac_mlp.c
 *	  The NAC network that reads a vector: the reference's MBSpaceNAC
 *	  (ctnas-reference.md §11.4), f = Linear(in, width) -> ReLU -> ... ->
 *	  Linear(width, width), ReLU after every layer but the last, no
 *	  normalisation; the head (ct_nac_head_logit, ct_nac_pair_loss) is the
 *	  GCN's.  The input of an architecture is its space's to_features
 *	  (nac_input floats: OFA's 120-wide one-hot).
 *
 * Parameters, in order: per layer W ([in][out], the transpose of PyTorch's
 * Linear.weight) and b; then fc_w (2 x width) and fc_b.  A batch computes
 * each layer as one product, Z = A W + b (C starts as b, then sgemm with
 * beta 1, as PyTorch's addmm does), in tiles with interrupt checks when it
 * is larger than a chunk (ct_nac_sgemm).
 */
#include "nac_internal.h"

#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"

struct ct_nac_mlp_batch
{
	ct_nac_shape shape;
	int			ncells;			/* cells of the last forward pass */
	int			cap;			/* cells there is room for */
	float	   *X;				/* [cap x slots] the input vectors */
	float	   *H[CT_NAC_MAX_LAYERS];	/* [cap x width] after layer l's ReLU, l < layers - 1 */
	float	   *dA;				/* [cap x width] */
	float	   *dB;				/* [cap x width] */
	ct_interrupt_fn interrupt;
	void	   *interrupt_arg;
};

static inline void
check_interrupt(const ct_nac_mlp_batch *mb)
{
	if (mb->interrupt)
		mb->interrupt(mb->interrupt_arg);
}

static inline int
in_width(const ct_nac_shape *s, int l)
{
	return l == 0 ? s->slots : s->width;
}

size_t
ct_nac_mlp_nparams(const ct_nac_shape *s)
{
	size_t		w = (size_t) s->width;

	return (size_t) s->slots * w + w + (size_t) (s->layers - 1) * (w * w + w) + 2 * w + 1;
}

void
ct_nac_mlp_layout(ct_nac *m)
{
	size_t		w = (size_t) m->shape.width;
	float	   *p = m->params;

	m->emb = NULL;
	for (int l = 0; l < m->shape.layers; l++)
	{
		m->W[l] = p;
		p += (size_t) in_width(&m->shape, l) * w;
		m->b[l] = p;
		p += w;
	}
	m->fc_w = p;
	p += 2 * (size_t) m->feat;
	m->fc_b = p;
}

/* U(+-bound) as ct_nac_init's fill_uniform */
static inline float
uniform(ct_rng *rng, double bound)
{
	return (float) ((2.0 * ct_rng_uniform(rng) - 1.0) * bound);
}

void
ct_nac_mlp_init(ct_nac *m, uint64_t seed)
{
	ct_rng		rng;
	int			w = m->shape.width;

	ct_rng_seed(&rng, seed);
	for (int l = 0; l < m->shape.layers; l++)
	{
		int			in = in_width(&m->shape, l);
		double		bound = 1.0 / sqrt((double) in);

		/* PyTorch's Linear.weight is [out][in]: drawn in that order, stored transposed */
		for (int o = 0; o < w; o++)
			for (int i = 0; i < in; i++)
				m->W[l][(size_t) i * w + o] = uniform(&rng, bound);
		for (int o = 0; o < w; o++)
			m->b[l][o] = uniform(&rng, bound);
	}
	for (int k = 0; k < 2 * m->feat; k++)
		m->fc_w[k] = uniform(&rng, 1.0 / sqrt(2.0 * m->feat));
	m->fc_b[0] = uniform(&rng, 1.0 / sqrt(2.0 * m->feat));
}

ct_nac_mlp_batch *
ct_nac_mlp_batch_create(const ct_nac_shape *shape)
{
	ct_nac_mlp_batch *mb = ct_calloc(1, sizeof(ct_nac_mlp_batch));

	mb->shape = *shape;
	return mb;
}

static void
free_buffers(ct_nac_mlp_batch *mb)
{
	ct_free(mb->X);
	for (int l = 0; l < mb->shape.layers; l++)
		ct_free(mb->H[l]);
	ct_free(mb->dA);
	ct_free(mb->dB);
}

void
ct_nac_mlp_batch_destroy(ct_nac_mlp_batch *mb)
{
	if (mb == NULL)
		return;
	free_buffers(mb);
	ct_free(mb);
}

void
ct_nac_mlp_batch_set_interrupt(ct_nac_mlp_batch *mb, ct_interrupt_fn interrupt, void *arg)
{
	mb->interrupt = interrupt;
	mb->interrupt_arg = arg;
}

/* Room for ncells cells; the new buffers are complete before the old ones go (see nac_model.c). */
void
ct_nac_mlp_batch_reserve(ct_nac_mlp_batch *mb, int ncells)
{
	ct_nac_mlp_batch fresh = *mb;
	size_t		w = (size_t) mb->shape.width;

	if (ncells <= mb->cap)
		return;
	fresh.X = ct_malloc(sizeof(float) * (size_t) ncells * mb->shape.slots);
	for (int l = 0; l < mb->shape.layers - 1; l++)
		fresh.H[l] = ct_malloc(sizeof(float) * (size_t) ncells * w);
	fresh.dA = ct_malloc(sizeof(float) * (size_t) ncells * w);
	fresh.dB = ct_malloc(sizeof(float) * (size_t) ncells * w);
	fresh.cap = ncells;
	free_buffers(mb);
	*mb = fresh;
}

size_t
ct_nac_mlp_batch_memory(const ct_nac_shape *shape, size_t ncells)
{
	size_t		w = (size_t) shape->width;

	/* as ct_nac_mlp_batch_reserve: X, layers - 1 activations, dA and dB */
	return sizeof(ct_nac_mlp_batch) +
		sizeof(float) * ncells * ((size_t) shape->slots + (size_t) (shape->layers - 1) * w + 2 * w);
}

void
ct_nac_mlp_forward(const ct_nac *m, ct_nac_mlp_batch *mb, const ct_arch *cells, int ncells, float *feat)
{
	int			w = m->shape.width;
	int			L = m->shape.layers;
	int			in0 = m->shape.slots;

	ct_nac_mlp_batch_reserve(mb, ncells);
	mb->ncells = ncells;
	for (int c = 0; c < ncells; c++)
	{
		ct_space_of(&cells[c])->to_features(&cells[c], mb->X + (size_t) c * in0);
		if ((c + 1) % CT_NAC_CHUNK_CELLS == 0)
			check_interrupt(mb);
	}
	for (int l = 0; l < L; l++)
	{
		int			in = in_width(&m->shape, l);
		const float *A = l == 0 ? mb->X : mb->H[l - 1];
		float	   *Z = l == L - 1 ? feat : mb->H[l];

		for (int c = 0; c < ncells; c++)
			memcpy(Z + (size_t) c * w, m->b[l], sizeof(float) * w);
		ct_nac_sgemm(mb->interrupt, mb->interrupt_arg, false, ncells, w, in, A, in, false, m->W[l], w, 1.0f, Z, w);
		if (l < L - 1)
			for (size_t i = 0; i < (size_t) ncells * w; i++)
				Z[i] = Z[i] > 0.0f ? Z[i] : 0.0f;
		check_interrupt(mb);
	}
}

void
ct_nac_mlp_backward(const ct_nac *m, ct_nac_mlp_batch *mb, const float *dfeat, float *grad)
{
	int			w = m->shape.width;
	int			n = mb->ncells;
	const float *dZ = dfeat;	/* d loss / d (layer l's output before its ReLU) */
	float	   *next = mb->dA;

	for (int l = m->shape.layers - 1; l >= 0; l--)
	{
		int			in = in_width(&m->shape, l);
		const float *A = l == 0 ? mb->X : mb->H[l - 1];
		float	   *gW = grad + (m->W[l] - m->params);
		float	   *gb = grad + (m->b[l] - m->params);

		/* dW += A^T dZ; db += the column sums of dZ */
		ct_nac_sgemm(mb->interrupt, mb->interrupt_arg, true, in, w, n, A, in, false, dZ, w, 1.0f, gW, w);
		for (int c = 0; c < n; c++)
		{
			const float *restrict d = dZ + (size_t) c * w;

			for (int k = 0; k < w; k++)
				gb[k] += d[k];
		}
		check_interrupt(mb);
		if (l == 0)
			break;
		/* d A = dZ W^T, through the ReLU below: zero where A was not positive */
		ct_nac_sgemm(mb->interrupt, mb->interrupt_arg, false, n, in, w, dZ, w, true, m->W[l], w, 0.0f, next, in);
		for (size_t i = 0; i < (size_t) n * in; i++)
			next[i] = A[i] > 0.0f ? next[i] : 0.0f;
		check_interrupt(mb);
		dZ = next;
		next = next == mb->dA ? mb->dB : mb->dA;
	}
}
