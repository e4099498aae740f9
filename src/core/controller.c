/*
 * controller.c
 *	  CTNAS's LSTM controller (reference controller/nasbench.py and
 *	  controller/common_nas.py): sampling, teacher-forced replay, and the
 *	  REINFORCE gradient through the LSTM.  Which decisions it takes, and
 *	  what they mean, is a space's program (ct_ctrl_program; NAS-Bench-101's
 *	  is in space_nb101.c, the DARTS space's in space_darts.c).  A program
 *	  may have several parameter groups (the LargeSpaceController's two
 *	  Controllers), each decision taken by one, and restart the LSTM.
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

static int
ngroups_of(const ct_ctrl_program *prog)
{
	return prog->ngroups > 1 ? prog->ngroups : 1;
}

size_t
ct_controller_nparams(const ct_ctrl_program *prog)
{
	size_t		n = 2 * GATES * H + 2 * GATES;

	for (int t = 0; t < prog->ntables; t++)
		n += (size_t) prog->table_rows[t] * H;
	if (prog->attention_table >= 0)
		n += 2 * H * H + H;
	for (int h = 0; h < prog->nheads; h++)
		n += (size_t) prog->head_k[h] * (H + 1);
	return n * (size_t) ngroups_of(prog);
}

void
ct_controller_alloc(ct_controller *c, const ct_ctrl_program *prog)
{
	float	   *p;

	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->nparams = ct_controller_nparams(prog);
	c->params = ct_calloc(c->nparams, sizeof(float));
	c->ngroups = ngroups_of(prog);
	p = c->params;
	for (int gi = 0; gi < c->ngroups; gi++)
	{
		ct_ctrl_group *g = &c->group[gi];

		for (int t = 0; t < prog->ntables; t++)
			g->table[t] = p, p += prog->table_rows[t] * H;
		g->w_ih = p, p += GATES * H;
		g->w_hh = p, p += GATES * H;
		g->b_ih = p, p += GATES;
		g->b_hh = p, p += GATES;
		if (prog->attention_table >= 0)
		{
			g->emb_attn = p, p += H * H;
			g->hid_attn = p, p += H * H;
			g->v_attn = p, p += H;
		}
		for (int h = 0; h < prog->nheads; h++)
		{
			g->head_w[h] = p, p += prog->head_k[h] * H;
			g->head_b[h] = p, p += prog->head_k[h];
		}
	}
}

void
ct_controller_set_scaling(ct_controller *c, double temperature, double tanh_constant, double op_tanh_reduce)
{
	c->temperature = temperature;
	c->tanh_constant = tanh_constant;
	c->op_tanh_reduce = op_tanh_reduce;
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

/* x_table: 0 none, else table x_table - 1 */
static const float *
x_source(const ct_ctrl_group *c, int x_table, int row)
{
	return x_table > 0 ? c->table[x_table - 1] + row * H : NULL;
}

/* PyTorch's LSTMCell: gates i, f, g, o from W_ih x + b_ih + W_hh h + b_hh. */
static void
lstm_step(const ct_ctrl_group *c, ct_ctrl_step *st, int x_table, int x_row,
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

/*
 * Fills the decision's probabilities (and attention values, and the
 * derivative of the scaling) from h: softmax over the choices not masked of
 * the logits scaled as the controller says.
 */
static void
decision_probs(const ct_controller *cc, ct_ctrl_decision *d, const double *h)
{
	const ct_ctrl_group *c = &cc->group[d->group];
	double		logit[CT_CTRL_NODES];
	double		top = -INFINITY,
				sum = 0.0;
	double		tc = cc->tanh_constant;

	if (tc > 0 && d->head >= 0 && cc->op_tanh_reduce > 0)
		tc /= cc->op_tanh_reduce;
	for (int r = 0; r < d->k; r++)
	{
		d->dscale[r] = 1.0;
		if (d->head < 0)
		{
			const float *rows = c->table[cc->prog->attention_table];

			logit[r] = 0.0;
			for (int m = 0; m < H; m++)
			{
				double		pre = 0.0;

				for (int j = 0; j < H; j++)
					pre += (double) c->emb_attn[m * H + j] * rows[r * H + j] +
						(double) c->hid_attn[m * H + j] * h[j];
				d->q[r][m] = tanh(pre);
				logit[r] += (double) c->v_attn[m] * d->q[r][m];
			}
		}
		else
		{
			const float *w = c->head_w[d->head];
			const float *b = c->head_b[d->head];

			logit[r] = b[r];
			for (int m = 0; m < H; m++)
				logit[r] += (double) w[r * H + m] * h[m];
		}
		/* the reference's _scale_attention */
		if (cc->temperature > 0)
		{
			logit[r] /= cc->temperature;
			d->dscale[r] = 1.0 / cc->temperature;
		}
		if (tc > 0)
		{
			double		t = tanh(logit[r]);

			logit[r] = tc * t;
			d->dscale[r] *= tc * (1.0 - t * t);
		}
		if (!(d->mask >> r & 1u))
			top = fmax(top, logit[r]);
	}
	for (int r = 0; r < d->k; r++)
		sum += (d->prob[r] = d->mask >> r & 1u ? 0.0 : exp(logit[r] - top));
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
 * The program's decisions.  With rng: sampled (uniformly, without the LSTM,
 * when uniform); without: the given actions.
 */
static void
run(const ct_controller *c, ct_rng *rng, bool uniform, const int *forced, ct_ctrl_sample *out)
{
	double		zero[H] = {0};
	const double *h = zero,
			   *cc = zero;
	int			x_table = 0,
				x_row = 0;

	memset(out, 0, sizeof(*out));
	for (int nd = 0; nd < c->prog->decisions; nd++)
	{
		ct_ctrl_decision *d = &out->decisions[nd];
		ct_ctrl_next next;

		/* what this decision is, from the decisions before it */
		c->prog->next(out->actions, nd, &next);
		d->head = next.head;
		d->k = next.k;
		d->group = next.group >= 0 && next.group < c->ngroups ? next.group : 0;
		d->mask = next.mask & ((1u << d->k) - 1);
		if (d->mask == (1u << d->k) - 1)
			d->mask = 0;		/* (never all: a program bug would leave no choice) */
		if (next.reset)
		{
			/* a fresh start: zero state, zero input (the reference's second Controller) */
			h = zero;
			cc = zero;
			x_table = 0;
			x_row = 0;
		}

		if (!uniform || rng == NULL)
		{
			ct_ctrl_step *st = &out->steps[out->nsteps];

			lstm_step(&c->group[d->group], st, x_table, x_row, h, cc);
			st->group = d->group;
			st->reset = next.reset || nd == 0;
			h = st->h;
			cc = st->c;
			d->step = out->nsteps++;
			decision_probs(c, d, h);
		}
		else
		{
			int			allowed = d->k - __builtin_popcount(d->mask);

			for (int r = 0; r < d->k; r++)
			{
				d->prob[r] = d->mask >> r & 1u ? 0.0 : 1.0 / allowed;
				d->dscale[r] = 1.0;
			}
		}

		if (forced)
			d->action = forced[nd] >= 0 && forced[nd] < d->k ? forced[nd] : 0;
		else
		{
			double		u = ct_rng_uniform(rng),
						acc = 0.0;

			/* the last choice allowed, should rounding leave u above the sum */
			for (d->action = d->k - 1; d->action > 0 && (d->mask >> d->action & 1u); d->action--)
				;
			for (int r = 0; r < d->k; r++)
				if (d->prob[r] > 0 && u < (acc += d->prob[r]))
				{
					d->action = r;
					break;
				}
		}
		out->actions[nd] = d->action;
		out->logp += log(fmax(d->prob[d->action], 1e-300));
		out->entropy += entropy_of(d);
		x_table = next.next_table + 1;
		x_row = d->action + next.next_offset;
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
ct_controller_backward(const ct_controller *cc, const ct_ctrl_sample *s, double reward,
					   double entropy_coef, float *grad)
{
#define G(field) (grad + (c->field - cc->params))
	double		dh_next[H] = {0},
				dc_next[H] = {0};

	for (int t = s->nsteps - 1; t >= 0; t--)
	{
		const ct_ctrl_step *st = &s->steps[t];
		const ct_ctrl_decision *d = &s->decisions[t];
		const ct_ctrl_group *c = &cc->group[st->group];
		double		dh[H],
					dz[GATES],
					dl[CT_CTRL_NODES];
		double		ent = entropy_of(d);

		memcpy(dh, dh_next, sizeof(dh));

		/* d loss / d logits of  - reward log p(action) - coef H (masked choices: p = 0, no gradient) */
		for (int r = 0; r < d->k; r++)
		{
			double		p = d->prob[r];

			dl[r] = -reward * ((r == d->action) - p) +
				(p > 0 ? entropy_coef * p * (log(p) + ent) : 0.0);
			dl[r] *= d->dscale[r];	/* through the scaling, to the raw logit */
		}
		if (d->head < 0)
		{
			const float *rows = c->table[cc->prog->attention_table];
			float	   *grows = grad + (rows - cc->params);
			double		dpre_sum[H] = {0};

			for (int r = 0; r < d->k; r++)
				for (int m = 0; m < H; m++)
				{
					double		dpre = dl[r] * c->v_attn[m] * (1.0 - d->q[r][m] * d->q[r][m]);

					G(v_attn)[m] += (float) (dl[r] * d->q[r][m]);
					dpre_sum[m] += dpre;
					for (int j = 0; j < H; j++)
					{
						G(emb_attn)[m * H + j] += (float) (dpre * rows[r * H + j]);
						grows[r * H + j] += (float) (dpre * c->emb_attn[m * H + j]);
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
			const float *w = c->head_w[d->head];
			float	   *gw = G(head_w[d->head]);
			float	   *gb = G(head_b[d->head]);

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
			float	   *gx = st->x_table == 0 ? NULL : G(table[st->x_table - 1]) + st->x_row * H;

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
		/* a step that started afresh read zeros, not the step before */
		if (st->reset)
		{
			memset(dh_next, 0, sizeof(dh_next));
			memset(dc_next, 0, sizeof(dc_next));
		}
	}
#undef G
}

bool
ct_controller_arch(const ct_controller *c, const int *actions, ct_arch *out, ct_error *err)
{
	return c->prog->decode(actions, out, err);
}
