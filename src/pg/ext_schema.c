/*
 * ext_schema.c
 *	  How C code names the extension's own objects: through the schemas of the
 *	  extension, found by the extension's OID, never by a name that a plain
 *	  role could shadow (a schema renamed and replaced, or something earlier
 *	  on search_path).  Two schemas: the extension's own (ctnas: what users
 *	  call, the tables), and the one member schema that holds the support
 *	  functions (ctnas_internal: type I/O, operator and aggregate support,
 *	  triggers, search_job_stale).  Each is used only while a superuser owns
 *	  it and no other role may create objects in it.
 */
#include "ctnas_pg.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

Oid
ctnas_schema_oid(void)
{
	Oid			ext = get_extension_oid("ctnas", false);
	Oid			nsp = InvalidOid;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	/* (PostgreSQL 15 does not export get_extension_schema: the same scan) */
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		v = heap_getattr(tup, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);

		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
		/* this library's C code expects the objects of its own SQL version */
		if (isnull || strcmp(TextDatumGetCString(v), CTNAS_SQL_VERSION) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("extension ctnas is at version %s, but its library is %s",
							isnull ? "?" : TextDatumGetCString(v), CTNAS_SQL_VERSION),
					 errhint("Run ALTER EXTENSION ctnas UPDATE.")));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		elog(ERROR, "extension ctnas has no schema");
	return nsp;
}

/*
 * The support functions' schema: the one schema that is a member of the
 * extension (CREATE SCHEMA in its script made it one; the extension's own
 * schema is not a member).  Membership, not the name: a schema a plain role
 * makes under that name after a rename is not the extension's.
 */
Oid
ctnas_internal_schema_oid(void)
{
	Oid			own = ctnas_schema_oid();	/* (and the version check) */
	Oid			ext = get_extension_oid("ctnas", false);
	Oid			nsp = InvalidOid;
	int			found = 0;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	HeapTuple	tup;

	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ExtensionRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->classid == NamespaceRelationId && dep->deptype == DEPENDENCY_EXTENSION && dep->objid != own)
		{
			nsp = dep->objid;
			found++;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (found != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension ctnas has %s schema for its support functions", found == 0 ? "no" : "more than one"),
				 errhint("Drop and create the extension again.")));
	return nsp;
}

/*
 * The name of schema nsp, quoted, once it is checked: the install script
 * refuses a schema a plain role owns or may create objects in; this catches
 * an ALTER SCHEMA ... OWNER TO or a GRANT CREATE later.  (Objects in such a
 * schema, or the schema itself, could be replaced by that role, and the
 * launcher, a superuser, would run them.)
 */
static const char *
checked_schema(Oid nsp)
{
	HeapTuple	tup;
	Oid			owner;
	char	   *name;
	bool		isnull;
	Datum		acl_datum;
	bool		others_create = false;

	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "schema of extension ctnas (oid %u) not found", nsp);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	name = pstrdup(NameStr(((Form_pg_namespace) GETSTRUCT(tup))->nspname));
	acl_datum = SysCacheGetAttr(NAMESPACEOID, tup, Anum_pg_namespace_nspacl, &isnull);
	if (!isnull)				/* (NULL: the default, only the owner) */
	{
		Acl		   *acl = DatumGetAclP(acl_datum);
		AclItem    *items;

		/* (ACL_DAT, with its ?: of signed and unsigned, does not compile under -Werror: an ACL has no nulls) */
		if (ARR_NDIM(acl) != 1 || ARR_HASNULL(acl) || ARR_ELEMTYPE(acl) != ACLITEMOID)
			elog(ERROR, "the ACL of schema %u is not a one-dimensional aclitem array", nsp);
		items = (AclItem *) ((char *) acl + ARR_OVERHEAD_NONULLS(1));
		for (int i = 0; i < ACL_NUM(acl); i++)
			if ((ACLITEM_GET_PRIVS(items[i]) & ACL_CREATE) &&
				(items[i].ai_grantee == ACL_ID_PUBLIC || !superuser_arg(items[i].ai_grantee)))
				others_create = true;
	}
	ReleaseSysCache(tup);
	if (!superuser_arg(owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("schema \"%s\" of extension ctnas is owned by a role that is not a superuser", name),
				 errhint("ALTER SCHEMA %s OWNER TO a superuser.", quote_identifier(name))));
	if (others_create)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("roles other than superusers may create objects in schema \"%s\" of extension ctnas", name),
				 errhint("REVOKE CREATE ON SCHEMA %s FROM PUBLIC (and from every other role that is not a superuser).",
						 quote_identifier(name))));
	return quote_identifier(name);
}

const char *
ctnas_schema(void)
{
	return checked_schema(ctnas_schema_oid());
}

const char *
ctnas_internal_schema(void)
{
	return checked_schema(ctnas_internal_schema_oid());
}

char *
ctnas_sql(const char *fmt)
{
	/* (the member schemas are looked up only for SQL that names a support function) */
	return psprintf(fmt, ctnas_schema(), strstr(fmt, "%2$s") ? ctnas_internal_schema() : "");
}
