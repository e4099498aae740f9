/*
 * test_space_nb201.c
 *	  NAS-Bench-201 through the generic interface: text input finds it, the
 *	  NAC trains on its cells, every search runs on an NB201 oracle, and
 *	  spaces never mix (oracle, trainer, proposals).
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>

#include "ctnas_alloc.h"
#include "ctnas_controller.h"
#include "ctnas_nb201.h"
#include "ctnas_search.h"
#include "ctnas_space.h"
#include "sample_csv.h"

extern bool local_log_is_climbs(const ct_budget *b, int *restarts);	/* test_search.c */

/*
 * A made-up accuracy with the structure of NB201's: convolutions help, none
 * on the paths to the output hurts; plus a small deterministic wiggle.
 */
static double
toy_acc(const ct_nb201_cell *c)
{
	static const double op_gain[5] = {-3.0, 0.5, 1.5, 2.5, 0.2};
	double		acc = 80.0;

	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		acc += op_gain[c->ops[e]] * (ct_nb201_edge_to[e] == 3 ? 1.5 : 1.0);
	return acc + 0.01 * (ct_nb201_code(c) % 97);
}

static void
all_cells(ct_arch *cells, double *acc)
{
	for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
	{
		ct_nb201_cell c;

		CHECK(ct_space_nb201.nth(i, &cells[i]));
		CHECK(ct_nb201_from_index(i, &c, NULL));
		acc[i] = toy_acc(&c);
	}
}

static void
test_text(void)
{
	const char *s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
	ct_arch		a,
				b,
				c;
	ct_error	err;
	char		text[CT_ARCH_TEXT_MAX];

	CHECK(ct_arch_parse(s, &a, &err));
	CHECK(a.space == CT_SPACE_NB201 && ct_space_nb201.valid(&a));
	ct_arch_to_text(&a, text, sizeof(text));
	CHECK_STR(text, s);
	CHECK(ct_arch_parse("{\"space\": \"nb201\", \"arch\": \"|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|\"}", &b, &err));
	CHECK(ct_arch_eq(&a, &b));
	CHECK(ct_arch_parse("{\"space\": \"nb201\", \"ops\": [\"nor_conv_3x3\", \"nor_conv_3x3\", \"avg_pool_3x3\", \"skip_connect\", \"nor_conv_3x3\", \"skip_connect\"]}", &c, &err));
	CHECK(ct_arch_eq(&a, &c));
	/* leading white space is fine, as for JSON; a broken string is that parser's error */
	CHECK(ct_arch_parse("  |none~0|+|none~0|none~1|+|none~0|none~1|none~2|", &b, &err));
	CHECK(!ct_arch_parse("|nor_conv_3x3~0|+|bogus~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", &b, &err) &&
		  err.kind == CT_ERR_SYNTAX && strstr(err.detail, "bogus") != NULL);
	/* an NB201 object without "space" is not NB201's: NAS-Bench-101's error for it */
	CHECK(!ct_arch_parse("{\"arch\": \"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\"}", &b, &err));
	/* the order is the benchmark's index order; spaces order before each other by id */
	{
		ct_arch		first,
					second,
					nb101;

		CHECK(ct_space_nb201.nth(0, &first) && ct_space_nb201.nth(1, &second));
		CHECK(ct_arch_cmp(&first, &second) < 0);
		CHECK(ct_arch_parse("{\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"output\"]}", &nb101, &err));
		CHECK(ct_arch_cmp(&nb101, &first) < 0);
	}
	/* canonical: the class representative; isomorphic cells stay distinct values */
	{
		ct_arch		x,
					y,
					cx,
					cy;

		CHECK(ct_arch_parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", &x, &err));
		CHECK(ct_arch_parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|", &y, &err));
		ct_space_nb201.canonical(&x, &cx);
		ct_space_nb201.canonical(&y, &cy);
		CHECK(!ct_arch_eq(&x, &y));
		CHECK(ct_space_nb201.valid(&cx) && ct_space_nb201.valid(&cy));
	}
}

static void
test_controller_program(void)
{
	ct_controller c;
	ct_rng		rng;
	int			seen[CT_NB201_NUM_CELLS / 8] = {0};
	int			distinct = 0;

	ct_controller_alloc(&c, ct_space_nb201.program);
	/* one op table of 5, the LSTM, one head of 5 */
	CHECK(c.nparams == 5 * 64 + 2 * 256 * 64 + 2 * 256 + 5 * 65);
	CHECK(c.group[0].emb_attn == NULL);
	ct_controller_init(&c, 9);
	ct_rng_seed(&rng, 10);
	for (int i = 0; i < 2000; i++)
	{
		ct_ctrl_sample s,
					r;
		ct_arch		a;

		ct_controller_sample(&c, &rng, false, &s);
		CHECK(s.nsteps == 6);
		CHECK(ct_controller_arch(&c, s.actions, &a, NULL) && ct_space_nb201.valid(&a));
		ct_controller_replay(&c, s.actions, &r);
		CHECK(fabs(r.logp - s.logp) < 1e-12);
		{
			int			idx = (a.bytes[0] << 8 | a.bytes[1]) / 8;

			distinct += !seen[idx];
			seen[idx] = 1;
		}
	}
	CHECK(distinct > 1000);		/* a fresh controller spreads over the space */
	ct_controller_free(&c);
}

static void
test_nac_and_mixing(const ct_arch *cells, const double *acc)
{
	ct_nac_options opt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
	ct_arch		train[300],
				mixed[3];
	double		tacc[300];
	ct_nac		m;
	ct_nac_stats st;
	ct_error	err;
	ct_nac_batch *bt;
	int			agree = 0,
				pairs = 0;
	uint8_t    *blob;
	ct_nac		back;

	for (int i = 0; i < 300; i++)
	{
		train[i] = cells[(i * 52) % CT_NB201_NUM_CELLS];
		tacc[i] = acc[(i * 52) % CT_NB201_NUM_CELLS];
	}
	opt.epochs = 60;
	opt.seed = 3;
	CHECK(ct_nac_train(train, tacc, 300, &opt, &m, &st, NULL, NULL, &err));
	CHECK(m.shape.slots == 8 && ct_nac_shape_space(&m.shape) == &ct_space_nb201);
	bt = ct_nac_batch_create(&m.shape);
	for (int i = 0; i < 400; i++)
	{
		int			x = (i * 37 + 11) % CT_NB201_NUM_CELLS,
					y = (i * 101 + 5) % CT_NB201_NUM_CELLS;

		if (acc[x] == acc[y])
			continue;
		pairs++;
		agree += (ct_nac_compare(&m, bt, &cells[x], &cells[y]) > 0.5) == (acc[x] > acc[y]);
	}
	CHECK(agree > pairs * 8 / 10);	/* it learns the toy accuracy's order */
	/* the blob says nb201 and reads back */
	blob = ct_malloc(ct_nac_blob_size(&m));
	ct_nac_blob_write(&m, &opt, &st, blob);
	CHECK(blob[12] == CT_SPACE_NB201);
	CHECK(ct_nac_blob_read(blob, ct_nac_blob_size(&m), &back, NULL, NULL, &err));
	CHECK(back.nparams == m.nparams && memcmp(back.params, m.params, 4 * m.nparams) == 0);
	blob[12] = CT_SPACE_NB101;
	CHECK(!ct_nac_blob_read(blob, ct_nac_blob_size(&m), &back, NULL, NULL, &err));	/* (its checksum too) */
	ct_free(blob);
	ct_nac_free(&back);
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);

	/* spaces do not mix: in training, in an oracle */
	mixed[0] = cells[0];
	mixed[1] = cells[1];
	CHECK(ct_arch_parse("{\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"output\"]}", &mixed[2], &err));
	{
		double		macc[3] = {1, 2, 3};
		ct_oracle	o;

		CHECK(!ct_nac_train(mixed, macc, 3, &opt, &m, &st, NULL, NULL, &err) &&
			  strstr(err.message, "mix search spaces") != NULL);
		CHECK(!ct_oracle_build(&o, mixed, macc, 3, &err) && strstr(err.message, "mixes search spaces") != NULL);
	}
}

static void
test_searches(const ct_arch *cells, const double *acc)
{
	ct_oracle	o;
	ct_baseline_options bo = ct_baseline_default_options();
	ct_error	err;
	double		best = -INFINITY;

	for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
		best = fmax(best, acc[i]);
	CHECK(ct_oracle_build(&o, cells, acc, CT_NB201_NUM_CELLS, &err));
	CHECK(o.space == &ct_space_nb201);
	for (int proposals = CT_PROPOSE_ORACLE; proposals <= CT_PROPOSE_SPACE; proposals++)
	{
		ct_budget	r,
					e;

		bo.seed = 5;
		bo.space = proposals;
		bo.space_id = proposals == CT_PROPOSE_SPACE ? CT_SPACE_NB201 : 0;
		ct_budget_init(&r, &o, 100);
		ct_budget_init(&e, &o, 100);
		CHECK(ct_random_search(&r, &bo, NULL, NULL, &err) && r.used == 100);
		CHECK(ct_evolution_search(&e, &bo, NULL, NULL, &err) && e.used == 100);
		ct_budget_free(&r);
		ct_budget_free(&e);
	}
	/*
	 * Local search on the whole space: climbs (checked on accuracies made
	 * tie-free), restarts at local optima, and better cells than random
	 * search at 100 queries; a random search's queries are no climbs.
	 */
	{
		ct_arch    *ucells = ct_malloc(sizeof(ct_arch) * CT_NB201_NUM_CELLS);
		double	   *uacc = ct_malloc(sizeof(double) * CT_NB201_NUM_CELLS);
		ct_oracle	u;
		double		sum_local = 0,
					sum_random = 0;
		int			restarts_total = 0,
					first_differs = 0;

		for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
		{
			ucells[i] = cells[i];
			uacc[i] = acc[i] + 1e-9 * i;
		}
		CHECK(ct_oracle_build(&u, ucells, uacc, CT_NB201_NUM_CELLS, &err));
		for (uint64_t seed = 1; seed <= 10; seed++)
		{
			ct_local_options lo = ct_local_default_options();
			ct_budget	l,
						f,
						r;
			int			restarts = 0;

			lo.seed = bo.seed = seed;
			bo.space = CT_PROPOSE_ORACLE;
			bo.space_id = 0;
			ct_budget_init(&l, &u, 300);
			ct_budget_init(&f, &u, 300);
			ct_budget_init(&r, &u, 100);
			CHECK(ct_local_search(&l, &lo, NULL, NULL, &err) && l.used == 300);
			lo.first_improvement = true;
			CHECK(ct_local_search(&f, &lo, NULL, NULL, &err) && f.used == 300);
			CHECK(ct_random_search(&r, &bo, NULL, NULL, &err) && r.used == 100);
			CHECK(local_log_is_climbs(&l, &restarts));
			restarts_total += restarts;
			first_differs += memcmp(l.log, f.log, sizeof(int64_t) * 300) != 0;
			if (seed == 1)
			{
				int			unused;

				CHECK(!local_log_is_climbs(&r, &unused));
			}
			/* the best after 100 queries */
			{
				int64_t		best = -1;

				for (int i = 0; i < 100; i++)
					if (best < 0 || u.acc[l.log[i]] > u.acc[best])
						best = l.log[i];
				sum_local += u.acc[best];
			}
			sum_random += u.acc[ct_budget_best(&r)];
			ct_budget_free(&l);
			ct_budget_free(&f);
			ct_budget_free(&r);
		}
		CHECK(restarts_total > 0);
		CHECK(first_differs == 10);
		CHECK(sum_local > sum_random);
		/* space nb201: (re)starts from the space's sampler, every one in this oracle */
		{
			ct_local_options lo = ct_local_default_options();
			ct_budget	a;

			lo.seed = 3;
			lo.space = CT_PROPOSE_SPACE;
			lo.space_id = CT_SPACE_NB201;
			ct_budget_init(&a, &o, 100);
			CHECK(ct_local_search(&a, &lo, NULL, NULL, &err) && a.used == 100);
			ct_budget_free(&a);
		}
		ct_oracle_free(&u);
		ct_free(ucells);
		ct_free(uacc);
	}
	/* proposals from another space than the oracle's: an error */
	{
		ct_budget	r;

		bo.space = CT_PROPOSE_SPACE;
		bo.space_id = CT_SPACE_NB101;
		ct_budget_init(&r, &o, 10);
		CHECK(!ct_random_search(&r, &bo, NULL, NULL, &err) && strstr(err.message, "not the oracle's") != NULL);
		CHECK(r.used == 0);
		ct_budget_free(&r);
	}
	/* the CTNAS search, both recipes, and a checkpoint resumed mid-way gives the same */
	for (int recipe = CT_CTNAS_RECIPE_PAPER; recipe <= CT_CTNAS_RECIPE_DEFAULT; recipe++)
	{
		ct_ctnas_options opt = ct_ctnas_recipe_options(recipe);
		ct_budget	b1,
					b2;
		ct_ctnas_search *s1,
				   *s2;
		ct_arch		f1,
					f2;
		int64_t		row1,
					row2;
		double		sc1,
					sc2;
		uint8_t    *ck = NULL;
		size_t		len = 0;
		int			step = 0;

		opt.seed = 7;
		opt.nac.epochs = 20;
		if (recipe == CT_CTNAS_RECIPE_PAPER)
		{
			opt.iterations = 300;
			opt.derive_every = 100;
			opt.pseudo_every = 100;
		}
		else
		{
			opt.first = 20;
			opt.rounds = 4;
		}
		ct_budget_init(&b1, &o, 60);
		s1 = ct_ctnas_create(&b1, &opt, NULL, &err);
		CHECK(s1 != NULL);
		while (s1 && !ct_ctnas_done(s1))
		{
			CHECK(ct_ctnas_step(s1, NULL, NULL, &err));
			/* (paper: late, with pseudo-labelled pairs in the pool, whose NB201 pairs are small) */
			if (++step == (recipe == CT_CTNAS_RECIPE_PAPER ? 250 : 15))
				ck = ct_ctnas_save(s1, &len);
		}
		CHECK(s1 && ct_ctnas_final(s1, &f1, &row1, &sc1));
		CHECK(b1.used == 60 && ct_space_nb201.valid(&f1));
		ct_budget_init(&b2, &o, 60);
		s2 = ck ? ct_ctnas_restore(&b2, ck, len, &err) : NULL;
		CHECK(s2 != NULL);
		if (s2)
		{
			CHECK(ct_ctnas_run(s2, NULL, NULL, &err));
			CHECK(ct_ctnas_final(s2, &f2, &row2, &sc2));
			CHECK(ct_arch_eq(&f1, &f2) && row1 == row2 && sc1 == sc2 &&
				  memcmp(b1.log, b2.log, sizeof(int64_t) * 60) == 0);
		}
		/* it finds good cells of the toy space: better than the median */
		CHECK(row1 < 0 || o.acc[row1] > 80.0);
		ct_free(ck);
		ct_ctnas_destroy(s1);
		ct_ctnas_destroy(s2);
		ct_budget_free(&b1);
		ct_budget_free(&b2);
	}
	ct_oracle_free(&o);
}

void
test_space_nb201(void)
{
	ct_arch    *cells = ct_malloc(sizeof(ct_arch) * CT_NB201_NUM_CELLS);
	double	   *acc = ct_malloc(sizeof(double) * CT_NB201_NUM_CELLS);

	all_cells(cells, acc);
	test_text();
	test_controller_program();
	test_nac_and_mixing(cells, acc);
	test_searches(cells, acc);
	ct_free(cells);
	ct_free(acc);
}
