/*
 * search_job_state.c
 *	  The worker registry and the states of search jobs: which process is a
 *	  job's worker (read from the server's own process tables, never from a
 *	  row a user can write), how many workers run server-wide, starting one,
 *	  the status transitions, and what a job whose worker is gone becomes.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "ctnas_pg.h"
#include "search_jobs.h"

int			ctnas_max_search_workers = 4;

/* ---- SPI helpers ---- */

int64
job_spi_int64(const char *sql, int nargs, Oid *types, Datum *args, bool *isnull)
{
	bool		null = true;
	int64		v = 0;

	if (SPI_execute_with_args(sql, nargs, types, args, NULL, false, 1) < 0)
		elog(ERROR, "SPI failed: %s", sql);
	if (SPI_processed > 0)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null);

		if (!null)
			v = SPI_gettypeid(SPI_tuptable->tupdesc, 1) == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d);
	}
	if (isnull)
		*isnull = null;
	return v;
}

void
job_spi_exec(const char *sql, int nargs, Oid *types, Datum *args)
{
	if (SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0) < 0)
		elog(ERROR, "SPI failed: %s", sql);
}

/* ---- processes: read from shared memory, so every role sees the same ---- */

/* The backend-status entry of pid (a fresh read), or NULL. */
static PgBackendStatus *
backend_status_of(int pid)
{
	int			n;

	pgstat_clear_backend_activity_snapshot();
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *l = pgstat_fetch_stat_local_beentry(i);

		if (l != NULL && l->backendStatus.st_procpid == pid)
			return &l->backendStatus;
	}
	return NULL;
}

static bool
is_worker_of_type(int pid, const char *type)
{
	const char *t;

	if (pid <= 0)
		return false;
	/* the postmaster's worker slots know a worker from its fork to its exit */
	t = GetBackgroundWorkerTypeByPid(pid);
	return t != NULL && strcmp(t, type) == 0;
}

bool
job_worker_alive(int pid, TimestampTz start)
{
	PgBackendStatus *st;

	if (!is_worker_of_type(pid, WORKER_TYPE))
		return false;
	st = backend_status_of(pid);
	/* the same process (not a later one with the pid), and of this database, not a copy of it */
	return st != NULL && st->st_proc_start_timestamp == start && st->st_databaseid == MyDatabaseId;
}

/* Workers of a type in the server (db InvalidOid) or in one database. */
static int
count_workers(const char *type, Oid db)
{
	int			n,
				found = 0;

	pgstat_clear_backend_activity_snapshot();
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *l = pgstat_fetch_stat_local_beentry(i);

		if (l == NULL || l->backendStatus.st_backendType != B_BG_WORKER)
			continue;
		if (OidIsValid(db) && l->backendStatus.st_databaseid != db)
			continue;
		found += is_worker_of_type(l->backendStatus.st_procpid, type);
	}
	return found;
}

int
job_live_workers(void)
{
	return count_workers(WORKER_TYPE, InvalidOid);
}

bool
job_launcher_running(void)
{
	return count_workers(LAUNCHER_TYPE, MyDatabaseId) > 0;
}

/* ---- slots ---- */

/* An advisory-lock tag of no database: one lock for the whole server, apart from users' advisory locks. */
static void
slot_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, InvalidOid, 0x6374, 0x6e6173, 3);
}

void
job_slots_lock(void)
{
	LOCKTAG		tag;

	slot_tag(&tag);
	(void) LockAcquire(&tag, ExclusiveLock, true, false);
}

void
job_slots_unlock(void)
{
	LOCKTAG		tag;

	slot_tag(&tag);
	LockRelease(&tag, ExclusiveLock, true);
}

bool
job_start_worker(int64 job_id, int *pid_out, TimestampTz *start_out)
{
	BackgroundWorker w;
	BackgroundWorkerHandle *handle;
	JobWorkerArgs args;
	BgwHandleStatus st;
	pid_t		pid;
	TimestampTz deadline;

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	w.bgw_start_time = BgWorkerStart_RecoveryFinished;
	w.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(w.bgw_library_name, BGW_MAXLEN, "ctnas");
	snprintf(w.bgw_function_name, BGW_MAXLEN, "ctnas_search_worker_main");
	snprintf(w.bgw_name, BGW_MAXLEN, "ctnas search job " INT64_FORMAT, job_id);
	snprintf(w.bgw_type, BGW_MAXLEN, WORKER_TYPE);
	w.bgw_notify_pid = MyProcPid;
	args.job_id = job_id;
	args.dboid = MyDatabaseId;
	args.submit_xid = GetTopFullTransactionId();
	memcpy(w.bgw_extra, &args, sizeof(args));
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
		return false;
	st = WaitForBackgroundWorkerStartup(handle, &pid);
	if (st == BGWH_POSTMASTER_DIED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("cannot start a search worker without the postmaster"),
				 errhint("Kill all remaining database processes and restart the database.")));
	if (st != BGWH_STARTED)
		return false;

	/*
	 * Forked, but counted by the next submit only once it has a backend-status
	 * entry: wait for it (milliseconds), so the slot count stays exact.
	 */
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 30000);
	for (;;)
	{
		PgBackendStatus *bs = backend_status_of(pid);

		if (bs != NULL)
		{
			*start_out = bs->st_proc_start_timestamp;
			break;
		}
		if (!is_worker_of_type(pid, WORKER_TYPE) || GetCurrentTimestamp() >= deadline)
		{
			*start_out = 0;		/* it exited before it got one (its job stays queued) */
			break;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 5, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	*pid_out = (int) pid;
	return true;
}

/* ---- states ---- */

bool
job_transition(int64 id, const char *to, const char *error)
{
	Oid			types[4] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		args[4] = {Int64GetDatum(id), CStringGetTextDatum(to), (Datum) 0, (Datum) 0};
	char		nulls[4] = {' ', ' ', error ? ' ' : 'n', ' '};
	const char *from;

	if (strcmp(to, "running") == 0)
		from = "{queued}";
	else if (strcmp(to, "succeeded") == 0)
		from = "{running}";
	else if (strcmp(to, "failed") == 0 || strcmp(to, "cancelled") == 0)
		from = "{queued,running,waiting}";
	else if (strcmp(to, "waiting") == 0)
		from = "{running}";		/* its trials are out for training */
	else if (strcmp(to, "queued") == 0)
		from = "{waiting}";		/* its trials are all reported: a worker resumes it */
	else
		elog(ERROR, "unknown search job status \"%s\"", to);
	if (error)
		args[2] = CStringGetTextDatum(error);
	args[3] = CStringGetTextDatum(from);
	if (SPI_execute_with_args(ctnas_sql("UPDATE %1$s.search_jobs SET status = $2, error = $3,"
										" started_at = CASE WHEN $2 OPERATOR(pg_catalog.=) 'running'"
										"   THEN coalesce(started_at, pg_catalog.now()) ELSE started_at END,"
										" finished_at = CASE WHEN $2 OPERATOR(pg_catalog.=) ANY ('{succeeded,failed,cancelled}')"
										"   THEN pg_catalog.now() END"
										" WHERE id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) ANY ($4::pg_catalog.text[])"),
							  4, types, args, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not change the status of search job " INT64_FORMAT, id);
	return SPI_processed > 0;
}

bool
job_trials_open(int64 job_id)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job_id)};

	/* (every report asks: the first open trial answers, not a count of a batch of thousands) */
	return job_spi_int64(ctnas_sql("SELECT pg_catalog.count(*) FROM (SELECT 1 FROM %1$s.search_trials"
								   " WHERE job_id OPERATOR(pg_catalog.=) $1"
								   " AND status OPERATOR(pg_catalog.=) ANY ('{proposed,claimed}') LIMIT 1) s"),
						 1, types, args, NULL) > 0;
}

int
job_wake_waiting(void)
{
	/* (rows another session holds are left for the next pass: a report holding one wakes it itself) */
	if (SPI_execute(ctnas_sql("UPDATE %1$s.search_jobs SET status = 'queued', error = NULL"
							  " WHERE id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT j.id FROM %1$s.search_jobs j"
							  "  WHERE j.status OPERATOR(pg_catalog.=) 'waiting'"
							  "  AND NOT EXISTS (SELECT 1 FROM %1$s.search_trials t WHERE t.job_id OPERATOR(pg_catalog.=) j.id"
							  "                  AND t.status OPERATOR(pg_catalog.=) ANY ('{proposed,claimed}'))"
							  "  FOR UPDATE OF j SKIP LOCKED))"
							  " AND status OPERATOR(pg_catalog.=) 'waiting'"), false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not resume waiting search jobs");
	return (int) SPI_processed;
}

/* {"status": ..., "finished_at": now, "error": ...} as jsonb */
static Datum
stale_outcome(const char *status, const char *error)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"status\": ");
	escape_json(&b, status);
	if (strcmp(status, "queued") == 0)
		appendStringInfoString(&b, ", \"error\": null");
	else
	{
		appendStringInfoString(&b, ", \"finished_at\": ");
		escape_json(&b, timestamptz_to_str(GetCurrentTimestamp()));
		appendStringInfoString(&b, ", \"error\": ");
		escape_json(&b, error);
	}
	appendStringInfoChar(&b, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data));
}

/* A job's status and worker record, read afresh (a new snapshot: the function is volatile). */
typedef struct JobNow
{
	bool		found;
	char		status[16];
	bool		have_worker;
	int			pid;
	TimestampTz start;
	bool		same_server;
	bool		claimed;
} JobNow;

static JobNow
job_now(int64 id)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	JobNow		n;
	bool		isnull;

	memset(&n, 0, sizeof(n));
	if (SPI_execute_with_args(ctnas_sql("SELECT j.status, w.pid, w.backend_start,"
										" w.postmaster_start OPERATOR(pg_catalog.=) pg_catalog.pg_postmaster_start_time(), w.claimed"
										" FROM %1$s.search_jobs j LEFT JOIN %1$s.search_workers w ON w.job_id OPERATOR(pg_catalog.=) j.id"
										" WHERE j.id OPERATOR(pg_catalog.=) $1"),
							  1, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.search_jobs");
	if (SPI_processed > 0)
	{
		HeapTuple	t = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum		d;

		n.found = true;
		strlcpy(n.status, SPI_getvalue(t, desc, 1), sizeof(n.status));
		d = SPI_getbinval(t, desc, 2, &isnull);
		if (!isnull)
		{
			n.have_worker = true;
			n.pid = DatumGetInt32(d);
			n.start = DatumGetTimestampTz(SPI_getbinval(t, desc, 3, &isnull));
			n.same_server = DatumGetBool(SPI_getbinval(t, desc, 4, &isnull));
			n.claimed = DatumGetBool(SPI_getbinval(t, desc, 5, &isnull));
		}
	}
	return n;
}

/*
 * ctnas_internal.search_job_stale(job): what the row of a job whose worker is gone
 * should say ({} when nothing is wrong).  One definition, shown by
 * search_status and search_wait and written by recovery.
 *
 * The row the caller has may be older than the process table: a worker may
 * have recorded its outcome and exited since.  So the status and the
 * worker's record are read afresh, and a worker found gone is checked once
 * more against a snapshot taken after that: a process seen dead writes
 * nothing later, so what that snapshot shows is final.  A row that has
 * moved on since the caller's snapshot gets {} (its next read is right).
 */
PG_FUNCTION_INFO_V1(search_job_stale);
Datum
search_job_stale(PG_FUNCTION_ARGS)
{
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(0);
	bool		isnull;
	int64		id;
	char	   *status;
	bool		resume = false;
	JobNow		n;
	bool		alive;
	Datum		d;
	Datum		result;

	d = GetAttributeByName(row, "id", &isnull);
	if (isnull)
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	id = DatumGetInt64(d);
	d = GetAttributeByName(row, "status", &isnull);
	status = isnull ? "" : TextDatumGetCString(d);
	d = GetAttributeByName(row, "options", &isnull);
	if (!isnull)
	{
		Jsonb	   *o = DatumGetJsonbP(d);
		JsonbValue	key,
				   *v;

		key.type = jbvString;
		key.val.string.val = "resume";
		key.val.string.len = 6;
		v = findJsonbValueFromContainer(&o->root, JB_FOBJECT, &key);
		resume = v != NULL && v->type == jbvBool && v->val.boolean;
	}
	if (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0)
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

	SPI_connect();
	n = job_now(id);
	alive = n.have_worker && job_worker_alive(n.pid, n.start);
	if (n.found && !alive)
	{
		JobNow		again = job_now(id);

		/* the worker recorded something between the two reads: judge the later state */
		if (again.have_worker != n.have_worker || again.pid != n.pid || again.start != n.start)
			alive = again.have_worker && job_worker_alive(again.pid, again.start);
		n = again;
	}
	SPI_finish();

	result = (Datum) 0;
	if (!n.found || strcmp(n.status, status) != 0)
		result = (Datum) 0;		/* moved on (or gone) since the caller's snapshot */
	else if (strcmp(status, "running") == 0 && !alive)
	{
		if (resume)
			result = stale_outcome("queued", NULL);
		else if (!n.have_worker)
			result = stale_outcome("failed", "the job has no search worker (a restored copy of a database, or its worker's row was deleted)");
		else if (!n.same_server)
			result = stale_outcome("failed", psprintf("the server restarted while the job ran (worker pid %d)", n.pid));
		else
			result = stale_outcome("failed", psprintf("the search worker (pid %d) ended without recording an outcome: it was terminated, or the server restarted after a crash", n.pid));
	}
	else if (strcmp(status, "queued") == 0 && n.have_worker && !n.claimed && !alive)
		result = stale_outcome("failed", psprintf("the search worker (pid %d) exited before it took the job (see the server log)", n.pid));
	if (result == (Datum) 0)
		result = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	PG_RETURN_DATUM(result);
}

int
job_recover_stale(void)
{
	int			changed;

	/*
	 * search_job_stale once per row (LATERAL): written as
	 * (jsonb_populate_record(s, search_job_stale(s))).* it ran once per column,
	 * each call reading the worker's record and the process table again.
	 */
	if (SPI_execute(ctnas_sql("UPDATE %1$s.search_jobs j SET status = p.o OPERATOR(pg_catalog.->>) 'status',"
							  " error = p.o OPERATOR(pg_catalog.->>) 'error',"
							  " finished_at = (p.o OPERATOR(pg_catalog.->>) 'finished_at')::pg_catalog.timestamptz"
							  " FROM (SELECT s.id, x.o FROM %1$s.search_jobs s, LATERAL (SELECT %2$s.search_job_stale(s) AS o) x"
							  "       WHERE s.status OPERATOR(pg_catalog.=) ANY ('{queued,running}')"
							  "       AND x.o OPERATOR(pg_catalog.<>) '{}'"
							  /* (a row another session holds is left for the next pass: no one blocks recovery) */
							  "       FOR UPDATE OF s SKIP LOCKED) p"
							  " WHERE j.id OPERATOR(pg_catalog.=) p.id AND j.status OPERATOR(pg_catalog.=) ANY ('{queued,running}')"
							  " RETURNING j.id, j.status"), false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not record the outcome of stale search jobs");
	changed = (int) SPI_processed;
	/* (a job queued again keeps its dead worker's record until the next worker's claim replaces it) */
	return changed;
}

int
job_start_queued(void)
{
	volatile int started = 0;

	/* queued jobs asked to stop before any worker took them end here (rows others hold wait for the next pass) */
	SPI_execute(ctnas_sql("UPDATE %1$s.search_jobs SET status = 'cancelled', finished_at = pg_catalog.now()"
						  " WHERE id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT j.id FROM %1$s.search_jobs j"
						  "  WHERE j.status OPERATOR(pg_catalog.=) 'queued' AND j.cancel_requested"
						  "  AND NOT EXISTS (SELECT 1 FROM %1$s.search_workers w WHERE w.job_id OPERATOR(pg_catalog.=) j.id AND NOT w.claimed)"
						  "  FOR UPDATE OF j SKIP LOCKED))"),
				false, 0);
	job_slots_lock();
	PG_TRY();
	{
		int			free_slots = ctnas_max_search_workers - job_live_workers();

		/*
		 * Queued jobs with no worker: none recorded, or only the dead one of
		 * an earlier run (queued again to resume).  A worker the launcher
		 * started and that has not claimed yet counts as one.
		 */
		if (free_slots > 0)
		{
			uint64		n;
			int64	   *ids;
			bool	   *busy;

			if (SPI_execute(ctnas_sql("SELECT j.id, w.pid, w.backend_start FROM %1$s.search_jobs j"
									  " LEFT JOIN %1$s.search_workers w ON w.job_id OPERATOR(pg_catalog.=) j.id"
									  " WHERE j.status OPERATOR(pg_catalog.=) 'queued' AND NOT j.cancel_requested"
									  " AND (w.job_id IS NULL OR w.claimed)"
									  " AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) j.owner_oid)"
									  " ORDER BY j.submitted_at, j.id FOR UPDATE OF j SKIP LOCKED"), false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read queued search jobs");
			n = SPI_processed;
			ids = palloc(sizeof(int64) * Max(n, 1));
			busy = palloc(sizeof(bool) * Max(n, 1));
			for (uint64 i = 0; i < n; i++)
			{
				HeapTuple	t = SPI_tuptable->vals[i];
				TupleDesc	desc = SPI_tuptable->tupdesc;
				bool		isnull,
							nopid;
				Datum		pid;

				ids[i] = DatumGetInt64(SPI_getbinval(t, desc, 1, &isnull));
				pid = SPI_getbinval(t, desc, 2, &nopid);
				/* its recorded worker still runs (its owner set a running job back to queued): no second one */
				busy[i] = !nopid && job_worker_alive(DatumGetInt32(pid), DatumGetTimestampTz(SPI_getbinval(t, desc, 3, &isnull)));
			}
			for (uint64 i = 0; i < n && started < free_slots; i++)
			{
				int			pid;
				TimestampTz start;

				if (busy[i])
					continue;
				if (!job_start_worker(ids[i], &pid, &start))
					break;
				started++;
				if (start == 0)
					continue;
				/* (only the launcher and superusers may write this table; a plain role's worker records itself) */
				if (superuser())
				{
					Oid			t[3] = {INT8OID, INT4OID, TIMESTAMPTZOID};
					Datum		a[3] = {Int64GetDatum(ids[i]), Int32GetDatum(pid), TimestampTzGetDatum(start)};

					job_spi_exec(ctnas_sql("INSERT INTO %1$s.search_workers (job_id, pid, backend_start, postmaster_start)"
										   " VALUES ($1, $2, $3, pg_catalog.pg_postmaster_start_time())"
										   " ON CONFLICT (job_id) DO UPDATE SET pid = excluded.pid, backend_start = excluded.backend_start,"
										   " postmaster_start = excluded.postmaster_start, claimed = false"), 3, t, a);
				}
			}
		}
	}
	PG_FINALLY();
	{
		job_slots_unlock();
	}
	PG_END_TRY();
	return started;
}

/*
 * ctnas 0.1.0's search_worker_alive(pid, start): the 0.1.0 install script
 * (which the upgrade path runs first) still names it, but it told any role
 * the exact start of another role's worker.  0.2.0 drops the SQL function;
 * an old database that has not run ALTER EXTENSION UPDATE gets this error.
 */
PG_FUNCTION_INFO_V1(search_worker_alive);
Datum
search_worker_alive(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("ctnas.search_worker_alive was removed in ctnas 0.2.0"),
			 errhint("Run ALTER EXTENSION ctnas UPDATE.")));
	PG_RETURN_NULL();
}
