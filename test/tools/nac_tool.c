/*
 * nac_tool.c
 *	  The NAC core from the command line, for checks and benchmarks:
 *
 *	  nac_tool dump OUT.json   weights, cells, pairs, our p, loss, gradients and
 *	                           the weights after 3 Adam steps, for
 *	                           test/torch/crosscheck.py to recompute in PyTorch
 *	  nac_tool train [CSV [CELLS [EPOCHS [SEED]]]]
 *	                           times recipe "paper" on the first CELLS cells of
 *	                           CSV, in data/nb101_sample.csv's format
 *	                           (default that file, 423, 1000, 0)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_alloc.h"
#include "ctnas_nac.h"
#include "sample_csv.h"

static sample_row rows[5100];

static void
write_floats(FILE *f, const float *x, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%.9g", i ? "," : "", (double) x[i]);
	fputc(']', f);
}

static void
write_matrix(FILE *f, const float *x, size_t rows_, size_t cols)
{
	fputc('[', f);
	for (size_t r = 0; r < rows_; r++)
	{
		if (r)
			fputc(',', f);
		write_floats(f, x + r * cols, cols);
	}
	fputc(']', f);
}

/* Any vector laid out as ct_nac.params (weights or gradients), in the dump's structure. */
static void
write_params(FILE *f, const ct_nac *m, const float *v)
{
	size_t		w = (size_t) m->shape.width;

	fputs("{\"embedding\":", f);
	write_matrix(f, v + (m->emb - m->params), (size_t) m->shape.vocab_size, w);
	fputs(",\"gcn\":[", f);
	for (int l = 0; l < m->shape.layers; l++)
	{
		fputs(l ? ",{\"weight\":" : "{\"weight\":", f);
		write_matrix(f, v + (m->W[l] - m->params), w, w);
		fputs(",\"bias\":", f);
		write_floats(f, v + (m->b[l] - m->params), w);
		fputc('}', f);
	}
	fputs("],\"fc_weight\":", f);
	write_floats(f, v + (m->fc_w - m->params), 2 * w);
	fputs(",\"fc_bias\":", f);
	write_floats(f, v + (m->fc_b - m->params), 1);
	fputc('}', f);
}

static int
dump(const char *path)
{
	enum
	{
		NCELLS = 24, NPAIRS = 40, STEPS = 3
	};
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_nac		m;
	ct_nac_batch *bt = ct_nac_batch_create(&shape);
	ct_arch		cells[NCELLS];
	int			ia[NPAIRS],
				ib[NPAIRS];
	float		y[NPAIRS],
				p[NPAIRS];
	float	   *feat = ct_calloc(NCELLS * (size_t) shape.width, sizeof(float));
	float	   *dfeat = ct_calloc(NCELLS * (size_t) shape.width, sizeof(float));
	float	   *grad;
	double		loss;
	ct_adam		adam;
	FILE	   *f;
	int			n = sample_csv_read("data/nb101_sample.csv", rows, 5100);

	if (n < 5100)
		return fprintf(stderr, "cannot read data/nb101_sample.csv\n"), 1;
	/* cells of every size: the 3- and 4-node cells and a spread of the rest */
	for (int i = 0, k = 0; i < n && k < NCELLS; i++)
		if (rows[i].graph.n < 6 || i % 211 == 0)
			cells[k++] = rows[i].cell;
	for (int k = 0; k < NPAIRS; k++)
	{
		ia[k] = (k * 7) % NCELLS;
		ib[k] = (k * 11 + 3) % NCELLS;
		y[k] = (float) ((k * 5) % 3 == 0);
	}
	ia[0] = ib[0] = 5;			/* a self pair */
	ia[1] = 2, ib[1] = 9, ia[2] = 9, ib[2] = 2;	/* both orders of one pair */

	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 42);
	grad = ct_calloc(m.nparams, sizeof(float));

	f = fopen(path, "w");
	if (f == NULL)
		return perror(path), 1;
	fputs("{\"weights\":", f);
	write_params(f, &m, m.params);
	fputs(",\"cells\":[", f);
	for (int k = 0; k < NCELLS; k++)
	{
		char		text[CT_GRAPH_JSON_MAX];

		ct_arch_to_text(&cells[k], text, sizeof(text));
		fprintf(f, "%s%s", k ? "," : "", text);
	}
	fputs("],\"pairs\":[", f);
	for (int k = 0; k < NPAIRS; k++)
		fprintf(f, "%s[%d,%d]", k ? "," : "", ia[k], ib[k]);
	fputs("],\"labels\":[", f);
	for (int k = 0; k < NPAIRS; k++)
		fprintf(f, "%s%d", k ? "," : "", (int) y[k]);

	ct_nac_forward(&m, bt, cells, NCELLS, feat);
	loss = ct_nac_pair_loss(&m, feat, ia, ib, y, NPAIRS, p, grad, dfeat);
	ct_nac_backward(&m, bt, dfeat, grad);
	fputs("],\"expected\":{\"p\":", f);
	write_floats(f, p, NPAIRS);
	fprintf(f, ",\"loss\":%.9g,\"grads\":", loss);
	write_params(f, &m, grad);

	ct_adam_init(&adam, m.nparams, 2e-4, 0.5, 0.999, 1e-8, 5e-4);
	for (int s = 0; s < STEPS; s++)
	{
		memset(grad, 0, sizeof(float) * m.nparams);
		memset(dfeat, 0, sizeof(float) * NCELLS * (size_t) shape.width);
		ct_nac_forward(&m, bt, cells, NCELLS, feat);
		ct_nac_pair_loss(&m, feat, ia, ib, y, NPAIRS, NULL, grad, dfeat);
		ct_nac_backward(&m, bt, dfeat, grad);
		ct_adam_step(&adam, m.params, grad);
	}
	fprintf(f, ",\"adam\":{\"lr\":2e-4,\"betas\":[0.5,0.999],\"eps\":1e-8,\"weight_decay\":5e-4,\"steps\":%d,\"weights_after\":", STEPS);
	write_params(f, &m, m.params);
	fputs("}}}\n", f);
	fclose(f);
	printf("wrote %s: %d cells, %d pairs, loss %.6f\n", path, NCELLS, NPAIRS, loss);
	return 0;
}

static int
train(const char *csv, int ncells, int epochs, uint64_t seed)
{
	static ct_arch cells[5100];
	static double acc[5100];
	ct_nac_options opt = ct_nac_default_options();
	ct_nac		m;
	ct_nac_stats stats;
	ct_error	err;
	struct timespec t0,
				t1;
	int			n = sample_csv_read(csv, rows, 5100);

	if (n < ncells)
		return fprintf(stderr, "cannot read %d cells from %s\n", ncells, csv), 1;
	for (int i = 0; i < ncells; i++)
	{
		cells[i] = rows[i].cell;
		acc[i] = rows[i].test_acc_run0;
	}
	opt.epochs = epochs;
	opt.seed = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!ct_nac_train(cells, acc, (size_t) ncells, &opt, &m, &stats, NULL, NULL, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		/* the largest weight, against the bound a model blob may hold (CT_NAC_MAX_WEIGHT) */
		float		wmax = 0;

		for (size_t i = 0; i < m.nparams; i++)
			wmax = fabsf(m.params[i]) > wmax ? fabsf(m.params[i]) : wmax;
		printf("ctnas core, paper recipe, %d cells, %d epochs: %.2f s (loss %.3f, %llu steps, max |w| %.3f)\n",
			   ncells, epochs, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
			   stats.final_loss, (unsigned long long) stats.steps, wmax);
	}
	ct_nac_free(&m);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "dump") == 0)
		return dump(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "train") == 0)
		return train(argc > 2 ? argv[2] : "data/nb101_sample.csv", argc > 3 ? atoi(argv[3]) : 423,
					 argc > 4 ? atoi(argv[4]) : 1000, argc > 5 ? strtoull(argv[5], NULL, 10) : 0);
	fprintf(stderr, "usage: nac_tool dump OUT.json | nac_tool train [CSV [CELLS [EPOCHS [SEED]]]]\n");
	return 2;
}
