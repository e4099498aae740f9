/*
 * archgraph_funcs.c
 *	  SQL functions over archgraph: constructors, accessors, NAS-Bench-101
 *	  hash, Graphviz, random sampling and mutation.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "archgraph.h"
#include "pg_util.h"

static void
build_or_report(const ct_raw_graph *raw, ct_graph *g)
{
	ct_error	err;

	if (!ct_graph_from_raw(raw, g, &err))
		ct_report_error(&err, "archgraph", NULL);
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
	ct_graph	g;

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
	build_or_report(&raw, &g);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&g));
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
	ct_graph	g;

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
	build_or_report(&raw, &g);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&g));
}

PG_FUNCTION_INFO_V1(archgraph_nodes);
Datum
archgraph_nodes(PG_FUNCTION_ARGS)
{
	ct_graph	g;

	archgraph_arg(fcinfo, 0, &g);
	PG_RETURN_INT32(g.n);
}

PG_FUNCTION_INFO_V1(archgraph_edges);
Datum
archgraph_edges(PG_FUNCTION_ARGS)
{
	ct_graph	g;

	archgraph_arg(fcinfo, 0, &g);
	PG_RETURN_INT32(ct_graph_num_edges(&g));
}

PG_FUNCTION_INFO_V1(archgraph_ops);
Datum
archgraph_ops(PG_FUNCTION_ARGS)
{
	ct_graph	g;
	Datum		names[CT_NB101_MAX_NODES];

	archgraph_arg(fcinfo, 0, &g);
	for (int v = 0; v < g.n; v++)
		names[v] = CStringGetTextDatum(ct_op_name(g.ops[v]));
	PG_RETURN_ARRAYTYPE_P(construct_array(names, g.n, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(archgraph_matrix);
Datum
archgraph_matrix(PG_FUNCTION_ARGS)
{
	ct_graph	g;
	Datum		cells[CT_NB101_MAX_NODES * CT_NB101_MAX_NODES];
	int			dims[2];
	int			lbs[2] = {1, 1};

	archgraph_arg(fcinfo, 0, &g);
	for (int x = 0; x < g.n; x++)
		for (int y = 0; y < g.n; y++)
			cells[x * g.n + y] = Int32GetDatum(ct_graph_has_edge(&g, x, y));
	dims[0] = dims[1] = g.n;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(cells, NULL, 2, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(archgraph_dot);
Datum
archgraph_dot(PG_FUNCTION_ARGS)
{
	ct_graph	g;
	char		buf[CT_GRAPH_DOT_MAX];

	archgraph_arg(fcinfo, 0, &g);
	ct_graph_to_dot(&g, buf, sizeof(buf));
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

PG_FUNCTION_INFO_V1(archgraph_nb101_hash);
Datum
archgraph_nb101_hash(PG_FUNCTION_ARGS)
{
	ct_graph	g;
	char		hash[33];

	archgraph_arg(fcinfo, 0, &g);
	ct_graph_nb101_hash(&g, hash);
	PG_RETURN_TEXT_P(cstring_to_text(hash));
}

PG_FUNCTION_INFO_V1(archgraph_random);
Datum
archgraph_random(PG_FUNCTION_ARGS)
{
	ct_graph	g;

	ct_graph_random((uint64) PG_GETARG_INT64(0), &g);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&g));
}

PG_FUNCTION_INFO_V1(archgraph_mutate);
Datum
archgraph_mutate(PG_FUNCTION_ARGS)
{
	ct_graph	g,
				out;
	ct_error	err;

	archgraph_arg(fcinfo, 0, &g);
	if (!ct_graph_mutate(&g, (uint64) PG_GETARG_INT64(1), &out, &err))
		ct_report_error(&err, "archgraph", NULL);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&out));
}
