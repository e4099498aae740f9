/*
 * test_space_ofa.c
 *	  The OFA MobileNetV3 space (ofa_net.c, space_ofa.c): the text forms and
 *	  their strictness, identity (inactive slots ignored), the stored, wire
 *	  and checkpoint forms, validity of encodings, OFA's sampler and
 *	  mutation, neighbours, the size, the reference's tensor, DOT, and the
 *	  shipped table data/ofa_mbv3_w10.csv.
 */
#include "unit.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "ctnas_ofa.h"
#include "ctnas_rng.h"
#include "ctnas_serial.h"
#include "ctnas_space.h"

/* DyNAS-T's first w1.0 row (ks_active, e_active, d) and the same with values in its inactive slots */
#define ROW1_KS "[3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0]"
#define ROW1_E "[4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0]"
#define ROW1 "{\"ks\": " ROW1_KS ", \"e\": " ROW1_E ", \"d\": [2, 2, 2, 2, 2]}"
#define ROW1_FILLED "{\"ks\": [3, 3, 7, 5, 3, 3, 3, 3, 3, 3, 5, 7, 3, 5, 7, 7, 5, 3, 3, 5], " \
	"\"e\": [4, 4, 6, 6, 3, 3, 3, 4, 4, 4, 6, 3, 3, 3, 4, 4, 4, 4, 6, 6], \"d\": [2, 2, 2, 2, 2]}"
#define ROW1_NATIVE "2,2,2,2,2:3,3,0,0,3,3,0,0,3,3,0,0,3,5,0,0,5,3,0,0:4,4,0,0,3,3,0,0,4,4,0,0,3,3,0,0,4,4,0,0"

static bool
parse(const char *text, ct_arch *a, ct_error *err)
{
	return ct_arch_parse(text, a, err);
}

static void
test_forms(void)
{
	ct_arch		a,
				b;
	ct_error	err;
	char		buf[CT_ARCH_TEXT_MAX];
	ct_ofa_net	n;

	CHECK(parse(ROW1, &a, &err));
	CHECK(a.space == CT_SPACE_OFA && a.len == CT_OFA_BYTES && ct_space_ofa.valid(&a));
	CHECK(ct_space_of(&a) == &ct_space_ofa);
	/* printed as OFA's dict with 0 in inactive slots, fixed width */
	CHECK(ct_arch_to_text(&a, buf, sizeof(buf)) == strlen(ROW1));
	CHECK_STR(buf, ROW1);
	CHECK(strlen(buf) + 1 <= ct_space_ofa.text_max && ct_space_ofa.text_max <= CT_ARCH_TEXT_MAX);
	/* inactive slots: any value, or 0: the same network */
	CHECK(parse(ROW1_FILLED, &b, &err) && ct_arch_eq(&a, &b));
	/* "space", "wid": null (OFA's ArchManager), keys in another order, no blanks */
	CHECK(parse("{\"space\": \"ofa_mbv3\", \"ks\": " ROW1_KS ", \"e\": " ROW1_E ", \"d\": [2, 2, 2, 2, 2]}", &b, &err) && ct_arch_eq(&a, &b));
	CHECK(parse("{\"wid\": null, \"d\": [2,2,2,2,2], \"e\": " ROW1_E ", \"ks\": " ROW1_KS "}", &b, &err) && ct_arch_eq(&a, &b));
	/* the reference's string, with inactive 0 or values, and blanks around numbers */
	CHECK(parse(ROW1_NATIVE, &b, &err) && ct_arch_eq(&a, &b));
	CHECK(parse("  2, 2,2,2 ,2 :3,3,7,7,3,3,3,3,3,3,3,3,3,5,3,3,5,3,3,3: 4,4,6,6,3,3,3,3,4,4,3,3,3,3,3,3,4,4,3,3 \n", &b, &err) &&
		  ct_arch_eq(&a, &b));
	ct_ofa_unpack(&a, &n);
	CHECK(ct_ofa_to_native(&n, buf, sizeof(buf)) == strlen(ROW1_NATIVE) && strcmp(buf, ROW1_NATIVE) == 0);
	CHECK(n.d[0] == 2 && n.ks[13] == 5 && n.e[0] == 4 && n.ks[2] == 0 && n.e[19] == 0);
	/* not the same: one active kernel */
	CHECK(parse("{\"ks\": [3, 5, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], \"e\": " ROW1_E ", \"d\": [2, 2, 2, 2, 2]}", &b, &err) &&
		  !ct_arch_eq(&a, &b) && ct_arch_cmp(&a, &b) < 0);
	/* the largest network's text */
	CHECK(parse("4,4,4,4,4:7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7:6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6", &b, &err));
	CHECK(ct_arch_to_text(&b, buf, sizeof(buf)) == CT_OFA_TEXT_MAX - 1);
	/* a buffer too small: snprintf semantics, the length it needs */
	{
		char		small[10];

		CHECK(ct_arch_to_text(&b, small, sizeof(small)) == CT_OFA_TEXT_MAX - 1 && strlen(small) == 9);
	}
	/* leading zeros are read as Python's int() reads them (found by an adversarial review: a long
	 * zero-padded number was taken for a huge one) */
	{
		ct_arch		z,
					plain;
		ct_error	zerr;

		CHECK(parse("0000000002,2,2,2,2:3,3,0,0,3,3,0,0,3,3,0,0,3,5,0,0,5,3,0,0:4,4,0,0,3,3,0,0,4,4,0,0,3,3,0,0,4,4,0,0", &z, &zerr));
		CHECK(parse(ROW1_NATIVE, &plain, &zerr) && ct_arch_eq(&z, &plain));
		CHECK(!parse("0000000012,2,2,2,2:3,3,0,0,3,3,0,0,3,3,0,0,3,5,0,0,5,3,0,0:4,4,0,0,3,3,0,0,4,4,0,0,3,3,0,0,4,4,0,0", &z, &zerr) &&
			  strstr(zerr.detail, "12") != NULL);
		CHECK(!parse("10000000002,2,2,2,2:3,3,0,0,3,3,0,0,3,3,0,0,3,5,0,0,5,3,0,0:4,4,0,0,3,3,0,0,4,4,0,0,3,3,0,0,4,4,0,0", &z, &zerr));
	}
}

static void
expect_error(const char *text, ct_error_kind kind, const char *message)
{
	ct_arch		a;
	ct_error	err;
	bool		ok = parse(text, &a, &err);

	CHECK(!ok);
	if (ok)
		fprintf(stderr, "accepted %s\n", text);
	else
	{
		if (err.kind != kind || strcmp(err.message, message) != 0)
			fprintf(stderr, "for %s: got kind %d \"%s\" (%s)\n", text, err.kind, err.message, err.detail);
		CHECK(err.kind == kind);
		CHECK_STR(err.message, message);
		CHECK(err.detail[0] != '\0');
	}
}

#define KS20 "[3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0]"
#define E20 "[4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0]"
#define D5 "[2, 2, 2, 2, 2]"

static void
test_errors(void)
{
	ct_arch		a;
	ct_error	err;

	/* JSON */
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 architecture is missing a key");
	expect_error("{\"ks\": " KS20 ", \"d\": " D5 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 architecture is missing a key");
	expect_error("{\"space\": \"ofa_mbv3\", \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 architecture is missing a key");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": " D5 ", \"ks\": " KS20 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 architecture has a duplicate key");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": " D5 ", \"x\": 1}", CT_ERR_SYNTAX, "OFA MobileNetV3 architecture has an unknown key");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": " D5 ", \"r\": [224]}", CT_ERR_INVALID, "OFA MobileNetV3 architecture has a resolution");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": " D5 ", \"image_size\": 224}", CT_ERR_INVALID, "OFA MobileNetV3 architecture has a resolution");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": " D5 ", \"wid\": 1.0}", CT_ERR_INVALID, "OFA MobileNetV3 architecture has a width multiplier");
	expect_error("{\"space\": \"nb201\", \"ks\": " KS20 ", \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_SYNTAX, "nb201 architecture has an unknown key");
	expect_error("{\"ks\": 3, \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 list must be a JSON array");
	expect_error("{\"ks\": [3, 3], \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 list has the wrong length");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [2, 2, 2, 2, 2, 2]}", CT_ERR_SYNTAX, "OFA MobileNetV3 list has the wrong length");
	expect_error("{\"ks\": " KS20 ", \"e\": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0], \"d\": " D5 "}", CT_ERR_SYNTAX, "OFA MobileNetV3 list has the wrong length");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [2.0, 2, 2, 2, 2]}", CT_ERR_SYNTAX, "OFA MobileNetV3 value must be a JSON integer");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [2e0, 2, 2, 2, 2]}", CT_ERR_SYNTAX, "OFA MobileNetV3 value must be a JSON integer");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [\"2\", 2, 2, 2, 2]}", CT_ERR_SYNTAX, "OFA MobileNetV3 value must be a JSON integer");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [null, 2, 2, 2, 2]}", CT_ERR_SYNTAX, "OFA MobileNetV3 value must be a JSON integer");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [5, 2, 2, 2, 2]}", CT_ERR_INVALID, "OFA MobileNetV3 depth out of range");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [1, 2, 2, 2, 2]}", CT_ERR_INVALID, "OFA MobileNetV3 depth out of range");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [99999999999999999999, 2, 2, 2, 2]}", CT_ERR_INVALID, "OFA MobileNetV3 depth out of range");
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [-2, 2, 2, 2, 2]}", CT_ERR_INVALID, "OFA MobileNetV3 depth out of range");
	expect_error("{\"ks\": [0, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_INVALID, "OFA MobileNetV3 kernel size out of range");
	expect_error("{\"ks\": [4, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_INVALID, "OFA MobileNetV3 kernel size out of range");
	expect_error("{\"ks\": [3, 3, 1, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], \"e\": " E20 ", \"d\": " D5 "}", CT_ERR_INVALID, "OFA MobileNetV3 kernel size out of range");
	expect_error("{\"ks\": " KS20 ", \"e\": [4, 4, 5, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], \"d\": " D5 "}", CT_ERR_INVALID, "OFA MobileNetV3 expand ratio out of range");
	expect_error("{\"ks\": " KS20 ", \"e\": [4, 0, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], \"d\": " D5 "}", CT_ERR_INVALID, "OFA MobileNetV3 expand ratio out of range");
	/* depth 3 in unit 0 makes slot 2 active: its 0s are then out of range */
	expect_error("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [3, 2, 2, 2, 2]}", CT_ERR_INVALID, "OFA MobileNetV3 kernel size out of range");
	CHECK(!parse("{\"ks\": " KS20 ", \"e\": " E20 ", \"d\": [3, 2, 2, 2, 2]}", &a, &err) && strstr(err.detail, "ks[2] (unit 0, layer 2, active) is 0") != NULL);
	/* the reference's string */
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "OFA MobileNetV3 string has too few groups");
	expect_error("2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "OFA MobileNetV3 string has too few values");
	expect_error("2,2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "OFA MobileNetV3 string has too many values");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "OFA MobileNetV3 string has too many values");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:", CT_ERR_SYNTAX, "OFA MobileNetV3 string has trailing text");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,", CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string");
	expect_error("2,2,,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3.0:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,x:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3;3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_SYNTAX, "invalid OFA MobileNetV3 string");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,5,3,3", CT_ERR_INVALID, "OFA MobileNetV3 expand ratio out of range");
	expect_error("2,2,2,2,9:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", CT_ERR_INVALID, "OFA MobileNetV3 depth out of range");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,-4", CT_ERR_INVALID, "OFA MobileNetV3 expand ratio out of range");
	expect_error("2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,300000000000000000000003:4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4", CT_ERR_INVALID, "OFA MobileNetV3 kernel size out of range");
	/* a NUL inside: the string ends there for ct_arch_parse; ct_ofa_parse of the whole bytes says so */
	{
		const char	t[] = "2,2,2,2,2:3,3,3\0,3";
		ct_ofa_net	n;

		CHECK(!ct_ofa_parse(t, sizeof(t) - 1, &n, &err) && err.kind == CT_ERR_SYNTAX);
	}
	/* text nobody reads: the accepted forms of every space, whole */
	CHECK(!parse("ofa", &a, &err) && err.kind == CT_ERR_SYNTAX);
	for (int i = 0; ct_space_nth(i) != NULL; i++)
		CHECK(strstr(err.detail, ct_space_nth(i)->forms) != NULL);
	CHECK(strlen(err.detail) > 0 && err.detail[strlen(err.detail) - 1] == '.' &&
		  strlen(err.detail) < sizeof(err.detail) - 1);
}

/* Random edits of the string and JSON forms: each accepted text is a valid architecture that prints and re-reads the same; every failure has a kind, a message and a detail. */
static void
test_parse_edits(void)
{
	const char	alphabet[] = "0123456789:,[]{}\"kesd -.\n";
	int			parsed = 0,
				ok = 1;

	for (uint64_t seed = 0; seed < 30000; seed++)
	{
		ct_rng		rng;
		char		text[CT_ARCH_TEXT_MAX + 8];
		char		back[CT_ARCH_TEXT_MAX];
		size_t		len;
		ct_arch		a,
					b;
		ct_ofa_net	n;
		ct_error	err;

		ct_rng_seed(&rng, seed ^ 0x0FA);
		ct_ofa_random(seed, &a);
		ct_ofa_unpack(&a, &n);
		if (seed % 2 == 0)
			len = ct_ofa_to_native(&n, text, sizeof(text));
		else
			len = ct_ofa_to_json(&n, text, sizeof(text));
		len = random_edits(&rng, text, len, sizeof(text), alphabet);
		if (ct_arch_parse(text, &a, &err))
		{
			if (a.space != CT_SPACE_OFA)
				continue;		/* another space's form by accident (none expected) */
			parsed++;
			ct_arch_to_text(&a, back, sizeof(back));
			if (!ct_space_ofa.valid(&a) || !ct_arch_parse(back, &b, NULL) || !ct_arch_eq(&a, &b))
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
	CHECK(parsed > 1000);		/* another digit in an inactive slot, white space: still a network */
}

/* The encoding's rules, written out again: depths 2..4, active codes 1..9, inactive 0, the last nibble 0. */
static bool
canonical_bytes(const ct_arch *a)
{
	if (a->space != 4 || a->len != 13 || (a->bytes[12] & 15) != 0 || a->bytes[13] != 0)
		return false;
	for (int u = 0; u < 5; u++)
	{
		int			d = ct_ofa_nibble(a, 5 * u);

		if (d != 2 && d != 3 && d != 4)
			return false;
		for (int l = 0; l < 4; l++)
		{
			int			c = ct_ofa_nibble(a, 5 * u + 1 + l);

			if ((l < d && (c == 0 || c > 9)) || (l >= d && c != 0))
				return false;
		}
	}
	return true;
}

static void
set_nibble(ct_arch *a, int i, int v)
{
	if (i % 2 == 0)
		a->bytes[i / 2] = (uint8_t) ((a->bytes[i / 2] & 15) | v << 4);
	else
		a->bytes[i / 2] = (uint8_t) ((a->bytes[i / 2] & 0xF0) | v);
}

static void
test_bytes(void)
{
	int			bad_valid = 0,
				bad_store = 0,
				bad_wire = 0,
				bad_save = 0,
				accepted = 0;

	for (uint64_t seed = 0; seed < 300; seed++)
	{
		ct_arch		a,
					b;
		uint8_t		stored[64],
					wire[64];
		size_t		n;
		ct_error	err;
		ct_wbuf		w;
		ct_rbuf		r;

		ct_ofa_random(seed, &a);
		bad_valid += !ct_space_ofa.valid(&a) || !canonical_bytes(&a);
		/* every nibble set to every value: valid exactly when canonical */
		for (int i = 0; i < 26; i++)
			for (int v = 0; v < 16; v++)
			{
				b = a;
				set_nibble(&b, i, v);
				bad_valid += ct_space_ofa.valid(&b) != canonical_bytes(&b);
				accepted += ct_space_ofa.valid(&b) && !ct_arch_eq(&a, &b);
			}
		b = a, b.len = 12;
		bad_valid += ct_space_ofa.valid(&b);
		b = a, b.len = 14;
		bad_valid += ct_space_ofa.valid(&b);
		b = a, b.bytes[13] = 1;
		bad_valid += ct_space_ofa.valid(&b);
		b = a, b.space = CT_SPACE_DARTS;
		bad_valid += ct_space_ofa.valid(&b);

		/* stored form: [13, layout 1, 13 bytes]; anything else refused */
		n = ct_space_ofa.store(&a, stored);
		bad_store += n != 15 || n > ct_space_ofa.stored_max || stored[0] != 13 || stored[1] != 1;
		bad_store += !ct_space_ofa.unstore(stored, n, &b) || !ct_arch_eq(&a, &b);
		bad_store += ct_space_ofa.unstore(stored, n - 1, &b);
		stored[1] = 2;
		bad_store += ct_space_ofa.unstore(stored, n, &b);
		stored[1] = 1;
		stored[2] = 0x50 | (stored[2] & 15);	/* depth 5 */
		bad_store += ct_space_ofa.unstore(stored, n, &b);

		/* wire: layout, d, ks, e as bytes */
		n = ct_space_ofa.send(&a, wire);
		bad_wire += n != 46 || n > ct_space_ofa.wire_max || wire[0] != 1;
		bad_wire += ct_space_ofa.recv(wire, n, &b, &err) != 46 || !ct_arch_eq(&a, &b);
		bad_wire += ct_space_ofa.recv(wire, n - 1, &b, &err) != -1;
		/* an inactive slot holding a value is the same network; out of range is refused */
		{
			ct_ofa_net	net;

			ct_ofa_unpack(&a, &net);
			for (int s = 0; s < 20; s++)
				if (net.ks[s] == 0)
				{
					wire[6 + s] = 7;
					wire[26 + s] = 3;
					break;
				}
			bad_wire += ct_space_ofa.recv(wire, n, &b, &err) != 46 || !ct_arch_eq(&a, &b);
			wire[6] = 4;
			bad_wire += ct_space_ofa.recv(wire, n, &b, &err) != 0 || err.kind != CT_ERR_INVALID;
			ct_space_ofa.send(&a, wire);
			wire[0] = 2;
			bad_wire += ct_space_ofa.recv(wire, n, &b, &err) != 0 || err.kind != CT_ERR_SYNTAX;
		}

		/* checkpoint: 13 bytes, checked */
		ct_wbuf_init(&w);
		ct_space_ofa.save(&a, &w);
		ct_rbuf_init(&r, w.data, w.len);
		bad_save += w.len != 13 || !ct_space_ofa.load(&r, &b) || !ct_arch_eq(&a, &b);
		w.data[0] = 0x10 | (w.data[0] & 15);	/* depth 1 */
		ct_rbuf_init(&r, w.data, w.len);
		bad_save += ct_space_ofa.load(&r, &b);
		ct_rbuf_init(&r, w.data, 12);
		bad_save += ct_space_ofa.load(&r, &b);
		ct_wbuf_free(&w);
	}
	CHECK(bad_valid == 0);
	CHECK(accepted > 0);		/* other active codes are other networks, and valid */
	CHECK(bad_store == 0);
	CHECK(bad_wire == 0);
	CHECK(bad_save == 0);
}

static void
test_size(void)
{
	unsigned __int128 total = 1;
	int64_t		unit = 0;
	char		digits[48];
	int			k = 0;

	for (int d = 2; d <= 4; d++)
		unit += (int64_t) pow(9, d);
	CHECK(unit == 7371);
	for (int u = 0; u < 5; u++)
		total *= (unsigned __int128) unit;
	do
	{
		digits[k++] = (char) ('0' + (int) (total % 10));
		total /= 10;
	} while (total > 0);
	for (int i = 0; i < k / 2; i++)
	{
		char		t = digits[i];

		digits[i] = digits[k - 1 - i];
		digits[k - 1 - i] = t;
	}
	digits[k] = '\0';
	CHECK_STR(digits, CT_OFA_COUNT_TEXT);
	CHECK_STR(ct_space_ofa.size_text, "21758655492572485851");
	CHECK(ct_space_ofa.size == INT64_MAX);
	CHECK(ct_space_nb101.size_text == NULL && ct_space_nb201.size_text == NULL && ct_space_darts.size_text == NULL);
	CHECK(ct_space_ofa.nth == NULL && ct_space_ofa.index == NULL && ct_space_ofa.key_text == NULL && ct_space_ofa.matrix == NULL);
	CHECK(ct_space_by_name("ofa_mbv3") == &ct_space_ofa && ct_space_by_id(4) == &ct_space_ofa);
}

static void
test_random(void)
{
	enum
	{
		N = 30000
	};
	int			depth[5][3] = {{0}},
				code[20][9] = {{0}},
				active[20] = {0},
				invalid = 0;
	double		chi_worst = 0;
	ct_arch		a,
				b;

	ct_ofa_random(5, &a);
	ct_ofa_random(5, &b);
	CHECK(ct_arch_eq(&a, &b));
	for (int i = 0; i < N; i++)
	{
		ct_ofa_net	n;

		ct_space_ofa.random((uint64_t) i, &a);
		invalid += !ct_space_ofa.valid(&a);
		ct_ofa_unpack(&a, &n);
		for (int u = 0; u < 5; u++)
			depth[u][n.d[u] - 2]++;
		for (int s = 0; s < 20; s++)
			if (n.ks[s] != 0)
			{
				active[s]++;
				code[s][3 * ct_ofa_kernel_index(n.ks[s]) + ct_ofa_expand_index(n.e[s])]++;
			}
	}
	CHECK(invalid == 0);
	/* chi-square per unit's depth (2 df) and per slot's 9 (kernel, expand) pairs (8 df): far below the 1e-4 tails */
	for (int u = 0; u < 5; u++)
	{
		double		chi = 0;

		for (int d = 0; d < 3; d++)
			chi += pow(depth[u][d] - N / 3.0, 2) / (N / 3.0);
		chi_worst = fmax(chi_worst, chi / 18.4);
	}
	for (int s = 0; s < 20; s++)
	{
		double		chi = 0;

		for (int c = 0; c < 9; c++)
			chi += pow(code[s][c] - active[s] / 9.0, 2) / (active[s] / 9.0);
		chi_worst = fmax(chi_worst, chi / 33.1);
	}
	CHECK(chi_worst < 1.0);
	/* layer l of a unit is active with probability (4 - l) / 3 capped: 1, 1, 2/3, 1/3 */
	for (int s = 0; s < 20; s++)
	{
		double		want = s % 4 < 2 ? 1.0 : s % 4 == 2 ? 2.0 / 3 : 1.0 / 3;

		CHECK(fabs(active[s] / (double) N - want) < 0.02);
	}
}

static void
test_mutate(void)
{
	int			unchanged = 0,
				invalid = 0,
				depth_changes = 0,
				slot_changes = 0;
	ct_arch		a,
				m,
				m2;
	ct_error	err;

	for (int i = 0; i < 5000; i++)
	{
		ct_ofa_net	x,
					y;

		ct_ofa_random((uint64_t) i, &a);
		CHECK(ct_space_ofa.mutate(&a, (uint64_t) i * 7 + 1, &m, &err));
		ct_space_ofa.mutate(&a, (uint64_t) i * 7 + 1, &m2, &err);
		unchanged += ct_arch_eq(&a, &m) || !ct_arch_eq(&m, &m2);
		invalid += !ct_space_ofa.valid(&m);
		ct_ofa_unpack(&a, &x);
		ct_ofa_unpack(&m, &y);
		for (int u = 0; u < 5; u++)
			depth_changes += x.d[u] != y.d[u];
		for (int s = 0; s < 20; s++)
			slot_changes += x.ks[s] != 0 && y.ks[s] != 0 && (x.ks[s] != y.ks[s] || x.e[s] != y.e[s]);
	}
	CHECK(unchanged == 0);
	CHECK(invalid == 0);
	/*
	 * per mutation, given a change: each unit's depth changes with probability 0.1 x 2/3, each slot
	 * active in both with 0.1 x 8/9; about 0.33 depth changes and 1.1 slot changes before conditioning
	 */
	CHECK(depth_changes > 5000 * 0.3 && depth_changes < 5000 * 0.6);
	CHECK(slot_changes > 5000 * 1.0 && slot_changes < 5000 * 2.0);
}

static void
test_neighbours(void)
{
	int			bad = 0;

	for (uint64_t seed = 0; seed < 500; seed++)
	{
		ct_arch		a,
					nb[CT_SPACE_NEIGHBOURS_MAX],
					few[3];
		ct_ofa_net	x;
		int			n,
					sumd = 0;

		ct_ofa_random(seed, &a);
		ct_ofa_unpack(&a, &x);
		for (int u = 0; u < 5; u++)
			sumd += x.d[u];
		n = ct_space_ofa.neighbours(&a, nb, CT_SPACE_NEIGHBOURS_MAX);
		bad += n != 4 * sumd + 10 || n > CT_OFA_NEIGHBOURS_MAX;
		bad += ct_space_ofa.neighbours(&a, few, 3) != n || !ct_arch_eq(&few[2], &nb[2]);
		for (int i = 0; i < n; i++)
		{
			ct_ofa_net	y;
			int			dd = 0,
						ds = 0;

			bad += !ct_space_ofa.valid(&nb[i]) || ct_arch_eq(&nb[i], &a);
			for (int j = 0; j < i; j++)
				bad += ct_arch_eq(&nb[i], &nb[j]);
			ct_ofa_unpack(&nb[i], &y);
			for (int u = 0; u < 5; u++)
				dd += x.d[u] != y.d[u];
			for (int s = 0; s < 20; s++)
				ds += x.ks[s] != 0 && y.ks[s] != 0 && ((x.ks[s] != y.ks[s]) + (x.e[s] != y.e[s]));
			/* one kernel or one expand ratio, or one depth (a grown unit's new layers copy its last) */
			bad += !((dd == 0 && ds == 1) || (dd == 1 && ds == 0));
			if (dd == 1)
				for (int s = 0; s < 20; s++)
					if (x.ks[s] == 0 && y.ks[s] != 0)
					{
						int			last = s / 4 * 4 + x.d[s / 4] - 1;

						bad += y.ks[s] != x.ks[last] || y.e[s] != x.e[last];
					}
		}
	}
	CHECK(bad == 0);
	/* the most: every depth 4 */
	{
		ct_arch		a,
					nb[CT_SPACE_NEIGHBOURS_MAX];
		ct_error	err;

		CHECK(parse("4,4,4,4,4:7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7:6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6", &a, &err));
		CHECK(ct_space_ofa.neighbours(&a, nb, CT_SPACE_NEIGHBOURS_MAX) == 90);
	}
}

static void
test_accessors(void)
{
	ct_arch		a;
	ct_error	err;
	const char *names[CT_SPACE_OPS_MAX];
	char		dot[CT_ARCH_DOT_MAX];
	float		f[CT_OFA_ONEHOT];
	float		sum = 0;

	/* §11.3's example: depths 2,3,4,2,3 activate slots {0,1}, {4,5,6}, {8..11}, {12,13}, {16,17,18} */
	CHECK(parse("2,3,4,2,3:3,5,7,7,5,5,5,5,7,7,7,3,3,3,3,3,5,7,3,3:3,4,6,6,6,6,6,3,3,3,3,4,4,4,3,3,6,6,6,3", &a, &err));
	CHECK(ct_space_ofa.nodes(&a) == 14 && ct_space_ofa.edges(&a) == 13);
	CHECK(ct_space_ofa.op_names(&a, names, CT_SPACE_OPS_MAX) == 14);
	CHECK_STR(names[0], "MBConv k3 e3");
	CHECK_STR(names[1], "MBConv k5 e4");
	CHECK_STR(names[13], "MBConv k3 e6");
	CHECK(ct_space_ofa.op_names(&a, names, 2) == 14);
	CHECK(ct_space_ofa.nac_input == CT_OFA_ONEHOT && ct_space_ofa.to_features != NULL && ct_space_ofa.to_dag == NULL &&
		  ct_space_ofa.nac_views == 0);
	ct_space_ofa.to_features(&a, f);
	for (int i = 0; i < CT_OFA_ONEHOT; i++)
		sum += f[i];
	CHECK(sum == 28.0f);
	CHECK(f[0] == 1.0f && f[3 * 1 + 1] == 1.0f && f[60 + 0] == 1.0f && f[60 + 3 * 1 + 1] == 1.0f);
	for (int s = 0; s < 20; s++)
	{
		static const bool on[20] = {1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0};
		float		k = f[3 * s] + f[3 * s + 1] + f[3 * s + 2],
					e = f[60 + 3 * s] + f[60 + 3 * s + 1] + f[60 + 3 * s + 2];

		CHECK(k == (on[s] ? 1.0f : 0.0f) && e == k);
	}
	/* DOT: a chain of the active layers, one cluster per unit */
	CHECK(ct_arch_to_dot(&a, dot, sizeof(dot)) < ct_space_ofa.dot_max);
	CHECK(strstr(dot, "subgraph cluster_unit2 {\n    label=\"unit 2: depth 4\";") != NULL);
	CHECK(strstr(dot, "s11 [label=\"MBConv k3 e4\"];") != NULL);
	CHECK(strstr(dot, "input -> s0 -> s1 -> s4 -> s5 -> s6 -> s8 -> s9 -> s10 -> s11 -> s12 -> s13 -> s16 -> s17 -> s18 -> output;") != NULL);
	CHECK(strstr(dot, "s2 ") == NULL);
	CHECK(parse("4,4,4,4,4:7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7:6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6", &a, &err));
	CHECK(ct_arch_to_dot(&a, dot, sizeof(dot)) < ct_space_ofa.dot_max && ct_space_ofa.dot_max <= CT_ARCH_DOT_MAX);
	CHECK(ct_space_ofa.op_names(&a, names, CT_SPACE_OPS_MAX) == 20 && 20 <= CT_SPACE_OPS_MAX);
}

static int
cmp_arch(const void *a, const void *b)
{
	return ct_arch_cmp(a, b);
}

/* data/ofa_mbv3_w10.csv: 2,162 distinct networks, each line "<arch JSON, CSV-quoted>",acc,macs */
static void
test_data(void)
{
	FILE	   *f = fopen("data/ofa_mbv3_w10.csv", "r");
	static ct_arch cells[2200];
	char		line[512];
	int			n = 0,
				bad = 0,
				distinct = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fgets(line, sizeof(line), f) != NULL && strcmp(line, "arch,top1_imagenet_val_supernet_weights,macs\n") == 0);
	while (fgets(line, sizeof(line), f) != NULL && n < 2200)
	{
		char		json[256],
					back[CT_ARCH_TEXT_MAX],
					squeezed[CT_ARCH_TEXT_MAX];
		size_t		j = 0,
					i = 1,
					k = 0;
		double		acc;
		ct_error	err;

		/* the quoted field, "" -> " */
		while (line[i] != '\0' && j + 1 < sizeof(json))
		{
			if (line[i] == '"' && line[i + 1] == '"')
				json[j++] = '"', i += 2;
			else if (line[i] == '"')
				break;
			else
				json[j++] = line[i++];
		}
		json[j] = '\0';
		if (line[0] != '"' || line[i] != '"' || sscanf(line + i + 1, ",%lf,", &acc) != 1 || acc < 70 || acc > 80 ||
			!parse(json, &cells[n], &err) || cells[n].space != CT_SPACE_OFA)
		{
			bad++;
			continue;
		}
		/* it is archgraph's text without the blanks */
		ct_arch_to_text(&cells[n], back, sizeof(back));
		for (i = 0; back[i] != '\0'; i++)
			if (back[i] != ' ')
				squeezed[k++] = back[i];
		squeezed[k] = '\0';
		bad += strcmp(squeezed, json) != 0;
		n++;
	}
	fclose(f);
	CHECK(bad == 0);
	CHECK(n == 2162);
	qsort(cells, (size_t) n, sizeof(ct_arch), cmp_arch);
	for (int i = 0; i < n; i++)
		distinct += i == 0 || !ct_arch_eq(&cells[i], &cells[i - 1]);
	CHECK(distinct == 2162);
}

void
test_space_ofa(void)
{
	test_forms();
	test_errors();
	test_parse_edits();
	test_bytes();
	test_size();
	test_random();
	test_mutate();
	test_neighbours();
	test_accessors();
	test_data();
}
