/*
 * ctnas_search.h
 *	  The search harness shared by every search method: an oracle (cells with
 *	  known accuracies), the query budget, and the baselines random search,
 *	  regularized evolution (Real et al. 2019) and local search (White et
 *	  al. 2021), and the CTNAS search with the same oracle and budget
 *	  accounting.
 */
#ifndef CTNAS_SEARCH_H
#define CTNAS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_error.h"
#include "ctnas_arch.h"
#include "ctnas_space.h"
#include "ctnas_nac.h"

/*
 * The evaluator of a search: architectures of one space with their
 * accuracies, and a hash index from architecture to row.  A benchmark table
 * answers every row at once.  An external oracle (its candidates: a whole
 * enumerable space, or a user's table) starts with no accuracy (NaN) and
 * learns them as trials are reported, or that a row could not be evaluated
 * (failed); the searches are the same code for both (ct_budget_propose and
 * ct_budget_resolve).
 */
typedef struct ct_oracle
{
	const ct_space *space;
	size_t		n;
	ct_arch    *cells;
	double	   *acc;			/* NaN: not known (yet) */
	uint8_t    *failed;			/* external: rows that could not be evaluated; NULL otherwise */
	bool		external;
	size_t		hash_size;		/* a power of two */
	int64_t    *hash;			/* row + 1, or 0 */
} ct_oracle;

/*
 * An error (22023) for an oracle of more rows than its space has
 * architectures: it must hold one twice.  Readers check as they go, so an
 * endless oracle stops at row space->size + 1.
 */
extern bool ct_oracle_check_rows(const ct_space *space, size_t n, ct_error *err);

/*
 * Takes the arrays (copies them); an error for architectures of more than
 * one space, duplicates or non-finite accuracies.
 */
extern bool ct_oracle_build(ct_oracle *o, const ct_arch *cells, const double *acc, size_t n,
							ct_error *err);
/*
 * An external oracle over candidate architectures (copied; an error for
 * none, more than one space or duplicates), every accuracy unknown; rows
 * in the same order as ct_oracle_build's.  And one over a space: pool 0
 * and an enumerable space: all its architectures; else a pool of `pool`
 * distinct architectures (0: CT_POOL_DEFAULT) drawn by the space's sampler
 * from seed, the same pool for the same seed.
 */
#define CT_POOL_DEFAULT 100000
extern bool ct_oracle_build_external(ct_oracle *o, const ct_arch *cells, size_t n, ct_error *err);
extern bool ct_oracle_build_space(ct_oracle *o, const ct_space *space, int64_t pool, uint64_t seed,
								  ct_interrupt_fn interrupt, void *arg, ct_error *err);
/* The rows ct_oracle_build_space makes (a pool: at most; a space smaller than it claims gives fewer). */
extern int64_t ct_oracle_space_rows(const ct_space *space, int64_t pool);
/* An external oracle learns a result: an accuracy (finite), or that the row failed for good. */
extern void ct_oracle_set_acc(ct_oracle *o, int64_t row, double acc);
extern void ct_oracle_set_failed(ct_oracle *o, int64_t row);
extern void ct_oracle_free(ct_oracle *o);
/* Row of a cell, or -1 when the oracle does not hold it. */
extern int64_t ct_oracle_find(const ct_oracle *o, const ct_arch *a);

/*
 * Where proposals come from (the search option "space"): "oracle", or a
 * space's name: the whole space, whose architectures the oracle lacks cost
 * nothing.  The values are stored in checkpoints.
 */
typedef enum ct_proposals
{
	CT_PROPOSE_ORACLE = 1,		/* only architectures of the oracle are proposed */
	CT_PROPOSE_SPACE = 2		/* the whole space (space_id); it must be the oracle's */
} ct_proposals;

/* An error (22023) when the options name a space that is not the oracle's. */
extern bool ct_proposals_check(int proposals, int space_id, const ct_oracle *o, ct_error *err);

/*
 * The budget: every distinct cell whose accuracy the search reads counts
 * once; reading it again is free.  The log keeps the rows in query order.
 *
 * Searches ask in batches: they propose rows (ct_budget_propose), at most
 * `batch` open at once, then resolve them (ct_budget_resolve), which either
 * reads all of them, in proposal order, or none: with an external oracle
 * whose results have not all come, the budget is then `waiting` and the
 * search returns; it is run again (baselines: from the start, replaying the
 * same proposals; the CTNAS search: from its checkpoint) once the results
 * are in.  A row that failed for good costs no budget, like a cell a sparse
 * oracle lacks, and is never proposed again; max_failed bounds them.  A
 * benchmark oracle answers at once, so for it a batch only decides which
 * rows are proposed before which results are read.
 */
enum
{
	CT_ROW_NEW = 0,
	CT_ROW_READ = 1,
	CT_ROW_PENDING = 2,
	CT_ROW_FAILED = 3
};

typedef struct ct_budget
{
	const ct_oracle *oracle;
	int			budget;
	int			used;
	int64_t    *log;			/* budget rows, in query order */
	uint8_t    *seen;			/* per oracle row: CT_ROW_* */
	int			batch;			/* most proposals open at once (0: no limit); set by the search from its options */
	int			max_failed;		/* failed rows that end the search (0: no limit) */
	int			npending;
	int64_t    *pending;		/* proposed rows awaiting results, in proposal order */
	int			nfailed;
	int64_t    *failed;			/* rows that failed, in the order they did */
	int			failed_cap;
	bool		waiting;		/* the search stopped for the results of its pending rows */
} ct_budget;

extern void ct_budget_init(ct_budget *b, const ct_oracle *o, int budget);
extern void ct_budget_free(ct_budget *b);
/*
 * Reads the accuracy of oracle row r at once: true with *acc set if the row
 * was read before or the budget allows a new read of a row the oracle
 * knows; false when the budget is spent.  (Checkpoints replay their log
 * with it; searches propose and resolve.)
 */
extern bool ct_budget_query(ct_budget *b, int64_t r, double *acc);
/*
 * What the search can still read: min(budget, oracle size), in 64 bits.  A
 * search ends when it is exhausted: used reached it (less the rows that
 * failed), or max_failed rows failed.
 */
extern int64_t ct_budget_effective(const ct_budget *b);
extern bool ct_budget_exhausted(const ct_budget *b);
/* New rows that may still be proposed now (the budget's room left, not the batch's). */
extern int64_t ct_budget_room(const ct_budget *b);
/* Whether a new row may be proposed now: room in the budget and in the batch. */
extern bool ct_budget_can_propose(const ct_budget *b);
/* Proposes row r: true if it was new and may be proposed (it is then pending). */
extern bool ct_budget_propose(ct_budget *b, int64_t r);
/*
 * Reads every pending row (or marks it failed), in proposal order, when the
 * oracle knows all of them: true; else changes nothing, sets waiting and
 * returns false.
 */
extern bool ct_budget_resolve(ct_budget *b);
/* Puts a row back as pending or failed (restoring a checkpoint); false if it is not new. */
extern bool ct_budget_restore_pending(ct_budget *b, int64_t r);
extern bool ct_budget_restore_failed(ct_budget *b, int64_t r);
/* The queried row with the best accuracy, or -1 if none. */
extern int64_t ct_budget_best(const ct_budget *b);

/* The search option "batch": at most this many proposals open at once (1 to CT_BATCH_MAX). */
#define CT_BATCH_MAX 100000

typedef struct ct_baseline_options
{
	uint64_t	seed;
	int			space;			/* ct_proposals */
	int			space_id;		/* CT_PROPOSE_SPACE: the space named */
	int			population;		/* evolution */
	int			tournament;		/* evolution */
	int64_t		max_proposals;	/* a bound on proposals, so a search always ends */
	int			batch;			/* most proposals open at once; 0: random search no limit, evolution 1 */
} ct_baseline_options;

/* The keys every search takes (seed, space, batch): 1 read, 0 invalid (err set), -1 another key. */
struct cJSON;
extern int	ct_search_common_option(const struct cJSON *item, uint64_t *seed, int *proposals, int *space_id,
									int *batch, ct_error *err);

extern ct_baseline_options ct_baseline_default_options(void);
/* Options as JSON (keys seed, space, batch, population, tournament, max_proposals); others are errors. */
extern bool ct_baseline_options_from_json(const char *json, ct_baseline_options *opt, ct_error *err);
/* The same from an object parsed by ct_json_parse (ctnas_json.h), whose numbers keep their literals. */
extern bool ct_baseline_options_from_cjson(const struct cJSON *root, ct_baseline_options *opt, ct_error *err);

/*
 * Random search: architectures drawn uniformly from the oracle, a repeat
 * costing nothing (space "oracle"), or by the space's own sampler (space
 * "nb101", "nb201"; architectures the oracle lacks are skipped at no cost),
 * until the budget is spent.
 */
extern bool ct_random_search(ct_budget *b, const ct_baseline_options *opt,
							 ct_interrupt_fn interrupt, void *arg, ct_error *err);

/*
 * Regularized evolution: a population of random cells; then repeatedly the
 * best of a random tournament is mutated (the space's mutation), the child
 * queried and added, and the oldest member removed.  A child outside the
 * space or already queried is re-drawn; after 100 draws (a parent whose
 * neighbours all lie outside a sparse oracle, or are all known) a random new
 * cell of the space replaces it.
 */
extern bool ct_evolution_search(ct_budget *b, const ct_baseline_options *opt,
								ct_interrupt_fn interrupt, void *arg, ct_error *err);

/*
 * Local search (White et al. 2021, "Local search is state of the art for
 * NAS benchmarks"; their naszilla and NASLib code): a climb starts from the
 * best of `init` new random cells (default 1) and reads every neighbour of
 * its current cell (the space's neighbours: one edge or op change), in a
 * random order, moving to the best of them when it is better than the
 * current cell, until none is (a local optimum); then a new climb starts
 * from new random cells.  first_improvement: move to the first better
 * neighbour instead of reading them all.  Neighbours the oracle lacks cost
 * nothing and are skipped, known ones are read again for free; the search
 * ends when the budget is spent or the proposals bound is reached.
 */
typedef struct ct_local_options
{
	uint64_t	seed;
	int			space;			/* ct_proposals: where random (re)starts come from */
	int			space_id;
	int			init;			/* random cells a climb starts from the best of */
	bool		first_improvement;
	int64_t		max_proposals;	/* random draws and neighbours looked at; 0: 1000 per query */
	int			batch;			/* most proposals open at once; 0: 1 */
} ct_local_options;

extern ct_local_options ct_local_default_options(void);
/* Options as JSON (keys seed, space, batch, init, first_improvement, max_proposals); others are errors. */
extern bool ct_local_options_from_json(const char *json, ct_local_options *opt, ct_error *err);
extern bool ct_local_options_from_cjson(const struct cJSON *root, ct_local_options *opt, ct_error *err);
extern bool ct_local_search(ct_budget *b, const ct_local_options *opt,
							ct_interrupt_fn interrupt, void *arg, ct_error *err);

/*
 * The CTNAS search (ctnas_search.c): a state that moves a step at a time,
 * so a caller can check for interrupts, report progress, checkpoint and
 * resume (a restored state continues exactly as the saved one would have).
 *
 * Recipe "paper" is the reference code (ctnas-reference.md §4, §8): the
 * whole budget on uniformly drawn cells, NAC pre-training on them, then
 * 10,000 REINFORCE iterations of the LSTM controller rewarded with
 * P(sample beats the baseline), the baseline curriculum and history
 * champion every 500, pseudo-labelled pairs and one NAC epoch every 100; the
 * final cell is the champion.  A step is one NAC epoch or one controller
 * iteration.
 *
 * Recipe "default" spends the budget in rounds: `first` random cells, then
 * each round trains a NAC on every cell queried so far, ranks every
 * unqueried cell of the oracle with it and queries the best-ranked; the
 * final cell is the best queried one.  A step is one NAC epoch or one
 * round's ranking and queries.
 */
typedef enum ct_ctnas_recipe
{
	CT_CTNAS_RECIPE_PAPER = 1,
	CT_CTNAS_RECIPE_DEFAULT = 2
} ct_ctnas_recipe;

typedef struct ct_ctnas_options
{
	int			recipe;			/* ct_ctnas_recipe */
	uint64_t	seed;
	int			space;			/* ct_proposals */
	int			space_id;		/* CT_PROPOSE_SPACE: the space named (not in checkpoints: the oracle's) */
	int			batch;			/* most proposals open at once (0: no limit; a round's do not depend on each other) */
	/* recipe "paper" */
	int			iterations;		/* controller iterations */
	int			derive_every;	/* baseline curriculum and champion */
	int			derive_samples;
	int			pseudo_every;	/* pseudo-labelled pairs and one NAC epoch */
	int			pseudo_first;	/* pairs kept at iteration 0 (of twice as many samples) */
	int			pseudo_pairs;	/* pairs kept later */
	double		entropy_coef;
	double		controller_lr;
	/* the controller's logit scaling (the reference's --temperature, --controller_tanh_constant,
	 * --controller_op_tanh_reduce; 0: not set, their default): ct_controller_set_scaling */
	double		temperature;
	double		tanh_constant;
	double		op_tanh_reduce;
	/* recipe "default" */
	int			first;			/* random cells before the first round; CT_CTNAS_FIRST_AUTO: ct_ctnas_first */
	int			rounds;			/* rounds after them; CT_CTNAS_ROUNDS_AUTO: ct_ctnas_rounds */
	/* both: how many of the NAC's best-ranked unread architectures to list at the end (ct_ctnas_list) */
	int			list;
	ct_nac_options nac;			/* how the NAC is trained (its seed is derived from seed) */
} ct_ctnas_options;

/*
 * The schedule of recipe "default" when the options leave it open: every
 * part a small function of the effective budget E = min(budget, oracle
 * cells) and the oracle's size N; an option given wins (checkpoints store
 * the resolved values).
 *
 * - E >= 400 (CT_CTNAS_SCHEDULE_0_1_0): 0.1.0's schedule, 100 random cells
 *   and 4 rounds, so these searches run exactly as 0.1.0's did.
 * - first (ct_ctnas_first): a fifth of E, at least 10, at most half of E
 *   (and at least 2): at 25 and 50 queries 10, at 100 20, at 300 60.
 * - rounds (ct_ctnas_rounds): as many as fit three limits: rounds of at
 *   least 3 cells, at most 8 rounds, and at most 1.5 times the work of
 *   0.1.0's 423-query search on NAS-Bench-101, counting a round as ranking
 *   the N cells plus training its NAC (4 x epochs x the cells it trains
 *   on).  On NAS-Bench-101: 5 rounds at 25 queries, 8 at 50 and 100, 7 at
 *   150 and 200, 6 at 300; on a smaller oracle ranking is cheap and 8 rounds fit
 *   (NAS-Bench-201: 8 at 100 and 200).
 * - the queries of each round: the rest of the budget spread evenly over
 *   the rounds left; the last round spends the remainder on the NAC's top
 *   cells.
 * - NAC epochs: 300 at every budget (measured: 600 at 25 queries was
 *   worse; training on fewer than 100 cells costs little either way).
 */
#define CT_CTNAS_FIRST_AUTO (-1)
#define CT_CTNAS_ROUNDS_AUTO (-1)
#define CT_CTNAS_SCHEDULE_0_1_0 400
extern int	ct_ctnas_first(int first, int budget, size_t oracle_cells);
extern int	ct_ctnas_rounds(int rounds, int first, int budget, size_t oracle_cells, int epochs);

extern ct_ctnas_options ct_ctnas_recipe_options(int recipe);
extern const char *ct_ctnas_recipe_name(int recipe);
/*
 * Options from JSON: "recipe" first picks the defaults, then keys seed,
 * space, batch, iterations, derive_every, derive_samples, pseudo_every,
 * pseudo_first, pseudo_pairs, entropy_coef, controller_lr, temperature,
 * tanh_constant, op_tanh_reduce, first, rounds,
 * and "nac" (an object of nac_train options); other keys are errors.
 */
extern bool ct_ctnas_options_from_json(const char *json, ct_ctnas_options *opt, ct_error *err);
extern bool ct_ctnas_options_from_cjson(const struct cJSON *root, ct_ctnas_options *opt, ct_error *err);

typedef struct ct_ctnas_search ct_ctnas_search;

/* What a CTNAS search needs before it can start: a budget and an oracle of at least 2 (its NAC learns from pairs). */
extern bool ct_ctnas_check_sizes(int budget, size_t oracle_cells, ct_error *err);

/*
 * Bytes a search with these options allocates at most (besides the oracle
 * and the budget), for the check of ctnas.max_training_memory before it
 * starts; has_init: it starts from a given NAC.
 */
extern size_t ct_ctnas_memory(const ct_ctnas_options *opt, const ct_space *space, int budget, size_t oracle_cells,
							  bool has_init);

/*
 * A new search over b's oracle (b fresh).  init: a NAC to start from
 * instead of training one from scratch (copied), or NULL.
 */
extern ct_ctnas_search *ct_ctnas_create(ct_budget *b, const ct_ctnas_options *opt,
										const ct_nac *init, ct_error *err);
/* One step; false on error.  A finished search does nothing. */
extern bool ct_ctnas_step(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err);
extern bool ct_ctnas_done(const ct_ctnas_search *s);
/*
 * Whether the last step stopped for results its oracle does not have yet
 * (an external oracle): the caller gives the oracle the results of the
 * budget's pending rows and steps again.
 */
extern bool ct_ctnas_waiting(const ct_ctnas_search *s);
/* Steps until done (or waiting). */
extern bool ct_ctnas_run(ct_ctnas_search *s, ct_interrupt_fn interrupt, void *arg, ct_error *err);

typedef struct ct_ctnas_progress
{
	const char *phase;			/* "pretrain", "search", "train", "rank", "done" */
	int64_t		steps;			/* steps taken */
	int64_t		total_steps;	/* steps the whole search takes (the default recipe may end sooner: the budget) */
	int64_t		iteration;		/* controller iteration (paper) or round (default) */
	int			queries;
	int64_t		best_row;		/* best queried row so far, or -1 */
	double		entropy;		/* the controller's last sample entropy (paper), else NaN */
} ct_ctnas_progress;

extern void ct_ctnas_get_progress(const ct_ctnas_search *s, ct_ctnas_progress *p);

/*
 * The final cell (when done, else the current choice): its oracle row or -1
 * (space "nb101": a cell the oracle does not hold), and its NAC score.
 * Recipe "paper": the controller's champion; recipe "default": the best cell
 * read, but in a whole space (space "darts", ...) the best-ranked of
 * ct_ctnas_list's whole-space candidates, the cells read among them.
 * False when there is no choice yet.
 */
extern bool ct_ctnas_final(ct_ctnas_search *s, ct_arch *cell, int64_t *row, double *score);
/*
 * What the finished search would propose next (the option "list"): up to
 * max of the architectures its NAC ranks best among those it did not read,
 * best first, with their NAC scores; returns how many (0 before the search
 * is done or without a NAC; -1 with err set).  Space "oracle": the oracle's
 * unread rows.  A space named: candidates from the whole space (the cells
 * read, 1000 samples of the space's sampler, 1000 of the trained controller
 * for recipe "paper", then 3 rounds adding the neighbours of the 8
 * best-ranked), of which those the oracle lacks: what no one has evaluated.
 * Ranked once, on a random stream of its own: the search is unchanged.
 */
#define CT_CTNAS_LIST_MAX 1000
extern int	ct_ctnas_list(ct_ctnas_search *s, ct_arch *out, double *score, int max, ct_error *err);
/*
 * Why a finished search has no NAC (so its rows' nac_score is NULL), as a
 * sentence in buf; false when it has one.  Only recipe "default" can end
 * without one: its first random cells took the whole budget (an explicit
 * "first" at least the budget) or read every cell of the oracle.
 */
extern bool ct_ctnas_no_nac_reason(const ct_ctnas_search *s, char *buf, size_t len);
/* The search's current NAC with the options and statistics to store it, or NULL before there is one. */
extern const ct_nac *ct_ctnas_model(const ct_ctnas_search *s, ct_nac_options *opt, ct_nac_stats *stats);
/* NAC scores of cells with the current NAC (NaN without one). */
extern void ct_ctnas_score(ct_ctnas_search *s, const ct_arch *cells, int n, double *out);

/* A checkpoint (ct_malloc'd, *len bytes), and a search continued from one (b fresh, same oracle). */
extern uint8_t *ct_ctnas_save(const ct_ctnas_search *s, size_t *len);
extern ct_ctnas_search *ct_ctnas_restore(ct_budget *b, const uint8_t *buf, size_t len, ct_error *err);
/*
 * The options a checkpoint was written with (its checksum checked), without
 * building anything: what a restore will allocate can be checked first.
 */
extern bool ct_ctnas_checkpoint_options(const uint8_t *buf, size_t len, ct_ctnas_options *opt, ct_error *err);
extern void ct_ctnas_destroy(ct_ctnas_search *s);

#endif
