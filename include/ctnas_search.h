/*
 * ctnas_search.h
 *	  The search harness shared by every search method: an oracle (cells with
 *	  known accuracies), the query budget, and the baselines random search and
 *	  regularized evolution (Real et al. 2019).  The CTNAS search itself will
 *	  use the same oracle and budget accounting.
 */
#ifndef CTNAS_SEARCH_H
#define CTNAS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_error.h"
#include "ctnas_graph.h"
#include "ctnas_nac.h"

/* Cells with accuracies, and a hash index from cell to row. */
typedef struct ct_oracle
{
	size_t		n;
	ct_graph   *cells;
	double	   *acc;
	size_t		hash_size;		/* a power of two */
	int64_t    *hash;			/* row + 1, or 0 */
} ct_oracle;

/* Takes the arrays (copies them); an error for duplicate cells or non-finite accuracies. */
extern bool ct_oracle_build(ct_oracle *o, const ct_graph *cells, const double *acc, size_t n,
							ct_error *err);
extern void ct_oracle_free(ct_oracle *o);
/* Row of a cell, or -1 when the oracle does not hold it. */
extern int64_t ct_oracle_find(const ct_oracle *o, const ct_graph *g);

typedef enum ct_search_space
{
	CT_SPACE_ORACLE = 1,		/* only cells of the oracle are proposed */
	CT_SPACE_NB101 = 2			/* the whole NAS-Bench-101 space; cells outside the oracle cost nothing */
} ct_search_space;

/*
 * The budget: every distinct cell whose accuracy the search reads counts
 * once; reading it again is free.  The log keeps the rows in query order.
 */
typedef struct ct_budget
{
	const ct_oracle *oracle;
	int			budget;
	int			used;
	int64_t    *log;			/* budget rows, in query order */
	uint8_t    *seen;			/* per oracle row */
} ct_budget;

extern void ct_budget_init(ct_budget *b, const ct_oracle *o, int budget);
extern void ct_budget_free(ct_budget *b);
/*
 * Reads the accuracy of oracle row r: true with *acc set if the row was read
 * before or the budget allows a new read; false when the budget is spent.
 */
extern bool ct_budget_query(ct_budget *b, int64_t r, double *acc);
/* The queried row with the best accuracy, or -1 if none. */
extern int64_t ct_budget_best(const ct_budget *b);

typedef struct ct_baseline_options
{
	uint64_t	seed;
	int			space;			/* ct_search_space */
	int			population;		/* evolution */
	int			tournament;		/* evolution */
	int64_t		max_proposals;	/* a bound on proposals, so a search always ends */
} ct_baseline_options;

extern ct_baseline_options ct_baseline_default_options(void);
/* Options as JSON (keys seed, space, population, tournament, max_proposals); others are errors. */
extern bool ct_baseline_options_from_json(const char *json, ct_baseline_options *opt, ct_error *err);

/*
 * Random search: cells drawn uniformly from the oracle, a repeat costing
 * nothing (space "oracle"), or by NAS-Bench-101's sampler (space "nb101"; cells the
 * oracle lacks are skipped at no cost), until the budget is spent.
 */
extern bool ct_random_search(ct_budget *b, const ct_baseline_options *opt,
							 ct_interrupt_fn interrupt, void *arg, ct_error *err);

/*
 * Regularized evolution: a population of random cells; then repeatedly the
 * best of a random tournament is mutated (archgraph_mutate), the child
 * queried and added, and the oldest member removed.  A child outside the
 * space or already queried is re-drawn; after 100 draws (a parent whose
 * neighbours all lie outside a sparse oracle, or are all known) a random new
 * cell of the space replaces it.
 */
extern bool ct_evolution_search(ct_budget *b, const ct_baseline_options *opt,
								ct_interrupt_fn interrupt, void *arg, ct_error *err);

/*
 * NAC-guided search in rounds: `first` random cells of the oracle, then each
 * round trains a NAC on every cell queried so far, scores every unqueried
 * cell of the oracle and queries the best-ranked, until the budget is spent
 * (a candidate for the CTNAS search's default recipe; see issue 6).
 */
typedef struct ct_guided_options
{
	uint64_t	seed;
	int			first;			/* random cells before the first round */
	int			rounds;
	ct_nac_options nac;			/* how each round's NAC is trained */
} ct_guided_options;

extern bool ct_guided_search(ct_budget *b, const ct_guided_options *opt,
							 ct_interrupt_fn interrupt, void *arg, ct_error *err);

#endif
