/*
 * citus.c
 *	  ctnas on a Citus cluster (citus.h): where models live, and the trigger
 *	  that makes each change of ctnas.models in the reference table workers
 *	  read.
 *
 * Why a replica and not ctnas.models itself as the reference table: a role's
 * OID differs between nodes, so rows bound to owners by OID (row-level
 * security, ctnas--0.1.0--0.2.0.sql) would mean other owners on other nodes,
 * and a placement copied to a new node would keep the source's OIDs.  So the
 * coordinator's ctnas.models decides who may change a model, as on a single
 * server, and the replica (name, owner's name, weights) follows it, bound to
 * owners by name, which Citus keeps the same on every node.
 *
 * The trigger writes the replica as the role that changed the model, never as
 * another: Citus connects to the workers as the current role and replays
 * there what that role's session set (citus.propagate_set_commands), so a
 * write made as the extension's owner would run the caller's settings and
 * functions as a superuser on every worker.  As the caller, the replica's own
 * row-level security applies to it, and its reads later in the transaction
 * go through the same connections and see the change.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/acl.h"
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

/* sql with args, as the current role; returns the rows it changed */
static uint64
replica_write(const char *sql, int nargs, Oid *argtypes, Datum *args)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);

	if (rc < 0)
		elog(ERROR, "could not write ctnas_internal.models_replica: SPI error %d", rc);
	return SPI_processed;
}

/* The replica's owner of a row of ctnas.models: its role's name ('' when it is nobody's). */
static Datum
owner_name(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	int			col = SPI_fnumber(desc, "owner_oid");
	Oid			owner;
	char	   *name;

	if (col <= 0)
		elog(ERROR, "models_replicate: ctnas.models has no owner_oid column");
	owner = DatumGetObjectId(SPI_getbinval(tuple, desc, col, &isnull));
	name = (isnull || !OidIsValid(owner)) ? NULL : GetUserNameFromId(owner, true);
	return DirectFunctionCall1(namein, CStringGetDatum(name ? name : ""));
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
	Oid			argtypes[3] = {TEXTOID, NAMEOID, BYTEAOID};
	const char *replica;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event))
		elog(ERROR, "models_replicate: not called as an AFTER trigger");
	/* (any role may attach a trigger function to a table of its own: only ctnas.models is read) */
	if (RelationGetRelid(td->tg_relation) != get_relname_relid("models", ctnas_schema_oid()))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("models_replicate is a trigger of ctnas.models only")));
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
	replica = ctnas_internal_schema();

	/*
	 * Workers read the replica in the query's own backend there: for the rest
	 * of this transaction, one connection per worker, the one that wrote the
	 * replica, so that its queries see the change (as on a single server).
	 */
	(void) set_config_option("citus.multi_shard_modify_mode", "sequential", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		replica_write(psprintf("TRUNCATE %s.models_replica", replica), 0, NULL, NULL);
	else
	{
		HeapTuple	old = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? NULL : td->tg_trigtuple;
		HeapTuple	new = TRIGGER_FIRED_BY_DELETE(td->tg_event) ? NULL :
			(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
		int			name_col = SPI_fnumber(desc, "name");
		int			weights_col = SPI_fnumber(desc, "weights");
		Datum		old_row[3] = {0},
					new_row[3] = {0};
		bool		isnull;

		if (name_col <= 0 || weights_col <= 0)
			elog(ERROR, "models_replicate: ctnas.models has no name or weights column");
		if (old != NULL)
		{
			old_row[0] = SPI_getbinval(old, desc, name_col, &isnull);
			old_row[1] = owner_name(old, desc);
			old_row[2] = SPI_getbinval(old, desc, weights_col, &isnull);
		}
		if (new != NULL)
		{
			new_row[0] = SPI_getbinval(new, desc, name_col, &isnull);
			new_row[1] = owner_name(new, desc);
			new_row[2] = SPI_getbinval(new, desc, weights_col, &isnull);
		}
		if (old != NULL && new != NULL &&
			DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, old_row[0], new_row[0])))
		{
			/* the same model: its owner or weights may have changed (and a lost row is made again) */
			if (!DatumGetBool(DirectFunctionCall2Coll(nameeq, C_COLLATION_OID, old_row[1], new_row[1])) ||
				!DatumGetBool(DirectFunctionCall2(byteaeq, old_row[2], new_row[2])))
			{
				if (replica_write(psprintf("UPDATE %s.models_replica SET owner = $2, weights = $3 "
										   "WHERE name OPERATOR(pg_catalog.=) $1", replica),
								  3, argtypes, new_row) == 0)
					replica_write(psprintf("INSERT INTO %s.models_replica (name, owner, weights) VALUES ($1, $2, $3)", replica),
								  3, argtypes, new_row);
			}
		}
		else
		{
			if (old != NULL)
				replica_write(psprintf("DELETE FROM %s.models_replica WHERE name OPERATOR(pg_catalog.=) $1", replica),
							  1, argtypes, old_row);
			if (new != NULL)
				replica_write(psprintf("INSERT INTO %s.models_replica (name, owner, weights) VALUES ($1, $2, $3)", replica),
							  3, argtypes, new_row);
		}
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* ctnas_internal.is_member_of(role name): pg_has_role(role, 'MEMBER'), false when no role has the name */
PG_FUNCTION_INFO_V1(ctnas_is_member_of);
Datum
ctnas_is_member_of(PG_FUNCTION_ARGS)
{
	Oid			role = get_role_oid(NameStr(*PG_GETARG_NAME(0)), true);

	PG_RETURN_BOOL(OidIsValid(role) && is_member_of_role(GetUserId(), role));
}
