/*
 * agg_state.c
 *	  Aggregate states as expanded objects of a real type (agg_state.h).
 *
 * PostgreSQL (nodeAgg) and Citus (worker_partial_agg) keep a transition
 * value returned as a read/write expanded object whose memory context is a
 * child of the aggregate's without copying it; a transition function that
 * changes it in place and returns the same datum costs nothing per row.  Any
 * other pass-by-reference state would be copied on every row.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "agg_state.h"
#include "pg_util.h"

typedef struct AggStateEOH
{
	ExpandedObjectHeader hdr;
	const CtnasAggStateKind *kind;
	void	   *st;
	StringInfoData flat;		/* the serialized bytes (after a varlena header), valid when has_flat */
	bool		has_flat;
} AggStateEOH;

static Size eoh_get_flat_size(ExpandedObjectHeader *eohptr);
static void eoh_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods agg_state_methods = {
	eoh_get_flat_size,
	eoh_flatten_into
};

static void
make_flat(AggStateEOH *eoh)
{
	MemoryContext old;
	size_t		need;

	if (eoh->has_flat)
		return;
	need = eoh->kind->flat_size(eoh->st);
	if (need > MaxAllocSize - VARHDRSZ - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s is too large to be passed on (%zu bytes; a value has at most 1 GB)", eoh->kind->type_name, need),
				 errhint("Aggregate fewer rows per group, per parallel worker or per Citus worker.")));
	old = MemoryContextSwitchTo(eoh->hdr.eoh_context);
	if (eoh->flat.data == NULL)
		initStringInfo(&eoh->flat);
	resetStringInfo(&eoh->flat);
	enlargeStringInfo(&eoh->flat, (int) need);
	eoh->kind->serialize(eoh->st, &eoh->flat);
	MemoryContextSwitchTo(old);
	Assert((size_t) eoh->flat.len == need);
	eoh->has_flat = true;
}

static Size
eoh_get_flat_size(ExpandedObjectHeader *eohptr)
{
	AggStateEOH *eoh = (AggStateEOH *) eohptr;

	make_flat(eoh);
	return VARHDRSZ + eoh->flat.len;
}

static void
eoh_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	AggStateEOH *eoh = (AggStateEOH *) eohptr;

	make_flat(eoh);
	Assert(allocated_size == VARHDRSZ + eoh->flat.len);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), eoh->flat.data, eoh->flat.len);
}

/* A new expanded object in its own context under parent, holding st (made by make_st in that context). */
static AggStateEOH *
eoh_create(MemoryContext parent, const CtnasAggStateKind *kind)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "ctnas aggregate state", ALLOCSET_SMALL_SIZES);
	AggStateEOH *eoh = MemoryContextAllocZero(cxt, sizeof(AggStateEOH));

	EOH_init_header(&eoh->hdr, &agg_state_methods, cxt);
	eoh->kind = kind;
	return eoh;
}

/* The expanded object behind d when it is one of kind's, else NULL (an error for another kind). */
static AggStateEOH *
eoh_of(Datum d, const CtnasAggStateKind *kind)
{
	AggStateEOH *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = (AggStateEOH *) DatumGetEOHP(d);
	if (eoh->hdr.eoh_methods != &agg_state_methods || eoh->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s was expected, got another value", kind->type_name)));
	return eoh;
}

void *
ctnas_agg_state_new(FunctionCallInfo fcinfo, const CtnasAggStateKind *kind, Datum *datum_out)
{
	MemoryContext aggcxt = ctnas_agg_context(fcinfo, NULL);
	AggStateEOH *eoh = eoh_create(aggcxt, kind);

	eoh->st = kind->create(eoh->hdr.eoh_context);
	*datum_out = EOHPGetRWDatum(&eoh->hdr);
	return eoh->st;
}

void *
ctnas_agg_state_get(FunctionCallInfo fcinfo, int argno, const CtnasAggStateKind *kind,
					bool for_update, Datum *datum_out)
{
	Datum		d;
	AggStateEOH *eoh;
	MemoryContext aggcxt = NULL;
	struct varlena *flat;

	if (PG_ARGISNULL(argno))
		return NULL;
	d = PG_GETARG_DATUM(argno);
	if (for_update)
		aggcxt = ctnas_agg_context(fcinfo, NULL);
	eoh = eoh_of(d, kind);
	if (eoh != NULL)
	{
		/* the aggregate's own state: change it in place */
		if (!for_update ||
			(VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
			 MemoryContextGetParent(eoh->hdr.eoh_context) == aggcxt))
		{
			if (datum_out)
				*datum_out = d;
			return eoh->st;
		}
	}
	/* a flat state (or an expanded one that is not ours to change): read it, validating it */
	flat = PG_DETOAST_DATUM(d);
	eoh = eoh_create(for_update ? aggcxt : CurrentMemoryContext, kind);
	eoh->st = kind->deserialize(VARDATA(flat), VARSIZE(flat) - VARHDRSZ, eoh->hdr.eoh_context);
	if (datum_out)
		*datum_out = EOHPGetRWDatum(&eoh->hdr);
	return eoh->st;
}

void *
ctnas_agg_state_for_update(FunctionCallInfo fcinfo, int argno, const CtnasAggStateKind *kind, Datum *datum_out)
{
	void	   *st = ctnas_agg_state_get(fcinfo, argno, kind, true, datum_out);

	return st != NULL ? st : ctnas_agg_state_new(fcinfo, kind, datum_out);
}

Datum
ctnas_agg_state_changed(Datum datum)
{
	AggStateEOH *eoh = (AggStateEOH *) DatumGetEOHP(datum);

	eoh->has_flat = false;
	return datum;
}

Datum
ctnas_agg_state_combine(FunctionCallInfo fcinfo, const CtnasAggStateKind *kind)
{
	Datum		result;
	void	   *a,
			   *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		ctnas_agg_state_get(fcinfo, 0, kind, true, &result);
		return result;
	}
	a = ctnas_agg_state_for_update(fcinfo, 0, kind, &result);
	b = ctnas_agg_state_get(fcinfo, 1, kind, false, NULL);
	kind->merge(a, b);
	return ctnas_agg_state_changed(result);
}

char *
ctnas_agg_state_out(Datum value, const CtnasAggStateKind *kind)
{
	AggStateEOH *eoh = eoh_of(value, kind);
	const char *data;
	Size		len;
	char	   *out;

	if (eoh != NULL)
	{
		make_flat(eoh);
		data = eoh->flat.data;
		len = eoh->flat.len;
	}
	else
	{
		struct varlena *flat = PG_DETOAST_DATUM(value);

		data = VARDATA(flat);
		len = VARSIZE(flat) - VARHDRSZ;
	}
	if (len * 2 + 1 > MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s is too large for its text form", kind->type_name)));
	out = palloc_extended(len * 2 + 1, MCXT_ALLOC_HUGE);
	hex_encode(data, len, out);
	out[len * 2] = '\0';
	return out;
}

Datum
ctnas_agg_state_in(const char *text, const CtnasAggStateKind *kind)
{
	size_t		tlen = strlen(text);
	bytea	   *result;
	uint64		len;
	MemoryContext check_cxt,
				old;

	/* (hex_decode would also take whitespace, and say 22023 for a bad digit) */
	if (tlen == 0 || tlen % 2 != 0 || tlen / 2 + VARHDRSZ > MaxAllocSize ||
		strspn(text, "0123456789abcdefABCDEF") != tlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", kind->type_name),
				 errdetail("A state is an even number of hexadecimal digits (no spaces), at most 1 GB of bytes.")));
	result = palloc(VARHDRSZ + tlen / 2);
	len = hex_decode(text, tlen, VARDATA(result));	/* (an error for a non-hex digit) */
	SET_VARSIZE(result, VARHDRSZ + len);
	/* the whole state must be valid before it is accepted: read it as the aggregate will */
	check_cxt = AllocSetContextCreate(CurrentMemoryContext, "ctnas state check", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(check_cxt);
	kind->deserialize(VARDATA(result), (int) len, check_cxt);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(check_cxt);
	PG_RETURN_BYTEA_P(result);
}
