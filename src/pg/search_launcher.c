/*
 * search_launcher.c
 *	  The settings of search jobs, and the launcher: with ctnas in
 *	  shared_preload_libraries, one background worker per server serves the
 *	  jobs and schedules of ctnas.launcher_database once a second (records
 *	  what happened to jobs whose worker is gone, submits due schedules,
 *	  starts queued jobs while slots are free).
 *
 * It runs as the bootstrap superuser, so it runs no SQL but its own, with
 * search_path pg_catalog: it never executes an oracle, and decides from
 * rows of the schedules' owners only (a job a role inserts by hand names
 * nobody else's schedule).
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "ctnas_pg.h"
#include "search_jobs.h"

static char *launcher_database = NULL;

void
ctnas_search_jobs_init(void)
{
	DefineCustomIntVariable("ctnas.max_search_workers",
							"Search jobs that may run at the same time (in the whole server).",
							"A submit beyond it waits in the queue (with the launcher) or fails.",
							&ctnas_max_search_workers, 4, 0, 1024, PGC_SIGHUP, 0, NULL, NULL, NULL);
	ctnas_search_trials_init();
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

/*
 * Due schedules whose owner exists and whose last job (the one the launcher
 * made) has ended get a new job.
 */
static void
submit_due_schedules(void)
{
	if (SPI_execute(ctnas_sql("WITH due AS ("
							  "  SELECT s.name, s.owner_oid, r.rolname, s.method, s.oracle, s.budget, s.options, s.search_path"
							  "  FROM %1$s.search_schedules s JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) s.owner_oid"
							  "  WHERE s.next_run_at OPERATOR(pg_catalog.<=) pg_catalog.now()"
							  "  AND NOT EXISTS (SELECT 1 FROM %1$s.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) s.last_job"
							  "                  AND j.owner_oid OPERATOR(pg_catalog.=) s.owner_oid"
							  "                  AND j.status OPERATOR(pg_catalog.=) ANY ('{queued,running,waiting}'))"
							  "  FOR UPDATE OF s SKIP LOCKED),"
							  /* (owner by the role's present name: the trigger binds the job to that very role) */
							  " ins AS (INSERT INTO %1$s.search_jobs (owner, method, oracle, budget, options, schedule, search_path)"
							  "  SELECT rolname, method, oracle, budget, options, name, search_path FROM due"
							  "  RETURNING id, owner_oid, schedule)"
							  " UPDATE %1$s.search_schedules s SET last_job = ins.id,"
							  "  next_run_at = GREATEST(s.next_run_at OPERATOR(pg_catalog.+) s.every, pg_catalog.now())"
							  " FROM ins WHERE s.owner_oid OPERATOR(pg_catalog.=) ins.owner_oid AND s.name OPERATOR(pg_catalog.=) ins.schedule"),
					false, 0) < 0)
		elog(ERROR, "could not submit scheduled search jobs");
}

static void
stage_recover(void)
{
	const char *nsp;

	job_recover_stale();
	/* waiting jobs whose trials were all reported (a crash or restart between a report and its worker's start) */
	job_wake_waiting();
	/*
	 * The records of workers whose jobs have ended (workers, running as
	 * owners, cannot delete them).  A waiting job's stays: a report that
	 * wakes the job starts no second worker while that one still runs.
	 */
	if (SPI_execute(ctnas_sql("DELETE FROM %1$s.search_workers w WHERE NOT EXISTS (SELECT 1 FROM %1$s.search_jobs j"
							  " WHERE j.id OPERATOR(pg_catalog.=) w.job_id AND j.status OPERATOR(pg_catalog.=) ANY ('{queued,running,waiting}'))"),
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not clean ctnas.search_workers");
	/* rows whose role was dropped become nobody's for good (0 survives a dump; a name would not) */
	nsp = ctnas_schema();
	for (int i = 0; i < 3; i++)
	{
		static const char *const tables[3] = {"models", "search_jobs", "search_schedules"};
		const char *where = " t.owner_oid OPERATOR(pg_catalog.<>) 0"
			" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) t.owner_oid)";

		/* (looked for first: an UPDATE of models, even of no row, would make every backend drop its models) */
		if (SPI_execute(psprintf("SELECT 1 FROM %s.%s t WHERE %s LIMIT 1", nsp, tables[i], where), true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not look for rows of dropped roles");
		if (SPI_processed == 0)
			continue;
		if (SPI_execute(psprintf("UPDATE %s.%s t SET owner_oid = 0 WHERE %s", nsp, tables[i], where), false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not mark rows of dropped roles");
	}
}

static void
stage_schedules(void)
{
	submit_due_schedules();
}

static void
stage_start(void)
{
	job_start_queued();
}

/* the last error of each stage, so that one repeating every second is logged once */
static char stage_error[3][256];

/* Runs a stage of a pass in a subtransaction; its error is logged (once while it repeats) and rolled back. */
static void
launcher_stage(void (*stage) (void), int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		stage();
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		stage_error[n][0] = '\0';
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (strncmp(edata->message, stage_error[n], sizeof(stage_error[n]) - 1) != 0)
			ereport(LOG,
					(errmsg("ctnas launcher: %s", edata->message),
					 edata->detail ? errdetail("%s", edata->detail) : 0));
		strlcpy(stage_error[n], edata->message, sizeof(stage_error[n]));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

void
ctnas_launcher_main(Datum arg)
{
	volatile bool said_no_extension = false;
	char		last_error[256] = "";

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(launcher_database, NULL, 0);
	pgstat_report_appname(LAUNCHER_TYPE);
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
	/* the database's own settings must not change who this session is, nor stop it from writing */
	SetConfigOption("role", "none", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_OVERRIDE);
	/* a table some session has locked must not stall every database's queue: give up the pass, try again */
	SetConfigOption("lock_timeout", "1s", PGC_SUSET, PGC_S_OVERRIDE);

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
				said_no_extension = false;
				pgstat_report_activity(STATE_RUNNING, "ctnas launcher: jobs and schedules");
				/* each stage on its own: a failing one (a row locked too long, say) does not void the others */
				launcher_stage(stage_recover, 0);
				launcher_stage(stage_schedules, 1);
				launcher_stage(stage_start, 2);
			}
			else if (!said_no_extension)
			{
				ereport(LOG,
						(errmsg("ctnas launcher: extension ctnas is not installed in database \"%s\"; waiting for it",
								launcher_database),
						 errhint("Run CREATE EXTENSION ctnas there, or set ctnas.launcher_database to the database that has it.")));
				said_no_extension = true;
			}
			SPI_finish();
			PopActiveSnapshot();
			CommitTransactionCommand();
			last_error[0] = '\0';
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(TopMemoryContext);
			edata = CopyErrorData();
			/* the same failure every second (an extension not updated yet, say) is logged once */
			if (strncmp(edata->message, last_error, sizeof(last_error) - 1) != 0)
				EmitErrorReport();
			strlcpy(last_error, edata->message, sizeof(last_error));
			FreeErrorData(edata);
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
