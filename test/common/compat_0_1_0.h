/*
 * compat_0_1_0.h
 *	  What the C fixtures of test/fixtures/0.1.0 pin, shared by the program
 *	  that wrote them with 0.1.0's core (test/fixtures/gen_0_1_0.c, built by
 *	  test/fixtures/make_0.1.0.sh) and the unit test that checks the current
 *	  core against them (test/unit/test_compat_0_1_0.c): the searches, the
 *	  trainings, the cells scored, and how an outcome is written down.
 *
 * Only API that 0.1.0 and later share is used here (header-only, static).
 * Changing anything here changes what the fixtures mean: regenerate them
 * (test/fixtures/make_0.1.0.sh) in the same commit.
 */
#ifndef CTNAS_COMPAT_0_1_0_H
#define CTNAS_COMPAT_0_1_0_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_md5.h"
#include "ctnas_nac.h"
#include "ctnas_search.h"
#include "fixture_files.h"
#include "sample_csv.h"

#define COMPAT_DIR			"test/fixtures/0.1.0"
#define COMPAT_SAMPLE		"data/nb101_sample.csv"
#define COMPAT_SAMPLE_ROWS	5100
#define COMPAT_TRAIN_ROWS	200		/* the training rows: the 200 smallest hashes of the sample */
#define COMPAT_EVAL_EVERY	17		/* the scored cells: every 17th row by hash (300 cells) */

/*
 * CTNAS searches over the whole sample (test_acc_run0), with a NAC small
 * enough that a checkpoint stays small.  save_at: the step after which the
 * fixture checkpoint ckpt_<name>.bin was written (for "default" in the
 * middle of round 2's training; for "paper" at the end of the NAC's
 * pre-training, controller iteration 0, where the controller's Adam state
 * is still zero and the file compresses to a third).  check_at: a later
 * step whose checkpoint is pinned by its md5 only (for "paper" controller
 * iteration 70 of 120, after a derive and three pseudo-labelling rounds:
 * 527 kB that would not compress).
 */
typedef struct compat_search
{
	const char *name;
	const char *options;
	int			budget;
	int			save_at;
	int			check_at;
} compat_search;

static const compat_search compat_searches[] = {
	{"default", "{\"seed\": 11, \"first\": 20, \"rounds\": 3, \"nac\": {\"epochs\": 30, \"layers\": 2, \"width\": 16}}",
	60, 50, 80},
	{"paper", "{\"recipe\": \"paper\", \"seed\": 5, \"iterations\": 120, \"derive_every\": 40, \"derive_samples\": 20, "
		"\"pseudo_every\": 30, \"pseudo_first\": 32, \"pseudo_pairs\": 16, \"nac\": {\"epochs\": 10, \"layers\": 2, \"width\": 16}}",
	50, 11, 81},
};

#define COMPAT_NSEARCHES ((int) (sizeof(compat_searches) / sizeof(compat_searches[0])))

/*
 * nac_train options; the same JSON as sql/compat_0_1_0.sql's.  The *_small
 * models are stored in the fixtures (model_<name>.hex, written by 0.1.0's
 * nac_train); the reference-shape ones only as digests.
 */
typedef struct compat_training
{
	const char *name;
	const char *options;
	int			stored;
} compat_training;

static const compat_training compat_trainings[] = {
	{"paper_small", "{\"recipe\": \"paper\", \"seed\": 7, \"epochs\": 40, \"layers\": 2, \"width\": 16}", 1},
	{"default_small", "{\"recipe\": \"default\", \"seed\": 7, \"epochs\": 40, \"layers\": 2, \"width\": 16}", 1},
	{"variant_small", "{\"recipe\": \"paper\", \"seed\": 12345678901, \"epochs\": 25, \"batch_size\": 32, \"lr\": 0.002, "
		"\"beta1\": 0.9, \"beta2\": 0.99, \"eps\": 1e-6, \"weight_decay\": 0.001, \"head\": \"antisymmetric\", "
	"\"directions\": \"both\", \"layers\": 3, \"width\": 8}", 1},
	{"paper_ref", "{\"recipe\": \"paper\", \"seed\": 1, \"epochs\": 5}", 0},
	{"default_ref", "{\"seed\": 1, \"epochs\": 5}", 0},
};

#define COMPAT_NTRAININGS ((int) (sizeof(compat_trainings) / sizeof(compat_trainings[0])))

/* The sample, and its row numbers in hash order. */
typedef struct compat_sample
{
	sample_row *rows;
	int			n;
	int		   *by_hash;
} compat_sample;

static const sample_row *compat_sort_rows;

static inline int
compat_hash_cmp(const void *a, const void *b)
{
	return strcmp(compat_sort_rows[*(const int *) a].hash, compat_sort_rows[*(const int *) b].hash);
}

static inline bool
compat_sample_read(compat_sample *s)
{
	s->rows = calloc(COMPAT_SAMPLE_ROWS, sizeof(sample_row));
	s->n = sample_csv_read(COMPAT_SAMPLE, s->rows, COMPAT_SAMPLE_ROWS);
	if (s->n != COMPAT_SAMPLE_ROWS)
		return false;
	s->by_hash = calloc(s->n, sizeof(int));
	for (int i = 0; i < s->n; i++)
		s->by_hash[i] = i;
	compat_sort_rows = s->rows;
	qsort(s->by_hash, s->n, sizeof(int), compat_hash_cmp);
	return true;
}

static inline void
compat_sample_free(compat_sample *s)
{
	free(s->rows);
	free(s->by_hash);
}

/* The oracle of every sample row, in file order (ct_oracle_build sorts it). */
static inline bool
compat_oracle(const compat_sample *s, ct_oracle *o)
{
	ct_arch    *cells = calloc(s->n, sizeof(ct_arch));
	double	   *acc = calloc(s->n, sizeof(double));
	ct_error	err;
	bool		ok;

	for (int i = 0; i < s->n; i++)
	{
		cells[i] = s->rows[i].cell;
		acc[i] = s->rows[i].test_acc_run0;
	}
	ok = ct_oracle_build(o, cells, acc, s->n, &err);
	free(cells);
	free(acc);
	return ok;
}

/* The scored cells, in hash order. */
static inline int
compat_eval_cells(const compat_sample *s, ct_arch *out)
{
	int			k = 0;

	for (int i = 0; i < s->n; i += COMPAT_EVAL_EVERY)
		out[k++] = s->rows[s->by_hash[i]].cell;
	return k;
}

/* A growing string. */
typedef struct compat_str
{
	char	   *p;
	size_t		len;
	size_t		cap;
} compat_str;

static inline void
compat_printf(compat_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void
compat_printf(compat_str *s, const char *fmt, ...)
{
	va_list		ap;
	int			n;

	for (;;)
	{
		size_t		room = s->cap - s->len;

		va_start(ap, fmt);
		n = vsnprintf(s->p ? s->p + s->len : NULL, s->p ? room : 0, fmt, ap);
		va_end(ap);
		if (s->p != NULL && (size_t) n < room)
		{
			s->len += (size_t) n;
			return;
		}
		s->cap = 2 * (s->cap + (size_t) n + 64);
		s->p = realloc(s->p, s->cap);
	}
}

static inline void
compat_md5_of(const void *data, size_t len, char out[33])
{
	ct_md5_hex(data, len, out);
}

/* A model: the md5 of its stored form (options, statistics, weights). */
static inline void
compat_blob_md5(const ct_nac *m, const ct_nac_options *opt, const ct_nac_stats *stats, char out[33])
{
	size_t		len = ct_nac_blob_size(m);
	uint8_t    *buf = malloc(len);

	ct_nac_blob_write(m, opt, stats, buf);
	compat_md5_of(buf, len, out);
	free(buf);
}

/* Scores and comparisons of a model on the scored cells, exactly (%a), and their md5. */
static inline void
compat_scores_md5(const ct_nac *m, const ct_arch *cells, int n, char out[33])
{
	ct_nac_batch *bt = ct_nac_batch_create(&m->shape);
	compat_str	s = {0};

	for (int i = 0; i < n; i++)
		compat_printf(&s, "%a %a %a;", ct_nac_score(m, bt, &cells[i]),
					  ct_nac_compare(m, bt, &cells[i], &cells[(i + 1) % n]), ct_nac_compare(m, bt, &cells[i], &cells[i]));
	compat_md5_of(s.p, s.len, out);
	free(s.p);
	ct_nac_batch_destroy(bt);
}

/*
 * A finished search, in two lines: the outcome (queries in order as oracle
 * rows, the final cell, its row and score, the md5 of the final NAC's
 * weights) and the final NAC's statistics (rows, epochs, steps, loss).
 */
static inline void
compat_outcome(ct_ctnas_search *srch, const ct_budget *b, compat_str *outcome, compat_str *stats)
{
	ct_arch		final;
	int64_t		row = -1;
	double		score = 0;
	char		json[CT_GRAPH_JSON_MAX];
	ct_nac_options mo;
	ct_nac_stats ms;
	const ct_nac *m;
	char		md5[33] = "none";

	compat_printf(outcome, "used=%d log=", b->used);
	for (int i = 0; i < b->used; i++)
		compat_printf(outcome, "%s%lld", i ? "," : "", (long long) b->log[i]);
	memset(&final, 0, sizeof(final));
	if (ct_ctnas_final(srch, &final, &row, &score))
	{
		ct_arch_to_text(&final, json, sizeof(json));
		compat_printf(outcome, " final=%s row=%lld score=%a", json, (long long) row, score);
	}
	else
		compat_printf(outcome, " final=none");
	memset(&ms, 0, sizeof(ms));
	m = ct_ctnas_model(srch, &mo, &ms);
	if (m != NULL)
		compat_md5_of(m->params, sizeof(float) * m->nparams, md5);
	compat_printf(outcome, " weights=%s", md5);
	compat_printf(stats, "rows=%llu epochs=%u steps=%llu loss=%a", (unsigned long long) ms.rows, (unsigned) ms.epochs,
				  (unsigned long long) ms.steps, ms.final_loss);
}

/* A fixture checkpoint, COMPAT_DIR/ckpt_<name>.bin, or .bin.gz (through gzip -dc); NULL if neither reads. */
static inline uint8_t *
compat_read_checkpoint(const char *dir, const char *name, size_t *len)
{
	char		path[1024];
	uint8_t    *buf;
	FILE	   *p;

	snprintf(path, sizeof(path), "%s/ckpt_%s.bin", dir, name);
	buf = compat_read_file(path, len);
	if (buf != NULL)
		return buf;
	snprintf(path, sizeof(path), "gzip -dc '%s/ckpt_%s.bin.gz' 2>/dev/null", dir, name);
	p = popen(path, "r");
	*len = 0;
	if (p == NULL)
		return NULL;
	buf = compat_read_stream(p, len);
	if (pclose(p) != 0 || *len == 0)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the items ---------------------------------------------------------------- */

typedef void (*compat_emit_fn) (void *arg, const char *item, const char *value);

typedef struct compat_ctx
{
	const compat_sample *sample;
	const ct_oracle *oracle;
	compat_emit_fn emit;
	void	   *arg;
} compat_ctx;

static inline void
compat_emit(const compat_ctx *c, const char *prefix, const char *name, const char *suffix, const char *value)
{
	char		key[256];

	snprintf(key, sizeof(key), "c.%s%s%s", prefix, name, suffix);
	c->emit(c->arg, key, value);
}

static inline void
compat_emit_error(const compat_ctx *c, const char *prefix, const char *name, const char *suffix,
				  const char *what, const ct_error *err)
{
	char		msg[1536];

	snprintf(msg, sizeof(msg), "ERROR %s: %s %s", what, err->message, err->detail);
	compat_emit(c, prefix, name, suffix, msg);
}

/* Trainings: the stored form of the model; scores of the trained and of the stored models. */
/* Options parsed now as 0.1.0 read them: what 0.2.0's recipe "default" added, taken out. */
static inline void
compat_options_as_0_1_0(ct_nac_options *opt)
{
#ifdef CT_NAC_HAS_AVERAGE
	/* 0.2.0's recipe "default" averages weights; 0.1.0's recipes are the same with none */
	opt->average = 0;
#endif
#ifdef CT_NAC_HAS_SINK_READOUT
	/* ... and reads [nodes; sink]; 0.1.0's (no option chose it) the mean over all slots */
	opt->readout = ct_nac_readout_of(ct_nac_readout_both(opt->readout), false);
#endif
	(void) opt;
}

static inline void
compat_training_items(const compat_ctx *c, const char *dir)
{
	const compat_sample *s = c->sample;
	ct_arch    *eval = calloc(s->n, sizeof(ct_arch));
	int			neval = compat_eval_cells(s, eval);
	ct_arch		cells[COMPAT_TRAIN_ROWS];
	double		acc[COMPAT_TRAIN_ROWS];
	char		md5[33];

	for (int i = 0; i < COMPAT_TRAIN_ROWS; i++)
	{
		cells[i] = s->rows[s->by_hash[i]].cell;
		acc[i] = s->rows[s->by_hash[i]].test_acc_run0;
	}
	for (int k = 0; k < COMPAT_NTRAININGS; k++)
	{
		const compat_training *ct = &compat_trainings[k];
		ct_nac_options opt;
		ct_nac_stats stats;
		ct_nac		m;
		ct_error	err;
		bool		parsed = ct_nac_options_from_json(ct->options, &opt, &err);

		compat_options_as_0_1_0(&opt);
		if (!parsed)
			compat_emit_error(c, "train.", ct->name, "", "options", &err);
		else if (!ct_nac_train(cells, acc, COMPAT_TRAIN_ROWS, &opt, &m, &stats, NULL, NULL, &err))
			compat_emit_error(c, "train.", ct->name, "", "training", &err);
		else
		{
			compat_blob_md5(&m, &opt, &stats, md5);
			compat_emit(c, "train.", ct->name, "", md5);
			compat_scores_md5(&m, eval, neval, md5);
			compat_emit(c, "train.", ct->name, ".scores", md5);
			ct_nac_free(&m);
		}
		if (ct->stored)
		{
			char		path[1024];
			size_t		len;
			uint8_t    *blob;

			snprintf(path, sizeof(path), "%s/model_%s.hex", dir, ct->name);
			blob = compat_read_hex(path, &len);
			if (blob == NULL)
				compat_emit(c, "stored.", ct->name, ".scores", "ERROR cannot read the model");
			else if (!ct_nac_blob_read(blob, len, &m, &opt, &stats, &err))
				compat_emit_error(c, "stored.", ct->name, ".scores", "reading the model", &err);
			else
			{
				compat_scores_md5(&m, eval, neval, md5);
				compat_emit(c, "stored.", ct->name, ".scores", md5);
				ct_nac_free(&m);
			}
			free(blob);
		}
	}
	free(eval);
}

static inline ct_ctnas_search *
compat_new_search(const compat_ctx *c, const compat_search *cs, ct_budget *b, ct_error *err)
{
	ct_ctnas_options opt;

	ct_budget_init(b, c->oracle, cs->budget);
	if (!ct_ctnas_options_from_json(cs->options, &opt, err))
		return NULL;
	return ct_ctnas_create(b, &opt, NULL, err);
}

static inline bool
compat_steps(ct_ctnas_search *s, int n, ct_error *err)
{
	for (int i = 0; i < n; i++)
		if (!ct_ctnas_step(s, NULL, NULL, err))
			return false;
	return true;
}

/* A search continued from a checkpoint to its end: the outcome and statistics items. */
static inline void
compat_resume(const compat_ctx *c, const compat_search *cs, const uint8_t *buf, size_t len, const char *what)
{
	ct_budget	b;
	ct_ctnas_search *s;
	ct_error	err;
	compat_str	outcome = {0},
				stats = {0};
	char		suffix[64];

	ct_budget_init(&b, c->oracle, cs->budget);
	s = ct_ctnas_restore(&b, buf, len, &err);
	snprintf(suffix, sizeof(suffix), ".%s", what);
	if (s == NULL)
		compat_emit_error(c, "search.", cs->name, suffix, "restoring", &err);
	else if (!ct_ctnas_run(s, NULL, NULL, &err))
		compat_emit_error(c, "search.", cs->name, suffix, "running", &err);
	else
	{
		compat_outcome(s, &b, &outcome, &stats);
		compat_emit(c, "search.", cs->name, suffix, outcome.p);
		snprintf(suffix, sizeof(suffix), ".%s_stats", what);
		compat_emit(c, "search.", cs->name, suffix, stats.p);
	}
	free(outcome.p);
	free(stats.p);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
}

/*
 * Searches: the md5s of the checkpoints at save_at and check_at, the outcome
 * straight through, continued from the check_at checkpoint, and continued
 * from the fixture checkpoint (dir/ckpt_<name>.bin[.gz]).
 */
static inline void
compat_search_items(const compat_ctx *c, const char *dir)
{
	for (int k = 0; k < COMPAT_NSEARCHES; k++)
	{
		const compat_search *cs = &compat_searches[k];
		ct_budget	b;
		ct_error	err;
		ct_ctnas_search *s = compat_new_search(c, cs, &b, &err);
		compat_str	outcome = {0},
					stats = {0};
		size_t		len,
					late_len = 0;
		uint8_t    *buf,
				   *late = NULL;
		char		md5[33];

		if (s == NULL || !compat_steps(s, cs->save_at, &err))
			compat_emit_error(c, "search.", cs->name, ".saved", "running", &err);
		else
		{
			buf = ct_ctnas_save(s, &len);
			compat_md5_of(buf, len, md5);
			compat_emit(c, "search.", cs->name, ".saved", md5);
			ct_free(buf);
			if (!compat_steps(s, cs->check_at - cs->save_at, &err))
				compat_emit_error(c, "search.", cs->name, ".checked", "running", &err);
			else
			{
				late = ct_ctnas_save(s, &late_len);
				compat_md5_of(late, late_len, md5);
				compat_emit(c, "search.", cs->name, ".checked", md5);
				if (!ct_ctnas_run(s, NULL, NULL, &err))
					compat_emit_error(c, "search.", cs->name, ".straight", "running", &err);
				else
				{
					compat_outcome(s, &b, &outcome, &stats);
					compat_emit(c, "search.", cs->name, ".straight", outcome.p);
					compat_emit(c, "search.", cs->name, ".straight_stats", stats.p);
				}
			}
		}
		free(outcome.p);
		free(stats.p);
		ct_ctnas_destroy(s);
		ct_budget_free(&b);
		if (late != NULL)
			compat_resume(c, cs, late, late_len, "resumed_at_check");
		ct_free(late);

		buf = compat_read_checkpoint(dir, cs->name, &len);
		if (buf == NULL)
			compat_emit(c, "search.", cs->name, ".resumed", "ERROR cannot read the checkpoint");
		else
			compat_resume(c, cs, buf, len, "resumed");
		free(buf);
	}
}

/* Every C item, in a fixed order. */
static inline void
compat_items(const compat_sample *sample, const ct_oracle *oracle, const char *dir, compat_emit_fn emit, void *arg)
{
	compat_ctx	c = {sample, oracle, emit, arg};

	compat_training_items(&c, dir);
	compat_search_items(&c, dir);
}

#endif
