/*
 * test_compat_0_1_0.c
 *	  The current core against what ctnas 0.1.0's core wrote (test/fixtures/0.1.0,
 *	  see its README.md): models and checkpoints 0.1.0 stored read back and
 *	  are written again byte for byte; training, scores and searches (straight
 *	  through, and resumed from 0.1.0's checkpoints) give 0.1.0's results
 *	  exactly.  The items are computed by compat_0_1_0.h, the code that wrote
 *	  the fixtures with 0.1.0.
 *
 * Results of the NAC depend on the OpenBLAS kernel and on glibc's libm
 * variant: fixed.tsv holds the items every configuration gives alike,
 * blas.tsv the others per configuration ("Haswell/fma").  On a configuration
 * the fixtures lack, those are skipped (said on stderr) and the rest is
 * still checked.  deliberate.tsv lists what 0.2.0 changed on purpose, with
 * the current behaviour pinned instead.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "unit.h"

#include <cblas.h>

#include "compat_0_1_0.h"

typedef struct fixture_item
{
	char	   *item;
	char	   *value;			/* what 0.1.0 gave (for this configuration) */
	char	   *pinned;			/* deliberate.tsv: what the current code must give instead, or NULL */
	bool		blas;			/* from blas.tsv */
	bool		seen;
} fixture_item;

static fixture_item *fixtures;
static int	nfixtures;
static int	skipped;
static char config[128];

static fixture_item *
find_fixture(const char *item)
{
	for (int i = 0; i < nfixtures; i++)
		if (strcmp(fixtures[i].item, item) == 0)
			return &fixtures[i];
	return NULL;
}

static fixture_item *
add_fixture(const char *item)
{
	fixture_item *f = find_fixture(item);

	if (f != NULL)
		return f;
	fixtures = realloc(fixtures, sizeof(fixture_item) * (nfixtures + 1));
	f = &fixtures[nfixtures++];
	memset(f, 0, sizeof(*f));
	f->item = strdup(item);
	return f;
}

/* Tab-separated lines (# comments skipped) of c.* items: fields[0..nf). */
static int
read_tsv(const char *name, void (*line) (char **fields, int nf))
{
	char		path[1024];
	size_t		len;
	char	   *text;
	char	   *p;
	int			lines = 0;

	snprintf(path, sizeof(path), "%s/%s", COMPAT_DIR, name);
	text = (char *) compat_read_file(path, &len);
	if (text == NULL)
		return -1;
	text = realloc(text, len + 1);
	text[len] = '\0';
	for (p = text; p != NULL && *p;)
	{
		char	   *end = strchr(p, '\n');
		char	   *fields[8];
		int			nf = 0;

		if (end != NULL)
			*end = '\0';
		if (*p != '#' && strncmp(p, "c.", 2) == 0)
		{
			for (char *q = p; nf < 8; nf++)
			{
				fields[nf] = q;
				q = strchr(q, '\t');
				if (q == NULL)
				{
					nf++;
					break;
				}
				*q++ = '\0';
			}
			line(fields, nf);
			lines++;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	free(text);
	return lines;
}

static void
fixed_line(char **f, int nf)
{
	CHECK(nf == 2);
	if (nf == 2)
		add_fixture(f[0])->value = strdup(f[1]);
}

static void
blas_line(char **f, int nf)
{
	char	   *cfgs;

	CHECK(nf == 3);
	if (nf != 3)
		return;
	add_fixture(f[0])->blas = true;
	cfgs = strdup(f[2]);
	for (char *c = strtok(cfgs, ","); c != NULL; c = strtok(NULL, ","))
		if (strcmp(c, config) == 0)
			add_fixture(f[0])->value = strdup(f[1]);
	free(cfgs);
}

/* item, 0.1.0's value, the current value ('*' at the end: any text there but 0x0p+0), commit, why */
static void
deliberate_line(char **f, int nf)
{
	CHECK(nf == 5);
	if (nf == 5)
		add_fixture(f[0])->pinned = strdup(f[2]);
}

static bool
matches_pinned(const char *pinned, const char *value)
{
	size_t		n = strlen(pinned);

	if (n > 0 && pinned[n - 1] == '*')
		return strncmp(pinned, value, n - 1) == 0 && value[n - 1] != '\0' && strcmp(value + n - 1, "0x0p+0") != 0;
	return strcmp(pinned, value) == 0;
}

static void
check_item(void *arg, const char *item, const char *value)
{
	fixture_item *f = find_fixture(item);
	bool		ok;

	unit_checks++;
	if (f == NULL)
	{
		unit_failures++;
		fprintf(stderr, "compat_0_1_0: %s has no fixture (got %s)\n", item, value);
		return;
	}
	f->seen = true;
	if (f->pinned != NULL)
		ok = matches_pinned(f->pinned, value);
	else if (f->value == NULL && f->blas)
	{
		skipped++;
		return;
	}
	else
		ok = f->value != NULL && strcmp(f->value, value) == 0;
	if (!ok)
	{
		unit_failures++;
		fprintf(stderr, "compat_0_1_0: %s differs from 0.1.0%s\n  0.1.0: %s\n  now:   %s\n", item,
				f->pinned ? " (as pinned in deliberate.tsv)" : "", f->pinned ? f->pinned : f->value, value);
	}
}

/* The stored models read back, say what 0.1.0 wrote into them, and are written again byte for byte. */
static void
check_stored_models(void)
{
	for (int k = 0; k < COMPAT_NTRAININGS; k++)
	{
		const compat_training *ct = &compat_trainings[k];
		char		path[1024];
		size_t		len;
		uint8_t    *blob,
				   *again;
		ct_nac		m;
		ct_nac_options opt,
					want;
		ct_nac_stats stats;
		ct_error	err;

		if (!ct->stored)
			continue;
		snprintf(path, sizeof(path), "%s/model_%s.hex", COMPAT_DIR, ct->name);
		blob = compat_read_hex(path, &len);
		CHECK(blob != NULL && len > 120);
		if (blob == NULL)
			continue;
		CHECK(ct_nac_blob_read(blob, len, &m, &opt, &stats, &err));
		CHECK(ct_nac_options_from_json(ct->options, &want, &err));
		compat_options_as_0_1_0(&want);
		CHECK(opt.recipe == want.recipe && opt.seed == want.seed && opt.epochs == want.epochs &&
			  opt.batch_size == want.batch_size && opt.lr == want.lr && opt.beta1 == want.beta1 &&
			  opt.beta2 == want.beta2 && opt.eps == want.eps && opt.weight_decay == want.weight_decay &&
			  m.shape.head == want.head && m.shape.readout == want.readout && m.shape.layers == want.layers &&
			  m.shape.width == want.width);
		CHECK(stats.rows == COMPAT_TRAIN_ROWS && stats.epochs == (uint32_t) want.epochs && stats.steps > 0 && stats.final_loss > 0);
		CHECK(ct_nac_blob_size(&m) == len);
		again = malloc(len);
		ct_nac_blob_write(&m, &opt, &stats, again);
		CHECK(memcmp(again, blob, len) == 0);
		free(again);
		ct_nac_free(&m);
		free(blob);
	}
}

/*
 * The server scores one cell at a time through the node-state memo
 * (nac_node_memo.c), not through a batch as 0.1.0 did: on 0.1.0's stored
 * models, and on every sample cell, its scores and comparisons are 0.1.0's
 * to float rounding (the batch's are 0.1.0's exactly: the items below).
 */
static void
check_memo_scores(const compat_sample *sample)
{
	for (int k = 0; k < COMPAT_NTRAININGS; k++)
	{
		const compat_training *ct = &compat_trainings[k];
		char		path[1024];
		size_t		len;
		uint8_t    *blob;
		ct_nac		m;
		ct_nac_batch *plain,
				   *memo;
		double		worst = 0;

		if (!ct->stored)
			continue;
		snprintf(path, sizeof(path), "%s/model_%s.hex", COMPAT_DIR, ct->name);
		blob = compat_read_hex(path, &len);
		if (blob == NULL || !ct_nac_blob_read(blob, len, &m, NULL, NULL, NULL))
		{
			CHECK(false);
			free(blob);
			continue;
		}
		plain = ct_nac_batch_create(&m.shape);
		memo = ct_nac_batch_create(&m.shape);
		ct_nac_batch_memoize(memo, &m, 1 << 20);
		for (int i = 0; i < sample->n; i++)
		{
			const ct_arch *a = &sample->rows[i].cell;
			const ct_arch *b = &sample->rows[(i + 1) % sample->n].cell;
			double		s0 = ct_nac_score(&m, plain, a),
						s1 = ct_nac_score(&m, memo, a);
			double		c0 = ct_nac_compare(&m, plain, a, b),
						c1 = ct_nac_compare(&m, memo, a, b);

			worst = fmax(worst, fabs(s0 - s1) / fmax(1.0, fabs(s0)));
			worst = fmax(worst, fabs(c0 - c1));
		}
		CHECK(worst < 1e-5);
		if (worst >= 1e-5)
			fprintf(stderr, "compat_0_1_0: %s scored through the memo differs from 0.1.0 by %g\n", ct->name, worst);
		ct_nac_batch_destroy(plain);
		ct_nac_batch_destroy(memo);
		ct_nac_free(&m);
		free(blob);
	}
}

/*
 * 0.1.0's checkpoints restore, say the options they were written with, and
 * are written again byte for byte before any step; another oracle is refused.
 */
static void
check_checkpoints(const ct_oracle *o, const compat_sample *sample)
{
	for (int k = 0; k < COMPAT_NSEARCHES; k++)
	{
		const compat_search *cs = &compat_searches[k];
		size_t		len,
					len2;
		uint8_t    *buf = compat_read_checkpoint(COMPAT_DIR, cs->name, &len),
				   *again;
		ct_ctnas_options saved,
					want;
		ct_ctnas_progress p;
		ct_budget	b;
		ct_ctnas_search *s;
		ct_error	err;

		CHECK(buf != NULL);
		if (buf == NULL)
			continue;
		CHECK(ct_ctnas_options_from_json(cs->options, &want, &err));
		memset(&saved, 0, sizeof(saved));
		CHECK(ct_ctnas_checkpoint_options(buf, len, &saved, &err));
		CHECK(saved.recipe == want.recipe && saved.seed == want.seed && saved.space == want.space &&
			  saved.iterations == want.iterations && saved.derive_every == want.derive_every &&
			  saved.derive_samples == want.derive_samples && saved.pseudo_every == want.pseudo_every &&
			  saved.pseudo_first == want.pseudo_first && saved.pseudo_pairs == want.pseudo_pairs &&
			  saved.entropy_coef == want.entropy_coef && saved.controller_lr == want.controller_lr &&
			  saved.first == want.first && saved.rounds == want.rounds && saved.nac.recipe == want.nac.recipe &&
			  saved.nac.seed == want.nac.seed && saved.nac.epochs == want.nac.epochs &&
			  saved.nac.layers == want.nac.layers && saved.nac.width == want.nac.width);
		ct_budget_init(&b, o, cs->budget);
		s = ct_ctnas_restore(&b, buf, len, &err);
		CHECK(s != NULL);
		if (s == NULL)
			fprintf(stderr, "compat_0_1_0: 0.1.0's checkpoint of %s: %s %s\n", cs->name, err.message, err.detail);
		else
		{
			ct_ctnas_get_progress(s, &p);
			CHECK(p.steps == cs->save_at && !ct_ctnas_done(s));
			again = ct_ctnas_save(s, &len2);
			CHECK(len2 == len && memcmp(again, buf, len) == 0);
			ct_free(again);
			ct_ctnas_destroy(s);
		}
		ct_budget_free(&b);

		/* the oracle is part of it: one cell fewer is another oracle */
		{
			ct_oracle	other;
			compat_sample fewer = *sample;

			fewer.n--;
			CHECK(compat_oracle(&fewer, &other));
			ct_budget_init(&b, &other, cs->budget);
			CHECK(ct_ctnas_restore(&b, buf, len, &err) == NULL && b.used == 0);
			ct_budget_free(&b);
			ct_oracle_free(&other);
		}
		free(buf);
	}
}

void
test_compat_0_1_0(void)
{
	compat_sample sample;
	ct_oracle	o;
	int			missing = 0;
	const char *tunables;
	bool		fma;

	/* as in the server (ctnas.c): one thread */
	openblas_set_num_threads(1);
	/* glibc's libm takes its *_fma variants when FMA and AVX2 are usable (GLIBC_TUNABLES may mask them) */
	__builtin_cpu_init();
	tunables = getenv("GLIBC_TUNABLES");
	fma = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2") &&
		!(tunables != NULL && (strstr(tunables, "-FMA") != NULL || strstr(tunables, "-AVX2") != NULL));
	snprintf(config, sizeof(config), "%s/%s", openblas_get_corename(), fma ? "fma" : "nofma");
	CHECK(read_tsv("fixed.tsv", fixed_line) > 0);
	CHECK(read_tsv("blas.tsv", blas_line) > 0);
	CHECK(read_tsv("deliberate.tsv", deliberate_line) >= 0);
	CHECK(compat_sample_read(&sample));
	CHECK(compat_oracle(&sample, &o));

	check_stored_models();
	check_memo_scores(&sample);
	check_checkpoints(&o, &sample);
	skipped = 0;
	compat_items(&sample, &o, COMPAT_DIR, check_item, NULL);
	for (int i = 0; i < nfixtures; i++)
		missing += !fixtures[i].seen;
	CHECK(missing == 0);
	if (skipped > 0)
		fprintf(stderr, "compat_0_1_0: %d items depend on the OpenBLAS configuration and test/fixtures/0.1.0 "
				"has none for %s: not checked\n", skipped, config);

	for (int i = 0; i < nfixtures; i++)
	{
		free(fixtures[i].item);
		free(fixtures[i].value);
		free(fixtures[i].pinned);
	}
	free(fixtures);
	fixtures = NULL;
	nfixtures = 0;
	ct_oracle_free(&o);
	compat_sample_free(&sample);
}
