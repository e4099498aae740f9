/*
 * search_job_worker.c
 *	  The background worker that runs one search job.
 *
 * It connects without a login role (its session is the bootstrap
 * superuser's, as autovacuum's is), claims its job and records itself in
 * ctnas.search_workers, and from then on runs as the job's owner inside a
 * security-restricted operation, the way VACUUM runs a table owner's index
 * functions: code the owner controls (a view, a function in a query oracle)
 * cannot SET ROLE, RESET ROLE or SET SESSION AUTHORIZATION its way to other
 * privileges.  It commits progress and results between steps, polls its
 * row's cancel_requested, and writes a checkpoint now and then for jobs
 * that resume.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/procarray.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "archgraph.h"
#include "ctnas_pg.h"
#include "pg_util.h"
#include "search_jobs.h"

#define FLUSH_MS		250		/* progress, results and cancel checks at least this often */
#define CHECKPOINT_MS	5000	/* checkpoints (jobs with "resume": true) at most this often */

typedef struct Job
{
	int64		id;
	SearchMethod method;
	char	   *oracle;
	int32		budget;
	char	   *search_path;	/* the submitter's, for a query oracle */
	Oid			owner;			/* the role the job runs as */
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

static void write_checkpoint(void);

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
	job_spi_exec(ctnas_sql("INSERT INTO %1$s.search_results (job_id, step, arch, acc, final, queries)"
			 " SELECT $1, s, a, c, false, s FROM unnest($2, $3, $4) AS u(s, a, c)"), 4, types, args);
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
	json = psprintf("{\"steps\": " INT64_FORMAT ", \"total_steps\": " INT64_FORMAT ", \"phase\": \"%s\", \"iteration\": " INT64_FORMAT
					", \"queries\": %d%s}", (int64) p.steps, (int64) p.total_steps, p.phase, (int64) p.iteration, p.queries,
					best >= 0 ? psprintf(", \"best_acc\": %.17g", job.o.acc[best]) : "");
	args[0] = Int64GetDatum(job.id);
	args[1] = CStringGetTextDatum(json);
	job_spi_exec(ctnas_sql("UPDATE %1$s.search_jobs SET progress = $2::pg_catalog.jsonb WHERE id OPERATOR(pg_catalog.=) $1"), 2, types, args);
}

/*
 * Whether this process is still the job's recorded worker: if another one
 * took the job over (its owner set it back to queued, and a new worker
 * claimed it), this one leaves without touching the job.
 */
static void
still_the_worker(void)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job.id)};
	bool		isnull;
	int64		pid;

	pid = job_spi_int64(ctnas_sql("SELECT pid FROM %1$s.search_workers WHERE job_id OPERATOR(pg_catalog.=) $1"),
						1, types, args, &isnull);
	if (isnull || pid != MyProcPid)
	{
		ereport(LOG,
				(errmsg("ctnas search job " INT64_FORMAT ": another worker has taken the job over, this one stops", job.id)));
		SPI_finish();
		PopActiveSnapshot();
		AbortCurrentTransaction();
		proc_exit(0);
	}
}

/*
 * A cancel requested in the job's row ends the job (an ERROR, recorded by
 * job_failed).  lock: the row stays locked to the end of the transaction,
 * so no cancel or report can slip in before the job's next status.
 */
static void
check_cancelled(bool lock)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job.id)};
	bool		isnull;

	if (job_spi_int64(lock ? ctnas_sql("SELECT cancel_requested::int4 FROM %1$s.search_jobs WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE")
					  : ctnas_sql("SELECT cancel_requested::int4 FROM %1$s.search_jobs WHERE id OPERATOR(pg_catalog.=) $1"),
					  1, types, args, &isnull) == 1)
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("the search job was cancelled")));
}

/* A fresh budget over the job's oracle, with its bound on failed trials. */
static void
start_budget(void)
{
	MemoryContext old = MemoryContextSwitchTo(job.cxt);

	ct_budget_init(&job.b, &job.o, job.budget);
	job.b.max_failed = job.so.max_failed > 0 ? job.so.max_failed : job.budget;
	MemoryContextSwitchTo(old);
}

/* Between steps: cancel and time limit, progress, new results, a checkpoint now and then. */
static void
job_flush(void)
{
	TimestampTz now = GetCurrentTimestamp();

	begin_tx("ctnas search job: saving progress");
	still_the_worker();
	check_cancelled(false);
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
		write_checkpoint();
	end_tx();
}

/* Saves the search's state (inside a transaction). */
static void
write_checkpoint(void)
{
	Oid			types[2] = {INT8OID, BYTEAOID};
	Datum		args[2] = {Int64GetDatum(job.id)};
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
	job_spi_exec(ctnas_sql("INSERT INTO %1$s.search_checkpoints (job_id, state) VALUES ($1, $2)"
						   " ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, saved_at = pg_catalog.now()"),
				 2, types, args);
	job.last_checkpoint = GetCurrentTimestamp();
}

/* The final rows, the saved model, succeeded. */

/*
 * The option "list": what the search would propose next, as rows after the
 * queries (steps going on from the last, acc NULL, queries as at the end),
 * as ctnas_search returns them.
 */
static void
job_insert_listed(void)
{
	ct_arch    *cells = palloc(sizeof(ct_arch) * CT_CTNAS_LIST_MAX);
	double	   *scores = palloc(sizeof(double) * CT_CTNAS_LIST_MAX);
	ct_error	err;
	int			n = ct_ctnas_list(job.s, cells, scores, CT_CTNAS_LIST_MAX, &err);
	Oid			types[5] = {INT8OID, INT4OID, search_archgraph_oid(), INT4OID, FLOAT8OID};

	if (n < 0)
		ct_report_error(&err, "search", NULL);
	for (int i = 0; i < n; i++)
	{
		Datum		args[5] = {Int64GetDatum(job.id), Int32GetDatum(job.b.used + i + 1),
			PointerGetDatum(archgraph_encode(&cells[i])), Int32GetDatum(job.b.used), Float8GetDatum(scores[i])};

		job_spi_exec(ctnas_sql("INSERT INTO %1$s.search_results (job_id, step, arch, acc, final, queries, nac_score)"
							   " VALUES ($1, $2, $3, NULL, false, $4, $5)"), 5, types, args);
	}
}

static void
job_finish(void)
{
	Oid			types[5] = {INT8OID, FLOAT8ARRAYOID, 0, FLOAT8OID, INT4OID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	ct_arch		cell;
	int64_t		row;
	double		score = NAN;
	bool		have_final;

	begin_tx("ctnas search job: finishing");
	write_progress();
	flush_results();
	if (job.so.external && job.b.used == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no trial of the search was evaluated"),
				 errdetail("%d trials failed; the search stops at %d failures (max_failed).", job.b.nfailed, job.b.max_failed)));
	args[0] = Int64GetDatum(job.id);
	types[2] = search_archgraph_oid();
	if (job.s != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(job.cxt);
		ct_arch    *cells = palloc(sizeof(ct_arch) * Max(job.b.used, 1));
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
		{
			char		why[200];

			/* the final row's NULL nac_score, explained in the server log (a worker has no client) */
			if (have_final && ct_ctnas_no_nac_reason(job.s, why, sizeof(why)))
				ereport(LOG, (errmsg("ctnas search job " INT64_FORMAT " trained no NAC", job.id), errdetail("%s", why)));
		}
		for (int i = 0; i < job.b.used; i++)
		{
			d[i] = Float8GetDatum(scores[i]);
			dn[i] = isnan(scores[i]);
		}
		args[1] = PointerGetDatum(construct_md_array(d, dn, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		job_spi_exec(ctnas_sql("UPDATE %1$s.search_results r SET nac_score = ($2)[r.step] WHERE r.job_id OPERATOR(pg_catalog.=) $1 AND NOT r.final"),
				 2, types, args);
	}
	else
	{
		row = ct_budget_best(&job.b);
		have_final = row >= 0;
		if (have_final)
			cell = job.o.cells[row];
	}
	if (job.s != NULL)
		job_insert_listed();
	if (have_final)
	{
		args[1] = (Datum) 0;
		nulls[1] = 'n';
		args[2] = PointerGetDatum(archgraph_encode(&cell));
		/* (an external search's final cell of recipe "paper" may never have been evaluated) */
		args[3] = Float8GetDatum(row >= 0 && isfinite(job.o.acc[row]) ? job.o.acc[row] : 0);
		nulls[3] = row >= 0 && isfinite(job.o.acc[row]) ? ' ' : 'n';
		args[4] = Int32GetDatum(job.b.used);
		if (job.s != NULL && !isnan(score))
		{
			args[1] = Float8GetDatum(score);
			nulls[1] = ' ';
		}
		types[1] = FLOAT8OID;
		if (SPI_execute_with_args(ctnas_sql("INSERT INTO %1$s.search_results (job_id, step, arch, acc, final, queries, nac_score)"
								  " VALUES ($1, NULL, $3, $4, true, $5, $2)"), 5, types, args, nulls, false, 0) < 0)
			elog(ERROR, "could not insert the final row");
	}
	if (job.s != NULL && job.so.save_model != NULL)
		search_save_model(job.s, job.so.save_model);
	job_spi_exec(ctnas_sql("DELETE FROM %1$s.search_checkpoints WHERE job_id OPERATOR(pg_catalog.=) $1"), 1, types, args);
	job_transition(job.id, "succeeded", NULL);
	end_tx();
}

/*
 * Claims the job (as the worker's own session, before any of the owner's
 * code can run) and records this process as its worker: false, and the
 * worker exits quietly, if the job is not there or not queued.
 */
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
	if (SPI_execute_with_args(ctnas_sql("SELECT j.method, j.oracle, j.budget, j.options, j.status, j.cancel_requested, c.state,"
										" j.search_path, j.owner_oid,"
										" EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) j.owner_oid)"
										" FROM %1$s.search_jobs j LEFT JOIN %1$s.search_checkpoints c ON c.job_id OPERATOR(pg_catalog.=) j.id"
										" WHERE j.id OPERATOR(pg_catalog.=) $1 FOR UPDATE OF j"),
							  1, types, args, NULL, false, 1) != SPI_OK_SELECT)
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
		job_transition(job.id, "cancelled", NULL);
		end_tx();
		return false;
	}
	if (!DatumGetBool(SPI_getbinval(tup, desc, 10, &isnull)))
	{
		job_transition(job.id, "failed", "the job's owner role does not exist (it was dropped)");
		end_tx();
		return false;
	}
	old = MemoryContextSwitchTo(job.cxt);
	job.owner = DatumGetObjectId(SPI_getbinval(tup, desc, 9, &isnull));
	job.method = search_method_from_name(SPI_getvalue(tup, desc, 1));
	job.oracle = SPI_getvalue(tup, desc, 2);
	job.budget = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	d = SPI_getbinval(tup, desc, 4, &isnull);
	job.so = search_split_options(DatumGetJsonbPCopy(d), job.method, true);
	/* the row is its owner's to write: what submit checked is checked again */
	search_check_candidates(job.oracle, &job.so);
	d = SPI_getbinval(tup, desc, 7, &isnull);
	job.checkpoint = isnull || !job.so.resume ? NULL : DatumGetByteaPCopy(d);
	job.search_path = SPI_getvalue(tup, desc, 8);
	MemoryContextSwitchTo(old);
	job_transition(job.id, "running", NULL);
	{
		Oid			t2[2] = {INT8OID, TIMESTAMPTZOID};
		Datum		a2[2] = {Int64GetDatum(job.id), TimestampTzGetDatum(MyStartTimestamp)};

		job_spi_exec(ctnas_sql("INSERT INTO %1$s.search_workers (job_id, pid, backend_start, postmaster_start, claimed)"
							   " VALUES ($1, pg_catalog.pg_backend_pid(), $2, pg_catalog.pg_postmaster_start_time(), true)"
							   " ON CONFLICT (job_id) DO UPDATE SET pid = excluded.pid, backend_start = excluded.backend_start,"
							   " postmaster_start = excluded.postmaster_start, claimed = true"), 2, t2, a2);
	}
	end_tx();
	return true;
}

/*
 * From here on the worker is the job's owner, in a security-restricted
 * operation for the rest of its life: every transaction starts (and, after
 * an error, ends) with this user and context.
 */
static void
become_owner(void)
{
	/* a query oracle means what it meant where it was submitted */
	if (job.search_path != NULL)
		SetConfigOption("search_path", job.search_path, PGC_USERSET, PGC_S_SESSION);
	SetUserIdAndSecContext(job.owner, SECURITY_RESTRICTED_OPERATION);
}

/*
 * An external search's oracle learns what the job's trials reported: an
 * accuracy, or a failure for good.  (Inside a transaction, as the owner:
 * the rows are the owner's, so each is checked like input.)
 */
static void
load_trial_results(void)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job.id)};
	MemoryContext cxt = CurrentMemoryContext;	/* (SPI returns in its own: the caller's allocations go on here) */

	if (SPI_execute_with_args(ctnas_sql("SELECT arch, status OPERATOR(pg_catalog.=) 'done', acc FROM %1$s.search_trials"
										" WHERE job_id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) ANY ('{done,failed}')"),
							  1, types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the search's trials");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		null_arch,
					null_done,
					null_acc;
		Datum		a = SPI_getbinval(t, desc, 1, &null_arch);
		bool		done = DatumGetBool(SPI_getbinval(t, desc, 2, &null_done));
		Datum		acc = SPI_getbinval(t, desc, 3, &null_acc);
		ct_arch		cell;
		int64_t		row;

		if (null_arch)
			continue;
		archgraph_decode(DatumGetArchGraphP(a), &cell);
		row = ct_oracle_find(&job.o, &cell);
		/* (a trial of an architecture the search did not propose tells it nothing) */
		if (row < 0)
			continue;
		if (done && !null_acc && isfinite(DatumGetFloat8(acc)))
			ct_oracle_set_acc(&job.o, row, DatumGetFloat8(acc));
		else if (!done)
			ct_oracle_set_failed(&job.o, row);
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(cxt);
}

/*
 * The search waits for the results of its open proposals: they become
 * trials (in proposal order; one that exists already, from an earlier start,
 * stays as it is, unless it was cancelled: then it is proposed again), and, unless all of them have been reported meanwhile,
 * the job is left waiting with its checkpoint and the worker exits: the
 * trial_report that completes the batch (or the launcher) queues it again.
 * Returns when the results are all in: the oracle has them.
 */
static void
job_wait(void)
{
	Oid			types[2] = {INT8OID, 0};
	Datum		args[2] = {Int64GetDatum(job.id)};
	Datum	   *archs;
	bool		isnull;
	int64		open;
	int			n = job.b.npending;

	begin_tx("ctnas search job: proposing trials");
	still_the_worker();
	write_progress();
	flush_results();
	types[1] = get_array_type(search_archgraph_oid());
	archs = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		archs[i] = PointerGetDatum(archgraph_encode(&job.o.cells[job.b.pending[i]]));
	args[1] = PointerGetDatum(construct_array(archs, n, search_archgraph_oid(), -1, false, TYPALIGN_INT));
	/* (a trial cancelled when the job ended before, and the job queued again since, is proposed again) */
	job_spi_exec(ctnas_sql("INSERT INTO %1$s.search_trials (job_id, arch)"
						   " SELECT $1, u.a FROM unnest($2) WITH ORDINALITY AS u(a, i) ORDER BY u.i"
						   " ON CONFLICT (job_id, arch) DO UPDATE SET status = 'proposed', error = NULL"
						   " WHERE search_trials.status OPERATOR(pg_catalog.=) 'cancelled'"), 2, types, args);
	/*
	 * The job's row locked first: a report that completes the batch now
	 * waits for this decision, and then sees it; a cancel committed before
	 * is seen here (its trials inserted above roll back with the error).
	 */
	check_cancelled(true);
	open = job_spi_int64(ctnas_sql("SELECT pg_catalog.count(*) FROM %1$s.search_trials WHERE job_id OPERATOR(pg_catalog.=) $1"
								   " AND arch OPERATOR(pg_catalog.=) ANY ($2)"
								   " AND status OPERATOR(pg_catalog.=) ANY ('{proposed,claimed}')"), 2, types, args, &isnull);
	if (open > 0)
	{
		if (job.s != NULL)
			write_checkpoint();
		if (!job_transition(job.id, "waiting", NULL))
			elog(ERROR, "search job " INT64_FORMAT " is not running", job.id);
		end_tx();
		ereport(LOG,
				(errmsg("ctnas search job " INT64_FORMAT " waits for %lld of %d trials", job.id, (long long) open, n)));
		proc_exit(0);
	}
	/* every one was reported meanwhile (a trial of an earlier start, a fast worker): go on */
	{
		MemoryContext old = MemoryContextSwitchTo(job.cxt);

		load_trial_results();
		MemoryContextSwitchTo(old);
	}
	end_tx();
}

/* Reads the oracle and builds (or restores) the search, in one transaction. */
static void
job_prepare(void)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		args[2] = {Int64GetDatum(job.id)};
	MemoryContext old;
	ct_error	err;

	begin_tx("ctnas search job: reading the oracle");
	old = MemoryContextSwitchTo(job.cxt);
	search_load_oracle(job.oracle, &job.so, search_archgraph_oid(), &job.o);
	if (job.so.external)
		load_trial_results();
	start_budget();
	if (job.method == SEARCH_CTNAS)
	{
		if (job.checkpoint != NULL)
		{
			ct_ctnas_options saved;

			/* a checkpoint is the owner's to write: what it would allocate is checked like a submit's options */
			if (!ct_ctnas_checkpoint_options((uint8_t *) VARDATA_ANY(job.checkpoint),
											 VARSIZE_ANY_EXHDR(job.checkpoint), &saved, &err))
				ct_report_error(&err, "search checkpoint", NULL);
			search_check_memory(&saved, job.o.space, job.budget, job.o.n, job.so.model != NULL);
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
	if (job.so.external && job.method != SEARCH_CTNAS)
	{
		bool		isnull;

		/* a baseline replays its proposals from the start: the rows it wrote are its log's first ones again */
		job.flushed = (int) job_spi_int64(ctnas_sql("SELECT pg_catalog.count(*) FROM %1$s.search_results"
													" WHERE job_id OPERATOR(pg_catalog.=) $1 AND NOT final"), 1, types, args, &isnull);
		job_spi_exec(ctnas_sql("DELETE FROM %1$s.search_results WHERE job_id OPERATOR(pg_catalog.=) $1 AND final"), 1, types, args);
	}
	else
	{
		/* results beyond the checkpoint (or of an earlier start) go: they will be found again */
		args[1] = Int32GetDatum(job.b.used);
		job_spi_exec(ctnas_sql("DELETE FROM %1$s.search_results WHERE job_id OPERATOR(pg_catalog.=) $1 AND (final OR step OPERATOR(pg_catalog.>) $2)"), 2, types, args);
		job.flushed = job.b.used;
	}
	end_tx();
}

static void
job_run(void)
{
	ct_error	err;
	TimestampTz last_flush = GetCurrentTimestamp();

	if (!job_claim())
		return;
	become_owner();
	job.started = GetCurrentTimestamp();
	job.last_checkpoint = job.started;
	job_prepare();
	if (job.method != SEARCH_CTNAS)
	{
		for (;;)
		{
			MemoryContext old = MemoryContextSwitchTo(job.cxt);

			search_run_baseline(job.method, &job.b, &job.so);
			MemoryContextSwitchTo(old);
			if (!job.b.waiting)
				break;
			job_wait();
			/* the results are in: the baseline runs again from the start, over the same oracle */
			ct_budget_free(&job.b);
			start_budget();
		}
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
		if (ct_ctnas_waiting(job.s))
		{
			job_wait();
			continue;
		}
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
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(job.id)};
	bool		cancelled;
	bool		isnull;

	MemoryContextSwitchTo(job.cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortOutOfAnyTransaction();
	/* a cancel (search_cancel, pg_cancel_backend), not the time limit, which is a failure */
	cancelled = edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !job.time_limit_hit;
	ereport(LOG,
			(errmsg("ctnas search job " INT64_FORMAT " %s: %s", job.id, cancelled ? "stopped" : "failed", edata->message)));
	begin_tx("ctnas search job: recording the failure");
	cancelled = cancelled ||
		job_spi_int64(ctnas_sql("SELECT cancel_requested::pg_catalog.int4 FROM %1$s.search_jobs WHERE id OPERATOR(pg_catalog.=) $1"),
					  1, types, args, &isnull) == 1;
	job_transition(job.id, cancelled ? "cancelled" : "failed",
				   cancelled ? NULL : edata->detail ? psprintf("%s (%s)", edata->message, edata->detail) : edata->message);
	job_spi_exec(ctnas_sql("DELETE FROM %1$s.search_checkpoints WHERE job_id OPERATOR(pg_catalog.=) $1"), 1, types, args);
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
	/* no login role: the job's owner may be NOLOGIN, and the session must not be one the job's code could return to */
	BackgroundWorkerInitializeConnectionByOid(a.dboid, InvalidOid, 0);
	/* the database's own settings must not change who this session is, nor stop it from writing */
	SetConfigOption("role", "none", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
	if (GetUserId() != BOOTSTRAP_SUPERUSERID)
		elog(FATAL, "ctnas search worker: unexpected user %u", GetUserId());
	/* until it becomes the owner, nothing but pg_catalog is looked up by name */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION);
	/* a worker has no statement around it: no parallel plans for its queries */
	SetConfigOption("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_OVERRIDE);
	memset(&job, 0, sizeof(job));
	job.id = a.job_id;
	job.cxt = AllocSetContextCreate(TopMemoryContext, "ctnas search job", ALLOCSET_DEFAULT_SIZES);
	/* (the setting, so that code in a query oracle can tell it runs in a job: current_setting('application_name')) */
	SetConfigOption("application_name", psprintf("ctnas search job " INT64_FORMAT, job.id), PGC_USERSET, PGC_S_SESSION);

	/* the job exists once the submitting transaction has committed */
	while (TransactionIdIsInProgress(XidFromFullTransactionId(a.submit_xid)))
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 20, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
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
