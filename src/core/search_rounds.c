/*
 * search_rounds.c
 *	  Recipe "default" of the CTNAS search: `first` random cells, then
 *	  rounds that each train a NAC on every cell queried so far, rank every
 *	  unqueried cell of the oracle with it and query the best-ranked
 *	  (ctnas_search.h).
 */
#include "ctnas_search_internal.h"

#include <stdlib.h>

#include "ctnas_alloc.h"

static int
by_score_desc(const void *a, const void *b)
{
	const ranked *x = a;
	const ranked *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);	/* ties: a fixed order */
}

/* Ranks every oracle row not read, proposed or failed with the current NAC: s->order, best first. */
static void
rank_rows(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg)
{
	ct_budget  *b = s->b;
	const ct_oracle *o = b->oracle;
	const ct_nac *m = current_nac(s);
	ranked	   *order = ct_malloc(sizeof(ranked) * (o->n > 0 ? o->n : 1));
	ct_arch		chunk[SCORE_BATCH];
	int64_t		rows[SCORE_BATCH];
	size_t		n = 0;
	int			k = 0;

	for (size_t r = 0; r <= o->n; r++)
	{
		if (r < o->n && b->seen[r] == CT_ROW_NEW)
		{
			chunk[k] = o->cells[r];
			rows[k++] = (int64_t) r;
		}
		if (k == SCORE_BATCH || (r == o->n && k > 0))
		{
			const float *f = embed(s, chunk, k);

			for (int i = 0; i < k; i++)
			{
				order[n].score = ct_nac_score_feat(m, f + (size_t) i * m->feat);
				order[n++].row = rows[i];
			}
			k = 0;
			if (interrupt)
				interrupt(arg);
		}
	}
	qsort(order, n, sizeof(ranked), by_score_desc);
	ct_free(s->order);
	s->order = ct_malloc(sizeof(int64_t) * (n > 0 ? n : 1));
	for (size_t i = 0; i < n; i++)
		s->order[i] = order[i].row;
	s->norder = n;
	s->opos = 0;
	ct_free(order);
}

/*
 * The round's queries: its best-ranked candidates, the batch's proposals at
 * a time, until the round's share of the budget is read; a candidate that
 * fails gives way to the next.  False while waiting for results.  (The
 * ranking does not change within a round, so neither do its proposals,
 * whatever the batch.)
 */
static bool
query_ranked(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg)
{
	ct_budget  *b = s->b;

	while (b->used < s->round_target && !ct_budget_exhausted(b))
	{
		while (b->used + b->npending < s->round_target && ct_budget_can_propose(b))
		{
			/* the ranking ran out (a checkpoint keeps its head only, or candidates failed): rank again */
			if (s->opos >= s->norder)
			{
				if (b->npending > 0)
					break;		/* read the open ones first: they are not candidates */
				rank_rows(s, interrupt, arg);
				if (s->norder == 0)
					return true;
			}
			ct_budget_propose(b, s->order[s->opos++]);
		}
		if (!ct_budget_resolve(b))
			return false;
	}
	return true;
}

static bool
default_finished(const ct_ctnas_search *s)
{
	return s->round >= s->opt.rounds || ct_budget_exhausted(s->b);
}

/* One step: the first queries, a NAC epoch of the round, or the round's ranking and queries. */
bool
step_default(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	switch (s->ph)
	{
		case PH_START:
			if (s->has_init)
				s->ph = PH_RANK;	/* the given NAC ranks the first round */
			else
			{
				/* random cells first: at least two, since a NAC needs two to train */
				if (!query_random(s, s->opt.first > 2 ? s->opt.first : 2))
					return true;	/* waiting for results */
				s->ph = default_finished(s) ? PH_DONE : PH_TRAIN;
			}
			return true;
		case PH_TRAIN:
			if (s->trainer == NULL && !start_trainer(s, s->opt.nac.seed + (uint64_t) s->round, err))
				return false;
			if (s->iter < s->opt.nac.epochs)
			{
				ct_nac_trainer_epoch(s->trainer, NULL, 0, interrupt, arg);
				s->iter++;
			}
			if (s->iter >= s->opt.nac.epochs)
			{
				ct_nac		m;
				ct_nac_stats st;

				bool		finite = ct_nac_trainer_finish(s->trainer, &m, &st, err);

				s->trainer = NULL;
				if (!finite)
					return false;
				if (s->has_model)
					ct_nac_free(&s->model);
				s->model = m;
				s->model_stats = st;
				s->has_model = true;
				s->iter = 0;
				s->ph = PH_RANK;
			}
			return true;
		case PH_RANK:
			{
				int			left = s->opt.rounds - s->round;

				if (left <= 0)
				{
					s->ph = PH_DONE;
					return true;
				}
				if (s->round_target < 0)
				{
					/* the rest, spread evenly (in 64 bits: the budget may be INT_MAX) */
					int64_t		take = ((int64_t) s->b->budget - s->b->used + left - 1) / left;

					s->round_target = (int) (s->b->used + take < s->b->budget ? s->b->used + take : s->b->budget);
					rank_rows(s, interrupt, arg);
				}
				if (!query_ranked(s, interrupt, arg))
					return true;	/* waiting for results */
				ct_free(s->order);
				s->order = NULL;
				s->norder = s->opos = 0;
				s->round_target = -1;
				s->round++;
				s->ph = default_finished(s) ? PH_DONE : PH_TRAIN;
				return true;
			}
		default:
			return true;
	}
}
