/*
 * nac_train_agg.c
 *	  The aggregate ctnas.nac_train(arch, acc [, options]) -> bytea.
 *
 * The transition function only collects (cell, accuracy) rows; the final
 * function sorts and trains (the core sorts, so row order never matters).
 * The state has combine, serialize and deserialize functions, so partial
 * aggregation in parallel workers can feed it.
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include <math.h>
#include <time.h>

#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "agg_state.h"
#include "archgraph.h"
#include "ctnas_nac.h"
#include "pg_util.h"

typedef struct NacTrainState
{
	uint32		magic;			/* CTNAS_NAC_TRAIN_MAGIC */
	int64		n;
	int64		cap;
	ct_arch    *cells;			/* all of one space */
	double	   *acc;
	char	   *options;		/* the options as JSON text, or NULL for none */
} NacTrainState;

static NacTrainState *
state_create(MemoryContext cxt)
{
	NacTrainState *st = MemoryContextAllocZero(cxt, sizeof(NacTrainState));

	st->magic = CTNAS_NAC_TRAIN_MAGIC;
	st->cap = 64;
	st->cells = MemoryContextAllocHuge(cxt, sizeof(ct_arch) * st->cap);
	st->acc = MemoryContextAllocHuge(cxt, sizeof(double) * st->cap);
	return st;
}

#define TRAIN_HINT "Train on fewer rows, fewer rows per batch (batch_size) or a smaller network (width, layers)"

/*
 * Training these rows with the state's options must fit in
 * ctnas.max_training_memory; checked as the rows come (each time the state
 * grows) and before training.
 */
static void
check_memory(const NacTrainState *st)
{
	ct_nac_options opt;
	ct_error	err;

	/* bad options are reported by the final function, as before */
	if (!ct_nac_options_from_json(st->options ? st->options : "{}", &opt, &err))
		return;
	ctnas_check_training_memory(ct_nac_trainer_memory((size_t) st->n, &opt, st->n > 0 ? ct_space_of(&st->cells[0]) : NULL, 0) +
								(size_t) st->cap * (sizeof(ct_arch) + sizeof(double)),
								"nac_train", TRAIN_HINT);
}

static void
state_add(NacTrainState *st, const ct_arch *g, double acc)
{
	if (st->n > 0 && g->space != st->cells[0].space)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nac_train rows mix search spaces"),
				 errdetail("A row of %s after rows of %s: a NAC compares architectures of one space.",
						   ct_space_of(g)->name, ct_space_of(&st->cells[0])->name)));
	if (st->n == st->cap)
	{
		check_memory(st);
		st->cap *= 2;
		st->cells = repalloc_huge(st->cells, sizeof(ct_arch) * st->cap);
		st->acc = repalloc_huge(st->acc, sizeof(double) * st->cap);
	}
	st->cells[st->n] = *g;
	st->acc[st->n] = acc;
	st->n++;
}

/* All rows of one aggregate call must carry the same options. */
static void
state_set_options(NacTrainState *st, const char *options, MemoryContext cxt)
{
	if (st->options == NULL && st->n == 0)
	{
		if (options != NULL)
			st->options = MemoryContextStrdup(cxt, options);
		return;
	}
	if ((st->options == NULL) != (options == NULL) ||
		(options != NULL && strcmp(st->options, options) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nac_train options must be the same for every row"),
				 errdetail("Got %s after %s.", options ? ctnas_echo(options) : "no options",
						   st->options ? ctnas_echo(st->options) : "no options")));
}

static void
check_accuracy(double acc)
{
	if (isnan(acc) || isinf(acc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nac_train accuracy must be a finite number"),
				 errdetail("Got %g.", acc)));
}

/* One input row (options, cell, accuracy: arguments 1-3) into the state. */
static void
state_add_row(FunctionCallInfo fcinfo, NacTrainState *st, MemoryContext cxt)
{
	char	   *options = NULL;
	ct_arch		g;

	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		Jsonb	   *jb = PG_GETARG_JSONB_P(3);

		options = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	}
	state_set_options(st, options, cxt);

	/* rows with a NULL cell or accuracy are skipped */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return;
	check_accuracy(PG_GETARG_FLOAT8(2));
	archgraph_decode(PG_GETARG_ARCHGRAPH_P(1), &g);
	state_add(st, &g, PG_GETARG_FLOAT8(2));
}

PG_FUNCTION_INFO_V1(nac_train_transfn);
Datum
nac_train_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "nac_train_transfn");
	NacTrainState *st = ctnas_agg_state(fcinfo, 0, CTNAS_NAC_TRAIN_MAGIC, "nac_train_transfn");

	if (st == NULL)
		st = state_create(cxt);
	state_add_row(fcinfo, st, cxt);
	PG_RETURN_POINTER(st);
}

/* b's rows (and options) after a's */
static void
state_merge(NacTrainState *a, const NacTrainState *b, MemoryContext cxt)
{
	if (b->n > 0 || b->options != NULL)
		state_set_options(a, b->options, cxt);
	for (int64 i = 0; i < b->n; i++)
		state_add(a, &b->cells[i], b->acc[i]);
}

PG_FUNCTION_INFO_V1(nac_train_combinefn);
Datum
nac_train_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "nac_train_combinefn");
	NacTrainState *a = ctnas_agg_state(fcinfo, 0, CTNAS_NAC_TRAIN_MAGIC, "nac_train_combinefn");
	NacTrainState *b = ctnas_agg_state(fcinfo, 1, CTNAS_NAC_TRAIN_MAGIC, "nac_train_combinefn");
	NacTrainState *out;

	if (a == NULL && b == NULL)
		PG_RETURN_NULL();
	/* always a fresh state in the aggregate context, never the other side's memory */
	out = state_create(cxt);
	if (a != NULL)
		state_merge(out, a, cxt);
	if (b != NULL)
		state_merge(out, b, cxt);
	PG_RETURN_POINTER(out);
}

/*
 * Serialized: the magic, int64 n, options (int32 length or -1, bytes), n x
 * (space, length, encoding, float8).  The bytes of the state type
 * nac_train_state and of the 0.1.0 serial function alike.
 */
#define SERIAL_ROW_MIN (2 + 1 + 8)

static void
state_serialize(const void *state, StringInfo buf)
{
	const NacTrainState *st = state;

	pq_sendint32(buf, CTNAS_NAC_TRAIN_MAGIC);
	pq_sendint64(buf, st->n);
	if (st->options == NULL)
		pq_sendint32(buf, -1);
	else
	{
		pq_sendint32(buf, (int32) strlen(st->options));
		pq_sendbytes(buf, st->options, strlen(st->options));
	}
	for (int64 i = 0; i < st->n; i++)
	{
		const ct_arch *g = &st->cells[i];

		pq_sendbyte(buf, g->space);
		pq_sendbyte(buf, g->len);
		pq_sendbytes(buf, (const char *) g->bytes, g->len);
		pq_sendfloat8(buf, st->acc[i]);
	}
}

static void
bad_serial(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("nac_train was given a damaged state"),
			 errdetail("%s", why)));
}

/*
 * Everything a state holds is checked as the aggregate's own input is: the
 * cells (valid encodings of one space), accuracies (finite), the options
 * (text in the server's encoding), the size (ctnas.max_training_memory).
 */
static void *
state_deserialize(const char *data, int len, MemoryContext cxt)
{
	StringInfoData buf = {.data = (char *) data,.len = len,.maxlen = len,.cursor = 0};
	NacTrainState *st = state_create(cxt);
	int64		n;
	int32		optlen;

	ctnas_agg_serial_magic(&buf, CTNAS_NAC_TRAIN_MAGIC, "nac_train");
	if (buf.len - buf.cursor < 12)
		bad_serial("It ends before its row count and options.");
	n = pq_getmsgint64(&buf);
	optlen = pq_getmsgint(&buf, 4);
	/* the lengths must fit the bytes there are, before anything is allocated for them */
	if (n < 0 || optlen < -1 || (optlen > 0 && optlen > buf.len - buf.cursor) ||
		n > (buf.len - buf.cursor - Max(optlen, 0)) / SERIAL_ROW_MIN)
		bad_serial("Its row count or options length do not fit its size.");
	if (optlen >= 0)
	{
		const char *opt = pq_getmsgbytes(&buf, optlen);

		if (memchr(opt, '\0', optlen) != NULL || !pg_verifymbstr(opt, optlen, true))
			bad_serial("Its options are not text.");
		st->options = MemoryContextAllocZero(cxt, optlen + 1);
		memcpy(st->options, opt, optlen);
	}
	for (int64 i = 0; i < n; i++)
	{
		ct_arch		g;
		const ct_space *sp;
		double		acc;

		memset(&g, 0, sizeof(g));
		g.space = (uint8) pq_getmsgbyte(&buf);
		g.len = (uint8) pq_getmsgbyte(&buf);
		sp = ct_space_by_id(g.space);
		if (sp == NULL || g.len > CT_ARCH_MAX || g.len > buf.len - buf.cursor)
			bad_serial("A row's cell is of no search space or longer than a cell.");
		memcpy(g.bytes, pq_getmsgbytes(&buf, g.len), g.len);
		if (!sp->valid(&g))
			bad_serial("A row's cell is not a valid cell of its search space.");
		if (buf.len - buf.cursor < 8)
			bad_serial("It ends within a row.");
		acc = pq_getmsgfloat8(&buf);
		if (isnan(acc) || isinf(acc))
			bad_serial("A row's accuracy is not a finite number.");
		state_add(st, &g, acc);
	}
	if (buf.cursor != buf.len)
		bad_serial("It has bytes after its last row.");
	return st;
}

static size_t
state_flat_size(const void *state)
{
	const NacTrainState *st = state;
	size_t		need = 4 + 8 + 4 + (st->options ? strlen(st->options) : 0);

	for (int64 i = 0; i < st->n; i++)
		need += 2 + st->cells[i].len + 8;
	return need;
}

static void *
state_create_empty(MemoryContext cxt)
{
	return state_create(cxt);
}

static void
state_merge_into(void *into, const void *from)
{
	state_merge(into, from, GetMemoryChunkContext(into));
}

static const CtnasAggStateKind state_kind = {
	"nac_train_state", state_create_empty, state_flat_size, state_serialize, state_deserialize, state_merge_into
};

/* the 0.1.0 aggregate's (internal state) serial and deserial functions */
PG_FUNCTION_INFO_V1(nac_train_serialfn);
Datum
nac_train_serialfn(PG_FUNCTION_ARGS)
{
	NacTrainState *st;
	StringInfoData buf;

	ctnas_agg_context(fcinfo, "nac_train_serialfn");
	st = ctnas_agg_state(fcinfo, 0, CTNAS_NAC_TRAIN_MAGIC, "nac_train_serialfn");
	if (st == NULL)
		PG_RETURN_NULL();
	pq_begintypsend(&buf);
	state_serialize(st, &buf);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nac_train_deserialfn);
Datum
nac_train_deserialfn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = ctnas_agg_context(fcinfo, "nac_train_deserialfn");
	bytea	   *data = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_POINTER(state_deserialize(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), cxt));
}

static void
nac_check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* A long training says how far it is, every PROGRESS_SECONDS (a NOTICE; the time left in DETAIL). */
#define PROGRESS_SECONDS 30
typedef struct TrainProgress
{
	TimestampTz started;
	TimestampTz last;
} TrainProgress;

static void
report_epoch(void *arg, const ct_nac_stats *so_far, int epochs)
{
	TrainProgress *p = arg;
	TimestampTz now = GetCurrentTimestamp();
	long		secs;
	int			usecs;

	if (!TimestampDifferenceExceeds(p->last, now, PROGRESS_SECONDS * 1000) || so_far->epochs >= (uint32) epochs)
		return;
	p->last = now;
	TimestampDifference(p->started, now, &secs, &usecs);
	ereport(NOTICE,
			(errmsg("nac_train: epoch %u of %d, loss %.4f", so_far->epochs, epochs, so_far->final_loss),
			 errdetail("About %.0f s left.",
					   (secs + usecs / 1e6) * (double) (epochs - (int) so_far->epochs) / (double) Max(so_far->epochs, 1))));
}

/* trains a NAC on the state's rows: the aggregate's result */
static Datum
state_train(FunctionCallInfo fcinfo, const NacTrainState *st)
{
	ct_nac_options opt;
	ct_nac_stats stats;
	ct_nac		model;
	ct_error	err;
	MemoryContext train_cxt,
				old;
	bytea	   *result;
	struct timespec t0,
				t1;
	TrainProgress progress;

	if (st == NULL || st->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nac_train needs at least 2 rows"),
				 errdetail("Got %lld row%s with a cell and an accuracy.",
						   (long long) (st ? st->n : 0), st && st->n == 1 ? "" : "s")));
	if (!ct_nac_options_from_json(st->options ? st->options : "{}", &opt, &err))
		ct_report_error(&err, "jsonb", NULL);

	ctnas_check_training_memory(ct_nac_trainer_memory((size_t) st->n, &opt, st->n > 0 ? ct_space_of(&st->cells[0]) : NULL, 0) +
								(size_t) st->cap * (sizeof(ct_arch) + sizeof(double)),
								"nac_train", TRAIN_HINT);
	/* the core allocates through palloc: a cancel frees everything with this context */
	train_cxt = AllocSetContextCreate(CurrentMemoryContext, "nac_train", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(train_cxt);
	ctnas_blas_single_thread();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	progress.started = progress.last = GetCurrentTimestamp();
	if (!ct_nac_train_progress(st->cells, st->acc, (size_t) st->n, &opt, &model, &stats,
							   nac_check_interrupts, report_epoch, &progress, &err))
		ct_report_error(&err, "nac_train", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	MemoryContextSwitchTo(old);

	result = palloc(VARHDRSZ + ct_nac_blob_size(&model));
	SET_VARSIZE(result, VARHDRSZ + ct_nac_blob_size(&model));
	ct_nac_blob_write(&model, &opt, &stats, (uint8_t *) VARDATA(result));
	MemoryContextDelete(train_cxt);

	ereport(NOTICE,
			(errmsg("nac_train: %llu rows, %u epochs, final loss %.4f, %.1f s",
					(unsigned long long) stats.rows, stats.epochs, stats.final_loss,
					(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9)));
	PG_RETURN_BYTEA_P(result);
}

PG_FUNCTION_INFO_V1(nac_train_finalfn);
Datum
nac_train_finalfn(PG_FUNCTION_ARGS)
{
	ctnas_agg_context(fcinfo, "nac_train_finalfn");
	return state_train(fcinfo, ctnas_agg_state(fcinfo, 0, CTNAS_NAC_TRAIN_MAGIC, "nac_train_finalfn"));
}

/*
 * Since 0.2.0 the aggregate's state is the type ctnas_internal.nac_train_state
 * (agg_state.h), which Citus can ship between nodes.
 */
PG_FUNCTION_INFO_V1(nac_train_state_in);
Datum
nac_train_state_in(PG_FUNCTION_ARGS)
{
	return ctnas_agg_state_in(PG_GETARG_CSTRING(0), &state_kind);
}

PG_FUNCTION_INFO_V1(nac_train_state_out);
Datum
nac_train_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(ctnas_agg_state_out(PG_GETARG_DATUM(0), &state_kind));
}

PG_FUNCTION_INFO_V1(nac_train_trans);
Datum
nac_train_trans(PG_FUNCTION_ARGS)
{
	Datum		result;
	NacTrainState *st = ctnas_agg_state_for_update(fcinfo, 0, &state_kind, &result);

	state_add_row(fcinfo, st, GetMemoryChunkContext(st));
	return ctnas_agg_state_changed(result);
}

PG_FUNCTION_INFO_V1(nac_train_combine);
Datum
nac_train_combine(PG_FUNCTION_ARGS)
{
	return ctnas_agg_state_combine(fcinfo, &state_kind);
}

PG_FUNCTION_INFO_V1(nac_train_final);
Datum
nac_train_final(PG_FUNCTION_ARGS)
{
	return state_train(fcinfo, ctnas_agg_state_get(fcinfo, 0, &state_kind, false, NULL));
}
