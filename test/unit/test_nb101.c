/*
 * test_nb101.c
 *	  Module hashes of real cells (data/nb101_sample.csv) and the
 *	  nas_bench.json reader (data/nas_bench_sample.json and broken texts).
 */
#include "unit.h"

#include <stdlib.h>

#include "ctnas_nb101.h"
#include "sample_csv.h"

static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = (size_t) ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len + 1);
	if (fread(buf, 1, *len, f) != *len)
		*len = 0;
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* The first 500 real cells: canonical text as stored, official hash. */
static void
test_sample_hashes(void)
{
	static sample_row rows[500];
	int			n = sample_csv_read("data/nb101_sample.csv", rows, 500);
	int			matched = 0;

	CHECK(n == 500);
	for (int i = 0; i < n; i++)
	{
		char		got[33];
		char		text[CT_GRAPH_JSON_MAX];

		ct_graph_nb101_hash(&rows[i].graph, got);
		ct_graph_to_json(&rows[i].graph, text, sizeof(text));
		matched += strcmp(got, rows[i].hash) == 0 && strcmp(text, rows[i].arch) == 0;
	}
	CHECK(matched == 500);
}

static int
count_records(const char *text, ct_error *err)
{
	ct_nb101_json_reader r;
	ct_nb101_record rec;
	int			n = 0,
				rc;

	ct_nb101_json_begin(&r, text, strlen(text));
	while ((rc = ct_nb101_json_next(&r, &rec, err)) == 1)
		n++;
	return rc < 0 ? -1 : n;
}

static void
test_json_reader(void)
{
	size_t		len = 0;
	char	   *text = read_file("data/nas_bench_sample.json", &len);
	ct_nb101_json_reader r;
	ct_nb101_record rec;
	ct_error	err;
	int			n = 0;

	CHECK(text != NULL && len > 0);
	if (text == NULL)
		return;
	ct_nb101_json_begin(&r, text, len);
	while (ct_nb101_json_next(&r, &rec, &err) == 1)
	{
		n++;
		CHECK(rec.validation_accuracy > 0.0 && rec.validation_accuracy < 1.0);
		CHECK(rec.test_accuracy > 0.0 && rec.test_accuracy < 1.0);
		CHECK(rec.n_params > 0);
		CHECK(rec.train_accuracy != rec.train_accuracy);	/* absent: NaN */
	}
	CHECK(n == 60);
	free(text);

	CHECK(count_records("[]", &err) == 0);
	CHECK(count_records("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\\u0000\"]}]", &err) == -1 &&
		  err.kind == CT_ERR_SYNTAX);
	CHECK(count_records(" [ ] ", &err) == 0);
	CHECK(count_records("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}]", &err) == 1);
	CHECK(count_records("", &err) == -1 && err.kind == CT_ERR_SYNTAX);
	CHECK(count_records("[", &err) == -1 && err.kind == CT_ERR_SYNTAX);
	CHECK(count_records("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]},]", &err) == -1);
	CHECK(count_records("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"],\"hash_\":\"x\"}]", &err) == -1 &&
		  err.kind == CT_ERR_INVALID);
	CHECK(count_records("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"],"
						"\"hash_\":\"043721b9c7fe8c5fad811d47d83132ec\"}]", &err) == 1);
	CHECK(count_records("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}] ]", &err) == -1);
	CHECK(strstr(err.detail, "]") != NULL);

	/* numbers: null is absent, anything else must be a finite number (fuzzer find) */
#define CELL "\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]"
	CHECK(count_records("[{" CELL ",\"n_params\":null,\"test_accuracy\":null}]", &err) == 1);
	CHECK(count_records("[{" CELL ",\"n_params\":15238900000000000000000}]", &err) == -1 &&
		  err.kind == CT_ERR_INVALID);
	CHECK(count_records("[{" CELL ",\"n_params\":-1}]", &err) == -1);
	CHECK(count_records("[{" CELL ",\"n_params\":1.5}]", &err) == -1);
	CHECK(count_records("[{" CELL ",\"test_accuracy\":\"0.9\"}]", &err) == -1);
	CHECK(count_records("[{" CELL ",\"test_accuracy\":1e999}]", &err) == -1);
	CHECK(count_records("[{" CELL ",\"n_params\":882570,\"test_accuracy\":0.84}]", &err) == 1);
#undef CELL
}

void
test_nb101(void)
{
	test_sample_hashes();
	test_json_reader();
}
