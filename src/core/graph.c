/*
 * graph.c
 *	  Validation, pruning and the canonical form of NAS-Bench-101 cells.
 */
#include "ctnas_graph.h"

#include <string.h>

static const char *const op_names[CT_NUM_OPS] = {
	[CT_OP_CONV3X3] = "conv3x3-bn-relu",
	[CT_OP_CONV1X1] = "conv1x1-bn-relu",
	[CT_OP_MAXPOOL3X3] = "maxpool3x3",
	[CT_OP_INPUT] = "input",
	[CT_OP_OUTPUT] = "output",
};

const char *
ct_op_name(int op)
{
	return (op >= 0 && op < CT_NUM_OPS) ? op_names[op] : NULL;
}

int
ct_op_from_name(const char *name, size_t len)
{
	for (int op = 0; op < CT_NUM_OPS; op++)
		if (strlen(op_names[op]) == len && memcmp(op_names[op], name, len) == 0)
			return op;
	return -1;
}

int
ct_graph_num_edges(const ct_graph *g)
{
	return __builtin_popcount(g->edges);
}

/* Structural checks that do not depend on pruning. */
static bool
check_raw(const ct_raw_graph *raw, ct_error *err)
{
	int			n = raw->n;

	if (n < 2)
		return ct_fail(err, CT_ERR_INVALID, "archgraph needs at least two nodes",
					   "A cell has an input and an output node; this one has %d node%s.",
					   n, n == 1 ? "" : "s");
	if (n > CT_RAW_MAX_NODES)
		return ct_fail(err, CT_ERR_TOO_LARGE, "archgraph input has too many nodes",
					   "The input has %d nodes; at most %d are accepted before pruning.",
					   n, CT_RAW_MAX_NODES);
	for (int x = 0; x < n; x++)
		for (int y = 0; y < n; y++)
		{
			if (raw->adj[x][y] > 1)
				return ct_fail(err, CT_ERR_INVALID, "archgraph matrix must contain only 0 and 1",
							   "Entry [%d][%d] is %d.", x, y, raw->adj[x][y]);
			if (raw->adj[x][y] && y <= x)
				return ct_fail(err, CT_ERR_INVALID, "archgraph matrix must be strictly upper-triangular",
							   "Entry [%d][%d] is 1; every edge must go from a lower to a higher node number.",
							   x, y);
		}
	for (int v = 0; v < n; v++)
	{
		const char *name = ct_op_name(raw->ops[v]);

		if (name == NULL)
			return ct_fail(err, CT_ERR_INVALID, "archgraph has an unknown operation",
						   "Node %d has operation code %d.", v, raw->ops[v]);
	}
	if (raw->ops[0] != CT_OP_INPUT)
		return ct_fail(err, CT_ERR_INVALID, "archgraph first operation must be \"input\"",
					   "Node 0 is \"%s\".", ct_op_name(raw->ops[0]));
	if (raw->ops[n - 1] != CT_OP_OUTPUT)
		return ct_fail(err, CT_ERR_INVALID, "archgraph last operation must be \"output\"",
					   "Node %d is \"%s\".", n - 1, ct_op_name(raw->ops[n - 1]));
	for (int v = 1; v < n - 1; v++)
		if (raw->ops[v] >= CT_NUM_INTERIOR_OPS)
			return ct_fail(err, CT_ERR_INVALID, "archgraph interior node has an invalid operation",
						   "Node %d is \"%s\"; interior nodes must be conv3x3-bn-relu, conv1x1-bn-relu or maxpool3x3.",
						   v, ct_op_name(raw->ops[v]));
	return true;
}

/*
 * NAS-Bench-101's ModelSpec._prune: keep only vertices that are reachable
 * from the input and reach the output.  keep[] is filled; returns the count.
 */
static int
prune(const ct_raw_graph *raw, bool keep[])
{
	int			n = raw->n;
	bool		from_input[CT_RAW_MAX_NODES] = {false};
	bool		to_output[CT_RAW_MAX_NODES] = {false};
	int			kept = 0;

	/* edges only go upwards, so one pass in each direction suffices */
	from_input[0] = true;
	for (int y = 1; y < n; y++)
		for (int x = 0; x < y && !from_input[y]; x++)
			from_input[y] = from_input[x] && raw->adj[x][y];
	to_output[n - 1] = true;
	for (int x = n - 2; x >= 0; x--)
		for (int y = x + 1; y < n && !to_output[x]; y++)
			to_output[x] = to_output[y] && raw->adj[x][y];
	for (int v = 0; v < n; v++)
	{
		keep[v] = from_input[v] && to_output[v];
		kept += keep[v];
	}
	return kept;
}

/* Search over topological renumberings of a pruned cell for the smallest (bits, ops). */
typedef struct canon_search
{
	int			n;
	uint8_t		adj[CT_NB101_MAX_NODES][CT_NB101_MAX_NODES];
	uint8_t		ops[CT_NB101_MAX_NODES];
	int			order[CT_NB101_MAX_NODES];	/* order[new] = old */
	bool		placed[CT_NB101_MAX_NODES];
	bool		found;
	uint32_t	best_edges;
	uint8_t		best_ops[CT_NB101_MAX_NODES];
} canon_search;

static void
canon_consider(canon_search *cs)
{
	int			n = cs->n;
	uint32_t	edges = 0;
	uint8_t		ops[CT_NB101_MAX_NODES];

	for (int y = 1; y < n; y++)
		for (int x = 0; x < y; x++)
			if (cs->adj[cs->order[x]][cs->order[y]])
				edges |= 1u << ct_edge_bit(x, y);
	for (int v = 0; v < n; v++)
		ops[v] = cs->ops[cs->order[v]];

	if (!cs->found || edges < cs->best_edges ||
		(edges == cs->best_edges && memcmp(ops, cs->best_ops, n) < 0))
	{
		cs->found = true;
		cs->best_edges = edges;
		memcpy(cs->best_ops, ops, n);
	}
}

static void
canon_place(canon_search *cs, int pos)
{
	int			n = cs->n;

	if (pos == n - 1)
	{
		canon_consider(cs);
		return;
	}
	for (int v = 1; v < n - 1; v++)
	{
		bool		ready = !cs->placed[v];

		/* a node may only follow all of its predecessors */
		for (int u = 1; u < v && ready; u++)
			if (cs->adj[u][v] && !cs->placed[u])
				ready = false;
		if (!ready)
			continue;
		cs->placed[v] = true;
		cs->order[pos] = v;
		canon_place(cs, pos + 1);
		cs->placed[v] = false;
	}
}

bool
ct_graph_from_raw(const ct_raw_graph *raw, ct_graph *out, ct_error *err)
{
	bool		keep[CT_RAW_MAX_NODES] = {false};
	int			map[CT_RAW_MAX_NODES];
	int			kept;
	int			nedges = 0;
	canon_search cs;

	if (!check_raw(raw, err))
		return false;

	kept = prune(raw, keep);
	if (!keep[0] || !keep[raw->n - 1])
		return ct_fail(err, CT_ERR_INVALID, "archgraph has no path from input to output", NULL);
	if (kept > CT_NB101_MAX_NODES)
		return ct_fail(err, CT_ERR_TOO_LARGE, "archgraph has too many nodes",
					   "After pruning, the cell has %d nodes; NAS-Bench-101 allows at most %d.",
					   kept, CT_NB101_MAX_NODES);

	memset(&cs, 0, sizeof(cs));
	cs.n = kept;
	for (int v = 0, k = 0; v < raw->n; v++)
		map[v] = keep[v] ? k++ : -1;
	for (int x = 0; x < raw->n; x++)
	{
		if (!keep[x])
			continue;
		cs.ops[map[x]] = raw->ops[x];
		for (int y = x + 1; y < raw->n; y++)
			if (keep[y] && raw->adj[x][y])
			{
				cs.adj[map[x]][map[y]] = 1;
				nedges++;
			}
	}
	if (nedges > CT_NB101_MAX_EDGES)
		return ct_fail(err, CT_ERR_TOO_LARGE, "archgraph has too many edges",
					   "After pruning, the cell has %d edges; NAS-Bench-101 allows at most %d.",
					   nedges, CT_NB101_MAX_EDGES);

	cs.order[0] = 0;
	cs.order[kept - 1] = kept - 1;
	canon_place(&cs, 1);

	memset(out, 0, sizeof(*out));
	out->n = kept;
	out->edges = cs.best_edges;
	memcpy(out->ops, cs.best_ops, kept);
	return true;
}

void
ct_graph_to_raw(const ct_graph *g, ct_raw_graph *raw)
{
	memset(raw, 0, sizeof(*raw));
	raw->n = g->n;
	for (int y = 1; y < g->n; y++)
		for (int x = 0; x < y; x++)
			raw->adj[x][y] = ct_graph_has_edge(g, x, y);
	memcpy(raw->ops, g->ops, g->n);
}

bool
ct_graph_is_canonical(const ct_graph *g)
{
	ct_raw_graph raw;
	ct_graph	canon;

	if (g->n < 2 || g->n > CT_NB101_MAX_NODES)
		return false;
	if (g->edges >> ct_edge_bit(0, g->n) != 0)
		return false;			/* bits beyond the last node */
	for (int v = g->n; v < CT_NB101_MAX_NODES; v++)
		if (g->ops[v] != 0)
			return false;
	ct_graph_to_raw(g, &raw);
	if (!ct_graph_from_raw(&raw, &canon, NULL))
		return false;
	return ct_graph_cmp(g, &canon) == 0;
}

uint64_t
ct_graph_hash64(const ct_graph *g)
{
	uint64_t	h = (uint64_t) g->n * 0x9E3779B97F4A7C15ULL ^ g->edges;

	for (int v = 0; v < g->n; v++)
		h = (h ^ g->ops[v]) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

int
ct_graph_cmp(const ct_graph *a, const ct_graph *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->edges != b->edges)
		return a->edges < b->edges ? -1 : 1;
	for (int v = 0; v < a->n; v++)
		if (a->ops[v] != b->ops[v])
			return a->ops[v] < b->ops[v] ? -1 : 1;
	return 0;
}
