/*
 * graph_text.c
 *	  The text forms of a cell: JSON in and out, Graphviz DOT out.
 */
#include "ctnas_graph.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_json.h"
#include "ctnas_text.h"

#define KEY_HINT "Expected the keys \"matrix\" and \"ops\" (or \"module_adjacency\" and \"module_operations\")."

static bool
parse_matrix(const cJSON *matrix, ct_raw_graph *raw, ct_error *err)
{
	const cJSON *row;
	int			n = cJSON_GetArraySize(matrix);
	int			x = 0;

	if (!cJSON_IsArray(matrix))
		return ct_fail(err, CT_ERR_SYNTAX, "archgraph matrix must be a JSON array of arrays",
					   "The matrix is not a JSON array.");
	if (n > CT_RAW_MAX_NODES)
		return ct_fail(err, CT_ERR_TOO_LARGE, "archgraph input has too many nodes",
					   "The matrix has %d rows; at most %d are accepted before pruning.",
					   n, CT_RAW_MAX_NODES);
	raw->n = n;
	cJSON_ArrayForEach(row, matrix)
	{
		const cJSON *cell;
		int			y = 0;

		if (!cJSON_IsArray(row))
			return ct_fail(err, CT_ERR_SYNTAX, "archgraph matrix must be a JSON array of arrays",
						   "Row %d is not an array.", x);
		if (cJSON_GetArraySize(row) != n)
			return ct_fail(err, CT_ERR_INVALID, "archgraph matrix must be square",
						   "The matrix has %d rows but row %d has %d entries.",
						   n, x, cJSON_GetArraySize(row));
		cJSON_ArrayForEach(cell, row)
		{
			const char *lit = ct_json_literal(cell);
			bool		one;

			if (!cJSON_IsNumber(cell))
				return ct_fail(err, CT_ERR_SYNTAX, "archgraph matrix entries must be numbers",
							   "Entry [%d][%d] is not a number.", x, y);
			if (lit == NULL)	/* a number cJSON made, not one read from text */
			{
				if (cell->valuedouble != 0.0 && cell->valuedouble != 1.0)
					return ct_fail(err, CT_ERR_INVALID, "archgraph matrix must contain only 0 and 1",
								   "Entry [%d][%d] is %g.", x, y, cell->valuedouble);
				one = cell->valuedouble == 1.0;
			}
			else
			{
				/*
				 * Exactly the JSON numbers 0 and 1 as written (NAS-Bench-101's
				 * own JSON has plain integers): 1.0, 0e0, 1e-401 or a
				 * 1.000...01 would otherwise be rounded into 0 or 1 by the
				 * conversion to double.  Another integer is a wrong cell.
				 */
				if (strcmp(lit, "0") != 0 && strcmp(lit, "1") != 0)
				{
					if (ct_json_integer_literal(lit))
						return ct_fail(err, CT_ERR_INVALID, "archgraph matrix must contain only 0 and 1",
									   "Entry [%d][%d] is %.40s%s.", x, y, lit, strlen(lit) > 40 ? "..." : "");
					return ct_fail(err, CT_ERR_SYNTAX, "archgraph matrix entries must be written as 0 or 1",
								   "Entry [%d][%d] is %.40s%s; only the JSON numbers 0 and 1 are accepted.",
								   x, y, lit, strlen(lit) > 40 ? "..." : "");
				}
				one = lit[0] == '1';
			}
			raw->adj[x][y++] = one;
		}
		x++;
	}
	return true;
}

static bool
parse_ops(const cJSON *ops, ct_raw_graph *raw, ct_error *err)
{
	const cJSON *op;
	int			v = 0;

	if (!cJSON_IsArray(ops))
		return ct_fail(err, CT_ERR_SYNTAX, "archgraph ops must be a JSON array of strings",
					   "The ops are not a JSON array.");
	if (cJSON_GetArraySize(ops) != raw->n)
		return ct_fail(err, CT_ERR_INVALID, "archgraph needs one operation per node",
					   "The matrix has %d rows but there are %d operations.",
					   raw->n, cJSON_GetArraySize(ops));
	cJSON_ArrayForEach(op, ops)
	{
		int			code;

		if (!cJSON_IsString(op))
			return ct_fail(err, CT_ERR_SYNTAX, "archgraph ops must be a JSON array of strings",
						   "Operation %d is not a string.", v);
		code = ct_op_from_name(op->valuestring, strlen(op->valuestring));
		if (code < 0)
			return ct_fail(err, CT_ERR_INVALID, "archgraph has an unknown operation",
						   "Node %d is \"%.60s\"; known operations are input, output, conv3x3-bn-relu, conv1x1-bn-relu and maxpool3x3.",
						   v, op->valuestring);
		raw->ops[v++] = (uint8_t) code;
	}
	return true;
}

bool
ct_raw_graph_from_json_root(const void *json, ct_raw_graph *raw, ct_error *err)
{
	const cJSON *root = json;
	const cJSON *item;
	const cJSON *matrix = NULL;
	const cJSON *ops = NULL;

	memset(raw, 0, sizeof(*raw));
	if (!cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_SYNTAX, "archgraph must be a JSON object", KEY_HINT);
	cJSON_ArrayForEach(item, root)
	{
		const cJSON **slot;

		if (strcmp(item->string, "space") == 0)
			continue;			/* "nb101", checked by ct_arch_from_cjson */
		if (strcmp(item->string, "matrix") == 0 || strcmp(item->string, "module_adjacency") == 0)
			slot = &matrix;
		else if (strcmp(item->string, "ops") == 0 || strcmp(item->string, "module_operations") == 0)
			slot = &ops;
		else
			return ct_fail(err, CT_ERR_SYNTAX, "archgraph has an unknown key",
						   "Unknown key \"%.60s\". " KEY_HINT, item->string);
		if (*slot != NULL)
			return ct_fail(err, CT_ERR_SYNTAX, "archgraph has a duplicate key",
						   "Key \"%.60s\" repeats or conflicts with \"%.60s\".",
						   item->string, (*slot)->string);
		*slot = item;
	}
	if (matrix == NULL || ops == NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "archgraph is missing a key", KEY_HINT);
	return ct_raw_graph_from_cjson(matrix, ops, raw, err);
}

bool
ct_raw_graph_from_cjson(const void *matrix, const void *ops, ct_raw_graph *raw, ct_error *err)
{
	memset(raw, 0, sizeof(*raw));
	return parse_matrix(matrix, raw, err) && parse_ops(ops, raw, err);
}

bool
ct_raw_graph_parse_json(const char *text, ct_raw_graph *raw, ct_error *err)
{
	cJSON	   *root;
	bool		ok;

	memset(raw, 0, sizeof(*raw));
	root = ct_json_parse_text(text, "archgraph", err);
	if (root == NULL)
		return false;
	ok = ct_raw_graph_from_json_root(root, raw, err);
	cJSON_Delete(root);
	return ok;
}

bool
ct_graph_parse_json(const char *text, ct_graph *out, ct_error *err)
{
	ct_raw_graph raw;

	return ct_raw_graph_parse_json(text, &raw, err) && ct_graph_from_raw(&raw, out, err);
}

size_t
ct_graph_to_json(const ct_graph *g, char *buf, size_t size)
{
	size_t		len = 0;

	len = ct_text_put(buf, size, len, "{\"matrix\":[");
	for (int x = 0; x < g->n; x++)
	{
		len = ct_text_put(buf, size, len, x ? ",[" : "[");
		for (int y = 0; y < g->n; y++)
		{
			if (y)
				len = ct_text_put(buf, size, len, ",");
			len = ct_text_put(buf, size, len, ct_graph_has_edge(g, x, y) ? "1" : "0");
		}
		len = ct_text_put(buf, size, len, "]");
	}
	len = ct_text_put(buf, size, len, "],\"ops\":[");
	for (int v = 0; v < g->n; v++)
	{
		len = ct_text_put(buf, size, len, v ? ",\"" : "\"");
		len = ct_text_put(buf, size, len, ct_op_name(g->ops[v]));
		len = ct_text_put(buf, size, len, "\"");
	}
	return ct_text_put(buf, size, len, "]}");
}

size_t
ct_graph_to_dot(const ct_graph *g, char *buf, size_t size)
{
	char		line[96];
	size_t		len = 0;

	len = ct_text_put(buf, size, len, "digraph archgraph {\n  node [shape=box];\n");
	for (int v = 0; v < g->n; v++)
	{
		snprintf(line, sizeof(line), "  n%d [label=\"%s\"];\n", v, ct_op_name(g->ops[v]));
		len = ct_text_put(buf, size, len, line);
	}
	for (int y = 1; y < g->n; y++)
		for (int x = 0; x < y; x++)
			if (ct_graph_has_edge(g, x, y))
			{
				snprintf(line, sizeof(line), "  n%d -> n%d;\n", x, y);
				len = ct_text_put(buf, size, len, line);
			}
	return ct_text_put(buf, size, len, "}\n");
}
