/*
 * ofa_net.c
 *	  The OFA MobileNetV3 space's networks (ctnas_ofa.h): the rules, the
 *	  text forms (OFA's dict as JSON, the CTNAS reference's string), OFA's
 *	  sampler and mutation, neighbours, Graphviz DOT.
 *
 * Pure C.  Malformed text is CT_ERR_SYNTAX, a well-formed net outside the
 * space CT_ERR_INVALID; every error says where.
 */
#include "ctnas_ofa.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_json.h"
#include "ctnas_rng.h"
#include "ctnas_text.h"

#define JSON_HINT "The form is OFA's dict {\"ks\": [20 kernel sizes], \"e\": [20 expand ratios], \"d\": [5 depths]}."
#define NATIVE_HINT "The form is \"d0,..,d4:k0,..,k19:e0,..,e19\": 5 depths, 20 kernel sizes, 20 expand ratios."

static const char *const layer_names[9] = {
	"MBConv k3 e3", "MBConv k3 e4", "MBConv k3 e6",
	"MBConv k5 e3", "MBConv k5 e4", "MBConv k5 e6",
	"MBConv k7 e3", "MBConv k7 e4", "MBConv k7 e6",
};

const char *
ct_ofa_layer_name(int kernel, int expand)
{
	int			k = ct_ofa_kernel_index(kernel),
				e = ct_ofa_expand_index(expand);

	return k < 0 || e < 0 ? NULL : layer_names[3 * k + e];
}

/* ---- rules and identity ---------------------------------------------------- */

bool
ct_ofa_check(const ct_ofa_net *n, ct_error *err)
{
	for (int u = 0; u < CT_OFA_UNITS; u++)
		if (n->d[u] < 2 || n->d[u] > 4)
			return ct_fail(err, CT_ERR_INVALID, "OFA MobileNetV3 depth out of range",
						   "d[%d] (unit %d) is %d; a unit's depth is 2, 3 or 4.", u, u, n->d[u]);
	for (int s = 0; s < CT_OFA_SLOTS; s++)
	{
		int			u = s / CT_OFA_SLOTS_PER_UNIT,
					l = s % CT_OFA_SLOTS_PER_UNIT;
		bool		active = l < n->d[u];

		if (ct_ofa_kernel_index(n->ks[s]) < 0 && !(n->ks[s] == 0 && !active))
			return ct_fail(err, CT_ERR_INVALID, "OFA MobileNetV3 kernel size out of range",
						   "ks[%d] (unit %d, layer %d, %s) is %d; a kernel size is 3, 5 or 7%s.", s, u, l,
						   active ? "active" : "inactive", n->ks[s],
						   active ? " (0 only in a slot past the unit's depth)" : ", or 0 in an inactive slot");
		if (ct_ofa_expand_index(n->e[s]) < 0 && !(n->e[s] == 0 && !active))
			return ct_fail(err, CT_ERR_INVALID, "OFA MobileNetV3 expand ratio out of range",
						   "e[%d] (unit %d, layer %d, %s) is %d; an expand ratio is 3, 4 or 6%s.", s, u, l,
						   active ? "active" : "inactive", n->e[s],
						   active ? " (0 only in a slot past the unit's depth)" : ", or 0 in an inactive slot");
	}
	return true;
}

void
ct_ofa_normalise(ct_ofa_net *n)
{
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		if (s % CT_OFA_SLOTS_PER_UNIT >= n->d[s / CT_OFA_SLOTS_PER_UNIT])
			n->ks[s] = n->e[s] = 0;
}

bool
ct_ofa_equal(const ct_ofa_net *a, const ct_ofa_net *b)
{
	ct_ofa_net	x = *a,
				y = *b;

	ct_ofa_normalise(&x);
	ct_ofa_normalise(&y);
	return memcmp(&x, &y, sizeof(x)) == 0;
}

bool
ct_ofa_valid(const ct_arch *a)
{
	if (a->space != 4 || a->len != CT_OFA_BYTES)
		return false;
	for (int i = CT_OFA_BYTES; i < CT_ARCH_MAX; i++)
		if (a->bytes[i] != 0)
			return false;
	if ((a->bytes[CT_OFA_BYTES - 1] & 15) != 0)
		return false;
	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		int			d = ct_ofa_nibble(a, 5 * u);

		if (d < 2 || d > 4)
			return false;
		for (int l = 0; l < CT_OFA_SLOTS_PER_UNIT; l++)
		{
			int			code = ct_ofa_nibble(a, 5 * u + 1 + l);

			if (l < d ? (code < 1 || code > 9) : code != 0)
				return false;
		}
	}
	return true;
}

/* ---- the reference's string ------------------------------------------------ */

bool
ct_ofa_parse(const char *text, size_t len, ct_ofa_net *out, ct_error *err)
{
	static const char *const group_names[3] = {"depths", "kernel sizes", "expand ratios"};
	static const int want[3] = {CT_OFA_UNITS, CT_OFA_SLOTS, CT_OFA_SLOTS};
	int		   *dest[3] = {out->d, out->ks, out->e};
	size_t		i = 0;
	char		q[200];

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < len; k++)
		if (text[k] == '\0')
			return ct_fail(err, CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string",
						   "It holds a NUL byte at offset %zu.", k);
	while (i < len && isspace((unsigned char) text[i]))
		i++;
	if (i == len)
		return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 string is empty", NATIVE_HINT);
	for (int g = 0; g < 3; g++)
	{
		for (int v = 0;; v++)
		{
			long		x = 0;
			bool		neg = false;
			size_t		start,
						digits = 0;	/* significant: after leading zeros, as Python's int() reads them */

			while (i < len && isspace((unsigned char) text[i]))
				i++;
			if (i < len && text[i] == '-')
				neg = true, i++;
			start = i;
			while (i < len && isdigit((unsigned char) text[i]))
			{
				if (x > 0 || text[i] != '0')
					digits++;
				if (digits <= 9)
					x = 10 * x + (text[i] - '0');
				i++;
			}
			if (i == start)
			{
				ct_text_excerpt(text, len, i, q, sizeof(q));
				return ct_fail(err, CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string",
							   "Expected an integer (value %d of the %s) at offset %zu: \"%s\". " NATIVE_HINT,
							   v + 1, group_names[g], i, q);
			}
			if (digits > 9)
				x = 999999999;	/* out of range, however long */
			while (i < len && isspace((unsigned char) text[i]))
				i++;
			if (v >= want[g])
				return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 string has too many values",
							   "The %s (group %d) have more than %d values. " NATIVE_HINT, group_names[g], g + 1, want[g]);
			dest[g][v] = (int) (neg ? -x : x);
			if (i < len && text[i] == ',')
			{
				i++;
				continue;
			}
			if (v + 1 < want[g])
			{
				if (i < len && text[i] != ':')
				{
					ct_text_excerpt(text, len, i, q, sizeof(q));
					return ct_fail(err, CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string",
								   "Unexpected text at offset %zu: \"%s\". " NATIVE_HINT, i, q);
				}
				return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 string has too few values",
							   "The %s (group %d) have %d values; there are %d. " NATIVE_HINT,
							   group_names[g], g + 1, v + 1, want[g]);
			}
			break;
		}
		if (g < 2)
		{
			if (i >= len || text[i] != ':')
			{
				if (i >= len)
					return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 string has too few groups",
								   "It ends after the %s. " NATIVE_HINT, group_names[g]);
				ct_text_excerpt(text, len, i, q, sizeof(q));
				return ct_fail(err, CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string",
							   "Expected \":\" after the %s at offset %zu: \"%s\". " NATIVE_HINT, group_names[g], i, q);
			}
			i++;
		}
	}
	if (i < len)
	{
		ct_text_excerpt(text, len, i, q, sizeof(q));
		return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 string has trailing text",
					   "Unexpected text at offset %zu: \"%s\". " NATIVE_HINT, i, q);
	}
	if (!ct_ofa_check(out, err))
	{
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

static size_t
put_list(char *buf, size_t size, size_t o, const int *v, int n, const char *sep)
{
	for (int i = 0; i < n; i++)
		o += (size_t) snprintf(buf + o, o < size ? size - o : 0, "%s%d", i > 0 ? sep : "", v[i]);
	return o;
}

size_t
ct_ofa_to_native(const ct_ofa_net *n, char *buf, size_t size)
{
	ct_ofa_net	x = *n;
	size_t		o = 0;

	ct_ofa_normalise(&x);
	o = put_list(buf, size, o, x.d, CT_OFA_UNITS, ",");
	o += (size_t) snprintf(buf + o, o < size ? size - o : 0, ":");
	o = put_list(buf, size, o, x.ks, CT_OFA_SLOTS, ",");
	o += (size_t) snprintf(buf + o, o < size ? size - o : 0, ":");
	o = put_list(buf, size, o, x.e, CT_OFA_SLOTS, ",");
	return o;
}

/* ---- JSON ------------------------------------------------------------------ */

static bool
json_list(const cJSON *item, const char *key, int want, int *out, ct_error *err)
{
	const cJSON *v;
	int			i = 0;

	if (!cJSON_IsArray(item))
		return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 list must be a JSON array",
					   "\"%s\" must be a list of %d integers. " JSON_HINT, key, want);
	if (cJSON_GetArraySize(item) != want)
		return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 list has the wrong length",
					   "\"%s\" has %d values; it must have %d. " JSON_HINT, key, cJSON_GetArraySize(item), want);
	cJSON_ArrayForEach(v, item)
	{
		int64_t		x;

		if (!cJSON_IsNumber(v) || !ct_json_int(v, -1000000, 1000000, &x))
		{
			const char *lit = cJSON_IsNumber(v) ? ct_json_literal(v) : NULL;
			bool		integer = cJSON_IsNumber(v) &&
				(lit != NULL ? ct_json_integer_literal(lit) : isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble));

			if (!integer)
				return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 value must be a JSON integer",
							   "\"%s\"[%d] is %s; write a JSON integer such as 3 (not 3.0 or \"3\"). " JSON_HINT, key, i,
							   cJSON_IsNumber(v) ? "not an integer" : cJSON_IsString(v) ? "a string" : "not a number");
			x = v->valuedouble < 0 ? -999999999 : 999999999;	/* an integer out of any range: the rules say so */
		}
		out[i++] = (int) x;
	}
	return true;
}

bool
ct_ofa_from_cjson(const void *object, ct_ofa_net *out, ct_error *err)
{
	static const char *const keys[] = {"space", "ks", "e", "d", "wid"};
	const cJSON *root = object;
	const cJSON *slot[5] = {NULL};
	const cJSON *item;
	char		q[200];

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(root))
		return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 architecture must be a JSON object", JSON_HINT);
	cJSON_ArrayForEach(item, root)
	{
		int			k;

		for (k = 0; k < 5 && strcmp(item->string, keys[k]) != 0; k++)
			;
		if (k == 5 && (strcmp(item->string, "r") == 0 || strcmp(item->string, "image_size") == 0 ||
					   strcmp(item->string, "resolution") == 0))
			return ct_fail(err, CT_ERR_INVALID, "OFA MobileNetV3 architecture has a resolution",
						   "\"%s\" (the input resolution) is not part of an architecture in this space (OFA samples it "
						   "apart from the network); keep it in a column of its own and leave the key out.", item->string);
		if (k == 5)
		{
			ct_text_excerpt(item->string, strlen(item->string), 0, q, sizeof(q));
			return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 architecture has an unknown key",
						   "Unknown key \"%s\"; the keys are \"ks\", \"e\", \"d\" (and \"space\", \"wid\": null). " JSON_HINT, q);
		}
		if (slot[k] != NULL)
			return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 architecture has a duplicate key",
						   "Key \"%s\" appears twice. " JSON_HINT, keys[k]);
		slot[k] = item;
	}
	if (slot[0] != NULL && (!cJSON_IsString(slot[0]) || strcmp(slot[0]->valuestring, "ofa_mbv3") != 0))
		return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 architecture has the wrong \"space\"", "\"space\" must be \"ofa_mbv3\".");
	if (slot[4] != NULL && !cJSON_IsNull(slot[4]))
		return ct_fail(err, CT_ERR_INVALID, "OFA MobileNetV3 architecture has a width multiplier",
					   "\"wid\" may only be null: the width multiplier is not part of an architecture in this space "
					   "(one supernet, ofa_mbv3_d234_e346_k357_w1.0, or its w1.2 twin).");
	for (int k = 1; k <= 3; k++)
		if (slot[k] == NULL)
			return ct_fail(err, CT_ERR_SYNTAX, "OFA MobileNetV3 architecture is missing a key",
						   "Key \"%s\" is missing. " JSON_HINT, keys[k]);
	if (!json_list(slot[1], "ks", CT_OFA_SLOTS, out->ks, err) ||
		!json_list(slot[2], "e", CT_OFA_SLOTS, out->e, err) ||
		!json_list(slot[3], "d", CT_OFA_UNITS, out->d, err) ||
		!ct_ofa_check(out, err))
	{
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

size_t
ct_ofa_to_json(const ct_ofa_net *n, char *buf, size_t size)
{
	ct_ofa_net	x = *n;
	size_t		o = 0;

	ct_ofa_normalise(&x);
	o += (size_t) snprintf(buf, size, "{\"ks\": [");
	o = put_list(buf, size, o, x.ks, CT_OFA_SLOTS, ", ");
	o += (size_t) snprintf(buf + o, o < size ? size - o : 0, "], \"e\": [");
	o = put_list(buf, size, o, x.e, CT_OFA_SLOTS, ", ");
	o += (size_t) snprintf(buf + o, o < size ? size - o : 0, "], \"d\": [");
	o = put_list(buf, size, o, x.d, CT_OFA_UNITS, ", ");
	o += (size_t) snprintf(buf + o, o < size ? size - o : 0, "]}");
	return o;
}

/* ---- sampling, mutation, neighbours ---------------------------------------- */

void
ct_ofa_random(uint64_t seed, ct_arch *out)
{
	ct_rng		rng;
	ct_ofa_net	n;

	ct_rng_seed(&rng, seed);
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		n.ks[s] = ct_ofa_kernel((int) ct_rng_below(&rng, 3));
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		n.e[s] = ct_ofa_expand((int) ct_rng_below(&rng, 3));
	for (int u = 0; u < CT_OFA_UNITS; u++)
		n.d[u] = ct_ofa_depth((int) ct_rng_below(&rng, 3));
	ct_ofa_pack(&n, out);
}

void
ct_ofa_mutate(const ct_arch *a, uint64_t seed, ct_arch *out)
{
	ct_rng		rng;
	ct_ofa_net	base;

	ct_rng_seed(&rng, seed);
	ct_ofa_unpack(a, &base);
	/* what OFA's inactive slots would hold: uniform values */
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		if (base.ks[s] == 0)
		{
			base.ks[s] = ct_ofa_kernel((int) ct_rng_below(&rng, 3));
			base.e[s] = ct_ofa_expand((int) ct_rng_below(&rng, 3));
		}
	for (;;)
	{
		ct_ofa_net	n = base;

		for (int s = 0; s < CT_OFA_SLOTS; s++)
			if (ct_rng_uniform(&rng) < CT_OFA_MUTATE_PROB)
			{
				n.ks[s] = ct_ofa_kernel((int) ct_rng_below(&rng, 3));
				n.e[s] = ct_ofa_expand((int) ct_rng_below(&rng, 3));
			}
		for (int u = 0; u < CT_OFA_UNITS; u++)
			if (ct_rng_uniform(&rng) < CT_OFA_MUTATE_PROB)
				n.d[u] = ct_ofa_depth((int) ct_rng_below(&rng, 3));
		ct_ofa_pack(&n, out);
		if (!ct_arch_eq(out, a))
			return;
	}
}

int
ct_ofa_neighbours(const ct_arch *a, ct_arch *out)
{
	ct_ofa_net	n;
	int			k = 0;

	ct_ofa_unpack(a, &n);
	for (int s = 0; s < CT_OFA_SLOTS; s++)
	{
		if (n.ks[s] == 0)
			continue;
		for (int i = 0; i < 3; i++)
			if (ct_ofa_kernel(i) != n.ks[s])
			{
				ct_ofa_net	m = n;

				m.ks[s] = ct_ofa_kernel(i);
				ct_ofa_pack(&m, &out[k++]);
			}
		for (int i = 0; i < 3; i++)
			if (ct_ofa_expand(i) != n.e[s])
			{
				ct_ofa_net	m = n;

				m.e[s] = ct_ofa_expand(i);
				ct_ofa_pack(&m, &out[k++]);
			}
	}
	for (int u = 0; u < CT_OFA_UNITS; u++)
		for (int i = 0; i < 3; i++)
			if (ct_ofa_depth(i) != n.d[u])
			{
				ct_ofa_net	m = n;
				int			last = u * CT_OFA_SLOTS_PER_UNIT + n.d[u] - 1;

				m.d[u] = ct_ofa_depth(i);
				for (int l = n.d[u]; l < m.d[u]; l++)
				{
					m.ks[u * CT_OFA_SLOTS_PER_UNIT + l] = n.ks[last];
					m.e[u * CT_OFA_SLOTS_PER_UNIT + l] = n.e[last];
				}
				ct_ofa_pack(&m, &out[k++]);
			}
	return k;
}

/* ---- Graphviz -------------------------------------------------------------- */

size_t
ct_ofa_to_dot(const ct_arch *a, char *buf, size_t size)
{
	ct_ofa_net	n;
	size_t		o = 0;
	char		prev[16] = "input";

#define PUT(...) (o += (size_t) snprintf(buf + o, o < size ? size - o : 0, __VA_ARGS__))
	ct_ofa_unpack(a, &n);
	PUT("digraph ofa_mbv3 {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
	PUT("  input [label=\"input\\n(stem, first block)\", shape=plaintext];\n");
	for (int u = 0; u < CT_OFA_UNITS; u++)
	{
		PUT("  subgraph cluster_unit%d {\n    label=\"unit %d: depth %d\";\n", u, u, n.d[u]);
		for (int l = 0; l < n.d[u]; l++)
		{
			int			s = u * CT_OFA_SLOTS_PER_UNIT + l;

			PUT("    s%d [label=\"%s\"];\n", s, ct_ofa_layer_name(n.ks[s], n.e[s]));
		}
		PUT("  }\n");
	}
	PUT("  output [label=\"output\\n(final expand, head)\", shape=plaintext];\n  ");
	for (int s = 0; s < CT_OFA_SLOTS; s++)
		if (n.ks[s] != 0)
		{
			PUT("%s -> ", prev);
			snprintf(prev, sizeof(prev), "s%d", s);
		}
	PUT("%s -> output;\n}\n", prev);
#undef PUT
	return o;
}
