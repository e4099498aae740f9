/*
 * search.c
 *	  The search functions in SQL: random_search, evolution_search,
 *	  local_search and ctnas_search, each reading its oracle and options through the search
 *	  harness (search_harness.h) and returning the queried cells and the
 *	  final choice as rows.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "archgraph.h"
#include "pg_util.h"
#include "search_harness.h"

/*
 * The rows every search function returns: each queried cell in query order,
 * then the final choice (step NULL; its acc NULL when the oracle lacks it,
 * row < 0).  With scores, a sixth column nac_score (NULL for NaN).
 */
/*
 * The option "list": what the search would propose next, after the queried
 * rows and before the final one: steps going on from the last query, acc
 * NULL (not read), queries as at the end, the NAC's score.
 */
static void
put_listed_rows(ReturnSetInfo *rsinfo, ct_ctnas_search *s, int used)
{
	int			max = CT_CTNAS_LIST_MAX;	/* (it lists as many as the option "list" asked for) */
	ct_arch    *cells = palloc(sizeof(ct_arch) * Max(max, 1));
	double	   *scores = palloc(sizeof(double) * Max(max, 1));
	ct_error	err;
	int			n = ct_ctnas_list(s, cells, scores, max, &err);
	Datum		values[6];
	bool		nulls[6] = {false, false, true, false, false, false};

	if (n < 0)
		ct_report_error(&err, "search", NULL);
	for (int i = 0; i < n; i++)
	{
		values[0] = Int32GetDatum(used + i + 1);
		values[1] = PointerGetDatum(archgraph_encode(&cells[i]));
		values[2] = (Datum) 0;
		values[3] = BoolGetDatum(false);
		values[4] = Int32GetDatum(used);
		values[5] = Float8GetDatum(scores[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

static void
put_result_rows(ReturnSetInfo *rsinfo, const ct_budget *b, const double *scores, ct_ctnas_search *s,
				const ct_arch *final_cell, int64 final_row, double final_score)
{
	const ct_oracle *o = b->oracle;
	Datum		values[6];
	bool		nulls[6];

	for (int i = 0; i < b->used; i++)
	{
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(i + 1);
		values[1] = PointerGetDatum(archgraph_encode(&o->cells[b->log[i]]));
		values[2] = Float8GetDatum(o->acc[b->log[i]]);
		values[3] = BoolGetDatum(false);
		values[4] = Int32GetDatum(i + 1);
		if (scores != NULL)
		{
			values[5] = Float8GetDatum(scores[i]);
			nulls[5] = isnan(scores[i]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (s != NULL)
		put_listed_rows(rsinfo, s, b->used);
	if (final_cell == NULL)
		return;
	memset(nulls, 0, sizeof(nulls));
	nulls[0] = true;
	values[1] = PointerGetDatum(archgraph_encode(final_cell));
	/* the final cell's accuracy is reported when the oracle holds it; it is not a query */
	values[2] = Float8GetDatum(final_row >= 0 ? o->acc[final_row] : 0.0);
	nulls[2] = final_row < 0;
	values[3] = BoolGetDatum(true);
	values[4] = Int32GetDatum(b->used);
	if (scores != NULL)
	{
		values[5] = Float8GetDatum(final_score);
		nulls[5] = isnan(final_score);
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static Datum
run_baseline(FunctionCallInfo fcinfo, SearchMethod method)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *oracle;
	int32		budget;
	SearchOptions so;
	ct_oracle	o;
	ct_budget	b;
	int64		best;

	search_check_args(fcinfo, method == SEARCH_RANDOM ? "random_search" : method == SEARCH_LOCAL ? "local_search" : "evolution_search",
					  search_arg_names, 3);
	oracle = text_to_cstring(PG_GETARG_TEXT_PP(0));
	budget = PG_GETARG_INT32(1);
	so = search_split_options(PG_GETARG_JSONB_P(2), method, false);
	search_check_budget(budget);
	InitMaterializedSRF(fcinfo, 0);
	/* the result's arch column tells the archgraph type's oid, whatever the search_path */
	search_load_oracle(oracle, &so, TupleDescAttr(rsinfo->setDesc, 1)->atttypid, &o);
	ct_budget_init(&b, &o, budget);
	search_run_baseline(method, &b, &so);

	/* the final choice: the best queried cell */
	best = ct_budget_best(&b);
	put_result_rows(rsinfo, &b, NULL, NULL, best >= 0 ? &o.cells[best] : NULL, best, NAN);
	ct_budget_free(&b);
	ct_oracle_free(&o);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(random_search);
Datum
random_search(PG_FUNCTION_ARGS)
{
	return run_baseline(fcinfo, SEARCH_RANDOM);
}

PG_FUNCTION_INFO_V1(evolution_search);
Datum
evolution_search(PG_FUNCTION_ARGS)
{
	return run_baseline(fcinfo, SEARCH_EVOLUTION);
}

PG_FUNCTION_INFO_V1(local_search);
Datum
local_search(PG_FUNCTION_ARGS)
{
	return run_baseline(fcinfo, SEARCH_LOCAL);
}


static void
report_progress(ct_ctnas_search *s, const ct_oracle *o, int budget, TimestampTz started)
{
	ct_ctnas_progress p;
	char	   *best = "";
	char	   *left = NULL;
	long		secs;
	int			usecs;

	ct_ctnas_get_progress(s, &p);
	if (p.best_row >= 0)
		best = psprintf(", best queried accuracy %.4f", o->acc[p.best_row]);
	/* how long is left, from the pace so far (in DETAIL: tests hide it with VERBOSITY terse) */
	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	if (p.steps > 0 && p.total_steps > p.steps)
		left = psprintf("About %.0f s left.", (secs + usecs / 1e6) * (double) (p.total_steps - p.steps) / (double) p.steps);
	ereport(NOTICE,
			(errmsg("ctnas_search: step " INT64_FORMAT " of " INT64_FORMAT ", %s, iteration " INT64_FORMAT ", %d of %d queries%s",
					p.steps, p.total_steps, p.phase, p.iteration, p.queries, budget, best),
			 left ? errdetail("%s", left) : 0));
}

PG_FUNCTION_INFO_V1(ctnas_search);
Datum
ctnas_search(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *oracle;
	int32		budget;
	SearchOptions so;
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;
	ct_arch		final_cell;
	int64_t		final_row;
	double		final_score;
	bool		have_final;
	double	   *scores;
	ct_arch    *queried;
	TimestampTz started;

	search_check_args(fcinfo, "ctnas_search", search_arg_names, 3);
	oracle = text_to_cstring(PG_GETARG_TEXT_PP(0));
	budget = PG_GETARG_INT32(1);
	so = search_split_options(PG_GETARG_JSONB_P(2), SEARCH_CTNAS, false);

	search_check_budget(budget);
	InitMaterializedSRF(fcinfo, 0);
	search_load_oracle(oracle, &so, TupleDescAttr(rsinfo->setDesc, 1)->atttypid, &o);
	ct_budget_init(&b, &o, budget);
	s = search_ctnas_create(&b, &so);
	started = GetCurrentTimestamp();
	while (!ct_ctnas_done(s))
	{
		if (!ct_ctnas_step(s, search_interrupt, NULL, &err))
			ct_report_error(&err, "search", NULL);
		if (so.progress > 0)
		{
			ct_ctnas_progress p;

			ct_ctnas_get_progress(s, &p);
			if (p.steps % so.progress == 0 || ct_ctnas_done(s))
				report_progress(s, &o, budget, started);
		}
	}

	/* every queried cell with its accuracy and the final NAC's score, then the final choice */
	queried = palloc(sizeof(ct_arch) * Max(b.used, 1));
	scores = palloc(sizeof(double) * Max(b.used, 1));
	for (int i = 0; i < b.used; i++)
		queried[i] = o.cells[b.log[i]];
	ct_ctnas_score(s, queried, b.used, scores);
	have_final = ct_ctnas_final(s, &final_cell, &final_row, &final_score);
	{
		char		why[200];

		/* a NULL nac_score on the final row always comes with its reason */
		if (have_final && ct_ctnas_no_nac_reason(s, why, sizeof(why)))
			ereport(NOTICE, (errmsg("ctnas_search: the search trained no NAC"), errdetail("%s", why)));
	}
	put_result_rows(rsinfo, &b, scores, s, have_final ? &final_cell : NULL, final_row, final_score);
	if (so.save_model != NULL)
		search_save_model(s, so.save_model);
	ct_ctnas_destroy(s);
	ct_budget_free(&b);
	ct_oracle_free(&o);
	return (Datum) 0;
}
