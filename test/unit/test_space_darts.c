/*
 * test_space_darts.c
 *	  DARTS genotypes (darts_genotype.c) and the DARTS space (space_darts.c):
 *	  the text forms and their strictness, identity, bytes, the sampler,
 *	  mutation and neighbours as NASLib's, the reference NAC's graph, DOT.
 */
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "ctnas_darts.h"
#include "ctnas_rng.h"
#include "ctnas_serial.h"
#include "ctnas_space.h"

/* DARTS' genotypes.py DARTS_V2, as written there */
#define DARTS_V2 "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
/* the same, each node's edges sorted by input (the identity's representative, what archgraph prints) */
#define DARTS_V2_CANON "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('skip_connect', 2), ('max_pool_3x3', 1), ('skip_connect', 2)], reduce_concat=[2, 3, 4, 5])"

static bool
parse(const char *text, ct_darts_genotype *g, ct_error *err)
{
	return ct_darts_parse(text, strlen(text), g, err);
}

static void
test_ops(void)
{
	static const char *const names[] = {"none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
	"sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};

	for (int op = 0; op < CT_DARTS_NUM_OPS; op++)
	{
		CHECK_STR(ct_darts_op_name(op), names[op]);
		CHECK(ct_darts_op_from_name(names[op], strlen(names[op])) == op);
	}
	CHECK(ct_darts_op_name(8) == NULL && ct_darts_op_name(-1) == NULL);
	CHECK(ct_darts_op_from_name("zero", 4) == -1 && ct_darts_op_from_name("sep_conv_3x", 11) == -1);
}

static void
test_genotype_string(void)
{
	ct_darts_genotype g,
				h;
	ct_error	err;
	char		buf[CT_DARTS_STR_MAX];

	CHECK(parse(DARTS_V2, &g, &err));
	CHECK(g.cell[0][7].op == CT_DARTS_DIL_CONV_3X3 && g.cell[0][7].input == 2);
	CHECK(g.cell[1][2].op == CT_DARTS_SKIP_CONNECT && g.cell[1][2].input == 2);
	/* printing is exact Python repr; the parsed (uncanonicalised) genotype prints as written */
	CHECK(ct_darts_to_str(&g, buf, sizeof(buf)) == strlen(DARTS_V2));
	CHECK_STR(buf, DARTS_V2);
	ct_darts_canonical(&g, &h);
	ct_darts_to_str(&h, buf, sizeof(buf));
	CHECK_STR(buf, DARTS_V2_CANON);
	CHECK(ct_darts_equal(&g, &h) && !ct_darts_is_canonical(&g) && ct_darts_is_canonical(&h));

	/* range(2, 6) as model_search.py builds the concat; double quotes; white space and newlines; trailing commas; keywords in another order */
	CHECK(parse("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))", &h, &err));
	CHECK(memcmp(&g, &h, sizeof(g)) == 0);
	CHECK(parse("  Genotype(\n  reduce = [(\"max_pool_3x3\", 0), (\"max_pool_3x3\", 1), (\"skip_connect\", 2), (\"max_pool_3x3\", 1),\n"
				"  (\"max_pool_3x3\", 0), (\"skip_connect\", 2), (\"skip_connect\", 2), (\"max_pool_3x3\", 1),],\n"
				"  normal=[('sep_conv_3x3',0),('sep_conv_3x3',1),('sep_conv_3x3',0),('sep_conv_3x3',1),('sep_conv_3x3',1),('skip_connect',0),('skip_connect',0),('dil_conv_3x3',2)],\n"
				"  normal_concat=(2, 3, 4, 5), reduce_concat=[2, 3, 4, 5,],\n)\n", &h, &err));
	CHECK(memcmp(&g, &h, sizeof(g)) == 0);
	/* none (the reference's vocabulary) is accepted */
	CHECK(parse("Genotype(normal=[('none', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])", &h, &err));
	CHECK(h.cell[0][0].op == CT_DARTS_NONE);
	CHECK(ct_darts_to_compact(&h, buf, sizeof(buf)) == 0);	/* NASLib's compact form has no none */
	/* the longest string fits */
	for (int c = 0; c < 2; c++)
		for (int e = 0; e < 8; e++)
			h.cell[c][e] = (ct_darts_edge) {CT_DARTS_DIL_CONV_5X5, (uint8_t) (e % 2 == 0 ? 0 : 1 + e / 2)};
	CHECK(ct_darts_to_str(&h, buf, sizeof(buf)) < CT_DARTS_STR_MAX);
}

static void
expect_error(const char *text, ct_error_kind kind, const char *message)
{
	ct_darts_genotype g;
	ct_error	err;
	bool		ok = parse(text, &g, &err);

	CHECK(!ok);
	if (!ok)
	{
		CHECK(err.kind == kind);
		CHECK_STR(err.message, message);
		CHECK(err.detail[0] != '\0');
	}
}

#define V2_REDUCE "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)]"
#define V2_NORMAL "normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)]"

static void
test_parse_errors(void)
{
	ct_darts_genotype g;

	expect_error("", CT_ERR_SYNTAX, "DARTS genotype is empty");
	expect_error("   ", CT_ERR_SYNTAX, "DARTS genotype is empty");
	expect_error("Genotype", CT_ERR_SYNTAX, "invalid DARTS genotype");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5], " V2_REDUCE ")", CT_ERR_SYNTAX, "DARTS genotype is missing a keyword");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5], normal_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype has a duplicate keyword");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduced_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype has an unknown keyword");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5]) x",
				 CT_ERR_SYNTAX, "DARTS genotype has trailing text");
	expect_error("Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype cell has too few edges");
	expect_error("Genotype(normal=[], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype cell has too few edges");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype cell has too many edges");
	expect_error("Genotype(normal=[('sep_conv_7x7', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype has an unknown operation");
	expect_error("Genotype(normal=[('zero', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_SYNTAX, "DARTS genotype has an unknown operation");
	/* edge 1 (into node 2) reads node 2 */
	expect_error("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_INVALID, "DARTS genotype edge reads a node that is not before it");
	expect_error("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 99999999999999999999), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_INVALID, "DARTS genotype edge reads a node that is not before it");
	expect_error("Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_INVALID, "DARTS genotype node has the same input twice");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5, 6], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_INVALID, "DARTS genotype has an unsupported concat");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=range(3, 6))",
				 CT_ERR_INVALID, "DARTS genotype has an unsupported concat");
	expect_error("Genotype(" V2_NORMAL ", normal_concat=[5, 4, 3, 2], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])",
				 CT_ERR_INVALID, "DARTS genotype has an unsupported concat");
	expect_error("Genotype(normal=[('sep_conv_3x3, 0), ('sep_conv_3x3', 1)])", CT_ERR_SYNTAX, "DARTS genotype has an unknown operation");
	expect_error("Genotype(normal=[('sep_conv_3x3, 0)])", CT_ERR_SYNTAX, "invalid DARTS genotype");
	expect_error("Genotype(normal=[('sep_conv_3x3', -1)])", CT_ERR_SYNTAX, "invalid DARTS genotype");
	expect_error("Genotype(normal=[('sep_conv_3x3', 0, 2)])", CT_ERR_SYNTAX, "invalid DARTS genotype");
	/* compact form */
	expect_error("(((0,0),(1,0)),((0,0)))", CT_ERR_SYNTAX, "DARTS genotype cell has too few edges");
	expect_error("(((0,0),(1,0),(0,0),(2,4),(1,2),(3,6),(3,1),(4,5)),((1,2),(0,6),(1,1),(2,0),(3,1),(2,5),(1,3),(4,7)))",
				 CT_ERR_SYNTAX, "DARTS compact genotype has an unknown op index");
	expect_error("(((0,0),(1,0),(0,0),(2,4),(1,2),(3,6),(3,1),(4,5)))", CT_ERR_SYNTAX, "DARTS compact genotype has too few cells");
	expect_error("(((0,0),(1,0),(0,0),(2,4),(1,2),(3,6),(3,1),(4,5)),((1,2),(0,6),(1,1),(2,0),(3,1),(2,5),(1,3),(4,6)),((1,2),(0,6),(1,1),(2,0),(3,1),(2,5),(1,3),(4,6)))",
				 CT_ERR_SYNTAX, "DARTS compact genotype has too many cells");
	expect_error("(((0,0),(0,0),(0,0),(2,4),(1,2),(3,6),(3,1),(4,5)),((1,2),(0,6),(1,1),(2,0),(3,1),(2,5),(1,3),(4,6)))",
				 CT_ERR_INVALID, "DARTS genotype node has the same input twice");
	expect_error("(((0,0),(1,0),(0,0),(2,4),(1,2),(3,6),(3,1),(4,5)),((1,2),(0,6),(1,1),(2,0),(3,1),(2,5),(1,3),(4,6))) (", CT_ERR_SYNTAX,
				 "DARTS genotype has trailing text");
	expect_error("Genotype(normal=[('sep\\_conv', 0)])", CT_ERR_SYNTAX, "invalid DARTS genotype");
	CHECK(!ct_darts_parse("Genotype(\0)", 11, &g, NULL));	/* a NUL byte; no error struct: still a clean failure */
	CHECK(!parse("x", &g, NULL));
}

/*
 * Strictness: random edits of a valid string (a byte replaced, inserted or
 * deleted, up to three times), of both text forms; whatever parses obeys
 * the rules and prints a string that parses back to the same genotype;
 * whatever fails is a syntax or invalid-value error with a message and a
 * detail.
 */
static void
test_parse_edits(void)
{
	const char	alphabet[] = "()[],='\" 0123456789_abcdefilmnoprstuvxyzGR\n";
	int			parsed = 0,
				ok = 1;

	for (uint64_t seed = 0; seed < 40000; seed++)
	{
		ct_rng		rng;
		char		text[CT_DARTS_STR_MAX + 8];
		char		back[CT_DARTS_STR_MAX];
		size_t		len;
		ct_darts_genotype g,
					h;
		ct_error	err;

		ct_rng_seed(&rng, seed ^ 0xD1CE);
		ct_darts_random(seed, &g);
		if (seed % 2 == 0)
			len = ct_darts_to_str(&g, text, sizeof(text));
		else
			len = ct_darts_to_compact(&g, text, sizeof(text));
		len = random_edits(&rng, text, len, sizeof(text), alphabet);
		if (ct_darts_parse(text, len, &g, &err))
		{
			parsed++;
			ct_darts_to_str(&g, back, sizeof(back));
			if (!ct_darts_check(&g, NULL) || !ct_darts_parse(back, strlen(back), &h, NULL) ||
				memcmp(&g, &h, sizeof(g)) != 0)
			{
				ok = 0;
				fprintf(stderr, "accepted \"%s\", prints \"%s\"\n", text, back);
			}
		}
		else if ((err.kind != CT_ERR_SYNTAX && err.kind != CT_ERR_INVALID) || err.message[0] == '\0' || err.detail[0] == '\0')
		{
			ok = 0;
			fprintf(stderr, "\"%s\": kind %d, \"%s\"\n", text, err.kind, err.message);
		}
	}
	CHECK(ok);
	CHECK(parsed > 1000);		/* white space, another digit or op name: still a genotype */
}

static ct_error_kind
json_kind(const char *text, ct_darts_genotype *g, ct_error *err)
{
	cJSON	   *root = cJSON_Parse(text);
	bool		ok;

	if (root == NULL)
		return (ct_error_kind) - 1;
	ok = ct_darts_from_cjson(root, g, err);
	cJSON_Delete(root);
	return ok ? CT_OK : err->kind;
}

#define J_NORMAL "\"normal\": [[\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 1], [\"skip_connect\", 0], [\"skip_connect\", 0], [\"dil_conv_3x3\", 2]]"
#define J_REDUCE "\"reduce\": [[\"max_pool_3x3\", 0], [\"max_pool_3x3\", 1], [\"skip_connect\", 2], [\"max_pool_3x3\", 1], [\"max_pool_3x3\", 0], [\"skip_connect\", 2], [\"skip_connect\", 2], [\"max_pool_3x3\", 1]]"

static void
test_json(void)
{
	ct_darts_genotype v2,
				g;
	ct_error	err;

	CHECK(parse(DARTS_V2, &v2, &err));
	CHECK(json_kind("{\"space\": \"darts\", " J_NORMAL ", " J_REDUCE "}", &g, &err) == CT_OK);
	CHECK(memcmp(&g, &v2, sizeof(g)) == 0);
	CHECK(json_kind("{" J_NORMAL ", " J_REDUCE ", \"normal_concat\": [2, 3, 4, 5], \"reduce_concat\": [2, 3, 4, 5]}", &g, &err) == CT_OK);
	CHECK(memcmp(&g, &v2, sizeof(g)) == 0);
	CHECK(json_kind("{\"space\": \"darts\", \"genotype\": \"" "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])" "\"}", &g, &err) == CT_OK);
	CHECK(memcmp(&g, &v2, sizeof(g)) == 0);
	/* NASLib's compact as JSON lists: sep_conv_3x3 is index 3, skip 2, dil3 5, max 0 */
	CHECK(json_kind("{\"space\": \"darts\", \"compact\": [[[0,3],[1,3],[0,3],[1,3],[1,3],[0,2],[0,2],[2,5]], [[0,0],[1,0],[2,2],[1,0],[0,0],[2,2],[2,2],[1,0]]]}", &g, &err) == CT_OK);
	CHECK(memcmp(&g, &v2, sizeof(g)) == 0);

	CHECK(json_kind("{\"space\": \"darts\", " J_NORMAL "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype is missing a cell");
	CHECK(json_kind("{\"space\": \"darts\", " J_NORMAL ", " J_REDUCE ", \"compact\": []}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype needs exactly one of its forms");
	CHECK(json_kind("{\"space\": \"darts\", " J_NORMAL ", " J_REDUCE ", \"extra\": 1}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype has an unknown key");
	CHECK(json_kind("{\"space\": \"darts\", " J_NORMAL ", " J_NORMAL ", " J_REDUCE "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype has a duplicate key");
	CHECK(json_kind("{\"space\": \"nb201\", " J_NORMAL ", " J_REDUCE "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\": \"darts\", " J_NORMAL ", " J_REDUCE ", \"reduce_concat\": [2, 3, 4]}", &g, &err) == CT_ERR_INVALID);
	CHECK_STR(err.message, "DARTS genotype has an unsupported concat");
	CHECK(json_kind("{\"space\": \"darts\", \"normal\": [[\"sep_conv_3x3\", 0]], " J_REDUCE "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype cell has too few edges");
	CHECK(json_kind("{\"space\": \"darts\", \"normal\": [[\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1.5], [\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 1], [\"skip_connect\", 0], [\"skip_connect\", 0], [\"dil_conv_3x3\", 2]], " J_REDUCE "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype edge input must be a non-negative integer");
	CHECK(json_kind("{\"space\": \"darts\", \"normal\": [[\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 1], [\"skip_connect\", 0], [\"skip_connect\", 0], [\"dil_conv_3x3\", 2]], " J_REDUCE "}", &g, &err) == CT_ERR_INVALID);
	CHECK_STR(err.message, "DARTS genotype node has the same input twice");
	CHECK(json_kind("{\"space\": \"darts\", \"normal\": [[\"conv\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 1], [\"skip_connect\", 0], [\"skip_connect\", 0], [\"dil_conv_3x3\", 2]], " J_REDUCE "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype has an unknown operation");
	CHECK(json_kind("{\"space\": \"darts\", \"normal\": [[0, \"sep_conv_3x3\"], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 0], [\"sep_conv_3x3\", 1], [\"sep_conv_3x3\", 1], [\"skip_connect\", 0], [\"skip_connect\", 0], [\"dil_conv_3x3\", 2]], " J_REDUCE "}", &g, &err) == CT_ERR_SYNTAX);
	CHECK_STR(err.message, "DARTS genotype edge must be a JSON array [op, input]");
	CHECK(json_kind("{\"space\": \"darts\", \"compact\": [[[0,3],[1,3],[0,3],[1,3],[1,3],[0,2],[0,2],[2,7]], [[0,0],[1,0],[2,2],[1,0],[0,0],[2,2],[2,2],[1,0]]]}", &g, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\": \"darts\", \"genotype\": 3}", &g, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("[1]", &g, &err) == CT_ERR_SYNTAX);
}

/* The shipped sample: NASLib's Genotype strings and compact tuples agree, and print back. */
static void
test_sample(void)
{
	FILE	   *f = fopen("data/darts_sample.csv", "r");
	char		line[2048];
	int			rows = 0,
				bad = 0;
	ct_arch    *archs = calloc(400, sizeof(ct_arch));

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fgets(line, sizeof(line), f) != NULL && strncmp(line, "genotype,compact,nb301_surrogate_val_acc", 40) == 0);
	while (fgets(line, sizeof(line), f) != NULL && rows < 400)
	{
		/* "Genotype(...)","(((...)))",acc */
		char	   *g1 = line + 1,
				   *g2 = strstr(line, "\",\"");
		char	   *c1,
				   *c2;
		ct_darts_genotype a,
					b;
		ct_error	err;
		char		back[CT_DARTS_STR_MAX];
		char		compact[CT_DARTS_COMPACT_MAX];

		if (line[0] != '"' || g2 == NULL || (c2 = strstr(g2 + 3, "\",")) == NULL)
		{
			bad++;
			continue;
		}
		*g2 = '\0';
		c1 = g2 + 3;
		*c2 = '\0';
		bad += !ct_darts_parse(g1, strlen(g1), &a, &err);
		bad += !ct_darts_parse(c1, strlen(c1), &b, &err);
		bad += memcmp(&a, &b, sizeof(a)) != 0;
		ct_darts_to_str(&a, back, sizeof(back));
		bad += strcmp(back, g1) != 0;	/* NASLib prints exactly our form */
		ct_darts_to_compact(&a, compact, sizeof(compact));
		bad += !ct_darts_parse(compact, strlen(compact), &b, NULL) || memcmp(&a, &b, sizeof(a)) != 0;
		bad += ct_arch_parse(g1, &archs[rows], &err) ? archs[rows].space != CT_SPACE_DARTS : 1;
		rows++;
	}
	fclose(f);
	CHECK(rows == 300);
	CHECK(bad == 0);
	/* the sample's genotypes are distinct */
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < i; j++)
			bad += ct_arch_eq(&archs[i], &archs[j]);
	CHECK(bad == 0);
	free(archs);
}

/* Identity: a node's edges unordered; the bytes' order; the stored, wire and checkpoint forms. */
static void
test_space_values(void)
{
	const ct_space *sp = &ct_space_darts;
	ct_arch		a,
				b;
	ct_error	err;
	char		text[CT_ARCH_TEXT_MAX];
	uint8_t		buf[64];
	size_t		n;
	long		used;
	int			bad = 0;

	CHECK(ct_space_by_id(CT_SPACE_DARTS) == sp && ct_space_by_name("darts") == sp);
	CHECK(sp->nth == NULL && sp->index == NULL && sp->key_text == NULL);
	CHECK(ct_arch_parse(DARTS_V2, &a, &err) && a.space == CT_SPACE_DARTS && a.len == CT_DARTS_BYTES);
	CHECK(ct_arch_parse(DARTS_V2_CANON, &b, &err) && ct_arch_eq(&a, &b));
	ct_arch_to_text(&a, text, sizeof(text));
	CHECK_STR(text, DARTS_V2_CANON);
	CHECK(sp->valid(&a));
	/* a text with the edges of one node swapped is equal; another op is not */
	CHECK(ct_arch_parse("Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('dil_conv_3x3', 2), ('skip_connect', 0)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])", &b, &err));
	CHECK(ct_arch_eq(&a, &b) && ct_arch_hash64(&a) == ct_arch_hash64(&b));
	CHECK(ct_arch_parse("Genotype(normal=[('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('dil_conv_3x3', 2), ('skip_connect', 0)], normal_concat=[2, 3, 4, 5], " V2_REDUCE ", reduce_concat=[2, 3, 4, 5])", &b, &err));
	CHECK(!ct_arch_eq(&a, &b));
	/* the text forms all reach the space: compact tuple, JSON with and without "space" */
	CHECK(ct_arch_parse("(((0,3),(1,3),(0,3),(1,3),(1,3),(0,2),(0,2),(2,5)),((0,0),(1,0),(2,2),(1,0),(0,0),(2,2),(2,2),(1,0)))", &b, &err) && ct_arch_eq(&a, &b));
	CHECK(ct_arch_parse("{" J_NORMAL ", " J_REDUCE "}", &b, &err) && ct_arch_eq(&a, &b));
	CHECK(ct_arch_parse("{\"space\": \"darts\", " J_REDUCE ", " J_NORMAL "}", &b, &err) && ct_arch_eq(&a, &b));
	CHECK(!ct_arch_parse("Genotype(normal=[])", &b, &err) && err.kind == CT_ERR_SYNTAX);
	CHECK(!ct_arch_parse("genotype", &b, &err) && strstr(err.detail, "the DARTS space") != NULL);

	/* stored form: length, layout 1, bytes; damage is refused */
	n = sp->store(&a, buf);
	CHECK(n == 14 && n <= sp->stored_max && buf[0] == 12 && buf[1] == 1);
	CHECK(sp->unstore(buf, n, &b) && ct_arch_eq(&a, &b));
	buf[1] = 2;
	CHECK(!sp->unstore(buf, n, &b));
	buf[1] = 1;
	CHECK(!sp->unstore(buf, n - 1, &b));
	buf[2] ^= 0xff;
	CHECK(!sp->unstore(buf, n, &b));
	/* wire form: layout, 16 x (op, input); a node's edges in either order; bad values refused */
	n = sp->send(&a, buf);
	CHECK(n == 33 && n <= sp->wire_max && buf[0] == 1);
	used = sp->recv(buf, n, &b, &err);
	CHECK(used == 33 && ct_arch_eq(&a, &b));
	CHECK(sp->recv(buf, n - 1, &b, &err) == -1);
	{
		uint8_t		sw[64];

		memcpy(sw, buf, n);
		memcpy(sw + 1, buf + 3, 2);
		memcpy(sw + 3, buf + 1, 2);
		CHECK(sp->recv(sw, n, &b, &err) == 33 && ct_arch_eq(&a, &b));
		sw[2] = sw[4];			/* the same input twice */
		CHECK(sp->recv(sw, n, &b, &err) == 0 && err.kind == CT_ERR_INVALID);
		memcpy(sw, buf, n);
		sw[1] = 8;				/* op code 8 */
		CHECK(sp->recv(sw, n, &b, &err) == 0 && err.kind == CT_ERR_INVALID);
		memcpy(sw, buf, n);
		sw[0] = 2;
		CHECK(sp->recv(sw, n, &b, &err) == 0 && err.kind == CT_ERR_SYNTAX);
	}
	/* checkpoint form */
	{
		ct_wbuf		w;
		ct_rbuf		r;

		ct_wbuf_init(&w);
		sp->save(&a, &w);
		CHECK(w.len == 12);
		ct_rbuf_init(&r, w.data, w.len);
		CHECK(sp->load(&r, &b) && ct_arch_eq(&a, &b));
		ct_rbuf_init(&r, w.data, w.len - 1);
		CHECK(!sp->load(&r, &b));
		ct_wbuf_free(&w);
	}
	/* stray bytes, wrong length, non-canonical order are not valid encodings */
	b = a;
	b.bytes[12] = 1;
	CHECK(!sp->valid(&b));
	b = a;
	b.len = 11;
	CHECK(!sp->valid(&b));
	{
		ct_darts_genotype g;

		ct_darts_decode(a.bytes, a.len, &g, NULL);
		{
			ct_darts_edge t = g.cell[0][0];

			g.cell[0][0] = g.cell[0][1];
			g.cell[0][1] = t;
		}
		b = a;
		ct_darts_encode(&g, b.bytes);
		CHECK(!sp->valid(&b));
	}

	/* random genotypes: round trips, and memcmp order = the canonical edges in order */
	for (uint64_t seed = 0; seed < 3000; seed++)
	{
		ct_darts_genotype g,
					h,
					x,
					y;
		ct_arch		p,
					q;
		int			want = 0;

		sp->random(seed, &p);
		sp->random(seed + 100000, &q);
		ct_darts_decode(p.bytes, p.len, &g, NULL);
		ct_darts_decode(q.bytes, q.len, &h, NULL);
		bad += !sp->valid(&p);
		ct_arch_to_text(&p, text, sizeof(text));
		bad += !ct_arch_parse(text, &b, NULL) || !ct_arch_eq(&p, &b);
		x = g;
		y = h;
		for (int c = 0; c < 2 && want == 0; c++)
			for (int e = 0; e < 8 && want == 0; e++)
			{
				int			u = x.cell[c][e].input * 8 + x.cell[c][e].op;
				int			v = y.cell[c][e].input * 8 + y.cell[c][e].op;

				want = (u > v) - (u < v);
			}
		bad += ct_arch_cmp(&p, &q) != want;
	}
	CHECK(bad == 0);
}

/* The space's size, counted node by node. */
static void
test_size(void)
{
	int64_t		cell = 1,
				cell7 = 1;

	for (int node = 2; node <= 5; node++)
	{
		int64_t		pairs = 0,
					pairs7 = 0;

		/* unordered pairs of (input, op) edges with distinct inputs */
		for (int i = 0; i < node; i++)
			for (int j = i + 1; j < node; j++)
				for (int a = 0; a < 8; a++)
					for (int b = 0; b < 8; b++)
					{
						pairs++;
						pairs7 += a > 0 && b > 0;
					}
		cell *= pairs;
		cell7 *= pairs7;
	}
	CHECK(cell == CT_DARTS_CELL_COUNT);
	CHECK(cell7 == 1037664180);
	CHECK(ct_space_darts.size == CT_DARTS_COUNT);
	CHECK(CT_DARTS_COUNT / CT_DARTS_CELL_COUNT == CT_DARTS_CELL_COUNT && CT_DARTS_COUNT % CT_DARTS_CELL_COUNT == 0);
}

/* edges of g (both cells, each node's pair as a multiset) that differ from h */
static int
nodes_changed(const ct_darts_genotype *g, const ct_darts_genotype *h, int *edges_changed)
{
	int			n = 0;

	*edges_changed = 0;
	for (int c = 0; c < 2; c++)
		for (int e = 0; e < 8; e += 2)
		{
			const ct_darts_edge *a = &g->cell[c][e],
					   *b = &h->cell[c][e];
			bool		same = (memcmp(&a[0], &b[0], 2) == 0 && memcmp(&a[1], &b[1], 2) == 0) ||
				(memcmp(&a[0], &b[1], 2) == 0 && memcmp(&a[1], &b[0], 2) == 0);
			int			kept = (memcmp(&a[0], &b[0], 2) == 0 || memcmp(&a[0], &b[1], 2) == 0) +
				(memcmp(&a[1], &b[0], 2) == 0 || memcmp(&a[1], &b[1], 2) == 0);

			if (!same)
			{
				n++;
				*edges_changed += 2 - kept;
			}
		}
	return n;
}

static void
test_random(void)
{
	int			op_count[8] = {0},
				pair5[5][5] = {{0}};
	int			bad = 0;
	const int	N = 20000;

	for (uint64_t seed = 0; seed < (uint64_t) N; seed++)
	{
		ct_darts_genotype g,
					again;

		ct_darts_random(seed, &g);
		ct_darts_random(seed, &again);
		bad += memcmp(&g, &again, sizeof(g)) != 0;
		bad += !ct_darts_check(&g, NULL) || !ct_darts_is_canonical(&g);
		for (int c = 0; c < 2; c++)
			for (int e = 0; e < 8; e++)
				op_count[g.cell[c][e].op]++;
		pair5[g.cell[0][6].input][g.cell[0][7].input]++;
	}
	CHECK(bad == 0);
	/* ops uniform over the seven (never none): each 1/7 of 320,000 edges, within 3% */
	CHECK(op_count[CT_DARTS_NONE] == 0);
	for (int op = 1; op < 8; op++)
		CHECK(abs(op_count[op] - 16 * N / 7) < 16 * N / 7 * 3 / 100);
	/* node 5's inputs: each of the C(5, 2) = 10 pairs with probability 1/10, within 10% */
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			if (i < j)
				CHECK(abs(pair5[i][j] - N / 10) < N / 100);
			else
				CHECK(pair5[i][j] == 0);
}

static void
test_mutate(void)
{
	int			bad = 0,
				op_changes = 0,
				input_changes = 0;

	for (uint64_t seed = 0; seed < 5000; seed++)
	{
		ct_darts_genotype g,
					m,
					nb[CT_DARTS_NEIGHBOURS_MAX];
		int			edges,
					n,
					found = 0;

		ct_darts_random(seed, &g);
		ct_darts_mutate(&g, seed * 7 + 1, &m);
		bad += !ct_darts_check(&m, NULL) || !ct_darts_is_canonical(&m) || ct_darts_equal(&g, &m);
		bad += nodes_changed(&g, &m, &edges) != 1 || edges != 1;
		/* a mutation is one of the neighbours */
		n = ct_darts_neighbours(&g, nb);
		for (int k = 0; k < n; k++)
			found += memcmp(&nb[k], &m, sizeof(m)) == 0;
		bad += found != 1;
		/* which kind of change: the same op multiset means an input changed */
		{
			int			ops_g[8] = {0},
						ops_m[8] = {0};

			for (int c = 0; c < 2; c++)
				for (int e = 0; e < 8; e++)
					ops_g[g.cell[c][e].op]++, ops_m[m.cell[c][e].op]++;
			if (memcmp(ops_g, ops_m, sizeof(ops_g)) == 0)
				input_changes++;
			else
				op_changes++;
		}
	}
	CHECK(bad == 0);
	/*
	 * NASLib picks op or input with probability 1/2 and draws again when
	 * nothing changed: an op draw changes with 6/7, an input draw of node
	 * k+2 with k/(k+2) (k = 0..3), about 0.32; so ops are about 73% of
	 * changes (and an op change to the same op count as input changes here
	 * never happens: the op multiset differs).
	 */
	CHECK(op_changes > 3400 && op_changes < 3900);
	CHECK(input_changes > 1100 && input_changes < 1600);
}

static void
test_neighbours(void)
{
	int			bad = 0;

	for (uint64_t seed = 0; seed < 500; seed++)
	{
		ct_darts_genotype g,
					nb[CT_DARTS_NEIGHBOURS_MAX];
		int			n,
					nones;

		ct_darts_random(seed, &g);
		/* some with none edges: each adds one neighbour (all seven ops are other ops) */
		nones = (int) (seed % 4);
		for (int k = 0; k < nones; k++)
			g.cell[k % 2][(int) (seed + (uint64_t) k * 3) % 8].op = CT_DARTS_NONE;
		nones = 0;
		for (int c = 0; c < 2; c++)
			for (int e = 0; e < 8; e++)
				nones += g.cell[c][e].op == CT_DARTS_NONE;
		n = ct_darts_neighbours(&g, nb);
		bad += n != 120 + nones;
		for (int k = 0; k < n; k++)
		{
			int			edges;

			bad += !ct_darts_check(&nb[k], NULL) || !ct_darts_is_canonical(&nb[k]);
			bad += nodes_changed(&g, &nb[k], &edges) != 1 || edges != 1;
			for (int j = 0; j < k; j++)
				bad += memcmp(&nb[j], &nb[k], sizeof(g)) == 0;
		}
	}
	CHECK(bad == 0);
	/* through the interface: the first max written */
	{
		ct_arch		a,
					all[CT_SPACE_NEIGHBOURS_MAX],
					few[5];

		ct_space_darts.random(7, &a);
		CHECK(ct_space_darts.neighbours(&a, all, CT_SPACE_NEIGHBOURS_MAX) == 120);
		CHECK(ct_space_darts.neighbours(&a, few, 5) == 120);
		for (int k = 0; k < 5; k++)
			CHECK(ct_arch_eq(&few[k], &all[k]));
	}
}

/* §10.3's worked example: genotype2arch of DARTS_V2's normal cell. */
static void
test_cell_dag(void)
{
	ct_darts_genotype g;
	ct_darts_dag d;
	static const uint8_t ops[10] = {0, 1, 4, 4, 4, 4, 4, 3, 3, 8};
	int			ones = 0;

	CHECK(parse(DARTS_V2, &g, NULL));
	ct_darts_cell_dag(&g, 0, &d);
	CHECK(memcmp(d.ops, ops, 10) == 0);
	/* row 0 has ones at cols 2, 4, 7, 8; row 1 at 3, 5, 6; rows 2 and 3 at col 9 */
	for (int v = 0; v < 10; v++)
		for (int u = 0; u < 10; u++)
		{
			bool		want = (u == 0 && (v == 2 || v == 4 || v == 7 || v == 8)) ||
				(u == 1 && (v == 3 || v == 5 || v == 6)) || ((u == 2 || u == 3) && v == 9);

			CHECK(((d.preds[v] >> u) & 1) == want);
			ones += (d.preds[v] >> u) & 1;
		}
	CHECK(ones == 9);
	/* the reduce cell: every op id in range, edges only from earlier nodes */
	ct_darts_cell_dag(&g, 1, &d);
	CHECK(d.ops[2] == 6 && d.ops[4] == 3);
	for (int v = 0; v < 10; v++)
		CHECK((d.preds[v] >> v) == 0 && d.ops[v] < CT_DARTS_NAC_VOCAB);
}

static void
test_dot(void)
{
	ct_arch		a;
	char		dot[CT_ARCH_DOT_MAX];
	size_t		n;

	CHECK(ct_arch_parse(DARTS_V2, &a, NULL));
	n = ct_arch_to_dot(&a, dot, sizeof(dot));
	CHECK(n < CT_DARTS_DOT_MAX && n == strlen(dot));
	CHECK(strstr(dot, "subgraph cluster_normal") != NULL && strstr(dot, "subgraph cluster_reduce") != NULL);
	CHECK(strstr(dot, "n_1 -> n_3 [label=\"dil_conv_3x3\"]") == NULL);	/* node 5 (3) reads node 2 (0) */
	CHECK(strstr(dot, "n_0 -> n_3 [label=\"dil_conv_3x3\"]") != NULL);
	CHECK(strstr(dot, "r_km1 -> r_0 [label=\"max_pool_3x3\"]") != NULL);
	CHECK(strstr(dot, "n_3 -> n_k;") != NULL && strstr(dot, "label=\"c_{k-2}\"") != NULL);
	/* a buffer too small gets what fits, NUL-terminated, and the full length */
	{
		char		small[100];

		CHECK(ct_arch_to_dot(&a, small, sizeof(small)) == n && strlen(small) < sizeof(small));
	}
}

void
test_space_darts(void)
{
	test_ops();
	test_genotype_string();
	test_parse_errors();
	test_parse_edits();
	test_json();
	test_sample();
	test_space_values();
	test_size();
	test_random();
	test_mutate();
	test_neighbours();
	test_cell_dag();
	test_dot();
}
