/*
 * adam.c
 *	  Adam with classic L2 weight decay, step for step as torch.optim.Adam
 *	  (non-amsgrad): scalars in double, elements in float.
 */
#include "ctnas_nac.h"

#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"

void
ct_adam_init(ct_adam *opt, size_t n, double lr, double beta1, double beta2,
			 double eps, double weight_decay)
{
	memset(opt, 0, sizeof(*opt));
	opt->lr = lr;
	opt->beta1 = beta1;
	opt->beta2 = beta2;
	opt->eps = eps;
	opt->weight_decay = weight_decay;
	opt->n = n;
	opt->m = ct_calloc(n, sizeof(float));
	opt->v = ct_calloc(n, sizeof(float));
}

void
ct_adam_free(ct_adam *opt)
{
	ct_free(opt->m);
	ct_free(opt->v);
	opt->m = opt->v = NULL;
}

void
ct_adam_step(ct_adam *opt, float *params, float *grad)
{
	double		bc1,
				bc2;
	float		wd = (float) opt->weight_decay;
	float		b1 = (float) opt->beta1;
	float		b2 = (float) opt->beta2;
	float		one_b1 = (float) (1.0 - opt->beta1);
	float		one_b2 = (float) (1.0 - opt->beta2);
	float		step_size,
				bc2_sqrt,
				eps = (float) opt->eps;

	opt->step++;
	bc1 = 1.0 - pow(opt->beta1, (double) opt->step);
	bc2 = 1.0 - pow(opt->beta2, (double) opt->step);
	step_size = (float) (opt->lr / bc1);
	bc2_sqrt = (float) sqrt(bc2);

	/* distinct arrays (restrict), no errno from sqrtf (-fno-math-errno): the loop is vectorised, same bits */
	{
		float	   *restrict p = params;
		const float *restrict gr = grad;
		float	   *restrict m = opt->m;
		float	   *restrict v = opt->v;
		size_t		n = opt->n; /* PostgreSQL builds with -fno-strict-aliasing: a store could change opt->n */

		for (size_t i = 0; i < n; i++)
		{
			float		g = gr[i] + wd * p[i];
			float		denom;

			m[i] = m[i] * b1 + one_b1 * g;
			v[i] = v[i] * b2 + one_b2 * g * g;
			denom = sqrtf(v[i]) / bc2_sqrt + eps;
			p[i] -= step_size * (m[i] / denom);
		}
	}
}

/* The moving state (step, m, v); the hyper-parameters come from whoever restores it. */
void
ct_adam_save(const ct_adam *opt, ct_wbuf *w)
{
	ct_wbuf_u64(w, opt->step);
	ct_wbuf_u64(w, opt->n);
	ct_wbuf_f32s(w, opt->m, opt->n);
	ct_wbuf_f32s(w, opt->v, opt->n);
}

bool
ct_adam_restore(ct_adam *opt, ct_rbuf *r)
{
	uint64_t	step = ct_rbuf_u64(r);

	if (ct_rbuf_u64(r) != opt->n)
		return false;
	opt->step = step;
	return ct_rbuf_f32s(r, opt->m, opt->n) && ct_rbuf_f32s(r, opt->v, opt->n);
}
