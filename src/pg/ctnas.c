/*
 * ctnas.c
 *	  Module entry point of the ctnas extension: _PG_init runs each part's
 *	  initialisation (settings, the model cache's invalidation, the launcher).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "citus.h"
#include "ktau.h"
#include "models.h"
#include "pg_util.h"
#include "search_jobs.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

void
_PG_init(void)
{
	ctnas_util_init();
	ctnas_models_init();
	ctnas_ktau_init();
	ctnas_search_jobs_init();
	ctnas_citus_init();
	/* after every ctnas.* setting is defined, so none of their saved values is dropped */
	MarkGUCPrefixReserved("ctnas");
}
