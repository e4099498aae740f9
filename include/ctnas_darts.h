/*
 * ctnas_darts.h
 *	  DARTS genotypes (the DARTS / NAS-Bench-301 cell space): text forms,
 *	  identity, bytes, sampling, mutation, neighbours, the reference NAC's
 *	  graph, Graphviz DOT.
 *
 * Pure C (no postgres.h), self-contained like ctnas_nb201.h.  Failures fill
 * a ct_error and return false; malformed text is CT_ERR_SYNTAX (22P02), a
 * well-formed genotype that breaks a rule of the space CT_ERR_INVALID.
 *
 * A genotype is two cells, normal and reduce.  A cell has inputs 0 (c_{k-2})
 * and 1 (c_{k-1}) and intermediate nodes 2..5; node k+2 sums two edges,
 * 2k and 2k+1, each (op, input) with input < k+2; the cell's output is the
 * concatenation of nodes 2..5 (concat [2, 3, 4, 5], the only concat this
 * space has: DARTS, PC-DARTS, NAS-Bench-301 and the CTNAS reference all use
 * it).  The two inputs of a node must differ (DARTS' derivation keeps the two
 * strongest distinct predecessors; NAS-Bench-301 and NASLib require it).
 *
 * Ops: the seven DARTS ops, and "none", numbered in the DARTS repo's
 * PRIMITIVES order.  "none" is accepted because the CTNAS reference's
 * vocabulary has it (ctnas-reference.md §10.2: its PRIMITIVES index 3, NAC
 * id 2): its controller samples it and its NAC embeds it, so a search in
 * this space can propose it.  No DARTS-derived genotype and no NAS-Bench-301
 * genotype has it; the sampler, mutation and neighbours here (NASLib's)
 * never introduce it.
 *
 * Identity: a node's two edges are unordered, so the canonical genotype has
 * each node's edges sorted by (input, op); two genotypes that differ only
 * in that order are equal.  Nothing else is identified (no isomorphism).
 */
#ifndef CTNAS_DARTS_H
#define CTNAS_DARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_error.h"
#include "ctnas_rng.h"

#define CT_DARTS_CELLS		2	/* normal, reduce */
#define CT_DARTS_NODES		4	/* intermediate nodes per cell (2..5) */
#define CT_DARTS_EDGES		8	/* per cell: 2 per intermediate node */
#define CT_DARTS_NUM_OPS	8
#define CT_DARTS_NUM_INPUTS 5	/* an edge reads node 0..4 */

/* Op codes: the DARTS repo's PRIMITIVES order (genotypes.py) */
typedef enum ct_darts_op
{
	CT_DARTS_NONE = 0,
	CT_DARTS_MAX_POOL_3X3 = 1,
	CT_DARTS_AVG_POOL_3X3 = 2,
	CT_DARTS_SKIP_CONNECT = 3,
	CT_DARTS_SEP_CONV_3X3 = 4,
	CT_DARTS_SEP_CONV_5X5 = 5,
	CT_DARTS_DIL_CONV_3X3 = 6,
	CT_DARTS_DIL_CONV_5X5 = 7
} ct_darts_op;

typedef struct ct_darts_edge
{
	uint8_t		op;				/* ct_darts_op */
	uint8_t		input;			/* 0 c_{k-2}, 1 c_{k-1}, 2.. intermediate node */
} ct_darts_edge;

/* cell[0] normal, cell[1] reduce; edges 2k and 2k+1 feed node k+2. */
typedef struct ct_darts_genotype
{
	ct_darts_edge cell[CT_DARTS_CELLS][CT_DARTS_EDGES];
} ct_darts_genotype;

/* Op names as DARTS spells them; NULL for an unknown code. */
extern const char *ct_darts_op_name(int op);
/* Op code of a name of len bytes, or -1. */
extern int	ct_darts_op_from_name(const char *name, size_t len);

/*
 * The rules of the space: ops < 8, input < node, a node's two inputs
 * distinct.  CT_ERR_INVALID naming the cell, node and edge.
 */
extern bool ct_darts_check(const ct_darts_genotype *g, ct_error *err);

/* Each node's two edges sorted by (input, op): the identity's representative. */
extern void ct_darts_canonical(const ct_darts_genotype *g, ct_darts_genotype *out);
extern bool ct_darts_is_canonical(const ct_darts_genotype *g);
/* Equal by identity (each node's edges as a multiset). */
extern bool ct_darts_equal(const ct_darts_genotype *a, const ct_darts_genotype *b);

/*
 * Distinct genotypes, per cell and in all: per node k+2 there are C(k+2, 2)
 * input pairs and 8^2 op pairs, so a cell has 64^4 * (1 * 3 * 6 * 10) =
 * 3,019,898,880 and the space 3,019,898,880^2 = 9,119,789,245,425,254,400
 * (< 2^63).  Without "none" (NAS-Bench-301): 49^4 * 180 = 1,037,664,180
 * per cell, 1,076,746,950,455,072,400 in all.
 */
#define CT_DARTS_CELL_COUNT		INT64_C(3019898880)
#define CT_DARTS_COUNT			INT64_C(9119789245425254400)

/* ---- text ---------------------------------------------------------------- */

/*
 * Parses the text forms of a genotype (not canonicalised: as written):
 *
 *	  Genotype(normal=[('sep_conv_3x3', 0), ... 8 edges], normal_concat=[2, 3, 4, 5],
 *			   reduce=[... 8 edges], reduce_concat=[2, 3, 4, 5])
 *
 * as DARTS, PC-DARTS and NASLib print it (Python's repr of the namedtuple):
 * the four keywords in any order, each once; ops in single or double
 * quotes; white space anywhere between tokens; a concat may also be written
 * range(2, 6), as DARTS' model_search.py builds it, or a tuple; a trailing
 * comma in a list is allowed, as in Python.  And NASLib's compact form
 *
 *	  ((normal: 8 x (input, op index)), (reduce: 8 x (input, op index)))
 *
 * (naslib/search_spaces/nasbench301/conversions.py), the op index into
 * NASLib's list max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3,
 * sep_conv_5x5, dil_conv_3x3, dil_conv_5x5 (no "none").  Chosen by the first
 * non-blank character: "G" the Genotype, "(" the compact form.  The rules of
 * ct_darts_check apply.  Every error quotes where it happened.
 */
extern bool ct_darts_parse(const char *text, size_t len, ct_darts_genotype *out, ct_error *err);

/* Longest Genotype string, NUL included (every edge "('dil_conv_5x5', 4), "). */
#define CT_DARTS_STR_MAX	448

/* The Genotype string, concat as [2, 3, 4, 5] (round-trips with ct_darts_parse); returns its length. */
extern size_t ct_darts_to_str(const ct_darts_genotype *g, char *buf, size_t size);

/* NASLib's compact form "(((0, 4), ...), (...))" as Python prints the tuple; 0 when a "none" edge has no compact index. */
#define CT_DARTS_COMPACT_MAX 192
extern size_t ct_darts_to_compact(const ct_darts_genotype *g, char *buf, size_t size);

/*
 * JSON (a const cJSON *, opaque here), "space" optional and then "darts":
 *	  {"space": "darts", "normal": [["sep_conv_3x3", 0], ...], "reduce": [...]}
 * with optional "normal_concat" / "reduce_concat" ([2, 3, 4, 5]); or
 *	  {"space": "darts", "genotype": "Genotype(...)"}
 *	  {"space": "darts", "compact": [[[0, 3], ...], [...]]}   (NASLib's, as JSON lists)
 * Any other key, a key twice, or a mix of the three forms is an error.
 */
extern bool ct_darts_from_cjson(const void *object, ct_darts_genotype *out, ct_error *err);

/* ---- bytes --------------------------------------------------------------- */

/*
 * 12 bytes whose memcmp order is the type's order: the 16 edges (normal
 * edges 0..7, then reduce), each 6 bits input * 8 + op, packed big-endian.
 * Decoding checks the rules and that the genotype is canonical.
 */
#define CT_DARTS_BYTES 12
extern void ct_darts_encode(const ct_darts_genotype *g, uint8_t out[CT_DARTS_BYTES]);
extern bool ct_darts_decode(const uint8_t *in, size_t len, ct_darts_genotype *out, ct_error *err);

/* ---- sampling, mutation, neighbours -------------------------------------- */

/*
 * NASLib's NasBench301SearchSpace.sample_random_architecture: for each node
 * k+2 in order, four ops uniform over the seven DARTS ops, then two distinct
 * inputs uniform among 0..k+1 for the normal cell, then two for the reduce
 * cell.  Canonical; deterministic per seed (ctnas_rng.h, not numpy).
 */
extern void ct_darts_random(uint64_t seed, ct_darts_genotype *out);

/*
 * NASLib's NasBench301SearchSpace.mutate (mutation_rate 1): a cell, an edge
 * and what to change, uniformly; an op: a new one uniform over the seven; an
 * input: uniform among 0..k+1, kept only when it differs from the other
 * edge's input; drawn again until the genotype has changed.  Canonical.
 */
extern void ct_darts_mutate(const ct_darts_genotype *g, uint64_t seed, ct_darts_genotype *out);

/*
 * NASLib's get_nbhd (in its order, unshuffled): per cell, per edge, every
 * other of the seven ops, then every other input that is not the other
 * edge's.  Canonical, pairwise distinct, never g.  A genotype without none
 * has 2 * (8 * 6 + 12) = 120; at most 2 * (8 * 7 + 12) = 136.
 */
#define CT_DARTS_NEIGHBOURS_MAX 136
extern int	ct_darts_neighbours(const ct_darts_genotype *g, ct_darts_genotype *out);

/* ---- the reference NAC's graph ------------------------------------------- */

/*
 * The reference's genotype2arch (ctnas-reference.md §10.3) for one cell:
 * 10 nodes, 0 c_{k-2}, 1 c_{k-1}, 2 + e edge e; an edge from input s < 2
 * reads node s, from s >= 2 both edge nodes entering node s.  ops are the
 * reference NAC ids (op2embedding): input0 0, input1 1, none 2,
 * skip_connect 3, sep_conv_3x3 4, sep_conv_5x5 5, max_pool_3x3 6,
 * avg_pool_3x3 7, dil_conv_3x3 8, dil_conv_5x5 9.  preds[v]: bit u set when
 * node u feeds v (adj[v][u] = 1 in the reference's transposed matrix).
 */
#define CT_DARTS_DAG_NODES	10
#define CT_DARTS_NAC_VOCAB	10
typedef struct ct_darts_dag
{
	uint8_t		ops[CT_DARTS_DAG_NODES];
	uint16_t	preds[CT_DARTS_DAG_NODES];
} ct_darts_dag;

extern void ct_darts_cell_dag(const ct_darts_genotype *g, int cell, ct_darts_dag *out);

/* ---- Graphviz ------------------------------------------------------------ */

#define CT_DARTS_DOT_MAX	3072

/* Both cells as DARTS' visualize.py draws a cell (c_{k-2}, c_{k-1}, 0..3, c_{k}), as two clusters. */
extern size_t ct_darts_to_dot(const ct_darts_genotype *g, char *buf, size_t size);

#endif
