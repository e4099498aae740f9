/*
 * space_nb101.c
 *	  NAS-Bench-101 as a search space: the adapter between the generic
 *	  interface (ctnas_space.h) and the cell module (ctnas_graph.h:
 *	  graph.c, graph_text.c, graph_random.c, nb101_hash.c).
 *
 * The encoding: n, the edge bits as a big-endian uint32, the interior ops
 * (n - 2 bytes).  memcmp of it is ct_graph_cmp's order (nodes, edge bits,
 * ops), NAS-Bench-101's enumeration order, which 0.1.0 sorted oracles and
 * training rows by: results stay bit for bit the same.  A ct_graph is
 * canonical, so the encoding is an identity of cells up to isomorphism.
 */
#include "ctnas_space.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "ctnas_controller.h"
#include "ctnas_graph.h"
#include "ctnas_nac.h"

void
ct_nb101_arch(const ct_graph *g, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_NB101;
	out->len = (uint8_t) (5 + g->n - 2);
	out->bytes[0] = (uint8_t) g->n;
	out->bytes[1] = (uint8_t) (g->edges >> 24);
	out->bytes[2] = (uint8_t) (g->edges >> 16);
	out->bytes[3] = (uint8_t) (g->edges >> 8);
	out->bytes[4] = (uint8_t) g->edges;
	memcpy(out->bytes + 5, g->ops + 1, g->n - 2);
}

void
ct_nb101_graph(const ct_arch *a, ct_graph *out)
{
	int			n = a->bytes[0];

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->edges = (uint32_t) a->bytes[1] << 24 | (uint32_t) a->bytes[2] << 16 |
		(uint32_t) a->bytes[3] << 8 | a->bytes[4];
	out->ops[0] = CT_OP_INPUT;
	memcpy(out->ops + 1, a->bytes + 5, n - 2);
	out->ops[n - 1] = CT_OP_OUTPUT;
}

static bool
nb101_from_json(const cJSON *root, ct_arch *out, ct_error *err)
{
	ct_raw_graph raw;
	ct_graph	g;

	if (!ct_raw_graph_from_json_root(root, &raw, err) || !ct_graph_from_raw(&raw, &g, err))
		return false;
	ct_nb101_arch(&g, out);
	return true;
}

static bool
nb101_claims_json(const cJSON *root)
{
	return cJSON_HasObjectItem(root, "matrix") || cJSON_HasObjectItem(root, "module_adjacency");
}

static size_t
nb101_to_text(const ct_arch *a, char *buf, size_t size)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	return ct_graph_to_json(&g, buf, size);
}

static size_t
nb101_to_dot(const ct_arch *a, char *buf, size_t size)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	return ct_graph_to_dot(&g, buf, size);
}

static bool
nb101_valid(const ct_arch *a)
{
	ct_graph	g;
	ct_arch		back;

	if (a->space != CT_SPACE_NB101 || a->bytes[0] < 2 || a->bytes[0] > CT_NB101_MAX_NODES ||
		a->len != 5 + a->bytes[0] - 2)
		return false;
	for (int i = a->len; i < CT_ARCH_MAX; i++)
		if (a->bytes[i] != 0)
			return false;
	ct_nb101_graph(a, &g);
	if (!ct_graph_is_canonical(&g))
		return false;
	ct_nb101_arch(&g, &back);
	return ct_arch_eq(a, &back);
}

/* ct_graph is the canonical representative already: identity is isomorphism. */
static void
nb101_canonical(const ct_arch *a, ct_arch *out)
{
	*out = *a;
}

static void
nb101_random(uint64_t seed, ct_arch *out)
{
	ct_graph	g;

	ct_graph_random(seed, &g);
	ct_nb101_arch(&g, out);
}

static bool
nb101_mutate(const ct_arch *a, uint64_t seed, ct_arch *out, ct_error *err)
{
	ct_graph	g,
				m;

	ct_nb101_graph(a, &g);
	if (!ct_graph_mutate(&g, seed, &m, err))
		return false;
	ct_nb101_arch(&m, out);
	return true;
}

_Static_assert(CT_NB101_NEIGHBOURS_MAX <= CT_SPACE_NEIGHBOURS_MAX, "the space interface's bound on neighbours");

static int
nb101_neighbours(const ct_arch *a, ct_arch *out, int max)
{
	ct_graph	g,
				nb[CT_NB101_NEIGHBOURS_MAX];
	int			n;

	ct_nb101_graph(a, &g);
	n = ct_graph_neighbours(&g, nb, CT_NB101_NEIGHBOURS_MAX);
	for (int k = 0; k < n && k < max; k++)
		ct_nb101_arch(&nb[k], &out[k]);
	return n;
}

/* 0.1.0's hash of a cell: oracle fingerprints in checkpoints are made of it. */
static uint64_t
nb101_hash64(const ct_arch *a)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	return ct_graph_hash64(&g);
}

/* 0.1.0's checkpoint form of a cell: n, edge bits, the 7 op slots. */
static void
nb101_save(const ct_arch *a, ct_wbuf *w)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	ct_wbuf_u32(w, (uint32_t) g.n);
	ct_wbuf_u32(w, g.edges);
	ct_wbuf_bytes(w, g.ops, CT_NB101_MAX_NODES);
}

/* A cell from a checkpoint, checked to be a valid canonical cell (the NAC indexes by its ops). */
static bool
nb101_load(ct_rbuf *r, ct_arch *out)
{
	ct_graph	g;

	memset(&g, 0, sizeof(g));
	g.n = (int) ct_rbuf_u32(r);
	g.edges = ct_rbuf_u32(r);
	if (!ct_rbuf_bytes(r, g.ops, CT_NB101_MAX_NODES) || g.n < 2 || g.n > CT_NB101_MAX_NODES ||
		!ct_graph_is_canonical(&g) || g.ops[0] != CT_OP_INPUT || g.ops[g.n - 1] != CT_OP_OUTPUT)
		return false;
	ct_nb101_arch(&g, out);
	return true;
}

/*
 * The stored form of 0.1.0, forever: nnodes, a zero byte, the edge bits as
 * a uint32 in the server's byte order, the interior ops (n - 2 bytes).
 */
#define NB101_STORED_MAX (6 + CT_NB101_MAX_NODES - 2)

static size_t
nb101_store(const ct_arch *a, uint8_t *out)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	out[0] = (uint8_t) g.n;
	out[1] = 0;
	memcpy(out + 2, &g.edges, 4);
	memcpy(out + 6, g.ops + 1, g.n - 2);
	return 6 + g.n - 2;
}

static bool
nb101_unstore(const uint8_t *in, size_t len, ct_arch *out)
{
	ct_graph	g;
	int			n = len > 0 ? in[0] : 0;

	if (n < 2 || n > CT_NB101_MAX_NODES || len != (size_t) (6 + n - 2))
		return false;
	memset(&g, 0, sizeof(g));
	g.n = n;
	memcpy(&g.edges, in + 2, 4);
	g.ops[0] = CT_OP_INPUT;
	memcpy(g.ops + 1, in + 6, n - 2);
	g.ops[n - 1] = CT_OP_OUTPUT;
	ct_nb101_arch(&g, out);
	return true;
}

/*
 * The wire form of 0.1.0: n, the n x n adjacency bytes (row-major, 0/1), n
 * op codes.  A full matrix rather than the stored bits, so that receiving
 * runs exactly the validation of text input (and prunes and canonicalises).
 */
#define NB101_WIRE_MAX (1 + CT_NB101_MAX_NODES * CT_NB101_MAX_NODES + CT_NB101_MAX_NODES)

static size_t
nb101_send(const ct_arch *a, uint8_t *out)
{
	ct_graph	g;
	size_t		k = 0;

	ct_nb101_graph(a, &g);
	out[k++] = (uint8_t) g.n;
	for (int x = 0; x < g.n; x++)
		for (int y = 0; y < g.n; y++)
			out[k++] = ct_graph_has_edge(&g, x, y);
	for (int v = 0; v < g.n; v++)
		out[k++] = g.ops[v];
	return k;
}

static long
nb101_recv(const uint8_t *in, size_t len, ct_arch *out, ct_error *err)
{
	ct_raw_graph raw;
	ct_graph	g;
	int			n;

	if (len < 1)
		return -1;
	n = in[0];
	if (n > CT_RAW_MAX_NODES)
		return ct_fail(err, CT_ERR_TOO_LARGE, "archgraph input has too many nodes",
					   "The input has %d nodes; at most %d are accepted before pruning.", n, CT_RAW_MAX_NODES), 0;
	if (len < (size_t) (1 + n * n + n))
		return -1;
	memset(&raw, 0, sizeof(raw));
	raw.n = n;
	for (int x = 0; x < n; x++)
		for (int y = 0; y < n; y++)
			raw.adj[x][y] = in[1 + x * n + y];
	for (int v = 0; v < n; v++)
		raw.ops[v] = in[1 + n * n + v];
	if (!ct_graph_from_raw(&raw, &g, err))
		return 0;
	ct_nb101_arch(&g, out);
	return 1 + n * n + n;
}

static int
nb101_nodes(const ct_arch *a)
{
	return a->bytes[0];
}

static int
nb101_edges(const ct_arch *a)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	return ct_graph_num_edges(&g);
}

static int
nb101_op_names(const ct_arch *a, const char **out, int max)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	for (int v = 0; v < g.n && v < max; v++)
		out[v] = ct_op_name(g.ops[v]);
	return g.n;
}

static int
nb101_matrix(const ct_arch *a, uint8_t *out)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	for (int x = 0; x < g.n; x++)
		for (int y = 0; y < g.n; y++)
			out[x * g.n + y] = ct_graph_has_edge(&g, x, y);
	return g.n;
}

/* graph_util.hash_module: the key of NAS-Bench-101's own data */
static void
nb101_key_text(const ct_arch *a, char out[33])
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	ct_graph_nb101_hash(&g, out);
}

/* The reference's tensorisation (ctnas_nac.h): its op ids, not ct_op's. */
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

static void
nb101_to_dag(const ct_arch *a, int view, ct_dag *out)
{
	ct_graph	g;

	ct_nb101_graph(a, &g);
	memset(out, 0, sizeof(*out));
	out->n = g.n;
	for (int v = 0; v < g.n; v++)
	{
		out->op[v] = nac_op(g.ops[v]);
		for (int u = 0; u < v; u++)
			if (ct_graph_has_edge(&g, u, v))
				out->pred[v] |= 1u << u;
	}
}

/*
 * The controller's program (reference controller/nasbench.py): the number
 * of intermediate nodes n (1..5), each node's predecessor (attention over
 * the nodes before it) and op, the output's predecessor, then extra edges
 * as pairs of nodes up to 18 decisions.  Tables: n_nodes_emb (5), node_emb
 * (7, which attention scores), op_emb (3); heads: w_soft (3 ops), n_soft (5).
 */
enum
{
	T_N_NODES = 0, T_NODE = 1, T_OP = 2
};
enum
{
	HEAD_W_SOFT = 0, HEAD_N_SOFT = 1
};

#define NB101_MAX_INNER 5

static void
nb101_ctrl_next(const int *actions, int t, ct_ctrl_next *out)
{
	int			n = t > 0 ? actions[0] + 1 : 0;

	if (t == 0)
		*out = (ct_ctrl_next) {HEAD_N_SOFT, 5, T_N_NODES};
	else if (t <= 2 * n + 1)
	{
		bool		is_op = t % 2 == 0; /* p_1, o_1, ..., p_n, o_n, p_out */

		*out = is_op ? (ct_ctrl_next) {HEAD_W_SOFT, 3, T_OP} : (ct_ctrl_next) {-1, (t - 1) / 2 + 1, T_NODE};
	}
	else
		*out = (ct_ctrl_next) {-1, n + 2, T_NODE};
}

/* The reference's seq2arch, then pruned and canonical. */
static bool
nb101_ctrl_decode(const int *actions, ct_arch *out, ct_error *err)
{
	ct_raw_graph raw;
	ct_graph	g;
	int			n = actions[0] + 1;
	int			k = 1;

	if (n < 1 || n > NB101_MAX_INNER)
		return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
					   "The number of intermediate nodes is %d.", n);
	memset(&raw, 0, sizeof(raw));
	raw.n = n + 2;
	raw.ops[0] = CT_OP_INPUT;
	raw.ops[n + 1] = CT_OP_OUTPUT;
	for (int t = 1; t <= n; t++)
	{
		int			pred = actions[k++];
		int			op = actions[k++];

		if (pred < 0 || pred >= t || op < 0 || op >= CT_NUM_INTERIOR_OPS)
			return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
						   "Node %d: predecessor %d, op %d.", t, pred, op);
		raw.adj[pred][t] = 1;
		raw.ops[t] = (uint8_t) op;	/* conv3x3, conv1x1, maxpool: ct_op's order */
	}
	if (actions[k] < 0 || actions[k] > n)
		return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
					   "The output's predecessor is %d.", actions[k]);
	raw.adj[actions[k++]][n + 1] = 1;
	for (; k + 1 < ct_ctrl_program_nb101.decisions; k += 2)
	{
		int			a = actions[k],
					b = actions[k + 1];

		if (a < 0 || b < 0 || a > n + 1 || b > n + 1)
			return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
						   "Extra edge %d-%d.", a, b);
		if (a != b)
			raw.adj[a < b ? a : b][a < b ? b : a] = 1;
	}
	if (!ct_graph_from_raw(&raw, &g, err))
		return false;
	ct_nb101_arch(&g, out);
	return true;
}

const ct_ctrl_program ct_ctrl_program_nb101 = {
	.ntables = 3,
	.table_rows = {5, 7, 3},
	.attention_table = T_NODE,
	.nheads = 2,
	.head_k = {3, 5},
	.decisions = 18,
	.next = nb101_ctrl_next,
	.decode = nb101_ctrl_decode,
};

const ct_space ct_space_nb101 = {
	.id = CT_SPACE_NB101,
	.name = "nb101",
	.title = "NAS-Bench-101",
	.size = 423624,
	.forms = "{\"matrix\": [[0/1, ...], ...], \"ops\": [\"input\", ..., \"output\"]}",
	.from_json = nb101_from_json,
	.claims_json = nb101_claims_json,
	.from_native = NULL,
	.claims_native = NULL,
	.text_max = CT_GRAPH_JSON_MAX,
	.to_text = nb101_to_text,
	.dot_max = CT_GRAPH_DOT_MAX,
	.to_dot = nb101_to_dot,
	.hash64 = nb101_hash64,
	.save = nb101_save,
	.load = nb101_load,
	.stored_max = NB101_STORED_MAX,
	.store = nb101_store,
	.unstore = nb101_unstore,
	.wire_max = NB101_WIRE_MAX,
	.send = nb101_send,
	.recv = nb101_recv,
	.nodes = nb101_nodes,
	.edges = nb101_edges,
	.op_names = nb101_op_names,
	.matrix = nb101_matrix,
	.key_text = nb101_key_text,
	.index = NULL,
	.valid = nb101_valid,
	.canonical = nb101_canonical,
	.random = nb101_random,
	.mutate = nb101_mutate,
	.neighbours = nb101_neighbours,
	.nth = NULL,
	.nac_slots = CT_NAC_SLOTS,
	.nac_vocab = CT_NAC_VOCAB_CTNAS_NB101,
	.nac_vocab_size = CT_NAC_VOCAB_NB101,
	.nac_vocab_json = "[\"dummy\", \"input\", \"conv1x1-bn-relu\", \"conv3x3-bn-relu\", \"maxpool3x3\", \"output\"]",
	.info_name = "nas-bench-101",
	.to_dag = nb101_to_dag,
	.nac_last_is_output = true,
	.program = &ct_ctrl_program_nb101,
};
