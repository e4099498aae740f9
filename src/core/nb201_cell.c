/*
 * nb201_cell.c
 *	  NAS-Bench-201 cells: op names, the benchmark string, JSON, the
 *	  benchmark index and its bytes, sampling, mutation, the GCN's graph and
 *	  DOT (see ctnas_nb201.h).  The isomorphism classes are in
 *	  nb201_canonical.c.
 */
#include "nb201_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_json.h"
#include "ctnas_rng.h"
#include "ctnas_text.h"

const uint8_t ct_nb201_edge_from[CT_NB201_NUM_EDGES] = {0, 0, 1, 0, 1, 2};
const uint8_t ct_nb201_edge_to[CT_NB201_NUM_EDGES] = {1, 2, 2, 3, 3, 3};

static const char *const op_names[CT_NB201_NUM_OPS] = {
	[CT_NB201_NONE] = "none",
	[CT_NB201_SKIP_CONNECT] = "skip_connect",
	[CT_NB201_NOR_CONV_1X1] = "nor_conv_1x1",
	[CT_NB201_NOR_CONV_3X3] = "nor_conv_3x3",
	[CT_NB201_AVG_POOL_3X3] = "avg_pool_3x3",
};

#define KNOWN_OPS "known operations are none, skip_connect, nor_conv_1x1, nor_conv_3x3 and avg_pool_3x3"

const char *
ct_nb201_op_name(int op)
{
	return (op >= 0 && op < CT_NB201_NUM_OPS) ? op_names[op] : NULL;
}

int
ct_nb201_op_from_name(const char *name, size_t len)
{
	for (int op = 0; op < CT_NB201_NUM_OPS; op++)
		if (strlen(op_names[op]) == len && memcmp(op_names[op], name, len) == 0)
			return op;
	return -1;
}

bool
ct_nb201_cell_is_valid(const ct_nb201_cell *c)
{
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		if (c->ops[e] >= CT_NB201_NUM_OPS)
			return false;
	return true;
}

/* ---- the benchmark string ------------------------------------------- */

/* The end of the token at p: the first '~', '|', '+' or the end. */
static size_t
token_end(const char *text, size_t len, size_t p)
{
	while (p < len && text[p] != '~' && text[p] != '|' && text[p] != '+')
		p++;
	return p;
}

#define SYNTAX_HINT "An NB201 cell is written |op~0|+|op~0|op~1|+|op~0|op~1|op~2|."

bool
ct_nb201_parse(const char *text, size_t len, ct_nb201_cell *out, ct_error *err)
{
	char		q[200];
	size_t		p = 0;
	int			e = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture contains a NUL byte",
					   "Byte %ld is NUL.", (long) ((const char *) memchr(text, '\0', len) - text) + 1);
	if (len == 0)
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture is empty", SYNTAX_HINT);
	for (int j = 1; j <= 3; j++)
	{
		if (p >= len || text[p] != '|')
		{
			ct_text_excerpt(text, len, p, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "invalid nb201 architecture",
						   "Node %d must start with \"|\" at character %ld, found \"%s\". " SYNTAX_HINT,
						   j, (long) p + 1, q);
		}
		p++;
		for (int i = 0; i < j; i++, e++)
		{
			size_t		start = p;
			size_t		end = token_end(text, len, p);
			size_t		digits;
			int			op;

			if (end == start || end >= len || text[end] != '~')
			{
				/* no "op~": the node ended early, or something else is here */
				if (start >= len || text[start] == '+')
					return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture node has too few inputs",
								   "Node %d has %d input%s; it needs %d (~0..~%d). " SYNTAX_HINT,
								   j, i, i == 1 ? "" : "s", j, j - 1);
				ct_text_excerpt(text, len, start, q, sizeof(q));
				return ct_fail(err, CT_ERR_SYNTAX, "invalid nb201 architecture",
							   "Expected \"op~%d|\" for edge %d<-%d at character %ld, found \"%s\". " SYNTAX_HINT,
							   i, j, i, (long) start + 1, q);
			}
			op = ct_nb201_op_from_name(text + start, end - start);
			if (op < 0)
			{
				ct_text_excerpt(text + start, end - start, 0, q, sizeof(q));
				return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has an unknown operation",
							   "Edge %d<-%d is \"%s\"; " KNOWN_OPS ".", j, i, q);
			}
			p = end + 1;		/* past '~' */
			digits = 0;
			while (p + digits < len && text[p + digits] >= '0' && text[p + digits] <= '9')
				digits++;
			if (digits != 1 || text[p] != '0' + i)
			{
				size_t		stop = token_end(text, len, p);

				ct_text_excerpt(text, stop, p, q, sizeof(q));
				return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has a wrong input node index",
							   "Input %d of node %d is \"%s~%s\"; it must read node %d (\"~%d\"): the inputs of node %d are ~0..~%d in this order.",
							   i + 1, j, op_names[op], q, i, i, j, j - 1);
			}
			p++;
			if (p >= len || text[p] != '|')
			{
				ct_text_excerpt(text, len, p, q, sizeof(q));
				return ct_fail(err, CT_ERR_SYNTAX, "invalid nb201 architecture",
							   "Expected \"|\" after \"%s~%d\" at character %ld, found \"%s\". " SYNTAX_HINT,
							   op_names[op], i, (long) p + 1, q);
			}
			p++;
			out->ops[e] = (uint8_t) op;
		}
		/* node j is complete: next comes "+", or the end after node 3 */
		if (p < len && text[p] != '+')
		{
			ct_text_excerpt(text, len, p, q, sizeof(q));
			if (token_end(text, len, p) < len && text[token_end(text, len, p)] == '~')
				return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture node has too many inputs",
							   "Node %d has more than %d input%s: \"%s\". " SYNTAX_HINT,
							   j, j, j == 1 ? "" : "s", q);
			return ct_fail(err, CT_ERR_SYNTAX, j < 3 ? "nb201 architecture has unexpected text" :
						   "nb201 architecture has trailing text",
						   "Unexpected \"%s\" at character %ld after node %d. " SYNTAX_HINT,
						   q, (long) p + 1, j);
		}
		if (j < 3)
		{
			if (p >= len)
				return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has too few nodes",
							   "It ends after node %d; a cell has nodes 1, 2 and 3. " SYNTAX_HINT, j);
			p++;				/* past '+' */
		}
		else if (p < len)
		{
			ct_text_excerpt(text, len, p, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has too many nodes",
						   "Text continues after node 3: \"%s\". " SYNTAX_HINT, q);
		}
	}
	return true;
}

size_t
ct_nb201_to_str(const ct_nb201_cell *c, char *buf, size_t size)
{
	size_t		len = 0;
	int			e = 0;

	if (size > 0)
		buf[0] = '\0';
	for (int j = 1; j <= 3; j++)
	{
		len = ct_text_put(buf, size, len, j > 1 ? "+|" : "|");
		for (int i = 0; i < j; i++, e++)
		{
			char		tail[4] = {'~', (char) ('0' + i), '|', '\0'};
			const char *name = ct_nb201_op_name(c->ops[e]);

			len = ct_text_put(buf, size, len, name != NULL ? name : "?");
			len = ct_text_put(buf, size, len, tail);
		}
	}
	return len;
}

/* ---- JSON ------------------------------------------------------------- */

#define KEY_HINT "Expected {\"space\": \"nb201\", \"arch\": \"<NB201 string>\"} or {\"space\": \"nb201\", \"ops\": [six op names]}."

static bool
ops_from_array(const cJSON *ops, ct_nb201_cell *out, ct_error *err)
{
	const cJSON *item;
	int			e = 0;

	if (!cJSON_IsArray(ops))
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 \"ops\" must be a JSON array of strings",
					   "\"ops\" is not an array. " KEY_HINT);
	if (cJSON_GetArraySize(ops) != CT_NB201_NUM_EDGES)
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 \"ops\" must have six operations",
					   "\"ops\" has %d; an NB201 cell has one per edge 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.",
					   cJSON_GetArraySize(ops));
	cJSON_ArrayForEach(item, ops)
	{
		char		q[200];
		int			op;

		if (!cJSON_IsString(item))
			return ct_fail(err, CT_ERR_SYNTAX, "nb201 \"ops\" must be a JSON array of strings",
						   "Operation %d (edge %d<-%d) is not a string.", e,
						   ct_nb201_edge_to[e], ct_nb201_edge_from[e]);
		op = ct_nb201_op_from_name(item->valuestring, strlen(item->valuestring));
		if (op < 0)
		{
			ct_text_excerpt(item->valuestring, strlen(item->valuestring), 0, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has an unknown operation",
						   "Operation %d (edge %d<-%d) is \"%s\"; " KNOWN_OPS ".", e,
						   ct_nb201_edge_to[e], ct_nb201_edge_from[e], q);
		}
		out->ops[e++] = (uint8_t) op;
	}
	return true;
}

bool
ct_nb201_from_cjson(const void *object, ct_nb201_cell *out, ct_error *err)
{
	const cJSON *root = object;
	const cJSON *item;
	const cJSON *space = NULL;
	const cJSON *arch = NULL;
	const cJSON *ops = NULL;
	char		q[200];

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture must be a JSON object", KEY_HINT);
	cJSON_ArrayForEach(item, root)
	{
		const cJSON **slot;

		if (strcmp(item->string, "space") == 0)
			slot = &space;
		else if (strcmp(item->string, "arch") == 0)
			slot = &arch;
		else if (strcmp(item->string, "ops") == 0)
			slot = &ops;
		else
		{
			ct_text_excerpt(item->string, strlen(item->string), 0, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has an unknown key",
						   "Unknown key \"%s\"; the keys are \"space\", and \"arch\" or \"ops\". " KEY_HINT, q);
		}
		if (*slot != NULL)
			return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has a duplicate key",
						   "Key \"%s\" appears twice. " KEY_HINT, item->string);
		*slot = item;
	}
	if (space == NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture is missing the key \"space\"", KEY_HINT);
	if (!cJSON_IsString(space) || strcmp(space->valuestring, "nb201") != 0)
	{
		if (cJSON_IsString(space))
			ct_text_excerpt(space->valuestring, strlen(space->valuestring), 0, q, sizeof(q));
		else
			snprintf(q, sizeof(q), "a JSON %s", cJSON_IsNumber(space) ? "number" : cJSON_IsNull(space) ? "null" : "non-string");
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has the wrong \"space\"",
					   "\"space\" is %s%s%s; it must be \"nb201\".",
					   cJSON_IsString(space) ? "\"" : "", q, cJSON_IsString(space) ? "\"" : "");
	}
	if (arch != NULL && ops != NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture has both \"arch\" and \"ops\"",
					   "Give one of them. " KEY_HINT);
	if (arch == NULL && ops == NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 architecture needs \"arch\" or \"ops\"", KEY_HINT);
	if (ops != NULL)
		return ops_from_array(ops, out, err);
	if (!cJSON_IsString(arch))
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 \"arch\" must be a JSON string", KEY_HINT);
	return ct_nb201_parse(arch->valuestring, strlen(arch->valuestring), out, err);
}

bool
ct_nb201_parse_json(const char *text, ct_nb201_cell *out, ct_error *err)
{
	cJSON	   *root;
	bool		ok;

	memset(out, 0, sizeof(*out));
	root = ct_json_parse_text(text, "archgraph", err);
	if (root == NULL)
		return false;
	ok = ct_nb201_from_cjson(root, out, err);
	cJSON_Delete(root);
	return ok;
}

size_t
ct_nb201_to_json(const ct_nb201_cell *c, char *buf, size_t size)
{
	char		s[CT_NB201_STR_MAX];
	size_t		len = 0;

	ct_nb201_to_str(c, s, sizeof(s));
	len = ct_text_put(buf, size, len, "{\"space\":\"nb201\",\"arch\":\"");
	len = ct_text_put(buf, size, len, s);
	return ct_text_put(buf, size, len, "\"}");
}

/* ---- the benchmark's index -------------------------------------------- */

static uint16_t index_of_code[CT_NB201_NUM_CELLS];
static bool index_of_code_ready = false;

int
ct_nb201_code(const ct_nb201_cell *c)
{
	int			code = 0;

	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		code = code * CT_NB201_NUM_OPS + c->ops[e];
	return code;
}

void
ct_nb201_from_code(int code, ct_nb201_cell *out)
{
	for (int e = CT_NB201_NUM_EDGES - 1; e >= 0; e--)
	{
		out->ops[e] = (uint8_t) (code % CT_NB201_NUM_OPS);
		code /= CT_NB201_NUM_OPS;
	}
}

int
ct_nb201_index(const ct_nb201_cell *c)
{
	if (!ct_nb201_cell_is_valid(c))
		return -1;
	if (!index_of_code_ready)
	{
		for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
			index_of_code[ct_nb201_code_of_index[i]] = (uint16_t) i;
		index_of_code_ready = true;
	}
	return index_of_code[ct_nb201_code(c)];
}

bool
ct_nb201_from_index(int64_t index, ct_nb201_cell *out, ct_error *err)
{
	if (index < 0 || index >= CT_NB201_NUM_CELLS)
	{
		memset(out, 0, sizeof(*out));
		return ct_fail(err, CT_ERR_INVALID, "nb201 index is out of range",
					   "The index is %lld; NAS-Bench-201 indexes are 0 to %d.",
					   (long long) index, CT_NB201_NUM_CELLS - 1);
	}
	ct_nb201_from_code(ct_nb201_code_of_index[index], out);
	return true;
}

int
ct_nb201_cmp(const ct_nb201_cell *a, const ct_nb201_cell *b)
{
	int			x = ct_nb201_index(a);
	int			y = ct_nb201_index(b);

	return (x > y) - (x < y);
}

void
ct_nb201_encode(const ct_nb201_cell *c, uint8_t out[CT_NB201_BYTES])
{
	int			index = ct_nb201_index(c);

	out[0] = (uint8_t) (index >> 8);
	out[1] = (uint8_t) index;
}

bool
ct_nb201_decode(const uint8_t *in, size_t len, ct_nb201_cell *out, ct_error *err)
{
	if (len != CT_NB201_BYTES)
	{
		memset(out, 0, sizeof(*out));
		return ct_fail(err, CT_ERR_SYNTAX, "nb201 binary value has the wrong length",
					   "It has %zu bytes; an NB201 cell is %d.", len, CT_NB201_BYTES);
	}
	return ct_nb201_from_index(((int) in[0] << 8) | in[1], out, err);
}

/* ---- sampling and mutation -------------------------------------------- */

void
ct_nb201_random(uint64_t seed, ct_nb201_cell *out)
{
	ct_rng		rng;

	ct_rng_seed(&rng, seed);
	/* R_EA.py random_architecture: for node i in 1..3, for input j < i: random.choice(op_names) */
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		out->ops[e] = (uint8_t) ct_rng_below(&rng, CT_NB201_NUM_OPS);
}

void
ct_nb201_mutate(const ct_nb201_cell *c, uint64_t seed, ct_nb201_cell *out)
{
	ct_rng		rng;
	int			node,
				input,
				e,
				op;

	ct_rng_seed(&rng, seed);
	*out = *c;
	/* R_EA.py mutate_arch_func: node_id = random.randint(0, len(nodes) - 1), i.e. node 1..3 */
	node = 1 + (int) ct_rng_below(&rng, 3);
	/* snode_id = random.randint(0, len(node_info) - 1): one of the node's inputs */
	input = (int) ct_rng_below(&rng, (uint32_t) node);
	e = node * (node - 1) / 2 + input;	/* edge node<-input in string order */
	/* xop = random.choice(op_names), drawn again while it equals the old op */
	do
		op = (int) ct_rng_below(&rng, CT_NB201_NUM_OPS);
	while (op == c->ops[e]);
	out->ops[e] = (uint8_t) op;
}

void
ct_nb201_neighbours(const ct_nb201_cell *c, ct_nb201_cell out[CT_NB201_NEIGHBOURS])
{
	int			k = 0;

	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		for (int op = 0; op < CT_NB201_NUM_OPS; op++)
			if (op != c->ops[e])
			{
				out[k] = *c;
				out[k++].ops[e] = (uint8_t) op;
			}
}

/* ---- the graph a GCN reads -------------------------------------------- */

void
ct_nb201_to_dag(const ct_nb201_cell *c, ct_nb201_dag *out)
{
	memset(out, 0, sizeof(*out));
	out->n = CT_NB201_DAG_NODES;
	out->ops[0] = CT_NB201_DAG_INPUT;
	out->ops[CT_NB201_DAG_NODES - 1] = CT_NB201_DAG_OUTPUT;
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
	{
		int			from = ct_nb201_edge_from[e];

		out->ops[1 + e] = c->ops[e];
		if (from == 0)
			out->adj[0][1 + e] = 1;
		else
			for (int k = 0; k < CT_NB201_NUM_EDGES; k++)
				if (ct_nb201_edge_to[k] == from)
					out->adj[1 + k][1 + e] = 1;
	}
	for (int k = 0; k < CT_NB201_NUM_EDGES; k++)
		if (ct_nb201_edge_to[k] == CT_NB201_NUM_NODES - 1)
			out->adj[1 + k][CT_NB201_DAG_NODES - 1] = 1;
	for (int x = 0; x < CT_NB201_DAG_NODES; x++)
		for (int y = 0; y < CT_NB201_DAG_NODES; y++)
			if (out->adj[x][y])
				out->preds[y] |= (uint8_t) (1u << x);
}

/* ---- Graphviz ----------------------------------------------------------- */

size_t
ct_nb201_to_dot(const ct_nb201_cell *c, char *buf, size_t size)
{
	char		line[96];
	size_t		len = 0;

	if (size > 0)
		buf[0] = '\0';
	len = ct_text_put(buf, size, len, "digraph nb201 {\n  rankdir=LR;\n  node [shape=circle];\n");
	for (int v = 0; v < CT_NB201_NUM_NODES; v++)
	{
		snprintf(line, sizeof(line), "  n%d [label=\"%d\"];\n", v, v);
		len = ct_text_put(buf, size, len, line);
	}
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
	{
		const char *name = ct_nb201_op_name(c->ops[e]);

		snprintf(line, sizeof(line), "  n%d -> n%d [label=\"%s\"%s];\n",
				 ct_nb201_edge_from[e], ct_nb201_edge_to[e], name != NULL ? name : "?",
				 c->ops[e] == CT_NB201_NONE ? ", style=dashed" : "");
		len = ct_text_put(buf, size, len, line);
	}
	return ct_text_put(buf, size, len, "}\n");
}
