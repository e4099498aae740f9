/*
 * archgraph.h
 *	  The archgraph type (archgraph.c): its stored layout, and cells encoded
 *	  to and decoded from it.
 */
#ifndef CTNAS_ARCHGRAPH_H
#define CTNAS_ARCHGRAPH_H

#include "fmgr.h"

#include "ctnas_space.h"

/*
 * On-disk archgraph: a version byte, the space's id, then the space's stored
 * form (ct_space.store: for NAS-Bench-101 nnodes, 0, the edge bits as a
 * uint32, the interior ops, as 0.1.0 wrote it; for NAS-Bench-201 the length
 * of its encoding, 0, the encoding).  Values are always canonical and
 * zero-padded, so bytewise equality of the payload is equality of
 * architectures, and hashing the payload is sound.
 */
typedef struct ArchGraph
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* ARCHGRAPH_VERSION */
	uint8		space;			/* ct_space.id */
	uint8		data[FLEXIBLE_ARRAY_MEMBER];	/* the space's stored form */
} ArchGraph;

#define ARCHGRAPH_VERSION		1

#define DatumGetArchGraphP(x)	((ArchGraph *) PG_DETOAST_DATUM(x))
#define PG_GETARG_ARCHGRAPH_P(n) DatumGetArchGraphP(PG_GETARG_DATUM(n))
#define PG_RETURN_ARCHGRAPH_P(x) PG_RETURN_POINTER(x)

extern ArchGraph *archgraph_encode(const ct_arch *a);
extern void archgraph_decode(const ArchGraph *v, ct_arch *a);
/* Argument argno of a function, decoded. */
extern void archgraph_arg(FunctionCallInfo fcinfo, int argno, ct_arch *a);

#endif
