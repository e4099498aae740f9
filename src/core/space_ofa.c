/*
 * space_ofa.c
 *	  PLACEHOLDER for the OFA MobileNetV3 space (id 4, "ofa_mbv3"), so that
 *	  branch mlp can build and test the NAC that reads it (the reference's
 *	  MBSpaceNAC).  The real space module, built on another branch, replaces
 *	  this file at merge: nothing here is meant to survive.  It gives what
 *	  generic code dereferences (text, the stored and wire forms, validity,
 *	  the NAC input) in the simplest form; text input, sampling, mutation and
 *	  the controller are absent (from_json and recv refuse).
 */
#include "ctnas_space.h"

#include <stdio.h>
#include <string.h>

#include "ctnas_nac.h"
#include "ctnas_ofa.h"

static bool
ofa_valid(const ct_arch *a)
{
	if (a->space != CT_SPACE_OFA || a->len != CT_OFA_BYTES || (a->bytes[CT_OFA_BYTES - 1] & 15) != 0)
		return false;
	for (int i = CT_OFA_BYTES; i < CT_ARCH_MAX; i++)
		if (a->bytes[i] != 0)
			return false;
	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		int			d = ct_ofa_nibble(a, u * 5);

		if (d < 2 || d > 4)
			return false;
		for (int l = 0; l < CT_OFA_SLOTS_PER_UNIT; l++)
		{
			int			code = ct_ofa_nibble(a, u * 5 + 1 + l);

			if ((l < d) != (code >= 1 && code <= 9) || (l >= d && code != 0))
				return false;
		}
	}
	return true;
}

static bool
ofa_from_json(const struct cJSON *root, ct_arch *out, ct_error *err)
{
	return ct_fail(err, CT_ERR_INVALID, "the OFA MobileNetV3 space is a placeholder in this build",
				   "Its text input is not implemented on this branch.");
}

static long
ofa_recv(const uint8_t *in, size_t len, ct_arch *out, ct_error *err)
{
	ct_fail(err, CT_ERR_INVALID, "the OFA MobileNetV3 space is a placeholder in this build",
			"Its binary input is not implemented on this branch.");
	return 0;
}

/* The reference's string: depths : kernels : expand ratios (inactive slots 0). */
static size_t
ofa_to_text(const ct_arch *a, char *buf, size_t size)
{
	ct_ofa_net	n;
	size_t		len = 0;

	ct_ofa_unpack(a, &n);
	for (int i = 0; i < CT_OFA_UNITS + 2 * CT_OFA_SLOTS; i++)
	{
		int			v = i < CT_OFA_UNITS ? n.d[i] : i < CT_OFA_UNITS + CT_OFA_SLOTS ? n.ks[i - CT_OFA_UNITS]
			: n.e[i - CT_OFA_UNITS - CT_OFA_SLOTS];
		const char *sep = i == 0 ? "" : (i == CT_OFA_UNITS || i == CT_OFA_UNITS + CT_OFA_SLOTS) ? ":" : ",";
		int			k = snprintf(buf + len, len < size ? size - len : 0, "%s%d", sep, v);

		len += (size_t) k;
	}
	return len;
}

static size_t
ofa_to_dot(const ct_arch *a, char *buf, size_t size)
{
	char		text[CT_ARCH_TEXT_MAX];

	ofa_to_text(a, text, sizeof(text));
	return (size_t) snprintf(buf, size, "digraph ofa { label=\"%s\"; }\n", text);
}

static size_t
ofa_store(const ct_arch *a, uint8_t *out)
{
	memcpy(out, a->bytes, CT_OFA_BYTES);
	return CT_OFA_BYTES;
}

static bool
ofa_unstore(const uint8_t *in, size_t len, ct_arch *out)
{
	memset(out, 0, sizeof(*out));
	if (len != CT_OFA_BYTES)
		return false;
	out->space = CT_SPACE_OFA;
	out->len = CT_OFA_BYTES;
	memcpy(out->bytes, in, CT_OFA_BYTES);
	return ofa_valid(out);
}

static void
ofa_save(const ct_arch *a, ct_wbuf *w)
{
	ct_wbuf_bytes(w, a->bytes, CT_OFA_BYTES);
}

static bool
ofa_load(ct_rbuf *r, ct_arch *out)
{
	uint8_t		b[CT_OFA_BYTES];

	return ct_rbuf_bytes(r, b, CT_OFA_BYTES) && ofa_unstore(b, CT_OFA_BYTES, out);
}

static int
ofa_zero(const ct_arch *a)
{
	return 0;
}

static int
ofa_op_names(const ct_arch *a, const char **out, int max)
{
	return 0;
}

static void
ofa_canonical(const ct_arch *a, ct_arch *out)
{
	*out = *a;
}

const ct_space ct_space_ofa = {
	.id = CT_SPACE_OFA,
	.name = "ofa_mbv3",
	.title = "the OFA MobileNetV3 space",
	.size = 0,
	.forms = "(placeholder: no text input on this branch)",
	.from_json = ofa_from_json,
	.text_max = 128,
	.to_text = ofa_to_text,
	.dot_max = 256,
	.to_dot = ofa_to_dot,
	.save = ofa_save,
	.load = ofa_load,
	.stored_max = 2 + CT_OFA_BYTES,
	.store = ofa_store,
	.unstore = ofa_unstore,
	.wire_max = 2 + CT_OFA_BYTES,
	.send = ofa_store,
	.recv = ofa_recv,
	.nodes = ofa_zero,
	.edges = ofa_zero,
	.op_names = ofa_op_names,
	.valid = ofa_valid,
	.canonical = ofa_canonical,
	.nac_vocab = CT_NAC_VOCAB_OFA_ONEHOT,
	.nac_vocab_json = "\"the reference's 120-wide one-hot: per slot 0..19 its kernel (3, 5, 7), then per slot its expand ratio (3, 4, 6); inactive slots all zero\"",
	.info_name = "ofa_mbv3",
	.nac_input = CT_OFA_ONEHOT,
	.to_features = ct_ofa_onehot,
};
