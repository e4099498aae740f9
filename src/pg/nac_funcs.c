/*
 * nac_funcs.c
 *	  Using a trained NAC: nac_compare, nac_score, nac_info, the ctnas.model
 *	  setting, and the per-backend cache of decoded models from ctnas.models.
 *
 * Decoding a model (67k floats and a checksum) costs far more than one
 * comparison, so models named by text are decoded once per backend and kept
 * until ctnas.models changes: a statement trigger on the table sends a
 * relcache invalidation (as pg_cron does for its job table), and our
 * callback drops the cache.  The cache holds at most ctnas.model_cache_size
 * bytes (each model in a memory context of its own, with its scratch batch
 * and embedding cache); beyond that the least recently used models are
 * dropped, though never the one in use.  Models passed as bytea are cached
 * per call site (fn_extra), keyed by their bytes.
 */
#include "ctnas_pg.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "access/xact.h"
#include "miscadmin.h"

#include "ctnas_nac.h"

typedef struct CachedModel
{
	struct CachedModel *next;	/* most recently used first */
	MemoryContext cxt;			/* everything of this model */
	char	   *name;
	ct_nac		model;
	ct_nac_batch *batch;		/* scratch for forward passes */
	ct_nac_embed_cache *embeddings;
} CachedModel;

static char *model_setting = NULL;
static int	model_cache_kb = 128 * 1024;	/* ctnas.model_cache_size */
static MemoryContext cache_cxt = NULL;
static CachedModel *cache = NULL;
static bool cache_valid = false;
static Oid	models_relid = InvalidOid;

static void
models_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == models_relid)
		cache_valid = false;
}

void
ctnas_models_init(void)
{
	DefineCustomStringVariable("ctnas.model",
							   "Model in ctnas.models that nac_compare and nac_score use when none is given.",
							   NULL, &model_setting, NULL, PGC_USERSET, 0, NULL, NULL, NULL);

	/*
	 * Per backend.  It bounds memory every session may pin, so, like
	 * ctnas.max_training_memory, only superusers change it.  128 MB: about
	 * 50 models of the reference shape (2.4 MB each with their embedding
	 * caches), or one of 16 layers of 1024 (85 MB).
	 */
	DefineCustomIntVariable("ctnas.model_cache_size",
							"Most memory the decoded models of ctnas.models may hold in one backend.",
							"Beyond it the least recently used models are dropped (the one in use is always kept).",
							&model_cache_kb, 128 * 1024, 0, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(models_relcache_callback, (Datum) 0);
}

/* Embeddings remembered per model: 4096 cells, 2 MB. */
#define EMBED_CACHE_CELLS 4096

static void
model_interrupt(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* Decodes a blob into cxt; a bad blob is an error. */
static void
decode_model(const bytea *blob, MemoryContext cxt, ct_nac *model, ct_nac_batch **batch,
			 ct_nac_embed_cache **embeddings)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ct_error	err;

	if (!ct_nac_blob_read((const uint8_t *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob),
						  model, NULL, NULL, &err))
		ct_report_error(&err, "bytea", NULL);
	*batch = ct_nac_batch_create(&model->shape);
	ct_nac_batch_freeze(*batch);	/* cached models never change */
	/* a pass over a wide model checks for a cancel between layers (the embedding cache allows it) */
	ct_nac_batch_set_interrupt(*batch, model_interrupt, NULL);
	*embeddings = ct_nac_embed_cache_create(model, EMBED_CACHE_CELLS);
	MemoryContextSwitchTo(old);
}

static CachedModel *lookup_model(const char *name);
static const char *model_from_setting_name(void);

/* For other files: a decoded model of ctnas.models (NULL name: the ctnas.model setting). */
const ct_nac *
ctnas_model_lookup(const char *name, ct_nac_batch **batch, MemoryContext *cxt)
{
	CachedModel *e = lookup_model(name ? name : model_from_setting_name());

	*batch = e->batch;
	*cxt = e->cxt;
	return &e->model;
}

/* Drops the least recently used models while the cache holds more than ctnas.model_cache_size (never keep). */
static void
evict_models(const CachedModel *keep)
{
	for (;;)
	{
		Size		total = 0;
		CachedModel **victim = NULL;

		for (CachedModel **p = &cache; *p != NULL; p = &(*p)->next)
		{
			total += MemoryContextMemAllocated((*p)->cxt, true);
			if (*p != keep)
				victim = p;		/* the last one other than keep: least recently used */
		}
		if (victim == NULL || (double) total <= (double) model_cache_kb * 1024.0)
			return;
		{
			CachedModel *v = *victim;

			*victim = v->next;
			MemoryContextDelete(v->cxt);
		}
	}
}

static CachedModel *
lookup_model(const char *name)
{
	static TimestampTz last_statement = 0;
	CachedModel *e;
	MemoryContext model_cxt;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	Datum		weights;
	int			rc;

	/*
	 * A cache hit takes no lock, so no invalidation would be read: read them
	 * once per statement, so a statement sees models as they were when it
	 * started and the next one sees changes others committed since.
	 */
	if (GetCurrentStatementStartTimestamp() != last_statement)
	{
		last_statement = GetCurrentStatementStartTimestamp();
		AcceptInvalidationMessages();
	}
	if (!cache_valid)
	{
		if (cache_cxt == NULL)
			cache_cxt = AllocSetContextCreate(CacheMemoryContext, "ctnas model cache",
											  ALLOCSET_DEFAULT_SIZES);
		MemoryContextReset(cache_cxt);
		cache = NULL;
		models_relid = InvalidOid;
		cache_valid = true;
	}
	for (CachedModel **prev = &cache; (e = *prev) != NULL; prev = &e->next)
		if (strcmp(e->name, name) == 0)
		{
			/* to the front: most recently used */
			*prev = e->next;
			e->next = cache;
			cache = e;
			return e;
		}

	args[0] = CStringGetTextDatum(name);
	SPI_connect();
	rc = SPI_execute_with_args(ctnas_sql("SELECT weights FROM %1$s.models WHERE name OPERATOR(pg_catalog.=) $1"),
							   1, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.models: SPI error %d", rc);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("NAC model \"%s\" does not exist", ctnas_echo(name)),
				 errhint("Models are the rows of ctnas.models; train one with INSERT INTO ctnas.models(name, weights) SELECT ..., ctnas.nac_train(...).")));
	weights = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	models_relid = get_relname_relid("models", ctnas_schema_oid());

	/* a context of its own, so dropping the model frees all of it; linked once complete */
	model_cxt = AllocSetContextCreate(cache_cxt, "ctnas model", ALLOCSET_DEFAULT_SIZES);
	e = MemoryContextAllocZero(model_cxt, sizeof(CachedModel));
	e->cxt = model_cxt;
	e->name = MemoryContextStrdup(model_cxt, name);
	MemoryContextSetIdentifier(model_cxt, e->name);
	PG_TRY();
	{
		decode_model(DatumGetByteaPP(weights), model_cxt, &e->model, &e->batch, &e->embeddings);
	}
	PG_CATCH();
	{
		MemoryContextDelete(model_cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	SPI_finish();
	e->next = cache;
	cache = e;
	evict_models(e);
	return e;
}

static const char *
model_from_setting_name(void)
{
	if (model_setting == NULL || model_setting[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ctnas.model is not set"),
				 errhint("SET ctnas.model = 'name' (a row of ctnas.models), or pass the model as the last argument.")));
	return model_setting;
}

/* A model passed as bytea, decoded once per call site while the bytes stay the same. */
typedef struct BlobCache
{
	bytea	   *blob;
	ct_nac		model;
	ct_nac_batch *batch;
	ct_nac_embed_cache *embeddings;
} BlobCache;

static BlobCache *
model_from_blob(FunctionCallInfo fcinfo, int argno)
{
	bytea	   *blob = PG_GETARG_BYTEA_PP(argno);
	BlobCache  *bc = fcinfo->flinfo->fn_extra;
	Size		len = VARSIZE_ANY_EXHDR(blob);

	if (bc != NULL && VARSIZE_ANY_EXHDR(bc->blob) == len &&
		memcmp(VARDATA_ANY(bc->blob), VARDATA_ANY(blob), len) == 0)
		return bc;
	if (bc == NULL)
		bc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(BlobCache));
	else
	{
		ct_nac_free(&bc->model);
		ct_nac_batch_destroy(bc->batch);
		ct_nac_embed_cache_destroy(bc->embeddings);
		pfree(bc->blob);
	}
	fcinfo->flinfo->fn_extra = NULL;	/* until the new model is complete */
	decode_model(blob, fcinfo->flinfo->fn_mcxt, &bc->model, &bc->batch, &bc->embeddings);
	bc->blob = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARHDRSZ + len);
	SET_VARSIZE(bc->blob, VARHDRSZ + len);
	memcpy(VARDATA(bc->blob), VARDATA_ANY(blob), len);
	fcinfo->flinfo->fn_extra = bc;
	return bc;
}

/*
 * A model's weights are bounded (CT_NAC_MAX_WEIGHT), which keeps the
 * recipes' network finite, but a deep, wide network can still overflow
 * float in its forward pass: such a result is an error, never an Infinity
 * or a NaN passed on as an answer.
 */
static void
check_forward_result(double x)
{
	if (!isfinite(x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the NAC's forward pass overflowed"),
				 errdetail("The model's activations exceed the range of float for this cell.")));
}

/*
 * The batch's scratch buffers grow inside forward passes, through the core's
 * allocator, i.e. in CurrentMemoryContext: that must be the context the
 * model lives in, not the per-row one.
 */
static Datum
compare_with(FunctionCallInfo fcinfo, const ct_nac *model, ct_nac_batch *batch,
			 ct_nac_embed_cache *embeddings, MemoryContext cxt)
{
	ct_graph	a,
				b;
	MemoryContext old;
	const float *fa,
			   *fb;
	float		fa_copy[CT_NAC_MAX_WIDTH];
	double		p;

	archgraph_arg(fcinfo, 0, &a);
	archgraph_arg(fcinfo, 1, &b);
	ctnas_blas_single_thread();
	old = MemoryContextSwitchTo(cxt);
	/* copied: b's embedding may land in the same cache entry */
	fa = ct_nac_embed_cached(embeddings, model, batch, &a);
	memcpy(fa_copy, fa, sizeof(float) * model->shape.width);
	fb = ct_nac_embed_cached(embeddings, model, batch, &b);
	p = ct_nac_prob_feat(model, fa_copy, fb);
	MemoryContextSwitchTo(old);
	check_forward_result(p);
	PG_RETURN_FLOAT8(p);
}

static Datum
score_with(FunctionCallInfo fcinfo, const ct_nac *model, ct_nac_batch *batch,
		   ct_nac_embed_cache *embeddings, MemoryContext cxt)
{
	ct_graph	a;
	MemoryContext old;
	double		score;

	archgraph_arg(fcinfo, 0, &a);
	ctnas_blas_single_thread();
	old = MemoryContextSwitchTo(cxt);
	score = ct_nac_score_feat(model, ct_nac_embed_cached(embeddings, model, batch, &a));
	MemoryContextSwitchTo(old);
	check_forward_result(score);
	PG_RETURN_FLOAT8(score);
}

PG_FUNCTION_INFO_V1(nac_compare_setting);
Datum
nac_compare_setting(PG_FUNCTION_ARGS)
{
	CachedModel *e = lookup_model(model_from_setting_name());

	return compare_with(fcinfo, &e->model, e->batch, e->embeddings, e->cxt);
}

PG_FUNCTION_INFO_V1(nac_compare_named);
Datum
nac_compare_named(PG_FUNCTION_ARGS)
{
	CachedModel *e = lookup_model(text_to_cstring(PG_GETARG_TEXT_PP(2)));

	return compare_with(fcinfo, &e->model, e->batch, e->embeddings, e->cxt);
}

PG_FUNCTION_INFO_V1(nac_compare_blob);
Datum
nac_compare_blob(PG_FUNCTION_ARGS)
{
	BlobCache  *bc = model_from_blob(fcinfo, 2);

	return compare_with(fcinfo, &bc->model, bc->batch, bc->embeddings, fcinfo->flinfo->fn_mcxt);
}

PG_FUNCTION_INFO_V1(nac_score_setting);
Datum
nac_score_setting(PG_FUNCTION_ARGS)
{
	CachedModel *e = lookup_model(model_from_setting_name());

	return score_with(fcinfo, &e->model, e->batch, e->embeddings, e->cxt);
}

PG_FUNCTION_INFO_V1(nac_score_named);
Datum
nac_score_named(PG_FUNCTION_ARGS)
{
	CachedModel *e = lookup_model(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	return score_with(fcinfo, &e->model, e->batch, e->embeddings, e->cxt);
}

PG_FUNCTION_INFO_V1(nac_score_blob);
Datum
nac_score_blob(PG_FUNCTION_ARGS)
{
	BlobCache  *bc = model_from_blob(fcinfo, 1);

	return score_with(fcinfo, &bc->model, bc->batch, bc->embeddings, fcinfo->flinfo->fn_mcxt);
}

PG_FUNCTION_INFO_V1(nac_info);
Datum
nac_info(PG_FUNCTION_ARGS)
{
	bytea	   *blob = PG_GETARG_BYTEA_PP(0);
	ct_nac		m;
	ct_nac_options opt;
	ct_nac_stats stats;
	ct_error	err;
	StringInfoData s;

	if (!ct_nac_blob_read((const uint8_t *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob),
						  &m, &opt, &stats, &err))
		ct_report_error(&err, "bytea", NULL);
	initStringInfo(&s);
	appendStringInfo(&s,
					 "{\"format_version\": %d, \"bytes\": %zu, \"space\": \"nas-bench-101\", "
					 "\"network\": {\"type\": \"gcn\", \"layers\": %d, \"width\": %d, \"slots\": %d, "
					 "\"residual\": true, \"self_loops\": true, \"readout\": \"%s\", "
					 "\"head\": \"%s\", "
					 "\"op_vocabulary\": [\"dummy\", \"input\", \"conv1x1-bn-relu\", \"conv3x3-bn-relu\", \"maxpool3x3\", \"output\"], "
					 "\"parameters\": %zu}, "
					 "\"recipe\": {\"name\": \"%s\", \"seed\": " UINT64_FORMAT ", \"epochs\": %d, \"batch_size\": %d, "
					 "\"lr\": %.17g, \"beta1\": %.17g, \"beta2\": %.17g, \"eps\": %.17g, \"weight_decay\": %.17g}, "
					 "\"training\": {\"rows\": " UINT64_FORMAT ", \"epochs\": %u, \"steps\": " UINT64_FORMAT ", \"final_loss\": %.17g}}",
					 CT_NAC_FORMAT_VERSION, (size_t) VARSIZE_ANY_EXHDR(blob),
					 m.shape.layers, m.shape.width, m.shape.slots,
					 m.shape.readout == CT_NAC_READOUT_BOTH_DIRECTIONS
					 ? "mean over all slots, of the cell and of the cell reversed" : "mean over all slots",
					 m.shape.head == CT_NAC_HEAD_ANTISYMMETRIC
					 ? "sigmoid(w . (f(a) - f(b)))" : "sigmoid(fc(concat(f(a), f(b))))",
					 m.nparams,
					 ct_nac_recipe_name(opt.recipe), opt.seed, opt.epochs, opt.batch_size,
					 opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay,
					 stats.rows, stats.epochs, stats.steps, stats.final_loss);
	ct_nac_free(&m);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data)));
}

/* Statement trigger on ctnas.models: every backend drops its decoded models. */
PG_FUNCTION_INFO_V1(models_invalidate);
Datum
models_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "models_invalidate: not called as a trigger");
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
