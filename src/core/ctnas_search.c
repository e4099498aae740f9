/*
 * ctnas_search.c
 *	  The CTNAS search as a step function over a state that can be saved
 *	  and restored (ctnas_search.h): the state's life (create, destroy,
 *	  the memory it takes), the dispatch of a step to its recipe, progress,
 *	  the final cell and the model.  The recipes are search_paper.c and
 *	  search_rounds.c; options search_options.c; checkpoints
 *	  search_checkpoint.c (ctnas_search_internal.h).
 */
#include "ctnas_search_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_alloc.h"

static const char *const phase_names[] = {"start", "pretrain", "search", "train", "rank", "done"};

/* ---- helpers, shared with the recipes and checkpoints (ctnas_search_internal.h) ---- */

static size_t pool_pairs_max(const ct_ctnas_options *o);
static size_t embed_cells_max(const ct_ctnas_options *o);

/*
 * Of the oracle's cells and accuracies, so a checkpoint is resumed on the
 * same oracle; of an external oracle's cells only (its accuracies arrive
 * between checkpoints).
 */
uint64_t
oracle_fingerprint(const ct_oracle *o)
{
	uint64_t	h = 0xcbf29ce484222325ULL ^ o->n ^ (o->external ? 0x5845ULL << 48 : 0);

	for (size_t i = 0; i < o->n; i++)
	{
		uint64_t	a;

		memcpy(&a, &o->acc[i], 8);
		h = (h ^ ct_arch_hash64(&o->cells[i])) * 0x100000001b3ULL;
		if (!o->external)
			h = (h ^ a) * 0x100000001b3ULL;
	}
	return h;
}

/* The NAC the search uses now. */
const ct_nac *
current_nac(const ct_ctnas_search *s)
{
	if (s->trainer != NULL)
		return ct_nac_trainer_model(s->trainer);
	if (s->has_model)
		return &s->model;
	if (s->has_init)
		return &s->init;
	return NULL;
}

/* Embeds n cells with the current NAC into s->feat. */
const float *
embed(ct_ctnas_search *s, const ct_arch *cells, int n)
{
	const ct_nac *m = current_nac(s);

	size_t		need = (size_t) (n > (int) embed_cells_max(&s->opt) ? n : (int) embed_cells_max(&s->opt)) * m->feat;

	/*
	 * Sized in floats, and the batch remade for another shape: models of two
	 * shapes may meet here.  Both have room for the search's largest
	 * embedding at once, so they never grow (ct_ctnas_memory counts them once).
	 */
	if (need > s->feat_cap)
	{
		ct_free(s->feat);
		s->feat = ct_malloc(sizeof(float) * need);
		s->feat_cap = need;
	}
	if (s->bt != NULL && memcmp(&s->bt_shape, &m->shape, sizeof(ct_nac_shape)) != 0)
	{
		ct_nac_batch_destroy(s->bt);
		s->bt = NULL;
	}
	if (s->bt == NULL)
	{
		s->bt = ct_nac_batch_create(&m->shape);
		s->bt_shape = m->shape;
		ct_nac_batch_reserve(s->bt, (int) embed_cells_max(&s->opt));
	}
	ct_nac_batch_set_interrupt(s->bt, s->interrupt, s->interrupt_arg);
	ct_nac_forward(m, s->bt, cells, n, s->feat);
	return s->feat;
}

/* Queries up to want distinct uniformly drawn oracle rows; false while waiting for results. */
bool
query_random(ct_ctnas_search *s, int want)
{
	ct_budget  *b = s->b;
	const ct_oracle *o = b->oracle;

	if ((size_t) want > o->n)
		want = (int) o->n;
	while (b->used < want && !ct_budget_exhausted(b))
	{
		/* the draws do not depend on results: the same cells at every batch */
		while (b->used + b->npending < want && ct_budget_can_propose(b))
			ct_budget_propose(b, (int64_t) (ct_rng_next(&s->rng) % o->n));
		if (!ct_budget_resolve(b))
			return false;
	}
	return true;
}

bool
start_trainer(ct_ctnas_search *s, uint64_t seed, ct_error *err)
{
	ct_budget  *b = s->b;
	ct_arch    *cells = ct_malloc(sizeof(ct_arch) * (size_t) b->used);
	double	   *acc = ct_malloc(sizeof(double) * (size_t) b->used);
	ct_nac_options nac = s->opt.nac;

	for (int i = 0; i < b->used; i++)
	{
		cells[i] = b->oracle->cells[b->log[i]];
		acc[i] = b->oracle->acc[b->log[i]];
	}
	nac.seed = seed;
	s->trainer = ct_nac_trainer_create(cells, acc, (size_t) b->used, &nac, err);
	ct_free(acc);
	ct_free(cells);
	if (s->trainer == NULL)
		return false;
	s->trainer_rows = b->used;
	s->model_seed = seed;
	ct_nac_trainer_reserve_pool(s->trainer, pool_pairs_max(&s->opt));
	if (s->has_init && !ct_nac_trainer_set_weights(s->trainer, &s->init, err))
	{
		ct_nac_trainer_destroy(s->trainer);
		s->trainer = NULL;
		return false;
	}
	/* the model changes under the scratch batch: a fresh one (never frozen) */
	ct_nac_batch_destroy(s->bt);
	s->bt = NULL;
	return true;
}

/* ---- memory ------------------------------------------------------------------ */

/* Most pairs the pseudo-labelled pool will hold: pseudo_first at iteration 0, then pseudo_pairs each time. */
static size_t
pool_pairs_max(const ct_ctnas_options *o)
{
	size_t		events;

	if (o->recipe != CT_CTNAS_RECIPE_PAPER || o->pseudo_every <= 0 || o->iterations <= 0)
		return 0;
	events = ((size_t) o->iterations + (size_t) o->pseudo_every - 1) / (size_t) o->pseudo_every;
	return (size_t) o->pseudo_first + (events - 1) * (size_t) o->pseudo_pairs;
}

/* The most cells the search embeds at once: pseudo-labelling's 2k samples, derive's k + 1, a chunk of scores. */
static size_t
embed_cells_max(const ct_ctnas_options *o)
{
	size_t		n = SCORE_BATCH;

	if (o->recipe != CT_CTNAS_RECIPE_PAPER)
		return n;
	if (o->pseudo_every > 0 && 2 * (size_t) o->pseudo_first > n)
		n = 2 * (size_t) o->pseudo_first;
	if (o->pseudo_every > 0 && 2 * (size_t) o->pseudo_pairs > n)
		n = 2 * (size_t) o->pseudo_pairs;
	if ((size_t) o->derive_samples + 1 > n)
		n = (size_t) o->derive_samples + 1;
	return n;
}

size_t
ct_ctnas_memory(const ct_ctnas_options *opt, const ct_space *space, int budget, size_t oracle_cells, bool has_init)
{
	ct_nac_shape shape = ct_nac_options_shape(&opt->nac, space);
	size_t		nparams = ct_nac_nparams(&shape);
	size_t		w = (size_t) ct_nac_feat_width(&shape);
	size_t		rows = (size_t) (budget > 0 ? budget : 0) < oracle_cells ? (size_t) budget : oracle_cells;
	size_t		pool = pool_pairs_max(opt);
	size_t		embed_cells = embed_cells_max(opt);
	size_t		total;

	if (rows < 2)
		rows = 2;
	total = sizeof(ct_ctnas_search) + (has_init ? sizeof(float) * nparams : 0);
	/* the NAC trainer (and the rows handed to it), and a finished round's model beside the next trainer */
	total += ct_nac_trainer_memory(rows, &opt->nac, space, pool) + rows * (sizeof(ct_arch) + sizeof(double)) +
		sizeof(float) * nparams;
	if (opt->recipe == CT_CTNAS_RECIPE_PAPER)
	{
		size_t		cap = 1024;
		size_t		pseudo = opt->pseudo_every > 0 ? (size_t) (opt->pseudo_first > opt->pseudo_pairs ? opt->pseudo_first : opt->pseudo_pairs) : 0;

		/* the controller, its gradient and Adam's state, a sample's trace */
		/* (a space without a controller: the search refuses to start, ct_ctnas_create) */
		total += 4 * sizeof(float) * (space->program ? ct_controller_nparams(space->program) : 0) + sizeof(ct_ctrl_sample);
		/* the pool, growing by doubling (old and new side by side while it grows) */
		while (pool > 0 && cap < pool)
			cap *= 2;
		if (pool > 0)
			total += (cap + cap / 2) * sizeof(ct_nac_labelled_pair);
		/* pseudo-labelling's 2k samples with their permutation and scores; derive's k + 1 */
		total += 2 * pseudo * (sizeof(ct_arch) + sizeof(int) + sizeof(scored_pair)) +
			((size_t) opt->derive_samples + 1) * sizeof(ct_arch);
	}
	else
		total += oracle_cells * sizeof(ranked);	/* a round ranks every unqueried cell */
	total += space_rank_memory(opt, budget, oracle_cells);	/* what it would propose next */
	/* the scratch batch and embeddings, made for the largest embedding at once (embed) */
	total += ct_nac_batch_memory(&shape, embed_cells) + sizeof(float) * embed_cells * w;
	return total;
}

/* ---- the step function ------------------------------------------------------- */

/*
 * The schedule of recipe "default" (ctnas_search.h): each part is a small
 * function of the effective budget E = min(budget, oracle cells), used only
 * when the options do not give it.
 */

static int64_t
effective_budget(int budget, size_t oracle_cells)
{
	return (int64_t) budget < (int64_t) oracle_cells ? (int64_t) budget : (int64_t) oracle_cells;
}

int
ct_ctnas_first(int first, int budget, size_t oracle_cells)
{
	int64_t		e = effective_budget(budget, oracle_cells);
	int64_t		f;

	if (first >= 0)
		return first;
	if (e >= CT_CTNAS_SCHEDULE_0_1_0)
		return 100;
	/* a fifth, at least 10 (a NAC learns little from fewer), but at most half: the rounds get the rest */
	f = e / 5 > 10 ? e / 5 : 10;
	if (f > e / 2)
		f = e / 2;
	return (int) (f > 2 ? f : 2);
}

/* Work of a schedule in cells scored: every round ranks the oracle and trains a NAC (epochs x cells, 4 units each). */
static double
schedule_work(int rounds, int64_t first, int64_t e, size_t oracle_cells, int epochs)
{
	/* round i trains on first + i (e - first) / rounds cells */
	return (double) rounds * (double) oracle_cells +
		4.0 * epochs * ((double) rounds * first + (double) (e - first) * (rounds - 1) / 2.0);
}

int
ct_ctnas_rounds(int rounds, int first, int budget, size_t oracle_cells, int epochs)
{
	int64_t		e = effective_budget(budget, oracle_cells);
	int64_t		left = e - first;
	double		cap;
	int			most;
	int			r;

	if (rounds >= 1)
		return rounds;
	if (e >= CT_CTNAS_SCHEDULE_0_1_0)
		return 4;
	if (left <= 0)
		return 1;				/* (the first cells take the whole budget: no round runs) */
	/* rounds of at least 3 cells, at most 8 rounds, within 1.5 times the work of 0.1.0's 423-query search */
	cap = 1.5 * schedule_work(4, 100, 423, 423624, 300);
	most = (left + 2) / 3 < 8 ? (int) ((left + 2) / 3) : 8;
	for (r = 1; r < most && schedule_work(r + 1, first, e, oracle_cells, epochs) <= cap; r++)
		;
	return r;
}

bool
ct_ctnas_check_sizes(int budget, size_t oracle_cells, ct_error *err)
{
	if (budget < 2)
		return ct_fail(err, CT_ERR_INVALID, "the CTNAS search needs a budget of at least 2",
					   "Its NAC learns from pairs of queried cells; got a budget of %d.", budget);
	if (oracle_cells < 2)
		return ct_fail(err, CT_ERR_INVALID, "the CTNAS search needs an oracle of at least 2 cells",
					   "The oracle has %zu.", oracle_cells);
	return true;
}

ct_ctnas_search *
ct_ctnas_create(ct_budget *b, const ct_ctnas_options *opt, const ct_nac *init, ct_error *err)
{
	ct_ctnas_search *s;
	ct_nac_shape want;

	if (ct_ctnas_recipe_name(opt->recipe) == NULL)
		return ct_fail(err, CT_ERR_INVALID, "unknown search recipe", "Recipe code %d.", opt->recipe), NULL;
	if (!ct_ctnas_check_sizes(b->budget, b->oracle->n, err) ||
		!ct_proposals_check(opt->space, opt->space_id, b->oracle, err))
		return NULL;
	if (b->used != 0)
		return ct_fail(err, CT_ERR_INVALID, "the search needs a fresh budget", NULL), NULL;
	if ((b->oracle->space->to_dag == NULL && b->oracle->space->to_features == NULL) ||
		(opt->recipe == CT_CTNAS_RECIPE_PAPER && b->oracle->space->program == NULL))
		return ct_fail(err, CT_ERR_INVALID, "the CTNAS search cannot run in this search space yet",
					   "There is no %s for %s yet; random search and evolution run in it.",
					   b->oracle->space->to_dag == NULL && b->oracle->space->to_features == NULL ? "NAC input encoding" : "controller",
					   b->oracle->space->title), NULL;
	/* the pool is indexed by int */
	if (pool_pairs_max(opt) > (size_t) INT_MAX)
		return ct_fail(err, CT_ERR_TOO_LARGE, "the search would keep too many pseudo-labelled pairs",
					   "%zu pairs; at most %d.", pool_pairs_max(opt), INT_MAX), NULL;
	want = ct_nac_options_shape(&opt->nac, b->oracle->space);
	if (init != NULL &&
		((init->shape.network == CT_NAC_NETWORK_MLP) != (want.network == CT_NAC_NETWORK_MLP) ||
		 init->shape.layers != want.layers || init->shape.width != want.width ||
		 init->shape.head != want.head || init->shape.readout != want.readout))
	{
		char		has[160],
					asks[160];

		ct_nac_shape_summary(&init->shape, has, sizeof(has));
		ct_nac_shape_summary(&want, asks, sizeof(asks));
		return ct_fail(err, CT_ERR_INVALID, "the starting NAC does not have the shape of the training options",
					   "The model has %s; the options ask for %s.", has, asks), NULL;
	}
	if (init != NULL && ct_nac_shape_space(&init->shape) != b->oracle->space)
		return ct_fail(err, CT_ERR_INVALID, "the starting NAC is of another search space than the oracle",
					   "The model compares %s architectures; the oracle holds %s ones.",
					   ct_nac_shape_space(&init->shape)->title, b->oracle->space->title), NULL;
	s = ct_calloc(1, sizeof(ct_ctnas_search));
	s->opt = *opt;
	/* the schedule's parts the options leave open (recipe "default"; "paper" keeps them as given) */
	if (opt->recipe == CT_CTNAS_RECIPE_DEFAULT)
	{
		s->opt.first = ct_ctnas_first(opt->first, b->budget, b->oracle->n);
		s->opt.rounds = ct_ctnas_rounds(opt->rounds, s->opt.first, b->budget, b->oracle->n, opt->nac.epochs);
	}
	s->b = b;
	b->batch = opt->batch;
	s->fingerprint = oracle_fingerprint(b->oracle);
	s->ph = PH_START;
	s->round_target = -1;
	s->last_entropy = NAN;
	ct_rng_seed(&s->rng, opt->seed ^ 0xC7A5C7A5C7A5ULL);
	if (init != NULL)
	{
		s->has_init = true;
		ct_nac_alloc(&s->init, &init->shape);
		memcpy(s->init.params, init->params, sizeof(float) * init->nparams);
	}
	if (opt->recipe == CT_CTNAS_RECIPE_PAPER)
	{
		ct_controller_alloc(&s->ctrl, b->oracle->space->program);
		ct_controller_init(&s->ctrl, opt->seed);
		ct_controller_set_scaling(&s->ctrl, opt->temperature, opt->tanh_constant, opt->op_tanh_reduce);
		ct_adam_init(&s->ctrl_adam, s->ctrl.nparams, opt->controller_lr, 0.5, 0.999, 1e-8, 5e-4);
		s->ctrl_grad = ct_malloc(sizeof(float) * s->ctrl.nparams);
		s->sample = ct_malloc(sizeof(ct_ctrl_sample));
	}
	return s;
}

bool
ct_ctnas_done(const ct_ctnas_search *s)
{
	return s->ph == PH_DONE;
}

bool
ct_ctnas_step(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	bool		ok;

	if (s->ph == PH_DONE)
		return true;
	s->interrupt = interrupt;
	s->interrupt_arg = arg;
	ok = s->opt.recipe == CT_CTNAS_RECIPE_PAPER ? step_paper(s, interrupt, arg, err)
		: step_default(s, interrupt, arg, err);
	s->interrupt = NULL;
	s->interrupt_arg = NULL;
	if (!s->b->waiting)
		s->steps++;				/* (a step that waits for results is taken again) */
	if (interrupt)
		interrupt(arg);
	return ok;
}

bool
ct_ctnas_run(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	while (!ct_ctnas_done(s) && !s->b->waiting)
		if (!ct_ctnas_step(s, interrupt, arg, err))
			return false;
	return true;
}

bool
ct_ctnas_waiting(const ct_ctnas_search *s)
{
	return s->b->waiting;
}

void
ct_ctnas_get_progress(const ct_ctnas_search *s, ct_ctnas_progress *p)
{
	p->phase = phase_names[s->ph];
	p->steps = s->steps;
	/* a step starts the search, then one per NAC epoch, controller iteration or round's ranking */
	if (s->opt.recipe == CT_CTNAS_RECIPE_PAPER)
		p->total_steps = 1 + (s->has_init ? 0 : s->opt.nac.epochs) + s->opt.iterations;
	else
		p->total_steps = 1 + (int64_t) s->opt.rounds * (s->opt.nac.epochs + 1) - (s->has_init ? s->opt.nac.epochs : 0);
	if (s->ph == PH_DONE || p->total_steps < s->steps)
		p->total_steps = s->steps;
	p->iteration = s->opt.recipe == CT_CTNAS_RECIPE_PAPER ? s->iter : s->round;
	p->queries = s->b->used;
	p->best_row = ct_budget_best(s->b);
	p->entropy = s->last_entropy;
}

bool
ct_ctnas_final(ct_ctnas_search *s, ct_arch *cell, int64_t *row, double *score)
{
	ct_error	err;

	if (s->opt.recipe == CT_CTNAS_RECIPE_PAPER && s->has_champion)
		*cell = s->champion;
	else if (s->opt.space == CT_PROPOSE_SPACE && space_rank_ready(s, &err) && s->has_space_best)
		*cell = s->space_best;	/* recipe "default" in a whole space: the NAC's best of it */
	else
	{
		int64_t		best = ct_budget_best(s->b);

		if (best < 0)
			return false;
		*cell = s->b->oracle->cells[best];
	}
	*row = ct_oracle_find(s->b->oracle, cell);
	ct_ctnas_score(s, cell, 1, score);
	return true;
}

bool
ct_ctnas_no_nac_reason(const ct_ctnas_search *s, char *buf, size_t len)
{
	const ct_budget *b = s->b;

	if (current_nac(s) != NULL)
		return false;
	if (b->used >= ct_budget_effective(b) && (size_t) b->used >= b->oracle->n)
		snprintf(buf, len, "The first %d random cells read every cell of the oracle, so no NAC was trained and nac_score is NULL.",
				 b->used);
	else if (b->used >= b->budget)
		snprintf(buf, len, "The first %d random cells took the whole budget of %d (\"first\" is at least the budget), "
				 "so no NAC was trained and nac_score is NULL.", b->used, b->budget);
	else
		snprintf(buf, len, "The search ended before its first NAC was trained, so nac_score is NULL.");
	return true;
}

const ct_nac *
ct_ctnas_model(const ct_ctnas_search *s, ct_nac_options *opt, ct_nac_stats *stats)
{
	const ct_nac *m = current_nac(s);

	if (m == NULL)
		return NULL;
	*opt = s->opt.nac;
	opt->seed = s->model_seed;
	memset(stats, 0, sizeof(*stats));
	if (s->trainer == NULL && s->has_model)
		*stats = s->model_stats;
	else
		opt->average = 0;		/* weights being trained, or the starting model: not an average */
	if (s->trainer != NULL)
	{
		ct_nac_stats t = ct_nac_trainer_stats(s->trainer);

		/* (steps and the last loss from the trainer: a saved model used to say 0 and 0) */
		stats->steps = t.steps;
		stats->final_loss = t.final_loss;
		stats->rows = (uint64_t) s->trainer_rows;
		stats->epochs = (uint32_t) (s->opt.recipe == CT_CTNAS_RECIPE_PAPER && s->ph != PH_PRETRAIN
									? s->opt.nac.epochs + s->iter / (s->opt.pseudo_every > 0 ? s->opt.pseudo_every : 1)
									: s->iter);
	}
	return m;
}

void
ct_ctnas_score(ct_ctnas_search *s, const ct_arch *cells, int n, double *out)
{
	const ct_nac *m = current_nac(s);

	for (int start = 0; start < n; start += SCORE_BATCH)
	{
		int			k = n - start < SCORE_BATCH ? n - start : SCORE_BATCH;
		const float *f = m ? embed(s, cells + start, k) : NULL;

		for (int i = 0; i < k; i++)
			out[start + i] = m ? ct_nac_score_feat(m, f + (size_t) i * m->feat) : NAN;
	}
}

void
ct_ctnas_destroy(ct_ctnas_search *s)
{
	if (s == NULL)
		return;
	ct_nac_trainer_destroy(s->trainer);
	if (s->has_model)
		ct_nac_free(&s->model);
	if (s->has_init)
		ct_nac_free(&s->init);
	if (s->opt.recipe == CT_CTNAS_RECIPE_PAPER)
	{
		ct_controller_free(&s->ctrl);
		ct_adam_free(&s->ctrl_adam);
		ct_free(s->ctrl_grad);
		ct_free(s->sample);
	}
	ct_free(s->pool);
	ct_free(s->order);
	ct_free(s->listed);
	ct_free(s->listed_score);
	ct_nac_batch_destroy(s->bt);
	ct_free(s->feat);
	ct_free(s);
}
