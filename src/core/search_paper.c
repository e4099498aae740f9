/*
 * search_paper.c
 *	  Recipe "paper" of the CTNAS search, the reference code's: the whole
 *	  budget on uniformly drawn cells, NAC pre-training on them, then
 *	  REINFORCE iterations of the LSTM controller rewarded with P(sample
 *	  beats the baseline), the baseline curriculum and history champion,
 *	  and pseudo-labelled pairs with a NAC epoch (ctnas_search.h).
 */
#include "ctnas_search_internal.h"

#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"

#define SPACE_DRAWS		100		/* controller draws per wanted cell inside the oracle */

/* Between samples, candidates and chunks of long loops: never changes a draw. */
static inline void
check_interrupt(const ct_ctnas_search *s)
{
	if (s->interrupt)
		s->interrupt(s->interrupt_arg);
}

static bool
in_space(const ct_ctnas_search *s, const ct_arch *g)
{
	return s->opt.space == CT_PROPOSE_SPACE || ct_oracle_find(s->b->oracle, g) >= 0;
}

/* A controller sample and its cell. */
static bool
sample_cell(ct_ctnas_search *s, bool uniform, ct_arch *g, ct_error *err)
{
	ct_controller_sample(&s->ctrl, &s->rng, uniform, s->sample);
	return ct_controller_arch(&s->ctrl, s->sample->actions, g, err);
}

/* Up to want controller samples inside the space (at most SPACE_DRAWS draws each). */
static bool
sample_in_space(ct_ctnas_search *s, bool uniform, ct_arch *out, int want, int *got, ct_error *err)
{
	int			n = 0;

	for (int64_t draws = 0; n < want && draws < (int64_t) SPACE_DRAWS * want; draws++)
	{
		check_interrupt(s);
		if (!sample_cell(s, uniform, &out[n], err))
			return false;
		if (in_space(s, &out[n]))
			n++;
	}
	*got = n;
	return true;
}

/* argmax_i sum_j P(c_i beats c_j), j != i, over the first ncand cells: the reference's derive. */
static int
most_winning(ct_ctnas_search *s, const ct_arch *cells, int n, int ncand)
{
	const ct_nac *m = current_nac(s);
	const float *f = embed(s, cells, n);
	size_t		w = (size_t) m->feat;
	int			best = 0;
	double		best_sum = -1;

	for (int i = 0; i < ncand; i++)
	{
		double		sum = 0;

		check_interrupt(s);
		for (int j = 0; j < n; j++)
			if (j != i)
				sum += ct_nac_prob_feat(m, f + i * w, f + j * w);
		if (sum > best_sum)
		{
			best_sum = sum;
			best = i;
		}
	}
	return best;
}

static bool
derive(ct_ctnas_search *s, ct_error *err)
{
	int			k = s->opt.derive_samples;
	ct_arch    *cand = ct_malloc(sizeof(ct_arch) * (k + 1));
	int			got;

	if (!sample_in_space(s, false, cand, k, &got, err))
		return ct_free(cand), false;
	if (got > 0)
	{
		s->baseline = cand[most_winning(s, cand, got, got)];
		/* the champion: the same contest among the samples and the previous champion */
		cand[got] = s->champion;
		s->champion = cand[most_winning(s, cand, got + 1, got + 1)];
	}
	ct_free(cand);
	return true;
}

/* The reference's data exploration: sample 2k, pair with a permutation, keep the k pairs with the largest p. */
static int
by_p_desc(const void *a, const void *b)
{
	const scored_pair *x = a;
	const scored_pair *y = b;

	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return x->i - y->i;
}

static bool
add_pseudo_pairs(ct_ctnas_search *s, int k, ct_error *err)
{
	int			total = 2 * k;
	ct_arch    *cells;
	int		   *perm;
	scored_pair *sp;
	const ct_nac *m = current_nac(s);
	const float *f;
	size_t		w = (size_t) m->feat;

	if (k <= 0)
		return true;
	cells = ct_malloc(sizeof(ct_arch) * total);
	perm = ct_malloc(sizeof(int) * total);
	sp = ct_malloc(sizeof(scored_pair) * total);
	for (int i = 0; i < total; i++)
	{
		check_interrupt(s);
		if (!sample_cell(s, false, &cells[i], err))
		{
			ct_free(sp);
			ct_free(perm);
			ct_free(cells);
			return false;
		}
		perm[i] = i;
	}
	ct_rng_shuffle(&s->rng, perm, total);
	f = embed(s, cells, total);
	for (int i = 0; i < total; i++)
	{
		sp[i].p = ct_nac_prob_feat(m, f + i * w, f + perm[i] * w);
		sp[i].i = i;
	}
	qsort(sp, total, sizeof(scored_pair), by_p_desc);
	if (s->npool + k > s->pool_cap)
	{
		int			cap = s->pool_cap ? 2 * s->pool_cap : 1024;
		ct_nac_labelled_pair *grown;

		while (cap < s->npool + k)
			cap *= 2;
		grown = ct_malloc(sizeof(ct_nac_labelled_pair) * cap);
		if (s->npool > 0)
			memcpy(grown, s->pool, sizeof(ct_nac_labelled_pair) * s->npool);
		ct_free(s->pool);
		s->pool = grown;
		s->pool_cap = cap;
	}
	for (int j = 0; j < k; j++)
	{
		ct_nac_labelled_pair *pp = &s->pool[s->npool++];

		pp->a = cells[sp[j].i];
		pp->b = cells[perm[sp[j].i]];
		pp->label = sp[j].p > 0.5 ? 1.0f : 0.0f;
	}
	ct_free(sp);
	ct_free(perm);
	ct_free(cells);
	return true;
}

static bool
search_iteration(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	const ct_ctnas_options *o = &s->opt;
	ct_arch		g;
	double		reward;

	if (o->pseudo_every > 0 && s->iter % o->pseudo_every == 0)
	{
		if (!add_pseudo_pairs(s, s->iter == 0 ? o->pseudo_first : o->pseudo_pairs, err))
			return false;
		ct_nac_trainer_epoch(s->trainer, s->pool, s->npool, interrupt, arg);
		if (!ct_nac_check_finite(ct_nac_trainer_model(s->trainer), err))
			return false;
	}
	if (!sample_cell(s, false, &g, err))
		return false;
	s->last_entropy = s->sample->entropy;
	{
		ct_arch		pair[2] = {g, s->baseline};
		const ct_nac *m = current_nac(s);
		const float *f = embed(s, pair, 2);

		reward = ct_nac_prob_feat(m, f, f + m->feat);
	}
	memset(s->ctrl_grad, 0, sizeof(float) * s->ctrl.nparams);
	ct_controller_backward(&s->ctrl, s->sample, reward, o->entropy_coef, s->ctrl_grad);
	ct_adam_step(&s->ctrl_adam, s->ctrl.params, s->ctrl_grad);
	if (s->iter % o->derive_every == 0 && !derive(s, err))
		return false;
	s->iter++;
	return true;
}

/* The initial baseline: a uniform sample inside the space (else a queried cell). */
static bool
paper_begin_search(ct_ctnas_search *s, ct_error *err)
{
	int			got;

	if (!sample_in_space(s, true, &s->baseline, 1, &got, err))
		return false;
	if (got == 0)
		s->baseline = s->b->oracle->cells[s->b->log[ct_rng_below(&s->rng, (uint32_t) s->b->used)]];
	s->champion = s->baseline;
	s->has_champion = true;
	return true;
}

/* One step: the first queries, a pre-training epoch or a controller iteration. */
bool
step_paper(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	switch (s->ph)
	{
		case PH_START:
			/* the whole budget on uniformly drawn cells, as the reference's 423 training cells */
			if (!query_random(s, s->b->budget))
				return true;	/* waiting for results */
			if (!start_trainer(s, s->opt.nac.seed, err))
				return false;
			s->ph = s->has_init || s->opt.nac.epochs == 0 ? PH_SEARCH : PH_PRETRAIN;
			if (s->ph == PH_SEARCH && !paper_begin_search(s, err))
				return false;
			return true;
		case PH_PRETRAIN:
			ct_nac_trainer_epoch(s->trainer, NULL, 0, interrupt, arg);
			if (!ct_nac_check_finite(ct_nac_trainer_model(s->trainer), err))
				return false;
			if (++s->iter >= s->opt.nac.epochs)
			{
				s->iter = 0;
				s->ph = PH_SEARCH;
				return paper_begin_search(s, err);
			}
			return true;
		case PH_SEARCH:
			if (s->iter >= s->opt.iterations)
			{
				s->ph = PH_DONE;
				return true;
			}
			if (!search_iteration(s, interrupt, arg, err))
				return false;
			if (s->iter >= s->opt.iterations)
				s->ph = PH_DONE;
			return true;
		default:
			return true;
	}
}
