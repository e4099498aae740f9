/*
 * test_graph_random.c
 *	  Random cells, mutations and neighbourhoods: valid, canonical,
 *	  deterministic; the neighbours are exactly the cells mutations reach.
 */
#include "unit.h"

#include "ctnas_graph.h"

static ct_graph
graph_of(const char *json)
{
	ct_graph	g;

	CHECK(ct_graph_parse_json(json, &g, NULL));
	return g;
}

/*
 * Neighbourhoods: valid, canonical, distinct, never the cell itself, and the
 * same set as the mutations of the cell over many seeds (a mutation is
 * uniform over the valid changes, so 3000 seeds reach each of at most 31).
 */
static void
test_neighbours(void)
{
	int			sizes[CT_NB101_NEIGHBOURS_MAX + 1] = {0};
	int			bad = 0,
				missed = 0,
				outside = 0;
	ct_graph	nb[CT_NB101_NEIGHBOURS_MAX];

	/* by hand: input -> conv3x3 -> output has 3 (the skip edge, two other ops); input -> output none */
	{
		ct_graph	g = graph_of("{\"matrix\": [[0,1,0],[0,0,1],[0,0,0]], \"ops\": [\"input\", \"conv3x3-bn-relu\", \"output\"]}");
		ct_graph	skip = graph_of("{\"matrix\": [[0,1,1],[0,0,1],[0,0,0]], \"ops\": [\"input\", \"conv3x3-bn-relu\", \"output\"]}");
		ct_graph	pool = graph_of("{\"matrix\": [[0,1,0],[0,0,1],[0,0,0]], \"ops\": [\"input\", \"maxpool3x3\", \"output\"]}");
		ct_graph	two;

		CHECK(ct_graph_neighbours(&g, nb, CT_NB101_NEIGHBOURS_MAX) == 3);
		CHECK(ct_graph_cmp(&nb[0], &skip) == 0);	/* edge flips first: 0->2 */
		CHECK(ct_graph_cmp(&nb[2], &pool) == 0);
		/* only the first max are written, the count is the whole */
		CHECK(ct_graph_neighbours(&g, nb, 1) == 3);
		two = graph_of("{\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"output\"]}");
		CHECK(ct_graph_neighbours(&two, nb, CT_NB101_NEIGHBOURS_MAX) == 0);
	}
	/* isomorphic results are one neighbour: two parallel conv3x3 branches, either changed to conv1x1 */
	{
		ct_graph	g = graph_of("{\"matrix\": [[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]], "
								 "\"ops\": [\"input\", \"conv3x3-bn-relu\", \"conv3x3-bn-relu\", \"output\"]}");
		int			n = ct_graph_neighbours(&g, nb, CT_NB101_NEIGHBOURS_MAX);
		int			mixed = 0;

		for (int k = 0; k < n; k++)
			mixed += nb[k].n == 4 && nb[k].edges == g.edges &&
				((nb[k].ops[1] == CT_OP_CONV1X1) + (nb[k].ops[2] == CT_OP_CONV1X1)) == 1 &&
				((nb[k].ops[1] == CT_OP_CONV3X3) + (nb[k].ops[2] == CT_OP_CONV3X3)) == 1;
		CHECK(mixed == 1);
		/*
		 * 6 edge flips: 0->3 and 1->2 added; any of the four path edges
		 * removed prunes a branch, leaving one and the same 3-node cell; 4 op
		 * changes, isomorphic by pairs: 5 cells
		 */
		CHECK(n == 5);
	}
	for (uint64_t seed = 0; seed < 400; seed++)
	{
		ct_graph	g;
		int			n;

		ct_graph_random(seed, &g);
		n = ct_graph_neighbours(&g, nb, CT_NB101_NEIGHBOURS_MAX);
		CHECK(n >= 0 && n <= CT_NB101_NEIGHBOURS_MAX);
		sizes[n]++;
		for (int k = 0; k < n; k++)
		{
			bad += !ct_graph_is_canonical(&nb[k]) || ct_graph_cmp(&nb[k], &g) == 0;
			for (int j = 0; j < k; j++)
				bad += ct_graph_cmp(&nb[j], &nb[k]) == 0;
		}
		/* mutations land on neighbours, and reach every one */
		{
			bool		reached[CT_NB101_NEIGHBOURS_MAX] = {false};

			for (uint64_t s = 0; s < 3000 && n > 0; s++)
			{
				ct_graph	m;
				int			k = 0;

				CHECK(ct_graph_mutate(&g, s, &m, NULL));
				while (k < n && ct_graph_cmp(&nb[k], &m) != 0)
					k++;
				if (k == n)
					outside++;
				else
					reached[k] = true;
			}
			for (int k = 0; k < n; k++)
				missed += !reached[k];
		}
	}
	CHECK(bad == 0);
	CHECK(outside == 0);
	CHECK(missed == 0);
	/* 2-node cells have none; full 7-node cells many */
	CHECK(sizes[0] > 0);
	{
		int			many = 0;

		for (int n = 20; n <= CT_NB101_NEIGHBOURS_MAX; n++)
			many += sizes[n];
		CHECK(many > 0);
	}
}

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
	test_neighbours();
}
