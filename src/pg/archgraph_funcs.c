/*
 * archgraph_funcs.c
 *	  SQL functions over archgraph: constructors, accessors, benchmark
 *	  keys, Graphviz, the canonical class, random sampling, mutation and
 *	  enumeration.  The constructors from a matrix and ops are NAS-Bench-101's
 *	  forms (its cell module); everything else goes through the space.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "funcapi.h"
#include "miscadmin.h"

#include "archgraph.h"
#include "ctnas_graph.h"
#include "pg_util.h"

/* A NAS-Bench-101 cell from raw input, encoded. */
static ArchGraph *
build_or_report(const ct_raw_graph *raw)
{
	ct_error	err;
	ct_graph	g;
	ct_arch		a;

	if (!ct_graph_from_raw(raw, &g, &err))
		ct_report_error(&err, "archgraph", NULL);
	ct_nb101_arch(&g, &a);
	return archgraph_encode(&a);
}

/* An error (54000) when a raw cell has more nodes than input may have before pruning. */
static void
archgraph_check_raw_size(int n)
{
	if (n > CT_RAW_MAX_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("archgraph input has too many nodes"),
				 errdetail("The input has %d nodes; at most %d are accepted before pruning.",
						   n, CT_RAW_MAX_NODES)));
}

static uint8
op_or_report(const char *name, size_t len, int node)
{
	int			op = ct_op_from_name(name, len);

	if (op < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph has an unknown operation"),
				 errdetail("Node %d is \"%.*s\"; known operations are input, output, conv3x3-bn-relu, conv1x1-bn-relu and maxpool3x3.",
						   node, (int) Min(len, 60), name)));
	return (uint8) op;
}

/* archgraph(matrix int[][], ops text[]) */
PG_FUNCTION_INFO_V1(archgraph_from_arrays);
Datum
archgraph_from_arrays(PG_FUNCTION_ARGS)
{
	ArrayType  *matrix = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ops = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *cells,
			   *names;
	bool	   *cell_nulls,
			   *name_nulls;
	int			ncells,
				nnames;
	int			n;
	ct_raw_graph raw;

	if (ARR_NDIM(matrix) != 2 && ArrayGetNItems(ARR_NDIM(matrix), ARR_DIMS(matrix)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph matrix must be a two-dimensional array")));
	n = ARR_NDIM(matrix) == 2 ? ARR_DIMS(matrix)[0] : 0;
	if (ARR_NDIM(matrix) == 2 && ARR_DIMS(matrix)[1] != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph matrix must be square"),
				 errdetail("The matrix is %d x %d.", n, ARR_DIMS(matrix)[1])));
	archgraph_check_raw_size(n);
	if (ARR_NDIM(ops) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph ops must be a one-dimensional array")));

	deconstruct_array(matrix, INT4OID, 4, true, TYPALIGN_INT, &cells, &cell_nulls, &ncells);
	deconstruct_array(ops, TEXTOID, -1, false, TYPALIGN_INT, &names, &name_nulls, &nnames);
	if (nnames != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph needs one operation per node"),
				 errdetail("The matrix has %d rows but there are %d operations.", n, nnames)));

	memset(&raw, 0, sizeof(raw));
	raw.n = n;
	for (int i = 0; i < ncells; i++)
	{
		int32		value = cell_nulls[i] ? -1 : DatumGetInt32(cells[i]);

		if (cell_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("archgraph matrix must not contain nulls")));
		if (value != 0 && value != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("archgraph matrix must contain only 0 and 1"),
					 errdetail("Entry [%d][%d] is %d.", i / n, i % n, value)));
		raw.adj[i / n][i % n] = (uint8) value;
	}
	for (int v = 0; v < n; v++)
	{
		text	   *name;

		if (name_nulls[v])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("archgraph ops must not contain nulls")));
		name = DatumGetTextPP(names[v]);
		raw.ops[v] = op_or_report(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name), v);
	}
	PG_RETURN_ARCHGRAPH_P(build_or_report(&raw));
}

/*
 * archgraph_from_flat(adjacency text, ops text): row-major 0/1 digits and
 * ';'-separated op names, the form of NAS-Bench-101 CSV exports.
 */
PG_FUNCTION_INFO_V1(archgraph_from_flat);
Datum
archgraph_from_flat(PG_FUNCTION_ARGS)
{
	text	   *adjacency = PG_GETARG_TEXT_PP(0);
	text	   *ops = PG_GETARG_TEXT_PP(1);
	const char *digits = VARDATA_ANY(adjacency);
	int			len = VARSIZE_ANY_EXHDR(adjacency);
	const char *p = VARDATA_ANY(ops);
	const char *end = p + VARSIZE_ANY_EXHDR(ops);
	int			n = 0;
	ct_raw_graph raw;

	while (n * n < len && n <= CT_RAW_MAX_NODES)
		n++;
	archgraph_check_raw_size(n);
	if (n * n != len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph matrix must be square"),
				 errdetail("%d digits do not form a square matrix.", len)));
	memset(&raw, 0, sizeof(raw));
	raw.n = n;
	for (int i = 0; i < len; i++)
	{
		if (digits[i] != '0' && digits[i] != '1')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("archgraph matrix must contain only 0 and 1"),
					 errdetail("Character %d is \"%c\".", i + 1, digits[i])));
		raw.adj[i / n][i % n] = digits[i] == '1';
	}
	for (int v = 0; n >= 2; v++)
	{
		const char *sep = memchr(p, ';', end - p);
		const char *stop = sep ? sep : end;

		if (v >= n || (sep == NULL && v != n - 1))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("archgraph needs one operation per node"),
					 errdetail("The matrix has %d rows but the number of operations differs.", n)));
		raw.ops[v] = op_or_report(p, stop - p, v);
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	PG_RETURN_ARCHGRAPH_P(build_or_report(&raw));
}

static const ct_space *
space_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	const ct_space *sp = ct_space_by_name(name);

	if (sp == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown search space \"%s\"", ctnas_echo(name)),
				 errhint("The search spaces are %s.", ct_space_names())));
	return sp;
}

PG_FUNCTION_INFO_V1(archgraph_space);
Datum
archgraph_space(PG_FUNCTION_ARGS)
{
	ct_arch		a;

	archgraph_arg(fcinfo, 0, &a);
	PG_RETURN_TEXT_P(cstring_to_text(ct_space_of(&a)->name));
}

PG_FUNCTION_INFO_V1(archgraph_nodes);
Datum
archgraph_nodes(PG_FUNCTION_ARGS)
{
	ct_arch		a;

	archgraph_arg(fcinfo, 0, &a);
	PG_RETURN_INT32(ct_space_of(&a)->nodes(&a));
}

PG_FUNCTION_INFO_V1(archgraph_edges);
Datum
archgraph_edges(PG_FUNCTION_ARGS)
{
	ct_arch		a;

	archgraph_arg(fcinfo, 0, &a);
	PG_RETURN_INT32(ct_space_of(&a)->edges(&a));
}

PG_FUNCTION_INFO_V1(archgraph_ops);
Datum
archgraph_ops(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	const char *names[CT_SPACE_OPS_MAX];
	Datum		items[CT_SPACE_OPS_MAX];
	int			n;

	archgraph_arg(fcinfo, 0, &a);
	n = ct_space_of(&a)->op_names(&a, names, CT_SPACE_OPS_MAX);
	if (n > CT_SPACE_OPS_MAX)
		elog(ERROR, "archgraph_ops: %d op names, more than %d", n, CT_SPACE_OPS_MAX);
	for (int v = 0; v < n; v++)
		items[v] = CStringGetTextDatum(names[v]);
	PG_RETURN_ARRAYTYPE_P(construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(archgraph_matrix);
Datum
archgraph_matrix(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	const ct_space *sp;
	uint8		adj[CT_DAG_MAX_NODES * CT_DAG_MAX_NODES];
	Datum		cells[CT_DAG_MAX_NODES * CT_DAG_MAX_NODES];
	int			dims[2];
	int			lbs[2] = {1, 1};
	int			n;

	archgraph_arg(fcinfo, 0, &a);
	sp = ct_space_of(&a);
	if (sp->matrix == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s architectures have no adjacency matrix", sp->title),
				 errhint("archgraph_ops gives the operations of its edges, in the order of its text form.")));
	n = sp->matrix(&a, adj);
	for (int i = 0; i < n * n; i++)
		cells[i] = Int32GetDatum(adj[i]);
	dims[0] = dims[1] = n;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(cells, NULL, 2, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(archgraph_dot);
Datum
archgraph_dot(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	char		buf[CT_ARCH_DOT_MAX];

	archgraph_arg(fcinfo, 0, &a);
	ct_arch_to_dot(&a, buf, sizeof(buf));
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/* The benchmark's text key: NAS-Bench-101's module hash. */
PG_FUNCTION_INFO_V1(archgraph_nb101_hash);
Datum
archgraph_nb101_hash(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	const ct_space *sp;
	char		hash[33];

	archgraph_arg(fcinfo, 0, &a);
	sp = ct_space_of(&a);
	if (sp->key_text == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archgraph_hash is NAS-Bench-101's module hash; %s architectures have none", sp->title),
				 sp->index != NULL ? errhint("The key of %s's own data is its index: archgraph_index.", sp->title) : 0));
	sp->key_text(&a, hash);
	PG_RETURN_TEXT_P(cstring_to_text(hash));
}

/* The benchmark's own index of an architecture (NAS-Bench-201: its API index, 0..15624). */
PG_FUNCTION_INFO_V1(archgraph_index);
Datum
archgraph_index(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	const ct_space *sp;

	archgraph_arg(fcinfo, 0, &a);
	sp = ct_space_of(&a);
	if (sp->index == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s architectures have no index", sp->title),
				 errhint("Its data is keyed by archgraph_hash.")));
	PG_RETURN_INT64(sp->index(&a));
}

PG_FUNCTION_INFO_V1(archgraph_canonical);
Datum
archgraph_canonical(PG_FUNCTION_ARGS)
{
	ct_arch		a,
				c;

	archgraph_arg(fcinfo, 0, &a);
	ct_space_of(&a)->canonical(&a, &c);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&c));
}

/* archgraph_random(seed): NAS-Bench-101's sampler, as in 0.1.0 */
PG_FUNCTION_INFO_V1(archgraph_random);
Datum
archgraph_random(PG_FUNCTION_ARGS)
{
	ct_arch		a;

	ct_space_nb101.random((uint64) PG_GETARG_INT64(0), &a);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&a));
}

/* archgraph_random(seed, space): the space's own sampler */
PG_FUNCTION_INFO_V1(archgraph_random_in);
Datum
archgraph_random_in(PG_FUNCTION_ARGS)
{
	const ct_space *sp = space_arg(fcinfo, 1);
	ct_arch		a;

	if (sp->random == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s has no sampler in this build", sp->title)));
	sp->random((uint64) PG_GETARG_INT64(0), &a);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&a));
}

PG_FUNCTION_INFO_V1(archgraph_mutate);
Datum
archgraph_mutate(PG_FUNCTION_ARGS)
{
	ct_arch		a,
				out;
	ct_error	err;

	archgraph_arg(fcinfo, 0, &a);
	if (!ct_space_of(&a)->mutate(&a, (uint64) PG_GETARG_INT64(1), &out, &err))
		ct_report_error(&err, "archgraph", NULL);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&out));
}

/* Every architecture of a finite space, in the benchmark's order. */
PG_FUNCTION_INFO_V1(archgraph_enumerate);
Datum
archgraph_enumerate(PG_FUNCTION_ARGS)
{
	FuncCallContext *fc;
	const ct_space *sp;
	ct_arch		a;

	if (SRF_IS_FIRSTCALL())
	{
		sp = space_arg(fcinfo, 0);
		if (sp->nth == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s cannot be enumerated", sp->title),
					 sp->size_text != NULL
					 ? errdetail("Its %s architectures have no index of their own here; read them from its table.",
								 sp->size_text)
					 : errdetail("Its %lld architectures have no index of their own here; read them from its table.",
								 (long long) sp->size)));
		fc = SRF_FIRSTCALL_INIT();
		fc->user_fctx = (void *) sp;
		fc->max_calls = (uint64) sp->size;
	}
	fc = SRF_PERCALL_SETUP();
	sp = fc->user_fctx;
	CHECK_FOR_INTERRUPTS();
	if (fc->call_cntr < fc->max_calls && sp->nth((int64) fc->call_cntr, &a))
		SRF_RETURN_NEXT(fc, PointerGetDatum(archgraph_encode(&a)));
	SRF_RETURN_DONE(fc);
}

/* The registered spaces: name, id, title, size, whether enumerable, the text forms. */
PG_FUNCTION_INFO_V1(search_spaces);
Datum
search_spaces(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const ct_space *sp;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; (sp = ct_space_nth(i)) != NULL; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false};

		values[0] = CStringGetTextDatum(sp->name);
		values[1] = Int32GetDatum(sp->id);
		values[2] = CStringGetTextDatum(sp->title);
		/* numeric: the OFA MobileNetV3 space's 7,371^5 does not fit int8 */
		values[3] = sp->size_text != NULL
			? DirectFunctionCall3(numeric_in, CStringGetDatum(sp->size_text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1))
			: NumericGetDatum(int64_to_numeric(sp->size));
		values[4] = BoolGetDatum(sp->nth != NULL);
		values[5] = CStringGetTextDatum(sp->forms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
