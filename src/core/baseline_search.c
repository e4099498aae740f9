/*
 * baseline_search.c
 *	  The usual baselines, in the same harness as the CTNAS search: random
 *	  search, regularized evolution (Real et al. 2019) and local search
 *	  (White et al. 2021), with the oracle's space rules and budget
 *	  accounting (ctnas_search.h).
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
		.batch = 0,				/* random search: no limit; evolution: 1 */
	};

	return o;
}

int
ct_search_common_option(const cJSON *item, uint64_t *seed, int *proposals, int *space_id, int *batch, ct_error *err)
{
	const char *key = item->string;

	if (strcmp(key, "batch") == 0)
	{
		int64_t		v;

		if (!ct_json_int(item, 1, CT_BATCH_MAX, &v))
			return ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"batch\" must be an integer from 1 to %d.", CT_BATCH_MAX), 0;
		*batch = (int) v;
		return 1;
	}
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
		if (sp != NULL && sp->random == NULL)
			return ct_fail(err, CT_ERR_INVALID, "invalid search option",
						   "Space %s has no sampler in this build, so searches cannot propose its architectures.", sp->name), 0;
		*proposals = sp == NULL ? CT_PROPOSE_ORACLE : CT_PROPOSE_SPACE;
		*space_id = sp == NULL ? 0 : sp->id;
		return 1;
	}
	return -1;
}

/* The option both baselines' options take besides the common ones: a bound on proposals. */
static bool
max_proposals_option(const cJSON *item, int64_t *out, ct_error *err)
{
	return ct_json_int(item, 1, INT64_C(1000000000000), out) ||
		ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"max_proposals\" must be an integer from 1 to 10^12.");
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
		int			common = ct_search_common_option(item, &opt->seed, &opt->space, &opt->space_id, &opt->batch, err);

		if (common >= 0)
			ok = common == 1;
		else if (strcmp(key, "population") == 0)
			ok = ct_json_int(item, 2, 100000, &v) ? (opt->population = (int) v, true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"population\" must be an integer from 2 to 100000.");
		else if (strcmp(key, "tournament") == 0)
			ok = ct_json_int(item, 1, 100000, &v) ? (opt->tournament = (int) v, true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"tournament\" must be an integer from 1 to 100000.");
		else if (strcmp(key, "max_proposals") == 0)
			ok = max_proposals_option(item, &opt->max_proposals, err);
		else
			ok = ct_fail(err, CT_ERR_INVALID, "unknown search option",
						 "Unknown key \"%.60s\". Known keys: seed, space, batch, population, tournament, max_proposals.", key);
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
proposal_limit(const ct_budget *b, int64_t max_proposals)
{
	return max_proposals > 0 ? max_proposals : 1000 * (ct_budget_effective(b) + 1);
}

/* A proposal in the search space: an oracle row, or -1 (a sample of the space the oracle lacks). */
static int64_t
propose_random(const ct_budget *b, int space, ct_rng *rng)
{
	ct_arch		a;

	if (space == CT_PROPOSE_ORACLE)
		return (int64_t) (ct_rng_next(rng) % b->oracle->n);
	b->oracle->space->random(ct_rng_next(rng), &a);
	return ct_oracle_find(b->oracle, &a);
}

/* The batch a method proposes at once: the option, else the method's default (a sequential method: 1). */
static int
method_batch(int batch, int sequential_default)
{
	return batch > 0 ? batch : sequential_default;
}

/*
 * Random search.  Proposals never depend on results, so the batch changes
 * nothing but when results are read: the same cells at every batch.
 */
bool
ct_random_search(ct_budget *b, const ct_baseline_options *opt,
				 ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	ct_rng		rng;
	int64_t		limit = proposal_limit(b, opt->max_proposals);
	int64_t		p = 0;

	if (!ct_proposals_check(opt->space, opt->space_id, b->oracle, err))
		return false;
	b->batch = method_batch(opt->batch, 0);
	ct_rng_seed(&rng, opt->seed);
	while (p < limit && !ct_budget_exhausted(b))
	{
		for (; p < limit && ct_budget_can_propose(b); p++)
		{
			int64_t		r = propose_random(b, opt->space, &rng);

			if (interrupt && p % 256 == 0)
				interrupt(arg);
			if (r >= 0)
				ct_budget_propose(b, r);
		}
		if (!ct_budget_resolve(b))
			return true;		/* waiting for results */
	}
	return true;
}

#define MUTATION_TRIES 100

typedef struct member
{
	int64_t		row;
	double		acc;
} member;

/*
 * Regularized evolution.  With batch k, the first population is drawn k new
 * cells at a time, and every later generation makes k children from the
 * same population (k tournaments) before their results are read; they then
 * replace the oldest members in the order they were made.  k = 1 is Real et
 * al.'s sequential algorithm.
 */
bool
ct_evolution_search(ct_budget *b, const ct_baseline_options *opt,
					ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	ct_rng		rng;
	int64_t		limit = proposal_limit(b, opt->max_proposals);
	int64_t		p = 0;
	int			P = opt->population,
				S = opt->tournament;
	int			k = method_batch(opt->batch, 1);
	member	   *pop;
	int			size = 0,
				head = 0;
	int		   *pick;
	int64_t    *drawn;			/* this batch's draws or children, in order */
	int			ndrawn;
	bool		stuck = false;

	if (!ct_proposals_check(opt->space, opt->space_id, b->oracle, err))
		return false;
	b->batch = k;
	pop = ct_malloc(sizeof(member) * P);	/* a ring: pop[head] is the oldest */
	pick = ct_malloc(sizeof(int) * P);
	drawn = ct_malloc(sizeof(int64_t) * (size_t) (k > P ? k : P));
	ct_rng_seed(&rng, opt->seed);
	/* the first population: random cells (a draw of a cell read before joins it again, at no cost) */
	while (size < P && !ct_budget_exhausted(b) && p < limit)
	{
		ndrawn = 0;
		while (size + ndrawn < P && p < limit && ct_budget_can_propose(b))
		{
			int64_t		r = propose_random(b, opt->space, &rng);

			if (interrupt && ++p % 256 == 0)
				interrupt(arg);
			if (r >= 0 && b->seen[r] != CT_ROW_FAILED)
			{
				drawn[ndrawn++] = r;
				ct_budget_propose(b, r);
			}
		}
		if (!ct_budget_resolve(b))
			goto out;			/* waiting for results */
		for (int i = 0; i < ndrawn && size < P; i++)
			if (b->seen[drawn[i]] == CT_ROW_READ)
			{
				pop[size].row = drawn[i];
				pop[size++].acc = b->oracle->acc[drawn[i]];
			}
		if (ndrawn == 0)
			break;
	}
	while (size >= 2 && !stuck && !ct_budget_exhausted(b) && p < limit)
	{
		ndrawn = 0;
		while (ndrawn < k && p < limit && ct_budget_can_propose(b))
		{
			int			best = -1;
			int64_t		child = -1;

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
			 * A new child in the space: mutations are re-drawn until one
			 * lands on a cell of the space not queried, proposed or failed
			 * yet (a known cell would add no information and spend no
			 * budget, so the search would stall).  A parent whose neighbours
			 * all lie outside a sparse oracle, or are all known, gives way
			 * after MUTATION_TRIES to a random cell.
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
					child = propose_random(b, opt->space, &rng);	/* also for an architecture without mutations (NAS-Bench-101's 2-node cell) */
				if (child >= 0 && b->seen[child] != CT_ROW_NEW)
					child = -1;
			}
			if (child < 0)
			{
				stuck = true;
				break;
			}
			ct_budget_propose(b, child);
			drawn[ndrawn++] = child;
		}
		if (!ct_budget_resolve(b))
			goto out;			/* waiting for results */
		/* the children replace the oldest members (one that failed is not born) */
		for (int i = 0; i < ndrawn; i++)
			if (b->seen[drawn[i]] == CT_ROW_READ)
			{
				pop[head].row = drawn[i];
				pop[head].acc = b->oracle->acc[drawn[i]];
				head = (head + 1) % P;
			}
		if (ndrawn == 0)
			break;
	}
out:
	ct_free(drawn);
	ct_free(pick);
	ct_free(pop);
	return true;
}

ct_local_options
ct_local_default_options(void)
{
	ct_local_options o = {
		.seed = 0,
		.space = CT_PROPOSE_ORACLE,
		.space_id = 0,
		.init = 1,
		.first_improvement = false,
		.max_proposals = 0,		/* 0: 1000 per query of the budget */
		.batch = 0,				/* 1 */
	};

	return o;
}

bool
ct_local_options_from_json(const char *json, ct_local_options *opt, ct_error *err)
{
	cJSON	   *root = ct_json_parse(json, strlen(json), NULL, true);
	bool		ok = ct_local_options_from_cjson(root, opt, err);

	cJSON_Delete(root);
	return ok;
}

bool
ct_local_options_from_cjson(const cJSON *root, ct_local_options *opt, ct_error *err)
{
	const cJSON *item;
	bool		ok = true;

	*opt = ct_local_default_options();
	if (root == NULL || !cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_INVALID, "search options must be a JSON object", NULL);
	cJSON_ArrayForEach(item, root)
	{
		const char *key = item->string;
		int64_t		v = 0;
		int			common = ct_search_common_option(item, &opt->seed, &opt->space, &opt->space_id, &opt->batch, err);

		if (common >= 0)
			ok = common == 1;
		else if (strcmp(key, "init") == 0)
			ok = ct_json_int(item, 1, 100000, &v) ? (opt->init = (int) v, true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"init\" must be an integer from 1 to 100000.");
		else if (strcmp(key, "first_improvement") == 0)
			ok = cJSON_IsBool(item) ? (opt->first_improvement = cJSON_IsTrue(item), true)
				: ct_fail(err, CT_ERR_INVALID, "invalid search option", "\"first_improvement\" must be true or false.");
		else if (strcmp(key, "max_proposals") == 0)
			ok = max_proposals_option(item, &opt->max_proposals, err);
		else
			ok = ct_fail(err, CT_ERR_INVALID, "unknown search option",
						 "Unknown key \"%.60s\". Known keys: seed, space, batch, init, first_improvement, max_proposals.", key);
		if (!ok)
			break;
	}
	return ok;
}

/*
 * Local search.  Every random draw and every neighbour looked at is a
 * proposal (the bound that ends a search whose proposals keep missing a
 * sparse oracle).  The neighbours of a cell are read in an order drawn from
 * the seed, so a budget spent in the middle of a neighbourhood, and the
 * first improvement, depend on the seed and not on the space's order.
 *
 * With batch k, up to k new cells (random starts, or neighbours in their
 * order) are proposed before their results are read; neighbours read
 * before are compared as they come, at no cost.  k = 1 is the sequential
 * algorithm.
 */
bool
ct_local_search(ct_budget *b, const ct_local_options *opt,
				ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	const ct_oracle *o = b->oracle;
	ct_rng		rng;
	int64_t		limit = proposal_limit(b, opt->max_proposals);
	int64_t		p = 0;
	ct_arch		nb[CT_SPACE_NEIGHBOURS_MAX];
	int			order[CT_SPACE_NEIGHBOURS_MAX];
	int64_t    *drawn;
	int			ndrawn;
	int			k = method_batch(opt->batch, 1);
	bool		spent = false;

	if (!ct_proposals_check(opt->space, opt->space_id, o, err))
		return false;
	b->batch = k;
	drawn = ct_malloc(sizeof(int64_t) * (size_t) (k > opt->init ? k : opt->init));
	ct_rng_seed(&rng, opt->seed);
	while (!spent && !ct_budget_exhausted(b) && p < limit)
	{
		int64_t		cur = -1;
		double		cur_acc = 0;
		int			started = 0;

		/* a climb starts from the best of init new random cells */
		while (started < opt->init && !ct_budget_exhausted(b) && p < limit)
		{
			ndrawn = 0;
			while (started + ndrawn < opt->init && p < limit && ct_budget_can_propose(b))
			{
				int64_t		r = propose_random(b, opt->space, &rng);

				if (interrupt && p % 256 == 0)
					interrupt(arg);
				p++;
				if (r >= 0 && ct_budget_propose(b, r))
					drawn[ndrawn++] = r;
			}
			if (!ct_budget_resolve(b))
				goto out;		/* waiting for results */
			for (int i = 0; i < ndrawn; i++)
				if (b->seen[drawn[i]] == CT_ROW_READ)
				{
					started++;
					if (cur < 0 || o->acc[drawn[i]] > cur_acc)
						cur = drawn[i], cur_acc = o->acc[drawn[i]];
				}
		}
		/* the climb: to the best neighbour while it is better */
		while (cur >= 0 && !spent)
		{
			int			n = o->space->neighbours(&o->cells[cur], nb, CT_SPACE_NEIGHBOURS_MAX);
			int64_t		next = -1;
			double		next_acc = cur_acc;
			bool		moved = false;

			for (int j = 0; j < n; j++)
				order[j] = j;
			ct_rng_shuffle(&rng, order, n);
			for (int j = 0; j < n && !moved && !spent;)
			{
				ndrawn = 0;
				/* known neighbours compare at once; new ones are proposed, up to the batch */
				for (; j < n && ndrawn < k; j++)
				{
					int64_t		r;

					if (p >= limit)
					{
						spent = true;
						break;
					}
					if (interrupt && p % 256 == 0)
						interrupt(arg);
					p++;
					r = ct_oracle_find(o, &nb[order[j]]);
					if (r < 0 || b->seen[r] == CT_ROW_FAILED)
						continue;	/* outside the oracle, or not evaluable: nothing to read, no cost */
					if (b->seen[r] == CT_ROW_READ)
					{
						if (o->acc[r] > next_acc)
						{
							next = r;
							next_acc = o->acc[r];
							if (opt->first_improvement)
							{
								moved = true;
								j++;
								break;
							}
						}
						continue;
					}
					if (!ct_budget_propose(b, r))
					{
						/* no room: the budget is spent, unless open proposals fail and free it */
						if (b->npending > 0)
							p--;		/* (r is looked at again after they are read) */
						else
							spent = true;
						break;
					}
					drawn[ndrawn++] = r;
				}
				if (!ct_budget_resolve(b))
					goto out;	/* waiting for results */
				for (int i = 0; i < ndrawn && !(moved && opt->first_improvement); i++)
					if (b->seen[drawn[i]] == CT_ROW_READ && o->acc[drawn[i]] > next_acc)
					{
						next = drawn[i];
						next_acc = o->acc[drawn[i]];
						if (opt->first_improvement)
							moved = true;
					}
			}
			/* a local optimum (no neighbour better): a new climb */
			cur = next;
			cur_acc = next_acc;
		}
	}
out:
	ct_free(drawn);
	return true;
}
