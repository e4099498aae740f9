/*
 * nac_model.c
 *	  The NAC network: parameters, batched forward and backward, the pair head.
 *
 * A node's state after layer l depends only on its state after layer l-1 and
 * the multiset of its in-neighbours' states (h' = ReLU((A+I) h W + h + b)).
 * So within a batch, nodes with the same such history have the same state:
 * the input node of every cell, every padding slot, the first conv3x3 fed by
 * the input, and so on.  Each layer therefore computes one row per distinct
 * state ("class"), found by refining classes layer by layer as
 * Weisfeiler-Lehman does; in a batch of 256 NAS-Bench-101 cells that is
 * about 100, 600, 700 and 700 rows instead of 1,800 per layer.  Layer 0's
 * classes are the op vocabulary itself, so H0 W0 is just Emb W0.
 * Backward runs over the same classes with gradients summed per class,
 * which is exact because every use of a state reads the same values.
 *
 * An architecture may be several graphs ("views", ct_space.nac_views: a
 * DARTS genotype's normal and reduction cells): the batch then holds
 * ncells x views graphs, graph g being view g % views of cell g / views,
 * and the readout of graph g lands at feat + g x width, so that a cell's
 * features are its views' readouts concatenated (the reference's
 * concat[f(normal), f(reduce)], ctnas-reference.md §10.5).  With one view
 * nothing differs from a network that knows no views.
 */
#include "nac_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"

/* in-neighbours of a node: at most the nodes before it */
#define MAX_PREDS(shape) ((shape)->slots - 1)

/* The classes of one layer l >= 1: each is (class at l-1, multiset of in-neighbour classes at l-1). */
typedef struct layer_classes
{
	int			n;				/* number of classes */
	int		   *self;			/* [cap] own class at l-1 */
	int		   *pstart;			/* [cap + 1]: in-neighbour classes are pred[pstart[s] .. pstart[s+1]) */
	int		   *pred;			/* [cap * (slots - 1)] */
	float	   *H;				/* [cap x width] states after this layer */
} layer_classes;

struct ct_nac_batch
{
	ct_nac_shape shape;
	int			views;			/* graphs per cell */
	int			ncells;			/* graphs (cells x views) of the last pass */
	int			cap_cells;		/* graphs there is room for */
	int			cap_rows;		/* classes per layer: at most vocab + cells x slots */
	int		   *slot_class;		/* [cap_cells x slots] class of each slot, current layer */
	int		   *next_class;		/* [cap_cells x slots] scratch */
	int		   *nodes;			/* [cap_cells] nodes of each graph (the rest of its slots are padding) */
	uint32_t   *preds;			/* [cap_cells x slots] in-neighbours of each slot, bit u for slot u */
	int		   *hash;			/* [hash_size] class + 1, or 0 for empty */
	int			hash_size;
	layer_classes layer[CT_NAC_MAX_LAYERS + 1]; /* [1 .. layers] */
	float	   *P;				/* [cap_rows x width] H W of the layer below */
	float	   *dA;				/* [cap_rows x width] */
	float	   *dB;				/* [cap_rows x width] */
	float	   *dP;				/* [cap_rows x width] */
	struct ct_nac_batch *reversed;	/* the same cells with every edge reversed */
	float	   *rev_feat;
	bool		frozen;			/* weights promised constant: keep Emb W0 */
	bool		p0_valid;
	float	   *p0;				/* [vocab x width] Emb W0 while frozen */
	ct_interrupt_fn interrupt;	/* called between chunks of work, or NULL */
	void	   *interrupt_arg;
	ct_nac_mlp_batch *mlp;		/* the MLP's batch (nac_mlp.c); NULL for the GCN */
	ct_nac_memo *memo;			/* node states kept across calls (frozen, scoring), or NULL */
};

/*
 * A cancel must not wait for a whole batch: forward and backward call the
 * batch's interrupt callback between layers and between chunks of a layer
 * (at most CHUNK_MACS multiply-adds of a product, CHUNK_CLASSES classes,
 * CHUNK_CELLS cells), a few milliseconds of work each.  A product larger
 * than a chunk is computed in tiles of its result (at least TILE rows and
 * columns, so re-reading the operands costs little), never split along the
 * summed dimension: every element is summed in the same order as by one
 * call.  Products of the reference shape are never split.
 */
#define CHUNK_MACS		(1L << 28)
#define TILE			256
#define CHUNK_CLASSES	2048
#define CHUNK_CELLS		CT_NAC_CHUNK_CELLS

static inline void
check_interrupt(const ct_nac_batch *bt)
{
	if (bt->interrupt)
		bt->interrupt(bt->interrupt_arg);
}

void
ct_nac_batch_set_interrupt(ct_nac_batch *bt, ct_interrupt_fn interrupt, void *arg)
{
	bt->interrupt = interrupt;
	bt->interrupt_arg = arg;
	if (bt->mlp)
		ct_nac_mlp_batch_set_interrupt(bt->mlp, interrupt, arg);
	if (bt->reversed)
		ct_nac_batch_set_interrupt(bt->reversed, interrupt, arg);
}

static long chunk_macs = CHUNK_MACS;
static double sgemm_macs = 0;	/* multiply-adds through ct_nac_sgemm in this process (benchmarks) */

double
ct_nac_sgemm_macs(void)
{
	return sgemm_macs;
}

long
ct_nac_set_chunk_macs(long macs)
{
	long		old = chunk_macs;

	chunk_macs = macs > 0 ? macs : CHUNK_MACS;
	return old;
}

/* Rows or columns per tile: what fits in a chunk with `other` of the other side, at least TILE. */
static int
tile_size(int n, long other, int K)
{
	long		fit = chunk_macs / ((long) other * (K > 0 ? K : 1));

	if (fit < TILE)
		fit = TILE;
	return fit < n ? (int) fit : n;
}

/*
 * C (M x N) = op(A) op(B) + beta C, row-major; op(A) = A^T when trans_a (A
 * is K x M), op(B) = B^T when trans_b (B is N x K).  In tiles of C with the
 * interrupt between them when it is larger than a chunk.
 */
void
ct_nac_sgemm(ct_interrupt_fn interrupt, void *arg, bool trans_a, int M, int N, int K, const float *A, int lda,
			 bool trans_b, const float *B, int ldb, float beta, float *C, int ldc)
{
	int			rm,
				cn;

	sgemm_macs += (double) M * N * K;
	if ((double) M * N * (K > 0 ? K : 1) <= (double) chunk_macs)
	{
		cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
					M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
		return;
	}
	rm = tile_size(M, N, K);
	cn = tile_size(N, rm, K);
	for (int i = 0; i < M; i += rm)
		for (int j = 0; j < N; j += cn)
		{
			int			m = M - i < rm ? M - i : rm;
			int			n = N - j < cn ? N - j : cn;

			cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
						m, n, K, 1.0f, trans_a ? A + i : A + (size_t) i * lda, lda,
						trans_b ? B + (size_t) j * ldb : B + j, ldb, beta, C + (size_t) i * ldc + j, ldc);
			if (interrupt)
				interrupt(arg);
		}
}

static inline void
sgemm_tiled(const ct_nac_batch *bt, bool trans_a, int M, int N, int K, const float *A, int lda,
			bool trans_b, const float *B, int ldb, float beta, float *C, int ldc)
{
	ct_nac_sgemm(bt->interrupt, bt->interrupt_arg, trans_a, M, N, K, A, lda, trans_b, B, ldb, beta, C, ldc);
}

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
		.network = CT_NAC_NETWORK_GCN,
	};

	return s;
}

void
ct_nac_shape_set_space(ct_nac_shape *shape, const ct_space *space)
{
	if (space->nac_input > 0)
	{
		/* the MLP reads the space's vector; it has no graph, so no directions */
		shape->network = CT_NAC_NETWORK_MLP;
		shape->slots = space->nac_input;
		shape->vocab = space->nac_vocab;
		shape->vocab_size = 0;
		shape->readout = CT_NAC_READOUT_MEAN_SLOTS;
		return;
	}
	shape->network = CT_NAC_NETWORK_GCN;
	shape->slots = space->nac_slots;
	shape->vocab = space->nac_vocab;
	shape->vocab_size = space->nac_vocab_size;
}

const ct_space *
ct_nac_shape_space(const ct_nac_shape *s)
{
	const ct_space *sp;

	for (int i = 0; (sp = ct_space_nth(i)) != NULL; i++)
		if (ct_nac_is_mlp(s)
			? (sp->nac_input > 0 && sp->to_features != NULL &&
			   s->slots == sp->nac_input && s->vocab == sp->nac_vocab && s->vocab_size == 0)
			: (sp->to_dag != NULL &&
			   s->slots == sp->nac_slots && s->vocab == sp->nac_vocab && s->vocab_size == sp->nac_vocab_size))
			return sp;
	return NULL;
}

bool
ct_nac_shape_valid(const ct_nac_shape *s, ct_error *err)
{
	if (s->network != 0 && s->network != CT_NAC_NETWORK_GCN && s->network != CT_NAC_NETWORK_MLP)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC network", "Network kind %d.", s->network);
	if (s->layers < 1 || s->layers > CT_NAC_MAX_LAYERS || s->width < 1 || s->width > CT_NAC_MAX_WIDTH)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC shape",
					   "%d layers of width %d; supported are 1 to %d layers of width 1 to %d.",
					   s->layers, s->width, CT_NAC_MAX_LAYERS, CT_NAC_MAX_WIDTH);
	if (ct_nac_shape_space(s) == NULL)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC input encoding",
					   "%d slots, vocabulary %d of size %d.", s->slots, s->vocab, s->vocab_size);
	if (ct_nac_shape_views(s) > CT_NAC_MAX_VIEWS)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC input encoding",
					   "%d graphs per architecture; at most %d are supported.", ct_nac_shape_views(s), CT_NAC_MAX_VIEWS);
	if (ct_nac_is_mlp(s) && s->readout != CT_NAC_READOUT_MEAN_SLOTS)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC readout or head",
					   "Readout %d: the MLP's features are its last layer's output (readout 1).", s->readout);
	if (s->readout < CT_NAC_READOUT_MEAN_SLOTS || s->readout > CT_NAC_READOUT_NODES_SINK_BOTH ||
		(s->head != CT_NAC_HEAD_CONCAT_FC && s->head != CT_NAC_HEAD_ANTISYMMETRIC))
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC readout or head",
					   "Readout %d, head %d.", s->readout, s->head);
	return true;
}

void
ct_nac_shape_summary(const ct_nac_shape *s, char *buf, size_t size)
{
	if (ct_nac_is_mlp(s))
		snprintf(buf, size, "an MLP of %d layers of width %d, %s head", s->layers, s->width,
				 s->head == CT_NAC_HEAD_ANTISYMMETRIC ? "antisymmetric" : "concat");
	else
		snprintf(buf, size, "%d layers of width %d, readout \"%s\" read %s, %s head", s->layers, s->width,
				 ct_nac_readout_name(s->readout),
				 ct_nac_readout_both(s->readout) ? "in both directions" : "forward",
				 s->head == CT_NAC_HEAD_ANTISYMMETRIC ? "antisymmetric" : "concat");
}

const char *
ct_nac_readout_text(const ct_nac_shape *s)
{
	bool		views = ct_nac_shape_views(s) > 1;

	switch (s->readout)
	{
		case CT_NAC_READOUT_MEAN_SLOTS:
			return views ? "per cell (normal, reduction) the mean over all slots; the cells' concatenated"
				: "mean over all slots";
		case CT_NAC_READOUT_BOTH_DIRECTIONS:
			return views ? "per cell (normal, reduction) the mean over all slots, of the cell and of the cell reversed; the cells' concatenated"
				: "mean over all slots, of the cell and of the cell reversed";
		case CT_NAC_READOUT_NODES_SINK:
			return views ? "per cell (normal, reduction) [mean over its nodes; its last node]; the cells' concatenated"
				: "[mean over the nodes; the output node]";
		case CT_NAC_READOUT_NODES_SINK_BOTH:
			return views ? "per cell (normal, reduction) [mean over its nodes; its last node], the mean of the cell's and the reversed cell's (whose last node is the cell's first); the cells' concatenated"
				: "[mean over the nodes; the output node], the mean of the cell's and the reversed cell's (whose last node is the input node)";
	}
	return "unknown";
}

int
ct_nac_shape_views(const ct_nac_shape *s)
{
	const ct_space *sp = ct_nac_shape_space(s);

	return sp != NULL && sp->nac_views > 1 ? sp->nac_views : 1;
}

int
ct_nac_feat_width(const ct_nac_shape *s)
{
	return ct_nac_graph_feat(s) * ct_nac_shape_views(s);
}

size_t
ct_nac_nparams(const ct_nac_shape *s)
{
	size_t		w = (size_t) s->width;

	if (ct_nac_is_mlp(s))
		return ct_nac_mlp_nparams(s);
	return (size_t) s->vocab_size * w + (size_t) s->layers * (w * w + w) + 2 * (size_t) ct_nac_feat_width(s) + 1;
}

void
ct_nac_alloc(ct_nac *m, const ct_nac_shape *shape)
{
	size_t		w = (size_t) shape->width;
	float	   *p;

	memset(m, 0, sizeof(*m));
	m->shape = *shape;
	m->feat = ct_nac_feat_width(shape);
	m->nparams = ct_nac_nparams(shape);
	m->params = ct_calloc(m->nparams, sizeof(float));
	if (ct_nac_is_mlp(shape))
	{
		ct_nac_mlp_layout(m);
		return;
	}
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
	p += 2 * (size_t) m->feat;
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

	if (ct_nac_is_mlp(&m->shape))
		ct_nac_mlp_init(m, seed);
	else
	{
		ct_rng_seed(&rng, seed);
		for (size_t i = 0; i < (size_t) m->shape.vocab_size * w; i++)
			m->emb[i] = (float) normal(&rng);
		for (int l = 0; l < m->shape.layers; l++)
		{
			fill_uniform(&rng, m->W[l], w * w, 1.0 / sqrt((double) w));
			fill_uniform(&rng, m->b[l], w, 1.0 / sqrt((double) w));
		}
		/* fc = Linear(2 feat, 1): PyTorch's default bound 1/sqrt(fan_in) */
		fill_uniform(&rng, m->fc_w, 2 * (size_t) m->feat, 1.0 / sqrt(2.0 * m->feat));
		fill_uniform(&rng, m->fc_b, 1, 1.0 / sqrt(2.0 * m->feat));
	}
	if (m->shape.head == CT_NAC_HEAD_ANTISYMMETRIC)
	{
		/* tied halves and no bias: NAC(a, b) = 1 - NAC(b, a) exactly */
		for (size_t k = 0; k < (size_t) m->feat; k++)
			m->fc_w[m->feat + k] = -m->fc_w[k];
		m->fc_b[0] = 0.0f;
	}
}

ct_nac_batch *
ct_nac_batch_create(const ct_nac_shape *shape)
{
	ct_nac_batch *bt = ct_calloc(1, sizeof(ct_nac_batch));

	bt->shape = *shape;
	bt->views = ct_nac_shape_views(shape);
	if (ct_nac_is_mlp(shape))
		bt->mlp = ct_nac_mlp_batch_create(shape);
	return bt;
}

static void
free_buffers(ct_nac_batch *bt)
{
	for (int l = 1; l <= bt->shape.layers; l++)
	{
		ct_free(bt->layer[l].self);
		ct_free(bt->layer[l].pstart);
		ct_free(bt->layer[l].pred);
		ct_free(bt->layer[l].H);
	}
	ct_free(bt->slot_class);
	ct_free(bt->next_class);
	ct_free(bt->nodes);
	ct_free(bt->preds);
	ct_free(bt->hash);
	ct_free(bt->P);
	ct_free(bt->dA);
	ct_free(bt->dB);
	ct_free(bt->dP);
}

void
ct_nac_batch_destroy(ct_nac_batch *bt)
{
	if (bt == NULL)
		return;
	free_buffers(bt);
	ct_nac_mlp_batch_destroy(bt->mlp);
	ct_free(bt->p0);
	ct_nac_batch_destroy(bt->reversed);
	ct_free(bt->rev_feat);
	ct_nac_memo_destroy(bt->memo);
	ct_free(bt);
}

void
ct_nac_batch_memoize(ct_nac_batch *bt, const ct_nac *m, size_t bytes)
{
	ct_nac_memo *mm;

	if (bt->mlp)
		return;
	bt->frozen = true;
	mm = ct_nac_memo_create(m, bytes);
	ct_nac_memo_destroy(bt->memo);
	bt->memo = mm;
}

bool
ct_nac_batch_memo_stats(const ct_nac_batch *bt, ct_nac_memo_stats *out)
{
	if (bt->memo == NULL)
		return false;
	*out = ct_nac_memo_get_stats(bt->memo);
	return true;
}

void
ct_nac_batch_freeze(ct_nac_batch *bt)
{
	bt->frozen = true;
	bt->p0_valid = false;
	ct_free(bt->p0);
	bt->p0 = NULL;
	if (bt->reversed)
		ct_nac_batch_freeze(bt->reversed);
}

/*
 * Makes room for ncells graphs (cells x views).  The new buffers are complete before the old
 * ones go, so an allocation failure (an ERROR inside a backend) leaves a
 * cached batch as it was.
 */
static void
reserve(ct_nac_batch *bt, int ncells)
{
	int			slots = bt->shape.slots;
	int			rows = bt->shape.vocab_size + ncells * slots;
	size_t		w = (size_t) bt->shape.width;
	ct_nac_batch fresh = *bt;
	int			hash_size;

	if (ncells <= bt->cap_cells)
		return;
	for (int l = 1; l <= bt->shape.layers; l++)
	{
		fresh.layer[l].self = ct_malloc(sizeof(int) * rows);
		fresh.layer[l].pstart = ct_malloc(sizeof(int) * (rows + 1));
		fresh.layer[l].pred = ct_malloc(sizeof(int) * (size_t) rows * MAX_PREDS(&bt->shape));
		fresh.layer[l].H = ct_malloc(sizeof(float) * rows * w);
	}
	fresh.slot_class = ct_malloc(sizeof(int) * ncells * slots);
	fresh.next_class = ct_malloc(sizeof(int) * ncells * slots);
	fresh.nodes = ct_malloc(sizeof(int) * ncells);
	fresh.preds = ct_malloc(sizeof(uint32_t) * ncells * slots);
	for (hash_size = 64; hash_size < 2 * rows; hash_size *= 2)
		;
	fresh.hash = ct_malloc(sizeof(int) * hash_size);
	fresh.P = ct_malloc(sizeof(float) * rows * w);
	fresh.dA = ct_malloc(sizeof(float) * rows * w);
	fresh.dB = ct_malloc(sizeof(float) * rows * w);
	fresh.dP = ct_malloc(sizeof(float) * rows * w);
	fresh.hash_size = hash_size;
	fresh.cap_cells = ncells;
	fresh.cap_rows = rows;
	free_buffers(bt);
	*bt = fresh;
}

size_t
ct_nac_batch_memory(const ct_nac_shape *shape, size_t cells)
{
	size_t		ncells = cells * (size_t) ct_nac_shape_views(shape);	/* graphs */
	size_t		slots = (size_t) shape->slots;
	size_t		rows = (size_t) shape->vocab_size + ncells * slots;
	size_t		w = (size_t) shape->width;
	size_t		hash_size;
	size_t		one;
	size_t		gf = (size_t) ct_nac_graph_feat(shape);

	if (ct_nac_is_mlp(shape))
		return sizeof(ct_nac_batch) + ct_nac_mlp_batch_memory(shape, cells);
	if (ncells == 0)
		return sizeof(ct_nac_batch);
	for (hash_size = 64; hash_size < 2 * rows; hash_size *= 2)
		;
	/* as reserve(): per layer self, pstart, pred and H; then the slot classes, nodes, preds, hash, P, dA, dB, dP */
	one = sizeof(ct_nac_batch) +
		(size_t) shape->layers * (sizeof(int) * (rows + rows + 1 + rows * MAX_PREDS(shape)) + sizeof(float) * rows * w) +
		2 * sizeof(int) * ncells * slots + sizeof(int) * ncells + sizeof(uint32_t) * ncells * slots +
		sizeof(int) * hash_size + 4 * sizeof(float) * rows * w +
		sizeof(float) * (size_t) shape->vocab_size * w;	/* p0, when frozen */
	if (!ct_nac_readout_both(shape->readout))
		return one;
	/* the reversed cells' batch and their embeddings */
	return 2 * one + sizeof(float) * ncells * gf;
}

/*
 * The graph the GCN reads of a cell (its space's), or of the cell with
 * every edge reversed and its nodes renumbered n-1 .. 0, so that the output
 * comes first: the same GCN then passes messages from the output backwards
 * (not a valid cell; only the NAC reads it).
 */
static void
cell_dag(const ct_arch *a, int view, bool reversed, ct_dag *out)
{
	ct_dag		d;
	int			n;

	ct_space_of(a)->to_dag(a, view, &d);
	if (!reversed)
	{
		*out = d;
		return;
	}
	n = d.n;
	memset(out, 0, sizeof(*out));
	out->n = n;
	for (int v = 0; v < n; v++)
	{
		out->op[n - 1 - v] = d.op[v];
		for (int u = 0; u < v; u++)
			if (d.pred[v] >> u & 1u)
				out->pred[n - 1 - u] |= 1u << (n - 1 - v);
	}
}

/* The class of (self, sorted preds) in layer lc, added if new. */
static int
intern_class(ct_nac_batch *bt, layer_classes *lc, int self, const int *preds, int npreds)
{
	uint64_t	h = (uint64_t) self * 0x9E3779B97F4A7C15ULL + (uint64_t) npreds;
	int			mask = bt->hash_size - 1;
	int			i;

	for (int k = 0; k < npreds; k++)
		h = (h ^ (uint64_t) preds[k]) * 0xff51afd7ed558ccdULL;
	for (i = (int) ((h ^ (h >> 29)) & (uint64_t) mask);; i = (i + 1) & mask)
	{
		int			c = bt->hash[i] - 1;

		if (c < 0)
			break;
		if (lc->self[c] == self && lc->pstart[c + 1] - lc->pstart[c] == npreds)
		{
			const int  *p = lc->pred + lc->pstart[c];
			int			k = 0;

			while (k < npreds && p[k] == preds[k])
				k++;
			if (k == npreds)
				return c;
		}
	}
	/* new class */
	bt->hash[i] = lc->n + 1;
	lc->self[lc->n] = self;
	memcpy(lc->pred + lc->pstart[lc->n], preds, sizeof(int) * npreds);
	lc->pstart[lc->n + 1] = lc->pstart[lc->n] + npreds;
	return lc->n++;
}

/* Refines classes layer by layer over ncells graphs; afterwards slot_class holds the last layer's. */
static void
build_classes(ct_nac_batch *bt, const ct_arch *cells, int ncells, bool reversed)
{
	int			slots = bt->shape.slots;
	int			views = bt->views;

	reserve(bt, ncells);
	bt->ncells = ncells;
	/* layer 0: the op of each slot; padding slots are "dummy" and have no in-neighbours */
	for (int g = 0; g < ncells; g++)
	{
		ct_dag		d;

		cell_dag(&cells[g / views], g % views, reversed, &d);
		bt->nodes[g] = d.n;
		for (int v = 0; v < slots; v++)
		{
			bt->slot_class[g * slots + v] = v < d.n ? d.op[v] : CT_NAC_OP_DUMMY;
			bt->preds[g * slots + v] = v < d.n ? d.pred[v] & ((1u << v) - 1u) : 0u;
		}
	}

	for (int l = 1; l <= bt->shape.layers; l++)
	{
		layer_classes *lc = &bt->layer[l];

		lc->n = 0;
		lc->pstart[0] = 0;
		memset(bt->hash, 0, sizeof(int) * bt->hash_size);
		for (int g = 0; g < ncells; g++)
		{
			const int  *prev = bt->slot_class + g * slots;

			for (int v = 0; v < slots; v++)
			{
				int			preds[CT_DAG_MAX_NODES];
				int			np = 0;
				uint32_t	in = bt->preds[g * slots + v];

				for (int u = 0; u < v; u++)
					if (in >> u & 1u)
					{
						/* insertion sort: the multiset, not the order, defines the class */
						int			k = np++;

						while (k > 0 && preds[k - 1] > prev[u])
						{
							preds[k] = preds[k - 1];
							k--;
						}
						preds[k] = prev[u];
					}
				bt->next_class[g * slots + v] = intern_class(bt, lc, prev[v], preds, np);
			}
		}
		memcpy(bt->slot_class, bt->next_class, sizeof(int) * ncells * slots);
		check_interrupt(bt);
	}
}

/* The states below layer l: Emb rows for l = 0 (classes are ops), else layer l's H. */
static inline const float *
states_below(const ct_nac *m, const ct_nac_batch *bt, int l)
{
	return l == 0 ? m->emb : bt->layer[l].H;
}

static inline int
rows_below(const ct_nac *m, const ct_nac_batch *bt, int l)
{
	return l == 0 ? m->shape.vocab_size : bt->layer[l].n;
}

/* out = ReLU(P[self] + sum of P[preds] + H[self] + b): one class of one layer */
static inline __attribute__((always_inline)) void
class_forward(float *restrict out, const float *P, const float *H, int self,
			  const int *preds, int npreds, const float *restrict bias, int w)
{
	const float *restrict ps = P + (size_t) self * w;
	const float *restrict hs = H + (size_t) self * w;

	for (int k = 0; k < w; k++)
		out[k] = ps[k] + hs[k] + bias[k];
	for (int e = 0; e < npreds; e++)
	{
		const float *restrict pu = P + (size_t) preds[e] * w;

		for (int k = 0; k < w; k++)
			out[k] += pu[k];
	}
	for (int k = 0; k < w; k++)
		out[k] = out[k] > 0.0f ? out[k] : 0.0f;
}

CT_SIMD_CLONES static void
forward_one(const ct_nac *m, ct_nac_batch *bt, const ct_arch *cells, int ncells, bool reversed, float *feat)
{
	int			w = m->shape.width;
	int			L = m->shape.layers;
	int			slots = m->shape.slots;
	float		inv_slots = 1.0f / (float) slots;
	bool		sink = ct_nac_readout_sink(m->shape.readout);

	ncells *= bt->views;		/* graphs from here on */
	build_classes(bt, cells, ncells, reversed);
	for (int l = 0; l < L; l++)
	{
		const float *H = states_below(m, bt, l);
		layer_classes *lc = &bt->layer[l + 1];

		const float *P = bt->P;

		if (l == 0 && bt->frozen)
		{
			if (!bt->p0_valid)
			{
				bt->p0 = ct_malloc(sizeof(float) * (size_t) m->shape.vocab_size * w);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m->shape.vocab_size, w, w,
							1.0f, m->emb, w, m->W[0], w, 0.0f, bt->p0, w);
				bt->p0_valid = true;
			}
			P = bt->p0;
		}
		else
			sgemm_tiled(bt, false, rows_below(m, bt, l), w, w, H, w, false, m->W[l], w, 0.0f, bt->P, w);
		for (int s = 0; s < lc->n; s++)
		{
			class_forward(lc->H + (size_t) s * w, P, H, lc->self[s], lc->pred + lc->pstart[s],
						  lc->pstart[s + 1] - lc->pstart[s], m->b[l], w);
			if ((s + 1) % CHUNK_CLASSES == 0)
				check_interrupt(bt);
		}
		check_interrupt(bt);
	}

	for (int g = 0; g < ncells; g++)
	{
		const int  *cls = bt->slot_class + g * slots;
		const float *H = bt->layer[L].H;
		/* the mean over all slots, padding included; or [the mean over the graph's nodes; its last node] */
		int			n = sink ? bt->nodes[g] : slots;
		float	   *restrict f = feat + (size_t) g * (sink ? 2 : 1) * w;

		memset(f, 0, sizeof(float) * w);
		for (int v = 0; v < n; v++)
		{
			const float *restrict h = H + (size_t) cls[v] * w;

			for (int k = 0; k < w; k++)
				f[k] += h[k];
		}
		if (sink)
		{
			for (int k = 0; k < w; k++)
				f[k] /= (float) n;
			memcpy(f + w, H + (size_t) cls[n - 1] * w, sizeof(float) * w);
		}
		else
			for (int k = 0; k < w; k++)
				f[k] *= inv_slots;
		if ((g + 1) % CHUNK_CELLS == 0)
			check_interrupt(bt);
	}
}

/*
 * Backward through one layer's classes: dZ = dH where the state was positive
 * (in place), db += dZ, and dZ scattered to the layer below: to dP for the
 * self loop and each in-neighbour, to dHb for the residual.
 */
static inline __attribute__((always_inline)) void
classes_backward(const ct_nac_batch *bt, const layer_classes *lc, float *restrict dH, float *restrict gb,
				 float *dP, float *dHb, int w)
{
	for (int s = 0; s < lc->n; s++)
	{
		float	   *restrict d = dH + (size_t) s * w;
		const float *restrict h = lc->H + (size_t) s * w;
		float	   *restrict ps = dP + (size_t) lc->self[s] * w;
		float	   *restrict hs = dHb + (size_t) lc->self[s] * w;

		for (int k = 0; k < w; k++)
		{
			float		z = h[k] > 0.0f ? d[k] : 0.0f;

			d[k] = z;
			gb[k] += z;
			ps[k] += z;
			hs[k] += z;
		}
		for (int e = lc->pstart[s]; e < lc->pstart[s + 1]; e++)
		{
			float	   *restrict pu = dP + (size_t) lc->pred[e] * w;

			for (int k = 0; k < w; k++)
				pu[k] += d[k];
		}
		if ((s + 1) % CHUNK_CLASSES == 0)
			check_interrupt(bt);
	}
}

CT_SIMD_CLONES static void
backward_one(const ct_nac *m, ct_nac_batch *bt, const float *dfeat, float *grad)
{
	int			w = m->shape.width;
	int			L = m->shape.layers;
	int			slots = m->shape.slots;
	float		inv_slots = 1.0f / (float) slots;
	float	   *dH = bt->dA;		/* gradient w.r.t. the states after layer l + 1 */
	float	   *dHb = bt->dB;		/* ... and after layer l */
	bool		sink = ct_nac_readout_sink(m->shape.readout);

	/* readout */
	memset(dH, 0, sizeof(float) * (size_t) bt->layer[L].n * w);
	for (int g = 0; g < bt->ncells; g++)
	{
		const int  *cls = bt->slot_class + g * slots;
		int			n = sink ? bt->nodes[g] : slots;
		const float *restrict df = dfeat + (size_t) g * (sink ? 2 : 1) * w;
		float		share[CT_NAC_MAX_WIDTH];	/* d mean / d node: once per graph, added to each node */

		for (int k = 0; k < w; k++)
			share[k] = sink ? df[k] / (float) n : df[k] * inv_slots;
		for (int v = 0; v < n; v++)
		{
			float	   *restrict d = dH + (size_t) cls[v] * w;

			for (int k = 0; k < w; k++)
				d[k] += share[k];
		}
		if (sink)
		{
			float	   *restrict ds = dH + (size_t) cls[n - 1] * w;

			for (int k = 0; k < w; k++)
				ds[k] += df[w + k];
		}
		if ((g + 1) % CHUNK_CELLS == 0)
			check_interrupt(bt);
	}

	for (int l = L - 1; l >= 0; l--)
	{
		int			nb = rows_below(m, bt, l);
		const float *Hb = states_below(m, bt, l);
		float	   *gW = grad + (m->W[l] - m->params);
		float	   *gb = grad + (m->b[l] - m->params);

		memset(bt->dP, 0, sizeof(float) * (size_t) nb * w);
		memset(dHb, 0, sizeof(float) * (size_t) nb * w);
		classes_backward(bt, &bt->layer[l + 1], dH, gb, bt->dP, dHb, w);
		check_interrupt(bt);
		/* dW += Hb^T dP; dHb += dP W^T */
		sgemm_tiled(bt, true, w, w, nb, Hb, w, false, bt->dP, w, 1.0f, gW, w);
		sgemm_tiled(bt, false, nb, w, w, bt->dP, w, true, m->W[l], w, 1.0f, dHb, w);
		check_interrupt(bt);
		if (l == 0)
		{
			float	   *gemb = grad + (m->emb - m->params);

			for (size_t i = 0; i < (size_t) nb * w; i++)
				gemb[i] += dHb[i];
		}
		else
		{
			float	   *t = dH;

			dH = dHb;
			dHb = t;
		}
	}
}

void
ct_nac_batch_reserve(ct_nac_batch *bt, int cells)
{
	size_t		w = (size_t) ct_nac_graph_feat(&bt->shape);
	int			ncells = cells * bt->views; /* graphs */

	if (bt->mlp)
	{
		ct_nac_mlp_batch_reserve(bt->mlp, cells);
		return;
	}
	reserve(bt, ncells);
	if (!ct_nac_readout_both(bt->shape.readout))
		return;
	/* the reversed cells' batch and their embeddings */
	if (bt->reversed == NULL || ncells > bt->reversed->cap_cells)
	{
		float	   *feat_buf;

		if (bt->reversed == NULL)
		{
			bt->reversed = ct_nac_batch_create(&bt->shape);
			if (bt->frozen)
				ct_nac_batch_freeze(bt->reversed);
			ct_nac_batch_set_interrupt(bt->reversed, bt->interrupt, bt->interrupt_arg);
		}
		reserve(bt->reversed, ncells);
		/* allocated before the old one goes (see reserve) */
		feat_buf = ct_malloc(sizeof(float) * ncells * w);
		ct_free(bt->rev_feat);
		bt->rev_feat = feat_buf;
	}
}

/* Embeds each graph through the memo; both directions averaged as forward_one's pair. */
static void
forward_memo(const ct_nac *m, ct_nac_batch *bt, const ct_arch *cells, int ncells, float *feat)
{
	int			w = ct_nac_graph_feat(&m->shape);
	int			views = bt->views;
	bool		both = ct_nac_readout_both(m->shape.readout);

	for (int c = 0; c < ncells; c++)
	{
		for (int view = 0; view < views; view++)
		{
			float	   *f = feat + ((size_t) c * views + view) * w;
			ct_dag		d;

			cell_dag(&cells[c], view, false, &d);
			ct_nac_memo_embed(bt->memo, m, &d, f);
			if (both)
			{
				float		r[CT_NAC_MAX_FEAT];

				cell_dag(&cells[c], view, true, &d);
				ct_nac_memo_embed(bt->memo, m, &d, r);
				for (int k = 0; k < w; k++)
					f[k] = 0.5f * (f[k] + r[k]);
			}
		}
		if ((c + 1) % CHUNK_CELLS == 0)
			check_interrupt(bt);
	}
}

void
ct_nac_forward(const ct_nac *m, ct_nac_batch *bt, const ct_arch *cells, int ncells, float *feat)
{
	size_t		w = (size_t) m->feat;

	if (bt->mlp)
	{
		ct_nac_mlp_forward(m, bt->mlp, cells, ncells, feat);
		return;
	}
	if (bt->memo)
	{
		forward_memo(m, bt, cells, ncells, feat);
		return;
	}
	forward_one(m, bt, cells, ncells, false, feat);
	if (!ct_nac_readout_both(m->shape.readout))
		return;
	/* the mean of the readouts of the cell and of its reverse, with shared weights */
	ct_nac_batch_reserve(bt, ncells);
	forward_one(m, bt->reversed, cells, ncells, true, bt->rev_feat);
	for (size_t i = 0; i < (size_t) ncells * w; i++)
		feat[i] = 0.5f * (feat[i] + bt->rev_feat[i]);
}

void
ct_nac_backward(const ct_nac *m, ct_nac_batch *bt, const float *dfeat, float *grad)
{
	size_t		n = (size_t) bt->ncells * ct_nac_graph_feat(&m->shape);

	if (bt->mlp)
	{
		ct_nac_mlp_backward(m, bt->mlp, dfeat, grad);
		return;
	}
	if (!ct_nac_readout_both(m->shape.readout))
	{
		backward_one(m, bt, dfeat, grad);
		return;
	}
	for (size_t i = 0; i < n; i++)
		bt->rev_feat[i] = 0.5f * dfeat[i];
	backward_one(m, bt, bt->rev_feat, grad);
	backward_one(m, bt->reversed, bt->rev_feat, grad);
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
	int			w = m->feat;

	return dot(m->fc_w, fa, w) + dot(m->fc_w + w, fb, w) + m->fc_b[0];
}

CT_SIMD_CLONES double
ct_nac_pair_loss(const ct_nac *m, const float *feat, const int *ia, const int *ib,
				 const float *y, int npairs, float *p_out, float *grad, float *dfeat)
{
	int			w = m->feat;
	double		loss = 0.0;
	float	   *restrict gw = grad ? grad + (m->fc_w - m->params) : NULL;
	float	   *gb = grad ? grad + (m->fc_b - m->params) : NULL;
	/* locals: PostgreSQL builds with -fno-strict-aliasing, so a store would make m's fields be read again */
	const float *restrict fc_w = m->fc_w;

	for (int k = 0; k < npairs; k++)
	{
		const float *restrict fa = feat + (size_t) ia[k] * w;
		const float *restrict fb = feat + (size_t) ib[k] * w;
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
			{
				float	   *da = dfeat + (size_t) ia[k] * w;
				float	   *db = dfeat + (size_t) ib[k] * w;

				/* in this order: a and b may be the same cell */
				for (int i = 0; i < w; i++)
				{
					da[i] += dz * fc_w[i];
					db[i] += dz * fc_w[w + i];
				}
			}
		}
	}
	return loss / npairs;
}

double
ct_nac_prob_feat(const ct_nac *m, const float *fa, const float *fb)
{
	return 1.0 / (1.0 + exp(-(double) ct_nac_head_logit(m, fa, fb)));
}

double
ct_nac_score_feat(const ct_nac *m, const float *fa)
{
	return dot(m->fc_w, fa, m->feat);
}

double
ct_nac_compare(const ct_nac *m, ct_nac_batch *bt, const ct_arch *a, const ct_arch *b)
{
	ct_arch		cells[2] = {*a, *b};
	float		feat[2 * CT_NAC_MAX_FEAT];

	ct_nac_forward(m, bt, cells, 2, feat);
	return ct_nac_prob_feat(m, feat, feat + m->feat);
}

double
ct_nac_score(const ct_nac *m, ct_nac_batch *bt, const ct_arch *a)
{
	float		feat[CT_NAC_MAX_FEAT];

	ct_nac_forward(m, bt, a, 1, feat);
	return ct_nac_score_feat(m, feat);
}
