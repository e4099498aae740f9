/*
 * space_nb201.c
 *	  NAS-Bench-201 as a search space: the adapter between the generic
 *	  interface (ctnas_space.h) and the cell module (ctnas_nb201.h).
 *
 * Identity is the 6 edge ops exactly as the benchmark indexes its cells
 * (isomorphic cells are separate entries with their own accuracies), so
 * the 15,625 cells are 15,625 values; archgraph_canonical maps a cell to
 * its class's representative.  The encoding is the benchmark index as a
 * 2-byte big-endian number, so the type's order is the benchmark's.
 */
#include "ctnas_space.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "ctnas_controller.h"
#include "ctnas_nac.h"
#include "ctnas_nb201.h"

static void
nb201_arch(const ct_nb201_cell *c, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_NB201;
	out->len = CT_NB201_BYTES;
	ct_nb201_encode(c, out->bytes);
}

/* a is an NB201 architecture (made by this module, or checked by nb201_valid) */
static void
nb201_cell(const ct_arch *a, ct_nb201_cell *out)
{
	if (!ct_nb201_decode(a->bytes, a->len, out, NULL))
		memset(out, 0, sizeof(*out));
}

static bool
nb201_from_json(const cJSON *root, ct_arch *out, ct_error *err)
{
	ct_nb201_cell c;

	if (!ct_nb201_from_cjson(root, &c, err))
		return false;
	nb201_arch(&c, out);
	return true;
}

/* Only {"space": "nb201", ...}: its other keys ("arch", "ops") are too common to claim an object by. */
static bool
nb201_claims_json(const cJSON *root)
{
	return false;
}

static bool
nb201_from_native(const char *text, ct_arch *out, ct_error *err)
{
	ct_nb201_cell c;

	if (!ct_nb201_parse(text, strlen(text), &c, err))
		return false;
	nb201_arch(&c, out);
	return true;
}

/* The benchmark string starts with "|" (its first node's group). */
static bool
nb201_claims_native(const char *text)
{
	return text[0] == '|';
}

static size_t
nb201_to_text(const ct_arch *a, char *buf, size_t size)
{
	ct_nb201_cell c;

	nb201_cell(a, &c);
	return ct_nb201_to_str(&c, buf, size);
}

static size_t
nb201_to_dot(const ct_arch *a, char *buf, size_t size)
{
	ct_nb201_cell c;

	nb201_cell(a, &c);
	return ct_nb201_to_dot(&c, buf, size);
}

static bool
nb201_valid(const ct_arch *a)
{
	ct_nb201_cell c;

	if (a->space != CT_SPACE_NB201 || a->len != CT_NB201_BYTES)
		return false;
	for (int i = a->len; i < CT_ARCH_MAX; i++)
		if (a->bytes[i] != 0)
			return false;
	return ct_nb201_decode(a->bytes, a->len, &c, NULL);
}

/* The checkpoint form: the 2 bytes of the encoding. */
static void
nb201_save(const ct_arch *a, ct_wbuf *w)
{
	ct_wbuf_bytes(w, a->bytes, CT_NB201_BYTES);
}

static bool
nb201_load(ct_rbuf *r, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_NB201;
	out->len = CT_NB201_BYTES;
	return ct_rbuf_bytes(r, out->bytes, CT_NB201_BYTES) && nb201_valid(out);
}

/* The stored and the wire form: the encoding's length, a zero byte, the encoding. */
static size_t
nb201_store(const ct_arch *a, uint8_t *out)
{
	out[0] = CT_NB201_BYTES;
	out[1] = 0;
	memcpy(out + 2, a->bytes, CT_NB201_BYTES);
	return 2 + CT_NB201_BYTES;
}

static bool
nb201_unstore(const uint8_t *in, size_t len, ct_arch *out)
{
	if (len != 2 + CT_NB201_BYTES || in[0] != CT_NB201_BYTES || in[1] != 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_NB201;
	out->len = CT_NB201_BYTES;
	memcpy(out->bytes, in + 2, CT_NB201_BYTES);
	return nb201_valid(out);
}

static long
nb201_recv(const uint8_t *in, size_t len, ct_arch *out, ct_error *err)
{
	ct_nb201_cell c;

	if (len < 2 + CT_NB201_BYTES)
		return -1;
	if (in[0] != CT_NB201_BYTES || in[1] != 0)
		return ct_fail(err, CT_ERR_SYNTAX, "invalid NAS-Bench-201 archgraph in binary form",
					   "The encoding must be %d bytes, preceded by its length and a zero byte.", CT_NB201_BYTES), 0;
	if (!ct_nb201_decode(in + 2, CT_NB201_BYTES, &c, err))
		return 0;
	nb201_arch(&c, out);
	return 2 + CT_NB201_BYTES;
}

static int
nb201_nodes(const ct_arch *a)
{
	return CT_NB201_NUM_NODES;
}

/* edges that carry an operation (none is the zero op: no edge) */
static int
nb201_edges(const ct_arch *a)
{
	ct_nb201_cell c;
	int			n = 0;

	nb201_cell(a, &c);
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		n += c.ops[e] != CT_NB201_NONE;
	return n;
}

static int
nb201_op_names(const ct_arch *a, const char **out, int max)
{
	ct_nb201_cell c;

	nb201_cell(a, &c);
	for (int e = 0; e < CT_NB201_NUM_EDGES && e < max; e++)
		out[e] = ct_nb201_op_name(c.ops[e]);
	return CT_NB201_NUM_EDGES;
}

static int64_t
nb201_index(const ct_arch *a)
{
	return (int64_t) a->bytes[0] << 8 | a->bytes[1];
}

static void
nb201_canonical(const ct_arch *a, ct_arch *out)
{
	ct_nb201_cell c,
				rep;

	nb201_cell(a, &c);
	ct_nb201_canonical(&c, &rep);
	nb201_arch(&rep, out);
}

static void
nb201_random(uint64_t seed, ct_arch *out)
{
	ct_nb201_cell c;

	ct_nb201_random(seed, &c);
	nb201_arch(&c, out);
}

static bool
nb201_mutate(const ct_arch *a, uint64_t seed, ct_arch *out, ct_error *err)
{
	ct_nb201_cell c,
				m;

	nb201_cell(a, &c);
	ct_nb201_mutate(&c, seed, &m);
	nb201_arch(&m, out);
	return true;
}

_Static_assert(CT_NB201_NEIGHBOURS <= CT_SPACE_NEIGHBOURS_MAX, "the space interface's bound on neighbours");

static int
nb201_neighbours(const ct_arch *a, ct_arch *out, int max)
{
	ct_nb201_cell c,
				nb[CT_NB201_NEIGHBOURS];

	nb201_cell(a, &c);
	ct_nb201_neighbours(&c, nb);
	for (int k = 0; k < CT_NB201_NEIGHBOURS && k < max; k++)
		nb201_arch(&nb[k], &out[k]);
	return CT_NB201_NEIGHBOURS;
}

static bool
nb201_nth(int64_t i, ct_arch *out)
{
	ct_nb201_cell c;

	if (!ct_nb201_from_index(i, &c, NULL))
		return false;
	nb201_arch(&c, out);
	return true;
}

/*
 * The NAC's vocabulary (ct_nac_vocab CT_NAC_VOCAB_NB201): 0 padding (never
 * used: every cell has 8 nodes), 1 input, 2..6 the five ops in NB201's
 * order, 7 output.
 */
#define NAC_INPUT	1
#define NAC_OP0		2
#define NAC_OUTPUT	7
#define NAC_VOCAB	8

static void
nb201_to_dag(const ct_arch *a, int view, ct_dag *out)
{
	ct_nb201_cell c;
	ct_nb201_dag d;

	nb201_cell(a, &c);
	ct_nb201_to_dag(&c, &d);
	memset(out, 0, sizeof(*out));
	out->n = d.n;
	for (int v = 0; v < d.n; v++)
	{
		out->op[v] = d.ops[v] == CT_NB201_DAG_INPUT ? NAC_INPUT :
			d.ops[v] == CT_NB201_DAG_OUTPUT ? NAC_OUTPUT : (uint8_t) (NAC_OP0 + d.ops[v]);
		out->pred[v] = d.preds[v];
	}
}

/*
 * The controller's program: the six edges in the benchmark string's order,
 * each a softmax over the five ops, the chosen op's embedding the next
 * step's input.  (The reference has no NAS-Bench-201 controller; this is
 * its NAS-Bench-101 controller's op decision, once per edge.)
 */
static void
nb201_ctrl_next(const int *actions, int t, ct_ctrl_next *out)
{
	*out = (ct_ctrl_next) {0, CT_NB201_NUM_OPS, 0};
}

static bool
nb201_ctrl_decode(const int *actions, ct_arch *out, ct_error *err)
{
	ct_nb201_cell c;

	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
	{
		if (actions[e] < 0 || actions[e] >= CT_NB201_NUM_OPS)
			return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions", "Edge %d: op %d.", e, actions[e]);
		c.ops[e] = (uint8_t) actions[e];
	}
	nb201_arch(&c, out);
	return true;
}

static const ct_ctrl_program ct_ctrl_program_nb201 = {
	.ntables = 1,
	.table_rows = {CT_NB201_NUM_OPS},
	.attention_table = -1,
	.nheads = 1,
	.head_k = {CT_NB201_NUM_OPS},
	.decisions = CT_NB201_NUM_EDGES,
	.next = nb201_ctrl_next,
	.decode = nb201_ctrl_decode,
};

const ct_space ct_space_nb201 = {
	.id = CT_SPACE_NB201,
	.name = "nb201",
	.title = "NAS-Bench-201",
	.size = CT_NB201_NUM_CELLS,
	.forms = "\"|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|...|\", {\"space\": \"nb201\", \"arch\": \"|...|\"} "
	"or {\"space\": \"nb201\", \"ops\": [6 op names]}",
	.from_json = nb201_from_json,
	.claims_json = nb201_claims_json,
	.from_native = nb201_from_native,
	.claims_native = nb201_claims_native,
	.text_max = CT_NB201_STR_MAX,
	.to_text = nb201_to_text,
	.dot_max = CT_NB201_DOT_MAX,
	.to_dot = nb201_to_dot,
	.hash64 = NULL,
	.save = nb201_save,
	.load = nb201_load,
	.stored_max = 2 + CT_NB201_BYTES,
	.store = nb201_store,
	.unstore = nb201_unstore,
	.wire_max = 2 + CT_NB201_BYTES,
	.send = nb201_store,
	.recv = nb201_recv,
	.nodes = nb201_nodes,
	.edges = nb201_edges,
	.op_names = nb201_op_names,
	.matrix = NULL,			/* ops are on edges: archgraph_ops */
	.key_text = NULL,
	.index = nb201_index,
	.valid = nb201_valid,
	.canonical = nb201_canonical,
	.random = nb201_random,
	.mutate = nb201_mutate,
	.neighbours = nb201_neighbours,
	.nth = nb201_nth,
	.nac_slots = 8,
	.nac_vocab = CT_NAC_VOCAB_NB201,
	.nac_vocab_size = NAC_VOCAB,
	.nac_vocab_json = "[\"dummy\", \"input\", \"none\", \"skip_connect\", \"nor_conv_1x1\", \"nor_conv_3x3\", \"avg_pool_3x3\", \"output\"]",
	.info_name = "nas-bench-201",
	.to_dag = nb201_to_dag,
	.nac_last_is_output = true,
	.program = &ct_ctrl_program_nb201,
};
