/*
 * agg_state.h
 *	  Aggregate states that are values of a real type (agg_state.c), so that
 *	  Citus can compute an aggregate partially on its workers: it ships
 *	  states between nodes as text through the type's output and input
 *	  functions, and pushes down no aggregate whose state is "internal".
 *
 * In memory a state is a read/write expanded object (a C struct in its own
 * memory context under the aggregate's), updated in place row after row;
 * flat it is the state's serialized bytes.  Every flat state (a parallel
 * worker's, a Citus worker's, one a user typed) is validated in full as it
 * is read back.
 */
#ifndef CTNAS_AGG_STATE_H
#define CTNAS_AGG_STATE_H

#include "fmgr.h"
#include "lib/stringinfo.h"

typedef struct CtnasAggStateKind
{
	const char *type_name;		/* the SQL type, for messages */
	/* a new empty state in cxt (which it grows in) */
	void	   *(*create) (MemoryContext cxt);
	/* how many bytes serialize appends (checked against the 1 GB a value can have first) */
	size_t		(*flat_size) (const void *st);
	/* appends the state's bytes */
	void		(*serialize) (const void *st, StringInfo buf);
	/* the state in bytes, in cxt; an ereport (22P03) for anything invalid */
	void	   *(*deserialize) (const char *data, int len, MemoryContext cxt);
	/* appends from's rows to into (growing it in its own context) */
	void		(*merge) (void *into, const void *from);
} CtnasAggStateKind;

/*
 * Argument argno as a state of kind (NULL when the argument is NULL).  With
 * for_update, the state the aggregate may change in place: its own expanded
 * object when it is one, else a copy in a new expanded object under the
 * aggregate's context (only in an aggregate call).  *datum_out receives the
 * datum to return after changing it (ctnas_agg_state_datum).
 */
extern void *ctnas_agg_state_get(FunctionCallInfo fcinfo, int argno, const CtnasAggStateKind *kind,
								 bool for_update, Datum *datum_out);
/* Argument argno as a state to change in place, a new empty one when it is NULL (a transition's first row). */
extern void *ctnas_agg_state_for_update(FunctionCallInfo fcinfo, int argno, const CtnasAggStateKind *kind,
										Datum *datum_out);
/* A new empty state of kind as an expanded object under the aggregate's context. */
extern void *ctnas_agg_state_new(FunctionCallInfo fcinfo, const CtnasAggStateKind *kind, Datum *datum_out);
/* Says the state behind datum changed (its flat bytes must be made again); returns datum. */
extern Datum ctnas_agg_state_changed(Datum datum);

/*
 * The combine function of kind's aggregate: argument 1's rows appended to
 * argument 0's state (NULLs are empty states); returns the state.
 */
extern Datum ctnas_agg_state_combine(FunctionCallInfo fcinfo, const CtnasAggStateKind *kind);

/* The type's text form (hex of the bytes) and back (validated). */
extern char *ctnas_agg_state_out(Datum value, const CtnasAggStateKind *kind);
extern Datum ctnas_agg_state_in(const char *text, const CtnasAggStateKind *kind);

#endif
