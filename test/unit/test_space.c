/*
 * test_space.c
 *	  The search-space interface: the registry, text input finding its space,
 *	  and the NAS-Bench-101 adapter giving exactly 0.1.0's identity, order
 *	  and NAC input.
 */
#include "unit.h"

#include <stdlib.h>

#include "ctnas_graph.h"
#include "ctnas_nac.h"
#include "ctnas_space.h"
#include "sample_csv.h"

static sample_row rows[5100];

static int
cmp_graph_rows(const void *a, const void *b)
{
	return ct_graph_cmp(&((const sample_row *) a)->graph, &((const sample_row *) b)->graph);
}

static void
test_registry(void)
{
	CHECK(ct_space_by_id(CT_SPACE_NB101) == &ct_space_nb101);
	CHECK(ct_space_by_name("nb101") == &ct_space_nb101);
	CHECK(ct_space_by_name("NB101") == NULL && ct_space_by_id(0) == NULL && ct_space_by_id(200) == NULL);
	CHECK(ct_space_nth(0) == &ct_space_nb101);
	for (int i = 0; ct_space_nth(i) != NULL; i++)
	{
		const ct_space *sp = ct_space_nth(i);

		CHECK(ct_space_by_id(sp->id) == sp && ct_space_by_name(sp->name) == sp);
		CHECK(strstr(ct_space_names(), sp->name) != NULL);
		/* branch mlp's placeholder of the OFA space (space_ofa.c) has no sampler, controller or graph */
		if (sp->id == CT_SPACE_OFA && sp->random == NULL)
			continue;
		CHECK(sp->random != NULL && sp->mutate != NULL && sp->neighbours != NULL);
		/* the NAC and the controller: every space */
		CHECK(sp->program != NULL && sp->to_dag != NULL);
	}
}

/* The encoding of every sample cell: round trip, validity, memcmp order = ct_graph_cmp, equal iff equal. */
static void
test_nb101_encoding(void)
{
	int			bad_round = 0,
				bad_order = 0,
				bad_valid = 0;

	qsort(rows, 5100, sizeof(sample_row), cmp_graph_rows);
	for (int i = 0; i < 5100; i++)
	{
		ct_graph	back;
		ct_arch		a = rows[i].cell;

		ct_nb101_graph(&a, &back);
		bad_round += ct_graph_cmp(&back, &rows[i].graph) != 0;
		bad_valid += !ct_space_nb101.valid(&a);
		if (i > 0)
		{
			int			want = ct_graph_cmp(&rows[i - 1].graph, &rows[i].graph);
			int			got = ct_arch_cmp(&rows[i - 1].cell, &rows[i].cell);

			bad_order += want != got;
		}
	}
	CHECK(bad_round == 0);
	CHECK(bad_valid == 0);
	CHECK(bad_order == 0);
	/* damaged encodings are not valid: a stray byte past len, a wrong length, a non-canonical numbering */
	{
		ct_arch		a = rows[100].cell;

		a.bytes[a.len] = 1;
		CHECK(!ct_space_nb101.valid(&a));
		a = rows[100].cell;
		a.len++;
		CHECK(!ct_space_nb101.valid(&a));
		a = rows[100].cell;
		a.bytes[0] = 9;
		CHECK(!ct_space_nb101.valid(&a));
	}
}

/* The NAC reads the same graph as 0.1.0: its op ids, and an edge u -> v as bit u of node v. */
static void
test_nb101_dag(void)
{
	int			bad = 0;

	for (int i = 0; i < 5100; i += 7)
	{
		const ct_graph *g = &rows[i].graph;
		ct_dag		d;

		ct_space_nb101.to_dag(&rows[i].cell, 0, &d);
		bad += d.n != g->n || d.op[0] != CT_NAC_OP_INPUT || d.op[g->n - 1] != CT_NAC_OP_OUTPUT;
		for (int v = 0; v < g->n; v++)
			for (int u = 0; u < g->n; u++)
				bad += ((d.pred[v] >> u) & 1u) != (u < v && ct_graph_has_edge(g, u, v));
	}
	CHECK(bad == 0);
}

static void
test_text_dispatch(void)
{
	ct_arch		a,
				b;
	ct_error	err;
	char		text[CT_ARCH_TEXT_MAX];

	/* NAS-Bench-101's keys, with or without "space" */
	CHECK(ct_arch_parse("{\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"output\"]}", &a, &err));
	CHECK(a.space == CT_SPACE_NB101);
	CHECK(ct_arch_parse(" {\"space\": \"nb101\", \"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"output\"]}", &b, &err));
	CHECK(ct_arch_eq(&a, &b));
	ct_arch_to_text(&a, text, sizeof(text));
	CHECK_STR(text, "{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}");
	/* an unknown space, a space that is not a string */
	CHECK(!ct_arch_parse("{\"space\": \"nb999\", \"matrix\": [[0,1],[0,0]]}", &a, &err) &&
		  err.kind == CT_ERR_INVALID && strstr(err.detail, "nb101") != NULL);
	CHECK(!ct_arch_parse("{\"space\": 1}", &a, &err) && err.kind == CT_ERR_INVALID);
	/* 0.1.0's errors for JSON that is not a cell stay as they were */
	CHECK(!ct_arch_parse("{\"matrix\": [[0,1],[0,0]]}", &a, &err) && err.kind == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "archgraph is missing a key");
	CHECK(!ct_arch_parse("{\"matrix\": ", &a, &err) && err.kind == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "archgraph is not valid JSON");
	CHECK(!ct_arch_parse("[1, 2]", &a, &err));
	CHECK_STR(err.message, "archgraph must be a JSON object");
	CHECK(!ct_arch_parse("{\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"output\\u0000\"]}", &a, &err));
	CHECK_STR(err.message, "archgraph text contains an escaped NUL character");
	/* a text that is neither JSON nor a space's own form names the forms accepted */
	CHECK(!ct_arch_parse("conv3x3", &a, &err) && err.kind == CT_ERR_SYNTAX);
	CHECK(strstr(err.detail, "NAS-Bench-101") != NULL && strstr(err.detail, "\"matrix\"") != NULL);
	CHECK(!ct_arch_parse("", &a, &err) && err.kind == CT_ERR_SYNTAX);
}

/*
 * Neighbours through the interface, for every space: valid encodings of the
 * space, distinct, never the architecture itself, at most the bound, the
 * first max written when max is smaller; NB101's the graph module's, NB201's
 * always 24.
 */
static void
test_neighbours(void)
{
	for (int i = 0; ct_space_nth(i) != NULL; i++)
	{
		const ct_space *sp = ct_space_nth(i);
		int			bad = 0;

		if (sp->id == CT_SPACE_OFA && sp->random == NULL)
			continue;			/* branch mlp's placeholder: no sampler */

		for (uint64_t seed = 0; seed < 300; seed++)
		{
			ct_arch		a,
						nb[CT_SPACE_NEIGHBOURS_MAX],
						few[3];
			int			n,
						again;

			sp->random(seed, &a);
			n = sp->neighbours(&a, nb, CT_SPACE_NEIGHBOURS_MAX);
			bad += n < 0 || n > CT_SPACE_NEIGHBOURS_MAX;
			for (int k = 0; k < n; k++)
			{
				bad += !sp->valid(&nb[k]) || nb[k].space != sp->id || ct_arch_eq(&nb[k], &a);
				for (int j = 0; j < k; j++)
					bad += ct_arch_eq(&nb[j], &nb[k]);
			}
			again = sp->neighbours(&a, few, 3);
			bad += again != n;
			for (int k = 0; k < 3 && k < n; k++)
				bad += !ct_arch_eq(&few[k], &nb[k]);
			if (sp->id == CT_SPACE_NB201)
				bad += n != 24;
			else if (sp->id == CT_SPACE_DARTS)
				bad += n != 120;	/* NASLib's get_nbhd; test_space_darts checks them */
			else
			{
				ct_graph	g,
							gn[CT_NB101_NEIGHBOURS_MAX];

				ct_nb101_graph(&a, &g);
				bad += ct_graph_neighbours(&g, gn, CT_NB101_NEIGHBOURS_MAX) != n;
				for (int k = 0; k < n; k++)
				{
					ct_arch		want;

					ct_nb101_arch(&gn[k], &want);
					bad += !ct_arch_eq(&want, &nb[k]);
				}
			}
		}
		CHECK(bad == 0);
	}
}

void
test_space(void)
{
	CHECK(sample_csv_read("data/nb101_sample.csv", rows, 5100) == 5100);
	test_registry();
	test_nb101_encoding();
	test_nb101_dag();
	test_text_dispatch();
	test_neighbours();
}
