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
	};

	/*
	 * Ours: the same network read in both directions (the mean of the
	 * readouts of the cell and of the cell with its edges reversed, shared
	 * weights), with the antisymmetric head.  Measured on development
	 * splits (seeds 1-6): KTau 0.745 against 0.709 for "paper"; see README.
	 */
	if (recipe == CT_NAC_RECIPE_DEFAULT)
	{
		o.recipe = CT_NAC_RECIPE_DEFAULT;
		o.head = CT_NAC_HEAD_ANTISYMMETRIC;
		o.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
	}
	return o;
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
static void
tie_head_gradient(const ct_nac *m, float *grad)
{
	int			w = m->shape.width;
	float	   *gw = grad + (m->fc_w - m->params);

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
	ct_graph	cell;
	double		acc;
} train_row;

static int
cmp_rows(const void *a, const void *b)
{
	const train_row *x = a;
	const train_row *y = b;
	int			c = ct_graph_cmp(&x->cell, &y->cell);

	if (c != 0)
		return c;
	return x->acc < y->acc ? -1 : x->acc > y->acc;
}

static void
shuffle(ct_rng *rng, int *idx, int n)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) ct_rng_below(rng, (uint32_t) (i + 1));
		int			t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
}

bool
ct_nac_train(const ct_graph *cells, const double *acc, size_t n,
			 const ct_nac_options *opt, ct_nac *out, ct_nac_stats *stats,
			 ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	ct_nac_shape shape = ct_nac_reference_shape();
	int			w;
	int			B;
	train_row  *rows;
	int		   *order,
			   *ib,
			   *ia;
	float	   *feat,
			   *dfeat,
			   *grad,
			   *y;
	double	   *bacc;
	ct_graph   *batch;
	ct_nac_batch *bt;
	ct_adam		adam;
	ct_rng		rng;
	double		epoch_loss = 0.0;

	if (ct_nac_recipe_name(opt->recipe) == NULL)
		return ct_fail(err, CT_ERR_INVALID, "unknown NAC training recipe", "Recipe code %d.", opt->recipe);
	if (n < 2)
		return ct_fail(err, CT_ERR_INVALID, "NAC training needs at least 2 rows",
					   "Got %zu row%s with a cell and an accuracy.", n, n == 1 ? "" : "s");
	if (n > (size_t) INT32_MAX / CT_NAC_SLOTS)
		return ct_fail(err, CT_ERR_TOO_LARGE, "too many rows for NAC training",
					   "Got %zu rows.", n);

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
						   "All %zu rows have accuracy %g, so no pair has a winner.", n, first);
		}
	}

	shape.head = opt->head;
	shape.readout = opt->readout;
	shape.layers = opt->layers;
	shape.width = opt->width;
	w = shape.width;
	B = opt->batch_size < (int) n ? opt->batch_size : (int) n;
	order = ct_malloc(sizeof(int) * n);
	ia = ct_malloc(sizeof(int) * B);
	ib = ct_malloc(sizeof(int) * B);
	y = ct_malloc(sizeof(float) * B);
	batch = ct_malloc(sizeof(ct_graph) * B);
	feat = ct_malloc(sizeof(float) * (size_t) B * w);
	dfeat = ct_malloc(sizeof(float) * (size_t) B * w);

	bacc = ct_malloc(sizeof(double) * B);
	ct_nac_alloc(out, &shape);
	ct_nac_init(out, opt->seed);
	grad = ct_malloc(sizeof(float) * out->nparams);
	ct_adam_init(&adam, out->nparams, opt->lr, opt->beta1, opt->beta2, opt->eps, opt->weight_decay);
	bt = ct_nac_batch_create(&shape);
	/* the data order has its own stream, so initialisation does not shift it */
	ct_rng_seed(&rng, opt->seed ^ 0x5DEECE66DULL);

	for (size_t i = 0; i < n; i++)
		order[i] = (int) i;
	stats->steps = 0;
	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		epoch_loss = 0.0;
		shuffle(&rng, order, (int) n);
		for (size_t start = 0; start < n; start += B)
		{
			int			nb = (int) (n - start < (size_t) B ? n - start : (size_t) B);
			double		loss;

			for (int k = 0; k < nb; k++)
			{
				batch[k] = rows[order[start + k]].cell;
				bacc[k] = rows[order[start + k]].acc;
				ia[k] = k;
				ib[k] = k;
			}

			ct_nac_forward(out, bt, batch, nb, feat);
			memset(grad, 0, sizeof(float) * out->nparams);
			memset(dfeat, 0, sizeof(float) * (size_t) nb * w);
			shuffle(&rng, ib, nb);
			for (int k = 0; k < nb; k++)
				y[k] = bacc[k] > bacc[ib[k]] ? 1.0f : 0.0f;
			loss = ct_nac_pair_loss(out, feat, ia, ib, y, nb, NULL, grad, dfeat);
			if (opt->head == CT_NAC_HEAD_ANTISYMMETRIC)
				tie_head_gradient(out, grad);
			ct_nac_backward(out, bt, dfeat, grad);
			ct_adam_step(&adam, out->params, grad);
			stats->steps++;
			epoch_loss += loss * nb;
			if (interrupt)
				interrupt(arg);
		}
	}
	stats->rows = n;
	stats->epochs = (uint32_t) opt->epochs;
	stats->final_loss = opt->epochs > 0 ? epoch_loss / (double) n : 0.0;

	ct_nac_batch_destroy(bt);
	ct_free(bacc);
	ct_adam_free(&adam);
	ct_free(grad);
	ct_free(dfeat);
	ct_free(feat);
	ct_free(batch);
	ct_free(y);
	ct_free(ib);
	ct_free(ia);
	ct_free(order);
	ct_free(rows);
	return true;
}
