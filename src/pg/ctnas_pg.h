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
 * The extension's schema, quoted, found through the extension (ext_schema.c).
 * ctnas_sql(fmt) formats fmt with it as every %1$s: SQL that C code runs
 * names ctnas's objects this way and pg_catalog's explicitly.
 */
#define CTNAS_SQL_VERSION "0.2.0"	/* the SQL objects this library works with */
extern Oid	ctnas_schema_oid(void);
extern const char *ctnas_schema(void);
extern char *ctnas_sql(const char *fmt);

#endif
