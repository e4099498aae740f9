/*
 * test_nb201.c
 *	  NAS-Bench-201 cells: the benchmark string, JSON, the index and its
 *	  bytes, isomorphism, sampling, mutation, the GCN graph, DOT.
 *
 * Real rows come from test/unit/nb201_fixture.csv (made with data/nb201.csv.gz
 * by data/make_nb201.py, whose Python to_unique_str gives the expected classes).
 */
#include "unit.h"

#include "ctnas_md5.h"
#include "ctnas_nb201.h"
#include "ctnas_rng.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

#define BRIEF "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

/* md5 of the 15,625 arch_str of nb201_all.csv.gz in index order, one a line (data/make_nb201.py prints it) */
#define ALL_STRINGS_MD5 "574688268bd9c4b8cf58be69e624cb66"

static ct_nb201_cell
cell_of(const char *s)
{
	ct_nb201_cell c;
	ct_error	err;

	if (!ct_nb201_parse(s, strlen(s), &c, &err))
	{
		fprintf(stderr, "cannot parse %s: %s: %s\n", s, err.message, err.detail);
		memset(&c, 0, sizeof(c));
	}
	return c;
}

static void
test_ops(void)
{
	const char *names[] = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};

	for (int op = 0; op < CT_NB201_NUM_OPS; op++)
	{
		CHECK_STR(ct_nb201_op_name(op), names[op]);
		CHECK(ct_nb201_op_from_name(names[op], strlen(names[op])) == op);
	}
	CHECK(ct_nb201_op_name(5) == NULL && ct_nb201_op_name(-1) == NULL);
	CHECK(ct_nb201_op_from_name("none", 3) == -1);
	CHECK(ct_nb201_op_from_name("nonex", 5) == -1);
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		CHECK(ct_nb201_edge_from[e] < ct_nb201_edge_to[e]);
	CHECK(ct_nb201_edge_to[5] == 3 && ct_nb201_edge_from[5] == 2 && ct_nb201_edge_from[2] == 1);
}

static void
test_string(void)
{
	char		buf[CT_NB201_STR_MAX];
	ct_nb201_cell c = cell_of(BRIEF);
	const uint8_t want[6] = {3, 3, 4, 1, 3, 1};
	size_t		len;

	CHECK(memcmp(c.ops, want, 6) == 0);
	len = ct_nb201_to_str(&c, buf, sizeof(buf));
	CHECK(len == strlen(BRIEF));
	CHECK_STR(buf, BRIEF);
	CHECK(ct_nb201_index(&c) == 1);

	/* the longest string fits CT_NB201_STR_MAX exactly */
	memset(c.ops, CT_NB201_AVG_POOL_3X3, 6);
	len = ct_nb201_to_str(&c, buf, sizeof(buf));
	CHECK(len == CT_NB201_STR_MAX - 1);
	/* too small a buffer: nothing past its end is written, the needed length is returned */
	memset(buf, '#', sizeof(buf));
	CHECK(ct_nb201_to_str(&c, buf, 10) == CT_NB201_STR_MAX - 1);
	CHECK(buf[10] == '#' && strlen(buf) < 10);
	CHECK(ct_nb201_to_str(&c, buf, 0) == CT_NB201_STR_MAX - 1);
}

/* Parses s; expects a CT_ERR_SYNTAX whose message holds msg and detail holds quote. */
static void
expect_error(const char *s, const char *msg, const char *quote)
{
	ct_nb201_cell c;
	ct_error	err;
	bool		ok = ct_nb201_parse(s, strlen(s), &c, &err);

	unit_checks++;
	if (ok || err.kind != CT_ERR_SYNTAX || strstr(err.message, msg) == NULL ||
		(quote != NULL && strstr(err.detail, quote) == NULL))
	{
		unit_failures++;
		fprintf(stderr, "%s:%d: \"%s\": got %s (%s | %s), want \"%s\" quoting \"%s\"\n", __FILE__, __LINE__,
				s, ok ? "success" : "error", ok ? "" : err.message, ok ? "" : err.detail, msg,
				quote ? quote : "");
	}
}

static void
test_parse_errors(void)
{
	ct_nb201_cell c;
	ct_error	err;

	expect_error("", "is empty", NULL);
	expect_error("|conv3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "unknown operation", "\"conv3x3\"");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|Nor_conv_3x3~1|skip_connect~2|",
				 "unknown operation", "Edge 3<-1 is \"Nor_conv_3x3\"");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "wrong input node index", "\"avg_pool_3x3~0\"");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~3|",
				 "wrong input node index", "\"skip_connect~3\"");
	expect_error("|nor_conv_3x3~00|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "wrong input node index", "\"nor_conv_3x3~00\"");
	expect_error("|nor_conv_3x3~|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "wrong input node index", NULL);
	/* inputs out of order are a wrong index, not a permutation */
	expect_error("|nor_conv_3x3~0|+|avg_pool_3x3~1|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "wrong input node index", "\"avg_pool_3x3~1\"");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "too few inputs", "Node 2 has 1 input;");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|",
				 "too few inputs", "Node 3 has 2 inputs");
	expect_error("|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "too many inputs", "\"nor_conv_3x3~1|+");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|none~3|",
				 "too many inputs", "\"none~3|\"");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "too few nodes", "after node 2");
	expect_error("|nor_conv_3x3~0|", "too few nodes", "after node 1");
	expect_error(BRIEF "+|none~0|", "too many nodes", "\"+|none~0|\"");
	expect_error(BRIEF " ", "trailing text", "\" \"");
	expect_error(BRIEF "x", "trailing text", "\"x\"");
	expect_error(BRIEF "\n", "trailing text", "\\x0a");
	expect_error(" " BRIEF, "invalid nb201 architecture", "Node 1 must start with \"|\"");
	expect_error("nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "invalid nb201 architecture", "Node 1 must start");
	expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2",
				 "invalid nb201 architecture", "Expected \"|\" after \"skip_connect~2\"");
	expect_error("|nor_conv_3x3|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "invalid nb201 architecture", "\"nor_conv_3x3|+");
	expect_error("|nor_conv_3x3~0|+nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "invalid nb201 architecture", "Node 2 must start");
	expect_error("|nor_conv_3x3~0|,|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
				 "unexpected text", "\",|nor_conv");
	/* long junk is quoted cut short */
	expect_error(BRIEF "0123456789012345678901234567890123456789XYZ", "trailing text", "0123456789012345678901234567890123456789...\"");
	/* a NUL inside the given length */
	CHECK(!ct_nb201_parse(BRIEF "\0", strlen(BRIEF) + 1, &c, &err) && err.kind == CT_ERR_SYNTAX &&
		  strstr(err.message, "NUL") != NULL);
	/* the length is respected: a prefix is parsed, not the whole C string */
	CHECK(!ct_nb201_parse(BRIEF, strlen(BRIEF) - 1, &c, &err));
	CHECK(ct_nb201_parse(BRIEF "junk", strlen(BRIEF), &c, &err));
	CHECK(ct_nb201_parse(BRIEF, strlen(BRIEF), &c, NULL));
	CHECK(!ct_nb201_parse("x", 1, &c, NULL));	/* no error struct: still fails cleanly */
}

/*
 * Strictness: random edits of a valid string (a byte replaced, inserted or
 * deleted, up to three times); whatever parses must print back as exactly
 * the text parsed, and whatever fails must be CT_ERR_SYNTAX with a message.
 */
static void
test_parse_edits(void)
{
	const char	alphabet[] = "|+~0123_nonekipcvrgl x\n";
	int			parsed = 0,
				ok = 1;

	for (uint64_t seed = 0; seed < 30000; seed++)
	{
		ct_rng		rng;
		char		text[CT_NB201_STR_MAX + 8];
		char		back[CT_NB201_STR_MAX];
		size_t		len;
		ct_nb201_cell c;
		ct_error	err;

		ct_rng_seed(&rng, seed);
		ct_nb201_random(seed, &c);
		len = ct_nb201_to_str(&c, text, sizeof(text));
		len = random_edits(&rng, text, len, sizeof(text), alphabet);
		if (ct_nb201_parse(text, len, &c, &err))
		{
			parsed++;
			ct_nb201_to_str(&c, back, sizeof(back));
			if (strcmp(back, text) != 0)
			{
				ok = 0;
				fprintf(stderr, "accepted \"%s\", prints \"%s\"\n", text, back);
			}
		}
		else if (err.kind != CT_ERR_SYNTAX || err.message[0] == '\0' || err.detail[0] == '\0')
			ok = 0;
	}
	CHECK(ok);
	CHECK(parsed > 100);		/* some edits give another valid cell (an op renamed into another) */
}

static ct_error_kind
json_kind(const char *text, ct_nb201_cell *c, ct_error *err)
{
	if (ct_nb201_parse_json(text, c, err))
		return CT_OK;
	return err->kind;
}

static void
test_json(void)
{
	char		buf[CT_NB201_JSON_MAX];
	ct_nb201_cell c,
				d;
	ct_error	err;
	cJSON	   *obj;

	d = cell_of(BRIEF);
	CHECK(json_kind("{\"space\": \"nb201\", \"arch\": \"" BRIEF "\"}", &c, &err) == CT_OK);
	CHECK(memcmp(&c, &d, sizeof(c)) == 0);
	CHECK(json_kind("{\"ops\": [\"nor_conv_3x3\", \"nor_conv_3x3\", \"avg_pool_3x3\", \"skip_connect\","
					" \"nor_conv_3x3\", \"skip_connect\"], \"space\": \"nb201\"}\n", &c, &err) == CT_OK);
	CHECK(memcmp(&c, &d, sizeof(c)) == 0);

	CHECK(ct_nb201_to_json(&d, buf, sizeof(buf)) == strlen("{\"space\":\"nb201\",\"arch\":\"" BRIEF "\"}"));
	CHECK_STR(buf, "{\"space\":\"nb201\",\"arch\":\"" BRIEF "\"}");
	CHECK(json_kind(buf, &c, &err) == CT_OK && memcmp(&c, &d, sizeof(c)) == 0);
	memset(c.ops, CT_NB201_SKIP_CONNECT, 6);	/* the longest JSON fits */
	CHECK(ct_nb201_to_json(&c, buf, sizeof(buf)) < CT_NB201_JSON_MAX);

	/* from an already parsed object */
	obj = cJSON_Parse("{\"space\":\"nb201\",\"arch\":\"" BRIEF "\"}");
	CHECK(ct_nb201_from_cjson(obj, &c, &err) && memcmp(&c, &d, sizeof(c)) == 0);
	cJSON_Delete(obj);

	CHECK(json_kind("{\"space\":\"nb201\",\"arch\":\"" BRIEF "\",\"hash\":1}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(strstr(err.detail, "\"hash\"") != NULL && strstr(err.detail, "\"space\", and \"arch\" or \"ops\"") != NULL);
	CHECK(json_kind("{\"arch\":\"" BRIEF "\"}", &c, &err) == CT_ERR_SYNTAX && strstr(err.message, "\"space\"") != NULL);
	CHECK(json_kind("{\"space\":\"nb101\",\"arch\":\"" BRIEF "\"}", &c, &err) == CT_ERR_SYNTAX &&
		  strstr(err.detail, "\"nb101\"") != NULL);
	CHECK(json_kind("{\"space\":201,\"arch\":\"" BRIEF "\"}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\":\"nb201\"}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\":\"nb201\",\"arch\":\"" BRIEF "\",\"ops\":[]}", &c, &err) == CT_ERR_SYNTAX &&
		  strstr(err.message, "both") != NULL);
	CHECK(json_kind("{\"space\":\"nb201\",\"space\":\"nb201\",\"arch\":\"" BRIEF "\"}", &c, &err) == CT_ERR_SYNTAX &&
		  strstr(err.message, "duplicate") != NULL);
	CHECK(json_kind("{\"space\":\"nb201\",\"arch\":1}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\":\"nb201\",\"arch\":\"|none~0|\"}", &c, &err) == CT_ERR_SYNTAX &&
		  strstr(err.message, "too few nodes") != NULL);
	CHECK(json_kind("{\"space\":\"nb201\",\"ops\":[\"none\",\"none\",\"none\",\"none\",\"none\"]}", &c, &err) == CT_ERR_SYNTAX &&
		  strstr(err.detail, "has 5") != NULL);
	CHECK(json_kind("{\"space\":\"nb201\",\"ops\":[\"none\",\"none\",\"none\",\"none\",\"none\",\"conv\"]}", &c, &err) == CT_ERR_SYNTAX &&
		  strstr(err.detail, "edge 3<-2) is \"conv\"") != NULL);
	CHECK(json_kind("{\"space\":\"nb201\",\"ops\":[\"none\",\"none\",\"none\",\"none\",\"none\",3]}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\":\"nb201\",\"ops\":\"none\"}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\":\"nb201\",\"arch\":\"" BRIEF "\"} x", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("[\"nb201\"]", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{\"space\":\"nb201\\u0000\",\"arch\":\"" BRIEF "\"}", &c, &err) == CT_ERR_SYNTAX);
	CHECK(json_kind("{", &c, &err) == CT_ERR_SYNTAX);
}

typedef struct fixture_row
{
	int			index;
	char		arch[CT_NB201_STR_MAX];
	char		unique[CT_NB201_UNIQUE_STR_MAX];
	int			canonical;
	int			class_size;
} fixture_row;

/* test/unit/nb201_fixture.csv: arch_index,arch_str,unique_str,canonical_index,class_size (no quoting needed) */
static int
read_fixture(const char *path, fixture_row *rows, int max)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	int			n = 0;

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL ||
		strcmp(line, "arch_index,arch_str,unique_str,canonical_index,class_size\n") != 0)
	{
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f) != NULL)
	{
		char	   *field[5];
		char	   *p = line;

		line[strcspn(line, "\n")] = '\0';
		for (int k = 0; k < 5; k++)
		{
			field[k] = p;
			p += strcspn(p, ",");
			if (*p == ',')
				*p++ = '\0';
			else if (k < 4)
			{
				fclose(f);
				return -1;
			}
		}
		if (strlen(field[1]) >= CT_NB201_STR_MAX || strlen(field[2]) >= CT_NB201_UNIQUE_STR_MAX)
		{
			fclose(f);
			return -1;
		}
		rows[n].index = atoi(field[0]);
		strcpy(rows[n].arch, field[1]);
		strcpy(rows[n].unique, field[2]);
		rows[n].canonical = atoi(field[3]);
		rows[n].class_size = atoi(field[4]);
		n++;
	}
	fclose(f);
	return n;
}

static void
test_fixture(void)
{
	static fixture_row rows[1000];
	int			n = read_fixture("test/unit/nb201_fixture.csv", rows, 1000);
	int			named = 0;

	CHECK(n > 400);
	for (int r = 0; r < n; r++)
	{
		ct_nb201_cell c,
					byindex,
					canon;
		char		buf[CT_NB201_UNIQUE_STR_MAX];
		ct_error	err;

		CHECK(ct_nb201_parse(rows[r].arch, strlen(rows[r].arch), &c, &err));
		ct_nb201_to_str(&c, buf, sizeof(buf));
		CHECK_STR(buf, rows[r].arch);
		CHECK(ct_nb201_index(&c) == rows[r].index);
		CHECK(ct_nb201_from_index(rows[r].index, &byindex, &err) && memcmp(&c, &byindex, sizeof(c)) == 0);
		ct_nb201_unique_str(&c, buf, sizeof(buf));
		CHECK_STR(buf, rows[r].unique);
		ct_nb201_canonical(&c, &canon);
		CHECK(ct_nb201_index(&canon) == rows[r].canonical);
		CHECK(ct_nb201_is_canonical(&c) == (rows[r].index == rows[r].canonical));
		CHECK(ct_nb201_class_size(&c) == rows[r].class_size);
		named += rows[r].index == 0 || rows[r].index == 6111 || rows[r].index == 9930;
	}
	CHECK(named == 3);
}

static void
test_index(void)
{
	static char all[CT_NB201_NUM_CELLS * CT_NB201_STR_MAX];
	static uint8_t seen[CT_NB201_NUM_CELLS];
	size_t		len = 0;
	char		md5[33];
	ct_nb201_cell c;
	ct_error	err;
	uint8_t		prev[CT_NB201_BYTES] = {0, 0};
	int			bijective = 1;

	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
	{
		uint8_t		bytes[CT_NB201_BYTES];
		ct_nb201_cell back;

		if (!ct_nb201_from_index(i, &c, &err) || ct_nb201_index(&c) != i || !ct_nb201_cell_is_valid(&c))
			bijective = 0;
		if (seen[ct_nb201_code(&c)]++)
			bijective = 0;
		len += ct_nb201_to_str(&c, all + len, sizeof(all) - len);
		all[len++] = '\n';

		/* bytes: memcmp order is index order, and they decode back */
		ct_nb201_encode(&c, bytes);
		if (i > 0 && memcmp(prev, bytes, CT_NB201_BYTES) >= 0)
			bijective = 0;
		memcpy(prev, bytes, CT_NB201_BYTES);
		if (!ct_nb201_decode(bytes, CT_NB201_BYTES, &back, &err) || memcmp(&back, &c, sizeof(c)) != 0)
			bijective = 0;
		/* gen_all position */
		ct_nb201_from_code(i, &back);
		if (ct_nb201_code(&back) != i)
			bijective = 0;
	}
	CHECK(bijective);
	/* every one of the 15,625 strings in index order equals the benchmark's */
	ct_md5_hex(all, len, md5);
	CHECK_STR(md5, ALL_STRINGS_MD5);

	/* generate_meta_info's own checks of its shuffle */
	CHECK(ct_nb201_from_index(0, &c, NULL));
	CHECK(ct_nb201_index(&c) == 0);
	CHECK(ct_nb201_code(&c) == 13931);
	c = cell_of("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
	CHECK(ct_nb201_index(&c) == 9);
	c = cell_of("|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|");
	CHECK(ct_nb201_index(&c) == 123);
	/* the best CIFAR-10 cell of data/README */
	c = cell_of("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
	CHECK(ct_nb201_index(&c) == 6111);
	/* gen_all: all none first, the first edge slowest */
	c = cell_of("|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|");
	CHECK(ct_nb201_code(&c) == 2);
	c = cell_of("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|");
	CHECK(ct_nb201_code(&c) == 3125);

	CHECK(!ct_nb201_from_index(CT_NB201_NUM_CELLS, &c, &err) && err.kind == CT_ERR_INVALID &&
		  strstr(err.detail, "15625") != NULL);
	CHECK(!ct_nb201_from_index(-1, &c, &err) && err.kind == CT_ERR_INVALID);
	{
		const uint8_t big[2] = {0x3d, 0x09};	/* 15625 */
		const uint8_t last[2] = {0x3d, 0x08};	/* 15624 */

		CHECK(!ct_nb201_decode(big, 2, &c, &err) && err.kind == CT_ERR_INVALID);
		CHECK(ct_nb201_decode(last, 2, &c, &err) && ct_nb201_index(&c) == 15624);
		CHECK(!ct_nb201_decode(last, 1, &c, &err) && err.kind == CT_ERR_SYNTAX);
		CHECK(!ct_nb201_decode(last, 3, &c, &err) && err.kind == CT_ERR_SYNTAX);
	}
	{
		ct_nb201_cell a = cell_of(BRIEF),
					b;

		ct_nb201_from_index(6111, &b, NULL);
		CHECK(ct_nb201_cmp(&a, &b) < 0 && ct_nb201_cmp(&b, &a) > 0 && ct_nb201_cmp(&a, &a) == 0);
	}
}

static void
unique_of(const char *arch, char *buf)
{
	ct_nb201_cell c = cell_of(arch);

	ct_nb201_unique_str(&c, buf, CT_NB201_UNIQUE_STR_MAX);
}

static void
test_isomorphism(void)
{
	char		buf[CT_NB201_UNIQUE_STR_MAX];
	int			sizes = 0,
				reps = 0,
				longest = 0,
				ok = 1;

	/* the 6,466 of the NB201 paper */
	CHECK(ct_nb201_num_classes() == 6466);
	for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
	{
		ct_nb201_cell c,
					canon,
					again;
		int			ci = ct_nb201_canonical_index(i);
		int			len;

		ct_nb201_from_index(i, &c, NULL);
		ct_nb201_canonical(&c, &canon);
		ct_nb201_canonical(&canon, &again);
		len = (int) ct_nb201_unique_str(&c, buf, sizeof(buf));
		longest = len > longest ? len : longest;
		if (ct_nb201_index(&canon) != ci || ci > i || !ct_nb201_isomorphic(&c, &canon) ||
			memcmp(&canon, &again, sizeof(c)) != 0)
			ok = 0;
		if (ci == i)
		{
			reps++;
			sizes += ct_nb201_class_size(&c);
		}
	}
	CHECK(ok);
	CHECK(reps == 6466 && sizes == CT_NB201_NUM_CELLS);
	CHECK(longest == 112 && longest < CT_NB201_UNIQUE_STR_MAX);
	CHECK(ct_nb201_canonical_index(-1) == -1 && ct_nb201_canonical_index(CT_NB201_NUM_CELLS) == -1);
	/* an invalid cell made by hand: no out-of-bounds read anywhere */
	{
		ct_nb201_cell bad = {{3, 3, 9, 1, 3, 1}},
					out;
		uint8_t		bytes[CT_NB201_BYTES];

		CHECK(!ct_nb201_cell_is_valid(&bad) && ct_nb201_index(&bad) == -1);
		CHECK(!ct_nb201_is_canonical(&bad) && ct_nb201_class_size(&bad) == 0);
		ct_nb201_canonical(&bad, &out);
		CHECK(memcmp(&bad, &out, sizeof(out)) == 0);
		ct_nb201_unique_str(&bad, buf, sizeof(buf));
		CHECK(strstr(buf, ")@?") != NULL);
		ct_nb201_encode(&bad, bytes);
		CHECK(!ct_nb201_decode(bytes, CT_NB201_BYTES, &out, NULL));
		ct_nb201_to_str(&bad, buf, sizeof(buf));
		CHECK(strstr(buf, "|?~1|") != NULL);
	}

	/* to the letter: only node 1 can be "#"; an all-zero later node is "#+#" and stays visible */
	unique_of("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", buf);
	CHECK_STR(buf, "#+#+#");
	unique_of("|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|", buf);
	CHECK_STR(buf, "#+#+(#+#)@nor_conv_3x3");
	unique_of("|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|", buf);
	CHECK_STR(buf, "#+#+#+#");
	unique_of("|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|avg_pool_3x3~1|skip_connect~2|", buf);
	CHECK_STR(buf, "#+#+#+0");
	unique_of(BRIEF, buf);
	CHECK_STR(buf, "((0)@nor_conv_3x3)@avg_pool_3x3+(0)@nor_conv_3x3+((0)@nor_conv_3x3)@nor_conv_3x3+0");
	/* skip_connect passes its input on: a skip into node 1 is the same as reading node 0 directly */
	{
		ct_nb201_cell a = cell_of("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|");
		ct_nb201_cell b = cell_of("|none~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|");
		ct_nb201_cell z = cell_of("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
		ct_nb201_cell y = cell_of("|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|");

		unique_of("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|", buf);
		CHECK_STR(buf, "#+#+#+(0)@nor_conv_3x3");
		CHECK(ct_nb201_isomorphic(&a, &b));
		CHECK(ct_nb201_canonical_index(ct_nb201_index(&a)) == ct_nb201_canonical_index(ct_nb201_index(&b)));
		/* both compute zero, but "#+#" is not "#": two classes, as to_unique_str says */
		CHECK(!ct_nb201_isomorphic(&z, &y));
	}
	/* too small a buffer: an empty string, the needed length */
	CHECK(ct_nb201_unique_str(&(ct_nb201_cell) {{0}}, buf, 3) == 5 && buf[0] == '\0');
}

static void
test_random(void)
{
	int			count[CT_NB201_NUM_EDGES][CT_NB201_NUM_OPS] = {{0}};
	const int	n = 50000;
	int			ok = 1;

	for (uint64_t seed = 0; seed < (uint64_t) n; seed++)
	{
		ct_nb201_cell c,
					again;

		ct_nb201_random(seed, &c);
		ct_nb201_random(seed, &again);
		if (memcmp(&c, &again, sizeof(c)) != 0 || !ct_nb201_cell_is_valid(&c))
			ok = 0;
		for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
			count[e][c.ops[e]]++;
	}
	CHECK(ok);
	/* each edge uniform over the five ops: 10,000 expected, sd about 89 */
	for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
		for (int op = 0; op < CT_NB201_NUM_OPS; op++)
			CHECK(abs(count[e][op] - n / 5) < 500);
	{
		ct_nb201_cell a,
					b;

		ct_nb201_random(1, &a);
		ct_nb201_random(2, &b);
		CHECK(memcmp(&a, &b, sizeof(a)) != 0);
	}
}

static void
test_mutate(void)
{
	int			by_edge[CT_NB201_NUM_EDGES] = {0};
	int			by_op[CT_NB201_NUM_OPS] = {0};
	const int	n = 90000;
	int			ok = 1;
	ct_nb201_cell parent = cell_of(BRIEF);

	for (uint64_t seed = 0; seed < (uint64_t) n; seed++)
	{
		ct_nb201_cell child,
					again;
		int			changed = 0,
					edge = -1;

		ct_nb201_mutate(&parent, seed, &child);
		ct_nb201_mutate(&parent, seed, &again);
		if (memcmp(&child, &again, sizeof(child)) != 0 || !ct_nb201_cell_is_valid(&child))
			ok = 0;
		for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
			if (child.ops[e] != parent.ops[e])
			{
				changed++;
				edge = e;
			}
		if (changed != 1)
		{
			ok = 0;
			continue;
		}
		by_edge[edge]++;
		if (edge == 0)			/* parent op nor_conv_3x3 (3) */
			by_op[child.ops[0]]++;
	}
	CHECK(ok);
	/* R_EA.py: node uniform over 1..3, then one of its inputs: 1/3, 1/6, 1/6, 1/9, 1/9, 1/9 */
	CHECK(abs(by_edge[0] - n / 3) < 900);
	CHECK(abs(by_edge[1] - n / 6) < 700 && abs(by_edge[2] - n / 6) < 700);
	for (int e = 3; e < 6; e++)
		CHECK(abs(by_edge[e] - n / 9) < 600);
	/* the new op uniform over the other four */
	CHECK(by_op[CT_NB201_NOR_CONV_3X3] == 0);
	for (int op = 0; op < CT_NB201_NUM_OPS; op++)
		if (op != CT_NB201_NOR_CONV_3X3)
			CHECK(abs(by_op[op] - by_edge[0] / 4) < 500);
}

/* 24 neighbours: each one edge to one other op, all different, exactly the cells mutations reach */
static void
test_neighbours(void)
{
	int			bad = 0;

	for (int i = 0; i < CT_NB201_NUM_CELLS; i += 7)
	{
		ct_nb201_cell c,
					nb[CT_NB201_NEIGHBOURS];
		bool		reached[CT_NB201_NEIGHBOURS] = {false};

		CHECK(ct_nb201_from_index(i, &c, NULL));
		ct_nb201_neighbours(&c, nb);
		for (int k = 0; k < CT_NB201_NEIGHBOURS; k++)
		{
			int			changed = 0;

			for (int e = 0; e < CT_NB201_NUM_EDGES; e++)
				changed += nb[k].ops[e] != c.ops[e];
			bad += changed != 1 || !ct_nb201_cell_is_valid(&nb[k]);
			for (int j = 0; j < k; j++)
				bad += memcmp(&nb[j], &nb[k], sizeof(c)) == 0;
		}
		/* in the string's edge order, 4 per edge */
		bad += nb[0].ops[0] == c.ops[0] || nb[CT_NB201_NEIGHBOURS - 1].ops[5] == c.ops[5];
		if (i % 70 == 0)
		{
			for (uint64_t seed = 0; seed < 2000; seed++)
			{
				ct_nb201_cell m;
				int			k = 0;

				ct_nb201_mutate(&c, seed, &m);
				while (k < CT_NB201_NEIGHBOURS && memcmp(&nb[k], &m, sizeof(m)) != 0)
					k++;
				bad += k == CT_NB201_NEIGHBOURS;
				if (k < CT_NB201_NEIGHBOURS)
					reached[k] = true;
			}
			for (int k = 0; k < CT_NB201_NEIGHBOURS; k++)
				bad += !reached[k];
		}
	}
	CHECK(CT_NB201_NEIGHBOURS == 24);
	CHECK(bad == 0);
}

static void
test_dag(void)
{
	ct_nb201_dag d;
	ct_nb201_cell c = cell_of(BRIEF);
	const uint8_t ops[8] = {CT_NB201_DAG_INPUT, 3, 3, 4, 1, 3, 1, CT_NB201_DAG_OUTPUT};
	/* arcs x->y: 0->1, 0->2, 0->4, 1->3, 1->5, 2->6, 3->6, 4->7, 5->7, 6->7 (NASLib's and BRP-NAS's graph) */
	const uint8_t want[8][8] = {
		{0, 1, 1, 0, 1, 0, 0, 0},
		{0, 0, 0, 1, 0, 1, 0, 0},
		{0, 0, 0, 0, 0, 0, 1, 0},
		{0, 0, 0, 0, 0, 0, 1, 0},
		{0, 0, 0, 0, 0, 0, 0, 1},
		{0, 0, 0, 0, 0, 0, 0, 1},
		{0, 0, 0, 0, 0, 0, 0, 1},
		{0, 0, 0, 0, 0, 0, 0, 0},
	};
	int			arcs = 0;

	ct_nb201_to_dag(&c, &d);
	CHECK(d.n == CT_NB201_DAG_NODES);
	CHECK(memcmp(d.ops, ops, 8) == 0);
	CHECK(memcmp(d.adj, want, sizeof(want)) == 0);
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
		{
			CHECK(((d.preds[y] >> x) & 1) == d.adj[x][y]);
			arcs += d.adj[x][y];
		}
	CHECK(arcs == 10);
	CHECK(d.preds[0] == 0 && d.preds[6] == 0x0c && d.preds[7] == 0x70);

	/* none nodes are kept, and the arcs do not depend on the ops */
	memset(c.ops, CT_NB201_NONE, 6);
	ct_nb201_to_dag(&c, &d);
	CHECK(memcmp(d.adj, want, sizeof(want)) == 0);
	CHECK(d.ops[1] == CT_NB201_NONE && d.ops[6] == CT_NB201_NONE && d.ops[7] == CT_NB201_DAG_OUTPUT);
}

static void
test_dot(void)
{
	char		buf[CT_NB201_DOT_MAX];
	ct_nb201_cell c = cell_of("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|");
	const char *want =
		"digraph nb201 {\n"
		"  rankdir=LR;\n"
		"  node [shape=circle];\n"
		"  n0 [label=\"0\"];\n"
		"  n1 [label=\"1\"];\n"
		"  n2 [label=\"2\"];\n"
		"  n3 [label=\"3\"];\n"
		"  n0 -> n1 [label=\"nor_conv_3x3\"];\n"
		"  n0 -> n2 [label=\"none\", style=dashed];\n"
		"  n1 -> n2 [label=\"avg_pool_3x3\"];\n"
		"  n0 -> n3 [label=\"skip_connect\"];\n"
		"  n1 -> n3 [label=\"nor_conv_1x1\"];\n"
		"  n2 -> n3 [label=\"skip_connect\"];\n"
		"}\n";
	size_t		len = ct_nb201_to_dot(&c, buf, sizeof(buf));

	CHECK(len == strlen(want));
	CHECK_STR(buf, want);
	memset(c.ops, CT_NB201_NONE, 6);	/* the longest: every arc dashed */
	CHECK(ct_nb201_to_dot(&c, buf, sizeof(buf)) < CT_NB201_DOT_MAX);
	memset(buf, '#', sizeof(buf));
	CHECK(ct_nb201_to_dot(&c, buf, 20) > 20 && buf[20] == '#' && strlen(buf) < 20);
}

void
test_nb201(void)
{
	test_ops();
	test_string();
	test_parse_errors();
	test_parse_edits();
	test_json();
	test_fixture();
	test_index();
	test_isomorphism();
	test_random();
	test_mutate();
	test_neighbours();
	test_dag();
	test_dot();
}
