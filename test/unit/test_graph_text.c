/*
 * test_graph_text.c
 *	  JSON parsing and printing, and Graphviz output.
 */
#include "unit.h"

#include "ctnas_graph.h"
#include "ctnas_json.h"

#include <cjson/cJSON.h>
#include <stdint.h>

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
	CHECK(parse_kind("{\"matrix\":[[0,1e300],[0,0]],\"ops\":[\"input\",\"output\"]}") == CT_ERR_SYNTAX);
	/* an entry must be the JSON number 0 or 1 as written: nothing that a double rounds to 0 or 1 */
	{
		const char *bad_syntax[] = {"1e-401", "1.0", "0e0", "1E0", "0.0", "1.0000000000000000000000001", "-0.0", "1e0"};
		const char *bad_value[] = {"2", "-1", "-0", "12345678901234567890123"};
		char		text[256];
		ct_graph	g;
		ct_error	err;

		for (size_t i = 0; i < sizeof(bad_syntax) / sizeof(bad_syntax[0]); i++)
		{
			snprintf(text, sizeof(text), "{\"matrix\":[[0,%s],[0,0]],\"ops\":[\"input\",\"output\"]}", bad_syntax[i]);
			CHECK(!ct_graph_parse_json(text, &g, &err) && err.kind == CT_ERR_SYNTAX &&
				  strstr(err.detail, "Entry [0][1]") != NULL && strstr(err.detail, bad_syntax[i]) != NULL);
			snprintf(text, sizeof(text), "{\"matrix\":[[%s,1],[0,0]],\"ops\":[\"input\",\"output\"]}", bad_syntax[i]);
			CHECK(!ct_graph_parse_json(text, &g, &err) && err.kind == CT_ERR_SYNTAX && strstr(err.detail, "Entry [0][0]") != NULL);
		}
		for (size_t i = 0; i < sizeof(bad_value) / sizeof(bad_value[0]); i++)
		{
			snprintf(text, sizeof(text), "{\"matrix\":[[0,%s],[0,0]],\"ops\":[\"input\",\"output\"]}", bad_value[i]);
			CHECK(!ct_graph_parse_json(text, &g, &err) && err.kind == CT_ERR_INVALID && strstr(err.detail, "Entry [0][1]") != NULL);
		}
		/* 1,000 digits: refused, whatever cJSON makes of it */
		{
			static char longtext[1200];
			int			n = snprintf(longtext, sizeof(longtext), "{\"matrix\":[[0,1.");

			memset(longtext + n, '0', 1000);
			snprintf(longtext + n + 1000, sizeof(longtext) - n - 1000, "1],[0,0]],\"ops\":[\"input\",\"output\"]}");
			CHECK(parse_kind(longtext) == CT_ERR_SYNTAX);
		}
		/* numbers inside strings do not confuse the pairing of literals and items */
		CHECK(parse_kind("{\"ops\":[\"input\",\"output\"],\"matrix\":[[0,1],[0,0]]}") == CT_OK);
		CHECK(parse_kind("{\"ops\":[\"in-1e5\\\"2\",\"output\"],\"matrix\":[[0,1],[0,0]]}") == CT_ERR_INVALID);
	}
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
test_json_numbers(void)
{
	const char *text = "{\"a\": 3, \"s\": \"x1e5\\\"7\", \"b\": [1e-401, 3.0, -12, 0.25, 1e400, 9007199254740993, 0e5, -0]}";
	cJSON	   *root = ct_json_parse(text, strlen(text), NULL, true);
	const cJSON *b;
	int64_t		v = 0;
	double		x = 0;

	CHECK(root != NULL);
	if (root == NULL)
		return;
	b = cJSON_GetObjectItemCaseSensitive(root, "b");
	CHECK_STR(ct_json_literal(cJSON_GetObjectItemCaseSensitive(root, "a")), "3");
	CHECK_STR(ct_json_literal(cJSON_GetArrayItem(b, 0)), "1e-401");
	CHECK_STR(ct_json_literal(cJSON_GetArrayItem(b, 5)), "9007199254740993");
	CHECK(ct_json_literal(cJSON_GetObjectItemCaseSensitive(root, "s")) == NULL);
	CHECK(ct_json_int(cJSON_GetObjectItemCaseSensitive(root, "a"), 0, 10, &v) && v == 3);
	CHECK(!ct_json_int(cJSON_GetObjectItemCaseSensitive(root, "a"), 4, 10, &v));
	CHECK(!ct_json_int(cJSON_GetArrayItem(b, 0), 0, 10, &v));	/* 1e-401 is not 0 */
	CHECK(!ct_json_int(cJSON_GetArrayItem(b, 1), 0, 10, &v));	/* 3.0 is not written as an integer */
	CHECK(ct_json_int(cJSON_GetArrayItem(b, 2), -100, 100, &v) && v == -12);
	CHECK(!ct_json_int(cJSON_GetArrayItem(b, 5), 0, INT64_C(9007199254740992), &v));	/* not rounded into range */
	CHECK(!ct_json_int(cJSON_GetArrayItem(b, 6), 0, 10, &v));
	CHECK(ct_json_int(cJSON_GetArrayItem(b, 7), 0, 10, &v) && v == 0);
	CHECK(!ct_json_real(cJSON_GetArrayItem(b, 0), &x));	/* underflow */
	CHECK(ct_json_real(cJSON_GetArrayItem(b, 3), &x) && x == 0.25);
	CHECK(!ct_json_real(cJSON_GetArrayItem(b, 4), &x));	/* overflow */
	CHECK(ct_json_real(cJSON_GetArrayItem(b, 6), &x) && x == 0);	/* 0e5 is zero */
	{
		cJSON	   *copy = cJSON_Duplicate(b, 1);

		CHECK_STR(ct_json_literal(cJSON_GetArrayItem(copy, 1)), "3.0");
		cJSON_Delete(copy);
	}
	cJSON_Delete(root);
	CHECK(ct_json_parse("[1, 2", 5, NULL, true) == NULL);
	CHECK(ct_json_parse("[1] x", 5, NULL, true) == NULL);
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
	test_json_numbers();
	test_dot();
}
