/*
 * archgraph.c
 *	  The archgraph type: storage, text and binary I/O, comparison, hashing.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "archgraph.h"
#include "pg_util.h"

ArchGraph *
archgraph_encode(const ct_graph *g)
{
	ArchGraph  *a = palloc0(ARCHGRAPH_SIZE(g->n));

	SET_VARSIZE(a, ARCHGRAPH_SIZE(g->n));
	a->version = ARCHGRAPH_VERSION;
	a->space = ARCHGRAPH_SPACE_NB101;
	a->nnodes = (uint8) g->n;
	a->edges = g->edges;
	memcpy(a->ops, g->ops + 1, g->n - 2);
	return a;
}

/*
 * Unpacks a stored value.  Only the cheap structural checks run here (this is
 * on every comparison); values are validated in full when they are created.
 */
void
archgraph_decode(const ArchGraph *a, ct_graph *g)
{
	int			n = a->nnodes;

	if (a->version != ARCHGRAPH_VERSION || a->space != ARCHGRAPH_SPACE_NB101 ||
		n < 2 || n > CT_NB101_MAX_NODES || VARSIZE(a) != ARCHGRAPH_SIZE(n))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt archgraph value"),
				 errdetail("Version %d, space %d, %d nodes, %u bytes.",
						   a->version, a->space, n, (unsigned) VARSIZE(a))));
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->edges = a->edges;
	g->ops[0] = CT_OP_INPUT;
	memcpy(g->ops + 1, a->ops, n - 2);
	g->ops[n - 1] = CT_OP_OUTPUT;
}

void
archgraph_arg(FunctionCallInfo fcinfo, int argno, ct_graph *g)
{
	ArchGraph  *a = PG_GETARG_ARCHGRAPH_P(argno);

	archgraph_decode(a, g);
	PG_FREE_IF_COPY(a, argno);
}

void
archgraph_check_raw_size(int n)
{
	if (n > CT_RAW_MAX_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("archgraph input has too many nodes"),
				 errdetail("The input has %d nodes; at most %d are accepted before pruning.",
						   n, CT_RAW_MAX_NODES)));
}

PG_FUNCTION_INFO_V1(archgraph_in);
Datum
archgraph_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	ct_graph	g;
	ct_error	err;

	if (!ct_graph_parse_json(text, &g, &err))
		ct_report_error(&err, "archgraph", text);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&g));
}

PG_FUNCTION_INFO_V1(archgraph_out);
Datum
archgraph_out(PG_FUNCTION_ARGS)
{
	ArchGraph  *a = PG_GETARG_ARCHGRAPH_P(0);
	ct_graph	g;
	char	   *buf = palloc(CT_GRAPH_JSON_MAX);

	archgraph_decode(a, &g);
	ct_graph_to_json(&g, buf, CT_GRAPH_JSON_MAX);
	PG_FREE_IF_COPY(a, 0);
	PG_RETURN_CSTRING(buf);
}

/*
 * Binary format: uint8 version, uint8 space, uint8 n, n*n adjacency bytes
 * (row-major, 0/1), n op bytes (ct_op codes).  A full matrix rather than the
 * stored bits, so that receive runs exactly the validation of text input.
 */
PG_FUNCTION_INFO_V1(archgraph_recv);
Datum
archgraph_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			space = pq_getmsgbyte(buf);
	int			n;
	ct_raw_graph raw;
	ct_graph	g;
	ct_error	err;

	if (version != ARCHGRAPH_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported archgraph binary format version %d", version)));
	if (space != ARCHGRAPH_SPACE_NB101)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported archgraph search space %d", space),
				 errdetail("Only NAS-Bench-101 (space 1) is supported.")));
	n = pq_getmsgbyte(buf);
	archgraph_check_raw_size(n);
	memset(&raw, 0, sizeof(raw));
	raw.n = n;
	for (int x = 0; x < n; x++)
		for (int y = 0; y < n; y++)
			raw.adj[x][y] = (uint8) pq_getmsgbyte(buf);
	for (int v = 0; v < n; v++)
		raw.ops[v] = (uint8) pq_getmsgbyte(buf);
	pq_getmsgend(buf);

	if (!ct_graph_from_raw(&raw, &g, &err))
		ct_report_error(&err, "archgraph", NULL);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&g));
}

PG_FUNCTION_INFO_V1(archgraph_send);
Datum
archgraph_send(PG_FUNCTION_ARGS)
{
	ArchGraph  *a = PG_GETARG_ARCHGRAPH_P(0);
	ct_graph	g;
	StringInfoData buf;

	archgraph_decode(a, &g);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ARCHGRAPH_VERSION);
	pq_sendbyte(&buf, ARCHGRAPH_SPACE_NB101);
	pq_sendbyte(&buf, g.n);
	for (int x = 0; x < g.n; x++)
		for (int y = 0; y < g.n; y++)
			pq_sendbyte(&buf, ct_graph_has_edge(&g, x, y));
	for (int v = 0; v < g.n; v++)
		pq_sendbyte(&buf, g.ops[v]);
	PG_FREE_IF_COPY(a, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* NAS-Bench-101 enumeration order: nodes, edge bits, ops (see ct_graph_cmp). */
static int
archgraph_cmp_internal(FunctionCallInfo fcinfo)
{
	ArchGraph  *a = PG_GETARG_ARCHGRAPH_P(0);
	ArchGraph  *b = PG_GETARG_ARCHGRAPH_P(1);
	ct_graph	ga,
				gb;
	int			cmp;

	archgraph_decode(a, &ga);
	archgraph_decode(b, &gb);
	cmp = ct_graph_cmp(&ga, &gb);
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return cmp;
}

PG_FUNCTION_INFO_V1(archgraph_cmp);
Datum
archgraph_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(archgraph_cmp_internal(fcinfo));
}

#define ARCHGRAPH_CMP_FUNC(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(archgraph_cmp_internal(fcinfo) op 0); \
}

ARCHGRAPH_CMP_FUNC(archgraph_eq, ==)
ARCHGRAPH_CMP_FUNC(archgraph_ne, !=)
ARCHGRAPH_CMP_FUNC(archgraph_lt, <)
ARCHGRAPH_CMP_FUNC(archgraph_le, <=)
ARCHGRAPH_CMP_FUNC(archgraph_gt, >)
ARCHGRAPH_CMP_FUNC(archgraph_ge, >=)

/* Hash of the canonical payload: equal cells have equal bytes (see ArchGraph). */
PG_FUNCTION_INFO_V1(archgraph_hashcode);
Datum
archgraph_hashcode(PG_FUNCTION_ARGS)
{
	ArchGraph  *a = PG_GETARG_ARCHGRAPH_P(0);
	ct_graph	g;
	Datum		h;

	archgraph_decode(a, &g);
	h = hash_any((unsigned char *) VARDATA(a), VARSIZE(a) - VARHDRSZ);
	PG_FREE_IF_COPY(a, 0);
	return h;
}

PG_FUNCTION_INFO_V1(archgraph_hashcode_extended);
Datum
archgraph_hashcode_extended(PG_FUNCTION_ARGS)
{
	ArchGraph  *a = PG_GETARG_ARCHGRAPH_P(0);
	uint64		seed = PG_GETARG_INT64(1);
	ct_graph	g;
	Datum		h;

	archgraph_decode(a, &g);
	h = hash_any_extended((unsigned char *) VARDATA(a), VARSIZE(a) - VARHDRSZ, seed);
	PG_FREE_IF_COPY(a, 0);
	return h;
}
