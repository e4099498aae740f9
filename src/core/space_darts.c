/*
 * space_darts.c
 *	  The DARTS cell space (the space of NAS-Bench-301 and of the CTNAS
 *	  reference's --space darts) behind the generic interface
 *	  (ctnas_space.h); the genotypes themselves are in darts_genotype.c.
 *
 * Identity is the genotype with each node's two edges unordered
 * (ctnas_darts.h); the encoding is the canonical genotype's 12 packed bytes
 * (ct_darts_encode), so the type's order is the canonical genotype's edges
 * in order, normal cell first, each edge by (input, op code).
 *
 * The space cannot be enumerated (9.1e18 genotypes): nth is NULL, and
 * there is no benchmark index or key (index and key_text NULL): NAS-Bench-301
 * is a surrogate model, not a table, and NASLib keys its data by the
 * compact tuple, which archgraph's text already is (ct_darts_to_compact).
 */
#include "ctnas_space.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

#include "ctnas_controller.h"
#include "ctnas_darts.h"
#include "ctnas_nac.h"

/* The stored and wire forms' version of this space's layout (after archgraph's own version and space bytes). */
#define DARTS_LAYOUT 1

static void
darts_arch(const ct_darts_genotype *g, ct_arch *out)
{
	ct_darts_genotype c;

	ct_darts_canonical(g, &c);
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_DARTS;
	out->len = CT_DARTS_BYTES;
	ct_darts_encode(&c, out->bytes);
}

/* a is a DARTS architecture (made by this module, or checked by darts_valid) */
static void
darts_genotype(const ct_arch *a, ct_darts_genotype *out)
{
	if (!ct_darts_decode(a->bytes, a->len, out, NULL))
		memset(out, 0, sizeof(*out));
}

static bool
darts_from_json(const cJSON *root, ct_arch *out, ct_error *err)
{
	ct_darts_genotype g;

	if (!ct_darts_from_cjson(root, &g, err))
		return false;
	darts_arch(&g, out);
	return true;
}

/* An object with "normal" and "reduce" (DARTS' own field names) and no NAS-Bench-101 key is a genotype. */
static bool
darts_claims_json(const cJSON *root)
{
	return cJSON_GetObjectItemCaseSensitive(root, "normal") != NULL &&
		cJSON_GetObjectItemCaseSensitive(root, "reduce") != NULL &&
		cJSON_GetObjectItemCaseSensitive(root, "matrix") == NULL;
}

static bool
darts_from_native(const char *text, ct_arch *out, ct_error *err)
{
	ct_darts_genotype g;

	if (!ct_darts_parse(text, strlen(text), &g, err))
		return false;
	darts_arch(&g, out);
	return true;
}

/* "Genotype(...)" or NASLib's compact tuple "((...), (...))" */
static bool
darts_claims_native(const char *text)
{
	return strncmp(text, "Genotype", 8) == 0 || text[0] == '(';
}

static size_t
darts_to_text(const ct_arch *a, char *buf, size_t size)
{
	ct_darts_genotype g;

	darts_genotype(a, &g);
	return ct_darts_to_str(&g, buf, size);
}

static size_t
darts_to_dot(const ct_arch *a, char *buf, size_t size)
{
	ct_darts_genotype g;

	darts_genotype(a, &g);
	return ct_darts_to_dot(&g, buf, size);
}

static bool
darts_valid(const ct_arch *a)
{
	ct_darts_genotype g;

	if (a->space != CT_SPACE_DARTS || a->len != CT_DARTS_BYTES)
		return false;
	for (int i = a->len; i < CT_ARCH_MAX; i++)
		if (a->bytes[i] != 0)
			return false;
	return ct_darts_decode(a->bytes, a->len, &g, NULL);
}

/* The checkpoint form: the 12 bytes of the encoding. */
static void
darts_save(const ct_arch *a, ct_wbuf *w)
{
	ct_wbuf_bytes(w, a->bytes, CT_DARTS_BYTES);
}

static bool
darts_load(ct_rbuf *r, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_DARTS;
	out->len = CT_DARTS_BYTES;
	return ct_rbuf_bytes(r, out->bytes, CT_DARTS_BYTES) && darts_valid(out);
}

/* The stored form: the encoding's length, the layout version, the 12 bytes. */
static size_t
darts_store(const ct_arch *a, uint8_t *out)
{
	out[0] = CT_DARTS_BYTES;
	out[1] = DARTS_LAYOUT;
	memcpy(out + 2, a->bytes, CT_DARTS_BYTES);
	return 2 + CT_DARTS_BYTES;
}

static bool
darts_unstore(const uint8_t *in, size_t len, ct_arch *out)
{
	if (len != 2 + CT_DARTS_BYTES || in[0] != CT_DARTS_BYTES || in[1] != DARTS_LAYOUT)
		return false;
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_DARTS;
	out->len = CT_DARTS_BYTES;
	memcpy(out->bytes, in + 2, CT_DARTS_BYTES);
	return darts_valid(out);
}

/*
 * The wire form: the layout version, then the 16 edges (normal then reduce,
 * in edge order) as two bytes each, the DARTS op code (PRIMITIVES order:
 * none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3,
 * sep_conv_5x5, dil_conv_3x3, dil_conv_5x5) and the input node: readable
 * without this code, and received with the validation of text input (a
 * node's two edges in either order).
 */
#define WIRE_BYTES (1 + 2 * CT_DARTS_CELLS * CT_DARTS_EDGES)

static size_t
darts_send(const ct_arch *a, uint8_t *out)
{
	ct_darts_genotype g;
	size_t		n = 0;

	darts_genotype(a, &g);
	out[n++] = DARTS_LAYOUT;
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			out[n++] = g.cell[c][e].op;
			out[n++] = g.cell[c][e].input;
		}
	return n;
}

static long
darts_recv(const uint8_t *in, size_t len, ct_arch *out, ct_error *err)
{
	ct_darts_genotype g;
	size_t		n = 1;

	if (len < WIRE_BYTES)
		return -1;
	if (in[0] != DARTS_LAYOUT)
		return ct_fail(err, CT_ERR_SYNTAX, "invalid DARTS archgraph in binary form",
					   "The layout version is %d; this build reads version %d.", in[0], DARTS_LAYOUT), 0;
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			g.cell[c][e].op = in[n++];
			g.cell[c][e].input = in[n++];
		}
	if (!ct_darts_check(&g, err))
		return 0;
	darts_arch(&g, out);
	return WIRE_BYTES;
}

/* DARTS' nodes of both cells: 2 inputs, 4 intermediate nodes and the output each */
static int
darts_nodes(const ct_arch *a)
{
	return CT_DARTS_CELLS * (2 + CT_DARTS_NODES + 1);
}

/* the edges that carry an op (none is the zero op) */
static int
darts_edges(const ct_arch *a)
{
	ct_darts_genotype g;
	int			n = 0;

	darts_genotype(a, &g);
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
			n += g.cell[c][e].op != CT_DARTS_NONE;
	return n;
}

/* the 16 edge ops, normal cell first, in the Genotype string's order */
static int
darts_op_names(const ct_arch *a, const char **out, int max)
{
	ct_darts_genotype g;
	int			k = 0;

	darts_genotype(a, &g);
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++, k++)
			if (k < max)
				out[k] = ct_darts_op_name(g.cell[c][e].op);
	return k;
}

/* Identity is already the representative: each node's edges sorted. */
static void
darts_canonical(const ct_arch *a, ct_arch *out)
{
	*out = *a;
}

static void
darts_random(uint64_t seed, ct_arch *out)
{
	ct_darts_genotype g;

	ct_darts_random(seed, &g);
	darts_arch(&g, out);
}

static bool
darts_mutate(const ct_arch *a, uint64_t seed, ct_arch *out, ct_error *err)
{
	ct_darts_genotype g,
				m;

	darts_genotype(a, &g);
	ct_darts_mutate(&g, seed, &m);
	darts_arch(&m, out);
	return true;
}

_Static_assert(CT_DARTS_NEIGHBOURS_MAX <= CT_SPACE_NEIGHBOURS_MAX, "the space interface's bound on neighbours");

static int
darts_neighbours(const ct_arch *a, ct_arch *out, int max)
{
	ct_darts_genotype g,
				nb[CT_DARTS_NEIGHBOURS_MAX];
	int			n;

	darts_genotype(a, &g);
	n = ct_darts_neighbours(&g, nb);
	for (int k = 0; k < n && k < max; k++)
		darts_arch(&nb[k], &out[k]);
	return n;
}

/*
 * The reference NAC's input (ctnas-reference.md §10.3-10.5): view 0 the
 * normal cell, view 1 the reduction cell, each the 10-node graph of
 * genotype2arch (ct_darts_cell_dag), read by the same GCN; the features are
 * concatenated.  No padding: every cell has 10 nodes, so no slot holds
 * "dummy" (id 0 is input0 here).
 */
_Static_assert(CT_DARTS_DAG_NODES <= CT_DAG_MAX_NODES, "a DARTS cell's graph fits a ct_dag");
_Static_assert(CT_DARTS_CELLS <= CT_NAC_MAX_VIEWS, "a DARTS genotype's cells are NAC views");

static void
darts_to_dag(const ct_arch *a, int view, ct_dag *out)
{
	ct_darts_genotype g;
	ct_darts_dag d;

	darts_genotype(a, &g);
	ct_darts_cell_dag(&g, view, &d);
	memset(out, 0, sizeof(*out));
	out->n = CT_DARTS_DAG_NODES;
	for (int v = 0; v < CT_DARTS_DAG_NODES; v++)
	{
		out->op[v] = d.ops[v];
		out->pred[v] = d.preds[v];
	}
}

/*
 * The reference's LargeSpaceController (ctnas-reference.md §10.6,
 * controller/common_nas.py): two Controllers with their own parameters,
 * the normal cell's then the reduction cell's, each starting from zero
 * state and zero input.  Per cell, for node t = 2..5 (4 decisions each):
 * pred_a and pred_b by attention over rows 0 .. t-1 of the one embedding
 * table (13 rows: node ids 0..4, then the 8 ops), op_a and op_b by w_soft
 * (8 ops in the reference's PRIMITIVES order); the next step's input is the
 * row of the action (an op's: 5 + op).  32 decisions, 2 x 42,888 = 85,776
 * parameters.
 *
 * The one deviation: pred_b may not be pred_a (it is masked out of pred_b's
 * softmax).  The reference lets a node read one input twice, which is not a
 * DARTS genotype (DARTS' derivation, NAS-Bench-301 and this space require two
 * distinct inputs), so such a sample could be neither stored here nor trained
 * by DARTS' evaluation code.  "none" stays a choice, as in the reference.
 */
#define CTRL_PER_CELL	(4 * CT_DARTS_NODES)	/* 16 */
#define CTRL_OP_ROW		(CT_DARTS_NODES + 1)	/* the first op's row: n_nodes + 1 */

/* PRIMITIVES (ctnas/core/dataset/architecture/common_nas.py:17-26) -> our op codes, by name */
static const uint8_t ctrl_primitive_op[CT_DARTS_NUM_OPS] = {
	CT_DARTS_SKIP_CONNECT, CT_DARTS_SEP_CONV_3X3, CT_DARTS_SEP_CONV_5X5, CT_DARTS_NONE,
	CT_DARTS_DIL_CONV_3X3, CT_DARTS_DIL_CONV_5X5, CT_DARTS_MAX_POOL_3X3, CT_DARTS_AVG_POOL_3X3,
};

static void
darts_ctrl_next(const int *actions, int t, ct_ctrl_next *out)
{
	int			u = t % CTRL_PER_CELL;
	int			node = u / 4;	/* node t = node + 2 */
	bool		is_op = u % 4 >= 2;
	bool		second = u % 2 == 1;

	memset(out, 0, sizeof(*out));
	out->group = t / CTRL_PER_CELL;
	out->reset = u == 0;
	out->next_table = 0;
	if (is_op)
	{
		out->head = 0;
		out->k = CT_DARTS_NUM_OPS;
		out->next_offset = CTRL_OP_ROW;
	}
	else
	{
		out->head = -1;
		out->k = node + 2;
		if (second && actions[t - 1] >= 0 && actions[t - 1] < out->k)
			out->mask = 1u << actions[t - 1];
	}
}

static bool
darts_ctrl_decode(const int *actions, ct_arch *out, ct_error *err)
{
	ct_darts_genotype g;

	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int n = 0; n < CT_DARTS_NODES; n++)
		{
			const int  *a = actions + c * CTRL_PER_CELL + 4 * n;

			for (int j = 0; j < 2; j++)
			{
				if (a[j] < 0 || a[j] >= n + 2 || a[2 + j] < 0 || a[2 + j] >= CT_DARTS_NUM_OPS)
					return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
								   "Cell %d, node %d: input %d, op %d.", c, n + 2, a[j], a[2 + j]);
				g.cell[c][2 * n + j].input = (uint8_t) a[j];
				g.cell[c][2 * n + j].op = ctrl_primitive_op[a[2 + j]];
			}
		}
	if (!ct_darts_check(&g, err))
		return false;
	darts_arch(&g, out);
	return true;
}

const ct_ctrl_program ct_ctrl_program_darts = {
	.ngroups = CT_DARTS_CELLS,
	.ntables = 1,
	.table_rows = {CTRL_OP_ROW + CT_DARTS_NUM_OPS},
	.attention_table = 0,
	.nheads = 1,
	.head_k = {CT_DARTS_NUM_OPS},
	.decisions = CT_DARTS_CELLS * CTRL_PER_CELL,
	.next = darts_ctrl_next,
	.decode = darts_ctrl_decode,
};

_Static_assert(CT_DARTS_CELLS * 4 * CT_DARTS_NODES <= CT_CTRL_DECISIONS, "the controller's decisions fit a sample");
_Static_assert(CT_DARTS_NUM_OPS <= CT_CTRL_NODES && CT_DARTS_CELLS <= CT_CTRL_MAX_GROUPS, "the controller's shapes");

const ct_space ct_space_darts = {
	.id = CT_SPACE_DARTS,
	.name = "darts",
	.title = "the DARTS space",
	.size = CT_DARTS_COUNT,
	.forms = "\"Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])\", "
	"NASLib's compact \"((...), (...))\" or {\"space\": \"darts\", \"normal\": [...], \"reduce\": [...]}",
	.from_json = darts_from_json,
	.claims_json = darts_claims_json,
	.from_native = darts_from_native,
	.claims_native = darts_claims_native,
	.text_max = CT_DARTS_STR_MAX,
	.to_text = darts_to_text,
	.dot_max = CT_DARTS_DOT_MAX,
	.to_dot = darts_to_dot,
	.hash64 = NULL,
	.save = darts_save,
	.load = darts_load,
	.stored_max = 2 + CT_DARTS_BYTES,
	.store = darts_store,
	.unstore = darts_unstore,
	.wire_max = WIRE_BYTES,
	.send = darts_send,
	.recv = darts_recv,
	.nodes = darts_nodes,
	.edges = darts_edges,
	.op_names = darts_op_names,
	.matrix = NULL,				/* two cells, ops on edges: archgraph_ops */
	.key_text = NULL,
	.index = NULL,
	.valid = darts_valid,
	.canonical = darts_canonical,
	.random = darts_random,
	.mutate = darts_mutate,
	.neighbours = darts_neighbours,
	.nth = NULL,
	.nac_views = CT_DARTS_CELLS,
	.nac_slots = CT_DARTS_DAG_NODES,
	.nac_vocab = CT_NAC_VOCAB_DARTS,
	.nac_vocab_size = CT_DARTS_NAC_VOCAB + 1,	/* the reference's Embedding(n_ops + 3 = 11): row 10 is never read */
	.nac_vocab_json = "[\"input0\", \"input1\", \"none\", \"skip_connect\", \"sep_conv_3x3\", \"sep_conv_5x5\", "
	"\"max_pool_3x3\", \"avg_pool_3x3\", \"dil_conv_3x3\", \"dil_conv_5x5\", \"(unused)\"]",
	.info_name = "darts",
	.to_dag = darts_to_dag,
	/* its last node is one of the last intermediate node's two ops, not the cell's output (the concat) */
	.nac_last_is_output = false,
	.program = &ct_ctrl_program_darts,
};
