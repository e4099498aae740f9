/*
 * ctnas_nb201.h
 *	  NAS-Bench-201 (NB201) cells: text, JSON, the benchmark's index, bytes,
 *	  isomorphism, sampling, mutation, the GCN's graph, Graphviz DOT.
 *
 * Pure C (no postgres.h), like ctnas_graph.h, and self-contained: nothing
 * here depends on the NAS-Bench-101 cell.  Failures fill a ct_error and
 * return false (ctnas_error.h); malformed text is CT_ERR_SYNTAX (22P02),
 * the code the NAS-Bench-101 JSON parser gives malformed text.
 *
 * The cell.  Four nodes; node j (1..3) sums one op applied to every earlier
 * node i.  So six edges, in the benchmark string's order
 *
 *	  edge  0     1     2     3     4     5
 *	  j<-i  1<-0  2<-0  2<-1  3<-0  3<-1  3<-2
 *
 * each carrying one of five ops, numbered in NB201's own op list order
 * (AutoDL-Projects' NAS_BENCH_201 list).  Every one of the 5^6 = 15,625
 * assignments is a cell of the benchmark; none is invalid.
 *
 * The benchmark string (Structure.tostr()):
 *	  |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|
 */
#ifndef CTNAS_NB201_H
#define CTNAS_NB201_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_error.h"

#define CT_NB201_NUM_NODES	4
#define CT_NB201_NUM_EDGES	6
#define CT_NB201_NUM_OPS	5
#define CT_NB201_NUM_CELLS	15625	/* 5^6 */

/* Op codes: NB201's op list order */
typedef enum ct_nb201_op
{
	CT_NB201_NONE = 0,			/* "none": the zero op */
	CT_NB201_SKIP_CONNECT = 1,	/* "skip_connect" */
	CT_NB201_NOR_CONV_1X1 = 2,	/* "nor_conv_1x1" */
	CT_NB201_NOR_CONV_3X3 = 3,	/* "nor_conv_3x3" */
	CT_NB201_AVG_POOL_3X3 = 4	/* "avg_pool_3x3" */
} ct_nb201_op;

/* A cell: ops[e] is the ct_nb201_op of edge e (order above), each < 5. */
typedef struct ct_nb201_cell
{
	uint8_t		ops[CT_NB201_NUM_EDGES];
} ct_nb201_cell;

/* Edge e goes from node ct_nb201_edge_from[e] to node ct_nb201_edge_to[e]. */
extern const uint8_t ct_nb201_edge_from[CT_NB201_NUM_EDGES];
extern const uint8_t ct_nb201_edge_to[CT_NB201_NUM_EDGES];

/* Op names as NB201 spells them; NULL for an unknown code. */
extern const char *ct_nb201_op_name(int op);
/* Op code of a name of len bytes, or -1. */
extern int	ct_nb201_op_from_name(const char *name, size_t len);

/*
 * Whether every op code is < 5.  Every function here makes valid cells and
 * expects valid ones; given an invalid one (built by hand), none reads out
 * of bounds: ct_nb201_index gives -1, op names print as "?".
 */
extern bool ct_nb201_cell_is_valid(const ct_nb201_cell *c);

/* ---- the benchmark string ------------------------------------------- */

/*
 * Longest benchmark string, NUL included: six 12-character op names.  An
 * output buffer of this size always holds the whole string.
 */
#define CT_NB201_STR_MAX	96

/*
 * Parses text[0 .. len) strictly: exactly the benchmark syntax, the three
 * node groups with 1, 2 and 3 inputs "op~i" (i = 0, 1, ... in order), no
 * white space, nothing after the last "|".  Errors (CT_ERR_SYNTAX) quote
 * the offending part: an unknown op, a wrong input node index, a wrong
 * number of inputs or nodes, trailing text, a NUL byte.
 */
extern bool ct_nb201_parse(const char *text, size_t len, ct_nb201_cell *out, ct_error *err);

/* The benchmark string (round-trips exactly with ct_nb201_parse); returns its length. */
extern size_t ct_nb201_to_str(const ct_nb201_cell *c, char *buf, size_t size);

/* ---- JSON ------------------------------------------------------------- */

/*
 * Reads a cJSON object (a const cJSON *, opaque here) of one of the forms
 *	  {"space": "nb201", "arch": "<benchmark string>"}
 *	  {"space": "nb201", "ops": [six op names in edge order]}
 * "space" is required and must be "nb201"; exactly one of "arch" and
 * "ops"; any other key, or a key twice, is an error naming the accepted
 * keys.  All errors are CT_ERR_SYNTAX.
 */
extern bool ct_nb201_from_cjson(const void *object, ct_nb201_cell *out, ct_error *err);

/* The same from JSON text (nothing but white space may follow the object). */
extern bool ct_nb201_parse_json(const char *text, ct_nb201_cell *out, ct_error *err);

/* Upper bound of ct_nb201_to_json's output, NUL included. */
#define CT_NB201_JSON_MAX	(CT_NB201_STR_MAX + 32)

/* Compact JSON {"space":"nb201","arch":"<benchmark string>"}; returns its length. */
extern size_t ct_nb201_to_json(const ct_nb201_cell *c, char *buf, size_t size);

/* ---- the benchmark's index -------------------------------------------- */

/*
 * The official API index (arch_index, 0..15624) of NAS-Bench-201's
 * meta file and API.  It is no base-5 number over any edge order: NB201's
 * generate_meta_info lists the cells with Structure.gen_all (the base-5
 * number ct_nb201_code below) and then shuffles the list with Python's
 * random.seed(88); random.shuffle.  A table (nb201_table.c, generated
 * from the benchmark CSV by data/make_nb201.py) holds that order; its
 * inverse is built in static memory on the first ct_nb201_index call (not
 * thread-safe on that call; backends are single-threaded).  -1 for an
 * invalid cell.
 */
extern int	ct_nb201_index(const ct_nb201_cell *c);
/* The cell of an index; false (CT_ERR_INVALID) unless 0 <= index < 15625. */
extern bool ct_nb201_from_index(int64_t index, ct_nb201_cell *out, ct_error *err);

/*
 * The position in gen_all's unshuffled order: the ops as a base-5 number,
 * edge 0 (1<-0) the most significant digit.  0..15624; a bijection.
 */
extern int	ct_nb201_code(const ct_nb201_cell *c);
extern void ct_nb201_from_code(int code, ct_nb201_cell *out);

/* Total order of the benchmark index. */
extern int	ct_nb201_cmp(const ct_nb201_cell *a, const ct_nb201_cell *b);

/*
 * Bytes whose memcmp order is the index order: the index as a 2-byte
 * big-endian unsigned integer.  Decoding refuses another length
 * (CT_ERR_SYNTAX) and an index >= 15625 (CT_ERR_INVALID).
 */
#define CT_NB201_BYTES	2
extern void ct_nb201_encode(const ct_nb201_cell *c, uint8_t out[CT_NB201_BYTES]);
extern bool ct_nb201_decode(const uint8_t *in, size_t len, ct_nb201_cell *out, ct_error *err);

/* ---- isomorphism ------------------------------------------------------ */

/*
 * Bound of ct_nb201_unique_str's output, NUL included; the longest of the
 * 15,625 is 112 characters.
 */
#define CT_NB201_UNIQUE_STR_MAX	128

/*
 * AutoDL-Projects' Structure.to_unique_str(consider_zero=True), to the
 * letter: node 0 is "0"; an input term is "#" when its op is none or the
 * node it reads is exactly the string "#", the node's string when the op is
 * skip_connect, else "(" node ")@" op; a node is its terms sorted (byte
 * order) and joined by "+".  Only node 1 can be "#": a later node whose
 * inputs are all zero is "#+#" or "#+#+#", which is not "#", so an op
 * applied to it is written "(#+#)@op", not as zero.  Returns the length of
 * node 3's string.
 */
extern size_t ct_nb201_unique_str(const ct_nb201_cell *c, char *buf, size_t size);

/* Whether two cells are in the same class (equal unique strings). */
extern bool ct_nb201_isomorphic(const ct_nb201_cell *a, const ct_nb201_cell *b);

/*
 * The class representative: the member of c's class with the smallest
 * benchmark index.  The class table is computed on first use (about 15,625
 * unique strings; a few milliseconds) and kept in static memory; not
 * thread-safe on that first call (backends are single-threaded).
 */
extern void ct_nb201_canonical(const ct_nb201_cell *c, ct_nb201_cell *out);
extern int	ct_nb201_canonical_index(int index);	/* index -> its class's smallest index; -1 if out of range */
extern bool ct_nb201_is_canonical(const ct_nb201_cell *c);
extern int	ct_nb201_class_size(const ct_nb201_cell *c);
extern int	ct_nb201_num_classes(void);	/* 6,466 (as the NB201 paper says) */

/* ---- sampling and mutation -------------------------------------------- */

/*
 * A cell drawn as the benchmark's random search draws one (AutoDL-Projects
 * exps/NAS-Bench-201-algos/R_EA.py random_architecture, used by RANDOM.py):
 * edges in string order, each op uniform over the five.  Deterministic per
 * seed (ctnas_rng.h, not Python's random).
 */
extern void ct_nb201_random(uint64_t seed, ct_nb201_cell *out);

/*
 * A child as the benchmark's regularized evolution makes one (R_EA.py
 * mutate_arch_func, the same in exps/NAS-Bench-201-algos/ and exps/algos/): a node uniform among nodes 1..3, one of its inputs
 * uniform, and a new op drawn uniformly from the five again until it
 * differs from the old one.  So exactly one edge changes, edge 1<-0 with
 * probability 1/3, each input of node 2 with 1/6, each of node 3 with 1/9;
 * the new op is uniform over the other four.  Deterministic per seed.
 */
extern void ct_nb201_mutate(const ct_nb201_cell *c, uint64_t seed, ct_nb201_cell *out);

/*
 * Every cell one change away: each of the 6 edges set to each of the 4 other
 * ops, edge by edge in the string's order, ops in NB201's order: 24 cells
 * (identity is the ops exactly, so they are 24 different values).
 */
#define CT_NB201_NEIGHBOURS (CT_NB201_NUM_EDGES * (CT_NB201_NUM_OPS - 1))
extern void ct_nb201_neighbours(const ct_nb201_cell *c, ct_nb201_cell out[CT_NB201_NEIGHBOURS]);

/* ---- the graph a GCN reads -------------------------------------------- */

/*
 * NB201 predictors that take ops on nodes turn each edge into a node.  This
 * is that graph, the one NASLib's encode_gcn_nasbench201
 * (naslib/search_spaces/nasbench201/encodings.py) builds and BRP-NAS's
 * get_matrix_and_ops (Samsung's NB201 search space) starts from:
 *
 *	  node 0        the input (the cell's node 0)
 *	  node 1 + e    edge e (string order), carrying edge e's op
 *	  node 7        the output (the sum that is the cell's node 3)
 *
 * An edge node i->j computes op(value of cell node i).  Cell node 0 is the
 * input node; cell node i >= 1 is the sum of the edge nodes ending at i, so
 * edge node i->j reads each of them; the output reads the edge nodes
 * ending at node 3.  The arcs are 0->1, 0->2, 0->4, 1->3, 1->5, 2->6,
 * 3->6, 4->7, 5->7, 6->7, the same for every cell: the ops alone tell cells
 * apart.  none nodes are kept (NASLib keeps them; BRP-NAS then removes them,
 * folds skip_connect nodes into arcs and prunes, so its graph varies).  The
 * node op codes are BRP-NAS's: the NB201 ops 0..4, input 5, output 6.  NASLib lists
 * edges in another order ((1,2),(1,3),(1,4),(2,3),(2,4),(3,4), 1-based,
 * i.e. 1<-0, 2<-0, 3<-0, 2<-1, 3<-1, 3<-2) and numbers ops input 0, NB201
 * ops 1..5, output 6; this graph is the same up to that renumbering.
 * PINAT (nasbench/datasets/nb201_dataset.py) does not convert: it keeps
 * NB201's 4 nodes with an op per edge and drops none edges.
 */
#define CT_NB201_DAG_NODES	8
#define CT_NB201_DAG_INPUT	5	/* node op codes: 0..4 the NB201 ops, then these */
#define CT_NB201_DAG_OUTPUT 6
#define CT_NB201_DAG_NUM_OPS 7

typedef struct ct_nb201_dag
{
	int			n;				/* CT_NB201_DAG_NODES */
	uint8_t		ops[CT_NB201_DAG_NODES];	/* op code per node */
	uint8_t		adj[CT_NB201_DAG_NODES][CT_NB201_DAG_NODES];	/* adj[x][y] = 1: y reads x; x < y */
	uint8_t		preds[CT_NB201_DAG_NODES];	/* bit x set: node reads node x */
} ct_nb201_dag;

extern void ct_nb201_to_dag(const ct_nb201_cell *c, ct_nb201_dag *out);

/* ---- Graphviz ----------------------------------------------------------- */

/* Upper bound of ct_nb201_to_dot's output, NUL included. */
#define CT_NB201_DOT_MAX	512

/* The cell as DOT: nodes 0..3, one arc per edge labelled with its op (none dashed). */
extern size_t ct_nb201_to_dot(const ct_nb201_cell *c, char *buf, size_t size);

#endif
