/*
 * nac_tool.c
 *	  The NAC core from the command line, for checks and benchmarks:
 *
 *	  nac_tool dump OUT.json   weights, cells, pairs, our p, loss, gradients and
 *	                           the weights after 3 Adam steps, for
 *	                           test/torch/crosscheck.py to recompute in PyTorch
 *	  nac_tool dump-default OUT.json
 *	                           the same for recipe "default"'s network (both
 *	                           directions, [nodes; sink] readout, the
 *	                           antisymmetric head, its gradient tied)
 *	  nac_tool dump-darts OUT.json
 *	                           the same for the DARTS NAC (genotypes of
 *	                           data/darts_sample.csv and a few with "none")
 *	  nac_tool darts-ktau SEED NTRAIN [OPTIONS_JSON [CSV]]
 *	                           trains on the first NTRAIN genotypes of
 *	                           torch.randperm(rows, SEED) of CSV (default
 *	                           data/darts_sample.csv), reports CTNAS's KTau on
 *	                           the next 100 (or all the rest, if fewer) and
 *	                           tau-b of nac_score's order on all the rest;
 *	                           the training seed is SEED unless the options
 *	                           set it
 *	  nac_tool dump-ofa OUT.json
 *	                           the same for the OFA MobileNetV3 space's MLP
 *	                           (the reference's MBSpaceNAC), on subnets built
 *	                           with ct_ofa_pack
 *	  nac_tool ofa-ktau SEED NTRAIN [OPTIONS_JSON [CSV]]
 *	                           as darts-ktau, on the OFA subnets of CSV
 *	                           (default /work/shared/data/ofa_mbv3/
 *	                           ofa_mbv3_w10_unique_subnets.csv.gz; columns
 *	                           ks_active, e_active, d and top1_mean)
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
#include "ctnas_darts.h"
#include "ctnas_nac.h"
#include "ctnas_ofa.h"
#include "ctnas_stats.h"
#include "darts_csv.h"
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

	if (ct_nac_is_mlp(&m->shape))
	{
		/* PyTorch's layout: Linear.weight is [out][in], ours [in][out] */
		fputs("{\"mlp\":[", f);
		for (int l = 0; l < m->shape.layers; l++)
		{
			size_t		in = l == 0 ? (size_t) m->shape.slots : w;
			const float *W = v + (m->W[l] - m->params);

			fputs(l ? ",{\"weight\":[" : "{\"weight\":[", f);
			for (size_t o = 0; o < w; o++)
			{
				fputs(o ? ",[" : "[", f);
				for (size_t i = 0; i < in; i++)
					fprintf(f, "%s%.9g", i ? "," : "", (double) W[i * w + o]);
				fputc(']', f);
			}
			fputs("],\"bias\":", f);
			write_floats(f, v + (m->b[l] - m->params), w);
			fputc('}', f);
		}
		fputs("],\"fc_weight\":", f);
		write_floats(f, v + (m->fc_w - m->params), 2 * (size_t) m->feat);
		fputs(",\"fc_bias\":", f);
		write_floats(f, v + (m->fc_b - m->params), 1);
		fputc('}', f);
		return;
	}
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
	write_floats(f, v + (m->fc_w - m->params), 2 * (size_t) m->feat);
	fputs(",\"fc_bias\":", f);
	write_floats(f, v + (m->fc_b - m->params), 1);
	fputc('}', f);
}

enum
{
	NCELLS = 24, NPAIRS = 40, STEPS = 3
};

/*
 * The dump of NCELLS cells of one space (space: the "space" key to write,
 * NULL for none: NAS-Bench-101's dump), of the reference network or of
 * recipe "default"'s (recipe_default: the "network" key says so).
 */
static int
dump_cells(const char *path, const ct_arch *cells, const char *space, bool recipe_default)
{
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_nac		m;
	ct_nac_batch *bt;
	int			ia[NPAIRS],
				ib[NPAIRS];
	float		y[NPAIRS],
				p[NPAIRS];
	float	   *feat;
	float	   *dfeat;
	float	   *grad;
	double		loss;
	ct_adam		adam;
	FILE	   *f;

	ct_nac_shape_set_space(&shape, ct_space_of(&cells[0]));
	if (ct_nac_is_mlp(&shape) || recipe_default)
	{
		/* the recipe's network (recipe "paper"'s MLP: 3 Linear layers of 512) */
		ct_nac_options o = ct_nac_recipe_options(recipe_default ? CT_NAC_RECIPE_DEFAULT : CT_NAC_RECIPE_PAPER);

		shape = ct_nac_options_shape(&o, ct_space_of(&cells[0]));
	}
	bt = ct_nac_batch_create(&shape);
	feat = ct_calloc(NCELLS * (size_t) ct_nac_feat_width(&shape), sizeof(float));
	dfeat = ct_calloc(NCELLS * (size_t) ct_nac_feat_width(&shape), sizeof(float));
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
	fputs("{", f);
	if (space)
		fprintf(f, "\"space\":\"%s\",", space);
	if (recipe_default)
		fprintf(f, "\"network\":\"default\",");
	fputs("\"weights\":", f);
	write_params(f, &m, m.params);
	fputs(",\"cells\":[", f);
	for (int k = 0; k < NCELLS; k++)
	{
		char		text[CT_ARCH_TEXT_MAX];

		if (cells[k].space == CT_SPACE_OFA)
		{
			ct_ofa_net	net;

			/* the reference's string (d:k:e), which its tensorizer reads; archgraph's text is a JSON object */
			ct_ofa_unpack(&cells[k], &net);
			ct_ofa_to_native(&net, text, sizeof(text));
		}
		else
			ct_arch_to_text(&cells[k], text, sizeof(text));
		/* a DARTS genotype or an OFA subnet is a string (no " or \ in it); an NB101 cell a JSON object */
		fprintf(f, space ? "%s\"%s\"" : "%s%s", k ? "," : "", text);
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
	ct_nac_head_tie_gradient(&m, grad);
	fputs("],\"expected\":{\"p\":", f);
	write_floats(f, p, NPAIRS);
	fprintf(f, ",\"loss\":%.9g,\"grads\":", loss);
	write_params(f, &m, grad);

	ct_adam_init(&adam, m.nparams, 2e-4, 0.5, 0.999, 1e-8, 5e-4);
	for (int s = 0; s < STEPS; s++)
	{
		memset(grad, 0, sizeof(float) * m.nparams);
		memset(dfeat, 0, sizeof(float) * NCELLS * (size_t) m.feat);
		ct_nac_forward(&m, bt, cells, NCELLS, feat);
		ct_nac_pair_loss(&m, feat, ia, ib, y, NPAIRS, NULL, grad, dfeat);
		ct_nac_backward(&m, bt, dfeat, grad);
		ct_nac_head_tie_gradient(&m, grad);
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
dump(const char *path, bool recipe_default)
{
	ct_arch		cells[NCELLS];
	int			n = sample_csv_read("data/nb101_sample.csv", rows, 5100);

	if (n < 5100)
		return fprintf(stderr, "cannot read data/nb101_sample.csv\n"), 1;
	/* cells of every size: the 3- and 4-node cells and a spread of the rest */
	for (int i = 0, k = 0; i < n && k < NCELLS; i++)
		if (rows[i].graph.n < 6 || i % 211 == 0)
			cells[k++] = rows[i].cell;
	return dump_cells(path, cells, NULL, recipe_default);
}

#define DARTS_ROWS_MAX 4096
static ct_arch darts_cells[DARTS_ROWS_MAX];
static double darts_acc[DARTS_ROWS_MAX];

static int
dump_darts(const char *path)
{
	ct_arch		cells[NCELLS];
	int			n = darts_csv_read("data/darts_sample.csv", darts_cells, darts_acc, 300);
	ct_error	err;

	if (n < 300)
		return fprintf(stderr, "cannot read data/darts_sample.csv\n"), 1;
	/* a spread of the sample, and genotypes with "none" edges (which no sample has) */
	for (int k = 0; k < NCELLS - 3; k++)
		cells[k] = darts_cells[k * 13];
	if (!ct_arch_parse("Genotype(normal=[('none', 0), ('sep_conv_3x3', 1), ('none', 0), ('none', 2), "
					   "('skip_connect', 1), ('dil_conv_5x5', 3), ('avg_pool_3x3', 0), ('none', 4)], normal_concat=[2, 3, 4, 5], "
					   "reduce=[('max_pool_3x3', 0), ('none', 1), ('sep_conv_5x5', 1), ('dil_conv_3x3', 2), "
					   "('none', 0), ('none', 1), ('sep_conv_3x3', 3), ('skip_connect', 4)], reduce_concat=[2, 3, 4, 5])",
					   &cells[NCELLS - 3], &err) ||
		!ct_arch_parse("Genotype(normal=[('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 2), ('none', 3), "
					   "('none', 3), ('none', 4)], normal_concat=[2, 3, 4, 5], reduce=[('none', 0), ('none', 1), ('none', 0), "
					   "('none', 1), ('none', 2), ('none', 3), ('none', 3), ('none', 4)], reduce_concat=[2, 3, 4, 5])",
					   &cells[NCELLS - 2], &err) ||
		!ct_arch_parse("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
					   "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
					   "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
					   "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
					   &cells[NCELLS - 1], &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	return dump_cells(path, cells, "darts", false);
}


/* OFA subnets: a spread of depths, kernels and expand ratios, with the smallest and the largest */
static int
dump_ofa(const char *path)
{
	ct_arch		cells[NCELLS];

	for (int k = 0; k < NCELLS; k++)
	{
		ct_ofa_net	n;

		for (int u = 0; u < CT_OFA_UNITS; u++)
			n.d[u] = k == 0 ? 2 : k == 1 ? 4 : 2 + (k * 7 + u * 3) % 3;
		for (int s = 0; s < CT_OFA_SLOTS; s++)
		{
			n.ks[s] = k == 0 ? 3 : k == 1 ? 7 : ct_ofa_kernel((k * 5 + s * 11) % 3);
			n.e[s] = k == 0 ? 3 : k == 1 ? 6 : ct_ofa_expand((k * 13 + s * 7) % 3);
		}
		ct_ofa_pack(&n, &cells[k]);
	}
	return dump_cells(path, cells, "ofa_mbv3", false);
}

#define OFA_ROWS_MAX 4096
static ct_arch ofa_cells[OFA_ROWS_MAX];
static double ofa_acc[OFA_ROWS_MAX];

/* n values separated by ';' into out; false unless exactly n, each in the choices of `kind` */
static bool
parse_list(const char *text, int n, int *out)
{
	const char *p = text;

	for (int i = 0; i < n; i++)
	{
		char	   *end;

		out[i] = (int) strtol(p, &end, 10);
		if (end == p || (i < n - 1 ? *end != ';' : *end != '\0'))
			return false;
		p = end + 1;
	}
	return true;
}

/* The OFA CSV (gzip if named .gz): rows of ks_active, e_active, d, top1_mean; returns the count or -1. */
static int
ofa_csv_read(const char *path, ct_arch *cells, double *acc, int max)
{
	char		cmd[1024];
	char		line[4096];
	FILE	   *f;
	int			col_ks = -1,
				col_e = -1,
				col_d = -1,
				col_acc = -1;
	int			n = 0;
	bool		gz = strlen(path) > 3 && strcmp(path + strlen(path) - 3, ".gz") == 0;

	if (gz)
	{
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		f = popen(cmd, "r");
	}
	else
		f = fopen(path, "r");
	if (f == NULL || fgets(line, sizeof(line), f) == NULL)
		return -1;
	{
		char	   *tok = strtok(line, ",\r\n");

		for (int c = 0; tok; c++, tok = strtok(NULL, ",\r\n"))
		{
			if (strcmp(tok, "ks_active") == 0)
				col_ks = c;
			else if (strcmp(tok, "e_active") == 0)
				col_e = c;
			else if (strcmp(tok, "d") == 0)
				col_d = c;
			else if (strcmp(tok, "top1_mean") == 0)
				col_acc = c;
		}
	}
	if (col_ks < 0 || col_e < 0 || col_d < 0 || col_acc < 0)
		return -1;
	while (n < max && fgets(line, sizeof(line), f) != NULL)
	{
		char	   *fields[32];
		int			nf = 0;
		ct_ofa_net	net;
		char	   *p = line;

		line[strcspn(line, "\r\n")] = '\0';
		while (nf < 32)
		{
			fields[nf++] = p;
			p = strchr(p, ',');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (nf <= col_ks || nf <= col_e || nf <= col_d || nf <= col_acc ||
			!parse_list(fields[col_ks], CT_OFA_SLOTS, net.ks) || !parse_list(fields[col_e], CT_OFA_SLOTS, net.e) ||
			!parse_list(fields[col_d], CT_OFA_UNITS, net.d))
			return -1;
		for (int u = 0; u < CT_OFA_UNITS; u++)
		{
			if (net.d[u] < 2 || net.d[u] > 4)
				return -1;
			for (int l = 0; l < net.d[u]; l++)
				if (ct_ofa_kernel_index(net.ks[u * 4 + l]) < 0 || ct_ofa_expand_index(net.e[u * 4 + l]) < 0)
					return -1;
		}
		ct_ofa_pack(&net, &cells[n]);
		acc[n] = strtod(fields[col_acc], NULL);
		n++;
	}
	if (gz)
		pclose(f);
	else
		fclose(f);
	return n;
}

#define KTAU_ROWS_MAX 4096

/*
 * The ranking protocol of both *-ktau modes: split = torch.randperm(n, seed), train on the first
 * ntrain, CTNAS's KTau on the next 100, tau-b of nac_score on all the rest.
 */
static int
split_ktau(const char *label, const ct_arch *cells, const double *acc, int n, uint64_t seed, int ntrain,
		   const char *json)
{
	ct_nac_options opt;
	ct_error	err;
	char		with_seed[512];
	static uint32_t perm[KTAU_ROWS_MAX];
	static ct_arch train_cells[KTAU_ROWS_MAX];
	static double train_acc[KTAU_ROWS_MAX];
	ct_nac		m;
	ct_nac_stats stats;
	ct_nac_batch *bt;
	float	   *feat;
	static double score[KTAU_ROWS_MAX],
				truth[KTAU_ROWS_MAX];
	long		sum = 0;
	int			nheld,
				rest;
	struct timespec t0,
				t1;

	if (n < 3 || ntrain < 2 || ntrain > n - 2)
		return fprintf(stderr, "need 2 <= NTRAIN <= rows - 2 (%d rows)\n", n), 2;
	if (strstr(json, "\"seed\"") == NULL)
	{
		snprintf(with_seed, sizeof(with_seed), "{\"seed\": %llu%s%s", (unsigned long long) seed,
				 strcmp(json, "{}") == 0 ? "" : ", ", json + 1);
		json = with_seed;
	}
	if (!ct_nac_options_from_json(json, &opt, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	ct_torch_randperm((uint32_t) n, seed, perm);
	for (int i = 0; i < ntrain; i++)
	{
		train_cells[i] = cells[perm[i]];
		train_acc[i] = acc[perm[i]];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!ct_nac_train(train_cells, train_acc, (size_t) ntrain, &opt, &m, &stats, NULL, NULL, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rest = n - ntrain;
	nheld = rest < 100 ? rest : 100;
	bt = ct_nac_batch_create(&m.shape);
	feat = ct_calloc((size_t) rest * m.feat, sizeof(float));
	for (int i = 0; i < rest; i++)
		train_cells[i] = cells[perm[ntrain + i]];
	ct_nac_forward(&m, bt, train_cells, rest, feat);
	/* CTNAS's KTau: pairs i < j of the held-out 100, sign(p - 0.5) against sign(acc_i - acc_j), sign(0) = +1 */
	for (int i = 0; i < nheld; i++)
		for (int j = i + 1; j < nheld; j++)
			sum += (ct_nac_head_logit(&m, feat + (size_t) i * m.feat, feat + (size_t) j * m.feat) >= 0) ==
				(acc[perm[ntrain + i]] >= acc[perm[ntrain + j]]) ? 1 : -1;
	for (int i = 0; i < rest; i++)
	{
		score[i] = ct_nac_score_feat(&m, feat + (size_t) i * m.feat);
		truth[i] = acc[perm[ntrain + i]];
	}
	{
		float		wmax = 0;

		for (size_t i = 0; i < m.nparams; i++)
			wmax = fabsf(m.params[i]) > wmax ? fabsf(m.params[i]) : wmax;
		printf("%s seed %llu, recipe %s, %d train: ktau %.4f on %d, tau-b %.4f on %d, train %.1f s, loss %.4f, max |w| %.3f\n",
			   label, (unsigned long long) seed, ct_nac_recipe_name(opt.recipe), ntrain,
			   (double) sum / (nheld * (nheld - 1) / 2), nheld, ct_kendall_tau_b(score, truth, rest), rest,
			   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, stats.final_loss, wmax);
	}
	ct_free(feat);
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);
	return 0;
}

static int
darts_ktau(uint64_t seed, int ntrain, const char *json, const char *csv)
{
	int			n = darts_csv_read(csv, darts_cells, darts_acc, DARTS_ROWS_MAX);

	return split_ktau("darts", darts_cells, darts_acc, n, seed, ntrain, json);
}

static int
ofa_ktau(uint64_t seed, int ntrain, const char *json, const char *csv)
{
	int			n = ofa_csv_read(csv, ofa_cells, ofa_acc, OFA_ROWS_MAX);

	if (n < 0)
		return fprintf(stderr, "cannot read OFA subnets from %s\n", csv), 2;
	return split_ktau("ofa", ofa_cells, ofa_acc, n, seed, ntrain, json);
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
		printf("ctnas core, paper recipe, %d cells, %d epochs: %.2f s (loss %.3f, %llu steps, max |w| %.3f, %.1f GFLOP in sgemm)\n",
			   ncells, epochs, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
			   stats.final_loss, (unsigned long long) stats.steps, wmax, 2.0 * ct_nac_sgemm_macs() / 1e9);
	}
	ct_nac_free(&m);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "dump") == 0)
		return dump(argv[2], false);
	if (argc >= 3 && strcmp(argv[1], "dump-default") == 0)
		return dump(argv[2], true);
	if (argc >= 3 && strcmp(argv[1], "dump-darts") == 0)
		return dump_darts(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "darts-ktau") == 0)
		return darts_ktau(strtoull(argv[2], NULL, 10), atoi(argv[3]), argc > 4 ? argv[4] : "{}",
						  argc > 5 ? argv[5] : "data/darts_sample.csv");
	if (argc >= 3 && strcmp(argv[1], "dump-ofa") == 0)
		return dump_ofa(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "ofa-ktau") == 0)
		return ofa_ktau(strtoull(argv[2], NULL, 10), atoi(argv[3]), argc > 4 ? argv[4] : "{}",
						argc > 5 ? argv[5] : "/work/shared/data/ofa_mbv3/ofa_mbv3_w10_unique_subnets.csv.gz");
	if (argc >= 2 && strcmp(argv[1], "train") == 0)
		return train(argc > 2 ? argv[2] : "data/nb101_sample.csv", argc > 3 ? atoi(argv[3]) : 423,
					 argc > 4 ? atoi(argv[4]) : 1000, argc > 5 ? strtoull(argv[5], NULL, 10) : 0);
	fprintf(stderr, "usage: nac_tool dump OUT.json | nac_tool dump-default OUT.json | nac_tool dump-darts OUT.json | "
			"nac_tool darts-ktau SEED NTRAIN [OPTIONS_JSON [CSV]] | nac_tool dump-ofa OUT.json | "
			"nac_tool ofa-ktau SEED NTRAIN [OPTIONS_JSON [CSV]] | nac_tool train [CSV [CELLS [EPOCHS [SEED]]]]\n");
	return 2;
}
