/*
 * test_ctnas_search.c
 *	  The CTNAS search (both recipes) on the shipped sample: exact budget,
 *	  determinism, checkpoint and resume equal to an uninterrupted run,
 *	  damaged checkpoints, options, a starting NAC.
 */
#include <string.h>

#include "unit.h"

#include <math.h>

#include "ctnas_alloc.h"
#include "ctnas_search.h"
#include "darts_csv.h"
#include "ofa_csv.h"
#include "sample_csv.h"

extern sample_row rows[5100];
extern void build_sample_oracle(ct_oracle *o, int n);

/* Small settings, so the whole file runs in seconds. */
static ct_ctnas_options
small_options(int recipe, uint64_t seed)
{
	ct_ctnas_options o = ct_ctnas_recipe_options(recipe);

	o.seed = seed;
	o.nac.seed = seed;
	o.nac.epochs = recipe == CT_CTNAS_RECIPE_PAPER ? 20 : 40;
	o.iterations = 240;
	o.derive_every = 50;
	o.pseudo_every = 40;
	o.pseudo_first = 32;
	o.pseudo_pairs = 16;
	o.first = 20;
	o.rounds = 3;
	return o;
}

typedef struct outcome
{
	int			used;
	int64_t		log[200];
	ct_arch		final;
	int64_t		row;
	double		score;
	float		w[8];			/* a few NAC weights */
	int			nlisted;		/* the option "list" */
	ct_arch		listed[8];
	double		listed_score[8];
} outcome;

static void
take_outcome(ct_ctnas_search *s, const ct_budget *b, outcome *out)
{
	ct_nac_options mo;
	ct_nac_stats ms;
	const ct_nac *m;

	memset(out, 0, sizeof(*out));
	out->used = b->used;
	for (int i = 0; i < b->used && i < 200; i++)
		out->log[i] = b->log[i];
	CHECK(ct_ctnas_final(s, &out->final, &out->row, &out->score));
	m = ct_ctnas_model(s, &mo, &ms);
	CHECK(m != NULL);
	/* the model says what training it had (a saved model said 0 steps, loss 0) */
	CHECK(ms.rows > 0 && ms.steps > 0 && ms.final_loss > 0);
	for (int i = 0; m != NULL && i < 8; i++)
		out->w[i] = m->params[(size_t) i * (m->nparams / 8)];
	{
		ct_error	err;

		out->nlisted = ct_ctnas_list(s, out->listed, out->listed_score, 8, &err);
		CHECK(out->nlisted >= 0);
	}
}

static bool
same_outcome(const outcome *a, const outcome *b)
{
	return a->used == b->used && memcmp(a->log, b->log, sizeof(a->log)) == 0 &&
		ct_arch_eq(&a->final, &b->final) && a->row == b->row &&
		a->score == b->score && memcmp(a->w, b->w, sizeof(a->w)) == 0 &&
		a->nlisted == b->nlisted && memcmp(a->listed, b->listed, sizeof(a->listed)) == 0 &&
		memcmp(a->listed_score, b->listed_score, sizeof(a->listed_score)) == 0;
}

static void
run_straight(const ct_oracle *o, const ct_ctnas_options *opt, int budget, outcome *out)
{
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;

	ct_ctnas_progress p;
	int64_t		planned;

	ct_budget_init(&b, o, budget);
	s = ct_ctnas_create(&b, opt, NULL, &err);
	CHECK(s != NULL);
	ct_ctnas_get_progress(s, &p);
	planned = p.total_steps;
	CHECK(ct_ctnas_run(s, NULL, NULL, &err));
	CHECK(ct_ctnas_done(s));
	/* the planned number of steps (progress reports say "step X of Y"): exact for the paper recipe; the default may end early */
	ct_ctnas_get_progress(s, &p);
	CHECK(opt->recipe == CT_CTNAS_RECIPE_PAPER ? p.steps == planned : p.steps <= planned);
	CHECK(p.total_steps == p.steps);
	take_outcome(s, &b, out);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
}

/* The same search, saved every `every` steps and continued from the checkpoint in a new state. */
static void
run_resumed(const ct_oracle *o, const ct_ctnas_options *opt, int budget, int every, outcome *out)
{
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;
	int			resumes = 0;

	ct_budget_init(&b, o, budget);
	s = ct_ctnas_create(&b, opt, NULL, &err);
	while (s != NULL && !ct_ctnas_done(s))
	{
		for (int k = 0; k < every && !ct_ctnas_done(s); k++)
			CHECK(ct_ctnas_step(s, NULL, NULL, &err));
		{
			size_t		len;
			uint8_t    *buf = ct_ctnas_save(s, &len);

			ct_ctnas_destroy(s);
			ct_budget_free(&b);
			ct_budget_init(&b, o, budget);
			s = ct_ctnas_restore(&b, buf, len, &err);
			CHECK(s != NULL);
			if (s == NULL) fprintf(stderr, "restore: %s %s\n", err.message, err.detail);
			ct_free(buf);
			resumes++;
		}
	}
	CHECK(resumes > 2);
	if (s != NULL)
		take_outcome(s, &b, out);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
}

static void
test_default_recipe(const ct_oracle *o)
{
	ct_baseline_options ropt = ct_baseline_default_options();
	double		sum_ctnas = 0,
				sum_random = 0;

	for (uint64_t seed = 1; seed <= 5; seed++)
	{
		ct_ctnas_options opt = small_options(CT_CTNAS_RECIPE_DEFAULT, seed);
		outcome		a;
		ct_budget	r;
		int			repeats = 0;
		int64_t		best = -1;

		run_straight(o, &opt, 100, &a);
		CHECK(a.used == 100);
		for (int i = 0; i < a.used; i++)
		{
			for (int j = i + 1; j < a.used; j++)
				repeats += a.log[i] == a.log[j];
			if (best < 0 || o->acc[a.log[i]] > o->acc[best])
				best = a.log[i];
		}
		CHECK(repeats == 0);
		/* the default's final cell is the best queried one */
		CHECK(a.row == best);
		CHECK(isfinite(a.score));
		sum_ctnas += o->acc[a.row];
		ropt.seed = seed;
		ct_budget_init(&r, o, 100);
		CHECK(ct_random_search(&r, &ropt, NULL, NULL, NULL));
		sum_random += o->acc[ct_budget_best(&r)];
		ct_budget_free(&r);
	}
	CHECK(sum_ctnas > sum_random);
}

static void
test_paper_recipe(const ct_oracle *o)
{
	ct_ctnas_options opt = small_options(CT_CTNAS_RECIPE_PAPER, 7);
	outcome		a,
				b;
	ct_budget	bud;
	ct_error	err;
	ct_ctnas_search *s;
	ct_ctnas_progress p;

	run_straight(o, &opt, 60, &a);
	/* the whole budget goes on the NAC's training cells; the final cell is inside the oracle */
	CHECK(a.used == 60);
	CHECK(a.row >= 0);
	run_straight(o, &opt, 60, &b);
	CHECK(same_outcome(&a, &b));
	opt.seed = 8;
	opt.nac.seed = 8;
	run_straight(o, &opt, 60, &b);
	CHECK(!same_outcome(&a, &b));

	/* steps: pre-training epochs, then iterations */
	opt = small_options(CT_CTNAS_RECIPE_PAPER, 7);
	ct_budget_init(&bud, o, 60);
	s = ct_ctnas_create(&bud, &opt, NULL, &err);
	CHECK(ct_ctnas_step(s, NULL, NULL, &err));
	ct_ctnas_get_progress(s, &p);
	CHECK_STR(p.phase, "pretrain");
	CHECK(p.queries == 60);
	for (int i = 0; i < opt.nac.epochs; i++)
		CHECK(ct_ctnas_step(s, NULL, NULL, &err));
	ct_ctnas_get_progress(s, &p);
	CHECK_STR(p.phase, "search");
	CHECK(p.iteration == 0);
	CHECK(ct_ctnas_run(s, NULL, NULL, &err));
	ct_ctnas_get_progress(s, &p);
	CHECK_STR(p.phase, "done");
	CHECK(p.iteration == opt.iterations);
	CHECK(p.steps == 1 + opt.nac.epochs + opt.iterations);
	CHECK(bud.used == 60);
	ct_ctnas_destroy(s);
	ct_budget_free(&bud);

	/* space nb101: the champion may lie outside the oracle, and nothing outside is queried */
	opt.space = CT_PROPOSE_SPACE, opt.space_id = CT_SPACE_NB101;
	run_straight(o, &opt, 60, &b);
	CHECK(b.used == 60);
}

static void
test_resume(const ct_oracle *o)
{
	for (int recipe = CT_CTNAS_RECIPE_PAPER; recipe <= CT_CTNAS_RECIPE_DEFAULT; recipe++)
	{
		ct_ctnas_options opt = small_options(recipe, 3);
		outcome		a,
					b;

		run_straight(o, &opt, 60, &a);
		run_resumed(o, &opt, 60, recipe == CT_CTNAS_RECIPE_PAPER ? 37 : 9, &b);
		CHECK(same_outcome(&a, &b));
	}
	/* a NAC that averages its weights (checkpoint version 5: the sums mid-round too) */
	{
		ct_ctnas_options opt = small_options(CT_CTNAS_RECIPE_DEFAULT, 3);
		outcome		plain,
					a,
					b;

		run_straight(o, &opt, 60, &plain);
		opt.nac.average = 50;
		run_straight(o, &opt, 60, &a);
		run_resumed(o, &opt, 60, 9, &b);
		CHECK(same_outcome(&a, &b));
		CHECK(memcmp(plain.w, a.w, sizeof(a.w)) != 0);
		/* a model saved while its round trains is not an average; a finished round's is */
		{
			ct_budget	bu;
			ct_error	err;
			ct_ctnas_search *s;
			ct_nac_options mo;
			ct_nac_stats ms;
			bool		seen_training = false,
						seen_finished = false;

			ct_budget_init(&bu, o, 60);
			s = ct_ctnas_create(&bu, &opt, NULL, &err);
			while (s != NULL && !ct_ctnas_done(s) && ct_ctnas_step(s, NULL, NULL, &err))
				if (ct_ctnas_model(s, &mo, &ms) != NULL)
				{
					if (ms.epochs > 0 && ms.epochs < (uint32_t) opt.nac.epochs)
					{
						seen_training = true;
						CHECK(mo.average == 0);
					}
					else if (ms.epochs == (uint32_t) opt.nac.epochs)
					{
						seen_finished = true;
						CHECK(mo.average == 50);
					}
				}
			CHECK(seen_training && seen_finished);
			ct_ctnas_destroy(s);
			ct_budget_free(&bu);
		}
	}
}

static void
test_damaged_checkpoint(const ct_oracle *o)
{
	ct_ctnas_options opt = small_options(CT_CTNAS_RECIPE_PAPER, 5);
	ct_budget	b,
				fresh;
	ct_error	err;
	ct_ctnas_search *s;
	size_t		len;
	uint8_t    *buf;
	ct_oracle	other;

	ct_budget_init(&b, o, 60);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	for (int i = 0; i < 60; i++)
		CHECK(ct_ctnas_step(s, NULL, NULL, &err));
	buf = ct_ctnas_save(s, &len);
	CHECK(len > 100000);		/* the controller and two NAC copies (weights, Adam) */

	/* its options can be read without building anything (a restore's memory is checked first) */
	{
		ct_ctnas_options saved;

		memset(&saved, 0, sizeof(saved));
		CHECK(ct_ctnas_checkpoint_options(buf, len, &saved, &err));
		CHECK(saved.recipe == opt.recipe && saved.seed == opt.seed && saved.iterations == opt.iterations &&
			  saved.pseudo_first == opt.pseudo_first && saved.pseudo_pairs == opt.pseudo_pairs &&
			  saved.nac.width == opt.nac.width && saved.nac.epochs == opt.nac.epochs);
		buf[40] ^= 1;			/* in the options: the checksum no longer holds */
		CHECK(!ct_ctnas_checkpoint_options(buf, len, &saved, &err));
		buf[40] ^= 1;
		CHECK(!ct_ctnas_checkpoint_options(buf, 12, &saved, &err));
	}

	ct_budget_init(&fresh, o, 60);
	/* every single flipped byte, at a stride: an error, and the budget stays fresh */
	for (size_t at = 0; at < len; at += len / 97 + 1)
	{
		buf[at] ^= 0x5a;
		CHECK(ct_ctnas_restore(&fresh, buf, len, &err) == NULL);
		CHECK(fresh.used == 0);
		buf[at] ^= 0x5a;
	}
	for (size_t cut = 0; cut < len; cut += len / 13 + 1)
		CHECK(ct_ctnas_restore(&fresh, buf, cut, &err) == NULL);
	CHECK(fresh.used == 0);
	ct_budget_free(&fresh);

	/* another oracle (one cell fewer) */
	build_sample_oracle(&other, 5099);
	ct_budget_init(&fresh, &other, 60);
	CHECK(ct_ctnas_restore(&fresh, buf, len, &err) == NULL);
	CHECK(strstr(err.message, "another oracle") != NULL);
	ct_budget_free(&fresh);
	ct_oracle_free(&other);

	/* a phase of the other recipe, with a valid checksum: refused (it would never end) */
	{
		ct_ctnas_options dopt = small_options(CT_CTNAS_RECIPE_DEFAULT, 5);
		ct_budget	db;
		ct_ctnas_search *ds;
		size_t		dlen;
		uint8_t    *dbuf;
		uint32_t	crc;
		const size_t phase_at = 16 + 140;	/* header, options */

		ct_budget_init(&db, o, 60);
		ds = ct_ctnas_create(&db, &dopt, NULL, &err);
		CHECK(ct_ctnas_step(ds, NULL, NULL, &err));
		dbuf = ct_ctnas_save(ds, &dlen);
		CHECK(dbuf[phase_at] == 3);	/* PH_TRAIN */
		dbuf[phase_at] = 2;		/* PH_SEARCH, a phase of recipe "paper" */
		crc = ct_crc32(dbuf, dlen - 4);
		for (int i = 0; i < 4; i++)
			dbuf[dlen - 4 + i] = (uint8_t) (crc >> (8 * i));
		ct_budget_init(&fresh, o, 60);
		CHECK(ct_ctnas_restore(&fresh, dbuf, dlen, &err) == NULL);
		CHECK(fresh.used == 0);
		/* the same edit back to its own phase restores: the checksum was done right */
		dbuf[phase_at] = 3;
		crc = ct_crc32(dbuf, dlen - 4);
		for (int i = 0; i < 4; i++)
			dbuf[dlen - 4 + i] = (uint8_t) (crc >> (8 * i));
		ds = (ct_ctnas_destroy(ds), ct_ctnas_restore(&fresh, dbuf, dlen, &err));
		CHECK(ds != NULL);
		ct_ctnas_destroy(ds);
		ct_budget_free(&fresh);
		ct_budget_free(&db);
		ct_free(dbuf);
	}

	/* intact: restores */
	ct_budget_init(&fresh, o, 60);
	ct_ctnas_destroy(ct_ctnas_restore(&fresh, buf, len, &err));
	CHECK(fresh.used == 60);
	ct_budget_free(&fresh);
	ct_free(buf);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
}

static void
test_options(void)
{
	ct_ctnas_options opt;
	ct_error	err;

	CHECK(ct_ctnas_options_from_json("{}", &opt, &err));
	CHECK(opt.recipe == CT_CTNAS_RECIPE_DEFAULT && opt.nac.epochs == 300 && opt.rounds == CT_CTNAS_ROUNDS_AUTO &&
		  opt.first == CT_CTNAS_FIRST_AUTO);
	/* given, they are kept as written (the schedule does not touch them) */
	CHECK(ct_ctnas_options_from_json("{\"first\": 100, \"rounds\": 4}", &opt, &err));
	CHECK(opt.first == 100 && opt.rounds == 4);
	CHECK(ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"seed\": 12}", &opt, &err));
	CHECK(opt.recipe == CT_CTNAS_RECIPE_PAPER && opt.iterations == 10000 && opt.nac.epochs == 1000 &&
		  opt.nac.recipe == CT_NAC_RECIPE_PAPER && opt.seed == 12 && opt.nac.seed == 12);
	/* the "nac" object keeps the search recipe's NAC recipe and epochs unless it names its own */
	CHECK(ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"nac\": {\"lr\": 0.001}}", &opt, &err));
	CHECK(opt.nac.recipe == CT_NAC_RECIPE_PAPER && opt.nac.epochs == 1000 && opt.nac.lr == 0.001);
	CHECK(ct_ctnas_options_from_json("{\"nac\": {\"epochs\": 5, \"seed\": 9}, \"seed\": 2}", &opt, &err));
	CHECK(opt.nac.epochs == 5 && opt.nac.seed == 9 && opt.seed == 2);
	/* weight averaging: none in the searches' NACs unless "nac" asks (recipe "default" only) */
	CHECK(opt.nac.average == 0 && opt.nac.recipe == CT_NAC_RECIPE_DEFAULT);
	CHECK(ct_ctnas_options_from_json("{\"nac\": {\"recipe\": \"default\"}}", &opt, &err) && opt.nac.average == 0);
	CHECK(ct_ctnas_options_from_json("{\"nac\": {\"average\": 0.25}}", &opt, &err) && opt.nac.average == 25);
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"nac\": {\"average\": 0.25}}", &opt, &err) &&
		  strstr(err.detail, "fine-tunes") != NULL);
	CHECK(ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"nac\": {\"average\": 0}}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"fast\"}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"rounds\": 0}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"iterations\": 1.5}", &opt, &err));
	/* integers must be written as integers, and nothing is rounded or wrapped into range */
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"iterations\": 1e-401}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"iterations\": 3.0}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"rounds\": 1.0000000000000000001}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"first\": 4294967396}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"seed\": 9007199254740993}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"seed\": 1e-401}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"entropy_coef\": 1e-401}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"nac\": {\"epochs\": 2.0}}", &opt, &err) && strstr(err.detail, "epochs") != NULL);
	CHECK(!ct_ctnas_options_from_json("{\"nac\": {\"epochs\": 1e-401}}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"nac\": {\"weight_decay\": 1e-401}}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"nac\": {\"seed\": 1.5}}", &opt, &err));
	CHECK(ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"nac\": {\"epochs\": 2, \"lr\": 1e-3}, \"seed\": 9007199254740992, \"entropy_coef\": 0e0}", &opt, &err));
	CHECK(opt.nac.epochs == 2 && opt.nac.lr == 1e-3 && opt.seed == 9007199254740992ULL && opt.entropy_coef == 0);
	/* the controller's logit scaling: recipe "paper" only, 0 (not set) by default, never negative */
	CHECK(opt.temperature == 0 && opt.tanh_constant == 0 && opt.op_tanh_reduce == 0);
	CHECK(ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"temperature\": 5, \"tanh_constant\": 2.5, \"op_tanh_reduce\": 2.5}", &opt, &err));
	CHECK(opt.temperature == 5 && opt.tanh_constant == 2.5 && opt.op_tanh_reduce == 2.5);
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"temperature\": -1}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"temperature\": 5}", &opt, &err));	/* recipe "default" has no controller */
	CHECK(!ct_ctnas_options_from_json("{\"nac\": 3}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"nac\": {\"epochs\": -1}}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"population\": 10}", &opt, &err));
	CHECK(strstr(err.detail, "population") != NULL);
	CHECK(!ct_ctnas_options_from_json("[]", &opt, &err));
	/* an option of the other recipe is an error, not ignored; absurd learning rates too */
	CHECK(!ct_ctnas_options_from_json("{\"iterations\": 100}", &opt, &err) && strstr(err.detail, "recipe \"paper\"") != NULL);
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"default\", \"pseudo_first\": 10}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"first\": 10}", &opt, &err) && strstr(err.detail, "recipe \"default\"") != NULL);
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"rounds\": 3}", &opt, &err));
	CHECK(ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"iterations\": 100, \"controller_lr\": 1}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"recipe\": \"paper\", \"controller_lr\": 10}", &opt, &err));
	CHECK(!ct_ctnas_options_from_json("{\"nac\": {\"lr\": 10}}", &opt, &err));
	CHECK(ct_ctnas_options_from_json("{\"first\": 10, \"rounds\": 2, \"nac\": {\"lr\": 1}}", &opt, &err));
}

#define NB101_N 423624
#define NB201_N 15625

/* The default recipe's schedule as a function of the budget and the oracle's size (ctnas_search.h). */
static void
test_schedule_functions(void)
{
	static const struct
	{
		int			budget;
		size_t		n;
		int			first;
		int			rounds;
	}			want[] = {
		/* NAS-Bench-101: small budgets get a larger share of random cells and more, smaller rounds */
		{2, NB101_N, 2, 1}, {3, NB101_N, 2, 1}, {5, NB101_N, 2, 1}, {10, NB101_N, 5, 2}, {20, NB101_N, 10, 4},
		{25, NB101_N, 10, 5}, {50, NB101_N, 10, 8}, {100, NB101_N, 20, 8}, {150, NB101_N, 30, 7},
		{200, NB101_N, 40, 7}, {300, NB101_N, 60, 6}, {399, NB101_N, 79, 6},
		/* from 400 on: 0.1.0's schedule, whatever the oracle */
		{400, NB101_N, 100, 4}, {423, NB101_N, 100, 4}, {1000, NB101_N, 100, 4}, {2147483647, NB101_N, 100, 4},
		{423, 5100, 100, 4}, {423, NB201_N, 100, 4},
		/* a small oracle: ranking is cheap, 8 rounds fit */
		{100, NB201_N, 20, 8}, {200, NB201_N, 40, 8}, {300, 5100, 60, 8},
		/* the budget in effect is min(budget, oracle): 1,000 queries of a 300-cell oracle plan as 300 */
		{1000, 300, 60, 8}, {2147483647, 300, 60, 8}, {100, 10, 5, 2}, {100, 2, 2, 1},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
	{
		int			f = ct_ctnas_first(CT_CTNAS_FIRST_AUTO, want[i].budget, want[i].n);
		int			r = ct_ctnas_rounds(CT_CTNAS_ROUNDS_AUTO, f, want[i].budget, want[i].n, 300);

		CHECK(f == want[i].first && r == want[i].rounds);
		if (f != want[i].first || r != want[i].rounds)
			fprintf(stderr, "schedule of budget %d, oracle %zu: first %d rounds %d\n", want[i].budget, want[i].n, f, r);
		/* a NAC is trained whenever the budget allows a query after the random cells */
		CHECK(f >= 2 && (f < want[i].budget || want[i].budget <= 2) && r >= 1 && r <= 8);
	}
	/* an option given wins; rounds follow a given first */
	CHECK(ct_ctnas_first(7, 100, NB101_N) == 7 && ct_ctnas_first(0, 100, NB101_N) == 0 &&
		  ct_ctnas_first(100, 25, NB101_N) == 100);
	CHECK(ct_ctnas_rounds(3, 25, 100, NB101_N, 300) == 3 && ct_ctnas_rounds(1, 100, 423, NB101_N, 300) == 1);
	CHECK(ct_ctnas_rounds(CT_CTNAS_ROUNDS_AUTO, 94, 100, NB101_N, 300) == 2);	/* rounds of at least 3 cells */
	CHECK(ct_ctnas_rounds(CT_CTNAS_ROUNDS_AUTO, 100, 100, NB101_N, 300) == 1);
	/* more epochs, more work per round: fewer rounds fit */
	CHECK(ct_ctnas_rounds(CT_CTNAS_ROUNDS_AUTO, 60, 300, NB101_N, 3000) < 6);
}

/*
 * A search with the schedule left open: it resolves it at create (the
 * progress plans its rounds, a checkpoint keeps them), it is deterministic,
 * and a resumed one continues exactly.
 */
static void
test_schedule_search(const ct_oracle *o)
{
	ct_ctnas_options opt;
	ct_error	err;
	ct_budget	b;
	ct_ctnas_search *s;
	ct_ctnas_progress p;
	ct_ctnas_options saved;
	outcome		a,
				a2,
				c;
	char		why[200];
	uint8_t    *buf;
	size_t		len;

	CHECK(ct_ctnas_options_from_json("{\"seed\": 3, \"nac\": {\"epochs\": 10}}", &opt, &err));
	ct_budget_init(&b, o, 30);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	CHECK(s != NULL);
	/* 5,100 cells, 30 queries: 10 random, then 7 rounds (of at least 3 cells), each 10 epochs and a ranking */
	ct_ctnas_get_progress(s, &p);
	CHECK(p.total_steps == 1 + 7 * (10 + 1));
	buf = ct_ctnas_save(s, &len);
	CHECK(ct_ctnas_checkpoint_options(buf, len, &saved, &err) && saved.first == 10 && saved.rounds == 7);
	ct_free(buf);
	CHECK(ct_ctnas_run(s, NULL, NULL, &err) && b.used == 30);
	/* it trained a NAC: no reason to give */
	CHECK(!ct_ctnas_no_nac_reason(s, why, sizeof(why)));
	ct_ctnas_destroy(s);
	ct_budget_free(&b);

	run_straight(o, &opt, 30, &a);
	run_straight(o, &opt, 30, &a2);
	CHECK(same_outcome(&a, &a2));
	run_resumed(o, &opt, 30, 4, &c);
	CHECK(same_outcome(&a, &c));

	/* explicit first at least the budget: random search, no NAC, and the reason says why */
	CHECK(ct_ctnas_options_from_json("{\"seed\": 3, \"first\": 30}", &opt, &err));
	ct_budget_init(&b, o, 30);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	CHECK(s != NULL && ct_ctnas_run(s, NULL, NULL, &err) && b.used == 30);
	CHECK(ct_ctnas_no_nac_reason(s, why, sizeof(why)) && strstr(why, "\"first\"") != NULL);
	CHECK(ct_ctnas_final(s, &a.final, &a.row, &a.score) && isnan(a.score));
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
}

/* A starting NAC: the default recipe's first round is its ranking. */
static void
test_start_model(const ct_oracle *o)
{
	ct_ctnas_options opt = small_options(CT_CTNAS_RECIPE_DEFAULT, 4);
	ct_nac_options nopt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
	ct_nac		m;
	ct_nac_stats nst;
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;
	ct_arch    *cells = ct_malloc(sizeof(ct_arch) * 200);
	double	   *acc = ct_malloc(sizeof(double) * 200);
	double		best_score = -INFINITY;
	int64_t		best_row = -1;

	for (int i = 0; i < 200; i++)
	{
		cells[i] = o->cells[i * 25];
		acc[i] = o->acc[i * 25];
	}
	nopt.epochs = 30;
	CHECK(ct_nac_train(cells, acc, 200, &nopt, &m, &nst, NULL, NULL, &err));
	{
		ct_nac_batch *bt = ct_nac_batch_create(&m.shape);

		for (size_t r = 0; r < o->n; r++)
		{
			double		sc = ct_nac_score(&m, bt, &o->cells[r]);

			if (sc > best_score)
				best_score = sc, best_row = (int64_t) r;
		}
		ct_nac_batch_destroy(bt);
	}
	ct_budget_init(&b, o, 30);
	/* the search continues the model's network (as the SQL harness sets it when "nac" names no shape) */
	opt.nac.readout = m.shape.readout;
	s = ct_ctnas_create(&b, &opt, &m, &err);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(ct_ctnas_step(s, NULL, NULL, &err));	/* start */
	CHECK(ct_ctnas_step(s, NULL, NULL, &err));	/* the first round: the given NAC's top 10 */
	CHECK(b.used == 10);
	CHECK(b.log[0] == best_row);
	CHECK(ct_ctnas_run(s, NULL, NULL, &err));
	CHECK(b.used == 30);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);

	/* a starting NAC of another shape than the options ask for */
	opt.nac.width = 64;
	ct_budget_init(&b, o, 30);
	s = ct_ctnas_create(&b, &opt, &m, &err);
	CHECK(s == NULL);
	CHECK(strstr(err.message, "shape") != NULL);
	ct_budget_free(&b);

	/* a budget of INT_MAX over a 30-cell oracle, starting from the NAC: it ends with the oracle read */
	{
		ct_oracle	small;
		ct_budget	hb;

		ct_oracle_build(&small, o->cells, o->acc, 30, &err);
		for (int recipe = CT_CTNAS_RECIPE_PAPER; recipe <= CT_CTNAS_RECIPE_DEFAULT; recipe++)
			for (int start = 0; start < 2; start++)
			{
				ct_ctnas_options hopt = small_options(recipe, 5);

				hopt.iterations = 20;
				hopt.nac.epochs = 3;
				if (start && recipe == CT_CTNAS_RECIPE_DEFAULT)
					hopt.nac.readout = m.shape.readout;
				ct_budget_init(&hb, &small, INT32_MAX);
				s = ct_ctnas_create(&hb, &hopt, start && recipe == CT_CTNAS_RECIPE_DEFAULT ? &m : NULL, &err);
				CHECK(s != NULL && ct_ctnas_run(s, NULL, NULL, &err));
				CHECK(hb.used == 30);
				ct_ctnas_destroy(s);
				ct_budget_free(&hb);
			}
		ct_oracle_free(&small);
	}

	/* too small a budget */
	ct_budget_init(&b, o, 1);
	CHECK(ct_ctnas_create(&b, &opt, NULL, &err) == NULL);
	ct_budget_free(&b);
	ct_nac_free(&m);
	ct_free(acc);
	ct_free(cells);
}

/*
 * The DARTS space: recipe "paper" with the LargeSpaceController, proposals
 * from the whole space (the final genotype is rarely a row) and from the
 * oracle's rows; a search saved and resumed (with its pool of
 * pseudo-labelled genotype pairs) ends as the uninterrupted one; recipe
 * "default" too.
 */
static void
test_darts(void)
{
	static ct_arch cells[300];
	static double acc[300];
	ct_oracle	o;

	CHECK(darts_csv_read("data/darts_sample.csv", cells, acc, 300) == 300);
	CHECK(ct_oracle_build(&o, cells, acc, 300, NULL));
	outcome		plain;

	for (int k = 0; k < 6; k++)
	{
		ct_ctnas_options opt = small_options(k != 2 && k != 4 ? CT_CTNAS_RECIPE_PAPER : CT_CTNAS_RECIPE_DEFAULT, 5);
		outcome		a,
					b;

		if (k == 0 || k == 3 || k == 4 || k == 5)
			opt.space = CT_PROPOSE_SPACE, opt.space_id = CT_SPACE_DARTS;
		if (k >= 4)
			opt.list = 6;		/* what each would propose next: checkpoints of version 4 keep the option */
		if (k == 3)
		{
			/* the controller's logit scaling: another search, and checkpoints of version 3 that keep it */
			opt.temperature = 5;
			opt.tanh_constant = 2.5;
			opt.op_tanh_reduce = 2.5;
		}
		run_straight(&o, &opt, 60, &a);
		CHECK(a.used == 60 && a.final.space == CT_SPACE_DARTS);
		CHECK(k == 0 || k >= 3 || a.row >= 0);	/* over the oracle: the final genotype is a row */
		CHECK(a.nlisted == (k >= 4 ? 6 : 0));
		for (int i = 0; i < a.nlisted; i++)
		{
			/* what no one has evaluated, each once, best-ranked first, below the final choice of recipe "default" */
			CHECK(ct_oracle_find(&o, &a.listed[i]) < 0 && a.listed[i].space == CT_SPACE_DARTS);
			CHECK(i == 0 || (a.listed_score[i] <= a.listed_score[i - 1] && !ct_arch_eq(&a.listed[i], &a.listed[i - 1])));
			CHECK(k != 4 || a.listed_score[i] <= a.score + 1e-5);	/* (scores of one cell in batches of other sizes may differ in the last bits) */
		}
		if (k == 4)
		{
			outcome		oracle_mode;
			ct_ctnas_options o2 = opt;

			/* recipe "default" in the whole space reads what it reads over the oracle's rows */
			o2.space = CT_PROPOSE_ORACLE;
			o2.space_id = 0;
			o2.list = 0;
			run_straight(&o, &o2, 60, &oracle_mode);
			CHECK(memcmp(oracle_mode.log, a.log, sizeof(a.log)) == 0 && oracle_mode.row >= 0);
			CHECK(a.score >= oracle_mode.score);	/* its final choice is the NAC's best of more */
		}
		run_resumed(&o, &opt, 60, k != 2 && k != 4 ? 37 : 9, &b);
		CHECK(same_outcome(&a, &b));
		if (k == 0)
			plain = a;
		if (k == 3)
			CHECK(!ct_arch_eq(&plain.final, &a.final) || memcmp(plain.w, a.w, sizeof(a.w)) != 0);
		if (k == 0 || k == 3 || k == 5)
		{
			ct_budget	bud;
			ct_error	err;
			ct_ctnas_search *s;
			ct_ctnas_options back;
			uint8_t    *buf;
			size_t		len;
			ct_rbuf		r;

			ct_budget_init(&bud, &o, 60);
			s = ct_ctnas_create(&bud, &opt, NULL, &err);
			CHECK(ct_ctnas_step(s, NULL, NULL, &err));
			buf = ct_ctnas_save(s, &len);
			ct_rbuf_init(&r, buf, len);
			(void) ct_rbuf_u32(&r);
			CHECK(ct_rbuf_u32(&r) == (k == 5 ? 4u : k == 3 ? 3u : 1u));	/* the oldest version that holds the state */
			CHECK(ct_ctnas_checkpoint_options(buf, len, &back, &err));
			CHECK(back.list == opt.list);
			CHECK(back.temperature == opt.temperature && back.tanh_constant == opt.tanh_constant &&
				  back.op_tanh_reduce == opt.op_tanh_reduce);
			ct_free(buf);
			ct_ctnas_destroy(s);
			ct_budget_free(&bud);
		}
	}
	ct_oracle_free(&o);
}

/*
 * The OFA MobileNetV3 space, whose NAC is an MLP: both recipes in the whole
 * space (recipe "paper" with the MBSpaceController), straight = resumed; a
 * NAC of another size than the recipe's is kept by checkpoints (version 4),
 * so the resumed search trains the same network.
 */
static void test_overflowing_model(const ct_oracle *o);

static void
test_ofa(void)
{
	static ct_arch cells[2200];
	static double acc[2200];
	ct_oracle	o;
	int			n = ofa_csv_read("data/ofa_mbv3_w10.csv", cells, acc, 2200);

	CHECK(n == 2162);
	CHECK(ct_oracle_build(&o, cells, acc, (size_t) (n > 0 ? n : 0), NULL));
	test_overflowing_model(&o);
	for (int k = 0; k < 3; k++)
	{
		ct_ctnas_options opt = small_options(k == 0 ? CT_CTNAS_RECIPE_PAPER : CT_CTNAS_RECIPE_DEFAULT, 7);
		outcome		a,
					b;

		opt.space = CT_PROPOSE_SPACE;
		opt.space_id = CT_SPACE_OFA;
		opt.list = 3;
		if (k == 2)
		{
			opt.nac.mlp_layers = 2;
			opt.nac.mlp_width = 32;
		}
		run_straight(&o, &opt, 40, &a);
		CHECK(a.used == 40 && a.final.space == CT_SPACE_OFA && a.nlisted == 3);
		run_resumed(&o, &opt, 40, k == 0 ? 37 : 9, &b);
		CHECK(same_outcome(&a, &b));
		if (k == 2)
		{
			ct_budget	bud;
			ct_error	err;
			ct_ctnas_search *s;
			ct_ctnas_options back;
			const ct_nac *m;
			ct_nac_options mo;
			ct_nac_stats ms;
			uint8_t    *buf;
			size_t		len;

			ct_budget_init(&bud, &o, 40);
			s = ct_ctnas_create(&bud, &opt, NULL, &err);
			CHECK(ct_ctnas_run(s, NULL, NULL, &err));
			m = ct_ctnas_model(s, &mo, &ms);
			CHECK(m != NULL && m->shape.layers == 2 && m->shape.width == 32);
			buf = ct_ctnas_save(s, &len);
			CHECK(ct_ctnas_checkpoint_options(buf, len, &back, &err));
			CHECK(back.nac.mlp_layers == 2 && back.nac.mlp_width == 32 && back.list == 3);
			ct_free(buf);
			ct_ctnas_destroy(s);
			ct_budget_free(&bud);
		}
	}
	ct_oracle_free(&o);
}

/*
 * A model whose activations overflow (an 8-layer MLP with every weight at
 * the stored-model bound) scores architectures inf or NaN: the whole-space
 * ranking lists none of them and the final choice falls back to the best
 * cell read (found by an adversarial review: NaN broke qsort's order and
 * reached the listed rows).
 */
static void
test_overflowing_model(const ct_oracle *o)
{
	ct_ctnas_options opt = ct_ctnas_recipe_options(CT_CTNAS_RECIPE_DEFAULT);
	ct_nac_shape sh;
	ct_nac		m;
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;
	ct_arch		listed[8],
				final;
	double		score[8],
				fscore;
	int64_t		row;

	opt.space = CT_PROPOSE_SPACE;
	opt.space_id = CT_SPACE_OFA;
	opt.list = 8;
	opt.nac.mlp_layers = 8;
	opt.nac.mlp_width = 64;
	opt.nac.epochs = 0;
	opt.first = 10;
	opt.rounds = 2;
	opt.nac.head = CT_NAC_HEAD_CONCAT_FC;
	sh = ct_nac_options_shape(&opt.nac, &ct_space_ofa);
	ct_nac_alloc(&m, &sh);
	for (size_t i = 0; i < m.nparams; i++)
		m.params[i] = 1000.0f;
	for (int k = 0; k < 2 * m.feat; k++)
		m.fc_w[k] = (k % 2) ? -1000.0f : 1000.0f;
	ct_budget_init(&b, o, 20);
	s = ct_ctnas_create(&b, &opt, &m, &err);
	CHECK(s != NULL && ct_ctnas_run(s, NULL, NULL, &err));
	if (s != NULL)
	{
		int			n = ct_ctnas_list(s, listed, score, 8, &err);

		CHECK(n >= 0);
		for (int i = 0; i < n; i++)
			CHECK(isfinite(score[i]));
		CHECK(ct_ctnas_final(s, &final, &row, &fscore));
		CHECK(isfinite(fscore) || row == ct_budget_best(&b));
	}
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
	ct_nac_free(&m);
}

void
test_ctnas_search(void)
{
	ct_oracle	o;

	if (rows[0].graph.n == 0)
		CHECK(sample_csv_read("data/nb101_sample.csv", rows, 5100) == 5100);
	build_sample_oracle(&o, 5100);
	test_options();
	test_schedule_functions();
	test_schedule_search(&o);
	test_default_recipe(&o);
	test_paper_recipe(&o);
	test_resume(&o);
	test_damaged_checkpoint(&o);
	test_start_model(&o);
	ct_oracle_free(&o);
	test_darts();
	test_ofa();
}
