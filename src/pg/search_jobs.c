/*
 * search_jobs.c
 *	  Searches as background-worker jobs: search_submit, search_cancel,
 *	  search_status, search_wait, search_schedule, the job worker and the
 *	  launcher (with ctnas in shared_preload_libraries: queue, schedules,
 *	  recovery after a restart).
 *
 * The job row is the only channel: the worker finds everything it needs
 * there, commits its progress and results between steps, and polls
 * cancel_requested.  A worker that dies by a signal leaves its row
 * 'running' under an old postmaster start time; whoever looks next (the
 * launcher, submit, status, wait) marks it failed, or queues it again when
 * the job asked to resume.
 */
#include "search_pg.h"

#include <limits.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/procarray.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PGDLLEXPORT void ctnas_search_worker_main(Datum arg);
PGDLLEXPORT void ctnas_launcher_main(Datum arg);

#define WORKER_TYPE		"ctnas search worker"
#define LAUNCHER_TYPE	"ctnas launcher"
#define FLUSH_MS		250		/* progress, results and cancel checks at least this often */
#define CHECKPOINT_MS	5000	/* checkpoints (jobs with "resume": true) at most this often */

static int	max_search_workers = 4;
static char *launcher_database = NULL;

/* What a job worker is told; the rest is in its row. */
typedef struct JobWorkerArgs
{
	int64		job_id;
	Oid			dboid;
	Oid			loginoid;		/* connects as this role (the submitter's session user) */
	Oid			roleoid;		/* then runs as this one (the job's owner), as SET ROLE would */
	FullTransactionId submit_xid;	/* the worker starts once this transaction has ended */
} JobWorkerArgs;

void
ctnas_search_jobs_init(void)
{
	DefineCustomIntVariable("ctnas.max_search_workers",
							"Search jobs that may run at the same time (in the whole server).",
							"A submit beyond it waits in the queue (with the launcher) or fails.",
							&max_search_workers, 4, 0, 1024, PGC_SIGHUP, 0, NULL, NULL, NULL);
	/* the launcher and its setting exist only when preloaded (a PGC_POSTMASTER setting cannot be made later) */
	if (process_shared_preload_libraries_in_progress && !IsBinaryUpgrade)
	{
		BackgroundWorker w;

		DefineCustomStringVariable("ctnas.launcher_database",
								   "The database whose search jobs and schedules the ctnas launcher serves.",
								   "The launcher runs when ctnas is in shared_preload_libraries.",
								   &launcher_database, "postgres", PGC_POSTMASTER, 0, NULL, NULL, NULL);

		memset(&w, 0, sizeof(w));
		w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		w.bgw_start_time = BgWorkerStart_RecoveryFinished;
		w.bgw_restart_time = 1;
		snprintf(w.bgw_library_name, BGW_MAXLEN, "ctnas");
		snprintf(w.bgw_function_name, BGW_MAXLEN, "ctnas_launcher_main");
		snprintf(w.bgw_name, BGW_MAXLEN, LAUNCHER_TYPE);
		snprintf(w.bgw_type, BGW_MAXLEN, LAUNCHER_TYPE);
		RegisterBackgroundWorker(&w);
	}
}

/* ---- helpers (inside a transaction, SPI connected) --------------------------- */

static int64
spi_int64(const char *sql, int nargs, Oid *types, Datum *args, bool *isnull)
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

/* Live search workers in the whole server (pg_stat_activity, freshly read). */
static int
live_workers(void)
{
	pgstat_clear_backend_activity_snapshot();
	return (int) spi_int64("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = '" WORKER_TYPE "'",
						   0, NULL, NULL, NULL);
}

static bool
launcher_serves_this_database(void)
{
	pgstat_clear_backend_activity_snapshot();
	return spi_int64("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = '" LAUNCHER_TYPE "'"
					 " AND datname = current_database()", 0, NULL, NULL, NULL) > 0;
}

/*
 * Starts a worker for a job; false when no slot could be had (the caller
 * decides whether that is an error).  The worker waits for the current
 * transaction to end.
 */
static bool
start_worker(int64 job_id, Oid loginoid, Oid roleoid, pid_t *pid)
{
	BackgroundWorker w;
	BackgroundWorkerHandle *handle;
	JobWorkerArgs args;
	BgwHandleStatus st;

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
	args.loginoid = loginoid;
	args.roleoid = roleoid;
	args.submit_xid = GetTopFullTransactionId();
	memcpy(w.bgw_extra, &args, sizeof(args));
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
		return false;
	st = WaitForBackgroundWorkerStartup(handle, pid);
	if (st == BGWH_POSTMASTER_DIED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("cannot start a search worker without the postmaster"),
				 errhint("Kill all remaining database processes and restart the database.")));
	return st == BGWH_STARTED;
}

/*
 * Jobs left 'running' (or 'queued' with a worker) by an earlier server
 * life: failed, or queued again when they asked to resume.  Runs with the
 * caller's row visibility (a role fixes its own; the launcher all).
 * Returns how many were queued again.
 */
static int
recover_stale_jobs(void)
{
	int			requeued = 0;

	/* one definition of "stale" (ctnas.search_job_stale), shared with what status and wait show */
	if (SPI_execute("UPDATE ctnas.search_jobs j SET status = p.status, error = p.error, finished_at = p.finished_at,"
					" worker_pid = p.worker_pid, worker_start = p.worker_start, postmaster_start = p.postmaster_start"
					" FROM (SELECT (pg_catalog.jsonb_populate_record(s, ctnas.search_job_stale(s))).*"
					"       FROM ctnas.search_jobs s WHERE s.status IN ('queued', 'running')"
					"       AND ctnas.search_job_stale(s) <> '{}') p"
					" WHERE j.id = p.id RETURNING p.status", false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not record the outcome of stale search jobs");
	for (uint64 i = 0; i < SPI_processed; i++)
		requeued += strcmp(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1), "queued") == 0;
	return requeued;
}

/*
 * Whether a ctnas search worker with this pid (and backend start time,
 * unless start is 0) runs.  Read from shared memory: no pg_stat_activity
 * privileges needed.
 */
static bool
worker_alive(int pid, TimestampTz start)
{
	const char *type;

	/*
	 * The postmaster's worker slots know a worker from its fork to its exit
	 * (a PGPROC or a pg_stat_activity row comes only a little later).
	 */
	if (pid <= 0)
		return false;
	type = GetBackgroundWorkerTypeByPid(pid);
	if (type == NULL || strcmp(type, WORKER_TYPE) != 0)
		return false;
	if (start != 0)
	{
		int			n;

		pgstat_clear_backend_activity_snapshot();
		n = pgstat_fetch_stat_numbackends();
		for (int i = 1; i <= n; i++)
		{
			LocalPgBackendStatus *l = pgstat_fetch_stat_local_beentry(i);

			if (l != NULL && l->backendStatus.st_procpid == pid)
				return l->backendStatus.st_proc_start_timestamp == start;
		}
		return false;
	}
	return true;
}

PG_FUNCTION_INFO_V1(search_worker_alive);
Datum
search_worker_alive(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(worker_alive(PG_GETARG_INT32(0), PG_ARGISNULL(1) ? 0 : PG_GETARG_TIMESTAMPTZ(1)));
}

/*
 * Starts workers for queued jobs without one (postmaster_start NULL), oldest
 * first, while slots are free.  Returns how many it started.
 */
static int
start_queued_jobs(void)
{
	int			started = 0;
	int			free_slots = max_search_workers - live_workers();
	uint64		n;
	int64	   *ids;
	Oid		   *roles;
	Oid		   *logins;

	/* queued jobs asked to stop before they started end here */
	SPI_execute("UPDATE ctnas.search_jobs SET status = 'cancelled', finished_at = pg_catalog.now()"
				" WHERE status = 'queued' AND cancel_requested AND postmaster_start IS NULL", false, 0);
	if (free_slots <= 0)
		return 0;
	if (SPI_execute("SELECT j.id, r.oid, l.oid FROM ctnas.search_jobs j JOIN pg_catalog.pg_roles r ON r.rolname = j.owner"
					" JOIN pg_catalog.pg_roles l ON l.rolname = j.session_role"
					" WHERE j.status = 'queued' AND j.postmaster_start IS NULL AND NOT j.cancel_requested"
					" ORDER BY j.id FOR UPDATE OF j SKIP LOCKED", false, free_slots) != SPI_OK_SELECT)
		elog(ERROR, "could not read queued search jobs");
	n = SPI_processed;
	ids = palloc(sizeof(int64) * Max(n, 1));
	roles = palloc(sizeof(Oid) * Max(n, 1));
	logins = palloc(sizeof(Oid) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		logins[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		roles[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	for (uint64 i = 0; i < n; i++)
	{
		pid_t		pid;

		if (!start_worker(ids[i], logins[i], roles[i], &pid))
			break;
		{
			Oid			t2[2] = {INT8OID, INT4OID};
			Datum		a2[2] = {Int64GetDatum(ids[i]), Int32GetDatum((int32) pid)};

			SPI_execute_with_args("UPDATE ctnas.search_jobs SET postmaster_start = pg_catalog.pg_postmaster_start_time(),"
								  " worker_pid = $2 WHERE id = $1", 2, t2, a2, NULL, false, 0);
		}
		started++;
	}
	return started;
}

static void signal_worker_at_commit(int pid, TimestampTz start);

/* ---- SQL functions -------------------------------------------------------------- */

/* Checks what a job or schedule asks for; the oracle resolved (a worker has another search_path). */
static char *
job_request(const char *oracle, int32 budget, Jsonb *options, SearchMethod method, SearchOptions *so)
{
	search_check_budget(budget);
	*so = search_split_options(options, method, true);
	return search_resolve_oracle(oracle, so);
}

PG_FUNCTION_INFO_V1(search_submit);
Datum
search_submit(PG_FUNCTION_ARGS)
{
	char	   *oracle = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		budget = PG_GETARG_INT32(1);
	Jsonb	   *options = PG_GETARG_JSONB_P(2);
	char	   *method_name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	SearchMethod method = search_method_from_name(method_name);
	SearchOptions so;
	char	   *resolved;
	ct_oracle	o;
	int64		job_id;
	Oid			types[5] = {TEXTOID, TEXTOID, INT4OID, JSONBOID, BOOLOID};
	Datum		args[5];
	bool		queue_only;
	pid_t		pid;
	ct_error	err;

	resolved = job_request(oracle, budget, options, method, &so);
	/* checked in full now, with the core's own start conditions, so the job does not fail for it later */
	search_load_oracle(resolved, &so, search_archgraph_oid(), &o);
	if (method == SEARCH_CTNAS && !ct_ctnas_check_sizes(budget, o.n, &err))
		ct_report_error(&err, "search", NULL);
	if (method == SEARCH_CTNAS)
		search_check_memory(&so.ctnas, budget, o.n, so.model != NULL);
	ct_oracle_free(&o);

	SPI_connect();
	recover_stale_jobs();
	/* one submit at a time counts the slots, until its transaction ends */
	SPI_execute("SELECT pg_catalog.pg_advisory_xact_lock(-7160381, 1)", false, 0);
	queue_only = live_workers() >= max_search_workers;
	if (queue_only && !launcher_serves_this_database())
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("all %d search worker slots are busy", max_search_workers),
				 errdetail("No job was recorded."),
				 errhint("Wait for a job to end, raise ctnas.max_search_workers, or put ctnas in shared_preload_libraries so that the launcher queues jobs.")));
	args[0] = CStringGetTextDatum(method_name);
	args[1] = CStringGetTextDatum(resolved);
	args[2] = Int32GetDatum(budget);
	args[3] = JsonbPGetDatum(options);
	args[4] = BoolGetDatum(!queue_only);
	job_id = spi_int64("INSERT INTO ctnas.search_jobs (method, oracle, budget, options, submit_xid, postmaster_start, search_path)"
					   " VALUES ($1, $2, $3, $4, pg_catalog.pg_current_xact_id(),"
					   " CASE WHEN $5 THEN pg_catalog.pg_postmaster_start_time() END,"
					   " pg_catalog.current_setting('search_path')) RETURNING id",
					   5, types, args, NULL);
	if (!queue_only)
	{
		Oid			t2[2] = {INT8OID, INT4OID};
		Datum		a2[2];

		if (!start_worker(job_id, GetSessionUserId(), GetUserId(), &pid))
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("could not start a background worker for the search job"),
					 errdetail("No job was recorded."),
					 errhint("All background worker slots may be in use: raise max_worker_processes, or wait.")));
		a2[0] = Int64GetDatum(job_id);
		a2[1] = Int32GetDatum((int32) pid);
		SPI_execute_with_args("UPDATE ctnas.search_jobs SET worker_pid = $2 WHERE id = $1", 2, t2, a2, NULL, false, 0);
	}
	SPI_finish();
	PG_RETURN_INT64(job_id);
}

PG_FUNCTION_INFO_V1(search_cancel);
Datum
search_cancel(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	bool		isnull;
	int64		found;
	bool		changed;

	SPI_connect();
	found = spi_int64("SELECT 1 FROM ctnas.search_jobs WHERE id = $1", 1, types, args, &isnull);
	if (isnull || found != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("search job " INT64_FORMAT " does not exist", id)));
	/* a queued job without a worker ends now; a worker sees the flag within FLUSH_MS */
	SPI_execute_with_args("UPDATE ctnas.search_jobs SET status = 'cancelled', cancel_requested = true,"
						  " finished_at = pg_catalog.now() WHERE id = $1 AND status = 'queued' AND postmaster_start IS NULL",
						  1, types, args, NULL, false, 0);
	changed = SPI_processed > 0;
	SPI_execute_with_args("UPDATE ctnas.search_jobs SET cancel_requested = true"
						  " WHERE id = $1 AND status IN ('queued', 'running') RETURNING worker_pid, worker_start",
						  1, types, args, NULL, false, 0);
	changed = changed || SPI_processed > 0;
	if (SPI_processed > 0)
	{
		bool		null_start;
		Datum		pid = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		Datum		start = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &null_start);

		/* a step can take seconds (ranking every cell): interrupt it once the cancel is committed */
		if (!isnull && !null_start)
			signal_worker_at_commit(DatumGetInt32(pid), DatumGetTimestampTz(start));
	}
	SPI_finish();
	PG_RETURN_BOOL(changed);
}

/* The job's row as the search_jobs composite; an error if the role cannot see it. */
static Datum
job_row(int64 id, bool *ended)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args("SELECT r, (r).status NOT IN ('queued', 'running') FROM"
							  " (SELECT pg_catalog.jsonb_populate_record(j, ctnas.search_job_stale(j)) AS r"
							  "  FROM ctnas.search_jobs j WHERE id = $1) x",
							  1, types, args, NULL, false, 1) != SPI_OK_SELECT)	/* not read-only: a new snapshot each time */
		elog(ERROR, "could not read ctnas.search_jobs");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("search job " INT64_FORMAT " does not exist", id)));
	*ended = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return SPI_datumTransfer(d, false, -1);
}

PG_FUNCTION_INFO_V1(search_status);
Datum
search_status(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	bool		ended;
	Datum		row;

	SPI_connect();
	row = job_row(id, &ended);
	SPI_finish();
	PG_RETURN_DATUM(row);
}

PG_FUNCTION_INFO_V1(search_recover);
Datum
search_recover(PG_FUNCTION_ARGS)
{
	int			changed;

	SPI_connect();
	changed = recover_stale_jobs();
	if (!launcher_serves_this_database())
		changed += start_queued_jobs();
	SPI_finish();
	PG_RETURN_INT32(changed);
}

PG_FUNCTION_INFO_V1(search_wait);
Datum
search_wait(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	Interval   *timeout = PG_GETARG_INTERVAL_P(1);
	TimestampTz deadline;
	bool		ended = false;
	Datum		row;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("search_wait needs READ COMMITTED"),
				 errdetail("Under a transaction snapshot it would never see the job change.")));
	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(GetCurrentTimestamp()),
													   IntervalPGetDatum(timeout)));
	for (;;)
	{
		/* read-only: a stale row is shown with its outcome, which others (submit, recover, the launcher) write */
		SPI_connect();
		row = job_row(id, &ended);
		SPI_finish();
		if (ended || GetCurrentTimestamp() >= deadline)
			break;
		pfree(DatumGetPointer(row));
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_DATUM(row);
}

PG_FUNCTION_INFO_V1(search_schedule);
Datum
search_schedule(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Interval   *every = PG_GETARG_INTERVAL_P(1);
	char	   *oracle = text_to_cstring(PG_GETARG_TEXT_PP(2));
	int32		budget = PG_GETARG_INT32(3);
	Jsonb	   *options = PG_GETARG_JSONB_P(4);
	char	   *method_name = text_to_cstring(PG_GETARG_TEXT_PP(5));
	SearchMethod method = search_method_from_name(method_name);
	SearchOptions so;
	char	   *resolved;
	Oid			types[6] = {TEXTOID, INTERVALOID, TEXTOID, TEXTOID, INT4OID, JSONBOID};
	Datum		args[6];
	bool		served;

	if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(every),
										 DirectFunctionCall3(interval_in, CStringGetDatum("1 second"),
															 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a schedule's interval must be at least 1 second")));
	resolved = job_request(oracle, budget, options, method, &so);
	args[0] = CStringGetTextDatum(name);
	args[1] = IntervalPGetDatum(every);
	args[2] = CStringGetTextDatum(method_name);
	args[3] = CStringGetTextDatum(resolved);
	args[4] = Int32GetDatum(budget);
	args[5] = JsonbPGetDatum(options);
	SPI_connect();
	if (SPI_execute_with_args("INSERT INTO ctnas.search_schedules (name, every, method, oracle, budget, options, next_run_at, search_path)"
							  " VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.now(), pg_catalog.current_setting('search_path'))",
							  6, types, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into ctnas.search_schedules");
	served = launcher_serves_this_database();
	SPI_finish();
	if (!served)
		ereport(NOTICE,
				(errmsg("no ctnas launcher is running, so the schedule will not fire until one is"),
				 errhint("Add ctnas to shared_preload_libraries and set ctnas.launcher_database to this database, or use pg_cron with ctnas.search_submit.")));
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/* ---- cancel: signal the job's worker once the cancel commits ------------------ */

/* workers to signal at commit, with the subtransaction level of the cancel (a cancel rolled back with its savepoint signals nobody) */
typedef struct WorkerRef
{
	int			pid;
	TimestampTz start;
	int			level;
} WorkerRef;

static List *pids_to_signal = NIL;
static bool xact_callback_registered = false;

static void
signal_at_commit(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT)
	{
		ListCell   *lc;

		/* the worker sees cancel_requested once its CHECK_FOR_INTERRUPTS raises the cancel */
		foreach(lc, pids_to_signal)
		{
			WorkerRef  *w = lfirst(lc);

			/* the row is the user's to write: signal only the very worker it names, still running */
			if (worker_alive(w->pid, w->start))
				(void) kill((pid_t) w->pid, SIGINT);
		}
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		pids_to_signal = NIL;	/* its memory goes with the transaction */
}

static void
forget_at_subabort(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;
	int			level = GetCurrentTransactionNestLevel();

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	foreach(lc, pids_to_signal)
	{
		if (((WorkerRef *) lfirst(lc))->level >= level)
			pids_to_signal = foreach_delete_current(pids_to_signal, lc);
	}
}

static void
signal_worker_at_commit(int pid, TimestampTz start)
{
	MemoryContext old;
	WorkerRef  *entry;

	if (!xact_callback_registered)
	{
		RegisterXactCallback(signal_at_commit, NULL);
		RegisterSubXactCallback(forget_at_subabort, NULL);
		xact_callback_registered = true;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	entry = palloc(sizeof(WorkerRef));
	entry->pid = pid;
	entry->start = start;
	entry->level = GetCurrentTransactionNestLevel();
	pids_to_signal = lappend(pids_to_signal, entry);
	MemoryContextSwitchTo(old);
}

/* ---- the job worker ------------------------------------------------------------------ */

typedef struct Job
{
	int64		id;
	SearchMethod method;
	char	   *oracle;
	int32		budget;
	char	   *search_path;	/* the submitter's, for a query oracle */
	SearchOptions so;
	bytea	   *checkpoint;		/* to resume from, or NULL */
	ct_oracle	o;
	ct_budget	b;
	ct_ctnas_search *s;
	int			flushed;		/* queried cells already in search_results */
	TimestampTz started;
	TimestampTz last_checkpoint;
	bool		time_limit_hit;
	MemoryContext cxt;			/* lives across the job's transactions */
} Job;

static Job job;

static void
begin_tx(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
	/* DROP EXTENSION while the job ran: stop quietly, there is nothing left to record into */
	if (!OidIsValid(get_extension_oid("ctnas", true)))
	{
		ereport(LOG,
				(errmsg("ctnas search job " INT64_FORMAT " stopped: the extension was dropped", job.id)));
		SPI_finish();
		PopActiveSnapshot();
		AbortCurrentTransaction();
		proc_exit(0);
	}
}

static void
end_tx(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

static void
job_exec(const char *sql, int nargs, Oid *types, Datum *args)
{
	if (SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0) < 0)
		elog(ERROR, "SPI failed: %s", sql);
}

/* Inserts queried cells flushed .. used into search_results. */
static void
flush_results(void)
{
	int			n = job.b.used - job.flushed;
	Datum	   *steps,
			   *archs,
			   *accs;
	Oid			types[4] = {INT8OID, INT4ARRAYOID, 0, FLOAT8ARRAYOID};
	Datum		args[4];

	if (n <= 0)
		return;
	types[2] = get_array_type(search_archgraph_oid());
	steps = palloc(sizeof(Datum) * n);
	archs = palloc(sizeof(Datum) * n);
	accs = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		int64_t		row = job.b.log[job.flushed + i];

		steps[i] = Int32GetDatum(job.flushed + i + 1);
		archs[i] = PointerGetDatum(archgraph_encode(&job.o.cells[row]));
		accs[i] = Float8GetDatum(job.o.acc[row]);
	}
	args[0] = Int64GetDatum(job.id);
	args[1] = PointerGetDatum(construct_array(steps, n, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(archs, n, search_archgraph_oid(), -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_array(accs, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	job_exec("INSERT INTO ctnas.search_results (job_id, step, arch, acc, final, queries)"
			 " SELECT $1, s, a, c, false, s FROM unnest($2, $3, $4) AS u(s, a, c)", 4, types, args);
	job.flushed = job.b.used;
}

static void
write_progress(void)
{
	ct_ctnas_progress p;
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		args[2];
	char	   *json;
	int64_t		best = ct_budget_best(&job.b);

	if (job.s != NULL)
		ct_ctnas_get_progress(job.s, &p);
	else
	{
		memset(&p, 0, sizeof(p));
		p.phase = job.b.used >= job.budget ? "done" : "search";
		p.queries = job.b.used;
	}
	json = psprintf("{\"steps\": " INT64_FORMAT ", \"phase\": \"%s\", \"iteration\": " INT64_FORMAT
					", \"queries\": %d%s}", (int64) p.steps, p.phase, (int64) p.iteration, p.queries,
					best >= 0 ? psprintf(", \"best_acc\": %.17g", job.o.acc[best]) : "");
	args[0] = Int64GetDatum(job.id);
	args[1] = CStringGetTextDatum(json);
	job_exec("UPDATE ctnas.search_jobs SET progress = $2::jsonb WHERE id = $1", 2, types, args);
}

/* Between steps: cancel and time limit, progress, new results, a checkpoint now and then. */
static void
job_flush(void)
{
	Oid			types[2] = {INT8OID, BYTEAOID};
	Datum		args[2] = {Int64GetDatum(job.id)};
	bool		isnull;
	TimestampTz now = GetCurrentTimestamp();

	begin_tx("ctnas search job: saving progress");
	if (spi_int64("SELECT cancel_requested::int4 FROM ctnas.search_jobs WHERE id = $1", 1, types, args, &isnull) == 1)
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("the search job was cancelled")));
	if (job.so.time_limit > 0 && TimestampDifferenceExceeds(job.started, now, (int) Min(job.so.time_limit * 1000, INT_MAX)))
	{
		job.time_limit_hit = true;
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("the search job exceeded its time limit of %g s", job.so.time_limit)));
	}
	write_progress();
	flush_results();
	if (job.so.resume && job.s != NULL &&
		TimestampDifferenceExceeds(job.last_checkpoint, now, CHECKPOINT_MS))
	{
		size_t		len;
		uint8_t    *state;
		bytea	   *blob;
		MemoryContext old = MemoryContextSwitchTo(job.cxt);

		state = ct_ctnas_save(job.s, &len);
		MemoryContextSwitchTo(old);
		blob = palloc(VARHDRSZ + len);
		SET_VARSIZE(blob, VARHDRSZ + len);
		memcpy(VARDATA(blob), state, len);
		pfree(state);
		args[1] = PointerGetDatum(blob);
		job_exec("INSERT INTO ctnas.search_checkpoints (job_id, state) VALUES ($1, $2)"
				 " ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, saved_at = pg_catalog.now()",
				 2, types, args);
		job.last_checkpoint = now;
	}
	end_tx();
}

/* The final rows, the saved model, succeeded. */
static void
job_finish(void)
{
	Oid			types[5] = {INT8OID, FLOAT8ARRAYOID, 0, FLOAT8OID, INT4OID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	ct_graph	cell;
	int64_t		row;
	double		score = NAN;
	bool		have_final;

	begin_tx("ctnas search job: finishing");
	write_progress();
	flush_results();
	args[0] = Int64GetDatum(job.id);
	types[2] = search_archgraph_oid();
	if (job.s != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(job.cxt);
		ct_graph   *cells = palloc(sizeof(ct_graph) * Max(job.b.used, 1));
		double	   *scores = palloc(sizeof(double) * Max(job.b.used, 1));
		Datum	   *d = palloc(sizeof(Datum) * Max(job.b.used, 1));
		bool	   *dn = palloc(sizeof(bool) * Max(job.b.used, 1));
		int			dims[1] = {job.b.used};
		int			lbs[1] = {1};

		for (int i = 0; i < job.b.used; i++)
			cells[i] = job.o.cells[job.b.log[i]];
		ct_ctnas_score(job.s, cells, job.b.used, scores);
		have_final = ct_ctnas_final(job.s, &cell, &row, &score);
		MemoryContextSwitchTo(old);
		for (int i = 0; i < job.b.used; i++)
		{
			d[i] = Float8GetDatum(scores[i]);
			dn[i] = isnan(scores[i]);
		}
		args[1] = PointerGetDatum(construct_md_array(d, dn, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		job_exec("UPDATE ctnas.search_results r SET nac_score = ($2)[r.step] WHERE r.job_id = $1 AND NOT r.final",
				 2, types, args);
	}
	else
	{
		row = ct_budget_best(&job.b);
		have_final = row >= 0;
		if (have_final)
			cell = job.o.cells[row];
	}
	if (have_final)
	{
		args[1] = (Datum) 0;
		nulls[1] = 'n';
		args[2] = PointerGetDatum(archgraph_encode(&cell));
		args[3] = Float8GetDatum(row >= 0 ? job.o.acc[row] : 0);
		nulls[3] = row >= 0 ? ' ' : 'n';
		args[4] = Int32GetDatum(job.b.used);
		if (job.s != NULL && !isnan(score))
		{
			args[1] = Float8GetDatum(score);
			nulls[1] = ' ';
		}
		types[1] = FLOAT8OID;
		if (SPI_execute_with_args("INSERT INTO ctnas.search_results (job_id, step, arch, acc, final, queries, nac_score)"
								  " VALUES ($1, NULL, $3, $4, true, $5, $2)", 5, types, args, nulls, false, 0) < 0)
			elog(ERROR, "could not insert the final row");
	}
	if (job.s != NULL && job.so.save_model != NULL)
		search_save_model(job.s, job.so.save_model);
	job_exec("DELETE FROM ctnas.search_checkpoints WHERE job_id = $1", 1, types, args);
	job_exec("UPDATE ctnas.search_jobs SET status = 'succeeded', finished_at = pg_catalog.now() WHERE id = $1",
			 1, types, args);
	end_tx();
}

/* Claims the job: false (and the worker exits quietly) if it is not there or not queued. */
static bool
job_claim(void)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job.id)};
	bool		isnull;
	MemoryContext old;
	HeapTuple	tup;
	TupleDesc	desc;
	char	   *status;
	Datum		d;

	begin_tx("ctnas search job: starting");
	if (SPI_execute_with_args("SELECT j.method, j.oracle, j.budget, j.options, j.status, j.cancel_requested, c.state, j.search_path"
							  " FROM ctnas.search_jobs j LEFT JOIN ctnas.search_checkpoints c ON c.job_id = j.id"
							  " WHERE j.id = $1 FOR UPDATE OF j", 1, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the search job");
	if (SPI_processed == 0)
	{
		/* the submitting transaction rolled back (or the job was deleted) */
		end_tx();
		return false;
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	status = SPI_getvalue(tup, desc, 5);
	if (strcmp(status, "queued") != 0)
	{
		end_tx();
		return false;
	}
	if (DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull)))
	{
		job_exec("UPDATE ctnas.search_jobs SET status = 'cancelled', finished_at = pg_catalog.now() WHERE id = $1",
				 1, types, args);
		end_tx();
		return false;
	}
	old = MemoryContextSwitchTo(job.cxt);
	job.method = search_method_from_name(SPI_getvalue(tup, desc, 1));
	job.oracle = SPI_getvalue(tup, desc, 2);
	job.budget = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	d = SPI_getbinval(tup, desc, 4, &isnull);
	job.so = search_split_options(DatumGetJsonbPCopy(d), job.method, true);
	d = SPI_getbinval(tup, desc, 7, &isnull);
	job.checkpoint = isnull || !job.so.resume ? NULL : DatumGetByteaPCopy(d);
	job.search_path = SPI_getvalue(tup, desc, 8);
	MemoryContextSwitchTo(old);
	{
		Oid			t2[2] = {INT8OID, TIMESTAMPTZOID};
		Datum		a2[2] = {Int64GetDatum(job.id), TimestampTzGetDatum(MyStartTimestamp)};

		job_exec("UPDATE ctnas.search_jobs SET status = 'running', worker_pid = pg_catalog.pg_backend_pid(),"
				 " worker_start = $2, started_at = coalesce(started_at, pg_catalog.now()), error = NULL,"
				 " postmaster_start = pg_catalog.pg_postmaster_start_time() WHERE id = $1", 2, t2, a2);
	}
	end_tx();
	return true;
}

/* Reads the oracle and builds (or restores) the search, in one transaction. */
static void
job_prepare(void)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		args[2] = {Int64GetDatum(job.id)};
	MemoryContext old;
	ct_error	err;

	/* a query oracle means what it meant where it was submitted */
	if (job.search_path != NULL)
		SetConfigOption("search_path", job.search_path, PGC_USERSET, PGC_S_SESSION);
	begin_tx("ctnas search job: reading the oracle");
	old = MemoryContextSwitchTo(job.cxt);
	search_load_oracle(job.oracle, &job.so, search_archgraph_oid(), &job.o);
	ct_budget_init(&job.b, &job.o, job.budget);
	if (job.method == SEARCH_CTNAS)
	{
		if (job.checkpoint != NULL)
		{
			job.s = ct_ctnas_restore(&job.b, (uint8_t *) VARDATA_ANY(job.checkpoint),
									 VARSIZE_ANY_EXHDR(job.checkpoint), &err);
			if (job.s == NULL)
				ct_report_error(&err, "search checkpoint", NULL);
			ereport(LOG,
					(errmsg("ctnas search job " INT64_FORMAT " resumed from its checkpoint at %d queries",
							job.id, job.b.used)));
		}
		else
			job.s = search_ctnas_create(&job.b, &job.so);
	}
	MemoryContextSwitchTo(old);
	/* results beyond the checkpoint (or of an earlier start) go: they will be found again */
	args[1] = Int32GetDatum(job.b.used);
	job_exec("DELETE FROM ctnas.search_results WHERE job_id = $1 AND (final OR step > $2)", 2, types, args);
	job.flushed = job.b.used;
	end_tx();
}

static void
job_run(void)
{
	ct_error	err;
	TimestampTz last_flush = GetCurrentTimestamp();

	if (!job_claim())
		return;
	job.started = GetCurrentTimestamp();
	job.last_checkpoint = job.started;
	job_prepare();
	if (job.method != SEARCH_CTNAS)
	{
		MemoryContext old = MemoryContextSwitchTo(job.cxt);

		search_run_baseline(job.method, &job.b, &job.so);
		MemoryContextSwitchTo(old);
		job_finish();
		return;
	}
	while (!ct_ctnas_done(job.s))
	{
		MemoryContext old = MemoryContextSwitchTo(job.cxt);
		bool		ok = ct_ctnas_step(job.s, search_interrupt, NULL, &err);

		MemoryContextSwitchTo(old);
		if (!ok)
			ct_report_error(&err, "search", NULL);
		if (TimestampDifferenceExceeds(last_flush, GetCurrentTimestamp(), FLUSH_MS))
		{
			job_flush();
			last_flush = GetCurrentTimestamp();
		}
	}
	job_finish();
}

/* An ERROR inside the job: recorded as failed (or cancelled), then the worker exits. */
static void
job_failed(void)
{
	ErrorData  *edata;
	Oid			types[3] = {INT8OID, TEXTOID, BOOLOID};
	Datum		args[3];
	bool		cancelled;

	MemoryContextSwitchTo(job.cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortOutOfAnyTransaction();
	/* a cancel (search_cancel, pg_cancel_backend), not the time limit, which is a failure */
	cancelled = edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !job.time_limit_hit;
	ereport(LOG,
			(errmsg("ctnas search job " INT64_FORMAT " %s: %s", job.id, cancelled ? "stopped" : "failed", edata->message)));
	begin_tx("ctnas search job: recording the failure");
	args[0] = Int64GetDatum(job.id);
	args[1] = CStringGetTextDatum(edata->detail ? psprintf("%s (%s)", edata->message, edata->detail) : edata->message);
	args[2] = BoolGetDatum(cancelled);
	job_exec("UPDATE ctnas.search_jobs SET status = CASE WHEN cancel_requested OR $3 THEN 'cancelled' ELSE 'failed' END,"
			 " error = CASE WHEN cancel_requested THEN NULL ELSE $2 END, finished_at = pg_catalog.now()"
			 " WHERE id = $1 AND status IN ('queued', 'running')", 3, types, args);
	job_exec("DELETE FROM ctnas.search_checkpoints WHERE job_id = $1", 1, types, args);
	end_tx();
	proc_exit(cancelled ? 0 : 1);
}

void
ctnas_search_worker_main(Datum arg)
{
	JobWorkerArgs a;

	memcpy(&a, MyBgworkerEntry->bgw_extra, sizeof(a));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* as the submitter's session, then its role, so NOLOGIN roles reached by SET ROLE work too */
	BackgroundWorkerInitializeConnectionByOid(a.dboid, a.loginoid, 0);
	if (a.roleoid != a.loginoid)
	{
		StartTransactionCommand();
		/* still allowed to act as that role? (the job row then says its worker exited before taking it) */
		if (!is_member_of_role(a.loginoid, a.roleoid))
			ereport(FATAL,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("ctnas search job " INT64_FORMAT ": the submitting session's role is no longer a member of the job's owner",
							a.job_id)));
		SetCurrentRoleId(a.roleoid, superuser_arg(a.roleoid));
		CommitTransactionCommand();
	}
	memset(&job, 0, sizeof(job));
	job.id = a.job_id;
	job.cxt = AllocSetContextCreate(TopMemoryContext, "ctnas search job", ALLOCSET_DEFAULT_SIZES);
	pgstat_report_appname(psprintf("ctnas search job " INT64_FORMAT, job.id));

	/* the job exists once the submitting transaction has committed */
	while (TransactionIdIsInProgress(XidFromFullTransactionId(a.submit_xid)))
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 20, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	/* a worker has no statement around it: no parallel plans for its queries */
	SetConfigOption("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_OVERRIDE);
	PG_TRY();
	{
		job_run();
	}
	PG_CATCH();
	{
		job_failed();
	}
	PG_END_TRY();
	proc_exit(0);
}

/* ---- the launcher ---------------------------------------------------------------------- */

static void
submit_due_schedules(void)
{
	if (SPI_execute("WITH due AS ("
					"  SELECT s.name, s.owner, s.session_role, s.method, s.oracle, s.budget, s.options, s.search_path FROM ctnas.search_schedules s"
					"  WHERE s.next_run_at <= pg_catalog.now()"
					"  AND NOT EXISTS (SELECT 1 FROM ctnas.search_jobs j WHERE j.schedule = s.name"
					"                  AND j.status IN ('queued', 'running'))"
					"  AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = s.owner)"
					"  FOR UPDATE OF s SKIP LOCKED),"
					" ins AS (INSERT INTO ctnas.search_jobs (owner, session_role, method, oracle, budget, options, schedule, submit_xid, search_path)"
					"  SELECT owner, session_role, method, oracle, budget, options, name, pg_catalog.pg_current_xact_id(), search_path FROM due"
					"  RETURNING id, schedule)"
					" UPDATE ctnas.search_schedules s SET last_job = ins.id,"
					"  next_run_at = greatest(s.next_run_at + s.every, pg_catalog.now())"
					" FROM ins WHERE s.name = ins.schedule", false, 0) < 0)
		elog(ERROR, "could not submit scheduled search jobs");
}

void
ctnas_launcher_main(Datum arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(launcher_database, NULL, 0);
	pgstat_report_appname(LAUNCHER_TYPE);
	SetConfigOption("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_OVERRIDE);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		/* one bad row must not stop the launcher: a failed pass is logged and the next one tries again */
		PG_TRY();
		{
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			SPI_connect();
			PushActiveSnapshot(GetTransactionSnapshot());
			if (OidIsValid(get_extension_oid("ctnas", true)))
			{
				pgstat_report_activity(STATE_RUNNING, "ctnas launcher: jobs and schedules");
				recover_stale_jobs();
				submit_due_schedules();
				start_queued_jobs();
			}
			SPI_finish();
			PopActiveSnapshot();
			CommitTransactionCommand();
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(TopMemoryContext);
			EmitErrorReport();
			FlushErrorState();
			AbortOutOfAnyTransaction();
			SPI_finish();
		}
		PG_END_TRY();
		pgstat_report_stat(false);
		pgstat_report_activity(STATE_IDLE, NULL);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
