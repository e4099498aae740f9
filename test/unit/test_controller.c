/*
 * test_controller.c
 *	  The LSTM controller: size, valid cells, replay, determinism, the
 *	  reference's decoding example, and finite-difference gradients of the
 *	  REINFORCE loss through every parameter tensor.
 */
#include "unit.h"

#include <math.h>
#include <stdbool.h>

#include "ctnas_alloc.h"
#include "ctnas_controller.h"
#include "ctnas_darts.h"
#include "ctnas_graph.h"
#include "ctnas_ofa.h"
#include "ctnas_space.h"

static double
loss_of(const ct_controller *c, const int *actions, double reward, double coef)
{
	ct_ctrl_sample s;

	ct_controller_replay(c, actions, &s);
	return -reward * s.logp - coef * s.entropy;
}

/*
 * The worst relative error between the analytic gradient grad and central
 * finite differences (h = 1e-3) of loss_of, over about 61 elements of the
 * tensor base[0 .. len) of c's parameters.
 */
static double
fd_worst(ct_controller *c, const int *actions, double reward, double coef, const float *grad,
		 float *base, size_t len)
{
	double		worst = 0;
	size_t		stride = len > 64 ? len / 61 : 1;

	for (size_t i = 0; i < len; i += stride)
	{
		float	   *x = base + i;
		float		saved = *x;
		double		h = 1e-3,
					up,
					down,
					fd,
					an = grad[x - c->params];

		*x = (float) (saved + h);
		up = loss_of(c, actions, reward, coef);
		*x = (float) (saved - h);
		down = loss_of(c, actions, reward, coef);
		*x = saved;
		fd = (up - down) / ((double) (float) (saved + h) - (double) (float) (saved - h));
		worst = fmax(worst, fabs(fd - an) / fmax(1e-3, fabs(an)));
	}
	return worst;
}

static void
test_sampling(void)
{
	ct_controller c;
	ct_rng		rng;
	int			by_n[6] = {0},
				two_node = 0,
				valid = 0,
				replayed = 0;

	ct_controller_alloc(&c, &ct_ctrl_program_nb101);
	CHECK(c.nparams == 43016);
	ct_controller_init(&c, 1);
	ct_rng_seed(&rng, 2);
	for (int i = 0; i < 3000; i++)
	{
		ct_ctrl_sample s,
					r;
		ct_graph	g;
		ct_arch		a;

		ct_controller_sample(&c, &rng, false, &s);
		by_n[s.actions[0] + 1]++;
		if (ct_controller_arch(&c, s.actions, &a, NULL))
		{
			ct_nb101_graph(&a, &g);
			valid++;
			two_node += g.n == 2;
			CHECK(ct_graph_num_edges(&g) <= CT_NB101_MAX_EDGES);
		}
		ct_controller_replay(&c, s.actions, &r);
		replayed += fabs(r.logp - s.logp) < 1e-12 && fabs(r.entropy - s.entropy) < 1e-12 &&
			memcmp(r.actions, s.actions, sizeof(s.actions)) == 0 && s.nsteps == ct_ctrl_program_nb101.decisions;
	}
	CHECK(valid == 3000);
	CHECK(replayed == 3000);
	/* a fresh controller is close to uniform over the number of nodes; input -> output only is rare */
	for (int n = 1; n <= 5; n++)
		CHECK(by_n[n] > 450 && by_n[n] < 750);
	CHECK(two_node > 60 && two_node < 500);

	/* the same seed, the same samples; force_uniform runs no LSTM */
	{
		ct_rng		a,
					b;
		ct_ctrl_sample sa,
					sb;

		ct_rng_seed(&a, 9);
		ct_rng_seed(&b, 9);
		ct_controller_sample(&c, &a, false, &sa);
		ct_controller_sample(&c, &b, false, &sb);
		CHECK(memcmp(sa.actions, sb.actions, sizeof(sa.actions)) == 0);
		ct_controller_sample(&c, &a, true, &sa);
		CHECK(sa.nsteps == 0);
	}
	ct_controller_free(&c);
}

static void
test_decoding(void)
{
	/* ctnas-reference.md §7.4: seq [2, 0,0, 1,1, 2, 0,3, 1,1, 0,0, ...] (the first is n; ours is n - 1) */
	int			actions[CT_CTRL_DECISIONS] = {1, 0, 0, 1, 1, 2, 0, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	int			bad[CT_CTRL_DECISIONS] = {1, 1, 0, 1, 1, 2, 0, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	ct_arch		a;
	char		text[CT_GRAPH_JSON_MAX];

	CHECK(ct_ctrl_program_nb101.decode(actions, &a, NULL));
	ct_arch_to_text(&a, text, sizeof(text));
	CHECK_STR(text, "{\"matrix\":[[0,1,0,1],[0,0,1,0],[0,0,0,1],[0,0,0,0]],"
			  "\"ops\":[\"input\",\"conv3x3-bn-relu\",\"conv1x1-bn-relu\",\"output\"]}");
	CHECK(!ct_ctrl_program_nb101.decode(bad, &a, NULL));	/* node 1's predecessor must be 0 */
}

static void
test_gradients(void)
{
	ct_controller c;
	ct_rng		rng;
	ct_ctrl_sample s;
	float	   *grad;
	const double reward = 0.7,
				coef = 0.3;
	struct
	{
		const char *name;
		float	   *base;
		size_t		len;
	}			tensors[] = {
		{"n_nodes_emb", NULL, 5 * 64}, {"node_emb", NULL, 7 * 64}, {"op_emb", NULL, 3 * 64},
		{"w_ih", NULL, 256 * 64}, {"w_hh", NULL, 256 * 64}, {"b_ih", NULL, 256}, {"b_hh", NULL, 256},
		{"emb_attn", NULL, 64 * 64}, {"hid_attn", NULL, 64 * 64}, {"v_attn", NULL, 64},
		{"w_soft", NULL, 3 * 64}, {"w_soft_b", NULL, 3}, {"n_soft", NULL, 5 * 64}, {"n_soft_b", NULL, 5},
	};
	int			bad = 0;

	ct_controller_alloc(&c, &ct_ctrl_program_nb101);
	ct_controller_init(&c, 4);
	tensors[0].base = c.group[0].table[0], tensors[1].base = c.group[0].table[1], tensors[2].base = c.group[0].table[2];
	tensors[3].base = c.group[0].w_ih, tensors[4].base = c.group[0].w_hh, tensors[5].base = c.group[0].b_ih, tensors[6].base = c.group[0].b_hh;
	tensors[7].base = c.group[0].emb_attn, tensors[8].base = c.group[0].hid_attn, tensors[9].base = c.group[0].v_attn;
	tensors[10].base = c.group[0].head_w[0], tensors[11].base = c.group[0].head_b[0], tensors[12].base = c.group[0].head_w[1];
	tensors[13].base = c.group[0].head_b[1];

	/* a sample with several nodes, so that every kind of decision occurs */
	ct_rng_seed(&rng, 3);
	do
		ct_controller_sample(&c, &rng, false, &s);
	while (s.actions[0] < 2);
	grad = ct_calloc(c.nparams, sizeof(float));
	ct_controller_backward(&c, &s, reward, coef, grad);

	for (size_t t = 0; t < sizeof(tensors) / sizeof(tensors[0]); t++)
	{
		double		worst = fd_worst(&c, s.actions, reward, coef, grad, tensors[t].base, tensors[t].len);

		if (worst > 1e-2)
		{
			bad++;
			fprintf(stderr, "controller gradient %s: worst relative error %.3g\n", tensors[t].name, worst);
		}
	}
	CHECK(bad == 0);
	ct_free(grad);
	ct_controller_free(&c);
}

/* ---- the DARTS space's LargeSpaceController ----------------------------- */

/* Finite differences of  - reward logp - coef entropy  through every tensor of both groups. */
static void
darts_gradients(double temperature, double tanh_constant, double op_tanh_reduce)
{
	ct_controller c;
	ct_rng		rng;
	ct_ctrl_sample s;
	float	   *grad;
	const double reward = 0.7,
				coef = 0.3;
	const char *names[] = {"node_op_embedding", "w_ih", "w_hh", "b_ih", "b_hh", "emb_attn", "hid_attn", "v_attn",
	"w_soft", "w_soft_b"};
	int			bad = 0;

	ct_controller_alloc(&c, &ct_ctrl_program_darts);
	ct_controller_init(&c, 6);
	ct_controller_set_scaling(&c, temperature, tanh_constant, op_tanh_reduce);
	ct_rng_seed(&rng, 8);
	ct_controller_sample(&c, &rng, false, &s);
	grad = ct_calloc(c.nparams, sizeof(float));
	ct_controller_backward(&c, &s, reward, coef, grad);

	for (int gi = 0; gi < 2; gi++)
	{
		const ct_ctrl_group *g = &c.group[gi];
		float	   *base[] = {g->table[0], g->w_ih, g->w_hh, g->b_ih, g->b_hh, g->emb_attn, g->hid_attn, g->v_attn,
		g->head_w[0], g->head_b[0]};
		size_t		len[] = {13 * 64, 256 * 64, 256 * 64, 256, 256, 64 * 64, 64 * 64, 64, 8 * 64, 8};

		for (int t = 0; t < 10; t++)
		{
			double		worst = fd_worst(&c, s.actions, reward, coef, grad, base[t], len[t]);

			if (worst > 1e-2)
			{
				bad++;
				fprintf(stderr, "DARTS controller gradient %s (group %d; T %g, C %g, reduce %g): worst relative error %.3g\n",
						names[t], gi, temperature, tanh_constant, op_tanh_reduce, worst);
			}
		}
	}
	CHECK(bad == 0);
	ct_free(grad);
	ct_controller_free(&c);
}

static void
test_darts(void)
{
	ct_controller c;
	ct_rng		rng;
	int			valid = 0,
				replayed = 0,
				distinct_inputs = 0,
				none_edges = 0,
				ops_seen[8] = {0};
	ct_error	err;

	/* the reference's size: 2 x (13 x 64 + LSTMCell(64, 64) + attention + Linear(64, 8)) */
	ct_controller_alloc(&c, &ct_ctrl_program_darts);
	CHECK(c.nparams == 85776 && c.ngroups == 2);
	CHECK(c.group[1].table[0] - c.params == 42888 && c.group[0].head_b[0] + 8 == c.group[1].table[0]);
	ct_controller_init(&c, 1);
	ct_rng_seed(&rng, 2);
	for (int i = 0; i < 2000; i++)
	{
		ct_ctrl_sample s,
					r;
		ct_arch		a;

		ct_controller_sample(&c, &rng, false, &s);
		if (ct_controller_arch(&c, s.actions, &a, &err) && a.space == CT_SPACE_DARTS && ct_space_darts.valid(&a))
			valid++;
		for (int t = 0; t < 32; t += 4)
		{
			distinct_inputs += s.actions[t] != s.actions[t + 1];
			none_edges += (s.actions[t + 2] == 3) + (s.actions[t + 3] == 3);	/* PRIMITIVES[3] = none */
			ops_seen[s.actions[t + 2]]++;
		}
		ct_controller_replay(&c, s.actions, &r);
		replayed += fabs(r.logp - s.logp) < 1e-12 && fabs(r.entropy - s.entropy) < 1e-12 && s.nsteps == 32 &&
			r.nsteps == 32;
	}
	CHECK(valid == 2000);
	CHECK(replayed == 2000);
	CHECK(distinct_inputs == 2000 * 8);	/* pred_b is never pred_a (the one deviation) */
	CHECK(none_edges > 0);				/* "none" is a choice, as in the reference */
	for (int op = 0; op < 8; op++)
		CHECK(ops_seen[op] > 2000 * 8 / 8 / 2);	/* a fresh controller is near uniform */

	/* force_uniform: no LSTM; entropy 2 sum_t (ln t + ln (t - 1) + 2 ln 8) (the reference's 52.42 without the mask) */
	{
		ct_ctrl_sample s;
		double		want = 2 * (log(120.0) + log(24.0) + 8 * log(8.0));

		ct_controller_sample(&c, &rng, true, &s);
		CHECK(s.nsteps == 0 && fabs(s.entropy - want) < 1e-9);
		CHECK(ct_controller_arch(&c, s.actions, &(ct_arch) {0}, NULL));
	}

	/* the reduction cell starts afresh: its decisions do not depend on the normal cell's */
	{
		ct_ctrl_sample s1,
					s2,
					r1,
					r2;
		bool		same = true;

		ct_controller_sample(&c, &rng, false, &s1);
		do
			ct_controller_sample(&c, &rng, false, &s2);
		while (memcmp(s1.actions, s2.actions, 16 * sizeof(int)) == 0);
		memcpy(s2.actions + 16, s1.actions + 16, 16 * sizeof(int));
		ct_controller_replay(&c, s1.actions, &r1);
		ct_controller_replay(&c, s2.actions, &r2);
		for (int t = 16; t < 32; t++)
			same &= memcmp(r1.decisions[t].prob, r2.decisions[t].prob, sizeof(r1.decisions[t].prob)) == 0;
		CHECK(same);
		/* and pred_b's softmax gives pred_a nothing */
		for (int t = 1; t < 32; t += 4)
			CHECK(r1.decisions[t].prob[r1.actions[t - 1]] == 0.0 && r1.decisions[t].k == t % 16 / 4 + 2);
	}

	/* decoding: the reference's PRIMITIVES order (skip, sep3, sep5, none, dil3, dil5, max, avg), by name */
	{
		int			actions[32] = {
			/* normal: node 2 (1, 0) sep3 skip; node 3 (2, 0) none max; node 4 (3, 1) dil3 dil5; node 5 (4, 0) avg sep5 */
			1, 0, 1, 0, 2, 0, 3, 6, 3, 1, 4, 5, 4, 0, 7, 2,
			/* reduce: every node (0, 1), ops max max */
			0, 1, 6, 6, 0, 1, 6, 6, 0, 1, 6, 6, 0, 1, 6, 6,
		};
		ct_arch		a;
		char		text[CT_ARCH_TEXT_MAX];

		CHECK(ct_controller_arch(&c, actions, &a, &err));
		ct_arch_to_text(&a, text, sizeof(text));
		CHECK_STR(text, "Genotype(normal=[('skip_connect', 0), ('sep_conv_3x3', 1), ('max_pool_3x3', 0), ('none', 2), "
				  "('dil_conv_5x5', 1), ('dil_conv_3x3', 3), ('sep_conv_5x5', 0), ('avg_pool_3x3', 4)], normal_concat=[2, 3, 4, 5], "
				  "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1), "
				  "('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])");
		actions[17] = 0;		/* reduce node 2 reads c_{k-2} twice: not a genotype */
		CHECK(!ct_controller_arch(&c, actions, &a, &err) && err.kind == CT_ERR_INVALID);
		actions[17] = 2;		/* node 2 cannot read node 2 */
		CHECK(!ct_controller_arch(&c, actions, &a, &err) && err.kind == CT_ERR_INVALID);
	}

	/* the temperature and tanh constants (common_nas.py _scale_attention) */
	{
		ct_ctrl_sample plain,
					scaled;
		int			actions[32];
		double		worst = 0;

		ct_controller_sample(&c, &rng, false, &plain);
		memcpy(actions, plain.actions, sizeof(actions));
		ct_controller_set_scaling(&c, 2.0, 0, 0);
		ct_controller_replay(&c, actions, &scaled);
		/* temperature 2 halves the logits: p_T ~ sqrt(p) */
		for (int t = 0; t < 32; t++)
		{
			const ct_ctrl_decision *d = &plain.decisions[t];
			double		z = 0;

			for (int r = 0; r < d->k; r++)
				z += sqrt(d->prob[r]);
			for (int r = 0; r < d->k; r++)
				worst = fmax(worst, fabs(scaled.decisions[t].prob[r] - sqrt(d->prob[r]) / z));
		}
		CHECK(worst < 1e-12);
		/* tanh: every logit within +-C, so no probability ratio beyond e^(2C) */
		ct_controller_set_scaling(&c, 0, 0.5, 0);
		ct_controller_replay(&c, actions, &scaled);
		worst = 0;
		for (int t = 0; t < 32; t++)
		{
			const ct_ctrl_decision *d = &scaled.decisions[t];

			for (int r = 0; r < d->k; r++)
				for (int q = 0; q < d->k; q++)
					if (d->prob[q] > 0)
						worst = fmax(worst, d->prob[r] / d->prob[q]);
		}
		CHECK(worst <= exp(1.0) + 1e-12);
		ct_controller_set_scaling(&c, 0, 0, 0);
	}
	ct_controller_free(&c);

	darts_gradients(0, 0, 0);
	darts_gradients(1.5, 2.5, 2.5);
	darts_gradients(5, 1.1, 0);
}

/* ---- the OFA MobileNetV3 space's MBSpaceController ------------------------ */

static void
test_ofa(void)
{
	ct_controller c;
	ct_rng		rng;
	ct_ctrl_sample s;
	float	   *grad;
	ct_error	err;
	int			valid = 0,
				replayed = 0,
				depth_seen[3] = {0};
	const double reward = 0.7,
				coef = 0.3;
	const char *names[] = {"condition_embedding", "depth_embedding", "ratio_embedding", "ks_embedding",
		"w_ih", "w_hh", "b_ih", "b_hh", "depth_linear", "depth_linear_b", "width_linear", "width_linear_b",
	"ks_linear", "ks_linear_b"};
	int			bad = 0;

	/* the reference's 34,505: condition 1 x 64, depth/ratio/ks 3 x 64, LSTMCell(64, 64), 3 x Linear(64, 3) */
	ct_controller_alloc(&c, &ct_ctrl_program_ofa);
	CHECK(c.nparams == 34505 && c.ngroups == 1);
	CHECK(c.group[0].table[1] - c.params == 64 && c.group[0].w_ih - c.params == 640 &&
		  c.group[0].head_w[0] - c.params == 640 + 33280 && c.group[0].head_b[2] + 3 == c.params + c.nparams);
	CHECK(ct_space_ofa.program == &ct_ctrl_program_ofa && ct_ctrl_program_ofa.decisions == 45);
	ct_controller_init(&c, 1);
	ct_rng_seed(&rng, 2);
	for (int i = 0; i < 1000; i++)
	{
		ct_ctrl_sample r;
		ct_arch		a;

		ct_controller_sample(&c, &rng, false, &s);
		if (ct_controller_arch(&c, s.actions, &a, &err) && ct_space_ofa.valid(&a))
		{
			ct_ofa_net	n;

			ct_ofa_unpack(&a, &n);
			valid += n.d[2] == 2 + s.actions[18] && n.ks[0] == 3 + 2 * s.actions[2] &&
				n.e[0] == (s.actions[1] == 2 ? 6 : 3 + s.actions[1]);
		}
		for (int u = 0; u < 5; u++)
			depth_seen[s.actions[9 * u]]++;
		ct_controller_replay(&c, s.actions, &r);
		replayed += fabs(r.logp - s.logp) < 1e-12 && fabs(r.entropy - s.entropy) < 1e-12 && s.nsteps == 45 &&
			r.nsteps == 45;
	}
	CHECK(valid == 1000);
	CHECK(replayed == 1000);
	for (int d = 0; d < 3; d++)
		CHECK(depth_seen[d] > 5000 / 3 / 2);	/* a fresh controller is near uniform */

	/* force_uniform: 45 three-way decisions, inactive slots included: 45 ln 3 */
	ct_controller_sample(&c, &rng, true, &s);
	CHECK(s.nsteps == 0 && fabs(s.entropy - 45 * log(3.0)) < 1e-9 && fabs(s.logp + 45 * log(3.0)) < 1e-9);

	/* decoding: depth, then (expand, kernel) per slot; inactive slots dropped */
	{
		int			actions[45];
		ct_arch		a,
					b;
		char		text[CT_ARCH_TEXT_MAX];

		for (int t = 0; t < 45; t++)
			actions[t] = t % 9 == 0 ? 0 : t % 3;
		actions[36] = 2;		/* unit 4: depth 4 */
		CHECK(ct_controller_arch(&c, actions, &a, &err));
		ct_arch_to_text(&a, text, sizeof(text));
		/* unit u's slot l: expand action (9u + 1 + 2l) % 3, kernel action (9u + 2 + 2l) % 3 */
		CHECK_STR(text, "{\"ks\": [7, 5, 0, 0, 7, 5, 0, 0, 7, 5, 0, 0, 7, 5, 0, 0, 7, 5, 3, 7], "
				  "\"e\": [4, 3, 0, 0, 4, 3, 0, 0, 4, 3, 0, 0, 4, 3, 0, 0, 4, 3, 6, 4], \"d\": [2, 2, 2, 2, 4]}");
		/* an inactive slot's decisions change nothing */
		actions[5] = (actions[5] + 1) % 3;
		actions[6] = (actions[6] + 1) % 3;
		CHECK(ct_controller_arch(&c, actions, &b, &err) && ct_arch_eq(&a, &b));
		actions[3] = 3;
		CHECK(!ct_controller_arch(&c, actions, &b, &err) && err.kind == CT_ERR_INVALID);
	}

	/* finite differences of  - reward logp - coef entropy  through every tensor (condition_embedding: zero) */
	ct_controller_init(&c, 6);
	ct_rng_seed(&rng, 8);
	ct_controller_sample(&c, &rng, false, &s);
	grad = ct_calloc(c.nparams, sizeof(float));
	ct_controller_backward(&c, &s, reward, coef, grad);
	{
		const ct_ctrl_group *g = &c.group[0];
		float	   *base[] = {g->table[0], g->table[1], g->table[2], g->table[3], g->w_ih, g->w_hh, g->b_ih, g->b_hh,
		g->head_w[0], g->head_b[0], g->head_w[1], g->head_b[1], g->head_w[2], g->head_b[2]};
		size_t		len[] = {64, 3 * 64, 3 * 64, 3 * 64, 256 * 64, 256 * 64, 256, 256, 3 * 64, 3, 3 * 64, 3, 3 * 64, 3};
		bool		condition_zero = true;

		for (int i = 0; i < 64; i++)
			condition_zero &= grad[i] == 0.0f;
		CHECK(condition_zero);
		for (int t = 0; t < 14; t++)
		{
			double		worst = fd_worst(&c, s.actions, reward, coef, grad, base[t], len[t]);

			if (worst > 1e-2)
			{
				bad++;
				fprintf(stderr, "OFA controller gradient %s: worst relative error %.3g\n", names[t], worst);
			}
		}
	}
	CHECK(bad == 0);
	ct_free(grad);
	ct_controller_free(&c);
}

void
test_controller(void)
{
	test_sampling();
	test_decoding();
	test_gradients();
	test_darts();
	test_ofa();
}
