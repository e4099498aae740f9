/*
 * ctnas_nac.h
 *	  The neural architecture comparator (NAC) of CTNAS: network, training,
 *	  and its stored form.
 *
 * The reference network (chenyaofo/CTNAS, see ctnas-reference.md §2): each
 * cell's node slots (7 for NAS-Bench-101; the graph a space gives, ct_dag)
 * get an op embedding; 4 GCN layers
 * h' = ReLU((A + I) h W + h + b) over the in-neighbour adjacency; the
 * readout is the mean over all 7 slots (padding included); the comparator
 * is sigmoid(w_a . f(a) + w_b . f(b) + c) = P(a is better than b).
 *
 * All float32; the heavy work is sgemm (OpenBLAS, single-threaded).  Cost is
 * per distinct node state, not per pair: a training step embeds the batch's
 * cells once, and nodes whose state is provably the same (see nac_model.c)
 * are computed once.
 */
#ifndef CTNAS_NAC_H
#define CTNAS_NAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_error.h"
#include "ctnas_arch.h"
#include "ctnas_space.h"
#include "ctnas_serial.h"

#define CT_NAC_SLOTS		7	/* NAS-Bench-101 cells are padded to 7 slots */
#define CT_NAC_MAX_LAYERS	16
#define CT_NAC_MAX_WIDTH	1024
#define CT_NAC_MAX_VIEWS	2	/* graphs per architecture (ct_space.nac_views) */
/* Features of one architecture, at most: views x 2 width (the readouts with the sink). */
#define CT_NAC_MAX_FEAT		(CT_NAC_MAX_VIEWS * 2 * CT_NAC_MAX_WIDTH)

/* Op ids of the reference's tensorisation (not ct_op: the order differs). */
enum
{
	CT_NAC_OP_DUMMY = 0,
	CT_NAC_OP_INPUT = 1,
	CT_NAC_OP_CONV1X1 = 2,
	CT_NAC_OP_CONV3X3 = 3,
	CT_NAC_OP_MAXPOOL3X3 = 4,
	CT_NAC_OP_OUTPUT = 5,
	CT_NAC_VOCAB_NB101 = 6
};

/* Kinds recorded in the model format, so variants can be added later. */
typedef enum ct_nac_readout
{
	CT_NAC_READOUT_MEAN_SLOTS = 1,	/* mean over all slots, padding included */
	CT_NAC_READOUT_BOTH_DIRECTIONS = 2, /* the mean of that for the cell and for the cell
										 * with every edge reversed (shared weights) */
	CT_NAC_READOUT_NODES_SINK = 3,	/* [mean over the graph's nodes (no padding); the state
									 * of its last node (the sink: NB101's output)], 2 x width */
	CT_NAC_READOUT_NODES_SINK_BOTH = 4	/* the mean of that for the cell and for the cell
										 * reversed, whose last node is the cell's input */
} ct_nac_readout;

/* Whether a readout reads the cell reversed too (the mean of both directions). */
static inline bool
ct_nac_readout_both(int readout)
{
	return readout == CT_NAC_READOUT_BOTH_DIRECTIONS || readout == CT_NAC_READOUT_NODES_SINK_BOTH;
}

/* Whether a readout is [mean of the nodes; the sink's state] rather than the mean of all slots. */
static inline bool
ct_nac_readout_sink(int readout)
{
	return readout == CT_NAC_READOUT_NODES_SINK || readout == CT_NAC_READOUT_NODES_SINK_BOTH;
}

/* The option "readout"'s value for a readout: "slots" or "nodes+sink". */
static inline const char *
ct_nac_readout_name(int readout)
{
	return ct_nac_readout_sink(readout) ? "nodes+sink" : "slots";
}

/* The readout of these two choices. */
static inline int
ct_nac_readout_of(bool both, bool sink)
{
	return sink ? (both ? CT_NAC_READOUT_NODES_SINK_BOTH : CT_NAC_READOUT_NODES_SINK)
		: (both ? CT_NAC_READOUT_BOTH_DIRECTIONS : CT_NAC_READOUT_MEAN_SLOTS);
}

typedef enum ct_nac_head
{
	CT_NAC_HEAD_CONCAT_FC = 1,	/* sigmoid(fc(concat(f(a), f(b)))) */
	CT_NAC_HEAD_ANTISYMMETRIC = 2	/* the same with fc's halves tied to w, -w and no bias:
									 * sigmoid(w . (f(a) - f(b))), so NAC(a,b) = 1 - NAC(b,a) */
} ct_nac_head;

/* The input vocabularies: one per space (ct_space.nac_vocab). */
typedef enum ct_nac_vocab
{
	CT_NAC_VOCAB_CTNAS_NB101 = 1,	/* dummy, input, conv1x1, conv3x3, maxpool3x3, output */
	CT_NAC_VOCAB_NB201 = 2,		/* dummy, input, none, skip_connect, nor_conv_1x1, nor_conv_3x3,
								 * avg_pool_3x3, output */
	CT_NAC_VOCAB_OFA_ONEHOT = 4,	/* no vocabulary: the MLP reads the OFA space's 120-wide
								 * one-hot (ct_ofa_onehot, ctnas-reference.md §11.3) */
	CT_NAC_VOCAB_DARTS = 3		/* the reference's op2embedding (ctnas-reference.md §10.2):
								 * input0, input1, none, skip_connect, sep_conv_3x3,
								 * sep_conv_5x5, max_pool_3x3, avg_pool_3x3, dil_conv_3x3,
								 * dil_conv_5x5, and an 11th row never read (its --n_ops 8
								 * gives Embedding(11, 128)); no padding (every cell is 10
								 * nodes) */
} ct_nac_vocab;

/*
 * The network that embeds an architecture (the model format's byte 13).
 * A shape's network 0 means the GCN, so shapes written before there was a
 * choice keep their meaning.
 */
typedef enum ct_nac_network
{
	CT_NAC_NETWORK_GCN = 1,		/* the reference's GCN over the space's graphs (ct_space.to_dag) */
	CT_NAC_NETWORK_MLP = 2		/* the reference's MBSpaceNAC (ctnas-reference.md §11.4): on the
								 * space's vector (ct_space.to_features), layers Linear layers,
								 * ReLU after all but the last, no normalisation */
} ct_nac_network;

/*
 * For the MLP: layers = Linear layers of f (the reference: 3), width = their
 * output width (512), slots = the input's width (ct_space.nac_input, 120
 * for OFA), vocab = the input encoding (CT_NAC_VOCAB_OFA_ONEHOT),
 * vocab_size = 0, readout = CT_NAC_READOUT_MEAN_SLOTS (recorded as 1: the
 * last layer's output is the features; an MLP has no graph to reverse).
 */
typedef struct ct_nac_shape
{
	int			layers;
	int			width;
	int			slots;
	int			vocab;			/* ct_nac_vocab */
	int			vocab_size;
	int			readout;		/* ct_nac_readout */
	int			head;			/* ct_nac_head */
	int			network;		/* ct_nac_network; 0 = CT_NAC_NETWORK_GCN */
} ct_nac_shape;

/* Whether a shape is the MLP (network CT_NAC_NETWORK_MLP); anything else reads graphs. */
static inline bool
ct_nac_is_mlp(const ct_nac_shape *s)
{
	return s->network == CT_NAC_NETWORK_MLP;
}

/* The shape in the options' words, for errors ("4 layers of width 128, readout \"slots\" read forward, concat head"). */
extern void ct_nac_shape_summary(const ct_nac_shape *s, char *buf, size_t size);

/* The readout in words (nac_info's network.readout). */
extern const char *ct_nac_readout_text(const ct_nac_shape *s);

/* Features of one graph: width, or 2 x width for the readouts with the sink. */
static inline int
ct_nac_graph_feat(const ct_nac_shape *s)
{
	return ct_nac_readout_sink(s->readout) ? 2 * s->width : s->width;
}

/*
 * The network.  params holds every parameter contiguously, in this order.
 * An architecture's features are feat = views x ct_nac_graph_feat floats: the readout of
 * each of its graphs (ct_space.nac_views; 1 but for DARTS, whose normal and
 * reduction cells are read apart by the same GCN, as the reference does), in
 * view order.
 */
typedef struct ct_nac
{
	ct_nac_shape shape;
	int			feat;			/* features per architecture: ct_nac_feat_width(shape) */
	size_t		nparams;
	float	   *params;
	float	   *emb;			/* vocab_size x width (GCN); NULL for the MLP */
	float	   *W[CT_NAC_MAX_LAYERS];	/* width x width, [in][out]; the MLP's W[0] is slots x width */
	float	   *b[CT_NAC_MAX_LAYERS];	/* width */
	float	   *fc_w;			/* 2 x feat: the first half sees a, the second b */
	float	   *fc_b;			/* 1 */
} ct_nac;

/* The reference shape: 4 layers of 128, 7 slots, 67,073 parameters (NAS-Bench-101). */
extern ct_nac_shape ct_nac_reference_shape(void);
/* The input part of a shape (network, slots, vocabulary) for cells of a space. */
extern void ct_nac_shape_set_space(ct_nac_shape *shape, const ct_space *space);
/* The space whose cells a shape reads (NULL: none). */
extern const ct_space *ct_nac_shape_space(const ct_nac_shape *shape);
extern bool ct_nac_shape_valid(const ct_nac_shape *shape, ct_error *err);
/* Graphs per architecture (its space's nac_views; 1 for an unknown encoding). */
extern int	ct_nac_shape_views(const ct_nac_shape *shape);
/* Features per architecture: views x width. */
extern int	ct_nac_feat_width(const ct_nac_shape *shape);

/* Number of parameters of a network of this shape. */
extern size_t ct_nac_nparams(const ct_nac_shape *shape);

/* Allocates params (zeroed) and sets the pointers; ct_nac_free releases them. */
extern void ct_nac_alloc(ct_nac *m, const ct_nac_shape *shape);
extern void ct_nac_free(ct_nac *m);

/*
 * The reference initialisation: Emb N(0,1), GCN U(+-1/sqrt(width)), FC
 * U(+-1/sqrt(2 feat)); the MLP's Linear layers PyTorch's default,
 * U(+-1/sqrt(fan_in)) for weights and biases, drawn layer by layer, weight
 * (in PyTorch's [out][in] order) then bias, then fc, as the reference
 * builds MBSpaceNAC.
 */
extern void ct_nac_init(ct_nac *m, uint64_t seed);

/*
 * Scratch space and activations for a batch of cells.  Reused across calls;
 * grows as needed.
 */
typedef struct ct_nac_batch ct_nac_batch;

extern ct_nac_batch *ct_nac_batch_create(const ct_nac_shape *shape);
extern void ct_nac_batch_destroy(ct_nac_batch *bt);
/* For inference: the caller promises the model's weights stay as they are. */
extern void ct_nac_batch_freeze(ct_nac_batch *bt);
/*
 * For scoring one cell at a time (frozen batches only, GCN only; a no-op for
 * the MLP): node states are kept across calls in at most about `bytes` and
 * shared by every cell with the same sub-structure (nac_node_memo.c).  Each
 * cell's embedding is then a function of the model and the cell alone,
 * whatever was embedded before; it may differ from an unmemoized batch's in
 * the last bits (as batches of different sizes do).  Not for backward.
 */
extern void ct_nac_batch_memoize(ct_nac_batch *bt, const ct_nac *m, size_t bytes);

typedef struct ct_nac_memo_stats
{
	uint64_t	cells;			/* graphs embedded */
	uint64_t	lookups;		/* classes of layer L-1 looked up */
	uint64_t	hits;			/* ... and found */
	uint64_t	rows;			/* product rows computed (each width x width) */
	uint64_t	flushes;		/* times every kept class was dropped */
	size_t		bytes;			/* held now */
} ct_nac_memo_stats;

/* The memo's counters; false if the batch has none. */
extern bool ct_nac_batch_memo_stats(const ct_nac_batch *bt, ct_nac_memo_stats *out);

/* The memo itself (used by the batch; tests call it directly). */
typedef struct ct_nac_memo ct_nac_memo;
extern ct_nac_memo *ct_nac_memo_create(const ct_nac *m, size_t bytes);
extern void ct_nac_memo_destroy(ct_nac_memo *mm);
/* feat (ct_nac_graph_feat floats) = the readout of one graph. */
extern void ct_nac_memo_embed(ct_nac_memo *mm, const ct_nac *m, const ct_dag *d, float *feat);
extern ct_nac_memo_stats ct_nac_memo_get_stats(const ct_nac_memo *mm);

/* Makes room for ncells cells at once now (a pass over more grows it, keeping the old buffers until the new exist). */
extern void ct_nac_batch_reserve(ct_nac_batch *bt, int ncells);
/* Bytes a batch of this shape holds once it has room for ncells cells (an upper bound). */
extern size_t ct_nac_batch_memory(const ct_nac_shape *shape, size_t ncells);

/* Embeds ncells cells: feat (ncells x m->feat) gets f(cell); activations are kept for backward. */
extern void ct_nac_forward(const ct_nac *m, ct_nac_batch *bt, const ct_arch *cells, int ncells,
						   float *feat);

/* Accumulates into grad (same layout as params) the gradient given dfeat (ncells x m->feat). */
extern void ct_nac_backward(const ct_nac *m, ct_nac_batch *bt, const float *dfeat, float *grad);

/* The comparator on embeddings: logit of P(a better than b). */
extern float ct_nac_head_logit(const ct_nac *m, const float *fa, const float *fb);

/*
 * BCE (mean over npairs, logs clamped at -100 as PyTorch's BCELoss) of the
 * pairs (ia[k], ib[k]) with labels y[k]; fills p[k] if p is not NULL, adds
 * the head's parameter gradients to grad and d loss / d feat to dfeat (if
 * not NULL).  Returns the loss.
 */
extern double ct_nac_pair_loss(const ct_nac *m, const float *feat, const int *ia, const int *ib,
							   const float *y, int npairs, float *p, float *grad, float *dfeat);

/*
 * With the antisymmetric head, makes a gradient keep fc's halves tied (w,
 * -w, no bias): the shared w's gradient is the first half's minus the
 * second's; the trainer applies it before each step.  Other heads: no-op.
 */
extern void ct_nac_head_tie_gradient(const ct_nac *m, float *grad);

/* Single-cell conveniences (each embeds the cells it is given). */
extern double ct_nac_compare(const ct_nac *m, ct_nac_batch *bt, const ct_arch *a, const ct_arch *b);
/* The part of the logit that depends on a: orders cells as the NAC ranks them. */
extern double ct_nac_score(const ct_nac *m, ct_nac_batch *bt, const ct_arch *a);

/* Probability and score from embeddings (see ct_nac_compare, ct_nac_score). */
extern double ct_nac_prob_feat(const ct_nac *m, const float *fa, const float *fb);
extern double ct_nac_score_feat(const ct_nac *m, const float *fa);

/* Embeddings of a frozen model, remembered per cell (direct-mapped, size entries). */
typedef struct ct_nac_embed_cache ct_nac_embed_cache;

extern ct_nac_embed_cache *ct_nac_embed_cache_create(const ct_nac *m, int size);
extern void ct_nac_embed_cache_destroy(ct_nac_embed_cache *c);
extern const float *ct_nac_embed_cached(ct_nac_embed_cache *c, const ct_nac *m, ct_nac_batch *bt,
										const ct_arch *g);

/* ---- optimiser ---------------------------------------------------------- */

/* Adam with classic L2 weight decay (added to the gradient), as torch.optim.Adam. */
typedef struct ct_adam
{
	double		lr;
	double		beta1;
	double		beta2;
	double		eps;
	double		weight_decay;
	uint64_t	step;
	size_t		n;
	float	   *m;
	float	   *v;
} ct_adam;

extern void ct_adam_init(ct_adam *opt, size_t n, double lr, double beta1, double beta2,
						 double eps, double weight_decay);
extern void ct_adam_free(ct_adam *opt);
extern void ct_adam_step(ct_adam *opt, float *params, float *grad);
/* Checkpoints of the moving state (step, m, v); restore needs the same size. */
extern void ct_adam_save(const ct_adam *opt, ct_wbuf *w);
extern bool ct_adam_restore(ct_adam *opt, ct_rbuf *r);

/* ---- training ------------------------------------------------------------ */

typedef enum ct_nac_recipe
{
	CT_NAC_RECIPE_PAPER = 1,	/* the reference code's recipe */
	CT_NAC_RECIPE_DEFAULT = 2	/* ours: see ct_nac_default_options */
} ct_nac_recipe;


typedef struct ct_nac_options
{
	int			recipe;			/* ct_nac_recipe */
	uint64_t	seed;
	int			epochs;
	int			batch_size;
	double		lr;
	double		beta1;
	double		beta2;
	double		eps;
	double		weight_decay;
	int			head;			/* ct_nac_head */
	int			readout;		/* ct_nac_readout */
	bool		readout_given;	/* by the options, or the model a search continues: kept in every
								 * space; else a sink readout of the recipe's falls back to slots
								 * where the space's last node is not an output (ct_nac_options_shape) */
	int			layers;			/* GCN layers */
	int			width;			/* embedding and GCN width */
	int			mlp_layers;		/* the MLP's Linear layers (spaces with ct_space.nac_input) */
	int			mlp_width;		/* ... and their width; JSON "layers"/"width" set both kinds */
	int			average;		/* percent of the epochs, at the end, whose end-of-epoch weights are
								 * averaged into the model (stochastic weight averaging); 0: the
								 * last step's weights.  JSON "average": the fraction, 0 to 0.99 */
} ct_nac_options;

/* This build has ct_nac_options.average (0.2.0; tests of 0.1.0's results set it to 0). */
#define CT_NAC_HAS_AVERAGE 1
/* This build has the readouts with the sink (0.2.0's recipe "default"; tests of 0.1.0's results read slots). */
#define CT_NAC_HAS_SINK_READOUT 1

/* Epochs at the end of training whose weights a model of these options averages (0: none). */
extern int	ct_nac_average_epochs(const ct_nac_options *opt);

/* The options of a recipe: every field set, seed 0. */
extern ct_nac_options ct_nac_recipe_options(int recipe);
/* Recipe "paper": Adam(2e-4, (0.5, 0.999), wd 5e-4), batches of 256, 1000 epochs, seed 0. */
extern ct_nac_options ct_nac_default_options(void);
extern const char *ct_nac_recipe_name(int recipe);
/* Options from a JSON object; missing keys keep the recipe's defaults. */
extern bool ct_nac_options_from_json(const char *json, ct_nac_options *opt, ct_error *err);
/* The same from an object parsed by ct_json_parse (ctnas_json.h), whose numbers keep their literals. */
struct cJSON;
extern bool ct_nac_options_from_cjson(const struct cJSON *root, ct_nac_options *opt, ct_error *err);
extern int	ct_nac_recipe_from_name(const char *name);

typedef struct ct_nac_stats
{
	uint64_t	rows;
	uint32_t	epochs;
	uint64_t	steps;
	double		final_loss;		/* mean pair loss of the last epoch */
} ct_nac_stats;

/*
 * Called between steps of long work (a training step, chunks of a forward
 * or backward pass, samples); may longjmp (the backend's CHECK_FOR_INTERRUPTS).
 */
typedef void (*ct_interrupt_fn) (void *arg);

/*
 * Forward and backward passes through bt call interrupt between layers and
 * chunks of a few milliseconds of work (NULL: never).  An interrupt that
 * longjmps leaves bt usable: the next pass recomputes everything.
 */
extern void ct_nac_batch_set_interrupt(ct_nac_batch *bt, ct_interrupt_fn interrupt, void *arg);
/*
 * Multiply-adds of a product above which it is computed in tiles (<= 0:
 * the default, 2^28); returns the previous value.  For tests: tiles give
 * bit for bit the result of one call.
 */
extern long ct_nac_set_chunk_macs(long macs);
/* Multiply-adds of the products computed through ct_nac_sgemm (training's, the MLP's) in this process so far. */
extern double ct_nac_sgemm_macs(void);

/*
 * Trains a NAC from scratch on n cells with accuracies acc.  The rows are
 * sorted first (cell order, then accuracy), so their order does not matter;
 * the same rows, options and seed give bit-identical weights on one build
 * and CPU.  Needs two distinct accuracies.
 */
extern bool ct_nac_train(const ct_arch *cells, const double *acc, size_t n,
						 const ct_nac_options *opt, ct_nac *out, ct_nac_stats *stats,
						 ct_interrupt_fn interrupt, void *arg, ct_error *err);

/* Called after each epoch of ct_nac_train_progress with what training has done so far. */
typedef void (*ct_nac_epoch_fn) (void *arg, const ct_nac_stats *so_far, int epochs);

/* ct_nac_train, telling on_epoch (if not NULL) after every epoch: for progress reports. */
extern bool ct_nac_train_progress(const ct_arch *cells, const double *acc, size_t n,
								  const ct_nac_options *opt, ct_nac *out, ct_nac_stats *stats,
								  ct_interrupt_fn interrupt, ct_nac_epoch_fn on_epoch, void *arg, ct_error *err);

/*
 * The same, a step at a time, for the search's alternate training: each
 * epoch may add labelled pairs from a pool (CTNAS's pseudo-labelled pairs):
 * every batch gets as many of them, drawn uniformly without replacement, as
 * it has labelled cells.  Without a pool, the epochs are exactly
 * ct_nac_train's.
 */
typedef struct ct_nac_trainer ct_nac_trainer;

typedef struct ct_nac_labelled_pair
{
	ct_arch		a;
	ct_arch		b;
	float		label;			/* P(a is better than b) to learn: 0 or 1 */
} ct_nac_labelled_pair;

/*
 * Bytes a trainer allocates for n rows (ct_nac_train: pool_pairs 0), at
 * most: the checks of ctnas.max_training_memory call it before training.
 * With a pool of up to pool_pairs pairs, a batch holds up to three times
 * the cells.
 */
extern size_t ct_nac_trainer_memory(size_t n, const ct_nac_options *opt, const ct_space *space, size_t pool_pairs);
/* The shape the options ask for, for cells of space (NULL: NAS-Bench-101). */
extern ct_nac_shape ct_nac_options_shape(const ct_nac_options *opt, const ct_space *space);

extern ct_nac_trainer *ct_nac_trainer_create(const ct_arch *cells, const double *acc, size_t n,
											 const ct_nac_options *opt, ct_error *err);
/* Makes room now for batches with pool pairs from a pool of up to pool_pairs (so the batch never grows later). */
extern void ct_nac_trainer_reserve_pool(ct_nac_trainer *t, size_t pool_pairs);
extern void ct_nac_trainer_epoch(ct_nac_trainer *t, const ct_nac_labelled_pair *pool, int npool,
								 ct_interrupt_fn interrupt, void *arg);
extern const ct_nac *ct_nac_trainer_model(const ct_nac_trainer *t);
/* What the trainer has done so far: epochs, steps, the last epoch's mean loss. */
extern ct_nac_stats ct_nac_trainer_stats(const ct_nac_trainer *t);
/*
 * Hands the model (with option "average", the mean of the averaged epochs'
 * weights) and statistics over and frees the rest; false, with nothing
 * handed over, if a weight of that model is out of bounds ("diverged").
 */
extern bool ct_nac_trainer_finish(ct_nac_trainer *t, ct_nac *out, ct_nac_stats *stats, ct_error *err);
extern void ct_nac_trainer_destroy(ct_nac_trainer *t);
/* Starts from given weights (a warm start) instead of the seeded initialisation; same shape. */
extern bool ct_nac_trainer_set_weights(ct_nac_trainer *t, const ct_nac *init, ct_error *err);
/*
 * Checkpoints: everything that moves (weights, Adam, data-order stream,
 * statistics).  Restore into a trainer created with the same rows and
 * options; it then continues exactly as the saved one would have.
 */
extern void ct_nac_trainer_save(const ct_nac_trainer *t, ct_wbuf *w);
extern bool ct_nac_trainer_restore(ct_nac_trainer *t, ct_rbuf *r);
/*
 * The largest weight magnitude a model may have, in training and in a stored
 * model.  Real training stays far below it: weights start at most about 5
 * (the embedding is N(0, 1)), Adam moves a weight by about lr per step and
 * weight decay pulls it back, so the recipes' training (lr 2e-4, a few
 * thousand steps) moves a weight by about 1 at most.  And it keeps the forward pass of the recipes'
 * network (4 layers of width 128, at most 10 nodes) finite whatever the
 * weights: each layer grows activations at most (10 * 128 + 1) * 1000 + 1
 * fold, so the worst case after 4 layers and the head (2 x 256 features
 * for DARTS) stays below 2e33, well inside float's 3.4e38.  The MLP (ct_nac_is_mlp) on OFA's
 * one-hot (at most 40 inputs are 1, the rest 0): layer 1's outputs are at
 * most 40 * 1000 + 1000 = 4.1e4 in magnitude, and each further layer of
 * width w grows them at most w * 1000 + 1 fold, so the recipes' 3 layers of
 * 512 stay below 1.1e16 and the logit (1024 features) below 1.1e22; any
 * width up to 1024 is finite up to 5 layers (below 1e35 with the head).
 * (Deeper or wider networks have no such guarantee: nac_score and
 * nac_compare refuse a result that is not finite.)
 */
#define CT_NAC_MAX_WEIGHT 1000.0f
/*
 * An error ("NAC training diverged") when a weight is not finite or exceeds
 * CT_NAC_MAX_WEIGHT in magnitude.
 */
extern bool ct_nac_check_finite(const ct_nac *m, ct_error *err);
/* Whether a weight is finite and within CT_NAC_MAX_WEIGHT. */
static inline bool
ct_nac_weight_ok(float w)
{
	return w >= -CT_NAC_MAX_WEIGHT && w <= CT_NAC_MAX_WEIGHT;	/* false for NaN */
}

/* ---- stored form (see README, "Model format") ---------------------------- */

#define CT_NAC_FORMAT_VERSION 1

extern size_t ct_nac_blob_size(const ct_nac *m);
extern void ct_nac_blob_write(const ct_nac *m, const ct_nac_options *opt,
							  const ct_nac_stats *stats, uint8_t *buf);
/* Validates everything (magic, version, sizes, checksum, shape, finite weights). */
extern bool ct_nac_blob_read(const uint8_t *buf, size_t len, ct_nac *out, ct_nac_options *opt,
							 ct_nac_stats *stats, ct_error *err);

extern uint32_t ct_crc32(const uint8_t *buf, size_t len);

#endif
