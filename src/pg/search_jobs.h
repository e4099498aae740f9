/*
 * search_jobs.h
 *	  The pieces of the search-job machinery shared by its three parts: the
 *	  SQL API (search_job_api.c), the job worker (search_job_worker.c) and
 *	  the launcher (search_launcher.c), with the worker registry and the
 *	  job states in between (search_job_state.c).
 *
 * Who may do what.  A job row belongs to its owner role (row-level
 * security); its worker runs as exactly that role, inside a security-
 * restricted operation, so nothing the job runs can change role.  What
 * identifies a job's worker process lives in ctnas.search_workers, which
 * only workers and the launcher write; so a cancel signals only the very
 * worker of that job, in this database.
 */
#ifndef CTNAS_SEARCH_JOBS_H
#define CTNAS_SEARCH_JOBS_H

#include "search_harness.h"

#include "access/transam.h"
#include "utils/timestamp.h"

#define WORKER_TYPE		"ctnas search worker"
#define LAUNCHER_TYPE	"ctnas launcher"

/* What a job worker is told; the rest is in its row. */
typedef struct JobWorkerArgs
{
	int64		job_id;
	Oid			dboid;
	FullTransactionId submit_xid;	/* the worker claims the job once this transaction has ended */
} JobWorkerArgs;

extern int	ctnas_max_search_workers;

/* Settings of the search jobs, and the launcher when preloaded (search_launcher.c; _PG_init). */
extern void ctnas_search_jobs_init(void);
/* Settings of trials: ctnas.trial_lease, ctnas.trial_max_attempts (search_trials.c). */
extern void ctnas_search_trials_init(void);
/* Whether text is a positive interval (a job's option "lease", ctnas.trial_lease); *lease is it. */
extern bool trial_lease_parse(const char *text, Interval *lease);

/* ---- search_job_state.c (inside a transaction, SPI connected) ---- */

/* The first column of the first row of sql as int64 (int4 or int8); *isnull when there is none. */
extern int64 job_spi_int64(const char *sql, int nargs, Oid *types, Datum *args, bool *isnull);
extern void job_spi_exec(const char *sql, int nargs, Oid *types, Datum *args);

/* Whether a ctnas search worker with this pid and backend start runs in this database. */
extern bool job_worker_alive(int pid, TimestampTz start);
/* Running ctnas search workers in the whole server, whoever runs them. */
extern int	job_live_workers(void);
/* Whether the ctnas launcher serves this database. */
extern bool job_launcher_running(void);

/*
 * Counting the slots and starting a worker is serialised server-wide: hold
 * job_slots_lock() around both (release in PG_FINALLY).  job_start_worker
 * returns once the new worker is visible to every later count; false when
 * no background worker slot was free.
 */
extern void job_slots_lock(void);
extern void job_slots_unlock(void);
extern bool job_start_worker(int64 job_id, int *pid, TimestampTz *backend_start);

/*
 * A worker's status transitions of its job: queued -> running (claim),
 * running -> succeeded, queued/running/waiting -> failed or cancelled;
 * for jobs whose trials are trained elsewhere ("evaluator": "external"),
 * running -> waiting (open trials remain) and waiting -> queued (all
 * reported: a worker resumes it).  False when
 * the job was not in a status that allows it.  error may be NULL.  (The
 * set-based ones are SQL statements: recovery applies search_job_stale,
 * which also queues a resumable job again; queued jobs that no worker took
 * are cancelled by search_cancel and job_start_queued.)
 */
extern bool job_transition(int64 id, const char *to, const char *error);

/* Whether the job has an open trial (proposed or claimed) in ctnas.search_trials, as the caller sees them. */
extern bool job_trials_open(int64 job_id);
/* Waiting jobs with no open trial left become queued (visible ones, not locked by others); returns how many. */
extern int	job_wake_waiting(void);

/* Records the outcome of jobs whose worker is gone (visible ones); returns how many rows changed. */
extern int	job_recover_stale(void);
/* Starts workers for queued jobs that have none, while slots are free; returns how many. */
extern int	job_start_queued(void);

/* ---- the worker and launcher entry points ---- */
PGDLLEXPORT void ctnas_search_worker_main(Datum arg);
PGDLLEXPORT void ctnas_launcher_main(Datum arg);

#endif
