/*
 * citus.c
 *	  ctnas on a Citus cluster (citus.h): which node this is, and the
 *	  coordinator's planner step that passes models to the workers.
 *
 * ctnas.models is the coordinator's table, and only there: its rows are
 * bound to roles by OID (row-level security), and OIDs differ between nodes.
 * So on a coordinator, before Citus plans a query, each call that names a
 * model with a constant, nac_score(arch, 'm') or nac_compare(a, b, 'm'),
 * becomes the same function over the model's weights, read from ctnas.models
 * as the current role in the current transaction: Citus then sends the
 * weights to the workers in the shard queries, the workers need no copy of
 * any model, and a distributed query sees exactly the models a local one
 * would (its own transaction's changes included).  A plan made this way
 * depends on ctnas.models: the statement trigger on the table (models.c)
 * invalidates it, so a prepared statement replans after a model changes.
 * (Earlier designs that kept a replica of the models on every node were
 * dropped: see issue 18's notes.)
 */
#include "postgres.h"

#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "citus.h"
#include "ctnas_pg.h"

static planner_hook_type prev_planner = NULL;

CtnasNode
ctnas_citus_node(void)
{
	bool		isnull;
	int32		group;

	if (!OidIsValid(get_extension_oid("citus", true)))
		return CTNAS_NODE_PLAIN;
	if (SPI_execute("SELECT groupid FROM pg_catalog.pg_dist_local_group", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read Citus's metadata");
	if (SPI_processed == 0)
		return CTNAS_NODE_COORDINATOR;
	group = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return (isnull || group == 0) ? CTNAS_NODE_COORDINATOR : CTNAS_NODE_WORKER;
}

/* The functions that name a model, and the same over weights (looked up once per backend and database). */
typedef struct NamedModelFunction
{
	const char *name;
	int			nargs;			/* with the model's name last */
	Oid			named;
	Oid			blob;
} NamedModelFunction;

static NamedModelFunction named_functions[] = {
	{"nac_score", 2, InvalidOid, InvalidOid},
	{"nac_compare", 3, InvalidOid, InvalidOid},
};
static Oid	named_functions_db = InvalidOid;
static Oid	named_functions_schema = InvalidOid;

/* Finds ctnas's functions that name a model, and their bytea twins, in this database. */
static void
find_named_functions(void)
{
	Oid			schema = ctnas_schema_oid();
	Oid			archgraph = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
											CStringGetDatum("archgraph"), ObjectIdGetDatum(schema));
	char	   *schema_name = get_namespace_name(schema);

	for (size_t i = 0; i < lengthof(named_functions); i++)
	{
		NamedModelFunction *f = &named_functions[i];
		Oid			argtypes[3];
		List	   *fname = list_make2(makeString(schema_name), makeString((char *) f->name));

		for (int k = 0; k < f->nargs - 1; k++)
			argtypes[k] = archgraph;
		argtypes[f->nargs - 1] = TEXTOID;
		f->named = LookupFuncName(fname, f->nargs, argtypes, true);
		argtypes[f->nargs - 1] = BYTEAOID;
		f->blob = LookupFuncName(fname, f->nargs, argtypes, true);
	}
	named_functions_db = MyDatabaseId;
	named_functions_schema = schema;
}

/* The entry of named_functions that funcid is, or NULL (other functions cost one syscache lookup). */
static const NamedModelFunction *
named_model_function(Oid funcid)
{
	HeapTuple	tup;
	Form_pg_proc proc;
	NamedModelFunction *candidate = NULL;

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	for (size_t i = 0; i < lengthof(named_functions); i++)
		if (strcmp(NameStr(proc->proname), named_functions[i].name) == 0 &&
			proc->pronargs == named_functions[i].nargs &&
			proc->proargtypes.values[named_functions[i].nargs - 1] == TEXTOID)
			candidate = &named_functions[i];
	ReleaseSysCache(tup);
	if (candidate == NULL)
		return NULL;
	/* ctnas's, by OID (looked up again in another database, or after the extension was made again) */
	if (named_functions_db != MyDatabaseId || candidate->named != funcid)
	{
		if (!OidIsValid(get_extension_oid("ctnas", true)))
			return NULL;
		find_named_functions();
	}
	return (candidate->named == funcid && OidIsValid(candidate->blob)) ? candidate : NULL;
}

typedef struct RewriteContext
{
	bool		rewrote;
} RewriteContext;

/* The weights of model name as the current role reads them, or NULL when there is no such model. */
static bytea *
model_weights(const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	bytea	   *weights = NULL;

	SPI_connect();
	if (SPI_execute_with_args(ctnas_sql("SELECT weights FROM %1$s.models WHERE name OPERATOR(pg_catalog.=) $1"),
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.models");
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			/* detoasted (a plan's constant is a plain value), into the caller's memory */
			bytea	   *b = DatumGetByteaP(d);

			weights = SPI_palloc(VARSIZE(b));
			memcpy(weights, b, VARSIZE(b));
		}
	}
	SPI_finish();
	return weights;
}

static Node *
name_to_weights(Node *node, RewriteContext *cx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Query))
		return (Node *) query_tree_mutator((Query *) node, name_to_weights, cx, 0);
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;
		const NamedModelFunction *nf = named_model_function(f->funcid);
		Node	   *last = nf ? llast(f->args) : NULL;

		if (nf && IsA(last, Const) && !((Const *) last)->constisnull && ((Const *) last)->consttype == TEXTOID)
		{
			bytea	   *weights = model_weights(TextDatumGetCString(((Const *) last)->constvalue));

			if (weights != NULL)
			{
				FuncExpr   *g = (FuncExpr *) expression_tree_mutator(node, name_to_weights, cx);

				g->funcid = nf->blob;
				llast(g->args) = makeConst(BYTEAOID, -1, InvalidOid, -1, PointerGetDatum(weights), false, false);
				cx->rewrote = true;
				return (Node *) g;
			}
		}
	}
	return expression_tree_mutator(node, name_to_weights, cx);
}

/* Whether a query (or one below it) calls a function that names a model: most queries do not. */
static bool
calls_named_model(Node *node, void *unused)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, calls_named_model, unused, 0);
	if (IsA(node, FuncExpr) && named_model_function(((FuncExpr *) node)->funcid) != NULL)
		return true;
	return expression_tree_walker(node, calls_named_model, unused);
}

static PlannedStmt *
ctnas_planner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	RewriteContext cx = {false};
	PlannedStmt *result;

	/* only on a Citus coordinator: elsewhere a model is read where it is used */
	if (parse->commandType != CMD_UTILITY && calls_named_model((Node *) parse, NULL) &&
		OidIsValid(get_extension_oid("citus", true)))
	{
		CtnasNode	node;

		SPI_connect();
		node = ctnas_citus_node();
		SPI_finish();
		if (node == CTNAS_NODE_COORDINATOR)
			parse = (Query *) name_to_weights((Node *) parse, &cx);
	}
	result = prev_planner ? prev_planner(parse, query_string, cursorOptions, boundParams)
		: standard_planner(parse, query_string, cursorOptions, boundParams);
	/* the plan holds models' weights: a change of ctnas.models must invalidate it */
	if (cx.rewrote)
		result->relationOids = lappend_oid(result->relationOids,
										   get_relname_relid("models", ctnas_schema_oid()));
	return result;
}

void
ctnas_citus_init(void)
{
	prev_planner = planner_hook;
	planner_hook = ctnas_planner;
}
