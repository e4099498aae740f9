/*
 * search_trials.c
 *	  Trials: the architectures a search job with "evaluator": "external"
 *	  proposes, trained on other machines.  A training machine claims one
 *	  (trial_claim: a lease), trains it, and reports its accuracy
 *	  (trial_report) or gives it back (trial_fail: retried up to
 *	  max_attempts, then failed).  The job waits (status waiting, no worker
 *	  process) while trials are open; the report or failure that closes its
 *	  last open trial queues it again and starts a worker, as search_submit
 *	  does.
 *
 *	  Everything runs as the caller, under row-level security: a role sees,
 *	  claims and reports the trials of the jobs it sees (its own, those of
 *	  roles it is a member of; a superuser: all).
 *
 * Races.  A claim locks the trial it takes (FOR UPDATE SKIP LOCKED), so two
 * claimers never get the same one.  A report locks its trial, then the
 * job's row, and only then counts the open trials; the worker moves its
 * job running -> waiting with an UPDATE of that row and counts the open
 * trials after it: whichever commits second sees what the first did, so no
 * wake-up is lost.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "ctnas_pg.h"
#include "search_jobs.h"

static char *trial_lease_setting = NULL;
static int	trial_max_attempts_setting = 3;

/* ---- options and settings ---- */

bool
trial_lease_parse(const char *text, Interval *lease)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf,
				dtype,
				dterr;
	struct pg_itm_in itm;
	Interval	zero,
				year;
	char	   *copy;

	memset(&itm, 0, sizeof(itm));
	/* interval_in's own steps, with its errors as a result (PostgreSQL 15 has no soft input errors) */
	dterr = ParseDateTime(text, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf);
	if (dterr == 0)
		dterr = DecodeInterval(field, ftype, nf, INTERVAL_FULL_RANGE, &dtype, &itm);
	if (dterr == DTERR_BAD_FORMAT)
	{
		memset(&itm, 0, sizeof(itm));
		copy = pstrdup(text);
		dterr = DecodeISO8601Interval(copy, &dtype, &itm);
		pfree(copy);
	}
	if (dterr != 0 || dtype != DTK_DELTA || itmin2interval(&itm, lease) != 0)
		return false;
	memset(&zero, 0, sizeof(zero));
	/* at most a year: now() + lease must stay a timestamp, or every claim of the machine would fail */
	memset(&year, 0, sizeof(year));
	year.month = 12;
	return DatumGetBool(DirectFunctionCall2(interval_gt, IntervalPGetDatum(lease), IntervalPGetDatum(&zero))) &&
		DatumGetBool(DirectFunctionCall2(interval_le, IntervalPGetDatum(lease), IntervalPGetDatum(&year)));
}

static bool
check_trial_lease(char **newval, void **extra, GucSource source)
{
	Interval	lease;

	if (*newval == NULL || !trial_lease_parse(*newval, &lease))
	{
		GUC_check_errdetail("ctnas.trial_lease must be a positive interval of at most 1 year, such as '1 hour' or '90 min'.");
		return false;
	}
	return true;
}

void
ctnas_search_trials_init(void)
{
	DefineCustomStringVariable("ctnas.trial_lease",
							   "How long a claimed trial is the claimer's before others may claim it again.",
							   "A positive interval; a job's option \"lease\" overrides it.",
							   &trial_lease_setting, "1 hour", PGC_USERSET, 0, check_trial_lease, NULL, NULL);
	DefineCustomIntVariable("ctnas.trial_max_attempts",
							"Claims a trial may have before a failure fails it for good.",
							"A job's option \"max_attempts\" overrides it.",
							&trial_max_attempts_setting, 3, 1, 1000, PGC_USERSET, 0, NULL, NULL, NULL);
}

static JsonbValue *
option_of(Jsonb *options, const char *name)
{
	JsonbValue	key;

	if (options == NULL || !JB_ROOT_IS_OBJECT(options))
		return NULL;
	key.type = jbvString;
	key.val.string.val = (char *) name;
	key.val.string.len = strlen(name);
	return findJsonbValueFromContainer(&options->root, JB_FOBJECT, &key);
}

/*
 * The job's lease: its option "lease", else ctnas.trial_lease.  A job row
 * written by hand with a bad one (search_submit refuses it) gets the
 * setting, and a WARNING says so: a claim does not fail for one job's row.
 */
static Interval
job_lease(int64 job_id, Jsonb *options)
{
	JsonbValue *v = option_of(options, "lease");
	Interval	lease;

	if (v != NULL)
	{
		if (v->type == jbvString &&
			trial_lease_parse(pnstrdup(v->val.string.val, v->val.string.len), &lease))
			return lease;
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search job " INT64_FORMAT " has an invalid option \"lease\"; ctnas.trial_lease applies", job_id),
				 errdetail("\"lease\" must be a positive interval as a string, such as \"2 hours\".")));
	}
	if (!trial_lease_parse(trial_lease_setting, &lease))
		elog(ERROR, "invalid ctnas.trial_lease \"%s\"", trial_lease_setting);
	return lease;
}

/* The job's option "max_attempts" (an integer from 1 to 1000), else ctnas.trial_max_attempts; as job_lease. */
static int
job_max_attempts(int64 job_id, Jsonb *options)
{
	JsonbValue *v = option_of(options, "max_attempts");

	if (v != NULL)
	{
		if (v->type == jbvNumeric)
		{
			Numeric		n = v->val.numeric;
			double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(n)));

			if (d >= 1 && d <= 1000 && d == floor(d))
				return (int) d;
		}
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search job " INT64_FORMAT " has an invalid option \"max_attempts\"; ctnas.trial_max_attempts applies", job_id),
				 errdetail("\"max_attempts\" must be an integer from 1 to 1000.")));
	}
	return trial_max_attempts_setting;
}

/* ---- a trial's row ---- */

typedef struct TrialNow
{
	char		status[16];
	int64		job_id;
	int32		attempts;
	double		acc;			/* when done */
	Jsonb	   *options;		/* the job's */
} TrialNow;

static void
trial_from_tuple(HeapTuple t, TupleDesc desc, TrialNow *tr)
{
	bool		isnull;
	Datum		d;

	strlcpy(tr->status, SPI_getvalue(t, desc, 1), sizeof(tr->status));
	tr->job_id = DatumGetInt64(SPI_getbinval(t, desc, 2, &isnull));
	tr->attempts = DatumGetInt32(SPI_getbinval(t, desc, 3, &isnull));
	d = SPI_getbinval(t, desc, 4, &isnull);
	tr->acc = isnull ? NAN : DatumGetFloat8(d);
	d = SPI_getbinval(t, desc, 5, &isnull);
	tr->options = isnull ? NULL : DatumGetJsonbPCopy(d);
}

/* Locks a trial the caller sees and reads it; an error when there is none. */
static TrialNow
trial_lock(int64 id)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	TrialNow	tr;

	if (SPI_execute_with_args(ctnas_sql("SELECT t.status, t.job_id, t.attempts, t.acc, j.options"
										" FROM %1$s.search_trials t JOIN %1$s.search_jobs j ON j.id OPERATOR(pg_catalog.=) t.job_id"
										" WHERE t.id OPERATOR(pg_catalog.=) $1 FOR UPDATE OF t"),
							  1, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.search_trials");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("trial " INT64_FORMAT " does not exist", id)));
	trial_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, &tr);
	return tr;
}

/* Reports and failures are for claimed trials only (an expired lease included: nobody has claimed it since). */
static void
trial_require_claimed(int64 id, const TrialNow *tr)
{
	if (strcmp(tr->status, "claimed") == 0)
		return;
	if (strcmp(tr->status, "done") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trial " INT64_FORMAT " was already reported", id),
				 errdetail("Its reported accuracy is %g.", tr->acc)));
	if (strcmp(tr->status, "proposed") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trial " INT64_FORMAT " is not claimed", id),
				 errhint("Claim trials with ctnas.trial_claim; the claimer reports them.")));
	if (strcmp(tr->status, "failed") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trial " INT64_FORMAT " has failed", id),
				 errdetail("It was given up after %d attempts.", tr->attempts)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("trial " INT64_FORMAT " was cancelled", id),
			 errdetail("Its search job ended before the trial was reported.")));
}

/*
 * Whether the job's last worker is gone.  It leaves right after it commits
 * its move to waiting, so a report that comes within that moment waits for
 * it (up to WORKER_EXIT_MS); a worker still there after that (its owner set
 * a running job waiting by hand) keeps its job to itself.
 */
#define WORKER_EXIT_MS 2000

static bool
job_worker_gone(int64 job_id)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job_id)};
	bool		n1,
				n2;
	int			pid;
	TimestampTz start,
				deadline;

	if (SPI_execute_with_args(ctnas_sql("SELECT pid, backend_start FROM %1$s.search_workers WHERE job_id OPERATOR(pg_catalog.=) $1"),
							  1, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.search_workers");
	if (SPI_processed == 0)
		return true;
	pid = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n1));
	start = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &n2));
	if (n1 || n2)
		return true;
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), WORKER_EXIT_MS);
	while (job_worker_alive(pid, start))
	{
		if (GetCurrentTimestamp() >= deadline)
			return false;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

/* A worker for the job when a slot is free, as search_submit starts one. */
static bool
start_worker_if_free(int64 job_id)
{
	volatile bool started = false;

	job_slots_lock();
	PG_TRY();
	{
		int			pid;
		TimestampTz start;

		/* (the worker takes the job once this transaction commits, and records itself then) */
		if (job_live_workers() < ctnas_max_search_workers)
			started = job_start_worker(job_id, &pid, &start);
	}
	PG_FINALLY();
	{
		job_slots_unlock();
	}
	PG_END_TRY();
	return started;
}

/*
 * After a trial closed: a waiting job with no open trial left is queued
 * again and gets a worker, as search_submit starts one.  The job's row is
 * locked before the trials are counted (see the top of the file).  When no
 * slot is free the job stays queued: the launcher, or search_recover(),
 * starts it later.
 */
static void
trial_resume_job(int64 job_id)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job_id)};
	bool		started;

	if (SPI_execute_with_args(ctnas_sql("SELECT status FROM %1$s.search_jobs WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE"),
							  1, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.search_jobs");
	if (SPI_processed == 0 || strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "waiting") != 0)
		return;
	if (job_trials_open(job_id))
		return;
	if (!job_transition(job_id, "queued", NULL))
		return;
	/* never a second worker beside a running one: the launcher or search_recover starts it later */
	started = job_worker_gone(job_id) && start_worker_if_free(job_id);
	if (!started && !job_launcher_running())
		ereport(NOTICE,
				(errmsg("search job " INT64_FORMAT " has all its trials and is queued again, but no search worker could start now", job_id),
				 errhint("Call ctnas.search_recover() later (with the launcher, it starts the job itself).")));
}

/* ---- the SQL functions ---- */

PG_FUNCTION_INFO_V1(trial_claim);
Datum
trial_claim(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Oid			types[3] = {INT8OID, TEXTOID, INTERVALOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	args[0] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[0] = PG_ARGISNULL(1) ? 'n' : ' ';
	args[1] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	nulls[1] = PG_ARGISNULL(0) ? 'n' : ' ';

	SPI_connect();
	if (!PG_ARGISNULL(1))
	{
		bool		isnull;

		(void) job_spi_int64(ctnas_sql("SELECT 1 FROM %1$s.search_jobs WHERE id OPERATOR(pg_catalog.=) $1"), 1, types, args, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("search job " INT64_FORMAT " does not exist", PG_GETARG_INT64(1))));
	}
	for (;;)
	{
		TrialNow	tr;
		int64		id;
		bool		isnull;
		Interval	lease;

		CHECK_FOR_INTERRUPTS();
		/*
		 * The oldest open trial of a job that is waiting for it (or still
		 * running, proposing more), proposed or with an expired lease; rows
		 * other claimers hold are skipped, so no two get the same one.
		 */
		if (SPI_execute_with_args(ctnas_sql("SELECT t.status, t.job_id, t.attempts, t.acc, j.options, t.id, t.lease_until IS NOT NULL"
											" FROM %1$s.search_trials t JOIN %1$s.search_jobs j ON j.id OPERATOR(pg_catalog.=) t.job_id"
											" WHERE t.status OPERATOR(pg_catalog.=) ANY ('{proposed,claimed}')"
											" AND (t.status OPERATOR(pg_catalog.=) 'proposed' OR t.lease_until OPERATOR(pg_catalog.<) pg_catalog.now())"
											" AND j.status OPERATOR(pg_catalog.=) ANY ('{waiting,running}')"
											" AND ($1 IS NULL OR t.job_id OPERATOR(pg_catalog.=) $1)"
											" ORDER BY t.proposed_at, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED"),
								  1, types, args, nulls, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read ctnas.search_trials");
		if (SPI_processed == 0)
			break;
		trial_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, &tr);
		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6, &isnull));
		args[2] = Int64GetDatum(id);

		/* a lease that expired on the last attempt: the trial has failed (machines die on it), the next one is claimed */
		if (strcmp(tr.status, "claimed") == 0 && tr.attempts >= job_max_attempts(tr.job_id, tr.options))
		{
			Datum		a[2] = {Int64GetDatum(id), CStringGetTextDatum(psprintf("the lease of attempt %d expired", tr.attempts))};
			Oid			t[2] = {INT8OID, TEXTOID};

			job_spi_exec(ctnas_sql("UPDATE %1$s.search_trials SET status = 'failed', error = $2, lease_until = NULL,"
								   " reported_at = pg_catalog.now() WHERE id OPERATOR(pg_catalog.=) $1"), 2, t, a);
			trial_resume_job(tr.job_id);
			continue;
		}
		lease = job_lease(tr.job_id, tr.options);
		{
			Oid			t[3] = {INT8OID, TEXTOID, INTERVALOID};
			Datum		a[3] = {Int64GetDatum(id), args[1], IntervalPGetDatum(&lease)};
			char		n[3] = {' ', nulls[1], ' '};
			Datum		values[3];
			bool		vnulls[3] = {false, false, false};
			HeapTuple	row;

			if (SPI_execute_with_args(ctnas_sql("UPDATE %1$s.search_trials SET status = 'claimed', worker = $2,"
												" attempts = attempts OPERATOR(pg_catalog.+) 1, claimed_at = pg_catalog.now(),"
												" lease_until = pg_catalog.now() OPERATOR(pg_catalog.+) $3"
												" WHERE id OPERATOR(pg_catalog.=) $1 RETURNING id, job_id, arch"),
									  3, t, a, n, false, 1) != SPI_OK_UPDATE_RETURNING || SPI_processed != 1)
				elog(ERROR, "could not claim trial " INT64_FORMAT, id);
			row = SPI_tuptable->vals[0];
			for (int i = 0; i < 3; i++)
				values[i] = SPI_getbinval(row, SPI_tuptable->tupdesc, i + 1, &vnulls[i]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, vnulls);
		}
		break;
	}
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(trial_report);
Datum
trial_report(PG_FUNCTION_ARGS)
{
	int64		id;
	double		acc;
	TrialNow	tr;
	Oid			types[3] = {INT8OID, FLOAT8OID, JSONBOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the trial to report must not be NULL")));
	id = PG_GETARG_INT64(0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the accuracy of trial " INT64_FORMAT " must not be NULL", id),
				 errhint("Report a trial that could not be trained with ctnas.trial_fail.")));
	acc = PG_GETARG_FLOAT8(1);
	if (isnan(acc) || isinf(acc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the accuracy of trial " INT64_FORMAT " must be a finite number, not %s", id,
						isnan(acc) ? "NaN" : acc > 0 ? "Infinity" : "-Infinity"),
				 errhint("Report a trial whose training diverged with ctnas.trial_fail.")));
	args[0] = Int64GetDatum(id);
	args[1] = Float8GetDatum(acc);
	args[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	nulls[2] = PG_ARGISNULL(2) ? 'n' : ' ';

	SPI_connect();
	tr = trial_lock(id);
	trial_require_claimed(id, &tr);
	if (SPI_execute_with_args(ctnas_sql("UPDATE %1$s.search_trials SET status = 'done', acc = $2, info = $3,"
										" reported_at = pg_catalog.now(), lease_until = NULL WHERE id OPERATOR(pg_catalog.=) $1"),
							  3, types, args, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record the report of trial " INT64_FORMAT, id);
	trial_resume_job(tr.job_id);
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(trial_fail);
Datum
trial_fail(PG_FUNCTION_ARGS)
{
	int64		id;
	TrialNow	tr;
	bool		retry;
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		args[2];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the trial that failed must not be NULL")));
	id = PG_GETARG_INT64(0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the reason trial " INT64_FORMAT " failed must not be NULL", id)));
	args[0] = Int64GetDatum(id);
	args[1] = PG_GETARG_DATUM(1);

	SPI_connect();
	tr = trial_lock(id);
	trial_require_claimed(id, &tr);
	/*
	 * A worker that names itself fails only its own claim: one whose lease
	 * expired and whose trial another has claimed since does not undo that
	 * one's work.  (A late report still counts: a result is never wasted.)
	 */
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		char	   *me = text_to_cstring(PG_GETARG_TEXT_PP(2));
		char	   *holder;

		if (SPI_execute_with_args(ctnas_sql("SELECT worker FROM %1$s.search_trials WHERE id OPERATOR(pg_catalog.=) $1"),
								  1, types, args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read ctnas.search_trials");
		holder = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		if (holder == NULL || strcmp(holder, me) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("trial " INT64_FORMAT " is claimed by another worker", id),
					 errdetail("Worker \"%s\" holds its claim, not \"%s\" (a claim whose lease expired may be taken by another).",
							   holder ? holder : "", me)));
	}
	retry = tr.attempts < job_max_attempts(tr.job_id, tr.options);
	if (retry)
		/* claimable again, by anyone (it keeps its place: the oldest are claimed first) */
		job_spi_exec(ctnas_sql("UPDATE %1$s.search_trials SET status = 'proposed', error = $2, lease_until = NULL"
							   " WHERE id OPERATOR(pg_catalog.=) $1"), 2, types, args);
	else
	{
		job_spi_exec(ctnas_sql("UPDATE %1$s.search_trials SET status = 'failed', error = $2, lease_until = NULL,"
							   " reported_at = pg_catalog.now() WHERE id OPERATOR(pg_catalog.=) $1"), 2, types, args);
		trial_resume_job(tr.job_id);
	}
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(retry ? "proposed" : "failed"));
}
