/*
 * test_ask_tell.c
 *	  Searches whose accuracies come from outside (an external oracle): the
 *	  same search code, driven the way a job drives it, gives exactly the
 *	  search over a benchmark oracle with the same seed, budget and batch.
 *	  A job's driving: the search runs until it waits; the pending rows'
 *	  results arrive (some fail, in a second series); the baselines then run
 *	  again from the start (replaying their proposals), the CTNAS search is
 *	  restored from a checkpoint saved while it waited, as a worker that
 *	  exits while its job waits.
 */
#include "unit.h"

#include <math.h>

#include "ctnas_alloc.h"
#include "ctnas_search.h"
#include "sample_csv.h"

extern sample_row rows[5100];
extern void build_sample_oracle(ct_oracle *o, int n);

typedef enum method
{
	M_RANDOM,
	M_EVOLUTION,
	M_LOCAL,
	M_DEFAULT,
	M_PAPER
} method;

static const char *const method_names[] = {"random", "evolution", "local", "ctnas default", "ctnas paper"};

/* What a search did: the rows it read, in order (as cells), and the rows that failed. */
typedef struct outcome
{
	int			used;
	ct_arch		log[400];
	int			nfailed;
	ct_arch		failed[400];
	int			waits;			/* times it stopped for results */
	int			max_open;		/* most rows pending at once */
	bool		has_final;
	ct_arch		final;
} outcome;

static void
record(const ct_budget *b, outcome *out)
{
	out->used = b->used;
	for (int i = 0; i < b->used && i < 400; i++)
		out->log[i] = b->oracle->cells[b->log[i]];
	out->nfailed = b->nfailed;
	for (int i = 0; i < b->nfailed && i < 400; i++)
		out->failed[i] = b->oracle->cells[b->failed[i]];
}

static bool
same(const outcome *x, const outcome *y)
{
	if (x->used != y->used || x->has_final != y->has_final || (x->has_final && !ct_arch_eq(&x->final, &y->final)))
		return false;
	for (int i = 0; i < x->used && i < 400; i++)
		if (!ct_arch_eq(&x->log[i], &y->log[i]))
			return false;
	return true;
}

static ct_ctnas_options
ctnas_options(int recipe, int batch)
{
	ct_ctnas_options o = ct_ctnas_recipe_options(recipe);

	o.seed = 7;
	o.batch = batch;
	o.nac.epochs = recipe == CT_CTNAS_RECIPE_PAPER ? 10 : 30;
	o.iterations = 120;
	o.derive_every = 40;
	o.pseudo_every = 40;
	o.pseudo_first = 16;
	o.pseudo_pairs = 8;
	if (recipe == CT_CTNAS_RECIPE_DEFAULT)
	{
		o.first = 12;
		o.rounds = 3;
	}
	return o;
}

/* Runs a baseline over b (fresh); it may stop waiting. */
static void
run_baseline(method m, ct_budget *b, int batch)
{
	ct_error	err;

	if (m == M_LOCAL)
	{
		ct_local_options o = ct_local_default_options();

		o.seed = 11;
		o.batch = batch;
		o.init = 2;
		CHECK(ct_local_search(b, &o, NULL, NULL, &err));
	}
	else
	{
		ct_baseline_options o = ct_baseline_default_options();

		o.seed = 11;
		o.batch = batch;
		o.population = 10;
		o.tournament = 3;
		CHECK(m == M_RANDOM ? ct_random_search(b, &o, NULL, NULL, &err) : ct_evolution_search(b, &o, NULL, NULL, &err));
	}
}

/* The search over a benchmark oracle, straight through. */
static void
run_sync(method m, const ct_oracle *o, int budget, int batch, outcome *out)
{
	ct_budget	b;
	ct_error	err;

	memset(out, 0, sizeof(*out));
	ct_budget_init(&b, o, budget);
	if (m >= M_DEFAULT)
	{
		ct_ctnas_options opt = ctnas_options(m == M_PAPER ? CT_CTNAS_RECIPE_PAPER : CT_CTNAS_RECIPE_DEFAULT, batch);
		ct_ctnas_search *s = ct_ctnas_create(&b, &opt, NULL, &err);
		int64_t		row;
		double		score;

		CHECK(s != NULL);
		CHECK(ct_ctnas_run(s, NULL, NULL, &err));
		CHECK(ct_ctnas_done(s) && !ct_ctnas_waiting(s));
		out->has_final = ct_ctnas_final(s, &out->final, &row, &score);
		ct_ctnas_destroy(s);
	}
	else
	{
		run_baseline(m, &b, batch);
		CHECK(!b.waiting);
		out->has_final = ct_budget_best(&b) >= 0;
		if (out->has_final)
			out->final = o->cells[ct_budget_best(&b)];
	}
	record(&b, out);
	ct_budget_free(&b);
}

/*
 * The same search over an external oracle whose results come from truth
 * (rows of the benchmark oracle; fail_every > 0: every fail_every-th
 * result is a failure instead), driven as a job drives it.
 */
static void
run_external(method m, ct_oracle *ext, const ct_oracle *truth, int budget, int batch, int fail_every, outcome *out)
{
	ct_budget	b;
	ct_error	err;
	int			answered = 0;
	uint8_t    *ckpt = NULL;
	size_t		ckpt_len = 0;

	memset(out, 0, sizeof(*out));
	for (int round = 0; round < 100000; round++)
	{
		ct_ctnas_search *s = NULL;

		ct_budget_init(&b, ext, budget);
		if (m >= M_DEFAULT)
		{
			ct_ctnas_options opt = ctnas_options(m == M_PAPER ? CT_CTNAS_RECIPE_PAPER : CT_CTNAS_RECIPE_DEFAULT, batch);

			s = ckpt != NULL ? ct_ctnas_restore(&b, ckpt, ckpt_len, &err) : ct_ctnas_create(&b, &opt, NULL, &err);
			CHECK(s != NULL);
			if (s == NULL)
				break;
			CHECK(ct_ctnas_run(s, NULL, NULL, &err));
		}
		else
			run_baseline(m, &b, batch);
		if (!b.waiting)
		{
			int64_t		row;
			double		score;

			if (s != NULL)
			{
				CHECK(ct_ctnas_done(s));
				out->has_final = ct_ctnas_final(s, &out->final, &row, &score);
			}
			else
			{
				out->has_final = ct_budget_best(&b) >= 0;
				if (out->has_final)
					out->final = ext->cells[ct_budget_best(&b)];
			}
			record(&b, out);
			ct_ctnas_destroy(s);
			ct_budget_free(&b);
			break;
		}
		/* a waiting search has open proposals, within its batch, none read or failed before */
		CHECK(b.npending > 0);
		CHECK(batch == 0 || b.npending <= batch);
		if (b.npending > out->max_open)
			out->max_open = b.npending;
		out->waits++;
		if (s != NULL)
		{
			/* the worker saves a checkpoint and exits; a new one restores it */
			ct_free(ckpt);
			ckpt = ct_ctnas_save(s, &ckpt_len);
			ct_ctnas_destroy(s);
		}
		/* the trials are reported (in any order: the search reads them in its own) */
		for (int i = b.npending - 1; i >= 0; i--)
		{
			int64_t		r = b.pending[i];
			int64_t		t = ct_oracle_find(truth, &ext->cells[r]);

			CHECK(isnan(ext->acc[r]) && !ext->failed[r]);
			if (fail_every > 0 && ++answered % fail_every == 0)
				ct_oracle_set_failed(ext, r);
			else if (t >= 0)
				ct_oracle_set_acc(ext, r, truth->acc[t]);
			else
				ct_oracle_set_failed(ext, r);	/* a cell the benchmark lacks cannot be evaluated */
		}
		ct_budget_free(&b);
	}
	ct_free(ckpt);
}

static void
reset_external(ct_oracle *ext)
{
	for (size_t r = 0; r < ext->n; r++)
	{
		ext->acc[r] = NAN;
		ext->failed[r] = 0;
	}
}

/* Every method: external = benchmark, at two batches; the batch matters only where the method says so. */
static void
check_equal(const char *space, ct_oracle *ext, const ct_oracle *truth, int budget)
{
	for (int m = M_RANDOM; m <= M_PAPER; m++)
	{
		int			batches[2] = {1, 4};

		for (int k = 0; k < 2; k++)
		{
			outcome		sync,
						external;

			/* the paper recipe spends its whole budget on one random draw: one batch is enough */
			if (m == M_PAPER && k == 0)
				continue;
			reset_external(ext);
			run_sync((method) m, truth, budget, batches[k], &sync);
			run_external((method) m, ext, truth, budget, batches[k], 0, &external);
			CHECK(sync.used == budget && sync.has_final);
			CHECK(same(&sync, &external));
			CHECK(external.waits > 0 && external.max_open <= batches[k] && external.nfailed == 0);
			if (!same(&sync, &external))
				fprintf(stderr, "ask_tell: %s %s batch %d: the external search differs (%d and %d read)\n",
						space, method_names[m], batches[k], sync.used, external.used);
		}
		/* random search and the CTNAS default read the same cells at every batch (their proposals do not depend on results) */
		if (m == M_RANDOM || m == M_DEFAULT)
		{
			outcome		one,
						many,
						unlimited;

			run_sync((method) m, truth, budget, 1, &one);
			run_sync((method) m, truth, budget, 7, &many);
			run_sync((method) m, truth, budget, 0, &unlimited);
			CHECK(same(&one, &many) && same(&one, &unlimited));
		}
	}
}

/* Failed trials cost no budget, are never proposed again, and the search still reads its budget. */
static void
check_failures(ct_oracle *ext, const ct_oracle *truth, int budget)
{
	for (int m = M_RANDOM; m <= M_DEFAULT; m++)
	{
		outcome		out;

		reset_external(ext);
		run_external((method) m, ext, truth, budget, 3, 4, &out);
		CHECK(out.used == budget && out.nfailed > 0 && out.has_final);
		for (int i = 0; i < out.nfailed && i < 400; i++)
			for (int j = 0; j < out.used && j < 400; j++)
				CHECK(!ct_arch_eq(&out.failed[i], &out.log[j]));
		if (out.used != budget)
			fprintf(stderr, "ask_tell: %s with failures read %d of %d\n", method_names[m], out.used, budget);
	}
}

/* The bound on failures ends a search whose every trial fails. */
static void
check_max_failed(ct_oracle *ext)
{
	ct_budget	b;
	ct_baseline_options o = ct_baseline_default_options();
	ct_error	err;
	int			rounds = 0;

	reset_external(ext);
	o.batch = 2;
	for (;;)
	{
		ct_budget_init(&b, ext, 20);
		b.max_failed = 6;
		CHECK(ct_random_search(&b, &o, NULL, NULL, &err));
		if (!b.waiting || ++rounds > 100)
			break;
		for (int i = 0; i < b.npending; i++)
			ct_oracle_set_failed(ext, b.pending[i]);
		ct_budget_free(&b);
	}
	CHECK(!b.waiting && b.used == 0 && b.nfailed == 6 && ct_budget_exhausted(&b));
	ct_budget_free(&b);
}

/*
 * A checkpoint of a waiting search is version 2 and restores with its open
 * proposals; damaged, it is an error that leaves the budget fresh.  One of a
 * search that never batched nor waited stays version 1 (0.1.0's format).
 */
static void
check_checkpoints(ct_oracle *ext, const ct_oracle *truth)
{
	ct_budget	b,
				b2;
	ct_ctnas_options opt = ctnas_options(CT_CTNAS_RECIPE_DEFAULT, 3);
	ct_ctnas_search *s,
			   *r;
	ct_error	err;
	uint8_t    *buf;
	size_t		len;

	reset_external(ext);
	ct_budget_init(&b, ext, 20);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	CHECK(s != NULL && ct_ctnas_run(s, NULL, NULL, &err) && ct_ctnas_waiting(s) && b.npending == 3);
	buf = ct_ctnas_save(s, &len);
	CHECK(buf[4] == 2);			/* the version, little-endian */
	ct_budget_init(&b2, ext, 20);
	r = ct_ctnas_restore(&b2, buf, len, &err);
	CHECK(r != NULL && b2.npending == 3 && memcmp(b2.pending, b.pending, 3 * sizeof(int64_t)) == 0);
	ct_ctnas_destroy(r);
	ct_budget_free(&b2);
	for (size_t at = 8; at < len; at += len / 7)
	{
		buf[at] ^= 0x20;
		ct_budget_init(&b2, ext, 20);
		CHECK(ct_ctnas_restore(&b2, buf, len, &err) == NULL && b2.used == 0 && b2.npending == 0 && b2.nfailed == 0);
		ct_budget_free(&b2);
		buf[at] ^= 0x20;
	}
	ct_free(buf);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);

	/* over the benchmark, without a batch: version 1 */
	opt.batch = 0;
	ct_budget_init(&b, truth, 20);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	CHECK(s != NULL && ct_ctnas_step(s, NULL, NULL, &err) && !ct_ctnas_waiting(s));
	buf = ct_ctnas_save(s, &len);
	CHECK(buf[4] == 1);
	ct_free(buf);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
}

/* Resolution is all or nothing, and a budget that waits changes nothing. */
static void
check_budget(ct_oracle *ext)
{
	ct_budget	b;

	reset_external(ext);
	ct_budget_init(&b, ext, 3);
	b.batch = 2;
	CHECK(ct_budget_can_propose(&b));
	CHECK(ct_budget_propose(&b, 5) && !ct_budget_propose(&b, 5));
	CHECK(ct_budget_propose(&b, 9) && !ct_budget_can_propose(&b));
	ct_oracle_set_acc(ext, 9, 0.5);
	CHECK(!ct_budget_resolve(&b) && b.waiting && b.used == 0 && b.npending == 2);
	ct_oracle_set_failed(ext, 5);
	CHECK(ct_budget_resolve(&b) && !b.waiting && b.used == 1 && b.nfailed == 1 && b.log[0] == 9);
	CHECK(b.seen[5] == CT_ROW_FAILED && !ct_budget_propose(&b, 5));
	/* the budget of 3 counts reads: a failed row freed its place */
	CHECK(ct_budget_room(&b) == 2);
	ct_budget_free(&b);
}

void
test_ask_tell(void)
{
	ct_oracle	truth,
				ext;
	ct_error	err;
	const ct_space *nb201 = ct_space_by_name("nb201");

	/* NAS-Bench-201: the whole space as candidates; accuracies a smooth function of the cell */
	{
		ct_arch    *cells = ct_malloc(sizeof(ct_arch) * (size_t) nb201->size);
		double	   *acc = ct_malloc(sizeof(double) * (size_t) nb201->size);

		for (int64_t i = 0; i < nb201->size; i++)
		{
			uint64_t	h;

			CHECK(nb201->nth(i, &cells[i]));
			h = ct_arch_hash64(&cells[i]);
			acc[i] = 0.8 + 0.1 * (double) cells[i].bytes[1] / 255.0 + 1e-3 * (double) (h % 997) / 997.0;
		}
		CHECK(ct_oracle_build(&truth, cells, acc, (size_t) nb201->size, &err));
		ct_free(acc);
		ct_free(cells);
	}
	CHECK(ct_oracle_build_space(&ext, nb201, 0, 0, NULL, NULL, &err));
	CHECK(ext.n == truth.n && ext.external && memcmp(ext.cells, truth.cells, sizeof(ct_arch) * ext.n) == 0);
	check_budget(&ext);
	check_checkpoints(&ext, &truth);
	check_equal("nb201", &ext, &truth, 40);
	check_failures(&ext, &truth, 30);
	check_max_failed(&ext);
	ct_oracle_free(&ext);
	ct_oracle_free(&truth);

	/* NAS-Bench-101: the shipped sample's cells as the candidates (a user's table), its accuracies as truth */
	if (rows[0].graph.n == 0)
		CHECK(sample_csv_read("data/nb101_sample.csv", rows, 5100) == 5100);
	build_sample_oracle(&truth, 5100);
	CHECK(ct_oracle_build_external(&ext, truth.cells, truth.n, &err));
	check_equal("nb101", &ext, &truth, 40);
	check_failures(&ext, &truth, 30);
	ct_oracle_free(&ext);
	ct_oracle_free(&truth);

	/* a space that cannot be enumerated: a pool drawn by its sampler, the same for the same seed */
	{
		ct_oracle	a,
					b,
					c;

		CHECK(ct_oracle_build_space(&a, ct_space_by_name("nb101"), 2000, 5, NULL, NULL, &err));
		CHECK(ct_oracle_build_space(&b, ct_space_by_name("nb101"), 2000, 5, NULL, NULL, &err));
		CHECK(ct_oracle_build_space(&c, ct_space_by_name("nb101"), 2000, 6, NULL, NULL, &err));
		CHECK(a.n == 2000 && b.n == 2000 && c.n == 2000 && a.external);
		CHECK(memcmp(a.cells, b.cells, sizeof(ct_arch) * a.n) == 0);
		CHECK(memcmp(a.cells, c.cells, sizeof(ct_arch) * a.n) != 0);
		for (size_t r = 0; r < a.n; r++)
			CHECK(ct_space_of(&a.cells[r])->valid(&a.cells[r]) && ct_oracle_find(&a, &a.cells[r]) == (int64_t) r);
		ct_oracle_free(&a);
		ct_oracle_free(&b);
		ct_oracle_free(&c);
		/* a pool of a small space stops at its size */
		CHECK(ct_oracle_build_space(&a, nb201, 20000, 1, NULL, NULL, &err) && a.n == 15625);
		ct_oracle_free(&a);
	}

	/* an oracle the size of no space cannot be a space's external oracle */
	{
		ct_oracle	none;

		CHECK(!ct_oracle_build_external(&none, NULL, 0, &err));
	}
}
