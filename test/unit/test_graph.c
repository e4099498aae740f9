/*
 * test_graph.c
 *	  Validation, pruning, canonical form and order of the core graph module.
 */
#include "unit.h"

#include "ctnas_graph.h"

/* A raw graph from a row-major 0/1 string and op codes. */
static ct_raw_graph
raw_of(int n, const char *adj, const int *ops)
{
	ct_raw_graph raw;

	memset(&raw, 0, sizeof(raw));
	raw.n = n;
	for (int i = 0; i < n * n; i++)
		raw.adj[i / n][i % n] = (uint8_t) (adj[i] - '0');
	for (int v = 0; v < n; v++)
		raw.ops[v] = (uint8_t) ops[v];
	return raw;
}

static ct_error_kind
build_kind(const ct_raw_graph *raw)
{
	ct_graph	g;
	ct_error	err;

	memset(&err, 0, sizeof(err));
	if (ct_graph_from_raw(raw, &g, &err))
		return CT_OK;
	CHECK(err.message[0] != '\0');
	return err.kind;
}

enum
{
	I = CT_OP_INPUT, O = CT_OP_OUTPUT, C3 = CT_OP_CONV3X3, C1 = CT_OP_CONV1X1, MP = CT_OP_MAXPOOL3X3
};

static void
test_validation(void)
{
	ct_raw_graph raw;

	raw = raw_of(2, "0100", (int[]) {I, O});
	CHECK(build_kind(&raw) == CT_OK);
	raw = raw_of(1, "0", (int[]) {I});
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(0, "", (int[]) {0});
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(2, "0110", (int[]) {I, O});	/* lower triangle */
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(2, "1100", (int[]) {I, O});	/* self loop */
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(2, "0200", (int[]) {I, O});	/* not 0/1 */
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(2, "0100", (int[]) {O, I});
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(3, "010001000", (int[]) {I, I, O});
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(3, "010001000", (int[]) {I, 7, O});
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(2, "0000", (int[]) {I, O});	/* no path */
	CHECK(build_kind(&raw) == CT_ERR_INVALID);
	raw = raw_of(3, "010000000", (int[]) {I, C3, O});
	CHECK(build_kind(&raw) == CT_ERR_INVALID);

	/* 8 nodes on one path: too large; 10 edges: too large */
	memset(&raw, 0, sizeof(raw));
	raw.n = 8;
	for (int v = 0; v < 7; v++)
		raw.adj[v][v + 1] = 1;
	raw.ops[0] = I;
	raw.ops[7] = O;
	CHECK(build_kind(&raw) == CT_ERR_TOO_LARGE);
	raw = raw_of(6, "011111" "001111" "000001" "000001" "000001" "000000", (int[]) {I, C3, C3, C3, C3, O});
	CHECK(build_kind(&raw) == CT_ERR_TOO_LARGE);
	raw.n = CT_RAW_MAX_NODES + 1;
	CHECK(build_kind(&raw) == CT_ERR_TOO_LARGE);
	/* exactly 9 edges and 7 nodes is fine */
	raw = raw_of(7, "0111100" "0000010" "0000010" "0000010" "0000001" "0000001" "0000000",
				 (int[]) {I, C3, C1, MP, C3, C1, O});
	CHECK(build_kind(&raw) == CT_OK);
}

static void
test_pruning(void)
{
	/* node 2 has no path to the output, node 3 none from the input */
	ct_raw_graph raw = raw_of(5, "01100" "00001" "00000" "00001" "00000", (int[]) {I, C3, MP, C1, O});
	ct_graph	g;

	CHECK(ct_graph_from_raw(&raw, &g, NULL));
	CHECK(g.n == 3);
	CHECK(ct_graph_num_edges(&g) == 2);
	CHECK(g.ops[1] == C3);
	CHECK(ct_graph_has_edge(&g, 0, 1) && ct_graph_has_edge(&g, 1, 2));

	/* 9 raw nodes, 2 dangling: 7 after pruning */
	memset(&raw, 0, sizeof(raw));
	raw.n = 9;
	for (int v = 0; v < 5; v++)
		raw.adj[v][v + 1] = 1;
	raw.adj[5][8] = 1;
	raw.adj[0][7] = 1;
	raw.ops[0] = I;
	for (int v = 1; v < 8; v++)
		raw.ops[v] = C3;
	raw.ops[8] = O;
	CHECK(ct_graph_from_raw(&raw, &g, NULL));
	CHECK(g.n == 7);
	CHECK(ct_graph_num_edges(&g) == 6);
}

static void
test_canonical(void)
{
	/* X, Y, Z numbering (bits 0,1,4,8,9) becomes Y, X, Z (bits 0,1,5,7,9) */
	ct_raw_graph raw = raw_of(5, "01100" "00010" "00001" "00001" "00000", (int[]) {I, C3, MP, C1, O});
	ct_raw_graph back;
	ct_graph	g,
				g2;

	CHECK(ct_graph_from_raw(&raw, &g, NULL));
	CHECK(g.edges == ((1u << 0) | (1u << 1) | (1u << 5) | (1u << 7) | (1u << 9)));
	CHECK(g.ops[1] == MP && g.ops[2] == C3 && g.ops[3] == C1);
	CHECK(ct_graph_is_canonical(&g));

	/* the canonical form is a fixed point */
	ct_graph_to_raw(&g, &back);
	CHECK(ct_graph_from_raw(&back, &g2, NULL));
	CHECK(ct_graph_cmp(&g, &g2) == 0);

	/* parallel branches: the smaller op tuple wins */
	raw = raw_of(4, "0110" "0001" "0001" "0000", (int[]) {I, MP, C3, O});
	CHECK(ct_graph_from_raw(&raw, &g, NULL));
	CHECK(g.ops[1] == C3 && g.ops[2] == MP);

	/* a non-canonical value is recognised as such */
	g2 = g;
	g2.ops[1] = MP;
	g2.ops[2] = C3;
	CHECK(!ct_graph_is_canonical(&g2));
	g2 = g;
	g2.edges |= 1u << 30;
	CHECK(!ct_graph_is_canonical(&g2));
	g2 = g;
	g2.n = 8;
	CHECK(!ct_graph_is_canonical(&g2));
}

static void
test_order(void)
{
	ct_graph	a,
				b;
	ct_raw_graph raw = raw_of(2, "0100", (int[]) {I, O});

	CHECK(ct_graph_from_raw(&raw, &a, NULL));
	raw = raw_of(3, "010001000", (int[]) {I, C3, O});
	CHECK(ct_graph_from_raw(&raw, &b, NULL));
	CHECK(ct_graph_cmp(&a, &b) < 0 && ct_graph_cmp(&b, &a) > 0);
	raw = raw_of(3, "010001000", (int[]) {I, C1, O});
	CHECK(ct_graph_from_raw(&raw, &a, NULL));
	CHECK(ct_graph_cmp(&b, &a) < 0);	/* conv3x3 before conv1x1 */
	raw = raw_of(3, "011001000", (int[]) {I, C3, O});
	CHECK(ct_graph_from_raw(&raw, &a, NULL));
	CHECK(ct_graph_cmp(&b, &a) < 0);	/* fewer edge bits first */
	CHECK(ct_graph_cmp(&a, &a) == 0);
}

static void
test_names(void)
{
	CHECK(ct_op_from_name("conv3x3-bn-relu", 15) == C3);
	CHECK(ct_op_from_name("maxpool3x3", 10) == MP);
	CHECK(ct_op_from_name("maxpool3x", 9) == -1);
	CHECK(ct_op_from_name("", 0) == -1);
	CHECK_STR(ct_op_name(O), "output");
	CHECK(ct_op_name(5) == NULL && ct_op_name(-1) == NULL);
}

void
test_graph(void)
{
	test_validation();
	test_pruning();
	test_canonical();
	test_order();
	test_names();
}
