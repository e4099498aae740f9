/*
 * search_options.c
 *	  The CTNAS search's options: each recipe's defaults, the JSON reader,
 *	  and one table of the options' bounds, which the checkpoint reader
 *	  checks too (ctnas_search.h).
 */
#include "ctnas_search_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "ctnas_json.h"

ct_ctnas_options
ct_ctnas_recipe_options(int recipe)
{
	ct_ctnas_options o = {
		.recipe = recipe,
		.seed = 0,
		.space = CT_PROPOSE_ORACLE,
		.space_id = 0,
		.iterations = 10000,
		.derive_every = 500,
		.derive_samples = 10,
		.pseudo_every = 100,
		.pseudo_first = 256,
		.pseudo_pairs = 100,
		.entropy_coef = 5e-4,
		.controller_lr = 2e-4,
		.first = 100,			/* (recipe "paper" has no use for it; stored in its checkpoints as 0.1.0 did) */
		.rounds = 4,
	};

	if (recipe == CT_CTNAS_RECIPE_PAPER)
		o.nac = ct_nac_recipe_options(CT_NAC_RECIPE_PAPER);
	else
	{
		o.nac = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
		o.nac.epochs = 300;
		o.nac.average = 0;		/* its rounds' NACs as measured for the search tables (README) */
		o.nac.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
		o.first = CT_CTNAS_FIRST_AUTO;	/* the schedule: ct_ctnas_first, ct_ctnas_rounds */
		o.rounds = CT_CTNAS_ROUNDS_AUTO;
	}
	return o;
}

const char *
ct_ctnas_recipe_name(int recipe)
{
	return recipe == CT_CTNAS_RECIPE_PAPER ? "paper" : recipe == CT_CTNAS_RECIPE_DEFAULT ? "default" : NULL;
}

/*
 * The recipes' numeric options, each declared once: its key, its field,
 * its bounds and its recipe.  The JSON reader takes a value within
 * [lo, hi]; ct_ctnas_options_in_bounds (a checkpoint's options) wants an
 * integer within them and a real finite.  In the order of SEARCH_KEYS.
 */
typedef struct search_option
{
	const char *key;
	bool		real;			/* a double, else an int */
	size_t		offset;			/* in ct_ctnas_options */
	double		lo;
	double		hi;
	int			recipe;			/* the recipe it belongs to (0: both) */
} search_option;

#define INT_OPTION(field, lo, hi, recipe) {#field, false, offsetof(ct_ctnas_options, field), lo, hi, recipe}
#define REAL_OPTION(field, lo, hi, recipe) {#field, true, offsetof(ct_ctnas_options, field), lo, hi, recipe}

static const search_option search_options[] = {
	INT_OPTION(iterations, 0, 1e7, CT_CTNAS_RECIPE_PAPER),
	INT_OPTION(derive_every, 1, 1e7, CT_CTNAS_RECIPE_PAPER),
	INT_OPTION(derive_samples, 1, 1000, CT_CTNAS_RECIPE_PAPER),
	INT_OPTION(pseudo_every, 0, 1e7, CT_CTNAS_RECIPE_PAPER),
	INT_OPTION(pseudo_first, 0, 100000, CT_CTNAS_RECIPE_PAPER),
	INT_OPTION(pseudo_pairs, 0, 100000, CT_CTNAS_RECIPE_PAPER),
	REAL_OPTION(entropy_coef, 0, 1e3, CT_CTNAS_RECIPE_PAPER),
	REAL_OPTION(controller_lr, 0, 1, CT_CTNAS_RECIPE_PAPER),
	REAL_OPTION(temperature, 0, 1e6, CT_CTNAS_RECIPE_PAPER),
	REAL_OPTION(tanh_constant, 0, 1e6, CT_CTNAS_RECIPE_PAPER),
	REAL_OPTION(op_tanh_reduce, 0, 1e6, CT_CTNAS_RECIPE_PAPER),
	INT_OPTION(first, 0, 1e7, CT_CTNAS_RECIPE_DEFAULT),
	INT_OPTION(rounds, 1, 10000, CT_CTNAS_RECIPE_DEFAULT),
	INT_OPTION(list, 0, CT_CTNAS_LIST_MAX, 0),
};

#define NOPTIONS (sizeof(search_options) / sizeof(search_options[0]))

/* every key, for the "Unknown key" detail: recipe, the common keys, the table's, nac */
#define SEARCH_KEYS "recipe, seed, space, batch, iterations, derive_every, derive_samples, pseudo_every, " \
	"pseudo_first, pseudo_pairs, entropy_coef, controller_lr, temperature, tanh_constant, op_tanh_reduce, first, rounds, list, nac"

static const search_option *
find_option(const char *key)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(key, search_options[i].key) == 0)
			return &search_options[i];
	return NULL;
}

static int *
int_field(ct_ctnas_options *opt, const search_option *o)
{
	return (int *) ((char *) opt + o->offset);
}

static double *
real_field(ct_ctnas_options *opt, const search_option *o)
{
	return (double *) ((char *) opt + o->offset);
}

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
	if (!cJSON_HasObjectItem(copy, "average"))
		cJSON_AddNumberToObject(copy, "average", opt->nac.average / 100.0);
	if (!cJSON_HasObjectItem(copy, "readout"))
		cJSON_AddStringToObject(copy, "readout", ct_nac_readout_name(opt->nac.readout));
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
	const search_option *o;
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
		else if ((common = ct_search_common_option(item, &opt->seed, &opt->space, &opt->space_id, &opt->batch, err)) >= 0)
			ok = common == 1;
		else if ((o = find_option(key)) != NULL)
			ok = o->real ? real_option(item, o->lo, o->hi, real_field(opt, o), err)
				: int_option(item, o->lo, o->hi, int_field(opt, o), err);
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
		bool		paper = opt->recipe == CT_CTNAS_RECIPE_PAPER;

		for (size_t i = 0; ok && i < NOPTIONS; i++)
			if (search_options[i].recipe != 0 && search_options[i].recipe != opt->recipe &&
				cJSON_GetObjectItemCaseSensitive(root, search_options[i].key) != NULL)
				ok = ct_fail(err, CT_ERR_INVALID, "invalid search option",
							 "\"%s\" belongs to recipe \"%s\"; this search uses recipe \"%s\".",
							 search_options[i].key, paper ? "default" : "paper", paper ? "paper" : "default");
	}
	/* the paper recipe fine-tunes its NAC throughout: no end of training whose weights to average */
	if (ok && opt->recipe == CT_CTNAS_RECIPE_PAPER && opt->nac.average != 0)
		ok = ct_fail(err, CT_ERR_INVALID, "invalid search option",
					 "\"nac\": \"average\" applies to recipe \"default\", whose rounds each train a NAC to the end; "
					 "recipe \"paper\" fine-tunes its NAC throughout the search.");
	if (ok && !nac_seeded)
		opt->nac.seed = opt->seed;
	return ok;
}

bool
ct_ctnas_options_in_bounds(const ct_ctnas_options *opt)
{
	if (ct_ctnas_recipe_name(opt->recipe) == NULL ||
		(opt->space != CT_PROPOSE_ORACLE && opt->space != CT_PROPOSE_SPACE))
		return false;
	for (size_t i = 0; i < NOPTIONS; i++)
	{
		const search_option *o = &search_options[i];
		const char *field = (const char *) opt + o->offset;

		if (o->real ? !isfinite(*(const double *) field)
			: (*(const int *) field < o->lo || *(const int *) field > o->hi))
			return false;
	}
	return true;
}
