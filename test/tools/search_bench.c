/*
 * search_bench.c
 *	  Searches on the full NAS-Bench-101 table (CSV of ../shared/data/nb101
 *	  on stdin, oracle and reported accuracy test_acc_run0), for measuring
 *	  search methods side by side (issue 6's table will build on this).
 *
 *	  search_bench random|evolution SEED [BUDGET]
 *	  search_bench guided SEED [BUDGET [FIRST [ROUNDS [EPOCHS [RECIPE]]]]]
 *
 *	  Prints the final cell's accuracy, its rank among all cells, queries used
 *	  and seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_search.h"
#include "nb101_table.h"


static ct_graph cells[NB101_CELLS];
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
	long		better = 0;

	if (nb101_table_read(stdin, cells, acc, NB101_CELLS) != NB101_CELLS || !ct_oracle_build(&o, cells, acc, NB101_CELLS, &err))
		return fprintf(stderr, "expected the %d rows of the NB101 CSV on stdin\n", NB101_CELLS), 2;
	ct_budget_init(&b, &o, budget);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(method, "guided") == 0)
	{
		ct_guided_options g = {.seed = seed};

		g.first = argc > 4 ? atoi(argv[4]) : 100;
		g.rounds = argc > 5 ? atoi(argv[5]) : 4;
		g.nac = ct_nac_recipe_options(argc > 7 && strcmp(argv[7], "paper") == 0 ?
									  CT_NAC_RECIPE_PAPER : CT_NAC_RECIPE_DEFAULT);
		g.nac.epochs = argc > 6 ? atoi(argv[6]) : 300;
		g.nac.seed = seed;
		ok = ct_guided_search(&b, &g, NULL, NULL, &err);
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
			return fprintf(stderr, "usage: search_bench random|evolution|guided SEED [BUDGET ...]\n"), 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ok)
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	best = ct_budget_best(&b);
	for (size_t r = 0; r < o.n; r++)
		better += o.acc[r] > o.acc[best];
	printf("%s seed %llu: final %.4f, rank %ld of %zu (top %.3f %%), %d queries, %.1f s\n",
		   method, (unsigned long long) seed, o.acc[best], better + 1, o.n,
		   100.0 * (better + 1) / o.n, b.used,
		   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
