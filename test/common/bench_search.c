/*
 * bench_search.c
 *	  One search by method name (bench_search.h).
 */
#include "bench_search.h"

#include <string.h>

bool
bench_ctnas_options(const char *json, uint64_t seed, ct_ctnas_options *opt, ct_error *err)
{
	if (!ct_ctnas_options_from_json(json, opt, err))
		return false;
	if (opt->nac.seed == opt->seed)
		opt->nac.seed = seed;
	opt->seed = seed;
	return true;
}

int
bench_search(ct_budget *b, const char *method, uint64_t seed, const char *json, int64_t *final, ct_error *err)
{
	bool		ok;

	*final = -1;
	if (strcmp(method, "ctnas") == 0)
	{
		ct_ctnas_options opt;
		ct_ctnas_search *s;
		ct_arch		cell;
		double		score;

		ok = bench_ctnas_options(json, seed, &opt, err);
		if (ok)
		{
			s = ct_ctnas_create(b, &opt, NULL, err);
			ok = s != NULL && ct_ctnas_run(s, NULL, NULL, err) && ct_ctnas_final(s, &cell, final, &score);
			ct_ctnas_destroy(s);
		}
		return ok;
	}
	if (strcmp(method, "local") == 0)
	{
		ct_local_options opt;

		ok = ct_local_options_from_json(json, &opt, err);
		opt.seed = seed;
		ok = ok && ct_local_search(b, &opt, NULL, NULL, err);
	}
	else
	{
		ct_baseline_options opt;

		if (strcmp(method, "random") != 0 && strcmp(method, "evolution") != 0)
			return -1;
		ok = ct_baseline_options_from_json(json, &opt, err);
		opt.seed = seed;
		ok = ok && (strcmp(method, "random") == 0 ? ct_random_search(b, &opt, NULL, NULL, err)
					: ct_evolution_search(b, &opt, NULL, NULL, err));
	}
	if (ok)
		*final = ct_budget_best(b);
	return ok;
}
