/*
 * search_job_keys.c
 *	  The trigger that gives search jobs their keys: the id (which keys a
 *	  job's results) and the submission time (which orders the queue).
 *
 *	  A row inserted with an id keeps it (a restore, also by a plain role
 *	  restoring its own dump: its results name those ids), and the sequence
 *	  moves past it, so new jobs stay numbered after the restored ones.  A
 *	  row inserted without an id gets the sequence's next id that no row
 *	  holds: no role can make another's submits fail by taking the ids that
 *	  come next.  A role that is not a superuser gives ids up to 2^52 only,
 *	  so it cannot use up the sequence (2^63) for everyone.  Whether an id
 *	  is taken, and moving the sequence, is done as the table's owner, as
 *	  PostgreSQL's foreign-key triggers do: row-level security hides other
 *	  roles' jobs from the inserting role, and their ids count too.
 *
 *	  The queue is ordered by submission time, then id; a role that is not
 *	  a superuser cannot put a job in it with a time of its choosing: a
 *	  queued, running or waiting job it inserts, or an ended one it queues
 *	  again or sets waiting (which becomes queued when its trials are in),
 *	  is submitted now.  Ended jobs keep the time they were given (a
 *	  restored history).  An update never changes a job's id or (but for
 *	  that) its submission time.
 *
 *	  The trials of jobs whose architectures are trained elsewhere
 *	  (ctnas.search_trials) are keyed the same way by a sibling trigger:
 *	  ids from their own sequence, kept when given; claims go by proposal
 *	  time, which a role that is not a superuser cannot choose for an open
 *	  (proposed or claimed) trial it inserts or reopens.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "search_jobs.h"

PG_FUNCTION_INFO_V1(search_jobs_keys);
PG_FUNCTION_INFO_V1(search_trials_keys);

/* 2^52: far beyond any real number of jobs, far below the sequence's end */
#define PLAIN_ROLE_MAX_JOB_ID (INT64CONST(1) << 52)

/* Is id the id of a job, whoever owns it?  (Asked as the table's owner.) */
static bool
job_id_taken(Relation rel, int64 id)
{
	Oid			save_user;
	int			save_sec;
	bool		taken;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	char	   *sql = psprintf("SELECT 1 FROM %s.%s WHERE id OPERATOR(pg_catalog.=) $1",
							   quote_identifier(get_namespace_name(RelationGetNamespace(rel))),
							   quote_identifier(RelationGetRelationName(rel)));

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up id %lld", (long long) id);
	taken = SPI_processed > 0;
	SPI_finish();
	SetUserIdAndSecContext(save_user, save_sec);
	return taken;
}

/* Moves the sequence past a given id (as the table's owner: roles may only draw from it). */
static void
job_id_sequence_past(Relation rel, Oid seq, int64 id)
{
	Oid			save_user;
	int			save_sec;
	Oid			argtypes[2] = {REGCLASSOID, INT8OID};
	Datum		args[2] = {ObjectIdGetDatum(seq), Int64GetDatum(id)};

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT pg_catalog.setval($1, $2) FROM pg_catalog.pg_sequence_last_value($1) l"
							  " WHERE l IS NULL OR l OPERATOR(pg_catalog.<) $2",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not move the sequence of \"%s\"", RelationGetRelationName(rel));
	SPI_finish();
	SetUserIdAndSecContext(save_user, save_sec);
}

/* The sequence of the id column (owned by it; found through the table, not by a name). */
static Oid
job_id_sequence(Relation rel)
{
	List	   *seqs = getOwnedSequences(RelationGetRelid(rel));

	if (list_length(seqs) != 1)
		elog(ERROR, "table \"%s\" should own exactly one sequence", RelationGetRelationName(rel));
	return linitial_oid(seqs);
}

static int
attnum_of(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "table has no column \"%s\"", name);
	return 0;
}

static bool
status_is(HeapTuple tup, TupleDesc desc, int attnum, const char *const *states, int n)
{
	bool		isnull;
	Datum		v = heap_getattr(tup, attnum, desc, &isnull);
	char	   *s;

	if (isnull)
		return false;
	s = TextDatumGetCString(v);
	for (int i = 0; i < n; i++)
		if (strcmp(s, states[i]) == 0)
			return true;
	return false;
}

/*
 * What keys the rows of a table: search_jobs (submitted_at orders the queue)
 * and search_trials (proposed_at orders the claims).  A row in one of the
 * open statuses that a role that is not a superuser inserts, or that it
 * moves from an ended status into one of the requeue statuses, gets the
 * time of now.
 */
typedef struct KeyedTable
{
	const char *what;			/* "search job", in messages */
	const char *time_column;
	const char *const *open;	/* statuses of rows in the queue */
	int			nopen;
	const char *const *requeue; /* statuses an ended row re-enters the queue with */
	int			nrequeue;
	const char *const *ended;
	int			nended;
} KeyedTable;

static Datum
keys_trigger(FunctionCallInfo fcinfo, const KeyedTable *kt, const char *trigger_name)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tup;
	int			att_id,
				att_time,
				att_status;
	int			ncols = 0;
	int			cols[2];
	Datum		vals[2];
	bool		nulls[2] = {false, false};
	bool		plain;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "%s must be a BEFORE INSERT OR UPDATE row trigger", trigger_name);
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	att_id = attnum_of(desc, "id");
	att_time = attnum_of(desc, kt->time_column);
	att_status = attnum_of(desc, "status");
	plain = !superuser();

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		bool		isnull;

		tup = td->tg_newtuple;
		cols[ncols] = att_id;
		vals[ncols++] = heap_getattr(td->tg_trigtuple, att_id, desc, &isnull);
		cols[ncols] = att_time;
		if (plain && status_is(tup, desc, att_status, kt->requeue, kt->nrequeue) &&
			status_is(td->tg_trigtuple, desc, att_status, kt->ended, kt->nended))
			vals[ncols++] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		else
			vals[ncols++] = heap_getattr(td->tg_trigtuple, att_time, desc, &nulls[1]);
	}
	else
	{
		bool		isnull;
		Datum		given;
		Oid			seq = job_id_sequence(rel);

		tup = td->tg_trigtuple;
		given = heap_getattr(tup, att_id, desc, &isnull);
		if (!isnull)
		{
			int64		id = DatumGetInt64(given);

			if (plain && (id < 1 || id > PLAIN_ROLE_MAX_JOB_ID))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("%s id %lld is out of range", kt->what, (long long) id),
						 errdetail("A role that is not a superuser may give a %s an id from 1 to %lld.",
								   kt->what, (long long) PLAIN_ROLE_MAX_JOB_ID),
						 errhint("Leave the id out: new rows get one from the sequence.")));
			job_id_sequence_past(rel, seq, id);
		}
		else
		{
			int64		id;

			do
			{
				CHECK_FOR_INTERRUPTS();
				id = DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(seq)));
			} while (job_id_taken(rel, id));
			cols[ncols] = att_id;
			vals[ncols++] = Int64GetDatum(id);
		}
		if (plain && status_is(tup, desc, att_status, kt->open, kt->nopen))
		{
			cols[ncols] = att_time;
			vals[ncols++] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		}
	}
	if (ncols > 0)
		tup = heap_modify_tuple_by_cols(tup, desc, ncols, cols, vals, nulls);
	return PointerGetDatum(tup);
}

Datum
search_jobs_keys(PG_FUNCTION_ARGS)
{
	/* a waiting job is in the queue too: it becomes queued again, keeping its time, when its trials are in */
	static const char *const open[] = {"queued", "running", "waiting"};
	static const char *const requeue[] = {"queued", "waiting"};
	static const char *const ended[] = {"succeeded", "failed", "cancelled"};
	static const KeyedTable kt = {"search job", "submitted_at", open, lengthof(open),
	requeue, lengthof(requeue), ended, lengthof(ended)};

	return keys_trigger(fcinfo, &kt, "search_jobs_keys");
}

Datum
search_trials_keys(PG_FUNCTION_ARGS)
{
	static const char *const open[] = {"proposed", "claimed"};
	static const char *const ended[] = {"done", "failed", "cancelled"};
	static const KeyedTable kt = {"search trial", "proposed_at", open, lengthof(open),
	open, lengthof(open), ended, lengthof(ended)};

	return keys_trigger(fcinfo, &kt, "search_trials_keys");
}
