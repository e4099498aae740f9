/*
 * ctnas_controller.h
 *	  CTNAS's LSTM controllers: NAS-Bench-101's (ctnas-reference.md §4.1: 18
 *	  decisions, the number of intermediate nodes, each node's predecessor and
 *	  op, the output's predecessor, extra edges), NAS-Bench-201's, and the
 *	  DARTS space's LargeSpaceController (§10.6: two independent LSTM
 *	  samplers, normal then reduction cell, 16 decisions each).  REINFORCE
 *	  needs d log p / d theta through the LSTM, so forward keeps a trace and
 *	  backward runs through it.  A space's program (ct_ctrl_program) says
 *	  which decisions come when and what they mean.
 */
#ifndef CTNAS_CONTROLLER_H
#define CTNAS_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnas_arch.h"
#include "ctnas_error.h"
#include "ctnas_rng.h"

#define CT_CTRL_HIDDEN		64
#define CT_CTRL_DECISIONS	45	/* most decisions of a sample, any space (NAS-Bench-101: 18, DARTS: 32, OFA MobileNetV3: 45) */
#define CT_CTRL_NODES		8	/* most choices of one decision */
#define CT_CTRL_MAX_TABLES	4
#define CT_CTRL_MAX_HEADS	4
#define CT_CTRL_MAX_GROUPS	2	/* independent parameter sets (DARTS: normal, reduction) */

/*
 * What decision t is (a program's answer, from the decisions before it).
 * The fields after next_table are zero for a program that does not use them.
 */
typedef struct ct_ctrl_next
{
	int			head;			/* the softmax head it reads, or -1: attention over the attention table's rows */
	int			k;				/* choices */
	int			next_table;		/* the table whose row `action` + next_offset is the next step's input, or -1 */
	int			next_offset;
	int			group;			/* the parameter group that takes it */
	bool		reset;			/* the LSTM starts afresh here: zero state and zero input */
	uint32_t	mask;			/* choices it may not take (bit r: choice r); never all */
} ct_ctrl_next;

/*
 * A space's decisions: the embedding tables a decision's action feeds the
 * next LSTM step, the softmax heads, and which decision comes when.  The
 * parameters of a group are laid out as the tables, the LSTM (w_ih, w_hh,
 * b_ih, b_hh), the attention (emb_attn, hid_attn, v_attn) when
 * attention_table >= 0, and each head's weights and bias: the reference's
 * named_parameters order; groups follow each other (ngroups 0 or 1: one).
 */
typedef struct ct_ctrl_program
{
	int			ngroups;
	int			ntables;
	int			table_rows[CT_CTRL_MAX_TABLES];
	int			attention_table;	/* the table whose rows attention scores, or -1 */
	int			nheads;
	int			head_k[CT_CTRL_MAX_HEADS];
	int			decisions;		/* per sample */
	void		(*next) (const int *actions, int t, ct_ctrl_next *out);
	/* The architecture the decisions describe. */
	bool		(*decode) (const int *actions, ct_arch *out, ct_error *err);
} ct_ctrl_program;

/* NAS-Bench-101's (the reference's controller/nasbench.py): 18 decisions. */
extern const ct_ctrl_program ct_ctrl_program_nb101;
/* The DARTS space's (the reference's LargeSpaceController): 2 groups, 32 decisions. */
extern const ct_ctrl_program ct_ctrl_program_darts;
/* The OFA MobileNetV3 space's (the reference's MBSpaceController): 45 decisions. */
extern const ct_ctrl_program ct_ctrl_program_ofa;

/* One group's parameters (pointers into ct_controller.params). */
typedef struct ct_ctrl_group
{
	float	   *table[CT_CTRL_MAX_TABLES];	/* rows x 64 each */
	float	   *w_ih;			/* 256 x 64, gates i, f, g, o */
	float	   *w_hh;			/* 256 x 64 */
	float	   *b_ih;			/* 256 */
	float	   *b_hh;			/* 256 */
	float	   *emb_attn;		/* 64 x 64, [out][in]; NULL without attention */
	float	   *hid_attn;		/* 64 x 64 */
	float	   *v_attn;			/* 64 */
	float	   *head_w[CT_CTRL_MAX_HEADS];	/* k x 64 each */
	float	   *head_b[CT_CTRL_MAX_HEADS];	/* k each */
} ct_ctrl_group;

/*
 * Parameters, contiguous, in the program's order (NAS-Bench-101: 43,016
 * floats; DARTS: 2 x 42,888 = 85,776).  The logit scaling of the
 * reference's _scale_attention (§10.6; 0: not set, its default): logits /=
 * temperature, then tanh_constant * tanh(logits) for attention and
 * tanh_constant / op_tanh_reduce * tanh(logits) for the softmax heads
 * (tanh_constant alone when op_tanh_reduce is not set).
 */
typedef struct ct_controller
{
	const ct_ctrl_program *prog;
	size_t		nparams;
	float	   *params;
	int			ngroups;
	ct_ctrl_group group[CT_CTRL_MAX_GROUPS];
	double		temperature;
	double		tanh_constant;
	double		op_tanh_reduce;
} ct_controller;

extern size_t ct_controller_nparams(const ct_ctrl_program *prog);
/* Allocates the parameters (zero), without logit scaling. */
extern void ct_controller_alloc(ct_controller *c, const ct_ctrl_program *prog);
extern void ct_controller_free(ct_controller *c);
/* Every parameter U(-0.1, 0.1), as the reference re-initialises them. */
extern void ct_controller_init(ct_controller *c, uint64_t seed);
/* The reference's temperature, tanh_constant and op_tanh_reduce (0: not set). */
extern void ct_controller_set_scaling(ct_controller *c, double temperature, double tanh_constant,
									  double op_tanh_reduce);

/* One LSTM step, kept for backward (double: the controller is small, clean gradients matter more). */
typedef struct ct_ctrl_step
{
	double		x[CT_CTRL_HIDDEN];
	double		h_prev[CT_CTRL_HIDDEN];
	double		c_prev[CT_CTRL_HIDDEN];
	double		gate[4][CT_CTRL_HIDDEN];	/* i, f, g, o after their activations */
	double		c[CT_CTRL_HIDDEN];
	double		h[CT_CTRL_HIDDEN];
	int			x_table;		/* where x came from: 0 none, else table x_table - 1 */
	int			x_row;
	int			group;
	bool		reset;			/* h_prev and c_prev are zero, not the step before's */
} ct_ctrl_step;

/* One decision: a softmax over n_soft, w_soft, or attention over node rows. */
typedef struct ct_ctrl_decision
{
	int			head;			/* the softmax head, or -1: attention */
	int			k;				/* number of choices */
	int			group;
	uint32_t	mask;			/* choices it could not take */
	int			step;			/* the LSTM step whose h it reads */
	int			action;
	double		prob[CT_CTRL_NODES];
	double		dscale[CT_CTRL_NODES];	/* d scaled logit / d logit (1 without scaling) */
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
 * Samples the program's decisions with rng.  uniform: every decision uniform and no
 * LSTM (the reference's force_uniform); such a sample has no trace.
 */
extern void ct_controller_sample(const ct_controller *c, ct_rng *rng, bool uniform, ct_ctrl_sample *out);

/* Recomputes the trace, log p and entropy of given decisions (teacher forcing). */
extern void ct_controller_replay(const ct_controller *c, const int *actions, ct_ctrl_sample *out);

/* Adds to grad the gradient of  - reward * logp - entropy_coef * entropy. */
extern void ct_controller_backward(const ct_controller *c, const ct_ctrl_sample *s, double reward,
								   double entropy_coef, float *grad);

/* The architecture the decisions describe (the program's decode). */
extern bool ct_controller_arch(const ct_controller *c, const int *actions, ct_arch *out, ct_error *err);

#endif
