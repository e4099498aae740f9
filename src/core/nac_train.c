/*
 * nac_train.c
 *	  Training a NAC: recipe "paper" (the reference code's) and "default" (ours).
 *
 * Each epoch shuffles the cells into mini-batches; within a batch every cell
 * is paired with a random in-batch partner (a uniform permutation, so a cell
 * may meet itself), labelled 1{acc(a) > acc(b)}; BCE, one Adam step per batch.
 * The batch's cells are embedded once and every pair reads its embeddings.
 * Recipe "default" trains the same way a network that reads each cell in
 * both directions, with the antisymmetric head.
 */
#include "ctnas_nac.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"

ct_nac_options
ct_nac_recipe_options(int recipe)
{
	ct_nac_options o = {
		.recipe = CT_NAC_RECIPE_PAPER,
		.seed = 0,
		.epochs = 1000,
		.batch_size = 256,
		.lr = 2e-4,
		.beta1 = 0.5,
		.beta2 = 0.999,
		.eps = 1e-8,
		.weight_decay = 5e-4,
		.head = CT_NAC_HEAD_CONCAT_FC,
		.readout = CT_NAC_READOUT_MEAN_SLOTS,
		.layers = 4,
		.width = 128,
		.mlp_layers = 3,		/* MBSpaceNAC: 120 -> 512 -> 512 -> 512 */
		.mlp_width = 512,
		.average = 0,
	};

	/*
	 * Ours: the same network read in both directions (the mean of the
	 * readouts of the cell and of the cell with its edges reversed, shared
	 * weights), with the antisymmetric head.  Measured on development
	 * splits (seeds 1-6): KTau 0.745 against 0.709 for "paper"; see README.
	 * For the MLP (spaces with nac_input) the readout does not apply, so
	 * "default" is "paper" with the antisymmetric head: on the OFA subnets
	 * tau-b +0.005 at 100 training rows (5 of 5 seeds), equal from 500 on
	 * (test/bench/ofa_results.md).  Since 0.2.0 the model is the mean of
	 * the weights at the end of each epoch of the second half of training
	 * (stochastic weight averaging): on NAS-Bench-101, seeds 1-20, KTau
	 * +0.011 +- 0.004 (better on 15 of 20), at no cost in scoring and
	 * nearly none in training (test/bench/ktau17_results.md).  Also since
	 * 0.2.0 each direction's readout is [mean over the cell's nodes (no
	 * padding); the state of its last node] (the output node; the input
	 * node in the reversed cell), twice the width: same per-cell cost,
	 * measured in README ("Ranking quality").  Only where the space's last
	 * node is the output (ct_space.nac_last_is_output: not DARTS, where it
	 * lost tau-b): ct_nac_options_shape falls back to the slots there.
	 */
	if (recipe == CT_NAC_RECIPE_DEFAULT)
	{
		o.recipe = CT_NAC_RECIPE_DEFAULT;
		o.head = CT_NAC_HEAD_ANTISYMMETRIC;
		o.readout = CT_NAC_READOUT_NODES_SINK_BOTH;
		o.average = 50;
	}
	return o;
}

int
ct_nac_average_epochs(const ct_nac_options *opt)
{
	int64_t		k = (int64_t) opt->epochs * opt->average / 100;

	if (opt->average <= 0 || opt->epochs <= 0)
		return 0;
	return k < 1 ? 1 : (int) k;
}

ct_nac_options
ct_nac_default_options(void)
{
	return ct_nac_recipe_options(CT_NAC_RECIPE_PAPER);
}

const char *
ct_nac_recipe_name(int recipe)
{
	switch (recipe)
	{
		case CT_NAC_RECIPE_PAPER:
			return "paper";
		case CT_NAC_RECIPE_DEFAULT:
			return "default";
		default:
			return NULL;
	}
}

int
ct_nac_recipe_from_name(const char *name)
{
	if (strcmp(name, "paper") == 0)
		return CT_NAC_RECIPE_PAPER;
	if (strcmp(name, "default") == 0)
		return CT_NAC_RECIPE_DEFAULT;
	return -1;
}

/*
 * The antisymmetric head keeps fc's halves at w and -w and its bias at 0:
 * the gradient of the shared w is the first half's minus the second's, and
 * Adam, being odd in (parameter, gradient), then moves the halves exactly
 * opposite.
 */
void
ct_nac_head_tie_gradient(const ct_nac *m, float *grad)
{
	int			w = m->feat;
	float	   *gw = grad + (m->fc_w - m->params);

	if (m->shape.head != CT_NAC_HEAD_ANTISYMMETRIC)
		return;
	for (int k = 0; k < w; k++)
	{
		float		g = gw[k] - gw[w + k];

		gw[k] = g;
		gw[w + k] = -g;
	}
	grad[m->fc_b - m->params] = 0.0f;
}

typedef struct train_row
{
	ct_arch		cell;
	double		acc;
} train_row;

static int
cmp_rows(const void *a, const void *b)
{
	const train_row *x = a;
	const train_row *y = b;
	int			c = ct_arch_cmp(&x->cell, &y->cell);

	if (c != 0)
		return c;
	return x->acc < y->acc ? -1 : x->acc > y->acc;
}

struct ct_nac_trainer
{
	ct_nac_options opt;
	ct_nac		model;
	ct_adam		adam;
	ct_rng		rng;
	ct_nac_batch *bt;
	train_row  *rows;
	size_t		n;
	int			B;				/* labelled cells per batch */
	int		   *order;			/* n */
	int		   *ia;				/* 2B pairs: B labelled, up to B from the pool */
	int		   *ib;
	float	   *y;
	ct_arch    *batch;			/* 3B cells: B labelled, 2 per pool pair */
	double	   *bacc;			/* B */
	float	   *feat;			/* 3B x feat (views x width) */
	float	   *dfeat;
	float	   *grad;
	int		   *pool_idx;		/* scratch for sampling pool pairs */
	int			pool_cap;
	double	   *avg;			/* weight averaging: the sum of the averaged epochs' weights */
	uint32_t	avg_n;			/* ... over this many epochs */
	ct_nac_stats stats;
};

ct_nac_shape
ct_nac_options_shape(const ct_nac_options *opt, const ct_space *space)
{
	ct_nac_shape shape = ct_nac_reference_shape();

	if (space != NULL)
		ct_nac_shape_set_space(&shape, space);
	shape.head = opt->head;
	if (ct_nac_is_mlp(&shape))
	{
		/* no graph to read in two directions: the readout is the MLP's output (set_space) */
		shape.layers = opt->mlp_layers;
		shape.width = opt->mlp_width;
		return shape;
	}
	shape.readout = opt->readout;
	/* recipe "default"'s sink is the cell's output: where the last node is not (DARTS), the mean of the slots */
	if (!opt->readout_given && space != NULL && !space->nac_last_is_output && ct_nac_readout_sink(shape.readout))
		shape.readout = ct_nac_readout_of(ct_nac_readout_both(shape.readout), false);
	shape.layers = opt->layers;
	shape.width = opt->width;
	return shape;
}

size_t
ct_nac_trainer_memory(size_t n, const ct_nac_options *opt, const ct_space *space, size_t pool_pairs)
{
	ct_nac_shape shape = ct_nac_options_shape(opt, space);
	size_t		B = opt->batch_size < 1 ? 1 : (size_t) opt->batch_size;
	size_t		w = (size_t) ct_nac_feat_width(&shape);
	size_t		ncells;

	if (B > n)
		B = n;
	/* a batch: B labelled cells and two per pool pair, at most as many pairs as labelled cells */
	ncells = B + 2 * (pool_pairs < B ? pool_pairs : B);
	/* as ct_nac_trainer_create and the epochs allocate */
	return sizeof(ct_nac_trainer) + n * (sizeof(train_row) + sizeof(int)) +
		B * (2 * (2 * sizeof(int) + sizeof(float)) + 3 * sizeof(ct_arch) + sizeof(double) + 6 * w * sizeof(float)) +
		4 * sizeof(float) * ct_nac_nparams(&shape) +	/* weights, gradient, Adam's m and v */
		(opt->average > 0 ? sizeof(double) * ct_nac_nparams(&shape) : 0) +	/* the averaged weights */
		ct_nac_batch_memory(&shape, ncells) +	/* reserved at once: see ct_nac_trainer_reserve_pool */
		pool_pairs * sizeof(int);	/* sample_pool's scratch */
}

ct_nac_trainer *
ct_nac_trainer_create(const ct_arch *cells, const double *acc, size_t n,
					  const ct_nac_options *opt, ct_error *err)
{
	const ct_space *space = n > 0 ? ct_space_of(&cells[0]) : NULL;
	ct_nac_shape shape = ct_nac_options_shape(opt, space);
	ct_nac_trainer *t;
	train_row  *rows;
	size_t		w;

	if (ct_nac_recipe_name(opt->recipe) == NULL)
		return ct_fail(err, CT_ERR_INVALID, "unknown NAC training recipe", "Recipe code %d.", opt->recipe), NULL;
	if (n < 2)
		return ct_fail(err, CT_ERR_INVALID, "NAC training needs at least 2 rows",
					   "Got %zu row%s with a cell and an accuracy.", n, n == 1 ? "" : "s"), NULL;
	if (n > (size_t) INT32_MAX / CT_DAG_MAX_NODES)
		return ct_fail(err, CT_ERR_TOO_LARGE, "too many rows for NAC training",
					   "Got %zu rows.", n), NULL;
	if (space->to_dag == NULL && (space->nac_input <= 0 || space->to_features == NULL))
		return ct_fail(err, CT_ERR_INVALID, "the NAC cannot compare architectures of this search space yet",
					   "The rows are of %s, whose architectures the NAC has no input encoding for.", space->title), NULL;
	for (size_t i = 1; i < n; i++)
		if (cells[i].space != cells[0].space)
			return ct_fail(err, CT_ERR_INVALID, "NAC training rows mix search spaces",
						   "Rows of %s and of %s: a NAC compares architectures of one space.",
						   space->name, ct_space_of(&cells[i])->name), NULL;

	rows = ct_malloc(sizeof(train_row) * n);
	for (size_t i = 0; i < n; i++)
	{
		rows[i].cell = cells[i];
		rows[i].acc = acc[i];
	}
	/* the order of the input rows must not matter */
	qsort(rows, n, sizeof(train_row), cmp_rows);
	{
		bool		distinct = false;
		double		first = rows[0].acc;

		for (size_t i = 1; i < n && !distinct; i++)
			distinct = rows[i].acc != first;
		if (!distinct)
		{
			ct_free(rows);
			return ct_fail(err, CT_ERR_INVALID, "NAC training needs two distinct accuracies",
						   "All %zu rows have accuracy %g, so no pair has a winner.", n, first), NULL;
		}
	}

	t = ct_calloc(1, sizeof(ct_nac_trainer));
	t->opt = *opt;
	t->rows = rows;
	t->n = n;
	w = (size_t) ct_nac_feat_width(&shape);
	t->B = opt->batch_size < (int) n ? opt->batch_size : (int) n;
	t->order = ct_malloc(sizeof(int) * n);
	t->ia = ct_malloc(sizeof(int) * 2 * t->B);
	t->ib = ct_malloc(sizeof(int) * 2 * t->B);
	t->y = ct_malloc(sizeof(float) * 2 * t->B);
	t->batch = ct_malloc(sizeof(ct_arch) * 3 * t->B);
	t->bacc = ct_malloc(sizeof(double) * t->B);
	t->feat = ct_malloc(sizeof(float) * 3 * t->B * w);
	t->dfeat = ct_malloc(sizeof(float) * 3 * t->B * w);
	ct_nac_alloc(&t->model, &shape);
	ct_nac_init(&t->model, opt->seed);
	t->grad = ct_malloc(sizeof(float) * t->model.nparams);
	if (opt->average > 0)
		t->avg = ct_calloc(t->model.nparams, sizeof(double));
	ct_adam_init(&t->adam, t->model.nparams, opt->lr, opt->beta1, opt->beta2, opt->eps, opt->weight_decay);
	t->bt = ct_nac_batch_create(&shape);
	ct_nac_batch_reserve(t->bt, t->B);
	/* the data order has its own stream, so initialisation does not shift it */
	ct_rng_seed(&t->rng, opt->seed ^ 0x5DEECE66DULL);
	for (size_t i = 0; i < n; i++)
		t->order[i] = (int) i;
	t->stats.rows = n;
	return t;
}

void
ct_nac_trainer_reserve_pool(ct_nac_trainer *t, size_t pool_pairs)
{
	size_t		extra = pool_pairs < (size_t) t->B ? pool_pairs : (size_t) t->B;

	ct_nac_batch_reserve(t->bt, t->B + 2 * (int) extra);
	if ((size_t) t->pool_cap < pool_pairs)
	{
		ct_free(t->pool_idx);
		t->pool_idx = ct_malloc(sizeof(int) * pool_pairs);
		t->pool_cap = (int) pool_pairs;
	}
}

/* Up to m distinct pool indexes, uniformly, into t->pool_idx[0 .. m). */
static int
sample_pool(ct_nac_trainer *t, int npool, int m)
{
	if (npool > t->pool_cap)
	{
		ct_free(t->pool_idx);
		t->pool_idx = ct_malloc(sizeof(int) * npool);
		t->pool_cap = npool;
	}
	for (int i = 0; i < npool; i++)
		t->pool_idx[i] = i;
	if (m > npool)
		m = npool;
	for (int i = 0; i < m; i++)
	{
		int			j = i + (int) ct_rng_below(&t->rng, (uint32_t) (npool - i));
		int			x = t->pool_idx[i];

		t->pool_idx[i] = t->pool_idx[j];
		t->pool_idx[j] = x;
	}
	return m;
}

void
ct_nac_trainer_epoch(ct_nac_trainer *t, const ct_nac_labelled_pair *pool, int npool,
					 ct_interrupt_fn interrupt, void *arg)
{
	ct_nac	   *m = &t->model;
	size_t		w = (size_t) m->feat;
	double		loss_sum = 0.0;
	double		pairs_sum = 0.0;

	/* a cancel need not wait for a whole step: forward and backward check too */
	ct_nac_batch_set_interrupt(t->bt, interrupt, arg);
	ct_rng_shuffle(&t->rng, t->order, (int) t->n);
	for (size_t start = 0; start < t->n; start += t->B)
	{
		int			nb = (int) (t->n - start < (size_t) t->B ? t->n - start : (size_t) t->B);
		int			extra = 0;
		int			npairs;
		double		loss;

		for (int k = 0; k < nb; k++)
		{
			t->batch[k] = t->rows[t->order[start + k]].cell;
			t->bacc[k] = t->rows[t->order[start + k]].acc;
			t->ia[k] = k;
			t->ib[k] = k;
		}
		ct_rng_shuffle(&t->rng, t->ib, nb);
		for (int k = 0; k < nb; k++)
			t->y[k] = t->bacc[k] > t->bacc[t->ib[k]] ? 1.0f : 0.0f;
		/* as many labelled pairs from the pool as the batch has (the reference's ratio 1) */
		if (npool > 0)
			extra = sample_pool(t, npool, nb);
		for (int j = 0; j < extra; j++)
		{
			const ct_nac_labelled_pair *pp = &pool[t->pool_idx[j]];

			t->batch[nb + 2 * j] = pp->a;
			t->batch[nb + 2 * j + 1] = pp->b;
			t->ia[nb + j] = nb + 2 * j;
			t->ib[nb + j] = nb + 2 * j + 1;
			t->y[nb + j] = pp->label;
		}
		npairs = nb + extra;

		ct_nac_forward(m, t->bt, t->batch, nb + 2 * extra, t->feat);
		/* between the parts of a step too: at 16 layers of 1024 each takes tens of milliseconds */
		if (interrupt)
			interrupt(arg);
		memset(t->grad, 0, sizeof(float) * m->nparams);
		memset(t->dfeat, 0, sizeof(float) * (nb + 2 * extra) * w);
		loss = ct_nac_pair_loss(m, t->feat, t->ia, t->ib, t->y, npairs, NULL, t->grad, t->dfeat);
		ct_nac_head_tie_gradient(m, t->grad);
		if (interrupt)
			interrupt(arg);
		ct_nac_backward(m, t->bt, t->dfeat, t->grad);
		if (interrupt)
			interrupt(arg);
		ct_adam_step(&t->adam, m->params, t->grad);
		t->stats.steps++;
		loss_sum += loss * npairs;
		pairs_sum += npairs;
		if (interrupt)
			interrupt(arg);
	}
	t->stats.epochs++;
	t->stats.final_loss = loss_sum / pairs_sum;
	/* the last ct_nac_average_epochs epochs of opt.epochs add their weights (not later ones: a search fine-tunes on) */
	if (t->avg != NULL && t->stats.epochs <= (uint32_t) t->opt.epochs &&
		t->stats.epochs > (uint32_t) (t->opt.epochs - ct_nac_average_epochs(&t->opt)))
	{
		for (size_t i = 0; i < m->nparams; i++)
			t->avg[i] += m->params[i];
		t->avg_n++;
	}
}

ct_nac_stats
ct_nac_trainer_stats(const ct_nac_trainer *t)
{
	return t->stats;
}

const ct_nac *
ct_nac_trainer_model(const ct_nac_trainer *t)
{
	return &t->model;
}

static void
trainer_free(ct_nac_trainer *t, bool keep_model)
{
	ct_nac_batch_destroy(t->bt);
	ct_adam_free(&t->adam);
	if (!keep_model)
		ct_nac_free(&t->model);
	ct_free(t->grad);
	ct_free(t->dfeat);
	ct_free(t->feat);
	ct_free(t->bacc);
	ct_free(t->batch);
	ct_free(t->y);
	ct_free(t->ib);
	ct_free(t->ia);
	ct_free(t->order);
	ct_free(t->pool_idx);
	ct_free(t->avg);
	ct_free(t->rows);
	ct_free(t);
}

bool
ct_nac_trainer_finish(ct_nac_trainer *t, ct_nac *out, ct_nac_stats *stats, ct_error *err)
{
	/*
	 * Weight averaging: the mean of the epochs' weights.  An antisymmetric
	 * head's halves stay exact negatives (the sums are negatives in every
	 * rounding) and its bias 0.  What is kept is what is checked: a weight
	 * that left the bound in between can push the mean over it.
	 */
	if (t->avg_n > 0)
		for (size_t i = 0; i < t->model.nparams; i++)
			t->model.params[i] = (float) (t->avg[i] / t->avg_n);
	*out = t->model;
	*stats = t->stats;
	trainer_free(t, true);
	if (!ct_nac_check_finite(out, err))
	{
		ct_nac_free(out);
		return false;
	}
	return true;
}

void
ct_nac_trainer_destroy(ct_nac_trainer *t)
{
	if (t != NULL)
		trainer_free(t, false);
}

bool
ct_nac_train(const ct_arch *cells, const double *acc, size_t n,
			 const ct_nac_options *opt, ct_nac *out, ct_nac_stats *stats,
			 ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	return ct_nac_train_progress(cells, acc, n, opt, out, stats, interrupt, NULL, arg, err);
}

bool
ct_nac_train_progress(const ct_arch *cells, const double *acc, size_t n,
					  const ct_nac_options *opt, ct_nac *out, ct_nac_stats *stats,
					  ct_interrupt_fn interrupt, ct_nac_epoch_fn on_epoch, void *arg, ct_error *err)
{
	ct_nac_trainer *t = ct_nac_trainer_create(cells, acc, n, opt, err);

	if (t == NULL)
		return false;
	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		ct_nac_trainer_epoch(t, NULL, 0, interrupt, arg);
		if (on_epoch)
			on_epoch(arg, &t->stats, opt->epochs);
	}
	return ct_nac_trainer_finish(t, out, stats, err);
}

bool
ct_nac_check_finite(const ct_nac *m, ct_error *err)
{
	for (size_t i = 0; i < m->nparams; i++)
		if (!ct_nac_weight_ok(m->params[i]))
			return ct_fail(err, CT_ERR_INVALID, "NAC training diverged",
						   "A weight became infinite, not a number or larger than %g in magnitude; a smaller lr would help.",
						   (double) CT_NAC_MAX_WEIGHT);
	return true;
}

bool
ct_nac_trainer_set_weights(ct_nac_trainer *t, const ct_nac *init, ct_error *err)
{
	const ct_nac_shape *a = &t->model.shape;
	const ct_nac_shape *b = &init->shape;

	if (ct_nac_is_mlp(a) != ct_nac_is_mlp(b) ||
		a->layers != b->layers || a->width != b->width || a->slots != b->slots ||
		a->vocab != b->vocab || a->readout != b->readout || a->head != b->head ||
		t->model.nparams != init->nparams)
	{
		char		has[160],
					asks[160];

		ct_nac_shape_summary(b, has, sizeof(has));
		ct_nac_shape_summary(a, asks, sizeof(asks));
		return ct_fail(err, CT_ERR_INVALID, "the starting NAC does not have the shape of the training options",
					   "The model has %s; the options ask for %s.", has, asks);
	}
	memcpy(t->model.params, init->params, sizeof(float) * init->nparams);
	/* (before any epoch, as the searches call it; the sums restart with the weights) */
	if (t->avg != NULL)
		memset(t->avg, 0, sizeof(double) * t->model.nparams);
	t->avg_n = 0;
	return true;
}

/*
 * An antisymmetric head's invariants (fc's halves exact negatives, bias 0)
 * in weights w or in sums of them d, as of the model's layout.
 */
static bool
head_tied(const ct_nac *m, const float *w, const double *d)
{
	size_t		fw = (size_t) (m->fc_w - m->params);
	size_t		fb = (size_t) (m->fc_b - m->params);

	if (m->shape.head != CT_NAC_HEAD_ANTISYMMETRIC)
		return true;
	for (int k = 0; k < m->feat; k++)
		if (w ? w[fw + m->feat + k] != -w[fw + k] : d[fw + m->feat + k] != -d[fw + k])
			return false;
	return w ? w[fb] == 0.0f : d[fb] == 0.0;
}

#define TRAINER_STATE_MAGIC 0x4E545254u	/* "TRTN" */

void
ct_nac_trainer_save(const ct_nac_trainer *t, ct_wbuf *w)
{
	ct_wbuf_u32(w, TRAINER_STATE_MAGIC);
	ct_wbuf_u64(w, t->n);
	ct_wbuf_u64(w, t->model.nparams);
	ct_wbuf_f32s(w, t->model.params, t->model.nparams);
	ct_adam_save(&t->adam, w);
	for (int i = 0; i < 4; i++)
		ct_wbuf_u64(w, t->rng.s[i]);
	for (size_t i = 0; i < t->n; i++)
		ct_wbuf_u32(w, (uint32_t) t->order[i]);
	ct_wbuf_u64(w, t->stats.epochs);
	ct_wbuf_u64(w, t->stats.steps);
	ct_wbuf_f64(w, t->stats.final_loss);
	/* only with weight averaging (options that had none before 0.2.0 write what they wrote then) */
	if (t->avg != NULL)
	{
		ct_wbuf_u32(w, t->avg_n);
		for (size_t i = 0; i < t->model.nparams; i++)
			ct_wbuf_f64(w, t->avg[i]);
	}
}

bool
ct_nac_trainer_restore(ct_nac_trainer *t, ct_rbuf *r)
{
	uint8_t    *used;
	bool		ok;

	if (ct_rbuf_u32(r) != TRAINER_STATE_MAGIC || ct_rbuf_u64(r) != t->n ||
		ct_rbuf_u64(r) != t->model.nparams ||
		!ct_rbuf_f32s(r, t->model.params, t->model.nparams) ||
		!ct_adam_restore(&t->adam, r))
		return false;
	for (int i = 0; i < 4; i++)
		t->rng.s[i] = ct_rbuf_u64(r);
	/* the data order must be a permutation, or an epoch would index out of range */
	used = ct_calloc(t->n, 1);
	ok = true;
	for (size_t i = 0; i < t->n; i++)
	{
		uint32_t	k = ct_rbuf_u32(r);

		if (r->bad || k >= t->n || used[k])
		{
			ok = false;
			break;
		}
		used[k] = 1;
		t->order[i] = (int) k;
	}
	ct_free(used);
	t->stats.epochs = (uint32_t) ct_rbuf_u64(r);
	t->stats.steps = ct_rbuf_u64(r);
	t->stats.final_loss = ct_rbuf_f64(r);
	/* weights a training could have: finite, within the bound, an antisymmetric head tied */
	for (size_t i = 0; i < t->model.nparams && ok; i++)
		ok = ct_nac_weight_ok(t->model.params[i]);
	ok = ok && head_tied(&t->model, t->model.params, NULL);
	if (t->avg != NULL)
	{
		int64_t		k = ct_nac_average_epochs(&t->opt);
		int64_t		due = (int64_t) t->stats.epochs - (t->opt.epochs - k);

		/* exactly the epochs ct_nac_trainer_epoch adds */
		due = due < 0 ? 0 : due > k ? k : due;
		t->avg_n = ct_rbuf_u32(r);
		ok = ok && t->avg_n == (uint32_t) due;
		for (size_t i = 0; i < t->model.nparams && ok && !r->bad; i++)
		{
			t->avg[i] = ct_rbuf_f64(r);
			/* a sum of avg_n weights, each within the bound */
			ok = isfinite(t->avg[i]) && fabs(t->avg[i]) <= (double) CT_NAC_MAX_WEIGHT * t->avg_n;
		}
		ok = ok && head_tied(&t->model, NULL, t->avg);
	}
	return ok && !r->bad;
}
