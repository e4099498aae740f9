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

bool
ct_graph_mutate(const ct_graph *g, uint64_t seed, ct_graph *out, ct_error *err)
{
	mutation	cand[CT_NB101_MAX_NODES * CT_NB101_MAX_NODES];
	int			ncand = 0;
	ct_rng		rng;

	for (int y = 1; y < g->n; y++)
		for (int x = 0; x < y; x++)
			cand[ncand++] = (mutation) {.x = x, .y = y, .op = 0};
	for (int v = 1; v < g->n - 1; v++)
		for (int op = 0; op < CT_NUM_INTERIOR_OPS; op++)
			if (op != g->ops[v])
				cand[ncand++] = (mutation) {.x = v, .y = -1, .op = op};

	ct_rng_seed(&rng, seed);
	/* Fisher-Yates lazily: draw the next change until one gives a valid cell */
	for (int i = 0; i < ncand; i++)
	{
		int			j = i + (int) ct_rng_below(&rng, (uint32_t) (ncand - i));
		mutation	m = cand[j];
		ct_raw_graph raw;

		cand[j] = cand[i];
		cand[i] = m;
		ct_graph_to_raw(g, &raw);
		if (m.y >= 0)
			raw.adj[m.x][m.y] ^= 1;
		else
			raw.ops[m.x] = (uint8_t) m.op;
		/* every valid result differs from g: ops or the number of edges change */
		if (ct_graph_from_raw(&raw, out, NULL))
			return true;
	}
	return ct_fail(err, CT_ERR_INVALID, "archgraph has no valid mutation",
				   "No single edge or operation change of this %d-node cell is a valid cell.", g->n);
}
