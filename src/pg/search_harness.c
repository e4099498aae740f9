/*
 * search_harness.c
 *	  The search harness shared by the SQL search functions (search.c) and
 *	  the search-job worker (search_harness.h): arguments and options,
 *	  reading and checking an oracle (a table, view or query of cells and
 *	  accuracies), the budget, running a baseline, creating a CTNAS search
 *	  (memory check, starting model) and storing its NAC.
 */
#include "postgres.h"

#include <limits.h>

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include <cjson/cJSON.h>

#include "archgraph.h"
#include "ctnas_json.h"
#include "ctnas_pg.h"
#include "models.h"
#include "pg_util.h"
#include "search_harness.h"
#include "search_jobs.h"

const char *const search_arg_names[6] = {"oracle", "budget", "options", "method", "", ""};

void
search_check_args(FunctionCallInfo fcinfo, const char *fn, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: argument \"%s\" must not be NULL", fn, names[i])));
}

SearchMethod
search_method_from_name(const char *name)
{
	if (strcmp(name, "ctnas") == 0)
		return SEARCH_CTNAS;
	if (strcmp(name, "random") == 0)
		return SEARCH_RANDOM;
	if (strcmp(name, "evolution") == 0)
		return SEARCH_EVOLUTION;
	if (strcmp(name, "local") == 0)
		return SEARCH_LOCAL;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown search method \"%s\"", ctnas_echo(name)),
			 errhint("The methods are \"ctnas\", \"random\", \"evolution\" and \"local\".")));
	return SEARCH_CTNAS;		/* keep the compiler quiet */
}

static void
bad_option(const char *detail, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid search option"),
			 errdetail(detail, key)));
}

/* An option that exists for external searches only. */
static void
external_only(const SearchOptions *so, const char *key)
{
	if (!so->external)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid search option"),
				 errdetail("\"%s\" applies to searches with \"evaluator\": \"external\".", key)));
}

/* An integer option of external searches, from lo to hi, detached from root; 0 when absent. */
static int64
external_int_option(cJSON *root, const SearchOptions *so, const char *key, int64 lo, int64 hi)
{
	cJSON	   *item = cJSON_DetachItemFromObjectCaseSensitive(root, key);
	int64_t		v = 0;

	if (item == NULL)
		return 0;
	external_only(so, key);
	if (!ct_json_int(item, lo, hi, &v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid search option"),
				 errdetail("\"%s\" must be an integer from " INT64_FORMAT " to " INT64_FORMAT ".", key, lo, hi)));
	cJSON_Delete(item);
	return v;
}

/*
 * The keys of searches whose accuracies come from outside: "evaluator"
 * ("oracle" or "external", jobs only), and for external ones "lease" (an
 * interval, read by trial_claim), "max_attempts" (read by trial_fail) and
 * "max_failed", "pool" (the candidates of a space that cannot be
 * enumerated: so many drawn by its sampler).  lease and max_attempts stay in the job's options, where
 * the trial functions read them.
 */
static void
external_options(cJSON *root, SearchOptions *so, bool job)
{
	cJSON	   *item;

	if ((item = cJSON_DetachItemFromObjectCaseSensitive(root, "evaluator")) != NULL)
	{
		const char *v = cJSON_IsString(item) ? item->valuestring : "";

		if (strcmp(v, "external") != 0 && strcmp(v, "oracle") != 0)
			bad_option("\"%s\" must be \"oracle\" (accuracies from the oracle) or \"external\" (from trials).", "evaluator");
		so->external = strcmp(v, "external") == 0;
		cJSON_Delete(item);
		if (so->external && !job)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("a search in this session cannot wait for external evaluations"),
					 errdetail("\"evaluator\": \"external\" searches wait for trials to be reported, which a function call cannot do."),
					 errhint("Submit it as a job: ctnas.search_submit(NULL, budget, options, method).")));
	}
	if ((item = cJSON_DetachItemFromObjectCaseSensitive(root, "lease")) != NULL)
	{
		Interval	lease;

		external_only(so, "lease");
		if (!cJSON_IsString(item) || !trial_lease_parse(item->valuestring, &lease))
			bad_option("\"%s\" must be an interval greater than zero and at most 1 year, such as \"2 hours\".", "lease");
		cJSON_Delete(item);
	}
	(void) external_int_option(root, so, "max_attempts", 1, 1000);
	so->pool = external_int_option(root, so, "pool", 2, 10000000);
	so->max_failed = (int) external_int_option(root, so, "max_failed", 1, INT_MAX);
}

SearchOptions
search_split_options(Jsonb *options, SearchMethod method, bool job)
{
	SearchOptions so = {.arch_column = "arch", .acc_column = "acc"};
	char	   *text = JsonbToCString(NULL, &options->root, VARSIZE(options));
	cJSON	   *root = ct_json_parse(text, strlen(text), NULL, true);	/* numbers keep their literals */
	const char *keys[4] = {"arch_column", "acc_column", "model", "save_model"};
	bool		ctnas = method == SEARCH_CTNAS;
	cJSON	   *item;
	ct_error	err;

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
			bad_option(k < 2 ? "\"%s\" must be a column name." : "\"%s\" must be a model name.", keys[k]);
		*(k == 0 ? &so.arch_column : k == 1 ? &so.acc_column : k == 2 ? &so.model : &so.save_model) =
			pstrdup(item->valuestring);
		cJSON_Delete(item);
	}
	if (ctnas && (item = cJSON_DetachItemFromObjectCaseSensitive(root, "progress")) != NULL)
	{
		int64_t		steps;

		if (!ct_json_int(item, 0, INT_MAX, &steps))
			bad_option("\"%s\" must be a whole number of steps (0: no progress reports).", "progress");
		so.progress = (int) steps;
		cJSON_Delete(item);
	}
	if (ctnas && (item = cJSON_GetObjectItemCaseSensitive(root, "nac")) != NULL)
	{
		so.nac_directions_given = cJSON_HasObjectItem(item, "directions");
		so.nac_readout_given = cJSON_HasObjectItem(item, "readout");
		so.nac_shape_given = cJSON_HasObjectItem(item, "head") || cJSON_HasObjectItem(item, "directions") ||
			cJSON_HasObjectItem(item, "readout") ||
			cJSON_HasObjectItem(item, "layers") || cJSON_HasObjectItem(item, "width");
	}
	if (job && (item = cJSON_DetachItemFromObjectCaseSensitive(root, "resume")) != NULL)
	{
		if (!cJSON_IsBool(item))
			bad_option("\"%s\" must be true or false.", "resume");
		so.resume = cJSON_IsTrue(item);
		cJSON_Delete(item);
	}
	if (job && (item = cJSON_DetachItemFromObjectCaseSensitive(root, "time_limit")) != NULL)
	{
		double		x = -1;

		if (!ct_json_real(item, &x) || !(x > 0 && x <= 1e9))
			bad_option("\"%s\" must be a number of seconds greater than 0.", "time_limit");
		so.time_limit = x;
		cJSON_Delete(item);
	}
	external_options(root, &so, job);

	/*
	 * The core reads its own keys now, once, so a job's options fail at
	 * submit, not in the worker; from the parsed object, since printing it
	 * would lose the numbers' literals.
	 */
	if (!(ctnas ? ct_ctnas_options_from_cjson(root, &so.ctnas, &err)
		  : method == SEARCH_LOCAL ? ct_local_options_from_cjson(root, &so.local, &err)
		  : ct_baseline_options_from_cjson(root, &so.baseline, &err)))
		ct_report_error(&err, "jsonb", NULL);
	cJSON_Delete(root);
	if (so.external)
	{
		int		   *space = ctnas ? &so.ctnas.space : method == SEARCH_LOCAL ? &so.local.space : &so.baseline.space;
		int		   *space_id = ctnas ? &so.ctnas.space_id : method == SEARCH_LOCAL ? &so.local.space_id : &so.baseline.space_id;

		/*
		 * "space" names the candidates: the whole space becomes the oracle's
		 * rows, proposed as a benchmark table's are, so the job reads what
		 * the search over a table of the whole space reads.
		 */
		if (*space == CT_PROPOSE_SPACE)
			so.space_id = *space_id;
		so.seed = ctnas ? so.ctnas.seed : method == SEARCH_LOCAL ? so.local.seed : so.baseline.seed;
		*space = CT_PROPOSE_ORACLE;
		*space_id = 0;
		so.resume = true;		/* a waiting job resumes from its checkpoint */
	}
	return so;
}

void
search_check_candidates(const char *oracle, const SearchOptions *so)
{
	/* an external search's candidates: a table or query (oracle), or a whole space ("space"), not both */
	if (oracle == NULL && !(so->external && so->space_id != 0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("search_submit: argument \"oracle\" must not be NULL"),
				 errhint("Only a search with \"evaluator\": \"external\" and \"space\" naming a search space runs without an oracle.")));
	if (oracle != NULL && so->external && so->space_id != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an external search takes its candidates from the oracle or from a whole space, not both"),
				 errdetail("The oracle is \"%s\" and \"space\" is \"%s\".", ctnas_echo(oracle), ct_space_by_id(so->space_id)->name),
				 errhint("Pass NULL as the oracle to search the whole space, or leave \"space\" out to search the oracle's architectures.")));
	if (oracle != NULL && so->pool > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid search option"),
				 errdetail("\"pool\" draws the candidates from a space; this search takes them from the oracle.")));
}

/* A query rather than a relation name: it starts with a keyword a query starts with. */
bool
search_oracle_is_query(const char *s)
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
oracle_sql(const char *oracle, const SearchOptions *oc, Oid archgraph_oid)
{
	List	   *names;
	RangeVar   *rv;
	Oid			relid;
	AttrNumber	arch_att,
				acc_att;

	if (search_oracle_is_query(oracle))
		return psprintf("SELECT * FROM (%s) AS oracle", oracle);

	names = stringToQualifiedNameList(oracle);
	rv = makeRangeVarFromNameList(names);
	relid = RangeVarGetRelid(rv, AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("oracle relation \"%s\" does not exist", ctnas_echo(oracle)),
				 errhint("The oracle is a table or view name, or a SELECT query whose first two columns are the cell and the accuracy.")));
	arch_att = get_attnum(relid, oc->arch_column);
	/* an external search's candidates need no accuracy */
	acc_att = oc->external ? arch_att : get_attnum(relid, oc->acc_column);
	if (arch_att == InvalidAttrNumber || acc_att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("oracle \"%s\" has no column \"%s\"", ctnas_echo(oracle),
						ctnas_echo(arch_att == InvalidAttrNumber ? oc->arch_column : oc->acc_column)),
				 errhint("Name the columns with the options arch_column and acc_column.")));
	if (get_atttype(relid, arch_att) != archgraph_oid)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("oracle column \"%s\" is not of type archgraph", ctnas_echo(oc->arch_column))));
	if (!oc->external && !is_number_type(get_atttype(relid, acc_att)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("oracle column \"%s\" is not a number", ctnas_echo(oc->acc_column))));
	if (oc->external)
		return psprintf("SELECT %s FROM %s", quote_identifier(oc->arch_column),
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												   get_rel_name(relid)));
	return psprintf("SELECT %s, %s FROM %s", quote_identifier(oc->arch_column),
					quote_identifier(oc->acc_column),
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)));
}

/*
 * Reads and checks the whole oracle before any search work starts.  The
 * rows come through a cursor a chunk at a time, and reading stops at the
 * first row past the number of architectures the space of its first row
 * has (NAS-Bench-101: 423,624): an oracle that long holds one twice (an
 * error either way), and an endless one must not grow the backend until a
 * timeout.
 */
#define ORACLE_FETCH 10000

void
search_load_oracle(const char *oracle, const SearchOptions *oc, Oid archgraph_oid, ct_oracle *out)
{
	char	   *sql;
	ct_arch    *cells;
	double	   *acc;
	const ct_space *space = NULL;
	uint64		n = 0,
				cap = ORACLE_FETCH;
	ct_error	err;
	MemoryContext caller = CurrentMemoryContext;
	SPIParseOpenOptions popts = {.cursorOptions = CURSOR_OPT_NO_SCROLL, .read_only = true};
	Portal		portal;
	Oid			acc_type = InvalidOid;

	if (oracle == NULL)
	{
		/* the candidates of an external search: every architecture of the space */
		if (!ct_oracle_build_space(out, ct_space_by_id(oc->space_id), oc->pool, oc->seed, search_interrupt, NULL, &err))
			ct_report_error(&err, "oracle", NULL);
		return;
	}
	sql = oracle_sql(oracle, oc, archgraph_oid);
	SPI_connect();
	portal = SPI_cursor_parse_open(NULL, sql, &popts);
	if (portal->tupDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the oracle must be a table, a view or a SELECT query")));
	if (oc->external)
	{
		if (portal->tupDesc->natts < 1 || SPI_gettypeid(portal->tupDesc, 1) != archgraph_oid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the candidates' first column must be an archgraph")));
	}
	else if (portal->tupDesc->natts < 2 || SPI_gettypeid(portal->tupDesc, 1) != archgraph_oid ||
			 !is_number_type(SPI_gettypeid(portal->tupDesc, 2)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the oracle's first two columns must be an archgraph and a number")));
	else
		acc_type = SPI_gettypeid(portal->tupDesc, 2);
	cells = MemoryContextAllocHuge(caller, sizeof(ct_arch) * cap);
	acc = MemoryContextAllocHuge(caller, sizeof(double) * cap);
	for (;;)
	{
		TupleDesc	desc;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, ORACLE_FETCH);
		if (SPI_processed == 0)
			break;
		desc = SPI_tuptable->tupdesc;
		if (n + SPI_processed > cap)
		{
			cap = Max(2 * cap, n + SPI_processed);
			if (space != NULL)
				cap = Min(cap, (uint64) space->size + 1);
			cells = repalloc_huge(cells, sizeof(ct_arch) * cap);
			acc = repalloc_huge(acc, sizeof(double) * cap);
		}
		for (uint64 i = 0; i < SPI_processed; i++, n++)
		{
			bool		null_arch,
						null_acc;
			Datum		a,
						v;

			/* the row past the space's size: stop reading */
			if (!ct_oracle_check_rows(space, n + 1, &err))
				ct_report_error(&err, "oracle", NULL);
			a = SPI_getbinval(SPI_tuptable->vals[i], desc, 1, &null_arch);
			null_acc = false;
			v = oc->external ? (Datum) 0 : SPI_getbinval(SPI_tuptable->vals[i], desc, 2, &null_acc);
			if (null_arch || null_acc)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("the oracle has a NULL %s", null_arch ? "cell" : "accuracy"),
						 errdetail("Row %llu (in the order read).", (unsigned long long) n + 1)));
			archgraph_decode(DatumGetArchGraphP(a), &cells[n]);
			if (space == NULL)
				space = ct_space_of(&cells[0]);
			acc[n] = oc->external ? 0 : number_value(v, acc_type);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	if (!(oc->external ? ct_oracle_build_external(out, cells, n, &err) : ct_oracle_build(out, cells, acc, n, &err)))
		ct_report_error(&err, "oracle", NULL);
	pfree(cells);
	pfree(acc);
}

void
search_interrupt(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

void
search_check_budget(int32 budget)
{
	if (budget < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search budget must be at least 1"),
				 errdetail("Got %d.", budget)));
}

Oid
search_archgraph_oid(void)
{
	/* the extension's own schema, by OID: never a type of that name elsewhere */
	Oid			nsp = ctnas_schema_oid();

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("archgraph"), ObjectIdGetDatum(nsp));
}

char *
search_resolve_oracle(const char *oracle, const SearchOptions *so)
{
	Oid			relid;

	if (search_oracle_is_query(oracle))
		return pstrdup(oracle);
	relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(oracle)), AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("oracle relation \"%s\" does not exist", ctnas_echo(oracle))));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the oracle of a search job cannot be a temporary table"),
				 errdetail("\"%s\" is temporary; the job's background worker cannot see it.", ctnas_echo(oracle)),
				 errhint("Copy it into a regular table, or run the search in this session with ctnas_search.")));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

void
search_run_baseline(SearchMethod method, ct_budget *b, const SearchOptions *so)
{
	ct_error	err;
	bool		ok;

	ok = method == SEARCH_RANDOM ? ct_random_search(b, &so->baseline, search_interrupt, NULL, &err)
		: method == SEARCH_LOCAL ? ct_local_search(b, &so->local, search_interrupt, NULL, &err)
		: ct_evolution_search(b, &so->baseline, search_interrupt, NULL, &err);
	if (!ok)
		ct_report_error(&err, "search", NULL);
}

/* Stores the search's NAC in ctnas.models (the trigger derives info; RLS and the key apply). */
void
search_save_model(ct_ctnas_search *s, const char *name)
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
	rc = SPI_execute_with_args(ctnas_sql("INSERT INTO %1$s.models (name, weights) VALUES ($1, $2)"),
							   2, argtypes, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not insert into ctnas.models: SPI error %d", rc);
	SPI_finish();
}

void
search_check_memory(const ct_ctnas_options *opt, const ct_space *space, int budget, size_t oracle_cells,
					bool has_init)
{
	ctnas_check_training_memory(ct_ctnas_memory(opt, space, budget, oracle_cells, has_init), "the CTNAS search",
								opt->recipe == CT_CTNAS_RECIPE_PAPER
								? "Use fewer pseudo-labelled pairs (pseudo_first, pseudo_pairs), fewer derive_samples, a smaller budget or a smaller NAC (nac: batch_size, width, layers)"
								: "Use a smaller budget or a smaller NAC (nac: batch_size, width, layers)");
}

ct_ctnas_search *
search_ctnas_create(ct_budget *b, const SearchOptions *so)
{
	ct_ctnas_options opt = so->ctnas;
	ct_error	err;
	const ct_nac *init = NULL;
	ct_ctnas_search *s;

	if (so->model != NULL)
	{
		ct_nac_batch *unused_batch;
		MemoryContext unused_cxt;

		init = ctnas_model_lookup(so->model, &unused_batch, &unused_cxt);
		/* the search continues that network: its shape, unless the options name one */
		if (!so->nac_shape_given)
		{
			opt.nac.head = init->shape.head;
			opt.nac.readout = init->shape.readout;
			opt.nac.readout_given = true;
			if (init->shape.network == CT_NAC_NETWORK_MLP)
			{
				opt.nac.mlp_layers = init->shape.layers;
				opt.nac.mlp_width = init->shape.width;
			}
			else
			{
				opt.nac.layers = init->shape.layers;
				opt.nac.width = init->shape.width;
			}
		}
		else if (init->shape.network != CT_NAC_NETWORK_MLP)
		{
			/* the readout's two parts the options do not name are the model's */
			bool		both = ct_nac_readout_both(so->nac_directions_given ? opt.nac.readout : init->shape.readout);
			bool		sink = ct_nac_readout_sink(so->nac_readout_given ? opt.nac.readout : init->shape.readout);

			opt.nac.readout = ct_nac_readout_of(both, sink);
			opt.nac.readout_given = true;
		}
	}
	search_check_memory(&opt, b->oracle->space, b->budget, b->oracle->n, init != NULL);
	ctnas_blas_single_thread();
	s = ct_ctnas_create(b, &opt, init, &err);
	if (s == NULL)
		ct_report_error(&err, "search", NULL);
	return s;
}
