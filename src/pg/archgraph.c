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
archgraph_encode(const ct_arch *a)
{
	const ct_space *sp = ct_space_of(a);
	uint8		stored[64];
	size_t		n;
	ArchGraph  *v;

	Assert(sp->stored_max <= sizeof(stored));
	n = sp->store(a, stored);
	v = palloc0(offsetof(ArchGraph, data) + n);
	SET_VARSIZE(v, offsetof(ArchGraph, data) + n);
	v->version = ARCHGRAPH_VERSION;
	v->space = sp->id;
	memcpy(v->data, stored, n);
	return v;
}

static void
report_corrupt(const ArchGraph *v)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt archgraph value"),
			 errdetail("Version %d, space %d, %d nodes, %u bytes.",
					   v->version, v->space, VARSIZE(v) > offsetof(ArchGraph, data) ? v->data[0] : 0,
					   (unsigned) VARSIZE(v))));
}

/*
 * Unpacks a stored value.  Only the cheap structural checks run here (this is
 * on every comparison); values are validated in full when they are created.
 */
void
archgraph_decode(const ArchGraph *v, ct_arch *a)
{
	const ct_space *sp;

	if (VARSIZE(v) < offsetof(ArchGraph, data) || v->version != ARCHGRAPH_VERSION)
		report_corrupt(v);
	sp = ct_space_by_id(v->space);
	if (sp == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unsupported search space %d in an archgraph value", v->space),
				 errdetail("This build of ctnas knows the spaces %s.", ct_space_names()),
				 errhint("The value was made by a newer ctnas: update the extension's library.")));
	if (!sp->unstore(v->data, VARSIZE(v) - offsetof(ArchGraph, data), a))
		report_corrupt(v);
}

void
archgraph_arg(FunctionCallInfo fcinfo, int argno, ct_arch *a)
{
	ArchGraph  *v = PG_GETARG_ARCHGRAPH_P(argno);

	archgraph_decode(v, a);
	PG_FREE_IF_COPY(v, argno);
}

PG_FUNCTION_INFO_V1(archgraph_in);
Datum
archgraph_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	ct_arch		a;
	ct_error	err;

	if (!ct_arch_parse(text, &a, &err))
		ct_report_error(&err, "archgraph", text);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&a));
}

PG_FUNCTION_INFO_V1(archgraph_out);
Datum
archgraph_out(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	char	   *buf = palloc(CT_ARCH_TEXT_MAX);

	archgraph_arg(fcinfo, 0, &a);
	ct_arch_to_text(&a, buf, CT_ARCH_TEXT_MAX);
	PG_RETURN_CSTRING(buf);
}

/*
 * Binary format: uint8 version, uint8 space, then the space's wire form
 * (ct_space.send; for NAS-Bench-101 n, the n*n adjacency bytes, n op
 * codes, so that receiving runs exactly the validation of text input).
 */
PG_FUNCTION_INFO_V1(archgraph_recv);
Datum
archgraph_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			space = pq_getmsgbyte(buf);
	const ct_space *sp = ct_space_by_id(space);
	ct_arch		a;
	ct_error	err;
	long		used;

	if (version != ARCHGRAPH_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported archgraph binary format version %d", version)));
	if (sp == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported archgraph search space %d", space),
				 errdetail("This build of ctnas knows the spaces %s.", ct_space_names())));
	used = sp->recv((const uint8 *) buf->data + buf->cursor, buf->len - buf->cursor, &a, &err);
	if (used < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("no data left in message")));
	if (used == 0)
		ct_report_error(&err, "archgraph", NULL);
	buf->cursor += (int) used;
	pq_getmsgend(buf);
	PG_RETURN_ARCHGRAPH_P(archgraph_encode(&a));
}

PG_FUNCTION_INFO_V1(archgraph_send);
Datum
archgraph_send(PG_FUNCTION_ARGS)
{
	ct_arch		a;
	const ct_space *sp;
	uint8	   *wire;
	size_t		n;
	StringInfoData buf;

	archgraph_arg(fcinfo, 0, &a);
	sp = ct_space_of(&a);
	wire = palloc(sp->wire_max);
	n = sp->send(&a, wire);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ARCHGRAPH_VERSION);
	pq_sendbyte(&buf, sp->id);
	pq_sendbytes(&buf, (const char *) wire, (int) n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * The space first, then the space's order (NAS-Bench-101: its enumeration
 * order, nodes, edge bits, ops, as 0.1.0; NAS-Bench-201: its index).
 */
static int
archgraph_cmp_internal(FunctionCallInfo fcinfo)
{
	ct_arch		a,
				b;

	archgraph_arg(fcinfo, 0, &a);
	archgraph_arg(fcinfo, 1, &b);
	return ct_arch_cmp(&a, &b);
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
	ct_arch		g;
	Datum		h;

	archgraph_decode(a, &g);		/* (its checks) */
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
	ct_arch		g;
	Datum		h;

	archgraph_decode(a, &g);
	h = hash_any_extended((unsigned char *) VARDATA(a), VARSIZE(a) - VARHDRSZ, seed);
	PG_FREE_IF_COPY(a, 0);
	return h;
}
