/*
 * search_job_api.c
 *	  The SQL functions of search jobs: search_submit, search_cancel,
 *	  search_status, search_wait, search_recover and search_schedule.  They
 *	  run as the calling role and see only its jobs (row-level security).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"

#include "ctnas_pg.h"
#include "pg_util.h"
#include "search_jobs.h"

static void signal_worker_at_commit(int pid, TimestampTz start);

/* A query oracle that reads a temporary relation would fail in the worker, after all the work: refuse it now. */
static void
check_no_temp_relations(const char *oracle)
{
	SPIPlanPtr	plan;
	List	   *sources;
	ListCell   *lc;

	SPI_connect();
	plan = SPI_prepare(oracle, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not plan the oracle query: %s", SPI_result_code_string(SPI_result));
	sources = SPI_plan_get_plan_sources(plan);
	foreach(lc, sources)
	{
		CachedPlanSource *ps = lfirst(lc);
		ListCell   *rc;

		foreach(rc, ps->relationOids)
		{
			Oid			relid = lfirst_oid(rc);

			if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("the oracle query of a search job cannot read a temporary relation"),
						 errdetail("It reads \"%s\", which the job's background worker cannot see.", get_rel_name(relid)),
						 errhint("Copy it into a regular table, or run the search in this session with ctnas_search.")));
		}
	}
	SPI_freeplan(plan);
	SPI_finish();
}

/* save_model naming an existing model would fail at the very end of the job: refuse it now. */
static void
check_model_name_free(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	bool		isnull;

	SPI_connect();
	(void) job_spi_int64(ctnas_sql("SELECT 1 FROM %1$s.models WHERE name OPERATOR(pg_catalog.=) $1"), 1, types, args, &isnull);
	SPI_finish();
	if (!isnull)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("model \"%s\" already exists", name),
				 errdetail("The job would fail when it stores its NAC (option \"save_model\")."),
				 errhint("Choose another name, or delete the model first.")));
}

/* Checks what a job or schedule asks for; the oracle resolved (a worker has another search_path). */
static char *
job_request(const char *oracle, int32 budget, Jsonb *options, SearchMethod method, SearchOptions *so)
{
	char	   *resolved;

	search_check_budget(budget);
	*so = search_split_options(options, method, true);
	search_check_candidates(oracle, so);
	if (oracle == NULL)
		return NULL;
	resolved = search_resolve_oracle(oracle, so);
	if (search_oracle_is_query(oracle))
		check_no_temp_relations(oracle);
	return resolved;
}

PG_FUNCTION_INFO_V1(search_submit);
Datum
search_submit(PG_FUNCTION_ARGS)
{
	char	   *oracle;
	int32		budget;
	Jsonb	   *options;
	char	   *method_name;
	SearchMethod method;
	SearchOptions so;
	char	   *resolved;
	ct_oracle	o;
	volatile int64 job_id = 0;
	ct_error	err;

	/* (the oracle may be NULL: an external search over a whole space) */
	for (int i = 1; i < 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("search_submit: argument \"%s\" must not be NULL", search_arg_names[i])));
	oracle = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	budget = PG_GETARG_INT32(1);
	options = PG_GETARG_JSONB_P(2);
	method_name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	method = search_method_from_name(method_name);

	resolved = job_request(oracle, budget, options, method, &so);
	if (so.save_model != NULL)
		check_model_name_free(so.save_model);
	/* checked in full now, with the core's own start conditions, so the job does not fail for it later */
	if (resolved != NULL)
		search_load_oracle(resolved, &so, search_archgraph_oid(), &o);
	else
	{
		/* a whole space: its size is known without drawing or listing it (the worker does) */
		const ct_space *space = ct_space_by_id(so.space_id);

		memset(&o, 0, sizeof(o));
		o.space = space;
		o.n = (size_t) ct_oracle_space_rows(space, so.pool);
	}
	if (method == SEARCH_CTNAS && !ct_ctnas_check_sizes(budget, o.n, &err))
		ct_report_error(&err, "search", NULL);
	if (method == SEARCH_CTNAS)
		search_check_memory(&so.ctnas, o.space, budget, o.n, so.model != NULL);
	if (resolved != NULL)
		ct_oracle_free(&o);

	SPI_connect();
	job_recover_stale();
	/* counting the slots and starting a worker is one step for the whole server */
	job_slots_lock();
	PG_TRY();
	{
		bool		queue_only = job_live_workers() >= ctnas_max_search_workers;
		Oid			types[4] = {TEXTOID, TEXTOID, INT4OID, JSONBOID};
		Datum		args[4];
		int			pid;
		TimestampTz start;

		if (queue_only && !job_launcher_running())
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("all %d search worker slots are busy", ctnas_max_search_workers),
					 errdetail("No job was recorded."),
					 errhint("Wait for a job to end, raise ctnas.max_search_workers, or put ctnas in shared_preload_libraries so that the launcher queues jobs.")));
		args[0] = CStringGetTextDatum(method_name);
		args[1] = CStringGetTextDatum(resolved != NULL ? resolved : "");
		args[2] = Int32GetDatum(budget);
		args[3] = JsonbPGetDatum(options);
		job_id = job_spi_int64(ctnas_sql("INSERT INTO %1$s.search_jobs (method, oracle, budget, options, search_path)"
										 " VALUES ($1, NULLIF($2, ''), $3, $4, pg_catalog.current_setting('search_path')) RETURNING id"),
							   4, types, args, NULL);
		/* (the worker claims the job once this transaction commits, and records itself then) */
		if (!queue_only && !job_start_worker(job_id, &pid, &start))
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("could not start a background worker for the search job"),
					 errdetail("No job was recorded."),
					 errhint("All background worker slots may be in use: raise max_worker_processes, or wait.")));
	}
	PG_FINALLY();
	{
		job_slots_unlock();
	}
	PG_END_TRY();
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
	bool		changed;

	SPI_connect();
	(void) job_spi_int64(ctnas_sql("SELECT 1 FROM %1$s.search_jobs WHERE id OPERATOR(pg_catalog.=) $1"), 1, types, args, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("search job " INT64_FORMAT " does not exist", id)));
	/*
	 * A queued job no worker has taken, or a waiting one (no worker: its
	 * trials are out for training), ends now; a worker sees the flag within a
	 * flush.  (A trigger cancels the job's open trials when it ends.)
	 */
	job_spi_exec(ctnas_sql("UPDATE %1$s.search_jobs j SET status = 'cancelled', cancel_requested = true,"
						   " finished_at = pg_catalog.now() WHERE j.id OPERATOR(pg_catalog.=) $1"
						   " AND (j.status OPERATOR(pg_catalog.=) 'waiting'"
						   "  OR (j.status OPERATOR(pg_catalog.=) 'queued'"
						   "   AND NOT EXISTS (SELECT 1 FROM %1$s.search_workers w WHERE w.job_id OPERATOR(pg_catalog.=) $1 AND NOT w.claimed)))"),
				 1, types, args);
	changed = SPI_processed > 0;
	job_spi_exec(ctnas_sql("UPDATE %1$s.search_jobs SET cancel_requested = true WHERE id OPERATOR(pg_catalog.=) $1"
						   " AND status OPERATOR(pg_catalog.=) ANY ('{queued,running}')"),
				 1, types, args);
	changed = changed || SPI_processed > 0;
	if (SPI_processed > 0)
	{
		/* the worker recorded itself in a table no plain role can write: its pid is its own */
		if (SPI_execute_with_args(ctnas_sql("SELECT pid, backend_start FROM %1$s.search_workers WHERE job_id OPERATOR(pg_catalog.=) $1"),
								  1, types, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read ctnas.search_workers");
		/* a step can take seconds (ranking every cell): interrupt it once the cancel is committed */
		if (SPI_processed > 0)
		{
			bool		n1,
						n2;
			Datum		pid = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n1);
			Datum		start = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &n2);

			if (!n1 && !n2)
				signal_worker_at_commit(DatumGetInt32(pid), DatumGetTimestampTz(start));
		}
	}
	SPI_finish();
	PG_RETURN_BOOL(changed);
}

/* The job's row as the search_jobs composite, stale outcome applied; an error if the role cannot see it. */
static Datum
job_row(int64 id, bool *ended)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	bool		isnull;
	Datum		d;

	/*
	 * A job with trials: its progress shows them as they are now (counts by
	 * status, the best reported accuracy), read here rather than written by
	 * every claim and report.
	 */
	if (SPI_execute_with_args(ctnas_sql("SELECT r, (r).status OPERATOR(pg_catalog.<>) ALL ('{queued,running,waiting}') FROM"
										" (SELECT pg_catalog.jsonb_populate_record(j, %2$s.search_job_stale(j) OPERATOR(pg_catalog.||) t.o) AS r"
										"  FROM %1$s.search_jobs j, LATERAL ("
										"   SELECT CASE WHEN pg_catalog.count(*) OPERATOR(pg_catalog.=) 0 THEN '{}'::pg_catalog.jsonb"
										"    ELSE pg_catalog.jsonb_build_object('progress', coalesce(j.progress, '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.||)"
										"     pg_catalog.jsonb_build_object('trials', pg_catalog.jsonb_build_object("
										"      'proposed', pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'proposed'),"
										"      'claimed', pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'claimed'),"
										"      'done', pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'done'),"
										"      'failed', pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'failed'),"
										"      'cancelled', pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'cancelled'),"
										"      'best_acc', pg_catalog.max(s.acc))))"
										"    END AS o FROM %1$s.search_trials s WHERE s.job_id OPERATOR(pg_catalog.=) j.id) t"
										"  WHERE j.id OPERATOR(pg_catalog.=) $1) x"),
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
	changed = job_recover_stale();
	/* waiting jobs whose trials were all reported (a crash or restart between a report and its worker's start) */
	changed += job_wake_waiting();
	if (!job_launcher_running())
		changed += job_start_queued();
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
	static const char *const names[6] = {"name", "every", "oracle", "budget", "options", "method"};
	char	   *name;
	Interval   *every;
	char	   *oracle;
	int32		budget;
	Jsonb	   *options;
	char	   *method_name;
	SearchMethod method;
	SearchOptions so;
	char	   *resolved;
	Oid			types[6] = {TEXTOID, INTERVALOID, TEXTOID, TEXTOID, INT4OID, JSONBOID};
	Datum		args[6];
	bool		served;
	bool		isnull;

	search_check_args(fcinfo, "search_schedule", names, 6);
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	every = PG_GETARG_INTERVAL_P(1);
	oracle = text_to_cstring(PG_GETARG_TEXT_PP(2));
	budget = PG_GETARG_INT32(3);
	options = PG_GETARG_JSONB_P(4);
	method_name = text_to_cstring(PG_GETARG_TEXT_PP(5));
	method = search_method_from_name(method_name);
	if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(every),
										 DirectFunctionCall3(interval_in, CStringGetDatum("1 second"),
															 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a schedule's interval must be at least 1 second")));
	resolved = job_request(oracle, budget, options, method, &so);
	if (so.save_model != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a schedule cannot save its model under a fixed name"),
				 errdetail("Every run after the first would fail on the name the first one took (option \"save_model\")."),
				 errhint("Read the final rows of each job from ctnas.search_results, or submit the jobs yourself (pg_cron with ctnas.search_submit).")));
	args[0] = CStringGetTextDatum(name);
	args[1] = IntervalPGetDatum(every);
	args[2] = CStringGetTextDatum(method_name);
	args[3] = CStringGetTextDatum(resolved);
	args[4] = Int32GetDatum(budget);
	args[5] = JsonbPGetDatum(options);
	SPI_connect();
	/* names are per owner: this finds only the caller's own */
	(void) job_spi_int64(ctnas_sql("SELECT 1 FROM %1$s.search_schedules WHERE name OPERATOR(pg_catalog.=) $1"
								   " AND owner_oid OPERATOR(pg_catalog.=) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)"),
						 1, types, args, &isnull);
	if (!isnull)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("search schedule \"%s\" already exists", name),
				 errhint("Remove it with ctnas.search_unschedule first.")));
	if (SPI_execute_with_args(ctnas_sql("INSERT INTO %1$s.search_schedules (name, every, method, oracle, budget, options, next_run_at, search_path)"
										" VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.now(), pg_catalog.current_setting('search_path'))"),
							  6, types, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into ctnas.search_schedules");
	served = job_launcher_running();
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

			/* still that very process, a ctnas search worker of this database */
			if (job_worker_alive(w->pid, w->start))
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
