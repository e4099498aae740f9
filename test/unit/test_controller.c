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
#include "ctnas_graph.h"
#include "ctnas_space.h"

static double
loss_of(const ct_controller *c, const int *actions, double reward, double coef)
{
	ct_ctrl_sample s;

	ct_controller_replay(c, actions, &s);
	return -reward * s.logp - coef * s.entropy;
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
			memcmp(r.actions, s.actions, sizeof(s.actions)) == 0 && s.nsteps == CT_CTRL_DECISIONS;
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
	tensors[0].base = c.table[0], tensors[1].base = c.table[1], tensors[2].base = c.table[2];
	tensors[3].base = c.w_ih, tensors[4].base = c.w_hh, tensors[5].base = c.b_ih, tensors[6].base = c.b_hh;
	tensors[7].base = c.emb_attn, tensors[8].base = c.hid_attn, tensors[9].base = c.v_attn;
	tensors[10].base = c.head_w[0], tensors[11].base = c.head_b[0], tensors[12].base = c.head_w[1];
	tensors[13].base = c.head_b[1];

	/* a sample with several nodes, so that every kind of decision occurs */
	ct_rng_seed(&rng, 3);
	do
		ct_controller_sample(&c, &rng, false, &s);
	while (s.actions[0] < 2);
	grad = ct_calloc(c.nparams, sizeof(float));
	ct_controller_backward(&c, &s, reward, coef, grad);

	for (size_t t = 0; t < sizeof(tensors) / sizeof(tensors[0]); t++)
	{
		double		worst = 0;
		size_t		stride = tensors[t].len > 64 ? tensors[t].len / 61 : 1;

		for (size_t i = 0; i < tensors[t].len; i += stride)
		{
			float	   *x = tensors[t].base + i;
			float		saved = *x;
			double		h = 1e-3,
						up,
						down,
						fd,
						an = grad[x - c.params];

			*x = (float) (saved + h);
			up = loss_of(&c, s.actions, reward, coef);
			*x = (float) (saved - h);
			down = loss_of(&c, s.actions, reward, coef);
			*x = saved;
			fd = (up - down) / ((double) (float) (saved + h) - (double) (float) (saved - h));
			worst = fmax(worst, fabs(fd - an) / fmax(1e-3, fabs(an)));
		}
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

void
test_controller(void)
{
	test_sampling();
	test_decoding();
	test_gradients();
}
