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
 *
 *	  Experiments (issue 17), by environment, without changing the library:
 *	  ENSEMBLE=K  trains K NACs (seeds seed + e * 1000003) and sums their
 *	      logits (ref) or scores (all); ref also prints the KTau of the
 *	      first k members for every k <= K ("members k: ...").
 *	  PAIRS=P  trains with this file's copy of ct_nac_trainer_epoch's loop in
 *	      which every cell of a batch meets P random in-batch partners (P
 *	      shuffles; P=1 is ct_nac_train bit for bit), or PAIRS=all: every
 *	      pair i < j of the batch.  The loss is the mean over the pairs.
 *	  EMA=D  (with this file's loop, PAIRS or 1 partner) the model kept is the
 *	      exponential moving average of the weights after every Adam step,
 *	      decay D (start it from options with "average": 0).  The mean of the
 *	      end-of-epoch weights (issue 17's SWA=E, since removed) is the
 *	      library's option "average": SWA=500 of 1,000 epochs was
 *	      {"average": 0.5}, now recipe "default" itself.
 *	  PSEUDO=N  the NAC(s) trained as above are a teacher: N pairs of random
 *	      unlabelled cells (ref: positions >= 523 of the permutation, so
 *	      never a held-out one; all: any cell after the training ones, that
 *	      is the tested cells, unlabelled) get the teacher's hard label
 *	      1{sum of logits >= 0};
 *	      a student (seed + 7777, the same options) is trained with them as
 *	      ct_nac_trainer_epoch's pool (as many pool pairs per batch as
 *	      labelled cells, CTNAS's ratio) and is the model reported, alone.
 *	      Training seconds include the teacher's.
 *	  SCORES=FILE  writes each tested cell's score (summed over members), one
 *	      per line in split order (ref: positions 423..522; all: every cell
 *	      after the training ones), for combining with other predictors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_alloc.h"
#include "ctnas_nac.h"
#include "ctnas_rng.h"
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


typedef struct bench_row
{
	ct_arch		cell;
	double		acc;
} bench_row;

static int
cmp_bench_rows(const void *a, const void *b)
{
	const bench_row *x = a;
	const bench_row *y = b;
	int			c = ct_arch_cmp(&x->cell, &y->cell);

	if (c != 0)
		return c;
	return x->acc < y->acc ? -1 : x->acc > y->acc;
}

/*
 * ct_nac_train's loop (nac_train.c: rows sorted, the same streams) with
 * partners random in-batch partners per cell, or every pair i < j of the
 * batch if partners <= 0.
 */
static bool
train_pairs(const ct_arch *cells, const double *acc, int n, const ct_nac_options *opt,
			int partners, ct_nac *out, ct_nac_stats *stats, ct_error *err)
{
	ct_nac_shape shape = ct_nac_options_shape(opt, ct_space_of(&cells[0]));
	bench_row  *rows = malloc(sizeof(bench_row) * n);
	int			B = opt->batch_size < n ? opt->batch_size : n;
	long		maxpairs = partners > 0 ? (long) partners * B : (long) B * (B - 1) / 2;
	int		   *order = malloc(sizeof(int) * n);
	int		   *ia = malloc(sizeof(int) * maxpairs);
	int		   *ib = malloc(sizeof(int) * maxpairs);
	int		   *perm = malloc(sizeof(int) * B);
	float	   *y = malloc(sizeof(float) * maxpairs);
	ct_arch    *batch = malloc(sizeof(ct_arch) * B);
	double	   *bacc = malloc(sizeof(double) * B);
	float	   *feat;
	float	   *dfeat;
	float	   *grad;
	ct_nac		m;
	ct_adam		adam;
	ct_rng		rng;
	ct_nac_batch *bt;
	double		ema_decay = getenv("EMA") ? atof(getenv("EMA")) : 0.0;
	double	   *avg = NULL;

	for (int i = 0; i < n; i++)
	{
		rows[i].cell = cells[i];
		rows[i].acc = acc[i];
	}
	qsort(rows, n, sizeof(bench_row), cmp_bench_rows);
	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, opt->seed);
	feat = malloc(sizeof(float) * B * m.feat);
	dfeat = malloc(sizeof(float) * B * m.feat);
	grad = malloc(sizeof(float) * m.nparams);
	ct_adam_init(&adam, m.nparams, opt->lr, opt->beta1, opt->beta2, opt->eps, opt->weight_decay);
	bt = ct_nac_batch_create(&shape);
	ct_nac_batch_reserve(bt, B);
	ct_rng_seed(&rng, opt->seed ^ 0x5DEECE66DULL);
	for (int i = 0; i < n; i++)
		order[i] = i;
	if (ema_decay > 0.0)
	{
		avg = malloc(sizeof(double) * m.nparams);
		for (size_t k = 0; k < m.nparams; k++)
			avg[k] = m.params[k];
	}
	memset(stats, 0, sizeof(*stats));
	stats->rows = n;
	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		double		loss_sum = 0.0;
		double		pairs_sum = 0.0;

		ct_rng_shuffle(&rng, order, n);
		for (int start = 0; start < n; start += B)
		{
			int			nb = n - start < B ? n - start : B;
			int			np = 0;
			double		loss;

			for (int k = 0; k < nb; k++)
			{
				batch[k] = rows[order[start + k]].cell;
				bacc[k] = rows[order[start + k]].acc;
			}
			if (partners > 0)
				for (int r = 0; r < partners; r++)
				{
					for (int k = 0; k < nb; k++)
						perm[k] = k;
					ct_rng_shuffle(&rng, perm, nb);
					for (int k = 0; k < nb; k++, np++)
					{
						ia[np] = k;
						ib[np] = perm[k];
						y[np] = bacc[k] > bacc[perm[k]] ? 1.0f : 0.0f;
					}
				}
			else
				for (int i = 0; i < nb; i++)
					for (int j = i + 1; j < nb; j++, np++)
					{
						ia[np] = i;
						ib[np] = j;
						y[np] = bacc[i] > bacc[j] ? 1.0f : 0.0f;
					}
			ct_nac_forward(&m, bt, batch, nb, feat);
			memset(grad, 0, sizeof(float) * m.nparams);
			memset(dfeat, 0, sizeof(float) * nb * m.feat);
			loss = ct_nac_pair_loss(&m, feat, ia, ib, y, np, NULL, grad, dfeat);
			if (m.shape.head == CT_NAC_HEAD_ANTISYMMETRIC)
			{
				/* nac_train.c's tie_head_gradient */
				float	   *gw = grad + (m.fc_w - m.params);

				for (int k = 0; k < m.feat; k++)
				{
					float		g = gw[k] - gw[m.feat + k];

					gw[k] = g;
					gw[m.feat + k] = -g;
				}
				grad[m.fc_b - m.params] = 0.0f;
			}
			ct_nac_backward(&m, bt, dfeat, grad);
			ct_adam_step(&adam, m.params, grad);
			if (ema_decay > 0.0)
				for (size_t k = 0; k < m.nparams; k++)
					avg[k] = ema_decay * avg[k] + (1.0 - ema_decay) * m.params[k];
			stats->steps++;
			loss_sum += loss * np;
			pairs_sum += np;
		}
		stats->epochs++;
		stats->final_loss = loss_sum / pairs_sum;
	}
	if (ema_decay > 0.0)
		for (size_t k = 0; k < m.nparams; k++)
			m.params[k] = (float) avg[k];
	free(avg);
	ct_nac_batch_destroy(bt);
	ct_adam_free(&adam);
	free(rows);
	free(order);
	free(ia);
	free(ib);
	free(perm);
	free(y);
	free(batch);
	free(bacc);
	free(feat);
	free(dfeat);
	free(grad);
	*out = m;
	return ct_nac_check_finite(&m, err);
}

static void
write_scores(const char *path, const double *score, int n)
{
	FILE	   *f = fopen(path, "w");

	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	for (int i = 0; i < n; i++)
		fprintf(f, "%.9g\n", score[i]);
	fclose(f);
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
	if (members < 1 || members > 32)
		return fprintf(stderr, "ENSEMBLE must be 1 to 32\n"), 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int e = 0; e < members; e++)
	{
		ct_nac_options o = opt;

		o.seed = opt.seed + (uint64_t) e * 1000003;
		if (getenv("PAIRS") || getenv("EMA")
			? !train_pairs(train_cells, train_acc, ntrain, &o,
						   !getenv("PAIRS") ? 1 : strcmp(getenv("PAIRS"), "all") == 0 ? 0 : atoi(getenv("PAIRS")),
										   &ens[e], &stats, &err)
			: !ct_nac_train(train_cells, train_acc, ntrain, &o, &ens[e], &stats, NULL, NULL, &err))
			return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	}
	if (getenv("PSEUDO"))
	{
		int			np = atoi(getenv("PSEUDO"));
		int			lo = all ? ntrain : 523;
		ct_nac_labelled_pair *pool = malloc(sizeof(ct_nac_labelled_pair) * np);
		ct_arch    *pc = malloc(sizeof(ct_arch) * 256);
		float	   *pf = malloc(sizeof(float) * 256 * ens[0].feat);
		ct_nac_batch *pbt = ct_nac_batch_create(&ens[0].shape);
		ct_rng		r;
		ct_nac_options so = opt;
		ct_nac_trainer *t;

		ct_rng_seed(&r, opt.seed ^ 0xC0FFEEULL);
		for (int i = 0; i < np; i++)
		{
			pool[i].a = cells[perm[lo + ct_rng_below(&r, NB101_CELLS - lo)]];
			pool[i].b = cells[perm[lo + ct_rng_below(&r, NB101_CELLS - lo)]];
		}
		for (int i = 0; i < np; i += 128)
		{
			int			k = np - i < 128 ? np - i : 128;
			double		lg[128] = {0};

			for (int j = 0; j < k; j++)
			{
				pc[2 * j] = pool[i + j].a;
				pc[2 * j + 1] = pool[i + j].b;
			}
			for (int e = 0; e < members; e++)
			{
				ct_nac_forward(&ens[e], pbt, pc, 2 * k, pf);
				for (int j = 0; j < k; j++)
					lg[j] += ct_nac_head_logit(&ens[e], pf + 2 * j * ens[e].feat, pf + (2 * j + 1) * ens[e].feat);
			}
			for (int j = 0; j < k; j++)
				pool[i + j].label = lg[j] >= 0 ? 1.0f : 0.0f;
		}
		so.seed = opt.seed + 7777;
		t = ct_nac_trainer_create(train_cells, train_acc, ntrain, &so, &err);
		if (t == NULL)
			return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
		ct_nac_trainer_reserve_pool(t, np);
		for (int e = 0; e < so.epochs; e++)
			ct_nac_trainer_epoch(t, pool, np, NULL, NULL);
		if (!ct_nac_trainer_finish(t, &ens[0], &stats, &err))
			return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
		members = 1;
	}
	m = ens[0];
	train_s = seconds_since(&t0);
	bt = ct_nac_batch_create(&m.shape);

	if (!all)
	{
		float	   *feat = malloc(sizeof(float) * 100 * m.feat);
		static double logit[100][100];
		ct_arch		held[100];
		double		sc[100] = {0};	/* each cell's score summed over members, for SCORES */
		long		sum = 0;

		for (int i = 0; i < 100; i++)
			held[i] = cells[perm[423 + i]];
		memset(logit, 0, sizeof(logit));
		for (int e = 0; e < members; e++)
		{
			long		part = 0;

			ct_nac_forward(&ens[e], bt, held, 100, feat);
			for (int i = 0; i < 100; i++)
				sc[i] += ct_nac_score_feat(&ens[e], feat + i * m.feat);
			for (int i = 0; i < 100; i++)
				for (int j = i + 1; j < 100; j++)
				{
					logit[i][j] += ct_nac_head_logit(&ens[e], feat + i * m.feat, feat + j * m.feat);
					part += (logit[i][j] >= 0) == (acc[perm[423 + i]] >= acc[perm[423 + j]]) ? 1 : -1;
				}
			if (members > 1)
				printf("members %d: %.4f\n", e + 1, part / 4950.0);
		}
		for (int i = 0; i < 100; i++)
			for (int j = i + 1; j < 100; j++)
			{
				bool		says = logit[i][j] >= 0;

				sum += says == (acc[perm[423 + i]] >= acc[perm[423 + j]]) ? 1 : -1;
			}
		if (getenv("SCORES"))
			write_scores(getenv("SCORES"), sc, 100);
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
			for (int j = 0; j < k; j++)
			{
				score[i + j] = 0.0;
				truth[i + j] = acc[perm[ntrain + i + j]];
			}
			for (int e = 0; e < members; e++)
			{
				ct_nac_forward(&ens[e], bt, chunk, k, feat);
				for (int j = 0; j < k; j++)
					score[i + j] += ct_nac_score_feat(&ens[e], feat + j * m.feat);
			}
		}
		if (getenv("SCORES"))
			write_scores(getenv("SCORES"), score, rest);
		printf("all seed %llu, %d train: tau-b %.4f on %d cells, train %.1f s, score %.1f s\n",
			   (unsigned long long) seed, ntrain, ct_kendall_tau_b(score, truth, rest), rest,
			   train_s, seconds_since(&t0));
	}
	return 0;
}
