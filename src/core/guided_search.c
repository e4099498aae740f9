/*
 * guided_search.c
 *	  NAC-guided search in rounds (ctnas_search.h): spend part of the budget
 *	  on random cells, then alternate "train a NAC on everything queried" and
 *	  "query the unqueried cells it ranks highest".  Scoring the whole oracle
 *	  is cheap because the NAC embeds cells in batches with shared node states.
 */
#include "ctnas_search.h"

#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"

#define SCORE_BATCH 256

typedef struct ranked
{
	double		score;
	int64_t		row;
} ranked;

static int
by_score_desc(const void *a, const void *b)
{
	const ranked *x = a;
	const ranked *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);	/* ties: a fixed order */
}

/* Scores every unqueried oracle row with m; returns how many, sorted best first. */
static size_t
rank_unqueried(const ct_budget *b, const ct_nac *m, ranked *out, ct_interrupt_fn interrupt, void *arg)
{
	const ct_oracle *o = b->oracle;
	ct_nac_batch *bt = ct_nac_batch_create(&m->shape);
	float	   *feat = ct_malloc(sizeof(float) * SCORE_BATCH * m->shape.width);
	ct_graph	chunk[SCORE_BATCH];
	int64_t		rows[SCORE_BATCH];
	size_t		n = 0;
	int			k = 0;

	ct_nac_batch_freeze(bt);
	for (size_t r = 0; r <= o->n; r++)
	{
		if (r < o->n && !b->seen[r])
		{
			chunk[k] = o->cells[r];
			rows[k++] = (int64_t) r;
		}
		if (k == SCORE_BATCH || (r == o->n && k > 0))
		{
			ct_nac_forward(m, bt, chunk, k, feat);
			for (int i = 0; i < k; i++)
			{
				out[n].score = ct_nac_score_feat(m, feat + (size_t) i * m->shape.width);
				out[n++].row = rows[i];
			}
			k = 0;
			if (interrupt)
				interrupt(arg);
		}
	}
	qsort(out, n, sizeof(ranked), by_score_desc);
	ct_free(feat);
	ct_nac_batch_destroy(bt);
	return n;
}

bool
ct_guided_search(ct_budget *b, const ct_guided_options *opt,
				 ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	const ct_oracle *o = b->oracle;
	ct_rng		rng;
	ranked	   *order = ct_malloc(sizeof(ranked) * o->n);
	ct_graph   *cells = ct_malloc(sizeof(ct_graph) * (size_t) b->budget);
	double	   *acc = ct_malloc(sizeof(double) * (size_t) b->budget);
	int			first = opt->first < b->budget ? opt->first : b->budget;
	double		a;
	bool		ok = true;

	ct_rng_seed(&rng, opt->seed);
	/* random cells first: at least two, since a NAC needs two to train */
	for (int64_t tries = 0; b->used < (first > 2 ? first : 2) && (size_t) b->used < o->n &&
		 tries < 1000 * (int64_t) (first + 2); tries++)
		ct_budget_query(b, (int64_t) (ct_rng_next(&rng) % o->n), &a);

	for (int round = 0; round < opt->rounds && ok && b->used < b->budget && (size_t) b->used < o->n; round++)
	{
		int			left = opt->rounds - round;
		int			take = (b->budget - b->used + left - 1) / left;	/* the rest, spread evenly */
		ct_nac_options nac = opt->nac;
		ct_nac		m;
		ct_nac_stats stats;
		size_t		n;

		for (int i = 0; i < b->used; i++)
		{
			cells[i] = o->cells[b->log[i]];
			acc[i] = o->acc[b->log[i]];
		}
		nac.seed = opt->nac.seed + (uint64_t) round;
		if (!ct_nac_train(cells, acc, (size_t) b->used, &nac, &m, &stats, interrupt, arg, err))
		{
			ok = false;
			break;
		}
		n = rank_unqueried(b, &m, order, interrupt, arg);
		for (size_t i = 0; i < n && take > 0; i++, take--)
			ct_budget_query(b, order[i].row, &a);
		ct_nac_free(&m);
	}
	ct_free(acc);
	ct_free(cells);
	ct_free(order);
	return ok;
}
