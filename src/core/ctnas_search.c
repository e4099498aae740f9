/*
 * ctnas_search.c
 *	  The CTNAS search as a step function over a state that can be saved
 *	  and restored (ctnas_search.h): recipe "paper" (the reference code's
 *	  REINFORCE search with the NAC as reward) and recipe "default" (the
 *	  budget spent in NAC-ranked rounds).
 */
#include "ctnas_search.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_controller.h"
#include "ctnas_json.h"
#include "ctnas_rng.h"
#include "ctnas_serial.h"

#define STATE_MAGIC		0x53535443u	/* "CTSS" */
#define STATE_VERSION	1
#define SCORE_BATCH		256
#define SPACE_DRAWS		100		/* controller draws per wanted cell inside the oracle */

typedef enum phase
{
	PH_START = 0,				/* the first queries */
	PH_PRETRAIN,				/* paper: NAC epochs on the queried cells */
	PH_SEARCH,					/* paper: controller iterations */
	PH_TRAIN,					/* default: this round's NAC epochs */
	PH_RANK,					/* default: rank and query */
	PH_DONE
} phase;

static const char *const phase_names[] = {"start", "pretrain", "search", "train", "rank", "done"};

struct ct_ctnas_search
{
	ct_ctnas_options opt;
	ct_budget  *b;
	uint64_t	fingerprint;	/* of the oracle, so a checkpoint is resumed on the same one */
	phase		ph;
	int64_t		iter;			/* controller iteration (paper) */
	int			round;			/* default */
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
	ct_graph	baseline;
	ct_graph	champion;
	bool		has_champion;
	double		last_entropy;
	ct_nac_labelled_pair *pool;
	int			npool;
	int			pool_cap;

	/* the step's interrupt callback, for the long loops inside a step */
	ct_interrupt_fn interrupt;
	void	   *interrupt_arg;

	/* scratch */
	ct_nac_batch *bt;
	float	   *feat;
	size_t		feat_cap;		/* floats */
	ct_nac_shape bt_shape;		/* of the model bt was made for */
};

/* ---- options -------------------------------------------------------------- */

ct_ctnas_options
ct_ctnas_recipe_options(int recipe)
{
	ct_ctnas_options o = {
		.recipe = recipe,
		.seed = 0,
		.space = CT_SPACE_ORACLE,
		.iterations = 10000,
		.derive_every = 500,
		.derive_samples = 10,
		.pseudo_every = 100,
		.pseudo_first = 256,
		.pseudo_pairs = 100,
		.entropy_coef = 5e-4,
		.controller_lr = 2e-4,
		.first = 100,
		.rounds = 4,
	};

	if (recipe == CT_CTNAS_RECIPE_PAPER)
		o.nac = ct_nac_recipe_options(CT_NAC_RECIPE_PAPER);
	else
	{
		o.nac = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
		o.nac.epochs = 300;
	}
	return o;
}

const char *
ct_ctnas_recipe_name(int recipe)
{
	return recipe == CT_CTNAS_RECIPE_PAPER ? "paper" : recipe == CT_CTNAS_RECIPE_DEFAULT ? "default" : NULL;
}

#define SEARCH_KEYS "recipe, seed, space, iterations, derive_every, derive_samples, pseudo_every, " \
	"pseudo_first, pseudo_pairs, entropy_coef, controller_lr, first, rounds, nac"

static bool
int_option(const cJSON *item, double lo, double hi, int *out, ct_error *err)
{
	int64_t		v;

	/* written as an integer (3, not 3.0 or 3e0), so nothing is rounded or wrapped */
	if (!ct_json_int(item, (int64_t) lo, (int64_t) hi, &v))
		return ct_fail(err, CT_ERR_INVALID, "invalid search option",
					   "\"%s\" must be an integer from %.0f to %.0f.", item->string, lo, hi);
	*out = (int) v;
	return true;
}

static bool
real_option(const cJSON *item, double lo, double hi, double *out, ct_error *err)
{
	double		x;

	if (!ct_json_real(item, &x) || x < lo || x > hi)
		return ct_fail(err, CT_ERR_INVALID, "invalid search option",
					   "\"%s\" must be a number from %g to %g.", item->string, lo, hi);
	*out = x;
	return true;
}

/* The "nac" object: the search recipe's NAC recipe and epochs unless it names its own. */
static bool
nac_option(const cJSON *item, ct_ctnas_options *opt, bool *seeded, ct_error *err)
{
	cJSON	   *copy;
	bool		ok;

	if (!cJSON_IsObject(item))
		return ct_fail(err, CT_ERR_INVALID, "invalid search option",
					   "\"nac\" must be an object of NAC training options.");
	copy = cJSON_Duplicate(item, 1);
	if (!cJSON_HasObjectItem(copy, "recipe"))
		cJSON_AddStringToObject(copy, "recipe", ct_nac_recipe_name(opt->nac.recipe));
	if (!cJSON_HasObjectItem(copy, "epochs"))
		cJSON_AddNumberToObject(copy, "epochs", opt->nac.epochs);
	*seeded = cJSON_HasObjectItem(copy, "seed");
	/* the copy keeps the numbers' literals (ct_json_parse), which printing it would lose */
	ok = ct_nac_options_from_cjson(copy, &opt->nac, err);
	cJSON_Delete(copy);
	return ok;
}

bool
ct_ctnas_options_from_json(const char *json, ct_ctnas_options *opt, ct_error *err)
{
	cJSON	   *root = ct_json_parse(json, strlen(json), NULL, true);
	bool		ok = ct_ctnas_options_from_cjson(root, opt, err);

	cJSON_Delete(root);
	return ok;
}

bool
ct_ctnas_options_from_cjson(const cJSON *root, ct_ctnas_options *opt, ct_error *err)
{
	const cJSON *item;
	bool		ok = true;
	bool		nac_seeded = false;
	int			recipe = CT_CTNAS_RECIPE_DEFAULT;
	int			common;

	if (root == NULL || !cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_INVALID, "search options must be a JSON object", NULL);
	item = cJSON_GetObjectItemCaseSensitive(root, "recipe");
	if (item != NULL)
	{
		const char *name = cJSON_IsString(item) ? item->valuestring : "";

		recipe = strcmp(name, "paper") == 0 ? CT_CTNAS_RECIPE_PAPER
			: strcmp(name, "default") == 0 ? CT_CTNAS_RECIPE_DEFAULT : 0;
		if (recipe == 0)
			return ct_fail(err, CT_ERR_INVALID, "invalid search option",
						   "\"recipe\" must be \"paper\" or \"default\".");
	}
	*opt = ct_ctnas_recipe_options(recipe);
	cJSON_ArrayForEach(item, root)
	{
		const char *key = item->string;

		if (!ok)
			break;
		if (strcmp(key, "recipe") == 0)
			continue;
		else if ((common = ct_search_common_option(item, &opt->seed, &opt->space, err)) >= 0)
			ok = common == 1;
		else if (strcmp(key, "iterations") == 0)
			ok = int_option(item, 0, 1e7, &opt->iterations, err);
		else if (strcmp(key, "derive_every") == 0)
			ok = int_option(item, 1, 1e7, &opt->derive_every, err);
		else if (strcmp(key, "derive_samples") == 0)
			ok = int_option(item, 1, 1000, &opt->derive_samples, err);
		else if (strcmp(key, "pseudo_every") == 0)
			ok = int_option(item, 0, 1e7, &opt->pseudo_every, err);
		else if (strcmp(key, "pseudo_first") == 0)
			ok = int_option(item, 0, 100000, &opt->pseudo_first, err);
		else if (strcmp(key, "pseudo_pairs") == 0)
			ok = int_option(item, 0, 100000, &opt->pseudo_pairs, err);
		else if (strcmp(key, "entropy_coef") == 0)
			ok = real_option(item, 0, 1e3, &opt->entropy_coef, err);
		else if (strcmp(key, "controller_lr") == 0)
			ok = real_option(item, 0, 1, &opt->controller_lr, err);
		else if (strcmp(key, "first") == 0)
			ok = int_option(item, 0, 1e7, &opt->first, err);
		else if (strcmp(key, "rounds") == 0)
			ok = int_option(item, 1, 10000, &opt->rounds, err);
		else if (strcmp(key, "nac") == 0)
			ok = nac_option(item, opt, &nac_seeded, err);
		else
			ok = ct_fail(err, CT_ERR_INVALID, "invalid search option",
						 "Unknown key \"%.60s\". Known keys: " SEARCH_KEYS
						 "; in SQL also model, save_model, progress, arch_column, acc_column.", key);
	}
	/* an option of the other recipe would be ignored: say so instead */
	if (ok)
	{
		static const char *const paper_only[] = {"iterations", "derive_every", "derive_samples", "pseudo_every",
		"pseudo_first", "pseudo_pairs", "entropy_coef", "controller_lr"};
		static const char *const default_only[] = {"first", "rounds"};
		bool		paper = opt->recipe == CT_CTNAS_RECIPE_PAPER;
		const char *const *other = paper ? default_only : paper_only;
		int			nother = paper ? 2 : 8;

		for (int i = 0; ok && i < nother; i++)
			if (cJSON_GetObjectItemCaseSensitive(root, other[i]) != NULL)
				ok = ct_fail(err, CT_ERR_INVALID, "invalid search option",
							 "\"%s\" belongs to recipe \"%s\"; this search uses recipe \"%s\".",
							 other[i], paper ? "default" : "paper", paper ? "paper" : "default");
	}
	if (ok && !nac_seeded)
		opt->nac.seed = opt->seed;
	return ok;
}

/* ---- helpers ---------------------------------------------------------------- */

static size_t pool_pairs_max(const ct_ctnas_options *o);
static size_t embed_cells_max(const ct_ctnas_options *o);

/* Between samples, candidates and chunks of long loops: never changes a draw. */
static inline void
check_interrupt(const ct_ctnas_search *s)
{
	if (s->interrupt)
		s->interrupt(s->interrupt_arg);
}

static uint64_t
oracle_fingerprint(const ct_oracle *o)
{
	uint64_t	h = 0xcbf29ce484222325ULL ^ o->n;

	for (size_t i = 0; i < o->n; i++)
	{
		uint64_t	a;

		memcpy(&a, &o->acc[i], 8);
		h = (h ^ ct_graph_hash64(&o->cells[i])) * 0x100000001b3ULL;
		h = (h ^ a) * 0x100000001b3ULL;
	}
	return h;
}

static bool
in_space(const ct_ctnas_search *s, const ct_graph *g)
{
	return s->opt.space == CT_SPACE_NB101 || ct_oracle_find(s->b->oracle, g) >= 0;
}

/* The NAC the search uses now. */
static const ct_nac *
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
static const float *
embed(ct_ctnas_search *s, const ct_graph *cells, int n)
{
	const ct_nac *m = current_nac(s);

	size_t		need = (size_t) (n > (int) embed_cells_max(&s->opt) ? n : (int) embed_cells_max(&s->opt)) * m->shape.width;

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

/* Queries up to want distinct uniformly drawn oracle rows (fewer if the oracle is smaller). */
static void
query_random(ct_ctnas_search *s, int want)
{
	ct_budget  *b = s->b;
	const ct_oracle *o = b->oracle;
	double		a;

	if ((size_t) want > o->n)
		want = (int) o->n;
	while (b->used < want && !ct_budget_exhausted(b))
	{
		int64_t		r = (int64_t) (ct_rng_next(&s->rng) % o->n);

		ct_budget_query(b, r, &a);
	}
}

static bool
start_trainer(ct_ctnas_search *s, uint64_t seed, ct_error *err)
{
	ct_budget  *b = s->b;
	ct_graph   *cells = ct_malloc(sizeof(ct_graph) * (size_t) b->used);
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

/* ---- recipe "paper" ------------------------------------------------------------ */

/* A controller sample and its cell. */
static bool
sample_cell(ct_ctnas_search *s, bool uniform, ct_graph *g, ct_error *err)
{
	ct_controller_sample(&s->ctrl, &s->rng, uniform, s->sample);
	return ct_controller_cell(s->sample->actions, g, err);
}

/* Up to want controller samples inside the space (at most SPACE_DRAWS draws each). */
static bool
sample_in_space(ct_ctnas_search *s, bool uniform, ct_graph *out, int want, int *got, ct_error *err)
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
most_winning(ct_ctnas_search *s, const ct_graph *cells, int n, int ncand)
{
	const ct_nac *m = current_nac(s);
	const float *f = embed(s, cells, n);
	size_t		w = (size_t) m->shape.width;
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
	ct_graph   *cand = ct_malloc(sizeof(ct_graph) * (k + 1));
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
typedef struct scored_pair
{
	double		p;
	int			i;
} scored_pair;

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
	ct_graph   *cells;
	int		   *perm;
	scored_pair *sp;
	const ct_nac *m = current_nac(s);
	const float *f;
	size_t		w = (size_t) m->shape.width;

	if (k <= 0)
		return true;
	cells = ct_malloc(sizeof(ct_graph) * total);
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
	ct_graph	g;
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
		ct_graph	pair[2] = {g, s->baseline};
		const ct_nac *m = current_nac(s);
		const float *f = embed(s, pair, 2);

		reward = ct_nac_prob_feat(m, f, f + m->shape.width);
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

/* ---- recipe "default" -------------------------------------------------------- */

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

/* Ranks every unqueried oracle row with the current NAC and queries the best `take`. */
static void
rank_and_query(ct_ctnas_search *s, int take, ct_interrupt_fn interrupt, void *arg)
{
	ct_budget  *b = s->b;
	const ct_oracle *o = b->oracle;
	const ct_nac *m = current_nac(s);
	ranked	   *order = ct_malloc(sizeof(ranked) * (o->n > 0 ? o->n : 1));
	ct_graph	chunk[SCORE_BATCH];
	int64_t		rows[SCORE_BATCH];
	size_t		n = 0;
	int			k = 0;
	double		a;

	for (size_t r = 0; r <= o->n; r++)
	{
		if (r < o->n && !b->seen[r])
		{
			chunk[k] = o->cells[r];
			rows[k++] = (int64_t) r;
		}
		if (k == SCORE_BATCH || (r == o->n && k > 0))
		{
			const float *f = embed(s, chunk, k);

			for (int i = 0; i < k; i++)
			{
				order[n].score = ct_nac_score_feat(m, f + (size_t) i * m->shape.width);
				order[n++].row = rows[i];
			}
			k = 0;
			if (interrupt)
				interrupt(arg);
		}
	}
	qsort(order, n, sizeof(ranked), by_score_desc);
	for (size_t i = 0; i < n && take > 0 && !ct_budget_exhausted(b); i++, take--)
		ct_budget_query(b, order[i].row, &a);
	ct_free(order);
}

static bool
default_finished(const ct_ctnas_search *s)
{
	return s->round >= s->opt.rounds || ct_budget_exhausted(s->b);
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
ct_ctnas_memory(const ct_ctnas_options *opt, int budget, size_t oracle_cells, bool has_init)
{
	ct_nac_shape shape = ct_nac_options_shape(&opt->nac);
	size_t		nparams = ct_nac_nparams(&shape);
	size_t		w = (size_t) shape.width;
	size_t		rows = (size_t) (budget > 0 ? budget : 0) < oracle_cells ? (size_t) budget : oracle_cells;
	size_t		pool = pool_pairs_max(opt);
	size_t		embed_cells = embed_cells_max(opt);
	size_t		total;

	if (rows < 2)
		rows = 2;
	total = sizeof(ct_ctnas_search) + (has_init ? sizeof(float) * nparams : 0);
	/* the NAC trainer (and the rows handed to it), and a finished round's model beside the next trainer */
	total += ct_nac_trainer_memory(rows, &opt->nac, pool) + rows * (sizeof(ct_graph) + sizeof(double)) +
		sizeof(float) * nparams;
	if (opt->recipe == CT_CTNAS_RECIPE_PAPER)
	{
		size_t		cap = 1024;
		size_t		pseudo = opt->pseudo_every > 0 ? (size_t) (opt->pseudo_first > opt->pseudo_pairs ? opt->pseudo_first : opt->pseudo_pairs) : 0;

		/* the controller, its gradient and Adam's state, a sample's trace */
		total += 4 * sizeof(float) * ct_controller_nparams() + sizeof(ct_ctrl_sample);
		/* the pool, growing by doubling (old and new side by side while it grows) */
		while (pool > 0 && cap < pool)
			cap *= 2;
		if (pool > 0)
			total += (cap + cap / 2) * sizeof(ct_nac_labelled_pair);
		/* pseudo-labelling's 2k samples with their permutation and scores; derive's k + 1 */
		total += 2 * pseudo * (sizeof(ct_graph) + sizeof(int) + sizeof(scored_pair)) +
			((size_t) opt->derive_samples + 1) * sizeof(ct_graph);
	}
	else
		total += oracle_cells * sizeof(ranked);	/* a round ranks every unqueried cell */
	/* the scratch batch and embeddings, made for the largest embedding at once (embed) */
	total += ct_nac_batch_memory(&shape, embed_cells) + sizeof(float) * embed_cells * w;
	return total;
}

/* ---- the step function ------------------------------------------------------- */

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

	if (ct_ctnas_recipe_name(opt->recipe) == NULL)
		return ct_fail(err, CT_ERR_INVALID, "unknown search recipe", "Recipe code %d.", opt->recipe), NULL;
	if (!ct_ctnas_check_sizes(b->budget, b->oracle->n, err))
		return NULL;
	if (b->used != 0)
		return ct_fail(err, CT_ERR_INVALID, "the search needs a fresh budget", NULL), NULL;
	/* the pool is indexed by int */
	if (pool_pairs_max(opt) > (size_t) INT_MAX)
		return ct_fail(err, CT_ERR_TOO_LARGE, "the search would keep too many pseudo-labelled pairs",
					   "%zu pairs; at most %d.", pool_pairs_max(opt), INT_MAX), NULL;
	if (init != NULL &&
		(init->shape.layers != opt->nac.layers || init->shape.width != opt->nac.width ||
		 init->shape.head != opt->nac.head || init->shape.readout != opt->nac.readout))
		return ct_fail(err, CT_ERR_INVALID, "the starting NAC does not have the shape of the training options",
					   "The model has %d layers of width %d; the options ask for %d of width %d (and its head and readout must match too).",
					   init->shape.layers, init->shape.width, opt->nac.layers, opt->nac.width), NULL;
	s = ct_calloc(1, sizeof(ct_ctnas_search));
	s->opt = *opt;
	s->b = b;
	s->fingerprint = oracle_fingerprint(b->oracle);
	s->ph = PH_START;
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
		ct_controller_alloc(&s->ctrl);
		ct_controller_init(&s->ctrl, opt->seed);
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

static bool
step_paper(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	switch (s->ph)
	{
		case PH_START:
			/* the whole budget on uniformly drawn cells, as the reference's 423 training cells */
			query_random(s, s->b->budget);
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

static bool
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
				query_random(s, s->opt.first > 2 ? s->opt.first : 2);
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
				if (!ct_nac_check_finite(ct_nac_trainer_model(s->trainer), err))
					return false;
				if (s->has_model)
					ct_nac_free(&s->model);
				ct_nac_trainer_finish(s->trainer, &s->model, &s->model_stats);
				s->trainer = NULL;
				s->has_model = true;
				s->iter = 0;
				s->ph = PH_RANK;
			}
			return true;
		case PH_RANK:
			{
				int			left = s->opt.rounds - s->round;
				int			take;

				if (left <= 0)
				{
					s->ph = PH_DONE;
					return true;
				}
				/* the rest, spread evenly (in 64 bits: the budget may be INT_MAX) */
				take = (int) (((int64_t) s->b->budget - s->b->used + left - 1) / left);

				rank_and_query(s, take, interrupt, arg);
				s->round++;
				s->ph = default_finished(s) ? PH_DONE : PH_TRAIN;
				return true;
			}
		default:
			return true;
	}
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
	s->steps++;
	if (interrupt)
		interrupt(arg);
	return ok;
}

bool
ct_ctnas_run(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	while (!ct_ctnas_done(s))
		if (!ct_ctnas_step(s, interrupt, arg, err))
			return false;
	return true;
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
ct_ctnas_final(ct_ctnas_search *s, ct_graph *cell, int64_t *row, double *score)
{
	if (s->opt.recipe == CT_CTNAS_RECIPE_PAPER && s->has_champion)
		*cell = s->champion;
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
	else if (s->trainer != NULL)
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
ct_ctnas_score(ct_ctnas_search *s, const ct_graph *cells, int n, double *out)
{
	const ct_nac *m = current_nac(s);

	for (int start = 0; start < n; start += SCORE_BATCH)
	{
		int			k = n - start < SCORE_BATCH ? n - start : SCORE_BATCH;
		const float *f = m ? embed(s, cells + start, k) : NULL;

		for (int i = 0; i < k; i++)
			out[start + i] = m ? ct_nac_score_feat(m, f + (size_t) i * m->shape.width) : NAN;
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
	ct_nac_batch_destroy(s->bt);
	ct_free(s->feat);
	ct_free(s);
}

/* ---- checkpoints ----------------------------------------------------------------- */

static void
put_cell(ct_wbuf *w, const ct_graph *g)
{
	ct_wbuf_u32(w, (uint32_t) g->n);
	ct_wbuf_u32(w, g->edges);
	ct_wbuf_bytes(w, g->ops, CT_NB101_MAX_NODES);
}

/* A cell from a checkpoint, checked to be a valid canonical cell (the NAC indexes by its ops). */
static bool
get_cell(ct_rbuf *r, ct_graph *g)
{
	ct_raw_graph raw;
	ct_graph	back;
	ct_error	err;

	memset(g, 0, sizeof(*g));
	g->n = (int) ct_rbuf_u32(r);
	g->edges = ct_rbuf_u32(r);
	if (!ct_rbuf_bytes(r, g->ops, CT_NB101_MAX_NODES) || g->n < 2 || g->n > CT_NB101_MAX_NODES)
		return false;
	for (int i = 0; i < CT_NB101_MAX_NODES; i++)
		if (g->ops[i] > 16)
			return false;
	ct_graph_to_raw(g, &raw);
	return ct_graph_from_raw(&raw, &back, &err) && ct_graph_cmp(&back, g) == 0 &&
		memcmp(back.ops, g->ops, CT_NB101_MAX_NODES) == 0 && back.edges == g->edges;
}

static void
put_model(ct_wbuf *w, const ct_nac *m, const ct_nac_options *opt)
{
	ct_nac_stats stats = {0};
	size_t		n = ct_nac_blob_size(m);
	uint8_t    *blob = ct_malloc(n);

	ct_nac_blob_write(m, opt, &stats, blob);
	ct_wbuf_u64(w, n);
	ct_wbuf_bytes(w, blob, n);
	ct_free(blob);
}

static bool
get_model(ct_rbuf *r, ct_nac *m)
{
	uint64_t	n = ct_rbuf_u64(r);
	ct_nac_options opt;
	ct_nac_stats stats;
	ct_error	err;

	if (r->bad || n > r->len - r->pos)
		return false;
	if (!ct_nac_blob_read(r->data + r->pos, n, m, &opt, &stats, &err))
		return false;
	r->pos += n;
	return true;
}

static void
put_options(ct_wbuf *w, const ct_ctnas_options *o)
{
	const ct_nac_options *n = &o->nac;

	ct_wbuf_u32(w, (uint32_t) o->recipe);
	ct_wbuf_u64(w, o->seed);
	ct_wbuf_u32(w, (uint32_t) o->space);
	ct_wbuf_u32(w, (uint32_t) o->iterations);
	ct_wbuf_u32(w, (uint32_t) o->derive_every);
	ct_wbuf_u32(w, (uint32_t) o->derive_samples);
	ct_wbuf_u32(w, (uint32_t) o->pseudo_every);
	ct_wbuf_u32(w, (uint32_t) o->pseudo_first);
	ct_wbuf_u32(w, (uint32_t) o->pseudo_pairs);
	ct_wbuf_f64(w, o->entropy_coef);
	ct_wbuf_f64(w, o->controller_lr);
	ct_wbuf_u32(w, (uint32_t) o->first);
	ct_wbuf_u32(w, (uint32_t) o->rounds);
	ct_wbuf_u32(w, (uint32_t) n->recipe);
	ct_wbuf_u64(w, n->seed);
	ct_wbuf_u32(w, (uint32_t) n->epochs);
	ct_wbuf_u32(w, (uint32_t) n->batch_size);
	ct_wbuf_f64(w, n->lr);
	ct_wbuf_f64(w, n->beta1);
	ct_wbuf_f64(w, n->beta2);
	ct_wbuf_f64(w, n->eps);
	ct_wbuf_f64(w, n->weight_decay);
	ct_wbuf_u32(w, (uint32_t) n->head);
	ct_wbuf_u32(w, (uint32_t) n->readout);
	ct_wbuf_u32(w, (uint32_t) n->layers);
	ct_wbuf_u32(w, (uint32_t) n->width);
}

static bool
get_options(ct_rbuf *r, ct_ctnas_options *o)
{
	ct_nac_options *n = &o->nac;
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_error	err;

	o->recipe = (int) ct_rbuf_u32(r);
	o->seed = ct_rbuf_u64(r);
	o->space = (int) ct_rbuf_u32(r);
	o->iterations = (int) ct_rbuf_u32(r);
	o->derive_every = (int) ct_rbuf_u32(r);
	o->derive_samples = (int) ct_rbuf_u32(r);
	o->pseudo_every = (int) ct_rbuf_u32(r);
	o->pseudo_first = (int) ct_rbuf_u32(r);
	o->pseudo_pairs = (int) ct_rbuf_u32(r);
	o->entropy_coef = ct_rbuf_f64(r);
	o->controller_lr = ct_rbuf_f64(r);
	o->first = (int) ct_rbuf_u32(r);
	o->rounds = (int) ct_rbuf_u32(r);
	n->recipe = (int) ct_rbuf_u32(r);
	n->seed = ct_rbuf_u64(r);
	n->epochs = (int) ct_rbuf_u32(r);
	n->batch_size = (int) ct_rbuf_u32(r);
	n->lr = ct_rbuf_f64(r);
	n->beta1 = ct_rbuf_f64(r);
	n->beta2 = ct_rbuf_f64(r);
	n->eps = ct_rbuf_f64(r);
	n->weight_decay = ct_rbuf_f64(r);
	n->head = (int) ct_rbuf_u32(r);
	n->readout = (int) ct_rbuf_u32(r);
	n->layers = (int) ct_rbuf_u32(r);
	n->width = (int) ct_rbuf_u32(r);
	shape.head = n->head;
	shape.readout = n->readout;
	shape.layers = n->layers;
	shape.width = n->width;
	/* the same bounds the JSON options have, so a damaged checkpoint cannot ask for absurd work */
	return !r->bad && ct_ctnas_recipe_name(o->recipe) != NULL && ct_nac_recipe_name(n->recipe) != NULL &&
		(o->space == CT_SPACE_ORACLE || o->space == CT_SPACE_NB101) &&
		o->iterations >= 0 && o->iterations <= 10000000 && o->derive_every >= 1 && o->derive_every <= 10000000 &&
		o->derive_samples >= 1 && o->derive_samples <= 1000 && o->pseudo_every >= 0 && o->pseudo_every <= 10000000 &&
		o->pseudo_first >= 0 && o->pseudo_first <= 100000 && o->pseudo_pairs >= 0 && o->pseudo_pairs <= 100000 &&
		isfinite(o->entropy_coef) && isfinite(o->controller_lr) && o->first >= 0 && o->first <= 10000000 &&
		o->rounds >= 1 && o->rounds <= 10000 && n->epochs >= 0 && n->epochs <= 1000000 &&
		n->batch_size >= 1 && n->batch_size <= 1000000 && isfinite(n->lr) && isfinite(n->beta1) &&
		isfinite(n->beta2) && isfinite(n->eps) && isfinite(n->weight_decay) &&
		ct_nac_shape_valid(&shape, &err);
}

uint8_t *
ct_ctnas_save(const ct_ctnas_search *s, size_t *len)
{
	ct_wbuf		w;

	ct_wbuf_init(&w);
	ct_wbuf_u32(&w, STATE_MAGIC);
	ct_wbuf_u32(&w, STATE_VERSION);
	ct_wbuf_u64(&w, s->fingerprint);
	put_options(&w, &s->opt);
	ct_wbuf_u32(&w, (uint32_t) s->ph);
	ct_wbuf_u64(&w, (uint64_t) s->iter);
	ct_wbuf_u32(&w, (uint32_t) s->round);
	ct_wbuf_u64(&w, (uint64_t) s->steps);
	for (int i = 0; i < 4; i++)
		ct_wbuf_u64(&w, s->rng.s[i]);
	ct_wbuf_u32(&w, (uint32_t) s->b->used);
	for (int i = 0; i < s->b->used; i++)
		ct_wbuf_u64(&w, (uint64_t) s->b->log[i]);
	ct_wbuf_u32(&w, s->has_init);
	if (s->has_init)
		put_model(&w, &s->init, &s->opt.nac);
	ct_wbuf_u32(&w, s->has_model);
	if (s->has_model)
	{
		put_model(&w, &s->model, &s->opt.nac);
		ct_wbuf_u64(&w, s->model_stats.rows);
		ct_wbuf_u64(&w, s->model_stats.epochs);
		ct_wbuf_u64(&w, s->model_stats.steps);
		ct_wbuf_f64(&w, s->model_stats.final_loss);
	}
	ct_wbuf_u64(&w, s->model_seed);
	ct_wbuf_u32(&w, s->trainer != NULL);
	if (s->trainer != NULL)
	{
		ct_wbuf_u32(&w, (uint32_t) s->trainer_rows);
		ct_nac_trainer_save(s->trainer, &w);
	}
	if (s->opt.recipe == CT_CTNAS_RECIPE_PAPER)
	{
		ct_wbuf_f32s(&w, s->ctrl.params, s->ctrl.nparams);
		ct_adam_save(&s->ctrl_adam, &w);
		ct_wbuf_u32(&w, s->has_champion);
		if (s->has_champion)
		{
			put_cell(&w, &s->baseline);
			put_cell(&w, &s->champion);
		}
		ct_wbuf_f64(&w, s->last_entropy);
		ct_wbuf_u32(&w, (uint32_t) s->npool);
		for (int i = 0; i < s->npool; i++)
		{
			put_cell(&w, &s->pool[i].a);
			put_cell(&w, &s->pool[i].b);
			ct_wbuf_u32(&w, s->pool[i].label != 0);
		}
	}
	/* a checksum over everything, so damage is an error rather than a different search */
	ct_wbuf_u32(&w, ct_crc32(w.data, w.len));
	*len = w.len;
	return w.data;
}

/* Undoes the queries a failed restore replayed, so the budget is fresh again. */
static void
forget_queries(ct_budget *b)
{
	for (int i = 0; i < b->used; i++)
		b->seen[b->log[i]] = 0;
	b->used = 0;
}

bool
ct_ctnas_checkpoint_options(const uint8_t *buf, size_t len, ct_ctnas_options *opt, ct_error *err)
{
	ct_rbuf		r;

	if (len >= 16)
	{
		ct_rbuf_init(&r, buf + len - 4, 4);
		if (ct_rbuf_u32(&r) == ct_crc32(buf, len - 4))
		{
			ct_rbuf_init(&r, buf, len - 4);
			if (ct_rbuf_u32(&r) == STATE_MAGIC && ct_rbuf_u32(&r) == STATE_VERSION)
			{
				(void) ct_rbuf_u64(&r);		/* the oracle's fingerprint: ct_ctnas_restore checks it */
				if (get_options(&r, opt))
					return true;
			}
		}
	}
	return ct_fail(err, CT_ERR_INVALID, "invalid search checkpoint", "It is damaged or was not written by this version."), false;
}

ct_ctnas_search *
ct_ctnas_restore(ct_budget *b, const uint8_t *buf, size_t len, ct_error *err)
{
	ct_rbuf		r;
	ct_ctnas_options opt;
	ct_ctnas_search *s = NULL;
	ct_nac		init;
	bool		has_init;
	uint32_t	used;
	uint32_t	crc;

#define DAMAGED() do { ct_ctnas_destroy(s); forget_queries(b); \
		return ct_fail(err, CT_ERR_INVALID, "invalid search checkpoint", "It is damaged or was not written by this version."), NULL; } while (0)

	if (len < 16)
		DAMAGED();
	ct_rbuf_init(&r, buf + len - 4, 4);
	crc = ct_rbuf_u32(&r);
	if (crc != ct_crc32(buf, len - 4))
		DAMAGED();
	ct_rbuf_init(&r, buf, len - 4);
	if (ct_rbuf_u32(&r) != STATE_MAGIC || ct_rbuf_u32(&r) != STATE_VERSION)
		DAMAGED();
	if (ct_rbuf_u64(&r) != oracle_fingerprint(b->oracle))
		return ct_fail(err, CT_ERR_INVALID, "the search checkpoint belongs to another oracle",
					   "The oracle's cells or accuracies changed since the checkpoint was written."), NULL;
	if (!get_options(&r, &opt))
		DAMAGED();

	/* the state's fields are read into a search built the normal way */
	{
		phase		ph = (phase) ct_rbuf_u32(&r);
		int64_t		iter = (int64_t) ct_rbuf_u64(&r);
		int			round = (int) ct_rbuf_u32(&r);
		int64_t		steps = (int64_t) ct_rbuf_u64(&r);
		ct_rng		rng;
		int			saved_used;

		for (int i = 0; i < 4; i++)
			rng.s[i] = ct_rbuf_u64(&r);
		if (r.bad || ph > PH_DONE || iter < 0 || round < 0 || steps < 0)
			DAMAGED();
		used = ct_rbuf_u32(&r);
		if (r.bad || used > (uint32_t) b->budget)
			DAMAGED();
		for (uint32_t i = 0; i < used; i++)
		{
			uint64_t	row = ct_rbuf_u64(&r);
			double		a;

			if (r.bad || row >= b->oracle->n || b->seen[row])
				DAMAGED();
			ct_budget_query(b, (int64_t) row, &a);
		}
		has_init = ct_rbuf_u32(&r) != 0;
		if (has_init && !get_model(&r, &init))
			DAMAGED();
		/* ct_ctnas_create wants a fresh budget: show it one, then put the log back */
		saved_used = b->used;
		b->used = 0;
		s = ct_ctnas_create(b, &opt, has_init ? &init : NULL, err);
		b->used = saved_used;
		if (has_init)
			ct_nac_free(&init);
		if (s == NULL)
		{
			forget_queries(b);
			return NULL;
		}
		s->ph = ph;
		s->iter = iter;
		s->round = round;
		s->steps = steps;
		s->rng = rng;
	}
	if (ct_rbuf_u32(&r) != 0)
	{
		if (!get_model(&r, &s->model))
			DAMAGED();
		s->has_model = true;
		s->model_stats.rows = ct_rbuf_u64(&r);
		s->model_stats.epochs = (uint32_t) ct_rbuf_u64(&r);
		s->model_stats.steps = ct_rbuf_u64(&r);
		s->model_stats.final_loss = ct_rbuf_f64(&r);
	}
	s->model_seed = ct_rbuf_u64(&r);
	if (ct_rbuf_u32(&r) != 0)
	{
		uint32_t	rows = ct_rbuf_u32(&r);
		int			saved_used = b->used;
		bool		had_init = s->has_init;

		if (r.bad || rows < 2 || rows > used)
			DAMAGED();
		/* the trainer's rows are the first `rows` queried cells */
		b->used = (int) rows;
		s->has_init = false;	/* the saved weights replace any warm start */
		if (!start_trainer(s, s->model_seed, err))
		{
			b->used = saved_used;
			s->has_init = had_init;
			ct_ctnas_destroy(s);
			forget_queries(b);
			return NULL;
		}
		b->used = saved_used;
		s->has_init = had_init;
		if (!ct_nac_trainer_restore(s->trainer, &r))
			DAMAGED();
	}
	if (opt.recipe == CT_CTNAS_RECIPE_PAPER)
	{
		uint32_t	npool;

		if (!ct_rbuf_f32s(&r, s->ctrl.params, s->ctrl.nparams) || !ct_adam_restore(&s->ctrl_adam, &r))
			DAMAGED();
		s->has_champion = ct_rbuf_u32(&r) != 0;
		if (s->has_champion && (!get_cell(&r, &s->baseline) || !get_cell(&r, &s->champion)))
			DAMAGED();
		s->last_entropy = ct_rbuf_f64(&r);
		npool = ct_rbuf_u32(&r);
		if (r.bad || npool > (r.len - r.pos) / 34)	/* a pair takes 34 bytes */
			DAMAGED();
		s->pool_cap = (int) (npool > 0 ? npool : 1);
		s->pool = ct_malloc(sizeof(ct_nac_labelled_pair) * s->pool_cap);
		for (uint32_t i = 0; i < npool; i++)
		{
			if (!get_cell(&r, &s->pool[i].a) || !get_cell(&r, &s->pool[i].b))
				DAMAGED();
			s->pool[i].label = ct_rbuf_u32(&r) != 0 ? 1.0f : 0.0f;
			s->npool = (int) i + 1;
		}
	}
	if (r.bad || r.pos != r.len)
		DAMAGED();
	/* every model in it has the options' shape (the buffers are sized by it) */
	{
		const ct_nac_options *n = &s->opt.nac;
		const ct_nac *models[2] = {s->has_init ? &s->init : NULL, s->has_model ? &s->model : NULL};

		for (int i = 0; i < 2; i++)
			if (models[i] != NULL &&
				(models[i]->shape.layers != n->layers || models[i]->shape.width != n->width ||
				 models[i]->shape.head != n->head || models[i]->shape.readout != n->readout))
				DAMAGED();
	}
	if (s->opt.recipe == CT_CTNAS_RECIPE_DEFAULT && s->round >= s->opt.rounds && s->ph != PH_DONE)
		DAMAGED();
	/* a phase of the recipe (another would never end), and a phase that needs a NAC has one */
	if (opt.recipe == CT_CTNAS_RECIPE_PAPER ? (s->ph == PH_TRAIN || s->ph == PH_RANK)
		: (s->ph == PH_PRETRAIN || s->ph == PH_SEARCH))
		DAMAGED();
	if ((s->ph == PH_PRETRAIN || s->ph == PH_SEARCH) && s->trainer == NULL)
		DAMAGED();
	if (s->ph == PH_SEARCH && !s->has_champion)
		DAMAGED();
	if (s->ph == PH_RANK && current_nac(s) == NULL)
		DAMAGED();
	return s;
#undef DAMAGED
}
