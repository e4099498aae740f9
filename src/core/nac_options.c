/*
 * nac_options.c
 *	  Training options as JSON: {"seed": 1, "recipe": "paper", "epochs": 1000, ...}.
 *	  Unknown keys, wrong types and absurd values are errors; an integer
 *	  option must be written as an integer (3, not 3.0 or 3e0).
 */
#include "ctnas_nac.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "ctnas_json.h"

#define OPTION_KEYS "seed, recipe, epochs, batch_size, lr, beta1, beta2, eps, weight_decay, head, directions, readout, layers, width, average"

static bool
bad(ct_error *err, const char *key, const char *want)
{
	return ct_fail(err, CT_ERR_INVALID, "invalid NAC training option",
				   "\"%s\" must be %s.", key, want);
}

/* A real number within [lo, hi] (excluding lo when open_lo), as ct_json_real reads it. */
static bool
real_in(const cJSON *item, double lo, double hi, bool open_lo, double *out)
{
	double		x;

	if (!ct_json_real(item, &x) || x < lo || x > hi || (open_lo && x == lo))
		return false;
	*out = x;
	return true;
}

/* An integer within [lo, hi], written as one (ct_json_int: 3, not 3.0 or 3e0). */
static bool
int_in(const cJSON *item, int64_t lo, int64_t hi, int *out)
{
	int64_t		v;

	if (!ct_json_int(item, lo, hi, &v))
		return false;
	*out = (int) v;
	return true;
}

bool
ct_nac_options_from_json(const char *json, ct_nac_options *opt, ct_error *err)
{
	cJSON	   *root = ct_json_parse(json, strlen(json), NULL, true);
	bool		ok = ct_nac_options_from_cjson(root, opt, err);

	cJSON_Delete(root);
	return ok;
}

bool
ct_nac_options_from_cjson(const cJSON *root, ct_nac_options *opt, ct_error *err)
{
	const cJSON *item;
	bool		ok = true;

	if (root != NULL && cJSON_IsObject(root))
	{
		/* the recipe first: it supplies the defaults the other keys override */
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "recipe");
		int			recipe = cJSON_IsString(r) ? ct_nac_recipe_from_name(r->valuestring) : CT_NAC_RECIPE_DEFAULT;

		*opt = ct_nac_recipe_options(recipe > 0 ? recipe : CT_NAC_RECIPE_DEFAULT);
	}
	if (root == NULL || !cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_INVALID, "NAC training options must be a JSON object",
					   "Known keys: " OPTION_KEYS ".");
	cJSON_ArrayForEach(item, root)
	{
		const char *key = item->string;
		double		x = 0;
		int64_t		v = 0;

		if (strcmp(key, "seed") == 0)
			ok = ct_json_int(item, 0, INT64_C(9007199254740992), &v) ? (opt->seed = (uint64_t) v, true)
				: bad(err, key, "an integer from 0 to 2^53");
		else if (strcmp(key, "recipe") == 0)
		{
			int			r = cJSON_IsString(item) ? ct_nac_recipe_from_name(item->valuestring) : -1;

			ok = r > 0 ? true : bad(err, key, "\"default\" or \"paper\"");
		}
		else if (strcmp(key, "epochs") == 0)
			ok = int_in(item, 1, 1000000, &opt->epochs) ? true
				: bad(err, key, "an integer from 1 to 1000000");
		else if (strcmp(key, "batch_size") == 0)
			ok = int_in(item, 2, 1048576, &opt->batch_size) ? true
				: bad(err, key, "an integer from 2 to 1048576");
		else if (strcmp(key, "lr") == 0)
			ok = real_in(item, 0, 1, true, &x) ? (opt->lr = x, true)
				: bad(err, key, "a number in (0, 1]");
		else if (strcmp(key, "beta1") == 0)
			ok = real_in(item, 0, 0.9999999, false, &x) ? (opt->beta1 = x, true)
				: bad(err, key, "a number in [0, 1)");
		else if (strcmp(key, "beta2") == 0)
			ok = real_in(item, 0, 0.9999999, false, &x) ? (opt->beta2 = x, true)
				: bad(err, key, "a number in [0, 1)");
		else if (strcmp(key, "eps") == 0)
			ok = real_in(item, 0, 1, true, &x) ? (opt->eps = x, true)
				: bad(err, key, "a number in (0, 1]");
		else if (strcmp(key, "head") == 0)
		{
			const char *v = cJSON_IsString(item) ? item->valuestring : "";

			ok = strcmp(v, "concat") == 0 ? (opt->head = CT_NAC_HEAD_CONCAT_FC, true)
				: strcmp(v, "antisymmetric") == 0 ? (opt->head = CT_NAC_HEAD_ANTISYMMETRIC, true)
				: bad(err, key, "\"concat\" or \"antisymmetric\"");
		}
		else if (strcmp(key, "directions") == 0)
		{
			const char *v = cJSON_IsString(item) ? item->valuestring : "";

			bool		sink = ct_nac_readout_sink(opt->readout);

			ok = strcmp(v, "forward") == 0 ? (opt->readout = ct_nac_readout_of(false, sink), true)
				: strcmp(v, "both") == 0 ? (opt->readout = ct_nac_readout_of(true, sink), true)
				: bad(err, key, "\"forward\" or \"both\"");
		}
		else if (strcmp(key, "readout") == 0)
		{
			const char *v = cJSON_IsString(item) ? item->valuestring : "";
			bool		both = ct_nac_readout_both(opt->readout);

			ok = strcmp(v, "slots") == 0 ? (opt->readout = ct_nac_readout_of(both, false), true)
				: strcmp(v, "nodes+sink") == 0 ? (opt->readout = ct_nac_readout_of(both, true), true)
				: bad(err, key, "\"slots\" or \"nodes+sink\"");
			opt->readout_given = true;
		}
		else if (strcmp(key, "layers") == 0)
			/* the network the space's NAC has: the GCN's layers, or the MLP's Linear layers */
			ok = int_in(item, 1, CT_NAC_MAX_LAYERS, &opt->layers) ? (opt->mlp_layers = opt->layers, true)
				: bad(err, key, "an integer from 1 to 16");
		else if (strcmp(key, "width") == 0)
			ok = int_in(item, 1, 1024, &opt->width) ? (opt->mlp_width = opt->width, true)
				: bad(err, key, "an integer from 1 to 1024");
		else if (strcmp(key, "average") == 0)
		{
			/* a whole number of percent, as the model records it */
			ok = real_in(item, 0, 0.99, false, &x) && fabs(x * 100 - round(x * 100)) < 1e-9
				? (opt->average = (int) round(x * 100), true)
				: bad(err, key, "a fraction from 0 to 0.99 in steps of 0.01");
		}
		else if (strcmp(key, "weight_decay") == 0)
			ok = real_in(item, 0, 10, false, &x) ? (opt->weight_decay = x, true)
				: bad(err, key, "a number in [0, 10]");
		else
			ok = ct_fail(err, CT_ERR_INVALID, "unknown NAC training option",
						 "Unknown key \"%.60s\". Known keys: " OPTION_KEYS ".", key);
		if (!ok)
			break;
	}
	return ok;
}
