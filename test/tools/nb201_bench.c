/*
 * nb201_bench.c
 *	  NAS-Bench-201 benchmarks of the core, for test/bench/nb201_ktau_table.py
 *	  and nb201_search_table.py.  Reads data/nb201.csv.gz, decompressed, on
 *	  stdin (gzip -dc data/nb201.csv.gz | test/tools/nb201_bench ...).
 *	  Accuracies are NB201's, in percent: "test" is
 *	  v11_c10_test_acc_ep200_mean, "valid" v11_c10valid_valid_acc_ep200_mean.
 *
 *	  nb201_bench perfect
 *	      tau-b of the validation accuracy itself (a perfect predictor of the
 *	      training label) against the test accuracy, over all 15,625 cells.
 *	  nb201_bench ktau SEED NTRAIN [NAC-OPTIONS-JSON]
 *	      TNASP's and PINAT's protocol: train a NAC on the first NTRAIN cells
 *	      of torch.randperm(15625, SEED) (index order), labelled with the
 *	      validation accuracy; tau-b of the NAC's score (ct_nac_score_feat)
 *	      against the test accuracy of ALL 15,625 cells (the training cells
 *	      included, as those papers do); also over the unseen cells only and
 *	      against the validation accuracy.  The training seed is SEED unless
 *	      the options set "seed".
 *	  nb201_bench search random|evolution|local|ctnas SEED BUDGET test|valid [OPTIONS-JSON]
 *	      a search on an oracle of all 15,625 cells whose accuracy is the
 *	      test or the validation accuracy; prints the final cell's test and
 *	      validation accuracy, its rank among all cells by test accuracy
 *	      (1 = the best, ties counted once), queries used and the seconds of
 *	      the search (the table is read before the clock starts).  Options
 *	      are ctnas_search's for ctnas (e.g. {"recipe": "paper"}), local_search's
 *	      for local (e.g. {"init": 10}), the baselines' otherwise (e.g.
 *	      {"population": 10, "tournament": 3}).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_alloc.h"
#include "ctnas_nac.h"
#include "ctnas_search.h"
#include "ctnas_space.h"
#include "bench_search.h"
#include "ctnas_stats.h"
#include "nb201_csv.h"

#define N CT_NB201_NUM_CELLS

static ct_arch cells[N];
static double test_acc[N];
static double valid_acc[N];


static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* tau-b of copies (ct_kendall_tau_b reorders its arguments) */
static double
tau_b(const double *x, const double *y, int n)
{
	double	   *a = malloc(sizeof(double) * n);
	double	   *b = malloc(sizeof(double) * n);
	double		t;

	memcpy(a, x, sizeof(double) * n);
	memcpy(b, y, sizeof(double) * n);
	t = ct_kendall_tau_b(a, b, n);
	free(a);
	free(b);
	return t;
}

static int
perfect(void)
{
	printf("perfect: tau-b(valid, test) %.4f over %d cells, naive %.4f\n",
		   tau_b(valid_acc, test_acc, N), N, ct_kendall_tau_b_naive(valid_acc, test_acc, N));
	return 0;
}

static int
ktau(uint64_t seed, int ntrain, const char *json)
{
	uint32_t   *perm = malloc(sizeof(uint32_t) * N);
	char		with_seed[1024];
	ct_nac_options opt;
	ct_error	err;
	ct_arch    *train_cells;
	double	   *train_acc;
	ct_nac		m;
	ct_nac_stats stats;
	ct_nac_batch *bt;
	struct timespec t0;
	double		train_s;
	double	   *score = malloc(sizeof(double) * N);
	double	   *rest_score = malloc(sizeof(double) * N);
	double	   *rest_test = malloc(sizeof(double) * N);
	float	   *feat;
	int			nrest = 0;
	static bool in_train[N];

	if (ntrain < 2 || ntrain > N)
		return fprintf(stderr, "NTRAIN must be from 2 to %d\n", N), 2;
	if (strstr(json, "\"seed\"") == NULL)
	{
		snprintf(with_seed, sizeof(with_seed), "{\"seed\": %llu%s%s", (unsigned long long) seed,
				 strcmp(json, "{}") == 0 ? "" : ", ", json + 1);
		json = with_seed;
	}
	if (!ct_nac_options_from_json(json, &opt, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	ct_torch_randperm(N, seed, perm);
	train_cells = malloc(sizeof(ct_arch) * ntrain);
	train_acc = malloc(sizeof(double) * ntrain);
	for (int i = 0; i < ntrain; i++)
	{
		train_cells[i] = cells[perm[i]];
		train_acc[i] = valid_acc[perm[i]];
		in_train[perm[i]] = true;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!ct_nac_train(train_cells, train_acc, ntrain, &opt, &m, &stats, NULL, NULL, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	train_s = seconds_since(&t0);

	bt = ct_nac_batch_create(&m.shape);
	feat = malloc(sizeof(float) * 256 * m.feat);
	for (int i = 0; i < N; i += 256)
	{
		int			k = N - i < 256 ? N - i : 256;

		ct_nac_forward(&m, bt, cells + i, k, feat);
		for (int j = 0; j < k; j++)
			score[i + j] = ct_nac_score_feat(&m, feat + j * m.feat);
	}
	for (int i = 0; i < N; i++)
		if (!in_train[i])
		{
			rest_score[nrest] = score[i];
			rest_test[nrest++] = test_acc[i];
		}
	printf("ktau seed %llu, %d train (%s): tau-b %.4f vs test on all %d cells, "
		   "%.4f on the %d unseen, %.4f vs valid on all, train %.1f s, loss %.4f\n",
		   (unsigned long long) seed, ntrain, ct_nac_recipe_name(opt.recipe),
		   tau_b(score, test_acc, N), N, tau_b(rest_score, rest_test, nrest), nrest,
		   tau_b(score, valid_acc, N), train_s, stats.final_loss);
	return 0;
}

static int
search(const char *method, uint64_t seed, int budget, const char *which, const char *json)
{
	const double *oracle_acc = strcmp(which, "test") == 0 ? test_acc
		: strcmp(which, "valid") == 0 ? valid_acc : NULL;
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	struct timespec t0;
	double		secs;
	bool		ok;
	int64_t		final = -1;
	int64_t		index;
	long		better = 0;
	bool		queried;
	double		best_queried_test = -1;

	if (oracle_acc == NULL)
		return fprintf(stderr, "the oracle is \"test\" or \"valid\"\n"), 2;
	if (!ct_oracle_build(&o, cells, oracle_acc, N, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	ct_budget_init(&b, &o, budget);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	{
		int			r = bench_search(&b, method, seed, json, &final, &err);

		if (r < 0)
			return fprintf(stderr, "unknown method %s\n", method), 2;
		ok = r == 1;
	}
	secs = seconds_since(&t0);
	if (!ok)
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	if (final < 0)
		return fprintf(stderr, "%s seed %llu: no final cell\n", method, (unsigned long long) seed), 1;
	index = ct_space_nb201.index(&o.cells[final]);
	for (int i = 0; i < N; i++)
		better += test_acc[i] > test_acc[index];
	queried = b.seen[final] != 0;
	for (int i = 0; i < b.used; i++)
	{
		int64_t		q = ct_space_nb201.index(&o.cells[b.log[i]]);

		if (test_acc[q] > best_queried_test)
			best_queried_test = test_acc[q];
	}
	printf("%s seed %llu oracle %s: final test %.4f valid %.4f, rank %ld of %d, %s, "
		   "best queried test %.4f, %d queries, %.1f s\n",
		   method, (unsigned long long) seed, which, test_acc[index], valid_acc[index], better + 1, N,
		   queried ? "queried" : "not queried", best_queried_test, b.used, secs);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int			n = nb201_csv_read(stdin, cells, test_acc, valid_acc);

	if (n != N)
		return fprintf(stderr, "expected the %d rows of data/nb201.csv.gz on stdin, got %d\n", N, n), 2;
	if (strcmp(mode, "perfect") == 0)
		return perfect();
	if (strcmp(mode, "ktau") == 0 && argc >= 4)
		return ktau(strtoull(argv[2], NULL, 10), atoi(argv[3]), argc > 4 ? argv[4] : "{}");
	if (strcmp(mode, "search") == 0 && argc >= 6)
		return search(argv[2], strtoull(argv[3], NULL, 10), atoi(argv[4]), argv[5], argc > 6 ? argv[6] : "{}");
	fprintf(stderr, "usage: nb201_bench perfect\n"
			"       nb201_bench ktau SEED NTRAIN [NAC-OPTIONS]\n"
			"       nb201_bench search random|evolution|local|ctnas SEED BUDGET test|valid [OPTIONS]\n");
	return 2;
}
