/*
 * ctnas_space.h
 *	  A search space: one module (src/core/space_<name>.c) behind one table
 *	  of functions, which generic code (text I/O, oracles, searches, the NAC,
 *	  the controller, the SQL glue) calls without knowing the space.
 *
 * Pure C.  Spaces are registered in space.c by id; the ids are stored (in
 * archgraph values, model blobs and checkpoints) and never reused:
 * 1 NAS-Bench-101, 2 NAS-Bench-201, 3 DARTS, 4 the OFA MobileNetV3 space.
 */
#ifndef CTNAS_SPACE_H
#define CTNAS_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_arch.h"
#include "ctnas_error.h"
#include "ctnas_serial.h"

struct cJSON;
struct ct_ctrl_program;

#define CT_SPACE_NB101	1
#define CT_SPACE_NB201	2
#define CT_SPACE_DARTS	3
#define CT_SPACE_OFA	4

/*
 * The graph a GCN reads: nodes in topological order, each labelled with the
 * space's NAC vocabulary (0 is reserved for padding slots), and each node's
 * predecessors as a bit mask over the nodes before it.
 */
#define CT_DAG_MAX_NODES 16

typedef struct ct_dag
{
	int			n;
	uint8_t		op[CT_DAG_MAX_NODES];
	uint32_t	pred[CT_DAG_MAX_NODES]; /* bit u: an edge u -> v, u < v */
} ct_dag;

/* Neighbours of an architecture, at most (NAS-Bench-101: 31, NAS-Bench-201: 24, DARTS: 136, OFA MobileNetV3: 90). */
#define CT_SPACE_NEIGHBOURS_MAX 136

/* Op names of an architecture, at most (NAS-Bench-101: 7, DARTS: 16, OFA MobileNetV3: 20 layers). */
#define CT_SPACE_OPS_MAX 32

typedef struct ct_space
{
	uint8_t		id;				/* stored: never changes */
	const char *name;			/* "nb101": what users write */
	const char *title;			/* "NAS-Bench-101" */
	int64_t		size;			/* distinct architectures (identity, not isomorphism); INT64_MAX: at least that many */
	const char *size_text;		/* the exact number in decimal when size cannot hold it (NULL: size is exact) */
	const char *forms;			/* the text forms it accepts, for error messages */

	/*
	 * Text.  from_json reads a JSON object (a "space" key in it has been
	 * checked already, and is to be skipped); claims_json says whether an
	 * object without "space" is this space's by its keys.  from_native reads
	 * the space's own string form (NULL: none); claims_native says whether a
	 * text that is not JSON looks like it, so its errors are that parser's.
	 */
	bool		(*from_json) (const struct cJSON *root, ct_arch *out, ct_error *err);
	bool		(*claims_json) (const struct cJSON *root);
	bool		(*from_native) (const char *text, ct_arch *out, ct_error *err);
	bool		(*claims_native) (const char *text);
	size_t		text_max;		/* bytes of to_text's output, NUL included, at most */
	size_t		(*to_text) (const ct_arch *a, char *buf, size_t size);
	size_t		dot_max;
	size_t		(*to_dot) (const ct_arch *a, char *buf, size_t size);

	/*
	 * The hash of ct_arch_hash64 (NULL: a generic one).  Checkpoints carry a
	 * fingerprint of the oracle made of these, so a space keeps its hash.
	 */
	uint64_t	(*hash64) (const ct_arch *a);
	/* An architecture in a checkpoint, written and read back (checked). */
	void		(*save) (const ct_arch *a, ct_wbuf *w);
	bool		(*load) (ct_rbuf *r, ct_arch *out);

	/*
	 * The stored form (archgraph on disk, after its version and space bytes),
	 * which never changes once values exist, and the binary wire form
	 * (send/recv, after the same two bytes).  unstore runs the cheap checks
	 * (it is on every comparison); recv runs the whole validation of text
	 * input and returns the bytes it read, 0 with err set for an invalid
	 * architecture, or -1 when the data ends too soon.
	 */
	size_t		stored_max;
	size_t		(*store) (const ct_arch *a, uint8_t *out);
	bool		(*unstore) (const uint8_t *in, size_t len, ct_arch *out);
	size_t		wire_max;
	size_t		(*send) (const ct_arch *a, uint8_t *out);
	long		(*recv) (const uint8_t *in, size_t len, ct_arch *out, ct_error *err);

	/*
	 * What accessors show: nodes and edges as the benchmark counts them, the
	 * op names (in the text form's order), and the benchmark's own key: a
	 * text (NAS-Bench-101's module hash; NULL: none) or an index (NULL: none).
	 */
	int			(*nodes) (const ct_arch *a);
	int			(*edges) (const ct_arch *a);
	int			(*op_names) (const ct_arch *a, const char **out, int max);	/* at most CT_SPACE_OPS_MAX */
	/* The adjacency matrix (n x n, row-major, 0/1) where the space has one (NULL: none); returns n. */
	int			(*matrix) (const ct_arch *a, uint8_t *out);
	void		(*key_text) (const ct_arch *a, char out[33]);
	int64_t		(*index) (const ct_arch *a);

	/* A stored or received encoding is one this space makes (its canonical form). */
	bool		(*valid) (const ct_arch *a);
	/* The representative of a's isomorphism class (a itself where identity is isomorphism). */
	void		(*canonical) (const ct_arch *a, ct_arch *out);

	/* Sampling as the benchmark's own sampler does, and one mutation, per seed. */
	void		(*random) (uint64_t seed, ct_arch *out);
	bool		(*mutate) (const ct_arch *a, uint64_t seed, ct_arch *out, ct_error *err);

	/*
	 * Every architecture one change away from a (local search): the changes
	 * the space's mutations make, each valid result once, in its canonical
	 * identity, never a itself, in a fixed order.  Writes the first max of
	 * them and returns how many there are (at most CT_SPACE_NEIGHBOURS_MAX).
	 */
	int			(*neighbours) (const ct_arch *a, ct_arch *out, int max);
	/* The i-th architecture, 0 <= i < size, in the benchmark's order; NULL when not enumerable. */
	bool		(*nth) (int64_t i, ct_arch *out);

	/*
	 * The NAC: the graphs it reads, and the shape of its input.  An
	 * architecture is nac_views graphs (0 or 1: one; DARTS: 2, its normal and
	 * reduction cells), each read by the same GCN into its own features,
	 * which are concatenated (views x width per architecture).
	 */
	int			nac_views;
	int			nac_slots;		/* nodes a graph is padded to */
	int			nac_vocab;		/* the vocabulary's id in model blobs (ct_nac_vocab) */
	int			nac_vocab_size;
	const char *nac_vocab_json; /* the vocabulary's names, a JSON array (nac_info) */
	const char *info_name;		/* the space in nac_info ("nas-bench-101", as 0.1.0 wrote) */
	void		(*to_dag) (const ct_arch *a, int view, ct_dag *out);	/* view 0 .. nac_views - 1 */
	/*
	 * The last node of each graph to_dag gives is the cell's output: recipe
	 * "default" then reads it beside the mean of the nodes (readout
	 * "nodes+sink"); otherwise (DARTS: its last node is one op of the last
	 * intermediate node) the mean over the slots, unless options say.
	 */
	bool		nac_last_is_output;

	/*
	 * A NAC that reads a fixed-width vector instead of graphs (the
	 * reference's MBSpaceNAC, an MLP): nac_input floats per architecture
	 * (0: none), written by to_features.
	 */
	int			nac_input;
	void		(*to_features) (const ct_arch *a, float *out);

	/* The controller's decisions and their decoding (ctnas_controller.h). */
	const struct ct_ctrl_program *program;
} ct_space;

/* Registered spaces; NULL for an unknown id or name. */
extern const ct_space *ct_space_by_id(int id);
extern const ct_space *ct_space_by_name(const char *name);
/* The space of a (which must be registered: architectures are made by spaces). */
extern const ct_space *ct_space_of(const ct_arch *a);
/* The i-th registered space, i from 0; NULL past the last. */
extern const ct_space *ct_space_nth(int i);
/* "nb101, nb201": the names, for error messages. */
extern const char *ct_space_names(void);

/*
 * Text input of any space: a JSON object with a "space" key is of that
 * space; without it, its keys decide (NAS-Bench-101's matrix/ops when no
 * other space claims them); a text that is not JSON is tried against the
 * spaces' own string forms; anything else is an error naming the forms.
 */
extern bool ct_arch_parse(const char *text, ct_arch *out, ct_error *err);
/* The same from an already parsed JSON value (the glue's jsonb). */
extern bool ct_arch_from_cjson(const struct cJSON *root, ct_arch *out, ct_error *err);

/* Output: the space's own form; returns the length.  Buffers of CT_ARCH_TEXT_MAX always suffice. */
#define CT_ARCH_TEXT_MAX 512
#define CT_ARCH_DOT_MAX 4096
extern size_t ct_arch_to_text(const ct_arch *a, char *buf, size_t size);
extern size_t ct_arch_to_dot(const ct_arch *a, char *buf, size_t size);

/* The NAS-Bench-101 adapter's conversions (space_nb101.c), for NB101-only code and tests. */
struct ct_graph;
extern void ct_nb101_arch(const struct ct_graph *g, ct_arch *out);
extern void ct_nb101_graph(const ct_arch *a, struct ct_graph *out);
extern const ct_space ct_space_nb101;
extern const ct_space ct_space_nb201;
extern const ct_space ct_space_darts;
extern const ct_space ct_space_ofa;

#endif
