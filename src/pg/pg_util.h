/*
 * pg_util.h
 *	  Utilities every part of the glue uses (pg_util.c): palloc for cJSON
 *	  and the core, the ctnas.max_training_memory check, core errors as
 *	  ereport, user input quoted in messages, aggregate contexts and states,
 *	  and single-threaded BLAS.
 */
#ifndef CTNAS_PG_UTIL_H
#define CTNAS_PG_UTIL_H

#include "fmgr.h"

#include "ctnas_error.h"

/* cJSON and the core allocate with palloc; defines ctnas.max_training_memory (_PG_init). */
extern void ctnas_util_init(void);

/*
 * An error (54000) when need bytes exceed ctnas.max_training_memory; what
 * names the work ("nac_train"), hint says what would need less (a phrase
 * without a final period).
 */
extern void ctnas_check_training_memory(size_t need, const char *what, const char *hint);
/* bytes as "1.5 GB", "300 MB", "12 kB" (palloc'd) */
extern char *ctnas_format_bytes(double bytes);

/*
 * User input as an error message may quote it: whole when short, else its
 * first CTNAS_ECHO_MAX bytes (on a character boundary) and "...", so a huge
 * input is never copied into the message and the server log.
 */
#define CTNAS_ECHO_MAX 100
extern const char *ctnas_echo(const char *input);

/* ereport(ERROR) for a core failure; input, if given, is quoted (ctnas_echo) in syntax errors. */
extern void ct_report_error(const ct_error *err, const char *type_name, const char *input) pg_attribute_noreturn();

/* The aggregate's memory context; an error when fn (NULL: the called function) is not called as an aggregate. */
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

/* OpenBLAS runs single-threaded inside a backend; call before the first BLAS use. */
extern void ctnas_blas_single_thread(void);

#endif
