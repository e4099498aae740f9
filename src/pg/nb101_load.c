/*
 * nb101_load.c
 *	  ctnas.nb101_read_json(path): the records of CTNAS's nas_bench.json on
 *	  the server, as rows.
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>

#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "archgraph.h"
#include "ctnas_nb101.h"
#include "pg_util.h"

/* The whole file, read in one piece (a 423,624-record file is a few hundred MB). */
static char *
read_server_file(const char *path, size_t *len)
{
	FILE	   *f;
	struct stat st;
	char	   *buf;

	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read server files"),
				 errhint("Only roles with privileges of the \"pg_read_server_files\" role may read server files.")));
	f = AllocateFile(path, PG_BINARY_R);
	if (f == NULL || fstat(fileno(f), &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", ctnas_echo(path))));
	buf = MemoryContextAllocHuge(CurrentMemoryContext, (Size) st.st_size + 1);
	*len = fread(buf, 1, (size_t) st.st_size, f);
	if (ferror(f) || *len != (size_t) st.st_size)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", ctnas_echo(path))));
	FreeFile(f);
	buf[*len] = '\0';
	return buf;
}

static Datum
float_or_null(double x, bool *isnull)
{
	*isnull = isnan(x);
	return Float8GetDatum(x);
}

PG_FUNCTION_INFO_V1(nb101_read_json);
Datum
nb101_read_json(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *path = text_to_cstring(PG_GETARG_TEXT_PP(0));
	size_t		len;
	char	   *text;
	ct_nb101_json_reader reader;
	ct_nb101_record rec;
	ct_error	err;
	int			rc;
	MemoryContext rowcxt;

	InitMaterializedSRF(fcinfo, 0);
	text = read_server_file(path, &len);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "nb101_read_json row",
								   ALLOCSET_DEFAULT_SIZES);
	ct_nb101_json_begin(&reader, text, len);
	for (;;)
	{
		MemoryContext old = MemoryContextSwitchTo(rowcxt);
		Datum		values[7];
		ct_arch		cell;
		bool		nulls[7] = {false};

		CHECK_FOR_INTERRUPTS();
		rc = ct_nb101_json_next(&reader, &rec, &err);
		if (rc < 0)
			ct_report_error(&err, "nas_bench.json", NULL);
		if (rc == 0)
		{
			MemoryContextSwitchTo(old);
			break;
		}
		values[0] = CStringGetTextDatum(rec.hash);
		ct_nb101_arch(&rec.graph, &cell);
		values[1] = PointerGetDatum(archgraph_encode(&cell));
		values[2] = float_or_null(rec.validation_accuracy, &nulls[2]);
		values[3] = float_or_null(rec.test_accuracy, &nulls[3]);
		values[4] = float_or_null(rec.train_accuracy, &nulls[4]);
		values[5] = Int64GetDatum(rec.n_params);
		nulls[5] = rec.n_params < 0;
		values[6] = float_or_null(rec.training_time, &nulls[6]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	pfree(text);
	return (Datum) 0;
}
