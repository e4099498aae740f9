/*
 * test_graph_random.c
 *	  Random cells and mutations: valid, canonical, deterministic.
 */
#include "unit.h"

#include "ctnas_graph.h"

void
test_graph_random(void)
{
	int			by_nodes[CT_NB101_MAX_NODES + 1] = {0};
	int			op_changes = 0,
				edge_changes = 0;

	for (uint64_t seed = 0; seed < 3000; seed++)
	{
		ct_graph	g,
					again,
					m;
		ct_error	err;

		ct_graph_random(seed, &g);
		ct_graph_random(seed, &again);
		CHECK(ct_graph_cmp(&g, &again) == 0);
		CHECK(ct_graph_is_canonical(&g));
		CHECK(ct_graph_num_edges(&g) <= CT_NB101_MAX_EDGES);
		by_nodes[g.n]++;

		if (!ct_graph_mutate(&g, seed + 11, &m, &err))
		{
			CHECK(g.n == 2);	/* only input -> output has no valid single change */
			continue;
		}
		CHECK(ct_graph_is_canonical(&m));
		CHECK(ct_graph_cmp(&g, &m) != 0);
		if (g.n == m.n && g.edges == m.edges)
			op_changes++;
		else
			edge_changes++;
		ct_graph_mutate(&g, seed + 11, &again, NULL);
		CHECK(ct_graph_cmp(&m, &again) == 0);
	}
	/* NAS-Bench-101's sampler reaches every size (and mostly small ones) */
	for (int n = 2; n <= CT_NB101_MAX_NODES; n++)
		CHECK(by_nodes[n] > 0);
	CHECK(by_nodes[2] > 150 && by_nodes[2] < 450);
	CHECK(op_changes > 0 && edge_changes > 0);
}
