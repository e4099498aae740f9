/*
 * ktau.c
 *	  Ranking quality in SQL: the aggregates kendall_tau(x, y) (tau-b) and
 *	  ctnas_ktau(arch, acc [, model]) (CTNAS's pairwise KTau of a NAC), and
 *	  torch_randperm(n, seed) for reproducing CTNAS's data splits.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "agg_state.h"
#include "archgraph.h"
#include "ctnas_nac.h"
#include "ctnas_stats.h"
#include "ktau.h"
#include "models.h"
#include "pg_util.h"

static int	ktau_max_cells = 10000;

void
ctnas_ktau_init(void)
{
	DefineCustomIntVariable("ctnas.ktau_max_cells",
							"Largest group ctnas_ktau accepts (it compares all pairs of the group).",
							NULL, &ktau_max_cells, 10000, 2, 1000000, PGC_USERSET, 0, NULL, NULL, NULL);
}

/* ---- kendall_tau(x, y) ---------------------------------------------------- */

typedef struct PairState
{
	uint32		magic;			/* CTNAS_KENDALL_MAGIC */
	int64		n;
	int64		cap;
	double	   *x;
	double	   *y;
} PairState;

static PairState *
pairs_create(MemoryContext cxt, int64 cap)
{
	PairState  *st = MemoryContextAllocZero(cxt, sizeof(PairState));

	st->magic = CTNAS_KENDALL_MAGIC;
	st->cap = Max(cap, 64);
	st->x = MemoryContextAllocHuge(cxt, sizeof(double) * st->cap);
	st->y = MemoryContextAllocHuge(cxt, sizeof(double) * st->cap);
	return st;
}

static void
pairs_add(PairState *st, double x, double y)
{
	if (st->n == st->cap)
	{
		st->cap *= 2;
		st->x = repalloc_huge(st->x, sizeof(double) * st->cap);
		st->y = repalloc_huge(st->y, sizeof(double) * st->cap);
	}
	st->x[st->n] = x;
	st->y[st->n] = y;
	st->n++;
}

PG_FUNCTION_INFO_V1(kendall_tau_transfn);
Datum
kendall_tau_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "kendall_tau_transfn");
	PairState  *st = ctnas_agg_state(fcinfo, 0, CTNAS_KENDALL_MAGIC, "kendall_tau_transfn");

	if (st == NULL)
		st = pairs_create(cxt, 0);

	/* pairs with a NULL are skipped */
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		pairs_add(st, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	PG_RETURN_POINTER(st);
}

/* appends from's pairs to into */
static void
pairs_merge(void *into, const void *from)
{
	const PairState *b = from;

	for (int64 i = 0; i < b->n; i++)
		pairs_add(into, b->x[i], b->y[i]);
}

PG_FUNCTION_INFO_V1(kendall_tau_combinefn);
Datum
kendall_tau_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "kendall_tau_combinefn");
	PairState  *a = ctnas_agg_state(fcinfo, 0, CTNAS_KENDALL_MAGIC, "kendall_tau_combinefn");
	PairState  *b = ctnas_agg_state(fcinfo, 1, CTNAS_KENDALL_MAGIC, "kendall_tau_combinefn");
	PairState  *out;

	if (a == NULL && b == NULL)
		PG_RETURN_NULL();
	out = pairs_create(cxt, (a ? a->n : 0) + (b ? b->n : 0));
	if (a != NULL)
		pairs_merge(out, a);
	if (b != NULL)
		pairs_merge(out, b);
	PG_RETURN_POINTER(out);
}

/*
 * Serialized: the magic, int64 n, n x (float8 x, float8 y).  The bytes of
 * the state type kendall_tau_state and of the 0.1.0 serial function alike.
 */
static void
pairs_serialize(const void *state, StringInfo buf)
{
	const PairState *st = state;

	pq_sendint32(buf, CTNAS_KENDALL_MAGIC);
	pq_sendint64(buf, st->n);
	for (int64 i = 0; i < st->n; i++)
	{
		pq_sendfloat8(buf, st->x[i]);
		pq_sendfloat8(buf, st->y[i]);
	}
}

static void *
pairs_deserialize(const char *data, int len, MemoryContext cxt)
{
	StringInfoData buf = {.data = (char *) data,.len = len,.maxlen = len,.cursor = 0};
	PairState  *st;
	int64		n;

	ctnas_agg_serial_magic(&buf, CTNAS_KENDALL_MAGIC, "kendall_tau");
	n = buf.len - buf.cursor >= 8 ? pq_getmsgint64(&buf) : -1;
	if (n < 0 || n != (int64) ((buf.len - buf.cursor) / 16) || (buf.len - buf.cursor) % 16 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("kendall_tau was given a damaged state"),
				 errdetail_plural("The state says %lld pair in %d bytes.", "The state says %lld pairs in %d bytes.",
								  (unsigned long) Max(n, 0), (long long) n, len)));
	st = pairs_create(cxt, n);
	for (int64 i = 0; i < n; i++)
	{
		double		x = pq_getmsgfloat8(&buf);

		pairs_add(st, x, pq_getmsgfloat8(&buf));
	}
	return st;
}

static size_t
pairs_flat_size(const void *state)
{
	return 4 + 8 + (size_t) ((const PairState *) state)->n * 16;
}

static void *
pairs_create_empty(MemoryContext cxt)
{
	return pairs_create(cxt, 0);
}

static const CtnasAggStateKind pairs_kind = {
	"kendall_tau_state", pairs_create_empty, pairs_flat_size, pairs_serialize, pairs_deserialize, pairs_merge
};

/* the 0.1.0 aggregate's (internal state) serial and deserial functions */
PG_FUNCTION_INFO_V1(kendall_tau_serialfn);
Datum
kendall_tau_serialfn(PG_FUNCTION_ARGS)
{
	PairState  *st;
	StringInfoData buf;

	ctnas_agg_context(fcinfo, "kendall_tau_serialfn");
	st = ctnas_agg_state(fcinfo, 0, CTNAS_KENDALL_MAGIC, "kendall_tau_serialfn");
	if (st == NULL)
		PG_RETURN_NULL();
	pq_begintypsend(&buf);
	pairs_serialize(st, &buf);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(kendall_tau_deserialfn);
Datum
kendall_tau_deserialfn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "kendall_tau_deserialfn");
	bytea	   *data = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_POINTER(pairs_deserialize(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), cxt));
}

/* tau-b of the state's pairs as the aggregate's result (NULL when undefined) */
static Datum
pairs_tau(FunctionCallInfo fcinfo, const PairState *st)
{
	double		tau;
	bool		has_nan = false;

	if (st == NULL || st->n < 2)
		PG_RETURN_NULL();
	for (int64 i = 0; i < st->n && !has_nan; i++)
		has_nan = isnan(st->x[i]) || isnan(st->y[i]);
	if (has_nan)
		PG_RETURN_FLOAT8(get_float8_nan());	/* as corr() does */
	tau = ct_kendall_tau_b(st->x, st->y, (size_t) st->n);
	/* a constant side leaves tau-b undefined: NULL, as corr() gives */
	if (isnan(tau))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(tau);
}

PG_FUNCTION_INFO_V1(kendall_tau_finalfn);
Datum
kendall_tau_finalfn(PG_FUNCTION_ARGS)
{
	ctnas_agg_context(fcinfo, "kendall_tau_finalfn");
	return pairs_tau(fcinfo, ctnas_agg_state(fcinfo, 0, CTNAS_KENDALL_MAGIC, "kendall_tau_finalfn"));
}

/*
 * Since 0.2.0 the aggregate's state is the type ctnas_internal.kendall_tau_state
 * (agg_state.h), which Citus can ship between nodes.
 */
PG_FUNCTION_INFO_V1(kendall_tau_state_in);
Datum
kendall_tau_state_in(PG_FUNCTION_ARGS)
{
	return ctnas_agg_state_in(PG_GETARG_CSTRING(0), &pairs_kind);
}

PG_FUNCTION_INFO_V1(kendall_tau_state_out);
Datum
kendall_tau_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(ctnas_agg_state_out(PG_GETARG_DATUM(0), &pairs_kind));
}

PG_FUNCTION_INFO_V1(kendall_tau_trans);
Datum
kendall_tau_trans(PG_FUNCTION_ARGS)
{
	Datum		result;
	PairState  *st = ctnas_agg_state_for_update(fcinfo, 0, &pairs_kind, &result);

	/* pairs with a NULL are skipped */
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		pairs_add(st, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	return ctnas_agg_state_changed(result);
}

PG_FUNCTION_INFO_V1(kendall_tau_combine);
Datum
kendall_tau_combine(PG_FUNCTION_ARGS)
{
	return ctnas_agg_state_combine(fcinfo, &pairs_kind);
}

PG_FUNCTION_INFO_V1(kendall_tau_final);
Datum
kendall_tau_final(PG_FUNCTION_ARGS)
{
	return pairs_tau(fcinfo, ctnas_agg_state_get(fcinfo, 0, &pairs_kind, false, NULL));
}

/* ---- ctnas_ktau(arch, acc [, model]) --------------------------------------- */

typedef struct KtauState
{
	uint32		magic;			/* CTNAS_CTNAS_KTAU_MAGIC */
	int64		n;
	int64		cap;
	ct_arch    *cells;			/* all of one space */
	double	   *acc;
	char	   *model;			/* NULL: the ctnas.model setting */
	bool		model_set;
} KtauState;

PG_FUNCTION_INFO_V1(ctnas_ktau_transfn);
Datum
ctnas_ktau_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "ctnas_ktau_transfn");
	KtauState  *st = ctnas_agg_state(fcinfo, 0, CTNAS_CTNAS_KTAU_MAGIC, "ctnas_ktau_transfn");
	ct_arch		g;

	if (st == NULL)
	{
		st = MemoryContextAllocZero(cxt, sizeof(KtauState));
		st->magic = CTNAS_CTNAS_KTAU_MAGIC;
		st->cap = 64;
		st->cells = MemoryContextAllocHuge(cxt, sizeof(ct_arch) * st->cap);
		st->acc = MemoryContextAllocHuge(cxt, sizeof(double) * st->cap);
	}
	if (PG_NARGS() > 3)
	{
		char	   *model = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));

		if (model == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("ctnas_ktau model must not be null")));
		if (!st->model_set)
		{
			st->model = MemoryContextStrdup(cxt, model);
			st->model_set = true;
		}
		else if (strcmp(st->model, model) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ctnas_ktau model must be the same for every row")));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	if (isnan(PG_GETARG_FLOAT8(2)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ctnas_ktau accuracy must not be NaN")));
	if (st->n == st->cap)
	{
		st->cap *= 2;
		st->cells = repalloc_huge(st->cells, sizeof(ct_arch) * st->cap);
		st->acc = repalloc_huge(st->acc, sizeof(double) * st->cap);
	}
	archgraph_decode(PG_GETARG_ARCHGRAPH_P(1), &g);
	if (st->n > 0 && g.space != st->cells[0].space)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ctnas_ktau rows mix search spaces"),
				 errdetail("A row of %s after rows of %s.", ct_space_of(&g)->name, ct_space_of(&st->cells[0])->name)));
	st->cells[st->n] = g;
	st->acc[st->n] = PG_GETARG_FLOAT8(2);
	st->n++;
	if (st->n > ktau_max_cells)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ctnas_ktau group has more than %d cells", ktau_max_cells),
				 errdetail("ctnas_ktau compares every pair of the group with the NAC, and the cost grows with the square of its size."),
				 errhint("Use kendall_tau(nac_score(arch), acc) for large groups (a different statistic: tau-b of the NAC's ranking), or raise ctnas.ktau_max_cells.")));
	PG_RETURN_POINTER(st);
}

/*
 * CTNAS's KTau (reference code, engine/nac.py): over all pairs i < j in the
 * order the rows came, sign(NAC(a_i, a_j) - 0.5) * sign(acc_i - acc_j) with
 * sign(0) = +1, averaged.  Each cell is embedded once; a pair costs a dot product.
 */
PG_FUNCTION_INFO_V1(ctnas_ktau_finalfn);
Datum
ctnas_ktau_finalfn(PG_FUNCTION_ARGS)
{
	KtauState  *st;
	const ct_nac *model;
	ct_nac_batch *batch;
	MemoryContext model_cxt,
				old;
	float	   *feat;
	double	   *la,
			   *lb;
	int			w;
	int64		n,
				sum = 0;

	ctnas_agg_context(fcinfo, "ctnas_ktau_finalfn");
	st = ctnas_agg_state(fcinfo, 0, CTNAS_CTNAS_KTAU_MAGIC, "ctnas_ktau_finalfn");
	if (st == NULL || st->n < 2)
		PG_RETURN_NULL();
	n = st->n;
	model = ctnas_model_lookup(st->model, &batch, &model_cxt);
	ctnas_model_check_space(model, &st->cells[0]);	/* (the group is of one space) */
	w = model->feat;
	/* the group's embeddings and logits (the group itself is capped by ctnas.ktau_max_cells) */
	ctnas_check_training_memory((size_t) n * (sizeof(float) * w + 2 * sizeof(double)), "ctnas_ktau",
								"Use smaller groups");
	feat = palloc_extended(sizeof(float) * n * w, MCXT_ALLOC_HUGE);
	ctnas_blas_single_thread();
	old = MemoryContextSwitchTo(model_cxt);
	for (int64 i = 0; i < n; i += 256)
	{
		CHECK_FOR_INTERRUPTS();
		ct_nac_forward(model, batch, st->cells + i, (int) Min(256, n - i), feat + i * w);
	}
	MemoryContextSwitchTo(old);

	/* logit(a, b) = w_a . f(a) + w_b . f(b) + c: two dot products per cell */
	la = palloc(sizeof(double) * n);
	lb = palloc(sizeof(double) * n);
	for (int64 i = 0; i < n; i++)
	{
		la[i] = 0;
		lb[i] = 0;
		for (int k = 0; k < w; k++)
		{
			la[i] += (double) model->fc_w[k] * feat[i * w + k];
			lb[i] += (double) model->fc_w[w + k] * feat[i * w + k];
		}
	}
	for (int64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int64 j = i + 1; j < n; j++)
		{
			bool		says_i = la[i] + lb[j] + model->fc_b[0] >= 0;	/* p >= 0.5 */
			bool		truly_i = st->acc[i] >= st->acc[j];

			sum += says_i == truly_i ? 1 : -1;
		}
	}
	PG_RETURN_FLOAT8((double) sum / ((double) n * (double) (n - 1) / 2.0));
}

/* ---- torch_randperm(n, seed) ---------------------------------------------- */

PG_FUNCTION_INFO_V1(torch_randperm);
Datum
torch_randperm(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		n = PG_GETARG_INT32(0);
	int64		seed = PG_GETARG_INT64(1);
	uint32	   *perm;

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("torch_randperm n must not be negative")));
	if (n > 100000000)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("torch_randperm n must be at most 100000000"),
				 errdetail("Got %d.", n)));
	if (seed < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("torch_randperm seed must not be negative")));
	InitMaterializedSRF(fcinfo, 0);
	perm = palloc_extended(sizeof(uint32) * Max(n, 1), MCXT_ALLOC_HUGE);
	ct_torch_randperm((uint32) n, (uint64) seed, perm);
	for (int32 i = 0; i < n; i++)
	{
		Datum		values[2] = {Int32GetDatum(i), Int32GetDatum((int32) perm[i])};
		bool		nulls[2] = {false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(perm);
	return (Datum) 0;
}
