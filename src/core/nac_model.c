/*
 * nac_model.c
 *	  The NAC network: parameters, batched forward and backward, the pair head.
 *
 * A batch of cells is laid out as rows of a matrix with `width` columns:
 * row 0 is the input node and row 1 a padding slot, shared by every cell
 * (neither has in-neighbours, so their states are the same in every cell);
 * then, cell by cell, one row for each of nodes 1 .. n-1.  A layer is one
 * sgemm over all rows plus a sparse aggregation over in-neighbours.  The
 * first layer's H W is a gather from the table Emb W0.
 */
#include "ctnas_nac.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"

#define ROW_INPUT	0
#define ROW_PAD		1
#define SHARED_ROWS 2

struct ct_nac_batch
{
	ct_nac_shape shape;
	int			ncells;
	int			rows;
	int			cap_rows;
	int			cap_cells;
	int			cap_preds;
	int		   *cell_n;			/* nodes of each cell */
	int		   *cell_base;		/* row of each cell's node 1 */
	uint8_t    *row_op;			/* op id of each row */
	int		   *pred_start;		/* rows + 1: in-neighbour rows of row r are */
	int		   *pred;			/* pred[pred_start[r] .. pred_start[r+1]) */
	float	   *H;				/* (layers + 1) x cap_rows x width */
	float	   *P;				/* cap_rows x width */
	float	   *dA;				/* cap_rows x width */
	float	   *dB;				/* cap_rows x width */
	float	   *table;			/* vocab x width: Emb W0 */
	float	   *dtable;			/* vocab x width */
	const float *table_params;	/* the params and generation table was made from */
	uint64_t	table_generation;
};

ct_nac_shape
ct_nac_reference_shape(void)
{
	ct_nac_shape s = {
		.layers = 4,
		.width = 128,
		.slots = CT_NAC_SLOTS,
		.vocab = CT_NAC_VOCAB_CTNAS_NB101,
		.vocab_size = CT_NAC_VOCAB_NB101,
		.readout = CT_NAC_READOUT_MEAN_SLOTS,
		.head = CT_NAC_HEAD_CONCAT_FC,
	};

	return s;
}

bool
ct_nac_shape_valid(const ct_nac_shape *s, ct_error *err)
{
	if (s->layers < 1 || s->layers > CT_NAC_MAX_LAYERS || s->width < 1 || s->width > CT_NAC_MAX_WIDTH)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC shape",
					   "%d layers of width %d; supported are 1 to %d layers of width 1 to %d.",
					   s->layers, s->width, CT_NAC_MAX_LAYERS, CT_NAC_MAX_WIDTH);
	if (s->slots != CT_NAC_SLOTS || s->vocab != CT_NAC_VOCAB_CTNAS_NB101 ||
		s->vocab_size != CT_NAC_VOCAB_NB101)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC input encoding",
					   "%d slots, vocabulary %d of size %d.", s->slots, s->vocab, s->vocab_size);
	if (s->readout != CT_NAC_READOUT_MEAN_SLOTS || s->head != CT_NAC_HEAD_CONCAT_FC)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC readout or head",
					   "Readout %d, head %d.", s->readout, s->head);
	return true;
}

static size_t
nparams_of(const ct_nac_shape *s)
{
	size_t		w = (size_t) s->width;

	return (size_t) s->vocab_size * w + (size_t) s->layers * (w * w + w) + 2 * w + 1;
}

void
ct_nac_alloc(ct_nac *m, const ct_nac_shape *shape)
{
	size_t		w = (size_t) shape->width;
	float	   *p;

	memset(m, 0, sizeof(*m));
	m->shape = *shape;
	m->nparams = nparams_of(shape);
	m->params = ct_calloc(m->nparams, sizeof(float));
	p = m->params;
	m->emb = p;
	p += (size_t) shape->vocab_size * w;
	for (int l = 0; l < shape->layers; l++)
	{
		m->W[l] = p;
		p += w * w;
		m->b[l] = p;
		p += w;
	}
	m->fc_w = p;
	p += 2 * w;
	m->fc_b = p;
}

void
ct_nac_free(ct_nac *m)
{
	ct_free(m->params);
	memset(m, 0, sizeof(*m));
}

static double
normal(ct_rng *rng)
{
	/* Box-Muller; 1 - u keeps the logarithm finite */
	double		u = 1.0 - ct_rng_uniform(rng);
	double		v = ct_rng_uniform(rng);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static void
fill_uniform(ct_rng *rng, float *x, size_t n, double bound)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float) ((2.0 * ct_rng_uniform(rng) - 1.0) * bound);
}

void
ct_nac_init(ct_nac *m, uint64_t seed)
{
	ct_rng		rng;
	size_t		w = (size_t) m->shape.width;

	ct_rng_seed(&rng, seed);
	for (size_t i = 0; i < (size_t) m->shape.vocab_size * w; i++)
		m->emb[i] = (float) normal(&rng);
	for (int l = 0; l < m->shape.layers; l++)
	{
		fill_uniform(&rng, m->W[l], w * w, 1.0 / sqrt((double) w));
		fill_uniform(&rng, m->b[l], w, 1.0 / sqrt((double) w));
	}
	fill_uniform(&rng, m->fc_w, 2 * w, 1.0 / sqrt(2.0 * w));
	fill_uniform(&rng, m->fc_b, 1, 1.0 / sqrt(2.0 * w));
	m->generation++;
}

ct_nac_batch *
ct_nac_batch_create(const ct_nac_shape *shape)
{
	ct_nac_batch *bt = ct_calloc(1, sizeof(ct_nac_batch));

	bt->shape = *shape;
	bt->table = ct_calloc((size_t) shape->vocab_size * shape->width, sizeof(float));
	bt->dtable = ct_calloc((size_t) shape->vocab_size * shape->width, sizeof(float));
	return bt;
}

static void
free_rows(ct_nac_batch *bt)
{
	ct_free(bt->row_op);
	ct_free(bt->pred_start);
	ct_free(bt->pred);
	ct_free(bt->H);
	ct_free(bt->P);
	ct_free(bt->dA);
	ct_free(bt->dB);
}

void
ct_nac_batch_destroy(ct_nac_batch *bt)
{
	if (bt == NULL)
		return;
	free_rows(bt);
	ct_free(bt->cell_n);
	ct_free(bt->cell_base);
	ct_free(bt->table);
	ct_free(bt->dtable);
	ct_free(bt);
}

/* Makes room for ncells cells (at most slots-1 live rows and edges each). */
static void
reserve(ct_nac_batch *bt, int ncells)
{
	int			rows = SHARED_ROWS + ncells * (bt->shape.slots - 1);
	int			preds = ncells * CT_NB101_MAX_EDGES;
	size_t		w = (size_t) bt->shape.width;

	if (ncells > bt->cap_cells)
	{
		ct_free(bt->cell_n);
		ct_free(bt->cell_base);
		bt->cell_n = ct_malloc(sizeof(int) * ncells);
		bt->cell_base = ct_malloc(sizeof(int) * ncells);
		bt->cap_cells = ncells;
	}
	if (rows > bt->cap_rows || preds > bt->cap_preds)
	{
		free_rows(bt);
		bt->row_op = ct_malloc(rows);
		bt->pred_start = ct_malloc(sizeof(int) * (rows + 1));
		bt->pred = ct_malloc(sizeof(int) * preds);
		bt->H = ct_malloc(sizeof(float) * (size_t) (bt->shape.layers + 1) * rows * w);
		bt->P = ct_malloc(sizeof(float) * rows * w);
		bt->dA = ct_malloc(sizeof(float) * rows * w);
		bt->dB = ct_malloc(sizeof(float) * rows * w);
		bt->cap_rows = rows;
		bt->cap_preds = preds;
	}
}

static uint8_t
nac_op(int op)
{
	switch (op)
	{
		case CT_OP_INPUT:
			return CT_NAC_OP_INPUT;
		case CT_OP_CONV1X1:
			return CT_NAC_OP_CONV1X1;
		case CT_OP_CONV3X3:
			return CT_NAC_OP_CONV3X3;
		case CT_OP_MAXPOOL3X3:
			return CT_NAC_OP_MAXPOOL3X3;
		default:
			return CT_NAC_OP_OUTPUT;
	}
}

/* Lays the cells out as rows with their in-neighbour lists. */
static void
layout(ct_nac_batch *bt, const ct_graph *cells, int ncells)
{
	int			r = SHARED_ROWS;
	int			np = 0;

	reserve(bt, ncells);
	bt->ncells = ncells;
	bt->row_op[ROW_INPUT] = CT_NAC_OP_INPUT;
	bt->row_op[ROW_PAD] = CT_NAC_OP_DUMMY;
	bt->pred_start[0] = bt->pred_start[1] = bt->pred_start[2] = 0;
	for (int g = 0; g < ncells; g++)
	{
		const ct_graph *c = &cells[g];

		bt->cell_n[g] = c->n;
		bt->cell_base[g] = r;
		for (int v = 1; v < c->n; v++, r++)
		{
			bt->row_op[r] = nac_op(c->ops[v]);
			for (int u = 0; u < v; u++)
				if (ct_graph_has_edge(c, u, v))
					bt->pred[np++] = u == 0 ? ROW_INPUT : bt->cell_base[g] + u - 1;
			bt->pred_start[r + 1] = np;
		}
	}
	bt->rows = r;
}

static inline float *
H_at(const ct_nac_batch *bt, int layer)
{
	return bt->H + (size_t) layer * bt->cap_rows * bt->shape.width;
}

/* out = ReLU(P[r] + sum of P[u] over in-neighbours u + H[r] + b): one layer, one row */
static void
aggregate_row(float *restrict out, const float *P, const float *restrict pr, const float *restrict hr,
			  const float *restrict bias, const int *preds, int npreds, int w)
{
	for (int k = 0; k < w; k++)
		out[k] = pr[k] + hr[k] + bias[k];
	for (int e = 0; e < npreds; e++)
	{
		const float *restrict pu = P + (size_t) preds[e] * w;

		for (int k = 0; k < w; k++)
			out[k] += pu[k];
	}
	for (int k = 0; k < w; k++)
		out[k] = out[k] > 0.0f ? out[k] : 0.0f;
}

/*
 * Backward through one layer's ReLU and sums: dZ = dH where the output was
 * positive (in place), db += dZ, and dZ copied to dP and dPrev (the
 * self-loop and residual terms).
 */
static void
relu_back_rows(float *restrict dH, const float *restrict Hn, float *restrict gb, float *restrict dP,
			   float *restrict dPrev, int rows, int w)
{
	for (int r = 0; r < rows; r++)
	{
		float	   *restrict d = dH + (size_t) r * w;
		const float *restrict h = Hn + (size_t) r * w;

		for (int k = 0; k < w; k++)
		{
			float		z = h[k] > 0.0f ? d[k] : 0.0f;

			d[k] = z;
			gb[k] += z;
		}
	}
	memcpy(dP, dH, sizeof(float) * (size_t) rows * w);
	if (dPrev)
		memcpy(dPrev, dH, sizeof(float) * (size_t) rows * w);
}

void
ct_nac_forward(const ct_nac *m, ct_nac_batch *bt, const ct_graph *cells, int ncells, float *feat)
{
	int			w = m->shape.width;
	int			L = m->shape.layers;
	float		inv_slots = 1.0f / (float) m->shape.slots;

	layout(bt, cells, ncells);

	/* Emb W0, recomputed only when the weights changed */
	if (bt->table_params != m->params || bt->table_generation != m->generation)
	{
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m->shape.vocab_size, w, w,
					1.0f, m->emb, w, m->W[0], w, 0.0f, bt->table, w);
		bt->table_params = m->params;
		bt->table_generation = m->generation;
	}

	for (int r = 0; r < bt->rows; r++)
		memcpy(H_at(bt, 0) + (size_t) r * w, m->emb + (size_t) bt->row_op[r] * w, sizeof(float) * w);

	for (int l = 0; l < L; l++)
	{
		const float *H = H_at(bt, l);
		float	   *Hn = H_at(bt, l + 1);
		const float *bias = m->b[l];

		if (l == 0)
			for (int r = 0; r < bt->rows; r++)
				memcpy(bt->P + (size_t) r * w, bt->table + (size_t) bt->row_op[r] * w, sizeof(float) * w);
		else
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bt->rows, w, w,
						1.0f, H, w, m->W[l], w, 0.0f, bt->P, w);

		for (int r = 0; r < bt->rows; r++)
			aggregate_row(Hn + (size_t) r * w, bt->P, bt->P + (size_t) r * w, H + (size_t) r * w,
						  bias, bt->pred + bt->pred_start[r], bt->pred_start[r + 1] - bt->pred_start[r], w);
	}

	/* mean over all slots: the input, the live nodes, the padding */
	{
		const float *HL = H_at(bt, L);

		for (int g = 0; g < ncells; g++)
		{
			float	   *f = feat + (size_t) g * w;
			int			n = bt->cell_n[g];
			float		npad = (float) (m->shape.slots - n);

			for (int k = 0; k < w; k++)
				f[k] = HL[ROW_INPUT * w + k] + npad * HL[ROW_PAD * w + k];
			for (int r = bt->cell_base[g]; r < bt->cell_base[g] + n - 1; r++)
				for (int k = 0; k < w; k++)
					f[k] += HL[(size_t) r * w + k];
			for (int k = 0; k < w; k++)
				f[k] *= inv_slots;
		}
	}
}

void
ct_nac_backward(const ct_nac *m, ct_nac_batch *bt, const float *dfeat, float *grad)
{
	int			w = m->shape.width;
	int			L = m->shape.layers;
	int			rows = bt->rows;
	float		inv_slots = 1.0f / (float) m->shape.slots;
	float	   *dH = bt->dA;		/* gradient w.r.t. the current layer's output */
	float	   *dPrev = bt->dB;
	float	   *gemb = grad + (m->emb - m->params);

	/* readout */
	memset(dH, 0, sizeof(float) * (size_t) rows * w);
	for (int g = 0; g < bt->ncells; g++)
	{
		const float *df = dfeat + (size_t) g * w;
		float		npad = (float) (m->shape.slots - bt->cell_n[g]);

		for (int k = 0; k < w; k++)
		{
			float		d = df[k] * inv_slots;

			dH[ROW_INPUT * w + k] += d;
			dH[ROW_PAD * w + k] += npad * d;
		}
		for (int r = bt->cell_base[g]; r < bt->cell_base[g] + bt->cell_n[g] - 1; r++)
			for (int k = 0; k < w; k++)
				dH[(size_t) r * w + k] += df[k] * inv_slots;
	}

	for (int l = L - 1; l >= 0; l--)
	{
		const float *Hn = H_at(bt, l + 1);
		float	   *gW = grad + (m->W[l] - m->params);
		float	   *gb = grad + (m->b[l] - m->params);

		/* through the ReLU: dH becomes dZ; dP and (below layer 0) dPrev start as dZ */
		relu_back_rows(dH, Hn, gb, bt->P, l > 0 ? dPrev : NULL, rows, w);

		/* dP = (A + I)^T dZ: each row also gets its successors' dZ */
		for (int r = 0; r < rows; r++)
			for (int e = bt->pred_start[r]; e < bt->pred_start[r + 1]; e++)
			{
				float	   *restrict pu = bt->P + (size_t) bt->pred[e] * w;
				const float *restrict dz = dH + (size_t) r * w;

				for (int k = 0; k < w; k++)
					pu[k] += dz[k];
			}

		if (l > 0)
		{
			const float *H = H_at(bt, l);

			/* dW += H^T dP; dH_prev = dZ (residual) + dP W^T */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, w, w, rows,
						1.0f, H, w, bt->P, w, 1.0f, gW, w);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, w, w,
						1.0f, bt->P, w, m->W[l], w, 1.0f, dPrev, w);
			{
				float	   *t = dH;

				dH = dPrev;
				dPrev = t;
			}
		}
		else
		{
			/* layer 0 read P from the table Emb W0: fold dP back by op */
			int			V = m->shape.vocab_size;

			memset(bt->dtable, 0, sizeof(float) * (size_t) V * w);
			for (int r = 0; r < rows; r++)
				for (int k = 0; k < w; k++)
				{
					bt->dtable[(size_t) bt->row_op[r] * w + k] += bt->P[(size_t) r * w + k];
					gemb[(size_t) bt->row_op[r] * w + k] += dH[(size_t) r * w + k];	/* residual */
				}
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, w, w, V,
						1.0f, m->emb, w, bt->dtable, w, 1.0f, gW, w);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, V, w, w,
						1.0f, bt->dtable, w, m->W[0], w, 1.0f, gemb, w);
		}
	}
}

static inline float
dot(const float *a, const float *b, int n)
{
	float		s = 0.0f;

	for (int k = 0; k < n; k++)
		s += a[k] * b[k];
	return s;
}

float
ct_nac_head_logit(const ct_nac *m, const float *fa, const float *fb)
{
	int			w = m->shape.width;

	return dot(m->fc_w, fa, w) + dot(m->fc_w + w, fb, w) + m->fc_b[0];
}

double
ct_nac_pair_loss(const ct_nac *m, const float *feat, const int *ia, const int *ib,
				 const float *y, int npairs, float *p_out, float *grad, float *dfeat)
{
	int			w = m->shape.width;
	double		loss = 0.0;
	float	   *gw = grad ? grad + (m->fc_w - m->params) : NULL;
	float	   *gb = grad ? grad + (m->fc_b - m->params) : NULL;

	for (int k = 0; k < npairs; k++)
	{
		const float *fa = feat + (size_t) ia[k] * w;
		const float *fb = feat + (size_t) ib[k] * w;
		float		p = 1.0f / (1.0f + expf(-ct_nac_head_logit(m, fa, fb)));
		float		one_minus = 1.0f - p;

		if (p_out)
			p_out[k] = p;
		/* PyTorch's BCELoss: logs clamped at -100 */
		loss -= y[k] * fmax(log(p), -100.0) + (1.0f - y[k]) * fmax(log(one_minus), -100.0);
		if (grad)
		{
			/* d loss / d p as BCELoss's backward (eps 1e-12), then the sigmoid's */
			float		dp = (p - y[k]) / fmaxf(one_minus * p, 1e-12f) / (float) npairs;
			float		dz = dp * (p * one_minus);

			for (int i = 0; i < w; i++)
			{
				gw[i] += dz * fa[i];
				gw[w + i] += dz * fb[i];
			}
			gb[0] += dz;
			if (dfeat)
				for (int i = 0; i < w; i++)
				{
					dfeat[(size_t) ia[k] * w + i] += dz * m->fc_w[i];
					dfeat[(size_t) ib[k] * w + i] += dz * m->fc_w[w + i];
				}
		}
	}
	return loss / npairs;
}

double
ct_nac_compare(const ct_nac *m, ct_nac_batch *bt, const ct_graph *a, const ct_graph *b)
{
	ct_graph	cells[2] = {*a, *b};
	float		feat[2 * CT_NAC_MAX_WIDTH];
	float		logit;

	ct_nac_forward(m, bt, cells, 2, feat);
	logit = ct_nac_head_logit(m, feat, feat + m->shape.width);
	return 1.0 / (1.0 + exp(-(double) logit));
}

double
ct_nac_score(const ct_nac *m, ct_nac_batch *bt, const ct_graph *a)
{
	float		feat[CT_NAC_MAX_WIDTH];

	ct_nac_forward(m, bt, a, 1, feat);
	return dot(m->fc_w, feat, m->shape.width);
}
