/*
 * space_ofa.c
 *	  The Once-for-All MobileNetV3 space (space "ofa_mbv3", id 4; the CTNAS
 *	  reference's "mobilespace", ctnas-reference.md §11) behind the generic
 *	  interface (ctnas_space.h); the networks themselves are in ofa_net.c.
 *
 * Input: OFA's dict as JSON, {"ks": [20], "e": [20], "d": [5]}, claimed by
 * its keys or named by "space": "ofa_mbv3", and the reference's string
 * "d0,..,d4:k0,..,k19:e0,..,e19".  "wid": null is accepted (OFA's old
 * ArchManager writes it); a resolution ("r" as OFA's evolution and DyNAS-T
 * log it, "image_size" as its arch encoder names it) is refused with a hint:
 * OFA samples it apart from the network, the reference's encoding has none,
 * and the same subnet at two resolutions would be two rows of one value.
 * An inactive slot (layer l >= d[u]) may hold any kernel / expand value or 0
 * (DyNAS-T's ks_active, OFA's feature2arch): it is not part of the identity.
 *
 * Output: the dict with 0 in inactive slots, as OFA's arch encoder decodes
 * a feature vector (feature2arch appends 0 to both lists for a skipped
 * slot) and DyNAS-T's ks_active / e_active write it; it re-parses to the
 * same value.  No "space" key: the keys claim it.
 *
 * Identity and order: the 13 bytes of ctnas_ofa.h (unit by unit, depth
 * first).  The space has 7,371^5 = 21,758,655,492,572,485,851 networks,
 * beyond int64: size is INT64_MAX (read "at least") and size_text exact.
 * It cannot be enumerated (nth NULL) and has no benchmark index or key.
 */
#include "ctnas_space.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

#include "ctnas_controller.h"
#include "ctnas_nac.h"
#include "ctnas_ofa.h"

/* The stored and wire forms' version of this space's layout (after archgraph's own version and space bytes). */
#define OFA_LAYOUT 1

_Static_assert(CT_SPACE_OFA == 4, "ct_ofa_pack writes space 4");
_Static_assert(CT_OFA_BYTES <= CT_ARCH_MAX, "an OFA encoding fits a ct_arch");

static void
ofa_arch(const ct_ofa_net *n, ct_arch *out)
{
	ct_ofa_pack(n, out);
}

static bool
ofa_from_json(const cJSON *root, ct_arch *out, ct_error *err)
{
	ct_ofa_net	n;

	if (!ct_ofa_from_cjson(root, &n, err))
		return false;
	ofa_arch(&n, out);
	return true;
}

/* OFA's "ks" (no other space has it), or "e" with "d"; never an object with NAS-Bench-101's matrix */
static bool
ofa_claims_json(const cJSON *root)
{
	return (cJSON_GetObjectItemCaseSensitive(root, "ks") != NULL ||
			(cJSON_GetObjectItemCaseSensitive(root, "e") != NULL &&
			 cJSON_GetObjectItemCaseSensitive(root, "d") != NULL)) &&
		cJSON_GetObjectItemCaseSensitive(root, "matrix") == NULL;
}

static bool
ofa_from_native(const char *text, ct_arch *out, ct_error *err)
{
	ct_ofa_net	n;

	if (!ct_ofa_parse(text, strlen(text), &n, err))
		return false;
	ofa_arch(&n, out);
	return true;
}

/* digits, commas and a ':' before anything else: "2,3,4,2,3:..." */
static bool
ofa_claims_native(const char *text)
{
	const char *p = text;

	if (!isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p) || *p == ',' || *p == ' ' || *p == '\t' || *p == '-')
		p++;
	return *p == ':';
}

static size_t
ofa_to_text(const ct_arch *a, char *buf, size_t size)
{
	ct_ofa_net	n;

	ct_ofa_unpack(a, &n);
	return ct_ofa_to_json(&n, buf, size);
}

static bool
ofa_valid(const ct_arch *a)
{
	return ct_ofa_valid(a);
}

/* The checkpoint form: the 13 bytes of the encoding. */
static void
ofa_save(const ct_arch *a, ct_wbuf *w)
{
	ct_wbuf_bytes(w, a->bytes, CT_OFA_BYTES);
}

static bool
ofa_load(ct_rbuf *r, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_OFA;
	out->len = CT_OFA_BYTES;
	return ct_rbuf_bytes(r, out->bytes, CT_OFA_BYTES) && ofa_valid(out);
}

/* The stored form: the encoding's length, the layout version, the 13 bytes. */
#define STORED_BYTES (2 + CT_OFA_BYTES)

static size_t
ofa_store(const ct_arch *a, uint8_t *out)
{
	out[0] = CT_OFA_BYTES;
	out[1] = OFA_LAYOUT;
	memcpy(out + 2, a->bytes, CT_OFA_BYTES);
	return STORED_BYTES;
}

static bool
ofa_unstore(const uint8_t *in, size_t len, ct_arch *out)
{
	if (len != STORED_BYTES || in[0] != CT_OFA_BYTES || in[1] != OFA_LAYOUT)
		return false;
	memset(out, 0, sizeof(*out));
	out->space = CT_SPACE_OFA;
	out->len = CT_OFA_BYTES;
	memcpy(out->bytes, in + 2, CT_OFA_BYTES);
	return ofa_valid(out);
}

/*
 * The wire form: the layout version, then d[0..4], ks[0..19], e[0..19], one
 * byte each, inactive slots 0: readable without this code, and received
 * with the validation of text input (an inactive slot may hold a value).
 */
#define WIRE_BYTES (1 + CT_OFA_UNITS + 2 * CT_OFA_SLOTS)

static size_t
ofa_send(const ct_arch *a, uint8_t *out)
{
	ct_ofa_net	n;
	size_t		k = 0;

	ct_ofa_unpack(a, &n);
	out[k++] = OFA_LAYOUT;
	for (int u = 0; u < CT_OFA_UNITS; u++)
		out[k++] = (uint8_t) n.d[u];
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		out[k++] = (uint8_t) n.ks[s];
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		out[k++] = (uint8_t) n.e[s];
	return k;
}

static long
ofa_recv(const uint8_t *in, size_t len, ct_arch *out, ct_error *err)
{
	ct_ofa_net	n;
	size_t		k = 1;

	if (len < WIRE_BYTES)
		return -1;
	if (in[0] != OFA_LAYOUT)
		return ct_fail(err, CT_ERR_SYNTAX, "invalid OFA MobileNetV3 archgraph in binary form",
					   "The layout version is %d; this build reads version %d.", in[0], OFA_LAYOUT), 0;
	for (int u = 0; u < CT_OFA_UNITS; u++)
		n.d[u] = in[k++];
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		n.ks[s] = in[k++];
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		n.e[s] = in[k++];
	if (!ct_ofa_check(&n, err))
		return 0;
	ofa_arch(&n, out);
	return WIRE_BYTES;
}

/* the active MBConv layers (the fixed stem, first block and head are not the architecture's) */
static int
ofa_nodes(const ct_arch *a)
{
	int			n = 0;

	for (int u = 0; u < CT_OFA_UNITS; u++)
		n += ct_ofa_nibble(a, 5 * u);
	return n;
}

/* the chain between them */
static int
ofa_edges(const ct_arch *a)
{
	return ofa_nodes(a) - 1;
}

/* "MBConv k5 e6" per active layer, in slot order */
static int
ofa_op_names(const ct_arch *a, const char **out, int max)
{
	ct_ofa_net	n;
	int			k = 0;

	ct_ofa_unpack(a, &n);
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		if (n.ks[s] != 0)
		{
			if (k < max)
				out[k] = ct_ofa_layer_name(n.ks[s], n.e[s]);
			k++;
		}
	return k;
}

/* Identity is the encoding itself (inactive slots already dropped). */
static void
ofa_canonical(const ct_arch *a, ct_arch *out)
{
	*out = *a;
}

static size_t
ofa_to_dot(const ct_arch *a, char *buf, size_t size)
{
	return ct_ofa_to_dot(a, buf, size);
}

static void
ofa_random(uint64_t seed, ct_arch *out)
{
	ct_ofa_random(seed, out);
}

static bool
ofa_mutate(const ct_arch *a, uint64_t seed, ct_arch *out, ct_error *err)
{
	ct_ofa_mutate(a, seed, out);
	return true;
}

_Static_assert(CT_OFA_NEIGHBOURS_MAX <= CT_SPACE_NEIGHBOURS_MAX, "the space interface's bound on neighbours");

static int
ofa_neighbours(const ct_arch *a, ct_arch *out, int max)
{
	ct_arch		nb[CT_OFA_NEIGHBOURS_MAX];
	int			n = ct_ofa_neighbours(a, nb);

	for (int k = 0; k < n && k < max; k++)
		out[k] = nb[k];
	return n;
}

/* The reference's MBSpaceNAC input (§11.3): 120 floats. */
static void
ofa_to_features(const ct_arch *a, float *out)
{
	ct_ofa_onehot(a, out);
}

/*
 * The reference's MBSpaceController (ctnas-reference.md §11.5,
 * controller/mobilespace.py): one LSTMCell(64), 45 decisions, for unit
 * u = 0..4 its depth, then for layer l = 0..3 its expand ratio (width_linear)
 * and its kernel size (ks_linear), each a 3-way softmax; the next input is
 * the embedding of the choice just made (depth_embedding, ratio_embedding,
 * ks_embedding), zeros first; the LSTM state is never reset; no mask, no
 * scaling (the reference has no temperature or tanh here).  The decisions
 * of inactive slots are sampled and count in log p and entropy as there
 * (§11.10.3); decoding drops them.  Tables in named_parameters order:
 * condition_embedding (1 row, never read: it is counted, 34,505 parameters
 * in all, and never moves), depth, ratio, ks; heads depth_linear,
 * width_linear, ks_linear.
 */
#define CTRL_PER_UNIT	(1 + 2 * CT_OFA_SLOTS_PER_UNIT)	/* 9 */
#define CTRL_DECISIONS	(CT_OFA_UNITS * CTRL_PER_UNIT)	/* 45 */

enum
{
	TABLE_CONDITION, TABLE_DEPTH, TABLE_RATIO, TABLE_KS
};
enum
{
	HEAD_DEPTH, HEAD_WIDTH, HEAD_KS
};

static void
ofa_ctrl_next(const int *actions, int t, ct_ctrl_next *out)
{
	int			r = t % CTRL_PER_UNIT;

	memset(out, 0, sizeof(*out));
	out->k = 3;
	if (r == 0)
		out->head = HEAD_DEPTH, out->next_table = TABLE_DEPTH;
	else if (r % 2 == 1)
		out->head = HEAD_WIDTH, out->next_table = TABLE_RATIO;
	else
		out->head = HEAD_KS, out->next_table = TABLE_KS;
}

static bool
ofa_ctrl_decode(const int *actions, ct_arch *out, ct_error *err)
{
	ct_ofa_net	n;

	for (int t = 0; t < CTRL_DECISIONS; t++)
		if (actions[t] < 0 || actions[t] > 2)
			return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
						   "Decision %d is %d; each is 0, 1 or 2.", t, actions[t]);
	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		const int  *a = actions + u * CTRL_PER_UNIT;

		n.d[u] = ct_ofa_depth(a[0]);
		for (int l = 0; l < CT_OFA_SLOTS_PER_UNIT; l++)
		{
			n.e[u * CT_OFA_SLOTS_PER_UNIT + l] = ct_ofa_expand(a[1 + 2 * l]);
			n.ks[u * CT_OFA_SLOTS_PER_UNIT + l] = ct_ofa_kernel(a[2 + 2 * l]);
		}
	}
	ofa_arch(&n, out);
	return true;
}

const ct_ctrl_program ct_ctrl_program_ofa = {
	.ngroups = 1,
	.ntables = 4,
	.table_rows = {1, 3, 3, 3},
	.attention_table = -1,
	.nheads = 3,
	.head_k = {3, 3, 3},
	.decisions = CTRL_DECISIONS,
	.next = ofa_ctrl_next,
	.decode = ofa_ctrl_decode,
};

_Static_assert(CTRL_DECISIONS <= CT_CTRL_DECISIONS, "the controller's decisions fit a sample");
_Static_assert(4 <= CT_CTRL_MAX_TABLES && 3 <= CT_CTRL_MAX_HEADS && 3 <= CT_CTRL_NODES, "the controller's shapes");

const ct_space ct_space_ofa = {
	.id = CT_SPACE_OFA,
	.name = "ofa_mbv3",
	.title = "the OFA MobileNetV3 space",
	.size = INT64_MAX,			/* at least: 7,371^5 does not fit */
	.size_text = CT_OFA_COUNT_TEXT,
	.forms = "OFA's {\"ks\": [20], \"e\": [20], \"d\": [5]} or the reference's \"d0,..,d4:k0,..,k19:e0,..,e19\"",
	.from_json = ofa_from_json,
	.claims_json = ofa_claims_json,
	.from_native = ofa_from_native,
	.claims_native = ofa_claims_native,
	.text_max = CT_OFA_TEXT_MAX,
	.to_text = ofa_to_text,
	.dot_max = CT_OFA_DOT_MAX,
	.to_dot = ofa_to_dot,
	.hash64 = NULL,
	.save = ofa_save,
	.load = ofa_load,
	.stored_max = STORED_BYTES,
	.store = ofa_store,
	.unstore = ofa_unstore,
	.wire_max = WIRE_BYTES,
	.send = ofa_send,
	.recv = ofa_recv,
	.nodes = ofa_nodes,
	.edges = ofa_edges,
	.op_names = ofa_op_names,
	.matrix = NULL,
	.key_text = NULL,
	.index = NULL,
	.valid = ofa_valid,
	.canonical = ofa_canonical,
	.random = ofa_random,
	.mutate = ofa_mutate,
	.neighbours = ofa_neighbours,
	.nth = NULL,
	.info_name = "ofa_mbv3",
	.nac_vocab = CT_NAC_VOCAB_OFA_ONEHOT,
	.nac_vocab_json = "\"the reference's 120-wide one-hot: per slot 0..19 its kernel (3, 5, 7), then per slot its expand ratio (3, 4, 6); inactive slots all zero\"",
	.to_dag = NULL,				/* the reference's NAC here is an MLP over to_features */
	.nac_input = CT_OFA_ONEHOT,
	.to_features = ofa_to_features,
	.program = &ct_ctrl_program_ofa,
};
