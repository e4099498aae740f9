/*
 * nb101_json.c
 *	  Streaming reader for CTNAS's nas_bench.json.
 */
#include "ctnas_nb101.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_json.h"

static void
skip_space(ct_nb101_json_reader *r)
{
	while (r->pos < r->end && (*r->pos == ' ' || *r->pos == '\t' || *r->pos == '\n' || *r->pos == '\r'))
		r->pos++;
}

void
ct_nb101_json_begin(ct_nb101_json_reader *r, const char *text, size_t len)
{
	r->pos = text;
	r->end = text + len;
	r->index = 0;
	r->state = 0;
}

/*
 * An optional numeric field: absent or null gives NaN; anything else must be
 * a finite number, so a typo in a file is an error rather than a silent NULL.
 */
static bool
number_field(const cJSON *obj, const char *key, double *out, ct_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NAN;
	if (item == NULL || cJSON_IsNull(item))
		return true;
	if (!ct_json_real(item, out))	/* finite, and not a nonzero literal that underflowed to 0 */
		return ct_fail(err, CT_ERR_INVALID, "nas_bench.json record has a bad number",
					   "\"%s\" must be a finite number.", key);
	return true;
}

static const cJSON *
either_key(const cJSON *obj, const char *a, const char *b)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, a);

	return item != NULL ? item : cJSON_GetObjectItemCaseSensitive(obj, b);
}

static bool
read_record(const cJSON *obj, ct_nb101_record *rec, ct_error *err)
{
	const cJSON *matrix = either_key(obj, "matrix", "module_adjacency");
	const cJSON *ops = either_key(obj, "ops", "module_operations");
	const cJSON *hash = cJSON_GetObjectItemCaseSensitive(obj, "hash_");
	ct_raw_graph raw;
	const cJSON *params_item;

	if (!cJSON_IsObject(obj))
		return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json record is not a JSON object",
					   "Each element of the list must be an object.");
	if (matrix == NULL || ops == NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json record has no \"matrix\" and \"ops\"",
					   "A record needs \"matrix\" and \"ops\" (or \"module_adjacency\" and \"module_operations\").");
	if (!ct_raw_graph_from_cjson(matrix, ops, &raw, err) ||
		!ct_graph_from_raw(&raw, &rec->graph, err))
		return false;
	ct_graph_nb101_hash(&rec->graph, rec->hash);
	if (hash != NULL && (!cJSON_IsString(hash) || strcmp(hash->valuestring, rec->hash) != 0))
		return ct_fail(err, CT_ERR_INVALID, "nas_bench.json record has a wrong \"hash_\"",
					   "The cell hashes to %s.", rec->hash);
	if (!number_field(obj, "validation_accuracy", &rec->validation_accuracy, err) ||
		!number_field(obj, "test_accuracy", &rec->test_accuracy, err) ||
		!number_field(obj, "train_accuracy", &rec->train_accuracy, err) ||
		!number_field(obj, "training_time", &rec->training_time, err))
		return false;
	/* an integer as written, that a double holds without rounding; absent or null: -1 */
	rec->n_params = -1;
	params_item = cJSON_GetObjectItemCaseSensitive(obj, "n_params");
	if (params_item != NULL && !cJSON_IsNull(params_item) &&
		!ct_json_int(params_item, 0, INT64_C(9007199254740992), &rec->n_params))
		return ct_fail(err, CT_ERR_INVALID, "nas_bench.json record has a bad number",
					   "\"n_params\" must be a non-negative integer.");
	return true;
}

/* Prefixes the detail with the record number, so a user can find it. */
static int
fail_at(ct_nb101_json_reader *r, ct_error *err)
{
	char		detail[sizeof(err->detail)];

	snprintf(detail, sizeof(detail), "%s", err->detail);
	snprintf(err->detail, sizeof(err->detail), "Record %ld (counting from 1)%s%.200s",
			 r->index + 1, detail[0] ? ": " : ".", detail);
	return -1;
}

int
ct_nb101_json_next(ct_nb101_json_reader *r, ct_nb101_record *rec, ct_error *err)
{
	cJSON	   *obj;
	const char *after = NULL;
	bool		ok;

	skip_space(r);
	if (r->state == 0)
	{
		if (ct_json_has_escaped_nul(r->pos, (size_t) (r->end - r->pos)))
			return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json contains an escaped NUL character",
						   "\\u0000 cannot be represented."), -1;
		if (r->pos >= r->end || *r->pos != '[')
			return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json must be a JSON list",
						   "The text does not start with \"[\"."), -1;
		r->pos++;
		r->state = 1;
		skip_space(r);
		if (r->pos < r->end && *r->pos == ']')
			r->state = 2, r->pos++;
	}
	else if (r->state == 1)
	{
		if (r->pos < r->end && *r->pos == ']')
			r->state = 2, r->pos++;
		else if (r->pos < r->end && *r->pos == ',')
			r->pos++;
		else
			return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json is malformed",
						   "Expected \",\" or \"]\" after a record."), fail_at(r, err);
	}
	if (r->state == 2)
	{
		skip_space(r);
		if (r->pos != r->end)
			return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json is malformed",
						   "Text follows the closing \"]\"."), -1;
		return 0;
	}

	obj = ct_json_parse(r->pos, (size_t) (r->end - r->pos), &after, false);
	if (obj == NULL)
		return ct_fail(err, CT_ERR_SYNTAX, "nas_bench.json is malformed",
					   "A record is not valid JSON."), fail_at(r, err);
	memset(rec, 0, sizeof(*rec));
	ok = read_record(obj, rec, err);
	cJSON_Delete(obj);
	if (!ok)
		return fail_at(r, err);
	r->pos = after;
	r->index++;
	return 1;
}
