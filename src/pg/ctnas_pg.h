/*
 * ctnas_pg.h
 *	  How C code names the extension's own objects (ext_schema.c): through
 *	  the schema the extension was created in, found by its OID.  (The name
 *	  is older than this one purpose; ext_schema.c includes it.)
 */
#ifndef CTNAS_PG_H
#define CTNAS_PG_H

#include "postgres.h"

/*
 * The extension's schema, quoted, found through the extension (ext_schema.c);
 * ctnas_internal_schema: the schema of its support functions (type I/O,
 * operator and aggregate support, triggers, search_job_stale), the one
 * schema that is a member of the extension.  Both are checked: a superuser
 * owns them, no other role may create in them.  ctnas_sql(fmt) formats fmt
 * with the first as every %1$s and the second as every %2$s (fmt always
 * names %1$s): SQL that C code runs names ctnas's objects this way and
 * pg_catalog's explicitly.
 */
#define CTNAS_SQL_VERSION "0.2.0"	/* the SQL objects this library works with */
extern Oid	ctnas_schema_oid(void);
extern const char *ctnas_schema(void);
extern Oid	ctnas_internal_schema_oid(void);
extern const char *ctnas_internal_schema(void);
extern char *ctnas_sql(const char *fmt);

#endif
