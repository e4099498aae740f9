/*
 * ctnas_controller.h
 *	  CTNAS's LSTM controller for NAS-Bench-101 cells (ctnas-reference.md
 *	  §4.1): it samples 18 decisions (number of intermediate nodes, each
 *	  node's predecessor and op, the output's predecessor, extra edges), and
 *	  REINFORCE needs d log p / d theta through the LSTM, so forward keeps a
 *	  trace and backward runs through it.
 *
 * Used by the search (not yet built): this module is the controller alone.
 */
#ifndef CTNAS_CONTROLLER_H
#define CTNAS_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_graph.h"
#include "ctnas_rng.h"

#define CT_CTRL_HIDDEN		64
#define CT_CTRL_MAX_INNER	5	/* intermediate nodes: 1..5 */
#define CT_CTRL_DECISIONS	18	/* always: 1 + 2n + 1 + 2 (8 - n) */
#define CT_CTRL_NODES		7	/* node embedding rows: input, 5 inner, output */

/* Parameters, contiguous, in the reference's named_parameters order (43,016 floats). */
typedef struct ct_controller
{
	size_t		nparams;
	float	   *params;
	float	   *n_nodes_emb;	/* 5 x 64 */
	float	   *node_emb;		/* 7 x 64 */
	float	   *op_emb;			/* 3 x 64 */
	float	   *w_ih;			/* 256 x 64, gates i, f, g, o */
	float	   *w_hh;			/* 256 x 64 */
	float	   *b_ih;			/* 256 */
	float	   *b_hh;			/* 256 */
	float	   *emb_attn;		/* 64 x 64, [out][in] */
	float	   *hid_attn;		/* 64 x 64, [out][in] */
	float	   *v_attn;			/* 64 */
	float	   *w_soft;			/* 3 x 64 */
	float	   *w_soft_b;		/* 3 */
	float	   *n_soft;			/* 5 x 64 */
	float	   *n_soft_b;		/* 5 */
} ct_controller;

/* 43,016 */
extern size_t ct_controller_nparams(void);
extern void ct_controller_alloc(ct_controller *c);
extern void ct_controller_free(ct_controller *c);
/* Every parameter U(-0.1, 0.1), as the reference re-initialises them. */
extern void ct_controller_init(ct_controller *c, uint64_t seed);

/* One LSTM step, kept for backward (double: the controller is small, clean gradients matter more). */
typedef struct ct_ctrl_step
{
	double		x[CT_CTRL_HIDDEN];
	double		h_prev[CT_CTRL_HIDDEN];
	double		c_prev[CT_CTRL_HIDDEN];
	double		gate[4][CT_CTRL_HIDDEN];	/* i, f, g, o after their activations */
	double		c[CT_CTRL_HIDDEN];
	double		h[CT_CTRL_HIDDEN];
	int			x_table;		/* where x came from: 0 none, 1 n_nodes_emb, 2 node_emb, 3 op_emb */
	int			x_row;
} ct_ctrl_step;

/* One decision: a softmax over n_soft, w_soft, or attention over node rows. */
typedef struct ct_ctrl_decision
{
	int			kind;			/* 1 n_soft, 2 w_soft, 3 attention */
	int			k;				/* number of choices */
	int			step;			/* the LSTM step whose h it reads */
	int			action;
	double		prob[CT_CTRL_NODES];
	double		q[CT_CTRL_NODES][CT_CTRL_HIDDEN];	/* attention: tanh(emb_attn e_r + hid_attn h) */
} ct_ctrl_decision;

typedef struct ct_ctrl_sample
{
	int			actions[CT_CTRL_DECISIONS];
	double		logp;			/* sum of log p of every decision */
	double		entropy;		/* sum of the decisions' entropies */
	int			nsteps;
	ct_ctrl_step steps[CT_CTRL_DECISIONS + 1];
	ct_ctrl_decision decisions[CT_CTRL_DECISIONS];
} ct_ctrl_sample;

/*
 * Samples 18 decisions with rng.  uniform: every decision uniform and no
 * LSTM (the reference's force_uniform); such a sample has no trace.
 */
extern void ct_controller_sample(const ct_controller *c, ct_rng *rng, bool uniform, ct_ctrl_sample *out);

/* Recomputes the trace, log p and entropy of given decisions (teacher forcing). */
extern void ct_controller_replay(const ct_controller *c, const int *actions, ct_ctrl_sample *out);

/* Adds to grad the gradient of  - reward * logp - entropy_coef * entropy. */
extern void ct_controller_backward(const ct_controller *c, const ct_ctrl_sample *s, double reward,
								   double entropy_coef, float *grad);

/* The cell the decisions describe (reference seq2arch, then pruned and canonical). */
extern bool ct_controller_cell(const int *actions, ct_graph *out, ct_error *err);

#endif
