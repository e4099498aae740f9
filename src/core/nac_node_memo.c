/*
 * nac_node_memo.c
 *	  Node states of a frozen GCN shared by every cell it embeds.
 *
 * A node's state after layer l depends only on its class: its own class and
 * the multiset of its in-neighbours' classes after layer l - 1 (the
 * Weisfeiler-Lehman refinement the batch already uses inside one batch).
 * Across all 423,624 NAS-Bench-101 cells there are only 233, 23,973 and
 * 219,141 classes after layers 1, 2 and 3, against 2.9 million nodes, so a
 * model that scores one cell per call (nac_score over a table) can keep the
 * states of classes it has seen and compute only new ones: a full scan
 * computes 579,000 product rows instead of 8.6 million (test/tools/memo_bench;
 * the class counts: test/bench/wl_classes.py).
 *
 * What is kept per class of layer l is Q = H W[l] + H and P = H W[l], all a
 * class of layer l + 1 needs: ReLU(Q[self] + b[l] + sum of P[in-neighbours]).
 * Layers 1 .. L-2 are interned (few classes, each reused by many); layer L-1,
 * by far the largest, is a direct-mapped cache; layer L is computed per cell
 * (almost every final class is new) and averaged into the readout.  Half the
 * budget is the interned layers' (when the next cell could take them over
 * it, they are dropped and refilled), half layer L-1's entries: what is
 * allocated stays within the budget, beyond it only one cell's minimal
 * tables when the budget is smaller than those.
 *
 * A cell's embedding is a function of the model and the cell alone, never of
 * what was embedded before: each product row is computed as if alone
 * (products: every element summed in one order, no fused multiply-add), and
 * in-neighbours are summed in the order of a structural signature of their
 * classes, not of their ids (which depend on arrival order).  Scores are
 * thus the same in every backend, plan and order of rows, with any budget.
 */
#include "nac_internal.h"

#include <string.h>

#include "ctnas_alloc.h"

#define MAX_SLOTS CT_DAG_MAX_NODES

/* A class's key: its own class and its in-neighbours' classes one layer down, in signature order. */
typedef struct memo_key
{
	uint64_t	sig;			/* structural signature */
	int32_t		id;				/* interned: class + 1 (0: empty slot); layer L-1: unused */
	int32_t		self;
	int32_t		npred;
	int32_t		pred[MAX_SLOTS];
} memo_key;

/*
 * Interned classes of one layer (1 .. L-2): an open-addressing table of
 * keys (one cache miss per lookup) and the kept rows by class, in chunks
 * that never move (growing adds a chunk: no copy of the rows, so memory is
 * never held twice).
 */
#define CHUNK_CLASSES 64

typedef struct memo_layer
{
	int			n;
	int			cap;			/* keys the table has room for: half its slots */
	memo_key   *table;			/* [2 cap] */
	int			nchunks;
	int			chunks_cap;
	float	  **chunk;			/* [nchunks] of CHUNK_CLASSES x 2 width: Q then P */
} memo_layer;

/* One entry of the direct-mapped layer L-1, its rows right after it; valid while gen is the memo's. */
typedef struct memo_entry
{
	memo_key	key;
	uint64_t	gen;
} memo_entry;

#define ENTRY_HEAD 128			/* sizeof(memo_entry) rounded to whole cache lines */

struct ct_nac_memo
{
	int			w;
	int			layers;
	int			slots;
	int			vocab;
	float	   *qp0;			/* [vocab x 2 width] of the op embeddings */
	uint64_t   *sig0;			/* [vocab] */
	memo_layer	layer[CT_NAC_MAX_LAYERS];	/* [1 .. layers - 2] */
	size_t		interned_budget;
	int			dm_size;		/* entries of layer L-1 (layers >= 2): grows to dm_max */
	int			dm_max;
	int			dm_fills;		/* entries written since dm_size was set */
	size_t		dm_stride;		/* ENTRY_HEAD + the rows */
	char	   *dm;
	uint64_t	gen;			/* starts at 1: a zeroed entry is invalid */
	float	   *scratch;		/* [slots x 2 width]: rows of L-1 a cell could not keep in dm */
	float	   *h;				/* [slots x width]: states of a cell's new classes of one layer */
	ct_nac_memo_stats stats;
};

_Static_assert(sizeof(memo_entry) <= ENTRY_HEAD, "an entry's head fits before its rows");

/*
 * The products: P = H W (W is w x w, row-major [in][out]) for up to a
 * cell's slots of new classes at once.  Every element is summed over j in
 * order, a product then an add (the build has no fused multiply-add), so a
 * row gets the same bits whichever rows it is computed with and on any
 * x86-64; blocks of up to 4 rows share each load of W.  Machines with AVX2
 * or AVX-512 get copies of their own (CT_SIMD_CLONES: the same arithmetic, wider).
 */
typedef float v8f __attribute__((vector_size(32), aligned(4), may_alias));


#define BLOCK_ROWS 4

/* Columns [kb, kb + 8 nv) of R rows: R and nv are constants where this is inlined. */
static inline __attribute__((always_inline)) void
product_block(const float *restrict H, int w, const float *restrict W, int kb, float *const *dst,
			  const int R, const int nv)
{
	v8f			acc[BLOCK_ROWS][8];
	const float *r = W + kb;

	for (int i = 0; i < R; i++)
		for (int k = 0; k < nv; k++)
			acc[i][k] = (v8f) {0};
	for (int j = 0; j < w; j++, r += w)
	{
		v8f			x[8];

		for (int k = 0; k < nv; k++)
			x[k] = *(const v8f *) (r + 8 * k);
		for (int i = 0; i < R; i++)
		{
			float		s = H[(size_t) i * w + j];
			v8f			hj = {s, s, s, s, s, s, s, s};

			for (int k = 0; k < nv; k++)
				acc[i][k] += hj * x[k];
		}
	}
	for (int i = 0; i < R; i++)
		for (int k = 0; k < nv; k++)
			*(v8f *) (dst[i] + kb + 8 * k) = acc[i][k];
}

/* All columns of R rows (R a constant where inlined). */
static inline __attribute__((always_inline)) void
product_rows(const float *restrict H, int w, const float *restrict W, float *const *dst, const int R)
{
	int			kb = 0;

	/* one row alone needs more independent sums to keep up with the loads */
	if (R == 1)
		for (; kb + 64 <= w; kb += 64)
			product_block(H, w, W, kb, dst, 1, 8);
	for (; kb + 32 <= w; kb += 32)
		product_block(H, w, W, kb, dst, R, 4);
	for (; kb + 8 <= w; kb += 8)
		product_block(H, w, W, kb, dst, R, 1);
	for (; kb < w; kb++)
		for (int i = 0; i < R; i++)
		{
			float		a = 0.0f;

			for (int j = 0; j < w; j++)
				a += H[(size_t) i * w + j] * W[(size_t) j * w + kb];
			dst[i][kb] = a;
		}
}

/* dst[i][0 .. w) = row i of H (n x w) times W. */
CT_SIMD_CLONES static void
products(const float *H, int n, const float *W, int w, float *const *dst)
{
	int			i = 0;

	for (; i + BLOCK_ROWS <= n; i += BLOCK_ROWS)
		product_rows(H + (size_t) i * w, w, W, dst + i, BLOCK_ROWS);
	switch (n - i)
	{
		case 3:
			product_rows(H + (size_t) i * w, w, W, dst + i, 3);
			break;
		case 2:
			product_rows(H + (size_t) i * w, w, W, dst + i, 2);
			break;
		case 1:
			product_rows(H + (size_t) i * w, w, W, dst + i, 1);
			break;
	}
}

/*
 * The kept rows of n new classes whose states after their layer are the
 * rows of H: P = H W into qp[i] + w, then Q = P + H into qp[i].
 */
static inline __attribute__((always_inline)) void
class_rows(ct_nac_memo *mm, const float *H, int n, const float *W, float *const *qp)
{
	int			w = mm->w;
	float	   *p[CT_DAG_MAX_NODES] = {0};

	for (int i = 0; i < n; i++)
		p[i] = qp[i] + w;
	products(H, n, W, w, p);
	for (int i = 0; i < n; i++)
	{
		const float *restrict h = H + (size_t) i * w;
		float	   *restrict q = qp[i];

		for (int k = 0; k < w; k++)
			q[k] = p[i][k] + h[k];
	}
	mm->stats.rows += n;
}

/* h = ReLU(Q[self] + b + P[preds] in order): a class's state after the next layer. */
static inline __attribute__((always_inline)) void
class_state(int w, const float *restrict self_qp, const float *const *pred_qp, int npred,
			const float *restrict b, float *restrict h)
{
	for (int k = 0; k < w; k++)
		h[k] = self_qp[k] + b[k];
	for (int e = 0; e < npred; e++)
	{
		const float *restrict p = pred_qp[e] + w;

		for (int k = 0; k < w; k++)
			h[k] += p[k];
	}
	for (int k = 0; k < w; k++)
		h[k] = h[k] > 0.0f ? h[k] : 0.0f;
}

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t
class_sig(int layer, uint64_t self_sig, const uint64_t *pred_sig, int npred)
{
	uint64_t	h = mix64(((uint64_t) layer << 56) ^ self_sig ^ 0x9E3779B97F4A7C15ULL);

	for (int e = 0; e < npred; e++)
		h = mix64(h ^ pred_sig[e]);
	return mix64(h ^ (uint64_t) npred);
}

static inline bool
key_equal(const memo_key *k, int self, const int *pred, int np, uint64_t sig)
{
	return k->sig == sig && k->self == self && k->npred == np && memcmp(k->pred, pred, sizeof(int) * np) == 0;
}

static size_t
table_bytes(int cap)
{
	return 2 * (size_t) cap * sizeof(memo_key);
}

static size_t
chunk_bytes(int w)
{
	return (size_t) CHUNK_CLASSES * 2 * (size_t) w * sizeof(float);
}

/* What a layer holds. */
static size_t
layer_bytes(const memo_layer *ly, int w)
{
	return table_bytes(ly->cap) + (size_t) ly->nchunks * chunk_bytes(w) + (size_t) ly->chunks_cap * sizeof(float *);
}

static void
layer_free(memo_layer *ly)
{
	for (int c = 0; c < ly->nchunks; c++)
		ct_free(ly->chunk[c]);
	ct_free(ly->chunk);
	ct_free(ly->table);
	memset(ly, 0, sizeof(*ly));
}

/* The table slot of sig: its class, or the empty slot where it goes. */
static inline memo_key *
table_slot(const memo_layer *ly, int self, const int *pred, int np, uint64_t sig)
{
	size_t		size = 2 * (size_t) ly->cap;
	size_t		i = mix64(sig) % size;

	while (ly->table[i].id != 0 && !key_equal(&ly->table[i], self, pred, np, sig))
		i = (i + 1) % size;
	return &ly->table[i];
}

static int
grown_cap(int cap, int need)
{
	int			c = cap ? 2 * cap : 64;

	while (c < need)
		c *= 2;
	return c;
}

/*
 * Room for `more` classes.  Each allocation is complete before anything
 * changes (an allocation may raise an ERROR): a bigger table replaces the
 * old one only once filled, a new chunk is linked only once allocated.
 */
static void
layer_room(ct_nac_memo *mm, memo_layer *ly, int more)
{
	int			need = ly->n + more;

	if (need > ly->cap)
	{
		memo_layer	g = *ly;

		g.cap = grown_cap(ly->cap, need);
		g.table = ct_calloc(2 * (size_t) g.cap, sizeof(memo_key));
		for (size_t i = 0; i < 2 * (size_t) ly->cap; i++)
			if (ly->table[i].id != 0)
			{
				const memo_key *k = &ly->table[i];

				*table_slot(&g, k->self, k->pred, k->npred, k->sig) = *k;
			}
		ct_free(ly->table);
		ly->table = g.table;
		ly->cap = g.cap;
	}
	while (need > ly->nchunks * CHUNK_CLASSES)
	{
		if (ly->nchunks == ly->chunks_cap)
		{
			int			ncap = ly->chunks_cap ? 2 * ly->chunks_cap : 16;
			float	  **list = ct_malloc(sizeof(float *) * ncap);

			if (ly->nchunks > 0)
				memcpy(list, ly->chunk, sizeof(float *) * ly->nchunks);
			ct_free(ly->chunk);
			ly->chunk = list;
			ly->chunks_cap = ncap;
		}
		ly->chunk[ly->nchunks] = ct_malloc(chunk_bytes(mm->w));
		ly->nchunks++;
	}
}

/*
 * What the interned layers would hold at most while a cell adds up to
 * `slots` classes to each: what they hold, a new table beside the old one
 * where it would grow, new chunks.
 */
static size_t
interned_peak(const ct_nac_memo *mm)
{
	size_t		bytes = 0;

	for (int l = 1; l <= mm->layers - 2; l++)
	{
		const memo_layer *ly = &mm->layer[l];
		int			need = ly->n + mm->slots;

		bytes += layer_bytes(ly, mm->w);
		if (need > ly->cap)
			bytes += table_bytes(grown_cap(ly->cap, need)) + 2 * sizeof(float *) * (size_t) (ly->chunks_cap + 16);
		if (need > ly->nchunks * CHUNK_CLASSES)
			bytes += (size_t) ((need - ly->nchunks * CHUNK_CLASSES + CHUNK_CLASSES - 1) / CHUNK_CLASSES) * chunk_bytes(mm->w);
	}
	return bytes;
}

ct_nac_memo *
ct_nac_memo_create(const ct_nac *m, size_t bytes)
{
	ct_nac_memo *mm = ct_calloc(1, sizeof(ct_nac_memo));
	int			w = m->shape.width;
	size_t		w2 = 2 * (size_t) w;

	mm->w = w;
	mm->layers = m->shape.layers;
	mm->slots = m->shape.slots;
	mm->vocab = m->shape.vocab_size;
	mm->gen = 1;
	mm->qp0 = ct_malloc(sizeof(float) * (size_t) mm->vocab * w2);
	mm->sig0 = ct_malloc(sizeof(uint64_t) * mm->vocab);
	mm->scratch = ct_malloc(sizeof(float) * (size_t) mm->slots * w2);
	mm->h = ct_malloc(sizeof(float) * (size_t) mm->slots * w);
	for (int op = 0; op < mm->vocab; op++)
	{
		float	   *qp = mm->qp0 + (size_t) op * w2;

		class_rows(mm, m->emb + (size_t) op * w, 1, m->W[0], &qp);
		mm->sig0[op] = mix64((uint64_t) op + 1);
	}
	mm->stats.rows = 0;
	/* half the budget for the interned layers, half for layer L-1's entries */
	mm->interned_budget = bytes / 2;
	mm->dm_stride = ENTRY_HEAD + sizeof(float) * w2;
	if (mm->layers >= 2)
	{
		size_t		n = (bytes / 2) / mm->dm_stride;

		mm->dm_max = n < 1 ? 1 : n > (size_t) (1 << 30) ? (1 << 30) : (int) n;
		mm->dm_size = mm->dm_max < 256 ? mm->dm_max : 256;
		mm->dm = ct_calloc(mm->dm_size, mm->dm_stride);
	}
	return mm;
}

void
ct_nac_memo_destroy(ct_nac_memo *mm)
{
	if (mm == NULL)
		return;
	for (int l = 0; l < CT_NAC_MAX_LAYERS; l++)
		layer_free(&mm->layer[l]);
	ct_free(mm->qp0);
	ct_free(mm->sig0);
	ct_free(mm->dm);
	ct_free(mm->scratch);
	ct_free(mm->h);
	ct_free(mm);
}

ct_nac_memo_stats
ct_nac_memo_get_stats(const ct_nac_memo *mm)
{
	ct_nac_memo_stats s = mm->stats;

	s.bytes = (size_t) mm->dm_size * mm->dm_stride;	/* what is allocated */
	for (int l = 1; l <= mm->layers - 2; l++)
		s.bytes += layer_bytes(&mm->layer[l], mm->w);
	return s;
}

/* Drops every kept class (ids change, so layer L-1's entries go too) and frees the interned layers. */
static void
flush(ct_nac_memo *mm)
{
	for (int l = 1; l <= mm->layers - 2; l++)
		layer_free(&mm->layer[l]);
	mm->gen++;
	mm->stats.flushes++;
}

/* The kept rows (Q then P) of class c of layer l (0 .. L-2). */
static inline const float *
rows_of(const ct_nac_memo *mm, int l, int c)
{
	size_t		w2 = 2 * (size_t) mm->w;

	return l == 0 ? mm->qp0 + (size_t) c * w2 :
		mm->layer[l].chunk[c / CHUNK_CLASSES] + (size_t) (c % CHUNK_CLASSES) * w2;
}

static inline memo_entry *
dm_entry(const ct_nac_memo *mm, uint64_t sig)
{
	return (memo_entry *) (mm->dm + (size_t) (mix64(sig) % (uint64_t) mm->dm_size) * mm->dm_stride);
}

/*
 * The in-neighbours of slot v as classes of the layer below (cls), sorted by
 * (signature, class): the order their P rows are summed in.  With slot_index
 * for cls: the in-neighbours' slots, in the same order.
 */
static const int slot_index[MAX_SLOTS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
_Static_assert(MAX_SLOTS == 16, "slot_index lists every slot");

static int
slot_preds(const ct_dag *d, int v, const int *cls, const uint64_t *sg, int *pred, uint64_t *psig)
{
	int			np = 0;

	if (v >= d->n)
		return 0;				/* padding: no edges */
	for (int u = 0; u < v; u++)
		if (d->pred[v] >> u & 1u)
		{
			int			k = np++;

			while (k > 0 && (psig[k - 1] > sg[u] || (psig[k - 1] == sg[u] && pred[k - 1] > cls[u])))
			{
				pred[k] = pred[k - 1];
				psig[k] = psig[k - 1];
				k--;
			}
			pred[k] = cls[u];
			psig[k] = sg[u];
		}
	return np;
}

/* A class of one layer that a cell needs and the memo does not have yet. */
typedef struct pending
{
	memo_key	key;
	float	   *rows;			/* where its Q and P go */
	memo_entry *entry;			/* layer L-1: the entry it fills, or NULL (scratch) */
} pending;

/* The new classes' states (from the layer below), then their rows. */
static inline __attribute__((always_inline)) void
compute_pending(ct_nac_memo *mm, const ct_nac *m, int l, const pending *pd, int n)
{
	int			w = mm->w;
	float	   *dst[CT_DAG_MAX_NODES];

	for (int i = 0; i < n; i++)
	{
		const float *pq[MAX_SLOTS];

		for (int e = 0; e < pd[i].key.npred; e++)
			pq[e] = rows_of(mm, l - 1, pd[i].key.pred[e]);
		class_state(w, rows_of(mm, l - 1, pd[i].key.self), pq, pd[i].key.npred, m->b[l - 1],
					mm->h + (size_t) i * w);
		dst[i] = pd[i].rows;
	}
	class_rows(mm, mm->h, n, m->W[l], dst);
}

/* Index in pd of the class (self, preds), or -1. */
static int
find_pending(const pending *pd, int n, int self, const int *pred, int np, uint64_t sig)
{
	for (int i = 0; i < n; i++)
		if (key_equal(&pd[i].key, self, pred, np, sig))
			return i;
	return -1;
}

static void
set_key(memo_key *k, int self, const int *pred, int np, uint64_t sig)
{
	k->sig = sig;
	k->self = self;
	k->npred = np;
	memset(k->pred, 0, sizeof(k->pred));
	memcpy(k->pred, pred, sizeof(int) * np);
}

/* Interned layer l: each slot's class, the new ones computed together and added. */
static inline __attribute__((always_inline)) void
intern_layer(ct_nac_memo *mm, const ct_nac *m, int l, int (*pred)[MAX_SLOTS], const int *np,
			 const uint64_t *sig, int *cls)
{
	memo_layer *ly = &mm->layer[l];
	pending		pd[MAX_SLOTS];
	int			npd = 0;

	layer_room(mm, ly, mm->slots);
	for (int v = 0; v < mm->slots; v++)
	{
		memo_key   *k = table_slot(ly, cls[v], pred[v], np[v], sig[v]);
		int			i;

		if (k->id != 0)
		{
			cls[v] = k->id - 1;
			continue;
		}
		i = find_pending(pd, npd, cls[v], pred[v], np[v], sig[v]);
		if (i < 0)
		{
			i = npd++;
			set_key(&pd[i].key, cls[v], pred[v], np[v], sig[v]);
			pd[i].key.id = ly->n + i + 1;
			pd[i].rows = (float *) rows_of(mm, l, ly->n + i);
		}
		cls[v] = pd[i].key.id - 1;
	}
	if (npd == 0)
		return;
	compute_pending(mm, m, l, pd, npd);
	/* added once complete */
	for (int i = 0; i < npd; i++)
		*table_slot(ly, pd[i].key.self, pd[i].key.pred, pd[i].key.npred, pd[i].key.sig) = pd[i].key;
	ly->n += npd;
}

/*
 * Layer L-1 through the direct-mapped entries: top[v] = the rows of each
 * slot's class.  An entry another slot of this cell reads is not replaced
 * (its new class goes to scratch).
 */
static inline __attribute__((always_inline)) void
cached_layer(ct_nac_memo *mm, const ct_nac *m, int l, int (*pred)[MAX_SLOTS], const int *np,
			 const uint64_t *sig, const int *cls, const float **top)
{
	size_t		w2 = 2 * (size_t) mm->w;
	memo_entry *used[MAX_SLOTS];
	int			nused = 0;
	pending		pd[MAX_SLOTS];
	int			npd = 0;

	for (int v = 0; v < mm->slots; v++)
	{
		memo_entry *e = dm_entry(mm, sig[v]);
		bool		in_use = false;
		int			i;

		mm->stats.lookups++;
		i = find_pending(pd, npd, cls[v], pred[v], np[v], sig[v]);
		if (i >= 0)
		{
			top[v] = pd[i].rows;
			mm->stats.hits++;
			continue;
		}
		for (int k = 0; k < nused; k++)
			in_use |= used[k] == e;
		if (e->gen == mm->gen && key_equal(&e->key, cls[v], pred[v], np[v], sig[v]))
		{
			top[v] = (const float *) ((const char *) e + ENTRY_HEAD);
			mm->stats.hits++;
		}
		else
		{
			i = npd++;
			set_key(&pd[i].key, cls[v], pred[v], np[v], sig[v]);
			pd[i].entry = in_use ? NULL : e;
			pd[i].rows = in_use ? mm->scratch + (size_t) v * w2 : (float *) ((char *) e + ENTRY_HEAD);
			if (!in_use)
				e->gen = 0;		/* invalid until its rows are complete */
			top[v] = pd[i].rows;
		}
		if (!in_use)
			used[nused++] = e;
	}
	if (npd == 0)
		return;
	compute_pending(mm, m, l, pd, npd);
	for (int i = 0; i < npd; i++)
		if (pd[i].entry)
		{
			pd[i].entry->key = pd[i].key;
			pd[i].entry->gen = mm->gen;
			mm->dm_fills++;
		}
}

CT_SIMD_CLONES void
ct_nac_memo_embed(ct_nac_memo *mm, const ct_nac *m, const ct_dag *d, float *feat)
{
	int			w = mm->w;
	int			L = mm->layers;
	int			slots = mm->slots;
	size_t		w2 = 2 * (size_t) w;
	int			cls[MAX_SLOTS];
	uint64_t	sg[MAX_SLOTS];
	const float *top[MAX_SLOTS];	/* rows (Q, P) of each slot's class after layer L-1 */
	float		inv_slots = 1.0f / (float) slots;
	float	   *restrict f = feat;
	const float *restrict h = mm->h;
	bool		sink = ct_nac_readout_sink(m->shape.readout);

	/* the interned layers stay within their budget even while this cell adds to them */
	if (interned_peak(mm) > mm->interned_budget)
		flush(mm);
	/* a growth of layer L-1's entries that failed (an ERROR) left none: as many as before */
	if (mm->dm == NULL && mm->layers >= 2)
		mm->dm = ct_calloc(mm->dm_size, mm->dm_stride);
	/*
	 * Layer L-1's entries start few and double while they keep filling.  A
	 * cache: the old entries are dropped before the new ones are allocated,
	 * so they are never held twice; if that fails, the size stays (dm_max).
	 */
	if (mm->dm_fills > mm->dm_size && mm->dm_size < mm->dm_max)
	{
		int			n = mm->dm_size > mm->dm_max / 2 ? mm->dm_max : 2 * mm->dm_size;
		int			max = mm->dm_max;
		char	   *old = mm->dm;

		mm->dm_max = mm->dm_size;
		mm->dm = NULL;
		ct_free(old);
		mm->dm = ct_calloc(n, mm->dm_stride);
		mm->dm_size = n;
		mm->dm_max = max;
		mm->dm_fills = 0;
	}
	mm->stats.cells++;

	/* layer 0: the op of each slot, padding slots the dummy op */
	for (int v = 0; v < slots; v++)
	{
		cls[v] = v < d->n ? d->op[v] : CT_NAC_OP_DUMMY;
		sg[v] = mm->sig0[cls[v]];
		top[v] = mm->qp0 + (size_t) cls[v] * w2;
	}

	for (int l = 1; l <= L - 1; l++)
	{
		int			pred[MAX_SLOTS][MAX_SLOTS];
		int			np[MAX_SLOTS];
		uint64_t	nsg[MAX_SLOTS];

		/* every slot's key first, and its table slot or entry on its way to the cache */
		for (int v = 0; v < slots; v++)
		{
			uint64_t	psig[MAX_SLOTS];

			np[v] = slot_preds(d, v, cls, sg, pred[v], psig);
			nsg[v] = class_sig(l, sg[v], psig, np[v]);
			if (l <= L - 2)
			{
				if (mm->layer[l].cap > 0)
					__builtin_prefetch(&mm->layer[l].table[mix64(nsg[v]) % (2 * (uint64_t) mm->layer[l].cap)]);
			}
			else
			{
				const char *e = (const char *) dm_entry(mm, nsg[v]);

				/* the whole entry: on a hit its rows are read by the last layer */
				for (size_t off = 0; off < mm->dm_stride; off += 64)
					__builtin_prefetch(e + off);
			}
		}
		if (l <= L - 2)
			intern_layer(mm, m, l, pred, np, nsg, cls);
		else
			cached_layer(mm, m, l, pred, np, nsg, cls, top);
		memcpy(sg, nsg, sizeof(sg));
	}

	/*
	 * Layer L of each slot, read out as the batch does: averaged over all
	 * slots (padding included), or [mean over the nodes; the last node] (no
	 * padding slot is read then).
	 */
	memset(f, 0, sizeof(float) * w);
	for (int v = 0; v < (sink ? d->n : slots); v++)
	{
		const float *pq[MAX_SLOTS];
		int			order[MAX_SLOTS];
		uint64_t	psig[MAX_SLOTS];
		/* in signature order, as the classes below were summed */
		int			np = slot_preds(d, v, slot_index, sg, order, psig);

		for (int e = 0; e < np; e++)
			pq[e] = top[order[e]];
		class_state(w, top[v], pq, np, m->b[L - 1], mm->h);
		for (int k = 0; k < w; k++)
			f[k] += h[k];
	}
	if (sink)
	{
		/* mm->h holds the last node's state */
		for (int k = 0; k < w; k++)
			f[k] /= (float) d->n;
		memcpy(f + w, h, sizeof(float) * w);
		return;
	}
	for (int k = 0; k < w; k++)
		f[k] *= inv_slots;
}
