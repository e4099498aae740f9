/*
 * test_search.c
 *	  The oracle, the budget, random search, regularized evolution and local
 *	  search.
 */
#include "unit.h"

#include <math.h>

#include "ctnas_alloc.h"
#include "ctnas_search.h"
#include "sample_csv.h"

sample_row rows[5100];	/* shared with test_ctnas_search.c */

void
build_sample_oracle(ct_oracle *o, int n)
{
	static ct_arch cells[5100];
	static double acc[5100];

	for (int i = 0; i < n; i++)
	{
		cells[i] = rows[i].cell;
		acc[i] = rows[i].test_acc_run0;
	}
	CHECK(ct_oracle_build(o, cells, acc, n, NULL));
}

static void
test_oracle(void)
{
	ct_oracle	o;
	ct_arch		cells[3];
	double		acc[3] = {0.5, 0.6, 0.7};
	ct_error	err;
	ct_arch		absent;

	build_sample_oracle(&o, 5100);
	for (int i = 0; i < 5100; i += 17)
	{
		int64_t		r = ct_oracle_find(&o, &rows[i].cell);

		CHECK(r >= 0 && ct_arch_eq(&o.cells[r], &rows[i].cell) && o.acc[r] == rows[i].test_acc_run0);
	}
	ct_space_nb101.random(123456, &absent);
	CHECK(ct_oracle_find(&o, &absent) == -1 || ct_arch_eq(&o.cells[ct_oracle_find(&o, &absent)], &absent));
	ct_oracle_free(&o);

	cells[0] = rows[0].cell, cells[1] = rows[1].cell, cells[2] = rows[0].cell;
	CHECK(!ct_oracle_build(&o, cells, acc, 3, &err) && strstr(err.detail, "Rows 1 and 3") != NULL);
	cells[2] = rows[2].cell;
	acc[1] = NAN;
	CHECK(!ct_oracle_build(&o, cells, acc, 3, &err));
	acc[1] = INFINITY;
	CHECK(!ct_oracle_build(&o, cells, acc, 3, &err));
	CHECK(!ct_oracle_build(&o, cells, acc, 0, &err));
}

static void
test_budget(void)
{
	ct_oracle	o;
	ct_budget	b;
	double		acc;

	build_sample_oracle(&o, 100);
	ct_budget_init(&b, &o, 3);
	CHECK(ct_budget_query(&b, 5, &acc) && acc == o.acc[5]);
	CHECK(ct_budget_query(&b, 5, &acc) && b.used == 1);	/* a repeat is free */
	CHECK(ct_budget_query(&b, 7, &acc) && ct_budget_query(&b, 9, &acc) && b.used == 3);
	CHECK(!ct_budget_query(&b, 11, &acc) && b.used == 3);	/* spent */
	CHECK(ct_budget_query(&b, 7, &acc));	/* known cells stay readable */
	CHECK(b.log[0] == 5 && b.log[1] == 7 && b.log[2] == 9);
	CHECK(ct_budget_best(&b) == (o.acc[5] >= o.acc[7] && o.acc[5] >= o.acc[9] ? 5 : o.acc[7] >= o.acc[9] ? 7 : 9));
	ct_budget_free(&b);
	ct_oracle_free(&o);
}

static void
test_baselines(void)
{
	ct_oracle	o;
	ct_baseline_options opt = ct_baseline_default_options();
	double		sum_random = 0,
				sum_evolution = 0;
	ct_error	err;

	build_sample_oracle(&o, 5100);
	for (uint64_t seed = 1; seed <= 10; seed++)
	{
		ct_budget	r,
					e,
					e2;

		opt.seed = seed;
		ct_budget_init(&r, &o, 100);
		ct_budget_init(&e, &o, 100);
		ct_budget_init(&e2, &o, 100);
		CHECK(ct_random_search(&r, &opt, NULL, NULL, &err));
		CHECK(ct_evolution_search(&e, &opt, NULL, NULL, &err));
		CHECK(ct_evolution_search(&e2, &opt, NULL, NULL, &err));
		/* the budget is spent exactly, on distinct cells; the same seed, the same search */
		CHECK(r.used == 100 && e.used == 100 && e2.used == 100);
		if (e.used != 100 || e2.used != 100 || r.used != 100)
			continue;
		CHECK(memcmp(e.log, e2.log, sizeof(int64_t) * 100) == 0);
		{
			int			repeats = 0;

			for (int i = 0; i < 100; i++)
				for (int j = i + 1; j < 100; j++)
					repeats += e.log[i] == e.log[j] || r.log[i] == r.log[j];
			CHECK(repeats == 0);
		}
		sum_random += o.acc[ct_budget_best(&r)];
		sum_evolution += o.acc[ct_budget_best(&e)];
		ct_budget_free(&r);
		ct_budget_free(&e);
		ct_budget_free(&e2);
	}
	/* evolution beats random search on average (the sample holds the 100 best cells) */
	CHECK(sum_evolution > sum_random);

	/* the rows' order does not matter: the oracle is kept in cell order */
	{
		static ct_arch rev_cells[5100];
		static double rev_acc[5100];
		ct_oracle	rev;
		ct_budget	a,
					b2;
		bool		same = true;

		for (int i = 0; i < 5100; i++)
		{
			rev_cells[i] = o.cells[5099 - i];
			rev_acc[i] = o.acc[5099 - i];
		}
		CHECK(ct_oracle_build(&rev, rev_cells, rev_acc, 5100, NULL));
		opt.seed = 77;
		ct_budget_init(&a, &o, 50);
		ct_budget_init(&b2, &rev, 50);
		ct_evolution_search(&a, &opt, NULL, NULL, &err);
		ct_evolution_search(&b2, &opt, NULL, NULL, &err);
		for (int i = 0; i < 50; i++)
			same &= ct_arch_eq(&o.cells[a.log[i]], &rev.cells[b2.log[i]]);
		CHECK(same);
		ct_budget_free(&a);
		ct_budget_free(&b2);
		ct_oracle_free(&rev);
	}

	/* space nb101 on a small oracle: NB101 samples the oracle lacks cost nothing; the proposal bound ends it */
	{
		ct_budget	b;

		opt.space = CT_PROPOSE_SPACE, opt.space_id = CT_SPACE_NB101;
		opt.max_proposals = 20000;
		ct_budget_init(&b, &o, 100);
		CHECK(ct_random_search(&b, &opt, NULL, NULL, &err));
		CHECK(b.used < 100);
		ct_budget_free(&b);
	}

	/* options */
	CHECK(ct_baseline_options_from_json("{\"seed\": 3, \"space\": \"nb101\", \"population\": 20, \"tournament\": 5}", &opt, &err));
	CHECK(opt.seed == 3 && opt.space == CT_PROPOSE_SPACE && opt.space_id == CT_SPACE_NB101 && opt.population == 20 && opt.tournament == 5);
	CHECK(!ct_baseline_options_from_json("{\"population\": 5, \"tournament\": 6}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("{\"space\": \"nb999\"}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("{\"seed\": -1}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("{\"seed\": 1e-401}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("{\"population\": 2e1}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("{\"population\": 20.0}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("{\"max_proposals\": 1000000000001}", &opt, &err));
	CHECK(ct_baseline_options_from_json("{\"max_proposals\": 1000000000000}", &opt, &err) && opt.max_proposals == 1000000000000);
	CHECK(!ct_baseline_options_from_json("{\"sede\": 1}", &opt, &err));
	CHECK(!ct_baseline_options_from_json("[]", &opt, &err));
	ct_oracle_free(&o);
}

/*
 * A budget of INT_MAX (or near it) over an oracle of 30 cells: every search
 * ends once the oracle has nothing left to read, with the whole oracle read
 * (the budget is effectively min(budget, oracle size)).
 */
static void
test_huge_budget(void)
{
	ct_oracle	o;
	ct_baseline_options opt = ct_baseline_default_options();
	ct_error	err;
	int			budgets[] = {INT32_MAX, INT32_MAX - 1, INT32_MAX / 1000 + 1, 31};

	build_sample_oracle(&o, 30);
	opt.population = 10;
	opt.tournament = 3;
	for (int k = 0; k < 4; k++)
		for (int space = CT_PROPOSE_ORACLE; space <= CT_PROPOSE_SPACE; space++)
		{
			ct_budget	r,
						e,
						l;
			ct_local_options lo = ct_local_default_options();

			opt.space = space;
			lo.space = space;
			ct_budget_init(&r, &o, budgets[k]);
			ct_budget_init(&e, &o, budgets[k]);
			ct_budget_init(&l, &o, budgets[k]);
			CHECK(ct_random_search(&r, &opt, NULL, NULL, &err));
			CHECK(ct_evolution_search(&e, &opt, NULL, NULL, &err));
			CHECK(ct_local_search(&l, &lo, NULL, NULL, &err));
			/* space nb101 samples rarely hit a 30-cell oracle: its proposal bound ends it */
			CHECK(space == CT_PROPOSE_SPACE || (r.used == 30 && e.used == 30 && l.used == 30));
			CHECK(r.used >= 1 && e.used >= 1 && r.used <= 30 && e.used <= 30);
			CHECK(l.used >= 1 && l.used <= 30);
			ct_budget_free(&r);
			ct_budget_free(&e);
			ct_budget_free(&l);
		}
	ct_oracle_free(&o);
}

/*
 * Whether a local search's queries (all neighbours, init 1) are climbs:
 * from a random cell, the unread neighbours of the current cell (in any
 * order), then a move to the best neighbour when it is better, else a new
 * random cell (a restart, counted).  Needs an oracle without ties (which
 * neighbour a tie moves to depends on the order read).
 */
bool
local_log_is_climbs(const ct_budget *b, int *restarts)
{
	const ct_oracle *o = b->oracle;
	uint8_t    *seen = ct_calloc(o->n, 1);
	ct_arch		nb[CT_SPACE_NEIGHBOURS_MAX];
	int64_t		cur;
	int			i = 1;
	bool		ok = true;

	*restarts = 0;
	if (b->used == 0)
		return ct_free(seen), true;
	cur = b->log[0];
	seen[cur] = 1;
	while (ok && i < b->used)
	{
		int			n = o->space->neighbours(&o->cells[cur], nb, CT_SPACE_NEIGHBOURS_MAX);
		int64_t		rows[CT_SPACE_NEIGHBOURS_MAX];
		int			nrows = 0,
					unread = 0;
		int64_t		best = -1;

		for (int k = 0; k < n; k++)
		{
			int64_t		r = ct_oracle_find(o, &nb[k]);

			if (r < 0)
				continue;
			rows[nrows++] = r;
			unread += !seen[r];
			if (best < 0 || o->acc[r] > o->acc[best])
				best = r;
		}
		/* the next queries: the unread neighbours */
		for (int j = 0; j < unread && i < b->used; j++, i++)
		{
			bool		found = false;

			for (int k = 0; k < nrows; k++)
				found |= rows[k] == b->log[i] && !seen[rows[k]];
			ok &= found;
			seen[b->log[i]] = 1;
		}
		if (!ok || i >= b->used)
			break;
		if (best >= 0 && o->acc[best] > o->acc[cur])
			cur = best;
		else
		{
			(*restarts)++;
			cur = b->log[i++];
			seen[cur] = 1;
		}
	}
	ct_free(seen);
	return ok;
}

static void
test_local_search(void)
{
	ct_oracle	o,
				untied;
	ct_local_options opt = ct_local_default_options();
	ct_baseline_options ro = ct_baseline_default_options();
	ct_error	err;
	double		sum_random = 0,
				sum_local = 0,
				sum_first = 0;
	int			restarts_total = 0,
				differ = 0;
	static double acc[5100];
	static ct_arch cells[5100];

	build_sample_oracle(&o, 5100);
	/* the same cells, accuracies without ties (a tie is broken by the order read) */
	for (int i = 0; i < 5100; i++)
	{
		cells[i] = o.cells[i];
		acc[i] = o.acc[i] + 1e-9 * i;
	}
	CHECK(ct_oracle_build(&untied, cells, acc, 5100, NULL));
	for (uint64_t seed = 1; seed <= 20; seed++)
	{
		ct_budget	l,
					l2,
					r,
					f,
					u;
		int			restarts = -1;

		opt.seed = ro.seed = seed;
		opt.first_improvement = false;
		ct_budget_init(&l, &o, 100);
		ct_budget_init(&l2, &o, 100);
		ct_budget_init(&r, &o, 100);
		ct_budget_init(&f, &o, 100);
		ct_budget_init(&u, &untied, 100);
		CHECK(ct_local_search(&l, &opt, NULL, NULL, &err));
		CHECK(ct_local_search(&l2, &opt, NULL, NULL, &err));
		CHECK(ct_random_search(&r, &ro, NULL, NULL, &err));
		CHECK(ct_local_search(&u, &opt, NULL, NULL, &err));
		opt.first_improvement = true;
		CHECK(ct_local_search(&f, &opt, NULL, NULL, &err));
		/* the budget is spent exactly, on distinct cells; the same seed, the same search */
		CHECK(l.used == 100 && l2.used == 100 && f.used == 100 && u.used == 100);
		if (l.used != 100 || l2.used != 100 || f.used != 100 || u.used != 100)
			continue;
		CHECK(memcmp(l.log, l2.log, sizeof(int64_t) * 100) == 0);
		differ += memcmp(l.log, f.log, sizeof(int64_t) * 100) != 0;
		{
			int			repeats = 0;

			for (int i = 0; i < 100; i++)
				for (int j = i + 1; j < 100; j++)
					repeats += l.log[i] == l.log[j] || f.log[i] == f.log[j];
			CHECK(repeats == 0);
		}
		/* climbs, and restarts at local optima */
		CHECK(local_log_is_climbs(&u, &restarts));
		restarts_total += restarts;
		sum_random += o.acc[ct_budget_best(&r)];
		sum_local += o.acc[ct_budget_best(&l)];
		sum_first += o.acc[ct_budget_best(&f)];
		ct_budget_free(&l);
		ct_budget_free(&l2);
		ct_budget_free(&r);
		ct_budget_free(&f);
		ct_budget_free(&u);
	}
	/*
	 * On the sample (5,100 of NAS-Bench-101's cells) most neighbours lie
	 * outside the oracle: climbs are short and restarts many.  Still, over 20
	 * seeds local search finds better cells than random search (94.26 % vs
	 * 94.19 % on average), and first improvement too (94.28 %).
	 */
	CHECK(restarts_total > 20);
	CHECK(differ > 0);
	CHECK(sum_local > sum_random);
	CHECK(sum_first > sum_random);

	/* the rows' order does not matter */
	{
		static ct_arch rev_cells[5100];
		static double rev_acc[5100];
		ct_oracle	rev;
		ct_budget	a,
					b2;
		bool		same = true;

		for (int i = 0; i < 5100; i++)
		{
			rev_cells[i] = o.cells[5099 - i];
			rev_acc[i] = o.acc[5099 - i];
		}
		CHECK(ct_oracle_build(&rev, rev_cells, rev_acc, 5100, NULL));
		opt = ct_local_default_options();
		opt.seed = 77;
		ct_budget_init(&a, &o, 50);
		ct_budget_init(&b2, &rev, 50);
		CHECK(ct_local_search(&a, &opt, NULL, NULL, &err) && ct_local_search(&b2, &opt, NULL, NULL, &err));
		for (int i = 0; i < 50 && a.used == 50 && b2.used == 50; i++)
			same &= ct_arch_eq(&o.cells[a.log[i]], &rev.cells[b2.log[i]]);
		CHECK(same && a.used == 50 && b2.used == 50);
		ct_budget_free(&a);
		ct_budget_free(&b2);
		ct_oracle_free(&rev);
	}

	/* init: the first climb starts from the best of init random cells, read first */
	{
		ct_budget	a;
		int64_t		best = -1;

		opt = ct_local_default_options();
		opt.seed = 5;
		opt.init = 10;
		ct_budget_init(&a, &untied, 60);
		CHECK(ct_local_search(&a, &opt, NULL, NULL, &err) && a.used == 60);
		for (int i = 0; i < 10; i++)
			if (best < 0 || untied.acc[a.log[i]] > untied.acc[best])
				best = a.log[i];
		/* the 11th query is a neighbour of that best cell, if it has one in the oracle besides the 10 */
		{
			ct_arch		nb[CT_SPACE_NEIGHBOURS_MAX];
			int			n = ct_space_nb101.neighbours(&untied.cells[best], nb, CT_SPACE_NEIGHBOURS_MAX);
			int			unread = 0;
			bool		next_is_neighbour = false;

			for (int k = 0; k < n; k++)
			{
				int64_t		r = ct_oracle_find(&untied, &nb[k]);
				bool		initial = false;

				for (int i = 0; i < 10; i++)
					initial |= r == a.log[i];
				unread += r >= 0 && !initial;
				next_is_neighbour |= r >= 0 && r == a.log[10];
			}
			CHECK(unread == 0 || next_is_neighbour);
		}
		ct_budget_free(&a);
	}

	/* space nb101 on a small oracle: (re)starts the oracle lacks cost nothing; the proposal bound ends it */
	{
		ct_budget	b;

		opt = ct_local_default_options();
		opt.space = CT_PROPOSE_SPACE, opt.space_id = CT_SPACE_NB101;
		opt.max_proposals = 20000;
		ct_budget_init(&b, &o, 100);
		CHECK(ct_local_search(&b, &opt, NULL, NULL, &err));
		CHECK(b.used < 100);
		ct_budget_free(&b);
		opt.space_id = CT_SPACE_NB201;
		ct_budget_init(&b, &o, 100);
		CHECK(!ct_local_search(&b, &opt, NULL, NULL, &err) && b.used == 0);
		ct_budget_free(&b);
	}

	/* options */
	CHECK(ct_local_options_from_json("{\"seed\": 3, \"space\": \"nb101\", \"init\": 10, \"first_improvement\": true, \"max_proposals\": 50}", &opt, &err));
	CHECK(opt.seed == 3 && opt.space == CT_PROPOSE_SPACE && opt.space_id == CT_SPACE_NB101 && opt.init == 10 &&
		  opt.first_improvement && opt.max_proposals == 50);
	CHECK(ct_local_options_from_json("{}", &opt, &err) && opt.init == 1 && !opt.first_improvement && opt.space == CT_PROPOSE_ORACLE);
	CHECK(!ct_local_options_from_json("{\"init\": 0}", &opt, &err) && strstr(err.detail, "\"init\"") != NULL);
	CHECK(!ct_local_options_from_json("{\"init\": 2.5}", &opt, &err));
	CHECK(!ct_local_options_from_json("{\"first_improvement\": 1}", &opt, &err) && strstr(err.detail, "true or false") != NULL);
	CHECK(!ct_local_options_from_json("{\"population\": 10}", &opt, &err) && strstr(err.detail, "first_improvement") != NULL);
	CHECK(!ct_local_options_from_json("{\"space\": \"nb999\"}", &opt, &err));
	CHECK(!ct_local_options_from_json("[]", &opt, &err));
	ct_oracle_free(&untied);
	ct_oracle_free(&o);
}

void
test_search(void)
{
	CHECK(sample_csv_read("data/nb101_sample.csv", rows, 5100) == 5100);
	test_oracle();
	test_budget();
	test_baselines();
	test_huge_budget();
	test_local_search();
}
