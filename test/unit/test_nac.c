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
		for (int s = 0; s < CT_NAC_SLOTS; s++)
			f[k] += h[s][k] / CT_NAC_SLOTS;
	}
}

/* The cell read backwards, written independently of the core: slot v holds node n-1-v. */
static void
dense_embed_both(const ct_nac *m, const ct_graph *g, double *f)
{
	ct_graph	r;
	double		fr[64];

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
	for (int k = 0; k < m->shape.width; k++)
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
	/* both directions (recipe "default"): the mean with the reversed cell */
	{
		ct_nac		mb;
		ct_nac_shape sb = shape;
		ct_nac_batch *bb;

		sb.readout = CT_NAC_READOUT_BOTH_DIRECTIONS;
		ct_nac_alloc(&mb, &sb);
		ct_nac_init(&mb, 3);
		bb = ct_nac_batch_create(&sb);
		ct_nac_forward(&mb, bb, arch, 40, feat);
		worst = 0;
		for (int i = 0; i < 40; i++)
		{
			double		f[64];

			dense_embed_both(&mb, &cells[i], f);
			for (int k = 0; k < sb.width; k++)
				worst = fmax(worst, fabs(f[k] - feat[i * sb.width + k]) / fmax(1.0, fabs(f[k])));
		}
		CHECK(worst < 1e-5);
		ct_nac_batch_destroy(bb);
		ct_nac_free(&mb);
		ct_nac_forward(&m, bt, arch, 40, feat);
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
	float		feat[16 * 12];	/* width 6, 2 views at most */
	float		dfeat[16 * 12] = {0};
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
		CHECK(dm.shape.readout == CT_NAC_READOUT_BOTH_DIRECTIONS && dm.shape.head == CT_NAC_HEAD_ANTISYMMETRIC);
		for (int k = 0; k < dm.shape.width; k++)
			mirrored &= dm.fc_w[dm.shape.width + k] == -dm.fc_w[k];
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
	ct_nac_trainer_finish(t, &stepped, &ss);
	CHECK(memcmp(direct.params, stepped.params, sizeof(float) * direct.nparams) == 0);
	CHECK(ss.epochs == 40 && ss.steps == 160 && ss.final_loss == sd.final_loss);

	t = ct_nac_trainer_create(cells, acc, 100, &opt, &err);
	for (int e = 0; e < 40; e++)
		ct_nac_trainer_epoch(t, pool, 60, NULL, NULL);
	CHECK(ct_nac_trainer_model(t)->nparams == direct.nparams);
	ct_nac_trainer_finish(t, &taught, &st);
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
	test_blob();
	ndarts = darts_csv_read("data/darts_sample.csv", darts_cells, darts_acc, 300);
	CHECK(ndarts == 300);
	if (ndarts == 300)
		test_darts();
}
