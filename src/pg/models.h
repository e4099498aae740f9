/*
 * models.h
 *	  The NAC models of ctnas.models, decoded and cached per backend
 *	  (models.c): the ctnas.model setting, a model by name, a model passed
 *	  as bytea, and the cache's invalidation when ctnas.models changes.
 */
#ifndef CTNAS_MODELS_H
#define CTNAS_MODELS_H

#include "fmgr.h"
#include "datatype/timestamp.h"

#include "ctnas_nac.h"

/* A model of ctnas.models in the cache: forward passes with batch run in cxt. */
typedef struct CachedModel
{
	struct CachedModel *next;	/* most recently used first */
	MemoryContext cxt;			/* everything of this model */
	char	   *name;
	ct_nac		model;
	ct_nac_batch *batch;		/* scratch for forward passes */
	ct_nac_embed_cache *embeddings;
	Size		seen_bytes;		/* cxt's size when last checked against ctnas.model_cache_size */
	bytea	   *blob;			/* a model passed as bytes: its bytes (name is then NULL) */
	TimestampTz used_in;		/* the statement that last used it */
} CachedModel;

/* A call site's (fn_extra) model passed as bytea: its entry in the cache, while no cached model was freed since. */
typedef struct BlobCache
{
	CachedModel *model;
	uint64		generation;		/* the cache's when model was looked up */
	const void *arg;			/* the argument's address when it is one value for the query, else NULL */
	bool		arg_const;		/* ... and it is a constant: the same bytes at that address, nothing to check */
	bool		toast_known;	/* the argument was stored out of line: */
	struct varatt_external toast;	/* ... its TOAST pointer */
	TimestampTz toast_statement;	/* ... in this statement */
} BlobCache;

/* Defines the ctnas.model setting and the model cache's invalidation. */
extern void ctnas_models_init(void);

/* The cache's entry of a model of ctnas.models, decoded on first use; an error when there is none. */
extern CachedModel *ctnas_model_cached(const char *name);
/* The name the ctnas.model setting gives; an error when it is not set. */
extern const char *ctnas_model_setting(void);
/* The errors for a model that does not exist (on_worker: on a Citus worker) and for an unset ctnas.model. */
extern void ctnas_model_missing(const char *name, bool on_worker) pg_attribute_noreturn();
extern void ctnas_model_not_set(void) pg_attribute_noreturn();
/*
 * Argument argno (bytea) as a decoded model; a bad blob is an error.
 * one_per_query: the caller knows the argument is one value for the whole
 * query (it is then recognised without comparing its bytes each row).
 */
extern CachedModel *ctnas_model_from_blob(FunctionCallInfo fcinfo, int argno, bool one_per_query);

/*
 * A model of ctnas.models, decoded and cached; NULL name means the
 * ctnas.model setting.  Forward passes with *batch must run in *cxt.
 */
/* An error (22023) when a is of another search space than the model's: not a meaningless number. */
extern void ctnas_model_check_space(const ct_nac *model, const ct_arch *a);

extern const ct_nac *ctnas_model_lookup(const char *name, ct_nac_batch **batch, MemoryContext *cxt);

#endif
