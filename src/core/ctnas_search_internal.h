/*
 * ctnas_search_internal.h
 *	  What the files of the CTNAS search share, and only they include: the
 *	  search's state, the helpers both recipes call, each recipe's step and
 *	  the options' bounds.  The public API is ctnas_search.h.
 *
 *	  ctnas_search.c       the state, dispatch, progress and the public API
 *	  search_paper.c       recipe "paper": the reference's REINFORCE loop
 *	  search_rounds.c      recipe "default": NAC-ranked rounds
 *	  search_options.c     options as JSON, and their bounds
 *	  search_checkpoint.c  save and restore
 *
 *	  The shared functions keep the short names they had as statics of one
 *	  file; CT_SEARCH_INTERNAL keeps them out of the library's exported
 *	  symbols.
 */
#ifndef CTNAS_SEARCH_INTERNAL_H
#define CTNAS_SEARCH_INTERNAL_H

#include "ctnas_search.h"

#include "ctnas_controller.h"
#include "ctnas_rng.h"

#define CT_SEARCH_INTERNAL __attribute__((visibility("hidden")))

#define SCORE_BATCH		256

typedef enum phase
{
	PH_START = 0,				/* the first queries */
	PH_PRETRAIN,				/* paper: NAC epochs on the queried cells */
	PH_SEARCH,					/* paper: controller iterations */
	PH_TRAIN,					/* default: this round's NAC epochs */
	PH_RANK,					/* default: rank and query */
	PH_DONE
} phase;

struct ct_ctnas_search
{
	ct_ctnas_options opt;
	ct_budget  *b;
	uint64_t	fingerprint;	/* of the oracle, so a checkpoint is resumed on the same one */
	phase		ph;
	int64_t		iter;			/* controller iteration (paper) */
	int			round;			/* default */
	/* default: the round under way (its queries may wait for results) */
	int			round_target;	/* queries at which the round ends; -1: no round under way */
	int64_t    *order;			/* its candidates, best-ranked first */
	size_t		norder;
	size_t		opos;			/* the next candidate */
	int64_t		steps;
	ct_rng		rng;
	bool		has_init;
	ct_nac		init;			/* the NAC to start from */

	/* the NAC being trained: rows = the first trainer_rows queried cells */
	ct_nac_trainer *trainer;
	int			trainer_rows;
	bool		has_model;		/* default: the last round's NAC */
	ct_nac		model;
	ct_nac_stats model_stats;
	uint64_t	model_seed;

	/* recipe "paper" */
	ct_controller ctrl;
	ct_adam		ctrl_adam;
	float	   *ctrl_grad;
	ct_ctrl_sample *sample;		/* scratch: a trace is big */
	ct_arch		baseline;
	ct_arch		champion;
	bool		has_champion;
	double		last_entropy;
	ct_nac_labelled_pair *pool;
	int			npool;
	int			pool_cap;

	/* what the finished search would propose next (search_space_rank.c) */
	bool		ranked;
	ct_arch    *listed;			/* the option "list": the best-ranked unread, best first */
	double	   *listed_score;
	int			nlisted;
	bool		has_space_best; /* recipe "default" in a whole space: its final choice */
	ct_arch		space_best;

	/* the step's interrupt callback, for the long loops inside a step */
	ct_interrupt_fn interrupt;
	void	   *interrupt_arg;

	/* scratch */
	ct_nac_batch *bt;
	float	   *feat;
	size_t		feat_cap;		/* floats */
	ct_nac_shape bt_shape;		/* of the model bt was made for */
};

/* Recipe "paper": a pseudo-labelling candidate pair and its P(a beats b). */
typedef struct scored_pair
{
	double		p;
	int			i;
} scored_pair;

/* Recipe "default": an unqueried row and its NAC score. */
typedef struct ranked
{
	double		score;
	int64_t		row;
} ranked;

/* ctnas_search.c: the state's helpers */
/* Of the oracle's cells and accuracies, so a checkpoint is resumed on the same oracle. */
extern CT_SEARCH_INTERNAL uint64_t oracle_fingerprint(const ct_oracle *o);
/* The NAC the search uses now. */
extern CT_SEARCH_INTERNAL const ct_nac *current_nac(const ct_ctnas_search *s);
/* Embeds n cells with the current NAC into s->feat. */
extern CT_SEARCH_INTERNAL const float *embed(ct_ctnas_search *s, const ct_arch *cells, int n);
/*
 * Queries up to want distinct uniformly drawn oracle rows (fewer if the
 * oracle is smaller), the batch's proposals at a time; false when it waits
 * for results (call again once they are in).
 */
extern CT_SEARCH_INTERNAL bool query_random(ct_ctnas_search *s, int want);
/* A NAC trainer on the first b->used queried cells, from s->init if there is one. */
extern CT_SEARCH_INTERNAL bool start_trainer(ct_ctnas_search *s, uint64_t seed, ct_error *err);

/* search_paper.c and search_rounds.c: one step of each recipe (ct_ctnas_step) */
extern CT_SEARCH_INTERNAL bool step_paper(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err);
extern CT_SEARCH_INTERNAL bool step_default(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err);

/*
 * search_space_rank.c: ranks what the finished search did not read, once
 * (nothing before it is done or without a NAC); and the bytes it takes.
 */
extern CT_SEARCH_INTERNAL bool space_rank_ready(ct_ctnas_search *s, ct_error *err);
extern CT_SEARCH_INTERNAL size_t space_rank_memory(const ct_ctnas_options *opt, int budget, size_t oracle_cells);

/*
 * search_options.c: whether options keep the bounds of the JSON options
 * (a known recipe and space; integers within their JSON bounds, reals
 * finite), so that a damaged checkpoint cannot ask for absurd work.  The
 * NAC options inside are the caller's to check.
 */
extern CT_SEARCH_INTERNAL bool ct_ctnas_options_in_bounds(const ct_ctnas_options *opt);

#endif
