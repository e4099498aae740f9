/*
 * pg_util.c
 *	  Utilities every part of the glue uses (pg_util.h): palloc for cJSON
 *	  and the core, the ctnas.max_training_memory check, core errors as
 *	  ereport, user input quoted in messages, aggregate contexts and states,
 *	  and single-threaded BLAS.
 */
#include "postgres.h"

#include "utils/lsyscache.h"

#include <cblas.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>

#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "ctnas_alloc.h"
#include "pg_util.h"

/* ctnas.max_training_memory, in kB */
static int	max_training_memory_kb = 1024 * 1024;

/* cJSON allocates through palloc, so an ERROR mid-parse frees with its context */
static void *
cjson_palloc(size_t size)
{
	return palloc(size);
}

static void
cjson_pfree(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

/* the core's big buffers (training) may exceed palloc's 1 GB limit */
static void *
core_palloc(size_t size)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, size);
}

void
ctnas_util_init(void)
{
	cJSON_Hooks hooks = {cjson_palloc, cjson_pfree};

	cJSON_InitHooks(&hooks);
	ct_set_allocator(core_palloc, cjson_pfree);

	/*
	 * A cap on what one training or search may allocate, checked before it
	 * allocates.  It protects the server, so only superusers change it
	 * (ALTER ROLE ... SET for a role that needs more).  1 GB: the default
	 * recipes need 10 to 40 MB, and it still allows the widest network
	 * (1024 x 16 layers, both directions) batches of about 650 cells.
	 */
	DefineCustomIntVariable("ctnas.max_training_memory",
							"Most memory one nac_train, CTNAS search or ctnas_ktau may allocate.",
							"Checked before the work starts, against an estimate from the rows and options.",
							&max_training_memory_kb, 1024 * 1024, 1024, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
}

/* "1.5 GB", "300 MB", "12 kB" */
char *
ctnas_format_bytes(double bytes)
{
	if (bytes >= 1024.0 * 1024 * 1024)
		return psprintf("%.1f GB", bytes / (1024.0 * 1024 * 1024));
	if (bytes >= 1024.0 * 1024)
		return psprintf("%.1f MB", bytes / (1024.0 * 1024));
	return psprintf("%.0f kB", ceil(bytes / 1024.0));
}

void
ctnas_check_training_memory(size_t need, const char *what, const char *hint)
{
	double		limit = (double) max_training_memory_kb * 1024.0;

	if ((double) need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would need %s of memory, more than ctnas.max_training_memory (%s)",
						what, ctnas_format_bytes((double) need), ctnas_format_bytes(limit)),
				 errhint("%s, or ask a superuser to raise ctnas.max_training_memory.", hint)));
}

MemoryContext
ctnas_agg_context(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext cxt;

	/* (users can call the support functions themselves; fn NULL: the function's own name) */
	if (!AggCheckCallContext(fcinfo, &cxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called in an aggregate",
						fn ? fn : get_func_name(fcinfo->flinfo->fn_oid))));
	return cxt;
}

void *
ctnas_agg_state(FunctionCallInfo fcinfo, int argno, uint32 magic, const char *fn)
{
	void	   *st;

	if (PG_ARGISNULL(argno))
		return NULL;
	st = PG_GETARG_POINTER(argno);
	/* every internal state is a palloc'd struct of at least 8 bytes: its first 4 are readable */
	if (st == NULL || *(const uint32 *) st != magic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s was given the state of another aggregate", fn),
				 errdetail("ctnas's aggregate support functions work only together, as in the aggregates ctnas defines.")));
	return st;
}

void
ctnas_agg_serial_magic(StringInfo buf, uint32 magic, const char *fn)
{
	if (buf->len - buf->cursor < 4 || (uint32) pq_getmsgint(buf, 4) != magic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s was given bytes that are not a serialized state of its aggregate", fn)));
}

void
ctnas_blas_single_thread(void)
{
	static bool done = false;

	if (!done)
	{
		openblas_set_num_threads(1);
		done = true;
	}
}

const char *
ctnas_echo(const char *input)
{
	size_t		len = strnlen(input, CTNAS_ECHO_MAX + 1);
	int			cut;

	if (len <= CTNAS_ECHO_MAX)
		return input;
	cut = pg_mbcliplen(input, CTNAS_ECHO_MAX + 1, CTNAS_ECHO_MAX);
	return psprintf("%.*s...", cut, input);
}

void
ct_report_error(const ct_error *err, const char *type_name, const char *input)
{
	switch (err->kind)
	{
		case CT_ERR_SYNTAX:
			if (input != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type %s: \"%s\"", type_name, ctnas_echo(input)),
						 err->detail[0] ? errdetail("%s", err->detail) : 0));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("%s", err->message),
					 err->detail[0] ? errdetail("%s", err->detail) : 0));
			break;
		case CT_ERR_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s", err->message),
					 err->detail[0] ? errdetail("%s", err->detail) : 0));
			break;
		case CT_ERR_INVALID:
		case CT_OK:
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", err->message),
			 err->detail[0] ? errdetail("%s", err->detail) : 0));
}
