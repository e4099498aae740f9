/*
 * baseline_search.c
 *	  The usual baselines, in the same harness as the CTNAS search: random
 *	  search and regularized evolution (Real et al. 2019), with the oracle's
 *	  space rules and budget accounting (ctnas_search.h).
 */
#include "ctnas_search.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_json.h"
#include "ctnas_rng.h"

ct_baseline_options
ct_baseline_default_options(void)
{
	ct_baseline_options o = {
		.seed = 0,
		.space = CT_PROPOSE_ORACLE,
		.space_id = 0,
		.population = 50,
		.tournament = 10,
		.max_proposals = 0,		/* 0: 1000 per query of the budget */
	};

	return o;
}

int
ct_search_common_option(const cJSON *item, uint64_t *seed, int *proposals, int *space_id, ct_error *err)
{
	const char *key = item->string;

	if (strcmp(key, "seed") == 0)
	{
		int64_t		v;

		if (!ct_json_int(item, 0, INT64_C(9007199254740992), &v))
			return ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"seed\" must be an integer from 0 to 2^53."), 0;
		*seed = (uint64_t) v;
		return 1;
	}
	if (strcmp(key, "space") == 0)
	{
		const char *v = cJSON_IsString(item) ? item->valuestring : "";
		const ct_space *sp = ct_space_by_name(v);

		if (strcmp(v, "oracle") != 0 && sp == NULL)
			return ct_fail(err, CT_ERR_INVALID, "invalid search option",
						   "\"space\" must be \"oracle\" or a search space: %s.", ct_space_names()), 0;
		*proposals = sp == NULL ? CT_PROPOSE_ORACLE : CT_PROPOSE_SPACE;
		*space_id = sp == NULL ? 0 : sp->id;
		return 1;
	}
	return -1;
}

bool
ct_baseline_options_from_json(const char *json, ct_baseline_options *opt, ct_error *err)
{
	cJSON	   *root = ct_json_parse(json, strlen(json), NULL, true);
	bool		ok = ct_baseline_options_from_cjson(root, opt, err);

	cJSON_Delete(root);
	return ok;
}

bool
ct_baseline_options_from_cjson(const cJSON *root, ct_baseline_options *opt, ct_error *err)
{
	const cJSON *item;
	bool		ok = true;

	*opt = ct_baseline_default_options();
	if (root == NULL || !cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_INVALID, "search options must be a JSON object", NULL);
	cJSON_ArrayForEach(item, root)
	{
		const char *key = item->string;
		int64_t		v = 0;
		int			common = ct_search_common_option(item, &opt->seed, &opt->space, &opt->space_id, err);

		if (common >= 0)
			ok = common == 1;
		else if (strcmp(key, "population") == 0)
			ok = ct_json_int(item, 2, 100000, &v) ? (opt->population = (int) v, true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"population\" must be an integer from 2 to 100000.");
		else if (strcmp(key, "tournament") == 0)
			ok = ct_json_int(item, 1, 100000, &v) ? (opt->tournament = (int) v, true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"tournament\" must be an integer from 1 to 100000.");
		else if (strcmp(key, "max_proposals") == 0)
			ok = ct_json_int(item, 1, INT64_C(1000000000000), &v) ? (opt->max_proposals = v, true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"max_proposals\" must be an integer from 1 to 10^12.");
		else
			ok = ct_fail(err, CT_ERR_INVALID, "unknown search option",
						 "Unknown key \"%.60s\". Known keys: seed, space, population, tournament, max_proposals.", key);
		if (!ok)
			break;
	}
	if (ok && opt->tournament > opt->population)
		ok = ct_fail(err, CT_ERR_INVALID, "invalid search option",
					 "\"tournament\" (%d) must not exceed \"population\" (%d).", opt->tournament, opt->population);
	return ok;
}

/*
 * The default bound on proposals: 1000 per cell the search can read, that is
 * per unit of min(budget, oracle size), in 64 bits (a budget of INT_MAX must
 * not wrap around).
 */
static int64_t
proposal_limit(const ct_budget *b, const ct_baseline_options *opt)
{
	return opt->max_proposals > 0 ? opt->max_proposals : 1000 * (ct_budget_effective(b) + 1);
}

/* A proposal in the search space: an oracle row, or -1 (a sample of the space the oracle lacks). */
static int64_t
propose_random(const ct_budget *b, const ct_baseline_options *opt, ct_rng *rng)
{
	ct_arch		a;

	if (opt->space == CT_PROPOSE_ORACLE)
		return (int64_t) (ct_rng_next(rng) % b->oracle->n);
	b->oracle->space->random(ct_rng_next(rng), &a);
	return ct_oracle_find(b->oracle, &a);
}

bool
ct_random_search(ct_budget *b, const ct_baseline_options *opt,
				 ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	ct_rng		rng;
	int64_t		limit = proposal_limit(b, opt);
	double		acc;

	if (!ct_proposals_check(opt->space, opt->space_id, b->oracle, err))
		return false;
	ct_rng_seed(&rng, opt->seed);
	for (int64_t p = 0; p < limit && !ct_budget_exhausted(b); p++)
	{
		int64_t		r = propose_random(b, opt, &rng);

		if (interrupt && p % 256 == 0)
			interrupt(arg);
		if (r >= 0)
			ct_budget_query(b, r, &acc);
	}
	return true;
}

#define MUTATION_TRIES 100

typedef struct member
{
	int64_t		row;
	double		acc;
} member;

bool
ct_evolution_search(ct_budget *b, const ct_baseline_options *opt,
					ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	ct_rng		rng;
	int64_t		limit = proposal_limit(b, opt);
	int64_t		p = 0;
	int			P = opt->population,
				S = opt->tournament;
	member	   *pop;
	int			size = 0,
				head = 0;
	int		   *pick;

	if (!ct_proposals_check(opt->space, opt->space_id, b->oracle, err))
		return false;
	pop = ct_malloc(sizeof(member) * P);	/* a ring: pop[head] is the oldest */
	pick = ct_malloc(sizeof(int) * P);
	ct_rng_seed(&rng, opt->seed);
	/* the first population: random cells */
	while (size < P && !ct_budget_exhausted(b) && p++ < limit)
	{
		int64_t		r = propose_random(b, opt, &rng);

		if (interrupt && p % 256 == 0)
			interrupt(arg);
		if (r >= 0 && ct_budget_query(b, r, &pop[size].acc))
			pop[size++].row = r;
	}
	while (size >= 2 && !ct_budget_exhausted(b) && p < limit)
	{
		int			best = -1;
		int64_t		child = -1;
		double		acc;

		/* tournament: S distinct members, uniformly; the best is the parent */
		for (int i = 0; i < size; i++)
			pick[i] = i;
		for (int i = 0; i < S && i < size; i++)
		{
			int			j = i + (int) ct_rng_below(&rng, (uint32_t) (size - i));
			int			t = pick[i];

			pick[i] = pick[j];
			pick[j] = t;
			if (best < 0 || pop[(head + pick[i]) % P].acc > pop[(head + best) % P].acc)
				best = pick[i];
		}
		/*
		 * A new child in the space: mutations are re-drawn until one lands
		 * on a cell of the space not queried yet (a known cell would add no
		 * information and spend no budget, so the search would stall).  A
		 * parent whose neighbours all lie outside a sparse oracle, or are all
		 * known, gives way after MUTATION_TRIES to a random cell.
		 */
		for (int tries = 0; child < 0 && p++ < limit; tries++)
		{
			ct_arch		g;

			if (interrupt && p % 256 == 0)
				interrupt(arg);
			if (tries < MUTATION_TRIES &&
				b->oracle->space->mutate(&b->oracle->cells[pop[(head + best) % P].row], ct_rng_next(&rng), &g, NULL))
				child = ct_oracle_find(b->oracle, &g);
			else
				child = propose_random(b, opt, &rng);	/* also for an architecture without mutations (NAS-Bench-101's 2-node cell) */
			if (child >= 0 && b->seen[child])
				child = -1;
		}
		if (child < 0 || !ct_budget_query(b, child, &acc))
			break;
		/* the child replaces the oldest member */
		pop[head].row = child;
		pop[head].acc = acc;
		head = (head + 1) % P;
	}
	ct_free(pick);
	ct_free(pop);
	return true;
}
