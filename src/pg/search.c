/*
 * search.c
 *	  The search harness in SQL: reading and checking an oracle (a table,
 *	  view or query of cells and accuracies), the query budget, and the
 *	  baselines random_search and evolution_search, and ctnas_search, which
 *	  shares all of it.
 */
#include "ctnas_pg.h"

#include <limits.h>
#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/tuplestore.h"

#include <cjson/cJSON.h>

#include "ctnas_search.h"

/* Options the glue handles itself; the rest go to the core. */
typedef struct OracleColumns
{
	char	   *arch_column;
	char	   *acc_column;
	char	   *model;			/* ctnas_search: start from this NAC of ctnas.models */
	char	   *save_model;		/* ctnas_search: store the final NAC under this name */
	int			progress;		/* ctnas_search: a NOTICE every this many steps (0: none) */
	bool		nac_shape_given;	/* the "nac" object names the network's shape */
	char	   *core_json;
} OracleColumns;

static OracleColumns
split_options(Jsonb *options, bool ctnas)
{
	OracleColumns oc = {"arch", "acc", NULL, NULL, 0, false, "{}"};
	char	   *text = JsonbToCString(NULL, &options->root, VARSIZE(options));
	cJSON	   *root = cJSON_Parse(text);
	const char *keys[4] = {"arch_column", "acc_column", "model", "save_model"};
	cJSON	   *item;

	if (root == NULL || !cJSON_IsObject(root))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search options must be a JSON object")));
	for (int k = 0; k < (ctnas ? 4 : 2); k++)
	{
		item = cJSON_DetachItemFromObjectCaseSensitive(root, keys[k]);
		if (item == NULL)
			continue;
		if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid search option"),
					 errdetail(k < 2 ? "\"%s\" must be a column name." : "\"%s\" must be a model name.", keys[k])));
		*(k == 0 ? &oc.arch_column : k == 1 ? &oc.acc_column : k == 2 ? &oc.model : &oc.save_model) =
			pstrdup(item->valuestring);
		cJSON_Delete(item);
	}
	if (ctnas && (item = cJSON_DetachItemFromObjectCaseSensitive(root, "progress")) != NULL)
	{
		double		x = cJSON_IsNumber(item) ? item->valuedouble : -1;

		if (!(x >= 0 && x <= INT_MAX && x == floor(x)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid search option"),
					 errdetail("\"progress\" must be a whole number of steps (0: no progress reports).")));
		oc.progress = (int) x;
		cJSON_Delete(item);
	}
	if (ctnas && (item = cJSON_GetObjectItemCaseSensitive(root, "nac")) != NULL)
		oc.nac_shape_given = cJSON_HasObjectItem(item, "head") || cJSON_HasObjectItem(item, "directions") ||
			cJSON_HasObjectItem(item, "layers") || cJSON_HasObjectItem(item, "width");
	oc.core_json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return oc;
}

/* A query rather than a relation name: it starts with a keyword a query starts with. */
static bool
looks_like_query(const char *s)
{
	static const char *const starts[] = {"select", "with", "values", "table", "("};

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (int i = 0; i < 5; i++)
	{
		size_t		len = strlen(starts[i]);

		if (pg_strncasecmp(s, starts[i], len) == 0 &&
			(len == 1 || s[len] == '\0' || !(isalnum((unsigned char) s[len]) || s[len] == '_')))
			return true;
	}
	return false;
}

static bool
is_number_type(Oid t)
{
	return t == FLOAT8OID || t == FLOAT4OID || t == NUMERICOID ||
		t == INT2OID || t == INT4OID || t == INT8OID;
}

static double
number_value(Datum d, Oid t)
{
	switch (t)
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		default:
			return (double) DatumGetInt64(d);
	}
}

/* The SQL text that reads the oracle: the user's query, or the two columns of the relation. */
static char *
oracle_sql(const char *oracle, const OracleColumns *oc, Oid archgraph_oid)
{
	List	   *names;
	RangeVar   *rv;
	Oid			relid;
	AttrNumber	arch_att,
				acc_att;

	if (looks_like_query(oracle))
		return psprintf("SELECT * FROM (%s) AS oracle", oracle);

	names = stringToQualifiedNameList(oracle);
	rv = makeRangeVarFromNameList(names);
	relid = RangeVarGetRelid(rv, AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("oracle relation \"%s\" does not exist", oracle),
				 errhint("The oracle is a table or view name, or a SELECT query whose first two columns are the cell and the accuracy.")));
	arch_att = get_attnum(relid, oc->arch_column);
	acc_att = get_attnum(relid, oc->acc_column);
	if (arch_att == InvalidAttrNumber || acc_att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("oracle \"%s\" has no column \"%s\"", oracle,
						arch_att == InvalidAttrNumber ? oc->arch_column : oc->acc_column),
				 errhint("Name the columns with the options arch_column and acc_column.")));
	if (get_atttype(relid, arch_att) != archgraph_oid)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("oracle column \"%s\" is not of type archgraph", oc->arch_column)));
	if (!is_number_type(get_atttype(relid, acc_att)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("oracle column \"%s\" is not a number", oc->acc_column)));
	return psprintf("SELECT %s, %s FROM %s", quote_identifier(oc->arch_column),
					quote_identifier(oc->acc_column),
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)));
}

/* Reads and checks the whole oracle before any search work starts. */
static void
load_oracle(const char *oracle, const OracleColumns *oc, Oid archgraph_oid, ct_oracle *out)
{
	char	   *sql;
	ct_graph   *cells;
	double	   *acc;
	TupleDesc	desc;
	uint64		n;
	ct_error	err;
	MemoryContext caller = CurrentMemoryContext;

	sql = oracle_sql(oracle, oc, archgraph_oid);
	SPI_connect();
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the oracle must be a table, a view or a SELECT query")));
	desc = SPI_tuptable->tupdesc;
	n = SPI_processed;
	if (desc->natts < 2 || SPI_gettypeid(desc, 1) != archgraph_oid || !is_number_type(SPI_gettypeid(desc, 2)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the oracle's first two columns must be an archgraph and a number")));
	cells = MemoryContextAllocHuge(caller, sizeof(ct_graph) * Max(n, 1));
	acc = MemoryContextAllocHuge(caller, sizeof(double) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		null_arch,
					null_acc;
		Datum		a = SPI_getbinval(SPI_tuptable->vals[i], desc, 1, &null_arch);
		Datum		v = SPI_getbinval(SPI_tuptable->vals[i], desc, 2, &null_acc);

		if (i % 4096 == 0)
			CHECK_FOR_INTERRUPTS();
		if (null_arch || null_acc)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the oracle has a NULL %s", null_arch ? "cell" : "accuracy"),
					 errdetail("Row %llu (in the order read).", (unsigned long long) i + 1)));
		archgraph_decode(DatumGetArchGraphP(a), &cells[i]);
		acc[i] = number_value(v, SPI_gettypeid(desc, 2));
	}
	SPI_finish();
	if (!ct_oracle_build(out, cells, acc, n, &err))
		ct_report_error(&err, "oracle", NULL);
}

static void
search_interrupt(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

static void
check_budget(int32 budget)
{
	if (budget < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search budget must be at least 1"),
				 errdetail("Got %d.", budget)));
}

typedef bool (*search_fn) (ct_budget *b, const ct_baseline_options *opt,
						   ct_interrupt_fn interrupt, void *arg, ct_error *err);

static Datum
run_baseline(FunctionCallInfo fcinfo, search_fn search)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *oracle = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		budget = PG_GETARG_INT32(1);
	OracleColumns oc = split_options(PG_GETARG_JSONB_P(2), false);
	ct_baseline_options opt;
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	int64		best;

	check_budget(budget);
	if (!ct_baseline_options_from_json(oc.core_json, &opt, &err))
		ct_report_error(&err, "jsonb", NULL);
	InitMaterializedSRF(fcinfo, 0);
	/* the result's arch column tells the archgraph type's oid, whatever the search_path */
	load_oracle(oracle, &oc, TupleDescAttr(rsinfo->setDesc, 1)->atttypid, &o);
	ct_budget_init(&b, &o, budget);
	if (!search(&b, &opt, search_interrupt, NULL, &err))
		ct_report_error(&err, "search", NULL);

	for (int i = 0; i < b.used; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = PointerGetDatum(archgraph_encode(&o.cells[b.log[i]]));
		values[2] = Float8GetDatum(o.acc[b.log[i]]);
		values[3] = BoolGetDatum(false);
		values[4] = Int32GetDatum(i + 1);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	/* the final choice: the best queried cell */
	best = ct_budget_best(&b);
	if (best >= 0)
	{
		Datum		values[5];
		bool		nulls[5] = {true, false, false, false, false};

		values[1] = PointerGetDatum(archgraph_encode(&o.cells[best]));
		values[2] = Float8GetDatum(o.acc[best]);
		values[3] = BoolGetDatum(true);
		values[4] = Int32GetDatum(b.used);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	ct_budget_free(&b);
	ct_oracle_free(&o);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(random_search);
Datum
random_search(PG_FUNCTION_ARGS)
{
	return run_baseline(fcinfo, ct_random_search);
}

PG_FUNCTION_INFO_V1(evolution_search);
Datum
evolution_search(PG_FUNCTION_ARGS)
{
	return run_baseline(fcinfo, ct_evolution_search);
}

/* Stores the search's NAC in ctnas.models (the trigger derives info; RLS and the key apply). */
static void
save_search_model(ct_ctnas_search *s, const char *name)
{
	ct_nac_options mopt;
	ct_nac_stats mstats;
	const ct_nac *m = ct_ctnas_model(s, &mopt, &mstats);
	size_t		len;
	bytea	   *blob;
	Oid			argtypes[2] = {TEXTOID, BYTEAOID};
	Datum		args[2];
	int			rc;

	if (m == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the search has no NAC to save")));
	len = ct_nac_blob_size(m);
	blob = palloc(VARHDRSZ + len);
	SET_VARSIZE(blob, VARHDRSZ + len);
	ct_nac_blob_write(m, &mopt, &mstats, (uint8_t *) VARDATA(blob));
	args[0] = CStringGetTextDatum(name);
	args[1] = PointerGetDatum(blob);
	SPI_connect();
	rc = SPI_execute_with_args("INSERT INTO ctnas.models (name, weights) VALUES ($1, $2)",
							   2, argtypes, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not insert into ctnas.models: SPI error %d", rc);
	SPI_finish();
}

static void
report_progress(ct_ctnas_search *s, const ct_oracle *o, int budget)
{
	ct_ctnas_progress p;

	ct_ctnas_get_progress(s, &p);
	if (p.best_row >= 0)
		ereport(NOTICE,
				(errmsg("ctnas_search: step " INT64_FORMAT ", %s, iteration " INT64_FORMAT ", %d of %d queries, best queried accuracy %.4f",
						p.steps, p.phase, p.iteration, p.queries, budget, o->acc[p.best_row])));
	else
		ereport(NOTICE,
				(errmsg("ctnas_search: step " INT64_FORMAT ", %s, iteration " INT64_FORMAT ", %d of %d queries",
						p.steps, p.phase, p.iteration, p.queries, budget)));
}

PG_FUNCTION_INFO_V1(ctnas_search);
Datum
ctnas_search(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *oracle = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		budget = PG_GETARG_INT32(1);
	OracleColumns oc = split_options(PG_GETARG_JSONB_P(2), true);
	ct_ctnas_options opt;
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;
	const ct_nac *init = NULL;
	ct_graph	final_cell;
	int64_t		final_row;
	double		final_score;
	double	   *scores;
	ct_graph   *queried;

	check_budget(budget);
	if (!ct_ctnas_options_from_json(oc.core_json, &opt, &err))
		ct_report_error(&err, "jsonb", NULL);
	InitMaterializedSRF(fcinfo, 0);
	load_oracle(oracle, &oc, TupleDescAttr(rsinfo->setDesc, 1)->atttypid, &o);
	if (oc.model != NULL)
	{
		ct_nac_batch *unused_batch;
		MemoryContext unused_cxt;

		init = ctnas_model_lookup(oc.model, &unused_batch, &unused_cxt);
		/* the search continues that network: its shape, unless the options name one */
		if (!oc.nac_shape_given)
		{
			opt.nac.head = init->shape.head;
			opt.nac.readout = init->shape.readout;
			opt.nac.layers = init->shape.layers;
			opt.nac.width = init->shape.width;
		}
	}
	ctnas_blas_single_thread();
	ct_budget_init(&b, &o, budget);
	s = ct_ctnas_create(&b, &opt, init, &err);
	if (s == NULL)
		ct_report_error(&err, "search", NULL);
	while (!ct_ctnas_done(s))
	{
		if (!ct_ctnas_step(s, search_interrupt, NULL, &err))
			ct_report_error(&err, "search", NULL);
		if (oc.progress > 0)
		{
			ct_ctnas_progress p;

			ct_ctnas_get_progress(s, &p);
			if (p.steps % oc.progress == 0 || ct_ctnas_done(s))
				report_progress(s, &o, budget);
		}
	}

	/* every queried cell with its accuracy and the final NAC's score, then the final choice */
	queried = palloc(sizeof(ct_graph) * Max(b.used, 1));
	scores = palloc(sizeof(double) * Max(b.used, 1));
	for (int i = 0; i < b.used; i++)
		queried[i] = o.cells[b.log[i]];
	ct_ctnas_score(s, queried, b.used, scores);
	for (int i = 0; i < b.used; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = PointerGetDatum(archgraph_encode(&queried[i]));
		values[2] = Float8GetDatum(o.acc[b.log[i]]);
		values[3] = BoolGetDatum(false);
		values[4] = Int32GetDatum(i + 1);
		values[5] = Float8GetDatum(scores[i]);
		nulls[5] = isnan(scores[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (ct_ctnas_final(s, &final_cell, &final_row, &final_score))
	{
		Datum		values[6];
		bool		nulls[6] = {true, false, false, false, false, false};

		values[1] = PointerGetDatum(archgraph_encode(&final_cell));
		/* the final cell's accuracy is reported when the oracle holds it; it is not a query */
		values[2] = Float8GetDatum(final_row >= 0 ? o.acc[final_row] : 0.0);
		nulls[2] = final_row < 0;
		values[3] = BoolGetDatum(true);
		values[4] = Int32GetDatum(b.used);
		values[5] = Float8GetDatum(final_score);
		nulls[5] = isnan(final_score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (oc.save_model != NULL)
		save_search_model(s, oc.save_model);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
	ct_oracle_free(&o);
	return (Datum) 0;
}
