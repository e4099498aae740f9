/*
 * citus.h
 *	  ctnas on a Citus cluster (citus.c): which node this is, and where a
 *	  worker reads the models from.
 *
 * ctnas.models stays a table of the coordinator (its row-level security
 * binds rows to roles by OID, which differ between nodes).  Once
 * ctnas.citus_enable() has run, ctnas_internal.models_replica (name,
 * weights) is a Citus reference table: a trigger on ctnas.models copies each
 * change into it, and workers read the models from its shard there.
 */
#ifndef CTNAS_CITUS_H
#define CTNAS_CITUS_H

typedef enum CtnasNode
{
	CTNAS_NODE_PLAIN,			/* no Citus, or ctnas.citus_enable() has not run */
	CTNAS_NODE_COORDINATOR,		/* models are ctnas.models; the trigger replicates them */
	CTNAS_NODE_WORKER			/* models are read from the replica's shard on this node */
} CtnasNode;

/* What this node is for ctnas (needs SPI connected). */
extern CtnasNode ctnas_citus_node(void);

/*
 * On a worker: the replica's shard on this node, as a qualified name for
 * SQL, and its OID (*relid); an error when this node has none yet.
 */
extern char *ctnas_citus_replica_shard(Oid *relid);

#endif
