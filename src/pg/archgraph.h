/*
 * archgraph.h
 *	  The archgraph type (archgraph.c): its stored layout, and cells encoded
 *	  to and decoded from it.
 */
#ifndef CTNAS_ARCHGRAPH_H
#define CTNAS_ARCHGRAPH_H

#include "fmgr.h"

#include "ctnas_graph.h"

/*
 * On-disk archgraph.  version and space come first so that other search
 * spaces (NAS-Bench-201, DARTS) can be added without rewriting stored data.
 * Values are always canonical and zero-padded, so bytewise equality of the
 * payload is equality of cells and hashing the payload is sound.
 */
typedef struct ArchGraph
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* ARCHGRAPH_VERSION */
	uint8		space;			/* ARCHGRAPH_SPACE_NB101 */
	uint8		nnodes;			/* 2..7 */
	uint8		reserved;		/* always 0 */
	uint32		edges;			/* as ct_graph.edges */
	uint8		ops[FLEXIBLE_ARRAY_MEMBER]; /* interior ops, nnodes - 2 */
} ArchGraph;

#define ARCHGRAPH_VERSION		1
#define ARCHGRAPH_SPACE_NB101	1
#define ARCHGRAPH_SIZE(n)		(offsetof(ArchGraph, ops) + (n) - 2)

#define DatumGetArchGraphP(x)	((ArchGraph *) PG_DETOAST_DATUM(x))
#define PG_GETARG_ARCHGRAPH_P(n) DatumGetArchGraphP(PG_GETARG_DATUM(n))
#define PG_RETURN_ARCHGRAPH_P(x) PG_RETURN_POINTER(x)

extern ArchGraph *archgraph_encode(const ct_graph *g);
extern void archgraph_decode(const ArchGraph *a, ct_graph *g);
/* Argument argno of a function, decoded. */
extern void archgraph_arg(FunctionCallInfo fcinfo, int argno, ct_graph *g);

/* An error (54000) when a raw cell has more nodes than input may have before pruning. */
extern void archgraph_check_raw_size(int n);

#endif
