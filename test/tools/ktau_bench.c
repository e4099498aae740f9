/*
 * ktau_bench.c
 *	  Ranking quality of the NAC core on the full NAS-Bench-101 table, for
 *	  test/bench/ktau_table.sh and for developing recipes (never tune on the
 *	  reported seeds).  Reads the CSV of ../shared/data/nb101 on stdin.
 *
 *	  ktau_bench ref SEED [OPTIONS_JSON]
 *	      CTNAS's split: torch.randperm(423624, seed) over the rows in hash
 *	      order; train on the first 423, report CTNAS's KTau on the next 100
 *	      (pairs i < j in split order, sign(p - 0.5) against sign(acc_i - acc_j),
 *	      sign(0) = +1) and the training seconds.
 *	  ktau_bench all SEED NTRAIN [OPTIONS_JSON]
 *	      train on the first NTRAIN of the same permutation, report tau-b of
 *	      the NAC's score against test_acc_run0 over all remaining cells.
 *
 *	  The training seed is SEED too, unless OPTIONS_JSON sets "seed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_alloc.h"
#include "ctnas_nac.h"
#include "ctnas_stats.h"
#include "nb101_table.h"


static ct_arch cells[NB101_CELLS];
static double acc[NB101_CELLS];


static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	bool		all;
	uint64_t	seed;
	int			ntrain;
	const char *json;
	uint32_t   *perm = malloc(sizeof(uint32_t) * NB101_CELLS);
	ct_nac_options opt;
	ct_error	err;
	ct_arch    *train_cells;
	double	   *train_acc;
	ct_nac		m;
	static ct_nac ens[32];
	int			members;
	ct_nac_stats stats;
	ct_nac_batch *bt;
	struct timespec t0;
	double		train_s;
	char		with_seed[512];

	if (argc < 3 || (strcmp(argv[1], "ref") != 0 && strcmp(argv[1], "all") != 0))
		return fprintf(stderr, "usage: ktau_bench ref SEED [OPTIONS] | ktau_bench all SEED NTRAIN [OPTIONS]\n"), 2;
	all = strcmp(argv[1], "all") == 0;
	seed = strtoull(argv[2], NULL, 10);
	ntrain = all ? atoi(argv[3]) : 423;
	json = argc > (all ? 4 : 3) ? argv[all ? 4 : 3] : "{}";
	if (strstr(json, "\"seed\"") == NULL)
	{
		/* the training seed follows the split seed, as in the reference code */
		snprintf(with_seed, sizeof(with_seed), "{\"seed\": %llu%s%s", (unsigned long long) seed,
				 strcmp(json, "{}") == 0 ? "" : ", ", json + 1);
		json = with_seed;
	}
	if (!ct_nac_options_from_json(json, &opt, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	if (nb101_table_read(stdin, cells, acc, NB101_CELLS) != NB101_CELLS)
		return fprintf(stderr, "expected the %d rows of the NB101 CSV on stdin\n", NB101_CELLS), 2;

	ct_torch_randperm(NB101_CELLS, seed, perm);
	train_cells = malloc(sizeof(ct_arch) * ntrain);
	train_acc = malloc(sizeof(double) * ntrain);
	for (int i = 0; i < ntrain; i++)
	{
		train_cells[i] = cells[perm[i]];
		train_acc[i] = acc[perm[i]];
	}
	members = getenv("ENSEMBLE") ? atoi(getenv("ENSEMBLE")) : 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int e = 0; e < members; e++)
	{
		ct_nac_options o = opt;

		o.seed = opt.seed + (uint64_t) e * 1000003;
		if (!ct_nac_train(train_cells, train_acc, ntrain, &o, &ens[e], &stats, NULL, NULL, &err))
			return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	}
	m = ens[0];
	train_s = seconds_since(&t0);
	bt = ct_nac_batch_create(&m.shape);

	if (!all)
	{
		float	   *feat = malloc(sizeof(float) * 100 * m.feat);
		static double logit[100][100];
		ct_arch		held[100];
		long		sum = 0;

		for (int i = 0; i < 100; i++)
			held[i] = cells[perm[423 + i]];
		memset(logit, 0, sizeof(logit));
		for (int e = 0; e < members; e++)
		{
			ct_nac_forward(&ens[e], bt, held, 100, feat);
			for (int i = 0; i < 100; i++)
				for (int j = i + 1; j < 100; j++)
					logit[i][j] += ct_nac_head_logit(&ens[e], feat + i * m.feat, feat + j * m.feat);
		}
		for (int i = 0; i < 100; i++)
			for (int j = i + 1; j < 100; j++)
			{
				bool		says = logit[i][j] >= 0;

				sum += says == (acc[perm[423 + i]] >= acc[perm[423 + j]]) ? 1 : -1;
			}
		printf("ref seed %llu: ktau %.4f, train %.1f s, loss %.4f\n", (unsigned long long) seed,
			   sum / 4950.0, train_s, stats.final_loss);
	}
	else
	{
		int			rest = NB101_CELLS - ntrain;
		double	   *score = malloc(sizeof(double) * rest);
		double	   *truth = malloc(sizeof(double) * rest);
		float	   *feat = malloc(sizeof(float) * 256 * m.feat);
		ct_arch		chunk[256];

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < rest; i += 256)
		{
			int			k = rest - i < 256 ? rest - i : 256;

			for (int j = 0; j < k; j++)
				chunk[j] = cells[perm[ntrain + i + j]];
			ct_nac_forward(&m, bt, chunk, k, feat);
			for (int j = 0; j < k; j++)
			{
				score[i + j] = ct_nac_score_feat(&m, feat + j * m.feat);
				truth[i + j] = acc[perm[ntrain + i + j]];
			}
		}
		printf("all seed %llu, %d train: tau-b %.4f on %d cells, train %.1f s, score %.1f s\n",
			   (unsigned long long) seed, ntrain, ct_kendall_tau_b(score, truth, rest), rest,
			   train_s, seconds_since(&t0));
	}
	return 0;
}
