/*
 * search_harness.h
 *	  The search harness (search_harness.c) shared by the SQL search
 *	  functions (search.c) and search jobs (their submit in search_job_api.c,
 *	  their worker in search_job_worker.c), so a job runs with exactly the
 *	  options, oracle rules and budget accounting of the SQL functions.
 */
#ifndef CTNAS_SEARCH_HARNESS_H
#define CTNAS_SEARCH_HARNESS_H

#include "fmgr.h"
#include "utils/jsonb.h"

#include "ctnas_search.h"

/* A search's options: those the glue handles itself, and the core's, parsed. */
typedef struct SearchOptions
{
	char	   *arch_column;
	char	   *acc_column;
	char	   *model;			/* ctnas: start from this NAC of ctnas.models */
	char	   *save_model;		/* ctnas: store the final NAC under this name */
	int			progress;		/* ctnas: a NOTICE every this many steps (0: none) */
	bool		nac_shape_given;	/* the "nac" object names the network's shape */
	bool		nac_directions_given;	/* ... its "directions" */
	bool		nac_readout_given;	/* ... its "readout" */
	bool		resume;			/* jobs: resume from the last checkpoint after a restart */
	double		time_limit;		/* jobs: seconds (0: none) */
	/* jobs with "evaluator": "external": accuracies come from trials (search_trials.c) */
	bool		external;
	int			space_id;		/* the candidates: this whole space (oracle NULL), else 0: the oracle's rows */
	int			max_failed;		/* failed trials that end the search (0: the budget) */
	int64		pool;			/* a space that cannot be enumerated: candidates drawn (0: CT_POOL_DEFAULT) */
	uint64		seed;			/* the search's seed (the pool is drawn from it) */
	ct_ctnas_options ctnas;		/* method ctnas */
	ct_baseline_options baseline;	/* methods random, evolution */
	ct_local_options local;		/* method local */
} SearchOptions;

typedef enum SearchMethod
{
	SEARCH_CTNAS = 1,
	SEARCH_RANDOM,
	SEARCH_EVOLUTION,
	SEARCH_LOCAL
} SearchMethod;

/* An error (22004) naming the first of the first n arguments that is NULL. */
extern void search_check_args(FunctionCallInfo fcinfo, const char *fn, const char *const *names, int n);
extern const char *const search_arg_names[6];	/* oracle, budget, options, method */
/* "ctnas", "random", "evolution", "local"; an error otherwise. */
extern SearchMethod search_method_from_name(const char *name);
/* Splits and checks the options of a method (jobs: also resume, time_limit); errors are ereport'ed. */
extern SearchOptions search_split_options(Jsonb *options, SearchMethod method, bool job);
extern void search_check_budget(int32 budget);
/*
 * Where an external search's candidates come from: the oracle (a table or
 * query), or a whole space named by "space" (oracle NULL), not both, and
 * "pool" only for a space; errors otherwise.  At submit, and again in the
 * worker: a job's row is its owner's to write.
 */
extern void search_check_candidates(const char *oracle, const SearchOptions *so);
/* The oid of ctnas.archgraph. */
extern Oid	search_archgraph_oid(void);
/*
 * Reads and checks the whole oracle (SPI inside); errors are ereport'ed.
 * An external search's: the candidates (the relation's arch column, or the
 * query's first column; oracle NULL: every architecture of so->space_id),
 * with no accuracies yet.
 */
extern void search_load_oracle(const char *oracle, const SearchOptions *so, Oid archgraph_oid, ct_oracle *out);
/* Whether an oracle is a query (else a relation name). */
extern bool search_oracle_is_query(const char *oracle);
/* A relation oracle as "schema"."name" (temporary relations refused), or the query as given. */
extern char *search_resolve_oracle(const char *oracle, const SearchOptions *so);
/* Runs a baseline over b; errors are ereport'ed. */
extern void search_run_baseline(SearchMethod method, ct_budget *b, const SearchOptions *so);
/* An error (54000) when a CTNAS search with these options would need more than ctnas.max_training_memory. */
extern void search_check_memory(const ct_ctnas_options *opt, const ct_space *space, int budget,
								size_t oracle_cells, bool has_init);
/* A CTNAS search over b (with the starting model of the options, if any). */
extern ct_ctnas_search *search_ctnas_create(ct_budget *b, const SearchOptions *so);
/* Stores the search's NAC in ctnas.models. */
extern void search_save_model(ct_ctnas_search *s, const char *name);
/* The interrupt callback of the core (CHECK_FOR_INTERRUPTS). */
extern void search_interrupt(void *arg);

#endif
