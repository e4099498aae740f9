/*
 * models.c
 *	  The NAC models of ctnas.models, decoded and cached per backend
 *	  (models.h), and the ctnas.model setting.
 *
 * Decoding a model (67k floats and a checksum) costs far more than one
 * comparison, so models named by text are decoded once per backend and kept
 * until ctnas.models changes: a statement trigger on the table sends a
 * relcache invalidation (as pg_cron does for its job table), and our
 * callback drops the cache.  The cache holds at most ctnas.model_cache_size
 * bytes (each model in a memory context of its own, with its scratch batch
 * and embedding cache); beyond that the least recently used models are
 * dropped, though never the one in use; a dropped model that the running
 * statement used is kept aside instead (the overflow, at most as large
 * again, emptied when the transaction ends), so that a statement using
 * models that do not fit together does not decode them again on every row.
 * Models passed as bytea are kept in
 * the same cache, keyed by their bytes, so that the next query with the same
 * bytes (each shard's task of a Citus query, say) finds them decoded with
 * their node states; a call site (fn_extra) remembers its entry while no
 * cached model has been freed since (cache_generation).
 *
 * Each decoded model also keeps the node states of the cells it has
 * embedded (nac_node_memo.c), up to ctnas.score_cache_size, so that scoring
 * a table one row at a time shares the work of cells with common
 * sub-structures.  They count towards ctnas.model_cache_size, and are the
 * first thing dropped (from the models not in use) when it is exceeded.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "access/detoast.h"
#include "access/xact.h"
#include "miscadmin.h"

#include "citus.h"
#include "ctnas_pg.h"
#include "models.h"
#include "pg_util.h"

static char *model_setting = NULL;
static int	model_cache_kb = 128 * 1024;	/* ctnas.model_cache_size */
static int	score_cache_kb = 64 * 1024; /* ctnas.score_cache_size */
static MemoryContext cache_cxt = NULL;
static CachedModel *cache = NULL;
static CachedModel *overflow = NULL;	/* dropped models the statement used, newest first */
static bool cache_valid = false;
static uint64 cache_generation = 0;	/* bumped whenever a cached model is freed */
static Oid	models_relid = InvalidOid;

static void models_xact_callback(XactEvent event, void *arg);

static void
models_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == models_relid)
		cache_valid = false;
}

/*
 * A new ctnas.score_cache_size, or ctnas.model_cache_size (half of which
 * bounds it), sizes the node states of models decoded from now on: decode
 * them again.
 */
static void
score_cache_assign(int newval, void *extra)
{
	if (newval != score_cache_kb)
		cache_valid = false;
}

static void
model_cache_assign(int newval, void *extra)
{
	if (newval != model_cache_kb)
		cache_valid = false;
}

void
ctnas_models_init(void)
{
	DefineCustomStringVariable("ctnas.model",
							   "Model in ctnas.models that nac_compare and nac_score use when none is given.",
							   NULL, &model_setting, NULL, PGC_USERSET, 0, NULL, NULL, NULL);

	/*
	 * Per backend (twice it within a transaction whose statements use models
	 * that do not fit together, see keep_aside).  It bounds memory every session may pin, so, like
	 * ctnas.max_training_memory, only superusers change it.  128 MB: about
	 * 50 models of the reference shape (2.4 MB each with their embedding
	 * caches), or one of 16 layers of 1024 (85 MB).
	 */
	DefineCustomIntVariable("ctnas.model_cache_size",
							"Most memory the decoded models of ctnas.models may hold in one backend.",
							"Beyond it the least recently used models are dropped (the one in use is always kept; those the running statement uses are kept aside until the transaction ends, within as much again).",
							&model_cache_kb, 128 * 1024, 0, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, model_cache_assign, NULL);

	/*
	 * Per model and backend, superuser only like the above.  64 MB keeps
	 * nearly every shared node state of NAS-Bench-101's 423,624 cells for the
	 * reference shape (scoring them all 2.6 times faster than no sharing
	 * while one cell is embedded at a time); 0 keeps nothing between cells,
	 * and gives the same scores, to the bit.
	 */
	DefineCustomIntVariable("ctnas.score_cache_size",
							"Most memory the node states kept for scoring may take per model in one backend.",
							"Cells with common sub-structures share these states; a model scores the same without them, only slower.",
							&score_cache_kb, 64 * 1024, 0, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, score_cache_assign, NULL);
	CacheRegisterRelcacheCallback(models_relcache_callback, (Datum) 0);
	RegisterXactCallback(models_xact_callback, NULL);
}

/* ctnas.score_cache_size, within half of ctnas.model_cache_size (the model in use must fit). */
static size_t
score_cache_bytes(void)
{
	return (size_t) Min(score_cache_kb, model_cache_kb / 2) * 1024;
}

/* Embeddings remembered per model: 4096 cells, 2 MB at 128 features (4 MB for recipe "default"'s 256 on NB101). */
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
	ct_nac_batch_memoize(*batch, model, score_cache_bytes());
	/* a pass over a wide model checks for a cancel between layers (the embedding cache allows it) */
	ct_nac_batch_set_interrupt(*batch, model_interrupt, NULL);
	*embeddings = ct_nac_embed_cache_create(model, EMBED_CACHE_CELLS);
	MemoryContextSwitchTo(old);
}

const ct_nac *
ctnas_model_lookup(const char *name, ct_nac_batch **batch, MemoryContext *cxt)
{
	CachedModel *e = ctnas_model_cached(name ? name : ctnas_model_setting());

	*batch = e->batch;
	*cxt = e->cxt;
	return &e->model;
}

/* Frees every model of a list (of the overflow); call sites see it by the generation. */
static void
free_models(CachedModel *list)
{
	if (list == NULL)
		return;
	while (list != NULL)
	{
		CachedModel *e = list;

		list = e->next;
		MemoryContextDelete(e->cxt);
	}
	cache_generation++;
}

/*
 * A model dropped from the cache that the running statement used: kept in
 * the overflow until the transaction ends, without node states, within
 * ctnas.model_cache_size again (the oldest go first; the newest always
 * stays).  Not freed, so the call sites holding it need not look it up
 * again.
 */
static void
keep_aside(CachedModel *v)
{
	Size		total;

	if (v->name != NULL)
		elog(DEBUG1, "ctnas: keeping NAC model \"%s\" aside until the transaction ends: ctnas.model_cache_size cannot hold it with the others this statement uses",
			 ctnas_echo(v->name));
	else
		elog(DEBUG1, "ctnas: keeping a NAC model passed as bytea (%zu bytes) aside until the transaction ends: ctnas.model_cache_size cannot hold it with the others this statement uses",
			 (size_t) VARSIZE_ANY_EXHDR(v->blob));
	v->next = overflow;
	overflow = v;				/* (linked first: an error below leaves it where the transaction's end frees it) */
	/* no node states kept aside: its size now is what it holds until freed (the same scores, only slower) */
	{
		MemoryContext old = MemoryContextSwitchTo(v->cxt);

		ct_nac_batch_memoize(v->batch, &v->model, 0);
		MemoryContextSwitchTo(old);
	}
	total = MemoryContextMemAllocated(v->cxt, true);
	for (CachedModel *e = v; e->next != NULL; e = e->next)
	{
		total += MemoryContextMemAllocated(e->next->cxt, true);
		if ((double) total > (double) model_cache_kb * 1024.0)
		{
			CachedModel *rest = e->next;

			e->next = NULL;
			free_models(rest);
			break;
		}
	}
}

static void
models_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		CachedModel *list = overflow;

		overflow = NULL;
		free_models(list);
	}
}

/*
 * Keeps the cache within ctnas.model_cache_size: first the kept node states
 * of the models other than keep go (a cache that refills), then the least
 * recently used models (never keep).
 */
static void
evict_models(const CachedModel *keep)
{
	Size		total = 0;

	for (CachedModel *e = cache; e != NULL; e = e->next)
		total += MemoryContextMemAllocated(e->cxt, true);
	if ((double) total > (double) model_cache_kb * 1024.0)
		for (CachedModel *e = cache; e != NULL; e = e->next)
		{
			ct_nac_memo_stats st;

			if (e != keep && ct_nac_batch_memo_stats(e->batch, &st) && st.cells > 0)
			{
				MemoryContext old = MemoryContextSwitchTo(e->cxt);

				ct_nac_batch_memoize(e->batch, &e->model, score_cache_bytes());
				MemoryContextSwitchTo(old);
				e->seen_bytes = MemoryContextMemAllocated(e->cxt, true);
			}
		}
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
			if (v->used_in == GetCurrentStatementStartTimestamp())
				keep_aside(v);
			else
			{
				MemoryContextDelete(v->cxt);
				cache_generation++;
			}
		}
	}
}

/*
 * Before a lookup: the invalidations of ctnas.models once per statement
 * (a cache hit takes no lock, so none would be read otherwise: a statement
 * sees models as they were when it started, the next one sees changes
 * others committed since), and the cache emptied if they say so.
 */
static void
cache_prepare(void)
{
	static TimestampTz last_statement = 0;

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
		overflow = NULL;
		cache_generation++;
		models_relid = InvalidOid;
		cache_valid = true;
	}
}

/* A hit (*prev is e): to the front, and the cache kept within its size if e's node states grew. */
static CachedModel *
cache_hit(CachedModel **prev, CachedModel *e)
{
	*prev = e->next;
	e->next = cache;
	cache = e;
	e->used_in = GetCurrentStatementStartTimestamp();
	if (MemoryContextMemAllocated(e->cxt, true) > e->seen_bytes)
	{
		e->seen_bytes = MemoryContextMemAllocated(e->cxt, true);
		evict_models(e);
	}
	return e;
}

/* A new entry for weights (name NULL: keyed by the bytes), in a context of its own, linked once complete. */
static CachedModel *
cache_add(const char *name, const bytea *weights)
{
	MemoryContext model_cxt = AllocSetContextCreate(cache_cxt, "ctnas model", ALLOCSET_DEFAULT_SIZES);
	CachedModel *e = MemoryContextAllocZero(model_cxt, sizeof(CachedModel));

	e->cxt = model_cxt;
	PG_TRY();
	{
		if (name != NULL)
		{
			e->name = MemoryContextStrdup(model_cxt, name);
			MemoryContextSetIdentifier(model_cxt, e->name);
		}
		else
		{
			Size		len = VARSIZE_ANY_EXHDR(weights);

			e->blob = MemoryContextAlloc(model_cxt, VARHDRSZ + len);
			SET_VARSIZE(e->blob, VARHDRSZ + len);
			memcpy(VARDATA(e->blob), VARDATA_ANY(weights), len);
			MemoryContextSetIdentifier(model_cxt, "(weights passed as bytea)");
		}
		decode_model(weights, model_cxt, &e->model, &e->batch, &e->embeddings);
	}
	PG_CATCH();
	{
		MemoryContextDelete(model_cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	e->next = cache;
	cache = e;
	e->used_in = GetCurrentStatementStartTimestamp();
	e->seen_bytes = MemoryContextMemAllocated(model_cxt, true);
	evict_models(e);
	return e;
}

CachedModel *
ctnas_model_cached(const char *name)
{
	CachedModel *e;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	Datum		weights;
	int			rc;
	bool		on_worker;

	cache_prepare();
	for (CachedModel **prev = &cache; (e = *prev) != NULL; prev = &e->next)
		if (e->name != NULL && strcmp(e->name, name) == 0)
			return cache_hit(prev, e);
	for (e = overflow; e != NULL; e = e->next)
		if (e->name != NULL && strcmp(e->name, name) == 0)
			return e;

	args[0] = CStringGetTextDatum(name);
	SPI_connect();
	on_worker = ctnas_citus_node() == CTNAS_NODE_WORKER;
	rc = SPI_execute_with_args(ctnas_sql("SELECT weights FROM %1$s.models WHERE name OPERATOR(pg_catalog.=) $1"),
							   1, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read ctnas.models: SPI error %d", rc);
	if (SPI_processed == 0)
		ctnas_model_missing(name, on_worker);
	weights = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	models_relid = get_relname_relid("models", ctnas_schema_oid());
	elog(DEBUG1, "ctnas: decoding NAC model \"%s\" into the model cache", ctnas_echo(name));
	e = cache_add(name, DatumGetByteaPP(weights));
	SPI_finish();
	return e;
}

static bool
same_bytes(const bytea *a, const bytea *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* The cache's entry of a model passed as bytes (or the overflow's), decoded on first use (a bad blob is an error). */
static CachedModel *
model_cached_blob(const bytea *blob)
{
	CachedModel *e;

	cache_prepare();
	for (CachedModel **prev = &cache; (e = *prev) != NULL; prev = &e->next)
		if (e->blob != NULL && same_bytes(e->blob, blob))
			return cache_hit(prev, e);
	for (e = overflow; e != NULL; e = e->next)
		if (e->blob != NULL && same_bytes(e->blob, blob))
			return e;
	elog(DEBUG1, "ctnas: decoding a NAC model passed as bytea (%zu bytes) into the model cache",
		 (size_t) VARSIZE_ANY_EXHDR(blob));
	return cache_add(NULL, blob);
}

const char *
ctnas_model_setting(void)
{
	if (model_setting == NULL || model_setting[0] == '\0')
		ctnas_model_not_set();
	return model_setting;
}

void
ctnas_model_missing(const char *name, bool on_worker)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("NAC model \"%s\" does not exist", ctnas_echo(name)),
			 on_worker ?
			 errhint("This is a Citus worker: models are the rows of ctnas.models on the coordinator, which passes them to the workers when its query names them the same for every row (not by a column); name the model so, or pass its weights.") :
			 errhint("Models are the rows of ctnas.models; train one with INSERT INTO ctnas.models(name, weights) SELECT ..., ctnas.nac_train(...).")));
}

void
ctnas_model_not_set(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("ctnas.model is not set"),
			 errhint("SET ctnas.model = 'name' (a row of ctnas.models), or pass the model as the last argument.")));
}

/*
 * Whether argument argno is a constant: the same value at the same address
 * for as long as the call site lives.  A parameter is not: PL/pgSQL keeps a
 * call site across executions of an expression while its variables change,
 * and a new value may land at the old one's address.
 */
static bool
arg_is_const(FmgrInfo *flinfo, int argno)
{
	Node	   *expr = flinfo->fn_expr;
	List	   *args;

	if (expr == NULL || !IsA(expr, FuncExpr))
		return false;
	args = ((FuncExpr *) expr)->args;
	return argno < list_length(args) && IsA(list_nth(args, argno), Const);
}

/* e, marked as used by the running statement (a call site that finds its model itself skips cache_hit) */
static inline CachedModel *
statement_uses(CachedModel *e)
{
	e->used_in = GetCurrentStatementStartTimestamp();
	return e;
}

/* Notes the argument's address when it is one value for the query or execution (see ctnas_model_from_blob); returns its model. */
static CachedModel *
remember_blob_arg(BlobCache *bc, FunctionCallInfo fcinfo, int argno, const void *arg, bool one_per_query)
{
	bool		stable = get_fn_expr_arg_stable(fcinfo->flinfo, argno);

	bc->arg_const = stable && arg_is_const(fcinfo->flinfo, argno);
	bc->arg = (one_per_query || stable) ? arg : NULL;
	statement_uses(bc->model);
	bc->toast_known = VARATT_IS_EXTERNAL_ONDISK(arg);
	if (bc->toast_known)
	{
		VARATT_EXTERNAL_GET_POINTER(bc->toast, arg);
		bc->toast_statement = GetCurrentStatementStartTimestamp();
	}
	return bc->model;
}

CachedModel *
ctnas_model_from_blob(FunctionCallInfo fcinfo, int argno, bool one_per_query)
{
	const void *arg = DatumGetPointer(PG_GETARG_DATUM(argno));
	BlobCache  *bc = fcinfo->flinfo->fn_extra;
	bool		valid = bc != NULL && bc->model != NULL && bc->generation == cache_generation;
	bytea	   *blob;
	Size		len;

	/*
	 * A model that is one value for the whole query (a constant), for an
	 * execution (a parameter), or, with one_per_query, what the caller
	 * vouches for (the subquery a Citus coordinator puts there, citus.c) is
	 * recognised by its address, its length and its last 8 bytes (the end of
	 * the weights and the checksum of all of them), not by comparing all its
	 * bytes on every row.
	 */
	if (valid && bc->arg != NULL && bc->arg == arg)
	{
		/*
		 * A constant is the same value at the same address, toasted or not.
		 * Anything else is checked as far as is cheap (a toasted value, whose
		 * pointer a correlated subquery may reuse for another row's, is
		 * compared in full below).
		 */
		if (bc->arg_const)
			return statement_uses(bc->model);
		if (!VARATT_IS_EXTENDED(arg))
		{
			const bytea *kept = bc->model->blob;

			len = VARSIZE_ANY_EXHDR(arg);
			if (len == VARSIZE_ANY_EXHDR(kept) && len >= 8 &&
				memcmp(VARDATA_ANY(arg) + len - 8, VARDATA_ANY(kept) + len - 8, 8) == 0)
				return statement_uses(bc->model);
		}
	}

	/*
	 * A value stored out of line (the weights column of a table joined to
	 * every row, or a subquery's result) is known by its TOAST pointer: one
	 * stored value, unique in its TOAST table while any snapshot of this
	 * statement can see it, read and compared in full once per statement
	 * rather than on every row.
	 */
	if (valid && bc->toast_known && VARATT_IS_EXTERNAL_ONDISK(arg) &&
		bc->toast_statement == GetCurrentStatementStartTimestamp())
	{
		struct varatt_external toast;

		VARATT_EXTERNAL_GET_POINTER(toast, arg);
		if (memcmp(&toast, &bc->toast, sizeof(toast)) == 0)
			return statement_uses(bc->model);
	}
	blob = PG_GETARG_BYTEA_PP(argno);
	if (valid && same_bytes(bc->model->blob, blob))
		return remember_blob_arg(bc, fcinfo, argno, arg, one_per_query);
	if (bc == NULL)
	{
		bc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(BlobCache));
		fcinfo->flinfo->fn_extra = bc;
	}
	bc->model = NULL;			/* until the new one is found */
	bc->model = model_cached_blob(blob);
	bc->generation = cache_generation;
	return remember_blob_arg(bc, fcinfo, argno, arg, one_per_query);
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

void
ctnas_model_check_space(const ct_nac *model, const ct_arch *a)
{
	const ct_space *ms = ct_nac_shape_space(&model->shape);

	if (ms != ct_space_of(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the NAC compares %s architectures, not %s ones", ms->title, ct_space_of(a)->title),
				 errhint("Use a model trained on cells of the same space.")));
}
