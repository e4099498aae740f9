/*
 * test_nac.c
 *	  The NAC core: the batched forward against a plain dense implementation
 *	  of the reference formula, finite-difference gradients of every
 *	  parameter tensor and of the loss, Adam, training determinism, and the
 *	  stored form.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>

#include "ctnas_alloc.h"
#include "ctnas_darts.h"
#include "ctnas_nac.h"
#include "ctnas_ofa.h"
#include "ctnas_stats.h"
#include "darts_csv.h"
#include "sample_csv.h"

static sample_row rows[600];
static int	nrows;

static int
nac_op_of(int op)
{
	static const int map[] = {
		[CT_OP_CONV3X3] = CT_NAC_OP_CONV3X3, [CT_OP_CONV1X1] = CT_NAC_OP_CONV1X1,
		[CT_OP_MAXPOOL3X3] = CT_NAC_OP_MAXPOOL3X3, [CT_OP_INPUT] = CT_NAC_OP_INPUT,
		[CT_OP_OUTPUT] = CT_NAC_OP_OUTPUT,
	};

	return map[op];
}

/*
 * The reference formula, written as plainly as possible in double: 7 slots
 * (output at n-1, dummies after), A[i][j] = 1 for an edge j -> i,
 * h' = relu((A + I) h W + h + b), mean over the 7 slots.
 */
static void
dense_embed(const ct_nac *m, const ct_graph *g, double *f)
{
	int			w = m->shape.width;
	double		h[CT_NAC_SLOTS][64],
				hw[CT_NAC_SLOTS][64],
				next[CT_NAC_SLOTS][64];

	for (int s = 0; s < CT_NAC_SLOTS; s++)
		for (int k = 0; k < w; k++)
			h[s][k] = m->emb[(s < g->n ? nac_op_of(g->ops[s]) : CT_NAC_OP_DUMMY) * w + k];
	for (int l = 0; l < m->shape.layers; l++)
	{
		for (int s = 0; s < CT_NAC_SLOTS; s++)
			for (int k = 0; k < w; k++)
			{
				hw[s][k] = 0;
				for (int j = 0; j < w; j++)
					hw[s][k] += h[s][j] * m->W[l][j * w + k];
			}
		for (int i = 0; i < CT_NAC_SLOTS; i++)
			for (int k = 0; k < w; k++)
			{
				double		z = hw[i][k] + h[i][k] + m->b[l][k];

				for (int j = 0; j < CT_NAC_SLOTS; j++)
					if (j < g->n && i < g->n && ct_graph_has_edge(g, j, i))
						z += hw[j][k];
				next[i][k] = z > 0 ? z : 0;
			}
		memcpy(h, next, sizeof(h));
	}
	for (int k = 0; k < w; k++)
	{
		f[k] = 0;
		if (ct_nac_readout_sink(m->shape.readout))
		{
			/* [mean over the nodes; the last node (the output)] */
			for (int s = 0; s < g->n; s++)
				f[k] += h[s][k] / g->n;
			f[w + k] = h[g->n - 1][k];
		}
		else
			for (int s = 0; s < CT_NAC_SLOTS; s++)
				f[k] += h[s][k] / CT_NAC_SLOTS;
	}
}

/* The cell read backwards, written independently of the core: slot v holds node n-1-v. */
static void
dense_embed_both(const ct_nac *m, const ct_graph *g, double *f)
{
	ct_graph	r;
	double		fr[128];

	memset(&r, 0, sizeof(r));
	r.n = g->n;
	for (int v = 0; v < g->n; v++)
		r.ops[v] = g->ops[g->n - 1 - v];
	for (int x = 0; x < g->n; x++)
		for (int y = x + 1; y < g->n; y++)
			if (ct_graph_has_edge(g, x, y))
				r.edges |= 1u << ct_edge_bit(g->n - 1 - y, g->n - 1 - x);
	dense_embed(m, g, f);
	dense_embed(m, &r, fr);
	for (int k = 0; k < ct_nac_graph_feat(&m->shape); k++)
		f[k] = 0.5 * (f[k] + fr[k]);
}

static ct_nac_shape
small_shape(void)
{
	ct_nac_shape s = ct_nac_reference_shape();

	s.width = 6;
	return s;
}

static void
test_forward_matches_dense(void)
{
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_nac		m;
	ct_nac_batch *bt = ct_nac_batch_create(&shape);
	ct_graph	cells[40];
	ct_arch		arch[40];
	float	   *feat = ct_malloc(sizeof(float) * 40 * shape.width);
	float		one[128];
	double		worst = 0;

	shape.width = 48;
	ct_nac_batch_destroy(bt);
	bt = ct_nac_batch_create(&shape);
	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 3);
	/* every cell size, including the 2-node cell */
	for (int i = 0; i < 40; i++)
	{
		ct_graph_random((uint64_t) i * 7919, &cells[i]);
		ct_nb101_arch(&cells[i], &arch[i]);
	}
	ct_nac_forward(&m, bt, arch, 40, feat);
	for (int i = 0; i < 40; i++)
	{
		double		f[64];

		dense_embed(&m, &cells[i], f);
		for (int k = 0; k < shape.width; k++)
			worst = fmax(worst, fabs(f[k] - feat[i * shape.width + k]) / fmax(1.0, fabs(f[k])));
	}
	CHECK(worst < 1e-5);
	/*
	 * The other readouts: both directions (0.1.0's recipe "default"), and
	 * [mean over the nodes; the output node] forward and in both directions
	 * (recipe "default" since 0.2.0, 2 x width features)
	 */
	{
		static const int readouts[] = {CT_NAC_READOUT_BOTH_DIRECTIONS, CT_NAC_READOUT_NODES_SINK,
		CT_NAC_READOUT_NODES_SINK_BOTH};
		float	   *fs = ct_calloc(40 * 2 * (size_t) shape.width, sizeof(float));

		for (int r = 0; r < 3; r++)
		{
			ct_nac		mb;
			ct_nac_shape sb = shape;
			ct_nac_batch *bb;
			bool		sink = ct_nac_readout_sink(readouts[r]);

			sb.readout = readouts[r];
			ct_nac_alloc(&mb, &sb);
			ct_nac_init(&mb, sink ? 5 : 3);
			if (sink)
				CHECK(mb.feat == 2 * sb.width && mb.nparams == m.nparams + 2 * (size_t) sb.width);
			bb = ct_nac_batch_create(&sb);
			ct_nac_forward(&mb, bb, arch, 40, fs);
			worst = 0;
			for (int i = 0; i < 40; i++)
			{
				double		f[128];

				if (ct_nac_readout_both(readouts[r]))
					dense_embed_both(&mb, &cells[i], f);
				else
					dense_embed(&mb, &cells[i], f);
				for (int k = 0; k < mb.feat; k++)
					worst = fmax(worst, fabs(f[k] - fs[i * mb.feat + k]) / fmax(1.0, fabs(f[k])));
			}
			CHECK(worst < 1e-5);
			ct_nac_batch_destroy(bb);
			ct_nac_free(&mb);
		}
		ct_free(fs);
	}
	/* a cell's embedding does not depend on the rest of its batch */
	ct_nac_forward(&m, bt, &arch[17], 1, one);
	CHECK(memcmp(one, feat + 17 * shape.width, sizeof(float) * shape.width) == 0 ||
		  fabs(one[0] - feat[17 * shape.width]) < 1e-6);
	/* a frozen batch (Emb W0 kept) and the embedding cache give the same embeddings */
	{
		ct_nac_batch *frozen = ct_nac_batch_create(&shape);
		ct_nac_embed_cache *cache = ct_nac_embed_cache_create(&m, 4);	/* tiny: collisions */
		float		f[64];
		int			same = 0;

		ct_nac_batch_freeze(frozen);
		for (int round = 0; round < 2; round++)
			for (int i = 0; i < 40; i++)
			{
				const float *c = ct_nac_embed_cached(cache, &m, frozen, &arch[i]);

				ct_nac_forward(&m, bt, &arch[i], 1, f);
				same += memcmp(c, f, sizeof(float) * shape.width) == 0;
			}
		CHECK(same == 80);
		CHECK(fabs(ct_nac_score_feat(&m, f) - ct_nac_score(&m, bt, &arch[39])) < 1e-9);
		ct_nac_embed_cache_destroy(cache);
		ct_nac_batch_destroy(frozen);
	}
	ct_free(feat);
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);
}

/* Mean BCE loss of fixed pairs, for finite differences. */
static double
loss_of(ct_nac *m, ct_nac_batch *bt, const ct_arch *cells, int ncells, const int *ia,
		const int *ib, const float *y, int npairs, float *grad)
{
	float		feat[16 * 24];	/* width 6, 2 views, 2 x width per view at most */
	float		dfeat[16 * 24] = {0};
	double		loss;

	ct_nac_forward(m, bt, cells, ncells, feat);
	loss = ct_nac_pair_loss(m, feat, ia, ib, y, npairs, NULL, grad, grad ? dfeat : NULL);
	if (grad)
		ct_nac_backward(m, bt, dfeat, grad);
	return loss;
}

/* Finite differences of every parameter tensor; cells: 12 of shape's space, or NULL for NAS-Bench-101 rows. */
static void
check_gradients(ct_nac_shape shape, const ct_arch *given)
{
	ct_nac		m;
	ct_nac_batch *bt = ct_nac_batch_create(&shape);
	ct_arch		cells[12];
	ct_graph	small;
	int			ia[16],
				ib[16];
	float		y[16];
	float	   *grad;
	const char *names[] = {"embedding", "W0", "b0", "W1", "b1", "W2", "b2", "W3", "b3", "fc_w", "fc_b"};
	int			bad_tensors = 0;

	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 11);
	for (int i = 0; i < 12; i++)
		cells[i] = given ? given[i] : rows[i * 37 % nrows].cell;
	ct_graph_random(5, &small);	/* a small cell: padding slots in play */
	if (given == NULL)
		ct_nb101_arch(&small, &cells[11]);
	for (int k = 0; k < 16; k++)
	{
		ia[k] = k % 12;
		ib[k] = (k * 5 + 1) % 12;
		y[k] = (float) (k % 3 == 0);
	}
	grad = ct_calloc(m.nparams, sizeof(float));
	loss_of(&m, bt, cells, 12, ia, ib, y, 16, grad);

	for (int t = 0; t < 11; t++)
	{
		float	   *base;
		size_t		len;
		double		worst = 0,
					err2 = 0,
					an2 = 0;
		size_t		off = 0;

		if (t == 0)
			base = m.emb, len = (size_t) shape.vocab_size * shape.width;
		else if (t < 9)
			base = (t % 2) ? m.W[(t - 1) / 2] : m.b[(t - 1) / 2],
				len = (t % 2) ? (size_t) shape.width * shape.width : (size_t) shape.width;
		else
			base = t == 9 ? m.fc_w : m.fc_b, len = t == 9 ? 2 * (size_t) m.feat : 1;

		for (size_t i = 0; i < len; i++)
		{
			float		saved = base[i];
			double		h = 1e-3 * fmax(1.0, fabs(saved));
			double		up,
						down,
						fd,
						an = grad[(base - m.params) + i];

			base[i] = (float) (saved + h);
			up = loss_of(&m, bt, cells, 12, ia, ib, y, 16, NULL);
			base[i] = (float) (saved - h);
			down = loss_of(&m, bt, cells, 12, ia, ib, y, 16, NULL);
			base[i] = saved;
			fd = (up - down) / (2 * h);
			worst = fmax(worst, fabs(fd - an) / fmax(5e-3, fabs(an)));
			off += fabs(fd - an) / fmax(5e-3, fabs(an)) > 2e-2;
			err2 += (fd - an) * (fd - an);
			an2 += an * an;
		}
		/*
		 * NAS-Bench-101 cells: every element within 2%.  DARTS genotypes (2 x 10
		 * nodes, more ReLU kinks and larger float32 sums in reach of h): the
		 * tensor within 2% in norm and at most 1 element in 8 beyond 2%; a
		 * wrong gradient (a view or an edge missed) is far off in norm, and the
		 * PyTorch cross-check (make unittest) checks every element to 1e-5.
		 */
		if (given == NULL ? worst > 2e-2 : (sqrt(err2 / fmax(an2, 1e-30)) > 2e-2 || off > len / 8))
		{
			bad_tensors++;
			fprintf(stderr, "gradient check: %s worst relative error %.3g (%zu of %zu beyond 2%%, in norm %.3g)\n",
					names[t], worst, off, len, sqrt(err2 / fmax(an2, 1e-30)));
		}
	}
	CHECK(bad_tensors == 0);
	ct_free(grad);
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);
}

static void
test_gradients(void)
{
	ct_nac_shape shape = small_shape();

	check_gradients(shape, NULL);
	/* recipe "default": both directions, antisymmetric head */
	shape.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
	shape.head = CT_NAC_HEAD_ANTISYMMETRIC;
	check_gradients(shape, NULL);
	/* [nodes; sink], forward only with fc's head, and both directions with the antisymmetric one */
	shape.readout = CT_NAC_READOUT_NODES_SINK;
	shape.head = CT_NAC_HEAD_CONCAT_FC;
	check_gradients(shape, NULL);
	shape.readout = CT_NAC_READOUT_NODES_SINK_BOTH;
	shape.head = CT_NAC_HEAD_ANTISYMMETRIC;
	check_gradients(shape, NULL);
}

static void
test_loss(void)
{
	ct_nac_shape shape = small_shape();
	ct_nac		m;
	float		feat[2 * 6] = {0};
	float		dfeat[2 * 6] = {0};
	int			ia[2] = {0, 1},
				ib[2] = {1, 0};
	float		y[2] = {1, 0};
	float		p[2];
	float	   *grad;
	double		loss;

	ct_nac_alloc(&m, &shape);
	grad = ct_calloc(m.nparams, sizeof(float));
	/* zero weights: p = 1/2 for both pairs, loss = log 2, d loss / d bias = mean(p - y) = 0 */
	loss = ct_nac_pair_loss(&m, feat, ia, ib, y, 2, p, grad, dfeat);
	CHECK(fabs(loss - log(2.0)) < 1e-7);
	CHECK(p[0] == 0.5f && p[1] == 0.5f);
	CHECK(fabs(grad[m.fc_b - m.params]) < 1e-9);
	/* saturated and wrong: PyTorch clamps the log at -100 and gives a zero gradient */
	m.fc_b[0] = 200.0f;
	memset(grad, 0, sizeof(float) * m.nparams);
	y[0] = 0;
	loss = ct_nac_pair_loss(&m, feat, ia, ib, y, 1, p, grad, dfeat);
	CHECK(p[0] == 1.0f);
	CHECK(fabs(loss - 100.0) < 1e-9);
	CHECK(grad[m.fc_b - m.params] == 0.0f);
	/* finite difference of the loss in the bias, away from saturation */
	{
		double		b = 0.3,
					h = 1e-4,
					up,
					down;

		y[0] = 1;
		m.fc_b[0] = (float) b;
		memset(grad, 0, sizeof(float) * m.nparams);
		ct_nac_pair_loss(&m, feat, ia, ib, y, 2, p, grad, NULL);
		m.fc_b[0] = (float) (b + h);
		up = ct_nac_pair_loss(&m, feat, ia, ib, y, 2, NULL, NULL, NULL);
		m.fc_b[0] = (float) (b - h);
		down = ct_nac_pair_loss(&m, feat, ia, ib, y, 2, NULL, NULL, NULL);
		CHECK(fabs((up - down) / (2 * h) - grad[m.fc_b - m.params]) < 1e-3);
	}
	ct_free(grad);
	ct_nac_free(&m);
}

static void
test_adam(void)
{
	ct_adam		opt;
	float		x[2] = {1.0f, -2.0f};
	float		g[2] = {0.5f, 0.0f};

	/* first step of Adam moves by lr * sign(g) (bias-corrected), decay adds wd * x to g */
	ct_adam_init(&opt, 2, 0.1, 0.9, 0.999, 1e-8, 0.0);
	ct_adam_step(&opt, x, g);
	CHECK(fabsf(x[0] - 0.9f) < 1e-6f);
	CHECK(x[1] == -2.0f);
	ct_adam_free(&opt);
	ct_adam_init(&opt, 2, 0.1, 0.9, 0.999, 1e-8, 0.5);
	x[0] = 1.0f, x[1] = -2.0f, g[0] = 0.0f;
	ct_adam_step(&opt, x, g);
	CHECK(fabsf(x[0] - 0.9f) < 1e-6f && fabsf(x[1] + 1.9f) < 1e-6f);
	ct_adam_free(&opt);
}


typedef struct epoch_log
{
	int			calls;
	unsigned	last_epoch;
	int			total;
	bool		increasing;
} epoch_log;

static void
count_epoch(void *arg, const ct_nac_stats *so_far, int epochs)
{
	epoch_log  *l = arg;

	l->increasing = (l->calls == 0 || so_far->epochs == l->last_epoch + 1) && (l->calls == 0 || l->increasing);
	l->calls++;
	l->last_epoch = so_far->epochs;
	l->total = epochs;
}

static void
test_training(void)
{
	ct_nac_options opt = ct_nac_default_options();
	ct_nac		a,
				b,
				c;
	ct_nac_stats sa,
				sb,
				sc;
	ct_arch		cells[200],
				shuffled[200];
	double		acc[200],
				acc2[200];
	ct_error	err;
	int			agree = 0,
				pairs = 0;
	ct_nac_batch *bt;

	for (int i = 0; i < 200; i++)
	{
		cells[i] = rows[i].cell;
		acc[i] = rows[i].test_acc_run0;
		/* the same rows in another order */
		shuffled[i] = rows[(i * 37) % 200].cell;
		acc2[i] = rows[(i * 37) % 200].test_acc_run0;
	}
	opt.epochs = 30;
	opt.batch_size = 64;
	opt.seed = 9;
	CHECK(ct_nac_train(cells, acc, 200, &opt, &a, &sa, NULL, NULL, &err));
	CHECK(ct_nac_train(shuffled, acc2, 200, &opt, &b, &sb, NULL, NULL, &err));
	CHECK(a.nparams == 67073);
	CHECK(memcmp(a.params, b.params, sizeof(float) * a.nparams) == 0);
	CHECK(sa.final_loss == sb.final_loss && sa.steps == 30 * 4 && sa.rows == 200);
	/* with a progress callback: told after every epoch, and the same weights */
	{
		epoch_log	log = {0};
		ct_nac		d;
		ct_nac_stats sd;

		CHECK(ct_nac_train_progress(cells, acc, 200, &opt, &d, &sd, NULL, count_epoch, &log, &err));
		CHECK(log.calls == 30 && log.last_epoch == 30 && log.total == 30 && log.increasing);
		CHECK(memcmp(a.params, d.params, sizeof(float) * a.nparams) == 0 && sd.final_loss == sa.final_loss);
		ct_nac_free(&d);
	}
	opt.seed = 10;
	CHECK(ct_nac_train(cells, acc, 200, &opt, &c, &sc, NULL, NULL, &err));
	CHECK(memcmp(a.params, c.params, sizeof(float) * a.nparams) != 0);

	/* it learned something: the comparator agrees with the training labels more often than not */
	bt = ct_nac_batch_create(&a.shape);
	for (int i = 0; i < 200; i += 5)
		for (int j = i + 1; j < 200; j += 7)
			if (acc[i] != acc[j])
			{
				pairs++;
				agree += (ct_nac_compare(&a, bt, &cells[i], &cells[j]) > 0.5) == (acc[i] > acc[j]);
			}
	CHECK(agree > pairs * 6 / 10);
	/* score orders as the head does: compare(a, b) > 1/2 iff the score difference dominates */
	{
		double		sa_ = ct_nac_score(&a, bt, &cells[0]);
		double		sb_ = ct_nac_score(&a, bt, &cells[1]);
		double		p = ct_nac_compare(&a, bt, &cells[0], &cells[1]);

		CHECK(isfinite(sa_) && isfinite(sb_) && p > 0 && p < 1);
	}
	ct_nac_batch_destroy(bt);

	/* recipe "default": the head stays antisymmetric through training, exactly */
	{
		ct_nac_options d = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
		ct_nac		dm;
		ct_nac_stats ds;
		bool		mirrored = true;
		double		worst = 0;

		d.epochs = 10;
		d.batch_size = 64;
		CHECK(ct_nac_train(cells, acc, 200, &d, &dm, &ds, NULL, NULL, &err));
		CHECK(dm.shape.readout == CT_NAC_READOUT_NODES_SINK_BOTH && dm.shape.head == CT_NAC_HEAD_ANTISYMMETRIC);
		CHECK(dm.feat == 2 * dm.shape.width);
		for (int k = 0; k < dm.feat; k++)
			mirrored &= dm.fc_w[dm.feat + k] == -dm.fc_w[k];
		CHECK(mirrored && dm.fc_b[0] == 0.0f);
		bt = ct_nac_batch_create(&dm.shape);
		for (int i = 0; i < 30; i++)
			worst = fmax(worst, fabs(ct_nac_compare(&dm, bt, &cells[i], &cells[i + 1]) +
									 ct_nac_compare(&dm, bt, &cells[i + 1], &cells[i]) - 1.0));
		CHECK(worst < 1e-6);
		ct_nac_batch_destroy(bt);
		ct_nac_free(&dm);
	}

	/* an absurd learning rate: either finite weights or a clear "diverged", never NaN weights */
	{
		ct_nac_options wild = opt;
		ct_nac		wm;
		ct_nac_stats ws;

		wild.lr = 10.0;
		wild.epochs = 20;
		if (ct_nac_train(cells, acc, 200, &wild, &wm, &ws, NULL, NULL, &err))
		{
			bool		finite = true;

			for (size_t i = 0; i < wm.nparams; i++)
				finite &= isfinite(wm.params[i]);
			CHECK(finite);
			ct_nac_free(&wm);
		}
		else
			CHECK(err.kind == CT_ERR_INVALID && strstr(err.message, "diverged") != NULL);
	}

	/* errors */
	CHECK(!ct_nac_train(cells, acc, 1, &opt, &c, &sc, NULL, NULL, &err));
	{
		double		same[3] = {0.9, 0.9, 0.9};

		CHECK(!ct_nac_train(cells, same, 3, &opt, &c, &sc, NULL, NULL, &err) && err.kind == CT_ERR_INVALID);
	}
	ct_nac_free(&a);
	ct_nac_free(&b);
	ct_nac_free(&c);
}

/* The step-at-a-time trainer: the same as ct_nac_train without a pool; it learns a pool. */
static void
test_trainer(void)
{
	ct_nac_options opt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
	ct_arch		cells[100];
	double		acc[100];
	ct_nac_labelled_pair pool[60];
	ct_nac		direct,
				stepped,
				taught;
	ct_nac_stats sd,
				ss,
				st;
	ct_nac_trainer *t;
	ct_nac_batch *bt;
	ct_error	err;
	int			agree_taught = 0,
				agree_plain = 0;

	for (int i = 0; i < 100; i++)
	{
		cells[i] = rows[i].cell;
		acc[i] = rows[i].test_acc_run0;
	}
	/* pairs among other cells, labelled against the truth: learnable only from the pool */
	for (int j = 0; j < 60; j++)
	{
		pool[j].a = rows[200 + 2 * j].cell;
		pool[j].b = rows[201 + 2 * j].cell;
		pool[j].label = rows[200 + 2 * j].test_acc_run0 > rows[201 + 2 * j].test_acc_run0 ? 0.0f : 1.0f;
	}
	opt.epochs = 40;
	opt.batch_size = 32;
	CHECK(ct_nac_train(cells, acc, 100, &opt, &direct, &sd, NULL, NULL, &err));
	t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
	for (int e = 0; e < 40; e++)
		ct_nac_trainer_epoch(t, NULL, 0, NULL, NULL);
	CHECK(ct_nac_trainer_finish(t, &stepped, &ss, &err));
	CHECK(memcmp(direct.params, stepped.params, sizeof(float) * direct.nparams) == 0);
	CHECK(ss.epochs == 40 && ss.steps == 160 && ss.final_loss == sd.final_loss);

	t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
	for (int e = 0; e < 40; e++)
		ct_nac_trainer_epoch(t, pool, 60, NULL, NULL);
	CHECK(ct_nac_trainer_model(t)->nparams == direct.nparams);
	CHECK(ct_nac_trainer_finish(t, &taught, &st, &err));
	bt = ct_nac_batch_create(&taught.shape);
	for (int j = 0; j < 60; j++)
	{
		agree_taught += (ct_nac_compare(&taught, bt, &pool[j].a, &pool[j].b) > 0.5) == (pool[j].label > 0.5);
		agree_plain += (ct_nac_compare(&direct, bt, &pool[j].a, &pool[j].b) > 0.5) == (pool[j].label > 0.5);
	}
	/* the labels contradict the truth: without the pool the NAC mostly disagrees with them */
	CHECK(agree_taught > 30);
	CHECK(agree_taught > agree_plain + 15);
	CHECK(ct_nac_trainer_create(cells, acc, 1, &opt, &err) == NULL);
	ct_nac_batch_destroy(bt);
	ct_nac_free(&direct);
	ct_nac_free(&stepped);
	ct_nac_free(&taught);
}

/*
 * Weight averaging (option "average", recipe "default"'s 0.5): the model is
 * the mean of the weights at the end of the last epochs, exactly; training
 * is otherwise unchanged; a trainer saved while averaging resumes to the same
 * model; the model records it.
 */
static void
test_average(void)
{
	ct_nac_options opt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
	ct_nac_options plain;
	ct_arch		cells[100];
	double		acc[100];
	ct_nac		avg,
				last,
				resumed,
				back;
	ct_nac_stats sa,
				sl,
				sr;
	ct_nac_trainer *t;
	double	   *sum;
	ct_error	err;
	bool		mirrored = true;

	CHECK(opt.average == 50 && ct_nac_average_epochs(&opt) == 500);
	CHECK(ct_nac_recipe_options(CT_NAC_RECIPE_PAPER).average == 0);
	for (int i = 0; i < 100; i++)
	{
		cells[i] = rows[i].cell;
		acc[i] = rows[i].test_acc_run0;
	}
	opt.epochs = 6;
	opt.batch_size = 32;
	opt.seed = 3;
	CHECK(ct_nac_average_epochs(&opt) == 3);
	plain = opt;
	plain.average = 0;
	CHECK(ct_nac_average_epochs(&plain) == 0);
	{
		ct_nac_options few = opt;

		few.average = 1;		/* 1 % of 6 epochs: still the last one */
		CHECK(ct_nac_average_epochs(&few) == 1);
		few.average = 99;
		CHECK(ct_nac_average_epochs(&few) == 5);
	}

	CHECK(ct_nac_train(cells, acc, 100, &opt, &avg, &sa, NULL, NULL, &err));
	/* the same training without averaging, summing epochs 4, 5 and 6 by hand */
	t = ct_nac_trainer_create(cells, acc, 100, &plain, &err);
	sum = calloc(avg.nparams, sizeof(double));
	for (int e = 1; e <= 6; e++)
	{
		ct_nac_trainer_epoch(t, NULL, 0, NULL, NULL);
		if (e >= 4)
			for (size_t i = 0; i < avg.nparams; i++)
				sum[i] += ct_nac_trainer_model(t)->params[i];
	}
	CHECK(ct_nac_trainer_finish(t, &last, &sl, &err));
	{
		bool		same = true;

		for (size_t i = 0; i < avg.nparams; i++)
			same &= avg.params[i] == (float) (sum[i] / 3);
		CHECK(same);
	}
	CHECK(memcmp(avg.params, last.params, sizeof(float) * avg.nparams) != 0);
	CHECK(sa.final_loss == sl.final_loss && sa.steps == sl.steps && sa.epochs == 6);
	for (int k = 0; k < avg.feat; k++)
		mirrored &= avg.fc_w[avg.feat + k] == -avg.fc_w[k];
	CHECK(mirrored && avg.fc_b[0] == 0.0f);

	/* saved after epoch 4 (one epoch averaged), restored into a new trainer: the same model */
	{
		ct_wbuf		w;
		ct_rbuf		r;
		size_t		at_n;

		t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
		for (int e = 0; e < 4; e++)
			ct_nac_trainer_epoch(t, NULL, 0, NULL, NULL);
		ct_wbuf_init(&w);
		ct_nac_trainer_save(t, &w);
		ct_nac_trainer_destroy(t);
		t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
		ct_rbuf_init(&r, w.data, w.len);
		CHECK(ct_nac_trainer_restore(t, &r) && r.pos == w.len);
		for (int e = 0; e < 2; e++)
			ct_nac_trainer_epoch(t, NULL, 0, NULL, NULL);
		CHECK(ct_nac_trainer_finish(t, &resumed, &sr, &err));
		CHECK(memcmp(avg.params, resumed.params, sizeof(float) * avg.nparams) == 0);
		ct_nac_free(&resumed);

		/* a count of averaged epochs other than the epochs say, or a sum out of bounds: refused */
		at_n = w.len - 8 * avg.nparams - 4;
		CHECK(w.data[at_n] == 1);
		w.data[at_n] = 2;
		t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
		ct_rbuf_init(&r, w.data, w.len);
		CHECK(!ct_nac_trainer_restore(t, &r));
		ct_nac_trainer_destroy(t);
		w.data[at_n] = 1;
		{
			double		huge = 1e9,
						kept;

			memcpy(&kept, w.data + at_n + 4 + 8 * 5, 8);
			memcpy(w.data + at_n + 4 + 8 * 5, &huge, 8);
			t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
			ct_rbuf_init(&r, w.data, w.len);
			CHECK(!ct_nac_trainer_restore(t, &r));
			ct_nac_trainer_destroy(t);
			memcpy(w.data + at_n + 4 + 8 * 5, &kept, 8);
		}
		/* forged weights: over the bound, or an antisymmetric head untied in the weights or the sums */
		{
			float		big = 2000.0f;
			float		saved;
			double		dsaved;
			size_t		fw = (size_t) (avg.fc_w - avg.params);

			memcpy(&saved, w.data + 20 + 4 * 5, 4);
			memcpy(w.data + 20 + 4 * 5, &big, 4);
			t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
			ct_rbuf_init(&r, w.data, w.len);
			CHECK(!ct_nac_trainer_restore(t, &r));
			ct_nac_trainer_destroy(t);
			memcpy(w.data + 20 + 4 * 5, &saved, 4);

			memcpy(&saved, w.data + 20 + 4 * fw, 4);
			big = saved + 0.5f;
			memcpy(w.data + 20 + 4 * fw, &big, 4);
			t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
			ct_rbuf_init(&r, w.data, w.len);
			CHECK(!ct_nac_trainer_restore(t, &r));
			ct_nac_trainer_destroy(t);
			memcpy(w.data + 20 + 4 * fw, &saved, 4);

			memcpy(&dsaved, w.data + at_n + 4 + 8 * fw, 8);
			{
				double		off = dsaved + 0.25;

				memcpy(w.data + at_n + 4 + 8 * fw, &off, 8);
			}
			t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
			ct_rbuf_init(&r, w.data, w.len);
			CHECK(!ct_nac_trainer_restore(t, &r));
			ct_nac_trainer_destroy(t);
			memcpy(w.data + at_n + 4 + 8 * fw, &dsaved, 8);

			/* restored intact again: the edits above were the only faults */
			t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
			ct_rbuf_init(&r, w.data, w.len);
			CHECK(ct_nac_trainer_restore(t, &r));
			ct_nac_trainer_destroy(t);
		}
		/* without averaging the state is what it was before 0.2.0: shorter by the sums */
		{
			ct_wbuf		w0;

			t = ct_nac_trainer_create(cells, acc, 100, &plain, &err);
			ct_wbuf_init(&w0);
			ct_nac_trainer_save(t, &w0);
			CHECK(w0.len == w.len - 4 - 8 * avg.nparams);
			ct_nac_trainer_destroy(t);
			ct_wbuf_free(&w0);
		}
		ct_wbuf_free(&w);
	}

	/* the model records the averaging (byte 27, reserved 0 before): read back, over 99 % refused */
	{
		size_t		len = ct_nac_blob_size(&avg);
		uint8_t    *buf = ct_malloc(len);
		ct_nac_options got;

		ct_nac_blob_write(&avg, &opt, &sa, buf);
		CHECK(buf[27] == 50);
		CHECK(ct_nac_blob_read(buf, len, &back, &got, NULL, &err) && got.average == 50);
		ct_nac_free(&back);
		ct_nac_blob_write(&last, &plain, &sl, buf);
		CHECK(buf[27] == 0);
		CHECK(ct_nac_blob_read(buf, len, &back, &got, NULL, &err) && got.average == 0);
		ct_nac_free(&back);
		got = opt;
		got.average = 100;
		ct_nac_blob_write(&avg, &got, &sa, buf);
		CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err) && strstr(err.detail, "averaging") != NULL);
		ct_free(buf);
	}

	/* the option: a fraction in whole percent */
	{
		ct_nac_options o;

		CHECK(ct_nac_options_from_json("{\"average\": 0.5}", &o, &err) && o.average == 50);
		CHECK(ct_nac_options_from_json("{\"average\": 0.07}", &o, &err) && o.average == 7);
		CHECK(ct_nac_options_from_json("{\"average\": 0.29}", &o, &err) && o.average == 29);
		CHECK(ct_nac_options_from_json("{\"average\": 0}", &o, &err) && o.average == 0);
		CHECK(ct_nac_options_from_json("{\"recipe\": \"paper\"}", &o, &err) && o.average == 0);
		CHECK(ct_nac_options_from_json("{}", &o, &err) && o.average == 50);
		CHECK(!ct_nac_options_from_json("{\"average\": 0.505}", &o, &err) && strstr(err.detail, "steps of 0.01") != NULL);
		CHECK(!ct_nac_options_from_json("{\"average\": 1}", &o, &err));
		CHECK(!ct_nac_options_from_json("{\"average\": -0.1}", &o, &err));
		CHECK(!ct_nac_options_from_json("{\"average\": \"0.5\"}", &o, &err));
		CHECK(!ct_nac_options_from_json("{\"average\": true}", &o, &err));
	}
	free(sum);
	ct_nac_free(&avg);
	ct_nac_free(&last);
}

static void
test_blob(void)
{
	ct_nac_options opt = ct_nac_default_options(),
				opt2;
	ct_nac_stats stats = {.rows = 423, .epochs = 1000, .steps = 2000, .final_loss = 0.25},
				stats2;
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_nac		m,
				back;
	ct_error	err;
	uint8_t    *buf;
	size_t		len;

	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 77);
	len = ct_nac_blob_size(&m);
	CHECK(len == 120 + 4 * 67073 + 4);
	buf = ct_malloc(len);
	opt.seed = 123456789012345ULL;
	ct_nac_blob_write(&m, &opt, &stats, buf);
	CHECK(memcmp(buf, "CTNASNAC", 8) == 0);
	CHECK(ct_nac_blob_read(buf, len, &back, &opt2, &stats2, &err));
	CHECK(memcmp(back.params, m.params, sizeof(float) * m.nparams) == 0);
	CHECK(opt2.seed == opt.seed && opt2.lr == opt.lr && opt2.epochs == 1000 && opt2.batch_size == 256);
	CHECK(stats2.rows == 423 && stats2.steps == 2000 && stats2.final_loss == 0.25);
	ct_nac_free(&back);

	/* every single-byte change is caught, truncation and padding too */
	for (size_t at = 0; at < len; at += 997)
	{
		buf[at] ^= 0x40;
		CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err));
		buf[at] ^= 0x40;
	}
	CHECK(!ct_nac_blob_read(buf, len - 1, &back, NULL, NULL, &err));
	CHECK(!ct_nac_blob_read(buf, 10, &back, NULL, NULL, &err));
	CHECK(!ct_nac_blob_read(buf, 0, &back, NULL, NULL, &err));
	buf[8] = 2;
	CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err));
	CHECK(strstr(err.message, "version") != NULL);
	buf[8] = 1;

	/* a model that claims an antisymmetric head must have one; header numbers must be finite */
	{
		ct_nac_shape as = ct_nac_reference_shape();
		ct_nac		a;
		double		nan_value = NAN;
		uint64_t	bits;

		as.head = CT_NAC_HEAD_ANTISYMMETRIC;
		ct_nac_alloc(&a, &as);
		ct_nac_init(&a, 5);
		ct_nac_blob_write(&a, &opt, &stats, buf);
		CHECK(ct_nac_blob_read(buf, len, &back, NULL, NULL, &err));
		ct_nac_free(&back);
		{
			float		saved = a.fc_w[3];

			a.fc_w[3] += 1.0f;
			ct_nac_blob_write(&a, &opt, &stats, buf);
			CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err) && strstr(err.detail, "antisymmetric") != NULL);
			a.fc_w[3] = saved;
		}
		/* huge finite weights are refused on read and by the training check, up to the bound accepted */
		{
			float		saved = a.emb[7];
			const float big[] = {1e30f, -1e30f, 1000.5f, -1001.0f, INFINITY, NAN};

			for (int i = 0; i < 6; i++)
			{
				a.emb[7] = big[i];
				ct_nac_blob_write(&a, &opt, &stats, buf);
				CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err) && strstr(err.detail, "Weight 7") != NULL);
				CHECK(!ct_nac_check_finite(&a, &err) && strstr(err.message, "diverged") != NULL);
			}
			a.emb[7] = -1000.0f;
			ct_nac_blob_write(&a, &opt, &stats, buf);
			CHECK(ct_nac_blob_read(buf, len, &back, NULL, NULL, &err));
			ct_nac_free(&back);
			CHECK(ct_nac_check_finite(&a, &err));
			a.emb[7] = saved;
		}
		opt.lr = nan_value;
		ct_nac_blob_write(&a, &opt, &stats, buf);
		CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err) && strstr(err.detail, "finite") != NULL);
		memcpy(&bits, &nan_value, 8);
		CHECK(bits != 0);
		ct_nac_free(&a);
	}
	ct_free(buf);
	ct_nac_free(&m);
	CHECK(ct_crc32((const uint8_t *) "123456789", 9) == 0xcbf43926u);
}

/* ---- DARTS: two views per genotype ------------------------------------ */

static ct_arch darts_cells[300];
static double darts_acc[300];
static int	ndarts;

/*
 * The reference's NAC for DARTS written plainly in double, from the cell
 * graphs of ct_darts_cell_dag (checked against ctnas-reference.md §10.3's
 * worked example in test_space_darts): per cell h' = relu((A + I) h W + h +
 * b) over its 10 nodes, the mean over the 10; f = [f(normal), f(reduce)].
 */
static void
dense_embed_darts(const ct_nac *m, const ct_arch *a, double *f)
{
	int			w = m->shape.width;
	ct_darts_genotype g;
	ct_error	err;

	CHECK(ct_darts_decode(a->bytes, CT_DARTS_BYTES, &g, &err));
	for (int c = 0; c < 2; c++)
	{
		ct_darts_dag d;
		double		h[10][16],
					hw[10][16],
					next[10][16];

		ct_darts_cell_dag(&g, c, &d);
		for (int s = 0; s < 10; s++)
			for (int k = 0; k < w; k++)
				h[s][k] = m->emb[d.ops[s] * w + k];
		for (int l = 0; l < m->shape.layers; l++)
		{
			for (int s = 0; s < 10; s++)
				for (int k = 0; k < w; k++)
				{
					hw[s][k] = 0;
					for (int j = 0; j < w; j++)
						hw[s][k] += h[s][j] * m->W[l][j * w + k];
				}
			for (int i = 0; i < 10; i++)
				for (int k = 0; k < w; k++)
				{
					double		z = hw[i][k] + h[i][k] + m->b[l][k];

					for (int j = 0; j < 10; j++)
						if (d.preds[i] >> j & 1)
							z += hw[j][k];
					next[i][k] = z > 0 ? z : 0;
				}
			memcpy(h, next, sizeof(h));
		}
		for (int k = 0; k < w; k++)
		{
			f[c * w + k] = 0;
			for (int s = 0; s < 10; s++)
				f[c * w + k] += h[s][k] / 10;
		}
	}
}

static void
test_darts(void)
{
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_nac		m;
	ct_nac_batch *bt;
	float		feat[40 * 32];
	double		worst = 0;
	ct_arch		twelve[12];

	/* the reference's --n_ops 8 network: Embedding(11, 128), GCN, Linear(512, 1) */
	ct_nac_shape_set_space(&shape, &ct_space_darts);
	CHECK(ct_nac_shape_valid(&shape, NULL) && ct_nac_shape_space(&shape) == &ct_space_darts);
	CHECK(ct_nac_shape_views(&shape) == 2 && ct_nac_feat_width(&shape) == 256);
	CHECK(ct_nac_nparams(&shape) == 67969);
	/* NB101 and NB201 read one graph */
	{
		ct_nac_shape s1 = ct_nac_reference_shape();

		CHECK(ct_nac_shape_views(&s1) == 1 && ct_nac_nparams(&s1) == 67073);
		ct_nac_shape_set_space(&s1, &ct_space_nb201);
		CHECK(ct_nac_shape_views(&s1) == 1);
	}

	/* the batched forward against the plain formula, width 16 */
	shape.width = 16;
	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 5);
	CHECK(m.feat == 32 && m.nparams == 11 * 16 + 4 * (16 * 16 + 16) + 2 * 32 + 1);
	bt = ct_nac_batch_create(&shape);
	ct_nac_forward(&m, bt, darts_cells, 40, feat);
	for (int i = 0; i < 40; i++)
	{
		double		f[32];

		dense_embed_darts(&m, &darts_cells[i], f);
		for (int k = 0; k < 32; k++)
			worst = fmax(worst, fabs(f[k] - feat[i * 32 + k]) / fmax(1.0, fabs(f[k])));
	}
	CHECK(worst < 1e-5);
	/* the two cells are read apart: a genotype with its cells swapped has its features swapped */
	{
		ct_darts_genotype g,
					sw;
		ct_arch		pair[2];
		float		fs[2 * 32];
		ct_error	err;

		CHECK(ct_darts_decode(darts_cells[3].bytes, CT_DARTS_BYTES, &g, &err));
		memcpy(sw.cell[0], g.cell[1], sizeof(sw.cell[0]));
		memcpy(sw.cell[1], g.cell[0], sizeof(sw.cell[1]));
		pair[0] = darts_cells[3];
		pair[1] = darts_cells[3];
		ct_darts_encode(&sw, pair[1].bytes);
		ct_nac_forward(&m, bt, pair, 2, fs);
		CHECK(memcmp(fs, fs + 48, sizeof(float) * 16) == 0 && memcmp(fs + 16, fs + 32, sizeof(float) * 16) == 0);
		CHECK(memcmp(fs, fs + 16, sizeof(float) * 16) != 0);
	}
	/* the embedding cache and a frozen batch hold both views */
	{
		ct_nac_batch *frozen = ct_nac_batch_create(&shape);
		ct_nac_embed_cache *cache = ct_nac_embed_cache_create(&m, 4);
		int			same = 0;

		ct_nac_batch_freeze(frozen);
		for (int i = 0; i < 40; i++)
		{
			float		one[32];

			ct_nac_forward(&m, bt, &darts_cells[i], 1, one);
			same += memcmp(ct_nac_embed_cached(cache, &m, frozen, &darts_cells[i]), one, sizeof(float) * 32) == 0;
		}
		CHECK(same == 40);
		CHECK(fabs(ct_nac_score(&m, bt, &darts_cells[7]) - ct_nac_score_feat(&m, feat + 7 * 32)) < 1e-9);
		ct_nac_embed_cache_destroy(cache);
		ct_nac_batch_destroy(frozen);
	}
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);

	/* gradients, both recipes' networks (a "none" edge in one genotype) */
	for (int i = 0; i < 12; i++)
		twelve[i] = darts_cells[i * 23 % ndarts];
	{
		ct_arch		with_none;
		ct_error	err;

		CHECK(ct_arch_parse("Genotype(normal=[('none', 0), ('sep_conv_3x3', 1), ('none', 0), ('none', 2), "
							"('skip_connect', 1), ('dil_conv_5x5', 3), ('avg_pool_3x3', 0), ('none', 4)], normal_concat=[2, 3, 4, 5], "
							"reduce=[('max_pool_3x3', 0), ('none', 1), ('sep_conv_5x5', 1), ('dil_conv_3x3', 2), "
							"('none', 0), ('none', 1), ('sep_conv_3x3', 3), ('skip_connect', 4)], reduce_concat=[2, 3, 4, 5])",
							&with_none, &err));
		twelve[11] = with_none;
	}
	shape.width = 6;
	check_gradients(shape, twelve);
	shape.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
	shape.head = CT_NAC_HEAD_ANTISYMMETRIC;
	check_gradients(shape, twelve);
	shape.readout = CT_NAC_READOUT_NODES_SINK_BOTH;
	check_gradients(shape, twelve);
	shape.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;

	/* training: deterministic, learns, and the stored form round-trips (format version 1, space byte 3) */
	{
		ct_nac_options opt = ct_nac_default_options();
		ct_nac		a,
					b,
					back;
		ct_nac_stats sa,
					sb;
		ct_nac_options opt2;
		ct_error	err;
		uint8_t    *buf;
		size_t		len;
		int			agree = 0,
					pairs = 0;

		opt.epochs = 20;
		opt.batch_size = 64;
		opt.seed = 4;
		CHECK(ct_nac_train(darts_cells, darts_acc, 200, &opt, &a, &sa, NULL, NULL, &err));
		CHECK(ct_nac_train(darts_cells, darts_acc, 200, &opt, &b, &sb, NULL, NULL, &err));
		CHECK(a.nparams == 67969 && memcmp(a.params, b.params, sizeof(float) * a.nparams) == 0);
		/* the 11th embedding row is never read: only weight decay moves it */
		{
			ct_nac		init;
			bool		decayed = true;

			ct_nac_alloc(&init, &a.shape);
			ct_nac_init(&init, 4);
			for (int k = 0; k < 128; k++)
				decayed &= fabsf(a.emb[10 * 128 + k]) <= fabsf(init.emb[10 * 128 + k]);
			CHECK(decayed && memcmp(a.emb + 1280, init.emb + 1280, sizeof(float) * 128) != 0);
			ct_nac_free(&init);
		}
		bt = ct_nac_batch_create(&a.shape);
		for (int i = 0; i < 200; i += 3)
			for (int j = i + 1; j < 200; j += 11)
			{
				pairs++;
				agree += (ct_nac_compare(&a, bt, &darts_cells[i], &darts_cells[j]) > 0.5) == (darts_acc[i] > darts_acc[j]);
			}
		CHECK(agree > pairs * 6 / 10);
		len = ct_nac_blob_size(&a);
		CHECK(len == 120 + 4 * 67969 + 4);
		buf = ct_malloc(len);
		ct_nac_blob_write(&a, &opt, &sa, buf);
		CHECK(buf[8] == 1 && buf[9] == 0 && buf[12] == CT_SPACE_DARTS);
		CHECK(ct_nac_blob_read(buf, len, &back, &opt2, NULL, &err));
		CHECK(ct_nac_shape_space(&back.shape) == &ct_space_darts && back.feat == 256);
		CHECK(memcmp(back.params, a.params, sizeof(float) * a.nparams) == 0);
		CHECK(ct_nac_compare(&back, bt, &darts_cells[1], &darts_cells[2]) == ct_nac_compare(&a, bt, &darts_cells[1], &darts_cells[2]));
		ct_free(buf);
		ct_nac_batch_destroy(bt);
		ct_nac_free(&back);
		ct_nac_free(&a);
		ct_nac_free(&b);
	}
	/* recipe "default": antisymmetric in this space too */
	{
		ct_nac_options d = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
		ct_nac		dm;
		ct_nac_stats ds;
		ct_error	err;
		double		worst_sym = 0;

		d.epochs = 5;
		d.batch_size = 64;
		CHECK(ct_nac_train(darts_cells, darts_acc, 100, &d, &dm, &ds, NULL, NULL, &err));
		bt = ct_nac_batch_create(&dm.shape);
		for (int i = 0; i < 20; i++)
			worst_sym = fmax(worst_sym, fabs(ct_nac_compare(&dm, bt, &darts_cells[i], &darts_cells[i + 1]) +
											 ct_nac_compare(&dm, bt, &darts_cells[i + 1], &darts_cells[i]) - 1.0));
		CHECK(worst_sym < 1e-6);
		ct_nac_batch_destroy(bt);
		ct_nac_free(&dm);
	}
	/* rows of two spaces are refused */
	{
		ct_arch		mixed[3] = {darts_cells[0], darts_cells[1], rows[0].cell};
		double		acc[3] = {1, 2, 3};
		ct_nac_options opt = ct_nac_default_options();
		ct_nac		x;
		ct_nac_stats xs;
		ct_error	err;

		CHECK(!ct_nac_train(mixed, acc, 3, &opt, &x, &xs, NULL, NULL, &err) && strstr(err.message, "mix") != NULL);
	}
}

/* ---- OFA: the MLP (the reference's MBSpaceNAC) -------------------------- */

/* A subnet from a number: depths, kernels and expand ratios all in range. */
static void
ofa_arch(uint64_t k, ct_arch *out)
{
	ct_ofa_net	n;
	uint64_t	x = k * 0x9E3779B97F4A7C15ULL + 12345;

	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		n.d[u] = 2 + (int) ((x >> 33) % 3);
	}
	for (int s = 0; s < CT_OFA_SLOTS; s++)
	{
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		n.ks[s] = ct_ofa_kernel((int) ((x >> 33) % 3));
		n.e[s] = ct_ofa_expand((int) ((x >> 40) % 3));
	}
	ct_ofa_pack(&n, out);
}

/* A synthetic accuracy: larger kernels, expand ratios and depths are better, with an interaction. */
static double
ofa_synthetic_acc(const ct_arch *a)
{
	ct_ofa_net	n;
	double		acc = 70.0;

	ct_ofa_unpack(a, &n);
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		if (n.ks[s] != 0)
			acc += 0.05 * n.ks[s] + 0.1 * n.e[s] + (s >= 12 && n.e[s] == 6 ? 0.2 : 0.0);
	return acc;
}

/* f(a) in double from the weights: Linear layers, ReLU after all but the last. */
static void
dense_embed_mlp(const ct_nac *m, const ct_arch *a, double *f)
{
	int			w = m->shape.width;
	float		x[CT_OFA_ONEHOT];
	double		h[1024],
				next[1024];
	int			in = m->shape.slots;

	ct_ofa_onehot(a, x);
	for (int i = 0; i < in; i++)
		h[i] = x[i];
	for (int l = 0; l < m->shape.layers; l++)
	{
		for (int o = 0; o < w; o++)
		{
			double		z = m->b[l][o];

			for (int i = 0; i < in; i++)
				z += h[i] * m->W[l][(size_t) i * w + o];
			next[o] = l < m->shape.layers - 1 && z < 0 ? 0 : z;
		}
		memcpy(h, next, sizeof(double) * w);
		in = w;
	}
	memcpy(f, h, sizeof(double) * w);
}

static int	ofa_interrupts;

static void
count_interrupt(void *arg)
{
	ofa_interrupts++;
}

/* Finite differences of every parameter tensor of a small MLP (width 8) with the given head. */
static void
check_mlp_gradients(int head)
{
	ct_nac_options o = ct_nac_recipe_options(CT_NAC_RECIPE_PAPER);
	ct_nac_shape shape;
	ct_nac		m;
	ct_nac_batch *bt;
	ct_arch		cells[12];
	int			ia[16],
				ib[16];
	float		y[16];
	float	   *grad;
	int			bad_tensors = 0;

	o.mlp_width = 6;
	o.head = head;
	shape = ct_nac_options_shape(&o, &ct_space_ofa);
	CHECK(ct_nac_is_mlp(&shape) && shape.layers == 3 && shape.width == 6 && shape.slots == 120);
	bt = ct_nac_batch_create(&shape);
	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 11);
	for (int i = 0; i < 12; i++)
		ofa_arch((uint64_t) i, &cells[i]);
	for (int k = 0; k < 16; k++)
	{
		ia[k] = k % 12;
		ib[k] = (k * 5 + 1) % 12;
		y[k] = (float) (k % 3 == 0);
	}
	grad = ct_calloc(m.nparams, sizeof(float));
	loss_of(&m, bt, cells, 12, ia, ib, y, 16, grad);
	for (int t = 0; t < 2 * shape.layers + 2; t++)
	{
		int			l = t / 2;
		float	   *base = t < 2 * shape.layers ? (t % 2 == 0 ? m.W[l] : m.b[l]) : t == 2 * shape.layers ? m.fc_w : m.fc_b;
		size_t		len = t < 2 * shape.layers ? (t % 2 == 0 ? (size_t) (l == 0 ? shape.slots : shape.width) * shape.width
												  : (size_t) shape.width)
			: t == 2 * shape.layers ? 2 * (size_t) m.feat : 1;
		double		err2 = 0,
					an2 = 0;
		size_t		off = 0;

		for (size_t i = 0; i < len; i++)
		{
			float		saved = base[i];
			double		h = 1e-3 * fmax(1.0, fabs(saved));
			double		up,
						down,
						fd,
						an = grad[(base - m.params) + i];

			base[i] = (float) (saved + h);
			up = loss_of(&m, bt, cells, 12, ia, ib, y, 16, NULL);
			base[i] = (float) (saved - h);
			down = loss_of(&m, bt, cells, 12, ia, ib, y, 16, NULL);
			base[i] = saved;
			fd = (up - down) / (2 * h);
			off += fabs(fd - an) / fmax(5e-3, fabs(an)) > 2e-2;
			err2 += (fd - an) * (fd - an);
			an2 += an * an;
		}
		/* the gradient of the loss, before the antisymmetric head's tying (the trainer's) */
		/* the last bias moves f(a) and f(b) alike: no gradient under the antisymmetric head (FD: noise) */
		if (head == CT_NAC_HEAD_ANTISYMMETRIC && t == 2 * shape.layers - 1)
		{
			CHECK(sqrt(an2) < 1e-6);
			continue;
		}
		if (sqrt(err2 / fmax(an2, 1e-30)) > 2e-2 || off > len / 50)
		{
			bad_tensors++;
			fprintf(stderr, "MLP gradient check (head %d): tensor %d: %zu of %zu beyond 2%%, in norm %.3g\n",
					head, t, off, len, sqrt(err2 / fmax(an2, 1e-30)));
		}
	}
	CHECK(bad_tensors == 0);
	ct_free(grad);
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);
}

static void
test_ofa(void)
{
	ct_nac_options paper = ct_nac_recipe_options(CT_NAC_RECIPE_PAPER);
	ct_nac_options dflt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
	ct_nac_shape shape = ct_nac_options_shape(&paper, &ct_space_ofa);
	ct_nac		m;
	ct_nac_batch *bt;
	ct_error	err;
	enum
	{
		N = 40
	};
	ct_arch		cells[N];
	float	   *feat = ct_calloc((size_t) N * 512, sizeof(float));
	float	   *again = ct_calloc((size_t) N * 512, sizeof(float));
	double		worst = 0;

	/* MBSpaceNAC: 120 -> 512 -> 512 -> 512, fc 1024 -> 1 */
	CHECK(ct_nac_is_mlp(&shape) && shape.layers == 3 && shape.width == 512 && shape.slots == 120 &&
		  shape.vocab == CT_NAC_VOCAB_OFA_ONEHOT && shape.vocab_size == 0);
	CHECK(ct_nac_shape_valid(&shape, &err));
	CHECK(ct_nac_nparams(&shape) == 588289);
	CHECK(ct_nac_shape_space(&shape) == &ct_space_ofa && ct_nac_feat_width(&shape) == 512);
	/* the GCN spaces' shapes are untouched */
	{
		ct_nac_shape g = ct_nac_options_shape(&paper, &ct_space_darts);
		ct_nac_shape r = ct_nac_reference_shape();

		CHECK(!ct_nac_is_mlp(&g) && g.layers == 4 && g.width == 128 && ct_nac_nparams(&r) == 67073);
	}
	/* recipe "default": the antisymmetric head; the readout option does not reach the MLP */
	{
		ct_nac_shape d = ct_nac_options_shape(&dflt, &ct_space_ofa);

		CHECK(ct_nac_is_mlp(&d) && d.head == CT_NAC_HEAD_ANTISYMMETRIC && d.readout == CT_NAC_READOUT_MEAN_SLOTS);
		CHECK(ct_nac_nparams(&d) == 588289);
	}
	/*
	 * recipe "default"'s readout per space: [nodes; sink] where the last node
	 * is the output (NB101, NB201); slots for DARTS unless the options say;
	 * options in either order; a bad one refused
	 */
	{
		ct_nac_options o;

		CHECK(ct_nac_options_shape(&dflt, &ct_space_nb101).readout == CT_NAC_READOUT_NODES_SINK_BOTH);
		CHECK(ct_nac_options_shape(&dflt, &ct_space_nb201).readout == CT_NAC_READOUT_NODES_SINK_BOTH);
		CHECK(ct_nac_options_shape(&dflt, &ct_space_darts).readout == CT_NAC_READOUT_BOTH_DIRECTIONS);
		CHECK(ct_nac_options_from_json("{\"readout\": \"nodes+sink\"}", &o, &err) &&
			  ct_nac_options_shape(&o, &ct_space_darts).readout == CT_NAC_READOUT_NODES_SINK_BOTH);
		CHECK(ct_nac_options_from_json("{\"directions\": \"forward\"}", &o, &err) &&
			  ct_nac_options_shape(&o, &ct_space_darts).readout == CT_NAC_READOUT_MEAN_SLOTS &&
			  ct_nac_options_shape(&o, &ct_space_nb101).readout == CT_NAC_READOUT_NODES_SINK);
		CHECK(ct_nac_options_from_json("{\"readout\": \"slots\", \"directions\": \"forward\"}", &o, &err) &&
			  o.readout == CT_NAC_READOUT_MEAN_SLOTS);
		CHECK(ct_nac_options_from_json("{\"directions\": \"forward\", \"readout\": \"nodes+sink\", \"recipe\": \"paper\"}", &o, &err) &&
			  o.readout == CT_NAC_READOUT_NODES_SINK && o.head == CT_NAC_HEAD_CONCAT_FC);
		CHECK(!ct_nac_options_from_json("{\"readout\": \"sink\"}", &o, &err) && strstr(err.detail, "nodes+sink") != NULL);
	}
	/* options: "layers" and "width" set the MLP's too; a bad MLP shape is refused */
	{
		ct_nac_options o;
		ct_nac_shape s2;

		CHECK(ct_nac_options_from_json("{\"recipe\": \"paper\", \"layers\": 2, \"width\": 64}", &o, &err));
		s2 = ct_nac_options_shape(&o, &ct_space_ofa);
		CHECK(s2.layers == 2 && s2.width == 64 && ct_nac_nparams(&s2) == 120 * 64 + 64 + 64 * 64 + 64 + 128 + 1);
		s2.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
		CHECK(!ct_nac_shape_valid(&s2, &err));
		s2.readout = CT_NAC_READOUT_MEAN_SLOTS;
		s2.slots = 119;
		CHECK(!ct_nac_shape_valid(&s2, &err));
		s2.slots = 120;
		s2.network = 3;
		CHECK(!ct_nac_shape_valid(&s2, &err));
	}

	/* forward against a plain double implementation */
	for (int i = 0; i < N; i++)
		ofa_arch((uint64_t) i, &cells[i]);
	ct_nac_alloc(&m, &shape);
	ct_nac_init(&m, 3);
	CHECK(m.emb == NULL && m.fc_b + 1 == m.params + m.nparams);
	/* PyTorch's default bounds: 1/sqrt(120), 1/sqrt(512), 1/sqrt(1024) */
	{
		float		m0 = 0,
					m1 = 0,
					mf = 0;

		for (size_t i = 0; i < 120 * 512; i++)
			m0 = fmaxf(m0, fabsf(m.W[0][i]));
		for (size_t i = 0; i < 512 * 512; i++)
			m1 = fmaxf(m1, fabsf(m.W[2][i]));
		for (size_t i = 0; i < 1024; i++)
			mf = fmaxf(mf, fabsf(m.fc_w[i]));
		CHECK(m0 <= 1 / sqrtf(120) && m0 > 0.99f / sqrtf(120));
		CHECK(m1 <= 1 / sqrtf(512) && m1 > 0.99f / sqrtf(512));
		CHECK(mf <= 1 / 32.0f && mf > 0.99f / 32.0f);
	}
	bt = ct_nac_batch_create(&shape);
	ct_nac_forward(&m, bt, cells, N, feat);
	for (int i = 0; i < N; i++)
	{
		double		f[512];

		dense_embed_mlp(&m, &cells[i], f);
		for (int k = 0; k < 512; k++)
			worst = fmax(worst, fabs(f[k] - feat[i * 512 + k]) / fmax(1e-2, fabs(f[k])));
	}
	CHECK(worst < 1e-4);
	/* single cells, a frozen batch, tiles with interrupts: the same bits */
	{
		ct_nac_batch *one = ct_nac_batch_create(&shape);
		long		old;
		double		d1 = 0,
					macs;

		ct_nac_batch_freeze(one);
		for (int i = 0; i < N; i++)
		{
			ct_nac_forward(&m, one, &cells[i], 1, again);
			for (int k = 0; k < 512; k++)
				d1 = fmax(d1, fabs(again[k] - feat[i * 512 + k]) / fmax(1e-2, fabs(feat[i * 512 + k])));
		}
		/* one cell's product is not the batch's: equal to float rounding, not necessarily in bits */
		CHECK(d1 < 1e-5);
		ct_nac_batch_destroy(one);
		old = ct_nac_set_chunk_macs(1000);
		ofa_interrupts = 0;
		ct_nac_batch_set_interrupt(bt, count_interrupt, NULL);
		macs = ct_nac_sgemm_macs();
		ct_nac_forward(&m, bt, cells, N, again);
		/* the benchmarks' FLOP count, tiles or not: 120 x 512 + 2 x 512 x 512 per cell */
		CHECK(ct_nac_sgemm_macs() - macs == (double) N * (120 * 512 + 2 * 512 * 512));
		CHECK(ofa_interrupts > 3);
		CHECK(memcmp(again, feat, sizeof(float) * N * 512) == 0);
		ct_nac_set_chunk_macs(old);
		ct_nac_batch_set_interrupt(bt, NULL, NULL);
	}
	/* the batch's memory estimate covers a batch of that many cells */
	CHECK(ct_nac_batch_memory(&shape, 256) >= sizeof(float) * 256 * (120 + 2 * 512 + 2 * 512) &&
		  ct_nac_batch_memory(&shape, 256) < sizeof(float) * 256 * (120 + 5 * 512) + 4096);

	/* finite-difference gradients, both recipes' heads */
	check_mlp_gradients(CT_NAC_HEAD_CONCAT_FC);
	check_mlp_gradients(CT_NAC_HEAD_ANTISYMMETRIC);

	/* blob: round trip with network byte 2; a changed network byte is refused even with a good checksum */
	{
		ct_nac_stats stats = {.rows = 500, .epochs = 10, .steps = 20, .final_loss = 0.5};
		size_t		len = ct_nac_blob_size(&m);
		uint8_t    *buf = ct_malloc(len);
		ct_nac		back;
		ct_nac_options opt2;
		const uint8_t bad13[] = {0, 1, 3, 255};

		CHECK(len == 120 + 4 * 588289 + 4);
		ct_nac_blob_write(&m, &paper, &stats, buf);
		CHECK(buf[12] == CT_SPACE_OFA && buf[13] == 2 && buf[20] == CT_NAC_VOCAB_OFA_ONEHOT && buf[21] == 0 &&
			  buf[18] == 120 && buf[24] == 0 && buf[25] == 0);
		CHECK(ct_nac_blob_read(buf, len, &back, &opt2, NULL, &err));
		CHECK(ct_nac_is_mlp(&back.shape) && back.nparams == 588289 &&
			  memcmp(back.params, m.params, sizeof(float) * m.nparams) == 0);
		{
			ct_nac_batch *b2 = ct_nac_batch_create(&back.shape);

			ct_nac_forward(&back, b2, cells, N, again);
			CHECK(memcmp(again, feat, sizeof(float) * N * 512) == 0);
			ct_nac_batch_destroy(b2);
		}
		ct_nac_free(&back);
		for (int i = 0; i < 4; i++)
		{
			uint32_t	crc;

			ct_nac_blob_write(&m, &paper, &stats, buf);
			buf[13] = bad13[i];
			crc = ct_crc32(buf, len - 4);
			for (int b = 0; b < 4; b++)
				buf[len - 4 + b] = (uint8_t) (crc >> (8 * b));
			CHECK(!ct_nac_blob_read(buf, len, &back, NULL, NULL, &err) && strstr(err.detail, "network kind") != NULL);
		}
		/* a GCN's blob with its network byte made 2 is refused */
		{
			ct_nac_shape g = ct_nac_reference_shape();
			ct_nac		gm;
			uint8_t    *gb;
			size_t		glen;
			uint32_t	crc;

			ct_nac_alloc(&gm, &g);
			ct_nac_init(&gm, 1);
			glen = ct_nac_blob_size(&gm);
			gb = ct_malloc(glen);
			ct_nac_blob_write(&gm, &paper, &stats, gb);
			CHECK(gb[13] == 1 && gb[24] == 1 && gb[25] == 1);
			gb[13] = 2;
			crc = ct_crc32(gb, glen - 4);
			for (int b = 0; b < 4; b++)
				gb[glen - 4 + b] = (uint8_t) (crc >> (8 * b));
			CHECK(!ct_nac_blob_read(gb, glen, &gm, NULL, NULL, &err));
			gb[24] = gb[25] = 0;
			crc = ct_crc32(gb, glen - 4);
			for (int b = 0; b < 4; b++)
				gb[glen - 4 + b] = (uint8_t) (crc >> (8 * b));
			CHECK(!ct_nac_blob_read(gb, glen, &back, NULL, NULL, &err));
			ct_free(gb);
			ct_nac_free(&gm);
		}
		ct_free(buf);
	}
	ct_nac_batch_destroy(bt);
	ct_nac_free(&m);

	/* training: deterministic, the loss falls, and it ranks synthetic labels it has not seen */
	{
		enum
		{
			NT = 300, NH = 200
		};
		static ct_arch tr[NT + NH];
		static double acc[NT + NH];
		ct_nac_options opt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
		ct_nac		a,
					b;
		ct_nac_stats sa,
					sb;
		double		score[NH],
					truth[NH];
		float	   *hf = ct_calloc((size_t) NH * 512, sizeof(float));
		double		first_loss;

		for (int i = 0; i < NT + NH; i++)
		{
			ofa_arch((uint64_t) (1000 + i), &tr[i]);
			acc[i] = ofa_synthetic_acc(&tr[i]);
		}
		opt.seed = 7;
		opt.epochs = 1;
		CHECK(ct_nac_train(tr, acc, NT, &opt, &a, &sa, NULL, NULL, &err));
		opt.epochs = 30;
		CHECK(ct_nac_train(tr, acc, NT, &opt, &b, &sb, NULL, NULL, &err));
		CHECK(sb.final_loss < 0.5 * sa.final_loss);
		first_loss = sa.final_loss;
		ct_nac_free(&a);
		CHECK(ct_nac_train(tr, acc, NT, &opt, &a, &sa, NULL, NULL, &err));
		CHECK(a.nparams == b.nparams && memcmp(a.params, b.params, sizeof(float) * a.nparams) == 0);
		/* NAC(a, b) = 1 - NAC(b, a) */
		bt = ct_nac_batch_create(&a.shape);
		CHECK(fabs(ct_nac_compare(&a, bt, &tr[0], &tr[1]) + ct_nac_compare(&a, bt, &tr[1], &tr[0]) - 1) < 1e-6);
		ct_nac_forward(&a, bt, tr + NT, NH, hf);
		for (int i = 0; i < NH; i++)
		{
			score[i] = ct_nac_score_feat(&a, hf + (size_t) i * 512);
			truth[i] = acc[NT + i];
		}
		fprintf(stderr, "ofa synthetic: loss %.4f -> %.4f, held-out tau-b %.3f\n", first_loss, sb.final_loss,
				ct_kendall_tau_b(score, truth, NH));
		CHECK(ct_kendall_tau_b(score, truth, NH) > 0.7);
		/* recipe "paper" trains too, deterministically */
		{
			ct_nac_options p = ct_nac_recipe_options(CT_NAC_RECIPE_PAPER);
			ct_nac		c;
			ct_nac_stats sc;

			p.seed = 7;
			p.epochs = 30;
			CHECK(ct_nac_train(tr, acc, NT, &p, &c, &sc, NULL, NULL, &err));
			CHECK(c.shape.head == CT_NAC_HEAD_CONCAT_FC && sc.final_loss < 0.5 * 0.6931);
			ct_nac_free(&c);
		}
		ct_nac_batch_destroy(bt);
		ct_free(hf);
		ct_nac_free(&a);
		ct_nac_free(&b);

		/* rows of two spaces are refused */
		{
			ct_arch		mixed[3] = {tr[0], tr[1], rows[0].cell};
			ct_nac		x;
			ct_nac_stats xs;

			CHECK(!ct_nac_train(mixed, acc, 3, &opt, &x, &xs, NULL, NULL, &err) && strstr(err.message, "mix") != NULL);
			mixed[0] = rows[1].cell;
			mixed[2] = tr[2];
			CHECK(!ct_nac_train(mixed, acc, 3, &opt, &x, &xs, NULL, NULL, &err) && strstr(err.message, "mix") != NULL);
		}
		/* a trainer's weights must be the MLP's */
		{
			ct_nac_trainer *t = ct_nac_trainer_create(tr, acc, NT, &opt, &err);
			ct_nac		g;
			ct_nac_shape gs = ct_nac_reference_shape();

			ct_nac_alloc(&g, &gs);
			CHECK(t != NULL && !ct_nac_trainer_set_weights(t, &g, &err));
			ct_nac_free(&g);
			ct_nac_trainer_destroy(t);
		}
	}
	ct_free(feat);
	ct_free(again);
}

void
test_nac(void)
{
	nrows = sample_csv_read("data/nb101_sample.csv", rows, 600);
	CHECK(nrows == 600);
	if (nrows != 600)
		return;
	test_forward_matches_dense();
	test_gradients();
	test_loss();
	test_adam();
	test_training();
	test_trainer();
	test_average();
	test_blob();
	ndarts = darts_csv_read("data/darts_sample.csv", darts_cells, darts_acc, 300);
	CHECK(ndarts == 300);
	if (ndarts == 300)
		test_darts();
	test_ofa();
}
