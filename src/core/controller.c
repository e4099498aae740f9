/*
 * controller.c
 *	  CTNAS's LSTM controller (reference controller/nasbench.py): sampling,
 *	  teacher-forced replay, and the REINFORCE gradient through the LSTM.
 *
 * Parameters are float32 like the rest of the model; the computation runs
 * in double, which costs nothing at this size (18 steps of a 64-unit LSTM)
 * and keeps gradient checks clean.
 */
#include "ctnas_controller.h"

#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"

#define H			CT_CTRL_HIDDEN
#define GATES		(4 * H)

enum
{
	X_NONE = 0, X_N_NODES = 1, X_NODE = 2, X_OP = 3
};
enum
{
	D_N_SOFT = 1, D_W_SOFT = 2, D_ATTENTION = 3
};

size_t
ct_controller_nparams(void)
{
	return 5 * H + 7 * H + 3 * H + 2 * GATES * H + 2 * GATES + 2 * H * H + H + 3 * H + 3 + 5 * H + 5;
}

void
ct_controller_alloc(ct_controller *c)
{
	float	   *p;

	memset(c, 0, sizeof(*c));
	c->nparams = ct_controller_nparams();
	c->params = ct_calloc(c->nparams, sizeof(float));
	p = c->params;
	c->n_nodes_emb = p, p += 5 * H;
	c->node_emb = p, p += 7 * H;
	c->op_emb = p, p += 3 * H;
	c->w_ih = p, p += GATES * H;
	c->w_hh = p, p += GATES * H;
	c->b_ih = p, p += GATES;
	c->b_hh = p, p += GATES;
	c->emb_attn = p, p += H * H;
	c->hid_attn = p, p += H * H;
	c->v_attn = p, p += H;
	c->w_soft = p, p += 3 * H;
	c->w_soft_b = p, p += 3;
	c->n_soft = p, p += 5 * H;
	c->n_soft_b = p;
}

void
ct_controller_free(ct_controller *c)
{
	ct_free(c->params);
	memset(c, 0, sizeof(*c));
}

void
ct_controller_init(ct_controller *c, uint64_t seed)
{
	ct_rng		rng;

	ct_rng_seed(&rng, seed);
	for (size_t i = 0; i < c->nparams; i++)
		c->params[i] = (float) (0.2 * ct_rng_uniform(&rng) - 0.1);
}

static inline double
sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

static const float *
x_source(const ct_controller *c, int table, int row)
{
	switch (table)
	{
		case X_N_NODES:
			return c->n_nodes_emb + row * H;
		case X_NODE:
			return c->node_emb + row * H;
		case X_OP:
			return c->op_emb + row * H;
		default:
			return NULL;
	}
}

/* PyTorch's LSTMCell: gates i, f, g, o from W_ih x + b_ih + W_hh h + b_hh. */
static void
lstm_step(const ct_controller *c, ct_ctrl_step *st, int x_table, int x_row,
		  const double *h_prev, const double *c_prev)
{
	const float *x = x_source(c, x_table, x_row);

	st->x_table = x_table;
	st->x_row = x_row;
	for (int k = 0; k < H; k++)
	{
		st->x[k] = x ? x[k] : 0.0;
		st->h_prev[k] = h_prev[k];
		st->c_prev[k] = c_prev[k];
	}
	for (int j = 0; j < GATES; j++)
	{
		double		z = (double) c->b_ih[j] + c->b_hh[j];

		for (int k = 0; k < H; k++)
			z += (double) c->w_ih[j * H + k] * st->x[k] + (double) c->w_hh[j * H + k] * st->h_prev[k];
		st->gate[j / H][j % H] = j / H == 2 ? tanh(z) : sigmoid(z);
	}
	for (int k = 0; k < H; k++)
	{
		st->c[k] = st->gate[1][k] * st->c_prev[k] + st->gate[0][k] * st->gate[2][k];
		st->h[k] = st->gate[3][k] * tanh(st->c[k]);
	}
}

/* Fills the decision's probabilities (and attention values) from h; returns nothing. */
static void
decision_probs(const ct_controller *c, ct_ctrl_decision *d, const double *h)
{
	double		logit[CT_CTRL_NODES];
	double		top = -INFINITY,
				sum = 0.0;

	for (int r = 0; r < d->k; r++)
	{
		if (d->kind == D_ATTENTION)
		{
			logit[r] = 0.0;
			for (int m = 0; m < H; m++)
			{
				double		pre = 0.0;

				for (int j = 0; j < H; j++)
					pre += (double) c->emb_attn[m * H + j] * c->node_emb[r * H + j] +
						(double) c->hid_attn[m * H + j] * h[j];
				d->q[r][m] = tanh(pre);
				logit[r] += (double) c->v_attn[m] * d->q[r][m];
			}
		}
		else
		{
			const float *w = d->kind == D_N_SOFT ? c->n_soft : c->w_soft;
			const float *b = d->kind == D_N_SOFT ? c->n_soft_b : c->w_soft_b;

			logit[r] = b[r];
			for (int m = 0; m < H; m++)
				logit[r] += (double) w[r * H + m] * h[m];
		}
		top = fmax(top, logit[r]);
	}
	for (int r = 0; r < d->k; r++)
		sum += (d->prob[r] = exp(logit[r] - top));
	for (int r = 0; r < d->k; r++)
		d->prob[r] /= sum;
}

static double
entropy_of(const ct_ctrl_decision *d)
{
	double		e = 0.0;

	for (int r = 0; r < d->k; r++)
		if (d->prob[r] > 0)
			e -= d->prob[r] * log(d->prob[r]);
	return e;
}

/*
 * The 18 decisions.  With rng: sampled (uniformly, without the LSTM, when
 * uniform); without: the given actions.
 */
static void
run(const ct_controller *c, ct_rng *rng, bool uniform, const int *forced, ct_ctrl_sample *out)
{
	double		zero[H] = {0};
	const double *h = zero,
			   *cc = zero;
	int			nd = 0,
				n = 0,
				x_table = X_NONE,
				x_row = 0;

	memset(out, 0, sizeof(*out));
	while (nd < CT_CTRL_DECISIONS)
	{
		ct_ctrl_decision *d = &out->decisions[nd];
		int			next_table;

		/* what this decision is, from its position in the sequence */
		if (nd == 0)
			d->kind = D_N_SOFT, d->k = 5, next_table = X_N_NODES;
		else if (nd <= 2 * n + 1)
		{
			bool		is_op = nd % 2 == 0;	/* p_1, o_1, ..., p_n, o_n, p_out */

			d->kind = is_op ? D_W_SOFT : D_ATTENTION;
			d->k = is_op ? 3 : (nd - 1) / 2 + 1;
			next_table = is_op ? X_OP : X_NODE;
		}
		else
			d->kind = D_ATTENTION, d->k = n + 2, next_table = X_NODE;

		if (!uniform || rng == NULL)
		{
			ct_ctrl_step *st = &out->steps[out->nsteps];

			lstm_step(c, st, x_table, x_row, h, cc);
			h = st->h;
			cc = st->c;
			d->step = out->nsteps++;
			decision_probs(c, d, h);
		}
		else
			for (int r = 0; r < d->k; r++)
				d->prob[r] = 1.0 / d->k;

		if (forced)
			d->action = forced[nd] >= 0 && forced[nd] < d->k ? forced[nd] : 0;
		else
		{
			double		u = ct_rng_uniform(rng),
						acc = 0.0;

			d->action = d->k - 1;
			for (int r = 0; r < d->k; r++)
				if (u < (acc += d->prob[r]))
				{
					d->action = r;
					break;
				}
		}
		out->actions[nd] = d->action;
		out->logp += log(fmax(d->prob[d->action], 1e-300));
		out->entropy += entropy_of(d);
		if (nd == 0)
			n = d->action + 1;
		x_table = next_table;
		x_row = d->action;
		nd++;
	}
}

void
ct_controller_sample(const ct_controller *c, ct_rng *rng, bool uniform, ct_ctrl_sample *out)
{
	run(c, rng, uniform, NULL, out);
}

void
ct_controller_replay(const ct_controller *c, const int *actions, ct_ctrl_sample *out)
{
	run(c, NULL, false, actions, out);
}

void
ct_controller_backward(const ct_controller *c, const ct_ctrl_sample *s, double reward,
					   double entropy_coef, float *grad)
{
#define G(field) (grad + (c->field - c->params))
	double		dh_next[H] = {0},
				dc_next[H] = {0};

	for (int t = s->nsteps - 1; t >= 0; t--)
	{
		const ct_ctrl_step *st = &s->steps[t];
		const ct_ctrl_decision *d = &s->decisions[t];
		double		dh[H],
					dz[GATES],
					dl[CT_CTRL_NODES];
		double		ent = entropy_of(d);

		memcpy(dh, dh_next, sizeof(dh));

		/* d loss / d logits of  - reward log p(action) - coef H */
		for (int r = 0; r < d->k; r++)
		{
			double		p = d->prob[r];

			dl[r] = -reward * ((r == d->action) - p) +
				(p > 0 ? entropy_coef * p * (log(p) + ent) : 0.0);
		}
		if (d->kind == D_ATTENTION)
		{
			double		dpre_sum[H] = {0};

			for (int r = 0; r < d->k; r++)
				for (int m = 0; m < H; m++)
				{
					double		dpre = dl[r] * c->v_attn[m] * (1.0 - d->q[r][m] * d->q[r][m]);

					G(v_attn)[m] += (float) (dl[r] * d->q[r][m]);
					dpre_sum[m] += dpre;
					for (int j = 0; j < H; j++)
					{
						G(emb_attn)[m * H + j] += (float) (dpre * c->node_emb[r * H + j]);
						G(node_emb)[r * H + j] += (float) (dpre * c->emb_attn[m * H + j]);
					}
				}
			for (int m = 0; m < H; m++)
				for (int j = 0; j < H; j++)
					G(hid_attn)[m * H + j] += (float) (dpre_sum[m] * st->h[j]);
			for (int j = 0; j < H; j++)
				for (int m = 0; m < H; m++)
					dh[j] += c->hid_attn[m * H + j] * dpre_sum[m];
		}
		else
		{
			const float *w = d->kind == D_N_SOFT ? c->n_soft : c->w_soft;
			float	   *gw = d->kind == D_N_SOFT ? G(n_soft) : G(w_soft);
			float	   *gb = d->kind == D_N_SOFT ? G(n_soft_b) : G(w_soft_b);

			for (int r = 0; r < d->k; r++)
			{
				gb[r] += (float) dl[r];
				for (int m = 0; m < H; m++)
				{
					gw[r * H + m] += (float) (dl[r] * st->h[m]);
					dh[m] += dl[r] * w[r * H + m];
				}
			}
		}

		/* through the LSTM cell */
		for (int k = 0; k < H; k++)
		{
			double		tc = tanh(st->c[k]);
			double		dc = dc_next[k] + dh[k] * st->gate[3][k] * (1.0 - tc * tc);
			double		i = st->gate[0][k],
						f = st->gate[1][k],
						g = st->gate[2][k],
						o = st->gate[3][k];

			dz[k] = dc * g * i * (1.0 - i);
			dz[H + k] = dc * st->c_prev[k] * f * (1.0 - f);
			dz[2 * H + k] = dc * i * (1.0 - g * g);
			dz[3 * H + k] = dh[k] * tc * o * (1.0 - o);
			dc_next[k] = dc * f;
		}
		memset(dh_next, 0, sizeof(dh_next));
		{
			float	   *gx = st->x_table == X_NONE ? NULL :
				st->x_table == X_N_NODES ? G(n_nodes_emb) + st->x_row * H :
				st->x_table == X_NODE ? G(node_emb) + st->x_row * H : G(op_emb) + st->x_row * H;

			for (int j = 0; j < GATES; j++)
			{
				G(b_ih)[j] += (float) dz[j];
				G(b_hh)[j] += (float) dz[j];
				for (int k = 0; k < H; k++)
				{
					G(w_ih)[j * H + k] += (float) (dz[j] * st->x[k]);
					G(w_hh)[j * H + k] += (float) (dz[j] * st->h_prev[k]);
					dh_next[k] += dz[j] * c->w_hh[j * H + k];
					if (gx)
						gx[k] += (float) (dz[j] * c->w_ih[j * H + k]);
				}
			}
		}
	}
#undef G
}

bool
ct_controller_cell(const int *actions, ct_graph *out, ct_error *err)
{
	ct_raw_graph raw;
	int			n = actions[0] + 1;
	int			k = 1;

	if (n < 1 || n > CT_CTRL_MAX_INNER)
		return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
					   "The number of intermediate nodes is %d.", n);
	memset(&raw, 0, sizeof(raw));
	raw.n = n + 2;
	raw.ops[0] = CT_OP_INPUT;
	raw.ops[n + 1] = CT_OP_OUTPUT;
	for (int t = 1; t <= n; t++)
	{
		int			pred = actions[k++];
		int			op = actions[k++];

		if (pred < 0 || pred >= t || op < 0 || op >= CT_NUM_INTERIOR_OPS)
			return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
						   "Node %d: predecessor %d, op %d.", t, pred, op);
		raw.adj[pred][t] = 1;
		raw.ops[t] = (uint8_t) op;		/* conv3x3, conv1x1, maxpool: ct_op's order */
	}
	if (actions[k] < 0 || actions[k] > n)
		return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
					   "The output's predecessor is %d.", actions[k]);
	raw.adj[actions[k++]][n + 1] = 1;
	for (; k + 1 < CT_CTRL_DECISIONS; k += 2)
	{
		int			a = actions[k],
					b = actions[k + 1];

		if (a < 0 || b < 0 || a > n + 1 || b > n + 1)
			return ct_fail(err, CT_ERR_INVALID, "invalid controller decisions",
						   "Extra edge %d-%d.", a, b);
		if (a != b)
			raw.adj[a < b ? a : b][a < b ? b : a] = 1;
	}
	return ct_graph_from_raw(&raw, out, err);
}
