/*
 * darts_bench.c
 *	  DARTS-space benchmarks of the core, for test/bench/darts_search_table.py
 *	  and the whole-space listing in test/bench/darts_results.md.  Reads a
 *	  CSV in data/darts_sample.csv's form (genotype, compact,
 *	  nb301_surrogate_val_acc; "-" for standard input): the 1,218 labelled
 *	  genotypes of ../shared/data/darts (test/bench/darts_search_table.py
 *	  writes them in this form) or the shipped 300.  The values are
 *	  NAS-Bench-301 SURROGATE predictions (percent), not trained accuracies:
 *	  every output says "surrogate".
 *
 *	  darts_bench CSV search random|evolution|local|ctnas SEED BUDGET [OPTIONS-JSON]
 *	      a search whose oracle is the CSV's rows (proposals from the
 *	      oracle's rows unless the options say "space": "darts"); prints the
 *	      final genotype's surrogate value, its rank among the rows by that
 *	      value (1 = the best, ties counted once), whether it was queried,
 *	      the best queried value, queries used and the seconds of the search
 *	      (the CSV is read before the clock starts).  Options are
 *	      ctnas_search's for ctnas (e.g. {"recipe": "paper"}), local_search's
 *	      for local, the baselines' otherwise.
 *	  darts_bench CSV whole SEED BUDGET TOP POOL [CTNAS-OPTIONS-JSON]
 *	      one CTNAS search with "space": "darts" (proposals from the whole
 *	      space; the options' recipe), then lists the TOP genotypes its final
 *	      NAC ranks best among POOL genotypes of the space's sampler
 *	      (archgraph_random(s, 'darts') for s = 1..POOL) that are not rows of
 *	      the CSV: nobody has a value for them.  For each, the NAC score and
 *	      the mean probability the NAC gives it of beating a row of the CSV;
 *	      the search's own final genotype the same way.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_alloc.h"
#include "ctnas_nac.h"
#include "ctnas_search.h"
#include "ctnas_space.h"
#include "darts_csv.h"

#define ROWS_MAX 4096

static ct_arch cells[ROWS_MAX];
static double acc[ROWS_MAX];
static int nrows;


static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* rank among the rows by surrogate value: 1 + rows strictly better */
static long
rank_of(double v)
{
	long		better = 0;

	for (int i = 0; i < nrows; i++)
		better += acc[i] > v;
	return better + 1;
}

/* the CTNAS options with the seed argument winning over the options' */
static bool
ctnas_options(const char *json, uint64_t seed, ct_ctnas_options *opt, ct_error *err)
{
	if (!ct_ctnas_options_from_json(json, opt, err))
		return false;
	if (opt->nac.seed == opt->seed)
		opt->nac.seed = seed;
	opt->seed = seed;
	return true;
}

static int
search(const char *method, uint64_t seed, int budget, const char *json)
{
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	struct timespec t0;
	double		secs;
	bool		ok;
	int64_t		final = -1;
	double		best_queried = -INFINITY;

	if (!ct_oracle_build(&o, cells, acc, (size_t) nrows, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	ct_budget_init(&b, &o, budget);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(method, "ctnas") == 0)
	{
		ct_ctnas_options opt;
		ct_ctnas_search *s = NULL;
		ct_arch		cell;
		double		score;

		ok = ctnas_options(json, seed, &opt, &err);
		if (ok)
		{
			s = ct_ctnas_create(&b, &opt, NULL, &err);
			ok = s != NULL && ct_ctnas_run(s, NULL, NULL, &err) && ct_ctnas_final(s, &cell, &final, &score);
			ct_ctnas_destroy(s);
		}
	}
	else if (strcmp(method, "local") == 0)
	{
		ct_local_options opt;

		ok = ct_local_options_from_json(json, &opt, &err);
		opt.seed = seed;
		ok = ok && ct_local_search(&b, &opt, NULL, NULL, &err);
		if (ok)
			final = ct_budget_best(&b);
	}
	else
	{
		ct_baseline_options opt;

		ok = ct_baseline_options_from_json(json, &opt, &err);
		opt.seed = seed;
		if (!ok)
			;
		else if (strcmp(method, "random") == 0)
			ok = ct_random_search(&b, &opt, NULL, NULL, &err);
		else if (strcmp(method, "evolution") == 0)
			ok = ct_evolution_search(&b, &opt, NULL, NULL, &err);
		else
			return fprintf(stderr, "unknown method %s\n", method), 2;
		if (ok)
			final = ct_budget_best(&b);
	}
	secs = seconds_since(&t0);
	if (!ok)
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	if (final < 0)
		return fprintf(stderr, "%s seed %llu: the final genotype is not a row (proposals from the whole space?)\n",
					   method, (unsigned long long) seed), 1;
	for (int i = 0; i < b.used; i++)
		if (o.acc[b.log[i]] > best_queried)
			best_queried = o.acc[b.log[i]];
	printf("%s seed %llu: final surrogate %.4f, rank %ld of %d, %s, best queried surrogate %.4f, "
		   "%d queries, %.1f s\n",
		   method, (unsigned long long) seed, o.acc[final], rank_of(o.acc[final]), nrows,
		   b.seen[final] == CT_ROW_READ ? "queried" : "not queried", best_queried, b.used, secs);
	ct_budget_free(&b);
	ct_oracle_free(&o);
	return 0;
}

typedef struct
{
	double		score;
	int			i;
} scored;

static int
by_score_desc(const void *a, const void *b)
{
	const scored *x = a;
	const scored *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->i - y->i;
}

/* embeddings of n cells, in chunks */
static float *
embed_all(const ct_nac *m, ct_nac_batch *bt, const ct_arch *a, int n)
{
	float	   *f = ct_malloc(sizeof(float) * (size_t) (n > 0 ? n : 1) * (size_t) m->feat);

	for (int i = 0; i < n; i += 256)
		ct_nac_forward(m, bt, a + i, n - i < 256 ? n - i : 256, f + (size_t) i * m->feat);
	return f;
}

/* mean over the rows of P(fa beats the row) */
static double
mean_prob(const ct_nac *m, const float *fa, const float *frows)
{
	double		sum = 0;

	for (int j = 0; j < nrows; j++)
		sum += ct_nac_prob_feat(m, fa, frows + (size_t) j * m->feat);
	return sum / nrows;
}

static int
whole(uint64_t seed, int budget, int top, int pool, const char *json)
{
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	ct_ctnas_options opt;
	ct_ctnas_search *s;
	ct_arch		final_cell;
	int64_t		final_row;
	double		final_score;
	const ct_nac *m;
	ct_nac_options nopt;
	ct_nac_stats nstats;
	ct_nac_batch *bt;
	ct_arch    *cand;
	scored	   *order;
	float	   *frows,
			   *fcand,
			   *ffinal;
	int			ncand = 0,
				in_table = 0,
				best_row = 0;
	struct timespec t0;
	double		secs;
	char		text[CT_ARCH_TEXT_MAX];

	if (!ctnas_options(json, seed, &opt, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	opt.space = CT_PROPOSE_SPACE;
	opt.space_id = ct_space_darts.id;
	if (!ct_oracle_build(&o, cells, acc, (size_t) nrows, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	ct_budget_init(&b, &o, budget);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	if (s == NULL || !ct_ctnas_run(s, NULL, NULL, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	secs = seconds_since(&t0);
	if (!ct_ctnas_final(s, &final_cell, &final_row, &final_score))
		return fprintf(stderr, "the search has no final genotype\n"), 1;
	m = ct_ctnas_model(s, &nopt, &nstats);
	if (m == NULL)
		return fprintf(stderr, "the search has no NAC\n"), 1;

	bt = ct_nac_batch_create(&m->shape);
	frows = embed_all(m, bt, cells, nrows);
	for (int i = 1; i < nrows; i++)
		if (acc[i] > acc[best_row])
			best_row = i;
	cand = ct_malloc(sizeof(ct_arch) * (size_t) pool);
	for (int k = 1; k <= pool; k++)
	{
		ct_space_darts.random((uint64_t) k, &cand[ncand]);
		if (ct_oracle_find(&o, &cand[ncand]) >= 0)
			in_table++;
		else
			ncand++;
	}
	fcand = embed_all(m, bt, cand, ncand);
	order = ct_malloc(sizeof(scored) * (size_t) (ncand > 0 ? ncand : 1));
	for (int i = 0; i < ncand; i++)
	{
		order[i].score = ct_nac_score_feat(m, fcand + (size_t) i * m->feat);
		order[i].i = i;
	}
	qsort(order, (size_t) ncand, sizeof(scored), by_score_desc);

	printf("whole-space CTNAS search (\"space\": \"darts\"), recipe %s, seed %llu, budget %d: %d queries "
		   "(the NAC's training rows), %.1f s; its NAC trained on %llu rows for %u epochs\n",
		   ct_ctnas_recipe_name(opt.recipe), (unsigned long long) seed, budget, b.used, secs,
		   (unsigned long long) nstats.rows, nstats.epochs);
	ffinal = embed_all(m, bt, &final_cell, 1);
	ct_arch_to_text(&final_cell, text, sizeof(text));
	printf("final: %s row, NAC score %.4f, mean P(beats a labelled row) %.4f\n",
		   final_row >= 0 ? "a labelled" : "NOT a labelled (no NB301 surrogate value here)",
		   ct_nac_score_feat(m, ffinal), mean_prob(m, ffinal, frows));
	if (final_row >= 0)
		printf("  surrogate %.4f, rank %ld of %d\n", o.acc[final_row], rank_of(o.acc[final_row]), nrows);	/* oracle rows are in cell order */
	printf("  %s\n", text);
	printf("the best labelled row (surrogate %.4f): NAC score %.4f, mean P(beats a labelled row) %.4f\n",
		   acc[best_row], ct_nac_score_feat(m, frows + (size_t) best_row * m->feat),
		   mean_prob(m, frows + (size_t) best_row * m->feat, frows));
	printf("pool: archgraph_random(s, 'darts') for s = 1..%d: %d not in the table (%d in it); "
		   "top %d by NAC score (not evaluated: no NB301 surrogate value here):\n", pool, ncand, in_table, top);
	for (int k = 0; k < top && k < ncand; k++)
	{
		const float *f = fcand + (size_t) order[k].i * m->feat;

		ct_arch_to_text(&cand[order[k].i], text, sizeof(text));
		printf("%d\t%.4f\t%.4f\t%s\n", k + 1, order[k].score, mean_prob(m, f, frows), text);
	}
	ct_free(ffinal);
	ct_free(order);
	ct_free(fcand);
	ct_free(cand);
	ct_free(frows);
	ct_nac_batch_destroy(bt);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
	ct_oracle_free(&o);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";

	if (argc > 2)
	{
		nrows = darts_csv_read(strcmp(argv[1], "-") == 0 ? "/dev/stdin" : argv[1], cells, acc, ROWS_MAX);
		if (nrows < 2)
			return fprintf(stderr, "%s: no DARTS rows\n", argv[1]), 2;
	}
	if (strcmp(mode, "search") == 0 && argc >= 6)
		return search(argv[3], strtoull(argv[4], NULL, 10), atoi(argv[5]), argc > 6 ? argv[6] : "{}");
	if (strcmp(mode, "whole") == 0 && argc >= 7)
		return whole(strtoull(argv[3], NULL, 10), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
					 argc > 7 ? argv[7] : "{}");
	fprintf(stderr, "usage: darts_bench CSV search random|evolution|local|ctnas SEED BUDGET [OPTIONS]\n"
			"       darts_bench CSV whole SEED BUDGET TOP POOL [CTNAS-OPTIONS]\n"
			"(CSV in data/darts_sample.csv's form, - for standard input)\n");
	return 2;
}
