/*
 * search_bench.c
 *	  Searches on the full NAS-Bench-101 table (CSV of ../shared/data/nb101
 *	  on stdin, oracle and reported accuracy test_acc_run0), for measuring
 *	  search methods side by side (issue 6's table will build on this).
 *
 *	  search_bench random|evolution SEED [BUDGET]
 *	  search_bench local SEED [BUDGET [OPTIONS-JSON]]   (options as local_search's, e.g. {"init": 10})
 *	  search_bench ctnas SEED [BUDGET [OPTIONS-JSON]]   (options as ctnas_search's, e.g. {"recipe": "paper"})
 *
 *	  Prints the final cell's accuracy, its rank among all cells, queries used
 *	  and seconds of the search (the table is read before the clock starts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_search.h"
#include "nb101_table.h"


static ct_arch cells[NB101_CELLS];
static double acc[NB101_CELLS];


int
main(int argc, char **argv)
{
	const char *method = argc > 1 ? argv[1] : "";
	uint64_t	seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	int			budget = argc > 3 ? atoi(argv[3]) : 423;
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	struct timespec t0,
				t1;
	bool		ok;
	int64_t		best;
	int64_t		final = -1;
	long		better = 0;

	if (nb101_table_read(stdin, cells, acc, NB101_CELLS) != NB101_CELLS || !ct_oracle_build(&o, cells, acc, NB101_CELLS, &err))
		return fprintf(stderr, "expected the %d rows of the NB101 CSV on stdin\n", NB101_CELLS), 2;
	ct_budget_init(&b, &o, budget);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(method, "ctnas") == 0)
	{
		ct_ctnas_options opt;
		ct_ctnas_search *s;
		ct_arch		cell;
		double		score;

		ok = ct_ctnas_options_from_json(argc > 4 ? argv[4] : "{}", &opt, &err);
		if (ok)
		{
			/* the seed argument wins over the options' */
			if (opt.nac.seed == opt.seed)
				opt.nac.seed = seed;
			opt.seed = seed;
			s = ct_ctnas_create(&b, &opt, NULL, &err);
			ok = s != NULL && ct_ctnas_run(s, NULL, NULL, &err) && ct_ctnas_final(s, &cell, &final, &score);
			ct_ctnas_destroy(s);
		}
	}
	else if (strcmp(method, "local") == 0)
	{
		ct_local_options opt;

		ok = ct_local_options_from_json(argc > 4 ? argv[4] : "{}", &opt, &err);
		opt.seed = seed;		/* the seed argument wins over the options' */
		ok = ok && ct_local_search(&b, &opt, NULL, NULL, &err);
		if (ok)
			final = ct_budget_best(&b);
	}
	else
	{
		ct_baseline_options opt = ct_baseline_default_options();

		opt.seed = seed;
		if (strcmp(method, "random") == 0)
			ok = ct_random_search(&b, &opt, NULL, NULL, &err);
		else if (strcmp(method, "evolution") == 0)
			ok = ct_evolution_search(&b, &opt, NULL, NULL, &err);
		else
			return fprintf(stderr, "usage: search_bench random|evolution|local|ctnas SEED [BUDGET [OPTIONS]]\n"), 2;
		if (ok)
			final = ct_budget_best(&b);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ok)
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	if (final < 0)
		return printf("%s seed %llu: the final cell is outside the table, %d queries\n",
					  method, (unsigned long long) seed, b.used), 0;
	best = final;
	for (size_t r = 0; r < o.n; r++)
		better += o.acc[r] > o.acc[best];
	printf("%s seed %llu: final %.4f, rank %ld of %zu (top %.3f %%), %d queries, %.1f s\n",
		   method, (unsigned long long) seed, o.acc[best], better + 1, o.n,
		   100.0 * (better + 1) / o.n, b.used,
		   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
