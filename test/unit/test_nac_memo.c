/*
 * test_nac_memo.c
 *	  The node-state memo (nac_node_memo.c) that scoring one cell at a time
 *	  uses: the same embeddings as a batch, the same bits whatever was
 *	  embedded before and whatever the budget, memory within the budget,
 *	  and states really shared.
 */
#include <math.h>
#include <stdlib.h>

#include "unit.h"
#include "ctnas_alloc.h"
#include "ctnas_graph.h"
#include "ctnas_md5.h"
#include "ctnas_nac.h"
#include "ctnas_nb101.h"
#include "counting_alloc.h"
#include "darts_csv.h"
#include "fixture_files.h"
#include "sample_csv.h"

#define NCELLS 800

static sample_row rows[600];
static ct_arch cells[NCELLS];
static ct_arch darts[300];
static double darts_acc[300];

/* The 600 sample cells, then random cells of every size (the 2-node cell included). */
static void
load_cells(void)
{
	int			n = sample_csv_read("data/nb101_sample.csv", rows, 600);

	CHECK(n == 600);
	for (int i = 0; i < NCELLS; i++)
	{
		if (i < 600 && i < n)
			cells[i] = rows[i].cell;
		else
		{
			ct_graph	g;

			ct_graph_random((uint64_t) i * 104729, &g);
			ct_nb101_arch(&g, &cells[i]);
		}
	}
}

/* Largest relative difference between the memo's and a plain batch's embeddings of n cells. */
static double
worst_against_batch(const ct_nac *m, const ct_arch *a, int n, size_t budget)
{
	ct_nac_batch *plain = ct_nac_batch_create(&m->shape);
	ct_nac_batch *memo = ct_nac_batch_create(&m->shape);
	int			fw = m->feat;
	float	   *f = ct_malloc(sizeof(float) * (size_t) n * fw);
	float	   *g = ct_malloc(sizeof(float) * (size_t) n * fw);
	double		worst = 0;

	ct_nac_batch_memoize(memo, m, budget);
	ct_nac_forward(m, plain, a, n, f);
	/* one at a time, as nac_score calls it, then all at once */
	for (int i = 0; i < n; i++)
		ct_nac_forward(m, memo, &a[i], 1, g + (size_t) i * fw);
	for (size_t i = 0; i < (size_t) n * fw; i++)
		worst = fmax(worst, fabs(f[i] - g[i]) / fmax(1.0, fabs(f[i])));
	ct_nac_forward(m, memo, a, n, f);
	CHECK(memcmp(f, g, sizeof(float) * (size_t) n * fw) == 0);
	ct_free(f);
	ct_free(g);
	ct_nac_batch_destroy(plain);
	ct_nac_batch_destroy(memo);
	return worst;
}

static void
test_matches_batch(void)
{
	/* widths for every path of the product (64-column blocks, 8-column blocks, single columns), 1 to 6 layers */
	static const int widths[] = {128, 72, 6, 13};
	static const int layers[] = {4, 1, 2, 3, 6};

	for (int wi = 0; wi < 4; wi++)
		for (int li = 0; li < 5; li++)
			for (int readout = CT_NAC_READOUT_MEAN_SLOTS; readout <= CT_NAC_READOUT_NODES_SINK_BOTH; readout++)
			{
				ct_nac_shape s = ct_nac_reference_shape();
				ct_nac		m;
				double		worst;

				s.width = widths[wi];
				s.layers = layers[li];
				s.readout = readout;
				ct_nac_alloc(&m, &s);
				ct_nac_init(&m, 11 + wi * 10 + li);
				/* a big budget and one that flushes every few cells */
				worst = worst_against_batch(&m, cells, wi == 0 && li == 0 ? NCELLS : 120, 64 << 20);
				CHECK(worst < 1e-5);
				if (worst >= 1e-5)
					fprintf(stderr, "width %d layers %d readout %d: %g\n", s.width, s.layers, readout, worst);
				CHECK(worst_against_batch(&m, cells, 120, 4096) < 1e-5);
				ct_nac_free(&m);
			}
}

/* A cell's embedding: the same bits whatever came before, whatever the budget. */
static void
test_history_free(void)
{
	ct_nac_shape s = ct_nac_reference_shape();
	ct_nac		m;
	ct_nac_memo *big,
			   *tiny,
			   *fresh;
	float	   *a = ct_malloc(sizeof(float) * NCELLS * 128);
	int			same_tiny = 0,
				same_fresh = 0;

	s.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
	ct_nac_alloc(&m, &s);
	ct_nac_init(&m, 2024);
	big = ct_nac_memo_create(&m, 256 << 20);
	tiny = ct_nac_memo_create(&m, 0);
	for (int i = 0; i < NCELLS; i++)
	{
		ct_dag		d;

		ct_space_nb101.to_dag(&cells[i], 0, &d);
		ct_nac_memo_embed(big, &m, &d, a + (size_t) i * 128);
	}
	/* in reverse order with a budget that keeps nothing between cells */
	for (int i = NCELLS - 1; i >= 0; i--)
	{
		ct_dag		d;
		float		f[128];

		ct_space_nb101.to_dag(&cells[i], 0, &d);
		ct_nac_memo_embed(tiny, &m, &d, f);
		same_tiny += memcmp(f, a + (size_t) i * 128, sizeof(f)) == 0;
	}
	/* each alone in a new memo (every 8th: 800 memos would be slow) */
	for (int i = 0; i < NCELLS; i += 8)
	{
		ct_dag		d;
		float		f[128];

		fresh = ct_nac_memo_create(&m, 1 << 20);
		ct_space_nb101.to_dag(&cells[i], 0, &d);
		ct_nac_memo_embed(fresh, &m, &d, f);
		same_fresh += memcmp(f, a + (size_t) i * 128, sizeof(f)) == 0;
		ct_nac_memo_destroy(fresh);
	}
	CHECK(same_tiny == NCELLS);
	CHECK(same_fresh == NCELLS / 8);
	{
		ct_nac_memo_stats sb = ct_nac_memo_get_stats(big);
		ct_nac_memo_stats st = ct_nac_memo_get_stats(tiny);

		/* states are shared: far fewer product rows than 7 slots x 3 layers per cell */
		CHECK(sb.cells == NCELLS && sb.flushes == 0);
		CHECK(sb.rows < (uint64_t) NCELLS * 7 * 3 / 2);
		CHECK(sb.hits > 0 && sb.hits < sb.lookups);
		/* with no budget everything is dropped before every cell: each cell computes its own */
		CHECK(st.flushes == NCELLS && st.rows > sb.rows);
		/* the tiny memo holds one entry of layer L-1 and one cell's classes (a table and a chunk per layer) */
		CHECK(st.bytes < 256 * 1024);
	}
	ct_nac_memo_destroy(big);
	ct_nac_memo_destroy(tiny);
	ct_free(a);
	ct_nac_free(&m);
}

/*
 * Memory: every byte the memo allocates, counted at its peak (old and new
 * tables while one grows), stays within the budget, for budgets from none
 * (then: one cell's minimal tables and chunks) to more than it needs.
 */
static void
test_budget(void)
{
	static const size_t budgets[] = {0, 100 * 1024, 600 * 1024, 3 << 20, 64 << 20};
	ct_nac_shape s = ct_nac_reference_shape();
	ct_nac		m;
	/* a table of 64 keys and a chunk of 64 classes for each of the three interned layers, and the fixed parts */
	size_t		minimal = 3 * (2 * 64 * 88 + 64 * 2 * 128 * sizeof(float) + 16 * sizeof(float *)) +
		6 * 2 * 128 * sizeof(float) + 7 * 2 * 128 * sizeof(float) + 7 * 128 * sizeof(float) + 64 * 1024;

	s.layers = 5;				/* three interned layers */
	ct_nac_alloc(&m, &s);
	ct_nac_init(&m, 5);
	for (int b = 0; b < 5; b++)
	{
		ct_nac_memo *mm;
		ct_nac_memo_stats st;
		size_t		peak;

		count_start();
		mm = ct_nac_memo_create(&m, budgets[b]);
		for (int i = 0; i < NCELLS; i++)
		{
			ct_dag		d;
			float		f[128];

			ct_space_nb101.to_dag(&cells[i], 0, &d);
			ct_nac_memo_embed(mm, &m, &d, f);
		}
		st = ct_nac_memo_get_stats(mm);
		ct_nac_memo_destroy(mm);
		peak = count_stop();
		CHECK(peak <= budgets[b] + minimal);
		if (peak > budgets[b] + minimal)
			fprintf(stderr, "memo budget %zu: peak %zu\n", budgets[b], peak);
		CHECK(b == 4 ? st.flushes == 0 : st.flushes > 0);
	}
	ct_nac_free(&m);
}

/* DARTS: two graphs per genotype, ten nodes each. */
static void
test_darts_views(void)
{
	int			n = darts_csv_read("data/darts_sample.csv", darts, darts_acc, 300);
	ct_nac_shape s = ct_nac_reference_shape();
	ct_nac		m;

	CHECK(n == 300);
	if (n != 300)
		return;
	ct_nac_shape_set_space(&s, &ct_space_darts);
	s.width = 32;
	ct_nac_alloc(&m, &s);
	ct_nac_init(&m, 77);
	CHECK(worst_against_batch(&m, darts, 300, 8 << 20) < 1e-5);
	CHECK(worst_against_batch(&m, darts, 60, 0) < 1e-5);
	ct_nac_free(&m);
	/* [nodes; sink] in both directions: 2 views x 2 x width features */
	s.readout = CT_NAC_READOUT_NODES_SINK_BOTH;
	ct_nac_alloc(&m, &s);
	ct_nac_init(&m, 78);
	CHECK(m.feat == 2 * 2 * 32);
	CHECK(worst_against_batch(&m, darts, 300, 8 << 20) < 1e-5);
	CHECK(worst_against_batch(&m, darts, 60, 0) < 1e-5);
	ct_nac_free(&m);
}

/* A model blob from its hex file (0.1.0's stored models, test/fixtures/0.1.0). */
static bool
read_model_hex(const char *path, ct_nac *m)
{
	size_t		n;
	uint8_t    *blob = compat_read_hex(path, &n);
	bool		ok = blob != NULL && ct_nac_blob_read(blob, n, m, NULL, NULL, NULL);

	free(blob);
	return ok;
}

/*
 * The memo's scores are pinned: no OpenBLAS and no fused multiply-add
 * inside, so every x86-64 machine, with or without AVX2 or AVX-512 (make
 * unittest runs this group again in a build without the wider copies,
 * -DCT_NO_SIMD_CLONES), gives these bits for 0.1.0's stored models.
 */
static void
test_pinned_scores(void)
{
	static const char *const names[] = {"paper_small", "default_small", "variant_small"};
	static const char *const want[] = {"3aeb57228b704fdffee3003d9bbe1c7f", "c7da6778cecce8904ab3678aa14cd923",
	"2a0233d87a02fcd8ba5be50aa8649872"};

	for (int k = 0; k < 3; k++)
	{
		char		path[256],
					md5[33];
		ct_nac		m;
		ct_nac_batch *bt;
		double	   *s = ct_malloc(sizeof(double) * NCELLS);

		snprintf(path, sizeof(path), "test/fixtures/0.1.0/model_%s.hex", names[k]);
		CHECK(read_model_hex(path, &m));
		bt = ct_nac_batch_create(&m.shape);
		ct_nac_batch_memoize(bt, &m, 1 << 20);
		for (int i = 0; i < NCELLS; i++)
			s[i] = ct_nac_score(&m, bt, &cells[i]);
		ct_md5_hex(s, sizeof(double) * NCELLS, md5);
		CHECK_STR(md5, want[k]);
		ct_free(s);
		ct_nac_batch_destroy(bt);
		ct_nac_free(&m);
	}
}

void
test_nac_memo(void)
{
	load_cells();
	test_matches_batch();
	test_history_free();
	test_budget();
	test_darts_views();
	test_pinned_scores();
}
