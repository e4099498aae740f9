/*
 * graph_random.c
 *	  Sampling and mutating cells, deterministically per seed.
 */
#include "ctnas_graph.h"
#include "ctnas_rng.h"

#include <string.h>

void
ct_graph_random(uint64_t seed, ct_graph *out)
{
	ct_rng		rng;

	ct_rng_seed(&rng, seed);
	for (;;)
	{
		ct_raw_graph raw;

		memset(&raw, 0, sizeof(raw));
		raw.n = CT_NB101_MAX_NODES;
		for (int x = 0; x < raw.n; x++)
			for (int y = x + 1; y < raw.n; y++)
				raw.adj[x][y] = (uint8_t) ct_rng_below(&rng, 2);
		raw.ops[0] = CT_OP_INPUT;
		for (int v = 1; v < raw.n - 1; v++)
			raw.ops[v] = (uint8_t) ct_rng_below(&rng, CT_NUM_INTERIOR_OPS);
		raw.ops[raw.n - 1] = CT_OP_OUTPUT;
		if (ct_graph_from_raw(&raw, out, NULL))
			return;
	}
}

/* A single change: flip edge x->y, or set node x to op (y unused then). */
typedef struct mutation
{
	int8_t		x;
	int8_t		y;				/* -1 for an op change */
	int8_t		op;
} mutation;

/* Every single change of g: the edge flips (by target, then source), then the op changes (by node, then op). */
static int
candidates(const ct_graph *g, mutation *cand)
{
	int			ncand = 0;

	for (int y = 1; y < g->n; y++)
		for (int x = 0; x < y; x++)
			cand[ncand++] = (mutation) {.x = x, .y = y, .op = 0};
	for (int v = 1; v < g->n - 1; v++)
		for (int op = 0; op < CT_NUM_INTERIOR_OPS; op++)
			if (op != g->ops[v])
				cand[ncand++] = (mutation) {.x = v, .y = -1, .op = op};
	return ncand;
}

/* The change applied, pruned and canonical; false when the result is not a valid cell. */
static bool
apply(const ct_graph *g, mutation m, ct_graph *out)
{
	ct_raw_graph raw;

	ct_graph_to_raw(g, &raw);
	if (m.y >= 0)
		raw.adj[m.x][m.y] ^= 1;
	else
		raw.ops[m.x] = (uint8_t) m.op;
	return ct_graph_from_raw(&raw, out, NULL);
}

bool
ct_graph_mutate(const ct_graph *g, uint64_t seed, ct_graph *out, ct_error *err)
{
	mutation	cand[CT_NB101_NEIGHBOURS_MAX];
	int			ncand = candidates(g, cand);
	ct_rng		rng;

	ct_rng_seed(&rng, seed);
	/* Fisher-Yates lazily: draw the next change until one gives a valid cell */
	for (int i = 0; i < ncand; i++)
	{
		int			j = i + (int) ct_rng_below(&rng, (uint32_t) (ncand - i));
		mutation	m = cand[j];

		cand[j] = cand[i];
		cand[i] = m;
		/* every valid result differs from g: ops or the number of edges change */
		if (apply(g, m, out))
			return true;
	}
	return ct_fail(err, CT_ERR_INVALID, "archgraph has no valid mutation",
				   "No single edge or operation change of this %d-node cell is a valid cell.", g->n);
}

int
ct_graph_neighbours(const ct_graph *g, ct_graph *out, int max)
{
	mutation	cand[CT_NB101_NEIGHBOURS_MAX];
	ct_graph	found[CT_NB101_NEIGHBOURS_MAX];
	int			ncand = candidates(g, cand);
	int			n = 0;

	for (int i = 0; i < ncand; i++)
	{
		ct_graph	m;
		bool		known;

		if (!apply(g, cand[i], &m))
			continue;
		/* two changes can give isomorphic cells: the canonical form makes them one */
		known = ct_graph_cmp(&m, g) == 0;
		for (int k = 0; k < n && !known; k++)
			known = ct_graph_cmp(&found[k], &m) == 0;
		if (!known)
			found[n++] = m;
	}
	for (int k = 0; k < n && k < max; k++)
		out[k] = found[k];
	return n;
}
