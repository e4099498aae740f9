/*
 * darts_genotype.c
 *	  DARTS genotypes: op names, the rules of the space, identity, the
 *	  Genotype string and NASLib's compact form, JSON, bytes, sampling,
 *	  mutation, neighbours, the reference NAC's graph and DOT (see
 *	  ctnas_darts.h).
 */
#include "ctnas_darts.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_json.h"
#include "ctnas_text.h"

static const char *const op_names[CT_DARTS_NUM_OPS] = {
	[CT_DARTS_NONE] = "none",
	[CT_DARTS_MAX_POOL_3X3] = "max_pool_3x3",
	[CT_DARTS_AVG_POOL_3X3] = "avg_pool_3x3",
	[CT_DARTS_SKIP_CONNECT] = "skip_connect",
	[CT_DARTS_SEP_CONV_3X3] = "sep_conv_3x3",
	[CT_DARTS_SEP_CONV_5X5] = "sep_conv_5x5",
	[CT_DARTS_DIL_CONV_3X3] = "dil_conv_3x3",
	[CT_DARTS_DIL_CONV_5X5] = "dil_conv_5x5",
};

static const char *const cell_names[CT_DARTS_CELLS] = {"normal", "reduce"};

/*
 * NASLib's compact op index i is DARTS op i + 1 (NASLib's list is
 * PRIMITIVES without "none", in the same order).
 */
#define NASLIB_NUM_OPS 7

#define KNOWN_OPS "known operations are none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3 and dil_conv_5x5"
#define SYNTAX_HINT "A DARTS genotype is written Genotype(normal=[('sep_conv_3x3', 0), ... 8 edges], normal_concat=[2, 3, 4, 5], reduce=[... 8 edges], reduce_concat=[2, 3, 4, 5]), or in NASLib's compact form ((8 x (input, op index)), (8 x (input, op index)))."

const char *
ct_darts_op_name(int op)
{
	return (op >= 0 && op < CT_DARTS_NUM_OPS) ? op_names[op] : NULL;
}

int
ct_darts_op_from_name(const char *name, size_t len)
{
	for (int op = 0; op < CT_DARTS_NUM_OPS; op++)
		if (strlen(op_names[op]) == len && memcmp(op_names[op], name, len) == 0)
			return op;
	return -1;
}

/* ---- rules and identity ---------------------------------------------------- */

bool
ct_darts_check(const ct_darts_genotype *g, ct_error *err)
{
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			const ct_darts_edge *x = &g->cell[c][e];
			int			node = 2 + e / 2;

			if (x->op >= CT_DARTS_NUM_OPS)
				return ct_fail(err, CT_ERR_INVALID, "DARTS genotype has an invalid operation code",
							   "Edge %d of the %s cell has op code %d; codes are 0 to %d.",
							   e, cell_names[c], x->op, CT_DARTS_NUM_OPS - 1);
			if (x->input >= node)
				return ct_fail(err, CT_ERR_INVALID, "DARTS genotype edge reads a node that is not before it",
							   "Edge %d of the %s cell (into node %d) reads node %d; node %d can read nodes 0 to %d.",
							   e, cell_names[c], node, x->input, node, node - 1);
			if (e % 2 == 1 && x->input == g->cell[c][e - 1].input)
				return ct_fail(err, CT_ERR_INVALID, "DARTS genotype node has the same input twice",
							   "Node %d of the %s cell (edges %d and %d) reads node %d twice; a node's two inputs must differ, as DARTS derives them and NAS-Bench-301 requires.",
							   node, cell_names[c], e - 1, e, x->input);
		}
	return true;
}

static int
edge_key(const ct_darts_edge *x)
{
	return x->input * CT_DARTS_NUM_OPS + x->op;
}

void
ct_darts_canonical(const ct_darts_genotype *g, ct_darts_genotype *out)
{
	ct_darts_genotype r = *g;

	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e += 2)
			if (edge_key(&r.cell[c][e]) > edge_key(&r.cell[c][e + 1]))
			{
				ct_darts_edge t = r.cell[c][e];

				r.cell[c][e] = r.cell[c][e + 1];
				r.cell[c][e + 1] = t;
			}
	*out = r;
}

bool
ct_darts_is_canonical(const ct_darts_genotype *g)
{
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e += 2)
			if (edge_key(&g->cell[c][e]) > edge_key(&g->cell[c][e + 1]))
				return false;
	return true;
}

bool
ct_darts_equal(const ct_darts_genotype *a, const ct_darts_genotype *b)
{
	ct_darts_genotype x,
				y;

	ct_darts_canonical(a, &x);
	ct_darts_canonical(b, &y);
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* ---- the text forms -------------------------------------------------------- */

typedef enum tok_kind
{
	TOK_END,
	TOK_IDENT,
	TOK_STRING,
	TOK_INT,
	TOK_PUNCT,					/* one of ( ) [ ] , = */
	TOK_BAD						/* a character no form has, or an unterminated string */
} tok_kind;

typedef struct parser
{
	const char *text;
	size_t		len;
	size_t		pos;			/* start of the next token */
	tok_kind	kind;			/* the current token */
	size_t		start,
				end;			/* its bytes (a string's without quotes) */
	size_t		tok_start;		/* where it starts in text, quotes included */
	long		ival;			/* TOK_INT: the value, saturated at 1,000,000 */
	char		punct;
	ct_error   *err;
} parser;

static void
next_token(parser *p)
{
	const char *t = p->text;

	while (p->pos < p->len && isspace((unsigned char) t[p->pos]))
		p->pos++;
	p->tok_start = p->start = p->pos;
	if (p->pos >= p->len)
	{
		p->kind = TOK_END;
		p->end = p->pos;
		return;
	}
	if (isalpha((unsigned char) t[p->pos]) || t[p->pos] == '_')
	{
		while (p->pos < p->len && (isalnum((unsigned char) t[p->pos]) || t[p->pos] == '_'))
			p->pos++;
		p->kind = TOK_IDENT;
		p->end = p->pos;
	}
	else if (isdigit((unsigned char) t[p->pos]))
	{
		p->ival = 0;
		while (p->pos < p->len && isdigit((unsigned char) t[p->pos]))
		{
			if (p->ival < 1000000)
				p->ival = p->ival * 10 + (t[p->pos] - '0');
			p->pos++;
		}
		p->kind = TOK_INT;
		p->end = p->pos;
	}
	else if (t[p->pos] == '\'' || t[p->pos] == '"')
	{
		char		q = t[p->pos++];

		p->start = p->pos;
		while (p->pos < p->len && t[p->pos] != q && t[p->pos] != '\\' && t[p->pos] != '\n')
			p->pos++;
		if (p->pos >= p->len || t[p->pos] != q)
		{
			p->kind = TOK_BAD;
			p->end = p->pos;
			return;
		}
		p->kind = TOK_STRING;
		p->end = p->pos++;
	}
	else if (strchr("()[],=", t[p->pos]) != NULL)
	{
		p->kind = TOK_PUNCT;
		p->punct = t[p->pos++];
		p->end = p->pos;
	}
	else
	{
		p->kind = TOK_BAD;
		p->end = p->pos + 1;
	}
}

/* Fails with "expected <what> at character N, found ..." at the current token. */
static bool
expected(parser *p, const char *what)
{
	char		q[200];

	if (p->kind == TOK_END)
		return ct_fail(p->err, CT_ERR_SYNTAX, "invalid DARTS genotype",
					   "Expected %s at character %ld, found the end of the text. " SYNTAX_HINT,
					   what, (long) p->tok_start + 1);
	ct_text_excerpt(p->text, p->len, p->tok_start, q, sizeof(q));
	return ct_fail(p->err, CT_ERR_SYNTAX, "invalid DARTS genotype",
				   "Expected %s at character %ld, found \"%s\". " SYNTAX_HINT, what, (long) p->tok_start + 1, q);
}

static bool
is_punct(const parser *p, char c)
{
	return p->kind == TOK_PUNCT && p->punct == c;
}

static bool
expect_punct(parser *p, char c)
{
	char		what[8] = {'"', c, '"', '\0'};

	if (!is_punct(p, c))
		return expected(p, what);
	next_token(p);
	return true;
}

static bool
is_ident(const parser *p, const char *word)
{
	return p->kind == TOK_IDENT && p->end - p->start == strlen(word) &&
		memcmp(p->text + p->start, word, p->end - p->start) == 0;
}

/* "(" or "[", and the bracket that closes it; false if neither */
static bool
open_bracket(parser *p, char *close)
{
	if (is_punct(p, '('))
		*close = ')';
	else if (is_punct(p, '['))
		*close = ']';
	else
		return false;
	next_token(p);
	return true;
}

/*
 * After an item of a sequence closed by `close`: "," (and then the close
 * for a trailing comma) or the close.  *more: another item follows.
 */
static bool
after_item(parser *p, char close, bool *more)
{
	char		what[32];

	if (is_punct(p, close))
	{
		next_token(p);
		*more = false;
		return true;
	}
	if (!is_punct(p, ','))
	{
		snprintf(what, sizeof(what), "\",\" or \"%c\"", close);
		return expected(p, what);
	}
	next_token(p);
	if (is_punct(p, close))
	{
		next_token(p);
		*more = false;
	}
	else
		*more = true;
	return true;
}

/* An input node number: an integer token (range checked by the rules later). */
static bool
parse_input(parser *p, int cell, int e, uint8_t *out)
{
	if (p->kind != TOK_INT)
	{
		char		what[80];

		snprintf(what, sizeof(what), "the input node (an integer) of edge %d of the %s cell", e, cell_names[cell]);
		return expected(p, what);
	}
	*out = (uint8_t) (p->ival > 255 ? 255 : p->ival);
	next_token(p);
	return true;
}

static bool
too_many_edges(parser *p, int cell)
{
	return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype cell has too many edges",
				   "The %s cell has more than %d edges (two per intermediate node 2..5). " SYNTAX_HINT,
				   cell_names[cell], CT_DARTS_EDGES);
}

static bool
too_few_edges(parser *p, int cell, int n)
{
	return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype cell has too few edges",
				   "The %s cell has %d edge%s; it needs %d (two per intermediate node 2..5). " SYNTAX_HINT,
				   cell_names[cell], n, n == 1 ? "" : "s", CT_DARTS_EDGES);
}

/* [('op', input), ...]: exactly 8 edges */
static bool
parse_edges(parser *p, int cell, ct_darts_genotype *out)
{
	char		close;
	bool		more = true;
	int			e = 0;

	if (!open_bracket(p, &close))
		return expected(p, "\"[\" (the list of edges)");
	if (is_punct(p, close))
		return too_few_edges(p, cell, 0);
	while (more)
	{
		char		tclose;
		int			op;
		bool		tmore = false;

		if (e == CT_DARTS_EDGES)
			return too_many_edges(p, cell);
		if (!open_bracket(p, &tclose))
			return expected(p, "\"(\" (an edge ('op', input))");
		if (p->kind != TOK_STRING)
			return expected(p, "an op name in quotes");
		op = ct_darts_op_from_name(p->text + p->start, p->end - p->start);
		if (op < 0)
		{
			char		q[200];

			ct_text_excerpt(p->text, p->end, p->start, q, sizeof(q));
			return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype has an unknown operation",
						   "Edge %d of the %s cell is \"%s\"; " KNOWN_OPS ".", e, cell_names[cell], q);
		}
		out->cell[cell][e].op = (uint8_t) op;
		next_token(p);
		if (!expect_punct(p, ','))
			return false;
		if (!parse_input(p, cell, e, &out->cell[cell][e].input))
			return false;
		if (!after_item(p, tclose, &tmore))
			return false;
		if (tmore)
			return expected(p, tclose == ')' ? "\")\" (an edge is ('op', input))" : "\"]\" (an edge is ['op', input])");
		e++;
		if (!after_item(p, close, &more))
			return false;
	}
	if (e < CT_DARTS_EDGES)
		return too_few_edges(p, cell, e);
	return true;
}

#define CONCAT_RULE "This space's cells concatenate nodes 2 to 5: concat must be [2, 3, 4, 5] (or range(2, 6))."

/* [2, 3, 4, 5], (2, 3, 4, 5) or range(2, 6) */
static bool
parse_concat(parser *p, const char *key)
{
	long		v[8];
	int			n = 0;
	bool		more = true;
	char		close;
	size_t		at = p->tok_start;

	if (is_ident(p, "range"))
	{
		next_token(p);
		if (!expect_punct(p, '('))
			return false;
		for (int i = 0; i < 2; i++)
		{
			if (p->kind != TOK_INT)
				return expected(p, "an integer (range's bounds)");
			v[i] = p->ival;
			next_token(p);
			if (i == 0 && !expect_punct(p, ','))
				return false;
		}
		if (!expect_punct(p, ')'))
			return false;
		if (v[0] != 2 || v[1] != 6)
			return ct_fail(p->err, CT_ERR_INVALID, "DARTS genotype has an unsupported concat",
						   "%s is range(%ld, %ld) at character %ld. " CONCAT_RULE, key, v[0], v[1], (long) at + 1);
		return true;
	}
	if (!open_bracket(p, &close))
		return expected(p, "\"[2, 3, 4, 5]\" (the concat)");
	if (is_punct(p, close))
		more = false, next_token(p);
	while (more)
	{
		if (p->kind != TOK_INT)
			return expected(p, "an integer (a node of the concat)");
		if (n < 8)
			v[n] = p->ival;
		n++;
		next_token(p);
		if (!after_item(p, close, &more))
			return false;
	}
	if (n != 4 || v[0] != 2 || v[1] != 3 || v[2] != 4 || v[3] != 5)
		return ct_fail(p->err, CT_ERR_INVALID, "DARTS genotype has an unsupported concat",
					   "%s at character %ld is not [2, 3, 4, 5]. " CONCAT_RULE, key, (long) at + 1);
	return true;
}

static bool
at_end(parser *p)
{
	char		q[200];

	if (p->kind == TOK_END)
		return true;
	ct_text_excerpt(p->text, p->len, p->tok_start, q, sizeof(q));
	return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype has trailing text",
				   "Unexpected \"%s\" at character %ld after the genotype.", q, (long) p->tok_start + 1);
}

static const char *const keywords[4] = {"normal", "normal_concat", "reduce", "reduce_concat"};

static bool
parse_genotype(parser *p, ct_darts_genotype *out)
{
	bool		seen[4] = {false, false, false, false};
	bool		more = true;

	if (!is_ident(p, "Genotype"))
		return expected(p, "\"Genotype(\"");
	next_token(p);
	if (!expect_punct(p, '('))
		return false;
	while (more)
	{
		int			k;

		if (p->kind != TOK_IDENT)
			return expected(p, "a keyword (normal, normal_concat, reduce or reduce_concat)");
		for (k = 0; k < 4 && !is_ident(p, keywords[k]); k++)
			;
		if (k == 4)
		{
			char		q[200];

			ct_text_excerpt(p->text, p->end, p->start, q, sizeof(q));
			return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype has an unknown keyword",
						   "Unknown keyword \"%s\" at character %ld; the keywords are normal, normal_concat, reduce and reduce_concat.",
						   q, (long) p->tok_start + 1);
		}
		if (seen[k])
			return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype has a duplicate keyword",
						   "Keyword %s appears twice (the second at character %ld).", keywords[k], (long) p->tok_start + 1);
		seen[k] = true;
		next_token(p);
		if (!expect_punct(p, '='))
			return false;
		if (k == 0 || k == 2)
		{
			if (!parse_edges(p, k / 2, out))
				return false;
		}
		else if (!parse_concat(p, keywords[k]))
			return false;
		if (!after_item(p, ')', &more))
			return false;
	}
	for (int k = 0; k < 4; k++)
		if (!seen[k])
			return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS genotype is missing a keyword",
						   "Keyword %s is missing; a Genotype has normal, normal_concat, reduce and reduce_concat. " SYNTAX_HINT,
						   keywords[k]);
	return at_end(p);
}

/* NASLib's compact form: ((8 x (input, op)), (8 x (input, op))) */
static bool
parse_compact(parser *p, ct_darts_genotype *out)
{
	char		close;
	bool		more = true;
	int			c = 0;

	if (!open_bracket(p, &close))
		return expected(p, "\"(\"");
	while (more)
	{
		char		cclose;
		bool		cmore = true;
		int			e = 0;

		if (c == CT_DARTS_CELLS)
			return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS compact genotype has too many cells",
						   "Text at character %ld is a third cell; the compact form is (normal, reduce). " SYNTAX_HINT,
						   (long) p->tok_start + 1);
		if (!open_bracket(p, &cclose))
			return expected(p, "\"(\" (a cell: 8 x (input, op index))");
		if (is_punct(p, cclose))
			return too_few_edges(p, c, 0);
		while (cmore)
		{
			char		eclose;
			bool		emore = false;

			if (e == CT_DARTS_EDGES)
				return too_many_edges(p, c);
			if (!open_bracket(p, &eclose))
				return expected(p, "\"(\" (an edge (input, op index))");
			if (!parse_input(p, c, e, &out->cell[c][e].input))
				return false;
			if (!expect_punct(p, ','))
				return false;
			if (p->kind != TOK_INT)
				return expected(p, "an op index (an integer)");
			if (p->ival >= NASLIB_NUM_OPS)
				return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS compact genotype has an unknown op index",
							   "Edge %d of the %s cell has op index %ld; NASLib's indexes are 0 max_pool_3x3, 1 avg_pool_3x3, 2 skip_connect, 3 sep_conv_3x3, 4 sep_conv_5x5, 5 dil_conv_3x3, 6 dil_conv_5x5.",
							   e, cell_names[c], p->ival);
			out->cell[c][e].op = (uint8_t) (p->ival + 1);
			next_token(p);
			if (!after_item(p, eclose, &emore))
				return false;
			if (emore)
				return expected(p, "\")\" (an edge is (input, op index))");
			e++;
			if (!after_item(p, cclose, &cmore))
				return false;
		}
		if (e < CT_DARTS_EDGES)
			return too_few_edges(p, c, e);
		c++;
		if (!after_item(p, close, &more))
			return false;
	}
	if (c < CT_DARTS_CELLS)
		return ct_fail(p->err, CT_ERR_SYNTAX, "DARTS compact genotype has too few cells",
					   "It has %d cell; the compact form is (normal, reduce). " SYNTAX_HINT, c);
	return at_end(p);
}

bool
ct_darts_parse(const char *text, size_t len, ct_darts_genotype *out, ct_error *err)
{
	parser		p = {.text = text, .len = len, .err = err};
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype contains a NUL byte",
					   "Byte %ld is NUL.", (long) ((const char *) memchr(text, '\0', len) - text) + 1);
	next_token(&p);
	if (p.kind == TOK_END)
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype is empty", SYNTAX_HINT);
	ok = p.kind == TOK_PUNCT ? parse_compact(&p, out) : parse_genotype(&p, out);
	if (!ok)
	{
		memset(out, 0, sizeof(*out));
		return false;
	}
	if (!ct_darts_check(out, err))
	{
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

static size_t
cell_str(const ct_darts_genotype *g, int c, char *buf, size_t size, size_t len)
{
	for (int e = 0; e < CT_DARTS_EDGES; e++)
	{
		char		item[48];
		const char *name = ct_darts_op_name(g->cell[c][e].op);

		snprintf(item, sizeof(item), "%s('%s', %d)", e > 0 ? ", " : "", name != NULL ? name : "?",
				 g->cell[c][e].input);
		len = ct_text_put(buf, size, len, item);
	}
	return len;
}

size_t
ct_darts_to_str(const ct_darts_genotype *g, char *buf, size_t size)
{
	size_t		len = 0;

	if (size > 0)
		buf[0] = '\0';
	len = ct_text_put(buf, size, len, "Genotype(normal=[");
	len = cell_str(g, 0, buf, size, len);
	len = ct_text_put(buf, size, len, "], normal_concat=[2, 3, 4, 5], reduce=[");
	len = cell_str(g, 1, buf, size, len);
	return ct_text_put(buf, size, len, "], reduce_concat=[2, 3, 4, 5])");
}

size_t
ct_darts_to_compact(const ct_darts_genotype *g, char *buf, size_t size)
{
	size_t		len = 0;

	if (size > 0)
		buf[0] = '\0';
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
			if (g->cell[c][e].op == CT_DARTS_NONE || g->cell[c][e].op >= CT_DARTS_NUM_OPS)
				return 0;
	len = ct_text_put(buf, size, len, "(");
	for (int c = 0; c < CT_DARTS_CELLS; c++)
	{
		len = ct_text_put(buf, size, len, c > 0 ? ", (" : "(");
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			char		item[16];

			snprintf(item, sizeof(item), "%s(%d, %d)", e > 0 ? ", " : "", g->cell[c][e].input, g->cell[c][e].op - 1);
			len = ct_text_put(buf, size, len, item);
		}
		len = ct_text_put(buf, size, len, ")");
	}
	return ct_text_put(buf, size, len, ")");
}

/* ---- JSON ------------------------------------------------------------------ */

#define KEY_HINT "Expected {\"space\": \"darts\", \"normal\": [[\"sep_conv_3x3\", 0], ... 8 edges], \"reduce\": [... 8 edges]}, {\"space\": \"darts\", \"genotype\": \"Genotype(...)\"} or {\"space\": \"darts\", \"compact\": [[[input, op index], ... 8], [... 8]]}."

static bool
json_input(const cJSON *item, int c, int e, uint8_t *out, ct_error *err)
{
	int64_t		v;

	if (!ct_json_int(item, 0, 1000000, &v))
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype edge input must be a non-negative integer",
					   "The input node of edge %d of the %s cell is not. " KEY_HINT, e, cell_names[c]);
	*out = (uint8_t) (v > 255 ? 255 : v);
	return true;
}

static bool
json_edges(const cJSON *arr, int c, ct_darts_genotype *out, ct_error *err)
{
	const cJSON *item;
	int			e = 0;

	if (!cJSON_IsArray(arr))
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype cell must be a JSON array of edges",
					   "\"%s\" is not an array. " KEY_HINT, cell_names[c]);
	if (cJSON_GetArraySize(arr) != CT_DARTS_EDGES)
		return ct_fail(err, CT_ERR_SYNTAX, cJSON_GetArraySize(arr) < CT_DARTS_EDGES ?
					   "DARTS genotype cell has too few edges" : "DARTS genotype cell has too many edges",
					   "\"%s\" has %d edges; a cell has %d (two per intermediate node 2..5).",
					   cell_names[c], cJSON_GetArraySize(arr), CT_DARTS_EDGES);
	cJSON_ArrayForEach(item, arr)
	{
		const cJSON *op;
		int			code;

		if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 2 ||
			!cJSON_IsString(op = cJSON_GetArrayItem(item, 0)))
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype edge must be a JSON array [op, input]",
						   "Edge %d of the %s cell is not [\"op\", input]. " KEY_HINT, e, cell_names[c]);
		code = ct_darts_op_from_name(op->valuestring, strlen(op->valuestring));
		if (code < 0)
		{
			char		q[200];

			ct_text_excerpt(op->valuestring, strlen(op->valuestring), 0, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype has an unknown operation",
						   "Edge %d of the %s cell is \"%s\"; " KNOWN_OPS ".", e, cell_names[c], q);
		}
		out->cell[c][e].op = (uint8_t) code;
		if (!json_input(cJSON_GetArrayItem(item, 1), c, e, &out->cell[c][e].input, err))
			return false;
		e++;
	}
	return true;
}

static bool
json_concat(const cJSON *arr, const char *key, ct_error *err)
{
	int64_t		v[4];

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 4 ||
		!ct_json_int(cJSON_GetArrayItem(arr, 0), 0, 100, &v[0]) ||
		!ct_json_int(cJSON_GetArrayItem(arr, 1), 0, 100, &v[1]) ||
		!ct_json_int(cJSON_GetArrayItem(arr, 2), 0, 100, &v[2]) ||
		!ct_json_int(cJSON_GetArrayItem(arr, 3), 0, 100, &v[3]) ||
		v[0] != 2 || v[1] != 3 || v[2] != 4 || v[3] != 5)
		return ct_fail(err, CT_ERR_INVALID, "DARTS genotype has an unsupported concat",
					   "\"%s\" is not [2, 3, 4, 5]. " CONCAT_RULE, key);
	return true;
}

static bool
json_compact(const cJSON *arr, ct_darts_genotype *out, ct_error *err)
{
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != CT_DARTS_CELLS)
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS \"compact\" must be a JSON array of two cells",
					   "NASLib's compact form is [normal, reduce], each 8 [input, op index]. " KEY_HINT);
	for (int c = 0; c < CT_DARTS_CELLS; c++)
	{
		const cJSON *cell = cJSON_GetArrayItem(arr, c);

		if (!cJSON_IsArray(cell) || cJSON_GetArraySize(cell) != CT_DARTS_EDGES)
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS \"compact\" cell must be a JSON array of 8 edges",
						   "The %s cell is not an array of 8 [input, op index]. " KEY_HINT, cell_names[c]);
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			const cJSON *edge = cJSON_GetArrayItem(cell, e);
			int64_t		op;

			if (!cJSON_IsArray(edge) || cJSON_GetArraySize(edge) != 2)
				return ct_fail(err, CT_ERR_SYNTAX, "DARTS \"compact\" edge must be a JSON array [input, op index]",
							   "Edge %d of the %s cell is not. " KEY_HINT, e, cell_names[c]);
			if (!json_input(cJSON_GetArrayItem(edge, 0), c, e, &out->cell[c][e].input, err))
				return false;
			if (!ct_json_int(cJSON_GetArrayItem(edge, 1), 0, NASLIB_NUM_OPS - 1, &op))
				return ct_fail(err, CT_ERR_SYNTAX, "DARTS compact genotype has an unknown op index",
							   "Edge %d of the %s cell: NASLib's op indexes are integers 0 to 6 (max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5).",
							   e, cell_names[c]);
			out->cell[c][e].op = (uint8_t) (op + 1);
		}
	}
	return true;
}

bool
ct_darts_from_cjson(const void *object, ct_darts_genotype *out, ct_error *err)
{
	static const char *const keys[] = {"space", "normal", "reduce", "normal_concat", "reduce_concat", "genotype", "compact"};
	const cJSON *root = object;
	const cJSON *slot[7] = {NULL};
	const cJSON *item;
	char		q[200];
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype must be a JSON object", KEY_HINT);
	cJSON_ArrayForEach(item, root)
	{
		int			k;

		for (k = 0; k < 7 && strcmp(item->string, keys[k]) != 0; k++)
			;
		if (k == 7)
		{
			ct_text_excerpt(item->string, strlen(item->string), 0, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype has an unknown key",
						   "Unknown key \"%s\"; the keys are \"space\", and \"normal\" and \"reduce\" (with \"normal_concat\" and \"reduce_concat\"), or \"genotype\", or \"compact\". " KEY_HINT, q);
		}
		if (slot[k] != NULL)
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype has a duplicate key",
						   "Key \"%s\" appears twice. " KEY_HINT, keys[k]);
		slot[k] = item;
	}
	if (slot[0] != NULL && (!cJSON_IsString(slot[0]) || strcmp(slot[0]->valuestring, "darts") != 0))
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype has the wrong \"space\"", "\"space\" must be \"darts\".");
	if ((slot[1] || slot[2] || slot[3] || slot[4]) + (slot[5] != NULL) + (slot[6] != NULL) != 1)
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype needs exactly one of its forms",
					   "Give \"normal\" and \"reduce\", or \"genotype\", or \"compact\". " KEY_HINT);
	if (slot[5] != NULL)
	{
		if (!cJSON_IsString(slot[5]))
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS \"genotype\" must be a JSON string", KEY_HINT);
		return ct_darts_parse(slot[5]->valuestring, strlen(slot[5]->valuestring), out, err);
	}
	if (slot[6] != NULL)
		ok = json_compact(slot[6], out, err);
	else
	{
		if (slot[1] == NULL || slot[2] == NULL)
			return ct_fail(err, CT_ERR_SYNTAX, "DARTS genotype is missing a cell",
						   "Key \"%s\" is missing. " KEY_HINT, slot[1] == NULL ? "normal" : "reduce");
		ok = json_edges(slot[1], 0, out, err) && json_edges(slot[2], 1, out, err) &&
			(slot[3] == NULL || json_concat(slot[3], "normal_concat", err)) &&
			(slot[4] == NULL || json_concat(slot[4], "reduce_concat", err));
	}
	if (!ok || !ct_darts_check(out, err))
	{
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

/* ---- bytes ----------------------------------------------------------------- */

void
ct_darts_encode(const ct_darts_genotype *g, uint8_t out[CT_DARTS_BYTES])
{
	int			bit = 0;

	memset(out, 0, CT_DARTS_BYTES);
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			int			v = edge_key(&g->cell[c][e]) & 0x3f;

			for (int b = 5; b >= 0; b--, bit++)
				if (v >> b & 1)
					out[bit / 8] |= (uint8_t) (0x80 >> (bit % 8));
		}
}

bool
ct_darts_decode(const uint8_t *in, size_t len, ct_darts_genotype *out, ct_error *err)
{
	int			bit = 0;

	memset(out, 0, sizeof(*out));
	if (len != CT_DARTS_BYTES)
		return ct_fail(err, CT_ERR_SYNTAX, "DARTS binary value has the wrong length",
					   "It has %zu bytes; a DARTS genotype is %d.", len, CT_DARTS_BYTES);
	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			int			v = 0;

			for (int b = 0; b < 6; b++, bit++)
				v = v << 1 | (in[bit / 8] >> (7 - bit % 8) & 1);
			out->cell[c][e].input = (uint8_t) (v / CT_DARTS_NUM_OPS);
			out->cell[c][e].op = (uint8_t) (v % CT_DARTS_NUM_OPS);
		}
	if (!ct_darts_check(out, err))
		return false;
	if (!ct_darts_is_canonical(out))
		return ct_fail(err, CT_ERR_INVALID, "DARTS binary value is not canonical",
					   "Each node's two edges must be sorted by input.");
	return true;
}

/* ---- sampling, mutation, neighbours ---------------------------------------- */

/* numpy's choice(range(n), 2, replace=False), in distribution: a first, then another */
static void
two_distinct(ct_rng *rng, int n, uint8_t *a, uint8_t *b)
{
	int			x = (int) ct_rng_below(rng, (uint32_t) n);
	int			y = (int) ct_rng_below(rng, (uint32_t) n - 1);

	*a = (uint8_t) x;
	*b = (uint8_t) (y >= x ? y + 1 : y);
}

void
ct_darts_random(uint64_t seed, ct_darts_genotype *out)
{
	ct_rng		rng;
	ct_darts_genotype g;

	ct_rng_seed(&rng, seed);
	for (int k = 0; k < CT_DARTS_NODES; k++)
	{
		uint8_t		ops[4];

		/* ops = np.random.choice(range(NUM_OPS), NUM_VERTICES) */
		for (int j = 0; j < 4; j++)
			ops[j] = (uint8_t) (1 + ct_rng_below(&rng, NASLIB_NUM_OPS));
		/* nodes_in_normal, nodes_in_reduce = np.random.choice(range(i + 2), 2, replace=False) */
		two_distinct(&rng, k + 2, &g.cell[0][2 * k].input, &g.cell[0][2 * k + 1].input);
		two_distinct(&rng, k + 2, &g.cell[1][2 * k].input, &g.cell[1][2 * k + 1].input);
		g.cell[0][2 * k].op = ops[0];
		g.cell[0][2 * k + 1].op = ops[1];
		g.cell[1][2 * k].op = ops[2];
		g.cell[1][2 * k + 1].op = ops[3];
	}
	ct_darts_canonical(&g, out);
}

void
ct_darts_mutate(const ct_darts_genotype *g, uint64_t seed, ct_darts_genotype *out)
{
	ct_rng		rng;
	ct_darts_genotype m;

	ct_rng_seed(&rng, seed);
	for (;;)
	{
		int			c = (int) ct_rng_below(&rng, 2);
		int			e = (int) ct_rng_below(&rng, CT_DARTS_EDGES);
		int			num = (int) ct_rng_below(&rng, 2);
		ct_darts_edge *x;

		m = *g;
		x = &m.cell[c][e];
		if (num == 1)
			x->op = (uint8_t) (1 + ct_rng_below(&rng, NASLIB_NUM_OPS));
		else
		{
			int			choice = (int) ct_rng_below(&rng, (uint32_t) (e / 2 + 2));

			if (m.cell[c][e ^ 1].input != choice)
				x->input = (uint8_t) choice;
		}
		if (x->op != g->cell[c][e].op || x->input != g->cell[c][e].input)
			break;
	}
	ct_darts_canonical(&m, out);
}

int
ct_darts_neighbours(const ct_darts_genotype *g, ct_darts_genotype *out)
{
	int			n = 0;

	for (int c = 0; c < CT_DARTS_CELLS; c++)
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			const ct_darts_edge *x = &g->cell[c][e];
			int			other = g->cell[c][e ^ 1].input;

			for (int op = 1; op < CT_DARTS_NUM_OPS; op++)
				if (op != x->op)
				{
					ct_darts_genotype m = *g;

					m.cell[c][e].op = (uint8_t) op;
					ct_darts_canonical(&m, &out[n++]);
				}
			for (int in = 0; in < e / 2 + 2; in++)
				if (in != other && in != x->input)
				{
					ct_darts_genotype m = *g;

					m.cell[c][e].input = (uint8_t) in;
					ct_darts_canonical(&m, &out[n++]);
				}
		}
	return n;
}

/* ---- the reference NAC's graph --------------------------------------------- */

/* op2embedding (ctnas/core/dataset/tensorize/common_nas.py:6-17), by DARTS op code */
static const uint8_t nac_id[CT_DARTS_NUM_OPS] = {
	[CT_DARTS_NONE] = 2,
	[CT_DARTS_SKIP_CONNECT] = 3,
	[CT_DARTS_SEP_CONV_3X3] = 4,
	[CT_DARTS_SEP_CONV_5X5] = 5,
	[CT_DARTS_MAX_POOL_3X3] = 6,
	[CT_DARTS_AVG_POOL_3X3] = 7,
	[CT_DARTS_DIL_CONV_3X3] = 8,
	[CT_DARTS_DIL_CONV_5X5] = 9,
};

void
ct_darts_cell_dag(const ct_darts_genotype *g, int cell, ct_darts_dag *out)
{
	memset(out, 0, sizeof(*out));
	out->ops[0] = 0;
	out->ops[1] = 1;
	for (int e = 0; e < CT_DARTS_EDGES; e++)
	{
		int			s = g->cell[cell][e].input;

		out->ops[2 + e] = g->cell[cell][e].op < CT_DARTS_NUM_OPS ? nac_id[g->cell[cell][e].op] : 2;
		if (s < 2)
			out->preds[2 + e] |= (uint16_t) (1u << s);
		else if (s < 2 + CT_DARTS_NODES)
			/* the edge nodes entering node s: edges 2(s-2) and 2(s-2)+1 */
			out->preds[2 + e] |= (uint16_t) (3u << (2 + 2 * (s - 2)));
	}
}

/* ---- Graphviz -------------------------------------------------------------- */

size_t
ct_darts_to_dot(const ct_darts_genotype *g, char *buf, size_t size)
{
	char		line[128];
	size_t		len = 0;

	if (size > 0)
		buf[0] = '\0';
	len = ct_text_put(buf, size, len, "digraph darts {\n  rankdir=LR;\n  node [style=filled, shape=rect];\n");
	for (int c = 0; c < CT_DARTS_CELLS; c++)
	{
		const char *p = c == 0 ? "n" : "r";

		snprintf(line, sizeof(line), "  subgraph cluster_%s {\n    label=\"%s\";\n", cell_names[c], cell_names[c]);
		len = ct_text_put(buf, size, len, line);
		snprintf(line, sizeof(line), "    %s_km2 [label=\"c_{k-2}\", fillcolor=darkseagreen2];\n"
				 "    %s_km1 [label=\"c_{k-1}\", fillcolor=darkseagreen2];\n", p, p);
		len = ct_text_put(buf, size, len, line);
		for (int k = 0; k < CT_DARTS_NODES; k++)
		{
			snprintf(line, sizeof(line), "    %s_%d [label=\"%d\", fillcolor=lightblue];\n", p, k, k);
			len = ct_text_put(buf, size, len, line);
		}
		snprintf(line, sizeof(line), "    %s_k [label=\"c_{k}\", fillcolor=palegoldenrod];\n", p);
		len = ct_text_put(buf, size, len, line);
		for (int e = 0; e < CT_DARTS_EDGES; e++)
		{
			int			s = g->cell[c][e].input;
			const char *name = ct_darts_op_name(g->cell[c][e].op);
			char		from[16];

			if (s < 2)
				snprintf(from, sizeof(from), "%s_km%d", p, 2 - s);
			else
				snprintf(from, sizeof(from), "%s_%d", p, s - 2);
			snprintf(line, sizeof(line), "    %s -> %s_%d [label=\"%s\"%s];\n", from, p, e / 2,
					 name != NULL ? name : "?", g->cell[c][e].op == CT_DARTS_NONE ? ", style=dashed" : "");
			len = ct_text_put(buf, size, len, line);
		}
		for (int k = 0; k < CT_DARTS_NODES; k++)
		{
			snprintf(line, sizeof(line), "    %s_%d -> %s_k;\n", p, k, p);
			len = ct_text_put(buf, size, len, line);
		}
		len = ct_text_put(buf, size, len, "  }\n");
	}
	return ct_text_put(buf, size, len, "}\n");
}
