/*
 * space_bench.c
 *	  Search benchmarks of the core in any space, for
 *	  test/bench/darts_search_table.py, test/bench/ofa_search_table.py and the
 *	  whole-space listings in test/bench/darts_results.md and ofa_results.md.
 *
 *	  CSV: a header line, then one architecture a row; the first column is
 *	  the architecture in any text form ct_arch_parse accepts (CSV-quoted:
 *	  "" for "), and the value searched for is in column COLUMN, given by its
 *	  header name or its number counting from 1 (the architecture is column
 *	  1); "-" for standard input.  E.g. data/darts_sample.csv (or the 1,218
 *	  labelled DARTS genotypes in its form) with nb301_surrogate_val_acc,
 *	  data/ofa_mbv3_w10.csv with top1_imagenet_val_supernet_weights.  Every
 *	  output names the value by COLUMN's header: the tool does not know what
 *	  the values are (NB301 surrogate predictions, supernet-weight
 *	  accuracies, ...); the scripts and results say it.
 *
 *	  space_bench CSV COLUMN search random|evolution|local|ctnas SEED BUDGET [OPTIONS-JSON]
 *	      a search whose oracle is the CSV's rows (proposals from the
 *	      oracle's rows unless the options name a space); prints the final
 *	      architecture's value, its rank among the rows by that value (1 =
 *	      the best, ties counted once), whether it was queried, the best
 *	      queried value, queries used and the seconds of the search (the CSV
 *	      is read before the clock starts).  Options are ctnas_search's for
 *	      ctnas (e.g. {"recipe": "paper"}), local_search's for local, the
 *	      baselines' otherwise.
 *	  space_bench CSV COLUMN whole SEED BUDGET TOP POOL [CTNAS-OPTIONS-JSON]
 *	      one CTNAS search with "space" the rows' space (proposals from the
 *	      whole space; the options' recipe), then lists the TOP architectures
 *	      its final NAC ranks best that are not rows of the CSV (nobody has a
 *	      value for them):
 *	      POOL > 0: among POOL architectures of the space's sampler (seeds
 *	        1..POOL, as archgraph_random(s, SPACE)), scored by this tool;
 *	      POOL = 0: the search's own listing, ct_ctnas_list (the option
 *	        "list" = TOP; candidates: the cells read, 1,000 sampler draws,
 *	        1,000 controller samples for recipe "paper", 3 rounds of
 *	        neighbours of the 8 best-ranked; those the CSV lacks).
 *	      For each, the NAC score and the mean probability the NAC gives it
 *	      of beating a row of the CSV; the search's own final the same way.
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
#include "bench_search.h"

#define ROWS_MAX 4096

static ct_arch cells[ROWS_MAX];
static double acc[ROWS_MAX];
static int nrows;
static char vname[128];			/* the value column's header */
static const ct_space *space;	/* the rows' space */

/*
 * The next CSV field of *p (RFC 4180 quoting, within one line) into out;
 * advances *p past its comma.  False at the end of the line.
 */
static bool
csv_field(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t		j = 0;

	if (*s == '\0' || *s == '\n' || *s == '\r')
		return false;
	if (*s == '"')
	{
		for (s++; *s != '\0' && !(*s == '"' && s[1] != '"'); s++)
		{
			if (*s == '"')
				s++;			/* "" */
			if (j + 1 < size)
				out[j++] = *s;
		}
		if (*s == '"')
			s++;
	}
	while (*s != '\0' && *s != ',' && *s != '\n' && *s != '\r')
	{
		if (j + 1 < size)
			out[j++] = *s;
		s++;
	}
	out[j] = '\0';
	*p = *s == ',' ? s + 1 : s;
	return true;
}

/* reads the CSV (see the header comment); returns the rows or -1 */
static int
read_csv(const char *path, const char *column)
{
	FILE	   *f = fopen(strcmp(path, "-") == 0 ? "/dev/stdin" : path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	char		field[4096];
	const char *p;
	int			col = -1,
				n = 0;
	char	   *end;
	long		num = strtol(column, &end, 10);

	if (f == NULL)
		return fprintf(stderr, "cannot open %s\n", path), -1;
	if (getline(&line, &cap, f) < 0)
		return fprintf(stderr, "%s: empty\n", path), fclose(f), -1;
	p = line;
	for (int i = 0; csv_field(&p, field, sizeof(field)); i++)
		if ((*end == '\0' && num == i + 1) || (*end != '\0' && strcmp(field, column) == 0))
		{
			col = i;
			snprintf(vname, sizeof(vname), "%.127s", field);
		}
	if (col < 1)
		return fprintf(stderr, "%s: no value column %s (a header name or a number from 2)\n", path, column),
			free(line), fclose(f), -1;
	while (getline(&line, &cap, f) >= 0)
	{
		ct_error	err;
		bool		got_value = false;

		if (line[0] == '\n' || line[0] == '\0')
			continue;
		if (n == ROWS_MAX)
			return fprintf(stderr, "%s: more than %d rows\n", path, ROWS_MAX), free(line), fclose(f), -1;
		p = line;
		for (int i = 0; csv_field(&p, field, sizeof(field)); i++)
		{
			if (i == 0 && !ct_arch_parse(field, &cells[n], &err))
				return fprintf(stderr, "%s: row %d: %s\n", path, n + 2, err.message), free(line), fclose(f), -1;
			if (i == col)
			{
				acc[n] = strtod(field, &end);
				got_value = end != field && *end == '\0';
			}
		}
		if (!got_value)
			return fprintf(stderr, "%s: row %d: no number in %s\n", path, n + 2, vname), free(line), fclose(f), -1;
		if (n == 0)
			space = ct_space_of(&cells[0]);
		else if (ct_space_of(&cells[n]) != space)
			return fprintf(stderr, "%s: row %d is not of space %s\n", path, n + 2, space->name),
				free(line), fclose(f), -1;
		n++;
	}
	free(line);
	fclose(f);
	return n;
}


static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* rank among the rows by value: 1 + rows strictly better */
static long
rank_of(double v)
{
	long		better = 0;

	for (int i = 0; i < nrows; i++)
		better += acc[i] > v;
	return better + 1;
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
		return fprintf(stderr, "%s seed %llu: the final architecture is not a row (proposals from the whole space?)\n",
					   method, (unsigned long long) seed), 1;
	for (int i = 0; i < b.used; i++)
		if (o.acc[b.log[i]] > best_queried)
			best_queried = o.acc[b.log[i]];
	printf("%s seed %llu: final %s %.4f, rank %ld of %d, %s, best queried %s %.4f, "
		   "%d queries, %.1f s\n",
		   method, (unsigned long long) seed, vname, o.acc[final], rank_of(o.acc[final]), nrows,
		   b.seen[final] == CT_ROW_READ ? "queried" : "not queried", vname, best_queried, b.used, secs);
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

/* the row of a, or -1 */
static int64_t
row_of(const ct_oracle *o, const ct_arch *a)
{
	return ct_oracle_find(o, a);
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
	double	   *list_score = NULL;
	float	   *frows,
			   *fcand,
			   *ffinal;
	int			ncand = 0,
				in_table = 0,
				best_row = 0,
				nlist;
	struct timespec t0;
	double		secs,
				list_secs = 0;
	char		text[CT_ARCH_TEXT_MAX];

	if (!bench_ctnas_options(json, seed, &opt, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	opt.space = CT_PROPOSE_SPACE;
	opt.space_id = space->id;
	if (pool == 0)
		opt.list = top;
	if (!ct_oracle_build(&o, cells, acc, (size_t) nrows, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 2;
	ct_budget_init(&b, &o, budget);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = ct_ctnas_create(&b, &opt, NULL, &err);
	if (s == NULL || !ct_ctnas_run(s, NULL, NULL, &err))
		return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
	secs = seconds_since(&t0);
	if (!ct_ctnas_final(s, &final_cell, &final_row, &final_score))
		return fprintf(stderr, "the search has no final architecture\n"), 1;
	m = ct_ctnas_model(s, &nopt, &nstats);
	if (m == NULL)
		return fprintf(stderr, "the search has no NAC\n"), 1;

	bt = ct_nac_batch_create(&m->shape);
	frows = embed_all(m, bt, cells, nrows);
	for (int i = 1; i < nrows; i++)
		if (acc[i] > acc[best_row])
			best_row = i;
	cand = ct_malloc(sizeof(ct_arch) * (size_t) (pool > 0 ? pool : top > 0 ? top : 1));
	if (pool > 0)
	{
		for (int k = 1; k <= pool; k++)
		{
			space->random((uint64_t) k, &cand[ncand]);
			if (row_of(&o, &cand[ncand]) >= 0)
				in_table++;
			else
				ncand++;
		}
	}
	else
	{
		list_score = ct_malloc(sizeof(double) * (size_t) (top > 0 ? top : 1));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		nlist = ct_ctnas_list(s, cand, list_score, top, &err);
		list_secs = seconds_since(&t0);
		if (nlist < 0)
			return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
		ncand = nlist;
	}
	fcand = embed_all(m, bt, cand, ncand);
	order = ct_malloc(sizeof(scored) * (size_t) (ncand > 0 ? ncand : 1));
	for (int i = 0; i < ncand; i++)
	{
		order[i].score = ct_nac_score_feat(m, fcand + (size_t) i * m->feat);
		order[i].i = i;
	}
	if (pool > 0)
		qsort(order, (size_t) ncand, sizeof(scored), by_score_desc);

	printf("whole-space CTNAS search (\"space\": \"%s\"), recipe %s, seed %llu, budget %d: %d queries "
		   "(the NAC's training rows), %.1f s; its NAC trained on %llu rows for %u epochs\n",
		   space->name, ct_ctnas_recipe_name(opt.recipe), (unsigned long long) seed, budget, b.used, secs,
		   (unsigned long long) nstats.rows, nstats.epochs);
	ffinal = embed_all(m, bt, &final_cell, 1);
	ct_arch_to_text(&final_cell, text, sizeof(text));
	printf("final: %s, NAC score %.4f, mean P(beats a row) %.4f\n",
		   final_row >= 0 ? "a row of the table" : "NOT a row of the table (no value here)",
		   ct_nac_score_feat(m, ffinal), mean_prob(m, ffinal, frows));
	if (final_row >= 0)
		printf("  %s %.4f, rank %ld of %d\n", vname, o.acc[final_row], rank_of(o.acc[final_row]), nrows);	/* oracle rows are in cell order */
	printf("  %s\n", text);
	printf("the table's best row (%s %.4f): NAC score %.4f, mean P(beats a row) %.4f\n",
		   vname, acc[best_row], ct_nac_score_feat(m, frows + (size_t) best_row * m->feat),
		   mean_prob(m, frows + (size_t) best_row * m->feat, frows));
	if (pool > 0)
		printf("pool: archgraph_random(s, '%s') for s = 1..%d: %d not in the table (%d in it); "
			   "top %d by NAC score (not evaluated: no %s here):\n",
			   space->name, pool, ncand, in_table, top, vname);
	else
		printf("ct_ctnas_list (option \"list\": %d, %.1f s): the %d its NAC ranks best among the whole-space "
			   "candidates not in the table (not evaluated: no %s here); NAC score (list's, tool's), mean P:\n",
			   top, list_secs, ncand, vname);
	for (int k = 0; k < top && k < ncand; k++)
	{
		const float *f = fcand + (size_t) order[k].i * m->feat;

		ct_arch_to_text(&cand[order[k].i], text, sizeof(text));
		if (pool > 0)
			printf("%d\t%.4f\t%.4f\t%s\n", k + 1, order[k].score, mean_prob(m, f, frows), text);
		else
			printf("%d\t%.4f\t%.4f\t%.4f\t%s%s\n", k + 1, list_score[k], order[k].score, mean_prob(m, f, frows),
				   text, row_of(&o, &cand[k]) >= 0 ? "\t(IN THE TABLE?)" : "");
	}
	ct_free(list_score);
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
	const char *mode = argc > 3 ? argv[3] : "";

	if (argc > 3)
	{
		nrows = read_csv(argv[1], argv[2]);
		if (nrows < 2)
			return fprintf(stderr, "%s: fewer than 2 rows\n", argv[1]), 2;
	}
	if (strcmp(mode, "search") == 0 && argc >= 7)
		return search(argv[4], strtoull(argv[5], NULL, 10), atoi(argv[6]), argc > 7 ? argv[7] : "{}");
	if (strcmp(mode, "whole") == 0 && argc >= 8)
		return whole(strtoull(argv[4], NULL, 10), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]),
					 argc > 8 ? argv[8] : "{}");
	fprintf(stderr, "usage: space_bench CSV COLUMN search random|evolution|local|ctnas SEED BUDGET [OPTIONS]\n"
			"       space_bench CSV COLUMN whole SEED BUDGET TOP POOL [CTNAS-OPTIONS]\n"
			"(CSV: architecture in column 1, CSV-quoted; COLUMN: the value's header name or number from 1;\n"
			" - for standard input; POOL 0: the search's own listing, ct_ctnas_list)\n");
	return 2;
}
