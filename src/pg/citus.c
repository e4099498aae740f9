/*
 * citus.c
 *	  ctnas on a Citus cluster (citus.h): which node this is, and the
 *	  coordinator's planner step that passes models to the workers.
 *
 * ctnas.models is the coordinator's table, and only there: its rows are
 * bound to roles by OID (row-level security), and OIDs differ between nodes.
 * So on a coordinator, before Citus plans a query, each nac_score or
 * nac_compare that names a model with an expression that is the same for
 * every row (a constant, a parameter, the ctnas.model setting) gets a
 * subquery of ctnas.models for the weights instead, and calls
 * ctnas_internal.nac_score_query_model / nac_compare_query_model.  Citus runs
 * the subquery on the coordinator once per execution, as the current role in
 * the current transaction, and sends its result to the workers with the
 * shard queries: the workers need no copy of any model, and a distributed
 * query sees exactly the models a local one would.  (Designs that kept a
 * copy of the models on every node, or put the weights in the plan, were
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
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "citus.h"
#include "ctnas_pg.h"
#include "models.h"

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
	int			cells;			/* archgraph arguments */
	bool		setting;		/* the model is the ctnas.model setting (else a last text argument) */
	Oid			named;
	Oid			blob;
} NamedModelFunction;

static NamedModelFunction named_functions[] = {
	{"nac_score", 1, false, InvalidOid, InvalidOid},
	{"nac_compare", 2, false, InvalidOid, InvalidOid},
	{"nac_score", 1, true, InvalidOid, InvalidOid},
	{"nac_compare", 2, true, InvalidOid, InvalidOid},
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
	char	   *internal_name = get_namespace_name(ctnas_internal_schema_oid());

	for (size_t i = 0; i < lengthof(named_functions); i++)
	{
		NamedModelFunction *f = &named_functions[i];
		Oid			argtypes[3];
		List	   *fname = list_make2(makeString(schema_name), makeString((char *) f->name));

		for (int k = 0; k < f->cells; k++)
			argtypes[k] = archgraph;
		argtypes[f->cells] = TEXTOID;
		f->named = LookupFuncName(fname, f->cells + (f->setting ? 0 : 1), argtypes, true);
		/* (the form over weights that are one value per query: ctnas_internal.nac_score_query_model, ...) */
		argtypes[f->cells] = BYTEAOID;
		f->blob = LookupFuncName(list_make2(makeString(internal_name), makeString(psprintf("%s_query_model", f->name))),
								 f->cells + 1, argtypes, true);
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
	Oid			namespace;

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	for (size_t i = 0; i < lengthof(named_functions); i++)
	{
		const NamedModelFunction *f = &named_functions[i];

		if (strcmp(NameStr(proc->proname), f->name) == 0 &&
			proc->pronargs == f->cells + (f->setting ? 0 : 1) &&
			(f->setting || proc->proargtypes.values[f->cells] == TEXTOID))
			candidate = &named_functions[i];
	}
	namespace = proc->pronamespace;
	ReleaseSysCache(tup);
	if (candidate == NULL)
		return NULL;
	/* another schema's function of that name: not ctnas's (while ctnas's schema is the one we know) */
	if (named_functions_db == MyDatabaseId && namespace != named_functions_schema &&
		get_namespace_name(named_functions_schema) != NULL)
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
	int			rewrites;
} RewriteContext;

/* Whether an expression depends on the row or the query level it is in (a column, an aggregate, ...). */
static bool
row_dependent(Node *node, void *unused)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) || IsA(node, Aggref) || IsA(node, WindowFunc) || IsA(node, GroupingFunc) ||
		IsA(node, SubLink) || IsA(node, PlaceHolderVar) || IsA(node, CurrentOfExpr))
		return true;
	return expression_tree_walker(node, row_dependent, unused);
}

/*
 * (SELECT ctnas_internal.model_required(n.name, m.weights) FROM (SELECT name) n
 *  LEFT JOIN ctnas.models m ON m.name = n.name), name being the call's own
 * expression (a constant, a parameter, current_setting('ctnas.model')): a
 * query on the coordinator's own table, so Citus runs it there, once per
 * execution, and sends its result to the workers; model_required makes a
 * missing model the same error as on one server.
 */
static Node *
weights_subquery(Node *name)
{
	const char *sql = ctnas_sql(name ?
								"SELECT %2$s.model_required(n.name, m.weights, false) FROM (SELECT NULL::pg_catalog.text) n(name) "
								"LEFT JOIN %1$s.models m ON m.name OPERATOR(pg_catalog.=) n.name" :
								"SELECT %2$s.model_required(n.name, m.weights, true) "
								"FROM (SELECT pg_catalog.current_setting('ctnas.model', true)) n(name) "
								"LEFT JOIN %1$s.models m ON m.name OPERATOR(pg_catalog.=) n.name");
	RawStmt    *raw = linitial_node(RawStmt, raw_parser(sql, RAW_PARSE_DEFAULT));
	Query	   *q = linitial_node(Query, pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL));
	RangeTblEntry *inner = NULL;
	SubLink    *sl;

	/* the placeholder NULL of the derived table n becomes the name */
	if (name != NULL)
	{
		ListCell   *lc;

		foreach(lc, q->rtable)
			if (lfirst_node(RangeTblEntry, lc)->rtekind == RTE_SUBQUERY)
				inner = lfirst_node(RangeTblEntry, lc);
		if (inner == NULL)
			elog(ERROR, "weights_subquery: no derived table");
		linitial_node(TargetEntry, inner->subquery->targetList)->expr = (Expr *) copyObject(name);
	}
	sl = makeNode(SubLink);
	sl->subLinkType = EXPR_SUBLINK;
	sl->subLinkId = 0;
	sl->testexpr = NULL;
	sl->operName = NIL;
	sl->subselect = (Node *) q;
	sl->location = -1;
	return (Node *) sl;
}

/* An INSERT whose rows are a VALUES list or one row of expressions (no table, no subquery to read from). */
static bool
insert_values_only(Query *q)
{
	ListCell   *lc;

	if (q->commandType != CMD_INSERT)
		return false;
	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_SUBQUERY || rte->rtekind == RTE_FUNCTION || rte->rtekind == RTE_CTE ||
			rte->rtekind == RTE_JOIN || rte->rtekind == RTE_TABLEFUNC)
			return false;
		if (rte->rtekind == RTE_RELATION && lc != list_nth_cell(q->rtable, q->resultRelation - 1))
			return false;
	}
	return q->cteList == NIL;
}

static Node *
name_to_weights(Node *node, RewriteContext *cx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Query))
	{
		int			before = cx->rewrites;
		Query	   *q;

		/*
		 * INSERT ... VALUES: Citus evaluates the values on the coordinator
		 * (and refuses subqueries there), where a model is read as on one
		 * server.
		 */
		if (insert_values_only((Query *) node))
			return node;
		q = query_tree_mutator((Query *) node, name_to_weights, cx, 0);

		if (cx->rewrites > before)
			q->hasSubLinks = true;
		return (Node *) q;
	}
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;
		const NamedModelFunction *nf = named_model_function(f->funcid);

		if (nf != NULL)
		{
			FuncExpr   *g = (FuncExpr *) expression_tree_mutator(node, name_to_weights, cx);
			ListCell   *name_cell = NULL;
			Node	   *name = NULL;
			int			i = 0;
			ListCell   *lc;

			/* the name argument: the last by position, or by its number in named notation */
			foreach(lc, g->args)
			{
				Node	   *arg = lfirst(lc);
				int			position = IsA(arg, NamedArgExpr) ? ((NamedArgExpr *) arg)->argnumber : i;

				if (!nf->setting && position == nf->cells)
				{
					name_cell = lc;
					name = IsA(arg, NamedArgExpr) ? (Node *) ((NamedArgExpr *) arg)->arg : arg;
				}
				i++;
			}
			/* a name that is the same for every row: read the model once, on the coordinator */
			if (nf->setting ||
				(name != NULL && !row_dependent(name, NULL) && !contain_volatile_functions(name) &&
				 !expression_returns_set(name)))
			{
				Node	   *weights = weights_subquery(name);

				g->funcid = nf->blob;
				if (nf->setting)
				{
					/* (after arguments in named notation, the weights are named too) */
					bool		named = false;

					foreach(lc, g->args)
						named |= IsA(lfirst(lc), NamedArgExpr);
					if (named)
					{
						NamedArgExpr *na = makeNode(NamedArgExpr);

						na->arg = (Expr *) weights;
						na->name = "model";
						na->argnumber = nf->cells;
						na->location = -1;
						weights = (Node *) na;
					}
					g->args = lappend(list_copy(g->args), weights);
				}
				else if (IsA(lfirst(name_cell), NamedArgExpr))
					((NamedArgExpr *) lfirst(name_cell))->arg = (Expr *) weights;
				else
					lfirst(name_cell) = weights;
				cx->rewrites++;
			}
			return (Node *) g;
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
	RewriteContext cx = {0};

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
	return prev_planner ? prev_planner(parse, query_string, cursorOptions, boundParams)
		: standard_planner(parse, query_string, cursorOptions, boundParams);
}

void
ctnas_citus_init(void)
{
	prev_planner = planner_hook;
	planner_hook = ctnas_planner;
}

/*
 * ctnas_internal.model_required(name, weights, from_setting): the weights the
 * coordinator read for a model named in a query, or the error nac_score gives
 * on one server when there is no such model (or ctnas.model is not set).
 */
PG_FUNCTION_INFO_V1(ctnas_model_required);
Datum
ctnas_model_required(PG_FUNCTION_ARGS)
{
	bool		from_setting = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	char	   *name = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (from_setting && (name == NULL || name[0] == '\0'))
		ctnas_model_not_set();
	if (name == NULL)
		PG_RETURN_NULL();		/* a NULL name: a NULL score, as nac_score(arch, NULL) gives */
	if (PG_ARGISNULL(1))
		ctnas_model_missing(name, false);
	/* detoasted once here, not on every row of the query that uses it */
	PG_RETURN_BYTEA_P(PG_GETARG_BYTEA_P(1));
}
