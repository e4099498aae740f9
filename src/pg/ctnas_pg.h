/*
 * ctnas_pg.h
 *	  Shared pieces of the PostgreSQL glue: the stored archgraph layout and
 *	  the mapping of core errors to ereport.
 */
#ifndef CTNAS_PG_H
#define CTNAS_PG_H

#include "postgres.h"
#include "fmgr.h"

#include "ctnas_graph.h"

/*
 * On-disk archgraph.  version and space come first so that other search
 * spaces (NAS-Bench-201, DARTS) can be added without rewriting stored data.
 * Values are always canonical and zero-padded, so bytewise equality of the
 * payload is equality of cells and hashing the payload is sound.
 */
typedef struct ArchGraph
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* ARCHGRAPH_VERSION */
	uint8		space;			/* ARCHGRAPH_SPACE_NB101 */
	uint8		nnodes;			/* 2..7 */
	uint8		reserved;		/* always 0 */
	uint32		edges;			/* as ct_graph.edges */
	uint8		ops[FLEXIBLE_ARRAY_MEMBER]; /* interior ops, nnodes - 2 */
} ArchGraph;

#define ARCHGRAPH_VERSION		1
#define ARCHGRAPH_SPACE_NB101	1
#define ARCHGRAPH_SIZE(n)		(offsetof(ArchGraph, ops) + (n) - 2)

#define DatumGetArchGraphP(x)	((ArchGraph *) PG_DETOAST_DATUM(x))
#define PG_GETARG_ARCHGRAPH_P(n) DatumGetArchGraphP(PG_GETARG_DATUM(n))
#define PG_RETURN_ARCHGRAPH_P(x) PG_RETURN_POINTER(x)

extern ArchGraph *archgraph_encode(const ct_graph *g);
extern void archgraph_decode(const ArchGraph *a, ct_graph *g);
/* Argument argno of a function, decoded. */
extern void archgraph_arg(FunctionCallInfo fcinfo, int argno, ct_graph *g);

/*
 * User input as an error message may quote it: whole when short, else its
 * first CTNAS_ECHO_MAX bytes (on a character boundary) and "...", so a huge
 * input is never copied into the message and the server log.
 */
#define CTNAS_ECHO_MAX 100
extern const char *ctnas_echo(const char *input);

/* ereport(ERROR) for a core failure; input, if given, is quoted (ctnas_echo) in syntax errors. */
extern void ct_report_error(const ct_error *err, const char *type_name, const char *input) pg_attribute_noreturn();

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

/* The aggregate's memory context; an error when fn is not called as an aggregate. */
extern MemoryContext ctnas_agg_context(FunctionCallInfo fcinfo, const char *fn);

/*
 * Internal aggregate states start with a magic number of their kind, so
 * that an aggregate a superuser assembles from support functions of
 * different aggregates (one's transition function, another's final
 * function) gets an error, not a crash.  ctnas_agg_state: argument argno as
 * a state of that kind (NULL when the argument is NULL); an error when it is
 * another kind.  ctnas_agg_serial_magic: the same for the first 4 bytes of a
 * serialized state, which it consumes.
 */
#define CTNAS_NAC_TRAIN_MAGIC	0x4E414354	/* "NACT" */
#define CTNAS_KENDALL_MAGIC		0x4B544155	/* "KTAU" */
#define CTNAS_CTNAS_KTAU_MAGIC	0x434B5441	/* "CKTA" */
extern void *ctnas_agg_state(FunctionCallInfo fcinfo, int argno, uint32 magic, const char *fn);
struct StringInfoData;
extern void ctnas_agg_serial_magic(struct StringInfoData *buf, uint32 magic, const char *fn);

/* An error (54000) when a raw cell has more nodes than input may have before pruning. */
extern void archgraph_check_raw_size(int n);

/* Defines the ctnas.model setting and the model cache's invalidation (nac_funcs.c). */
extern void ctnas_models_init(void);

/*
 * A model of ctnas.models, decoded and cached (nac_funcs.c); NULL name means
 * the ctnas.model setting.  Forward passes with *batch must run in *cxt.
 */
struct ct_nac;
struct ct_nac_batch;
extern const struct ct_nac *ctnas_model_lookup(const char *name, struct ct_nac_batch **batch,
											   MemoryContext *cxt);

/* Settings of the search jobs, and the launcher when preloaded (search_jobs.c). */
extern void ctnas_search_jobs_init(void);

/* Defines ctnas.ktau_max_cells (ktau.c). */
extern void ctnas_ktau_init(void);

/*
 * An error (54000) when need bytes exceed ctnas.max_training_memory; what
 * names the work ("nac_train"), hint says what would need less (a phrase
 * without a final period).
 */
extern void ctnas_check_training_memory(size_t need, const char *what, const char *hint);
/* bytes as "1.5 GB", "300 MB", "12 kB" (palloc'd) */
extern char *ctnas_format_bytes(double bytes);

/* OpenBLAS runs single-threaded inside a backend; call before the first BLAS use. */
extern void ctnas_blas_single_thread(void);

#endif
