/*
 * citus.h
 *	  ctnas on a Citus cluster (citus.c): which node this is, and the
 *	  coordinator's planner step that passes the models a query names to the
 *	  workers as their weights.
 */
#ifndef CTNAS_CITUS_H
#define CTNAS_CITUS_H

typedef enum CtnasNode
{
	CTNAS_NODE_PLAIN,			/* no Citus in this database */
	CTNAS_NODE_COORDINATOR,		/* Citus's coordinator: models are its ctnas.models */
	CTNAS_NODE_WORKER			/* a Citus worker: models come with the coordinator's queries */
} CtnasNode;

/* What this node is for ctnas (needs SPI connected). */
extern CtnasNode ctnas_citus_node(void);

/* Installs the planner step (_PG_init). */
extern void ctnas_citus_init(void);

#endif
