/*
 * ctnas_graph.h
 *	  NAS-Bench-101 cells: validation, pruning, canonical form, hash, text.
 *
 * Pure C (no postgres.h), shared by the extension, unit tests, fuzzers and
 * benchmarks.  A ct_graph is always valid, pruned and canonical: among all
 * renumberings of its interior nodes that keep the adjacency strictly
 * upper-triangular, it is the one NAS-Bench-101's generate_graphs enumerates
 * first (smallest edge bits, then smallest op tuple).  So two ct_graphs are
 * equal field by field exactly when the cells are isomorphic with equal ops.
 */
#ifndef CTNAS_GRAPH_H
#define CTNAS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_error.h"

#define CT_NB101_MAX_NODES	7
#define CT_NB101_MAX_EDGES	9
/* Raw input may carry dangling nodes that pruning removes; beyond this it is refused. */
#define CT_RAW_MAX_NODES	32

/* Op codes.  0..2 are NAS-Bench-101's labels, whose order the canonical form uses. */
typedef enum ct_op
{
	CT_OP_CONV3X3 = 0,
	CT_OP_CONV1X1 = 1,
	CT_OP_MAXPOOL3X3 = 2,
	CT_OP_INPUT = 3,
	CT_OP_OUTPUT = 4
} ct_op;

#define CT_NUM_INTERIOR_OPS 3
#define CT_NUM_OPS			5

/* A valid, pruned, canonical NAS-Bench-101 cell. */
typedef struct ct_graph
{
	int			n;				/* nodes, 2..7; node 0 input, node n-1 output */
	uint32_t	edges;			/* edge x->y (x < y) is bit y*(y-1)/2 + x */
	uint8_t		ops[CT_NB101_MAX_NODES];	/* ct_op per node; 0 past n */
} ct_graph;

/* Input as a user wrote it: any size up to CT_RAW_MAX_NODES, not yet checked. */
typedef struct ct_raw_graph
{
	int			n;
	uint8_t		adj[CT_RAW_MAX_NODES][CT_RAW_MAX_NODES];	/* 0/1 */
	uint8_t		ops[CT_RAW_MAX_NODES];	/* ct_op */
} ct_raw_graph;

static inline int
ct_edge_bit(int x, int y)
{
	return y * (y - 1) / 2 + x;
}

static inline bool
ct_graph_has_edge(const ct_graph *g, int x, int y)
{
	return x < y && (g->edges >> ct_edge_bit(x, y)) & 1u;
}

extern int	ct_graph_num_edges(const ct_graph *g);

/* Op names as NAS-Bench-101 spells them; NULL for an unknown code. */
extern const char *ct_op_name(int op);
/* Op code of a name of len bytes, or -1. */
extern int	ct_op_from_name(const char *name, size_t len);

/*
 * Validates raw (square 0/1 matrix, strictly upper-triangular, input first,
 * output last, known interior ops), prunes it exactly as NAS-Bench-101's
 * ModelSpec does, checks the limits (7 nodes, 9 edges) and canonicalises.
 */
extern bool ct_graph_from_raw(const ct_raw_graph *raw, ct_graph *out, ct_error *err);

/* The canonical graph as a raw one (for re-validation and mutation). */
extern void ct_graph_to_raw(const ct_graph *g, ct_raw_graph *raw);

/* Checks that g is already canonical and valid (for values read from disk). */
extern bool ct_graph_is_canonical(const ct_graph *g);

/* A 64-bit hash of the cell for in-memory hash tables (not the NAS-Bench-101 hash). */
extern uint64_t ct_graph_hash64(const ct_graph *g);

/* Total order: nodes, then edge bits, then ops; NAS-Bench-101's enumeration order. */
extern int	ct_graph_cmp(const ct_graph *a, const ct_graph *b);

/* NAS-Bench-101 module hash (graph_util.hash_module) as 32 hex digits. */
extern void ct_graph_nb101_hash(const ct_graph *g, char out[33]);

/*
 * JSON text: {"matrix":[[...]],"ops":[...]}; also accepts NAS-Bench-101's
 * "module_adjacency"/"module_operations".  Parses into raw, not validated.
 */
extern bool ct_raw_graph_parse_json(const char *text, ct_raw_graph *raw, ct_error *err);

/* The same from a parsed JSON value (a cJSON *; a "space" key in it is skipped). */
extern bool ct_raw_graph_from_json_root(const void *root, ct_raw_graph *raw, ct_error *err);

/* The same from already parsed cJSON items (a cJSON * each; kept opaque here). */
extern bool ct_raw_graph_from_cjson(const void *matrix, const void *ops,
									ct_raw_graph *raw, ct_error *err);

/* Parses and builds in one step. */
extern bool ct_graph_parse_json(const char *text, ct_graph *out, ct_error *err);

/* Upper bounds of the text forms, terminating NUL included. */
#define CT_GRAPH_JSON_MAX	512
#define CT_GRAPH_DOT_MAX	1024

/* Compact JSON of the canonical graph; returns its length. */
extern size_t ct_graph_to_json(const ct_graph *g, char *buf, size_t size);

/* Graphviz DOT, ops as node labels; returns its length. */
extern size_t ct_graph_to_dot(const ct_graph *g, char *buf, size_t size);

/*
 * A cell drawn as NAS-Bench-101's random spec sampler draws it: a uniform
 * 7x7 upper-triangular 0/1 matrix and uniform interior ops, resampled until
 * the pruned cell is valid.  Deterministic per seed.
 */
extern void ct_graph_random(uint64_t seed, ct_graph *out);

/*
 * One change (an edge flipped or an interior op replaced), chosen uniformly
 * among the changes that give a valid cell.  Deterministic per seed.  Fails
 * only for a cell with no valid single change (input -> output).
 */
extern bool ct_graph_mutate(const ct_graph *g, uint64_t seed, ct_graph *out, ct_error *err);

/*
 * Every cell one change away (the changes ct_graph_mutate draws from): each
 * edge flip and each interior op replacement that gives a valid cell, pruned
 * and canonical, each cell once (isomorphic results are one cell) and never
 * g itself, in the order of the changes (edges by target, then source; then
 * ops by node).  Writes the first max of them and returns how many there are
 * (at most CT_NB101_NEIGHBOURS_MAX; 0 for input -> output).
 */
#define CT_NB101_NEIGHBOURS_MAX \
	(CT_NB101_MAX_NODES * (CT_NB101_MAX_NODES - 1) / 2 + (CT_NB101_MAX_NODES - 2) * (CT_NUM_INTERIOR_OPS - 1))
extern int	ct_graph_neighbours(const ct_graph *g, ct_graph *out, int max);

#endif
