/*
 * test_graph_text.c
 *	  JSON parsing and printing, and Graphviz output.
 */
#include "unit.h"

#include "ctnas_graph.h"

static ct_error_kind
parse_kind(const char *text)
{
	ct_graph	g;
	ct_error	err;

	if (ct_graph_parse_json(text, &g, &err))
		return CT_OK;
	return err.kind;
}

static void
test_round_trip(void)
{
	const char *canon = "{\"matrix\":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"
		"\"ops\":[\"input\",\"conv3x3-bn-relu\",\"maxpool3x3\",\"output\"]}";
	const char *nb101 = "{ \"module_operations\": [\"input\", \"maxpool3x3\", \"conv3x3-bn-relu\", \"output\"],\n"
		"  \"module_adjacency\": [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]] }";
	char		buf[CT_GRAPH_JSON_MAX];
	ct_graph	g;
	size_t		len;

	CHECK(ct_graph_parse_json(canon, &g, NULL));
	len = ct_graph_to_json(&g, buf, sizeof(buf));
	CHECK(len == strlen(canon));
	CHECK_STR(buf, canon);
	CHECK(ct_graph_parse_json(nb101, &g, NULL));
	ct_graph_to_json(&g, buf, sizeof(buf));
	CHECK_STR(buf, canon);

	/* too small a buffer: nothing past its end is written, the needed length is returned */
	memset(buf, '#', sizeof(buf));
	len = ct_graph_to_json(&g, buf, 10);
	CHECK(len == strlen(canon));
	CHECK(buf[10] == '#');
}

static void
test_parse_errors(void)
{
	CHECK(parse_kind("") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{") == CT_ERR_SYNTAX);
	CHECK(parse_kind("null") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]]}") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"],\"x\":0}") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]} 1") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,\"1\"],[0,0]],\"ops\":[\"input\",\"output\"]}") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",null]}") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"],\"ops\":[]}") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0]],\"ops\":[\"input\",\"output\"]}") == CT_ERR_INVALID);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\"]}") == CT_ERR_INVALID);
	CHECK(parse_kind("{\"matrix\":[[0,1e300],[0,0]],\"ops\":[\"input\",\"output\"]}") == CT_ERR_INVALID);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"Output\"]}") == CT_ERR_INVALID);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\\u0000\"]}") == CT_ERR_SYNTAX);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"out\\\\u0000put\"]}") == CT_ERR_INVALID);
	CHECK(parse_kind("{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}") == CT_OK);
	/* deep nesting is an error, not a stack overflow */
	{
		static char deep[20000];

		memset(deep, '[', sizeof(deep) - 1);
		CHECK(parse_kind(deep) == CT_ERR_SYNTAX);
	}
}

static void
test_dot(void)
{
	ct_graph	g;
	char		buf[CT_GRAPH_DOT_MAX];

	CHECK(ct_graph_parse_json("{\"matrix\":[[0,1,0],[0,0,1],[0,0,0]],\"ops\":[\"input\",\"maxpool3x3\",\"output\"]}", &g, NULL));
	ct_graph_to_dot(&g, buf, sizeof(buf));
	CHECK_STR(buf, "digraph archgraph {\n  node [shape=box];\n"
			  "  n0 [label=\"input\"];\n  n1 [label=\"maxpool3x3\"];\n  n2 [label=\"output\"];\n"
			  "  n0 -> n1;\n  n1 -> n2;\n}\n");
}

void
test_graph_text(void)
{
	test_round_trip();
	test_parse_errors();
	test_dot();
}
