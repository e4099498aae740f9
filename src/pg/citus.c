/*
 * citus.c
 *	  ctnas on a Citus cluster (citus.h): where models live, and the trigger
 *	  that copies ctnas.models into the reference table workers read.
 *
 * Why a replica and not ctnas.models itself as the reference table: a role's
 * OID differs between nodes, so rows bound to owners by OID (row-level
 * security, ctnas--0.1.0--0.2.0.sql) would mean other owners on other nodes,
 * and a placement copied to a new node would keep the source's OIDs.  So the
 * coordinator's ctnas.models decides who may change a model, as on a single
 * server, and the replica (name, weights; no plain role may write it) follows
 * it.  The trigger writes the replica as the replica's owner, the way
 * PostgreSQL's foreign-key triggers act as the referenced table's owner:
 * only the row whose change ctnas.models has just allowed, in the same
 * transaction (Citus commits it on every node with two-phase commit).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "citus.h"
#include "ctnas_pg.h"

/* the replica's OID, or InvalidOid when this database has none (an older ctnas) */
static Oid
replica_relid(void)
{
	return get_relname_relid("models_replica", ctnas_internal_schema_oid());
}

CtnasNode
ctnas_citus_node(void)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	Oid			relid;
	bool		isnull;
	int32		group;

	if (!OidIsValid(get_extension_oid("citus", true)))
		return CTNAS_NODE_PLAIN;
	relid = replica_relid();
	if (!OidIsValid(relid))
		return CTNAS_NODE_PLAIN;
	args[0] = ObjectIdGetDatum(relid);
	if (SPI_execute_with_args("SELECT (SELECT groupid FROM pg_catalog.pg_dist_local_group) "
							  "FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read Citus's metadata");
	if (SPI_processed == 0)
		return CTNAS_NODE_PLAIN;	/* ctnas.citus_enable() has not run (or not reached this node) */
	group = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return (isnull || group == 0) ? CTNAS_NODE_COORDINATOR : CTNAS_NODE_WORKER;
}

char *
ctnas_citus_replica_shard(Oid *relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	bool		isnull;
	Datum		shard;

	args[0] = ObjectIdGetDatum(replica_relid());
	/* (a reference table has one shard, with a placement on every node) */
	if (SPI_execute_with_args("SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid))::oid "
							  "FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read Citus's metadata");
	shard = SPI_processed == 0 ? (Datum) 0 :
		SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (SPI_processed == 0 || isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the NAC models are not on this node yet"),
				 errdetail("This Citus worker has no placement of ctnas_internal.models_replica."),
				 errhint("Run SELECT pg_catalog.replicate_reference_tables() on the coordinator.")));
	*relid = DatumGetObjectId(shard);
	return psprintf("%s.%s", quote_identifier(get_namespace_name(get_rel_namespace(*relid))),
					quote_identifier(get_rel_name(*relid)));
}

/*
 * Runs sql with args as owner (ctnas.models's, which owns the replica too: the
 * extension's), search_path pg_catalog, in a restricted operation.
 */
static void
replica_write(Oid owner, const char *sql, int nargs, Oid *argtypes, Datum *args)
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	int			rc;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);
	if (rc < 0)
		elog(ERROR, "could not write ctnas_internal.models_replica: SPI error %d", rc);
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/*
 * AFTER INSERT OR UPDATE OR DELETE (each row) and AFTER TRUNCATE on
 * ctnas.models: the same change in the replica, once ctnas.citus_enable()
 * has made it a Citus table.  On a worker ctnas.models is not used (a model
 * written there would be seen nowhere): an error says where to write.
 */
PG_FUNCTION_INFO_V1(models_replicate);
Datum
models_replicate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	CtnasNode	node;
	TupleDesc	desc;
	Oid			owner;
	Oid			argtypes[2] = {TEXTOID, BYTEAOID};

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event))
		elog(ERROR, "models_replicate: not called as an AFTER trigger");
	SPI_connect();
	node = ctnas_citus_node();
	if (node == CTNAS_NODE_WORKER)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ctnas.models is changed on the coordinator of a Citus cluster"),
				 errdetail("Workers read the models the coordinator replicates to them.")));
	if (node == CTNAS_NODE_PLAIN)
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	desc = RelationGetDescr(td->tg_relation);
	owner = td->tg_relation->rd_rel->relowner;
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		replica_write(owner, psprintf("TRUNCATE %s.models_replica", ctnas_internal_schema()), 0, NULL, NULL);
	else
	{
		HeapTuple	old = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? NULL : td->tg_trigtuple;
		HeapTuple	new = TRIGGER_FIRED_BY_DELETE(td->tg_event) ? NULL :
			(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
		int			name_col = SPI_fnumber(desc, "name");
		int			weights_col = SPI_fnumber(desc, "weights");
		Datum		old_name = 0,
					new_name = 0,
					old_weights = 0,
					new_weights = 0;
		bool		isnull;

		if (name_col <= 0 || weights_col <= 0)
			elog(ERROR, "models_replicate: the table has no name or weights column");
		if (old != NULL)
		{
			old_name = SPI_getbinval(old, desc, name_col, &isnull);
			old_weights = SPI_getbinval(old, desc, weights_col, &isnull);
		}
		if (new != NULL)
		{
			new_name = SPI_getbinval(new, desc, name_col, &isnull);
			new_weights = SPI_getbinval(new, desc, weights_col, &isnull);
		}
		/* an update of other columns (owner, info) leaves the replica alone */
		if (old != NULL && new != NULL &&
			datumIsEqual(old_name, new_name, false, -1) && datumIsEqual(old_weights, new_weights, false, -1))
		{
			SPI_finish();
			return PointerGetDatum(NULL);
		}
		if (old != NULL && (new == NULL || !datumIsEqual(old_name, new_name, false, -1)))
			replica_write(owner, psprintf("DELETE FROM %s.models_replica WHERE name OPERATOR(pg_catalog.=) $1", ctnas_internal_schema()),
						  1, argtypes, &old_name);
		if (new != NULL)
		{
			Datum		args[2] = {new_name, new_weights};

			replica_write(owner, psprintf("INSERT INTO %s.models_replica AS r (name, weights) VALUES ($1, $2) "
										 "ON CONFLICT (name) DO UPDATE SET weights = EXCLUDED.weights", ctnas_internal_schema()),
						  2, argtypes, args);
		}
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
